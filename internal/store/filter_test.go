package store_test

import (
	"slices"
	"strings"
	"testing"

	"github.com/dbwarden/dbwarden/internal/secret"
	"github.com/dbwarden/dbwarden/internal/store"
)

func TestWords(t *testing.T) {
	cases := []struct {
		name string
		in   string
		want []string
	}{
		{"the documented example splits at case, letters to digits and punctuation", "credsDatabase#892", []string{"creds", "database", "892"}},
		{"camel case splits at each upper-case letter after a lower-case one", "MyDatabaseSecret", []string{"my", "database", "secret"}},
		{"digits split from letters on both sides", "db2prod", []string{"db", "2", "prod"}},
		{"letters after digits start a word", "2024Rotation", []string{"2024", "rotation"}},
		{"every separator of a secret name splits", "prod/mysql-app_v2.primary@eu+x=y", []string{"prod", "mysql", "app", "v", "2", "primary", "eu", "x", "y"}},
		{"runs of separators make no empty words", "  --a//b  ", []string{"a", "b"}},
		{"an all upper-case word stays one word", "MYSQL", []string{"mysql"}},
		{"non-ASCII letters are letters", "CaféBar", []string{"café", "bar"}},
		{"an empty string has no words", "", nil},
		{"only separators have no words", "#/_ -", nil},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if got := store.Words(tc.in); !slices.Equal(got, tc.want) {
				t.Fatalf("Words(%q): got %q, want %q", tc.in, got, tc.want)
			}
		})
	}
}

// billing is the secret most filter cases run against.
var billing = store.SecretListEntry{
	Name:        "prod/mysql/credsDatabase",
	Description: "Primary MySQL credentials for Billing",
	Tags:        []secret.Tag{{Key: "Env", Value: "Production"}, {Key: "team", Value: "payments-42"}},
}

func f(key string, values ...string) store.Filter { return store.Filter{Key: key, Values: values} }

func TestMatchFilters(t *testing.T) {
	cases := []struct {
		name    string
		filters []store.Filter
		want    bool
	}{
		{"no filters match every secret", nil, true},

		{"name matches a prefix", []store.Filter{f("name", "prod/")}, true},
		{"name matches the whole name", []store.Filter{f("name", "prod/mysql/credsDatabase")}, true},
		{"name is case-sensitive", []store.Filter{f("name", "Prod/")}, false},
		{"name does not match in the middle", []store.Filter{f("name", "mysql")}, false},

		{"description matches a prefix ignoring case", []store.Filter{f("description", "PRIMARY my")}, true},
		{"description matches the start of a later word", []store.Filter{f("description", "bill")}, true},
		{"description matches any word of the value", []store.Filter{f("description", "My Credentials")}, true},
		{"description does not match inside a word", []store.Filter{f("description", "ysql")}, false},
		{"description does not match absent words", []store.Filter{f("description", "postgres")}, false},

		{"tag-key matches a prefix", []store.Filter{f("tag-key", "En")}, true},
		{"tag-key is case-sensitive", []store.Filter{f("tag-key", "env")}, false},
		{"tag-key does not match a tag value", []store.Filter{f("tag-key", "Production")}, false},
		{"tag-value matches a prefix", []store.Filter{f("tag-value", "payments")}, true},
		{"tag-value is case-sensitive", []store.Filter{f("tag-value", "production")}, false},
		{"tag-value does not match a tag key", []store.Filter{f("tag-value", "team")}, false},

		{"all matches a word of the name", []store.Filter{f("all", "creds")}, true},
		{"all matches a camel-case word of the name", []store.Filter{f("all", "database")}, true},
		{"all matches a word of the description", []store.Filter{f("all", "billing")}, true},
		{"all matches a tag key", []store.Filter{f("all", "team")}, true},
		{"all matches a word of a tag value", []store.Filter{f("all", "42")}, true},
		{"all ignores case", []store.Filter{f("all", "PRODUCTION")}, true},
		{"all matches when any word of the value matches", []store.Filter{f("all", "credsDatabase#892")}, true},
		{"all does not match inside a word", []store.Filter{f("all", "atabase")}, false},
		{"all does not match absent words", []store.Filter{f("all", "postgres")}, false},

		{"a negated value excludes a secret it matches", []store.Filter{f("name", "!prod/")}, false},
		{"a negated value keeps a secret it does not match", []store.Filter{f("name", "!dev/")}, true},
		{"a negated value excludes even when a plain value matches", []store.Filter{f("name", "prod/", "!prod/mysql")}, false},
		{"a negated description ignores case", []store.Filter{f("description", "!primary")}, false},
		{"a negated all excludes a secret with the word", []store.Filter{f("all", "!payments")}, false},

		{"several values are ORed", []store.Filter{f("name", "dev/", "prod/")}, true},
		{"several values match none", []store.Filter{f("name", "dev/", "qa/")}, false},
		{"several filters are ANDed and all match", []store.Filter{f("name", "prod/"), f("tag-key", "team"), f("description", "billing")}, true},
		{"several filters are ANDed and one fails", []store.Filter{f("name", "prod/"), f("tag-key", "owner")}, false},

		{"primary-region matches no secret, for none is replicated", []store.Filter{f("primary-region", "us-east-1")}, false},
		{"owning-service matches no secret, for none is managed", []store.Filter{f("owning-service", "rds")}, false},
		{"a negated primary-region keeps every secret", []store.Filter{f("primary-region", "!us-east-1")}, true},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if got := store.MatchFilters(&billing, tc.filters); got != tc.want {
				t.Fatalf("MatchFilters(%v): got %v, want %v", tc.filters, got, tc.want)
			}
		})
	}

	t.Run("a secret without tags matches no tag filter", func(t *testing.T) {
		bare := store.SecretListEntry{Name: "x"}
		for _, key := range []string{"tag-key", "tag-value"} {
			if store.MatchFilters(&bare, []store.Filter{f(key, "a")}) {
				t.Errorf("%s: got a match, want none", key)
			}
		}
	})
}

func TestValidateFilters(t *testing.T) {
	ten := make([]string, 10)
	for i := range ten {
		ten[i] = "v"
	}
	ok := []struct {
		name    string
		filters []store.Filter
	}{
		{"no filters are valid", nil},
		{"every documented key is valid", []store.Filter{
			f("name", "a"), f("description", "a"), f("tag-key", "a"), f("tag-value", "a"),
			f("primary-region", "a"), f("owning-service", "a"), f("all", "a"),
		}},
		{"ten values are valid", []store.Filter{f("name", ten...)}},
		{"a value of 512 characters is valid", []store.Filter{f("name", strings.Repeat("v", 512))}},
		{"names, ARNs and negations are valid values", []store.Filter{f("name", "!staging/app_1+x=y.z@w-v", "arn:aws:x", "with space")}},
	}
	for _, tc := range ok {
		t.Run(tc.name, func(t *testing.T) {
			if err := store.ValidateFilters(tc.filters); err != nil {
				t.Fatalf("got %v, want nil", err)
			}
		})
	}

	bad := []struct {
		name    string
		filters []store.Filter
	}{
		{"an unknown key is rejected", []store.Filter{f("owner", "a")}},
		{"keys are case-sensitive", []store.Filter{f("Name", "a")}},
		{"an empty key is rejected", []store.Filter{f("", "a")}},
		{"a filter without values is rejected", []store.Filter{f("name")}},
		{"eleven values are rejected", []store.Filter{f("name", append(ten, "v")...)}},
		{"a value of 513 characters is rejected", []store.Filter{f("name", strings.Repeat("v", 513))}},
		{"one bad filter after good ones is rejected", []store.Filter{f("name", "a"), f("tag-key", "b"), f("tags", "c")}},
		{"a value with a character outside the pattern is rejected", []store.Filter{f("name", "prod;drop")}},
		{"a value with a comma is rejected", []store.Filter{f("tag-value", "a,b")}},
	}
	for _, tc := range bad {
		t.Run(tc.name, func(t *testing.T) {
			err := store.ValidateFilters(tc.filters)
			if got := secret.Code(err); got != secret.CodeInvalidParameter {
				t.Fatalf("code: got %q (%v), want %q", got, err, secret.CodeInvalidParameter)
			}
		})
	}
}
