package backup_test

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/dbwarden/dbwarden/internal/backup"
	"github.com/dbwarden/dbwarden/internal/backup/format"
	"github.com/dbwarden/dbwarden/internal/backup/retention"
	"github.com/dbwarden/dbwarden/internal/blob/fileblob"
	"github.com/dbwarden/dbwarden/internal/keys/filekeys"
)

func newArchive(t *testing.T) (*backup.Archive, string) {
	t.Helper()
	dir := t.TempDir()
	b, err := fileblob.Open(filepath.Join(dir, "backups"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { b.Close() })
	kp, err := filekeys.Open(filepath.Join(dir, "keys"))
	if err != nil {
		t.Fatal(err)
	}
	return &backup.Archive{Bucket: b, Prefix: "prod/", Keys: kp, KeyName: "file", Version: "test"}, filepath.Join(dir, "backups")
}

// A backup to a directory: complete, listed, verified, free of plaintext,
// restored; then tampered with, it is refused, naming the object.
func TestArchiveRoundTrip(t *testing.T) {
	f := newFixture(t)
	src, dst := "ar_src", "ar_dst"
	f.hardDatabase(t, src)
	const marker = "plaintext-marker-4f1c"
	f.exec(t, "INSERT INTO "+src+".nopk VALUES (99, '"+marker[:10]+"')", "CREATE TABLE "+src+".marked (v VARCHAR(40))", "INSERT INTO "+src+".marked VALUES ('"+marker+"')")
	t.Cleanup(func() { f.db.Exec("DROP DATABASE IF EXISTS " + dst) })
	a, dir := newArchive(t)
	ctx := context.Background()
	m, err := a.Run(ctx, f.root, backup.RunOptions{Dump: backup.Options{Include: []string{src}, SkipUsers: true, ChunkRows: 1000}})
	if err != nil {
		t.Fatal(err)
	}
	list, err := a.List(ctx)
	if err != nil || len(list) != 1 || !list[0].Complete || list[0].ID != m.BackupID || list[0].Tables < 6 {
		t.Fatalf("list after one backup: %+v %v", list, err)
	}
	if _, rep, err := a.Verify(ctx, m.BackupID); err != nil || rep.Objects != len(m.Objects) {
		t.Fatalf("verify: %+v %v", rep, err)
	}
	// Nothing stored holds the row data in the clear.
	filepath.WalkDir(dir, func(p string, d os.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			if b, _ := os.ReadFile(p); bytes.Contains(b, []byte(marker)) {
				t.Errorf("%s holds row data in the clear", p)
			}
		}
		return nil
	})
	if _, err := a.Restore(ctx, m.BackupID, f.root, backup.ArchiveRestoreOptions{RestoreOptions: backup.RestoreOptions{Rename: map[string]string{src: dst}}}); err != nil {
		t.Fatal(err)
	}
	for _, table := range []string{"kinds", "big", "marked"} {
		if x, y := tableHash(t, f.db, src, table), tableHash(t, f.db, dst, table); x != y {
			t.Errorf("table %s: source %s, restored %s", table, x, y)
		}
	}

	// Flip one byte of one chunk: verify and restore name it; nothing is
	// restored.
	var victim string
	for _, o := range m.Objects {
		if o.Kind == format.KindData && o.Table == "big" {
			victim = o.Name
			break
		}
	}
	p := filepath.Join(dir, "prod", m.BackupID, victim)
	b, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	b[len(b)/2] ^= 0x40
	os.WriteFile(p, b, 0o600)
	_, _, err = a.Verify(ctx, m.BackupID)
	if err == nil || !strings.Contains(err.Error(), victim) {
		t.Fatalf("verify of a flipped byte: got %v, want an error naming %s", err, victim)
	}
	f.db.Exec("DROP DATABASE IF EXISTS " + dst)
	_, err = a.Restore(ctx, m.BackupID, f.root, backup.ArchiveRestoreOptions{RestoreOptions: backup.RestoreOptions{Rename: map[string]string{src: dst}}})
	if err == nil || !strings.Contains(err.Error(), victim) {
		t.Fatalf("restore of a corrupt backup: got %v, want an error naming %s", err, victim)
	}
	var n int
	f.db.QueryRow("SELECT COUNT(*) FROM information_schema.SCHEMATA WHERE SCHEMA_NAME = ?", dst).Scan(&n)
	if n != 0 {
		t.Fatal("a restore of a corrupt backup created the database")
	}
	// Streaming, it stops at the bad chunk, naming it.
	_, err = a.Restore(ctx, m.BackupID, f.root, backup.ArchiveRestoreOptions{Stream: true, RestoreOptions: backup.RestoreOptions{Rename: map[string]string{src: dst}}})
	if err == nil || !strings.Contains(err.Error(), victim) {
		t.Fatalf("streamed restore of a corrupt backup: got %v, want an error naming %s", err, victim)
	}

	// Without its manifest, it is an incomplete backup, never restored.
	os.Remove(filepath.Join(dir, "prod", m.BackupID, format.ManifestName))
	if list, _ := a.List(ctx); len(list) != 1 || list[0].Complete {
		t.Fatalf("a backup without a manifest is listed as %+v", list)
	}
	if _, err := a.Restore(ctx, m.BackupID, f.root, backup.ArchiveRestoreOptions{}); err == nil || !strings.Contains(err.Error(), "manifest") {
		t.Fatalf("restore without a manifest: %v", err)
	}
}

// A failed dump leaves no backup; prune keeps what the policy says and
// never the incomplete ones' count.
func TestArchiveFailuresAndPrune(t *testing.T) {
	f := newFixture(t)
	src := "ar_prune"
	t.Cleanup(func() { f.db.Exec("DROP DATABASE IF EXISTS " + src) })
	f.exec(t, "CREATE DATABASE "+src, "CREATE TABLE "+src+".t (id INT PRIMARY KEY)", "INSERT INTO "+src+".t VALUES (1)")
	a, _ := newArchive(t)
	ctx := context.Background()
	bad := f.root
	bad.Password = "wrong"
	if _, err := a.Run(ctx, bad, backup.RunOptions{}); err == nil {
		t.Fatal("a backup with bad credentials succeeded")
	}
	if list, _ := a.List(ctx); len(list) != 0 {
		t.Fatalf("a failed backup left %+v", list)
	}
	clock := time.Date(2026, 11, 1, 2, 0, 0, 0, time.UTC)
	var ids []string
	for range 3 {
		m, err := a.Run(ctx, f.root, backup.RunOptions{Dump: backup.Options{Include: []string{src}, SkipUsers: true}, Now: func() time.Time { return clock }})
		if err != nil {
			t.Fatal(err)
		}
		ids = append(ids, m.BackupID)
		clock = clock.Add(24 * time.Hour)
	}
	p, err := retention.ParsePolicy("keep-last=2")
	if err != nil {
		t.Fatal(err)
	}
	removed, _, err := a.Prune(ctx, p, time.Now(), true)
	if err != nil || len(removed) != 1 {
		t.Fatalf("dry run: %+v %v", removed, err)
	}
	if list, _ := a.List(ctx); len(list) != 3 {
		t.Fatal("a dry run removed something")
	}
	if _, _, err := a.Prune(ctx, p, time.Now(), false); err != nil {
		t.Fatal(err)
	}
	list, _ := a.List(ctx)
	if len(list) != 2 || list[0].ID == ids[0] {
		t.Fatalf("after prune keep-last=2: %+v", list)
	}
	if _, _, err := a.Verify(ctx, ids[0]); err == nil || !errors.Is(err, format.ErrMissing) {
		t.Fatalf("the pruned backup still verifies: %v", err)
	}
}

// DDL on a table after the snapshot, before it is read, fails the backup:
// no manifest, nothing left behind.
func TestArchiveDDLDuringDump(t *testing.T) {
	f := newFixture(t)
	src := "ar_ddl"
	t.Cleanup(func() { f.db.Exec("DROP DATABASE IF EXISTS " + src) })
	f.exec(t, "CREATE DATABASE "+src, "CREATE TABLE "+src+".a (id INT PRIMARY KEY) ENGINE=InnoDB", "INSERT INTO "+src+".a VALUES (1)",
		"CREATE TABLE "+src+".b (id INT PRIMARY KEY) ENGINE=InnoDB", "INSERT INTO "+src+".b VALUES (1)")
	a, _ := newArchive(t)
	ctx := context.Background()
	altered := false
	_, err := a.Run(ctx, f.root, backup.RunOptions{Dump: backup.Options{Workers: 1, Include: []string{src}, SkipUsers: true,
		Progress: func(o backup.Object) {
			if o.Kind == backup.KindData && o.Table == "a" && !altered {
				altered = true
				c, err := f.db.Conn(ctx)
				if err != nil {
					t.Error(err)
					return
				}
				defer c.Close()
				c.ExecContext(ctx, "SET SESSION lock_wait_timeout = 5")
				if _, err := c.ExecContext(ctx, "ALTER TABLE "+src+".b ADD COLUMN x INT"); err != nil {
					t.Errorf("alter during the dump: %v", err)
				}
			}
		}}})
	if !altered {
		t.Fatal("the dump never reached table a")
	}
	if err == nil {
		t.Fatal("a backup during which a table it had not read yet was altered succeeded")
	}
	if list, _ := a.List(ctx); len(list) != 0 {
		t.Fatalf("the failed backup left %+v", list)
	}
}

// The server going away in the middle of a dump fails the backup: no
// manifest, nothing listed.
func TestArchiveServerKilledDuringDump(t *testing.T) {
	f := newFixture(t)
	src := "ar_kill"
	t.Cleanup(func() { f.db.Exec("DROP DATABASE IF EXISTS " + src) })
	f.exec(t, "CREATE DATABASE "+src)
	for _, tb := range []string{"a", "b", "c"} {
		f.exec(t, "CREATE TABLE "+src+"."+tb+" (id INT PRIMARY KEY)", "INSERT INTO "+src+"."+tb+" VALUES (1), (2)")
	}
	a, _ := newArchive(t)
	ctx := context.Background()
	stopped := false
	_, err := a.Run(ctx, f.root, backup.RunOptions{Dump: backup.Options{Workers: 1, Include: []string{src}, SkipUsers: true,
		Progress: func(o backup.Object) {
			if o.Kind == backup.KindData && !stopped {
				stopped = true
				f.srv.Stop(t)
			}
		}}})
	if stopped {
		f.srv.Start(t)
	}
	if !stopped || err == nil {
		t.Fatalf("a dump whose server stopped half way: stopped %v, error %v", stopped, err)
	}
	if list, _ := a.List(ctx); len(list) != 0 {
		t.Fatalf("the failed backup left %+v", list)
	}
}
