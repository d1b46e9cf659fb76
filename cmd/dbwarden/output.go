package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"sort"
	"strconv"
	"strings"
	"text/tabwriter"
)

// toGeneric turns a response into plain JSON values (maps, slices,
// json.Number, strings, bools, nil) for querying and printing, and notes
// the order in which keys first appear, for table columns.
func toGeneric(v any) (any, error) {
	b, err := json.Marshal(v)
	if err != nil {
		return nil, fmt.Errorf("encode output: %w", err)
	}
	keyOrder = keyRanks(b)
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	var g any
	if err := dec.Decode(&g); err != nil {
		return nil, fmt.Errorf("encode output: %w", err)
	}
	return g, nil
}

// applyQuery evaluates a small subset of JMESPath, enough for the aws CLI
// habits: Field, Field.Sub, List[0], List[] and List[].Field.
func applyQuery(v any, q string) (any, error) {
	q = strings.TrimSpace(q)
	if q == "" || q == "@" {
		return v, nil
	}
	segs, err := parseQuery(q)
	if err != nil {
		return nil, err
	}
	return evalQuery(v, segs), nil
}

type querySeg struct {
	field   string
	index   int
	isIndex bool
	project bool // []
}

func parseQuery(q string) ([]querySeg, error) {
	var segs []querySeg
	for i := 0; i < len(q); {
		switch c := q[i]; {
		case c == '.':
			if i == 0 || i == len(q)-1 {
				return nil, fmt.Errorf("--query %q: a dot must join two fields", q)
			}
			i++
		case c == '[':
			j := strings.IndexByte(q[i:], ']')
			if j < 0 {
				return nil, fmt.Errorf("--query %q: unclosed [", q)
			}
			inner := q[i+1 : i+j]
			if inner == "" || inner == "*" {
				segs = append(segs, querySeg{project: true})
			} else {
				n, err := strconv.Atoi(inner)
				if err != nil {
					return nil, fmt.Errorf("--query %q: [%s] is not an index; this --query supports Field, Field.Sub, List[N] and List[].Field", q, inner)
				}
				segs = append(segs, querySeg{index: n, isIndex: true})
			}
			i += j + 1
		case isFieldByte(c):
			j := i
			for j < len(q) && isFieldByte(q[j]) {
				j++
			}
			segs = append(segs, querySeg{field: q[i:j]})
			i = j
		default:
			return nil, fmt.Errorf("--query %q: unexpected %q; this --query supports Field, Field.Sub, List[N] and List[].Field", q, c)
		}
	}
	return segs, nil
}

func isFieldByte(c byte) bool {
	return c == '_' || c == '-' || '0' <= c && c <= '9' || 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z'
}

func evalQuery(v any, segs []querySeg) any {
	for i, s := range segs {
		switch {
		case s.project:
			list, ok := v.([]any)
			if !ok {
				return nil
			}
			out := []any{}
			for _, e := range list {
				if r := evalQuery(e, segs[i+1:]); r != nil {
					out = append(out, r)
				}
			}
			return out
		case s.isIndex:
			list, ok := v.([]any)
			if !ok {
				return nil
			}
			n := s.index
			if n < 0 {
				n += len(list)
			}
			if n < 0 || n >= len(list) {
				return nil
			}
			v = list[n]
		default:
			m, ok := v.(map[string]any)
			if !ok {
				return nil
			}
			v = m[s.field]
		}
	}
	return v
}

// printValue writes v in the given format: json (indented like the aws CLI),
// text (tab-separated, scalars raw) or table.
func printValue(w io.Writer, v any, format string) error {
	switch format {
	case "json":
		enc := json.NewEncoder(w)
		enc.SetIndent("", "    ")
		enc.SetEscapeHTML(false) // a password with <, > or & prints as it is
		return enc.Encode(v)
	case "text":
		return printText(w, v)
	case "table":
		return printTable(w, v)
	}
	return fmt.Errorf("unknown output format %q: use json, text or table", format)
}

// cell is scalar for a table cell or a text field: a list of scalars, such
// as VersionStages, prints as its items joined by commas.
func cell(v any) (string, bool) {
	if list, ok := v.([]any); ok {
		items := make([]string, 0, len(list))
		for _, e := range list {
			s, ok := scalar(e)
			if !ok {
				return "", false
			}
			items = append(items, s)
		}
		return strings.Join(items, ","), true
	}
	return scalar(v)
}

func scalar(v any) (string, bool) {
	switch x := v.(type) {
	case nil:
		return "None", true
	case string:
		return x, true
	case json.Number:
		return x.String(), true
	case bool:
		if x {
			return "True", true
		}
		return "False", true
	}
	return "", false
}

// keyOrder ranks keys by their first appearance in the last response, so
// that table columns follow the response's field order.
var keyOrder = map[string]int{}

// keyRanks returns the keys of a JSON document ranked by first appearance.
func keyRanks(b []byte) map[string]int {
	type frame struct{ object, wantKey bool }
	ranks := map[string]int{}
	var stack []frame
	valueDone := func() {
		if n := len(stack); n > 0 && stack[n-1].object {
			stack[n-1].wantKey = true
		}
	}
	dec := json.NewDecoder(bytes.NewReader(b))
	for {
		t, err := dec.Token()
		if err != nil {
			return ranks
		}
		switch x := t.(type) {
		case json.Delim:
			if x == '{' || x == '[' {
				stack = append(stack, frame{object: x == '{', wantKey: x == '{'})
				continue
			}
			stack = stack[:len(stack)-1]
			valueDone()
		case string:
			if n := len(stack); n > 0 && stack[n-1].object && stack[n-1].wantKey {
				if _, ok := ranks[x]; !ok {
					ranks[x] = len(ranks)
				}
				stack[n-1].wantKey = false
				continue
			}
			valueDone()
		default:
			valueDone()
		}
	}
}

func sortedKeys(m map[string]any) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

func printText(w io.Writer, v any) error {
	if s, ok := scalar(v); ok {
		_, err := fmt.Fprintln(w, s)
		return err
	}
	switch x := v.(type) {
	case []any:
		var line []string
		for _, e := range x {
			if s, ok := scalar(e); ok {
				line = append(line, s)
				continue
			}
			if err := printText(w, e); err != nil {
				return err
			}
		}
		if len(line) > 0 {
			_, err := fmt.Fprintln(w, strings.Join(line, "\t"))
			return err
		}
	case map[string]any:
		var line []string
		var nested []string
		for _, k := range sortedKeys(x) {
			if s, ok := scalar(x[k]); ok {
				line = append(line, s)
			} else {
				nested = append(nested, k)
			}
		}
		if len(line) > 0 {
			if _, err := fmt.Fprintln(w, strings.Join(line, "\t")); err != nil {
				return err
			}
		}
		for _, k := range nested {
			if m, ok := x[k].(map[string]any); ok {
				// Maps of lists, like VersionIdsToStages, print a line per key.
				for _, mk := range sortedKeys(m) {
					if s, ok := scalar(m[mk]); ok {
						fmt.Fprintf(w, "%s\t%s\t%s\n", strings.ToUpper(k), mk, s)
						continue
					}
					vals := []string{strings.ToUpper(k), mk}
					if l, ok := m[mk].([]any); ok {
						for _, e := range l {
							s, _ := scalar(e)
							vals = append(vals, s)
						}
					}
					fmt.Fprintln(w, strings.Join(vals, "\t"))
				}
				continue
			}
			if err := printText(w, x[k]); err != nil {
				return err
			}
		}
	}
	return nil
}

func printTable(w io.Writer, v any) error {
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	switch x := v.(type) {
	case []any:
		if len(x) > 0 {
			if _, ok := x[0].(map[string]any); ok {
				cols := map[string]bool{}
				for _, e := range x {
					if m, ok := e.(map[string]any); ok {
						for k, val := range m {
							if _, ok := cell(val); ok {
								cols[k] = true
							}
						}
					}
				}
				var names []string
				for k := range cols {
					names = append(names, k)
				}
				sort.SliceStable(names, func(i, j int) bool { return keyOrder[names[i]] < keyOrder[names[j]] })
				fmt.Fprintln(tw, strings.Join(names, "\t"))
				for _, e := range x {
					m, _ := e.(map[string]any)
					var row []string
					for _, k := range names {
						s, ok := cell(m[k])
						if !ok || m[k] == nil {
							s = ""
						}
						row = append(row, s)
					}
					fmt.Fprintln(tw, strings.Join(row, "\t"))
				}
				return tw.Flush()
			}
		}
		for _, e := range x {
			s, ok := scalar(e)
			if !ok {
				b, _ := json.Marshal(e)
				s = string(b)
			}
			fmt.Fprintln(tw, s)
		}
	case map[string]any:
		for _, k := range sortedKeys(x) {
			if list, ok := x[k].([]any); ok && len(list) > 0 {
				if _, isMap := list[0].(map[string]any); isMap {
					fmt.Fprintf(tw, "%s\t\n", k)
					tw.Flush()
					if err := printTable(w, list); err != nil {
						return err
					}
					continue
				}
			}
			s, ok := scalar(x[k])
			if !ok {
				b, _ := json.Marshal(x[k])
				s = string(b)
			}
			fmt.Fprintf(tw, "%s\t%s\n", k, s)
		}
	default:
		s, _ := scalar(v)
		fmt.Fprintln(tw, s)
	}
	return tw.Flush()
}
