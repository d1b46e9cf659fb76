package main

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"strings"
	"testing"

	"github.com/dbwarden/dbwarden/internal/bootstrap"
	"github.com/dbwarden/dbwarden/internal/mysqladmin"
	"github.com/dbwarden/dbwarden/internal/testenv"
)

// The help of db init teaches the roles with their exact grants, and the
// rotator it names is the one the rotate command knows.
func TestDBInitHelp(t *testing.T) {
	a := &app{getenv: func(string) string { return "" }}
	var init string
	for _, c := range a.dbCmd().Commands() {
		if c.Name() == "init" {
			init = c.Long + "\n" + c.Example
		}
	}
	for _, want := range []string{
		"readwrite  SELECT, INSERT, UPDATE, DELETE, EXECUTE, CREATE TEMPORARY TABLES, LOCK TABLES ON `db`.*",
		"readonly   SELECT, SHOW VIEW ON `db`.*",
		"ddl        ALL PRIVILEGES ON `db`.*",
		"never WITH GRANT OPTION", "masterarn", "Running it again changes nothing", `"repaired"`,
		"dbwarden db init --admin-secret prod/mysql/admin --database campaign",
	} {
		if !strings.Contains(init, want) {
			t.Errorf("the help of db init does not say %q", want)
		}
	}
	if rotatorSingleUser != bootstrap.SingleUserRotator {
		t.Errorf("db init sets rotator %q, the rotate command knows %q", bootstrap.SingleUserRotator, rotatorSingleUser)
	}
}

// requireDBCommand skips (fails under CI=true) while app.go does not
// register the db command.
func requireDBCommand(t *testing.T) {
	t.Helper()
	root := (&app{getenv: func(string) string { return "" }}).newRoot()
	if c, _, err := root.Find([]string{"db", "init"}); err != nil || c.Name() != "init" {
		testenv.Require(t, "the db command", "app.go does not register a.dbCmd() yet")
	}
}

type dbInitReport struct {
	Database, DatabaseAction, AdminSecretARN string
	Users                                    []struct {
		User, Account, Role, Privileges, SecretName, SecretARN, Action, RotationSchedule string
		Changes                                                                          []string
	}
}

// dbInitServer makes an administrator on the test MariaDB server and returns
// its credential document, a suffix for names no other test uses, and the
// root login. Accounts ending in the suffix and the databases named after it
// are dropped when the test ends.
func dbInitServer(t *testing.T) (adminDoc, suffix string, root *mysqladmin.Server) {
	t.Helper()
	srv := testenv.MariaDB(t)
	ctx := context.Background()
	rootCreds := mysqladmin.Credentials{Host: srv.Host, Port: srv.Port, Username: srv.User, Password: srv.Password}
	root, err := mysqladmin.Connect(ctx, rootCreds)
	if err != nil {
		t.Fatal(err)
	}
	b := make([]byte, 3)
	rand.Read(b)
	suffix = hex.EncodeToString(b)
	t.Cleanup(func() {
		defer root.Close()
		rows, err := root.DB().QueryContext(ctx, "SELECT User, Host FROM mysql.user WHERE User LIKE ?", "%"+suffix)
		if err != nil {
			return
		}
		var accts []mysqladmin.Account
		for rows.Next() {
			var a mysqladmin.Account
			if rows.Scan(&a.User, &a.Host) == nil {
				accts = append(accts, a)
			}
		}
		rows.Close()
		for _, a := range accts {
			root.DropAccount(ctx, a)
		}
		root.DB().ExecContext(ctx, "DROP DATABASE IF EXISTS `campaign_"+suffix+"`")
	})
	admin := mysqladmin.Account{User: "adm" + suffix, Host: "%"}
	pw := "adm;pass-" + suffix
	if err := root.CreateAccount(ctx, admin, pw); err != nil {
		t.Fatal(err)
	}
	if _, err := root.DB().ExecContext(ctx, "GRANT ALL PRIVILEGES ON *.* TO ?@? WITH GRANT OPTION", admin.User, admin.Host); err != nil {
		t.Fatal(err)
	}
	doc, _ := json.Marshal(map[string]any{"engine": "mariadb", "host": srv.Host, "port": srv.Port, "username": admin.User, "password": pw, "ssl_ca": string(srv.CAPEM)})
	return string(doc), suffix, root
}

// dbInitCredentials reads a secret's credentials through the CLI.
func dbInitCredentials(c *cli, id string) mysqladmin.Credentials {
	c.t.Helper()
	creds, err := mysqladmin.ParseCredentials(c.getString(id))
	if err != nil {
		c.t.Fatalf("secret %s: %v", id, err)
	}
	return creds
}

func TestDBInitCommand(t *testing.T) {
	requireDBCommand(t)
	adminDoc, suffix, root := dbInitServer(t)
	c := newCLI(t)
	c.create("prod/mysql/admin", "--secret-string", adminDoc)
	db := "campaign_" + suffix
	app, rep := "app"+suffix, "rep"+suffix
	args := []string{"db", "init", "--admin-secret", "prod/mysql/admin", "--database", db, "--user", app + "=readwrite", "--user", rep + "=readonly"}
	prefix := "prod/mysql/" + db + "/"
	noSecrets := func(t *testing.T) {
		t.Helper()
		var out struct{ SecretList []struct{ Name string } }
		c.in(t).json(&out, "secret", "list-secrets", "--filters", "Key=name,Values="+prefix)
		if len(out.SecretList) != 0 {
			t.Fatalf("secrets were created: %v", out.SecretList)
		}
		var n int
		if err := root.DB().QueryRow("SELECT COUNT(*) FROM information_schema.SCHEMATA WHERE SCHEMA_NAME = ?", db).Scan(&n); err != nil || n != 0 {
			t.Fatalf("the database was created (%v)", err)
		}
	}

	t.Run("bad input is refused before anything changes", func(t *testing.T) {
		c := c.in(t)
		r := c.fails(exitUsage, nil, "db", "init", "--admin-secret", "prod/mysql/admin", "--database", db, "--user", app+"=readwrite", "--user", rep+"=owner")
		if !strings.Contains(string(r.stderr), `unknown role "owner"`) {
			t.Errorf("stderr does not name the unknown role:\n%s", r.stderr)
		}
		c.fails(exitUsage, nil, "db", "init", "--admin-secret", "prod/mysql/admin", "--database", db, "--user", app)
		c.fails(exitUsage, nil, "db", "init", "--admin-secret", "prod/mysql/admin", "--database", "my db", "--user", app+"=readwrite")
		c.fails(exitUsage, nil, "db", "init", "--admin-secret", "prod/mysql/admin", "--database", db)
		r = c.fails(exitNotFound, nil, "db", "init", "--admin-secret", "prod/mysql/nobody", "--database", db, "--user", app+"=readwrite")
		if !strings.Contains(string(r.stderr), "prod/mysql/nobody") {
			t.Errorf("stderr does not name the missing secret:\n%s", r.stderr)
		}
		c.create("prod/mysql/text", "--secret-string", "just text")
		c.fails(exitRejected, nil, "db", "init", "--admin-secret", "prod/mysql/text", "--database", db, "--user", app+"=readwrite")
		noSecrets(t)
	})

	var first dbInitReport
	t.Run("the first run creates the database, users and secrets", func(t *testing.T) {
		c := c.in(t)
		r := c.run(nil, args...)
		if r.code != 0 {
			t.Fatalf("db init: exit %d\n%s", r.code, r.stderr)
		}
		if err := json.Unmarshal(r.stdout, &first); err != nil {
			t.Fatalf("the output is not the report: %v", err)
		}
		if first.Database != db || first.DatabaseAction != "created" || len(first.Users) != 2 {
			t.Fatalf("got database %q %s with %d users, want %s created with 2", first.Database, first.DatabaseAction, len(first.Users), db)
		}
		for i, want := range []struct{ user, role string }{{app, "readwrite"}, {rep, "readonly"}} {
			u := first.Users[i]
			if u.User != want.user || u.Role != want.role || u.Action != "created" || u.SecretName != prefix+want.user || u.SecretARN == "" || u.RotationSchedule != "rate(4 days)" {
				t.Errorf("user %d: got %+v", i, u)
			}
		}
		if !strings.Contains(string(r.stderr), "created account") {
			t.Errorf("stderr shows no progress:\n%s", r.stderr)
		}
		for _, u := range []string{app, rep} {
			creds := dbInitCredentials(c, prefix+u)
			if bytes.Contains(r.stdout, []byte(creds.Password)) || bytes.Contains(r.stderr, []byte(creds.Password)) {
				t.Errorf("the password of %s is printed", u)
			}
			if err := loginWith(t, string(c.getString(prefix+u))); err != nil {
				t.Errorf("%s does not log in: %v", u, err)
			}
		}
		var d struct {
			RotationEnabled   bool
			RotationLambdaARN string
			RotationRules     struct{ ScheduleExpression string }
		}
		c.json(&d, "secret", "describe-secret", "--secret-id", prefix+app)
		if !d.RotationEnabled || d.RotationLambdaARN != rotatorSingleUser || d.RotationRules.ScheduleExpression != "rate(4 days)" {
			t.Errorf("rotation: got %+v, want on with %s every 4 days", d, rotatorSingleUser)
		}
	})

	t.Run("a second run changes nothing", func(t *testing.T) {
		c := c.in(t)
		versions := string(c.ok(nil, "secret", "list-secret-version-ids", "--secret-id", prefix+app, "--include-deprecated"))
		var second dbInitReport
		c.json(&second, args...)
		if second.DatabaseAction != "existed" {
			t.Errorf("database: got %s, want existed", second.DatabaseAction)
		}
		for _, u := range second.Users {
			if u.Action != "unchanged" || len(u.Changes) != 0 {
				t.Errorf("%s: got %s %q, want unchanged", u.User, u.Action, u.Changes)
			}
		}
		if got := string(c.ok(nil, "secret", "list-secret-version-ids", "--secret-id", prefix+app, "--include-deprecated")); got != versions {
			t.Errorf("the secret's versions changed:\n%s\nwant\n%s", got, versions)
		}
	})

	t.Run("dbwarden rotate rotates a user without a failed login", func(t *testing.T) {
		c := c.in(t)
		old := dbInitCredentials(c, prefix+app)
		stop, done := make(chan struct{}), make(chan [2]int)
		go func() {
			var ok, failed int
			for {
				select {
				case <-stop:
					done <- [2]int{ok, failed}
					return
				default:
				}
				s, err := mysqladmin.Connect(context.Background(), old)
				if err == nil {
					err = s.Ping(context.Background())
					s.Close()
				}
				if err != nil {
					failed++
				} else {
					ok++
				}
			}
		}()
		r := c.run(nil, "rotate", prefix+app)
		close(stop)
		logins := <-done
		if r.code != 0 {
			t.Fatalf("rotate: exit %d\n%s", r.code, r.stderr)
		}
		if logins[1] != 0 || logins[0] == 0 {
			t.Fatalf("logins with the old password during the rotation: %d ok, %d failed; want some and none failed", logins[0], logins[1])
		}
		cur := dbInitCredentials(c, prefix+app)
		if cur.Password == old.Password {
			t.Fatal("the password did not change")
		}
		if err := loginWith(t, string(c.getString(prefix+app))); err != nil {
			t.Fatalf("the new password does not log in: %v", err)
		}
		// db init agrees with the rotated secret.
		var again dbInitReport
		c.json(&again, args...)
		for _, u := range again.Users {
			if u.Action != "unchanged" {
				t.Errorf("after the rotation, db init: %s got %s %q, want unchanged", u.User, u.Action, u.Changes)
			}
		}
	})
}
