package rules

import "github.com/dbwarden/dbwarden/internal/scan"

// kmsRules check KMS keys. Key policies are checked with the other policy
// documents.
var kmsRules = []*scan.Rule{kmsRotation}

var kmsRotation = &scan.Rule{
	ID:       "DBW-KMS-001",
	Title:    "KMS key rotation not enabled",
	Severity: scan.Medium,
	Applies: map[scan.Lang][]string{
		scan.Terraform:      {"aws_kms_key"},
		scan.CloudFormation: {"AWS::KMS::Key"},
	},
	Seeds: []string{"003 Compliance Configuration", "000 §3", "001 §1"},
	Rationale: "Seed 003's compliance settings turn on key rotation for every regime, and seeds 000 and 001 count on " +
		"keys that are rotated automatically. A customer-managed key rotates its key material only with " +
		"enable_key_rotation; without it the same material protects the database, secrets and backups for the key's " +
		"whole life. Asymmetric and HMAC keys, and keys in custom or external key stores or with imported material, " +
		"cannot rotate automatically and are not checked.",
	Remediation: "Set enable_key_rotation = true (EnableKeyRotation: true) on symmetric encryption keys.",
	Example: map[scan.Lang]string{
		scan.Terraform: `resource "aws_kms_key" "rds" {
  description         = "RDS storage"
  enable_key_rotation = true
}`,
		scan.CloudFormation: `RdsKey:
  Type: AWS::KMS::Key
  Properties:
    EnableKeyRotation: true
    KeyPolicy: {...}`,
	},
	Trivy:   []string{"AVD-AWS-0065"},
	Checkov: []string{"CKV_AWS_7"},
	Check: func(p *scan.Project, out *scan.Out) {
		// rotatable reports whether a key can rotate automatically: a
		// symmetric encryption key with AWS-generated material in KMS.
		rotatable := func(r *scan.Resource, spec, usage, store *scan.Value, what string) bool {
			for _, v := range []*scan.Value{spec, usage, store} {
				if !v.Known() {
					out.Unknown(r, v, "%s is only known when applied: cannot tell whether the key can rotate", what)
					return false
				}
			}
			if s := strOf(spec); s != "" && s != "SYMMETRIC_DEFAULT" {
				return false
			}
			if u := strOf(usage); u != "" && u != "ENCRYPT_DECRYPT" {
				return false
			}
			return !written(store)
		}
		for _, r := range tfResources(p, "aws_kms_key") {
			store := firstWritten(r.Attr("custom_key_store_id"), r.Attr("xks_key_id"))
			if rotatable(r, r.Attr("customer_master_key_spec"), r.Attr("key_usage"), store, "the key spec") {
				wantTrue(out, r, r.Attr("enable_key_rotation"), false, "enable_key_rotation")
			}
		}
		for _, r := range cfnResources(p, "AWS::KMS::Key") {
			origin := r.Attr("Origin")
			if s := strOf(origin); s == "AWS_KMS" {
				origin = nil
			}
			if rotatable(r, r.Attr("KeySpec"), r.Attr("KeyUsage"), origin, "the key spec") {
				wantTrue(out, r, r.Attr("EnableKeyRotation"), false, "EnableKeyRotation")
			}
		}
	},
}
