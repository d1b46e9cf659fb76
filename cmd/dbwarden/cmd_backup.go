package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/url"
	"os"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/spf13/cobra"

	"github.com/dbwarden/dbwarden/internal/backup"
	"github.com/dbwarden/dbwarden/internal/backup/format"
	"github.com/dbwarden/dbwarden/internal/backup/retention"
	"github.com/dbwarden/dbwarden/internal/blob/fileblob"
	"github.com/dbwarden/dbwarden/internal/blob/s3blob"
	"github.com/dbwarden/dbwarden/internal/mysqladmin"
	"github.com/dbwarden/dbwarden/internal/store"
)

const backupLocationHelp = `Locations: file:///absolute/path (a directory) or s3://bucket/prefix (the AWS
SDK's usual configuration: AWS_REGION, credentials; with AWS_ENDPOINT_URL or
AWS_ENDPOINT_URL_S3 set, as for MinIO, buckets are addressed by path).`

const backupSourceHelp = `A server is named by a database-credential secret in the store (its name or
ARN), or by mysql://user@host:port with the password in MYSQL_PWD.`

func (a *app) backupCmd() *cobra.Command {
	c := &cobra.Command{
		Use:   "backup",
		Short: "Take, list, verify and prune encrypted backups of MySQL and MariaDB",
		Long: `Consistent logical backups of a whole server: every database but the system
ones (schema, data, views, routines, triggers, events) and its users and
grants, read in parallel at one point in time, each object compressed
(zstd), encrypted with a data key the key provider wraps, and checksummed.
The manifest is written last: a backup without one is incomplete, listed as
such, and never restored. Restore with 'dbwarden restore'.

` + backupLocationHelp + `

` + backupSourceHelp,
		Example: `  dbwarden backup run --source prod/mysql/admin --to file:///var/backups/mysql
  dbwarden backup list --from s3://acme-backups/mysql --output table
  dbwarden backup prune --from s3://acme-backups/mysql --keep keep-within=7d --dry-run`,
	}
	c.AddCommand(a.backupRunCmd(), a.backupListCmd(), a.backupVerifyCmd(), a.backupPruneCmd())
	return c
}

func (a *app) backupRunCmd() *cobra.Command {
	var to, src, comp, lock, definer string
	var workers int
	var lockWait time.Duration
	var include, exclude []string
	var noUsers bool
	c := &cobra.Command{
		Use:   "run --source SERVER --to LOCATION",
		Short: "Take a backup now",
		Long: `Take a consistent backup of a server and store it at a location.

Consistency: with --lock auto (the default) the workers' snapshots are
opened at one binary log position without any lock where MariaDB's binary
log allows it, else commits are held back (BACKUP STAGE BLOCK_COMMIT, or
FLUSH TABLES WITH READ LOCK) only while the snapshots open, for at most
--lock-wait; a long query holding the lock makes the backup fail rather
than stall the server's writes. --lock none takes no lock: each worker's
transaction is consistent on its own.

The dump user needs SELECT, SHOW VIEW, TRIGGER and EVENT on every database
(and RELOAD for the lock); a user who cannot see every object makes the
backup fail rather than skip what it cannot see.

` + backupSourceHelp + `
` + backupLocationHelp,
		Example: `  dbwarden backup run --source prod/mysql/admin --to file:///var/backups/mysql
  MYSQL_PWD=... dbwarden backup run --source mysql://backup@db1:3306 --to s3://acme-backups/mysql --workers 8
  dbwarden backup run --source prod/mysql/admin --to file:///b --include 'shop*' --exclude 'shop_tmp.*'`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx := a.callerContext(cmd.Context())
			if to == "" || src == "" {
				return usagef("backup run needs --source and --to")
			}
			compression, err := format.ParseCompression(comp)
			if err != nil {
				return usagef("--compression: %v", err)
			}
			creds, closeStore, err := a.serverCredentials(ctx, src)
			if err != nil {
				return err
			}
			defer closeStore()
			arch, err := a.archive(ctx, to)
			if err != nil {
				return err
			}
			defer arch.Bucket.Close()
			p := a.progress("backup")
			m, err := arch.Run(ctx, creds, backup.RunOptions{Compression: compression, Dump: backup.Options{
				Workers: workers, Include: include, Exclude: exclude, Lock: lock, LockWait: lockWait, Definer: definer,
				SkipUsers: noUsers, Progress: func(o backup.Object) { p.object(o, 0, 0) },
			}})
			if err != nil {
				return err
			}
			return a.print(manifestSummary(m))
		},
	}
	f := c.Flags()
	f.StringVar(&src, "source", "", "the server: a credential secret's name or ARN, or mysql://user@host:port (password in MYSQL_PWD)")
	f.StringVar(&to, "to", "", "where to store it: file:///path or s3://bucket/prefix")
	f.IntVar(&workers, "workers", 4, "connections reading data at once")
	f.StringVar(&comp, "compression", "zstd", "zstd, zstd:LEVEL (fastest, default, better, best), gzip, gzip:1-9, or none")
	f.StringVar(&lock, "lock", "auto", "consistency: auto, lock or none")
	f.DurationVar(&lockWait, "lock-wait", 10*time.Second, "longest wait for the lock that holds commits back")
	f.StringVar(&definer, "definer", "keep", "DEFINER clauses of views, routines, triggers and events: keep, strip, or an account 'user'@'host'")
	f.StringSliceVar(&include, "include", nil, "only these databases, or tables as db.table (patterns with * and ?; repeatable)")
	f.StringSliceVar(&exclude, "exclude", nil, "leave out these databases or db.table tables (patterns; repeatable)")
	f.BoolVar(&noUsers, "no-users", false, "leave users, roles and grants out")
	return c
}

func manifestSummary(m *format.Manifest) map[string]any {
	var size int64
	var rows int64
	tables := map[string]bool{}
	for _, o := range m.Objects {
		size += o.Size
		rows += o.Rows
		if o.Kind == format.KindData {
			tables[o.Database+"."+o.Table] = true
		}
	}
	out := map[string]any{
		"BackupId": m.BackupID, "Started": m.Started, "Finished": m.Finished, "Duration": m.Finished.Sub(m.Started).Round(time.Millisecond).String(),
		"Source": m.Source.Flavor + " " + m.Source.Version + " at " + m.Source.Address, "Objects": len(m.Objects), "Tables": len(tables),
		"Rows": rows, "Size": size, "Consistency": m.Consistency.Method,
	}
	if m.Consistency.BinlogFile != "" {
		out["BinlogPosition"] = fmt.Sprintf("%s:%d", m.Consistency.BinlogFile, m.Consistency.BinlogPosition)
	}
	if m.Consistency.GTIDSet != "" {
		out["GTID"] = m.Consistency.GTIDSet
	}
	return out
}

func (a *app) backupListCmd() *cobra.Command {
	var from string
	c := &cobra.Command{
		Use:   "list --from LOCATION",
		Short: "List the backups at a location, oldest first",
		Long: `List the backups at a location: id, start time, duration, size, tables,
binary log position and state (complete, or incomplete: no manifest, such
as a backup that failed or is still running).

` + backupLocationHelp,
		Example: `  dbwarden backup list --from file:///var/backups/mysql --output table`,
		Args:    cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx := a.callerContext(cmd.Context())
			if from == "" {
				return usagef("backup list needs --from")
			}
			arch, err := a.archive(ctx, from)
			if err != nil {
				return err
			}
			defer arch.Bucket.Close()
			list, err := arch.List(ctx)
			if err != nil {
				return err
			}
			type row struct {
				BackupId       string
				State          string
				Started        time.Time
				Duration       string `json:",omitempty"`
				Size           int64
				Tables         int
				BinlogPosition string `json:",omitempty"`
			}
			out := struct{ Backups []row }{Backups: []row{}}
			for _, s := range list {
				r := row{BackupId: s.ID, State: "incomplete", Started: s.Started, Size: s.Size, Tables: s.Tables, BinlogPosition: s.Binlog}
				if s.Complete {
					r.State = "complete"
					r.Duration = s.Duration().Round(time.Millisecond).String()
				}
				out.Backups = append(out.Backups, r)
			}
			return a.print(out)
		},
	}
	c.Flags().StringVar(&from, "from", "", "the location: file:///path or s3://bucket/prefix")
	return c
}

func (a *app) backupVerifyCmd() *cobra.Command {
	var from string
	c := &cobra.Command{
		Use:   "verify BACKUP-ID --from LOCATION",
		Short: "Check a backup's integrity without a database",
		Long: `Check a backup without a database: its manifest (authenticated with the
backup's data key, which the key provider unwraps), then every object's
size and SHA-256, and that it decrypts and decompresses to its end. Every
problem is named with its object. Exit code 5 when anything is wrong.`,
		Example: `  dbwarden backup verify 20261125T020000Z-3fa1 --from s3://acme-backups/mysql`,
		Args:    cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx := a.callerContext(cmd.Context())
			if from == "" {
				return usagef("backup verify needs --from")
			}
			arch, err := a.archive(ctx, from)
			if err != nil {
				return err
			}
			defer arch.Bucket.Close()
			_, rep, err := arch.Verify(ctx, args[0])
			if err != nil {
				return integrityError{fmt.Sprintf("backup %s does not verify: %v", args[0], err)}
			}
			return a.print(map[string]any{"BackupId": args[0], "Verified": true, "Objects": rep.Objects})
		},
	}
	c.Flags().StringVar(&from, "from", "", "the location: file:///path or s3://bucket/prefix")
	return c
}

func (a *app) backupPruneCmd() *cobra.Command {
	var from, keep string
	var dryRun bool
	c := &cobra.Command{
		Use:   "prune --from LOCATION [--keep POLICY] [--dry-run]",
		Short: "Delete the backups a retention policy does not keep",
		Long: `Delete the backups a retention policy does not keep. The policy is a comma
list of keep-last=N, keep-within=DURATION (7d, 2w, 36h), keep-daily=N,
keep-weekly=N and keep-monthly=N; the default keeps the last backup and
everything within 7 days. The newest complete backup is never deleted, and
incomplete backups count toward no rule (those newer than the newest
complete one are kept: they may still be running).`,
		Example: `  dbwarden backup prune --from s3://acme-backups/mysql --dry-run
  dbwarden backup prune --from file:///b --keep keep-daily=7,keep-weekly=4,keep-monthly=12`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx := a.callerContext(cmd.Context())
			if from == "" {
				return usagef("backup prune needs --from")
			}
			p := retention.DefaultPolicy()
			if keep != "" {
				var err error
				if p, err = retention.ParsePolicy(keep); err != nil {
					return usagef("--keep: %v", err)
				}
			}
			arch, err := a.archive(ctx, from)
			if err != nil {
				return err
			}
			defer arch.Bucket.Close()
			removed, _, err := arch.Prune(ctx, p, timeNow(), dryRun)
			if err != nil {
				return err
			}
			ids := []string{}
			for _, s := range removed {
				ids = append(ids, s.ID)
			}
			return a.print(map[string]any{"DryRun": dryRun, "Removed": ids, "Policy": p.String()})
		},
	}
	f := c.Flags()
	f.StringVar(&from, "from", "", "the location: file:///path or s3://bucket/prefix")
	f.StringVar(&keep, "keep", "", "the retention policy (default keep-last=1,keep-within=7d)")
	f.BoolVar(&dryRun, "dry-run", false, "say what would be deleted, delete nothing")
	return c
}

func (a *app) restoreCmd() *cobra.Command {
	var from, target string
	var dbs, renames []string
	var workers int
	var users, replace, noBinlog, stream, checkRows bool
	c := &cobra.Command{
		Use:   "restore BACKUP-ID --from LOCATION --target SERVER",
		Short: "Restore a backup into a server",
		Long: `Restore a backup into a server: its manifest and every object are verified
first (with --stream, as they load, stopping at the first bad object), then
the schema is created, data loaded in parallel, then views, routines,
triggers and events, and with --users the accounts and their grants.
A database that exists on the target stops the restore before anything
changes, unless --replace. Loading uses multi-row inserts committed about
8 MiB at a time, with unique and foreign key checks off for the session,
and builds large tables' secondary indexes after their rows; --no-binlog
keeps it out of the target's binary log.

` + backupSourceHelp + `
` + backupLocationHelp,
		Example: `  dbwarden restore 20261125T020000Z-3fa1 --from s3://acme-backups/mysql --target staging/mysql/admin
  dbwarden restore 20261125T020000Z-3fa1 --from file:///b --target prod/mysql/admin --database shop --rename shop=shop_restored`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx := a.callerContext(cmd.Context())
			if from == "" || target == "" {
				return usagef("restore needs --from and --target")
			}
			rename := map[string]string{}
			for _, r := range renames {
				old, neu, ok := strings.Cut(r, "=")
				if !ok || old == "" || neu == "" {
					return usagef("--rename %q: use OLD=NEW", r)
				}
				rename[old] = neu
			}
			creds, closeStore, err := a.serverCredentials(ctx, target)
			if err != nil {
				return err
			}
			defer closeStore()
			arch, err := a.archive(ctx, from)
			if err != nil {
				return err
			}
			defer arch.Bucket.Close()
			p := a.progress("restore")
			var checked, unchecked int
			m, err := arch.Restore(ctx, args[0], creds, backup.ArchiveRestoreOptions{Stream: stream, Progress: p.object,
				RestoreOptions: backup.RestoreOptions{Workers: workers, Databases: dbs, Rename: rename, Replace: replace, Users: users, NoBinlog: noBinlog,
					CheckRows: checkRows, RowsChecked: func(c, s int) { checked, unchecked = c, s }}})
			var mismatch *backup.RowsMismatchError
			switch {
			case err == nil:
			case errors.As(err, &mismatch):
				return integrityError{err.Error()}
			case errors.Is(err, format.ErrCorrupt), errors.Is(err, format.ErrTruncated), errors.Is(err, format.ErrMissing),
				errors.Is(err, format.ErrWrongKey), errors.Is(err, format.ErrManifestTampered), errors.Is(err, format.ErrInvalidManifest):
				return integrityError{err.Error()}
			case m == nil:
				return notFoundError{err} // no manifest to restore from
			default:
				return err
			}
			out := map[string]any{"BackupId": args[0], "Restored": true, "Target": creds.Addr(), "Objects": len(m.Objects)}
			if checkRows {
				// Tables whose rows were read back and matched the dump's
				// checksums, and tables of old backups that recorded none.
				out["TablesRowsChecked"] = checked
				out["TablesWithoutRowChecksums"] = unchecked
			}
			return a.print(out)
		},
	}
	f := c.Flags()
	f.StringVar(&from, "from", "", "the location: file:///path or s3://bucket/prefix")
	f.StringVar(&target, "target", "", "the server: a credential secret's name or ARN, or mysql://user@host:port (password in MYSQL_PWD)")
	f.StringSliceVar(&dbs, "database", nil, "restore only this database (repeatable); all when none")
	f.StringSliceVar(&renames, "rename", nil, "restore database OLD as NEW (OLD=NEW, repeatable)")
	f.IntVar(&workers, "workers", 4, "connections loading data at once")
	f.BoolVar(&users, "users", false, "restore accounts, roles and grants too")
	f.BoolVar(&replace, "replace", false, "drop a target database that exists")
	f.BoolVar(&noBinlog, "no-binlog", false, "keep the load out of the target's binary log (SET sql_log_bin = 0)")
	f.BoolVar(&stream, "stream", false, "verify objects as they load instead of all of them first")
	f.BoolVar(&checkRows, "check-rows", false, "read every restored table back and compare its rows with the checksums taken at dump time (exit 5 if one differs)")
	return c
}

// archive opens the location of backups, with the configured key provider.
func (a *app) archive(ctx context.Context, loc string) (*backup.Archive, error) {
	kp, err := a.keyProvider(ctx)
	if err != nil {
		return nil, err
	}
	keyName := "file"
	if a.cfg.Keys.Provider == "kms" {
		keyName = "kms:" + a.cfg.Keys.KMSKeyID
	}
	arch := &backup.Archive{Keys: kp, KeyName: keyName, Version: version}
	switch {
	case strings.HasPrefix(loc, "file://"):
		u, err := url.Parse(loc)
		if err != nil || u.Host != "" || !strings.HasPrefix(u.Path, "/") {
			return nil, usagef("location %q: use file:///absolute/path", loc)
		}
		b, err := fileblob.Open(u.Path)
		if err != nil {
			return nil, err
		}
		arch.Bucket = b
	case strings.HasPrefix(loc, "s3://"):
		cfg, err := config.LoadDefaultConfig(ctx)
		if err != nil {
			return nil, fmt.Errorf("load AWS configuration: %w", err)
		}
		var opts s3blob.Options
		if a.getenv("AWS_ENDPOINT_URL") != "" || a.getenv("AWS_ENDPOINT_URL_S3") != "" {
			// A custom endpoint (MinIO, a test server) is addressed by
			// path, not by bucket host name.
			opts.ClientOptions = append(opts.ClientOptions, func(o *s3.Options) { o.UsePathStyle = true })
		}
		b, err := s3blob.New(cfg, loc, opts)
		if err != nil {
			return nil, usageError{err}
		}
		arch.Bucket = b
	default:
		return nil, usagef("location %q: use file:///absolute/path or s3://bucket/prefix", loc)
	}
	return arch, nil
}

// serverCredentials resolves a server: mysql://user@host:port with the
// password in MYSQL_PWD, or a credential secret in the store, which it
// opens for the command.
func (a *app) serverCredentials(ctx context.Context, s string) (mysqladmin.Credentials, func(), error) {
	if strings.HasPrefix(s, "mysql://") {
		u, err := url.Parse(s)
		if err != nil || u.User == nil || u.Hostname() == "" {
			return mysqladmin.Credentials{}, nil, usagef("server %q: use mysql://user@host:port (the password in MYSQL_PWD)", redactURL(s))
		}
		if _, set := u.User.Password(); set {
			return mysqladmin.Credentials{}, nil, usagef("server %s: a password in the URL would land in the shell history and the process list; put it in MYSQL_PWD", redactURL(s))
		}
		port := 3306
		if p := u.Port(); p != "" {
			if port, err = strconv.Atoi(p); err != nil {
				return mysqladmin.Credentials{}, nil, usagef("server %q: bad port", s)
			}
		}
		c := mysqladmin.Credentials{Engine: "mysql", Host: u.Hostname(), Port: port, Username: u.User.Username(), Password: a.getenv("MYSQL_PWD")}
		return c, func() {}, nil
	}
	st, _, err := a.openExistingStore(ctx)
	if err != nil {
		return mysqladmin.Credentials{}, nil, err
	}
	c, err := secretCredentials(ctx, st, s)
	if err != nil {
		st.Close()
		var oe *opError
		if errors.As(err, &oe) {
			oe.purpose = fmt.Sprintf("the credentials of the server %q (a secret name or ARN, or mysql://user@host:port)", s)
		}
		return mysqladmin.Credentials{}, nil, err
	}
	return c, func() { st.Close() }, nil
}

// secretCredentials reads a database-credential secret from a store that
// is already open.
func secretCredentials(ctx context.Context, st store.Store, id string) (mysqladmin.Credentials, error) {
	out, err := st.GetSecretValue(ctx, &store.GetSecretValueInput{SecretId: id})
	if err != nil {
		return mysqladmin.Credentials{}, &opError{op: "GetSecretValue", err: err}
	}
	if out.SecretString == nil {
		return mysqladmin.Credentials{}, rejectedError{fmt.Errorf("secret %s holds SecretBinary, not database credentials", id)}
	}
	c, err := mysqladmin.ParseCredentials([]byte(*out.SecretString))
	if err != nil {
		return mysqladmin.Credentials{}, rejectedError{fmt.Errorf("secret %s: %w", id, err)}
	}
	return c, nil
}

func redactURL(s string) string {
	if u, err := url.Parse(s); err == nil {
		return u.Redacted()
	}
	return "the given URL"
}

// progress reports objects as they complete: a line of text on a
// terminal, a JSON line otherwise, with bytes, rate and (when the total
// is known) an ETA.
type progress struct {
	mu      sync.Mutex
	w       io.Writer
	op      string
	json    bool
	start   time.Time
	done    int64
	objects int
}

func (a *app) progress(op string) *progress {
	p := &progress{w: a.stderr, op: op, start: time.Now(), json: true}
	if f, ok := a.stderr.(*os.File); ok {
		if fi, err := f.Stat(); err == nil && fi.Mode()&os.ModeCharDevice != 0 {
			p.json = false
		}
	}
	return p
}

func (p *progress) object(o backup.Object, size, total int64) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.objects++
	p.done += size
	elapsed := time.Since(p.start)
	rate := 0.0
	if elapsed > 0 {
		rate = float64(p.done) / elapsed.Seconds()
	}
	var eta time.Duration
	if total > 0 && rate > 0 {
		eta = time.Duration(float64(total-p.done) / rate * float64(time.Second))
	}
	if p.json {
		line := map[string]any{"op": p.op, "object": o.Name, "rows": o.Rows, "objects_done": p.objects, "elapsed_s": elapsed.Seconds()}
		if total > 0 {
			line["bytes_done"], line["bytes_total"], line["bytes_per_s"], line["eta_s"] = p.done, total, rate, eta.Seconds()
		}
		b, _ := json.Marshal(line)
		fmt.Fprintf(p.w, "%s\n", b)
		return
	}
	if total > 0 {
		fmt.Fprintf(p.w, "%s %-50s %5.1f%%  %.1f MB/s  ETA %s\n", p.op, o.Name, 100*float64(p.done)/float64(total), rate/1e6, eta.Round(time.Second))
		return
	}
	fmt.Fprintf(p.w, "%s %-50s %d rows\n", p.op, o.Name, o.Rows)
}
