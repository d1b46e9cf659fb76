terraform {
  backend "s3" {
    bucket         = "state"
    key            = "db/terraform.tfstate"
    encrypt        = true
    dynamodb_table = "locks"
  }
}

variable "master_password" {
  type      = string
  sensitive = true
}

resource "aws_kms_key" "db" {
  enable_key_rotation = true
}

resource "aws_s3_bucket" "b" {
  bucket = "backups-bucket"
}

resource "aws_db_instance" "main" {
  kms_key_id = aws_kms_key.db.arn
  password   = var.master_password
  tags = {
    Bucket = aws_s3_bucket.b.bucket
    Key    = aws_kms_key.db.id
  }
}

locals {
  key_arn = aws_kms_key.db.arn
}

resource "aws_secretsmanager_secret" "s" {
  kms_key_id = local.key_arn
}

resource "aws_secretsmanager_secret_rotation" "r" {
  secret_id = aws_secretsmanager_secret.s.id
  rotation_rules {
    automatically_after_days = 30
  }
}

data "aws_iam_policy_document" "read" {
  statement {
    sid       = "Read"
    actions   = ["s3:GetObject"]
    resources = ["arn:aws:s3:::backups-bucket/*"]
    principals {
      type        = "AWS"
      identifiers = ["arn:aws:iam::123456789012:root"]
    }
    condition {
      test     = "Bool"
      variable = "aws:SecureTransport"
      values   = ["true"]
    }
  }
  statement {
    effect    = "Deny"
    actions   = ["s3:*", "kms:Decrypt"]
    resources = ["*"]
  }
}

data "aws_iam_policy_document" "computed" {
  statement {
    actions   = ["s3:GetObject"]
    resources = ["${aws_s3_bucket.b.arn}/*"]
  }
}

resource "aws_iam_policy" "p" {
  policy = data.aws_iam_policy_document.read.json
}

resource "aws_iam_policy" "q" {
  policy = data.aws_iam_policy_document.computed.json
}

resource "aws_iam_policy" "enc" {
  policy = jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Effect   = "Allow"
      Action   = "*"
      Resource = "*"
    }]
  })
}

resource "aws_iam_policy" "heredoc" {
  policy = <<-EOT
    {
      "Version": "2012-10-17",
      "Statement": [{"Effect": "Allow", "Action": "s3:*", "Resource": "*"}]
    }
  EOT
}

output "db_password" {
  value = aws_db_instance.main.password
}

output "endpoint" {
  value     = aws_db_instance.main.endpoint
  sensitive = true
}
