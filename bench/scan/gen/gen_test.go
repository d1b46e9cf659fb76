package main

import (
	"bytes"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hclsyntax"
	"go.yaml.in/yaml/v3"

	"github.com/dbwarden/dbwarden/internal/scan"
	"github.com/dbwarden/dbwarden/internal/scan/load"
	"github.com/dbwarden/dbwarden/internal/scan/rules"
)

func generate(t *testing.T, modules int) (string, *Manifest) {
	t.Helper()
	dir := t.TempDir()
	m, err := write(dir, controls(), modules)
	if err != nil {
		t.Fatal(err)
	}
	return dir, m
}

func readTree(t *testing.T, root string) map[string][]byte {
	t.Helper()
	files := map[string][]byte{}
	err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := os.ReadFile(p)
		rel, _ := filepath.Rel(root, p)
		files[filepath.ToSlash(rel)] = b
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return files
}

func TestGenerateIsDeterministic(t *testing.T) {
	a, _ := generate(t, 4)
	b, _ := generate(t, 4)
	fa, fb := readTree(t, a), readTree(t, b)
	if len(fa) != len(fb) {
		t.Fatalf("got %d files, then %d", len(fa), len(fb))
	}
	for name, src := range fa {
		if !bytes.Equal(src, fb[name]) {
			t.Errorf("%s differs between two runs", name)
		}
	}
}

func TestControlTable(t *testing.T) {
	catalog := map[string]bool{}
	for _, r := range rules.All() {
		catalog[r.ID] = true
	}
	seen := map[string]bool{}
	for _, c := range controls() {
		if seen[c.Slug] {
			t.Errorf("%s: listed twice", c.Slug)
		}
		seen[c.Slug] = true
		if c.TF == nil && c.CFN == "" && c.Container == nil {
			t.Errorf("%s: no Terraform module, template or container folder", c.Slug)
		}
		if !slices.Contains([]string{"baseline", "pci", "hipaa"}, c.Profile) {
			t.Errorf("%s: profile %q", c.Slug, c.Profile)
		}
		if len(c.DBW) == 0 {
			t.Errorf("%s: no dbwarden rule", c.Slug)
		}
		for _, id := range c.DBW {
			if !catalog[id] {
				t.Errorf("%s: dbwarden rule %s is not in the catalog", c.Slug, id)
			}
		}
		for _, id := range c.Peer {
			if peerLongIDs[id] == "" {
				t.Errorf("%s: no long id for %s", c.Slug, id)
			}
		}
	}
}

func TestCheckRulesNamesAMissingID(t *testing.T) {
	f := filepath.Join(t.TempDir(), "rules.json")
	if err := os.WriteFile(f, []byte(`[{"id": "DBW-EC2-001"}]`), 0o644); err != nil {
		t.Fatal(err)
	}
	err := checkRules(f, []control{{Slug: "a", DBW: []string{"DBW-EC2-001"}}, {Slug: "b", DBW: []string{"DBW-XYZ-999"}}})
	if err == nil || !strings.Contains(err.Error(), "control b expects dbwarden rule DBW-XYZ-999") || strings.Contains(err.Error(), "control a") {
		t.Fatalf("got %v, want an error naming control b and DBW-XYZ-999 only", err)
	}
}

// TestFilesParse: every Terraform file is valid HCL and every template
// valid YAML, so a peer that misses a control did not just fail to read it.
func TestFilesParse(t *testing.T) {
	dir, _ := generate(t, 3)
	n := 0
	for name, src := range readTree(t, dir) {
		switch {
		case strings.HasSuffix(name, ".tf") || strings.HasSuffix(name, ".tfvars"):
			if _, diags := hclsyntax.ParseConfig(src, name, hcl.InitialPos); diags.HasErrors() {
				t.Errorf("%s: %v", name, diags)
			}
			n++
		case strings.HasSuffix(name, ".yaml"):
			var doc yaml.Node
			if err := yaml.Unmarshal(src, &doc); err != nil {
				t.Errorf("%s: %v", name, err)
			}
			n++
		}
	}
	if n < 100 {
		t.Errorf("parsed %d files, want at least 100", n)
	}
}

// TestEachModuleBreaksItsControl loads every seeded module, template and
// container folder on its own, as dbwarden scans a repository holding only
// it, and checks that dbwarden's catalog reports the control it was written
// to break. A container folder must report nothing else: unlike the
// Terraform modules, it has no resource that breaks a second control by
// its nature (all ports open are 3306 and 22 too).
func TestEachModuleBreaksItsControl(t *testing.T) {
	dir, m := generate(t, 1)
	containers := 0
	for _, c := range m.Controls {
		if c.ContainerDir != "" {
			containers++
		}
		for _, path := range []string{c.TFDir, c.CFNFile, c.ContainerDir} {
			if path == "" {
				continue
			}
			t.Run(path, func(t *testing.T) {
				prof, err := scan.ProfileNamed(c.Profile)
				if err != nil {
					t.Fatal(err)
				}
				p := &scan.Project{Profile: prof}
				if err := load.Paths(p, []string{filepath.Join(dir, path)}, load.Options{}); err != nil {
					t.Fatalf("load: %v", err)
				}
				var got []string
				for _, f := range scan.Run(p, rules.All(), nil) {
					if !f.Unknown && !f.Suppressed {
						got = append(got, f.RuleID)
					}
				}
				if path == c.ContainerDir {
					for _, id := range got {
						if !slices.Contains(c.Dbwarden, id) {
							t.Errorf("got rule %s besides the control's %v", id, c.Dbwarden)
						}
					}
				}
				for _, id := range c.Dbwarden {
					if slices.Contains(got, id) {
						return
					}
				}
				t.Errorf("got rules %v, want one of %v", got, c.Dbwarden)
			})
		}
	}
	// The loop above would pass with no container folder written at all.
	if containers == 0 {
		t.Error("no control has a container folder")
	}
}

func TestLargeCorpusSize(t *testing.T) {
	dir, m := generate(t, 5)
	stacks, err := os.ReadDir(filepath.Join(dir, "large", "stacks"))
	if err != nil {
		t.Fatal(err)
	}
	if len(stacks) != 5 || m.Large.Modules != 5 || m.Large.Resources != 5*largeBlocksPerStack {
		t.Fatalf("got %d stack folders and %+v, want 5 stacks of %d resource blocks", len(stacks), m.Large, largeBlocksPerStack)
	}
	// The per-stack count in the manifest is the count in the files.
	blocks := 0
	for name, src := range readTree(t, filepath.Join(dir, "large")) {
		if strings.HasSuffix(name, ".tf") {
			blocks += strings.Count(string(src), "\nresource \"") + boolInt(strings.HasPrefix(string(src), "resource \""))
		}
	}
	// The shared module's blocks count once per stack that calls it.
	if want := 5*(largeBlocksPerStack-largeModuleBlocks) + largeModuleBlocks; blocks != want {
		t.Errorf("got %d resource blocks in the files, want %d", blocks, want)
	}
}

func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}
