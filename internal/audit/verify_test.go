package audit

import (
	"bytes"
	"context"
	"database/sql"
	"errors"
	"strings"
	"testing"
)

// insertRow writes r into audit_log directly, as someone tampering with the
// database file would.
func insertRow(tb testing.TB, db *sql.DB, r Record) {
	tb.Helper()
	mustExec(tb, db, `INSERT INTO audit_log (`+recordColumns+`) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		r.Seq, r.Time.UnixMicro(), r.Principal, r.Action, r.Resource, r.VersionID, r.Outcome,
		r.ErrorCode, r.RequestID, r.SourceIP, r.PrevHash, r.Hash)
}

// shiftUp renumbers records from seq on by delta, in two steps so that no
// intermediate state collides on the primary key.
func shiftUp(tb testing.TB, db *sql.DB, from, delta int64) {
	tb.Helper()
	mustExec(tb, db, `UPDATE audit_log SET seq = seq + 1000000 WHERE seq >= ?`, from)
	mustExec(tb, db, `UPDATE audit_log SET seq = seq - 1000000 + ? WHERE seq >= 1000000`, delta)
}

// forge returns a record that chains correctly after prev at seq, as
// someone who knows the format could compute.
func forge(tb testing.TB, seq int64, prevHash string) Record {
	tb.Helper()
	r := sample(99)
	r.Time = baseTime
	r.Seq, r.PrevHash = seq, prevHash
	h, err := r.ComputeHash()
	if err != nil {
		tb.Fatalf("forge: %v", err)
	}
	r.Hash = h
	return r
}

func TestVerifyDetectsTampering(t *testing.T) {
	const n = 6
	cases := []struct {
		name   string
		tamper func(t *testing.T, db *sql.DB, recs []Record)
		kind   string
		seq    int64
	}{
		{"an edited principal", func(t *testing.T, db *sql.DB, _ []Record) {
			mustExec(t, db, `UPDATE audit_log SET principal = 'cli:someone-else' WHERE seq = 3`)
		}, KindEdited, 3},
		{"two edited records", func(t *testing.T, db *sql.DB, _ []Record) {
			mustExec(t, db, `UPDATE audit_log SET outcome = 'success', error_code = '' WHERE seq = 4`)
			mustExec(t, db, `UPDATE audit_log SET outcome = 'failure' WHERE seq = 6`)
		}, KindEdited, 4},
		{"an edited time", func(t *testing.T, db *sql.DB, _ []Record) {
			mustExec(t, db, `UPDATE audit_log SET time_us = time_us + 1 WHERE seq = 2`)
		}, KindEdited, 2},
		{"an edited stored hash", func(t *testing.T, db *sql.DB, _ []Record) {
			mustExec(t, db, `UPDATE audit_log SET hash = ? WHERE seq = 5`, strings.Repeat("ab", 32))
		}, KindEdited, 5},
		{"an edited prev hash of the first record", func(t *testing.T, db *sql.DB, _ []Record) {
			mustExec(t, db, `UPDATE audit_log SET prev_hash = ? WHERE seq = 1`, strings.Repeat("0", 63)+"1")
		}, KindEdited, 1},
		{"an edited record whose hash was recomputed", func(t *testing.T, db *sql.DB, recs []Record) {
			mustExec(t, db, `DELETE FROM audit_log WHERE seq = 3`)
			insertRow(t, db, forge(t, 3, recs[1].Hash))
		}, KindEdited, 3},
		{"a deleted record in the middle", func(t *testing.T, db *sql.DB, _ []Record) {
			mustExec(t, db, `DELETE FROM audit_log WHERE seq = 3`)
		}, KindDeleted, 3},
		{"a deleted record with the later ones renumbered", func(t *testing.T, db *sql.DB, _ []Record) {
			mustExec(t, db, `DELETE FROM audit_log WHERE seq = 3`)
			mustExec(t, db, `UPDATE audit_log SET seq = seq - 1 WHERE seq > 3`)
			mustExec(t, db, `UPDATE audit_head SET seq = seq - 1`)
		}, KindDeleted, 3},
		{"a record inserted in the middle with a forged hash", func(t *testing.T, db *sql.DB, recs []Record) {
			shiftUp(t, db, 3, 1)
			insertRow(t, db, forge(t, 3, recs[1].Hash))
		}, KindInserted, 3},
		{"a record inserted in the middle as a copy", func(t *testing.T, db *sql.DB, recs []Record) {
			shiftUp(t, db, 3, 1)
			r := recs[0]
			r.Seq = 3
			insertRow(t, db, r)
		}, KindInserted, 3},
		{"a record inserted after the head", func(t *testing.T, db *sql.DB, recs []Record) {
			insertRow(t, db, forge(t, n+1, recs[n-1].Hash))
		}, KindInserted, n + 1},
		{"a record inserted before the first", func(t *testing.T, db *sql.DB, _ []Record) {
			insertRow(t, db, forge(t, 0, ZeroHash))
		}, KindInserted, 0},
		{"two records swapped", func(t *testing.T, db *sql.DB, _ []Record) {
			mustExec(t, db, `UPDATE audit_log SET seq = -1 WHERE seq = 3`)
			mustExec(t, db, `UPDATE audit_log SET seq = 3 WHERE seq = 4`)
			mustExec(t, db, `UPDATE audit_log SET seq = 4 WHERE seq = -1`)
		}, KindReordered, 3},
		{"two distant records swapped", func(t *testing.T, db *sql.DB, _ []Record) {
			mustExec(t, db, `UPDATE audit_log SET seq = -1 WHERE seq = 2`)
			mustExec(t, db, `UPDATE audit_log SET seq = 2 WHERE seq = 5`)
			mustExec(t, db, `UPDATE audit_log SET seq = 5 WHERE seq = -1`)
		}, KindReordered, 2},
		{"the newest records cut off", func(t *testing.T, db *sql.DB, _ []Record) {
			mustExec(t, db, `DELETE FROM audit_log WHERE seq >= 5`)
		}, KindTruncated, 5},
		{"every record deleted", func(t *testing.T, db *sql.DB, _ []Record) {
			mustExec(t, db, `DELETE FROM audit_log`)
		}, KindTruncated, 1},
		{"the newest records replaced by a forged one", func(t *testing.T, db *sql.DB, recs []Record) {
			mustExec(t, db, `DELETE FROM audit_log WHERE seq >= 5`)
			insertRow(t, db, forge(t, 8, recs[3].Hash))
		}, KindTruncated, 5},
		{"an edited head hash", func(t *testing.T, db *sql.DB, _ []Record) {
			mustExec(t, db, `UPDATE audit_head SET hash = ?`, strings.Repeat("cd", 32))
		}, KindHeadMismatch, n},
		{"a head moved back one record", func(t *testing.T, db *sql.DB, _ []Record) {
			mustExec(t, db, `UPDATE audit_head SET seq = seq - 1`)
		}, KindHeadMismatch, n - 1},
		{"a head moved forward", func(t *testing.T, db *sql.DB, _ []Record) {
			mustExec(t, db, `UPDATE audit_head SET seq = seq + 2`)
		}, KindHeadMismatch, n + 2},
		{"a deleted head", func(t *testing.T, db *sql.DB, _ []Record) {
			mustExec(t, db, `DELETE FROM audit_head`)
		}, KindHeadMismatch, n},
	}
	for _, c := range cases {
		t.Run(c.name+" is reported as "+c.kind, func(t *testing.T) {
			db := openDB(t)
			recs := appendSamples(t, db, n)
			wantIntact(t, db, n)
			c.tamper(t, db, recs)
			p, checked, err := Verify(context.Background(), db)
			if err != nil {
				t.Fatalf("verify: %v", err)
			}
			wantProblem(t, p, c.kind, c.seq)
			if maxIntact := c.seq; checked > maxIntact {
				t.Errorf("records checked: got %d, want at most %d", checked, maxIntact)
			}
		})
	}

	t.Run("the head of an empty chain must be the zero hash", func(t *testing.T) {
		db := openDB(t)
		mustExec(t, db, `INSERT INTO audit_head (id, seq, hash) VALUES (1, 0, ?)`, strings.Repeat("1", 64))
		p, _, err := Verify(context.Background(), db)
		if err != nil {
			t.Fatalf("verify: %v", err)
		}
		wantProblem(t, p, KindHeadMismatch, 0)
	})

	t.Run("a problem's detail holds no field contents", func(t *testing.T) {
		db := openDB(t)
		appendSamples(t, db, 3)
		const marker = "cli:do-not-echo"
		mustExec(t, db, `UPDATE audit_log SET principal = ? WHERE seq = 2`, marker)
		p, _, err := Verify(context.Background(), db)
		if err != nil {
			t.Fatalf("verify: %v", err)
		}
		wantProblem(t, p, KindEdited, 2)
		if strings.Contains(p.String(), marker) {
			t.Errorf("problem text holds a field's contents")
		}
	})
}

// exportLines exports n sample records and returns the lines, without
// their newlines.
func exportLines(t *testing.T, n int) []string {
	t.Helper()
	db := openDB(t)
	appendSamples(t, db, n)
	var buf bytes.Buffer
	if _, err := Export(context.Background(), db, &buf, Filter{}); err != nil {
		t.Fatalf("export: %v", err)
	}
	return strings.Split(strings.TrimSuffix(buf.String(), "\n"), "\n")
}

func TestVerifyExportDetectsTampering(t *testing.T) {
	const n = 5
	lines := exportLines(t, n)
	join := func(ls ...string) string { return strings.Join(ls, "\n") + "\n" }
	decode := func(line string) Record {
		r, err := DecodeRecord([]byte(line))
		if err != nil {
			t.Fatalf("decode: %v", err)
		}
		return r
	}
	encode := func(r Record) string {
		b, err := r.MarshalJSON()
		if err != nil {
			t.Fatalf("encode: %v", err)
		}
		return string(b)
	}
	edited := decode(lines[2])
	edited.Principal = "cli:someone-else"
	renumbered := func(from int) []string {
		var out []string
		for i, l := range lines[from:] {
			r := decode(l)
			r.Seq = int64(from + i)
			out = append(out, encode(r))
		}
		return out
	}

	cases := []struct {
		name   string
		stream string
		kind   string
		seq    int64
	}{
		{"an edited field", join(lines[0], lines[1], encode(edited), lines[3], lines[4]), KindEdited, 3},
		{"a deleted line", join(lines[0], lines[1], lines[3], lines[4]), KindDeleted, 3},
		{"a deleted line with the later ones renumbered", join(append(lines[:2:2], renumbered(3)...)...), KindDeleted, 3},
		{"two lines swapped", join(lines[0], lines[1], lines[3], lines[2], lines[4]), KindReordered, 3},
		{"a line repeated", join(lines[0], lines[1], lines[1], lines[2]), KindInserted, 2},
		{"a forged first line", join(encode(forge(t, 1, ZeroHash)), lines[1]), KindEdited, 1},
		{"a first record not from the zero hash", join(encode(forge(t, 1, strings.Repeat("1", 64)))), KindEdited, 1},
	}
	for _, c := range cases {
		t.Run("a stream with "+c.name+" is reported as "+c.kind, func(t *testing.T) {
			p, _, err := VerifyExport(strings.NewReader(c.stream))
			if err != nil {
				t.Fatalf("verify export: %v", err)
			}
			wantProblem(t, p, c.kind, c.seq)
		})
	}

	t.Run("a stream of the newest records verifies from its first prev hash", func(t *testing.T) {
		p, checked, err := VerifyExport(strings.NewReader(join(lines[2:]...)))
		if err != nil || p != nil || checked != n-2 {
			t.Errorf("verify export: got %v, %d, %v; want no problem, %d, no error", p, checked, err, n-2)
		}
	})

	t.Run("a malformed line is an error naming the line", func(t *testing.T) {
		_, _, err := VerifyExport(strings.NewReader(join(lines[0], lines[1]+"x", lines[2])))
		if !errors.Is(err, ErrInvalidRecord) {
			t.Fatalf("verify export: got error %v, want ErrInvalidRecord", err)
		}
		if !strings.Contains(err.Error(), "line 2") {
			t.Errorf("error %q: does not name line 2", err)
		}
	})
}
