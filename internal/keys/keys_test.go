package keys_test

import (
	"bytes"
	"context"
	"errors"
	"testing"

	"github.com/dbwarden/dbwarden/internal/keys"
	"github.com/dbwarden/dbwarden/internal/keys/filekeys"
)

func newProvider(t *testing.T) *filekeys.Provider {
	t.Helper()
	p, err := filekeys.Open(t.TempDir())
	if err != nil {
		t.Fatalf("filekeys.Open: %v", err)
	}
	return p
}

func secretCtx(arn, version string) map[string]string {
	return map[string]string{"SecretARN": arn, "SecretVersionId": version}
}

const arnA = "arn:aws:secretsmanager:us-east-1:123456789012:secret:db/a-AbCdEf"

func TestCanonicalContext(t *testing.T) {
	t.Run("the encoding does not depend on map insertion order", func(t *testing.T) {
		a := map[string]string{}
		b := map[string]string{}
		names := []string{"z", "a", "m", "SecretARN", "SecretVersionId", ""}
		for i, n := range names {
			a[n] = n + "v"
			b[names[len(names)-1-i]] = names[len(names)-1-i] + "v"
		}
		for range 20 {
			if got, want := keys.CanonicalContext(a), keys.CanonicalContext(b); !bytes.Equal(got, want) {
				t.Fatalf("got %x, want %x", got, want)
			}
		}
	})
	t.Run("moving bytes between key and value changes the encoding", func(t *testing.T) {
		a := keys.CanonicalContext(map[string]string{"ab": "c"})
		b := keys.CanonicalContext(map[string]string{"a": "bc"})
		if bytes.Equal(a, b) {
			t.Fatalf("got equal encodings %x, want different", a)
		}
	})
	t.Run("moving bytes between entries changes the encoding", func(t *testing.T) {
		a := keys.CanonicalContext(map[string]string{"a": "b", "c": "d"})
		b := keys.CanonicalContext(map[string]string{"a": "b\x00\x00\x00\x01c\x00\x00\x00\x01d"})
		if bytes.Equal(a, b) {
			t.Fatalf("got equal encodings %x, want different", a)
		}
	})
	t.Run("a nil map and an empty map encode the same", func(t *testing.T) {
		got, want := keys.CanonicalContext(nil), keys.CanonicalContext(map[string]string{})
		if !bytes.Equal(got, want) {
			t.Fatalf("got %x, want %x", got, want)
		}
	})
	t.Run("an empty value differs from a missing entry", func(t *testing.T) {
		a := keys.CanonicalContext(map[string]string{"k": ""})
		b := keys.CanonicalContext(nil)
		if bytes.Equal(a, b) {
			t.Fatalf("got equal encodings %x, want different", a)
		}
	})
}

func TestSealOpen(t *testing.T) {
	ctx := context.Background()
	p := newProvider(t)
	secret := []byte(`{"username":"app","password":"not-a-real-password"}`)
	encCtx := secretCtx(arnA, "v1")

	ct, wk, err := keys.Seal(ctx, p, secret, encCtx)
	if err != nil {
		t.Fatalf("Seal: %v", err)
	}

	t.Run("a sealed value opens with the same context", func(t *testing.T) {
		got, err := keys.Open(ctx, p, ct, wk, encCtx)
		if err != nil {
			t.Fatalf("Open: %v", err)
		}
		if !bytes.Equal(got, secret) {
			t.Fatalf("got %d bytes, want %d bytes: plaintext mismatch", len(got), len(secret))
		}
	})
	t.Run("the ciphertext does not contain the plaintext", func(t *testing.T) {
		if bytes.Contains(ct, secret[10:30]) {
			t.Fatal("got ciphertext containing part of the plaintext, want none")
		}
	})
	t.Run("an empty value round trips", func(t *testing.T) {
		ct, wk, err := keys.Seal(ctx, p, nil, encCtx)
		if err != nil {
			t.Fatalf("Seal: %v", err)
		}
		got, err := keys.Open(ctx, p, ct, wk, encCtx)
		if err != nil {
			t.Fatalf("Open: %v", err)
		}
		if len(got) != 0 {
			t.Fatalf("got %d bytes, want 0", len(got))
		}
	})
	t.Run("sealing the same value twice gives different ciphertexts and keys", func(t *testing.T) {
		ct2, wk2, err := keys.Seal(ctx, p, secret, encCtx)
		if err != nil {
			t.Fatalf("Seal: %v", err)
		}
		if bytes.Equal(ct, ct2) {
			t.Fatal("got equal ciphertexts, want different")
		}
		if bytes.Equal(wk, wk2) {
			t.Fatal("got equal wrapped keys, want different")
		}
	})

	refused := []struct {
		name   string
		ct, wk []byte
		encCtx map[string]string
	}{
		{"a ciphertext copied to another row fails to decrypt", ct, wk, secretCtx(arnA+"x", "v1")},
		{"a ciphertext copied to another version fails to decrypt", ct, wk, secretCtx(arnA, "v2")},
		{"a ciphertext opened with no context fails to decrypt", ct, wk, nil},
		{"a ciphertext opened with an extra context entry fails to decrypt", ct, wk,
			map[string]string{"SecretARN": arnA, "SecretVersionId": "v1", "x": ""}},
		{"a truncated ciphertext fails to decrypt", ct[:len(ct)-1], wk, encCtx},
		{"a ciphertext shorter than a nonce fails to decrypt", ct[:5], wk, encCtx},
		{"an empty ciphertext fails to decrypt", nil, wk, encCtx},
		{"a wrapped key from another value fails to decrypt", ct, otherWrappedKey(t, p, encCtx), encCtx},
	}
	for i := range ct {
		tampered := bytes.Clone(ct)
		tampered[i] ^= 0x01
		refused = append(refused, struct {
			name   string
			ct, wk []byte
			encCtx map[string]string
		}{"a ciphertext with a flipped bit fails to decrypt", tampered, wk, encCtx})
	}
	for _, tc := range refused {
		t.Run(tc.name, func(t *testing.T) {
			got, err := keys.Open(ctx, p, tc.ct, tc.wk, tc.encCtx)
			if !errors.Is(err, keys.ErrDecrypt) {
				t.Fatalf("got error %v, want ErrDecrypt", err)
			}
			if got != nil {
				t.Fatalf("got %d bytes of plaintext, want none", len(got))
			}
		})
	}
}

func otherWrappedKey(t *testing.T, p keys.KeyProvider, encCtx map[string]string) []byte {
	t.Helper()
	_, wk, err := keys.Seal(context.Background(), p, []byte("other"), encCtx)
	if err != nil {
		t.Fatalf("Seal: %v", err)
	}
	return wk
}

// keepingProvider hands out data keys from a real provider and keeps the
// slices it returned, to see what Seal and Open leave in them.
type keepingProvider struct {
	keys.KeyProvider
	handed [][]byte
}

func (k *keepingProvider) GenerateDataKey(ctx context.Context, encCtx map[string]string) ([]byte, []byte, error) {
	pt, wk, err := k.KeyProvider.GenerateDataKey(ctx, encCtx)
	k.handed = append(k.handed, pt)
	return pt, wk, err
}

func (k *keepingProvider) Decrypt(ctx context.Context, wrapped []byte, encCtx map[string]string) ([]byte, error) {
	pt, err := k.KeyProvider.Decrypt(ctx, wrapped, encCtx)
	k.handed = append(k.handed, pt)
	return pt, err
}

func TestDataKeyIsZeroedAfterUse(t *testing.T) {
	ctx := context.Background()
	kp := &keepingProvider{KeyProvider: newProvider(t)}
	encCtx := secretCtx(arnA, "v1")
	ct, wk, err := keys.Seal(ctx, kp, []byte("value"), encCtx)
	if err != nil {
		t.Fatalf("Seal: %v", err)
	}
	if _, err := keys.Open(ctx, kp, ct, wk, encCtx); err != nil {
		t.Fatalf("Open: %v", err)
	}
	if got, want := len(kp.handed), 2; got != want {
		t.Fatalf("got %d data keys handed out, want %d", got, want)
	}
	for i, dk := range kp.handed {
		if got, want := len(dk), keys.DataKeySize; got != want {
			t.Fatalf("data key %d: got %d bytes, want %d", i, got, want)
		}
		if !bytes.Equal(dk, make([]byte, keys.DataKeySize)) {
			t.Errorf("data key %d: got non-zero bytes after use, want all zero", i)
		}
	}
}
