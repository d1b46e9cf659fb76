package terraform

import (
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hclsyntax"
	"github.com/zclconf/go-cty/cty"

	"github.com/dbwarden/dbwarden/internal/scan"
)

// rootInput is the value a root module variable is given from outside: a
// tfvars assignment, or a -var / TF_VAR_ string that is read according to
// the variable's type.
type rootInput struct {
	val   cty.Value
	raw   string
	isRaw bool
	what  string
	rng   scan.Range
}

// value returns the input for a declared variable: -var and TF_VAR_ strings
// are literal for primitive types and HCL expressions for the others, as in
// Terraform.
func (ri *rootInput) value(d *varDecl) cty.Value {
	if !ri.isRaw {
		return ri.val
	}
	if !d.parseHCL {
		return cty.StringVal(ri.raw)
	}
	expr, ds := hclsyntax.ParseExpression([]byte(ri.raw), ri.what, hcl.InitialPos)
	if ds.HasErrors() {
		return cty.DynamicVal
	}
	v, ds := expr.Value(nil)
	if ds.HasErrors() {
		return cty.DynamicVal
	}
	return v
}

// tfvarsFile is a parsed variable definitions file.
type tfvarsFile struct {
	name  string // as displayed
	dir   string
	attrs []*hcl.Attribute
	vals  map[string]cty.Value
}

// readTfvars parses a tfvars file once, whichever way it is reached.
func (l *loader) readTfvars(path string) *tfvarsFile {
	key := filepath.Clean(path)
	if f, ok := l.varFiles[key]; ok {
		return f
	}
	name := filepath.ToSlash(path)
	f := &tfvarsFile{name: name, dir: filepath.ToSlash(filepath.Dir(path)), vals: map[string]cty.Value{}}
	l.varFiles[key] = f
	src, err := os.ReadFile(path)
	if err != nil {
		l.errs = append(l.errs, fmt.Errorf("terraform: %w", err))
		return f
	}
	l.p.AddFile(name, src)
	hf, ds := parseConfig(src, name)
	if ds.HasErrors() {
		l.diags(ds)
		return f
	}
	attrs, ds := hf.Body.JustAttributes()
	l.diags(ds)
	f.attrs = sortedAttrs(attrs)
	for _, a := range f.attrs {
		v, ds := a.Expr.Value(nil)
		if ds.HasErrors() {
			v = cty.DynamicVal
		}
		f.vals[a.Name] = v
	}
	return f
}

// environ returns the TF_VAR_ variables.
func (l *loader) environ() map[string]string {
	if l.env != nil {
		return l.env
	}
	env := l.opts.Env
	if env == nil {
		env = os.Environ()
	}
	l.env = map[string]string{}
	for _, kv := range env {
		k, v, ok := strings.Cut(kv, "=")
		if !ok || !strings.HasPrefix(k, "TF_VAR_") {
			continue
		}
		l.env[strings.TrimPrefix(k, "TF_VAR_")] = v
	}
	return l.env
}

// rootInputs collects the values given to a root module's variables, later
// sources overriding earlier ones: TF_VAR_ environment variables,
// terraform.tfvars, terraform.tfvars.json, *.auto.tfvars(.json) in lexical
// order, -var-file files, -var assignments.
func (l *loader) rootInputs(cfg *modConfig) map[string]*rootInput {
	in := map[string]*rootInput{}
	env := l.environ()
	names := make([]string, 0, len(env))
	for k := range env {
		names = append(names, k)
	}
	sort.Strings(names)
	for _, k := range names {
		if d := cfg.vars[k]; d != nil {
			in[k] = &rootInput{raw: env[k], isRaw: true, what: "TF_VAR_" + k, rng: d.rng}
		}
	}
	fromFile := func(f *tfvarsFile) {
		for _, a := range f.attrs {
			if cfg.vars[a.Name] != nil {
				in[a.Name] = &rootInput{val: f.vals[a.Name], rng: hclRange(a.Range)}
			}
		}
	}
	var auto []string
	for _, path := range l.tfvars {
		if filepath.Dir(path) != cfg.dir {
			continue
		}
		if base := filepath.Base(path); strings.HasSuffix(base, ".auto.tfvars") || strings.HasSuffix(base, ".auto.tfvars.json") {
			auto = append(auto, path)
		}
	}
	sort.Slice(auto, func(i, j int) bool { return filepath.Base(auto[i]) < filepath.Base(auto[j]) })
	for _, name := range []string{"terraform.tfvars", "terraform.tfvars.json"} {
		path := filepath.Join(cfg.dir, name)
		if st, err := os.Stat(path); err == nil && st.Mode().IsRegular() {
			fromFile(l.readTfvars(path))
		}
	}
	for _, path := range auto {
		fromFile(l.readTfvars(path))
	}
	for _, path := range l.opts.VarFiles {
		fromFile(l.readTfvars(path))
	}
	vars := make([]string, 0, len(l.opts.Vars))
	for k := range l.opts.Vars {
		vars = append(vars, k)
	}
	sort.Strings(vars)
	for _, k := range vars {
		if d := cfg.vars[k]; d != nil {
			in[k] = &rootInput{raw: l.opts.Vars[k], isRaw: true, what: "-var " + k, rng: d.rng}
		}
	}
	return in
}

// emitTfvars records every assignment of every tfvars file found or named,
// so that rules can find secrets written in them.
func (l *loader) emitTfvars() {
	paths := append([]string(nil), l.tfvars...)
	paths = append(paths, l.opts.VarFiles...)
	seen := map[string]bool{}
	for _, path := range paths {
		key := filepath.Clean(path)
		if seen[key] {
			continue
		}
		seen[key] = true
		f := l.readTfvars(path)
		for _, a := range f.attrs {
			rng := hclRange(a.Range)
			val := toValue(f.vals[a.Name], a.Expr, rng, false)
			l.p.Add(&scan.Resource{
				Lang:    scan.Terraform,
				Kind:    "tfvars",
				Type:    "tfvars",
				Address: f.name + ":" + a.Name,
				Attrs:   mapValue(rng, map[string]*scan.Value{"value": val}),
				Range:   rng,
				Dir:     f.dir,
				Scope:   f.dir, // the root module in its directory reads it
			})
		}
	}
}
