package secret

import (
	"errors"
	"strconv"
	"testing"
	"time"

	"github.com/dbwarden/dbwarden/internal/rotation/schedule"
)

func i64(v int64) *int64  { return &v }
func sp(v string) *string { return &v }

func TestValidateRotationRules(t *testing.T) {
	good := []RotationRules{
		{AutomaticallyAfterDays: i64(4)},
		{ScheduleExpression: sp("rate(4 days)")},
		{ScheduleExpression: sp("rate(1 day)")},
		{ScheduleExpression: sp("rate(12 hours)"), Duration: sp("2h")},
		{ScheduleExpression: sp("cron(0 16 1,15 * ? *)"), Duration: sp("8h")},
		{ScheduleExpression: sp("cron(0 0 ? * SUN#1 *)"), Duration: sp("24h")},
		{ScheduleExpression: sp("cron(0 17 L * ? *)")},
	}
	for _, r := range good {
		if err := ValidateRotationRules(r); err != nil {
			t.Errorf("%s: got %v, want valid", show(r), err)
		}
	}
	bad := []RotationRules{
		{},
		{AutomaticallyAfterDays: i64(4), ScheduleExpression: sp("rate(4 days)")},
		{AutomaticallyAfterDays: i64(0)},
		{AutomaticallyAfterDays: i64(1001)},
		{ScheduleExpression: sp("rate(2 hours)")},
		{ScheduleExpression: sp("rate(1001 days)")},
		{ScheduleExpression: sp("every day")},
		{ScheduleExpression: sp("cron(0 16 * * ?)")},
		{ScheduleExpression: sp("cron(0 0/2 * * ? *)")},                       // two hours apart
		{ScheduleExpression: sp("cron(0 16 1,15 * ? *)"), Duration: sp("9h")}, // into the next UTC day
		{ScheduleExpression: sp("cron(0 0 30 2 ? *)")},                        // no 30 February
		{AutomaticallyAfterDays: i64(4), Duration: sp("25h")},
		{AutomaticallyAfterDays: i64(4), Duration: sp("90m")},
	}
	for _, r := range bad {
		err := ValidateRotationRules(r)
		if Code(err) != CodeInvalidParameter {
			t.Errorf("%s: got %v, want InvalidParameterException", show(r), err)
		}
		var e *schedule.Error
		if !errors.As(err, &e) {
			t.Errorf("%s: got %v, want the schedule error as its cause", show(r), err)
		}
	}
}

func TestValidateRotationRulesWording(t *testing.T) {
	err := ValidateRotationRules(RotationRules{AutomaticallyAfterDays: i64(4), ScheduleExpression: sp("rate(4 days)")})
	if want := "InvalidParameterException: You cannot specify both rotation frequency and schedule expression together."; err == nil || err.Error() != want {
		t.Fatalf("got %v, want %q", err, want)
	}
}

func TestNextRotation(t *testing.T) {
	from := time.Date(2026, 11, 25, 12, 0, 0, 0, time.UTC) // a Wednesday
	for _, tc := range []struct {
		name  string
		rules RotationRules
		want  time.Time
	}{
		{"rate in days counts from the last rotation", RotationRules{ScheduleExpression: sp("rate(4 days)")}, from.AddDate(0, 0, 4)},
		{"rate in hours", RotationRules{ScheduleExpression: sp("rate(6 hours)")}, from.Add(6 * time.Hour)},
		{"AutomaticallyAfterDays", RotationRules{AutomaticallyAfterDays: i64(30)}, from.AddDate(0, 0, 30)},
		{"cron later the same day", RotationRules{ScheduleExpression: sp("cron(0 16 1,25 * ? *)")}, time.Date(2026, 11, 25, 16, 0, 0, 0, time.UTC)},
		{"cron in the next month", RotationRules{ScheduleExpression: sp("cron(0 16 1,15 * ? *)")}, time.Date(2026, 12, 1, 16, 0, 0, 0, time.UTC)},
		{"cron on the last day of the month", RotationRules{ScheduleExpression: sp("cron(0 0 L * ? *)")}, time.Date(2026, 11, 30, 0, 0, 0, 0, time.UTC)},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, ok := NextRotation(tc.rules, from)
			if !ok || !got.Equal(tc.want) {
				t.Fatalf("got %v %v, want %v true", got, ok, tc.want)
			}
		})
	}
	if got, ok := NextRotation(RotationRules{ScheduleExpression: sp("rate(2 hours)")}, from); ok {
		t.Errorf("invalid rules: got %v true, want false", got)
	}
	if got, ok := NextRotation(RotationRules{ScheduleExpression: sp("cron(0 0 29 2 ? *)")}, time.Date(2197, 1, 1, 0, 0, 0, 0, time.UTC)); ok {
		t.Errorf("cron with no date left: got %v true, want false", got)
	}
}

func show(r RotationRules) string {
	s := "{"
	if r.AutomaticallyAfterDays != nil {
		s += " AutomaticallyAfterDays:" + strconv.FormatInt(*r.AutomaticallyAfterDays, 10)
	}
	if r.ScheduleExpression != nil {
		s += " ScheduleExpression:" + *r.ScheduleExpression
	}
	if r.Duration != nil {
		s += " Duration:" + *r.Duration
	}
	return s + " }"
}
