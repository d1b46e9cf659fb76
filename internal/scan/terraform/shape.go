package terraform

import (
	"strings"

	"github.com/dbwarden/dbwarden/internal/scan"
	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hclsyntax"
	"github.com/zclconf/go-cty/cty"
	"github.com/zclconf/go-cty/cty/convert"
)

// What an Unknown string is known to look like travels with it as a mark,
// so that it follows the value through locals, variables and module
// outputs the way references do:
//
//   - patternMark is the known parts of a string built from known and
//     unknown parts, each unknown part written as "*": the template
//     "arn:aws:iam::${data.aws_caller_identity.c.account_id}:root" gives
//     "arn:aws:iam::*:root".
//   - docMark is the argument of a jsonencode call whose argument is not
//     wholly known, so that a rule reading a policy still sees its known
//     statements.
//
// Both describe one exact value; an expression that derives something else
// from it (any other function, a template around it) drops them.

type patternMark string

type docMark struct {
	val  cty.Value
	expr hcl.Expression
}

// shapeMark reports whether m is a patternMark or a docMark.
func shapeMark(m any) bool {
	switch m.(type) {
	case patternMark, *docMark:
		return true
	}
	return false
}

// dropShape removes the shape marks of v, keeping its other marks.
func dropShape(v cty.Value) cty.Value {
	if !v.IsMarked() {
		return v
	}
	u, marks := v.Unmark()
	keep := make(cty.ValueMarks, len(marks))
	for m := range marks {
		if !shapeMark(m) {
			keep[m] = struct{}{}
		}
	}
	return u.WithMarks(keep)
}

// shapeOf returns the single pattern and document v carries, if any; two
// different ones (a conditional between two templates) are none.
func shapeOf(v cty.Value) (pattern string, doc *docMark) {
	if !v.IsMarked() {
		return "", nil
	}
	np, nd := 0, 0
	for m := range v.Marks() {
		switch m := m.(type) {
		case patternMark:
			pattern = string(m)
			np++
		case *docMark:
			doc = m
			nd++
		}
	}
	if np != 1 {
		pattern = ""
	}
	if nd != 1 {
		doc = nil
	}
	return pattern, doc
}

// maxShapeDepth bounds how deep annotate walks an expression.
const maxShapeDepth = 32

// annotate gives the unknown strings of v, the value of expr in ctx, their
// shape marks: it walks literal tuples and objects alongside the value and
// marks the templates, format, join, replace and jsonencode calls it finds
// whose result is unknown, also inside for expressions over known
// collections.
func annotate(v cty.Value, expr hcl.Expression, ctx *hcl.EvalContext, depth int) cty.Value {
	if depth > maxShapeDepth || v == cty.NilVal || v.IsWhollyKnown() {
		return v
	}
	switch e := expr.(type) {
	case *hclsyntax.ParenthesesExpr:
		return annotate(v, e.Expression, ctx, depth+1)
	case *hclsyntax.TemplateWrapExpr:
		return annotate(v, e.Wrapped, ctx, depth+1)
	case *hclsyntax.TupleConsExpr:
		u, marks := v.Unmark()
		if !u.IsKnown() || u.IsNull() || !u.Type().IsTupleType() || u.LengthInt() != len(e.Exprs) {
			return v
		}
		elems := u.AsValueSlice()
		for i, el := range elems {
			elems[i] = annotate(el, e.Exprs[i], ctx, depth+1)
		}
		return cty.TupleVal(elems).WithMarks(marks)
	case *hclsyntax.ObjectConsExpr:
		u, marks := v.Unmark()
		if !u.IsKnown() || u.IsNull() || !u.Type().IsObjectType() {
			return v
		}
		items := objectItems(e)
		attrs := u.AsValueMap()
		for k, el := range attrs {
			if x, ok := items[k]; ok {
				attrs[k] = annotate(el, x, ctx, depth+1)
			}
		}
		return cty.ObjectVal(attrs).WithMarks(marks)
	case *hclsyntax.TemplateExpr:
		if v.IsKnown() {
			return v
		}
		var b strings.Builder
		for _, part := range e.Parts {
			pv, ds := part.Value(ctx)
			if ds.HasErrors() {
				return dropShape(v)
			}
			b.WriteString(piece(annotate(pv, part, ctx, depth+1)))
		}
		return withPattern(v, b.String())
	case *hclsyntax.FunctionCallExpr:
		return annotateCall(v, e, ctx, depth)
	case *hclsyntax.ForExpr:
		return annotateFor(v, e, ctx, depth)
	case *hclsyntax.ScopeTraversalExpr, *hclsyntax.RelativeTraversalExpr, *hclsyntax.IndexExpr,
		*hclsyntax.ConditionalExpr, *hclsyntax.SplatExpr:
		return v // the same value as what it reads: its marks stay true
	}
	return v
}

// annotateFor annotates the elements a for expression over a known
// collection produced, each with its element's iteration variables.
func annotateFor(v cty.Value, e *hclsyntax.ForExpr, ctx *hcl.EvalContext, depth int) cty.Value {
	u, marks := v.Unmark()
	if e.Group || !u.IsKnown() || u.IsNull() {
		return v
	}
	isObj := e.KeyExpr != nil
	if (isObj && !u.Type().IsObjectType()) || (!isObj && !u.Type().IsTupleType()) {
		return v
	}
	coll, ds := e.CollExpr.Value(ctx)
	if ds.HasErrors() {
		return v
	}
	coll, _ = coll.Unmark()
	if !coll.IsKnown() || coll.IsNull() || !coll.CanIterateElements() {
		return v
	}
	known := func(expr hcl.Expression, child *hcl.EvalContext, ty cty.Type) (cty.Value, bool) {
		x, ds := expr.Value(child)
		if ds.HasErrors() {
			return cty.NilVal, false
		}
		x, _ = x.UnmarkDeep()
		x, err := convert.Convert(x, ty)
		if err != nil || !x.IsKnown() || x.IsNull() {
			return cty.NilVal, false
		}
		return x, true
	}
	var elems []cty.Value
	var attrs map[string]cty.Value
	if isObj {
		attrs = u.AsValueMap()
	} else {
		elems = u.AsValueSlice()
	}
	n := 0
	for it := coll.ElementIterator(); it.Next(); {
		k, el := it.Element()
		child := ctx.NewChild()
		child.Variables = map[string]cty.Value{e.ValVar: el}
		if e.KeyVar != "" {
			child.Variables[e.KeyVar] = k
		}
		if e.CondExpr != nil {
			c, ok := known(e.CondExpr, child, cty.Bool)
			if !ok {
				return v
			}
			if c.False() {
				continue
			}
		}
		if isObj {
			key, ok := known(e.KeyExpr, child, cty.String)
			if !ok {
				return v
			}
			if cur, ok := attrs[key.AsString()]; ok {
				attrs[key.AsString()] = annotate(cur, e.ValExpr, child, depth+1)
			}
			continue
		}
		if n >= len(elems) {
			return v
		}
		elems[n] = annotate(elems[n], e.ValExpr, child, depth+1)
		n++
	}
	if isObj {
		return cty.ObjectVal(attrs).WithMarks(marks)
	}
	if n != len(elems) {
		return v
	}
	return cty.TupleVal(elems).WithMarks(marks)
}

// annotateCall marks the result of the functions whose result's shape can
// be told from their arguments, and drops the shape marks that the
// arguments passed on to the result of any other.
func annotateCall(v cty.Value, e *hclsyntax.FunctionCallExpr, ctx *hcl.EvalContext, depth int) cty.Value {
	if v.IsKnown() || e.ExpandFinal {
		return dropShape(v)
	}
	arg := func(i int) (cty.Value, bool) {
		av, ds := e.Args[i].Value(ctx)
		if ds.HasErrors() {
			return cty.NilVal, false
		}
		return annotate(av, e.Args[i], ctx, depth+1), true
	}
	knownStr := func(i int) (string, bool) {
		av, ok := arg(i)
		if !ok {
			return "", false
		}
		av, _ = av.UnmarkDeep()
		if !av.IsKnown() || av.IsNull() {
			return "", false
		}
		s, err := convert.Convert(av, cty.String)
		if err != nil {
			return "", false
		}
		return s.AsString(), true
	}
	switch e.Name {
	case "templatefile":
		return v // its pattern, if any, was made when the template was read
	case "base64encode":
		// What is known of the text is kept, for rules that read user data.
		if len(e.Args) != 1 {
			break
		}
		av, ok := arg(0)
		if !ok {
			break
		}
		if p := piece(av); strings.Trim(p, "*") != "" {
			return dropShape(v).Mark(patternMark(scan.Base64Pattern + p))
		}
	case "jsonencode":
		if len(e.Args) != 1 {
			break
		}
		av, ok := arg(0)
		if !ok {
			break
		}
		u := dropShape(v)
		return u.Mark(&docMark{val: av, expr: e.Args[0]})
	case "format":
		if len(e.Args) == 0 {
			break
		}
		f, ok := knownStr(0)
		if !ok {
			break
		}
		var pieces []string
		for i := 1; i < len(e.Args); i++ {
			av, ok := arg(i)
			if !ok {
				return dropShape(v)
			}
			pieces = append(pieces, piece(av))
		}
		if p, ok := formatPattern(f, pieces); ok {
			return withPattern(v, p)
		}
	case "join":
		if len(e.Args) < 2 {
			break
		}
		sep, ok := knownStr(0)
		if !ok {
			break
		}
		var pieces []string
		for i := 1; i < len(e.Args); i++ {
			av, ok := arg(i)
			if !ok {
				return dropShape(v)
			}
			u, _ := av.Unmark()
			if !u.IsKnown() || u.IsNull() || !u.CanIterateElements() {
				return dropShape(v)
			}
			for it := u.ElementIterator(); it.Next(); {
				_, el := it.Element()
				pieces = append(pieces, piece(el))
			}
		}
		return withPattern(v, strings.Join(pieces, sep))
	case "replace":
		if len(e.Args) != 3 {
			break
		}
		sub, ok1 := knownStr(1)
		repl, ok2 := knownStr(2)
		s, ok3 := arg(0)
		if !ok1 || !ok2 || !ok3 || sub == "" || (strings.HasPrefix(sub, "/") && strings.HasSuffix(sub, "/")) {
			break
		}
		segs := strings.Split(piece(s), "*")
		for i := range segs {
			segs[i] = strings.ReplaceAll(segs[i], sub, repl)
		}
		return withPattern(v, strings.Join(segs, "*"))
	}
	return dropShape(v)
}

// piece is a template part as a pattern: a known scalar as its string, an
// unknown string as its pattern or "*".
func piece(v cty.Value) string {
	u, _ := v.UnmarkDeep()
	if u.IsKnown() && !u.IsNull() {
		if s, err := convert.Convert(u, cty.String); err == nil && s.IsKnown() && !s.IsNull() {
			return s.AsString()
		}
		return "*"
	}
	if p, _ := shapeOf(v); p != "" {
		return p
	}
	return "*"
}

// withPattern replaces the shape marks of v with the pattern p, unless p
// holds nothing but wildcards.
func withPattern(v cty.Value, p string) cty.Value {
	v = dropShape(v)
	if strings.Trim(p, "*") == "" {
		return v
	}
	return v.Mark(patternMark(p))
}

// formatPattern applies a format string's %s, %d, %v and %% verbs to
// pieces; other verbs, flags and widths make it give up.
func formatPattern(f string, pieces []string) (string, bool) {
	var b strings.Builder
	n := 0
	for i := 0; i < len(f); i++ {
		c := f[i]
		if c != '%' {
			b.WriteByte(c)
			continue
		}
		if i+1 >= len(f) {
			return "", false
		}
		i++
		switch f[i] {
		case '%':
			b.WriteByte('%')
		case 's', 'd', 'v':
			if n >= len(pieces) {
				return "", false
			}
			b.WriteString(pieces[n])
			n++
		default:
			return "", false
		}
	}
	return b.String(), true
}
