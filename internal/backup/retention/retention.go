// Package retention decides which backups to keep and which to remove under
// a retention policy, with the semantics of restic's and borg's "forget" and
// "prune": keep the last N backups, those within a duration, and the newest
// backup of each of the last N days, ISO weeks and months that have one.
//
// Two rules hold whatever the policy:
//
//   - the newest complete backup is never removed;
//   - an incomplete backup (one without a valid manifest) never counts
//     toward any rule. It is kept while it is not older than the newest
//     complete backup, since it may still be running, and removed once a
//     complete backup newer than it exists. When no complete backup exists,
//     every incomplete one is kept.
//
// Days, weeks and months are those of UTC. Apply is deterministic: the same
// policy, backups and time always give the same answer.
package retention

import (
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"
)

// Policy is a retention policy. A zero field turns its rule off; a backup is
// kept if any rule keeps it.
type Policy struct {
	// KeepLast keeps the N newest complete backups.
	KeepLast int
	// KeepWithin keeps the complete backups taken at most this long before
	// now (and any taken after now). A whole number of hours.
	KeepWithin time.Duration
	// KeepDaily, KeepWeekly and KeepMonthly keep the newest complete backup
	// of each of the N newest UTC days, ISO weeks and months that have a
	// complete backup.
	KeepDaily   int
	KeepWeekly  int
	KeepMonthly int
}

// DefaultPolicy keeps every backup of the last 7 days, and the newest one
// whatever its age.
func DefaultPolicy() Policy {
	return Policy{KeepLast: 1, KeepWithin: 7 * 24 * time.Hour}
}

// The names of the rules, as ParsePolicy, Set and String spell them.
const (
	NameKeepLast    = "keep-last"
	NameKeepWithin  = "keep-within"
	NameKeepDaily   = "keep-daily"
	NameKeepWeekly  = "keep-weekly"
	NameKeepMonthly = "keep-monthly"
)

var names = []string{NameKeepLast, NameKeepWithin, NameKeepDaily, NameKeepWeekly, NameKeepMonthly}

// ParsePolicy reads a policy written as rules separated by commas or spaces,
// each name=value: "keep-last=7,keep-within=30d,keep-daily=7,keep-weekly=4,
// keep-monthly=12". Counts are whole numbers, 0 turning the rule off; the
// duration is written as ParseDuration reads it. A duration alone, such as
// "7d", is short for keep-within=7d. Rules not given are off. The policy must
// keep something (see Validate).
func ParsePolicy(s string) (Policy, error) {
	var p Policy
	fields := strings.FieldsFunc(s, func(r rune) bool { return r == ',' || r == ' ' || r == '\t' || r == '\n' })
	if len(fields) == 0 {
		return Policy{}, errors.New("retention policy is empty: give rules such as keep-last=7,keep-within=7d")
	}
	seen := map[string]bool{}
	for _, f := range fields {
		name, value, ok := strings.Cut(f, "=")
		if !ok {
			if _, err := ParseDuration(f); err != nil {
				return Policy{}, fmt.Errorf("retention policy: %q is neither name=value nor a duration such as 7d", f)
			}
			name, value = NameKeepWithin, f
		}
		if seen[name] {
			return Policy{}, fmt.Errorf("retention policy: %s is given twice", name)
		}
		seen[name] = true
		if err := p.Set(name, value); err != nil {
			return Policy{}, fmt.Errorf("retention policy: %w", err)
		}
	}
	if err := p.Validate(); err != nil {
		return Policy{}, err
	}
	return p, nil
}

// Set sets one rule by name, as a command-line flag of that name would:
// Set("keep-last", "7"), Set("keep-within", "30d").
func (p *Policy) Set(name, value string) error {
	if name == NameKeepWithin {
		d, err := ParseDuration(value)
		if err != nil {
			return fmt.Errorf("%s: %w", name, err)
		}
		p.KeepWithin = d
		return nil
	}
	var field *int
	switch name {
	case NameKeepLast:
		field = &p.KeepLast
	case NameKeepDaily:
		field = &p.KeepDaily
	case NameKeepWeekly:
		field = &p.KeepWeekly
	case NameKeepMonthly:
		field = &p.KeepMonthly
	default:
		return fmt.Errorf("unknown rule %q; the rules are %s", name, strings.Join(names, ", "))
	}
	n, err := strconv.Atoi(value)
	if err != nil || n < 0 {
		return fmt.Errorf("%s: %q is not a count (a whole number, 0 for off)", name, value)
	}
	*field = n
	return nil
}

// String returns the policy as ParsePolicy reads it, rules that are off left
// out: "keep-last=1,keep-within=7d".
func (p Policy) String() string {
	var parts []string
	add := func(name string, n int) {
		if n != 0 {
			parts = append(parts, name+"="+strconv.Itoa(n))
		}
	}
	add(NameKeepLast, p.KeepLast)
	if p.KeepWithin != 0 {
		parts = append(parts, NameKeepWithin+"="+FormatDuration(p.KeepWithin))
	}
	add(NameKeepDaily, p.KeepDaily)
	add(NameKeepWeekly, p.KeepWeekly)
	add(NameKeepMonthly, p.KeepMonthly)
	return strings.Join(parts, ",")
}

// Validate reports every problem with the policy, each naming its rule: a
// negative count or duration, a duration that is not a whole number of
// hours, or a policy whose rules are all off, which would remove every
// backup but the newest complete one and is refused as a likely mistake.
func (p Policy) Validate() error {
	var errs []error
	for _, r := range []struct {
		name string
		n    int
	}{{NameKeepLast, p.KeepLast}, {NameKeepDaily, p.KeepDaily}, {NameKeepWeekly, p.KeepWeekly}, {NameKeepMonthly, p.KeepMonthly}} {
		if r.n < 0 {
			errs = append(errs, fmt.Errorf("%s: %d is negative", r.name, r.n))
		}
	}
	switch {
	case p.KeepWithin < 0:
		errs = append(errs, fmt.Errorf("%s: %s is negative", NameKeepWithin, p.KeepWithin))
	case p.KeepWithin%time.Hour != 0:
		errs = append(errs, fmt.Errorf("%s: %s is not a whole number of hours", NameKeepWithin, p.KeepWithin))
	}
	if p == (Policy{}) {
		errs = append(errs, fmt.Errorf("the policy keeps nothing but the newest complete backup: set at least one of %s", strings.Join(names, ", ")))
	}
	if len(errs) > 0 {
		return fmt.Errorf("retention policy: %w", errors.Join(errs...))
	}
	return nil
}

// ParseDuration reads a duration as a sequence of whole numbers, each with a
// unit: w (7 days), d (24 hours) or h, such as "7d", "2w", "36h" or "1d12h";
// "0" is zero. Months and years have no fixed length and are not accepted;
// use keep-monthly, or days.
func ParseDuration(s string) (time.Duration, error) {
	if s == "0" {
		return 0, nil
	}
	if s == "" {
		return 0, errors.New("duration is empty; write it like 7d, 2w or 36h")
	}
	const maxHours = int64(1<<63-1) / int64(time.Hour)
	var hours int64
	rest := s
	for rest != "" {
		i := 0
		for i < len(rest) && rest[i] >= '0' && rest[i] <= '9' {
			i++
		}
		if i == 0 || i == len(rest) {
			return 0, fmt.Errorf("duration %q: write it as numbers with units w, d or h, like 7d, 2w or 1d12h", s)
		}
		n, err := strconv.ParseInt(rest[:i], 10, 64)
		if err != nil {
			return 0, fmt.Errorf("duration %q is too long", s)
		}
		var unit int64
		switch rest[i] {
		case 'w':
			unit = 7 * 24
		case 'd':
			unit = 24
		case 'h':
			unit = 1
		case 'm', 'y':
			return 0, fmt.Errorf("duration %q: %q is ambiguous (months and years vary in length); use days, like 30d, or keep-monthly", s, rest[i])
		default:
			return 0, fmt.Errorf("duration %q: unknown unit %q; the units are w, d and h", s, rest[i])
		}
		if n > (maxHours-hours)/unit {
			return 0, fmt.Errorf("duration %q is too long", s)
		}
		hours += n * unit
		rest = rest[i+1:]
	}
	return time.Duration(hours) * time.Hour, nil
}

// FormatDuration writes d as ParseDuration reads it, in days and hours:
// "7d", "36h" is "1d12h". A part of an hour is written as Go does, which
// ParseDuration refuses.
func FormatDuration(d time.Duration) string {
	if d == 0 {
		return "0"
	}
	if d < 0 || d%time.Hour != 0 {
		return d.String()
	}
	h := int64(d / time.Hour)
	var b strings.Builder
	if days := h / 24; days > 0 {
		b.WriteString(strconv.FormatInt(days, 10) + "d")
	}
	if h%24 > 0 {
		b.WriteString(strconv.FormatInt(h%24, 10) + "h")
	}
	return b.String()
}

// Backup is what retention needs to know about a backup.
type Backup struct {
	ID       string
	Time     time.Time // when it was taken
	Complete bool      // whether it has a valid manifest
}

// Reasons for kept and removed backups, as Apply reports them.
const (
	ReasonNewest        = "newest complete backup"
	ReasonRunning       = "incomplete, not older than the newest complete backup: it may still be running"
	ReasonNoComplete    = "incomplete, and no complete backup exists yet"
	ReasonIncomplete    = "incomplete, older than the newest complete backup"
	ReasonNoRuleMatches = "no rule keeps it"
)

// Apply sorts backups into those to keep and those to remove under p at time
// now, each list newest first (ties broken by ID, descending), and gives the
// reasons for every backup by ID: the rules that keep it, or why it goes.
// keep and remove together hold every backup given, each once. It fails,
// deciding nothing, if the policy is invalid or an ID is empty or repeated.
func Apply(p Policy, backups []Backup, now time.Time) (keep, remove []Backup, reasons map[string][]string, err error) {
	if err := p.Validate(); err != nil {
		return nil, nil, nil, err
	}
	seen := make(map[string]bool, len(backups))
	for _, b := range backups {
		if b.ID == "" {
			return nil, nil, nil, errors.New("retention: a backup has an empty id")
		}
		if seen[b.ID] {
			return nil, nil, nil, fmt.Errorf("retention: backup id %q is given twice", b.ID)
		}
		seen[b.ID] = true
	}

	sorted := slices.Clone(backups)
	slices.SortFunc(sorted, func(a, b Backup) int {
		if c := b.Time.Compare(a.Time); c != 0 {
			return c
		}
		return strings.Compare(b.ID, a.ID)
	})
	var complete []Backup
	for _, b := range sorted {
		if b.Complete {
			complete = append(complete, b)
		}
	}

	reasons = make(map[string][]string, len(sorted))
	why := func(b Backup, r string) { reasons[b.ID] = append(reasons[b.ID], r) }
	if len(complete) > 0 {
		why(complete[0], ReasonNewest)
	}
	for i, b := range complete {
		if i < p.KeepLast {
			why(b, fmt.Sprintf("%s=%d (number %d)", NameKeepLast, p.KeepLast, i+1))
		}
		if p.KeepWithin > 0 && !b.Time.Before(now.Add(-p.KeepWithin)) {
			why(b, fmt.Sprintf("%s=%s", NameKeepWithin, FormatDuration(p.KeepWithin)))
		}
	}
	buckets(complete, p.KeepDaily, NameKeepDaily, func(t time.Time) string { return t.Format("2006-01-02") }, why)
	buckets(complete, p.KeepWeekly, NameKeepWeekly, func(t time.Time) string {
		y, w := t.ISOWeek()
		return fmt.Sprintf("%04d-W%02d", y, w)
	}, why)
	buckets(complete, p.KeepMonthly, NameKeepMonthly, func(t time.Time) string { return t.Format("2006-01") }, why)

	for _, b := range sorted {
		switch {
		case b.Complete && len(reasons[b.ID]) > 0:
			keep = append(keep, b)
		case b.Complete:
			why(b, ReasonNoRuleMatches)
			remove = append(remove, b)
		case len(complete) == 0:
			why(b, ReasonNoComplete)
			keep = append(keep, b)
		case !b.Time.Before(complete[0].Time):
			why(b, ReasonRunning)
			keep = append(keep, b)
		default:
			why(b, ReasonIncomplete)
			remove = append(remove, b)
		}
	}
	return keep, remove, reasons, nil
}

// buckets keeps the newest backup of each of the n newest buckets (days,
// weeks, months) that hold one. backups are sorted newest first.
func buckets(backups []Backup, n int, rule string, bucket func(time.Time) string, why func(Backup, string)) {
	last, kept := "", 0
	for _, b := range backups {
		if kept == n {
			return
		}
		if key := bucket(b.Time.UTC()); key != last {
			why(b, fmt.Sprintf("%s=%d (%s)", rule, n, key))
			last = key
			kept++
		}
	}
}
