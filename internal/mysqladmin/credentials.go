package mysqladmin

import (
	"bytes"
	"crypto/x509"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"strconv"
	"strings"
	"unicode/utf8"
)

// DefaultPort is the port used when a credentials document has none.
const DefaultPort = 3306

// Credentials is the JSON document AWS Secrets Manager uses for database
// credentials, the SecretString of a database secret:
//
//	{"engine": "mysql", "host": "db.example.com", "port": 3306,
//	 "username": "app", "password": "...", "dbname": "shop",
//	 "masterarn": "arn:aws:secretsmanager:...:secret:prod/db/master-AbCdEf",
//	 "ssl": true, "ssl_ca": "-----BEGIN CERTIFICATE-----\n..."}
//
// engine is "mysql", "mariadb" or "aurora-mysql" ("aurora" is read as
// "aurora-mysql"); missing means "mysql". port is a number, as AWS writes it,
// or a string of digits, as people often do; missing means 3306. dbname and
// masterarn are optional; masterarn names (ARN or name) the secret of an
// account allowed to change other accounts' passwords.
//
// Two fields are dbwarden's: ssl (true or false, or the strings "true" and
// "false") asks for TLS, and ssl_ca holds the PEM certificates of the CAs
// that may sign the server's certificate. With ssl and no ssl_ca, the system's
// roots are trusted. With ssl_ca, ssl defaults to true. The server's
// certificate must be valid for host.
//
// Every other field is kept as it is: WithLogin and JSON give the document
// back with only username and password changed.
//
// A Credentials prints as redacted in fmt, log/slog and %#v, so it can be
// logged by mistake without leaking the password.
type Credentials struct {
	Engine    string
	Host      string
	Port      int
	Username  string
	Password  string
	DBName    string
	MasterARN string
	SSL       bool
	SSLCA     string // PEM; "" for none

	fields []field // the document as parsed, in order; nil for a literal
}

// field is one member of the top-level JSON object, its value unparsed.
type field struct {
	key   string
	value json.RawMessage
}

// Field names of the credentials document.
const (
	fieldEngine    = "engine"
	fieldHost      = "host"
	fieldPort      = "port"
	fieldUsername  = "username"
	fieldPassword  = "password"
	fieldDBName    = "dbname"
	fieldMasterARN = "masterarn"
	fieldSSL       = "ssl"
	fieldSSLCA     = "ssl_ca"
)

// maxDocument bounds a credentials document; Secrets Manager bounds a
// SecretString to 65,536 bytes.
const maxDocument = 65536

// ParseCredentials reads a credentials document. An invalid one gives a
// *FieldError (errors.Is ErrInvalidCredentials) that names the field and the
// problem and never quotes a value.
func ParseCredentials(doc []byte) (Credentials, error) {
	if len(doc) > maxDocument {
		return Credentials{}, invalid("", fmt.Sprintf("the document is %d bytes, more than %d", len(doc), maxDocument))
	}
	fields, err := readObject(doc)
	if err != nil {
		return Credentials{}, err
	}
	c := Credentials{Port: DefaultPort, Engine: "mysql", fields: fields}
	seenCA := false
	for _, f := range fields {
		var err error
		switch f.key {
		case fieldEngine:
			err = readString(f, &c.Engine)
			if err == nil {
				c.Engine, err = normalizeEngine(c.Engine)
			}
		case fieldHost:
			err = readString(f, &c.Host)
		case fieldPort:
			c.Port, err = readPort(f)
		case fieldUsername:
			err = readString(f, &c.Username)
		case fieldPassword:
			err = readString(f, &c.Password)
		case fieldDBName:
			err = readString(f, &c.DBName)
		case fieldMasterARN:
			err = readString(f, &c.MasterARN)
		case fieldSSL:
			c.SSL, err = readBool(f)
		case fieldSSLCA:
			err = readString(f, &c.SSLCA)
			seenCA = true
		}
		if err != nil {
			return Credentials{}, err
		}
	}
	if seenCA && c.SSLCA != "" && !hasField(fields, fieldSSL) {
		c.SSL = true
	}
	if err := c.Validate(); err != nil {
		return Credentials{}, err
	}
	return c, nil
}

func hasField(fields []field, key string) bool {
	for _, f := range fields {
		if f.key == key {
			return true
		}
	}
	return false
}

// readObject splits a JSON object into its members, in order. Duplicate keys
// are refused: which one wins differs between readers, and a document that
// means two things is not a credential to rotate.
func readObject(doc []byte) ([]field, error) {
	dec := json.NewDecoder(bytes.NewReader(doc))
	dec.UseNumber()
	tok, err := dec.Token()
	if err != nil {
		return nil, syntaxError(dec, err)
	}
	if d, ok := tok.(json.Delim); !ok || d != '{' {
		return nil, invalid("", "the document is not a JSON object")
	}
	var fields []field
	seen := map[string]bool{}
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return nil, syntaxError(dec, err)
		}
		key, _ := tok.(string)
		var raw json.RawMessage
		if err := dec.Decode(&raw); err != nil {
			return nil, syntaxError(dec, err)
		}
		if seen[key] {
			return nil, invalid(displayKey(key), "the field appears more than once")
		}
		seen[key] = true
		fields = append(fields, field{key: key, value: raw})
	}
	if _, err := dec.Token(); err != nil {
		return nil, syntaxError(dec, err)
	}
	if _, err := dec.Token(); err != io.EOF {
		return nil, invalid("", "the document has data after its JSON object")
	}
	return fields, nil
}

// displayKey quotes a key for an error message, cut short: keys are not
// secret, but they are input.
func displayKey(key string) string {
	if len(key) > 64 || !utf8.ValidString(key) {
		return "(a long or invalid key)"
	}
	return key
}

// syntaxError reports malformed JSON by position only. encoding/json's own
// messages quote the offending character, which may be part of the password.
func syntaxError(dec *json.Decoder, err error) error {
	var se *json.SyntaxError
	switch {
	case errors.As(err, &se):
		return invalid("", fmt.Sprintf("malformed JSON at byte %d", se.Offset))
	case errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF):
		return invalid("", "the JSON document ends too early")
	default:
		return invalid("", fmt.Sprintf("malformed JSON near byte %d", dec.InputOffset()))
	}
}

func readString(f field, dst *string) error {
	if err := json.Unmarshal(f.value, dst); err != nil {
		return invalid(f.key, "must be a JSON string, got "+jsonKind(f.value))
	}
	return nil
}

func readPort(f field) (int, error) {
	var s string
	switch jsonKind(f.value) {
	case "a number":
		s = string(f.value)
	case "a string":
		if err := json.Unmarshal(f.value, &s); err != nil {
			return 0, invalid(f.key, "must be a number or a string of digits")
		}
	default:
		return 0, invalid(f.key, "must be a number or a string of digits, got "+jsonKind(f.value))
	}
	n, err := strconv.Atoi(strings.TrimSpace(s))
	if err != nil || n < 1 || n > 65535 {
		return 0, invalid(f.key, "must be a whole number from 1 to 65535")
	}
	return n, nil
}

func readBool(f field) (bool, error) {
	var v any
	if err := json.Unmarshal(f.value, &v); err == nil {
		switch v := v.(type) {
		case bool:
			return v, nil
		case string:
			switch strings.ToLower(strings.TrimSpace(v)) {
			case "true":
				return true, nil
			case "false", "":
				return false, nil
			}
		}
	}
	return false, invalid(f.key, `must be true or false (or the string "true" or "false")`)
}

// jsonKind names the type of a JSON value for an error message.
func jsonKind(raw json.RawMessage) string {
	raw = bytes.TrimSpace(raw)
	if len(raw) == 0 {
		return "nothing"
	}
	switch raw[0] {
	case '"':
		return "a string"
	case '{':
		return "an object"
	case '[':
		return "an array"
	case 't', 'f':
		return "a boolean"
	case 'n':
		return "null"
	default:
		return "a number"
	}
}

func normalizeEngine(e string) (string, error) {
	switch strings.ToLower(strings.TrimSpace(e)) {
	case "", "mysql":
		return "mysql", nil
	case "mariadb":
		return "mariadb", nil
	case "aurora-mysql", "aurora":
		return "aurora-mysql", nil
	}
	return "", invalid(fieldEngine, `must be "mysql", "mariadb" or "aurora-mysql"`)
}

// Validate checks what ParseCredentials checks, for a Credentials built in
// code.
func (c Credentials) Validate() error {
	if _, err := normalizeEngine(c.Engine); err != nil {
		return err
	}
	switch {
	case strings.TrimSpace(c.Host) == "":
		return invalid(fieldHost, "is missing or empty")
	case strings.ContainsAny(c.Host, "/ \t\r\n"):
		return invalid(fieldHost, "must be a host name or an IP address")
	case c.Port < 1 || c.Port > 65535:
		return invalid(fieldPort, "must be a whole number from 1 to 65535")
	case c.Username == "":
		return invalid(fieldUsername, "is missing or empty")
	case !utf8.ValidString(c.Username) || strings.ContainsRune(c.Username, 0):
		return invalid(fieldUsername, "must be valid UTF-8 without NUL characters")
	case utf8.RuneCountInString(c.Username) > MaxUserNameLength:
		return invalid(fieldUsername, fmt.Sprintf("is longer than %d characters, the most any supported server allows", MaxUserNameLength))
	case c.Password == "":
		return invalid(fieldPassword, "is missing or empty")
	case strings.ContainsRune(c.Password, 0):
		return invalid(fieldPassword, "must not contain NUL characters")
	}
	if c.SSLCA != "" {
		if ok := x509.NewCertPool().AppendCertsFromPEM([]byte(c.SSLCA)); !ok {
			return invalid(fieldSSLCA, "must hold at least one PEM certificate")
		}
	}
	return nil
}

// Addr returns "host:port".
func (c Credentials) Addr() string { return net.JoinHostPort(c.Host, strconv.Itoa(c.Port)) }

// WithLogin returns a copy of c with another username and password; every
// other field, known or not, stays as it was.
func (c Credentials) WithLogin(username, password string) Credentials {
	c.Username, c.Password = username, password
	return c
}

// JSON returns the document: the fields it was parsed from, in their order,
// with the values of the known fields replaced by c's, and the known fields
// that were missing and are not at their default added at the end. Unknown
// fields come back byte for byte.
func (c Credentials) JSON() ([]byte, error) {
	if err := c.Validate(); err != nil {
		return nil, err
	}
	known := c.knownValues()
	var buf bytes.Buffer
	buf.WriteByte('{')
	n := 0
	write := func(key string, value []byte) error {
		if n > 0 {
			buf.WriteByte(',')
		}
		n++
		k, err := json.Marshal(key)
		if err != nil {
			return err
		}
		buf.Write(k)
		buf.WriteByte(':')
		buf.Write(value)
		return nil
	}
	done := map[string]bool{}
	for _, f := range c.fields {
		value := []byte(f.value)
		if kv, ok := known[f.key]; ok {
			if kv.keep(f.value) {
				value = f.value
			} else if value, ok = kv.encode(); !ok {
				continue // a field that must go, such as an ssl_ca set to ""
			}
			done[f.key] = true
		}
		if err := write(f.key, value); err != nil {
			return nil, err
		}
	}
	for _, key := range knownOrder {
		kv := known[key]
		if done[key] || kv.isDefault {
			continue
		}
		if value, ok := kv.encode(); ok {
			if err := write(key, value); err != nil {
				return nil, err
			}
		}
	}
	buf.WriteByte('}')
	return buf.Bytes(), nil
}

// knownValue is how JSON writes one known field.
type knownValue struct {
	value     any
	isDefault bool // not written when the document lacked the field
	// keep reports whether the raw value already says the same, so that a
	// port written as "3306" stays a string, for instance.
	keep func(raw json.RawMessage) bool
}

func (k knownValue) encode() ([]byte, bool) {
	if s, ok := k.value.(string); ok && s == "" && k.isDefault {
		return nil, false
	}
	b, err := json.Marshal(k.value)
	return b, err == nil
}

var knownOrder = []string{fieldEngine, fieldHost, fieldUsername, fieldPassword, fieldDBName, fieldPort, fieldMasterARN, fieldSSL, fieldSSLCA}

func (c Credentials) knownValues() map[string]knownValue {
	sameString := func(want string) func(json.RawMessage) bool {
		return func(raw json.RawMessage) bool {
			var s string
			return json.Unmarshal(raw, &s) == nil && s == want
		}
	}
	sameEngine := func(raw json.RawMessage) bool {
		e, err := readEngineRaw(raw)
		return err == nil && e == c.Engine
	}
	samePort := func(raw json.RawMessage) bool {
		p, err := readPort(field{fieldPort, raw})
		return err == nil && p == c.Port
	}
	sameSSL := func(raw json.RawMessage) bool {
		b, err := readBool(field{fieldSSL, raw})
		return err == nil && b == c.SSL
	}
	return map[string]knownValue{
		fieldEngine:    {value: c.Engine, isDefault: c.Engine == "mysql", keep: sameEngine},
		fieldHost:      {value: c.Host, keep: sameString(c.Host)},
		fieldPort:      {value: c.Port, isDefault: c.Port == DefaultPort, keep: samePort},
		fieldUsername:  {value: c.Username, keep: sameString(c.Username)},
		fieldPassword:  {value: c.Password, keep: sameString(c.Password)},
		fieldDBName:    {value: c.DBName, isDefault: c.DBName == "", keep: sameString(c.DBName)},
		fieldMasterARN: {value: c.MasterARN, isDefault: c.MasterARN == "", keep: sameString(c.MasterARN)},
		// ssl is implied by ssl_ca, so it is written only when it differs.
		fieldSSL:   {value: c.SSL, isDefault: c.SSL == (c.SSLCA != ""), keep: sameSSL},
		fieldSSLCA: {value: c.SSLCA, isDefault: c.SSLCA == "", keep: sameString(c.SSLCA)},
	}
}

func readEngineRaw(raw json.RawMessage) (string, error) {
	var s string
	if err := json.Unmarshal(raw, &s); err != nil {
		return "", err
	}
	return normalizeEngine(s)
}

// String, GoString, Format and LogValue keep the password out of output.
func (c Credentials) String() string {
	return fmt.Sprintf("mysqladmin.Credentials{%s@%s, password redacted}", c.Username, c.Addr())
}

// GoString implements fmt.GoStringer for %#v.
func (c Credentials) GoString() string { return c.String() }

// Format implements fmt.Formatter, so that every verb prints String.
func (c Credentials) Format(f fmt.State, _ rune) { io.WriteString(f, c.String()) }

// LogValue implements slog.LogValuer.
func (c Credentials) LogValue() slog.Value {
	return slog.GroupValue(
		slog.String("user", c.Username),
		slog.String("addr", c.Addr()),
		slog.String("password", "[REDACTED]"),
	)
}
