package report

import (
	"regexp"
	"strings"
)

// Quoted source lines can hold the very secret a finding is about (a
// plaintext password in a Terraform file, a my.cnf or a template). Before a
// line is printed, the value of every password-like key on it is masked,
// unless the value is a reference (var.x, !Ref, {{resolve:...}}, ${...}),
// which names where the secret comes from rather than what it is.

// secretKey matches a password-like key followed by its assignment: HCL and
// my.cnf "key = value", YAML "Key: value", JSON "\"Key\": value".
var secretKey = regexp.MustCompile(`(?i)([A-Za-z0-9_.-]*(?:passw(?:or)?d|passphrase|pwd|secret|token|private[_-]?key|access[_-]?key|credential)[A-Za-z0-9_.-]*"?'?)(\s*[:=]\s*)(.*)$`)

// urlPassword matches the password of a URL's user information.
var urlPassword = regexp.MustCompile(`([A-Za-z][A-Za-z0-9+.-]*://[^:/@\s"']+:)([^@\s"']+)(@)`)

const mask = "****"

// settingKeys are keys that contain a password-like word but name a
// setting, not a secret; their values are printed as written.
var settingKeys = map[string]bool{
	"httptokens":                 true, // IMDSv2: HttpTokens / http_tokens = "required"
	"managemasteruserpassword":   true,
	"secretid":                   true,
	"secretarn":                  true,
	"secretsmanagersecretid":     true,
	"kmskeyid":                   true,
	"minimumpasswordlength":      true,
	"passwordreuseprevention":    true,
	"requiresymbols":             true,
	"allowuserstochangepassword": true,
}

func settingKey(key string) bool {
	k := strings.Map(func(r rune) rune {
		switch r {
		case '_', '-', '"', '\'', '.':
			return -1
		}
		return r
	}, strings.ToLower(strings.TrimSpace(key)))
	return settingKeys[k]
}

// redactLine masks secret values on one line of source.
func redactLine(line string) string {
	line = urlPassword.ReplaceAllString(line, "${1}"+mask+"${3}")
	m := secretKey.FindStringSubmatchIndex(line)
	if m == nil || settingKey(line[m[2]:m[3]]) {
		return line
	}
	value := line[m[6]:m[7]]
	masked := maskValue(value)
	return line[:m[6]] + masked
}

// maskValue masks an assigned value, keeping its quotes and a trailing
// comma or comment marker out of the way.
func maskValue(v string) string {
	t := strings.TrimSpace(v)
	if t == "" || isReference(t) {
		return v
	}
	switch q := t[0]; q {
	case '"', '\'':
		end := strings.IndexByte(t[1:], q)
		if end < 0 {
			return string(q) + mask
		}
		inner := t[1 : 1+end]
		if isReference(inner) {
			return v
		}
		return string(q) + mask + string(q) + t[2+end:]
	}
	// A bare value: keep a trailing comma (JSON, HCL object) if any.
	if strings.HasSuffix(t, ",") {
		return mask + ","
	}
	return mask
}

// isReference reports whether a value names where a secret comes from
// rather than holding it.
func isReference(v string) bool {
	v = strings.TrimSpace(v)
	switch {
	case v == "", v == "true", v == "false", v == "null", v == "{", v == "[", v == "<<EOF":
		return true
	case strings.HasPrefix(v, "!"), strings.HasPrefix(v, "{"), strings.HasPrefix(v, "["),
		strings.HasPrefix(v, "<<"), strings.HasPrefix(v, "${"), strings.Contains(v, "{{resolve:"):
		return true
	}
	for _, p := range []string{"var.", "local.", "data.", "module.", "aws_", "random_"} {
		if strings.HasPrefix(v, p) {
			return true
		}
	}
	return false
}
