// Package sqlitestore is dbwarden's embedded secret store: one SQLite file in
// WAL mode, through a pure-Go driver. Values are sealed with a data key per
// version before they reach the database, and every call appends an audit
// record in the same transaction as its change.
package sqlitestore

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"os"
	"strings"
	"time"

	"github.com/dbwarden/dbwarden/internal/audit"
	"github.com/dbwarden/dbwarden/internal/keys"
	"github.com/dbwarden/dbwarden/internal/secret"
	"github.com/dbwarden/dbwarden/internal/store"

	_ "modernc.org/sqlite" // registers the "sqlite" driver
)

var _ store.Store = (*Store)(nil)

// Options configure a Store.
type Options struct {
	// Path is the SQLite database file; it is created when missing.
	Path string
	// Keys wraps the data key of every secret version.
	Keys keys.KeyProvider
	// Partition, Region and Account make up the ARNs of new secrets.
	// They default to aws, us-east-1 and 000000000000.
	Partition, Region, Account string
	// Now is the clock; time.Now when nil.
	Now func() time.Time
	// ImplicitRotation lets RotateSecret go without what AWS asks for
	// the first time, because dbwarden rotates with its own rotators:
	// without RotationLambdaARN the secret's value chooses the rotator
	// (DefaultRotator), and with RotateImmediately but no RotationRules a
	// rotation runs now and none is scheduled. Off, RotateSecret answers
	// exactly as AWS does.
	ImplicitRotation bool
}

// Store is a store.Store on a SQLite file. It is safe for concurrent use,
// also by several processes on the same file.
type Store struct {
	db     *sql.DB
	stmts  *stmtCache
	rdb    *sql.DB // read-only snapshots
	rstmts *stmtCache
	writer *auditWriter
	ckpt   *checkpointer
	cache  readCache
	keys   keys.KeyProvider
	opts   Options
}

// Open opens or creates the store at opts.Path and brings its schema up to
// date.
func Open(ctx context.Context, opts Options) (*Store, error) {
	if opts.Path == "" {
		return nil, errors.New("open store: no database path")
	}
	if opts.Keys == nil {
		return nil, errors.New("open store: no key provider")
	}
	if opts.Partition == "" {
		opts.Partition = "aws"
	}
	if opts.Region == "" {
		opts.Region = "us-east-1"
	}
	if opts.Account == "" {
		opts.Account = "000000000000"
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	// The database holds only sealed values, but its metadata is private
	// too: create it readable by its owner only. SQLite gives its -wal and
	// -shm files the same mode.
	f, err := os.OpenFile(opts.Path, os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return nil, fmt.Errorf("open store: %w", err)
	}
	if fi, err := f.Stat(); err == nil && fi.Mode().Perm()&0o077 != 0 {
		// A file made readable by others is closed to them again.
		err = f.Chmod(0o600)
		if err != nil {
			f.Close()
			return nil, fmt.Errorf("open store: restrict %s to its owner: %w", opts.Path, err)
		}
	}
	f.Close()
	q := url.Values{}
	// The busy timeout comes first so that it covers the other pragmas:
	// even setting the journal mode can find the database busy.
	q.Add("_pragma", "busy_timeout(30000)")
	q.Add("_pragma", "journal_mode(WAL)")
	q.Add("_pragma", "synchronous(NORMAL)")
	q.Add("_pragma", "foreign_keys(1)")
	q.Set("_txlock", "immediate")
	cq := q.Encode() // the checkpointer's connection
	q.Add("_pragma", "wal_autocheckpoint(0)")
	db, err := sql.Open("sqlite", "file:"+opts.Path+"?"+q.Encode())
	if err != nil {
		return nil, fmt.Errorf("open store %s: %w", opts.Path, err)
	}
	db.SetMaxOpenConns(4)
	db.SetMaxIdleConns(4) // opening a connection costs far more than a query
	s := &Store{db: db, stmts: &stmtCache{db: db}, keys: opts.Keys, opts: opts}
	if err := s.migrate(ctx); err != nil {
		db.Close()
		return nil, fmt.Errorf("open store %s: %w", opts.Path, err)
	}
	// Readers: snapshots that never take the write lock.
	q.Set("_txlock", "deferred")
	q.Add("_pragma", "query_only(1)")
	rdb, err := sql.Open("sqlite", "file:"+opts.Path+"?"+q.Encode())
	if err != nil {
		db.Close()
		return nil, fmt.Errorf("open store %s: %w", opts.Path, err)
	}
	rdb.SetMaxOpenConns(8)
	rdb.SetMaxIdleConns(8)
	s.rdb, s.rstmts = rdb, &stmtCache{db: rdb}
	cdb, err := sql.Open("sqlite", "file:"+opts.Path+"?"+cq)
	if err != nil {
		rdb.Close()
		db.Close()
		return nil, fmt.Errorf("open store %s: %w", opts.Path, err)
	}
	cdb.SetMaxOpenConns(1)
	s.ckpt = newCheckpointer(cdb, db)
	s.writer = newAuditWriter(s)
	return s, nil
}

// DB returns the underlying database, for the audit commands and checks.
func (s *Store) DB() *sql.DB { return s.db }

// Close closes the database.
func (s *Store) Close() error {
	s.writer.stop()
	s.ckpt.stop()
	s.rstmts.close()
	s.stmts.close()
	return errors.Join(s.rdb.Close(), s.db.Close())
}

// begin starts a write transaction whose queries use prepared statements.
func (s *Store) begin(ctx context.Context) (*txn, error) {
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return nil, err
	}
	return &txn{Tx: tx, cache: s.stmts}, nil
}

func (s *Store) migrate(ctx context.Context) error {
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("migrate: %w", err)
	}
	defer tx.Rollback()
	var v int
	if err := tx.QueryRowContext(ctx, "PRAGMA user_version").Scan(&v); err != nil {
		return fmt.Errorf("migrate: read schema version: %w", err)
	}
	if v > len(migrations) {
		return fmt.Errorf("migrate: the database has schema version %d, newer than this dbwarden knows (%d): upgrade dbwarden", v, len(migrations))
	}
	for i := v; i < len(migrations); i++ {
		for _, stmt := range migrations[i] {
			if _, err := tx.ExecContext(ctx, stmt); err != nil {
				return fmt.Errorf("migrate to version %d: %w", i+1, err)
			}
		}
	}
	for _, stmt := range audit.Schema() {
		if _, err := tx.ExecContext(ctx, stmt); err != nil {
			return fmt.Errorf("migrate: audit schema: %w", err)
		}
	}
	if v != len(migrations) {
		if _, err := tx.ExecContext(ctx, fmt.Sprintf("PRAGMA user_version = %d", len(migrations))); err != nil {
			return fmt.Errorf("migrate: %w", err)
		}
	}
	return tx.Commit()
}

// call runs one operation in a write transaction and appends its audit
// record there. When fn fails, its changes are rolled back and the failure
// is recorded in a transaction of its own.
func (s *Store) call(ctx context.Context, action, secretID string, fn func(tx *txn, ev *event) error) error {
	ev := &event{resource: secretID}
	tx, err := s.begin(ctx)
	if err != nil {
		return internal("begin transaction", err)
	}
	defer tx.Rollback()
	ferr := fn(tx, ev)
	if ferr == nil {
		if err := s.record(ctx, tx, action, ev, nil); err != nil {
			return err
		}
		if err := tx.Commit(); err != nil {
			return internal("commit", err)
		}
		s.ckpt.committed()
		return nil
	}
	tx.Rollback()
	ftx, err := s.begin(ctx)
	if err != nil {
		return errors.Join(ferr, internal("record failure", err))
	}
	defer ftx.Rollback()
	if err := s.record(ctx, ftx, action, ev, ferr); err != nil {
		return errors.Join(ferr, err)
	}
	if err := ftx.Commit(); err != nil {
		return errors.Join(ferr, internal("record failure", err))
	}
	return ferr
}

// event is what an operation tells the audit record about itself.
type event struct {
	resource  string
	versionID string
}

func (s *Store) record(ctx context.Context, tx *txn, action string, ev *event, opErr error) error {
	if _, err := audit.Append(ctx, tx, s.newRecord(ctx, action, ev, opErr)); err != nil {
		return internal("append audit record", err)
	}
	return nil
}

// newRecord is the audit record of one call.
func (s *Store) newRecord(ctx context.Context, action string, ev *event, opErr error) audit.Record {
	c := audit.CallerFrom(ctx)
	if !strings.Contains(action, ":") {
		action = "secretsmanager:" + action
	}
	rec := audit.Record{
		Time:      s.opts.Now().UTC(),
		Principal: c.Principal,
		Action:    action,
		Resource:  ev.resource,
		VersionID: ev.versionID,
		Outcome:   "success",
		RequestID: c.RequestID,
		SourceIP:  c.SourceIP,
	}
	if opErr != nil {
		rec.Outcome = "failure"
		rec.ErrorCode = secret.Code(opErr)
		if rec.ErrorCode == "" {
			rec.ErrorCode = secret.CodeInternalService
		}
	}
	return rec
}

func internal(op string, err error) error {
	return &secret.Error{Code: secret.CodeInternalService, Message: "An error occurred on the server side: " + op + ".", Err: fmt.Errorf("%s: %w", op, err)}
}

// row is a secret as loaded from the database.
type row struct {
	id     int64
	sec    *secret.Secret
	policy string // the secret's resource policy, or ""
	// rotationFailure is the last failed rotation run's step and error.
	rotationFailure string
	// stages holds each version's labels as loaded, to write back only
	// what changed.
	stages map[string]string
	// sealed holds the sealed values of labelled versions when the row
	// came from the read cache.
	sealed map[string]sealedValue
}

const secretColumns = `id, arn, name, description, kms_key_id, tags, created_at, changed_at, accessed_at, deleted_at, deletion_at,
	rotation_enabled, rotator, rotation_rules, last_rotated, next_rotation, resource_policy, rotation_failure`

func (s *Store) find(ctx context.Context, tx *txn, id string) (*row, error) {
	if id == "" {
		return nil, secret.Errorf(secret.CodeInvalidParameter, "You must provide a SecretId.")
	}
	r, err := s.scanSecret(tx.QueryRowContext(ctx, `SELECT `+secretColumns+` FROM secrets WHERE arn = ? OR name = ?`, id, id))
	if err == nil || !errors.Is(err, sql.ErrNoRows) {
		return s.authorized(ctx, tx, r, err)
	}
	if secret.IsARN(id) {
		a, perr := secret.ParseARN(id)
		if perr == nil && a.Partition == s.opts.Partition && a.Region == s.opts.Region && a.Account == s.opts.Account {
			r, err = s.scanSecret(tx.QueryRowContext(ctx, `SELECT `+secretColumns+` FROM secrets WHERE name = ?`, a.Resource))
			if err == nil || !errors.Is(err, sql.ErrNoRows) {
				return s.authorized(ctx, tx, r, err)
			}
		}
	}
	return nil, secret.Errorf(secret.CodeResourceNotFound, "Secrets Manager can't find the specified secret.")
}

// authorized asks the context's Authorizer, if any, about a secret just
// found, then loads its versions.
func (s *Store) authorized(ctx context.Context, tx *txn, r *row, err error) (*row, error) {
	if err == nil {
		if a := store.AuthorizerFrom(ctx); a != nil {
			if err := a(factsOf(r)); err != nil {
				return nil, err
			}
		}
	}
	return s.withVersions(ctx, tx, r, err)
}

func (s *Store) withVersions(ctx context.Context, tx *txn, r *row, err error) (*row, error) {
	if err != nil {
		return nil, internal("read secret", err)
	}
	rows, err := tx.QueryContext(ctx, `SELECT version_id, stages, created_at, accessed_at FROM versions WHERE secret_id = ? ORDER BY seq`, r.id)
	if err != nil {
		return nil, internal("read versions", err)
	}
	defer rows.Close()
	r.stages = map[string]string{}
	for rows.Next() {
		var v secret.Version
		var stages string
		var created, accessed int64
		if err := rows.Scan(&v.ID, &stages, &created, &accessed); err != nil {
			return nil, internal("read versions", err)
		}
		if err := json.Unmarshal([]byte(stages), &v.Stages); err != nil {
			return nil, internal("read versions", err)
		}
		v.CreatedDate = fromMicros(created)
		v.LastAccessedDate = fromMicros(accessed)
		r.stages[v.ID] = stages
		r.sec.Versions = append(r.sec.Versions, &v)
	}
	if err := rows.Err(); err != nil {
		return nil, internal("read versions", err)
	}
	return r, nil
}

type scanner interface{ Scan(...any) error }

func (s *Store) scanSecret(sc scanner) (*row, error) {
	var r row
	var sec secret.Secret
	var tags string
	var created, changed, accessed, deleted, deletion, lastRotated, nextRotation int64
	var rules string
	if err := sc.Scan(&r.id, &sec.ARN, &sec.Name, &sec.Description, &sec.KMSKeyID, &tags, &created, &changed, &accessed, &deleted, &deletion,
		&sec.Rotation.Enabled, &sec.Rotation.Rotator, &rules, &lastRotated, &nextRotation, &r.policy, &r.rotationFailure); err != nil {
		return nil, err
	}
	if rules != "" {
		if err := json.Unmarshal([]byte(rules), &sec.Rotation.Rules); err != nil {
			return nil, fmt.Errorf("decode rotation rules: %w", err)
		}
	}
	sec.Rotation.LastRotated = fromMicros(lastRotated)
	sec.Rotation.NextDue = fromMicros(nextRotation)
	if err := json.Unmarshal([]byte(tags), &sec.Tags); err != nil {
		return nil, fmt.Errorf("decode tags: %w", err)
	}
	sec.CreatedDate = fromMicros(created)
	sec.LastChangedDate = fromMicros(changed)
	sec.LastAccessedDate = fromMicros(accessed)
	sec.DeletedDate = fromMicros(deleted)
	sec.DeletionDate = fromMicros(deletion)
	r.sec = &sec
	return &r, nil
}

// saveVersions writes back the staging labels that changed and deletes the
// versions that are gone.
func (s *Store) saveVersions(ctx context.Context, tx *txn, r *row) error {
	present := map[string]bool{}
	for _, v := range r.sec.Versions {
		present[v.ID] = true
		b, _ := json.Marshal(stagesOrEmpty(v.Stages))
		if old, ok := r.stages[v.ID]; ok && old == string(b) {
			continue
		}
		if _, ok := r.stages[v.ID]; !ok {
			continue // new versions are inserted by insertVersion
		}
		if _, err := tx.ExecContext(ctx, `UPDATE versions SET stages = ? WHERE secret_id = ? AND version_id = ?`, string(b), r.id, v.ID); err != nil {
			return internal("update staging labels", err)
		}
	}
	for id := range r.stages {
		if !present[id] {
			if _, err := tx.ExecContext(ctx, `DELETE FROM versions WHERE secret_id = ? AND version_id = ?`, r.id, id); err != nil {
				return internal("delete deprecated version", err)
			}
		}
	}
	return nil
}

func (s *Store) touchChanged(ctx context.Context, tx *txn, r *row, now time.Time) error {
	if _, err := tx.ExecContext(ctx, `UPDATE secrets SET changed_at = ? WHERE id = ?`, micros(now), r.id); err != nil {
		return internal("update secret", err)
	}
	return nil
}

// insertVersion seals a value and stores it as version v of the secret.
func (s *Store) insertVersion(ctx context.Context, tx *txn, r *row, v *secret.Version, val secret.Value) error {
	ct, wk, err := keys.Seal(ctx, s.keys, val.Encode(), encContext(r.sec.ARN, v.ID))
	if err != nil {
		return &secret.Error{Code: secret.CodeEncryptionFailure, Message: "Secrets Manager can't encrypt the protected secret text using the provided KMS key.", Err: err}
	}
	b, _ := json.Marshal(stagesOrEmpty(v.Stages))
	_, err = tx.ExecContext(ctx, `INSERT INTO versions (secret_id, version_id, seq, stages, created_at, ciphertext, wrapped_key)
		VALUES (?, ?, (SELECT COALESCE(MAX(seq), 0) + 1 FROM versions WHERE secret_id = ?), ?, ?, ?, ?)`,
		r.id, v.ID, r.id, string(b), micros(v.CreatedDate), ct, wk)
	if err != nil {
		return internal("insert version", err)
	}
	return nil
}

// readValue opens the sealed value of one version.
func (s *Store) readValue(ctx context.Context, tx *txn, r *row, versionID string) (secret.Value, error) {
	sv, err := s.sealedValueOf(ctx, tx, r, versionID)
	if err != nil {
		if secret.Code(err) != "" {
			return secret.Value{}, err
		}
		return secret.Value{}, internal("read version", err)
	}
	p, err := keys.Open(ctx, s.keys, sv.ciphertext, sv.wrappedKey, encContext(r.sec.ARN, versionID))
	if err != nil {
		return secret.Value{}, &secret.Error{Code: secret.CodeDecryptionFailure, Message: "Secrets Manager can't decrypt the protected secret text using the provided KMS key.", Err: err}
	}
	return secret.DecodeValue(p)
}

// encContext is the encryption context of one secret version: the one AWS
// Secrets Manager itself gives KMS.
func encContext(arn, versionID string) map[string]string {
	return map[string]string{"SecretARN": arn, "SecretVersionId": versionID}
}

func stagesOrEmpty(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

func micros(t time.Time) int64 {
	if t.IsZero() {
		return 0
	}
	return t.UnixMicro()
}

func fromMicros(us int64) time.Time {
	if us == 0 {
		return time.Time{}
	}
	return time.UnixMicro(us).UTC()
}
