package rules

import (
	"strings"

	"github.com/dbwarden/dbwarden/internal/scan"
)

// storageRules check S3 backup buckets and DynamoDB tables.
var storageRules = []*scan.Rule{
	s3Versioning, s3Encryption, s3PublicAccessBlock, s3MFADelete, s3CMK,
	ddbEncryption, ddbPITR,
}

// The resource types of the storage rules.
const (
	tfBucket           = "aws_s3_bucket"
	tfBucketVersioning = "aws_s3_bucket_versioning"
	tfBucketSSE        = "aws_s3_bucket_server_side_encryption_configuration"
	tfBucketPAB        = "aws_s3_bucket_public_access_block"
	tfAccountPAB       = "aws_s3_account_public_access_block"
	cfnBucket          = "AWS::S3::Bucket"
	tfTable            = "aws_dynamodb_table"
	cfnTable           = "AWS::DynamoDB::Table"
)

// bucketParts returns the separate Terraform resources of type typ that
// configure bucket b (by reference or by its known name), and whether some
// other one names its bucket by a value only known when applied.
func bucketParts(p *scan.Project, b *scan.Resource, typ string) ([]*scan.Resource, bool) {
	return linkedFrom(p, tfResources(p, typ), b, []string{"bucket"}, strOf(b.Attr("bucket")))
}

var s3Versioning = &scan.Rule{
	ID:       "DBW-S3-001",
	Title:    "S3 bucket without versioning",
	Severity: scan.Medium,
	Applies: map[scan.Lang][]string{
		scan.Terraform:      {tfBucket, tfBucketVersioning},
		scan.CloudFormation: {cfnBucket},
	},
	Seeds: []string{"000 §5", "000 Security Checklist"},
	Rationale: "Seed 000 §5 stores the MySQL backups in S3 and recommends bucket versioning, and its checklist asks " +
		"to enable it for the backup bucket. Without versioning an overwritten or deleted backup object is gone: a " +
		"retention script bug or a compromised role with s3:DeleteObject destroys every restore point.",
	Remediation: "Add an aws_s3_bucket_versioning whose bucket refers to the bucket, with versioning_configuration " +
		"{ status = \"Enabled\" } (VersioningConfiguration: {Status: Enabled}).",
	Example: map[scan.Lang]string{
		scan.Terraform: `resource "aws_s3_bucket_versioning" "backups" {
  bucket = aws_s3_bucket.backups.id
  versioning_configuration {
    status = "Enabled"
  }
}`,
		scan.CloudFormation: `BackupBucket:
  Type: AWS::S3::Bucket
  Properties:
    VersioningConfiguration:
      Status: Enabled`,
	},
	Trivy:   []string{"AVD-AWS-0090"},
	Checkov: []string{"CKV_AWS_21"},
	Check: func(p *scan.Project, out *scan.Out) {
		for _, b := range tfResources(p, tfBucket) {
			var v verdict
			if in := b.Attr("versioning"); in.Set() {
				enabled := in.Get("enabled")
				switch on, known := enabled.True(false); {
				case !known:
					v.unknown(enabled, "versioning.enabled is only known when applied")
				case on:
					v.pass = true
				default:
					v.fail(enabled, "versioning.enabled is false")
				}
			}
			parts, maybe := bucketParts(p, b, tfBucketVersioning)
			for _, vr := range parts {
				st := vr.Attr("versioning_configuration", "status")
				switch s, ok := st.String(); {
				case !ok:
					v.unknown(st, "versioning status in "+vr.Address+" is only known when applied")
				case s == "Enabled":
					v.pass = true
				default:
					v.fail(st, "versioning status in "+vr.Address+" is "+s+", not Enabled")
				}
			}
			if maybe {
				v.unknown(nil, "an aws_s3_bucket_versioning names its bucket by a value only known when applied")
			}
			v.report(out, b, "versioning is not enabled: no aws_s3_bucket_versioning refers to this bucket")
		}
		for _, b := range cfnResources(p, cfnBucket) {
			st := b.Attr("VersioningConfiguration", "Status")
			switch s, ok := st.String(); {
			case !st.Set():
				out.Fail(b, nil, "VersioningConfiguration is not set: versioning is off")
			case !ok:
				out.Unknown(b, st, "VersioningConfiguration.Status is only known when applied")
			case s != "Enabled":
				out.Fail(b, st, "VersioningConfiguration.Status is %s, not Enabled", s)
			}
		}
	},
}

// sseDefault is one default-encryption rule of a bucket.
type sseDefault struct {
	alg, key *scan.Value
	where    string
}

// bucketSSE returns a bucket's default-encryption rules, and whether a
// separate configuration might apply to it but names its bucket by a value
// only known when applied.
func bucketSSE(p *scan.Project, b *scan.Resource) ([]sseDefault, bool) {
	if b.Lang == scan.CloudFormation {
		var out []sseDefault
		for _, r := range b.Attr("BucketEncryption", "ServerSideEncryptionConfiguration").Items() {
			d := r.Get("ServerSideEncryptionByDefault")
			out = append(out, sseDefault{alg: d.Get("SSEAlgorithm"), key: d.Get("KMSMasterKeyID"), where: "BucketEncryption"})
		}
		return out, false
	}
	var out []sseDefault
	add := func(rules *scan.Value, where string) {
		for _, r := range rules.Items() {
			d := r.Get("apply_server_side_encryption_by_default")
			out = append(out, sseDefault{alg: d.Get("sse_algorithm"), key: d.Get("kms_master_key_id"), where: where})
		}
	}
	add(b.Attr("server_side_encryption_configuration", "rule"), "server_side_encryption_configuration")
	parts, maybe := bucketParts(p, b, tfBucketSSE)
	for _, r := range parts {
		add(r.Attr("rule"), r.Address)
	}
	return out, maybe
}

func s3Buckets(p *scan.Project) []*scan.Resource {
	return append(tfResources(p, tfBucket), cfnResources(p, cfnBucket)...)
}

var s3Encryption = &scan.Rule{
	ID:       "DBW-S3-002",
	Title:    "S3 bucket without default server-side encryption",
	Severity: scan.Medium,
	Applies: map[scan.Lang][]string{
		scan.Terraform:      {tfBucket, tfBucketSSE},
		scan.CloudFormation: {cfnBucket},
	},
	Seeds: []string{"000 §5", "003 Encryption at Rest"},
	Rationale: "Seed 000 §5 encrypts the MySQL backups with S3 server-side encryption, and seed 003 keeps all " +
		"backup data encrypted at rest. Declaring the default encryption keeps it in the code and under review, " +
		"rather than relying on account defaults that differ for buckets created before 2023 and cannot say which " +
		"key protects the dumps.",
	Remediation: "Add an aws_s3_bucket_server_side_encryption_configuration (BucketEncryption) with sse_algorithm " +
		"\"aws:kms\" and a customer-managed kms_master_key_id, or at least \"AES256\".",
	Example: map[scan.Lang]string{
		scan.Terraform: `resource "aws_s3_bucket_server_side_encryption_configuration" "backups" {
  bucket = aws_s3_bucket.backups.id
  rule {
    apply_server_side_encryption_by_default {
      sse_algorithm     = "aws:kms"
      kms_master_key_id = aws_kms_key.backups.arn
    }
    bucket_key_enabled = true
  }
}`,
		scan.CloudFormation: `BackupBucket:
  Type: AWS::S3::Bucket
  Properties:
    BucketEncryption:
      ServerSideEncryptionConfiguration:
        - ServerSideEncryptionByDefault:
            SSEAlgorithm: aws:kms
            KMSMasterKeyID: !GetAtt BackupKey.Arn
          BucketKeyEnabled: true`,
	},
	Trivy:   []string{"AVD-AWS-0088"},
	Checkov: []string{"CKV_AWS_19"},
	Check: func(p *scan.Project, out *scan.Out) {
		for _, b := range s3Buckets(p) {
			rules, maybe := bucketSSE(p, b)
			var v verdict
			for _, d := range rules {
				switch s, ok := d.alg.String(); {
				case !d.alg.Set():
					v.fail(d.alg, d.where+" sets no sse_algorithm")
				case !ok:
					v.unknown(d.alg, "the encryption algorithm in "+d.where+" is only known when applied")
				case s == "AES256" || strings.HasPrefix(s, "aws:kms"):
					v.pass = true
				default:
					v.fail(d.alg, "the encryption algorithm in "+d.where+" is "+s)
				}
			}
			if maybe {
				v.unknown(nil, "an encryption configuration names its bucket by a value only known when applied")
			}
			v.report(out, b, "no default server-side encryption is configured for this bucket")
		}
	},
}

var s3CMK = &scan.Rule{
	ID:       "DBW-S3-005",
	Title:    "S3 bucket not encrypted with a customer-managed KMS key",
	Severity: scan.Low,
	Applies: map[scan.Lang][]string{
		scan.Terraform:      {tfBucket, tfBucketSSE},
		scan.CloudFormation: {cfnBucket},
	},
	Seeds: []string{"003 Encryption at Rest", "003 Resource Policies", "002 §3"},
	Rationale: "Seed 003 limits key usage with KMS key policies and keeps backups encrypted; seed 002 §3 protects " +
		"backups and snapshots with a customer-managed key. With AES256 (SSE-S3) or the aws/s3 managed key anyone " +
		"with s3:GetObject reads the dumps; a customer-managed key adds kms:Decrypt as a second, audited permission " +
		"that can be revoked.",
	Remediation: "Set sse_algorithm = \"aws:kms\" (or \"aws:kms:dsse\") with kms_master_key_id (KMSMasterKeyID) " +
		"naming a customer-managed key.",
	Example: map[scan.Lang]string{
		scan.Terraform: `resource "aws_s3_bucket_server_side_encryption_configuration" "backups" {
  bucket = aws_s3_bucket.backups.id
  rule {
    apply_server_side_encryption_by_default {
      sse_algorithm     = "aws:kms"
      kms_master_key_id = aws_kms_key.backups.arn
    }
  }
}`,
		scan.CloudFormation: `BackupBucket:
  Type: AWS::S3::Bucket
  Properties:
    BucketEncryption:
      ServerSideEncryptionConfiguration:
        - ServerSideEncryptionByDefault:
            SSEAlgorithm: aws:kms
            KMSMasterKeyID: !GetAtt BackupKey.Arn`,
	},
	Trivy:   []string{"AVD-AWS-0132"},
	Checkov: []string{"CKV_AWS_145"},
	Check: func(p *scan.Project, out *scan.Out) {
		for _, b := range s3Buckets(p) {
			rules, maybe := bucketSSE(p, b)
			var v verdict
			for _, d := range rules {
				s, ok := d.alg.String()
				switch {
				case !d.alg.Known() || !ok && d.alg.Set():
					v.unknown(d.alg, "the encryption algorithm in "+d.where+" is only known when applied")
					continue
				case !strings.HasPrefix(s, "aws:kms"):
					v.fail(d.alg, "the encryption in "+d.where+" is "+s+", not a KMS key")
					continue
				}
				switch k := strOf(d.key); {
				case !d.key.Set():
					v.fail(d.alg, d.where+" uses aws:kms without kms_master_key_id: the AWS managed key aws/s3")
				case awsManagedKey(k):
					v.fail(d.key, d.where+" names the AWS managed key "+k)
				default:
					v.pass = true
				}
			}
			if maybe {
				v.unknown(nil, "an encryption configuration names its bucket by a value only known when applied")
			}
			v.report(out, b, "no KMS encryption is configured: objects are encrypted with S3-managed keys")
		}
	},
}

// The four settings of an S3 public access block, in Terraform and
// CloudFormation spelling.
var pabFlags = [][2]string{
	{"block_public_acls", "BlockPublicAcls"},
	{"block_public_policy", "BlockPublicPolicy"},
	{"ignore_public_acls", "IgnorePublicAcls"},
	{"restrict_public_buckets", "RestrictPublicBuckets"},
}

// pabState reads a public access block: all four true, or which are not,
// or unknown.
func pabState(block *scan.Value, lang scan.Lang) (ok, known bool, off []string, at *scan.Value) {
	i := 0
	if lang == scan.CloudFormation {
		i = 1
	}
	for _, f := range pabFlags {
		v := block.Get(f[i])
		b, k := v.True(false)
		if !k {
			return false, false, nil, v
		}
		if !b {
			off = append(off, f[i])
			if at == nil && v.Set() {
				at = v
			}
		}
	}
	return len(off) == 0, true, off, at
}

var s3PublicAccessBlock = &scan.Rule{
	ID:       "DBW-S3-003",
	Title:    "S3 bucket does not block all public access",
	Severity: scan.High,
	Applies: map[scan.Lang][]string{
		scan.Terraform:      {tfBucket, tfBucketPAB, tfAccountPAB},
		scan.CloudFormation: {cfnBucket},
	},
	Seeds: []string{"000 §2", "003 Resource Policies", "001 Common Security Mistakes"},
	Rationale: "Seed 000 §2 scopes backup access to the one instance role and bucket, seed 003 restricts bucket " +
		"policies to authorised principals, and seed 001 warns against opening resources to 0.0.0.0/0. A public " +
		"access block with all four settings on is what keeps a later ACL or bucket policy from publishing " +
		"database dumps to the internet.",
	Remediation: "Add an aws_s3_bucket_public_access_block for the bucket (or an aws_s3_account_public_access_block) " +
		"with block_public_acls, block_public_policy, ignore_public_acls and restrict_public_buckets all true " +
		"(PublicAccessBlockConfiguration in CloudFormation).",
	Example: map[scan.Lang]string{
		scan.Terraform: `resource "aws_s3_bucket_public_access_block" "backups" {
  bucket                  = aws_s3_bucket.backups.id
  block_public_acls       = true
  block_public_policy     = true
  ignore_public_acls      = true
  restrict_public_buckets = true
}`,
		scan.CloudFormation: `BackupBucket:
  Type: AWS::S3::Bucket
  Properties:
    PublicAccessBlockConfiguration:
      BlockPublicAcls: true
      BlockPublicPolicy: true
      IgnorePublicAcls: true
      RestrictPublicBuckets: true`,
	},
	Trivy:   []string{"AVD-AWS-0094", "AVD-AWS-0086", "AVD-AWS-0087", "AVD-AWS-0091", "AVD-AWS-0093"},
	Checkov: []string{"CKV2_AWS_6", "CKV_AWS_53", "CKV_AWS_54", "CKV_AWS_55", "CKV_AWS_56"},
	Check: func(p *scan.Project, out *scan.Out) {
		accountBlocked := false
		for _, a := range tfResources(p, tfAccountPAB) {
			if ok, known, _, _ := pabState(a.Attrs, scan.Terraform); ok && known {
				accountBlocked = true
			}
		}
		for _, b := range tfResources(p, tfBucket) {
			if accountBlocked {
				continue
			}
			var v verdict
			parts, maybe := bucketParts(p, b, tfBucketPAB)
			for _, pb := range parts {
				switch ok, known, off, at := pabState(pb.Attrs, scan.Terraform); {
				case !known:
					v.unknown(at, "a setting of "+pb.Address+" is only known when applied")
				case ok:
					v.pass = true
				default:
					v.fail(at, pb.Address+" leaves "+strings.Join(off, ", ")+" off")
				}
			}
			if maybe {
				v.unknown(nil, "a public access block names its bucket by a value only known when applied")
			}
			v.report(out, b, "no aws_s3_bucket_public_access_block refers to this bucket")
		}
		for _, b := range cfnResources(p, cfnBucket) {
			block := b.Attr("PublicAccessBlockConfiguration")
			if !block.Set() {
				out.Fail(b, nil, "PublicAccessBlockConfiguration is not set")
				continue
			}
			switch ok, known, off, at := pabState(block, scan.CloudFormation); {
			case !known:
				out.Unknown(b, at, "a PublicAccessBlockConfiguration setting is only known when applied")
			case !ok:
				if at == nil {
					at = block
				}
				out.Fail(b, at, "PublicAccessBlockConfiguration leaves %s off", strings.Join(off, ", "))
			}
		}
	},
}

var s3MFADelete = &scan.Rule{
	ID:       "DBW-S3-004",
	Title:    "S3 backup bucket does not require MFA to delete versions (PCI)",
	Severity: scan.Medium,
	Applies: map[scan.Lang][]string{
		scan.Terraform: {tfBucket, tfBucketVersioning},
	},
	Seeds: []string{"003 Compliance Configuration"},
	Rationale: "Seed 003 turns on mfa_delete for PCI DSS: deleting an object version or suspending versioning then " +
		"needs the root user's MFA code, so stolen credentials cannot wipe the backup history. The rule runs under " +
		"profiles that ask for it (pci). CloudFormation has no property for MFA delete (only the root user can " +
		"enable it, through the API), so templates are not checked; verify the live bucket with " +
		"get-bucket-versioning.",
	Remediation: "Set versioning_configuration { status = \"Enabled\", mfa_delete = \"Enabled\" } on the bucket's " +
		"aws_s3_bucket_versioning, applied by the root user with its MFA device (the mfa argument).",
	Example: map[scan.Lang]string{
		scan.Terraform: `resource "aws_s3_bucket_versioning" "backups" {
  bucket = aws_s3_bucket.backups.id
  mfa    = "${var.root_mfa_serial} ${var.root_mfa_code}"
  versioning_configuration {
    status     = "Enabled"
    mfa_delete = "Enabled"
  }
}`,
	},
	Check: func(p *scan.Project, out *scan.Out) {
		if !p.Profile.MFADelete {
			return
		}
		for _, b := range tfResources(p, tfBucket) {
			var v verdict
			if in := b.Attr("versioning"); in.Set() {
				m := in.Get("mfa_delete")
				switch on, known := m.True(false); {
				case !known:
					v.unknown(m, "versioning.mfa_delete is only known when applied")
				case on:
					v.pass = true
				default:
					v.fail(m, "versioning.mfa_delete is not enabled")
				}
			}
			parts, maybe := bucketParts(p, b, tfBucketVersioning)
			for _, vr := range parts {
				m := vr.Attr("versioning_configuration", "mfa_delete")
				switch s, ok := m.String(); {
				case !m.Set():
					v.fail(vr.Attr("versioning_configuration"), "mfa_delete is not set in "+vr.Address)
				case !ok:
					v.unknown(m, "mfa_delete in "+vr.Address+" is only known when applied")
				case s == "Enabled":
					v.pass = true
				default:
					v.fail(m, "mfa_delete in "+vr.Address+" is "+s)
				}
			}
			if maybe {
				v.unknown(nil, "an aws_s3_bucket_versioning names its bucket by a value only known when applied")
			}
			v.report(out, b, "MFA delete is not enabled: no aws_s3_bucket_versioning refers to this bucket")
		}
	},
}

var ddbEncryption = &scan.Rule{
	ID:       "DBW-DDB-001",
	Title:    "DynamoDB table not encrypted with a KMS key",
	Severity: scan.Medium,
	Applies: map[scan.Lang][]string{
		scan.Terraform:      {tfTable},
		scan.CloudFormation: {cfnTable},
	},
	Seeds: []string{"003 Encryption at Rest"},
	Rationale: "Seed 003 encrypts the state and audit tables with KMS keys (AWS managed keys at least). Without " +
		"server-side encryption through KMS a table is encrypted with a key owned by DynamoDB, whose use never " +
		"appears in CloudTrail and cannot be restricted by a key policy. The peers' checks ask for a " +
		"customer-managed key; this rule accepts the AWS managed key, as the seed does.",
	Remediation: "Set server_side_encryption { enabled = true } (SSESpecification: {SSEEnabled: true}), with " +
		"kms_key_arn (KMSMasterKeyId) for a customer-managed key.",
	Example: map[scan.Lang]string{
		scan.Terraform: `resource "aws_dynamodb_table" "audit" {
  server_side_encryption {
    enabled     = true
    kms_key_arn = aws_kms_key.audit.arn
  }
}`,
		scan.CloudFormation: `AuditTable:
  Type: AWS::DynamoDB::Table
  Properties:
    SSESpecification:
      SSEEnabled: true
      SSEType: KMS
      KMSMasterKeyId: !Ref AuditKey`,
	},
	Trivy:   []string{"AVD-AWS-0025"},
	Checkov: []string{"CKV_AWS_119"},
	Check: func(p *scan.Project, out *scan.Out) {
		for _, r := range tfResources(p, tfTable) {
			wantTrue(out, r, r.Attr("server_side_encryption", "enabled"), false, "server_side_encryption.enabled")
		}
		for _, r := range cfnResources(p, cfnTable) {
			wantTrue(out, r, r.Attr("SSESpecification", "SSEEnabled"), false, "SSESpecification.SSEEnabled")
		}
	},
}

var ddbPITR = &scan.Rule{
	ID:       "DBW-DDB-002",
	Title:    "DynamoDB table without point-in-time recovery",
	Severity: scan.Medium,
	Applies: map[scan.Lang][]string{
		scan.Terraform:      {tfTable},
		scan.CloudFormation: {cfnTable},
	},
	Seeds: []string{"003 Audit Events", "003 Encryption at Rest", "002 §6"},
	Rationale: "Seed 003 keeps the restore pipeline's state and an immutable audit trail in DynamoDB tables, and " +
		"seed 002 §6 holds Terraform state locks in DynamoDB. Point-in-time recovery is what undoes an accidental or " +
		"malicious overwrite or delete of those records, to any second of the last 35 days.",
	Remediation: "Set point_in_time_recovery { enabled = true } (PointInTimeRecoverySpecification: " +
		"{PointInTimeRecoveryEnabled: true}).",
	Example: map[scan.Lang]string{
		scan.Terraform: `resource "aws_dynamodb_table" "audit" {
  point_in_time_recovery {
    enabled = true
  }
}`,
		scan.CloudFormation: `AuditTable:
  Type: AWS::DynamoDB::Table
  Properties:
    PointInTimeRecoverySpecification:
      PointInTimeRecoveryEnabled: true`,
	},
	Trivy:   []string{"AVD-AWS-0024"},
	Checkov: []string{"CKV_AWS_28"},
	Check: func(p *scan.Project, out *scan.Out) {
		for _, r := range tfResources(p, tfTable) {
			wantTrue(out, r, r.Attr("point_in_time_recovery", "enabled"), false, "point_in_time_recovery.enabled")
		}
		for _, r := range cfnResources(p, cfnTable) {
			wantTrue(out, r, r.Attr("PointInTimeRecoverySpecification", "PointInTimeRecoveryEnabled"), false,
				"PointInTimeRecoverySpecification.PointInTimeRecoveryEnabled")
		}
	},
}
