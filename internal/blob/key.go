package blob

import (
	"fmt"
	"strings"
	"unicode/utf8"
)

// Limits on keys. MaxKeyBytes is S3's limit on a key, including any prefix
// the bucket adds; MaxSegmentBytes is the longest file name most local file
// systems accept.
const (
	MaxKeyBytes     = 1024
	MaxSegmentBytes = 255
)

// ValidateKey reports whether key can name an object. A key is 1 to
// MaxKeyBytes bytes of UTF-8 without control characters (so no NUL), made of
// segments separated by '/'. Each segment is 1 to MaxSegmentBytes bytes and
// neither "." nor "..": a key has no leading or trailing '/', no "//", and
// cannot climb out of a directory. The error wraps ErrInvalidKey and names
// the rule the key breaks.
func ValidateKey(key string) error {
	if key == "" {
		return fmt.Errorf("%w: the key is empty", ErrInvalidKey)
	}
	if err := checkText("", key); err != nil {
		return err
	}
	if strings.HasSuffix(key, "/") {
		return invalid("", key, "it ends with '/': a key names an object, not a directory")
	}
	return checkSegments("", key, strings.Split(key, "/"))
}

// ValidatePrefix reports whether prefix can start a key, as List's prefix.
// The empty prefix matches every key. Otherwise the rules of ValidateKey
// apply to each segment that a '/' ends; the last, unfinished segment (empty
// when prefix ends with '/') only has to be valid text, since "backups/20"
// is a fine start of "backups/2026".
func ValidatePrefix(prefix string) error {
	if prefix == "" {
		return nil
	}
	if err := checkText(" prefix", prefix); err != nil {
		return err
	}
	segs := strings.Split(prefix, "/")
	last := segs[len(segs)-1]
	if len(last) > MaxSegmentBytes {
		return invalid(" prefix", prefix, fmt.Sprintf("its last segment is %d bytes, longer than the %d allowed", len(last), MaxSegmentBytes))
	}
	return checkSegments(" prefix", prefix, segs[:len(segs)-1])
}

// checkText checks the rules on the whole string: length, UTF-8, control
// characters. kind is "" for a key and " prefix" for a prefix.
func checkText(kind, key string) error {
	if len(key) > MaxKeyBytes {
		return fmt.Errorf("%w%s %.64q...: it is %d bytes, longer than the %d allowed", ErrInvalidKey, kind, key, len(key), MaxKeyBytes)
	}
	if !utf8.ValidString(key) {
		return invalid(kind, key, "it is not valid UTF-8")
	}
	for i, r := range key {
		if r == 0 {
			return invalid(kind, key, fmt.Sprintf("it contains a NUL byte at byte %d", i))
		}
		if r < 0x20 || r == 0x7f {
			return invalid(kind, key, fmt.Sprintf("it contains the control character %U at byte %d", r, i))
		}
	}
	return nil
}

// checkSegments checks complete segments: not empty, not "." or "..", not
// too long.
func checkSegments(kind, key string, segs []string) error {
	for i, s := range segs {
		switch {
		case s == "" && i == 0:
			return invalid(kind, key, "it starts with '/': keys are relative to the bucket")
		case s == "":
			return invalid(kind, key, "it has an empty segment (\"//\")")
		case s == "." || s == "..":
			return invalid(kind, key, fmt.Sprintf("it has a %q segment", s))
		case len(s) > MaxSegmentBytes:
			return invalid(kind, key, fmt.Sprintf("segment %d is %d bytes, longer than the %d allowed", i+1, len(s), MaxSegmentBytes))
		}
	}
	return nil
}

func invalid(kind, key, why string) error {
	return fmt.Errorf("%w%s %q: %s", ErrInvalidKey, kind, key, why)
}
