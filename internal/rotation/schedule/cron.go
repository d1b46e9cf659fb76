package schedule

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"
)

// The years AWS cron expressions can name.
const (
	minYear = 1970
	maxYear = 2199
)

// Cron is a parsed AWS cron expression with six fields: Minutes Hours
// Day-of-month Month Day-of-week Year. It matches times in UTC.
type Cron struct {
	minutes, hours, months, years bits
	dom, dow                      daySpec
}

// bits is a set of field values, indexed by value minus the field's minimum.
type bits [4]uint64

func (b *bits) add(i int)     { b[i/64] |= 1 << (i % 64) }
func (b bits) has(i int) bool { return i >= 0 && i < 256 && b[i/64]&(1<<(i%64)) != 0 }

type dayKind uint8

const (
	anyDay         dayKind = iota // ?, or * beside a value in the other day field
	daySet                        // values, ranges and increments
	lastDay                       // L in Day-of-month
	nearestWeekday                // nW in Day-of-month
	lastWeekday                   // xL in Day-of-week: the last x-day of the month
	nthWeekday                    // x#n in Day-of-week
)

// daySpec is a parsed Day-of-month or Day-of-week field.
type daySpec struct {
	kind dayKind
	set  bits // daySet: index value-1
	n    int  // nearestWeekday: the day of the month; nthWeekday: n
	wd   int  // lastWeekday, nthWeekday: the day of the week, 1 (Sunday) to 7
}

// field describes one cron field for parsing.
type field struct {
	name     string
	min, max int
	names    []string // names[i] names value min+i
}

var (
	minutesField = field{name: "Minutes", min: 0, max: 59}
	hoursField   = field{name: "Hours", min: 0, max: 23}
	domField     = field{name: "Day-of-month", min: 1, max: 31}
	monthField   = field{name: "Month", min: 1, max: 12, names: []string{"JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC"}}
	dowField     = field{name: "Day-of-week", min: 1, max: 7, names: []string{"SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT"}}
	yearField    = field{name: "Year", min: minYear, max: maxYear}
)

// ParseCron parses "cron(Minutes Hours Day-of-month Month Day-of-week Year)"
// in the general AWS syntax (see the package documentation). Errors are
// *Error values for the field ScheduleExpression.
func ParseCron(expr string) (*Cron, error) {
	c, err := parseCron(expr)
	if err != nil {
		return nil, expressionError(expr, err.Error())
	}
	return c, nil
}

func parseCron(expr string) (*Cron, error) {
	inner, okPrefix := strings.CutPrefix(expr, "cron(")
	inner, okSuffix := strings.CutSuffix(inner, ")")
	if !okPrefix || !okSuffix {
		return nil, fmt.Errorf("write cron expressions as cron(Minutes Hours Day-of-month Month Day-of-week Year)")
	}
	f := strings.Fields(inner)
	if len(f) != 6 {
		return nil, fmt.Errorf("cron() takes six fields, Minutes Hours Day-of-month Month Day-of-week Year; got %d", len(f))
	}
	var c Cron
	var err error
	if c.minutes, err = minutesField.parse(f[0]); err != nil {
		return nil, err
	}
	if c.hours, err = hoursField.parse(f[1]); err != nil {
		return nil, err
	}
	if c.dom, err = parseDayOfMonth(f[2]); err != nil {
		return nil, err
	}
	if c.months, err = monthField.parse(f[3]); err != nil {
		return nil, err
	}
	if c.dow, err = parseDayOfWeek(f[4]); err != nil {
		return nil, err
	}
	if c.years, err = yearField.parse(f[5]); err != nil {
		return nil, err
	}
	switch domQ, dowQ := f[2] == "?", f[4] == "?"; {
	case domQ && dowQ:
		return nil, fmt.Errorf("only one of Day-of-month and Day-of-week can be ?")
	case domQ || dowQ:
	case f[2] == "*" && f[4] != "*":
		c.dom = daySpec{kind: anyDay}
	case f[4] == "*" && f[2] != "*":
		c.dow = daySpec{kind: anyDay}
	default:
		return nil, fmt.Errorf("only one of Day-of-month and Day-of-week can hold a value; use ? in one of them")
	}
	return &c, nil
}

// parse reads a list of values, ranges (a-b) and increments (a/n, a-b/n,
// */n) into a set.
func (f field) parse(s string) (bits, error) {
	var b bits
	for item := range strings.SplitSeq(s, ",") {
		lo, hi, step := f.min, f.max, 1
		span, inc, hasStep := strings.Cut(item, "/")
		if hasStep {
			n, err := strconv.Atoi(inc)
			if err != nil || !digits(inc) || n < 1 || n > f.max-f.min+1 {
				return b, fmt.Errorf("the %s field: increment %q must be a number from 1 to %d", f.name, inc, f.max-f.min+1)
			}
			step = n
		}
		switch from, to, isRange := strings.Cut(span, "-"); {
		case span == "*":
		case isRange:
			var err error
			if lo, err = f.value(from); err != nil {
				return b, err
			}
			if hi, err = f.value(to); err != nil {
				return b, err
			}
			if lo > hi {
				return b, fmt.Errorf("the %s field: range %s runs backwards", f.name, span)
			}
		default:
			var err error
			if lo, err = f.value(span); err != nil {
				return b, err
			}
			if !hasStep {
				hi = lo
			}
		}
		for v := lo; v <= hi; v += step {
			b.add(v - f.min)
		}
	}
	return b, nil
}

// value reads one number or name of the field.
func (f field) value(s string) (int, error) {
	if i := slices.Index(f.names, strings.ToUpper(s)); i >= 0 {
		return f.min + i, nil
	}
	n, err := strconv.Atoi(s)
	if err != nil || !digits(s) {
		if f.names != nil {
			return 0, fmt.Errorf("the %s field: %q is not a number from %d to %d or a name from %s to %s", f.name, s, f.min, f.max, f.names[0], f.names[len(f.names)-1])
		}
		return 0, fmt.Errorf("the %s field: %q is not a number from %d to %d", f.name, s, f.min, f.max)
	}
	if n < f.min || n > f.max {
		return 0, fmt.Errorf("the %s field: %d is out of range %d-%d", f.name, n, f.min, f.max)
	}
	return n, nil
}

func digits(s string) bool {
	return s != "" && strings.Trim(s, "0123456789") == ""
}

func parseDayOfMonth(s string) (daySpec, error) {
	switch {
	case s == "?":
		return daySpec{kind: anyDay}, nil
	case s == "L":
		return daySpec{kind: lastDay}, nil
	case s == "LW":
		return daySpec{}, fmt.Errorf("the Day-of-month field: LW is not supported; use L, or nW for the weekday nearest day n")
	case strings.HasSuffix(s, "W"):
		n, err := domField.value(strings.TrimSuffix(s, "W"))
		if err != nil {
			return daySpec{}, fmt.Errorf("%w (W follows a single day, as in 15W)", err)
		}
		return daySpec{kind: nearestWeekday, n: n}, nil
	}
	set, err := domField.parse(s)
	return daySpec{kind: daySet, set: set}, err
}

func parseDayOfWeek(s string) (daySpec, error) {
	switch {
	case s == "?":
		return daySpec{kind: anyDay}, nil
	case s == "L": // the last day of the week
		var set bits
		set.add(7 - 1)
		return daySpec{kind: daySet, set: set}, nil
	case strings.Contains(s, "#"):
		day, nth, _ := strings.Cut(s, "#")
		if strings.ContainsAny(s, ",-/*") {
			return daySpec{}, fmt.Errorf("the Day-of-week field: # takes a single day, as in TUE#3, without lists or ranges")
		}
		wd, err := dowField.value(day)
		if err != nil {
			return daySpec{}, fmt.Errorf("%w (# takes a single day, as in TUE#3)", err)
		}
		n, err := strconv.Atoi(nth)
		if err != nil || !digits(nth) || n < 1 || n > 5 {
			return daySpec{}, fmt.Errorf("the Day-of-week field: in %s, the number after # must be 1 to 5", s)
		}
		return daySpec{kind: nthWeekday, wd: wd, n: n}, nil
	case strings.HasSuffix(s, "L"):
		wd, err := dowField.value(strings.TrimSuffix(s, "L"))
		if err != nil {
			return daySpec{}, fmt.Errorf("%w (L follows a single day, as in FRIL or 6L)", err)
		}
		return daySpec{kind: lastWeekday, wd: wd}, nil
	}
	set, err := dowField.parse(s)
	return daySpec{kind: daySet, set: set}, err
}

// Next returns the first minute strictly after after that c matches, in
// UTC, or the zero time when c matches nothing from then to the end of 2199.
func (c *Cron) Next(after time.Time) time.Time {
	t := after.UTC().Truncate(time.Minute).Add(time.Minute)
	y, m, d := t.Date()
	h, min := t.Hour(), t.Minute()
	if y < minYear {
		y, m, d, h, min = minYear, time.January, 1, 0, 0
	}
	for y <= maxYear {
		switch {
		case !c.years.has(y - minYear):
			y, m, d = y+1, time.January, 1
		case !c.months.has(int(m)-1) || d > daysIn(y, m):
			y, m, d = nextMonth(y, m)
		case c.matchesDay(y, m, d):
			if hh, mm, ok := c.timeFrom(h, min); ok {
				return time.Date(y, m, d, hh, mm, 0, 0, time.UTC)
			}
			d++
		default:
			d++
		}
		h, min = 0, 0
	}
	return time.Time{}
}

// timeFrom returns the first hour and minute of c at or after h:min.
func (c *Cron) timeFrom(h, min int) (int, int, bool) {
	for ; h < 24; h, min = h+1, 0 {
		if !c.hours.has(h) {
			continue
		}
		for ; min < 60; min++ {
			if c.minutes.has(min) {
				return h, min, true
			}
		}
	}
	return 0, 0, false
}

// matches reports whether c matches t's minute.
func (c *Cron) matches(t time.Time) bool {
	t = t.UTC()
	y, m, d := t.Date()
	return y >= minYear && y <= maxYear && c.years.has(y-minYear) && c.months.has(int(m)-1) &&
		c.matchesDay(y, m, d) && c.hours.has(t.Hour()) && c.minutes.has(t.Minute())
}

// matchesDay reports whether the day fields match day d of month m; the
// caller has checked the year and month.
func (c *Cron) matchesDay(y int, m time.Month, d int) bool {
	return c.matchesDayOf(y, m, d, weekday(y, m, d), daysIn(y, m))
}

// matchesDayOf is matchesDay for a day whose weekday (1 is Sunday) and
// month length the caller knows.
func (c *Cron) matchesDayOf(y int, m time.Month, d, wd, last int) bool {
	return c.dom.matches(d, y, m, d, wd, last) && c.dow.matches(wd, y, m, d, wd, last)
}

// matches reports whether the field matches day d of month m, a weekday wd
// (1 is Sunday) in a month of last days; v is the value a daySet holds: d
// for Day-of-month, wd for Day-of-week.
func (s daySpec) matches(v, y int, m time.Month, d, wd, last int) bool {
	switch s.kind {
	case anyDay:
		return true
	case daySet:
		return s.set.has(v - 1)
	case lastDay:
		return d == last
	case nearestWeekday:
		return d == nearestWeekdayTo(y, m, s.n, last)
	case lastWeekday:
		return wd == s.wd && d+7 > last
	case nthWeekday:
		return wd == s.wd && (d-1)/7+1 == s.n
	}
	return false
}

// nearestWeekdayTo returns the Monday-to-Friday day of month m nearest day
// n, without leaving the month, or 0 when the month has no day n.
func nearestWeekdayTo(y int, m time.Month, n, last int) int {
	if n > last {
		return 0
	}
	switch time.Date(y, m, n, 0, 0, 0, 0, time.UTC).Weekday() {
	case time.Saturday:
		if n == 1 {
			return 3 // Monday
		}
		return n - 1
	case time.Sunday:
		if n == last {
			return n - 2 // Friday
		}
		return n + 1
	}
	return n
}

// weekday returns the day of the week of a date, 1 (Sunday) to 7.
func weekday(y int, m time.Month, d int) int {
	return int(time.Date(y, m, d, 0, 0, 0, 0, time.UTC).Weekday()) + 1
}

func daysIn(y int, m time.Month) int {
	return time.Date(y, m+1, 0, 0, 0, 0, 0, time.UTC).Day()
}

func nextMonth(y int, m time.Month) (int, time.Month, int) {
	if m == time.December {
		return y + 1, time.January, 1
	}
	return y, m + 1, 1
}
