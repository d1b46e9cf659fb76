package sqlitestore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/dbwarden/dbwarden/internal/audit"
	"github.com/dbwarden/dbwarden/internal/secret"
	"github.com/dbwarden/dbwarden/internal/store"
)

// RotationState returns what the rotation engine saved for the secret arn.
func (s *Store) RotationState(ctx context.Context, arn string) (store.RotationState, error) {
	var st store.RotationState
	var last, next, failedAt, retryAt int64
	err := s.rdb.QueryRowContext(ctx, `SELECT last_rotated, next_rotation, rotation_token, rotation_failures, rotation_failure, rotation_failed_at, rotation_retry_at
		FROM secrets WHERE arn = ?`, arn).Scan(&last, &next, &st.Token, &st.Failures, &st.LastFailure, &failedAt, &retryAt)
	if errors.Is(err, sql.ErrNoRows) {
		return st, secret.Errorf(secret.CodeResourceNotFound, "Secrets Manager can't find the specified secret.")
	}
	if err != nil {
		return st, fmt.Errorf("read rotation state: %w", err)
	}
	st.LastRotated, st.NextDue = fromMicros(last), fromMicros(next)
	st.FailedAt, st.RetryAt = fromMicros(failedAt), fromMicros(retryAt)
	return st, nil
}

// SaveRotationState stores the rotation engine's state for the secret arn,
// with an audit record.
func (s *Store) SaveRotationState(ctx context.Context, arn string, st store.RotationState) error {
	return s.adminTx(ctx, "dbwarden:SaveRotationState", arn, func(tx *txn) error {
		res, err := tx.ExecContext(ctx, `UPDATE secrets SET last_rotated = ?, next_rotation = ?, rotation_token = ?, rotation_failures = ?,
			rotation_failure = ?, rotation_failed_at = ?, rotation_retry_at = ? WHERE arn = ?`,
			micros(st.LastRotated), micros(st.NextDue), st.Token, st.Failures, st.LastFailure, micros(st.FailedAt), micros(st.RetryAt), arn)
		if err != nil {
			return fmt.Errorf("save rotation state: %w", err)
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return secret.Errorf(secret.CodeResourceNotFound, "Secrets Manager can't find the specified secret.")
		}
		return nil
	})
}

// DueRotations lists the secrets whose rotation is on and due at now, and
// not waiting out a failure's backoff.
func (s *Store) DueRotations(ctx context.Context, now time.Time) ([]string, error) {
	rows, err := s.rdb.QueryContext(ctx, `SELECT arn FROM secrets WHERE rotation_enabled = 1 AND deleted_at = 0
		AND next_rotation <> 0 AND next_rotation <= ? AND rotation_retry_at <= ? ORDER BY next_rotation`, micros(now), micros(now))
	if err != nil {
		return nil, fmt.Errorf("list due rotations: %w", err)
	}
	defer rows.Close()
	var arns []string
	for rows.Next() {
		var arn string
		if err := rows.Scan(&arn); err != nil {
			return nil, fmt.Errorf("list due rotations: %w", err)
		}
		arns = append(arns, arn)
	}
	return arns, rows.Err()
}

// RecordStep puts a rotation step's outcome in the audit trail.
func (s *Store) RecordStep(ctx context.Context, arn, token, step string, stepErr error) {
	c := audit.CallerFrom(ctx)
	rec := audit.Record{
		Time: s.opts.Now().UTC(), Principal: c.Principal, Action: "rotation:" + step, Resource: arn, VersionID: token,
		Outcome: audit.OutcomeSuccess, RequestID: c.RequestID, SourceIP: c.SourceIP,
	}
	if stepErr != nil {
		rec.Outcome = audit.OutcomeFailure
		rec.ErrorCode = secret.Code(stepErr)
		if rec.ErrorCode == "" {
			rec.ErrorCode = "RotationStepFailed"
		}
	}
	// A step that cannot be recorded has still happened; the store's own
	// calls in it were recorded.
	_ = s.RecordEvent(ctx, rec)
}
