package main

import (
	"encoding/json"
	"fmt"
	"path/filepath"
	"testing"

	"github.com/dbwarden/dbwarden/internal/testenv"
)

// A table several times larger than the process's memory limit is dumped
// and restored with memory that stays bounded: peak resident memory of each
// run stays under half the table's size.
func TestBackupMemoryBounded(t *testing.T) {
	if testing.Short() {
		t.Skip("fills a 256 MiB table")
	}
	srv := testenv.MariaDB(t)
	db := srv.NewDatabase(t)
	root := srv.DB(t)
	restored := db + "_r"
	t.Cleanup(func() { root.Exec("DROP DATABASE IF EXISTS `" + restored + "`") })
	const rowBytes, rows = 64 << 10, 4096 // 256 MiB
	for _, q := range []string{
		"CREATE TABLE `" + db + "`.big (id INT AUTO_INCREMENT PRIMARY KEY, v MEDIUMBLOB)",
		fmt.Sprintf("INSERT INTO `%s`.big (v) SELECT REPEAT(RANDOM_BYTES(1024), %d) FROM `%s`.seq_1_to_%d", db, rowBytes/1024, db, rows),
	} {
		if _, err := root.Exec(q); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
	tableBytes := int64(rowBytes * rows)
	b, _ := json.Marshal(map[string]any{"engine": "mariadb", "host": srv.Host, "port": srv.Port, "username": srv.User, "password": srv.Password})
	c := newCLI(t)
	c.ok(nil, "secret", "create-secret", "--name", "big/admin", "--secret-string", string(b))
	c.env = append(c.env, "GOMEMLIMIT=64MiB")
	to := "file://" + filepath.Join(t.TempDir(), "backups")

	r := c.run(nil, "backup", "run", "--source", "big/admin", "--to", to, "--include", db, "--no-users")
	if r.code != 0 {
		t.Fatalf("backup run: exit %d\n%s", r.code, r.stderr)
	}
	var run struct{ BackupId string }
	if err := json.Unmarshal(r.stdout, &run); err != nil || run.BackupId == "" {
		t.Fatalf("backup run output: %v", err)
	}
	if r.maxRSS == 0 {
		t.Skip("peak memory of a child process is not reported on this system")
	}
	t.Logf("dump of a %d MiB table: peak memory %d MiB", tableBytes>>20, r.maxRSS>>20)
	if r.maxRSS > tableBytes/2 {
		t.Errorf("dump peaked at %d MiB for a %d MiB table", r.maxRSS>>20, tableBytes>>20)
	}

	r = c.run(nil, "restore", run.BackupId, "--from", to, "--target", "big/admin", "--rename", db+"="+restored)
	if r.code != 0 {
		t.Fatalf("restore: exit %d\n%s", r.code, r.stderr)
	}
	t.Logf("restore: peak memory %d MiB", r.maxRSS>>20)
	if r.maxRSS > tableBytes/2 {
		t.Errorf("restore peaked at %d MiB for a %d MiB table", r.maxRSS>>20, tableBytes>>20)
	}
	var a, z string
	q := "SELECT CONCAT(COUNT(*), ':', SUM(CRC32(v))) FROM `%s`.big"
	root.QueryRow(fmt.Sprintf(q, db)).Scan(&a)
	root.QueryRow(fmt.Sprintf(q, restored)).Scan(&z)
	if a == "" || a != z {
		t.Fatalf("restored table differs: source %s, restored %s", a, z)
	}
}
