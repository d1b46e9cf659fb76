package mysqlscan

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/dbwarden/dbwarden/internal/mysqladmin"
	"github.com/dbwarden/dbwarden/internal/scan"
	"github.com/dbwarden/dbwarden/internal/scan/rules"
	"github.com/dbwarden/dbwarden/internal/testenv"
)

func TestMain(m *testing.M) { testenv.Main(m) }

func testContext(t testing.TB) context.Context {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	t.Cleanup(cancel)
	return ctx
}

func randomHex(n int) string {
	b := make([]byte, n)
	rand.Read(b)
	return hex.EncodeToString(b)
}

// connect logs in over TLS (the test turns require_secure_transport on) and
// closes the connection when the test ends.
func connect(t testing.TB, srv *testenv.MariaDBServer, user, password string) *mysqladmin.Server {
	t.Helper()
	s, err := mysqladmin.Connect(testContext(t), mysqladmin.Credentials{
		Engine: "mariadb", Host: srv.Host, Port: srv.Port, Username: user, Password: password,
		SSL: true, SSLCA: string(srv.CAPEM),
	})
	if err != nil {
		t.Fatalf("connect as %q: %v", user, err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

func mustExec(t testing.TB, s *mysqladmin.Server, query string, args ...any) {
	t.Helper()
	if _, err := s.DB().ExecContext(testContext(t), query, args...); err != nil {
		t.Fatalf("%s: %v", query, err)
	}
}

// cleanup runs statements when the test ends, ignoring errors (the test may
// have run them already).
func cleanup(t testing.TB, s *mysqladmin.Server, queries ...string) {
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		defer cancel()
		for _, q := range queries {
			s.DB().ExecContext(ctx, q)
		}
	})
}

// restoreGlobals sets the global variables back to what they are now when
// the test ends: the server is shared by the tests of this process.
func restoreGlobals(t testing.TB, s *mysqladmin.Server, names ...string) {
	t.Helper()
	saved := map[string]string{}
	for _, n := range names {
		var v string
		if err := s.DB().QueryRowContext(testContext(t), "SELECT @@GLOBAL."+n).Scan(&v); err != nil {
			t.Fatalf("read %s: %v", n, err)
		}
		saved[n] = v
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		defer cancel()
		for n, v := range saved {
			var arg any = v
			if i, err := strconv.Atoi(v); err == nil {
				arg = i // boolean variables refuse the strings '0' and '1'
			}
			if _, err := s.DB().ExecContext(ctx, "SET GLOBAL "+n+" = ?", arg); err != nil {
				t.Errorf("restore %s: %v", n, err)
			}
		}
	})
}

// liveRules are the catalog's rules for live servers.
func liveRules() []*scan.Rule {
	var out []*scan.Rule
	for _, r := range rules.All() {
		if _, ok := r.Applies[scan.MySQL]; ok {
			out = append(out, r)
		}
	}
	return out
}

// scanServer loads s and runs the live rules; it returns the project and
// the findings as "RULE-ID resource" keys with their messages.
func scanServer(t *testing.T, s *mysqladmin.Server, label string) (*scan.Project, map[string][]string) {
	t.Helper()
	p := &scan.Project{Profile: scan.Profiles["baseline"]}
	if err := Load(testContext(t), p, s, label); err != nil {
		t.Fatalf("load: %v", err)
	}
	got := map[string][]string{}
	for _, f := range scan.Run(p, liveRules(), nil) {
		if f.Unknown {
			t.Errorf("%s %s: unknown finding on a live server: %s", f.RuleID, f.Resource, f.Message)
		}
		if f.File != label || f.Lang != scan.MySQL {
			t.Errorf("%s %s: got file %q language %q, want %q %q", f.RuleID, f.Resource, f.File, f.Lang, label, scan.MySQL)
		}
		k := f.RuleID + " " + f.Resource
		got[k] = append(got[k], f.Message)
	}
	return p, got
}

func keys(m map[string][]string) []string {
	var ks []string
	for k := range m {
		ks = append(ks, k)
	}
	sort.Strings(ks)
	return ks
}

func resourceOf(p *scan.Project, kind, addr string) *scan.Resource {
	for _, r := range p.Resources {
		if r.Kind == kind && r.Address == addr {
			return r
		}
	}
	return nil
}

var hashRe = regexp.MustCompile(`\*[0-9A-Fa-f]{40}`)

// assertNoSecrets walks every value loaded and fails if one holds a
// password hash or one of the passwords (never printed).
func assertNoSecrets(t *testing.T, p *scan.Project, passwords ...string) {
	t.Helper()
	var walk func(addr string, v *scan.Value)
	walk = func(addr string, v *scan.Value) {
		if v == nil {
			return
		}
		if hashRe.MatchString(v.Str) {
			t.Errorf("%s: a value holds a password hash (not shown)", addr)
		}
		for i, pw := range passwords {
			if strings.Contains(v.Str, pw) {
				t.Errorf("%s: a value holds password #%d (not shown)", addr, i+1)
			}
		}
		for _, e := range v.List {
			walk(addr, e)
		}
		for _, e := range v.Map {
			walk(addr, e)
		}
	}
	for _, r := range p.Resources {
		walk(r.Address, r.Attrs)
	}
}

func TestLiveScan(t *testing.T) {
	srv := testenv.MariaDB(t)
	root := connect(t, srv, srv.User, srv.Password)
	label := "mysql://root@" + srv.Addr()
	sfx := randomHex(3)
	pw := "Pw-" + randomHex(12)

	restoreGlobals(t, root, "local_infile", "general_log", "slow_query_log", "require_secure_transport")

	acct := func(user, host string) string { return mysqladmin.Account{User: user, Host: host}.String() }
	var (
		noPass   = acct("nopass_"+sfx, "192.0.2.1")
		anon     = acct("", "192.0.2.1")
		rootAny  = acct("root", "%")
		wide     = acct("wide_"+sfx, "192.0.2.1")
		viaRole  = acct("viarole_"+sfx, "192.0.2.1")
		admin    = acct("admin_"+sfx, "192.0.2.1")
		locked   = acct("locked_"+sfx, "192.0.2.1")
		socket   = acct("sock_"+sfx, "localhost")
		oldHash  = acct("old_"+sfx, "192.0.2.1")
		appUser  = acct("app_"+sfx, "192.0.2.1")
		role     = "wide_role_" + sfx
		testPatt = `test\_%`
	)
	drops := []string{
		"DROP USER IF EXISTS " + noPass, "DROP USER IF EXISTS " + anon, "DROP USER IF EXISTS " + rootAny,
		"DROP USER IF EXISTS " + wide, "DROP USER IF EXISTS " + viaRole, "DROP USER IF EXISTS " + admin,
		"DROP USER IF EXISTS " + locked, "DROP USER IF EXISTS " + socket, "DROP USER IF EXISTS " + oldHash,
		"DROP USER IF EXISTS " + appUser, "DROP ROLE IF EXISTS " + role,
		"DROP DATABASE IF EXISTS test",
		"DELETE FROM mysql.db WHERE Db = 'test\\\\_%' AND User = ''", "FLUSH PRIVILEGES",
	}
	cleanup(t, root, drops...)

	// The bad state.
	mustExec(t, root, "SET GLOBAL local_infile = 1")
	mustExec(t, root, "SET GLOBAL general_log = 1")
	mustExec(t, root, "SET GLOBAL slow_query_log = 0")
	mustExec(t, root, "SET GLOBAL require_secure_transport = OFF")
	mustExec(t, root, "CREATE USER "+noPass)
	mustExec(t, root, "CREATE USER "+anon+" IDENTIFIED BY ?", pw)
	mustExec(t, root, "CREATE USER "+rootAny+" IDENTIFIED BY ?", pw)
	mustExec(t, root, "CREATE USER "+wide+" IDENTIFIED BY ?", pw)
	mustExec(t, root, "GRANT SELECT, INSERT ON *.* TO "+wide)
	mustExec(t, root, "CREATE ROLE "+role)
	mustExec(t, root, "GRANT UPDATE ON *.* TO "+role)
	mustExec(t, root, "CREATE USER "+viaRole+" IDENTIFIED BY ?", pw)
	mustExec(t, root, "GRANT "+role+" TO "+viaRole)
	mustExec(t, root, "CREATE USER "+admin+" IDENTIFIED BY ?", pw)
	mustExec(t, root, "GRANT ALL PRIVILEGES ON *.* TO "+admin)
	mustExec(t, root, "CREATE USER "+locked+" ACCOUNT LOCK")
	mustExec(t, root, "CREATE USER "+socket+" IDENTIFIED VIA unix_socket")
	mustExec(t, root, "CREATE USER "+oldHash+" IDENTIFIED VIA mysql_old_password USING '0123456789abcdef'")
	mustExec(t, root, "CREATE USER "+appUser+" IDENTIFIED BY ?", pw)
	mustExec(t, root, "CREATE DATABASE test")
	mustExec(t, root, "GRANT SELECT, INSERT ON test.* TO "+appUser)
	mustExec(t, root, "INSERT INTO mysql.db (Host, Db, User, Select_priv, Insert_priv) VALUES ('%', ?, '', 'Y', 'Y')", testPatt)
	mustExec(t, root, "FLUSH PRIVILEGES")

	p, got := scanServer(t, root, label)
	assertNoSecrets(t, p, pw)

	t.Run("the server and accounts are loaded with their attributes", func(t *testing.T) {
		s := resourceOf(p, "server", label)
		if s == nil {
			t.Fatalf("no server resource %q", label)
		}
		if v, _ := s.Attr("flavor").String(); v != "mariadb" {
			t.Errorf("flavor: got %q, want mariadb", v)
		}
		if v, _ := s.Attr("local_infile").String(); v != "ON" {
			t.Errorf("local_infile: got %q, want ON", v)
		}
		a := resourceOf(p, "account", viaRole)
		if a == nil {
			t.Fatalf("no account resource %s", viaRole)
		}
		var privs []string
		for _, v := range a.Attr("global_privileges").Items() {
			privs = append(privs, v.Str)
		}
		if strings.Join(privs, ",") != "UPDATE" {
			t.Errorf("%s: global_privileges got %v, want [UPDATE] (from its role)", viaRole, privs)
		}
		if b, _ := resourceOf(p, "account", admin).Attr("is_admin").True(false); !b {
			t.Errorf("%s: is_admin got false, want true", admin)
		}
		sock := resourceOf(p, "account", socket)
		for _, k := range []string{"has_password", "empty_password"} {
			if b, _ := sock.Attr(k).True(false); b {
				t.Errorf("%s: %s got true, want false for unix_socket", socket, k)
			}
		}
		if b, _ := sock.Attr("socket_auth").True(false); !b {
			t.Errorf("%s: socket_auth got false, want true", socket)
		}
		if resourceOf(p, "account", "'"+role+"'@''") != nil {
			t.Errorf("the role %s was loaded as an account", role)
		}
	})

	want := []string{
		"DBW-MYSQL-001 " + label,   // local_infile ON
		"DBW-MYSQL-003 " + label,   // require_secure_transport OFF
		"DBW-MYSQL-005 " + label,   // general_log ON
		"DBW-MYSQL-006 " + label,   // secure_file_priv not set (a start option)
		"DBW-MYSQL-007 " + label,   // have_symlink YES (a start option)
		"DBW-MYSQL-008 " + label,   // slow_query_log OFF
		"DBW-MYSQL-009 " + label,   // log_bin OFF (a start option)
		"DBW-MYSQL-012 " + oldHash, // mysql_old_password
		"DBW-MYSQL-013 " + noPass,
		"DBW-MYSQL-014 " + anon,
		"DBW-MYSQL-015 " + rootAny,
		"DBW-MYSQL-016 " + wide,
		"DBW-MYSQL-016 " + viaRole,
		"DBW-MYSQL-017 test",
		"DBW-MYSQL-017 " + testPatt,
	}
	t.Run("each bad setting and account gives its finding", func(t *testing.T) {
		for _, k := range want {
			if _, ok := got[k]; !ok {
				t.Errorf("no finding %q; got %q", k, keys(got))
			}
		}
	})
	t.Run("good settings and accounts give none", func(t *testing.T) {
		for _, k := range []string{
			"DBW-MYSQL-002 " + label, // skip_name_resolve ON
			"DBW-MYSQL-004 " + label, // TLSv1.2,TLSv1.3
			"DBW-MYSQL-010 " + label, // no binary log to expire
			"DBW-MYSQL-011 " + label, // utf8mb4
			"DBW-MYSQL-013 " + locked,
			"DBW-MYSQL-013 " + socket,
			"DBW-MYSQL-016 " + admin,
			"DBW-MYSQL-016 " + appUser,
			"DBW-MYSQL-015 " + acct("root", "127.0.0.1"),
			"DBW-MYSQL-013 " + acct("root", "localhost"),
			"DBW-MYSQL-013 " + acct("mariadb.sys", "localhost"), // locked
		} {
			if msgs, ok := got[k]; ok {
				t.Errorf("unexpected finding %q: %q", k, msgs)
			}
		}
		for k, msgs := range got {
			for _, m := range msgs {
				if strings.Contains(m, pw) || hashRe.MatchString(m) {
					t.Errorf("%s: a message holds a secret (not shown)", k)
				}
			}
		}
	})

	// Fix what can be fixed while the server runs.
	mustExec(t, root, "SET GLOBAL local_infile = 0")
	mustExec(t, root, "SET GLOBAL general_log = 0")
	mustExec(t, root, "SET GLOBAL slow_query_log = 1")
	mustExec(t, root, "SET GLOBAL require_secure_transport = ON")
	for _, q := range drops {
		mustExec(t, root, q)
	}
	// The pool may hold connections made before TLS was required; TLS ones
	// work either way.
	_, got = scanServer(t, root, label)

	t.Run("fixed settings and accounts give no finding", func(t *testing.T) {
		for _, k := range want {
			switch k {
			case "DBW-MYSQL-006 " + label, "DBW-MYSQL-007 " + label, "DBW-MYSQL-009 " + label:
				if _, ok := got[k]; !ok {
					t.Errorf("no finding %q after the fix, want it still (a start option)", k)
				}
				continue
			}
			if msgs, ok := got[k]; ok {
				t.Errorf("finding %q after the fix: %q", k, msgs)
			}
		}
	})
}

func TestLoadNeedsPrivileges(t *testing.T) {
	srv := testenv.MariaDB(t)
	root := connect(t, srv, srv.User, srv.Password)
	user := "scanner_" + randomHex(3)
	pw := "Pw-" + randomHex(12)
	a := mysqladmin.Account{User: user, Host: "127.0.0.1"}.String()
	cleanup(t, root, "DROP USER IF EXISTS "+a)
	mustExec(t, root, "CREATE USER "+a+" IDENTIFIED BY ?", pw)

	load := func() error {
		s := connect(t, srv, user, pw)
		return Load(testContext(t), &scan.Project{}, s, "mysql://"+user+"@"+srv.Addr())
	}
	steps := []struct {
		grant string // given before the load
		want  string // in the error; "" for none
	}{
		{"", "SELECT on the mysql database"},
		{"GRANT SELECT ON mysql.* TO " + a, "SHOW DATABASES"},
		{"GRANT SHOW DATABASES ON *.* TO " + a, ""},
	}
	for _, st := range steps {
		if st.grant != "" {
			mustExec(t, root, st.grant)
		}
		err := load()
		switch {
		case st.want == "" && err != nil:
			t.Fatalf("after %q: got %v, want the scan to succeed", st.grant, err)
		case st.want != "" && (!errors.Is(err, ErrPrivilege) || !strings.Contains(err.Error(), st.want)):
			t.Fatalf("after %q: got %v, want ErrPrivilege naming %q", st.grant, err, st.want)
		}
		if err != nil && strings.Contains(err.Error(), pw) {
			t.Fatal("the error holds the password (not shown)")
		}
	}
}

// An account the server ignores (a host name under skip_name_resolve, read
// back by FLUSH PRIVILEGES) does not stop the scan: it is reported as
// ignored, with no privileges, and its password is still checked.
func TestIgnoredAccount(t *testing.T) {
	srv := testenv.MariaDB(t)
	root := connect(t, srv, srv.User, srv.Password)
	var skip string
	if err := root.DB().QueryRow("SELECT @@skip_name_resolve").Scan(&skip); err != nil || skip != "1" {
		t.Skipf("skip_name_resolve is %q here (%v): the server uses accounts with host names", skip, err)
	}
	a := mysqladmin.Account{User: "named_" + randomHex(3), Host: "db.example.internal"}.String()
	cleanup(t, root, "DROP USER IF EXISTS "+a)
	mustExec(t, root, "CREATE USER "+a+" IDENTIFIED BY ''")
	mustExec(t, root, "FLUSH PRIVILEGES")
	p := &scan.Project{}
	if err := Load(testContext(t), p, root, "mysql://root@"+srv.Addr()); err != nil {
		t.Fatalf("scan with an ignored account: %v", err)
	}
	for _, r := range p.Resources {
		if r.Kind != "account" || r.Address != a {
			continue
		}
		if ig, _ := r.Attr("ignored").True(false); !ig {
			t.Errorf("%s: not marked ignored", a)
		}
		if n := len(r.Attr("global_privileges").Items()); n != 0 {
			t.Errorf("%s: %d global privileges, want none", a, n)
		}
		if e, _ := r.Attr("empty_password").True(false); !e {
			t.Errorf("%s: its empty password was not seen", a)
		}
		return
	}
	t.Fatalf("the ignored account %s is missing from the scan", a)
}
