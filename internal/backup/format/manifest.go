package format

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/dbwarden/dbwarden/internal/keys"
)

// ManifestName is the manifest's object name within a backup. It is written
// last: a backup without a valid manifest is not a backup.
const ManifestName = "manifest.json"

// FormatVersion is the manifest format this package writes and reads.
const FormatVersion = 1

// MaxManifestSize is the largest manifest DecodeManifest reads.
const MaxManifestSize = 64 << 20

// timeLayout is the manifest's time format: UTC, exactly six fractional
// digits.
const timeLayout = "2006-01-02T15:04:05.000000Z"

// Manifest describes one complete backup. Times are kept to the microsecond
// and in UTC. It never holds credentials or key material in plain text.
type Manifest struct {
	BackupID        string
	DBWardenVersion string
	Started         time.Time
	Finished        time.Time
	Source          Source
	Consistency     Consistency
	Compression     Compression
	Key             KeyInfo
	Objects         []Object

	mac []byte // the HMAC read by DecodeManifest, nil otherwise
}

// Source is the server a backup was taken from.
type Source struct {
	// Flavor is a lower-case word such as "mysql" or "mariadb".
	Flavor string `json:"flavor"`
	// Version is the server's version string, e.g. "10.11.6-MariaDB".
	Version string `json:"version"`
	// Address is "host:port" or "unix:/path/to/socket"; never credentials.
	Address string `json:"address"`
}

// Consistency records how the backup was made consistent and where it sits
// in the server's binary log.
type Consistency struct {
	// Method is a lower-case word such as "single-transaction".
	Method string `json:"method"`
	// BinlogFile and BinlogPosition are the binary log coordinates of the
	// snapshot, both set or both empty.
	BinlogFile     string `json:"binlog_file,omitempty"`
	BinlogPosition uint64 `json:"binlog_position,omitempty"`
	// GTIDSet is the executed GTID set of the snapshot, without whitespace.
	GTIDSet string `json:"gtid_set,omitempty"`
}

// KeyInfo is the backup's data key as the key provider wrapped it.
type KeyInfo struct {
	// Provider names the key provider and its key, e.g. "file" or
	// "kms:arn:aws:kms:...". It says where to unwrap, not how.
	Provider string `json:"provider"`
	// Wrapped is the wrapped data key, opaque to everyone but the provider.
	Wrapped []byte `json:"wrapped"`
}

// Kind says what an object holds.
type Kind string

// The kinds of objects.
const (
	KindSchema   Kind = "schema"   // CREATE DATABASE and CREATE TABLE statements
	KindData     Kind = "data"     // rows of one table; Database and Table are set
	KindViews    Kind = "views"    // views
	KindRoutines Kind = "routines" // stored procedures and functions
	KindTriggers Kind = "triggers" // triggers
	KindEvents   Kind = "events"   // scheduled events
	KindUsers    Kind = "users"    // accounts, roles and grants
)

var kinds = []Kind{KindSchema, KindData, KindViews, KindRoutines, KindTriggers, KindEvents, KindUsers}

// Object is one stored chunk of a backup.
type Object struct {
	Name     string `json:"name"`               // object name within the backup, see validateObjectName
	Kind     Kind   `json:"kind"`               // what it holds
	Database string `json:"database,omitempty"` // the database it belongs to, if any
	Table    string `json:"table,omitempty"`    // the table, for data
	Chunk    int    `json:"chunk"`              // the chunk's index within its table, from 0
	Rows     int64  `json:"rows"`               // rows it holds
	RawSize  int64  `json:"raw_size"`           // bytes before compression and encryption
	Size     int64  `json:"size"`               // bytes stored
	SHA256   string `json:"sha256"`             // SHA-256 of the stored bytes, 64 lowercase hex digits
	// RowSum is the order-independent checksum of the rows a data object
	// holds, as the dump read them (32 lowercase hex digits); a restore
	// can read the table back and compare. Absent in older backups.
	RowSum string `json:"row_sum,omitempty"`
}

// wireManifest is the manifest's JSON form; the field order is the format's.
type wireManifest struct {
	Format          int         `json:"format"`
	BackupID        string      `json:"backup_id"`
	DBWardenVersion string      `json:"dbwarden_version"`
	Started         string      `json:"started"`
	Finished        string      `json:"finished"`
	Source          Source      `json:"source"`
	Consistency     Consistency `json:"consistency"`
	Compression     Compression `json:"compression"`
	Key             KeyInfo     `json:"key"`
	Objects         []Object    `json:"objects"`
	HMAC            string      `json:"hmac_sha256,omitempty"`
}

func (m *Manifest) wire() *wireManifest {
	objects := m.Objects
	if objects == nil {
		objects = []Object{}
	}
	return &wireManifest{
		Format:          FormatVersion,
		BackupID:        m.BackupID,
		DBWardenVersion: m.DBWardenVersion,
		Started:         m.Started.UTC().Format(timeLayout),
		Finished:        m.Finished.UTC().Format(timeLayout),
		Source:          m.Source,
		Consistency:     m.Consistency,
		Compression:     m.Compression,
		Key:             m.Key,
		Objects:         objects,
	}
}

// canonical returns the compact JSON of w, HTML characters unescaped.
func canonical(w *wireManifest) ([]byte, error) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(w); err != nil {
		return nil, err
	}
	return bytes.TrimSuffix(buf.Bytes(), []byte("\n")), nil
}

// EncodeManifest validates m and returns its JSON form, with an HMAC over it
// under a key derived from key, the backup's data key. If m.Key.Wrapped is
// empty it is taken from key; otherwise it must be key's wrapped key, and
// m.BackupID must be key's backup id.
func EncodeManifest(m *Manifest, key *DataKey) ([]byte, error) {
	c := *m
	if len(c.Key.Wrapped) == 0 {
		c.Key.Wrapped = key.wrapped
	}
	if c.BackupID != key.backupID {
		return nil, fmt.Errorf("encode manifest: backup id %q is not the data key's backup %q", c.BackupID, key.backupID)
	}
	if !bytes.Equal(c.Key.Wrapped, key.wrapped) {
		return nil, errors.New("encode manifest: the manifest's wrapped key is not the data key's")
	}
	if err := c.Validate(); err != nil {
		return nil, fmt.Errorf("encode manifest: %w", err)
	}
	w := c.wire()
	body, err := canonical(w)
	if err != nil {
		return nil, fmt.Errorf("encode manifest: %w", err)
	}
	mac, err := key.manifestMAC(body)
	if err != nil {
		return nil, fmt.Errorf("encode manifest: %w", err)
	}
	w.HMAC = hex.EncodeToString(mac)
	out, err := canonical(w)
	if err != nil {
		return nil, fmt.Errorf("encode manifest: %w", err)
	}
	return out, nil
}

// DecodeManifest parses and validates a manifest. It refuses unknown fields,
// another format version, anything Validate refuses, and a manifest not in
// the exact form EncodeManifest writes. It does not authenticate the
// manifest, which needs the data key: use OpenManifest to restore or verify
// a backup. Errors wrap ErrInvalidManifest.
func DecodeManifest(data []byte) (*Manifest, error) {
	if len(data) > MaxManifestSize {
		return nil, fmt.Errorf("%w: %d bytes, more than the %d allowed", ErrInvalidManifest, len(data), MaxManifestSize)
	}
	var version struct {
		Format *int `json:"format"`
	}
	peek := json.NewDecoder(bytes.NewReader(data))
	if err := peek.Decode(&version); err != nil {
		return nil, fmt.Errorf("%w: not a JSON object: %v", ErrInvalidManifest, err)
	}
	if _, err := peek.Token(); !errors.Is(err, io.EOF) {
		return nil, fmt.Errorf("%w: data after the manifest's JSON object", ErrInvalidManifest)
	}
	if version.Format == nil {
		return nil, fmt.Errorf("%w: no format field", ErrInvalidManifest)
	}
	if *version.Format != FormatVersion {
		return nil, fmt.Errorf("%w: format %d is not supported; this dbwarden reads format %d", ErrInvalidManifest, *version.Format, FormatVersion)
	}

	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	var w wireManifest
	if err := dec.Decode(&w); err != nil {
		return nil, fmt.Errorf("%w: %v", ErrInvalidManifest, err)
	}

	m := &Manifest{
		BackupID:        w.BackupID,
		DBWardenVersion: w.DBWardenVersion,
		Source:          w.Source,
		Consistency:     w.Consistency,
		Compression:     w.Compression,
		Key:             w.Key,
		Objects:         w.Objects,
	}
	var errs fieldErrors
	var err error
	if m.Started, err = time.Parse(timeLayout, w.Started); err != nil {
		errs.add("started", fmt.Errorf("%q is not a UTC time like 2006-01-02T15:04:05.000000Z", w.Started))
	}
	if m.Finished, err = time.Parse(timeLayout, w.Finished); err != nil {
		errs.add("finished", fmt.Errorf("%q is not a UTC time like 2006-01-02T15:04:05.000000Z", w.Finished))
	}
	if len(w.HMAC) != 2*sha256.Size || !isLowerHex(w.HMAC) {
		errs.add("hmac_sha256", fmt.Errorf("is not %d lowercase hex digits", 2*sha256.Size))
	} else {
		m.mac, _ = hex.DecodeString(w.HMAC)
	}
	if len(errs) == 0 {
		m.validate(&errs)
	}
	if len(errs) > 0 {
		return nil, fmt.Errorf("%w: %w", ErrInvalidManifest, errs)
	}

	again := m.wire()
	again.HMAC = w.HMAC
	if out, err := canonical(again); err != nil || !bytes.Equal(out, data) {
		return nil, fmt.Errorf("%w: not in the exact form dbwarden writes (reformatted or edited)", ErrInvalidManifest)
	}
	return m, nil
}

// OpenManifest decodes a manifest, unwraps the backup's data key with kp and
// authenticates the manifest with it. Errors are *ObjectError for
// ManifestName wrapping ErrInvalidManifest, ErrWrongKey or
// ErrManifestTampered. The caller owns the returned key and should Destroy
// it when done.
func OpenManifest(ctx context.Context, kp keys.KeyProvider, data []byte) (*Manifest, *DataKey, error) {
	m, err := DecodeManifest(data)
	if err != nil {
		return nil, nil, objectErr(ManifestName, err)
	}
	key, err := openDataKey(ctx, kp, m.BackupID, m.Key.Wrapped)
	if err != nil {
		return nil, nil, objectErr(ManifestName, err)
	}
	if err := key.authenticate(m); err != nil {
		key.Destroy()
		return nil, nil, objectErr(ManifestName, err)
	}
	return m, key, nil
}

// authenticate checks that m belongs to this key's backup and, if m was
// decoded, that its HMAC is right.
func (k *DataKey) authenticate(m *Manifest) error {
	if m.BackupID != k.backupID || !bytes.Equal(m.Key.Wrapped, k.wrapped) {
		return fmt.Errorf("%w: the data key belongs to backup %q, not to this manifest's", ErrWrongKey, k.backupID)
	}
	if m.mac == nil {
		return nil
	}
	body, err := canonical(m.wire())
	if err != nil {
		return err
	}
	want, err := k.manifestMAC(body)
	if err != nil {
		return err
	}
	if !hmac.Equal(m.mac, want) {
		return fmt.Errorf("%w: its contents were changed after it was written", ErrManifestTampered)
	}
	return nil
}

func (k *DataKey) manifestMAC(body []byte) ([]byte, error) {
	if k.macKey == nil {
		return nil, errors.New("the data key was destroyed")
	}
	h := hmac.New(sha256.New, k.macKey)
	h.Write(body)
	return h.Sum(nil), nil
}

// Validate checks every field and returns every problem found (up to a
// limit), each naming its field, joined in one error wrapping
// ErrInvalidManifest.
func (m *Manifest) Validate() error {
	var errs fieldErrors
	m.validate(&errs)
	if len(errs) > 0 {
		return fmt.Errorf("%w: %w", ErrInvalidManifest, errs)
	}
	return nil
}

func (m *Manifest) validate(errs *fieldErrors) {
	errs.add("backup_id", validateBackupID(m.BackupID))
	errs.add("dbwarden_version", validatePrintable(m.DBWardenVersion, 64))
	switch {
	case m.Started.IsZero():
		errs.add("started", errors.New("is not set"))
	case m.Finished.IsZero():
		errs.add("finished", errors.New("is not set"))
	case m.Started.Year() < 1 || m.Finished.Year() > 9999:
		errs.add("finished", errors.New("is outside the years 1-9999"))
	case m.Finished.Before(m.Started):
		errs.add("finished", fmt.Errorf("%s is before started %s", m.Finished.UTC().Format(timeLayout), m.Started.UTC().Format(timeLayout)))
	}
	errs.add("source.flavor", validateToken(m.Source.Flavor))
	errs.add("source.version", validatePrintable(m.Source.Version, maxText))
	errs.add("source.address", validateAddress(m.Source.Address))

	c := m.Consistency
	errs.add("consistency.method", validateToken(c.Method))
	errs.add("consistency.binlog_file", validateBinlogFile(c.BinlogFile))
	switch {
	case c.BinlogFile == "" && c.BinlogPosition != 0:
		errs.add("consistency.binlog_position", errors.New("is set without binlog_file"))
	case c.BinlogFile != "" && c.BinlogPosition < 4:
		errs.add("consistency.binlog_position", fmt.Errorf("%d is not a binary log position (they start at 4)", c.BinlogPosition))
	}
	errs.add("consistency.gtid_set", validateGTIDSet(c.GTIDSet))
	errs.add("compression", m.Compression.Validate())
	errs.add("key.provider", validatePrintable(m.Key.Provider, maxText))
	if n := len(m.Key.Wrapped); n == 0 || n > maxWrappedKey {
		errs.add("key.wrapped", fmt.Errorf("is %d bytes, want 1 to %d", n, maxWrappedKey))
	}

	if len(m.Objects) > maxObjectsCount {
		errs.add("objects", fmt.Errorf("lists %d objects, at most %d are allowed", len(m.Objects), maxObjectsCount))
		return
	}
	seen := make(map[string]int, len(m.Objects))
	for i, o := range m.Objects {
		field := fmt.Sprintf("objects[%d]", i)
		if err := validateObjectName(o.Name); err != nil {
			errs.add(field+".name", err)
		} else if j, dup := seen[o.Name]; dup {
			errs.add(field+".name", fmt.Errorf("%q is also objects[%d]", o.Name, j))
		} else {
			seen[o.Name] = i
		}
		o.validate(field, errs)
		if errs.full() {
			return
		}
	}
}

func (o *Object) validate(field string, errs *fieldErrors) {
	known := false
	for _, k := range kinds {
		known = known || o.Kind == k
	}
	if !known {
		errs.add(field+".kind", fmt.Errorf("%q is not one of %v", o.Kind, kinds))
	}
	errs.add(field+".database", validateText(o.Database, maxIdentifier))
	errs.add(field+".table", validateText(o.Table, maxIdentifier))
	if o.Kind == KindData && (o.Database == "" || o.Table == "") {
		errs.add(field, errors.New("a data object names its database and table"))
	}
	if o.Table != "" && o.Database == "" {
		errs.add(field+".database", errors.New("is empty but table is set"))
	}
	if o.Chunk < 0 {
		errs.add(field+".chunk", fmt.Errorf("%d is negative", o.Chunk))
	}
	if o.Rows < 0 {
		errs.add(field+".rows", fmt.Errorf("%d is negative", o.Rows))
	}
	if o.RawSize < 0 {
		errs.add(field+".raw_size", fmt.Errorf("%d is negative", o.RawSize))
	}
	if o.Size < int64(MinObjectSize) || o.Size > maxObjectSize {
		errs.add(field+".size", fmt.Errorf("%d is not a chunk's size (%d to %d bytes)", o.Size, MinObjectSize, int64(maxObjectSize)))
	}
	if len(o.SHA256) != 2*sha256.Size || !isLowerHex(o.SHA256) {
		errs.add(field+".sha256", fmt.Errorf("is not %d lowercase hex digits", 2*sha256.Size))
	}
	if o.RowSum != "" && (len(o.RowSum) != 32 || !isLowerHex(o.RowSum)) {
		errs.add(field+".row_sum", errors.New("is not 32 lowercase hex digits"))
	}
	if o.RowSum != "" && o.Kind != KindData {
		errs.add(field+".row_sum", errors.New("is set on an object that holds no rows"))
	}
}

// maxFieldErrors bounds how many problems one error lists.
const maxFieldErrors = 20

// fieldErrors collects problems, each naming its field.
type fieldErrors []error

func (e *fieldErrors) add(field string, err error) {
	if err != nil && len(*e) < maxFieldErrors {
		*e = append(*e, fmt.Errorf("%s: %w", field, err))
	}
}

func (e fieldErrors) full() bool { return len(e) >= maxFieldErrors }

func (e fieldErrors) Error() string {
	msgs := make([]string, len(e))
	for i, err := range e {
		msgs[i] = err.Error()
	}
	s := strings.Join(msgs, "; ")
	if e.full() {
		s += "; (further problems not listed)"
	}
	return s
}

func (e fieldErrors) Unwrap() []error { return e }
