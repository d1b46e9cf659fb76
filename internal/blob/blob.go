// Package blob is the object storage that backups are written to: a flat
// namespace of keys, each holding an immutable byte string, in a local
// directory (fileblob) or an S3 bucket (s3blob). Both pass the same
// conformance suite (blobtest), so code written against Bucket behaves the
// same on either.
//
// # Keys
//
// Keys are '/'-separated paths such as "backups/2026-11-25T12-00-00Z/0001.chunk".
// ValidateKey states the rules; every method checks its keys and answers a
// bad one with an error that wraps ErrInvalidKey and names the rule broken.
// The rules are the same for every implementation, so a key that works on a
// local directory also works on S3 and can never leave fileblob's root.
//
// # Why Put takes a reader
//
// Put(ctx, key, r) reads r to its end and only then makes the object
// visible, all in one call. A writer-style API (Create, Write, Close) would
// split that commit across calls and add two failure modes that the reader
// form cannot have: a writer that is never closed leaks a temporary file or
// an S3 multipart upload, and a writer closed after a failed write must be
// told not to commit. With a reader, every path out of Put, including a
// failing reader and a cancelled context, ends with the temporary state
// removed, and the implementation pulls data at the pace it can store it,
// which is the back-pressure a streaming producer needs. A producer that
// pushes (a compressor, an encrypter) connects to Put through io.Pipe and
// passes its own failure with PipeWriter.CloseWithError.
//
// # Consistency
//
// A Put is atomic: readers of the key see the previous object or the whole
// new one, never a part. An object that was never written completely (the
// reader failed, the context was cancelled, the store failed) is never
// visible. Objects are not modified in place: a Put replaces.
//
// # Encryption
//
// Buckets are untrusted storage. Data is encrypted and authenticated above
// this package; a Bucket sees only ciphertext, and its own encryption at rest
// (S3's server-side encryption) is an extra layer, not the barrier.
package blob

import (
	"context"
	"crypto/sha256"
	"errors"
	"io"
	"iter"
	"time"
)

// ErrNotFound is wrapped by the errors of reads of a key that holds no
// object.
var ErrNotFound = errors.New("object not found")

// ErrInvalidKey is wrapped by the errors for keys and prefixes that break
// the rules of ValidateKey and ValidatePrefix.
var ErrInvalidKey = errors.New("invalid key")

// Delimiter is the separator of key segments, and the only delimiter List
// accepts besides none.
const Delimiter = "/"

// Bucket is a store of objects under keys. Implementations are safe for
// concurrent use. Every method validates its keys first and fails with an
// error wrapping ErrInvalidKey, doing nothing, when one is invalid. Errors
// name the operation and the key.
type Bucket interface {
	// Put stores the bytes r yields until io.EOF as the object key,
	// replacing any object there, and returns the size and SHA-256 of what
	// it stored, computed while streaming. The object becomes visible
	// only whole, when Put returns nil. If r fails, ctx is done, or
	// storing fails, Put returns an error (wrapping r's error or ctx's
	// when they are the cause), removes its temporary data, and the key
	// keeps its previous object. (Only when the store itself becomes
	// unreachable can temporary data stay, and the error says what and
	// where: see s3blob.) Put does not close r.
	Put(ctx context.Context, key string, r io.Reader) (Written, error)

	// Get opens the object key for reading. It fails with an error
	// wrapping ErrNotFound when there is none. The caller closes the
	// reader; reads fail once ctx is done.
	Get(ctx context.Context, key string) (io.ReadCloser, error)

	// GetRange is Get for length bytes from offset, or to the end of the
	// object when length is -1. A range that ends past the object is cut
	// at its end; one that starts at or past the end reads nothing.
	// offset below zero or length below -1 or zero is invalid.
	GetRange(ctx context.Context, key string, offset, length int64) (io.ReadCloser, error)

	// Stat returns the size and modification time of the object key, or
	// an error wrapping ErrNotFound when there is none.
	Stat(ctx context.Context, key string) (Attrs, error)

	// Exists reports whether an object is stored under key. A missing
	// object is (false, nil); an error means the answer is unknown.
	Exists(ctx context.Context, key string) (bool, error)

	// List yields the objects whose keys start with prefix, in
	// byte-wise lexical order of their keys, fetching pages as it goes.
	// prefix need not end at a segment boundary ("backups/2026" matches
	// "backups/2026-11-25/0001").
	//
	// With delimiter "/", keys that have another '/' after the prefix are
	// rolled up into one Entry per distinct "directory": Key is the key up
	// to and including that '/', Dir is true, and it is yielded in the
	// lexical position of that string. A directory is listed only if at
	// least one object lies below it. With delimiter "" every object is
	// yielded. Other delimiters are an error.
	//
	// An error is yielded once, with a zero Entry, and ends the listing.
	// Objects written or deleted during a listing may or may not appear.
	List(ctx context.Context, prefix, delimiter string) iter.Seq2[Entry, error]

	// Delete removes the objects under keys. Keys that hold no object are
	// not an error, so Delete can be repeated. When some keys fail, the
	// others are still deleted and the error names each failed key.
	Delete(ctx context.Context, keys ...string) error

	// Close releases what the Bucket holds. It does not delete objects.
	Close() error
}

// Written describes an object that Put stored.
type Written struct {
	// Size is the number of bytes stored.
	Size int64
	// SHA256 is the SHA-256 digest of the bytes stored.
	SHA256 [sha256.Size]byte
}

// Attrs are the attributes of a stored object.
type Attrs struct {
	Size int64
	// ModTime is when the object was last written, by the store's clock.
	ModTime time.Time
}

// Entry is one item of a listing: an object, or with a delimiter a
// directory of objects.
type Entry struct {
	// Key is the object's key, or for a directory the common prefix
	// ending in "/".
	Key string
	// Dir reports whether Key is a directory rather than an object.
	Dir bool
	// Size and ModTime are the object's; zero for a directory.
	Size    int64
	ModTime time.Time
}
