package api

import (
	"context"
	"sync"
	"time"
)

// keyCacheTTL is how long a looked-up access key is reused. A key deleted
// or a principal changed in the store takes effect within this time.
const keyCacheTTL = 5 * time.Second

// keyCache keeps recent access key lookups, so that a busy client does not
// cost a database read and a decryption per request.
type keyCache struct {
	lookup KeyLookup
	now    func() time.Time
	mu     sync.Mutex
	m      map[string]cachedKey
}

type cachedKey struct {
	id      Identity
	secret  []byte
	expires time.Time
}

// get returns the identity and a copy of the secret for keyID; the caller
// may clear the copy.
func (c *keyCache) get(ctx context.Context, keyID string) (Identity, []byte, error) {
	now := c.now()
	c.mu.Lock()
	e, ok := c.m[keyID]
	c.mu.Unlock()
	if ok && now.Before(e.expires) {
		return e.id, append([]byte(nil), e.secret...), nil
	}
	id, secret, err := c.lookup(ctx, keyID)
	if err != nil {
		return Identity{}, nil, err
	}
	c.mu.Lock()
	if c.m == nil || len(c.m) > 10000 {
		for _, old := range c.m {
			clear(old.secret)
		}
		c.m = map[string]cachedKey{}
	}
	c.m[keyID] = cachedKey{id: id, secret: append([]byte(nil), secret...), expires: now.Add(keyCacheTTL)}
	c.mu.Unlock()
	return id, secret, nil
}
