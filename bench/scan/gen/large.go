package main

import (
	"fmt"
	"strings"
)

// The large corpus: one shared local module and n root modules ("stacks")
// that call it, each with variables, locals, count, for_each and a dynamic
// block. Every stack has 13 resource blocks (5 of them in the module), 16
// resource instances. Some stacks break a control, chosen by their number,
// so that the scanners have findings to report.

const largeModuleVariables = `variable "name" {
  type = string
}

variable "environment" {
  type = string
}

variable "publicly_accessible" {
  type    = bool
  default = false
}

variable "backup_retention_days" {
  type    = number
  default = 14
}

variable "rotation_lambda_arn" {
  type = string
}

variable "subnet_group" {
  type = string
}

variable "security_group_ids" {
  type = list(string)
}
`

const largeModuleMain = `locals {
  identifier = "${var.name}-${var.environment}"
  log_types  = ["audit", "error", "general", "slowquery"]
}

resource "aws_kms_key" "this" {
  description             = "${local.identifier} database"
  enable_key_rotation     = true
  deletion_window_in_days = 30
}

resource "aws_db_instance" "this" {
  identifier                          = local.identifier
  engine                              = "mysql"
  engine_version                      = "8.0.42"
  instance_class                      = var.environment == "prod" ? "db.r6g.large" : "db.t3.medium"
  allocated_storage                   = 50
  storage_encrypted                   = true
  kms_key_id                          = aws_kms_key.this.arn
  username                            = "admin"
  manage_master_user_password         = true
  master_user_secret_kms_key_id       = aws_kms_key.this.arn
  iam_database_authentication_enabled = true
  db_subnet_group_name                = var.subnet_group
  vpc_security_group_ids              = var.security_group_ids
  publicly_accessible                 = var.publicly_accessible
  backup_retention_period             = var.backup_retention_days
  deletion_protection                 = true
  skip_final_snapshot                 = false
  final_snapshot_identifier           = "${local.identifier}-final"
  enabled_cloudwatch_logs_exports     = local.log_types
}

resource "aws_sns_topic" "alerts" {
  name              = "${local.identifier}-alerts"
  kms_master_key_id = aws_kms_key.this.id
}

resource "aws_cloudwatch_metric_alarm" "cpu" {
  alarm_name          = "${local.identifier}-cpu"
  comparison_operator = "GreaterThanThreshold"
  evaluation_periods  = 3
  metric_name         = "CPUUtilization"
  namespace           = "AWS/RDS"
  period              = 300
  statistic           = "Average"
  threshold           = 80
  dimensions          = { DBInstanceIdentifier = aws_db_instance.this.identifier }
  alarm_actions       = [aws_sns_topic.alerts.arn]
}

resource "aws_secretsmanager_secret" "app" {
  name                    = "${var.environment}/${var.name}/mysql/app"
  kms_key_id              = aws_kms_key.this.arn
  recovery_window_in_days = 30
}

output "secret_arn" {
  value = aws_secretsmanager_secret.app.arn
}

output "kms_key_arn" {
  value = aws_kms_key.this.arn
}
`

// largeStack returns the files of stack i.
func largeStack(i int) map[string]string {
	name := fmt.Sprintf("stack-%03d", i)
	env := []string{"dev", "staging", "prod"}[i%3]
	public := i%17 == 0
	backup := 14
	if i%11 == 0 {
		backup = 3
	}
	ports := []string{"3306"}
	if i%13 == 0 {
		ports = append(ports, "22")
	}
	retention := 731
	if i%7 == 0 {
		retention = 30
	}
	rotation := 30
	if i%9 == 0 {
		rotation = 90
	}
	cidr := "10.0.0.0/16"
	if i%19 == 0 {
		cidr = "0.0.0.0/0"
	}

	vars := fmt.Sprintf(`variable "name" {
  type    = string
  default = %q
}

variable "environment" {
  type    = string
  default = %q
}

variable "vpc_id" {
  type = string
}

variable "subnet_ids" {
  type = list(string)
}

variable "ami_id" {
  type = string
}

variable "instance_profile" {
  type = string
}

variable "rotation_lambda_arn" {
  type = string
}

variable "ingress_ports" {
  type    = list(number)
  default = [%s]
}

variable "client_cidr" {
  type    = string
  default = %q
}

variable "log_retention_days" {
  type    = number
  default = %d
}

variable "instance_count" {
  type    = number
  default = 2
}
`, name, env, strings.Join(ports, ", "), cidr, retention)

	main := fmt.Sprintf(`locals {
  prefix = "${var.name}-${var.environment}"
  tags = {
    Stack       = var.name
    Environment = var.environment
  }
  log_groups = toset(["setup", "error", "backup"])
}

module "db" {
  source = "../../modules/db"

  name                  = var.name
  environment           = var.environment
  publicly_accessible   = %t
  backup_retention_days = %d
  rotation_lambda_arn   = var.rotation_lambda_arn
  subnet_group          = "${local.prefix}-db"
  security_group_ids    = [aws_security_group.db.id]
}

resource "aws_secretsmanager_secret_rotation" "app" {
  secret_id           = module.db.secret_arn
  rotation_lambda_arn = var.rotation_lambda_arn

  rotation_rules {
    automatically_after_days = %d
  }
}

resource "aws_security_group" "db" {
  name        = "${local.prefix}-db"
  description = "MySQL clients of ${var.name}"
  vpc_id      = var.vpc_id
  tags        = local.tags

  dynamic "ingress" {
    for_each = var.ingress_ports
    content {
      description = "clients on ${ingress.value}"
      from_port   = ingress.value
      to_port     = ingress.value
      protocol    = "tcp"
      cidr_blocks = [var.client_cidr]
    }
  }
}

resource "aws_cloudwatch_log_group" "app" {
  for_each = local.log_groups

  name              = "/${var.environment}/${var.name}/${each.key}"
  retention_in_days = var.log_retention_days
  kms_key_id        = module.db.kms_key_arn
  tags              = local.tags
}

resource "aws_s3_bucket" "backups" {
  bucket = "${local.prefix}-backups"
  tags   = local.tags
}

resource "aws_s3_bucket_versioning" "backups" {
  bucket = aws_s3_bucket.backups.id

  versioning_configuration {
    status = "Enabled"
  }
}

resource "aws_instance" "app" {
  count = var.instance_count

  ami                         = var.ami_id
  instance_type               = "t3.medium"
  subnet_id                   = element(var.subnet_ids, count.index)
  iam_instance_profile        = var.instance_profile
  associate_public_ip_address = false
  disable_api_termination     = true
  monitoring                  = true
  tags                        = merge(local.tags, { Name = "${local.prefix}-app-${count.index}" })

  metadata_options {
    http_endpoint               = "enabled"
    http_tokens                 = %q
    http_put_response_hop_limit = 1
  }

  root_block_device {
    encrypted  = true
    kms_key_id = module.db.kms_key_arn
  }
}

resource "aws_iam_role" "app" {
  name = "${local.prefix}-app"
  assume_role_policy = jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Effect    = "Allow"
      Action    = "sts:AssumeRole"
      Principal = { Service = "ec2.amazonaws.com" }
    }]
  })
}

resource "aws_iam_role_policy" "app" {
  name = "read-db-secret"
  role = aws_iam_role.app.id
  policy = jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Effect   = "Allow"
      Action   = [%s]
      Resource = module.db.secret_arn
    }]
  })
}
`, public, backup, rotation, map[bool]string{true: "optional", false: "required"}[i%23 == 0],
		map[bool]string{true: `"secretsmanager:*"`, false: `"secretsmanager:GetSecretValue", "secretsmanager:DescribeSecret"`}[i%29 == 0])

	return map[string]string{
		"versions.tf":  versionsTF("large/"+name, nil),
		"variables.tf": vars,
		"main.tf":      main,
	}
}
