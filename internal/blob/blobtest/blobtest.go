// Package blobtest is the conformance suite of the blob.Bucket contract.
// Every implementation runs it unchanged:
//
//	func TestConformance(t *testing.T) {
//		blobtest.Run(t, func(t *testing.T) blob.Bucket { ... })
//	}
//
// The factory returns a new, empty bucket for each case; the suite closes
// it. A factory can register t.Cleanup checks of its own, such as "no
// temporary file" or "no multipart upload" is left after the case.
//
// Objects of LargeSize bytes are written by several cases. An
// implementation that uploads in parts sets its part size to PartSize or
// less in its test, so those objects span several parts and end with a
// short one.
package blobtest

import (
	"bytes"
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"slices"
	"strings"
	"sync"
	"testing"
	"testing/iotest"
	"time"

	"github.com/dbwarden/dbwarden/internal/blob"
)

// PartSize and LargeSize: an object of LargeSize bytes is two full parts
// of PartSize and a short third one.
const (
	PartSize  = 5 << 20
	LargeSize = 2*PartSize + 123457
)

// Factory returns a new, empty bucket.
type Factory func(t *testing.T) blob.Bucket

// Run runs the conformance suite against the buckets f makes.
func Run(t *testing.T, f Factory) {
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			b := f(t)
			t.Cleanup(func() {
				if err := b.Close(); err != nil {
					t.Errorf("Close: %v", err)
				}
			})
			tc.fn(t, b)
		})
	}
}

var cases = []struct {
	name string
	fn   func(t *testing.T, b blob.Bucket)
}{
	{"put and get round-trip objects of every size", testRoundTrip},
	{"put streams from readers with short reads", testShortReads},
	{"put replaces an object", testOverwrite},
	{"keys may hold spaces, unicode and URL characters", testOddKeys},
	{"a missing object is ErrNotFound", testNotFound},
	{"get range reads part of an object", testGetRange},
	{"stat reports size and modification time", testStat},
	{"list yields keys in lexical order", testListOrder},
	{"list with a delimiter rolls up directories", testListDelimiter},
	{"list stops when the consumer stops", testListStop},
	{"list rejects an invalid prefix or delimiter", testListInvalid},
	{"list and delete handle more than a thousand keys", testMany},
	{"delete removes objects and ignores missing ones", testDelete},
	{"delete with one invalid key deletes nothing", testDeleteInvalid},
	{"every method rejects invalid keys", testInvalidKeys},
	{"a failing reader stores nothing", testFailingReader},
	{"a context cancelled during put stores nothing", testCancelledPut},
	{"concurrent puts of one key leave one whole object", testConcurrentPuts},
}

// data returns n pseudo-random bytes, the same for the same seed.
func data(seed uint64, n int) []byte {
	var s [32]byte
	s[0] = byte(seed)
	s[1] = byte(seed >> 8)
	p := make([]byte, n)
	rand.NewChaCha8(s).Read(p)
	return p
}

// stream hides every interface but io.Reader, so Put cannot learn the
// length in advance.
type stream struct{ r io.Reader }

func (s stream) Read(p []byte) (int, error) { return s.r.Read(p) }

func put(t *testing.T, b blob.Bucket, key string, p []byte) blob.Written {
	t.Helper()
	w, err := b.Put(context.Background(), key, stream{bytes.NewReader(p)})
	if err != nil {
		t.Fatalf("Put %q (%d bytes): %v", key, len(p), err)
	}
	return w
}

func get(t *testing.T, b blob.Bucket, key string) []byte {
	t.Helper()
	rc, err := b.Get(context.Background(), key)
	if err != nil {
		t.Fatalf("Get %q: %v", key, err)
	}
	defer rc.Close()
	p, err := io.ReadAll(rc)
	if err != nil {
		t.Fatalf("Get %q: read: %v", key, err)
	}
	if err := rc.Close(); err != nil {
		t.Fatalf("Get %q: close: %v", key, err)
	}
	return p
}

// sameBytes fails the test when got differs from want, describing both
// by size and digest rather than printing them.
func sameBytes(t *testing.T, what string, got, want []byte) {
	t.Helper()
	if !bytes.Equal(got, want) {
		t.Errorf("%s: content differs: got %d bytes (SHA-256 %x), want %d bytes (SHA-256 %x)",
			what, len(got), sha256.Sum256(got), len(want), sha256.Sum256(want))
	}
}

func list(t *testing.T, b blob.Bucket, prefix, delimiter string) []blob.Entry {
	t.Helper()
	var es []blob.Entry
	for e, err := range b.List(context.Background(), prefix, delimiter) {
		if err != nil {
			t.Fatalf("List(%q, %q): %v", prefix, delimiter, err)
		}
		es = append(es, e)
	}
	return es
}

// names returns the keys of es, with directories marked by their "/".
func names(es []blob.Entry) []string {
	ks := []string{}
	for _, e := range es {
		ks = append(ks, e.Key)
	}
	return ks
}

func testRoundTrip(t *testing.T, b blob.Bucket) {
	for i, n := range []int{0, 1, 1000, PartSize, PartSize + 1, LargeSize} {
		key := fmt.Sprintf("objects/size-%d", n)
		p := data(uint64(i), n)
		w := put(t, b, key, p)
		if w.Size != int64(n) {
			t.Errorf("Put %q: Size = %d, want %d", key, w.Size, n)
		}
		if w.SHA256 != sha256.Sum256(p) {
			t.Errorf("Put %q: SHA256 = %x, want %x", key, w.SHA256, sha256.Sum256(p))
		}
		sameBytes(t, "Get "+key, get(t, b, key), p)
		ok, err := b.Exists(context.Background(), key)
		if err != nil || !ok {
			t.Errorf("Exists %q = %v, %v; want true, nil", key, ok, err)
		}
	}
}

func testShortReads(t *testing.T, b blob.Bucket) {
	small := data(1, 3000)
	w, err := b.Put(context.Background(), "one-byte", iotest.OneByteReader(bytes.NewReader(small)))
	if err != nil {
		t.Fatalf("Put from a one-byte reader: %v", err)
	}
	if w.Size != int64(len(small)) || w.SHA256 != sha256.Sum256(small) {
		t.Errorf("Put from a one-byte reader: got size %d digest %x, want %d %x", w.Size, w.SHA256, len(small), sha256.Sum256(small))
	}
	sameBytes(t, "Get one-byte", get(t, b, "one-byte"), small)

	// Half-size reads, and the last data arriving together with io.EOF.
	large := data(2, LargeSize)
	r := iotest.DataErrReader(iotest.HalfReader(bytes.NewReader(large)))
	w, err = b.Put(context.Background(), "half", r)
	if err != nil {
		t.Fatalf("Put from a half reader: %v", err)
	}
	if w.Size != int64(len(large)) || w.SHA256 != sha256.Sum256(large) {
		t.Errorf("Put from a half reader: got size %d digest %x, want %d %x", w.Size, w.SHA256, len(large), sha256.Sum256(large))
	}
	sameBytes(t, "Get half", get(t, b, "half"), large)
}

func testOverwrite(t *testing.T, b blob.Bucket) {
	ctx := context.Background()
	for i, n := range []int{LargeSize, 10, 0, PartSize + 7} {
		p := data(uint64(10+i), n)
		put(t, b, "k", p)
		sameBytes(t, fmt.Sprintf("Get after put %d", i+1), get(t, b, "k"), p)
		a, err := b.Stat(ctx, "k")
		if err != nil {
			t.Fatalf("Stat after put %d: %v", i+1, err)
		}
		if a.Size != int64(n) {
			t.Errorf("Stat after put %d: Size = %d, want %d", i+1, a.Size, n)
		}
	}
	if got := names(list(t, b, "", "")); !slices.Equal(got, []string{"k"}) {
		t.Errorf("List after overwrites = %q, want [k]", got)
	}
}

func testOddKeys(t *testing.T, b blob.Bucket) {
	keys := []string{
		"with space/file name.txt",
		"ünïcode/日本語/ключ",
		"url/?a=b&c=d#frag;x%20y+z",
		"quotes/'single' \"double\" `back`",
		"..dots../...",
		"tilde~/star*/bang!/at@/dollar$",
	}
	for i, k := range keys {
		p := data(uint64(20+i), 100+i)
		put(t, b, k, p)
		sameBytes(t, "Get "+k, get(t, b, k), p)
	}
	want := slices.Sorted(slices.Values(keys))
	if got := names(list(t, b, "", "")); !slices.Equal(got, want) {
		t.Errorf("List = %q, want %q", got, want)
	}
	if got := names(list(t, b, "url/?a", "")); !slices.Equal(got, []string{keys[2]}) {
		t.Errorf("List(\"url/?a\") = %q, want %q", got, keys[2:3])
	}
}

func testNotFound(t *testing.T, b blob.Bucket) {
	ctx := context.Background()
	put(t, b, "dir/obj", []byte("x"))
	for _, key := range []string{"missing", "dir/missing", "dir", "dir/obj/below", "di"} {
		_, err := b.Get(ctx, key)
		checkNotFound(t, "Get", key, err)
		_, err = b.GetRange(ctx, key, 0, 1)
		checkNotFound(t, "GetRange", key, err)
		_, err = b.Stat(ctx, key)
		checkNotFound(t, "Stat", key, err)
		ok, err := b.Exists(ctx, key)
		if ok || err != nil {
			t.Errorf("Exists %q = %v, %v; want false, nil", key, ok, err)
		}
	}
}

func checkNotFound(t *testing.T, op, key string, err error) {
	t.Helper()
	if !errors.Is(err, blob.ErrNotFound) {
		t.Errorf("%s %q: got error %v, want one wrapping ErrNotFound", op, key, err)
		return
	}
	if !strings.Contains(err.Error(), key) {
		t.Errorf("%s %q: error %q does not name the key", op, key, err)
	}
}

func testGetRange(t *testing.T, b blob.Bucket) {
	ctx := context.Background()
	p := data(3, 100_000)
	n := int64(len(p))
	put(t, b, "r", p)
	put(t, b, "empty", nil)
	for _, tc := range []struct {
		key          string
		off, length  int64
		wantFrom, to int64
	}{
		{"r", 0, 10, 0, 10},
		{"r", 500, 1000, 500, 1500},
		{"r", 0, -1, 0, n},
		{"r", n - 10, -1, n - 10, n},
		{"r", n - 10, 100, n - 10, n}, // cut at the end
		{"r", n - 1, 1, n - 1, n},
		{"r", n, -1, n, n}, // starts at the end: nothing
		{"r", n + 5, 10, n, n},
		{"empty", 0, -1, 0, 0},
		{"empty", 0, 10, 0, 0},
	} {
		what := fmt.Sprintf("GetRange(%q, %d, %d)", tc.key, tc.off, tc.length)
		rc, err := b.GetRange(ctx, tc.key, tc.off, tc.length)
		if err != nil {
			t.Errorf("%s: %v", what, err)
			continue
		}
		got, err := io.ReadAll(rc)
		rc.Close()
		if err != nil {
			t.Errorf("%s: read: %v", what, err)
			continue
		}
		want := p[tc.wantFrom:tc.to]
		if tc.key == "empty" {
			want = nil
		}
		sameBytes(t, what, got, want)
	}
	for _, tc := range []struct{ off, length int64 }{{-1, 10}, {0, 0}, {0, -2}} {
		_, err := b.GetRange(ctx, "r", tc.off, tc.length)
		if err == nil || errors.Is(err, blob.ErrNotFound) || !strings.Contains(err.Error(), "range") {
			t.Errorf("GetRange(r, %d, %d): got error %v, want one about the range", tc.off, tc.length, err)
		}
	}
}

func testStat(t *testing.T, b blob.Bucket) {
	// Store clocks may be a little off and keep whole seconds, so the
	// window around the Put is generous; it still catches a zero time.
	before := time.Now().Add(-5 * time.Minute)
	put(t, b, "s", data(4, 4321))
	after := time.Now().Add(5 * time.Minute)
	a, err := b.Stat(context.Background(), "s")
	if err != nil {
		t.Fatalf("Stat: %v", err)
	}
	if a.Size != 4321 {
		t.Errorf("Stat: Size = %d, want 4321", a.Size)
	}
	if a.ModTime.Before(before) || a.ModTime.After(after) {
		t.Errorf("Stat: ModTime = %v, want about now (%v)", a.ModTime, time.Now())
	}
}

// orderKeys are keys whose lexical order differs from a directory walk's:
// '-' (0x2d) < '/' (0x2f) < '0' (0x30), uppercase before lowercase, and
// multi-byte UTF-8 last.
var orderKeys = []string{"b", "a0", "a/c/e", "é", "a-c", "a/b", "B", "a/c/d"}

func putAll(t *testing.T, b blob.Bucket, keys []string) {
	t.Helper()
	for i, k := range keys {
		put(t, b, k, data(uint64(100+i), 10+i))
	}
}

func testListOrder(t *testing.T, b blob.Bucket) {
	putAll(t, b, orderKeys)
	for _, tc := range []struct {
		prefix string
		want   []string
	}{
		{"", []string{"B", "a-c", "a/b", "a/c/d", "a/c/e", "a0", "b", "é"}},
		{"a", []string{"a-c", "a/b", "a/c/d", "a/c/e", "a0"}},
		{"a/", []string{"a/b", "a/c/d", "a/c/e"}},
		{"a/c/", []string{"a/c/d", "a/c/e"}},
		{"a/c/d", []string{"a/c/d"}},
		{"a/c/d/", []string{}},
		{"zzz", []string{}},
		{"nothing/here/", []string{}},
	} {
		es := list(t, b, tc.prefix, "")
		if got := names(es); !slices.Equal(got, tc.want) {
			t.Errorf("List(%q, \"\") = %q, want %q", tc.prefix, got, tc.want)
		}
		for _, e := range es {
			i := slices.Index(orderKeys, e.Key)
			if e.Dir || e.Size != int64(10+i) || e.ModTime.IsZero() {
				t.Errorf("List(%q): entry %+v, want an object of %d bytes with a modification time", tc.prefix, e, 10+i)
			}
		}
	}
}

func testListDelimiter(t *testing.T, b blob.Bucket) {
	putAll(t, b, orderKeys)
	for _, tc := range []struct {
		prefix string
		want   []string
	}{
		{"", []string{"B", "a-c", "a/", "a0", "b", "é"}},
		{"a", []string{"a-c", "a/", "a0"}},
		{"a/", []string{"a/b", "a/c/"}},
		{"a/c", []string{"a/c/"}},
		{"a/c/", []string{"a/c/d", "a/c/e"}},
		{"zzz/", []string{}},
	} {
		es := list(t, b, tc.prefix, "/")
		if got := names(es); !slices.Equal(got, tc.want) {
			t.Errorf("List(%q, \"/\") = %q, want %q", tc.prefix, got, tc.want)
		}
		for _, e := range es {
			if isDir := strings.HasSuffix(e.Key, "/"); e.Dir != isDir {
				t.Errorf("List(%q, \"/\"): entry %+v has Dir %v, want %v", tc.prefix, e, e.Dir, isDir)
			}
			if e.Dir && (e.Size != 0 || !e.ModTime.IsZero()) {
				t.Errorf("List(%q, \"/\"): directory %+v has a size or time", tc.prefix, e)
			}
		}
	}
}

func testListStop(t *testing.T, b blob.Bucket) {
	putAll(t, b, orderKeys)
	for _, delim := range []string{"", "/"} {
		var got []string
		for e, err := range b.List(context.Background(), "", delim) {
			if err != nil {
				t.Fatalf("List: %v", err)
			}
			got = append(got, e.Key)
			if len(got) == 2 {
				break // the iterator must not call yield again
			}
		}
		if want := []string{"B", "a-c"}; !slices.Equal(got, want) {
			t.Errorf("List(\"\", %q) stopped after two: got %q, want %q", delim, got, want)
		}
	}
}

func testListInvalid(t *testing.T, b blob.Bucket) {
	for _, prefix := range []string{"/a", "a//", "../", "a\x00"} {
		n := 0
		for _, err := range b.List(context.Background(), prefix, "") {
			n++
			if !errors.Is(err, blob.ErrInvalidKey) {
				t.Errorf("List(%q): got error %v, want one wrapping ErrInvalidKey", prefix, err)
			}
		}
		if n != 1 {
			t.Errorf("List(%q) yielded %d times, want one error", prefix, n)
		}
	}
	for _, delim := range []string{",", "//", "\\"} {
		var got error
		for _, err := range b.List(context.Background(), "", delim) {
			got = err
		}
		if got == nil || !strings.Contains(got.Error(), "delimiter") {
			t.Errorf("List with delimiter %q: got error %v, want one about the delimiter", delim, got)
		}
	}
}

func testMany(t *testing.T, b blob.Bucket) {
	const dirs, per = 11, 100 // 1100 keys: two DeleteObjects batches on S3
	var keys []string
	for d := range dirs {
		for k := range per {
			keys = append(keys, fmt.Sprintf("many/d%02d/k%04d", d, k))
		}
	}
	putParallel(t, b, keys)

	if got := names(list(t, b, "many/", "")); !slices.Equal(got, keys) {
		t.Errorf("List(many/) gave %d keys, want the %d put, in order", len(got), len(keys))
	}
	var wantDirs []string
	for d := range dirs {
		wantDirs = append(wantDirs, fmt.Sprintf("many/d%02d/", d))
	}
	if got := names(list(t, b, "many/", "/")); !slices.Equal(got, wantDirs) {
		t.Errorf("List(many/, /) = %q, want %q", got, wantDirs)
	}
	if got := names(list(t, b, "many/d07/k00", "")); len(got) != per || got[0] != "many/d07/k0000" || got[per-1] != "many/d07/k0099" {
		t.Errorf("List(many/d07/k00) gave %d keys from %q, want %d from many/d07/k0000", len(got), got[:min(1, len(got))], per)
	}

	if err := b.Delete(context.Background(), keys...); err != nil {
		t.Fatalf("Delete %d keys: %v", len(keys), err)
	}
	if got := list(t, b, "", ""); len(got) != 0 {
		t.Errorf("List after deleting all: %d objects left, first %q", len(got), got[0].Key)
	}
	if got := list(t, b, "", "/"); len(got) != 0 {
		t.Errorf("List(\"\", /) after deleting all: %q, want nothing", names(got))
	}
}

// putParallel puts a small object under each key, eight at a time.
func putParallel(t *testing.T, b blob.Bucket, keys []string) {
	t.Helper()
	var wg sync.WaitGroup
	work := make(chan string)
	errs := make(chan error, len(keys))
	for range 8 {
		wg.Go(func() {
			for k := range work {
				if _, err := b.Put(context.Background(), k, strings.NewReader(k)); err != nil {
					errs <- err
				}
			}
		})
	}
	for _, k := range keys {
		work <- k
	}
	close(work)
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatalf("Put: %v", err)
	}
}

func testDelete(t *testing.T, b blob.Bucket) {
	ctx := context.Background()
	putAll(t, b, []string{"a/b", "a/c", "d", "x/y/z"})
	if err := b.Delete(ctx, "a/b", "missing", "no/such/dir/key", "d", "x/y/z"); err != nil {
		t.Fatalf("Delete: %v", err)
	}
	if got := names(list(t, b, "", "")); !slices.Equal(got, []string{"a/c"}) {
		t.Errorf("List after Delete = %q, want [a/c]", got)
	}
	if got := names(list(t, b, "", "/")); !slices.Equal(got, []string{"a/"}) {
		t.Errorf("List(\"\", /) after Delete = %q, want [a/] (x/ has no object left)", got)
	}
	_, err := b.Get(ctx, "d")
	checkNotFound(t, "Get after Delete", "d", err)
	if err := b.Delete(ctx, "a/b", "d"); err != nil {
		t.Errorf("Delete of deleted keys: %v, want nil", err)
	}
	if err := b.Delete(ctx); err != nil {
		t.Errorf("Delete of no keys: %v, want nil", err)
	}
	// A directory is not an object: deleting its name deletes nothing.
	if err := b.Delete(ctx, "a"); err != nil {
		t.Errorf("Delete(a) with a/c stored: %v, want nil", err)
	}
	if got := names(list(t, b, "", "")); !slices.Equal(got, []string{"a/c"}) {
		t.Errorf("List after Delete(a) = %q, want [a/c]", got)
	}
}

func testDeleteInvalid(t *testing.T, b blob.Bucket) {
	put(t, b, "x", []byte("x"))
	err := b.Delete(context.Background(), "x", "../y")
	if !errors.Is(err, blob.ErrInvalidKey) || !strings.Contains(err.Error(), "../y") {
		t.Errorf("Delete(x, ../y): got %v, want an ErrInvalidKey naming ../y", err)
	}
	if ok, err := b.Exists(context.Background(), "x"); !ok || err != nil {
		t.Errorf("Exists(x) after the refused Delete = %v, %v; want true, nil", ok, err)
	}
}

// untouchable fails the test if Put reads it.
type untouchable struct{ t *testing.T }

func (u untouchable) Read([]byte) (int, error) {
	u.t.Error("Put read the data of an invalid key")
	return 0, io.EOF
}

func testInvalidKeys(t *testing.T, b blob.Bucket) {
	ctx := context.Background()
	for _, key := range []string{"", "/a", "a/", "a//b", "a/../b", "..", "./a", "a\x00b", "a\nb", "bad\xffutf8", strings.Repeat("k/", 600)} {
		check := func(op string, err error) {
			t.Helper()
			if !errors.Is(err, blob.ErrInvalidKey) {
				t.Errorf("%s %.30q: got error %v, want one wrapping ErrInvalidKey", op, key, err)
			}
		}
		_, err := b.Put(ctx, key, untouchable{t})
		check("Put", err)
		_, err = b.Get(ctx, key)
		check("Get", err)
		_, err = b.GetRange(ctx, key, 0, 10)
		check("GetRange", err)
		_, err = b.Stat(ctx, key)
		check("Stat", err)
		_, err = b.Exists(ctx, key)
		check("Exists", err)
		check("Delete", b.Delete(ctx, key))
	}
	if got := list(t, b, "", ""); len(got) != 0 {
		t.Errorf("List after refused Puts = %q, want nothing", names(got))
	}
}

// failingReader yields n bytes of data, then fails with err.
type failingReader struct {
	r   io.Reader
	err error
}

func (f *failingReader) Read(p []byte) (int, error) {
	n, err := f.r.Read(p)
	if err == io.EOF {
		return n, f.err
	}
	return n, err
}

var errBroken = errors.New("the producer broke")

func testFailingReader(t *testing.T, b blob.Bucket) {
	ctx := context.Background()
	old := data(5, 1000)
	put(t, b, "k", old)
	for _, n := range []int{0, 100, PartSize + 1000, LargeSize} {
		for _, key := range []string{"k", "dir/new"} {
			r := &failingReader{r: bytes.NewReader(data(6, n)), err: errBroken}
			_, err := b.Put(ctx, key, r)
			if !errors.Is(err, errBroken) {
				t.Errorf("Put %q failing after %d bytes: got error %v, want one wrapping the reader's", key, n, err)
			}
			if err != nil && !strings.Contains(err.Error(), key) {
				t.Errorf("Put %q: error %q does not name the key", key, err)
			}
		}
		sameBytes(t, fmt.Sprintf("Get k after a Put failing at %d bytes", n), get(t, b, "k"), old)
		if got := names(list(t, b, "", "")); !slices.Equal(got, []string{"k"}) {
			t.Errorf("List after a Put failing at %d bytes = %q, want [k]", n, got)
		}
	}
}

// cancelling yields data and cancels its context after `after` bytes,
// then goes on yielding, as a producer that does not watch the context.
type cancelling struct {
	r      io.Reader
	after  int
	read   int
	cancel context.CancelFunc
}

func (c *cancelling) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.read += n
	if c.read >= c.after {
		c.cancel()
	}
	return n, err
}

func testCancelledPut(t *testing.T, b blob.Bucket) {
	old := data(7, 2000)
	put(t, b, "k", old)
	for _, after := range []int{0, 1000, PartSize + PartSize/2} {
		for _, key := range []string{"k", "dir/new"} {
			ctx, cancel := context.WithCancel(context.Background())
			r := &cancelling{r: bytes.NewReader(data(8, LargeSize)), after: after, cancel: cancel}
			_, err := b.Put(ctx, key, r)
			cancel()
			if !errors.Is(err, context.Canceled) {
				t.Errorf("Put %q cancelled after %d bytes: got error %v, want one wrapping context.Canceled", key, after, err)
			}
		}
		sameBytes(t, fmt.Sprintf("Get k after a Put cancelled at %d bytes", after), get(t, b, "k"), old)
		if got := names(list(t, b, "", "")); !slices.Equal(got, []string{"k"}) {
			t.Errorf("List after a Put cancelled at %d bytes = %q, want [k]", after, got)
		}
	}

	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := b.Put(ctx, "k", untouchable{t}); !errors.Is(err, context.Canceled) {
		t.Errorf("Put with a cancelled context: got error %v, want one wrapping context.Canceled", err)
	}
}

func testConcurrentPuts(t *testing.T, b blob.Bucket) {
	sizes := []int{LargeSize, 1 << 20, 3000, PartSize}
	sums := map[[32]byte]int{}
	var wg sync.WaitGroup
	errs := make([]error, len(sizes))
	for i, n := range sizes {
		p := data(uint64(30+i), n)
		sums[sha256.Sum256(p)] = n
		wg.Go(func() {
			_, errs[i] = b.Put(context.Background(), "same", stream{bytes.NewReader(p)})
		})
	}
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Errorf("Put %d: %v", i, err)
		}
	}
	got := get(t, b, "same")
	n, ok := sums[sha256.Sum256(got)]
	if !ok {
		t.Fatalf("Get after concurrent Puts: %d bytes that match none of the objects put", len(got))
	}
	if a, err := b.Stat(context.Background(), "same"); err != nil || a.Size != int64(n) {
		t.Errorf("Stat after concurrent Puts = %+v, %v; want size %d", a, err, n)
	}
	if got := names(list(t, b, "", "")); !slices.Equal(got, []string{"same"}) {
		t.Errorf("List after concurrent Puts = %q, want [same]", got)
	}
}
