package report

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"

	"github.com/dbwarden/dbwarden/internal/scan"
)

// RulesTable writes the catalog as a table: id, severity, title and the
// languages each rule applies to.
func RulesTable(w io.Writer, rules []*scan.Rule) error {
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "ID\tSEVERITY\tTITLE\tLANGUAGES")
	for _, r := range rules {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\n", r.ID, r.Severity, r.Title, strings.Join(langNames(r), ","))
	}
	return tw.Flush()
}

// jsonRule is a rule as `dbwarden scan rules --format json` writes it.
type jsonRule struct {
	ID               string              `json:"id"`
	Title            string              `json:"title"`
	Severity         scan.Severity       `json:"severity"`
	SecuritySeverity string              `json:"security_severity"`
	Applies          map[string][]string `json:"applies"`
	Seeds            []string            `json:"seeds"`
	Rationale        string              `json:"rationale"`
	Remediation      string              `json:"remediation"`
	Examples         map[string]string   `json:"examples"`
	Trivy            []string            `json:"trivy"`
	Checkov          []string            `json:"checkov"`
	HelpURI          string              `json:"help_uri"`
}

// RulesJSON writes the catalog as a JSON array of rules, each with id,
// title, severity, applies (resource types per language), seeds,
// rationale, remediation, examples (per language), trivy and checkov.
func RulesJSON(w io.Writer, rules []*scan.Rule) error {
	out := make([]jsonRule, 0, len(rules))
	for _, r := range rules {
		jr := jsonRule{
			ID: r.ID, Title: r.Title, Severity: r.Severity, SecuritySeverity: SecuritySeverity(r.Severity),
			Applies: map[string][]string{}, Seeds: nonNil(r.Seeds), Rationale: r.Rationale, Remediation: r.Remediation,
			Examples: map[string]string{}, Trivy: nonNil(r.Trivy), Checkov: nonNil(r.Checkov),
			HelpURI: RulesURI + "#" + strings.ToLower(r.ID),
		}
		for l, types := range r.Applies {
			jr.Applies[string(l)] = nonNil(types)
		}
		for _, l := range exampleLangs(r) {
			jr.Examples[string(l)] = r.Example[l]
		}
		out = append(out, jr)
	}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	return enc.Encode(out)
}

func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

// RulesMarkdown writes the rule catalog page of the documentation
// (docs/RULES.md): an index table, then per rule its title, severity, the
// resource types it applies to, the seeds it comes from, rationale,
// remediation, a corrected example per language and the equivalent checks
// of trivy/tfsec and checkov.
func RulesMarkdown(w io.Writer, rules []*scan.Rule) error {
	b := bufio.NewWriter(w)
	p := func(format string, args ...any) { fmt.Fprintf(b, format, args...) }
	p("# dbwarden rule catalog\n\n")
	p("<!-- Generated from the catalog by `dbwarden scan rules --format markdown > docs/RULES.md`; edit the rules, not this page. -->\n\n")
	p("`dbwarden scan` holds Terraform, CloudFormation, Docker Compose files, Dockerfiles, IAM policy documents, my.cnf and .env files and live MySQL servers to these %d rules. ", len(rules))
	p("A finding of a rule can be suppressed with a reason, inline (`# dbwarden:ignore DBW-XXX-NNN reason`) or in a scan configuration file; ")
	p("see `dbwarden scan --help`.\n\n")
	p("Severities map to SARIF's `security-severity` as critical 9.5, high 8.0, medium 5.5, low 3.0.\n\n")
	if len(rules) > 0 {
		p("| Rule | Severity | Title | Applies to |\n|---|---|---|---|\n")
		for _, r := range rules {
			var langs []string
			for _, l := range sortedLangs(r) {
				langs = append(langs, langTitle(l))
			}
			p("| [%s](#%s) | %s | %s | %s |\n", r.ID, strings.ToLower(r.ID), r.Severity, cellText(r.Title), strings.Join(langs, ", "))
		}
	}
	for _, r := range rules {
		p("\n## %s\n\n", r.ID)
		p("**%s**\n\n", oneLine(r.Title))
		p("- Severity: %s\n", r.Severity)
		var applies []string
		for _, l := range sortedLangs(r) {
			s := langTitle(l)
			if types := r.Applies[l]; len(types) > 0 {
				s += " (" + code(types) + ")"
			}
			applies = append(applies, s)
		}
		p("- Applies to: %s\n", strings.Join(applies, "; "))
		if len(r.Seeds) > 0 {
			p("- Seeds: %s\n", strings.Join(r.Seeds, ", "))
		}
		p("- trivy/tfsec: %s\n", orNone(r.Trivy))
		p("- checkov: %s\n", orNone(r.Checkov))
		if r.Rationale != "" {
			p("\n%s\n", strings.TrimSpace(r.Rationale))
		}
		if r.Remediation != "" {
			p("\n**Remediation.** %s\n", strings.TrimSpace(r.Remediation))
		}
		for _, l := range exampleLangs(r) {
			p("\n%s:\n\n```%s\n%s\n```\n", langTitle(l), fence(l), strings.TrimRight(r.Example[l], "\n"))
		}
	}
	return b.Flush()
}

func sortedLangs(r *scan.Rule) []scan.Lang {
	var out []scan.Lang
	for _, n := range langNames(r) {
		out = append(out, scan.Lang(n))
	}
	return out
}

func code(items []string) string {
	q := make([]string, len(items))
	for i, s := range items {
		q[i] = "`" + s + "`"
	}
	return strings.Join(q, ", ")
}

func orNone(ids []string) string {
	if len(ids) == 0 {
		return "none"
	}
	return code(ids)
}

func oneLine(s string) string { return strings.Join(strings.Fields(s), " ") }

func cellText(s string) string { return strings.ReplaceAll(oneLine(s), "|", `\|`) }
