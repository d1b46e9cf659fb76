package rules

import (
	"path"
	"path/filepath"
	"strings"

	"github.com/dbwarden/dbwarden/internal/scan"
)

// stateRules check Terraform state and repository hygiene.
var stateRules = []*scan.Rule{stateS3Backend, stateLocalBackend, stateGitignore}

var stateS3Backend = &scan.Rule{
	ID:       "DBW-STATE-001",
	Title:    "S3 state backend without encryption or locking",
	Severity: scan.High,
	Applies:  map[scan.Lang][]string{scan.Terraform: {"backend"}},
	Seeds:    []string{"002 §6", "002 diagram (S3 + DynamoDB backend)", "000 §1"},
	Rationale: "Seed 002 moves Terraform state to S3 with DynamoDB locking. The state holds every " +
		"generated MySQL password in clear (seed 000's random_password results), so the bucket objects " +
		"must be encrypted (encrypt = true); without a lock two applies can interleave and corrupt the " +
		"state, or roll a rotated password back.",
	Remediation: "Set encrypt = true (and kms_key_id for a customer-managed key) and either " +
		"use_lockfile = true or dynamodb_table.",
	Example: map[scan.Lang]string{
		scan.Terraform: `terraform {
  backend "s3" {
    bucket         = "acme-terraform-state"
    key            = "mysql/terraform.tfstate"
    region         = "eu-west-1"
    encrypt        = true
    kms_key_id     = "alias/terraform-state"
    dynamodb_table = "terraform-locks"
  }
}`,
	},
	Check: func(p *scan.Project, out *scan.Out) {
		for _, r := range tfKind(p, "backend") {
			if r.Type != "s3" {
				continue
			}
			wantTrue(out, r, r.Attr("encrypt"), false, "encrypt")
			lockfile, table := r.Attr("use_lockfile"), r.Attr("dynamodb_table")
			on, ok := lockfile.True(false)
			switch {
			case on || table.Set():
			case !ok:
				out.Unknown(r, lockfile, "use_lockfile is only known when applied")
			default:
				out.Fail(r, nil, "no state locking: set use_lockfile = true or dynamodb_table")
			}
		}
	},
}

// rootDirs returns the module_dir resource of every root module that
// manages resources, with whether it declares a backend and which.
func rootDirs(p *scan.Project) (dirs []*scan.Resource, backends map[string]*scan.Resource) {
	manages := map[string]bool{}
	backends = map[string]*scan.Resource{}
	for _, r := range p.Resources {
		if r.Lang != scan.Terraform || r.Module != "" {
			continue
		}
		switch r.Kind {
		case "resource":
			manages[path.Clean(r.Dir)] = true
		case "backend":
			backends[path.Clean(r.Dir)] = r
		}
	}
	for _, r := range tfKind(p, "module_dir") {
		if manages[path.Clean(r.Dir)] {
			dirs = append(dirs, r)
		}
	}
	return dirs, backends
}

var stateLocalBackend = &scan.Rule{
	ID:       "DBW-STATE-002",
	Title:    "Root module keeps its state on local disk",
	Severity: scan.Medium,
	Applies:  map[scan.Lang][]string{scan.Terraform: {"terraform_module", "backend"}},
	Seeds:    []string{"002 §6", "000 §1"},
	Rationale: "Seed 002 plans remote state in S3 with DynamoDB locking and keeps state files out of " +
		"version control. Without a backend (or with backend \"local\") terraform.tfstate, with every " +
		"generated MySQL password in clear, sits unencrypted on whichever laptop or CI runner applied " +
		"it, one git add away from the repository, with no locking and no history.",
	Remediation: "Declare a remote backend: backend \"s3\" with encrypt = true and use_lockfile = true " +
		"(or dynamodb_table), or another remote backend with encryption and locking.",
	Example: map[scan.Lang]string{
		scan.Terraform: `terraform {
  backend "s3" {
    bucket       = "acme-terraform-state"
    key          = "mysql/terraform.tfstate"
    region       = "eu-west-1"
    encrypt      = true
    use_lockfile = true
  }
}`,
	},
	Check: func(p *scan.Project, out *scan.Out) {
		dirs, backends := rootDirs(p)
		for _, d := range dirs {
			b, ok := backends[path.Clean(d.Dir)]
			switch {
			case !ok:
				out.Fail(d, nil, "root module manages resources but declares no backend: its state, with every generated secret, is a local file")
			case b.Type == "local":
				out.Fail(b, nil, "backend \"local\" keeps the state, with its secrets, in a local file")
			}
		}
	},
}

// stateIgnored are paths, relative to a root module, that must not be
// committed, with how a finding names them.
var stateIgnored = []struct {
	path, name string
	dir        bool
}{
	{"terraform.tfstate", "*.tfstate", false},
	{"terraform.tfstate.backup", "*.tfstate.*", false},
	{"terraform.tfvars", "*.tfvars", false},
	{"production.auto.tfvars", "*.tfvars", false},
	{".terraform/providers/registry.terraform.io", ".terraform/", false},
}

var stateGitignore = &scan.Rule{
	ID:       "DBW-STATE-003",
	Title:    ".gitignore does not exclude Terraform state, tfvars and .terraform/",
	Severity: scan.Medium,
	Applies:  map[scan.Lang][]string{scan.Terraform: {"terraform_module"}},
	Seeds:    []string{"002 §6", "002 summary (state & git hygiene)", "000 §1"},
	Rationale: "Seed 002 updates .gitignore to exclude sensitive files (.terraform/, terraform.tfvars) " +
		"and keeps secrets out of version control. State files hold every generated password in clear " +
		"(000 §1), tfvars files are where plaintext inputs end up, and .terraform/ caches provider " +
		"binaries and sometimes a copy of the state; a .gitignore in the module directory or above it " +
		"must exclude them all.",
	Remediation: "Add to the repository's .gitignore: *.tfstate, *.tfstate.*, *.tfvars (re-include " +
		"example files with !example.tfvars) and .terraform/.",
	Example: map[scan.Lang]string{
		scan.Terraform: `# .gitignore next to the root module
.terraform/
*.tfstate
*.tfstate.*
*.tfvars
crash.log`,
	},
	Check: func(p *scan.Project, out *scan.Out) {
		ignores := gitignores(p)
		dirs, _ := rootDirs(p)
		for _, d := range dirs {
			dir := absDir(d.Dir)
			// Deeper files override shallower ones, as in git.
			apply := ignoresAbove(ignores, dir)
			if len(apply) == 0 {
				out.Fail(d, nil, "no .gitignore in %s or above it: state files, tfvars and .terraform/ can be committed", d.Dir)
				continue
			}
			var missing []string
			seen := map[string]bool{}
			for _, s := range stateIgnored {
				if !gitIgnored(apply, dir, s.path, s.dir) && !seen[s.name] {
					seen[s.name] = true
					missing = append(missing, s.name)
				}
			}
			if len(missing) > 0 {
				g := apply[len(apply)-1]
				out.Fail(d, nil, "%s does not exclude %s", g.Address, strings.Join(missing, ", "))
			}
		}
	},
}

// absDir makes directories written relative and absolute comparable.
func absDir(d string) string {
	if a, err := filepath.Abs(filepath.FromSlash(d)); err == nil {
		return filepath.ToSlash(a)
	}
	return path.Clean(filepath.ToSlash(d))
}

// gitIgnored reports whether file (relative to dir) is ignored by the
// .gitignore files gs, ordered shallowest first. A file under an ignored
// directory is ignored.
func gitIgnored(gs []*scan.Resource, dir, file string, isDir bool) bool {
	parts := strings.Split(file, "/")
	for i := range parts {
		sub := strings.Join(parts[:i+1], "/")
		last := i == len(parts)-1
		if ignoredPath(gs, dir, sub, !last || isDir) {
			return true
		}
	}
	return false
}

func ignoredPath(gs []*scan.Resource, dir, file string, isDir bool) bool {
	ignored := false
	for _, g := range gs {
		gd := absDir(g.Dir)
		rel := file
		if gd != dir {
			rel = strings.TrimPrefix(dir, strings.TrimSuffix(gd, "/")+"/") + "/" + file
		}
		for _, pv := range g.Attr("patterns").Items() {
			pat, ok := str(pv)
			if !ok || pat == "" {
				continue
			}
			neg := strings.HasPrefix(pat, "!")
			pat = strings.TrimPrefix(pat, "!")
			if ignoreMatch(pat, rel, isDir) {
				ignored = !neg
			}
		}
	}
	return ignored
}

// ignoreMatch matches one .gitignore pattern against a slash-separated
// path relative to the .gitignore's directory.
func ignoreMatch(pat, rel string, isDir bool) bool {
	pat = strings.TrimPrefix(pat, "\\")
	if strings.HasSuffix(pat, "/") {
		if !isDir {
			return false
		}
		pat = strings.TrimRight(pat, "/")
	}
	if !strings.Contains(pat, "/") {
		ok, _ := path.Match(pat, path.Base(rel))
		return ok
	}
	pat = strings.TrimPrefix(pat, "/")
	return globSegments(strings.Split(pat, "/"), strings.Split(rel, "/"))
}

// globSegments matches path segments against pattern segments where "**"
// stands for any number of segments.
func globSegments(pat, segs []string) bool {
	for len(pat) > 0 {
		if pat[0] == "**" {
			for i := 0; i <= len(segs); i++ {
				if globSegments(pat[1:], segs[i:]) {
					return true
				}
			}
			return false
		}
		if len(segs) == 0 {
			return false
		}
		if ok, _ := path.Match(pat[0], segs[0]); !ok {
			return false
		}
		pat, segs = pat[1:], segs[1:]
	}
	return len(segs) == 0
}
