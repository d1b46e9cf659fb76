package main

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"

	"github.com/dbwarden/dbwarden/internal/audit"
	"github.com/dbwarden/dbwarden/internal/config"
	"github.com/dbwarden/dbwarden/internal/store"
)

func TestAWSCron(t *testing.T) {
	for _, c := range []struct{ in, want string }{
		{"0 2 * * *", "cron(0 2 * * ? *)"},             // seed 000: every day at 02:00
		{"30 4 * * 0", "cron(30 4 ? * 1 *)"},           // Sundays
		{"0 1 * * 1-5", "cron(0 1 ? * 2-6 *)"},         // weekdays
		{"0 1 * * 7", "cron(0 1 ? * 1 *)"},             // Sunday as 7
		{"0 */6 1 * *", "cron(0 */6 1 * ? *)"},         // the first of the month
		{"0 3 * * 1-5/2", "cron(0 3 ? * 2-6/2 *)"},     // a step is not a day
		{"0 3 * * MON,FRI", "cron(0 3 ? * MON,FRI *)"}, // names pass
		{"cron(0 2 * * ? *)", "cron(0 2 * * ? *)"},     // already AWS's
	} {
		got, err := awsCron(c.in)
		if err != nil || got != c.want {
			t.Errorf("awsCron(%q) = %q, %v; want %q", c.in, got, err, c.want)
		}
	}
	for _, bad := range []string{"0 2 * *", "0 2 1 * 1", "0 2 * * 8", "* * * * * * *"} {
		if _, err := awsCron(bad); err == nil {
			t.Errorf("awsCron(%q) accepted", bad)
		}
	}
}

// A scheduled job takes a backup, records it in the audit trail and the
// gauges, and applies retention; a failing one calls its webhook.
func TestBackupJob(t *testing.T) {
	admin, db := backupDB(t)
	a, s := appWithStore(t)
	ctx := context.Background()
	if _, err := s.CreateSecret(ctx, &store.CreateSecretInput{Name: "prod/mysql/admin", SecretString: &admin}); err != nil {
		t.Fatal(err)
	}
	var hooked []string
	hook := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		hooked = append(hooked, string(b))
	}))
	defer hook.Close()
	dir := filepath.Join(t.TempDir(), "b")
	a.cfg.Backups = []config.BackupJob{
		{Name: "nightly", Source: "prod/mysql/admin", To: "file://" + dir, Schedule: "0 2 * * *", Keep: "keep-last=1", Include: []string{db}},
		{Name: "broken", Source: "prod/mysql/missing", To: "file://" + dir + "2", Schedule: "0 3 * * *", Webhook: hook.URL},
	}
	jobs, err := a.newBackupJobs(s, slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err != nil {
		t.Fatal(err)
	}
	for range 2 {
		if err := jobs.runJob(ctx, jobs.jobs[0]); err != nil {
			t.Fatal(err)
		}
	}
	arch, err := a.archive(ctx, "file://"+dir)
	if err != nil {
		t.Fatal(err)
	}
	defer arch.Bucket.Close()
	if list, _ := arch.List(ctx); len(list) != 1 || !list[0].Complete {
		t.Fatalf("after two runs with keep-last=1: %+v", list)
	}
	g := jobs.Gauges()
	if g[`dbwarden_backup_last_success_timestamp_seconds{job="nightly"}`] == 0 || g[`dbwarden_backup_last_size_bytes{job="nightly"}`] == 0 {
		t.Fatalf("gauges after a success: %v", g)
	}
	if err := jobs.runJob(ctx, jobs.jobs[1]); err == nil {
		t.Fatal("a job whose source secret is missing succeeded")
	}
	if len(hooked) != 1 || !strings.Contains(hooked[0], `"job":"broken"`) {
		t.Fatalf("webhook calls: %q", hooked)
	}
	var body map[string]any
	json.Unmarshal([]byte(hooked[0]), &body)
	if body["event"] != "backup_failed" {
		t.Fatalf("webhook body: %v", body)
	}
	recs, err := audit.Query(ctx, s.DB(), audit.Filter{Action: "dbwarden:Backup"})
	if err != nil || len(recs) != 3 || recs[2].Outcome != audit.OutcomeFailure {
		t.Fatalf("audit records of the jobs: %d (%v)", len(recs), err)
	}
	// A bad schedule stops the server before it starts.
	a.cfg.Backups = []config.BackupJob{{Name: "x", Source: "s", To: "file:///x", Schedule: "every day"}}
	if _, err := a.newBackupJobs(s, slog.New(slog.NewTextHandler(io.Discard, nil))); err == nil || !strings.Contains(err.Error(), `"x"`) {
		t.Fatalf("a bad schedule: %v", err)
	}
}
