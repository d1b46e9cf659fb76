package sqlitestore

import (
	"context"
	"database/sql"
	"errors"
	"sync"

	"github.com/dbwarden/dbwarden/internal/secret"
	"github.com/dbwarden/dbwarden/internal/store"
)

// The read cache keeps secrets as a read loaded them (metadata, staging
// labels and the sealed values of labelled versions: never a plaintext),
// so that a read of an unchanged secret runs no query of its own. Every
// change to the secrets and versions tables, by any process, moves the
// database's generation (triggers keep it). A read answered from an entry
// asks the audit writer, which reads the generation once per batch inside
// its write transaction, to append its record only if the generation is
// still the entry's; otherwise the read runs again in a snapshot. So a
// cached answer was current at a moment between the call and its return,
// the same guarantee a snapshot gives.
//
// Cached rows are shared by concurrent reads: the read path never changes
// a row it found.

// cacheBytes bounds the sealed values the cache holds; past it, the cache
// starts again empty.
const cacheBytes = 64 << 20

// cacheEntries bounds the number of lookups the cache remembers.
const cacheEntries = 16384

type cacheEntry struct {
	gen    int64
	row    *row
	facts  store.SecretFacts
	sealed map[string]sealedValue // by version id, labelled versions only
	size   int
}

type sealedValue struct{ ciphertext, wrappedKey []byte }

type readCache struct {
	mu   sync.Mutex
	m    map[string]*cacheEntry // by the SecretId the read asked for
	size int
}

func (c *readCache) get(id string) *cacheEntry {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.m[id]
}

func (c *readCache) put(id string, e *cacheEntry) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if old := c.m[id]; old != nil {
		if old.gen > e.gen {
			return // a newer load got there first
		}
		c.size -= old.size
	}
	if c.m == nil || len(c.m) >= cacheEntries || c.size+e.size > cacheBytes {
		c.m, c.size = map[string]*cacheEntry{}, 0
	}
	c.m[id] = e
	c.size += e.size
}

// generation reads the database's change counter in tx.
func (s *Store) generation(ctx context.Context, tx *txn) (int64, error) {
	var n int64
	err := tx.QueryRowContext(ctx, `SELECT n FROM generation WHERE id = 1`).Scan(&n)
	return n, err
}

// findCached is find for the read path: from the cache when it has the
// secret (the audit writer confirms the entry is current), else loaded in
// tx's snapshot and remembered. Authorization runs either way.
func (s *Store) findCached(ctx context.Context, tx *txn, id string) (*row, error) {
	if id == "" || tx.snap == nil || tx.Tx != nil {
		return s.find(ctx, tx, id)
	}
	if tx.useCache {
		if e := s.cache.get(id); e != nil {
			tx.cached, tx.gen = true, e.gen
			if a := store.AuthorizerFrom(ctx); a != nil {
				if err := a(e.facts); err != nil {
					return nil, err
				}
			}
			return e.row, nil
		}
	}
	if err := tx.open(ctx); err != nil {
		return nil, internal("begin read transaction", err)
	}
	gen, err := s.generation(ctx, tx)
	if err != nil {
		return nil, internal("read generation", err)
	}
	r, err := s.find(ctx, tx, id)
	if err != nil {
		return nil, err
	}
	e := &cacheEntry{gen: gen, row: r, facts: factsOf(r), sealed: map[string]sealedValue{}}
	rows, err := tx.QueryContext(ctx, `SELECT version_id, ciphertext, wrapped_key FROM versions WHERE secret_id = ? AND stages <> '[]'`, r.id)
	if err != nil {
		return nil, internal("read versions", err)
	}
	defer rows.Close()
	for rows.Next() {
		var vid string
		var v sealedValue
		if err := rows.Scan(&vid, &v.ciphertext, &v.wrappedKey); err != nil {
			return nil, internal("read versions", err)
		}
		e.sealed[vid] = v
		e.size += len(v.ciphertext) + len(v.wrappedKey)
	}
	if err := rows.Err(); err != nil {
		return nil, internal("read versions", err)
	}
	r.sealed = e.sealed
	s.cache.put(id, e)
	return r, nil
}

// sealedValueOf returns the sealed value of one version of r: from the
// cache entry r came from, else from tx's snapshot.
func (s *Store) sealedValueOf(ctx context.Context, tx *txn, r *row, versionID string) (sealedValue, error) {
	if v, ok := r.sealed[versionID]; ok {
		return v, nil
	}
	var v sealedValue
	err := tx.QueryRowContext(ctx, `SELECT ciphertext, wrapped_key FROM versions WHERE secret_id = ? AND version_id = ?`, r.id, versionID).Scan(&v.ciphertext, &v.wrappedKey)
	if errors.Is(err, sql.ErrNoRows) && r.sealed != nil {
		// The secret came from the cache and the version was deleted
		// since: the read sees the secret as it is now.
		return v, errVersionGone()
	}
	return v, err
}

func factsOf(r *row) store.SecretFacts {
	f := store.SecretFacts{ARN: r.sec.ARN, Name: r.sec.Name, Tags: make(map[string]string, len(r.sec.Tags)), ResourcePolicy: r.policy}
	for _, t := range r.sec.Tags {
		f.Tags[t.Key] = t.Value
	}
	return f
}

func errVersionGone() error {
	return secret.Errorf(secret.CodeResourceNotFound, "Secrets Manager can't find the specified secret value.")
}
