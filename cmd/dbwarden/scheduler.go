package main

import (
	"context"
	"errors"
	"log/slog"
	"strings"
	"sync"
	"time"

	"github.com/dbwarden/dbwarden/internal/audit"
	"github.com/dbwarden/dbwarden/internal/rotation"
	"github.com/dbwarden/dbwarden/internal/rotation/schedule"
	"github.com/dbwarden/dbwarden/internal/store"
	"github.com/dbwarden/dbwarden/internal/store/sqlitestore"
)

// schedulerPoll is how often the scheduler looks for due rotations when
// nothing wakes it.
const schedulerPoll = 30 * time.Second

// schedulerWorkers bounds the rotations that run at once.
const schedulerWorkers = 4

// scheduler starts the rotations that are due: on their schedule, after a
// failure's backoff, and at once after RotateSecret asks for one.
type scheduler struct {
	store  *sqlitestore.Store
	engine *rotation.Engine
	logger *slog.Logger
	wake   chan struct{}

	mu      sync.Mutex
	running map[string]bool // ARNs being rotated by this process
}

func newScheduler(s *sqlitestore.Store, e *rotation.Engine, logger *slog.Logger) *scheduler {
	return &scheduler{store: s, engine: e, logger: logger, wake: make(chan struct{}, 1), running: map[string]bool{}}
}

// poke makes the scheduler look for due rotations now.
func (sc *scheduler) poke() {
	select {
	case sc.wake <- struct{}{}:
	default:
	}
}

// run looks for due rotations until ctx ends, then waits for the
// rotations it started.
func (sc *scheduler) run(ctx context.Context) {
	ctx = audit.WithCaller(ctx, audit.Caller{Principal: "dbwarden:scheduler"})
	sem := make(chan struct{}, schedulerWorkers)
	var wg sync.WaitGroup
	defer wg.Wait()
	t := time.NewTicker(schedulerPoll)
	defer t.Stop()
	for {
		due, err := sc.store.DueRotations(ctx, timeNow())
		if err != nil && ctx.Err() == nil {
			sc.logger.Error("list due rotations", "error", err)
		}
		for _, arn := range due {
			if !sc.claim(arn) {
				continue
			}
			select {
			case sem <- struct{}{}:
			case <-ctx.Done():
				sc.release(arn)
				return
			}
			wg.Add(1)
			go func() {
				defer wg.Done()
				defer func() { <-sem }()
				defer sc.release(arn)
				// A rotation that started finishes, even on shutdown: its
				// steps are short and bounded by the database's timeouts.
				sc.rotate(context.WithoutCancel(ctx), arn)
			}()
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		case <-sc.wake:
		}
	}
}

func (sc *scheduler) rotate(ctx context.Context, arn string) {
	if next, missed := sc.missedWindow(ctx, arn); missed {
		sc.logger.Warn("rotation window missed (dbwarden was not running); the rotation waits for the next window", "secret", arn, "next", next)
		return
	}
	res, err := sc.engine.Rotate(ctx, arn, "")
	switch {
	case err == nil:
		sc.logger.Info("rotated", "secret", arn, "version", res.Token, "resumed", res.Resumed)
	case errors.Is(err, rotation.ErrBusy):
		// Another process is rotating it; its result is what counts.
	default:
		// Errors name the step and the cause; never a value.
		sc.logger.Error("rotation failed; it will be retried", "secret", arn, "error", err)
	}
}

// missedWindow moves a cron-scheduled rotation whose window has passed
// without it (dbwarden was down) to the next window, as Secrets Manager
// does, and says so. Rotations asked for with RotateImmediately, resumed
// ones, and those on rate() or AutomaticallyAfterDays schedules, whose
// windows are not tied to the clock, run late rather than not at all.
func (sc *scheduler) missedWindow(ctx context.Context, arn string) (time.Time, bool) {
	d, err := sc.store.DescribeSecret(ctx, &store.DescribeSecretInput{SecretId: arn})
	if err != nil || d.RotationRules == nil || d.RotationRules.ScheduleExpression == nil || !strings.HasPrefix(*d.RotationRules.ScheduleExpression, "cron(") {
		return time.Time{}, false
	}
	st, err := sc.store.RotationState(ctx, arn)
	if err != nil || st.Token != "" || st.NextDue.IsZero() {
		return time.Time{}, false
	}
	r := d.RotationRules
	sched, err := schedule.Parse(schedule.Rules{AutomaticallyAfterDays: r.AutomaticallyAfterDays, Duration: r.Duration, ScheduleExpression: r.ScheduleExpression})
	if err != nil {
		return time.Time{}, false
	}
	start, end := sched.Next(st.NextDue.Add(-time.Second))
	now := timeNow().UTC()
	if !start.Equal(st.NextDue) || end.IsZero() || now.Before(end) {
		return time.Time{}, false
	}
	next, _ := sched.Next(now)
	if next.IsZero() {
		return time.Time{}, false
	}
	st.NextDue = next
	if err := sc.store.SaveRotationState(ctx, arn, st); err != nil {
		return time.Time{}, false
	}
	return next, true
}

func (sc *scheduler) claim(arn string) bool {
	sc.mu.Lock()
	defer sc.mu.Unlock()
	if sc.running[arn] {
		return false
	}
	sc.running[arn] = true
	return true
}

func (sc *scheduler) release(arn string) {
	sc.mu.Lock()
	defer sc.mu.Unlock()
	delete(sc.running, arn)
}

// pokingStore is the store the API serves: a RotateSecret that succeeds
// wakes the scheduler, so that RotateImmediately starts at once.
type pokingStore struct {
	*sqlitestore.Store
	sc *scheduler
}

func (p pokingStore) RotateSecret(ctx context.Context, in *store.RotateSecretInput) (*store.RotateSecretOutput, error) {
	out, err := p.Store.RotateSecret(ctx, in)
	if err == nil {
		p.sc.poke()
	}
	return out, err
}
