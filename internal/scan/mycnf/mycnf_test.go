package mycnf

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/dbwarden/dbwarden/internal/scan"
)

// tree writes files (slash paths relative to a new directory) and returns
// the directory in slash form.
func tree(t *testing.T, files map[string]string) string {
	t.Helper()
	dir := t.TempDir()
	for name, src := range files {
		p := filepath.Join(dir, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(src), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return filepath.ToSlash(dir)
}

func load(t *testing.T, path string) *scan.Project {
	t.Helper()
	p := &scan.Project{}
	if err := Load(p, path); err != nil {
		t.Fatalf("Load(%s): %v", path, err)
	}
	return p
}

// find returns the resource of kind with the given address, failing the
// test when there is not exactly one.
func find(t *testing.T, p *scan.Project, kind, addr string) *scan.Resource {
	t.Helper()
	var found []*scan.Resource
	for _, r := range p.Resources {
		if r.Kind == kind && r.Address == addr {
			found = append(found, r)
		}
	}
	if len(found) != 1 {
		var have []string
		for _, r := range p.Resources {
			have = append(have, r.Kind+" "+r.Address)
		}
		t.Fatalf("want one %s %s, got %d; have %q", kind, addr, len(found), have)
	}
	return found[0]
}

func TestOptionSyntax(t *testing.T) {
	tests := []struct {
		name, line string
		opt        string
		kind       scan.Kind
		want       string
	}{
		{"spaces around =", "port = 3306", "port", scan.String, "3306"},
		{"no spaces", "port=3306", "port", scan.String, "3306"},
		{"bare name is a flag", "skip-name-resolve", "skip_name_resolve", scan.Bool, "true"},
		{"skip prefix kept, not inverted", "skip-symbolic-links", "skip_symbolic_links", scan.Bool, "true"},
		{"dashes become underscores", "local-infile=0", "local_infile", scan.String, "0"},
		{"lower case", "Bind-Address = 127.0.0.1", "bind_address", scan.String, "127.0.0.1"},
		{"loose- prefix stripped", "loose-require-secure-transport = ON", "require_secure_transport", scan.String, "ON"},
		{"loose_ prefix stripped", "loose_audit_log = FORCE", "audit_log", scan.String, "FORCE"},
		{"trailing # comment", "long_query_time = 2   # seconds", "long_query_time", scan.String, "2"},
		{"trailing comment on a flag", "skip-name-resolve # no DNS", "skip_name_resolve", scan.Bool, "true"},
		{"double quotes removed", `ssl-ca = "/etc/mysql/ca.pem"`, "ssl_ca", scan.String, "/etc/mysql/ca.pem"},
		{"single quotes removed", `init_connect='SET NAMES utf8mb4'`, "init_connect", scan.String, "SET NAMES utf8mb4"},
		{"# inside quotes is not a comment", `password = "ab#cd" # real comment`, "password", scan.String, "ab#cd"},
		{"escaped quote inside quotes", `password = "a\"#b"`, "password", scan.String, `a"#b`},
		{"; after a value is part of it, as in MySQL", "sql_mode = STRICT_ALL_TABLES ; note", "sql_mode", scan.String, "STRICT_ALL_TABLES ; note"},
		{"escapes", `x = a\tb\nc\sd\\e`, "x", scan.String, "a\tb\nc d\\e"},
		{"unknown escape keeps the backslash", `datadir = C:\Program Files\MySQL`, "datadir", scan.String, `C:\Program Files\MySQL`},
		{"empty value", "x =", "x", scan.String, ""},
		{"value with =", "x = a=b", "x", scan.String, "a=b"},
		{"unmatched quote kept", `x = "abc`, "x", scan.String, `"abc`},
		{"CRLF line end", "port = 3306\r", "port", scan.String, "3306"},
		{"leading blanks", "   \tport = 1", "port", scan.String, "1"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := tree(t, map[string]string{"my.cnf": "[mysqld]\n" + tt.line + "\n"})
			p := load(t, dir+"/my.cnf")
			r := find(t, p, "section", dir+"/my.cnf[mysqld]")
			v := r.Attr(tt.opt)
			if v == nil {
				t.Fatalf("no option %s in %v", tt.opt, r.Attrs.Keys())
			}
			got, _ := v.String()
			if v.Kind != tt.kind || got != tt.want {
				t.Errorf("got %v %q, want %v %q", v.Kind, got, tt.kind, tt.want)
			}
			if v.Range.Line != 2 || v.Range.File != dir+"/my.cnf" {
				t.Errorf("range %+v, want line 2 of my.cnf", v.Range)
			}
		})
	}
}

func TestCommentsAndSections(t *testing.T) {
	src := `# a comment
; another comment

[client]
user = app
password = "hunter2"

# server settings
[MySQLD]
local-infile = 0
   # indented comment
; port = 1
port = 3306

[client]
port = 3307
`
	dir := tree(t, map[string]string{"my.cnf": src})
	file := dir + "/my.cnf"
	p := load(t, file)

	srv := find(t, p, "section", file+"[mysqld]")
	if srv.Type != "mysqld" || srv.Lang != scan.MyCnf || srv.Dir != dir {
		t.Errorf("section: type %q lang %q dir %q", srv.Type, srv.Lang, srv.Dir)
	}
	if want := (scan.Range{File: file, Line: 9, EndLine: 13}); srv.Range != want {
		t.Errorf("mysqld range %+v, want %+v", srv.Range, want)
	}
	if got := srv.Attrs.Keys(); strings.Join(got, ",") != "local_infile,port" {
		t.Errorf("mysqld options %v: comments must not be options", got)
	}

	// [client] twice in one file: one Resource, the later value wins.
	cl := find(t, p, "section", file+"[client]")
	if s, _ := cl.Attr("port").String(); s != "3307" || cl.Attr("port").Range.Line != 16 {
		t.Errorf("client port %q at %d, want 3307 at 16", s, cl.Attr("port").Range.Line)
	}
	if cl.Range.Line != 4 || cl.Range.EndLine != 16 {
		t.Errorf("client range %+v, want 4-16", cl.Range)
	}
	if !cl.Attr("password").Sensitive {
		t.Error("a password option is not marked sensitive")
	}
	if got, ok := p.Files[file]; !ok || string(got) != src {
		t.Errorf("file not added to the project as read")
	}
}

func TestIncludes(t *testing.T) {
	dir := tree(t, map[string]string{
		"my.cnf": `[mysqld]
local-infile = 1
port = 3306
!includedir conf.d
!include extra/tls.cnf
[mysqld]
port = 3307
`,
		"conf.d/10-base.cnf":   "[mysqld]\nlocal_infile = 0\nlog_bin = /var/log/bin\n[client]\nuser = app\n",
		"conf.d/20-late.cnf":   "[mysqld]\nlog_bin = /var/log/later\n",
		"conf.d/05-first.cnf":  "[mysqld]\nlog_bin = /var/log/first\n",
		"conf.d/README":        "[mysqld]\nport = 1\n",
		"conf.d/skipped.ini":   "[mysqld]\nport = 2\n",
		"extra/tls.cnf":        "[mysqld]\nssl_ca = /etc/ca.pem\n!include ../shared/common.cnf\n",
		"shared/common.cnf":    "[mysqld-8.0]\nrequire_secure_transport = ON\n",
		"conf.d/sub/inner.cnf": "[mysqld]\nport = 3\n",
	})
	top := dir + "/my.cnf"
	p := load(t, top)

	// One section Resource per section per file.
	for _, addr := range []string{
		top + "[mysqld]",
		dir + "/conf.d/05-first.cnf[mysqld]",
		dir + "/conf.d/10-base.cnf[mysqld]",
		dir + "/conf.d/10-base.cnf[client]",
		dir + "/conf.d/20-late.cnf[mysqld]",
		dir + "/extra/tls.cnf[mysqld]",
		dir + "/shared/common.cnf[mysqld-8.0]",
	} {
		find(t, p, "section", addr)
	}
	for _, r := range p.Resources {
		if strings.Contains(r.Address, "README") || strings.Contains(r.Address, ".ini") || strings.Contains(r.Address, "inner") {
			t.Errorf("read %s: !includedir reads only *.cnf files of the directory itself", r.Address)
		}
	}
	if len(p.Files) != 6 {
		t.Errorf("files added: %d, want 6", len(p.Files))
	}

	eff := find(t, p, "effective", top+"[mysqld] (effective)")
	if eff.Range.File != top || eff.Range.Line != 1 {
		t.Errorf("effective range %+v, want line 1 of the top file", eff.Range)
	}
	checks := []struct {
		opt, want, file string
		line            int
	}{
		{"local_infile", "0", "conf.d/10-base.cnf", 2},         // the include comes after line 2
		{"log_bin", "/var/log/later", "conf.d/20-late.cnf", 2}, // lexical order: 05, 10, 20
		{"port", "3307", "my.cnf", 7},                          // written after the includes
		{"ssl_ca", "/etc/ca.pem", "extra/tls.cnf", 2},
	}
	for _, c := range checks {
		v := eff.Attr(c.opt)
		s, _ := v.String()
		if s != c.want || v.Range.File != dir+"/"+c.file || v.Range.Line != c.line {
			t.Errorf("effective %s = %q at %s:%d, want %q at %s:%d", c.opt, s, v.Range.File, v.Range.Line, c.want, c.file, c.line)
		}
	}

	// Sections that only included files have sit at the include line.
	cl := find(t, p, "effective", top+"[client] (effective)")
	if cl.Range.File != top || cl.Range.Line != 4 {
		t.Errorf("client effective range %+v, want line 4 (the !includedir) of the top file", cl.Range)
	}
	v80 := find(t, p, "effective", top+"[mysqld-8.0] (effective)")
	if v80.Range.Line != 5 {
		t.Errorf("mysqld-8.0 effective at line %d, want 5 (the !include)", v80.Range.Line)
	}
	if s, _ := v80.Attr("require_secure_transport").String(); s != "ON" {
		t.Errorf("nested include not read: %q", s)
	}
}

func TestIncludeErrors(t *testing.T) {
	tests := []struct {
		name  string
		files map[string]string
		want  string // after the directory
	}{
		{"missing include", map[string]string{"my.cnf": "[mysqld]\n!include nothere.cnf\n"},
			"/my.cnf:2: !include "},
		{"missing includedir", map[string]string{"my.cnf": "[mysqld]\nx=1\n!includedir conf.d\n"},
			"/my.cnf:3: !includedir conf.d: "},
		{"include without a file", map[string]string{"my.cnf": "[mysqld]\n!include   \n"},
			"/my.cnf:2: !include names no file"},
		{"self include", map[string]string{"my.cnf": "[mysqld]\n!include my.cnf\n"},
			"/my.cnf:2: include cycle: "},
		{"cycle through two files", map[string]string{
			"my.cnf": "[mysqld]\n!include a.cnf\n",
			"a.cnf":  "[client]\n\n!include my.cnf\n"},
			"/a.cnf:3: include cycle: "},
		{"cycle through includedir", map[string]string{
			"my.cnf":     "!includedir d\n",
			"d/loop.cnf": "[mysqld]\n!includedir .\n"},
			"/d/loop.cnf:2: include cycle: "},
		{"option before any section", map[string]string{"my.cnf": "# c\nport = 1\n[mysqld]\n"},
			"/my.cnf:2: option port comes before any [section]"},
		{"unclosed header", map[string]string{"my.cnf": "[mysqld]\nx=1\n[client\n"},
			"/my.cnf:3: section header without a closing ']'"},
		{"option without a name", map[string]string{"my.cnf": "[mysqld]\n = 5\n"},
			"/my.cnf:2: option without a name"},
		{"error in an included file", map[string]string{
			"my.cnf": "[mysqld]\n!include b.cnf\n",
			"b.cnf":  "[mysqld]\nok=1\n[bad\n"},
			"/b.cnf:3: section header without a closing ']'"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := tree(t, tt.files)
			p := &scan.Project{}
			err := Load(p, dir+"/my.cnf")
			if err == nil {
				t.Fatalf("no error, want %q", tt.want)
			}
			if !strings.HasPrefix(err.Error(), dir+tt.want) {
				t.Errorf("error %q, want it to start with %q", err, dir+tt.want)
			}
			if len(p.Resources) != 0 || len(p.Files) != 0 {
				t.Errorf("a failed Load added %d resources and %d files", len(p.Resources), len(p.Files))
			}
		})
	}
}

func TestMissingTopFile(t *testing.T) {
	err := Load(&scan.Project{}, filepath.ToSlash(t.TempDir())+"/none.cnf")
	if err == nil || !strings.Contains(err.Error(), "none.cnf") {
		t.Errorf("error %v, want one naming the file", err)
	}
}

func TestUnknownDirectiveIgnored(t *testing.T) {
	dir := tree(t, map[string]string{"my.cnf": "[mysqld]\n!something else\nport=1\n"})
	p := load(t, dir+"/my.cnf")
	if s, _ := find(t, p, "section", dir+"/my.cnf[mysqld]").Attr("port").String(); s != "1" {
		t.Errorf("port %q after an unknown directive", s)
	}
}

func TestDiamondIncludeReadTwiceCountedOnce(t *testing.T) {
	dir := tree(t, map[string]string{
		"my.cnf":     "[mysqld]\n!include a.cnf\n!include b.cnf\n!include common.cnf\n",
		"a.cnf":      "[mysqld]\n!include common.cnf\n",
		"b.cnf":      "[mysqld]\nport = 2\n",
		"common.cnf": "[mysqld]\nport = 1\n",
	})
	p := load(t, dir+"/my.cnf")
	find(t, p, "section", dir+"/common.cnf[mysqld]") // exactly one
	// common.cnf is read again after b.cnf: its port wins.
	v := find(t, p, "effective", dir+"/my.cnf[mysqld] (effective)").Attr("port")
	if s, _ := v.String(); s != "1" || v.Range.File != dir+"/common.cnf" {
		t.Errorf("effective port %q from %s, want 1 from common.cnf", s, v.Range.File)
	}
}

func TestLoadOrderIndependence(t *testing.T) {
	files := map[string]string{
		"my.cnf":       "[mysqld]\nlocal_infile = 1\n!includedir conf.d\n",
		"conf.d/x.cnf": "[mysqld]\nlocal_infile = 0\n",
	}
	for _, order := range [][]string{{"my.cnf", "conf.d/x.cnf"}, {"conf.d/x.cnf", "my.cnf"}} {
		t.Run(strings.Join(order, " then "), func(t *testing.T) {
			dir := tree(t, files)
			p := &scan.Project{}
			for _, f := range order {
				if err := Load(p, dir+"/"+f); err != nil {
					t.Fatal(err)
				}
			}
			var eff, sec []string
			for _, r := range p.Resources {
				switch r.Kind {
				case "effective":
					eff = append(eff, r.Address)
				case "section":
					sec = append(sec, r.Address)
				}
			}
			if len(eff) != 1 || eff[0] != dir+"/my.cnf[mysqld] (effective)" {
				t.Errorf("effective views %q, want only my.cnf's", eff)
			}
			if len(sec) != 2 {
				t.Errorf("sections %q, want one per file", sec)
			}
			v := p.Resources[len(p.Resources)-1].Attr("local_infile")
			for _, r := range p.Resources {
				if r.Kind == "effective" {
					v = r.Attr("local_infile")
				}
			}
			if s, _ := v.String(); s != "0" {
				t.Errorf("effective local_infile %q, want 0", s)
			}
		})
	}
}

func TestDetect(t *testing.T) {
	tests := []struct {
		name, src string
		want      bool
	}{
		{"my.cnf", "", true},
		{".my.cnf", "[client]\npassword=x\n", true},
		{"custom.cnf", "[mysqld]\nx=1\n", true},
		{"empty.cnf", "", true},
		{"tuning.cnf", "# only comments\n", true},
		{"openssl.cnf", "HOME = .\n[ req ]\ndefault_bits = 2048\n", false},
		{"server.ini", "[mysqld]\nport=3306\n", true},
		{"50-server", "# comment\n[mariadb]\nlog_bin\n", true},
		{"conf", "  [ mysqld-8.0 ]\n", true},
		{"x.ini", "[mariadb-10.11]\n", true},
		{"x.ini", "[client-server]\n", true},
		{"php.ini", "[PHP]\nengine = On\n", false},
		{"x.ini", "[mysqldx]\n", false},
		{"settings.ini", "key = value\n", false},
	}
	for _, tt := range tests {
		if got := Detect(tt.name, []byte(tt.src)); got != tt.want {
			t.Errorf("Detect(%q, %q) = %v, want %v", tt.name, tt.src, got, tt.want)
		}
	}
}

func TestNotARegularFile(t *testing.T) {
	dir := tree(t, map[string]string{"my.cnf": "[mysqld]\n!include sub\n", "sub/x.cnf": ""})
	err := Load(&scan.Project{}, dir+"/my.cnf")
	if err == nil || !strings.Contains(err.Error(), "not a regular file") {
		t.Errorf("error %v, want a directory named by !include refused", err)
	}
}
