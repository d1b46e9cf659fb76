// Package fileblob is a blob.Bucket in a local directory: the object
// "backups/x/0001.chunk" is the file backups/x/0001.chunk under the root.
//
// # Durability and atomicity
//
// Put writes to a temporary file in the object's directory, fsyncs it,
// renames it over the final name and fsyncs the directory, so after a crash
// at any point the key holds its previous object or the whole new one.
// Directories Put creates are fsynced into their parents too. Temporary
// files are named with the reserved prefix TempPrefix; List never shows
// them, and ones a crash leaves behind can be deleted when no Put is
// running. Files are created 0600 and directories 0700.
//
// # Containment
//
// All access goes through an os.Root, so no key, and no symbolic link
// placed in the directory, can make fileblob read or write outside it.
// Symbolic links and other special files inside the root are not objects:
// List skips them.
//
// # Limits
//
// A key cannot be both an object and a directory of other objects: with an
// object "a", Put "a/b" fails, and with "a/b", Put "a" fails, each with an
// error naming the conflict. S3 has no such limit; dbwarden's key layouts
// never need both.
package fileblob

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"iter"
	"os"
	"path"
	"slices"
	"strings"
	"sync"
	"syscall"

	"github.com/dbwarden/dbwarden/internal/blob"
)

var _ blob.Bucket = (*Bucket)(nil)

// TempPrefix starts the names of files being written. A key whose last
// segment starts with it is invalid for fileblob.
const TempPrefix = ".blob-tmp-"

// Bucket is a blob.Bucket in a directory. It is safe for concurrent use,
// also by several processes on the same directory.
type Bucket struct {
	root *os.Root
	dir  string
}

// Open returns a Bucket on dir, creating dir (0700) if it does not exist.
// The caller closes it.
func Open(dir string) (*Bucket, error) {
	if dir == "" {
		return nil, errors.New("fileblob: open: the directory is empty")
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("fileblob: open: %w", err)
	}
	root, err := os.OpenRoot(dir)
	if err != nil {
		return nil, fmt.Errorf("fileblob: open: %w", err)
	}
	return &Bucket{root: root, dir: dir}, nil
}

// Dir returns the directory the Bucket was opened on.
func (b *Bucket) Dir() string { return b.dir }

// Close closes the directory.
func (b *Bucket) Close() error { return b.root.Close() }

// validate checks key with blob.ValidateKey and the temporary-name
// reservation.
func validate(op, key string) error {
	if err := blob.ValidateKey(key); err != nil {
		return fmt.Errorf("fileblob: %s: %w", op, err)
	}
	if strings.HasPrefix(path.Base(key), TempPrefix) {
		return fmt.Errorf("fileblob: %s: %w %q: names starting with %q are reserved for files being written",
			op, blob.ErrInvalidKey, key, TempPrefix)
	}
	return nil
}

// Put implements blob.Bucket.
func (b *Bucket) Put(ctx context.Context, key string, r io.Reader) (blob.Written, error) {
	if err := validate("put", key); err != nil {
		return blob.Written{}, err
	}
	if err := ctx.Err(); err != nil {
		return blob.Written{}, fmt.Errorf("fileblob: put %q: %w", key, err)
	}
	w, err := b.put(ctx, key, r)
	if err != nil {
		return blob.Written{}, fmt.Errorf("fileblob: put %q: %w", key, err)
	}
	return w, nil
}

func (b *Bucket) put(ctx context.Context, key string, r io.Reader) (w blob.Written, err error) {
	dir := path.Dir(key)
	f, tmp, err := b.createTemp(key, dir)
	if err != nil {
		return w, err
	}
	committed := false
	defer func() {
		if committed {
			return
		}
		f.Close()
		if rmErr := b.root.Remove(tmp); rmErr != nil && !errors.Is(rmErr, fs.ErrNotExist) {
			err = errors.Join(err, fmt.Errorf("remove temporary file: %w", rmErr))
		}
		b.removeEmptyDirs(dir)
	}()

	h := sha256.New()
	bufp := copyBufs.Get().(*[]byte)
	n, err := io.CopyBuffer(io.MultiWriter(f, h), ctxReader{ctx, r}, *bufp)
	copyBufs.Put(bufp)
	if err != nil {
		return w, err
	}
	if err := f.Sync(); err != nil {
		return w, fmt.Errorf("sync: %w", err)
	}
	if err := f.Close(); err != nil {
		return w, fmt.Errorf("close: %w", err)
	}
	// The last moment a cancellation can stop the Put.
	if err := ctx.Err(); err != nil {
		return w, err
	}
	if err := b.root.Rename(tmp, key); err != nil {
		if fi, statErr := b.root.Lstat(key); statErr == nil && fi.IsDir() {
			return w, fmt.Errorf("%q is a directory of other objects, so it cannot also be an object", key)
		}
		return w, err
	}
	committed = true
	if err := b.syncDir(dir); err != nil {
		return w, err
	}
	w.Size = n
	copy(w.SHA256[:], h.Sum(nil))
	return w, nil
}

var copyBufs = sync.Pool{New: func() any { b := make([]byte, 256<<10); return &b }}

// createTemp creates a new temporary file in dir, creating dir if needed.
// A concurrent Delete may remove a directory between its creation and the
// file's, so that is retried.
func (b *Bucket) createTemp(key, dir string) (*os.File, string, error) {
	var rnd [12]byte
	for attempt := 0; ; attempt++ {
		rand.Read(rnd[:])
		tmp := path.Join(dir, TempPrefix+hex.EncodeToString(rnd[:]))
		f, err := b.root.OpenFile(tmp, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
		if err == nil {
			return f, tmp, nil
		}
		switch {
		case attempt >= 10:
			return nil, "", err
		case errors.Is(err, fs.ErrNotExist):
			if err := b.mkdirs(dir); err != nil {
				return nil, "", err
			}
		case errors.Is(err, syscall.ENOTDIR):
			return nil, "", b.objectInTheWay(key)
		case errors.Is(err, fs.ErrExist):
			// A name collision: try another.
		default:
			return nil, "", err
		}
	}
}

// mkdirs creates dir and its missing parents, 0700, and fsyncs each new
// directory's parent so the new entry survives a crash.
func (b *Bucket) mkdirs(dir string) error {
	segs := strings.Split(dir, "/")
	for i := range segs {
		d := strings.Join(segs[:i+1], "/")
		err := b.root.Mkdir(d, 0o700)
		if errors.Is(err, fs.ErrExist) {
			continue
		}
		if err != nil {
			return err
		}
		if err := b.syncDir(path.Dir(d)); err != nil {
			return err
		}
	}
	return nil
}

// objectInTheWay names the object that stops key's directory from being
// created.
func (b *Bucket) objectInTheWay(key string) error {
	segs := strings.Split(key, "/")
	for i := 1; i < len(segs); i++ {
		p := strings.Join(segs[:i], "/")
		if fi, err := b.root.Lstat(p); err == nil && !fi.IsDir() {
			return fmt.Errorf("%q is an object, so it cannot also be a directory of other objects", p)
		}
	}
	return syscall.ENOTDIR
}

func (b *Bucket) syncDir(dir string) error {
	d, err := b.root.Open(dir)
	if err != nil {
		return fmt.Errorf("sync directory: %w", err)
	}
	defer d.Close()
	if err := d.Sync(); err != nil {
		return fmt.Errorf("sync directory: %w", err)
	}
	return nil
}

// removeEmptyDirs removes dir and its parents while they are empty, up to
// and not including the root.
func (b *Bucket) removeEmptyDirs(dir string) {
	for dir != "." {
		err := b.root.Remove(dir)
		if err != nil && !errors.Is(err, fs.ErrNotExist) {
			return
		}
		dir = path.Dir(dir)
	}
}

// Get implements blob.Bucket.
func (b *Bucket) Get(ctx context.Context, key string) (io.ReadCloser, error) {
	return b.GetRange(ctx, key, 0, -1)
}

// GetRange implements blob.Bucket.
func (b *Bucket) GetRange(ctx context.Context, key string, offset, length int64) (io.ReadCloser, error) {
	if err := validate("get", key); err != nil {
		return nil, err
	}
	if offset < 0 || length < -1 || length == 0 {
		return nil, fmt.Errorf("fileblob: get %q: invalid range: offset %d, length %d (want offset >= 0 and length > 0, or -1 for the rest)", key, offset, length)
	}
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("fileblob: get %q: %w", key, err)
	}
	f, err := b.openObject(key)
	if err != nil {
		return nil, fmt.Errorf("fileblob: get %q: %w", key, err)
	}
	if offset > 0 {
		if _, err := f.Seek(offset, io.SeekStart); err != nil {
			f.Close()
			return nil, fmt.Errorf("fileblob: get %q: %w", key, err)
		}
	}
	var r io.Reader = f
	if length >= 0 {
		r = io.LimitReader(f, length)
	}
	return &readCloser{Reader: ctxReader{ctx, r}, Closer: f}, nil
}

type readCloser struct {
	io.Reader
	io.Closer
}

// openObject opens key's file, or fails with blob.ErrNotFound when key is
// not a regular file.
func (b *Bucket) openObject(key string) (*os.File, error) {
	f, err := b.root.Open(key)
	if err != nil {
		return nil, notFound(err)
	}
	fi, err := f.Stat()
	if err != nil {
		f.Close()
		return nil, err
	}
	if !fi.Mode().IsRegular() {
		f.Close()
		return nil, blob.ErrNotFound
	}
	return f, nil
}

// notFound turns the errors of a missing file into blob.ErrNotFound.
func notFound(err error) error {
	if errors.Is(err, fs.ErrNotExist) || errors.Is(err, syscall.ENOTDIR) {
		return blob.ErrNotFound
	}
	return err
}

// Stat implements blob.Bucket.
func (b *Bucket) Stat(ctx context.Context, key string) (blob.Attrs, error) {
	if err := validate("stat", key); err != nil {
		return blob.Attrs{}, err
	}
	if err := ctx.Err(); err != nil {
		return blob.Attrs{}, fmt.Errorf("fileblob: stat %q: %w", key, err)
	}
	fi, err := b.root.Stat(key)
	if err == nil && !fi.Mode().IsRegular() {
		err = blob.ErrNotFound
	}
	if err != nil {
		return blob.Attrs{}, fmt.Errorf("fileblob: stat %q: %w", key, notFound(err))
	}
	return blob.Attrs{Size: fi.Size(), ModTime: fi.ModTime()}, nil
}

// Exists implements blob.Bucket.
func (b *Bucket) Exists(ctx context.Context, key string) (bool, error) {
	_, err := b.Stat(ctx, key)
	if errors.Is(err, blob.ErrNotFound) {
		return false, nil
	}
	return err == nil, err
}

// List implements blob.Bucket. It reads one directory at a time and sorts
// it, so memory grows with the largest directory, not the listing.
func (b *Bucket) List(ctx context.Context, prefix, delimiter string) iter.Seq2[blob.Entry, error] {
	return func(yield func(blob.Entry, error) bool) {
		if err := blob.ValidatePrefix(prefix); err != nil {
			yield(blob.Entry{}, fmt.Errorf("fileblob: list: %w", err))
			return
		}
		if delimiter != "" && delimiter != blob.Delimiter {
			yield(blob.Entry{}, fmt.Errorf("fileblob: list %q: delimiter %q is not supported: use %q or none", prefix, delimiter, blob.Delimiter))
			return
		}
		keyDir, start := path.Split(prefix)
		dir := "."
		if keyDir != "" {
			dir = strings.TrimSuffix(keyDir, "/")
		}
		l := lister{b: b, ctx: ctx, rollUp: delimiter != "", yield: yield}
		if err := l.walk(dir, keyDir, start); err != nil && err != errStop {
			yield(blob.Entry{}, fmt.Errorf("fileblob: list %q: %w", prefix, err))
		}
	}
}

// errStop ends a walk when the consumer stops.
var errStop = errors.New("stop")

type lister struct {
	b      *Bucket
	ctx    context.Context
	rollUp bool
	yield  func(blob.Entry, error) bool
}

// walk yields the objects in dir (the key prefix keyDir, "" or ending in
// "/") whose names start with start, and below them.
func (l *lister) walk(dir, keyDir, start string) error {
	if err := l.ctx.Err(); err != nil {
		return err
	}
	ents, err := l.b.readDir(dir)
	if err != nil {
		return err
	}
	for _, e := range ents {
		if !strings.HasPrefix(e.Name(), start) {
			continue
		}
		key := keyDir + e.Name()
		switch {
		case e.IsDir() && l.rollUp:
			has, err := l.b.hasObject(path.Join(dir, e.Name()))
			if err != nil {
				return err
			}
			if has && !l.yield(blob.Entry{Key: key + "/", Dir: true}, nil) {
				return errStop
			}
		case e.IsDir():
			if err := l.walk(path.Join(dir, e.Name()), key+"/", ""); err != nil {
				return err
			}
		case isObject(e):
			fi, err := e.Info()
			if errors.Is(err, fs.ErrNotExist) {
				continue // deleted since the directory was read
			}
			if err != nil {
				return err
			}
			if !l.yield(blob.Entry{Key: key, Size: fi.Size(), ModTime: fi.ModTime()}, nil) {
				return errStop
			}
		}
	}
	return nil
}

// isObject reports whether a directory entry is an object: a regular file
// that is not a temporary file.
func isObject(e fs.DirEntry) bool {
	return e.Type().IsRegular() && !strings.HasPrefix(e.Name(), TempPrefix)
}

// readDir returns dir's entries in the lexical order of the keys they
// make: a directory "a" sorts as "a/", so "a-b" (0x2d) comes before the
// objects in "a/" (0x2f) and "a0" (0x30) after them. A missing directory
// has no entries.
func (b *Bucket) readDir(dir string) ([]fs.DirEntry, error) {
	d, err := b.root.Open(dir)
	if err != nil {
		if errors.Is(notFound(err), blob.ErrNotFound) {
			return nil, nil
		}
		return nil, err
	}
	defer d.Close()
	ents, err := d.ReadDir(-1)
	if errors.Is(err, syscall.ENOTDIR) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	sortKey := func(e fs.DirEntry) string {
		if e.IsDir() {
			return e.Name() + "/"
		}
		return e.Name()
	}
	slices.SortFunc(ents, func(x, y fs.DirEntry) int { return strings.Compare(sortKey(x), sortKey(y)) })
	return ents, nil
}

// hasObject reports whether any object lies below dir.
func (b *Bucket) hasObject(dir string) (bool, error) {
	ents, err := b.readDir(dir)
	if err != nil {
		return false, err
	}
	for _, e := range ents {
		if isObject(e) {
			return true, nil
		}
	}
	for _, e := range ents {
		if e.IsDir() {
			if has, err := b.hasObject(path.Join(dir, e.Name())); has || err != nil {
				return has, err
			}
		}
	}
	return false, nil
}

// Delete implements blob.Bucket. It removes each key's file, then the
// directories that became empty, up to the root, and fsyncs the
// directories it changed.
func (b *Bucket) Delete(ctx context.Context, keys ...string) error {
	for _, k := range keys {
		if err := validate("delete", k); err != nil {
			return err
		}
	}
	var errs []error
	dirs := map[string]bool{}
	for _, k := range keys {
		if err := ctx.Err(); err != nil {
			errs = append(errs, fmt.Errorf("fileblob: delete: %w", err))
			break
		}
		fi, err := b.root.Lstat(k)
		if err != nil || fi.IsDir() {
			if err != nil && !errors.Is(notFound(err), blob.ErrNotFound) {
				errs = append(errs, fmt.Errorf("fileblob: delete %q: %w", k, err))
			}
			continue // no object of that name
		}
		if err := b.root.Remove(k); err != nil && !errors.Is(err, fs.ErrNotExist) {
			errs = append(errs, fmt.Errorf("fileblob: delete %q: %w", k, err))
			continue
		}
		dirs[path.Dir(k)] = true
	}
	// Remove emptied directories deepest first, then fsync the nearest
	// directory that remains above each.
	order := slices.Sorted(func(yield func(string) bool) {
		for d := range dirs {
			if !yield(d) {
				return
			}
		}
	})
	slices.Reverse(order)
	synced := map[string]bool{}
	for _, d := range order {
		b.removeEmptyDirs(d)
		for ; d != "."; d = path.Dir(d) {
			if _, err := b.root.Stat(d); err == nil {
				break
			}
		}
		if synced[d] {
			continue
		}
		synced[d] = true
		if err := b.syncDir(d); err != nil && !errors.Is(err, fs.ErrNotExist) {
			errs = append(errs, fmt.Errorf("fileblob: delete: %w", err))
		}
	}
	return errors.Join(errs...)
}

// ctxReader fails reads once ctx is done.
type ctxReader struct {
	ctx context.Context
	r   io.Reader
}

func (c ctxReader) Read(p []byte) (int, error) {
	if err := c.ctx.Err(); err != nil {
		return 0, err
	}
	return c.r.Read(p)
}
