package sqlitestore

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"regexp"
	"time"

	"github.com/dbwarden/dbwarden/internal/audit"
	"github.com/dbwarden/dbwarden/internal/keys"
)

// Principal is an identity that signs API requests with its access keys.
type Principal struct {
	Name    string            `json:"UserName"`
	ARN     string            `json:"Arn"`
	Admin   bool              `json:"Admin"`
	Created time.Time         `json:"CreateDate"`
	Tags    map[string]string `json:"Tags,omitempty"`
}

// ErrNoSuchKey is returned by LookupAccessKey for an unknown access key id.
var ErrNoSuchKey = errors.New("no such access key")

// ErrPrincipalExists is returned by CreatePrincipal for a name in use.
var ErrPrincipalExists = errors.New("principal already exists")

// ErrInvalidPrincipalName is returned for a name IAM would not take.
var ErrInvalidPrincipalName = errors.New("invalid principal name")

var principalNameRe = regexp.MustCompile(`^[\w+=,.@-]{1,64}$`)

// CreatePrincipal adds a principal. Names follow IAM user names: 1 to 64
// letters, digits and +=,.@_-.
func (s *Store) CreatePrincipal(ctx context.Context, name string, admin bool) (*Principal, error) {
	if !principalNameRe.MatchString(name) {
		return nil, fmt.Errorf("create principal %q: %w: use 1 to 64 letters, digits and +=,.@_-", name, ErrInvalidPrincipalName)
	}
	p := &Principal{
		Name: name, ARN: "arn:" + s.opts.Partition + ":iam::" + s.opts.Account + ":user/" + name,
		Admin: admin, Created: fromMicros(micros(s.opts.Now().UTC())),
	}
	err := s.adminTx(ctx, "iam:CreateUser", p.ARN, func(tx *txn) error {
		var n int
		if err := tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM principals WHERE name = ?`, name).Scan(&n); err != nil {
			return err
		}
		if n > 0 {
			return fmt.Errorf("create principal %s: %w", name, ErrPrincipalExists)
		}
		_, err := tx.ExecContext(ctx, `INSERT INTO principals (name, arn, admin, created_at) VALUES (?, ?, ?, ?)`, p.Name, p.ARN, p.Admin, micros(p.Created))
		return err
	})
	if err != nil {
		return nil, err
	}
	return p, nil
}

// CountPrincipals returns how many principals exist.
func (s *Store) CountPrincipals(ctx context.Context) (int, error) {
	var n int
	err := s.db.QueryRowContext(ctx, `SELECT COUNT(*) FROM principals`).Scan(&n)
	return n, err
}

const keyIDAlphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567"

// CreateAccessKey makes a new access key pair for a principal and returns
// it. The secret access key is stored sealed under the key provider, bound
// to its key id; this is the only time it is returned.
func (s *Store) CreateAccessKey(ctx context.Context, principal string) (keyID, secretKey string, err error) {
	id := make([]byte, 16)
	sec := make([]byte, 30)
	if _, err := rand.Read(id); err != nil {
		return "", "", err
	}
	if _, err := rand.Read(sec); err != nil {
		return "", "", err
	}
	for i, b := range id {
		id[i] = keyIDAlphabet[b&31]
	}
	keyID = "AKIA" + string(id)
	secretKey = encodeSecretKey(sec)
	clear(sec)
	err = s.adminTx(ctx, "iam:CreateAccessKey", keyID, func(tx *txn) error {
		var n int
		if err := tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM principals WHERE name = ?`, principal).Scan(&n); err != nil {
			return err
		}
		if n == 0 {
			return fmt.Errorf("create access key: no principal %q", principal)
		}
		ct, wk, err := keys.Seal(ctx, s.keys, []byte(secretKey), map[string]string{"AccessKeyId": keyID})
		if err != nil {
			return fmt.Errorf("create access key: %w", err)
		}
		_, err = tx.ExecContext(ctx, `INSERT INTO access_keys (key_id, principal, created_at, ciphertext, wrapped_key) VALUES (?, ?, ?, ?, ?)`,
			keyID, principal, micros(s.opts.Now()), ct, wk)
		return err
	})
	if err != nil {
		return "", "", err
	}
	return keyID, secretKey, nil
}

// encodeSecretKey spells 30 random bytes as a 40-character key from the
// base64 alphabet, as AWS secret access keys look.
func encodeSecretKey(b []byte) string {
	const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"
	out := make([]byte, 0, 40)
	for i := 0; i+3 <= len(b); i += 3 {
		v := uint32(b[i])<<16 | uint32(b[i+1])<<8 | uint32(b[i+2])
		out = append(out, alphabet[v>>18&63], alphabet[v>>12&63], alphabet[v>>6&63], alphabet[v&63])
	}
	return string(out)
}

// LookupAccessKey returns the principal that owns an access key and the
// key's secret, opened. It returns an error wrapping ErrNoSuchKey for an
// unknown key id.
func (s *Store) LookupAccessKey(ctx context.Context, keyID string) (*Principal, []byte, error) {
	var p Principal
	var created int64
	var ct, wk []byte
	var tags string
	err := s.rdb.QueryRowContext(ctx, `SELECT p.name, p.arn, p.admin, p.created_at, p.tags, k.ciphertext, k.wrapped_key
		FROM access_keys k JOIN principals p ON p.name = k.principal WHERE k.key_id = ?`, keyID).Scan(&p.Name, &p.ARN, &p.Admin, &created, &tags, &ct, &wk)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, nil, fmt.Errorf("lookup access key: %w", ErrNoSuchKey)
	}
	if err != nil {
		return nil, nil, fmt.Errorf("lookup access key: %w", err)
	}
	p.Created = fromMicros(created)
	if err := json.Unmarshal([]byte(tags), &p.Tags); err != nil {
		return nil, nil, fmt.Errorf("lookup access key: principal tags: %w", err)
	}
	secretKey, err := keys.Open(ctx, s.keys, ct, wk, map[string]string{"AccessKeyId": keyID})
	if err != nil {
		return nil, nil, fmt.Errorf("lookup access key: %w", err)
	}
	return &p, secretKey, nil
}

// RecordEvent appends an audit record that no store operation made, such as
// a request refused before it reached the store. It returns once the
// record is committed.
func (s *Store) RecordEvent(ctx context.Context, rec audit.Record) error {
	if rec.Time.IsZero() {
		rec.Time = s.opts.Now().UTC()
	}
	return s.writer.submit(rec, nil, false, 0)
}

// adminTx runs an administrative change and its audit record in one
// transaction.
func (s *Store) adminTx(ctx context.Context, action, resource string, fn func(tx *txn) error) error {
	tx, err := s.begin(ctx)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	if err := fn(tx); err != nil {
		return err
	}
	c := audit.CallerFrom(ctx)
	if _, err := audit.Append(ctx, tx, audit.Record{
		Time: s.opts.Now().UTC(), Principal: c.Principal, Action: action, Resource: resource,
		Outcome: audit.OutcomeSuccess, RequestID: c.RequestID, SourceIP: c.SourceIP,
	}); err != nil {
		return err
	}
	return tx.Commit()
}

// AccessKey is an access key's metadata; its secret is never listed.
type AccessKey struct {
	KeyID     string    `json:"AccessKeyId"`
	Principal string    `json:"UserName"`
	Created   time.Time `json:"CreateDate"`
}

// ListPrincipals returns every principal, by name.
func (s *Store) ListPrincipals(ctx context.Context) ([]Principal, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT name, arn, admin, created_at, tags FROM principals ORDER BY name`)
	if err != nil {
		return nil, fmt.Errorf("list principals: %w", err)
	}
	defer rows.Close()
	out := []Principal{}
	for rows.Next() {
		var p Principal
		var created int64
		var tags string
		if err := rows.Scan(&p.Name, &p.ARN, &p.Admin, &created, &tags); err != nil {
			return nil, fmt.Errorf("list principals: %w", err)
		}
		if err := json.Unmarshal([]byte(tags), &p.Tags); err != nil {
			return nil, fmt.Errorf("list principals: tags of %s: %w", p.Name, err)
		}
		p.Created = fromMicros(created)
		out = append(out, p)
	}
	return out, rows.Err()
}

// ListAccessKeys returns the access keys of a principal, or of every
// principal when name is empty.
func (s *Store) ListAccessKeys(ctx context.Context, name string) ([]AccessKey, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT key_id, principal, created_at FROM access_keys WHERE ? = '' OR principal = ? ORDER BY principal, created_at`, name, name)
	if err != nil {
		return nil, fmt.Errorf("list access keys: %w", err)
	}
	defer rows.Close()
	out := []AccessKey{}
	for rows.Next() {
		var k AccessKey
		var created int64
		if err := rows.Scan(&k.KeyID, &k.Principal, &created); err != nil {
			return nil, fmt.Errorf("list access keys: %w", err)
		}
		k.Created = fromMicros(created)
		out = append(out, k)
	}
	return out, rows.Err()
}

// ErrNoSuchPrincipal is returned for a principal that does not exist.
var ErrNoSuchPrincipal = errors.New("no such principal")

// DeletePrincipal removes a principal and its access keys.
func (s *Store) DeletePrincipal(ctx context.Context, name string) error {
	return s.adminTx(ctx, "iam:DeleteUser", name, func(tx *txn) error {
		res, err := tx.ExecContext(ctx, `DELETE FROM principals WHERE name = ?`, name)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return fmt.Errorf("delete principal %q: %w", name, ErrNoSuchPrincipal)
		}
		return nil
	})
}

// DeleteAccessKey removes an access key.
func (s *Store) DeleteAccessKey(ctx context.Context, keyID string) error {
	return s.adminTx(ctx, "iam:DeleteAccessKey", keyID, func(tx *txn) error {
		res, err := tx.ExecContext(ctx, `DELETE FROM access_keys WHERE key_id = ?`, keyID)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return fmt.Errorf("delete access key %s: %w", keyID, ErrNoSuchKey)
		}
		return nil
	})
}

// PutPrincipalPolicy attaches a policy document to a principal under a
// name, replacing one of the same name. The caller validates the document.
func (s *Store) PutPrincipalPolicy(ctx context.Context, principal, name, document string) error {
	return s.adminTx(ctx, "iam:PutUserPolicy", principal+"/"+name, func(tx *txn) error {
		var n int
		if err := tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM principals WHERE name = ?`, principal).Scan(&n); err != nil {
			return err
		}
		if n == 0 {
			return fmt.Errorf("attach policy to %q: %w", principal, ErrNoSuchPrincipal)
		}
		_, err := tx.ExecContext(ctx, `INSERT INTO principal_policies (principal, name, document) VALUES (?, ?, ?)
			ON CONFLICT (principal, name) DO UPDATE SET document = excluded.document`, principal, name, document)
		return err
	})
}

// ErrNoSuchPolicy is returned for a policy name a principal does not have.
var ErrNoSuchPolicy = errors.New("no such policy")

// DeletePrincipalPolicy detaches a named policy from a principal.
func (s *Store) DeletePrincipalPolicy(ctx context.Context, principal, name string) error {
	return s.adminTx(ctx, "iam:DeleteUserPolicy", principal+"/"+name, func(tx *txn) error {
		res, err := tx.ExecContext(ctx, `DELETE FROM principal_policies WHERE principal = ? AND name = ?`, principal, name)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return fmt.Errorf("detach policy %q from %q: %w", name, principal, ErrNoSuchPolicy)
		}
		return nil
	})
}

// PrincipalPolicies returns a principal's policy documents by name.
func (s *Store) PrincipalPolicies(ctx context.Context, principal string) (map[string]string, error) {
	rows, err := s.rdb.QueryContext(ctx, `SELECT name, document FROM principal_policies WHERE principal = ?`, principal)
	if err != nil {
		return nil, fmt.Errorf("principal policies: %w", err)
	}
	defer rows.Close()
	out := map[string]string{}
	for rows.Next() {
		var n, d string
		if err := rows.Scan(&n, &d); err != nil {
			return nil, fmt.Errorf("principal policies: %w", err)
		}
		out[n] = d
	}
	return out, rows.Err()
}

// TagPrincipal adds or replaces tags on a principal; policies see them as
// aws:PrincipalTag/KEY.
func (s *Store) TagPrincipal(ctx context.Context, name string, tags map[string]string) error {
	return s.adminTx(ctx, "iam:TagUser", name, func(tx *txn) error {
		var cur string
		err := tx.QueryRowContext(ctx, `SELECT tags FROM principals WHERE name = ?`, name).Scan(&cur)
		if errors.Is(err, sql.ErrNoRows) {
			return fmt.Errorf("tag principal %q: %w", name, ErrNoSuchPrincipal)
		}
		if err != nil {
			return err
		}
		m := map[string]string{}
		if err := json.Unmarshal([]byte(cur), &m); err != nil {
			return err
		}
		for k, v := range tags {
			m[k] = v
		}
		b, _ := json.Marshal(m)
		_, err = tx.ExecContext(ctx, `UPDATE principals SET tags = ? WHERE name = ?`, string(b), name)
		return err
	})
}
