package backup

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
	"sync"

	"github.com/dbwarden/dbwarden/internal/mysqladmin"
)

// encoding is how a column's values are written as SQL literals. Values
// are read with SET NAMES binary, as stored; strings of every character
// set, binary, BIT, ENUM, SET and geometry go back as plain string
// literals, which the restore's data sessions (SET NAMES binary) take as
// binary strings, so no byte is ever converted on the way.
type encoding int

const (
	encBinary encoding = iota // '...', binary in a SET NAMES binary session
	encRaw                    // numbers, as the server prints them
	encQuoted                 // dates and times, UUID, INET: ASCII text, _latin1'...'

	encJSON // MySQL's binary JSON: CONVERT(X'...' USING utf8mb4)
)

type column struct {
	name string
	enc  encoding
}

// task is one chunk of one table to read: a range of its integer primary
// key, or the whole table.
type task struct {
	db, table string
	cols      []column
	pk        string // the integer primary key's column; "" to stream the whole table
	lo, hi    *int64 // pk >= lo and pk < hi; nil for no bound
	chunk     int
}

func encodingOf(dataType string, flavor mysqladmin.Flavor) encoding {
	switch strings.ToLower(dataType) {
	case "tinyint", "smallint", "mediumint", "int", "integer", "bigint", "decimal", "numeric", "float", "double", "real", "year":
		return encRaw
	case "date", "time", "datetime", "timestamp", "uuid", "inet4", "inet6":
		return encQuoted
	case "json":
		if flavor != mysqladmin.MariaDB {
			return encJSON
		}
	}
	return encBinary
}

// plan reads a table's columns and primary key and splits it into tasks.
func (d *dumper) plan(ctx context.Context, db, table string) ([]task, error) {
	c := d.workers[0]
	names, types, err := dumpedColumns(ctx, c, db, table)
	if err != nil {
		return nil, d.fail("read the columns of "+db+"."+table, err)
	}
	var cols []column
	for i, name := range names {
		cols = append(cols, column{name: name, enc: encodingOf(types[i], d.srv.Info().Flavor)})
	}
	if len(cols) == 0 {
		return nil, d.fail("read the columns of "+db+"."+table, fmt.Errorf("no columns visible: the dump user may not see this table"))
	}
	base := task{db: db, table: table, cols: cols}

	var pkCols []string
	var pkType string
	prow, err := c.QueryContext(ctx, `SELECT s.COLUMN_NAME, c.DATA_TYPE FROM information_schema.STATISTICS s
		JOIN information_schema.COLUMNS c ON c.TABLE_SCHEMA = s.TABLE_SCHEMA AND c.TABLE_NAME = s.TABLE_NAME AND c.COLUMN_NAME = s.COLUMN_NAME
		WHERE s.TABLE_SCHEMA = ? AND s.TABLE_NAME = ? AND s.INDEX_NAME = 'PRIMARY' ORDER BY s.SEQ_IN_INDEX`, db, table)
	if err != nil {
		return nil, d.fail("read the primary key of "+db+"."+table, err)
	}
	for prow.Next() {
		var n, t string
		if err := prow.Scan(&n, &t); err != nil {
			prow.Close()
			return nil, d.fail("read the primary key of "+db+"."+table, err)
		}
		pkCols, pkType = append(pkCols, n), t
	}
	prow.Close()
	if len(pkCols) != 1 || encodingOf(pkType, d.srv.Info().Flavor) != encRaw || strings.Contains(strings.ToLower(pkType), "dec") ||
		strings.Contains(strings.ToLower(pkType), "float") || strings.Contains(strings.ToLower(pkType), "double") {
		return []task{base}, nil
	}
	var estimate int64
	c.QueryRowContext(ctx, `SELECT COALESCE(TABLE_ROWS, 0) FROM information_schema.TABLES WHERE TABLE_SCHEMA = ? AND TABLE_NAME = ?`, db, table).Scan(&estimate)
	if estimate <= d.opts.ChunkRows {
		return []task{base}, nil
	}
	var lo, hi sql.NullInt64
	q := "SELECT MIN(" + quoteIdent(pkCols[0]) + "), MAX(" + quoteIdent(pkCols[0]) + ") FROM " + quoteIdent(db) + "." + quoteIdent(table)
	if err := c.QueryRowContext(ctx, q).Scan(&lo, &hi); err != nil {
		return nil, d.fail("read the key range of "+db+"."+table, err)
	}
	if !lo.Valid || hi.Int64 <= lo.Int64 {
		return []task{base}, nil
	}
	n := (estimate + d.opts.ChunkRows - 1) / d.opts.ChunkRows
	span := uint64(hi.Int64-lo.Int64)/uint64(n) + 1
	var tasks []task
	for i := range n {
		t := base
		t.pk, t.chunk = pkCols[0], int(i)
		if i > 0 {
			b := lo.Int64 + int64(uint64(i)*span)
			t.lo = &b
		}
		if i < n-1 {
			b := lo.Int64 + int64(uint64(i+1)*span)
			t.hi = &b
		}
		tasks = append(tasks, t)
	}
	return tasks, nil
}

// data runs the tasks on the workers, each in its snapshot.
func (d *dumper) data(ctx context.Context, tasks []task) error {
	return each(ctx, len(d.workers), tasks,
		func(context.Context, int) (func(), error) { return func() {}, nil },
		func(ctx context.Context, w int, t task) error { return d.dumpTask(ctx, d.workers[w], t) })
}

// each runs do for every item on n goroutines. open, called once in each
// goroutine, readies what it needs and returns its release; the first
// error stops the others and is returned.
func each[T any](ctx context.Context, n int, items []T, open func(ctx context.Context, worker int) (func(), error), do func(ctx context.Context, worker int, item T) error) error {
	ctx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	ch := make(chan T)
	var wg sync.WaitGroup
	for w := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			release, err := open(ctx, w)
			if err != nil {
				cancel(err)
				return
			}
			defer release()
			for item := range ch {
				if err := do(ctx, w, item); err != nil {
					cancel(err)
					return
				}
			}
		}()
	}
	func() {
		defer close(ch)
		for _, item := range items {
			select {
			case ch <- item:
			case <-ctx.Done():
				return
			}
		}
	}()
	wg.Wait()
	if err := context.Cause(ctx); err != nil && err != context.Canceled {
		return err
	}
	return ctx.Err()
}

// dumpTask streams one task's rows into one or more data objects.
func (d *dumper) dumpTask(ctx context.Context, c *sql.Conn, t task) error {
	names := make([]string, len(t.cols))
	for i, col := range t.cols {
		names[i] = quoteIdent(col.name)
	}
	q := "SELECT " + strings.Join(names, ", ") + " FROM " + quoteIdent(t.db) + "." + quoteIdent(t.table)
	var conds []string
	var args []any
	if t.lo != nil {
		conds, args = append(conds, quoteIdent(t.pk)+" >= ?"), append(args, *t.lo)
	}
	if t.hi != nil {
		conds, args = append(conds, quoteIdent(t.pk)+" < ?"), append(args, *t.hi)
	}
	if len(conds) > 0 {
		q += " WHERE " + strings.Join(conds, " AND ")
	}
	rows, err := c.QueryContext(ctx, q, args...)
	if err != nil {
		return d.fail("read "+t.db+"."+t.table, err)
	}
	defer rows.Close()
	prefix := "INSERT INTO " + quoteIdent(t.table) + " (" + strings.Join(names, ",") + ") VALUES "
	vals := make([]sql.RawBytes, len(t.cols))
	ptrs := make([]any, len(vals))
	for i := range vals {
		ptrs[i] = &vals[i]
	}

	chunk := t.chunk
	rh := newRowHasher()
	var stmt []byte
	var pending error
	// One object at a time: rows flow into it until it is big enough
	// (whole-table tasks only), then it is closed and the next begins.
	for more := true; more; chunk++ {
		more = false
		obj := Object{Kind: KindData, Database: t.db, Table: t.table, Chunk: chunk,
			Name: fmt.Sprintf("data/%s/%s.%05d.sql", safeName(t.db), safeName(t.table), chunk)}
		err := d.object(ctx, obj, func(sw *statementWriter, o *Object) (int64, error) {
			var n, size int64
			var sum rowSum
			defer func() { o.RowSum = sum.String() }()
			for rows.Next() {
				if err := rows.Scan(ptrs...); err != nil {
					return n, d.fail("read "+t.db+"."+t.table, err)
				}
				rh.add(&sum, vals)
				row := appendRow(nil, vals, t.cols)
				if len(stmt) > 0 && len(stmt)+1+len(row) > maxInsert {
					if err := sw.write(stmt); err != nil {
						return n, err
					}
					size += int64(len(stmt))
					stmt = stmt[:0]
				}
				if len(stmt) == 0 {
					stmt = append(stmt, prefix...)
				} else {
					stmt = append(stmt, ',')
				}
				stmt = append(stmt, row...)
				n++
				if t.pk == "" && size >= d.opts.ChunkBytes {
					more = true
					break
				}
			}
			if !more {
				if err := rows.Err(); err != nil {
					return n, d.fail("read "+t.db+"."+t.table, err)
				}
			}
			if len(stmt) > 0 {
				if err := sw.write(stmt); err != nil {
					return n, err
				}
				stmt = stmt[:0]
			}
			return n, nil
		})
		if err != nil {
			pending = err
			break
		}
	}
	return pending
}

// appendBinary appends v as a string literal, '...', with the bytes the
// server's parser treats specially escaped (the restore session never sets
// NO_BACKSLASH_ESCAPES). The restore loads data in SET NAMES binary
// sessions, where such a literal is a binary string, as _binary'...' would
// be; leaving out the introducer saves the server a charset lookup a value
// (and backups written with it still restore). It is about the size of v,
// where a hexadecimal literal would be twice that: a row of tens of MB
// stays within max_allowed_packet.
func appendBinary(b, v []byte) []byte {
	b = append(b, '\'')
	start := 0
	for i, c := range v {
		var esc byte
		switch c {
		case 0:
			esc = '0'
		case '\'', '\\':
			esc = c
		case '\n':
			esc = 'n'
		case '\r':
			esc = 'r'
		case 0x1a:
			esc = 'Z'
		default:
			continue
		}
		// Runs of ordinary bytes are copied whole.
		b = append(b, v[start:i]...)
		b = append(b, '\\', esc)
		start = i + 1
	}
	b = append(b, v[start:]...)
	return append(b, '\'')
}

// appendRow appends "(v1,v2,...)" to b.
func appendRow(b []byte, vals []sql.RawBytes, cols []column) []byte {
	b = append(b, '(')
	for i, v := range vals {
		if i > 0 {
			b = append(b, ',')
		}
		if v == nil {
			b = append(b, "NULL"...)
			continue
		}
		switch cols[i].enc {
		case encRaw:
			b = append(b, v...)
		case encQuoted:
			// A character string, not binary: UUID and INET6 parse text
			// only from one.
			b = append(b, "_latin1'"...)
			for _, c := range v {
				if c == '\'' || c == '\\' {
					b = append(b, c)
				}
				b = append(b, c)
			}
			b = append(b, '\'')
		case encJSON:
			b = append(b, "CONVERT("...)
			b = appendBinary(b, v)
			b = append(b, " USING utf8mb4)"...)
		default:
			b = appendBinary(b, v)
		}
	}
	return append(b, ')')
}
