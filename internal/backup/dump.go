// Package backup takes consistent logical backups of MySQL and MariaDB
// servers and restores them. A backup is a set of objects, each a sequence
// of SQL statements: the schema of each database, its data in chunks, its
// views, routines, triggers and events, and the server's users and grants.
// Where the objects go (compressed, encrypted, to a directory or S3) is
// the Sink's business.
package backup

import (
	"context"
	"database/sql"
	"fmt"
	"io"
	"path"
	"strings"
	"sync"
	"time"

	"github.com/dbwarden/dbwarden/internal/mysqladmin"
)

// Object kinds.
const (
	KindSchema   = "schema"   // CREATE DATABASE and CREATE TABLE statements of one database
	KindData     = "data"     // INSERT statements of one chunk of one table
	KindViews    = "views"    // CREATE VIEW statements of one database
	KindRoutines = "routines" // procedures and functions of one database
	KindTriggers = "triggers"
	KindEvents   = "events"
	KindUsers    = "users" // CREATE USER and GRANT statements of the server
)

// Object is one object of a backup.
type Object struct {
	Name     string `json:"name"`
	Kind     string `json:"kind"`
	Database string `json:"database,omitempty"`
	Table    string `json:"table,omitempty"`
	Chunk    int    `json:"chunk,omitempty"`
	Rows     int64  `json:"rows,omitempty"`
	// RowSum is the checksum of a data object's rows (see rowSum).
	RowSum string `json:"row_sum,omitempty"`
}

// aborter is a writer that can give up its object, storing nothing.
type aborter interface{ Abort(cause error) }

// Sink receives the objects of a backup as they are made. The dumper
// closes each writer once its object is complete; an object whose writer
// was not closed is not part of the backup. Create is called from several
// goroutines at once.
type Sink interface {
	Create(ctx context.Context, obj Object) (io.WriteCloser, error)
}

// Consistency is the point in time a backup shows.
type Consistency struct {
	Method     string `json:"method"` // "backup-stage", "lock-free", "flush-tables", "none"
	BinlogFile string `json:"binlog_file,omitempty"`
	BinlogPos  uint64 `json:"binlog_position,omitempty"`
	GTID       string `json:"gtid,omitempty"`
}

// Result describes a finished dump.
type Result struct {
	Server      mysqladmin.ServerInfo
	Consistency Consistency
	Objects     []Object
	Started     time.Time
	Finished    time.Time
}

// Options tune a dump.
type Options struct {
	// Workers is how many connections read data at once; 4 when zero.
	Workers int
	// ChunkRows is the rows a primary-key range holds; 100,000 when zero.
	ChunkRows int64
	// ChunkBytes is where a table streamed without ranges is cut into
	// another object; 64 MiB when zero.
	ChunkBytes int64
	// Include and Exclude filter databases, or tables as "db.table", with
	// path.Match patterns. System databases are never dumped.
	Include, Exclude []string
	// Lock chooses the consistency method: "auto" (lock-free where the
	// binary log allows, else BACKUP STAGE BLOCK_COMMIT or FLUSH TABLES
	// WITH READ LOCK), "lock" (never lock-free) or "none" (each worker's
	// own transaction, no lock at all).
	Lock string
	// LockWait bounds how long the dump waits for the lock; 10 s when
	// zero. A long query holding it makes the dump fail rather than stall
	// the server's writes.
	LockWait time.Duration
	// Definer is what happens to DEFINER clauses: "keep" (default),
	// "strip", or an account 'user'@'host' to put instead.
	Definer string
	// SkipUsers leaves users and grants out.
	SkipUsers bool
	// Progress, when set, hears about each object as it completes.
	Progress func(obj Object)
}

func (o *Options) defaults() {
	if o.Workers <= 0 {
		o.Workers = 4
	}
	if o.ChunkRows <= 0 {
		o.ChunkRows = 100_000
	}
	if o.ChunkBytes <= 0 {
		o.ChunkBytes = 64 << 20
	}
	if o.Lock == "" {
		o.Lock = "auto"
	}
	if o.LockWait <= 0 {
		o.LockWait = 10 * time.Second
	}
	if o.Definer == "" {
		o.Definer = "keep"
	}
}

// systemDatabases are never dumped: the server makes them.
var systemDatabases = map[string]bool{"mysql": true, "information_schema": true, "performance_schema": true, "sys": true}

// maxInsert is the size an INSERT statement grows to before another one
// starts (a single row larger than this gets a statement of its own).
const maxInsert = 1 << 20

// dumper is one dump in progress.
type dumper struct {
	opts    Options
	sink    Sink
	srv     *mysqladmin.Server
	control *sql.Conn
	workers []*sql.Conn

	mu          sync.Mutex
	objects     []Object
	definitions []definition
}

// Dump backs up the server c logs in to into sink. Every object is in the
// Result; a dump that fails returns an error and must not be treated as
// a backup, whatever the sink received.
func Dump(ctx context.Context, c mysqladmin.Credentials, sink Sink, opts Options) (*Result, error) {
	opts.defaults()
	switch opts.Lock {
	case "auto", "lock", "none":
	default:
		return nil, fmt.Errorf("lock mode %q: use auto, lock or none", opts.Lock)
	}
	res := &Result{Started: time.Now().UTC()}
	srv, err := mysqladmin.Connect(ctx, c)
	if err != nil {
		return nil, err
	}
	defer srv.Close()
	res.Server = srv.Info()
	if err := checkPrivileges(ctx, srv); err != nil {
		return nil, err
	}
	srv.DB().SetMaxOpenConns(opts.Workers + 1)
	srv.DB().SetMaxIdleConns(opts.Workers + 1)
	d := &dumper{opts: opts, sink: sink, srv: srv}
	if d.control, err = d.conn(ctx); err != nil {
		return nil, err
	}
	defer d.control.Close()
	for range opts.Workers {
		w, err := d.conn(ctx)
		if err != nil {
			return nil, err
		}
		defer w.Close()
		d.workers = append(d.workers, w)
	}
	if res.Consistency, err = d.snapshot(ctx); err != nil {
		return nil, err
	}
	dbs, err := d.databases(ctx)
	if err != nil {
		return nil, err
	}
	var tasks []task
	for _, db := range dbs {
		t, err := d.schema(ctx, db)
		if err != nil {
			return nil, err
		}
		tasks = append(tasks, t...)
	}
	if err := d.data(ctx, tasks); err != nil {
		return nil, err
	}
	if err := d.checkDefinitions(ctx); err != nil {
		return nil, err
	}
	if !opts.SkipUsers {
		if err := d.users(ctx); err != nil {
			return nil, err
		}
	}
	for _, w := range d.workers {
		w.ExecContext(ctx, "COMMIT")
	}
	res.Objects = d.objects
	res.Finished = time.Now().UTC()
	return res, nil
}

// dumpPrivileges are what a dump needs on every database to see every
// object: a user without them would get a dump that silently lacks what it
// cannot see.
var dumpPrivileges = []string{"SELECT", "SHOW VIEW", "TRIGGER", "EVENT"}

// checkPrivileges fails, naming what is missing, when the dump user lacks
// a global privilege the dump needs. Privileges held through roles are not
// counted.
func checkPrivileges(ctx context.Context, srv *mysqladmin.Server) error {
	acct, err := srv.CurrentAccount(ctx)
	if err != nil {
		return err
	}
	g, err := srv.Grants(ctx, acct)
	if err != nil {
		return err
	}
	held := map[string]bool{}
	for _, og := range g.Objects {
		if og.Object.DB == "" && og.Object.Kind == "" {
			for _, p := range og.Privileges {
				if p.Column == "" {
					held[p.Name] = true
				}
			}
		}
	}
	if held["ALL PRIVILEGES"] {
		return nil
	}
	var missing []string
	for _, p := range dumpPrivileges {
		if !held[p] {
			missing = append(missing, p)
		}
	}
	if len(missing) > 0 {
		return fmt.Errorf("dump %s: user %s lacks the global %s privilege(s) a dump needs to see every object; a dump never skips what it cannot see (GRANT %s ON *.* TO %s)",
			srv.Addr(), acct, strings.Join(missing, ", "), strings.Join(missing, ", "), acct)
	}
	return nil
}

// conn opens a connection with the session the dump reads in: bytes as
// stored (no character set conversion), times in UTC.
func (d *dumper) conn(ctx context.Context) (*sql.Conn, error) {
	c, err := d.srv.DB().Conn(ctx)
	if err != nil {
		return nil, d.fail("open a connection", err)
	}
	for _, q := range []string{"SET NAMES binary", "SET SESSION time_zone = '+00:00'", "SET SESSION sql_mode = ''",
		"SET SESSION TRANSACTION ISOLATION LEVEL REPEATABLE READ"} {
		if _, err := c.ExecContext(ctx, q); err != nil {
			c.Close()
			return nil, d.fail(q, err)
		}
	}
	return c, nil
}

func (d *dumper) fail(op string, err error) error {
	return fmt.Errorf("dump %s: %s: %w", d.srv.Addr(), op, err)
}

// snapshot opens every worker's transaction at one point in time.
func (d *dumper) snapshot(ctx context.Context) (Consistency, error) {
	maria := d.srv.Info().Flavor == mysqladmin.MariaDB
	var logBin int
	d.control.QueryRowContext(ctx, "SELECT @@log_bin").Scan(&logBin)
	switch {
	case d.opts.Lock == "none":
		if err := d.startAll(ctx); err != nil {
			return Consistency{}, err
		}
		return Consistency{Method: "none"}, nil
	case d.opts.Lock == "auto" && maria && logBin == 1:
		// Every worker's snapshot sits at one binary log position: the
		// snapshots are of one point in time, and no lock was taken.
		for range 10 {
			if err := d.startAll(ctx); err != nil {
				return Consistency{}, err
			}
			c, same, err := d.snapshotPositions(ctx)
			if err != nil {
				return Consistency{}, err
			}
			if same {
				c.Method = "lock-free"
				return c, nil
			}
			for _, w := range d.workers {
				w.ExecContext(ctx, "ROLLBACK")
			}
		}
	}
	// Hold commits back while the snapshots open; bounded, so that a long
	// query holding the lock fails the dump instead of stalling writes.
	if _, err := d.control.ExecContext(ctx, "SET SESSION lock_wait_timeout = ?", int(d.opts.LockWait.Seconds()+0.5)); err != nil {
		return Consistency{}, d.fail("set lock_wait_timeout", err)
	}
	c := Consistency{Method: "flush-tables"}
	lock, unlock := []string{"FLUSH TABLES WITH READ LOCK"}, []string{"UNLOCK TABLES"}
	if maria && d.srv.Info().Version.AtLeast(10, 4, 1) {
		c.Method = "backup-stage"
		lock, unlock = []string{"BACKUP STAGE START", "BACKUP STAGE BLOCK_COMMIT"}, []string{"BACKUP STAGE END"}
	}
	for _, q := range lock {
		if _, err := d.control.ExecContext(ctx, q); err != nil {
			d.release(unlock)
			return Consistency{}, d.fail(q+" (waited at most "+d.opts.LockWait.String()+")", err)
		}
	}
	err := d.startAll(ctx)
	if err == nil && logBin == 1 {
		err = d.position(ctx, &c)
	}
	d.release(unlock)
	return c, err
}

func (d *dumper) release(unlock []string) {
	for _, q := range unlock {
		d.control.ExecContext(context.Background(), q)
	}
}

func (d *dumper) startAll(ctx context.Context) error {
	for _, w := range d.workers {
		if _, err := w.ExecContext(ctx, "START TRANSACTION WITH CONSISTENT SNAPSHOT"); err != nil {
			return d.fail("start a consistent snapshot", err)
		}
	}
	return nil
}

// position records the binary log position and GTID set under the lock;
// it is called only when the binary log is on.
func (d *dumper) position(ctx context.Context, c *Consistency) error {
	rows, err := d.control.QueryContext(ctx, "SHOW MASTER STATUS")
	if err != nil {
		return d.fail("SHOW MASTER STATUS (the dump user needs BINLOG MONITOR or REPLICATION CLIENT to record the binary log position)", err)
	}
	cols, _ := rows.Columns()
	for rows.Next() {
		vals := make([]sql.RawBytes, len(cols))
		ptrs := make([]any, len(cols))
		for i := range vals {
			ptrs[i] = &vals[i]
		}
		if err := rows.Scan(ptrs...); err == nil && len(vals) >= 2 {
			c.BinlogFile = string(vals[0])
			fmt.Sscan(string(vals[1]), &c.BinlogPos)
		}
	}
	rows.Close()
	q := "SELECT @@GLOBAL.gtid_executed"
	if d.srv.Info().Flavor == mysqladmin.MariaDB {
		q = "SELECT @@GLOBAL.gtid_binlog_pos"
	}
	var gtid sql.NullString
	if err := d.control.QueryRowContext(ctx, q).Scan(&gtid); err == nil {
		c.GTID = gtid.String
	}
	return nil
}

// snapshotPositions reads each worker's binlog_snapshot_file and position
// (MariaDB): all equal means all snapshots are of one point in time.
func (d *dumper) snapshotPositions(ctx context.Context) (Consistency, bool, error) {
	var first Consistency
	for i, w := range d.workers {
		var c Consistency
		rows, err := w.QueryContext(ctx, "SHOW STATUS LIKE 'binlog_snapshot_%'")
		if err != nil {
			return c, false, d.fail("read the snapshot's binary log position", err)
		}
		for rows.Next() {
			var name, value string
			if rows.Scan(&name, &value) == nil {
				switch name {
				case "Binlog_snapshot_file":
					c.BinlogFile = value
				case "Binlog_snapshot_position":
					fmt.Sscan(value, &c.BinlogPos)
				}
			}
		}
		rows.Close()
		if i == 0 {
			first = c
		} else if c != first {
			return first, false, nil
		}
	}
	var gtid sql.NullString
	d.workers[0].QueryRowContext(ctx, "SELECT @@GLOBAL.gtid_binlog_pos").Scan(&gtid)
	first.GTID = gtid.String
	return first, true, nil
}

// databases lists the databases to dump.
func (d *dumper) databases(ctx context.Context) ([]string, error) {
	rows, err := d.workers[0].QueryContext(ctx, "SELECT SCHEMA_NAME FROM information_schema.SCHEMATA ORDER BY SCHEMA_NAME")
	if err != nil {
		return nil, d.fail("list databases", err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var db string
		if err := rows.Scan(&db); err != nil {
			return nil, d.fail("list databases", err)
		}
		if !systemDatabases[strings.ToLower(db)] && d.wanted(db, "") {
			out = append(out, db)
		}
	}
	return out, rows.Err()
}

// wanted applies Include and Exclude to a database (table "") or to one
// of its tables. A pattern without a dot is about databases; "db.table"
// patterns about tables.
func (d *dumper) wanted(db, table string) bool {
	matches := func(pats []string, tables bool) bool {
		for _, p := range pats {
			dbPat, tablePat, isTable := strings.Cut(p, ".")
			switch {
			case !isTable:
				if ok, _ := path.Match(p, db); ok {
					return true
				}
			case tables && table != "":
				okDB, _ := path.Match(dbPat, db)
				okTable, _ := path.Match(tablePat, table)
				if okDB && okTable {
					return true
				}
			case !tables && table == "":
				// Including some tables of a database includes the database.
				if ok, _ := path.Match(dbPat, db); ok {
					return true
				}
			}
		}
		return false
	}
	if len(d.opts.Include) > 0 && !matches(d.opts.Include, table != "") {
		return false
	}
	if table == "" {
		for _, p := range d.opts.Exclude {
			if ok, _ := path.Match(p, db); ok && !strings.Contains(p, ".") {
				return false
			}
		}
		return true
	}
	return !matches(d.opts.Exclude, true)
}

// object opens an object, writes its statements through fn, and closes
// it; the object joins the backup only when all of that succeeded.
// fn writes the object's statements and may fill in fields of obj (its row
// sum); it returns how many rows it wrote.
func (d *dumper) object(ctx context.Context, obj Object, fn func(sw *statementWriter, obj *Object) (int64, error)) error {
	w, err := d.sink.Create(ctx, obj)
	if err != nil {
		return fmt.Errorf("create object %s: %w", obj.Name, err)
	}
	sw := newStatementWriter(w)
	rows, err := fn(sw, &obj)
	if err == nil {
		err = sw.flush()
	}
	if ab, ok := w.(aborter); ok && err != nil {
		ab.Abort(err) // nothing is stored of an object that failed
	} else if cerr := w.Close(); err == nil && cerr != nil {
		err = fmt.Errorf("write object %s: %w", obj.Name, cerr)
	}
	if err != nil {
		return err
	}
	obj.Rows = rows
	d.mu.Lock()
	d.objects = append(d.objects, obj)
	d.mu.Unlock()
	if d.opts.Progress != nil {
		d.opts.Progress(obj)
	}
	return nil
}

func quoteIdent(s string) string { return "`" + strings.ReplaceAll(s, "`", "``") + "`" }
