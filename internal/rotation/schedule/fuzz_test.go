package schedule

import (
	"errors"
	"testing"
	"time"
)

// More seeds, and any input that once failed, live in testdata/fuzz/<FuzzName>/.

var fuzzExpressions = []string{
	"rate(4 hours)", "rate(1 day)", "rate(10 days)", "rate(999 days)", "rate(3 hours)",
	"cron(0 10 * * ? *)", "cron(0 18 ? * SAT *)", "cron(0 8 1 * ? *)", "cron(0 1 * 1/3 SUN *)",
	"cron(0 17 L * ? *)", "cron(0 8 ? * MON-FRI *)", "cron(0 16 1,15 * ? *)", "cron(0 0 ? * SUN#1 *)",
	"cron(0 4/12 * * ? *)", "cron(0 9 15W * ? *)", "cron(0 12 ? * FRIL *)", "cron(0 0 29 2 ? *)",
	"cron(0 0,22 ? * SUN *)", "cron(0/10 * ? * MON-FRI *)", "cron(0 12 1 1 ? 2020)", "cron(0 0 1 1 ? 2000/50)",
	"cron(0 0 30 2 ? *)", "cron(0 */0 * * ? *)", "cron(0 10 ? * 3#1,6#3 *)", "cron()", "rate()", "",
}

// windowBound is the longest window any valid rules can have.
const windowBound = 24 * time.Hour

func FuzzParse(f *testing.F) {
	for i, e := range fuzzExpressions {
		f.Add(e, int64(i%3), "2h", uint8(i%8), int64(1735689600+i*86399))
	}
	f.Add("", int64(30), "", uint8(1), int64(0))
	f.Add("", int64(1001), "25h", uint8(5), int64(-1))
	f.Fuzz(func(t *testing.T, expr string, days int64, duration string, present uint8, afterUnix int64) {
		var r Rules
		if present&1 != 0 {
			r.AutomaticallyAfterDays = &days
		}
		if present&2 != 0 {
			r.ScheduleExpression = &expr
		}
		if present&4 != 0 {
			r.Duration = &duration
		}
		s, err := Parse(r)
		if err != nil {
			var e *Error
			if !errors.As(err, &e) || e.Message == "" || e.Field == "" {
				t.Fatalf("got error %#v, want an *Error naming a field", err)
			}
			if s != nil {
				t.Fatal("got a schedule with an error")
			}
			return
		}
		after := fuzzTime(afterUnix)
		start, end := s.Next(after)
		if start.IsZero() {
			if s.cron == nil || !end.IsZero() {
				t.Fatalf("after %v: got start zero, end %v, want both zero and a cron schedule", after, end)
			}
			return
		}
		if !start.After(after) || !end.After(start) || end.Sub(start) > windowBound {
			t.Fatalf("after %v: got window %v to %v", after, start, end)
		}
		if start.Location() != time.UTC || end.Location() != time.UTC {
			t.Fatal("got times outside UTC")
		}
		if s.cron == nil {
			return
		}
		if start.Minute() != 0 || !s.cron.matches(start) {
			t.Fatalf("after %v: got %v, which the expression does not match on the hour", after, start)
		}
		y, m, d := start.Date()
		if end.After(time.Date(y, m, d+1, 0, 0, 0, 0, time.UTC)) {
			t.Fatalf("window %v to %v extends into the next UTC day", start, end)
		}
		if next, _ := s.Next(start); !next.IsZero() && next.Before(end) {
			t.Fatalf("window %v to %v overlaps the next one at %v", start, end, next)
		}
		if next, _ := s.Next(start); !next.IsZero() && next.Sub(start) < minInterval {
			t.Fatalf("rotations at %v and %v are less than four hours apart", start, next)
		}
	})
}

func FuzzParseCron(f *testing.F) {
	for i, e := range fuzzExpressions {
		f.Add(e, int64(1735689600+i*86399))
	}
	f.Fuzz(func(t *testing.T, expr string, afterUnix int64) {
		c, err := ParseCron(expr)
		if err != nil {
			var e *Error
			if !errors.As(err, &e) || e.Field != "ScheduleExpression" {
				t.Fatalf("got error %#v, want an *Error for ScheduleExpression", err)
			}
			return
		}
		after := fuzzTime(afterUnix)
		next := c.Next(after)
		if next.IsZero() {
			return
		}
		if !next.After(after) || next.Location() != time.UTC || next.Second() != 0 || next.Nanosecond() != 0 || !c.matches(next) {
			t.Fatalf("after %v: got %v, want a later whole minute that matches", after, next)
		}
		// No minute in between matches (checked when the gap is short).
		if next.Sub(after) <= 48*time.Hour {
			for m := after.UTC().Truncate(time.Minute).Add(time.Minute); m.Before(next); m = m.Add(time.Minute) {
				if c.matches(m) {
					t.Fatalf("after %v: got %v, but %v matches earlier", after, next, m)
				}
			}
		}
	})
}

// fuzzTime maps any int64 onto a second between 1960 and 2210, so that the
// search runs past both ends of the years cron knows.
func fuzzTime(u int64) time.Time {
	const lo, hi = -315619200, 7580822400 // 1960-01-01 and 2210-03-24
	u %= hi - lo
	if u < 0 {
		u += hi - lo
	}
	return time.Unix(lo+u, 0).UTC()
}
