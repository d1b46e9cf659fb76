// Package terraform loads Terraform configurations into scan Resources,
// evaluated the way Terraform would evaluate them.
//
// Every directory holding .tf or .tf.json files is a module. Directories that
// another directory calls as a local module (source "./x" or "../x") are
// loaded only through their callers, with the callers' inputs; the rest are
// root modules, whose variables come from defaults, TF_VAR_* environment
// variables, terraform.tfvars, *.auto.tfvars, -var-file and -var, in
// Terraform's order of precedence. Override files (override.tf,
// *_override.tf and their .tf.json forms) are merged into the declarations
// they name, as Terraform merges them.
//
// Expressions are evaluated with HCL and cty: locals, conditionals, for
// expressions, splats, count, for_each, dynamic blocks and Terraform's common
// built-in functions. What Terraform only knows when it applies (computed
// attributes such as ids and ARNs, variables without a value, uuid(),
// timestamp(), remote module outputs) stays Unknown, and every value carries
// the addresses of the resources its expression referred to.
//
// The resources produced, all with Lang scan.Terraform:
//
//	Kind        Type                 Address
//	resource    aws_db_instance      aws_db_instance.main, module.db.aws_db_instance.this[0]
//	data        aws_iam_policy_...   data.aws_iam_policy_document.x
//	variable    variable             var.NAME     Attrs default, sensitive, type, value
//	output      output               output.NAME  Attrs value, sensitive
//	locals      locals               local.NAME   Attrs value
//	module      module               module.NAME  Attrs source, version and the inputs
//	provider    the provider name    provider.aws, provider.aws.west
//	backend     the backend type     backend.s3   Attrs its arguments
//	module_dir  terraform_module     the directory of a root module
//	tfvars      tfvars               FILE:NAME    Attrs value
package terraform

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hclsyntax"
	hcljson "github.com/hashicorp/hcl/v2/json"

	"github.com/dbwarden/dbwarden/internal/scan"
)

// Options are the inputs Terraform takes from its command line and
// environment.
type Options struct {
	// Vars are -var name=value assignments.
	Vars map[string]string
	// VarFiles are -var-file paths, applied after terraform.tfvars and
	// *.auto.tfvars.
	VarFiles []string
	// Env is the environment TF_VAR_* come from; nil means os.Environ().
	Env []string
}

// skipDirs are never descended into.
var skipDirs = map[string]bool{".git": true, ".terraform": true, "node_modules": true}

// maxInstances bounds count and for_each so that a typo such as
// count = 1e9 cannot exhaust memory.
const maxInstances = 10000

// maxTotalInstances bounds the instances of resources, modules and dynamic
// blocks of one LoadTree call.
const maxTotalInstances = 200000

// maxModuleDepth bounds nested module calls.
const maxModuleDepth = 16

// LoadTree finds every directory holding .tf files under root and loads each
// one that no other one calls as a local module, as a root module.
func LoadTree(p *scan.Project, root string, opts Options) error {
	l := newLoader(p, root, opts)
	if err := l.discover(); err != nil {
		l.errs = append(l.errs, err)
	}
	l.run()
	return errors.Join(l.errs...)
}

// LoadDir loads the configuration files of dir alone as one root module,
// with the local modules it calls: what Terraform plans when run in dir.
// Directories below dir that dir does not call are not loaded.
func LoadDir(p *scan.Project, dir string, opts Options) error {
	l := newLoader(p, dir, opts)
	l.shallow = true
	if err := l.discover(); err != nil {
		l.errs = append(l.errs, err)
	}
	l.run()
	return errors.Join(l.errs...)
}

// loader holds the state of one LoadTree or LoadDir call.
type loader struct {
	p    *scan.Project
	root string
	opts Options
	// shallow loads root alone, not the directories below it.
	shallow bool

	dirs     map[string]*modConfig // by cleaned directory
	dirOrder []string
	tfvars   []string // every *.tfvars(.json) file found
	varFiles map[string]*tfvarsFile

	errs    []error
	errSeen map[string]bool
	budget  int
	outside []string // module directories loaded from outside root
	stack   []*memo  // what is being evaluated, for cycle reports
	env     map[string]string
}

func newLoader(p *scan.Project, root string, opts Options) *loader {
	return &loader{
		p:        p,
		root:     filepath.Clean(root),
		opts:     opts,
		dirs:     map[string]*modConfig{},
		varFiles: map[string]*tfvarsFile{},
		errSeen:  map[string]bool{},
		budget:   maxTotalInstances,
	}
}

// errorf records an error once.
func (l *loader) errorf(format string, args ...any) {
	msg := fmt.Sprintf(format, args...)
	if l.errSeen[msg] {
		return
	}
	l.errSeen[msg] = true
	l.errs = append(l.errs, errors.New(msg))
}

// diags records the errors among ds.
func (l *loader) diags(ds hcl.Diagnostics) {
	for _, d := range ds {
		if d.Severity != hcl.DiagError {
			continue
		}
		l.errorf("%s", diagString(d))
	}
}

func diagString(d *hcl.Diagnostic) string {
	msg := d.Summary
	if d.Detail != "" {
		msg += ": " + d.Detail
	}
	if d.Subject != nil {
		return fmt.Sprintf("%s:%d: %s", d.Subject.Filename, d.Subject.Start.Line, msg)
	}
	return msg
}

// isOverride reports whether path is a Terraform override file.
func isOverride(path string) bool {
	base := strings.TrimSuffix(strings.TrimSuffix(filepath.Base(path), ".json"), ".tf")
	return base == "override" || strings.HasSuffix(base, "_override")
}

// isConfigFile reports whether name is a Terraform configuration file.
func isConfigFile(name string) bool {
	return strings.HasSuffix(name, ".tf") || strings.HasSuffix(name, ".tf.json")
}

func isTfvarsFile(name string) bool {
	return strings.HasSuffix(name, ".tfvars") || strings.HasSuffix(name, ".tfvars.json")
}

// discover walks the tree, parses every configuration file and decodes each
// directory's module.
func (l *loader) discover() error {
	st, err := os.Stat(l.root)
	if err != nil {
		return fmt.Errorf("terraform: %w", err)
	}
	if !st.IsDir() {
		return fmt.Errorf("terraform: %s is not a directory", l.root)
	}
	files := map[string][]string{}
	err = filepath.WalkDir(l.root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			l.errs = append(l.errs, fmt.Errorf("terraform: %w", err))
			if d != nil && d.IsDir() {
				return filepath.SkipDir
			}
			return nil
		}
		if d.IsDir() {
			if path != l.root && (l.shallow || skipDirs[d.Name()]) {
				return filepath.SkipDir
			}
			return nil
		}
		if !d.Type().IsRegular() {
			return nil
		}
		name := d.Name()
		switch {
		case isConfigFile(name):
			dir := filepath.Dir(path)
			files[dir] = append(files[dir], path)
		case isTfvarsFile(name):
			l.tfvars = append(l.tfvars, path)
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("terraform: walk %s: %w", l.root, err)
	}
	for dir := range files {
		l.dirOrder = append(l.dirOrder, dir)
	}
	sort.Strings(l.dirOrder)
	for _, dir := range l.dirOrder {
		sort.Strings(files[dir])
		l.dirs[dir] = l.loadDir(dir, files[dir])
	}
	return nil
}

// loadDir parses the files of one directory and decodes its module.
func (l *loader) loadDir(dir string, paths []string) *modConfig {
	m := newModConfig(l, dir)
	// Override files come last, in lexical order, and are merged into the
	// declarations of the others.
	sort.SliceStable(paths, func(i, j int) bool { return !isOverride(paths[i]) && isOverride(paths[j]) })
	for _, path := range paths {
		name := filepath.ToSlash(path)
		src, err := os.ReadFile(path)
		if err != nil {
			l.errs = append(l.errs, fmt.Errorf("terraform: %w", err))
			continue
		}
		l.p.AddFile(name, src)
		if m.firstFile == "" {
			m.firstFile = name
		}
		f, ds := parseConfig(src, name)
		if ds.HasErrors() {
			l.diags(ds)
			continue
		}
		if isOverride(path) {
			m.applyOverride(f)
		} else {
			m.decodeFile(f)
		}
	}
	m.finish()
	return m
}

// moduleDir returns the module in dir, loading it when it lies outside the
// tree (a caller's source = "../../modules/x" that reaches beyond root).
func (l *loader) moduleDir(dir string) *modConfig {
	if m, ok := l.dirs[dir]; ok {
		return m
	}
	l.dirs[dir] = nil
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil
	}
	var paths []string
	for _, e := range entries {
		if e.Type().IsRegular() && isConfigFile(e.Name()) {
			paths = append(paths, filepath.Join(dir, e.Name()))
		}
	}
	if len(paths) == 0 {
		return nil
	}
	l.outside = append(l.outside, dir)
	m := l.loadDir(dir, paths)
	l.dirs[dir] = m
	return m
}

// parseConfig parses native syntax or JSON by the file's name.
func parseConfig(src []byte, name string) (*hcl.File, hcl.Diagnostics) {
	if strings.HasSuffix(name, ".json") {
		return hcljson.Parse(src, name)
	}
	return hclsyntax.ParseConfig(src, name, hcl.InitialPos)
}

// run evaluates every root module and emits its resources, then the tfvars
// files.
func (l *loader) run() {
	called := map[string]bool{}
	for _, dir := range l.dirOrder {
		for _, c := range l.dirs[dir].calls {
			if c.local && c.dir != dir {
				called[c.dir] = true
			}
		}
	}
	// Directories that only call each other in a ring have no caller
	// outside the ring: load them as roots rather than not at all.
	reached := map[string]bool{}
	var reach func(dir string)
	reach = func(dir string) {
		if reached[dir] {
			return
		}
		reached[dir] = true
		if m := l.dirs[dir]; m != nil {
			for _, c := range m.calls {
				if c.local {
					reach(c.dir)
				}
			}
		}
	}
	var roots []string
	for _, dir := range l.dirOrder {
		if !called[dir] {
			roots = append(roots, dir)
			reach(dir)
		}
	}
	for _, dir := range l.dirOrder {
		if !reached[dir] {
			roots = append(roots, dir)
			reach(dir)
		}
	}
	for _, dir := range roots {
		in := l.newRoot(l.dirs[dir])
		in.emitAll()
	}
	l.emitTfvars()
}

// displayDir returns a directory for display: slash-separated, as under
// root.
func displayDir(dir string) string { return filepath.ToSlash(dir) }
