package sqlitestore_test

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/dbwarden/dbwarden/internal/audit"
	"github.com/dbwarden/dbwarden/internal/keys/filekeys"
	"github.com/dbwarden/dbwarden/internal/secret"
	"github.com/dbwarden/dbwarden/internal/store"
	"github.com/dbwarden/dbwarden/internal/store/sqlitestore"
	"github.com/dbwarden/dbwarden/internal/store/storetest"
)

func open(t *testing.T, dir string, clock *storetest.Clock) *sqlitestore.Store {
	t.Helper()
	kp, err := filekeys.Open(filepath.Join(dir, "keys"))
	if err != nil {
		t.Fatal(err)
	}
	opts := sqlitestore.Options{Path: filepath.Join(dir, "dbwarden.db"), Keys: kp}
	if clock != nil {
		opts.Now = clock.Now
	}
	s, err := sqlitestore.Open(context.Background(), opts)
	if err != nil {
		t.Fatal(err)
	}
	// Closed before the temporary directory is removed (cleanups run last
	// registered first), so no connection writes into it while it goes.
	t.Cleanup(func() { s.Close() })
	return s
}

func TestConformance(t *testing.T) {
	storetest.Run(t, func(t *testing.T, clock *storetest.Clock) store.Store {
		return open(t, t.TempDir(), clock)
	})
}

func str(s string) *string { return &s }

func TestAuditRecordsEveryCall(t *testing.T) {
	ctx := audit.WithCaller(context.Background(), audit.Caller{Principal: "cli:tester", RequestID: "req-1"})
	s := open(t, t.TempDir(), nil)
	defer s.Close()
	const value = "audit-must-never-hold-this-value"
	c, err := s.CreateSecret(ctx, &store.CreateSecretInput{Name: "app/db", SecretString: str(value)})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.GetSecretValue(ctx, &store.GetSecretValueInput{SecretId: "app/db"}); err != nil {
		t.Fatal(err)
	}
	if _, err := s.GetSecretValue(ctx, &store.GetSecretValueInput{SecretId: "app/missing"}); secret.Code(err) != secret.CodeResourceNotFound {
		t.Fatalf("got %v, want ResourceNotFoundException", err)
	}
	// A rejected change changes nothing and is recorded as a failure.
	if _, err := s.PutSecretValue(ctx, &store.PutSecretValueInput{SecretId: "app/db", SecretString: str(strings.Repeat("x", 70000))}); secret.Code(err) != secret.CodeInvalidParameter {
		t.Fatalf("got %v, want InvalidParameterException", err)
	}
	recs, err := audit.Query(ctx, s.DB(), audit.Filter{})
	if err != nil {
		t.Fatal(err)
	}
	want := []struct{ action, outcome, code, resource string }{
		{"secretsmanager:CreateSecret", "success", "", c.ARN},
		{"secretsmanager:GetSecretValue", "success", "", c.ARN},
		{"secretsmanager:GetSecretValue", "failure", "ResourceNotFoundException", "app/missing"},
		{"secretsmanager:PutSecretValue", "failure", "InvalidParameterException", "app/db"},
	}
	if len(recs) != len(want) {
		t.Fatalf("audit records: got %d, want %d", len(recs), len(want))
	}
	for i, w := range want {
		r := recs[i]
		if r.Action != w.action || r.Outcome != w.outcome || r.ErrorCode != w.code || r.Resource != w.resource || r.Principal != "cli:tester" || r.RequestID != "req-1" {
			t.Errorf("record %d: got %s %s %q %s by %s, want %s %s %q %s by cli:tester", i+1, r.Action, r.Outcome, r.ErrorCode, r.Resource, r.Principal, w.action, w.outcome, w.code, w.resource)
		}
	}
	if recs[1].VersionID != c.VersionId {
		t.Errorf("read record version: got %q, want %q", recs[1].VersionID, c.VersionId)
	}
	if p, _, err := audit.Verify(ctx, s.DB()); err != nil || p != nil {
		t.Fatalf("verify: got %v %v, want an intact chain", p, err)
	}
	g, _ := s.GetSecretValue(ctx, &store.GetSecretValueInput{SecretId: "app/db"})
	if *g.SecretString != value {
		t.Fatal("a failed put changed the value")
	}
}

func TestNoPlaintextOnDisk(t *testing.T) {
	dir := t.TempDir()
	s := open(t, dir, nil)
	ctx := context.Background()
	values := []string{"plaintext-canary-0123456789", "another-canary-!@#$"}
	for i, v := range values {
		if _, err := s.CreateSecret(ctx, &store.CreateSecretInput{Name: "c" + string(rune('a'+i)), SecretString: str(v)}); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := s.PutSecretValue(ctx, &store.PutSecretValueInput{SecretId: "ca", SecretBinary: []byte("binary-canary-xyz")}); err != nil {
		t.Fatal(err)
	}
	s.Close()
	values = append(values, "binary-canary-xyz")
	filepath.Walk(dir, func(p string, fi os.FileInfo, err error) error {
		if err != nil || fi.IsDir() {
			return err
		}
		b, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		for i, v := range values {
			if bytes.Contains(b, []byte(v)) {
				t.Errorf("%s holds secret value %d in plain text", filepath.Base(p), i)
			}
		}
		return nil
	})
}

func TestCiphertextBoundToItsRow(t *testing.T) {
	dir := t.TempDir()
	s := open(t, dir, nil)
	ctx := context.Background()
	a, _ := s.CreateSecret(ctx, &store.CreateSecretInput{Name: "a", SecretString: str("value-a")})
	b, _ := s.CreateSecret(ctx, &store.CreateSecretInput{Name: "b", SecretString: str("value-b")})
	// Copy a's sealed value and data key into b's row, as an attacker with
	// write access to the file could.
	_, err := s.DB().Exec(`UPDATE versions SET ciphertext = (SELECT ciphertext FROM versions WHERE version_id = ?),
		wrapped_key = (SELECT wrapped_key FROM versions WHERE version_id = ?) WHERE version_id = ?`, a.VersionId, a.VersionId, b.VersionId)
	if err != nil {
		t.Fatal(err)
	}
	_, err = s.GetSecretValue(ctx, &store.GetSecretValueInput{SecretId: "b"})
	if secret.Code(err) != secret.CodeDecryptionFailure {
		t.Fatalf("read of a copied ciphertext: got %v, want DecryptionFailure", err)
	}
	rep, err := s.Check(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if rep.OK() {
		t.Fatal("integrity check passed over a copied ciphertext")
	}
}

func TestRewrapKeys(t *testing.T) {
	dir := t.TempDir()
	s := open(t, dir, nil)
	ctx := context.Background()
	for i := range 150 {
		name := "k/" + string(rune('a'+i%26)) + strings.Repeat("x", i/26)
		if _, err := s.CreateSecret(ctx, &store.CreateSecretInput{Name: name, SecretString: str("v-" + name)}); err != nil {
			t.Fatal(err)
		}
	}
	kp, err := filekeys.Open(filepath.Join(dir, "keys"))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := kp.Rotate(ctx); err != nil {
		t.Fatal(err)
	}
	n, err := s.RewrapKeys(ctx, kp, nil)
	if err != nil || n != 150 {
		t.Fatalf("rewrap: got %d, %v; want 150", n, err)
	}
	// A second run finds nothing to do.
	if n, err := s.RewrapKeys(ctx, kp, nil); err != nil || n != 0 {
		t.Fatalf("second rewrap: got %d, %v; want 0", n, err)
	}
	rep, err := s.Check(ctx)
	if err != nil || !rep.OK() || rep.Versions != 150 || rep.DecryptedKeys != 150 {
		t.Fatalf("check after rewrap: got %+v %v", rep, err)
	}
	g, err := s.GetSecretValue(ctx, &store.GetSecretValueInput{SecretId: "k/a"})
	if err != nil || *g.SecretString != "v-k/a" {
		t.Fatalf("read after rewrap: %v", err)
	}
}

func TestCheckFindsStageDamage(t *testing.T) {
	s := open(t, t.TempDir(), nil)
	ctx := context.Background()
	c, _ := s.CreateSecret(ctx, &store.CreateSecretInput{Name: "x", SecretString: str("v")})
	rep, err := s.Check(ctx)
	if err != nil || !rep.OK() {
		t.Fatalf("fresh store: got %+v %v, want OK", rep, err)
	}
	if _, err := s.DB().Exec(`UPDATE versions SET stages = '[]' WHERE version_id = ?`, c.VersionId); err != nil {
		t.Fatal(err)
	}
	rep, err = s.Check(ctx)
	if err != nil || rep.OK() {
		t.Fatalf("store without AWSCURRENT: got %+v %v, want a problem", rep, err)
	}
}

// TestStoreUsableDuringRewrap reads and writes while keys are re-wrapped:
// every call succeeds and every value stays readable.
func TestStoreUsableDuringRewrap(t *testing.T) {
	dir := t.TempDir()
	s := open(t, dir, nil)
	defer s.Close()
	ctx := context.Background()
	const n = 300
	for i := range n {
		if _, err := s.CreateSecret(ctx, &store.CreateSecretInput{Name: fmt.Sprintf("r/%03d", i), SecretString: str(fmt.Sprintf("value-%03d", i))}); err != nil {
			t.Fatal(err)
		}
	}
	kp, err := filekeys.Open(filepath.Join(dir, "keys"))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := kp.Rotate(ctx); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() {
		_, err := s.RewrapKeys(ctx, kp, nil)
		done <- err
	}()
	reads, writes := 0, 0
	for rewrapping := true; rewrapping; {
		select {
		case err := <-done:
			if err != nil {
				t.Fatalf("rewrap: %v", err)
			}
			rewrapping = false
		default:
		}
		i := (reads * 7) % n
		g, err := s.GetSecretValue(ctx, &store.GetSecretValueInput{SecretId: fmt.Sprintf("r/%03d", i)})
		if err != nil {
			t.Fatalf("read during rewrap: %v", err)
		}
		if *g.SecretString != fmt.Sprintf("value-%03d", i) && *g.SecretString != fmt.Sprintf("new-%03d", i) {
			t.Fatalf("read during rewrap: r/%03d has the wrong value", i)
		}
		reads++
		if reads%10 == 0 {
			if _, err := s.PutSecretValue(ctx, &store.PutSecretValueInput{SecretId: fmt.Sprintf("r/%03d", i), SecretString: str(fmt.Sprintf("new-%03d", i))}); err != nil {
				t.Fatalf("write during rewrap: %v", err)
			}
			writes++
		}
	}
	// Anything written with the old provider instance during the rewrap is
	// finished by a second run.
	if _, err := s.RewrapKeys(ctx, kp, nil); err != nil {
		t.Fatal(err)
	}
	rep, err := s.Check(ctx)
	if err != nil || !rep.OK() {
		t.Fatalf("check after rewrap under load (%d reads, %d writes): %+v %v", reads, writes, rep, err)
	}
	if rep.Versions != n+writes {
		t.Fatalf("versions: got %d, want %d", rep.Versions, n+writes)
	}
}

func TestDatabaseFileIsOwnerOnly(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "dbwarden.db")
	s := open(t, dir, nil)
	s.Close()
	if fi, err := os.Stat(path); err != nil || fi.Mode().Perm() != 0o600 {
		t.Fatalf("new database file: got %v %v, want mode 0600", fi.Mode().Perm(), err)
	}
	if err := os.Chmod(path, 0o644); err != nil {
		t.Fatal(err)
	}
	s = open(t, dir, nil)
	s.Close()
	if fi, _ := os.Stat(path); fi.Mode().Perm() != 0o600 {
		t.Fatalf("a database file opened with mode 0644: got %v after open, want 0600", fi.Mode().Perm())
	}
}

func TestConcurrentReadsAreAllAudited(t *testing.T) {
	s := open(t, t.TempDir(), nil)
	defer s.Close()
	ctx := audit.WithCaller(context.Background(), audit.Caller{Principal: "reader"})
	if _, err := s.CreateSecret(ctx, &store.CreateSecretInput{Name: "hot", SecretString: str("hot-value")}); err != nil {
		t.Fatal(err)
	}
	// More readers than pooled connections, all starting cold: the case
	// where preparing statements inside transactions would deadlock.
	const readers, reads = 24, 20
	errs := make(chan error, readers)
	for range readers {
		go func() {
			for range reads {
				g, err := s.GetSecretValue(ctx, &store.GetSecretValueInput{SecretId: "hot"})
				if err == nil && *g.SecretString != "hot-value" {
					err = fmt.Errorf("wrong value read")
				}
				if err != nil {
					errs <- err
					return
				}
			}
			errs <- nil
		}()
	}
	for range readers {
		if err := <-errs; err != nil {
			t.Fatal(err)
		}
	}
	recs, err := audit.Query(ctx, s.DB(), audit.Filter{Action: "secretsmanager:GetSecretValue"})
	if err != nil {
		t.Fatal(err)
	}
	if len(recs) != readers*reads {
		t.Fatalf("audit records of reads: got %d, want %d", len(recs), readers*reads)
	}
	if p, n, err := audit.Verify(ctx, s.DB()); err != nil || p != nil || n != int64(readers*reads+1) {
		t.Fatalf("verify: got %v, %d records, %v; want an intact chain of %d", p, n, err, readers*reads+1)
	}
}

func TestReadFailsWhenItCannotBeAudited(t *testing.T) {
	s := open(t, t.TempDir(), nil)
	defer s.Close()
	ctx := context.Background()
	if _, err := s.CreateSecret(ctx, &store.CreateSecretInput{Name: "guarded", SecretString: str("guarded-value")}); err != nil {
		t.Fatal(err)
	}
	// A broken chain head makes every append fail.
	if _, err := s.DB().Exec(`UPDATE audit_head SET hash = ?`, strings.Repeat("0", 64)); err != nil {
		t.Fatal(err)
	}
	g, err := s.GetSecretValue(ctx, &store.GetSecretValueInput{SecretId: "guarded"})
	if err == nil || g != nil {
		t.Fatalf("read with an unwritable audit trail: got a value and error %v, want no value and an error", err)
	}
	if got := secret.Code(err); got != secret.CodeInternalService {
		t.Fatalf("error code: got %q, want %q", got, secret.CodeInternalService)
	}
}
