package bootstrap

import (
	"fmt"
	"slices"
	"strings"

	"github.com/dbwarden/dbwarden/internal/mysqladmin"
)

// Role is a set of privileges on the one database Init sets up. Every role
// is granted on `db`.* only: no global privilege, no GRANT OPTION.
type Role string

// The roles Init knows.
const (
	// ReadWrite reads and writes rows and runs routines, but changes no
	// table definition.
	ReadWrite Role = "readwrite"
	// ReadOnly reads rows and view definitions.
	ReadOnly Role = "readonly"
	// DDL holds every database-level privilege: it creates, alters and
	// drops tables, views, routines, triggers and events. It cannot grant.
	DDL Role = "ddl"
)

// Roles lists the roles in the order help texts show them.
var Roles = []Role{ReadWrite, ReadOnly, DDL}

var rolePrivileges = map[Role][]string{
	ReadWrite: {"SELECT", "INSERT", "UPDATE", "DELETE", "EXECUTE", "CREATE TEMPORARY TABLES", "LOCK TABLES"},
	ReadOnly:  {"SELECT", "SHOW VIEW"},
	DDL:       {"ALL PRIVILEGES"},
}

// Privileges returns the privileges the role holds on its database, as
// GRANT spells them; nil for an unknown role.
func (r Role) Privileges() []string { return slices.Clone(rolePrivileges[r]) }

// Valid reports whether r is one of Roles.
func (r Role) Valid() bool { return rolePrivileges[r] != nil }

// roleNames lists the roles for an error message.
func roleNames() string {
	names := make([]string, len(Roles))
	for i, r := range Roles {
		names[i] = string(r)
	}
	return strings.Join(names, ", ")
}

// User is one database user Init sets up, and its role.
type User struct {
	Name string
	Role Role
}

// ParseUser reads NAME=ROLE, as the --user flag takes it. The role is
// case-insensitive.
func ParseUser(s string) (User, error) {
	name, role, ok := strings.Cut(s, "=")
	if !ok {
		return User{}, &OptionError{Field: fmt.Sprintf("user %q", s), Problem: "want NAME=ROLE, such as app=readwrite; roles: " + roleNames()}
	}
	u := User{Name: strings.TrimSpace(name), Role: Role(strings.ToLower(strings.TrimSpace(role)))}
	if err := u.validate(); err != nil {
		return User{}, err
	}
	return u, nil
}

// reservedUsers are accounts Init never manages: the server's own and the
// administrators' of managed services. Changing their grants would break
// the server.
var reservedUsers = []string{"root", "mariadb.sys", "mysql.sys", "mysql.session", "mysql.infoschema", "rdsadmin", "PUBLIC"}

// maxNameField bounds names before the server is asked, so that error
// messages stay readable; the server's own limit is checked later.
const maxNameField = 256

func (u User) validate() error {
	field := fmt.Sprintf("user %q", u.Name)
	if len(u.Name) > maxNameField {
		field = fmt.Sprintf("user %q...", u.Name[:32])
	}
	switch {
	case u.Name == "":
		return &OptionError{Field: "user", Problem: "the user name is empty; want NAME=ROLE"}
	case len(u.Name) > maxNameField:
		return &OptionError{Field: field, Problem: fmt.Sprintf("the name has %d bytes; no server allows more than %d characters", len(u.Name), mysqladmin.MaxUserNameLength)}
	case !validName(u.Name, "_.-"):
		return &OptionError{Field: field, Problem: "a user name may hold only letters, digits and _ . - (it is also part of the secret's name)"}
	case slices.ContainsFunc(reservedUsers, func(r string) bool { return strings.EqualFold(r, u.Name) }):
		return &OptionError{Field: field, Problem: "is a system or administrator account, which db init does not manage"}
	case u.Role == "":
		return &OptionError{Field: field, Problem: "has no role; want NAME=ROLE with ROLE one of " + roleNames()}
	case !u.Role.Valid():
		return &OptionError{Field: field, Problem: fmt.Sprintf("unknown role %q; the roles are %s", u.Role, roleNames())}
	}
	return nil
}

// validName reports whether s holds only ASCII letters, digits and the
// bytes of extra.
func validName(s, extra string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z', '0' <= c && c <= '9':
		case strings.IndexByte(extra, c) >= 0:
		default:
			return false
		}
	}
	return true
}

// systemDatabases hold the server's own tables.
var systemDatabases = []string{"mysql", "information_schema", "performance_schema", "sys"}

// maxDatabaseName is MySQL's and MariaDB's limit on identifiers.
const maxDatabaseName = 64

func validateDatabase(name string) error {
	field := fmt.Sprintf("database %q", name)
	switch {
	case name == "":
		return &OptionError{Field: "database", Problem: "is missing"}
	case len(name) > maxDatabaseName:
		return &OptionError{Field: fmt.Sprintf("database %q...", name[:32]), Problem: fmt.Sprintf("the name has %d characters, more than the %d the server allows", len(name), maxDatabaseName)}
	case !validName(name, "_-"):
		return &OptionError{Field: field, Problem: "a database name may hold only letters, digits, _ and -"}
	case slices.ContainsFunc(systemDatabases, func(s string) bool { return strings.EqualFold(s, name) }):
		return &OptionError{Field: field, Problem: "is a system database"}
	}
	return nil
}

// maxHost is the longest account host MariaDB and MySQL 8.0.17+ store.
const maxHost = 255

func validateHost(host string) error {
	switch {
	case host == "":
		return &OptionError{Field: "host", Problem: "is empty; use % for any host"}
	case len(host) > maxHost:
		return &OptionError{Field: "host", Problem: fmt.Sprintf("has %d characters, more than %d", len(host), maxHost)}
	case !validName(host, ".-_%:/"):
		return &OptionError{Field: fmt.Sprintf("host %q", host), Problem: "an account host may hold only letters, digits and . - _ % : / (a name, an address, a pattern or address/netmask)"}
	}
	return nil
}

// grantPattern returns the database name as GRANT ... ON `db`.* takes it:
// _ and % are wildcards there, so a literal one is escaped with a
// backslash; otherwise a grant on `my_db` would also cover `myXdb`.
// SHOW GRANTS prints the escaped form back.
func grantPattern(db string) string {
	r := strings.NewReplacer(`\`, `\\`, `_`, `\_`, `%`, `\%`)
	return r.Replace(db)
}

// wantGrants is what the account of a user with role on db holds: the
// role's privileges on the database and nothing else. REQUIRE and
// resource limits are the account's own settings, not privileges, and are
// kept as they are.
func wantGrants(role Role, db string, have mysqladmin.Grants) mysqladmin.Grants {
	privs := make([]mysqladmin.Privilege, 0, len(rolePrivileges[role]))
	for _, p := range rolePrivileges[role] {
		privs = append(privs, mysqladmin.Privilege{Name: p})
	}
	slices.SortFunc(privs, func(a, b mysqladmin.Privilege) int { return strings.Compare(a.Name, b.Name) })
	return mysqladmin.Grants{
		Objects: []mysqladmin.ObjectGrant{{Object: mysqladmin.Object{DB: grantPattern(db)}, Privileges: privs}},
		TLS:     have.TLS,
		Limits:  have.Limits,
	}
}
