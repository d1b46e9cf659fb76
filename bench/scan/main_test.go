package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"testing"
)

func TestRelTo(t *testing.T) {
	corpus := t.TempDir()
	seeded := filepath.Join(corpus, "seeded")
	mod := filepath.Join(seeded, "baseline", "terraform", "x")
	if err := os.MkdirAll(mod, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(mod, "main.tf"), nil, 0o644); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct{ name, file string }{
		{"absolute (tfsec)", filepath.Join(mod, "main.tf")},
		{"relative to the scanned folder (trivy)", "baseline/terraform/x/main.tf"},
	} {
		if got := relTo(corpus, seeded, tc.file); got != "seeded/baseline/terraform/x/main.tf" {
			t.Errorf("%s: relTo(%q) = %q, want seeded/baseline/terraform/x/main.tf", tc.name, tc.file, got)
		}
	}
}

func TestTimeMaxRSS(t *testing.T) {
	if _, err := os.Stat("/usr/bin/time"); err != nil {
		t.Skip("no /usr/bin/time here; the benchmark reads the child's rusage instead")
	}
	out := filepath.Join(t.TempDir(), "time")
	if err := exec.Command("/usr/bin/time", "-v", "-o", out, "true").Run(); err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	kb, err := timeMaxRSS(b)
	if err != nil || kb <= 0 {
		t.Fatalf("got %d KiB, %v; want a positive size", kb, err)
	}
	if _, err := timeMaxRSS([]byte("Command being timed: \"true\"\n")); err == nil {
		t.Error("want an error when the size is missing")
	}
}

func TestParseDbwardenSkipsUnknownAndSuppressed(t *testing.T) {
	fs, err := dbwardenTool("dbwarden", "baseline").parse([]byte(`[
  {"rule_id": "DBW-RDS-001", "file": "a/main.tf", "unknown": false, "suppressed": false},
  {"rule_id": "DBW-RDS-002", "file": "a/main.tf", "unknown": true, "suppressed": false},
  {"rule_id": "DBW-RDS-003", "file": "a/main.tf", "unknown": false, "suppressed": true}
]`))
	if err != nil {
		t.Fatal(err)
	}
	if len(fs) != 1 || fs[0].rule != "DBW-RDS-001" {
		t.Fatalf("got %+v, want only DBW-RDS-001", fs)
	}
}
