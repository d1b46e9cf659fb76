package sqlitestore_test

import (
	"context"
	"fmt"
	"path/filepath"
	"testing"

	"github.com/dbwarden/dbwarden/internal/audit"
	"github.com/dbwarden/dbwarden/internal/keys/filekeys"
	"github.com/dbwarden/dbwarden/internal/store"
	"github.com/dbwarden/dbwarden/internal/store/sqlitestore"
)

// The benchmarks run the store as dbwarden does: a WAL SQLite file in a
// temporary directory, data keys wrapped by the file keyring, and one audit
// record appended in every call's transaction, reads included.

// benchValue is a typical MySQL credential document, 130 bytes.
const benchValue = `{"engine":"mysql","host":"db.internal","port":3306,"username":"billing_rw","password":"zQ9mL2xR7vK4pW8nT3bY6cF1","dbname":"billing"}`

func benchStr(s string) *string { return &s }

func benchCtx() context.Context {
	return audit.WithCaller(context.Background(), audit.Caller{Principal: "cli:bench", RequestID: "req-bench"})
}

// openBench opens a store in b.TempDir() and closes it when b ends.
func openBench(b *testing.B) *sqlitestore.Store {
	b.Helper()
	dir := b.TempDir()
	kp, err := filekeys.Open(filepath.Join(dir, "keys"))
	if err != nil {
		b.Fatalf("open keyring: %v", err)
	}
	s, err := sqlitestore.Open(context.Background(), sqlitestore.Options{Path: filepath.Join(dir, "dbwarden.db"), Keys: kp})
	if err != nil {
		b.Fatalf("open store: %v", err)
	}
	b.Cleanup(func() { s.Close() })
	return s
}

// rotatedSecret creates name with two versions, AWSPREVIOUS and AWSCURRENT,
// and returns its ARN.
func rotatedSecret(b *testing.B, s *sqlitestore.Store, name string) string {
	b.Helper()
	ctx := benchCtx()
	c, err := s.CreateSecret(ctx, &store.CreateSecretInput{Name: name, Description: "billing database", SecretString: benchStr(benchValue)})
	if err != nil {
		b.Fatalf("create %s: %v", name, err)
	}
	if _, err := s.PutSecretValue(ctx, &store.PutSecretValueInput{SecretId: name, SecretString: benchStr(benchValue + " ")}); err != nil {
		b.Fatalf("put %s: %v", name, err)
	}
	return c.ARN
}

func BenchmarkCreateSecret(b *testing.B) {
	s := openBench(b)
	ctx := benchCtx()
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		i++
		_, err := s.CreateSecret(ctx, &store.CreateSecretInput{
			Name: fmt.Sprintf("bench/create/%09d", i), Description: "billing database", SecretString: benchStr(benchValue),
		})
		if err != nil {
			b.Fatalf("create: %v", err)
		}
	}
}

// BenchmarkPutSecretValue adds versions to a secret that has reached its
// steady state: AWSCURRENT, AWSPREVIOUS and the 100 deprecated versions
// Secrets Manager keeps, so every put also prunes the oldest one.
func BenchmarkPutSecretValue(b *testing.B) {
	s := openBench(b)
	ctx := benchCtx()
	rotatedSecret(b, s, "bench/put")
	for i := range 100 {
		if _, err := s.PutSecretValue(ctx, &store.PutSecretValueInput{SecretId: "bench/put", SecretString: benchStr(fmt.Sprintf("%s%d", benchValue, i))}); err != nil {
			b.Fatalf("seed put: %v", err)
		}
	}
	in := &store.PutSecretValueInput{SecretId: "bench/put", SecretString: benchStr(benchValue)}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := s.PutSecretValue(ctx, in); err != nil {
			b.Fatalf("put: %v", err)
		}
	}
}

// benchGet reads one secret in a loop and checks the value it gets back.
func benchGet(b *testing.B, s *sqlitestore.Store, in *store.GetSecretValueInput, want string) {
	b.Helper()
	ctx := benchCtx()
	b.ReportAllocs()
	for b.Loop() {
		out, err := s.GetSecretValue(ctx, in)
		if err != nil {
			b.Fatalf("get: %v", err)
		}
		if out.SecretString == nil || len(*out.SecretString) != len(want) {
			b.Fatalf("get: got a value of the wrong length, want %d bytes", len(want))
		}
	}
}

func BenchmarkGetSecretValueByName(b *testing.B) {
	s := openBench(b)
	rotatedSecret(b, s, "bench/get")
	benchGet(b, s, &store.GetSecretValueInput{SecretId: "bench/get"}, benchValue+" ")
}

func BenchmarkGetSecretValueByStage(b *testing.B) {
	s := openBench(b)
	rotatedSecret(b, s, "bench/get")
	benchGet(b, s, &store.GetSecretValueInput{SecretId: "bench/get", VersionStage: "AWSPREVIOUS"}, benchValue)
}

func BenchmarkGetSecretValueByARN(b *testing.B) {
	s := openBench(b)
	arn := rotatedSecret(b, s, "bench/get")
	benchGet(b, s, &store.GetSecretValueInput{SecretId: arn}, benchValue+" ")
}

// BenchmarkGetSecretValueByPartialARN reads through the ARN without its
// suffix, which takes a second lookup.
func BenchmarkGetSecretValueByPartialARN(b *testing.B) {
	s := openBench(b)
	rotatedSecret(b, s, "bench/get")
	benchGet(b, s, &store.GetSecretValueInput{SecretId: "arn:aws:secretsmanager:us-east-1:000000000000:secret:bench/get"}, benchValue+" ")
}

// BenchmarkListSecrets lists the first page of 100 among 1000 secrets.
func BenchmarkListSecrets(b *testing.B) {
	s := openBench(b)
	ctx := benchCtx()
	for i := range 1000 {
		if _, err := s.CreateSecret(ctx, &store.CreateSecretInput{
			Name: fmt.Sprintf("bench/list/%04d", i), Description: "billing database", SecretString: benchStr(benchValue),
		}); err != nil {
			b.Fatalf("seed create: %v", err)
		}
	}
	in := &store.ListSecretsInput{MaxResults: 100}
	b.ReportAllocs()
	for b.Loop() {
		out, err := s.ListSecrets(ctx, in)
		if err != nil {
			b.Fatalf("list: %v", err)
		}
		if len(out.SecretList) != 100 || out.NextToken == "" {
			b.Fatalf("list: got %d secrets and next token %q, want 100 and a token", len(out.SecretList), out.NextToken)
		}
	}
}

func BenchmarkDescribeSecret(b *testing.B) {
	s := openBench(b)
	ctx := benchCtx()
	rotatedSecret(b, s, "bench/describe")
	in := &store.DescribeSecretInput{SecretId: "bench/describe"}
	b.ReportAllocs()
	for b.Loop() {
		out, err := s.DescribeSecret(ctx, in)
		if err != nil {
			b.Fatalf("describe: %v", err)
		}
		if len(out.VersionIdsToStages) != 2 {
			b.Fatalf("describe: got %d labelled versions, want 2", len(out.VersionIdsToStages))
		}
	}
}

// BenchmarkGetSecretValueParallel reads from as many goroutines as
// GOMAXPROCS (times -cpu), the way a server reads: snapshots in parallel,
// audit records group-committed.
func BenchmarkGetSecretValueParallel(b *testing.B) {
	s := openBench(b)
	rotatedSecret(b, s, "bench/par")
	ctx := benchCtx()
	b.SetParallelism(8)
	b.ReportAllocs()
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			if _, err := s.GetSecretValue(ctx, &store.GetSecretValueInput{SecretId: "bench/par"}); err != nil {
				b.Error(err)
				return
			}
		}
	})
}
