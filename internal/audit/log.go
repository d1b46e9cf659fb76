package audit

import (
	"bufio"
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"
)

// ErrHeadMismatch is returned, wrapped, by Append when audit_head does not
// name the newest record of audit_log: the trail has been tampered with, and
// Append refuses to extend it. Verify tells what is wrong.
var ErrHeadMismatch = errors.New("audit head does not match the log")

// ErrConcurrentAppend is returned, wrapped, by Append when audit_head moved
// between Append reading and updating it, which means the caller's
// transaction did not hold the database's write lock.
var ErrConcurrentAppend = errors.New("audit head moved during append")

// ErrInvalidFilter is returned, wrapped, for a Filter Query cannot apply.
var ErrInvalidFilter = errors.New("invalid audit filter")

// Schema returns the statements that create the audit tables and their
// indexes if they do not exist yet. They are safe to run on every start, and
// are written in SQL that SQLite and PostgreSQL both accept:
//
//   - audit_log holds one row per Record; seq is the primary key (in SQLite
//     the rowid itself, which saves an index write per record; a PostgreSQL
//     schema will declare it BIGINT), time_us is the time in microseconds
//     since the Unix epoch (UTC).
//   - audit_head holds a single row (id = 1) with the seq and hash of the
//     newest record. It is written by Append only, and is what lets Verify
//     notice that the newest records were cut off.
func Schema() []string {
	return []string{
		`CREATE TABLE IF NOT EXISTS audit_log (
	seq        INTEGER NOT NULL PRIMARY KEY,
	time_us    BIGINT NOT NULL,
	principal  TEXT NOT NULL,
	action     TEXT NOT NULL,
	resource   TEXT NOT NULL,
	version_id TEXT NOT NULL,
	outcome    TEXT NOT NULL,
	error_code TEXT NOT NULL,
	request_id TEXT NOT NULL,
	source_ip  TEXT NOT NULL,
	prev_hash  TEXT NOT NULL,
	hash       TEXT NOT NULL
)`,
		`CREATE TABLE IF NOT EXISTS audit_head (
	id   INTEGER NOT NULL PRIMARY KEY CHECK (id = 1),
	seq  BIGINT NOT NULL,
	hash TEXT NOT NULL
)`,
		`CREATE INDEX IF NOT EXISTS audit_log_resource_idx ON audit_log (resource, seq)`,
		`CREATE INDEX IF NOT EXISTS audit_log_principal_idx ON audit_log (principal, seq)`,
		`CREATE INDEX IF NOT EXISTS audit_log_time_idx ON audit_log (time_us)`,
	}
}

const recordColumns = `seq, time_us, principal, action, resource, version_id, outcome, error_code, request_id, source_ip, prev_hash, hash`

// Append adds rec to the trail inside tx, the caller's transaction that also
// holds the change rec describes, so that both are committed or neither is.
//
// Append requires tx to hold the database's write lock before it reads the
// head: with SQLite, a transaction started with BEGIN IMMEDIATE (the
// driver's _txlock=immediate); with PostgreSQL, one that has locked
// audit_head (SELECT ... FOR UPDATE) or runs SERIALIZABLE. Otherwise two
// concurrent appends can read the same head, and one of them fails with
// ErrConcurrentAppend or a database error; the chain is never forked.
//
// Append ignores rec's Seq, PrevHash and Hash and fills them from the head.
// A zero Time becomes the current time; Time is stored in UTC truncated to
// the microsecond. Principal, RequestID and SourceIP, when empty, are taken
// from the Caller in ctx. Action must be non-empty and Outcome must be
// OutcomeSuccess or OutcomeFailure; string fields must be valid UTF-8 with
// no NUL byte and at most MaxFieldLen bytes; otherwise the error wraps
// ErrInvalidRecord. If audit_head does not name the newest record, Append
// fails with ErrHeadMismatch rather than extend a broken chain.
//
// Append returns the record as stored. It is not idempotent: each call adds
// a record.
func Append(ctx context.Context, tx Tx, rec Record) (Record, error) {
	recs, err := AppendBatch(ctx, tx, []Record{rec})
	if err != nil {
		return Record{}, err
	}
	return recs[0], nil
}

// AppendBatch is Append for several records at once, in order: the head is
// read and checked once and moved once, which is what makes group commit
// cheap. Either every record is appended or, on error, none is (the caller
// rolls tx back). Identity fields come from ctx as for Append.
func AppendBatch(ctx context.Context, tx Tx, recs []Record) ([]Record, error) {
	if len(recs) == 0 {
		return nil, nil
	}
	out := make([]Record, len(recs))
	c := CallerFrom(ctx)
	for i, rec := range recs {
		if rec.Time.IsZero() {
			rec.Time = time.Now()
		}
		rec.Time = rec.Time.UTC().Truncate(time.Microsecond)
		if rec.Principal == "" {
			rec.Principal = c.Principal
		}
		if rec.RequestID == "" {
			rec.RequestID = c.RequestID
		}
		if rec.SourceIP == "" {
			rec.SourceIP = c.SourceIP
		}
		if err := rec.validateContent(); err != nil {
			return nil, fmt.Errorf("audit append: %w", err)
		}
		out[i] = rec
	}

	headSeq, headHash, found, err := readHead(ctx, tx)
	if err != nil {
		return nil, fmt.Errorf("audit append: %w", err)
	}
	if err := checkHead(ctx, tx, headSeq, headHash, found); err != nil {
		return nil, fmt.Errorf("audit append: %w", err)
	}

	seq, prev := headSeq, headHash
	for i := range out {
		rec := &out[i]
		seq++
		rec.Seq = seq
		rec.PrevHash = prev
		if rec.Hash, err = rec.ComputeHash(); err != nil {
			return nil, fmt.Errorf("audit append: %w", err)
		}
		prev = rec.Hash
	}
	// Insert in multi-row statements: one statement per record is most of
	// a large batch's cost. Chunks have a few fixed sizes so that their
	// statements are prepared once.
	for rest := out; len(rest) > 0; {
		n := insertChunk(len(rest))
		args := make([]any, 0, n*12)
		for i := range rest[:n] {
			rec := &rest[i]
			args = append(args, rec.Seq, rec.Time.UnixMicro(), rec.Principal, rec.Action, rec.Resource,
				rec.VersionID, rec.Outcome, rec.ErrorCode, rec.RequestID, rec.SourceIP, rec.PrevHash, rec.Hash)
		}
		if _, err = tx.ExecContext(ctx, insertStatement(n), args...); err != nil {
			return nil, fmt.Errorf("audit append: insert records %d to %d: %w", rest[0].Seq, rest[n-1].Seq, err)
		}
		rest = rest[n:]
	}

	if !found {
		_, err = tx.ExecContext(ctx,
			`INSERT INTO audit_head (id, seq, hash) VALUES (1, $1, $2)`, seq, prev)
		if err != nil {
			return nil, fmt.Errorf("audit append: create head: %w", err)
		}
		return out, nil
	}
	res, err := tx.ExecContext(ctx,
		`UPDATE audit_head SET seq = $1, hash = $2 WHERE id = 1 AND seq = $3 AND hash = $4`,
		seq, prev, headSeq, headHash)
	if err != nil {
		return nil, fmt.Errorf("audit append: move head: %w", err)
	}
	if n, err := res.RowsAffected(); err != nil {
		return nil, fmt.Errorf("audit append: move head: %w", err)
	} else if n != 1 {
		return nil, fmt.Errorf("audit append: move head to %d: %w", seq, ErrConcurrentAppend)
	}
	return out, nil
}

// Tx is the part of *sql.Tx that Append uses. Callers may pass a wrapper
// that runs the same queries through prepared statements.
type Tx interface {
	ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error)
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
}

// queryRower is the part of *sql.DB and *sql.Tx that readHead needs.
type queryRower interface {
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
}

// readHead returns the head row; found is false, with seq 0 and ZeroHash,
// when there is none.
func readHead(ctx context.Context, q queryRower) (seq int64, hash string, found bool, err error) {
	err = q.QueryRowContext(ctx, `SELECT seq, hash FROM audit_head WHERE id = 1`).Scan(&seq, &hash)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, ZeroHash, false, nil
	}
	if err != nil {
		return 0, "", false, fmt.Errorf("read head: %w", err)
	}
	return seq, hash, true, nil
}

// checkHead makes sure the head names the newest record, with one indexed
// lookup: the row at the head's seq must carry the head's hash, and with no
// head row the log must be empty. A row beyond the head makes the insert
// that follows fail on the primary key.
func checkHead(ctx context.Context, q queryRower, seq int64, hash string, found bool) error {
	var stored string
	if !found {
		err := q.QueryRowContext(ctx, `SELECT hash FROM audit_log ORDER BY seq LIMIT 1`).Scan(&stored)
		switch {
		case errors.Is(err, sql.ErrNoRows):
			return nil
		case err != nil:
			return fmt.Errorf("check head: %w", err)
		}
		return fmt.Errorf("check head: audit_head is missing but audit_log has records: %w", ErrHeadMismatch)
	}
	if seq == 0 {
		if hash != ZeroHash {
			return fmt.Errorf("check head: empty chain with a non-zero head hash: %w", ErrHeadMismatch)
		}
		return nil
	}
	err := q.QueryRowContext(ctx, `SELECT hash FROM audit_log WHERE seq = $1`, seq).Scan(&stored)
	switch {
	case errors.Is(err, sql.ErrNoRows):
		return fmt.Errorf("check head: record %d named by the head is missing: %w", seq, ErrHeadMismatch)
	case err != nil:
		return fmt.Errorf("check head: %w", err)
	case stored != hash:
		return fmt.Errorf("check head: record %d does not carry the head's hash: %w", seq, ErrHeadMismatch)
	}
	return nil
}

// Head returns the sequence number and hash of the newest record as
// audit_head records them, or 0 and ZeroHash for a trail with no records.
// Writing them down outside the database lets a later Verify or
// VerifyExport be checked against a value no database writer could change.
func Head(ctx context.Context, db *sql.DB) (seq int64, hash string, err error) {
	seq, hash, _, err = readHead(ctx, db)
	if err != nil {
		return 0, "", fmt.Errorf("audit head: %w", err)
	}
	return seq, hash, nil
}

// Filter selects records for Query and Export. Zero fields do not filter.
// All set conditions must hold.
type Filter struct {
	Resource  string    // exact secret ARN
	Principal string    // exact principal
	Action    string    // exact action
	Since     time.Time // records at or after Since
	Until     time.Time // records strictly before Until
	Outcome   string    // OutcomeSuccess or OutcomeFailure
	AfterSeq  int64     // records with Seq > AfterSeq, for paging
	Limit     int       // at most Limit records; 0 means no limit
	Newest    bool      // with Limit, the newest Limit records rather than the oldest
}

// Query returns the records that match f in ascending Seq order; no match is
// an empty slice and a nil error. With Newest and Limit it returns the last
// Limit matching records, still in ascending order. A negative Limit or
// AfterSeq, or an Outcome other than "", OutcomeSuccess and OutcomeFailure,
// is an error wrapping ErrInvalidFilter. Query does not verify hashes.
func Query(ctx context.Context, db *sql.DB, f Filter) ([]Record, error) {
	recs := []Record{}
	err := scanFiltered(ctx, db, f, func(r Record) error {
		recs = append(recs, r)
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("audit query: %w", err)
	}
	return recs, nil
}

// Export writes the records that match f to w as JSON lines, one record per
// line as MarshalJSON encodes it, in ascending Seq order, and returns how
// many it wrote. Records are streamed, not held in memory. Only a
// contiguous selection, such as an empty Filter, one with only AfterSeq, or
// Newest with Limit, can be checked on its own by VerifyExport.
func Export(ctx context.Context, db *sql.DB, w io.Writer, f Filter) (int64, error) {
	bw := bufio.NewWriter(w)
	var n int64
	err := scanFiltered(ctx, db, f, func(r Record) error {
		b, err := r.MarshalJSON()
		if err != nil {
			return fmt.Errorf("encode record %d: %w", r.Seq, err)
		}
		b = append(b, '\n')
		if _, err := bw.Write(b); err != nil {
			return fmt.Errorf("write record %d: %w", r.Seq, err)
		}
		n++
		return nil
	})
	if err == nil {
		if err = bw.Flush(); err != nil {
			err = fmt.Errorf("write: %w", err)
		}
	}
	if err != nil {
		return n, fmt.Errorf("audit export: %w", err)
	}
	return n, nil
}

// scanFiltered runs the query f describes and calls fn for each record in
// ascending Seq order.
func scanFiltered(ctx context.Context, db *sql.DB, f Filter, fn func(Record) error) error {
	query, args, err := buildQuery(f)
	if err != nil {
		return err
	}
	rows, err := db.QueryContext(ctx, query, args...)
	if err != nil {
		return fmt.Errorf("select records: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		r, err := scanRecord(rows)
		if err != nil {
			return err
		}
		if err := fn(r); err != nil {
			return err
		}
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("select records: %w", err)
	}
	return nil
}

func buildQuery(f Filter) (string, []any, error) {
	if f.Limit < 0 {
		return "", nil, fmt.Errorf("%w: negative limit", ErrInvalidFilter)
	}
	if f.AfterSeq < 0 {
		return "", nil, fmt.Errorf("%w: negative after-seq", ErrInvalidFilter)
	}
	if f.Outcome != "" && f.Outcome != OutcomeSuccess && f.Outcome != OutcomeFailure {
		return "", nil, fmt.Errorf("%w: outcome must be %q or %q", ErrInvalidFilter, OutcomeSuccess, OutcomeFailure)
	}
	var conds []string
	var args []any
	add := func(cond string, arg any) {
		args = append(args, arg)
		conds = append(conds, cond+" $"+strconv.Itoa(len(args)))
	}
	if f.Resource != "" {
		add("resource =", f.Resource)
	}
	if f.Principal != "" {
		add("principal =", f.Principal)
	}
	if f.Action != "" {
		add("action =", f.Action)
	}
	if f.Outcome != "" {
		add("outcome =", f.Outcome)
	}
	if !f.Since.IsZero() {
		add("time_us >=", ceilMicro(f.Since))
	}
	if !f.Until.IsZero() {
		add("time_us <", ceilMicro(f.Until))
	}
	if f.AfterSeq > 0 {
		add("seq >", f.AfterSeq)
	}
	q := `SELECT ` + recordColumns + ` FROM audit_log`
	if len(conds) > 0 {
		q += ` WHERE ` + strings.Join(conds, ` AND `)
	}
	switch {
	case f.Limit > 0 && f.Newest:
		args = append(args, f.Limit)
		q = `SELECT ` + recordColumns + ` FROM (` + q + ` ORDER BY seq DESC LIMIT $` +
			strconv.Itoa(len(args)) + `) newest ORDER BY seq`
	case f.Limit > 0:
		args = append(args, f.Limit)
		q += ` ORDER BY seq LIMIT $` + strconv.Itoa(len(args))
	default:
		q += ` ORDER BY seq`
	}
	return q, args, nil
}

// ceilMicro returns t in microseconds since the Unix epoch, rounded up, so
// that time_us >= ceilMicro(t) holds exactly for records at or after t.
func ceilMicro(t time.Time) int64 {
	us := t.UnixMicro()
	if t.Nanosecond()%1000 != 0 {
		us++
	}
	return us
}

type rowScanner interface {
	Scan(dest ...any) error
}

func scanRecord(rows rowScanner) (Record, error) {
	var r Record
	var us int64
	err := rows.Scan(&r.Seq, &us, &r.Principal, &r.Action, &r.Resource, &r.VersionID,
		&r.Outcome, &r.ErrorCode, &r.RequestID, &r.SourceIP, &r.PrevHash, &r.Hash)
	if err != nil {
		return Record{}, fmt.Errorf("scan record: %w", err)
	}
	r.Time = time.UnixMicro(us).UTC()
	return r, nil
}

// insertChunk is how many of n records the next INSERT takes: the largest
// of 32, 8 and 1 that fits.
func insertChunk(n int) int {
	for _, c := range []int{32, 8} {
		if n >= c {
			return c
		}
	}
	return 1
}

var insertStatements = map[int]string{1: buildInsert(1), 8: buildInsert(8), 32: buildInsert(32)}

func insertStatement(n int) string { return insertStatements[n] }

func buildInsert(n int) string {
	var b strings.Builder
	b.WriteString("INSERT INTO audit_log (" + recordColumns + ") VALUES ")
	for i := range n {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteByte('(')
		for j := range 12 {
			if j > 0 {
				b.WriteString(", ")
			}
			fmt.Fprintf(&b, "$%d", i*12+j+1)
		}
		b.WriteByte(')')
	}
	return b.String()
}
