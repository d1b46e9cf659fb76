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
var secretKey = regexp.MustCompile(`(?i)([A-Za-z0-9_.-]*(?:passw(?:or)?d|passphrase|pwd|secret|token|private[_-]?key|access[_-]?key|api[_-]?key|credential)[A-Za-z0-9_.-]*"?'?)(\s*[:=]\s*)(.*)$`)

// jsonSecret matches a password-like key and its string value inside JSON
// written as a string (a SecretString, a container definition).
var jsonSecret = regexp.MustCompile(`(?i)(\\?"[A-Za-z0-9_.-]*(?:passw(?:or)?d|passphrase|pwd|secret|token|private[_-]?key|api[_-]?key)[A-Za-z0-9_.-]*\\?"\s*:\s*\\?")([^"\\$][^"\\]*)(\\?")`)

// clientPassword matches a password given to a MySQL or MariaDB client
// on its command line (-pVALUE, in a script or a JSON list).
var clientPassword = regexp.MustCompile(`(?i)(\b(?:mysql|mysqladmin|mysqldump|mysqlpump|mysqlimport|mariadb|mariadb-admin|mariadb-dump|mariadb-import)\b.*?["'\s]-p)([^\s"',\]$][^\s"',\]]*)`)

// identifiedBy matches a password in SQL: IDENTIFIED [WITH plugin] BY 'x'.
var identifiedBy = regexp.MustCompile(`(?i)(\bIDENTIFIED\s+(?:WITH\s+\S+\s+)?BY\s+(?:PASSWORD\s+)?['"])([^'"$][^'"]*)(['"])`)

// dockerLegacyEnv matches a Dockerfile's ENV or ARG in the NAME value form.
var dockerLegacyEnv = regexp.MustCompile(`(?i)^(\s*(?:ENV|ARG)\s+[A-Za-z0-9_]*(?:passw(?:or)?d|passphrase|pwd|secret|token)[A-Za-z0-9_]*\s+)([^=\s].*)$`)

// accessKeyID matches an AWS access key id.
var accessKeyID = regexp.MustCompile(`\b((?:AKIA|ASIA))[0-9A-Z]{16}\b`)

// secretWord is what makes a name hold a secret.
const secretWord = `[A-Za-z0-9_.-]*(?:passw(?:or)?d|passphrase|pwd|secret|token|private[_-]?key|api[_-]?key)[A-Za-z0-9_.-]*`

// namedValue matches a name/value pair on one line whose name holds a
// secret: { name = "DB_PASSWORD", value = "x" }, {"Name": ..., "Value": ...}.
var namedValue = regexp.MustCompile(`(?i)(["']?name["']?\s*[:=]\s*["']?` + secretWord + `["']?\s*,\s*["']?value["']?\s*[:=]\s*["']?)([^"',}\s$][^"',}]*)`)

// nameLine and valueLine match the two halves of a pair written on lines
// of their own (CloudFormation's Environment, a YAML list).
var (
	nameLine       = regexp.MustCompile(`(?i)^\s*-?\s*["']?name["']?\s*[:=]`)
	secretNameLine = regexp.MustCompile(`(?i)^\s*-?\s*["']?name["']?\s*[:=]\s*["']?` + secretWord + `["']?,?\s*$`)
	valueLine      = regexp.MustCompile(`(?i)^(\s*-?\s*["']?value["']?\s*[:=]\s*)(.+)$`)
)

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

// redactAt masks secret values on line n (1-based) of lines, with the
// lines around it for a value whose name is on a line of its own.
func redactAt(lines []string, n int) string {
	line := redactLine(lines[n-1])
	m := valueLine.FindStringSubmatch(line)
	if m == nil || isReference(strings.Trim(strings.TrimSpace(m[2]), `"'`)) {
		return line
	}
	// The value's name is the nearest name line, above it or else below.
	for _, k := range []int{n - 1, n - 2, n + 1, n + 2} {
		if k < 1 || k > len(lines) || !nameLine.MatchString(lines[k-1]) {
			continue
		}
		if secretNameLine.MatchString(lines[k-1]) {
			return m[1] + maskValue(m[2])
		}
		break
	}
	return line
}

// redactLine masks secret values on one line of source.
func redactLine(line string) string {
	line = urlPassword.ReplaceAllString(line, "${1}"+mask+"${3}")
	line = clientPassword.ReplaceAllString(line, "${1}"+mask)
	line = identifiedBy.ReplaceAllString(line, "${1}"+mask+"${3}")
	line = accessKeyID.ReplaceAllString(line, "${1}"+mask)
	line = jsonSecret.ReplaceAllString(line, "${1}"+mask+"${3}")
	line = namedValue.ReplaceAllString(line, "${1}"+mask)
	if m := dockerLegacyEnv.FindStringSubmatchIndex(line); m != nil && !isReference(line[m[4]:m[5]]) {
		return line[:m[4]] + mask
	}
	m := secretKey.FindStringSubmatchIndex(line)
	if m == nil || settingKey(line[m[2]:m[3]]) {
		return line
	}
	value := line[m[6]:m[7]]
	if strings.TrimSpace(line[m[4]:m[5]]) == ":" && strings.HasPrefix(value, ":") {
		return line // AWS::SecretsManager::Secret: a type, not an assignment
	}
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
