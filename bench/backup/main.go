// Command backup-bench times dbwarden's backup and restore against
// mydumper/myloader, mysqldump and the server's raw read speed, on the same
// data in the same run, and prints one markdown table. Run it through
// bench/backup/run, which starts a private MariaDB server, loads a sysbench
// data set into it and removes everything afterwards.
package main

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"errors"
	"flag"
	"fmt"
	"io"
	"io/fs"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"runtime/pprof"
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/go-sql-driver/mysql"

	"github.com/dbwarden/dbwarden/internal/backup"
	"github.com/dbwarden/dbwarden/internal/blob/fileblob"
	"github.com/dbwarden/dbwarden/internal/keys/filekeys"
	"github.com/dbwarden/dbwarden/internal/mysqladmin"
)

// Targets from DESIGN.md's quality bars.
const (
	targetDumpVsMydumper    = 0.4
	targetRestoreVsMyloader = 0.7
)

// benchUser is the account dbwarden logs in as, over TCP; it gets a random
// password and every privilege, and is dropped at the end.
const (
	benchUser = "dbwarden_bench"
	benchHost = "127.0.0.1"
)

type config struct {
	socket     string
	port       int
	db         string
	workers    []int
	threads    int
	variants   []string
	rounds     int
	dir        string
	cpuprofile string
}

func main() {
	var c config
	flag.StringVar(&c.socket, "socket", "", "Unix socket of the server, where root logs in without a password (bench/backup/run makes one)")
	flag.IntVar(&c.port, "port", 0, "TCP port of the same server, on 127.0.0.1, where dbwarden logs in")
	flag.StringVar(&c.db, "db", "sbtest", "the database the sysbench tables are in")
	workers := flag.String("workers", "2,4", "comma-separated dbwarden worker counts, each timed for dump and restore")
	variants := flag.String("variants", "", "also time streamed dbwarden restores with these loading variants, comma-separated, to compare: keep-indexes (no deferred secondary indexes), autocommit (every statement commits), unique-checks (unique_checks stays on), verify-first (not streamed: run again last, to see the order's effect), chunk-parallel (a table's objects on several connections at once), commit-32m (32 MiB transactions)")
	flag.IntVar(&c.rounds, "rounds", 2, "how many times each restore is timed, in turn with the others; the median is reported")
	flag.IntVar(&c.threads, "threads", 2, "threads for mydumper and myloader (-t), and parallel raw reads")
	flag.StringVar(&c.dir, "dir", "", "directory for the dumps (default: a new temporary directory, removed at the end)")
	flag.StringVar(&c.cpuprofile, "cpuprofile", "", "write a CPU profile of each dbwarden dump and restore to this path with -w<workers>.pprof (dumps) or -restore-w<workers>.pprof appended")
	flag.Parse()

	var errs []error
	if c.socket == "" {
		errs = append(errs, errors.New("-socket is required: root's Unix socket on the private server"))
	}
	if c.port < 1 || c.port > 65535 {
		errs = append(errs, fmt.Errorf("-port %d: want the server's TCP port, 1 to 65535", c.port))
	}
	if c.db == "" {
		errs = append(errs, errors.New("-db is empty: want the database of the sysbench tables"))
	}
	if c.rounds < 1 {
		errs = append(errs, fmt.Errorf("-rounds %d: want 1 or more", c.rounds))
	}
	if c.threads < 1 {
		errs = append(errs, fmt.Errorf("-threads %d: want 1 or more", c.threads))
	}
	for _, f := range strings.Split(*workers, ",") {
		n, err := strconv.Atoi(strings.TrimSpace(f))
		if err != nil || n < 1 {
			errs = append(errs, fmt.Errorf("-workers: %q is not a worker count of 1 or more", f))
			continue
		}
		c.workers = append(c.workers, n)
	}
	for _, v := range strings.Split(*variants, ",") {
		switch v = strings.TrimSpace(v); v {
		case "":
		case "keep-indexes", "autocommit", "unique-checks", "verify-first", "chunk-parallel", "commit-32m":
			c.variants = append(c.variants, v)
		default:
			errs = append(errs, fmt.Errorf("-variants: %q is not keep-indexes, autocommit, unique-checks, verify-first, chunk-parallel or commit-32m", v))
		}
	}
	if err := errors.Join(errs...); err != nil {
		fmt.Fprintln(os.Stderr, "backup-bench:", err)
		os.Exit(2)
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, c); err != nil {
		fmt.Fprintln(os.Stderr, "backup-bench:", err)
		os.Exit(1)
	}
}

// result is one timed operation.
type result struct {
	runs     int // how many runs secs is the median of
	tool, op string
	kind     string // "dump", "restore" or "read"
	secs     float64
	bytes    int64 // on disk: what a dump wrote, what a restore read; -1 for none
	check    string
}

type bench struct {
	c       config
	root    *sql.DB
	creds   mysqladmin.Credentials
	tables  []string
	sums    map[string]int64
	dir     string
	client  string // mariadb or mysql
	dumpBin string // mariadb-dump or mysqldump
	results []result
	discard bool // the step under way is a warm-up: not recorded
}

func run(ctx context.Context, c config) error {
	b := &bench{c: c, dir: c.dir}
	if b.dir == "" {
		d, err := os.MkdirTemp("", "dbwarden-backup-bench-")
		if err != nil {
			return err
		}
		defer os.RemoveAll(d)
		b.dir = d
	}
	for _, p := range []struct {
		dst   *string
		names []string
	}{{&b.client, []string{"mariadb", "mysql"}}, {&b.dumpBin, []string{"mariadb-dump", "mysqldump"}}} {
		for _, n := range p.names {
			if path, err := exec.LookPath(n); err == nil {
				*p.dst = path
				break
			}
		}
		if *p.dst == "" {
			return fmt.Errorf("none of %s is on PATH: apt-get install -y mariadb-client", strings.Join(p.names, ", "))
		}
	}
	for _, n := range []string{"mydumper", "myloader", "gzip", "zstd"} {
		if _, err := exec.LookPath(n); err != nil {
			return fmt.Errorf("%s is not on PATH: apt-get install -y mydumper gzip zstd", n)
		}
	}

	cfg := mysql.NewConfig()
	cfg.User, cfg.Net, cfg.Addr = "root", "unix", c.socket
	// Account statements take no server-side placeholders: the driver
	// escapes the values into them.
	cfg.InterpolateParams = true
	root, err := sql.Open("mysql", cfg.FormatDSN())
	if err != nil {
		return err
	}
	defer root.Close()
	b.root = root
	if err := b.setUp(ctx); err != nil {
		return fmt.Errorf("set up: %w", err)
	}
	defer b.root.ExecContext(context.WithoutCancel(ctx), "DROP USER IF EXISTS ?@?", benchUser, benchHost)

	var archives []string
	steps := []func() error{
		func() error { return b.rawRead(ctx, 1) },
		func() error { return b.rawRead(ctx, c.threads) },
		func() error { return b.mydumper(ctx) },
		func() error { return b.mysqldump(ctx, "gzip", "-1") },
		func() error { return b.mysqldump(ctx, "zstd", "-1", "-T2") },
		func() error { return b.mysqldump(ctx, "") },
	}
	for _, w := range c.workers {
		steps = append(steps, func() error {
			id, err := b.dbwardenDump(ctx, w)
			archives = append(archives, id)
			return err
		})
	}
	// Restores: an untimed myloader restore first (the first load after
	// the data set was made runs slower, whoever runs it), then every
	// contender once per round, in turn; the report keeps each one's
	// median. mariadb < dump.sql, the slowest by far, runs once.
	steps = append(steps, func() error {
		b.discard = true
		defer func() { b.discard = false }()
		return b.myloader(ctx)
	})
	for range c.rounds {
		for i, w := range c.workers {
			steps = append(steps, func() error { return b.dbwardenRestore(ctx, archives[i], w, false, "") })
		}
		for _, v := range c.variants {
			steps = append(steps, func() error {
				return b.dbwardenRestore(ctx, archives[len(archives)-1], c.workers[len(c.workers)-1], v != "verify-first", v)
			})
		}
		steps = append(steps,
			func() error {
				return b.dbwardenRestore(ctx, archives[len(archives)-1], c.workers[len(c.workers)-1], true, "")
			},
			func() error { return b.myloader(ctx) },
		)
	}
	steps = append(steps, func() error { return b.mariadbRestore(ctx) })
	for _, step := range steps {
		if err := step(); err != nil {
			return err
		}
	}
	var bad []error // every run's restore is checked, not only the first
	for _, r := range b.results {
		if r.check != "" && r.check != "match" {
			bad = append(bad, fmt.Errorf("%s %s: the restored tables differ from the source: %s", r.tool, r.op, r.check))
		}
	}
	b.results = medians(b.results)
	b.print(os.Stdout)
	return errors.Join(bad...)
}

// setUp makes the bench user, lists the tables and checksums them.
func (b *bench) setUp(ctx context.Context) error {
	pw := make([]byte, 24)
	rand.Read(pw)
	password := hex.EncodeToString(pw)
	for _, s := range []struct {
		query string
		args  []any
	}{
		{"DROP USER IF EXISTS ?@?", []any{benchUser, benchHost}},
		{"CREATE USER ?@? IDENTIFIED BY ?", []any{benchUser, benchHost, password}},
		{"GRANT ALL PRIVILEGES ON *.* TO ?@? WITH GRANT OPTION", []any{benchUser, benchHost}},
	} {
		// Named by its text, which holds placeholders, never the password.
		if _, err := b.root.ExecContext(ctx, s.query, s.args...); err != nil {
			return fmt.Errorf("as root: %s: %w", s.query, err)
		}
	}
	b.creds = mysqladmin.Credentials{Engine: "mariadb", Host: benchHost, Port: b.c.port, Username: benchUser, Password: password}

	rows, err := b.root.QueryContext(ctx, "SELECT TABLE_NAME FROM information_schema.TABLES WHERE TABLE_SCHEMA = ? AND TABLE_TYPE = 'BASE TABLE' ORDER BY TABLE_NAME", b.c.db)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var t string
		if err := rows.Scan(&t); err != nil {
			return err
		}
		b.tables = append(b.tables, t)
	}
	if err := rows.Err(); err != nil {
		return err
	}
	if len(b.tables) == 0 {
		return fmt.Errorf("database %q has no tables: load it with sysbench prepare first", b.c.db)
	}
	b.sums, err = b.checksums(ctx)
	return err
}

func quoteIdent(s string) string { return "`" + strings.ReplaceAll(s, "`", "``") + "`" }

// checksums returns CHECKSUM TABLE of every source table as it is now.
func (b *bench) checksums(ctx context.Context) (map[string]int64, error) {
	out := map[string]int64{}
	for _, t := range b.tables {
		var name string
		var sum sql.NullInt64
		if err := b.root.QueryRowContext(ctx, "CHECKSUM TABLE "+quoteIdent(b.c.db)+"."+quoteIdent(t)).Scan(&name, &sum); err != nil {
			return nil, fmt.Errorf("checksum %s.%s: %w", b.c.db, t, err)
		}
		if !sum.Valid {
			return nil, fmt.Errorf("checksum %s.%s: the table does not exist", b.c.db, t)
		}
		out[t] = sum.Int64
	}
	return out, nil
}

// verify compares the restored tables with the source's checksums.
func (b *bench) verify(ctx context.Context) (string, error) {
	got, err := b.checksums(ctx)
	if err != nil {
		return "", err
	}
	var bad []string
	for _, t := range b.tables {
		if got[t] != b.sums[t] {
			bad = append(bad, t)
		}
	}
	if len(bad) > 0 {
		return "checksum differs for " + strings.Join(bad, ", "), nil
	}
	return "match", nil
}

func (b *bench) add(r result) {
	if b.discard {
		fmt.Fprintf(os.Stderr, "backup-bench: %s %s: %.1f s (warm-up, not counted)\n", r.tool, r.op, r.secs)
		return
	}
	b.results = append(b.results, r)
	fmt.Fprintf(os.Stderr, "backup-bench: %s %s: %.1f s\n", r.tool, r.op, r.secs)
}

// medians folds repeated runs of one tool and operation into one result
// with their median time, in the order each first ran.
func medians(rs []result) []result {
	var out []result
	times := map[string][]float64{}
	for _, r := range rs {
		k := r.tool + "\x00" + r.op
		if _, ok := times[k]; !ok {
			out = append(out, r)
		}
		times[k] = append(times[k], r.secs)
	}
	for i, r := range out {
		ts := times[r.tool+"\x00"+r.op]
		slices.Sort(ts)
		m := ts[len(ts)/2]
		if len(ts)%2 == 0 {
			m = (ts[len(ts)/2-1] + ts[len(ts)/2]) / 2
		}
		out[i].secs = m
		out[i].runs = len(ts)
	}
	return out
}

// clientArgs log a MariaDB client program in as root over the socket.
func (b *bench) clientArgs() []string {
	return []string{"--no-defaults", "--socket=" + b.c.socket, "--user=root"}
}

// command runs name with args, its stdout to out (nil: discarded); its
// stderr is kept for the error.
func command(ctx context.Context, out io.Writer, stdin io.Reader, name string, args ...string) *exec.Cmd {
	cmd := exec.CommandContext(ctx, name, args...)
	cmd.Stdout, cmd.Stdin = out, stdin
	return cmd
}

func runCmd(cmd *exec.Cmd) error {
	var stderr strings.Builder
	cmd.Stderr = &stderr
	if err := cmd.Run(); err != nil {
		return fmt.Errorf("%s: %w: %s", filepath.Base(cmd.Path), err, strings.TrimSpace(stderr.String()))
	}
	return nil
}

// rawRead reads every table with SELECT * through the client, to
// /dev/null, n tables at a time.
func (b *bench) rawRead(ctx context.Context, n int) error {
	next := make(chan string)
	errc := make(chan error, n)
	start := time.Now()
	var wg sync.WaitGroup
	for range n {
		wg.Go(func() {
			for t := range next {
				q := "SELECT * FROM " + quoteIdent(b.c.db) + "." + quoteIdent(t)
				if err := runCmd(command(ctx, nil, nil, b.client, append(b.clientArgs(), "--quick", "--batch", "-e", q)...)); err != nil {
					errc <- err
					return
				}
			}
		})
	}
	for _, t := range b.tables {
		next <- t
	}
	close(next)
	wg.Wait()
	close(errc)
	if err := <-errc; err != nil {
		return err
	}
	op := "SELECT * of every table, sequential"
	if n > 1 {
		op = fmt.Sprintf("SELECT * of every table, %d in parallel", n)
	}
	b.add(result{tool: "mariadb client", op: op, kind: "read", secs: time.Since(start).Seconds(), bytes: -1})
	return nil
}

func (b *bench) mydumper(ctx context.Context) error {
	out := filepath.Join(b.dir, "mydumper")
	args := []string{"--socket", b.c.socket, "--user", "root", "-t", strconv.Itoa(b.c.threads), "--compress", "-o", out, "-v", "1"}
	start := time.Now()
	if err := runCmd(command(ctx, nil, nil, "mydumper", args...)); err != nil {
		return err
	}
	b.add(result{tool: "mydumper", op: fmt.Sprintf("dump, -t %d --compress (gzip)", b.c.threads), kind: "dump", secs: time.Since(start).Seconds(), bytes: du(out)})
	return nil
}

// mysqldump dumps every database through compressor (none when ""), to a
// file.
func (b *bench) mysqldump(ctx context.Context, compressor string, level ...string) error {
	name := filepath.Join(b.dir, "dump.sql")
	op := "dump --single-transaction --quick --all-databases"
	if compressor != "" {
		name += "." + map[string]string{"gzip": "gz", "zstd": "zst"}[compressor]
		op += " | " + compressor + " " + strings.Join(level, " ")
	}
	f, err := os.Create(name)
	if err != nil {
		return err
	}
	defer f.Close()
	dump := command(ctx, f, nil, b.dumpBin, append(b.clientArgs(), "--single-transaction", "--quick", "--all-databases")...)
	start := time.Now()
	if compressor == "" {
		if err := runCmd(dump); err != nil {
			return err
		}
	} else {
		pr, pw := io.Pipe()
		dump.Stdout = pw
		comp := command(ctx, f, pr, compressor, level...)
		errc := make(chan error, 1)
		go func() {
			err := runCmd(dump)
			pw.CloseWithError(err)
			errc <- err
		}()
		cerr := runCmd(comp)
		pr.Close()
		if err := errors.Join(<-errc, cerr); err != nil {
			return err
		}
	}
	if err := f.Close(); err != nil {
		return err
	}
	b.add(result{tool: filepath.Base(b.dumpBin), op: op, kind: "dump", secs: time.Since(start).Seconds(), bytes: du(name)})
	return nil
}

// archive opens dbwarden's archive in b.dir: a directory bucket and a file
// keyring, as `dbwarden` wires them in its default mode.
func (b *bench) archive() (*backup.Archive, func(), error) {
	bucket, err := fileblob.Open(filepath.Join(b.dir, "dbwarden", "backups"))
	if err != nil {
		return nil, nil, err
	}
	kp, err := filekeys.Open(filepath.Join(b.dir, "dbwarden", "keys"))
	if err != nil {
		bucket.Close()
		return nil, nil, err
	}
	return &backup.Archive{Bucket: bucket, Keys: kp, KeyName: "file", Version: "bench"}, func() { bucket.Close() }, nil
}

func (b *bench) dbwardenDump(ctx context.Context, workers int) (string, error) {
	a, done, err := b.archive()
	if err != nil {
		return "", err
	}
	defer done()
	if b.c.cpuprofile != "" {
		f, err := os.Create(fmt.Sprintf("%s-w%d.pprof", b.c.cpuprofile, workers))
		if err != nil {
			return "", err
		}
		defer f.Close()
		if err := pprof.StartCPUProfile(f); err != nil {
			return "", err
		}
		defer pprof.StopCPUProfile()
	}
	start := time.Now()
	m, err := a.Run(ctx, b.creds, backup.RunOptions{Dump: backup.Options{Workers: workers}})
	if err != nil {
		return "", err
	}
	secs := time.Since(start).Seconds()
	b.add(result{tool: "dbwarden", op: fmt.Sprintf("dump, %d workers (zstd, encrypted)", workers), kind: "dump", secs: secs,
		bytes: du(filepath.Join(b.dir, "dbwarden", "backups", m.BackupID))})
	return m.BackupID, nil
}

// drop removes the database before a restore; not timed.
func (b *bench) drop(ctx context.Context) error {
	_, err := b.root.ExecContext(ctx, "DROP DATABASE IF EXISTS "+quoteIdent(b.c.db))
	return err
}

func (b *bench) dbwardenRestore(ctx context.Context, id string, workers int, stream bool, variant string) error {
	a, done, err := b.archive()
	if err != nil {
		return err
	}
	defer done()
	if err := b.drop(ctx); err != nil {
		return err
	}
	if b.c.cpuprofile != "" {
		f, err := os.Create(fmt.Sprintf("%s-restore-w%d.pprof", b.c.cpuprofile, workers))
		if err != nil {
			return err
		}
		defer f.Close()
		if err := pprof.StartCPUProfile(f); err != nil {
			return err
		}
		defer pprof.StopCPUProfile()
	}
	start := time.Now()
	opts := backup.ArchiveRestoreOptions{RestoreOptions: backup.RestoreOptions{Workers: workers, Databases: []string{b.c.db}}, Stream: stream}
	switch variant {
	case "keep-indexes":
		opts.DeferIndexRows = -1
	case "autocommit":
		opts.CommitBytes = -1
	case "unique-checks":
		opts.UniqueChecks = true
	case "chunk-parallel":
		opts.ChunkParallel = true
	case "commit-32m":
		opts.CommitBytes = 32 << 20
	}
	if _, err := a.Restore(ctx, id, b.creds, opts); err != nil {
		return err
	}
	secs := time.Since(start).Seconds()
	check, err := b.verify(ctx)
	if err != nil {
		return err
	}
	op := fmt.Sprintf("restore, %d workers, verify first", workers)
	if stream {
		op = fmt.Sprintf("restore, %d workers, streamed (Stream: true)", workers)
	}
	if variant != "" {
		op += ", variant " + variant
	}
	b.add(result{tool: "dbwarden", op: op, kind: "restore", secs: secs, bytes: du(filepath.Join(b.dir, "dbwarden", "backups", id)), check: check})
	return nil
}

func (b *bench) myloader(ctx context.Context) error {
	if err := b.drop(ctx); err != nil {
		return err
	}
	in := filepath.Join(b.dir, "mydumper")
	args := []string{"--socket", b.c.socket, "--user", "root", "-t", strconv.Itoa(b.c.threads), "-d", in, "-s", b.c.db, "-v", "1"}
	start := time.Now()
	if err := runCmd(command(ctx, nil, nil, "myloader", args...)); err != nil {
		return err
	}
	secs := time.Since(start).Seconds()
	check, err := b.verify(ctx)
	if err != nil {
		return err
	}
	b.add(result{tool: "myloader", op: fmt.Sprintf("restore, -t %d -s %s", b.c.threads, b.c.db), kind: "restore", secs: secs, bytes: du(in), check: check})
	return nil
}

func (b *bench) mariadbRestore(ctx context.Context) error {
	if err := b.drop(ctx); err != nil {
		return err
	}
	name := filepath.Join(b.dir, "dump.sql")
	f, err := os.Open(name)
	if err != nil {
		return err
	}
	defer f.Close()
	start := time.Now()
	if err := runCmd(command(ctx, nil, f, b.client, b.clientArgs()...)); err != nil {
		return err
	}
	secs := time.Since(start).Seconds()
	check, err := b.verify(ctx)
	if err != nil {
		return err
	}
	b.add(result{tool: filepath.Base(b.client), op: "restore, < dump.sql (every database)", kind: "restore", secs: secs, bytes: du(name), check: check})
	return nil
}

// du is the size of a file, or of every file under a directory.
func du(path string) int64 {
	var n int64
	filepath.WalkDir(path, func(_ string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			if info, err := d.Info(); err == nil {
				n += info.Size()
			}
		}
		return nil
	})
	return n
}

func (b *bench) find(tool, kind string) (result, bool) {
	i := slices.IndexFunc(b.results, func(r result) bool { return r.tool == tool && r.kind == kind })
	if i < 0 {
		return result{}, false
	}
	return b.results[i], true
}

func (b *bench) print(w io.Writer) {
	mydumper, _ := b.find("mydumper", "dump")
	myloader, _ := b.find("myloader", "restore")
	fmt.Fprintf(w, "%d tables in %s; each restore timed %d times in turn with the others after an untimed myloader warm-up, median shown (mariadb < dump.sql once)\n\n", len(b.tables), b.c.db, b.c.rounds)
	fmt.Fprintln(w, "| tool | operation | seconds | MB on disk | ratio to mydumper / myloader | restored tables |")
	fmt.Fprintln(w, "|---|---|---:|---:|---:|---|")
	for _, r := range b.results {
		mb, ratio := "", ""
		if r.bytes >= 0 {
			mb = fmt.Sprintf("%.1f", float64(r.bytes)/1e6)
		}
		switch {
		case r.kind == "restore" && myloader.secs > 0:
			ratio = fmt.Sprintf("%.2f", r.secs/myloader.secs)
		case r.kind != "restore" && mydumper.secs > 0:
			ratio = fmt.Sprintf("%.2f", r.secs/mydumper.secs)
		}
		check := r.check
		if check == "match" {
			check = "CHECKSUM TABLE matches"
		}
		fmt.Fprintf(w, "| %s | %s | %.1f | %s | %s | %s |\n", r.tool, strings.ReplaceAll(r.op, "|", `\|`), r.secs, mb, ratio, check)
	}
	fmt.Fprintln(w)
	zstd := slices.IndexFunc(b.results, func(r result) bool { return strings.Contains(r.op, "| zstd") })
	plain, _ := b.find(filepath.Base(b.client), "restore")
	for _, r := range b.results {
		if r.tool != "dbwarden" {
			continue
		}
		switch r.kind {
		case "dump":
			fmt.Fprintf(w, "- %s: %.2f of mydumper's time (target %.1f): %s; %.2f of mysqldump | zstd's (target 1.0): %s\n",
				r.op, r.secs/mydumper.secs, targetDumpVsMydumper, met(r.secs <= targetDumpVsMydumper*mydumper.secs),
				r.secs/b.results[zstd].secs, met(r.secs <= b.results[zstd].secs))
		case "restore":
			fmt.Fprintf(w, "- %s: %.2f of myloader's time (target %.1f): %s; %.2f of mariadb < dump.sql's (target %.1f): %s\n",
				r.op, r.secs/myloader.secs, targetRestoreVsMyloader, met(r.secs <= targetRestoreVsMyloader*myloader.secs),
				r.secs/plain.secs, targetRestoreVsMyloader, met(r.secs <= targetRestoreVsMyloader*plain.secs))
		}
	}
}

func met(ok bool) string {
	if ok {
		return "met"
	}
	return "NOT met"
}
