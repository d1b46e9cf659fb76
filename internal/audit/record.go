// Package audit keeps dbwarden's tamper-evident audit trail: an append-only
// log of every read and change of a secret, in which each record carries the
// SHA-256 hash of its predecessor, so that editing, deleting, inserting or
// reordering records breaks the chain.
//
// Records are appended with Append inside the same database transaction as
// the change they describe. The newest record's sequence number and hash are
// also kept in a separate one-row table, audit_head, so that cutting off the
// newest records is detected too. Verify walks a database's chain; Export and
// VerifyExport move a chain out of the database and check it on its own.
//
// The hash encoding is specified in docs/audit-chain.md, and Canonical
// documents it byte by byte. A record never holds a secret value: it names
// the secret and version that were touched, never their contents.
//
// The chain is not keyed: someone who can write the database and knows this
// format can rebuild every hash from the point they changed onwards. It
// proves integrity only against a head (see Head) that was recorded
// somewhere the writer could not reach, such as an earlier export.
package audit

import (
	"bytes"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
)

// Outcomes of an audited operation.
const (
	OutcomeSuccess = "success"
	OutcomeFailure = "failure"
)

// FormatTag is the first field of every Canonical encoding. It changes only
// if the encoding does.
const FormatTag = "dbwarden-audit-v1"

// ZeroHash is the PrevHash of the first record of a chain: 64 zeros.
const ZeroHash = "0000000000000000000000000000000000000000000000000000000000000000"

// MaxFieldLen is the largest accepted length, in bytes, of each string field
// of a Record.
const MaxFieldLen = 4096

// canonicalTime is the layout of a record's time inside Canonical: UTC,
// always six fractional digits, always 27 bytes.
const canonicalTime = "2006-01-02T15:04:05.000000Z"

// ErrInvalidRecord is returned, wrapped, for a record that Append refuses to
// store or that DecodeRecord refuses to decode.
var ErrInvalidRecord = errors.New("invalid audit record")

// Record is one entry of the audit trail. It names who did what to which
// secret, and how it ended; it never holds a secret value.
type Record struct {
	Seq       int64     // 1, 2, 3, ... assigned by Append
	Time      time.Time // UTC, microsecond precision
	Principal string    // who: e.g. "cli:root" or an ARN
	Action    string    // e.g. "secretsmanager:GetSecretValue", "keys:Rotate"
	Resource  string    // secret ARN or ""
	VersionID string
	Outcome   string // OutcomeSuccess or OutcomeFailure
	ErrorCode string // e.g. "ResourceNotFoundException" or ""
	RequestID string
	SourceIP  string // network address of the caller, or ""
	PrevHash  string // hex SHA-256 of the previous record, ZeroHash for the first
	Hash      string // hex SHA-256(prevHashBytes || Canonical())
}

// Canonical returns the deterministic encoding of every field of r except
// Hash, which is what the chain hashes. It is the concatenation of twelve
// fields, each written as its length in bytes (4-byte unsigned big-endian)
// followed by its bytes:
//
//  1. FormatTag, "dbwarden-audit-v1"
//  2. Seq as a decimal number in ASCII, without sign or leading zeros
//  3. Time in UTC as "YYYY-MM-DDThh:mm:ss.ffffffZ": always six fractional
//     digits (microseconds, truncated), always 27 bytes
//  4. Principal, 5. Action, 6. Resource, 7. VersionID, 8. Outcome,
//  9. ErrorCode, 10. RequestID, 11. SourceIP: their UTF-8 bytes as they are
//  12. PrevHash: its 64 lowercase hex digits, as ASCII text
//
// A record's Hash is the lowercase hex SHA-256 of the 32 bytes PrevHash
// decodes to, followed by Canonical.
func (r Record) Canonical() []byte {
	fields := [...]string{
		FormatTag,
		strconv.FormatInt(r.Seq, 10),
		r.Time.UTC().Format(canonicalTime),
		r.Principal,
		r.Action,
		r.Resource,
		r.VersionID,
		r.Outcome,
		r.ErrorCode,
		r.RequestID,
		r.SourceIP,
		r.PrevHash,
	}
	n := 0
	for _, f := range fields {
		n += 4 + len(f)
	}
	b := make([]byte, 0, n)
	for _, f := range fields {
		b = binary.BigEndian.AppendUint32(b, uint32(len(f)))
		b = append(b, f...)
	}
	return b
}

// ComputeHash returns the hash r should carry given its other fields:
// lowercase hex SHA-256(PrevHash decoded to 32 bytes || Canonical()). It
// fails when PrevHash is not 64 lowercase hex digits.
func (r Record) ComputeHash() (string, error) {
	prev, err := decodeHash(r.PrevHash)
	if err != nil {
		return "", fmt.Errorf("audit: hash record %d: prev_hash: %w", r.Seq, err)
	}
	h := sha256.New()
	h.Write(prev)
	h.Write(r.Canonical())
	return hex.EncodeToString(h.Sum(nil)), nil
}

// sealedAs reports whether r's Hash matches its other fields with Seq
// replaced by seq. It is false for malformed hashes.
func (r Record) sealedAs(seq int64) bool {
	r.Seq = seq
	want, err := r.ComputeHash()
	return err == nil && want == r.Hash
}

// decodeHash decodes 64 lowercase hex digits to 32 bytes.
func decodeHash(s string) ([]byte, error) {
	if len(s) != 2*sha256.Size {
		return nil, fmt.Errorf("%w: hash has %d characters, want %d", ErrInvalidRecord, len(s), 2*sha256.Size)
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if (c < '0' || c > '9') && (c < 'a' || c > 'f') {
			return nil, fmt.Errorf("%w: hash is not lowercase hex", ErrInvalidRecord)
		}
	}
	return hex.DecodeString(s)
}

// stringFields returns r's free-text fields with their JSON names.
func (r *Record) stringFields() []struct {
	name string
	ptr  *string
} {
	return []struct {
		name string
		ptr  *string
	}{
		{"principal", &r.Principal},
		{"action", &r.Action},
		{"resource", &r.Resource},
		{"version_id", &r.VersionID},
		{"outcome", &r.Outcome},
		{"error_code", &r.ErrorCode},
		{"request_id", &r.RequestID},
		{"source_ip", &r.SourceIP},
	}
}

// validateContent checks the fields a caller supplies: everything except
// Seq, PrevHash and Hash. Error messages name fields, never their contents.
func (r *Record) validateContent() error {
	if y := r.Time.UTC().Year(); y < 1 || y > 9999 {
		return fmt.Errorf("%w: time: year %d outside 1..9999", ErrInvalidRecord, y)
	}
	if r.Time.Nanosecond()%1000 != 0 {
		return fmt.Errorf("%w: time: finer than a microsecond", ErrInvalidRecord)
	}
	for _, f := range r.stringFields() {
		v := *f.ptr
		switch {
		case len(v) > MaxFieldLen:
			return fmt.Errorf("%w: %s: %d bytes, limit %d", ErrInvalidRecord, f.name, len(v), MaxFieldLen)
		case !utf8.ValidString(v):
			return fmt.Errorf("%w: %s: not valid UTF-8", ErrInvalidRecord, f.name)
		case strings.IndexByte(v, 0) >= 0:
			return fmt.Errorf("%w: %s: contains a NUL byte", ErrInvalidRecord, f.name)
		}
	}
	if r.Action == "" {
		return fmt.Errorf("%w: action: empty", ErrInvalidRecord)
	}
	if r.Outcome != OutcomeSuccess && r.Outcome != OutcomeFailure {
		return fmt.Errorf("%w: outcome: want %q or %q", ErrInvalidRecord, OutcomeSuccess, OutcomeFailure)
	}
	return nil
}

// wireRecord is the JSON form of a Record, fields in export order.
type wireRecord struct {
	Seq       int64  `json:"seq"`
	Time      string `json:"time"`
	Principal string `json:"principal"`
	Action    string `json:"action"`
	Resource  string `json:"resource"`
	VersionID string `json:"version_id"`
	Outcome   string `json:"outcome"`
	ErrorCode string `json:"error_code"`
	RequestID string `json:"request_id"`
	SourceIP  string `json:"source_ip"`
	PrevHash  string `json:"prev_hash"`
	Hash      string `json:"hash"`
}

// MarshalJSON encodes r as one JSON object on one line, with snake_case field
// names, every field present, and the time as RFC 3339 with nanosecond
// layout in UTC (trailing fractional zeros dropped).
func (r Record) MarshalJSON() ([]byte, error) {
	return json.Marshal(wireRecord{
		Seq:       r.Seq,
		Time:      r.Time.UTC().Format(time.RFC3339Nano),
		Principal: r.Principal,
		Action:    r.Action,
		Resource:  r.Resource,
		VersionID: r.VersionID,
		Outcome:   r.Outcome,
		ErrorCode: r.ErrorCode,
		RequestID: r.RequestID,
		SourceIP:  r.SourceIP,
		PrevHash:  r.PrevHash,
		Hash:      r.Hash,
	})
}

// UnmarshalJSON decodes a record as strictly as DecodeRecord does.
func (r *Record) UnmarshalJSON(b []byte) error {
	rec, err := DecodeRecord(b)
	if err != nil {
		return err
	}
	*r = rec
	return nil
}

// DecodeRecord decodes one exported record, a JSON object as MarshalJSON
// writes it, optionally followed by white space. It is strict: every field
// must be present exactly once with its exact name and JSON type; unknown
// fields, trailing data, a seq that is not a positive integer, a time that
// is not RFC 3339 in UTC ("Z") with at most microsecond precision, hashes
// that are not 64 lowercase hex digits and field contents Append would
// refuse are all errors wrapping ErrInvalidRecord. It does not check the
// hash; see VerifyExport.
func DecodeRecord(line []byte) (Record, error) {
	var r Record
	if !utf8.Valid(line) {
		return r, fmt.Errorf("audit: decode record: %w: not valid UTF-8", ErrInvalidRecord)
	}
	dec := json.NewDecoder(bytes.NewReader(line))
	dec.UseNumber()
	if err := expectDelim(dec, '{'); err != nil {
		return r, err
	}

	var timeText string
	strs := map[string]*string{
		"time":      &timeText,
		"prev_hash": &r.PrevHash,
		"hash":      &r.Hash,
	}
	for _, f := range r.stringFields() {
		strs[f.name] = f.ptr
	}
	seen := make(map[string]bool, len(strs)+1)
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return r, decodeErr("read field name: %v", err)
		}
		name, ok := tok.(string)
		if !ok {
			return r, decodeErr("field name is not a string")
		}
		if _, known := strs[name]; !known && name != "seq" {
			return r, decodeErr("unknown field %q", truncateName(name))
		}
		if seen[name] {
			return r, decodeErr("field %q appears twice", name)
		}
		seen[name] = true
		tok, err = dec.Token()
		if err != nil {
			return r, decodeErr("field %q: %v", name, err)
		}
		if name == "seq" {
			num, ok := tok.(json.Number)
			if !ok {
				return r, decodeErr("field \"seq\": not a number")
			}
			if r.Seq, err = parseSeq(string(num)); err != nil {
				return r, err
			}
			continue
		}
		s, ok := tok.(string)
		if !ok {
			return r, decodeErr("field %q: not a string", name)
		}
		*strs[name] = s
	}
	if err := expectDelim(dec, '}'); err != nil {
		return r, err
	}
	if _, err := dec.Token(); err != io.EOF {
		return r, decodeErr("data after the record")
	}
	if !seen["seq"] {
		return r, decodeErr("missing field \"seq\"")
	}
	for name := range strs {
		if !seen[name] {
			return r, decodeErr("missing field %q", name)
		}
	}

	if !strings.HasSuffix(timeText, "Z") {
		return r, decodeErr("field \"time\": not UTC with a Z suffix")
	}
	t, err := time.Parse(time.RFC3339Nano, timeText)
	if err != nil {
		return r, decodeErr("field \"time\": not RFC 3339")
	}
	r.Time = t.UTC()
	if err := r.validateContent(); err != nil {
		return r, fmt.Errorf("audit: decode record: %w", err)
	}
	if _, err := decodeHash(r.PrevHash); err != nil {
		return r, fmt.Errorf("audit: decode record: prev_hash: %w", err)
	}
	if _, err := decodeHash(r.Hash); err != nil {
		return r, fmt.Errorf("audit: decode record: hash: %w", err)
	}
	return r, nil
}

func parseSeq(s string) (int64, error) {
	if s == "" || s[0] == '0' {
		return 0, decodeErr("field \"seq\": not a positive integer")
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return 0, decodeErr("field \"seq\": not a positive integer")
		}
	}
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil {
		return 0, decodeErr("field \"seq\": out of range")
	}
	return n, nil
}

func expectDelim(dec *json.Decoder, want json.Delim) error {
	tok, err := dec.Token()
	if err != nil {
		return decodeErr("want %q: %v", want, err)
	}
	if d, ok := tok.(json.Delim); !ok || d != want {
		return decodeErr("want %q", want)
	}
	return nil
}

func decodeErr(format string, args ...any) error {
	return fmt.Errorf("audit: decode record: %w: %s", ErrInvalidRecord, fmt.Sprintf(format, args...))
}

// truncateName keeps error messages short when an unknown field name is long.
func truncateName(s string) string {
	const max = 40
	if len(s) <= max {
		return s
	}
	return s[:max] + "..."
}
