package terraform

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"math/big"
	"regexp"
	"strings"

	"github.com/zclconf/go-cty/cty"
	"github.com/zclconf/go-cty/cty/function"
	"go.yaml.in/yaml/v3"
)

// maxYAMLValues bounds the values one yamldecode call builds, so that
// aliases referring to aliases cannot expand without end.
const maxYAMLValues = 100000

// maxYAMLDepth bounds the nesting of a decoded YAML document.
const maxYAMLDepth = 1000

// yamlDecodeFunc is Terraform's yamldecode: mappings become objects,
// sequences tuples, and plain scalars null, bool, number or string by the
// YAML 1.2 core schema. An unknown string gives an unknown value.
var yamlDecodeFunc = function.New(&function.Spec{
	Params: []function.Parameter{{Name: "src", Type: cty.String}},
	Type: func(args []cty.Value) (cty.Type, error) {
		if !args[0].IsKnown() {
			return cty.DynamicPseudoType, nil
		}
		v, err := yamlDecode(args[0].AsString())
		if err != nil {
			return cty.NilType, err
		}
		return v.Type(), nil
	},
	Impl: func(args []cty.Value, _ cty.Type) (cty.Value, error) {
		return yamlDecode(args[0].AsString())
	},
})

// yamlEncodeFunc is Terraform's yamlencode: a known value as a YAML
// document, strings double-quoted; a value with unknown parts gives an
// unknown string.
var yamlEncodeFunc = function.New(&function.Spec{
	Params: []function.Parameter{{Name: "value", Type: cty.DynamicPseudoType, AllowNull: true, AllowDynamicType: true}},
	Type:   function.StaticReturnType(cty.String),
	Impl: func(args []cty.Value, _ cty.Type) (cty.Value, error) {
		if !args[0].IsWhollyKnown() {
			return cty.UnknownVal(cty.String), nil
		}
		s, err := yamlEncode(args[0])
		if err != nil {
			return cty.NilVal, err
		}
		return cty.StringVal(s), nil
	},
})

// yamlDecode decodes one YAML document; an empty one is null.
func yamlDecode(src string) (cty.Value, error) {
	dec := yaml.NewDecoder(strings.NewReader(src))
	var doc yaml.Node
	if err := dec.Decode(&doc); err != nil {
		if errors.Is(err, io.EOF) {
			return cty.NullVal(cty.DynamicPseudoType), nil
		}
		return cty.NilVal, fmt.Errorf("yamldecode: %w", err)
	}
	var extra yaml.Node
	if err := dec.Decode(&extra); !errors.Is(err, io.EOF) {
		return cty.NilVal, errors.New("yamldecode: more than one YAML document")
	}
	d := &yamlDecoder{budget: maxYAMLValues}
	return d.value(&doc, 0)
}

type yamlDecoder struct {
	budget int
}

func (d *yamlDecoder) value(n *yaml.Node, depth int) (cty.Value, error) {
	if depth > maxYAMLDepth {
		return cty.NilVal, fmt.Errorf("yamldecode: line %d: nested too deeply", n.Line)
	}
	d.budget--
	if d.budget < 0 {
		return cty.NilVal, errors.New("yamldecode: the document expands to too many values")
	}
	switch n.Kind {
	case yaml.DocumentNode:
		if len(n.Content) == 0 {
			return cty.NullVal(cty.DynamicPseudoType), nil
		}
		return d.value(n.Content[0], depth+1)
	case yaml.AliasNode:
		if n.Alias == nil {
			return cty.NilVal, fmt.Errorf("yamldecode: line %d: unknown alias %q", n.Line, n.Value)
		}
		return d.value(n.Alias, depth+1)
	case yaml.SequenceNode:
		if n.Style&yaml.TaggedStyle != 0 && n.Tag != "!!seq" {
			return cty.NilVal, fmt.Errorf("yamldecode: line %d: unsupported tag %s on a sequence", n.Line, n.Tag)
		}
		if len(n.Content) == 0 {
			return cty.EmptyTupleVal, nil
		}
		vals := make([]cty.Value, len(n.Content))
		for i, c := range n.Content {
			v, err := d.value(c, depth+1)
			if err != nil {
				return cty.NilVal, err
			}
			vals[i] = v
		}
		return cty.TupleVal(vals), nil
	case yaml.MappingNode:
		if n.Style&yaml.TaggedStyle != 0 && n.Tag != "!!map" {
			return cty.NilVal, fmt.Errorf("yamldecode: line %d: unsupported tag %s on a mapping", n.Line, n.Tag)
		}
		attrs := map[string]cty.Value{}
		if err := d.mapping(n, attrs, depth); err != nil {
			return cty.NilVal, err
		}
		return cty.ObjectVal(attrs), nil
	case yaml.ScalarNode:
		return scalarValue(n)
	}
	return cty.NilVal, fmt.Errorf("yamldecode: line %d: unsupported YAML node", n.Line)
}

// mapping adds a mapping's entries to attrs; the entries of merge keys
// (<<: *base) come after, without replacing the mapping's own.
func (d *yamlDecoder) mapping(n *yaml.Node, attrs map[string]cty.Value, depth int) error {
	var merges []*yaml.Node
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, vn := n.Content[i], n.Content[i+1]
		for k.Kind == yaml.AliasNode && k.Alias != nil {
			k = k.Alias
		}
		if k.Kind != yaml.ScalarNode {
			return fmt.Errorf("yamldecode: line %d: a mapping key must be a scalar", k.Line)
		}
		if k.Tag == "!!merge" && k.Style&yaml.TaggedStyle == 0 {
			merges = append(merges, vn)
			continue
		}
		if _, dup := attrs[k.Value]; dup {
			return fmt.Errorf("yamldecode: line %d: duplicate key %q", k.Line, k.Value)
		}
		v, err := d.value(vn, depth+1)
		if err != nil {
			return err
		}
		attrs[k.Value] = v
	}
	for _, m := range merges {
		for m.Kind == yaml.AliasNode && m.Alias != nil {
			m = m.Alias
		}
		srcs := []*yaml.Node{m}
		if m.Kind == yaml.SequenceNode {
			srcs = m.Content
		}
		for _, s := range srcs {
			for s.Kind == yaml.AliasNode && s.Alias != nil {
				s = s.Alias
			}
			if s.Kind != yaml.MappingNode {
				return fmt.Errorf("yamldecode: line %d: a merge key needs a mapping", s.Line)
			}
			more := map[string]cty.Value{}
			if err := d.mapping(s, more, depth+1); err != nil {
				return err
			}
			for k, v := range more {
				if _, ok := attrs[k]; !ok {
					attrs[k] = v
				}
			}
		}
	}
	return nil
}

var (
	yamlInt10 = regexp.MustCompile(`^[-+]?[0-9]+$`)
	yamlInt8  = regexp.MustCompile(`^0o[0-7]+$`)
	yamlInt16 = regexp.MustCompile(`^0x[0-9a-fA-F]+$`)
	yamlFloat = regexp.MustCompile(`^[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?$`)
	yamlInf   = regexp.MustCompile(`^[-+]?\.(inf|Inf|INF)$`)
	yamlNaN   = regexp.MustCompile(`^\.(nan|NaN|NAN)$`)
)

// scalarValue resolves a scalar: by its explicit tag, as a string when
// quoted or written as a block, otherwise by the YAML 1.2 core schema.
func scalarValue(n *yaml.Node) (cty.Value, error) {
	s := n.Value
	tag := ""
	switch {
	case n.Style&yaml.TaggedStyle != 0:
		tag = n.Tag
	case n.Style&(yaml.DoubleQuotedStyle|yaml.SingleQuotedStyle|yaml.LiteralStyle|yaml.FoldedStyle) != 0:
		tag = "!!str"
	}
	switch tag {
	case "!!str", "!!binary", "!!timestamp":
		return cty.StringVal(s), nil
	case "!!null":
		return cty.NullVal(cty.DynamicPseudoType), nil
	case "!!bool":
		if v, ok := yamlBool(s); ok {
			return v, nil
		}
	case "!!int":
		if v, ok := yamlInt(s); ok {
			return v, nil
		}
	case "!!float":
		if v, ok := yamlInt(s); ok {
			return v, nil
		}
		if v, ok, err := yamlFloatVal(s); ok || err != nil {
			return v, err
		}
	case "":
		switch s {
		case "", "~", "null", "Null", "NULL":
			return cty.NullVal(cty.DynamicPseudoType), nil
		}
		if v, ok := yamlBool(s); ok {
			return v, nil
		}
		if v, ok := yamlInt(s); ok {
			return v, nil
		}
		if v, ok, err := yamlFloatVal(s); ok || err != nil {
			return v, err
		}
		return cty.StringVal(s), nil
	default:
		return cty.NilVal, fmt.Errorf("yamldecode: line %d: unsupported tag %s", n.Line, n.Tag)
	}
	return cty.NilVal, fmt.Errorf("yamldecode: line %d: %q is not a valid %s", n.Line, s, n.Tag)
}

func yamlBool(s string) (cty.Value, bool) {
	switch s {
	case "true", "True", "TRUE":
		return cty.True, true
	case "false", "False", "FALSE":
		return cty.False, true
	}
	return cty.NilVal, false
}

func yamlInt(s string) (cty.Value, bool) {
	var digits string
	base := 10
	switch {
	case yamlInt10.MatchString(s):
		digits = s
	case yamlInt8.MatchString(s):
		digits, base = s[2:], 8
	case yamlInt16.MatchString(s):
		digits, base = s[2:], 16
	default:
		return cty.NilVal, false
	}
	i, ok := new(big.Int).SetString(digits, base)
	if !ok {
		return cty.NilVal, false
	}
	return cty.NumberVal(new(big.Float).SetInt(i)), true
}

func yamlFloatVal(s string) (cty.Value, bool, error) {
	switch {
	case yamlInf.MatchString(s):
		if s[0] == '-' {
			return cty.NegativeInfinity, true, nil
		}
		return cty.PositiveInfinity, true, nil
	case yamlNaN.MatchString(s):
		return cty.NilVal, false, errors.New("yamldecode: NaN cannot be represented")
	case yamlFloat.MatchString(s):
		f, _, err := big.ParseFloat(s, 10, 512, big.ToNearestEven)
		if err != nil {
			return cty.NilVal, false, nil
		}
		return cty.NumberVal(f), true, nil
	}
	return cty.NilVal, false, nil
}

// yamlEncode writes a wholly known value as a YAML document.
func yamlEncode(v cty.Value) (string, error) {
	n, err := yamlNode(v)
	if err != nil {
		return "", err
	}
	var buf bytes.Buffer
	enc := yaml.NewEncoder(&buf)
	enc.SetIndent(2)
	enc.CompactSeqIndent()
	if err := enc.Encode(n); err != nil {
		return "", fmt.Errorf("yamlencode: %w", err)
	}
	if err := enc.Close(); err != nil {
		return "", fmt.Errorf("yamlencode: %w", err)
	}
	return buf.String(), nil
}

func yamlNode(v cty.Value) (*yaml.Node, error) {
	v, _ = v.UnmarkDeep()
	if v.IsNull() {
		return &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!null", Value: "null"}, nil
	}
	ty := v.Type()
	switch {
	case ty == cty.String:
		return &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!str", Value: v.AsString(), Style: yaml.DoubleQuotedStyle}, nil
	case ty == cty.Bool:
		s := "false"
		if v.True() {
			s = "true"
		}
		return &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!bool", Value: s}, nil
	case ty == cty.Number:
		f := v.AsBigFloat()
		switch {
		case f.IsInf():
			s := ".inf"
			if f.Sign() < 0 {
				s = "-.inf"
			}
			return &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!float", Value: s}, nil
		case f.IsInt():
			return &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!int", Value: f.Text('f', -1)}, nil
		}
		return &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!float", Value: f.Text('g', -1)}, nil
	case ty.IsListType() || ty.IsSetType() || ty.IsTupleType():
		n := &yaml.Node{Kind: yaml.SequenceNode, Tag: "!!seq"}
		for it := v.ElementIterator(); it.Next(); {
			_, ev := it.Element()
			c, err := yamlNode(ev)
			if err != nil {
				return nil, err
			}
			n.Content = append(n.Content, c)
		}
		if len(n.Content) == 0 {
			n.Style = yaml.FlowStyle
		}
		return n, nil
	case ty.IsMapType() || ty.IsObjectType():
		n := &yaml.Node{Kind: yaml.MappingNode, Tag: "!!map"}
		for it := v.ElementIterator(); it.Next(); {
			k, ev := it.Element()
			c, err := yamlNode(ev)
			if err != nil {
				return nil, err
			}
			n.Content = append(n.Content, &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!str", Value: k.AsString(), Style: yaml.DoubleQuotedStyle}, c)
		}
		if len(n.Content) == 0 {
			n.Style = yaml.FlowStyle
		}
		return n, nil
	}
	return nil, fmt.Errorf("yamlencode: cannot encode a value of type %s", ty.FriendlyName())
}
