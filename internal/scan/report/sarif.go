package report

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/url"
	"path/filepath"
	"strings"
	"unicode"

	"github.com/dbwarden/dbwarden/internal/scan"
)

// SARIF constants.
const (
	sarifSchema  = "https://json.schemastore.org/sarif-2.1.0.json"
	sarifVersion = "2.1.0"
	srcRoot      = "%SRCROOT%"
	// InformationURI is dbwarden's home page.
	InformationURI = "https://github.com/dbwarden/dbwarden"
	// RulesURI is the rule catalog page; a rule's anchor is its lower-case
	// id.
	RulesURI = InformationURI + "/blob/main/docs/RULES.md"
	// fingerprintKey names dbwarden's partial fingerprint.
	fingerprintKey = "dbwardenFinding/v1"
)

// SARIFOptions shape the SARIF log.
type SARIFOptions struct {
	// Version is dbwarden's version, for tool.driver.version.
	Version string
	// BaseDir is the directory %SRCROOT% stands for (the repository root):
	// absolute file paths are written relative to it. Relative paths are
	// written as they are.
	BaseDir string
}

type sarifLog struct {
	Schema  string     `json:"$schema"`
	Version string     `json:"version"`
	Runs    []sarifRun `json:"runs"`
}

type sarifRun struct {
	Tool        sarifTool         `json:"tool"`
	Invocations []sarifInvocation `json:"invocations"`
	Results     []sarifResult     `json:"results"`
	ColumnKind  string            `json:"columnKind"`
}

type sarifTool struct {
	Driver sarifDriver `json:"driver"`
}

type sarifDriver struct {
	Name           string      `json:"name"`
	Version        string      `json:"version,omitempty"`
	InformationURI string      `json:"informationUri"`
	Rules          []sarifRule `json:"rules"`
}

type sarifText struct {
	Text     string `json:"text"`
	Markdown string `json:"markdown,omitempty"`
}

type sarifRule struct {
	ID                   string         `json:"id"`
	Name                 string         `json:"name"`
	ShortDescription     sarifText      `json:"shortDescription"`
	FullDescription      sarifText      `json:"fullDescription"`
	Help                 sarifText      `json:"help"`
	HelpURI              string         `json:"helpUri"`
	DefaultConfiguration sarifConfig    `json:"defaultConfiguration"`
	Properties           map[string]any `json:"properties"`
}

type sarifConfig struct {
	Level string `json:"level"`
}

type sarifInvocation struct {
	ExecutionSuccessful bool                `json:"executionSuccessful"`
	Notifications       []sarifNotification `json:"toolExecutionNotifications,omitempty"`
}

type sarifNotification struct {
	Level   string    `json:"level"`
	Message sarifText `json:"message"`
}

type sarifResult struct {
	RuleID              string             `json:"ruleId"`
	RuleIndex           *int               `json:"ruleIndex,omitempty"`
	Level               string             `json:"level"`
	Message             sarifText          `json:"message"`
	Locations           []sarifLocation    `json:"locations"`
	PartialFingerprints map[string]string  `json:"partialFingerprints"`
	Suppressions        []sarifSuppression `json:"suppressions,omitempty"`
	Properties          map[string]any     `json:"properties,omitempty"`
}

type sarifLocation struct {
	Physical *sarifPhysical `json:"physicalLocation,omitempty"`
	Logical  []sarifLogical `json:"logicalLocations,omitempty"`
	Message  *sarifText     `json:"message,omitempty"`
}

type sarifPhysical struct {
	Artifact sarifAL      `json:"artifactLocation"`
	Region   *sarifRegion `json:"region,omitempty"`
}

type sarifAL struct {
	URI       string `json:"uri"`
	URIBaseID string `json:"uriBaseId,omitempty"`
}

type sarifRegion struct {
	StartLine int `json:"startLine"`
	EndLine   int `json:"endLine"`
}

type sarifLogical struct {
	Name               string `json:"name"`
	FullyQualifiedName string `json:"fullyQualifiedName"`
	Kind               string `json:"kind"`
}

type sarifSuppression struct {
	Kind          string `json:"kind"`
	Justification string `json:"justification"`
}

// SecuritySeverity is the CVSS-like score GitHub code scanning reads from a
// rule's security-severity property to rank alerts.
func SecuritySeverity(s scan.Severity) string {
	switch s {
	case scan.Critical:
		return "9.5"
	case scan.High:
		return "8.0"
	case scan.Medium:
		return "5.5"
	}
	return "3.0"
}

// level is the SARIF level of a severity.
func level(s scan.Severity) string {
	switch s {
	case scan.Critical, scan.High:
		return "error"
	case scan.Medium:
		return "warning"
	}
	return "note"
}

// SARIF writes a SARIF 2.1.0 log that GitHub code scanning accepts: the
// catalog as the driver's rules, each finding as a result located in its
// file relative to %SRCROOT% (or, for a live server, by a logical location
// naming the account or variable), suppressed findings with their
// justification, undecidable ones as notes.
func SARIF(w io.Writer, r *Report, opt SARIFOptions) error {
	index := map[string]int{}
	driver := sarifDriver{Name: "dbwarden", Version: opt.Version, InformationURI: InformationURI, Rules: []sarifRule{}}
	for _, rl := range r.Rules {
		index[rl.ID] = len(driver.Rules)
		driver.Rules = append(driver.Rules, sarifRuleOf(rl))
	}

	inv := sarifInvocation{ExecutionSuccessful: len(r.Errors) == 0}
	for _, err := range r.Errors {
		inv.Notifications = append(inv.Notifications, sarifNotification{Level: "error", Message: sarifText{Text: err.Error()}})
	}
	run := sarifRun{
		Tool:        sarifTool{Driver: driver},
		Invocations: []sarifInvocation{inv},
		Results:     []sarifResult{},
		ColumnKind:  "unicodeCodePoints",
	}
	for i := range r.Findings {
		run.Results = append(run.Results, sarifResultOf(&r.Findings[i], index, r.Files, opt))
	}
	log := sarifLog{Schema: sarifSchema, Version: sarifVersion, Runs: []sarifRun{run}}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	return enc.Encode(log)
}

func sarifRuleOf(rl *scan.Rule) sarifRule {
	tags := append([]string{"security"}, langNames(rl)...)
	tags = append(tags, rl.Trivy...)
	tags = append(tags, rl.Checkov...)
	props := map[string]any{
		"tags":              tags,
		"security-severity": SecuritySeverity(rl.Severity),
		"precision":         "high",
	}
	if len(rl.Seeds) > 0 {
		props["seeds"] = rl.Seeds
	}
	full := rl.Rationale
	if full == "" {
		full = rl.Title
	}
	return sarifRule{
		ID:                   rl.ID,
		Name:                 ruleName(rl),
		ShortDescription:     sarifText{Text: rl.Title},
		FullDescription:      sarifText{Text: full},
		Help:                 sarifText{Text: helpText(rl), Markdown: helpMarkdown(rl)},
		HelpURI:              RulesURI + "#" + strings.ToLower(rl.ID),
		DefaultConfiguration: sarifConfig{Level: level(rl.Severity)},
		Properties:           props,
	}
}

// ruleName is the title as one PascalCase word, as SARIF's rule names are.
func ruleName(rl *scan.Rule) string {
	var b strings.Builder
	for _, w := range strings.FieldsFunc(rl.Title, func(r rune) bool { return !unicode.IsLetter(r) && !unicode.IsDigit(r) }) {
		rs := []rune(w)
		rs[0] = unicode.ToUpper(rs[0])
		b.WriteString(string(rs))
	}
	if b.Len() == 0 {
		return strings.ReplaceAll(rl.ID, "-", "")
	}
	return b.String()
}

func helpText(rl *scan.Rule) string {
	var b strings.Builder
	b.WriteString(rl.Remediation)
	for _, l := range exampleLangs(rl) {
		fmt.Fprintf(&b, "\n\n%s:\n%s", langTitle(l), strings.TrimRight(rl.Example[l], "\n"))
	}
	return b.String()
}

func helpMarkdown(rl *scan.Rule) string {
	var b strings.Builder
	fmt.Fprintf(&b, "**%s**\n\n%s", rl.Title, rl.Remediation)
	if rl.Rationale != "" {
		fmt.Fprintf(&b, "\n\n%s", rl.Rationale)
	}
	for _, l := range exampleLangs(rl) {
		fmt.Fprintf(&b, "\n\n%s:\n\n```%s\n%s\n```", langTitle(l), fence(l), strings.TrimRight(rl.Example[l], "\n"))
	}
	return b.String()
}

func sarifResultOf(f *scan.Finding, index map[string]int, files map[string][]byte, opt SARIFOptions) sarifResult {
	msg := f.Message
	if f.Resource != "" {
		msg = f.Resource + ": " + msg
	}
	res := sarifResult{
		RuleID:  f.RuleID,
		Level:   level(f.Severity),
		Message: sarifText{Text: msg},
	}
	if i, ok := index[f.RuleID]; ok {
		res.RuleIndex = &i
	}
	if f.Unknown {
		res.Level = "note"
		res.Message.Text = "Could not be decided (a value is only known when applied): " + msg
		res.Properties = map[string]any{"unknown": true}
	}

	var loc sarifLocation
	key := f.File
	if isLive(f) {
		// The account, database or server the finding is about; the
		// variable, when there is one, is named in the message.
		name, fqn := f.Resource, f.File+"/"+f.Resource
		if name == "" || name == f.File {
			name, fqn = f.File, f.File
		}
		loc.Logical = []sarifLogical{{Name: name, FullyQualifiedName: fqn, Kind: "resource"}}
	} else {
		al := artifactLocation(f.File, opt.BaseDir)
		key = al.URI
		loc.Physical = &sarifPhysical{Artifact: al}
		if f.Line > 0 {
			end := max(f.EndLine, f.Line)
			loc.Physical.Region = &sarifRegion{StartLine: f.Line, EndLine: end}
		}
	}
	res.Locations = []sarifLocation{loc}
	sum := sha256.Sum256([]byte(f.RuleID + "\x00" + key + "\x00" + f.Resource))
	res.PartialFingerprints = map[string]string{fingerprintKey: hex.EncodeToString(sum[:16])}

	if f.Suppressed {
		kind := "external"
		if inSource(f, files) {
			kind = "inSource"
		}
		res.Suppressions = []sarifSuppression{{Kind: kind, Justification: f.Reason}}
	}
	return res
}

// artifactLocation writes a file path as a URI reference relative to
// %SRCROOT%: forward slashes, each segment escaped, absolute paths made
// relative to base. A path that cannot be made relative (an absolute path
// with no base, or on another volume) becomes a file: URI of its own.
func artifactLocation(file, base string) sarifAL {
	p := file
	if filepath.IsAbs(p) && base != "" {
		if rel, err := filepath.Rel(base, p); err == nil {
			p = rel
		}
	}
	abs := filepath.IsAbs(p)
	p = strings.TrimPrefix(filepath.ToSlash(p), "./")
	segs := strings.Split(p, "/")
	for i, s := range segs {
		segs[i] = url.PathEscape(s)
	}
	uri := strings.Join(segs, "/")
	if abs {
		if !strings.HasPrefix(uri, "/") {
			uri = "/" + uri
		}
		return sarifAL{URI: "file://" + uri}
	}
	return sarifAL{URI: uri, URIBaseID: srcRoot}
}
