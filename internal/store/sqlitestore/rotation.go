package sqlitestore

import (
	"context"
	"encoding/json"
	"time"

	"github.com/dbwarden/dbwarden/internal/secret"
	"github.com/dbwarden/dbwarden/internal/store"
)

// DefaultRotator is the RotationLambdaARN of a secret whose RotateSecret
// named none: the rotation engine chooses a rotator from its value.
const DefaultRotator = "dbwarden:default"

// RotateSecret implements store.Store.
func (s *Store) RotateSecret(ctx context.Context, in *store.RotateSecretInput) (*store.RotateSecretOutput, error) {
	var out *store.RotateSecretOutput
	err := s.call(ctx, "RotateSecret", in.SecretId, func(tx *txn, ev *event) error {
		vid, err := versionIDFor(in.ClientRequestToken)
		if err != nil {
			return err
		}
		r, err := s.findLive(ctx, tx, in.SecretId, ev)
		if err != nil {
			return err
		}
		rot := r.sec.Rotation
		if in.RotationLambdaARN != "" {
			rot.Rotator = in.RotationLambdaARN
		}
		if rot.Rotator == "" && s.opts.ImplicitRotation {
			// dbwarden rotates with its own rotators: without a name,
			// the secret's value chooses one.
			rot.Rotator = DefaultRotator
		}
		if rot.Rotator == "" {
			return secret.Errorf(secret.CodeInvalidRequest, "No Lambda rotation function ARN is associated with this secret.")
		}
		if in.RotationRules != nil {
			if err := secret.ValidateRotationRules(*in.RotationRules); err != nil {
				return err
			}
			rot.Rules = *in.RotationRules
		}
		immediately := in.RotateImmediately == nil || *in.RotateImmediately
		if rot.Rules.AutomaticallyAfterDays == nil && rot.Rules.ScheduleExpression == nil && !(immediately && s.opts.ImplicitRotation) {
			return secret.Errorf(secret.CodeInvalidParameter, "You must specify RotationRules the first time you turn on rotation for a secret.")
		}
		// Without rules, a rotation runs now and no other is scheduled.
		now := s.opts.Now().UTC()
		rot.Enabled = true
		rot.NextDue = time.Time{} // for cron schedules the scheduler computes it
		if immediately {
			rot.NextDue = now
		} else if next, ok := secret.NextRotation(rot.Rules, now); ok {
			rot.NextDue = next
		}
		if immediately {
			// A rotation in progress is the one to carry on.
			if v := r.sec.VersionWithStage(secret.StagePending); v != nil && !v.HasStage(secret.StageCurrent) {
				vid = v.ID
			}
		}
		rules, _ := json.Marshal(rot.Rules)
		if _, err := tx.ExecContext(ctx, `UPDATE secrets SET rotation_enabled = 1, rotator = ?, rotation_rules = ?, next_rotation = ?, changed_at = ? WHERE id = ?`,
			rot.Rotator, string(rules), micros(rot.NextDue), micros(now), r.id); err != nil {
			return internal("store rotation configuration", err)
		}
		if immediately {
			// The rotation engine creates the version this call names.
			if _, err := tx.ExecContext(ctx, `UPDATE secrets SET rotation_token = ?, rotation_failures = 0, rotation_failure = '', rotation_retry_at = 0 WHERE id = ? AND rotation_token <> ?`,
				vid, r.id, vid); err != nil {
				return internal("store rotation configuration", err)
			}
		}
		out = &store.RotateSecretOutput{ARN: r.sec.ARN, Name: r.sec.Name}
		if immediately {
			out.VersionId = vid
			ev.versionID = vid
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// CancelRotateSecret implements store.Store.
func (s *Store) CancelRotateSecret(ctx context.Context, in *store.CancelRotateSecretInput) (*store.CancelRotateSecretOutput, error) {
	var out *store.CancelRotateSecretOutput
	err := s.call(ctx, "CancelRotateSecret", in.SecretId, func(tx *txn, ev *event) error {
		r, err := s.findLive(ctx, tx, in.SecretId, ev)
		if err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `UPDATE secrets SET rotation_enabled = 0, next_rotation = 0, changed_at = ? WHERE id = ?`, micros(s.opts.Now()), r.id); err != nil {
			return internal("cancel rotation", err)
		}
		out = &store.CancelRotateSecretOutput{ARN: r.sec.ARN, Name: r.sec.Name}
		if v := r.sec.VersionWithStage(secret.StagePending); v != nil {
			out.VersionId = v.ID
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}
