package backup

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/binary"
	"encoding/hex"
	"fmt"
	"hash"
	"strings"
)

// rowSum is an order-independent checksum of a set of rows: the sum, in
// two 64-bit words, of the first 16 bytes of each row's SHA-256. Rows are
// hashed as the dump reads them (SET NAMES binary, time zone UTC, the
// columns it dumps), so a table read back the same way after a restore
// gives the same sum whatever order its rows come in and whatever its row
// format, where CHECKSUM TABLE depends on both.
type rowSum struct{ hi, lo uint64 }

// rowHasher hashes rows into a sum, reusing its buffers.
type rowHasher struct {
	h   hash.Hash
	buf []byte
	out [sha256.Size]byte
}

func newRowHasher() *rowHasher { return &rowHasher{h: sha256.New()} }

// add adds one row: each value as its length and bytes, NULL as a length
// no value can have.
func (rh *rowHasher) add(s *rowSum, vals []sql.RawBytes) {
	rh.h.Reset()
	for _, v := range vals {
		rh.buf = rh.buf[:0]
		if v == nil {
			rh.buf = binary.BigEndian.AppendUint64(rh.buf, ^uint64(0))
		} else {
			rh.buf = binary.BigEndian.AppendUint64(rh.buf, uint64(len(v)))
		}
		rh.h.Write(rh.buf)
		rh.h.Write(v)
	}
	sum := rh.h.Sum(rh.out[:0])
	s.add(rowSum{binary.BigEndian.Uint64(sum[:8]), binary.BigEndian.Uint64(sum[8:16])})
}

func (s *rowSum) add(o rowSum) {
	lo := s.lo + o.lo
	carry := uint64(0)
	if lo < s.lo {
		carry = 1
	}
	s.hi, s.lo = s.hi+o.hi+carry, lo
}

func (s rowSum) String() string {
	var b [16]byte
	binary.BigEndian.PutUint64(b[:8], s.hi)
	binary.BigEndian.PutUint64(b[8:], s.lo)
	return hex.EncodeToString(b[:])
}

func parseRowSum(h string) (rowSum, error) {
	b, err := hex.DecodeString(h)
	if err != nil || len(b) != 16 {
		return rowSum{}, fmt.Errorf("row sum %q is not 32 hex digits", h)
	}
	return rowSum{binary.BigEndian.Uint64(b[:8]), binary.BigEndian.Uint64(b[8:])}, nil
}

type queryer interface {
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
}

// dumpedColumns lists the columns a dump reads of a table, in order: all
// but the generated ones, which the server computes again on restore.
func dumpedColumns(ctx context.Context, q queryer, db, table string) (names, types []string, err error) {
	rows, err := q.QueryContext(ctx, `SELECT COLUMN_NAME, DATA_TYPE, EXTRA FROM information_schema.COLUMNS
		WHERE TABLE_SCHEMA = ? AND TABLE_NAME = ? ORDER BY ORDINAL_POSITION`, db, table)
	if err != nil {
		return nil, nil, err
	}
	defer rows.Close()
	for rows.Next() {
		var name, typ, extra string
		if err := rows.Scan(&name, &typ, &extra); err != nil {
			return nil, nil, err
		}
		x := strings.ToUpper(extra)
		if strings.Contains(x, "GENERATED") || strings.Contains(x, "PERSISTENT") || strings.Contains(x, "VIRTUAL") {
			continue
		}
		names, types = append(names, name), append(types, typ)
	}
	return names, types, rows.Err()
}

// CheckRows reads back every restored table of the data objects given and
// compares the sum of its rows with the sums the dump recorded, naming the
// first table that differs. Tables whose objects carry no sum (backups
// from before sums were recorded) are skipped and counted in skipped.
func CheckRows(ctx context.Context, c *sql.Conn, objects []Object, rename map[string]string) (checked, skipped int, err error) {
	type table struct{ db, name string }
	var order []table
	want := map[table]*rowSum{}
	missing := map[table]bool{}
	for _, o := range objects {
		if o.Kind != KindData {
			continue
		}
		t := table{o.Database, o.Table}
		if _, ok := want[t]; !ok && !missing[t] {
			order = append(order, t)
			want[t] = &rowSum{}
		}
		if o.RowSum == "" {
			missing[t] = true
			continue
		}
		s, err := parseRowSum(o.RowSum)
		if err != nil {
			return checked, skipped, fmt.Errorf("object %s: %w", o.Name, err)
		}
		want[t].add(s)
	}
	for _, q := range []string{"SET NAMES binary", "SET SESSION time_zone = '+00:00'"} {
		if _, err := c.ExecContext(ctx, q); err != nil {
			return checked, skipped, err
		}
	}
	rh := newRowHasher()
	for _, t := range order {
		if missing[t] {
			skipped++
			continue
		}
		db := t.db
		if n, ok := rename[db]; ok {
			db = n
		}
		names, _, err := dumpedColumns(ctx, c, db, t.name)
		if err != nil {
			return checked, skipped, fmt.Errorf("check rows of %s.%s: %w", db, t.name, err)
		}
		quoted := make([]string, len(names))
		for i, n := range names {
			quoted[i] = quoteIdent(n)
		}
		rows, err := c.QueryContext(ctx, "SELECT "+strings.Join(quoted, ", ")+" FROM "+quoteIdent(db)+"."+quoteIdent(t.name))
		if err != nil {
			return checked, skipped, fmt.Errorf("check rows of %s.%s: %w", db, t.name, err)
		}
		vals := make([]sql.RawBytes, len(names))
		ptrs := make([]any, len(vals))
		for i := range vals {
			ptrs[i] = &vals[i]
		}
		var got rowSum
		for rows.Next() {
			if err := rows.Scan(ptrs...); err != nil {
				rows.Close()
				return checked, skipped, fmt.Errorf("check rows of %s.%s: %w", db, t.name, err)
			}
			rh.add(&got, vals)
		}
		err = rows.Err()
		rows.Close()
		if err != nil {
			return checked, skipped, fmt.Errorf("check rows of %s.%s: %w", db, t.name, err)
		}
		if got != *want[t] {
			return checked, skipped, &RowsMismatchError{Database: db, Table: t.name}
		}
		checked++
	}
	return checked, skipped, nil
}

// RowsMismatchError is a restored table whose rows are not the rows the
// dump read.
type RowsMismatchError struct{ Database, Table string }

func (e *RowsMismatchError) Error() string {
	return fmt.Sprintf("restored table %s.%s does not hold the rows the backup recorded (row checksum differs)", e.Database, e.Table)
}
