package mysqladmin

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"strconv"
	"sync/atomic"
	"testing"
	"time"

	"github.com/dbwarden/dbwarden/internal/testenv"
)

func TestMain(m *testing.M) { testenv.Main(m) }

func testContext(t testing.TB) context.Context {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	t.Cleanup(cancel)
	return ctx
}

// rootCredentials returns the test server's root login as a Credentials.
func rootCredentials(t testing.TB, srv *testenv.MariaDBServer) Credentials {
	t.Helper()
	return Credentials{Engine: "mariadb", Host: srv.Host, Port: srv.Port, Username: srv.User, Password: srv.Password}
}

// rootServer logs in as root and closes the connection when the test ends.
func rootServer(t testing.TB) (*testenv.MariaDBServer, *Server) {
	t.Helper()
	srv := testenv.MariaDB(t)
	s, err := Connect(testContext(t), rootCredentials(t, srv))
	if err != nil {
		t.Fatalf("connect as root: %v", err)
	}
	t.Cleanup(func() { s.Close() })
	return srv, s
}

var nameSeq atomic.Int64

// uniqueName returns prefix followed by a number unique in this process and
// a random suffix, so tests running at once or again never share accounts.
func uniqueName(prefix string) string {
	b := make([]byte, 3)
	rand.Read(b)
	return prefix + strconv.FormatInt(nameSeq.Add(1), 10) + "_" + hex.EncodeToString(b)
}

// newAccount creates an account with password on the test server and drops
// it when the test ends.
func newAccount(t testing.TB, s *Server, a Account, password string) {
	t.Helper()
	ctx := testContext(t)
	if err := s.CreateAccount(ctx, a, password); err != nil {
		t.Fatalf("create %s: %v", a, err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		defer cancel()
		s.DropAccount(ctx, a)
	})
}

// loginErr logs in with c and runs SELECT 1.
func loginErr(ctx context.Context, c Credentials) error {
	s, err := Connect(ctx, c)
	if err != nil {
		return err
	}
	defer s.Close()
	return s.Ping(ctx)
}

// mustLogin fails the test unless c logs in; the message names the user,
// never the password.
func mustLogin(t testing.TB, c Credentials, what string) {
	t.Helper()
	if err := loginErr(testContext(t), c); err != nil {
		t.Fatalf("%s: user %q does not log in: %v", what, c.Username, err)
	}
}

// mustNotLogin fails the test if c logs in, or fails for another reason
// than a refused login.
func mustNotLogin(t testing.TB, c Credentials, what string) {
	t.Helper()
	err := loginErr(testContext(t), c)
	if err == nil {
		t.Fatalf("%s: user %q logs in, want access denied", what, c.Username)
	}
	if !errors.Is(err, ErrAccessDenied) {
		t.Fatalf("%s: got %v, want access denied", what, err)
	}
}

// exec runs statements as root, failing the test on error.
func mustExec(t testing.TB, s *Server, query string, args ...any) {
	t.Helper()
	if _, err := s.DB().ExecContext(testContext(t), query, args...); err != nil {
		t.Fatalf("%s: %v", query, err)
	}
}

// assertNoSecret fails if err's text holds any of the secrets. It never
// prints them.
func assertNoSecret(t testing.TB, err error, secrets ...string) {
	t.Helper()
	if err == nil {
		return
	}
	for i, s := range secrets {
		if s != "" && containsAny(err.Error(), []string{s}) {
			t.Fatalf("the error text holds secret #%d (not shown)", i+1)
		}
		if s != "" && containsAny(fmt.Sprintf("%#v", err), []string{s}) {
			t.Fatalf("the error's %%#v holds secret #%d (not shown)", i+1)
		}
	}
}
