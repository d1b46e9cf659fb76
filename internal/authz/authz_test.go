package authz

import (
	"errors"
	"strings"
	"testing"
)

const region, account = "us-east-1", "123456789012"

func arn(name string) string {
	return "arn:aws:secretsmanager:" + region + ":" + account + ":secret:" + name + "-AbC123"
}

func mustParse(t *testing.T, doc string) *Policy {
	t.Helper()
	p, err := Parse([]byte(doc))
	if err != nil {
		t.Fatalf("parse: %v", err)
	}
	return p
}

func req(action, resource string, ctx map[string][]string) Request {
	return Request{Principal: "arn:aws:iam::" + account + ":user/app", Account: account, Action: action, Resource: resource, Context: ctx}
}

// The least-privilege policy of seeds 000 and 003, with the region and
// account filled in.
const seedPolicy = `{
  "Version": "2012-10-17",
  "Statement": [{
    "Effect": "Allow",
    "Action": [
      "secretsmanager:GetSecretValue",
      "secretsmanager:DescribeSecret"
    ],
    "Resource": [
      "arn:aws:secretsmanager:us-east-1:123456789012:secret:env/project/mysql/mysql-root-password",
      "arn:aws:secretsmanager:us-east-1:123456789012:secret:env/project/mysql/mysql-user-password"
    ]
  }]
}`

func TestSeedLeastPrivilegePolicy(t *testing.T) {
	p := mustParse(t, seedPolicy)
	cases := []struct {
		name, action, resource string
		want                   Decision
	}{
		{"it allows reading the root password", "secretsmanager:GetSecretValue", arn("env/project/mysql/mysql-root-password"), Allow},
		{"it allows describing the user password", "secretsmanager:DescribeSecret", arn("env/project/mysql/mysql-user-password"), Allow},
		{"it denies another secret", "secretsmanager:GetSecretValue", arn("env/project/mysql/other"), ImplicitDeny},
		{"it denies a secret whose name only starts the same", "secretsmanager:GetSecretValue", arn("env/project/mysql/mysql-root-password-old"), ImplicitDeny},
		{"it denies writing", "secretsmanager:PutSecretValue", arn("env/project/mysql/mysql-root-password"), ImplicitDeny},
		{"it denies deleting", "secretsmanager:DeleteSecret", arn("env/project/mysql/mysql-root-password"), ImplicitDeny},
		{"it denies listing", "secretsmanager:ListSecrets", "*", ImplicitDeny},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if got := Evaluate([]*Policy{p}, nil, req(c.action, c.resource, nil)); got != c.want {
				t.Fatalf("got %v, want %v", got, c.want)
			}
		})
	}
}

func TestEvaluation(t *testing.T) {
	allowAll := mustParse(t, `{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"secretsmanager:*","Resource":"*"}}`)
	denyProd := mustParse(t, `{"Version":"2012-10-17","Statement":[{"Effect":"Deny","Action":"secretsmanager:Get*","Resource":"arn:aws:secretsmanager:*:*:secret:prod/*"}]}`)
	t.Run("nothing allows: implicit deny", func(t *testing.T) {
		if got := Evaluate(nil, nil, req("secretsmanager:GetSecretValue", arn("x"), nil)); got != ImplicitDeny {
			t.Fatalf("got %v", got)
		}
	})
	t.Run("an explicit deny wins over an allow", func(t *testing.T) {
		if got := Evaluate([]*Policy{allowAll, denyProd}, nil, req("secretsmanager:GetSecretValue", arn("prod/db"), nil)); got != Deny {
			t.Fatalf("got %v", got)
		}
		if got := Evaluate([]*Policy{allowAll, denyProd}, nil, req("secretsmanager:GetSecretValue", arn("staging/db"), nil)); got != Allow {
			t.Fatalf("outside the deny: got %v", got)
		}
	})
	t.Run("actions match case-insensitively with wildcards", func(t *testing.T) {
		p := mustParse(t, `{"Statement":{"Effect":"Allow","Action":"SecretsManager:get?ecret*","Resource":"*"}}`)
		if got := Evaluate([]*Policy{p}, nil, req("secretsmanager:GetSecretValue", arn("x"), nil)); got != Allow {
			t.Fatalf("got %v", got)
		}
	})
	t.Run("resources match case-sensitively", func(t *testing.T) {
		p := mustParse(t, `{"Statement":{"Effect":"Allow","Action":"*","Resource":"arn:aws:secretsmanager:*:*:secret:Prod/*"}}`)
		if got := Evaluate([]*Policy{p}, nil, req("secretsmanager:GetSecretValue", arn("prod/db"), nil)); got != ImplicitDeny {
			t.Fatalf("got %v", got)
		}
	})
	t.Run("NotAction and NotResource", func(t *testing.T) {
		p := mustParse(t, `{"Statement":{"Effect":"Allow","NotAction":"secretsmanager:Delete*","NotResource":"arn:aws:secretsmanager:*:*:secret:prod/*"}}`)
		if got := Evaluate([]*Policy{p}, nil, req("secretsmanager:GetSecretValue", arn("dev/db"), nil)); got != Allow {
			t.Fatalf("read dev: got %v", got)
		}
		if got := Evaluate([]*Policy{p}, nil, req("secretsmanager:DeleteSecret", arn("dev/db"), nil)); got != ImplicitDeny {
			t.Fatalf("delete dev: got %v", got)
		}
		if got := Evaluate([]*Policy{p}, nil, req("secretsmanager:GetSecretValue", arn("prod/db"), nil)); got != ImplicitDeny {
			t.Fatalf("read prod: got %v", got)
		}
	})
	t.Run("a resource policy allows its principal and no one else", func(t *testing.T) {
		rp := mustParse(t, `{"Statement":{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::123456789012:user/app"},"Action":"secretsmanager:GetSecretValue","Resource":"*"}}`)
		if got := Evaluate(nil, rp, req("secretsmanager:GetSecretValue", arn("x"), nil)); got != Allow {
			t.Fatalf("named principal: got %v", got)
		}
		other := req("secretsmanager:GetSecretValue", arn("x"), nil)
		other.Principal = "arn:aws:iam::123456789012:user/intruder"
		if got := Evaluate(nil, rp, other); got != ImplicitDeny {
			t.Fatalf("other principal: got %v", got)
		}
	})
	t.Run("a resource policy's deny wins over an identity allow", func(t *testing.T) {
		rp := mustParse(t, `{"Statement":{"Effect":"Deny","Principal":"*","Action":"secretsmanager:*","Resource":"*"}}`)
		if got := Evaluate([]*Policy{allowAll}, rp, req("secretsmanager:GetSecretValue", arn("x"), nil)); got != Deny {
			t.Fatalf("got %v", got)
		}
	})
}

func TestConditions(t *testing.T) {
	cases := []struct {
		name, cond string
		ctx        map[string][]string
		want       bool
	}{
		{"StringEquals holds on an equal value", `{"StringEquals":{"secretsmanager:ResourceTag/env":"prod"}}`, map[string][]string{"secretsmanager:resourcetag/env": {"prod"}}, true},
		{"StringEquals fails on another value", `{"StringEquals":{"secretsmanager:ResourceTag/env":"prod"}}`, map[string][]string{"secretsmanager:resourcetag/env": {"dev"}}, false},
		{"StringEquals fails on a missing key", `{"StringEquals":{"secretsmanager:ResourceTag/env":"prod"}}`, nil, false},
		{"StringNotEquals holds on a missing key", `{"StringNotEquals":{"secretsmanager:ResourceTag/env":"prod"}}`, nil, true},
		{"StringNotEquals fails on the value", `{"StringNotEquals":{"secretsmanager:ResourceTag/env":"prod"}}`, map[string][]string{"secretsmanager:resourcetag/env": {"prod"}}, false},
		{"StringLike with a wildcard", `{"StringLike":{"secretsmanager:Name":"staging/*"}}`, map[string][]string{"secretsmanager:name": {"staging/app/db"}}, true},
		{"one of several values is enough", `{"StringEquals":{"secretsmanager:VersionStage":["AWSCURRENT","AWSPREVIOUS"]}}`, map[string][]string{"secretsmanager:versionstage": {"AWSPREVIOUS"}}, true},
		{"StringLikeIfExists holds on a missing key", `{"StringLikeIfExists":{"secretsmanager:VersionStage":"AWSCURRENT"}}`, nil, true},
		{"ArnLike", `{"ArnLike":{"aws:PrincipalArn":"arn:aws:iam::*:user/app*"}}`, map[string][]string{"aws:principalarn": {"arn:aws:iam::123456789012:user/app-1"}}, true},
		{"IpAddress inside the block", `{"IpAddress":{"aws:SourceIp":"10.0.0.0/8"}}`, map[string][]string{"aws:sourceip": {"10.1.2.3"}}, true},
		{"IpAddress outside the block", `{"IpAddress":{"aws:SourceIp":["10.0.0.0/8","192.168.1.1"]}}`, map[string][]string{"aws:sourceip": {"172.16.0.1"}}, false},
		{"NotIpAddress outside the block", `{"NotIpAddress":{"aws:SourceIp":"10.0.0.0/8"}}`, map[string][]string{"aws:sourceip": {"172.16.0.1"}}, true},
		{"IpAddress with IPv6", `{"IpAddress":{"aws:SourceIp":"::1/128"}}`, map[string][]string{"aws:sourceip": {"::1"}}, true},
		{"Bool true", `{"Bool":{"aws:SecureTransport":"true"}}`, map[string][]string{"aws:securetransport": {"true"}}, true},
		{"Bool false", `{"Bool":{"aws:SecureTransport":true}}`, map[string][]string{"aws:securetransport": {"false"}}, false},
		{"Null true on a missing key", `{"Null":{"secretsmanager:ResourceTag/env":"true"}}`, nil, true},
		{"several operators must all hold", `{"StringEquals":{"secretsmanager:Name":"a"},"Bool":{"aws:SecureTransport":"true"}}`, map[string][]string{"secretsmanager:name": {"a"}, "aws:securetransport": {"false"}}, false},
		{"condition keys are case-insensitive", `{"StringEquals":{"AWS:PrincipalTag/Team":"db"}}`, map[string][]string{"aws:principaltag/team": {"db"}}, true},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			p := mustParse(t, `{"Statement":{"Effect":"Allow","Action":"*","Resource":"*","Condition":`+c.cond+`}}`)
			got := Evaluate([]*Policy{p}, nil, req("secretsmanager:GetSecretValue", arn("x"), c.ctx)) == Allow
			if got != c.want {
				t.Fatalf("condition holds: got %v, want %v", got, c.want)
			}
		})
	}
}

func TestParseErrors(t *testing.T) {
	cases := map[string]string{
		"not JSON":                     `{`,
		"unknown top-level element":    `{"Version":"2012-10-17","Statment":[]}`,
		"unknown version":              `{"Version":"2020-01-01","Statement":{"Effect":"Allow","Action":"*","Resource":"*"}}`,
		"no statement":                 `{"Version":"2012-10-17"}`,
		"empty statement list":         `{"Statement":[]}`,
		"bad effect":                   `{"Statement":{"Effect":"Permit","Action":"*","Resource":"*"}}`,
		"both Action and NotAction":    `{"Statement":{"Effect":"Allow","Action":"*","NotAction":"*","Resource":"*"}}`,
		"no action":                    `{"Statement":{"Effect":"Allow","Resource":"*"}}`,
		"an action without a service":  `{"Statement":{"Effect":"Allow","Action":"GetSecretValue","Resource":"*"}}`,
		"no resource":                  `{"Statement":{"Effect":"Allow","Action":"*"}}`,
		"a number as action":           `{"Statement":{"Effect":"Allow","Action":5,"Resource":"*"}}`,
		"an unknown operator":          `{"Statement":{"Effect":"Allow","Action":"*","Resource":"*","Condition":{"StringSimilar":{"k":"v"}}}}`,
		"a bad IP block":               `{"Statement":{"Effect":"Allow","Action":"*","Resource":"*","Condition":{"IpAddress":{"aws:SourceIp":"10.0.0.0/99"}}}}`,
		"a bad principal":              `{"Statement":{"Effect":"Allow","Principal":"someone","Action":"*","Resource":"*"}}`,
		"an unknown statement element": `{"Statement":{"Effect":"Allow","Action":"*","Resource":"*","Extra":1}}`,
		"too large":                    `{"Statement":{"Effect":"Allow","Action":"*","Resource":"*","Sid":"` + strings.Repeat("x", MaxDocumentBytes) + `"}}`,
	}
	for name, doc := range cases {
		t.Run(name, func(t *testing.T) {
			if _, err := Parse([]byte(doc)); !errors.Is(err, ErrMalformed) {
				t.Fatalf("got %v, want ErrMalformed", err)
			}
		})
	}
}

func TestMatch(t *testing.T) {
	cases := []struct {
		p, s string
		want bool
	}{
		{"*", "", true}, {"*", "anything", true}, {"a*c", "abbbc", true}, {"a*c", "abbb", false},
		{"a?c", "abc", true}, {"a?c", "ac", false}, {"*b*", "abc", true}, {"", "", true}, {"", "a", false},
		{"prod/*", "prod/", true}, {"prod/*", "pro", false}, {"**", "x", true}, {"?*", "", false},
	}
	for _, c := range cases {
		if got := Match(c.p, c.s); got != c.want {
			t.Errorf("Match(%q, %q): got %v, want %v", c.p, c.s, got, c.want)
		}
	}
}
