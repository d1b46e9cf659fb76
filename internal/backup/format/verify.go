package format

import (
	"context"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"strings"

	"github.com/dbwarden/dbwarden/internal/keys"
)

// Objects opens the stored objects of one backup by name.
type Objects interface {
	// Open returns the stored bytes of the named object. An object that does
	// not exist gives an error wrapping fs.ErrNotExist; any other error is a
	// failure to read (I/O, network), which Verify reports as is.
	Open(ctx context.Context, name string) (io.ReadCloser, error)
}

// Report sums up what Verify checked.
type Report struct {
	Objects     int   // objects the manifest lists
	Verified    int   // objects that checked out
	StoredBytes int64 // stored bytes read
	RawBytes    int64 // bytes recovered after decryption and decompression
}

// VerifyError lists every object that failed verification, each an
// *ObjectError wrapping ErrMissing, ErrTruncated, ErrCorrupt, ErrWrongKey or
// a read error.
type VerifyError struct {
	Objects  int // objects the manifest lists
	Problems []*ObjectError
}

func (e *VerifyError) Error() string {
	msgs := make([]string, len(e.Problems))
	for i, p := range e.Problems {
		msgs[i] = p.Error()
	}
	return fmt.Sprintf("backup verification: %d of %d objects failed: %s", len(e.Problems), e.Objects, strings.Join(msgs, "; "))
}

func (e *VerifyError) Unwrap() []error {
	errs := make([]error, len(e.Problems))
	for i, p := range e.Problems {
		errs[i] = p
	}
	return errs
}

// VerifyBackup reads the backup's manifest through objs, unwraps its data key
// with kp, authenticates the manifest and verifies every object with Verify.
// A missing manifest is an *ObjectError for ManifestName wrapping ErrMissing:
// without one, the objects are not a backup.
func VerifyBackup(ctx context.Context, kp keys.KeyProvider, objs Objects) (*Manifest, Report, error) {
	data, err := readManifest(ctx, objs)
	if err != nil {
		return nil, Report{}, err
	}
	m, key, err := OpenManifest(ctx, kp, data)
	if err != nil {
		return nil, Report{}, err
	}
	defer key.Destroy()
	report, err := Verify(ctx, m, key, objs)
	return m, report, err
}

func readManifest(ctx context.Context, objs Objects) ([]byte, error) {
	rc, err := objs.Open(ctx, ManifestName)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, objectErr(ManifestName, fmt.Errorf("%w: the backup has no manifest, so it is not a complete backup", ErrMissing))
	}
	if err != nil {
		return nil, objectErr(ManifestName, fmt.Errorf("open: %w", err))
	}
	defer rc.Close()
	data, err := io.ReadAll(io.LimitReader(rc, MaxManifestSize+1))
	if err != nil {
		return nil, objectErr(ManifestName, fmt.Errorf("read: %w", err))
	}
	return data, nil
}

// Verify checks every object m lists: that it exists, has the recorded size
// and SHA-256, and decrypts and decompresses to its end with key. Objects
// are read one at a time, each as a stream. It returns a *VerifyError
// listing every object that failed, or ctx's error if ctx ends first.
//
// Because the SHA-256 of the stored bytes is checked as well as every
// segment, Verify tells apart bytes that were changed (ErrCorrupt) from
// intact bytes that do not decrypt with key (ErrWrongKey).
func Verify(ctx context.Context, m *Manifest, key *DataKey, objs Objects) (Report, error) {
	report := Report{Objects: len(m.Objects)}
	if err := key.authenticate(m); err != nil {
		return report, objectErr(ManifestName, err)
	}
	var problems []*ObjectError
	for _, obj := range m.Objects {
		if err := ctx.Err(); err != nil {
			return report, err
		}
		stored, raw, err := verifyObject(ctx, key, objs, obj)
		report.StoredBytes += stored
		report.RawBytes += raw
		if err != nil {
			var oe *ObjectError
			if !errors.As(err, &oe) {
				oe = &ObjectError{Object: obj.Name, Err: err}
			}
			problems = append(problems, oe)
			continue
		}
		report.Verified++
	}
	if len(problems) > 0 {
		return report, &VerifyError{Objects: len(m.Objects), Problems: problems}
	}
	return report, nil
}

// verifyObject reads one object to its end, returning how many bytes were
// stored and recovered.
func verifyObject(ctx context.Context, key *DataKey, objs Objects, obj Object) (stored, raw int64, err error) {
	rc, err := objs.Open(ctx, obj.Name)
	if errors.Is(err, fs.ErrNotExist) {
		return 0, 0, objectErr(obj.Name, fmt.Errorf("%w: the manifest lists it but the backup does not hold it", ErrMissing))
	}
	if err != nil {
		return 0, 0, objectErr(obj.Name, fmt.Errorf("open: %w", err))
	}
	defer rc.Close()

	cr, err := key.newChunkReader(rc, obj.Name, &obj)
	if err == nil {
		raw, err = io.Copy(io.Discard, cr)
		cr.Close()
	}
	src := cr.src
	if err == nil {
		return src.n, raw, nil
	}
	if !errors.Is(err, ErrCorrupt) {
		return src.n, raw, err
	}
	// Read what is left and compare the whole with the manifest: bytes that
	// are the ones written but do not open were written under another key.
	if _, rerr := io.Copy(io.Discard, src); rerr != nil {
		return src.n, raw, err
	}
	switch {
	case src.n < obj.Size:
		return src.n, raw, objectErr(obj.Name, fmt.Errorf("%w: %d bytes, the manifest records %d", ErrTruncated, src.n, obj.Size))
	case src.n == obj.Size && hex.EncodeToString(src.h.Sum(nil)) == obj.SHA256:
		return src.n, raw, objectErr(obj.Name, fmt.Errorf("%w: its bytes are the ones recorded but do not decrypt with this backup's data key", ErrWrongKey))
	}
	return src.n, raw, err
}
