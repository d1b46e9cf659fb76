package scan

import (
	"bytes"
	"fmt"
	"path"
	"strings"
)

// TextLines splits a text file into its lines, ending at \n or \r\n,
// without the empty one after a final newline. A file with a NUL byte is
// an error: what names the kind of file it was taken for.
func TextLines(file string, src []byte, what string) ([]string, error) {
	if bytes.IndexByte(src, 0) >= 0 {
		return nil, fmt.Errorf("%s: a binary file, not %s", file, what)
	}
	lines := strings.Split(strings.ReplaceAll(string(src), "\r\n", "\n"), "\n")
	if len(lines) > 1 && lines[len(lines)-1] == "" {
		lines = lines[:len(lines)-1]
	}
	return lines, nil
}

// FileResource is a resource that stands for a whole file of lines lines,
// its Address the file's name, holding one attribute.
func FileResource(lang Lang, typ, file string, lines int, attr string, v *Value) *Resource {
	rng := Range{File: file, Line: 1, EndLine: max(lines, 1)}
	v.Range = rng
	return &Resource{
		Lang:    lang,
		Kind:    "file",
		Type:    typ,
		Address: path.Base(file),
		Attrs:   &Value{Kind: Map, Map: map[string]*Value{attr: v}, Range: rng},
		Range:   rng,
		Dir:     path.Dir(file),
	}
}
