package fileblob_test

import (
	"bytes"
	"context"
	"errors"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/dbwarden/dbwarden/internal/blob"
	"github.com/dbwarden/dbwarden/internal/blob/blobtest"
	"github.com/dbwarden/dbwarden/internal/blob/fileblob"
)

func TestConformance(t *testing.T) {
	t.Parallel()
	blobtest.Run(t, func(t *testing.T) blob.Bucket {
		dir := filepath.Join(t.TempDir(), "bucket")
		b, err := fileblob.Open(dir)
		if err != nil {
			t.Fatalf("Open: %v", err)
		}
		t.Cleanup(func() { checkNoTempFiles(t, dir) })
		return b
	})
}

// checkNoTempFiles fails the test if any temporary file is left in dir.
func checkNoTempFiles(t *testing.T, dir string) {
	t.Helper()
	filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			t.Errorf("walk %s: %v", p, err)
			return nil
		}
		if strings.HasPrefix(d.Name(), fileblob.TempPrefix) {
			t.Errorf("temporary file left behind: %s", p)
		}
		return nil
	})
}

// tree lists every file and directory under dir, relative to it, with "/"
// after directories.
func tree(t *testing.T, dir string) []string {
	t.Helper()
	var got []string
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil || p == dir {
			return err
		}
		rel, _ := filepath.Rel(dir, p)
		if d.IsDir() {
			rel += "/"
		}
		got = append(got, filepath.ToSlash(rel))
		return nil
	})
	if err != nil {
		t.Fatalf("walk %s: %v", dir, err)
	}
	return got
}

func open(t *testing.T) (*fileblob.Bucket, string) {
	t.Helper()
	dir := filepath.Join(t.TempDir(), "bucket")
	b, err := fileblob.Open(dir)
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	t.Cleanup(func() { b.Close() })
	return b, dir
}

func TestFailingReaderLeavesNothing(t *testing.T) {
	b, dir := open(t)
	broken := errors.New("broken pipe from the dumper")
	r := io.MultiReader(bytes.NewReader(make([]byte, 3<<20)), iotestErr{broken})
	_, err := b.Put(context.Background(), "backups/b1/chunk-0001", r)
	if !errors.Is(err, broken) {
		t.Fatalf("Put: got %v, want the reader's error", err)
	}
	// Not only no object: no temporary file and no directory made for it.
	if got := tree(t, dir); len(got) != 0 {
		t.Errorf("directory after the failed Put holds %q, want nothing", got)
	}
}

type iotestErr struct{ err error }

func (e iotestErr) Read([]byte) (int, error) { return 0, e.err }

func TestPermissions(t *testing.T) {
	b, dir := open(t)
	if _, err := b.Put(context.Background(), "a/b/c", strings.NewReader("x")); err != nil {
		t.Fatal(err)
	}
	for rel, want := range map[string]fs.FileMode{".": 0o700, "a": 0o700, "a/b": 0o700, "a/b/c": 0o600} {
		fi, err := os.Stat(filepath.Join(dir, rel))
		if err != nil {
			t.Fatal(err)
		}
		if got := fi.Mode().Perm(); got != want {
			t.Errorf("%s: mode %v, want %v", rel, got, want)
		}
	}
}

func TestDeleteRemovesEmptyDirectories(t *testing.T) {
	b, dir := open(t)
	ctx := context.Background()
	for _, k := range []string{"backups/b1/c1", "backups/b1/c2", "backups/b2/c1"} {
		if _, err := b.Put(ctx, k, strings.NewReader(k)); err != nil {
			t.Fatal(err)
		}
	}
	if err := b.Delete(ctx, "backups/b1/c1", "backups/b1/c2"); err != nil {
		t.Fatal(err)
	}
	if got, want := tree(t, dir), []string{"backups/", "backups/b2/", "backups/b2/c1"}; !slices.Equal(got, want) {
		t.Errorf("after deleting b1: %q, want %q", got, want)
	}
	if err := b.Delete(ctx, "backups/b2/c1"); err != nil {
		t.Fatal(err)
	}
	if got := tree(t, dir); len(got) != 0 {
		t.Errorf("after deleting everything: %q, want nothing", got)
	}
	if fi, err := os.Stat(dir); err != nil || !fi.IsDir() {
		t.Errorf("the root itself must stay: %v", err)
	}
}

func TestSymlinksCannotLeaveTheRoot(t *testing.T) {
	b, dir := open(t)
	outside := t.TempDir()
	if err := os.WriteFile(filepath.Join(outside, "secret"), []byte("outside data"), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(outside, filepath.Join(dir, "link")); err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	if _, err := b.Put(ctx, "link/new", strings.NewReader("x")); err == nil {
		t.Error("Put through a symbolic link out of the root succeeded")
	}
	if _, err := b.Get(ctx, "link/secret"); err == nil {
		t.Error("Get through a symbolic link out of the root succeeded")
	}
	if got := tree(t, outside); !slices.Equal(got, []string{"secret"}) {
		t.Errorf("outside directory holds %q, want only its own file", got)
	}
	var listed []string
	for e, err := range b.List(ctx, "", "") {
		if err != nil {
			t.Fatal(err)
		}
		listed = append(listed, e.Key)
	}
	if len(listed) != 0 {
		t.Errorf("List shows %q; a symbolic link is not an object", listed)
	}
}

func TestObjectAndDirectoryConflict(t *testing.T) {
	b, _ := open(t)
	ctx := context.Background()
	if _, err := b.Put(ctx, "a", strings.NewReader("x")); err != nil {
		t.Fatal(err)
	}
	_, err := b.Put(ctx, "a/b", strings.NewReader("y"))
	if err == nil || !strings.Contains(err.Error(), `"a" is an object`) {
		t.Errorf("Put a/b with object a: got %v, want an error naming the object a", err)
	}
	if _, err := b.Put(ctx, "d/e", strings.NewReader("x")); err != nil {
		t.Fatal(err)
	}
	_, err = b.Put(ctx, "d", strings.NewReader("y"))
	if err == nil || !strings.Contains(err.Error(), `"d" is a directory`) {
		t.Errorf("Put d with object d/e: got %v, want an error naming the directory d", err)
	}
}

func TestTemporaryNamesAreReserved(t *testing.T) {
	b, dir := open(t)
	ctx := context.Background()
	_, err := b.Put(ctx, "x/"+fileblob.TempPrefix+"1", strings.NewReader("x"))
	if !errors.Is(err, blob.ErrInvalidKey) || !strings.Contains(err.Error(), "reserved") {
		t.Errorf("Put of a temporary name: got %v, want ErrInvalidKey saying it is reserved", err)
	}
	// A temporary file a crash left behind is not an object.
	if err := os.MkdirAll(filepath.Join(dir, "x"), 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "x", fileblob.TempPrefix+"abc"), []byte("partial"), 0o600); err != nil {
		t.Fatal(err)
	}
	for _, delim := range []string{"", "/"} {
		for e, err := range b.List(ctx, "", delim) {
			t.Errorf("List(\"\", %q) = %+v, %v; want nothing", delim, e, err)
		}
	}
}

func TestReadsStopWhenTheContextIsCancelled(t *testing.T) {
	b, _ := open(t)
	if _, err := b.Put(context.Background(), "k", bytes.NewReader(make([]byte, 1<<20))); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	rc, err := b.Get(ctx, "k")
	if err != nil {
		t.Fatal(err)
	}
	defer rc.Close()
	if _, err := rc.Read(make([]byte, 10)); err != nil {
		t.Fatal(err)
	}
	cancel()
	if _, err := io.ReadAll(rc); !errors.Is(err, context.Canceled) {
		t.Errorf("read after cancel: got %v, want context.Canceled", err)
	}
}

func TestOpen(t *testing.T) {
	if _, err := fileblob.Open(""); err == nil || !strings.Contains(err.Error(), "directory is empty") {
		t.Errorf("Open(\"\"): got %v, want an error about the empty directory", err)
	}
	file := filepath.Join(t.TempDir(), "file")
	if err := os.WriteFile(file, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := fileblob.Open(file); err == nil {
		t.Error("Open of a regular file succeeded")
	}
	dir := filepath.Join(t.TempDir(), "new", "bucket")
	b, err := fileblob.Open(dir)
	if err != nil {
		t.Fatalf("Open of a missing directory: %v", err)
	}
	defer b.Close()
	if fi, err := os.Stat(dir); err != nil || fi.Mode().Perm() != 0o700 {
		t.Errorf("Open created %s with %v, %v; want mode 0700", dir, fi.Mode().Perm(), err)
	}
}

// BenchmarkPut measures streaming a 64 MiB object into the directory,
// fsyncs included.
func BenchmarkPut(b *testing.B) {
	bkt, err := fileblob.Open(b.TempDir())
	if err != nil {
		b.Fatal(err)
	}
	defer bkt.Close()
	p := make([]byte, 64<<20)
	b.SetBytes(int64(len(p)))
	for b.Loop() {
		if _, err := bkt.Put(context.Background(), "bench/chunk", onlyReader{bytes.NewReader(p)}); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkGet measures reading a 64 MiB object back.
func BenchmarkGet(b *testing.B) {
	bkt, err := fileblob.Open(b.TempDir())
	if err != nil {
		b.Fatal(err)
	}
	defer bkt.Close()
	p := make([]byte, 64<<20)
	if _, err := bkt.Put(context.Background(), "bench/chunk", bytes.NewReader(p)); err != nil {
		b.Fatal(err)
	}
	b.SetBytes(int64(len(p)))
	for b.Loop() {
		rc, err := bkt.Get(context.Background(), "bench/chunk")
		if err != nil {
			b.Fatal(err)
		}
		if _, err := io.Copy(io.Discard, rc); err != nil {
			b.Fatal(err)
		}
		rc.Close()
	}
}

// onlyReader hides every interface but io.Reader.
type onlyReader struct{ r io.Reader }

func (o onlyReader) Read(p []byte) (int, error) { return o.r.Read(p) }
