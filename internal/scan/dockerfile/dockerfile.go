// Package dockerfile loads Dockerfiles: each instruction, with its line
// continuations joined, becomes an item the rules can read (a password in
// an ENV or ARG is baked into every layer and image built from it).
package dockerfile

import (
	"path"
	"path/filepath"
	"strings"

	"github.com/dbwarden/dbwarden/internal/scan"
)

// Type is the resource type of every Dockerfile.
const Type = "dockerfile"

// Detect reports whether a file name is a Dockerfile: Dockerfile,
// Dockerfile.prod, prod.Dockerfile, Containerfile; not the source or notes
// of a tool about them (dockerfile.go, Dockerfile.md).
func Detect(name string) bool {
	base := path.Base(filepath.ToSlash(name))
	lower := strings.ToLower(base)
	switch {
	case lower == "dockerfile" || lower == "containerfile" || strings.HasSuffix(lower, ".dockerfile"):
		return true
	case strings.HasPrefix(base, "Dockerfile.") || strings.HasPrefix(base, "Containerfile."):
		return !notDockerfile[path.Ext(lower)]
	}
	return false
}

// notDockerfile are extensions that make Dockerfile.x something else.
var notDockerfile = map[string]bool{
	".go": true, ".md": true, ".txt": true, ".json": true, ".yml": true, ".yaml": true, ".sh": true,
	".py": true, ".js": true, ".ts": true, ".rs": true, ".swp": true, ".orig": true, ".rej": true,
}

// Load adds the Dockerfile src, read from file, to p: one resource whose
// attribute "instructions" lists each instruction as {"instruction":
// "ENV", "arguments": "..."} on the line it starts on.
func Load(p *scan.Project, file string, src []byte) error {
	file = filepath.ToSlash(file)
	lines, err := scan.TextLines(file, src, "a Dockerfile")
	if err != nil {
		return err
	}
	list := &scan.Value{Kind: scan.List}
	escape := `\`
	for i := 0; i < len(lines); i++ {
		start := i + 1
		line := strings.TrimSpace(lines[i])
		if i == 0 && strings.HasPrefix(strings.ToLower(strings.ReplaceAll(line, " ", "")), "#escape=`") {
			escape = "`"
		}
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		// Join continuations; comment lines inside one are dropped, as
		// the builder drops them.
		for strings.HasSuffix(line, escape) && i+1 < len(lines) {
			line = strings.TrimSuffix(line, escape)
			i++
			next := strings.TrimSpace(lines[i])
			if strings.HasPrefix(next, "#") {
				line += escape
				continue
			}
			line += " " + next
		}
		instr, args, _ := strings.Cut(line, " ")
		rng := scan.Range{File: file, Line: start, EndLine: i + 1}
		item := &scan.Value{Kind: scan.Map, Range: rng, Map: map[string]*scan.Value{
			"instruction": withRange(scan.Str(strings.ToUpper(instr)), rng),
			"arguments":   withRange(scan.Str(strings.TrimSpace(args)), rng),
		}}
		list.List = append(list.List, item)
	}
	p.AddFile(file, src)
	p.Add(scan.FileResource(scan.Dockerfile, Type, file, len(lines), "instructions", list))
	return nil
}

func withRange(v *scan.Value, rng scan.Range) *scan.Value {
	v.Range = rng
	return v
}
