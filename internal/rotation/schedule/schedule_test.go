package schedule

import (
	"errors"
	"strconv"
	"strings"
	"testing"
	"time"
)

func i64(v int64) *int64  { return &v }
func sp(v string) *string { return &v }

func expr(e string) Rules       { return Rules{ScheduleExpression: &e} }
func exprFor(e, d string) Rules { return Rules{ScheduleExpression: &e, Duration: &d} }
func mustParse(t *testing.T, r Rules) *Schedule {
	t.Helper()
	s, err := Parse(r)
	if err != nil {
		t.Fatalf("Parse(%s): %v", describe(r), err)
	}
	return s
}

func describe(r Rules) string {
	var parts []string
	if r.AutomaticallyAfterDays != nil {
		parts = append(parts, "AutomaticallyAfterDays="+strconv.FormatInt(*r.AutomaticallyAfterDays, 10))
	}
	if r.ScheduleExpression != nil {
		parts = append(parts, "ScheduleExpression="+*r.ScheduleExpression)
	}
	if r.Duration != nil {
		parts = append(parts, "Duration="+*r.Duration)
	}
	return "{" + strings.Join(parts, " ") + "}"
}

// The examples of Secrets Manager's user guide, with the first windows
// after Wednesday 1 January 2025 00:00 UTC.
func TestDocumentedExamples(t *testing.T) {
	from := utc(2025, 1, 1, 0, 0)
	for _, tc := range []struct {
		name, expr string
		starts     []time.Time
	}{
		{"every day at 10:00", "cron(0 10 * * ? *)", []time.Time{utc(2025, 1, 1, 10, 0), utc(2025, 1, 2, 10, 0)}},
		{"every Saturday at 18:00", "cron(0 18 ? * SAT *)", []time.Time{utc(2025, 1, 4, 18, 0), utc(2025, 1, 11, 18, 0)}},
		{"the first day of every month at 08:00", "cron(0 8 1 * ? *)", []time.Time{utc(2025, 1, 1, 8, 0), utc(2025, 2, 1, 8, 0)}},
		{"every three months on Sunday at 01:00", "cron(0 1 * 1/3 SUN *)", []time.Time{utc(2025, 1, 5, 1, 0), utc(2025, 1, 12, 1, 0)}},
		{"the last day of every month at 17:00", "cron(0 17 L * ? *)", []time.Time{utc(2025, 1, 31, 17, 0), utc(2025, 2, 28, 17, 0)}},
		{"Monday through Friday at 08:00", "cron(0 8 ? * MON-FRI *)", []time.Time{utc(2025, 1, 1, 8, 0), utc(2025, 1, 2, 8, 0), utc(2025, 1, 3, 8, 0), utc(2025, 1, 6, 8, 0)}},
		{"the 1st and 15th at 16:00", "cron(0 16 1,15 * ? *)", []time.Time{utc(2025, 1, 1, 16, 0), utc(2025, 1, 15, 16, 0), utc(2025, 2, 1, 16, 0)}},
		{"the first Sunday of every month at midnight", "cron(0 0 ? * SUN#1 *)", []time.Time{utc(2025, 1, 5, 0, 0), utc(2025, 2, 2, 0, 0)}},
		{"04:00 and 16:00, restarting each day", "cron(0 4/12 * * ? *)", []time.Time{utc(2025, 1, 1, 4, 0), utc(2025, 1, 1, 16, 0), utc(2025, 1, 2, 4, 0)}},
		{"the third Tuesday", "cron(0 9 ? * TUE#3 *)", []time.Time{utc(2025, 1, 21, 9, 0), utc(2025, 2, 18, 9, 0)}},
		{"the last Sunday", "cron(0 9 ? * SUNL *)", []time.Time{utc(2025, 1, 26, 9, 0), utc(2025, 2, 23, 9, 0)}},
		{"every four hours", "rate(4 hours)", []time.Time{utc(2025, 1, 1, 4, 0), utc(2025, 1, 1, 8, 0)}},
		{"every day", "rate(1 day)", []time.Time{utc(2025, 1, 2, 0, 0), utc(2025, 1, 3, 0, 0)}},
		{"every 10 days", "rate(10 days)", []time.Time{utc(2025, 1, 11, 0, 0), utc(2025, 1, 21, 0, 0)}},
		{"every eight days", "rate(8 days)", []time.Time{utc(2025, 1, 9, 0, 0), utc(2025, 1, 17, 0, 0)}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := mustParse(t, expr(tc.expr))
			var got []time.Time
			for after := from; len(got) < len(tc.starts); {
				start, _ := s.Next(after)
				got = append(got, start)
				after = start
			}
			if !sameTimes(got, tc.starts) {
				t.Fatalf("%s: got %v, want %v", tc.expr, got, tc.starts)
			}
		})
	}
}

func TestWindows(t *testing.T) {
	last := utc(2025, 3, 10, 13, 0) // the previous rotation
	for _, tc := range []struct {
		name       string
		rules      Rules
		start, end time.Time
	}{
		{"AutomaticallyAfterDays counts from the last rotation, a whole-day window", Rules{AutomaticallyAfterDays: i64(30)},
			utc(2025, 4, 9, 13, 0), utc(2025, 4, 10, 13, 0)},
		{"AutomaticallyAfterDays with a Duration", Rules{AutomaticallyAfterDays: i64(1), Duration: sp("3h")},
			utc(2025, 3, 11, 13, 0), utc(2025, 3, 11, 16, 0)},
		{"rate in hours: one hour by default", expr("rate(6 hours)"), utc(2025, 3, 10, 19, 0), utc(2025, 3, 10, 20, 0)},
		{"rate in hours: a window as long as the interval", exprFor("rate(6 hours)", "6h"), utc(2025, 3, 10, 19, 0), utc(2025, 3, 11, 1, 0)},
		{"rate in days: a whole day by default", expr("rate(4 days)"), utc(2025, 3, 14, 13, 0), utc(2025, 3, 15, 13, 0)},
		{"rate in days with a Duration", exprFor("rate(4 days)", "2h"), utc(2025, 3, 14, 13, 0), utc(2025, 3, 14, 15, 0)},
		{"cron in days: open to the end of the UTC day", expr("cron(0 22 * * ? *)"), utc(2025, 3, 10, 22, 0), utc(2025, 3, 11, 0, 0)},
		{"cron in days: a window that ends at midnight", exprFor("cron(0 22 * * ? *)", "2h"), utc(2025, 3, 10, 22, 0), utc(2025, 3, 11, 0, 0)},
		{"cron at midnight: a 24-hour window", expr("cron(0 0 L * ? *)"), utc(2025, 3, 31, 0, 0), utc(2025, 4, 1, 0, 0)},
		{"cron in hours: one hour by default", expr("cron(0 4/12 * * ? *)"), utc(2025, 3, 10, 16, 0), utc(2025, 3, 10, 17, 0)},
		{"cron in hours with a Duration", exprFor("cron(0 4/12 * * ? *)", "8h"), utc(2025, 3, 10, 16, 0), utc(2025, 3, 11, 0, 0)},
		{"the last day of February, at the end of the UTC day", expr("cron(0 23 L 2 ? *)"), utc(2026, 2, 28, 23, 0), utc(2026, 3, 1, 0, 0)},
	} {
		t.Run(tc.name, func(t *testing.T) {
			start, end := mustParse(t, tc.rules).Next(last)
			if !start.Equal(tc.start) || !end.Equal(tc.end) {
				t.Fatalf("%s after %v: got window %v to %v, want %v to %v", describe(tc.rules), last, start, end, tc.start, tc.end)
			}
			if start.Location() != time.UTC || end.Location() != time.UTC {
				t.Fatalf("got times in %v and %v, want UTC", start.Location(), end.Location())
			}
		})
	}
}

func TestNextInUTC(t *testing.T) {
	after := time.Date(2025, 3, 10, 23, 30, 0, 0, time.FixedZone("UTC-5", -5*3600)) // 04:30 UTC on the 11th
	start, _ := mustParse(t, expr("cron(0 4/12 * * ? *)")).Next(after)
	if want := utc(2025, 3, 11, 16, 0); !start.Equal(want) || start.Location() != time.UTC {
		t.Fatalf("got %v, want %v", start, want)
	}
}

func TestNextNeverAgain(t *testing.T) {
	s := mustParse(t, expr("cron(0 0 29 2 ? *)"))
	start, end := s.Next(utc(2196, 3, 1, 0, 0)) // 2200 is past AWS's last year
	if !start.IsZero() || !end.IsZero() {
		t.Fatalf("got %v to %v, want zero times", start, end)
	}
}

func TestFourHourMinimum(t *testing.T) {
	for _, tc := range []struct {
		expr string
		ok   bool
	}{
		{"rate(4 hours)", true},
		{"rate(3 hours)", false},
		{"cron(0 0/4 * * ? *)", true},  // 00, 04, ... 20, and 00 the next day
		{"cron(0 0/3 * * ? *)", false}, // three hours apart
		{"cron(0 1,3 ? * MON *)", false},
		{"cron(0 0,22 * * ? *)", false},       // 22:00 to the next day's 00:00
		{"cron(0 1,22 * * ? *)", false},       // 22:00 to the next day's 01:00
		{"cron(0 2,22 * * ? *)", true},        // 22:00 to the next day's 02:00
		{"cron(0 0,22 ? * SUN *)", true},      // no two days in a row
		{"cron(0 0,22 ? * SAT,SUN *)", false}, // Saturday 22:00 to Sunday 00:00
		{"cron(0 0,23 L * ? *)", true},        // the last day is never followed by another last day
		{"cron(0 0,23 1,31 * ? *)", false},    // the 31st is followed by the 1st
		{"cron(0 0,23 ? * FRIL *)", true},
		{"cron(0 0,23 ? * MON#1 *)", true},
	} {
		t.Run(tc.expr, func(t *testing.T) {
			_, err := Parse(expr(tc.expr))
			if tc.ok && err != nil {
				t.Fatalf("got %v, want it accepted", err)
			}
			if !tc.ok && (err == nil || !strings.Contains(err.Error(), "four hours apart") && !strings.Contains(err.Error(), "4 to 23 hours")) {
				t.Fatalf("got %v, want the four-hour minimum named", err)
			}
		})
	}
}

func TestParseErrors(t *testing.T) {
	long := "cron(0 10 * * ? *)" + strings.Repeat(" ", 250)
	for _, tc := range []struct {
		name        string
		rules       Rules
		field, want string
	}{
		{"neither", Rules{}, "RotationRules", "You must specify either AutomaticallyAfterDays or ScheduleExpression"},
		{"only a Duration", Rules{Duration: sp("2h")}, "RotationRules", "You must specify either"},
		{"both", Rules{AutomaticallyAfterDays: i64(4), ScheduleExpression: sp("rate(4 days)")}, "RotationRules",
			"You cannot specify both rotation frequency and schedule expression together."},
		{"zero days", Rules{AutomaticallyAfterDays: i64(0)}, "AutomaticallyAfterDays", "AutomaticallyAfterDays must be between 1 and 1000."},
		{"1001 days", Rules{AutomaticallyAfterDays: i64(1001)}, "AutomaticallyAfterDays", "between 1 and 1000"},
		{"negative days", Rules{AutomaticallyAfterDays: i64(-5)}, "AutomaticallyAfterDays", "between 1 and 1000"},
		{"empty expression", expr(""), "ScheduleExpression", "1 to 256 characters"},
		{"long expression", expr(long), "ScheduleExpression", "1 to 256 characters"},
		{"bad characters", expr("cron(0 10 * * ? *);"), "ScheduleExpression", "only letters, digits, spaces"},
		{"a tab", expr("rate(4\tdays)"), "ScheduleExpression", "only letters, digits, spaces"},
		{"no form", expr("every day"), "ScheduleExpression", "use rate(N hours), rate(N days) or cron("},
		{"classic five-field cron", expr("0 10 * * *"), "ScheduleExpression", "use rate(N hours)"},
		{"rate of 24 hours", expr("rate(24 hours)"), "ScheduleExpression", "rate() takes 4 to 23 hours or 1 to 999 days"},
		{"rate of 0 days", expr("rate(0 days)"), "ScheduleExpression", "rate() takes"},
		{"rate of 1000 days", expr("rate(1000 days)"), "ScheduleExpression", "rate() takes"},
		{"rate in minutes", expr("rate(300 minutes)"), "ScheduleExpression", "rate() takes"},
		{"rate without a unit", expr("rate(4)"), "ScheduleExpression", "rate() takes"},
		{"rate with a sign", expr("rate(-4 days)"), "ScheduleExpression", "rate() takes"},
		{"rate with a huge number", expr("rate(99999999999999999999999 days)"), "ScheduleExpression", "rate() takes"},
		{"rate unclosed", expr("rate(4 days"), "ScheduleExpression", "rate() takes"},
		{"five cron fields", expr("cron(0 16 * * ?)"), "ScheduleExpression", "six fields"},
		{"minutes not 0", expr("cron(30 10 * * ? *)"), "ScheduleExpression", "the Minutes field must be 0"},
		{"minutes as a step", expr("cron(0/30 10 * * ? *)"), "ScheduleExpression", "the Minutes field must be 0"},
		{"a year", expr("cron(0 10 * * ? 2027)"), "ScheduleExpression", "the Year field must be *"},
		{"never matches", expr("cron(0 0 30 2 ? *)"), "ScheduleExpression", "matches no date"},
		{"31 of short months", expr("cron(0 0 31 APR,JUN,SEP,NOV ? *)"), "ScheduleExpression", "matches no date"},
		{"Duration in minutes", exprFor("rate(4 days)", "90m"), "Duration", `Invalid Duration "90m": use a whole number of hours from 1h to 24h`},
		{"Duration 0h", exprFor("rate(4 days)", "0h"), "Duration", "from 1h to 24h"},
		{"Duration 25h", Rules{AutomaticallyAfterDays: i64(4), Duration: sp("25h")}, "Duration", "from 1h to 24h"},
		{"Duration without a unit", exprFor("rate(4 days)", "3"), "Duration", "from 1h to 24h"},
		{"Duration with three digits", exprFor("rate(4 days)", "003h"), "Duration", "from 1h to 24h"},
		{"Duration empty", exprFor("rate(4 days)", ""), "Duration", "from 1h to 24h"},
		{"window longer than a rate in hours", exprFor("rate(4 hours)", "5h"), "Duration",
			"must not extend into the next rotation window, which opens 4 hours later"},
		{"window into the next UTC day", exprFor("cron(0 22 * * ? *)", "3h"), "Duration",
			"must not extend into the next UTC day: the window opening at 22:00 would close at 01:00 the next day"},
		{"window into the next cron window", exprFor("cron(0 0/6 * * ? *)", "7h"), "Duration",
			"the window opening at 00:00 would close after the next one opens at 06:00"},
		{"last window of an hourly cron into the next day", exprFor("cron(0 4/12 * * ? *)", "9h"), "Duration",
			"the window opening at 16:00 would close at 01:00 the next day"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s, err := Parse(tc.rules)
			var e *Error
			if !errors.As(err, &e) {
				t.Fatalf("Parse(%s): got %v, %v, want an *Error", describe(tc.rules), s, err)
			}
			if s != nil {
				t.Fatalf("Parse(%s): got a schedule with the error", describe(tc.rules))
			}
			if e.Field != tc.field || !strings.Contains(e.Message, tc.want) {
				t.Fatalf("Parse(%s): got %s: %q, want %s: %q", describe(tc.rules), e.Field, e.Message, tc.field, tc.want)
			}
		})
	}
}

func TestParseAccepts(t *testing.T) {
	for _, r := range []Rules{
		{AutomaticallyAfterDays: i64(1)},
		{AutomaticallyAfterDays: i64(1000), Duration: sp("24h")},
		expr("rate(1 day)"),
		expr("rate(999 days)"),
		expr("rate(23 hours)"),
		expr("rate(4 hour)"),
		expr("rate( 12  hours )"),
		exprFor("rate(12 hours)", "2h"),
		exprFor("rate(1 day)", "01h"),
		exprFor("cron(0 16 1,15 * ? *)", "8h"),
		exprFor("cron(0 0 1,15 * ? *)", "24h"),
		exprFor("cron(0 0/4 * * ? *)", "4h"),
		expr("cron(0 10 15W * ? *)"),
		expr("cron(0 10 ? JAN-MAR,OCT mon-fri *)"),
		expr("cron(0 10 * * ? 1970-2199)"),
	} {
		if _, err := Parse(r); err != nil {
			t.Errorf("Parse(%s): got %v, want it accepted", describe(r), err)
		}
	}
}

func BenchmarkParse(b *testing.B) {
	r := exprFor("cron(0 4/12 ? * MON-FRI *)", "2h")
	for b.Loop() {
		if _, err := Parse(r); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkNext(b *testing.B) {
	s, err := Parse(expr("cron(0 9 ? * TUE#3 *)"))
	if err != nil {
		b.Fatal(err)
	}
	after := utc(2025, 1, 1, 0, 0)
	for b.Loop() {
		s.Next(after)
	}
}

// The longest search: a cron that matches nothing before the end of 2199.
func BenchmarkNextExhaustive(b *testing.B) {
	c, err := ParseCron("cron(0 0 31W 2 ? *)")
	if err != nil {
		b.Fatal(err)
	}
	for b.Loop() {
		if !c.Next(utc(1970, 1, 1, 0, 0)).IsZero() {
			b.Fatal("got a match, want none")
		}
	}
}
