package scan

import "testing"

func TestRefersTo(t *testing.T) {
	v := &Value{Kind: Map, Map: map[string]*Value{
		"bucket": {Kind: Unknown, Refs: []string{"aws_s3_bucket.logs"}},
		"kms":    {Kind: Unknown, Refs: []string{`aws_kms_key.k["a"]`}},
	}}
	for addr, want := range map[string]bool{
		"aws_s3_bucket.logs":      true,
		"aws_s3_bucket.logs[0]":   true,
		`aws_s3_bucket.logs["x"]`: true,
		"aws_s3_bucket.log":       false,
		`aws_kms_key.k["a"]`:      true,
		`aws_kms_key.k["b"]`:      false,
		"aws_kms_key.k":           false,
	} {
		if got := v.RefersTo(addr); got != want {
			t.Errorf("RefersTo(%s) = %v, want %v", addr, got, want)
		}
	}
}

func TestTrueReadsEveryLanguage(t *testing.T) {
	for _, c := range []struct {
		v        *Value
		b, known bool
	}{
		{nil, true, true}, // the default
		{BoolVal(false), false, true},
		{Str("ON"), true, true},
		{Str("0"), false, true},
		{Num(1), true, true},
		{UnknownVal("x"), false, false},
		{Str("maybe"), false, false},
	} {
		b, known := c.v.True(true)
		if b != c.b || known != c.known {
			t.Errorf("%+v.True(true) = %v, %v; want %v, %v", c.v, b, known, c.b, c.known)
		}
	}
}
