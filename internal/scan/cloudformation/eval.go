package cloudformation

import (
	"fmt"
	"strconv"
	"strings"

	"go.yaml.in/yaml/v3"

	"github.com/dbwarden/dbwarden/internal/scan"
)

// evalBudget bounds the number of nodes one template may evaluate, aliases
// expanded; real templates stay far below it.
const evalBudget = 1 << 20

// noValue is what Ref AWS::NoValue evaluates to: the property that holds it
// is removed. It is compared by identity and never handed out.
var noValue = &scan.Value{Kind: scan.Null}

// param is a declared parameter.
type param struct {
	name   string
	key    *yaml.Node
	fields map[string]pair
	typ    string
	noEcho bool
	// value is what a Ref to the parameter gives, without a position.
	value *scan.Value
}

// pair is one entry of a mapping.
type pair struct {
	name     string
	key, val *yaml.Node
}

// evaluator evaluates a template's values and intrinsic functions.
type evaluator struct {
	file      string
	overrides map[string]string
	params    map[string]*param
	resources map[string]bool
	mappings  *yaml.Node
	conds     map[string]*yaml.Node
	condVals  map[string]*scan.Value
	condBusy  map[string]bool
	aliases   map[*yaml.Node]bool
	budget    int
}

func newEvaluator(file string, overrides map[string]string) *evaluator {
	return &evaluator{
		file:      file,
		overrides: overrides,
		params:    map[string]*param{},
		resources: map[string]bool{},
		conds:     map[string]*yaml.Node{},
		condVals:  map[string]*scan.Value{},
		condBusy:  map[string]bool{},
		aliases:   map[*yaml.Node]bool{},
		budget:    evalBudget,
	}
}

// errf returns an error naming file:line of n.
func (e *evaluator) errf(n *yaml.Node, format string, args ...any) error {
	line := 0
	if n != nil {
		line = n.Line
	}
	if line == 0 {
		return fmt.Errorf("%s: %s", e.file, fmt.Sprintf(format, args...))
	}
	return fmt.Errorf("%s:%d: %s", e.file, line, fmt.Sprintf(format, args...))
}

func (e *evaluator) rng(n *yaml.Node) scan.Range {
	return scan.Range{File: e.file, Line: n.Line}
}

// deref follows aliases to the node they name.
func (e *evaluator) deref(n *yaml.Node) (*yaml.Node, error) {
	for i := 0; n.Kind == yaml.AliasNode; i++ {
		if n.Alias == nil || i > 100 {
			return nil, e.errf(n, "alias *%s names no anchor", n.Value)
		}
		n = n.Alias
	}
	return n, nil
}

// pairs returns a mapping's entries in order, merge keys (<<) expanded, and
// fails on a duplicate key.
func (e *evaluator) pairs(n *yaml.Node) ([]pair, error) {
	var own, merged []pair
	seen := map[string]*yaml.Node{}
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, err := e.deref(n.Content[i])
		if err != nil {
			return nil, err
		}
		v := n.Content[i+1]
		if k.Kind != yaml.ScalarNode {
			return nil, e.errf(k, "a mapping key must be a string, not a %s", kindName(k))
		}
		if k.Tag == "!!merge" {
			ms, err := e.merge(v)
			if err != nil {
				return nil, err
			}
			merged = append(merged, ms...)
			continue
		}
		if prev, dup := seen[k.Value]; dup {
			return nil, e.errf(k, "duplicate key %q (first at line %d)", k.Value, prev.Line)
		}
		seen[k.Value] = k
		own = append(own, pair{name: k.Value, key: k, val: v})
	}
	for _, m := range merged {
		if _, ok := seen[m.name]; !ok {
			seen[m.name] = m.key
			own = append(own, m)
		}
	}
	return own, nil
}

// merge returns the entries a merge key brings in: those of a mapping, or of
// each mapping of a sequence, earlier ones first.
func (e *evaluator) merge(v *yaml.Node) ([]pair, error) {
	if e.aliases[v] {
		return nil, e.errf(v, "merge key refers to itself")
	}
	e.aliases[v] = true
	defer delete(e.aliases, v)
	if err := e.step(v); err != nil {
		return nil, err
	}
	n, err := e.deref(v)
	if err != nil {
		return nil, err
	}
	switch n.Kind {
	case yaml.MappingNode:
		if e.aliases[n] {
			return nil, e.errf(v, "merge key refers to itself")
		}
		e.aliases[n] = true
		defer delete(e.aliases, n)
		return e.pairs(n)
	case yaml.SequenceNode:
		var out []pair
		seen := map[string]bool{}
		for _, c := range n.Content {
			ps, err := e.merge(c)
			if err != nil {
				return nil, err
			}
			for _, p := range ps {
				if !seen[p.name] {
					seen[p.name] = true
					out = append(out, p)
				}
			}
		}
		return out, nil
	}
	return nil, e.errf(v, "merge key (<<) takes a mapping or a list of mappings, not a %s", kindName(n))
}

func (e *evaluator) step(n *yaml.Node) error {
	e.budget--
	if e.budget < 0 {
		return e.errf(n, "%v", errBudget)
	}
	return nil
}

// fn evaluates an intrinsic function: at is the node that carries it (for
// positions), arg its argument.
type fn func(e *evaluator, at, arg *yaml.Node) (*scan.Value, error)

// functions are the intrinsic functions by long name.
var functions map[string]fn

func init() {
	functions = map[string]fn{
		"Ref":                (*evaluator).ref,
		"Condition":          (*evaluator).conditionFn,
		"Fn::Sub":            (*evaluator).sub,
		"Fn::GetAtt":         (*evaluator).getAtt,
		"Fn::If":             (*evaluator).ifFn,
		"Fn::Equals":         (*evaluator).equals,
		"Fn::Not":            (*evaluator).not,
		"Fn::And":            (*evaluator).and,
		"Fn::Or":             (*evaluator).or,
		"Fn::Join":           (*evaluator).join,
		"Fn::Select":         (*evaluator).selectFn,
		"Fn::Split":          (*evaluator).split,
		"Fn::FindInMap":      (*evaluator).findInMap,
		"Fn::Base64":         (*evaluator).base64,
		"Fn::GetAZs":         (*evaluator).getAZs,
		"Fn::ImportValue":    (*evaluator).importValue,
		"Fn::Cidr":           (*evaluator).cidr,
		"Fn::Transform":      (*evaluator).transform,
		"Fn::Length":         (*evaluator).length,
		"Fn::ToJsonString":   (*evaluator).toJSONString,
		"Fn::GetStackOutput": (*evaluator).opaque,
	}
}

// shortName maps a short-form tag to the function's long name.
func shortName(tag string) (string, bool) {
	name := strings.TrimPrefix(tag, "!")
	switch name {
	case "Ref", "Condition":
		return name, true
	}
	long := "Fn::" + name
	if _, ok := functions[long]; ok {
		return long, true
	}
	return "", false
}

// eval evaluates a node: literals become Values, intrinsic functions are
// applied. It returns noValue for Ref AWS::NoValue.
func (e *evaluator) eval(n *yaml.Node) (*scan.Value, error) {
	if err := e.step(n); err != nil {
		return nil, err
	}
	switch n.Kind {
	case yaml.AliasNode:
		t, err := e.deref(n)
		if err != nil {
			return nil, err
		}
		if e.aliases[t] {
			return nil, e.errf(n, "alias *%s refers to itself", n.Value)
		}
		v, err := e.eval(t)
		if err != nil || v == noValue {
			return v, err
		}
		v.Range = e.rng(n)
		return v, nil
	case yaml.DocumentNode:
		if len(n.Content) == 0 {
			return &scan.Value{Kind: scan.Null, Range: e.rng(n)}, nil
		}
		return e.eval(n.Content[0])
	}
	if tag := n.Tag; strings.HasPrefix(tag, "!") && !strings.HasPrefix(tag, "!!") && tag != "!" {
		name, ok := shortName(tag)
		if !ok {
			return nil, e.errf(n, "unknown tag %s", tag)
		}
		arg := *n
		arg.Tag = ""
		arg.Style &^= yaml.TaggedStyle
		if arg.Kind == yaml.ScalarNode {
			arg.Tag = "!!str"
		}
		return functions[name](e, n, &arg)
	}
	if n.Kind == yaml.MappingNode || n.Kind == yaml.SequenceNode {
		// Only aliases and merge keys can lead back into a collection
		// being evaluated.
		if e.aliases[n] {
			return nil, e.errf(n, "YAML aliases make this value contain itself")
		}
		e.aliases[n] = true
		defer delete(e.aliases, n)
	}
	switch n.Kind {
	case yaml.ScalarNode:
		return e.scalar(n)
	case yaml.SequenceNode:
		return e.list(n)
	case yaml.MappingNode:
		ps, err := e.pairs(n)
		if err != nil {
			return nil, err
		}
		if len(ps) == 1 {
			name := ps[0].name
			if f, ok := functions[name]; ok && name != "Condition" {
				return f(e, n, ps[0].val)
			}
			if strings.HasPrefix(name, "Fn::") {
				// A function this loader does not know (a newer one, or one
				// a transform provides): its value is decided at deploy.
				return e.opaque(n, ps[0].val)
			}
		}
		return e.mapping(n, ps)
	}
	return nil, e.errf(n, "unexpected YAML node")
}

func (e *evaluator) scalar(n *yaml.Node) (*scan.Value, error) {
	v := &scan.Value{Range: e.rng(n)}
	switch n.ShortTag() {
	case "!!null":
		v.Kind = scan.Null
	case "!!bool":
		v.Kind = scan.Bool
		v.Bool = strings.EqualFold(n.Value, "true")
	case "!!str", "!!int", "!!float", "!!timestamp", "!!binary", "!!merge":
		// CloudFormation passes every scalar on as a string; numbers stay
		// strings and the Value helpers convert them.
		v.Kind = scan.String
		v.Str = n.Value
	default:
		return nil, e.errf(n, "unknown tag %s", n.Tag)
	}
	return v, nil
}

func (e *evaluator) list(n *yaml.Node) (*scan.Value, error) {
	v := &scan.Value{Kind: scan.List, List: []*scan.Value{}, Range: e.rng(n)}
	end := n.Line
	for _, c := range n.Content {
		cv, err := e.eval(c)
		if err != nil {
			return nil, err
		}
		if cv == noValue {
			continue
		}
		end = max(end, cv.Range.Line, cv.Range.EndLine)
		v.List = append(v.List, cv)
	}
	if end > v.Range.Line {
		v.Range.EndLine = end
	}
	return v, nil
}

func (e *evaluator) mapping(n *yaml.Node, ps []pair) (*scan.Value, error) {
	v := &scan.Value{Kind: scan.Map, Map: make(map[string]*scan.Value, len(ps)), Range: e.rng(n)}
	end := n.Line
	for _, p := range ps {
		cv, err := e.eval(p.val)
		if err != nil {
			return nil, err
		}
		if cv == noValue {
			continue
		}
		// A value points at its key: that is where a reader looks for it.
		line, last := p.key.Line, max(cv.Range.Line, cv.Range.EndLine)
		cv.Range = scan.Range{File: e.file, Line: line}
		if last > line {
			cv.Range.EndLine = last
		}
		end = max(end, line, last)
		v.Map[p.name] = cv
	}
	if end > v.Range.Line {
		v.Range.EndLine = end
	}
	return v, nil
}

// args returns the elements of a function's list argument, checking their
// number.
func (e *evaluator) args(name string, at, arg *yaml.Node, min, max int) ([]*yaml.Node, error) {
	n, err := e.deref(arg)
	if err != nil {
		return nil, err
	}
	if n.Kind != yaml.SequenceNode || (n.Tag != "" && n.Tag != "!!seq") {
		return nil, e.errf(at, "%s takes a list of %s, not a %s", name, count(min, max), kindName(n))
	}
	if len(n.Content) < min || len(n.Content) > max {
		return nil, e.errf(at, "%s takes %s, got %d", name, count(min, max), len(n.Content))
	}
	return n.Content, nil
}

func count(min, max int) string {
	switch {
	case min == max && min == 1:
		return "1 argument"
	case min == max:
		return strconv.Itoa(min) + " arguments"
	}
	return fmt.Sprintf("%d to %d arguments", min, max)
}

// name returns a literal string argument (a logical id, a condition name).
func (e *evaluator) name(fn string, arg *yaml.Node) (string, error) {
	n, err := e.deref(arg)
	if err != nil {
		return "", err
	}
	if n.Kind != yaml.ScalarNode || (strings.HasPrefix(n.Tag, "!") && !strings.HasPrefix(n.Tag, "!!")) {
		return "", e.errf(arg, "%s takes a name, not a %s", fn, kindName(n))
	}
	if n.Value == "" {
		return "", e.errf(arg, "%s takes a name, got an empty string", fn)
	}
	return n.Value, nil
}

// str evaluates an argument that must be a string; ok is false when it is
// only known at deploy time (v then carries its Refs).
func (e *evaluator) str(fn string, arg *yaml.Node) (s string, v *scan.Value, ok bool, err error) {
	v, err = e.eval(arg)
	if err != nil {
		return "", nil, false, err
	}
	if v == noValue {
		return "", nil, false, e.errf(arg, "%s: AWS::NoValue is not a string", fn)
	}
	if !v.Known() {
		return "", v, false, nil
	}
	s, ok = v.String()
	if !ok {
		return "", nil, false, e.errf(arg, "%s takes a string here, not a %s", fn, v.Kind)
	}
	return s, v, true, nil
}

// unknown returns an Unknown value at n carrying the Refs and sensitivity of
// the values it was computed from.
func (e *evaluator) unknown(n *yaml.Node, from ...*scan.Value) *scan.Value {
	v := &scan.Value{Kind: scan.Unknown, Range: e.rng(n)}
	for _, f := range from {
		v.Refs = appendRefs(v.Refs, f)
		v.Via = appendVia(v.Via, f)
		v.Sensitive = v.Sensitive || isSensitive(f)
	}
	return v
}

// known returns a known value at n carrying the Refs and sensitivity of the
// values it was computed from.
func (e *evaluator) known(n *yaml.Node, v *scan.Value, from ...*scan.Value) *scan.Value {
	v.Range = e.rng(n)
	for _, f := range from {
		v.Refs = appendRefs(v.Refs, f)
		v.Via = appendVia(v.Via, f)
		v.Sensitive = v.Sensitive || isSensitive(f)
	}
	return v
}
