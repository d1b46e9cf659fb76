package scan

import (
	"bytes"
	"fmt"
	"path"
	"regexp"
	"strings"
)

// Suppression silences findings. Suppressed findings are still reported,
// marked as suppressed with the reason, never dropped.
type Suppression struct {
	// Rule is a rule id; "*" matches every rule.
	Rule string `json:"rule"`
	// File is a path or a path.Match pattern; empty matches every file.
	File string `json:"file,omitempty"`
	// Resource is an address or a path.Match pattern; empty matches every
	// resource.
	Resource string `json:"resource,omitempty"`
	// Reason is required.
	Reason string `json:"reason"`

	// line is set for inline suppressions: the line of the comment.
	line int
}

// Matches reports whether s silences f.
func (s Suppression) Matches(f *Finding) bool {
	if s.Reason == "" || (s.Rule != "*" && !strings.EqualFold(s.Rule, f.RuleID)) {
		return false
	}
	if s.line > 0 {
		// An inline comment covers its own line and the next one, and the
		// whole block of a resource that starts on either.
		return s.File == f.File && (near(s.line, f.Line) || near(s.line, f.resStart))
	}
	if s.File != "" && s.File != f.File {
		if ok, _ := path.Match(s.File, f.File); !ok && !strings.HasPrefix(f.File, strings.TrimSuffix(s.File, "/")+"/") {
			return false
		}
	}
	if s.Resource != "" && s.Resource != f.Resource {
		if ok, _ := path.Match(s.Resource, f.Resource); !ok {
			return false
		}
	}
	return true
}

func near(comment, line int) bool { return line == comment || line == comment+1 }

// Validate names what is wrong with a configured suppression.
func (s Suppression) Validate() error {
	if s.Rule == "" {
		return fmt.Errorf("suppression without a rule id")
	}
	if strings.TrimSpace(s.Reason) == "" {
		return fmt.Errorf("suppression of %s has no reason: a reason is required", s.Rule)
	}
	if s.File != "" {
		if _, err := path.Match(s.File, ""); err != nil {
			return fmt.Errorf("suppression of %s: bad file pattern %q", s.Rule, s.File)
		}
	}
	return nil
}

var ignoreRe = regexp.MustCompile(`dbwarden:ignore[ \t]+([A-Za-z0-9_*-]+)[ \t]*([^\r\n]*)`)

// InlineSuppressions finds `dbwarden:ignore DBW-... reason` markers in any
// comment of a file. A marker without a reason is returned with an empty
// Reason: it silences nothing, and BadInline reports it.
func InlineSuppressions(file string, src []byte) []Suppression {
	if !bytes.Contains(src, []byte("dbwarden:ignore")) {
		return nil
	}
	var out []Suppression
	for i, line := range bytes.Split(src, []byte("\n")) {
		m := ignoreRe.FindSubmatch(line)
		if m == nil {
			continue
		}
		reason := strings.TrimSpace(string(m[2]))
		reason = strings.TrimSpace(strings.TrimSuffix(strings.TrimSuffix(reason, "*/"), "-->"))
		out = append(out, Suppression{Rule: string(m[1]), File: file, Reason: reason, line: i + 1})
	}
	return out
}

// BadInline lists inline markers that silence nothing because they have no
// reason, as errors naming file and line.
func BadInline(p *Project) []error {
	var errs []error
	for name, src := range p.Files {
		for _, s := range InlineSuppressions(name, src) {
			if s.Reason == "" {
				errs = append(errs, fmt.Errorf("%s:%d: dbwarden:ignore %s has no reason; it is not applied", name, s.line, s.Rule))
			}
		}
	}
	return errs
}
