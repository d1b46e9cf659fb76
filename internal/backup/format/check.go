package format

import (
	"crypto/sha256"
	"crypto/subtle"
	"encoding/hex"
	"fmt"
	"io"
)

// CheckStored reads an object's stored bytes to their end and checks their
// size and SHA-256 against the manifest's record, without decrypting them.
// The manifest is authenticated, so bytes that match it are the bytes the
// backup wrote; a restore that checks every object this way before it
// loads anything can stop a damaged backup at the door, and leaves the
// authentication of each segment to the load itself.
func CheckStored(r io.Reader, obj Object) error {
	h := sha256.New()
	n, err := io.Copy(h, r)
	if err != nil {
		return objectErr(obj.Name, fmt.Errorf("read: %w", err))
	}
	switch {
	case n < obj.Size:
		return objectErr(obj.Name, fmt.Errorf("%w: %d bytes stored, the manifest records %d", ErrTruncated, n, obj.Size))
	case n > obj.Size:
		return objectErr(obj.Name, fmt.Errorf("%w: %d bytes stored, the manifest records %d", ErrCorrupt, n, obj.Size))
	}
	want, err := hex.DecodeString(obj.SHA256)
	if err != nil || subtle.ConstantTimeCompare(h.Sum(nil), want) != 1 {
		return objectErr(obj.Name, fmt.Errorf("%w: its SHA-256 differs from the manifest's", ErrCorrupt))
	}
	return nil
}
