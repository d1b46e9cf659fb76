package terraform

import (
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/dbwarden/dbwarden/internal/scan"
)

// load loads dir with opts; Env defaults to an empty environment so the
// machine's TF_VAR_ variables never leak into a test.
func load(t *testing.T, dir string, opts Options) *scan.Project {
	t.Helper()
	if opts.Env == nil {
		opts.Env = []string{}
	}
	p := &scan.Project{}
	if err := LoadTree(p, dir, opts); err != nil {
		t.Fatalf("LoadTree(%s): %v", dir, err)
	}
	return p
}

func find(t *testing.T, p *scan.Project, kind, addr string) *scan.Resource {
	t.Helper()
	for _, r := range p.Resources {
		if r.Kind == kind && r.Address == addr {
			return r
		}
	}
	var have []string
	for _, r := range p.Resources {
		have = append(have, r.Kind+" "+r.Address)
	}
	t.Fatalf("no %s %s; have:\n%s", kind, addr, strings.Join(have, "\n"))
	return nil
}

func addresses(p *scan.Project, kind, typ string) []string {
	var out []string
	for _, r := range p.Resources {
		if r.Kind == kind && r.Type == typ {
			out = append(out, r.Address)
		}
	}
	return out
}

func wantString(t *testing.T, what string, v *scan.Value, want string) {
	t.Helper()
	if v == nil || v.Kind != scan.String || v.Str != want {
		t.Errorf("%s: got %s, want %q", what, describeValue(v), want)
	}
}

func wantNumber(t *testing.T, what string, v *scan.Value, want float64) {
	t.Helper()
	if v == nil || v.Kind != scan.Number || v.Num != want {
		t.Errorf("%s: got %s, want %g", what, describeValue(v), want)
	}
}

func wantBool(t *testing.T, what string, v *scan.Value, want bool) {
	t.Helper()
	if v == nil || v.Kind != scan.Bool || v.Bool != want {
		t.Errorf("%s: got %s, want %v", what, describeValue(v), want)
	}
}

func wantUnknown(t *testing.T, what string, v *scan.Value, refs ...string) {
	t.Helper()
	if v == nil || v.Kind != scan.Unknown {
		t.Errorf("%s: got %s, want unknown", what, describeValue(v))
		return
	}
	wantRefs(t, what, v, refs...)
}

func wantRefs(t *testing.T, what string, v *scan.Value, refs ...string) {
	t.Helper()
	if len(refs) == 0 && len(v.Refs) == 0 {
		return
	}
	if !reflect.DeepEqual(v.Refs, refs) {
		t.Errorf("%s: refs %q, want %q", what, v.Refs, refs)
	}
}

func describeValue(v *scan.Value) string {
	if v == nil {
		return "nil"
	}
	b, _ := json.Marshal(struct {
		Kind string
		Str  string
		Num  float64
		Bool bool
		Refs []string
	}{v.Kind.String(), v.Str, v.Num, v.Bool, v.Refs})
	return string(b)
}

func writeFiles(t *testing.T, files map[string]string) string {
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

func TestVariables(t *testing.T) {
	p := load(t, "testdata/vars", Options{
		VarFiles: []string{"testdata/varfiles/prod.tfvars"},
		Vars:     map[string]string{"cli_string": "[1,2]", "subnets": `["x", "y"]`},
		Env:      []string{"TF_VAR_owner=alice", "TF_VAR_env=from-env", "HOME=/nowhere"},
	})
	db := find(t, p, "resource", "aws_db_instance.main")
	val := func(name string) *scan.Value { return find(t, p, "variable", "var."+name).Attr("value") }

	t.Run("default applies when nothing else is given", func(t *testing.T) {
		wantString(t, "var.region", val("region"), "eu-west-1")
		if r := find(t, p, "provider", "provider.aws"); r.Type != "aws" {
			t.Errorf("provider type %q", r.Type)
		}
		wantString(t, "provider region", find(t, p, "provider", "provider.aws").Attr("region"), "eu-west-1")
	})
	t.Run("terraform.tfvars overrides TF_VAR_", func(t *testing.T) {
		wantString(t, "identifier", db.Attr("identifier"), "db-prod")
	})
	t.Run("TF_VAR_ applies when no file sets the variable", func(t *testing.T) {
		wantString(t, "tags.Owner", db.Attr("tags", "Owner"), "alice")
	})
	t.Run("auto.tfvars override terraform.tfvars in lexical order", func(t *testing.T) {
		wantString(t, "tags.Tier", db.Attr("tags", "Tier"), "from-a-auto")
		wantBool(t, "multi_az from b.auto.tfvars.json", db.Attr("multi_az"), true)
	})
	t.Run("-var-file overrides auto.tfvars", func(t *testing.T) {
		wantNumber(t, "backup_retention_period", db.Attr("backup_retention_period"), 14)
	})
	t.Run("-var overrides -var-file and is parsed as HCL for a list", func(t *testing.T) {
		wantString(t, "db_subnet_group_name", db.Attr("db_subnet_group_name"), "x,y")
	})
	t.Run("-var is literal for a string variable", func(t *testing.T) {
		wantString(t, "tags.Cli", db.Attr("tags", "Cli"), "[1,2]")
	})
	t.Run("optional attributes take their defaults", func(t *testing.T) {
		wantNumber(t, "allocated_storage", db.Attr("allocated_storage"), 20)
	})
	t.Run("a variable without any value is unknown", func(t *testing.T) {
		wantUnknown(t, "username", db.Attr("username"))
		wantUnknown(t, "var.never_set", val("never_set"))
	})
	t.Run("sensitive marks the value wherever it goes", func(t *testing.T) {
		pw := db.Attr("password")
		wantString(t, "password", pw, "hunter2-in-tfvars")
		if !pw.Sensitive {
			t.Error("password from a sensitive variable is not Sensitive")
		}
		if db.Attr("identifier").Sensitive {
			t.Error("identifier is Sensitive")
		}
		wantBool(t, "var.db_password sensitive", find(t, p, "variable", "var.db_password").Attr("sensitive"), true)
	})
	t.Run("the variable resource records default, type and final value", func(t *testing.T) {
		v := find(t, p, "variable", "var.backup_days")
		wantNumber(t, "default", v.Attr("default"), 1)
		wantNumber(t, "value", v.Attr("value"), 14)
		wantString(t, "type", v.Attr("type"), "number")
		if got := v.Attr("value").Range; got.File != "testdata/varfiles/prod.tfvars" || got.Line != 1 {
			t.Errorf("value range %+v, want the -var-file assignment", got)
		}
	})
	t.Run("values carry the position of the attribute that uses them", func(t *testing.T) {
		if r := db.Attr("password").Range; r.File != "testdata/vars/main.tf" || r.Line != 7 || r.EndLine != 7 {
			t.Errorf("password range %+v", r)
		}
		if db.Range.Line != 5 || db.Range.EndLine != 18 || db.Dir != "testdata/vars" {
			t.Errorf("resource range %+v dir %q", db.Range, db.Dir)
		}
	})
	t.Run("tfvars assignments are resources", func(t *testing.T) {
		r := find(t, p, "tfvars", "testdata/vars/terraform.tfvars:db_password")
		wantString(t, "value", r.Attr("value"), "hunter2-in-tfvars")
		if r.Range.Line != 4 || r.Range.File != "testdata/vars/terraform.tfvars" {
			t.Errorf("range %+v", r.Range)
		}
		find(t, p, "tfvars", "testdata/varfiles/prod.tfvars:subnets")
		find(t, p, "tfvars", "testdata/vars/b.auto.tfvars.json:settings")
	})
	t.Run("every file read is recorded", func(t *testing.T) {
		for _, f := range []string{"testdata/vars/main.tf", "testdata/vars/variables.tf", "testdata/vars/terraform.tfvars", "testdata/vars/a.auto.tfvars", "testdata/varfiles/prod.tfvars"} {
			if _, ok := p.Files[f]; !ok {
				t.Errorf("%s not in Files", f)
			}
		}
	})
	t.Run("module_dir names the root module", func(t *testing.T) {
		r := find(t, p, "module_dir", "testdata/vars")
		if r.Type != "terraform_module" || r.Dir != "testdata/vars" || r.Range.File != "testdata/vars/main.tf" || r.Range.Line != 1 {
			t.Errorf("module_dir %+v", r)
		}
	})
}

func TestVariablesFromEnvironmentAlone(t *testing.T) {
	p := load(t, "testdata/vars", Options{Env: []string{"TF_VAR_owner=bob", "TF_VAR_never_set=from-env", "TF_VAR_subnets=[\"e\"]"}})
	db := find(t, p, "resource", "aws_db_instance.main")
	wantString(t, "tags.Owner", db.Attr("tags", "Owner"), "bob")
	wantString(t, "username", db.Attr("username"), "from-env")
	wantString(t, "db_subnet_group_name", db.Attr("db_subnet_group_name"), "e")
	wantNumber(t, "backup_retention_period from b.auto.tfvars.json", db.Attr("backup_retention_period"), 7)
	wantUnknown(t, "tags.Cli", db.Attr("tags", "Cli"))
}

func TestExpressions(t *testing.T) {
	p := load(t, "testdata/expr", Options{})
	local := func(name string) *scan.Value { return find(t, p, "locals", "local."+name).Attr("value") }
	wantBool(t, "is_prod", local("is_prod"), true)
	wantString(t, "interpolation", local("name"), "app-prod")
	wantNumber(t, "conditional", local("retention"), 35)
	wantNumber(t, "ternary through a local", find(t, p, "resource", "aws_db_instance.main").Attr("backup_retention_period"), 35)
	if v := local("upper_names"); v.Kind != scan.List || len(v.List) != 1 || v.List[0].Str != "LOGS" {
		t.Errorf("for expression: got %s", describeValue(v))
	}
	if v := local("ports"); len(v.Items()) != 2 || v.List[1].Num != 3306 {
		t.Errorf("splat: got %s", describeValue(v))
	}
	wantString(t, "merge", local("tags").Get("Name"), "app-prod")
	wantString(t, "cidrsubnet", local("subnet"), "10.0.3.0/24")
	wantString(t, "jsonencode", local("encoded"), `{"a":1,"b":[true,"x"]}`)
	wantNumber(t, "jsondecode", local("decoded").Get("1"), 2)
	wantString(t, "join/concat/split", local("joined"), "a-b-c")
	wantString(t, "lookup default", local("looked"), "dflt")
	wantString(t, "format", local("fmt"), "db-007")
	wantString(t, "trimspace", local("trimmed"), "hi")
	wantBool(t, "startswith", local("starts"), true)
	wantString(t, "sha256", local("hashed"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
	wantNumber(t, "length(keys())", local("count_keys"), 2)
	wantNumber(t, "max - min", local("minmax"), 5)
	wantNumber(t, "zipmap", local("zm").Get("b"), 2)
	if v := local("flat"); len(v.Items()) != 3 {
		t.Errorf("flatten: got %d elements", len(v.Items()))
	}
	wantString(t, "try falls back", local("tried"), "fallback")
	for _, name := range []string{"policy_file", "policy_rel"} {
		if v := local(name); v.Kind != scan.String || !strings.Contains(v.Str, "2012-10-17") {
			t.Errorf("%s: file() relative to the module: got %s", name, describeValue(v))
		}
	}
	t.Run("what is only known when applied stays unknown", func(t *testing.T) {
		wantUnknown(t, "uuid()", local("id"))
		wantUnknown(t, "timestamp()", local("now"))
		wantUnknown(t, "an unknown function", local("nope"))
		wantUnknown(t, "a type error", local("bad"))
	})
}

func TestInstances(t *testing.T) {
	p := load(t, "testdata/expr", Options{})
	t.Run("for_each over a map keys instances by map key", func(t *testing.T) {
		got := addresses(p, "resource", "aws_s3_bucket")
		want := []string{`aws_s3_bucket.b["backups"]`, `aws_s3_bucket.b["logs"]`}
		if !reflect.DeepEqual(got, want) {
			t.Fatalf("got %q, want %q", got, want)
		}
		logs := find(t, p, "resource", `aws_s3_bucket.b["logs"]`)
		wantString(t, "each.key", logs.Attr("bucket"), "app-prod-logs")
		wantBool(t, "each.value in a nested block", logs.Attr("versioning", "enabled"), true)
		wantBool(t, "backups versioning", find(t, p, "resource", `aws_s3_bucket.b["backups"]`).Attr("versioning", "0", "enabled"), false)
	})
	t.Run("for_each over a set keys instances by element", func(t *testing.T) {
		wantString(t, "az", find(t, p, "resource", `aws_subnet.z["b"]`).Attr("availability_zone"), "eu-west-1b")
	})
	t.Run("count gives indexed instances", func(t *testing.T) {
		if n := len(addresses(p, "resource", "aws_instance")); n != 24 {
			t.Errorf("%d aws_instance resources, want 23 web and 1 with unknown count", n)
		}
		r := find(t, p, "resource", "aws_instance.web[22]")
		wantString(t, "count.index", r.Attr("ami"), "ami-22")
		wantString(t, "conditional on count.index", r.Attr("instance_type"), "t3.large")
		wantString(t, "single nested block", r.Attr("metadata_options", "http_tokens"), "required")
		if v := r.Attr("metadata_options"); v.Kind != scan.List || len(v.List) != 1 || v.List[0].Kind != scan.Map {
			t.Errorf("nested block is not a list of one map: %s", describeValue(v))
		}
		wantBool(t, "root_block_device", r.Attr("root_block_device", "encrypted"), true)
	})
	t.Run("count = 0 gives no instance", func(t *testing.T) {
		for _, a := range addresses(p, "resource", "aws_instance") {
			if strings.HasPrefix(a, "aws_instance.none") {
				t.Errorf("instance %s of a resource with count 0", a)
			}
		}
	})
	t.Run("an unknown count keeps one instance", func(t *testing.T) {
		wantString(t, "ami", find(t, p, "resource", "aws_instance.unknown_count[*]").Attr("ami"), "y")
	})
	t.Run("dynamic blocks expand over known collections", func(t *testing.T) {
		sg := find(t, p, "resource", "aws_security_group.db")
		in := sg.Attr("ingress")
		if len(in.Items()) != 2 {
			t.Fatalf("got %d ingress blocks, want 2", len(in.Items()))
		}
		wantNumber(t, "second ingress port", in.Get("1", "from_port"), 3306)
		wantString(t, "second ingress cidr", in.Get("1", "cidr_blocks", "0"), "0.0.0.0/0")
		if in.List[0].Range.Line != 99 {
			t.Errorf("ingress block line %d, want 99", in.List[0].Range.Line)
		}
	})
	t.Run("a dynamic block over an unknown collection is one block of unknowns", func(t *testing.T) {
		eg := find(t, p, "resource", "aws_security_group.db").Attr("egress")
		if len(eg.Items()) != 1 {
			t.Fatalf("got %d egress blocks, want 1", len(eg.Items()))
		}
		wantUnknown(t, "egress from_port", eg.Get("from_port"))
		wantUnknown(t, "egress cidr_blocks", eg.Get("cidr_blocks"))
	})
}

func TestReferences(t *testing.T) {
	p := load(t, "testdata/refs", Options{})
	db := find(t, p, "resource", "aws_db_instance.main")
	wantUnknown(t, "arn of another resource", db.Attr("kms_key_id"), "aws_kms_key.db")
	wantUnknown(t, "id of another resource", db.Attr("tags", "Key"), "aws_kms_key.db")
	wantString(t, "an attribute written literally", db.Attr("tags", "Bucket"), "backups-bucket")
	wantRefs(t, "literal attribute", db.Attr("tags", "Bucket"), "aws_s3_bucket.b")
	wantUnknown(t, "through a local", find(t, p, "resource", "aws_secretsmanager_secret.s").Attr("kms_key_id"), "aws_kms_key.db")
	rot := find(t, p, "resource", "aws_secretsmanager_secret_rotation.r")
	if !rot.Attr("secret_id").RefersTo("aws_secretsmanager_secret.s") {
		t.Error("rotation's secret_id does not refer to the secret")
	}
	wantUnknown(t, "unset sensitive variable", db.Attr("password"))
	if !db.Attr("password").Sensitive {
		t.Error("password is not Sensitive")
	}
	out := find(t, p, "output", "output.db_password")
	if !out.Attr("value").Sensitive || !out.Attr("value").RefersTo("aws_db_instance.main") {
		t.Errorf("output value %s sensitive=%v", describeValue(out.Attr("value")), out.Attr("value").Sensitive)
	}
	wantBool(t, "output sensitive flag", out.Attr("sensitive"), false)
	wantBool(t, "endpoint output sensitive flag", find(t, p, "output", "output.endpoint").Attr("sensitive"), true)

	be := find(t, p, "backend", "backend.s3")
	if be.Type != "s3" {
		t.Errorf("backend type %q", be.Type)
	}
	wantString(t, "dynamodb_table", be.Attr("dynamodb_table"), "locks")
	wantBool(t, "encrypt", be.Attr("encrypt"), true)
}

func TestPolicies(t *testing.T) {
	p := load(t, "testdata/refs", Options{})
	type statement struct {
		Sid       string
		Effect    string
		Action    any
		Resource  any
		Principal map[string]any
		Condition map[string]map[string]any
	}
	var doc struct {
		Version   string
		Statement []statement
	}
	pol := find(t, p, "resource", "aws_iam_policy.p").Attr("policy")
	if pol.Kind != scan.String {
		t.Fatalf("policy from aws_iam_policy_document: got %s", describeValue(pol))
	}
	if !pol.RefersTo("data.aws_iam_policy_document.read") {
		t.Errorf("policy refs %q", pol.Refs)
	}
	if err := json.Unmarshal([]byte(pol.Str), &doc); err != nil {
		t.Fatalf("policy is not JSON: %v", err)
	}
	if doc.Version != "2012-10-17" || len(doc.Statement) != 2 {
		t.Fatalf("document %+v", doc)
	}
	s0, s1 := doc.Statement[0], doc.Statement[1]
	if s0.Sid != "Read" || s0.Effect != "Allow" || s0.Action != "s3:GetObject" || s0.Principal["AWS"] != "arn:aws:iam::123456789012:root" || s0.Condition["Bool"]["aws:SecureTransport"] != "true" {
		t.Errorf("first statement %+v", s0)
	}
	if s1.Effect != "Deny" || !reflect.DeepEqual(s1.Action, []any{"s3:*", "kms:Decrypt"}) || s1.Resource != "*" {
		t.Errorf("second statement %+v", s1)
	}
	wantUnknown(t, "document with a computed resource", find(t, p, "resource", "aws_iam_policy.q").Attr("policy"), "aws_s3_bucket.b", "data.aws_iam_policy_document.computed")
	for _, name := range []string{"enc", "heredoc"} {
		v := find(t, p, "resource", "aws_iam_policy."+name).Attr("policy")
		var d struct{ Statement []statement }
		if v.Kind != scan.String || json.Unmarshal([]byte(v.Str), &d) != nil || len(d.Statement) != 1 || d.Statement[0].Effect != "Allow" {
			t.Errorf("%s: policy %s", name, describeValue(v))
		}
	}
}

func TestModules(t *testing.T) {
	p := load(t, "testdata/modules", Options{})
	t.Run("called directories are not root modules", func(t *testing.T) {
		for _, r := range p.Resources {
			if r.Kind == "module_dir" && r.Address != "testdata/modules" {
				t.Errorf("module_dir %s", r.Address)
			}
			if r.Kind == "resource" && r.Module == "" && r.Type == "aws_db_instance" {
				t.Errorf("module resource %s loaded as a root", r.Address)
			}
		}
	})
	t.Run("count on a module instantiates it with the caller's inputs", func(t *testing.T) {
		got := addresses(p, "resource", "aws_db_instance")
		want := []string{"module.db[0].aws_db_instance.this", "module.db[1].aws_db_instance.this",
			`module.per_env["dev"].aws_db_instance.this`, `module.per_env["prod"].aws_db_instance.this`}
		if !reflect.DeepEqual(got, want) {
			t.Fatalf("got %q, want %q", got, want)
		}
		db1 := find(t, p, "resource", "module.db[1].aws_db_instance.this")
		if db1.Module != "module.db[1]" || db1.Dir != "testdata/modules/modules/db" {
			t.Errorf("module %q dir %q", db1.Module, db1.Dir)
		}
		wantString(t, "identifier", db1.Attr("identifier"), "db-1")
		wantBool(t, "storage_encrypted", db1.Attr("storage_encrypted"), false)
		wantBool(t, "db[0] storage_encrypted", find(t, p, "resource", "module.db[0].aws_db_instance.this").Attr("storage_encrypted"), true)
		wantBool(t, "for_each module", find(t, p, "resource", `module.per_env["prod"].aws_db_instance.this`).Attr("storage_encrypted"), true)
	})
	t.Run("references cross module boundaries", func(t *testing.T) {
		db0 := find(t, p, "resource", "module.db[0].aws_db_instance.this")
		wantUnknown(t, "kms_key_id from another module's output", db0.Attr("kms_key_id"), "module.key.aws_kms_key.this")
		pw := db0.Attr("password")
		wantString(t, "password input", pw, "not-a-real-secret")
		if !pw.Sensitive {
			t.Error("password passed into the module is not Sensitive")
		}
		g := find(t, p, "resource", "aws_db_subnet_group.g")
		wantString(t, "module output read by the caller", g.Attr("name"), "db-1")
		wantRefs(t, "module output", g.Attr("name"), "module.db[1].aws_db_instance.this")
		wantUnknown(t, "remote module output", g.Attr("subnet_ids"), "module.vpc")
	})
	t.Run("module calls are resources", func(t *testing.T) {
		vpc := find(t, p, "module", "module.vpc")
		wantString(t, "source", vpc.Attr("source"), "terraform-aws-modules/vpc/aws")
		wantString(t, "cidr input", vpc.Attr("cidr"), "10.0.0.0/16")
	})
}

func TestParseErrorsKeepOtherFiles(t *testing.T) {
	dir := writeFiles(t, map[string]string{
		"good.tf":             "resource \"aws_s3_bucket\" \"ok\" {\n  bucket = \"fine\"\n}\n",
		"bad.tf":              "resource \"aws_s3_bucket\" \"x\" {\n  bucket = \"a\"\n  acl = = \"private\"\n}\n",
		"other/main.tf":       "variable \"x\" {\n  default = 1\n}\n",
		"other/broken.tfvars": "x = = 2\n",
		"other/bad.tf.json":   "{\"resource\": [",
	})
	p := &scan.Project{}
	err := LoadTree(p, dir, Options{Env: []string{}})
	if err == nil {
		t.Fatal("no error for broken files")
	}
	for _, want := range []string{filepath.ToSlash(filepath.Join(dir, "bad.tf")) + ":3:", filepath.ToSlash(filepath.Join(dir, "other/broken.tfvars")) + ":1:", "bad.tf.json:1:"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q does not name %s", err, want)
		}
	}
	find(t, p, "resource", "aws_s3_bucket.ok")
	find(t, p, "variable", "var.x")
	if _, ok := p.Files[filepath.ToSlash(filepath.Join(dir, "bad.tf"))]; !ok {
		t.Error("the broken file is not recorded")
	}
}

func TestLocalCycle(t *testing.T) {
	dir := writeFiles(t, map[string]string{"main.tf": `
locals {
  a = local.b
  b = "${local.a}-x"
  c = "fine"
}
`})
	p := &scan.Project{}
	err := LoadTree(p, dir, Options{Env: []string{}})
	if err == nil || !strings.Contains(err.Error(), "cycle") || !strings.Contains(err.Error(), "local.a") {
		t.Fatalf("error %v, want a cycle through local.a", err)
	}
	wantUnknown(t, "local.a", find(t, p, "locals", "local.a").Attr("value"))
	wantString(t, "local.c", find(t, p, "locals", "local.c").Attr("value"), "fine")
}

func TestJSONConfiguration(t *testing.T) {
	dir := writeFiles(t, map[string]string{
		"main.tf.json": `{
  "variable": {"env": {"default": "prod", "type": "string"}},
  "resource": {
    "aws_db_instance": {
      "main": {
        "identifier": "db-${var.env}",
        "storage_encrypted": true,
        "count": 2
      }
    }
  }
}`,
	})
	p := load(t, dir, Options{})
	r := find(t, p, "resource", "aws_db_instance.main[1]")
	wantString(t, "identifier", r.Attr("identifier"), "db-prod")
	wantBool(t, "storage_encrypted", r.Attr("storage_encrypted"), true)
	wantString(t, "type", find(t, p, "variable", "var.env").Attr("type"), "string")
}

func TestEnvironmentDefault(t *testing.T) {
	dir := writeFiles(t, map[string]string{"main.tf": "variable \"dbw_test_env\" {}\nresource \"x\" \"y\" {\n  v = var.dbw_test_env\n}\n"})
	t.Setenv("TF_VAR_dbw_test_env", "from-process")
	p := &scan.Project{}
	if err := LoadTree(p, dir, Options{}); err != nil {
		t.Fatal(err)
	}
	wantString(t, "v", find(t, p, "resource", "x.y").Attr("v"), "from-process")
}

func TestMissingRoot(t *testing.T) {
	err := LoadTree(&scan.Project{}, filepath.Join(t.TempDir(), "nope"), Options{})
	if err == nil || !errors.Is(err, os.ErrNotExist) {
		t.Errorf("got %v, want a not-exist error", err)
	}
}

func TestFailedExpressionKeepsReferences(t *testing.T) {
	dir := writeFiles(t, map[string]string{"main.tf": `
variable "secret" {
  sensitive = true
  default   = "x"
}

resource "aws_kms_key" "k" {}

resource "aws_s3_bucket" "b" {
  bucket = "b"
  tags   = { Key = aws_kms_key.k.arn }
}

resource "aws_s3_object" "o" {
  bucket  = no_such_function(aws_s3_bucket.b.bucket, var.secret)
  content = aws_s3_bucket.b.no_such_attribute_anywhere
}
`})
	p := load(t, dir, Options{})
	o := find(t, p, "resource", "aws_s3_object.o")
	v := o.Attr("bucket")
	wantUnknown(t, "bucket", v, "aws_s3_bucket.b")
	if !v.Sensitive {
		t.Error("a failed expression that read a sensitive variable is not Sensitive")
	}
	wantUnknown(t, "content", o.Attr("content"), "aws_s3_bucket.b")
}

func TestModuleOutsideRoot(t *testing.T) {
	dir := writeFiles(t, map[string]string{
		"envs/prod/main.tf":    "module \"db\" {\n  source = \"../../modules/db\"\n  name   = \"prod\"\n}\n",
		"modules/db/main.tf":   "variable \"name\" {}\nresource \"aws_db_instance\" \"this\" {\n  identifier = var.name\n  tags       = jsondecode(file(\"${path.module}/tags.json\"))\n}\n",
		"modules/db/tags.json": "{\"Team\": \"data\"}",
		"secret.txt":           "outside",
		"envs/prod/leak.tf":    "locals {\n  leak = file(\"../../secret.txt\")\n}\n",
	})
	p := load(t, filepath.Join(dir, "envs", "prod"), Options{})
	r := find(t, p, "resource", "module.db.aws_db_instance.this")
	wantString(t, "identifier", r.Attr("identifier"), "prod")
	wantString(t, "file() inside the called module", r.Attr("tags", "Team"), "data")
	if _, ok := p.Files[filepath.ToSlash(filepath.Join(dir, "modules", "db", "main.tf"))]; !ok {
		t.Error("the module's file is not recorded")
	}
	wantUnknown(t, "file() outside the scanned tree", find(t, p, "locals", "local.leak").Attr("value"))
}

// A block copied out of its resource, or an argument at the top of a file,
// is something Terraform refuses; the scan names it instead of passing it
// unchecked, and keeps what is valid.
func TestTopLevelFragments(t *testing.T) {
	dir := writeFiles(t, map[string]string{"main.tf": `
ingress {
  from_port   = 3306
  cidr_blocks = ["0.0.0.0/0"]
}
encrypted = true
moved {
  from = aws_s3_bucket.a
  to   = aws_s3_bucket.b
}
resource "aws_s3_bucket" "b" {
  bucket = "kept"
}
`})
	p := &scan.Project{}
	err := LoadTree(p, dir, Options{Env: []string{}})
	if err == nil {
		t.Fatal("no error for a bare ingress block and a top-level argument")
	}
	for _, want := range []string{`main.tf:2: unsupported block type "ingress"`, `main.tf:6: unsupported argument "encrypted"`} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q does not say %s", err, want)
		}
	}
	if strings.Contains(err.Error(), "moved") {
		t.Errorf("a moved block, which Terraform accepts, is reported: %v", err)
	}
	find(t, p, "resource", "aws_s3_bucket.b")
}

// A script built from a template or an interpolation with values only
// known when applied keeps its known text, also under base64encode.
func TestScriptPatterns(t *testing.T) {
	dir := writeFiles(t, map[string]string{
		"init.tpl": "#!/bin/bash\nARN=${arn}\necho ready\n",
		"main.tf": `
resource "aws_secretsmanager_secret" "s" {
  name = "s"
}
resource "aws_instance" "a" {
  user_data = templatefile("${path.module}/init.tpl", { arn = aws_secretsmanager_secret.s.arn })
}
resource "aws_launch_template" "b" {
  user_data = base64encode("#!/bin/bash\nARN=${aws_secretsmanager_secret.s.arn}\n")
}
`})
	p := load(t, dir, Options{Env: []string{}})
	a := find(t, p, "resource", "aws_instance.a").Attr("user_data")
	if a.Kind != scan.Unknown || a.Pattern != "#!/bin/bash\nARN=*\necho ready\n" {
		t.Errorf("templatefile: %s, pattern %q", a.Kind, a.Pattern)
	}
	wantRefs(t, "templatefile", a, "aws_secretsmanager_secret.s")
	b := find(t, p, "resource", "aws_launch_template.b").Attr("user_data")
	if b.Kind != scan.Unknown || b.Pattern != scan.Base64Pattern+"#!/bin/bash\nARN=*\n" {
		t.Errorf("base64encode: %s, pattern %q", b.Kind, b.Pattern)
	}
}
