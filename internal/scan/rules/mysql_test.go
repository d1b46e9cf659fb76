package rules

import (
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/dbwarden/dbwarden/internal/scan"
	"github.com/dbwarden/dbwarden/internal/scan/mycnf"
)

// cnfRules are the rules that read option files.
func cnfRules() []*scan.Rule {
	var out []*scan.Rule
	for _, r := range mysqlRules {
		if _, ok := r.Applies[scan.MyCnf]; ok {
			out = append(out, r)
		}
	}
	return out
}

// scanCnf writes files (name → content) to a directory, loads the first
// name given as the top option file, and returns the decided findings of
// the my.cnf rules as sorted "RULE-ID [section]" keys.
func scanCnf(t *testing.T, top string, files map[string]string) ([]string, []scan.Finding) {
	t.Helper()
	dir := t.TempDir()
	for name, src := range files {
		path := filepath.Join(dir, name)
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, []byte(src), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	p := &scan.Project{Profile: scan.Profiles["baseline"]}
	if err := mycnf.Load(p, filepath.Join(dir, top)); err != nil {
		t.Fatalf("load: %v", err)
	}
	fs := scan.Run(p, cnfRules(), nil)
	var keys []string
	for _, f := range fs {
		if f.Unknown {
			t.Errorf("%s: unknown finding on an option file: %s", f.RuleID, f.Message)
			continue
		}
		keys = append(keys, f.RuleID)
	}
	sort.Strings(keys)
	return keys, fs
}

func TestMyCnfSeedConfiguration(t *testing.T) {
	// Seed 000 §7's my.cnf, as written there.
	seed := `[mysqld]
# Disable DNS hostname lookups (security + performance)
skip-name-resolve

# Disable LOAD DATA LOCAL INFILE (prevents local file access)
local-infile=0

# Bind to all interfaces (Docker container)
bind-address=0.0.0.0

# Enable slow query log (detect performance issues)
slow_query_log=1
long_query_time=2

# Binary logging (required for point-in-time recovery)
log-bin=/var/lib/mysql/mysql-bin
binlog_expire_logs_seconds=604800  # 7 days

# UTF8MB4 (supports all Unicode characters including emojis)
character-set-server=utf8mb4
collation-server=utf8mb4_unicode_ci
`
	got, _ := scanCnf(t, "my.cnf", map[string]string{"my.cnf": seed})
	// What the seed writes passes; what it leaves out (TLS, file access)
	// is reported.
	want := []string{"DBW-MYSQL-003", "DBW-MYSQL-006", "DBW-MYSQL-007"}
	if strings.Join(got, " ") != strings.Join(want, " ") {
		t.Fatalf("got %v, want %v", got, want)
	}
}

func TestMyCnfSections(t *testing.T) {
	t.Run("an option in [server] counts for [mysqld]", func(t *testing.T) {
		got, _ := scanCnf(t, "my.cnf", map[string]string{"my.cnf": "[server]\nlocal-infile=0\n[mysqld]\nskip-name-resolve\n"})
		for _, id := range got {
			if id == "DBW-MYSQL-001" || id == "DBW-MYSQL-002" {
				t.Errorf("got %s, want local-infile in [server] and skip-name-resolve in [mysqld] to count", id)
			}
		}
	})
	t.Run("a version-specific section overrides [mysqld]", func(t *testing.T) {
		_, fs := scanCnf(t, "my.cnf", map[string]string{"my.cnf": "[mysqld]\nlocal-infile=0\n[mysqld-8.0]\nlocal-infile=1\n"})
		found := false
		for _, f := range fs {
			if f.RuleID == "DBW-MYSQL-001" {
				found = true
				if f.Line != 4 {
					t.Errorf("got the finding on line %d, want 4 (local-infile=1)", f.Line)
				}
			}
		}
		if !found {
			t.Error("no DBW-MYSQL-001 for local-infile=1 in [mysqld-8.0]")
		}
	})
	t.Run("the last of local-infile and skip-local-infile wins", func(t *testing.T) {
		got, _ := scanCnf(t, "my.cnf", map[string]string{"my.cnf": "[mysqld]\nlocal-infile=1\nskip-local-infile\n"})
		for _, id := range got {
			if id == "DBW-MYSQL-001" {
				t.Error("got DBW-MYSQL-001, want skip-local-infile written after local-infile=1 to turn it off")
			}
		}
	})
	t.Run("an option file with client sections only has no server to check", func(t *testing.T) {
		got, _ := scanCnf(t, "client.cnf", map[string]string{"client.cnf": "[client]\nuser=app\nhost=db.internal\n"})
		if len(got) != 0 {
			t.Errorf("got %v, want no finding", got)
		}
	})
	t.Run("an included file's options count for the including file", func(t *testing.T) {
		got, _ := scanCnf(t, "my.cnf", map[string]string{
			"my.cnf":        "[mysqld]\nskip-name-resolve\n!includedir conf.d\n",
			"conf.d/a.cnf":  "[mysqld]\nlocal-infile=0\n",
			"conf.d/b.cnf":  "[mysqld]\nlocal-infile=1\n",
			"conf.d/c.conf": "[mysqld]\nlocal-infile=1\n", // not read: !includedir takes *.cnf
		})
		n := 0
		for _, id := range got {
			if id == "DBW-MYSQL-001" {
				n++
			}
		}
		if n != 1 {
			t.Errorf("got %d DBW-MYSQL-001, want 1 (b.cnf is read after a.cnf)", n)
		}
	})
}

func TestMyCnfPasswordNeverShown(t *testing.T) {
	const secret = "Sup3r-s3cret-value"
	_, fs := scanCnf(t, "my.cnf", map[string]string{"my.cnf": "[client]\nuser=app\npassword=" + secret + "\n[mysqldump]\npass = \"" + secret + "\"\n"})
	n := 0
	for _, f := range fs {
		if f.RuleID != "DBW-CNF-001" {
			continue
		}
		n++
		if strings.Contains(f.Message, secret) || strings.Contains(f.Title, secret) || strings.Contains(f.Resource, secret) {
			t.Errorf("finding on line %d holds the password (not shown)", f.Line)
		}
		if f.Line != 3 && f.Line != 5 {
			t.Errorf("got line %d, want 3 or 5 (where the passwords are)", f.Line)
		}
	}
	if n != 2 {
		t.Errorf("got %d DBW-CNF-001 findings, want 2 ([client] and [mysqldump])", n)
	}
}

// liveProject builds what the live loader gives for one server, for the
// rules that depend on the flavor: the loader itself is tested against
// MariaDB in package mysqlscan.
func liveProject(flavor, version string, vars map[string]string, plugins ...string) *scan.Project {
	attrs := map[string]*scan.Value{"flavor": scan.Str(flavor), "version": scan.Str(version)}
	for k, v := range vars {
		attrs[k] = scan.Str(v)
	}
	p := &scan.Project{}
	p.Add(&scan.Resource{Lang: scan.MySQL, Kind: "server", Type: "server", Address: "db",
		Attrs: &scan.Value{Kind: scan.Map, Map: attrs}, Range: scan.Range{File: "db"}})
	var pl []*scan.Value
	for _, s := range plugins {
		pl = append(pl, scan.Str(s))
	}
	p.Add(&scan.Resource{Lang: scan.MySQL, Kind: "account", Type: "account", Address: "'app'@'%'",
		Attrs: &scan.Value{Kind: scan.Map, Map: map[string]*scan.Value{
			"user": scan.Str("app"), "host": scan.Str("%"), "locked": scan.BoolVal(false),
			"plugins": {Kind: scan.List, List: pl},
		}}, Range: scan.Range{File: "db"}})
	return p
}

func TestLiveAuthPluginsByFlavor(t *testing.T) {
	rule := ruleByID("DBW-MYSQL-012")
	for _, c := range []struct {
		flavor, version, plugin string
		want                    int
	}{
		{"mysql", "8.0.36", "mysql_native_password", 1},
		{"mysql", "8.0.36", "caching_sha2_password", 0},
		{"mysql", "5.7.44", "mysql_native_password", 0}, // nothing better there
		{"mariadb", "10.11.14-MariaDB", "mysql_native_password", 0},
		{"mariadb", "10.11.14-MariaDB", "mysql_old_password", 1},
	} {
		fs := scan.Run(liveProject(c.flavor, c.version, nil, c.plugin), []*scan.Rule{rule}, nil)
		if len(fs) != c.want {
			t.Errorf("%s %s with %s: got %d findings %+v, want %d", c.flavor, c.version, c.plugin, len(fs), fs, c.want)
		}
	}
}

func TestLiveTLSVersions(t *testing.T) {
	rule := ruleByID("DBW-MYSQL-004")
	for _, c := range []struct {
		vars map[string]string
		want int
	}{
		{map[string]string{"have_ssl": "YES", "tls_version": "TLSv1.1,TLSv1.2"}, 1},
		{map[string]string{"have_ssl": "YES", "tls_version": "TLSv1.2,TLSv1.3"}, 0},
		{map[string]string{"tls_version": "TLSv1,TLSv1.2"}, 1},                   // MySQL 8.4: no have_ssl
		{map[string]string{"have_ssl": "DISABLED", "tls_version": "TLSv1.1"}, 0}, // DBW-MYSQL-003's
	} {
		fs := scan.Run(liveProject("mysql", "8.0.36", c.vars), []*scan.Rule{rule}, nil)
		if len(fs) != c.want {
			t.Errorf("%v: got %d findings %+v, want %d", c.vars, len(fs), fs, c.want)
		}
	}
}
