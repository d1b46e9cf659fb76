package rules

import (
	"fmt"

	"github.com/dbwarden/dbwarden/internal/scan"
)

// secretRules check Secrets Manager secrets.
var secretRules = []*scan.Rule{smRecoveryWindow, smRotation, smCMK}

// The resource types of the Secrets Manager rules.
const (
	tfSecret          = "aws_secretsmanager_secret"
	tfSecretRotation  = "aws_secretsmanager_secret_rotation"
	cfnSecret         = "AWS::SecretsManager::Secret"
	cfnRotationSched  = "AWS::SecretsManager::RotationSchedule"
	secretMinRecovery = 7
)

var smRecoveryWindow = &scan.Rule{
	ID:       "DBW-SM-001",
	Title:    "Secrets Manager secret recovery window shorter than 7 days",
	Severity: scan.Medium,
	Applies:  map[scan.Lang][]string{scan.Terraform: {tfSecret}},
	Seeds:    []string{"000 §1"},
	Rationale: "Seed 000 §1 sets recovery_window_in_days = 7 on every MySQL password secret: a deleted secret stays " +
		"restorable for seven days, so a mistaken terraform destroy or delete does not lock every client out of the " +
		"database. recovery_window_in_days = 0 deletes the secret at once, with no way back. (CloudFormation has no " +
		"such property; its secrets are deleted with the default 30-day window.)",
	Remediation: "Set recovery_window_in_days between 7 and 30, or leave it out (30 days).",
	Example: map[scan.Lang]string{
		scan.Terraform: `resource "aws_secretsmanager_secret" "mysql_root" {
  name                    = "prod/app/mysql/mysql-root-password"
  recovery_window_in_days = 7
}`,
	},
	Check: func(p *scan.Project, out *scan.Out) {
		for _, r := range tfResources(p, tfSecret) {
			v := r.Attr("recovery_window_in_days")
			if !v.Known() {
				out.Unknown(r, v, "recovery_window_in_days is only known when applied")
				continue
			}
			if !v.Set() {
				continue // 30 days
			}
			n, ok := v.Number()
			switch {
			case !ok:
				out.Unknown(r, v, "recovery_window_in_days is not a number")
			case n == 0:
				out.Fail(r, v, "recovery_window_in_days is 0: a deleted secret is gone at once, without a recovery window")
			case n < secretMinRecovery:
				out.Fail(r, v, "recovery_window_in_days is %g; want at least %d", n, secretMinRecovery)
			}
		}
	},
}

// rotationInterval reads the rotation rules of a rotation resource: the
// longest days between rotations, or known=false with a reason.
func rotationInterval(rules *scan.Value, daysKey, schedKey string) (days float64, at *scan.Value, known bool, why string) {
	if !rules.Set() {
		return 0, rules, true, "has no rotation rules"
	}
	if d := rules.Get(daysKey); d.Set() {
		if !d.Known() {
			return 0, d, false, daysKey + " is only known when applied"
		}
		n, ok := d.Number()
		if !ok {
			return 0, d, false, daysKey + " is not a number"
		}
		return n, d, true, ""
	}
	s := rules.Get(schedKey)
	if !s.Set() {
		return 0, rules, true, fmt.Sprintf("sets neither %s nor %s", daysKey, schedKey)
	}
	expr, ok := s.String()
	if !ok {
		return 0, s, false, schedKey + " is only known when applied"
	}
	n, err := scheduleDays(expr)
	if err != nil {
		return 0, s, false, err.Error()
	}
	return n, s, true, ""
}

var smRotation = &scan.Rule{
	ID:       "DBW-SM-002",
	Title:    "Secrets Manager secret not rotated automatically, or not often enough",
	Severity: scan.Medium,
	Applies: map[scan.Lang][]string{
		scan.Terraform:      {tfSecret, tfSecretRotation},
		scan.CloudFormation: {cfnSecret, cfnRotationSched},
	},
	Seeds: []string{"000 §8", "003 Secrets Rotation", "004 Secrets Rotation"},
	Rationale: "Seed 004 rotates every database user secret on a schedule (every 4 days) with a rotation function; " +
		"seed 000 §8 moves from manual rotation to aws_secretsmanager_secret_rotation with automatically_after_days = " +
		"30; seed 003 configures automatic rotation for admin credentials. A secret with no rotation resource, or one " +
		"rotated less often than the profile's maximum interval (30 days by default), keeps a leaked password valid " +
		"for as long as nobody notices. For cron() schedules the longest gap between two runs counts (a monthly " +
		"schedule can wait 31 days).",
	Remediation: "Add an aws_secretsmanager_secret_rotation (AWS::SecretsManager::RotationSchedule) whose secret_id " +
		"refers to the secret, with automatically_after_days or a schedule_expression within the profile's maximum.",
	Example: map[scan.Lang]string{
		scan.Terraform: `resource "aws_secretsmanager_secret_rotation" "mysql_user" {
  secret_id           = aws_secretsmanager_secret.mysql_user.id
  rotation_lambda_arn = aws_lambda_function.rotation.arn

  rotation_rules {
    automatically_after_days = 30
  }
}`,
		scan.CloudFormation: `UserSecretRotation:
  Type: AWS::SecretsManager::RotationSchedule
  Properties:
    SecretId: !Ref UserSecret
    HostedRotationLambda:
      RotationType: MySQLSingleUser
    RotationRules:
      ScheduleExpression: rate(4 days)`,
	},
	Checkov: []string{"CKV2_AWS_57", "CKV_AWS_304"},
	Check: func(p *scan.Project, out *scan.Out) {
		maxDays := float64(profileInt(p.Profile.MaxRotationDays, 30))
		check := func(secret *scan.Resource, rots []*scan.Resource, maybe bool, inline *scan.Value, pathWord, rulesKey, daysKey, schedKey string) {
			if len(rots) == 0 && !inline.Set() {
				if maybe {
					out.Unknown(secret, nil, "a rotation's %s is only known when applied: cannot tell whether it rotates this secret", pathWord)
					return
				}
				out.Fail(secret, nil, "no rotation refers to this secret: it is never rotated automatically")
				return
			}
			var rules []*scan.Value
			for _, rot := range rots {
				rules = append(rules, rot.Attr(rulesKey))
			}
			if inline.Set() {
				rules = append(rules, inline)
			}
			var v verdict
			for _, rr := range rules {
				days, at, known, why := rotationInterval(rr, daysKey, schedKey)
				switch {
				case !known:
					v.unknown(at, "rotation schedule cannot be read: "+why)
				case why != "":
					v.fail(at, "rotation "+why)
				case days > maxDays:
					v.fail(at, fmt.Sprintf("rotation runs every %g days at the longest; want at most %g", days, maxDays))
				default:
					v.pass = true // one rotation within the limit is enough
				}
			}
			if maybe {
				v.unknown(nil, "another rotation's "+pathWord+" is only known when applied and may rotate this secret")
			}
			v.report(out, secret, "no rotation rules")
		}
		tfRots := tfResources(p, tfSecretRotation)
		for _, s := range tfResources(p, tfSecret) {
			rots, maybe := linkedFrom(p, tfRots, s, []string{"secret_id"}, strOf(s.Attr("name")))
			check(s, rots, maybe, s.Attr("rotation_rules"), "secret_id", "rotation_rules", "automatically_after_days", "schedule_expression")
		}
		cfnRots := cfnResources(p, cfnRotationSched)
		for _, s := range cfnResources(p, cfnSecret) {
			rots, maybe := linkedFrom(p, cfnRots, s, []string{"SecretId"}, strOf(s.Attr("Name")))
			check(s, rots, maybe, nil, "SecretId", "RotationRules", "AutomaticallyAfterDays", "ScheduleExpression")
		}
	},
}

var smCMK = &scan.Rule{
	ID:       "DBW-SM-003",
	Title:    "Secrets Manager secret not encrypted with a customer-managed KMS key",
	Severity: scan.Low,
	Applies: map[scan.Lang][]string{
		scan.Terraform:      {tfSecret},
		scan.CloudFormation: {cfnSecret},
	},
	Seeds: []string{"004 Secrets Management", "000 §3", "003 Resource Policies"},
	Rationale: "Seed 004 encrypts the database user secrets with KMS and seed 003 limits key usage with key policies " +
		"to the roles that need it. Without kms_key_id a secret is encrypted with the AWS managed key " +
		"aws/secretsmanager, which every principal of the account with secretsmanager:GetSecretValue can use and " +
		"whose policy cannot be narrowed; a customer-managed key adds a second, separately audited permission.",
	Remediation: "Set kms_key_id (KmsKeyId) to a customer-managed key with rotation and a scoped key policy.",
	Example: map[scan.Lang]string{
		scan.Terraform: `resource "aws_secretsmanager_secret" "mysql_user" {
  name       = "prod/app/mysql/mysql-user-password"
  kms_key_id = aws_kms_key.secrets.arn
}`,
		scan.CloudFormation: `UserSecret:
  Type: AWS::SecretsManager::Secret
  Properties:
    KmsKeyId: !Ref SecretsKey
    GenerateSecretString:
      SecretStringTemplate: '{"username": "app"}'
      GenerateStringKey: password`,
	},
	Trivy:   []string{"AVD-AWS-0098"},
	Checkov: []string{"CKV_AWS_149"},
	Check: func(p *scan.Project, out *scan.Out) {
		for _, r := range tfResources(p, tfSecret) {
			wantCMK(out, r, r.Attr("kms_key_id"), "kms_key_id")
		}
		for _, r := range cfnResources(p, cfnSecret) {
			wantCMK(out, r, r.Attr("KmsKeyId"), "KmsKeyId")
		}
	},
}
