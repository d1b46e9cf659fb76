package mysqladmin

import (
	"context"
	"fmt"
	"slices"
	"strconv"
	"strings"
)

// Statement is one SQL statement and its ? arguments. Arguments are
// account names and TLS strings, never passwords.
type Statement struct {
	SQL  string
	Args []any
}

// Diff lists how have differs from want, one line per difference, such as
// "`shop`.*: missing SELECT" or "REQUIRE: want REQUIRE SSL, have REQUIRE
// NONE". It is empty when they are equal. AuthMethods are not compared.
func Diff(want, have Grants) []string {
	var out []string
	w, h := objectMap(want), objectMap(have)
	for _, obj := range unionObjects(want, have) {
		wo, ho := w[obj], h[obj]
		for _, p := range minus(wo.Privileges, ho.Privileges) {
			out = append(out, fmt.Sprintf("%s: missing %s", obj.SQL(), p))
		}
		for _, p := range minus(ho.Privileges, wo.Privileges) {
			out = append(out, fmt.Sprintf("%s: extra %s", obj.SQL(), p))
		}
		if wo.GrantOption != ho.GrantOption {
			out = append(out, fmt.Sprintf("%s: want grant option %v, have %v", obj.SQL(), wo.GrantOption, ho.GrantOption))
		}
	}
	for _, r := range roleChanges(want.Roles, have.Roles) {
		out = append(out, r.String())
	}
	for _, p := range minusProxies(want.Proxies, have.Proxies) {
		out = append(out, fmt.Sprintf("missing PROXY ON %s (grant option %v)", p.Proxied, p.GrantOption))
	}
	for _, p := range minusProxies(have.Proxies, want.Proxies) {
		out = append(out, fmt.Sprintf("extra PROXY ON %s (grant option %v)", p.Proxied, p.GrantOption))
	}
	if !slices.Equal(want.DefaultRoles, have.DefaultRoles) {
		out = append(out, fmt.Sprintf("default roles: want %s, have %s", roleList(want.DefaultRoles), roleList(have.DefaultRoles)))
	}
	if want.TLS != have.TLS {
		out = append(out, fmt.Sprintf("REQUIRE: want %s, have %s", want.TLS, have.TLS))
	}
	if want.Limits != have.Limits {
		out = append(out, fmt.Sprintf("resource limits: want %+v, have %+v", want.Limits, have.Limits))
	}
	return out
}

func objectMap(g Grants) map[Object]ObjectGrant {
	m := make(map[Object]ObjectGrant, len(g.Objects))
	for _, og := range g.Objects {
		m[og.Object] = og
	}
	return m
}

func unionObjects(a, b Grants) []Object {
	var objs []Object
	for _, g := range []Grants{a, b} {
		for _, og := range g.Objects {
			objs = append(objs, og.Object)
		}
	}
	slices.SortFunc(objs, compareObjects)
	return slices.Compact(objs)
}

// minus returns the privileges of a that b lacks.
func minus(a, b []Privilege) []Privilege {
	var out []Privilege
	for _, p := range a {
		if !slices.Contains(b, p) {
			out = append(out, p)
		}
	}
	return out
}

func minusProxies(a, b []ProxyGrant) []ProxyGrant {
	var out []ProxyGrant
	for _, p := range a {
		if !slices.Contains(b, p) {
			out = append(out, p)
		}
	}
	return out
}

type roleChange struct {
	role  Role
	grant bool // else revoke
	admin bool
}

func (c roleChange) String() string {
	if c.grant {
		return fmt.Sprintf("missing role %s (admin option %v)", c.role, c.admin)
	}
	return fmt.Sprintf("extra role %s", c.role)
}

// roleChanges lists the role revocations, then grants, that turn have into
// want. A different admin option is a revocation and a grant.
func roleChanges(want, have []RoleGrant) []roleChange {
	var revoke, grant []roleChange
	for _, h := range have {
		if !slices.Contains(want, h) {
			revoke = append(revoke, roleChange{role: h.Role})
		}
	}
	for _, w := range want {
		if !slices.Contains(have, w) {
			grant = append(grant, roleChange{role: w.Role, grant: true, admin: w.AdminOption})
		}
	}
	return append(revoke, grant...)
}

func roleList(roles []Role) string {
	if len(roles) == 0 {
		return "NONE"
	}
	parts := make([]string, len(roles))
	for i, r := range roles {
		parts[i] = r.String()
	}
	return strings.Join(parts, ", ")
}

// privilegeSQL writes privileges as GRANT takes them, columns grouped:
// "SELECT (`a`, `b`), UPDATE".
func privilegeSQL(privs []Privilege) string {
	var parts []string
	for i := 0; i < len(privs); {
		p := privs[i]
		if p.Column == "" {
			parts = append(parts, p.Name)
			i++
			continue
		}
		var cols []string
		j := i
		for ; j < len(privs) && privs[j].Name == p.Name && privs[j].Column != ""; j++ {
			cols = append(cols, quoteIdent(privs[j].Column))
		}
		parts = append(parts, p.Name+" ("+strings.Join(cols, ", ")+")")
		i = j
	}
	return strings.Join(parts, ", ")
}

// PlanGrantSync returns the statements that make target's grants (have)
// equal to want on a server of the given kind: revocations first, then
// grants, then REQUIRE, resource limits and default roles.
func PlanGrantSync(info ServerInfo, want, have Grants, target Account) []Statement {
	acct := []any{target.User, target.Host}
	var out []Statement
	add := func(sql string, args ...any) { out = append(out, Statement{SQL: sql, Args: args}) }

	changes := roleChanges(want.Roles, have.Roles)
	for _, c := range changes {
		if !c.grant {
			add("REVOKE "+c.role.String()+" FROM ?@?", acct...)
		}
	}
	w, h := objectMap(want), objectMap(have)
	objs := unionObjects(want, have)
	for _, obj := range objs {
		wo, ho := w[obj], h[obj]
		if extra := minus(ho.Privileges, wo.Privileges); len(extra) > 0 {
			add("REVOKE "+privilegeSQL(extra)+" ON "+obj.SQL()+" FROM ?@?", acct...)
		}
		if ho.GrantOption && !wo.GrantOption {
			add("REVOKE GRANT OPTION ON "+obj.SQL()+" FROM ?@?", acct...)
		}
	}
	for _, p := range minusProxies(have.Proxies, want.Proxies) {
		add("REVOKE PROXY ON ?@? FROM ?@?", p.Proxied.User, p.Proxied.Host, target.User, target.Host)
	}
	for _, obj := range objs {
		wo, ho := w[obj], h[obj]
		missing := minus(wo.Privileges, ho.Privileges)
		needOption := wo.GrantOption && !ho.GrantOption
		if len(missing) == 0 && !needOption {
			continue
		}
		privs := missing
		if needOption {
			privs = wo.Privileges // granting them again WITH GRANT OPTION adds the option
		}
		list := privilegeSQL(privs)
		if list == "" {
			list = "USAGE"
		}
		sql := "GRANT " + list + " ON " + obj.SQL() + " TO ?@?"
		if wo.GrantOption {
			sql += " WITH GRANT OPTION"
		}
		add(sql, acct...)
	}
	for _, p := range minusProxies(want.Proxies, have.Proxies) {
		sql := "GRANT PROXY ON ?@? TO ?@?"
		if p.GrantOption {
			sql += " WITH GRANT OPTION"
		}
		add(sql, p.Proxied.User, p.Proxied.Host, target.User, target.Host)
	}
	for _, c := range changes {
		if c.grant {
			sql := "GRANT " + c.role.String() + " TO ?@?"
			if c.admin {
				sql += " WITH ADMIN OPTION"
			}
			add(sql, acct...)
		}
	}
	if want.TLS != have.TLS {
		sql, args := requireSQL(want.TLS)
		add("ALTER USER ?@? "+sql, append(slices.Clone(acct), args...)...)
	}
	if want.Limits != have.Limits {
		l := want.Limits
		sql := "ALTER USER ?@? WITH MAX_QUERIES_PER_HOUR ? MAX_UPDATES_PER_HOUR ? MAX_CONNECTIONS_PER_HOUR ? MAX_USER_CONNECTIONS ?"
		args := append(slices.Clone(acct), l.MaxQueriesPerHour, l.MaxUpdatesPerHour, l.MaxConnectionsPerHour, l.MaxUserConnections)
		if info.Flavor == MariaDB {
			secs := 0.0
			if l.MaxStatementTime != "" {
				secs, _ = strconv.ParseFloat(l.MaxStatementTime, 64)
			}
			sql += " MAX_STATEMENT_TIME ?"
			args = append(args, secs)
		}
		add(sql, args...)
	}
	if !slices.Equal(want.DefaultRoles, have.DefaultRoles) {
		list := roleList(want.DefaultRoles)
		if info.Flavor == MariaDB {
			// MariaDB has one default role; a second cannot occur.
			add("SET DEFAULT ROLE "+list+" FOR ?@?", acct...)
		} else {
			add("ALTER USER ?@? DEFAULT ROLE "+list, acct...)
		}
	}
	return out
}

func requireSQL(r TLSRequirement) (string, []any) {
	switch r.Type {
	case "":
		return "REQUIRE NONE", nil
	case "SSL", "X509":
		return "REQUIRE " + r.Type, nil
	}
	var parts []string
	var args []any
	for _, p := range []struct{ kw, v string }{{"ISSUER", r.Issuer}, {"SUBJECT", r.Subject}, {"CIPHER", r.Cipher}} {
		if p.v != "" {
			parts = append(parts, p.kw+" ?")
			args = append(args, p.v)
		}
	}
	return "REQUIRE " + strings.Join(parts, " AND "), args
}

// Grants reads the grants of a, from SHOW GRANTS and SHOW CREATE USER. It
// needs SELECT on the mysql database (or to be a). A missing account gives
// an error wrapping ErrNoSuchAccount.
func (s *Server) Grants(ctx context.Context, a Account) (Grants, error) {
	op := "show grants for " + a.String()
	rows, err := s.db.QueryContext(ctx, "SHOW GRANTS FOR ?@?", a.User, a.Host)
	if err != nil {
		return Grants{}, s.fail(op, err)
	}
	var lines []string
	for rows.Next() {
		var line string
		if err := rows.Scan(&line); err != nil {
			rows.Close()
			return Grants{}, s.fail(op, err)
		}
		lines = append(lines, line)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return Grants{}, s.fail(op, err)
	}
	var create string
	if err := s.db.QueryRowContext(ctx, "SHOW CREATE USER ?@?", a.User, a.Host).Scan(&create); err != nil {
		return Grants{}, s.fail("show create user "+a.String(), err)
	}
	g, err := ParseGrants(lines, create)
	if err != nil {
		return Grants{}, s.fail(op, err)
	}
	return g, nil
}

// SyncGrants makes the grants of to equal to those of from: privileges on
// every object, GRANT OPTION, roles and their ADMIN OPTION, proxies,
// REQUIRE, resource limits and default roles. Missing ones are granted,
// extra ones revoked. It reads both accounts again afterwards and fails if
// they still differ, listing how. The logged-in account needs CREATE USER,
// SELECT on the mysql database, and every privilege it grants, with GRANT
// OPTION.
func (s *Server) SyncGrants(ctx context.Context, from, to Account) error {
	want, err := s.Grants(ctx, from)
	if err != nil {
		return err
	}
	have, err := s.Grants(ctx, to)
	if err != nil {
		return err
	}
	for _, st := range PlanGrantSync(s.info, want, have, to) {
		if err := s.exec(ctx, "sync grants of "+to.String()+" with "+from.String()+": "+st.SQL, st.SQL, st.Args); err != nil {
			return err
		}
	}
	if have, err = s.Grants(ctx, to); err != nil {
		return err
	}
	if d := Diff(want, have); len(d) > 0 {
		return s.fail("sync grants of "+to.String()+" with "+from.String(),
			fmt.Errorf("still different after the sync: %s", strings.Join(d, "; ")))
	}
	return nil
}
