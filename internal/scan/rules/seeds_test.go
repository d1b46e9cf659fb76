package rules

import (
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/dbwarden/dbwarden/internal/scan"
	"github.com/dbwarden/dbwarden/internal/scan/load"
)

// The seed documents' own snippets, as a user copies them into a
// repository (a fragment wrapped in the resource it belongs to), are
// scanned as the seeds describe them: what they mark good passes, what
// they mark bad is found, and their settings are judged by the catalog.

const seed000SecurityGroup = `resource "aws_security_group" "mysql" {
  name   = "mysql"
  vpc_id = "vpc-0123456789abcdef0"

  # GOOD - Allow MySQL from application only
  ingress {
    from_port                = 3306
    to_port                  = 3306
    protocol                 = "tcp"
    source_security_group_id = "sg-app-servers"
  }

  # BAD - Don't allow public MySQL access
  ingress {
    from_port   = 3306
    to_port     = 3306
    protocol    = "tcp"
    cidr_blocks = ["0.0.0.0/0"]  # NEVER DO THIS!
  }

  # BAD - Don't open SSH if using SSM
  ingress {
    from_port   = 22
    to_port     = 22
    protocol    = "tcp"
    cidr_blocks = ["0.0.0.0/0"]  # Use SSM instead
  }
}
`

// seed000MyCnf is seed 000 §7's configuration.
const seed000MyCnf = `[mysqld]
# Disable DNS hostname lookups (security + performance)
skip-name-resolve

# Disable LOAD DATA LOCAL INFILE (prevents local file access)
local-infile=0

# Bind to all interfaces (Docker container)
bind-address=0.0.0.0

# Enable slow query log (detect performance issues)
slow_query_log=1
long_query_time=2

# Binary logging (required for point-in-time recovery)
log-bin=/var/lib/mysql/mysql-bin
binlog_expire_logs_seconds=604800  # 7 days

# UTF8MB4 (supports all Unicode characters including emojis)
character-set-server=utf8mb4
collation-server=utf8mb4_unicode_ci
`

// seed000Secrets is seed 000 §1's generated password and its secret.
const seed000Secrets = `variable "env" {}
variable "project_id" {}
variable "base_name" {}

# Passwords are automatically generated (32 characters, secure)
resource "random_password" "mysql_root" {
  length  = 32
  special = true
  override_special = "!#$%&*()-_=+[]{}<>:?"
}

# Stored in AWS Secrets Manager (encrypted at rest)
resource "aws_secretsmanager_secret" "mysql_root_password" {
  name = "${var.env}/${var.project_id}/${var.base_name}/mysql-root-password"
  recovery_window_in_days = 7  # Prevents accidental deletion
}
`

// seed000Policies are seed 000 §2's instance role statements.
var seed000Policies = map[string]string{
	"secrets.json": `{
  "Effect": "Allow",
  "Action": [
    "secretsmanager:GetSecretValue",
    "secretsmanager:DescribeSecret"
  ],
  "Resource": [
    "arn:aws:secretsmanager:region:account:secret:env/project/mysql/mysql-root-password",
    "arn:aws:secretsmanager:region:account:secret:env/project/mysql/mysql-user-password"
  ]
}`,
	"cloudwatch.json": `{
  "Effect": "Allow",
  "Action": [
    "cloudwatch:PutMetricData",
    "logs:CreateLogGroup",
    "logs:CreateLogStream",
    "logs:PutLogEvents"
  ],
  "Resource": "*"
}`,
	"backups.json": `{
  "Effect": "Allow",
  "Action": [
    "s3:PutObject",
    "s3:GetObject",
    "s3:ListBucket",
    "s3:DeleteObject"
  ],
  "Resource": [
    "arn:aws:s3:::backup-bucket",
    "arn:aws:s3:::backup-bucket/*"
  ]
}`,
}

func scanSeed(t *testing.T, files map[string]string) []scan.Finding {
	t.Helper()
	dir := t.TempDir()
	for name, src := range files {
		path := filepath.Join(dir, name)
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, []byte(src), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	p := &scan.Project{Profile: scan.Profiles["baseline"]}
	if err := load.Paths(p, []string{dir}, load.Options{}); err != nil {
		t.Fatalf("the seed's snippet does not load: %v", err)
	}
	var out []scan.Finding
	for _, f := range scan.Run(p, All(), nil) {
		if !f.Unknown {
			out = append(out, f)
		}
	}
	return out
}

// decided lists "RULE@line" of the findings of the rules with a prefix.
func decided(fs []scan.Finding, prefix string) []string {
	var out []string
	for _, f := range fs {
		if strings.HasPrefix(f.RuleID, prefix) {
			out = append(out, f.RuleID+"@"+strconv.Itoa(f.Line))
		}
	}
	slices.Sort(out)
	return slices.Compact(out)
}

func TestSeed000SecurityGroupRules(t *testing.T) {
	fs := scanSeed(t, map[string]string{"main.tf": seed000SecurityGroup})
	got := decided(fs, "DBW-NET-")
	// The cidr_blocks of the public MySQL block (line 18) and of the public
	// SSH block (line 26); the application-only block passes.
	want := []string{"DBW-NET-001@18", "DBW-NET-002@26"}
	if !slices.Equal(got, want) {
		t.Errorf("network findings %v, want %v", got, want)
	}
}

func TestSeed000MyCnf(t *testing.T) {
	fs := scanSeed(t, map[string]string{"my.cnf": seed000MyCnf})
	got := decided(fs, "DBW-")
	// What §7 sets passes (name resolution, LOCAL INFILE, slow log, binlog
	// expiry, utf8mb4); what it leaves out is found: TLS required,
	// secure_file_priv and symbolic links.
	var rules []string
	for _, g := range got {
		rules = append(rules, g[:strings.IndexByte(g, '@')])
	}
	want := []string{"DBW-MYSQL-003", "DBW-MYSQL-006", "DBW-MYSQL-007"}
	if !slices.Equal(slices.Compact(rules), want) {
		t.Errorf("my.cnf findings %v, want %v", got, want)
	}
}

func TestSeed000GeneratedSecret(t *testing.T) {
	fs := scanSeed(t, map[string]string{"main.tf": seed000Secrets})
	for _, f := range fs {
		switch f.RuleID {
		case "DBW-SM-001", "DBW-CODE-001", "DBW-CODE-002", "DBW-CODE-003":
			t.Errorf("%s on the seed's generated password: %s", f.RuleID, f.Message)
		}
	}
	// Seed 000 rotates by hand; the catalog asks for automatic rotation.
	if !slices.ContainsFunc(fs, func(f scan.Finding) bool { return f.RuleID == "DBW-SM-002" }) {
		t.Error("the secret without rotation is not reported")
	}
}

func TestSeed000InstancePolicies(t *testing.T) {
	fs := scanSeed(t, seed000Policies)
	if got := decided(fs, "DBW-IAM-"); len(got) > 0 {
		t.Errorf("the seed's least-privilege statements are reported: %v", got)
	}
	// Every logs action instead of the three it needs, on every resource,
	// is not least privilege.
	broad := strings.Replace(seed000Policies["cloudwatch.json"], `"logs:CreateLogGroup",`, `"logs:*",`, 1)
	if got := decided(scanSeed(t, map[string]string{"broad.json": broad}), "DBW-IAM-"); !slices.Equal(got, []string{"DBW-IAM-001@1"}) {
		t.Errorf("logs:* on Resource \"*\": findings %v, want DBW-IAM-001", got)
	}
}
