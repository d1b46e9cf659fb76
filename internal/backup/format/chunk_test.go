package format_test

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"strings"
	"testing"
	"testing/iotest"

	"github.com/dbwarden/dbwarden/internal/backup/format"
)

func TestChunkRoundTrip(t *testing.T) {
	kp := newProvider(t)
	k := newKey(t, kp, "b1")
	S := format.SegmentSize
	inputs := []struct {
		name string
		data []byte
	}{
		{"empty", nil},
		{"one byte", []byte("x")},
		{"small rows", rows(1, 1000)},
		{"one segment less a byte of random", random(2, S-1)},
		{"exactly one segment of random", random(3, S)},
		{"one segment and a byte of random", random(4, S+1)},
		{"exactly three segments of random", random(5, 3*S)},
		{"a megabyte of random", random(6, 1<<20)},
		{"four megabytes of rows", rows(7, 4<<20)},
	}
	levels := append([]format.Compression{
		{Algorithm: format.Zstd, Level: format.ZstdBest},
		{Algorithm: format.Gzip, Level: 9},
	}, compressions...)
	for _, c := range levels {
		for _, in := range inputs {
			t.Run(c.String()+"/"+in.name, func(t *testing.T) {
				name := "data/app/t/000001"
				stored, st := writeChunk(t, k, name, c, in.data)
				if got, want := st.Size, int64(len(stored)); got != want {
					t.Errorf("Stored().Size is %d, want the %d bytes written", got, want)
				}
				if got, want := st.SHA256, sha(stored); got != want {
					t.Errorf("Stored().SHA256 is %s, want %s, the hash of the bytes written", got, want)
				}
				if got, want := st.RawSize, int64(len(in.data)); got != want {
					t.Errorf("Stored().RawSize is %d, want %d", got, want)
				}
				got, err := readChunk(k, stored, objectFor(name, st))
				if err != nil {
					t.Fatalf("read: %v", err)
				}
				if !bytes.Equal(got, in.data) {
					t.Fatalf("read back %d bytes that differ from the %d written", len(got), len(in.data))
				}
			})
		}
	}
}

func TestChunkReaderContract(t *testing.T) {
	k := newKey(t, newProvider(t), "b1")
	data := rows(9, 3*format.SegmentSize+77)
	for _, c := range compressions {
		t.Run(c.String(), func(t *testing.T) {
			stored, st := writeChunk(t, k, "d/x", c, data)
			t.Run("iotest.TestReader over a reader that returns one byte at a time", func(t *testing.T) {
				r, err := k.OpenObject(iotest.OneByteReader(bytes.NewReader(stored)), objectFor("d/x", st))
				if err != nil {
					t.Fatal(err)
				}
				if err := iotest.TestReader(r, data); err != nil {
					t.Fatal(err)
				}
			})
			t.Run("NewChunkReader reads without a manifest entry", func(t *testing.T) {
				r, err := k.NewChunkReader(iotest.HalfReader(bytes.NewReader(stored)), "d/x")
				if err != nil {
					t.Fatal(err)
				}
				got, err := io.ReadAll(r)
				if err != nil {
					t.Fatal(err)
				}
				if !bytes.Equal(got, data) {
					t.Fatal("read back bytes that differ from those written")
				}
			})
		})
	}
}

func TestChunkWriterWritesInManySmallPieces(t *testing.T) {
	k := newKey(t, newProvider(t), "b1")
	data := rows(10, 200_000)
	var out bytes.Buffer
	w, err := k.NewChunkWriter(&out, "d/x", format.DefaultCompression)
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i < len(data); i += 333 {
		if _, err := w.Write(data[i:min(i+333, len(data))]); err != nil {
			t.Fatal(err)
		}
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	got, err := readChunk(k, out.Bytes(), objectFor("d/x", w.Stored()))
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, data) {
		t.Fatal("read back bytes that differ from those written")
	}
}

func TestNoPlaintextInStoredBytes(t *testing.T) {
	k := newKey(t, newProvider(t), "b1")
	const marker = "dbwarden-plaintext-marker-4f1c9e"
	var data bytes.Buffer
	for i := range 20000 {
		fmt.Fprintf(&data, "(%d,'%s','row %d'),\n", i, marker, i)
	}
	for _, c := range compressions {
		t.Run(c.String(), func(t *testing.T) {
			stored, _ := writeChunk(t, k, "data/app/secrets/000000", c, data.Bytes())
			for _, probe := range []string{marker, marker[:12], "row 1234", "),\n("} {
				if bytes.Contains(stored, []byte(probe)) {
					t.Errorf("the stored chunk contains the plaintext %q", probe)
				}
			}
		})
	}
	t.Run("the same data stored twice gives different bytes", func(t *testing.T) {
		a, _ := writeChunk(t, k, "d/x", format.DefaultCompression, data.Bytes())
		b, _ := writeChunk(t, k, "d/x", format.DefaultCompression, data.Bytes())
		if bytes.Equal(a, b) {
			t.Fatal("two chunks of the same data are identical, want a fresh salt each")
		}
	})
}

type failingWriter struct{ after int }

func (f *failingWriter) Write(p []byte) (int, error) {
	if f.after <= 0 {
		return 0, errors.New("disk full")
	}
	n := min(len(p), f.after)
	f.after -= n
	if n < len(p) {
		return n, errors.New("disk full")
	}
	return n, nil
}

func TestChunkWriterErrors(t *testing.T) {
	k := newKey(t, newProvider(t), "b1")
	t.Run("an error of the underlying writer names the object and sticks", func(t *testing.T) {
		w, err := k.NewChunkWriter(&failingWriter{after: 100_000}, "data/app/t/000003", format.Compression{Algorithm: format.None})
		if err != nil {
			t.Fatal(err)
		}
		_, err = w.Write(random(1, 300_000))
		if err == nil {
			err = w.Close()
		}
		if err == nil || !strings.Contains(err.Error(), `"data/app/t/000003"`) || !strings.Contains(err.Error(), "disk full") {
			t.Fatalf("got %v, want an error naming the object and the cause", err)
		}
		if _, again := w.Write([]byte("x")); again == nil {
			t.Fatal("a write after a failure succeeded, want the error again")
		}
		if err := w.Close(); err == nil {
			t.Fatal("Close after a failure returned nil")
		}
	})
	t.Run("a header that cannot be written fails at once", func(t *testing.T) {
		_, err := k.NewChunkWriter(&failingWriter{}, "d/x", format.DefaultCompression)
		if err == nil || !strings.Contains(err.Error(), `"d/x"`) {
			t.Fatalf("got %v, want an error naming the object", err)
		}
	})
	t.Run("write after close is refused", func(t *testing.T) {
		w, err := k.NewChunkWriter(io.Discard, "d/x", format.DefaultCompression)
		if err != nil {
			t.Fatal(err)
		}
		if err := w.Close(); err != nil {
			t.Fatal(err)
		}
		if _, err := w.Write([]byte("x")); err == nil {
			t.Fatal("got nil, want an error")
		}
	})
	for _, bad := range []string{"", "../etc/passwd", "/abs", "a//b", "a/./b", "a/../b", "a\\b", "a b", "manifest.json", strings.Repeat("a", 1025)} {
		t.Run(fmt.Sprintf("object name %q is refused", bad), func(t *testing.T) {
			if _, err := k.NewChunkWriter(io.Discard, bad, format.DefaultCompression); err == nil {
				t.Fatal("got nil, want an error")
			}
			if _, err := k.NewChunkReader(bytes.NewReader(nil), bad); err == nil {
				t.Fatal("reader: got nil, want an error")
			}
		})
	}
	t.Run("a bad compression level is refused", func(t *testing.T) {
		_, err := k.NewChunkWriter(io.Discard, "d/x", format.Compression{Algorithm: format.Zstd, Level: 9})
		if err == nil || !strings.Contains(err.Error(), "zstd level 9") {
			t.Fatalf("got %v, want an error naming the level", err)
		}
	})
}

func TestParseCompression(t *testing.T) {
	good := map[string]format.Compression{
		"zstd":         {Algorithm: format.Zstd, Level: 1},
		"zstd:fastest": {Algorithm: format.Zstd, Level: 1},
		"zstd:default": {Algorithm: format.Zstd, Level: 2},
		"zstd:better":  {Algorithm: format.Zstd, Level: 3},
		"zstd:best":    {Algorithm: format.Zstd, Level: 4},
		"zstd:3":       {Algorithm: format.Zstd, Level: 3},
		"gzip":         {Algorithm: format.Gzip, Level: 1},
		"gzip:9":       {Algorithm: format.Gzip, Level: 9},
		"none":         {Algorithm: format.None},
	}
	for in, want := range good {
		got, err := format.ParseCompression(in)
		if err != nil || got != want {
			t.Errorf("ParseCompression(%q) = %v, %v; want %v", in, got, err, want)
		}
		if again, err := format.ParseCompression(got.String()); err != nil || again != got {
			t.Errorf("ParseCompression(%q.String() = %q) = %v, %v; want %v", in, got.String(), again, err, got)
		}
	}
	bad := map[string]string{
		"lz4":       `unknown algorithm "lz4"`,
		"zstd:0":    "zstd level 0 is out of range",
		"zstd:5":    "zstd level 5 is out of range",
		"zstd:fast": `level "fast" is not a number`,
		"gzip:10":   "gzip level 10 is out of range",
		"gzip:":     `level "" is not a number`,
		"none:1":    "none takes no level",
		"":          "unknown algorithm",
	}
	for in, want := range bad {
		_, err := format.ParseCompression(in)
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("ParseCompression(%q) = %v, want an error containing %q", in, err, want)
		}
	}
}
