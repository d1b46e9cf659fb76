package authz

import (
	"strings"
	"testing"
)

func FuzzParse(f *testing.F) {
	f.Add([]byte(seedPolicy))
	f.Add([]byte(`{"Statement":{"Effect":"Deny","Principal":{"AWS":["123456789012"]},"NotAction":"secretsmanager:Delete*","Resource":"*","Condition":{"IpAddressIfExists":{"aws:SourceIp":["10.0.0.0/8"]},"Bool":{"aws:SecureTransport":false}}}}`))
	f.Fuzz(func(t *testing.T, doc []byte) {
		p, err := Parse(doc)
		if err != nil {
			return
		}
		// Whatever parses evaluates without panicking.
		Evaluate([]*Policy{p}, p, Request{Principal: "arn:aws:iam::1:user/u", Account: "1", Action: "secretsmanager:GetSecretValue",
			Resource: "arn:aws:secretsmanager:us-east-1:1:secret:x-AbC123", Context: map[string][]string{"aws:sourceip": {"10.1.1.1"}}})
	})
}

// FuzzMatch checks Match against a simple recursive definition.
func FuzzMatch(f *testing.F) {
	f.Add("a*b?c", "aXXbYc")
	f.Add("*", "")
	f.Fuzz(func(t *testing.T, pattern, s string) {
		if len(pattern) > 12 || len(s) > 24 {
			return
		}
		if got, want := Match(pattern, s), naiveMatch(pattern, s); got != want {
			t.Fatalf("Match(%q, %q) = %v, want %v", pattern, s, got, want)
		}
	})
}

func naiveMatch(p, s string) bool {
	if p == "" {
		return s == ""
	}
	switch p[0] {
	case '*':
		for i := 0; i <= len(s); i++ {
			if naiveMatch(p[1:], s[i:]) {
				return true
			}
		}
		return false
	case '?':
		return s != "" && naiveMatch(p[1:], s[1:])
	}
	return strings.HasPrefix(s, p[:1]) && naiveMatch(p[1:], s[1:])
}
