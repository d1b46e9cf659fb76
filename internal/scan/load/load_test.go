package load

import (
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/dbwarden/dbwarden/internal/scan"
	"github.com/dbwarden/dbwarden/internal/scan/terraform"
)

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

var opts = Options{Terraform: terraform.Options{Env: []string{}}}

// byLang lists "kind address" of the resources of each language.
func byLang(p *scan.Project) map[scan.Lang][]string {
	out := map[scan.Lang][]string{}
	for _, r := range p.Resources {
		out[r.Lang] = append(out[r.Lang], r.Kind+" "+filepath.Base(r.Address))
	}
	for _, l := range out {
		sort.Strings(l)
	}
	return out
}

func has(list []string, want string) bool {
	for _, s := range list {
		if s == want {
			return true
		}
	}
	return false
}

var tree = map[string]string{
	"infra/main.tf":       `resource "aws_s3_bucket" "b" { bucket = "b" }`,
	"infra/net/vpc.tf":    `resource "aws_vpc" "v" { cidr_block = "10.0.0.0/16" }`,
	"cfn/db.yaml":         "Resources:\n  Db:\n    Type: AWS::RDS::DBInstance\n    Properties:\n      StorageEncrypted: true\n",
	"etc/my.cnf":          "[mysqld]\nbind-address = 127.0.0.1\n!include extra.cnf\n",
	"etc/extra.cnf":       "[mysqld]\nlocal_infile = 0\n",
	".gitignore":          "*.tfstate\n.terraform/\n",
	"web/package.json":    `{"name": "web", "version": "1.0.0", "dependencies": {}}`,
	"k8s/deployment.yaml": "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: app\nspec:\n  replicas: 1\n",
}

// A directory holding every kind of input, and files of other kinds, loads
// each input with its loader and skips the rest without an error.
func TestPathsDirectory(t *testing.T) {
	dir := writeTree(t, tree)
	p := &scan.Project{}
	if err := Paths(p, []string{dir}, opts); err != nil {
		t.Fatalf("Paths: %v", err)
	}
	got := byLang(p)
	for lang, want := range map[scan.Lang][]string{
		scan.Terraform:      {"resource aws_s3_bucket.b", "resource aws_vpc.v"},
		scan.CloudFormation: {"resource Db"},
		scan.Git:            {"gitignore .gitignore"},
	} {
		for _, w := range want {
			if !has(got[lang], w) {
				t.Errorf("%s: no %q in %v", lang, w, got[lang])
			}
		}
	}
	if len(got[scan.CloudFormation]) != 1 {
		t.Errorf("cloudformation: %v, want the template's one resource (no Kubernetes manifest)", got[scan.CloudFormation])
	}
	var files []string
	for _, r := range p.Resources {
		if r.Lang == scan.MyCnf {
			files = append(files, filepath.Base(r.Range.File))
		}
	}
	if !has(files, "my.cnf") || !has(files, "extra.cnf") {
		t.Errorf("mycnf: resources in %v, want my.cnf and its include extra.cnf", files)
	}
	if len(got) != 4 {
		t.Errorf("languages %v, want terraform, cloudformation, mycnf and git only", got)
	}
	for _, r := range p.Resources {
		if strings.Contains(r.Range.File, "package.json") || strings.Contains(r.Range.File, "deployment.yaml") {
			t.Errorf("%s loaded from %s", r.Address, r.Range.File)
		}
	}
}

// A single .tf file stands for its directory as one root module, not for
// the tree below it.
func TestPathsTerraformFile(t *testing.T) {
	dir := writeTree(t, tree)
	p := &scan.Project{}
	if err := Paths(p, []string{filepath.Join(dir, "infra", "main.tf")}, opts); err != nil {
		t.Fatalf("Paths: %v", err)
	}
	got := byLang(p)[scan.Terraform]
	if !has(got, "resource aws_s3_bucket.b") || has(got, "resource aws_vpc.v") {
		t.Errorf("terraform: %v, want aws_s3_bucket.b and not the subdirectory's aws_vpc.v", got)
	}
}

// A file the user names must be something dbwarden scans.
func TestPathsNamedFileOfNoKnownKind(t *testing.T) {
	dir := writeTree(t, tree)
	for _, name := range []string{"k8s/deployment.yaml", "web/package.json"} {
		path := filepath.Join(dir, filepath.FromSlash(name))
		err := Paths(&scan.Project{}, []string{path}, opts)
		if err == nil || !strings.Contains(err.Error(), path) {
			t.Errorf("Paths(%s): error %v, want one naming the file", name, err)
		}
	}
	if err := Paths(&scan.Project{}, []string{filepath.Join(dir, "cfn", "db.yaml")}, opts); err != nil {
		t.Errorf("a named template: %v", err)
	}
}

// Policy documents are loaded from JSON files, except those Terraform
// reads with file(), which are checked in the resource that reads them;
// other JSON (package.json, a CloudWatch dashboard) is left alone, and a
// named file of no known kind is an error.
func TestPolicyDocuments(t *testing.T) {
	dir := writeTree(t, map[string]string{
		"policies/app.json":    `{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*"}]}`,
		"policies/trust.json":  `{"Effect": "Allow", "Principal": {"Service": "ec2.amazonaws.com"}, "Action": "sts:AssumeRole"}`,
		"package.json":         `{"name": "app", "version": "1.0.0"}`,
		"infra/main.tf":        "resource \"aws_iam_policy\" \"p\" {\n  policy = file(\"${path.module}/policy.json\")\n}\n",
		"infra/policy.json":    `{"Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]}`,
		"infra/dashboard.json": `{"widgets": []}`,
	})
	p := &scan.Project{}
	if err := Paths(p, []string{dir}, opts); err != nil {
		t.Fatal(err)
	}
	got := byLang(p)[scan.IAMPolicy]
	if strings.Join(got, ",") != "document app.json,document trust.json" {
		t.Errorf("policy documents loaded: %v, want app.json and trust.json (policy.json is read by Terraform)", got)
	}
	err := Paths(&scan.Project{}, []string{filepath.Join(dir, "package.json")}, opts)
	if err == nil || !strings.Contains(err.Error(), "not a CloudFormation template") || !strings.Contains(err.Error(), "IAM policy document") {
		t.Errorf("naming package.json: %v, want an error saying what it is not", err)
	}
}
