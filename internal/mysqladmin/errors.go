package mysqladmin

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"database/sql/driver"
	"errors"
	"fmt"
	"io"
	"net"
	"strings"
	"syscall"

	"github.com/go-sql-driver/mysql"
)

// Kinds of failure. Errors of this package wrap one of them when it applies;
// test with errors.Is.
var (
	// ErrInvalidCredentials: a credentials document is malformed or lacks
	// a field; the error is a *FieldError.
	ErrInvalidCredentials = errors.New("invalid credentials document")
	// ErrAccessDenied: the server refused the login (wrong user name or
	// password, or the account requires TLS and the login had none).
	ErrAccessDenied = errors.New("access denied")
	// ErrUnreachable: no connection to the server (refused, timed out,
	// dropped).
	ErrUnreachable = errors.New("server unreachable")
	// ErrTLS: TLS was asked for and could not be set up, or the server's
	// certificate did not verify.
	ErrTLS = errors.New("TLS failed")
	// ErrNotPermitted: the logged-in account lacks a privilege the
	// statement needs.
	ErrNotPermitted = errors.New("not permitted")
	// ErrNoSuchAccount: the account does not exist.
	ErrNoSuchAccount = errors.New("no such account")
	// ErrNameTooLong: a user name is longer than the server allows.
	ErrNameTooLong = errors.New("user name too long")
	// ErrUnsupported: the server's flavor or version cannot do what was
	// asked.
	ErrUnsupported = errors.New("not supported by this server")
)

// FieldError is a bad credentials document. Field is the JSON key, or ""
// for the document as a whole. It never holds a value from the document.
type FieldError struct {
	Field   string
	Problem string
}

func invalid(field, problem string) *FieldError { return &FieldError{Field: field, Problem: problem} }

func (e *FieldError) Error() string {
	if e.Field == "" {
		return "credentials: " + e.Problem
	}
	return fmt.Sprintf("credentials: field %q %s", e.Field, e.Problem)
}

// Is makes errors.Is(err, ErrInvalidCredentials) true.
func (e *FieldError) Is(target error) bool { return target == ErrInvalidCredentials }

// Error is a failed operation on a server: what was done, where, as whom.
// Its text never holds a password: the server's message is dropped when the
// statement carried one (a syntax error quotes the statement).
type Error struct {
	Op   string // "log in", "alter user 'app'@'%'", ...
	Addr string // host:port
	User string // the account logged in, as its user name
	Kind error  // one of this package's sentinels, or nil
	Err  error  // the cause, as the driver reported it (sanitized)
}

func (e *Error) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "mysql %s: %s as user %q", e.Addr, e.Op, e.User)
	if e.Kind != nil {
		b.WriteString(": ")
		b.WriteString(e.Kind.Error())
	}
	if e.Err != nil {
		b.WriteString(": ")
		b.WriteString(e.Err.Error())
	}
	return b.String()
}

// Unwrap gives errors.Is and errors.As both the kind and the cause.
func (e *Error) Unwrap() []error {
	var errs []error
	if e.Kind != nil {
		errs = append(errs, e.Kind)
	}
	if e.Err != nil {
		errs = append(errs, e.Err)
	}
	return errs
}

// MySQL and MariaDB error numbers this package tells apart.
const (
	erDBAccessDenied       = 1044 // ER_DBACCESS_DENIED_ERROR
	erAccessDenied         = 1045 // ER_ACCESS_DENIED_ERROR
	erNonexistingGrant     = 1141 // ER_NONEXISTING_GRANT
	erTableAccessDenied    = 1142 // ER_TABLEACCESS_DENIED_ERROR
	erPasswordNoMatch      = 1133 // ER_PASSWORD_NO_MATCH: no such account
	erSpecificAccessDenied = 1227 // ER_SPECIFIC_ACCESS_DENIED_ERROR
	erOptionPreventsStmt   = 1290 // ER_OPTION_PREVENTS_STATEMENT (read_only, ...)
	erCannotUser           = 1396 // ER_CANNOT_USER: CREATE/ALTER/DROP USER failed
	erAccessDeniedNoPass   = 1698 // ER_ACCESS_DENIED_NO_PASSWORD_ERROR
	erNotValidPassword     = 1819 // ER_NOT_VALID_PASSWORD (password policy)
	erMustChangePassword   = 1820 // ER_MUST_CHANGE_PASSWORD
	erInsecureTransport    = 3159 // MySQL: require_secure_transport
	erIncorrectCurrentPass = 3891 // MySQL: REPLACE clause does not match
)

// safeMessages are errors whose server message never quotes the statement.
var safeMessages = map[uint16]bool{
	erDBAccessDenied: true, erAccessDenied: true, erNonexistingGrant: true,
	erTableAccessDenied: true, erPasswordNoMatch: true, erSpecificAccessDenied: true,
	erOptionPreventsStmt: true, erCannotUser: true, erAccessDeniedNoPass: true,
	erNotValidPassword: true, erMustChangePassword: true, erInsecureTransport: true,
	erIncorrectCurrentPass: true,
}

// mysqlErrorNumber returns the server's error number in err, or 0.
func mysqlErrorNumber(err error) uint16 {
	var me *mysql.MySQLError
	if errors.As(err, &me) {
		return me.Number
	}
	return 0
}

// kindOf sorts a driver error into one of the sentinels, or nil.
func kindOf(err error) error {
	if err == nil {
		return nil
	}
	switch mysqlErrorNumber(err) {
	case erAccessDenied, erAccessDeniedNoPass, erDBAccessDenied, erInsecureTransport:
		return ErrAccessDenied
	case erSpecificAccessDenied, erTableAccessDenied, erOptionPreventsStmt:
		return ErrNotPermitted
	case erNonexistingGrant, erPasswordNoMatch:
		return ErrNoSuchAccount
	case 0:
	default:
		return nil
	}
	var (
		unknownCA *x509.UnknownAuthorityError
		hostErr   x509.HostnameError
		invalidC  x509.CertificateInvalidError
		verifyErr *tls.CertificateVerificationError
		recordErr tls.RecordHeaderError
		alertErr  tls.AlertError
	)
	switch {
	case errors.Is(err, mysql.ErrNoTLS),
		errors.As(err, &unknownCA), errors.As(err, &hostErr), errors.As(err, &invalidC),
		errors.As(err, &verifyErr), errors.As(err, &recordErr), errors.As(err, &alertErr):
		return ErrTLS
	}
	var netErr net.Error
	switch {
	case errors.As(err, &netErr),
		errors.Is(err, syscall.ECONNREFUSED), errors.Is(err, syscall.ECONNRESET),
		errors.Is(err, mysql.ErrInvalidConn), errors.Is(err, driver.ErrBadConn),
		errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF),
		errors.Is(err, context.DeadlineExceeded):
		return ErrUnreachable
	}
	return nil
}

// sanitize returns err fit for an error message. When the statement carried
// secrets, a server message that may quote the statement is dropped, and any
// secret that still shows is cut out.
func sanitize(err error, secrets ...string) error {
	if err == nil || len(secrets) == 0 {
		return err
	}
	var me *mysql.MySQLError
	if errors.As(err, &me) {
		msg := "(the server's message is withheld: it may quote the statement, which holds a password)"
		if safeMessages[me.Number] && !containsAny(me.Message, secrets) {
			msg = me.Message
		}
		return &mysql.MySQLError{Number: me.Number, SQLState: me.SQLState, Message: msg}
	}
	if containsAny(err.Error(), secrets) {
		return errors.New("(error text withheld: it holds a password)")
	}
	return err
}

func containsAny(s string, subs []string) bool {
	for _, sub := range subs {
		if sub != "" && strings.Contains(s, sub) {
			return true
		}
	}
	return false
}
