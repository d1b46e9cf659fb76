package main

import (
	"bytes"
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/base64"
	"encoding/hex"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/dbwarden/dbwarden/internal/secret"
)

// TestNoPlaintext stores distinctive canary values through every command
// and then looks for them in every file of the data directory, in the audit
// export and in everything the CLI printed except the commands whose job is
// to print a value.
func TestNoPlaintext(t *testing.T) {
	t.Parallel()
	c := newCLI(t)
	canaryStr := "dbw-canary-" + hex.EncodeToString(randomBytes(t, 16))
	canaryBin := append([]byte{0, 0xff, 0xfe}, randomBytes(t, 48)...)
	canaries := map[string][]byte{
		"string canary":              []byte(canaryStr),
		"string canary, base64":      []byte(base64.StdEncoding.EncodeToString([]byte(canaryStr))),
		"binary canary":              canaryBin,
		"binary canary, base64":      []byte(base64.StdEncoding.EncodeToString(canaryBin)),
		"binary canary, hex":         []byte(hex.EncodeToString(canaryBin)),
		"second string canary":       []byte(canaryStr + "-v2"),
		"binary canary, 2nd version": []byte(base64.StdEncoding.EncodeToString(append(canaryBin, '2'))),
	}

	var printed bytes.Buffer
	// quiet runs a command that must succeed and keeps what it printed.
	quiet := func(stdin []byte, args ...string) {
		t.Helper()
		r := c.run(stdin, args...)
		printed.Write(r.stdout)
		printed.Write(r.stderr)
		if r.code != 0 {
			t.Fatalf("dbwarden %s: got exit code %d, want 0; stderr:\n%s", strings.Join(args, " "), r.code, r.stderr)
		}
	}
	// refused runs a command that must fail with exit code 4.
	refused := func(stdin []byte, args ...string) result {
		t.Helper()
		r := c.run(stdin, args...)
		printed.Write(r.stdout)
		printed.Write(r.stderr)
		if r.code != exitRejected {
			t.Fatalf("dbwarden %s: got exit code %d, want %d", strings.Join(args, " "), r.code, exitRejected)
		}
		return r
	}

	in := t.TempDir()
	file := func(name string, b []byte) string {
		p := filepath.Join(in, name)
		if err := os.WriteFile(p, b, 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	quiet(nil, "secret", "create-secret", "--name", "np/str", "--description", "no plaintext",
		"--secret-string", "file://"+file("str.txt", []byte(canaryStr)), "--tags", "Key=env,Value=test")

	// Hold the database open, as a long-running reader would, so that the
	// commands below cannot remove the -wal file when they close: it is
	// scanned too.
	hold := holdOpen(t, filepath.Join(c.dataDir, "dbwarden.db"))

	quiet(nil, "secret", "create-secret", "--name", "np/bin", "--secret-binary", "fileb://"+file("bin.dat", canaryBin))
	quiet([]byte(canaryStr+"-v2\n"), "secret", "put-secret-value", "--secret-id", "np/str", "--secret-string", "-")
	quiet(nil, "secret", "update-secret", "--secret-id", "np/bin", "--secret-binary", "fileb://"+file("bin2.dat", append(canaryBin, '2')))
	quiet(nil, "secret", "update-secret", "--secret-id", "np/bin", "--description", "changed")

	// The values are really stored (read without keeping the output).
	sameSecret(t, "np/str AWSPREVIOUS", c.getString("np/str", "--version-stage", "AWSPREVIOUS"), []byte(canaryStr))
	sameSecret(t, "np/bin AWSPREVIOUS", []byte(c.get("np/bin", "--version-stage", "AWSPREVIOUS").SecretBinary), canaries["binary canary, base64"])

	for _, args := range [][]string{
		{"secret", "describe-secret", "--secret-id", "np/str"},
		{"secret", "describe-secret", "--secret-id", "np/bin", "--output", "table"},
		{"secret", "list-secrets"},
		{"secret", "list-secrets", "--output", "text"},
		{"secret", "list-secret-version-ids", "--secret-id", "np/str", "--include-deprecated"},
		{"secret", "tag-resource", "--secret-id", "np/str", "--tags", "Key=team,Value=db"},
		{"secret", "untag-resource", "--secret-id", "np/str", "--tag-keys", "team"},
		{"keys", "rotate"},
		{"store", "check"},
		{"audit", "tail", "-n", "100"},
		{"audit", "query", "--output", "table"},
		{"audit", "verify"},
		{"audit", "export"},
		{"secret", "delete-secret", "--secret-id", "np/bin", "--recovery-window-in-days", "7"},
		{"secret", "restore-secret", "--secret-id", "np/bin"},
	} {
		quiet(nil, args...)
	}

	// Errors about a value must not echo it.
	big := bytes.Repeat([]byte(canaryStr), secret.MaxValueBytes/len(canaryStr)+1)
	r := refused(nil, "secret", "create-secret", "--name", "np/big", "--secret-string", "file://"+file("big.txt", big))
	if !bytes.Contains(r.stderr, []byte("InvalidParameterException")) {
		t.Errorf("too large a value: got stderr %q, want InvalidParameterException", r.stderr)
	}
	refused(big, "secret", "put-secret-value", "--secret-id", "np/str", "--secret-string", "-")
	bigBin := bytes.Repeat(canaryBin, secret.MaxValueBytes/len(canaryBin)+1)
	refused(nil, "secret", "put-secret-value", "--secret-id", "np/bin", "--secret-binary", "fileb://"+file("big.bin", bigBin))
	refused([]byte(canaryStr), "secret", "create-secret", "--name", "np/str", "--secret-string", "-")
	refused(nil, "secret", "put-secret-value", "--secret-id", "np/str", "--secret-string", canaryStr,
		"--client-request-token", "short")

	export := filepath.Join(t.TempDir(), "audit.jsonl")
	quiet(nil, "audit", "export", "--out", export)

	var scanned []string
	var sawWAL bool
	err := filepath.WalkDir(c.dataDir, func(p string, d fs.DirEntry, err error) error {
		if err != nil || !d.Type().IsRegular() {
			return err
		}
		b, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		scanned = append(scanned, filepath.Base(p))
		if strings.HasSuffix(p, "-wal") && len(b) > 0 {
			sawWAL = true
		}
		noCanary(t, p, b, canaries)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	hold.Close()
	if !sawWAL {
		t.Errorf("scanned %v: got no non-empty -wal file, want the write-ahead log scanned too", scanned)
	}
	b, err := os.ReadFile(export)
	if err != nil {
		t.Fatal(err)
	}
	noCanary(t, "the audit export", b, canaries)
	if printed.Len() == 0 {
		t.Fatal("got no output from the commands, want some to scan")
	}
	noCanary(t, "the commands' output", printed.Bytes(), canaries)
}

// noCanary fails if b holds any of the canaries, naming only where and
// which.
func noCanary(t *testing.T, where string, b []byte, canaries map[string][]byte) {
	t.Helper()
	for name, c := range canaries {
		if bytes.Contains(b, c) {
			t.Errorf("%s: holds the %s in plain text", where, name)
		}
	}
}

func randomBytes(t *testing.T, n int) []byte {
	t.Helper()
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		t.Fatal(err)
	}
	return b
}

// holdOpen opens the SQLite file and keeps a connection with the WAL open
// until Close, so that other processes closing the database leave the -wal
// and -shm files in place.
func holdOpen(t *testing.T, path string) *sql.Conn {
	t.Helper()
	db, err := sql.Open("sqlite", "file:"+path+"?_pragma=busy_timeout(30000)")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	conn, err := db.Conn(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	var n int
	if err := conn.QueryRowContext(context.Background(), `SELECT COUNT(*) FROM secrets`).Scan(&n); err != nil {
		t.Fatalf("hold the store open: %v", err)
	}
	return conn
}
