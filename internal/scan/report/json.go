package report

import (
	"encoding/json"
	"io"

	"github.com/dbwarden/dbwarden/internal/scan"
)

// jsonFinding is a finding with its rule's remediation.
type jsonFinding struct {
	scan.Finding
	Remediation string `json:"remediation,omitempty"`
}

// JSON writes the findings as a JSON array, one object per finding with
// rule_id, severity, title, file, line, end_line (when known), resource,
// language, message, unknown, suppressed, suppression_reason (when
// suppressed) and remediation. An empty scan writes [].
func JSON(w io.Writer, r *Report) error {
	rules := ruleIndex(r.Rules)
	out := make([]jsonFinding, 0, len(r.Findings))
	for _, f := range r.Findings {
		jf := jsonFinding{Finding: f}
		if rl := rules[f.RuleID]; rl != nil {
			jf.Remediation = rl.Remediation
		}
		out = append(out, jf)
	}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	return enc.Encode(out)
}
