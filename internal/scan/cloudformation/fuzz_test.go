package cloudformation

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/dbwarden/dbwarden/internal/scan"
)

// FuzzCloudFormation loads arbitrary templates. A template either fails
// with an error naming the file and adds no resource, or loads into
// resources whose every value is positioned inside the file, never holds
// the AWS::NoValue marker, and comes out the same on a second load.
func FuzzCloudFormation(f *testing.F) {
	for _, s := range []string{
		prelude + "!Sub \"${Env}-${Key.Arn}-${!x}\"\n",
		prelude + "!If [Unknowable, !Ref Key, !Ref AWS::NoValue]\n",
		prelude + "!Join [\",\", !Split [\"-\", !Select [0, !Ref Zones]]]\n",
		prelude + "!FindInMap [Sizes, !Ref Env, Storage, {DefaultValue: 1}]\n",
		prelude + "!Cidr [\"10.0.0.0/16\", 4, 8]\n",
		prelude + "{\"Fn::Transform\": {Name: x}}\n",
		"Resources:\n  A: &a\n    Type: AWS::S3::Bucket\n    Properties: {<<: *a}\n",
		`{"Resources": {"B": {"Type": "AWS::S3::Bucket", "Properties": {"P": {"Fn::GetAtt": ["X", "Y"]}}}}}`,
		"Conditions:\n  A: !Or [!Condition B, !Equals [1, 1]]\n  B: !And [!Condition A, !Not [!Condition A]]\nResources: {}\n",
	} {
		f.Add([]byte(s))
	}
	entries, _ := os.ReadDir("testdata")
	for _, e := range entries {
		if ext := filepath.Ext(e.Name()); ext == ".yaml" || ext == ".json" {
			if b, err := os.ReadFile(filepath.Join("testdata", e.Name())); err == nil {
				f.Add(b)
			}
		}
	}
	f.Fuzz(func(t *testing.T, src []byte) {
		Detect("f.yaml", src)
		lines := bytes.Count(src, []byte("\n")) + 1
		render := func() (string, error) {
			p := &scan.Project{}
			err := Load(p, "f.yaml", src, map[string]string{"Env": "dev"})
			if err != nil {
				if len(p.Resources) != 0 {
					t.Fatalf("a failed Load added %d resources", len(p.Resources))
				}
				return "", err
			}
			var b strings.Builder
			for _, r := range p.Resources {
				if r.Range.File != "f.yaml" || r.Range.Line < 1 || r.Range.Line > lines || (r.Range.EndLine != 0 && r.Range.EndLine < r.Range.Line) {
					t.Fatalf("%s %s: bad range %+v", r.Kind, r.Address, r.Range)
				}
				checkValue(t, r.Address, r.Attrs, lines)
				b.WriteString(r.Kind + " " + r.Type + " " + r.Address + " " + show(r.Attrs) + "\n")
			}
			return b.String(), nil
		}
		first, err := render()
		if err != nil {
			if !strings.HasPrefix(err.Error(), "f.yaml") {
				t.Fatalf("error %q does not name the file", err)
			}
			return
		}
		if second, _ := render(); second != first {
			t.Fatalf("two loads differ:\n%s\n%s", first, second)
		}
	})
}

func checkValue(t *testing.T, where string, v *scan.Value, lines int) {
	t.Helper()
	if v == nil {
		t.Fatalf("%s: nil value", where)
	}
	if v == noValue {
		t.Fatalf("%s: AWS::NoValue marker leaked", where)
	}
	if v.Range.File != "f.yaml" || v.Range.Line < 1 || v.Range.Line > lines {
		t.Fatalf("%s: value %s at %+v, outside the file's %d lines", where, show(v), v.Range, lines)
	}
	for _, e := range v.List {
		checkValue(t, where, e, lines)
	}
	for k, e := range v.Map {
		checkValue(t, where+"."+k, e, lines)
	}
}
