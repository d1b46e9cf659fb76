package main

import (
	"context"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
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

// TestRecallContainerColumns: a control with only a container folder gets
// "–" in the Terraform and CloudFormation columns, and dbwarden's and
// trivy's columns for the folder (tfsec reads no Dockerfile, so it has
// none), counted in the totals.
func TestRecallContainerColumns(t *testing.T) {
	corpus, work := t.TempDir(), t.TempDir()
	seeded := filepath.Join(corpus, "seeded")
	var m manifest
	if err := json.Unmarshal([]byte(`{"controls": [
  {"slug": "tf", "title": "TF only", "profile": "baseline", "dbwarden": ["DBW-EC2-001"], "peer": ["AVD-AWS-0026"], "peer_long": ["aws-ec2-enable-volume-encryption"], "tf_dir": "seeded/baseline/terraform/tf"},
  {"slug": "env", "title": "Dockerfile ENV", "profile": "baseline", "dbwarden": ["DBW-CODE-004"], "peer": ["AVD-DS-0031"], "peer_long": ["DS031"], "container_dir": "seeded/baseline/containers/env"}
]}`), &m); err != nil {
		t.Fatal(err)
	}
	reports := map[string]string{
		"dbwarden": `[
  {"rule_id": "DBW-EC2-001", "file": "` + filepath.Join(seeded, "baseline/terraform/tf/main.tf") + `"},
  {"rule_id": "DBW-CODE-004", "file": "` + filepath.Join(seeded, "baseline/containers/env/Dockerfile") + `"}
]`,
		"tfsec": `{"results": [{"rule_id": "AVD-AWS-0026", "long_id": "aws-ec2-enable-volume-encryption", "location": {"filename": "` + filepath.Join(seeded, "baseline/terraform/tf/main.tf") + `"}}]}`,
		"trivy": `{"Results": [{"Target": "baseline/containers/env/Dockerfile", "Misconfigurations": [{"ID": "DS031", "AVDID": "AVD-DS-0031", "Status": "FAIL"}]}]}`,
	}
	bn := &bench{c: config{corpus: corpus, work: work},
		tools: []tool{dbwardenTool("dbwarden", "baseline"), tfsecTool("tfsec"), trivyTool("trivy", "")}}
	files := map[string]string{}
	for name, r := range reports {
		files[name] = filepath.Join(work, name+".json")
		if err := os.WriteFile(files[name], []byte(r), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	if err := bn.recall(context.Background(), m, files); err != nil {
		t.Fatal(err)
	}
	out := bn.out.String()
	for _, want := range []string{
		"| control | dbwarden rule | dbwarden TF | tfsec TF | trivy TF | dbwarden CFN | trivy CFN | dbwarden container | trivy container | peer ids |",
		"| TF only | DBW-EC2-001 | ✓ | ✓ | ✗ | – | – | – | – | AVD-AWS-0026 aws-ec2-enable-volume-encryption |",
		"| Dockerfile ENV | DBW-CODE-004 | – | – | – | – | – | ✓ | ✓ | AVD-DS-0031 DS031 |",
		"| **controls found** | | **1/1** | **1/1** | **0/1** | **0/0** | **0/0** | **1/1** | **1/1** |",
		"dbwarden finds every control a peer finds: **yes**",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("no %q in\n%s", want, out)
		}
	}
}
