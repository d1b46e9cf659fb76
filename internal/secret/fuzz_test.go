package secret

import (
	"bytes"
	"regexp"
	"strings"
	"testing"
)

// More seeds live in testdata/fuzz/<FuzzName>/.

func FuzzParseARN(f *testing.F) {
	for _, s := range []string{
		"arn:aws:secretsmanager:us-east-1:123456789012:secret:prod/db-AbC123",
		"arn:aws:secretsmanager:us-east-1:123456789012:secret:prod/db",
		"arn:aws-cn:secretsmanager:cn-north-1:123456789012:secret:app-x1Y2z3",
		"arn:aws-us-gov:secretsmanager:us-gov-west-1:123456789012:secret:a",
		"arn:aws:secretsmanager:us-east-1:123456789012:secret:a:b",
		"arn:aws:secretsmanager::123456789012:secret:prod/db",
		"arn:aws:kms:us-east-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab",
		"arn:aws:secretsmanager:us-east-1:123456789012:secret:",
		"arn:",
		"",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		a, err := ParseARN(s)
		if err != nil {
			if Code(err) != CodeInvalidParameter {
				t.Fatalf("error code: got %q, want %q", Code(err), CodeInvalidParameter)
			}
			if a != (ARN{}) {
				t.Fatalf("got %+v with an error, want the zero ARN", a)
			}
			return
		}
		if a.Partition == "" || a.Region == "" || a.Account == "" {
			t.Fatalf("got %+v, want non-empty partition, region and account", a)
		}
		if strings.Contains(a.Partition+a.Region+a.Account, ":") {
			t.Fatalf("got %+v, want no colon inside a part", a)
		}
		if !refName(a.Resource) {
			t.Fatalf("got resource %q, want a valid secret name", a.Resource)
		}
		if got := a.String(); got != s {
			t.Fatalf("String: got %q, want the input %q", got, s)
		}
		b, err := ParseARN(a.String())
		if err != nil {
			t.Fatalf("re-parse of %q: got %v, want nil", a.String(), err)
		}
		if b != a {
			t.Fatalf("re-parse: got %+v, want %+v", b, a)
		}
	})
}

// refNamePattern is the name rule written as a regular expression, as an
// oracle independent of ValidateName. Go's regexp reads invalid UTF-8 as
// U+FFFD, which the class excludes, and counts runes: for an ASCII string
// those are bytes.
var refNamePattern = regexp.MustCompile(`\A[A-Za-z0-9/_+=.@-]{1,512}\z`)

func refName(s string) bool { return refNamePattern.MatchString(s) }

func FuzzValidateName(f *testing.F) {
	for _, s := range []string{
		"prod/mysql/billing", "a", "a/b_c+d=e.f@g-h", "MyDatabaseSecret", "creds#892",
		"prod db", "café", "a\x00b", "", strings.Repeat("n", MaxNameLength), strings.Repeat("n", MaxNameLength+1),
		"arn:aws:secretsmanager:us-east-1:123456789012:secret:prod/db",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		err := ValidateName(s)
		if got, want := err == nil, refName(s); got != want {
			t.Fatalf("ValidateName(%q): got accepted=%v, want %v", s, got, want)
		}
		if err != nil && Code(err) != CodeInvalidParameter {
			t.Fatalf("error code: got %q, want %q", Code(err), CodeInvalidParameter)
		}
	})
}

func FuzzDecodeValue(f *testing.F) {
	for _, p := range [][]byte{
		[]byte(`s{"engine":"mysql","host":"db.internal","username":"app","password":"x"}`),
		[]byte("spassword"),
		[]byte("s"),
		[]byte("b"),
		{'b', 0, 1, 2, 0xff},
		{'b', 0x30, 0x82, 0x01, 0x0a}, // the start of a DER key
		[]byte("x"),
		{},
	} {
		f.Add(p)
	}
	f.Fuzz(func(t *testing.T, p []byte) {
		in := bytes.Clone(p)
		v, err := DecodeValue(p)
		wantOK := len(in) > 0 && (in[0] == 's' || in[0] == 'b')
		if got := err == nil; got != wantOK {
			t.Fatalf("decode of %d bytes starting with %q: got ok=%v, want %v", len(in), in[:min(1, len(in))], got, wantOK)
		}
		if err != nil {
			return
		}
		if v.IsBinary != (in[0] == 'b') {
			t.Fatalf("kind: got binary=%v, want %v", v.IsBinary, in[0] == 'b')
		}
		if !bytes.Equal(v.Encode(), in) {
			t.Fatalf("Encode(Decode(x)) of %d bytes: mismatch", len(in))
		}
		if !bytes.Equal(p, in) {
			t.Fatal("DecodeValue changed its input")
		}
	})
}
