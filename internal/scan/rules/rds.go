package rules

import (
	"strings"

	"github.com/dbwarden/dbwarden/internal/scan"
)

// rdsRules check RDS and Aurora.
var rdsRules = []*scan.Rule{
	rdsEncrypted, rdsCMK, rdsPublic, rdsIAMAuth, rdsBackupRetention,
	rdsDeletionProtection, rdsManagedPassword, rdsSnapshotCopyKey, rdsLogExports,
}

// The resource types of the RDS rules.
const (
	tfDBInstance        = "aws_db_instance"
	tfRDSCluster        = "aws_rds_cluster"
	tfRDSClusterMember  = "aws_rds_cluster_instance"
	cfnDBInstance       = "AWS::RDS::DBInstance"
	cfnDBCluster        = "AWS::RDS::DBCluster"
	tfDBSnapshotCopy    = "aws_db_snapshot_copy"
	tfDBClusterSnapCopy = "aws_db_cluster_snapshot_copy"
	tfDBBackupReplica   = "aws_db_instance_automated_backups_replication"
)

// rdsDB is one database resource the RDS rules look at, with the attribute
// names of its language.
type rdsDB struct {
	r *scan.Resource
	// inherits is set for read replicas and restores, which take
	// encryption, key, backups and credentials from their source.
	inherits bool
	// replica is set for read replicas (not restores).
	replica bool
}

// rdsDatabases returns the stand-alone RDS instances and the clusters of
// both languages. CloudFormation instances that belong to an Aurora cluster
// are left out: storage, backups, deletion protection, IAM authentication
// and credentials are the cluster's.
func rdsDatabases(p *scan.Project) []rdsDB {
	var out []rdsDB
	for _, r := range tfResources(p, tfDBInstance) {
		replica := written(r.Attr("replicate_source_db"))
		out = append(out, rdsDB{r: r, replica: replica,
			inherits: replica || written(r.Attr("snapshot_identifier")) || written(r.Attr("restore_to_point_in_time"))})
	}
	for _, r := range tfResources(p, tfRDSCluster) {
		replica := written(r.Attr("replication_source_identifier"))
		out = append(out, rdsDB{r: r, replica: replica,
			inherits: replica || written(r.Attr("snapshot_identifier")) || written(r.Attr("restore_to_point_in_time")) ||
				(written(r.Attr("global_cluster_identifier")) && !written(r.Attr("master_username")))})
	}
	for _, r := range cfnResources(p, cfnDBInstance) {
		if cfnInCluster(r) {
			continue
		}
		replica := written(r.Attr("SourceDBInstanceIdentifier")) || written(r.Attr("SourceDBClusterIdentifier"))
		out = append(out, rdsDB{r: r, replica: replica,
			inherits: replica || written(r.Attr("DBSnapshotIdentifier")) || written(r.Attr("SourceDbiResourceId")) ||
				written(r.Attr("SourceDBInstanceAutomatedBackupsArn"))})
	}
	for _, r := range cfnResources(p, cfnDBCluster) {
		replica := written(r.Attr("ReplicationSourceIdentifier"))
		out = append(out, rdsDB{r: r, replica: replica,
			inherits: replica || written(r.Attr("SnapshotIdentifier")) || written(r.Attr("SourceDBClusterIdentifier")) ||
				(written(r.Attr("GlobalClusterIdentifier")) && !written(r.Attr("MasterUsername")))})
	}
	return out
}

// cfnInCluster reports whether a CloudFormation DB instance is a member of
// an Aurora (or Multi-AZ) DB cluster.
func cfnInCluster(r *scan.Resource) bool {
	return written(r.Attr("DBClusterIdentifier")) || strings.HasPrefix(lowerStr(r.Attr("Engine")), "aurora")
}

// attr returns the attribute named tf in Terraform and cfn in CloudFormation.
func (d rdsDB) attr(tf, cfn string) (*scan.Value, string) {
	if d.r.Lang == scan.CloudFormation {
		return d.r.Attr(cfn), cfn
	}
	return d.r.Attr(tf), tf
}

// encrypted reads whether the database's storage is encrypted: (true, true)
// when it is, (false, true) when it is not, known=false when it is only
// known when applied or inherited from a source.
func (d rdsDB) encrypted() (enc, known bool) {
	v, _ := d.attr("storage_encrypted", "StorageEncrypted")
	mode := lowerStr(firstWritten(d.r.Attr("engine_mode"), d.r.Attr("EngineMode")))
	if mode == "serverless" {
		return true, true // Aurora Serverless v1 is always encrypted
	}
	b, ok := v.True(false)
	if !ok {
		return false, false
	}
	if !b && !v.Set() && d.inherits {
		k, _ := d.attr("kms_key_id", "KmsKeyId")
		if written(k) {
			return true, true // a key given to a copy encrypts it
		}
		return false, false
	}
	return b, true
}

var rdsEncrypted = &scan.Rule{
	ID:       "DBW-RDS-001",
	Title:    "RDS storage not encrypted at rest",
	Severity: scan.High,
	Applies: map[scan.Lang][]string{
		scan.Terraform:      {tfDBInstance, tfRDSCluster},
		scan.CloudFormation: {cfnDBInstance, cfnDBCluster},
	},
	Seeds: []string{"002 §3", "003 Encryption at Rest", "004 Encryption"},
	Rationale: "Seed 002 §3 encrypts the RDS MySQL instance and its snapshots at rest with KMS; seed 003 keeps Aurora " +
		"clusters, snapshots and restores encrypted; seed 004 enables storage encryption. An unencrypted instance writes " +
		"data files, logs, automated backups and snapshots in plain text, and can only be encrypted later by copying a " +
		"snapshot and restoring it.",
	Remediation: "Set storage_encrypted = true (StorageEncrypted: true) together with kms_key_id; for an existing " +
		"database copy a snapshot with a KMS key and restore it.",
	Example: map[scan.Lang]string{
		scan.Terraform: `resource "aws_db_instance" "mysql" {
  engine            = "mysql"
  storage_encrypted = true
  kms_key_id        = aws_kms_key.rds.arn
}`,
		scan.CloudFormation: `Database:
  Type: AWS::RDS::DBInstance
  Properties:
    Engine: mysql
    StorageEncrypted: true
    KmsKeyId: !GetAtt RdsKey.Arn`,
	},
	Trivy:   []string{"AVD-AWS-0080", "AVD-AWS-0079"},
	Checkov: []string{"CKV_AWS_16", "CKV_AWS_96"},
	Check: func(p *scan.Project, out *scan.Out) {
		for _, d := range rdsDatabases(p) {
			v, name := d.attr("storage_encrypted", "StorageEncrypted")
			enc, known := d.encrypted()
			switch {
			case !known && d.inherits && !v.Set():
				out.Unknown(d.r, v, "%s is not set: encryption is inherited from the source snapshot or database", name)
			case !known:
				out.Unknown(d.r, v, "%s is only known when applied", name)
			case !enc && !v.Set():
				out.Fail(d.r, v, "%s is not set (defaults to false): the storage is not encrypted", name)
			case !enc:
				out.Fail(d.r, v, "%s is false: the storage is not encrypted", name)
			}
		}
	},
}

var rdsCMK = &scan.Rule{
	ID:       "DBW-RDS-002",
	Title:    "RDS storage not encrypted with a customer-managed KMS key",
	Severity: scan.Medium,
	Applies: map[scan.Lang][]string{
		scan.Terraform:      {tfDBInstance, tfRDSCluster},
		scan.CloudFormation: {cfnDBInstance, cfnDBCluster},
	},
	Seeds: []string{"002 §3", "003 Encryption at Rest", "003 Resource Policies"},
	Rationale: "Seed 002 §3 pairs aws_db_instance.main with aws_kms_key.rds_encryption_key (kms_key_id), and seed 003 " +
		"copies and restores snapshots with a destination KMS key whose key policy limits who may use it. Without " +
		"kms_key_id RDS uses the AWS managed key aws/rds: its policy cannot be restricted, it cannot be shared with " +
		"another account, so encrypted snapshots cannot be copied cross-account for restores.",
	Remediation: "Create an aws_kms_key (AWS::KMS::Key) with rotation and a scoped key policy and set kms_key_id " +
		"(KmsKeyId) to its ARN.",
	Example: map[scan.Lang]string{
		scan.Terraform: `resource "aws_kms_key" "rds" {
  enable_key_rotation = true
}

resource "aws_db_instance" "mysql" {
  storage_encrypted = true
  kms_key_id        = aws_kms_key.rds.arn
}`,
		scan.CloudFormation: `Database:
  Type: AWS::RDS::DBInstance
  Properties:
    StorageEncrypted: true
    KmsKeyId: !GetAtt RdsKey.Arn`,
	},
	Checkov: []string{"CKV_AWS_327"},
	Check: func(p *scan.Project, out *scan.Out) {
		for _, d := range rdsDatabases(p) {
			if enc, known := d.encrypted(); known && !enc {
				continue // unencrypted: DBW-RDS-001 reports it
			}
			v, name := d.attr("kms_key_id", "KmsKeyId")
			if !v.Set() && d.inherits {
				out.Unknown(d.r, v, "%s is not set: the key is inherited from the source snapshot or database", name)
				continue
			}
			wantCMK(out, d.r, v, name)
		}
	},
}

var rdsPublic = &scan.Rule{
	ID:       "DBW-RDS-003",
	Title:    "RDS database publicly accessible",
	Severity: scan.High,
	Applies: map[scan.Lang][]string{
		scan.Terraform:      {tfDBInstance, tfRDSClusterMember},
		scan.CloudFormation: {cfnDBInstance},
	},
	Seeds: []string{"000 §6", "001 §5", "002 §2", "003 Network Security", "004 Important Considerations"},
	Rationale: "The seeds keep the database in private subnets, reachable only from the application's security " +
		"group: seed 002 §2 allows no open RDS access from the internet, seed 003 deploys clusters in private subnets " +
		"with no direct internet access, and seed 004 states the database is not publicly accessible. A publicly " +
		"accessible instance gets a public DNS name and address, one security group rule away from the internet.",
	Remediation: "Set publicly_accessible = false (PubliclyAccessible: false) and place the database in a DB subnet " +
		"group of private subnets. In CloudFormation set it explicitly: left out, RDS makes the instance public when " +
		"its VPC has an internet gateway (always so for the default VPC).",
	Example: map[scan.Lang]string{
		scan.Terraform: `resource "aws_db_instance" "mysql" {
  publicly_accessible  = false
  db_subnet_group_name = aws_db_subnet_group.private.name
}`,
		scan.CloudFormation: `Database:
  Type: AWS::RDS::DBInstance
  Properties:
    PubliclyAccessible: false
    DBSubnetGroupName: !Ref PrivateSubnetGroup`,
	},
	Trivy:   []string{"AVD-AWS-0180", "AVD-AWS-0082"},
	Checkov: []string{"CKV_AWS_17"},
	Check: func(p *scan.Project, out *scan.Out) {
		for _, r := range tfResources(p, tfDBInstance, tfRDSClusterMember) {
			wantFalse(out, r, r.Attr("publicly_accessible"), false, "publicly_accessible")
		}
		for _, r := range cfnResources(p, cfnDBInstance) {
			v := r.Attr("PubliclyAccessible")
			switch {
			case v.Set():
				wantFalse(out, r, v, false, "PubliclyAccessible")
			case !written(r.Attr("DBSubnetGroupName")):
				out.Fail(r, v, "PubliclyAccessible is not set and there is no DBSubnetGroupName: the instance goes into the default VPC, whose internet gateway makes it public")
			default:
				out.Unknown(r, v, "PubliclyAccessible is not set: RDS makes the instance public if the subnet group's VPC has an internet gateway; set it to false")
			}
		}
	},
}

// iamAuthEngine reports whether an engine supports IAM database
// authentication; an unknown engine is assumed to.
func iamAuthEngine(engine string) bool {
	for _, e := range []string{"sqlserver", "oracle", "db2", "custom-"} {
		if strings.HasPrefix(engine, e) {
			return false
		}
	}
	return true
}

var rdsIAMAuth = &scan.Rule{
	ID:       "DBW-RDS-004",
	Title:    "RDS IAM database authentication not enabled",
	Severity: scan.Medium,
	Applies: map[scan.Lang][]string{
		scan.Terraform:      {tfDBInstance, tfRDSCluster},
		scan.CloudFormation: {cfnDBInstance, cfnDBCluster},
	},
	Seeds: []string{"004 Database Configuration", "004 Access Control", "001 §2"},
	Rationale: "Seed 004 enables IAM database authentication on the MySQL instance so that people and functions log " +
		"in with short-lived IAM tokens under IAM policies and CloudTrail, rather than with long-lived passwords; seeds " +
		"000 and 001 prefer IAM-based access with no long-lived credentials.",
	Remediation: "Set iam_database_authentication_enabled = true (EnableIAMDatabaseAuthentication: true) and grant " +
		"rds-db:connect to the roles that need it.",
	Example: map[scan.Lang]string{
		scan.Terraform: `resource "aws_db_instance" "mysql" {
  iam_database_authentication_enabled = true
}`,
		scan.CloudFormation: `Database:
  Type: AWS::RDS::DBInstance
  Properties:
    EnableIAMDatabaseAuthentication: true`,
	},
	Trivy:   []string{"AVD-AWS-0176"},
	Checkov: []string{"CKV_AWS_161", "CKV_AWS_162"},
	Check: func(p *scan.Project, out *scan.Out) {
		for _, d := range rdsDatabases(p) {
			if !iamAuthEngine(lowerStr(firstWritten(d.r.Attr("engine"), d.r.Attr("Engine")))) {
				continue
			}
			v, name := d.attr("iam_database_authentication_enabled", "EnableIAMDatabaseAuthentication")
			wantTrue(out, d.r, v, false, name)
		}
	},
}

var rdsBackupRetention = &scan.Rule{
	ID:       "DBW-RDS-005",
	Title:    "RDS automated backups not kept long enough",
	Severity: scan.Medium,
	Applies: map[scan.Lang][]string{
		scan.Terraform:      {tfDBInstance, tfRDSCluster},
		scan.CloudFormation: {cfnDBInstance, cfnDBCluster},
	},
	Seeds: []string{"000 §5", "002 §3", "003 Recovery"},
	Rationale: "Seed 000 §5 keeps seven days of backups for point-in-time recovery, and seed 003 restores from " +
		"snapshots by date. RDS keeps automated backups for backup_retention_period days; when it is not set the RDS " +
		"API and CloudFormation use 1 day (the console's 7 does not apply to code), and 0 turns backups off. The " +
		"minimum comes from the compliance profile (7 days by default).",
	Remediation: "Set backup_retention_period (BackupRetentionPeriod) to at least the profile's minimum, 7 days " +
		"by default, up to 35.",
	Example: map[scan.Lang]string{
		scan.Terraform: `resource "aws_db_instance" "mysql" {
  backup_retention_period = 14
  backup_window           = "02:00-03:00"
}`,
		scan.CloudFormation: `Database:
  Type: AWS::RDS::DBInstance
  Properties:
    BackupRetentionPeriod: 14`,
	},
	Trivy:   []string{"AVD-AWS-0077"},
	Checkov: []string{"CKV_AWS_133"},
	Check: func(p *scan.Project, out *scan.Out) {
		minDays := float64(profileInt(p.Profile.MinBackupRetentionDays, 7))
		for _, d := range rdsDatabases(p) {
			if d.replica {
				continue // a read replica's source keeps the backups
			}
			v, name := d.attr("backup_retention_period", "BackupRetentionPeriod")
			if !v.Set() && d.inherits {
				out.Unknown(d.r, v, "%s is not set: a restore inherits the retention of its source", name)
				continue
			}
			atLeast(out, d.r, v, 1, minDays, name)
		}
	},
}

var rdsDeletionProtection = &scan.Rule{
	ID:       "DBW-RDS-006",
	Title:    "RDS deletion protection not enabled",
	Severity: scan.Medium,
	Applies: map[scan.Lang][]string{
		scan.Terraform:      {tfDBInstance, tfRDSCluster},
		scan.CloudFormation: {cfnDBInstance, cfnDBCluster},
	},
	Seeds: []string{"001 §6", "000 §1", "003 Recovery"},
	Rationale: "Seed 001 §6 protects the MySQL host against accidental terraform destroy, console termination and " +
		"script errors, and seed 000 gives deleted secrets a recovery window for the same reason. For RDS the same " +
		"protection is deletion_protection: without it one apply or API call drops the database and, unless a final " +
		"snapshot is taken, its automated backups.",
	Remediation: "Set deletion_protection = true (DeletionProtection: true).",
	Example: map[scan.Lang]string{
		scan.Terraform: `resource "aws_db_instance" "mysql" {
  deletion_protection = true
}`,
		scan.CloudFormation: `Database:
  Type: AWS::RDS::DBInstance
  DeletionPolicy: Snapshot
  Properties:
    DeletionProtection: true`,
	},
	Trivy:   []string{"AVD-AWS-0177", "AVD-AWS-0343"},
	Checkov: []string{"CKV_AWS_293", "CKV_AWS_139"},
	Check: func(p *scan.Project, out *scan.Out) {
		for _, d := range rdsDatabases(p) {
			v, name := d.attr("deletion_protection", "DeletionProtection")
			wantTrue(out, d.r, v, false, name)
		}
	},
}

var rdsManagedPassword = &scan.Rule{
	ID:       "DBW-RDS-007",
	Title:    "RDS master password not managed by Secrets Manager",
	Severity: scan.High,
	Applies: map[scan.Lang][]string{
		scan.Terraform:      {tfDBInstance, tfRDSCluster},
		scan.CloudFormation: {cfnDBInstance, cfnDBCluster},
	},
	Seeds: []string{"004 Database Configuration", "004 Secrets Rotation", "002 §5", "000 §1"},
	Rationale: "Seed 004 has the master user managed by AWS Secrets Manager (ManageMasterUserPassword), which " +
		"generates, stores and rotates it; seed 002 §5 fetches the database password at run time from SSM Parameter " +
		"Store or Secrets Manager instead of tfvars; seed 000 keeps every MySQL password in Secrets Manager. A master " +
		"password given as a plain value, a non-sensitive variable or a random_password result is kept in the " +
		"Terraform state or the stack, and nobody rotates it. (A password written literally in code is also " +
		"reported by the plaintext-credential rules.)",
	Remediation: "Set manage_master_user_password = true (ManageMasterUserPassword: true) and drop the password; " +
		"or read it from Secrets Manager: a data source or ephemeral resource in Terraform, " +
		"'{{resolve:secretsmanager:...}}' in CloudFormation.",
	Example: map[scan.Lang]string{
		scan.Terraform: `resource "aws_db_instance" "mysql" {
  username                      = "admin"
  manage_master_user_password   = true
  master_user_secret_kms_key_id = aws_kms_key.secrets.arn
}`,
		scan.CloudFormation: `Database:
  Type: AWS::RDS::DBInstance
  Properties:
    MasterUsername: admin
    ManageMasterUserPassword: true
    MasterUserSecret:
      KmsKeyId: !Ref SecretsKey`,
	},
	Check: func(p *scan.Project, out *scan.Out) {
		for _, d := range rdsDatabases(p) {
			if d.inherits {
				continue // credentials come from the source
			}
			managed, mname := d.attr("manage_master_user_password", "ManageMasterUserPassword")
			b, known := managed.True(false)
			if !known {
				out.Unknown(d.r, managed, "%s is only known when applied", mname)
				continue
			}
			if b {
				continue
			}
			var pw *scan.Value
			var pname string
			switch {
			case d.r.Lang == scan.CloudFormation:
				pw, pname = d.r.Attr("MasterUserPassword"), "MasterUserPassword"
			case d.r.Type == tfRDSCluster:
				pw, pname = firstWritten(d.r.Attr("master_password"), d.r.Attr("master_password_wo")), "master_password"
			default:
				pw, pname = firstWritten(d.r.Attr("password"), d.r.Attr("password_wo")), "password"
			}
			if !pw.Set() {
				out.Fail(d.r, managed, "%s is not set and no %s is given: the master password is not managed by Secrets Manager", mname, pname)
				continue
			}
			ok, decided, why := passwordSource(p, pw)
			switch {
			case ok:
			case !decided:
				out.Unknown(d.r, pw, "%s is only known when applied: cannot tell whether it comes from Secrets Manager", pname)
			default:
				out.Fail(d.r, pw, "the master password is not managed: %s %s; set %s", pname, why, mname)
			}
		}
	},
}

var rdsSnapshotCopyKey = &scan.Rule{
	ID:       "DBW-RDS-008",
	Title:    "RDS snapshot copy or replicated backup without a target KMS key",
	Severity: scan.High,
	Applies: map[scan.Lang][]string{
		scan.Terraform: {tfDBSnapshotCopy, tfDBClusterSnapCopy, tfDBBackupReplica},
	},
	Seeds: []string{"003 Encryption at Rest", "002 §3"},
	Rationale: "Seed 003 copies Aurora snapshots with a destination KMS key specific to the target account and " +
		"region, and restores keep that key; seed 002 §3 keeps snapshots encrypted with the CMK. A copy or a " +
		"cross-region backup replication without kms_key_id either fails for an encrypted source in another region " +
		"or account, or stays under a key the target does not control.",
	Remediation: "Set kms_key_id on aws_db_snapshot_copy, aws_db_cluster_snapshot_copy and " +
		"aws_db_instance_automated_backups_replication to a customer-managed key in the target region.",
	Example: map[scan.Lang]string{
		scan.Terraform: `resource "aws_db_cluster_snapshot_copy" "restore" {
  source_db_cluster_snapshot_identifier = var.source_snapshot_arn
  target_db_cluster_snapshot_identifier = "restore-copy"
  kms_key_id                            = aws_kms_key.target.arn
}`,
	},
	Check: func(p *scan.Project, out *scan.Out) {
		for _, r := range tfResources(p, tfDBSnapshotCopy, tfDBClusterSnapCopy, tfDBBackupReplica) {
			wantCMK(out, r, r.Attr("kms_key_id"), "kms_key_id")
		}
	},
}

var rdsLogExports = &scan.Rule{
	ID:       "DBW-RDS-009",
	Title:    "RDS does not export its logs to CloudWatch Logs",
	Severity: scan.Low,
	Applies: map[scan.Lang][]string{
		scan.Terraform:      {tfDBInstance, tfRDSCluster},
		scan.CloudFormation: {cfnDBInstance, cfnDBCluster},
	},
	Seeds: []string{"000 §4", "003 Logging and Monitoring"},
	Rationale: "Seed 000 §4 ships the MySQL error log to CloudWatch Logs for central, searchable logging and " +
		"debugging without SSH; seed 003 keeps logs in CloudWatch with retention aligned to compliance. On RDS the " +
		"database logs reach CloudWatch only through enabled_cloudwatch_logs_exports; for MySQL, MariaDB and Aurora " +
		"MySQL the error log is the one that must be there.",
	Remediation: "Set enabled_cloudwatch_logs_exports (EnableCloudwatchLogsExports) to include \"error\" (add " +
		"\"slowquery\" and \"audit\" as needed); for PostgreSQL, \"postgresql\".",
	Example: map[scan.Lang]string{
		scan.Terraform: `resource "aws_db_instance" "mysql" {
  enabled_cloudwatch_logs_exports = ["error", "slowquery", "audit"]
}`,
		scan.CloudFormation: `Database:
  Type: AWS::RDS::DBInstance
  Properties:
    EnableCloudwatchLogsExports: [error, slowquery, audit]`,
	},
	Checkov: []string{"CKV_AWS_129"},
	Check: func(p *scan.Project, out *scan.Out) {
		for _, d := range rdsDatabases(p) {
			v, name := d.attr("enabled_cloudwatch_logs_exports", "EnableCloudwatchLogsExports")
			if !v.Known() {
				out.Unknown(d.r, v, "%s is only known when applied", name)
				continue
			}
			items := v.Items()
			if len(items) == 0 {
				out.Fail(d.r, v, "%s is not set: no database log reaches CloudWatch Logs", name)
				continue
			}
			engine := lowerStr(firstWritten(d.r.Attr("engine"), d.r.Attr("Engine")))
			want := ""
			switch {
			case mysqlFamily(engine):
				want = "error"
			case strings.Contains(engine, "postgres"):
				want = "postgresql"
			}
			if want == "" {
				continue
			}
			found := false
			for _, e := range items {
				if s, _ := e.String(); s == want {
					found = true
				}
			}
			if !found {
				out.Fail(d.r, v, "%s does not include %q", name, want)
			}
		}
	},
}
