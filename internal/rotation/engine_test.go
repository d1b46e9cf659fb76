package rotation_test

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/dbwarden/dbwarden/internal/audit"
	"github.com/dbwarden/dbwarden/internal/keys/filekeys"
	"github.com/dbwarden/dbwarden/internal/mysqladmin"
	"github.com/dbwarden/dbwarden/internal/rotation"
	"github.com/dbwarden/dbwarden/internal/rotation/mysqlrotator"
	"github.com/dbwarden/dbwarden/internal/secret"
	"github.com/dbwarden/dbwarden/internal/store"
	"github.com/dbwarden/dbwarden/internal/store/sqlitestore"
	"github.com/dbwarden/dbwarden/internal/testenv"
)

// A test binary started with crashChildEnv set runs one rotation and
// kills itself with SIGKILL at the point crashPointEnv names.
const (
	crashChildEnv = "DBWARDEN_ROTATION_CRASH_DIR"
	crashPointEnv = "DBWARDEN_ROTATION_CRASH_AT"
	crashIDEnv    = "DBWARDEN_ROTATION_CRASH_SECRET"
)

func TestMain(m *testing.M) {
	if dir := os.Getenv(crashChildEnv); dir != "" {
		os.Exit(crashChild(dir, os.Getenv(crashIDEnv), os.Getenv(crashPointEnv)))
	}
	testenv.Main(m)
}

// strategies are the two ways to rotate, as the engine is given them.
var strategies = []struct {
	name    string
	rotator func(name, current string) (rotation.Rotator, error)
}{
	// A single user with a masterarn: the master keeps both passwords
	// valid during the rotation (MariaDB lets no user do that to itself
	// without CREATE USER).
	{"single-user", func(string, string) (rotation.Rotator, error) { return &mysqlrotator.SingleUser{ViaMaster: true}, nil }},
	{"alternating-users", func(string, string) (rotation.Rotator, error) { return &mysqlrotator.AlternatingUsers{}, nil }},
}

func rotatorFor(strategy string) func(name, current string) (rotation.Rotator, error) {
	for _, s := range strategies {
		if s.name == strategy {
			return s.rotator
		}
	}
	panic("unknown strategy " + strategy)
}

type fixture struct {
	srv   *testenv.MariaDBServer
	root  *mysqladmin.Server
	dir   string
	store *sqlitestore.Store
	db    string
}

func openStore(t testing.TB, dir string) *sqlitestore.Store {
	t.Helper()
	kp, err := filekeys.Open(filepath.Join(dir, "keys"))
	if err != nil {
		t.Fatal(err)
	}
	s, err := sqlitestore.Open(context.Background(), sqlitestore.Options{Path: filepath.Join(dir, "dbwarden.db"), Keys: kp})
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func newFixture(t *testing.T) *fixture {
	t.Helper()
	srv := testenv.MariaDB(t)
	ctx := context.Background()
	root, err := mysqladmin.Connect(ctx, mysqladmin.Credentials{Host: srv.Host, Port: srv.Port, Username: srv.User, Password: srv.Password})
	if err != nil {
		t.Fatalf("connect as root: %v", err)
	}
	t.Cleanup(func() { root.Close() })
	f := &fixture{srv: srv, root: root, dir: t.TempDir(), db: srv.NewDatabase(t)}
	f.store = openStore(t, f.dir)
	t.Cleanup(func() { f.store.Close() })
	return f
}

func randomHex(n int) string {
	b := make([]byte, n)
	rand.Read(b)
	return hex.EncodeToString(b)
}

func (f *fixture) credentials(user, password, masterARN string) string {
	m := map[string]any{"engine": "mariadb", "host": f.srv.Host, "port": f.srv.Port, "username": user, "password": password, "dbname": f.db}
	if masterARN != "" {
		m["masterarn"] = masterARN
	}
	b, _ := json.Marshal(m)
	return string(b)
}

// account creates a user with a grant on the test's database and drops it,
// and its clone, when the test ends.
func (f *fixture) account(t *testing.T, user, password string, grants ...string) {
	t.Helper()
	ctx := context.Background()
	a := mysqladmin.Account{User: user, Host: "%"}
	if err := f.root.CreateAccount(ctx, a, password); err != nil {
		t.Fatalf("create %s: %v", a, err)
	}
	t.Cleanup(func() {
		f.root.DropAccount(context.Background(), a)
		f.root.DropAccount(context.Background(), mysqladmin.Account{User: user + mysqlrotator.CloneSuffix, Host: "%"})
	})
	for _, g := range grants {
		if _, err := f.root.DB().ExecContext(ctx, g, user, "%"); err != nil {
			t.Fatalf("%s: %v", g, err)
		}
	}
}

// newSecret makes an application user and a master user, stores both as
// secrets, and returns the application secret's ARN.
func (f *fixture) newSecret(t *testing.T) string {
	t.Helper()
	ctx := context.Background()
	master, masterPW := "m"+randomHex(6), "Mp'#;\\"+randomHex(8)
	f.account(t, master, masterPW, "GRANT ALL PRIVILEGES ON *.* TO ?@? WITH GRANT OPTION")
	mv := f.credentials(master, masterPW, "")
	m, err := f.store.CreateSecret(ctx, &store.CreateSecretInput{Name: "test/master-" + master, SecretString: &mv})
	if err != nil {
		t.Fatal(err)
	}
	user, pw := "a"+randomHex(6), "Ap'#;\\"+randomHex(8)
	f.account(t, user, pw, "GRANT SELECT, INSERT ON `"+f.db+"`.* TO ?@?")
	v := f.credentials(user, pw, m.ARN)
	s, err := f.store.CreateSecret(ctx, &store.CreateSecretInput{Name: "test/app-" + user, SecretString: &v})
	if err != nil {
		t.Fatal(err)
	}
	return s.ARN
}

func (f *fixture) engine(strategy string) *rotation.Engine {
	return &rotation.Engine{
		Store: f.store, Rotator: rotatorFor(strategy), State: f.store, Events: f.store,
		Locks: rotation.FileLocks{Dir: filepath.Join(f.dir, "locks")},
	}
}

func value(t *testing.T, s store.Store, arn, stage string) (string, string) {
	t.Helper()
	out, err := s.GetSecretValue(context.Background(), &store.GetSecretValueInput{SecretId: arn, VersionStage: stage})
	if err != nil {
		t.Fatalf("read %s: %v", stage, err)
	}
	return out.VersionId, *out.SecretString
}

func login(value string) error {
	c, err := mysqladmin.ParseCredentials([]byte(value))
	if err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	s, err := mysqladmin.Connect(ctx, c)
	if err != nil {
		return err
	}
	defer s.Close()
	return s.Ping(ctx)
}

// checkRotated checks the state every finished rotation leaves: AWSCURRENT
// is version want and logs in, AWSPREVIOUS is prev, no AWSPENDING.
func checkRotated(t *testing.T, s store.Store, arn, want, prev string) {
	t.Helper()
	d, err := s.DescribeSecret(context.Background(), &store.DescribeSecretInput{SecretId: arn})
	if err != nil {
		t.Fatal(err)
	}
	for id, stages := range d.VersionIdsToStages {
		for _, st := range stages {
			switch {
			case st == secret.StagePending:
				t.Errorf("version %s still holds AWSPENDING", id)
			case st == secret.StageCurrent && id != want:
				t.Errorf("AWSCURRENT is on %s, want %s", id, want)
			case st == secret.StagePrevious && id != prev:
				t.Errorf("AWSPREVIOUS is on %s, want %s", id, prev)
			}
		}
	}
	_, cur := value(t, s, arn, secret.StageCurrent)
	if err := login(cur); err != nil {
		t.Fatalf("AWSCURRENT does not log in: %v", err)
	}
}

func TestRotateBothStrategies(t *testing.T) {
	for _, st := range strategies {
		t.Run(st.name, func(t *testing.T) {
			f := newFixture(t)
			arn := f.newSecret(t)
			e := f.engine(st.name)
			var steps []string
			e.Progress = func(step string, err error) {
				if err != nil {
					t.Errorf("%s failed: %v", step, err)
				}
				steps = append(steps, step)
			}
			users := map[string]bool{}
			for i := range 3 {
				prevID, prevValue := value(t, f.store, arn, secret.StageCurrent)
				res, err := e.Rotate(context.Background(), arn, "")
				if err != nil {
					t.Fatalf("rotation %d: %v", i+1, err)
				}
				if res.Resumed || res.Abandoned != "" {
					t.Fatalf("rotation %d resumed or abandoned something: %+v", i+1, res)
				}
				checkRotated(t, f.store, arn, res.Token, prevID)
				// The version before stays valid until the next rotation.
				if err := login(prevValue); err != nil {
					t.Fatalf("rotation %d: AWSPREVIOUS stopped logging in at once: %v", i+1, err)
				}
				_, cur := value(t, f.store, arn, secret.StageCurrent)
				c, _ := mysqladmin.ParseCredentials([]byte(cur))
				users[c.Username] = true
			}
			if want := strings.Join([]string{rotation.StepCreate, rotation.StepSet, rotation.StepTest, rotation.StepFinish}, ","); strings.Join(steps[:4], ",") != want {
				t.Fatalf("steps %v, want %s first", steps, want)
			}
			if wantUsers := map[string]int{"single-user": 1, "alternating-users": 2}[st.name]; len(users) != wantUsers {
				t.Fatalf("AWSCURRENT named %d users over three rotations, want %d", len(users), wantUsers)
			}
			// Each step of each rotation is in the audit trail.
			recs, err := audit.Query(context.Background(), f.store.DB(), audit.Filter{Resource: arn})
			if err != nil {
				t.Fatal(err)
			}
			n := 0
			for _, r := range recs {
				if strings.HasPrefix(r.Action, "rotation:") && r.Outcome == audit.OutcomeSuccess {
					n++
				}
			}
			if n != 12 {
				t.Fatalf("%d successful rotation step records, want 12", n)
			}
			d, _ := f.store.DescribeSecret(context.Background(), &store.DescribeSecretInput{SecretId: arn})
			if d.LastRotatedDate == nil {
				t.Fatal("no LastRotatedDate after three rotations")
			}
		})
	}
}

// crashPoints are where the crash matrix kills the rotating process:
// between steps, inside setSecret (between its statements: the clone
// created, its grants synced, its password set; the user's two passwords
// set) and inside finishSecret between its two label moves.
var crashPoints = map[string][]string{
	"single-user": {
		"createSecret:before", "createSecret:after", "setSecret:password set", "setSecret:after", "testSecret:after",
		"finishSecret:moved", "finishSecret:after",
	},
	"alternating-users": {
		"createSecret:before", "createSecret:after", "setSecret:account ready", "setSecret:grants synced", "setSecret:password set",
		"setSecret:after", "testSecret:after", "finishSecret:moved", "finishSecret:after",
	},
}

func TestCrashMatrix(t *testing.T) {
	for _, st := range strategies {
		for _, point := range crashPoints[st.name] {
			t.Run(st.name+"/"+point, func(t *testing.T) {
				f := newFixture(t)
				arn := f.newSecret(t)
				oldID, oldValue := value(t, f.store, arn, secret.StageCurrent)

				cmd := exec.Command(os.Args[0], "-test.run=^$")
				cmd.Env = append(os.Environ(), crashChildEnv+"="+f.dir, crashPointEnv+"="+point, crashIDEnv+"="+arn, "DBWARDEN_ROTATION_STRATEGY="+st.name)
				out, err := cmd.CombinedOutput()
				var ee *exec.ExitError
				if !errors.As(err, &ee) || ee.Sys().(syscall.WaitStatus).Signal() != syscall.SIGKILL {
					t.Fatalf("the rotating process was not killed at %s: %v\n%s", point, err, out)
				}

				// Right after the crash, AWSCURRENT still logs in.
				s := openStore(t, f.dir)
				defer s.Close()
				_, cur := value(t, s, arn, secret.StageCurrent)
				if err := login(cur); err != nil {
					t.Fatalf("after a crash at %s AWSCURRENT does not log in: %v", point, err)
				}
				if err := login(oldValue); err != nil && point != "finishSecret:after" {
					t.Fatalf("after a crash at %s the old password stopped working: %v", point, err)
				}

				e := &rotation.Engine{Store: s, Rotator: rotatorFor(st.name), State: s, Events: s, Locks: rotation.FileLocks{Dir: filepath.Join(f.dir, "locks")}}
				res, err := e.Rotate(context.Background(), arn, "")
				if err != nil {
					t.Fatalf("the run after a crash at %s: %v", point, err)
				}
				if point == "finishSecret:after" {
					// The crashed run had finished; this one is a new rotation.
					checkRotated(t, s, arn, res.Token, secondNewest(t, s, arn, res.Token))
					return
				}
				if !res.Resumed && point != "createSecret:before" {
					t.Fatalf("the run after a crash at %s started a new rotation instead of resuming", point)
				}
				checkRotated(t, s, arn, res.Token, oldID)
			})
		}
	}
}

// secondNewest is the version that was AWSCURRENT before cur: AWSPREVIOUS.
func secondNewest(t *testing.T, s store.Store, arn, cur string) string {
	t.Helper()
	id, _ := value(t, s, arn, secret.StagePrevious)
	if id == cur {
		t.Fatal("AWSPREVIOUS and AWSCURRENT are the same version")
	}
	return id
}

// crashChild is the rotating process of the crash matrix.
func crashChild(dir, arn, point string) int {
	kp, err := filekeys.Open(filepath.Join(dir, "keys"))
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	s, err := sqlitestore.Open(context.Background(), sqlitestore.Options{Path: filepath.Join(dir, "dbwarden.db"), Keys: kp})
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	e := &rotation.Engine{
		Store: s, Rotator: rotatorFor(os.Getenv("DBWARDEN_ROTATION_STRATEGY")), State: s, Events: s,
		Locks: rotation.FileLocks{Dir: filepath.Join(dir, "locks")},
		Hook: func(p string) {
			if p == point {
				syscall.Kill(os.Getpid(), syscall.SIGKILL)
				select {} // the signal is on its way
			}
		},
	}
	if _, err := e.Rotate(context.Background(), arn, ""); err != nil {
		fmt.Fprintln(os.Stderr, "rotation:", err)
		return 1
	}
	fmt.Fprintln(os.Stderr, "the rotation finished without reaching", point)
	return 1
}

// Applications read AWSCURRENT and log in with it, over and over, while
// rotations run back to back: not one login may fail.
func TestNoFailedLogins(t *testing.T) {
	const rotations = 50
	for _, st := range strategies {
		t.Run(st.name, func(t *testing.T) {
			f := newFixture(t)
			arn := f.newSecret(t)
			e := f.engine(st.name)
			ctx, cancel := context.WithCancel(context.Background())
			var logins, failures atomic.Int64
			var firstFailure atomic.Value
			var wg sync.WaitGroup
			for range 3 {
				wg.Add(1)
				go func() {
					defer wg.Done()
					for ctx.Err() == nil {
						out, err := f.store.GetSecretValue(ctx, &store.GetSecretValueInput{SecretId: arn})
						if err != nil {
							if ctx.Err() == nil {
								failures.Add(1)
								firstFailure.CompareAndSwap(nil, "read: "+err.Error())
							}
							return
						}
						logins.Add(1)
						if err := login(*out.SecretString); err != nil {
							failures.Add(1)
							firstFailure.CompareAndSwap(nil, "login: "+err.Error())
						}
					}
				}()
			}
			for i := range rotations {
				if _, err := e.Rotate(ctx, arn, ""); err != nil {
					cancel()
					wg.Wait()
					t.Fatalf("rotation %d: %v", i+1, err)
				}
			}
			cancel()
			wg.Wait()
			if n := failures.Load(); n > 0 {
				t.Fatalf("%d of %d logins failed during %d rotations; the first: %v", n, logins.Load(), rotations, firstFailure.Load())
			}
			if logins.Load() < rotations {
				t.Fatalf("only %d logins during %d rotations: the application loop did not run", logins.Load(), rotations)
			}
		})
	}
}

// A rotation whose setSecret keeps failing is retried with the same
// pending version once, then abandoned for a new password; when the cause
// is fixed, the next run succeeds.
func TestFailedRotationIsRetriedThenAbandoned(t *testing.T) {
	f := newFixture(t)
	arn := f.newSecret(t)
	ctx := context.Background()
	curID, cur := value(t, f.store, arn, secret.StageCurrent)
	c, _ := mysqladmin.ParseCredentials([]byte(cur))
	// Break the master secret: setSecret cannot log in as the master.
	_, masterValue := value(t, f.store, c.MasterARN, secret.StageCurrent)
	mc, _ := mysqladmin.ParseCredentials([]byte(masterValue))
	broken, _ := mc.WithLogin(mc.Username, "wrong-"+randomHex(4)).JSON()
	brokenStr := string(broken)
	if _, err := f.store.PutSecretValue(ctx, &store.PutSecretValueInput{SecretId: c.MasterARN, SecretString: &brokenStr}); err != nil {
		t.Fatal(err)
	}
	e := f.engine("alternating-users")
	e.Backoff = func(int) time.Duration { return 0 }

	var tokens []string
	for run := 1; run <= 2; run++ {
		res, err := e.Rotate(ctx, arn, "")
		var se *rotation.Error
		if !errors.As(err, &se) || se.Step != rotation.StepSet {
			t.Fatalf("run %d: got %v, want a setSecret failure", run, err)
		}
		if strings.Contains(err.Error(), mc.Password) {
			t.Fatal("the error holds the master password (not shown)")
		}
		tokens = append(tokens, res.Token)
		if id, _ := value(t, f.store, arn, secret.StageCurrent); id != curID {
			t.Fatalf("run %d moved AWSCURRENT although setSecret failed", run)
		}
		d, _ := f.store.DescribeSecret(ctx, &store.DescribeSecretInput{SecretId: arn})
		if !strings.Contains(d.LastRotationFailure, rotation.StepSet) {
			t.Fatalf("run %d: LastRotationFailure %q does not name setSecret", run, d.LastRotationFailure)
		}
	}
	if tokens[0] != tokens[1] {
		t.Fatal("the second run did not retry the first run's pending version")
	}
	// Fix the master secret: the third run gives up the old token and
	// rotates with a new password.
	if _, err := f.store.PutSecretValue(ctx, &store.PutSecretValueInput{SecretId: c.MasterARN, SecretString: &masterValue}); err != nil {
		t.Fatal(err)
	}
	res, err := e.Rotate(ctx, arn, "")
	if err != nil {
		t.Fatalf("the run after the fix: %v", err)
	}
	if res.Abandoned != tokens[0] || res.Token == tokens[0] {
		t.Fatalf("the third run: abandoned %q, rotated %q; want %q abandoned for a new token", res.Abandoned, res.Token, tokens[0])
	}
	checkRotated(t, f.store, arn, res.Token, curID)
	d, _ := f.store.DescribeSecret(ctx, &store.DescribeSecretInput{SecretId: arn})
	if d.LastRotationFailure != "" {
		t.Fatalf("LastRotationFailure %q after a success", d.LastRotationFailure)
	}
}

// One run at a time: a second one is refused at once while the first
// holds the secret.
func TestOneRotationAtATime(t *testing.T) {
	f := newFixture(t)
	arn := f.newSecret(t)
	locks := rotation.FileLocks{Dir: filepath.Join(f.dir, "locks")}
	unlock, err := locks.Lock(context.Background(), arn)
	if err != nil {
		t.Fatal(err)
	}
	e := f.engine("single-user")
	if _, err := e.Rotate(context.Background(), arn, ""); !errors.Is(err, rotation.ErrBusy) {
		t.Fatalf("a rotation while another holds the lock: got %v, want ErrBusy", err)
	}
	unlock()
	if _, err := e.Rotate(context.Background(), arn, ""); err != nil {
		t.Fatalf("after the lock is released: %v", err)
	}
}

// The database down during setSecret, then during testSecret: each run
// fails with an error naming the step and the server, the secret keeps its
// AWSCURRENT, and the next run after the server is back resumes the same
// rotation and finishes it.
func TestDatabaseDownDuringRotation(t *testing.T) {
	for _, step := range []string{rotation.StepSet, rotation.StepTest} {
		t.Run(step, func(t *testing.T) {
			f := newFixture(t)
			arn := f.newSecret(t)
			curID, _ := value(t, f.store, arn, secret.StageCurrent)
			e := f.engine("alternating-users")
			e.Backoff = func(int) time.Duration { return 0 }
			e.Hook = func(p string) {
				if p == step+":before" {
					f.srv.Stop(t)
				}
			}
			res, err := e.Rotate(context.Background(), arn, "")
			f.srv.Start(t)
			var se *rotation.Error
			if !errors.As(err, &se) || se.Step != step || !errors.Is(err, mysqladmin.ErrUnreachable) {
				t.Fatalf("with the server down: got %v, want %s failing with the server unreachable", err, step)
			}
			if !strings.Contains(err.Error(), f.srv.Addr()) {
				t.Fatalf("the error does not name the server %s: %v", f.srv.Addr(), err)
			}
			if id, _ := value(t, f.store, arn, secret.StageCurrent); id != curID {
				t.Fatal("a failed run moved AWSCURRENT")
			}
			if id, _ := value(t, f.store, arn, secret.StagePending); id != res.Token {
				t.Fatal("a failed run lost its AWSPENDING version")
			}
			e.Hook = nil
			again, err := e.Rotate(context.Background(), arn, "")
			if err != nil {
				t.Fatalf("the run after the server came back: %v", err)
			}
			if !again.Resumed || again.Token != res.Token {
				t.Fatalf("the run after the server came back rotated %s (resumed %v), want %s resumed", again.Token, again.Resumed, res.Token)
			}
			checkRotated(t, f.store, arn, res.Token, curID)
		})
	}
}

// A dropped user fails setSecret clearly and leaves the secret as it was.
func TestDroppedUser(t *testing.T) {
	f := newFixture(t)
	arn := f.newSecret(t)
	curID, cur := value(t, f.store, arn, secret.StageCurrent)
	c, _ := mysqladmin.ParseCredentials([]byte(cur))
	if err := f.root.DropAccount(context.Background(), mysqladmin.Account{User: c.Username, Host: "%"}); err != nil {
		t.Fatal(err)
	}
	_, err := f.engine("single-user").Rotate(context.Background(), arn, "")
	var se *rotation.Error
	if !errors.As(err, &se) || se.Step != rotation.StepSet || !strings.Contains(err.Error(), c.Username) {
		t.Fatalf("rotating a dropped user: got %v, want setSecret failing and naming %q", err, c.Username)
	}
	if id, _ := value(t, f.store, arn, secret.StageCurrent); id != curID {
		t.Fatal("a failed run moved AWSCURRENT")
	}
}

// A version left with AWSPENDING whose value cannot be rotated (here not
// credentials at all) does not block rotation forever: it is retried, then
// abandoned, and the next run rotates.
func TestStuckPendingIsAbandoned(t *testing.T) {
	f := newFixture(t)
	arn := f.newSecret(t)
	ctx := context.Background()
	curID, _ := value(t, f.store, arn, secret.StageCurrent)
	junk := "left by a rotator that crashed long ago"
	stuck, err := f.store.PutSecretValue(ctx, &store.PutSecretValueInput{SecretId: arn, SecretString: &junk, VersionStages: []string{secret.StagePending}})
	if err != nil {
		t.Fatal(err)
	}
	e := f.engine("single-user")
	e.Backoff = func(int) time.Duration { return 0 }
	for run := 1; run <= 2; run++ {
		res, err := e.Rotate(ctx, arn, "")
		if err == nil || !res.Resumed || res.Token != stuck.VersionId {
			t.Fatalf("run %d: got %v (token %s, resumed %v); want the stuck version resumed and failing", run, err, res.Token, res.Resumed)
		}
	}
	res, err := e.Rotate(ctx, arn, "")
	if err != nil {
		t.Fatalf("the run after two failures: %v", err)
	}
	if res.Abandoned != stuck.VersionId {
		t.Fatalf("abandoned %q, want the stuck version %s", res.Abandoned, stuck.VersionId)
	}
	checkRotated(t, f.store, arn, res.Token, curID)
}

func credentialsOf(t *testing.T, value string) mysqladmin.Credentials {
	t.Helper()
	c, err := mysqladmin.ParseCredentials([]byte(value))
	if err != nil {
		t.Fatal(err)
	}
	return c
}
