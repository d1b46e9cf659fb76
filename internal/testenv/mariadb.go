package testenv

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"database/sql"
	"encoding/hex"
	"encoding/pem"
	"errors"
	"fmt"
	"math/big"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
	"unicode"

	"github.com/go-sql-driver/mysql"
)

// MariaDBServer is a private MariaDB server that MariaDB started for this
// test process: its own data directory, socket and 127.0.0.1 port, and a root
// account with a random password. Tests share it, so each test works in
// databases and accounts of its own (see NewDatabase).
type MariaDBServer struct {
	Host     string // always "127.0.0.1"
	Port     int
	User     string // "root", with every privilege
	Password string // the root password, random for each server
	// CAPEM is the PEM certificate of the CA that signed the server's TLS
	// certificate, which is valid for 127.0.0.1 and localhost.
	CAPEM []byte
	// Socket is the server's Unix socket, where root also logs in.
	Socket string

	root    string // temporary directory holding everything below
	datadir string
	args    []string // mariadbd and its arguments

	mu      sync.Mutex
	proc    *mariadbProc // nil while stopped
	stopped bool         // by Stop, until Start
	dbSeq   atomic.Int64
}

// mariadbProc is one running mariadbd, watched over by a small shell that
// stops it and removes the data directory if this process ends without
// calling StopAll (a crash, a timeout, kill -9): the shell reads its stdin,
// a pipe whose only writer is lifeline, and reading hits end-of-file as soon
// as this process is gone.
type mariadbProc struct {
	cmd      *exec.Cmd
	lifeline *os.File
	exited   chan struct{}
	out      *LockedBuffer
}

// mariadbStartTimeout bounds how long a start may take before it is called
// hung. It is a limit, not an assertion about speed.
const mariadbStartTimeout = 60 * time.Second

// guardScript runs mariadbd ("$@") in the background. On SIGTERM (Stop and
// StopAll signal the whole process group) it waits for mariadbd to shut down
// and exits, leaving the data directory for a restart. When its stdin
// reaches end-of-file, the test process is gone: it stops mariadbd and
// removes the temporary directory ($1).
const guardScript = `root=$1
shift
"$@" &
child=$!
trap 'kill -TERM "$child" 2>/dev/null; wait "$child"; exit 0' TERM INT
while read -r _; do :; done
kill -TERM "$child" 2>/dev/null
wait "$child"
rm -rf "$root"
`

var mariadbState struct {
	once    sync.Once
	mu      sync.Mutex
	srv     *MariaDBServer
	missing string // why MariaDB cannot run here, for Require
	err     error  // why it failed to start
	ended   bool   // StopAll ran
}

// MariaDB returns the MariaDB server of this test process, starting it on the
// first call: mariadb-install-db makes a data directory in a new temporary
// directory, and mariadbd serves it on a free 127.0.0.1 port with TLS on
// (certificates from a CA made at start, see CAPEM). Anonymous accounts are
// removed and root gets a random password.
//
// The server lives until the test binary exits. A package that uses it stops
// it cleanly with a TestMain that calls Main (or StopAll after m.Run); even
// without one, or if the binary crashes or is killed, the server stops and its
// files are removed when the process is gone, so no mariadbd is left behind.
//
// When mariadbd or mariadb-install-db is not installed, Require decides: the
// test is skipped, or fails under CI=true. A server that does not start fails
// the test with the tail of its output.
func MariaDB(t testing.TB) *MariaDBServer {
	t.Helper()
	mariadbState.once.Do(startMariaDBOnce)
	mariadbState.mu.Lock()
	srv, missing, err, ended := mariadbState.srv, mariadbState.missing, mariadbState.err, mariadbState.ended
	mariadbState.mu.Unlock()
	switch {
	case missing != "":
		Require(t, "MariaDB (mariadbd and mariadb-install-db)", missing)
	case err != nil:
		t.Fatalf("testenv: mariadb: %v", err)
	case ended:
		t.Fatal("testenv: mariadb: the server was stopped by StopAll")
	}
	return srv
}

// Main runs the tests of a package that uses MariaDB and stops the server
// before exiting. Use it as the package's TestMain:
//
//	func TestMain(m *testing.M) { testenv.Main(m) }
func Main(m *testing.M) {
	code := m.Run()
	StopAll()
	os.Exit(code)
}

// StopAll stops the servers this package started for the process and removes
// their files. Call it after m.Run in a TestMain (Main does); MariaDB fails
// the tests that call it afterwards.
func StopAll() {
	mariadbState.mu.Lock()
	srv := mariadbState.srv
	mariadbState.ended = true
	mariadbState.mu.Unlock()
	if srv == nil {
		return
	}
	srv.mu.Lock()
	defer srv.mu.Unlock()
	srv.stopLocked()
	os.RemoveAll(srv.root)
}

func startMariaDBOnce() {
	srv, missing, err := startMariaDB()
	mariadbState.mu.Lock()
	defer mariadbState.mu.Unlock()
	mariadbState.srv, mariadbState.missing, mariadbState.err = srv, missing, err
}

// lookBin finds a program on PATH or in the system directories Debian
// installs MariaDB's programs in, which are not always on PATH.
func lookBin(names ...string) (string, error) {
	for _, name := range names {
		if p, err := exec.LookPath(name); err == nil {
			return p, nil
		}
		for _, dir := range []string{"/usr/sbin", "/usr/bin", "/usr/local/sbin", "/usr/local/bin"} {
			p := filepath.Join(dir, name)
			if fi, err := os.Stat(p); err == nil && !fi.IsDir() && fi.Mode()&0o111 != 0 {
				return p, nil
			}
		}
	}
	return "", fmt.Errorf("%s not found", strings.Join(names, " or "))
}

const mariadbInstallHint = "install it with: DEBIAN_FRONTEND=noninteractive apt-get install -y mariadb-server mariadb-client (scripts/test does)"

func startMariaDB() (srv *MariaDBServer, missing string, err error) {
	if runtime.GOOS == "windows" {
		return nil, "the test set-up runs mariadbd under /bin/sh, which Windows lacks", nil
	}
	mariadbd, err := lookBin("mariadbd", "mysqld")
	if err != nil {
		return nil, fmt.Sprintf("%v; %s", err, mariadbInstallHint), nil
	}
	installDB, err := lookBin("mariadb-install-db", "mysql_install_db")
	if err != nil {
		return nil, fmt.Sprintf("%v; %s", err, mariadbInstallHint), nil
	}

	root, err := os.MkdirTemp("", "dbwarden-mariadb-")
	if err != nil {
		return nil, "", fmt.Errorf("make a temporary directory: %w", err)
	}
	defer func() {
		if err != nil {
			os.RemoveAll(root)
		}
	}()
	srv = &MariaDBServer{
		Host:    "127.0.0.1",
		User:    "root",
		Socket:  filepath.Join(root, "mariadbd.sock"),
		root:    root,
		datadir: filepath.Join(root, "data"),
	}
	tlsDir := filepath.Join(root, "tls")
	if srv.CAPEM, err = writeServerTLS(tlsDir); err != nil {
		return nil, "", err
	}
	tmpdir := filepath.Join(root, "tmp")
	if err := os.Mkdir(tmpdir, 0o700); err != nil {
		return nil, "", err
	}
	if err := installMariaDB(installDB, srv.datadir, tmpdir); err != nil {
		return nil, "", err
	}
	pw := make([]byte, 16)
	if _, err := rand.Read(pw); err != nil {
		return nil, "", err
	}
	srv.Password = hex.EncodeToString(pw)

	// The port is found free and then handed to mariadbd, so another process
	// can take it in between; then mariadbd exits and we try another.
	var errs []error
	for range 3 {
		port, err := freePort()
		if err != nil {
			return nil, "", err
		}
		srv.Port = port
		srv.args = mariadbArgs(mariadbd, srv, tlsDir)
		err = srv.startLocked(func(ctx context.Context) error { return srv.waitReady(ctx, "") })
		if err == nil {
			break
		}
		errs = append(errs, err)
		if !errors.Is(err, errPortTaken) {
			break
		}
	}
	if srv.proc == nil {
		return nil, "", errors.Join(errs...)
	}
	if err := srv.secure(); err != nil {
		srv.stopLocked()
		return nil, "", fmt.Errorf("set up accounts: %w", err)
	}
	return srv, "", nil
}

func mariadbArgs(bin string, srv *MariaDBServer, tlsDir string) []string {
	args := []string{
		bin,
		"--no-defaults",
		"--datadir=" + srv.datadir,
		"--socket=" + srv.Socket,
		"--tmpdir=" + filepath.Join(srv.root, "tmp"),
		"--pid-file=" + filepath.Join(srv.root, "mariadbd.pid"),
		"--port=" + strconv.Itoa(srv.Port),
		"--bind-address=127.0.0.1",
		// Accounts match on the client's address only: no DNS lookups, and
		// 'user'@'127.0.0.1' is what a TCP client from here is.
		"--skip-name-resolve",
		"--character-set-server=utf8mb4",
		"--collation-server=utf8mb4_general_ci",
		"--ssl-ca=" + filepath.Join(tlsDir, "ca.pem"),
		"--ssl-cert=" + filepath.Join(tlsDir, "server-cert.pem"),
		"--ssl-key=" + filepath.Join(tlsDir, "server-key.pem"),
		"--max-connections=500",
		"--innodb-buffer-pool-size=64M",
	}
	if os.Geteuid() == 0 {
		args = append(args, "--user=root")
	}
	return args
}

// installMariaDB makes the system tables in datadir. Its bootstrap server
// gets a temporary directory of its own: bootstraps running at once (test
// binaries of several packages) otherwise clash on temporary table files
// in /tmp.
func installMariaDB(bin, datadir, tmpdir string) error {
	args := []string{
		"--no-defaults",
		"--datadir=" + datadir,
		"--tmpdir=" + tmpdir,
		"--auth-root-authentication-method=normal",
		"--skip-test-db",
		"--skip-name-resolve",
	}
	if os.Geteuid() == 0 {
		args = append(args, "--user=root")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, bin, args...)
	cmd.Env = append(os.Environ(), "TMPDIR="+tmpdir)
	out, err := cmd.CombinedOutput()
	if err != nil {
		return fmt.Errorf("%s: %w\n--- output (tail) ---\n%s", filepath.Base(bin), err, tail(out, 4096))
	}
	return nil
}

func tail(b []byte, n int) string {
	if len(b) > n {
		b = b[len(b)-n:]
	}
	return string(b)
}

// startLocked starts mariadbd under the guard shell and waits with ready. The
// caller holds s.mu or owns s exclusively.
func (s *MariaDBServer) startLocked(ready func(context.Context) error) error {
	r, w, err := os.Pipe()
	if err != nil {
		return fmt.Errorf("make the lifeline pipe: %w", err)
	}
	out := &LockedBuffer{}
	cmd := exec.Command("/bin/sh", append([]string{"-c", guardScript, "sh", s.root}, s.args...)...)
	cmd.Stdin = r
	cmd.Stdout, cmd.Stderr = out, out
	cmd.Dir = s.root
	setProcessGroup(cmd)
	if err := cmd.Start(); err != nil {
		r.Close()
		w.Close()
		return fmt.Errorf("start mariadbd: %w", err)
	}
	r.Close() // the shell holds the read end; this process keeps only w
	p := &mariadbProc{cmd: cmd, lifeline: w, exited: make(chan struct{}), out: out}
	var waitErr error
	go func() {
		waitErr = cmd.Wait()
		close(p.exited)
	}()
	s.proc = p

	ctx, cancel := context.WithTimeout(context.Background(), mariadbStartTimeout)
	defer cancel()
	readyErr := make(chan error, 1)
	go func() { readyErr <- ready(ctx) }()
	select {
	case err = <-readyErr:
	case <-p.exited:
		cancel()
		<-readyErr
		err = fmt.Errorf("%w: %v", errMariaDBExited, waitErr)
	}
	if err != nil {
		s.stopLocked()
		if strings.Contains(out.Tail(8192), "Address already in use") {
			err = fmt.Errorf("%w: %v", errPortTaken, err) // a port race: the caller tries another port
		}
		return fmt.Errorf("mariadbd on port %d: %w\n--- mariadbd output (tail) ---\n%s", s.Port, err, out.Tail(4096))
	}
	return nil
}

var (
	errMariaDBExited = errors.New("mariadbd exited")
	errPortTaken     = errors.New("the port was taken")
)

// stopLocked stops mariadbd and waits until it is gone. The caller holds s.mu.
func (s *MariaDBServer) stopLocked() {
	p := s.proc
	if p == nil {
		return
	}
	s.proc = nil
	stopProcess(p.cmd.Process)
	select {
	case <-p.exited:
	case <-time.After(mariadbStartTimeout):
		killProcess(p.cmd.Process)
		<-p.exited
	}
	p.lifeline.Close()
}

// waitReady polls the socket until root logs in with password pw.
func (s *MariaDBServer) waitReady(ctx context.Context, pw string) error {
	cfg := s.socketConfig(pw)
	tick := time.NewTicker(50 * time.Millisecond)
	defer tick.Stop()
	var last error
	for {
		db, err := openConfig(cfg)
		if err == nil {
			err = db.PingContext(ctx)
			db.Close()
			if err == nil {
				return nil
			}
		}
		last = err
		select {
		case <-ctx.Done():
			return fmt.Errorf("no answer on %s within %v: %v", s.Socket, mariadbStartTimeout, last)
		case <-tick.C:
		}
	}
}

func (s *MariaDBServer) socketConfig(pw string) *mysql.Config {
	cfg := mysql.NewConfig()
	cfg.User, cfg.Passwd = s.User, pw
	cfg.Net, cfg.Addr = "unix", s.Socket
	cfg.Timeout = 2 * time.Second
	cfg.InterpolateParams = true
	cfg.Logger = &mysql.NopLogger{}
	return cfg
}

func openConfig(cfg *mysql.Config) (*sql.DB, error) {
	conn, err := mysql.NewConnector(cfg)
	if err != nil {
		return nil, err
	}
	return sql.OpenDB(conn), nil
}

// secure removes the anonymous accounts and the root accounts other than
// root@localhost (socket) and root@127.0.0.1 (TCP), and gives those two the
// server's password.
func (s *MariaDBServer) secure() error {
	db, err := openConfig(s.socketConfig(""))
	if err != nil {
		return err
	}
	defer db.Close()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	rows, err := db.QueryContext(ctx, "SELECT User, Host FROM mysql.user WHERE User = '' OR (User = 'root' AND Host NOT IN ('localhost', '127.0.0.1'))")
	if err != nil {
		return err
	}
	var drop [][2]string
	for rows.Next() {
		var u, h string
		if err := rows.Scan(&u, &h); err != nil {
			rows.Close()
			return err
		}
		drop = append(drop, [2]string{u, h})
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return err
	}
	for _, a := range drop {
		if _, err := db.ExecContext(ctx, "DROP USER ?@?", a[0], a[1]); err != nil {
			return fmt.Errorf("drop account %q@%q: %w", a[0], a[1], err)
		}
	}
	stmts := []string{
		"CREATE USER IF NOT EXISTS 'root'@'127.0.0.1'",
		"GRANT ALL PRIVILEGES ON *.* TO 'root'@'127.0.0.1' WITH GRANT OPTION",
		"GRANT PROXY ON ''@'%' TO 'root'@'127.0.0.1' WITH GRANT OPTION",
	}
	for _, q := range stmts {
		if _, err := db.ExecContext(ctx, q); err != nil {
			return fmt.Errorf("%s: %w", q, err)
		}
	}
	for _, host := range []string{"127.0.0.1", "localhost"} {
		if _, err := db.ExecContext(ctx, "ALTER USER 'root'@? IDENTIFIED BY ?", host, s.Password); err != nil {
			return fmt.Errorf("set the password of root@%s: %w", host, err)
		}
	}
	return nil
}

// Addr returns "127.0.0.1:PORT".
func (s *MariaDBServer) Addr() string { return net.JoinHostPort(s.Host, strconv.Itoa(s.Port)) }

// Config returns a go-sql-driver/mysql configuration for root over TCP,
// without TLS, with placeholders interpolated by the driver (so that ? works
// in CREATE USER, GRANT and the like), for database dbname ("" for none).
func (s *MariaDBServer) Config(dbname string) *mysql.Config {
	cfg := mysql.NewConfig()
	cfg.User, cfg.Passwd = s.User, s.Password
	cfg.Net, cfg.Addr = "tcp", s.Addr()
	cfg.DBName = dbname
	cfg.Timeout = 5 * time.Second
	cfg.InterpolateParams = true
	cfg.Logger = &mysql.NopLogger{} // reconnects after Stop and Start are expected
	return cfg
}

// DSN returns Config(dbname) as a data source name for sql.Open("mysql", ...).
func (s *MariaDBServer) DSN(dbname string) string { return s.Config(dbname).FormatDSN() }

// TLSConfig returns a client TLS configuration that trusts only the server's
// CA and checks that the certificate is valid for 127.0.0.1.
func (s *MariaDBServer) TLSConfig() *tls.Config {
	pool := x509.NewCertPool()
	pool.AppendCertsFromPEM(s.CAPEM)
	return &tls.Config{RootCAs: pool, ServerName: s.Host, MinVersion: tls.VersionTLS12}
}

// DB opens a root connection pool for the test and closes it when the test
// ends.
func (s *MariaDBServer) DB(t testing.TB) *sql.DB {
	t.Helper()
	db, err := openConfig(s.Config(""))
	if err != nil {
		t.Fatalf("testenv: mariadb: open: %v", err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

// NewDatabase creates an empty database for the test, named after it, and
// drops it when the test ends. It returns the database's name, which needs
// no quoting (letters, digits and underscores).
func (s *MariaDBServer) NewDatabase(t testing.TB) string {
	t.Helper()
	name := fmt.Sprintf("t%d_%s", s.dbSeq.Add(1), identPart(t.Name(), 40))
	db := s.DB(t)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	if _, err := db.ExecContext(ctx, "CREATE DATABASE `"+name+"`"); err != nil {
		t.Fatalf("testenv: mariadb: create database %s: %v", name, err)
	}
	t.Cleanup(func() { // runs before DB's cleanup closes db
		if s.running() {
			ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
			defer cancel()
			db.ExecContext(ctx, "DROP DATABASE IF EXISTS `"+name+"`")
		}
	})
	return name
}

// identPart keeps the letters, digits and underscores of s, lower-cased and
// cut to n bytes.
func identPart(s string, n int) string {
	var b strings.Builder
	for _, r := range strings.ToLower(s) {
		if b.Len() >= n {
			break
		}
		switch {
		case r < unicode.MaxASCII && (unicode.IsLetter(r) || unicode.IsDigit(r)):
			b.WriteRune(r)
		default:
			b.WriteByte('_')
		}
	}
	return b.String()
}

func (s *MariaDBServer) running() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.proc != nil
}

// Stop stops the server, for a test that needs it down; the data directory
// stays. If the test has not called Start by the time it ends, the server is
// started again then. Tests that call Stop must not run in parallel with
// other tests that use the server.
func (s *MariaDBServer) Stop(t testing.TB) {
	t.Helper()
	s.mu.Lock()
	s.stopLocked()
	s.stopped = true
	s.mu.Unlock()
	t.Cleanup(func() {
		s.mu.Lock()
		again := s.stopped
		s.mu.Unlock()
		if again {
			s.Start(t)
		}
	})
}

// Start starts the server again after Stop, on the same port and data
// directory, and waits until it answers. It does nothing if it is running.
func (s *MariaDBServer) Start(t testing.TB) {
	t.Helper()
	s.mu.Lock()
	defer s.mu.Unlock()
	s.stopped = false
	if s.proc != nil {
		return
	}
	if err := s.startLocked(func(ctx context.Context) error { return s.waitReady(ctx, s.Password) }); err != nil {
		t.Fatalf("testenv: mariadb: restart: %v", err)
	}
}

// writeServerTLS makes a CA and a server certificate signed by it, valid for
// 127.0.0.1 and localhost, writes them to dir and returns the CA's PEM.
func writeServerTLS(dir string) ([]byte, error) {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, err
	}
	caKey, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, err
	}
	now := time.Now()
	caTmpl := &x509.Certificate{
		SerialNumber:          big.NewInt(1),
		Subject:               pkix.Name{CommonName: "dbwarden test CA"},
		NotBefore:             now.Add(-time.Hour),
		NotAfter:              now.Add(10 * 24 * time.Hour),
		KeyUsage:              x509.KeyUsageCertSign | x509.KeyUsageCRLSign,
		BasicConstraintsValid: true,
		IsCA:                  true,
	}
	caDER, err := x509.CreateCertificate(rand.Reader, caTmpl, caTmpl, &caKey.PublicKey, caKey)
	if err != nil {
		return nil, fmt.Errorf("make the test CA: %w", err)
	}
	ca, err := x509.ParseCertificate(caDER)
	if err != nil {
		return nil, err
	}
	srvKey, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, err
	}
	srvTmpl := &x509.Certificate{
		SerialNumber: big.NewInt(2),
		Subject:      pkix.Name{CommonName: "127.0.0.1"},
		NotBefore:    now.Add(-time.Hour),
		NotAfter:     now.Add(10 * 24 * time.Hour),
		KeyUsage:     x509.KeyUsageDigitalSignature,
		ExtKeyUsage:  []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		IPAddresses:  []net.IP{net.IPv4(127, 0, 0, 1)},
		DNSNames:     []string{"localhost"},
	}
	srvDER, err := x509.CreateCertificate(rand.Reader, srvTmpl, ca, &srvKey.PublicKey, caKey)
	if err != nil {
		return nil, fmt.Errorf("make the server certificate: %w", err)
	}
	keyDER, err := x509.MarshalPKCS8PrivateKey(srvKey)
	if err != nil {
		return nil, err
	}
	caPEM := pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: caDER})
	files := map[string][]byte{
		"ca.pem":          caPEM,
		"server-cert.pem": pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: srvDER}),
		"server-key.pem":  pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: keyDER}),
	}
	for name, data := range files {
		if err := os.WriteFile(filepath.Join(dir, name), data, 0o600); err != nil {
			return nil, err
		}
	}
	return caPEM, nil
}
