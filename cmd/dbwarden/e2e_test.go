package main

// End-to-end tests: they build the dbwarden binary once and drive it as a
// user would, one process per command, each test with its own data
// directory and an environment that holds no DBWARDEN_* variable it did not
// set itself.

import (
	"github.com/dbwarden/dbwarden/internal/testenv"

	"bytes"
	"crypto/sha256"
	"database/sql"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/dbwarden/dbwarden/internal/audit"

	_ "modernc.org/sqlite" // the "sqlite" driver, to tamper with a store
)

// dbwardenBin is the binary TestMain builds.
var dbwardenBin string

func TestMain(m *testing.M) {
	if dir := os.Getenv(crashChildEnv); dir != "" {
		os.Exit(crashChild(dir))
	}
	tmp, err := os.MkdirTemp("", "dbwarden-e2e-")
	if err != nil {
		fmt.Fprintf(os.Stderr, "e2e: %v\n", err)
		os.Exit(1)
	}
	dbwardenBin = filepath.Join(tmp, "dbwarden")
	build := exec.Command("go", "build", "-o", dbwardenBin, ".")
	build.Stdout, build.Stderr = os.Stderr, os.Stderr
	if err := build.Run(); err != nil {
		fmt.Fprintf(os.Stderr, "e2e: build dbwarden: %v\n", err)
		os.RemoveAll(tmp)
		os.Exit(1)
	}
	code := m.Run()
	testenv.StopAll() // the MariaDB server, if a test started it
	os.RemoveAll(tmp)
	os.Exit(code)
}

// cli runs the built binary for one test.
type cli struct {
	t       *testing.T
	home    string
	dataDir string   // passed as --data-dir when not empty
	env     []string // added to PATH and HOME
}

// newCLI returns a cli with a fresh HOME and a fresh --data-dir.
func newCLI(t *testing.T) *cli {
	t.Helper()
	return &cli{t: t, home: t.TempDir(), dataDir: filepath.Join(t.TempDir(), "data")}
}

// in returns c for the subtest t, so that its failures are t's.
func (c *cli) in(t *testing.T) *cli {
	cc := *c
	cc.t = t
	return &cc
}

type result struct {
	stdout, stderr []byte
	code           int
	maxRSS         int64 // the process's peak resident memory in bytes, where the system tells
}

// run runs dbwarden with args and stdin (nil for none).
func (c *cli) run(stdin []byte, args ...string) result {
	c.t.Helper()
	if c.dataDir != "" {
		args = append([]string{"--data-dir", c.dataDir}, args...)
	}
	cmd := exec.Command(dbwardenBin, args...)
	cmd.Dir = c.home
	cmd.Env = append([]string{"PATH=" + os.Getenv("PATH"), "HOME=" + c.home}, c.env...)
	if stdin != nil {
		cmd.Stdin = bytes.NewReader(stdin)
	}
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	code := 0
	if err != nil {
		ee, ok := err.(*exec.ExitError)
		if !ok {
			c.t.Fatalf("run dbwarden %s: %v", strings.Join(args, " "), err)
		}
		code = ee.ExitCode()
	}
	return result{stdout: stdout.Bytes(), stderr: stderr.Bytes(), code: code, maxRSS: maxRSS(cmd.ProcessState)}
}

// ok runs a command that must succeed and returns its standard output. On
// failure it prints only standard error, which never holds a value.
func (c *cli) ok(stdin []byte, args ...string) []byte {
	c.t.Helper()
	r := c.run(stdin, args...)
	if r.code != 0 {
		c.t.Fatalf("dbwarden %s: got exit code %d, want 0; stderr:\n%s", strings.Join(args, " "), r.code, r.stderr)
	}
	return r.stdout
}

// json runs a command that must succeed and decodes its JSON output into v.
func (c *cli) json(v any, args ...string) {
	c.t.Helper()
	out := c.ok(nil, args...)
	if err := json.Unmarshal(out, v); err != nil {
		c.t.Fatalf("dbwarden %s: output is not the expected JSON: %v", strings.Join(args, " "), err)
	}
}

// fails runs a command that must exit with code want.
func (c *cli) fails(want int, stdin []byte, args ...string) result {
	c.t.Helper()
	r := c.run(stdin, args...)
	if r.code != want {
		c.t.Fatalf("dbwarden %s: got exit code %d, want %d; stderr:\n%s", strings.Join(args, " "), r.code, want, r.stderr)
	}
	return r
}

// sameSecret compares secret bytes without printing them.
func sameSecret(t *testing.T, what string, got, want []byte) {
	t.Helper()
	if !bytes.Equal(got, want) {
		t.Errorf("%s: got %d bytes, want %d bytes: mismatch", what, len(got), len(want))
	}
}

type tag struct{ Key, Value string }

type createOut struct{ ARN, Name, VersionId string }

type getOut struct {
	ARN, Name, VersionId string
	SecretString         *string
	SecretBinary         string // base64
	VersionStages        []string
}

type describeOut struct {
	ARN, Name          string
	Tags               []tag
	DeletedDate        *string
	VersionIdsToStages map[string][]string
}

func (c *cli) create(name string, args ...string) createOut {
	c.t.Helper()
	var out createOut
	c.json(&out, append([]string{"secret", "create-secret", "--name", name}, args...)...)
	if out.Name != name || out.ARN == "" {
		c.t.Fatalf("create-secret %s: got Name %q ARN %q, want the name and an ARN", name, out.Name, out.ARN)
	}
	return out
}

func (c *cli) get(id string, args ...string) getOut {
	c.t.Helper()
	var out getOut
	c.json(&out, append([]string{"secret", "get-secret-value", "--secret-id", id}, args...)...)
	return out
}

func (c *cli) describe(id string) describeOut {
	c.t.Helper()
	var out describeOut
	c.json(&out, "secret", "describe-secret", "--secret-id", id)
	return out
}

// getString reads a secret's string value through --query and --output text.
func (c *cli) getString(id string, args ...string) []byte {
	c.t.Helper()
	out := c.ok(nil, append([]string{"secret", "get-secret-value", "--secret-id", id, "--query", "SecretString", "--output", "text"}, args...)...)
	return bytes.TrimSuffix(out, []byte("\n"))
}

func writeFile(t *testing.T, name string, data []byte) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(p, data, 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

func arnRegion(t *testing.T, arn string) string {
	t.Helper()
	parts := strings.Split(arn, ":")
	if len(parts) < 7 {
		t.Fatalf("ARN %q: got %d parts, want 7", arn, len(parts))
	}
	return parts[3]
}

func exists(path string) bool {
	_, err := os.Stat(path)
	return err == nil
}

func TestSecretCommands(t *testing.T) {
	t.Parallel()

	t.Run("a generated password piped into create-secret reads back unchanged", func(t *testing.T) {
		c := newCLI(t)
		pw := c.ok(nil, "secret", "get-random-password", "--query", "RandomPassword", "--output", "text")
		if len(pw) != 33 || pw[32] != '\n' {
			t.Fatalf("get-random-password --output text: got %d bytes, want 32 characters and a newline", len(pw))
		}
		c.ok(pw, "secret", "create-secret", "--name", "staging/myapp/mysql/mysql-root-password", "--secret-string", "-")
		got := c.ok(nil, "secret", "get-secret-value", "--secret-id", "staging/myapp/mysql/mysql-root-password",
			"--query", "SecretString", "--output", "text")
		sameSecret(t, "password read back", got, pw)
	})

	t.Run("--secret-string file:// stores the file's bytes as they are", func(t *testing.T) {
		c := newCLI(t)
		value := []byte("line one\nline two with trailing newline\n")
		p := writeFile(t, "value.txt", value)
		c.create("app/file", "--secret-string", "file://"+p)
		got := c.get("app/file")
		if got.SecretString == nil {
			t.Fatal("get-secret-value: got no SecretString, want one")
		}
		sameSecret(t, "SecretString", []byte(*got.SecretString), value)
	})

	t.Run("--secret-binary fileb:// round-trips every byte value", func(t *testing.T) {
		c := newCLI(t)
		value := make([]byte, 512)
		for i := range value {
			value[i] = byte(i)
		}
		p := writeFile(t, "value.bin", value)
		c.create("app/bin", "--secret-binary", "fileb://"+p)
		got := c.get("app/bin")
		if got.SecretString != nil {
			t.Error("get-secret-value of a binary secret: got a SecretString, want none")
		}
		sameSecret(t, "SecretBinary (base64)", []byte(got.SecretBinary), []byte(base64.StdEncoding.EncodeToString(value)))
	})

	t.Run("put-secret-value makes the new version AWSCURRENT and the old one AWSPREVIOUS", func(t *testing.T) {
		c := newCLI(t)
		v1 := c.create("app/db", "--secret-string", "first").VersionId
		var put struct {
			VersionId     string
			VersionStages []string
		}
		c.json(&put, "secret", "put-secret-value", "--secret-id", "app/db", "--secret-string", "second")
		if !slices.Equal(put.VersionStages, []string{"AWSCURRENT"}) {
			t.Errorf("put-secret-value VersionStages: got %v, want [AWSCURRENT]", put.VersionStages)
		}
		want := map[string][]string{v1: {"AWSPREVIOUS"}, put.VersionId: {"AWSCURRENT"}}
		if got := c.describe("app/db").VersionIdsToStages; !reflect.DeepEqual(got, want) {
			t.Errorf("VersionIdsToStages: got %v, want %v", got, want)
		}
		sameSecret(t, "AWSCURRENT", c.getString("app/db"), []byte("second"))
		sameSecret(t, "AWSPREVIOUS", c.getString("app/db", "--version-stage", "AWSPREVIOUS"), []byte("first"))
		sameSecret(t, "--version-id of the first", c.getString("app/db", "--version-id", v1), []byte("first"))
	})

	t.Run("update-secret-version-stage moves AWSCURRENT back and AWSPREVIOUS with it", func(t *testing.T) {
		c := newCLI(t)
		v1 := c.create("app/db", "--secret-string", "first").VersionId
		var put createOut
		c.json(&put, "secret", "put-secret-value", "--secret-id", "app/db", "--secret-string", "second")
		c.ok(nil, "secret", "update-secret-version-stage", "--secret-id", "app/db", "--version-stage", "AWSCURRENT",
			"--move-to-version-id", v1, "--remove-from-version-id", put.VersionId)
		want := map[string][]string{v1: {"AWSCURRENT"}, put.VersionId: {"AWSPREVIOUS"}}
		if got := c.describe("app/db").VersionIdsToStages; !reflect.DeepEqual(got, want) {
			t.Errorf("VersionIdsToStages: got %v, want %v", got, want)
		}
		sameSecret(t, "AWSCURRENT after the move", c.getString("app/db"), []byte("first"))
	})

	t.Run("list-secrets takes --filters shorthand and --query projects the names", func(t *testing.T) {
		c := newCLI(t)
		c.create("staging/a", "--secret-string", "x")
		c.create("staging/b", "--secret-string", "x")
		c.create("prod/c", "--secret-string", "x", "--tags", "Key=env,Value=prod")
		for _, tc := range []struct {
			filters []string
			want    []string
		}{
			{[]string{"Key=name,Values=staging/"}, []string{"staging/a", "staging/b"}},
			{[]string{"Key=name,Values=staging/,prod/"}, []string{"prod/c", "staging/a", "staging/b"}},
			{[]string{"Key=tag-key,Values=env"}, []string{"prod/c"}},
			{[]string{"Key=name,Values=staging/", "Key=name,Values=!staging/b"}, []string{"staging/a"}},
		} {
			var names []string
			c.json(&names, append([]string{"secret", "list-secrets", "--query", "SecretList[].Name", "--filters"}, tc.filters...)...)
			slices.Sort(names)
			if !slices.Equal(names, tc.want) {
				t.Errorf("--filters %v: got %v, want %v", tc.filters, names, tc.want)
			}
		}
		out := c.ok(nil, "secret", "list-secrets", "--filters", "Key=name,Values=prod/", "--query", "SecretList[].Name", "--output", "text")
		if got := string(out); got != "prod/c\n" {
			t.Errorf("--output text of a list of names: got %q, want %q", got, "prod/c\n")
		}
	})

	t.Run("list-secret-version-ids lists each version with its labels", func(t *testing.T) {
		c := newCLI(t)
		v1 := c.create("app/db", "--secret-string", "first").VersionId
		var put createOut
		c.json(&put, "secret", "put-secret-value", "--secret-id", "app/db", "--secret-string", "second")
		var out struct {
			Name     string
			Versions []struct {
				VersionId     string
				VersionStages []string
			}
		}
		c.json(&out, "secret", "list-secret-version-ids", "--secret-id", "app/db")
		got := map[string][]string{}
		for _, v := range out.Versions {
			got[v.VersionId] = v.VersionStages
		}
		want := map[string][]string{v1: {"AWSPREVIOUS"}, put.VersionId: {"AWSCURRENT"}}
		if out.Name != "app/db" || !reflect.DeepEqual(got, want) {
			t.Errorf("list-secret-version-ids: got %s %v, want app/db %v", out.Name, got, want)
		}
	})

	t.Run("a deleted secret refuses reads until restore-secret", func(t *testing.T) {
		c := newCLI(t)
		c.create("app/db", "--secret-string", "kept")
		var del struct{ Name, DeletionDate string }
		c.json(&del, "secret", "delete-secret", "--secret-id", "app/db", "--recovery-window-in-days", "7")
		if del.Name != "app/db" || del.DeletionDate == "" {
			t.Errorf("delete-secret: got Name %q DeletionDate %q, want app/db and a date", del.Name, del.DeletionDate)
		}
		r := c.fails(exitRejected, nil, "secret", "get-secret-value", "--secret-id", "app/db")
		const msg = "An error occurred (InvalidRequestException) when calling the GetSecretValue operation"
		if !bytes.Contains(r.stderr, []byte(msg)) {
			t.Errorf("stderr: got %q, want it to contain %q", r.stderr, msg)
		}
		if d := c.describe("app/db"); d.DeletedDate == nil {
			t.Error("describe-secret of a deleted secret: got no DeletedDate, want one")
		}
		var names []string
		c.json(&names, "secret", "list-secrets", "--query", "SecretList[].Name")
		if len(names) != 0 {
			t.Errorf("list-secrets: got %v, want no secret scheduled for deletion", names)
		}
		c.json(&names, "secret", "list-secrets", "--include-planned-deletion", "--query", "SecretList[].Name")
		if !slices.Equal(names, []string{"app/db"}) {
			t.Errorf("list-secrets --include-planned-deletion: got %v, want [app/db]", names)
		}
		c.create("other", "--secret-string", "x")
		c.fails(exitRejected, nil, "secret", "create-secret", "--name", "app/db", "--secret-string", "x")
		c.ok(nil, "secret", "restore-secret", "--secret-id", "app/db")
		sameSecret(t, "value after restore", c.getString("app/db"), []byte("kept"))
	})

	t.Run("tag-resource takes aws shorthand and untag-resource removes by key", func(t *testing.T) {
		c := newCLI(t)
		c.create("app/db", "--secret-string", "x")
		if out := c.ok(nil, "secret", "tag-resource", "--secret-id", "app/db", "--tags", "Key=a,Value=1", "Key=b,Value=2"); len(out) != 0 {
			t.Errorf("tag-resource: got output %q, want none", out)
		}
		sortTags := func(ts []tag) []tag {
			slices.SortFunc(ts, func(x, y tag) int { return strings.Compare(x.Key, y.Key) })
			return ts
		}
		if got, want := sortTags(c.describe("app/db").Tags), []tag{{"a", "1"}, {"b", "2"}}; !slices.Equal(got, want) {
			t.Errorf("tags after tag-resource: got %v, want %v", got, want)
		}
		c.ok(nil, "secret", "tag-resource", "--secret-id", "app/db", "--tags", `[{"Key":"c","Value":"3"}]`)
		c.ok(nil, "secret", "untag-resource", "--secret-id", "app/db", "--tag-keys", "a", "c")
		if got, want := c.describe("app/db").Tags, []tag{{"b", "2"}}; !slices.Equal(got, want) {
			t.Errorf("tags after untag-resource: got %v, want %v", got, want)
		}
		c.fails(exitUsage, nil, "secret", "tag-resource", "--secret-id", "app/db", "--tags", "Name=a")
	})

	t.Run("get-random-password honours length, exclusions and --override-special", func(t *testing.T) {
		c := newCLI(t)
		password := func(args ...string) string {
			t.Helper()
			var out struct{ RandomPassword string }
			c.json(&out, append([]string{"secret", "get-random-password"}, args...)...)
			return out.RandomPassword
		}
		const alnum = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"
		onlyFrom := func(p, set string) bool {
			return !strings.ContainsFunc(p, func(r rune) bool { return !strings.ContainsRune(set, r) })
		}
		if p := password(); len(p) != 32 {
			t.Errorf("default length: got %d, want 32", len(p))
		}
		if p := password("--password-length", "57"); len(p) != 57 {
			t.Errorf("--password-length 57: got %d characters", len(p))
		}
		if p := password("--password-length", "200", "--exclude-punctuation"); len(p) != 200 || !onlyFrom(p, alnum) {
			t.Errorf("--exclude-punctuation: got %d characters, some not letters or digits: %v", len(p), !onlyFrom(p, alnum))
		}
		p := password("--password-length", "200", "--override-special", "#%")
		if len(p) != 200 || !onlyFrom(p, alnum+"#%") || !strings.ContainsAny(p, "#%") {
			t.Errorf("--override-special '#%%': got %d characters; want 200, only letters, digits, # and %%, at least one of # or %%", len(p))
		}
		if p := password("--password-length", "100", "--exclude-characters", "abcABC012", "--exclude-punctuation"); strings.ContainsAny(p, "abcABC012") {
			t.Error("--exclude-characters: got an excluded character")
		}
		c.fails(exitRejected, nil, "secret", "get-random-password", "--password-length", "4097")
		if exists(c.dataDir) {
			t.Error("get-random-password created the data directory; it stores nothing")
		}
	})

	t.Run("--output text and table print the response's fields", func(t *testing.T) {
		c := newCLI(t)
		fields := strings.Split(strings.TrimSuffix(string(c.ok(nil, "secret", "create-secret", "--name", "app/db", "--secret-string", "x", "--output", "text")), "\n"), "\t")
		if len(fields) != 3 || !strings.HasPrefix(fields[0], "arn:aws:secretsmanager:") || fields[1] != "app/db" || len(fields[2]) < 32 {
			t.Errorf("create-secret --output text: got %q, want ARN, Name and VersionId separated by tabs", fields)
		}
		table := string(c.ok(nil, "secret", "describe-secret", "--secret-id", "app/db", "--output", "table"))
		var sawName bool
		for _, line := range strings.Split(table, "\n") {
			if f := strings.Fields(line); len(f) == 2 && f[0] == "Name" && f[1] == "app/db" {
				sawName = true
			}
		}
		if !sawName {
			t.Errorf("describe-secret --output table: got\n%s\nwant a row: Name app/db", table)
		}
		lines := strings.Split(strings.TrimSpace(string(c.ok(nil, "secret", "list-secrets", "--output", "table"))), "\n")
		if len(lines) < 3 || !slices.Contains(strings.Fields(lines[1]), "Name") || !slices.Contains(strings.Fields(lines[2]), "app/db") {
			t.Errorf("list-secrets --output table: got\n%s\nwant SecretList, a header with Name, then a row with app/db", strings.Join(lines, "\n"))
		}
		c.env = []string{"DBWARDEN_OUTPUT=text"}
		if got := string(c.ok(nil, "secret", "describe-secret", "--secret-id", "app/db", "--query", "Name")); got != "app/db\n" {
			t.Errorf("DBWARDEN_OUTPUT=text: got %q, want %q", got, "app/db\n")
		}
	})
}

func TestExitCodes(t *testing.T) {
	t.Parallel()
	c := newCLI(t)
	c.create("app/db", "--secret-string", "x")
	for _, tc := range []struct {
		name   string
		args   []string
		code   int
		stderr string
	}{
		{"a missing secret exits 3", []string{"secret", "get-secret-value", "--secret-id", "app/none"}, exitNotFound,
			"An error occurred (ResourceNotFoundException) when calling the GetSecretValue operation"},
		{"describing a missing secret exits 3", []string{"secret", "describe-secret", "--secret-id", "app/none"}, exitNotFound, "ResourceNotFoundException"},
		{"an invalid name exits 4", []string{"secret", "create-secret", "--name", "bad name!", "--secret-string", "x"}, exitRejected,
			"An error occurred (InvalidParameterException) when calling the CreateSecret operation"},
		{"a recovery window of 3 days exits 4", []string{"secret", "delete-secret", "--secret-id", "app/db", "--recovery-window-in-days", "3"}, exitRejected,
			"(InvalidParameterException) when calling the DeleteSecret operation"},
		{"an existing name exits 4", []string{"secret", "create-secret", "--name", "app/db"}, exitRejected, "ResourceExistsException"},
		{"an unknown flag exits 2", []string{"secret", "create-secret", "--name", "x", "--colour", "red"}, exitUsage, "unknown flag: --colour"},
		{"a missing required flag exits 2", []string{"secret", "get-secret-value"}, exitUsage, `required flag(s) "secret-id" not set`},
		{"an unknown command exits 2", []string{"secretz"}, exitUsage, `unknown command "secretz"`},
		{"an unknown subcommand exits 2", []string{"secret", "get-secrets"}, exitUsage, "unknown command"},
		{"an unknown output format exits 2", []string{"secret", "describe-secret", "--secret-id", "app/db", "--output", "yaml"}, exitUsage, "output"},
		{"both --secret-string and --secret-binary exit 2", []string{"secret", "create-secret", "--name", "n", "--secret-string", "x", "--secret-binary", "eA=="}, exitUsage, "not both"},
		{"a missing file:// exits 2", []string{"secret", "create-secret", "--name", "n", "--secret-string", "file://does-not-exist"}, exitUsage, "--secret-string"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := c.in(t).fails(tc.code, nil, tc.args...)
			if !bytes.Contains(r.stderr, []byte(tc.stderr)) {
				t.Errorf("stderr: got %q, want it to contain %q", r.stderr, tc.stderr)
			}
			if len(r.stdout) != 0 {
				t.Errorf("stdout: got %d bytes, want none on failure", len(r.stdout))
			}
		})
	}
	t.Run("a usage error points to the command's help", func(t *testing.T) {
		c := c.in(t)
		r := c.fails(exitUsage, nil, "secret", "get-secret-value")
		if want := "Run 'dbwarden secret get-secret-value --help' for usage."; !bytes.Contains(r.stderr, []byte(want)) {
			t.Errorf("stderr: got %q, want it to contain %q", r.stderr, want)
		}
		r = c.fails(exitUsage, nil, "secretz")
		if want := "Run 'dbwarden --help' for usage."; !bytes.Contains(r.stderr, []byte(want)) {
			t.Errorf("stderr: got %q, want it to contain %q", r.stderr, want)
		}
	})
}

// tamper changes one audit record's principal behind dbwarden's back.
func tamper(t *testing.T, dbPath string, seq int) {
	t.Helper()
	db, err := sql.Open("sqlite", "file:"+dbPath)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	res, err := db.Exec(`UPDATE audit_log SET principal = 'cli:mallory' WHERE seq = ?`, seq)
	if err != nil {
		t.Fatalf("tamper: %v", err)
	}
	if n, _ := res.RowsAffected(); n != 1 {
		t.Fatalf("tamper: got %d rows updated, want 1", n)
	}
}

func TestTamperedStore(t *testing.T) {
	t.Parallel()
	c := newCLI(t)
	c.create("app/db", "--secret-string", "x")
	c.get("app/db")
	c.ok(nil, "audit", "verify")
	c.ok(nil, "store", "check")
	tamper(t, filepath.Join(c.dataDir, "dbwarden.db"), 2)

	t.Run("audit verify exits 5 and names the edited record", func(t *testing.T) {
		r := c.in(t).fails(exitIntegrity, nil, "audit", "verify")
		var out struct {
			Intact  bool `json:"intact"`
			Problem *audit.Problem
		}
		if err := json.Unmarshal(r.stdout, &out); err != nil {
			t.Fatalf("audit verify output: %v", err)
		}
		if out.Intact || out.Problem == nil || out.Problem.Seq != 2 || out.Problem.Kind != audit.KindEdited {
			t.Errorf("audit verify: got intact=%v problem=%+v, want a problem at record 2, kind %s", out.Intact, out.Problem, audit.KindEdited)
		}
	})
	t.Run("store check exits 5 and reports the audit chain", func(t *testing.T) {
		r := c.in(t).fails(exitIntegrity, nil, "store", "check")
		var out struct {
			Problems []struct{ What, Detail string }
		}
		if err := json.Unmarshal(r.stdout, &out); err != nil {
			t.Fatalf("store check output: %v", err)
		}
		if len(out.Problems) != 1 || out.Problems[0].What != "audit" {
			t.Errorf("store check problems: got %+v, want one about the audit chain", out.Problems)
		}
		if !bytes.Contains(r.stderr, []byte("found 1 problems")) {
			t.Errorf("stderr: got %q, want the number of problems", r.stderr)
		}
	})
}

func TestConfigPrecedence(t *testing.T) {
	t.Parallel()
	type layout struct {
		c               *cli
		file, env, flag string // data directories
		configPath      string // a config file outside HOME
		fileRegion      string
		envRgn, flagRgn string
	}
	setup := func(t *testing.T) *layout {
		l := &layout{c: newCLI(t), fileRegion: "eu-west-3", envRgn: "ap-southeast-2", flagRgn: "sa-east-1"}
		l.c.dataDir = ""
		root := t.TempDir()
		l.file, l.env, l.flag = filepath.Join(root, "from-file"), filepath.Join(root, "from-env"), filepath.Join(root, "from-flag")
		cfg := fmt.Sprintf(`{"data_dir": %q, "arn": {"region": %q}}`, l.file, l.fileRegion)
		l.configPath = writeFile(t, "config.json", []byte(cfg))
		return l
	}
	// created runs create-secret and returns the region of the new ARN.
	created := func(t *testing.T, c *cli, args ...string) string {
		t.Helper()
		var out createOut
		c.json(&out, append([]string{"secret", "create-secret", "--name", "app/db", "--secret-string", "x"}, args...)...)
		return arnRegion(t, out.ARN)
	}
	stores := func(l *layout) [3]bool {
		return [3]bool{exists(filepath.Join(l.file, "dbwarden.db")), exists(filepath.Join(l.env, "dbwarden.db")), exists(filepath.Join(l.flag, "dbwarden.db"))}
	}

	t.Run("the config file in HOME is read when none is named", func(t *testing.T) {
		l := setup(t)
		b, _ := os.ReadFile(l.configPath)
		dir := filepath.Join(l.c.home, ".config", "dbwarden")
		if err := os.MkdirAll(dir, 0o700); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, "config.json"), b, 0o600); err != nil {
			t.Fatal(err)
		}
		if got := created(t, l.c); got != l.fileRegion {
			t.Errorf("ARN region: got %s, want %s from the file", got, l.fileRegion)
		}
		if got, want := stores(l), [3]bool{true, false, false}; got != want {
			t.Errorf("stores in file/env/flag dirs: got %v, want %v", got, want)
		}
	})
	t.Run("--config names the file", func(t *testing.T) {
		l := setup(t)
		if got := created(t, l.c, "--config", l.configPath); got != l.fileRegion {
			t.Errorf("ARN region: got %s, want %s from the file", got, l.fileRegion)
		}
		if got, want := stores(l), [3]bool{true, false, false}; got != want {
			t.Errorf("stores in file/env/flag dirs: got %v, want %v", got, want)
		}
	})
	t.Run("DBWARDEN_CONFIG names the file", func(t *testing.T) {
		l := setup(t)
		l.c.env = []string{"DBWARDEN_CONFIG=" + l.configPath}
		if got := created(t, l.c); got != l.fileRegion {
			t.Errorf("ARN region: got %s, want %s from the file", got, l.fileRegion)
		}
		if got, want := stores(l), [3]bool{true, false, false}; got != want {
			t.Errorf("stores in file/env/flag dirs: got %v, want %v", got, want)
		}
	})
	t.Run("--config wins over DBWARDEN_CONFIG", func(t *testing.T) {
		l := setup(t)
		l.c.env = []string{"DBWARDEN_CONFIG=" + filepath.Join(t.TempDir(), "missing.json")}
		if got := created(t, l.c, "--config", l.configPath); got != l.fileRegion {
			t.Errorf("ARN region: got %s, want %s from --config", got, l.fileRegion)
		}
	})
	t.Run("the environment overrides the file", func(t *testing.T) {
		l := setup(t)
		l.c.env = []string{"DBWARDEN_DATA_DIR=" + l.env, "DBWARDEN_REGION=" + l.envRgn}
		if got := created(t, l.c, "--config", l.configPath); got != l.envRgn {
			t.Errorf("ARN region: got %s, want %s from DBWARDEN_REGION", got, l.envRgn)
		}
		if got, want := stores(l), [3]bool{false, true, false}; got != want {
			t.Errorf("stores in file/env/flag dirs: got %v, want %v", got, want)
		}
	})
	t.Run("flags override the environment", func(t *testing.T) {
		l := setup(t)
		l.c.env = []string{"DBWARDEN_CONFIG=" + l.configPath, "DBWARDEN_DATA_DIR=" + l.env, "DBWARDEN_REGION=" + l.envRgn}
		if got := created(t, l.c, "--data-dir", l.flag, "--region", l.flagRgn); got != l.flagRgn {
			t.Errorf("ARN region: got %s, want %s from --region", got, l.flagRgn)
		}
		if got, want := stores(l), [3]bool{false, false, true}; got != want {
			t.Errorf("stores in file/env/flag dirs: got %v, want %v", got, want)
		}
	})

	for _, tc := range []struct {
		name, file string
		env        []string
		args       []string
		key        string
	}{
		{name: "a bad output in the file names output", file: `{"output": "yaml"}`, key: "output"},
		{name: "a bad region in the file names arn.region", file: `{"arn": {"region": "moon"}}`, key: "arn.region"},
		{name: "a bad account in the file names arn.account", file: `{"arn": {"account": "12"}}`, key: "arn.account"},
		{name: "a bad key provider in the file names keys.provider", file: `{"keys": {"provider": "hsm"}}`, key: "keys.provider"},
		{name: "kms without a key id names keys.kms_key_id", env: []string{"DBWARDEN_KEY_PROVIDER=kms"}, key: "keys.kms_key_id"},
		{name: "an unknown key in the file is named", file: `{"colour": "red"}`, key: "colour"},
		{name: "a bad DBWARDEN_REGION names arn.region", env: []string{"DBWARDEN_REGION=moon"}, key: "arn.region"},
		{name: "a bad --region names arn.region", args: []string{"--region", "moon"}, key: "arn.region"},
		{name: "a missing --config file is an error", args: []string{"--config", "missing.json"}, key: "missing.json"},
	} {
		t.Run(tc.name+" and exits 2", func(t *testing.T) {
			c := newCLI(t)
			c.env = tc.env
			args := append([]string{"secret", "create-secret", "--name", "app/db", "--secret-string", "x"}, tc.args...)
			if tc.file != "" {
				args = append(args, "--config", writeFile(t, "config.json", []byte(tc.file)))
			}
			r := c.fails(exitUsage, nil, args...)
			if !bytes.Contains(r.stderr, []byte(tc.key)) {
				t.Errorf("stderr: got %q, want it to name %q", r.stderr, tc.key)
			}
			if exists(c.dataDir) {
				t.Error("the data directory was created despite the bad configuration")
			}
		})
	}
}

// helpSubcommands returns the names under "Available Commands:" in help.
func helpSubcommands(help string) []string {
	_, rest, ok := strings.Cut(help, "\nAvailable Commands:\n")
	if !ok {
		return nil
	}
	var names []string
	for _, line := range strings.Split(rest, "\n") {
		f := strings.Fields(line)
		if len(f) == 0 {
			break
		}
		names = append(names, f[0])
	}
	return names
}

func TestHelpHasExamples(t *testing.T) {
	t.Parallel()
	c := newCLI(t)
	var leaves []string
	var walk func(path []string)
	walk = func(path []string) {
		help := string(c.ok(nil, append(path, "--help")...))
		subs := helpSubcommands(help)
		if len(subs) == 0 {
			leaves = append(leaves, strings.Join(path, " "))
			name := path[len(path)-1]
			t.Run(strings.Join(path, " ")+" --help shows how to call it", func(t *testing.T) {
				if !strings.Contains(help, "\nUsage:\n  dbwarden "+strings.Join(path, " ")) {
					t.Errorf("got help without a Usage line for dbwarden %s", strings.Join(path, " "))
				}
				if name == "version" {
					return
				}
				_, examples, ok := strings.Cut(help, "\nExamples:\n")
				if !ok {
					t.Fatalf("got help without an Examples: section")
				}
				examples, _, _ = strings.Cut(examples, "\n\n")
				if !strings.Contains(examples, "dbwarden "+strings.Join(path, " ")) {
					t.Errorf("Examples: got\n%s\nwant at least one call of dbwarden %s", examples, strings.Join(path, " "))
				}
			})
			return
		}
		for _, s := range subs {
			if s == "help" || s == "completion" {
				continue
			}
			walk(append(slices.Clone(path), s))
		}
	}
	walk(nil)
	for _, want := range []string{"secret create-secret", "secret get-secret-value", "audit verify", "keys rotate", "store check", "version"} {
		if !slices.Contains(leaves, want) {
			t.Errorf("walking the help: got leaves %v, want %q among them", leaves, want)
		}
	}
	if exists(c.dataDir) {
		t.Error("--help created the data directory")
	}
}

func TestAuditCommands(t *testing.T) {
	t.Parallel()
	c := newCLI(t)
	arn := c.create("app/db", "--secret-string", "x").ARN
	c.get("app/db")
	c.get("app/db")
	c.fails(exitNotFound, nil, "secret", "get-secret-value", "--secret-id", "app/none")
	c.create("other", "--secret-string", "y")

	records := func(t *testing.T, args ...string) []audit.Record {
		t.Helper()
		var recs []audit.Record
		c.in(t).json(&recs, append(append([]string{"audit"}, args...), "--output", "json")...)
		return recs
	}
	actions := func(recs []audit.Record) []string {
		var out []string
		for _, r := range recs {
			out = append(out, strings.TrimPrefix(r.Action, "secretsmanager:"))
		}
		return out
	}

	t.Run("tail --secret-id shows that secret's records, oldest first", func(t *testing.T) {
		recs := records(t, "tail", "--secret-id", "app/db")
		if got, want := actions(recs), []string{"CreateSecret", "GetSecretValue", "GetSecretValue"}; !slices.Equal(got, want) {
			t.Fatalf("actions: got %v, want %v", got, want)
		}
		for _, r := range recs {
			if r.Resource != arn || r.Outcome != audit.OutcomeSuccess || !strings.HasPrefix(r.Principal, "cli:") || len(r.Hash) != 64 {
				t.Errorf("record %d: got resource %q outcome %q principal %q, want %s, success, cli:...", r.Seq, r.Resource, r.Outcome, r.Principal, arn)
			}
		}
	})
	t.Run("tail -n 1 shows the newest record", func(t *testing.T) {
		recs := records(t, "tail", "-n", "1")
		if len(recs) != 1 || recs[0].Seq != 5 || recs[0].Action != "secretsmanager:CreateSecret" {
			t.Errorf("tail -n 1: got %d records, first %+v, want record 5, CreateSecret", len(recs), recs)
		}
	})
	t.Run("query --action takes the short action name", func(t *testing.T) {
		recs := records(t, "query", "--secret-id", "app/db", "--action", "GetSecretValue")
		if got, want := actions(recs), []string{"GetSecretValue", "GetSecretValue"}; !slices.Equal(got, want) {
			t.Errorf("actions: got %v, want %v", got, want)
		}
	})
	t.Run("query --outcome failure finds the failed read with its error code", func(t *testing.T) {
		recs := records(t, "query", "--outcome", "failure")
		if len(recs) != 1 || recs[0].Resource != "app/none" || recs[0].ErrorCode != "ResourceNotFoundException" {
			t.Errorf("query --outcome failure: got %+v, want one record for app/none with ResourceNotFoundException", recs)
		}
	})
	t.Run("table output leaves the hashes out", func(t *testing.T) {
		out := string(c.in(t).ok(nil, "audit", "query", "--output", "table"))
		lines := strings.Split(strings.TrimSpace(out), "\n")
		if len(lines) != 6 || !slices.Contains(strings.Fields(lines[0]), "action") || strings.Contains(out, "hash") {
			t.Errorf("audit query --output table: got\n%s\nwant a header with action, 5 rows and no hashes", out)
		}
	})

	export := filepath.Join(t.TempDir(), "audit.jsonl")
	c.ok(nil, "audit", "export", "--out", export)
	data, err := os.ReadFile(export)
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.SplitAfter(string(data), "\n")
	if lines[len(lines)-1] == "" {
		lines = lines[:len(lines)-1]
	}
	type verifyOut struct {
		Intact  bool  `json:"intact"`
		Records int64 `json:"records_checked"`
		Problem *audit.Problem
	}
	verifyFile := func(t *testing.T, content string, code int) verifyOut {
		t.Helper()
		r := c.in(t).fails(code, nil, "audit", "verify", "--file", writeFile(t, "export.jsonl", []byte(content)))
		var out verifyOut
		if err := json.Unmarshal(r.stdout, &out); err != nil {
			t.Fatalf("audit verify --file output: %v", err)
		}
		return out
	}

	t.Run("an export verifies on its own", func(t *testing.T) {
		c := c.in(t)
		if fi, err := os.Stat(export); err != nil || fi.Mode().Perm() != 0o600 {
			t.Errorf("export file: got %v %v, want mode 0600", fi.Mode().Perm(), err)
		}
		if len(lines) != 5 {
			t.Fatalf("export: got %d lines, want one per audited call, 5", len(lines))
		}
		out := c.fails(exitOK, nil, "audit", "verify", "--file", export)
		var v verifyOut
		if err := json.Unmarshal(out.stdout, &v); err != nil {
			t.Fatal(err)
		}
		if !v.Intact || v.Records != int64(len(lines)) {
			t.Errorf("audit verify --file: got intact=%v records=%d, want intact and %d", v.Intact, v.Records, len(lines))
		}
		c.ok([]byte(data), "audit", "verify", "--file", "-")
	})
	t.Run("an edited line in an export exits 5 and is named", func(t *testing.T) {
		edited := slices.Clone(lines)
		if !strings.Contains(edited[1], `"outcome":"success"`) {
			t.Fatalf("export line 2 is not in the expected JSON form")
		}
		edited[1] = strings.Replace(edited[1], `"outcome":"success"`, `"outcome":"failure"`, 1)
		v := verifyFile(t, strings.Join(edited, ""), exitIntegrity)
		if v.Intact || v.Problem == nil || v.Problem.Seq != 2 || v.Problem.Kind != audit.KindEdited {
			t.Errorf("got intact=%v problem=%+v, want record 2 %s", v.Intact, v.Problem, audit.KindEdited)
		}
	})
	t.Run("a line removed from an export exits 5", func(t *testing.T) {
		cut := slices.Delete(slices.Clone(lines), 2, 3)
		v := verifyFile(t, strings.Join(cut, ""), exitIntegrity)
		if v.Intact || v.Problem == nil || v.Problem.Seq != 3 {
			t.Errorf("got intact=%v problem=%+v, want a problem at record 3", v.Intact, v.Problem)
		}
	})
	t.Run("export refuses to overwrite a file", func(t *testing.T) {
		r := c.in(t).fails(exitUsage, nil, "audit", "export", "--out", export)
		if !bytes.Contains(r.stderr, []byte("exists")) {
			t.Errorf("stderr: got %q, want it to say the file exists", r.stderr)
		}
	})
}

func TestKeysRotate(t *testing.T) {
	t.Parallel()
	c := newCLI(t)
	bin := []byte{0, 1, 2, 250, 251, 252}
	c.create("app/a", "--secret-string", "a1")
	c.ok(nil, "secret", "put-secret-value", "--secret-id", "app/a", "--secret-string", "a2")
	c.create("app/b", "--secret-binary", base64.StdEncoding.EncodeToString(bin))
	var out struct {
		CurrentKey        string
		RewrappedDataKeys int
	}
	c.json(&out, "keys", "rotate")
	if out.RewrappedDataKeys != 3 || out.CurrentKey == "" {
		t.Errorf("keys rotate: got %+v, want 3 data keys re-wrapped and a current key", out)
	}
	keyDir := filepath.Join(c.dataDir, "keys")
	fi, err := os.Stat(filepath.Join(keyDir, "kek-000002.key"))
	if err != nil {
		t.Fatalf("new key file: %v", err)
	}
	if fi.Mode().Perm() != 0o600 {
		t.Errorf("new key file mode: got %04o, want 0600", fi.Mode().Perm())
	}
	check := func(t *testing.T) {
		t.Helper()
		c := c.in(t)
		sameSecret(t, "app/a AWSCURRENT", c.getString("app/a"), []byte("a2"))
		sameSecret(t, "app/a AWSPREVIOUS", c.getString("app/a", "--version-stage", "AWSPREVIOUS"), []byte("a1"))
		sameSecret(t, "app/b", []byte(c.get("app/b").SecretBinary), []byte(base64.StdEncoding.EncodeToString(bin)))
		c.ok(nil, "store", "check")
	}
	t.Run("every secret still reads after a rotation", check)
	t.Run("the old key file is no longer needed", func(t *testing.T) {
		if err := os.Remove(filepath.Join(keyDir, "kek-000001.key")); err != nil {
			t.Fatal(err)
		}
		check(t)
	})
}

// snapshot returns every file under dir with its mode and a digest of its
// contents.
func snapshot(t *testing.T, dir string) map[string]string {
	t.Helper()
	files := map[string]string{}
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		fi, err := d.Info()
		if err != nil {
			return err
		}
		sum := ""
		if d.Type().IsRegular() {
			b, err := os.ReadFile(p)
			if err != nil {
				return err
			}
			sum = fmt.Sprintf("%x", sha256.Sum256(b))
		}
		files[p] = fmt.Sprintf("%v %s", fi.Mode(), sum)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return files
}

func TestInsecureKeyFile(t *testing.T) {
	t.Parallel()
	c := newCLI(t)
	c.create("app/db", "--secret-string", "x")
	key := filepath.Join(c.dataDir, "keys", "kek-000001.key")
	if err := os.Chmod(key, 0o644); err != nil {
		t.Fatal(err)
	}
	before := snapshot(t, c.dataDir)
	for _, args := range [][]string{
		{"secret", "get-secret-value", "--secret-id", "app/db"},
		{"secret", "create-secret", "--name", "app/new", "--secret-string", "x"},
		{"keys", "rotate"},
		{"store", "check"},
		{"audit", "verify"},
	} {
		t.Run(strings.Join(args, " ")+" refuses to run and says how to fix the mode", func(t *testing.T) {
			r := c.in(t).run(nil, args...)
			if r.code == 0 {
				t.Fatal("got exit code 0, want failure")
			}
			if !bytes.Contains(r.stderr, []byte("chmod 600")) {
				t.Errorf("stderr: got %q, want it to mention chmod 600", r.stderr)
			}
		})
	}
	if after := snapshot(t, c.dataDir); !reflect.DeepEqual(after, before) {
		t.Errorf("data directory changed while the key file was insecure:\ngot  %v\nwant %v", after, before)
	}
	if err := os.Chmod(key, 0o600); err != nil {
		t.Fatal(err)
	}
	var names []string
	c.json(&names, "secret", "list-secrets", "--query", "SecretList[].Name")
	if !slices.Equal(names, []string{"app/db"}) {
		t.Errorf("secrets after fixing the mode: got %v, want [app/db]", names)
	}
}
