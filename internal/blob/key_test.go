package blob_test

import (
	"errors"
	"path"
	"strings"
	"testing"

	"github.com/dbwarden/dbwarden/internal/blob"
)

func TestValidateKey(t *testing.T) {
	valid := []string{
		"a",
		"backups/2026-11-25T12-00-00Z/manifest.json",
		"a/b/c/d/e",
		"..a/b..", // dots inside a segment are fine
		".hidden",
		"a b/ünïcode/日本",
		strings.Repeat("k", blob.MaxSegmentBytes),
		strings.Repeat(strings.Repeat("k", 100)+"/", 10) + strings.Repeat("k", 14), // 1024 bytes
	}
	for _, k := range valid {
		if err := blob.ValidateKey(k); err != nil {
			t.Errorf("ValidateKey(%.40q) = %v, want nil", k, err)
		}
	}

	invalid := []struct{ key, why string }{
		{"", "empty"},
		{"/a", "starts with '/'"},
		{"a/", "ends with '/'"},
		{"a//b", "empty segment"},
		{"a/../b", `".." segment`},
		{"..", `".." segment`},
		{"a/./b", `"." segment`},
		{"a\x00b", "NUL byte"},
		{"a\nb", "control character U+000A"},
		{"a\x7fb", "control character U+007F"},
		{"a\xffb", "not valid UTF-8"},
		{strings.Repeat("k", blob.MaxSegmentBytes+1), "256 bytes"},
		{strings.Repeat("k/", 512) + "k", "1025 bytes"},
	}
	for _, tc := range invalid {
		err := blob.ValidateKey(tc.key)
		if !errors.Is(err, blob.ErrInvalidKey) {
			t.Errorf("ValidateKey(%.40q) = %v, want an error wrapping ErrInvalidKey", tc.key, err)
			continue
		}
		if !strings.Contains(err.Error(), tc.why) {
			t.Errorf("ValidateKey(%.40q) = %q, want it to say %q", tc.key, err, tc.why)
		}
	}
}

func TestValidatePrefix(t *testing.T) {
	for _, p := range []string{"", "a", "a/", "backups/20", "a/b/", "a/..", "a/."} {
		if err := blob.ValidatePrefix(p); err != nil {
			t.Errorf("ValidatePrefix(%q) = %v, want nil", p, err)
		}
	}
	for _, tc := range []struct{ prefix, why string }{
		{"/", "starts with '/'"},
		{"/a", "starts with '/'"},
		{"a//", "empty segment"},
		{"../a", `".." segment`},
		{"a/./", `"." segment`},
		{"a\x00", "NUL byte"},
		{strings.Repeat("k", blob.MaxSegmentBytes+1), "last segment is 256 bytes"},
	} {
		err := blob.ValidatePrefix(tc.prefix)
		if !errors.Is(err, blob.ErrInvalidKey) || !strings.Contains(err.Error(), tc.why) {
			t.Errorf("ValidatePrefix(%q) = %v, want an ErrInvalidKey saying %q", tc.prefix, err, tc.why)
		}
		if err != nil && !strings.Contains(err.Error(), "invalid key prefix") {
			t.Errorf("ValidatePrefix(%q) = %q, want it to say it is a prefix", tc.prefix, err)
		}
	}
}

// FuzzValidateKey checks that every key ValidateKey accepts stays inside
// the directory it is joined to, and is also a valid prefix.
func FuzzValidateKey(f *testing.F) {
	for _, s := range []string{"a", "a/b", "../a", "a/../../b", "/a", "a//b", "a\x00", ".", "a/.", "..a"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, key string) {
		if blob.ValidateKey(key) != nil {
			return
		}
		if cleaned := path.Clean(key); cleaned != key {
			t.Errorf("ValidateKey accepted %q, which path.Clean changes to %q", key, cleaned)
		}
		if j := path.Join("root", key); !strings.HasPrefix(j, "root/") {
			t.Errorf("ValidateKey accepted %q, which leaves the root: %q", key, j)
		}
		if err := blob.ValidatePrefix(key); err != nil {
			t.Errorf("ValidateKey accepted %q but ValidatePrefix refuses it: %v", key, err)
		}
	})
}
