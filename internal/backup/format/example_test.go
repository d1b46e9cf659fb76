package format_test

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"log"
	"os"
	"time"

	"github.com/dbwarden/dbwarden/internal/backup/format"
	"github.com/dbwarden/dbwarden/internal/keys/filekeys"
)

// A backup as a dump writes it and a restore reads it: chunks first, the
// manifest last, each chunk's size and SHA-256 recorded in the manifest.
func Example() {
	ctx := context.Background()
	dir, err := os.MkdirTemp("", "keyring")
	if err != nil {
		log.Fatal(err)
	}
	defer os.RemoveAll(dir)
	kp, err := filekeys.Open(dir)
	if err != nil {
		log.Fatal(err)
	}

	// Dump: one data key for the backup, one chunk per table part.
	key, err := format.NewDataKey(ctx, kp, "20260301T020000Z-1")
	if err != nil {
		log.Fatal(err)
	}
	var stored bytes.Buffer // an object store in real life
	w, err := key.NewChunkWriter(&stored, "data/shop/orders/000000", format.DefaultCompression)
	if err != nil {
		log.Fatal(err)
	}
	io.WriteString(w, "INSERT INTO `orders` VALUES (1,'widget'),(2,'gadget');\n")
	if err := w.Close(); err != nil {
		log.Fatal(err)
	}
	st := w.Stored()
	start := time.Date(2026, 3, 1, 2, 0, 0, 0, time.UTC)
	manifest, err := format.EncodeManifest(&format.Manifest{
		BackupID:        key.BackupID(),
		DBWardenVersion: "0.4.0",
		Started:         start,
		Finished:        start.Add(time.Minute),
		Source:          format.Source{Flavor: "mariadb", Version: "10.11.6-MariaDB", Address: "127.0.0.1:3306"},
		Consistency:     format.Consistency{Method: "single-transaction"},
		Compression:     format.DefaultCompression,
		Key:             format.KeyInfo{Provider: "file"},
		Objects: []format.Object{{
			Name: "data/shop/orders/000000", Kind: format.KindData, Database: "shop", Table: "orders",
			Rows: 2, RawSize: st.RawSize, Size: st.Size, SHA256: st.SHA256,
		}},
	}, key)
	if err != nil {
		log.Fatal(err)
	}
	key.Destroy()

	// Restore: the manifest gives the key back and lists what to read.
	m, key, err := format.OpenManifest(ctx, kp, manifest)
	if err != nil {
		log.Fatal(err)
	}
	defer key.Destroy()
	r, err := key.OpenObject(bytes.NewReader(stored.Bytes()), m.Objects[0])
	if err != nil {
		log.Fatal(err)
	}
	sql, err := io.ReadAll(r)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Printf("%s: %s", m.Objects[0].Name, sql)
	// Output:
	// data/shop/orders/000000: INSERT INTO `orders` VALUES (1,'widget'),(2,'gadget');
}
