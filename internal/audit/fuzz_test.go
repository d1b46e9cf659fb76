package audit

import (
	"bytes"
	"context"
	"strings"
	"testing"
)

// FuzzDecodeRecord checks that DecodeRecord never panics and that whatever
// it accepts survives encoding and decoding again unchanged.
func FuzzDecodeRecord(f *testing.F) {
	// Seeds: real records, as Append stored them and Export wrote them.
	db := openDB(f)
	ctx := WithCaller(context.Background(), Caller{Principal: "cli:root", RequestID: "req-fuzz", SourceIP: "::1"})
	for i := 1; i <= 4; i++ {
		r := sample(i)
		if i == 2 {
			r.Principal, r.Resource = "", "arn:aws:secretsmanager:us-east-1:000000000000:secret:ünïcode/\"quoted\"\t<tag>&-xyz"
		}
		appendOne(f, ctx, db, r)
	}
	var buf bytes.Buffer
	if _, err := Export(ctx, db, &buf, Filter{}); err != nil {
		f.Fatalf("export: %v", err)
	}
	for _, line := range strings.SplitAfter(buf.String(), "\n") {
		if line != "" {
			f.Add([]byte(line))
		}
	}
	f.Add([]byte(vector2JSON))
	f.Add([]byte(`{"seq":1}`))
	f.Add([]byte(`{}`))

	f.Fuzz(func(t *testing.T, line []byte) {
		r, err := DecodeRecord(line)
		if err != nil {
			return
		}
		enc, err := r.MarshalJSON()
		if err != nil {
			t.Fatalf("encode a decoded record: %v", err)
		}
		again, err := DecodeRecord(enc)
		if err != nil {
			t.Fatalf("decode a re-encoded record: %v", err)
		}
		if !sameRecord(again, r) {
			t.Fatalf("record after re-encoding: mismatch")
		}
		enc2, err := again.MarshalJSON()
		if err != nil {
			t.Fatalf("encode again: %v", err)
		}
		if !bytes.Equal(enc2, enc) {
			t.Fatalf("encoding is not stable: %d bytes then %d bytes", len(enc), len(enc2))
		}
	})
}
