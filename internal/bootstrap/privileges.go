package bootstrap

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/dbwarden/dbwarden/internal/mysqladmin"
)

// databasePrivileges are the privileges ALL PRIVILEGES stands for on one
// database, in MySQL 8 and MariaDB 10.x. An administrator that lists them
// one by one (as RDS's master user does) holds ALL PRIVILEGES there.
var databasePrivileges = []string{
	"SELECT", "INSERT", "UPDATE", "DELETE", "CREATE", "DROP", "REFERENCES", "INDEX", "ALTER",
	"CREATE TEMPORARY TABLES", "LOCK TABLES", "EXECUTE", "CREATE VIEW", "SHOW VIEW",
	"CREATE ROUTINE", "ALTER ROUTINE", "EVENT", "TRIGGER",
}

// effective is what an account may do on one database, from its grants:
// the union of its global privileges and those of every database pattern
// that matches.
type effective struct {
	global, onDB   map[string]bool
	grantOption    bool // GRANT OPTION on *.* or on a matching pattern
	readsMySQL     bool // SELECT on *.* or on `mysql`.*
	allOnDB, allGl bool // ALL PRIVILEGES
}

func effectiveOn(g mysqladmin.Grants, db string) effective {
	e := effective{global: map[string]bool{}, onDB: map[string]bool{}}
	for _, og := range g.Objects {
		o := og.Object
		if o.Kind != "" || o.Table != "" {
			continue
		}
		names := map[string]bool{}
		for _, p := range og.Privileges {
			if p.Column == "" {
				names[p.Name] = true
			}
		}
		all := names["ALL PRIVILEGES"] || names["ALL"]
		switch {
		case o.DB == "":
			e.allGl = e.allGl || all
			e.readsMySQL = e.readsMySQL || all || names["SELECT"]
			for n := range names {
				e.global[n] = true
			}
		case o.DB == "mysql":
			e.readsMySQL = e.readsMySQL || all || names["SELECT"]
		}
		if o.DB == "" || matchPattern(o.DB, db) {
			e.allOnDB = e.allOnDB || all
			for n := range names {
				e.onDB[n] = true
			}
			e.grantOption = e.grantOption || og.GrantOption
		}
	}
	return e
}

// has reports whether privilege p is held on the database.
func (e effective) has(p string) bool {
	if e.allOnDB || e.onDB[p] {
		return true
	}
	if p == "ALL PRIVILEGES" {
		for _, q := range databasePrivileges {
			if !e.onDB[q] {
				return false
			}
		}
		return true
	}
	return false
}

// missing lists what an administrator lacks to set up db with the given
// roles, each as "PRIVILEGE on OBJECT (why)"; none when it has it all.
func (e effective) missing(db string, createDB bool, roles []Role) []string {
	var out []string
	if !e.allGl && !e.global["CREATE USER"] {
		out = append(out, "CREATE USER on *.* (to create accounts and set passwords)")
	}
	if !e.readsMySQL {
		out = append(out, "SELECT on `mysql`.* (to read accounts and their grants)")
	}
	obj := mysqladmin.Object{DB: grantPattern(db)}.SQL()
	if createDB && !e.has("CREATE") {
		out = append(out, "CREATE on "+obj+" (to create the database)")
	}
	var grantable []string
	for _, r := range roles {
		for _, p := range rolePrivileges[r] {
			if !e.has(p) && !slices.Contains(grantable, p) {
				grantable = append(grantable, p)
			}
		}
	}
	for _, p := range grantable {
		out = append(out, p+" on "+obj+" (to grant it)")
	}
	if len(roles) > 0 && !e.grantOption {
		out = append(out, "GRANT OPTION on "+obj+" (to grant the roles' privileges)")
	}
	return out
}

// matchPattern reports whether name matches a database pattern of the
// grant tables: % is any run of characters, _ any one character, and a
// backslash makes the next character literal.
func matchPattern(pattern, name string) bool {
	if pattern == "" {
		return name == ""
	}
	switch c := pattern[0]; c {
	case '%':
		for i := 0; i <= len(name); i++ {
			if matchPattern(pattern[1:], name[i:]) {
				return true
			}
		}
		return false
	case '_':
		return name != "" && matchPattern(pattern[1:], name[1:])
	case '\\':
		if len(pattern) > 1 {
			pattern = pattern[1:]
		}
	}
	return name != "" && name[0] == pattern[0] && matchPattern(pattern[1:], name[1:])
}

// ownGrants reads the grants of the logged-in account, with those of its
// roles: SHOW GRANTS on MariaDB lists the grants of the active role too;
// MySQL needs them named with USING.
func ownGrants(ctx context.Context, s *mysqladmin.Server) (mysqladmin.Grants, error) {
	g, err := showGrants(ctx, s, "SHOW GRANTS")
	if err != nil || s.Info().Flavor == mysqladmin.MariaDB || len(g.Roles) == 0 {
		return g, err
	}
	var parts []string
	var args []any
	for _, r := range g.Roles {
		parts = append(parts, "?@?")
		args = append(args, r.Role.Name, r.Role.Host)
	}
	return showGrants(ctx, s, "SHOW GRANTS FOR CURRENT_USER() USING "+strings.Join(parts, ", "), args...)
}

func showGrants(ctx context.Context, s *mysqladmin.Server, query string, args ...any) (mysqladmin.Grants, error) {
	rows, err := s.DB().QueryContext(ctx, query, args...)
	if err != nil {
		return mysqladmin.Grants{}, fmt.Errorf("show the grants of %q: %w", s.User(), err)
	}
	defer rows.Close()
	var lines []string
	for rows.Next() {
		var line string
		if err := rows.Scan(&line); err != nil {
			return mysqladmin.Grants{}, fmt.Errorf("show the grants of %q: %w", s.User(), err)
		}
		lines = append(lines, line)
	}
	if err := rows.Err(); err != nil {
		return mysqladmin.Grants{}, fmt.Errorf("show the grants of %q: %w", s.User(), err)
	}
	g, err := mysqladmin.ParseGrants(lines, "")
	if err != nil {
		return mysqladmin.Grants{}, fmt.Errorf("show the grants of %q: %w", s.User(), err)
	}
	return g, nil
}

// globalPrivileges lists the privileges g holds on *.* (USAGE is no
// privilege and never listed).
func globalPrivileges(g mysqladmin.Grants) []string {
	var out []string
	for _, og := range g.Objects {
		if og.Object.DB != "" || og.Object.Kind != "" {
			continue
		}
		for _, p := range og.Privileges {
			out = append(out, p.String())
		}
		if og.GrantOption {
			out = append(out, "GRANT OPTION")
		}
	}
	return out
}
