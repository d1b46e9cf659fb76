package rules

import (
	"path"
	"sort"
	"strings"

	"github.com/dbwarden/dbwarden/internal/scan"
	"github.com/dbwarden/dbwarden/internal/scan/dotenv"
)

// gitignores returns the .gitignore files of the project.
func gitignores(p *scan.Project) []*scan.Resource {
	var out []*scan.Resource
	for _, r := range p.Resources {
		if r.Lang == scan.Git && r.Kind == "gitignore" {
			out = append(out, r)
		}
	}
	return out
}

// ignoresAbove returns the .gitignore files that apply to dir: those in it
// and above it, shallowest first, as git reads them.
func ignoresAbove(all []*scan.Resource, dir string) []*scan.Resource {
	dir = absDir(dir)
	var apply []*scan.Resource
	for _, g := range all {
		gd := absDir(g.Dir)
		if gd == dir || strings.HasPrefix(dir, strings.TrimSuffix(gd, "/")+"/") {
			apply = append(apply, g)
		}
	}
	sort.SliceStable(apply, func(i, j int) bool { return len(absDir(apply[i].Dir)) < len(absDir(apply[j].Dir)) })
	return apply
}

var codeEnvFile = &scan.Rule{
	ID:       "DBW-CODE-005",
	Title:    "Environment file with credentials not excluded from version control",
	Severity: scan.High,
	Applies:  map[scan.Lang][]string{scan.DotEnv: {dotenv.Type}},
	Seeds:    []string{"000 §1", "003 secret management"},
	Rationale: "Seed 003 never keeps passwords in code, configuration files or environment variables, and " +
		"seed 000 moved them from plain text into Secrets Manager. A .env file with a password in it that no " +
		".gitignore excludes is one 'git add .' away from the repository, where every clone and every " +
		"fork keeps it after the file is deleted.",
	Remediation: "Add the file to .gitignore (.env, .env.*, with !.env.example for the committed template), " +
		"keep only placeholders in the template, and have the application read its credentials from " +
		"Secrets Manager (or dbwarden secret get-secret-value) when it starts.",
	Example: map[scan.Lang]string{
		scan.DotEnv: `# .env.example, committed; .env itself is in .gitignore
DB_HOST=mysql.internal
DB_USER=app
DB_PASSWORD_SECRET_ID=prod/app/mysql/mysql-user-password`,
	},
	Check: func(p *scan.Project, out *scan.Out) {
		ignores := gitignores(p)
		for _, r := range p.Of(scan.DotEnv, dotenv.Type) {
			vars := r.Attr("variables")
			var names []string
			var first *scan.Value
			for _, k := range vars.Keys() {
				v := vars.Map[k]
				s, _ := v.String()
				if !secretName(k) || !literal(s) || strings.Contains(s, "${") {
					continue
				}
				names = append(names, k)
				if first == nil || v.Range.Line < first.Range.Line {
					first = v
				}
			}
			if len(names) == 0 {
				continue
			}
			dir := absDir(r.Dir)
			apply := ignoresAbove(ignores, dir)
			if len(apply) > 0 && gitIgnored(apply, dir, path.Base(r.Range.File), false) {
				continue
			}
			sort.Strings(names)
			why := "no .gitignore in its directory or above it excludes it"
			if len(apply) == 0 {
				why = "there is no .gitignore in its directory or above it"
			}
			out.Fail(r, first, "%s holds %s and %s: it can be committed", r.Address, strings.Join(names, ", "), why)
		}
	},
}
