// Package cloudformation loads CloudFormation templates, YAML or JSON, into
// scan Resources.
//
// A template is parsed into YAML nodes (the YAML parser reads JSON too), so
// every value keeps the line it was written on. Intrinsic functions, in their
// short (!Sub) and long (Fn::Sub) forms, are evaluated the way CloudFormation
// would evaluate them at deploy time as far as the template and the parameter
// values allow: parameters take their Default or an override, Conditions are
// decided, Mappings are looked up, !Sub, !Join, !Select, !Split, !Cidr and
// !Base64 are computed. What only exists once deployed (a resource's !Ref or
// !GetAtt, AWS::Region, an imported value) is an Unknown value whose Refs name
// the logical ids it came from.
//
// The result is one Resource per template resource (Kind "resource"),
// parameter (Kind "parameter") and output (Kind "output"). A resource whose
// Condition is known to be false is not deployed and not emitted. A
// resource's Attrs are its Properties, with its DeletionPolicy and
// UpdateReplacePolicy added under those names; when the Properties as a
// whole are only known at deploy time (an !If on an undecided condition),
// Attrs is that Unknown value.
//
// Scalars stay strings, as CloudFormation passes them on ("3306"), except
// YAML booleans, which are Bools; the scan.Value helpers convert.
package cloudformation

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"path"
	"regexp"
	"strconv"
	"strings"

	"go.yaml.in/yaml/v3"

	"github.com/dbwarden/dbwarden/internal/scan"
)

// Detect reports whether src looks like a CloudFormation template: a
// top-level AWSTemplateFormatVersion, or a Resources map with at least one
// entry whose Type starts with "AWS::".
func Detect(name string, src []byte) bool {
	if !bytes.Contains(src, []byte("AWSTemplateFormatVersion")) && !bytes.Contains(src, []byte("AWS::")) {
		return false
	}
	root, err := parse(src)
	if err != nil {
		// A broken template is still a template: loading it reports the
		// syntax error instead of skipping the file without a word.
		return versionRe.Match(src) || (resourcesRe.Match(src) && awsTypeRe.Match(src))
	}
	if root == nil || root.Kind != yaml.MappingNode {
		return false
	}
	for i := 0; i+1 < len(root.Content); i += 2 {
		k, v := root.Content[i], root.Content[i+1]
		switch k.Value {
		case "AWSTemplateFormatVersion":
			return true
		case "Resources":
			if v.Kind != yaml.MappingNode {
				continue
			}
			for j := 1; j < len(v.Content); j += 2 {
				body := v.Content[j]
				if body.Kind != yaml.MappingNode {
					continue
				}
				for m := 0; m+1 < len(body.Content); m += 2 {
					if body.Content[m].Value == "Type" && strings.HasPrefix(body.Content[m+1].Value, "AWS::") {
						return true
					}
				}
			}
		}
	}
	return false
}

var (
	versionRe   = regexp.MustCompile(`(?m)^\s*"?AWSTemplateFormatVersion"?\s*:`)
	resourcesRe = regexp.MustCompile(`(?m)^\s*"?Resources"?\s*:`)
	awsTypeRe   = regexp.MustCompile(`(?m)^\s*"?Type"?\s*:\s*["']?AWS::`)
	yamlLineRe  = regexp.MustCompile(`^yaml: line (\d+): (.*)$`)
)

// parse reads the first YAML document of src and returns its root node, nil
// for an empty document.
func parse(src []byte) (*yaml.Node, error) {
	if isJSON(src) {
		src = jsonForYAML(src)
	}
	var doc yaml.Node
	if err := yaml.Unmarshal(src, &doc); err != nil {
		return nil, err
	}
	if doc.Kind == yaml.DocumentNode {
		if len(doc.Content) == 0 {
			return nil, nil
		}
		return doc.Content[0], nil
	}
	if doc.Kind == 0 {
		return nil, nil
	}
	return &doc, nil
}

// jsonForYAML rewrites the two things JSON allows and YAML does not, without
// moving any line: tabs as indentation (outside strings they are only
// whitespace, so they become spaces) and the escape \/ inside strings (it
// becomes /).
func jsonForYAML(src []byte) []byte {
	out := make([]byte, 0, len(src))
	inString := false
	for i := 0; i < len(src); i++ {
		c := src[i]
		switch {
		case !inString && c == '\t':
			c = ' '
		case !inString && c == '"':
			inString = true
		case inString && c == '"':
			inString = false
		case inString && c == '\\' && i+1 < len(src):
			i++
			if src[i] != '/' {
				out = append(out, c)
			}
			c = src[i]
		}
		out = append(out, c)
	}
	return out
}

// syntaxError turns the YAML parser's error into one naming file:line. The
// parser reports the line where the enclosing construct began (and for some
// errors one less), so the line is found again: for JSON from encoding/json's
// offset, for YAML as the shortest prefix of lines that fails the same way.
func syntaxError(file string, src []byte, err error) error {
	line, msg := splitYAMLError(err)
	if isJSON(src) {
		var v any
		var se *json.SyntaxError
		if jerr := json.Unmarshal(src, &v); errors.As(jerr, &se) {
			off := min(max(se.Offset-1, 0), int64(len(src)))
			line, msg = 1+bytes.Count(src[:off], []byte("\n")), se.Error()
		}
	} else if l := locate(src, msg); l > 0 {
		line = l
	}
	if line > 0 {
		return fmt.Errorf("%s:%d: %s", file, line, msg)
	}
	return fmt.Errorf("%s: %s", file, msg)
}

func splitYAMLError(err error) (int, string) {
	msg := err.Error()
	if m := yamlLineRe.FindStringSubmatch(msg); m != nil {
		n, _ := strconv.Atoi(m[1])
		return n, m[2]
	}
	return 0, strings.TrimPrefix(msg, "yaml: ")
}

func isJSON(src []byte) bool {
	t := bytes.TrimLeft(src, " \t\r\n\ufeff")
	return len(t) > 0 && t[0] == '{'
}

// locate returns the least k such that the first k lines of src fail to
// parse with msg, or 0.
func locate(src []byte, msg string) int {
	lines := bytes.SplitAfter(src, []byte("\n"))
	fails := func(k int) bool {
		var doc yaml.Node
		err := yaml.Unmarshal(bytes.Join(lines[:k], nil), &doc)
		if err == nil {
			return false
		}
		_, m := splitYAMLError(err)
		return m == msg
	}
	if !fails(len(lines)) {
		return 0
	}
	lo, hi := 1, len(lines)
	for lo < hi {
		mid := (lo + hi) / 2
		if fails(mid) {
			hi = mid
		} else {
			lo = mid + 1
		}
	}
	return lo
}

// Load adds the template's resources, parameters and outputs to p. params
// override parameter defaults; an entry whose name is a pseudo parameter
// ("AWS::Region", "AWS::AccountId", ...) sets that pseudo parameter.
// Overrides for parameters the template does not declare are ignored.
func Load(p *scan.Project, file string, src []byte, params map[string]string) error {
	p.AddFile(file, src)
	root, err := parse(src)
	if err != nil {
		return syntaxError(file, src, err)
	}
	if root == nil {
		return fmt.Errorf("%s: empty template", file)
	}
	e := newEvaluator(file, params)
	sections, err := e.topLevel(root)
	if err != nil {
		return err
	}
	if err := e.declare(sections); err != nil {
		return err
	}
	t := &template{e: e, file: file, dir: path.Dir(file), sections: sections}
	var out []*scan.Resource
	for _, step := range []func() ([]*scan.Resource, error){t.parameters, t.resources, t.outputs} {
		rs, err := step()
		if err != nil {
			return err
		}
		out = append(out, rs...)
	}
	p.Add(out...)
	return nil
}

// template turns the sections of a parsed template into Resources.
type template struct {
	e        *evaluator
	file     string
	dir      string
	sections map[string]pair
}

// topLevel returns the template's sections by name.
func (e *evaluator) topLevel(root *yaml.Node) (map[string]pair, error) {
	root, err := e.deref(root)
	if err != nil {
		return nil, err
	}
	if root.Kind != yaml.MappingNode {
		return nil, e.errf(root, "a template is a mapping of sections, not a %s", kindName(root))
	}
	ps, err := e.pairs(root)
	if err != nil {
		return nil, err
	}
	sections := map[string]pair{}
	for _, pr := range ps {
		sections[pr.name] = pr
	}
	return sections, nil
}

// entries returns the entries of a section that must be a mapping of named
// mappings (Parameters, Resources, Outputs), or nil when it is absent.
func (e *evaluator) entries(sections map[string]pair, name string) ([]pair, error) {
	sec, ok := sections[name]
	if !ok {
		return nil, nil
	}
	n, err := e.deref(sec.val)
	if err != nil {
		return nil, err
	}
	if isNull(n) {
		return nil, nil
	}
	if n.Kind != yaml.MappingNode {
		return nil, e.errf(sec.key, "%s is a %s; want a mapping", name, kindName(n))
	}
	ps, err := e.pairs(n)
	if err != nil {
		return nil, err
	}
	for i, pr := range ps {
		body, err := e.deref(pr.val)
		if err != nil {
			return nil, err
		}
		if body.Kind != yaml.MappingNode && !strings.HasPrefix(pr.name, "Fn::ForEach::") {
			return nil, e.errf(pr.key, "%s %s is a %s; want a mapping", strings.ToLower(strings.TrimSuffix(name, "s")), pr.name, kindName(body))
		}
		ps[i].val = body
	}
	return ps, nil
}

// fields returns a mapping's entries by name.
func (e *evaluator) fields(n *yaml.Node) (map[string]pair, error) {
	ps, err := e.pairs(n)
	if err != nil {
		return nil, err
	}
	m := make(map[string]pair, len(ps))
	for _, pr := range ps {
		m[pr.name] = pr
	}
	return m, nil
}

// declare reads the sections intrinsic functions look into: Parameters,
// Mappings, Conditions and the logical ids of Resources.
func (e *evaluator) declare(sections map[string]pair) error {
	res, err := e.entries(sections, "Resources")
	if err != nil {
		return err
	}
	for _, pr := range res {
		e.resources[pr.name] = true
	}
	if m, ok := sections["Mappings"]; ok {
		n, err := e.deref(m.val)
		if err != nil {
			return err
		}
		if !isNull(n) && n.Kind != yaml.MappingNode {
			return e.errf(m.key, "Mappings is a %s; want a mapping", kindName(n))
		}
		e.mappings = n
	}
	if c, ok := sections["Conditions"]; ok {
		n, err := e.deref(c.val)
		if err != nil {
			return err
		}
		if !isNull(n) {
			if n.Kind != yaml.MappingNode {
				return e.errf(c.key, "Conditions is a %s; want a mapping", kindName(n))
			}
			ps, err := e.pairs(n)
			if err != nil {
				return err
			}
			for _, pr := range ps {
				e.conds[pr.name] = pr.val
			}
		}
	}
	params, err := e.entries(sections, "Parameters")
	if err != nil {
		return err
	}
	for _, pr := range params {
		f, err := e.fields(pr.val)
		if err != nil {
			return err
		}
		prm := &param{name: pr.name, key: pr.key, fields: f}
		if err := e.resolveParam(prm); err != nil {
			return err
		}
		e.params[pr.name] = prm
	}
	return nil
}

// resolveParam decides a parameter's value: the override, else the Default,
// else unknown. List types are split at commas; NoEcho makes it sensitive.
func (e *evaluator) resolveParam(prm *param) error {
	typ := "String"
	if t, ok := prm.fields["Type"]; ok {
		v, err := e.eval(t.val)
		if err != nil {
			return err
		}
		if s, ok := v.String(); ok {
			typ = s
		}
	}
	prm.typ = typ
	if ne, ok := prm.fields["NoEcho"]; ok {
		v, err := e.eval(ne.val)
		if err != nil {
			return err
		}
		prm.noEcho, _ = v.True(false)
	}
	var v *scan.Value
	if s, ok := e.overrides[prm.name]; ok {
		v = scan.Str(s)
	} else if d, ok := prm.fields["Default"]; ok {
		dv, err := e.eval(d.val)
		if err != nil {
			return err
		}
		if dv == noValue {
			dv = &scan.Value{Kind: scan.Null}
		}
		v = dv
	} else {
		v = scan.UnknownVal()
	}
	switch {
	case strings.HasPrefix(typ, "AWS::SSM::Parameter::Value<"):
		// The value is the SSM parameter's, read at deploy time.
		v = scan.UnknownVal()
	case typ == "CommaDelimitedList" || strings.HasPrefix(typ, "List<"):
		if v.Kind == scan.String {
			var items []*scan.Value
			for _, s := range strings.Split(v.Str, ",") {
				items = append(items, scan.Str(strings.TrimSpace(s)))
			}
			v = &scan.Value{Kind: scan.List, List: items}
		}
	}
	if prm.noEcho {
		markSensitive(v)
	}
	prm.value = v
	return nil
}

func (t *template) resourceRange(key, body *yaml.Node) scan.Range {
	return scan.Range{File: t.file, Line: key.Line, EndLine: max(key.Line, lastLine(body))}
}

// parameters returns a Resource per parameter, its Attrs the parameter's
// properties plus "value", the value a Ref to it gives.
func (t *template) parameters() ([]*scan.Resource, error) {
	ps, err := t.e.entries(t.sections, "Parameters")
	if err != nil {
		return nil, err
	}
	var out []*scan.Resource
	for _, pr := range ps {
		prm := t.e.params[pr.name]
		attrs, err := t.e.eval(pr.val)
		if err != nil {
			return nil, err
		}
		if attrs.Kind != scan.Map {
			attrs = &scan.Value{Kind: scan.Map, Map: map[string]*scan.Value{}, Range: attrs.Range}
		}
		if prm.noEcho {
			markSensitive(attrs.Map["Default"])
		}
		v := cloneValue(prm.value)
		v.Range = scan.Range{File: t.file, Line: pr.key.Line}
		if d, ok := prm.fields["Default"]; ok {
			if _, over := t.e.overrides[prm.name]; !over {
				v.Range.Line = d.key.Line
			}
		}
		place(v, v.Range)
		attrs.Map["value"] = v
		out = append(out, &scan.Resource{
			Lang: scan.CloudFormation, Kind: "parameter", Type: "parameter",
			Address: pr.name, Attrs: attrs, Range: t.resourceRange(pr.key, pr.val), Dir: t.dir, Scope: t.file,
		})
	}
	return out, nil
}

// deployed reports whether an entry with an optional Condition attribute is
// deployed: false only when the condition is known to be false.
func (t *template) deployed(f map[string]pair) (bool, error) {
	c, ok := f["Condition"]
	if !ok {
		return true, nil
	}
	name, err := t.e.name("Condition", c.val)
	if err != nil {
		return false, err
	}
	v, err := t.e.condition(name, c.val)
	if err != nil {
		return false, err
	}
	return v.Kind != scan.Bool || v.Bool, nil
}

// resources returns a Resource per deployed template resource.
func (t *template) resources() ([]*scan.Resource, error) {
	ps, err := t.e.entries(t.sections, "Resources")
	if err != nil {
		return nil, err
	}
	var out []*scan.Resource
	for _, pr := range ps {
		if strings.HasPrefix(pr.name, "Fn::ForEach::") {
			continue // expanded by the LanguageExtensions transform at deploy time
		}
		f, err := t.e.fields(pr.val)
		if err != nil {
			return nil, err
		}
		tp, ok := f["Type"]
		if !ok {
			return nil, t.e.errf(pr.key, "resource %s has no Type", pr.name)
		}
		typ, err := t.e.name("Type", tp.val)
		if err != nil {
			return nil, err
		}
		if ok, err := t.deployed(f); err != nil || !ok {
			if err != nil {
				return nil, err
			}
			continue
		}
		attrs := &scan.Value{Kind: scan.Map, Map: map[string]*scan.Value{}, Range: scan.Range{File: t.file, Line: pr.key.Line}}
		if props, ok := f["Properties"]; ok {
			v, err := t.e.eval(props.val)
			if err != nil {
				return nil, err
			}
			switch {
			case v == noValue || v.Kind == scan.Null:
			case v.Kind == scan.Map:
				attrs = v
				attrs.Range.Line = props.key.Line
			case v.Kind == scan.Unknown:
				attrs = v
			default:
				return nil, t.e.errf(props.key, "Properties of %s is a %s; want a mapping", pr.name, v.Kind)
			}
		}
		if attrs.Kind == scan.Map {
			for _, k := range []string{"DeletionPolicy", "UpdateReplacePolicy"} {
				if a, ok := f[k]; ok {
					v, err := t.e.eval(a.val)
					if err != nil {
						return nil, err
					}
					if v != noValue {
						v.Range = scan.Range{File: t.file, Line: a.key.Line}
						attrs.Map[k] = v
					}
				}
			}
		}
		out = append(out, &scan.Resource{
			Lang: scan.CloudFormation, Kind: "resource", Type: typ,
			Address: pr.name, Attrs: attrs, Range: t.resourceRange(pr.key, pr.val), Dir: t.dir, Scope: t.file,
		})
	}
	return out, nil
}

// outputs returns a Resource per output whose condition is not known false.
func (t *template) outputs() ([]*scan.Resource, error) {
	ps, err := t.e.entries(t.sections, "Outputs")
	if err != nil {
		return nil, err
	}
	var out []*scan.Resource
	for _, pr := range ps {
		f, err := t.e.fields(pr.val)
		if err != nil {
			return nil, err
		}
		if ok, err := t.deployed(f); err != nil || !ok {
			if err != nil {
				return nil, err
			}
			continue
		}
		attrs, err := t.e.eval(pr.val)
		if err != nil {
			return nil, err
		}
		if attrs == noValue || attrs.Kind != scan.Map {
			return nil, t.e.errf(pr.key, "output %s is not a mapping", pr.name)
		}
		out = append(out, &scan.Resource{
			Lang: scan.CloudFormation, Kind: "output", Type: "output",
			Address: pr.name, Attrs: attrs, Range: t.resourceRange(pr.key, pr.val), Dir: t.dir, Scope: t.file,
		})
	}
	return out, nil
}

// errBudget stops the evaluation of templates whose aliases expand without
// bound.
var errBudget = errors.New("template too large to evaluate (YAML aliases expand beyond the limit)")
