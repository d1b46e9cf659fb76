package dockerfile

import (
	"strings"
	"testing"

	"github.com/dbwarden/dbwarden/internal/scan"
)

func TestDetect(t *testing.T) {
	for name, want := range map[string]bool{
		"Dockerfile": true, "build/Dockerfile.prod": true, "mysql.Dockerfile": true, "Containerfile": true,
		"dockerfile.go": false, "Dockerfile.md": false, "Dockerfiles": false, "README.md": false,
	} {
		if got := Detect(name); got != want {
			t.Errorf("Detect(%s) = %v, want %v", name, got, want)
		}
	}
}

func TestLoad(t *testing.T) {
	src := "# syntax=docker/dockerfile:1\nFROM mysql:8.0\nenv A=1 \\\n  # a comment inside\n  B=2\n\nRUN echo \\\n  done\n"
	p := &scan.Project{}
	if err := Load(p, "db/Dockerfile", []byte(src)); err != nil {
		t.Fatal(err)
	}
	r := p.Of(scan.Dockerfile, Type)[0]
	var got []string
	for _, in := range r.Attr("instructions").Items() {
		i, _ := in.Get("instruction").String()
		a, _ := in.Get("arguments").String()
		got = append(got, i+"|"+a+"|"+strings.Repeat("+", in.Range.Line))
	}
	want := []string{"FROM|mysql:8.0|++", "ENV|A=1  B=2|+++", "RUN|echo  done|+++++++"}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("instructions:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	if r.Address != "Dockerfile" || r.Dir != "db" || p.Files["db/Dockerfile"] == nil {
		t.Errorf("resource %s in %s", r.Address, r.Dir)
	}
}

func TestEscapeDirective(t *testing.T) {
	p := &scan.Project{}
	if err := Load(p, "Dockerfile", []byte("# escape=`\nFROM windows\nRUN dir `\n  c:\\\n")); err != nil {
		t.Fatal(err)
	}
	ins := p.Resources[0].Attr("instructions").Items()
	if len(ins) != 2 {
		t.Fatalf("%d instructions, want 2", len(ins))
	}
	if a, _ := ins[1].Get("arguments").String(); a != `dir  c:\` {
		t.Errorf("RUN arguments %q", a)
	}
}
