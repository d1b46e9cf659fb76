package terraform

import (
	"testing"

	"github.com/zclconf/go-cty/cty"

	"github.com/dbwarden/dbwarden/internal/scan"
)

func TestYAMLDecode(t *testing.T) {
	for _, tc := range []struct {
		src  string
		want cty.Value
	}{
		{"", cty.NullVal(cty.DynamicPseudoType)},
		{"~", cty.NullVal(cty.DynamicPseudoType)},
		{"a: 1\nb: [x, 'y', \"z\"]\n", cty.ObjectVal(map[string]cty.Value{
			"a": cty.NumberIntVal(1),
			"b": cty.TupleVal([]cty.Value{cty.StringVal("x"), cty.StringVal("y"), cty.StringVal("z")}),
		})},
		// YAML 1.2 core schema: yes, no, on and off are strings.
		{"[true, False, TRUE, yes, no, on, off, null, Null, ~, '', \"true\"]", cty.TupleVal([]cty.Value{
			cty.True, cty.False, cty.True, cty.StringVal("yes"), cty.StringVal("no"), cty.StringVal("on"), cty.StringVal("off"),
			cty.NullVal(cty.DynamicPseudoType), cty.NullVal(cty.DynamicPseudoType), cty.NullVal(cty.DynamicPseudoType),
			cty.StringVal(""), cty.StringVal("true"),
		})},
		{"[12, -3, +4, 0o17, 0x1F, 1.5, .5, 1e3, -.inf, 012, 1_000, 0b11, '12', 3306]", cty.TupleVal([]cty.Value{
			cty.NumberIntVal(12), cty.NumberIntVal(-3), cty.NumberIntVal(4), cty.NumberIntVal(15), cty.NumberIntVal(31),
			cty.NumberFloatVal(1.5), cty.NumberFloatVal(0.5), cty.NumberIntVal(1000), cty.NegativeInfinity,
			cty.NumberIntVal(12), cty.StringVal("1_000"), cty.StringVal("0b11"), cty.StringVal("12"), cty.NumberIntVal(3306),
		})},
		{"[!!str 12, !!int '7', !!float 2, !!null x]", cty.TupleVal([]cty.Value{
			cty.StringVal("12"), cty.NumberIntVal(7), cty.NumberIntVal(2), cty.NullVal(cty.DynamicPseudoType),
		})},
		{"base: &b\n  engine: mysql\n  port: 3306\ndb:\n  <<: *b\n  port: 3307\nsame: *b\n", cty.ObjectVal(map[string]cty.Value{
			"base": cty.ObjectVal(map[string]cty.Value{"engine": cty.StringVal("mysql"), "port": cty.NumberIntVal(3306)}),
			"db":   cty.ObjectVal(map[string]cty.Value{"engine": cty.StringVal("mysql"), "port": cty.NumberIntVal(3307)}),
			"same": cty.ObjectVal(map[string]cty.Value{"engine": cty.StringVal("mysql"), "port": cty.NumberIntVal(3306)}),
		})},
		{"text: |\n  line 1\n  line 2\nempty: {}\nnone: []\n", cty.ObjectVal(map[string]cty.Value{
			"text": cty.StringVal("line 1\nline 2\n"), "empty": cty.EmptyObjectVal, "none": cty.EmptyTupleVal,
		})},
	} {
		got, err := yamlDecode(tc.src)
		if err != nil {
			t.Errorf("yamlDecode(%q): %v", tc.src, err)
			continue
		}
		if !got.RawEquals(tc.want) {
			t.Errorf("yamlDecode(%q) = %#v, want %#v", tc.src, got, tc.want)
		}
	}
}

func TestYAMLDecodeErrors(t *testing.T) {
	for _, src := range []string{
		"a: [1",
		"a: 1\n---\nb: 2\n",
		"a: 1\na: 2\n",
		"[.nan]",
		"!Ref x",
		"!!int abc",
		"? [a]\n: 1\n",
		// Ten levels of nine aliases each: a billion values.
		"a: &a [x,x,x,x,x,x,x,x,x]\nb: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a]\nc: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b]\nd: &d [*c,*c,*c,*c,*c,*c,*c,*c,*c]\ne: &e [*d,*d,*d,*d,*d,*d,*d,*d,*d]\nf: &f [*e,*e,*e,*e,*e,*e,*e,*e,*e]\ng: &g [*f,*f,*f,*f,*f,*f,*f,*f,*f]\nh: &h [*g,*g,*g,*g,*g,*g,*g,*g,*g]\ni: &i [*h,*h,*h,*h,*h,*h,*h,*h,*h]\n",
	} {
		if v, err := yamlDecode(src); err == nil {
			t.Errorf("yamlDecode(%q) = %#v, want an error", src, v)
		}
	}
}

func TestYAMLEncode(t *testing.T) {
	v := cty.ObjectVal(map[string]cty.Value{
		"name":  cty.StringVal("db"),
		"port":  cty.NumberIntVal(3306),
		"ratio": cty.NumberFloatVal(0.25),
		"tls":   cty.True,
		"none":  cty.NullVal(cty.String),
		"hosts": cty.ListVal([]cty.Value{cty.StringVal("a"), cty.StringVal("true")}),
		"tags":  cty.MapVal(map[string]cty.Value{"Team": cty.StringVal("data")}),
		"empty": cty.EmptyTupleVal,
	})
	got, err := yamlEncode(v)
	if err != nil {
		t.Fatal(err)
	}
	want := `"empty": []
"hosts":
- "a"
- "true"
"name": "db"
"none": null
"port": 3306
"ratio": 0.25
"tags":
  "Team": "data"
"tls": true
`
	if got != want {
		t.Errorf("yamlEncode:\n%s\nwant:\n%s", got, want)
	}
	// What is encoded decodes to the same value (numbers and tuples as
	// decoding gives them).
	back, err := yamlDecode(got)
	if err != nil {
		t.Fatal(err)
	}
	if p := back.GetAttr("port"); !p.RawEquals(cty.NumberIntVal(3306)) {
		t.Errorf("round trip port = %#v", p)
	}
	if h := back.GetAttr("hosts"); !h.RawEquals(cty.TupleVal([]cty.Value{cty.StringVal("a"), cty.StringVal("true")})) {
		t.Errorf("round trip hosts = %#v", h)
	}
}

func TestYAMLFunctionsInConfig(t *testing.T) {
	dir := writeFiles(t, map[string]string{
		"main.tf": `variable "password" {
  type      = string
  sensitive = true
  default   = "x"
}
resource "aws_s3_bucket" "b" {}
locals {
  cfg      = yamldecode("engine: mysql\nport: 3306\nreplicas: [a, b]\n")
  engine   = local.cfg.engine
  port     = local.cfg.port
  doc      = yamlencode({ engine = "mysql", port = 3306 })
  secret   = yamlencode({ password = var.password })
  computed = yamldecode(aws_s3_bucket.b.arn)
  partial  = yamlencode({ arn = aws_s3_bucket.b.arn })
  bad      = yamldecode("a: [1")
}
`,
	})
	p := load(t, dir, Options{})
	val := func(name string) *scan.Value { return find(t, p, "locals", "local."+name).Attr("value") }
	wantString(t, "engine", val("engine"), "mysql")
	wantNumber(t, "port", val("port"), 3306)
	wantString(t, "doc", val("doc"), "\"engine\": \"mysql\"\n\"port\": 3306\n")
	if s := val("secret"); s == nil || s.Kind != scan.String || !s.Sensitive {
		t.Errorf("yamlencode of a sensitive value: got %s, want a sensitive string", describeValue(s))
	}
	wantUnknown(t, "computed", val("computed"), "aws_s3_bucket.b")
	wantUnknown(t, "partial", val("partial"), "aws_s3_bucket.b")
	wantUnknown(t, "bad", val("bad"))
}
