package audit

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"
)

func TestAppend(t *testing.T) {
	t.Run("records are numbered from 1 and each links to the one before", func(t *testing.T) {
		db := openDB(t)
		recs := appendSamples(t, db, 3)
		prev := ZeroHash
		for i, r := range recs {
			if r.Seq != int64(i+1) {
				t.Errorf("record %d: seq: got %d, want %d", i, r.Seq, i+1)
			}
			if r.PrevHash != prev {
				t.Errorf("record %d: prev hash: got %s, want %s", r.Seq, r.PrevHash, prev)
			}
			want, err := r.ComputeHash()
			if err != nil || r.Hash != want {
				t.Errorf("record %d: hash: got %s, want %s (err %v)", r.Seq, r.Hash, want, err)
			}
			prev = r.Hash
		}
		seq, hash, err := Head(context.Background(), db)
		if err != nil {
			t.Fatalf("head: %v", err)
		}
		if seq != 3 || hash != recs[2].Hash {
			t.Errorf("head: got %d %s, want 3 %s", seq, hash, recs[2].Hash)
		}
		wantIntact(t, db, 3)
	})

	t.Run("an empty trail has head 0 and the zero hash and verifies", func(t *testing.T) {
		db := openDB(t)
		seq, hash, err := Head(context.Background(), db)
		if err != nil {
			t.Fatalf("head: %v", err)
		}
		if seq != 0 || hash != ZeroHash {
			t.Errorf("head: got %d %s, want 0 %s", seq, hash, ZeroHash)
		}
		wantIntact(t, db, 0)
	})

	t.Run("chain fields supplied by the caller are replaced", func(t *testing.T) {
		db := openDB(t)
		r := sample(1)
		r.Seq, r.PrevHash, r.Hash = 42, strings.Repeat("a", 64), strings.Repeat("b", 64)
		got := appendOne(t, context.Background(), db, r)
		if got.Seq != 1 || got.PrevHash != ZeroHash || got.Hash == r.Hash {
			t.Errorf("chain fields: got seq %d prev %s hash %s, want seq 1 from the zero hash", got.Seq, got.PrevHash, got.Hash)
		}
		wantIntact(t, db, 1)
	})

	t.Run("identity comes from the context caller unless the record sets it", func(t *testing.T) {
		db := openDB(t)
		ctx := WithCaller(context.Background(), Caller{Principal: "cli:root", RequestID: "req-ctx", SourceIP: "192.0.2.7"})
		r := sample(1)
		r.Principal, r.RequestID, r.SourceIP = "", "", ""
		got := appendOne(t, ctx, db, r)
		if got.Principal != "cli:root" || got.RequestID != "req-ctx" || got.SourceIP != "192.0.2.7" {
			t.Errorf("from context: got %q %q %q, want cli:root req-ctx 192.0.2.7", got.Principal, got.RequestID, got.SourceIP)
		}
		got = appendOne(t, ctx, db, sample(2))
		want := sample(2)
		if got.Principal != want.Principal || got.RequestID != want.RequestID || got.SourceIP != want.SourceIP {
			t.Errorf("explicit: got %q %q %q, want %q %q %q", got.Principal, got.RequestID, got.SourceIP,
				want.Principal, want.RequestID, want.SourceIP)
		}
	})

	t.Run("the time is stored in UTC truncated to the microsecond, and a zero time becomes now", func(t *testing.T) {
		db := openDB(t)
		r := sample(1)
		r.Time = time.Date(2025, 1, 2, 3, 4, 5, 123456789, time.FixedZone("UTC-7", -7*3600))
		got := appendOne(t, context.Background(), db, r)
		want := time.Date(2025, 1, 2, 10, 4, 5, 123456000, time.UTC)
		if !got.Time.Equal(want) || got.Time.Location() != time.UTC {
			t.Errorf("time: got %v, want %v", got.Time, want)
		}
		before := time.Now().Add(-time.Second)
		r = sample(2)
		r.Time = time.Time{}
		got = appendOne(t, context.Background(), db, r)
		if got.Time.Before(before) {
			t.Errorf("zero time: got %v, want the current time", got.Time)
		}
		stored, err := Query(context.Background(), db, Filter{})
		if err != nil {
			t.Fatalf("query: %v", err)
		}
		if len(stored) != 2 || !stored[0].Time.Equal(want) {
			t.Fatalf("stored time: got %d records, first %v; want 2, first %v", len(stored), stored[0].Time, want)
		}
		wantIntact(t, db, 2)
	})

	invalid := map[string]func(*Record){
		"an empty action":        func(r *Record) { r.Action = "" },
		"an unknown outcome":     func(r *Record) { r.Outcome = "ok" },
		"invalid UTF-8":          func(r *Record) { r.Resource = "arn:\xff" },
		"a NUL byte":             func(r *Record) { r.Principal = "cli:\x00root" },
		"an oversized field":     func(r *Record) { r.RequestID = strings.Repeat("r", MaxFieldLen+1) },
		"a time before year one": func(r *Record) { r.Time = time.Date(0, 12, 31, 0, 0, 0, 0, time.UTC) },
	}
	for name, edit := range invalid {
		t.Run("a record with "+name+" is refused and nothing is written", func(t *testing.T) {
			db := openDB(t)
			r := sample(1)
			edit(&r)
			tx, err := db.Begin()
			if err != nil {
				t.Fatalf("begin: %v", err)
			}
			defer tx.Rollback()
			if _, err := Append(context.Background(), tx, r); !errors.Is(err, ErrInvalidRecord) {
				t.Fatalf("append: got error %v, want ErrInvalidRecord", err)
			}
			if err := tx.Commit(); err != nil {
				t.Fatalf("commit: %v", err)
			}
			wantIntact(t, db, 0)
		})
	}

	t.Run("a record appended in a rolled-back transaction leaves no trace", func(t *testing.T) {
		db := openDB(t)
		appendSamples(t, db, 2)
		tx, err := db.Begin()
		if err != nil {
			t.Fatalf("begin: %v", err)
		}
		if _, err := Append(context.Background(), tx, sample(3)); err != nil {
			t.Fatalf("append: %v", err)
		}
		if err := tx.Rollback(); err != nil {
			t.Fatalf("rollback: %v", err)
		}
		wantIntact(t, db, 2)
		if got := appendOne(t, context.Background(), db, sample(4)); got.Seq != 3 {
			t.Errorf("next seq: got %d, want 3", got.Seq)
		}
	})

	t.Run("appends from concurrent write transactions form one chain", func(t *testing.T) {
		db := openDB(t)
		const workers, each = 4, 10
		var wg sync.WaitGroup
		errs := make(chan error, workers*each)
		for w := 0; w < workers; w++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for i := 0; i < each; i++ {
					tx, err := db.Begin()
					if err != nil {
						errs <- err
						return
					}
					if _, err := Append(context.Background(), tx, sample(i)); err != nil {
						tx.Rollback()
						errs <- err
						return
					}
					if err := tx.Commit(); err != nil {
						errs <- err
						return
					}
				}
			}()
		}
		wg.Wait()
		close(errs)
		for err := range errs {
			t.Errorf("append: %v", err)
		}
		wantIntact(t, db, workers*each)
	})

	t.Run("a chain whose head does not name the newest record is not extended", func(t *testing.T) {
		tampers := map[string]string{
			"head moved back":  `UPDATE audit_head SET seq = 2`,
			"head hash edited": `UPDATE audit_head SET hash = '` + strings.Repeat("0", 63) + `1'`,
			"head deleted":     `DELETE FROM audit_head`,
			"newest cut off":   `DELETE FROM audit_log WHERE seq = 3`,
		}
		for name, stmt := range tampers {
			db := openDB(t)
			appendSamples(t, db, 3)
			mustExec(t, db, stmt)
			tx, err := db.Begin()
			if err != nil {
				t.Fatalf("begin: %v", err)
			}
			_, err = Append(context.Background(), tx, sample(4))
			tx.Rollback()
			if !errors.Is(err, ErrHeadMismatch) {
				t.Errorf("%s: append: got error %v, want ErrHeadMismatch", name, err)
			}
		}
	})
}

func TestQuery(t *testing.T) {
	ctx := context.Background()
	db := openDB(t)
	all := appendSamples(t, db, 12)

	seqs := func(recs []Record) []int64 {
		s := []int64{}
		for _, r := range recs {
			s = append(s, r.Seq)
		}
		return s
	}
	equalSeqs := func(a, b []int64) bool {
		if len(a) != len(b) {
			return false
		}
		for i := range a {
			if a[i] != b[i] {
				return false
			}
		}
		return true
	}
	where := func(keep func(Record) bool) []int64 {
		s := []int64{}
		for _, r := range all {
			if keep(r) {
				s = append(s, r.Seq)
			}
		}
		return s
	}

	t.Run("an empty filter returns every record as appended, in order", func(t *testing.T) {
		got, err := Query(ctx, db, Filter{})
		if err != nil {
			t.Fatalf("query: %v", err)
		}
		if len(got) != len(all) {
			t.Fatalf("records: got %d, want %d", len(got), len(all))
		}
		for i := range got {
			if !sameRecord(got[i], all[i]) {
				t.Errorf("record %d: got %+v, want %+v", i+1, got[i], all[i])
			}
		}
	})

	cases := []struct {
		name string
		f    Filter
		want []int64
	}{
		{"by resource", Filter{Resource: sample(1).Resource}, where(func(r Record) bool { return r.Resource == sample(1).Resource })},
		{"by principal", Filter{Principal: "cli:user2"}, where(func(r Record) bool { return r.Principal == "cli:user2" })},
		{"by action", Filter{Action: "secretsmanager:PutSecretValue"}, []int64{4, 8, 12}},
		{"by outcome", Filter{Outcome: OutcomeSuccess}, where(func(r Record) bool { return r.Outcome == OutcomeSuccess })},
		{"since is inclusive", Filter{Since: all[4].Time}, []int64{5, 6, 7, 8, 9, 10, 11, 12}},
		{"until is exclusive", Filter{Until: all[2].Time}, []int64{1, 2}},
		{"since a nanosecond after a record excludes it", Filter{Since: all[4].Time.Add(time.Nanosecond), Until: all[7].Time}, []int64{6, 7}},
		{"after seq pages forward", Filter{AfterSeq: 9}, []int64{10, 11, 12}},
		{"limit gives the oldest", Filter{Limit: 3}, []int64{1, 2, 3}},
		{"newest with limit gives the last, ascending", Filter{Limit: 3, Newest: true}, []int64{10, 11, 12}},
		{"newest without limit gives all", Filter{Newest: true}, where(func(Record) bool { return true })},
		{"conditions combine", Filter{Principal: "cli:user1", Outcome: OutcomeSuccess, Limit: 2, Newest: true}, []int64{7, 10}},
		{"no match is empty", Filter{Principal: "cli:nobody"}, []int64{}},
	}
	for _, c := range cases {
		t.Run("filter "+c.name, func(t *testing.T) {
			got, err := Query(ctx, db, c.f)
			if err != nil {
				t.Fatalf("query: %v", err)
			}
			if got == nil {
				t.Errorf("records: got nil slice, want non-nil")
			}
			if !equalSeqs(seqs(got), c.want) {
				t.Errorf("seqs: got %v, want %v", seqs(got), c.want)
			}
		})
	}

	for name, f := range map[string]Filter{
		"a negative limit":     {Limit: -1},
		"a negative after seq": {AfterSeq: -1},
		"an unknown outcome":   {Outcome: "ok"},
	} {
		t.Run("a filter with "+name+" is refused", func(t *testing.T) {
			if _, err := Query(ctx, db, f); !errors.Is(err, ErrInvalidFilter) {
				t.Errorf("query: got error %v, want ErrInvalidFilter", err)
			}
		})
	}
}

func TestExport(t *testing.T) {
	ctx := context.Background()
	db := openDB(t)
	all := appendSamples(t, db, 6)

	t.Run("an export has one decodable line per record and verifies on its own", func(t *testing.T) {
		var buf bytes.Buffer
		n, err := Export(ctx, db, &buf, Filter{})
		if err != nil {
			t.Fatalf("export: %v", err)
		}
		if n != int64(len(all)) {
			t.Fatalf("exported: got %d, want %d", n, len(all))
		}
		lines := strings.Split(strings.TrimSuffix(buf.String(), "\n"), "\n")
		if len(lines) != len(all) {
			t.Fatalf("lines: got %d, want %d", len(lines), len(all))
		}
		for i, line := range lines {
			got, err := DecodeRecord([]byte(line))
			if err != nil {
				t.Fatalf("line %d: %v", i+1, err)
			}
			if !sameRecord(got, all[i]) {
				t.Errorf("line %d: got %+v, want %+v", i+1, got, all[i])
			}
		}
		p, checked, err := VerifyExport(&buf)
		if err != nil || p != nil || checked != int64(len(all)) {
			t.Errorf("verify export: got %v, %d, %v; want no problem, %d, no error", p, checked, err, len(all))
		}
	})

	t.Run("an export starting after seq 1 verifies from its first prev hash", func(t *testing.T) {
		var buf bytes.Buffer
		if _, err := Export(ctx, db, &buf, Filter{AfterSeq: 3}); err != nil {
			t.Fatalf("export: %v", err)
		}
		p, checked, err := VerifyExport(&buf)
		if err != nil || p != nil || checked != 3 {
			t.Errorf("verify export: got %v, %d, %v; want no problem, 3, no error", p, checked, err)
		}
	})

	t.Run("an empty export verifies", func(t *testing.T) {
		var buf bytes.Buffer
		n, err := Export(ctx, db, &buf, Filter{AfterSeq: 100})
		if err != nil || n != 0 || buf.Len() != 0 {
			t.Fatalf("export: got %d records, %d bytes, %v; want nothing", n, buf.Len(), err)
		}
		p, checked, err := VerifyExport(&buf)
		if err != nil || p != nil || checked != 0 {
			t.Errorf("verify export: got %v, %d, %v; want no problem, 0, no error", p, checked, err)
		}
	})

	t.Run("a filtered export shows its gaps as deletions", func(t *testing.T) {
		var buf bytes.Buffer
		if _, err := Export(ctx, db, &buf, Filter{Action: "secretsmanager:GetSecretValue"}); err != nil {
			t.Fatalf("export: %v", err)
		}
		p, _, err := VerifyExport(&buf)
		if err != nil {
			t.Fatalf("verify export: %v", err)
		}
		wantProblem(t, p, KindDeleted, 4)
	})

	t.Run("a refused filter writes nothing", func(t *testing.T) {
		var buf bytes.Buffer
		if _, err := Export(ctx, db, &buf, Filter{Limit: -1}); !errors.Is(err, ErrInvalidFilter) {
			t.Errorf("export: got error %v, want ErrInvalidFilter", err)
		}
		if buf.Len() != 0 {
			t.Errorf("output: got %d bytes, want 0", buf.Len())
		}
	})
}

func TestAppendBatch(t *testing.T) {
	db := openDB(t)
	ctx := context.Background()
	tx, err := db.BeginTx(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := Append(ctx, tx, Record{Action: "a:first", Outcome: OutcomeSuccess}); err != nil {
		t.Fatal(err)
	}
	recs, err := AppendBatch(ctx, tx, []Record{
		{Action: "a:one", Outcome: OutcomeSuccess, Principal: "p1"},
		{Action: "a:two", Outcome: OutcomeFailure, ErrorCode: "X", Principal: "p2"},
		{Action: "a:three", Outcome: OutcomeSuccess, Principal: "p3"},
	})
	if err != nil {
		t.Fatal(err)
	}
	if err := tx.Commit(); err != nil {
		t.Fatal(err)
	}
	for i, r := range recs {
		if r.Seq != int64(i+2) {
			t.Errorf("record %d: got seq %d, want %d", i, r.Seq, i+2)
		}
		if i > 0 && r.PrevHash != recs[i-1].Hash {
			t.Errorf("record %d does not link to the one before", r.Seq)
		}
	}
	if p, n, err := Verify(ctx, db); err != nil || p != nil || n != 4 {
		t.Fatalf("verify after a batch: got %v, %d, %v; want an intact chain of 4", p, n, err)
	}
	seq, hash, err := Head(ctx, db)
	if err != nil || seq != 4 || hash != recs[2].Hash {
		t.Fatalf("head after a batch: got %d %s %v, want 4 and the last record's hash", seq, hash, err)
	}
	t.Run("one invalid record appends none", func(t *testing.T) {
		tx, err := db.BeginTx(ctx, nil)
		if err != nil {
			t.Fatal(err)
		}
		defer tx.Rollback()
		_, err = AppendBatch(ctx, tx, []Record{{Action: "a:ok", Outcome: OutcomeSuccess}, {Action: "", Outcome: OutcomeSuccess}})
		if !errors.Is(err, ErrInvalidRecord) {
			t.Fatalf("got %v, want ErrInvalidRecord", err)
		}
		var n int
		if err := tx.QueryRow(`SELECT COUNT(*) FROM audit_log`).Scan(&n); err != nil || n != 4 {
			t.Fatalf("records after a refused batch: got %d %v, want 4", n, err)
		}
	})
}

func TestAppendBatchOfEveryChunkSize(t *testing.T) {
	db := openDB(t)
	ctx := context.Background()
	for _, n := range []int{1, 7, 8, 9, 32, 45, 77} {
		tx, err := db.BeginTx(ctx, nil)
		if err != nil {
			t.Fatal(err)
		}
		recs := make([]Record, n)
		for i := range recs {
			recs[i] = Record{Action: "a:batch", Outcome: OutcomeSuccess, Resource: fmt.Sprint(n, "/", i)}
		}
		if _, err := AppendBatch(ctx, tx, recs); err != nil {
			t.Fatalf("batch of %d: %v", n, err)
		}
		if err := tx.Commit(); err != nil {
			t.Fatal(err)
		}
	}
	p, count, err := Verify(ctx, db)
	if err != nil || p != nil || count != 1+7+8+9+32+45+77 {
		t.Fatalf("verify: got %v, %d records, %v; want an intact chain of %d", p, count, err, 1+7+8+9+32+45+77)
	}
}
