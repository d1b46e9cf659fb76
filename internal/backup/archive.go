package backup

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/dbwarden/dbwarden/internal/backup/format"
	"github.com/dbwarden/dbwarden/internal/backup/retention"
	"github.com/dbwarden/dbwarden/internal/blob"
	"github.com/dbwarden/dbwarden/internal/keys"
	"github.com/dbwarden/dbwarden/internal/mysqladmin"
)

// Archive is where backups live: each under <Prefix><id>/ in a bucket,
// its objects compressed and encrypted with a data key that Keys wraps,
// and its manifest, written last, at <id>/manifest.json. A backup without
// a manifest is not a backup: it is listed as incomplete and never
// restored.
type Archive struct {
	Bucket blob.Bucket
	Prefix string // "" or ending in "/"
	Keys   keys.KeyProvider
	// KeyName says where the data keys are wrapped ("file", "kms:..."),
	// recorded in each manifest.
	KeyName string
	// Version is dbwarden's version, recorded in each manifest.
	Version string
}

// RunOptions tune Run.
type RunOptions struct {
	Dump        Options
	Compression format.Compression
	// Now is the clock the backup id comes from; time.Now when nil.
	Now func() time.Time
}

// NewID returns a backup id for t: its UTC time to the second, then four
// random hex digits, so ids sort by time.
func NewID(t time.Time) string {
	b := make([]byte, 2)
	rand.Read(b)
	return t.UTC().Format("20060102T150405Z") + "-" + hex.EncodeToString(b)
}

func (a *Archive) key(id, name string) string { return a.Prefix + id + "/" + name }

// Run takes a backup of the server c logs in to. It returns the manifest
// once it is stored; on any failure the objects written are deleted (as
// far as the bucket allows) and no manifest exists.
func (a *Archive) Run(ctx context.Context, c mysqladmin.Credentials, opts RunOptions) (*format.Manifest, error) {
	now := time.Now
	if opts.Now != nil {
		now = opts.Now
	}
	if opts.Compression.Algorithm == "" {
		opts.Compression, _ = format.ParseCompression("zstd")
	}
	if err := opts.Compression.Validate(); err != nil {
		return nil, err
	}
	id := NewID(now())
	key, err := format.NewDataKey(ctx, a.Keys, id)
	if err != nil {
		return nil, err
	}
	defer key.Destroy()
	sink := &archiveSink{a: a, id: id, key: key, comp: opts.Compression, stored: map[string]format.Stored{}}
	res, err := Dump(ctx, c, sink, opts.Dump)
	if err != nil {
		a.remove(context.WithoutCancel(ctx), id)
		return nil, fmt.Errorf("backup %s: %w", id, err)
	}
	m := &format.Manifest{
		BackupID: id, DBWardenVersion: a.Version, Started: res.Started, Finished: res.Finished,
		Source:      format.Source{Flavor: strings.ToLower(string(res.Server.Flavor)), Version: res.Server.Version.String(), Address: c.Addr()},
		Consistency: format.Consistency{Method: res.Consistency.Method, BinlogFile: res.Consistency.BinlogFile, BinlogPosition: res.Consistency.BinlogPos, GTIDSet: strings.Join(strings.Fields(res.Consistency.GTID), "")},
		Compression: opts.Compression,
		Key:         format.KeyInfo{Provider: a.KeyName, Wrapped: key.Wrapped()},
	}
	for _, o := range res.Objects {
		st := sink.stored[o.Name]
		m.Objects = append(m.Objects, format.Object{Name: o.Name, Kind: format.Kind(o.Kind), Database: o.Database, Table: o.Table,
			Chunk: o.Chunk, Rows: o.Rows, RawSize: st.RawSize, Size: st.Size, SHA256: st.SHA256, RowSum: o.RowSum})
	}
	sort.Slice(m.Objects, func(i, j int) bool { return m.Objects[i].Name < m.Objects[j].Name })
	data, err := format.EncodeManifest(m, key)
	if err != nil {
		a.remove(context.WithoutCancel(ctx), id)
		return nil, fmt.Errorf("backup %s: manifest: %w", id, err)
	}
	if _, err := a.Bucket.Put(ctx, a.key(id, format.ManifestName), strings.NewReader(string(data))); err != nil {
		a.remove(context.WithoutCancel(ctx), id)
		return nil, fmt.Errorf("backup %s: store the manifest: %w", id, err)
	}
	return m, nil
}

// remove deletes every object of backup id, as far as it can.
func (a *Archive) remove(ctx context.Context, id string) error {
	var keys []string
	for e, err := range a.Bucket.List(ctx, a.Prefix+id+"/", "") {
		if err != nil {
			return err
		}
		keys = append(keys, e.Key)
	}
	// The manifest goes first: a backup half deleted is incomplete, never
	// a complete backup with objects missing.
	sort.SliceStable(keys, func(i, j int) bool { return strings.HasSuffix(keys[i], "/"+format.ManifestName) })
	for i := 0; i < len(keys); i += 1000 {
		if err := a.Bucket.Delete(ctx, keys[i:min(i+1000, len(keys))]...); err != nil {
			return err
		}
	}
	return nil
}

// archiveSink turns each object of a dump into a compressed, encrypted
// chunk streamed into the bucket.
type archiveSink struct {
	a    *Archive
	id   string
	key  *format.DataKey
	comp format.Compression

	mu     sync.Mutex
	stored map[string]format.Stored
}

func (s *archiveSink) Create(ctx context.Context, obj Object) (io.WriteCloser, error) {
	pr, pw := io.Pipe()
	w := &chunkUpload{s: s, name: obj.Name, pw: pw, done: make(chan error, 1)}
	// The upload reads before the chunk writer writes its header.
	go func() {
		_, err := s.a.Bucket.Put(ctx, s.a.key(s.id, obj.Name), pr)
		pr.CloseWithError(err) // a writer blocked on a failed upload returns
		w.done <- err
	}()
	cw, err := s.key.NewChunkWriter(pw, obj.Name, s.comp)
	if err != nil {
		w.Abort(err)
		return nil, err
	}
	w.cw = cw
	return w, nil
}

// chunkUpload is one object on its way: the chunk writer feeds a pipe that
// the bucket's Put reads.
type chunkUpload struct {
	s    *archiveSink
	name string
	cw   *format.ChunkWriter
	pw   *io.PipeWriter
	done chan error
}

func (w *chunkUpload) Write(p []byte) (int, error) { return w.cw.Write(p) }

// Close completes the chunk and waits for the bucket to store it.
func (w *chunkUpload) Close() error {
	err := w.cw.Close()
	w.pw.CloseWithError(err)
	if perr := <-w.done; err == nil {
		err = perr
	}
	if err != nil {
		return err
	}
	w.s.mu.Lock()
	w.s.stored[w.name] = w.cw.Stored()
	w.s.mu.Unlock()
	return nil
}

// Abort gives up the object: the bucket stores nothing.
func (w *chunkUpload) Abort(cause error) {
	w.pw.CloseWithError(cause)
	<-w.done
}

// objects opens a backup's objects for format.Verify.
type objects struct {
	a  *Archive
	id string
}

func (o objects) Open(ctx context.Context, name string) (io.ReadCloser, error) {
	rc, err := o.a.Bucket.Get(ctx, o.a.key(o.id, name))
	if errors.Is(err, blob.ErrNotFound) {
		return nil, fmt.Errorf("%w: %w", fs.ErrNotExist, err)
	}
	return rc, err
}

// Manifest reads and authenticates backup id's manifest, and returns it
// with its data key, which the caller destroys.
func (a *Archive) Manifest(ctx context.Context, id string) (*format.Manifest, *format.DataKey, error) {
	rc, err := objects{a, id}.Open(ctx, format.ManifestName)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil, fmt.Errorf("backup %s: no manifest under %s: it is not a complete backup (or the id is wrong)", id, a.Prefix+id+"/")
	}
	if err != nil {
		return nil, nil, err
	}
	defer rc.Close()
	data, err := io.ReadAll(io.LimitReader(rc, format.MaxManifestSize+1))
	if err != nil {
		return nil, nil, fmt.Errorf("backup %s: read the manifest: %w", id, err)
	}
	return format.OpenManifest(ctx, a.Keys, data)
}

// Verify checks backup id without a database: its manifest, then every
// object's size, checksum, and that it decrypts and decompresses.
func (a *Archive) Verify(ctx context.Context, id string) (*format.Manifest, format.Report, error) {
	return format.VerifyBackup(ctx, a.Keys, objects{a, id})
}

// ArchiveRestoreOptions tune Archive.Restore.
type ArchiveRestoreOptions struct {
	RestoreOptions
	// Stream skips verifying every object before loading: objects are
	// still verified as they stream, and the restore stops at the first
	// bad one, naming it, with what came before it loaded.
	Stream bool
	// Progress, when set, hears about each object restored with its size
	// before compression and the backup's total: what a rate and an ETA
	// are made of.
	Progress func(obj Object, size, total int64)
}

// Restore loads backup id into the server c logs in to.
func (a *Archive) Restore(ctx context.Context, id string, c mysqladmin.Credentials, opts ArchiveRestoreOptions) (*format.Manifest, error) {
	m, key, err := a.Manifest(ctx, id)
	if err != nil {
		return nil, err
	}
	defer key.Destroy()
	if !opts.Stream {
		// Every object's stored bytes checked against the manifest (which
		// was authenticated when it was opened), on as many goroutines as
		// the restore will load with. Each segment is authenticated again
		// as it is decrypted for loading.
		workers := opts.Workers
		if workers <= 0 {
			workers = 4 // Restore's default
		}
		noop := func(context.Context, int) (func(), error) { return func() {}, nil }
		err := each(ctx, workers, m.Objects, noop, func(ctx context.Context, _ int, fo format.Object) error {
			rc, err := objects{a, id}.Open(ctx, fo.Name)
			if err != nil {
				return fmt.Errorf("object %s: %w", fo.Name, err)
			}
			defer rc.Close()
			return format.CheckStored(rc, fo)
		})
		if err != nil {
			return m, fmt.Errorf("backup %s does not verify; nothing was restored: %w", id, err)
		}
	}
	byName := map[string]format.Object{}
	var objs []Object
	var total int64
	for _, o := range m.Objects {
		byName[o.Name] = o
		total += o.RawSize
		objs = append(objs, Object{Name: o.Name, Kind: string(o.Kind), Database: o.Database, Table: o.Table, Chunk: o.Chunk, Rows: o.Rows, RowSum: o.RowSum})
	}
	if p := opts.Progress; p != nil {
		opts.RestoreOptions.Progress = func(o Object) { p(o, byName[o.Name].RawSize, total) }
	}
	src := verifiedSource{a: a, id: id, key: key, objs: byName}
	return m, Restore(ctx, c, src, objs, opts.RestoreOptions)
}

type verifiedSource struct {
	a    *Archive
	id   string
	key  *format.DataKey
	objs map[string]format.Object
}

func (s verifiedSource) Open(ctx context.Context, obj Object) (io.ReadCloser, error) {
	fo, ok := s.objs[obj.Name]
	if !ok {
		return nil, fmt.Errorf("object %s is not in the manifest", obj.Name)
	}
	rc, err := objects{s.a, s.id}.Open(ctx, obj.Name)
	if err != nil {
		return nil, err
	}
	cr, err := s.key.OpenObject(rc, fo)
	if err != nil {
		rc.Close()
		return nil, err
	}
	return struct {
		io.Reader
		io.Closer
	}{cr, closers{cr, rc}}, nil
}

type closers []io.Closer

func (cs closers) Close() error {
	var errs []error
	for _, c := range cs {
		errs = append(errs, c.Close())
	}
	return errors.Join(errs...)
}

// Summary describes one backup in an archive.
type Summary struct {
	ID        string    `json:"BackupId"`
	Complete  bool      `json:"Complete"`
	Started   time.Time `json:"Started"`
	Finished  time.Time `json:"Finished,omitzero"`
	Size      int64     `json:"Size"`
	Objects   int       `json:"Objects"`
	Tables    int       `json:"Tables"`
	Databases int       `json:"Databases"`
	Source    string    `json:"Source,omitempty"`
	Binlog    string    `json:"BinlogPosition,omitempty"`
	GTID      string    `json:"GTID,omitempty"`
}

// Duration is how long the backup took.
func (s Summary) Duration() time.Duration {
	if s.Finished.IsZero() {
		return 0
	}
	return s.Finished.Sub(s.Started)
}

// List describes every backup in the archive, oldest first. A backup is
// complete when its manifest is there and reads back; its details come
// from the manifest (not authenticated here: Verify does that).
func (a *Archive) List(ctx context.Context) ([]Summary, error) {
	var out []Summary
	for e, err := range a.Bucket.List(ctx, a.Prefix, "/") {
		if err != nil {
			return nil, err
		}
		if !e.Dir {
			continue
		}
		id := strings.TrimSuffix(strings.TrimPrefix(e.Key, a.Prefix), "/")
		out = append(out, a.summary(ctx, id))
	}
	sort.Slice(out, func(i, j int) bool {
		return out[i].Started.Before(out[j].Started) || out[i].Started.Equal(out[j].Started) && out[i].ID < out[j].ID
	})
	return out, nil
}

func (a *Archive) summary(ctx context.Context, id string) Summary {
	s := Summary{ID: id}
	rc, err := objects{a, id}.Open(ctx, format.ManifestName)
	if err == nil {
		data, rerr := io.ReadAll(io.LimitReader(rc, format.MaxManifestSize+1))
		rc.Close()
		if m, derr := format.DecodeManifest(data); rerr == nil && derr == nil && m.BackupID == id {
			s.Complete, s.Started, s.Finished, s.Objects = true, m.Started, m.Finished, len(m.Objects)
			s.Source = m.Source.Flavor + " " + m.Source.Version + " at " + m.Source.Address
			if m.Consistency.BinlogFile != "" {
				s.Binlog = fmt.Sprintf("%s:%d", m.Consistency.BinlogFile, m.Consistency.BinlogPosition)
			}
			s.GTID = m.Consistency.GTIDSet
			tables, dbs := map[string]bool{}, map[string]bool{}
			for _, o := range m.Objects {
				s.Size += o.Size
				if o.Kind == format.KindData {
					tables[o.Database+"."+o.Table] = true
				}
				if o.Database != "" {
					dbs[o.Database] = true
				}
			}
			s.Tables, s.Databases = len(tables), len(dbs)
			return s
		}
	}
	// Incomplete: what is there, dated by its oldest object (or its id).
	if t, err := time.Parse("20060102T150405Z", strings.SplitN(id, "-", 2)[0]); err == nil {
		s.Started = t
	}
	for e, err := range a.Bucket.List(ctx, a.Prefix+id+"/", "") {
		if err != nil {
			break
		}
		s.Size += e.Size
		s.Objects++
		if s.Started.IsZero() || e.ModTime.Before(s.Started) {
			s.Started = e.ModTime
		}
	}
	return s
}

// Prune applies a retention policy: it returns the backups it removes
// (or would, with dryRun) and why the others are kept.
func (a *Archive) Prune(ctx context.Context, p retention.Policy, now time.Time, dryRun bool) (removed []Summary, reasons map[string][]string, err error) {
	list, err := a.List(ctx)
	if err != nil {
		return nil, nil, err
	}
	byID := map[string]Summary{}
	var bs []retention.Backup
	for _, s := range list {
		byID[s.ID] = s
		bs = append(bs, retention.Backup{ID: s.ID, Time: s.Started, Complete: s.Complete})
	}
	_, remove, reasons, err := retention.Apply(p, bs, now)
	if err != nil {
		return nil, nil, err
	}
	for _, b := range remove {
		removed = append(removed, byID[b.ID])
		if !dryRun {
			if err := a.remove(ctx, b.ID); err != nil {
				return removed, reasons, fmt.Errorf("remove backup %s: %w", b.ID, err)
			}
		}
	}
	return removed, reasons, nil
}
