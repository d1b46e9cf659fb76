package format_test

import (
	"context"
	"crypto/sha256"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"os/exec"
	"runtime"
	"strconv"
	"strings"
	"testing"

	"github.com/dbwarden/dbwarden/internal/backup/format"
	"github.com/dbwarden/dbwarden/internal/keys/filekeys"
)

// memoryBound is the most heap a chunk streamed through a writer and a reader
// at once may take, whatever its size. The chunk streamed is many times
// larger, so an implementation that holds a chunk, or a growing part of it,
// in memory fails.
const memoryBound = 64 << 20

// memResult is what the child process reports.
type memResult struct {
	Bytes       int64  `json:"bytes"`
	Stored      int64  `json:"stored"`
	HeapSys     uint64 `json:"heap_sys"`
	MaxInuse    uint64 `json:"max_heap_inuse"`
	TotalAlloc  uint64 `json:"total_alloc"`
	RoundTrip   bool   `json:"round_trip"`
	StoredMatch bool   `json:"stored_match"`
}

// TestChunkMemoryIsBounded streams hundreds of megabytes through a chunk
// writer into a chunk reader in a fresh child process, whose heap then
// reflects only this, and checks the heap stayed under a fixed bound.
func TestChunkMemoryIsBounded(t *testing.T) {
	const size = int64(256 << 20)
	for _, c := range compressions {
		t.Run(c.String(), func(t *testing.T) {
			t.Parallel()
			res := runMemoryChild(t, c, size)
			if !res.RoundTrip {
				t.Fatal("the data read back differs from the data written")
			}
			if !res.StoredMatch {
				t.Fatal("Stored() differs from the size and SHA-256 of the bytes written")
			}
			if res.Bytes != size {
				t.Fatalf("the child streamed %d bytes, want %d", res.Bytes, size)
			}
			t.Logf("%s: %d MiB streamed, %d MiB stored; heap reserved %.1f MiB, largest heap in use %.1f MiB, %.1f MiB allocated in all",
				c, res.Bytes>>20, res.Stored>>20, mib(res.HeapSys), mib(res.MaxInuse), mib(res.TotalAlloc))
			if res.HeapSys > memoryBound {
				t.Fatalf("the heap grew to %.1f MiB streaming %d MiB, want at most %d MiB", mib(res.HeapSys), size>>20, memoryBound>>20)
			}
		})
	}
}

func mib(n uint64) float64 { return float64(n) / (1 << 20) }

func runMemoryChild(t *testing.T, c format.Compression, size int64) memResult {
	t.Helper()
	cmd := exec.Command(os.Args[0])
	cmd.Env = append(os.Environ(),
		memoryChildEnv+"="+c.String()+","+strconv.FormatInt(size, 10),
		"GOMAXPROCS=2")
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("child: %v\n%s", err, out)
	}
	for line := range strings.SplitSeq(string(out), "\n") {
		if js, ok := strings.CutPrefix(strings.TrimSpace(line), "MEMRESULT "); ok {
			var res memResult
			if err := json.Unmarshal([]byte(js), &res); err != nil {
				t.Fatalf("child result %q: %v", js, err)
			}
			return res
		}
	}
	t.Fatalf("the child reported no result:\n%s", out)
	return memResult{}
}

// memoryChildEnv, when set to "<compression>,<bytes>", makes the test binary
// the child of TestChunkMemoryIsBounded instead of running the tests.
const memoryChildEnv = "DBWARDEN_FORMAT_MEMORY_CHILD"

func TestMain(m *testing.M) {
	if spec := os.Getenv(memoryChildEnv); spec != "" {
		if err := memoryChild(spec); err != nil {
			fmt.Fprintln(os.Stderr, "memory child:", err)
			os.Exit(1)
		}
		os.Exit(0)
	}
	os.Exit(m.Run())
}

// memoryChild streams size bytes of rows through a chunk writer into a chunk
// reader over a pipe, and prints what it measured as MEMRESULT and JSON.
func memoryChild(spec string) error {
	cs, sizeText, _ := strings.Cut(spec, ",")
	c, err := format.ParseCompression(cs)
	if err != nil {
		return err
	}
	size, err := strconv.ParseInt(sizeText, 10, 64)
	if err != nil {
		return err
	}
	dir, err := os.MkdirTemp("", "dbwarden-memory-child")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	kp, err := filekeys.Open(dir)
	if err != nil {
		return err
	}
	k, err := format.NewDataKey(context.Background(), kp, "mem")
	if err != nil {
		return err
	}
	defer k.Destroy()

	// A few blocks of row-like text, varied by a counter as they repeat.
	var blocks [4][]byte
	for i := range blocks {
		blocks[i] = rows(uint64(i), 256<<10)
	}
	var maxInuse uint64
	sample := func() {
		var ms runtime.MemStats
		runtime.ReadMemStats(&ms)
		maxInuse = max(maxInuse, ms.HeapInuse)
	}

	pr, pw := io.Pipe()
	type written struct {
		sum    [32]byte
		stored format.Stored
		err    error
	}
	done := make(chan written, 1)
	go func() {
		h := sha256.New()
		w, err := k.NewChunkWriter(pw, "data/big/t/000000", c)
		if err != nil {
			pw.CloseWithError(err)
			done <- written{err: err}
			return
		}
		for n := int64(0); n < size && err == nil; {
			b := blocks[(n>>18)%4]
			copy(b[:16], fmt.Sprintf("%016x", n))
			b = b[:min(int64(len(b)), size-n)]
			h.Write(b)
			_, err = w.Write(b)
			n += int64(len(b))
			if n%(16<<20) == 0 {
				sample()
			}
		}
		if err == nil {
			err = w.Close()
		}
		pw.CloseWithError(err)
		var res written
		copy(res.sum[:], h.Sum(nil))
		res.stored, res.err = w.Stored(), err
		done <- res
	}()

	storedHash := sha256.New()
	counted := &countingWriter{}
	r, err := k.NewChunkReader(io.TeeReader(pr, io.MultiWriter(storedHash, counted)), "data/big/t/000000")
	if err != nil {
		return err
	}
	readHash := sha256.New()
	n, err := io.Copy(readHash, r)
	if err != nil {
		return err
	}
	wr := <-done
	if wr.err != nil {
		return wr.err
	}
	sample()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	res := memResult{
		Bytes:       n,
		Stored:      counted.n,
		HeapSys:     ms.HeapSys,
		MaxInuse:    maxInuse,
		TotalAlloc:  ms.TotalAlloc,
		RoundTrip:   string(readHash.Sum(nil)) == string(wr.sum[:]),
		StoredMatch: wr.stored.Size == counted.n && wr.stored.SHA256 == fmt.Sprintf("%x", storedHash.Sum(nil)),
	}
	js, err := json.Marshal(res)
	if err != nil {
		return err
	}
	fmt.Printf("MEMRESULT %s\n", js)
	return nil
}

type countingWriter struct{ n int64 }

func (c *countingWriter) Write(p []byte) (int, error) {
	c.n += int64(len(p))
	return len(p), nil
}
