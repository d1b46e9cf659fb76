package mysqladmin

import (
	"bytes"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/json"
	"encoding/pem"
	"errors"
	"fmt"
	"log/slog"
	"math/big"
	"strings"
	"testing"
	"time"
)

const testPassword = `pa'ss"w#o;r\d`

func TestParseCredentials(t *testing.T) {
	t.Run("the document AWS writes for an RDS secret", func(t *testing.T) {
		doc := `{"engine":"mysql","host":"db.example.com","username":"app","password":"s3cret",` +
			`"dbname":"shop","port":3306,"masterarn":"arn:aws:secretsmanager:us-east-1:123456789012:secret:master-AbCdEf"}`
		c, err := ParseCredentials([]byte(doc))
		if err != nil {
			t.Fatal(err)
		}
		want := Credentials{Engine: "mysql", Host: "db.example.com", Port: 3306, Username: "app", Password: "s3cret",
			DBName: "shop", MasterARN: "arn:aws:secretsmanager:us-east-1:123456789012:secret:master-AbCdEf"}
		c.fields = nil
		if fmt.Sprintf("%#v", c.fieldsOnly()) != fmt.Sprintf("%#v", want.fieldsOnly()) {
			t.Fatalf("got %v, want %v", c.fieldsOnly(), want.fieldsOnly())
		}
	})
	t.Run("a port written as a string is read", func(t *testing.T) {
		c, err := ParseCredentials([]byte(`{"host":"h","port":"3307","username":"u","password":"p"}`))
		if err != nil {
			t.Fatal(err)
		}
		if c.Port != 3307 {
			t.Fatalf("got port %d, want 3307", c.Port)
		}
	})
	t.Run("missing port and engine take their defaults", func(t *testing.T) {
		c, err := ParseCredentials([]byte(`{"host":"h","username":"u","password":"p"}`))
		if err != nil {
			t.Fatal(err)
		}
		if c.Port != 3306 || c.Engine != "mysql" {
			t.Fatalf("got port %d engine %q, want 3306 and mysql", c.Port, c.Engine)
		}
	})
	t.Run("ssl is read as a boolean or a string, and a CA alone turns it on", func(t *testing.T) {
		for doc, want := range map[string]bool{
			`{"host":"h","username":"u","password":"p","ssl":true}`:                                         true,
			`{"host":"h","username":"u","password":"p","ssl":"true"}`:                                       true,
			`{"host":"h","username":"u","password":"p","ssl":"False"}`:                                      false,
			`{"host":"h","username":"u","password":"p"}`:                                                    false,
			`{"host":"h","username":"u","password":"p","ssl_ca":` + jsonString(testCAPEM) + `}`:             true,
			`{"host":"h","username":"u","password":"p","ssl":false,"ssl_ca":` + jsonString(testCAPEM) + `}`: false,
		} {
			c, err := ParseCredentials([]byte(doc))
			if err != nil {
				t.Fatalf("%s: %v", doc, err)
			}
			if c.SSL != want {
				t.Errorf("%s: got ssl %v, want %v", doc, c.SSL, want)
			}
		}
	})
}

func jsonString(s string) string {
	b, _ := json.Marshal(s)
	return string(b)
}

func TestParseCredentialsErrors(t *testing.T) {
	const pw = `"password":"` + `hunter2-secret` + `"`
	cases := []struct {
		name, doc, field string
	}{
		{"not JSON", `{"host": "h", ` + pw + `, "username": "u", `, ""},
		{"bad escape inside the password", `{"host":"h","username":"u","password":"hunter2-secret\q"}`, ""},
		{"not an object", `["h"]`, ""},
		{"data after the object", `{"host":"h","username":"u",` + pw + `} {}`, ""},
		{"host missing", `{"username":"u",` + pw + `}`, "host"},
		{"host not a string", `{"host":5,"username":"u",` + pw + `}`, "host"},
		{"username missing", `{"host":"h",` + pw + `}`, "username"},
		{"username too long", `{"host":"h","username":"` + strings.Repeat("u", 81) + `",` + pw + `}`, "username"},
		{"password missing", `{"host":"h","username":"u"}`, "password"},
		{"password not a string", `{"host":"h","username":"u","password":12345}`, "password"},
		{"port out of range", `{"host":"h","username":"u",` + pw + `,"port":70000}`, "port"},
		{"port not a number", `{"host":"h","username":"u",` + pw + `,"port":"mysql"}`, "port"},
		{"port a fraction", `{"host":"h","username":"u",` + pw + `,"port":3306.5}`, "port"},
		{"port a boolean", `{"host":"h","username":"u",` + pw + `,"port":true}`, "port"},
		{"engine postgres", `{"engine":"postgres","host":"h","username":"u",` + pw + `}`, "engine"},
		{"ssl a number", `{"host":"h","username":"u",` + pw + `,"ssl":1}`, "ssl"},
		{"ssl_ca not PEM", `{"host":"h","username":"u",` + pw + `,"ssl_ca":"hello"}`, "ssl_ca"},
		{"a field twice", `{"host":"h","username":"u",` + pw + `,` + pw + `}`, "password"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, err := ParseCredentials([]byte(tc.doc))
			if err == nil {
				t.Fatal("got no error, want one")
			}
			if !errors.Is(err, ErrInvalidCredentials) {
				t.Errorf("got %v, want an error wrapping ErrInvalidCredentials", err)
			}
			var fe *FieldError
			if !errors.As(err, &fe) {
				t.Fatalf("got %T, want *FieldError", err)
			}
			if fe.Field != tc.field {
				t.Errorf("got field %q in %q, want %q", fe.Field, err, tc.field)
			}
			if tc.field != "" && !strings.Contains(err.Error(), `"`+tc.field+`"`) {
				t.Errorf("got %q, want the message to name the field", err)
			}
			if strings.Contains(err.Error(), "hunter2") || strings.Contains(err.Error(), "secret") {
				t.Error("the error quotes the password (not shown)")
			}
		})
	}
}

func TestCredentialsJSON(t *testing.T) {
	t.Run("a new login keeps every other field, unknown ones included, in order", func(t *testing.T) {
		doc := `{"engine":"mysql","host":"db","username":"app","password":"old","port":"3306",` +
			`"dbname":"shop","x-team":{"owner":"ops","tags":[1,2]},"proxy":null,"masterarn":"m"}`
		c, err := ParseCredentials([]byte(doc))
		if err != nil {
			t.Fatal(err)
		}
		out, err := c.WithLogin("app_clone", testPassword).JSON()
		if err != nil {
			t.Fatal(err)
		}
		want := `{"engine":"mysql","host":"db","username":"app_clone","password":` + jsonString(testPassword) +
			`,"port":"3306","dbname":"shop","x-team":{"owner":"ops","tags":[1,2]},"proxy":null,"masterarn":"m"}`
		if string(out) != want {
			t.Fatalf("got  %s\nwant %s", redact(out, testPassword), redact([]byte(want), testPassword))
		}
		back, err := ParseCredentials(out)
		if err != nil {
			t.Fatal(err)
		}
		if back.Username != "app_clone" || back.Password != testPassword {
			t.Fatal("the document read back has another login than the one written")
		}
	})
	t.Run("a Credentials built in code gets the fields that are not at their default", func(t *testing.T) {
		c := Credentials{Engine: "mariadb", Host: "h", Port: 3307, Username: "u", Password: "p", SSL: true}
		out, err := c.JSON()
		if err != nil {
			t.Fatal(err)
		}
		var m map[string]any
		if err := json.Unmarshal(out, &m); err != nil {
			t.Fatal(err)
		}
		if m["engine"] != "mariadb" || m["port"] != float64(3307) || m["ssl"] != true || m["host"] != "h" {
			t.Fatalf("got %v, want engine, host, port (a number) and ssl", redact(out, "p"))
		}
		if _, ok := m["masterarn"]; ok {
			t.Errorf("got a masterarn field, want none: %s", redact(out, "p"))
		}
	})
	t.Run("an invalid login is refused", func(t *testing.T) {
		c := Credentials{Host: "h", Port: 3306, Username: "u", Password: "p"}
		if _, err := c.WithLogin("", "p").JSON(); !errors.Is(err, ErrInvalidCredentials) {
			t.Fatalf("got %v, want ErrInvalidCredentials for an empty user name", err)
		}
	})
}

func redact(b []byte, secret string) string {
	return strings.ReplaceAll(string(b), jsonString(secret), `"[password]"`)
}

func TestCredentialsRedacted(t *testing.T) {
	c := Credentials{Host: "h", Port: 3306, Username: "u", Password: testPassword}
	var logged bytes.Buffer
	slog.New(slog.NewJSONHandler(&logged, nil)).Info("x", "creds", c)
	outputs := map[string]string{
		"%v":   fmt.Sprintf("%v", c),
		"%+v":  fmt.Sprintf("%+v", c),
		"%#v":  fmt.Sprintf("%#v", c),
		"%s":   fmt.Sprintf("%s", c),
		"slog": logged.String(),
	}
	for verb, out := range outputs {
		if strings.Contains(out, "pa'ss") || strings.Contains(out, `pa\u0027ss`) {
			t.Errorf("%s prints the password (not shown)", verb)
		}
		if !strings.Contains(out, "u") {
			t.Errorf("%s: got %q, want the user name", verb, out)
		}
	}
}

// fieldsOnly returns the parsed fields of c, for comparison in tests; the
// password is compared separately.
func (c Credentials) fieldsOnly() []any {
	return []any{c.Engine, c.Host, c.Port, c.Username, c.Password == "s3cret", c.DBName, c.MasterARN, c.SSL, c.SSLCA}
}

// testCAPEM is a CA certificate made for the tests, parsed but never trusted.
var testCAPEM = func() string {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		panic(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "test CA"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		IsCA: true, BasicConstraintsValid: true, KeyUsage: x509.KeyUsageCertSign,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		panic(err)
	}
	return string(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}))
}()
