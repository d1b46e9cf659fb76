package report

import (
	"bytes"
	"encoding/json"
	"errors"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/santhosh-tekuri/jsonschema/v6"

	"github.com/dbwarden/dbwarden/internal/scan"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata")

// plaintext is the password written in the fixture; no report may print it.
const plaintext = "Hunter2-plain-in-tf"

const mainTF = `resource "aws_db_instance" "db" {
  engine              = "mysql"
  instance_class      = "db.t3.micro"
  storage_encrypted   = false
  username            = "admin"
  password            = "` + plaintext + `"
  publicly_accessible = false
}

# dbwarden:ignore DBW-LOG-001 logs are shipped to the central account
resource "aws_cloudwatch_log_group" "audit" {
  name              = "/dbwarden/audit"
  retention_in_days = 1
}

resource "aws_cloudwatch_log_group" "app" {
  name              = "/dbwarden/app"
  retention_in_days = var.retention
}
`

const templateYAML = `AWSTemplateFormatVersion: "2010-09-09"
Resources:
  Key:
    Type: AWS::KMS::Key
    Properties:
      EnableKeyRotation: false
`

// fixture builds a small project, runs a small catalog on it and returns
// the report, so that suppressions are applied by scan.Run as in a real
// scan.
func fixture(t *testing.T) *Report {
	t.Helper()
	p := &scan.Project{Profile: scan.Profiles["baseline"]}
	p.AddFile("infra/main.tf", []byte(mainTF))
	p.AddFile("infra/cfn/template.yaml", []byte(templateYAML))
	at := func(file string, line int) scan.Range { return scan.Range{File: file, Line: line} }
	val := func(v *scan.Value, file string, line int) *scan.Value { v.Range = at(file, line); return v }

	db := &scan.Resource{Lang: scan.Terraform, Kind: "resource", Type: "aws_db_instance", Address: "aws_db_instance.db",
		Range: scan.Range{File: "infra/main.tf", Line: 1, EndLine: 8},
		Attrs: &scan.Value{Kind: scan.Map, Map: map[string]*scan.Value{
			"storage_encrypted": val(scan.BoolVal(false), "infra/main.tf", 4),
			"password":          val(scan.Str(plaintext), "infra/main.tf", 6),
		}}}
	logs := &scan.Resource{Lang: scan.Terraform, Kind: "resource", Type: "aws_cloudwatch_log_group", Address: "aws_cloudwatch_log_group.audit",
		Range: scan.Range{File: "infra/main.tf", Line: 11, EndLine: 14},
		Attrs: &scan.Value{Kind: scan.Map, Map: map[string]*scan.Value{
			"retention_in_days": val(scan.Num(1), "infra/main.tf", 13),
		}}}
	logs2 := &scan.Resource{Lang: scan.Terraform, Kind: "resource", Type: "aws_cloudwatch_log_group", Address: "aws_cloudwatch_log_group.app",
		Range: scan.Range{File: "infra/main.tf", Line: 16, EndLine: 19},
		Attrs: &scan.Value{Kind: scan.Map, Map: map[string]*scan.Value{
			"retention_in_days": val(scan.UnknownVal("var.retention"), "infra/main.tf", 18),
		}}}
	key := &scan.Resource{Lang: scan.CloudFormation, Kind: "resource", Type: "AWS::KMS::Key", Address: "Key",
		Range: scan.Range{File: "infra/cfn/template.yaml", Line: 3, EndLine: 6},
		Attrs: &scan.Value{Kind: scan.Map, Map: map[string]*scan.Value{
			"EnableKeyRotation": val(scan.BoolVal(false), "infra/cfn/template.yaml", 6),
		}}}
	account := &scan.Resource{Lang: scan.MySQL, Kind: "account", Type: "account", Address: "'app'@'%'",
		Range: scan.Range{File: "mysql://127.0.0.1:3306"}}
	server := &scan.Resource{Lang: scan.MySQL, Kind: "server", Type: "server", Address: "require_secure_transport",
		Range: scan.Range{File: "mysql://127.0.0.1:3306"}}
	p.Add(db, logs, logs2, key, account, server)

	rules := []*scan.Rule{
		{
			ID: "DBW-RDS-001", Title: "RDS storage is encrypted", Severity: scan.High,
			Applies:     map[scan.Lang][]string{scan.Terraform: {"aws_db_instance"}, scan.CloudFormation: {"AWS::RDS::DBInstance"}},
			Seeds:       []string{"000 §3", "003 PCI"},
			Rationale:   "Unencrypted storage exposes data and backups to anyone who reads the volume or a snapshot.",
			Remediation: "Set storage_encrypted = true (StorageEncrypted: true). Existing instances need a restore from an encrypted snapshot copy.",
			Example: map[scan.Lang]string{
				scan.Terraform:      "resource \"aws_db_instance\" \"db\" {\n  storage_encrypted = true\n  kms_key_id        = aws_kms_key.db.arn\n}\n",
				scan.CloudFormation: "DB:\n  Type: AWS::RDS::DBInstance\n  Properties:\n    StorageEncrypted: true\n",
			},
			Trivy: []string{"AVD-AWS-0080"}, Checkov: []string{"CKV_AWS_16"},
			Check: func(p *scan.Project, out *scan.Out) {
				for _, r := range p.Of(scan.Terraform, "aws_db_instance") {
					if b, _ := r.Attr("storage_encrypted").True(false); !b {
						out.Fail(r, r.Attr("storage_encrypted"), "storage_encrypted is false")
					}
				}
			},
		},
		{
			ID: "DBW-SEC-002", Title: "No plaintext database password in code", Severity: scan.Critical,
			Applies:     map[scan.Lang][]string{scan.Terraform: {"aws_db_instance"}},
			Seeds:       []string{"000 §1"},
			Rationale:   "A password in code lands in version control and in the state file.",
			Remediation: "Use manage_master_user_password = true, or read the password from a secret. Never write it in a file.",
			Example:     map[scan.Lang]string{scan.Terraform: "manage_master_user_password = true\n"},
			Check: func(p *scan.Project, out *scan.Out) {
				for _, r := range p.Of(scan.Terraform, "aws_db_instance") {
					if v := r.Attr("password"); v.Kind == scan.String {
						out.Fail(r, v, "password is written in plain text")
					}
				}
			},
		},
		{
			ID: "DBW-LOG-001", Title: "Log groups keep logs long enough", Severity: scan.Medium,
			Applies:     map[scan.Lang][]string{scan.Terraform: {"aws_cloudwatch_log_group"}},
			Seeds:       []string{"000 §4", "003 HIPAA"},
			Rationale:   "Investigations need logs older than the incident.",
			Remediation: "Set retention_in_days to at least the profile's minimum.",
			Example:     map[scan.Lang]string{scan.Terraform: "retention_in_days = 365\n"},
			Checkov:     []string{"CKV_AWS_338"},
			Check: func(p *scan.Project, out *scan.Out) {
				for _, r := range p.Of(scan.Terraform, "aws_cloudwatch_log_group") {
					v := r.Attr("retention_in_days")
					if !v.Known() {
						out.Unknown(r, v, "retention_in_days is only known when applied")
					} else if n, _ := v.Number(); n < float64(p.Profile.LogRetentionDays) {
						out.Fail(r, v, "retention_in_days is %g; want at least %d", n, p.Profile.LogRetentionDays)
					}
				}
			},
		},
		{
			ID: "DBW-KMS-001", Title: "KMS keys rotate", Severity: scan.Medium,
			Applies:     map[scan.Lang][]string{scan.Terraform: {"aws_kms_key"}, scan.CloudFormation: {"AWS::KMS::Key"}},
			Seeds:       []string{"000 §3"},
			Rationale:   "Rotation limits what one leaked key version can decrypt.",
			Remediation: "Set enable_key_rotation = true.",
			Example: map[scan.Lang]string{
				scan.Terraform:      "enable_key_rotation = true\n",
				scan.CloudFormation: "EnableKeyRotation: true\n",
			},
			Trivy: []string{"AVD-AWS-0065"}, Checkov: []string{"CKV_AWS_7"},
			Check: func(p *scan.Project, out *scan.Out) {
				for _, r := range p.Of(scan.CloudFormation, "AWS::KMS::Key") {
					out.Fail(r, r.Attr("EnableKeyRotation"), "EnableKeyRotation is false")
				}
			},
		},
		{
			ID: "DBW-MYSQL-001", Title: "Accounts are bound to hosts", Severity: scan.Medium,
			Applies:     map[scan.Lang][]string{scan.MySQL: {"account"}},
			Seeds:       []string{"001 mistakes"},
			Rationale:   "An account for any host can log in from anywhere the server is reachable.",
			Remediation: "Create accounts for the application's hosts or network only.",
			Check: func(p *scan.Project, out *scan.Out) {
				for _, r := range p.Of(scan.MySQL, "account") {
					out.Fail(r, nil, "account accepts logins from any host")
				}
			},
		},
		{
			ID: "DBW-MYSQL-002", Title: "Connections require TLS", Severity: scan.Low,
			Applies:     map[scan.Lang][]string{scan.MySQL: {"server"}},
			Seeds:       []string{"000 §6"},
			Rationale:   "Without TLS, passwords and data cross the network in the clear.",
			Remediation: "Set require_secure_transport = ON.",
			Check: func(p *scan.Project, out *scan.Out) {
				for _, r := range p.Of(scan.MySQL, "server") {
					out.Fail(r, nil, "require_secure_transport is OFF")
				}
			},
		},
	}
	sup := []scan.Suppression{{Rule: "DBW-KMS-001", File: "infra/cfn/*.yaml", Reason: "development stack, keys are short-lived"}}
	return &Report{
		Findings: scan.Run(p, rules, sup),
		Rules:    rules,
		Files:    p.Files,
		Errors:   []error{errors.New("infra/broken.tf:3: unclosed block")},
	}
}

// golden compares got with testdata/name, or rewrites it under -update.
func golden(t *testing.T, name string, got []byte) {
	t.Helper()
	path := filepath.Join("testdata", name)
	if *update {
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test ./internal/scan/report/ -update to create it)", err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("%s: output differs from the golden file (rerun with -update and review the diff)\ngot:\n%s\nwant:\n%s", name, got, want)
	}
}

func noSecret(t *testing.T, what string, out []byte) {
	t.Helper()
	if bytes.Contains(out, []byte(plaintext)) {
		t.Errorf("%s prints the plaintext password from the fixture", what)
	}
}

func TestFixtureFindings(t *testing.T) {
	r := fixture(t)
	c := Count(r.Findings)
	if c.Failed != 4 || c.Suppressed != 2 || c.Unknown != 1 {
		t.Fatalf("fixture: got %d failed, %d suppressed, %d unknown, want 4, 2, 1: %+v", c.Failed, c.Suppressed, c.Unknown, r.Findings)
	}
}

func TestText(t *testing.T) {
	r := fixture(t)
	var buf bytes.Buffer
	if err := Text(&buf, r, TextOptions{}); err != nil {
		t.Fatal(err)
	}
	out := buf.Bytes()
	golden(t, "report.txt.golden", out)
	noSecret(t, "text report", out)
	if bytes.Contains(out, []byte("\x1b[")) {
		t.Error("text report without colour has ANSI escapes")
	}
	for _, want := range []string{
		"> 4 |   storage_encrypted   = false",
		`password            = "****"`,
		"reason: logs are shipped to the central account",
		"Could not be decided",
		"4 findings (1 critical, 1 high, 1 medium, 1 low), 2 suppressed, 1 could not be decided",
	} {
		if !bytes.Contains(out, []byte(want)) {
			t.Errorf("text report: want it to contain %q", want)
		}
	}
	if n := bytes.Count(out, []byte("Set storage_encrypted = true")); n != 1 {
		t.Errorf("remediation of DBW-RDS-001: got it %d times, want once", n)
	}

	t.Run("colour only when asked", func(t *testing.T) {
		var col bytes.Buffer
		if err := Text(&col, r, TextOptions{Color: true}); err != nil {
			t.Fatal(err)
		}
		if !bytes.Contains(col.Bytes(), []byte(ansiDim)) || !bytes.Contains(col.Bytes(), []byte(ansiRed)) {
			t.Error("coloured report: want dim (suppressed) and red (high) escapes")
		}
	})
	t.Run("an empty scan says so in its summary", func(t *testing.T) {
		var e bytes.Buffer
		if err := Text(&e, &Report{}, TextOptions{}); err != nil {
			t.Fatal(err)
		}
		if got, want := e.String(), "0 findings (0 critical, 0 high, 0 medium, 0 low), 0 suppressed, 0 could not be decided\n"; got != want {
			t.Errorf("got %q, want %q", got, want)
		}
	})
}

func TestJSON(t *testing.T) {
	r := fixture(t)
	var buf bytes.Buffer
	if err := JSON(&buf, r); err != nil {
		t.Fatal(err)
	}
	golden(t, "report.json.golden", buf.Bytes())
	noSecret(t, "JSON report", buf.Bytes())
	var got []map[string]any
	if err := json.Unmarshal(buf.Bytes(), &got); err != nil {
		t.Fatalf("JSON report is not an array of objects: %v", err)
	}
	if len(got) != len(r.Findings) {
		t.Fatalf("got %d findings, want %d", len(got), len(r.Findings))
	}
	for _, k := range []string{"rule_id", "severity", "title", "file", "line", "resource", "message", "suppressed", "unknown", "remediation"} {
		if _, ok := got[0][k]; !ok {
			t.Errorf("finding %v: no key %q", got[0], k)
		}
	}
	t.Run("an empty scan is an empty array", func(t *testing.T) {
		var e bytes.Buffer
		if err := JSON(&e, &Report{}); err != nil {
			t.Fatal(err)
		}
		if got := strings.TrimSpace(e.String()); got != "[]" {
			t.Errorf("got %s, want []", got)
		}
	})
}

func compileSARIFSchema(t *testing.T) *jsonschema.Schema {
	t.Helper()
	abs, err := filepath.Abs(filepath.Join("testdata", "sarif-2.1.0-rtm.5.json"))
	if err != nil {
		t.Fatal(err)
	}
	c := jsonschema.NewCompiler()
	c.AssertFormat()
	s, err := c.Compile(abs)
	if err != nil {
		t.Fatalf("compile the SARIF schema: %v", err)
	}
	return s
}

func validateSARIF(t *testing.T, s *jsonschema.Schema, out []byte) {
	t.Helper()
	inst, err := jsonschema.UnmarshalJSON(bytes.NewReader(out))
	if err != nil {
		t.Fatalf("SARIF output is not JSON: %v", err)
	}
	if err := s.Validate(inst); err != nil {
		t.Errorf("SARIF output does not validate against the SARIF 2.1.0 schema: %v", err)
	}
}

// sarifDoc is the part of a SARIF log the assertions read.
type sarifDoc struct {
	Runs []struct {
		Tool struct {
			Driver struct {
				Name  string
				Rules []struct {
					ID         string
					Properties map[string]any
				}
			}
		}
		Results []struct {
			RuleID    string
			RuleIndex int
			Level     string
			Message   struct{ Text string }
			Locations []struct {
				PhysicalLocation *struct {
					ArtifactLocation struct{ URI, URIBaseID string }
					Region           *struct{ StartLine, EndLine int }
				}
				LogicalLocations []struct{ Name, Kind string }
			}
			PartialFingerprints map[string]string
			Suppressions        []struct{ Kind, Justification string }
		}
	}
}

func TestSARIF(t *testing.T) {
	schema := compileSARIFSchema(t)
	r := fixture(t)
	var buf bytes.Buffer
	if err := SARIF(&buf, r, SARIFOptions{Version: "1.2.3"}); err != nil {
		t.Fatal(err)
	}
	out := buf.Bytes()
	golden(t, "report.sarif.golden", out)
	noSecret(t, "SARIF report", out)
	validateSARIF(t, schema, out)

	var doc sarifDoc
	if err := json.Unmarshal(out, &doc); err != nil {
		t.Fatal(err)
	}
	run := doc.Runs[0]
	if run.Tool.Driver.Name != "dbwarden" || len(run.Tool.Driver.Rules) != len(r.Rules) {
		t.Fatalf("driver: got %q with %d rules, want dbwarden with %d", run.Tool.Driver.Name, len(run.Tool.Driver.Rules), len(r.Rules))
	}
	for _, rl := range run.Tool.Driver.Rules {
		if _, ok := rl.Properties["security-severity"].(string); !ok {
			t.Errorf("rule %s: no security-severity string", rl.ID)
		}
	}
	kinds := map[string]string{}
	prints := map[string]bool{}
	for _, res := range run.Results {
		if got := run.Tool.Driver.Rules[res.RuleIndex].ID; got != res.RuleID {
			t.Errorf("result %s: ruleIndex points at %s", res.RuleID, got)
		}
		if len(res.Locations) != 1 {
			t.Fatalf("result %s: got %d locations, want 1", res.RuleID, len(res.Locations))
		}
		loc := res.Locations[0]
		if strings.HasPrefix(res.RuleID, "DBW-MYSQL") {
			if loc.PhysicalLocation != nil || len(loc.LogicalLocations) != 1 {
				t.Errorf("live server result %s: want one logical location and no physical one", res.RuleID)
			}
		} else if loc.PhysicalLocation == nil || loc.PhysicalLocation.ArtifactLocation.URIBaseID != "%SRCROOT%" ||
			strings.HasPrefix(loc.PhysicalLocation.ArtifactLocation.URI, "/") ||
			loc.PhysicalLocation.Region == nil || loc.PhysicalLocation.Region.StartLine < 1 {
			t.Errorf("file result %s: want a relative URI under %%SRCROOT%% and a region from line 1 on", res.RuleID)
		}
		fp := res.PartialFingerprints["dbwardenFinding/v1"]
		if fp == "" {
			t.Errorf("result %s: no partial fingerprint", res.RuleID)
		}
		prints[fp] = true
		for _, s := range res.Suppressions {
			kinds[res.RuleID] = s.Kind
		}
		if strings.Contains(res.Message.Text, "Could not be decided") != (res.RuleID == "DBW-LOG-001" && len(res.Suppressions) == 0) {
			t.Errorf("result %s %q: only the unsuppressed DBW-LOG-001 is undecidable", res.RuleID, res.Message.Text)
		} else if len(res.Suppressions) == 0 && res.RuleID == "DBW-LOG-001" && res.Level != "note" {
			t.Errorf("undecidable result: got level %s, want note", res.Level)
		}
	}
	if kinds["DBW-LOG-001"] != "inSource" || kinds["DBW-KMS-001"] != "external" {
		t.Errorf("suppression kinds: got %v, want DBW-LOG-001 inSource and DBW-KMS-001 external", kinds)
	}
	if len(prints) != len(run.Results) {
		t.Errorf("fingerprints: got %d distinct for %d results", len(prints), len(run.Results))
	}

	t.Run("fingerprints do not move with line numbers", func(t *testing.T) {
		r2 := fixture(t)
		for i := range r2.Findings {
			r2.Findings[i].Line += 10
		}
		var b2 bytes.Buffer
		if err := SARIF(&b2, r2, SARIFOptions{Version: "1.2.3"}); err != nil {
			t.Fatal(err)
		}
		var d2 sarifDoc
		if err := json.Unmarshal(b2.Bytes(), &d2); err != nil {
			t.Fatal(err)
		}
		for i, res := range d2.Runs[0].Results {
			if got, want := res.PartialFingerprints["dbwardenFinding/v1"], run.Results[i].PartialFingerprints["dbwardenFinding/v1"]; got != want {
				t.Errorf("result %d: fingerprint %s, want %s", i, got, want)
			}
		}
	})
	t.Run("the schema rejects a region that starts at line 0", func(t *testing.T) {
		bad := bytes.Replace(out, []byte(`"startLine": 6`), []byte(`"startLine": 0`), 1)
		inst, err := jsonschema.UnmarshalJSON(bytes.NewReader(bad))
		if err != nil {
			t.Fatal(err)
		}
		if schema.Validate(inst) == nil {
			t.Error("got a valid log with startLine 0; the schema is not being applied")
		}
	})
	t.Run("an empty scan validates", func(t *testing.T) {
		var e bytes.Buffer
		if err := SARIF(&e, &Report{}, SARIFOptions{}); err != nil {
			t.Fatal(err)
		}
		validateSARIF(t, schema, e.Bytes())
	})
	t.Run("absolute paths are made relative to the base directory", func(t *testing.T) {
		base := filepath.FromSlash("/src/repo")
		al := artifactLocation(filepath.Join(base, "infra", "my db.tf"), base)
		if al.URI != "infra/my%20db.tf" || al.URIBaseID != "%SRCROOT%" {
			t.Errorf("got %+v, want infra/my%%20db.tf under %%SRCROOT%%", al)
		}
	})
}

func TestRedactAt(t *testing.T) {
	lines := []string{
		"  Environment:",
		"    - Name: DB_HOST",
		"      Value: mysql.internal",
		"    - Name: DB_PASSWORD",
		"      Value: s3cret",
		"    - Name: DB_PASSWORD_ARN",
		"      Value: !Ref Secret",
	}
	for n, want := range map[int]string{3: "      Value: mysql.internal", 5: "      Value: ****", 7: "      Value: !Ref Secret"} {
		if got := redactAt(lines, n); got != want {
			t.Errorf("line %d: got %q, want %q", n, got, want)
		}
	}
}

func TestRedactLine(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{`  password = "s3cret"`, `  password = "****"`},
		{`  master_password = "s3cret" # rotate me`, `  master_password = "****" # rotate me`},
		{`  password = var.db_password`, `  password = var.db_password`},
		{`  password = "${random_password.db.result}"`, `  password = "${random_password.db.result}"`},
		{`      MasterUserPassword: s3cret`, `      MasterUserPassword: ****`},
		{`      MasterUserPassword: !Ref DBPassword`, `      MasterUserPassword: !Ref DBPassword`},
		{`      MasterUserPassword: '{{resolve:secretsmanager:db:SecretString:password}}'`, `      MasterUserPassword: '{{resolve:secretsmanager:db:SecretString:password}}'`},
		{`        "MasterUserPassword": "s3cret",`, `        "MasterUserPassword": "****",`},
		{`password=s3cret`, `password=****`},
		{`  url = "mysql://app:s3cret@db:3306/app"`, `  url = "mysql://app:****@db:3306/app"`},
		{`  storage_encrypted = false`, `  storage_encrypted = false`},
		{`        HttpTokens: required`, `        HttpTokens: required`},
		{`    http_tokens = "optional"`, `    http_tokens = "optional"`},
		{`  api_token = "abc"`, `  api_token = "****"`},
		{`RUN mysql -uroot -ps3cret -e "SELECT 1"`, `RUN mysql -uroot -p**** -e "SELECT 1"`},
		{`      test: ["CMD", "mysqladmin", "ping", "-uroot", "-ps3cret"]`, `      test: ["CMD", "mysqladmin", "ping", "-uroot", "-p****"]`},
		{`mysql -uroot -p"$ROOT_PW" -e "SELECT 1"`, `mysql -uroot -p"$ROOT_PW" -e "SELECT 1"`},
		{`mkdir -p /var/lib/mysql-files`, `mkdir -p /var/lib/mysql-files`},
		{`mysql -e "CREATE USER 'app'@'%' IDENTIFIED BY 's3cret'"`, `mysql -e "CREATE USER 'app'@'%' IDENTIFIED BY '****'"`},
		{`ALTER USER app IDENTIFIED BY '$NEW_PASSWORD';`, `ALTER USER app IDENTIFIED BY '$NEW_PASSWORD';`},
		{`ENV MYSQL_PASSWORD s3cret value`, `ENV MYSQL_PASSWORD ****`},
		{`aws configure set aws_access_key_id AKIAABCDEFGHIJKLMNOP`, `aws configure set aws_access_key_id AKIA****`},
		{`    api_key = "ak-123"`, `    api_key = "****"`},
		{`      SecretString: '{"username":"app","password":"s3cret"}'`, `      SecretString: '{"username":"app","password":"****"}'`},
		{`  secret_string = "{\"password\":\"s3cret\"}"`, `  secret_string = "{\"password\":\"****\"}"`},
		{`    Type: AWS::SecretsManager::Secret`, `    Type: AWS::SecretsManager::Secret`},
		{`      { name = "DB_PASSWORD", value = "s3cret" },`, `      { name = "DB_PASSWORD", value = "****" },`},
		{`      { name = "DB_HOST", value = "db" },`, `      { name = "DB_HOST", value = "db" },`},
		{`{"name": "API_TOKEN", "value": "s3cret"}`, `{"name": "API_TOKEN", "value": "****"}`},
	} {
		if got := redactLine(tc.in); got != tc.want {
			t.Errorf("redactLine(%q): got %q, want %q", tc.in, got, tc.want)
		}
	}
}

func TestRules(t *testing.T) {
	rules := fixture(t).Rules
	for _, tc := range []struct {
		name  string
		write func(*bytes.Buffer) error
	}{
		{"rules.txt.golden", func(b *bytes.Buffer) error { return RulesTable(b, rules) }},
		{"rules.json.golden", func(b *bytes.Buffer) error { return RulesJSON(b, rules) }},
		{"rules.md.golden", func(b *bytes.Buffer) error { return RulesMarkdown(b, rules) }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var b bytes.Buffer
			if err := tc.write(&b); err != nil {
				t.Fatal(err)
			}
			golden(t, tc.name, b.Bytes())
		})
	}
	t.Run("the markdown page has a section per rule with its peers", func(t *testing.T) {
		var b bytes.Buffer
		if err := RulesMarkdown(&b, rules); err != nil {
			t.Fatal(err)
		}
		for _, want := range []string{"\n## DBW-RDS-001\n", "[DBW-RDS-001](#dbw-rds-001)", "`AVD-AWS-0080`", "`CKV_AWS_16`", "Seeds: 000 §3, 003 PCI", "```hcl\n"} {
			if !strings.Contains(b.String(), want) {
				t.Errorf("RULES.md: want it to contain %q", want)
			}
		}
	})
}
