package report

import (
	"bufio"
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"

	"github.com/dbwarden/dbwarden/internal/scan"
)

// TextOptions shape the text report.
type TextOptions struct {
	// Color turns on ANSI colours; set it only when writing to a terminal.
	Color bool
}

// ANSI styles.
const (
	ansiReset   = "\x1b[0m"
	ansiBold    = "\x1b[1m"
	ansiDim     = "\x1b[2m"
	ansiRed     = "\x1b[31m"
	ansiYellow  = "\x1b[33m"
	ansiCyan    = "\x1b[36m"
	ansiMagenta = "\x1b[35m"
)

// maxQuoted is the most source lines quoted under one finding.
const maxQuoted = 6

type textWriter struct {
	w   *bufio.Writer
	opt TextOptions
}

func (t *textWriter) style(s string, codes ...string) string {
	if !t.opt.Color || len(codes) == 0 {
		return s
	}
	return strings.Join(codes, "") + s + ansiReset
}

func (t *textWriter) printf(format string, args ...any) { fmt.Fprintf(t.w, format, args...) }

func severityStyle(s scan.Severity) []string {
	switch s {
	case scan.Critical:
		return []string{ansiBold, ansiMagenta}
	case scan.High:
		return []string{ansiBold, ansiRed}
	case scan.Medium:
		return []string{ansiYellow}
	}
	return []string{ansiCyan}
}

// Text writes the report for people: decided findings grouped by file, each
// with its severity, rule, title, resource, message and the offending lines;
// suppressed findings dimmed with their reason; undecidable findings in a
// section of their own; then the remediation of every rule that fired and a
// summary line.
func Text(w io.Writer, r *Report, opt TextOptions) error {
	t := &textWriter{w: bufio.NewWriter(w), opt: opt}
	rules := ruleIndex(r.Rules)

	var decided, unknown []scan.Finding
	for _, f := range r.Findings {
		if f.Unknown && !f.Suppressed {
			unknown = append(unknown, f)
			continue
		}
		decided = append(decided, f)
	}

	file := ""
	for i := range decided {
		f := &decided[i]
		if i == 0 || f.File != file {
			file = f.File
			if i > 0 {
				t.printf("\n")
			}
			head := file
			if isLive(f) {
				head = "server " + file
			}
			t.printf("%s\n", t.style(head, ansiBold))
		}
		// Findings on the same line share one quote, after the last.
		last := i+1 == len(decided) || decided[i+1].File != f.File || decided[i+1].Line != f.Line || decided[i+1].Suppressed
		t.finding(f, r.Files, last)
	}

	if len(unknown) > 0 {
		if len(decided) > 0 {
			t.printf("\n")
		}
		t.printf("%s\n", t.style("Could not be decided (a value is only known when applied):", ansiBold))
		for _, f := range unknown {
			t.printf("  %s %s %s: %s\n", t.style(f.Severity.String(), ansiDim), f.RuleID, where(&f), f.Message)
		}
	}

	// The remediation of each rule that fired, once, in rule order.
	var fired []string
	seen := map[string]bool{}
	for _, f := range decided {
		if f.Suppressed || seen[f.RuleID] {
			continue
		}
		seen[f.RuleID] = true
		fired = append(fired, f.RuleID)
	}
	slices.Sort(fired)
	width := 0
	for _, id := range fired {
		width = max(width, len(id))
	}
	var fixes []string
	for _, id := range fired {
		if rl := rules[id]; rl != nil && rl.Remediation != "" {
			pad := strings.Repeat(" ", width-len(id))
			fixes = append(fixes, fmt.Sprintf("  %s%s  %s\n", t.style(id, ansiBold), pad, firstSentence(rl.Remediation)))
		}
	}
	if len(fixes) > 0 {
		t.printf("\n%s\n", t.style("How to fix:", ansiBold))
		for _, s := range fixes {
			t.printf("%s", s)
		}
	}

	if len(r.Findings) > 0 || r.Unlisted > 0 {
		t.printf("\n")
	}
	t.printf("%s\n", t.summary(Count(r.Findings), r.Unlisted))
	return t.w.Flush()
}

// finding writes one decided (or suppressed) finding, and the lines it is
// about when quote is set.
func (t *textWriter) finding(f *scan.Finding, files map[string][]byte, quote bool) {
	sev := fmt.Sprintf("%-8s", f.Severity.String())
	if f.Suppressed {
		t.printf("  %s\n", t.style(fmt.Sprintf("%s %s %s (suppressed)", sev, f.RuleID, f.Title), ansiDim))
		t.printf("    %s\n", t.style(fmt.Sprintf("%s: %s", where(f), f.Message), ansiDim))
		t.printf("    %s\n", t.style("reason: "+f.Reason, ansiDim))
		return
	}
	t.printf("  %s %s %s\n", t.style(sev, severityStyle(f.Severity)...), t.style(f.RuleID, ansiBold), f.Title)
	t.printf("    %s: %s\n", where(f), f.Message)
	if src, ok := files[f.File]; ok && quote && f.Line > 0 && !isLive(f) {
		t.quote(src, f.Line)
	}
}

// quote prints the lines around line, at most maxQuoted of them, with line
// marked and secret values masked.
func (t *textWriter) quote(src []byte, line int) {
	lines := strings.Split(string(src), "\n")
	if len(lines) > 0 && lines[len(lines)-1] == "" {
		lines = lines[:len(lines)-1]
	}
	if line > len(lines) {
		return
	}
	start := max(1, line-2)
	end := min(len(lines), start+maxQuoted-1)
	width := len(strconv.Itoa(end))
	for i, l := range lines {
		lines[i] = strings.ReplaceAll(strings.TrimRight(l, "\r"), "\t", "  ")
	}
	for n := start; n <= end; n++ {
		text := redactAt(lines, n)
		num := fmt.Sprintf("%*d", width, n)
		if n == line {
			t.printf("    %s %s | %s\n", t.style(">", ansiBold), t.style(num, ansiBold), text)
			continue
		}
		if text == "" {
			t.printf("      %s |\n", t.style(num, ansiDim))
			continue
		}
		t.printf("      %s | %s\n", t.style(num, ansiDim), text)
	}
}

func (t *textWriter) summary(c Counts, unlisted int) string {
	var parts []string
	for _, s := range []scan.Severity{scan.Critical, scan.High, scan.Medium, scan.Low} {
		parts = append(parts, fmt.Sprintf("%d %s", c.BySeverity[s], strings.ToLower(s.String())))
	}
	noun := "findings"
	if c.Failed == 1 {
		noun = "finding"
	}
	s := fmt.Sprintf("%d %s (%s), %d suppressed, %d could not be decided", c.Failed, noun, strings.Join(parts, ", "), c.Suppressed, c.Unknown+unlisted)
	if c.Failed == 0 {
		return t.style(s, ansiBold)
	}
	return t.style(s, ansiBold, ansiRed)
}

// location is file:line, or the server label for a live server.
// where names a finding's place: file:line and resource; for a live server,
// whose label heads the group already, the account or setting alone.
func where(f *scan.Finding) string {
	if isLive(f) {
		return f.Resource
	}
	return location(f) + " " + f.Resource
}

func location(f *scan.Finding) string {
	if isLive(f) || f.Line <= 0 {
		return f.File
	}
	return f.File + ":" + strconv.Itoa(f.Line)
}
