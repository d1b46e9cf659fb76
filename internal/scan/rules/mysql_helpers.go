package rules

import (
	"sort"
	"strconv"
	"strings"

	"github.com/dbwarden/dbwarden/internal/scan"
)

// Helpers for the my.cnf and live MySQL rules.
//
// A MySQL or MariaDB server reads several sections of its option files:
// [mysqld], [server], MariaDB's [mariadb] and [mariadbd] (and
// [client-server], which clients read too), and the version-specific
// [mysqld-8.0], [mariadb-10.11], ... The my.cnf loader gives one "effective"
// Resource per section of each option file tree it loads (the file and the
// files it includes, merged); cnfServers puts the server sections of one
// tree together, so that an option set in [server] counts for [mysqld].

// cnfServer is the server sections of one option file tree.
type cnfServer struct {
	// sections are the effective server sections, lowest precedence first:
	// a later one overrides an earlier one.
	sections []*scan.Resource
}

// cnfSectionRank orders server sections by precedence, or returns -1 for a
// section a server does not read.
func cnfSectionRank(section string) int {
	s := strings.ToLower(section)
	switch s {
	case "client-server":
		return 0
	case "server":
		return 1
	case "mysqld":
		return 2
	case "mariadb":
		return 3
	case "mariadbd":
		return 4
	}
	for _, p := range []string{"mysqld-", "mariadb-", "mariadbd-"} {
		if v, ok := strings.CutPrefix(s, p); ok && v != "" && (v[0] >= '0' && v[0] <= '9') {
			return 5
		}
	}
	return -1
}

// cnfServers returns the server sections of each option file tree loaded,
// grouped by the tree's top file, in input order.
func cnfServers(p *scan.Project) []*cnfServer {
	var order []string
	by := map[string]*cnfServer{}
	for _, r := range p.Resources {
		if r.Lang != scan.MyCnf || r.Kind != "effective" || cnfSectionRank(r.Type) < 0 {
			continue
		}
		key := cnfTop(r)
		g := by[key]
		if g == nil {
			g = &cnfServer{}
			by[key] = g
			order = append(order, key)
		}
		g.sections = append(g.sections, r)
	}
	out := make([]*cnfServer, 0, len(order))
	for _, k := range order {
		g := by[k]
		sort.SliceStable(g.sections, func(i, j int) bool {
			return cnfSectionRank(g.sections[i].Type) < cnfSectionRank(g.sections[j].Type)
		})
		out = append(out, g)
	}
	return out
}

// cnfTop returns the top file of an effective section's option file tree:
// its address is "<top file>[<section>] (effective)".
func cnfTop(r *scan.Resource) string {
	a := strings.TrimSuffix(r.Address, " (effective)")
	if top, ok := strings.CutSuffix(a, "["+r.Type+"]"); ok {
		return top
	}
	return r.Range.File
}

// primary is the section findings about an option that is not set are
// reported on: [mysqld] when there is one.
func (g *cnfServer) primary() *scan.Resource {
	for _, r := range g.sections {
		if strings.EqualFold(r.Type, "mysqld") {
			return r
		}
	}
	return g.sections[len(g.sections)-1]
}

// cnfOpt is an option as the server reads it from its sections.
type cnfOpt struct {
	r    *scan.Resource // the section it was written in; primary() when not set
	v    *scan.Value    // nil when not set
	name string         // as written ("skip_local_infile"); the option's name when not set
	// prefix is "skip", "disable" or "enable" when written with one:
	// --skip-x and --disable-x turn a boolean option off, --enable-x on.
	prefix string
}

// set reports whether the option is written in any server section.
func (o cnfOpt) set() bool { return o.v != nil }

// where names the option and its section for messages: "[mysqld] local_infile".
func (o cnfOpt) where() string { return "[" + o.r.Type + "] " + o.name }

// str returns the option's value, trimmed of blanks and quotes.
func (o cnfOpt) str() (string, bool) {
	if o.v == nil {
		return "", false
	}
	s, ok := o.v.String()
	if !ok {
		return "", false
	}
	s = strings.TrimSpace(s)
	if len(s) >= 2 && (s[0] == '"' || s[0] == '\'') && s[len(s)-1] == s[0] {
		s = s[1 : len(s)-1]
	}
	return s, true
}

// bool reads a boolean option: a bare option ("skip-name-resolve") is on;
// ON/OFF, TRUE/FALSE, YES/NO and 1/0 in any case; skip-, disable- and
// enable- prefixes. known is false for a value that is none of these.
func (o cnfOpt) bool() (b, known bool) {
	switch o.prefix {
	case "skip", "disable":
		return false, true
	case "enable":
		return true, true
	}
	if o.v != nil && o.v.Kind == scan.Bool {
		return o.v.Bool, true
	}
	s, ok := o.str()
	if !ok {
		return false, false
	}
	return mysqlBool(s)
}

// mysqlBool reads a boolean the way the server does; "" (a bare option) is
// on.
func mysqlBool(s string) (b, known bool) {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "", "1", "on", "true", "yes":
		return true, true
	case "0", "off", "false", "no":
		return false, true
	}
	return false, false
}

// opt looks up an option (lower case, '_' for '-') in the server sections:
// the highest-precedence section that writes it wins, and within one
// section the line written last. The loose- prefix (ignore the option if
// unknown) is read through, and for booleans skip-, disable- and enable-.
func (g *cnfServer) opt(name string) cnfOpt {
	found := cnfOpt{r: g.primary(), name: name}
	for _, r := range g.sections {
		if o, ok := cnfLookup(r, name); ok {
			found = o
		}
	}
	return found
}

// cnfLookup finds name in one section under any of its prefixes.
func cnfLookup(r *scan.Resource, name string) (cnfOpt, bool) {
	var best cnfOpt
	ok := false
	for _, prefix := range []string{"", "skip", "disable", "enable"} {
		key := name
		if prefix != "" {
			key = prefix + "_" + name
		}
		for _, k := range []string{key, "loose_" + key} {
			v := r.Attr(k)
			if v == nil {
				continue
			}
			if !ok || v.Line(0) >= best.v.Line(0) {
				best, ok = cnfOpt{r: r, v: v, name: k, prefix: prefix}, true
			}
		}
	}
	return best, ok
}

// liveServers returns the live servers scanned.
func liveServers(p *scan.Project) []*scan.Resource {
	return ofKind(p.Of(scan.MySQL, "server"), "server")
}

// liveOf returns the live resources of one kind ("account", "database").
func liveOf(p *scan.Project, kind string) []*scan.Resource {
	return ofKind(p.Of(scan.MySQL, kind), kind)
}

// liveServerOf returns the server r was read from (same label), or nil.
func liveServerOf(p *scan.Project, r *scan.Resource) *scan.Resource {
	for _, s := range liveServers(p) {
		if s.Range.File == r.Range.File {
			return s
		}
	}
	return nil
}

// liveVar returns a server variable as a trimmed string; ok is false when
// the server does not have it or it is NULL.
func liveVar(r *scan.Resource, name string) (string, bool) {
	v := r.Attr(name)
	if !v.Set() {
		return "", false
	}
	s, ok := v.String()
	return strings.TrimSpace(s), ok
}

// liveFlag reads an ON/OFF server variable; ok is false when the server
// does not have it.
func liveFlag(r *scan.Resource, name string) (on, ok bool) {
	s, ok := liveVar(r, name)
	if !ok {
		return false, false
	}
	return mysqlBool(s)
}

// liveVersion returns the flavor and major.minor version of a live server.
func liveVersion(srv *scan.Resource) (flavor string, major, minor int, ok bool) {
	if srv == nil {
		return "", 0, 0, false
	}
	flavor, _ = liveVar(srv, "flavor")
	v, ok := liveVar(srv, "version")
	if !ok {
		return flavor, 0, 0, false
	}
	if flavor == "mariadb" {
		v = strings.TrimPrefix(v, "5.5.5-")
	}
	parts := strings.SplitN(v, ".", 3)
	if len(parts) < 2 {
		return flavor, 0, 0, false
	}
	major, err1 := strconv.Atoi(parts[0])
	minorDigits := parts[1]
	for i, c := range minorDigits {
		if c < '0' || c > '9' {
			minorDigits = minorDigits[:i]
			break
		}
	}
	minor, err2 := strconv.Atoi(minorDigits)
	return flavor, major, minor, err1 == nil && err2 == nil
}

// liveBool reads a boolean attribute of a live resource (false when
// absent).
func liveBool(r *scan.Resource, name string) bool {
	b, known := r.Attr(name).True(false)
	return known && b
}

// liveStr reads a string attribute of a live resource.
func liveStr(r *scan.Resource, name string) string {
	s, _ := r.Attr(name).String()
	return s
}

// liveStrings reads a list of strings of a live resource.
func liveStrings(r *scan.Resource, name string) []string {
	var out []string
	for _, v := range r.Attr(name).Items() {
		if s, ok := v.String(); ok {
			out = append(out, s)
		}
	}
	return out
}

// mysqlTLSOld returns the protocol versions older than TLS 1.2 in a tls_version
// list ("TLSv1,TLSv1.1,TLSv1.2").
func mysqlTLSOld(list string) []string {
	var old []string
	for _, p := range strings.Split(list, ",") {
		switch v := strings.TrimSpace(p); strings.ToLower(v) {
		case "tlsv1", "tlsv1.0", "tlsv1.1", "sslv3", "sslv2":
			old = append(old, v)
		}
	}
	return old
}

// mysqlExpirySeconds is how long binary logs are kept, from
// binlog_expire_logs_seconds and expire_logs_days (the seconds win when
// both are non-zero, as on MySQL 8; MariaDB keeps them equal). set is false
// when neither is written; a value that is not a number gives known false.
func mysqlExpirySeconds(secs, days *scan.Value) (n float64, set, known bool) {
	var s, d float64
	if secs.Set() {
		v, ok := secs.Number()
		if !ok {
			return 0, true, false
		}
		s, set = v, true
	}
	if days.Set() {
		v, ok := days.Number()
		if !ok {
			return 0, true, false
		}
		d, set = v, true
	}
	if s > 0 {
		return s, set, true
	}
	return d * 86400, set, true
}

// cnfOptValue is a trimmed option value for mysqlExpirySeconds: a string Value
// whose quotes are removed, or nil when unset.
func cnfOptValue(o cnfOpt) *scan.Value {
	s, ok := o.str()
	if !ok {
		return o.v
	}
	v := *o.v
	v.Kind, v.Str = scan.String, s
	return &v
}
