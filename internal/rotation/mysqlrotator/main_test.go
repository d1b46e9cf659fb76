package mysqlrotator

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"path/filepath"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/dbwarden/dbwarden/internal/keys/filekeys"
	"github.com/dbwarden/dbwarden/internal/mysqladmin"
	"github.com/dbwarden/dbwarden/internal/rotation"
	"github.com/dbwarden/dbwarden/internal/store"
	"github.com/dbwarden/dbwarden/internal/store/sqlitestore"
	"github.com/dbwarden/dbwarden/internal/testenv"
)

func TestMain(m *testing.M) { testenv.Main(m) }

// Characters that break naive quoting, for user names and passwords.
const (
	specialUser     = `o'd#;\"u`
	specialPassword = `p'#;\"w` + "`x%_?"
)

// fixture is a MariaDB server, a root connection, a secret store holding a
// master secret, and a database for the test's grants.
type fixture struct {
	srv       *testenv.MariaDBServer
	root      *mysqladmin.Server
	store     *sqlitestore.Store
	secrets   rotation.SecretReader
	master    mysqladmin.Account // ALL PRIVILEGES ON *.* WITH GRANT OPTION
	masterARN string
	db        string
}

// storeSecrets reads secrets from the store, as the engine does.
type storeSecrets struct{ s store.Store }

func (r storeSecrets) CurrentValue(ctx context.Context, id string) (string, error) {
	out, err := r.s.GetSecretValue(ctx, &store.GetSecretValueInput{SecretId: id})
	if err != nil {
		return "", err
	}
	if out.SecretString == nil {
		return "", fmt.Errorf("secret %s has no SecretString", id)
	}
	return *out.SecretString, nil
}

func testContext(t testing.TB) context.Context {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	t.Cleanup(cancel)
	return ctx
}

func newFixture(t testing.TB) *fixture {
	t.Helper()
	srv := testenv.MariaDB(t)
	ctx := testContext(t)
	root, err := mysqladmin.Connect(ctx, mysqladmin.Credentials{Host: srv.Host, Port: srv.Port, Username: srv.User, Password: srv.Password})
	if err != nil {
		t.Fatalf("connect as root: %v", err)
	}
	t.Cleanup(func() { root.Close() })
	dir := t.TempDir()
	kp, err := filekeys.Open(filepath.Join(dir, "keys"))
	if err != nil {
		t.Fatal(err)
	}
	st, err := sqlitestore.Open(ctx, sqlitestore.Options{Path: filepath.Join(dir, "dbwarden.db"), Keys: kp})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	f := &fixture{srv: srv, root: root, store: st, secrets: storeSecrets{st}, db: srv.NewDatabase(t)}

	f.master = mysqladmin.Account{User: uniqueName("master"), Host: "%"}
	masterPW := "master-" + specialPassword
	f.createAccount(t, f.master, masterPW, "GRANT ALL PRIVILEGES ON *.* TO ?@? WITH GRANT OPTION")
	f.masterARN = f.putSecret(t, "test/master", f.value(f.master.User, masterPW, nil))
	return f
}

var nameSeq atomic.Int64

// uniqueName returns prefix and a suffix unique to this process and run.
func uniqueName(prefix string) string {
	b := make([]byte, 2)
	rand.Read(b)
	return prefix + strconv.FormatInt(nameSeq.Add(1), 10) + hex.EncodeToString(b)
}

// createAccount creates a as root with password and SELECT on the test's
// database (the dbname of its values), runs grants (each with ?@? for a),
// and drops a when the test ends.
func (f *fixture) createAccount(t testing.TB, a mysqladmin.Account, password string, grants ...string) {
	t.Helper()
	ctx := testContext(t)
	if err := f.root.CreateAccount(ctx, a, password); err != nil {
		t.Fatalf("create %s: %v", a, err)
	}
	f.dropLater(t, a)
	for _, g := range append([]string{"GRANT SELECT ON `" + f.db + "`.* TO ?@?"}, grants...) {
		f.exec(t, g, a.User, a.Host)
	}
}

// dropLater drops a when the test ends, whether or not it exists then.
func (f *fixture) dropLater(t testing.TB, a mysqladmin.Account) {
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		defer cancel()
		f.root.DropAccount(ctx, a)
	})
}

func (f *fixture) exec(t testing.TB, query string, args ...any) {
	t.Helper()
	if _, err := f.root.DB().ExecContext(testContext(t), query, args...); err != nil {
		t.Fatalf("%s: %v", query, err)
	}
}

// value returns a credentials document for the test server, with an
// unknown field that rotations must keep, and extra fields set by set.
func (f *fixture) value(user, password string, set map[string]any) string {
	m := map[string]any{
		"engine": "mariadb", "host": f.srv.Host, "port": f.srv.Port, "username": user, "password": password,
		"dbname": f.db, "x-owner": map[string]any{"team": "payments", "oncall": []any{"a", "b"}},
	}
	for k, v := range set {
		m[k] = v
	}
	b, err := json.Marshal(m)
	if err != nil {
		panic(err)
	}
	return string(b)
}

func (f *fixture) putSecret(t testing.TB, name, value string) string {
	t.Helper()
	out, err := f.store.CreateSecret(testContext(t), &store.CreateSecretInput{Name: name + "-" + uniqueName(""), SecretString: &value})
	if err != nil {
		t.Fatalf("create secret %s: %v", name, err)
	}
	return out.ARN
}

// rotate runs createSecret's, setSecret's and testSecret's parts as the
// engine does and returns the pending value.
func (f *fixture) rotate(t testing.TB, r rotation.Rotator, current, previous string) string {
	t.Helper()
	ctx := testContext(t)
	pending, err := r.NewPending(ctx, current)
	if err != nil {
		t.Fatalf("NewPending: %v", err)
	}
	if err := r.Set(ctx, rotation.SetInput{Current: current, Pending: pending, Previous: previous, Secrets: f.secrets}); err != nil {
		t.Fatalf("Set: %v", err)
	}
	if err := r.Test(ctx, pending); err != nil {
		t.Fatalf("Test: %v", err)
	}
	return pending
}

func parseValue(t testing.TB, value string) mysqladmin.Credentials {
	t.Helper()
	c, err := mysqladmin.ParseCredentials([]byte(value))
	if err != nil {
		t.Fatalf("parse value: %v", err)
	}
	return c
}

func loginErr(ctx context.Context, value string) error {
	c, err := mysqladmin.ParseCredentials([]byte(value))
	if err != nil {
		return err
	}
	s, err := mysqladmin.Connect(ctx, c)
	if err != nil {
		return err
	}
	defer s.Close()
	return s.Ping(ctx)
}

// mustLogin and mustNotLogin check a value's login; failures name the user
// and what the value is, never the password.
func mustLogin(t testing.TB, value, what string) {
	t.Helper()
	if err := loginErr(testContext(t), value); err != nil {
		t.Fatalf("%s (user %q) does not log in: %v", what, parseValue(t, value).Username, err)
	}
}

func mustNotLogin(t testing.TB, value, what string) {
	t.Helper()
	err := loginErr(testContext(t), value)
	if err == nil {
		t.Fatalf("%s (user %q) logs in, want access denied", what, parseValue(t, value).Username)
	}
	if !errors.Is(err, mysqladmin.ErrAccessDenied) {
		t.Fatalf("%s: got %v, want access denied", what, err)
	}
}

// assertNoSecret fails if err's text holds one of the secrets, without
// printing them.
func assertNoSecret(t testing.TB, err error, secrets ...string) {
	t.Helper()
	if err == nil {
		return
	}
	for i, s := range secrets {
		if s != "" && (strings.Contains(err.Error(), s) || strings.Contains(fmt.Sprintf("%#v", err), s)) {
			t.Fatalf("the error holds secret #%d (not shown)", i+1)
		}
	}
}

// checkPendingShape checks what NewPending made: the password generated to
// spec, every other field kept.
func checkPendingShape(t testing.TB, current, pending, wantUser string) {
	t.Helper()
	cur, pend := parseValue(t, current), parseValue(t, pending)
	if pend.Username != wantUser {
		t.Fatalf("pending user: got %q, want %q", pend.Username, wantUser)
	}
	if len(pend.Password) != 32 || strings.ContainsAny(pend.Password, ExcludedPasswordCharacters+" ") {
		t.Fatal("the pending password is not 32 characters without / @ \" ' \\ and space")
	}
	if pend.Password == cur.Password {
		t.Fatal("the pending password equals the current one")
	}
	var c, p map[string]json.RawMessage
	json.Unmarshal([]byte(current), &c)
	json.Unmarshal([]byte(pending), &p)
	for k, v := range c {
		if k == "username" || k == "password" {
			continue
		}
		if string(p[k]) != string(v) {
			t.Fatalf("field %q: got %s, want %s kept", k, p[k], v)
		}
	}
}
