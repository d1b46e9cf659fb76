package bootstrap

import (
	"encoding/json"
	"errors"
	"slices"
	"strings"
	"testing"

	"github.com/dbwarden/dbwarden/internal/mysqladmin"
)

func TestParseUser(t *testing.T) {
	good := []struct {
		in   string
		want User
	}{
		{"app=readwrite", User{"app", ReadWrite}},
		{"reporting=readonly", User{"reporting", ReadOnly}},
		{"migrator=DDL", User{"migrator", DDL}},
		{" app.v2 = ReadWrite ", User{"app.v2", ReadWrite}},
	}
	for _, c := range good {
		got, err := ParseUser(c.in)
		if err != nil || got != c.want {
			t.Errorf("ParseUser(%q) = %+v, %v; want %+v", c.in, got, err, c.want)
		}
	}
	bad := []struct{ in, mention string }{
		{"app", "NAME=ROLE"},
		{"app=", "has no role"},
		{"=readwrite", "empty"},
		{"app=superuser", `unknown role "superuser"; the roles are readwrite, readonly, ddl`},
		{"app=admin", "unknown role"},
		{"my app=readonly", "letters, digits"},
		{"app'x=readonly", "letters, digits"},
		{"app`x=readonly", "letters, digits"},
		{"root=readonly", "system or administrator account"},
		{"PUBLIC=readonly", "system or administrator account"},
		{strings.Repeat("u", 300) + "=readonly", "no server allows"},
	}
	for _, c := range bad {
		_, err := ParseUser(c.in)
		if !errors.Is(err, ErrInvalidOptions) {
			t.Errorf("ParseUser(%.40q): got %v, want an error wrapping ErrInvalidOptions", c.in, err)
			continue
		}
		if !strings.Contains(err.Error(), c.mention) {
			t.Errorf("ParseUser(%.40q): got %q, want it to say %q", c.in, err, c.mention)
		}
	}
}

func TestRolePrivileges(t *testing.T) {
	want := map[Role]string{
		ReadWrite: "SELECT, INSERT, UPDATE, DELETE, EXECUTE, CREATE TEMPORARY TABLES, LOCK TABLES",
		ReadOnly:  "SELECT, SHOW VIEW",
		DDL:       "ALL PRIVILEGES",
	}
	for _, r := range Roles {
		if got := strings.Join(r.Privileges(), ", "); got != want[r] {
			t.Errorf("%s: got %s, want %s", r, got, want[r])
		}
	}
	if Role("admin").Valid() || Role("admin").Privileges() != nil {
		t.Error("an unknown role is valid or has privileges")
	}
	// Privileges returns a copy.
	p := ReadOnly.Privileges()
	p[0] = "DROP"
	if ReadOnly.Privileges()[0] != "SELECT" {
		t.Error("changing the result of Privileges changed the role")
	}
}

func TestOptionsAreCheckedBeforeAnything(t *testing.T) {
	users := []User{{"app", ReadWrite}}
	cases := []struct {
		name    string
		opts    Options
		mention string
	}{
		{"no database", Options{Users: users}, "database: is missing"},
		{"database with a space", Options{Database: "my db", Users: users}, "letters, digits, _ and -"},
		{"database with a backtick", Options{Database: "a`b", Users: users}, "letters, digits, _ and -"},
		{"system database", Options{Database: "mysql", Users: users}, "system database"},
		{"system database in capitals", Options{Database: "INFORMATION_SCHEMA", Users: users}, "system database"},
		{"long database name", Options{Database: strings.Repeat("d", 65), Users: users}, "more than the 64"},
		{"no users", Options{Database: "shop"}, "at least one"},
		{"a user twice", Options{Database: "shop", Users: []User{{"app", ReadWrite}, {"app", ReadOnly}}}, `user "app": is given twice`},
		{"unknown role", Options{Database: "shop", Users: []User{{"app", "owner"}}}, `unknown role "owner"`},
		{"schedule too often", Options{Database: "shop", Users: users, Schedule: "rate(1 hours)"}, `schedule "rate(1 hours)"`},
		{"schedule gibberish", Options{Database: "shop", Users: users, Schedule: "every day"}, `schedule "every day"`},
		{"host with a quote", Options{Database: "shop", Users: users, Host: "a'b"}, "account host"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			opts := c.opts
			err := opts.normalize()
			if !errors.Is(err, ErrInvalidOptions) {
				t.Fatalf("got %v, want an error wrapping ErrInvalidOptions", err)
			}
			if !strings.Contains(err.Error(), c.mention) {
				t.Fatalf("got %q, want it to say %q", err, c.mention)
			}
		})
	}
	t.Run("defaults", func(t *testing.T) {
		o := Options{Database: "shop", Users: users}
		if err := o.normalize(); err != nil {
			t.Fatal(err)
		}
		if o.Schedule != "rate(4 days)" || o.Host != "%" || o.Rotator != "dbwarden:mysql-single-user" {
			t.Fatalf("got schedule %q host %q rotator %q, want rate(4 days), %%, dbwarden:mysql-single-user", o.Schedule, o.Host, o.Rotator)
		}
	})
}

func TestDefaultPrefix(t *testing.T) {
	for _, c := range []struct{ admin, db, want string }{
		{"prod/mysql/admin", "campaign", "prod/mysql/campaign/"},
		{"admin", "campaign", "campaign/"},
		{"a/b/c/d", "x", "a/b/c/x/"},
	} {
		if got := defaultPrefix(c.admin, c.db); got != c.want {
			t.Errorf("defaultPrefix(%q, %q) = %q, want %q", c.admin, c.db, got, c.want)
		}
	}
}

func TestGrantPatternIsLiteral(t *testing.T) {
	for _, c := range []struct{ db, want string }{
		{"campaign", "campaign"},
		{"my_db", `my\_db`},
		{"a_b_c", `a\_b\_c`},
		{"a-b", "a-b"},
	} {
		got := grantPattern(c.db)
		if got != c.want {
			t.Errorf("grantPattern(%q) = %q, want %q", c.db, got, c.want)
		}
		if !matchPattern(got, c.db) {
			t.Errorf("the pattern %q does not match its own database %q", got, c.db)
		}
	}
	if matchPattern(grantPattern("my_db"), "myXdb") {
		t.Error(`the pattern for my_db matches myXdb: "_" was left a wildcard`)
	}
}

func TestMatchPattern(t *testing.T) {
	for _, c := range []struct {
		pattern, name string
		want          bool
	}{
		{"shop", "shop", true},
		{"shop", "shops", false},
		{"shop%", "shops", true},
		{"%", "anything", true},
		{"s_op", "shop", true},
		{"s_op", "sop", false},
		{`s\_op`, "s_op", true},
		{`s\_op`, "shop", false},
		{`100\%`, "100%", true},
		{`100\%`, "1000", false},
		{"%_prod", "x_prod", true},
		{"%_prod", "_prod", true},
		{"%_prod", "prod", false},
	} {
		if got := matchPattern(c.pattern, c.name); got != c.want {
			t.Errorf("matchPattern(%q, %q) = %v, want %v", c.pattern, c.name, got, c.want)
		}
	}
}

// grantsOf parses SHOW GRANTS lines as a server prints them.
func grantsOf(t *testing.T, lines ...string) mysqladmin.Grants {
	t.Helper()
	g, err := mysqladmin.ParseGrants(lines, "")
	if err != nil {
		t.Fatal(err)
	}
	return g
}

func TestAdminPrivilegeCheck(t *testing.T) {
	all := []Role{ReadWrite, ReadOnly, DDL}
	cases := []struct {
		name     string
		lines    []string
		createDB bool
		roles    []Role
		missing  []string // each must appear; none means nothing is missing
	}{
		{
			name:     "root",
			lines:    []string{"GRANT ALL PRIVILEGES ON *.* TO `root`@`localhost` WITH GRANT OPTION"},
			createDB: true, roles: all,
		},
		{
			name: "the master user of RDS for MySQL 8",
			lines: []string{"GRANT SELECT, INSERT, UPDATE, DELETE, CREATE, DROP, RELOAD, PROCESS, REFERENCES, INDEX, ALTER, SHOW DATABASES, " +
				"CREATE TEMPORARY TABLES, LOCK TABLES, EXECUTE, REPLICATION SLAVE, REPLICATION CLIENT, CREATE VIEW, SHOW VIEW, " +
				"CREATE ROUTINE, ALTER ROUTINE, CREATE USER, EVENT, TRIGGER ON *.* TO `admin`@`%` WITH GRANT OPTION"},
			createDB: true, roles: all,
		},
		{
			name: "privileges on a pattern that matches the database",
			lines: []string{
				"GRANT SELECT, CREATE USER ON *.* TO `dba`@`%`",
				"GRANT ALL PRIVILEGES ON `camp%`.* TO `dba`@`%` WITH GRANT OPTION",
			},
			createDB: true, roles: all,
		},
		{
			name:     "no CREATE USER",
			lines:    []string{"GRANT SELECT ON *.* TO `ro`@`%`"},
			createDB: true, roles: []Role{ReadOnly},
			missing: []string{"CREATE USER on *.*", "CREATE on `campaign`.*", "SHOW VIEW on `campaign`.* (to grant it)", "GRANT OPTION on `campaign`.*"},
		},
		{
			name: "privileges without GRANT OPTION",
			lines: []string{
				"GRANT SELECT, CREATE USER ON *.* TO `dba`@`%`",
				"GRANT ALL PRIVILEGES ON `campaign`.* TO `dba`@`%`",
			},
			roles:   []Role{ReadOnly},
			missing: []string{"GRANT OPTION on `campaign`.*"},
		},
		{
			name: "privileges on another database only",
			lines: []string{
				"GRANT SELECT, CREATE USER ON *.* TO `dba`@`%`",
				"GRANT ALL PRIVILEGES ON `other`.* TO `dba`@`%` WITH GRANT OPTION",
			},
			roles:   []Role{ReadWrite},
			missing: []string{"INSERT on `campaign`.*", "GRANT OPTION on `campaign`.*"},
		},
		{
			name:    "cannot read the accounts",
			lines:   []string{"GRANT CREATE USER ON *.* TO `dba`@`%`", "GRANT ALL PRIVILEGES ON `campaign`.* TO `dba`@`%` WITH GRANT OPTION"},
			roles:   []Role{ReadOnly},
			missing: []string{"SELECT on `mysql`.*"},
		},
		{
			name: "a database is not created when it exists",
			lines: []string{
				"GRANT SELECT, CREATE USER ON *.* TO `dba`@`%`",
				"GRANT SELECT, SHOW VIEW ON `campaign`.* TO `dba`@`%` WITH GRANT OPTION",
			},
			roles: []Role{ReadOnly},
		},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got := effectiveOn(grantsOf(t, c.lines...), "campaign").missing("campaign", c.createDB, c.roles)
			if len(c.missing) == 0 && len(got) > 0 {
				t.Fatalf("got missing %q, want nothing missing", got)
			}
			for _, m := range c.missing {
				if !slices.ContainsFunc(got, func(g string) bool { return strings.HasPrefix(g, m) }) {
					t.Errorf("missing %q is not reported; got %q", m, got)
				}
			}
		})
	}
}

func TestCredentialDocument(t *testing.T) {
	admin, err := mysqladmin.ParseCredentials([]byte(`{"engine":"mariadb","host":"db.internal","port":"3307","username":"admin","password":"adm","dbname":"x","ssl":true,"dbInstanceIdentifier":"db-1"}`))
	if err != nil {
		t.Fatal(err)
	}
	r := &run{admin: admin, opts: Options{Database: "campaign"}}
	const pw = `p<a>&s;{"}`
	doc, err := r.credentialDocument("app", pw, "arn:aws:secretsmanager:us-east-1:000000000000:secret:prod/mysql/admin-AbCdEf")
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]any
	if err := json.Unmarshal(doc, &m); err != nil {
		t.Fatalf("the document is not JSON: %v", err)
	}
	want := map[string]any{
		"engine": "mariadb", "host": "db.internal", "port": float64(3307), "username": "app", "dbname": "campaign",
		"masterarn": "arn:aws:secretsmanager:us-east-1:000000000000:secret:prod/mysql/admin-AbCdEf", "ssl": true,
	}
	for k, v := range want {
		if m[k] != v {
			t.Errorf("field %s: got %v, want %v", k, m[k], v)
		}
	}
	if m["password"] != pw {
		t.Error("the password in the document differs from the generated one")
	}
	if _, ok := m["dbInstanceIdentifier"]; ok {
		t.Error("a field of the admin's document that is not a credential field was copied")
	}
	c, err := mysqladmin.ParseCredentials(doc)
	if err != nil || c.Password != pw || !c.SSL {
		t.Fatalf("the document does not read back as credentials with the password and TLS (err %v)", err)
	}
}
