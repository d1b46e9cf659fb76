package secret

import (
	"time"

	"github.com/dbwarden/dbwarden/internal/rotation/schedule"
)

// RotationRules is when a secret rotates, in Secrets Manager's terms.
type RotationRules struct {
	AutomaticallyAfterDays *int64  `json:"AutomaticallyAfterDays,omitempty"`
	Duration               *string `json:"Duration,omitempty"`
	ScheduleExpression     *string `json:"ScheduleExpression,omitempty"`
}

// Rotation is a secret's rotation configuration and state.
type Rotation struct {
	Enabled     bool
	Rotator     string // RotationLambdaARN: a Lambda ARN or the name of a dbwarden rotator
	Rules       RotationRules
	LastRotated time.Time
	NextDue     time.Time // when the next rotation window opens; zero when none is scheduled
}

// ValidateRotationRules checks rules as Secrets Manager does: one of
// AutomaticallyAfterDays (1 to 1000) and ScheduleExpression (rate(N hours)
// with N from 4 to 23, rate(N days) with N from 1 to 999, or a six-field
// cron(...) at least four hours between rotations), and a Duration of 1h to
// 24h that keeps each window inside its UTC day and before the next window.
// Package schedule has the full rules. Errors carry CodeInvalidParameter.
func ValidateRotationRules(r RotationRules) error {
	_, err := parseRotationRules(r)
	return err
}

// NextRotation is when the first rotation window after from opens under
// rules: one interval after from for rate() and AutomaticallyAfterDays, the
// next matching hour for cron(). It returns false when rules are invalid or
// a cron expression matches nothing after from.
func NextRotation(r RotationRules, from time.Time) (time.Time, bool) {
	s, err := parseRotationRules(r)
	if err != nil {
		return time.Time{}, false
	}
	start, _ := s.Next(from)
	return start, !start.IsZero()
}

func parseRotationRules(r RotationRules) (*schedule.Schedule, error) {
	s, err := schedule.Parse(schedule.Rules{
		AutomaticallyAfterDays: r.AutomaticallyAfterDays,
		Duration:               r.Duration,
		ScheduleExpression:     r.ScheduleExpression,
	})
	if err != nil {
		return nil, &Error{Code: CodeInvalidParameter, Message: err.Error(), Err: err}
	}
	return s, nil
}
