package iampolicy

import (
	"strings"
	"testing"

	"github.com/dbwarden/dbwarden/internal/scan"
)

func TestDetect(t *testing.T) {
	for src, want := range map[string]bool{
		`{"Version": "2012-10-17", "Statement": []}`:                            true,
		`{"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*"}`:        true,
		`{"Effect": "Deny", "NotAction": "iam:*", "Resource": "*"}`:             true,
		`{"PolicyArn": "arn:aws:iam::aws:policy/AmazonSSMManagedInstanceCore"}`: false,
		`{"Effect": "Allow"}`:                 false, // no action: not a statement
		`[{"Statement": []}]`:                 false,
		`{"name": "app", "version": "1.0.0"}`: false,
		`{"Statement": `:                      false,
	} {
		if got := Detect([]byte(src)); got != want {
			t.Errorf("Detect(%s) = %v, want %v", src, got, want)
		}
	}
}

func TestLoadKeepsLines(t *testing.T) {
	src := `{
  "Version": "2012-10-17",
  "Statement": [
    {
      "Effect": "Allow",
      "Action": ["secretsmanager:GetSecretValue"],
      "Resource": "*"
    }
  ]
}
`
	p := &scan.Project{}
	if err := Load(p, "policies/app.json", []byte(src)); err != nil {
		t.Fatal(err)
	}
	rs := p.Of(scan.IAMPolicy, Type)
	if len(rs) != 1 {
		t.Fatalf("%d documents loaded, want 1", len(rs))
	}
	r := rs[0]
	if r.Address != "app.json" || r.Range.File != "policies/app.json" || r.Range.Line != 1 || r.Range.EndLine != 10 {
		t.Errorf("resource %s at %+v", r.Address, r.Range)
	}
	st := r.Attr("Document", "Statement").List[0]
	if st.Range.Line != 4 {
		t.Errorf("statement at line %d, want 4", st.Range.Line)
	}
	if a := st.Get("Action").List[0]; a.Str != "secretsmanager:GetSecretValue" || a.Range.Line != 6 {
		t.Errorf("action %q at line %d", a.Str, a.Range.Line)
	}
	if p.Files["policies/app.json"] == nil {
		t.Error("the file is not recorded for reports")
	}
}

func TestLoadWrapsAStatement(t *testing.T) {
	p := &scan.Project{}
	if err := Load(p, "s.json", []byte(`{"Effect": "Allow", "Action": "*", "Resource": "*"}`)); err != nil {
		t.Fatal(err)
	}
	st := p.Of(scan.IAMPolicy, Type)[0].Attr("Document", "Statement")
	if st.Kind != scan.List || len(st.List) != 1 || st.List[0].Get("Effect").Str != "Allow" {
		t.Errorf("statement not wrapped into a document: %+v", st)
	}
}

func TestLoadErrors(t *testing.T) {
	for src, want := range map[string]string{
		`{"Statement": [}`:                    "not a JSON policy document",
		`["Statement"]`:                       "a policy document is a JSON object",
		`{"Statement": [], "Statement": [1]}`: `"Statement" appears twice`,
		strings.Repeat(`{"Statement":`, 70) + "1" + strings.Repeat("}", 70): "nested more than",
	} {
		p := &scan.Project{}
		err := Load(p, "bad.json", []byte(src))
		if err == nil || !strings.Contains(err.Error(), want) || !strings.HasPrefix(err.Error(), "bad.json") {
			t.Errorf("Load(%.40s): %v, want an error naming bad.json and saying %q", src, err, want)
		}
		if len(p.Resources) != 0 {
			t.Errorf("Load(%.40s) added resources despite the error", src)
		}
	}
}
