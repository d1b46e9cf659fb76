package sqlitestore

import (
	"context"
	"errors"
	"runtime"
	"sync"

	"github.com/dbwarden/dbwarden/internal/audit"
)

// Reads run in a read-only snapshot that takes no write lock, so they run in
// parallel with each other and with writers. Their audit records are then
// appended by one goroutine that commits whatever records are waiting in a
// single transaction (group commit), and a read returns only after its
// record is committed: a read that could not be audited fails instead of
// returning a value.

// maxBatch bounds how many records one audit transaction takes.
const maxBatch = 256

// accessTouch asks the audit transaction to move a secret's (and one of its
// versions') last-accessed day forward. It never moves it back.
type accessTouch struct {
	secretID  int64
	versionID string
	day       int64
}

type pendingRecord struct {
	rec   audit.Record
	touch *accessTouch
	// check asks the writer to confirm that the database is still at
	// generation gen: the read answered from the read cache.
	check bool
	gen   int64
	done  chan error
}

// auditWriter is the goroutine that group-commits the records of reads.
type auditWriter struct {
	s    *Store
	reqs chan *pendingRecord

	mu     sync.RWMutex // held for reading by submitters, for writing by stop
	closed bool
	wg     sync.WaitGroup
}

func newAuditWriter(s *Store) *auditWriter {
	w := &auditWriter{s: s, reqs: make(chan *pendingRecord, maxBatch)}
	w.wg.Add(1)
	go w.loop()
	return w
}

var errClosed = errors.New("store is closed")

// errStale is the writer's answer to a read answered from the read cache
// when the secrets changed since the entry was loaded: its record is not
// appended, and the read runs again.
var errStale = errors.New("read cache entry is stale")

// submit hands a record to the writer and waits until it is committed.
// When check is set, the record is appended only if the database is still
// at generation gen; submit returns errStale otherwise.
func (w *auditWriter) submit(rec audit.Record, touch *accessTouch, check bool, gen int64) error {
	p := &pendingRecord{rec: rec, touch: touch, check: check, gen: gen, done: make(chan error, 1)}
	w.mu.RLock()
	if w.closed {
		w.mu.RUnlock()
		return errClosed
	}
	w.reqs <- p
	w.mu.RUnlock()
	// The caller must not see the value unless its record lands in the
	// trail, so this waits for the commit whatever the caller's context.
	return <-p.done
}

// stop lets queued records commit and ends the goroutine.
func (w *auditWriter) stop() {
	w.mu.Lock()
	if !w.closed {
		w.closed = true
		close(w.reqs)
	}
	w.mu.Unlock()
	w.wg.Wait()
}

func (w *auditWriter) loop() {
	defer w.wg.Done()
	batch := make([]*pendingRecord, 0, maxBatch)
	for p := range w.reqs {
		batch = append(batch[:0], p)
		// Let the readers that are about to submit do so: under load this
		// doubles the records a commit carries; alone, it costs nothing.
		runtime.Gosched()
	drain:
		for len(batch) < maxBatch {
			select {
			case q, ok := <-w.reqs:
				if !ok {
					break drain
				}
				batch = append(batch, q)
			default:
				break drain
			}
		}
		stale, err := w.commit(batch)
		if err != nil {
			// One bad record must not fail the others: retry each alone.
			for _, q := range batch {
				stale, err := w.commit([]*pendingRecord{q})
				if stale[q] {
					err = errStale
				}
				q.done <- err
			}
			continue
		}
		for _, q := range batch {
			if stale[q] {
				q.done <- errStale
			} else {
				q.done <- nil
			}
		}
	}
}

// commit appends a batch of records, and applies their last-accessed
// touches, in one write transaction. The records of cached reads made
// stale by a change are left out and returned in stale.
func (w *auditWriter) commit(batch []*pendingRecord) (stale map[*pendingRecord]bool, err error) {
	// Each record already carries its own caller; this context carries
	// none, so that AppendBatch fills nothing in from another caller.
	ctx := context.Background()
	tx, err := w.s.begin(ctx)
	if err != nil {
		return nil, internal("begin audit transaction", err)
	}
	defer tx.Rollback()
	gen := int64(-1)
	recs := make([]audit.Record, 0, len(batch))
	for _, p := range batch {
		if p.check {
			if gen < 0 {
				if gen, err = w.s.generation(ctx, tx); err != nil {
					return nil, internal("read generation", err)
				}
			}
			if p.gen != gen {
				if stale == nil {
					stale = map[*pendingRecord]bool{}
				}
				stale[p] = true
				continue
			}
		}
		recs = append(recs, p.rec)
		if t := p.touch; t != nil {
			if _, err := tx.ExecContext(ctx, `UPDATE secrets SET accessed_at = ? WHERE id = ? AND accessed_at < ?`, t.day, t.secretID, t.day); err != nil {
				return nil, internal("update last accessed date", err)
			}
			if _, err := tx.ExecContext(ctx, `UPDATE versions SET accessed_at = ? WHERE secret_id = ? AND version_id = ? AND accessed_at < ?`, t.day, t.secretID, t.versionID, t.day); err != nil {
				return nil, internal("update last accessed date", err)
			}
		}
	}
	if len(recs) == 0 {
		return stale, nil
	}
	if _, err := audit.AppendBatch(ctx, tx, recs); err != nil {
		return nil, internal("append audit records", err)
	}
	if err := tx.Commit(); err != nil {
		return nil, internal("commit audit records", err)
	}
	w.s.ckpt.committed()
	return stale, nil
}

// read runs a read-only operation in a snapshot (or from the read cache), then has its audit record,
// success or failure, committed before it returns.
func (s *Store) read(ctx context.Context, action, secretID string, fn func(tx *txn, ev *event) (*accessTouch, error)) error {
	for attempt := 0; ; attempt++ {
		ev := &event{resource: secretID}
		tx := &txn{cache: s.rstmts, snap: s.rdb, useCache: attempt == 0}
		touch, ferr := fn(tx, ev)
		tx.end()
		err := s.writer.submit(s.newRecord(ctx, action, ev, ferr), touch, tx.cached, tx.gen)
		if err == errStale {
			continue // the second attempt reads in a snapshot, which is never stale
		}
		if err != nil {
			if ferr != nil {
				return errors.Join(ferr, internal("record failure", err))
			}
			return internal("record read", err)
		}
		return ferr
	}
}
