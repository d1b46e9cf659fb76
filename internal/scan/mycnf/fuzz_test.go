package mycnf

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/dbwarden/dbwarden/internal/scan"
)

// FuzzMyCnf loads arbitrary option files. A file either fails with an error
// naming itself, or loads into sections whose every position lies inside
// the file, with an effective view that holds only values some section of
// the file holds.
func FuzzMyCnf(f *testing.F) {
	seeds := []string{
		"",
		"[mysqld]\nskip-name-resolve\nlocal-infile=0\nbind-address=0.0.0.0\n",
		"[client]\npassword = \"a#b\" # c\nuser='x'\n",
		"# c\n; c\n[mysqld]\nx = a\\tb\\sc\\\\ # t\n[mysqld]\nx=2\n",
		"[mysqld-8.0]\nloose-require-secure-transport=ON\n",
		"[mysqld]\n!include other.cnf\n",
		"[mysqld]\n!includedir .\n",
		"[bad\n",
		"x=1\n",
		"[mysqld]\n= 1\n",
		"\ufeff[mysqld]\r\nport=3306\r\n",
		"[mysqld]\nv=\"unterminated\n",
	}
	for _, s := range seeds {
		f.Add([]byte(s))
	}
	if entries, err := os.ReadDir("testdata"); err == nil {
		for _, e := range entries {
			if strings.HasSuffix(e.Name(), ".cnf") {
				if b, err := os.ReadFile(filepath.Join("testdata", e.Name())); err == nil {
					f.Add(b)
				}
			}
		}
	}
	f.Fuzz(func(t *testing.T, src []byte) {
		dir := filepath.ToSlash(t.TempDir())
		name := dir + "/my.cnf"
		if err := os.WriteFile(name, src, 0o644); err != nil {
			t.Fatal(err)
		}
		p := &scan.Project{}
		err := Load(p, name)
		if err != nil {
			if !strings.HasPrefix(err.Error(), dir+"/") {
				t.Fatalf("error %q does not name the file", err)
			}
			if len(p.Resources) != 0 {
				t.Fatalf("a failed Load added %d resources", len(p.Resources))
			}
			return
		}
		if !Detect("my.cnf", src) {
			t.Fatal("my.cnf is not detected")
		}
		held := map[*scan.Value]bool{}
		values := map[string]map[string]bool{} // section -> option=value
		for _, r := range p.Resources {
			if r.Kind != "section" || r.Range.File != name {
				continue // includes may read other files (!includedir .)
			}
			if r.Range.Line < 1 || r.Range.EndLine != 0 && r.Range.EndLine < r.Range.Line {
				t.Fatalf("%s: bad range %+v", r.Address, r.Range)
			}
			for _, k := range r.Attrs.Keys() {
				v := r.Attr(k)
				held[v] = true
				if k == "" || strings.ContainsAny(k, "-") || k != strings.ToLower(k) {
					t.Fatalf("%s: option name %q is not normalised", r.Address, k)
				}
				if v.Range.File != name || v.Range.Line < r.Range.Line || (r.Range.EndLine > 0 && v.Range.Line > r.Range.EndLine) {
					t.Fatalf("%s: option %s at %+v outside its section %+v", r.Address, k, v.Range, r.Range)
				}
				if values[r.Type] == nil {
					values[r.Type] = map[string]bool{}
				}
				s, _ := v.String()
				values[r.Type][k+"="+s] = true
			}
		}
		for _, r := range p.Resources {
			if r.Kind != "effective" || r.Range.File != name {
				continue
			}
			for _, k := range r.Attrs.Keys() {
				v := r.Attr(k)
				if held[v] {
					t.Fatalf("effective %s shares a Value with a section", k)
				}
				s, _ := v.String()
				if v.Range.File == name && !values[r.Type][k+"="+s] {
					t.Fatalf("effective [%s] %s=%q is in no section of the file", r.Type, k, s)
				}
			}
		}
	})
}
