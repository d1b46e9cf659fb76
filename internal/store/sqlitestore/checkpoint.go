package sqlitestore

import (
	"context"
	"database/sql"
	"sync"
	"sync/atomic"
)

// SQLite copies the WAL back into the database file (a checkpoint, with
// its fsyncs) inside whichever commit pushes the WAL past its threshold, so
// that one commit, and every read waiting on it for its audit record,
// waits for the disk: at 2,000 reads a second this alone put p99 latency
// over 5 ms. The store's own connections never checkpoint; a goroutine
// does, on a connection of its own, after every checkpointEvery commits.
// Other processes keep SQLite's default, and the last connection to close
// checkpoints what is left.

// checkpointEvery commits. Other processes keep SQLite's default, and the
// last connection to close checkpoints what is left.

// checkpointEvery is how many commits pass between checkpoints: about
// SQLite's default threshold of 1000 pages for the few pages an audit
// commit writes.
const checkpointEvery = 200

// restartFrames is the WAL length past which a checkpoint also restarts
// the WAL from its beginning.
const restartFrames = 4000

type checkpointer struct {
	db      *sql.DB
	commits atomic.Int64
	kick    chan struct{}
	done    chan struct{}
	wg      sync.WaitGroup
	once    sync.Once
}

func newCheckpointer(db *sql.DB) *checkpointer {
	c := &checkpointer{db: db, kick: make(chan struct{}, 1), done: make(chan struct{})}
	c.wg.Add(1)
	go c.loop()
	return c
}

// committed counts one commit and wakes the goroutine when a checkpoint is
// due; it never blocks.
func (c *checkpointer) committed() {
	if c.commits.Add(1)%checkpointEvery != 0 {
		return
	}
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
			// PASSIVE copies what it can without waiting for readers or
			// the writer; what it leaves, the next one copies. An error
			// (a busy database) only postpones it.
			var busy, frames, copied int
			err := c.db.QueryRowContext(context.Background(), `PRAGMA wal_checkpoint(PASSIVE)`).Scan(&busy, &frames, &copied)
			if err == nil && frames > restartFrames {
				// Writers add frames while a passive checkpoint copies,
				// so the WAL never empties by itself: a restart, which
				// holds writers back, has only those frames left to copy.
				c.db.ExecContext(context.Background(), `PRAGMA wal_checkpoint(RESTART)`)
			}
		case <-c.done:
			return
		}
	}
}

// stop ends the goroutine; a Store may be closed more than once.
func (c *checkpointer) stop() {
	c.once.Do(func() {
		close(c.done)
		c.wg.Wait()
		c.db.Close()
	})
}
