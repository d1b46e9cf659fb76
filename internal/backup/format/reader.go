package format

import (
	"crypto/sha256"
	"crypto/subtle"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"hash"
	"io"
)

// ChunkReader decrypts and decompresses one chunk as it is read, checking
// every segment before any of its bytes are returned. At the first segment
// that does not check out it fails with an *ObjectError naming the object
// and the segment, and keeps failing. It holds about two segments in memory,
// whatever the chunk's size. A ChunkReader is not safe for concurrent use.
type ChunkReader struct {
	name   string
	seg    *segmentReader
	dec    decompressor
	expect *Object
	src    *hashingReader // the stored bytes, hashed and counted; with expect only
	raw    int64          // bytes returned by Read
	err    error
}

// NewChunkReader reads the chunk called name from r, which must have been
// written by NewChunkWriter with a key of the same backup under the same
// name. It reads and checks the header before it returns.
func (k *DataKey) NewChunkReader(r io.Reader, name string) (*ChunkReader, error) {
	cr, err := k.newChunkReader(r, name, nil)
	if err != nil {
		return nil, err
	}
	return cr, nil
}

// OpenObject is NewChunkReader for an object the manifest lists: in addition,
// when the chunk has been read to its end, its stored size, SHA-256 and size
// before compression must be those of obj, or Read fails instead of
// returning io.EOF.
func (k *DataKey) OpenObject(r io.Reader, obj Object) (*ChunkReader, error) {
	cr, err := k.newChunkReader(r, obj.Name, &obj)
	if err != nil {
		return nil, err
	}
	return cr, nil
}

// newChunkReader returns the reader even when it fails, so that Verify can
// read the rest of the stored bytes through cr.src.
func (k *DataKey) newChunkReader(r io.Reader, name string, expect *Object) (*ChunkReader, error) {
	cr := &ChunkReader{name: name, expect: expect}
	if expect != nil {
		cr.src = &hashingReader{r: r, h: sha256.New()}
		r = cr.src
	}
	if err := validateObjectName(name); err != nil {
		return cr, fmt.Errorf("open chunk: %w", err)
	}
	header := make([]byte, headerSize)
	if n, err := io.ReadFull(r, header); err != nil {
		if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
			return cr, objectErr(name, fmt.Errorf("%w: %d bytes, shorter than the %d-byte chunk header", ErrTruncated, n, headerSize))
		}
		return cr, objectErr(name, fmt.Errorf("read header: %w", err))
	}
	if string(header[:len(chunkMagic)]) != chunkMagic {
		return cr, objectErr(name, fmt.Errorf("%w: not a dbwarden backup chunk (its first bytes are not %q)", ErrCorrupt, chunkMagic))
	}
	alg, ok := algorithmOf(header[len(chunkMagic)])
	if !ok {
		return cr, objectErr(name, fmt.Errorf("%w: unknown compression code %d in the header", ErrCorrupt, header[len(chunkMagic)]))
	}
	size := binary.BigEndian.Uint32(header[len(chunkMagic)+1:])
	if size < minSegmentSize || size > maxSegmentSize {
		return cr, objectErr(name, fmt.Errorf("%w: segment size %d in the header is outside %d-%d", ErrCorrupt, size, minSegmentSize, maxSegmentSize))
	}
	cc, err := newChunkCipher(k, header, name)
	if err != nil {
		return cr, objectErr(name, err)
	}
	cr.seg = &segmentReader{
		name:   name,
		src:    r,
		c:      cc,
		size:   int(size),
		buf:    make([]byte, int(size)+tagSize+1),
		plain:  make([]byte, 0, size),
		stored: int64(headerSize),
		expect: -1,
	}
	if expect != nil {
		cr.seg.expect = expect.Size
	}
	// gzip reads its header here, so the first segment is opened now.
	cr.dec, err = newDecompressor(alg, cr.seg)
	if err != nil {
		return cr, cr.failure(err)
	}
	return cr, nil
}

// Read returns the chunk's original bytes. It returns io.EOF only after the
// last segment has been read and checked and, for OpenObject, the size and
// SHA-256 match the manifest.
func (r *ChunkReader) Read(p []byte) (int, error) {
	if r.err != nil {
		return 0, r.err
	}
	n, err := r.dec.Read(p)
	r.raw += int64(n)
	switch {
	case err == nil:
		return n, nil
	case errors.Is(err, io.EOF):
		err = r.finish()
		if err == nil {
			r.err = io.EOF
			r.release()
			return n, io.EOF
		}
	default:
		err = r.failure(err)
	}
	r.err = err
	return n, err
}

// Close releases the reader's buffers; it does not close the underlying
// reader.
func (r *ChunkReader) Close() error {
	if r.err == nil {
		r.err = objectErr(r.name, errors.New("read after close"))
	}
	r.release()
	return nil
}

func (r *ChunkReader) release() {
	if r.dec != nil {
		r.dec.release()
		r.dec = nil
	}
}

// failure returns the error to report for err from the decompressor: the
// segment reader's own error when that was the cause.
func (r *ChunkReader) failure(err error) error {
	if r.seg.err != nil {
		return r.seg.err
	}
	return objectErr(r.name, fmt.Errorf("%w: decompress: %v", ErrCorrupt, err))
}

// finish checks, once the decompressor is done, that nothing follows the
// compressed stream, that the last segment was read, and that the object is
// the one the manifest recorded.
func (r *ChunkReader) finish() error {
	var probe [1]byte
	n, err := io.ReadFull(r.seg, probe[:])
	if n > 0 {
		return objectErr(r.name, fmt.Errorf("%w: data follows the end of the compressed stream in segment %d", ErrCorrupt, r.seg.index-1))
	}
	if !errors.Is(err, io.EOF) {
		return r.failure(err)
	}
	if r.expect == nil {
		return nil
	}
	stored, want := r.src.n, r.expect.Size
	switch {
	case stored < want:
		return objectErr(r.name, fmt.Errorf("%w: %d bytes, the manifest records %d", ErrTruncated, stored, want))
	case stored > want:
		return objectErr(r.name, fmt.Errorf("%w: %d bytes, the manifest records %d", ErrCorrupt, stored, want))
	}
	got := hex.EncodeToString(r.src.h.Sum(nil))
	if subtle.ConstantTimeCompare([]byte(got), []byte(r.expect.SHA256)) != 1 {
		return objectErr(r.name, fmt.Errorf("%w: its SHA-256 differs from the manifest's", ErrCorrupt))
	}
	if r.raw != r.expect.RawSize {
		return objectErr(r.name, fmt.Errorf("%w: it holds %d bytes before compression, the manifest records %d", ErrCorrupt, r.raw, r.expect.RawSize))
	}
	return nil
}

// segmentReader reads a chunk's segments after the header, opening each
// before handing out its plaintext (the compressed stream).
type segmentReader struct {
	name    string
	src     io.Reader
	c       *chunkCipher
	size    int    // plaintext bytes in a full segment
	buf     []byte // one sealed segment and one byte of look-ahead
	pending int    // look-ahead bytes at the start of buf: 0 or 1
	plain   []byte // the current segment's plaintext
	off     int    // how much of plain was handed out
	index   uint64 // the next segment to read
	final   bool   // the last segment has been read
	stored  int64  // bytes read from src, header included
	expect  int64  // the stored size the manifest records, or -1
	err     error
}

func (s *segmentReader) Read(p []byte) (int, error) {
	for s.off == len(s.plain) {
		if s.err != nil {
			return 0, s.err
		}
		if s.final {
			return 0, io.EOF
		}
		s.err = s.next()
	}
	n := copy(p, s.plain[s.off:])
	s.off += n
	return n, nil
}

// next reads and opens segment s.index. A segment is the last one when the
// stream ends within or right after it; every other segment is exactly
// size+tagSize bytes, and the byte after it is kept as look-ahead.
func (s *segmentReader) next() error {
	sealedSize := s.size + tagSize
	n, err := io.ReadFull(s.src, s.buf[s.pending:sealedSize+1])
	s.stored += int64(n)
	n += s.pending
	s.pending = 0
	s.plain, s.off = s.plain[:0], 0
	last := false
	switch {
	case err == nil:
		n = sealedSize
	case errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF):
		last = true
	default:
		return objectErr(s.name, fmt.Errorf("read segment %d: %w", s.index, err))
	}
	if n < tagSize {
		if s.index == 0 && n == 0 {
			return objectErr(s.name, fmt.Errorf("%w: it ends after the header, before its first segment", ErrTruncated))
		}
		return objectErr(s.name, fmt.Errorf("%w: it ends %d bytes into segment %d, shorter than a segment's authentication tag", ErrTruncated, n, s.index))
	}
	plain, err := s.c.open(s.plain[:0], s.buf[:n], s.index, last)
	if err != nil {
		return s.openFailure(n, last)
	}
	if last && len(plain) == 0 && s.index > 0 {
		return objectErr(s.name, fmt.Errorf("%w: segment %d is an empty last segment", ErrCorrupt, s.index))
	}
	s.plain = plain
	if !last {
		s.buf[0] = s.buf[sealedSize]
		s.pending = 1
	}
	s.final = last
	s.index++
	return nil
}

// openFailure names why the segment s.buf[:n] does not open.
func (s *segmentReader) openFailure(n int, last bool) error {
	if last {
		// A whole segment that opens as a middle one: what followed is gone.
		if _, err := s.c.open(s.plain[:0], s.buf[:n], s.index, false); err == nil {
			return objectErr(s.name, fmt.Errorf("%w: it ends after segment %d, which is not its last segment", ErrTruncated, s.index))
		}
		if s.expect >= 0 && s.stored < s.expect {
			return objectErr(s.name, fmt.Errorf("%w: it ends inside segment %d, after %d of the %d bytes the manifest records", ErrTruncated, s.index, s.stored, s.expect))
		}
	}
	return objectErr(s.name, fmt.Errorf("%w: segment %d does not authenticate (altered or reordered bytes, or written under another key, backup or object name)", ErrCorrupt, s.index))
}

// hashingReader hashes and counts the bytes read through it.
type hashingReader struct {
	r io.Reader
	h hash.Hash
	n int64
}

func (h *hashingReader) Read(p []byte) (int, error) {
	n, err := h.r.Read(p)
	h.n += int64(n)
	h.h.Write(p[:n])
	return n, err
}
