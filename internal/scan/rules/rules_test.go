package rules

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/dbwarden/dbwarden/internal/scan"
	"github.com/dbwarden/dbwarden/internal/scan/load"
)

// Fixtures live in testdata/<rule id>/<language>/{fail,pass}/. A fail
// fixture must give at least one decided, unsuppressed finding of its rule;
// a pass fixture none of that rule, decided or not. A file named "profile"
// in a fixture directory selects the compliance profile (default baseline).

func loadFixture(t *testing.T, dir string) *scan.Project {
	t.Helper()
	prof := "baseline"
	if b, err := os.ReadFile(filepath.Join(dir, "profile")); err == nil {
		prof = strings.TrimSpace(string(b))
	}
	pr, err := scan.ProfileNamed(prof)
	if err != nil {
		t.Fatalf("%s: %v", dir, err)
	}
	p := &scan.Project{Profile: pr}
	if err := load.Paths(p, []string{dir}, load.Options{}); err != nil {
		t.Fatalf("load %s: %v", dir, err)
	}
	return p
}

func ruleByID(id string) *scan.Rule {
	for _, r := range All() {
		if r.ID == id {
			return r
		}
	}
	return nil
}

func TestFixtures(t *testing.T) {
	for _, r := range All() {
		for lang := range r.Applies {
			for _, want := range []string{"fail", "pass"} {
				dir := filepath.Join("testdata", r.ID, string(lang), want)
				if lang == scan.MySQL {
					continue // live servers are tested in mysqlscan against MariaDB
				}
				t.Run(r.ID+"/"+string(lang)+"/"+want, func(t *testing.T) {
					if _, err := os.Stat(dir); err != nil {
						t.Fatalf("no %s fixture for %s in %s: %v", want, r.ID, lang, err)
					}
					fs := scan.Run(loadFixture(t, dir), []*scan.Rule{r}, nil)
					decided := 0
					for _, f := range fs {
						if !f.Unknown && !f.Suppressed {
							decided++
						}
					}
					switch {
					case want == "fail" && decided == 0:
						t.Errorf("%s: no finding of %s (got %+v)", dir, r.ID, fs)
					case want == "pass" && len(fs) > 0:
						t.Errorf("%s: want no finding of %s, got %+v", dir, r.ID, fs)
					}
				})
			}
		}
	}
}

var idRe = regexp.MustCompile(`^DBW-[A-Z0-9]+-[0-9]{3}$`)

func TestCatalog(t *testing.T) {
	seen := map[string]bool{}
	for _, r := range All() {
		if !idRe.MatchString(r.ID) {
			t.Errorf("rule id %q does not read DBW-AREA-NNN", r.ID)
		}
		if seen[r.ID] {
			t.Errorf("rule id %s used twice", r.ID)
		}
		seen[r.ID] = true
		if r.Title == "" || r.Rationale == "" || r.Remediation == "" || len(r.Seeds) == 0 || r.Check == nil || r.Severity == 0 {
			t.Errorf("%s: title, rationale, remediation, seeds, severity and check are all required", r.ID)
		}
		if len(r.Applies) == 0 {
			t.Errorf("%s: applies to nothing", r.ID)
		}
		for lang := range r.Applies {
			if lang != scan.MySQL && lang != scan.Git && r.Example[lang] == "" {
				t.Errorf("%s: no corrected example for %s", r.ID, lang)
			}
		}
	}
}

// TestCleanFixtures: the project's well-configured fixtures give no finding
// of medium severity or higher under any profile.
func TestCleanFixtures(t *testing.T) {
	dir := filepath.Join("testdata", "clean")
	if _, err := os.Stat(dir); err != nil {
		t.Skip("no clean fixtures yet")
	}
	for name, prof := range scan.Profiles {
		p := loadFixture(t, dir)
		p.Profile = prof
		for _, f := range scan.Run(p, All(), nil) {
			if f.Severity >= scan.Medium && !f.Suppressed {
				t.Errorf("%s: %s:%d %s %s: %s", name, f.File, f.Line, f.RuleID, f.Resource, f.Message)
			}
		}
	}
}
