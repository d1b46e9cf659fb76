package kmskeys_test

import (
	"bytes"
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/kms"

	"github.com/dbwarden/dbwarden/internal/keys"
	"github.com/dbwarden/dbwarden/internal/keys/kmskeys"
	"github.com/dbwarden/dbwarden/internal/testenv"
)

var encCtx = map[string]string{
	"SecretARN":       "arn:aws:secretsmanager:us-east-1:123456789012:secret:db/a-AbCdEf",
	"SecretVersionId": "7f0c1d52-0000-4000-8000-000000000001",
}

func createKey(t *testing.T, client *kms.Client) (id, arn string) {
	t.Helper()
	out, err := client.CreateKey(context.Background(), &kms.CreateKeyInput{Description: aws.String("dbwarden test")})
	if err != nil {
		t.Fatalf("CreateKey: %v", err)
	}
	return *out.KeyMetadata.KeyId, *out.KeyMetadata.Arn
}

func generate(t *testing.T, p keys.KeyProvider) (plaintext, wrapped []byte) {
	t.Helper()
	pt, wk, err := p.GenerateDataKey(context.Background(), encCtx)
	if err != nil {
		t.Fatalf("GenerateDataKey: %v", err)
	}
	if got, want := len(pt), keys.DataKeySize; got != want {
		t.Fatalf("got a %d-byte data key, want %d", got, want)
	}
	return pt, wk
}

func mustDecrypt(t *testing.T, p keys.KeyProvider, wrapped, want []byte) {
	t.Helper()
	got, err := p.Decrypt(context.Background(), wrapped, encCtx)
	if err != nil {
		t.Fatalf("Decrypt: %v", err)
	}
	if !bytes.Equal(got, want) {
		t.Fatalf("got a %d-byte data key, want the %d-byte key that was wrapped: mismatch", len(got), len(want))
	}
}

func TestProvider(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	client := kms.NewFromConfig(testenv.MotoConfig(t))
	keyID, keyARN := createKey(t, client)
	p := kmskeys.New(client, keyID)
	pt, wk := generate(t, p)

	t.Run("a wrapped data key unwraps to the same key", func(t *testing.T) {
		mustDecrypt(t, p, wk, pt)
	})
	t.Run("two data keys differ", func(t *testing.T) {
		pt2, _ := generate(t, p)
		if bytes.Equal(pt, pt2) {
			t.Fatal("got equal data keys, want different")
		}
	})
	t.Run("a provider named by key ARN unwraps the same blob", func(t *testing.T) {
		mustDecrypt(t, kmskeys.New(client, keyARN), wk, pt)
	})

	// moto binds the encryption context as AES-GCM associated data, like
	// KMS, and answers InvalidCiphertextException for a wrong one.
	for _, c := range []map[string]string{
		nil,
		{"SecretARN": encCtx["SecretARN"]},
		{"SecretARN": encCtx["SecretARN"], "SecretVersionId": "other"},
	} {
		t.Run("a wrong encryption context fails to decrypt", func(t *testing.T) {
			got, err := p.Decrypt(ctx, wk, c)
			if !errors.Is(err, keys.ErrDecrypt) || got != nil {
				t.Fatalf("got %d bytes and error %v, want no bytes and ErrDecrypt", len(got), err)
			}
		})
	}
	t.Run("a tampered blob fails to decrypt", func(t *testing.T) {
		tampered := bytes.Clone(wk)
		tampered[len(tampered)-1] ^= 0x01
		got, err := p.Decrypt(ctx, tampered, encCtx)
		if !errors.Is(err, keys.ErrDecrypt) || got != nil {
			t.Fatalf("got %d bytes and error %v, want no bytes and ErrDecrypt", len(got), err)
		}
	})
	t.Run("an empty blob fails to decrypt", func(t *testing.T) {
		if _, err := p.Decrypt(ctx, nil, encCtx); !errors.Is(err, keys.ErrDecrypt) {
			t.Fatalf("got error %v, want ErrDecrypt", err)
		}
	})
	t.Run("a blob made under another key is refused", func(t *testing.T) {
		otherID, _ := createKey(t, client)
		got, err := kmskeys.New(client, otherID).Decrypt(ctx, wk, encCtx)
		// KMS answers IncorrectKeyException, which wraps ErrDecrypt; moto
		// answers AccessDeniedException, which does not. Both refuse.
		if err == nil || got != nil {
			t.Fatalf("got %d bytes and error %v, want no bytes and an error", len(got), err)
		}
	})
	t.Run("an unknown key id fails to generate a data key", func(t *testing.T) {
		_, _, err := kmskeys.New(client, "11111111-2222-3333-4444-555555555555").GenerateDataKey(ctx, encCtx)
		if err == nil {
			t.Fatal("got no error, want one")
		}
		if errors.Is(err, keys.ErrDecrypt) {
			t.Fatalf("got error %v wrapping ErrDecrypt, want a KMS error that does not", err)
		}
	})
	t.Run("Seal and Open work through KMS and bind the secret ARN and version", func(t *testing.T) {
		secret := []byte(`{"password":"not-a-real-password"}`)
		ct, wk, err := keys.Seal(ctx, p, secret, encCtx)
		if err != nil {
			t.Fatalf("Seal: %v", err)
		}
		got, err := keys.Open(ctx, p, ct, wk, encCtx)
		if err != nil {
			t.Fatalf("Open: %v", err)
		}
		if !bytes.Equal(got, secret) {
			t.Fatalf("got %d bytes, want %d bytes: plaintext mismatch", len(got), len(secret))
		}
		other := map[string]string{"SecretARN": encCtx["SecretARN"], "SecretVersionId": "v2"}
		if _, err := keys.Open(ctx, p, ct, wk, other); !errors.Is(err, keys.ErrDecrypt) {
			t.Fatalf("open under another version: got error %v, want ErrDecrypt", err)
		}
	})
}

func TestRewrap(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	client := kms.NewFromConfig(testenv.MotoConfig(t))
	keyID, keyARN := createKey(t, client)
	p := kmskeys.New(client, keyID)

	t.Run("rotate is a no-op that names the key ARN", func(t *testing.T) {
		desc, err := p.Rotate(ctx)
		if err != nil {
			t.Fatalf("Rotate: %v", err)
		}
		if !strings.Contains(desc, keyARN) {
			t.Fatalf("got %q, want it to contain %q", desc, keyARN)
		}
	})
	t.Run("rotate of a missing key fails", func(t *testing.T) {
		if _, err := kmskeys.New(client, "alias/missing").Rotate(ctx); err == nil {
			t.Fatal("got no error, want one")
		}
	})
	t.Run("every blob is reported as needing rewrap", func(t *testing.T) {
		_, wk := generate(t, p)
		if !p.NeedsRewrap(wk) {
			t.Fatal("got false, want true")
		}
	})
	t.Run("a rewrapped blob decrypts to the same key, twice over", func(t *testing.T) {
		pt, wk := generate(t, p)
		once, err := p.Rewrap(ctx, wk, encCtx)
		if err != nil {
			t.Fatalf("Rewrap: %v", err)
		}
		mustDecrypt(t, p, once, pt)
		twice, err := p.Rewrap(ctx, once, encCtx)
		if err != nil {
			t.Fatalf("second Rewrap: %v", err)
		}
		mustDecrypt(t, p, twice, pt)
	})
	t.Run("rewrap moves a blob from an old key to the configured key", func(t *testing.T) {
		oldID, _ := createKey(t, client)
		pt, wk := generate(t, kmskeys.New(client, oldID))
		moved, err := p.Rewrap(ctx, wk, encCtx)
		if err != nil {
			t.Fatalf("Rewrap: %v", err)
		}
		// p names its key id in Decrypt, so this only passes if the blob is
		// now under that key.
		mustDecrypt(t, p, moved, pt)
	})
	t.Run("rewrap keeps the encryption context binding", func(t *testing.T) {
		_, wk := generate(t, p)
		wrong := map[string]string{"SecretARN": "other"}
		if _, err := p.Rewrap(ctx, wk, wrong); !errors.Is(err, keys.ErrDecrypt) {
			t.Fatalf("rewrap under a wrong context: got error %v, want ErrDecrypt", err)
		}
		moved, err := p.Rewrap(ctx, wk, encCtx)
		if err != nil {
			t.Fatalf("Rewrap: %v", err)
		}
		if _, err := p.Decrypt(ctx, moved, wrong); !errors.Is(err, keys.ErrDecrypt) {
			t.Fatalf("decrypt of a rewrapped blob under a wrong context: got error %v, want ErrDecrypt", err)
		}
	})
}

// TestNewFromConfig sets environment variables, so it does not run in
// parallel.
func TestNewFromConfig(t *testing.T) {
	t.Run("an empty key id is refused", func(t *testing.T) {
		if _, err := kmskeys.NewFromConfig(context.Background(), ""); !errors.Is(err, kmskeys.ErrNoKeyID) {
			t.Fatalf("got error %v, want ErrNoKeyID", err)
		}
	})
	t.Run("the endpoint comes from the SDK's standard AWS_ENDPOINT_URL", func(t *testing.T) {
		cfg := testenv.MotoConfig(t)
		keyID, _ := createKey(t, kms.NewFromConfig(cfg))
		testenv.MotoEnv(t, *cfg.BaseEndpoint)
		p, err := kmskeys.NewFromConfig(context.Background(), keyID)
		if err != nil {
			t.Fatalf("NewFromConfig: %v", err)
		}
		pt, wk := generate(t, p)
		mustDecrypt(t, p, wk, pt)
	})
	t.Run("the endpoint comes from the SDK's standard AWS_ENDPOINT_URL_KMS", func(t *testing.T) {
		cfg := testenv.MotoConfig(t)
		keyID, _ := createKey(t, kms.NewFromConfig(cfg))
		testenv.MotoEnv(t, "http://127.0.0.1:1") // nothing listens there
		t.Setenv("AWS_ENDPOINT_URL_KMS", *cfg.BaseEndpoint)
		p, err := kmskeys.NewFromConfig(context.Background(), keyID)
		if err != nil {
			t.Fatalf("NewFromConfig: %v", err)
		}
		pt, wk := generate(t, p)
		mustDecrypt(t, p, wk, pt)
	})
}
