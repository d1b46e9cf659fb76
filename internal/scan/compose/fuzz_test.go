package compose

import (
	"strings"
	"testing"

	"github.com/dbwarden/dbwarden/internal/scan"
)

// FuzzLoad loads arbitrary Compose files. Each either fails with an error
// naming the file and adds nothing, or adds services whose positions lie
// inside the file.
func FuzzLoad(f *testing.F) {
	for _, s := range []string{
		"services:\n  db:\n    image: mysql:8.0\n    environment:\n      MYSQL_ROOT_PASSWORD: x\n",
		"x-env: &env\n  A: 1\nservices:\n  app:\n    build: .\n    environment:\n      <<: *env\n      B: 2\n",
		"services:\n  app:\n    image: a\n    environment: [\"A=1\", \"B\"]\n    healthcheck:\n      test: [\"CMD\", \"true\"]\n",
		"services:\n  a: &a\n    image: x\n  b: *a\n",
		"services: {}\n",
		"version: '3'\n",
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, src []byte) {
		p := &scan.Project{}
		err := Load(p, "fuzz.yml", src)
		if err != nil {
			if !strings.HasPrefix(err.Error(), "fuzz.yml") {
				t.Fatalf("error does not name the file: %v", err)
			}
			if len(p.Resources) != 0 {
				t.Fatal("resources added despite the error")
			}
			return
		}
		s := strings.ReplaceAll(string(src), "\r\n", "\n")
		lines := strings.Count(s, "\n") + strings.Count(s, "\r") + 1
		for _, r := range p.Resources {
			if r.Range.Line < 1 || r.Range.Line > lines || r.Range.EndLine > lines {
				t.Fatalf("service %s at lines %d-%d of a %d-line file", r.Address, r.Range.Line, r.Range.EndLine, lines)
			}
		}
	})
}
