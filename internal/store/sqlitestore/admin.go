package sqlitestore

import (
	"context"
	"database/sql"
	"fmt"

	"github.com/dbwarden/dbwarden/internal/audit"
	"github.com/dbwarden/dbwarden/internal/keys"
	"github.com/dbwarden/dbwarden/internal/secret"
)

// rewrapBatch is how many data keys one transaction re-wraps, so that the
// store stays usable while a rotation runs.
const rewrapBatch = 64

// RewrapKeys re-wraps every data key that is not under the provider's
// current key version, in small transactions, and returns how many it
// re-wrapped. It is idempotent: a run that stops half way is finished by the
// next one. The secret values are never decrypted, only their data keys.
func (s *Store) RewrapKeys(ctx context.Context, rw keys.Rewrapper, progress func(done int)) (int, error) {
	type key struct {
		secretID  int64
		versionID string
		arn       string
		wrapped   []byte
	}
	done := 0
	var after struct {
		secretID  int64
		versionID string
	}
	for {
		var batch []key
		rows, err := s.db.QueryContext(ctx, `SELECT v.secret_id, v.version_id, s.arn, v.wrapped_key FROM versions v JOIN secrets s ON s.id = v.secret_id
			WHERE (v.secret_id, v.version_id) > (?, ?) ORDER BY v.secret_id, v.version_id LIMIT ?`, after.secretID, after.versionID, rewrapBatch)
		if err != nil {
			return done, fmt.Errorf("rewrap keys: %w", err)
		}
		for rows.Next() {
			var k key
			if err := rows.Scan(&k.secretID, &k.versionID, &k.arn, &k.wrapped); err != nil {
				rows.Close()
				return done, fmt.Errorf("rewrap keys: %w", err)
			}
			batch = append(batch, k)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return done, fmt.Errorf("rewrap keys: %w", err)
		}
		if len(batch) == 0 {
			return done, nil
		}
		last := batch[len(batch)-1]
		after.secretID, after.versionID = last.secretID, last.versionID
		tx, err := s.begin(ctx)
		if err != nil {
			return done, fmt.Errorf("rewrap keys: %w", err)
		}
		n := 0
		for _, k := range batch {
			if !rw.NeedsRewrap(k.wrapped) {
				continue
			}
			nw, err := rw.Rewrap(ctx, k.wrapped, encContext(k.arn, k.versionID))
			if err != nil {
				tx.Rollback()
				return done, fmt.Errorf("rewrap key of %s version %s: %w", k.arn, k.versionID, err)
			}
			// Only replace the key we read: a concurrent writer may have
			// replaced the version meanwhile.
			if _, err := tx.ExecContext(ctx, `UPDATE versions SET wrapped_key = ? WHERE secret_id = ? AND version_id = ? AND wrapped_key = ?`, nw, k.secretID, k.versionID, k.wrapped); err != nil {
				tx.Rollback()
				return done, fmt.Errorf("rewrap keys: %w", err)
			}
			n++
		}
		if n > 0 {
			c := audit.CallerFrom(ctx)
			if _, err := audit.Append(ctx, tx, audit.Record{
				Time: s.opts.Now().UTC(), Principal: c.Principal, Action: "dbwarden:RewrapDataKeys",
				Outcome: "success", RequestID: c.RequestID,
			}); err != nil {
				tx.Rollback()
				return done, fmt.Errorf("rewrap keys: %w", err)
			}
		}
		if err := tx.Commit(); err != nil {
			return done, fmt.Errorf("rewrap keys: %w", err)
		}
		done += n
		if progress != nil && n > 0 {
			progress(done)
		}
	}
}

// Problem is one thing the integrity check found wrong.
type Problem struct {
	What   string `json:"what"`
	Detail string `json:"detail"`
}

// CheckReport is the result of an integrity check.
type CheckReport struct {
	Secrets       int       `json:"secrets"`
	Versions      int       `json:"versions"`
	AuditRecords  int64     `json:"audit_records"`
	Problems      []Problem `json:"problems"`
	DecryptedKeys int       `json:"versions_decrypted"`
}

// OK reports whether the check found nothing wrong.
func (r *CheckReport) OK() bool { return len(r.Problems) == 0 }

// Check verifies the store: SQLite's own integrity and foreign key checks,
// the staging-label invariants of every secret (at most one version per
// label, exactly one AWSCURRENT when there are versions), that every version
// decrypts under its own ARN and version id, and the audit chain. It
// changes nothing.
func (s *Store) Check(ctx context.Context) (*CheckReport, error) {
	rep := &CheckReport{Problems: []Problem{}}
	add := func(what, format string, args ...any) {
		rep.Problems = append(rep.Problems, Problem{What: what, Detail: fmt.Sprintf(format, args...)})
	}
	rows, err := s.db.QueryContext(ctx, `PRAGMA integrity_check`)
	if err != nil {
		return nil, fmt.Errorf("check: %w", err)
	}
	for rows.Next() {
		var msg string
		if err := rows.Scan(&msg); err != nil {
			rows.Close()
			return nil, fmt.Errorf("check: %w", err)
		}
		if msg != "ok" {
			add("sqlite", "%s", msg)
		}
	}
	rows.Close()
	var fk int
	if err := s.db.QueryRowContext(ctx, `SELECT COUNT(*) FROM pragma_foreign_key_check`).Scan(&fk); err != nil {
		return nil, fmt.Errorf("check: %w", err)
	}
	if fk > 0 {
		add("sqlite", "%d rows break a foreign key", fk)
	}

	rtx, err := s.db.BeginTx(ctx, &sql.TxOptions{ReadOnly: true})
	if err != nil {
		return nil, fmt.Errorf("check: %w", err)
	}
	tx := &txn{Tx: rtx, cache: s.stmts}
	defer tx.Rollback()
	srows, err := tx.QueryContext(ctx, `SELECT `+secretColumns+` FROM secrets ORDER BY id`)
	if err != nil {
		return nil, fmt.Errorf("check: %w", err)
	}
	var all []*row
	for srows.Next() {
		r, err := s.scanSecret(srows)
		if err != nil {
			add("secret", "unreadable secret row: %v", err)
			continue
		}
		all = append(all, r)
	}
	srows.Close()
	for _, r := range all {
		rep.Secrets++
		if _, err := s.withVersions(ctx, tx, r, nil); err != nil {
			add("secret", "%s: unreadable versions", r.sec.ARN)
			continue
		}
		labels := map[string]string{}
		current := 0
		for _, v := range r.sec.Versions {
			rep.Versions++
			for _, l := range v.Stages {
				if other, ok := labels[l]; ok {
					add("stages", "%s: label %s is on versions %s and %s", r.sec.ARN, l, other, v.ID)
				}
				labels[l] = v.ID
				if l == secret.StageCurrent {
					current++
				}
			}
			if _, err := s.readValue(ctx, tx, r, v.ID); err != nil {
				add("encryption", "%s version %s does not decrypt under its own ARN and version id", r.sec.ARN, v.ID)
			} else {
				rep.DecryptedKeys++
			}
		}
		if len(r.sec.Versions) > 0 && current != 1 {
			add("stages", "%s: %d versions carry AWSCURRENT, want 1", r.sec.ARN, current)
		}
	}
	tx.Rollback()

	p, n, err := audit.Verify(ctx, s.db)
	if err != nil {
		return nil, fmt.Errorf("check: %w", err)
	}
	rep.AuditRecords = n
	if p != nil {
		add("audit", "record %d: %s: %s", p.Seq, p.Kind, p.Detail)
	}
	return rep, nil
}

// KeyStatus counts the secret versions whose data key is wrapped under the
// provider's current key-encryption key, and those still under an older one
// (which 'dbwarden keys rotate' re-wraps).
type KeyStatus struct {
	Versions      int `json:"versions"`
	Current       int `json:"under_current_key"`
	NeedingRewrap int `json:"needing_rewrap"`
}

// KeyStatus reads every wrapped data key and asks rw whether it is current.
// It changes nothing and decrypts nothing.
func (s *Store) KeyStatus(ctx context.Context, rw keys.Rewrapper) (*KeyStatus, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT wrapped_key FROM versions`)
	if err != nil {
		return nil, fmt.Errorf("key status: %w", err)
	}
	defer rows.Close()
	st := &KeyStatus{}
	for rows.Next() {
		var wk []byte
		if err := rows.Scan(&wk); err != nil {
			return nil, fmt.Errorf("key status: %w", err)
		}
		st.Versions++
		if rw.NeedsRewrap(wk) {
			st.NeedingRewrap++
		} else {
			st.Current++
		}
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("key status: %w", err)
	}
	return st, nil
}

// Gauges returns the store's numbers for monitoring: live secrets, secrets
// scheduled for deletion, versions and the audit chain's length.
func (s *Store) Gauges(ctx context.Context) map[string]float64 {
	g := map[string]float64{}
	var live, deleted, versions int64
	if err := s.rdb.QueryRowContext(ctx, `SELECT COALESCE(SUM(deleted_at = 0), 0), COALESCE(SUM(deleted_at <> 0), 0) FROM secrets`).Scan(&live, &deleted); err == nil {
		g["dbwarden_secrets"] = float64(live)
		g["dbwarden_secrets_scheduled_for_deletion"] = float64(deleted)
	}
	if err := s.rdb.QueryRowContext(ctx, `SELECT COUNT(*) FROM versions`).Scan(&versions); err == nil {
		g["dbwarden_secret_versions"] = float64(versions)
	}
	if seq, _, err := audit.Head(ctx, s.rdb); err == nil {
		g["dbwarden_audit_chain_length"] = float64(seq)
	}
	var enabled, failing, last int64
	if err := s.rdb.QueryRowContext(ctx, `SELECT COALESCE(SUM(rotation_enabled = 1), 0), COALESCE(SUM(rotation_failures > 0), 0), COALESCE(MAX(last_rotated), 0)
		FROM secrets WHERE deleted_at = 0`).Scan(&enabled, &failing, &last); err == nil {
		g["dbwarden_rotation_enabled_secrets"] = float64(enabled)
		g["dbwarden_rotation_failing_secrets"] = float64(failing)
		g["dbwarden_rotation_last_success_timestamp_seconds"] = float64(last) / 1e6
	}
	return g
}
