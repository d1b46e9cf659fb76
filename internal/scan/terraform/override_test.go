package terraform

import (
	"path/filepath"
	"strings"
	"testing"

	"github.com/dbwarden/dbwarden/internal/scan"
)

// wantAt checks that v was written on line of file in dir.
func wantAt(t *testing.T, what string, v *scan.Value, dir, file string, line int) {
	t.Helper()
	if v == nil {
		t.Errorf("%s: not written", what)
		return
	}
	want := filepath.ToSlash(filepath.Join(dir, file))
	if v.Range.File != want || v.Range.Line != line {
		t.Errorf("%s: written at %s:%d, want %s:%d", what, v.Range.File, v.Range.Line, want, line)
	}
}

func TestOverrideResource(t *testing.T) {
	dir := writeFiles(t, map[string]string{
		"main.tf": `resource "aws_db_instance" "db" {
  engine              = "mysql"
  storage_encrypted   = false
  publicly_accessible = true
  tags = {
    Team = "data"
  }
  ingress {
    port = 3306
  }
  ingress {
    port = 22
  }
  dynamic "egress" {
    for_each = [1, 2]
    content {
      port = egress.value
    }
  }
  lifecycle {
    prevent_destroy       = true
    create_before_destroy = true
  }
}
`,
		"db_override.tf": `resource "aws_db_instance" "db" {
  storage_encrypted = true
  ingress {
    port = 443
  }
  egress {
    port = 9
  }
  lifecycle {
    prevent_destroy = false
  }
}
`,
	})
	p := load(t, dir, Options{})
	r := find(t, p, "resource", "aws_db_instance.db")
	if r.Range.File != filepath.ToSlash(filepath.Join(dir, "main.tf")) || r.Range.Line != 1 || r.Range.EndLine != 24 {
		t.Errorf("resource range %+v, want main.tf lines 1-24", r.Range)
	}
	wantBool(t, "storage_encrypted", r.Attr("storage_encrypted"), true)
	wantAt(t, "storage_encrypted", r.Attr("storage_encrypted"), dir, "db_override.tf", 2)
	wantString(t, "engine kept", r.Attr("engine"), "mysql")
	wantAt(t, "engine", r.Attr("engine"), dir, "main.tf", 2)
	wantBool(t, "publicly_accessible kept", r.Attr("publicly_accessible"), true)
	wantString(t, "tags kept", r.Attr("tags", "Team"), "data")

	in := r.Attr("ingress")
	if in == nil || len(in.List) != 1 {
		t.Fatalf("ingress: got %s with %d blocks, want the override's one block", describeValue(in), len(in.List))
	}
	wantNumber(t, "ingress port", in.List[0].Get("port"), 443)
	wantAt(t, "ingress port", in.List[0].Get("port"), dir, "db_override.tf", 4)

	// A dynamic block in the original is replaced by a static one of the
	// type it generates.
	eg := r.Attr("egress")
	if eg == nil || len(eg.List) != 1 {
		t.Fatalf("egress: got %s, want the override's one block", describeValue(eg))
	}
	wantNumber(t, "egress port", eg.List[0].Get("port"), 9)

	// lifecycle merges argument by argument.
	lc := r.Attr("lifecycle")
	if lc == nil || len(lc.List) != 1 {
		t.Fatalf("lifecycle: got %s", describeValue(lc))
	}
	wantBool(t, "prevent_destroy", lc.List[0].Get("prevent_destroy"), false)
	wantBool(t, "create_before_destroy kept", lc.List[0].Get("create_before_destroy"), true)
}

func TestOverrideCountAndReferences(t *testing.T) {
	dir := writeFiles(t, map[string]string{
		"main.tf":          "resource \"aws_s3_bucket\" \"b\" {\n  count  = 1\n  bucket = \"main\"\n}\noutput \"name\" {\n  value = aws_s3_bucket.b[*].bucket\n}\n",
		"override.tf.json": `{"resource": {"aws_s3_bucket": {"b": {"count": 2, "bucket": "other"}}}}`,
	})
	p := load(t, dir, Options{})
	if got := addresses(p, "resource", "aws_s3_bucket"); strings.Join(got, ",") != "aws_s3_bucket.b[0],aws_s3_bucket.b[1]" {
		t.Errorf("instances %v, want two from the override's count", got)
	}
	wantString(t, "bucket", find(t, p, "resource", "aws_s3_bucket.b[1]").Attr("bucket"), "other")
	out := find(t, p, "output", "output.name").Attr("value")
	if out == nil || len(out.List) != 2 {
		t.Fatalf("output: got %s, want two names", describeValue(out))
	}
	wantString(t, "output[0]", out.List[0], "other")
	if r := find(t, p, "module_dir", filepath.ToSlash(dir)); r.Range.File != filepath.ToSlash(filepath.Join(dir, "main.tf")) {
		t.Errorf("module_dir range %+v", r.Range)
	}
}

func TestOverrideVariableLocalsOutput(t *testing.T) {
	dir := writeFiles(t, map[string]string{
		"main.tf": `variable "engine" {
  type    = string
  default = "mysql"
}
variable "kept" {
  default = "k"
}
locals {
  port = 3306
  name = "db"
}
output "endpoint" {
  value = "${local.name}:${local.port}"
}
`,
		"a_override.tf": `variable "engine" {
  default = "mariadb"
}
locals {
  port = 3307
}
`,
		"b_override.tf": `locals {
  port = 3308
}
output "endpoint" {
  value     = local.name
  sensitive = true
}
`,
	})
	p := load(t, dir, Options{})
	v := find(t, p, "variable", "var.engine")
	wantString(t, "default", v.Attr("default"), "mariadb")
	wantAt(t, "default", v.Attr("default"), dir, "a_override.tf", 2)
	wantString(t, "value", v.Attr("value"), "mariadb")
	wantString(t, "type kept", v.Attr("type"), "string")
	wantString(t, "untouched variable", find(t, p, "variable", "var.kept").Attr("value"), "k")

	// The later override file wins; the untouched local stays.
	port := find(t, p, "locals", "local.port").Attr("value")
	wantNumber(t, "local.port", port, 3308)
	wantAt(t, "local.port", port, dir, "b_override.tf", 2)
	wantString(t, "local.name", find(t, p, "locals", "local.name").Attr("value"), "db")

	o := find(t, p, "output", "output.endpoint")
	wantString(t, "output value", o.Attr("value"), "db")
	wantBool(t, "output sensitive", o.Attr("sensitive"), true)
}

func TestOverrideModuleProviderBackend(t *testing.T) {
	dir := writeFiles(t, map[string]string{
		"main.tf": `terraform {
  backend "s3" {
    bucket  = "state"
    encrypt = false
  }
}
provider "aws" {
  region = "eu-west-1"
}
provider "aws" {
  alias  = "us"
  region = "us-east-1"
}
module "db" {
  source = "./db"
  name   = "prod"
  size   = 1
}
`,
		"override.tf": `terraform {
  backend "local" {
    path = "x"
  }
}
provider "aws" {
  alias  = "us"
  region = "us-west-2"
}
module "db" {
  name = "staging"
}
`,
		"db/main.tf": "variable \"name\" {}\nvariable \"size\" {}\nresource \"aws_db_instance\" \"this\" {\n  identifier = var.name\n}\n",
	})
	p := load(t, dir, Options{})
	wantString(t, "provider aws", find(t, p, "provider", "provider.aws").Attr("region"), "eu-west-1")
	wantString(t, "provider aws.us", find(t, p, "provider", "provider.aws.us").Attr("region"), "us-west-2")
	if got := addresses(p, "backend", "s3"); len(got) != 0 {
		t.Errorf("the original backend remains: %v", got)
	}
	wantString(t, "backend path", find(t, p, "backend", "backend.local").Attr("path"), "x")
	m := find(t, p, "module", "module.db")
	wantString(t, "module input", m.Attr("name"), "staging")
	wantNumber(t, "module input kept", m.Attr("size"), 1)
	wantString(t, "source kept", m.Attr("source"), "./db")
	wantString(t, "resource in the module", find(t, p, "resource", "module.db.aws_db_instance.this").Attr("identifier"), "staging")
}

func TestOverrideOfNothing(t *testing.T) {
	dir := writeFiles(t, map[string]string{
		"main.tf": "resource \"aws_s3_bucket\" \"b\" {\n  bucket = \"main\"\n}\nprovider \"aws\" {}\n",
		"x_override.tf": `resource "aws_s3_bucket" "c" {
  bucket = "new"
}
variable "v" {
  default = 1
}

locals {
  l = 2
}
provider "aws" {
  alias = "other"
}
`,
	})
	p := &scan.Project{}
	err := LoadTree(p, dir, Options{Env: []string{}})
	if err == nil {
		t.Fatal("no error for override blocks that override nothing")
	}
	file := filepath.ToSlash(filepath.Join(dir, "x_override.tf"))
	for _, want := range []string{
		file + `:1: missing resource "aws_s3_bucket" "c" to override`,
		file + `:4: missing variable "v" to override`,
		file + `:9: missing local value to override`,
		file + `:11: missing provider "aws" with alias "other" to override`,
	} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q does not say %q", err, want)
		}
	}
	// Nothing is declared by the failed overrides; the rest loads.
	if got := addresses(p, "resource", "aws_s3_bucket"); len(got) != 1 || got[0] != "aws_s3_bucket.b" {
		t.Errorf("resources %v", got)
	}
	wantString(t, "bucket", find(t, p, "resource", "aws_s3_bucket.b").Attr("bucket"), "main")
}

func TestOverrideJSONOriginal(t *testing.T) {
	dir := writeFiles(t, map[string]string{
		"main.tf.json": `{"resource": {"aws_security_group": {"sg": {"name": "db", "ingress": [{"port": 22}]}}}}`,
		"override.tf":  "resource \"aws_security_group\" \"sg\" {\n  ingress {\n    port = 3306\n  }\n}\n",
	})
	p := load(t, dir, Options{})
	r := find(t, p, "resource", "aws_security_group.sg")
	wantString(t, "name kept", r.Attr("name"), "db")
	in := r.Attr("ingress")
	if in == nil || len(in.List) != 1 {
		t.Fatalf("ingress: got %s, want the override's one block", describeValue(in))
	}
	wantNumber(t, "ingress port", in.List[0].Get("port"), 3306)
	wantAt(t, "ingress port", in.List[0].Get("port"), dir, "override.tf", 3)
}
