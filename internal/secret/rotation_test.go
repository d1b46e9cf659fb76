package secret

import (
	"testing"
	"time"
)

func i64(v int64) *int64  { return &v }
func sp(v string) *string { return &v }

func TestValidateRotationRules(t *testing.T) {
	good := []RotationRules{
		{AutomaticallyAfterDays: i64(4)},
		{ScheduleExpression: sp("rate(4 days)")},
		{ScheduleExpression: sp("rate(1 day)")},
		{ScheduleExpression: sp("rate(12 hours)"), Duration: sp("2h")},
		{ScheduleExpression: sp("cron(0 16 1,15 * ? *)"), Duration: sp("24h")},
	}
	for _, r := range good {
		if err := ValidateRotationRules(r); err != nil {
			t.Errorf("%+v: got %v, want valid", r, err)
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
		{AutomaticallyAfterDays: i64(4), Duration: sp("25h")},
		{AutomaticallyAfterDays: i64(4), Duration: sp("90m")},
	}
	for _, r := range bad {
		if err := ValidateRotationRules(r); Code(err) != CodeInvalidParameter {
			t.Errorf("%+v: got %v, want InvalidParameterException", r, err)
		}
	}
}

func TestNextRotation(t *testing.T) {
	from := time.Date(2026, 11, 25, 12, 0, 0, 0, time.UTC)
	if got, ok := NextRotation(RotationRules{ScheduleExpression: sp("rate(4 days)")}, from); !ok || !got.Equal(from.AddDate(0, 0, 4)) {
		t.Errorf("rate(4 days): got %v %v", got, ok)
	}
	if got, ok := NextRotation(RotationRules{ScheduleExpression: sp("rate(6 hours)")}, from); !ok || !got.Equal(from.Add(6*time.Hour)) {
		t.Errorf("rate(6 hours): got %v %v", got, ok)
	}
	if _, ok := NextRotation(RotationRules{ScheduleExpression: sp("cron(0 16 1,15 * ? *)")}, from); ok {
		t.Errorf("cron: want no date before the scheduler evaluates it")
	}
}
