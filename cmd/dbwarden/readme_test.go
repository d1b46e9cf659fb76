package main

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// TestReadmeTour runs the README's tour of the CLI as it is written, so
// that the README cannot drift from what dbwarden does.
func TestReadmeTour(t *testing.T) {
	readme, err := os.ReadFile(filepath.Join("..", "..", "README.md"))
	if err != nil {
		t.Fatal(err)
	}
	_, after, ok := strings.Cut(string(readme), "## A tour of the CLI")
	if !ok {
		t.Fatal("README.md has no tour of the CLI")
	}
	_, block, ok := strings.Cut(after, "```sh\n")
	if !ok {
		t.Fatal("the tour has no sh block")
	}
	script, _, _ := strings.Cut(block, "```")
	// The tour puts bin/ on PATH; the test's binary stands in for it.
	script = strings.Replace(script, `export PATH="$PWD/bin:$PATH"`, `export PATH="`+filepath.Dir(dbwardenBin)+`:$PATH"`, 1)
	dir := t.TempDir()
	cmd := exec.Command("bash", "-e", "-o", "pipefail", "-c", script)
	cmd.Dir = dir
	cmd.Env = []string{"PATH=" + os.Getenv("PATH"), "HOME=" + dir, "TMPDIR=" + dir}
	var out, errOut bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errOut
	if err := cmd.Run(); err != nil {
		// Standard output holds generated passwords: show only standard
		// error, which never holds a value.
		t.Fatalf("the README tour failed: %v\nstderr:\n%s", err, errOut.String())
	}
	for _, want := range []string{`"intact": true`, `"problems": []`, `"needing_rewrap": 0`} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("the tour's output lacks %s", want)
		}
	}
}
