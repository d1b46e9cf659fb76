package format_test

import (
	"bytes"
	"io"
	"testing"
)

// BenchmarkChunkWrite measures compressing, encrypting and hashing 8 MiB of
// dumped rows into one chunk; MB/s is of the rows.
func BenchmarkChunkWrite(b *testing.B) {
	k := newKey(b, newProvider(b), "bench")
	data := rows(1, 8<<20)
	for _, c := range compressions {
		b.Run(c.String(), func(b *testing.B) {
			b.SetBytes(int64(len(data)))
			b.ReportAllocs()
			for b.Loop() {
				w, err := k.NewChunkWriter(io.Discard, "data/app/t/000000", c)
				if err != nil {
					b.Fatal(err)
				}
				if _, err := w.Write(data); err != nil {
					b.Fatal(err)
				}
				if err := w.Close(); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkChunkRead measures checking, decrypting and decompressing the
// chunk BenchmarkChunkWrite writes, with the manifest's size and SHA-256
// checked; MB/s is of the rows.
func BenchmarkChunkRead(b *testing.B) {
	k := newKey(b, newProvider(b), "bench")
	data := rows(1, 8<<20)
	for _, c := range compressions {
		b.Run(c.String(), func(b *testing.B) {
			stored, st := writeChunk(b, k, "data/app/t/000000", c, data)
			obj := objectFor("data/app/t/000000", st)
			b.SetBytes(int64(len(data)))
			b.ReportAllocs()
			for b.Loop() {
				r, err := k.OpenObject(bytes.NewReader(stored), obj)
				if err != nil {
					b.Fatal(err)
				}
				if _, err := io.Copy(io.Discard, r); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
