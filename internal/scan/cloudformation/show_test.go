package cloudformation

import (
	"fmt"
	"sort"
	"strings"

	"github.com/dbwarden/dbwarden/internal/scan"
)

// show renders a value compactly: strings quoted, @line, refs and sensitivity.
func show(v *scan.Value) string {
	if v == nil {
		return "<nil>"
	}
	var s string
	switch v.Kind {
	case scan.Map:
		keys := v.Keys()
		sort.Strings(keys)
		parts := make([]string, len(keys))
		for i, k := range keys {
			parts[i] = k + ": " + show(v.Map[k])
		}
		s = "{" + strings.Join(parts, ", ") + "}"
	case scan.List:
		parts := make([]string, len(v.List))
		for i, e := range v.List {
			parts[i] = show(e)
		}
		s = "[" + strings.Join(parts, ", ") + "]"
	case scan.String:
		s = fmt.Sprintf("%q", v.Str)
	case scan.Bool:
		s = fmt.Sprint(v.Bool)
	case scan.Null:
		s = "null"
	case scan.Unknown:
		s = "?"
	default:
		s = v.Kind.String()
	}
	if v.Range.Line > 0 {
		s += fmt.Sprintf("@%d", v.Range.Line)
	}
	if len(v.Refs) > 0 {
		s += "<" + strings.Join(v.Refs, ",") + ">"
	}
	if v.Sensitive {
		s += "!"
	}
	return s
}
