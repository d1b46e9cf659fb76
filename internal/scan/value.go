package scan

import (
	"sort"
	"strconv"
	"strings"
)

// Kind is the type of a Value.
type Kind int

// The kinds of value a loader produces.
const (
	Null    Kind = iota // written as null, or not known to be set
	Unknown             // set, but its value is only known when applied (a computed attribute, a missing variable)
	Bool
	Number
	String
	List
	Map
)

func (k Kind) String() string {
	switch k {
	case Null:
		return "null"
	case Unknown:
		return "unknown"
	case Bool:
		return "bool"
	case Number:
		return "number"
	case String:
		return "string"
	case List:
		return "list"
	case Map:
		return "map"
	}
	return "kind(" + strconv.Itoa(int(k)) + ")"
}

// Base64Pattern starts the Pattern of a base64 encoding of a partly known
// string; the pattern of that string follows it.
const Base64Pattern = "base64:"

// Value is an evaluated attribute of a resource, in the same shape whatever
// the input language: Terraform's cty values, CloudFormation's YAML or JSON
// after intrinsic functions, my.cnf options and live server variables all end
// up as Values. A nil *Value means "not written"; every method is safe on nil.
type Value struct {
	Kind Kind
	Bool bool
	Num  float64
	Str  string
	List []*Value
	Map  map[string]*Value

	// Range is where the value was written (for a value that came from a
	// variable, where the attribute that used it was written).
	Range Range
	// Refs are the addresses of the resources (Terraform) or logical ids
	// (CloudFormation) the expression that produced this value referred to,
	// so a rule can tell that a rotation's secret_id points at a given secret
	// even though the id itself is unknown until applied.
	Refs []string
	// Via names, as written, the other things the expression read besides
	// resources: Terraform variables, locals, module outputs and resource
	// attributes ("var.db_password", "local.creds", "module.db.endpoint",
	// "aws_db_instance.main.password", "random_password.db.result");
	// CloudFormation parameters and GetAtt attributes ("DBPassword",
	// "Database.Endpoint.Address"). Rules use it to tell a literal from a
	// value that came from elsewhere.
	Via []string
	// Pattern is, for an Unknown string built from known and unknown parts
	// (an interpolation, !Sub, !Join), the known parts with each unknown
	// part written as "*": "com.amazonaws.*.secretsmanager",
	// "arn:aws:iam::*:root". Empty when nothing of it is known. The base64
	// encoding of such a string (base64encode, Fn::Base64) has the pattern
	// of the text it encodes, after Base64Pattern.
	Pattern string
	// Sensitive is set when the value came from something marked sensitive
	// (a Terraform variable with sensitive = true, a NoEcho parameter).
	Sensitive bool
}

// Range locates a value or resource in a file. Lines count from 1; zero means
// unknown.
type Range struct {
	File    string `json:"file"`
	Line    int    `json:"line"`
	EndLine int    `json:"end_line,omitempty"`
}

// Get walks into nested maps and lists: Get("ingress", "0", "cidr_blocks").
// A step into a list takes its index; a step into a list by name takes the
// first element that is a map (Terraform's nested blocks are lists of maps).
func (v *Value) Get(path ...string) *Value {
	for _, p := range path {
		if v == nil {
			return nil
		}
		switch v.Kind {
		case Map:
			v = v.Map[p]
		case List:
			i, err := strconv.Atoi(p)
			if err != nil {
				if len(v.List) == 0 {
					return nil
				}
				v = v.List[0].Get(p)
				continue
			}
			if i < 0 || i >= len(v.List) {
				return nil
			}
			v = v.List[i]
		default:
			return nil
		}
	}
	return v
}

// Set reports whether the value is written and not null.
func (v *Value) Set() bool { return v != nil && v.Kind != Null }

// Known reports whether the value is written and known (null counts as
// known: it is known not to be set).
func (v *Value) Known() bool {
	if v == nil {
		return true
	}
	switch v.Kind {
	case Unknown:
		return false
	case List:
		for _, e := range v.List {
			if !e.Known() {
				return false
			}
		}
	case Map:
		for _, e := range v.Map {
			if !e.Known() {
				return false
			}
		}
	}
	return true
}

// True is the three-valued reading of a boolean attribute: it returns
// (value, true) when known and (false, false) when unknown. Unset or null is
// (dflt, true). Strings "true"/"false" (CloudFormation, my.cnf) count as
// booleans, as do the numbers 0 and 1.
func (v *Value) True(dflt bool) (b, known bool) {
	if !v.Set() {
		return dflt, true
	}
	switch v.Kind {
	case Bool:
		return v.Bool, true
	case Number:
		return v.Num != 0, true
	case String:
		switch v.Str {
		case "true", "True", "TRUE", "on", "ON", "On", "1", "yes", "YES":
			return true, true
		case "false", "False", "FALSE", "off", "OFF", "Off", "0", "no", "NO":
			return false, true
		}
	}
	return false, false
}

// String returns the value as a string when it is a known scalar.
func (v *Value) String() (string, bool) {
	if v == nil {
		return "", false
	}
	switch v.Kind {
	case String:
		return v.Str, true
	case Number:
		return strconv.FormatFloat(v.Num, 'f', -1, 64), true
	case Bool:
		return strconv.FormatBool(v.Bool), true
	}
	return "", false
}

// Number returns the value as a number when it is a known number or a string
// that parses as one.
func (v *Value) Number() (float64, bool) {
	if v == nil {
		return 0, false
	}
	switch v.Kind {
	case Number:
		return v.Num, true
	case String:
		f, err := strconv.ParseFloat(v.Str, 64)
		return f, err == nil
	}
	return 0, false
}

// Items returns a list's elements; a single non-list value is a list of one
// (CloudFormation and IAM documents allow either), and null is empty.
func (v *Value) Items() []*Value {
	switch {
	case !v.Set():
		return nil
	case v.Kind == List:
		return v.List
	}
	return []*Value{v}
}

// Keys returns a map's keys in order.
func (v *Value) Keys() []string {
	if v == nil || v.Kind != Map {
		return nil
	}
	keys := make([]string, 0, len(v.Map))
	for k := range v.Map {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// RefersTo reports whether the value, or anything inside it, was produced by
// an expression that referred to addr. A reference to a resource without an
// instance key (aws_s3_bucket.b) refers to each of its instances
// (aws_s3_bucket.b[0], aws_s3_bucket.b["x"]).
func (v *Value) RefersTo(addr string) bool {
	if v == nil {
		return false
	}
	base := addr
	if strings.HasSuffix(addr, "]") {
		if i := strings.LastIndexByte(addr, '['); i > 0 {
			base = addr[:i]
		}
	}
	for _, r := range v.Refs {
		if r == addr || r == base {
			return true
		}
	}
	for _, e := range v.List {
		if e.RefersTo(addr) {
			return true
		}
	}
	for _, e := range v.Map {
		if e.RefersTo(addr) {
			return true
		}
	}
	return false
}

// Line returns the first line the value was written on, or fallback when the
// value carries no position.
func (v *Value) Line(fallback int) int {
	if v == nil || v.Range.Line == 0 {
		return fallback
	}
	return v.Range.Line
}

// Constructors for loaders and tests.

// Str returns a known string.
func Str(s string) *Value { return &Value{Kind: String, Str: s} }

// Num returns a known number.
func Num(f float64) *Value { return &Value{Kind: Number, Num: f} }

// BoolVal returns a known boolean.
func BoolVal(b bool) *Value { return &Value{Kind: Bool, Bool: b} }

// UnknownVal returns a value that is only known when applied.
func UnknownVal(refs ...string) *Value { return &Value{Kind: Unknown, Refs: refs} }
