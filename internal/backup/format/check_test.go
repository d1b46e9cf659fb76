package format

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"testing"
)

func TestCheckStored(t *testing.T) {
	data := []byte("stored bytes of one chunk")
	sum := sha256.Sum256(data)
	obj := Object{Name: "data/d/t.000000", Size: int64(len(data)), SHA256: hex.EncodeToString(sum[:])}
	if err := CheckStored(bytes.NewReader(data), obj); err != nil {
		t.Fatalf("intact object: %v", err)
	}
	flipped := bytes.Clone(data)
	flipped[3] ^= 1
	for name, c := range map[string]struct {
		b    []byte
		want error
	}{
		"truncated": {data[:10], ErrTruncated},
		"longer":    {append(bytes.Clone(data), 'x'), ErrCorrupt},
		"flipped":   {flipped, ErrCorrupt},
	} {
		err := CheckStored(bytes.NewReader(c.b), obj)
		var oe *ObjectError
		if !errors.Is(err, c.want) || !errors.As(err, &oe) || oe.Object != obj.Name {
			t.Errorf("%s: got %v, want %v naming %s", name, err, c.want, obj.Name)
		}
	}
}
