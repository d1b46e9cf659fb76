package format_test

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/dbwarden/dbwarden/internal/backup/format"
)

// FuzzDecodeManifest checks that DecodeManifest never panics, that every
// error it returns says the manifest is invalid, and that whatever it accepts
// passes Validate and is encoded again to the very same bytes (the HMAC
// aside, which depends on the key).
func FuzzDecodeManifest(f *testing.F) {
	for _, alg := range []string{"zstd", "gzip", "none"} {
		data, err := os.ReadFile(filepath.Join("testdata", "v1", alg, format.ManifestName))
		if err != nil {
			f.Fatal(err)
		}
		f.Add(data)
		s := string(data)
		f.Add([]byte(strings.Replace(s, `"rows":2000`, `"rows":-1`, 1)))
		f.Add([]byte(strings.Replace(s, `"name":"users/all"`, `"name":"../all"`, 1)))
		f.Add([]byte(strings.Replace(s, `"format":1`, `"format":2`, 1)))
		f.Add([]byte(strings.Replace(s, `"binlog_position":1337,`, ``, 1)))
		f.Add([]byte(strings.Replace(s, `"database":"app"`, `"database":"ap\"p\\"`, 1)))
	}
	f.Add([]byte(`{"format":1}`))
	f.Add([]byte(`{}`))
	f.Add([]byte(`null`))

	f.Fuzz(func(t *testing.T, data []byte) {
		m, err := format.DecodeManifest(data)
		if err != nil {
			if !errors.Is(err, format.ErrInvalidManifest) {
				t.Fatalf("DecodeManifest returned %v, which does not wrap ErrInvalidManifest", err)
			}
			return
		}
		if err := m.Validate(); err != nil {
			t.Fatalf("DecodeManifest accepted a manifest that Validate refuses: %v", err)
		}
		key, err := format.DataKeyFromBytes(m.BackupID, make([]byte, 32), m.Key.Wrapped)
		if err != nil {
			t.Fatal(err)
		}
		again, err := format.EncodeManifest(m, key)
		if err != nil {
			t.Fatalf("EncodeManifest refused what DecodeManifest accepted: %v", err)
		}
		cut := []byte(`,"hmac_sha256":"`)
		i, j := bytes.LastIndex(data, cut), bytes.LastIndex(again, cut)
		if i < 0 || j < 0 || !bytes.Equal(data[:i], again[:j]) {
			t.Fatalf("encoding the decoded manifest gives\n%s\nwant\n%s", again, data)
		}
		if _, err := format.DecodeManifest(again); err != nil {
			t.Fatalf("a manifest EncodeManifest wrote does not decode: %v", err)
		}
	})
}
