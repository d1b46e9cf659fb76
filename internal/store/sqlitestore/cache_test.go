package sqlitestore_test

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/dbwarden/dbwarden/internal/audit"
	"github.com/dbwarden/dbwarden/internal/secret"
	"github.com/dbwarden/dbwarden/internal/store"
	"github.com/dbwarden/dbwarden/internal/store/sqlitestore"
)

// Two Stores on one file stand for two processes (the server and a CLI):
// a change made through one is seen by the next read of the other, though
// that read would otherwise be answered from the other's read cache.
func TestReadCacheSeesChangesOfAnotherProcess(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	server, cli := open(t, dir, nil), open(t, dir, nil)
	if _, err := cli.CreateSecret(ctx, &store.CreateSecretInput{Name: "app/db", SecretString: str("v1")}); err != nil {
		t.Fatal(err)
	}
	get := func() string {
		t.Helper()
		out, err := server.GetSecretValue(ctx, &store.GetSecretValueInput{SecretId: "app/db"})
		if err != nil {
			t.Fatal(err)
		}
		return *out.SecretString
	}
	for range 2 { // the second read is answered from the cache
		if get() != "v1" {
			t.Fatal("the first value is not read back")
		}
	}
	if _, err := cli.PutSecretValue(ctx, &store.PutSecretValueInput{SecretId: "app/db", SecretString: str("v2")}); err != nil {
		t.Fatal(err)
	}
	if get() != "v2" {
		t.Fatal("a read after another process's PutSecretValue returned the old value")
	}

	// Metadata too: a description, a deletion.
	if _, err := cli.UpdateSecret(ctx, &store.UpdateSecretInput{SecretId: "app/db", Description: str("changed")}); err != nil {
		t.Fatal(err)
	}
	d, err := server.DescribeSecret(ctx, &store.DescribeSecretInput{SecretId: "app/db"})
	if err != nil {
		t.Fatal(err)
	}
	if d.Description != "changed" {
		t.Fatalf("description %q after another process changed it", d.Description)
	}
	if _, err := cli.DeleteSecret(ctx, &store.DeleteSecretInput{SecretId: "app/db"}); err != nil {
		t.Fatal(err)
	}
	if _, err := server.GetSecretValue(ctx, &store.GetSecretValueInput{SecretId: "app/db"}); secret.Code(err) != secret.CodeInvalidRequest {
		t.Fatalf("read of a secret another process deleted: got %v, want InvalidRequestException", err)
	}
}

// A resource policy put by another process is what the next read is
// authorized against.
func TestReadCacheAuthorizesAgainstTheCurrentPolicy(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	server, cli := open(t, dir, nil), open(t, dir, nil)
	if _, err := cli.CreateSecret(ctx, &store.CreateSecretInput{Name: "app/db", SecretString: str("v1")}); err != nil {
		t.Fatal(err)
	}
	denied := errors.New("denied by the resource policy")
	actx := store.WithAuthorizer(ctx, func(f store.SecretFacts) error {
		if strings.Contains(f.ResourcePolicy, "Deny") {
			return denied
		}
		return nil
	})
	for range 2 {
		if _, err := server.GetSecretValue(actx, &store.GetSecretValueInput{SecretId: "app/db"}); err != nil {
			t.Fatal(err)
		}
	}
	policy := `{"Version":"2012-10-17","Statement":[{"Effect":"Deny","Principal":"*","Action":"*","Resource":"*"}]}`
	if _, err := cli.PutResourcePolicy(ctx, &store.PutResourcePolicyInput{SecretId: "app/db", ResourcePolicy: policy}); err != nil {
		t.Fatal(err)
	}
	if _, err := server.GetSecretValue(actx, &store.GetSecretValueInput{SecretId: "app/db"}); !errors.Is(err, denied) {
		t.Fatalf("read after a denying policy was put: got %v, want the authorizer's denial", err)
	}
}

// Readers racing a writer never get a value older than the newest one
// committed before their call began, and every read leaves exactly one
// audit record, however many times a stale cached answer made it retry.
func TestReadCacheIsNeverStale(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	server, writer := open(t, dir, nil), open(t, dir, nil)
	if _, err := writer.CreateSecret(ctx, &store.CreateSecretInput{Name: "app/db", SecretString: str("0")}); err != nil {
		t.Fatal(err)
	}
	var committed atomic.Int64 // the newest value whose put has returned
	const puts, readers, reads = 60, 4, 150
	var wg sync.WaitGroup
	errs := make(chan error, readers+1)
	wg.Add(1)
	go func() {
		defer wg.Done()
		for i := 1; i <= puts; i++ {
			if _, err := writer.PutSecretValue(ctx, &store.PutSecretValueInput{SecretId: "app/db", SecretString: str(strconv.Itoa(i))}); err != nil {
				errs <- err
				return
			}
			committed.Store(int64(i))
		}
	}()
	for range readers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			last := int64(0)
			for range reads {
				floor := committed.Load()
				out, err := server.GetSecretValue(ctx, &store.GetSecretValueInput{SecretId: "app/db"})
				if err != nil {
					errs <- err
					return
				}
				got, _ := strconv.ParseInt(*out.SecretString, 10, 64)
				if got < floor || got < last {
					errs <- fmt.Errorf("read value number %d after number %d was committed and %d read", got, floor, last)
					return
				}
				last = got
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	var n int
	if err := server.DB().QueryRowContext(ctx, `SELECT COUNT(*) FROM audit_log WHERE action = 'secretsmanager:GetSecretValue'`).Scan(&n); err != nil {
		t.Fatal(err)
	}
	if n != readers*reads {
		t.Fatalf("%d GetSecretValue records for %d reads", n, readers*reads)
	}
	if p, _, err := audit.Verify(ctx, server.DB()); err != nil || p != nil {
		t.Fatalf("audit chain after the race: problem %v, error %v", p, err)
	}
}

// The generation moves with every change to secrets and versions, even one
// made in SQL behind the store's back.
func TestGenerationMovesOnEveryChange(t *testing.T) {
	ctx := context.Background()
	s := open(t, t.TempDir(), nil)
	if _, err := s.CreateSecret(ctx, &store.CreateSecretInput{Name: "app/db", SecretString: str("v1")}); err != nil {
		t.Fatal(err)
	}
	gen := func(db *sql.DB) int64 {
		var n int64
		if err := db.QueryRowContext(ctx, `SELECT n FROM generation`).Scan(&n); err != nil {
			t.Fatal(err)
		}
		return n
	}
	for _, q := range []string{
		`UPDATE secrets SET description = 'x'`,
		`UPDATE versions SET stages = '["AWSCURRENT"]'`,
		`DELETE FROM versions`,
		`DELETE FROM secrets`,
	} {
		before := gen(s.DB())
		if _, err := s.DB().ExecContext(ctx, q); err != nil {
			t.Fatal(err)
		}
		if gen(s.DB()) == before {
			t.Errorf("%s left the generation at %d", q, before)
		}
	}
}

// The store's connections leave checkpoints to a goroutine of their own.
// However that goroutine is scheduled, the WAL stays bounded: committers
// wait for it once it falls far enough behind.
func TestWALIsCheckpointed(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	s := open(t, dir, nil)
	if _, err := s.CreateSecret(ctx, &store.CreateSecretInput{Name: "app/db", SecretString: str("v1")}); err != nil {
		t.Fatal(err)
	}
	wal := filepath.Join(dir, "dbwarden.db-wal")
	const reads = 8000 // each read alone: one audit commit of a few pages
	var largest int64
	for range reads {
		if _, err := s.GetSecretValue(ctx, &store.GetSecretValueInput{SecretId: "app/db"}); err != nil {
			t.Fatal(err)
		}
		if fi, err := os.Stat(wal); err == nil && fi.Size() > largest {
			largest = fi.Size()
		}
	}
	// Unchecked, the WAL holds every commit's pages: over 160 MiB here.
	// behindLimit commits of about five pages each come to 40 MiB.
	if largest > 64<<20 {
		t.Fatalf("WAL grew to %d bytes during %d reads: checkpoints are not keeping it bounded (last round: %v)", largest, reads, sqlitestore.CheckpointErr(s))
	}
}
