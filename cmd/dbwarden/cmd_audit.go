package main

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/dbwarden/dbwarden/internal/audit"
)

func (a *app) auditCmd() *cobra.Command {
	c := &cobra.Command{
		Use:   "audit",
		Short: "Read, verify and export the hash-chained audit trail",
		Long: `Every read and every change of a secret, successful or not, appends one
record to the audit trail: time, principal, action, secret ARN, version id,
outcome, error code and request id, never the value. Each record is chained
to the one before by SHA-256, and the chain's head is kept apart from the
records, so 'dbwarden audit verify' finds any edited, deleted, inserted,
reordered or cut-off record.`,
		Example: `  dbwarden audit tail -n 20 --output table
  dbwarden audit query --secret-id app/db --action GetSecretValue --since 24h
  dbwarden audit verify`,
	}
	c.AddCommand(a.auditTailCmd(), a.auditQueryCmd(), a.auditVerifyCmd(), a.auditExportCmd())
	return c
}

// auditFilter holds the flags that select records.
type auditFilter struct {
	secretID, principal, action, outcome, since, until string
}

func (f *auditFilter) register(cmd *cobra.Command) {
	fl := cmd.Flags()
	fl.StringVar(&f.secretID, "secret-id", "", "records of this secret (name or ARN)")
	fl.StringVar(&f.principal, "principal", "", "records of this principal, e.g. cli:alice@host")
	fl.StringVar(&f.action, "action", "", "records of this action, e.g. secretsmanager:GetSecretValue or GetSecretValue")
	fl.StringVar(&f.outcome, "outcome", "", "success or failure")
	fl.StringVar(&f.since, "since", "", "records at or after this time: RFC 3339 (2026-11-25T12:00:00Z) or an age (90m, 24h, 7d)")
	fl.StringVar(&f.until, "until", "", "records before this time: RFC 3339 or an age")
}

func (f *auditFilter) build(ctx context.Context, lookup func(context.Context, string) string) (audit.Filter, error) {
	var af audit.Filter
	var err error
	if f.secretID != "" {
		af.Resource = lookup(ctx, f.secretID)
	}
	af.Principal = f.principal
	af.Action = f.action
	if af.Action != "" && !strings.Contains(af.Action, ":") {
		af.Action = "secretsmanager:" + af.Action
	}
	switch f.outcome {
	case "", audit.OutcomeSuccess, audit.OutcomeFailure:
		af.Outcome = f.outcome
	default:
		return af, usagef("--outcome %q: use success or failure", f.outcome)
	}
	if af.Since, err = parseWhen("--since", f.since); err != nil {
		return af, err
	}
	if af.Until, err = parseWhen("--until", f.until); err != nil {
		return af, err
	}
	return af, nil
}

// parseWhen reads a point in time: RFC 3339, or an age before now such as
// 90m, 24h or 7d.
func parseWhen(flag, s string) (time.Time, error) {
	if s == "" {
		return time.Time{}, nil
	}
	if t, err := time.Parse(time.RFC3339Nano, s); err == nil {
		return t, nil
	}
	if t, err := time.Parse("2006-01-02", s); err == nil {
		return t, nil
	}
	age := s
	mult := time.Duration(1)
	if strings.HasSuffix(s, "d") {
		age, mult = strings.TrimSuffix(s, "d")+"h", 24
	}
	d, err := time.ParseDuration(age)
	if err != nil || d < 0 {
		return time.Time{}, usagef("%s %q: give a time like 2026-11-25T12:00:00Z or 2026-11-25, or an age like 90m, 24h, 7d", flag, s)
	}
	return timeNow().Add(-d * mult), nil
}

// openAudit opens the store for reading its audit trail.
func (a *app) openAudit(cmd *cobra.Command) (context.Context, *auditStore, error) {
	ctx := cmd.Context()
	s, _, err := a.openExistingStore(ctx)
	if err != nil {
		return nil, nil, err
	}
	return ctx, &auditStore{s}, nil
}

func (a *app) auditTailCmd() *cobra.Command {
	var n int
	var follow bool
	var f auditFilter
	cmd := &cobra.Command{
		Use:   "tail [-n N] [--follow]",
		Short: "Show the newest audit records; --follow waits for more",
		Example: `  dbwarden audit tail -n 50 --output table
  dbwarden audit tail --follow --secret-id staging/myapp/mysql/mysql-root-password`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if n < 1 {
				return usagef("-n %d: give at least 1", n)
			}
			ctx, s, err := a.openAudit(cmd)
			if err != nil {
				return err
			}
			defer s.Close()
			af, err := f.build(ctx, s.lookupARN)
			if err != nil {
				return err
			}
			af.Limit, af.Newest = n, true
			recs, err := audit.Query(ctx, s.DB(), af)
			if err != nil {
				return err
			}
			if !follow {
				return a.printRecords(recs)
			}
			enc := json.NewEncoder(a.stdout)
			for {
				for _, r := range recs {
					if err := enc.Encode(r); err != nil {
						return err
					}
					af.AfterSeq = r.Seq
				}
				select {
				case <-ctx.Done():
					return nil
				case <-time.After(time.Second):
				}
				af.Limit, af.Newest = 0, false
				if recs, err = audit.Query(ctx, s.DB(), af); err != nil {
					if ctx.Err() != nil {
						return nil
					}
					return err
				}
			}
		},
	}
	cmd.Flags().IntVarP(&n, "lines", "n", 20, "how many records")
	cmd.Flags().BoolVarP(&follow, "follow", "f", false, "keep printing new records, one JSON object per line, until interrupted")
	f.register(cmd)
	return cmd
}

func (a *app) auditQueryCmd() *cobra.Command {
	var f auditFilter
	var limit int
	cmd := &cobra.Command{
		Use:   "query [--secret-id ID] [--principal P] [--action A] [--since T] [--until T]",
		Short: "Find audit records by secret, principal, action, outcome and time",
		Example: `  dbwarden audit query --secret-id app/db --action GetSecretValue --since 24h
  dbwarden audit query --outcome failure --output table`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx, s, err := a.openAudit(cmd)
			if err != nil {
				return err
			}
			defer s.Close()
			af, err := f.build(ctx, s.lookupARN)
			if err != nil {
				return err
			}
			af.Limit = limit
			recs, err := audit.Query(ctx, s.DB(), af)
			if err != nil {
				return err
			}
			return a.printRecords(recs)
		},
	}
	cmd.Flags().IntVar(&limit, "limit", 0, "at most this many records, oldest first (0: all)")
	f.register(cmd)
	return cmd
}

// verifyResult is what 'audit verify' prints.
type verifyResult struct {
	Intact   bool           `json:"intact"`
	Records  int64          `json:"records_checked"`
	HeadSeq  int64          `json:"head_seq,omitempty"`
	HeadHash string         `json:"head_hash,omitempty"`
	Problem  *audit.Problem `json:"problem,omitempty"`
	Source   string         `json:"source"`
}

func (a *app) auditVerifyCmd() *cobra.Command {
	var file string
	cmd := &cobra.Command{
		Use:   "verify [--file EXPORT.jsonl]",
		Short: "Check the audit chain and name the first bad record",
		Long: `Check the audit chain: every record's hash, its link to the record before,
and the head kept apart from the records. It names the first edited,
deleted, inserted, reordered or cut-off record and exits with code 5.
With --file it checks an exported chain on its own ('-' for standard input).`,
		Example: `  dbwarden audit verify
  dbwarden audit export --out audit.jsonl && dbwarden audit verify --file audit.jsonl`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			var res verifyResult
			var err error
			if file != "" {
				res.Source = file
				in := a.stdin
				if file != "-" {
					fh, err := os.Open(file)
					if err != nil {
						return usagef("--file: %v", err)
					}
					defer fh.Close()
					in = fh
				}
				res.Problem, res.Records, err = audit.VerifyExport(bufio.NewReader(in))
				if err != nil {
					return err
				}
			} else {
				ctx, s, err := a.openAudit(cmd)
				if err != nil {
					return err
				}
				defer s.Close()
				res.Source = filepath.Join(a.cfg.DataDir, "dbwarden.db")
				if res.Problem, res.Records, err = audit.Verify(ctx, s.DB()); err != nil {
					return err
				}
				if res.HeadSeq, res.HeadHash, err = audit.Head(ctx, s.DB()); err != nil {
					return err
				}
			}
			res.Intact = res.Problem == nil
			if err := a.print(res); err != nil {
				return err
			}
			if !res.Intact {
				return integrityError{fmt.Sprintf("audit chain broken at %s", res.Problem)}
			}
			return nil
		},
	}
	cmd.Flags().StringVar(&file, "file", "", "verify an exported chain (JSON lines) instead of the store's")
	return cmd
}

func (a *app) auditExportCmd() *cobra.Command {
	var out string
	var after int64
	cmd := &cobra.Command{
		Use:   "export [--out FILE] [--after-seq N]",
		Short: "Write the audit records with their hashes as JSON lines, to archive or check elsewhere",
		Example: `  dbwarden audit export --out audit-$(date +%F).jsonl
  dbwarden audit export | gzip > audit.jsonl.gz`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx, s, err := a.openAudit(cmd)
			if err != nil {
				return err
			}
			defer s.Close()
			w := a.stdout
			var fh *os.File
			if out != "" && out != "-" {
				if fh, err = os.OpenFile(out, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600); err != nil {
					return usagef("--out: %v", err)
				}
				w = fh
			}
			n, err := audit.Export(ctx, s.DB(), w, audit.Filter{AfterSeq: after})
			if fh != nil {
				if err == nil {
					err = fh.Sync()
				}
				if cerr := fh.Close(); err == nil {
					err = cerr
				}
				if err == nil {
					fmt.Fprintf(a.stderr, "exported %d records to %s\n", n, out)
				}
			}
			return err
		},
	}
	cmd.Flags().StringVar(&out, "out", "", "file to create (refuses to overwrite); standard output when not given")
	cmd.Flags().Int64Var(&after, "after-seq", 0, "only records after this sequence number")
	return cmd
}

// printRecords prints records whole as JSON, and without their hashes as
// text or a table, where they would only crowd out the rest.
func (a *app) printRecords(recs []audit.Record) error {
	if a.cfg.Output == "json" || a.query != "" {
		return a.print(recs)
	}
	g, err := toGeneric(recs)
	if err != nil {
		return err
	}
	list, _ := g.([]any)
	for _, r := range list {
		if m, ok := r.(map[string]any); ok {
			delete(m, "prev_hash")
			delete(m, "hash")
		}
	}
	return printValue(a.stdout, list, a.cfg.Output)
}
