// Package scan holds dbwarden's posture scanner together: the model every
// loader produces (Resources with evaluated Values), the Rule type the
// catalog is made of, compliance Profiles, Findings and suppressions.
//
// Loaders live in subpackages (terraform, cloudformation, mycnf, mysqlscan)
// and turn their input into Resources; package load finds inputs on disk and
// dispatches to them; package rules is the catalog; package report writes
// text, JSON and SARIF.
package scan

import (
	"fmt"
	"path/filepath"
	"sort"
	"strings"
)

// Lang names an input language.
type Lang string

// The input languages.
const (
	Terraform      Lang = "terraform"
	CloudFormation Lang = "cloudformation"
	MyCnf          Lang = "mycnf"
	MySQL          Lang = "mysql" // a live server
	Git            Lang = "git"   // repository hygiene (.gitignore)
	IAMPolicy      Lang = "iam"   // IAM policy documents in JSON files
	Compose        Lang = "compose"
	DotEnv         Lang = "dotenv" // environment files (.env)
	Dockerfile     Lang = "dockerfile"
)

// Resource is one thing a rule looks at.
//
//	Terraform:      Kind "resource", "data", "variable", "output", "locals",
//	                "backend", "provider", "module" (a module call with its
//	                inputs), "tfvars" (an assignment in a .tfvars file),
//	                "module_dir" (a root module); Type "aws_db_instance", ...;
//	                Address "module.db.aws_db_instance.this[0]"
//	CloudFormation: Kind "resource", "parameter", "output";
//	                Type "AWS::RDS::DBInstance", ...; Address the logical id
//	my.cnf:         Kind "section"; Type the section name ("mysqld");
//	                Attrs the options, names with '-' written as '_'
//	live MySQL:     Kind "account" (Address 'user'@'host'), "server"
//	                (Attrs the global variables), "database"
//	git:            Kind "gitignore"; Attrs {"patterns": [...]}
//	IAM policy:     Kind "document", Type "policy_document", Address the
//	                file's name; Attrs {"Document": the policy}
//	Compose:        Kind "service", Type "service", Address
//	                "services.<name>"; Attrs the service as written
//	.env:           Kind "file", Type "env_file", Address the file's name;
//	                Attrs {"variables": {NAME: value}}
//	Dockerfile:     Kind "file", Type "dockerfile", Address the file's name;
//	                Attrs {"instructions": [{"instruction", "arguments"}]}
type Resource struct {
	Lang    Lang
	Kind    string
	Type    string
	Address string
	Attrs   *Value
	Range   Range
	// Module is the Terraform module path ("module.db"), empty for the root
	// module and for other languages.
	Module string
	// Dir is the directory of the Terraform module or the file's directory.
	Dir string
	// Scope groups the resources that can refer to each other: a Terraform
	// root module with its child modules, one CloudFormation template, one
	// live server. Rules see one scope at a time, so a rotation in one root
	// module never vouches for a secret in another. Empty means the loader
	// did not say: the scope is then derived (see scopeOf); Git resources
	// are seen from every scope.
	Scope string
}

// scopeOf returns the scope a resource is checked in; "" for resources
// every scope sees.
func scopeOf(r *Resource) string {
	switch {
	case r.Lang == Git:
		return ""
	case r.Scope != "":
		return string(r.Lang) + ":" + r.Scope
	case r.Lang == Terraform:
		return "terraform:" + r.Dir
	case r.Lang == MyCnf:
		return "mycnf" // the rules group option files by their top file
	}
	return string(r.Lang) + ":" + r.Range.File
}

// scopes splits the project into one project per scope, each holding the
// resources every scope sees too, in a stable order.
func (p *Project) scopes() []*Project {
	var shared []*Resource
	by := map[string][]*Resource{}
	var names []string
	for _, r := range p.Resources {
		s := scopeOf(r)
		if s == "" {
			shared = append(shared, r)
			continue
		}
		if _, ok := by[s]; !ok {
			names = append(names, s)
		}
		by[s] = append(by[s], r)
	}
	if len(names) <= 1 {
		return []*Project{p}
	}
	sort.Strings(names)
	out := make([]*Project, len(names))
	for i, n := range names {
		out[i] = &Project{Resources: append(by[n], shared...), Profile: p.Profile, Files: p.Files}
	}
	return out
}

// Attr returns the attribute at path.
func (r *Resource) Attr(path ...string) *Value { return r.Attrs.Get(path...) }

// Project is everything loaded for one scan.
type Project struct {
	Resources []*Resource
	Profile   Profile
	// Files are the input files read, for reports that quote lines and for
	// inline suppressions.
	Files map[string][]byte
	// Embedded are the files an input read as part of itself (Terraform's
	// file() and templatefile()), by absolute path: they are checked there,
	// not again on their own.
	Embedded map[string]bool

	byType map[string][]*Resource
}

// Add appends resources.
func (p *Project) Add(rs ...*Resource) {
	p.Resources = append(p.Resources, rs...)
	p.byType = nil
}

// Of returns the resources of a language and one of the given types, in
// input order.
func (p *Project) Of(lang Lang, types ...string) []*Resource {
	if p.byType == nil {
		p.byType = map[string][]*Resource{}
		for _, r := range p.Resources {
			k := string(r.Lang) + "\x00" + r.Type
			p.byType[k] = append(p.byType[k], r)
		}
	}
	var out []*Resource
	for _, t := range types {
		out = append(out, p.byType[string(lang)+"\x00"+t]...)
	}
	return out
}

// Severity orders findings.
type Severity int

// Severities, lowest first.
const (
	Low Severity = iota + 1
	Medium
	High
	Critical
)

var severityNames = map[Severity]string{Low: "LOW", Medium: "MEDIUM", High: "HIGH", Critical: "CRITICAL"}

func (s Severity) String() string {
	if n, ok := severityNames[s]; ok {
		return n
	}
	return fmt.Sprintf("severity(%d)", int(s))
}

// MarshalText writes the severity's name.
func (s Severity) MarshalText() ([]byte, error) { return []byte(s.String()), nil }

// ParseSeverity reads low, medium, high or critical in any case.
func ParseSeverity(s string) (Severity, error) {
	for k, n := range severityNames {
		if strings.EqualFold(s, n) {
			return k, nil
		}
	}
	return 0, fmt.Errorf("unknown severity %q: want low, medium, high or critical", s)
}

// Profile holds the thresholds that compliance regimes tighten.
type Profile struct {
	Name string
	// LogRetentionDays is the least CloudWatch log retention accepted (seed
	// 000: 14 days; seed 003: PCI 365, HIPAA 730).
	LogRetentionDays int
	// MaxRotationDays is the longest rotation interval accepted.
	MaxRotationDays int
	// MinBackupRetentionDays is the least RDS backup retention accepted.
	MinBackupRetentionDays int
	// MFADelete requires MFA delete on backup buckets (seed 003, PCI).
	MFADelete bool
}

// Profiles are the built-in compliance profiles.
var Profiles = map[string]Profile{
	"baseline": {Name: "baseline", LogRetentionDays: 14, MaxRotationDays: 30, MinBackupRetentionDays: 7},
	"pci":      {Name: "pci", LogRetentionDays: 365, MaxRotationDays: 30, MinBackupRetentionDays: 7, MFADelete: true},
	"hipaa":    {Name: "hipaa", LogRetentionDays: 730, MaxRotationDays: 30, MinBackupRetentionDays: 7},
}

// ProfileNamed returns a built-in profile.
func ProfileNamed(name string) (Profile, error) {
	p, ok := Profiles[strings.ToLower(name)]
	if !ok {
		return Profile{}, fmt.Errorf("unknown profile %q: want baseline, pci or hipaa", name)
	}
	return p, nil
}

// Rule is one control of the catalog.
type Rule struct {
	ID       string
	Title    string
	Severity Severity
	// Applies names, per language, the resource types the rule looks at.
	Applies map[Lang][]string
	// Seeds cites where the control comes from ("000 §7", "003 PCI").
	Seeds     []string
	Rationale string
	// Remediation says what to change; Example shows corrected code per
	// language.
	Remediation string
	Example     map[Lang]string
	// Trivy and Checkov are the ids of the peers' equivalent checks.
	Trivy   []string
	Checkov []string
	// Check looks at the project and reports through out.
	Check func(p *Project, out *Out)
}

// Out collects a rule's results.
type Out struct {
	rule     *Rule
	findings []Finding
}

// Fail reports a violation on r; at, when it carries a position, points at
// the offending value, else the resource's first line is used.
func (o *Out) Fail(r *Resource, at *Value, format string, args ...any) {
	o.add(r, at, false, fmt.Sprintf(format, args...))
}

// Unknown reports that r could not be decided because a value it depends on
// is only known when applied. It is never counted as a pass or a failure.
func (o *Out) Unknown(r *Resource, at *Value, format string, args ...any) {
	o.add(r, at, true, fmt.Sprintf(format, args...))
}

func (o *Out) add(r *Resource, at *Value, unknown bool, msg string) {
	f := Finding{
		RuleID:   o.rule.ID,
		Severity: o.rule.Severity,
		Title:    o.rule.Title,
		File:     r.Range.File,
		Line:     r.Range.Line,
		EndLine:  r.Range.EndLine,
		Resource: r.Address,
		Lang:     r.Lang,
		Message:  msg,
		Unknown:  unknown,
	}
	if at != nil && at.Range.Line > 0 && (at.Range.File == "" || at.Range.File == r.Range.File) {
		f.Line, f.EndLine = at.Range.Line, at.Range.EndLine
	}
	f.resStart, f.resEnd = r.Range.Line, r.Range.EndLine
	o.findings = append(o.findings, f)
}

// Finding is one result of a scan.
type Finding struct {
	RuleID     string   `json:"rule_id"`
	Severity   Severity `json:"severity"`
	Title      string   `json:"title"`
	File       string   `json:"file"`
	Line       int      `json:"line"`
	EndLine    int      `json:"end_line,omitempty"`
	Resource   string   `json:"resource"`
	Lang       Lang     `json:"language"`
	Message    string   `json:"message"`
	Unknown    bool     `json:"unknown"`
	Suppressed bool     `json:"suppressed"`
	// Reason is why the finding is suppressed.
	Reason string `json:"suppression_reason,omitempty"`

	resStart, resEnd int
}

// Run applies rules to the project and returns the findings, sorted by file,
// line and rule, with suppressions applied.
func Run(p *Project, rules []*Rule, sup []Suppression) []Finding {
	var all []Finding
	seen := map[Finding]bool{}
	for _, sp := range p.scopes() {
		for _, r := range rules {
			if r.Check == nil {
				continue
			}
			out := &Out{rule: r}
			r.Check(sp, out)
			for _, f := range out.findings {
				if !seen[f] { // a resource every scope sees is reported once
					seen[f] = true
					all = append(all, f)
				}
			}
		}
	}
	inline := map[string][]Suppression{}
	for name, src := range p.Files {
		inline[name] = InlineSuppressions(name, src)
	}
	for i := range all {
		f := &all[i]
		for _, s := range append(inline[f.File], sup...) {
			if s.Matches(f) {
				f.Suppressed, f.Reason = true, s.Reason
				break
			}
		}
	}
	sort.SliceStable(all, func(i, j int) bool {
		a, b := all[i], all[j]
		if a.File != b.File {
			return a.File < b.File
		}
		if a.Line != b.Line {
			return a.Line < b.Line
		}
		if a.RuleID != b.RuleID {
			return a.RuleID < b.RuleID
		}
		return a.Resource < b.Resource
	})
	return all
}

// AddEmbedded records that an input read the file at path as part of itself.
func (p *Project) AddEmbedded(path string) {
	abs, err := filepath.Abs(path)
	if err != nil {
		return
	}
	if real, err := filepath.EvalSymlinks(abs); err == nil {
		abs = real
	}
	if p.Embedded == nil {
		p.Embedded = map[string]bool{}
	}
	p.Embedded[abs] = true
}

// IsEmbedded reports whether an input read the file at path as part of
// itself.
func (p *Project) IsEmbedded(path string) bool {
	abs, err := filepath.Abs(path)
	if err != nil {
		return false
	}
	if real, err := filepath.EvalSymlinks(abs); err == nil {
		abs = real
	}
	return p.Embedded[abs]
}

// AddFile records an input file's contents for reports and inline
// suppressions.
func (p *Project) AddFile(name string, src []byte) {
	if p.Files == nil {
		p.Files = map[string][]byte{}
	}
	p.Files[name] = src
}
