package rules

import (
	"testing"

	"github.com/dbwarden/dbwarden/internal/scan"
)

func TestPolicyDocReadsEveryShape(t *testing.T) {
	cases := []struct {
		name, doc string
		stmts     int
		star      bool // the first statement's Resource holds "*"
	}{
		{"statement list", `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:*","Resource":"*"}]}`, 1, true},
		{"single statement object", `{"Statement":{"Effect":"Allow","Action":["kms:Decrypt"],"Resource":["arn:aws:kms:eu-west-1:1:key/x"]}}`, 1, false},
		{"lower-case keys from jsonencode", `{"statement":[{"effect":"Allow","action":"*","resource":["*"]}]}`, 1, true},
		{"empty document", ``, 0, false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			st, ok, why := policyDoc(scan.Str(c.doc))
			if !ok {
				t.Fatalf("not read: %s", why)
			}
			if len(st) != c.stmts {
				t.Fatalf("got %d statements, want %d", len(st), c.stmts)
			}
			if c.stmts == 0 {
				return
			}
			if star, _ := anyStar(st[0].Resource); star != c.star {
				t.Errorf("Resource star: got %v, want %v", star, c.star)
			}
		})
	}
}

func TestPolicyDocUndecided(t *testing.T) {
	for name, v := range map[string]*scan.Value{
		"unknown document": scan.UnknownVal("aws_s3_bucket.b"),
		"invalid JSON":     scan.Str(`{"Statement": [`),
		"a number":         scan.Num(3),
	} {
		if _, ok, why := policyDoc(v); ok || why == "" {
			t.Errorf("%s: got ok=%v why=%q, want undecided with a reason", name, ok, why)
		}
	}
}

func TestPrincipals(t *testing.T) {
	st, ok, _ := policyDoc(scan.Str(`{"Statement":[
		{"Effect":"Allow","Principal":"*","Action":"sts:AssumeRole"},
		{"Effect":"Allow","Principal":{"Service":["ec2.amazonaws.com","lambda.amazonaws.com"],"AWS":"arn:aws:iam::123456789012:root"},"Action":"sts:AssumeRole"}]}`))
	if !ok || len(st) != 2 {
		t.Fatalf("got %d statements, ok=%v", len(st), ok)
	}
	if len(st[0].Principals) != 1 || st[0].Principals[0].ID.Str != "*" {
		t.Errorf("Principal \"*\": got %+v", st[0].Principals)
	}
	if len(st[1].Principals) != 3 {
		t.Errorf("got %d principals, want 3", len(st[1].Principals))
	}
	for _, pr := range st[1].Principals {
		who, ok := broadTrust(pr, false)
		if !ok {
			t.Fatalf("%v undecided", pr)
		}
		if (pr.Type == "AWS") != (who != "") {
			t.Errorf("%s %s: got %q", pr.Type, pr.ID.Str, who)
		}
	}
	if who, _ := broadTrust(st[1].Principals[0], true); who != "" {
		t.Errorf("account root with a Condition: got %q, want accepted", who)
	}
}

func TestBroadAction(t *testing.T) {
	for a, want := range map[string]bool{
		"*": true, "*:*": true, "s3:*": true, "secretsmanager:*": true,
		"s3:Get*": false, "kms:Decrypt": false, "logs:PutLogEvents": false,
	} {
		if got, _ := broadAction(scan.Str(a)); got != want {
			t.Errorf("%s: got %v, want %v", a, got, want)
		}
	}
}

func TestSecretName(t *testing.T) {
	for name, want := range map[string]bool{
		"password": true, "db_password": true, "mysql_root_password": true, "MasterUserPassword": true,
		"DBPassword": true, "api_key": true, "private_key": true, "github_token": true, "DB_PASSWORD": true,
		"client_secret": true, "secret_key": true,
		"password_length": false, "secret_arn": false, "db_password_secret_name": false, "token_ttl": false,
		"secret_recovery_window_days": false, "DBUsername": false, "kms_key_id": false, "DBSecretArn": false,
		"enable_ssh_key_access": false, "mysql_user_password_secret_arn": false, "region": false,
	} {
		if got := secretName(name); got != want {
			t.Errorf("secretName(%q) = %v, want %v (words %v)", name, got, want, nameWords(name))
		}
	}
}

func TestIgnoreMatch(t *testing.T) {
	cases := []struct {
		pat, path string
		dir, want bool
	}{
		{"*.tfstate", "terraform.tfstate", false, true},
		{"*.tfstate", "envs/prod/terraform.tfstate", false, true},
		{"*.tfstate", "terraform.tfstate.backup", false, false},
		{"*.tfstate.*", "terraform.tfstate.backup", false, true},
		{".terraform/", ".terraform", true, true},
		{".terraform/", ".terraform", false, false},
		{"**/.terraform/*", ".terraform/providers", true, true},
		{"/terraform.tfvars", "terraform.tfvars", false, true},
		{"/terraform.tfvars", "envs/terraform.tfvars", false, false},
		{"envs/**/*.tfvars", "envs/a/b/prod.tfvars", false, true},
	}
	for _, c := range cases {
		if got := ignoreMatch(c.pat, c.path, c.dir); got != c.want {
			t.Errorf("ignoreMatch(%q, %q, dir=%v) = %v, want %v", c.pat, c.path, c.dir, got, c.want)
		}
	}
}

func TestPortCoverage(t *testing.T) {
	cases := []struct {
		proto          string
		from, to       int
		mysql, ssh, ot bool
	}{
		{"tcp", 3306, 3306, true, false, false},
		{"tcp", 22, 22, false, true, false},
		{"tcp", 443, 443, false, false, false},
		{"tcp", 80, 443, false, false, true},
		{"all", 0, 65535, true, true, true},
		{"udp", 3306, 3306, false, false, true},
		{"other", 0, 0, false, false, false},
	}
	for _, c := range cases {
		if got := coversTCP(3306)(c.proto, c.from, c.to); got != c.mysql {
			t.Errorf("%s %d-%d covers 3306: got %v", c.proto, c.from, c.to, got)
		}
		if got := coversTCP(22)(c.proto, c.from, c.to); got != c.ssh {
			t.Errorf("%s %d-%d covers 22: got %v", c.proto, c.from, c.to, got)
		}
		if got := coversOther(c.proto, c.from, c.to); got != c.ot {
			t.Errorf("%s %d-%d covers other ports: got %v", c.proto, c.from, c.to, got)
		}
	}
}

func FuzzPolicyDoc(f *testing.F) {
	f.Add(`{"Statement":[{"Effect":"Allow","Action":"*","Resource":"*","Principal":{"AWS":["*"]},"Condition":{}}]}`)
	f.Add(`{"Statement":{"Effect":"Deny","NotAction":"s3:*","NotResource":"x","NotPrincipal":"*"}}`)
	f.Add(`[1, "x", null]`)
	f.Fuzz(func(t *testing.T, doc string) {
		st, ok, _ := policyDoc(scan.Str(doc))
		for _, s := range st {
			s.isAllow()
			s.hasCondition()
			anyStar(s.Resource)
			for _, a := range s.Action {
				broadAction(a)
			}
			for _, pr := range s.Principals {
				broadTrust(pr, false)
			}
		}
		if !ok && st != nil {
			t.Errorf("undecided document with statements")
		}
	})
}
