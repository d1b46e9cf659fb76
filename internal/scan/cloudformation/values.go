package cloudformation

import (
	"slices"
	"sort"
	"strconv"
	"strings"

	"go.yaml.in/yaml/v3"

	"github.com/dbwarden/dbwarden/internal/scan"
)

func kindName(n *yaml.Node) string {
	switch n.Kind {
	case yaml.MappingNode:
		return "mapping"
	case yaml.SequenceNode:
		return "list"
	case yaml.ScalarNode:
		if n.ShortTag() == "!!null" {
			return "null"
		}
		return "scalar"
	case yaml.AliasNode:
		return "alias"
	case yaml.DocumentNode:
		return "document"
	}
	return "node"
}

func isNull(n *yaml.Node) bool {
	return n.Kind == yaml.ScalarNode && n.ShortTag() == "!!null"
}

// lastLine returns the last line a node is written on. Aliases count as
// their own line.
func lastLine(n *yaml.Node) int {
	end := n.Line
	if n.Kind == yaml.ScalarNode && n.Style&(yaml.LiteralStyle|yaml.FoldedStyle) != 0 {
		if body := strings.TrimRight(n.Value, "\n"); body != "" {
			end += strings.Count(body, "\n") + 1
		}
	}
	for _, c := range n.Content {
		end = max(end, lastLine(c))
	}
	return end
}

// markSensitive marks v and everything in it sensitive.
func markSensitive(v *scan.Value) {
	if v == nil || v == noValue {
		return
	}
	v.Sensitive = true
	for _, e := range v.List {
		markSensitive(e)
	}
	for _, e := range v.Map {
		markSensitive(e)
	}
}

// isSensitive reports whether v or anything in it is sensitive.
func isSensitive(v *scan.Value) bool {
	if v == nil {
		return false
	}
	if v.Sensitive {
		return true
	}
	for _, e := range v.List {
		if isSensitive(e) {
			return true
		}
	}
	for _, e := range v.Map {
		if isSensitive(e) {
			return true
		}
	}
	return false
}

// appendRefs adds the Refs of v and everything in it to refs, once each.
func appendRefs(refs []string, v *scan.Value) []string {
	if v == nil {
		return refs
	}
	for _, r := range v.Refs {
		dup := false
		for _, have := range refs {
			if have == r {
				dup = true
				break
			}
		}
		if !dup {
			refs = append(refs, r)
		}
	}
	for _, e := range v.List {
		refs = appendRefs(refs, e)
	}
	for _, k := range v.Keys() {
		refs = appendRefs(refs, v.Map[k])
	}
	return refs
}

// appendVia adds the Via of v and everything in it to via, once each.
func appendVia(via []string, v *scan.Value) []string {
	if v == nil {
		return via
	}
	for _, x := range v.Via {
		if !slices.Contains(via, x) {
			via = append(via, x)
		}
	}
	for _, e := range v.List {
		via = appendVia(via, e)
	}
	for _, k := range v.Keys() {
		via = appendVia(via, v.Map[k])
	}
	return via
}

// cloneValue returns a deep copy of v.
func cloneValue(v *scan.Value) *scan.Value {
	if v == nil {
		return nil
	}
	c := *v
	c.Refs = append([]string(nil), v.Refs...)
	c.Via = append([]string(nil), v.Via...)
	if v.List != nil {
		c.List = make([]*scan.Value, len(v.List))
		for i, e := range v.List {
			c.List[i] = cloneValue(e)
		}
	}
	if v.Map != nil {
		c.Map = make(map[string]*scan.Value, len(v.Map))
		for k, e := range v.Map {
			c.Map[k] = cloneValue(e)
		}
	}
	return &c
}

// canonical renders a known value for comparison the way CloudFormation
// compares: scalars by their string form.
func canonical(v *scan.Value) string {
	var b strings.Builder
	writeCanonical(&b, v)
	return b.String()
}

func writeCanonical(b *strings.Builder, v *scan.Value) {
	switch v.Kind {
	case scan.List:
		b.WriteByte('[')
		for _, e := range v.List {
			writeCanonical(b, e)
			b.WriteByte(',')
		}
		b.WriteByte(']')
	case scan.Map:
		keys := make([]string, 0, len(v.Map))
		for k := range v.Map {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		b.WriteByte('{')
		for _, k := range keys {
			b.WriteString(quote(k))
			b.WriteByte(':')
			writeCanonical(b, v.Map[k])
			b.WriteByte(',')
		}
		b.WriteByte('}')
	case scan.Null:
		b.WriteString("null")
	default:
		s, _ := v.String()
		b.WriteString(quote(s))
	}
}

func quote(s string) string {
	return `"` + strings.NewReplacer(`\`, `\\`, `"`, `\"`).Replace(s) + `"`
}

// plain converts a known value to the Go value encoding/json writes.
func plain(v *scan.Value) any {
	switch v.Kind {
	case scan.List:
		out := make([]any, len(v.List))
		for i, e := range v.List {
			out[i] = plain(e)
		}
		return out
	case scan.Map:
		out := make(map[string]any, len(v.Map))
		for k, e := range v.Map {
			out[k] = plain(e)
		}
		return out
	case scan.Bool:
		return v.Bool
	case scan.Number:
		return v.Num
	case scan.String:
		return v.Str
	}
	return nil
}

// place gives every value in v that has no position the range r.
func place(v *scan.Value, r scan.Range) {
	if v == nil || v == noValue {
		return
	}
	if v.Range.Line == 0 {
		v.Range = r
	}
	for _, e := range v.List {
		place(e, r)
	}
	for _, e := range v.Map {
		place(e, r)
	}
}

// shown quotes s for an error message, unless it came from a NoEcho
// parameter: secrets never reach error text.
func shown(s string, from *scan.Value) string {
	if isSensitive(from) {
		return "(a NoEcho value)"
	}
	return strconv.Quote(s)
}
