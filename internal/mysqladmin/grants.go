package mysqladmin

import (
	"cmp"
	"fmt"
	"slices"
	"strconv"
	"strings"
)

// Grants is an account's privileges in a normalized form, read from SHOW
// GRANTS and SHOW CREATE USER. Two accounts with equal Grants (Diff is
// empty) can do the same things. Passwords and their hashes are never kept.
type Grants struct {
	Objects      []ObjectGrant // sorted by Object
	Roles        []RoleGrant   // sorted
	Proxies      []ProxyGrant  // sorted
	DefaultRoles []Role        // sorted
	TLS          TLSRequirement
	Limits       Limits
	// AuthMethods lists the authentication plugins of the account, one per
	// method joined by OR on MariaDB ("mysql_native_password" twice while
	// two passwords are valid). It is not compared by Diff.
	AuthMethods []string
}

// Object is what privileges are granted on: every database (DB ""), one
// database (Table ""), or a table or routine.
type Object struct {
	Kind  string // "" for databases and tables, or PROCEDURE, FUNCTION, PACKAGE, PACKAGE BODY
	DB    string // "" means every database (*)
	Table string // "" means every table of DB (*)
}

// SQL returns the object as GRANT and REVOKE take it, such as `shop`.* or
// PROCEDURE `shop`.`refund`.
func (o Object) SQL() string {
	part := func(s string) string {
		if s == "" {
			return "*"
		}
		return quoteIdent(s)
	}
	s := part(o.DB) + "." + part(o.Table)
	if o.Kind != "" {
		s = o.Kind + " " + s
	}
	return s
}

func (o Object) String() string { return o.SQL() }

func compareObjects(a, b Object) int {
	return cmp.Or(cmp.Compare(a.Kind, b.Kind), cmp.Compare(a.DB, b.DB), cmp.Compare(a.Table, b.Table))
}

// Privilege is one privilege, on a whole object or on one column of a table.
type Privilege struct {
	Name   string // upper case: SELECT, ALL PRIVILEGES, CREATE TEMPORARY TABLES, ...
	Column string // "" for the whole object
}

func (p Privilege) String() string {
	if p.Column == "" {
		return p.Name
	}
	return p.Name + " (" + quoteIdent(p.Column) + ")"
}

func comparePrivileges(a, b Privilege) int {
	return cmp.Or(cmp.Compare(a.Name, b.Name), cmp.Compare(a.Column, b.Column))
}

// ObjectGrant is the privileges an account holds on one object.
type ObjectGrant struct {
	Object      Object
	Privileges  []Privilege // sorted; empty when only GrantOption is held
	GrantOption bool        // WITH GRANT OPTION on this object
}

// Role names a role: Host is "" on MariaDB, where roles have no host, and
// the role's host on MySQL, where roles are accounts.
type Role struct {
	Name string
	Host string
}

func (r Role) String() string {
	if r.Host == "" {
		return quoteIdent(r.Name)
	}
	return quoteIdent(r.Name) + "@" + quoteIdent(r.Host)
}

func compareRoles(a, b Role) int {
	return cmp.Or(cmp.Compare(a.Name, b.Name), cmp.Compare(a.Host, b.Host))
}

// RoleGrant is a role granted to the account.
type RoleGrant struct {
	Role        Role
	AdminOption bool // WITH ADMIN OPTION
}

// ProxyGrant lets the account proxy for another.
type ProxyGrant struct {
	Proxied     Account
	GrantOption bool
}

// TLSRequirement is an account's REQUIRE clause.
type TLSRequirement struct {
	Type    string // "" (NONE), SSL, X509, or SPECIFIED when Issuer, Subject or Cipher is set
	Issuer  string
	Subject string
	Cipher  string
}

func (r TLSRequirement) String() string {
	switch r.Type {
	case "":
		return "REQUIRE NONE"
	case "SPECIFIED":
		var parts []string
		for _, p := range [][2]string{{"ISSUER", r.Issuer}, {"SUBJECT", r.Subject}, {"CIPHER", r.Cipher}} {
			if p[1] != "" {
				parts = append(parts, p[0]+" "+strconv.Quote(p[1]))
			}
		}
		return "REQUIRE " + strings.Join(parts, " AND ")
	}
	return "REQUIRE " + r.Type
}

// Limits are an account's resource limits; 0 means none. MaxStatementTime
// is MariaDB's, in seconds as the server prints it ("" for none).
type Limits struct {
	MaxQueriesPerHour     int64
	MaxUpdatesPerHour     int64
	MaxConnectionsPerHour int64
	MaxUserConnections    int64
	MaxStatementTime      string
}

// ParseGrants reads the rows of SHOW GRANTS FOR an account, and the row of
// SHOW CREATE USER for it ("" when not available), into Grants. It accepts
// what MySQL 5.7 to 8.x and MariaDB 10.x print. A line it does not
// understand is an error naming the line's number and the token, never the
// line itself, which may hold a password hash.
func ParseGrants(showGrants []string, showCreateUser string) (Grants, error) {
	g := grantBuilder{objects: map[Object]*ObjectGrant{}}
	for i, line := range showGrants {
		if err := g.grantLine(line); err != nil {
			return Grants{}, fmt.Errorf("show grants line %d: %w", i+1, err)
		}
	}
	if strings.TrimSpace(showCreateUser) != "" {
		if err := g.createUserLine(showCreateUser); err != nil {
			return Grants{}, fmt.Errorf("show create user: %w", err)
		}
	}
	return g.result(), nil
}

type grantBuilder struct {
	objects      map[Object]*ObjectGrant
	roles        map[Role]bool // admin option
	proxies      map[Account]bool
	defaultRoles map[Role]bool
	tls          *TLSRequirement
	createTLS    *TLSRequirement
	limits       *Limits
	createLimits *Limits
	auth         []string
	createAuth   []string
}

func (g *grantBuilder) result() Grants {
	var out Grants
	for _, og := range g.objects {
		slices.SortFunc(og.Privileges, comparePrivileges)
		og.Privileges = slices.Compact(og.Privileges)
		out.Objects = append(out.Objects, *og)
	}
	slices.SortFunc(out.Objects, func(a, b ObjectGrant) int { return compareObjects(a.Object, b.Object) })
	for r, admin := range g.roles {
		out.Roles = append(out.Roles, RoleGrant{Role: r, AdminOption: admin})
	}
	slices.SortFunc(out.Roles, func(a, b RoleGrant) int { return compareRoles(a.Role, b.Role) })
	for a, opt := range g.proxies {
		out.Proxies = append(out.Proxies, ProxyGrant{Proxied: a, GrantOption: opt})
	}
	slices.SortFunc(out.Proxies, func(a, b ProxyGrant) int {
		return cmp.Or(cmp.Compare(a.Proxied.User, b.Proxied.User), cmp.Compare(a.Proxied.Host, b.Proxied.Host))
	})
	for r := range g.defaultRoles {
		out.DefaultRoles = append(out.DefaultRoles, r)
	}
	slices.SortFunc(out.DefaultRoles, compareRoles)
	// SHOW CREATE USER is the authority where it was read; MariaDB also
	// prints REQUIRE and limits on the USAGE line of SHOW GRANTS, MySQL 5.7
	// only there.
	switch {
	case g.createTLS != nil:
		out.TLS = *g.createTLS
	case g.tls != nil:
		out.TLS = *g.tls
	}
	switch {
	case g.createLimits != nil:
		out.Limits = *g.createLimits
	case g.limits != nil:
		out.Limits = *g.limits
	}
	out.AuthMethods = g.createAuth
	if out.AuthMethods == nil {
		out.AuthMethods = g.auth
	}
	return out
}

// grantLine reads one row of SHOW GRANTS.
func (g *grantBuilder) grantLine(line string) error {
	p, err := newParser(line)
	if err != nil {
		return err
	}
	switch {
	case p.acceptWord("GRANT"):
		return g.grant(p)
	case p.acceptWord("SET"):
		return g.setDefaultRole(p)
	case p.acceptWord("REVOKE"):
		return fmt.Errorf("partial revokes (REVOKE lines in SHOW GRANTS) are not supported")
	}
	return p.unexpected("GRANT")
}

func (g *grantBuilder) grant(p *parser) error {
	// Privileges end at ON; roles (no privilege keyword, quoted names) end
	// at TO.
	if p.peekRoleList() {
		return g.grantRoles(p)
	}
	privs, err := p.privilegeList()
	if err != nil {
		return err
	}
	if !p.acceptWord("ON") {
		return p.unexpected("ON")
	}
	if len(privs) == 1 && privs[0].Name == "PROXY" && privs[0].Column == "" {
		proxied, err := p.account()
		if err != nil {
			return err
		}
		if !p.acceptWord("TO") {
			return p.unexpected("TO")
		}
		if _, err := p.account(); err != nil {
			return err
		}
		t, err := g.tail(p, false)
		if err != nil {
			return err
		}
		if g.proxies == nil {
			g.proxies = map[Account]bool{}
		}
		g.proxies[proxied] = g.proxies[proxied] || t.grantOption
		return nil
	}
	obj, err := p.object()
	if err != nil {
		return err
	}
	if !p.acceptWord("TO") {
		return p.unexpected("TO")
	}
	if _, err := p.account(); err != nil {
		return err
	}
	t, err := g.tail(p, false)
	if err != nil {
		return err
	}
	og := g.objects[obj]
	if og == nil {
		og = &ObjectGrant{Object: obj}
	}
	for _, pr := range privs {
		if pr.Name == "USAGE" {
			continue
		}
		og.Privileges = append(og.Privileges, pr)
	}
	og.GrantOption = og.GrantOption || t.grantOption
	if len(og.Privileges) > 0 || og.GrantOption {
		g.objects[obj] = og
	}
	return nil
}

func (g *grantBuilder) grantRoles(p *parser) error {
	var roles []Role
	for {
		r, err := p.role()
		if err != nil {
			return err
		}
		roles = append(roles, r)
		if !p.accept(",") {
			break
		}
	}
	if !p.acceptWord("TO") {
		return p.unexpected("TO")
	}
	if _, err := p.account(); err != nil {
		return err
	}
	t, err := g.tail(p, false)
	if err != nil {
		return err
	}
	if g.roles == nil {
		g.roles = map[Role]bool{}
	}
	for _, r := range roles {
		g.roles[r] = g.roles[r] || t.adminOption
	}
	return nil
}

// setDefaultRole reads MariaDB's "SET DEFAULT ROLE `r` FOR `u`@`h`".
func (g *grantBuilder) setDefaultRole(p *parser) error {
	if !p.acceptWord("DEFAULT") || !p.acceptWord("ROLE") {
		return p.unexpected("DEFAULT ROLE")
	}
	var roles []Role
	if !p.acceptWord("NONE") {
		for {
			r, err := p.role()
			if err != nil {
				return err
			}
			roles = append(roles, r)
			if !p.accept(",") {
				break
			}
		}
	}
	if !p.acceptWord("FOR") {
		return p.unexpected("FOR")
	}
	if _, err := p.account(); err != nil {
		return err
	}
	if !p.done() {
		return p.unexpected("the end of the line")
	}
	g.addDefaultRoles(roles)
	return nil
}

func (g *grantBuilder) addDefaultRoles(roles []Role) {
	if g.defaultRoles == nil {
		g.defaultRoles = map[Role]bool{}
	}
	for _, r := range roles {
		g.defaultRoles[r] = true
	}
}

// createUserLine reads the row of SHOW CREATE USER: its authentication
// methods, REQUIRE, WITH limits and (MySQL) DEFAULT ROLE. Other clauses
// (password expiry, locking, comments) are skipped.
func (g *grantBuilder) createUserLine(line string) error {
	p, err := newParser(line)
	if err != nil {
		return err
	}
	if !p.acceptWord("CREATE") || !p.acceptWord("USER") {
		return p.unexpected("CREATE USER")
	}
	if _, err := p.account(); err != nil {
		return err
	}
	t, err := g.tail(p, true)
	if err != nil {
		return err
	}
	req := t.tls
	g.createTLS = &req
	lim := t.limits
	g.createLimits = &lim
	g.createAuth = t.auth
	if g.createAuth == nil {
		g.createAuth = []string{}
	}
	g.addDefaultRoles(t.defaultRoles)
	return nil
}

// lineTail is what follows the account in a GRANT or CREATE USER line.
type lineTail struct {
	grantOption  bool
	adminOption  bool
	tls          TLSRequirement
	sawTLS       bool
	limits       Limits
	sawLimits    bool
	auth         []string
	defaultRoles []Role
}

// tail reads the clauses after TO account (or CREATE USER account):
// IDENTIFIED ..., REQUIRE ..., WITH ... and, for CREATE USER (lenient),
// anything else, skipped.
func (g *grantBuilder) tail(p *parser, lenient bool) (lineTail, error) {
	var t lineTail
	for !p.done() {
		switch {
		case p.acceptWord("IDENTIFIED"):
			methods, err := p.identified()
			if err != nil {
				return t, err
			}
			t.auth = append(t.auth, methods...)
		case p.acceptWord("REQUIRE"):
			r, err := p.require()
			if err != nil {
				return t, err
			}
			t.tls, t.sawTLS = r, true
		case p.acceptWord("WITH"):
			if err := p.with(&t); err != nil {
				return t, err
			}
		case lenient && p.acceptWord("PASSWORD"):
			p.acceptWord("REQUIRE") // PASSWORD REQUIRE CURRENT: not a TLS requirement
		case lenient && p.acceptWord("DEFAULT"):
			if !p.acceptWord("ROLE") {
				continue
			}
			for {
				r, err := p.role()
				if err != nil {
					return t, err
				}
				t.defaultRoles = append(t.defaultRoles, r)
				if !p.accept(",") {
					break
				}
			}
		case lenient:
			p.next()
		default:
			return t, p.unexpected("IDENTIFIED, REQUIRE, WITH or the end of the line")
		}
	}
	if !lenient {
		if t.sawTLS {
			r := t.tls
			g.tls = &r
		}
		if t.sawLimits {
			l := t.limits
			g.limits = &l
		}
		if t.auth != nil {
			g.auth = t.auth
		}
	}
	return t, nil
}

// Tokens of SHOW GRANTS and SHOW CREATE USER output.
type tokenKind int

const (
	tokWord   tokenKind = iota // keyword, bare identifier or number
	tokIdent                   // `quoted identifier`
	tokString                  // 'string' or "string"
	tokPunct                   // one character: , . @ ( ) * and the like
)

type token struct {
	kind tokenKind
	text string // decoded for tokIdent and tokString
	pos  int    // byte offset in the line
}

type parser struct {
	toks []token
	i    int
}

func newParser(line string) (*parser, error) {
	toks, err := lex(line)
	if err != nil {
		return nil, err
	}
	return &parser{toks: toks}, nil
}

// lex splits a line into tokens. Strings are decoded with both quote
// doubling and backslash escapes, as the server prints them.
func lex(s string) ([]token, error) {
	var toks []token
	for i := 0; i < len(s); {
		c := s[i]
		switch {
		case c == ' ' || c == '\t' || c == '\n' || c == '\r':
			i++
		case c == '`':
			text, n, ok := readQuoted(s[i:], '`', false)
			if !ok {
				return nil, fmt.Errorf("unterminated quoted identifier at byte %d", i)
			}
			toks = append(toks, token{tokIdent, text, i})
			i += n
		case c == '\'' || c == '"':
			text, n, ok := readQuoted(s[i:], c, true)
			if !ok {
				return nil, fmt.Errorf("unterminated string at byte %d", i)
			}
			toks = append(toks, token{tokString, text, i})
			i += n
		case isWordByte(c):
			j := i
			for j < len(s) && isWordByte(s[j]) {
				j++
			}
			// a decimal number such as 1.500000
			if j+1 < len(s) && s[j] == '.' && isDigit(s[j+1]) && allDigits(s[i:j]) {
				j++
				for j < len(s) && isDigit(s[j]) {
					j++
				}
			}
			toks = append(toks, token{tokWord, s[i:j], i})
			i = j
		default:
			toks = append(toks, token{tokPunct, s[i : i+1], i})
			i++
		}
	}
	return toks, nil
}

// readQuoted reads a quoted token at the start of s. It returns the decoded
// text and the bytes consumed.
func readQuoted(s string, q byte, backslash bool) (string, int, bool) {
	var b strings.Builder
	for i := 1; i < len(s); i++ {
		c := s[i]
		switch {
		case c == q && i+1 < len(s) && s[i+1] == q:
			b.WriteByte(q)
			i++
		case c == q:
			return b.String(), i + 1, true
		case c == '\\' && backslash && i+1 < len(s):
			i++
			switch e := s[i]; e {
			case '0':
				b.WriteByte(0)
			case 'n':
				b.WriteByte('\n')
			case 'r':
				b.WriteByte('\r')
			case 't':
				b.WriteByte('\t')
			case 'b':
				b.WriteByte('\b')
			case 'Z':
				b.WriteByte(26)
			case '%', '_':
				b.WriteByte('\\')
				b.WriteByte(e)
			default:
				b.WriteByte(e)
			}
		default:
			b.WriteByte(c)
		}
	}
	return "", 0, false
}

func isWordByte(c byte) bool {
	return c == '_' || c == '$' || isDigit(c) || (c|0x20 >= 'a' && c|0x20 <= 'z') || c >= 0x80
}

// isKeyword reports whether s can be a privilege keyword: ASCII letters,
// digits and underscores, not starting with a digit. Privilege names go into
// statements unquoted, so nothing else is let through.
func isKeyword(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c == '_' || (c|0x20 >= 'a' && c|0x20 <= 'z') || (i > 0 && isDigit(c))) {
			return false
		}
	}
	return s != ""
}

func isDigit(c byte) bool { return c >= '0' && c <= '9' }

func allDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if !isDigit(s[i]) {
			return false
		}
	}
	return s != ""
}

func (p *parser) done() bool { return p.i >= len(p.toks) }

func (p *parser) peek() (token, bool) {
	if p.done() {
		return token{}, false
	}
	return p.toks[p.i], true
}

func (p *parser) next() token {
	t := p.toks[p.i]
	p.i++
	return t
}

// acceptWord consumes the keyword w (any case) if it is next.
func (p *parser) acceptWord(w string) bool {
	if t, ok := p.peek(); ok && t.kind == tokWord && strings.EqualFold(t.text, w) {
		p.i++
		return true
	}
	return false
}

// accept consumes the punctuation c if it is next.
func (p *parser) accept(c string) bool {
	if t, ok := p.peek(); ok && t.kind == tokPunct && t.text == c {
		p.i++
		return true
	}
	return false
}

// unexpected describes the next token for an error: keywords and
// punctuation by their text, quoted tokens by kind only, since they may be
// secrets or hashes.
func (p *parser) unexpected(want string) error {
	t, ok := p.peek()
	if !ok {
		return fmt.Errorf("want %s, got the end of the line", want)
	}
	var got string
	switch t.kind {
	case tokWord:
		got = strconv.Quote(shorten(t.text))
	case tokPunct:
		got = strconv.Quote(t.text)
	case tokIdent:
		got = "a quoted identifier"
	case tokString:
		got = "a string"
	}
	return fmt.Errorf("want %s at byte %d, got %s", want, t.pos, got)
}

func shorten(s string) string {
	if len(s) > 32 {
		return s[:32] + "..."
	}
	return s
}

// name reads an identifier: quoted, or a bare word.
func (p *parser) name() (string, bool) {
	t, ok := p.peek()
	if !ok || (t.kind != tokIdent && t.kind != tokWord) {
		return "", false
	}
	p.i++
	return t.text, true
}

// nameOrString reads an account part: `ident`, 'string' or a bare word.
func (p *parser) nameOrString() (string, bool) {
	t, ok := p.peek()
	if !ok || t.kind == tokPunct {
		return "", false
	}
	p.i++
	return t.text, true
}

// account reads user@host, or a bare name (a role, or PUBLIC).
func (p *parser) account() (Account, error) {
	user, ok := p.nameOrString()
	if !ok {
		return Account{}, p.unexpected("an account")
	}
	if !p.accept("@") {
		return Account{User: user}, nil
	}
	host, ok := p.nameOrString()
	if !ok {
		return Account{}, p.unexpected("a host")
	}
	return Account{User: user, Host: host}, nil
}

func (p *parser) role() (Role, error) {
	a, err := p.account()
	if err != nil {
		return Role{}, err
	}
	return Role{Name: a.User, Host: a.Host}, nil
}

// peekRoleList reports whether a GRANT line grants roles: its first item is
// quoted (privileges are keywords) and TO comes before any ON.
func (p *parser) peekRoleList() bool {
	t, ok := p.peek()
	if !ok || (t.kind != tokIdent && t.kind != tokString) {
		return false
	}
	for _, t := range p.toks[p.i:] {
		if t.kind == tokWord && strings.EqualFold(t.text, "ON") {
			return false
		}
		if t.kind == tokWord && strings.EqualFold(t.text, "TO") {
			return true
		}
	}
	return false
}

// privilegeList reads "SELECT, INSERT (`a`, `b`), ALL PRIVILEGES" up to ON.
func (p *parser) privilegeList() ([]Privilege, error) {
	var out []Privilege
	for {
		var words []string
		for {
			t, ok := p.peek()
			if !ok || t.kind != tokWord || strings.EqualFold(t.text, "ON") {
				break
			}
			if !isKeyword(t.text) {
				return nil, fmt.Errorf("want a privilege at byte %d, got a word that is not one", t.pos)
			}
			words = append(words, strings.ToUpper(t.text))
			p.i++
		}
		if len(words) == 0 {
			return nil, p.unexpected("a privilege")
		}
		name := strings.Join(words, " ")
		if name == "ALL" {
			name = "ALL PRIVILEGES"
		}
		if p.accept("(") {
			for {
				col, ok := p.name()
				if !ok {
					return nil, p.unexpected("a column")
				}
				out = append(out, Privilege{Name: name, Column: col})
				if p.accept(")") {
					break
				}
				if !p.accept(",") {
					return nil, p.unexpected(", or )")
				}
			}
		} else {
			out = append(out, Privilege{Name: name})
		}
		if !p.accept(",") {
			return out, nil
		}
	}
}

// object reads [PROCEDURE|FUNCTION|PACKAGE [BODY]|TABLE] db.table, where
// either part may be *.
func (p *parser) object() (Object, error) {
	var o Object
	switch {
	case p.acceptWord("PROCEDURE"):
		o.Kind = "PROCEDURE"
	case p.acceptWord("FUNCTION"):
		o.Kind = "FUNCTION"
	case p.acceptWord("PACKAGE"):
		o.Kind = "PACKAGE"
		if p.acceptWord("BODY") {
			o.Kind = "PACKAGE BODY"
		}
	case p.acceptWord("TABLE"):
	}
	part := func() (string, error) {
		if p.accept("*") {
			return "", nil
		}
		t, ok := p.peek()
		if !ok || (t.kind != tokIdent && t.kind != tokWord) || t.text == "" {
			return "", p.unexpected("a name or *")
		}
		p.i++
		return t.text, nil
	}
	var err error
	if o.DB, err = part(); err != nil {
		return o, err
	}
	if !p.accept(".") {
		return o, p.unexpected(".")
	}
	if o.Table, err = part(); err != nil {
		return o, err
	}
	if o.DB == "" && o.Table != "" {
		return o, fmt.Errorf("object *.%s: a table in every database", quoteIdent(o.Table))
	}
	if o.Kind != "" && (o.DB == "" || o.Table == "") {
		return o, fmt.Errorf("%s needs a database and a routine name", o.Kind)
	}
	return o, nil
}

// identified skips an IDENTIFIED clause, returning its plugin names:
//
//	BY [PASSWORD] 'x'
//	{VIA|WITH} plugin [{USING|AS|BY} {'x' | PASSWORD('x')}] [OR plugin ...]
func (p *parser) identified() ([]string, error) {
	if p.acceptWord("BY") {
		p.acceptWord("PASSWORD")
		if t, ok := p.peek(); !ok || (t.kind != tokString && t.kind != tokWord) {
			return nil, p.unexpected("a password hash")
		}
		p.i++
		return []string{"mysql_native_password"}, nil
	}
	if !p.acceptWord("VIA") && !p.acceptWord("WITH") {
		return nil, p.unexpected("BY, VIA or WITH")
	}
	var plugins []string
	for {
		plugin, ok := p.nameOrString()
		if !ok {
			return nil, p.unexpected("an authentication plugin")
		}
		plugins = append(plugins, plugin)
		if p.acceptWord("USING") || p.acceptWord("AS") || p.acceptWord("BY") {
			if p.acceptWord("PASSWORD") {
				if !p.accept("(") {
					return nil, p.unexpected("(")
				}
				if t, ok := p.peek(); !ok || t.kind != tokString {
					return nil, p.unexpected("a string")
				}
				p.i++
				if !p.accept(")") {
					return nil, p.unexpected(")")
				}
			} else if t, ok := p.peek(); ok && (t.kind == tokString || t.kind == tokWord) {
				p.i++ // a string, or a 0x... hex literal
			} else {
				return nil, p.unexpected("an authentication string")
			}
		}
		if !p.acceptWord("OR") {
			return plugins, nil
		}
	}
}

// require reads NONE | SSL | X509 | {ISSUER|SUBJECT|CIPHER} 'x' [[AND] ...].
func (p *parser) require() (TLSRequirement, error) {
	switch {
	case p.acceptWord("NONE"):
		return TLSRequirement{}, nil
	case p.acceptWord("SSL"):
		return TLSRequirement{Type: "SSL"}, nil
	case p.acceptWord("X509"):
		return TLSRequirement{Type: "X509"}, nil
	}
	r := TLSRequirement{Type: "SPECIFIED"}
	n := 0
	for {
		var dst *string
		switch {
		case p.acceptWord("ISSUER"):
			dst = &r.Issuer
		case p.acceptWord("SUBJECT"):
			dst = &r.Subject
		case p.acceptWord("CIPHER"):
			dst = &r.Cipher
		default:
			if n == 0 {
				return r, p.unexpected("NONE, SSL, X509, ISSUER, SUBJECT or CIPHER")
			}
			return r, nil
		}
		t, ok := p.peek()
		if !ok || t.kind != tokString {
			return r, p.unexpected("a string")
		}
		p.i++
		*dst = t.text
		n++
		p.acceptWord("AND")
	}
}

// with reads WITH GRANT OPTION, WITH ADMIN OPTION and resource limits.
func (p *parser) with(t *lineTail) error {
	n := 0
	for {
		switch {
		case p.acceptWord("GRANT"):
			if !p.acceptWord("OPTION") {
				return p.unexpected("OPTION")
			}
			t.grantOption = true
		case p.acceptWord("ADMIN"):
			if !p.acceptWord("OPTION") {
				return p.unexpected("OPTION")
			}
			t.adminOption = true
		case p.peekLimit():
			name := strings.ToUpper(p.next().text)
			v, ok := p.peek()
			if !ok || v.kind != tokWord {
				return p.unexpected("a number")
			}
			p.i++
			if err := setLimit(&t.limits, name, v.text); err != nil {
				return err
			}
			t.sawLimits = true
		default:
			if n == 0 {
				return p.unexpected("GRANT OPTION, ADMIN OPTION or a resource limit")
			}
			return nil
		}
		n++
	}
}

var limitNames = map[string]bool{
	"MAX_QUERIES_PER_HOUR": true, "MAX_UPDATES_PER_HOUR": true, "MAX_CONNECTIONS_PER_HOUR": true,
	"MAX_USER_CONNECTIONS": true, "MAX_STATEMENT_TIME": true,
}

func (p *parser) peekLimit() bool {
	t, ok := p.peek()
	return ok && t.kind == tokWord && limitNames[strings.ToUpper(t.text)]
}

func setLimit(l *Limits, name, value string) error {
	if name == "MAX_STATEMENT_TIME" {
		if !isDecimal(value) {
			return fmt.Errorf("MAX_STATEMENT_TIME: want a number of seconds, got %q", shorten(value))
		}
		if strings.Trim(strings.ReplaceAll(value, ".", ""), "0") == "" {
			value = "" // 0 means no limit
		}
		l.MaxStatementTime = value
		return nil
	}
	n, err := strconv.ParseInt(value, 10, 64)
	if err != nil || n < 0 {
		return fmt.Errorf("%s: want a whole number, got %q", name, shorten(value))
	}
	switch name {
	case "MAX_QUERIES_PER_HOUR":
		l.MaxQueriesPerHour = n
	case "MAX_UPDATES_PER_HOUR":
		l.MaxUpdatesPerHour = n
	case "MAX_CONNECTIONS_PER_HOUR":
		l.MaxConnectionsPerHour = n
	case "MAX_USER_CONNECTIONS":
		l.MaxUserConnections = n
	}
	return nil
}

// isDecimal reports whether s is digits with at most one dot between
// digits, which is safe to put in a statement as it is.
func isDecimal(s string) bool {
	whole, frac, hasDot := strings.Cut(s, ".")
	return allDigits(whole) && (!hasDot || allDigits(frac))
}
