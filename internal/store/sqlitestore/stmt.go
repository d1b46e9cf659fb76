package sqlitestore

import (
	"context"
	"database/sql"
	"sync"
)

// stmtCache prepares each query once per database; SQLite's parser is a
// large part of a short query's cost.
type stmtCache struct {
	db *sql.DB
	mu sync.Mutex
	m  map[string]*sql.Stmt
}

func (c *stmtCache) get(ctx context.Context, query string) (*sql.Stmt, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if st, ok := c.m[query]; ok {
		return st, nil
	}
	st, err := c.db.PrepareContext(ctx, query)
	if err != nil {
		return nil, err
	}
	if c.m == nil {
		c.m = map[string]*sql.Stmt{}
	}
	c.m[query] = st
	return st, nil
}

func (c *stmtCache) close() {
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, st := range c.m {
		st.Close()
	}
	c.m = nil
}

// txn is a transaction whose queries use the prepared statements. It has
// the methods of *sql.Tx that the store and the audit trail use.
type txn struct {
	*sql.Tx
	cache *stmtCache
}

func (t *txn) ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error) {
	st, err := t.cache.get(ctx, query)
	if err != nil {
		return nil, err
	}
	return t.Tx.StmtContext(ctx, st).ExecContext(ctx, args...)
}

func (t *txn) QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error) {
	st, err := t.cache.get(ctx, query)
	if err != nil {
		return nil, err
	}
	return t.Tx.StmtContext(ctx, st).QueryContext(ctx, args...)
}

func (t *txn) QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row {
	st, err := t.cache.get(ctx, query)
	if err != nil {
		// Let the plain path report the error through Row.Scan.
		return t.Tx.QueryRowContext(ctx, query, args...)
	}
	return t.Tx.StmtContext(ctx, st).QueryRowContext(ctx, args...)
}
