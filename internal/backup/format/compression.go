package format

import (
	"fmt"
	"io"
	"strconv"
	"strings"
	"sync"

	"github.com/klauspost/compress/gzip"
	"github.com/klauspost/compress/zstd"
)

// Algorithm names a compression algorithm for chunks.
type Algorithm string

// The compression algorithms. Zstd is the default.
const (
	Zstd Algorithm = "zstd"
	Gzip Algorithm = "gzip"
	None Algorithm = "none"
)

// Levels of zstd, from fastest to smallest output.
const (
	ZstdFastest = 1
	ZstdDefault = 2
	ZstdBetter  = 3
	ZstdBest    = 4
)

// Compression is how chunks are compressed before they are encrypted. Level
// is 1 (fastest) to 4 (smallest) for zstd, 1 to 9 for gzip, 0 for none.
type Compression struct {
	Algorithm Algorithm `json:"algorithm"`
	Level     int       `json:"level"`
}

// DefaultCompression is zstd at its fastest level.
var DefaultCompression = Compression{Algorithm: Zstd, Level: ZstdFastest}

var zstdLevelNames = []string{ZstdFastest: "fastest", ZstdDefault: "default", ZstdBetter: "better", ZstdBest: "best"}

// ParseCompression reads a compression setting: "zstd" or "gzip" alone (zstd
// fastest, gzip level 1), with a level after a colon ("zstd:3", "gzip:6"),
// zstd's levels also by name ("zstd:fastest", "zstd:default",
// "zstd:better", "zstd:best"), or "none".
func ParseCompression(s string) (Compression, error) {
	name, level, hasLevel := strings.Cut(s, ":")
	c := Compression{Algorithm: Algorithm(name)}
	switch c.Algorithm {
	case Zstd:
		c.Level = ZstdFastest
		if hasLevel {
			for i, n := range zstdLevelNames {
				if n != "" && n == level {
					c.Level = i
					return c, nil
				}
			}
		}
	case Gzip:
		c.Level = 1
	case None:
		if hasLevel {
			return Compression{}, fmt.Errorf("compression %q: none takes no level", s)
		}
		return c, nil
	default:
		return Compression{}, fmt.Errorf("compression %q: unknown algorithm %q, want zstd, gzip or none", s, name)
	}
	if hasLevel {
		n, err := strconv.Atoi(level)
		if err != nil {
			return Compression{}, fmt.Errorf("compression %q: level %q is not a number", s, level)
		}
		c.Level = n
	}
	if err := c.Validate(); err != nil {
		return Compression{}, fmt.Errorf("compression %q: %w", s, err)
	}
	return c, nil
}

// String returns the form ParseCompression reads: "zstd:1", "gzip:6", "none".
func (c Compression) String() string {
	if c.Algorithm == None {
		return string(None)
	}
	return string(c.Algorithm) + ":" + strconv.Itoa(c.Level)
}

// Validate reports whether the algorithm is known and the level is in its
// range.
func (c Compression) Validate() error {
	switch c.Algorithm {
	case Zstd:
		if c.Level < ZstdFastest || c.Level > ZstdBest {
			return fmt.Errorf("zstd level %d is out of range 1-4 (fastest, default, better, best)", c.Level)
		}
	case Gzip:
		if c.Level < gzip.BestSpeed || c.Level > gzip.BestCompression {
			return fmt.Errorf("gzip level %d is out of range 1-9", c.Level)
		}
	case None:
		if c.Level != 0 {
			return fmt.Errorf("compression none takes level 0, not %d", c.Level)
		}
	default:
		return fmt.Errorf("unknown compression algorithm %q, want zstd, gzip or none", c.Algorithm)
	}
	return nil
}

// Algorithm codes in a chunk's header.
const (
	codeNone byte = 0
	codeZstd byte = 1
	codeGzip byte = 2
)

func (a Algorithm) code() byte {
	switch a {
	case Zstd:
		return codeZstd
	case Gzip:
		return codeGzip
	default:
		return codeNone
	}
}

func algorithmOf(code byte) (Algorithm, bool) {
	switch code {
	case codeNone:
		return None, true
	case codeZstd:
		return Zstd, true
	case codeGzip:
		return Gzip, true
	}
	return "", false
}

// zstdWindow is the zstd window: the encoder's memory, and the most a decoder
// is allowed to use, stay a few times this per chunk, whatever its size.
const zstdWindow = 4 << 20

// Encoders and decoders are costly to set up (zstd's tables and window), so
// they are kept for reuse; chunks are many and often small.
var (
	zstdEncoders [ZstdBest + 1]sync.Pool
	gzipEncoders [gzip.BestCompression + 1]sync.Pool
	zstdDecoders sync.Pool
	gzipDecoders sync.Pool
)

// compressor is a compressing writer that can be put back for reuse after
// Close.
type compressor interface {
	io.WriteCloser
	release()
}

func newCompressor(c Compression, w io.Writer) (compressor, error) {
	switch c.Algorithm {
	case Zstd:
		if e, ok := zstdEncoders[c.Level].Get().(*zstd.Encoder); ok {
			e.Reset(w)
			return &zstdCompressor{e: e, level: c.Level}, nil
		}
		e, err := zstd.NewWriter(w,
			zstd.WithEncoderLevel(zstd.EncoderLevel(c.Level)),
			zstd.WithEncoderConcurrency(1),
			zstd.WithWindowSize(zstdWindow))
		if err != nil {
			return nil, fmt.Errorf("zstd: %w", err)
		}
		return &zstdCompressor{e: e, level: c.Level}, nil
	case Gzip:
		if e, ok := gzipEncoders[c.Level].Get().(*gzip.Writer); ok {
			e.Reset(w)
			return &gzipCompressor{e: e, level: c.Level}, nil
		}
		e, err := gzip.NewWriterLevel(w, c.Level)
		if err != nil {
			return nil, fmt.Errorf("gzip: %w", err)
		}
		return &gzipCompressor{e: e, level: c.Level}, nil
	default:
		return nopCompressor{w}, nil
	}
}

type zstdCompressor struct {
	e     *zstd.Encoder
	level int
}

func (z *zstdCompressor) Write(p []byte) (int, error) { return z.e.Write(p) }
func (z *zstdCompressor) Close() error                { return z.e.Close() }
func (z *zstdCompressor) release() {
	z.e.Reset(nil)
	zstdEncoders[z.level].Put(z.e)
}

type gzipCompressor struct {
	e     *gzip.Writer
	level int
}

func (g *gzipCompressor) Write(p []byte) (int, error) { return g.e.Write(p) }
func (g *gzipCompressor) Close() error                { return g.e.Close() }
func (g *gzipCompressor) release() {
	g.e.Reset(io.Discard)
	gzipEncoders[g.level].Put(g.e)
}

type nopCompressor struct{ io.Writer }

func (nopCompressor) Close() error { return nil }
func (nopCompressor) release()     {}

// decompressor is a decompressing reader that can be put back for reuse.
type decompressor interface {
	io.Reader
	release()
}

func newDecompressor(a Algorithm, r io.Reader) (decompressor, error) {
	switch a {
	case Zstd:
		if d, ok := zstdDecoders.Get().(*zstd.Decoder); ok {
			if err := d.Reset(r); err != nil {
				return nil, fmt.Errorf("zstd: %w", err)
			}
			return zstdDecompressor{d}, nil
		}
		d, err := zstd.NewReader(r,
			zstd.WithDecoderConcurrency(1),
			zstd.WithDecoderLowmem(true),
			zstd.WithDecoderMaxWindow(zstdWindow))
		if err != nil {
			return nil, fmt.Errorf("zstd: %w", err)
		}
		return zstdDecompressor{d}, nil
	case Gzip:
		if d, ok := gzipDecoders.Get().(*gzip.Reader); ok {
			if err := d.Reset(r); err != nil {
				gzipDecoders.Put(d)
				return nil, fmt.Errorf("gzip: %w", err)
			}
			return gzipDecompressor{d}, nil
		}
		d, err := gzip.NewReader(r)
		if err != nil {
			return nil, fmt.Errorf("gzip: %w", err)
		}
		return gzipDecompressor{d}, nil
	default:
		return nopDecompressor{r}, nil
	}
}

type zstdDecompressor struct{ d *zstd.Decoder }

func (z zstdDecompressor) Read(p []byte) (int, error) { return z.d.Read(p) }
func (z zstdDecompressor) release() {
	if z.d.Reset(nil) == nil {
		zstdDecoders.Put(z.d)
	}
}

type gzipDecompressor struct{ d *gzip.Reader }

func (g gzipDecompressor) Read(p []byte) (int, error) { return g.d.Read(p) }
func (g gzipDecompressor) release()                   { gzipDecoders.Put(g.d) }

type nopDecompressor struct{ io.Reader }

func (nopDecompressor) release() {}
