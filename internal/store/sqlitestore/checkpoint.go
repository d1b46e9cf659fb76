package sqlitestore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
)

// SQLite copies the WAL back into the database file (a checkpoint, with
// its fsyncs) inside whichever commit pushes the WAL past its threshold, so
// that one commit, and every read waiting on it for its audit record,
// waits for the disk: at 2,000 reads a second this alone put p99 latency
// over 5 ms. The store's own connections never checkpoint; a goroutine
// does, on a connection of its own, after every checkpointEvery commits.
// Should it fall behind (a busy machine, a slow disk, a failing round), a
// commit that finds more than behindLimit commits since the last
// checkpoint that did its work waits for a round before it returns, so
// the WAL stays bounded however the goroutine is scheduled. Other
// processes keep SQLite's default, and the last connection to close
// checkpoints what is left.

// checkpointEvery is how many commits pass between checkpoints: about
// SQLite's default threshold of 1000 pages for the few pages an audit
// commit writes.
const checkpointEvery = 200

// restartFrames is the WAL length past which a checkpoint also empties
// the WAL: writers start again at the beginning of its file.
const restartFrames = 4000

// behindLimit is how many commits may pass since the last checkpoint that
// did its work before committers wait for the checkpointer: ten rounds
// missed, about 40 MiB of WAL.
const behindLimit = 10 * checkpointEvery

type checkpointer struct {
	db       *sql.DB      // a connection of its own
	fallback *sql.DB      // the writers' pool, should that connection fail
	commits  atomic.Int64 // commits so far
	kept     atomic.Int64 // commits that had passed when the last checkpoint that did its work began
	kick     chan struct{}
	done     chan struct{}
	wg       sync.WaitGroup
	once     sync.Once

	mu      sync.Mutex
	round   chan struct{} // closed when the checkpoint under way, or the next, ends
	lastErr error         // the last round's failure, for tests; under mu
}

func newCheckpointer(db, fallback *sql.DB) *checkpointer {
	c := &checkpointer{
		db:       db,
		fallback: fallback,
		kick:     make(chan struct{}, 1),
		done:     make(chan struct{}),
		round:    make(chan struct{}),
	}
	c.wg.Add(1)
	go c.loop()
	return c
}

// committed counts one commit and wakes the goroutine when a checkpoint is
// due. It returns at once unless the checkpointer has fallen behindLimit
// commits behind; then it waits for one checkpoint to end.
func (c *checkpointer) committed() {
	n := c.commits.Add(1)
	if n-c.kept.Load() > behindLimit {
		c.mu.Lock()
		round := c.round
		c.mu.Unlock()
		c.wake()
		select {
		case <-round:
		case <-c.done:
		}
		return
	}
	if n%checkpointEvery == 0 {
		c.wake()
	}
}

func (c *checkpointer) wake() {
	select {
	case c.kick <- struct{}{}:
	default: // one is already due
	}
}

func (c *checkpointer) loop() {
	defer c.wg.Done()
	for {
		select {
		case <-c.kick:
			start := c.commits.Load()
			err := c.checkpoint()
			if err == nil {
				c.kept.Store(start)
			}
			c.mu.Lock()
			c.lastErr = err
			close(c.round)
			c.round = make(chan struct{})
			c.mu.Unlock()
		case <-c.done:
			return
		}
	}
}

// checkpoint copies the WAL into the database and, once the WAL is long,
// empties it. An error (a busy database) only postpones the work to the
// next round. Should the checkpointer's own connection fail, the round
// runs on the writers' pool instead.
func (c *checkpointer) checkpoint() error {
	err := checkpointOn(c.db)
	if err != nil && c.fallback != nil {
		if ferr := checkpointOn(c.fallback); ferr == nil {
			return nil
		}
	}
	return err
}

func checkpointOn(db *sql.DB) error {
	ctx := context.Background()
	// PASSIVE copies what it can without waiting for readers or the
	// writer. Writers add frames while it copies, so the WAL never
	// empties by itself: RESTART, which holds writers back and waits
	// for readers, has only those frames left to copy.
	var busy, frames, copied int
	if err := db.QueryRowContext(ctx, `PRAGMA wal_checkpoint(PASSIVE)`).Scan(&busy, &frames, &copied); err != nil {
		return fmt.Errorf("passive checkpoint: %w", err)
	}
	if frames <= restartFrames {
		return nil
	}
	if err := db.QueryRowContext(ctx, `PRAGMA wal_checkpoint(RESTART)`).Scan(&busy, &frames, &copied); err != nil {
		return fmt.Errorf("restart checkpoint: %w", err)
	}
	if busy != 0 {
		return errors.New("restart checkpoint: readers kept the WAL busy")
	}
	return nil
}

// err returns the last round's failure, nil when it succeeded.
func (c *checkpointer) err() error {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.lastErr
}

// stop ends the goroutine, releasing any committer waiting on it; a Store
// may be closed more than once.
func (c *checkpointer) stop() {
	c.once.Do(func() {
		close(c.done)
		c.wg.Wait()
		c.db.Close()
	})
}
