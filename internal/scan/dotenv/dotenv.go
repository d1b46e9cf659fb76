// Package dotenv loads environment files (.env, .env.production, app.env):
// lines of NAME=value that Compose, Docker and most application frameworks
// read into the environment, and that often end up committed with the
// passwords in them.
package dotenv

import (
	"path"
	"path/filepath"
	"strings"

	"github.com/dbwarden/dbwarden/internal/scan"
)

// Type is the resource type of every environment file.
const Type = "env_file"

// Detect reports whether a file name is an environment file. Examples
// meant to be committed (.env.example, .env.sample, .env.template,
// .env.dist) are not: they hold placeholders.
func Detect(name string) bool {
	base := strings.ToLower(path.Base(filepath.ToSlash(name)))
	switch {
	case base == ".env":
		return true
	case strings.HasPrefix(base, ".env."):
		switch strings.TrimPrefix(base, ".env.") {
		case "example", "sample", "template", "dist", "defaults", "schema":
			return false
		}
		return true
	case strings.HasSuffix(base, ".env") && !strings.Contains(base, "example") && !strings.Contains(base, "sample"):
		return true
	}
	return false
}

// Load adds the environment file src, read from file, to p: one resource
// whose attribute "variables" maps each name to its value, positioned on
// its line. Lines that are not assignments are skipped, as the readers of
// these files skip them.
func Load(p *scan.Project, file string, src []byte) error {
	file = filepath.ToSlash(file)
	lines, err := scan.TextLines(file, src, "an environment file")
	if err != nil {
		return err
	}
	vars := &scan.Value{Kind: scan.Map, Map: map[string]*scan.Value{}}
	for i, line := range lines {
		name, val, ok := assignment(line)
		if !ok {
			continue
		}
		v := scan.Str(val)
		v.Range = scan.Range{File: file, Line: i + 1, EndLine: i + 1}
		vars.Map[name] = v
	}
	p.AddFile(file, src)
	p.Add(scan.FileResource(scan.DotEnv, Type, file, len(lines), "variables", vars))
	return nil
}

// assignment reads NAME=value, with an optional export, the value
// unquoted and a trailing comment removed from an unquoted value.
func assignment(line string) (name, val string, ok bool) {
	line = strings.TrimSpace(line)
	if line == "" || strings.HasPrefix(line, "#") {
		return "", "", false
	}
	line = strings.TrimPrefix(line, "export ")
	name, val, ok = strings.Cut(line, "=")
	name = strings.TrimSpace(name)
	if !ok || name == "" || strings.ContainsAny(name, " \t\"'") {
		return "", "", false
	}
	val = strings.TrimSpace(val)
	if val != "" && (val[0] == '"' || val[0] == '\'') {
		if j := strings.IndexByte(val[1:], val[0]); j >= 0 {
			return name, val[1 : j+1], true
		}
		return name, val[1:], true
	}
	if j := strings.Index(val, " #"); j >= 0 {
		val = strings.TrimSpace(val[:j])
	}
	return name, val, true
}
