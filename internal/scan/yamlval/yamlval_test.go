package yamlval

import (
	"strconv"
	"strings"
	"testing"

	"github.com/dbwarden/dbwarden/internal/scan"
	"go.yaml.in/yaml/v3"
)

func convert(t *testing.T, src string, opts Options) (*scan.Value, error) {
	t.Helper()
	var n yaml.Node
	if err := yaml.Unmarshal([]byte(src), &n); err != nil {
		t.Fatal(err)
	}
	return Convert("f.yaml", &n, opts)
}

func TestConvert(t *testing.T) {
	v, err := convert(t, `
base: &env
  DB_HOST: db
  DB_PORT: 3306
services:
  app:
    environment:
      <<: *env
      DB_HOST: override
    ports: ["8080:8080"]
    debug: false
    empty: null
`, Options{})
	if err != nil {
		t.Fatal(err)
	}
	env := v.Get("services", "app", "environment")
	if s, _ := env.Get("DB_HOST").String(); s != "override" {
		t.Errorf("a key written next to a merge key does not win: %q", s)
	}
	if port := env.Get("DB_PORT"); port.Kind != scan.Number || port.Num != 3306 || port.Range.Line != 4 {
		t.Errorf("merged DB_PORT: %+v", port)
	}
	if d := v.Get("services", "app", "debug"); d.Kind != scan.Bool || d.Bool {
		t.Errorf("debug: %+v", d)
	}
	if e := v.Get("services", "app", "empty"); e.Kind != scan.Null {
		t.Errorf("empty: %+v", e)
	}
	if p := v.Get("services", "app", "ports"); p.Kind != scan.List || len(p.List) != 1 || p.Range.Line != 10 {
		t.Errorf("ports: %+v", p)
	}
}

func TestConvertLimits(t *testing.T) {
	// Each level doubles the values an alias stands for: 2^40 in all.
	var b strings.Builder
	b.WriteString("a0: &a0 [x, x]\n")
	for i := 1; i <= 40; i++ {
		b.WriteString("a" + strconv.Itoa(i) + ": &a" + strconv.Itoa(i) + " [*a" + strconv.Itoa(i-1) + ", *a" + strconv.Itoa(i-1) + "]\n")
	}
	if _, err := convert(t, b.String(), Options{}); err == nil || !strings.Contains(err.Error(), "more than") {
		t.Errorf("an alias bomb: %v, want an error", err)
	}
	if _, err := convert(t, "a: 1\na: 2\n", Options{RejectDuplicates: true}); err == nil || !strings.Contains(err.Error(), `f.yaml:2: "a" appears twice`) {
		t.Errorf("a duplicate key: %v", err)
	}
	if _, err := convert(t, "<<: {a: 1}\na: 2\n", Options{RejectDuplicates: true}); err != nil {
		t.Errorf("a key that overrides a merged one is not a duplicate: %v", err)
	}
	if _, err := convert(t, "<<: [1]\n", Options{}); err == nil {
		t.Error("a merge of a number is accepted")
	}
}
