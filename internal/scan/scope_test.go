package scan

import "testing"

// Rules see one scope at a time: a rotation in one root module does not
// vouch for a secret of the same address in another, and resources every
// scope sees are reported once.
func TestRunPerScope(t *testing.T) {
	secret := func(dir string) *Resource {
		return &Resource{Lang: Terraform, Kind: "resource", Type: "aws_secretsmanager_secret", Address: "aws_secretsmanager_secret.db",
			Dir: dir, Scope: dir, Range: Range{File: dir + "/main.tf", Line: 1}}
	}
	rotation := &Resource{Lang: Terraform, Kind: "resource", Type: "aws_secretsmanager_secret_rotation", Address: "aws_secretsmanager_secret_rotation.r",
		Dir: "a", Scope: "a", Attrs: &Value{Kind: Map, Map: map[string]*Value{"secret_id": UnknownVal("aws_secretsmanager_secret.db")}},
		Range: Range{File: "a/main.tf", Line: 5}}
	ignore := &Resource{Lang: Git, Kind: "gitignore", Type: "gitignore", Address: ".gitignore", Range: Range{File: ".gitignore", Line: 1}}
	p := &Project{}
	p.Add(secret("a"), secret("b"), rotation, ignore)
	rules := []*Rule{
		{ID: "T-1", Severity: High, Check: func(p *Project, out *Out) {
			for _, s := range p.Of(Terraform, "aws_secretsmanager_secret") {
				rotated := false
				for _, r := range p.Of(Terraform, "aws_secretsmanager_secret_rotation") {
					rotated = rotated || r.Attr("secret_id").RefersTo(s.Address)
				}
				if !rotated {
					out.Fail(s, nil, "no rotation")
				}
			}
		}},
		{ID: "T-2", Severity: Low, Check: func(p *Project, out *Out) {
			for _, g := range p.Of(Git, "gitignore") {
				out.Fail(g, nil, "seen")
			}
		}},
	}
	fs := Run(p, rules, nil)
	var files []string
	for _, f := range fs {
		files = append(files, f.RuleID+" "+f.File)
	}
	want := []string{"T-2 .gitignore", "T-1 b/main.tf"}
	if len(files) != len(want) || files[0] != want[0] || files[1] != want[1] {
		t.Fatalf("findings %v, want %v", files, want)
	}
}
