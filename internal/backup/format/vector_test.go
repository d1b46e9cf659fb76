package format_test

import (
	"bytes"
	"context"
	"encoding/hex"
	"flag"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/dbwarden/dbwarden/internal/backup/format"
)

var update = flag.Bool("update", false, "rewrite the test vectors in testdata/v1")

// The test vectors' data key and the stand-in for its wrapped form. They
// protect nothing: they let a second implementation check itself against
// testdata/v1 without a key provider.
const vectorKeyHex = "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f"

var vectorWrapped = []byte("dbwarden test vector: a stand-in for a wrapped key")

func vectorKey(t testing.TB, backupID string) *format.DataKey {
	t.Helper()
	raw, err := hex.DecodeString(vectorKeyHex)
	if err != nil {
		t.Fatal(err)
	}
	k, err := format.DataKeyFromBytes(backupID, raw, vectorWrapped)
	if err != nil {
		t.Fatal(err)
	}
	return k
}

var vectorObjects = []struct {
	obj  format.Object
	data []byte
}{
	{format.Object{Name: "schema/app", Kind: format.KindSchema, Database: "app"}, []byte("CREATE DATABASE `app`;\nCREATE TABLE `app`.`users` (`id` int PRIMARY KEY, `email` varchar(255));\n")},
	{format.Object{Name: "data/app/users/000000", Kind: format.KindData, Database: "app", Table: "users", Rows: 2000}, rows(2024, 100_000)},
	{format.Object{Name: "users/all", Kind: format.KindUsers}, nil},
}

// TestVectors reads the backups in testdata/v1 (one per compression), written
// by an earlier version of this package: the format must stay readable. With
// -update it writes them anew first.
func TestVectors(t *testing.T) {
	ctx := context.Background()
	for _, c := range compressions {
		dir := dirObjects(filepath.Join("testdata", "v1", string(c.Algorithm)))
		id := "vector-" + string(c.Algorithm)
		if *update {
			writeVector(t, dir, id, c)
		}
		t.Run(string(c.Algorithm), func(t *testing.T) {
			data := dir.get(t, format.ManifestName)
			m, err := format.DecodeManifest(data)
			if err != nil {
				t.Fatal(err)
			}
			key := vectorKey(t, m.BackupID)
			if _, err := format.Verify(ctx, m, key, dir); err != nil {
				t.Fatalf("Verify: %v", err)
			}
			for i, want := range vectorObjects {
				f, err := dir.Open(ctx, want.obj.Name)
				if err != nil {
					t.Fatal(err)
				}
				r, err := key.OpenObject(f, m.Objects[i])
				if err != nil {
					t.Fatal(err)
				}
				var got bytes.Buffer
				_, err = got.ReadFrom(r)
				f.Close()
				if err != nil {
					t.Fatalf("%s: %v", want.obj.Name, err)
				}
				if !bytes.Equal(got.Bytes(), want.data) {
					t.Fatalf("%s: read %d bytes that differ from the %d expected", want.obj.Name, got.Len(), len(want.data))
				}
			}
			again, err := format.EncodeManifest(m, key)
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(again, data) {
				t.Fatalf("encoding the vector's manifest gives\n%s\nwant\n%s", again, data)
			}
		})
	}
}

func writeVector(t *testing.T, dir dirObjects, id string, c format.Compression) {
	t.Helper()
	if err := os.RemoveAll(string(dir)); err != nil {
		t.Fatal(err)
	}
	key := vectorKey(t, id)
	m := baseManifest(id)
	m.Started = time.Date(2026, 3, 1, 2, 0, 0, 0, time.UTC)
	m.Finished = m.Started.Add(90 * time.Second)
	m.Compression = c
	m.Key.Provider = "test-vector"
	for _, o := range vectorObjects {
		stored, st := writeChunk(t, key, o.obj.Name, c, o.data)
		dir.put(t, o.obj.Name, stored)
		obj := o.obj
		obj.Size, obj.SHA256, obj.RawSize = st.Size, st.SHA256, st.RawSize
		m.Objects = append(m.Objects, obj)
	}
	data, err := format.EncodeManifest(m, key)
	if err != nil {
		t.Fatal(err)
	}
	dir.put(t, format.ManifestName, data)
}
