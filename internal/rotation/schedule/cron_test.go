package schedule

import (
	"errors"
	"strings"
	"testing"
	"time"
)

func utc(y int, m time.Month, d, h, min int) time.Time {
	return time.Date(y, m, d, h, min, 0, 0, time.UTC)
}

// nextRuns returns the first n times c matches after from.
func nextRuns(c *Cron, from time.Time, n int) []time.Time {
	var got []time.Time
	for t := from; len(got) < n; {
		if t = c.Next(t); t.IsZero() {
			break
		}
		got = append(got, t)
	}
	return got
}

func sameTimes(a, b []time.Time) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if !a[i].Equal(b[i]) {
			return false
		}
	}
	return true
}

func TestCronNext(t *testing.T) {
	for _, tc := range []struct {
		name, expr string
		from       time.Time
		want       []time.Time
	}{
		// The examples of AWS's cron expression reference (EventBridge).
		{"every day at 12:15", "cron(15 12 * * ? *)", utc(2025, 1, 1, 12, 15),
			[]time.Time{utc(2025, 1, 2, 12, 15), utc(2025, 1, 3, 12, 15)}},
		{"every 10 minutes on weekdays", "cron(0/10 * ? * MON-FRI *)", utc(2025, 1, 3, 23, 45),
			[]time.Time{utc(2025, 1, 3, 23, 50), utc(2025, 1, 6, 0, 0), utc(2025, 1, 6, 0, 10)}},
		{"every 5 minutes 08:00 to 17:55 on weekdays", "cron(0/5 8-17 ? * MON-FRI *)", utc(2025, 1, 6, 17, 52),
			[]time.Time{utc(2025, 1, 6, 17, 55), utc(2025, 1, 7, 8, 0)}},
		{"first Monday of the month at 09:00", "cron(0 9 ? * 2#1 *)", utc(2025, 1, 1, 0, 0),
			[]time.Time{utc(2025, 1, 6, 9, 0), utc(2025, 2, 3, 9, 0), utc(2025, 3, 3, 9, 0)}},
		{"second Tuesday", "cron(0 0 ? * 3#2 *)", utc(2025, 1, 1, 0, 0),
			[]time.Time{utc(2025, 1, 14, 0, 0), utc(2025, 2, 11, 0, 0)}},
		{"weekday nearest the 3rd", "cron(0 0 3W * ? *)", utc(2025, 5, 1, 0, 0), // 3 May 2025 is a Saturday
			[]time.Time{utc(2025, 5, 2, 0, 0), utc(2025, 6, 3, 0, 0)}},

		// Month ends and leap years.
		{"L in February of a leap year", "cron(0 17 L * ? *)", utc(2024, 2, 10, 0, 0),
			[]time.Time{utc(2024, 2, 29, 17, 0), utc(2024, 3, 31, 17, 0), utc(2024, 4, 30, 17, 0)}},
		{"L in February of a common year", "cron(0 17 L * ? *)", utc(2023, 2, 10, 0, 0),
			[]time.Time{utc(2023, 2, 28, 17, 0)}},
		{"the 31st skips short months", "cron(0 8 31 * ? *)", utc(2024, 3, 31, 8, 0),
			[]time.Time{utc(2024, 5, 31, 8, 0), utc(2024, 7, 31, 8, 0), utc(2024, 8, 31, 8, 0)}},
		{"29 February waits for a leap year", "cron(0 0 29 2 ? *)", utc(2024, 2, 29, 0, 0),
			[]time.Time{utc(2028, 2, 29, 0, 0)}},
		{"2100 is not a leap year", "cron(0 0 29 2 ? *)", utc(2096, 3, 1, 0, 0),
			[]time.Time{utc(2104, 2, 29, 0, 0)}},
		{"year end rolls over", "cron(30 23 31 DEC ? *)", utc(2025, 12, 31, 23, 30),
			[]time.Time{utc(2026, 12, 31, 23, 30)}},

		// W keeps to its month.
		{"1W on a Saturday moves to Monday the 3rd", "cron(0 9 1W * ? *)", utc(2024, 5, 31, 0, 0), // 1 June 2024 is a Saturday
			[]time.Time{utc(2024, 6, 3, 9, 0)}},
		{"1W on a Sunday moves to Monday the 2nd", "cron(0 9 1W * ? *)", utc(2024, 8, 31, 0, 0),
			[]time.Time{utc(2024, 9, 2, 9, 0)}},
		{"15W on a Sunday moves to Monday", "cron(0 9 15W * ? *)", utc(2024, 9, 1, 0, 0),
			[]time.Time{utc(2024, 9, 16, 9, 0)}},
		{"31W on the last day, a Sunday, moves to Friday", "cron(0 9 31W * ? *)", utc(2024, 3, 1, 0, 0),
			[]time.Time{utc(2024, 3, 29, 9, 0)}},
		{"30W on the last day, a Saturday, moves to Friday", "cron(0 9 30W NOV ? *)", utc(2024, 11, 1, 0, 0),
			[]time.Time{utc(2024, 11, 29, 9, 0)}},
		{"31W skips months without a 31st", "cron(0 9 31W * ? *)", utc(2024, 4, 1, 0, 0),
			[]time.Time{utc(2024, 5, 31, 9, 0)}},

		// Day-of-week forms.
		{"the last Friday", "cron(0 12 ? * FRIL *)", utc(2025, 1, 1, 0, 0),
			[]time.Time{utc(2025, 1, 31, 12, 0), utc(2025, 2, 28, 12, 0), utc(2025, 3, 28, 12, 0)}},
		{"the last Friday, by number", "cron(0 12 ? * 6L *)", utc(2025, 3, 1, 0, 0),
			[]time.Time{utc(2025, 3, 28, 12, 0)}},
		{"L alone is Saturday", "cron(0 12 ? * L *)", utc(2025, 1, 1, 0, 0),
			[]time.Time{utc(2025, 1, 4, 12, 0), utc(2025, 1, 11, 12, 0)}},
		{"a fifth Friday only in months that have one", "cron(0 0 ? * FRI#5 *)", utc(2025, 1, 1, 0, 0),
			[]time.Time{utc(2025, 1, 31, 0, 0), utc(2025, 5, 30, 0, 0), utc(2025, 8, 29, 0, 0)}},
		{"lower-case names", "cron(0 6 ? jan,jul mon *)", utc(2025, 1, 27, 6, 0),
			[]time.Time{utc(2025, 7, 7, 6, 0)}},

		// Steps, ranges and lists.
		{"hour increments restart each day", "cron(0 4/12 * * ? *)", utc(2025, 1, 1, 0, 0),
			[]time.Time{utc(2025, 1, 1, 4, 0), utc(2025, 1, 1, 16, 0), utc(2025, 1, 2, 4, 0)}},
		{"*/n starts at the minimum", "cron(*/20 0 1 1 ? *)", utc(2025, 1, 1, 0, 0),
			[]time.Time{utc(2025, 1, 1, 0, 20), utc(2025, 1, 1, 0, 40), utc(2026, 1, 1, 0, 0)}},
		{"a range with an increment", "cron(0 0 1-10/3 * ? *)", utc(2025, 1, 1, 0, 0),
			[]time.Time{utc(2025, 1, 4, 0, 0), utc(2025, 1, 7, 0, 0), utc(2025, 1, 10, 0, 0), utc(2025, 2, 1, 0, 0)}},
		{"month names in a range", "cron(0 0 1 NOV-DEC ? *)", utc(2025, 1, 1, 0, 0),
			[]time.Time{utc(2025, 11, 1, 0, 0), utc(2025, 12, 1, 0, 0), utc(2026, 11, 1, 0, 0)}},

		// The year field.
		{"a list of years", "cron(0 0 1 1 ? 2027,2030)", utc(2025, 6, 1, 0, 0),
			[]time.Time{utc(2027, 1, 1, 0, 0), utc(2030, 1, 1, 0, 0)}},
		{"years with an increment", "cron(0 0 1 1 ? 2000/50)", utc(2025, 6, 1, 0, 0),
			[]time.Time{utc(2050, 1, 1, 0, 0), utc(2100, 1, 1, 0, 0), utc(2150, 1, 1, 0, 0)}},
		{"a past year never matches again", "cron(0 12 1 1 ? 2020)", utc(2021, 1, 1, 0, 0), nil},
		{"nothing after 2199", "cron(0 0 1 1 ? *)", utc(2199, 1, 1, 0, 0), nil},
		{"times before 1970 start the search in 1970", "cron(0 0 1 1 ? *)", time.Time{},
			[]time.Time{utc(1970, 1, 1, 0, 0)}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c, err := ParseCron(tc.expr)
			if err != nil {
				t.Fatalf("ParseCron(%q): %v", tc.expr, err)
			}
			n := max(len(tc.want), 1)
			if got := nextRuns(c, tc.from, n); !sameTimes(got, tc.want) {
				t.Fatalf("%s after %v: got %v, want %v", tc.expr, tc.from, got, tc.want)
			}
		})
	}
}

func TestCronNextIsStrictlyAfter(t *testing.T) {
	c, err := ParseCron("cron(0 10 * * ? *)")
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct{ after, want time.Time }{
		{utc(2025, 1, 1, 10, 0), utc(2025, 1, 2, 10, 0)},
		{utc(2025, 1, 1, 9, 59).Add(59*time.Second + 999*time.Millisecond), utc(2025, 1, 1, 10, 0)},
		{utc(2025, 1, 1, 10, 0).Add(time.Nanosecond), utc(2025, 1, 2, 10, 0)},
		{time.Date(2025, 1, 1, 11, 30, 0, 0, time.FixedZone("UTC+2", 2*3600)), utc(2025, 1, 1, 10, 0)}, // 09:30 UTC
	} {
		got := c.Next(tc.after)
		if !got.Equal(tc.want) || got.Location() != time.UTC {
			t.Errorf("after %v: got %v, want %v in UTC", tc.after, got, tc.want)
		}
	}
}

func TestParseCronErrors(t *testing.T) {
	for _, tc := range []struct{ expr, want string }{
		{"cron(0 10 * * ?)", "six fields"},
		{"cron(0 10 * * ? * *)", "six fields"},
		{"cron 0 10 * * ? *", "write cron expressions as cron("},
		{"cron(0 10 * * ? *", "write cron expressions as cron("},
		{"0 10 * * ? *)", "write cron expressions as cron("},
		{"cron(60 10 * * ? *)", "the Minutes field: 60 is out of range 0-59"},
		{"cron(0 24 * * ? *)", "the Hours field: 24 is out of range 0-23"},
		{"cron(0 10 0 * ? *)", "the Day-of-month field: 0 is out of range 1-31"},
		{"cron(0 10 32 * ? *)", "the Day-of-month field: 32 is out of range 1-31"},
		{"cron(0 10 * 13 ? *)", "the Month field: 13 is out of range 1-12"},
		{"cron(0 10 * JANUARY ? *)", `the Month field: "JANUARY" is not a number from 1 to 12 or a name from JAN to DEC`},
		{"cron(0 10 ? * 8 *)", "the Day-of-week field: 8 is out of range 1-7"},
		{"cron(0 10 ? * 0 *)", "the Day-of-week field: 0 is out of range 1-7"},
		{"cron(0 10 * * ? 1969)", "the Year field: 1969 is out of range 1970-2199"},
		{"cron(0 10 * * ? 2200)", "the Year field: 2200 is out of range 1970-2199"},
		{"cron(0 10 ? * ? *)", "only one of Day-of-month and Day-of-week can be ?"},
		{"cron(0 10 1 * MON *)", "use ? in one of them"},
		{"cron(0 10 * * * *)", "use ? in one of them"},
		{"cron(0 20-4 * * ? *)", "the Hours field: range 20-4 runs backwards"},
		{"cron(0 10 ? * FRI-MON *)", "the Day-of-week field: range FRI-MON runs backwards"},
		{"cron(0 */0 * * ? *)", `the Hours field: increment "0" must be a number from 1 to 24`},
		{"cron(0 1/x * * ? *)", `the Hours field: increment "x" must be a number from 1 to 24`},
		{"cron(0 1,,2 * * ? *)", `the Hours field: "" is not a number from 0 to 23`},
		{"cron(0 +1 * * ? *)", `the Hours field: "+1" is not a number from 0 to 23`},
		{"cron(0 99999999999999999999 * * ? *)", `the Hours field: "99999999999999999999" is not a number`},
		{"cron(0 10 LW * ? *)", "LW is not supported"},
		{"cron(0 10 1-5W * ? *)", "W follows a single day"},
		{"cron(0 10 32W * ? *)", "32 is out of range 1-31"},
		{"cron(0 10 ? * TUE#6 *)", "the number after # must be 1 to 5"},
		{"cron(0 10 ? * TUE#0 *)", "the number after # must be 1 to 5"},
		{"cron(0 10 ? * 3#1,6#3 *)", "# takes a single day"},
		{"cron(0 10 ? * MON,TUE#2 *)", "# takes a single day"},
		{"cron(0 10 ? * MON-FRIL *)", "L follows a single day"},
		{"cron(0 10 L,15 * ? *)", `"L" is not a number`},
	} {
		t.Run(tc.expr, func(t *testing.T) {
			_, err := ParseCron(tc.expr)
			var e *Error
			if !errors.As(err, &e) {
				t.Fatalf("got %v, want an *Error", err)
			}
			if e.Field != "ScheduleExpression" || !strings.Contains(e.Message, tc.want) || !strings.Contains(e.Message, tc.expr) {
				t.Fatalf("got %s: %q, want ScheduleExpression naming the expression and saying %q", e.Field, e.Message, tc.want)
			}
		})
	}
}
