// Package report writes the results of a dbwarden scan as text for people,
// as JSON for scripts and as SARIF 2.1.0 for code scanning services, and the
// rule catalog as a table, JSON or the Markdown page of the documentation.
//
// Every writer is deterministic: the same findings and catalog give the
// same bytes. No writer ever prints a secret value: quoted source lines
// have the values of password-like keys masked.
package report

import (
	"sort"
	"strings"

	"github.com/dbwarden/dbwarden/internal/scan"
)

// Report is what one scan produced.
type Report struct {
	// Findings are the scan's findings, in scan.Run's order. Writers show
	// every finding they are given; the caller filters by severity and
	// decides whether undecidable findings are included.
	Findings []scan.Finding
	// Rules is the catalog the scan ran, for remediation and SARIF rule
	// metadata. A finding whose rule is not in it is still written.
	Rules []*scan.Rule
	// Files are the input files (scan.Project.Files), for quoting lines and
	// telling inline suppressions from configured ones.
	Files map[string][]byte
	// Errors are the problems met while loading inputs; the scan ran on
	// everything else.
	Errors []error
	// Unlisted counts undecidable findings the caller left out of Findings,
	// so that the text summary still counts them.
	Unlisted int
}

// Counts summarises findings.
type Counts struct {
	// BySeverity counts decided, unsuppressed findings.
	BySeverity map[scan.Severity]int
	Failed     int // decided, unsuppressed
	Suppressed int
	Unknown    int // undecidable and unsuppressed
}

// Count tallies findings.
func Count(fs []scan.Finding) Counts {
	c := Counts{BySeverity: map[scan.Severity]int{}}
	for _, f := range fs {
		switch {
		case f.Suppressed:
			c.Suppressed++
		case f.Unknown:
			c.Unknown++
		default:
			c.Failed++
			c.BySeverity[f.Severity]++
		}
	}
	return c
}

// ruleIndex maps rule ids to their rules.
func ruleIndex(rules []*scan.Rule) map[string]*scan.Rule {
	m := make(map[string]*scan.Rule, len(rules))
	for _, r := range rules {
		m[r.ID] = r
	}
	return m
}

// isLive reports whether a finding is about a live server rather than a
// file: its File is the server's label, not a path.
func isLive(f *scan.Finding) bool { return f.Lang == scan.MySQL }

// inSource reports whether a suppressed finding was silenced by a
// dbwarden:ignore comment in its own file (rather than by configuration).
func inSource(f *scan.Finding, files map[string][]byte) bool {
	src, ok := files[f.File]
	if !ok || !f.Suppressed {
		return false
	}
	for _, s := range scan.InlineSuppressions(f.File, src) {
		if s.Reason == f.Reason && s.Matches(f) {
			return true
		}
	}
	return false
}

// langNames returns the languages a rule applies to, sorted.
func langNames(r *scan.Rule) []string {
	out := make([]string, 0, len(r.Applies))
	for l := range r.Applies {
		out = append(out, string(l))
	}
	sort.Strings(out)
	return out
}

// exampleLangs returns the languages a rule has corrected examples for,
// sorted.
func exampleLangs(r *scan.Rule) []scan.Lang {
	out := make([]scan.Lang, 0, len(r.Example))
	for l, ex := range r.Example {
		if strings.TrimSpace(ex) != "" {
			out = append(out, l)
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i] < out[j] })
	return out
}

// langTitle names a language for people.
func langTitle(l scan.Lang) string {
	switch l {
	case scan.Terraform:
		return "Terraform"
	case scan.CloudFormation:
		return "CloudFormation"
	case scan.MyCnf:
		return "my.cnf"
	case scan.MySQL:
		return "live MySQL"
	case scan.Git:
		return "git"
	case scan.IAMPolicy:
		return "IAM policy JSON"
	case scan.Compose:
		return "Docker Compose"
	case scan.DotEnv:
		return ".env"
	case scan.Dockerfile:
		return "Dockerfile"
	}
	return string(l)
}

// fence is the Markdown code fence language of an example.
func fence(l scan.Lang) string {
	switch l {
	case scan.Terraform:
		return "hcl"
	case scan.CloudFormation:
		return "yaml"
	case scan.MyCnf:
		return "ini"
	case scan.MySQL:
		return "sql"
	case scan.IAMPolicy:
		return "json"
	case scan.Compose:
		return "yaml"
	case scan.DotEnv:
		return "sh"
	case scan.Dockerfile:
		return "dockerfile"
	}
	return ""
}

// firstSentence returns the first sentence of s (up to the first ". "),
// for the short form of a remediation.
func firstSentence(s string) string {
	s = strings.Join(strings.Fields(s), " ")
	if i := strings.Index(s, ". "); i >= 0 {
		return s[:i+1]
	}
	return s
}
