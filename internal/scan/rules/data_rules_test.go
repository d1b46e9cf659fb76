package rules

import (
	"path/filepath"
	"strings"
	"testing"

	"github.com/dbwarden/dbwarden/internal/scan"
)

func TestScheduleDays(t *testing.T) {
	for _, c := range []struct {
		expr string
		want float64
	}{
		{"rate(4 days)", 4},
		{"rate(1 day)", 1},
		{"rate(12 hours)", 0.5},
		{"cron(0 4 ? * SUN *)", 7},
		{"cron(0 4 ? * MON-FRI *)", 3},
		{"cron(0 4 1 * ? *)", 31},        // 1st of each month: Jan 1 to Feb 1
		{"cron(0 4 1,15 * ? *)", 17},     // the 15th to the 1st of a 31-day month
		{"cron(0 0 L * ? *)", 31},        // last day of the month: Feb to Mar
		{"cron(0 0 ? * 2#1 *)", 35},      // first Monday of the month
		{"cron(0 0 ? * 6L *)", 35},       // last Friday of the month
		{"cron(0 0 1 1 ? *)", 366},       // yearly, across a leap year
		{"cron(0 0 */10 * ? *)", 10},     // 21st of a 30-day month to the 1st
		{"cron(0 0 1 JAN,JUL ? *)", 184}, // twice a year: Jul 1 to Jan 1
		{"cron(0 0 ? * * 2024-2199)", 1}, // every day, bounded years
	} {
		got, err := scheduleDays(c.expr)
		if err != nil {
			t.Errorf("%s: %v", c.expr, err)
			continue
		}
		if got != c.want {
			t.Errorf("%s: got %g days, want %g", c.expr, got, c.want)
		}
	}
	// The weekday nearest the 15th moves between the 14th and the 16th.
	if got, err := scheduleDays("cron(0 0 15W * ? *)"); err != nil || got < 31 || got > 33 {
		t.Errorf("cron(0 0 15W * ? *): got %g days (%v), want 31 to 33", got, err)
	}
	for _, bad := range []string{
		"every day", "rate(2 weeks)", "cron(0 0 * * * *)", "cron(0 0 1 1 ?)",
		"cron(0 0 1 1 ? 2024)", "cron(0 0 1 1 ? 2024-2025)", "cron(0 0 32 * ? *)", "cron(0 0 ? * 9 *)",
	} {
		if d, err := scheduleDays(bad); err == nil {
			t.Errorf("%s: got %g days, want an error", bad, d)
		}
	}
}

// Resources built by hand, the way the loaders shape them.

func obj(kv ...any) *scan.Value {
	m := map[string]*scan.Value{}
	for i := 0; i+1 < len(kv); i += 2 {
		m[kv[i].(string)] = kv[i+1].(*scan.Value)
	}
	return &scan.Value{Kind: scan.Map, Map: m}
}

func block(vs ...*scan.Value) *scan.Value { return &scan.Value{Kind: scan.List, List: vs} }

func tfRes(typ, addr string, attrs *scan.Value) *scan.Resource {
	return &scan.Resource{Lang: scan.Terraform, Kind: "resource", Type: typ, Address: addr, Attrs: attrs,
		Range: scan.Range{File: "main.tf", Line: 1}}
}

// run returns the findings of one rule, split into decided and unknown.
func run(t *testing.T, rule *scan.Rule, prof string, rs ...*scan.Resource) (decided, unknown []scan.Finding) {
	t.Helper()
	pr, err := scan.ProfileNamed(prof)
	if err != nil {
		t.Fatal(err)
	}
	p := &scan.Project{Profile: pr}
	p.Add(rs...)
	for _, f := range scan.Run(p, []*scan.Rule{rule}, nil) {
		if f.Unknown {
			unknown = append(unknown, f)
		} else {
			decided = append(decided, f)
		}
	}
	return decided, unknown
}

func TestMasterPasswordSources(t *testing.T) {
	sensitive := scan.Str("from-a-sensitive-variable")
	sensitive.Sensitive = true
	for _, c := range []struct {
		name              string
		password          *scan.Value
		decided, unknowns int
	}{
		{"a data source", scan.UnknownVal("data.aws_ssm_parameter.db_password"), 0, 0},
		{"an ephemeral resource", scan.UnknownVal("ephemeral.aws_secretsmanager_secret_version.db"), 0, 0},
		{"a sensitive variable", sensitive, 0, 0},
		{"a dynamic reference", scan.Str("{{resolve:secretsmanager:prod/db:SecretString:password}}"), 0, 0},
		{"a random_password", scan.UnknownVal("random_password.db"), 1, 0},
		{"a plain string", scan.Str("hunter2-not-real"), 1, 0},
		{"a value known only when applied", scan.UnknownVal(), 0, 1},
	} {
		t.Run(c.name, func(t *testing.T) {
			db := tfRes(tfDBInstance, "aws_db_instance.db", obj("engine", scan.Str("mysql"), "password", c.password))
			decided, unknown := run(t, rdsManagedPassword, "baseline", db)
			if len(decided) != c.decided || len(unknown) != c.unknowns {
				t.Fatalf("got %d decided and %d unknown findings (%+v %+v), want %d and %d",
					len(decided), len(unknown), decided, unknown, c.decided, c.unknowns)
			}
			for _, f := range append(decided, unknown...) {
				if s, ok := c.password.String(); ok && strings.Contains(f.Message, s) {
					t.Errorf("message quotes the password: %s", f.Message)
				}
			}
		})
	}
}

func TestBucketLinks(t *testing.T) {
	enabled := obj("status", scan.Str("Enabled"))
	versioning := func(bucket *scan.Value) *scan.Resource {
		return tfRes(tfBucketVersioning, "aws_s3_bucket_versioning.v", obj("bucket", bucket, "versioning_configuration", block(enabled)))
	}
	bucket := tfRes(tfBucket, "aws_s3_bucket.b[0]", obj("bucket", scan.Str("backups")))

	t.Run("a reference without the instance key links", func(t *testing.T) {
		if d, u := run(t, s3Versioning, "baseline", bucket, versioning(scan.UnknownVal("aws_s3_bucket.b"))); len(d)+len(u) != 0 {
			t.Errorf("got %+v %+v, want no finding", d, u)
		}
	})
	t.Run("the bucket's known name links", func(t *testing.T) {
		if d, u := run(t, s3Versioning, "baseline", bucket, versioning(scan.Str("backups"))); len(d)+len(u) != 0 {
			t.Errorf("got %+v %+v, want no finding", d, u)
		}
	})
	t.Run("a bucket named by a variable is undecided, not failed", func(t *testing.T) {
		d, u := run(t, s3Versioning, "baseline", bucket, versioning(scan.UnknownVal("var.bucket")))
		if len(d) != 0 || len(u) != 1 {
			t.Errorf("got %d decided and %d unknown, want 0 and 1", len(d), len(u))
		}
	})
	t.Run("another bucket's configuration does not count", func(t *testing.T) {
		other := tfRes(tfBucket, "aws_s3_bucket.other", obj("bucket", scan.Str("other")))
		d, u := run(t, s3Versioning, "baseline", bucket, other, versioning(scan.UnknownVal("aws_s3_bucket.other")))
		if len(d) != 1 || len(u) != 0 || d[0].Resource != bucket.Address {
			t.Errorf("got %+v %+v, want one failure of %s", d, u, bucket.Address)
		}
	})
}

func TestRotationDaysFromVariableAreUnknown(t *testing.T) {
	secret := tfRes(tfSecret, "aws_secretsmanager_secret.s", obj("name", scan.Str("prod/db")))
	rot := tfRes(tfSecretRotation, "aws_secretsmanager_secret_rotation.s", obj(
		"secret_id", scan.UnknownVal("aws_secretsmanager_secret.s"),
		"rotation_rules", block(obj("automatically_after_days", scan.UnknownVal("var.days")))))
	if d, u := run(t, smRotation, "baseline", secret, rot); len(d) != 0 || len(u) != 1 {
		t.Errorf("days from a variable: got %d decided and %d unknown, want 0 and 1", len(d), len(u))
	}
}

func TestMFADeleteOnlyUnderPCI(t *testing.T) {
	bucket := tfRes(tfBucket, "aws_s3_bucket.b", obj("bucket", scan.Str("backups")))
	if d, u := run(t, s3MFADelete, "baseline", bucket); len(d)+len(u) != 0 {
		t.Errorf("baseline: got %+v %+v, want no finding", d, u)
	}
	if d, _ := run(t, s3MFADelete, "pci", bucket); len(d) != 1 {
		t.Errorf("pci: got %d findings, want 1", len(d))
	}
}

// TestDataFailFixtures counts the decided findings of each fail fixture, so
// that every bad resource a fixture holds is caught, not just one of them.
func TestDataFailFixtures(t *testing.T) {
	want := map[string]int{
		"DBW-RDS-001/terraform": 2, "DBW-RDS-001/cloudformation": 2,
		"DBW-RDS-002/terraform": 2, "DBW-RDS-002/cloudformation": 2,
		"DBW-RDS-003/terraform": 2, "DBW-RDS-003/cloudformation": 2,
		"DBW-RDS-004/terraform": 2, "DBW-RDS-004/cloudformation": 2,
		"DBW-RDS-005/terraform": 2, "DBW-RDS-005/cloudformation": 2,
		"DBW-RDS-006/terraform": 2, "DBW-RDS-006/cloudformation": 2,
		"DBW-RDS-007/terraform": 2, "DBW-RDS-007/cloudformation": 2,
		"DBW-RDS-008/terraform": 2,
		"DBW-RDS-009/terraform": 2, "DBW-RDS-009/cloudformation": 2,
		"DBW-SM-001/terraform": 1,
		"DBW-SM-002/terraform": 3, "DBW-SM-002/cloudformation": 2,
		"DBW-SM-003/terraform": 2, "DBW-SM-003/cloudformation": 1,
		"DBW-KMS-001/terraform": 2, "DBW-KMS-001/cloudformation": 1,
		"DBW-LOG-001/terraform": 1, "DBW-LOG-001/cloudformation": 1,
		"DBW-LOG-002/terraform": 1, "DBW-LOG-002/cloudformation": 1,
		"DBW-LOG-003/terraform": 2, "DBW-LOG-003/cloudformation": 1,
		"DBW-LOG-004/terraform": 3, "DBW-LOG-004/cloudformation": 2,
		"DBW-SNS-001/terraform": 1, "DBW-SNS-001/cloudformation": 1,
		"DBW-S3-001/terraform": 3, "DBW-S3-001/cloudformation": 2,
		"DBW-S3-002/terraform": 1, "DBW-S3-002/cloudformation": 1,
		"DBW-S3-003/terraform": 2, "DBW-S3-003/cloudformation": 2,
		"DBW-S3-004/terraform": 1,
		"DBW-S3-005/terraform": 1, "DBW-S3-005/cloudformation": 1,
		"DBW-DDB-001/terraform": 1, "DBW-DDB-001/cloudformation": 1,
		"DBW-DDB-002/terraform": 1, "DBW-DDB-002/cloudformation": 1,
	}
	for key, n := range want {
		id, lang, _ := strings.Cut(key, "/")
		r := ruleByID(id)
		if r == nil {
			t.Errorf("%s: no such rule", id)
			continue
		}
		dir := filepath.Join("testdata", id, lang, "fail")
		got := 0
		for _, f := range scan.Run(loadFixture(t, dir), []*scan.Rule{r}, nil) {
			if !f.Unknown {
				got++
			}
			if strings.Contains(f.Message, "placeholder-not-a-real-password") || strings.Contains(f.Message, "ChangeMe-placeholder") {
				t.Errorf("%s: message quotes a password: %s", dir, f.Message)
			}
		}
		if got != n {
			t.Errorf("%s: got %d decided findings, want %d", dir, got, n)
		}
	}
}
