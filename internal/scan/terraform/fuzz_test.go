package terraform

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/dbwarden/dbwarden/internal/scan"
)

// FuzzLoad loads arbitrary text as a main.tf: whatever the input, LoadTree
// returns (an error at worst) and never panics.
func FuzzLoad(f *testing.F) {
	for _, fixture := range []string{"testdata/vars/main.tf", "testdata/vars/variables.tf", "testdata/expr/main.tf", "testdata/refs/main.tf", "testdata/modules/main.tf"} {
		src, err := os.ReadFile(fixture)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(string(src))
	}
	for _, s := range []string{
		"",
		"locals {\n  a = local.b\n  b = local.a\n}\n",
		"resource \"a\" \"b\" {\n  count = 1e9\n}\n",
		"resource \"a\" \"b\" {\n  for_each = { x = 1 }\n  v = each.value + count.index\n}\n",
		"resource \"a\" \"b\" {\n  dynamic \"d\" {\n    for_each = [1, 2]\n    content {\n      v = d.value\n      dynamic \"e\" {\n        for_each = d.value\n        content {}\n      }\n    }\n  }\n}\n",
		"module \"m\" {\n  source = \"./\"\n}\n",
		"module \"m\" {\n  source = \"../x\"\n  count = -1\n}\noutput \"o\" {\n  value = module.m[0].x\n}\n",
		"variable \"v\" {\n  type = map(object({ a = optional(string, \"d\") }))\n  default = { k = {} }\n}\n",
		"data \"aws_iam_policy_document\" \"d\" {\n  source_policy_documents = [\"{\\\"Statement\\\": {\\\"Sid\\\": \\\"x\\\"}}\"]\n  statement {\n    sid = \"x\"\n    principals {\n      type = \"*\"\n      identifiers = [\"*\"]\n    }\n  }\n}\n",
		"locals {\n  a = cidrsubnet(\"10.0.0.0/8\", 200, 1)\n  b = cidrhost(\"::/0\", -1)\n  c = file(\"/etc/passwd\")\n  d = templatefile(\"main.tf\", {})\n  e = [for i in range(5) : i if i > 2][*]\n  f = one([])\n  g = sensitive(nonsensitive(\"x\"))\n}\n",
		"terraform {\n  backend \"s3\" {\n    bucket = var.x\n  }\n}\nprovider \"aws\" {\n  alias = \"w\"\n}\n",
		"resource \"a\" \"b\" {\n  x = a.b.y\n}\nresource \"a\" \"c\" {\n  x = a.c.x\n}\n",
		"locals {\n  a = yamldecode(\"x: &x [1, *x]\\ny: !!int z\\n\")\n  b = yamlencode({ k = [1.5, null, true] })\n  c = [for r in [\"a\", var.x] : \"p-${r}-${var.y}\" if r != \"\"]\n}\n",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, src string) {
		dir := t.TempDir()
		if err := os.WriteFile(filepath.Join(dir, "main.tf"), []byte(src), 0o644); err != nil {
			t.Fatal(err)
		}
		p := &scan.Project{}
		_ = LoadTree(p, dir, Options{Env: []string{}})
		for _, r := range p.Resources {
			if r.Lang != scan.Terraform || r.Address == "" {
				t.Fatalf("resource without language or address: %+v", r)
			}
		}
	})
}

// FuzzOverride loads a main.tf and an override.tf: whatever they hold,
// merging the override never panics.
func FuzzOverride(f *testing.F) {
	f.Add("resource \"a\" \"b\" {\n  x = 1\n  n {\n    y = 2\n  }\n  lifecycle {\n    prevent_destroy = true\n  }\n}\n",
		"resource \"a\" \"b\" {\n  x = 2\n  dynamic \"n\" {\n    for_each = [1]\n    content {}\n  }\n  lifecycle {\n    create_before_destroy = true\n  }\n}\n")
	f.Add("variable \"v\" {\n  default = 1\n}\nlocals {\n  l = var.v\n}\noutput \"o\" {\n  value = local.l\n}\n",
		"variable \"v\" {\n  type = string\n}\nlocals {\n  l = 2\n  m = 3\n}\noutput \"o\" {\n  sensitive = true\n}\n")
	f.Add("module \"m\" {\n  source = \"./\"\n}\nprovider \"p\" {}\nterraform {\n  backend \"s3\" {}\n}\n",
		"module \"m\" {\n  count = 2\n}\nprovider \"p\" {\n  alias = \"x\"\n}\nterraform {\n  cloud {}\n}\n")
	f.Fuzz(func(t *testing.T, base, over string) {
		dir := t.TempDir()
		for name, src := range map[string]string{"main.tf": base, "override.tf": over} {
			if err := os.WriteFile(filepath.Join(dir, name), []byte(src), 0o644); err != nil {
				t.Fatal(err)
			}
		}
		p := &scan.Project{}
		_ = LoadTree(p, dir, Options{Env: []string{}})
		for _, r := range p.Resources {
			if r.Lang != scan.Terraform || r.Address == "" {
				t.Fatalf("resource without language or address: %+v", r)
			}
		}
	})
}

// BenchmarkLoadTree loads 3,000 resources spread over 300 files, with
// variables, locals, count, references between resources and a policy
// document in every file.
func BenchmarkLoadTree(b *testing.B) {
	dir := b.TempDir()
	var vars strings.Builder
	vars.WriteString("variable \"env\" {\n  default = \"prod\"\n}\nlocals {\n  tags = { Env = var.env }\n}\n")
	if err := os.WriteFile(filepath.Join(dir, "variables.tf"), []byte(vars.String()), 0o644); err != nil {
		b.Fatal(err)
	}
	for f := 0; f < 300; f++ {
		var s strings.Builder
		fmt.Fprintf(&s, "resource \"aws_kms_key\" \"k%d\" {\n  enable_key_rotation = true\n  tags = local.tags\n}\n", f)
		fmt.Fprintf(&s, "data \"aws_iam_policy_document\" \"p%d\" {\n  statement {\n    actions = [\"s3:GetObject\"]\n    resources = [\"arn:aws:s3:::b%d/*\"]\n  }\n}\n", f, f)
		for r := 0; r < 8; r++ {
			fmt.Fprintf(&s, "resource \"aws_db_instance\" \"db%d_%d\" {\n  identifier = \"db-${var.env}-%d-%d\"\n  kms_key_id = aws_kms_key.k%d.arn\n  storage_encrypted = true\n  backup_retention_period = var.env == \"prod\" ? 35 : 7\n  tags = merge(local.tags, { Name = \"db%d\" })\n  dynamic \"ingress\" {\n    for_each = [3306, 33060]\n    content {\n      port = ingress.value\n    }\n  }\n}\n", f, r, f, r, f, r)
		}
		fmt.Fprintf(&s, "resource \"aws_iam_policy\" \"pol%d\" {\n  policy = data.aws_iam_policy_document.p%d.json\n}\n", f, f)
		if err := os.WriteFile(filepath.Join(dir, fmt.Sprintf("f%03d.tf", f)), []byte(s.String()), 0o644); err != nil {
			b.Fatal(err)
		}
	}
	b.ResetTimer()
	for b.Loop() {
		p := &scan.Project{}
		if err := LoadTree(p, dir, Options{Env: []string{}}); err != nil {
			b.Fatal(err)
		}
		if n := len(p.Of(scan.Terraform, "aws_db_instance", "aws_kms_key", "aws_iam_policy")); n != 3000 {
			b.Fatalf("%d resources, want 3000", n)
		}
	}
}
