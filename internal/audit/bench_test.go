package audit

import (
	"context"
	"testing"
)

// BenchmarkAppend measures one audit record per write transaction on a WAL
// SQLite file with synchronous=NORMAL, as the store runs it.
func BenchmarkAppend(b *testing.B) {
	db := openDB(b)
	ctx := WithCaller(context.Background(), Caller{Principal: "cli:bench", RequestID: "req-bench"})
	rec := sample(1)
	b.ReportAllocs()
	for b.Loop() {
		tx, err := db.BeginTx(ctx, nil)
		if err != nil {
			b.Fatalf("begin: %v", err)
		}
		if _, err := Append(ctx, tx, rec); err != nil {
			tx.Rollback()
			b.Fatalf("append: %v", err)
		}
		if err := tx.Commit(); err != nil {
			b.Fatalf("commit: %v", err)
		}
	}
}
