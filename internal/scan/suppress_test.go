package scan

import "testing"

func TestSuppressions(t *testing.T) {
	src := []byte(`resource "aws_db_instance" "a" {  # line 1
  # dbwarden:ignore DBW-RDS-001 encrypted by the copy job
  storage_encrypted = false
}
# dbwarden:ignore DBW-RDS-003
resource "aws_db_instance" "b" {
  publicly_accessible = true
}
# dbwarden:ignore * whole block, any rule
resource "aws_db_instance" "c" {
  x = 1
  y = 2
}
`)
	p := &Project{}
	p.AddFile("main.tf", src)
	a := &Resource{Lang: Terraform, Address: "aws_db_instance.a", Range: Range{File: "main.tf", Line: 1, EndLine: 4}}
	b := &Resource{Lang: Terraform, Address: "aws_db_instance.b", Range: Range{File: "main.tf", Line: 6, EndLine: 8}}
	c := &Resource{Lang: Terraform, Address: "aws_db_instance.c", Range: Range{File: "main.tf", Line: 10, EndLine: 13}}
	at := func(line int) *Value { return &Value{Kind: Bool, Range: Range{File: "main.tf", Line: line}} }
	rule := func(id string, r *Resource, v *Value) *Rule {
		return &Rule{ID: id, Severity: High, Check: func(_ *Project, out *Out) { out.Fail(r, v, "bad") }}
	}
	fs := Run(p, []*Rule{
		rule("DBW-RDS-001", a, at(3)),  // the line after the comment: silenced
		rule("DBW-RDS-002", a, at(3)),  // another rule: not
		rule("DBW-RDS-003", b, at(7)),  // a marker without a reason: not applied
		rule("DBW-RDS-004", c, at(12)), // inside a block whose header follows the marker
	}, []Suppression{{Rule: "DBW-RDS-002", File: "*.tf", Resource: "aws_db_instance.z", Reason: "other resource"}})
	got := map[string]bool{}
	for _, f := range fs {
		got[f.RuleID] = f.Suppressed
	}
	want := map[string]bool{"DBW-RDS-001": true, "DBW-RDS-002": false, "DBW-RDS-003": false, "DBW-RDS-004": true}
	for id, w := range want {
		if got[id] != w {
			t.Errorf("%s suppressed = %v, want %v", id, got[id], w)
		}
	}
	if errs := BadInline(p); len(errs) != 1 {
		t.Errorf("BadInline: %v, want the one marker without a reason", errs)
	}
	if err := (Suppression{Rule: "DBW-X-001"}).Validate(); err == nil {
		t.Error("a configured suppression without a reason validated")
	}
}

func FuzzInlineSuppressions(f *testing.F) {
	f.Add([]byte("# dbwarden:ignore DBW-RDS-001 reason\nx = 1\n"))
	f.Add([]byte("/* dbwarden:ignore * why */"))
	f.Add([]byte("dbwarden:ignore\n"))
	f.Fuzz(func(t *testing.T, src []byte) {
		lines := 1
		for _, c := range src {
			if c == '\n' {
				lines++
			}
		}
		for _, s := range InlineSuppressions("f", src) {
			if s.line < 1 || s.line > lines || s.Rule == "" {
				t.Fatalf("suppression %+v out of a %d-line file", s, lines)
			}
		}
	})
}
