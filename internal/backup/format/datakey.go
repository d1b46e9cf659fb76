package format

import (
	"context"
	"crypto/hkdf"
	"crypto/sha256"
	"errors"
	"fmt"
	"log/slog"

	"github.com/dbwarden/dbwarden/internal/keys"
)

// Labels that separate the keys derived from a backup's data key.
const (
	chunkKeyInfo    = "dbwarden backup chunk v1"
	manifestKeyInfo = "dbwarden backup manifest v1"
)

// encryptionContextKey is the one entry of the encryption context a backup's
// data key is wrapped under; its value is the backup id.
const encryptionContextKey = "BackupId"

// DataKey is the one data key of a backup, bound to its backup id. The key
// provider wraps it; the wrapped form goes into the manifest and the
// plaintext lives only in this value, until Destroy. A DataKey prints as
// redacted and is safe for concurrent use until Destroy.
type DataKey struct {
	backupID string
	wrapped  []byte
	key      []byte
	macKey   []byte
}

// NewDataKey draws a fresh data key for the backup backupID from kp, wrapped
// under kp's key-encryption key with the encryption context
// {"BackupId": backupID}.
func NewDataKey(ctx context.Context, kp keys.KeyProvider, backupID string) (*DataKey, error) {
	if err := validateBackupID(backupID); err != nil {
		return nil, fmt.Errorf("backup data key: %w", err)
	}
	plaintext, wrapped, err := kp.GenerateDataKey(ctx, encryptionContext(backupID))
	if err != nil {
		return nil, fmt.Errorf("backup data key: generate: %w", err)
	}
	return newDataKey(backupID, plaintext, wrapped)
}

// openDataKey unwraps the data key of backup backupID. A key that kp cannot
// unwrap (another key-encryption key, or the backup id or wrapped key was
// altered) gives an error wrapping ErrWrongKey and keys.ErrDecrypt.
func openDataKey(ctx context.Context, kp keys.KeyProvider, backupID string, wrapped []byte) (*DataKey, error) {
	plaintext, err := kp.Decrypt(ctx, wrapped, encryptionContext(backupID))
	if errors.Is(err, keys.ErrDecrypt) {
		return nil, fmt.Errorf("%w: the key provider cannot unwrap the data key (another key-encryption key, or the manifest's backup id or wrapped key was altered): %w", ErrWrongKey, err)
	}
	if err != nil {
		return nil, fmt.Errorf("unwrap data key: %w", err)
	}
	return newDataKey(backupID, plaintext, wrapped)
}

func newDataKey(backupID string, plaintext, wrapped []byte) (*DataKey, error) {
	defer clear(plaintext)
	if len(plaintext) != keys.DataKeySize {
		return nil, fmt.Errorf("backup data key: the key provider returned %d bytes, want %d", len(plaintext), keys.DataKeySize)
	}
	macKey, err := hkdf.Key(sha256.New, plaintext, nil, manifestKeyInfo, sha256.Size)
	if err != nil {
		return nil, fmt.Errorf("backup data key: derive manifest key: %w", err)
	}
	return &DataKey{
		backupID: backupID,
		wrapped:  append([]byte(nil), wrapped...),
		key:      append([]byte(nil), plaintext...),
		macKey:   macKey,
	}, nil
}

func encryptionContext(backupID string) map[string]string {
	return map[string]string{encryptionContextKey: backupID}
}

// BackupID returns the id of the backup the key belongs to.
func (k *DataKey) BackupID() string { return k.backupID }

// Wrapped returns a copy of the wrapped key, as the manifest stores it.
func (k *DataKey) Wrapped() []byte { return append([]byte(nil), k.wrapped...) }

// Destroy zeroes the key. The DataKey must not be used afterwards.
func (k *DataKey) Destroy() {
	clear(k.key)
	clear(k.macKey)
	k.key, k.macKey = nil, nil
}

// chunkKey derives the key of one chunk from the data key and the chunk's
// random salt.
func (k *DataKey) chunkKey(salt []byte) ([]byte, error) {
	if k.key == nil {
		return nil, errors.New("the data key was destroyed")
	}
	return hkdf.Key(sha256.New, k.key, salt, chunkKeyInfo, keys.DataKeySize)
}

// String, GoString and LogValue never show key material.
func (k *DataKey) String() string       { return "DataKey(backup " + k.backupID + ", redacted)" }
func (k *DataKey) GoString() string     { return "format.DataKey{backup: " + k.backupID + ", redacted}" }
func (k *DataKey) LogValue() slog.Value { return slog.StringValue(k.String()) }
