package format

import (
	"errors"
	"strconv"
)

// Errors about stored objects. Every error that concerns one object is an
// *ObjectError naming it and wrapping one of these; test with errors.Is.
var (
	// ErrMissing means an object the manifest lists, or the manifest itself,
	// does not exist.
	ErrMissing = errors.New("missing")

	// ErrTruncated means an object ends early: fewer bytes than the manifest
	// records, or its last segment is not flagged as the last one.
	ErrTruncated = errors.New("truncated")

	// ErrCorrupt means an object's bytes are not the ones written: a segment
	// does not authenticate, or the size or SHA-256 differs from the
	// manifest. In the streaming reader a segment that does not authenticate
	// may also have been written under another key, backup or object name;
	// Verify, which also hashes the stored bytes, tells the two apart.
	ErrCorrupt = errors.New("corrupted")

	// ErrWrongKey means the data key cannot be unwrapped by the key provider
	// (another key-encryption key, or the manifest's backup id or wrapped key
	// was altered), or that intact stored bytes do not decrypt with the key
	// given.
	ErrWrongKey = errors.New("wrong key")

	// ErrManifestTampered means a manifest's HMAC does not match its
	// contents under the backup's data key: it was edited after it was
	// written.
	ErrManifestTampered = errors.New("manifest does not authenticate")

	// ErrInvalidManifest is wrapped by every error of DecodeManifest and
	// Validate about the manifest's contents.
	ErrInvalidManifest = errors.New("invalid manifest")
)

// ObjectError is a problem with one stored object of a backup. Object is the
// object's name within the backup, ManifestName for the manifest.
type ObjectError struct {
	Object string
	Err    error
}

func (e *ObjectError) Error() string {
	return "backup object " + strconv.Quote(e.Object) + ": " + e.Err.Error()
}

func (e *ObjectError) Unwrap() error { return e.Err }

// objectErr wraps err as an *ObjectError for name, unless it already is one
// for that name.
func objectErr(name string, err error) error {
	var oe *ObjectError
	if errors.As(err, &oe) && oe.Object == name {
		return err
	}
	return &ObjectError{Object: name, Err: err}
}
