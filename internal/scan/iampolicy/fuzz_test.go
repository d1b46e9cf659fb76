package iampolicy

import (
	"strings"
	"testing"

	"github.com/dbwarden/dbwarden/internal/scan"
)

// FuzzLoad loads arbitrary files that pass detection. Each either fails
// with an error naming the file and adds nothing, or adds one document
// whose every position lies inside the file.
func FuzzLoad(f *testing.F) {
	for _, s := range []string{
		`{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]}`,
		`{"Effect": "Allow", "Action": ["s3:GetObject"], "Resource": ["arn:aws:s3:::b/*"]}`,
		`{"Statement": {"Effect": "Allow", "Principal": {"AWS": "*"}, "Action": "sts:AssumeRole"}}`,
		`{"Statement": [], "Statement": []}`,
		"{\"Statement\": [1, 2.5, true, null, \"x\"]}\n\n\n",
		`{"Statement": [{"Effect": "Allow", "Action": "*", "Condition": {"Bool": {"aws:MultiFactorAuthPresent": "true"}}}]}`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, src []byte) {
		if !Detect(src) {
			return
		}
		p := &scan.Project{}
		err := Load(p, "fuzz.json", src)
		if err != nil {
			if !strings.HasPrefix(err.Error(), "fuzz.json") {
				t.Fatalf("error does not name the file: %v", err)
			}
			if len(p.Resources) != 0 {
				t.Fatal("resources added despite the error")
			}
			return
		}
		if len(p.Resources) != 1 {
			t.Fatalf("%d resources, want 1", len(p.Resources))
		}
		// Lines end as the parser ends them: at \n, \r\n or a lone \r.
		lines := strings.Count(strings.ReplaceAll(string(src), "\r\n", "\n"), "\n") + strings.Count(strings.ReplaceAll(string(src), "\r\n", "\n"), "\r") + 1
		var walk func(v *scan.Value)
		walk = func(v *scan.Value) {
			if v.Range.Line < 1 || v.Range.Line > lines {
				t.Fatalf("value at line %d of a %d-line file", v.Range.Line, lines)
			}
			for _, e := range v.List {
				walk(e)
			}
			for _, e := range v.Map {
				walk(e)
			}
		}
		walk(p.Resources[0].Attr("Document"))
	})
}
