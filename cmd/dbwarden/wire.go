package main

import (
	"context"
	"fmt"
	"os"
	"path/filepath"

	"github.com/dbwarden/dbwarden/internal/keys"
	"github.com/dbwarden/dbwarden/internal/keys/filekeys"
	"github.com/dbwarden/dbwarden/internal/keys/kmskeys"
	"github.com/dbwarden/dbwarden/internal/store/sqlitestore"
)

// This file turns configuration into concrete backends; it is the only one
// that imports them all.

// keyProvider opens the configured key-encryption key.
func (a *app) keyProvider(ctx context.Context) (keys.KeyProvider, error) {
	switch a.cfg.Keys.Provider {
	case "kms":
		return kmskeys.NewFromConfig(ctx, a.cfg.Keys.KMSKeyID)
	default:
		return filekeys.Open(filepath.Join(a.cfg.DataDir, "keys"))
	}
}

// openStore opens the embedded store in the data directory, creating it on
// first use.
func (a *app) openStore(ctx context.Context) (*sqlitestore.Store, keys.KeyProvider, error) {
	if err := os.MkdirAll(a.cfg.DataDir, 0o700); err != nil {
		return nil, nil, fmt.Errorf("create data directory: %w", err)
	}
	kp, err := a.keyProvider(ctx)
	if err != nil {
		return nil, nil, err
	}
	s, err := sqlitestore.Open(ctx, sqlitestore.Options{
		Path:      filepath.Join(a.cfg.DataDir, "dbwarden.db"),
		Keys:      kp,
		Partition: a.cfg.ARN.Partition,
		Region:    a.cfg.ARN.Region,
		Account:   a.cfg.ARN.Account,
		// rotate-secret needs no Lambda: dbwarden's rotators run it.
		ImplicitRotation: true,
	})
	if err != nil {
		return nil, nil, err
	}
	return s, kp, nil
}

// openExistingStore is openStore for commands that only read: it refuses
// to create an empty store where none exists.
func (a *app) openExistingStore(ctx context.Context) (*sqlitestore.Store, keys.KeyProvider, error) {
	if _, err := os.Stat(filepath.Join(a.cfg.DataDir, "dbwarden.db")); err != nil {
		return nil, nil, fmt.Errorf("no dbwarden store in %s (set --data-dir or DBWARDEN_DATA_DIR)", a.cfg.DataDir)
	}
	return a.openStore(ctx)
}
