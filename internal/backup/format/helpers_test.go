package format_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/dbwarden/dbwarden/internal/backup/format"
	"github.com/dbwarden/dbwarden/internal/keys"
	"github.com/dbwarden/dbwarden/internal/keys/filekeys"
)

var compressions = []format.Compression{
	{Algorithm: format.Zstd, Level: format.ZstdFastest},
	{Algorithm: format.Gzip, Level: 1},
	{Algorithm: format.None},
}

func newProvider(t testing.TB) *filekeys.Provider {
	t.Helper()
	p, err := filekeys.Open(t.TempDir())
	if err != nil {
		t.Fatalf("filekeys.Open: %v", err)
	}
	return p
}

func newKey(t testing.TB, kp keys.KeyProvider, backupID string) *format.DataKey {
	t.Helper()
	k, err := format.NewDataKey(context.Background(), kp, backupID)
	if err != nil {
		t.Fatalf("NewDataKey: %v", err)
	}
	t.Cleanup(k.Destroy)
	return k
}

// writeChunk writes data as the chunk name and returns the stored bytes.
func writeChunk(t testing.TB, k *format.DataKey, name string, c format.Compression, data []byte) ([]byte, format.Stored) {
	t.Helper()
	var out bytes.Buffer
	w, err := k.NewChunkWriter(&out, name, c)
	if err != nil {
		t.Fatalf("NewChunkWriter: %v", err)
	}
	if _, err := w.Write(data); err != nil {
		t.Fatalf("Write: %v", err)
	}
	if err := w.Close(); err != nil {
		t.Fatalf("Close: %v", err)
	}
	return out.Bytes(), w.Stored()
}

// readChunk reads a stored chunk to its end and returns what it got before
// the first error.
func readChunk(k *format.DataKey, stored []byte, obj format.Object) ([]byte, error) {
	r, err := k.OpenObject(bytes.NewReader(stored), obj)
	if err != nil {
		return nil, err
	}
	defer r.Close()
	return io.ReadAll(r)
}

func objectFor(name string, st format.Stored) format.Object {
	return format.Object{Name: name, Kind: format.KindData, Database: "app", Table: "t", Size: st.Size, SHA256: st.SHA256, RawSize: st.RawSize}
}

// rows returns n bytes of text shaped like dumped rows: compressible, never
// trivially.
func rows(seed uint64, n int) []byte {
	rng := rand.New(rand.NewPCG(seed, 1))
	var b bytes.Buffer
	for i := 0; b.Len() < n; i++ {
		fmt.Fprintf(&b, "(%d,%d,'%016x-%08d','user%d@example.com'),\n", i, rng.IntN(1_000_000), rng.Uint64(), rng.IntN(1e8), rng.IntN(5000))
	}
	return b.Bytes()[:n]
}

func random(seed uint64, n int) []byte {
	rng := rand.NewChaCha8([32]byte{byte(seed)})
	b := make([]byte, n)
	rng.Read(b)
	return b
}

func sha(b []byte) string {
	s := sha256.Sum256(b)
	return hex.EncodeToString(s[:])
}

// dirObjects serves a backup's objects from a local directory.
type dirObjects string

func (d dirObjects) Open(_ context.Context, name string) (io.ReadCloser, error) {
	return os.Open(filepath.Join(string(d), filepath.FromSlash(name)))
}

func (d dirObjects) put(t testing.TB, name string, data []byte) {
	t.Helper()
	p := filepath.Join(string(d), filepath.FromSlash(name))
	if err := os.MkdirAll(filepath.Dir(p), 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(p, data, 0o600); err != nil {
		t.Fatal(err)
	}
}

func (d dirObjects) get(t testing.TB, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(string(d), filepath.FromSlash(name)))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

var t0 = time.Date(2026, 3, 1, 2, 0, 0, 123456000, time.UTC)

// baseManifest returns a valid manifest for backup id with no objects.
func baseManifest(id string) *format.Manifest {
	return &format.Manifest{
		BackupID:        id,
		DBWardenVersion: "0.4.0",
		Started:         t0,
		Finished:        t0.Add(95 * time.Second),
		Source:          format.Source{Flavor: "mariadb", Version: "10.11.6-MariaDB-0+deb12u1", Address: "127.0.0.1:3306"},
		Consistency:     format.Consistency{Method: "single-transaction", BinlogFile: "mysql-bin.000042", BinlogPosition: 1337, GTIDSet: "0-1-100"},
		Compression:     format.DefaultCompression,
		Key:             format.KeyInfo{Provider: "file"},
	}
}

// testBackup is a small backup written to a directory.
type testBackup struct {
	dir      dirObjects
	key      *format.DataKey
	manifest []byte
	plain    map[string][]byte
	objects  []format.Object
}

// writeBackup writes a backup of a schema chunk, two data chunks (one of
// several segments) and a users chunk, then its manifest, as a dump would.
func writeBackup(t testing.TB, kp keys.KeyProvider, id string, c format.Compression) *testBackup {
	t.Helper()
	b := &testBackup{dir: dirObjects(t.TempDir()), key: newKey(t, kp, id), plain: map[string][]byte{}}
	m := baseManifest(id)
	m.Compression = c
	add := func(o format.Object, data []byte) {
		stored, st := writeChunk(t, b.key, o.Name, c, data)
		b.dir.put(t, o.Name, stored)
		o.Size, o.SHA256, o.RawSize = st.Size, st.SHA256, st.RawSize
		m.Objects = append(m.Objects, o)
		b.plain[o.Name] = data
	}
	add(format.Object{Name: "schema/app", Kind: format.KindSchema, Database: "app"}, []byte("CREATE TABLE users (id int primary key, email text);\n"))
	add(format.Object{Name: "data/app/users/000000", Kind: format.KindData, Database: "app", Table: "users", Rows: 5000}, rows(11, 300_000))
	add(format.Object{Name: "data/app/users/000001", Kind: format.KindData, Database: "app", Table: "users", Chunk: 1, Rows: 10}, rows(12, 600))
	add(format.Object{Name: "users/all", Kind: format.KindUsers}, nil)
	data, err := format.EncodeManifest(m, b.key)
	if err != nil {
		t.Fatalf("EncodeManifest: %v", err)
	}
	b.dir.put(t, format.ManifestName, data)
	b.manifest, b.objects = data, m.Objects
	return b
}
