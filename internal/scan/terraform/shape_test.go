package terraform

import (
	"path/filepath"
	"reflect"
	"testing"

	"github.com/dbwarden/dbwarden/internal/scan"
)

func wantVia(t *testing.T, what string, v *scan.Value, via ...string) {
	t.Helper()
	if v == nil || !reflect.DeepEqual(v.Via, via) {
		t.Errorf("%s: Via %v, want %v (value %s)", what, viaOf(v), via, describeValue(v))
	}
}

func viaOf(v *scan.Value) []string {
	if v == nil {
		return nil
	}
	return v.Via
}

func wantPattern(t *testing.T, what string, v *scan.Value, pattern string) {
	t.Helper()
	if v == nil || v.Kind != scan.Unknown || v.Pattern != pattern {
		got := ""
		if v != nil {
			got = v.Pattern
		}
		t.Errorf("%s: %s with pattern %q, want Unknown with pattern %q", what, describeValue(v), got, pattern)
	}
}

// Via names what an expression read besides resources, as written, through
// operators, functions, locals, variables and module boundaries.
func TestVia(t *testing.T) {
	dir := writeFiles(t, map[string]string{
		"main.tf": `
variable "db_password" {
  type      = string
  sensitive = true
}
variable "name" { default = "app" }
locals {
  creds = { user = "admin", password = var.db_password }
  label = upper(var.name)
}
resource "random_password" "db" { length = 32 }
resource "aws_db_instance" "main" {
  username = local.creds.user
  password = random_password.db.result
  identifier = "${local.label}-db"
}
data "aws_secretsmanager_secret_version" "db" { secret_id = "x" }
module "db" {
  source   = "./db"
  password = random_password.db.result
}
output "endpoint" { value = module.db.endpoint }
output "master" { value = aws_db_instance.main.password }
output "secret" { value = data.aws_secretsmanager_secret_version.db.secret_string }
output "literal" { value = "plain" }
output "counted" { value = aws_instance.web[0].private_ip }
resource "aws_instance" "web" { count = 2 }
`,
		"db/main.tf": `
variable "password" {}
resource "aws_rds_cluster" "this" { master_password = var.password }
output "endpoint" { value = aws_rds_cluster.this.endpoint }
`,
	})
	p := load(t, dir, Options{})
	db := find(t, p, "resource", "aws_db_instance.main")
	wantVia(t, "username", db.Attr("username"), "local.creds")
	wantVia(t, "password", db.Attr("password"), "random_password.db.result")
	wantVia(t, "identifier", db.Attr("identifier"), "local.label", "var.name")
	wantString(t, "identifier", db.Attr("identifier"), "APP-db")
	wantVia(t, "local.creds value", find(t, p, "locals", "local.creds").Attr("value", "password"), "var.db_password")
	wantVia(t, "variable value", find(t, p, "variable", "var.name").Attr("value"))
	wantVia(t, "endpoint", find(t, p, "output", "output.endpoint").Attr("value"), "aws_rds_cluster.this.endpoint", "module.db.endpoint")
	wantVia(t, "master", find(t, p, "output", "output.master").Attr("value"), "aws_db_instance.main.password", "random_password.db.result")
	wantVia(t, "secret", find(t, p, "output", "output.secret").Attr("value"), "data.aws_secretsmanager_secret_version.db.secret_string")
	wantVia(t, "literal", find(t, p, "output", "output.literal").Attr("value"))
	wantVia(t, "counted", find(t, p, "output", "output.counted").Attr("value"), "aws_instance.web.private_ip")
	child := find(t, p, "resource", "module.db.aws_rds_cluster.this")
	wantVia(t, "child master_password", child.Attr("master_password"), "random_password.db.result", "var.password")
	wantRefs(t, "child master_password", child.Attr("master_password"), "random_password.db")
}

// Pattern keeps the known parts of strings built from unknown ones.
func TestPattern(t *testing.T) {
	dir := writeFiles(t, map[string]string{
		"main.tf": `
variable "region" {}
data "aws_caller_identity" "c" {}
locals {
  root = "arn:aws:iam::${data.aws_caller_identity.c.account_id}:root"
}
resource "aws_vpc_endpoint" "sm" {
  service_name = "com.amazonaws.${var.region}.secretsmanager"
}
resource "x" "y" {
  via_local  = local.root
  nested     = ["arn:aws:s3:::${var.region}-logs/*"]
  formatted  = format("arn:aws:iam::%s:role/%s", data.aws_caller_identity.c.account_id, "admin")
  joined     = join(".", ["com", "amazonaws", var.region, "ssm"])
  replaced   = replace("com-amazonaws-${var.region}", "-", ".")
  wrapped    = "${local.root}"
  derived    = upper(local.root)
  around     = "x${local.root}y"
  all_unknown = "${var.region}"
}
`,
	})
	p := load(t, dir, Options{})
	wantPattern(t, "service_name", find(t, p, "resource", "aws_vpc_endpoint.sm").Attr("service_name"), "com.amazonaws.*.secretsmanager")
	x := find(t, p, "resource", "x.y")
	wantPattern(t, "via_local", x.Attr("via_local"), "arn:aws:iam::*:root")
	wantPattern(t, "nested", x.Attr("nested", "0"), "arn:aws:s3:::*-logs/*")
	wantPattern(t, "formatted", x.Attr("formatted"), "arn:aws:iam::*:role/admin")
	wantPattern(t, "joined", x.Attr("joined"), "com.amazonaws.*.ssm")
	wantPattern(t, "replaced", x.Attr("replaced"), "com.amazonaws.*")
	wantPattern(t, "wrapped", x.Attr("wrapped"), "arn:aws:iam::*:root")
	wantPattern(t, "derived", x.Attr("derived"), "")
	wantPattern(t, "around", x.Attr("around"), "xarn:aws:iam::*:rooty")
	wantPattern(t, "all_unknown", x.Attr("all_unknown"), "")
	wantVia(t, "via_local", x.Attr("via_local"), "data.aws_caller_identity.c.account_id", "local.root")
}

// jsonencode of something not wholly known gives its structure.
func TestJSONEncodeStructure(t *testing.T) {
	dir := writeFiles(t, map[string]string{
		"main.tf": `
resource "aws_s3_bucket" "b" {}
locals {
  policy = jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Effect   = "Allow"
      Action   = "s3:GetObject"
      Resource = "${aws_s3_bucket.b.arn}/*"
    }]
  })
}
resource "aws_iam_policy" "direct" {
  policy = jsonencode({
    Statement = [{ Effect = "Allow", Action = ["*"], Resource = [aws_s3_bucket.b.arn, "*"] }]
  })
}
resource "aws_iam_policy" "via_local" { policy = local.policy }
resource "aws_iam_policy" "known" { policy = jsonencode({ Statement = [] }) }
resource "aws_iam_policy" "hashed" { policy = sha256(local.policy) }
`,
	})
	p := load(t, dir, Options{})
	d := find(t, p, "resource", "aws_iam_policy.direct").Attr("policy")
	if d == nil || d.Kind != scan.Map {
		t.Fatalf("direct policy: %s, want a map", describeValue(d))
	}
	wantString(t, "direct action", d.Get("Statement", "0", "Action", "0"), "*")
	wantString(t, "direct second resource", d.Get("Statement", "0", "Resource", "1"), "*")
	wantUnknown(t, "direct first resource", d.Get("Statement", "0", "Resource", "0"), "aws_s3_bucket.b")
	if !d.RefersTo("aws_s3_bucket.b") {
		t.Errorf("direct policy does not refer to the bucket")
	}
	if d.Range.Line != 14 {
		t.Errorf("direct policy at line %d, want 14", d.Range.Line)
	}
	l := find(t, p, "resource", "aws_iam_policy.via_local").Attr("policy")
	if l == nil || l.Kind != scan.Map {
		t.Fatalf("policy through a local: %s, want a map", describeValue(l))
	}
	wantString(t, "local effect", l.Get("Statement", "0", "Effect"), "Allow")
	wantPattern(t, "local resource", l.Get("Statement", "0", "Resource"), "*/*")
	wantVia(t, "local policy", l, "aws_s3_bucket.b.arn", "local.policy")
	wantString(t, "known", find(t, p, "resource", "aws_iam_policy.known").Attr("policy"), `{"Statement":[]}`)
	h := find(t, p, "resource", "aws_iam_policy.hashed").Attr("policy")
	if h == nil || h.Kind != scan.Unknown {
		t.Errorf("sha256 of an unknown document: %s, want Unknown", describeValue(h))
	}
}

// Every resource of a root module and of its child modules is in the root
// module's scope.
func TestScope(t *testing.T) {
	dir := writeFiles(t, map[string]string{
		"live/a/main.tf":  `module "m" { source = "../../modules/m" }` + "\nresource \"aws_s3_bucket\" \"b\" {}\n",
		"live/b/main.tf":  `module "m" { source = "../../modules/m" }`,
		"live/b/b.tfvars": `x = 1`,
		"modules/m/m.tf":  `resource "aws_secretsmanager_secret" "s" {}`,
	})
	p := load(t, dir, Options{})
	want := map[string]string{
		"module.m.aws_secretsmanager_secret.s": "",
		"aws_s3_bucket.b":                      filepath.ToSlash(filepath.Join(dir, "live/a")),
	}
	scopes := map[string]bool{}
	for _, r := range p.Resources {
		if r.Scope == "" {
			t.Errorf("%s %s: no scope", r.Kind, r.Address)
		}
		if s, ok := want[r.Address]; ok && s != "" && r.Scope != s {
			t.Errorf("%s: scope %q, want %q", r.Address, r.Scope, s)
		}
		if r.Address == "module.m.aws_secretsmanager_secret.s" {
			scopes[r.Scope] = true
			if r.Dir == r.Scope {
				t.Errorf("%s: scope is its own directory %q, want its root's", r.Address, r.Scope)
			}
		}
	}
	if len(scopes) != 2 {
		t.Errorf("the module's secret is in scopes %v, want one per root module", scopes)
	}
}

// LoadDir loads one directory as a root module, with the modules it calls
// but not the directories below it.
func TestLoadDir(t *testing.T) {
	dir := writeFiles(t, map[string]string{
		"main.tf":        `module "m" { source = "./m" }` + "\nresource \"aws_s3_bucket\" \"top\" {}\n",
		"m/m.tf":         `resource "aws_s3_bucket" "inner" {}`,
		"other/other.tf": `resource "aws_s3_bucket" "other" {}`,
	})
	p := &scan.Project{}
	if err := LoadDir(p, dir, Options{Env: []string{}}); err != nil {
		t.Fatal(err)
	}
	got := addresses(p, "resource", "aws_s3_bucket")
	want := []string{"aws_s3_bucket.top", "module.m.aws_s3_bucket.inner"}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("LoadDir resources %v, want %v", got, want)
	}
}

// A template inside a for expression over a known collection gives each
// element its Pattern.
func TestPatternInFor(t *testing.T) {
	dir := writeFiles(t, map[string]string{
		"main.tf": `
variable "regions" {
  default = ["eu-west-1", "us-east-1"]
}
variable "suffix" {}
data "aws_caller_identity" "c" {}
resource "x" "y" {
  services = [for r in var.regions : "com.amazonaws.${r}.${var.suffix}"]
  filtered = [for i, r in var.regions : "arn:aws:s3:::${r}-${var.suffix}/*" if i > 0]
  by_name  = { for r in var.regions : r => "arn:aws:iam::${data.aws_caller_identity.c.account_id}:role/${r}" }
  accounts = [for a in [data.aws_caller_identity.c.account_id, "123"] : "arn:aws:iam::${a}:root"]
  unknown  = [for r in var.suffix : "com.amazonaws.${r}.ssm"]
}
`,
	})
	p := load(t, dir, Options{})
	x := find(t, p, "resource", "x.y")
	wantPattern(t, "services[0]", x.Attr("services", "0"), "com.amazonaws.eu-west-1.*")
	wantPattern(t, "services[1]", x.Attr("services", "1"), "com.amazonaws.us-east-1.*")
	if got := len(x.Attr("filtered").Items()); got != 1 {
		t.Errorf("filtered: %d elements, want 1", got)
	}
	wantPattern(t, "filtered[0]", x.Attr("filtered", "0"), "arn:aws:s3:::us-east-1-*/*")
	wantPattern(t, "by_name", x.Attr("by_name", "us-east-1"), "arn:aws:iam::*:role/us-east-1")
	wantPattern(t, "accounts[0]", x.Attr("accounts", "0"), "arn:aws:iam::*:root")
	wantString(t, "accounts[1]", x.Attr("accounts", "1"), "arn:aws:iam::123:root")
	wantUnknown(t, "unknown collection", x.Attr("unknown"))
}
