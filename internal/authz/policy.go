// Package authz holds IAM-style policy documents and their evaluation:
// Effect, Action/NotAction, Resource/NotResource, Principal (resource
// policies) and Condition, with default deny and explicit deny winning.
package authz

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"net/netip"
	"strconv"
	"strings"
)

// ErrMalformed is wrapped by every error Parse returns.
var ErrMalformed = errors.New("malformed policy document")

// MaxDocumentBytes is the largest policy document accepted.
const MaxDocumentBytes = 20480

// Policy is a parsed policy document.
type Policy struct {
	Version    string
	Statements []Statement
}

// Statement is one statement of a policy.
type Statement struct {
	Sid         string
	Allow       bool
	Principals  []string // resource policies: "*", account ids or ARNs; nil in identity policies
	Actions     []string
	NotActions  []string
	Resources   []string
	NotResource []string
	Conditions  []Condition
}

// Condition is one operator applied to one key: the key's values must
// match one of Values (or none, for negated operators).
type Condition struct {
	Operator string // as written, e.g. StringLikeIfExists
	Key      string // lower case
	Values   []string
}

var knownOperators = map[string]bool{
	"StringEquals": true, "StringNotEquals": true, "StringEqualsIgnoreCase": true, "StringNotEqualsIgnoreCase": true,
	"StringLike": true, "StringNotLike": true, "ArnEquals": true, "ArnNotEquals": true, "ArnLike": true, "ArnNotLike": true,
	"IpAddress": true, "NotIpAddress": true, "Bool": true, "Null": true,
}

func malformed(format string, args ...any) error {
	return fmt.Errorf("%w: %s", ErrMalformed, fmt.Sprintf(format, args...))
}

// Parse reads a policy document. Errors say which statement and element
// is wrong.
func Parse(doc []byte) (*Policy, error) {
	if len(doc) > MaxDocumentBytes {
		return nil, malformed("the document is %d bytes, more than %d", len(doc), MaxDocumentBytes)
	}
	var raw struct {
		Version   string
		Id        string
		Statement json.RawMessage
	}
	dec := json.NewDecoder(bytes.NewReader(doc))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&raw); err != nil {
		return nil, malformed("not a JSON policy document with Version and Statement: %v", err)
	}
	if dec.More() {
		return nil, malformed("text after the document")
	}
	if raw.Version != "" && raw.Version != "2012-10-17" && raw.Version != "2008-10-17" {
		return nil, malformed("Version %q: use 2012-10-17", raw.Version)
	}
	var rawStmts []json.RawMessage
	if len(raw.Statement) == 0 {
		return nil, malformed("no Statement")
	}
	if raw.Statement[0] == '[' {
		if err := json.Unmarshal(raw.Statement, &rawStmts); err != nil {
			return nil, malformed("Statement: %v", err)
		}
	} else {
		rawStmts = []json.RawMessage{raw.Statement}
	}
	if len(rawStmts) == 0 {
		return nil, malformed("Statement is empty")
	}
	p := &Policy{Version: raw.Version}
	for i, rs := range rawStmts {
		st, err := parseStatement(rs)
		if err != nil {
			return nil, fmt.Errorf("statement %d: %w", i+1, err)
		}
		p.Statements = append(p.Statements, st)
	}
	return p, nil
}

func parseStatement(b json.RawMessage) (Statement, error) {
	var raw struct {
		Sid          string
		Effect       string
		Principal    json.RawMessage
		NotPrincipal json.RawMessage
		Action       json.RawMessage
		NotAction    json.RawMessage
		Resource     json.RawMessage
		NotResource  json.RawMessage
		Condition    map[string]map[string]json.RawMessage
	}
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&raw); err != nil {
		return Statement{}, malformed("%v", err)
	}
	var st Statement
	st.Sid = raw.Sid
	switch raw.Effect {
	case "Allow":
		st.Allow = true
	case "Deny":
	default:
		return st, malformed("Effect %q: use Allow or Deny", raw.Effect)
	}
	if raw.NotPrincipal != nil {
		return st, malformed("NotPrincipal is not supported")
	}
	var err error
	if raw.Principal != nil {
		if st.Principals, err = parsePrincipal(raw.Principal); err != nil {
			return st, err
		}
	}
	if st.Actions, err = stringList("Action", raw.Action); err != nil {
		return st, err
	}
	if st.NotActions, err = stringList("NotAction", raw.NotAction); err != nil {
		return st, err
	}
	if (st.Actions == nil) == (st.NotActions == nil) {
		return st, malformed("give exactly one of Action and NotAction")
	}
	for _, a := range append(append([]string{}, st.Actions...), st.NotActions...) {
		if a != "*" && !strings.Contains(a, ":") {
			return st, malformed("action %q: write it as service:Action, e.g. secretsmanager:GetSecretValue", a)
		}
	}
	if st.Resources, err = stringList("Resource", raw.Resource); err != nil {
		return st, err
	}
	if st.NotResource, err = stringList("NotResource", raw.NotResource); err != nil {
		return st, err
	}
	if st.Resources != nil && st.NotResource != nil {
		return st, malformed("give at most one of Resource and NotResource")
	}
	if st.Resources == nil && st.NotResource == nil && st.Principals == nil {
		return st, malformed("an identity policy statement needs Resource or NotResource")
	}
	for op, keys := range raw.Condition {
		base := strings.TrimSuffix(op, "IfExists")
		if !knownOperators[base] {
			return st, malformed("condition operator %q is not supported", op)
		}
		for key, rv := range keys {
			vals, err := conditionValues(op, key, rv)
			if err != nil {
				return st, err
			}
			if base == "IpAddress" || base == "NotIpAddress" {
				for _, v := range vals {
					if _, err := parsePrefix(v); err != nil {
						return st, malformed("condition %s %s: %q is not an IP address or CIDR block", op, key, v)
					}
				}
			}
			st.Conditions = append(st.Conditions, Condition{Operator: op, Key: strings.ToLower(key), Values: vals})
		}
	}
	return st, nil
}

func parsePrincipal(b json.RawMessage) ([]string, error) {
	var star string
	if json.Unmarshal(b, &star) == nil {
		if star != "*" {
			return nil, malformed("Principal %q: use \"*\" or {\"AWS\": ...}", star)
		}
		return []string{"*"}, nil
	}
	var m map[string]json.RawMessage
	if err := json.Unmarshal(b, &m); err != nil {
		return nil, malformed("Principal: %v", err)
	}
	var out []string
	for k, v := range m {
		if k != "AWS" {
			return nil, malformed("Principal %s: only AWS principals are supported", k)
		}
		l, err := stringList("Principal AWS", v)
		if err != nil {
			return nil, err
		}
		out = append(out, l...)
	}
	if len(out) == 0 {
		return nil, malformed("Principal names no one")
	}
	return out, nil
}

// stringList reads an element that is a string or a list of strings; nil
// when the element is absent.
func stringList(name string, b json.RawMessage) ([]string, error) {
	if b == nil {
		return nil, nil
	}
	var one string
	if json.Unmarshal(b, &one) == nil {
		return []string{one}, nil
	}
	var many []string
	if err := json.Unmarshal(b, &many); err != nil {
		return nil, malformed("%s must be a string or a list of strings", name)
	}
	if len(many) == 0 {
		return nil, malformed("%s is an empty list", name)
	}
	return many, nil
}

// conditionValues reads a condition's values: strings, numbers or
// booleans, alone or in a list.
func conditionValues(op, key string, b json.RawMessage) ([]string, error) {
	var list []json.RawMessage
	if len(b) > 0 && b[0] == '[' {
		if err := json.Unmarshal(b, &list); err != nil {
			return nil, malformed("condition %s %s: %v", op, key, err)
		}
	} else {
		list = []json.RawMessage{b}
	}
	var out []string
	for _, v := range list {
		var s string
		var f json.Number
		var t bool
		switch {
		case json.Unmarshal(v, &s) == nil:
			out = append(out, s)
		case json.Unmarshal(v, &t) == nil:
			out = append(out, strconv.FormatBool(t))
		case json.Unmarshal(v, &f) == nil:
			out = append(out, f.String())
		default:
			return nil, malformed("condition %s %s: values must be strings, numbers or booleans", op, key)
		}
	}
	if len(out) == 0 {
		return nil, malformed("condition %s %s has no values", op, key)
	}
	return out, nil
}

func parsePrefix(s string) (netip.Prefix, error) {
	if strings.Contains(s, "/") {
		return netip.ParsePrefix(s)
	}
	a, err := netip.ParseAddr(s)
	if err != nil {
		return netip.Prefix{}, err
	}
	return netip.PrefixFrom(a, a.BitLen()), nil
}
