package main

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/dbwarden/dbwarden/internal/secret"
	"github.com/dbwarden/dbwarden/internal/store"
)

// readStringValue resolves a --secret-string argument: file://PATH reads the
// file as is, "-" reads standard input without its final newline, anything
// else is the value itself.
func (a *app) readStringValue(flag, arg string) (string, error) {
	switch {
	case arg == "-":
		b, err := io.ReadAll(a.stdin)
		if err != nil {
			return "", fmt.Errorf("%s -: read standard input: %w", flag, err)
		}
		b = bytes.TrimSuffix(b, []byte("\n"))
		b = bytes.TrimSuffix(b, []byte("\r"))
		return string(b), nil
	case strings.HasPrefix(arg, "file://"):
		b, err := os.ReadFile(strings.TrimPrefix(arg, "file://"))
		if err != nil {
			return "", usagef("%s: %v", flag, err)
		}
		return string(b), nil
	}
	return arg, nil
}

// readBinaryValue resolves a --secret-binary argument: fileb://PATH reads
// the file's bytes, "-" reads standard input as is, anything else is
// base64, as the aws CLI takes blobs.
func (a *app) readBinaryValue(flag, arg string) ([]byte, error) {
	switch {
	case arg == "-":
		b, err := io.ReadAll(a.stdin)
		if err != nil {
			return nil, fmt.Errorf("%s -: read standard input: %w", flag, err)
		}
		return b, nil
	case strings.HasPrefix(arg, "fileb://"):
		b, err := os.ReadFile(strings.TrimPrefix(arg, "fileb://"))
		if err != nil {
			return nil, usagef("%s: %v", flag, err)
		}
		return b, nil
	}
	b, err := base64.StdEncoding.DecodeString(arg)
	if err != nil {
		return nil, usagef("%s: not valid base64 (use fileb://PATH for a file, - for standard input)", flag)
	}
	return b, nil
}

// parseTags reads tags in the aws CLI's shorthand (Key=env,Value=prod) or
// as a JSON list of {"Key":..., "Value":...}.
func parseTags(args []string) ([]secret.Tag, error) {
	var tags []secret.Tag
	for _, arg := range args {
		arg = strings.TrimSpace(arg)
		if strings.HasPrefix(arg, "[") {
			var ts []secret.Tag
			if err := json.Unmarshal([]byte(arg), &ts); err != nil {
				return nil, usagef("--tags: invalid JSON: %v", err)
			}
			tags = append(tags, ts...)
			continue
		}
		var t secret.Tag
		var haveKey bool
		for _, part := range strings.Split(arg, ",") {
			k, v, ok := strings.Cut(part, "=")
			switch {
			case ok && k == "Key":
				t.Key, haveKey = v, true
			case ok && k == "Value":
				t.Value = v
			default:
				return nil, usagef("--tags: %q is not Key=KEY,Value=VALUE", arg)
			}
		}
		if !haveKey {
			return nil, usagef("--tags: %q has no Key=", arg)
		}
		tags = append(tags, t)
	}
	return tags, nil
}

// parseFilters reads ListSecrets filters in the aws CLI's shorthand
// (Key=name,Values=prod/,staging/) or as JSON.
func parseFilters(args []string) ([]store.Filter, error) {
	var fs []store.Filter
	for _, arg := range args {
		arg = strings.TrimSpace(arg)
		if strings.HasPrefix(arg, "[") {
			var list []store.Filter
			if err := json.Unmarshal([]byte(arg), &list); err != nil {
				return nil, usagef("--filters: invalid JSON: %v", err)
			}
			fs = append(fs, list...)
			continue
		}
		rest, ok := strings.CutPrefix(arg, "Key=")
		if !ok {
			return nil, usagef("--filters: %q is not Key=KEY,Values=V1,V2", arg)
		}
		key, values, ok := strings.Cut(rest, ",Values=")
		if !ok {
			return nil, usagef("--filters: %q has no Values=", arg)
		}
		fs = append(fs, store.Filter{Key: key, Values: strings.Split(values, ",")})
	}
	return fs, nil
}
