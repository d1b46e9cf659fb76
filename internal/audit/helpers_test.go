package audit

import (
	"context"
	"database/sql"
	"fmt"
	"net/url"
	"path/filepath"
	"testing"
	"time"

	_ "modernc.org/sqlite"
)

// openDB opens a new SQLite file in a temporary directory, in WAL mode with
// BEGIN IMMEDIATE transactions as the store uses it, and creates the audit
// schema.
func openDB(tb testing.TB) *sql.DB {
	tb.Helper()
	q := url.Values{}
	q.Set("_txlock", "immediate")
	q.Add("_pragma", "journal_mode(WAL)")
	q.Add("_pragma", "synchronous(NORMAL)")
	q.Add("_pragma", "busy_timeout(10000)")
	path := filepath.Join(tb.TempDir(), "audit.db")
	db, err := sql.Open("sqlite", "file:"+path+"?"+q.Encode())
	if err != nil {
		tb.Fatalf("open database: %v", err)
	}
	tb.Cleanup(func() { db.Close() })
	for _, stmt := range Schema() {
		if _, err := db.Exec(stmt); err != nil {
			tb.Fatalf("create schema: %v", err)
		}
	}
	return db
}

// baseTime is the time of sample record 1; record i is i seconds later.
var baseTime = time.Date(2025, 3, 14, 15, 9, 26, 535897000, time.UTC)

// sample returns the i-th sample record, before Append fills its chain
// fields.
func sample(i int) Record {
	r := Record{
		Time:      baseTime.Add(time.Duration(i) * time.Second),
		Principal: fmt.Sprintf("cli:user%d", i%3),
		Action:    "secretsmanager:GetSecretValue",
		Resource:  fmt.Sprintf("arn:aws:secretsmanager:us-east-1:000000000000:secret:db/app%d-AbCdEf", i%2),
		VersionID: fmt.Sprintf("00000000-0000-4000-8000-%012d", i),
		Outcome:   OutcomeSuccess,
		RequestID: fmt.Sprintf("req-%d", i),
		SourceIP:  "127.0.0.1",
	}
	if i%4 == 0 {
		r.Action = "secretsmanager:PutSecretValue"
		r.Outcome = OutcomeFailure
		r.ErrorCode = "ResourceNotFoundException"
	}
	return r
}

// appendOne appends rec in a transaction of its own.
func appendOne(tb testing.TB, ctx context.Context, db *sql.DB, rec Record) Record {
	tb.Helper()
	tx, err := db.BeginTx(ctx, nil)
	if err != nil {
		tb.Fatalf("begin: %v", err)
	}
	got, err := Append(ctx, tx, rec)
	if err != nil {
		tx.Rollback()
		tb.Fatalf("append: %v", err)
	}
	if err := tx.Commit(); err != nil {
		tb.Fatalf("commit: %v", err)
	}
	return got
}

// appendSamples appends sample records 1..n, one transaction each.
func appendSamples(tb testing.TB, db *sql.DB, n int) []Record {
	tb.Helper()
	recs := make([]Record, 0, n)
	for i := 1; i <= n; i++ {
		recs = append(recs, appendOne(tb, context.Background(), db, sample(i)))
	}
	return recs
}

// mustExec runs a tampering statement directly against the database.
func mustExec(tb testing.TB, db *sql.DB, query string, args ...any) {
	tb.Helper()
	if _, err := db.Exec(query, args...); err != nil {
		tb.Fatalf("exec %q: %v", query, err)
	}
}

// sameRecord reports whether a and b are equal field by field, times
// compared as instants.
func sameRecord(a, b Record) bool {
	ta, tb := a.Time, b.Time
	a.Time, b.Time = time.Time{}, time.Time{}
	return a == b && ta.Equal(tb)
}

// wantIntact fails unless Verify finds the database's chain intact with n
// records.
func wantIntact(tb testing.TB, db *sql.DB, n int64) {
	tb.Helper()
	p, got, err := Verify(context.Background(), db)
	if err != nil {
		tb.Fatalf("verify: %v", err)
	}
	if p != nil {
		tb.Fatalf("verify: got problem %v, want none", p)
	}
	if got != n {
		tb.Fatalf("verify: got %d records checked, want %d", got, n)
	}
}

// wantProblem fails unless p has the given kind and seq.
func wantProblem(tb testing.TB, p *Problem, kind string, seq int64) {
	tb.Helper()
	if p == nil {
		tb.Fatalf("problem: got none, want %s at %d", kind, seq)
	}
	if p.Kind != kind || p.Seq != seq {
		tb.Fatalf("problem: got %s at %d (%s), want %s at %d", p.Kind, p.Seq, p.Detail, kind, seq)
	}
}
