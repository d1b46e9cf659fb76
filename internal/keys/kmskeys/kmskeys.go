// Package kmskeys is a keys.KeyProvider backed by an AWS KMS symmetric key:
// data keys come from KMS GenerateDataKey and are unwrapped by KMS Decrypt,
// both bound to the encryption context, so the key-encryption key never
// leaves KMS.
//
// KMS rotates the key material behind a key id by itself and keeps old
// material to decrypt old blobs, so there is nothing to rotate here. Rewrap
// exists to move wrapped data keys to the configured key id, for example
// after switching dbwarden to a new KMS key.
package kmskeys

import (
	"context"
	"errors"
	"fmt"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/service/kms"
	"github.com/aws/aws-sdk-go-v2/service/kms/types"

	"github.com/dbwarden/dbwarden/internal/keys"
)

// ErrNoKeyID is returned by NewFromConfig when keyID is empty.
var ErrNoKeyID = errors.New("no KMS key id")

// Provider wraps data keys under one KMS key. It implements keys.KeyProvider
// and keys.Rewrapper and is safe for concurrent use.
type Provider struct {
	client *kms.Client
	keyID  string
}

var (
	_ keys.KeyProvider = (*Provider)(nil)
	_ keys.Rewrapper   = (*Provider)(nil)
)

// New returns a Provider that wraps data keys under keyID, which may be a key
// id, key ARN, alias name or alias ARN, using client.
func New(client *kms.Client, keyID string) *Provider {
	return &Provider{client: client, keyID: keyID}
}

// NewFromConfig returns a Provider for keyID with a client built from the
// default AWS configuration: credentials, region and profile from the usual
// environment variables and shared files, and the endpoint from the SDK's
// standard AWS_ENDPOINT_URL or AWS_ENDPOINT_URL_KMS when set.
func NewFromConfig(ctx context.Context, keyID string) (*Provider, error) {
	if keyID == "" {
		return nil, fmt.Errorf("kmskeys: new: %w", ErrNoKeyID)
	}
	cfg, err := config.LoadDefaultConfig(ctx)
	if err != nil {
		return nil, fmt.Errorf("kmskeys: new: load AWS config: %w", err)
	}
	return New(kms.NewFromConfig(cfg), keyID), nil
}

// KeyID returns the KMS key id the Provider wraps under.
func (p *Provider) KeyID() string { return p.keyID }

// GenerateDataKey implements keys.KeyProvider with KMS GenerateDataKey
// (KeySpec AES_256).
func (p *Provider) GenerateDataKey(ctx context.Context, encCtx map[string]string) (plaintext, wrapped []byte, err error) {
	out, err := p.client.GenerateDataKey(ctx, &kms.GenerateDataKeyInput{
		KeyId:             aws.String(p.keyID),
		KeySpec:           types.DataKeySpecAes256,
		EncryptionContext: encCtx,
	})
	if err != nil {
		return nil, nil, fmt.Errorf("kmskeys: generate data key under %s: %w", p.keyID, err)
	}
	if len(out.Plaintext) != keys.DataKeySize || len(out.CiphertextBlob) == 0 {
		clear(out.Plaintext)
		return nil, nil, fmt.Errorf("kmskeys: generate data key under %s: got a %d-byte key and a %d-byte blob, want %d and more than 0",
			p.keyID, len(out.Plaintext), len(out.CiphertextBlob), keys.DataKeySize)
	}
	return out.Plaintext, out.CiphertextBlob, nil
}

// Decrypt implements keys.KeyProvider with KMS Decrypt, naming the key id so
// that KMS refuses a blob made under another key. KMS errors that mean the
// blob cannot be decrypted (InvalidCiphertextException, which KMS also returns
// for a wrong encryption context, and IncorrectKeyException) wrap
// keys.ErrDecrypt; others, such as throttling or access denied, do not.
func (p *Provider) Decrypt(ctx context.Context, wrapped []byte, encCtx map[string]string) ([]byte, error) {
	if len(wrapped) == 0 {
		return nil, fmt.Errorf("kmskeys: decrypt: empty wrapped key: %w", keys.ErrDecrypt)
	}
	out, err := p.client.Decrypt(ctx, &kms.DecryptInput{
		CiphertextBlob:    wrapped,
		EncryptionContext: encCtx,
		KeyId:             aws.String(p.keyID),
	})
	if err != nil {
		return nil, fmt.Errorf("kmskeys: decrypt under %s: %w", p.keyID, mapError(err))
	}
	if len(out.Plaintext) != keys.DataKeySize {
		clear(out.Plaintext)
		return nil, fmt.Errorf("kmskeys: decrypt under %s: got a %d-byte data key, want %d: %w",
			p.keyID, len(out.Plaintext), keys.DataKeySize, keys.ErrDecrypt)
	}
	return out.Plaintext, nil
}

// Rotate implements keys.Rewrapper. It changes nothing, since KMS rotates key
// material itself; it checks that the key exists and returns its ARN.
func (p *Provider) Rotate(ctx context.Context) (string, error) {
	out, err := p.client.DescribeKey(ctx, &kms.DescribeKeyInput{KeyId: aws.String(p.keyID)})
	if err != nil {
		return "", fmt.Errorf("kmskeys: rotate: describe %s: %w", p.keyID, err)
	}
	if out.KeyMetadata == nil || out.KeyMetadata.Arn == nil {
		return "", fmt.Errorf("kmskeys: rotate: describe %s: no key ARN in the answer", p.keyID)
	}
	return "kms key " + *out.KeyMetadata.Arn, nil
}

// Rewrap implements keys.Rewrapper with KMS ReEncrypt to the Provider's key,
// with encCtx as both source and destination context. The source key is not
// named, so a blob made under another KMS key the caller may use is moved to
// this one. The data key never leaves KMS.
func (p *Provider) Rewrap(ctx context.Context, wrapped []byte, encCtx map[string]string) ([]byte, error) {
	if len(wrapped) == 0 {
		return nil, fmt.Errorf("kmskeys: rewrap: empty wrapped key: %w", keys.ErrDecrypt)
	}
	out, err := p.client.ReEncrypt(ctx, &kms.ReEncryptInput{
		CiphertextBlob:               wrapped,
		SourceEncryptionContext:      encCtx,
		DestinationKeyId:             aws.String(p.keyID),
		DestinationEncryptionContext: encCtx,
	})
	if err != nil {
		return nil, fmt.Errorf("kmskeys: rewrap to %s: %w", p.keyID, mapError(err))
	}
	if len(out.CiphertextBlob) == 0 {
		return nil, fmt.Errorf("kmskeys: rewrap to %s: empty blob in the answer", p.keyID)
	}
	return out.CiphertextBlob, nil
}

// NeedsRewrap implements keys.Rewrapper. It always reports true: the KMS
// ciphertext format is not documented, so which key a blob is under cannot be
// told without asking KMS. A rotation therefore rewraps every data key, one
// ReEncrypt call each, which is harmless because Rewrap is idempotent.
func (p *Provider) NeedsRewrap([]byte) bool { return true }

// mapError wraps keys.ErrDecrypt around the KMS errors that mean the blob
// cannot be decrypted.
func mapError(err error) error {
	var invalid *types.InvalidCiphertextException
	var incorrect *types.IncorrectKeyException
	if errors.As(err, &invalid) || errors.As(err, &incorrect) {
		return fmt.Errorf("%w: %w", keys.ErrDecrypt, err)
	}
	return err
}
