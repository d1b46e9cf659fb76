package backup_test

import (
	"context"
	"database/sql"
	"strings"
	"testing"

	"github.com/dbwarden/dbwarden/internal/backup"
)

// accountState is what an account looks like from the outside: its
// definition and its grants.
func accountState(t *testing.T, db *sql.DB, acct string, role bool) string {
	t.Helper()
	var parts []string
	if !role {
		var def string
		if err := db.QueryRow("SHOW CREATE USER " + acct).Scan(&def); err != nil {
			t.Fatalf("SHOW CREATE USER %s: %v", acct, err)
		}
		parts = append(parts, def)
	}
	rows, err := db.Query("SHOW GRANTS FOR " + acct)
	if err != nil {
		t.Fatalf("SHOW GRANTS FOR %s: %v", acct, err)
	}
	defer rows.Close()
	for rows.Next() {
		var g string
		rows.Scan(&g)
		parts = append(parts, g)
	}
	return strings.Join(parts, "\n")
}

// Accounts, roles and grants come back exactly, with the password (as its
// hash), TLS requirement, limits, role grants and the default role; grants
// follow a renamed database; and only when asked.
func TestUsersRoundTrip(t *testing.T) {
	f := newFixture(t)
	src, dst := "bk_users", "bk_users_r"
	user, role := "'bk_app'@'10.0.%'", "bk_reader"
	cleanup := func() {
		f.db.Exec("DROP USER IF EXISTS " + user)
		f.db.Exec("DROP ROLE IF EXISTS " + role)
		f.db.Exec("DROP DATABASE IF EXISTS " + src)
		f.db.Exec("DROP DATABASE IF EXISTS " + dst)
	}
	cleanup()
	t.Cleanup(cleanup)
	f.exec(t,
		"CREATE DATABASE "+src,
		"CREATE TABLE "+src+".t (id INT PRIMARY KEY, v TEXT)",
		"CREATE ROLE "+role,
		"GRANT SELECT ON "+src+".* TO "+role,
		"CREATE USER "+user+" IDENTIFIED BY 'Xk9-pass word' REQUIRE SSL WITH MAX_QUERIES_PER_HOUR 100 MAX_USER_CONNECTIONS 5",
		"GRANT INSERT, UPDATE ON "+src+".t TO "+user+" WITH GRANT OPTION",
		"GRANT "+role+" TO "+user,
		"SET DEFAULT ROLE "+role+" FOR "+user,
	)
	// Grants on a renamed database follow it to its new name.
	renamed := func(s string) string { return strings.ReplaceAll(s, "`"+src+"`", "`"+dst+"`") }
	wantUser, wantRole := renamed(accountState(t, f.db, user, false)), renamed(accountState(t, f.db, role, true))

	ctx := context.Background()
	res, err := backup.Dump(ctx, f.root, f.store, backup.Options{Include: []string{src}})
	if err != nil {
		t.Fatalf("dump: %v", err)
	}
	f.exec(t, "DROP USER "+user, "DROP ROLE "+role)

	// Without Users the accounts stay gone.
	if err := backup.Restore(ctx, f.root, f.store, res.Objects, backup.RestoreOptions{Rename: map[string]string{src: dst}}); err != nil {
		t.Fatalf("restore: %v", err)
	}
	var n int
	f.db.QueryRow("SELECT COUNT(*) FROM mysql.user WHERE User IN ('bk_app', 'bk_reader')").Scan(&n)
	if n != 0 {
		t.Fatalf("a restore without Users created %d of the accounts", n)
	}
	f.exec(t, "DROP DATABASE "+dst)

	if err := backup.Restore(ctx, f.root, f.store, res.Objects, backup.RestoreOptions{Rename: map[string]string{src: dst}, Users: true}); err != nil {
		t.Fatalf("restore with users: %v", err)
	}
	if got := accountState(t, f.db, user, false); got != wantUser {
		t.Errorf("user after restore:\n%s\nwant:\n%s", got, wantUser)
	}
	if got := accountState(t, f.db, role, true); got != wantRole {
		t.Errorf("role after restore:\n%s\nwant:\n%s", got, wantRole)
	}
	// The restored account logs in with its old password (its hash came back).
	var hashes int
	f.db.QueryRow("SELECT COUNT(*) FROM mysql.user WHERE User = 'bk_app' AND authentication_string = PASSWORD('Xk9-pass word')").Scan(&hashes)
	if hashes != 1 {
		t.Errorf("the restored account's password hash does not match its old password")
	}
	// A second restore with users over existing accounts replaces them
	// (DROP USER IF EXISTS first) rather than failing.
	f.exec(t, "DROP DATABASE "+dst)
	if err := backup.Restore(ctx, f.root, f.store, res.Objects, backup.RestoreOptions{Rename: map[string]string{src: dst}, Users: true}); err != nil {
		t.Fatalf("restore with users over existing accounts: %v", err)
	}
}

// A rename rewrites references in definitions, never row data: a value
// that happens to hold the old name, quoted, comes back as it was.
func TestRenameKeepsRowData(t *testing.T) {
	f := newFixture(t)
	src, dst := "bk_ren", "bk_ren_r"
	cleanup := func() {
		f.db.Exec("DROP DATABASE IF EXISTS " + src)
		f.db.Exec("DROP DATABASE IF EXISTS " + dst)
	}
	cleanup()
	t.Cleanup(cleanup)
	const text = "SELECT * FROM `bk_ren`.t"
	f.exec(t, "CREATE DATABASE "+src, "CREATE TABLE "+src+".t (id INT PRIMARY KEY, q TEXT)",
		"INSERT INTO "+src+".t VALUES (1, '"+strings.ReplaceAll(text, "'", "''")+"')",
		"CREATE VIEW "+src+".v AS SELECT q FROM `"+src+"`.t")
	ctx := context.Background()
	res, err := backup.Dump(ctx, f.root, f.store, backup.Options{Include: []string{src}, SkipUsers: true})
	if err != nil {
		t.Fatal(err)
	}
	if err := backup.Restore(ctx, f.root, f.store, res.Objects, backup.RestoreOptions{Rename: map[string]string{src: dst}}); err != nil {
		t.Fatal(err)
	}
	var got string
	if err := f.db.QueryRow("SELECT q FROM " + dst + ".t").Scan(&got); err != nil || got != text {
		t.Fatalf("row data after a rename: %q (%v), want %q", got, err, text)
	}
	// The view's reference did follow the rename.
	var def string
	f.db.QueryRow("SELECT VIEW_DEFINITION FROM information_schema.VIEWS WHERE TABLE_SCHEMA = ? AND TABLE_NAME = 'v'", dst).Scan(&def)
	if !strings.Contains(def, "`"+dst+"`") || strings.Contains(def, "`"+src+"`") {
		t.Fatalf("view definition after a rename: %s", def)
	}
}
