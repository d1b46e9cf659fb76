package secret

import (
	"regexp"
	"strconv"
	"strings"
	"time"
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
	NextDue     time.Time // zero when the schedule is a cron expression not yet evaluated
}

var (
	rateRe     = regexp.MustCompile(`^rate\((\d+) (hours?|days?)\)$`)
	durationRe = regexp.MustCompile(`^(\d+)h$`)
)

// ValidateRotationRules checks rules as Secrets Manager does: one of
// AutomaticallyAfterDays (1 to 1000) and ScheduleExpression (rate(N hours)
// with N from 4 to 23, rate(N days) with N from 1 to 1000, or a six-field
// cron(...)), and a Duration of 1h to 24h.
func ValidateRotationRules(r RotationRules) error {
	if (r.AutomaticallyAfterDays == nil) == (r.ScheduleExpression == nil) {
		return Errorf(CodeInvalidParameter, "You must specify either AutomaticallyAfterDays or ScheduleExpression in RotationRules, but not both.")
	}
	if d := r.AutomaticallyAfterDays; d != nil && (*d < 1 || *d > 1000) {
		return Errorf(CodeInvalidParameter, "AutomaticallyAfterDays must be between 1 and 1000.")
	}
	if e := r.ScheduleExpression; e != nil {
		if m := rateRe.FindStringSubmatch(*e); m != nil {
			n, _ := strconv.Atoi(m[1])
			hours := strings.HasPrefix(m[2], "hour")
			if hours && (n < 4 || n > 23) || !hours && (n < 1 || n > 1000) {
				return Errorf(CodeInvalidParameter, "Invalid ScheduleExpression %q: rate() takes 4 to 23 hours or 1 to 1000 days.", *e)
			}
		} else if inner, ok := strings.CutPrefix(*e, "cron("); !ok || !strings.HasSuffix(inner, ")") || len(strings.Fields(strings.TrimSuffix(inner, ")"))) != 6 {
			return Errorf(CodeInvalidParameter, "Invalid ScheduleExpression %q: use rate(N days), rate(N hours) or cron() with six fields.", *e)
		}
	}
	if d := r.Duration; d != nil {
		m := durationRe.FindStringSubmatch(*d)
		n := 0
		if m != nil {
			n, _ = strconv.Atoi(m[1])
		}
		if n < 1 || n > 24 {
			return Errorf(CodeInvalidParameter, "Invalid Duration %q: use 1h to 24h.", *d)
		}
	}
	return nil
}

// NextRotation is when rules make a rotation due after from, and false for
// cron expressions, which the scheduler evaluates.
func NextRotation(r RotationRules, from time.Time) (time.Time, bool) {
	if d := r.AutomaticallyAfterDays; d != nil {
		return from.Add(time.Duration(*d) * 24 * time.Hour), true
	}
	if e := r.ScheduleExpression; e != nil {
		if m := rateRe.FindStringSubmatch(*e); m != nil {
			n, _ := strconv.Atoi(m[1])
			unit := 24 * time.Hour
			if strings.HasPrefix(m[2], "hour") {
				unit = time.Hour
			}
			return from.Add(time.Duration(n) * unit), true
		}
	}
	return time.Time{}, false
}
