// Package yamlval turns parsed YAML and JSON documents into scan values
// that keep the lines they were written on, for the loaders of plain data
// files (IAM policy documents, Compose files). Aliases and merge keys are
// followed, within a budget, so that a document of a few lines cannot
// expand into billions of values.
package yamlval

import (
	"fmt"
	"strconv"

	"github.com/dbwarden/dbwarden/internal/scan"
	"go.yaml.in/yaml/v3"
)

// Limits of a conversion.
const (
	MaxDepth  = 64
	MaxValues = 1 << 20
)

// Options change how a document is converted.
type Options struct {
	// RejectDuplicates makes a key written twice in a mapping an error;
	// otherwise the last one wins, as in YAML loaders that allow it.
	RejectDuplicates bool
}

// Convert converts a node of the file path.
func Convert(path string, n *yaml.Node, opts Options) (*scan.Value, error) {
	c := &converter{path: path, opts: opts, budget: MaxValues}
	return c.value(n, 0)
}

type converter struct {
	path   string
	opts   Options
	budget int
}

func (c *converter) errorf(n *yaml.Node, format string, args ...any) error {
	return fmt.Errorf("%s:%d: %s", c.path, n.Line, fmt.Sprintf(format, args...))
}

func (c *converter) value(n *yaml.Node, depth int) (*scan.Value, error) {
	if depth > MaxDepth {
		return nil, c.errorf(n, "nested more than %d levels", MaxDepth)
	}
	if c.budget--; c.budget < 0 {
		return nil, c.errorf(n, "more than %d values (aliases expanding without end?)", MaxValues)
	}
	rng := scan.Range{File: c.path, Line: n.Line, EndLine: n.Line}
	switch n.Kind {
	case yaml.DocumentNode:
		if len(n.Content) == 0 {
			return &scan.Value{Kind: scan.Null, Range: rng}, nil
		}
		return c.value(n.Content[0], depth+1)
	case yaml.AliasNode:
		if n.Alias == nil {
			return nil, c.errorf(n, "alias to nothing")
		}
		v, err := c.value(n.Alias, depth+1)
		if err != nil {
			return nil, err
		}
		return v, nil
	case yaml.MappingNode:
		v := &scan.Value{Kind: scan.Map, Map: map[string]*scan.Value{}, Range: rng}
		v.Range.EndLine = LastLine(n)
		written := map[string]bool{}
		for i := 0; i+1 < len(n.Content); i += 2 {
			k, e := n.Content[i], n.Content[i+1]
			if k.Kind == yaml.ScalarNode && k.Value == "<<" && k.Tag == "!!merge" {
				if err := c.merge(v, e, depth); err != nil {
					return nil, err
				}
				continue
			}
			if written[k.Value] && c.opts.RejectDuplicates {
				return nil, c.errorf(k, "%q appears twice", k.Value)
			}
			written[k.Value] = true
			ev, err := c.value(e, depth+1)
			if err != nil {
				return nil, err
			}
			v.Map[k.Value] = ev
		}
		return v, nil
	case yaml.SequenceNode:
		v := &scan.Value{Kind: scan.List, Range: rng}
		v.Range.EndLine = LastLine(n)
		for _, e := range n.Content {
			ev, err := c.value(e, depth+1)
			if err != nil {
				return nil, err
			}
			v.List = append(v.List, ev)
		}
		return v, nil
	case yaml.ScalarNode:
		var v *scan.Value
		switch n.Tag {
		case "!!null":
			v = &scan.Value{Kind: scan.Null}
		case "!!bool":
			var b bool
			if err := n.Decode(&b); err != nil {
				v = scan.Str(n.Value)
			} else {
				v = scan.BoolVal(b)
			}
		case "!!int", "!!float":
			f, err := strconv.ParseFloat(n.Value, 64)
			if err != nil {
				v = scan.Str(n.Value)
			} else {
				v = scan.Num(f)
			}
		default:
			v = scan.Str(n.Value)
		}
		v.Range = rng
		return v, nil
	}
	return nil, c.errorf(n, "not a value")
}

// merge adds the keys of a merge key's mapping (or list of mappings) that
// v does not have yet: keys written in the mapping itself win.
func (c *converter) merge(v *scan.Value, n *yaml.Node, depth int) error {
	src, err := c.value(n, depth+1)
	if err != nil {
		return err
	}
	var maps []*scan.Value
	switch src.Kind {
	case scan.Map:
		maps = []*scan.Value{src}
	case scan.List:
		maps = src.List
	default:
		return c.errorf(n, "a merge key takes a mapping or a list of mappings")
	}
	for _, m := range maps {
		if m.Kind != scan.Map {
			return c.errorf(n, "a merge key takes a mapping or a list of mappings")
		}
		for k, e := range m.Map {
			if _, ok := v.Map[k]; !ok {
				v.Map[k] = e
			}
		}
	}
	return nil
}

// LastLine is the last line a node's content reaches.
func LastLine(n *yaml.Node) int {
	last := n.Line
	for _, c := range n.Content {
		if l := LastLine(c); l > last {
			last = l
		}
	}
	return last
}
