package backup

import (
	"context"
	"database/sql"
	"strings"
	"sync"
)

// deferMinRows is the default size from which a table's secondary indexes are
// built after its rows are loaded rather than row by row: one sorted build
// is cheaper than hundreds of thousands of random inserts into each index.
const deferMinRows = 50_000

// deferredIndexes holds, per target table, the indexes dropped before its
// data was loaded and how many of its data objects are still to come.
type deferredIndexes struct {
	mu     sync.Mutex
	tables map[string]*deferredTable
}

type deferredTable struct {
	add     string // ALTER TABLE ... ADD KEY ..., ADD KEY ...
	pending int
}

func tableKey(db, table string) string { return db + "\x00" + table }

// deferIndexes drops the plain secondary indexes of the large tables about
// to be loaded and remembers how to add them back. Tables in a foreign key
// relationship, with full-text or spatial indexes, system versioning, or an
// AUTO_INCREMENT column only a secondary index covers are left alone.
func (r *restorer) deferIndexes(ctx context.Context, c *sql.Conn, data []Object) (*deferredIndexes, error) {
	d := &deferredIndexes{tables: map[string]*deferredTable{}}
	min := r.opts.DeferIndexRows
	if min == 0 {
		min = deferMinRows
	}
	if min < 0 {
		return d, nil
	}
	rows := map[string]int64{}
	chunks := map[string]int{}
	for _, o := range data {
		k := tableKey(o.Database, o.Table)
		rows[k] += o.Rows
		chunks[k]++
	}
	for _, o := range data {
		k := tableKey(o.Database, o.Table)
		if rows[k] < min || d.tables[k] != nil {
			continue
		}
		db, table := r.target(o.Database), o.Table
		var name, create string
		if err := c.QueryRowContext(ctx, "SHOW CREATE TABLE "+quoteIdent(db)+"."+quoteIdent(table)).Scan(&name, &create); err != nil {
			return nil, r.fail(o, err)
		}
		var referenced int
		if err := c.QueryRowContext(ctx, "SELECT COUNT(*) FROM information_schema.KEY_COLUMN_USAGE WHERE REFERENCED_TABLE_SCHEMA = ? AND REFERENCED_TABLE_NAME = ?",
			db, table).Scan(&referenced); err != nil {
			return nil, r.fail(o, err)
		}
		keys := deferrableKeys(create)
		if referenced > 0 || len(keys) == 0 {
			d.tables[k] = &deferredTable{pending: -1}
			continue
		}
		qt := quoteIdent(db) + "." + quoteIdent(table)
		drop, add := make([]string, len(keys)), make([]string, len(keys))
		for i, key := range keys {
			drop[i], add[i] = "DROP KEY "+key.name, "ADD "+key.def
		}
		if _, err := c.ExecContext(ctx, "ALTER TABLE "+qt+" "+strings.Join(drop, ", ")); err != nil {
			return nil, r.fail(o, err)
		}
		d.tables[k] = &deferredTable{add: "ALTER TABLE " + qt + " " + strings.Join(add, ", "), pending: chunks[k]}
	}
	return d, nil
}

// loaded notes that one data object of a table is in and returns the
// statement that adds the table's indexes back once it was the last one.
func (d *deferredIndexes) loaded(o Object) string {
	d.mu.Lock()
	defer d.mu.Unlock()
	t := d.tables[tableKey(o.Database, o.Table)]
	if t == nil || t.pending <= 0 {
		return ""
	}
	t.pending--
	if t.pending > 0 {
		return ""
	}
	return t.add
}

type secondaryKey struct {
	name string // quoted
	def  string // KEY `name` (...) [options], as SHOW CREATE TABLE wrote it
}

// deferrableKeys reads SHOW CREATE TABLE's output and returns the plain
// secondary keys that can be dropped and added back, or none when the
// table must keep them all.
func deferrableKeys(create string) []secondaryKey {
	if strings.Contains(create, "FOREIGN KEY") || strings.Contains(create, "WITH SYSTEM VERSIONING") {
		return nil
	}
	var keys []secondaryKey
	var kept []string // the leading column of every key that stays
	autoInc := ""
	for _, line := range strings.Split(create, "\n") {
		if !strings.HasPrefix(line, "  ") {
			continue
		}
		line = strings.TrimSuffix(strings.TrimSpace(line), ",")
		switch {
		case strings.HasPrefix(line, "`"):
			if strings.Contains(line, " AUTO_INCREMENT") {
				if j := closingQuote(line); j > 0 {
					autoInc = line[:j+1]
				}
			}
		case strings.HasPrefix(line, "FULLTEXT ") || strings.HasPrefix(line, "SPATIAL ") || strings.HasPrefix(line, "VECTOR "):
			return nil
		case strings.HasPrefix(line, "PRIMARY KEY (") || strings.HasPrefix(line, "UNIQUE KEY "):
			if i := strings.Index(line, "(`"); i >= 0 {
				if j := closingQuote(line[i+1:]); j > 0 {
					kept = append(kept, line[i+1:i+2+j])
				}
			}
		case strings.HasPrefix(line, "KEY `"):
			j := closingQuote(line[len("KEY "):])
			if j < 0 {
				return nil
			}
			keys = append(keys, secondaryKey{name: line[len("KEY ") : len("KEY ")+j+1], def: line})
		}
	}
	if autoInc != "" {
		covered := false
		for _, c := range kept {
			covered = covered || c == autoInc
		}
		if !covered {
			return nil
		}
	}
	return keys
}
