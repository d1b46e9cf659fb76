package rules

import (
	"sort"
	"strings"

	"github.com/dbwarden/dbwarden/internal/scan"
)

// Shared helpers for checks. Every check is three-valued: a value that is
// only known when applied gives out.Unknown, never a pass or a failure.

func sortRules(rs []*scan.Rule) {
	sort.Slice(rs, func(i, j int) bool { return rs[i].ID < rs[j].ID })
}

// tfResources returns the Terraform resources (Kind "resource") of types.
func tfResources(p *scan.Project, types ...string) []*scan.Resource {
	return ofKind(p.Of(scan.Terraform, types...), "resource")
}

// cfnResources returns the CloudFormation resources of types.
func cfnResources(p *scan.Project, types ...string) []*scan.Resource {
	return ofKind(p.Of(scan.CloudFormation, types...), "resource")
}

func ofKind(rs []*scan.Resource, kind string) []*scan.Resource {
	out := rs[:0:0]
	for _, r := range rs {
		if r.Kind == kind {
			out = append(out, r)
		}
	}
	return out
}

// wantTrue checks a boolean attribute that must be true; dflt is its value
// when not written. what names the attribute in messages.
func wantTrue(out *scan.Out, r *scan.Resource, v *scan.Value, dflt bool, what string) {
	b, known := v.True(dflt)
	switch {
	case !known:
		out.Unknown(r, v, "%s is only known when applied", what)
	case !b && !v.Set():
		out.Fail(r, v, "%s is not set (defaults to false)", what)
	case !b:
		out.Fail(r, v, "%s is false", what)
	}
}

// wantFalse checks a boolean attribute that must be false.
func wantFalse(out *scan.Out, r *scan.Resource, v *scan.Value, dflt bool, what string) {
	b, known := v.True(dflt)
	switch {
	case !known:
		out.Unknown(r, v, "%s is only known when applied", what)
	case b && !v.Set():
		out.Fail(r, v, "%s is not set (defaults to true)", what)
	case b:
		out.Fail(r, v, "%s is true", what)
	}
}

// atLeast checks a number attribute against a minimum; dflt is its value
// when not written.
func atLeast(out *scan.Out, r *scan.Resource, v *scan.Value, dflt, min float64, what string) {
	if !v.Known() {
		out.Unknown(r, v, "%s is only known when applied", what)
		return
	}
	n := dflt
	if v.Set() {
		var ok bool
		if n, ok = v.Number(); !ok {
			out.Unknown(r, v, "%s is not a number", what)
			return
		}
	}
	if n < min {
		if !v.Set() {
			out.Fail(r, v, "%s is not set (defaults to %g); want at least %g", what, dflt, min)
			return
		}
		out.Fail(r, v, "%s is %g; want at least %g", what, n, min)
	}
}

// wantSet checks that an attribute is written (and not null or empty).
func wantSet(out *scan.Out, r *scan.Resource, v *scan.Value, what string) bool {
	switch {
	case v.Set() && v.Kind == scan.Unknown:
		return true // written; its value is not needed
	case !v.Set():
		out.Fail(r, v, "%s is not set", what)
		return false
	case v.Kind == scan.String && strings.TrimSpace(v.Str) == "":
		out.Fail(r, v, "%s is empty", what)
		return false
	}
	return true
}

// referencedBy returns the resources among rs that refer to target from the
// attribute at path, or name it by a known string equal to one of names.
func referencedBy(rs []*scan.Resource, target *scan.Resource, path []string, names ...string) []*scan.Resource {
	var out []*scan.Resource
	for _, r := range rs {
		v := r.Attr(path...)
		if v.RefersTo(target.Address) {
			out = append(out, r)
			continue
		}
		if s, ok := v.String(); ok {
			for _, n := range names {
				if n != "" && s == n {
					out = append(out, r)
					break
				}
			}
		}
	}
	return out
}
