package retention_test

import (
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/dbwarden/dbwarden/internal/backup/retention"
)

var day = 24 * time.Hour

// daily returns complete backups at 02:00 UTC on each of n days ending on
// last, newest first, named by their date.
func daily(last time.Time, n int) []retention.Backup {
	var bs []retention.Backup
	for i := range n {
		t := last.AddDate(0, 0, -i)
		bs = append(bs, retention.Backup{ID: t.Format("2006-01-02T15"), Time: t, Complete: true})
	}
	return bs
}

func ids(bs []retention.Backup) []string {
	out := make([]string, len(bs))
	for i, b := range bs {
		out[i] = b.ID
	}
	return out
}

func TestApplyClassicCases(t *testing.T) {
	// 2026-03-31 is a Tuesday; a backup every day at 02:00 UTC since
	// 2025-12-01, and "now" an hour after the last one.
	last := time.Date(2026, 3, 31, 2, 0, 0, 0, time.UTC)
	now := last.Add(time.Hour)
	history := daily(last, 121)

	cases := []struct {
		name    string
		policy  string
		history []retention.Backup
		now     time.Time
		keep    []string
	}{
		{"keep-last=3 keeps the three newest", "keep-last=3", history, now,
			[]string{"2026-03-31T02", "2026-03-30T02", "2026-03-29T02"}},
		{"keep-daily=3 keeps one backup of each of the last three days", "keep-daily=3", history, now,
			[]string{"2026-03-31T02", "2026-03-30T02", "2026-03-29T02"}},
		{"keep-weekly=4 keeps the newest of each of the last four ISO weeks", "keep-weekly=4", history, now,
			// Weeks start on Monday: 03-30 (Mon) to 03-31, then the Sundays before.
			[]string{"2026-03-31T02", "2026-03-29T02", "2026-03-22T02", "2026-03-15T02"}},
		{"keep-monthly=3 keeps the newest of each of the last three months", "keep-monthly=3", history, now,
			[]string{"2026-03-31T02", "2026-02-28T02", "2026-01-31T02"}},
		{"keep-monthly beyond the history keeps every month there is", "keep-monthly=12", history, now,
			[]string{"2026-03-31T02", "2026-02-28T02", "2026-01-31T02", "2025-12-31T02"}},
		{"keep-within=2d keeps what is at most two days old", "keep-within=2d", history, now,
			// 03-29 02:00 is two days and an hour old.
			[]string{"2026-03-31T02", "2026-03-30T02"}},
		{"rules add up, each backup kept once", "keep-daily=2,keep-weekly=2,keep-monthly=2", history, now,
			[]string{"2026-03-31T02", "2026-03-30T02", "2026-03-29T02", "2026-02-28T02"}},
		{"the default policy keeps a week", retention.DefaultPolicy().String(), history, now,
			ids(daily(last, 7))},
		{"the default policy keeps the newest backup when backups stopped a month ago", retention.DefaultPolicy().String(), history, now.Add(30 * day),
			[]string{"2026-03-31T02"}},
		{"even keep-within=1h keeps the newest complete backup", "keep-within=1h", history, now.Add(90 * day),
			[]string{"2026-03-31T02"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			p, err := retention.ParsePolicy(tc.policy)
			if err != nil {
				t.Fatal(err)
			}
			keep, remove, _, err := retention.Apply(p, tc.history, tc.now)
			if err != nil {
				t.Fatal(err)
			}
			if got := ids(keep); !slices.Equal(got, tc.keep) {
				t.Fatalf("kept %v, want %v", got, tc.keep)
			}
			if len(keep)+len(remove) != len(tc.history) {
				t.Fatalf("kept %d and removed %d of %d backups", len(keep), len(remove), len(tc.history))
			}
		})
	}
}

func TestApplyBuckets(t *testing.T) {
	at := func(s string) time.Time {
		tm, err := time.Parse(time.RFC3339, s)
		if err != nil {
			t.Fatal(err)
		}
		return tm
	}
	b := func(id, ts string) retention.Backup { return retention.Backup{ID: id, Time: at(ts), Complete: true} }
	cases := []struct {
		name    string
		policy  retention.Policy
		backups []retention.Backup
		now     string
		keep    []string
	}{
		{"several backups a day: the newest of each day",
			retention.Policy{KeepDaily: 2},
			[]retention.Backup{b("d1-a", "2026-03-01T01:00:00Z"), b("d1-b", "2026-03-01T13:00:00Z"), b("d2-a", "2026-03-02T01:00:00Z"), b("d2-b", "2026-03-02T23:59:59Z"), b("d3-a", "2026-03-03T00:00:00Z")},
			"2026-03-04T00:00:00Z", []string{"d3-a", "d2-b"}},
		{"days without a backup do not count",
			retention.Policy{KeepDaily: 3},
			[]retention.Backup{b("mar01", "2026-03-01T02:00:00Z"), b("mar05", "2026-03-05T02:00:00Z"), b("mar09", "2026-03-09T02:00:00Z"), b("mar10", "2026-03-10T02:00:00Z")},
			"2026-03-20T00:00:00Z", []string{"mar10", "mar09", "mar05"}},
		{"days are UTC days",
			retention.Policy{KeepDaily: 1, KeepLast: 0, KeepWithin: 0, KeepWeekly: 0, KeepMonthly: 0},
			// 23:30 at UTC-5 is 04:30 UTC the next day: both are on March 2 in UTC.
			[]retention.Backup{b("late-local", "2026-03-01T23:30:00-05:00"), b("early-utc", "2026-03-02T01:00:00Z")},
			"2026-03-03T00:00:00Z", []string{"late-local"}},
		{"ISO weeks cross the new year",
			retention.Policy{KeepWeekly: 2},
			// 2025-12-29 (Mon) to 2026-01-04 (Sun) is 2026-W01.
			[]retention.Backup{b("dec28", "2025-12-28T02:00:00Z"), b("dec29", "2025-12-29T02:00:00Z"), b("jan02", "2026-01-02T02:00:00Z"), b("jan04", "2026-01-04T02:00:00Z")},
			"2026-01-05T00:00:00Z", []string{"jan04", "dec28"}},
		{"months of different lengths",
			retention.Policy{KeepMonthly: 3},
			[]retention.Backup{b("jan31", "2026-01-31T23:00:00Z"), b("feb01", "2026-02-01T00:00:00Z"), b("feb28", "2026-02-28T23:59:59Z"), b("mar01", "2026-03-01T00:00:00Z")},
			"2026-03-02T00:00:00Z", []string{"mar01", "feb28", "jan31"}},
		{"keep-within keeps what is exactly at its edge",
			retention.Policy{KeepWithin: 2 * day},
			[]retention.Backup{b("edge", "2026-03-01T00:00:00Z"), b("past-edge", "2026-02-28T23:59:59Z"), b("newest", "2026-03-02T00:00:00Z")},
			"2026-03-03T00:00:00Z", []string{"newest", "edge"}},
		{"a backup dated after now is within any duration",
			retention.Policy{KeepWithin: time.Hour},
			[]retention.Backup{b("future", "2026-03-05T00:00:00Z"), b("now", "2026-03-03T00:00:00Z"), b("old", "2026-03-01T00:00:00Z")},
			"2026-03-03T00:00:00Z", []string{"future", "now"}},
		{"equal times are ordered by id",
			retention.Policy{KeepLast: 1},
			[]retention.Backup{b("a", "2026-03-01T00:00:00Z"), b("b", "2026-03-01T00:00:00Z")},
			"2026-03-03T00:00:00Z", []string{"b"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			keep, _, reasons, err := retention.Apply(tc.policy, tc.backups, at(tc.now))
			if err != nil {
				t.Fatal(err)
			}
			if got := ids(keep); !slices.Equal(got, tc.keep) {
				t.Fatalf("kept %v, want %v (reasons %v)", got, tc.keep, reasons)
			}
		})
	}
}

func TestApplyIncompleteBackups(t *testing.T) {
	at := func(h int) time.Time { return time.Date(2026, 3, 1, h, 0, 0, 0, time.UTC) }
	now := at(23)
	history := []retention.Backup{
		{ID: "running", Time: at(20)},
		{ID: "done-19", Time: at(19), Complete: true},
		{ID: "crashed-18", Time: at(18)},
		{ID: "done-17", Time: at(17), Complete: true},
		{ID: "crashed-10", Time: at(10)},
	}
	keep, remove, reasons, err := retention.Apply(retention.Policy{KeepLast: 2}, history, now)
	if err != nil {
		t.Fatal(err)
	}
	if got, want := ids(keep), []string{"running", "done-19", "done-17"}; !slices.Equal(got, want) {
		t.Fatalf("kept %v, want %v", got, want)
	}
	if got, want := ids(remove), []string{"crashed-18", "crashed-10"}; !slices.Equal(got, want) {
		t.Fatalf("removed %v, want %v", got, want)
	}
	for id, want := range map[string]string{
		"running":    retention.ReasonRunning,
		"crashed-18": retention.ReasonIncomplete,
		"done-19":    retention.ReasonNewest,
		"done-17":    "keep-last=2 (number 2)",
	} {
		if !slices.Contains(reasons[id], want) {
			t.Errorf("reasons for %s are %q, want %q among them", id, reasons[id], want)
		}
	}
	t.Run("with no complete backup every incomplete one is kept", func(t *testing.T) {
		only := []retention.Backup{{ID: "a", Time: at(1)}, {ID: "b", Time: at(2)}}
		keep, remove, reasons, err := retention.Apply(retention.Policy{KeepLast: 1}, only, now)
		if err != nil {
			t.Fatal(err)
		}
		if len(keep) != 2 || len(remove) != 0 || reasons["a"][0] != retention.ReasonNoComplete {
			t.Fatalf("kept %v, removed %v, reasons %v; want both kept", ids(keep), ids(remove), reasons)
		}
	})
	t.Run("an incomplete backup does not fill keep-last", func(t *testing.T) {
		keep, _, _, err := retention.Apply(retention.Policy{KeepLast: 1}, history, now)
		if err != nil {
			t.Fatal(err)
		}
		if got, want := ids(keep), []string{"running", "done-19"}; !slices.Equal(got, want) {
			t.Fatalf("kept %v, want %v", got, want)
		}
	})
}

func TestApplyRefusesBadInput(t *testing.T) {
	now := time.Now()
	cases := []struct {
		name    string
		policy  retention.Policy
		backups []retention.Backup
		want    string
	}{
		{"an empty policy", retention.Policy{}, nil, "keeps nothing"},
		{"a negative count", retention.Policy{KeepLast: -1}, nil, "keep-last: -1 is negative"},
		{"a duration in minutes", retention.Policy{KeepWithin: 90 * time.Minute}, nil, "keep-within: 1h30m0s is not a whole number of hours"},
		{"a repeated id", retention.Policy{KeepLast: 1}, []retention.Backup{{ID: "x", Time: now}, {ID: "x", Time: now}}, `backup id "x" is given twice`},
		{"an empty id", retention.Policy{KeepLast: 1}, []retention.Backup{{Time: now}}, "empty id"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			keep, remove, _, err := retention.Apply(tc.policy, tc.backups, now)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("got %v, want an error saying %q", err, tc.want)
			}
			if keep != nil || remove != nil {
				t.Fatal("a failed Apply returned a decision")
			}
		})
	}
}

func TestParsePolicy(t *testing.T) {
	good := map[string]retention.Policy{
		"keep-last=7":       {KeepLast: 7},
		"7d":                {KeepWithin: 7 * day},
		"keep-within=7d":    {KeepWithin: 7 * day},
		"keep-within=2w":    {KeepWithin: 14 * day},
		"keep-within=1d12h": {KeepWithin: 36 * time.Hour},
		"keep-last=7, keep-within=30d keep-daily=7,keep-weekly=4,keep-monthly=12": {KeepLast: 7, KeepWithin: 30 * day, KeepDaily: 7, KeepWeekly: 4, KeepMonthly: 12},
		"keep-last=1,keep-within=7d": retention.DefaultPolicy(),
		"keep-last=0,keep-daily=1":   {KeepDaily: 1},
	}
	for in, want := range good {
		got, err := retention.ParsePolicy(in)
		if err != nil || got != want {
			t.Errorf("ParsePolicy(%q) = %+v, %v; want %+v", in, got, err, want)
			continue
		}
		again, err := retention.ParsePolicy(got.String())
		if err != nil || again != got {
			t.Errorf("ParsePolicy(%q.String() = %q) = %+v, %v; want %+v", in, got.String(), again, err, got)
		}
	}
	bad := map[string]string{
		"":                            "retention policy is empty",
		"keep-hourly=3":               `unknown rule "keep-hourly"; the rules are keep-last, keep-within, keep-daily, keep-weekly, keep-monthly`,
		"keep-last=-1":                `keep-last: "-1" is not a count`,
		"keep-last=x":                 `keep-last: "x" is not a count`,
		"keep-last=1,keep-last=2":     "keep-last is given twice",
		"7d,keep-within=3d":           "keep-within is given twice",
		"keep-within=1m":              `'m' is ambiguous`,
		"keep-within=1y":              `'y' is ambiguous`,
		"keep-within=7":               "write it as numbers with units",
		"keep-within=d":               "write it as numbers with units",
		"keep-within=7s":              `unknown unit 's'`,
		"keep-within=99999999999999w": "is too long",
		"keep-last=0":                 "keeps nothing",
		"seven":                       `"seven" is neither name=value nor a duration`,
	}
	for in, want := range bad {
		_, err := retention.ParsePolicy(in)
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("ParsePolicy(%q) = %v, want an error saying %q", in, err, want)
		}
	}
}

func TestFormatDuration(t *testing.T) {
	for d, want := range map[time.Duration]string{0: "0", time.Hour: "1h", 24 * time.Hour: "1d", 36 * time.Hour: "1d12h", 30 * day: "30d"} {
		if got := retention.FormatDuration(d); got != want {
			t.Errorf("FormatDuration(%v) = %q, want %q", d, got, want)
		}
	}
}

func ExampleApply() {
	now := time.Date(2026, 3, 31, 12, 0, 0, 0, time.UTC)
	p, _ := retention.ParsePolicy("keep-daily=2,keep-weekly=2")
	history := []retention.Backup{
		{ID: "mar31", Time: time.Date(2026, 3, 31, 2, 0, 0, 0, time.UTC), Complete: true},
		{ID: "mar30", Time: time.Date(2026, 3, 30, 2, 0, 0, 0, time.UTC), Complete: true},
		{ID: "mar29", Time: time.Date(2026, 3, 29, 2, 0, 0, 0, time.UTC), Complete: true},
		{ID: "mar28", Time: time.Date(2026, 3, 28, 2, 0, 0, 0, time.UTC), Complete: true},
	}
	keep, remove, reasons, _ := retention.Apply(p, history, now)
	for _, b := range keep {
		fmt.Println("keep", b.ID, reasons[b.ID])
	}
	for _, b := range remove {
		fmt.Println("remove", b.ID, reasons[b.ID])
	}
	// Output:
	// keep mar31 [newest complete backup keep-daily=2 (2026-03-31) keep-weekly=2 (2026-W14)]
	// keep mar30 [keep-daily=2 (2026-03-30)]
	// keep mar29 [keep-weekly=2 (2026-W13)]
	// remove mar28 [no rule keeps it]
}
