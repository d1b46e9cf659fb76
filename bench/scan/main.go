// Command scan-bench runs dbwarden's scanner, tfsec and trivy on the same
// corpora, one tool at a time, and prints markdown tables: wall time and
// peak memory per corpus, and which tool reports each seed control of the
// seeded corpus. Run it through bench/scan/run, which builds dbwarden,
// installs the peers and generates the corpora (bench/scan/gen).
package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"runtime"
	"slices"
	"sort"
	"strconv"
	"strings"
	"syscall"
	"time"
)

type config struct {
	dbwarden, tfsec, trivy string
	// versions say which build of each tool ran; empty: ask the binary.
	dbwardenVersion, tfsecVersion, trivyVersion string
	corpus, fixtures, work                      string
	out                                         string
	runs                                        int
	warmup                                      bool
}

func main() {
	var c config
	flag.StringVar(&c.dbwarden, "dbwarden", "", "the dbwarden binary")
	flag.StringVar(&c.tfsec, "tfsec", "", "the tfsec binary (empty: leave tfsec out)")
	flag.StringVar(&c.trivy, "trivy", "", "the trivy binary (empty: leave trivy out)")
	flag.StringVar(&c.dbwardenVersion, "dbwarden-version", "", "what to call the dbwarden build in the report (default: what dbwarden version prints)")
	flag.StringVar(&c.tfsecVersion, "tfsec-version", "", "tfsec's version for the report (default: what tfsec --version prints)")
	flag.StringVar(&c.trivyVersion, "trivy-version", "", "trivy's version for the report (default: what trivy --version prints)")
	flag.StringVar(&c.corpus, "corpus", "", "the corpora written by scan-gen (with manifest.json)")
	flag.StringVar(&c.fixtures, "fixtures", "", "dbwarden's rule fixtures, timed as a third corpus (empty: leave out)")
	flag.StringVar(&c.work, "work", "", "directory for the tools' reports (default: a new temporary directory, removed at the end)")
	flag.StringVar(&c.out, "o", "", "also write the tables to this file")
	flag.IntVar(&c.runs, "runs", 3, "timed runs of each tool on each corpus; the table shows the median")
	flag.BoolVar(&c.warmup, "warmup", true, "run each tool once, untimed, on each corpus first (file cache, trivy's check cache)")
	flag.Parse()

	var errs []error
	if c.dbwarden == "" {
		errs = append(errs, errors.New("-dbwarden is required"))
	}
	if c.corpus == "" {
		errs = append(errs, errors.New("-corpus is required: the output directory of scan-gen"))
	}
	if c.runs < 1 {
		errs = append(errs, fmt.Errorf("-runs %d: want 1 or more", c.runs))
	}
	if flag.NArg() > 0 {
		errs = append(errs, fmt.Errorf("unexpected arguments %q", flag.Args()))
	}
	if err := errors.Join(errs...); err != nil {
		fmt.Fprintln(os.Stderr, "scan-bench:", err)
		os.Exit(2)
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, c); err != nil {
		fmt.Fprintln(os.Stderr, "scan-bench:", err)
		os.Exit(1)
	}
}

// manifest is what scan-gen writes (see bench/scan/gen).
type manifest struct {
	Controls []struct {
		Slug     string   `json:"slug"`
		Title    string   `json:"title"`
		Profile  string   `json:"profile"`
		Dbwarden []string `json:"dbwarden"`
		Peer     []string `json:"peer"`
		PeerLong []string `json:"peer_long"`
		TFDir    string   `json:"tf_dir"`
		CFNFile  string   `json:"cfn_file"`
		// ContainerDir holds a Dockerfile, a Compose file or a .env.
		ContainerDir string `json:"container_dir"`
	} `json:"controls"`
	Large struct {
		Dir       string `json:"dir"`
		Modules   int    `json:"modules"`
		Resources int    `json:"resource_blocks"`
		Instances int    `json:"resource_instances"`
		Files     int    `json:"files"`
	} `json:"large"`
}

// tool is one scanner and how to run it on a path.
type tool struct {
	name string
	peer bool
	// args returns the command line that scans path into the report file.
	args func(path, report string) []string
	// ok says which exit codes mean the scan ran.
	ok func(code int) bool
	// parse reads a report into findings, file names as the tool wrote them.
	parse func(report []byte) ([]finding, error)
}

// finding is one reported rule on one file.
type finding struct {
	rule, long, file string
}

// timing is the result of one tool on one corpus.
type timing struct {
	tool     string
	walls    []time.Duration
	peakKB   int64
	findings int
	note     string
}

func (t timing) median() time.Duration {
	w := slices.Clone(t.walls)
	slices.Sort(w)
	return w[len(w)/2]
}

type bench struct {
	c       config
	tools   []tool
	timeBin string // /usr/bin/time, or "" to read the child's rusage
	out     bytes.Buffer
}

func run(ctx context.Context, c config) error {
	if c.work == "" {
		dir, err := os.MkdirTemp("", "scan-bench-")
		if err != nil {
			return err
		}
		defer os.RemoveAll(dir)
		c.work = dir
	}
	if err := os.MkdirAll(c.work, 0o755); err != nil {
		return err
	}
	var m manifest
	b, err := os.ReadFile(filepath.Join(c.corpus, "manifest.json"))
	if err != nil {
		return fmt.Errorf("read the corpus manifest: %w", err)
	}
	if err := json.Unmarshal(b, &m); err != nil {
		return fmt.Errorf("%s: %w", filepath.Join(c.corpus, "manifest.json"), err)
	}

	bn := &bench{c: c}
	if st, err := os.Stat("/usr/bin/time"); err == nil && !st.IsDir() {
		bn.timeBin = "/usr/bin/time"
	}
	bn.tools = append(bn.tools, dbwardenTool(c.dbwarden, "baseline"))
	if c.tfsec != "" {
		bn.tools = append(bn.tools, tfsecTool(c.tfsec))
	}
	if c.trivy != "" {
		bn.tools = append(bn.tools, trivyTool(c.trivy, filepath.Join(c.work, "trivy-cache")))
	}

	bn.header(ctx, m)
	corpora := []struct{ name, path, desc string }{
		{"seeded", filepath.Join(c.corpus, "seeded"), fmt.Sprintf("%d seed controls, each broken in its own Terraform root module, CloudFormation template or container folder (Dockerfile, Compose file, .env), as many of them as the control has (%s)", len(m.Controls), countFiles(filepath.Join(c.corpus, "seeded")))},
		{"fixtures", c.fixtures, "dbwarden's rule fixtures (" + countFiles(c.fixtures) + "), timing only"},
		{"large", filepath.Join(c.corpus, m.Large.Dir), fmt.Sprintf("%d Terraform root modules calling one shared local module: %d resource blocks, %d resource instances (count, for_each, dynamic blocks, locals, variables), %d files", m.Large.Modules, m.Large.Resources, m.Large.Instances, m.Large.Files)},
	}
	reports := map[string]string{} // tool → its last report on the seeded corpus
	for _, corp := range corpora {
		if corp.path == "" {
			continue
		}
		fmt.Fprintf(os.Stderr, "scan-bench: %s corpus\n", corp.name)
		var ts []timing
		load := loadavg()
		for _, t := range bn.tools {
			report := filepath.Join(c.work, corp.name+"-"+t.name+".json")
			tm, err := bn.time(ctx, t, corp.path, report)
			if err != nil {
				return fmt.Errorf("%s on the %s corpus: %w", t.name, corp.name, err)
			}
			ts = append(ts, tm)
			if corp.name == "seeded" {
				reports[t.name] = report
			}
		}
		bn.timingTable(corp.name, corp.desc, ts, load, loadavg())
	}
	if err := bn.recall(ctx, m, reports); err != nil {
		return err
	}
	if c.fixtures != "" {
		if err := bn.clean(ctx); err != nil {
			return err
		}
	}
	os.Stdout.Write(bn.out.Bytes())
	if c.out != "" {
		if err := os.WriteFile(c.out, bn.out.Bytes(), 0o644); err != nil {
			return err
		}
	}
	return nil
}

func (bn *bench) printf(format string, args ...any) { fmt.Fprintf(&bn.out, format, args...) }

// header says what ran where.
func (bn *bench) header(ctx context.Context, m manifest) {
	bn.printf("Scanner benchmark, %s\n\n", time.Now().UTC().Format("2006-01-02 15:04 UTC"))
	bn.printf("- machine: %d CPU cores, %s/%s, %s\n", runtime.NumCPU(), runtime.GOOS, runtime.GOARCH, runtime.Version())
	bn.printf("- dbwarden: %s\n", version(ctx, bn.c.dbwardenVersion, bn.c.dbwarden, "version"))
	if bn.c.tfsec != "" {
		bn.printf("- tfsec: %s\n", version(ctx, bn.c.tfsecVersion, bn.c.tfsec, "--version"))
	} else {
		bn.printf("- tfsec: left out\n")
	}
	if bn.c.trivy != "" {
		bn.printf("- trivy: %s\n", version(ctx, bn.c.trivyVersion, bn.c.trivy, "--version"))
	} else {
		bn.printf("- trivy: left out (-no-trivy, or it could not be built)\n")
	}
	method := "the child's rusage (ru_maxrss)"
	if bn.timeBin != "" {
		method = "`/usr/bin/time -v` (maximum resident set size)"
	}
	bn.printf("- one tool at a time; each tool once untimed on each corpus (warm-up: %t), then %d timed runs: the median wall time and the largest peak memory, measured by %s\n\n", bn.c.warmup, bn.c.runs, method)
}

// version returns given, or else the first line bin prints for arg.
func version(ctx context.Context, given, bin, arg string) string {
	if given != "" {
		return given
	}
	out, err := exec.CommandContext(ctx, bin, arg).CombinedOutput()
	if err != nil {
		return "version unknown (" + err.Error() + ")"
	}
	for _, l := range strings.Split(string(out), "\n") {
		if l = strings.TrimSpace(l); l != "" {
			return l
		}
	}
	return "version unknown"
}

// time runs t on path: a warm-up, then the timed runs. The last run's
// report stays in report.
func (bn *bench) time(ctx context.Context, t tool, path, report string) (timing, error) {
	tm := timing{tool: t.name}
	n := bn.c.runs
	if bn.c.warmup {
		n++
	}
	for i := 0; i < n; i++ {
		wall, peak, note, err := bn.once(ctx, t, path, report)
		if err != nil {
			return tm, err
		}
		tm.note = note
		if bn.c.warmup && i == 0 {
			continue
		}
		tm.walls = append(tm.walls, wall)
		tm.peakKB = max(tm.peakKB, peak)
	}
	b, err := os.ReadFile(report)
	if err != nil {
		return tm, err
	}
	fs, err := t.parse(b)
	if err != nil {
		return tm, fmt.Errorf("%s: %w", report, err)
	}
	tm.findings = len(fs)
	fmt.Fprintf(os.Stderr, "scan-bench:   %-8s %6.2f s %6.0f MB %5d findings\n", t.name, tm.median().Seconds(), float64(tm.peakKB)/1024, tm.findings)
	return tm, nil
}

// once runs t once and returns its wall time and peak resident memory in
// KiB. A tool that exits with a code it does not use for findings is an
// error; dbwarden's exit code 2 (an input it could not read) is noted.
func (bn *bench) once(ctx context.Context, t tool, path, report string) (time.Duration, int64, string, error) {
	os.Remove(report)
	args := t.args(path, report)
	timeFile := report + ".time"
	if bn.timeBin != "" {
		args = append([]string{bn.timeBin, "-v", "-o", timeFile}, args...)
	}
	cmd := exec.CommandContext(ctx, args[0], args[1:]...)
	var stderr bytes.Buffer
	cmd.Stdout = io.Discard
	cmd.Stderr = &stderr
	start := time.Now()
	err := cmd.Run()
	wall := time.Since(start)
	code := 0
	var ee *exec.ExitError
	switch {
	case errors.As(err, &ee):
		code = ee.ExitCode()
	case err != nil:
		return 0, 0, "", err
	}
	if !t.ok(code) {
		return 0, 0, "", fmt.Errorf("exit code %d: %s", code, firstLines(stderr.String(), 8))
	}
	note := ""
	if t.name == "dbwarden" && code == 2 {
		note = "exit code 2 (inputs it could not read): " + firstLines(stderr.String(), 3)
	}
	var peak int64
	if bn.timeBin != "" {
		b, err := os.ReadFile(timeFile)
		if err != nil {
			return 0, 0, "", err
		}
		peak, err = timeMaxRSS(b)
		if err != nil {
			return 0, 0, "", fmt.Errorf("%s: %w", timeFile, err)
		}
	} else if ru, ok := cmd.ProcessState.SysUsage().(*syscall.Rusage); ok {
		peak = ru.Maxrss // KiB on Linux
	}
	return wall, peak, note, nil
}

func timeMaxRSS(b []byte) (int64, error) {
	for _, l := range strings.Split(string(b), "\n") {
		l = strings.TrimSpace(l)
		if v, ok := strings.CutPrefix(l, "Maximum resident set size (kbytes):"); ok {
			return strconv.ParseInt(strings.TrimSpace(v), 10, 64)
		}
	}
	return 0, errors.New("no maximum resident set size in /usr/bin/time's output")
}

func firstLines(s string, n int) string {
	lines := strings.Split(strings.TrimSpace(s), "\n")
	if len(lines) > n {
		lines = append(lines[:n], "...")
	}
	return strings.Join(lines, " | ")
}

func loadavg() string {
	b, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return "unknown"
	}
	f := strings.Fields(string(b))
	if len(f) < 3 {
		return "unknown"
	}
	return strings.Join(f[:3], " ")
}

// countFiles describes the inputs under dir.
func countFiles(dir string) string {
	if dir == "" {
		return ""
	}
	var tf, cfn, other int
	filepath.WalkDir(dir, func(p string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return nil
		}
		switch ext := filepath.Ext(p); {
		case ext == ".tf" || ext == ".tfvars":
			tf++
		case ext == ".yaml" || ext == ".yml" || ext == ".json":
			cfn++
		default:
			other++
		}
		return nil
	})
	return fmt.Sprintf("%d Terraform files, %d YAML/JSON files, %d others", tf, cfn, other)
}

// timingTable prints one corpus's times.
func (bn *bench) timingTable(name, desc string, ts []timing, loadBefore, loadAfter string) {
	bn.printf("### Corpus %q\n\n%s. Load average before: %s; after: %s.\n\n", name, desc, loadBefore, loadAfter)
	var fastest time.Duration
	for _, t := range ts {
		if t.tool != "dbwarden" && (fastest == 0 || t.median() < fastest) {
			fastest = t.median()
		}
	}
	bn.printf("| tool | wall s (median of %d) | fastest–slowest s | peak MB | findings | dbwarden's time / this tool's |\n|---|---:|---:|---:|---:|---:|\n", bn.c.runs)
	var dbw time.Duration
	for _, t := range ts {
		if t.tool == "dbwarden" {
			dbw = t.median()
		}
	}
	for _, t := range ts {
		ratio := "–"
		if t.tool != "dbwarden" {
			ratio = fmt.Sprintf("%.2f", dbw.Seconds()/t.median().Seconds())
		}
		lo, hi := slices.Min(t.walls), slices.Max(t.walls)
		bn.printf("| %s | %.2f | %.2f–%.2f | %.0f | %d | %s |\n", t.tool, t.median().Seconds(), lo.Seconds(), hi.Seconds(), float64(t.peakKB)/1024, t.findings, ratio)
	}
	if fastest > 0 {
		bn.printf("\ndbwarden's time / the fastest peer's: **%.2f** (below 1: dbwarden is faster).\n", dbw.Seconds()/fastest.Seconds())
	}
	for _, t := range ts {
		if t.note != "" {
			bn.printf("\nNote: %s: %s\n", t.tool, t.note)
		}
	}
	bn.printf("\n")
}

// Tools.

func dbwardenTool(bin, profile string) tool {
	return tool{
		name: "dbwarden",
		args: func(path, report string) []string {
			return []string{bin, "scan", "--format", "json", "--profile", profile, "--output", report, path}
		},
		ok: func(code int) bool { return code <= 2 }, // 1: findings; 2: an input it could not read
		parse: func(b []byte) ([]finding, error) {
			var fs []struct {
				RuleID     string `json:"rule_id"`
				File       string `json:"file"`
				Unknown    bool   `json:"unknown"`
				Suppressed bool   `json:"suppressed"`
			}
			if err := json.Unmarshal(b, &fs); err != nil {
				return nil, err
			}
			var out []finding
			for _, f := range fs {
				if f.Unknown || f.Suppressed {
					continue
				}
				out = append(out, finding{rule: f.RuleID, file: f.File})
			}
			return out, nil
		},
	}
}

func tfsecTool(bin string) tool {
	return tool{
		name: "tfsec",
		peer: true,
		args: func(path, report string) []string {
			return []string{bin, path, "--no-module-downloads", "--soft-fail", "--no-color", "-f", "json", "-O", report}
		},
		ok: func(code int) bool { return code == 0 },
		parse: func(b []byte) ([]finding, error) {
			var r struct {
				Results []struct {
					RuleID   string `json:"rule_id"`
					LongID   string `json:"long_id"`
					Location struct {
						Filename string `json:"filename"`
					} `json:"location"`
				} `json:"results"`
			}
			if err := json.Unmarshal(b, &r); err != nil {
				return nil, err
			}
			var out []finding
			for _, f := range r.Results {
				out = append(out, finding{rule: f.RuleID, long: f.LongID, file: f.Location.Filename})
			}
			return out, nil
		},
	}
}

func trivyTool(bin, cache string) tool {
	return tool{
		name: "trivy",
		peer: true,
		args: func(path, report string) []string {
			return []string{bin, "config", "--skip-check-update", "--skip-version-check", "--quiet",
				"--cache-dir", cache, "-f", "json", "-o", report, path}
		},
		ok: func(code int) bool { return code == 0 },
		parse: func(b []byte) ([]finding, error) {
			var r struct {
				Results []struct {
					Target            string `json:"Target"`
					Misconfigurations []struct {
						ID     string `json:"ID"`
						AVDID  string `json:"AVDID"`
						Status string `json:"Status"`
						Cause  struct {
							Resource string `json:"Resource"`
						} `json:"CauseMetadata"`
					} `json:"Misconfigurations"`
				} `json:"Results"`
			}
			if err := json.Unmarshal(b, &r); err != nil {
				return nil, err
			}
			var out []finding
			for _, res := range r.Results {
				for _, m := range res.Misconfigurations {
					if m.Status != "" && m.Status != "FAIL" {
						continue
					}
					id := m.AVDID
					if id == "" {
						id = m.ID
					}
					out = append(out, finding{rule: id, long: m.ID, file: res.Target})
				}
			}
			return out, nil
		},
	}
}

// Recall.

// recall scans the seeded corpus's pci and hipaa folders again with
// dbwarden under their profiles, then prints control × tool.
func (bn *bench) recall(ctx context.Context, m manifest, reports map[string]string) error {
	seeded := filepath.Join(bn.c.corpus, "seeded")
	// found[tool][file] = rule ids, file relative to the corpus.
	found := map[string]map[string]map[string]bool{}
	add := func(toolName, base string, fs []finding) {
		if found[toolName] == nil {
			found[toolName] = map[string]map[string]bool{}
		}
		for _, f := range fs {
			rel := relTo(bn.c.corpus, base, f.file)
			if found[toolName][rel] == nil {
				found[toolName][rel] = map[string]bool{}
			}
			found[toolName][rel][f.rule] = true
			if f.long != "" {
				found[toolName][rel][f.long] = true
			}
		}
	}
	for _, t := range bn.tools {
		b, err := os.ReadFile(reports[t.name])
		if err != nil {
			return err
		}
		fs, err := t.parse(b)
		if err != nil {
			return err
		}
		add(t.name, seeded, fs)
	}
	for _, prof := range []string{"pci", "hipaa"} {
		dir := filepath.Join(seeded, prof)
		if _, err := os.Stat(dir); err != nil {
			continue
		}
		t := dbwardenTool(bn.c.dbwarden, prof)
		report := filepath.Join(bn.c.work, "seeded-dbwarden-"+prof+".json")
		if _, _, _, err := bn.once(ctx, t, dir, report); err != nil {
			return fmt.Errorf("dbwarden --profile %s: %w", prof, err)
		}
		b, err := os.ReadFile(report)
		if err != nil {
			return err
		}
		fs, err := t.parse(b)
		if err != nil {
			return err
		}
		// Only the profile's own controls are read from this run.
		add("dbwarden/"+prof, dir, fs)
	}

	hit := func(toolName, path string, dir bool, ids []string) bool {
		for file, rules := range found[toolName] {
			if file == path || (dir && strings.HasPrefix(file, path+"/")) {
				for _, id := range ids {
					if rules[id] {
						return true
					}
				}
			}
		}
		return false
	}
	peers := []string{}
	for _, t := range bn.tools {
		if t.peer {
			peers = append(peers, t.name)
		}
	}
	cfnPeers := slices.DeleteFunc(slices.Clone(peers), func(s string) bool { return s == "tfsec" })       // tfsec reads no CloudFormation
	containerPeers := slices.DeleteFunc(slices.Clone(peers), func(s string) bool { return s == "tfsec" }) // nor Dockerfiles, Compose or .env
	// A group of columns per form of a control: dbwarden's, then those of
	// the peers that read the form.
	groups := []struct {
		lang  string
		peers []string
	}{{"TF", peers}, {"CFN", cfnPeers}, {"container", containerPeers}}
	var cols []string
	for _, g := range groups {
		cols = append(append(cols, "dbwarden "+g.lang), prefixed(g.peers, " "+g.lang)...)
	}

	bn.printf("### Recall on the seeded corpus\n\n")
	bn.printf("✓: the tool reported one of the control's rule ids on the control's module (Terraform), template (CloudFormation) or container folder (a Dockerfile, a Compose file, or a .env and its .gitignore); ✗: it did not; –: the control has no such form. Peers count with any of their equivalent ids (tfsec and trivy share AVD ids). dbwarden scans the PCI and HIPAA controls with `--profile pci` and `--profile hipaa`; the peers have no profiles.\n\n")
	head := "| control | dbwarden rule |"
	sep := "|---|---|"
	for _, col := range cols {
		head += " " + col + " |"
		sep += ":-:|"
	}
	head += " peer ids |"
	sep += "---|"
	bn.printf("%s\n%s\n", head, sep)

	type tally struct{ found, of int }
	totals := map[string]*tally{}
	count := func(col string, ok bool) string {
		if totals[col] == nil {
			totals[col] = &tally{}
		}
		totals[col].of++
		if ok {
			totals[col].found++
			return "✓"
		}
		return "✗"
	}
	var missed []string // controls a peer finds and dbwarden does not
	var extras []string
	for _, c := range m.Controls {
		dbwName := "dbwarden"
		if c.Profile != "baseline" {
			dbwName = "dbwarden/" + c.Profile
		}
		title := c.Title
		row := fmt.Sprintf("| %s | %s |", title, strings.Join(c.Dbwarden, ", "))
		// The template is a file; the module and the container folder are
		// found by any file in them.
		forms := []struct {
			path string
			dir  bool
		}{{c.TFDir, true}, {c.CFNFile, false}, {c.ContainerDir, true}}
		for i, f := range forms {
			g := groups[i]
			if f.path == "" {
				row += " – |" + strings.Repeat(" – |", len(g.peers))
				continue
			}
			dbw := hit(dbwName, f.path, f.dir, c.Dbwarden)
			row += " " + count("dbwarden "+g.lang, dbw) + " |"
			for _, p := range g.peers {
				ok := hit(p, f.path, f.dir, append(slices.Clone(c.Peer), c.PeerLong...))
				row += " " + count(p+" "+g.lang, ok) + " |"
				if ok && !dbw {
					missed = append(missed, fmt.Sprintf("%s (%s, found by %s)", c.Title, g.lang, p))
				}
			}
			if other := otherRules(found[dbwName], f.path, f.dir, c.Dbwarden); len(other) > 0 {
				extras = append(extras, fmt.Sprintf("%s (%s): %s", c.Slug, g.lang, strings.Join(other, ", ")))
			}
		}
		ids := "none"
		if len(c.Peer) > 0 {
			var parts []string
			for i, id := range c.Peer {
				parts = append(parts, id+" "+c.PeerLong[i])
			}
			ids = strings.Join(parts, ", ")
		}
		bn.printf("%s %s |\n", row, ids)
	}
	row := "| **controls found** | |"
	for _, col := range cols {
		t := totals[col]
		if t == nil {
			t = &tally{}
		}
		row += fmt.Sprintf(" **%d/%d** |", t.found, t.of)
	}
	bn.printf("%s |\n\n", row)
	if len(missed) == 0 {
		bn.printf("dbwarden finds every control a peer finds: **yes**.\n\n")
	} else {
		bn.printf("dbwarden finds every control a peer finds: **no**; missed:\n\n")
		for _, s := range missed {
			bn.printf("- %s\n", s)
		}
		bn.printf("\n")
	}
	if len(extras) > 0 {
		bn.printf("Other dbwarden rules reported on the seeded modules, templates and container folders (each is meant to break one control):\n\n")
		for _, s := range extras {
			bn.printf("- %s\n", s)
		}
		bn.printf("\n")
	}
	return nil
}

func prefixed(names []string, suffix string) []string {
	out := make([]string, len(names))
	for i, n := range names {
		out[i] = n + suffix
	}
	return out
}

// otherRules lists the rules a tool reported on a module besides want.
func otherRules(files map[string]map[string]bool, path string, dir bool, want []string) []string {
	set := map[string]bool{}
	for file, rules := range files {
		if file == path || (dir && strings.HasPrefix(file, path+"/")) {
			for r := range rules {
				if !slices.Contains(want, r) {
					set[r] = true
				}
			}
		}
	}
	out := make([]string, 0, len(set))
	for r := range set {
		out = append(out, r)
	}
	sort.Strings(out)
	return out
}

// relTo makes a reported file name relative to the corpus: absolute names
// are cut at the corpus, relative names are taken as relative to the
// scanned directory base unless they already start at the corpus.
func relTo(corpus, base, file string) string {
	corpusAbs, _ := filepath.Abs(corpus)
	if !filepath.IsAbs(file) {
		if abs, err := filepath.Abs(file); err == nil && strings.HasPrefix(abs, corpusAbs+string(filepath.Separator)) {
			if _, err := os.Stat(abs); err == nil {
				file = abs
			}
		}
		if !filepath.IsAbs(file) {
			baseAbs, _ := filepath.Abs(base)
			file = filepath.Join(baseAbs, file)
		}
	}
	if r, err := filepath.Rel(corpusAbs, file); err == nil {
		return filepath.ToSlash(r)
	}
	return filepath.ToSlash(file)
}

// clean scans dbwarden's clean fixtures under every profile and prints the
// findings of medium severity or higher: the target is none.
func (bn *bench) clean(ctx context.Context) error {
	dir := filepath.Join(bn.c.fixtures, "clean")
	if _, err := os.Stat(dir); err != nil {
		return nil
	}
	bn.printf("### False positives on dbwarden's clean fixtures\n\n")
	bn.printf("| profile | findings of medium severity or higher |\n|---|---:|\n")
	var lines []string
	for _, prof := range []string{"baseline", "pci", "hipaa"} {
		report := filepath.Join(bn.c.work, "clean-"+prof+".json")
		args := []string{bn.c.dbwarden, "scan", "--format", "json", "--profile", prof, "--severity", "medium", "--output", report, dir}
		cmd := exec.CommandContext(ctx, args[0], args[1:]...)
		var stderr bytes.Buffer
		cmd.Stderr = &stderr
		err := cmd.Run()
		var ee *exec.ExitError
		if err != nil && !(errors.As(err, &ee) && ee.ExitCode() == 1) {
			return fmt.Errorf("dbwarden on the clean fixtures (%s): %v: %s", prof, err, firstLines(stderr.String(), 5))
		}
		b, err := os.ReadFile(report)
		if err != nil {
			return err
		}
		var fs []struct {
			RuleID     string `json:"rule_id"`
			File       string `json:"file"`
			Line       int    `json:"line"`
			Suppressed bool   `json:"suppressed"`
			Unknown    bool   `json:"unknown"`
		}
		if err := json.Unmarshal(b, &fs); err != nil {
			return fmt.Errorf("%s: %w", report, err)
		}
		n := 0
		for _, f := range fs {
			if f.Suppressed || f.Unknown {
				continue
			}
			n++
			rel, _ := filepath.Rel(bn.c.fixtures, f.File)
			lines = append(lines, fmt.Sprintf("- %s: %s at %s:%d", prof, f.RuleID, filepath.ToSlash(rel), f.Line))
		}
		bn.printf("| %s | %d |\n", prof, n)
	}
	bn.printf("\n")
	for _, l := range lines {
		bn.printf("%s\n", l)
	}
	if len(lines) > 0 {
		bn.printf("\n")
	}
	return nil
}
