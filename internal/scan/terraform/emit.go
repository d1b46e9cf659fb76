package terraform

import (
	"sort"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hclsyntax"
	"github.com/zclconf/go-cty/cty"

	"github.com/dbwarden/dbwarden/internal/scan"
)

// emitAll adds the instance's resources to the project, then those of the
// module instances it calls.
func (in *inst) emitAll() {
	cfg := in.cfg
	dir := displayDir(cfg.dir)
	// Every resource of a root module and of the modules it calls is in
	// the root module's scope.
	rootDir := displayDir(in.root().cfg.dir)
	add := func(kind, typ, addr string, attrs *scan.Value, rng scan.Range) {
		in.l.p.Add(&scan.Resource{
			Lang: scan.Terraform, Kind: kind, Type: typ, Address: addr,
			Attrs: attrs, Range: rng, Module: in.path, Dir: dir, Scope: rootDir,
		})
	}
	pre := in.prefix()
	if in.parent == nil {
		rng := scan.Range{File: cfg.firstFile, Line: 1}
		if cfg.firstFile != "" {
			add("module_dir", "terraform_module", dir, mapValue(rng, map[string]*scan.Value{}), rng)
		}
		for _, b := range cfg.backends {
			body := in.evalBody(b.body, &scope{}, nil)
			add("backend", b.typ, "backend."+b.typ, body.toValue(b.rng), b.rng)
		}
	}
	for _, b := range cfg.providers {
		addr := pre + "provider." + b.typ
		if b.alias != "" {
			addr += "." + b.alias
		}
		body := in.evalBody(b.body, &scope{}, nil)
		add("provider", b.typ, addr, body.toValue(b.rng), b.rng)
	}
	for _, d := range cfg.varOrder {
		v, _ := in.variable(d.name)
		m := in.vars[d.name]
		attrs := map[string]*scan.Value{
			"sensitive": withRange(scan.BoolVal(d.sensitive), d.rng),
			"value":     dropVia(toValue(v, nil, m.rng, false), "var."+d.name),
		}
		if d.def != nil {
			def := in.eval(d.def, nil)
			attrs["default"] = toValue(def, d.def, d.rng, d.sensitive)
		}
		if d.typeSrc != "" {
			attrs["type"] = withRange(scan.Str(d.typeSrc), d.rng)
		}
		add("variable", "variable", pre+"var."+d.name, mapValue(d.rng, attrs), d.rng)
	}
	for _, d := range cfg.locOrder {
		v, _ := in.local(d.name)
		add("locals", "locals", pre+"local."+d.name, mapValue(d.rng, map[string]*scan.Value{
			"value": dropVia(toValue(v, d.expr, d.rng, false), "local."+d.name),
		}), d.rng)
	}
	for _, d := range cfg.resOrder {
		rs := in.resource(d.key)
		for _, ri := range rs.insts {
			add(d.mode, d.typ, ri.addr, ri.body.toValue(d.rng), d.rng)
		}
	}
	for _, d := range cfg.calls {
		cs := in.call(d.name)
		for _, k := range cs.keys {
			attrs := map[string]*scan.Value{}
			if d.srcAttr != nil {
				attrs["source"] = toValue(cty.StringVal(d.source), d.srcAttr.Expr, d.rng, false)
			}
			if d.version != nil {
				attrs["version"] = toValue(in.eval(d.version, nil), d.version, d.rng, false)
			}
			for _, a := range d.inputs {
				attrs[a.Name] = toValue(in.eval(a.Expr, k.sc), a.Expr, d.rng, false)
			}
			add("module", "module", cs.addr+k.suffix, mapValue(d.rng, attrs), d.rng)
		}
	}
	for _, d := range cfg.outOrder {
		v, _ := in.output(d.name)
		add("output", "output", pre+"output."+d.name, mapValue(d.rng, map[string]*scan.Value{
			"value":     toValue(v, d.expr, d.rng, false),
			"sensitive": withRange(scan.BoolVal(d.sensitive), d.rng),
		}), d.rng)
	}
	for _, d := range cfg.calls {
		for _, c := range in.call(d.name).children {
			c.emitAll()
		}
	}
}

// dropVia removes from v's Via the thing v is the value of: a variable's
// value is not read from the variable itself.
func dropVia(v *scan.Value, self string) *scan.Value {
	n := 0
	for _, x := range v.Via {
		if x != self {
			v.Via[n] = x
			n++
		}
	}
	if n == 0 {
		v.Via = nil
	} else {
		v.Via = v.Via[:n]
	}
	return v
}

func withRange(v *scan.Value, rng scan.Range) *scan.Value {
	v.Range = rng
	return v
}

func mapValue(rng scan.Range, m map[string]*scan.Value) *scan.Value {
	return &scan.Value{Kind: scan.Map, Map: m, Range: rng}
}

// toValue converts an evaluated body: attributes by name, nested blocks as
// lists of maps by block type, in source order.
func (b *evBody) toValue(rng scan.Range) *scan.Value {
	m := make(map[string]*scan.Value, len(b.attrs)+len(b.blocks))
	for _, nb := range b.blocks {
		bv := nb.body.toValue(nb.rng)
		if l := m[nb.typ]; l != nil {
			l.List = append(l.List, bv)
			if nb.rng.EndLine > l.Range.EndLine {
				l.Range.EndLine = nb.rng.EndLine
			}
			continue
		}
		m[nb.typ] = &scan.Value{Kind: scan.List, List: []*scan.Value{bv}, Range: nb.rng}
	}
	for _, a := range b.attrs {
		m[a.name] = toValue(a.val, a.expr, a.rng, false)
	}
	return mapValue(rng, m)
}

// toValue converts a cty value. expr, when it is a literal tuple or object,
// gives the elements their own positions; otherwise they take rng. Marks
// become Refs and Sensitive; sensitivity is inherited by the elements.
func toValue(v cty.Value, expr hcl.Expression, rng scan.Range, sensitive bool) *scan.Value {
	return toValueDepth(v, expr, rng, sensitive, 0)
}

func toValueDepth(v cty.Value, expr hcl.Expression, rng scan.Range, sensitive bool, depth int) *scan.Value {
	if expr != nil {
		rng = hclRange(expr.Range())
	}
	out := &scan.Value{Range: rng}
	if v == cty.NilVal {
		out.Kind = scan.Unknown
		return out
	}
	pattern, doc := shapeOf(v)
	v, marks := v.Unmark()
	for m := range marks {
		switch m := m.(type) {
		case refMark:
			out.Refs = append(out.Refs, string(m))
		case viaMark:
			out.Via = append(out.Via, string(m))
		case sensitiveMark:
			sensitive = true
		}
	}
	sort.Strings(out.Refs)
	sort.Strings(out.Via)
	out.Sensitive = sensitive
	switch {
	case !v.IsKnown() && doc != nil && depth < maxShapeDepth:
		// jsonencode of something not wholly known: its structure, with
		// the unknown leaves Unknown.
		d := toValueDepth(doc.val, doc.expr, rng, sensitive, depth+1)
		d.Range = out.Range
		d.Refs = mergeSorted(d.Refs, out.Refs)
		d.Via = mergeSorted(d.Via, out.Via)
		d.Sensitive = d.Sensitive || sensitive
		return d
	case !v.IsKnown():
		out.Kind = scan.Unknown
		if ty := v.Type(); ty == cty.String || ty == cty.DynamicPseudoType {
			out.Pattern = pattern
		}
		return out
	case v.IsNull():
		out.Kind = scan.Null
		return out
	}
	ty := v.Type()
	switch {
	case ty == cty.String:
		out.Kind, out.Str = scan.String, v.AsString()
	case ty == cty.Number:
		out.Kind = scan.Number
		out.Num, _ = v.AsBigFloat().Float64()
	case ty == cty.Bool:
		out.Kind, out.Bool = scan.Bool, v.True()
	case ty.IsListType() || ty.IsTupleType() || ty.IsSetType():
		out.Kind = scan.List
		var elems []hclsyntax.Expression
		if t, ok := expr.(*hclsyntax.TupleConsExpr); ok && !ty.IsSetType() && len(t.Exprs) == v.LengthInt() {
			elems = t.Exprs
		}
		out.List = make([]*scan.Value, 0, v.LengthInt())
		i := 0
		for it := v.ElementIterator(); it.Next(); i++ {
			_, e := it.Element()
			var ex hcl.Expression
			if elems != nil {
				ex = elems[i]
			}
			out.List = append(out.List, toValueDepth(e, ex, rng, sensitive, depth))
		}
	case ty.IsMapType() || ty.IsObjectType():
		out.Kind = scan.Map
		items := objectItems(expr)
		out.Map = make(map[string]*scan.Value, v.LengthInt())
		for it := v.ElementIterator(); it.Next(); {
			k, e := it.Element()
			key := k.AsString()
			var ex hcl.Expression
			if items != nil {
				if x, ok := items[key]; ok {
					ex = x
				}
			}
			out.Map[key] = toValueDepth(e, ex, rng, sensitive, depth)
		}
	default:
		out.Kind = scan.Unknown
	}
	return out
}

// objectItems maps the literal keys of an object constructor to their
// value expressions.
func objectItems(expr hcl.Expression) map[string]hcl.Expression {
	o, ok := expr.(*hclsyntax.ObjectConsExpr)
	if !ok {
		return nil
	}
	items := make(map[string]hcl.Expression, len(o.Items))
	for _, it := range o.Items {
		k, ds := it.KeyExpr.Value(nil)
		if ds.HasErrors() || !k.IsKnown() || k.IsNull() || k.Type() != cty.String {
			continue
		}
		items[k.AsString()] = it.ValueExpr
	}
	return items
}

// mergeSorted returns the sorted union of two sorted lists.
func mergeSorted(a, b []string) []string {
	if len(b) == 0 {
		return a
	}
	out := append(append([]string(nil), a...), b...)
	sort.Strings(out)
	n := 0
	for i, s := range out {
		if i == 0 || s != out[n-1] {
			out[n] = s
			n++
		}
	}
	return out[:n]
}
