package format

import (
	"crypto/rand"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"hash"
	"io"
)

// Stored describes a chunk as written: its stored size and the SHA-256 of its
// stored bytes (64 lowercase hex digits), and how many bytes were written to
// it before compression and encryption.
type Stored struct {
	Size    int64
	SHA256  string
	RawSize int64
}

// ChunkWriter compresses and encrypts one chunk on its way to an underlying
// writer. It holds one segment in memory, whatever the chunk's size. Close
// must be called to write the last segment; until then the stored object is
// not valid. A ChunkWriter is not safe for concurrent use.
type ChunkWriter struct {
	name   string
	comp   compressor
	seg    *segmentWriter
	raw    int64
	err    error
	closed bool
}

// NewChunkWriter starts the chunk called name (its object name within the
// backup, as the manifest will list it) on w, compressed with c and
// encrypted under a key derived from k. It writes the chunk's header to w.
func (k *DataKey) NewChunkWriter(w io.Writer, name string, c Compression) (*ChunkWriter, error) {
	if err := validateObjectName(name); err != nil {
		return nil, fmt.Errorf("new chunk: %w", err)
	}
	if err := c.Validate(); err != nil {
		return nil, objectErr(name, err)
	}
	header := make([]byte, headerSize)
	copy(header, chunkMagic)
	header[len(chunkMagic)] = c.Algorithm.code()
	binary.BigEndian.PutUint32(header[len(chunkMagic)+1:], SegmentSize)
	if _, err := rand.Read(header[headerSize-saltSize:]); err != nil {
		return nil, objectErr(name, fmt.Errorf("salt: %w", err))
	}
	cc, err := newChunkCipher(k, header, name)
	if err != nil {
		return nil, objectErr(name, err)
	}
	seg := &segmentWriter{
		name: name,
		dst:  w,
		sum:  sha256.New(),
		c:    cc,
		size: SegmentSize,
		buf:  make([]byte, 0, SegmentSize+tagSize),
	}
	if err := seg.write(header); err != nil {
		return nil, err
	}
	comp, err := newCompressor(c, seg)
	if err != nil {
		return nil, objectErr(name, err)
	}
	return &ChunkWriter{name: name, comp: comp, seg: seg}, nil
}

// Write compresses p into the chunk. An error from the underlying writer is
// returned, naming the object, by this and every later call.
func (w *ChunkWriter) Write(p []byte) (int, error) {
	if w.err != nil {
		return 0, w.err
	}
	if w.closed {
		return 0, objectErr(w.name, errors.New("write after close"))
	}
	n, err := w.comp.Write(p)
	w.raw += int64(n)
	if err != nil {
		w.err = w.failure(err)
	}
	return n, w.err
}

// Close flushes the compressor and writes the last segment. It does not
// close the underlying writer. Calling Close again returns the first result.
func (w *ChunkWriter) Close() error {
	if w.closed {
		return w.err
	}
	w.closed = true
	if w.err != nil {
		return w.err
	}
	if err := w.comp.Close(); err != nil {
		w.err = w.failure(err)
		return w.err
	}
	if err := w.seg.flush(true); err != nil {
		w.err = err
		return err
	}
	w.comp.release()
	w.comp = nil
	w.seg.buf = nil
	return nil
}

// failure returns the error to report for err from the compressor: the
// underlying writer's own error when that was the cause.
func (w *ChunkWriter) failure(err error) error {
	if w.seg.err != nil {
		return w.seg.err
	}
	return objectErr(w.name, fmt.Errorf("compress: %w", err))
}

// Stored returns the chunk's stored size, the SHA-256 of its stored bytes
// and its size before compression, for the manifest. It is complete only
// after Close has returned nil.
func (w *ChunkWriter) Stored() Stored {
	return Stored{
		Size:    w.seg.stored,
		SHA256:  hex.EncodeToString(w.seg.sum.Sum(nil)),
		RawSize: w.raw,
	}
}

// segmentWriter cuts the compressed stream into segments, seals each and
// writes it, hashing and counting what it writes.
type segmentWriter struct {
	name   string
	dst    io.Writer
	sum    hash.Hash
	c      *chunkCipher
	size   int
	buf    []byte // pending plaintext; capacity size+tagSize so it seals in place
	index  uint64
	stored int64
	err    error
}

// Write buffers p, sealing and writing every segment that fills up. A full
// segment is written only once more data follows it, so that the last
// segment is never empty unless the whole chunk is.
func (s *segmentWriter) Write(p []byte) (int, error) {
	if s.err != nil {
		return 0, s.err
	}
	written := 0
	for len(p) > 0 {
		if len(s.buf) == s.size {
			if err := s.flush(false); err != nil {
				return written, err
			}
		}
		n := copy(s.buf[len(s.buf):s.size], p)
		s.buf = s.buf[:len(s.buf)+n]
		p = p[n:]
		written += n
	}
	return written, nil
}

// flush seals the pending plaintext as segment s.index and writes it.
func (s *segmentWriter) flush(last bool) error {
	sealed := s.c.seal(s.buf[:0], s.buf, s.index, last)
	if err := s.write(sealed); err != nil {
		return err
	}
	s.index++
	s.buf = s.buf[:0]
	return nil
}

func (s *segmentWriter) write(b []byte) error {
	n, err := s.dst.Write(b)
	s.stored += int64(n)
	s.sum.Write(b[:n])
	if err == nil && n < len(b) {
		err = io.ErrShortWrite
	}
	if err != nil {
		s.err = objectErr(s.name, fmt.Errorf("write: %w", err))
	}
	return s.err
}
