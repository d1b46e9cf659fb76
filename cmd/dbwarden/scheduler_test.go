package main

import (
	"context"
	"io"
	"log/slog"
	"testing"
	"time"

	"github.com/dbwarden/dbwarden/internal/secret"
	"github.com/dbwarden/dbwarden/internal/store"
	"github.com/dbwarden/dbwarden/internal/store/sqlitestore"
)

// The scheduler rotates a secret once its NextRotationDate has passed, and
// not before; after the rotation the next date follows the schedule.
func TestSchedulerRotatesWhatIsDue(t *testing.T) {
	d := newRotationDB(t)
	a, s := appWithStore(t)
	ctx := context.Background()
	app, err := s.CreateSecret(ctx, &store.CreateSecretInput{Name: "prod/app", SecretString: &d.app})
	if err != nil {
		t.Fatal(err)
	}
	rate, no := "rate(4 days)", false
	if _, err := s.RotateSecret(ctx, &store.RotateSecretInput{SecretId: app.ARN, RotationRules: &secret.RotationRules{ScheduleExpression: &rate}, RotateImmediately: &no}); err != nil {
		t.Fatal(err)
	}
	sc := newScheduler(s, a.engine(s), slog.New(slog.NewTextHandler(io.Discard, nil)))
	runCtx, stop := context.WithCancel(ctx)
	done := make(chan struct{})
	go func() { sc.run(runCtx); close(done) }()
	defer func() { stop(); <-done }()

	// Not due: not listed, and nothing happens however often the
	// scheduler is woken.
	if due, err := s.DueRotations(ctx, time.Now()); err != nil || len(due) != 0 {
		t.Fatalf("due before its date: %v %v", due, err)
	}
	for range 3 {
		sc.poke()
	}
	st, err := s.RotationState(ctx, app.ARN)
	if err != nil || !st.LastRotated.IsZero() || st.NextDue.Before(time.Now().Add(3*24*time.Hour)) {
		t.Fatalf("before it is due: %+v %v", st, err)
	}

	// Due an hour ago: the next wake-up rotates it.
	st.NextDue = time.Now().Add(-time.Hour)
	if err := s.SaveRotationState(ctx, app.ARN, st); err != nil {
		t.Fatal(err)
	}
	sc.poke()
	deadline := time.Now().Add(60 * time.Second) // a bound for a hung rotation, not a speed test
	for {
		st, err = s.RotationState(ctx, app.ARN)
		if err != nil {
			t.Fatal(err)
		}
		if !st.LastRotated.IsZero() {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the due rotation never ran: %+v", st)
		}
		time.Sleep(50 * time.Millisecond)
	}
	if got := st.NextDue.Sub(st.LastRotated); got != 4*24*time.Hour {
		t.Fatalf("the next rotation is %v after this one, want 4 days", got)
	}
	out, err := s.GetSecretValue(ctx, &store.GetSecretValueInput{SecretId: app.ARN})
	if err != nil {
		t.Fatal(err)
	}
	if *out.SecretString == d.app {
		t.Fatal("the scheduled rotation left the value as it was")
	}
	if err := loginWith(t, *out.SecretString); err != nil {
		t.Fatalf("the rotated credentials do not log in: %v", err)
	}
}

// A cron-scheduled rotation whose window passed while dbwarden was down
// waits for the next window instead of running outside its window.
func TestSchedulerSkipsAMissedCronWindow(t *testing.T) {
	d := newRotationDB(t)
	a, s := appWithStore(t)
	ctx := context.Background()
	app, err := s.CreateSecret(ctx, &store.CreateSecretInput{Name: "prod/app", SecretString: &d.app})
	if err != nil {
		t.Fatal(err)
	}
	// Every day at 02:00 UTC, a two-hour window.
	cron, window, no := "cron(0 2 * * ? *)", "2h", false
	if _, err := s.RotateSecret(ctx, &store.RotateSecretInput{SecretId: app.ARN, RotateImmediately: &no,
		RotationRules: &secret.RotationRules{ScheduleExpression: &cron, Duration: &window}}); err != nil {
		t.Fatal(err)
	}
	st, err := s.RotationState(ctx, app.ARN)
	if err != nil || st.NextDue.Hour() != 2 {
		t.Fatalf("next rotation %v (%v), want at 02:00 UTC", st.NextDue, err)
	}
	// The window of two days ago passed with nobody to rotate.
	missed := time.Now().UTC().Truncate(24*time.Hour).AddDate(0, 0, -2).Add(2 * time.Hour)
	st.NextDue = missed
	if err := s.SaveRotationState(ctx, app.ARN, st); err != nil {
		t.Fatal(err)
	}
	sc := newScheduler(s, a.engine(s), slog.New(slog.NewTextHandler(io.Discard, nil)))
	sc.rotate(ctx, app.ARN)
	st, err = s.RotationState(ctx, app.ARN)
	if err != nil {
		t.Fatal(err)
	}
	if !st.LastRotated.IsZero() {
		t.Fatal("a rotation ran outside its window")
	}
	if !st.NextDue.After(time.Now()) || st.NextDue.Hour() != 2 || st.NextDue.Minute() != 0 {
		t.Fatalf("after a missed window the next rotation is %v, want the next 02:00 UTC", st.NextDue)
	}
	// Asked for at once, it runs whatever the window.
	yes := true
	if _, err := s.RotateSecret(ctx, &store.RotateSecretInput{SecretId: app.ARN, RotateImmediately: &yes}); err != nil {
		t.Fatal(err)
	}
	sc.rotate(ctx, app.ARN)
	if st, _ = s.RotationState(ctx, app.ARN); st.LastRotated.IsZero() {
		t.Fatal("RotateImmediately did not rotate outside the window")
	}
}

// appWithStore is an app configured as the CLI would be, on a fresh data
// directory, and its store, closed when the test ends.
func appWithStore(t *testing.T) (*app, *sqlitestore.Store) {
	t.Helper()
	a, err := crashApp(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	s, _, err := a.openStore(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return a, s
}
