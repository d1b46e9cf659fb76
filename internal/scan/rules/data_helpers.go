package rules

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/dbwarden/dbwarden/internal/scan"
)

// Helpers of the data-service rules (RDS, Secrets Manager, KMS, logs, SNS,
// S3, DynamoDB). Like the shared helpers they are three-valued: what is only
// known when applied is reported as unknown, never guessed.

// profileInt returns a profile threshold, or dflt when the profile leaves it
// at zero (a profile built by hand rather than taken from scan.Profiles).
func profileInt(v, dflt int) int {
	if v <= 0 {
		return dflt
	}
	return v
}

// unindexed strips a trailing instance key: aws_s3_bucket.b[0] and
// aws_s3_bucket.b["x"] become aws_s3_bucket.b.
func unindexed(addr string) string {
	if strings.HasSuffix(addr, "]") {
		if i := strings.LastIndex(addr, "["); i > 0 {
			return addr[:i]
		}
	}
	return addr
}

// refsIn collects the references of v and of everything inside it.
func refsIn(v *scan.Value) []string {
	if v == nil {
		return nil
	}
	out := append([]string(nil), v.Refs...)
	for _, e := range v.List {
		out = append(out, refsIn(e)...)
	}
	for _, k := range v.Keys() {
		out = append(out, refsIn(v.Map[k])...)
	}
	return out
}

// knownAddrs returns the addresses (with and without instance keys) of the
// resources of a language, to tell a reference to something the scan holds
// from one to something it does not (a variable, a module output).
func knownAddrs(p *scan.Project, lang scan.Lang) map[string]bool {
	m := map[string]bool{}
	for _, r := range p.Resources {
		if r.Lang == lang {
			m[r.Address] = true
			m[unindexed(r.Address)] = true
		}
	}
	return m
}

// opaqueRef reports whether v is written, only known when applied, and refers
// to nothing in known: it may name any resource, so a link through it can be
// neither confirmed nor ruled out.
func opaqueRef(v *scan.Value, known map[string]bool) bool {
	if !v.Set() || v.Known() {
		return false
	}
	for _, ref := range refsIn(v) {
		if known[ref] || known[unindexed(ref)] {
			return false
		}
	}
	return true
}

// linkedFrom returns the resources among rs whose attribute at path refers
// to target or names it by one of the known names (referencedBy), also
// through an instance key (aws_s3_bucket.b[0]); maybe reports that some
// other resource's attribute is opaque and might point at target too.
func linkedFrom(p *scan.Project, rs []*scan.Resource, target *scan.Resource, path []string, names ...string) (found []*scan.Resource, maybe bool) {
	found = referencedBy(rs, target, path, names...)
	in := map[*scan.Resource]bool{}
	for _, r := range found {
		in[r] = true
	}
	known := knownAddrs(p, target.Lang)
	for _, r := range rs {
		if in[r] {
			continue
		}
		v := r.Attr(path...)
		switch {
		case v.RefersTo(target.Address):
			found = append(found, r)
		case opaqueRef(v, known):
			maybe = true
		}
	}
	return found, maybe
}

// verdict accumulates a three-valued decision over several places a setting
// can be made: any pass wins, then any unknown, then the first failure.
type verdict struct {
	pass                bool
	unknownAt, failAt   *scan.Value
	unknownMsg, failMsg string
	unknownSet, failSet bool
}

func (v *verdict) unknown(at *scan.Value, msg string) {
	if !v.unknownSet {
		v.unknownAt, v.unknownMsg, v.unknownSet = at, msg, true
	}
}

func (v *verdict) fail(at *scan.Value, msg string) {
	if !v.failSet {
		v.failAt, v.failMsg, v.failSet = at, msg, true
	}
}

// report writes the decision for r; none is the failure when nothing set
// the value anywhere.
func (v *verdict) report(out *scan.Out, r *scan.Resource, none string) {
	switch {
	case v.pass:
	case v.unknownSet:
		out.Unknown(r, v.unknownAt, "%s", v.unknownMsg)
	case v.failSet:
		out.Fail(r, v.failAt, "%s", v.failMsg)
	default:
		out.Fail(r, nil, "%s", none)
	}
}

// strOf returns a known, non-empty string attribute.
func strOf(v *scan.Value) string {
	if v == nil || v.Kind != scan.String {
		return ""
	}
	return strings.TrimSpace(v.Str)
}

// awsManagedKey reports whether a key id names an AWS managed key
// (alias/aws/rds, arn:aws:kms:...:alias/aws/s3), which its account cannot
// control with a key policy, rotate on its own schedule or disable.
func awsManagedKey(s string) bool {
	return strings.HasPrefix(s, "alias/aws/") || strings.Contains(s, ":alias/aws/")
}

// wantCMK checks that a key attribute names a customer-managed KMS key.
func wantCMK(out *scan.Out, r *scan.Resource, v *scan.Value, what string) {
	if !wantSet(out, r, v, what) {
		return
	}
	if s := strOf(v); awsManagedKey(s) {
		out.Fail(r, v, "%s names the AWS managed key %s, not a customer-managed key", what, s)
	}
}

// firstWritten returns the first of vs that is written.
func firstWritten(vs ...*scan.Value) *scan.Value {
	for _, v := range vs {
		if v.Set() {
			return v
		}
	}
	return nil
}

// written reports whether an attribute is written with something other than
// null, an empty string or an empty list (so "restored from a snapshot" and
// similar switches are read correctly).
func written(v *scan.Value) bool {
	switch {
	case !v.Set():
		return false
	case v.Kind == scan.String:
		return strings.TrimSpace(v.Str) != ""
	case v.Kind == scan.List:
		return len(v.List) > 0
	}
	return true
}

// lowerStr returns a known string attribute in lower case.
func lowerStr(v *scan.Value) string { return strings.ToLower(strOf(v)) }

// mysqlFamily reports whether an RDS engine name is MySQL, MariaDB or Aurora
// MySQL.
func mysqlFamily(engine string) bool {
	return strings.HasPrefix(engine, "mysql") || strings.HasPrefix(engine, "mariadb") || strings.HasPrefix(engine, "aurora-mysql") || engine == "aurora"
}

// passwordSource classifies where a master password comes from. It returns
// ok when it comes from a secret store (a data source, an ephemeral
// resource, a Secrets Manager secret version, a {{resolve:secretsmanager}} or
// {{resolve:ssm-secure}} dynamic reference, or a sensitive variable or NoEcho
// parameter), decided=false when that is only known when applied, and
// otherwise a description of the source, never the value.
func passwordSource(p *scan.Project, v *scan.Value) (ok, decided bool, why string) {
	if v.Sensitive {
		return true, true, ""
	}
	if s, isStr := v.String(); isStr {
		if strings.Contains(s, "{{resolve:secretsmanager:") || strings.Contains(s, "{{resolve:ssm-secure:") {
			return true, true, ""
		}
		return false, true, "is a plain value written in the configuration or its inputs"
	}
	refs := refsIn(v)
	for _, ref := range refs {
		switch {
		case strings.HasPrefix(ref, "data."), strings.HasPrefix(ref, "ephemeral."),
			strings.HasPrefix(ref, "aws_secretsmanager_secret_version."):
			return true, true, ""
		}
		for _, r := range p.Of(scan.CloudFormation, "AWS::SecretsManager::Secret") {
			if r.Address == ref {
				return true, true, ""
			}
		}
	}
	for _, ref := range refs {
		if strings.HasPrefix(ref, "random_password.") || strings.HasPrefix(ref, "random_string.") {
			return false, true, "is generated by " + ref + " and kept in the Terraform state, not managed by Secrets Manager"
		}
		if strings.HasPrefix(ref, "var.") {
			return false, true, "comes from " + ref + ", which is not marked sensitive"
		}
	}
	return false, false, ""
}

// Rotation schedules.

var (
	rateRe = regexp.MustCompile(`^rate\(\s*(\d+)\s+(minutes?|hours?|days?)\s*\)$`)
	cronRe = regexp.MustCompile(`^cron\((.*)\)$`)
)

// scheduleDays returns the longest time, in days, between two rotations a
// Secrets Manager schedule expression allows: rate(N days|hours) or a
// six-field cron(minutes hours day-of-month month day-of-week year). A cron
// schedule is read by walking the calendar of eight years from 2024, so
// month lengths, leap years and the year field count.
func scheduleDays(expr string) (float64, error) {
	e := strings.TrimSpace(expr)
	if m := rateRe.FindStringSubmatch(e); m != nil {
		n, _ := strconv.Atoi(m[1])
		switch strings.TrimSuffix(m[2], "s") {
		case "minute":
			return float64(n) / (24 * 60), nil
		case "hour":
			return float64(n) / 24, nil
		}
		return float64(n), nil
	}
	m := cronRe.FindStringSubmatch(e)
	if m == nil {
		return 0, fmt.Errorf("schedule %q is neither rate(...) nor cron(...)", expr)
	}
	f := strings.Fields(m[1])
	if len(f) != 6 {
		return 0, fmt.Errorf("schedule %q: cron takes six fields (minutes hours day-of-month month day-of-week year), got %d", expr, len(f))
	}
	c, err := parseCron(f)
	if err != nil {
		return 0, fmt.Errorf("schedule %q: %w", expr, err)
	}
	start := time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)
	end := start.AddDate(8, 0, 0)
	var first, last time.Time
	gap := 0.0
	for d := start; d.Before(end); d = d.AddDate(0, 0, 1) {
		if !c.fires(d) {
			continue
		}
		if !last.IsZero() {
			if g := d.Sub(last).Hours() / 24; g > gap {
				gap = g
			}
		} else {
			first = d
		}
		last = d
	}
	if first.IsZero() {
		return 0, fmt.Errorf("schedule %q never fires between 2024 and 2031", expr)
	}
	if first.Equal(last) {
		return 0, fmt.Errorf("schedule %q fires only once between 2024 and 2031", expr)
	}
	if tail := end.Sub(last).Hours() / 24; tail > gap && tail > 366 {
		return 0, fmt.Errorf("schedule %q stops firing after %s", expr, last.Format("2006-01-02"))
	}
	return gap, nil
}

// cronDays matches the calendar days of a cron expression; the time of day
// does not matter to a rotation interval measured in days.
type cronDays struct {
	dom, dow func(time.Time) bool
	month    []bool
	year     func(int) bool
}

func (c *cronDays) fires(d time.Time) bool {
	return c.month[int(d.Month())] && c.year(d.Year()) && c.dom(d) && c.dow(d)
}

var (
	monthNames = map[string]int{"JAN": 1, "FEB": 2, "MAR": 3, "APR": 4, "MAY": 5, "JUN": 6, "JUL": 7, "AUG": 8, "SEP": 9, "OCT": 10, "NOV": 11, "DEC": 12}
	dayNames   = map[string]int{"SUN": 1, "MON": 2, "TUE": 3, "WED": 4, "THU": 5, "FRI": 6, "SAT": 7}
)

func parseCron(f []string) (*cronDays, error) {
	if f[2] != "?" && f[4] != "?" {
		return nil, fmt.Errorf("one of day-of-month and day-of-week must be ?")
	}
	c := &cronDays{}
	var err error
	if c.month, err = cronSet(f[3], 1, 12, monthNames); err != nil {
		return nil, fmt.Errorf("month: %w", err)
	}
	if f[5] == "*" {
		c.year = func(int) bool { return true }
	} else {
		ys, err := cronSet(f[5], 1970, 2199, nil)
		if err != nil {
			return nil, fmt.Errorf("year: %w", err)
		}
		c.year = func(y int) bool { return y >= 1970 && y <= 2199 && ys[y] }
	}
	if c.dom, err = cronDOM(f[2]); err != nil {
		return nil, fmt.Errorf("day-of-month: %w", err)
	}
	if c.dow, err = cronDOW(f[4]); err != nil {
		return nil, fmt.Errorf("day-of-week: %w", err)
	}
	return c, nil
}

func monthLastDay(d time.Time) int {
	return time.Date(d.Year(), d.Month()+1, 0, 0, 0, 0, 0, time.UTC).Day()
}

func isWeekday(t time.Time) bool { return t.Weekday() != time.Saturday && t.Weekday() != time.Sunday }

// nearestWeekday is the weekday nearest to day n of d's month, within it.
func nearestWeekday(d time.Time, n int) int {
	if n > monthLastDay(d) {
		n = monthLastDay(d)
	}
	t := time.Date(d.Year(), d.Month(), n, 0, 0, 0, 0, time.UTC)
	switch t.Weekday() {
	case time.Saturday:
		if n == 1 {
			return 3
		}
		return n - 1
	case time.Sunday:
		if n == monthLastDay(d) {
			return n - 2
		}
		return n + 1
	}
	return n
}

func cronDOM(field string) (func(time.Time) bool, error) {
	if field == "?" || field == "*" {
		return func(time.Time) bool { return true }, nil
	}
	var ms []func(time.Time) bool
	for _, item := range strings.Split(field, ",") {
		switch {
		case item == "L":
			ms = append(ms, func(d time.Time) bool { return d.Day() == monthLastDay(d) })
		case item == "LW":
			ms = append(ms, func(d time.Time) bool {
				l := time.Date(d.Year(), d.Month(), monthLastDay(d), 0, 0, 0, 0, time.UTC)
				for !isWeekday(l) {
					l = l.AddDate(0, 0, -1)
				}
				return d.Day() == l.Day()
			})
		case strings.HasSuffix(item, "W"):
			n, err := strconv.Atoi(strings.TrimSuffix(item, "W"))
			if err != nil || n < 1 || n > 31 {
				return nil, fmt.Errorf("bad item %q", item)
			}
			ms = append(ms, func(d time.Time) bool { return d.Day() == nearestWeekday(d, n) })
		default:
			set, err := cronSet(item, 1, 31, nil)
			if err != nil {
				return nil, err
			}
			ms = append(ms, func(d time.Time) bool { return set[d.Day()] })
		}
	}
	return anyDay(ms), nil
}

func cronDOW(field string) (func(time.Time) bool, error) {
	if field == "?" || field == "*" {
		return func(time.Time) bool { return true }, nil
	}
	dow := func(d time.Time) int { return int(d.Weekday()) + 1 } // SUN=1
	var ms []func(time.Time) bool
	for _, item := range strings.Split(field, ",") {
		switch {
		case strings.Contains(item, "#"):
			a, b, _ := strings.Cut(item, "#")
			n, err := cronDayNumber(a)
			k, err2 := strconv.Atoi(b)
			if err != nil || err2 != nil || k < 1 || k > 5 {
				return nil, fmt.Errorf("bad item %q", item)
			}
			ms = append(ms, func(d time.Time) bool { return dow(d) == n && (d.Day()-1)/7+1 == k })
		case strings.HasSuffix(item, "L") && item != "L":
			n, err := cronDayNumber(strings.TrimSuffix(item, "L"))
			if err != nil {
				return nil, fmt.Errorf("bad item %q", item)
			}
			ms = append(ms, func(d time.Time) bool { return dow(d) == n && d.Day()+7 > monthLastDay(d) })
		default:
			if item == "L" {
				item = "7"
			}
			set, err := cronSet(item, 1, 7, dayNames)
			if err != nil {
				return nil, err
			}
			ms = append(ms, func(d time.Time) bool { return set[dow(d)] })
		}
	}
	return anyDay(ms), nil
}

func cronDayNumber(s string) (int, error) {
	if n, ok := dayNames[strings.ToUpper(s)]; ok {
		return n, nil
	}
	n, err := strconv.Atoi(s)
	if err != nil || n < 1 || n > 7 {
		return 0, fmt.Errorf("bad day %q", s)
	}
	return n, nil
}

func anyDay(ms []func(time.Time) bool) func(time.Time) bool {
	return func(d time.Time) bool {
		for _, m := range ms {
			if m(d) {
				return true
			}
		}
		return false
	}
}

// cronSet reads a comma list of values, ranges (a-b) and steps (*/n, a/n,
// a-b/n) between lo and hi, names allowed, into a set indexed by value.
func cronSet(field string, lo, hi int, names map[string]int) ([]bool, error) {
	set := make([]bool, hi+1)
	num := func(s string) (int, error) {
		if n, ok := names[strings.ToUpper(s)]; ok {
			return n, nil
		}
		n, err := strconv.Atoi(s)
		if err != nil || n < lo || n > hi {
			return 0, fmt.Errorf("bad value %q (want %d-%d)", s, lo, hi)
		}
		return n, nil
	}
	for _, item := range strings.Split(field, ",") {
		rng, stepStr, hasStep := strings.Cut(item, "/")
		step := 1
		if hasStep {
			var err error
			if step, err = strconv.Atoi(stepStr); err != nil || step < 1 {
				return nil, fmt.Errorf("bad step in %q", item)
			}
		}
		a, b := lo, hi
		switch {
		case rng == "*" || rng == "?":
		case strings.Contains(rng, "-"):
			x, y, _ := strings.Cut(rng, "-")
			var err error
			if a, err = num(x); err != nil {
				return nil, err
			}
			if b, err = num(y); err != nil {
				return nil, err
			}
		default:
			var err error
			if a, err = num(rng); err != nil {
				return nil, err
			}
			if !hasStep {
				b = a
			}
		}
		if a > b {
			return nil, fmt.Errorf("bad range %q", item)
		}
		for i := a; i <= b; i += step {
			set[i] = true
		}
	}
	return set, nil
}
