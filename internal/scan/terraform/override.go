package terraform

import (
	"fmt"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hclsyntax"
)

// Override files (override.tf, *_override.tf and their .tf.json forms) are
// merged into the declarations of the module's other files, the primary
// files, the way Terraform merges them:
//
//   - a resource, data source, module call, variable, output or provider
//     (by name and alias) in an override file must name one declared in a
//     primary file; each of its arguments replaces the original's, and each
//     nested block type it writes (a dynamic block counting as the type it
//     generates) replaces every block of that type in the original, except
//     a resource's lifecycle block, merged argument by argument;
//   - locals replace the primary files' locals of the same name, whatever
//     block they were written in;
//   - a backend or cloud block in a terraform block replaces the primary
//     files' backend and cloud blocks.
//
// Override files are applied one after another in lexical order, so a
// later one overrides what an earlier one merged.

// applyOverride merges one parsed override file into the module.
func (m *modConfig) applyOverride(f *hcl.File) {
	content, _, ds := f.Body.PartialContent(fileSchema)
	m.l.diags(ds)
	m.collectAccessed(f.Body)
	for _, b := range content.Blocks {
		switch b.Type {
		case "terraform":
			c, _, ds := b.Body.PartialContent(terraformSchema)
			m.l.diags(ds)
			if len(c.Blocks) > 0 {
				m.backends = nil
			}
			m.decodeTerraform(b)
		case "variable":
			prev := m.vars[b.Labels[0]]
			if prev == nil {
				m.missing(b, fmt.Sprintf("variable %q", b.Labels[0]))
				continue
			}
			d := m.varFromBlock(mergeBlock(prev.block, b))
			m.vars[d.name] = d
			replaceDecl(m.varOrder, prev, d)
		case "locals":
			attrs, ds := b.Body.JustAttributes()
			m.l.diags(ds)
			for _, a := range sortedAttrs(attrs) {
				prev := m.locals[a.Name]
				if prev == nil {
					m.l.errorf("%s:%d: missing local value to override: no local %q in the module's primary configuration files", a.Range.Filename, a.Range.Start.Line, a.Name)
					continue
				}
				d := &localDecl{name: a.Name, expr: a.Expr, rng: hclRange(a.Range)}
				m.locals[a.Name] = d
				replaceDecl(m.locOrder, prev, d)
			}
		case "output":
			prev := m.outputs[b.Labels[0]]
			if prev == nil {
				m.missing(b, fmt.Sprintf("output %q", b.Labels[0]))
				continue
			}
			d := m.outputFromBlock(mergeBlock(prev.block, b))
			m.outputs[d.name] = d
			replaceDecl(m.outOrder, prev, d)
		case "provider":
			over := providerFromBlock(b)
			i := -1
			for j, p := range m.providers {
				if p.typ == over.typ && p.alias == over.alias {
					i = j
				}
			}
			if i < 0 {
				what := fmt.Sprintf("provider %q", over.typ)
				if over.alias != "" {
					what += fmt.Sprintf(" with alias %q", over.alias)
				}
				m.missing(b, what)
				continue
			}
			m.providers[i] = providerFromBlock(mergeBlock(m.providers[i].block, b))
		case "resource", "data":
			key := b.Labels[0] + "." + b.Labels[1]
			if b.Type == "data" {
				key = "data." + key
			}
			prev := m.resources[key]
			if prev == nil {
				what := "resource"
				if b.Type == "data" {
					what = "data source"
				}
				m.missing(b, fmt.Sprintf("%s %q %q", what, b.Labels[0], b.Labels[1]))
				continue
			}
			d := resFromBlock(mergeBlock(prev.block, b))
			m.resources[key] = d
			replaceDecl(m.resOrder, prev, d)
		case "module":
			prev := m.callNamed[b.Labels[0]]
			if prev == nil {
				m.missing(b, fmt.Sprintf("module %q", b.Labels[0]))
				continue
			}
			d := m.callFromBlock(mergeBlock(prev.block, b))
			m.callNamed[d.name] = d
			replaceDecl(m.calls, prev, d)
		}
	}
}

// missing reports an override block that names nothing to override.
func (m *modConfig) missing(b *hcl.Block, what string) {
	m.l.errorf("%s:%d: missing %s to override: no %s in the module's primary configuration files", b.DefRange.Filename, b.DefRange.Start.Line, what, what)
}

// replaceDecl puts d where prev was in a declaration order.
func replaceDecl[T comparable](order []T, prev, d T) {
	for i, x := range order {
		if x == prev {
			order[i] = d
			return
		}
	}
}

// mergeBlock returns base with over merged into its body; it keeps base's
// type, labels and place.
func mergeBlock(base, over *hcl.Block) *hcl.Block {
	nb := *base
	nb.Body = &overrideBody{base: base.Body, over: over.Body}
	return &nb
}

// overrideBody is a body with an override body merged into it: over's
// arguments replace base's of the same name, and over's nested block types
// replace base's blocks of those types.
type overrideBody struct {
	base, over hcl.Body
}

var _ hcl.Body = (*overrideBody)(nil)

// Content implements hcl.Body.
func (b *overrideBody) Content(schema *hcl.BodySchema) (*hcl.BodyContent, hcl.Diagnostics) {
	bc, ds := b.base.Content(schema)
	oc, ods := b.over.Content(schema)
	return mergeContent(bc, oc), append(ds, ods...)
}

// PartialContent implements hcl.Body.
func (b *overrideBody) PartialContent(schema *hcl.BodySchema) (*hcl.BodyContent, hcl.Body, hcl.Diagnostics) {
	bc, brest, ds := b.base.PartialContent(schema)
	oc, orest, ods := b.over.PartialContent(schema)
	return mergeContent(bc, oc), &overrideBody{base: brest, over: orest}, append(ds, ods...)
}

// JustAttributes implements hcl.Body.
func (b *overrideBody) JustAttributes() (hcl.Attributes, hcl.Diagnostics) {
	out := hcl.Attributes{}
	var ds hcl.Diagnostics
	for _, a := range b.attrs() {
		out[a.Name] = a
	}
	// Report what each part reports (a nested block, say).
	_, bds := b.base.JustAttributes()
	_, ods := b.over.JustAttributes()
	ds = append(ds, bds...)
	return out, append(ds, ods...)
}

// MissingItemRange implements hcl.Body.
func (b *overrideBody) MissingItemRange() hcl.Range {
	return b.base.MissingItemRange()
}

func mergeContent(base, over *hcl.BodyContent) *hcl.BodyContent {
	out := &hcl.BodyContent{Attributes: hcl.Attributes{}, MissingItemRange: base.MissingItemRange}
	for name, a := range base.Attributes {
		out.Attributes[name] = a
	}
	for name, a := range over.Attributes {
		out.Attributes[name] = a
	}
	replaced := map[string]bool{}
	for _, blk := range over.Blocks {
		replaced[blk.Type] = true
	}
	for _, blk := range base.Blocks {
		if !replaced[blk.Type] {
			out.Blocks = append(out.Blocks, blk)
		}
	}
	out.Blocks = append(out.Blocks, over.Blocks...)
	return out
}

// overridden returns the names over writes: its arguments and the block
// types of its nested blocks. A JSON body cannot tell a nested block from
// an argument, so its properties replace blocks of the same name too.
func (b *overrideBody) overridden() map[string]bool {
	names := map[string]bool{}
	for _, a := range bodyAttrs(b.over) {
		names[a.Name] = true
	}
	for _, blk := range bodyBlocks(b.over) {
		names[blockKind(blk)] = true
	}
	return names
}

// attrs returns base's arguments that over does not replace, then over's.
func (b *overrideBody) attrs() []*hcl.Attribute {
	names := b.overridden()
	var out []*hcl.Attribute
	for _, a := range bodyAttrs(b.base) {
		if !names[a.Name] {
			out = append(out, a)
		}
	}
	return append(out, bodyAttrs(b.over)...)
}

// blocks returns base's nested blocks of the types over does not write,
// then over's; a lifecycle block in both is merged argument by argument.
func (b *overrideBody) blocks() []*hclsyntax.Block {
	names := b.overridden()
	var out []*hclsyntax.Block
	var lifecycle *hclsyntax.Block
	for _, blk := range bodyBlocks(b.base) {
		if blk.Type == "lifecycle" && lifecycle == nil {
			lifecycle = blk
		}
		if !names[blockKind(blk)] {
			out = append(out, blk)
		}
	}
	for _, blk := range bodyBlocks(b.over) {
		if blk.Type == "lifecycle" && lifecycle != nil {
			blk = mergeLifecycle(lifecycle, blk)
		}
		out = append(out, blk)
	}
	return out
}

// mergeLifecycle merges an override's lifecycle block into the original's:
// its arguments replace the original's of the same name.
func mergeLifecycle(base, over *hclsyntax.Block) *hclsyntax.Block {
	body := *over.Body
	body.Attributes = hclsyntax.Attributes{}
	for name, a := range base.Body.Attributes {
		body.Attributes[name] = a
	}
	for name, a := range over.Body.Attributes {
		body.Attributes[name] = a
	}
	if len(body.Blocks) == 0 {
		body.Blocks = base.Body.Blocks
	}
	nb := *over
	nb.Body = &body
	return &nb
}

// blockKind is the type of the blocks a nested block stands for: a dynamic
// block's label, otherwise its type.
func blockKind(b *hclsyntax.Block) string {
	if b.Type == "dynamic" && len(b.Labels) == 1 {
		return b.Labels[0]
	}
	return b.Type
}
