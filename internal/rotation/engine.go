package rotation

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"time"

	"github.com/dbwarden/dbwarden/internal/secret"
	"github.com/dbwarden/dbwarden/internal/store"
)

// Engine runs rotations on a store. A rotation is resumable: its token is
// the AWSPENDING version's id, so a run that finds AWSPENDING on a version
// other than AWSCURRENT carries that rotation on (each step is idempotent)
// instead of starting another.
//
// A token that failed MaxAttempts times in a row is abandoned: AWSPENDING
// is taken off its version and the next run starts over with a new
// password, so a password the database refuses is never retried forever.
type Engine struct {
	Store store.Store
	// Rotator returns the rotator for a secret: rotatorName is its
	// RotationLambdaARN, current its AWSCURRENT value.
	Rotator func(rotatorName, current string) (Rotator, error)

	// State keeps failures and dates between runs; nil for backends whose
	// service keeps them.
	State StateStore
	// Locks keeps two runs from rotating one secret at once; nil when the
	// caller serializes runs itself.
	Locks Locker
	// Events records each step in the audit trail; nil for none.
	Events EventRecorder

	// MaxAttempts is how many failed runs a token gets; 2 when zero.
	MaxAttempts int
	// Backoff is the wait before retrying after the nth consecutive
	// failure; exponential from one minute to an hour, with jitter, when
	// nil.
	Backoff func(failures int) time.Duration
	// Now is the clock; time.Now when nil.
	Now func() time.Time

	// Progress, when set, hears about each step as it ends (err nil on
	// success).
	Progress func(step string, err error)
	// Hook, when set, is called at named points of a run: before and
	// after each step ("setSecret:before", "setSecret:after"), where a
	// step writes twice, and where a rotator calls Checkpoint. The crash
	// tests stop the process there.
	Hook func(point string)
}

// Result is what a finished run did.
type Result struct {
	ARN       string
	Token     string // the version that is AWSCURRENT now
	Resumed   bool   // the run carried on a rotation an earlier run began
	Abandoned string // a token given up before this run began, or ""
}

// Error is a failed step. Its message names the step and the cause, never
// a secret value.
type Error struct {
	Step string
	Err  error
}

func (e *Error) Error() string { return e.Step + ": " + e.Err.Error() }
func (e *Error) Unwrap() error { return e.Err }

// ErrBusy is returned when another run holds the secret's rotation lock.
var ErrBusy = errors.New("another rotation of this secret is running")

// Rotate runs a whole rotation of secretID: the rotation in progress if
// there is one, else a new one under token (a new token when empty).
func (e *Engine) Rotate(ctx context.Context, secretID, token string) (*Result, error) {
	d, err := e.Store.DescribeSecret(ctx, &store.DescribeSecretInput{SecretId: secretID})
	if err != nil {
		return nil, err
	}
	if e.Locks != nil {
		unlock, err := e.Locks.Lock(ctx, d.ARN)
		if err != nil {
			return nil, err
		}
		defer unlock()
		// Another run may have finished in between.
		if d, err = e.Store.DescribeSecret(ctx, &store.DescribeSecretInput{SecretId: d.ARN}); err != nil {
			return nil, err
		}
	}
	var st State
	if e.State != nil {
		if st, err = e.State.RotationState(ctx, d.ARN); err != nil {
			return nil, err
		}
	}
	res := &Result{ARN: d.ARN}
	if done := finishedVersion(d.VersionIdsToStages); done != "" {
		// A run stopped inside finishSecret, after AWSCURRENT moved:
		// its steps only have the AWSPENDING label left to remove.
		token, res.Resumed = done, true
	} else if pending := pendingVersion(d.VersionIdsToStages); pending != "" {
		if st.Token == pending && st.Failures >= e.maxAttempts() {
			if _, err := e.Store.UpdateSecretVersionStage(ctx, &store.UpdateSecretVersionStageInput{
				SecretId: d.ARN, VersionStage: secret.StagePending, RemoveFromVersionId: pending,
			}); err != nil {
				return nil, err
			}
			res.Abandoned = pending
		} else {
			token, res.Resumed = pending, true
		}
	}
	if token == "" && !res.Resumed && res.Abandoned == "" && st.Failures == 0 {
		token = st.Token // the version RotateSecret said it would create
	}
	if token == "" || res.Abandoned == token {
		token = secret.NewVersionID()
	}
	res.Token = token
	for _, step := range []string{StepCreate, StepSet, StepTest, StepFinish} {
		e.hook(step + ":before")
		err := e.RunStep(ctx, d.ARN, token, step)
		e.record(ctx, d.ARN, token, step, err)
		if e.Progress != nil {
			e.Progress(step, err)
		}
		if err != nil {
			return res, e.failed(ctx, d.ARN, token, st, err)
		}
		e.hook(step + ":after")
	}
	if e.State != nil {
		now := e.now()
		done := State{LastRotated: now}
		if d.RotationRules != nil {
			if next, ok := secret.NextRotation(*d.RotationRules, now); ok {
				done.NextDue = next
			}
		}
		if err := e.State.SaveRotationState(ctx, d.ARN, done); err != nil {
			return res, err
		}
	}
	return res, nil
}

// failed records a failed run and returns err.
func (e *Engine) failed(ctx context.Context, arn, token string, st State, err error) error {
	if e.State == nil || ctx.Err() != nil {
		// An interrupted run is not a failed one: the next run resumes it.
		return err
	}
	if st.Token != token {
		st = State{LastRotated: st.LastRotated, NextDue: st.NextDue}
	}
	st.Token = token
	st.Failures++
	st.LastFailure = err.Error()
	st.FailedAt = e.now()
	st.RetryAt = st.FailedAt.Add(e.backoff(st.Failures))
	if serr := e.State.SaveRotationState(ctx, arn, st); serr != nil {
		return errors.Join(err, serr)
	}
	return err
}

// RunStep runs one step of the rotation whose token is token, as Secrets
// Manager asks a rotation function to.
func (e *Engine) RunStep(ctx context.Context, secretID, token, step string) error {
	err := e.runStep(ctx, secretID, token, step)
	if err != nil {
		var se *Error
		if !errors.As(err, &se) {
			err = &Error{Step: step, Err: err}
		}
	}
	return err
}

func (e *Engine) runStep(ctx context.Context, secretID, token, step string) error {
	if e.Hook != nil {
		ctx = withCheckpoints(ctx, e.Hook)
	}
	d, err := e.Store.DescribeSecret(ctx, &store.DescribeSecretInput{SecretId: secretID})
	if err != nil {
		return err
	}
	stages, known := d.VersionIdsToStages[token]
	switch {
	case known && has(stages, secret.StageCurrent):
		// The rotation has finished; all that may be left is the label.
		if has(stages, secret.StagePending) {
			return e.removePending(ctx, d.ARN, token)
		}
		return nil
	case known && !has(stages, secret.StagePending):
		return fmt.Errorf("version %s is neither AWSCURRENT nor AWSPENDING: it is not being rotated", token)
	case !known && step != StepCreate:
		return fmt.Errorf("version %s does not exist: run createSecret first", token)
	}
	current, err := e.value(ctx, d.ARN, "", secret.StageCurrent)
	if err != nil {
		return err
	}
	r, err := e.Rotator(d.RotationLambdaARN, current)
	if err != nil {
		return err
	}
	switch step {
	case StepCreate:
		if known {
			if _, err := e.value(ctx, d.ARN, token, secret.StagePending); err == nil {
				return nil
			} else if secret.Code(err) != secret.CodeResourceNotFound {
				return err
			}
		}
		pending, err := r.NewPending(ctx, current)
		if err != nil {
			return err
		}
		_, err = e.Store.PutSecretValue(ctx, &store.PutSecretValueInput{
			SecretId: d.ARN, ClientRequestToken: token, SecretString: &pending, VersionStages: []string{secret.StagePending},
		})
		return err
	case StepSet:
		pending, err := e.value(ctx, d.ARN, token, secret.StagePending)
		if err != nil {
			return err
		}
		previous, err := e.value(ctx, d.ARN, "", secret.StagePrevious)
		if err != nil && secret.Code(err) != secret.CodeResourceNotFound {
			return err
		}
		return r.Set(ctx, SetInput{Current: current, Pending: pending, Previous: previous, Secrets: storeReader{e.Store}})
	case StepTest:
		pending, err := e.value(ctx, d.ARN, token, secret.StagePending)
		if err != nil {
			return err
		}
		return r.Test(ctx, pending)
	case StepFinish:
		var from string
		for id, s := range d.VersionIdsToStages {
			if has(s, secret.StageCurrent) {
				from = id
			}
		}
		if _, err := e.Store.UpdateSecretVersionStage(ctx, &store.UpdateSecretVersionStageInput{
			SecretId: d.ARN, VersionStage: secret.StageCurrent, MoveToVersionId: token, RemoveFromVersionId: from,
		}); err != nil {
			return err
		}
		e.hook(StepFinish + ":moved")
		return e.removePending(ctx, d.ARN, token)
	}
	return fmt.Errorf("unknown step %q: use createSecret, setSecret, testSecret or finishSecret", step)
}

func (e *Engine) removePending(ctx context.Context, arn, token string) error {
	_, err := e.Store.UpdateSecretVersionStage(ctx, &store.UpdateSecretVersionStageInput{
		SecretId: arn, VersionStage: secret.StagePending, RemoveFromVersionId: token,
	})
	return err
}

// value reads a string value by version id and stage; "" with a nil error
// never happens: a secret without a string value is an error.
func (e *Engine) value(ctx context.Context, arn, versionID, stage string) (string, error) {
	out, err := e.Store.GetSecretValue(ctx, &store.GetSecretValueInput{SecretId: arn, VersionId: versionID, VersionStage: stage})
	if err != nil {
		return "", err
	}
	if out.SecretString == nil {
		return "", fmt.Errorf("version %s holds SecretBinary: rotation needs a SecretString", out.VersionId)
	}
	return *out.SecretString, nil
}

func (e *Engine) record(ctx context.Context, arn, token, step string, err error) {
	if e.Events != nil {
		e.Events.RecordStep(ctx, arn, token, step, err)
	}
}

func (e *Engine) hook(point string) {
	if e.Hook != nil {
		e.Hook(point)
	}
}

func (e *Engine) now() time.Time {
	if e.Now != nil {
		return e.Now().UTC()
	}
	return time.Now().UTC()
}

func (e *Engine) maxAttempts() int {
	if e.MaxAttempts > 0 {
		return e.MaxAttempts
	}
	return 2
}

func (e *Engine) backoff(failures int) time.Duration {
	if e.Backoff != nil {
		return e.Backoff(failures)
	}
	return DefaultBackoff(failures)
}

// DefaultBackoff waits a minute after the first failure and doubles up to
// an hour, each wait moved by up to a fifth either way so that secrets
// that failed together do not retry together.
func DefaultBackoff(failures int) time.Duration {
	failures = max(failures, 1)
	d := time.Hour
	if failures < 7 {
		d = time.Minute << (failures - 1)
		d = min(d, time.Hour)
	}
	jitter := time.Duration(rand.Int64N(int64(d)/5*2+1)) - d/5
	return d + jitter
}

// finishedVersion is a version that holds both AWSCURRENT and AWSPENDING.
func finishedVersion(m map[string][]string) string {
	for id, stages := range m {
		if has(stages, secret.StagePending) && has(stages, secret.StageCurrent) {
			return id
		}
	}
	return ""
}

// pendingVersion is the version that holds AWSPENDING without AWSCURRENT.
func pendingVersion(m map[string][]string) string {
	for id, stages := range m {
		if has(stages, secret.StagePending) && !has(stages, secret.StageCurrent) {
			return id
		}
	}
	return ""
}

func has(stages []string, s string) bool {
	for _, x := range stages {
		if x == s {
			return true
		}
	}
	return false
}

// storeReader reads other secrets (a value's masterarn) from the store.
type storeReader struct{ s store.Store }

func (r storeReader) CurrentValue(ctx context.Context, secretID string) (string, error) {
	out, err := r.s.GetSecretValue(ctx, &store.GetSecretValueInput{SecretId: secretID})
	if err != nil {
		return "", err
	}
	if out.SecretString == nil {
		return "", fmt.Errorf("secret %s holds SecretBinary, not credentials", out.Name)
	}
	return *out.SecretString, nil
}
