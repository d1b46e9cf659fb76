package schedule

import (
	"fmt"
	"strconv"
	"strings"
	"time"
)

// Rules are Secrets Manager's RotationRules. A nil field is one the caller
// left out.
type Rules struct {
	AutomaticallyAfterDays *int64
	Duration               *string
	ScheduleExpression     *string
}

// Error is a rule that Secrets Manager would refuse. Its Message is worded
// as Secrets Manager words it where that is known, and otherwise names the
// field and the problem.
type Error struct {
	Field   string // AutomaticallyAfterDays, ScheduleExpression, Duration, or RotationRules for their combination
	Message string
}

func (e *Error) Error() string { return e.Message }

func expressionError(expr, detail string) *Error {
	return &Error{Field: "ScheduleExpression", Message: fmt.Sprintf("Invalid ScheduleExpression %q: %s.", expr, detail)}
}

func durationError(d, detail string) *Error {
	return &Error{Field: "Duration", Message: fmt.Sprintf("Invalid Duration %q: %s.", d, detail)}
}

// Limits Secrets Manager sets.
const (
	minHours        = 4 // a secret rotates at most every four hours
	minInterval     = minHours * time.Hour
	maxRateHours    = 23
	maxRateDays     = 999
	maxAfterDays    = 1000
	maxExpressionSz = 256
	day             = 24 * time.Hour
)

// Schedule is a validated set of rotation rules.
type Schedule struct {
	every  time.Duration // rate() and AutomaticallyAfterDays; 0 for cron
	cron   *Cron
	hourly bool          // a schedule in hours: by default its window lasts an hour
	window time.Duration // Duration, or 0 for the default window
}

// Parse validates rules as Secrets Manager does and returns the schedule
// they describe. Errors are *Error values.
func Parse(r Rules) (*Schedule, error) {
	var s Schedule
	switch days, expr := r.AutomaticallyAfterDays, r.ScheduleExpression; {
	case days != nil && expr != nil:
		return nil, &Error{Field: "RotationRules", Message: "You cannot specify both rotation frequency and schedule expression together."}
	case days != nil:
		if *days < 1 || *days > maxAfterDays {
			return nil, &Error{Field: "AutomaticallyAfterDays", Message: fmt.Sprintf("AutomaticallyAfterDays must be between 1 and %d.", maxAfterDays)}
		}
		s.every = time.Duration(*days) * day
	case expr != nil:
		if err := s.parseExpression(*expr); err != nil {
			return nil, err
		}
	default:
		return nil, &Error{Field: "RotationRules", Message: "You must specify either AutomaticallyAfterDays or ScheduleExpression in RotationRules."}
	}
	if r.Duration != nil {
		if err := s.setWindow(*r.Duration); err != nil {
			return nil, err
		}
	}
	return &s, nil
}

func (s *Schedule) parseExpression(e string) error {
	if e == "" || len(e) > maxExpressionSz {
		return &Error{Field: "ScheduleExpression", Message: fmt.Sprintf("Invalid ScheduleExpression: it must be 1 to %d characters long.", maxExpressionSz)}
	}
	if strings.Trim(e, "0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ()#?*-/, ") != "" {
		return expressionError(e, "only letters, digits, spaces and ( ) # ? * - / , are allowed")
	}
	switch {
	case strings.HasPrefix(e, "rate("):
		return s.parseRate(e)
	case strings.HasPrefix(e, "cron("):
		c, err := ParseCron(e)
		if err != nil {
			return err
		}
		if err := s.checkCron(e, c); err != nil {
			return err
		}
		s.cron = c
		return nil
	}
	return expressionError(e, "use rate(N hours), rate(N days) or cron(Minutes Hours Day-of-month Month Day-of-week Year)")
}

func (s *Schedule) parseRate(e string) error {
	const usage = "rate() takes 4 to 23 hours or 1 to 999 days, as in rate(12 hours) or rate(10 days)"
	inner, ok := strings.CutSuffix(strings.TrimPrefix(e, "rate("), ")")
	f := strings.Fields(inner)
	if !ok || len(f) != 2 || !digits(f[0]) {
		return expressionError(e, usage)
	}
	n, err := strconv.Atoi(f[0])
	switch f[1] {
	case "hour", "hours":
		if err != nil || n < minHours || n > maxRateHours {
			return expressionError(e, usage)
		}
		s.every, s.hourly = time.Duration(n)*time.Hour, true
	case "day", "days":
		if err != nil || n < 1 || n > maxRateDays {
			return expressionError(e, usage)
		}
		s.every = time.Duration(n) * day
	default:
		return expressionError(e, usage)
	}
	return nil
}

// checkCron applies Secrets Manager's rules to a general cron expression.
func (s *Schedule) checkCron(e string, c *Cron) error {
	if c.minutes != (bits{1}) {
		return expressionError(e, "the Minutes field must be 0, because rotation windows open on the hour")
	}
	if c.years != yearField.all() {
		return expressionError(e, "the Year field must be *")
	}
	hours := c.hourList()
	for i := 1; i < len(hours); i++ {
		if gap := hours[i] - hours[i-1]; gap < minHours {
			return expressionError(e, fmt.Sprintf("rotations must be at least four hours apart, and %02d:00 and %02d:00 are %d hours apart", hours[i-1], hours[i], gap))
		}
	}
	first, last := hours[0], hours[len(hours)-1]
	if gap := 24 - last + first; gap < minHours && c.twoDaysInARow() {
		return expressionError(e, fmt.Sprintf("rotations must be at least four hours apart, and %02d:00 and the next day's %02d:00 are %d hours apart", last, first, gap))
	}
	if c.Next(time.Date(minYear, 1, 1, 0, 0, 0, 0, time.UTC).Add(-time.Minute)).IsZero() {
		return expressionError(e, "it matches no date")
	}
	s.hourly = len(hours) > 1
	return nil
}

// setWindow validates a Duration against the schedule and keeps it.
func (s *Schedule) setWindow(d string) error {
	h, ok := strings.CutSuffix(d, "h")
	n, err := strconv.Atoi(h)
	if !ok || !digits(h) || len(h) > 2 || err != nil || n < 1 || n > 24 {
		return durationError(d, "use a whole number of hours from 1h to 24h, as in 3h")
	}
	w := time.Duration(n) * time.Hour
	switch {
	case s.cron == nil && s.hourly && w > s.every:
		return durationError(d, fmt.Sprintf("the rotation window must not extend into the next rotation window, which opens %d hours later", s.every/time.Hour))
	case s.cron != nil:
		hours := s.cron.hourList()
		for i := 1; i < len(hours); i++ {
			if gap := hours[i] - hours[i-1]; n > gap {
				return durationError(d, fmt.Sprintf("the rotation window must not extend into the next rotation window: the window opening at %02d:00 would close after the next one opens at %02d:00", hours[i-1], hours[i]))
			}
		}
		if last := hours[len(hours)-1]; last+n > 24 {
			return durationError(d, fmt.Sprintf("the rotation window must not extend into the next UTC day: the window opening at %02d:00 would close at %02d:00 the next day", last, last+n-24))
		}
	}
	s.window = w
	return nil
}

// Next returns the start of the first rotation window that opens strictly
// after after, and the window's end, both in UTC. For rate() and
// AutomaticallyAfterDays, after is the last rotation and the window opens
// one interval later. For cron() it opens at the next matching hour. Both
// times are zero when a cron expression matches nothing after after.
func (s *Schedule) Next(after time.Time) (start, windowEnd time.Time) {
	after = after.UTC()
	if s.cron == nil {
		start = after.Add(s.every)
	} else if start = s.cron.Next(after); start.IsZero() {
		return time.Time{}, time.Time{}
	}
	switch {
	case s.window > 0:
		return start, start.Add(s.window)
	case s.hourly:
		return start, start.Add(time.Hour)
	case s.cron == nil:
		return start, start.Add(day)
	}
	y, m, d := start.Date()
	return start, time.Date(y, m, d+1, 0, 0, 0, 0, time.UTC) // the end of the UTC day
}

// hourList returns the hours c matches, in order.
func (c *Cron) hourList() []int {
	var hours []int
	for h := range 24 {
		if c.hours.has(h) {
			hours = append(hours, h)
		}
	}
	return hours
}

// twoDaysInARow reports whether c matches two consecutive days.
func (c *Cron) twoDaysInARow() bool {
	prev, wd := false, weekday(minYear, time.January, 1)
	for y := minYear; y <= maxYear; y++ {
		for m := time.January; m <= time.December; m++ {
			last := daysIn(y, m)
			inMonth := c.years.has(y-minYear) && c.months.has(int(m)-1)
			for d := 1; d <= last; d, wd = d+1, wd%7+1 {
				cur := inMonth && c.matchesDayOf(y, m, d, wd, last)
				if prev && cur {
					return true
				}
				prev = cur
			}
		}
	}
	return false
}

// all returns the set of every value of the field.
func (f field) all() bits {
	var b bits
	for v := f.min; v <= f.max; v++ {
		b.add(v - f.min)
	}
	return b
}
