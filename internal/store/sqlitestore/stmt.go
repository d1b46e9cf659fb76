package sqlitestore

import (
	"context"
	"database/sql"
	"sync"
)

// stmtCache prepares each query once per database; SQLite's parser is a
// large part of a short query's cost.
//
// A query seen for the first time runs unprepared on its transaction's own
// connection while a background goroutine prepares it for later calls:
// preparing needs a connection from the pool, and waiting for one inside a
// transaction can deadlock when every connection belongs to a transaction
// doing the same.
type stmtCache struct {
	db       *sql.DB
	mu       sync.Mutex
	m        map[string]*sql.Stmt
	inflight map[string]bool
	closed   bool
	wg       sync.WaitGroup
}

// get returns the prepared statement of query, or nil when it is not
// prepared yet.
func (c *stmtCache) get(query string) *sql.Stmt {
	c.mu.Lock()
	defer c.mu.Unlock()
	if st, ok := c.m[query]; ok {
		return st
	}
	if c.closed || c.inflight[query] {
		return nil
	}
	if c.inflight == nil {
		c.inflight = map[string]bool{}
	}
	c.inflight[query] = true
	c.wg.Add(1)
	go c.prepare(query)
	return nil
}

func (c *stmtCache) prepare(query string) {
	defer c.wg.Done()
	st, err := c.db.Prepare(query)
	c.mu.Lock()
	defer c.mu.Unlock()
	delete(c.inflight, query)
	if err != nil {
		return // the query keeps running unprepared; its own call reports errors
	}
	if c.closed {
		st.Close()
		return
	}
	if c.m == nil {
		c.m = map[string]*sql.Stmt{}
	}
	c.m[query] = st
}

// close waits for preparations in flight and closes every statement. It
// must be called before the database is closed.
func (c *stmtCache) close() {
	c.mu.Lock()
	c.closed = true
	c.mu.Unlock()
	c.wg.Wait()
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, st := range c.m {
		st.Close()
	}
	c.m = nil
}

// txn is a transaction whose queries use the prepared statements. It has
// the methods of *sql.Tx that the store and the audit trail use.
//
// A read's txn is a snapshot that begins with its first query (snap is
// set and Tx is nil until then), so a read answered from the read cache
// never opens a transaction.
type txn struct {
	*sql.Tx
	cache *stmtCache
	snap  *sql.DB

	// useCache lets a read's lookup answer from the read cache; cached
	// and gen say that it did, and from an entry of which generation.
	useCache bool
	cached   bool
	gen      int64
}

// open begins a lazy snapshot; it does nothing on a txn already open.
func (t *txn) open(ctx context.Context) error {
	if t.Tx != nil {
		return nil
	}
	tx, err := t.snap.BeginTx(ctx, &sql.TxOptions{ReadOnly: true})
	if err != nil {
		return err
	}
	t.Tx = tx
	return nil
}

// end rolls back a snapshot that was opened.
func (t *txn) end() {
	if t.Tx != nil {
		t.Tx.Rollback()
	}
}

func (t *txn) ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error) {
	if err := t.open(ctx); err != nil {
		return nil, err
	}
	if st := t.cache.get(query); st != nil {
		return t.Tx.StmtContext(ctx, st).ExecContext(ctx, args...)
	}
	return t.Tx.ExecContext(ctx, query, args...)
}

func (t *txn) QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error) {
	if err := t.open(ctx); err != nil {
		return nil, err
	}
	if st := t.cache.get(query); st != nil {
		return t.Tx.StmtContext(ctx, st).QueryContext(ctx, args...)
	}
	return t.Tx.QueryContext(ctx, query, args...)
}

// QueryRowContext is sql.Tx's; a snapshot that cannot begin yields a
// *sql.Row that reports the error from Scan.
func (t *txn) QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row {
	if t.Tx == nil {
		if err := t.open(ctx); err != nil {
			// The pool's own QueryRowContext reports err the same way,
			// through the Row.
			return t.snap.QueryRowContext(canceled(ctx, err), query, args...)
		}
	}
	if st := t.cache.get(query); st != nil {
		return t.Tx.StmtContext(ctx, st).QueryRowContext(ctx, args...)
	}
	return t.Tx.QueryRowContext(ctx, query, args...)
}

// canceled is a context already canceled with cause err: a query given it
// fails before it takes a connection, so the *sql.Row it returns carries
// the failure to Scan.
func canceled(ctx context.Context, err error) context.Context {
	c, cancel := context.WithCancelCause(ctx)
	cancel(err)
	return c
}
