package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/dbwarden/dbwarden/internal/audit"
	"github.com/dbwarden/dbwarden/internal/backup"
	"github.com/dbwarden/dbwarden/internal/backup/format"
	"github.com/dbwarden/dbwarden/internal/backup/retention"
	"github.com/dbwarden/dbwarden/internal/config"
	"github.com/dbwarden/dbwarden/internal/mysqladmin"
	"github.com/dbwarden/dbwarden/internal/rotation/schedule"
	"github.com/dbwarden/dbwarden/internal/store/sqlitestore"
)

// backupJobs runs the configured backups on their schedules: after each
// success the job's retention policy is applied; every outcome goes to the
// audit trail and /metrics, and a failure to the job's webhook.
type backupJobs struct {
	a      *app
	store  *sqlitestore.Store
	logger *slog.Logger
	jobs   []backupJob

	mu     sync.Mutex
	gauges map[string]float64
}

type backupJob struct {
	cfg    config.BackupJob
	cron   *schedule.Cron
	policy retention.Policy
	comp   format.Compression
}

// newBackupJobs checks every job before the server starts: a schedule or
// policy that does not parse stops it with the job named.
func (a *app) newBackupJobs(s *sqlitestore.Store, logger *slog.Logger) (*backupJobs, error) {
	b := &backupJobs{a: a, store: s, logger: logger, gauges: map[string]float64{}}
	for _, j := range a.cfg.Backups {
		expr, err := awsCron(j.Schedule)
		if err != nil {
			return nil, usagef("backup job %q: schedule: %v", j.Name, err)
		}
		c, err := schedule.ParseCron(expr)
		if err != nil {
			return nil, usagef("backup job %q: schedule %q: %v", j.Name, j.Schedule, err)
		}
		p := retention.DefaultPolicy()
		if j.Keep != "" {
			if p, err = retention.ParsePolicy(j.Keep); err != nil {
				return nil, usagef("backup job %q: keep: %v", j.Name, err)
			}
		}
		comp, err := format.ParseCompression(cmpOr(j.Compression, "zstd"))
		if err != nil {
			return nil, usagef("backup job %q: compression: %v", j.Name, err)
		}
		b.jobs = append(b.jobs, backupJob{cfg: j, cron: c, policy: p, comp: comp})
	}
	return b, nil
}

func cmpOr(s, def string) string {
	if s == "" {
		return def
	}
	return s
}

// awsCron turns a crontab expression (five fields, day of week 0-7 with
// Sunday 0 or 7) into AWS's six-field form (day of week 1-7 with Sunday 1,
// "?" in one of the day fields, a year). Six fields pass as they are.
func awsCron(expr string) (string, error) {
	f := strings.Fields(strings.TrimSuffix(strings.TrimPrefix(strings.TrimSpace(expr), "cron("), ")"))
	switch len(f) {
	case 6:
		return "cron(" + strings.Join(f, " ") + ")", nil
	case 5:
	default:
		return "", fmt.Errorf("%q has %d fields: use five, as crontab has them (\"0 2 * * *\")", expr, len(f))
	}
	dom, dow := f[2], f[4]
	switch {
	case dow == "*" || dow == "?":
		dow = "?"
	case dom == "*" || dom == "?":
		dom = "?"
		var err error
		if dow, err = shiftWeekdays(dow); err != nil {
			return "", fmt.Errorf("%q: day of week: %v", expr, err)
		}
	default:
		return "", fmt.Errorf("%q restricts both the day of month and the day of week; AWS's cron cannot say that", expr)
	}
	return fmt.Sprintf("cron(%s %s %s %s %s *)", f[0], f[1], dom, f[3], dow), nil
}

// shiftWeekdays renumbers crontab's days of week (0-7, Sunday 0 and 7) as
// AWS numbers them (1-7, Sunday 1), in lists, ranges and steps; names pass.
func shiftWeekdays(field string) (string, error) {
	var out strings.Builder
	num := ""
	flush := func(inStep bool) error {
		if num == "" {
			return nil
		}
		n, err := strconv.Atoi(num)
		if err != nil || n > 7 {
			return fmt.Errorf("%q is not a day of week 0-7", num)
		}
		if !inStep {
			n = n%7 + 1
		}
		out.WriteString(strconv.Itoa(n))
		num = ""
		return nil
	}
	inStep := false
	for _, r := range field {
		switch {
		case r >= '0' && r <= '9':
			num += string(r)
		default:
			if err := flush(inStep); err != nil {
				return "", err
			}
			inStep = r == '/'
			if r == ',' {
				inStep = false
			}
			out.WriteRune(r)
		}
	}
	if err := flush(inStep); err != nil {
		return "", err
	}
	return out.String(), nil
}

// run starts one goroutine per job and waits for them when ctx ends.
func (b *backupJobs) run(ctx context.Context) {
	var wg sync.WaitGroup
	for _, j := range b.jobs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				next := j.cron.Next(timeNow())
				if next.IsZero() {
					b.logger.Warn("backup job has no run left on its schedule", "job", j.cfg.Name)
					return
				}
				b.setGauge("dbwarden_backup_next_run_timestamp_seconds", j.cfg.Name, float64(next.Unix()))
				t := time.NewTimer(time.Until(next))
				select {
				case <-ctx.Done():
					t.Stop()
					return
				case <-t.C:
				}
				// A backup that started finishes, even on shutdown.
				b.runJob(context.WithoutCancel(ctx), j)
			}
		}()
	}
	wg.Wait()
}

// runJob takes one backup and applies retention.
func (b *backupJobs) runJob(ctx context.Context, j backupJob) error {
	ctx = audit.WithCaller(ctx, audit.Caller{Principal: "dbwarden:backup-scheduler"})
	start := time.Now()
	m, err := b.backup(ctx, j)
	rec := audit.Record{Time: time.Now().UTC(), Principal: "dbwarden:backup-scheduler", Action: "dbwarden:Backup", Resource: j.cfg.Name + " -> " + j.cfg.To, Outcome: audit.OutcomeSuccess}
	if err != nil {
		rec.Outcome, rec.ErrorCode = audit.OutcomeFailure, "BackupFailed"
		b.store.RecordEvent(ctx, rec)
		b.setGauge("dbwarden_backup_last_failure_timestamp_seconds", j.cfg.Name, float64(time.Now().Unix()))
		b.logger.Error("backup failed", "job", j.cfg.Name, "error", err)
		b.notify(ctx, j, err)
		return err
	}
	rec.VersionID = m.BackupID
	b.store.RecordEvent(ctx, rec)
	var size int64
	for _, o := range m.Objects {
		size += o.Size
	}
	b.setGauge("dbwarden_backup_last_success_timestamp_seconds", j.cfg.Name, float64(m.Finished.Unix()))
	b.setGauge("dbwarden_backup_last_duration_seconds", j.cfg.Name, time.Since(start).Seconds())
	b.setGauge("dbwarden_backup_last_size_bytes", j.cfg.Name, float64(size))
	b.logger.Info("backup taken", "job", j.cfg.Name, "backup", m.BackupID, "objects", len(m.Objects), "bytes", size)
	return nil
}

func (b *backupJobs) backup(ctx context.Context, j backupJob) (*format.Manifest, error) {
	// The server's own store holds the source's secret: no second one
	// is opened.
	creds, err := b.source(ctx, j.cfg.Source)
	if err != nil {
		return nil, err
	}
	arch, err := b.a.archive(ctx, j.cfg.To)
	if err != nil {
		return nil, err
	}
	defer arch.Bucket.Close()
	m, err := arch.Run(ctx, creds, backup.RunOptions{Compression: j.comp, Dump: backup.Options{
		Workers: j.cfg.Workers, Include: j.cfg.Include, Exclude: j.cfg.Exclude,
	}})
	if err != nil {
		return nil, err
	}
	removed, _, err := arch.Prune(ctx, j.policy, timeNow(), false)
	if err != nil {
		// The backup is taken; retention is retried after the next one.
		b.logger.Error("retention failed", "job", j.cfg.Name, "error", err)
	} else if len(removed) > 0 {
		b.logger.Info("retention removed backups", "job", j.cfg.Name, "count", len(removed))
	}
	return m, nil
}

func (b *backupJobs) source(ctx context.Context, s string) (mysqladmin.Credentials, error) {
	if strings.HasPrefix(s, "mysql://") {
		c, _, err := b.a.serverCredentials(ctx, s)
		return c, err
	}
	return secretCredentials(ctx, b.store, s)
}

// notify POSTs a failure to the job's webhook; the error names what failed,
// never a secret value.
func (b *backupJobs) notify(ctx context.Context, j backupJob, failure error) {
	if j.cfg.Webhook == "" {
		return
	}
	body, _ := json.Marshal(map[string]any{"event": "backup_failed", "job": j.cfg.Name, "to": j.cfg.To, "error": failure.Error(), "time": time.Now().UTC()})
	ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, j.cfg.Webhook, bytes.NewReader(body))
	if err != nil {
		b.logger.Error("backup failure webhook", "job", j.cfg.Name, "error", err)
		return
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		b.logger.Error("backup failure webhook", "job", j.cfg.Name, "error", err)
		return
	}
	resp.Body.Close()
	if resp.StatusCode >= 300 {
		b.logger.Error("backup failure webhook answered", "job", j.cfg.Name, "status", resp.Status)
	}
}

func (b *backupJobs) setGauge(name, job string, v float64) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.gauges[fmt.Sprintf("%s{job=%q}", name, job)] = v
}

// Gauges returns the jobs' gauges for /metrics.
func (b *backupJobs) Gauges() map[string]float64 {
	b.mu.Lock()
	defer b.mu.Unlock()
	out := make(map[string]float64, len(b.gauges))
	for k, v := range b.gauges {
		out[k] = v
	}
	return out
}
