package dotenv

import (
	"strings"
	"testing"

	"github.com/dbwarden/dbwarden/internal/scan"
)

func TestDetect(t *testing.T) {
	for name, want := range map[string]bool{
		".env": true, "app/.env.production": true, ".env.local": true, "db.env": true,
		".env.example": false, ".env.sample": false, ".env.template": false, "example.env": false,
		"env.go": false, ".environment": false, "README.md": false,
	} {
		if got := Detect(name); got != want {
			t.Errorf("Detect(%s) = %v, want %v", name, got, want)
		}
	}
}

func TestLoad(t *testing.T) {
	src := "# comment\r\nA=1\nexport B = \"two words\" \nC='x#y' # note\nD=plain # note\nnot an assignment\nE=\n=nothing\n"
	p := &scan.Project{}
	if err := Load(p, "app/.env", []byte(src)); err != nil {
		t.Fatal(err)
	}
	r := p.Of(scan.DotEnv, Type)[0]
	if r.Address != ".env" || r.Dir != "app" || r.Range.EndLine != 8 {
		t.Errorf("resource %s in %s, lines %+v", r.Address, r.Dir, r.Range)
	}
	vars := r.Attr("variables")
	for name, want := range map[string]string{"A": "1", "B": "two words", "C": "x#y", "D": "plain", "E": ""} {
		if got, _ := vars.Get(name).String(); got != want {
			t.Errorf("%s = %q, want %q", name, got, want)
		}
	}
	if l := vars.Get("C").Range.Line; l != 4 {
		t.Errorf("C on line %d, want 4", l)
	}
	if len(vars.Map) != 5 {
		t.Errorf("%d variables, want 5: %v", len(vars.Map), vars.Keys())
	}
	if err := Load(&scan.Project{}, "bin.env", []byte("A=1\x00")); err == nil || !strings.Contains(err.Error(), "bin.env") {
		t.Errorf("a binary file: %v", err)
	}
}
