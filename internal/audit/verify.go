package audit

import (
	"bufio"
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io"
)

// Kinds of Problem.
const (
	KindEdited       = "edited"        // a record's fields no longer match its hash
	KindDeleted      = "deleted"       // a record is missing from the middle of the chain
	KindInserted     = "inserted"      // a record that Append did not write in that place
	KindReordered    = "reordered"     // a record stands at another record's place
	KindTruncated    = "truncated"     // the newest records, up to the head, are missing
	KindHeadMismatch = "head-mismatch" // audit_head does not name the newest record
)

// Problem describes the first place where a chain is broken.
type Problem struct {
	Seq    int64  // the first bad record: for "deleted" and "truncated", the first missing one
	Kind   string // one of the Kind constants
	Detail string // for people; holds sequence numbers, never field contents
}

func (p *Problem) String() string {
	return fmt.Sprintf("record %d: %s: %s", p.Seq, p.Kind, p.Detail)
}

// Verify walks the database's chain from seq 1 and checks that every record
// is in its place, matches its hash and links to its predecessor, and that
// audit_head names the newest record. It returns a nil Problem if the chain
// is intact, otherwise the first Problem found; either way it also returns
// how many records it found intact before stopping. The error is for
// failures to read the database, including rows that no longer scan into a
// Record.
//
// Verify reads in one read-only transaction, so it sees a consistent
// snapshot while appends go on. See docs/audit-chain.md for how kinds are
// told apart.
func Verify(ctx context.Context, db *sql.DB) (*Problem, int64, error) {
	tx, err := db.BeginTx(ctx, &sql.TxOptions{ReadOnly: true})
	if err != nil {
		return nil, 0, fmt.Errorf("audit verify: begin: %w", err)
	}
	defer tx.Rollback() // read-only: nothing to keep or lose

	hs, hh, found, err := readHead(ctx, tx)
	if err != nil {
		return nil, 0, fmt.Errorf("audit verify: %w", err)
	}
	src := &dbSource{ctx: ctx, tx: tx}
	defer src.close()
	w := walker{src: src, head: &head{seq: hs, hash: hh, found: found}}
	p, n, err := w.run()
	if err != nil {
		return nil, n, fmt.Errorf("audit verify: %w", err)
	}
	return p, n, nil
}

// VerifyExport checks a stream written by Export on its own: every line must
// decode with DecodeRecord (otherwise the error wraps ErrInvalidRecord and
// names the line), every record must match its hash, and each record must
// follow the one before it with the next Seq and a PrevHash equal to its
// Hash.
//
// A stream that starts at seq 1 must start from ZeroHash. A stream that
// starts later, such as an export with AfterSeq, is anchored at its first
// record's PrevHash, which VerifyExport cannot check: compare it with the
// hash of the record before, from an earlier export or Head. Likewise a
// stream carries no head, so records cut off its end are only noticed by
// comparing the last record's Seq and Hash with a trusted Head. Filtered
// exports (Resource, Principal, ...) are not contiguous and are reported as
// deletions.
//
// It returns a nil Problem for an intact stream, else the first Problem, and
// the number of records found intact before stopping.
func VerifyExport(r io.Reader) (*Problem, int64, error) {
	src := &streamSource{sc: bufio.NewScanner(r)}
	src.sc.Buffer(make([]byte, 0, 64*1024), maxLineLen)
	w := walker{src: src, anchorAtFirst: true}
	p, n, err := w.run()
	if err != nil {
		return nil, n, fmt.Errorf("audit verify export: %w", err)
	}
	return p, n, nil
}

// maxLineLen bounds one exported line: twelve fields of MaxFieldLen bytes,
// each character escaped as \uXXXX at worst, fit well below it.
const maxLineLen = 1 << 20

type head struct {
	seq   int64
	hash  string
	found bool
}

// source yields a chain's records in order. The laterHas methods report
// whether a record with the given hash or seq comes after the ones next has
// returned; they are called only once a problem has been found, after which
// next is not called again.
type source interface {
	next() (Record, bool, error)
	laterHasHash(afterSeq int64, hash string) (bool, error)
	laterHasSeq(afterSeq, seq int64) (bool, error)
}

type walker struct {
	src           source
	head          *head // nil for an exported stream
	anchorAtFirst bool  // a stream may start after seq 1

	peeked    *Record
	peekDone  bool
	peekFound bool
}

func (w *walker) pull() (Record, bool, error) {
	if w.peekDone {
		w.peekDone = false
		if !w.peekFound {
			return Record{}, false, nil
		}
		return *w.peeked, true, nil
	}
	return w.src.next()
}

// peek returns the record after the current one without consuming it.
func (w *walker) peek() (*Record, error) {
	if !w.peekDone {
		r, ok, err := w.src.next()
		if err != nil {
			return nil, err
		}
		w.peekDone, w.peekFound = true, ok
		w.peeked = &r
	}
	if !w.peekFound {
		return nil, nil
	}
	return w.peeked, nil
}

func (w *walker) run() (*Problem, int64, error) {
	var (
		want     int64  = 1        // the seq the next record must have
		prevHash        = ZeroHash // the hash the next record must link to
		lastHash string            // hash of the last intact record
		checked  int64
		first    = true
	)
	for {
		cur, ok, err := w.pull()
		if err != nil {
			return nil, checked, err
		}
		if !ok {
			break
		}
		if first && w.anchorAtFirst && cur.Seq > 1 {
			want, prevHash = cur.Seq, cur.PrevHash
		}
		first = false

		p, err := w.check(cur, want, prevHash)
		if err != nil || p != nil {
			return p, checked, err
		}
		checked++
		want, prevHash, lastHash = cur.Seq+1, cur.Hash, cur.Hash
	}

	h := w.head
	if h == nil {
		return nil, checked, nil
	}
	last := want - 1
	switch {
	case !h.found && last > 0:
		return &Problem{Seq: last, Kind: KindHeadMismatch,
			Detail: "audit_head is missing while the log has records"}, checked, nil
	case !h.found:
		return nil, checked, nil
	case h.seq == 0 && h.hash != ZeroHash:
		return &Problem{Seq: 0, Kind: KindHeadMismatch,
			Detail: "head of an empty chain has a non-zero hash"}, checked, nil
	case h.seq > last && last > 0 && h.hash == lastHash:
		return &Problem{Seq: h.seq, Kind: KindHeadMismatch,
			Detail: fmt.Sprintf("head names record %d with the hash of record %d, the newest", h.seq, last)}, checked, nil
	case h.seq > last:
		return &Problem{Seq: want, Kind: KindTruncated,
			Detail: fmt.Sprintf("records %d to %d named by the head are missing", want, h.seq)}, checked, nil
	}
	return nil, checked, nil
}

// check decides whether cur is intact as the record at seq want following a
// record with hash prevHash, and if not, what went wrong.
func (w *walker) check(cur Record, want int64, prevHash string) (*Problem, error) {
	h := w.head
	if h != nil && h.found && want > h.seq {
		return &Problem{Seq: cur.Seq, Kind: KindInserted,
			Detail: fmt.Sprintf("record beyond the head at %d", h.seq)}, nil
	}
	if cur.Seq < want {
		return &Problem{Seq: cur.Seq, Kind: KindInserted,
			Detail: fmt.Sprintf("record %d appears where record %d belongs", cur.Seq, want)}, nil
	}
	if cur.Seq > want {
		moved, err := w.laterHasSeq(cur.Seq, want)
		if err != nil {
			return nil, err
		}
		switch {
		case moved:
			return &Problem{Seq: want, Kind: KindReordered,
				Detail: fmt.Sprintf("record %d appears after record %d", want, cur.Seq)}, nil
		case h != nil && h.found && cur.Seq > h.seq:
			return &Problem{Seq: want, Kind: KindTruncated,
				Detail: fmt.Sprintf("records %d to %d named by the head are missing", want, h.seq)}, nil
		}
		return &Problem{Seq: want, Kind: KindDeleted,
			Detail: fmt.Sprintf("records %d to %d are missing", want, cur.Seq-1)}, nil
	}

	if !cur.sealedAs(want) {
		return w.classifyUnsealed(cur, want)
	}
	if cur.PrevHash != prevHash {
		next, err := w.peek()
		if err != nil {
			return nil, err
		}
		if next != nil && next.Seq == want+1 && next.sealedAs(want) {
			return &Problem{Seq: want, Kind: KindInserted,
				Detail: fmt.Sprintf("record %d does not link to its predecessor and the record after it was written as %d", want, want)}, nil
		}
		if want > 1 {
			return &Problem{Seq: want - 1, Kind: KindEdited,
				Detail: fmt.Sprintf("record %d's hash is not the prev_hash of record %d", want-1, want)}, nil
		}
		return &Problem{Seq: want, Kind: KindEdited,
			Detail: "prev_hash of the first record is not the zero hash"}, nil
	}
	if h != nil && h.found && cur.Seq == h.seq && cur.Hash != h.hash {
		return &Problem{Seq: h.seq, Kind: KindHeadMismatch,
			Detail: fmt.Sprintf("head hash differs from the hash of record %d", h.seq)}, nil
	}
	return nil, nil
}

// laterHasHash and laterHasSeq look past the current record, including the
// look-ahead the walker holds.
func (w *walker) laterHasHash(afterSeq int64, hash string) (bool, error) {
	if w.peekDone && w.peekFound && w.peeked.Hash == hash {
		return true, nil
	}
	return w.src.laterHasHash(afterSeq, hash)
}

func (w *walker) laterHasSeq(afterSeq, seq int64) (bool, error) {
	if w.peekDone && w.peekFound && w.peeked.Seq == seq {
		return true, nil
	}
	return w.src.laterHasSeq(afterSeq, seq)
}

// classifyUnsealed explains a record at seq want whose hash does not match
// its fields.
func (w *walker) classifyUnsealed(cur Record, want int64) (*Problem, error) {
	// Read the look-ahead first: a database source closes its cursor once
	// the laterHas lookups run.
	next, err := w.peek()
	if err != nil {
		return nil, err
	}
	if want > 1 && cur.sealedAs(want-1) {
		return &Problem{Seq: want - 1, Kind: KindInserted,
			Detail: fmt.Sprintf("record written as %d now stands at %d", want-1, want)}, nil
	}
	if cur.sealedAs(want + 1) {
		displaced, err := w.laterHasHash(want, cur.PrevHash)
		if err != nil {
			return nil, err
		}
		if displaced {
			return &Problem{Seq: want, Kind: KindReordered,
				Detail: fmt.Sprintf("record written as %d stands at %d, before its predecessor", want+1, want)}, nil
		}
		return &Problem{Seq: want, Kind: KindDeleted,
			Detail: fmt.Sprintf("record %d is missing and later records were renumbered", want)}, nil
	}
	if next != nil && next.Seq == want+1 && next.sealedAs(want) {
		return &Problem{Seq: want, Kind: KindInserted,
			Detail: fmt.Sprintf("record %d is not genuine and the record after it was written as %d", want, want)}, nil
	}
	if cur.PrevHash != "" {
		displaced, err := w.laterHasHash(want, cur.PrevHash)
		if err != nil {
			return nil, err
		}
		if displaced {
			return &Problem{Seq: want, Kind: KindReordered,
				Detail: fmt.Sprintf("record at %d links to a record stored after it", want)}, nil
		}
	}
	return &Problem{Seq: want, Kind: KindEdited,
		Detail: fmt.Sprintf("fields of record %d do not match its hash", want)}, nil
}

// dbSource reads audit_log in seq order within a transaction.
type dbSource struct {
	ctx  context.Context
	tx   *sql.Tx
	rows *sql.Rows
	done bool
}

func (s *dbSource) next() (Record, bool, error) {
	if s.done {
		return Record{}, false, nil
	}
	if s.rows == nil {
		rows, err := s.tx.QueryContext(s.ctx, `SELECT `+recordColumns+` FROM audit_log ORDER BY seq`)
		if err != nil {
			return Record{}, false, fmt.Errorf("select records: %w", err)
		}
		s.rows = rows
	}
	if !s.rows.Next() {
		s.done = true
		if err := s.rows.Err(); err != nil {
			return Record{}, false, fmt.Errorf("select records: %w", err)
		}
		return Record{}, false, nil
	}
	r, err := scanRecord(s.rows)
	if err != nil {
		return Record{}, false, err
	}
	return r, true, nil
}

// close ends the sequential read, so that the lookups can use the
// transaction's connection; drivers such as PostgreSQL's serve one result
// set per connection at a time.
func (s *dbSource) close() {
	if s.rows != nil {
		s.rows.Close()
		s.rows = nil
	}
	s.done = true
}

func (s *dbSource) laterHasHash(afterSeq int64, hash string) (bool, error) {
	return s.exists(`SELECT 1 FROM audit_log WHERE seq > $1 AND hash = $2 LIMIT 1`, afterSeq, hash)
}

func (s *dbSource) laterHasSeq(afterSeq, seq int64) (bool, error) {
	// Rows come in seq order, so no row after afterSeq can have a
	// smaller seq.
	if seq <= afterSeq {
		return false, nil
	}
	return s.exists(`SELECT 1 FROM audit_log WHERE seq = $1 LIMIT 1`, seq)
}

func (s *dbSource) exists(query string, args ...any) (bool, error) {
	s.close()
	var one int
	err := s.tx.QueryRowContext(s.ctx, query, args...).Scan(&one)
	if errors.Is(err, sql.ErrNoRows) {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("look up records: %w", err)
	}
	return true, nil
}

// streamSource reads exported JSON lines.
type streamSource struct {
	sc   *bufio.Scanner
	line int

	restRead bool
	hashes   map[string]bool
	seqs     map[int64]bool
}

func (s *streamSource) next() (Record, bool, error) {
	if !s.sc.Scan() {
		if err := s.sc.Err(); err != nil {
			return Record{}, false, fmt.Errorf("line %d: %w", s.line+1, err)
		}
		return Record{}, false, nil
	}
	s.line++
	r, err := DecodeRecord(s.sc.Bytes())
	if err != nil {
		return Record{}, false, fmt.Errorf("line %d: %w", s.line, err)
	}
	return r, true, nil
}

// readRest indexes the rest of the stream. Lines that do not decode are
// skipped: a problem has already been found.
func (s *streamSource) readRest() {
	if s.restRead {
		return
	}
	s.restRead = true
	s.hashes, s.seqs = map[string]bool{}, map[int64]bool{}
	for s.sc.Scan() {
		if r, err := DecodeRecord(s.sc.Bytes()); err == nil {
			s.hashes[r.Hash], s.seqs[r.Seq] = true, true
		}
	}
}

func (s *streamSource) laterHasHash(_ int64, hash string) (bool, error) {
	s.readRest()
	return s.hashes[hash], nil
}

func (s *streamSource) laterHasSeq(_ int64, seq int64) (bool, error) {
	s.readRest()
	return s.seqs[seq], nil
}
