package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"os"
	"os/exec"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/dbwarden/dbwarden/internal/testenv"
)

func TestKeysStatus(t *testing.T) {
	c := newCLI(t)
	c.create("status/a", "--secret-string", "va")
	c.create("status/b", "--secret-string", "vb")
	var st struct {
		Provider      string `json:"provider"`
		Versions      int    `json:"versions"`
		Current       int    `json:"under_current_key"`
		NeedingRewrap int    `json:"needing_rewrap"`
	}
	c.json(&st, "keys", "status")
	if st.Provider != "file" || st.Versions != 2 || st.Current != 2 || st.NeedingRewrap != 0 {
		t.Fatalf("before a rotation: got %+v, want 2 versions under the current key", st)
	}
	c.ok(nil, "keys", "rotate")
	c.json(&st, "keys", "status")
	if st.Current != 2 || st.NeedingRewrap != 0 {
		t.Fatalf("after a rotation: got %+v, want every data key under the new key", st)
	}
	t.Run("status of a data directory without a store fails and creates nothing", func(t *testing.T) {
		c2 := newCLI(t)
		c2.fails(exitError, nil, "keys", "status")
		if exists(c2.dataDir) {
			t.Fatal("keys status created a data directory")
		}
	})
}

func TestConfigShow(t *testing.T) {
	c := newCLI(t)
	c.env = append(c.env, "DBWARDEN_REGION=eu-west-1")
	var cfg struct {
		DataDir string `json:"data_dir"`
		ARN     struct{ Region string }
		FromEnv []string `json:"from_environment"`
	}
	c.json(&cfg, "config", "show")
	if cfg.DataDir != c.dataDir || cfg.ARN.Region != "eu-west-1" || len(cfg.FromEnv) != 1 || cfg.FromEnv[0] != "DBWARDEN_REGION" {
		t.Fatalf("config show: got %+v, want the flag's data dir, eu-west-1 from DBWARDEN_REGION", cfg)
	}
	if got := strings.TrimSpace(string(c.ok(nil, "config", "show", "--region", "ap-south-1", "--query", "arn.region", "--output", "text"))); got != "ap-south-1" {
		t.Fatalf("a flag over the environment: got %q, want ap-south-1", got)
	}
}

func TestJSONOutputKeepsCharactersAsTheyAre(t *testing.T) {
	c := newCLI(t)
	c.ok(nil, "secret", "create-secret", "--name", "html", "--secret-string", "a<b>&c")
	out := c.ok(nil, "secret", "get-secret-value", "--secret-id", "html")
	if !bytes.Contains(out, []byte(`"a<b>&c"`)) {
		t.Fatal(`JSON output escaped <, > or & in a value: want them printed as they are, as the aws CLI does`)
	}
}

func TestAuditTailFollow(t *testing.T) {
	c := newCLI(t)
	c.create("follow/seed", "--secret-string", "v")
	cmd := exec.Command(dbwardenBin, "--data-dir", c.dataDir, "audit", "tail", "--follow", "-n", "1")
	cmd.Env = []string{"PATH=" + os.Getenv("PATH"), "HOME=" + c.home}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	var stderr testenv.LockedBuffer
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer cmd.Process.Kill()
	lines := make(chan string)
	go func() {
		sc := bufio.NewScanner(stdout)
		for sc.Scan() {
			lines <- sc.Text()
		}
		close(lines)
	}()
	next := func() map[string]any {
		t.Helper()
		select {
		case l, ok := <-lines:
			if !ok {
				t.Fatalf("audit tail --follow ended early; stderr: %s", stderr.String())
			}
			var m map[string]any
			if err := json.Unmarshal([]byte(l), &m); err != nil {
				t.Fatalf("a followed line is not JSON: %v", err)
			}
			return m
		case <-time.After(30 * time.Second):
			t.Fatal("no audit record arrived")
		}
		return nil
	}
	if first := next(); first["action"] != "secretsmanager:CreateSecret" {
		t.Fatalf("first record: got %v, want the CreateSecret", first["action"])
	}
	c.ok(nil, "secret", "describe-secret", "--secret-id", "follow/seed")
	if rec := next(); rec["action"] != "secretsmanager:DescribeSecret" {
		t.Fatalf("followed record: got %v, want DescribeSecret", rec["action"])
	}
	if err := cmd.Process.Signal(syscall.SIGINT); err != nil {
		t.Fatal(err)
	}
	if err := cmd.Wait(); err != nil {
		t.Fatalf("audit tail --follow after SIGINT: %v, want exit 0", err)
	}
}
