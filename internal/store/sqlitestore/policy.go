package sqlitestore

import (
	"context"

	"github.com/dbwarden/dbwarden/internal/secret"
	"github.com/dbwarden/dbwarden/internal/store"
)

// PutResourcePolicy implements store.Store.
func (s *Store) PutResourcePolicy(ctx context.Context, in *store.PutResourcePolicyInput) (*store.PutResourcePolicyOutput, error) {
	var out *store.PutResourcePolicyOutput
	err := s.call(ctx, "PutResourcePolicy", in.SecretId, func(tx *txn, ev *event) error {
		if in.ResourcePolicy == "" || len(in.ResourcePolicy) > store.MaxResourcePolicyBytes {
			return secret.Errorf(secret.CodeInvalidParameter, "The ResourcePolicy must be between 1 and %d characters long.", store.MaxResourcePolicyBytes)
		}
		r, err := s.findLive(ctx, tx, in.SecretId, ev)
		if err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `UPDATE secrets SET resource_policy = ?, changed_at = ? WHERE id = ?`, in.ResourcePolicy, micros(s.opts.Now()), r.id); err != nil {
			return internal("put resource policy", err)
		}
		out = &store.PutResourcePolicyOutput{ARN: r.sec.ARN, Name: r.sec.Name}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// GetResourcePolicy implements store.Store.
func (s *Store) GetResourcePolicy(ctx context.Context, in *store.GetResourcePolicyInput) (*store.GetResourcePolicyOutput, error) {
	var out *store.GetResourcePolicyOutput
	err := s.read(ctx, "GetResourcePolicy", in.SecretId, noTouch(func(tx *txn, ev *event) error {
		r, err := s.findAny(ctx, tx, in.SecretId, ev)
		if err != nil {
			return err
		}
		out = &store.GetResourcePolicyOutput{ARN: r.sec.ARN, Name: r.sec.Name, ResourcePolicy: r.policy}
		return nil
	}))
	if err != nil {
		return nil, err
	}
	return out, nil
}

// DeleteResourcePolicy implements store.Store.
func (s *Store) DeleteResourcePolicy(ctx context.Context, in *store.DeleteResourcePolicyInput) (*store.DeleteResourcePolicyOutput, error) {
	var out *store.DeleteResourcePolicyOutput
	err := s.call(ctx, "DeleteResourcePolicy", in.SecretId, func(tx *txn, ev *event) error {
		r, err := s.findAny(ctx, tx, in.SecretId, ev)
		if err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `UPDATE secrets SET resource_policy = '', changed_at = ? WHERE id = ?`, micros(s.opts.Now()), r.id); err != nil {
			return internal("delete resource policy", err)
		}
		out = &store.DeleteResourcePolicyOutput{ARN: r.sec.ARN, Name: r.sec.Name}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}
