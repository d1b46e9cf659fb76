package main

import (
	"context"

	"github.com/dbwarden/dbwarden/internal/secret"
	"github.com/dbwarden/dbwarden/internal/store/sqlitestore"
)

// auditStore is the store opened for its audit trail.
type auditStore struct{ *sqlitestore.Store }

// lookupARN turns a secret name into the ARN its audit records carry. An
// unknown name is returned as is: failed calls record the id they were given.
func (s *auditStore) lookupARN(ctx context.Context, id string) string {
	if secret.IsARN(id) {
		return id
	}
	var arn string
	if err := s.DB().QueryRowContext(ctx, `SELECT arn FROM secrets WHERE name = ?`, id).Scan(&arn); err != nil {
		return id
	}
	return arn
}
