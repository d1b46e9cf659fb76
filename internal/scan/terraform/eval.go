package terraform

import (
	"strconv"
	"strings"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hclsyntax"
	"github.com/zclconf/go-cty/cty"
	"github.com/zclconf/go-cty/cty/convert"

	"github.com/dbwarden/dbwarden/internal/scan"
)

// refMark marks a cty value as produced by an expression that referred to
// the resource at this address; marks travel through HCL's operators and
// functions, so every derived value keeps them.
type refMark string

// sensitiveMark marks a value that came from something marked sensitive.
type sensitiveMark struct{}

// viaMark marks a cty value as read, directly or through other values, from
// a variable, local, module output or resource attribute, named as written
// ("var.db_password", "aws_db_instance.main.password"). Like refMark it
// travels through operators and functions.
type viaMark string

// memo is one named thing of a module instance (a variable, local, output,
// resource or module call), evaluated at most once.
type memo struct {
	addr  string
	rng   scan.Range
	state int // 0 not yet, 1 being evaluated, 2 done
	val   cty.Value
}

const (
	memoNew = iota
	memoBusy
	memoDone
)

// enter starts evaluating m. It returns false with the value to use when m
// is already evaluated, or when m is being evaluated (a cycle, which is
// reported, and whose value is Unknown).
func (l *loader) enter(m *memo) (cty.Value, bool) {
	switch m.state {
	case memoDone:
		return m.val, false
	case memoBusy:
		l.reportCycle(m)
		return cty.DynamicVal, false
	}
	m.state = memoBusy
	l.stack = append(l.stack, m)
	return cty.NilVal, true
}

// leave finishes evaluating m with v.
func (l *loader) leave(m *memo, v cty.Value) cty.Value {
	m.val, m.state = v, memoDone
	if n := len(l.stack); n > 0 && l.stack[n-1] == m {
		l.stack = l.stack[:n-1]
	}
	return v
}

func (l *loader) reportCycle(m *memo) {
	start := -1
	for i, s := range l.stack {
		if s == m {
			start = i
			break
		}
	}
	if start < 0 {
		return
	}
	var chain []string
	for _, s := range l.stack[start:] {
		chain = append(chain, s.addr)
	}
	chain = append(chain, m.addr)
	l.errorf("%s:%d: cycle: %s", m.rng.File, m.rng.Line, strings.Join(chain, " -> "))
}

// scope holds the names an expression sees besides the module's own:
// count.index, each.key/each.value and dynamic block iterators.
type scope struct {
	count cty.Value
	each  cty.Value
	iters map[string]cty.Value
}

func (s *scope) withIter(name string, v cty.Value) *scope {
	n := &scope{iters: map[string]cty.Value{}}
	if s != nil {
		n.count, n.each = s.count, s.each
		for k, x := range s.iters {
			n.iters[k] = x
		}
	}
	n.iters[name] = v
	return n
}

// inst is one instance of a module: the root module, or one instance of a
// module call.
type inst struct {
	l      *loader
	cfg    *modConfig
	path   string // "module.a[0].module.b"; empty for a root module
	depth  int
	parent *inst
	callSc *scope
	inputs map[string]*hcl.Attribute
	rootIn map[string]*rootInput

	vars    map[string]*memo
	locals  map[string]*memo
	outputs map[string]*memo
	res     map[string]*resState
	calls   map[string]*callState
}

func (l *loader) newInst(cfg *modConfig) *inst {
	return &inst{
		l:       l,
		cfg:     cfg,
		vars:    map[string]*memo{},
		locals:  map[string]*memo{},
		outputs: map[string]*memo{},
		res:     map[string]*resState{},
		calls:   map[string]*callState{},
	}
}

func (l *loader) newRoot(cfg *modConfig) *inst {
	in := l.newInst(cfg)
	in.rootIn = l.rootInputs(cfg)
	return in
}

// prefix is prepended to addresses inside the instance.
func (in *inst) prefix() string {
	if in.path == "" {
		return ""
	}
	return in.path + "."
}

// eval evaluates expr in the instance. An expression that fails (an unknown
// function, a type error, a reference to something undeclared) is Unknown,
// carrying the marks of everything it referred to.
func (in *inst) eval(expr hcl.Expression, sc *scope) (val cty.Value) {
	if expr == nil {
		return cty.NullVal(cty.DynamicPseudoType)
	}
	ctx := &hcl.EvalContext{Functions: in.cfg.funcs}
	trs := expr.Variables()
	if len(trs) > 0 {
		ctx.Variables = in.scopeVars(trs, sc)
	}
	defer func() {
		if r := recover(); r != nil {
			val = unknownLike(ctx.Variables, trs)
		}
	}()
	v, ds := expr.Value(ctx)
	if ds.HasErrors() || v == cty.NilVal {
		return unknownLike(ctx.Variables, trs)
	}
	return annotate(v, expr, ctx, 0)
}

// unknownLike is an Unknown value carrying the marks of what the failed
// expression referred to: everything inside the variables, locals and
// module outputs it read, and the addresses of the resources it named
// (not what those resources refer to in turn), with the resource
// attributes it read as written.
func unknownLike(vars map[string]cty.Value, trs []hcl.Traversal) cty.Value {
	marks := cty.ValueMarks{}
	for _, tr := range trs {
		if name, ok := resourceAttrRead(tr); ok {
			marks[viaMark(name)] = struct{}{}
		}
	}
	for root, v := range vars {
		depth := 0
		switch root {
		case "var", "local", "module", "each", "count", "self", "path", "terraform":
			collectMarks(v, marks)
			continue
		case "data":
			depth = 2
		default:
			depth = 1
		}
		shallowMarks(v, depth, marks)
	}
	return cty.DynamicVal.WithMarks(marks)
}

// resourceAttrRead returns the resource attribute a traversal reads, as
// written without instance keys: aws_db_instance.main[0].password gives
// aws_db_instance.main.password.
func resourceAttrRead(tr hcl.Traversal) (string, bool) {
	root := tr.RootName()
	switch root {
	case "var", "local", "module", "each", "count", "self", "path", "terraform":
		return "", false
	}
	want := 3 // TYPE.NAME.ATTR
	if root == "data" {
		want = 4
	}
	parts := []string{root}
	for _, step := range tr[1:] {
		if len(parts) == want {
			break
		}
		if a, ok := step.(hcl.TraverseAttr); ok {
			parts = append(parts, a.Name)
		}
	}
	if len(parts) < want {
		return "", false
	}
	return strings.Join(parts, "."), true
}

// shallowMarks adds the marks of the values depth levels into nested
// objects: the resources of TYPE.NAME (depth 1) or data.TYPE.NAME (2).
func shallowMarks(v cty.Value, depth int, marks cty.ValueMarks) {
	v, m := v.Unmark()
	if depth == 0 {
		for k := range m {
			marks[k] = struct{}{}
		}
		return
	}
	if !v.IsKnown() || v.IsNull() || !v.Type().IsObjectType() {
		return
	}
	for it := v.ElementIterator(); it.Next(); {
		_, e := it.Element()
		shallowMarks(e, depth-1, marks)
	}
}

// collectMarks adds every mark in v, at any depth, to marks.
func collectMarks(v cty.Value, marks cty.ValueMarks) {
	if v == cty.NilVal || !v.ContainsMarked() {
		return
	}
	_, pvm := v.UnmarkDeepWithPaths()
	for _, p := range pvm {
		for m := range p.Marks {
			marks[m] = struct{}{}
		}
	}
}

// scopeVars builds the variables an expression's traversals need.
func (in *inst) scopeVars(trs []hcl.Traversal, sc *scope) map[string]cty.Value {
	type need struct {
		all   bool
		names map[string]map[string]bool // second step -> third steps
	}
	needs := map[string]*need{}
	for _, tr := range trs {
		root := tr.RootName()
		n := needs[root]
		if n == nil {
			n = &need{names: map[string]map[string]bool{}}
			needs[root] = n
		}
		name, ok := attrStep(tr, 1)
		if !ok {
			n.all = true
			continue
		}
		sub := n.names[name]
		if sub == nil {
			sub = map[string]bool{}
			n.names[name] = sub
		}
		// The third name: a data source's name, or a module output
		// (after any instance key).
		found := false
		for i := 2; i < len(tr) && !found; i++ {
			if a, ok := tr[i].(hcl.TraverseAttr); ok {
				sub[a.Name], found = true, true
			} else if root == "data" {
				break
			}
		}
		if root == "module" && !found {
			sub["\x00all"] = true
		}
	}
	vars := make(map[string]cty.Value, len(needs))
	for root, n := range needs {
		if sc != nil {
			if v, ok := sc.iters[root]; ok {
				vars[root] = v
				continue
			}
		}
		switch root {
		case "var":
			vars[root] = in.namedObject(n.all, n.names, in.cfg.varNames(), in.variable)
		case "local":
			vars[root] = in.namedObject(n.all, n.names, in.cfg.localNames(), in.local)
		case "module":
			obj := map[string]cty.Value{}
			for name, outs := range n.names {
				if v, ok := in.callValue(name, outs); ok {
					obj[name] = v
				}
			}
			vars[root] = cty.ObjectVal(obj)
		case "data":
			types := map[string]map[string]cty.Value{}
			for typ, names := range n.names {
				for name := range names {
					if v, ok := in.resourceVal("data." + typ + "." + name); ok {
						if types[typ] == nil {
							types[typ] = map[string]cty.Value{}
						}
						types[typ][name] = v
					}
				}
			}
			obj := map[string]cty.Value{}
			for typ, m := range types {
				obj[typ] = cty.ObjectVal(m)
			}
			vars[root] = cty.ObjectVal(obj)
		case "count":
			if sc != nil && sc.count != cty.NilVal {
				vars[root] = sc.count
			} else {
				vars[root] = cty.DynamicVal
			}
		case "each":
			if sc != nil && sc.each != cty.NilVal {
				vars[root] = sc.each
			} else {
				vars[root] = cty.DynamicVal
			}
		case "self":
			vars[root] = cty.DynamicVal
		case "path":
			vars[root] = cty.ObjectVal(map[string]cty.Value{
				"module": cty.StringVal(displayDir(in.cfg.dir)),
				"root":   cty.StringVal(displayDir(in.root().cfg.dir)),
				"cwd":    cty.StringVal("."),
			})
		case "terraform":
			vars[root] = cty.ObjectVal(map[string]cty.Value{"workspace": cty.StringVal("default")})
		default:
			obj := map[string]cty.Value{}
			for name := range n.names {
				if v, ok := in.resourceVal(root + "." + name); ok {
					obj[name] = v
				}
			}
			vars[root] = cty.ObjectVal(obj)
		}
	}
	return vars
}

// attrStep returns the attribute name at step i of a traversal.
func attrStep(tr hcl.Traversal, i int) (string, bool) {
	if i >= len(tr) {
		return "", false
	}
	switch s := tr[i].(type) {
	case hcl.TraverseAttr:
		return s.Name, true
	case hcl.TraverseIndex:
		// var["name"] reads like var.name.
		if s.Key.Type() == cty.String && s.Key.IsKnown() && !s.Key.IsNull() {
			return s.Key.AsString(), true
		}
	}
	return "", false
}

func (in *inst) root() *inst {
	for in.parent != nil {
		in = in.parent
	}
	return in
}

// namedObject builds var or local: the named entries, or all of them.
func (in *inst) namedObject(all bool, names map[string]map[string]bool, every []string, get func(string) (cty.Value, bool)) cty.Value {
	obj := map[string]cty.Value{}
	if all {
		for _, name := range every {
			if v, ok := get(name); ok {
				obj[name] = v
			}
		}
	}
	for name := range names {
		if _, done := obj[name]; done {
			continue
		}
		if v, ok := get(name); ok {
			obj[name] = v
		}
	}
	return cty.ObjectVal(obj)
}

func (m *modConfig) varNames() []string {
	out := make([]string, len(m.varOrder))
	for i, d := range m.varOrder {
		out[i] = d.name
	}
	return out
}

func (m *modConfig) localNames() []string {
	out := make([]string, len(m.locOrder))
	for i, d := range m.locOrder {
		out[i] = d.name
	}
	return out
}

// variable returns the final value of var.name.
func (in *inst) variable(name string) (cty.Value, bool) {
	d := in.cfg.vars[name]
	if d == nil {
		return cty.NilVal, false
	}
	m := in.vars[name]
	if m == nil {
		m = &memo{addr: in.prefix() + "var." + name, rng: d.rng}
		in.vars[name] = m
	}
	if v, ok := in.l.enter(m); !ok {
		return v, true
	}
	v, set := cty.NilVal, false
	if in.parent != nil {
		if a := in.inputs[name]; a != nil {
			v, set = in.parent.eval(a.Expr, in.callSc), true
			m.rng = hclRange(a.Expr.Range())
		}
	} else if ri := in.rootIn[name]; ri != nil {
		v, set = ri.value(d), true
		m.rng = ri.rng
	}
	if !set {
		if d.def != nil {
			v = in.eval(d.def, nil)
			m.rng = hclRange(d.def.Range())
		} else {
			v = cty.DynamicVal
		}
	}
	v = convertVar(v, d)
	if d.sensitive {
		v = v.Mark(sensitiveMark{})
	}
	return in.l.leave(m, v.Mark(viaMark("var."+name))), true
}

// convertVar applies a variable's type constraint and its optional
// attributes' defaults; a value that does not convert is kept as written.
func convertVar(v cty.Value, d *varDecl) (out cty.Value) {
	if d.ty == cty.DynamicPseudoType && d.defaults == nil {
		return v
	}
	defer func() {
		if recover() != nil {
			out = v
		}
	}()
	w := v
	if d.defaults != nil && !v.ContainsMarked() {
		w = d.defaults.Apply(w)
	}
	c, err := convert.Convert(w, d.ty)
	if err != nil {
		return v
	}
	return c
}

// local returns the value of local.name.
func (in *inst) local(name string) (cty.Value, bool) {
	d := in.cfg.locals[name]
	if d == nil {
		return cty.NilVal, false
	}
	m := in.locals[name]
	if m == nil {
		m = &memo{addr: in.prefix() + "local." + name, rng: d.rng}
		in.locals[name] = m
	}
	if v, ok := in.l.enter(m); !ok {
		return v, true
	}
	return in.l.leave(m, in.eval(d.expr, nil).Mark(viaMark("local."+name))), true
}

// output returns the value of an output of the instance.
func (in *inst) output(name string) (cty.Value, bool) {
	d := in.cfg.outputs[name]
	if d == nil {
		return cty.NilVal, false
	}
	m := in.outputs[name]
	if m == nil {
		m = &memo{addr: in.prefix() + "output." + name, rng: d.rng}
		in.outputs[name] = m
	}
	if v, ok := in.l.enter(m); !ok {
		return v, true
	}
	v := in.eval(d.expr, nil)
	if d.sensitive {
		v = v.Mark(sensitiveMark{})
	}
	return in.l.leave(m, v), true
}

// instKey is one instance of a resource or module call.
type instKey struct {
	suffix string // "", "[0]", `["a"]`, "[*]"
	key    cty.Value
	sc     *scope
}

// expansion modes.
const (
	single = iota
	counted
	keyed
	unknownKeys
)

// expand evaluates count or for_each.
func (in *inst) expand(count, forEach hcl.Expression, what string, rng scan.Range) (int, []instKey) {
	unknown := func(sc *scope) (int, []instKey) {
		return unknownKeys, []instKey{{suffix: "[*]", sc: sc}}
	}
	switch {
	case count != nil:
		sc := &scope{count: cty.ObjectVal(map[string]cty.Value{"index": cty.UnknownVal(cty.Number)})}
		v, _ := in.eval(count, nil).UnmarkDeep()
		if !v.IsKnown() || v.IsNull() {
			return unknown(sc)
		}
		n, err := convert.Convert(v, cty.Number)
		if err != nil || !n.IsKnown() || n.IsNull() {
			return unknown(sc)
		}
		c, _ := n.AsBigFloat().Int64()
		if c < 0 {
			return unknown(sc)
		}
		if c > maxInstances {
			in.l.errorf("%s:%d: %s: count %d is more than %d instances; only the first %d are loaded", rng.File, rng.Line, what, c, maxInstances, maxInstances)
			c = maxInstances
		}
		if !in.l.spend(int(c), rng, what) {
			return unknown(sc)
		}
		keys := make([]instKey, c)
		for i := range keys {
			idx := cty.NumberIntVal(int64(i))
			keys[i] = instKey{suffix: "[" + strconv.Itoa(i) + "]", key: idx,
				sc: &scope{count: cty.ObjectVal(map[string]cty.Value{"index": idx})}}
		}
		return counted, keys
	case forEach != nil:
		sc := &scope{each: cty.ObjectVal(map[string]cty.Value{"key": cty.UnknownVal(cty.String), "value": cty.DynamicVal})}
		v, marks := in.eval(forEach, nil).Unmark()
		if !v.IsKnown() || v.IsNull() || !v.CanIterateElements() {
			return unknown(sc)
		}
		ty := v.Type()
		if !(ty.IsMapType() || ty.IsObjectType() || ty.IsSetType()) {
			return unknown(sc)
		}
		var keys []instKey
		for it := v.ElementIterator(); it.Next(); {
			k, e := it.Element()
			if ty.IsSetType() {
				k, _ = k.Unmark()
				if !k.IsKnown() || k.IsNull() {
					return unknown(sc)
				}
				sk, err := convert.Convert(k, cty.String)
				if err != nil {
					return unknown(sc)
				}
				k = sk
			}
			if !k.IsKnown() || k.IsNull() {
				return unknown(sc)
			}
			if len(keys) >= maxInstances {
				in.l.errorf("%s:%d: %s: for_each has more than %d elements; only the first %d are loaded", rng.File, rng.Line, what, maxInstances, maxInstances)
				break
			}
			ks := k.AsString()
			keys = append(keys, instKey{suffix: "[" + strconv.Quote(ks) + "]", key: cty.StringVal(ks),
				sc: &scope{each: cty.ObjectVal(map[string]cty.Value{"key": cty.StringVal(ks), "value": e.WithMarks(marks)})}})
		}
		if !in.l.spend(len(keys), rng, what) {
			return unknown(sc)
		}
		return keyed, keys
	}
	return single, []instKey{{sc: &scope{}}}
}

// spend takes n instances from the load's budget, reporting when it runs
// out: nested counts multiply, and one tree must not take unbounded time.
func (l *loader) spend(n int, rng scan.Range, what string) bool {
	if n <= l.budget {
		l.budget -= n
		return true
	}
	l.errorf("%s:%d: %s: more than %d instances in all; the rest are left unexpanded", rng.File, rng.Line, what, maxTotalInstances)
	return false
}

// combine builds the value a reference to a counted or keyed thing sees.
func combine(mode int, keys []instKey, objs []cty.Value) cty.Value {
	switch mode {
	case counted:
		if len(objs) == 0 {
			return cty.EmptyTupleVal
		}
		return cty.TupleVal(objs)
	case keyed:
		m := make(map[string]cty.Value, len(objs))
		for i, k := range keys {
			m[k.key.AsString()] = objs[i]
		}
		return cty.ObjectVal(m)
	case unknownKeys:
		return cty.DynamicVal
	}
	if len(objs) == 1 {
		return objs[0]
	}
	return cty.DynamicVal
}

// resState is a resource or data source of an instance.
type resState struct {
	memo
	decl  *resDecl
	mode  int
	keys  []instKey
	insts []*resInst
}

type resInst struct {
	addr string
	body *evBody
}

// resourceMeta are the meta-arguments left out of a resource's attributes.
var resourceMeta = map[string]bool{"count": true, "for_each": true, "provider": true, "depends_on": true}

// resource evaluates a resource's instances.
func (in *inst) resource(key string) *resState {
	d := in.cfg.resources[key]
	if d == nil {
		return nil
	}
	rs := in.res[key]
	if rs == nil {
		rs = &resState{memo: memo{addr: in.prefix() + key, rng: d.rng}, decl: d}
		in.res[key] = rs
	}
	if _, ok := in.l.enter(&rs.memo); !ok {
		return rs
	}
	rs.mode, rs.keys = in.expand(d.count, d.forEach, rs.addr, d.rng)
	for _, k := range rs.keys {
		body := in.evalBody(d.body, k.sc, resourceMeta)
		if d.mode == "data" && d.typ == "aws_iam_policy_document" {
			addPolicyJSON(body, d.rng)
		}
		rs.insts = append(rs.insts, &resInst{addr: rs.addr + k.suffix, body: body})
	}
	in.l.leave(&rs.memo, cty.NilVal)
	return rs
}

// resourceVal is what a reference to a resource sees, built the first time
// something refers to the resource.
func (in *inst) resourceVal(key string) (cty.Value, bool) {
	if in.cfg.resources[key] == nil {
		return cty.NilVal, false
	}
	rs := in.resource(key)
	if rs.state != memoDone {
		return cty.DynamicVal.Mark(refMark(rs.addr)), true
	}
	if rs.val == cty.NilVal {
		objs := make([]cty.Value, len(rs.insts))
		for i, ri := range rs.insts {
			objs[i] = ri.body.object(in.cfg.accessed, key).Mark(refMark(ri.addr))
		}
		rs.val = combine(rs.mode, rs.keys, objs).Mark(refMark(rs.addr))
	}
	return rs.val, true
}

// evAttr, evBlock and evBody are an evaluated body: its attributes with the
// expressions they came from, and its nested blocks in source order.
type evAttr struct {
	name string
	val  cty.Value
	expr hcl.Expression
	rng  scan.Range
}

type evBlock struct {
	typ  string
	body *evBody
	rng  scan.Range
}

type evBody struct {
	attrs  []evAttr
	blocks []evBlock
}

func (b *evBody) attr(name string) (evAttr, bool) {
	for _, a := range b.attrs {
		if a.name == name {
			return a, true
		}
	}
	return evAttr{}, false
}

// lifecycleSkip are lifecycle arguments that name attributes rather than
// compute values.
var lifecycleSkip = map[string]bool{"ignore_changes": true, "replace_triggered_by": true}

// evalBody evaluates a body's attributes and nested blocks, expanding
// dynamic blocks.
func (in *inst) evalBody(body hcl.Body, sc *scope, skip map[string]bool) *evBody {
	out := &evBody{}
	for _, a := range bodyAttrs(body) {
		if skip[a.Name] {
			continue
		}
		out.attrs = append(out.attrs, evAttr{name: a.Name, val: in.eval(a.Expr, sc), expr: a.Expr, rng: hclRange(a.Expr.Range())})
	}
	for _, b := range bodyBlocks(body) {
		switch b.Type {
		case "dynamic":
			out.blocks = append(out.blocks, in.expandDynamic(b, sc)...)
		case "lifecycle":
			out.blocks = append(out.blocks, evBlock{typ: b.Type, body: in.evalBody(b.Body, sc, lifecycleSkip), rng: blockRange(b.AsHCLBlock())})
		default:
			out.blocks = append(out.blocks, evBlock{typ: b.Type, body: in.evalBody(b.Body, sc, nil), rng: blockRange(b.AsHCLBlock())})
		}
	}
	return out
}

// expandDynamic expands a dynamic block over its for_each collection; when
// the collection is unknown it gives one block whose attributes are all
// Unknown.
func (in *inst) expandDynamic(b *hclsyntax.Block, sc *scope) []evBlock {
	if len(b.Labels) != 1 {
		return nil
	}
	typ := b.Labels[0]
	iter := typ
	var forEach hcl.Expression
	for _, a := range bodyAttrs(b.Body) {
		switch a.Name {
		case "for_each":
			forEach = a.Expr
		case "iterator":
			if kw := hcl.ExprAsKeyword(a.Expr); kw != "" {
				iter = kw
			}
		}
	}
	var content *hclsyntax.Body
	for _, cb := range b.Body.Blocks {
		if cb.Type == "content" {
			content = cb.Body
			break
		}
	}
	if content == nil {
		return nil
	}
	rng := blockRange(b.AsHCLBlock())
	fe, marks := in.eval(forEach, sc).Unmark()
	if !fe.IsKnown() || fe.IsNull() || !fe.CanIterateElements() {
		it := cty.ObjectVal(map[string]cty.Value{"key": cty.DynamicVal, "value": cty.DynamicVal})
		body := in.evalBody(content, sc.withIter(iter, it), nil)
		body.unknownify(marks)
		return []evBlock{{typ: typ, body: body, rng: rng}}
	}
	if !in.l.spend(fe.LengthInt(), rng, "dynamic \""+typ+"\"") {
		return nil
	}
	var out []evBlock
	for it := fe.ElementIterator(); it.Next(); {
		if len(out) >= maxInstances {
			break
		}
		k, v := it.Element()
		iv := cty.ObjectVal(map[string]cty.Value{"key": k.WithMarks(marks), "value": v.WithMarks(marks)})
		out = append(out, evBlock{typ: typ, body: in.evalBody(content, sc.withIter(iter, iv), nil), rng: rng})
	}
	return out
}

// unknownify turns every attribute Unknown, keeping what it referred to.
func (b *evBody) unknownify(extra cty.ValueMarks) {
	for i := range b.attrs {
		marks := cty.ValueMarks{}
		for m := range extra {
			marks[m] = struct{}{}
		}
		collectMarks(b.attrs[i].val, marks)
		b.attrs[i].val = cty.DynamicVal.WithMarks(marks)
	}
	for _, nb := range b.blocks {
		nb.body.unknownify(extra)
	}
}

// object is the cty object a reference to the body sees: its attributes,
// its nested blocks as tuples of objects, and Unknown for every other name
// in extra (an attribute only known when applied, such as id or arn). When
// via names the resource as written ("aws_db_instance.main"), each top-level
// attribute is marked as read from via.NAME.
func (b *evBody) object(extra map[string]bool, via string) cty.Value {
	m := make(map[string]cty.Value, len(b.attrs)+len(b.blocks)+len(extra))
	var order []string
	groups := map[string][]cty.Value{}
	for _, nb := range b.blocks {
		if _, ok := groups[nb.typ]; !ok {
			order = append(order, nb.typ)
		}
		groups[nb.typ] = append(groups[nb.typ], nb.body.object(extra, ""))
	}
	for _, typ := range order {
		m[typ] = cty.TupleVal(groups[typ])
	}
	for _, a := range b.attrs {
		m[a.name] = a.val
	}
	for name := range extra {
		if _, ok := m[name]; !ok {
			m[name] = cty.DynamicVal
		}
	}
	if via != "" {
		for name, v := range m {
			m[name] = v.Mark(viaMark(via + "." + name))
		}
	}
	return cty.ObjectVal(m)
}

// callState is a module call of an instance and its child instances.
type callState struct {
	memo
	decl     *callDecl
	mode     int
	keys     []instKey
	children []*inst // nil when the module is not loaded (remote)
}

// call expands a module call into its instances.
func (in *inst) call(name string) *callState {
	d := in.cfg.callNamed[name]
	if d == nil {
		return nil
	}
	cs := in.calls[name]
	if cs == nil {
		cs = &callState{memo: memo{addr: in.prefix() + "module." + name, rng: d.rng}, decl: d}
		in.calls[name] = cs
	}
	if _, ok := in.l.enter(&cs.memo); !ok {
		return cs
	}
	cs.mode, cs.keys = in.expand(d.count, d.forEach, cs.addr, d.rng)
	if cfg := in.childConfig(d); cfg != nil {
		inputs := make(map[string]*hcl.Attribute, len(d.inputs))
		for _, a := range d.inputs {
			inputs[a.Name] = a
		}
		for _, k := range cs.keys {
			child := in.l.newInst(cfg)
			child.path = cs.addr + k.suffix
			child.depth = in.depth + 1
			child.parent = in
			child.callSc = k.sc
			child.inputs = inputs
			cs.children = append(cs.children, child)
		}
	}
	in.l.leave(&cs.memo, cty.NilVal)
	return cs
}

// childConfig returns the module a call loads, or nil when it is remote,
// missing or recursive.
func (in *inst) childConfig(d *callDecl) *modConfig {
	if !d.local {
		return nil
	}
	cfg := in.l.moduleDir(d.dir)
	if cfg == nil {
		in.l.errorf("%s:%d: module.%s: no Terraform files in %s", d.rng.File, d.rng.Line, d.name, displayDir(d.dir))
		return nil
	}
	for a := in; a != nil; a = a.parent {
		if a.cfg == cfg {
			in.l.errorf("%s:%d: module.%s: %s calls itself", d.rng.File, d.rng.Line, d.name, displayDir(d.dir))
			return nil
		}
	}
	if in.depth >= maxModuleDepth {
		in.l.errorf("%s:%d: module.%s: modules nested more than %d deep", d.rng.File, d.rng.Line, d.name, maxModuleDepth)
		return nil
	}
	return cfg
}

// callValue is what module.NAME sees: the outputs named in outs (all when
// outs holds "\x00all") of each instance.
func (in *inst) callValue(name string, outs map[string]bool) (cty.Value, bool) {
	cs := in.call(name)
	if cs == nil {
		return cty.NilVal, false
	}
	if cs.state != memoDone {
		return cty.DynamicVal.Mark(refMark(cs.addr)), true
	}
	if cs.children == nil {
		// A remote module: its outputs are only known once fetched.
		return cty.DynamicVal.Mark(refMark(cs.addr)), true
	}
	if cs.mode == unknownKeys {
		marks := cty.ValueMarks{}
		for _, c := range cs.children {
			collectMarks(c.outputObject(outs, name), marks)
		}
		return cty.DynamicVal.WithMarks(marks), true
	}
	objs := make([]cty.Value, len(cs.children))
	for i, c := range cs.children {
		objs[i] = c.outputObject(outs, name)
	}
	return combine(cs.mode, cs.keys, objs), true
}

// outputObject is the object of the outputs named in outs, each marked as
// read from module.CALL.NAME.
func (in *inst) outputObject(outs map[string]bool, call string) cty.Value {
	obj := map[string]cty.Value{}
	if outs["\x00all"] {
		for _, d := range in.cfg.outOrder {
			obj[d.name], _ = in.output(d.name)
		}
	}
	for name := range outs {
		if _, done := obj[name]; done {
			continue
		}
		if v, ok := in.output(name); ok {
			obj[name] = v
		}
	}
	for name, v := range obj {
		obj[name] = v.Mark(viaMark("module." + call + "." + name))
	}
	return cty.ObjectVal(obj)
}
