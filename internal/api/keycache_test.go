package api

import (
	"context"
	"encoding/json"
	"net/http/httptest"
	"reflect"
	"testing"
	"time"

	"github.com/dbwarden/dbwarden/internal/store"
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

func TestMetricsOnlyForLoopbackUnlessPublic(t *testing.T) {
	for _, tc := range []struct {
		remote string
		public bool
		want   int
	}{
		{"127.0.0.1:5555", false, 200},
		{"[::1]:5555", false, 200},
		{"10.1.2.3:5555", false, 403},
		{"10.1.2.3:5555", true, 200},
	} {
		s := New(Config{PublicMetrics: tc.public})
		req := httptest.NewRequest("GET", "/metrics", nil)
		req.RemoteAddr = tc.remote
		rec := httptest.NewRecorder()
		s.ServeHTTP(rec, req)
		if rec.Code != tc.want {
			t.Errorf("/metrics from %s (public %v): got %d, want %d", tc.remote, tc.public, rec.Code, tc.want)
		}
	}
}

func TestGetSecretValueWireMatchesTheGenericEncoding(t *testing.T) {
	s := "a<b>&c"
	out := &store.GetSecretValueOutput{ARN: "arn:aws:secretsmanager:us-east-1:000000000000:secret:x-AbC123", Name: "x", VersionId: "v",
		SecretString: &s, VersionStages: []string{"AWSCURRENT"}, CreatedDate: time.Date(2026, 11, 25, 12, 0, 0, 123e6, time.UTC)}
	fast, err := wireJSON(out)
	if err != nil {
		t.Fatal(err)
	}
	var generic struct{ *store.GetSecretValueOutput }
	generic.GetSecretValueOutput = out
	slow, err := wireJSON(generic)
	if err != nil {
		t.Fatal(err)
	}
	var a, b map[string]any
	json.Unmarshal(fast, &a)
	json.Unmarshal(slow, &b)
	if !reflect.DeepEqual(a, b) || a["CreatedDate"] != 1795608000.123 {
		t.Fatalf("typed and generic encodings differ: %s vs %s", fast, slow)
	}
}
