package api

import (
	"context"
	"testing"
	"time"
)

func TestKeyCacheReusesLookupsForAWhile(t *testing.T) {
	now := time.Date(2026, 11, 25, 12, 0, 0, 0, time.UTC)
	calls := 0
	c := &keyCache{
		now: func() time.Time { return now },
		lookup: func(ctx context.Context, keyID string) (Identity, []byte, error) {
			calls++
			return Identity{ARN: "arn:aws:iam::000000000000:user/" + keyID}, []byte("secret-" + keyID), nil
		},
	}
	ctx := context.Background()
	_, s1, _ := c.get(ctx, "AKIA1")
	clear(s1) // callers clear their copy; the cache must not be affected
	id, s2, _ := c.get(ctx, "AKIA1")
	if calls != 1 || string(s2) != "secret-AKIA1" || id.ARN == "" {
		t.Fatalf("second lookup within the TTL: %d calls, secret intact %v; want 1 call and an intact secret", calls, string(s2) == "secret-AKIA1")
	}
	now = now.Add(keyCacheTTL + time.Second)
	c.get(ctx, "AKIA1")
	if calls != 2 {
		t.Fatalf("lookup after the TTL: got %d calls, want 2", calls)
	}
}
