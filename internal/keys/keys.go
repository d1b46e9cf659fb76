// Package keys defines how dbwarden protects secret values at rest: envelope
// encryption, where each value is sealed with its own random data key and only
// the data key, wrapped under a key-encryption key (KEK), is stored next to it.
//
// A KeyProvider owns the KEK. Two providers exist: filekeys keeps versioned
// KEKs in a local directory, kmskeys delegates to AWS KMS. Seal and Open do the
// data-key part and are the same for both.
//
// Every operation takes an encryption context, a small map of non-secret
// strings that the ciphertext is bound to. dbwarden uses the same context as
// AWS Secrets Manager: {"SecretARN": arn, "SecretVersionId": versionID}. Data
// sealed under one context does not open under another, so a ciphertext copied
// to another secret or version is refused instead of silently returned.
package keys

import (
	"context"
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"encoding/binary"
	"errors"
	"fmt"
	"slices"
)

// ErrDecrypt means a value or a wrapped key could not be decrypted: the
// encryption context differs, the data was altered, or the key it was made
// with is unknown. Errors returned for these cases wrap ErrDecrypt; test with
// errors.Is.
var ErrDecrypt = errors.New("decryption failed")

// DataKeySize is the size in bytes of a data key (AES-256).
const DataKeySize = 32

// KeyProvider wraps and unwraps data keys under a key-encryption key (KEK).
// Implementations are safe for concurrent use.
type KeyProvider interface {
	// GenerateDataKey returns a fresh 32-byte data key and that key wrapped
	// under the current KEK, bound to encCtx (the same encCtx must be given to
	// Decrypt). The caller owns plaintext and should zero it after use.
	GenerateDataKey(ctx context.Context, encCtx map[string]string) (plaintext, wrapped []byte, err error)

	// Decrypt unwraps a wrapped data key. A wrong encCtx, a tampered blob or
	// an unknown KEK gives an error wrapping ErrDecrypt. Other errors (I/O,
	// network) do not wrap ErrDecrypt and may be retried.
	Decrypt(ctx context.Context, wrapped []byte, encCtx map[string]string) ([]byte, error)
}

// Rewrapper is the optional capability behind `dbwarden keys rotate`: move
// wrapped data keys to the current KEK without touching the sealed values.
type Rewrapper interface {
	// Rotate makes a new KEK version current (file provider) or is a no-op
	// for KMS; it returns a human-readable description of the current
	// version, which never contains key material.
	Rotate(ctx context.Context) (string, error)

	// Rewrap re-wraps a wrapped data key under the current KEK version, with
	// the same encCtx. It is idempotent: rewrapping a blob that is already
	// current gives a blob that is still current and still decrypts. A blob
	// that does not decrypt gives an error wrapping ErrDecrypt.
	Rewrap(ctx context.Context, wrapped []byte, encCtx map[string]string) ([]byte, error)

	// NeedsRewrap reports whether wrapped is under a version other than the
	// current one. It does no I/O; when a provider cannot tell, it reports
	// true, and Rewrap is then simply redone.
	NeedsRewrap(wrapped []byte) bool
}

// sealFormat is the first byte of every ciphertext made by Seal, so that the
// layout can change later without guessing.
const sealFormat byte = 1

const nonceSize = 12

// Seal encrypts plaintext with a new data key from kp using AES-256-GCM with a
// random 12-byte nonce. The additional authenticated data is
// CanonicalContext(encCtx), so ciphertext bound to one secret ARN and version
// id fails to open under another.
//
// The ciphertext layout is: format byte (1), nonce (12), GCM output
// (len(plaintext)+16). wrappedKey is opaque to the caller and must be stored
// with the ciphertext and given back to Open.
func Seal(ctx context.Context, kp KeyProvider, plaintext []byte, encCtx map[string]string) (ciphertext, wrappedKey []byte, err error) {
	dataKey, wrapped, err := kp.GenerateDataKey(ctx, encCtx)
	if err != nil {
		return nil, nil, fmt.Errorf("keys: seal: generate data key: %w", err)
	}
	defer clear(dataKey)

	aead, err := newAEAD(dataKey)
	if err != nil {
		return nil, nil, fmt.Errorf("keys: seal: %w", err)
	}
	out := make([]byte, 1+nonceSize, 1+nonceSize+len(plaintext)+aead.Overhead())
	out[0] = sealFormat
	if _, err := rand.Read(out[1 : 1+nonceSize]); err != nil {
		return nil, nil, fmt.Errorf("keys: seal: nonce: %w", err)
	}
	out = aead.Seal(out, out[1:1+nonceSize], plaintext, CanonicalContext(encCtx))
	return out, wrapped, nil
}

// Open decrypts a ciphertext made by Seal. The data key is unwrapped by kp
// with encCtx, and encCtx must equal the one given to Seal. A wrong encCtx, a
// ciphertext or wrapped key that was altered or belongs to another value, or
// an unknown KEK gives an error wrapping ErrDecrypt.
func Open(ctx context.Context, kp KeyProvider, ciphertext, wrappedKey []byte, encCtx map[string]string) ([]byte, error) {
	if len(ciphertext) < 1+nonceSize || ciphertext[0] != sealFormat {
		return nil, fmt.Errorf("keys: open: ciphertext is malformed: %w", ErrDecrypt)
	}
	dataKey, err := kp.Decrypt(ctx, wrappedKey, encCtx)
	if err != nil {
		return nil, fmt.Errorf("keys: open: unwrap data key: %w", err)
	}
	defer clear(dataKey)

	aead, err := newAEAD(dataKey)
	if err != nil {
		return nil, fmt.Errorf("keys: open: %w: %w", ErrDecrypt, err)
	}
	nonce, sealed := ciphertext[1:1+nonceSize], ciphertext[1+nonceSize:]
	plaintext, err := aead.Open(nil, nonce, sealed, CanonicalContext(encCtx))
	if err != nil {
		return nil, fmt.Errorf("keys: open: %w", ErrDecrypt)
	}
	return plaintext, nil
}

// newAEAD returns AES-256-GCM for a 32-byte key. The error never contains the
// key.
func newAEAD(key []byte) (cipher.AEAD, error) {
	if len(key) != DataKeySize {
		return nil, fmt.Errorf("data key is %d bytes, want %d", len(key), DataKeySize)
	}
	block, err := aes.NewCipher(key)
	if err != nil {
		return nil, fmt.Errorf("aes: %w", err)
	}
	return cipher.NewGCM(block)
}

// CanonicalContext returns a deterministic encoding of encCtx, used as AAD:
// the number of entries, then for each entry in byte order of the keys, the
// key and the value, every count and length a 4-byte big-endian integer. A
// nil and an empty map encode the same. Distinct maps never encode the same.
func CanonicalContext(encCtx map[string]string) []byte {
	names := make([]string, 0, len(encCtx))
	size := 4
	for k, v := range encCtx {
		names = append(names, k)
		size += 8 + len(k) + len(v)
	}
	slices.Sort(names)
	out := make([]byte, 0, size)
	out = binary.BigEndian.AppendUint32(out, uint32(len(names)))
	for _, k := range names {
		v := encCtx[k]
		out = binary.BigEndian.AppendUint32(out, uint32(len(k)))
		out = append(out, k...)
		out = binary.BigEndian.AppendUint32(out, uint32(len(v)))
		out = append(out, v...)
	}
	return out
}
