# The MySQL host: read its two secrets, write logs, metrics and backups,
# Session Manager. Nothing else.
data "aws_iam_policy_document" "ec2_assume" {
  statement {
    actions = ["sts:AssumeRole"]
    principals {
      type        = "Service"
      identifiers = ["ec2.amazonaws.com"]
    }
  }
}

resource "aws_iam_role" "mysql" {
  name               = "${local.name}-ec2"
  assume_role_policy = data.aws_iam_policy_document.ec2_assume.json
}

resource "aws_iam_instance_profile" "mysql" {
  name = "${local.name}-ec2"
  role = aws_iam_role.mysql.name
}

data "aws_iam_policy_document" "mysql_host" {
  statement {
    sid     = "ReadMySQLSecrets"
    actions = ["secretsmanager:GetSecretValue", "secretsmanager:DescribeSecret"]
    resources = [
      aws_secretsmanager_secret.mysql_root_password.arn,
      aws_secretsmanager_secret.mysql_user_password.arn,
    ]
  }

  statement {
    sid       = "DecryptSecrets"
    actions   = ["kms:Decrypt"]
    resources = [aws_kms_key.secrets.arn]
  }

  statement {
    sid       = "MetricsAndLogs"
    actions   = ["cloudwatch:PutMetricData", "logs:CreateLogStream", "logs:PutLogEvents"]
    resources = ["*"]
  }

  statement {
    sid       = "Backups"
    actions   = ["s3:PutObject", "s3:GetObject", "s3:ListBucket"]
    resources = [aws_s3_bucket.backups.arn, "${aws_s3_bucket.backups.arn}/*"]
  }

  statement {
    sid       = "BackupKey"
    actions   = ["kms:GenerateDataKey", "kms:Decrypt"]
    resources = [aws_kms_key.backups.arn]
  }
}

resource "aws_iam_role_policy" "mysql_host" {
  name   = "mysql-host"
  role   = aws_iam_role.mysql.id
  policy = data.aws_iam_policy_document.mysql_host.json
}

resource "aws_iam_role_policy_attachment" "ssm" {
  role       = aws_iam_role.mysql.name
  policy_arn = "arn:aws:iam::aws:policy/AmazonSSMManagedInstanceCore"
}

# The rotation function.
resource "aws_iam_role" "rotation" {
  name = "${local.name}-rotation"
  assume_role_policy = jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Effect    = "Allow"
      Action    = "sts:AssumeRole"
      Principal = { Service = "lambda.amazonaws.com" }
    }]
  })
}

resource "aws_iam_role_policy_attachment" "rotation_vpc" {
  role       = aws_iam_role.rotation.name
  policy_arn = "arn:aws:iam::aws:policy/service-role/AWSLambdaVPCAccessExecutionRole"
}

resource "aws_iam_role_policy" "rotation" {
  name = "rotate-mysql-secrets"
  role = aws_iam_role.rotation.id
  policy = jsonencode({
    Version = "2012-10-17"
    Statement = [
      {
        Sid    = "RotateMySQLSecrets"
        Effect = "Allow"
        Action = [
          "secretsmanager:DescribeSecret",
          "secretsmanager:GetSecretValue",
          "secretsmanager:PutSecretValue",
          "secretsmanager:UpdateSecretVersionStage",
        ]
        Resource = [
          aws_secretsmanager_secret.mysql_root_password.arn,
          aws_secretsmanager_secret.mysql_user_password.arn,
        ]
      },
      {
        Sid      = "GeneratePasswords"
        Effect   = "Allow"
        Action   = "secretsmanager:GetRandomPassword"
        Resource = "*"
      },
      {
        Sid      = "SecretsKey"
        Effect   = "Allow"
        Action   = ["kms:Decrypt", "kms:GenerateDataKey"]
        Resource = aws_kms_key.secrets.arn
      },
    ]
  })
}

# People get access through a group, never as user policies.
resource "aws_iam_group" "dba" {
  name = "${local.name}-dba"
}

resource "aws_iam_group_policy" "dba_sessions" {
  name  = "session-manager"
  group = aws_iam_group.dba.name
  policy = jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Effect   = "Allow"
      Action   = ["ssm:StartSession", "ssm:TerminateSession", "ssm:ResumeSession"]
      Resource = [aws_instance.mysql.arn, "arn:aws:ssm:*:*:document/AWS-StartInteractiveCommand"]
      Condition = {
        Bool = { "aws:MultiFactorAuthPresent" = "true" }
      }
    }]
  })
}
