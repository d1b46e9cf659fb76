package terraform

import (
	"path/filepath"
	"slices"
	"sort"
	"strings"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/ext/typeexpr"
	"github.com/hashicorp/hcl/v2/hclsyntax"
	"github.com/zclconf/go-cty/cty"
	"github.com/zclconf/go-cty/cty/function"

	"github.com/dbwarden/dbwarden/internal/scan"
)

// modConfig is the decoded configuration of one module directory, shared by
// every instance of the module.
type modConfig struct {
	l         *loader
	dir       string
	firstFile string

	vars      map[string]*varDecl
	varOrder  []*varDecl
	locals    map[string]*localDecl
	locOrder  []*localDecl
	outputs   map[string]*outputDecl
	outOrder  []*outputDecl
	resources map[string]*resDecl // "aws_x.n" and "data.aws_x.n"
	resOrder  []*resDecl
	calls     []*callDecl
	callNamed map[string]*callDecl
	providers []*blockDecl
	backends  []*blockDecl

	// accessed holds every attribute name that some traversal in the module
	// reads, so that a resource's object offers them (Unknown when not
	// written) instead of failing the expression that reads them.
	accessed map[string]bool

	funcs map[string]function.Function
}

type varDecl struct {
	name      string
	def       hcl.Expression
	ty        cty.Type
	defaults  *typeexpr.Defaults
	typeSrc   string
	sensitive bool
	parseHCL  bool // -var and TF_VAR_ values are HCL expressions
	rng       scan.Range
	block     *hcl.Block // as written, or as merged with its overrides
}

type localDecl struct {
	name string
	expr hcl.Expression
	rng  scan.Range
}

type outputDecl struct {
	name      string
	expr      hcl.Expression
	sensitive bool
	rng       scan.Range
	block     *hcl.Block
}

type resDecl struct {
	mode    string // "resource" or "data"
	typ     string
	name    string
	key     string // "aws_x.n" or "data.aws_x.n"
	body    hcl.Body
	count   hcl.Expression
	forEach hcl.Expression
	rng     scan.Range
	block   *hcl.Block
}

type callDecl struct {
	name    string
	source  string
	version hcl.Expression
	local   bool
	dir     string // the called directory when local
	count   hcl.Expression
	forEach hcl.Expression
	inputs  []*hcl.Attribute
	srcAttr *hcl.Attribute
	rng     scan.Range
	block   *hcl.Block
}

type blockDecl struct {
	typ   string
	alias string
	body  hcl.Body
	rng   scan.Range
	block *hcl.Block // providers only
}

var fileSchema = &hcl.BodySchema{Blocks: []hcl.BlockHeaderSchema{
	{Type: "terraform"},
	{Type: "variable", LabelNames: []string{"name"}},
	{Type: "locals"},
	{Type: "output", LabelNames: []string{"name"}},
	{Type: "provider", LabelNames: []string{"name"}},
	{Type: "resource", LabelNames: []string{"type", "name"}},
	{Type: "data", LabelNames: []string{"type", "name"}},
	{Type: "module", LabelNames: []string{"name"}},
}}

var variableSchema = &hcl.BodySchema{Attributes: []hcl.AttributeSchema{
	{Name: "default"}, {Name: "type"}, {Name: "sensitive"}, {Name: "description"}, {Name: "nullable"}, {Name: "ephemeral"},
}}

var outputSchema = &hcl.BodySchema{Attributes: []hcl.AttributeSchema{
	{Name: "value"}, {Name: "sensitive"}, {Name: "description"}, {Name: "depends_on"}, {Name: "ephemeral"},
}}

var terraformSchema = &hcl.BodySchema{Blocks: []hcl.BlockHeaderSchema{
	{Type: "backend", LabelNames: []string{"type"}},
	{Type: "cloud"},
}}

func newModConfig(l *loader, dir string) *modConfig {
	return &modConfig{
		l:         l,
		dir:       dir,
		vars:      map[string]*varDecl{},
		locals:    map[string]*localDecl{},
		outputs:   map[string]*outputDecl{},
		resources: map[string]*resDecl{},
		callNamed: map[string]*callDecl{},
		accessed:  map[string]bool{},
	}
}

// hclRange converts an HCL range.
func hclRange(r hcl.Range) scan.Range {
	return scan.Range{File: r.Filename, Line: r.Start.Line, EndLine: r.End.Line}
}

// blockRange spans a block from its type keyword to its closing brace.
func blockRange(b *hcl.Block) scan.Range {
	if ob, ok := b.Body.(*overrideBody); ok {
		// A merged block keeps the place of the original.
		return blockRange(&hcl.Block{DefRange: b.DefRange, Body: ob.base})
	}
	r := scan.Range{File: b.DefRange.Filename, Line: b.DefRange.Start.Line, EndLine: b.DefRange.End.Line}
	if sb, ok := b.Body.(*hclsyntax.Body); ok {
		r.EndLine = sb.SrcRange.End.Line
	} else if b.Body != nil {
		if end := b.Body.MissingItemRange(); end.End.Line > r.EndLine {
			r.EndLine = end.End.Line
		}
	}
	return r
}

func (m *modConfig) duplicate(what string, first scan.Range, at scan.Range) {
	m.l.errorf("%s:%d: duplicate %s (first declared at %s:%d)", at.File, at.Line, what, first.File, first.Line)
}

// decodeFile adds one parsed file's declarations.
func (m *modConfig) decodeFile(f *hcl.File) {
	content, _, ds := f.Body.PartialContent(fileSchema)
	m.l.diags(ds)
	m.checkTopLevel(f.Body)
	m.collectAccessed(f.Body)
	for _, b := range content.Blocks {
		switch b.Type {
		case "terraform":
			m.decodeTerraform(b)
		case "variable":
			m.decodeVariable(b)
		case "locals":
			attrs, ds := b.Body.JustAttributes()
			m.l.diags(ds)
			for _, a := range sortedAttrs(attrs) {
				d := &localDecl{name: a.Name, expr: a.Expr, rng: hclRange(a.Range)}
				if prev := m.locals[a.Name]; prev != nil {
					m.duplicate("local."+a.Name, prev.rng, d.rng)
					continue
				}
				m.locals[a.Name] = d
				m.locOrder = append(m.locOrder, d)
			}
		case "output":
			d := m.outputFromBlock(b)
			if prev := m.outputs[d.name]; prev != nil {
				m.duplicate("output."+d.name, prev.rng, d.rng)
				continue
			}
			m.outputs[d.name] = d
			m.outOrder = append(m.outOrder, d)
		case "provider":
			m.providers = append(m.providers, providerFromBlock(b))
		case "resource", "data":
			m.decodeResource(b)
		case "module":
			m.decodeCall(b)
		}
	}
}

// topLevelBlocks are the blocks Terraform accepts at the top of a file;
// those the scan has no use for (moved, import, check, ...) are skipped.
var topLevelBlocks = map[string]bool{
	"terraform": true, "variable": true, "locals": true, "output": true,
	"provider": true, "resource": true, "data": true, "module": true,
	"moved": true, "import": true, "check": true, "removed": true,
	"ephemeral": true, "action": true, "list": true,
}

// checkTopLevel reports what Terraform itself would refuse at the top of
// a native syntax file: an argument, or a block such as a bare ingress or
// root_block_device copied out of its resource. Such a file is not
// Terraform, and what is in it goes unchecked: the scan says so rather
// than passing it.
func (m *modConfig) checkTopLevel(body hcl.Body) {
	sb, ok := body.(*hclsyntax.Body)
	if !ok {
		return
	}
	attrs := make([]*hclsyntax.Attribute, 0, len(sb.Attributes))
	for _, a := range sb.Attributes {
		attrs = append(attrs, a)
	}
	slices.SortFunc(attrs, func(a, b *hclsyntax.Attribute) int { return a.SrcRange.Start.Byte - b.SrcRange.Start.Byte })
	for _, a := range attrs {
		m.l.errorf("%s:%d: unsupported argument %q at the top level: arguments belong inside a block (resource, variable, ...); the file is not valid Terraform", a.SrcRange.Filename, a.SrcRange.Start.Line, a.Name)
	}
	for _, b := range sb.Blocks {
		if topLevelBlocks[b.Type] {
			continue
		}
		m.l.errorf("%s:%d: unsupported block type %q at the top level: it belongs inside a resource or other block; the file is not valid Terraform and this block was not checked", b.TypeRange.Filename, b.TypeRange.Start.Line, b.Type)
	}
}

func (m *modConfig) outputFromBlock(b *hcl.Block) *outputDecl {
	c, _, ds := b.Body.PartialContent(outputSchema)
	m.l.diags(ds)
	d := &outputDecl{name: b.Labels[0], rng: blockRange(b), block: b}
	if a := c.Attributes["value"]; a != nil {
		d.expr = a.Expr
	}
	d.sensitive = constBool(c.Attributes["sensitive"])
	return d
}

func providerFromBlock(b *hcl.Block) *blockDecl {
	d := &blockDecl{typ: b.Labels[0], body: b.Body, rng: blockRange(b), block: b}
	if attrs, _ := b.Body.JustAttributes(); attrs != nil {
		if a := attrs["alias"]; a != nil {
			if v, ds := a.Expr.Value(nil); !ds.HasErrors() && v.Type() == cty.String && v.IsKnown() && !v.IsNull() {
				d.alias = v.AsString()
			}
		}
	}
	return d
}

func (m *modConfig) decodeTerraform(b *hcl.Block) {
	c, _, ds := b.Body.PartialContent(terraformSchema)
	m.l.diags(ds)
	for _, bb := range c.Blocks {
		d := &blockDecl{typ: "cloud", body: bb.Body, rng: blockRange(bb)}
		if bb.Type == "backend" {
			d.typ = bb.Labels[0]
		}
		m.backends = append(m.backends, d)
	}
}

func (m *modConfig) decodeVariable(b *hcl.Block) {
	d := m.varFromBlock(b)
	if prev := m.vars[d.name]; prev != nil {
		m.duplicate("var."+d.name, prev.rng, d.rng)
		return
	}
	m.vars[d.name] = d
	m.varOrder = append(m.varOrder, d)
}

func (m *modConfig) varFromBlock(b *hcl.Block) *varDecl {
	c, _, ds := b.Body.PartialContent(variableSchema)
	m.l.diags(ds)
	d := &varDecl{name: b.Labels[0], ty: cty.DynamicPseudoType, rng: blockRange(b), block: b}
	if a := c.Attributes["default"]; a != nil {
		d.def = a.Expr
	}
	d.sensitive = constBool(c.Attributes["sensitive"])
	if a := c.Attributes["type"]; a != nil {
		d.typeSrc = m.exprSource(a.Expr)
		d.ty, d.defaults, d.parseHCL = decodeType(a.Expr)
	}
	return d
}

// decodeType reads a type constraint the way Terraform does; a constraint
// it cannot read means any type.
func decodeType(expr hcl.Expression) (cty.Type, *typeexpr.Defaults, bool) {
	if _, ok := expr.(*hclsyntax.TemplateExpr); ok || !isNative(expr) {
		// JSON writes the constraint as a string.
		v, ds := expr.Value(nil)
		if ds.HasErrors() || v.Type() != cty.String || !v.IsKnown() || v.IsNull() {
			return cty.DynamicPseudoType, nil, false
		}
		e, ds := hclsyntax.ParseExpression([]byte(v.AsString()), expr.Range().Filename, expr.Range().Start)
		if ds.HasErrors() {
			return cty.DynamicPseudoType, nil, false
		}
		expr = e
	}
	switch hcl.ExprAsKeyword(expr) {
	case "list":
		return cty.List(cty.DynamicPseudoType), nil, true
	case "map":
		return cty.Map(cty.DynamicPseudoType), nil, true
	}
	ty, defs, ds := typeexpr.TypeConstraintWithDefaults(expr)
	if ds.HasErrors() {
		return cty.DynamicPseudoType, nil, false
	}
	return ty, defs, !ty.IsPrimitiveType() && ty != cty.DynamicPseudoType
}

func isNative(expr hcl.Expression) bool {
	_, ok := expr.(hclsyntax.Expression)
	return ok
}

// exprSource returns the text an expression was written as.
func (m *modConfig) exprSource(expr hcl.Expression) string {
	r := expr.Range()
	var src []byte
	if isNative(expr) {
		src = r.SliceBytes(m.l.p.Files[r.Filename])
	}
	if len(src) == 0 {
		if v, ds := expr.Value(nil); !ds.HasErrors() && v.Type() == cty.String && v.IsKnown() && !v.IsNull() {
			return v.AsString()
		}
		if kw := hcl.ExprAsKeyword(expr); kw != "" {
			return kw
		}
		return r.String()
	}
	return string(src)
}

// constBool reads a literal boolean argument such as sensitive = true.
func constBool(a *hcl.Attribute) bool {
	if a == nil {
		return false
	}
	v, ds := a.Expr.Value(nil)
	if ds.HasErrors() || !v.IsKnown() || v.IsNull() {
		return false
	}
	if v.Type() == cty.String {
		return v.AsString() == "true"
	}
	return v.Type() == cty.Bool && v.True()
}

func (m *modConfig) decodeResource(b *hcl.Block) {
	d := resFromBlock(b)
	if prev := m.resources[d.key]; prev != nil {
		m.duplicate(d.key, prev.rng, d.rng)
		return
	}
	m.resources[d.key] = d
	m.resOrder = append(m.resOrder, d)
}

func resFromBlock(b *hcl.Block) *resDecl {
	d := &resDecl{mode: b.Type, typ: b.Labels[0], name: b.Labels[1], body: b.Body, rng: blockRange(b), block: b}
	d.key = d.typ + "." + d.name
	if d.mode == "data" {
		d.key = "data." + d.key
	}
	for _, a := range bodyAttrs(b.Body) {
		switch a.Name {
		case "count":
			d.count = a.Expr
		case "for_each":
			d.forEach = a.Expr
		}
	}
	return d
}

func (m *modConfig) decodeCall(b *hcl.Block) {
	d := m.callFromBlock(b)
	if prev := m.callNamed[d.name]; prev != nil {
		m.duplicate("module."+d.name, prev.rng, d.rng)
		return
	}
	m.callNamed[d.name] = d
	m.calls = append(m.calls, d)
}

func (m *modConfig) callFromBlock(b *hcl.Block) *callDecl {
	d := &callDecl{name: b.Labels[0], rng: blockRange(b), block: b}
	for _, a := range bodyAttrs(b.Body) {
		switch a.Name {
		case "source":
			d.srcAttr = a
			if v, ds := a.Expr.Value(nil); !ds.HasErrors() && v.Type() == cty.String && v.IsKnown() && !v.IsNull() {
				d.source = v.AsString()
			}
		case "version":
			d.version = a.Expr
		case "count":
			d.count = a.Expr
		case "for_each":
			d.forEach = a.Expr
		case "providers", "depends_on":
		default:
			d.inputs = append(d.inputs, a)
		}
	}
	if strings.HasPrefix(d.source, "./") || strings.HasPrefix(d.source, "../") {
		d.local = true
		d.dir = filepath.Join(m.dir, filepath.FromSlash(d.source))
	}
	return d
}

// finish prepares what evaluation needs once all files are decoded.
func (m *modConfig) finish() {
	m.funcs = m.l.functions(m.dir)
}

// collectAccessed notes the attribute names the module's traversals read.
func (m *modConfig) collectAccessed(body hcl.Body) {
	sb, ok := body.(*hclsyntax.Body)
	if !ok {
		return
	}
	_ = hclsyntax.VisitAll(sb, func(n hclsyntax.Node) hcl.Diagnostics {
		var tr hcl.Traversal
		switch e := n.(type) {
		case *hclsyntax.ScopeTraversalExpr:
			// Skip the steps that name things: var.NAME, TYPE.NAME,
			// data.TYPE.NAME, module.NAME.OUTPUT.
			skip := 2
			switch e.Traversal.RootName() {
			case "data":
				skip = 3
			case "module":
				skip = 3
			case "count", "each", "path", "terraform", "self":
				return nil
			}
			if len(e.Traversal) <= skip {
				return nil
			}
			tr = e.Traversal[skip:]
		case *hclsyntax.RelativeTraversalExpr:
			tr = e.Traversal
		default:
			return nil
		}
		for _, step := range tr {
			if a, ok := step.(hcl.TraverseAttr); ok {
				m.accessed[a.Name] = true
			}
		}
		return nil
	})
}

// sortedAttrs returns attributes in source order.
func sortedAttrs(attrs hcl.Attributes) []*hcl.Attribute {
	out := make([]*hcl.Attribute, 0, len(attrs))
	for _, a := range attrs {
		out = append(out, a)
	}
	sort.Slice(out, func(i, j int) bool { return posLess(out[i].Range, out[j].Range, out[i].Name, out[j].Name) })
	return out
}

func posLess(a, b hcl.Range, an, bn string) bool {
	if a.Start.Byte != b.Start.Byte {
		return a.Start.Byte < b.Start.Byte
	}
	return an < bn
}

// bodyAttrs returns the attributes of a body in source order: for native
// syntax only the attributes, for JSON every property (JSON cannot tell a
// nested block from an object without the provider's schema).
func bodyAttrs(body hcl.Body) []*hcl.Attribute {
	if ob, ok := body.(*overrideBody); ok {
		return ob.attrs()
	}
	if sb, ok := body.(*hclsyntax.Body); ok {
		out := make([]*hcl.Attribute, 0, len(sb.Attributes))
		for _, a := range sb.Attributes {
			out = append(out, a.AsHCLAttribute())
		}
		sort.Slice(out, func(i, j int) bool { return posLess(out[i].Range, out[j].Range, out[i].Name, out[j].Name) })
		return out
	}
	if body == nil {
		return nil
	}
	attrs, _ := body.JustAttributes()
	return sortedAttrs(attrs)
}

// bodyBlocks returns the nested blocks of a native-syntax body (and of a
// merged body, the native blocks of its parts).
func bodyBlocks(body hcl.Body) []*hclsyntax.Block {
	if ob, ok := body.(*overrideBody); ok {
		return ob.blocks()
	}
	if sb, ok := body.(*hclsyntax.Body); ok {
		return sb.Blocks
	}
	return nil
}
