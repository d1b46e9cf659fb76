package dotenv

import (
	"strings"
	"testing"

	"github.com/dbwarden/dbwarden/internal/scan"
)

// FuzzLoad loads arbitrary environment files: each loads, or fails naming
// the file; every variable lies on a line of the file and its name has no
// space or '='.
func FuzzLoad(f *testing.F) {
	for _, s := range []string{
		"A=1\nB=2\n", "export X=\"y\"\n", "# c\n\n=\n", "K='unterminated\n", "A=1 # c\r\nB= \"q\" # d\n",
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, src []byte) {
		p := &scan.Project{}
		if err := Load(p, "f.env", src); err != nil {
			if !strings.HasPrefix(err.Error(), "f.env") {
				t.Fatalf("error does not name the file: %v", err)
			}
			return
		}
		lines := strings.Count(strings.ReplaceAll(string(src), "\r\n", "\n"), "\n") + 1
		vars := p.Resources[0].Attr("variables")
		for name, v := range vars.Map {
			if name == "" || strings.ContainsAny(name, " \t=") {
				t.Fatalf("variable name %q", name)
			}
			if v.Range.Line < 1 || v.Range.Line > lines {
				t.Fatalf("%s on line %d of %d", name, v.Range.Line, lines)
			}
		}
	})
}
