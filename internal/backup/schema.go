package backup

import (
	"context"
	"database/sql"
	"fmt"
	"regexp"
	"strings"

	"github.com/dbwarden/dbwarden/internal/mysqladmin"
)

// schema writes the schema objects of one database and returns the data
// tasks of its tables.
func (d *dumper) schema(ctx context.Context, db string) ([]task, error) {
	c := d.workers[0]
	var name, create string
	if err := c.QueryRowContext(ctx, "SHOW CREATE DATABASE "+quoteIdent(db)).Scan(&name, &create); err != nil {
		return nil, d.fail("SHOW CREATE DATABASE "+db, err)
	}
	tables, views, err := d.tables(ctx, db)
	if err != nil {
		return nil, err
	}
	var tasks []task
	creates := []string{"SET NAMES utf8mb4", create}
	for _, t := range tables {
		var tn, ct string
		if err := c.QueryRowContext(ctx, "SHOW CREATE TABLE "+quoteIdent(db)+"."+quoteIdent(t)).Scan(&tn, &ct); err != nil {
			return nil, d.fail("SHOW CREATE TABLE "+db+"."+t, err)
		}
		creates = append(creates, ct)
		d.mu.Lock()
		d.definitions = append(d.definitions, definition{db, t, ct})
		d.mu.Unlock()
		tt, err := d.plan(ctx, db, t)
		if err != nil {
			return nil, err
		}
		tasks = append(tasks, tt...)
	}
	if err := d.statements(ctx, Object{Name: objectName(KindSchema, db), Kind: KindSchema, Database: db}, creates); err != nil {
		return nil, err
	}

	var vs []string
	for _, v := range views {
		var vn, cv, cs, coll string
		if err := c.QueryRowContext(ctx, "SHOW CREATE VIEW "+quoteIdent(db)+"."+quoteIdent(v)).Scan(&vn, &cv, &cs, &coll); err != nil {
			return nil, d.fail("SHOW CREATE VIEW "+db+"."+v+" (the dump user needs SHOW VIEW)", err)
		}
		vs = append(vs, "SET character_set_client = "+cs, "SET collation_connection = "+coll, d.definer(cv))
	}
	if err := d.statements(ctx, Object{Name: objectName(KindViews, db), Kind: KindViews, Database: db}, vs); err != nil {
		return nil, err
	}

	routines, err := d.routines(ctx, db)
	if err != nil {
		return nil, err
	}
	if err := d.statements(ctx, Object{Name: objectName(KindRoutines, db), Kind: KindRoutines, Database: db}, routines); err != nil {
		return nil, err
	}
	triggers, err := d.showCreateAll(ctx, db, "TRIGGER", "SHOW TRIGGERS FROM "+quoteIdent(db), 0)
	if err != nil {
		return nil, err
	}
	if err := d.statements(ctx, Object{Name: objectName(KindTriggers, db), Kind: KindTriggers, Database: db}, triggers); err != nil {
		return nil, err
	}
	events, err := d.showCreateAll(ctx, db, "EVENT", "SHOW EVENTS FROM "+quoteIdent(db), 1)
	if err != nil {
		return nil, err
	}
	if err := d.statements(ctx, Object{Name: objectName(KindEvents, db), Kind: KindEvents, Database: db}, events); err != nil {
		return nil, err
	}
	return tasks, nil
}

// statements writes one object holding stmts.
func (d *dumper) statements(ctx context.Context, obj Object, stmts []string) error {
	return d.object(ctx, obj, func(sw *statementWriter, _ *Object) (int64, error) {
		for _, s := range stmts {
			if err := sw.write([]byte(s)); err != nil {
				return 0, err
			}
		}
		return 0, nil
	})
}

func objectName(kind, db string) string {
	return kind + "/" + safeName(db) + ".sql"
}

// safeName makes a database or table name into one path segment: letters,
// digits, '_' and '-' as they are, every other byte as %XX.
func safeName(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '_' || c == '-' {
			b.WriteByte(c)
		} else {
			fmt.Fprintf(&b, "%%%02X", c)
		}
	}
	return b.String()
}

// tables lists a database's base tables and views that the filters keep.
func (d *dumper) tables(ctx context.Context, db string) (tables, views []string, err error) {
	rows, err := d.workers[0].QueryContext(ctx, "SHOW FULL TABLES FROM "+quoteIdent(db))
	if err != nil {
		return nil, nil, d.fail("list the tables of "+db, err)
	}
	defer rows.Close()
	for rows.Next() {
		var name, kind string
		if err := rows.Scan(&name, &kind); err != nil {
			return nil, nil, d.fail("list the tables of "+db, err)
		}
		if !d.wanted(db, name) {
			continue
		}
		switch kind {
		case "VIEW":
			views = append(views, name)
		case "SEQUENCE":
			// Sequences are tables to SHOW CREATE TABLE; their one row
			// is data like any other.
			tables = append(tables, name)
		default:
			tables = append(tables, name)
		}
	}
	return tables, views, rows.Err()
}

// routines returns the CREATE statements of a database's procedures and
// functions, each after the sql_mode and character set it was made with.
func (d *dumper) routines(ctx context.Context, db string) ([]string, error) {
	rows, err := d.workers[0].QueryContext(ctx, "SELECT ROUTINE_NAME, ROUTINE_TYPE FROM information_schema.ROUTINES WHERE ROUTINE_SCHEMA = ? ORDER BY ROUTINE_TYPE, ROUTINE_NAME", db)
	if err != nil {
		return nil, d.fail("list the routines of "+db, err)
	}
	type routine struct{ name, kind string }
	var list []routine
	for rows.Next() {
		var r routine
		if err := rows.Scan(&r.name, &r.kind); err != nil {
			rows.Close()
			return nil, d.fail("list the routines of "+db, err)
		}
		if r.kind == "PROCEDURE" || r.kind == "FUNCTION" {
			list = append(list, r)
		}
	}
	rows.Close()
	// information_schema lists only the routines the user may run: on
	// MariaDB, mysql.proc says how many there are, and a dump that would
	// miss some fails instead.
	if d.srv.Info().Flavor == mysqladmin.MariaDB {
		var all int
		if err := d.workers[0].QueryRowContext(ctx, "SELECT COUNT(*) FROM mysql.proc WHERE db = ? AND type IN ('PROCEDURE', 'FUNCTION')", db).Scan(&all); err != nil {
			return nil, d.fail("count the procedures and functions of "+db+" (the dump user needs SELECT on mysql.proc, so that no routine is skipped)", err)
		}
		if all != len(list) {
			return nil, d.fail("list the routines of "+db, fmt.Errorf("the dump user sees %d of the %d procedures and functions; a dump never skips an object", len(list), all))
		}
	}
	var out []string
	for _, r := range list {
		q := "SHOW CREATE " + r.kind + " " + quoteIdent(db) + "." + quoteIdent(r.name)
		vals, err := d.showRow(ctx, q)
		if err != nil {
			return nil, err
		}
		// Name, sql_mode, Create ..., character_set_client, collation_connection, Database Collation
		if len(vals) < 5 || vals[2] == nil {
			return nil, d.fail(q, fmt.Errorf("the dump user may not read the body of %s %s.%s: it needs SELECT on mysql.proc (or SHOW CREATE ROUTINE); a dump never skips an object", strings.ToLower(r.kind), db, r.name))
		}
		out = append(out, "SET SESSION sql_mode = '"+string(vals[1])+"'", "SET character_set_client = "+string(vals[3]),
			"SET collation_connection = "+string(vals[4]), d.definer(string(vals[2])))
	}
	return out, nil
}

// showCreateAll runs SHOW CREATE kind for every object a listing names
// (its name in column nameCol), with the sql_mode each was made with.
func (d *dumper) showCreateAll(ctx context.Context, db, kind, list string, nameCol int) ([]string, error) {
	rows, err := d.workers[0].QueryContext(ctx, list)
	if err != nil {
		return nil, d.fail(list+" (the dump user needs the "+kind+" privilege)", err)
	}
	var names []string
	cols, _ := rows.Columns()
	for rows.Next() {
		vals := make([]sql.RawBytes, len(cols))
		ptrs := make([]any, len(cols))
		for i := range vals {
			ptrs[i] = &vals[i]
		}
		if err := rows.Scan(ptrs...); err != nil {
			rows.Close()
			return nil, d.fail(list, err)
		}
		names = append(names, string(vals[nameCol]))
	}
	rows.Close()
	var out []string
	for _, n := range names {
		q := "SHOW CREATE " + kind + " " + quoteIdent(db) + "." + quoteIdent(n)
		vals, err := d.showRow(ctx, q)
		if err != nil {
			return nil, err
		}
		// TRIGGER: Trigger, sql_mode, SQL Original Statement, cs_client, coll_conn, ...
		// EVENT:   Event, sql_mode, time_zone, Create Event, cs_client, coll_conn, ...
		create, cs, coll := 2, 3, 4
		if kind == "EVENT" {
			create, cs, coll = 3, 4, 5
		}
		if len(vals) <= coll || vals[create] == nil {
			return nil, d.fail(q, fmt.Errorf("no definition returned for %s %s.%s", strings.ToLower(kind), db, n))
		}
		out = append(out, "SET SESSION sql_mode = '"+string(vals[1])+"'", "SET character_set_client = "+string(vals[cs]),
			"SET collation_connection = "+string(vals[coll]), d.definer(string(vals[create])))
	}
	return out, nil
}

// showRow runs a SHOW that answers one row and returns its columns (nil
// for NULL).
func (d *dumper) showRow(ctx context.Context, q string) ([][]byte, error) {
	rows, err := d.workers[0].QueryContext(ctx, q)
	if err != nil {
		return nil, d.fail(q, err)
	}
	defer rows.Close()
	cols, _ := rows.Columns()
	if !rows.Next() {
		return nil, d.fail(q, fmt.Errorf("no row: %v", rows.Err()))
	}
	vals := make([]sql.RawBytes, len(cols))
	ptrs := make([]any, len(cols))
	for i := range vals {
		ptrs[i] = &vals[i]
	}
	if err := rows.Scan(ptrs...); err != nil {
		return nil, d.fail(q, err)
	}
	out := make([][]byte, len(vals))
	for i, v := range vals {
		if v != nil {
			out[i] = append([]byte{}, v...)
		}
	}
	return out, nil
}

var definerRe = regexp.MustCompile("DEFINER=(`(?:[^`]|``)*`|'(?:[^']|'')*'|[^ @]+)@(`(?:[^`]|``)*`|'(?:[^']|'')*'|[^ ]+) ")

// definer applies Options.Definer to a CREATE statement.
func (d *dumper) definer(stmt string) string {
	switch d.opts.Definer {
	case "keep":
		return stmt
	case "strip":
		return definerRe.ReplaceAllLiteralString(stmt, "")
	default:
		return definerRe.ReplaceAllLiteralString(stmt, "DEFINER="+d.opts.Definer+" ")
	}
}

// users writes the server's accounts and roles with their grants.
func (d *dumper) users(ctx context.Context) error {
	q := "SELECT User, Host FROM mysql.user ORDER BY User, Host"
	maria := d.srv.Info().Flavor == mysqladmin.MariaDB
	if maria {
		q = "SELECT User, Host, is_role FROM mysql.user ORDER BY is_role DESC, User, Host"
	}
	rows, err := d.workers[0].QueryContext(ctx, q)
	if err != nil {
		return d.fail("list users (the dump user needs SELECT on mysql.user)", err)
	}
	type account struct {
		user, host string
		role       bool
	}
	var accts []account
	for rows.Next() {
		var a account
		var isRole string
		dest := []any{&a.user, &a.host}
		if maria {
			dest = append(dest, &isRole)
		}
		if err := rows.Scan(dest...); err != nil {
			rows.Close()
			return d.fail("list users", err)
		}
		a.role = isRole == "Y"
		if systemAccount(a.user, a.host) {
			continue
		}
		accts = append(accts, a)
	}
	rows.Close()
	var stmts []string
	for _, a := range accts {
		acct := "'" + strings.ReplaceAll(a.user, "'", "''") + "'@'" + strings.ReplaceAll(a.host, "'", "''") + "'"
		if a.role {
			stmts = append(stmts, "CREATE ROLE IF NOT EXISTS "+quoteIdent(a.user))
			acct = quoteIdent(a.user)
		} else {
			vals, err := d.showRow(ctx, "SHOW CREATE USER "+acct)
			if err != nil {
				return err
			}
			stmts = append(stmts, "DROP USER IF EXISTS "+acct, string(vals[0]))
		}
		grows, err := d.workers[0].QueryContext(ctx, "SHOW GRANTS FOR "+acct)
		if err != nil {
			return d.fail("SHOW GRANTS FOR "+acct, err)
		}
		for grows.Next() {
			var g string
			if err := grows.Scan(&g); err != nil {
				grows.Close()
				return d.fail("SHOW GRANTS FOR "+acct, err)
			}
			stmts = append(stmts, g)
		}
		grows.Close()
	}
	return d.statements(ctx, Object{Name: "users.sql", Kind: KindUsers}, stmts)
}

// systemAccount: accounts the server makes itself, and root.
func systemAccount(user, host string) bool {
	switch {
	case user == "mariadb.sys", strings.HasPrefix(user, "mysql."), user == "root", user == "":
		return true
	case user == "PUBLIC":
		return true
	}
	return false
}

var autoIncRe = regexp.MustCompile(` AUTO_INCREMENT=[0-9]+`)

// definition is a table's CREATE TABLE as the dump recorded it.
type definition struct{ db, table, create string }

// checkDefinitions fails the dump when a table's definition changed while
// it ran: its rows may not match the CREATE TABLE the backup holds. (A
// change that rebuilds the table already fails its read; an instant one,
// such as ADD COLUMN, would not.)
func (d *dumper) checkDefinitions(ctx context.Context) error {
	for _, def := range d.definitions {
		var name, create string
		q := "SHOW CREATE TABLE " + quoteIdent(def.db) + "." + quoteIdent(def.table)
		if err := d.control.QueryRowContext(ctx, q).Scan(&name, &create); err != nil {
			return d.fail(q+" (the table was dropped or renamed during the dump)", err)
		}
		// Inserts move the AUTO_INCREMENT counter; that is not a change.
		if autoIncRe.ReplaceAllString(create, "") != autoIncRe.ReplaceAllString(def.create, "") {
			return d.fail("check table definitions", fmt.Errorf("table %s.%s was altered during the dump: its rows may not match its recorded definition; run the backup again", def.db, def.table))
		}
	}
	return nil
}
