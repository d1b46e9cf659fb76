package main

import (
	"bufio"
	"context"
	"fmt"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"testing"

	"github.com/dbwarden/dbwarden/internal/config"
	"github.com/dbwarden/dbwarden/internal/store"
)

// crashChildEnv, when set to a data directory, makes the test binary run
// crashChild instead of the tests.
const crashChildEnv = "DBWARDEN_CRASH_CHILD"

// crashMaxWrites bounds the child's loop in case nobody kills it.
const crashMaxWrites = 100000

// crashEvery is how often the child also puts a second version.
const crashEvery = 3

func crashName(i int) string { return fmt.Sprintf("crash/%d", i) }

// crashValue is the value of version gen of secret i.
func crashValue(i, gen int) string {
	return fmt.Sprintf("value-%d-%d-%s", i, gen, strings.Repeat("v", i%97))
}

// crashApp returns an app configured, as the CLI would be, with dir as its
// data directory and defaults for everything else.
func crashApp(dir string) (*app, error) {
	getenv := func(k string) string {
		if k == "DBWARDEN_DATA_DIR" {
			return dir
		}
		return ""
	}
	cfg, err := config.Load("", false, getenv)
	if err != nil {
		return nil, err
	}
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	return &app{cfg: cfg, getenv: getenv, stdout: os.Stdout, stderr: os.Stderr}, nil
}

// crashChild opens the store in dir the way the CLI does and writes until
// it is killed: it creates crash/0, crash/1, ... and prints "ok N" once
// CreateSecret of crash/N has returned; every crashEvery-th secret also gets
// a second version, acknowledged with "put N".
func crashChild(dir string) int {
	a, err := crashApp(dir)
	if err != nil {
		fmt.Fprintf(os.Stderr, "crash child: %v\n", err)
		return 1
	}
	ctx := a.callerContext(context.Background())
	s, _, err := a.openStore(ctx)
	if err != nil {
		fmt.Fprintf(os.Stderr, "crash child: %v\n", err)
		return 1
	}
	defer s.Close()
	for i := range crashMaxWrites {
		v := crashValue(i, 0)
		if _, err := s.CreateSecret(ctx, &store.CreateSecretInput{Name: crashName(i), SecretString: &v}); err != nil {
			fmt.Fprintf(os.Stderr, "crash child: create %d: %v\n", i, err)
			return 1
		}
		fmt.Fprintf(os.Stdout, "ok %d\n", i)
		if i%crashEvery == crashEvery-1 {
			v := crashValue(i, 1)
			if _, err := s.PutSecretValue(ctx, &store.PutSecretValueInput{SecretId: crashName(i), SecretString: &v}); err != nil {
				fmt.Fprintf(os.Stderr, "crash child: put %d: %v\n", i, err)
				return 1
			}
			fmt.Fprintf(os.Stdout, "put %d\n", i)
		}
	}
	return 0
}

func TestCrashKeepsAcknowledgedWrites(t *testing.T) {
	t.Parallel()
	for _, killAt := range []int{1, 77, 200, 600} {
		t.Run(fmt.Sprintf("a writer killed after %d acknowledged creates loses none of them", killAt), func(t *testing.T) {
			crashRound(t, killAt)
		})
	}
}

func crashRound(t *testing.T, killAt int) {
	dir := t.TempDir()
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = []string{"PATH=" + os.Getenv("PATH"), "HOME=" + t.TempDir(), crashChildEnv + "=" + dir}
	var stderr strings.Builder
	cmd.Stderr = &stderr
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	// gen[i] is the newest acknowledged version of crash/i.
	gen := map[int]int{}
	last := -1
	killed := false
	sc := bufio.NewScanner(stdout)
	for sc.Scan() {
		verb, num, ok := strings.Cut(sc.Text(), " ")
		i, err := strconv.Atoi(num)
		if !ok || err != nil {
			t.Fatalf("child printed %q, want \"ok N\" or \"put N\"", sc.Text())
		}
		switch verb {
		case "ok":
			gen[i], last = 0, i
		case "put":
			gen[i] = 1
		}
		if !killed && len(gen) >= killAt {
			// Lines already in the pipe are still read: they were
			// acknowledged too.
			if err := cmd.Process.Kill(); err != nil {
				t.Fatal(err)
			}
			killed = true
		}
	}
	err = cmd.Wait()
	if !killed {
		t.Fatalf("child exited (%v) after %d acknowledgements, before being killed; stderr:\n%s", err, len(gen), stderr.String())
	}
	if ee, ok := err.(*exec.ExitError); !ok || ee.Success() {
		t.Fatalf("child: got %v, want it killed", err)
	}
	t.Logf("killed after %d acknowledged creates (asked for %d)", len(gen), killAt)

	a, err := crashApp(dir)
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	s, _, err := a.openStore(ctx)
	if err != nil {
		t.Fatalf("reopen the store: %v", err)
	}
	for i := 0; i <= last; i++ {
		g, ok := gen[i]
		if !ok {
			t.Fatalf("crash/%d: never acknowledged, but crash/%d was", i, last)
		}
		out, err := s.GetSecretValue(ctx, &store.GetSecretValueInput{SecretId: crashName(i)})
		if err != nil {
			t.Errorf("crash/%d: acknowledged, but reading it: %v", i, err)
			continue
		}
		got := *out.SecretString
		// The put of the last secret may have committed without being
		// acknowledged.
		if got != crashValue(i, g) && !(i == last && g == 0 && got == crashValue(i, 1)) {
			t.Errorf("crash/%d: value mismatch (got %d bytes, want version %d)", i, len(got), g)
		}
	}
	list, err := s.ListSecrets(ctx, &store.ListSecretsInput{MaxResults: 100})
	if err != nil {
		t.Fatal(err)
	}
	n := len(list.SecretList)
	for list.NextToken != "" {
		if list, err = s.ListSecrets(ctx, &store.ListSecretsInput{MaxResults: 100, NextToken: list.NextToken}); err != nil {
			t.Fatal(err)
		}
		n += len(list.SecretList)
	}
	if n != len(gen) && n != len(gen)+1 {
		t.Errorf("secrets in the store: got %d, want the %d acknowledged and at most one more", n, len(gen))
	}
	rep, err := s.Check(ctx)
	if err != nil {
		t.Fatalf("check: %v", err)
	}
	if !rep.OK() {
		t.Errorf("check after the crash: got problems %+v, want none", rep.Problems)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	// And as a user would see it, through the binary.
	c := &cli{t: t, home: t.TempDir(), dataDir: dir}
	c.ok(nil, "store", "check")
	var v struct {
		Intact  bool  `json:"intact"`
		Records int64 `json:"records_checked"`
	}
	c.json(&v, "audit", "verify")
	if !v.Intact || v.Records < int64(len(gen)) {
		t.Errorf("audit verify: got intact=%v records=%d, want intact and at least %d", v.Intact, v.Records, len(gen))
	}
}
