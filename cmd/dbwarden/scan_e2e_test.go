package main

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/dbwarden/dbwarden/internal/testenv"
)

// scanFinding is a finding as dbwarden scan --format json writes it.
type scanFinding struct {
	RuleID     string `json:"rule_id"`
	Severity   string `json:"severity"`
	Title      string `json:"title"`
	File       string `json:"file"`
	Line       int    `json:"line"`
	Resource   string `json:"resource"`
	Language   string `json:"language"`
	Message    string `json:"message"`
	Unknown    bool   `json:"unknown"`
	Suppressed bool   `json:"suppressed"`
	Reason     string `json:"suppression_reason"`
}

// scanFixture copies testdata/scan/name into the cli's home (the working
// directory of the binary) and returns its relative path there.
func scanFixture(t *testing.T, c *cli, name string) string {
	t.Helper()
	src := filepath.Join("testdata", "scan", name)
	entries, err := os.ReadDir(src)
	if err != nil {
		t.Fatal(err)
	}
	dst := filepath.Join(c.home, name)
	if err := os.MkdirAll(dst, 0o755); err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		b, err := os.ReadFile(filepath.Join(src, e.Name()))
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dst, e.Name()), b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return name
}

func scanJSON(t *testing.T, out []byte) []scanFinding {
	t.Helper()
	var fs []scanFinding
	if err := json.Unmarshal(out, &fs); err != nil {
		t.Fatalf("scan --format json: got output that is not a JSON array of findings: %v\n%s", err, out)
	}
	return fs
}

// requireCatalog skips a test that needs rules when the catalog is empty.
func requireCatalog(t *testing.T, c *cli) {
	t.Helper()
	var rules []struct{ ID string }
	c.json(&rules, "scan", "rules", "--format", "json")
	if len(rules) == 0 {
		t.Skip("the rule catalog is empty: no rule can fire yet")
	}
}

func hasDBW(fs []scanFinding) bool {
	for _, f := range fs {
		if strings.HasPrefix(f.RuleID, "DBW-") && !f.Unknown && !f.Suppressed {
			return true
		}
	}
	return false
}

func TestScanCommand(t *testing.T) {
	t.Parallel()

	t.Run("an empty directory is clean and exits 0", func(t *testing.T) {
		c := newCLI(t)
		if err := os.Mkdir(filepath.Join(c.home, "empty"), 0o755); err != nil {
			t.Fatal(err)
		}
		r := c.fails(0, nil, "scan", "--format", "json", "empty")
		if fs := scanJSON(t, r.stdout); len(fs) != 0 {
			t.Errorf("got %d findings, want none: %+v", len(fs), fs)
		}
		text := c.fails(0, nil, "scan", "empty")
		if !bytes.Contains(text.stdout, []byte("0 findings")) {
			t.Errorf("text report: got %q, want a summary of 0 findings", text.stdout)
		}
	})

	t.Run("a bad fixture exits 1 with DBW- findings in every format", func(t *testing.T) {
		c := newCLI(t)
		requireCatalog(t, c)
		dir := scanFixture(t, c, "bad")
		r := c.fails(1, nil, "scan", "--format", "json", dir)
		fs := scanJSON(t, r.stdout)
		if !hasDBW(fs) {
			t.Fatalf("got findings %+v, want at least one decided DBW- finding", fs)
		}
		var raw []map[string]any
		if err := json.Unmarshal(r.stdout, &raw); err != nil {
			t.Fatal(err)
		}
		for _, k := range []string{"rule_id", "severity", "title", "file", "line", "resource", "message", "suppressed"} {
			if _, ok := raw[0][k]; !ok {
				t.Errorf("finding %v: no key %q", raw[0], k)
			}
		}
		if !bytes.Contains(r.stderr, []byte("at or above LOW")) {
			t.Errorf("stderr: got %q, want a one-line summary of the findings", r.stderr)
		}

		text := c.fails(1, nil, "scan", dir)
		if !bytes.Contains(text.stdout, []byte(fs[0].RuleID)) || bytes.Contains(text.stdout, []byte("\x1b[")) {
			t.Errorf("text report: got\n%s\nwant the rule ids and no colour when not on a terminal", text.stdout)
		}

		sarifFile := filepath.Join(c.home, "out.sarif")
		s := c.fails(1, nil, "scan", "--format", "sarif", "--output", sarifFile, dir)
		if len(s.stdout) != 0 {
			t.Errorf("--output: got %d bytes on stdout, want none", len(s.stdout))
		}
		b, err := os.ReadFile(sarifFile)
		if err != nil {
			t.Fatal(err)
		}
		var log struct {
			Version string
			Runs    []struct {
				Tool    struct{ Driver struct{ Name string } }
				Results []struct {
					RuleID    string
					Locations []struct {
						PhysicalLocation struct {
							ArtifactLocation struct{ URI, URIBaseID string }
						}
					}
				}
			}
		}
		if err := json.Unmarshal(b, &log); err != nil {
			t.Fatalf("SARIF output does not parse: %v", err)
		}
		if log.Version != "2.1.0" || len(log.Runs) != 1 || log.Runs[0].Tool.Driver.Name != "dbwarden" || len(log.Runs[0].Results) == 0 {
			t.Fatalf("SARIF: got version %q, %d runs, want 2.1.0, one dbwarden run with results", log.Version, len(log.Runs))
		}
		found := false
		for _, res := range log.Runs[0].Results {
			loc := res.Locations[0].PhysicalLocation.ArtifactLocation
			if loc.URIBaseID != "%SRCROOT%" || !strings.HasPrefix(loc.URI, "bad") {
				t.Errorf("SARIF location of %s: got %+v, want a path under bad/ relative to %%SRCROOT%%", res.RuleID, loc)
			}
			found = found || loc.URI == "bad/main.tf"
		}
		if !found {
			t.Error("SARIF: no result located in bad/main.tf")
		}
	})

	t.Run("a configured suppression with a reason silences findings and exits 0", func(t *testing.T) {
		c := newCLI(t)
		requireCatalog(t, c)
		dir := scanFixture(t, c, "bad")
		cfg := writeFile(t, "scan.yaml", []byte("suppressions:\n  - rule: \"*\"\n    reason: a test fixture, insecure on purpose\n"))
		r := c.fails(0, nil, "scan", "--format", "json", "--config", cfg, dir)
		fs := scanJSON(t, r.stdout)
		if len(fs) == 0 {
			t.Fatal("got no findings, want the suppressed ones listed")
		}
		for _, f := range fs {
			if !f.Suppressed && !f.Unknown {
				t.Errorf("finding %s on %s: not suppressed", f.RuleID, f.Resource)
			}
			if f.Suppressed && f.Reason != "a test fixture, insecure on purpose" {
				t.Errorf("finding %s: got reason %q", f.RuleID, f.Reason)
			}
		}
	})

	t.Run("an inline suppression without a reason is reported and not applied", func(t *testing.T) {
		c := newCLI(t)
		requireCatalog(t, c)
		dir := scanFixture(t, c, "noreason")
		r := c.run(nil, "scan", "--format", "json", dir)
		if r.code != 1 {
			t.Fatalf("got exit code %d, want 1 (the marker silences nothing); stderr:\n%s", r.code, r.stderr)
		}
		if !bytes.Contains(r.stderr, []byte("main.tf:9")) || !bytes.Contains(r.stderr, []byte("no reason")) {
			t.Errorf("stderr: got %q, want it to name main.tf:9 and say the marker has no reason", r.stderr)
		}
		for _, f := range scanJSON(t, r.stdout) {
			if f.Suppressed {
				t.Errorf("finding %s is suppressed by a marker without a reason", f.RuleID)
			}
		}
	})

	for _, tc := range []struct {
		name string
		args []string
		file string
		want string
	}{
		{name: "a bad --severity", args: []string{"--severity", "urgent"}, want: "urgent"},
		{name: "a bad --profile", args: []string{"--profile", "sox"}, want: "sox"},
		{name: "a bad --format", args: []string{"--format", "xml"}, want: "xml"},
		{name: "a bad --var", args: []string{"--var", "novalue"}, want: "novalue"},
		{name: "an unknown key in the scan configuration", file: "profile: pci\ncolour: red\n", want: "colour"},
		{name: "a configured suppression without a reason", file: "suppressions:\n  - rule: DBW-RDS-001\n", want: "reason"},
		{name: "a bad profile in the scan configuration", file: "{\"profile\": \"sox\"}", want: "sox"},
		{name: "a path that does not exist", args: []string{"no-such-dir"}, want: "no-such-dir"},
		{name: "an unreachable server", args: []string{"--mysql", "mysql://auditor@127.0.0.1:1"}, want: "127.0.0.1:1"},
	} {
		t.Run(tc.name+" exits 2 and is named", func(t *testing.T) {
			c := newCLI(t)
			c.env = []string{"MYSQL_PWD=not-a-real-password"}
			if err := os.Mkdir(filepath.Join(c.home, "empty"), 0o755); err != nil {
				t.Fatal(err)
			}
			args := append([]string{"scan"}, tc.args...)
			if tc.file != "" {
				args = append(args, "--config", writeFile(t, "scan.yaml", []byte(tc.file)))
			}
			if len(tc.args) == 0 || !strings.HasPrefix(tc.args[len(tc.args)-1], "no-such") {
				args = append(args, "empty")
			}
			r := c.fails(exitUsage, nil, args...)
			if !bytes.Contains(r.stderr, []byte(tc.want)) {
				t.Errorf("stderr: got %q, want it to name %q", r.stderr, tc.want)
			}
			if bytes.Contains(r.stderr, []byte("not-a-real-password")) {
				t.Error("stderr holds the password from MYSQL_PWD")
			}
		})
	}

	t.Run("scan rules lists the catalog in every format", func(t *testing.T) {
		c := newCLI(t)
		table := c.ok(nil, "scan", "rules")
		if !bytes.HasPrefix(table, []byte("ID")) || !bytes.Contains(table, []byte("SEVERITY")) {
			t.Errorf("scan rules: got %q, want a table with a header", table)
		}
		var rules []map[string]any
		c.json(&rules, "scan", "rules", "--format", "json")
		md := c.ok(nil, "scan", "rules", "--format", "markdown")
		if !bytes.HasPrefix(md, []byte("# dbwarden rule catalog\n")) {
			t.Errorf("scan rules --format markdown: got %.80q, want the catalog page", md)
		}
		for _, r := range rules {
			id, _ := r["id"].(string)
			if !bytes.Contains(md, []byte("\n## "+id+"\n")) {
				t.Errorf("RULES.md: no section for %s", id)
			}
		}
		c.fails(exitUsage, nil, "scan", "rules", "--format", "xml")
	})
}

func TestScanLiveServer(t *testing.T) {
	t.Parallel()
	srv := testenv.MariaDB(t)
	c := newCLI(t)
	c.env = []string{"MYSQL_PWD=" + srv.Password}
	label := "mysql://" + srv.User + "@" + srv.Addr()
	r := c.run(nil, "scan", "--format", "json", "--mysql", label)
	if r.code != 0 && r.code != 1 {
		t.Fatalf("scan --mysql: got exit code %d, want 0 or 1; stderr:\n%s", r.code, r.stderr)
	}
	if bytes.Contains(r.stdout, []byte(srv.Password)) || bytes.Contains(r.stderr, []byte(srv.Password)) {
		t.Fatal("the scan printed the server's password")
	}
	for _, f := range scanJSON(t, r.stdout) {
		if f.Language != "mysql" || f.File != label {
			t.Errorf("finding %s: got language %q file %q, want mysql and %s", f.RuleID, f.Language, f.File, label)
		}
	}
	s := c.run(nil, "scan", "--format", "sarif", "--mysql", label)
	var log struct {
		Runs []struct {
			Results []struct {
				Locations []struct {
					PhysicalLocation *json.RawMessage
					LogicalLocations []struct{ Name string }
				}
			}
		}
	}
	if err := json.Unmarshal(s.stdout, &log); err != nil {
		t.Fatalf("SARIF of a live scan does not parse: %v", err)
	}
	for _, res := range log.Runs[0].Results {
		if l := res.Locations[0]; l.PhysicalLocation != nil || len(l.LogicalLocations) != 1 {
			t.Errorf("live result: got %+v, want one logical location and no physical one", l)
		}
	}
}

// The passwords written in the rule fixtures never reach a report: not in
// the quoted source lines of the text format, not in a message, not in
// SARIF.
func TestScanReportsQuoteNoFixturePassword(t *testing.T) {
	fixtures, err := filepath.Abs(filepath.Join("..", "..", "internal", "scan", "rules", "testdata"))
	if err != nil {
		t.Fatal(err)
	}
	passwords := []string{
		"Lambda-Plain-Pass", "example-root-pw", "baked-in-root-pw", "baked-in-app-pw", "baked-in-legacy-form",
		"local-dev-Passw0rd", "An0ther-Literal-Pw", "Sup3rS3cretRootPw", "S3cretRootPw", "example-app-pw",
		"hunter2hunter2", "root-Passw0rd", "ChangeMe-placeholder", "ak-0000-placeholder-but-literal",
		"Pl41nT3xt-in-tfvars", "repl-Passw0rd", "Plain-Secret-String", "example-not-a-real-secret",
		"not-a-real-key-but-a-literal-one", "another-literal-secret-key-in-code", "AppPassw0rd",
	}
	c := newCLI(t)
	for _, format := range []string{"text", "json", "sarif"} {
		r := c.run(nil, "scan", "--no-color", "--include-unknown", "--format", format, fixtures)
		if r.code != exitError {
			t.Fatalf("scan --format %s of the fixtures: exit %d, want %d; stderr:\n%s", format, r.code, exitError, r.stderr)
		}
		out := string(r.stdout) + string(r.stderr)
		for _, pw := range passwords {
			if strings.Contains(out, pw) {
				for _, line := range strings.Split(out, "\n") {
					if strings.Contains(line, pw) {
						t.Errorf("--format %s prints a fixture password on: %s", format, strings.ReplaceAll(line, pw, "<the password>"))
					}
				}
			}
		}
	}
}
