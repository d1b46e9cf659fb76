package backup

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"strconv"
)

// Every object of a backup, schema or data, is a sequence of SQL
// statements, each framed by its length: "<n>\n" then n bytes then "\n".
// Bodies of routines and triggers hold semicolons and newlines, so no
// delimiter would do; a length never needs escaping.

// maxStatement bounds one statement a reader accepts: a row of tens of MB
// fits, a corrupt length does not make the reader allocate gigabytes.
const maxStatement = 1 << 30

// statementWriter frames statements onto w.
type statementWriter struct {
	w *bufio.Writer
	n int // statements written
}

func newStatementWriter(w io.Writer) *statementWriter {
	return &statementWriter{w: bufio.NewWriterSize(w, 256<<10)}
}

func (s *statementWriter) write(stmt []byte) error {
	s.n++
	if _, err := s.w.WriteString(strconv.Itoa(len(stmt))); err != nil {
		return err
	}
	s.w.WriteByte('\n')
	s.w.Write(stmt)
	return s.w.WriteByte('\n')
}

func (s *statementWriter) flush() error { return s.w.Flush() }

// statementReader reads framed statements.
type statementReader struct {
	r   *bufio.Reader
	buf []byte
}

func newStatementReader(r io.Reader) *statementReader {
	return &statementReader{r: bufio.NewReaderSize(r, 256<<10)}
}

// errFraming is a stream that is not a sequence of framed statements.
var errFraming = errors.New("not a sequence of framed statements")

// next returns the next statement, valid until the following call, or
// io.EOF after the last one.
func (s *statementReader) next() ([]byte, error) {
	line, err := s.r.ReadSlice('\n')
	if err == io.EOF && len(line) == 0 {
		return nil, io.EOF
	}
	if err != nil {
		return nil, fmt.Errorf("%w: %v", errFraming, err)
	}
	n, err := strconv.Atoi(string(line[:len(line)-1]))
	if err != nil || n < 0 || n > maxStatement {
		return nil, fmt.Errorf("%w: bad length %.20q", errFraming, line)
	}
	if cap(s.buf) < n+1 {
		s.buf = make([]byte, n+1)
	}
	b := s.buf[:n+1]
	if _, err := io.ReadFull(s.r, b); err != nil {
		return nil, fmt.Errorf("%w: statement cut short", errFraming)
	}
	if b[n] != '\n' {
		return nil, fmt.Errorf("%w: statement not terminated", errFraming)
	}
	return b[:n], nil
}
