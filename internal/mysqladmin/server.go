// Package mysqladmin administers MySQL and MariaDB servers for dbwarden's
// rotation, bootstrap, backups and live scans: the credentials document
// secrets hold, logging in (TLS, timeouts), flavor and version detection,
// accounts, passwords (including two valid at once), and grants read from
// SHOW GRANTS into a normalized form that can be compared and copied from
// one account to another.
//
// Every statement passes values as ? placeholders that go-sql-driver/mysql
// interpolates on the client (interpolateParams), escaping them itself and
// honoring NO_BACKSLASH_ESCAPES: the server cannot prepare CREATE USER,
// ALTER USER or GRANT with placeholders in the account position.
// Identifiers (databases, tables, columns, roles) are quoted with backticks.
// No password ever reaches an error message.
package mysqladmin

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/go-sql-driver/mysql"
)

// Dialer opens connections. The zero value uses the default timeouts.
type Dialer struct {
	// ConnectTimeout bounds establishing a connection, TLS and login
	// included; 0 means 5 s.
	ConnectTimeout time.Duration
	// ReadTimeout and WriteTimeout bound each network read and write; 0
	// means 30 s.
	ReadTimeout, WriteTimeout time.Duration
}

const (
	defaultConnectTimeout = 5 * time.Second
	defaultIOTimeout      = 30 * time.Second
)

// Server is a logged-in connection pool to one server. It is safe for
// concurrent use; Close releases it.
type Server struct {
	db   *sql.DB
	info ServerInfo
	addr string
	user string
}

// Connect logs in with c and detects the server's flavor and version. See
// Dialer.Connect.
func Connect(ctx context.Context, c Credentials) (*Server, error) {
	return Dialer{}.Connect(ctx, c)
}

// Connect logs in with c (TLS when c.SSL, verified against c.SSLCA when
// set, else the system roots), checks the login and reads the server's
// version. A failed login is an *Error naming host:port and the user, that
// wraps ErrAccessDenied, ErrUnreachable or ErrTLS when one applies.
func (d Dialer) Connect(ctx context.Context, c Credentials) (*Server, error) {
	if err := c.Validate(); err != nil {
		return nil, err
	}
	cfg, err := d.config(c)
	if err != nil {
		return nil, err
	}
	conn, err := mysql.NewConnector(cfg)
	if err != nil {
		return nil, &Error{Op: "log in", Addr: c.Addr(), User: c.Username, Err: err}
	}
	db := sql.OpenDB(conn)
	db.SetMaxOpenConns(4)
	db.SetMaxIdleConns(2)
	db.SetConnMaxIdleTime(time.Minute)
	s := &Server{db: db, addr: c.Addr(), user: c.Username}

	// The login itself is bounded by the connect timeout, so that a server
	// that accepts connections and never answers fails fast too.
	loginCtx, cancel := context.WithTimeout(ctx, cfg.Timeout)
	defer cancel()
	var version, comment string
	err = db.QueryRowContext(loginCtx, "SELECT VERSION(), @@version_comment").Scan(&version, &comment)
	if err != nil {
		db.Close()
		err = sanitize(err, c.Password)
		return nil, &Error{Op: "log in", Addr: s.addr, User: s.user, Kind: kindOf(err), Err: err}
	}
	if s.info, err = ParseServerInfo(version, comment); err != nil {
		db.Close()
		return nil, &Error{Op: "log in", Addr: s.addr, User: s.user, Err: err}
	}
	return s, nil
}

// config builds the driver configuration for c. No DSN string is made, so
// no character of the password needs escaping.
func (d Dialer) config(c Credentials) (*mysql.Config, error) {
	cfg := mysql.NewConfig()
	cfg.Net = "tcp"
	cfg.Addr = c.Addr()
	cfg.User = c.Username
	cfg.Passwd = c.Password
	cfg.DBName = c.DBName
	cfg.InterpolateParams = true
	cfg.Timeout = orDefault(d.ConnectTimeout, defaultConnectTimeout)
	cfg.ReadTimeout = orDefault(d.ReadTimeout, defaultIOTimeout)
	cfg.WriteTimeout = orDefault(d.WriteTimeout, defaultIOTimeout)
	cfg.Logger = &mysql.NopLogger{}
	if c.SSL {
		tc := &tls.Config{ServerName: c.Host, MinVersion: tls.VersionTLS12}
		if c.SSLCA != "" {
			pool := x509.NewCertPool()
			if !pool.AppendCertsFromPEM([]byte(c.SSLCA)) {
				return nil, invalid(fieldSSLCA, "must hold at least one PEM certificate")
			}
			tc.RootCAs = pool
		}
		cfg.TLS = tc
	}
	return cfg, nil
}

func orDefault(v, def time.Duration) time.Duration {
	if v > 0 {
		return v
	}
	return def
}

// Info returns the server's flavor and version.
func (s *Server) Info() ServerInfo { return s.info }

// Addr returns the server's host:port.
func (s *Server) Addr() string { return s.addr }

// User returns the user name the connection logged in as.
func (s *Server) User() string { return s.user }

// DB returns the connection pool, for statements this package lacks. Pass
// values as ? placeholders; they are interpolated by the driver.
func (s *Server) DB() *sql.DB { return s.db }

// Close closes the connection pool.
func (s *Server) Close() error { return s.db.Close() }

// Ping runs SELECT 1 and checks its answer.
func (s *Server) Ping(ctx context.Context) error {
	var one int
	if err := s.db.QueryRowContext(ctx, "SELECT 1").Scan(&one); err != nil {
		return s.fail("run SELECT 1", err)
	}
	if one != 1 {
		return s.fail("run SELECT 1", fmt.Errorf("got %d, want 1", one))
	}
	return nil
}

// exec runs one statement. secrets are the passwords among args: when
// given, the server's message is left out of the error.
func (s *Server) exec(ctx context.Context, op string, query string, args []any, secrets ...string) error {
	if _, err := s.db.ExecContext(ctx, query, args...); err != nil {
		return s.fail(op, sanitize(err, secrets...))
	}
	return nil
}

// fail wraps err, already sanitized, in an *Error. Once logged in, an
// access-denied error (MariaDB answers a GRANT of a role without ADMIN
// OPTION with 1698) means a missing privilege.
func (s *Server) fail(op string, err error) error {
	var e *Error
	if errors.As(err, &e) {
		return err
	}
	kind := kindOf(err)
	if kind == ErrAccessDenied {
		kind = ErrNotPermitted
	}
	return &Error{Op: op, Addr: s.addr, User: s.user, Kind: kind, Err: err}
}

// Account is a MySQL account, 'user'@'host'.
type Account struct {
	User string
	Host string
}

// String returns the account as MySQL prints it, 'user'@'host', with quotes
// doubled; it is for messages, not for SQL.
func (a Account) String() string {
	return "'" + strings.ReplaceAll(a.User, "'", "''") + "'@'" + strings.ReplaceAll(a.Host, "'", "''") + "'"
}

// parseAccount splits CURRENT_USER()'s "user@host" at the last @: a host
// never holds one, a user name may.
func parseAccount(s string) (Account, error) {
	i := strings.LastIndexByte(s, '@')
	if i < 0 {
		return Account{}, fmt.Errorf("account %q: want user@host", s)
	}
	return Account{User: s[:i], Host: s[i+1:]}, nil
}

// quoteIdent quotes a database, table, column or role name with backticks.
// A backtick inside is doubled, which is the whole of identifier escaping:
// backslashes mean nothing there.
func quoteIdent(name string) string {
	return "`" + strings.ReplaceAll(name, "`", "``") + "`"
}
