// Package iampolicy loads IAM policy documents kept as JSON files, the form
// the aws CLI takes them in (aws iam put-role-policy --policy-document
// file://policy.json, create-role --assume-role-policy-document) and the
// seeds write them in: a document with a Statement, or a single statement.
package iampolicy

import (
	"bytes"
	"encoding/json"
	"fmt"
	"path/filepath"
	"strconv"

	"github.com/dbwarden/dbwarden/internal/scan"
	"go.yaml.in/yaml/v3"
)

// Type is the resource type of every document.
const Type = "policy_document"

// maxDepth bounds nesting: a policy is a few levels deep.
const maxDepth = 32

// Detect reports whether src, a .json file, is a policy document: an
// object with a Statement, or a statement (Effect and Action or
// NotAction) on its own.
func Detect(src []byte) bool {
	if !bytes.Contains(src, []byte("Statement")) && !bytes.Contains(src, []byte("Effect")) {
		return false
	}
	var top map[string]json.RawMessage
	if err := json.Unmarshal(src, &top); err != nil {
		return false
	}
	return isDocument(top) || isStatement(top)
}

func isDocument(top map[string]json.RawMessage) bool {
	_, ok := top["Statement"]
	return ok
}

func isStatement(top map[string]json.RawMessage) bool {
	_, effect := top["Effect"]
	_, action := top["Action"]
	_, notAction := top["NotAction"]
	return effect && (action || notAction)
}

// Load adds the document in src, read from path, to p. A single statement
// is loaded as a document holding it.
func Load(p *scan.Project, path string, src []byte) error {
	path = filepath.ToSlash(path)
	var doc yaml.Node
	if err := yaml.Unmarshal(src, &doc); err != nil {
		return fmt.Errorf("%s: not a JSON policy document: %v", path, err)
	}
	if doc.Kind != yaml.DocumentNode || len(doc.Content) != 1 || doc.Content[0].Kind != yaml.MappingNode {
		return fmt.Errorf("%s: a policy document is a JSON object", path)
	}
	root := doc.Content[0]
	v, err := toValue(path, root, 0)
	if err != nil {
		return err
	}
	if v.Map["Statement"] == nil {
		// A statement on its own, as the seeds show them.
		v = &scan.Value{Kind: scan.Map, Range: v.Range, Map: map[string]*scan.Value{
			"Statement": {Kind: scan.List, Range: v.Range, List: []*scan.Value{v}},
		}}
	}
	end := lastLine(root)
	if i := bytes.LastIndexByte(src, '}'); i >= 0 {
		end = max(end, bytes.Count(src[:i], []byte("\n"))+1) // the closing brace
	}
	p.AddFile(path, src)
	p.Add(&scan.Resource{
		Lang:    scan.IAMPolicy,
		Kind:    "document",
		Type:    Type,
		Address: filepath.Base(path),
		Attrs:   &scan.Value{Kind: scan.Map, Map: map[string]*scan.Value{"Document": v}, Range: v.Range},
		Range:   scan.Range{File: path, Line: root.Line, EndLine: end},
		Dir:     filepath.ToSlash(filepath.Dir(path)),
	})
	return nil
}

// toValue converts a JSON node, keeping its line.
func toValue(path string, n *yaml.Node, depth int) (*scan.Value, error) {
	if depth > maxDepth {
		return nil, fmt.Errorf("%s:%d: nested more than %d levels", path, n.Line, maxDepth)
	}
	rng := scan.Range{File: path, Line: n.Line, EndLine: n.Line}
	switch n.Kind {
	case yaml.MappingNode:
		v := &scan.Value{Kind: scan.Map, Map: map[string]*scan.Value{}, Range: rng}
		v.Range.EndLine = lastLine(n)
		for i := 0; i+1 < len(n.Content); i += 2 {
			k := n.Content[i]
			if _, dup := v.Map[k.Value]; dup {
				return nil, fmt.Errorf("%s:%d: %q appears twice", path, k.Line, k.Value)
			}
			e, err := toValue(path, n.Content[i+1], depth+1)
			if err != nil {
				return nil, err
			}
			v.Map[k.Value] = e
		}
		return v, nil
	case yaml.SequenceNode:
		v := &scan.Value{Kind: scan.List, Range: rng}
		v.Range.EndLine = lastLine(n)
		for _, c := range n.Content {
			e, err := toValue(path, c, depth+1)
			if err != nil {
				return nil, err
			}
			v.List = append(v.List, e)
		}
		return v, nil
	case yaml.ScalarNode:
		var v *scan.Value
		switch n.Tag {
		case "!!null":
			v = &scan.Value{Kind: scan.Null}
		case "!!bool":
			v = scan.BoolVal(n.Value == "true")
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
	return nil, fmt.Errorf("%s:%d: not JSON", path, n.Line)
}

// lastLine is the last line a node's content reaches.
func lastLine(n *yaml.Node) int {
	last := n.Line
	for _, c := range n.Content {
		if l := lastLine(c); l > last {
			last = l
		}
	}
	return last
}
