package store

import (
	"regexp"
	"strings"
	"unicode"

	"github.com/dbwarden/dbwarden/internal/secret"
)

// Limits on ListSecrets and ListSecretVersionIds requests.
const (
	MaxResults       = 100
	maxFilterValues  = 10
	maxFilterValueSz = 512
)

// filterValueRe is the pattern Secrets Manager accepts for filter values.
var filterValueRe = regexp.MustCompile(`^!?[a-zA-Z0-9 :_@/+=.\-!]*$`)

var filterKeys = map[string]bool{
	"name": true, "description": true, "tag-key": true, "tag-value": true,
	"primary-region": true, "owning-service": true, "all": true,
}

// ValidateFilters checks ListSecrets filters as Secrets Manager does.
func ValidateFilters(fs []Filter) error {
	for _, f := range fs {
		if !filterKeys[f.Key] {
			return secret.Errorf(secret.CodeInvalidParameter, "Invalid filter key %q: use one of description, name, tag-key, tag-value, primary-region, owning-service or all.", f.Key)
		}
		if len(f.Values) == 0 || len(f.Values) > maxFilterValues {
			return secret.Errorf(secret.CodeInvalidParameter, "Invalid filter %s: give between 1 and %d values.", f.Key, maxFilterValues)
		}
		for _, v := range f.Values {
			if len(v) > maxFilterValueSz {
				return secret.Errorf(secret.CodeInvalidParameter, "Invalid filter %s: a value can be at most %d characters long.", f.Key, maxFilterValueSz)
			}
			if !filterValueRe.MatchString(v) {
				return secret.Errorf(secret.CodeInvalidParameter, "Invalid filter %s: a value may hold letters, digits, spaces and :_@/+=.-! only, with an optional leading ! to negate.", f.Key)
			}
		}
	}
	return nil
}

// MatchFilters reports whether a secret passes every filter. Within one
// filter a secret must match one of the plain values and none of the
// negated ("!") ones.
func MatchFilters(s *SecretListEntry, fs []Filter) bool {
	for _, f := range fs {
		if !matchFilter(s, f) {
			return false
		}
	}
	return true
}

func matchFilter(s *SecretListEntry, f Filter) bool {
	havePositive, anyPositive := false, false
	for _, v := range f.Values {
		neg := strings.HasPrefix(v, "!")
		if neg {
			v = v[1:]
		}
		m := matchValue(s, f.Key, v)
		if neg {
			if m {
				return false
			}
			continue
		}
		havePositive = true
		if m {
			anyPositive = true
		}
	}
	return !havePositive || anyPositive
}

func matchValue(s *SecretListEntry, key, v string) bool {
	switch key {
	case "name":
		return strings.HasPrefix(s.Name, v)
	case "description":
		return strings.HasPrefix(strings.ToLower(s.Description), strings.ToLower(v)) || wordsMatch(s.Description, v)
	case "tag-key":
		for _, t := range s.Tags {
			if strings.HasPrefix(t.Key, v) {
				return true
			}
		}
	case "tag-value":
		for _, t := range s.Tags {
			if strings.HasPrefix(t.Value, v) {
				return true
			}
		}
	case "all":
		attrs := []string{s.Name, s.Description}
		for _, t := range s.Tags {
			attrs = append(attrs, t.Key, t.Value)
		}
		for _, a := range attrs {
			if wordsMatch(a, v) {
				return true
			}
		}
	}
	return false
}

// wordsMatch reports whether any word of query starts a word of attr,
// ignoring case, with words split as Secrets Manager's search splits them.
func wordsMatch(attr, query string) bool {
	aw := Words(attr)
	for _, q := range Words(query) {
		for _, a := range aw {
			if strings.HasPrefix(a, q) {
				return true
			}
		}
	}
	return false
}

// Words splits s into lower-case words at every change from lower to upper
// case, between letters and digits, and at anything that is neither.
func Words(s string) []string {
	var words []string
	var cur []rune
	flush := func() {
		if len(cur) > 0 {
			words = append(words, strings.ToLower(string(cur)))
			cur = cur[:0]
		}
	}
	var prev rune
	for _, r := range s {
		switch {
		case !unicode.IsLetter(r) && !unicode.IsDigit(r):
			flush()
		case len(cur) > 0 && (unicode.IsDigit(r) != unicode.IsDigit(prev)):
			flush()
			cur = append(cur, r)
		case len(cur) > 0 && unicode.IsUpper(r) && unicode.IsLower(prev):
			flush()
			cur = append(cur, r)
		default:
			cur = append(cur, r)
		}
		prev = r
	}
	flush()
	return words
}
