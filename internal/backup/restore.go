package backup

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io"
	"sort"
	"strings"

	"github.com/go-sql-driver/mysql"

	"github.com/dbwarden/dbwarden/internal/mysqladmin"
)

// Source opens the objects of a backup for reading; a reader fails at the
// first byte that does not check out.
type Source interface {
	Open(ctx context.Context, obj Object) (io.ReadCloser, error)
}

// RestoreOptions tune a restore.
type RestoreOptions struct {
	// Workers is how many connections load data at once; 4 when zero.
	Workers int
	// Databases restores only these (their names in the backup); all
	// when empty.
	Databases []string
	// Rename maps a database's name in the backup to the name it gets.
	// References to it in views, routines and triggers are rewritten
	// where they name it quoted (`db`.); anything subtler is not.
	Rename map[string]string
	// Replace drops a target database that exists; without it, an
	// existing database makes the restore fail before it changes
	// anything.
	Replace bool
	// Users restores accounts, roles and grants too.
	Users bool
	// NoBinlog keeps the load out of the target's binary log (needs the
	// privilege to set sql_log_bin).
	NoBinlog bool
	// CommitBytes is how much row data one loading transaction takes:
	// 8 MiB when zero; every statement commits on its own when negative.
	CommitBytes int64
	// UniqueChecks keeps unique_checks on in the loading sessions. Off, it
	// saves secondary unique index lookups where InnoDB buffers changes
	// (MySQL); on MariaDB 10.6 and later it instead makes an insert into
	// an empty table take a table lock.
	UniqueChecks bool
	// CheckRows reads every restored table back once its data is in and
	// compares its rows with the checksums the dump recorded (see
	// CheckRows); a table that differs fails the restore.
	CheckRows bool
	// RowsChecked, when set, is told how many tables CheckRows compared,
	// and how many it could not (objects from backups that recorded no
	// checksums).
	RowsChecked func(checked, skipped int)
	// ChunkParallel loads the objects of one table on several connections
	// at once even when there are enough tables to go round (see
	// loadOrder).
	ChunkParallel bool
	// DeferIndexRows: tables of at least this many rows get their plain
	// secondary indexes built after their rows are loaded; 50,000 when
	// zero, never when negative.
	DeferIndexRows int64
	// Progress, when set, hears about each object as it is restored.
	Progress func(obj Object)
}

// Restore loads the objects of a backup into the server c logs in to:
// schema first, then data in parallel, then views, routines, triggers and
// events, and users when asked.
func Restore(ctx context.Context, c mysqladmin.Credentials, src Source, objects []Object, opts RestoreOptions) error {
	if opts.Workers <= 0 {
		opts.Workers = 4
	}
	srv, err := mysqladmin.Connect(ctx, c)
	if err != nil {
		return err
	}
	defer srv.Close()
	srv.DB().SetMaxOpenConns(opts.Workers + 1)
	srv.DB().SetMaxIdleConns(opts.Workers + 1)
	r := &restorer{srv: srv, src: src, opts: opts}

	want := map[string]bool{}
	for _, db := range opts.Databases {
		want[db] = true
	}
	byKind := map[string][]Object{}
	dbs := map[string]bool{}
	for _, o := range objects {
		if o.Kind != KindUsers && len(want) > 0 && !want[o.Database] {
			continue
		}
		byKind[o.Kind] = append(byKind[o.Kind], o)
		if o.Kind == KindSchema {
			dbs[o.Database] = true
		}
	}
	for db := range want {
		if !dbs[db] {
			return fmt.Errorf("restore: database %q is not in the backup", db)
		}
	}
	if err := r.checkTargets(ctx, byKind[KindSchema]); err != nil {
		return err
	}
	for _, o := range byKind[KindSchema] {
		if err := r.load(ctx, o, "utf8mb4"); err != nil {
			return err
		}
	}
	if err := r.parallel(ctx, byKind[KindData]); err != nil {
		return err
	}
	if opts.CheckRows {
		c, err := r.srv.DB().Conn(ctx)
		if err != nil {
			return err
		}
		checked, skipped, err := CheckRows(ctx, c, byKind[KindData], opts.Rename)
		c.Close()
		if err != nil {
			return err
		}
		if opts.RowsChecked != nil {
			opts.RowsChecked(checked, skipped)
		}
	}
	if err := r.views(ctx, byKind[KindViews]); err != nil {
		return err
	}
	for _, kind := range []string{KindRoutines, KindTriggers, KindEvents} {
		for _, o := range byKind[kind] {
			if err := r.load(ctx, o, "utf8mb4"); err != nil {
				return err
			}
		}
	}
	if opts.Users {
		for _, o := range byKind[KindUsers] {
			if err := r.load(ctx, o, "utf8mb4"); err != nil {
				return err
			}
		}
	}
	return nil
}

type restorer struct {
	srv  *mysqladmin.Server
	src  Source
	opts RestoreOptions
}

func (r *restorer) target(db string) string {
	if n, ok := r.opts.Rename[db]; ok {
		return n
	}
	return db
}

func (r *restorer) fail(obj Object, err error) error {
	return fmt.Errorf("restore %s into %s: %w", obj.Name, r.srv.Addr(), err)
}

// checkTargets refuses to restore over an existing database, unless
// Replace, before anything is changed.
func (r *restorer) checkTargets(ctx context.Context, schemas []Object) error {
	for _, o := range schemas {
		t := r.target(o.Database)
		var n int
		if err := r.srv.DB().QueryRowContext(ctx, "SELECT COUNT(*) FROM information_schema.SCHEMATA WHERE SCHEMA_NAME = ?", t).Scan(&n); err != nil {
			return r.fail(o, err)
		}
		if n == 0 {
			continue
		}
		if !r.opts.Replace {
			return fmt.Errorf("restore: database %q exists on %s: restore it under another name (--rename %s=NEW), or replace it (--replace)", t, r.srv.Addr(), o.Database)
		}
		if _, err := r.srv.DB().ExecContext(ctx, "DROP DATABASE "+quoteIdent(t)); err != nil {
			return r.fail(o, err)
		}
	}
	return nil
}

// conn opens a loading session: bytes as they are, times in UTC, no
// checks that the dump already satisfied, and no binary log if asked.
func (r *restorer) conn(ctx context.Context, names string) (*sql.Conn, error) {
	c, err := r.srv.DB().Conn(ctx)
	if err != nil {
		return nil, err
	}
	qs := []string{"SET NAMES " + names, "SET SESSION time_zone = '+00:00'", "SET SESSION sql_mode = 'NO_AUTO_VALUE_ON_ZERO,NO_ENGINE_SUBSTITUTION'",
		"SET SESSION foreign_key_checks = 0"}
	if !r.opts.UniqueChecks {
		qs = append(qs, "SET SESSION unique_checks = 0")
	}
	if r.opts.NoBinlog {
		qs = append(qs, "SET SESSION sql_log_bin = 0")
	}
	for _, q := range qs {
		if _, err := c.ExecContext(ctx, q); err != nil {
			c.Close()
			return nil, fmt.Errorf("%s: %w", q, err)
		}
	}
	return c, nil
}

// load runs one object's statements on a connection of its own.
func (r *restorer) load(ctx context.Context, o Object, names string) error {
	c, err := r.conn(ctx, names)
	if err != nil {
		return r.fail(o, err)
	}
	defer c.Close()
	return r.run(ctx, c, o)
}

func (r *restorer) run(ctx context.Context, c *sql.Conn, o Object) error {
	if o.Kind != KindSchema && o.Kind != KindUsers {
		if _, err := c.ExecContext(ctx, "USE "+quoteIdent(r.target(o.Database))); err != nil {
			return r.fail(o, err)
		}
	}
	rc, err := r.src.Open(ctx, o)
	if err != nil {
		return r.fail(o, err)
	}
	defer rc.Close()
	sr := newStatementReader(rc)
	// Data statements are grouped into transactions of about CommitBytes,
	// which saves a log flush a statement; everything else runs as it is.
	limit := r.opts.CommitBytes
	if limit == 0 {
		limit = defaultCommitBytes
	}
	if o.Kind != KindData {
		limit = -1
	}
	var batch []string
	size, first := 0, 1
	flush := func(n int) error {
		if len(batch) == 0 {
			return nil
		}
		if err := execBatch(ctx, c, batch); err != nil {
			return r.fail(o, fmt.Errorf("statements %d to %d: %w", first, n, err))
		}
		batch, size, first = batch[:0], 0, n+1
		return nil
	}
	n := 0
	for {
		stmt, err := sr.next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return r.fail(o, err)
		}
		n++
		if o.Kind == KindData {
			// Row data is never rewritten: a renamed database's name may
			// well appear in it, and the statement names its table only.
			batch = append(batch, string(stmt))
			size += len(stmt)
			if limit < 0 || int64(size) >= limit {
				if err := flush(n); err != nil {
					return err
				}
			}
			continue
		}
		for _, q := range r.rewrite(o, string(stmt)) {
			if err := execRetrying(ctx, c, q); err != nil {
				return r.fail(o, fmt.Errorf("statement %d: %w", n, err))
			}
		}
	}
	if err := flush(n); err != nil {
		return err
	}
	if r.opts.Progress != nil {
		r.opts.Progress(o)
	}
	return nil
}

// defaultCommitBytes is how much row data a loading transaction takes.
const defaultCommitBytes = 8 << 20

// execBatch runs statements in one transaction (one alone, as it is),
// and runs the whole batch again when InnoDB chose it as a deadlock victim
// or a lock wait timed out: the transaction is then rolled back whole, so
// running it again is safe.
func execBatch(ctx context.Context, c *sql.Conn, stmts []string) error {
	if len(stmts) == 1 {
		return execRetrying(ctx, c, stmts[0])
	}
	for attempt := 0; ; attempt++ {
		err := execTx(ctx, c, stmts)
		var me *mysql.MySQLError
		if err == nil || attempt == 5 || !errors.As(err, &me) || (me.Number != 1213 && me.Number != 1205) {
			return err
		}
	}
}

func execTx(ctx context.Context, c *sql.Conn, stmts []string) error {
	if _, err := c.ExecContext(ctx, "START TRANSACTION"); err != nil {
		return err
	}
	for _, q := range stmts {
		if _, err := c.ExecContext(ctx, q); err != nil {
			c.ExecContext(context.WithoutCancel(ctx), "ROLLBACK")
			return err
		}
	}
	_, err := c.ExecContext(ctx, "COMMIT")
	return err
}

// execRetrying runs one statement (autocommit) and runs it again when
// InnoDB chose it as a deadlock victim or its lock wait timed out: such a
// statement was rolled back whole, so running it again is safe.
func execRetrying(ctx context.Context, c *sql.Conn, q string) error {
	for attempt := 0; ; attempt++ {
		_, err := c.ExecContext(ctx, q)
		var me *mysql.MySQLError
		if err == nil || attempt == 5 || !errors.As(err, &me) || (me.Number != 1213 && me.Number != 1205) {
			return err
		}
	}
}

// rewrite renames databases: the schema object's CREATE DATABASE makes
// the target and is followed by a USE of it, and references to a renamed
// database are rewritten.
func (r *restorer) rewrite(o Object, stmt string) []string {
	if o.Kind == KindSchema && strings.HasPrefix(stmt, "CREATE DATABASE ") {
		t := r.target(o.Database)
		// CREATE DATABASE `name` /*!40100 ... */: keep the options, not
		// the name (which may hold spaces, quoted).
		rest := stmt[len("CREATE DATABASE "):]
		if strings.HasPrefix(rest, "`") {
			if j := closingQuote(rest); j > 0 {
				rest = rest[j+1:]
			}
		}
		return []string{"CREATE DATABASE " + quoteIdent(t) + rest, "USE " + quoteIdent(t)}
	}
	for from, to := range r.opts.Rename {
		stmt = strings.ReplaceAll(stmt, quoteIdent(from)+".", quoteIdent(to)+".")
	}
	return []string{stmt}
}

// closingQuote returns the index of the backquote that closes the
// identifier s starts with, or -1.
func closingQuote(s string) int {
	for i := 1; i < len(s); i++ {
		if s[i] == '`' {
			if i+1 < len(s) && s[i+1] == '`' {
				i++
				continue
			}
			return i
		}
	}
	return -1
}

// parallel loads data objects on Workers connections, each statement
// committing on its own. Large tables get their secondary indexes back
// once their last object is in.
//
// Loading a whole table in one transaction, which lets InnoDB take its
// bulk path for an insert into an empty table, was measured slower on the
// sysbench set (bench/backup) and is not done.
func (r *restorer) parallel(ctx context.Context, objs []Object) error {
	c, err := r.conn(ctx, "utf8mb4")
	if err != nil {
		return err
	}
	deferred, err := r.deferIndexes(ctx, c, objs)
	c.Close()
	if err != nil {
		return err
	}
	conns := make([]*sql.Conn, r.opts.Workers)
	return each(ctx, r.opts.Workers, loadOrder(objs, r.opts.Workers, r.opts.ChunkParallel),
		func(ctx context.Context, w int) (func(), error) {
			c, err := r.conn(ctx, "binary")
			if err != nil {
				return nil, err
			}
			conns[w] = c
			return func() { c.Close() }, nil
		},
		func(ctx context.Context, w int, objs []Object) error {
			for _, o := range objs {
				if err := r.run(ctx, conns[w], o); err != nil {
					return err
				}
				if q := deferred.loaded(o); q != "" {
					if _, err := conns[w].ExecContext(ctx, q); err != nil {
						return r.fail(o, fmt.Errorf("add indexes back: %w", err))
					}
				}
			}
			return nil
		})
}

// loadOrder cuts the data objects into units of work. With at least as
// many tables as workers, a unit is a table, its objects in key order: each
// table then grows at its end from one connection, with no two connections
// splitting pages of one index. With fewer tables (or chunkParallel), a
// unit is one object, so that one large table still loads in parallel.
// Larger units go first, so that a small one is last to finish.
func loadOrder(objs []Object, workers int, chunkParallel bool) [][]Object {
	var keys []string
	tables := map[string][]Object{}
	rows := map[string]int64{}
	for _, o := range objs {
		k := tableKey(o.Database, o.Table)
		if _, ok := tables[k]; !ok {
			keys = append(keys, k)
		}
		tables[k] = append(tables[k], o)
		rows[k] += o.Rows
	}
	var units [][]Object
	if chunkParallel || len(keys) < workers {
		for _, o := range objs {
			units = append(units, []Object{o})
		}
		return units
	}
	for _, k := range keys {
		t := tables[k]
		sort.SliceStable(t, func(i, j int) bool { return t[i].Chunk < t[j].Chunk })
		units = append(units, t)
	}
	sort.SliceStable(units, func(i, j int) bool {
		return rows[tableKey(units[i][0].Database, units[i][0].Table)] > rows[tableKey(units[j][0].Database, units[j][0].Table)]
	})
	return units
}

// views creates views in an order that works: a view on a view that is
// not there yet fails, and is tried again once others were created.
func (r *restorer) views(ctx context.Context, objs []Object) error {
	type pending struct {
		o     Object
		stmts []string
	}
	var todo []pending
	for _, o := range objs {
		rc, err := r.src.Open(ctx, o)
		if err != nil {
			return r.fail(o, err)
		}
		sr := newStatementReader(rc)
		var stmts []string
		for {
			s, err := sr.next()
			if errors.Is(err, io.EOF) {
				break
			}
			if err != nil {
				rc.Close()
				return r.fail(o, err)
			}
			stmts = append(stmts, r.rewrite(o, string(s))...)
		}
		rc.Close()
		// Three statements a view: character set, collation, CREATE VIEW.
		for i := 0; i+2 < len(stmts); i += 3 {
			todo = append(todo, pending{o, stmts[i : i+3]})
		}
	}
	c, err := r.conn(ctx, "utf8mb4")
	if err != nil {
		return err
	}
	defer c.Close()
	for len(todo) > 0 {
		var failed []pending
		var lastErr error
		for _, p := range todo {
			if _, err := c.ExecContext(ctx, "USE "+quoteIdent(r.target(p.o.Database))); err != nil {
				return r.fail(p.o, err)
			}
			ok := true
			for _, s := range p.stmts {
				if _, err := c.ExecContext(ctx, s); err != nil {
					ok, lastErr = false, r.fail(p.o, err)
					break
				}
			}
			if !ok {
				failed = append(failed, p)
			}
		}
		if len(failed) == len(todo) {
			return lastErr
		}
		todo = failed
	}
	return nil
}
