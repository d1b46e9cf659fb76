package backup

import (
	"bytes"
	"testing"
)

// appendBinary escapes exactly the bytes MySQL's parser treats specially
// in a quoted string, and copies every other byte as it is.
func TestAppendBinary(t *testing.T) {
	for _, c := range []struct{ in, want string }{
		{"", "''"},
		{"plain", "'plain'"},
		{"a'b\\c", `'a\'b\\c'`},
		{"\x00\n\r\x1a", `'\0\n\r\Z'`},
		{"é\xff\"", "'é\xff\"'"},
	} {
		if got := appendBinary(nil, []byte(c.in)); !bytes.Equal(got, []byte(c.want)) {
			t.Errorf("appendBinary(%q) = %q, want %q", c.in, got, c.want)
		}
	}
}

func BenchmarkAppendBinary(b *testing.B) {
	v := bytes.Repeat([]byte("83868641912-28773972837-60736120486-75162659906-"), 3)
	buf := make([]byte, 0, 1024)
	b.SetBytes(int64(len(v)))
	for b.Loop() {
		buf = appendBinary(buf[:0], v)
	}
}
