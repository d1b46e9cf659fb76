// Package mysqlscan loads a live MySQL or MariaDB server into scan
// Resources, for the live rules of the catalog (Lang scan.MySQL).
//
// Load adds, all with Range.File set to the server's label and line 0:
//
//   - one Resource of Kind and Type "server", Address the label, whose Attrs
//     are the global variables the rules read (lower-case names, values as
//     SHOW GLOBAL VARIABLES prints them, strings), plus "flavor" ("mysql" or
//     "mariadb"). secure_file_priv is read with SELECT @@GLOBAL.secure_file_priv
//     so that NULL (a null Value) is told apart from "" (an empty string);
//   - one Resource of Kind and Type "account" per account (roles are left
//     out), Address 'user'@'host', with the Attrs listed at accountAttrs;
//   - one Resource of Kind and Type "database" for the test database when it
//     exists, and one per database pattern of the test family (test\_%) that
//     mysql.db grants to every account; see databaseAttrs.
//
// Reading needs SELECT on the mysql database and the SHOW DATABASES
// privilege; an account without them gets an error naming the privilege,
// never a partial scan. No password or password hash is ever kept, printed
// or put in an error: authentication strings are reduced to "set" or
// "empty" as they are decoded.
package mysqlscan

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/go-sql-driver/mysql"

	"github.com/dbwarden/dbwarden/internal/mysqladmin"
	"github.com/dbwarden/dbwarden/internal/scan"
)

// ErrPrivilege is wrapped by the error Load returns when the logged-in
// account lacks a privilege the scan needs; the error names the privilege.
var ErrPrivilege = errors.New("missing privilege")

// Variables are the global variables the server Resource carries. Names
// the server does not have are left out of the Attrs.
var Variables = []string{
	"authentication_policy",
	"bind_address",
	"binlog_expire_logs_seconds",
	"character_set_server",
	"collation_server",
	"default_authentication_plugin",
	"expire_logs_days",
	"general_log",
	"general_log_file",
	"have_openssl",
	"have_ssl",
	"have_symlink",
	"local_infile",
	"log_bin",
	"log_error",
	"long_query_time",
	"old_passwords",
	"port",
	"require_secure_transport",
	"secure_auth",
	"skip_name_resolve",
	"skip_networking",
	"skip_show_database",
	"slow_query_log",
	"sql_mode",
	"ssl_ca",
	"ssl_cert",
	"ssl_key",
	"symbolic_links",
	"tls_version",
	"version",
	"version_comment",
}

// Load reads the server s into p. label names the server in findings (a
// URL without password such as "mysql://admin@127.0.0.1:3306", or a secret
// id); it must not hold a secret.
func Load(ctx context.Context, p *scan.Project, s *mysqladmin.Server, label string) error {
	l := &loader{s: s, label: label, info: s.Info()}
	srv, err := l.server(ctx)
	if err != nil {
		return err
	}
	accounts, err := l.accounts(ctx)
	if err != nil {
		return err
	}
	dbs, err := l.databases(ctx)
	if err != nil {
		return err
	}
	p.Add(srv)
	p.Add(accounts...)
	p.Add(dbs...)
	return nil
}

type loader struct {
	s     *mysqladmin.Server
	label string
	info  mysqladmin.ServerInfo
	// roles caches the global privileges of roles, resolved once.
	roles map[mysqladmin.Role]*roleGrants
}

func (l *loader) resource(kind, addr string, attrs map[string]*scan.Value) *scan.Resource {
	return &scan.Resource{
		Lang:    scan.MySQL,
		Kind:    kind,
		Type:    kind,
		Address: addr,
		Attrs:   &scan.Value{Kind: scan.Map, Map: attrs},
		Range:   scan.Range{File: l.label},
	}
}

// fail wraps an error of reading what; an error that says the account may
// not read it names priv.
func (l *loader) fail(what, priv string, err error) error {
	if denied(err) && priv != "" {
		return fmt.Errorf("scan %s: read %s: %w: the account %q needs %s", l.label, what, ErrPrivilege, l.s.User(), priv)
	}
	return fmt.Errorf("scan %s: read %s: %w", l.label, what, err)
}

// denied reports whether err is the server refusing a statement for lack
// of a privilege.
func denied(err error) bool {
	if errors.Is(err, mysqladmin.ErrNotPermitted) {
		return true
	}
	var me *mysql.MySQLError
	if errors.As(err, &me) {
		switch me.Number {
		case 1044, // ER_DBACCESS_DENIED_ERROR
			1045, // ER_ACCESS_DENIED_ERROR
			1142, // ER_TABLEACCESS_DENIED_ERROR
			1143, // ER_COLUMNACCESS_DENIED_ERROR
			1227, // ER_SPECIFIC_ACCESS_DENIED_ERROR
			1370: // ER_PROCACCESS_DENIED_ERROR
			return true
		}
	}
	return false
}

const privMySQL = "SELECT on the mysql database (GRANT SELECT ON mysql.* TO ...)"

// server reads the global variables.
func (l *loader) server(ctx context.Context) (*scan.Resource, error) {
	attrs := map[string]*scan.Value{"flavor": scan.Str(string(l.info.Flavor))}
	q := "SHOW GLOBAL VARIABLES WHERE Variable_name IN (?" + strings.Repeat(", ?", len(Variables)-1) + ")"
	args := make([]any, len(Variables))
	for i, v := range Variables {
		args[i] = v
	}
	rows, err := l.s.DB().QueryContext(ctx, q, args...)
	if err != nil {
		return nil, l.fail("global variables", "no privilege beyond a login", err)
	}
	defer rows.Close()
	for rows.Next() {
		var name string
		var val sql.NullString
		if err := rows.Scan(&name, &val); err != nil {
			return nil, l.fail("global variables", "", err)
		}
		v := &scan.Value{Kind: scan.Null}
		if val.Valid {
			v = scan.Str(val.String)
		}
		attrs[strings.ToLower(name)] = v
	}
	if err := rows.Err(); err != nil {
		return nil, l.fail("global variables", "", err)
	}
	// SHOW VARIABLES prints NULL as "" on MariaDB; NULL and "" mean
	// different things for secure_file_priv on MySQL.
	var sfp sql.NullString
	if err := l.s.DB().QueryRowContext(ctx, "SELECT @@GLOBAL.secure_file_priv").Scan(&sfp); err != nil {
		return nil, l.fail("secure_file_priv", "no privilege beyond a login", err)
	}
	attrs["secure_file_priv"] = &scan.Value{Kind: scan.Null}
	if sfp.Valid {
		attrs["secure_file_priv"] = scan.Str(sfp.String)
	}
	return l.resource("server", l.label, attrs), nil
}

// Authentication kinds of a plugin.
const (
	authPassword = "password" // a secret checked against the authentication string
	authSocket   = "socket"   // the operating system user of a local socket connection
	authExternal = "external" // PAM, GSSAPI, LDAP, ... : decided outside the server
)

// passwordPlugins check a password against the authentication string; an
// empty string there lets anyone in without one.
var passwordPlugins = map[string]bool{
	"":                      true, // MySQL before 5.7 and MariaDB before 10.4: the native hash
	"mysql_native_password": true,
	"mysql_old_password":    true,
	"caching_sha2_password": true,
	"sha256_password":       true,
	"ed25519":               true,
	"parsec":                true,
}

var socketPlugins = map[string]bool{"unix_socket": true, "auth_socket": true}

func authKind(plugin string) string {
	switch {
	case passwordPlugins[plugin]:
		return authPassword
	case socketPlugins[plugin]:
		return authSocket
	}
	return authExternal
}

// method is one authentication method of an account (MariaDB joins several
// with OR).
type method struct {
	plugin string
	set    bool // the authentication string is not empty
}

type account struct {
	user, host string
	methods    []method
	locked     bool
}

// authString decodes a JSON string into whether it is empty, and keeps
// nothing else: it holds password hashes.
type authString struct{ set bool }

// UnmarshalJSON implements json.Unmarshaler.
func (a *authString) UnmarshalJSON(b []byte) error {
	var s string
	if err := json.Unmarshal(b, &s); err != nil {
		return errors.New("authentication_string is not a string")
	}
	a.set = s != ""
	return nil
}

// globalPriv is the part of a MariaDB mysql.global_priv document read.
type globalPriv struct {
	Plugin     *string    `json:"plugin"`
	AuthString authString `json:"authentication_string"`
	AuthOr     []struct {
		Plugin     *string    `json:"plugin"`
		AuthString authString `json:"authentication_string"`
	} `json:"auth_or"`
	AccountLocked bool `json:"account_locked"`
	IsRole        bool `json:"is_role"`
}

// accounts lists the accounts and reads their grants.
func (l *loader) accounts(ctx context.Context) ([]*scan.Resource, error) {
	var list []account
	var err error
	switch {
	case l.info.Flavor == mysqladmin.MariaDB && l.info.Version.AtLeast(10, 4, 0):
		list, err = l.mariadbAccounts(ctx)
	case l.info.Flavor == mysqladmin.MariaDB:
		list, err = l.queryAccounts(ctx, "SELECT User, Host, plugin, authentication_string <> '' OR Password <> '', 'N' FROM mysql.user WHERE is_role = 'N'")
	default:
		list, err = l.queryAccounts(ctx, "SELECT User, Host, plugin, authentication_string <> '', account_locked FROM mysql.user")
	}
	if err != nil {
		return nil, err
	}
	out := make([]*scan.Resource, 0, len(list))
	for _, a := range list {
		r, err := l.account(ctx, a)
		if err != nil {
			return nil, err
		}
		out = append(out, r)
	}
	return out, nil
}

func (l *loader) mariadbAccounts(ctx context.Context) ([]account, error) {
	rows, err := l.s.DB().QueryContext(ctx, "SELECT User, Host, Priv FROM mysql.global_priv ORDER BY User, Host")
	if err != nil {
		return nil, l.fail("mysql.global_priv", privMySQL, err)
	}
	defer rows.Close()
	var list []account
	for rows.Next() {
		var a account
		var priv []byte
		if err := rows.Scan(&a.user, &a.host, &priv); err != nil {
			return nil, l.fail("mysql.global_priv", privMySQL, err)
		}
		var g globalPriv
		err := json.Unmarshal(priv, &g)
		clear(priv) // it held the password hashes
		if err != nil {
			// The decoder's message may quote the document: leave it out.
			return nil, fmt.Errorf("scan %s: read mysql.global_priv: the row of %s is not a JSON document the scanner understands", l.label, mysqladmin.Account{User: a.user, Host: a.host})
		}
		if g.IsRole {
			continue
		}
		top := method{plugin: "mysql_native_password", set: g.AuthString.set}
		if g.Plugin != nil {
			top.plugin = *g.Plugin
		}
		if len(g.AuthOr) == 0 {
			a.methods = []method{top}
		}
		// auth_or lists the methods in order; an empty object stands for
		// the one kept at the top level.
		for _, m := range g.AuthOr {
			if m.Plugin == nil {
				a.methods = append(a.methods, top)
				continue
			}
			a.methods = append(a.methods, method{plugin: *m.Plugin, set: m.AuthString.set})
		}
		a.locked = g.AccountLocked
		list = append(list, a)
	}
	if err := rows.Err(); err != nil {
		return nil, l.fail("mysql.global_priv", privMySQL, err)
	}
	return list, nil
}

// queryAccounts reads accounts from mysql.user with q, which selects user,
// host, plugin, whether the authentication string is set, and 'Y' or 'N'
// for locked.
func (l *loader) queryAccounts(ctx context.Context, q string) ([]account, error) {
	rows, err := l.s.DB().QueryContext(ctx, q+" ORDER BY User, Host")
	if err != nil {
		return nil, l.fail("mysql.user", privMySQL, err)
	}
	defer rows.Close()
	var list []account
	for rows.Next() {
		var a account
		var plugin sql.NullString
		var set sql.NullBool
		var locked sql.NullString
		if err := rows.Scan(&a.user, &a.host, &plugin, &set, &locked); err != nil {
			return nil, l.fail("mysql.user", privMySQL, err)
		}
		a.methods = []method{{plugin: plugin.String, set: set.Bool}}
		a.locked = strings.EqualFold(locked.String, "Y")
		list = append(list, a)
	}
	if err := rows.Err(); err != nil {
		return nil, l.fail("mysql.user", privMySQL, err)
	}
	return list, nil
}

// adminPrivileges make an account an administrator when held on *.*: they
// let it do anything, or create accounts and grant privileges.
var adminPrivileges = map[string]bool{"ALL PRIVILEGES": true, "ALL": true, "SUPER": true, "CREATE USER": true}

// account reads the grants of a and makes its Resource. The Attrs:
//
//	user, host            strings
//	anonymous             bool: the user name is empty
//	plugin                string: the first authentication plugin
//	plugins               list of strings: every method (MariaDB's OR)
//	has_password          bool: a password method has a password set
//	empty_password        bool: a password method has an empty
//	                      authentication string, so the account logs in
//	                      without a password (socket and external methods,
//	                      such as unix_socket or PAM, never count as empty)
//	socket_auth           bool: a unix_socket or auth_socket method
//	locked                bool: ACCOUNT LOCK (no login at all)
//	global_privileges     sorted list of the privileges held ON *.*, the
//	                      account's own and those of every role granted to
//	                      it, directly or through other roles (a role can be
//	                      turned on with SET ROLE at any time)
//	grant_option          bool: WITH GRANT OPTION on *.*
//	roles                 list of the roles granted, directly or not
//	is_admin              bool: global_privileges hold ALL PRIVILEGES,
//	                      SUPER or CREATE USER, or grant_option is set: the
//	                      account can do anything, or give itself or others
//	                      any privilege
//	ignored               bool: stored, but not an account the server uses
//	                      now (a host name under skip_name_resolve); it
//	                      holds no privileges until the server reads it again
func (l *loader) account(ctx context.Context, a account) (*scan.Resource, error) {
	acct := mysqladmin.Account{User: a.user, Host: a.host}
	g, err := l.s.Grants(ctx, acct)
	ignored := false
	if errors.Is(err, mysqladmin.ErrNoSuchAccount) {
		// Stored, but not among the accounts the server uses: with
		// skip_name_resolve on, an account whose host is a name is
		// ignored. It grants nothing until the server reads it again;
		// its password is still checked.
		g, err, ignored = mysqladmin.Grants{}, nil, true
	}
	if err != nil {
		return nil, l.fail("the grants of "+acct.String(), privMySQL, err)
	}
	privs, grantOpt := globalPrivileges(g)
	var roles []string
	seen := map[mysqladmin.Role]bool{}
	queue := rolesOf(g)
	for len(queue) > 0 {
		r := queue[0]
		queue = queue[1:]
		if seen[r] {
			continue
		}
		seen[r] = true
		roles = append(roles, r.String())
		rg, err := l.role(ctx, r)
		if err != nil {
			return nil, err
		}
		privs = append(privs, rg.privs...)
		grantOpt = grantOpt || rg.grantOption
		queue = append(queue, rg.roles...)
	}
	slices.Sort(privs)
	privs = slices.Compact(privs)
	slices.Sort(roles)

	admin := grantOpt
	var privVals []*scan.Value
	for _, p := range privs {
		admin = admin || adminPrivileges[p]
		privVals = append(privVals, scan.Str(p))
	}
	var plugins []*scan.Value
	hasPw, emptyPw, socket := false, false, false
	for _, m := range a.methods {
		plugins = append(plugins, scan.Str(m.plugin))
		switch authKind(m.plugin) {
		case authPassword:
			hasPw = hasPw || m.set
			emptyPw = emptyPw || !m.set
		case authSocket:
			socket = true
		}
	}
	first := ""
	if len(a.methods) > 0 {
		first = a.methods[0].plugin
	}
	var roleVals []*scan.Value
	for _, r := range roles {
		roleVals = append(roleVals, scan.Str(r))
	}
	attrs := map[string]*scan.Value{
		"user":              scan.Str(a.user),
		"host":              scan.Str(a.host),
		"anonymous":         scan.BoolVal(a.user == ""),
		"plugin":            scan.Str(first),
		"plugins":           {Kind: scan.List, List: plugins},
		"has_password":      scan.BoolVal(hasPw),
		"empty_password":    scan.BoolVal(emptyPw),
		"socket_auth":       scan.BoolVal(socket),
		"locked":            scan.BoolVal(a.locked),
		"global_privileges": {Kind: scan.List, List: privVals},
		"grant_option":      scan.BoolVal(grantOpt),
		"roles":             {Kind: scan.List, List: roleVals},
		"is_admin":          scan.BoolVal(admin),
		"ignored":           scan.BoolVal(ignored),
	}
	return l.resource("account", acct.String(), attrs), nil
}

// globalPrivileges returns the privileges g holds on *.*, and whether with
// GRANT OPTION.
func globalPrivileges(g mysqladmin.Grants) ([]string, bool) {
	var privs []string
	grantOpt := false
	for _, og := range g.Objects {
		if og.Object != (mysqladmin.Object{}) {
			continue
		}
		for _, p := range og.Privileges {
			if p.Column == "" {
				privs = append(privs, p.Name)
			}
		}
		grantOpt = grantOpt || og.GrantOption
	}
	return privs, grantOpt
}

func rolesOf(g mysqladmin.Grants) []mysqladmin.Role {
	var rs []mysqladmin.Role
	for _, r := range g.Roles {
		rs = append(rs, r.Role)
	}
	return rs
}

type roleGrants struct {
	privs       []string
	grantOption bool
	roles       []mysqladmin.Role
}

// role reads the grants of a role once: on MariaDB a role has no host and
// SHOW GRANTS takes its bare name; on MySQL a role is an account.
func (l *loader) role(ctx context.Context, r mysqladmin.Role) (*roleGrants, error) {
	if rg, ok := l.roles[r]; ok {
		return rg, nil
	}
	var g mysqladmin.Grants
	var err error
	if r.Host == "" && l.info.Flavor == mysqladmin.MariaDB {
		g, err = l.mariadbRoleGrants(ctx, r.Name)
	} else {
		g, err = l.s.Grants(ctx, mysqladmin.Account{User: r.Name, Host: r.Host})
	}
	if err != nil {
		return nil, l.fail("the grants of role "+r.String(), privMySQL, err)
	}
	privs, opt := globalPrivileges(g)
	rg := &roleGrants{privs: privs, grantOption: opt, roles: rolesOf(g)}
	if l.roles == nil {
		l.roles = map[mysqladmin.Role]*roleGrants{}
	}
	l.roles[r] = rg
	return rg, nil
}

func (l *loader) mariadbRoleGrants(ctx context.Context, name string) (mysqladmin.Grants, error) {
	rows, err := l.s.DB().QueryContext(ctx, "SHOW GRANTS FOR ?", name)
	if err != nil {
		return mysqladmin.Grants{}, err
	}
	defer rows.Close()
	var lines []string
	for rows.Next() {
		var line string
		if err := rows.Scan(&line); err != nil {
			return mysqladmin.Grants{}, err
		}
		lines = append(lines, line)
	}
	if err := rows.Err(); err != nil {
		return mysqladmin.Grants{}, err
	}
	return mysqladmin.ParseGrants(lines, "")
}

// testDB reports whether a mysql.db name belongs to the test family: test
// itself, or a pattern such as test\_% or test%.
func testDB(db string) bool {
	if db == "test" {
		return true
	}
	rest, ok := strings.CutPrefix(db, "test")
	return ok && (strings.HasPrefix(rest, `\_`) || strings.HasPrefix(rest, "_") || strings.HasPrefix(rest, "%"))
}

// databases reads the test database and the grants on its family into
// Resources with the Attrs:
//
//	name       string: the database, or the mysql.db pattern (test\_%)
//	exists     bool: a database of that name exists
//	pattern    bool: name is a pattern with wildcards
//	grantees   list of the accounts mysql.db grants name to; 'user'@'host'
//	           strings, where an empty user ('') stands for every account
//	open_to_all bool: a grant with an empty user name
//
// A pattern granted to named accounts only is an ordinary grant and gives
// no Resource.
func (l *loader) databases(ctx context.Context) ([]*scan.Resource, error) {
	if err := l.needShowDatabases(ctx); err != nil {
		return nil, err
	}
	var n int
	if err := l.s.DB().QueryRowContext(ctx, "SELECT COUNT(*) FROM information_schema.SCHEMATA WHERE SCHEMA_NAME = 'test'").Scan(&n); err != nil {
		return nil, l.fail("information_schema.SCHEMATA", "SHOW DATABASES", err)
	}
	rows, err := l.s.DB().QueryContext(ctx, "SELECT Db, User, Host FROM mysql.db WHERE Db LIKE 'test%' ORDER BY Db, User, Host")
	if err != nil {
		return nil, l.fail("mysql.db", privMySQL, err)
	}
	defer rows.Close()
	type dbInfo struct {
		grantees []string
		open     bool
	}
	found := map[string]*dbInfo{}
	var names []string
	for rows.Next() {
		var db, user, host string
		if err := rows.Scan(&db, &user, &host); err != nil {
			return nil, l.fail("mysql.db", privMySQL, err)
		}
		if !testDB(db) {
			continue
		}
		d := found[db]
		if d == nil {
			d = &dbInfo{}
			found[db] = d
			names = append(names, db)
		}
		d.grantees = append(d.grantees, mysqladmin.Account{User: user, Host: host}.String())
		d.open = d.open || user == ""
	}
	if err := rows.Err(); err != nil {
		return nil, l.fail("mysql.db", privMySQL, err)
	}
	if n > 0 && found["test"] == nil {
		found["test"] = &dbInfo{}
		names = append(names, "test")
	}
	slices.Sort(names)
	var out []*scan.Resource
	for _, name := range names {
		d := found[name]
		if name != "test" && !d.open {
			continue // a pattern granted to named accounts only is an ordinary grant
		}
		var gs []*scan.Value
		for _, g := range d.grantees {
			gs = append(gs, scan.Str(g))
		}
		out = append(out, l.resource("database", name, map[string]*scan.Value{
			"name":        scan.Str(name),
			"exists":      scan.BoolVal(name == "test" && n > 0),
			"pattern":     scan.BoolVal(name != "test"),
			"grantees":    {Kind: scan.List, List: gs},
			"open_to_all": scan.BoolVal(d.open),
		}))
	}
	return out, nil
}

// needShowDatabases fails unless the logged-in account may see every
// database: without SHOW DATABASES, information_schema hides the ones it
// holds no privilege on, and a test database could go unseen.
func (l *loader) needShowDatabases(ctx context.Context) error {
	rows, err := l.s.DB().QueryContext(ctx, "SHOW GRANTS")
	if err != nil {
		return l.fail("the grants of the scanning account", "no privilege beyond a login", err)
	}
	defer rows.Close()
	var lines []string
	for rows.Next() {
		var line string
		if err := rows.Scan(&line); err != nil {
			return l.fail("the grants of the scanning account", "", err)
		}
		lines = append(lines, line)
	}
	if err := rows.Err(); err != nil {
		return l.fail("the grants of the scanning account", "", err)
	}
	g, err := mysqladmin.ParseGrants(lines, "")
	if err != nil {
		return fmt.Errorf("scan %s: read the grants of the scanning account: %w", l.label, err)
	}
	privs, _ := globalPrivileges(g)
	for _, p := range privs {
		if p == "SHOW DATABASES" || p == "ALL PRIVILEGES" || p == "ALL" {
			return nil
		}
	}
	return fmt.Errorf("scan %s: list databases: %w: the account %q needs the SHOW DATABASES privilege (GRANT SHOW DATABASES ON *.* TO ...)", l.label, ErrPrivilege, l.s.User())
}
