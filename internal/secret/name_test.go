package secret

import (
	"regexp"
	"strings"
	"testing"
)

// refNameByte says, independently of nameByte, whether c may appear in a
// secret name.
func refNameByte(c byte) bool {
	const allowed = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789/_+=.@-"
	return strings.IndexByte(allowed, c) >= 0
}

// wantCode fails the test unless err carries the Secrets Manager error code.
func wantCode(t *testing.T, err error, code string) {
	t.Helper()
	if got := Code(err); got != code {
		t.Fatalf("error code: got %q (%v), want %q", got, err, code)
	}
}

func TestValidateName(t *testing.T) {
	accepted := []struct{ name, s string }{
		{"a one-character name is accepted", "a"},
		{"a path-like name is accepted", "prod/mysql/billing"},
		{"every punctuation character allowed is accepted", "a/b_c+d=e.f@g-h"},
		{"a name of only punctuation is accepted", "/_+=.@-"},
		{"digits and both cases are accepted", "AppDB2024"},
		{"a name of exactly 512 characters is accepted", strings.Repeat("n", MaxNameLength)},
	}
	for _, tc := range accepted {
		t.Run(tc.name, func(t *testing.T) {
			if err := ValidateName(tc.s); err != nil {
				t.Fatalf("got %v, want nil", err)
			}
		})
	}

	rejected := []struct{ name, s string }{
		{"an empty name is rejected", ""},
		{"a name of 513 characters is rejected", strings.Repeat("n", MaxNameLength+1)},
		{"a space is rejected", "prod db"},
		{"a colon is rejected", "prod:db"},
		{"an exclamation mark is rejected", "prod!"},
		{"a hash is rejected", "creds#1"},
		{"an asterisk is rejected", "prod/*"},
		{"a backslash is rejected", `prod\db`},
		{"a tilde is rejected", "~prod"},
		{"a comma is rejected", "a,b"},
		{"a quote is rejected", `a"b`},
		{"a NUL byte is rejected", "a\x00b"},
		{"a newline is rejected", "a\nb"},
		{"a tab is rejected", "a\tb"},
		{"DEL is rejected", "a\x7fb"},
		{"a non-ASCII letter is rejected", "café"},
		{"invalid UTF-8 is rejected", "a\xffb"},
		{"a long name with one bad character at the end is rejected", strings.Repeat("n", MaxNameLength-1) + "%"},
	}
	for _, tc := range rejected {
		t.Run(tc.name, func(t *testing.T) {
			wantCode(t, ValidateName(tc.s), CodeInvalidParameter)
		})
	}

	t.Run("each of the 256 byte values is accepted exactly when it is a letter, a digit or one of /_+=.@-", func(t *testing.T) {
		for c := 0; c < 256; c++ {
			err := ValidateName("a" + string([]byte{byte(c)}) + "z")
			if got, want := err == nil, refNameByte(byte(c)); got != want {
				t.Errorf("byte 0x%02x: got accepted=%v, want %v", c, got, want)
			}
		}
	})
}

func TestParseARN(t *testing.T) {
	valid := []struct {
		name string
		in   string
		want ARN
	}{
		{"a full ARN parses into its parts", "arn:aws:secretsmanager:us-east-1:123456789012:secret:prod/db-AbC123",
			ARN{Partition: "aws", Region: "us-east-1", Account: "123456789012", Resource: "prod/db-AbC123"}},
		{"a partial ARN parses with the bare name as resource", "arn:aws:secretsmanager:eu-west-3:123456789012:secret:prod/db",
			ARN{Partition: "aws", Region: "eu-west-3", Account: "123456789012", Resource: "prod/db"}},
		{"the China partition parses", "arn:aws-cn:secretsmanager:cn-north-1:210987654321:secret:app-x1Y2z3",
			ARN{Partition: "aws-cn", Region: "cn-north-1", Account: "210987654321", Resource: "app-x1Y2z3"}},
		{"the GovCloud partition parses", "arn:aws-us-gov:secretsmanager:us-gov-west-1:000000000000:secret:a",
			ARN{Partition: "aws-us-gov", Region: "us-gov-west-1", Account: "000000000000", Resource: "a"}},
		{"a name with every allowed punctuation character parses", "arn:aws:secretsmanager:us-east-1:123456789012:secret:a/b_c+d=e.f@g-h-QwErTy",
			ARN{Partition: "aws", Region: "us-east-1", Account: "123456789012", Resource: "a/b_c+d=e.f@g-h-QwErTy"}},
	}
	for _, tc := range valid {
		t.Run(tc.name, func(t *testing.T) {
			got, err := ParseARN(tc.in)
			if err != nil {
				t.Fatalf("got error %v, want nil", err)
			}
			if got != tc.want {
				t.Fatalf("got %+v, want %+v", got, tc.want)
			}
			if s := got.String(); s != tc.in {
				t.Fatalf("String: got %q, want %q", s, tc.in)
			}
			if !IsARN(tc.in) {
				t.Fatalf("IsARN: got false, want true")
			}
		})
	}

	const good = "arn:aws:secretsmanager:us-east-1:123456789012:secret:"
	malformed := []struct{ name, in string }{
		{"an empty string is rejected", ""},
		{"a bare name is rejected", "prod/db"},
		{"an ARN with too few parts is rejected", "arn:aws:secretsmanager:us-east-1:123456789012:secret"},
		{"a prefix other than arn is rejected", "urn:aws:secretsmanager:us-east-1:123456789012:secret:prod/db"},
		{"an upper-case ARN prefix is rejected", "ARN:aws:secretsmanager:us-east-1:123456789012:secret:prod/db"},
		{"another service is rejected", "arn:aws:kms:us-east-1:123456789012:secret:prod/db"},
		{"the service name is case-sensitive", "arn:aws:SecretsManager:us-east-1:123456789012:secret:prod/db"},
		{"another resource type is rejected", "arn:aws:secretsmanager:us-east-1:123456789012:key:prod/db"},
		{"a plural resource type is rejected", "arn:aws:secretsmanager:us-east-1:123456789012:secrets:prod/db"},
		{"a slash resource separator is rejected", "arn:aws:secretsmanager:us-east-1:123456789012:secret/prod/db"},
		{"an empty partition is rejected", "arn::secretsmanager:us-east-1:123456789012:secret:prod/db"},
		{"an empty region is rejected", "arn:aws:secretsmanager::123456789012:secret:prod/db"},
		{"an empty account is rejected", "arn:aws:secretsmanager:us-east-1::secret:prod/db"},
		{"an empty name is rejected", good},
		{"a colon in the name is rejected", good + "prod:db"},
		{"a space in the name is rejected", good + "prod db"},
		{"an exclamation mark in the name is rejected", good + "prod!"},
		{"a name longer than 512 characters is rejected", good + strings.Repeat("n", MaxNameLength+1)},
		{"a trailing newline is rejected", good + "prod/db\n"},
	}
	for _, tc := range malformed {
		t.Run(tc.name, func(t *testing.T) {
			got, err := ParseARN(tc.in)
			wantCode(t, err, CodeInvalidParameter)
			if got != (ARN{}) {
				t.Fatalf("got %+v with the error, want the zero ARN", got)
			}
		})
	}

	t.Run("a name is not an ARN", func(t *testing.T) {
		for _, id := range []string{"prod/db", "arnold", "ARN:aws:secretsmanager", ""} {
			if IsARN(id) {
				t.Errorf("IsARN(%q): got true, want false", id)
			}
		}
	})
}

func TestNameFromFullARN(t *testing.T) {
	cases := []struct {
		name     string
		resource string
		want     string
		ok       bool
	}{
		{"the suffix is cut from a full resource", "prod/db-AbC123", "prod/db", true},
		{"a one-character name comes back", "a-AbC123", "a", true},
		{"a hyphen inside the name is kept", "prod-db-AbC123", "prod-db", true},
		{"a name that itself looks suffixed loses only the last suffix", "app-abcdef-AbC123", "app-abcdef", true},
		{"a resource without the hyphen before the suffix is not full", "prod/dbxAbC123", "", false},
		{"a partial resource is not full", "prod/db", "", false},
		{"a suffix of five characters is not a suffix", "prod/db-AbC12", "", false},
		{"a suffix of seven characters is not a suffix", "prod/db-AbC1234", "", false},
		{"a suffix with no name before it is not full", "-AbC123", "", false},
		{"a bare suffix is not full", "AbC123", "", false},
		{"an empty resource is not full", "", "", false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got, ok := NameFromFullARN(tc.resource)
			if got != tc.want || ok != tc.ok {
				t.Fatalf("got %q, %v; want %q, %v", got, ok, tc.want, tc.ok)
			}
		})
	}
}

// chi2Crit1e6DF61 is the chi-squared quantile with upper tail probability
// 1e-6 for 61 degrees of freedom (62 suffix characters), computed like the
// critical values in password_test.go.
const chi2Crit1e6DF61 = 128.524

func TestNewARN(t *testing.T) {
	const name = "prod/db"
	format := regexp.MustCompile(`^arn:aws:secretsmanager:us-east-1:123456789012:secret:prod/db-[A-Za-z0-9]{6}$`)

	t.Run("a new ARN is the name, a hyphen and six letters or digits", func(t *testing.T) {
		a := NewARN("aws", "us-east-1", "123456789012", name)
		if s := a.String(); !format.MatchString(s) {
			t.Fatalf("got %q, want a match for %s", s, format)
		}
		if a.Partition != "aws" || a.Region != "us-east-1" || a.Account != "123456789012" {
			t.Fatalf("got %+v, want partition aws, region us-east-1, account 123456789012", a)
		}
	})

	t.Run("a new ARN parses back and gives its name", func(t *testing.T) {
		a := NewARN("aws", "us-east-1", "123456789012", name)
		p, err := ParseARN(a.String())
		if err != nil {
			t.Fatalf("ParseARN: got %v, want nil", err)
		}
		if p != a {
			t.Fatalf("got %+v, want %+v", p, a)
		}
		got, ok := NameFromFullARN(p.Resource)
		if !ok || got != name {
			t.Fatalf("NameFromFullARN: got %q, %v; want %q, true", got, ok, name)
		}
	})

	t.Run("suffixes differ across calls", func(t *testing.T) {
		// 62^6 suffixes: two equal among 1000 draws happen with
		// probability 9e-6, two pairs practically never.
		const n = 1000
		seen := map[string]bool{}
		for range n {
			seen[NewARN("aws", "us-east-1", "123456789012", name).Resource] = true
		}
		if len(seen) < n-1 {
			t.Fatalf("distinct suffixes: got %d, want at least %d of %d", len(seen), n-1, n)
		}
	})

	t.Run("every suffix character is equally likely", func(t *testing.T) {
		const arns = 20_000
		counts := make([]int, len(suffixAlphabet))
		for range arns {
			r := NewARN("aws", "us-east-1", "123456789012", "x").Resource
			for i := len(r) - arnSuffixLength; i < len(r); i++ {
				j := strings.IndexByte(suffixAlphabet, r[i])
				if j < 0 {
					t.Fatalf("suffix character 0x%02x is outside the alphabet", r[i])
				}
				counts[j]++
			}
		}
		if stat := chiSquared(counts); stat >= chi2Crit1e6DF61 {
			t.Fatalf("chi-squared over %d characters: got %.2f, want below %.3f", arns*arnSuffixLength, stat, chi2Crit1e6DF61)
		}

		// The same test rejects a suffix drawn as byte%62, whose first eight
		// characters are 25% more likely than the others. Feeding it every
		// byte value in turn gives that draw's exact frequencies, and a
		// statistic of about 790.
		biased := make([]int, len(suffixAlphabet))
		for c := range arns * arnSuffixLength {
			biased[c%256%62]++
		}
		if stat := chiSquared(biased); stat < chi2Crit1e6DF61 {
			t.Fatalf("chi-squared of a byte%%62 draw: got %.2f, want at least %.3f (the test lacks power)", stat, chi2Crit1e6DF61)
		}
	})
}

func TestNewVersionID(t *testing.T) {
	uuid4 := regexp.MustCompile(`^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$`)
	const n = 2000
	ids := make([]string, n)
	for i := range ids {
		ids[i] = NewVersionID()
	}

	t.Run("a version id is a lower-case UUID with version 4 and the RFC 4122 variant", func(t *testing.T) {
		for _, id := range ids {
			if !uuid4.MatchString(id) {
				t.Fatalf("got %q, want a match for %s", id, uuid4)
			}
		}
	})

	t.Run("a version id is a valid ClientRequestToken", func(t *testing.T) {
		if err := ValidateToken(ids[0]); err != nil {
			t.Fatalf("got %v, want nil", err)
		}
	})

	t.Run("version ids differ across calls", func(t *testing.T) {
		seen := map[string]bool{}
		for _, id := range ids {
			seen[id] = true
		}
		if len(seen) != n {
			t.Fatalf("distinct ids: got %d, want %d", len(seen), n)
		}
	})

	t.Run("the variant nibble takes all four values and the other bits stay random", func(t *testing.T) {
		variants := map[byte]bool{}
		versionDigit := map[byte]bool{}
		for _, id := range ids {
			variants[id[19]] = true
			versionDigit[id[15]] = true // the hex digit after the version nibble
		}
		if len(variants) != 4 {
			t.Fatalf("variant nibbles seen: got %d, want 4", len(variants))
		}
		if len(versionDigit) != 16 {
			t.Fatalf("values of the digit after the version: got %d, want 16", len(versionDigit))
		}
	})
}
