package main

import "strings"

// Compliant Terraform building blocks. Each seeded module is made of these
// with one argument changed, so that it breaks one control and, as far as
// dbwarden's catalog goes, nothing else.

// fakePassword is what the plaintext-credential modules write. It is made
// up for the benchmark and opens nothing.
const fakePassword = "bench-Not-A-Real-Passw0rd-7f3a"

// versionsTF is the terraform block of every module: a remote, encrypted and
// locked state backend. backend replaces the backend's arguments.
func versionsTF(slug string, backend attrs) string {
	if backend == nil {
		backend = backendArgs(slug)
	}
	return `terraform {
  required_version = ">= 1.10"

  required_providers {
    aws = {
      source  = "hashicorp/aws"
      version = "~> 6.0"
    }
  }

  backend "s3" {
` + backend.body(2) + `  }
}

provider "aws" {
  region = "eu-west-1"
}
`
}

func backendArgs(slug string) attrs {
	return attrs{
		{"bucket", q("bench-terraform-state")},
		{"key", q(slug + "/terraform.tfstate")},
		{"region", q("eu-west-1")},
		{"encrypt", "true"},
		{"use_lockfile", "true"},
	}
}

// gitignore keeps state, tfvars and .terraform/ out of version control.
const gitignore = `.terraform/
*.tfstate
*.tfstate.*
*.tfvars
crash.log
`

// kmsKey is a customer-managed key with rotation on.
func kmsKey(name string) string {
	return resource("aws_kms_key", name, kmsArgs(name))
}

func kmsArgs(name string) attrs {
	return attrs{
		{"description", q("bench " + name)},
		{"enable_key_rotation", "true"},
		{"deletion_window_in_days", "30"},
	}
}

// variable declares an input without a default (its value is unknown to a
// scanner, as it would be until applied).
func variable(name string) string {
	return "variable " + q(name) + " {\n  type = string\n}\n"
}

func variables(names ...string) string {
	var b strings.Builder
	for i, n := range names {
		if i > 0 {
			b.WriteString("\n")
		}
		b.WriteString(variable(n))
	}
	return b.String()
}

// rdsArgs is a MySQL RDS instance that passes every RDS control.
var rdsArgs = attrs{
	{"identifier", q("bench-mysql")},
	{"engine", q("mysql")},
	{"engine_version", q("8.0.42")},
	{"instance_class", q("db.t3.medium")},
	{"allocated_storage", "50"},
	{"storage_type", q("gp3")},
	{"storage_encrypted", "true"},
	{"kms_key_id", "aws_kms_key.rds.arn"},
	{"username", q("admin")},
	{"manage_master_user_password", "true"},
	{"master_user_secret_kms_key_id", "aws_kms_key.rds.arn"},
	{"iam_database_authentication_enabled", "true"},
	{"db_subnet_group_name", "var.db_subnet_group"},
	{"vpc_security_group_ids", "[var.db_security_group_id]"},
	{"publicly_accessible", "false"},
	{"multi_az", "true"},
	{"backup_retention_period", "14"},
	{"copy_tags_to_snapshot", "true"},
	{"deletion_protection", "true"},
	{"skip_final_snapshot", "false"},
	{"final_snapshot_identifier", q("bench-mysql-final")},
	{"enabled_cloudwatch_logs_exports", `["audit", "error", "general", "slowquery"]`},
	{"performance_insights_enabled", "true"},
	{"performance_insights_kms_key_id", "aws_kms_key.rds.arn"},
	{"auto_minor_version_upgrade", "true"},
}

// alerts is an encrypted SNS topic for alarms.
func alerts() string {
	return kmsKey("alerts") + "\n" + resource("aws_sns_topic", "alerts", attrs{
		{"name", q("bench-alerts")},
		{"kms_master_key_id", "aws_kms_key.alerts.id"},
	})
}

// rdsAlarm is a CPU alarm on aws_db_instance.mysql that notifies alerts.
func rdsAlarm() string {
	return resource("aws_cloudwatch_metric_alarm", "rds_cpu", attrs{
		{"alarm_name", q("bench-mysql-cpu")},
		{"comparison_operator", q("GreaterThanThreshold")},
		{"evaluation_periods", "3"},
		{"metric_name", q("CPUUtilization")},
		{"namespace", q("AWS/RDS")},
		{"period", "300"},
		{"statistic", q("Average")},
		{"threshold", "80"},
		{"dimensions", "{ DBInstanceIdentifier = aws_db_instance.mysql.identifier }"},
		{"alarm_actions", "[aws_sns_topic.alerts.arn]"},
	})
}

// rdsModule is an RDS instance with its key, alarm and topic; over changes
// the instance's arguments.
func rdsModule(over ...string) string {
	return variables("db_subnet_group", "db_security_group_id") + "\n" +
		kmsKey("rds") + "\n" +
		resource("aws_db_instance", "mysql", rdsArgs.with(over...)) + "\n" +
		alerts() + "\n" + rdsAlarm()
}

// instanceArgs is an EC2 instance that passes every EC2 control.
var instanceArgs = attrs{
	{"ami", "var.ami_id"},
	{"instance_type", q("t3.medium")},
	{"subnet_id", "var.private_subnet_id"},
	{"vpc_security_group_ids", "[var.app_security_group_id]"},
	{"iam_instance_profile", "var.instance_profile"},
	{"associate_public_ip_address", "false"},
	{"disable_api_termination", "true"},
	{"monitoring", "true"},
	{"ebs_optimized", "true"},
	{"@metadata_options", `http_endpoint               = "enabled"
http_tokens                 = "required"
http_put_response_hop_limit = 1`},
	{"@root_block_device", `volume_type = "gp3"
encrypted   = true
kms_key_id  = aws_kms_key.ebs.arn`},
}

func instanceModule(over ...string) string {
	return variables("ami_id", "private_subnet_id", "app_security_group_id", "instance_profile") + "\n" +
		kmsKey("ebs") + "\n" +
		resource("aws_instance", "app", instanceArgs.with(over...))
}

// launchTemplateArgs is a launch template that passes every EC2 control.
var launchTemplateArgs = attrs{
	{"name_prefix", q("bench-app-")},
	{"image_id", "var.ami_id"},
	{"instance_type", q("t3.medium")},
	{"disable_api_termination", "true"},
	{"@metadata_options", `http_endpoint               = "enabled"
http_tokens                 = "required"
http_put_response_hop_limit = 1`},
	{"@block_device_mappings", `device_name = "/dev/xvda"
ebs {
  volume_size = 50
  volume_type = "gp3"
  encrypted   = true
  kms_key_id  = aws_kms_key.ebs.arn
}`},
}

func launchTemplateModule(over ...string) string {
	return variable("ami_id") + "\n" + kmsKey("ebs") + "\n" +
		resource("aws_launch_template", "app", launchTemplateArgs.with(over...))
}

// securityGroup is a group for the database that admits the application's
// group only.
func securityGroup(ingress string) string {
	a := attrs{
		{"name", q("bench-db")},
		{"description", q("MySQL clients")},
		{"vpc_id", "var.vpc_id"},
	}
	if ingress != "" {
		a = a.with("@ingress", ingress)
	}
	return variable("vpc_id") + "\n" + resource("aws_security_group", "db", a)
}

// secretModule is a Secrets Manager secret with a customer-managed key, a
// 30-day recovery window and rotation every 30 days. secret and rotation
// change the two resources; rotation "none" leaves the rotation out.
func secretModule(secret []string, rotation []string) string {
	s := attrs{
		{"name", q("prod/bench/mysql/app")},
		{"description", q("MySQL credentials of the application")},
		{"kms_key_id", "aws_kms_key.secrets.arn"},
		{"recovery_window_in_days", "30"},
	}.with(secret...)
	out := variable("rotation_lambda_arn") + "\n" + kmsKey("secrets") + "\n" + resource("aws_secretsmanager_secret", "db", s)
	if len(rotation) == 1 && rotation[0] == "none" {
		return out
	}
	r := attrs{
		{"secret_id", "aws_secretsmanager_secret.db.id"},
		{"rotation_lambda_arn", "var.rotation_lambda_arn"},
		{"@rotation_rules", "automatically_after_days = 30"},
	}.with(rotation...)
	return out + "\n" + resource("aws_secretsmanager_secret_rotation", "db", r)
}

// logGroupModule is an encrypted log group kept 731 days (every profile's
// minimum).
func logGroupModule(over ...string) string {
	return kmsKey("logs") + "\n" + resource("aws_cloudwatch_log_group", "mysql", attrs{
		{"name", q("/bench/mysql/error")},
		{"retention_in_days", "731"},
		{"kms_key_id", "aws_kms_key.logs.arn"},
	}.with(over...))
}

// assumeEC2 is a trust policy for EC2 instances.
const assumeEC2 = `jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Effect    = "Allow"
      Action    = "sts:AssumeRole"
      Principal = { Service = "ec2.amazonaws.com" }
    }]
  })`

// policyJSON is an identity policy with one statement.
func policyJSON(action, res string) string {
	return `jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Effect   = "Allow"
      Action   = ` + action + `
      Resource = ` + res + `
    }]
  })`
}

const secretARN = `"arn:aws:secretsmanager:eu-west-1:111122223333:secret:prod/bench/mysql/app-AbCdEf"`

// roleModule is a role for EC2 with an inline policy.
func roleModule(trust, action, res string) string {
	return resource("aws_iam_role", "app", attrs{
		{"name", q("bench-app")},
		{"assume_role_policy", trust},
	}) + "\n" + resource("aws_iam_role_policy", "app", attrs{
		{"name", q("read-db-secret")},
		{"role", "aws_iam_role.app.id"},
		{"policy", policyJSON(action, res)},
	})
}

// bucketModule is a versioned bucket, encrypted with a customer-managed
// key, with all public access blocked. drop names the companion resources
// to leave out ("versioning", "sse", "pab"); versioning changes the
// versioning_configuration block.
func bucketModule(versioning string, drop ...string) string {
	skip := map[string]bool{}
	for _, d := range drop {
		skip[d] = true
	}
	if versioning == "" {
		versioning = `status = "Enabled"`
	}
	out := kmsKey("backups") + "\n" + resource("aws_s3_bucket", "backups", attrs{{"bucket", q("bench-mysql-backups")}})
	if !skip["versioning"] {
		out += "\n" + resource("aws_s3_bucket_versioning", "backups", attrs{
			{"bucket", "aws_s3_bucket.backups.id"},
			{"@versioning_configuration", versioning},
		})
	}
	if !skip["sse"] {
		out += "\n" + resource("aws_s3_bucket_server_side_encryption_configuration", "backups", attrs{
			{"bucket", "aws_s3_bucket.backups.id"},
			{"@rule", `apply_server_side_encryption_by_default {
  sse_algorithm     = "aws:kms"
  kms_master_key_id = aws_kms_key.backups.arn
}
bucket_key_enabled = true`},
		})
	}
	if !skip["pab"] {
		out += "\n" + resource("aws_s3_bucket_public_access_block", "backups", attrs{
			{"bucket", "aws_s3_bucket.backups.id"},
			{"block_public_acls", "true"},
			{"block_public_policy", "true"},
			{"ignore_public_acls", "true"},
			{"restrict_public_buckets", "true"},
		})
	}
	return out
}

// dynamoModule is a table with point-in-time recovery, encrypted with a
// customer-managed key.
func dynamoModule(over ...string) string {
	return kmsKey("ddb") + "\n" + resource("aws_dynamodb_table", "operations", attrs{
		{"name", q("bench-operations")},
		{"billing_mode", q("PAY_PER_REQUEST")},
		{"hash_key", q("id")},
		{"@attribute", `name = "id"
type = "S"`},
		{"@point_in_time_recovery", "enabled = true"},
		{"@server_side_encryption", `enabled     = true
kms_key_arn = aws_kms_key.ddb.arn`},
	}.with(over...))
}
