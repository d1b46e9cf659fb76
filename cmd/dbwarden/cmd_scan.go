package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/spf13/cobra"
	"go.yaml.in/yaml/v3"

	"github.com/dbwarden/dbwarden/internal/config"
	"github.com/dbwarden/dbwarden/internal/mysqladmin"
	"github.com/dbwarden/dbwarden/internal/scan"
	"github.com/dbwarden/dbwarden/internal/scan/load"
	"github.com/dbwarden/dbwarden/internal/scan/mysqlscan"
	"github.com/dbwarden/dbwarden/internal/scan/report"
	"github.com/dbwarden/dbwarden/internal/scan/rules"
	"github.com/dbwarden/dbwarden/internal/scan/terraform"
)

// findingsError is a scan that found something at or above the threshold:
// exit code 1, with only a one-line summary on standard error (the report
// itself is on standard output or in --output).
type findingsError struct {
	n         int
	threshold scan.Severity
}

func (e findingsError) Error() string {
	noun := "findings"
	if e.n == 1 {
		noun = "finding"
	}
	return fmt.Sprintf("scan: %d %s at or above %s", e.n, noun, e.threshold)
}

// scanInputError is a scan whose inputs could not all be read: a path that
// does not exist, a file that does not parse, a server that cannot be
// reached. Exit code 2; what did load was still scanned and reported.
type scanInputError struct{ err error }

func (e scanInputError) Error() string { return e.err.Error() }
func (e scanInputError) Unwrap() error { return e.err }

// scanOptions are the flags of dbwarden scan.
type scanOptions struct {
	paths          []string
	format         string
	output         string
	severity       string
	profile        string
	vars           []string
	varFiles       []string
	params         []string
	configFile     string
	servers        []string
	noColor        bool
	includeUnknown bool
	// changed says which of severity and profile were given as flags, so
	// that they win over the scan configuration file.
	severitySet, profileSet bool
}

// scanConfig is a scan configuration file (--config), JSON or YAML.
type scanConfig struct {
	Suppressions []scan.Suppression `yaml:"suppressions"`
	Profile      string             `yaml:"profile"`
	Severity     string             `yaml:"severity"`
}

const scanLong = `Scan infrastructure code (Terraform, CloudFormation, Compose files,
Dockerfiles, IAM policies, my.cnf and .env files) and live MySQL or MariaDB
servers against dbwarden's rule catalog (list it with 'dbwarden scan rules').

PATHs are files or directories (default: the current directory). In a
directory every input of a kind dbwarden reads is found: Terraform root
modules, CloudFormation templates (YAML or JSON with AWS:: resources),
Docker Compose files, Dockerfiles, IAM policy documents (JSON with a
Statement, or one statement, as the aws CLI takes them with file://),
my.cnf files, environment files (.env, .env.production; not .env.example)
and .gitignore files; .git, .terraform and node_modules are skipped.
Terraform is evaluated as 'terraform plan' would: terraform.tfvars,
*.auto.tfvars, --var-file, --var and TF_VAR_* give variables their values;
a value known only when applied makes a check undecidable, never a pass.

Live servers (--mysql) are named by a database-credential secret in the store
(its name or ARN), or by mysql://user@host:port with the password in
MYSQL_PWD. The account needs SELECT on the mysql database and SHOW DATABASES.

Formats: text (for people; colour on a terminal unless --no-color or
NO_COLOR), json (an array of findings with rule_id, severity, title, file,
line, resource, language, message, unknown, suppressed, suppression_reason,
remediation), sarif (SARIF 2.1.0 for GitHub code scanning and other SARIF
viewers; file locations relative to the current directory).

Severity: findings below --severity are left out of the report and of the
exit code. Undecidable findings (a value known only when applied) are counted
in the text summary; --include-unknown lists them (text: "could not be
decided"; json: "unknown": true; sarif: level note). They never change the
exit code.

Profiles tighten thresholds: baseline (14-day log retention), pci (365 days,
MFA delete on backup buckets), hipaa (730 days).

Suppressions: a finding is silenced, never hidden (reports show it as
suppressed, with the reason), by a comment on the line above the offending
line or resource:
    # dbwarden:ignore DBW-RDS-001 encrypted by the snapshot copy job
or by a scan configuration file (--config, JSON or YAML):
    profile: pci
    severity: medium
    suppressions:
      - rule: DBW-LOG-001          # a rule id, or * for every rule
        file: legacy/*.tf          # a path or pattern; empty: every file
        resource: aws_cloudwatch_log_group.old   # optional, a pattern
        reason: retired in Q3, see TICKET-123    # required
A suppression without a reason is an error in the file and is ignored, with a
warning, in a comment. Flags win over the file. (For this command --config
names the scan configuration; dbwarden's own configuration is read from
DBWARDEN_CONFIG or the default file.)

Exit codes of dbwarden scan:
  0  no unsuppressed, decided finding at or above --severity
  1  at least one finding at or above --severity
  2  bad flags or configuration, or an input that could not be read or
     parsed, or a server that could not be reached (the findings of
     everything else are still reported)`

const scanExamples = `  # Scan a repository, as a person would read it
  dbwarden scan .

  # One file, only high and critical findings
  dbwarden scan --severity high infra/rds.tf

  # Terraform variables, as terraform plan takes them
  dbwarden scan --var-file prod.tfvars --var environment=prod infra/

  # A CloudFormation template with a parameter set
  dbwarden scan --param Environment=prod cfn/database.yaml

  # A live server (password in MYSQL_PWD), or one whose credentials are a secret
  MYSQL_PWD=... dbwarden scan --mysql mysql://auditor@db1:3306
  dbwarden scan --mysql prod/mysql/auditor /etc/mysql/my.cnf

  # SARIF for GitHub code scanning (upload with github/codeql-action/upload-sarif)
  dbwarden scan --format sarif --output dbwarden.sarif .

  # HIPAA thresholds (730-day log retention), suppressions from a file
  dbwarden scan --profile hipaa --config dbwarden-scan.yaml .

  # JSON for scripts
  dbwarden scan --format json . | jq '.[] | select(.suppressed | not) | .rule_id'`

func (a *app) scanCmd() *cobra.Command {
	var o scanOptions
	c := &cobra.Command{
		Use:     "scan [PATH...]",
		Short:   "Check infrastructure code and live MySQL servers against the security checklist",
		Long:    scanLong,
		Example: scanExamples,
		Args:    cobra.ArbitraryArgs,
		// The scan reads files and servers, not dbwarden's store: its
		// configuration is read only when a server is named by a secret.
		PersistentPreRunE: func(cmd *cobra.Command, args []string) error { return nil },
		RunE: func(cmd *cobra.Command, args []string) error {
			o.paths = args
			o.severitySet = cmd.Flags().Changed("severity")
			o.profileSet = cmd.Flags().Changed("profile")
			return a.runScan(cmd, o)
		},
	}
	f := c.Flags()
	f.StringVar(&o.format, "format", "text", "report format: text, json or sarif")
	f.StringVarP(&o.output, "output", "o", "", "write the report to this file instead of standard output")
	f.StringVar(&o.severity, "severity", "low", "least severity reported and failing the scan: low, medium, high or critical")
	f.StringVar(&o.profile, "profile", "baseline", "compliance profile: baseline, pci or hipaa")
	f.StringArrayVar(&o.vars, "var", nil, "a Terraform variable, name=value (repeatable)")
	f.StringArrayVar(&o.varFiles, "var-file", nil, "a Terraform .tfvars file (repeatable)")
	f.StringArrayVar(&o.params, "param", nil, "a CloudFormation parameter, Name=Value (repeatable)")
	f.StringVar(&o.configFile, "config", "", "scan configuration file (JSON or YAML): suppressions, profile, severity")
	f.StringArrayVar(&o.servers, "mysql", nil, "a live server: a credential secret's name or ARN, or mysql://user@host:port with MYSQL_PWD (repeatable)")
	f.BoolVar(&o.noColor, "no-color", false, "no colours in the text report")
	f.BoolVar(&o.includeUnknown, "include-unknown", false, "list the findings that could not be decided (a value known only when applied)")
	c.AddCommand(a.scanRulesCmd())
	return c
}

func (a *app) scanRulesCmd() *cobra.Command {
	var format string
	c := &cobra.Command{
		Use:   "rules",
		Short: "List the rule catalog",
		Long: `List the rules dbwarden scan checks: id, severity, title and the languages
each applies to. --format json gives every field (seeds, rationale,
remediation, corrected examples, the equivalent trivy/tfsec and checkov
checks); --format markdown writes the catalog page of the documentation.`,
		Example: `  dbwarden scan rules
  dbwarden scan rules --format json | jq '.[] | select(.severity == "CRITICAL") | .id'
  dbwarden scan rules --format markdown > docs/RULES.md`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			all := rules.All()
			switch format {
			case "text", "table":
				return report.RulesTable(a.stdout, all)
			case "json":
				return report.RulesJSON(a.stdout, all)
			case "markdown", "md":
				return report.RulesMarkdown(a.stdout, all)
			}
			return usagef("--format %q: want text, json or markdown", format)
		},
	}
	c.Flags().StringVar(&format, "format", "text", "text, json or markdown")
	return c
}

// runScan loads the inputs, runs the catalog, writes the report and returns
// the error that sets the exit code.
func (a *app) runScan(cmd *cobra.Command, o scanOptions) error {
	ctx := cmd.Context()
	switch o.format {
	case "text", "json", "sarif":
	default:
		return usagef("--format %q: want text, json or sarif", o.format)
	}
	var cfg scanConfig
	if o.configFile != "" {
		var err error
		if cfg, err = readScanConfig(o.configFile); err != nil {
			return usageError{err}
		}
	}
	sevName := o.severity
	if !o.severitySet && cfg.Severity != "" {
		sevName = cfg.Severity
	}
	threshold, err := scan.ParseSeverity(sevName)
	if err != nil {
		return usagef("--severity: %v", err)
	}
	profName := o.profile
	if !o.profileSet && cfg.Profile != "" {
		profName = cfg.Profile
	}
	prof, err := scan.ProfileNamed(profName)
	if err != nil {
		return usagef("--profile: %v", err)
	}
	vars, err := assignments("--var", o.vars)
	if err != nil {
		return err
	}
	params, err := assignments("--param", o.params)
	if err != nil {
		return err
	}
	paths := o.paths
	if len(paths) == 0 && len(o.servers) == 0 {
		paths = []string{"."}
	}

	p := &scan.Project{Profile: prof}
	var loadErrs []error
	if len(paths) > 0 {
		opts := load.Options{Terraform: terraform.Options{Vars: vars, VarFiles: o.varFiles}, Params: params}
		if err := load.Paths(p, paths, opts); err != nil {
			loadErrs = append(loadErrs, splitJoined(err)...)
		}
	}
	for _, s := range o.servers {
		if err := a.scanServer(ctx, cmd, p, s); err != nil {
			var ue usageError
			if errors.As(err, &ue) {
				return err
			}
			loadErrs = append(loadErrs, err)
		}
	}

	all := rules.All()
	findings := scan.Run(p, all, cfg.Suppressions)
	rep := &report.Report{Rules: all, Files: p.Files, Errors: loadErrs}
	failing := 0
	for _, f := range findings {
		if f.Severity < threshold {
			continue
		}
		if f.Unknown && !f.Suppressed {
			if !o.includeUnknown {
				rep.Unlisted++
				continue
			}
		} else if !f.Suppressed {
			failing++
		}
		rep.Findings = append(rep.Findings, f)
	}

	for _, err := range scan.BadInline(p) {
		fmt.Fprintf(a.stderr, "dbwarden: warning: %v\n", err)
	}
	if err := a.writeScanReport(o, rep); err != nil {
		return err
	}
	if len(loadErrs) > 0 {
		return scanInputError{errors.Join(loadErrs...)}
	}
	if failing > 0 {
		return findingsError{n: failing, threshold: threshold}
	}
	return nil
}

// writeScanReport writes the report to --output or standard output.
func (a *app) writeScanReport(o scanOptions, rep *report.Report) error {
	w := a.stdout
	color := !o.noColor && a.getenv("NO_COLOR") == "" && isTerminal(a.stdout)
	var buf bytes.Buffer
	if o.output != "" {
		w, color = &buf, false
	}
	var err error
	switch o.format {
	case "json":
		err = report.JSON(w, rep)
	case "sarif":
		base, _ := os.Getwd()
		err = report.SARIF(w, rep, report.SARIFOptions{Version: version, BaseDir: base})
	default:
		err = report.Text(w, rep, report.TextOptions{Color: color})
	}
	if err != nil {
		return fmt.Errorf("write report: %w", err)
	}
	if o.output != "" {
		if err := os.WriteFile(o.output, buf.Bytes(), 0o644); err != nil {
			return scanInputError{fmt.Errorf("write report: %w", err)}
		}
	}
	return nil
}

// scanServer connects to one server and loads it into p.
func (a *app) scanServer(ctx context.Context, cmd *cobra.Command, p *scan.Project, s string) error {
	if !strings.HasPrefix(s, "mysql://") {
		// A secret id: the store comes from dbwarden's own configuration.
		if err := a.loadStoreConfig(cmd); err != nil {
			return err
		}
	}
	creds, closeStore, err := a.serverCredentials(ctx, s)
	if err != nil {
		var ue usageError
		if errors.As(err, &ue) {
			return err
		}
		return fmt.Errorf("--mysql %s: %w", s, err)
	}
	defer closeStore()
	label := s
	if strings.HasPrefix(s, "mysql://") {
		label = redactURL(s)
	}
	srv, err := mysqladmin.Connect(ctx, creds)
	if err != nil {
		return fmt.Errorf("--mysql %s: %w", label, err)
	}
	defer srv.Close()
	if err := mysqlscan.Load(ctx, p, srv, label); err != nil {
		return fmt.Errorf("--mysql %s: %w", label, err)
	}
	return nil
}

// loadStoreConfig resolves dbwarden's configuration for reading a secret,
// as the root command does for other commands, except that --config and
// --output belong to the scan here: the file comes from DBWARDEN_CONFIG or
// the default place.
func (a *app) loadStoreConfig(cmd *cobra.Command) error {
	path, required := config.DefaultFile(), false
	if p := a.getenv("DBWARDEN_CONFIG"); p != "" {
		path, required = p, true
	}
	cfg, err := config.Load(path, required, a.getenv)
	if err != nil {
		return usageError{err}
	}
	f := cmd.Flags()
	for _, s := range []struct{ flag, key, value string }{
		{"data-dir", "data_dir", a.flags.DataDir},
		{"region", "arn.region", a.flags.ARN.Region},
		{"key-provider", "keys.provider", a.flags.Keys.Provider},
		{"kms-key-id", "keys.kms_key_id", a.flags.Keys.KMSKeyID},
	} {
		if f.Changed(s.flag) {
			if err := cfg.Set(s.key, s.value); err != nil {
				return usageError{err}
			}
		}
	}
	if err := cfg.Validate(); err != nil {
		return usageError{fmt.Errorf("configuration: %w", err)}
	}
	a.cfg = cfg
	return nil
}

// assignments parses name=value flags.
func assignments(flag string, list []string) (map[string]string, error) {
	if len(list) == 0 {
		return nil, nil
	}
	m := make(map[string]string, len(list))
	for _, s := range list {
		name, value, ok := strings.Cut(s, "=")
		if !ok || strings.TrimSpace(name) == "" {
			return nil, usagef("%s %q: want name=value", flag, s)
		}
		m[strings.TrimSpace(name)] = value
	}
	return m, nil
}

// splitJoined undoes errors.Join, dropping nils, so that each input's
// error is reported on its own line.
func splitJoined(err error) []error {
	if j, ok := err.(interface{ Unwrap() []error }); ok {
		var out []error
		for _, e := range j.Unwrap() {
			if e != nil {
				out = append(out, splitJoined(e)...)
			}
		}
		return out
	}
	return []error{err}
}

// readScanConfig reads a scan configuration file, JSON or YAML. Unknown
// keys and suppressions without a reason are errors naming file and line.
func readScanConfig(path string) (scanConfig, error) {
	src, err := os.ReadFile(path)
	if err != nil {
		return scanConfig{}, fmt.Errorf("scan configuration: %w", err)
	}
	var doc yaml.Node
	if err := yaml.Unmarshal(src, &doc); err != nil {
		return scanConfig{}, fmt.Errorf("scan configuration %s: %v", path, err)
	}
	var cfg scanConfig
	if len(doc.Content) == 0 {
		return cfg, nil // an empty file
	}
	root := doc.Content[0]
	if root.Kind != yaml.MappingNode {
		return cfg, fmt.Errorf("%s:%d: a scan configuration is a map with suppressions, profile and severity", path, root.Line)
	}
	if err := knownKeys(path, root, "suppressions", "profile", "severity"); err != nil {
		return cfg, err
	}
	for i := 0; i+1 < len(root.Content); i += 2 {
		if root.Content[i].Value != "suppressions" {
			continue
		}
		list := root.Content[i+1]
		if list.Kind != yaml.SequenceNode && !(list.Kind == yaml.ScalarNode && list.Tag == "!!null") {
			return cfg, fmt.Errorf("%s:%d: suppressions is a list", path, list.Line)
		}
		for _, item := range list.Content {
			if item.Kind != yaml.MappingNode {
				return cfg, fmt.Errorf("%s:%d: a suppression is a map with rule, file, resource and reason", path, item.Line)
			}
			if err := knownKeys(path, item, "rule", "file", "resource", "reason"); err != nil {
				return cfg, err
			}
		}
	}
	if err := root.Decode(&cfg); err != nil {
		return cfg, fmt.Errorf("scan configuration %s: %v", path, err)
	}
	var list *yaml.Node
	for i := 0; i+1 < len(root.Content); i += 2 {
		if root.Content[i].Value == "suppressions" {
			list = root.Content[i+1]
		}
	}
	for i, s := range cfg.Suppressions {
		if err := s.Validate(); err != nil {
			line := 0
			if list != nil && i < len(list.Content) {
				line = list.Content[i].Line
			}
			return cfg, fmt.Errorf("%s:%d: %v", path, line, err)
		}
	}
	return cfg, nil
}

// knownKeys names the first key of a map node that is not one of keys.
func knownKeys(path string, n *yaml.Node, keys ...string) error {
	for i := 0; i+1 < len(n.Content); i += 2 {
		k := n.Content[i]
		known := false
		for _, want := range keys {
			if k.Value == want {
				known = true
			}
		}
		if !known {
			return fmt.Errorf("%s:%d: unknown key %q: want %s", path, k.Line, k.Value, strings.Join(keys, ", "))
		}
	}
	return nil
}

// isTerminal reports whether w is a terminal, for colour.
func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	if !ok {
		return false
	}
	fi, err := f.Stat()
	return err == nil && fi.Mode()&os.ModeCharDevice != 0
}
