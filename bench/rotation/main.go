// Command rotation-bench times dbwarden's rotation of MySQL credentials
// against a private MariaDB server, with the real engine on the embedded
// store: one secret rotated many times in a row (the latency of a whole
// rotation, createSecret to finishSecret) and many secrets rotated once each
// by concurrent workers (throughput), for both strategies. Run it through
// bench/rotation/run, which starts the server and removes it afterwards.
package main

import (
	"bufio"
	"context"
	"database/sql"
	"errors"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/go-sql-driver/mysql"

	"github.com/dbwarden/dbwarden/internal/audit"
	"github.com/dbwarden/dbwarden/internal/keys/filekeys"
	"github.com/dbwarden/dbwarden/internal/mysqladmin"
	"github.com/dbwarden/dbwarden/internal/rotation"
	"github.com/dbwarden/dbwarden/internal/rotation/mysqlrotator"
	"github.com/dbwarden/dbwarden/internal/secret"
	"github.com/dbwarden/dbwarden/internal/store"
	"github.com/dbwarden/dbwarden/internal/store/sqlitestore"
)

// strategy is one way to rotate, with the rotator dbwarden's binary picks
// for it (cmd/dbwarden/rotators.go).
type strategy struct {
	key     string // its name in -strategies
	title   string // its name in the tables
	prefix  string // of the user names it rotates
	rotator func() rotation.Rotator
}

var strategies = []strategy{
	{"single", "single user via master", "rot_s", func() rotation.Rotator { return &mysqlrotator.SingleUser{ViaMaster: true} }},
	{"alternating", "alternating users", "rot_a", func() rotation.Rotator { return &mysqlrotator.AlternatingUsers{} }},
}

// benchDB is the database every rotated user holds grants on, so that
// alternating users have grants to copy.
const benchDB = "rotation_bench"

// Targets from DESIGN.md's quality bars.
const (
	targetRotation = 300 * time.Millisecond
	targetBatch    = 60 * time.Second
	targetSecrets  = 1000
)

func main() {
	socket := flag.String("socket", "", "Unix socket of a freshly installed server where root logs in without a password (bench/rotation/run makes one)")
	host := flag.String("host", "127.0.0.1", "address the rotated users log in at")
	port := flag.Int("port", 0, "TCP port of the same server")
	n := flag.Int("n", 200, "rotations of one secret in a row, per strategy (0 skips)")
	secrets := flag.Int("secrets", 1000, "secrets rotated once each, per strategy (0 skips)")
	workers := flag.Int("workers", 4, "concurrent rotations when rotating many secrets")
	which := flag.String("strategies", "single,alternating", "strategies to measure: single (single user via master), alternating (alternating users)")
	flag.Parse()

	var errs []error
	if *socket == "" {
		errs = append(errs, errors.New("-socket is required: root's Unix socket on the private server"))
	}
	if *port < 1 || *port > 65535 {
		errs = append(errs, fmt.Errorf("-port %d: want the server's TCP port, 1 to 65535", *port))
	}
	if *n < 0 {
		errs = append(errs, fmt.Errorf("-n %d: want 0 or more rotations", *n))
	}
	if *secrets < 0 {
		errs = append(errs, fmt.Errorf("-secrets %d: want 0 or more secrets", *secrets))
	}
	if *workers < 1 {
		errs = append(errs, fmt.Errorf("-workers %d: want 1 or more", *workers))
	}
	chosen, err := chooseStrategies(*which)
	if err != nil {
		errs = append(errs, err)
	}
	if err := errors.Join(errs...); err != nil {
		fmt.Fprintln(os.Stderr, "rotation-bench:", err)
		os.Exit(2)
	}
	if err := run(*socket, *host, *port, *n, *secrets, *workers, chosen); err != nil {
		fmt.Fprintln(os.Stderr, "rotation-bench:", err)
		os.Exit(1)
	}
}

func chooseStrategies(list string) ([]strategy, error) {
	var out []strategy
	for _, k := range strings.Split(list, ",") {
		i := slices.IndexFunc(strategies, func(s strategy) bool { return s.key == strings.TrimSpace(k) })
		if i < 0 {
			return nil, fmt.Errorf("-strategies: unknown strategy %q (want single or alternating)", k)
		}
		out = append(out, strategies[i])
	}
	return out, nil
}

func run(socket, host string, port, n, secrets, workers int, chosen []strategy) error {
	// Interrupted, the rotations stop and the temporary store is removed.
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	ctx = audit.WithCaller(ctx, audit.Caller{Principal: "bench:rotation", RequestID: secret.NewVersionID()})
	dir, err := os.MkdirTemp("", "dbwarden-rotation-bench-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)

	b, err := setUp(ctx, socket, host, port, dir)
	if err != nil {
		return fmt.Errorf("set up: %w", err)
	}
	defer b.close()

	start := time.Now()
	lat := map[string]*secretUnderTest{}
	batch := map[string][]*secretUnderTest{}
	for _, st := range chosen {
		if n > 0 {
			if lat[st.key], err = b.newSecret(ctx, st, st.prefix+"_lat"); err != nil {
				return err
			}
		}
		if batch[st.key], err = b.newSecrets(ctx, st, secrets, workers); err != nil {
			return err
		}
	}
	made := len(chosen) * secrets
	if n > 0 {
		made += len(chosen)
	}
	fmt.Fprintf(os.Stderr, "rotation-bench: %d users and their secrets made in %.1f s\n", made, time.Since(start).Seconds())

	printMachine(b)

	if n > 0 {
		fmt.Printf("\nOne secret rotated %d times in a row, after one rotation not counted; each a whole rotation (createSecret, setSecret, testSecret, finishSecret):\n\n", n)
		fmt.Println("| strategy | rotations | p50 ms | p99 ms | max ms | failed | after the last: AWSCURRENT and AWSPREVIOUS log in |")
		fmt.Println("|---|---:|---:|---:|---:|---:|---|")
		steps := map[string][5]time.Duration{}
		worst := map[string]time.Duration{}
		for _, st := range chosen {
			r, err := b.repeat(ctx, st, lat[st.key], n)
			if err != nil {
				return err
			}
			steps[st.key], worst[st.key] = r.steps, pct(r.lat, 0.99)
			fmt.Printf("| %s | %d | %s | %s | %s | %d | %s |\n", st.title, len(r.lat), ms(pct(r.lat, 0.5)), ms(pct(r.lat, 0.99)), ms(pct(r.lat, 1)), r.failed, r.check)
		}
		fmt.Println("\nMedian time of each part of those rotations, ms (createSecret includes finding and locking the secret; the last column saves the rotation state):")
		fmt.Println()
		fmt.Println("| strategy | createSecret | setSecret | testSecret | finishSecret | state saved |")
		fmt.Println("|---|---:|---:|---:|---:|---:|")
		for _, st := range chosen {
			s := steps[st.key]
			fmt.Printf("| %s | %s | %s | %s | %s | %s |\n", st.title, ms(s[0]), ms(s[1]), ms(s[2]), ms(s[3]), ms(s[4]))
		}
		fmt.Println()
		for _, st := range chosen {
			fmt.Printf("- target, one rotation under %d ms: %s p99 %s ms: %s\n", targetRotation.Milliseconds(), st.title, ms(worst[st.key]), verdict(worst[st.key] < targetRotation))
		}
	}

	if secrets > 0 {
		fmt.Printf("\n%d secrets (%d distinct users), each rotated once, %d concurrent workers; the users and secrets were made beforehand, untimed:\n\n", secrets, secrets, workers)
		fmt.Println("| strategy | secrets | workers | total s | rotations/s | p50 ms | p99 ms | max ms | failed | AWSCURRENT logs in afterwards |")
		fmt.Println("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
		totals := map[string]time.Duration{}
		for _, st := range chosen {
			r, err := b.all(ctx, batch[st.key], workers)
			if err != nil {
				return err
			}
			totals[st.key] = r.total
			fmt.Printf("| %s | %d | %d | %.2f | %.1f | %s | %s | %s | %d | %d of %d |\n", st.title, secrets, workers, r.total.Seconds(),
				float64(len(batch[st.key]))/r.total.Seconds(), ms(pct(r.lat, 0.5)), ms(pct(r.lat, 0.99)), ms(pct(r.lat, 1)), r.failed, r.loggedIn, secrets)
		}
		fmt.Println()
		for _, st := range chosen {
			// The target is for 1,000 secrets; other counts are scaled to it.
			scaled := time.Duration(float64(totals[st.key]) * targetSecrets / float64(secrets))
			what := fmt.Sprintf("%.1f s", totals[st.key].Seconds())
			if secrets != targetSecrets {
				what = fmt.Sprintf("%.1f s for %d, %.1f s scaled to %d", totals[st.key].Seconds(), secrets, scaled.Seconds(), targetSecrets)
			}
			fmt.Printf("- target, %d secrets in under %d s: %s %s: %s\n", targetSecrets, int(targetBatch.Seconds()), st.title, what, verdict(scaled < targetBatch))
		}
	}

	if err := b.dropUsers(ctx, workers); err != nil {
		return fmt.Errorf("clean up: %w", err)
	}
	return nil
}

// bench is the server, the store and the engine under test.
type bench struct {
	store     *sqlitestore.Store
	engine    *rotation.Engine
	master    *mysqladmin.Server
	masterARN string
	host      string
	port      int

	mu    sync.Mutex
	users []mysqladmin.Account // made by the benchmark, dropped at the end
}

// secretUnderTest is a secret and the strategy that rotates it.
type secretUnderTest struct {
	arn      string
	strategy strategy
}

// setUp logs in as root on the socket, makes a master account (every
// privilege, with GRANT OPTION) with a generated password and the database
// the rotated users get grants on, and opens the embedded store in dir with
// the master secret in it. Root is not used again.
func setUp(ctx context.Context, socket, host string, port int, dir string) (*bench, error) {
	cfg := mysql.NewConfig()
	cfg.User, cfg.Net, cfg.Addr = "root", "unix", socket
	cfg.InterpolateParams = true
	cfg.Timeout = 5 * time.Second
	conn, err := mysql.NewConnector(cfg)
	if err != nil {
		return nil, err
	}
	root := sql.OpenDB(conn)
	defer root.Close()

	masterPW, err := secret.GeneratePassword(mysqlrotator.DefaultPasswordSpec())
	if err != nil {
		return nil, err
	}
	master := mysqladmin.Account{User: "rotation_bench_master", Host: "%"}
	// Anonymous accounts would match logins before the users made here do.
	if err := dropAnonymous(ctx, root); err != nil {
		return nil, fmt.Errorf("as root on %s: %w", socket, err)
	}
	stmts := []struct {
		query string
		args  []any
	}{
		{"CREATE DATABASE IF NOT EXISTS `" + benchDB + "`", nil},
		{"CREATE USER ?@? IDENTIFIED BY ?", []any{master.User, master.Host, masterPW}},
		{"GRANT ALL PRIVILEGES ON *.* TO ?@? WITH GRANT OPTION", []any{master.User, master.Host}},
	}
	for _, s := range stmts {
		if _, err := root.ExecContext(ctx, s.query, s.args...); err != nil {
			// The statement is named by its text, which holds
			// placeholders, never the password.
			return nil, fmt.Errorf("as root on %s: %s: %w", socket, s.query, err)
		}
	}

	kp, err := filekeys.Open(filepath.Join(dir, "keys"))
	if err != nil {
		return nil, err
	}
	st, err := sqlitestore.Open(ctx, sqlitestore.Options{Path: filepath.Join(dir, "dbwarden.db"), Keys: kp, ImplicitRotation: true})
	if err != nil {
		return nil, err
	}
	b := &bench{store: st, host: host, port: port}
	masterCreds := b.credentials(master.User, masterPW, "")
	value, err := masterCreds.JSON()
	if err != nil {
		st.Close()
		return nil, err
	}
	out, err := st.CreateSecret(ctx, &store.CreateSecretInput{Name: "bench/rotation/master", SecretString: ptr(string(value))})
	if err != nil {
		st.Close()
		return nil, fmt.Errorf("store the master secret: %w", err)
	}
	b.masterARN = out.ARN
	if b.master, err = mysqladmin.Connect(ctx, masterCreds); err != nil {
		st.Close()
		return nil, err
	}
	b.users = append(b.users, master)
	// Wired as cmd/dbwarden's engine(): state and audit in the store,
	// locks in a directory beside it.
	b.engine = &rotation.Engine{
		Store:  st,
		State:  st,
		Locks:  rotation.FileLocks{Dir: filepath.Join(dir, "locks")},
		Events: st,
	}
	return b, nil
}

// dropAnonymous drops the accounts with an empty user name.
func dropAnonymous(ctx context.Context, root *sql.DB) error {
	rows, err := root.QueryContext(ctx, "SELECT User, Host FROM mysql.user WHERE User = ''")
	if err != nil {
		return fmt.Errorf("list anonymous accounts: %w", err)
	}
	var hosts []string
	for rows.Next() {
		var user, host string
		if err := rows.Scan(&user, &host); err != nil {
			rows.Close()
			return fmt.Errorf("list anonymous accounts: %w", err)
		}
		hosts = append(hosts, host)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return fmt.Errorf("list anonymous accounts: %w", err)
	}
	for _, h := range hosts {
		if _, err := root.ExecContext(ctx, "DROP USER ''@?", h); err != nil {
			return fmt.Errorf("drop anonymous account ''@%q: %w", h, err)
		}
	}
	return nil
}

func (b *bench) close() {
	b.master.Close()
	b.store.Close()
}

// credentials is a value for user on the benchmark's server.
func (b *bench) credentials(user, password, masterARN string) mysqladmin.Credentials {
	return mysqladmin.Credentials{Engine: "mariadb", Host: b.host, Port: b.port, Username: user, Password: password,
		DBName: benchDB, MasterARN: masterARN}
}

// engineFor returns the engine with st's rotator.
func (b *bench) engineFor(st strategy) *rotation.Engine {
	e := *b.engine
	e.Rotator = func(string, string) (rotation.Rotator, error) { return st.rotator(), nil }
	return &e
}

// newSecret makes user with a generated password and grants on benchDB, and
// a secret holding its credentials with the master's ARN.
func (b *bench) newSecret(ctx context.Context, st strategy, user string) (*secretUnderTest, error) {
	pw, err := secret.GeneratePassword(mysqlrotator.DefaultPasswordSpec())
	if err != nil {
		return nil, err
	}
	a := mysqladmin.Account{User: user, Host: "%"}
	b.mu.Lock()
	b.users = append(b.users, a, mysqladmin.Account{User: mysqlrotator.OtherUser(user), Host: "%"})
	b.mu.Unlock()
	if err := b.master.CreateAccount(ctx, a, pw); err != nil {
		return nil, err
	}
	if _, err := b.master.DB().ExecContext(ctx, "GRANT SELECT, INSERT, UPDATE, DELETE ON `"+benchDB+"`.* TO ?@?", a.User, a.Host); err != nil {
		return nil, fmt.Errorf("grant to %s: %w", a, err)
	}
	value, err := b.credentials(user, pw, b.masterARN).JSON()
	if err != nil {
		return nil, err
	}
	out, err := b.store.CreateSecret(ctx, &store.CreateSecretInput{Name: "bench/rotation/" + user, SecretString: ptr(string(value))})
	if err != nil {
		return nil, fmt.Errorf("create the secret of %s: %w", a, err)
	}
	return &secretUnderTest{arn: out.ARN, strategy: st}, nil
}

// newSecrets makes count users and their secrets, workers at a time.
func (b *bench) newSecrets(ctx context.Context, st strategy, count, workers int) ([]*secretUnderTest, error) {
	out := make([]*secretUnderTest, count)
	err := parallel(count, workers, func(i int) error {
		s, err := b.newSecret(ctx, st, fmt.Sprintf("%s_%05d", st.prefix, i))
		out[i] = s
		return err
	})
	return out, err
}

// repeatResult is what rotating one secret many times measured.
type repeatResult struct {
	lat    []time.Duration
	steps  [5]time.Duration // medians: the four steps, then saving the state
	failed int
	check  string // whether AWSCURRENT and AWSPREVIOUS log in afterwards
}

// repeat rotates s once untimed (for alternating users, the first rotation
// also creates the clone), then n times timed, one after another.
func (b *bench) repeat(ctx context.Context, st strategy, s *secretUnderTest, n int) (*repeatResult, error) {
	e := b.engineFor(st)
	if _, err := e.Rotate(ctx, s.arn, ""); err != nil {
		return nil, fmt.Errorf("%s: first rotation: %w", st.title, err)
	}
	var marks []time.Time
	e.Progress = func(string, error) { marks = append(marks, time.Now()) }
	r := &repeatResult{}
	var parts [5][]time.Duration
	var firstErr error
	for range n {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		marks = marks[:0]
		start := time.Now()
		_, err := e.Rotate(ctx, s.arn, "")
		end := time.Now()
		if err != nil {
			r.failed++
			firstErr = firstOf(firstErr, err)
			continue
		}
		r.lat = append(r.lat, end.Sub(start))
		prev := start
		for i, m := range append(marks, end) {
			parts[i] = append(parts[i], m.Sub(prev))
			prev = m
		}
	}
	if firstErr != nil {
		fmt.Fprintf(os.Stderr, "rotation-bench: %s: %d rotations failed, the first with: %v\n", st.title, r.failed, firstErr)
	}
	for i := range parts {
		r.steps[i] = pct(parts[i], 0.5)
	}
	r.check = "yes"
	for _, stage := range []string{secret.StageCurrent, secret.StagePrevious} {
		if err := b.logIn(ctx, s.arn, stage); err != nil {
			r.check = "no"
			fmt.Fprintf(os.Stderr, "rotation-bench: %s: %s does not log in: %v\n", st.title, stage, err)
		}
	}
	return r, nil
}

// batchResult is what rotating many secrets once measured.
type batchResult struct {
	total    time.Duration
	lat      []time.Duration
	failed   int
	loggedIn int
}

// all rotates every secret once, workers at a time, then checks that each
// secret's AWSCURRENT logs in (untimed).
func (b *bench) all(ctx context.Context, secrets []*secretUnderTest, workers int) (*batchResult, error) {
	if len(secrets) == 0 {
		return &batchResult{}, nil
	}
	st := secrets[0].strategy
	e := b.engineFor(st)
	lat := make([]time.Duration, len(secrets))
	errs := make([]error, len(secrets))
	start := time.Now()
	parallel(len(secrets), workers, func(i int) error {
		t := time.Now()
		_, errs[i] = e.Rotate(ctx, secrets[i].arn, "")
		lat[i] = time.Since(t)
		return nil
	})
	r := &batchResult{total: time.Since(start)}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	var firstErr error
	for i, err := range errs {
		if err != nil {
			r.failed++
			firstErr = firstOf(firstErr, err)
			continue
		}
		r.lat = append(r.lat, lat[i])
	}
	if firstErr != nil {
		fmt.Fprintf(os.Stderr, "rotation-bench: %s: %d rotations failed, the first with: %v\n", st.title, r.failed, firstErr)
	}
	var ok atomic.Int64
	var loginErr atomic.Value
	parallel(len(secrets), workers, func(i int) error {
		if err := b.logIn(ctx, secrets[i].arn, secret.StageCurrent); err != nil {
			loginErr.CompareAndSwap(nil, err)
			return nil
		}
		ok.Add(1)
		return nil
	})
	r.loggedIn = int(ok.Load())
	if err, _ := loginErr.Load().(error); err != nil {
		fmt.Fprintf(os.Stderr, "rotation-bench: %s: %d secrets do not log in, the first with: %v\n", st.title, len(secrets)-r.loggedIn, err)
	}
	return r, nil
}

// logIn logs in with the value stage of arn holds and runs SELECT 1.
func (b *bench) logIn(ctx context.Context, arn, stage string) error {
	out, err := b.store.GetSecretValue(ctx, &store.GetSecretValueInput{SecretId: arn, VersionStage: stage})
	if err != nil {
		return err
	}
	if out.SecretString == nil {
		return fmt.Errorf("%s of %s holds no SecretString", stage, arn)
	}
	c, err := mysqladmin.ParseCredentials([]byte(*out.SecretString))
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

// dropUsers drops every account the benchmark made, clones included.
func (b *bench) dropUsers(ctx context.Context, workers int) error {
	// The master goes last: it drops the others.
	users := b.users[1:]
	errs := make([]error, len(users))
	parallel(len(users), workers, func(i int) error {
		errs[i] = b.master.DropAccount(ctx, users[i])
		return nil
	})
	if err := errors.Join(errs...); err != nil {
		return err
	}
	if _, err := b.master.DB().ExecContext(ctx, "DROP DATABASE IF EXISTS `"+benchDB+"`"); err != nil {
		return err
	}
	return b.master.DropAccount(ctx, b.users[0])
}

// parallel calls f(0) to f(n-1), workers at a time, and returns the first
// error; after one, the calls not yet begun are skipped.
func parallel(n, workers int, f func(i int) error) error {
	next := atomic.Int64{}
	var failed atomic.Value
	var wg sync.WaitGroup
	for range min(workers, n) {
		wg.Go(func() {
			for {
				i := int(next.Add(1) - 1)
				if i >= n || failed.Load() != nil {
					return
				}
				if err := f(i); err != nil {
					failed.CompareAndSwap(nil, err)
				}
			}
		})
	}
	wg.Wait()
	err, _ := failed.Load().(error)
	return err
}

// printMachine prints the facts the numbers depend on.
func printMachine(b *bench) {
	fmt.Printf("Machine: %d CPUs (%s), %s/%s, %s; %s on %s:%d (private data directory, default settings); embedded store (SQLite) in a temporary directory; %s\n",
		runtime.NumCPU(), cpuModel(), runtime.GOOS, runtime.GOARCH, runtime.Version(), b.master.Info(), b.host, b.port, time.Now().UTC().Format("2006-01-02"))
}

// cpuModel reads the CPU's name from /proc/cpuinfo, "unknown CPU" where
// there is none.
func cpuModel() string {
	f, err := os.Open("/proc/cpuinfo")
	if err != nil {
		return "unknown CPU"
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if k, v, ok := strings.Cut(sc.Text(), ":"); ok && strings.TrimSpace(k) == "model name" {
			return strings.TrimSpace(v)
		}
	}
	return "unknown CPU"
}

// pct returns the p-quantile of d (nearest rank, 1 is the maximum); 0 for
// none. It sorts d.
func pct(d []time.Duration, p float64) time.Duration {
	if len(d) == 0 {
		return 0
	}
	slices.Sort(d)
	return d[int(float64(len(d)-1)*p)]
}

func ms(d time.Duration) string { return fmt.Sprintf("%.1f", float64(d)/float64(time.Millisecond)) }

func verdict(met bool) string {
	if met {
		return "met"
	}
	return "NOT met"
}

// firstOf keeps the first error.
func firstOf(first, err error) error {
	if first != nil {
		return first
	}
	return err
}

func ptr[T any](v T) *T { return &v }
