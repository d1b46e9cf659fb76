package compose

import (
	"strings"
	"testing"

	"github.com/dbwarden/dbwarden/internal/scan"
)

func TestDetect(t *testing.T) {
	for _, c := range []struct {
		name, src string
		want      bool
	}{
		{"docker-compose.yml", "services:\n  app:\n    extends: {file: base.yml, service: app}\n", true},
		{"compose.prod.yaml", "services:\n  db:\n    image: mysql\n", true},
		{"docker-compose.yml", "services: [\n", true}, // broken: loaded, to report the error
		{"docker-compose.yml", "", false},
		{"compose-notes.yaml", "services:\n  - a list, not Compose\n", false},
		{"composer.yaml", "services:\n  app:\n    x: 1\n", false},
		{"stack.yml", "services:\n  db:\n    image: mysql:8.0\n", true},
		{"stack.yml", "services:\n  web:\n    build: .\n", true},
		{"values.yaml", "services:\n  - name: web\n", false},
		{"k8s.yaml", "apiVersion: v1\nkind: Service\nmetadata:\n  name: services\n", false},
		{"config.yml", "services:\n  enabled: true\n", false},
	} {
		if got := Detect(c.name, []byte(c.src)); got != c.want {
			t.Errorf("Detect(%s, %q) = %v, want %v", c.name, c.src, got, c.want)
		}
	}
}

func TestLoad(t *testing.T) {
	src := `services:
  mysql:
    image: mysql:8.0
    environment:
      MYSQL_DATABASE: app
  app:
    build: .
volumes:
  data: {}
`
	p := &scan.Project{}
	if err := Load(p, "deploy/docker-compose.yml", []byte(src)); err != nil {
		t.Fatal(err)
	}
	rs := p.Of(scan.Compose, Type)
	if len(rs) != 2 {
		t.Fatalf("%d services, want 2", len(rs))
	}
	db := rs[0]
	if db.Address != "services.mysql" || db.Range.File != "deploy/docker-compose.yml" || db.Range.Line != 2 || db.Range.EndLine != 5 || db.Dir != "deploy" {
		t.Errorf("service %s at %+v in %s", db.Address, db.Range, db.Dir)
	}
	if s, _ := db.Attr("environment", "MYSQL_DATABASE").String(); s != "app" {
		t.Errorf("environment not loaded: %q", s)
	}
	if p.Files["deploy/docker-compose.yml"] == nil {
		t.Error("the file is not recorded for reports and suppressions")
	}
	for _, empty := range []string{"", "volumes:\n  data: {}\n"} {
		if err := Load(&scan.Project{}, "c.yml", []byte(empty)); err != nil {
			t.Errorf("Load(%q): %v", empty, err)
		}
	}
}

func TestLoadErrors(t *testing.T) {
	for src, want := range map[string]string{
		"services: [\n":          "not a Compose file",
		"- a\n- b\n":             "c.yml:1: a Compose file is a mapping",
		"services:\n  - web\n":   "c.yml:2: services is a mapping",
		"services:\n  web: 3\n":  "service web is not a mapping",
		"services:\n  web: *x\n": "not a Compose file",
	} {
		p := &scan.Project{}
		err := Load(p, "c.yml", []byte(src))
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("Load(%q): %v, want an error saying %q", src, err, want)
		}
		if len(p.Resources) != 0 {
			t.Errorf("Load(%q) added resources despite the error", src)
		}
	}
}
