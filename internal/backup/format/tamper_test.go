package format_test

import (
	"bytes"
	"errors"
	"slices"
	"strings"
	"testing"

	"github.com/dbwarden/dbwarden/internal/backup/format"
)

const (
	headerSize = 25
	sealedSize = format.SegmentSize + 16
)

// segments returns the offsets at which each sealed segment of stored starts.
func segments(stored []byte) []int {
	var offs []int
	for off := headerSize; off < len(stored); off += sealedSize {
		offs = append(offs, off)
	}
	return offs
}

func flip(at func(stored []byte) int) func([]byte) []byte {
	return func(stored []byte) []byte {
		b := slices.Clone(stored)
		b[at(b)] ^= 0x01
		return b
	}
}

func cut(at func(stored []byte) int) func([]byte) []byte {
	return func(stored []byte) []byte { return slices.Clone(stored[:at(stored)]) }
}

func segment(stored []byte, i int) []byte {
	offs := segments(stored)
	end := len(stored)
	if i+1 < len(offs) {
		end = offs[i+1]
	}
	return stored[offs[i]:end]
}

// rebuild returns the header followed by the segments in the given order.
func rebuild(stored []byte, order ...int) []byte {
	b := slices.Clone(stored[:headerSize])
	for _, i := range order {
		b = append(b, segment(stored, i)...)
	}
	return b
}

func TestTamperedChunksAreRefused(t *testing.T) {
	kp := newProvider(t)
	k := newKey(t, kp, "b1")
	const name = "data/app/orders/000007"
	// Random bytes do not compress: the chunk has four segments, the last
	// one short, whatever the compression.
	data := random(42, 3*format.SegmentSize+1000)

	cases := []struct {
		name   string
		tamper func([]byte) []byte
		want   error
		text   string
	}{
		{"a flipped byte in the magic", flip(func([]byte) int { return 0 }), format.ErrCorrupt, "not a dbwarden backup chunk"},
		{"a flipped byte in the compression code", flip(func([]byte) int { return 4 }), format.ErrCorrupt, ""},
		{"a changed segment size", flip(func([]byte) int { return 7 }), format.ErrCorrupt, ""},
		{"a flipped byte in the salt", flip(func([]byte) int { return 20 }), format.ErrCorrupt, "segment 0 does not authenticate"},
		{"a flipped byte in segment 0", flip(func([]byte) int { return headerSize + 100 }), format.ErrCorrupt, "segment 0 does not authenticate"},
		{"a flipped byte in segment 1", flip(func(b []byte) int { return segments(b)[1] + 5 }), format.ErrCorrupt, "segment 1 does not authenticate"},
		{"a flipped byte in the last segment", flip(func(b []byte) int { return segments(b)[3] + 1 }), format.ErrCorrupt, "segment 3 does not authenticate"},
		{"a flipped byte in the last tag", flip(func(b []byte) int { return len(b) - 1 }), format.ErrCorrupt, "segment 3 does not authenticate"},
		{"truncated to nothing", cut(func([]byte) int { return 0 }), format.ErrTruncated, "shorter than the 25-byte chunk header"},
		{"truncated inside the header", cut(func([]byte) int { return 10 }), format.ErrTruncated, "shorter than the 25-byte chunk header"},
		{"truncated after the header", cut(func([]byte) int { return headerSize }), format.ErrTruncated, "before its first segment"},
		{"truncated after a whole segment", cut(func(b []byte) int { return segments(b)[3] }), format.ErrTruncated, "ends after segment 2, which is not its last segment"},
		{"truncated inside the last segment", cut(func(b []byte) int { return len(b) - 100 }), format.ErrTruncated, "inside segment 3"},
		{"truncated inside a middle segment", cut(func(b []byte) int { return segments(b)[1] + 1000 }), format.ErrTruncated, "inside segment 1"},
		{"truncated a few bytes into a segment", cut(func(b []byte) int { return segments(b)[2] + 3 }), format.ErrTruncated, "3 bytes into segment 2"},
		{"its last byte cut off", cut(func(b []byte) int { return len(b) - 1 }), format.ErrTruncated, "segment 3"},
		{"a middle segment dropped", func(b []byte) []byte { return rebuild(b, 0, 2, 3) }, format.ErrCorrupt, "segment 1 does not authenticate"},
		{"two segments swapped", func(b []byte) []byte { return rebuild(b, 1, 0, 2, 3) }, format.ErrCorrupt, "segment 0 does not authenticate"},
		{"a segment repeated", func(b []byte) []byte { return rebuild(b, 0, 1, 1, 2, 3) }, format.ErrCorrupt, "segment 2 does not authenticate"},
		{"the last segment repeated", func(b []byte) []byte { return rebuild(b, 0, 1, 2, 3, 3) }, format.ErrCorrupt, "segment 3 does not authenticate"},
		{"a byte appended", func(b []byte) []byte { return append(slices.Clone(b), 0) }, format.ErrCorrupt, "segment 3 does not authenticate"},
	}
	for _, c := range compressions {
		stored, st := writeChunk(t, k, name, c, data)
		if n := len(segments(stored)); n != 4 {
			t.Fatalf("%s: the test chunk has %d segments, want 4", c, n)
		}
		obj := objectFor(name, st)
		for _, tc := range cases {
			t.Run(c.String()+"/"+tc.name, func(t *testing.T) {
				tampered := tc.tamper(stored)
				got, err := readChunk(k, tampered, obj)
				checkRefused(t, err, name, tc.want, tc.text)
				if !bytes.HasPrefix(data, got) {
					t.Fatalf("before failing, the reader returned %d bytes that are not the start of the chunk's data", len(got))
				}
			})
		}
	}
}

func checkRefused(t *testing.T, err error, object string, want error, text string) {
	t.Helper()
	if err == nil {
		t.Fatal("got no error, want the chunk refused")
	}
	if !errors.Is(err, want) {
		t.Fatalf("got %v, want an error wrapping %q", err, want)
	}
	var oe *format.ObjectError
	if !errors.As(err, &oe) || oe.Object != object {
		t.Fatalf("got %v, want an *ObjectError for %q", err, object)
	}
	if !strings.Contains(err.Error(), `"`+object+`"`) || !strings.Contains(err.Error(), text) {
		t.Fatalf("got %q, want it to name %q and say %q", err, object, text)
	}
	t.Logf("refused: %v", err)
}

func TestChunksAreBoundToKeyBackupAndName(t *testing.T) {
	kp := newProvider(t)
	k := newKey(t, kp, "b1")
	data := rows(3, 100_000)
	const name = "data/app/t/000000"
	for _, c := range compressions {
		stored, st := writeChunk(t, k, name, c, data)
		t.Run(c.String()+"/another key of the same backup id", func(t *testing.T) {
			other := newKey(t, kp, "b1")
			_, err := readChunk(other, stored, objectFor(name, st))
			checkRefused(t, err, name, format.ErrCorrupt, "segment 0 does not authenticate")
		})
		t.Run(c.String()+"/another backup's key", func(t *testing.T) {
			other := newKey(t, newProvider(t), "b2")
			_, err := readChunk(other, stored, objectFor(name, st))
			checkRefused(t, err, name, format.ErrCorrupt, "another key, backup or object name")
		})
		t.Run(c.String()+"/another object name", func(t *testing.T) {
			const moved = "data/app/t/000001"
			_, err := readChunk(k, stored, objectFor(moved, st))
			checkRefused(t, err, moved, format.ErrCorrupt, "segment 0 does not authenticate")
		})
		t.Run(c.String()+"/another chunk of the same name", func(t *testing.T) {
			replaced, _ := writeChunk(t, k, name, c, rows(4, 100_000))
			_, err := readChunk(k, replaced, objectFor(name, st))
			checkRefused(t, err, name, format.ErrCorrupt, "")
		})
	}
}

func TestTruncationWithoutAManifestEntry(t *testing.T) {
	k := newKey(t, newProvider(t), "b1")
	stored, _ := writeChunk(t, k, "d/x", format.Compression{Algorithm: format.None}, random(1, 2*format.SegmentSize+10))
	r, err := k.NewChunkReader(bytes.NewReader(stored[:segments(stored)[2]]), "d/x")
	if err != nil {
		t.Fatal(err)
	}
	buf := make([]byte, 1<<20)
	var readErr error
	for readErr == nil {
		_, readErr = r.Read(buf)
	}
	checkRefused(t, readErr, "d/x", format.ErrTruncated, "not its last segment")
	if _, again := r.Read(buf); !errors.Is(again, format.ErrTruncated) {
		t.Fatalf("a second Read returned %v, want the same error", again)
	}
}
