package rules

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/dbwarden/dbwarden/internal/scan"
	"github.com/dbwarden/dbwarden/internal/scan/load"
	"github.com/dbwarden/dbwarden/internal/scan/terraform"
)

// terraformOpts keeps the machine's TF_VAR_ variables out of the tests.
func terraformOpts() terraform.Options { return terraform.Options{Env: []string{}} }

// These tests hold the rules to what the loaders tell them (Via, Pattern,
// the structure of jsonencode, scopes) for the cases that once needed the
// source text.

func writeTree(t *testing.T, files map[string]string) string {
	t.Helper()
	dir := t.TempDir()
	for name, src := range files {
		path := filepath.Join(dir, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, []byte(src), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

// findingsOf loads dir, runs the whole catalog and returns the findings of
// rule id, decided or not.
func findingsOf(t *testing.T, dir, id string) []scan.Finding {
	t.Helper()
	p := &scan.Project{Profile: scan.Profiles["baseline"]}
	if err := load.Paths(p, []string{dir}, load.Options{Terraform: terraformOpts()}); err != nil {
		t.Fatalf("load %s: %v", dir, err)
	}
	var out []scan.Finding
	for _, f := range scan.Run(p, All(), nil) {
		if f.RuleID == id {
			out = append(out, f)
		}
	}
	return out
}

func decidedAt(fs []scan.Finding) []string {
	var out []string
	for _, f := range fs {
		if !f.Unknown && !f.Suppressed {
			out = append(out, f.Resource)
		}
	}
	return out
}

func wantDecided(t *testing.T, what string, fs []scan.Finding, resources ...string) {
	t.Helper()
	got := decidedAt(fs)
	if strings.Join(got, ",") != strings.Join(resources, ",") {
		t.Errorf("%s: decided findings on %v, want on %v (all: %+v)", what, got, resources, fs)
	}
}

func TestCredentialFromVariableIsNotALiteral(t *testing.T) {
	dir := writeTree(t, map[string]string{"main.tf": `
variable "db_password" { default = "correct-horse-battery" }
locals { pw = var.db_password }
resource "aws_db_instance" "from_var" { password = var.db_password }
resource "aws_db_instance" "from_local" { password = local.pw }
resource "aws_db_instance" "literal" { password = "correct-horse-battery" }
`})
	wantDecided(t, "DBW-CODE-002", findingsOf(t, dir, "DBW-CODE-002"), "aws_db_instance.literal")
}

func TestOutputReadingPasswordAttribute(t *testing.T) {
	dir := writeTree(t, map[string]string{"main.tf": `
resource "aws_db_instance" "x" { password = "correct-horse-battery" }
locals { conn = { host = aws_db_instance.x.address, pw = aws_db_instance.x.password } }
output "db" { value = aws_db_instance.x.password }
output "conn" { value = local.conn }
output "host" { value = aws_db_instance.x.address }
`})
	wantDecided(t, "DBW-CODE-003", findingsOf(t, dir, "DBW-CODE-003"), "output.db", "output.conn")
}

func TestAccountRootPrincipalWithUnknownAccount(t *testing.T) {
	dir := writeTree(t, map[string]string{"main.tf": `
data "aws_caller_identity" "c" {}
resource "aws_iam_role" "r" {
  name = "r"
  assume_role_policy = jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Effect    = "Allow"
      Action    = "sts:AssumeRole"
      Principal = { AWS = "arn:aws:iam::${data.aws_caller_identity.c.account_id}:root" }
    }]
  })
}
`})
	wantDecided(t, "DBW-IAM-002", findingsOf(t, dir, "DBW-IAM-002"), "aws_iam_role.r")
}

func TestEndpointNameWithUnknownRegion(t *testing.T) {
	dir := writeTree(t, map[string]string{"main.tf": `
variable "region" { type = string }
resource "aws_vpc" "main" { cidr_block = "10.20.0.0/16" }
resource "aws_subnet" "private" {
  vpc_id     = aws_vpc.main.id
  cidr_block = "10.20.1.0/24"
}
resource "aws_vpc_endpoint" "sm" {
  vpc_id              = aws_vpc.main.id
  service_name        = "com.amazonaws.${var.region}.secretsmanager"
  vpc_endpoint_type   = "Interface"
  private_dns_enabled = true
}
`})
	if fs := findingsOf(t, dir, "DBW-NET-004"); len(fs) > 0 {
		t.Errorf("a Secrets Manager endpoint in an unknown region: got %+v, want none", fs)
	}
}

func TestJSONEncodePolicyWithUnknownARN(t *testing.T) {
	dir := writeTree(t, map[string]string{"main.tf": `
resource "aws_s3_bucket" "b" { bucket = "b" }
resource "aws_iam_policy" "p" {
  name = "p"
  policy = jsonencode({
    Version = "2012-10-17"
    Statement = [
      { Effect = "Allow", Action = "s3:GetObject", Resource = "${aws_s3_bucket.b.arn}/*" },
      { Effect = "Allow", Action = "*", Resource = "*" },
    ]
  })
}
`})
	wantDecided(t, "DBW-IAM-001", findingsOf(t, dir, "DBW-IAM-001"), "aws_iam_policy.p")
}

// A rotation in one root module does not vouch for the secret of the same
// address in another.
func TestRotationStaysInItsRootModule(t *testing.T) {
	secret := `resource "aws_secretsmanager_secret" "db" { name = "prod/app/mysql/db" }` + "\n"
	rotation := `
resource "aws_secretsmanager_secret_rotation" "db" {
  secret_id           = aws_secretsmanager_secret.db.id
  rotation_lambda_arn = "arn:aws:lambda:eu-west-1:123456789012:function:rotate"
  rotation_rules { automatically_after_days = 30 }
}
`
	dir := writeTree(t, map[string]string{
		"a/main.tf": secret + rotation,
		"b/main.tf": secret,
	})
	var files []string
	for _, f := range findingsOf(t, dir, "DBW-SM-002") {
		if !f.Unknown {
			files = append(files, filepath.Base(filepath.Dir(f.File)))
		}
	}
	if strings.Join(files, ",") != "b" {
		t.Errorf("DBW-SM-002 findings in %v, want only in b", files)
	}
}
