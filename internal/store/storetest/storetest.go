// Package storetest is the conformance suite of the store.Store contract.
// Every backend runs it unchanged:
//
//	func TestConformance(t *testing.T) {
//		storetest.Run(t, func(t *testing.T, clock *storetest.Clock) store.Store { ... })
//	}
package storetest

import (
	"bytes"
	"context"
	"fmt"
	"path/filepath"
	"regexp"
	"runtime"
	"slices"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/dbwarden/dbwarden/internal/secret"
	"github.com/dbwarden/dbwarden/internal/store"
)

// Clock is a settable clock handed to the backend under test. Backends that
// cannot use it (a remote service) set Fixed to false; the tests that need
// to move time then skip.
type Clock struct {
	mu  sync.Mutex
	now time.Time
	// Controllable is true when the backend reads its time from Now.
	Controllable bool
}

// NewClock returns a clock at a fixed, realistic instant.
func NewClock() *Clock {
	return &Clock{now: time.Date(2026, 11, 25, 12, 0, 0, 0, time.UTC), Controllable: true}
}

// Now returns the clock's time.
func (c *Clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

// Advance moves the clock forward.
func (c *Clock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
}

// Factory returns a new, empty store that reads its time from clock.
type Factory func(t *testing.T, clock *Clock) store.Store

// Run runs the conformance suite against the backend that f makes.
func Run(t *testing.T, f Factory) {
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			clock := NewClock()
			s := f(t, clock)
			t.Cleanup(func() { s.Close() })
			defer func() {
				if r := recover(); r != nil {
					f, ok := r.(failure)
					if !ok {
						panic(r)
					}
					t.Fatalf("%s: unexpected error: %v", f.line, f.err)
				}
			}()
			tc.fn(t, &env{Store: s, clock: clock, ctx: context.Background()})
		})
	}
}

type env struct {
	store.Store
	clock *Clock
	ctx   context.Context
}

var tests = []struct {
	name string
	fn   func(t *testing.T, e *env)
}{
	{"a string secret reads back", testStringRoundTrip},
	{"a binary secret reads back byte for byte", testBinaryRoundTrip},
	{"names are 1 to 512 letters digits and /_+=.@-", testNames},
	{"the ARN has the six-character suffix", testARN},
	{"a secret is found by name, full ARN and partial ARN", testLookup},
	{"an unknown secret is ResourceNotFoundException", testNotFound},
	{"a second secret with the same name is ResourceExistsException", testCreateExists},
	{"repeating CreateSecret with the same token and value is a no-op", testCreateIdempotent},
	{"a value is 1 to 65536 bytes and not both string and binary", testValueLimits},
	{"description and tags are validated", testMetadataLimits},
	{"a secret created without a value has no versions", testCreateWithoutValue},
	{"putting a value moves AWSCURRENT and AWSPREVIOUS follows", testPutMovesCurrent},
	{"a version put as AWSPENDING leaves AWSCURRENT alone", testPutPending},
	{"a ClientRequestToken is 32 to 64 characters", testTokenLength},
	{"repeating a token with the same value is a no-op and with another value an error", testTokenIdempotency},
	{"reads select a version by id, by stage or both", testResolve},
	{"moving AWSCURRENT needs RemoveFromVersionId and moves AWSPREVIOUS", testUpdateStageCurrent},
	{"AWSCURRENT can't be removed without moving it", testRemoveCurrent},
	{"custom labels attach, move and detach", testCustomLabels},
	{"a version holds at most 20 labels", testLabelLimit},
	{"versions that lose every label are deprecated and only the newest 100 kept", testDeprecated},
	{"the recovery window is 7 to 30 days, 30 by default", testDeleteWindow},
	{"a secret scheduled for deletion can't be read and keeps its name", testDeletedReads},
	{"RestoreSecret brings a deleted secret back", testRestore},
	{"ForceDeleteWithoutRecovery frees the name at once", testForceDelete},
	{"purge removes secrets whose recovery window has passed", testPurge},
	{"UpdateSecret changes metadata and puts a new current version", testUpdateSecret},
	{"tags are added, replaced and removed", testTags},
	{"ListSecrets filters by name, description, tags and all, with negation", testListFilters},
	{"ListSecrets pages with MaxResults and NextToken and sorts", testListPaging},
	{"ListSecrets hides deleted secrets unless asked", testListDeleted},
	{"ListSecretVersionIds lists newest first and pages", testListVersions},
	{"a resource policy is put, read back and deleted", testResourcePolicy},
	{"RotateSecret stores the rotation configuration and CancelRotateSecret turns it off", testRotationConfig},
}

// ---- helpers ----

func str(s string) *string { return &s }

func token(i int) string { return fmt.Sprintf("%032d", i) }

func wantCode(t *testing.T, err error, code string) {
	t.Helper()
	if got := secret.Code(err); got != code {
		t.Fatalf("error code: got %q (%v), want %q", got, err, code)
	}
}

// failure carries an unexpected error from must to the subtest, which
// reports it with the line it came from.
type failure struct {
	err  error
	line string
}

func must[T any](v T, err error) T {
	if err != nil {
		_, file, line, _ := runtime.Caller(1)
		panic(failure{err, fmt.Sprintf("%s:%d", filepath.Base(file), line)})
	}
	return v
}

func (e *env) create(t *testing.T, name, value string) *store.CreateSecretOutput {
	t.Helper()
	return must(e.CreateSecret(e.ctx, &store.CreateSecretInput{Name: name, SecretString: str(value)}))
}

func (e *env) get(t *testing.T, id, versionID, stage string) *store.GetSecretValueOutput {
	t.Helper()
	return must(e.GetSecretValue(e.ctx, &store.GetSecretValueInput{SecretId: id, VersionId: versionID, VersionStage: stage}))
}

func (e *env) put(t *testing.T, id, value, tok string, stages ...string) *store.PutSecretValueOutput {
	t.Helper()
	return must(e.PutSecretValue(e.ctx, &store.PutSecretValueInput{SecretId: id, SecretString: str(value), ClientRequestToken: tok, VersionStages: stages}))
}

func (e *env) stages(t *testing.T, id string) map[string][]string {
	t.Helper()
	d := must(e.DescribeSecret(e.ctx, &store.DescribeSecretInput{SecretId: id}))
	m := map[string][]string{}
	for k, v := range d.VersionIdsToStages {
		v = slices.Clone(v)
		sort.Strings(v)
		m[k] = v
	}
	return m
}

func wantStages(t *testing.T, got map[string][]string, versionID string, want ...string) {
	t.Helper()
	sort.Strings(want)
	g := got[versionID]
	if len(want) == 0 && len(g) == 0 {
		return
	}
	if !slices.Equal(g, want) {
		t.Fatalf("stages of %s: got %v, want %v", versionID, g, want)
	}
}

func sameValue(t *testing.T, got *store.GetSecretValueOutput, want string) {
	t.Helper()
	if got.SecretString == nil || *got.SecretString != want {
		t.Fatalf("value of %s: mismatch (got %d bytes, want %d)", got.Name, lenOf(got.SecretString), len(want))
	}
}

func lenOf(s *string) int {
	if s == nil {
		return -1
	}
	return len(*s)
}

// ---- tests ----

func testStringRoundTrip(t *testing.T, e *env) {
	c := e.create(t, "staging/myapp/mysql/mysql-root-password", "s3cr3t-!#$%&*()")
	if c.Name != "staging/myapp/mysql/mysql-root-password" || c.VersionId == "" {
		t.Fatalf("create: got name %q version %q", c.Name, c.VersionId)
	}
	g := e.get(t, c.Name, "", "")
	sameValue(t, g, "s3cr3t-!#$%&*()")
	if g.VersionId != c.VersionId || !slices.Equal(g.VersionStages, []string{secret.StageCurrent}) {
		t.Fatalf("get: got version %q stages %v, want %q [AWSCURRENT]", g.VersionId, g.VersionStages, c.VersionId)
	}
	if g.SecretBinary != nil {
		t.Fatalf("get: a string secret came back with SecretBinary")
	}
	if g.CreatedDate.IsZero() || g.ARN != c.ARN {
		t.Fatalf("get: got ARN %q created %v, want %q and a date", g.ARN, g.CreatedDate, c.ARN)
	}
}

func testBinaryRoundTrip(t *testing.T, e *env) {
	val := []byte{0, 1, 2, 0xff, 0xfe, '\n', 0}
	c := must(e.CreateSecret(e.ctx, &store.CreateSecretInput{Name: "bin", SecretBinary: val}))
	g := e.get(t, c.ARN, "", "")
	if !bytes.Equal(g.SecretBinary, val) || g.SecretString != nil {
		t.Fatalf("binary value: mismatch (got %d bytes, string set %v)", len(g.SecretBinary), g.SecretString != nil)
	}
}

func testNames(t *testing.T, e *env) {
	good := []string{"a", "staging/myapp/mysql/mysql-user-password", "A_b+c=d.e@f-g/h", strings.Repeat("n", 512)}
	for _, n := range good {
		if _, err := e.CreateSecret(e.ctx, &store.CreateSecretInput{Name: n, SecretString: str("v")}); err != nil {
			t.Errorf("name %.40q: got %v, want accepted", n, err)
		}
	}
	bad := []string{"", strings.Repeat("n", 513), "has space", "semi;colon", "quote'", "star*", "colon:x", "ünïcode"}
	for _, n := range bad {
		_, err := e.CreateSecret(e.ctx, &store.CreateSecretInput{Name: n, SecretString: str("v")})
		if secret.Code(err) != secret.CodeInvalidParameter {
			t.Errorf("name %.40q: got %v, want InvalidParameterException", n, err)
		}
	}
}

var arnPattern = regexp.MustCompile(`^arn:[a-z-]+:secretsmanager:[a-z0-9-]+:\d{12}:secret:(.+)-[A-Za-z0-9]{6}$`)

func testARN(t *testing.T, e *env) {
	c := e.create(t, "prod/app/db", "v")
	m := arnPattern.FindStringSubmatch(c.ARN)
	if m == nil || m[1] != "prod/app/db" {
		t.Fatalf("ARN %q: want arn:<partition>:secretsmanager:<region>:<account>:secret:prod/app/db-XXXXXX", c.ARN)
	}
	// A new secret with the same name after a forced delete gets a new ARN.
	must(e.DeleteSecret(e.ctx, &store.DeleteSecretInput{SecretId: c.ARN, ForceDeleteWithoutRecovery: true}))
	c2 := e.create(t, "prod/app/db", "v")
	if c2.ARN == c.ARN {
		t.Fatalf("a re-created secret reused ARN %q", c.ARN)
	}
	if _, err := e.GetSecretValue(e.ctx, &store.GetSecretValueInput{SecretId: c.ARN}); secret.Code(err) != secret.CodeResourceNotFound {
		t.Fatalf("old full ARN after re-create: got %v, want ResourceNotFoundException", err)
	}
}

func testLookup(t *testing.T, e *env) {
	c := e.create(t, "team/svc", "value-1")
	e.create(t, "team/svc2", "value-2")
	partial := strings.TrimSuffix(c.ARN, c.ARN[len(c.ARN)-7:])
	for _, id := range []string{"team/svc", c.ARN, partial} {
		g := e.get(t, id, "", "")
		if g.ARN != c.ARN {
			t.Errorf("lookup %q: got %q, want %q", id, g.ARN, c.ARN)
		}
	}
	other := strings.Replace(c.ARN, ":secret:", ":secret:x", 1)
	if _, err := e.GetSecretValue(e.ctx, &store.GetSecretValueInput{SecretId: other}); secret.Code(err) != secret.CodeResourceNotFound {
		t.Fatalf("lookup of a different ARN: got %v, want ResourceNotFoundException", err)
	}
	if _, err := e.GetSecretValue(e.ctx, &store.GetSecretValueInput{SecretId: "team/sv"}); secret.Code(err) != secret.CodeResourceNotFound {
		t.Fatalf("lookup of a name prefix: got %v, want ResourceNotFoundException", err)
	}
}

func testNotFound(t *testing.T, e *env) {
	_, err := e.GetSecretValue(e.ctx, &store.GetSecretValueInput{SecretId: "nope"})
	wantCode(t, err, secret.CodeResourceNotFound)
	_, err = e.DescribeSecret(e.ctx, &store.DescribeSecretInput{SecretId: "nope"})
	wantCode(t, err, secret.CodeResourceNotFound)
	_, err = e.PutSecretValue(e.ctx, &store.PutSecretValueInput{SecretId: "nope", SecretString: str("x")})
	wantCode(t, err, secret.CodeResourceNotFound)
	_, err = e.DeleteSecret(e.ctx, &store.DeleteSecretInput{SecretId: "nope"})
	wantCode(t, err, secret.CodeResourceNotFound)
}

func testCreateExists(t *testing.T, e *env) {
	e.create(t, "dup", "a")
	_, err := e.CreateSecret(e.ctx, &store.CreateSecretInput{Name: "dup", SecretString: str("b")})
	wantCode(t, err, secret.CodeResourceExists)
	sameValue(t, e.get(t, "dup", "", ""), "a")
}

func testCreateIdempotent(t *testing.T, e *env) {
	in := &store.CreateSecretInput{Name: "idem", SecretString: str("a"), ClientRequestToken: token(1)}
	c1 := must(e.CreateSecret(e.ctx, in))
	c2 := must(e.CreateSecret(e.ctx, in))
	if c1.ARN != c2.ARN || c2.VersionId != token(1) {
		t.Fatalf("repeat: got %q/%q, want %q/%q", c2.ARN, c2.VersionId, c1.ARN, token(1))
	}
	_, err := e.CreateSecret(e.ctx, &store.CreateSecretInput{Name: "idem", SecretString: str("b"), ClientRequestToken: token(1)})
	wantCode(t, err, secret.CodeResourceExists)
	if n := len(e.stages(t, "idem")); n != 1 {
		t.Fatalf("versions after repeats: got %d, want 1", n)
	}
}

func testValueLimits(t *testing.T, e *env) {
	must(e.CreateSecret(e.ctx, &store.CreateSecretInput{Name: "max", SecretString: str(strings.Repeat("x", 65536))}))
	_, err := e.CreateSecret(e.ctx, &store.CreateSecretInput{Name: "over", SecretString: str(strings.Repeat("x", 65537))})
	wantCode(t, err, secret.CodeInvalidParameter)
	_, err = e.CreateSecret(e.ctx, &store.CreateSecretInput{Name: "overbin", SecretBinary: make([]byte, 65537)})
	wantCode(t, err, secret.CodeInvalidParameter)
	_, err = e.CreateSecret(e.ctx, &store.CreateSecretInput{Name: "both", SecretString: str("x"), SecretBinary: []byte("y")})
	wantCode(t, err, secret.CodeInvalidParameter)
	_, err = e.PutSecretValue(e.ctx, &store.PutSecretValueInput{SecretId: "max"})
	wantCode(t, err, secret.CodeInvalidParameter)
	for _, n := range []string{"over", "overbin", "both"} {
		_, err := e.DescribeSecret(e.ctx, &store.DescribeSecretInput{SecretId: n})
		wantCode(t, err, secret.CodeResourceNotFound)
	}
}

func testMetadataLimits(t *testing.T, e *env) {
	_, err := e.CreateSecret(e.ctx, &store.CreateSecretInput{Name: "d", SecretString: str("v"), Description: strings.Repeat("d", 2049)})
	wantCode(t, err, secret.CodeInvalidParameter)
	var tags []secret.Tag
	for i := range 51 {
		tags = append(tags, secret.Tag{Key: fmt.Sprintf("k%d", i), Value: "v"})
	}
	_, err = e.CreateSecret(e.ctx, &store.CreateSecretInput{Name: "t", SecretString: str("v"), Tags: tags})
	wantCode(t, err, secret.CodeLimitExceeded)
	must(e.CreateSecret(e.ctx, &store.CreateSecretInput{Name: "t50", SecretString: str("v"), Tags: tags[:50], Description: "fifty tags"}))
	_, err = e.CreateSecret(e.ctx, &store.CreateSecretInput{Name: "aws", SecretString: str("v"), Tags: []secret.Tag{{Key: "aws:reserved", Value: "x"}}})
	wantCode(t, err, secret.CodeInvalidParameter)
	d := must(e.DescribeSecret(e.ctx, &store.DescribeSecretInput{SecretId: "t50"}))
	if len(d.Tags) != 50 || d.Description != "fifty tags" {
		t.Fatalf("describe: got %d tags and description %q, want 50 and %q", len(d.Tags), d.Description, "fifty tags")
	}
}

func testCreateWithoutValue(t *testing.T, e *env) {
	c := must(e.CreateSecret(e.ctx, &store.CreateSecretInput{Name: "empty", Description: "later"}))
	if c.VersionId != "" {
		t.Fatalf("create without value: got version %q, want none", c.VersionId)
	}
	_, err := e.GetSecretValue(e.ctx, &store.GetSecretValueInput{SecretId: "empty"})
	wantCode(t, err, secret.CodeResourceNotFound)
	// The first version becomes AWSCURRENT even when put as AWSPENDING.
	p := e.put(t, "empty", "first", "", secret.StagePending)
	wantStages(t, e.stages(t, "empty"), p.VersionId, secret.StageCurrent, secret.StagePending)
	sameValue(t, e.get(t, "empty", "", ""), "first")
}

func testPutMovesCurrent(t *testing.T, e *env) {
	c := e.create(t, "rot", "v1")
	p2 := e.put(t, "rot", "v2", "")
	st := e.stages(t, "rot")
	wantStages(t, st, p2.VersionId, secret.StageCurrent)
	wantStages(t, st, c.VersionId, secret.StagePrevious)
	p3 := e.put(t, "rot", "v3", "")
	st = e.stages(t, "rot")
	wantStages(t, st, p3.VersionId, secret.StageCurrent)
	wantStages(t, st, p2.VersionId, secret.StagePrevious)
	if _, ok := st[c.VersionId]; ok {
		t.Fatalf("the first version should be deprecated (no labels), got %v", st[c.VersionId])
	}
	sameValue(t, e.get(t, "rot", "", secret.StagePrevious), "v2")
	sameValue(t, e.get(t, "rot", "", ""), "v3")
	// The deprecated version still reads by id.
	sameValue(t, e.get(t, "rot", c.VersionId, ""), "v1")
}

func testPutPending(t *testing.T, e *env) {
	c := e.create(t, "pend", "v1")
	p := e.put(t, "pend", "v2", token(7), secret.StagePending)
	st := e.stages(t, "pend")
	wantStages(t, st, c.VersionId, secret.StageCurrent)
	wantStages(t, st, token(7), secret.StagePending)
	if p.VersionId != token(7) {
		t.Fatalf("version id: got %q, want the token", p.VersionId)
	}
	sameValue(t, e.get(t, "pend", "", secret.StagePending), "v2")
	sameValue(t, e.get(t, "pend", "", ""), "v1")
}

func testTokenLength(t *testing.T, e *env) {
	e.create(t, "tok", "v")
	for _, tok := range []string{strings.Repeat("a", 31), strings.Repeat("a", 65)} {
		_, err := e.PutSecretValue(e.ctx, &store.PutSecretValueInput{SecretId: "tok", SecretString: str("x"), ClientRequestToken: tok})
		wantCode(t, err, secret.CodeInvalidParameter)
	}
	for _, tok := range []string{strings.Repeat("a", 32), strings.Repeat("b", 64)} {
		e.put(t, "tok", "x"+tok, tok)
	}
}

func testTokenIdempotency(t *testing.T, e *env) {
	e.create(t, "idem", "v1")
	p1 := e.put(t, "idem", "v2", token(2))
	p2 := e.put(t, "idem", "v2", token(2))
	if p1.VersionId != p2.VersionId {
		t.Fatalf("repeat: got version %q, want %q", p2.VersionId, p1.VersionId)
	}
	if n := len(e.stages(t, "idem")); n != 2 {
		t.Fatalf("labelled versions after a repeated put: got %d, want 2", n)
	}
	_, err := e.PutSecretValue(e.ctx, &store.PutSecretValueInput{SecretId: "idem", SecretString: str("other"), ClientRequestToken: token(2)})
	wantCode(t, err, secret.CodeResourceExists)
	_, err = e.PutSecretValue(e.ctx, &store.PutSecretValueInput{SecretId: "idem", SecretBinary: []byte("v2"), ClientRequestToken: token(2)})
	wantCode(t, err, secret.CodeResourceExists)
	sameValue(t, e.get(t, "idem", token(2), ""), "v2")
}

func testResolve(t *testing.T, e *env) {
	c := e.create(t, "res", "v1")
	e.put(t, "res", "v2", token(3), secret.StagePending)
	sameValue(t, e.get(t, "res", c.VersionId, ""), "v1")
	sameValue(t, e.get(t, "res", token(3), secret.StagePending), "v2")
	_, err := e.GetSecretValue(e.ctx, &store.GetSecretValueInput{SecretId: "res", VersionId: c.VersionId, VersionStage: secret.StagePending})
	wantCode(t, err, secret.CodeInvalidParameter)
	_, err = e.GetSecretValue(e.ctx, &store.GetSecretValueInput{SecretId: "res", VersionStage: "NOPE"})
	wantCode(t, err, secret.CodeResourceNotFound)
	_, err = e.GetSecretValue(e.ctx, &store.GetSecretValueInput{SecretId: "res", VersionId: token(99)})
	wantCode(t, err, secret.CodeResourceNotFound)
}

func testUpdateStageCurrent(t *testing.T, e *env) {
	c := e.create(t, "st", "v1")
	e.put(t, "st", "v2", token(4), secret.StagePending)
	_, err := e.UpdateSecretVersionStage(e.ctx, &store.UpdateSecretVersionStageInput{SecretId: "st", VersionStage: secret.StageCurrent, MoveToVersionId: token(4)})
	wantCode(t, err, secret.CodeInvalidParameter)
	_, err = e.UpdateSecretVersionStage(e.ctx, &store.UpdateSecretVersionStageInput{SecretId: "st", VersionStage: secret.StageCurrent, MoveToVersionId: token(4), RemoveFromVersionId: token(4)})
	wantCode(t, err, secret.CodeInvalidParameter)
	must(e.UpdateSecretVersionStage(e.ctx, &store.UpdateSecretVersionStageInput{SecretId: "st", VersionStage: secret.StageCurrent, MoveToVersionId: token(4), RemoveFromVersionId: c.VersionId}))
	st := e.stages(t, "st")
	wantStages(t, st, token(4), secret.StageCurrent, secret.StagePending)
	wantStages(t, st, c.VersionId, secret.StagePrevious)
	sameValue(t, e.get(t, "st", "", ""), "v2")
	// finishSecret's last step: drop AWSPENDING.
	must(e.UpdateSecretVersionStage(e.ctx, &store.UpdateSecretVersionStageInput{SecretId: "st", VersionStage: secret.StagePending, RemoveFromVersionId: token(4)}))
	wantStages(t, e.stages(t, "st"), token(4), secret.StageCurrent)
	// Rolling back: AWSCURRENT to the previous version, which loses AWSPREVIOUS.
	must(e.UpdateSecretVersionStage(e.ctx, &store.UpdateSecretVersionStageInput{SecretId: "st", VersionStage: secret.StageCurrent, MoveToVersionId: c.VersionId, RemoveFromVersionId: token(4)}))
	st = e.stages(t, "st")
	wantStages(t, st, c.VersionId, secret.StageCurrent)
	wantStages(t, st, token(4), secret.StagePrevious)
	_, err = e.UpdateSecretVersionStage(e.ctx, &store.UpdateSecretVersionStageInput{SecretId: "st", VersionStage: secret.StageCurrent, MoveToVersionId: token(55), RemoveFromVersionId: c.VersionId})
	wantCode(t, err, secret.CodeResourceNotFound)
}

func testRemoveCurrent(t *testing.T, e *env) {
	c := e.create(t, "rc", "v1")
	_, err := e.UpdateSecretVersionStage(e.ctx, &store.UpdateSecretVersionStageInput{SecretId: "rc", VersionStage: secret.StageCurrent, RemoveFromVersionId: c.VersionId})
	wantCode(t, err, secret.CodeInvalidParameter)
	wantStages(t, e.stages(t, "rc"), c.VersionId, secret.StageCurrent)
	_, err = e.UpdateSecretVersionStage(e.ctx, &store.UpdateSecretVersionStageInput{SecretId: "rc", VersionStage: secret.StageCurrent})
	wantCode(t, err, secret.CodeInvalidParameter)
}

func testCustomLabels(t *testing.T, e *env) {
	c := e.create(t, "cl", "v1")
	p := e.put(t, "cl", "v2", "")
	must(e.UpdateSecretVersionStage(e.ctx, &store.UpdateSecretVersionStageInput{SecretId: "cl", VersionStage: "blue", MoveToVersionId: c.VersionId}))
	wantStages(t, e.stages(t, "cl"), c.VersionId, secret.StagePrevious, "blue")
	_, err := e.UpdateSecretVersionStage(e.ctx, &store.UpdateSecretVersionStageInput{SecretId: "cl", VersionStage: "blue", MoveToVersionId: p.VersionId})
	wantCode(t, err, secret.CodeInvalidParameter)
	must(e.UpdateSecretVersionStage(e.ctx, &store.UpdateSecretVersionStageInput{SecretId: "cl", VersionStage: "blue", MoveToVersionId: p.VersionId, RemoveFromVersionId: c.VersionId}))
	st := e.stages(t, "cl")
	wantStages(t, st, p.VersionId, secret.StageCurrent, "blue")
	wantStages(t, st, c.VersionId, secret.StagePrevious)
	sameValue(t, e.get(t, "cl", "", "blue"), "v2")
	must(e.UpdateSecretVersionStage(e.ctx, &store.UpdateSecretVersionStageInput{SecretId: "cl", VersionStage: "blue", RemoveFromVersionId: p.VersionId}))
	wantStages(t, e.stages(t, "cl"), p.VersionId, secret.StageCurrent)
	_, err = e.UpdateSecretVersionStage(e.ctx, &store.UpdateSecretVersionStageInput{SecretId: "cl", VersionStage: "blue", RemoveFromVersionId: p.VersionId})
	wantCode(t, err, secret.CodeInvalidParameter)
}

func testLabelLimit(t *testing.T, e *env) {
	c := e.create(t, "ll", "v1")
	for i := 1; i < 20; i++ {
		must(e.UpdateSecretVersionStage(e.ctx, &store.UpdateSecretVersionStageInput{SecretId: "ll", VersionStage: fmt.Sprintf("L%d", i), MoveToVersionId: c.VersionId}))
	}
	_, err := e.UpdateSecretVersionStage(e.ctx, &store.UpdateSecretVersionStageInput{SecretId: "ll", VersionStage: "L20", MoveToVersionId: c.VersionId})
	wantCode(t, err, secret.CodeLimitExceeded)
	var many []string
	for i := range 21 {
		many = append(many, fmt.Sprintf("S%d", i))
	}
	_, err = e.PutSecretValue(e.ctx, &store.PutSecretValueInput{SecretId: "ll", SecretString: str("x"), VersionStages: many})
	wantCode(t, err, secret.CodeLimitExceeded)
}

func testDeprecated(t *testing.T, e *env) {
	c := e.create(t, "dep", "v0")
	var ids []string
	ids = append(ids, c.VersionId)
	for i := 1; i <= 105; i++ {
		ids = append(ids, e.put(t, "dep", fmt.Sprintf("v%d", i), "").VersionId)
	}
	// 106 versions: AWSCURRENT, AWSPREVIOUS and 104 deprecated, of which
	// the oldest 4 are gone.
	l := must(e.ListSecretVersionIds(e.ctx, &store.ListSecretVersionIdsInput{SecretId: "dep", IncludeDeprecated: true}))
	all := map[string]bool{}
	for _, v := range l.Versions {
		all[v.VersionId] = true
	}
	for _, id := range ids[:4] {
		if all[id] {
			t.Fatalf("deprecated version %s should have been removed", id)
		}
	}
	// MaxResults defaults to 100: count the second page too.
	total := len(l.Versions)
	next := l.NextToken
	for next != "" {
		p := must(e.ListSecretVersionIds(e.ctx, &store.ListSecretVersionIdsInput{SecretId: "dep", IncludeDeprecated: true, NextToken: next}))
		for _, v := range p.Versions {
			all[v.VersionId] = true
		}
		total += len(p.Versions)
		next = p.NextToken
	}
	if total != 102 || !all[ids[4]] {
		t.Fatalf("versions kept: got %d (oldest kept present: %v), want 102 (100 deprecated + current + previous)", total, all[ids[4]])
	}
	l2 := must(e.ListSecretVersionIds(e.ctx, &store.ListSecretVersionIdsInput{SecretId: "dep"}))
	if len(l2.Versions) != 2 {
		t.Fatalf("versions without IncludeDeprecated: got %d, want 2", len(l2.Versions))
	}
}

func testDeleteWindow(t *testing.T, e *env) {
	e.create(t, "w", "v")
	for _, d := range []int{6, 31, -1} {
		_, err := e.DeleteSecret(e.ctx, &store.DeleteSecretInput{SecretId: "w", RecoveryWindowInDays: d})
		wantCode(t, err, secret.CodeInvalidParameter)
	}
	_, err := e.DeleteSecret(e.ctx, &store.DeleteSecretInput{SecretId: "w", RecoveryWindowInDays: 7, ForceDeleteWithoutRecovery: true})
	wantCode(t, err, secret.CodeInvalidParameter)
	e.get(t, "w", "", "") // bad requests changed nothing
	d := must(e.DeleteSecret(e.ctx, &store.DeleteSecretInput{SecretId: "w"}))
	if e.clock.Controllable {
		if want := e.clock.Now().Add(30 * 24 * time.Hour); !d.DeletionDate.Equal(want) {
			t.Fatalf("deletion date: got %v, want %v", d.DeletionDate, want)
		}
	}
	e.create(t, "w7", "v")
	d7 := must(e.DeleteSecret(e.ctx, &store.DeleteSecretInput{SecretId: "w7", RecoveryWindowInDays: 7}))
	if got := d7.DeletionDate.Sub(d.DeletionDate); e.clock.Controllable && got != -23*24*time.Hour {
		t.Fatalf("7-day window: deletion date %v, 23 days before the 30-day one; got %v apart", d7.DeletionDate, got)
	}
}

func testDeletedReads(t *testing.T, e *env) {
	e.create(t, "gone", "v")
	must(e.DeleteSecret(e.ctx, &store.DeleteSecretInput{SecretId: "gone", RecoveryWindowInDays: 7}))
	_, err := e.GetSecretValue(e.ctx, &store.GetSecretValueInput{SecretId: "gone"})
	wantCode(t, err, secret.CodeInvalidRequest)
	_, err = e.PutSecretValue(e.ctx, &store.PutSecretValueInput{SecretId: "gone", SecretString: str("x")})
	wantCode(t, err, secret.CodeInvalidRequest)
	_, err = e.CreateSecret(e.ctx, &store.CreateSecretInput{Name: "gone", SecretString: str("x")})
	wantCode(t, err, secret.CodeInvalidRequest)
	_, err = e.DeleteSecret(e.ctx, &store.DeleteSecretInput{SecretId: "gone"})
	wantCode(t, err, secret.CodeInvalidRequest)
	d := must(e.DescribeSecret(e.ctx, &store.DescribeSecretInput{SecretId: "gone"}))
	if d.DeletedDate == nil {
		t.Fatalf("describe of a deleted secret: no DeletedDate")
	}
}

func testRestore(t *testing.T, e *env) {
	e.create(t, "back", "v")
	must(e.DeleteSecret(e.ctx, &store.DeleteSecretInput{SecretId: "back"}))
	r := must(e.RestoreSecret(e.ctx, &store.RestoreSecretInput{SecretId: "back"}))
	if r.Name != "back" {
		t.Fatalf("restore: got name %q", r.Name)
	}
	sameValue(t, e.get(t, "back", "", ""), "v")
	if d := must(e.DescribeSecret(e.ctx, &store.DescribeSecretInput{SecretId: "back"})); d.DeletedDate != nil {
		t.Fatalf("restored secret still has DeletedDate %v", d.DeletedDate)
	}
	_, err := e.RestoreSecret(e.ctx, &store.RestoreSecretInput{SecretId: "never"})
	wantCode(t, err, secret.CodeResourceNotFound)
}

func testForceDelete(t *testing.T, e *env) {
	e.create(t, "now", "v1")
	must(e.DeleteSecret(e.ctx, &store.DeleteSecretInput{SecretId: "now", ForceDeleteWithoutRecovery: true}))
	_, err := e.DescribeSecret(e.ctx, &store.DescribeSecretInput{SecretId: "now"})
	wantCode(t, err, secret.CodeResourceNotFound)
	_, err = e.RestoreSecret(e.ctx, &store.RestoreSecretInput{SecretId: "now"})
	wantCode(t, err, secret.CodeResourceNotFound)
	e.create(t, "now", "v2")
	sameValue(t, e.get(t, "now", "", ""), "v2")
	// A secret already scheduled for deletion can still be force-deleted.
	must(e.DeleteSecret(e.ctx, &store.DeleteSecretInput{SecretId: "now"}))
	must(e.DeleteSecret(e.ctx, &store.DeleteSecretInput{SecretId: "now", ForceDeleteWithoutRecovery: true}))
	_, err = e.DescribeSecret(e.ctx, &store.DescribeSecretInput{SecretId: "now"})
	wantCode(t, err, secret.CodeResourceNotFound)
}

func testPurge(t *testing.T, e *env) {
	if !e.clock.Controllable {
		t.Skip("the backend does not read the test clock")
	}
	e.create(t, "p7", "v")
	e.create(t, "p30", "v")
	e.create(t, "keep", "v")
	must(e.DeleteSecret(e.ctx, &store.DeleteSecretInput{SecretId: "p7", RecoveryWindowInDays: 7}))
	must(e.DeleteSecret(e.ctx, &store.DeleteSecretInput{SecretId: "p30"}))
	if got := must(e.Purge(e.ctx, e.clock.Now().Add(6*24*time.Hour))); len(got) != 0 {
		t.Fatalf("purge after 6 days: got %v, want nothing", got)
	}
	got := must(e.Purge(e.ctx, e.clock.Now().Add(7*24*time.Hour)))
	if len(got) != 1 || !strings.Contains(got[0], ":secret:p7-") {
		t.Fatalf("purge after 7 days: got %v, want p7 only", got)
	}
	_, err := e.DescribeSecret(e.ctx, &store.DescribeSecretInput{SecretId: "p7"})
	wantCode(t, err, secret.CodeResourceNotFound)
	e.create(t, "p7", "again")
	got = must(e.Purge(e.ctx, e.clock.Now().Add(31*24*time.Hour)))
	if len(got) != 1 || !strings.Contains(got[0], ":secret:p30-") {
		t.Fatalf("purge after 31 days: got %v, want p30 only", got)
	}
	sameValue(t, e.get(t, "keep", "", ""), "v")
	sameValue(t, e.get(t, "p7", "", ""), "again")
}

func testUpdateSecret(t *testing.T, e *env) {
	c := e.create(t, "up", "v1")
	must(e.UpdateSecret(e.ctx, &store.UpdateSecretInput{SecretId: "up", Description: str("new description"), KmsKeyId: str("alias/mine")}))
	d := must(e.DescribeSecret(e.ctx, &store.DescribeSecretInput{SecretId: "up"}))
	if d.Description != "new description" || d.KmsKeyId != "alias/mine" {
		t.Fatalf("describe: got %q %q", d.Description, d.KmsKeyId)
	}
	if len(d.VersionIdsToStages) != 1 {
		t.Fatalf("a metadata update made a version: %v", d.VersionIdsToStages)
	}
	u := must(e.UpdateSecret(e.ctx, &store.UpdateSecretInput{SecretId: "up", SecretString: str("v2")}))
	st := e.stages(t, "up")
	wantStages(t, st, u.VersionId, secret.StageCurrent)
	wantStages(t, st, c.VersionId, secret.StagePrevious)
	sameValue(t, e.get(t, "up", "", ""), "v2")
	_, err := e.UpdateSecret(e.ctx, &store.UpdateSecretInput{SecretId: "up", Description: str(strings.Repeat("x", 2049))})
	wantCode(t, err, secret.CodeInvalidParameter)
}

func testTags(t *testing.T, e *env) {
	must(e.CreateSecret(e.ctx, &store.CreateSecretInput{Name: "tg", SecretString: str("v"), Tags: []secret.Tag{{Key: "env", Value: "staging"}}}))
	if err := e.TagResource(e.ctx, &store.TagResourceInput{SecretId: "tg", Tags: []secret.Tag{{Key: "env", Value: "prod"}, {Key: "team", Value: "db"}}}); err != nil {
		t.Fatal(err)
	}
	d := must(e.DescribeSecret(e.ctx, &store.DescribeSecretInput{SecretId: "tg"}))
	if !slices.Contains(d.Tags, secret.Tag{Key: "env", Value: "prod"}) || !slices.Contains(d.Tags, secret.Tag{Key: "team", Value: "db"}) || len(d.Tags) != 2 {
		t.Fatalf("tags: got %v, want env=prod team=db", d.Tags)
	}
	if err := e.UntagResource(e.ctx, &store.UntagResourceInput{SecretId: "tg", TagKeys: []string{"env", "absent"}}); err != nil {
		t.Fatal(err)
	}
	d = must(e.DescribeSecret(e.ctx, &store.DescribeSecretInput{SecretId: "tg"}))
	if len(d.Tags) != 1 || d.Tags[0].Key != "team" {
		t.Fatalf("tags after untag: got %v, want team=db", d.Tags)
	}
	var many []secret.Tag
	for i := range 50 {
		many = append(many, secret.Tag{Key: fmt.Sprintf("k%d", i)})
	}
	wantCode(t, e.TagResource(e.ctx, &store.TagResourceInput{SecretId: "tg", Tags: many}), secret.CodeLimitExceeded)
	wantCode(t, e.TagResource(e.ctx, &store.TagResourceInput{SecretId: "nope", Tags: many[:1]}), secret.CodeResourceNotFound)
}

func names(l *store.ListSecretsOutput) []string {
	var n []string
	for _, s := range l.SecretList {
		n = append(n, s.Name)
	}
	sort.Strings(n)
	return n
}

func testListFilters(t *testing.T, e *env) {
	must(e.CreateSecret(e.ctx, &store.CreateSecretInput{Name: "staging/app/db", SecretString: str("v"), Description: "MySQL root password", Tags: []secret.Tag{{Key: "env", Value: "staging"}}}))
	must(e.CreateSecret(e.ctx, &store.CreateSecretInput{Name: "prod/app/db", SecretString: str("v"), Description: "mysql user", Tags: []secret.Tag{{Key: "env", Value: "prod"}, {Key: "Owner", Value: "dbteam"}}}))
	must(e.CreateSecret(e.ctx, &store.CreateSecretInput{Name: "prod/api/key", SecretString: str("v")}))
	cases := []struct {
		filters []store.Filter
		want    []string
	}{
		{nil, []string{"prod/api/key", "prod/app/db", "staging/app/db"}},
		{[]store.Filter{{Key: "name", Values: []string{"prod/"}}}, []string{"prod/api/key", "prod/app/db"}},
		{[]store.Filter{{Key: "name", Values: []string{"Prod/"}}}, nil},
		{[]store.Filter{{Key: "name", Values: []string{"!prod/"}}}, []string{"staging/app/db"}},
		{[]store.Filter{{Key: "name", Values: []string{"prod/", "staging/"}}}, []string{"prod/api/key", "prod/app/db", "staging/app/db"}},
		{[]store.Filter{{Key: "description", Values: []string{"mysql"}}}, []string{"prod/app/db", "staging/app/db"}},
		{[]store.Filter{{Key: "tag-key", Values: []string{"Own"}}}, []string{"prod/app/db"}},
		{[]store.Filter{{Key: "tag-value", Values: []string{"stag"}}}, []string{"staging/app/db"}},
		{[]store.Filter{{Key: "tag-key", Values: []string{"env"}}, {Key: "name", Values: []string{"prod"}}}, []string{"prod/app/db"}},
		{[]store.Filter{{Key: "all", Values: []string{"dbteam"}}}, []string{"prod/app/db"}},
		{[]store.Filter{{Key: "all", Values: []string{"KEY"}}}, []string{"prod/api/key"}},
	}
	for _, c := range cases {
		l := must(e.ListSecrets(e.ctx, &store.ListSecretsInput{Filters: c.filters}))
		if got := names(l); !slices.Equal(got, c.want) {
			t.Errorf("filters %v: got %v, want %v", c.filters, got, c.want)
		}
	}
	_, err := e.ListSecrets(e.ctx, &store.ListSecretsInput{Filters: []store.Filter{{Key: "colour", Values: []string{"x"}}}})
	wantCode(t, err, secret.CodeInvalidParameter)
	_, err = e.ListSecrets(e.ctx, &store.ListSecretsInput{Filters: []store.Filter{{Key: "name"}}})
	wantCode(t, err, secret.CodeInvalidParameter)
}

func testListPaging(t *testing.T, e *env) {
	for i := range 7 {
		e.create(t, fmt.Sprintf("page/%d", i), "v")
		e.clock.Advance(time.Second)
	}
	var got []string
	next := ""
	for pages := 0; ; pages++ {
		if pages > 10 {
			t.Fatal("paging does not end")
		}
		l := must(e.ListSecrets(e.ctx, &store.ListSecretsInput{MaxResults: 3, NextToken: next}))
		if len(l.SecretList) > 3 {
			t.Fatalf("page of %d entries, want at most 3", len(l.SecretList))
		}
		for _, s := range l.SecretList {
			got = append(got, s.Name)
		}
		if next = l.NextToken; next == "" {
			break
		}
	}
	want := []string{"page/0", "page/1", "page/2", "page/3", "page/4", "page/5", "page/6"}
	if !slices.Equal(got, want) {
		t.Fatalf("pages: got %v, want %v", got, want)
	}
	l := must(e.ListSecrets(e.ctx, &store.ListSecretsInput{SortOrder: "desc", MaxResults: 2}))
	if len(l.SecretList) != 2 || l.SecretList[0].Name != "page/6" {
		t.Fatalf("desc: got %v, want page/6 first", names(l))
	}
	_, err := e.ListSecrets(e.ctx, &store.ListSecretsInput{NextToken: "garbage!"})
	wantCode(t, err, secret.CodeInvalidNextToken)
	_, err = e.ListSecrets(e.ctx, &store.ListSecretsInput{MaxResults: 101})
	wantCode(t, err, secret.CodeInvalidParameter)
	_, err = e.ListSecrets(e.ctx, &store.ListSecretsInput{SortOrder: "sideways"})
	wantCode(t, err, secret.CodeInvalidParameter)
}

func testListDeleted(t *testing.T, e *env) {
	e.create(t, "live", "v")
	e.create(t, "dead", "v")
	must(e.DeleteSecret(e.ctx, &store.DeleteSecretInput{SecretId: "dead"}))
	if got := names(must(e.ListSecrets(e.ctx, &store.ListSecretsInput{}))); !slices.Equal(got, []string{"live"}) {
		t.Fatalf("list: got %v, want [live]", got)
	}
	l := must(e.ListSecrets(e.ctx, &store.ListSecretsInput{IncludePlannedDeletion: true}))
	if got := names(l); !slices.Equal(got, []string{"dead", "live"}) {
		t.Fatalf("list with planned deletion: got %v, want [dead live]", got)
	}
	for _, s := range l.SecretList {
		if (s.Name == "dead") != (s.DeletedDate != nil) {
			t.Fatalf("%s: DeletedDate %v", s.Name, s.DeletedDate)
		}
	}
}

func testListVersions(t *testing.T, e *env) {
	c := e.create(t, "lv", "v0")
	p1 := e.put(t, "lv", "v1", "")
	e.clock.Advance(time.Second)
	p2 := e.put(t, "lv", "v2", "", secret.StagePending)
	l := must(e.ListSecretVersionIds(e.ctx, &store.ListSecretVersionIdsInput{SecretId: "lv", MaxResults: 2}))
	if len(l.Versions) != 2 || l.Versions[0].VersionId != p2.VersionId || l.NextToken == "" {
		t.Fatalf("first page: got %d versions, first %q, token %q; want 2, %q, a token", len(l.Versions), l.Versions[0].VersionId, l.NextToken, p2.VersionId)
	}
	l2 := must(e.ListSecretVersionIds(e.ctx, &store.ListSecretVersionIdsInput{SecretId: "lv", MaxResults: 2, NextToken: l.NextToken}))
	if len(l2.Versions) != 1 || l2.Versions[0].VersionId != c.VersionId || l2.NextToken != "" {
		t.Fatalf("second page: got %+v, want only %q", l2.Versions, c.VersionId)
	}
	_ = p1
	if l.ARN == "" || l.Name != "lv" {
		t.Fatalf("list versions: got ARN %q name %q", l.ARN, l.Name)
	}
}

func testResourcePolicy(t *testing.T, e *env) {
	e.create(t, "rp", "v")
	g := must(e.GetResourcePolicy(e.ctx, &store.GetResourcePolicyInput{SecretId: "rp"}))
	if g.ResourcePolicy != "" || g.Name != "rp" {
		t.Fatalf("policy of a new secret: got %q, want none", g.ResourcePolicy)
	}
	doc := `{"Version":"2012-10-17","Statement":[{"Effect":"Deny","Principal":"*","Action":"secretsmanager:DeleteSecret","Resource":"*"}]}`
	must(e.PutResourcePolicy(e.ctx, &store.PutResourcePolicyInput{SecretId: "rp", ResourcePolicy: doc}))
	if g := must(e.GetResourcePolicy(e.ctx, &store.GetResourcePolicyInput{SecretId: "rp"})); g.ResourcePolicy != doc {
		t.Fatalf("policy read back: got %q, want %q", g.ResourcePolicy, doc)
	}
	must(e.DeleteResourcePolicy(e.ctx, &store.DeleteResourcePolicyInput{SecretId: "rp"}))
	must(e.DeleteResourcePolicy(e.ctx, &store.DeleteResourcePolicyInput{SecretId: "rp"}))
	if g := must(e.GetResourcePolicy(e.ctx, &store.GetResourcePolicyInput{SecretId: "rp"})); g.ResourcePolicy != "" {
		t.Fatalf("policy after delete: got %q, want none", g.ResourcePolicy)
	}
	_, err := e.PutResourcePolicy(e.ctx, &store.PutResourcePolicyInput{SecretId: "rp", ResourcePolicy: ""})
	wantCode(t, err, secret.CodeInvalidParameter)
	_, err = e.PutResourcePolicy(e.ctx, &store.PutResourcePolicyInput{SecretId: "missing", ResourcePolicy: doc})
	wantCode(t, err, secret.CodeResourceNotFound)
	must(e.DeleteSecret(e.ctx, &store.DeleteSecretInput{SecretId: "rp"}))
	_, err = e.PutResourcePolicy(e.ctx, &store.PutResourcePolicyInput{SecretId: "rp", ResourcePolicy: doc})
	wantCode(t, err, secret.CodeInvalidRequest)
}

func testRotationConfig(t *testing.T, e *env) {
	e.create(t, "rot/db", "v")
	days := int64(4)
	_, err := e.RotateSecret(e.ctx, &store.RotateSecretInput{SecretId: "rot/db", RotationRules: &secret.RotationRules{AutomaticallyAfterDays: &days}})
	wantCode(t, err, secret.CodeInvalidRequest) // no rotator
	_, err = e.RotateSecret(e.ctx, &store.RotateSecretInput{SecretId: "rot/db", RotationLambdaARN: "dbwarden:mysql-single-user"})
	wantCode(t, err, secret.CodeInvalidParameter) // no rules the first time
	bad := "rate(2 hours)"
	_, err = e.RotateSecret(e.ctx, &store.RotateSecretInput{SecretId: "rot/db", RotationLambdaARN: "dbwarden:mysql-single-user", RotationRules: &secret.RotationRules{ScheduleExpression: &bad}})
	wantCode(t, err, secret.CodeInvalidParameter)
	if d := must(e.DescribeSecret(e.ctx, &store.DescribeSecretInput{SecretId: "rot/db"})); d.RotationEnabled || d.RotationRules != nil {
		t.Fatalf("refused RotateSecret calls changed the secret: %+v", d)
	}
	rate := "rate(4 days)"
	no := false
	out := must(e.RotateSecret(e.ctx, &store.RotateSecretInput{SecretId: "rot/db", RotationLambdaARN: "dbwarden:mysql-single-user",
		RotationRules: &secret.RotationRules{ScheduleExpression: &rate}, RotateImmediately: &no}))
	if out.VersionId != "" {
		t.Fatalf("RotateImmediately false: got version %q, want none", out.VersionId)
	}
	d := must(e.DescribeSecret(e.ctx, &store.DescribeSecretInput{SecretId: "rot/db"}))
	if !d.RotationEnabled || d.RotationLambdaARN != "dbwarden:mysql-single-user" || d.RotationRules == nil || *d.RotationRules.ScheduleExpression != rate || d.NextRotationDate == nil {
		t.Fatalf("describe after RotateSecret: got enabled %v rotator %q rules %+v next %v", d.RotationEnabled, d.RotationLambdaARN, d.RotationRules, d.NextRotationDate)
	}
	if e.clock.Controllable && !d.NextRotationDate.Equal(e.clock.Now().Add(4*24*time.Hour)) {
		t.Fatalf("next rotation: got %v, want four days on", d.NextRotationDate)
	}
	l := must(e.ListSecrets(e.ctx, &store.ListSecretsInput{Filters: []store.Filter{{Key: "name", Values: []string{"rot/"}}}}))
	if len(l.SecretList) != 1 || !l.SecretList[0].RotationEnabled || l.SecretList[0].RotationRules == nil {
		t.Fatalf("list after RotateSecret: got %+v, want the rotation configuration", l.SecretList)
	}
	// Later calls keep the stored rotator and rules.
	now := must(e.RotateSecret(e.ctx, &store.RotateSecretInput{SecretId: "rot/db", ClientRequestToken: token(77)}))
	if now.VersionId != token(77) {
		t.Fatalf("rotate immediately: got version %q, want the token", now.VersionId)
	}
	must(e.CancelRotateSecret(e.ctx, &store.CancelRotateSecretInput{SecretId: "rot/db"}))
	d = must(e.DescribeSecret(e.ctx, &store.DescribeSecretInput{SecretId: "rot/db"}))
	if d.RotationEnabled || d.NextRotationDate != nil || d.RotationLambdaARN == "" {
		t.Fatalf("after cancel: got enabled %v next %v rotator %q, want off with the configuration kept", d.RotationEnabled, d.NextRotationDate, d.RotationLambdaARN)
	}
	_, err = e.CancelRotateSecret(e.ctx, &store.CancelRotateSecretInput{SecretId: "missing"})
	wantCode(t, err, secret.CodeResourceNotFound)
}
