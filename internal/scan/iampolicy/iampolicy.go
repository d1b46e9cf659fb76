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

	"github.com/dbwarden/dbwarden/internal/scan"
	"github.com/dbwarden/dbwarden/internal/scan/yamlval"
	"go.yaml.in/yaml/v3"
)

// Type is the resource type of every document.
const Type = "policy_document"

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
	v, err := yamlval.Convert(path, root, yamlval.Options{RejectDuplicates: true})
	if err != nil {
		return err
	}
	if v.Map["Statement"] == nil {
		// A statement on its own, as the seeds show them.
		v = &scan.Value{Kind: scan.Map, Range: v.Range, Map: map[string]*scan.Value{
			"Statement": {Kind: scan.List, Range: v.Range, List: []*scan.Value{v}},
		}}
	}
	end := yamlval.LastLine(root)
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
