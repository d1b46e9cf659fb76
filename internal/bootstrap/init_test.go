package bootstrap

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"path/filepath"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/go-sql-driver/mysql"

	"github.com/dbwarden/dbwarden/internal/audit"
	"github.com/dbwarden/dbwarden/internal/keys/filekeys"
	"github.com/dbwarden/dbwarden/internal/mysqladmin"
	"github.com/dbwarden/dbwarden/internal/rotation"
	"github.com/dbwarden/dbwarden/internal/rotation/mysqlrotator"
	"github.com/dbwarden/dbwarden/internal/secret"
	"github.com/dbwarden/dbwarden/internal/store"
	"github.com/dbwarden/dbwarden/internal/store/sqlitestore"
	"github.com/dbwarden/dbwarden/internal/testenv"
)

// fixture is a MariaDB server with an administrator whose credentials are
// in a store, and names for a database and users no other test uses. The
// database and accounts are dropped when the test ends.
type fixture struct {
	srv       *testenv.MariaDBServer
	root      *mysqladmin.Server
	store     *sqlitestore.Store
	db        string // the database Init is asked for; not created
	suffix    string
	adminName string // the admin secret's name
	adminARN  string
	adminUser string
}

var fixtureSeq atomic.Int64

func testContext(t testing.TB) context.Context {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	t.Cleanup(cancel)
	return audit.WithCaller(ctx, audit.Caller{Principal: "test:" + t.Name(), RequestID: secret.NewVersionID()})
}

func rootLogin(t testing.TB, srv *testenv.MariaDBServer) *mysqladmin.Server {
	t.Helper()
	root, err := mysqladmin.Connect(context.Background(), mysqladmin.Credentials{Host: srv.Host, Port: srv.Port, Username: srv.User, Password: srv.Password})
	if err != nil {
		t.Fatalf("log in as root: %v", err)
	}
	return root
}

func newFixture(t testing.TB) *fixture {
	t.Helper()
	srv := testenv.MariaDB(t)
	b := make([]byte, 2)
	rand.Read(b)
	suffix := fmt.Sprintf("%d%s", fixtureSeq.Add(1), hex.EncodeToString(b))
	f := &fixture{srv: srv, root: rootLogin(t, srv), db: "campaign_" + suffix, suffix: suffix, adminUser: "adm" + suffix}
	t.Cleanup(func() {
		// The accounts the test made, whatever their names, end with the
		// suffix; so do the databases.
		ctx := context.Background()
		root := rootLogin(t, srv)
		defer root.Close()
		rows, err := root.DB().QueryContext(ctx, "SELECT User, Host FROM mysql.user WHERE User LIKE ?", "%"+suffix)
		if err == nil {
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
		}
		for _, db := range []string{f.db, f.lookalike()} {
			root.DB().ExecContext(ctx, "DROP DATABASE IF EXISTS "+quoteIdent(db))
		}
		f.root.Close()
	})
	kp, err := filekeys.Open(filepath.Join(t.TempDir(), "keys"))
	if err != nil {
		t.Fatal(err)
	}
	f.store, err = sqlitestore.Open(context.Background(), sqlitestore.Options{Path: filepath.Join(t.TempDir(), "dbwarden.db"), Keys: kp, ImplicitRotation: true})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { f.store.Close() })

	f.adminName = "prod/mysql/admin"
	f.adminARN = f.newAdmin(t, f.adminName, f.adminUser, "GRANT ALL PRIVILEGES ON *.* TO ?@? WITH GRANT OPTION")
	return f
}

// lookalike is a database that `campaign_N`.* would match if _ were left a
// wildcard.
func (f *fixture) lookalike() string { return strings.Replace(f.db, "_", "X", 1) }

// newAdmin creates an account with the given grant statements and stores
// its credentials, over TLS with the server's CA, as secret name.
func (f *fixture) newAdmin(t testing.TB, name, user string, grants ...string) string {
	t.Helper()
	ctx := testContext(t)
	pw := "adm-" + f.suffix + "-pass;x"
	a := mysqladmin.Account{User: user, Host: "%"}
	if err := f.root.CreateAccount(ctx, a, pw); err != nil {
		t.Fatal(err)
	}
	for _, g := range grants {
		if _, err := f.root.DB().ExecContext(ctx, g, a.User, a.Host); err != nil {
			t.Fatalf("%s: %v", g, err)
		}
	}
	doc, _ := json.Marshal(map[string]any{"engine": "mariadb", "host": f.srv.Host, "port": f.srv.Port, "username": user, "password": pw,
		"ssl_ca": string(f.srv.CAPEM), "dbInstanceIdentifier": "campaign-db"})
	value := string(doc)
	out, err := f.store.CreateSecret(ctx, &store.CreateSecretInput{Name: name, SecretString: &value})
	if err != nil {
		t.Fatal(err)
	}
	return out.ARN
}

func (f *fixture) users() []User {
	return []User{{"app" + f.suffix, ReadWrite}, {"rep" + f.suffix, ReadOnly}, {"ddl" + f.suffix, DDL}}
}

func (f *fixture) options() Options { return Options{Database: f.db, Users: f.users()} }

func (f *fixture) secretName(user string) string { return "prod/mysql/" + f.db + "/" + user }

func (f *fixture) init(t *testing.T, admin string, opts Options) (*Report, string, error) {
	t.Helper()
	var progress []string
	opts.Progress = func(line string) { progress = append(progress, line) }
	rep, err := Init(testContext(t), f.store, admin, opts)
	return rep, strings.Join(progress, "\n"), err
}

func (f *fixture) mustInit(t *testing.T, opts Options) *Report {
	t.Helper()
	rep, progress, err := f.init(t, f.adminName, opts)
	if err != nil {
		t.Fatalf("Init: %v\nprogress:\n%s", err, progress)
	}
	return rep
}

// credentials reads a secret's AWSCURRENT value.
func (f *fixture) credentials(t *testing.T, name string) mysqladmin.Credentials {
	t.Helper()
	out, err := f.store.GetSecretValue(testContext(t), &store.GetSecretValueInput{SecretId: name})
	if err != nil {
		t.Fatalf("read secret %s: %v", name, err)
	}
	c, err := mysqladmin.ParseCredentials([]byte(*out.SecretString))
	if err != nil {
		t.Fatalf("secret %s: %v", name, err)
	}
	return c
}

// login logs in with a secret's credentials, into its database.
func (f *fixture) login(t *testing.T, name string) *sql.DB {
	t.Helper()
	s, err := mysqladmin.Connect(testContext(t), f.credentials(t, name))
	if err != nil {
		t.Fatalf("log in with secret %s: %v", name, err)
	}
	t.Cleanup(func() { s.Close() })
	return s.DB()
}

// versions returns every version id of every secret under the test's
// prefix, sorted.
func (f *fixture) versions(t *testing.T) []string {
	t.Helper()
	var ids []string
	for _, u := range f.users() {
		out, err := f.store.ListSecretVersionIds(testContext(t), &store.ListSecretVersionIdsInput{SecretId: f.secretName(u.Name), IncludeDeprecated: true})
		if err != nil {
			t.Fatal(err)
		}
		for _, v := range out.Versions {
			ids = append(ids, u.Name+":"+v.VersionId)
		}
	}
	slices.Sort(ids)
	return ids
}

// writes counts the audit records of operations that change secrets.
func (f *fixture) writes(t *testing.T) map[string]int {
	t.Helper()
	n := map[string]int{}
	for _, action := range []string{"CreateSecret", "PutSecretValue", "UpdateSecret", "UpdateSecretVersionStage", "RotateSecret"} {
		recs, err := audit.Query(testContext(t), f.store.DB(), audit.Filter{Action: "secretsmanager:" + action})
		if err != nil {
			t.Fatal(err)
		}
		n[action] = len(recs)
	}
	return n
}

// statementCounts reads the server's counters of statements that change
// databases, accounts and grants.
func (f *fixture) statementCounts(t *testing.T) map[string]string {
	t.Helper()
	rows, err := f.root.DB().QueryContext(testContext(t), "SHOW GLOBAL STATUS WHERE Variable_name IN "+
		"('Com_create_db', 'Com_create_user', 'Com_alter_user', 'Com_grant', 'Com_revoke', 'Com_revoke_all', 'Com_set_option', 'Com_drop_user')")
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	m := map[string]string{}
	for rows.Next() {
		var k, v string
		if err := rows.Scan(&k, &v); err != nil {
			t.Fatal(err)
		}
		m[k] = v
	}
	return m
}

// grantsOfAccount reads an account's grants as root.
func (f *fixture) grantsOfAccount(t *testing.T, user string) mysqladmin.Grants {
	t.Helper()
	g, err := f.root.Grants(testContext(t), mysqladmin.Account{User: user, Host: "%"})
	if err != nil {
		t.Fatal(err)
	}
	return g
}

// exec runs a statement as root.
func (f *fixture) exec(t *testing.T, query string, args ...any) {
	t.Helper()
	if _, err := f.root.DB().ExecContext(testContext(t), query, args...); err != nil {
		t.Fatalf("%s: %v", query, err)
	}
}

// denied reports whether err is the server refusing a statement for want of
// a privilege.
func denied(err error) bool {
	var me *mysql.MySQLError
	if !errors.As(err, &me) {
		return false
	}
	switch me.Number {
	case 1044, 1142, 1143, 1227, 1370: // DB, table, column, specific and routine access denied
		return true
	}
	return false
}

func mustRun(t *testing.T, db *sql.DB, who, query string) {
	t.Helper()
	if _, err := db.ExecContext(testContext(t), query); err != nil {
		t.Errorf("%s: %s: got %v, want it allowed", who, query, err)
	}
}

func mustBeDenied(t *testing.T, db *sql.DB, who, query string) {
	t.Helper()
	_, err := db.ExecContext(testContext(t), query)
	if !denied(err) {
		t.Errorf("%s: %s: got %v, want access denied", who, query, err)
	}
}

func TestInit(t *testing.T) {
	f := newFixture(t)
	users := f.users()
	app, rep, ddl := users[0].Name, users[1].Name, users[2].Name
	f.exec(t, "CREATE DATABASE "+quoteIdent(f.lookalike()))
	f.exec(t, "CREATE TABLE "+quoteIdent(f.lookalike())+".t (i INT)")

	first := f.mustInit(t, f.options())

	t.Run("the first run creates everything", func(t *testing.T) {
		if first.DatabaseAction != Created || first.Database != f.db || first.AdminSecretARN != f.adminARN {
			t.Fatalf("got database %q %s admin %q; want %q created, admin %q", first.Database, first.DatabaseAction, first.AdminSecretARN, f.db, f.adminARN)
		}
		if len(first.Users) != 3 {
			t.Fatalf("got %d users in the report, want 3", len(first.Users))
		}
		for i, u := range first.Users {
			if u.User != users[i].Name || u.Role != users[i].Role || u.Action != Created || u.SecretName != f.secretName(u.User) || u.SecretARN == "" {
				t.Errorf("user %d: got %+v, want %s %s created with secret %s", i, u, users[i].Name, users[i].Role, f.secretName(users[i].Name))
			}
			if u.Account != "'"+u.User+"'@'%'" || u.Schedule != "rate(4 days)" {
				t.Errorf("user %s: got account %s schedule %s", u.User, u.Account, u.Schedule)
			}
		}
		var charset string
		if err := f.root.DB().QueryRowContext(testContext(t), "SELECT DEFAULT_CHARACTER_SET_NAME FROM information_schema.SCHEMATA WHERE SCHEMA_NAME = ?", f.db).Scan(&charset); err != nil || charset != "utf8mb4" {
			t.Fatalf("the database's character set: got %q (%v), want utf8mb4", charset, err)
		}
	})

	t.Run("each secret is a credential document for its user, with the admin as master", func(t *testing.T) {
		admin := f.credentials(t, f.adminName)
		seen := map[string]bool{}
		for _, u := range users {
			c := f.credentials(t, f.secretName(u.Name))
			if c.Username != u.Name || c.Host != admin.Host || c.Port != admin.Port || c.DBName != f.db || c.MasterARN != f.adminARN || c.Engine != "mariadb" {
				t.Errorf("%s: got %v dbname %q masterarn %q engine %q", u.Name, c, c.DBName, c.MasterARN, c.Engine)
			}
			if !c.SSL || c.SSLCA != admin.SSLCA {
				t.Errorf("%s: the admin's TLS settings were not kept (ssl %v, same CA %v)", u.Name, c.SSL, c.SSLCA == admin.SSLCA)
			}
			if len(c.Password) != 32 || strings.ContainsAny(c.Password, mysqlrotator.ExcludedPasswordCharacters+" ") {
				t.Errorf("%s: the password is not a 32-character generated one (%d characters)", u.Name, len(c.Password))
			}
			if seen[c.Password] || c.Password == admin.Password {
				t.Errorf("%s: the password is shared with another secret", u.Name)
			}
			seen[c.Password] = true
		}
	})

	t.Run("rotation is on, single user, every four days, not now", func(t *testing.T) {
		for _, u := range users {
			d, err := f.store.DescribeSecret(testContext(t), &store.DescribeSecretInput{SecretId: f.secretName(u.Name)})
			if err != nil {
				t.Fatal(err)
			}
			if !d.RotationEnabled || d.RotationLambdaARN != SingleUserRotator || d.RotationRules == nil ||
				d.RotationRules.ScheduleExpression == nil || *d.RotationRules.ScheduleExpression != "rate(4 days)" {
				t.Errorf("%s: rotation enabled %v with %q rules %+v; want on, %s, rate(4 days)", u.Name, d.RotationEnabled, d.RotationLambdaARN, d.RotationRules, SingleUserRotator)
			}
			if d.NextRotationDate == nil || time.Until(*d.NextRotationDate) < 3*24*time.Hour {
				t.Errorf("%s: next rotation %v, want about four days from now", u.Name, d.NextRotationDate)
			}
		}
	})

	t.Run("each account holds exactly its role on the database", func(t *testing.T) {
		for _, u := range users {
			g := f.grantsOfAccount(t, u.Name)
			if len(g.Objects) != 1 || len(g.Roles) != 0 || g.Objects[0].GrantOption {
				t.Errorf("%s: got %+v, want one object without grant option", u.Name, g.Objects)
				continue
			}
			if g.Objects[0].Object.SQL() != "`"+grantPattern(f.db)+"`.*" {
				t.Errorf("%s: privileges on %s, want on %s with _ escaped", u.Name, g.Objects[0].Object.SQL(), f.db)
			}
			var got []string
			for _, p := range g.Objects[0].Privileges {
				got = append(got, p.Name)
			}
			want := u.Role.Privileges()
			slices.Sort(got)
			slices.Sort(want)
			if !slices.Equal(got, want) {
				t.Errorf("%s: got %v, want %v", u.Name, got, want)
			}
		}
	})

	f.exec(t, "CREATE TABLE "+quoteIdent(f.db)+".items (id INT PRIMARY KEY, name VARCHAR(20))")
	f.exec(t, "INSERT INTO "+quoteIdent(f.db)+".items VALUES (1, 'one')")
	other := f.lookalike()

	t.Run("readonly reads and nothing else", func(t *testing.T) {
		db := f.login(t, f.secretName(rep))
		var name string
		if err := db.QueryRowContext(testContext(t), "SELECT name FROM items WHERE id = 1").Scan(&name); err != nil || name != "one" {
			t.Errorf("readonly: SELECT: got %q, %v", name, err)
		}
		mustBeDenied(t, db, "readonly", "INSERT INTO items VALUES (2, 'two')")
		mustBeDenied(t, db, "readonly", "UPDATE items SET name = 'x'")
		mustBeDenied(t, db, "readonly", "DELETE FROM items")
		mustBeDenied(t, db, "readonly", "CREATE TABLE t2 (i INT)")
		mustBeDenied(t, db, "readonly", "CREATE USER 'x"+f.suffix+"'@'%'")
		mustBeDenied(t, db, "readonly", "SELECT * FROM "+quoteIdent(other)+".t")
	})

	t.Run("readwrite reads and writes rows, and changes no schema", func(t *testing.T) {
		db := f.login(t, f.secretName(app))
		mustRun(t, db, "readwrite", "INSERT INTO items VALUES (2, 'two')")
		mustRun(t, db, "readwrite", "UPDATE items SET name = 'zwei' WHERE id = 2")
		mustRun(t, db, "readwrite", "DELETE FROM items WHERE id = 2")
		mustRun(t, db, "readwrite", "CREATE TEMPORARY TABLE scratch (i INT)")
		mustBeDenied(t, db, "readwrite", "CREATE TABLE t2 (i INT)")
		mustBeDenied(t, db, "readwrite", "DROP TABLE items")
		mustBeDenied(t, db, "readwrite", "CREATE USER 'x"+f.suffix+"'@'%'")
		mustBeDenied(t, db, "readwrite", "GRANT SELECT ON "+quoteIdent(f.db)+".* TO '"+rep+"'@'%'")
		mustBeDenied(t, db, "readwrite", "SELECT * FROM "+quoteIdent(other)+".t")
		mustBeDenied(t, db, "readwrite", "INSERT INTO "+quoteIdent(other)+".t VALUES (1)")
	})

	t.Run("ddl changes the schema of its database only, and grants nothing", func(t *testing.T) {
		db := f.login(t, f.secretName(ddl))
		mustRun(t, db, "ddl", "CREATE TABLE t2 (i INT)")
		mustRun(t, db, "ddl", "ALTER TABLE t2 ADD COLUMN j INT")
		mustRun(t, db, "ddl", "DROP TABLE t2")
		mustBeDenied(t, db, "ddl", "GRANT SELECT ON "+quoteIdent(f.db)+".* TO '"+rep+"'@'%'")
		mustBeDenied(t, db, "ddl", "CREATE USER 'x"+f.suffix+"'@'%'")
		mustBeDenied(t, db, "ddl", "CREATE TABLE "+quoteIdent(other)+".t2 (i INT)")
		mustBeDenied(t, db, "ddl", "CREATE DATABASE "+quoteIdent("new"+f.suffix))
	})

	t.Run("a second run changes nothing", func(t *testing.T) {
		versions, writes, counts := f.versions(t), f.writes(t), f.statementCounts(t)
		grants := map[string]mysqladmin.Grants{}
		for _, u := range users {
			grants[u.Name] = f.grantsOfAccount(t, u.Name)
		}
		second := f.mustInit(t, f.options())
		if second.DatabaseAction != Existed {
			t.Errorf("database: got %s, want existed", second.DatabaseAction)
		}
		for _, u := range second.Users {
			if u.Action != Unchanged || len(u.Changes) > 0 {
				t.Errorf("%s: got %s %q, want unchanged with no change", u.User, u.Action, u.Changes)
			}
			if u.SecretARN != first.Users[slices.IndexFunc(first.Users, func(x UserReport) bool { return x.User == u.User })].SecretARN {
				t.Errorf("%s: the secret's ARN changed", u.User)
			}
		}
		if got := f.versions(t); !slices.Equal(got, versions) {
			t.Errorf("secret versions: got %v, want %v", got, versions)
		}
		if got := f.writes(t); !mapsEqual(got, writes) {
			t.Errorf("audited writes: got %v, want %v (no new write)", got, writes)
		}
		if got := f.statementCounts(t); !mapsEqual(got, counts) {
			t.Errorf("server statement counters: got %v, want %v (no CREATE, ALTER, GRANT or REVOKE)", got, counts)
		}
		for _, u := range users {
			if d := mysqladmin.Diff(grants[u.Name], f.grantsOfAccount(t, u.Name)); len(d) > 0 {
				t.Errorf("%s: grants changed: %v", u.Name, d)
			}
		}
	})
}

func mapsEqual[K comparable, V comparable](a, b map[K]V) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if w, ok := b[k]; !ok || w != v {
			return false
		}
	}
	return true
}

func TestInitRepairsDrift(t *testing.T) {
	f := newFixture(t)
	users := f.users()
	app, rep, ddl := users[0].Name, users[1].Name, users[2].Name
	f.mustInit(t, f.options())
	versions := f.versions(t)

	// Drift, by hand: extra grants (one global), a changed password, a
	// dropped account, and rotation turned off.
	f.exec(t, "GRANT INSERT, DROP ON "+quoteIdent(grantPattern(f.db))+".* TO ?@'%'", rep)
	f.exec(t, "GRANT PROCESS, SELECT ON *.* TO ?@'%'", rep)
	f.exec(t, "GRANT SELECT ON "+quoteIdent(f.lookalike())+".* TO ?@'%' WITH GRANT OPTION", app)
	f.exec(t, "ALTER USER ?@'%' IDENTIFIED BY 'changed-by-hand-1'", app)
	f.exec(t, "DROP USER ?@'%'", ddl)
	if _, err := f.store.CancelRotateSecret(testContext(t), &store.CancelRotateSecretInput{SecretId: f.secretName(rep)}); err != nil {
		t.Fatal(err)
	}

	second := f.mustInit(t, f.options())
	byUser := map[string]UserReport{}
	for _, u := range second.Users {
		byUser[u.User] = u
	}

	t.Run("extra grants are revoked, global ones included", func(t *testing.T) {
		u := byUser[rep]
		if u.Action != Repaired {
			t.Errorf("got %s, want repaired", u.Action)
		}
		for _, want := range []string{"extra INSERT", "extra DROP", "extra PROCESS", "extra SELECT", "rotation on"} {
			if !slices.ContainsFunc(u.Changes, func(c string) bool { return strings.Contains(c, want) }) {
				t.Errorf("the changes %q do not mention %q", u.Changes, want)
			}
		}
		g := f.grantsOfAccount(t, rep)
		if d := mysqladmin.Diff(wantGrants(ReadOnly, f.db, g), g); len(d) > 0 {
			t.Errorf("the grants still differ from the role's: %v", d)
		}
		d, err := f.store.DescribeSecret(testContext(t), &store.DescribeSecretInput{SecretId: f.secretName(rep)})
		if err != nil || !d.RotationEnabled {
			t.Errorf("rotation was not turned back on (%v)", err)
		}
	})

	t.Run("a password changed by hand is set back to the secret's", func(t *testing.T) {
		u := byUser[app]
		if u.Action != Repaired || !slices.ContainsFunc(u.Changes, func(c string) bool { return strings.Contains(c, "set the password") }) {
			t.Errorf("got %s %q, want repaired with the password set", u.Action, u.Changes)
		}
		if g := f.grantsOfAccount(t, app); len(g.Objects) != 1 {
			t.Errorf("the grant on the other database was not revoked: %+v", g.Objects)
		}
		f.login(t, f.secretName(app)) // fails the test if the secret's password does not log in
		c := f.credentials(t, f.secretName(app))
		if _, err := mysqladmin.Connect(testContext(t), c.WithLogin(app, "changed-by-hand-1")); !errors.Is(err, mysqladmin.ErrAccessDenied) {
			t.Errorf("the hand-set password: got %v, want access denied", err)
		}
	})

	t.Run("a dropped account is created again with the secret's password", func(t *testing.T) {
		u := byUser[ddl]
		if u.Action != Created {
			t.Errorf("got %s %q, want created", u.Action, u.Changes)
		}
		db := f.login(t, f.secretName(ddl))
		mustRun(t, db, "ddl", "CREATE TABLE t3 (i INT)")
	})

	t.Run("the store is the truth: no secret changed", func(t *testing.T) {
		if got := f.versions(t); !slices.Equal(got, versions) {
			t.Errorf("secret versions: got %v, want %v", got, versions)
		}
	})

	t.Run("a third run finds nothing to do", func(t *testing.T) {
		for _, u := range f.mustInit(t, f.options()).Users {
			if u.Action != Unchanged {
				t.Errorf("%s: got %s %q, want unchanged", u.User, u.Action, u.Changes)
			}
		}
	})
}

// An existing secret's password is reused: a secret made by hand before
// the account exists gives the account its password.
func TestInitKeepsAnExistingSecret(t *testing.T) {
	f := newFixture(t)
	user := "app" + f.suffix
	name := f.secretName(user)
	doc, _ := json.Marshal(map[string]any{"engine": "mariadb", "host": f.srv.Host, "port": f.srv.Port, "username": user,
		"password": "set-by-hand;" + f.suffix, "dbname": f.db, "masterarn": f.adminARN})
	value := string(doc)
	created, err := f.store.CreateSecret(testContext(t), &store.CreateSecretInput{Name: name, SecretString: &value})
	if err != nil {
		t.Fatal(err)
	}
	rep := f.mustInit(t, Options{Database: f.db, Users: []User{{user, ReadWrite}}})
	u := rep.Users[0]
	if u.Action != Created || u.SecretARN != created.ARN || slices.ContainsFunc(u.Changes, func(c string) bool { return strings.Contains(c, "created secret") }) {
		t.Fatalf("got %s %q ARN %s; want the account created and the secret %s kept", u.Action, u.Changes, u.SecretARN, created.ARN)
	}
	got, err := f.store.GetSecretValue(testContext(t), &store.GetSecretValueInput{SecretId: name})
	if err != nil || got.VersionId != created.VersionId || *got.SecretString != value {
		t.Fatalf("the secret changed (err %v)", err)
	}
	f.login(t, name)
}

func TestInitRejectsBadInput(t *testing.T) {
	f := newFixture(t)
	ctx := testContext(t)
	// An administrator who may read but not create accounts, one without
	// GRANT OPTION, and secrets that are not what db init needs.
	f.newAdmin(t, "prod/mysql/reader", "rdr"+f.suffix, "GRANT SELECT ON *.* TO ?@?")
	f.newAdmin(t, "prod/mysql/nogrant", "nog"+f.suffix, "GRANT SELECT, CREATE, CREATE USER ON *.* TO ?@?")
	text := "not credentials at all"
	if _, err := f.store.CreateSecret(ctx, &store.CreateSecretInput{Name: "prod/mysql/text", SecretString: &text}); err != nil {
		t.Fatal(err)
	}
	wrong := f.credentials(t, f.adminName).WithLogin(f.adminUser, "wrong-password")
	wrongDoc, err := wrong.JSON()
	if err != nil {
		t.Fatal(err)
	}
	wrongValue := string(wrongDoc)
	if _, err := f.store.CreateSecret(ctx, &store.CreateSecretInput{Name: "prod/mysql/wrongpw", SecretString: &wrongValue}); err != nil {
		t.Fatal(err)
	}
	// A secret in the way: it names another user.
	other := f.credentials(t, f.adminName).WithLogin("someone"+f.suffix, "whatever-1")
	otherDoc, _ := other.JSON()
	otherValue := string(otherDoc)
	taken := "taken" + f.suffix
	if _, err := f.store.CreateSecret(ctx, &store.CreateSecretInput{Name: f.secretName(taken), SecretString: &otherValue}); err != nil {
		t.Fatal(err)
	}

	app := User{"app" + f.suffix, ReadWrite}
	long := User{strings.Repeat("u", 81-len(f.suffix)) + f.suffix, ReadOnly}
	cases := []struct {
		name    string
		admin   string
		opts    Options
		is      error
		code    string // a Secrets Manager error code instead of is
		mention []string
	}{
		{name: "unknown role", admin: f.adminName, opts: Options{Database: f.db, Users: []User{app, {"rep" + f.suffix, "superuser"}}},
			is: ErrInvalidOptions, mention: []string{`unknown role "superuser"`, "readwrite, readonly, ddl"}},
		{name: "a user name the server refuses", admin: f.adminName, opts: Options{Database: f.db, Users: []User{app, long}},
			is: mysqladmin.ErrNameTooLong, mention: []string{"81 characters", "allows 80"}},
		{name: "the admin's own user", admin: f.adminName, opts: Options{Database: f.db, Users: []User{app, {f.adminUser, ReadOnly}}},
			is: ErrInvalidOptions, mention: []string{"admin secret's own user"}},
		{name: "a missing admin secret", admin: "prod/mysql/nobody", opts: Options{Database: f.db, Users: []User{app}},
			code: secret.CodeResourceNotFound, mention: []string{`admin secret "prod/mysql/nobody"`}},
		{name: "an admin secret that is not credentials", admin: "prod/mysql/text", opts: Options{Database: f.db, Users: []User{app}},
			is: ErrAdminSecret, mention: []string{`admin secret "prod/mysql/text" is not database credentials`, "malformed JSON"}},
		{name: "an admin secret whose password is wrong", admin: "prod/mysql/wrongpw", opts: Options{Database: f.db, Users: []User{app}},
			is: mysqladmin.ErrAccessDenied, mention: []string{`admin secret "prod/mysql/wrongpw"`, "access denied"}},
		{name: "an admin who cannot create accounts", admin: "prod/mysql/reader", opts: Options{Database: f.db, Users: []User{app}},
			is: mysqladmin.ErrNotPermitted, mention: []string{"CREATE USER on *.*", "CREATE on `" + grantPattern(f.db) + "`.*", "GRANT OPTION"}},
		{name: "an admin who cannot grant", admin: "prod/mysql/nogrant", opts: Options{Database: f.db, Users: []User{app}},
			is: mysqladmin.ErrNotPermitted, mention: []string{"INSERT on", "GRANT OPTION on"}},
		{name: "a secret in the way", admin: f.adminName, opts: Options{Database: f.db, Users: []User{app, {taken, ReadOnly}}},
			is: ErrConflict, mention: []string{f.secretName(taken), `exists for user "someone` + f.suffix + `"`}},
		{name: "a secret name that cannot be", admin: f.adminName, opts: Options{Database: f.db, Users: []User{app}, SecretPrefix: "bad prefix/"},
			is: ErrInvalidOptions, mention: []string{`secret name "bad prefix/app`}},
	}
	before := f.writes(t)
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			rep, progress, err := f.init(t, c.admin, c.opts)
			if err == nil {
				t.Fatalf("got a report %+v, want an error", rep)
			}
			if c.code != "" && !secret.IsCode(err, c.code) || c.is != nil && !errors.Is(err, c.is) {
				t.Fatalf("got %v, want %v%s", err, c.is, c.code)
			}
			for _, m := range c.mention {
				if !strings.Contains(err.Error(), m) {
					t.Errorf("the error %q does not say %q", err, m)
				}
			}
			for _, pw := range []string{f.credentials(t, f.adminName).Password, "whatever-1"} {
				if strings.Contains(err.Error(), pw) || strings.Contains(progress, pw) {
					t.Error("a password appears in the error or the progress")
				}
			}
			// Nothing was created: no database, no account, no secret.
			var n int
			if err := f.root.DB().QueryRowContext(ctx, "SELECT COUNT(*) FROM information_schema.SCHEMATA WHERE SCHEMA_NAME = ?", f.db).Scan(&n); err != nil || n != 0 {
				t.Errorf("the database exists (%v)", err)
			}
			for _, u := range c.opts.Users {
				if u.Name == f.adminUser {
					continue
				}
				if ok, err := f.root.AccountExists(ctx, mysqladmin.Account{User: u.Name, Host: "%"}); err != nil || ok {
					t.Errorf("account %s exists (%v)", u.Name, err)
				}
			}
			if got := f.writes(t); !mapsEqual(got, before) {
				t.Errorf("audited writes: got %v, want %v", got, before)
			}
		})
	}
}

// After Init, the single-user rotator rotates a user's secret with the admin
// as master: an application holding the old password keeps logging in
// throughout, and both passwords work afterwards.
func TestRotationAfterInit(t *testing.T) {
	f := newFixture(t)
	user := "app" + f.suffix
	name := f.secretName(user)
	f.mustInit(t, Options{Database: f.db, Users: []User{{user, ReadWrite}}})
	old := f.credentials(t, name)

	engine := &rotation.Engine{
		Store: f.store,
		Rotator: func(rotator, current string) (rotation.Rotator, error) {
			if rotator != SingleUserRotator {
				return nil, fmt.Errorf("rotator %q, want %q", rotator, SingleUserRotator)
			}
			return &mysqlrotator.SingleUser{ViaMaster: true}, nil
		},
	}
	stop := make(chan struct{})
	done := make(chan [2]int)
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
	_, err := engine.Rotate(testContext(t), name, "")
	close(stop)
	logins := <-done
	if err != nil {
		t.Fatalf("rotate: %v", err)
	}
	if logins[1] != 0 || logins[0] == 0 {
		t.Fatalf("logins with the old password during the rotation: %d ok, %d failed; want some and no failure", logins[0], logins[1])
	}
	cur := f.credentials(t, name)
	if cur.Password == old.Password {
		t.Fatal("the password did not change")
	}
	for _, c := range []mysqladmin.Credentials{old, cur} {
		s, err := mysqladmin.Connect(testContext(t), c)
		if err != nil {
			t.Fatalf("after the rotation a password does not log in: %v", err)
		}
		s.Close()
	}
	// Init agrees with the rotated state.
	for _, u := range f.mustInit(t, Options{Database: f.db, Users: []User{{user, ReadWrite}}}).Users {
		if u.Action != Unchanged {
			t.Errorf("after the rotation, Init: got %s %q, want unchanged", u.Action, u.Changes)
		}
	}
}

// BenchmarkInitUnchanged measures a run that finds nothing to do: three
// users, each checked by a login, a read of its grants and a proof login.
func BenchmarkInitUnchanged(b *testing.B) {
	f := newFixture(b)
	opts := Options{Database: f.db, Users: f.users()}
	if _, err := Init(testContext(b), f.store, f.adminName, opts); err != nil {
		b.Fatal(err)
	}
	ctx := testContext(b)
	for b.Loop() {
		if _, err := Init(ctx, f.store, f.adminName, opts); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkInitFirstRun measures a run that creates the database, three
// users, their secrets and their rotation.
func BenchmarkInitFirstRun(b *testing.B) {
	f := newFixture(b)
	ctx := testContext(b)
	i := 0
	for b.Loop() {
		i++
		db := fmt.Sprintf("%s_%d", f.db, i)
		var users []User
		for _, u := range f.users() {
			users = append(users, User{Name: fmt.Sprintf("%s%d", u.Name[:3], i) + f.suffix, Role: u.Role})
		}
		if _, err := Init(ctx, f.store, f.adminName, Options{Database: db, Users: users}); err != nil {
			b.Fatal(err)
		}
		b.StopTimer()
		f.root.DB().ExecContext(ctx, "DROP DATABASE "+quoteIdent(db))
		b.StartTimer()
	}
}
