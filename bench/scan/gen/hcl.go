package main

import (
	"fmt"
	"strings"
)

// attrs is the ordered body of a Terraform block: each entry is an argument
// (name = value) or, when its name starts with "@", a nested block whose
// value is the block's own body.
type attrs []kv

type kv struct{ k, v string }

// with returns a copy with pairs of (name, value) applied: a name already
// there gets the new value in place, a new name is appended, and the value
// "-" removes the name.
func (a attrs) with(pairs ...string) attrs {
	if len(pairs)%2 != 0 {
		panic("attrs.with: odd number of arguments")
	}
	out := append(attrs(nil), a...)
	for i := 0; i < len(pairs); i += 2 {
		k, v := pairs[i], pairs[i+1]
		at := -1
		for j, e := range out {
			if e.k == k {
				at = j
				break
			}
		}
		switch {
		case v == "-" && at >= 0:
			out = append(out[:at], out[at+1:]...)
		case v == "-":
		case at >= 0:
			out[at].v = v
		default:
			out = append(out, kv{k, v})
		}
	}
	return out
}

// body renders the arguments indented by depth levels.
func (a attrs) body(depth int) string {
	var b strings.Builder
	ind := strings.Repeat("  ", depth)
	for _, e := range a {
		if name, ok := strings.CutPrefix(e.k, "@"); ok {
			name, _, _ = strings.Cut(name, "#") // "@ingress#2": a second ingress block
			fmt.Fprintf(&b, "%s%s {\n", ind, name)
			for _, line := range strings.Split(strings.TrimSpace(e.v), "\n") {
				fmt.Fprintf(&b, "%s  %s\n", ind, strings.TrimSpace(line))
			}
			fmt.Fprintf(&b, "%s}\n", ind)
			continue
		}
		fmt.Fprintf(&b, "%s%s = %s\n", ind, e.k, e.v)
	}
	return b.String()
}

// resource renders a resource block.
func resource(typ, name string, a attrs) string {
	return fmt.Sprintf("resource %q %q {\n%s}\n", typ, name, a.body(1))
}

// q quotes a Terraform string.
func q(s string) string { return fmt.Sprintf("%q", s) }
