package sqlitestore

import (
	"database/sql"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// When the checkpointer's own connection fails, rounds run on the
// writers' pool, and the WAL stays bounded.
func TestCheckpointFallsBackToTheWriters(t *testing.T) {
	path := filepath.Join(t.TempDir(), "c.db")
	db, err := sql.Open("sqlite", "file:"+path+"?_pragma=busy_timeout(30000)&_pragma=journal_mode(WAL)&_pragma=wal_autocheckpoint(0)")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	db.SetMaxOpenConns(1)
	if _, err := db.Exec(`CREATE TABLE t (v TEXT)`); err != nil {
		t.Fatal(err)
	}
	broken, err := sql.Open("sqlite", "file:"+filepath.Join(t.TempDir(), "missing", "x.db")+"?mode=rw")
	if err != nil {
		t.Fatal(err)
	}
	if err := checkpointOn(broken); err == nil {
		t.Fatal("a checkpoint on a database that cannot be opened succeeded")
	}
	c := newCheckpointer(broken, db)
	defer c.stop()
	row := strings.Repeat("x", 3000) // about a page a commit
	var largest int64
	for range 6000 {
		if _, err := db.Exec(`INSERT INTO t VALUES (?)`, row); err != nil {
			t.Fatal(err)
		}
		c.committed()
		if fi, err := os.Stat(path + "-wal"); err == nil && fi.Size() > largest {
			largest = fi.Size()
		}
	}
	// Unchecked: 6,000 commits of two pages or more, over 48 MiB.
	if largest > 32<<20 {
		t.Fatalf("WAL grew to %d bytes with a failing checkpoint connection (last round: %v)", largest, c.err())
	}
}
