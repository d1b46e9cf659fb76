package secret

import (
	"crypto/rand"
	"fmt"
	"strings"
)

// Punctuation is Secrets Manager's punctuation set: every printable ASCII
// character that is neither a letter, a digit nor the space.
const Punctuation = "!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~"

const (
	// DefaultPasswordLength is the length used when PasswordSpec.Length is 0.
	DefaultPasswordLength = 32
	// MaxPasswordLength is the longest password GeneratePassword makes.
	MaxPasswordLength = 4096
	// maxExcludeCharacters bounds PasswordSpec.ExcludeCharacters, as Secrets
	// Manager bounds its ExcludeCharacters parameter.
	maxExcludeCharacters = 4096
)

const (
	lowercase = "abcdefghijklmnopqrstuvwxyz"
	uppercase = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
	digits    = "0123456789"
)

// maxAttempts bounds how many whole passwords GeneratePassword draws and
// rejects because one of the required classes is missing.
//
// The classes are disjoint and the alphabet has at most 95 characters, so the
// chance that one draw holds every required class is smallest for a password
// exactly as long as the number of required classes, drawn from one lowercase,
// one uppercase, one digit, all 32 punctuation characters and the space: about
// 4.6e-4. Running out of attempts then has a probability below e^-60; reaching
// the bound means the random source is broken, not that the spec is unlucky.
const maxAttempts = 1 << 17

// PasswordSpec holds the parameters of Secrets Manager's GetRandomPassword,
// plus OverrideSpecial from Terraform's random_password. The zero value asks
// for Secrets Manager's defaults: 32 characters drawn from lowercase and
// uppercase letters, digits and Punctuation, with at least one of each.
type PasswordSpec struct {
	Length                  int    // 0 means DefaultPasswordLength; valid 1..MaxPasswordLength
	ExcludeCharacters       string // characters never used, whatever their class
	ExcludeNumbers          bool
	ExcludePunctuation      bool
	ExcludeUppercase        bool
	ExcludeLowercase        bool
	IncludeSpace            bool  // the space may appear; it is never a required class
	RequireEachIncludedType *bool // nil means true, as in Secrets Manager
	// OverrideSpecial, when non-empty, replaces Punctuation as the set of
	// punctuation characters, like random_password's override_special. It
	// may only hold characters of Punctuation; repeats count once.
	OverrideSpecial string
}

// DefaultPasswordSpec returns the spec Secrets Manager uses when a
// GetRandomPassword request sets no parameter.
func DefaultPasswordSpec() PasswordSpec {
	require := true
	return PasswordSpec{Length: DefaultPasswordLength, RequireEachIncludedType: &require}
}

// passwordPlan is a validated spec: the alphabet to draw from and, for each
// required class, the characters that satisfy it.
type passwordPlan struct {
	length   int
	alphabet []byte
	required []string
}

// Validate reports whether GeneratePassword can honour s. It returns nil or an
// *Error with CodeInvalidParameter whose message names the bad parameter.
func (s PasswordSpec) Validate() error {
	_, err := s.plan()
	return err
}

func (s PasswordSpec) plan() (passwordPlan, error) {
	length := s.Length
	if length == 0 {
		length = DefaultPasswordLength
	}
	if length < 1 || length > MaxPasswordLength {
		return passwordPlan{}, Errorf(CodeInvalidParameter,
			"PasswordLength must be between 1 and %d", MaxPasswordLength)
	}
	if n := len([]rune(s.ExcludeCharacters)); n > maxExcludeCharacters {
		return passwordPlan{}, Errorf(CodeInvalidParameter,
			"ExcludeCharacters must be at most %d characters long, got %d", maxExcludeCharacters, n)
	}
	special := Punctuation
	if s.OverrideSpecial != "" {
		for i := 0; i < len(s.OverrideSpecial); i++ {
			if strings.IndexByte(Punctuation, s.OverrideSpecial[i]) < 0 {
				return passwordPlan{}, Errorf(CodeInvalidParameter,
					"OverrideSpecial may only contain the punctuation characters %s", Punctuation)
			}
		}
		special = s.OverrideSpecial
	}

	classes := []struct {
		chars    string
		excluded bool
	}{
		{lowercase, s.ExcludeLowercase},
		{uppercase, s.ExcludeUppercase},
		{digits, s.ExcludeNumbers},
		{special, s.ExcludePunctuation},
	}
	var seen [128]bool
	p := passwordPlan{length: length}
	for _, c := range classes {
		if c.excluded {
			continue
		}
		kept := s.keep(c.chars, &seen)
		if len(kept) == 0 {
			continue // a class whose characters are all excluded is not included
		}
		p.alphabet = append(p.alphabet, kept...)
		p.required = append(p.required, string(kept))
	}
	if s.IncludeSpace {
		p.alphabet = append(p.alphabet, s.keep(" ", &seen)...)
	}
	if len(p.alphabet) == 0 {
		return passwordPlan{}, Errorf(CodeInvalidParameter,
			"ExcludeCharacters and the Exclude parameters leave no character to choose from")
	}
	if s.RequireEachIncludedType != nil && !*s.RequireEachIncludedType {
		p.required = nil
	}
	if length < len(p.required) {
		return passwordPlan{}, Errorf(CodeInvalidParameter,
			"PasswordLength %d is shorter than the %d character types RequireEachIncludedType asks for",
			length, len(p.required))
	}
	return p, nil
}

// keep returns the characters of chars that are neither in ExcludeCharacters
// nor already marked in seen, and marks them.
func (s PasswordSpec) keep(chars string, seen *[128]bool) []byte {
	var kept []byte
	for i := 0; i < len(chars); i++ {
		c := chars[i]
		// Bytes of a multi-byte UTF-8 sequence are all >= 0x80, so looking an
		// ASCII byte up in ExcludeCharacters byte by byte is exact.
		if seen[c] || strings.IndexByte(s.ExcludeCharacters, c) >= 0 {
			continue
		}
		seen[c] = true
		kept = append(kept, c)
	}
	return kept
}

// GeneratePassword returns a password drawn uniformly at random, using
// crypto/rand, from every password that spec allows. An invalid spec yields
// the *Error of Validate.
//
// Each character is an unbiased draw from the alphabet (rejection sampling,
// no modulo bias). When RequireEachIncludedType holds, a password missing a
// class is thrown away whole and drawn again, which keeps the result uniform
// over the passwords that have every class.
func GeneratePassword(spec PasswordSpec) (string, error) {
	p, err := spec.plan()
	if err != nil {
		return "", err
	}
	r := newIndexReader(len(p.alphabet), p.length)
	defer r.wipe()
	pw := make([]byte, p.length)
	defer clear(pw)
	for range maxAttempts {
		for i := range pw {
			idx, err := r.next()
			if err != nil {
				return "", fmt.Errorf("generate password: %w", err)
			}
			pw[i] = p.alphabet[idx]
		}
		if hasEachClass(pw, p.required) {
			return string(pw), nil
		}
	}
	return "", Errorf(CodeInternalService,
		"generate password: no password with every required character type after %d attempts", maxAttempts)
}

func hasEachClass(pw []byte, required []string) bool {
	for _, class := range required {
		found := false
		for _, c := range pw {
			if strings.IndexByte(class, c) >= 0 {
				found = true
				break
			}
		}
		if !found {
			return false
		}
	}
	return true
}

// indexReader draws uniform indexes in [0, n) for n <= 256 from crypto/rand,
// reading random bytes in bulk. A byte at or above the largest multiple of n
// that fits in a byte is discarded, so every index is equally likely.
type indexReader struct {
	n     int
	limit int // largest multiple of n not above 256; bytes >= limit are rejected
	buf   []byte
	pos   int
}

func newIndexReader(n, length int) *indexReader {
	// Enough bytes for one password in most cases, within sane bounds.
	size := min(max(2*length, 64), 8192)
	return &indexReader{n: n, limit: 256 - 256%n, buf: make([]byte, size), pos: size}
}

func (r *indexReader) next() (int, error) {
	for {
		if r.pos == len(r.buf) {
			if _, err := rand.Read(r.buf); err != nil {
				return 0, fmt.Errorf("read random bytes: %w", err)
			}
			r.pos = 0
		}
		b := int(r.buf[r.pos])
		r.pos++
		if b < r.limit {
			return b % r.n, nil
		}
	}
}

// wipe clears the random bytes still held, which could tell a password.
func (r *indexReader) wipe() { clear(r.buf) }
