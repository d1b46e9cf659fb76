package format_test

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/dbwarden/dbwarden/internal/backup/format"
)

func TestVerifyBackup(t *testing.T) {
	ctx := context.Background()
	kp := newProvider(t)
	for _, c := range compressions {
		t.Run(c.String()+"/an intact backup verifies", func(t *testing.T) {
			b := writeBackup(t, kp, "b-ok", c)
			m, report, err := format.VerifyBackup(ctx, kp, b.dir)
			if err != nil {
				t.Fatalf("VerifyBackup: %v", err)
			}
			var stored, raw int64
			for _, o := range b.objects {
				stored += o.Size
				raw += o.RawSize
			}
			want := format.Report{Objects: 4, Verified: 4, StoredBytes: stored, RawBytes: raw}
			if report != want || m.BackupID != "b-ok" {
				t.Fatalf("got report %+v for %q, want %+v for b-ok", report, m.BackupID, want)
			}
		})
	}
}

func TestVerifyNamesEveryDamagedObject(t *testing.T) {
	ctx := context.Background()
	kp := newProvider(t)
	const big = "data/app/users/000000"
	cases := []struct {
		name   string
		damage func(t *testing.T, b *testBackup)
		object string
		want   error
		text   string
	}{
		{"a missing chunk", func(t *testing.T, b *testBackup) { remove(t, b, big) }, big, format.ErrMissing, "the manifest lists it but the backup does not hold it"},
		{"a truncated chunk", func(t *testing.T, b *testBackup) {
			b.dir.put(t, big, b.dir.get(t, big)[:40_000])
		}, big, format.ErrTruncated, ""},
		{"a chunk cut at a segment boundary", func(t *testing.T, b *testBackup) {
			b.dir.put(t, big, b.dir.get(t, big)[:headerSize+sealedSize])
		}, big, format.ErrTruncated, "not its last segment"},
		{"a flipped byte", func(t *testing.T, b *testBackup) {
			data := b.dir.get(t, big)
			data[len(data)/2] ^= 0x80
			b.dir.put(t, big, data)
		}, big, format.ErrCorrupt, "does not authenticate"},
		{"an empty chunk", func(t *testing.T, b *testBackup) { b.dir.put(t, "users/all", nil) }, "users/all", format.ErrTruncated, "shorter than the 25-byte chunk header"},
		{"a chunk replaced by another of the same backup", func(t *testing.T, b *testBackup) {
			b.dir.put(t, "data/app/users/000001", b.dir.get(t, big))
		}, "data/app/users/000001", format.ErrCorrupt, "segment 0 does not authenticate"},
		{"a byte appended", func(t *testing.T, b *testBackup) {
			b.dir.put(t, "schema/app", append(b.dir.get(t, "schema/app"), '\n'))
		}, "schema/app", format.ErrCorrupt, ""},
	}
	for _, c := range compressions {
		for _, tc := range cases {
			t.Run(c.String()+"/"+tc.name, func(t *testing.T) {
				b := writeBackup(t, kp, "b-damage", c)
				tc.damage(t, b)
				_, report, err := format.VerifyBackup(ctx, kp, b.dir)
				var ve *format.VerifyError
				if !errors.As(err, &ve) {
					t.Fatalf("got %v, want a *VerifyError", err)
				}
				if len(ve.Problems) != 1 {
					t.Fatalf("got %d problems (%v), want 1", len(ve.Problems), err)
				}
				checkRefused(t, ve.Problems[0], tc.object, tc.want, tc.text)
				if report.Verified != 3 || report.Objects != 4 {
					t.Fatalf("got report %+v, want the 3 other objects verified", report)
				}
			})
		}
	}
	t.Run("several damaged objects are all reported", func(t *testing.T) {
		b := writeBackup(t, kp, "b-many", format.DefaultCompression)
		remove(t, b, "schema/app")
		b.dir.put(t, big, b.dir.get(t, big)[:1000])
		b.dir.put(t, "users/all", append(b.dir.get(t, "users/all"), 0))
		_, report, err := format.VerifyBackup(ctx, kp, b.dir)
		for _, want := range []error{format.ErrMissing, format.ErrTruncated, format.ErrCorrupt} {
			if !errors.Is(err, want) {
				t.Errorf("got %v, want it to wrap %v", err, want)
			}
		}
		for _, name := range []string{"schema/app", big, "users/all"} {
			if err == nil || !strings.Contains(err.Error(), `"`+name+`"`) {
				t.Errorf("got %v, want it to name %q", err, name)
			}
		}
		if err == nil || !strings.Contains(err.Error(), "3 of 4 objects failed") {
			t.Errorf("got %v, want it to count the failures", err)
		}
		if report.Verified != 1 {
			t.Errorf("got %d verified, want 1", report.Verified)
		}
	})
	t.Run("a missing manifest", func(t *testing.T) {
		b := writeBackup(t, kp, "b-nomanifest", format.DefaultCompression)
		remove(t, b, format.ManifestName)
		_, _, err := format.VerifyBackup(ctx, kp, b.dir)
		checkRefused(t, err, format.ManifestName, format.ErrMissing, "not a complete backup")
	})
	t.Run("a wrong key provider", func(t *testing.T) {
		b := writeBackup(t, kp, "b-wrongkey", format.DefaultCompression)
		_, _, err := format.VerifyBackup(ctx, newProvider(t), b.dir)
		checkRefused(t, err, format.ManifestName, format.ErrWrongKey, "")
	})
	t.Run("intact chunks under another data key", func(t *testing.T) {
		// Backup A's chunks, listed with their true sizes and checksums by a
		// manifest of another backup with the same id and its own key: the
		// bytes are the ones recorded, the key is not theirs.
		a := writeBackup(t, kp, "b-same", format.DefaultCompression)
		other := newKey(t, kp, "b-same")
		m := baseManifest("b-same")
		m.Objects = a.objects
		data, err := format.EncodeManifest(m, other)
		if err != nil {
			t.Fatal(err)
		}
		a.dir.put(t, format.ManifestName, data)
		_, _, err = format.VerifyBackup(ctx, kp, a.dir)
		var ve *format.VerifyError
		if !errors.As(err, &ve) || len(ve.Problems) != 4 {
			t.Fatalf("got %v, want all 4 objects reported", err)
		}
		for _, p := range ve.Problems {
			checkRefused(t, p, p.Object, format.ErrWrongKey, "do not decrypt with this backup's data key")
		}
	})
	t.Run("Verify refuses a key of another backup", func(t *testing.T) {
		b := writeBackup(t, kp, "b-x", format.DefaultCompression)
		m, err := format.DecodeManifest(b.manifest)
		if err != nil {
			t.Fatal(err)
		}
		_, err = format.Verify(ctx, m, newKey(t, kp, "b-y"), b.dir)
		checkRefused(t, err, format.ManifestName, format.ErrWrongKey, `belongs to backup "b-y"`)
	})
	t.Run("a cancelled context stops verification", func(t *testing.T) {
		b := writeBackup(t, kp, "b-ctx", format.DefaultCompression)
		cctx, cancel := context.WithCancel(ctx)
		cancel()
		if _, _, err := format.VerifyBackup(cctx, kp, b.dir); !errors.Is(err, context.Canceled) {
			t.Fatalf("got %v, want context.Canceled", err)
		}
	})
}

func TestRestoreStreamsEveryObject(t *testing.T) {
	ctx := context.Background()
	kp := newProvider(t)
	b := writeBackup(t, kp, "b-restore", format.Compression{Algorithm: format.Gzip, Level: 6})
	m, key, err := format.OpenManifest(ctx, kp, b.dir.get(t, format.ManifestName))
	if err != nil {
		t.Fatal(err)
	}
	defer key.Destroy()
	for _, obj := range m.Objects {
		f, err := b.dir.Open(ctx, obj.Name)
		if err != nil {
			t.Fatal(err)
		}
		r, err := key.OpenObject(f, obj)
		if err != nil {
			t.Fatal(err)
		}
		var got bytes.Buffer
		if _, err := got.ReadFrom(r); err != nil {
			t.Fatalf("%s: %v", obj.Name, err)
		}
		f.Close()
		if !bytes.Equal(got.Bytes(), b.plain[obj.Name]) {
			t.Fatalf("%s: restored bytes differ from the dumped ones", obj.Name)
		}
	}
}

func remove(t *testing.T, b *testBackup, name string) {
	t.Helper()
	if err := os.Remove(filepath.Join(string(b.dir), filepath.FromSlash(name))); err != nil {
		t.Fatal(err)
	}
}
