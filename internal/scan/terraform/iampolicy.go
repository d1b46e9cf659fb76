package terraform

import (
	"bytes"
	"encoding/json"

	"github.com/zclconf/go-cty/cty"

	"github.com/dbwarden/dbwarden/internal/scan"
)

// An aws_iam_policy_document data source computes its json attribute from
// its statement blocks without calling AWS, so the loader does the same:
// a rule reading policy = data.aws_iam_policy_document.x.json sees the
// document whenever every statement is known.

type iamStatement struct {
	Sid          string                    `json:"Sid,omitempty"`
	Effect       string                    `json:"Effect,omitempty"`
	Action       any                       `json:"Action,omitempty"`
	NotAction    any                       `json:"NotAction,omitempty"`
	Resource     any                       `json:"Resource,omitempty"`
	NotResource  any                       `json:"NotResource,omitempty"`
	Principal    any                       `json:"Principal,omitempty"`
	NotPrincipal any                       `json:"NotPrincipal,omitempty"`
	Condition    map[string]map[string]any `json:"Condition,omitempty"`
}

type iamDocument struct {
	Version   string `json:"Version,omitempty"`
	ID        string `json:"Id,omitempty"`
	Statement []any  `json:"Statement"`
}

// addPolicyJSON adds the json and minified_json attributes to an evaluated
// aws_iam_policy_document body: known when every statement is known,
// Unknown otherwise, carrying the body's references either way.
func addPolicyJSON(b *evBody, rng scan.Range) {
	marks := cty.ValueMarks{}
	b.collectMarks(marks)
	doc, ok := policyDocument(b)
	var pretty, minified cty.Value
	if ok {
		min, err := json.Marshal(doc)
		var ind bytes.Buffer
		if err == nil {
			err = json.Indent(&ind, min, "", "  ")
		}
		if err != nil {
			ok = false
		} else {
			pretty, minified = cty.StringVal(ind.String()), cty.StringVal(string(min))
		}
	}
	if !ok {
		pretty, minified = cty.UnknownVal(cty.String), cty.UnknownVal(cty.String)
	}
	b.attrs = append(b.attrs,
		evAttr{name: "json", val: pretty.WithMarks(marks), rng: rng},
		evAttr{name: "minified_json", val: minified.WithMarks(marks), rng: rng})
}

func (b *evBody) collectMarks(marks cty.ValueMarks) {
	for _, a := range b.attrs {
		collectMarks(a.val, marks)
	}
	for _, nb := range b.blocks {
		nb.body.collectMarks(marks)
	}
}

// known returns a wholly known value without marks, or false.
func known(v cty.Value) (cty.Value, bool) {
	v, _ = v.UnmarkDeep()
	return v, v.IsWhollyKnown()
}

func attrString(b *evBody, name string) (string, bool, bool) {
	a, ok := b.attr(name)
	if !ok {
		return "", true, false
	}
	v, ok := known(a.val)
	if !ok {
		return "", false, true
	}
	if v.IsNull() {
		return "", true, false
	}
	s, ok := convertTo(v, cty.String)
	if !ok {
		return "", false, true
	}
	return s.AsString(), true, true
}

// attrStrings reads a set of strings; ok is false when it is unknown.
func attrStrings(b *evBody, name string) (list []string, ok bool) {
	a, found := b.attr(name)
	if !found {
		return nil, true
	}
	v, ok := known(a.val)
	if !ok {
		return nil, false
	}
	if v.IsNull() {
		return nil, true
	}
	if v.Type() == cty.String {
		return []string{v.AsString()}, true
	}
	l, ok := convertTo(v, cty.List(cty.String))
	if !ok {
		return nil, false
	}
	for it := l.ElementIterator(); it.Next(); {
		_, e := it.Element()
		if e.IsNull() {
			continue
		}
		list = append(list, e.AsString())
	}
	return list, true
}

// oneOrMany writes a single element as a string, as the AWS provider does.
func oneOrMany(l []string) any {
	switch len(l) {
	case 0:
		return nil
	case 1:
		return l[0]
	}
	return l
}

func policyDocument(b *evBody) (*iamDocument, bool) {
	doc := &iamDocument{Version: "2012-10-17"}
	if v, ok, set := attrString(b, "version"); !ok {
		return nil, false
	} else if set {
		doc.Version = v
	}
	if v, ok, set := attrString(b, "policy_id"); !ok {
		return nil, false
	} else if set {
		doc.ID = v
	}
	sources, ok := attrStrings(b, "source_policy_documents")
	if !ok {
		return nil, false
	}
	for _, src := range sources {
		var d struct {
			Statement json.RawMessage
		}
		if err := json.Unmarshal([]byte(src), &d); err != nil {
			return nil, false
		}
		doc.Statement = append(doc.Statement, rawStatements(d.Statement)...)
	}
	for _, nb := range b.blocks {
		if nb.typ != "statement" {
			continue
		}
		st, ok := policyStatement(nb.body)
		if !ok {
			return nil, false
		}
		doc.Statement = mergeStatement(doc.Statement, st.Sid, st)
	}
	overrides, ok := attrStrings(b, "override_policy_documents")
	if !ok {
		return nil, false
	}
	for _, src := range overrides {
		var d struct {
			Statement json.RawMessage
		}
		if err := json.Unmarshal([]byte(src), &d); err != nil {
			return nil, false
		}
		for _, st := range rawStatements(d.Statement) {
			sid, _ := st.(map[string]any)["Sid"].(string)
			doc.Statement = mergeStatement(doc.Statement, sid, st)
		}
	}
	return doc, true
}

// rawStatements reads a Statement that is one object or a list.
func rawStatements(raw json.RawMessage) []any {
	var list []map[string]any
	if err := json.Unmarshal(raw, &list); err == nil {
		out := make([]any, len(list))
		for i, s := range list {
			out[i] = s
		}
		return out
	}
	var one map[string]any
	if err := json.Unmarshal(raw, &one); err == nil && one != nil {
		return []any{one}
	}
	return nil
}

// mergeStatement replaces the statement with the same Sid, or appends.
func mergeStatement(sts []any, sid string, st any) []any {
	if sid != "" {
		for i, s := range sts {
			var have string
			switch s := s.(type) {
			case *iamStatement:
				have = s.Sid
			case map[string]any:
				have, _ = s["Sid"].(string)
			}
			if have == sid {
				sts[i] = st
				return sts
			}
		}
	}
	return append(sts, st)
}

func policyStatement(b *evBody) (*iamStatement, bool) {
	st := &iamStatement{Effect: "Allow"}
	var ok, set bool
	if st.Sid, ok, _ = attrString(b, "sid"); !ok {
		return nil, false
	}
	var effect string
	if effect, ok, set = attrString(b, "effect"); !ok {
		return nil, false
	} else if set {
		st.Effect = effect
	}
	for _, f := range []struct {
		name string
		dst  *any
	}{{"actions", &st.Action}, {"not_actions", &st.NotAction}, {"resources", &st.Resource}, {"not_resources", &st.NotResource}} {
		l, ok := attrStrings(b, f.name)
		if !ok {
			return nil, false
		}
		*f.dst = oneOrMany(l)
	}
	for _, nb := range b.blocks {
		switch nb.typ {
		case "principals", "not_principals":
			typ, ok, _ := attrString(nb.body, "type")
			ids, ok2 := attrStrings(nb.body, "identifiers")
			if !ok || !ok2 {
				return nil, false
			}
			dst := &st.Principal
			if nb.typ == "not_principals" {
				dst = &st.NotPrincipal
			}
			if typ == "*" {
				*dst = "*"
				continue
			}
			m, _ := (*dst).(map[string]any)
			if m == nil {
				m = map[string]any{}
			}
			if prev, ok := m[typ]; ok {
				ids = append(toStrings(prev), ids...)
			}
			m[typ] = oneOrMany(ids)
			*dst = m
		case "condition":
			test, ok, _ := attrString(nb.body, "test")
			variable, ok2, _ := attrString(nb.body, "variable")
			values, ok3 := attrStrings(nb.body, "values")
			if !ok || !ok2 || !ok3 {
				return nil, false
			}
			if st.Condition == nil {
				st.Condition = map[string]map[string]any{}
			}
			if st.Condition[test] == nil {
				st.Condition[test] = map[string]any{}
			}
			st.Condition[test][variable] = oneOrMany(values)
		}
	}
	return st, true
}

func toStrings(v any) []string {
	switch v := v.(type) {
	case string:
		return []string{v}
	case []string:
		return v
	}
	return nil
}
