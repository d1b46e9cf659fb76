package api

import (
	"fmt"
	"testing"
)

func TestPublicAccessCheck(t *testing.T) {
	stmt := func(principal, condition string) string {
		c := ""
		if condition != "" {
			c = `,"Condition":` + condition
		}
		return fmt.Sprintf(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":%s,"Action":"secretsmanager:GetSecretValue","Resource":"*"%s}]}`, principal, c)
	}
	cases := []struct {
		name   string
		doc    string
		public bool
	}{
		{"everyone", stmt(`"*"`, ""), true},
		{"everyone as AWS *", stmt(`{"AWS":"*"}`, ""), true},
		{"any account's root", stmt(`{"AWS":"arn:aws:iam::*:root"}`, ""), true},
		{"one user", stmt(`{"AWS":"arn:aws:iam::000000000000:user/app"}`, ""), false},
		{"one account", stmt(`{"AWS":"000000000000"}`, ""), false},
		{"everyone in one account", stmt(`"*"`, `{"StringEquals":{"aws:PrincipalAccount":"000000000000"}}`), false},
		{"everyone in one organization", stmt(`"*"`, `{"StringEquals":{"aws:PrincipalOrgID":"o-abc123"}}`), false},
		{"everyone from one network", stmt(`"*"`, `{"IpAddress":{"aws:SourceIp":"10.0.0.0/16"}}`), false},
		{"everyone from every network", stmt(`"*"`, `{"IpAddress":{"aws:SourceIp":"0.0.0.0/0"}}`), true},
		{"everyone but one account", stmt(`"*"`, `{"StringNotEquals":{"aws:PrincipalAccount":"000000000000"}}`), true},
		{"any account by wildcard", stmt(`"*"`, `{"StringLike":{"aws:PrincipalAccount":"*"}}`), true},
		{"any principal ARN", stmt(`"*"`, `{"ArnLike":{"aws:PrincipalArn":"arn:aws:iam::*:user/*"}}`), true},
		{"principal ARNs of one account", stmt(`"*"`, `{"ArnLike":{"aws:PrincipalArn":"arn:aws:iam::000000000000:user/*"}}`), false},
		{"IfExists lets requests without the key in", stmt(`"*"`, `{"StringEqualsIfExists":{"aws:PrincipalAccount":"000000000000"}}`), true},
		{"a condition on something else", stmt(`"*"`, `{"StringEquals":{"secretsmanager:VersionStage":"AWSCURRENT"}}`), true},
		{"a deny for everyone", `{"Version":"2012-10-17","Statement":[{"Effect":"Deny","Principal":"*","Action":"*","Resource":"*"}]}`, false},
	}
	for _, c := range cases {
		errs := checkResourcePolicy(c.doc, true)
		public := len(errs) == 1 && errs[0].CheckName == "PUBLIC_ACCESS_CHECK"
		if public != c.public || (!c.public && len(errs) > 0) {
			t.Errorf("%s: public = %v (errors %v), want %v", c.name, public, errs, c.public)
		}
		if errs := checkResourcePolicy(c.doc, false); len(errs) > 0 {
			t.Errorf("%s: with the public check off: %v", c.name, errs)
		}
	}
}

// FuzzCheckResourcePolicy: any document is checked without panicking, and
// the public-access check only ever adds PUBLIC_ACCESS_CHECK errors.
func FuzzCheckResourcePolicy(f *testing.F) {
	f.Add(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":"*","Action":"*","Resource":"*","Condition":{"IpAddress":{"aws:SourceIp":"10.0.0.0/8"}}}]}`)
	f.Add(`{"Statement":{"Effect":"Allow","Principal":{"AWS":["arn:aws:iam::*:root","1"]},"Action":"secretsmanager:*","Resource":"*","Condition":{"ArnLike":{"aws:PrincipalArn":["arn:aws:iam::1:user/*",""]}}}}`)
	f.Fuzz(func(t *testing.T, doc string) {
		with, without := checkResourcePolicy(doc, true), checkResourcePolicy(doc, false)
		var rest []validationError
		for _, e := range with {
			if e.CheckName != "PUBLIC_ACCESS_CHECK" {
				rest = append(rest, e)
			}
		}
		if len(rest) != len(without) {
			t.Fatalf("the public check changed the other errors: %v against %v", with, without)
		}
	})
}
