// Command scan-gen writes the corpora of the scanner benchmark: the seeded
// corpus, for each seed control the forms it has of a small Terraform root
// module, a CloudFormation template and a container folder (a Dockerfile, a
// Compose file, or a .env with its .gitignore), each breaking that control;
// and the large corpus, a tree of Terraform root modules calling a shared
// local module. The output is the same for the same flags.
//
// It also writes manifest.json, which names for each control its module,
// template and container folder, the compliance profile dbwarden scans them
// under, and the rule ids that count as finding it: dbwarden's and the
// peers' (tfsec and trivy share AVD ids). Given -rules (the output of
// dbwarden scan rules --format json), it fails when a dbwarden rule id of
// the table is not in the catalog.
package main

import (
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"sort"
)

// Manifest describes a generated corpus to the benchmark.
type Manifest struct {
	Controls []ManifestControl `json:"controls"`
	Large    LargeInfo         `json:"large"`
}

// ManifestControl is one seeded control.
type ManifestControl struct {
	Slug    string `json:"slug"`
	Title   string `json:"title"`
	Profile string `json:"profile"`
	// Dbwarden and Peer are the rule ids that count as finding the control.
	Dbwarden []string `json:"dbwarden"`
	Peer     []string `json:"peer"`
	// PeerLong are tfsec's long ids of Peer, in the same order (trivy's
	// short id for a check tfsec does not have).
	PeerLong []string `json:"peer_long"`
	// TFDir, CFNFile and ContainerDir are relative to the corpus; empty
	// when the control has no such form.
	TFDir        string `json:"tf_dir,omitempty"`
	CFNFile      string `json:"cfn_file,omitempty"`
	ContainerDir string `json:"container_dir,omitempty"`
}

// LargeInfo sizes the large corpus.
type LargeInfo struct {
	Dir       string `json:"dir"`
	Modules   int    `json:"modules"`
	Resources int    `json:"resource_blocks"`
	Instances int    `json:"resource_instances"`
	Files     int    `json:"files"`
}

// Per stack of the large corpus (see large.go).
const (
	largeBlocksPerStack    = 13
	largeInstancesPerStack = 16
	// largeModuleBlocks of them are in the shared module.
	largeModuleBlocks = 5
)

func main() {
	out := flag.String("o", "", "directory to write the corpora into (created; must not exist or be empty)")
	rulesFile := flag.String("rules", "", "dbwarden scan rules --format json output: fail when a rule id of the control table is not in it")
	modules := flag.Int("modules", 300, "root modules in the large corpus, 13 resource blocks each")
	flag.Parse()
	if *out == "" || flag.NArg() > 0 || *modules < 1 {
		fmt.Fprintln(os.Stderr, "usage: scan-gen -o DIR [-rules rules.json] [-modules 300]")
		os.Exit(2)
	}
	if err := run(*out, *rulesFile, *modules); err != nil {
		fmt.Fprintln(os.Stderr, "scan-gen:", err)
		os.Exit(1)
	}
}

func run(out, rulesFile string, modules int) error {
	cs := controls()
	if rulesFile != "" {
		if err := checkRules(rulesFile, cs); err != nil {
			return err
		}
	}
	if ents, err := os.ReadDir(out); err == nil && len(ents) > 0 {
		return fmt.Errorf("%s is not empty", out)
	}
	m, err := write(out, cs, modules)
	if err != nil {
		return err
	}
	b, err := json.MarshalIndent(m, "", "  ")
	if err != nil {
		return err
	}
	if err := os.WriteFile(filepath.Join(out, "manifest.json"), append(b, '\n'), 0o644); err != nil {
		return err
	}
	fmt.Printf("scan-gen: %d controls, %d large modules in %s\n", len(m.Controls), m.Large.Modules, out)
	return nil
}

// checkRules fails when a dbwarden rule id of the table is not in the
// catalog listed in file.
func checkRules(file string, cs []control) error {
	b, err := os.ReadFile(file)
	if err != nil {
		return err
	}
	var rules []struct {
		ID string `json:"id"`
	}
	if err := json.Unmarshal(b, &rules); err != nil {
		return fmt.Errorf("%s: not dbwarden scan rules --format json output: %v", file, err)
	}
	have := map[string]bool{}
	for _, r := range rules {
		have[r.ID] = true
	}
	var errs []error
	for _, c := range cs {
		for _, id := range c.DBW {
			if !have[id] {
				errs = append(errs, fmt.Errorf("control %s expects dbwarden rule %s, which is not in the catalog (%s)", c.Slug, id, file))
			}
		}
	}
	return errors.Join(errs...)
}

// write writes both corpora under out and returns their manifest.
func write(out string, cs []control, modules int) (*Manifest, error) {
	m := &Manifest{}
	seen := map[string]bool{}
	for _, c := range cs {
		if seen[c.Slug] {
			return nil, fmt.Errorf("control %s listed twice", c.Slug)
		}
		seen[c.Slug] = true
		mc := ManifestControl{Slug: c.Slug, Title: c.Title, Profile: c.Profile, Dbwarden: c.DBW, Peer: c.Peer}
		if mc.Peer == nil {
			mc.Peer = []string{}
		}
		for _, id := range c.Peer {
			long, ok := peerLongIDs[id]
			if !ok {
				return nil, fmt.Errorf("control %s: no long id for %s", c.Slug, id)
			}
			mc.PeerLong = append(mc.PeerLong, long)
		}
		if mc.PeerLong == nil {
			mc.PeerLong = []string{}
		}
		if c.TF != nil {
			mc.TFDir = filepath.ToSlash(filepath.Join("seeded", c.Profile, "terraform", c.Slug))
			files := map[string]string{"versions.tf": versionsTF(c.Slug, c.Backend)}
			if !c.NoGitignore {
				files[".gitignore"] = gitignore
			}
			for name, src := range c.TF {
				files[name] = src
			}
			if err := writeFiles(filepath.Join(out, mc.TFDir), files); err != nil {
				return nil, err
			}
		}
		if c.CFN != "" {
			mc.CFNFile = filepath.ToSlash(filepath.Join("seeded", c.Profile, "cloudformation", c.Slug+".yaml"))
			if err := writeFiles(filepath.Join(out, filepath.Dir(mc.CFNFile)), map[string]string{c.Slug + ".yaml": c.CFN}); err != nil {
				return nil, err
			}
		}
		if c.Container != nil {
			mc.ContainerDir = filepath.ToSlash(filepath.Join("seeded", c.Profile, "containers", c.Slug))
			if err := writeFiles(filepath.Join(out, mc.ContainerDir), c.Container); err != nil {
				return nil, err
			}
		}
		m.Controls = append(m.Controls, mc)
	}

	large := filepath.Join(out, "large")
	files := 3
	if err := writeFiles(filepath.Join(large, "modules", "db"), map[string]string{
		"variables.tf": largeModuleVariables,
		"main.tf":      largeModuleMain,
	}); err != nil {
		return nil, err
	}
	if err := writeFiles(large, map[string]string{".gitignore": gitignore}); err != nil {
		return nil, err
	}
	for i := 1; i <= modules; i++ {
		fs := largeStack(i)
		if err := writeFiles(filepath.Join(large, "stacks", fmt.Sprintf("stack-%03d", i)), fs); err != nil {
			return nil, err
		}
		files += len(fs)
	}
	m.Large = LargeInfo{
		Dir:       "large",
		Modules:   modules,
		Resources: modules * largeBlocksPerStack,
		Instances: modules * largeInstancesPerStack,
		Files:     files,
	}
	return m, nil
}

// writeFiles writes files into dir, in name order.
func writeFiles(dir string, files map[string]string) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	names := make([]string, 0, len(files))
	for n := range files {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		if err := os.WriteFile(filepath.Join(dir, n), []byte(files[n]), 0o644); err != nil {
			return err
		}
	}
	return nil
}
