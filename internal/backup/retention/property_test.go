package retention_test

import (
	"fmt"
	"maps"
	"math/rand/v2"
	"slices"
	"testing"
	"time"

	"github.com/dbwarden/dbwarden/internal/backup/retention"
)

// genHistory returns a random history: bursts of backups over about a year,
// some incomplete (crashed ones among old backups, running ones at the end).
func genHistory(rng *rand.Rand, now time.Time) []retention.Backup {
	n := rng.IntN(60)
	var bs []retention.Backup
	for i := range n {
		var age time.Duration
		switch rng.IntN(4) {
		case 0: // recent, within days
			age = time.Duration(rng.Int64N(int64(10 * day)))
		case 1: // whole hours, so that many fall on bucket edges
			age = time.Duration(rng.IntN(400*24)) * time.Hour
		case 2: // same instant as another one
			if len(bs) > 0 {
				age = now.Sub(bs[rng.IntN(len(bs))].Time)
				break
			}
			fallthrough
		default:
			age = time.Duration(rng.Int64N(int64(400 * day)))
		}
		if rng.IntN(20) == 0 {
			age = -age / 100 // a clock ahead of now
		}
		bs = append(bs, retention.Backup{
			ID:       fmt.Sprintf("b%03d", i),
			Time:     now.Add(-age),
			Complete: rng.IntN(5) != 0,
		})
	}
	return bs
}

func genPolicy(rng *rand.Rand) retention.Policy {
	count := func() int {
		if rng.IntN(2) == 0 {
			return 0
		}
		return rng.IntN(12)
	}
	p := retention.Policy{KeepLast: count(), KeepDaily: count(), KeepWeekly: count(), KeepMonthly: count()}
	if rng.IntN(2) == 0 {
		p.KeepWithin = time.Duration(rng.IntN(60*24)) * time.Hour
	}
	if p == (retention.Policy{}) {
		p.KeepLast = 1
	}
	return p
}

func TestApplyProperties(t *testing.T) {
	const histories = 5000
	rng := rand.New(rand.NewPCG(2026, 3))
	now := time.Date(2026, 3, 31, 12, 0, 0, 0, time.UTC)
	for i := range histories {
		history := genHistory(rng, now)
		p := genPolicy(rng)
		keep, remove, reasons, err := retention.Apply(p, history, now)
		if err != nil {
			t.Fatalf("history %d, policy %s: %v", i, p, err)
		}
		fail := func(format string, args ...any) {
			t.Helper()
			t.Fatalf("history %d, policy %s, now %s:\n%v\nkept %v\nremoved %v\n"+format,
				append([]any{i, p, now.Format(time.RFC3339), history, ids(keep), ids(remove)}, args...)...)
		}

		// The result is a partition of the input, with a reason for each.
		all := append(slices.Clone(keep), remove...)
		if got, want := sortedIDs(all), sortedIDs(history); !slices.Equal(got, want) {
			fail("kept and removed together are %v, want each of %v once", got, want)
		}
		for _, b := range history {
			if len(reasons[b.ID]) == 0 {
				fail("%s has no reason", b.ID)
			}
		}

		complete := completeOnly(history)
		newest, hasComplete := newestOf(complete)

		// The newest complete backup is always kept.
		if hasComplete && !slices.Contains(ids(keep), newest.ID) {
			fail("the newest complete backup %s was removed", newest.ID)
		}

		// keep-last N keeps at least min(N, complete) complete backups.
		if got, want := len(completeOnly(keep)), min(p.KeepLast, len(complete)); got < want {
			fail("kept %d complete backups, want at least %d for keep-last", got, want)
		}

		// keep-within keeps every complete backup within the duration.
		if p.KeepWithin > 0 {
			for _, b := range complete {
				if !b.Time.Before(now.Add(-p.KeepWithin)) && !slices.Contains(ids(keep), b.ID) {
					fail("%s is within %s but was removed", b.ID, p.KeepWithin)
				}
			}
		}

		// keep-daily keeps one backup on each of min(N, days) days.
		if got, want := len(days(completeOnly(keep))), min(p.KeepDaily, len(days(complete))); got < want {
			fail("kept backups on %d days, want at least %d for keep-daily", got, want)
		}

		// Incomplete backups count toward nothing: the complete backups kept
		// are those kept when the incomplete ones are left out.
		keep2, _, _, err := retention.Apply(p, complete, now)
		if err != nil {
			fail("%v", err)
		}
		if got, want := sortedIDs(completeOnly(keep)), sortedIDs(keep2); !slices.Equal(got, want) {
			fail("with incomplete backups it keeps %v, without them %v", got, want)
		}

		// An incomplete backup is kept exactly when it is not older than the
		// newest complete backup, or when there is none.
		for _, b := range history {
			if b.Complete {
				continue
			}
			wantKept := !hasComplete || !b.Time.Before(newest.Time)
			if slices.Contains(ids(keep), b.ID) != wantKept {
				fail("incomplete %s: kept is %v, want %v", b.ID, !wantKept, wantKept)
			}
		}

		// Applying the policy again to what it kept removes nothing more.
		_, again, _, err := retention.Apply(p, keep, now)
		if err != nil {
			fail("%v", err)
		}
		if len(again) > 0 {
			fail("a second pass removes %v", ids(again))
		}

		// The order of the input changes nothing.
		shuffled := slices.Clone(history)
		rng.Shuffle(len(shuffled), func(a, b int) { shuffled[a], shuffled[b] = shuffled[b], shuffled[a] })
		keep3, remove3, reasons3, err := retention.Apply(p, shuffled, now)
		if err != nil {
			fail("%v", err)
		}
		if !slices.Equal(ids(keep3), ids(keep)) || !slices.Equal(ids(remove3), ids(remove)) ||
			!maps.EqualFunc(reasons3, reasons, slices.Equal) {
			fail("a shuffled input gives kept %v, removed %v", ids(keep3), ids(remove3))
		}
	}
}

func completeOnly(bs []retention.Backup) []retention.Backup {
	var out []retention.Backup
	for _, b := range bs {
		if b.Complete {
			out = append(out, b)
		}
	}
	return out
}

// newestOf returns the newest backup, ties going to the greatest ID.
func newestOf(bs []retention.Backup) (retention.Backup, bool) {
	if len(bs) == 0 {
		return retention.Backup{}, false
	}
	n := bs[0]
	for _, b := range bs[1:] {
		if b.Time.After(n.Time) || b.Time.Equal(n.Time) && b.ID > n.ID {
			n = b
		}
	}
	return n, true
}

func days(bs []retention.Backup) map[string]bool {
	out := map[string]bool{}
	for _, b := range bs {
		out[b.Time.UTC().Format(time.DateOnly)] = true
	}
	return out
}

func sortedIDs(bs []retention.Backup) []string {
	return slices.Sorted(slices.Values(ids(bs)))
}
