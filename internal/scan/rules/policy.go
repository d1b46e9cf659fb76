package rules

import (
	"encoding/json"
	"fmt"
	"strings"

	"github.com/dbwarden/dbwarden/internal/scan"
)

// An IAM policy document as the rules read it, whatever it was written as:
// a JSON string (Terraform's jsonencode, a heredoc, an
// aws_iam_policy_document's json), a map (CloudFormation, a jsonencode whose
// result is still a map), or the statement blocks of a Terraform
// aws_iam_policy_document data source.

// statement is one policy statement. Its fields keep the Values they came
// from so that a part only known when applied stays unknown.
type statement struct {
	Effect      *scan.Value
	Action      []*scan.Value
	NotAction   []*scan.Value
	Resource    []*scan.Value
	NotResource []*scan.Value
	// Principals and NotPrincipals are the principals by type ("AWS",
	// "Service", "Federated", "CanonicalUser"); Principal "*" is AWS "*".
	Principals    []principal
	NotPrincipals []principal
	// HasPrincipal is set when a Principal element was written.
	HasPrincipal bool
	Condition    *scan.Value
	// At is where the statement was written, for findings.
	At *scan.Value
}

type principal struct {
	Type string
	ID   *scan.Value
}

// policyDoc reads a policy document value. ok is false when the document
// is only known when applied, or cannot be read; why says which.
func policyDoc(v *scan.Value) (stmts []statement, ok bool, why string) {
	switch {
	case !v.Set():
		return nil, true, ""
	case v.Kind == scan.Unknown:
		return nil, false, "the policy document is only known when applied"
	case v.Kind == scan.String:
		s := strings.TrimSpace(v.Str)
		if s == "" {
			return nil, true, ""
		}
		var x any
		if err := json.Unmarshal([]byte(s), &x); err != nil {
			return nil, false, fmt.Sprintf("the policy document is not valid JSON: %v", err)
		}
		return policyDoc(fromJSON(x, v.Range))
	case v.Kind == scan.Map:
		st := mapGet(v, "Statement")
		if !known(st) {
			return nil, false, "the policy's statements are only known when applied"
		}
		for _, s := range st.Items() {
			if s.Kind == scan.Unknown {
				return nil, false, "a policy statement is only known when applied"
			}
			if s.Kind != scan.Map {
				return nil, false, "a policy statement is not an object"
			}
			stmts = append(stmts, readStatement(s, v))
		}
		return stmts, true, ""
	}
	return nil, false, fmt.Sprintf("the policy document is a %s, not a JSON document", v.Kind)
}

// mapGet looks a key up in a map ignoring case: IAM element names are
// case-sensitive in AWS, but Terraform users write them in any case inside
// jsonencode.
func mapGet(v *scan.Value, key string) *scan.Value {
	if v == nil || v.Kind != scan.Map {
		return nil
	}
	if e, ok := v.Map[key]; ok {
		return e
	}
	for _, k := range v.Keys() {
		if strings.EqualFold(k, key) {
			return v.Map[k]
		}
	}
	return nil
}

func readStatement(s, doc *scan.Value) statement {
	at := s
	if at.Range.Line == 0 {
		at = doc
	}
	st := statement{
		Effect:      mapGet(s, "Effect"),
		Action:      mapGet(s, "Action").Items(),
		NotAction:   mapGet(s, "NotAction").Items(),
		Resource:    mapGet(s, "Resource").Items(),
		NotResource: mapGet(s, "NotResource").Items(),
		Condition:   mapGet(s, "Condition"),
		At:          at,
	}
	if pr := mapGet(s, "Principal"); pr.Set() {
		st.HasPrincipal = true
		st.Principals = readPrincipals(pr)
	}
	if pr := mapGet(s, "NotPrincipal"); pr.Set() {
		st.NotPrincipals = readPrincipals(pr)
	}
	return st
}

func readPrincipals(v *scan.Value) []principal {
	switch v.Kind {
	case scan.Map:
		var out []principal
		for _, k := range v.Keys() {
			for _, id := range v.Map[k].Items() {
				out = append(out, principal{Type: k, ID: id})
			}
		}
		return out
	case scan.List:
		var out []principal
		for _, e := range v.List {
			out = append(out, readPrincipals(e)...)
		}
		return out
	}
	return []principal{{Type: "AWS", ID: v}}
}

// fromJSON turns decoded JSON into a Value positioned at rng (a JSON string
// attribute has one position for all of it).
func fromJSON(x any, rng scan.Range) *scan.Value {
	var v *scan.Value
	switch t := x.(type) {
	case nil:
		v = &scan.Value{Kind: scan.Null}
	case bool:
		v = scan.BoolVal(t)
	case float64:
		v = scan.Num(t)
	case string:
		v = scan.Str(t)
	case []any:
		v = &scan.Value{Kind: scan.List}
		for _, e := range t {
			v.List = append(v.List, fromJSON(e, rng))
		}
	case map[string]any:
		v = &scan.Value{Kind: scan.Map, Map: map[string]*scan.Value{}}
		for k, e := range t {
			v.Map[k] = fromJSON(e, rng)
		}
	default:
		v = &scan.Value{Kind: scan.Null}
	}
	v.Range = rng
	return v
}

// policyDocStatements reads the statement blocks of a Terraform
// aws_iam_policy_document data source, without the documents it merges.
func policyDocStatements(r *scan.Resource) (stmts []statement, ok bool, why string) {
	ok = true
	blocks := r.Attr("statement")
	if !known(blocks) {
		return nil, false, "the statements are only known when applied"
	}
	for _, b := range blocks.Items() {
		if b.Kind != scan.Map {
			return nil, false, "a statement is only known when applied"
		}
		eff := b.Map["effect"]
		if !eff.Set() {
			eff = scan.Str("Allow")
		}
		st := statement{
			Effect:      eff,
			Action:      flatItems(b.Map["actions"]),
			NotAction:   flatItems(b.Map["not_actions"]),
			Resource:    flatItems(b.Map["resources"]),
			NotResource: flatItems(b.Map["not_resources"]),
			At:          b,
		}
		if b.Range.Line == 0 {
			st.At = blocks
		}
		if c := b.Map["condition"]; c.Set() && len(c.Items()) > 0 {
			st.Condition = c
		}
		for _, pb := range b.Map["principals"].Items() {
			st.HasPrincipal = true
			st.Principals = append(st.Principals, dataPrincipals(pb)...)
		}
		for _, pb := range b.Map["not_principals"].Items() {
			st.NotPrincipals = append(st.NotPrincipals, dataPrincipals(pb)...)
		}
		stmts = append(stmts, st)
	}
	return stmts, ok, ""
}

func dataPrincipals(pb *scan.Value) []principal {
	if pb.Kind != scan.Map {
		return []principal{{Type: "AWS", ID: pb}}
	}
	typ, _ := str(pb.Map["type"])
	var out []principal
	for _, id := range flatItems(pb.Map["identifiers"]) {
		out = append(out, principal{Type: typ, ID: id})
	}
	if len(out) == 0 && !known(pb.Map["identifiers"]) {
		out = append(out, principal{Type: typ, ID: pb.Map["identifiers"]})
	}
	return out
}

// flatItems returns a list's elements (a set written as a list), or the
// value itself when it is unknown so that callers see the unknown.
func flatItems(v *scan.Value) []*scan.Value {
	if v != nil && v.Kind == scan.Unknown {
		return []*scan.Value{v}
	}
	return v.Items()
}

// isAllow reports the statement's effect: allow, and whether it is known.
func (s statement) isAllow() (allow, ok bool) {
	e, isStr := str(s.Effect)
	if !isStr {
		return false, false
	}
	return strings.EqualFold(e, "Allow"), true
}

// hasCondition reports whether the statement carries a non-empty Condition.
func (s statement) hasCondition() bool {
	c := s.Condition
	if !c.Set() {
		return false
	}
	switch c.Kind {
	case scan.Map:
		return len(c.Map) > 0
	case scan.List:
		return len(c.List) > 0
	}
	return true
}

// broadAction reports whether action is "*", "*:*" or a whole service
// ("s3:*"); ok is false when it is only known when applied.
func broadAction(a *scan.Value) (broad bool, ok bool) {
	s, isStr := str(a)
	if !isStr {
		return false, known(a)
	}
	if s == "*" || s == "*:*" {
		return true, true
	}
	i := strings.IndexByte(s, ':')
	return i > 0 && s[i+1:] == "*", true
}

// anyStar reports whether a list of values holds "*"; ok is false when one
// is only known when applied.
func anyStar(vs []*scan.Value) (star bool, ok bool) {
	ok = true
	for _, v := range vs {
		s, isStr := str(v)
		switch {
		case isStr && s == "*":
			return true, true
		case !known(v):
			ok = false
		}
	}
	return false, ok
}

// policyOf reads the policy document an attribute of r holds, following
// what a rule can see when the document itself is only known when applied:
// a reference to an aws_iam_policy_document data source gives that data
// source's statements, and a jsonencode() written in place gives its
// structure with the parts that are only known when applied left unknown.
func policyOf(p *scan.Project, r *scan.Resource, v *scan.Value) (stmts []statement, ok bool, why string) {
	return policyOfDepth(p, r, v, 0)
}

func policyOfDepth(p *scan.Project, r *scan.Resource, v *scan.Value, depth int) ([]statement, bool, string) {
	if known(v) || depth > 4 {
		return policyDoc(v)
	}
	if docs := outermostDocs(referenced(v, r, ofKind(p.Of(scan.Terraform, "aws_iam_policy_document"), "data"))); len(docs) == 1 {
		return policyDocDataIn(p, docs[0], depth+1)
	}
	return policyDoc(v)
}

// outermostDocs drops the policy documents that others among docs merge
// in: a reference to one document carries the references of the documents
// it is built from.
func outermostDocs(docs []*scan.Resource) []*scan.Resource {
	var out []*scan.Resource
	for _, d := range docs {
		inner := false
		for _, o := range docs {
			if o == d {
				continue
			}
			for _, attr := range []string{"source_policy_documents", "override_policy_documents", "source_json", "override_json"} {
				if o.Attr(attr).RefersTo(d.Address) {
					inner = true
				}
			}
		}
		if !inner {
			out = append(out, d)
		}
	}
	return out
}

// policyDocDataIn reads a policy document data source, resolving the
// documents it merges in the same way as policyOf.
func policyDocDataIn(p *scan.Project, r *scan.Resource, depth int) ([]statement, bool, string) {
	var merged []statement
	for _, attr := range []string{"source_policy_documents", "override_policy_documents", "source_json", "override_json"} {
		v := r.Attr(attr)
		if !known(v) {
			st, ok, why := policyOfDepth(p, r, v, depth+1)
			if !ok {
				return nil, false, attr + ": " + why
			}
			merged = append(merged, st...)
			continue
		}
		for _, d := range v.Items() {
			st, ok, why := policyOfDepth(p, r, d, depth+1)
			if !ok {
				return nil, false, attr + ": " + why
			}
			merged = append(merged, st...)
		}
	}
	own, ok, why := policyDocStatements(r)
	if !ok {
		return nil, false, why
	}
	return append(merged, own...), true, ""
}
