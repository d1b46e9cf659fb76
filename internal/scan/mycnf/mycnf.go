// Package mycnf loads MySQL option files (my.cnf), following !include and
// !includedir, into scan Resources.
//
// The syntax is the one MySQL and MariaDB read: [section] headers, options
// written "name = value", "name=value" or as a bare "name", values optionally
// quoted with ' or " and with the escapes \n \t \r \b \s \\ \' \", comment
// lines starting with # or ;, and # comments after a value outside quotes
// (MySQL does not treat a ; after a value as a comment, and neither does this
// package). Option names are normalised the way the server matches them:
// lower case, '-' written as '_', the loose_ prefix removed; skip_, enable_
// and disable_ prefixes are kept as written. A value is a String; a bare
// option (a flag such as skip-name-resolve) is the Bool true. Options whose
// name holds "password" are marked Sensitive.
//
// Load gives one Resource of Kind "section" per section per file read, and
// one of Kind "effective" per section for the whole include graph, holding
// the value of each option that MySQL would end up with: the last one
// written in reading order, includes read where they appear. An effective
// Resource lies in the top file (at the section's header, or at the include
// line that brought the section in); each of its options keeps the file and
// line where its value was written.
//
// A file that an earlier Load of the same Project already read (as a top
// file or through an include) is not loaded again, and a file included by
// the file being loaded loses its own "effective" Resources: the includer's
// view replaces them. Scanning /etc/mysql therefore gives one effective view
// for my.cnf and its conf.d files, whatever order the files are found in.
package mycnf

import (
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"strings"

	"github.com/dbwarden/dbwarden/internal/scan"
)

// maxFileSize bounds the option files read; real ones are a few kilobytes.
const maxFileSize = 8 << 20

// maxDepth is how deep includes may nest, as in MySQL.
const maxDepth = 10

// groupRe matches a section header of a MySQL or MariaDB program.
var groupRe = regexp.MustCompile(`(?im)^[ \t]*\[[ \t]*(mysqld|mysqld_safe|mysqld_multi|mysql|mysqldump|mysqladmin|mysqlimport|mysqlcheck|mysqlbinlog|mysql_upgrade|client|client-server|client-mariadb|mariadb|mariadbd|mariadb-client|mariadb-upgrade|server|galera|embedded|xtrabackup|mariabackup|mariadb-backup)(-[0-9]+(\.[0-9]+)*)?[ \t]*\]`)

// Detect reports whether a file is a MySQL option file, by name and content:
// my.cnf and .my.cnf always are; another *.cnf file is unless it has an
// option before any section header (MySQL refuses such a file; OpenSSL's
// openssl.cnf is one) and no MySQL section; any other file is when it has a
// section header of a MySQL program ([mysqld], [client], [mariadb],
// [mysqld-8.0], ...).
func Detect(name string, src []byte) bool {
	base := strings.ToLower(filepath.Base(name))
	switch {
	case base == "my.cnf" || base == ".my.cnf":
		return true
	case groupRe.Match(src):
		return true
	case strings.HasSuffix(base, ".cnf"):
		return !optionBeforeSection(src)
	}
	return false
}

// optionBeforeSection reports whether src has an option line before its
// first section header.
func optionBeforeSection(src []byte) bool {
	for _, line := range strings.Split(string(src), "\n") {
		l := strings.TrimLeft(line, " \t\r\v\f\ufeff")
		switch {
		case l == "" || l[0] == '#' || l[0] == ';' || l[0] == '!':
			continue
		case l[0] == '[':
			return false
		}
		return strings.TrimSpace(l) != ""
	}
	return false
}

// Load adds the sections of the option file at path (and of the files it
// includes) to p. Relative include paths are relative to the including
// file's directory. A missing or unreadable file, an include cycle or a
// syntax error gives an error naming file:line, and nothing is added.
func Load(p *scan.Project, path string) error {
	top := filepath.ToSlash(path)
	if _, done := p.Files[top]; done {
		return nil
	}
	l := &loader{top: top, read: map[string]*file{}, onStack: map[string]bool{}, first: map[string]*firstSeen{}}
	if err := l.readFile(top, nil, 0); err != nil {
		return err
	}
	var out []*scan.Resource
	for _, f := range l.files {
		if _, ok := p.Files[f.name]; ok {
			continue // read by an earlier Load; its sections are there
		}
		for _, s := range f.sections {
			out = append(out, s.resource(f.name))
		}
	}
	out = append(out, l.effective()...)

	// The included files' own effective views are superseded by this one.
	included := map[string]bool{}
	for _, f := range l.files {
		if f.name != top {
			included[f.name] = true
		}
	}
	kept := p.Resources[:0:0]
	for _, r := range p.Resources {
		if r.Lang == scan.MyCnf && r.Kind == "effective" && included[effectiveFile(r)] {
			continue
		}
		kept = append(kept, r)
	}
	p.Resources = kept
	for _, f := range l.files {
		p.AddFile(f.name, f.src)
	}
	p.Add(out...)
	return nil
}

// effectiveFile returns the top file an effective Resource was loaded from.
func effectiveFile(r *scan.Resource) string {
	return strings.TrimSuffix(strings.TrimSuffix(r.Address, " (effective)"), "["+r.Type+"]")
}

// site is a line of a file; for an include, the directive written there.
type site struct {
	file      string
	line      int
	directive string
}

func (s *site) errf(format string, args ...any) error {
	return fmt.Errorf("%s:%d: %s", s.file, s.line, fmt.Sprintf(format, args...))
}

// option is one option as written.
type option struct {
	section string
	name    string
	value   *scan.Value
}

// section is one section of one file.
type section struct {
	name      string
	line, end int
	opts      map[string]*scan.Value
}

func (s *section) resource(file string) *scan.Resource {
	attrs := &scan.Value{Kind: scan.Map, Map: map[string]*scan.Value{}, Range: scan.Range{File: file, Line: s.line}}
	for k, v := range s.opts {
		attrs.Map[k] = v
	}
	r := scan.Range{File: file, Line: s.line}
	if s.end > s.line {
		r.EndLine = s.end
		attrs.Range.EndLine = s.end
	}
	return &scan.Resource{
		Lang: scan.MyCnf, Kind: "section", Type: s.name,
		Address: file + "[" + s.name + "]", Attrs: attrs, Range: r,
		Dir: filepath.ToSlash(filepath.Dir(file)),
	}
}

// file is one option file read.
type file struct {
	name     string
	src      []byte
	sections []*section
	byName   map[string]*section
}

// firstSeen is where a section first appears in reading order: a section
// of the top file, or the include line of the top file that led to it.
type firstSeen struct {
	sec  *section // set when in the top file
	line int      // the include line otherwise
}

// loader reads one top file and its includes.
type loader struct {
	top     string
	topLine int // the line of the top file being read
	first   map[string]*firstSeen
	order   []string         // section names in order of first appearance
	files   []*file          // in the order first read
	read    map[string]*file // by name
	onStack map[string]bool  // absolute paths being read, for cycles
	stack   []string
	options []option // every option in reading order
}

// readFile reads one option file; from is the include that named it (nil
// for the top file).
func (l *loader) readFile(name string, from *site, depth int) error {
	where := func(err error) error {
		if from == nil {
			return fmt.Errorf("%s: %w", name, err)
		}
		return from.errf("!%s %s: %v", from.directive, name, unwrapPath(err))
	}
	abs, err := filepath.Abs(filepath.FromSlash(name))
	if err != nil {
		return where(err)
	}
	if l.onStack[abs] {
		return from.errf("include cycle: %s -> %s", strings.Join(l.stack, " -> "), name)
	}
	if depth > maxDepth {
		return from.errf("includes nest deeper than %d files", maxDepth)
	}
	src, err := readRegular(filepath.FromSlash(name))
	if err != nil {
		return where(err)
	}
	f := l.read[name]
	if f == nil {
		f = &file{name: name, src: src, byName: map[string]*section{}}
		l.read[name] = f
		l.files = append(l.files, f)
	} else {
		// Read again through another include: its options count again in
		// reading order, its sections are already recorded.
		f = &file{name: name, src: src, byName: map[string]*section{}}
	}
	l.onStack[abs] = true
	l.stack = append(l.stack, name)
	defer func() {
		delete(l.onStack, abs)
		l.stack = l.stack[:len(l.stack)-1]
	}()
	return l.parse(f, depth)
}

// readRegular reads a regular file of at most maxFileSize bytes.
func readRegular(name string) ([]byte, error) {
	st, err := os.Stat(name)
	if err != nil {
		return nil, err
	}
	if !st.Mode().IsRegular() {
		return nil, fmt.Errorf("%s is not a regular file", name)
	}
	fh, err := os.Open(name)
	if err != nil {
		return nil, err
	}
	defer fh.Close()
	src, err := io.ReadAll(io.LimitReader(fh, maxFileSize+1))
	if err != nil {
		return nil, err
	}
	if len(src) > maxFileSize {
		return nil, fmt.Errorf("%s is larger than %d bytes", name, maxFileSize)
	}
	return src, nil
}

// parse reads the lines of one file.
func (l *loader) parse(f *file, depth int) error {
	var cur *section
	text := strings.TrimPrefix(string(f.src), "\ufeff")
	for i, line := range strings.Split(text, "\n") {
		at := &site{file: f.name, line: i + 1}
		if depth == 0 {
			l.topLine = at.line
		}
		s := strings.TrimLeft(line, " \t\r\v\f")
		switch {
		case s == "" || s[0] == '#' || s[0] == ';':
			continue
		case s[0] == '!':
			if err := l.directive(f, at, s[1:], depth); err != nil {
				return err
			}
			if cur != nil {
				cur.end = at.line
			}
			continue
		case s[0] == '[':
			end := strings.IndexByte(s, ']')
			if end < 0 {
				return at.errf("section header without a closing ']'")
			}
			name := strings.ToLower(strings.TrimSpace(s[1:end]))
			cur = f.byName[name]
			if cur == nil {
				cur = &section{name: name, line: at.line, end: at.line, opts: map[string]*scan.Value{}}
				f.byName[name] = cur
				f.sections = append(f.sections, cur)
			}
			if l.first[name] == nil {
				fs := &firstSeen{line: l.topLine}
				if depth == 0 {
					fs.sec = cur
				}
				l.first[name] = fs
				l.order = append(l.order, name)
			}
			cur.end = at.line
			continue
		}
		name, value, err := parseOption(s)
		if err != nil {
			return at.errf("%v", err)
		}
		if name == "" {
			continue // only a comment after leading blanks
		}
		if cur == nil {
			return at.errf("option %s comes before any [section]", name)
		}
		value.Range = scan.Range{File: f.name, Line: at.line}
		value.Sensitive = strings.Contains(name, "password")
		cur.opts[name] = value
		cur.end = at.line
		l.options = append(l.options, option{section: cur.name, name: name, value: value})
	}
	return nil
}

// directive handles a line starting with '!'. MySQL ignores directives it
// does not know, and so does this package.
func (l *loader) directive(f *file, at *site, s string, depth int) error {
	s = strings.TrimLeft(s, " \t\v\f")
	for _, kw := range []string{"includedir", "include"} {
		rest, ok := strings.CutPrefix(s, kw)
		if !ok || (rest != "" && !isSpace(rest[0])) {
			continue
		}
		arg := strings.TrimSpace(rest)
		if arg == "" {
			return at.errf("!%s names no %s", kw, map[string]string{"include": "file", "includedir": "directory"}[kw])
		}
		target := filepath.ToSlash(arg)
		if !filepath.IsAbs(arg) {
			target = filepath.ToSlash(filepath.Join(filepath.Dir(filepath.FromSlash(f.name)), arg))
		}
		at.directive = kw
		if kw == "include" {
			return l.readFile(target, at, depth+1)
		}
		entries, err := os.ReadDir(filepath.FromSlash(target))
		if err != nil {
			return at.errf("!includedir %s: %v", arg, unwrapPath(err))
		}
		for _, e := range entries { // ReadDir sorts by name
			if !strings.HasSuffix(e.Name(), ".cnf") {
				continue
			}
			p := target + "/" + e.Name()
			if st, err := os.Stat(filepath.FromSlash(p)); err != nil || !st.Mode().IsRegular() {
				continue
			}
			if err := l.readFile(p, at, depth+1); err != nil {
				return err
			}
		}
		return nil
	}
	return nil
}

// unwrapPath drops the path an *os.PathError repeats.
func unwrapPath(err error) error {
	var pe *os.PathError
	if errors.As(err, &pe) {
		return pe.Err
	}
	return err
}

func isSpace(c byte) bool {
	return c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '\v' || c == '\f'
}

// parseOption reads an option line: its normalised name and its value
// (Bool true for a bare name).
func parseOption(s string) (string, *scan.Value, error) {
	s = removeEndComment(s)
	rawName, rawValue, hasValue := strings.Cut(s, "=")
	name := normalise(rawName)
	if name == "" {
		if hasValue {
			return "", nil, fmt.Errorf("option without a name")
		}
		return "", nil, nil
	}
	if !hasValue {
		return name, scan.BoolVal(true), nil
	}
	return name, scan.Str(unquote(strings.TrimFunc(rawValue, func(r rune) bool { return r < 128 && isSpace(byte(r)) }))), nil
}

// normalise writes an option name the way the server matches it.
func normalise(name string) string {
	name = strings.ToLower(strings.TrimSpace(name))
	name = strings.ReplaceAll(name, "-", "_")
	return strings.TrimPrefix(name, "loose_")
}

// removeEndComment cuts a line at the first # outside quotes; a backslash
// inside quotes protects the next character.
func removeEndComment(s string) string {
	var quote byte
	escaped := false
	for i := 0; i < len(s); i++ {
		c := s[i]
		if (c == '\'' || c == '"') && !escaped {
			switch quote {
			case 0:
				quote = c
			case c:
				quote = 0
			}
		}
		if quote == 0 && c == '#' {
			return s[:i]
		}
		escaped = quote != 0 && c == '\\' && !escaped
	}
	return s
}

// unquote removes matching quotes around a value and applies MySQL's
// escapes; a backslash before any other character, or at the end, stays.
func unquote(v string) string {
	if len(v) >= 2 && (v[0] == '\'' || v[0] == '"') && v[len(v)-1] == v[0] {
		v = v[1 : len(v)-1]
	}
	if !strings.Contains(v, `\`) {
		return v
	}
	var b strings.Builder
	for i := 0; i < len(v); i++ {
		c := v[i]
		if c != '\\' || i == len(v)-1 {
			b.WriteByte(c)
			continue
		}
		i++
		switch v[i] {
		case 'n':
			b.WriteByte('\n')
		case 't':
			b.WriteByte('\t')
		case 'r':
			b.WriteByte('\r')
		case 'b':
			b.WriteByte('\b')
		case 's':
			b.WriteByte(' ')
		case '"', '\'', '\\':
			b.WriteByte(v[i])
		default:
			b.WriteByte('\\')
			b.WriteByte(v[i])
		}
	}
	return b.String()
}

// effective returns one Resource per section with the last value of each
// option in reading order. Each is placed in the top file: at the section's
// header when the top file has it, else at the include line that led to it.
func (l *loader) effective() []*scan.Resource {
	opts := map[string]map[string]*scan.Value{}
	for _, name := range l.order {
		opts[name] = map[string]*scan.Value{}
	}
	for _, o := range l.options {
		c := *o.value
		opts[o.section][o.name] = &c
	}
	out := make([]*scan.Resource, 0, len(l.order))
	for _, name := range l.order {
		fs := l.first[name]
		r := scan.Range{File: l.top, Line: fs.line}
		if fs.sec != nil {
			r.Line = fs.sec.line
			if fs.sec.end > fs.sec.line {
				r.EndLine = fs.sec.end
			}
		}
		out = append(out, &scan.Resource{
			Lang: scan.MyCnf, Kind: "effective", Type: name,
			Address: l.top + "[" + name + "] (effective)",
			Attrs:   &scan.Value{Kind: scan.Map, Map: opts[name], Range: r},
			Range:   r,
			Dir:     filepath.ToSlash(filepath.Dir(l.top)),
		})
	}
	return out
}
