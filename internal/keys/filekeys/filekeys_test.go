package filekeys_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/dbwarden/dbwarden/internal/keys"
	"github.com/dbwarden/dbwarden/internal/keys/filekeys"
)

var encCtx = map[string]string{
	"SecretARN":       "arn:aws:secretsmanager:us-east-1:123456789012:secret:db/a-AbCdEf",
	"SecretVersionId": "7f0c1d52-0000-4000-8000-000000000001",
}

func open(t *testing.T, dir string) *filekeys.Provider {
	t.Helper()
	p, err := filekeys.Open(dir)
	if err != nil {
		t.Fatalf("Open(%s): %v", dir, err)
	}
	return p
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

func keyFile(dir string, version int) string {
	return filepath.Join(dir, fmt.Sprintf("kek-%06d.key", version))
}

func TestOpen(t *testing.T) {
	t.Run("a new keyring gets a 0700 directory and one 0600 key file of 32 bytes", func(t *testing.T) {
		dir := filepath.Join(t.TempDir(), "keys")
		p := open(t, dir)
		di, err := os.Stat(dir)
		if err != nil {
			t.Fatal(err)
		}
		if got, want := di.Mode().Perm(), os.FileMode(0o700); got != want {
			t.Errorf("directory mode: got %04o, want %04o", got, want)
		}
		fi, err := os.Stat(keyFile(dir, 1))
		if err != nil {
			t.Fatal(err)
		}
		if got, want := fi.Mode().Perm(), os.FileMode(0o600); got != want {
			t.Errorf("key file mode: got %04o, want %04o", got, want)
		}
		if got, want := fi.Size(), int64(32); got != want {
			t.Errorf("key file size: got %d, want %d", got, want)
		}
		entries, err := os.ReadDir(dir)
		if err != nil {
			t.Fatal(err)
		}
		if got, want := len(entries), 1; got != want {
			t.Errorf("files in keyring: got %d, want %d (no temporary file left)", got, want)
		}
		if got, want := p.Current(), uint32(1); got != want {
			t.Errorf("current version: got %d, want %d", got, want)
		}
	})

	t.Run("two new keyrings get different keys", func(t *testing.T) {
		a, b := t.TempDir(), t.TempDir()
		open(t, a)
		open(t, b)
		ka, err := os.ReadFile(keyFile(a, 1))
		if err != nil {
			t.Fatal(err)
		}
		kb, err := os.ReadFile(keyFile(b, 1))
		if err != nil {
			t.Fatal(err)
		}
		if bytes.Equal(ka, kb) {
			t.Fatal("got equal keys in two keyrings, want different")
		}
	})

	t.Run("reopening a keyring keeps its key", func(t *testing.T) {
		dir := t.TempDir()
		pt, wk := generate(t, open(t, dir))
		mustDecrypt(t, open(t, dir), wk, pt)
	})

	for _, mode := range []os.FileMode{0o644, 0o640, 0o604, 0o602, 0o620} {
		t.Run("a key file with mode "+mode.String()+" is refused with the fix in the error", func(t *testing.T) {
			dir := t.TempDir()
			open(t, dir)
			path := keyFile(dir, 1)
			if err := os.Chmod(path, mode); err != nil {
				t.Fatal(err)
			}
			_, err := filekeys.Open(dir)
			if !errors.Is(err, filekeys.ErrInsecureKeyFile) {
				t.Fatalf("got error %v, want ErrInsecureKeyFile", err)
			}
			if want := "chmod 600 " + path; !strings.Contains(err.Error(), want) {
				t.Fatalf("got error %q, want it to contain %q", err, want)
			}
		})
	}

	t.Run("an insecure old key file is refused too", func(t *testing.T) {
		dir := t.TempDir()
		p := open(t, dir)
		if _, err := p.Rotate(context.Background()); err != nil {
			t.Fatalf("Rotate: %v", err)
		}
		if err := os.Chmod(keyFile(dir, 1), 0o644); err != nil {
			t.Fatal(err)
		}
		_, err := filekeys.Open(dir)
		if !errors.Is(err, filekeys.ErrInsecureKeyFile) || !strings.Contains(err.Error(), keyFile(dir, 1)) {
			t.Fatalf("got error %v, want ErrInsecureKeyFile naming %s", err, keyFile(dir, 1))
		}
	})

	for _, size := range []int{0, 16, 31, 33, 64} {
		t.Run("a key file that is not 32 bytes is refused", func(t *testing.T) {
			dir := t.TempDir()
			if err := os.WriteFile(keyFile(dir, 1), make([]byte, size), 0o600); err != nil {
				t.Fatal(err)
			}
			_, err := filekeys.Open(dir)
			if !errors.Is(err, filekeys.ErrInsecureKeyFile) || !strings.Contains(err.Error(), keyFile(dir, 1)) {
				t.Fatalf("size %d: got error %v, want ErrInsecureKeyFile naming the file", size, err)
			}
		})
	}

	t.Run("files that are not key files are ignored", func(t *testing.T) {
		dir := t.TempDir()
		for _, name := range []string{"README", "kek-1.key", "kek-000001.key.bak", ".kek-123.tmp"} {
			if err := os.WriteFile(filepath.Join(dir, name), []byte("x"), 0o644); err != nil {
				t.Fatal(err)
			}
		}
		p := open(t, dir)
		if got, want := p.Current(), uint32(1); got != want {
			t.Fatalf("current version: got %d, want %d", got, want)
		}
	})
}

func TestWrap(t *testing.T) {
	ctx := context.Background()
	p := open(t, t.TempDir())
	pt, wk := generate(t, p)

	t.Run("a wrapped data key unwraps to the same key", func(t *testing.T) {
		mustDecrypt(t, p, wk, pt)
	})
	t.Run("the wrapped key does not contain the data key", func(t *testing.T) {
		if bytes.Contains(wk, pt[:8]) {
			t.Fatal("got wrapped key containing part of the data key, want none")
		}
	})

	wrongCtx := []map[string]string{
		nil,
		{"SecretARN": encCtx["SecretARN"]},
		{"SecretARN": encCtx["SecretARN"], "SecretVersionId": "other"},
		{"SecretARN": encCtx["SecretARN"] + "2", "SecretVersionId": encCtx["SecretVersionId"]},
	}
	for _, c := range wrongCtx {
		t.Run("a wrong encryption context fails to decrypt", func(t *testing.T) {
			got, err := p.Decrypt(ctx, wk, c)
			if !errors.Is(err, keys.ErrDecrypt) || got != nil {
				t.Fatalf("got %d bytes and error %v, want no bytes and ErrDecrypt", len(got), err)
			}
		})
	}

	for i := range wk {
		tampered := bytes.Clone(wk)
		tampered[i] ^= 0x80
		t.Run("a tampered blob fails to decrypt", func(t *testing.T) {
			got, err := p.Decrypt(ctx, tampered, encCtx)
			if !errors.Is(err, keys.ErrDecrypt) || got != nil {
				t.Fatalf("byte %d: got %d bytes and error %v, want no bytes and ErrDecrypt", i, len(got), err)
			}
		})
	}
	for _, blob := range [][]byte{nil, wk[:10], wk[:len(wk)-1], append(bytes.Clone(wk), 0)} {
		t.Run("a blob of the wrong length fails to decrypt", func(t *testing.T) {
			if _, err := p.Decrypt(ctx, blob, encCtx); !errors.Is(err, keys.ErrDecrypt) {
				t.Fatalf("length %d: got error %v, want ErrDecrypt", len(blob), err)
			}
		})
	}
	t.Run("a blob from another keyring fails to decrypt", func(t *testing.T) {
		_, other := generate(t, open(t, t.TempDir()))
		if _, err := p.Decrypt(ctx, other, encCtx); !errors.Is(err, keys.ErrDecrypt) {
			t.Fatalf("got error %v, want ErrDecrypt", err)
		}
	})
	t.Run("a blob naming a version that does not exist fails to decrypt", func(t *testing.T) {
		blob := bytes.Clone(wk)
		blob[7] = 9 // version 9; the keyring has only version 1
		if _, err := p.Decrypt(ctx, blob, encCtx); !errors.Is(err, keys.ErrDecrypt) {
			t.Fatalf("got error %v, want ErrDecrypt", err)
		}
	})
	t.Run("Seal and Open work through the provider", func(t *testing.T) {
		ct, wk, err := keys.Seal(ctx, p, []byte("s3cr3t"), encCtx)
		if err != nil {
			t.Fatalf("Seal: %v", err)
		}
		got, err := keys.Open(ctx, p, ct, wk, encCtx)
		if err != nil {
			t.Fatalf("Open: %v", err)
		}
		if !bytes.Equal(got, []byte("s3cr3t")) {
			t.Fatal("got a different plaintext, want the sealed one: mismatch")
		}
	})
}

func TestRotate(t *testing.T) {
	ctx := context.Background()

	t.Run("rotate then rewrap then decrypt", func(t *testing.T) {
		dir := t.TempDir()
		p := open(t, dir)
		pt, old := generate(t, p)
		if p.NeedsRewrap(old) {
			t.Fatal("before rotate: got NeedsRewrap true, want false")
		}

		desc, err := p.Rotate(ctx)
		if err != nil {
			t.Fatalf("Rotate: %v", err)
		}
		if want := "kek-000002.key"; !strings.Contains(desc, want) {
			t.Errorf("Rotate description: got %q, want it to mention %q", desc, want)
		}
		if got, want := p.Current(), uint32(2); got != want {
			t.Errorf("current version: got %d, want %d", got, want)
		}
		fi, err := os.Stat(keyFile(dir, 2))
		if err != nil {
			t.Fatal(err)
		}
		if got, want := fi.Mode().Perm(), os.FileMode(0o600); got != want {
			t.Errorf("new key file mode: got %04o, want %04o", got, want)
		}
		if !p.NeedsRewrap(old) {
			t.Fatal("after rotate: got NeedsRewrap false for an old blob, want true")
		}

		rewrapped, err := p.Rewrap(ctx, old, encCtx)
		if err != nil {
			t.Fatalf("Rewrap: %v", err)
		}
		if p.NeedsRewrap(rewrapped) {
			t.Fatal("got NeedsRewrap true for a rewrapped blob, want false")
		}
		mustDecrypt(t, p, rewrapped, pt)

		again, err := p.Rewrap(ctx, rewrapped, encCtx)
		if err != nil {
			t.Fatalf("second Rewrap: %v", err)
		}
		if p.NeedsRewrap(again) {
			t.Fatal("got NeedsRewrap true after a second rewrap, want false")
		}
		mustDecrypt(t, p, again, pt)
	})

	t.Run("old-version blobs still decrypt after rotate", func(t *testing.T) {
		p := open(t, t.TempDir())
		pt1, wk1 := generate(t, p)
		if _, err := p.Rotate(ctx); err != nil {
			t.Fatalf("Rotate: %v", err)
		}
		pt2, wk2 := generate(t, p)
		if _, err := p.Rotate(ctx); err != nil {
			t.Fatalf("Rotate: %v", err)
		}
		mustDecrypt(t, p, wk1, pt1)
		mustDecrypt(t, p, wk2, pt2)
	})

	t.Run("rewrap keeps the encryption context binding", func(t *testing.T) {
		p := open(t, t.TempDir())
		_, wk := generate(t, p)
		if _, err := p.Rotate(ctx); err != nil {
			t.Fatalf("Rotate: %v", err)
		}
		if _, err := p.Rewrap(ctx, wk, map[string]string{"SecretARN": "other"}); !errors.Is(err, keys.ErrDecrypt) {
			t.Fatalf("rewrap with a wrong context: got error %v, want ErrDecrypt", err)
		}
		rewrapped, err := p.Rewrap(ctx, wk, encCtx)
		if err != nil {
			t.Fatalf("Rewrap: %v", err)
		}
		if _, err := p.Decrypt(ctx, rewrapped, map[string]string{"SecretARN": "other"}); !errors.Is(err, keys.ErrDecrypt) {
			t.Fatalf("decrypt of a rewrapped blob with a wrong context: got error %v, want ErrDecrypt", err)
		}
	})

	t.Run("a malformed blob needs rewrap and rewrap reports it", func(t *testing.T) {
		p := open(t, t.TempDir())
		if !p.NeedsRewrap([]byte("junk")) {
			t.Fatal("got NeedsRewrap false for junk, want true")
		}
		if _, err := p.Rewrap(ctx, []byte("junk"), encCtx); !errors.Is(err, keys.ErrDecrypt) {
			t.Fatalf("got error %v, want ErrDecrypt", err)
		}
	})

	t.Run("a second provider on the same directory decrypts blobs wrapped after the first rotated", func(t *testing.T) {
		dir := t.TempDir()
		first := open(t, dir)
		second := open(t, dir)
		if _, err := first.Rotate(ctx); err != nil {
			t.Fatalf("Rotate: %v", err)
		}
		pt, wk := generate(t, first)
		mustDecrypt(t, second, wk, pt)
		if got, want := second.Current(), uint32(2); got != want {
			t.Errorf("second provider current version after reload: got %d, want %d", got, want)
		}
	})

	t.Run("rotating from a stale provider creates the next version, not a duplicate", func(t *testing.T) {
		dir := t.TempDir()
		first := open(t, dir)
		second := open(t, dir)
		if _, err := first.Rotate(ctx); err != nil {
			t.Fatalf("first Rotate: %v", err)
		}
		pt, wk := generate(t, first)
		if _, err := second.Rotate(ctx); err != nil {
			t.Fatalf("second Rotate: %v", err)
		}
		if got, want := second.Current(), uint32(3); got != want {
			t.Errorf("current version: got %d, want %d", got, want)
		}
		mustDecrypt(t, second, wk, pt)
	})
}

func TestConcurrentUse(t *testing.T) {
	t.Run("wrapping, unwrapping and rotating at once from two providers all succeed", func(t *testing.T) {
		ctx := context.Background()
		dir := t.TempDir()
		providers := []*filekeys.Provider{open(t, dir), open(t, dir)}
		var wg sync.WaitGroup
		errs := make(chan error, 64)
		for i := range 8 {
			p := providers[i%2]
			wg.Go(func() {
				for range 20 {
					pt, wk, err := p.GenerateDataKey(ctx, encCtx)
					if err != nil {
						errs <- err
						return
					}
					got, err := providers[(i+1)%2].Decrypt(ctx, wk, encCtx)
					if err != nil {
						errs <- err
						return
					}
					if !bytes.Equal(got, pt) {
						errs <- errors.New("data key mismatch")
						return
					}
				}
			})
		}
		for i := range 2 {
			wg.Go(func() {
				for range 3 {
					if _, err := providers[i].Rotate(ctx); err != nil {
						errs <- err
						return
					}
				}
			})
		}
		wg.Wait()
		close(errs)
		for err := range errs {
			t.Error(err)
		}
		final := open(t, dir)
		if got, want := final.Current(), uint32(7); got != want {
			t.Errorf("versions after 6 rotations: got %d, want %d", got, want)
		}
	})
}
