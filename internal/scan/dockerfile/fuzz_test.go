package dockerfile

import (
	"strings"
	"testing"

	"github.com/dbwarden/dbwarden/internal/scan"
)

// FuzzLoad loads arbitrary Dockerfiles: each loads, or fails naming the
// file; every instruction starts and ends on a line of the file, in order.
func FuzzLoad(f *testing.F) {
	for _, s := range []string{
		"FROM mysql:8.0\nENV A=1 \\\n B=2\n", "# escape=`\nRUN a `\n b\n", "RUN \\\n", "\\\n\\\n", "ENV\n",
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, src []byte) {
		p := &scan.Project{}
		if err := Load(p, "Dockerfile", src); err != nil {
			if !strings.HasPrefix(err.Error(), "Dockerfile") {
				t.Fatalf("error does not name the file: %v", err)
			}
			return
		}
		lines := strings.Count(strings.ReplaceAll(string(src), "\r\n", "\n"), "\n") + 1
		last := 0
		for _, in := range p.Resources[0].Attr("instructions").Items() {
			if in.Range.Line <= last || in.Range.EndLine < in.Range.Line || in.Range.EndLine > lines {
				t.Fatalf("instruction at lines %d-%d after line %d, in a %d-line file", in.Range.Line, in.Range.EndLine, last, lines)
			}
			last = in.Range.EndLine
		}
	})
}
