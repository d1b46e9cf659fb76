resource "aws_iam_role" "mysql" {
  name = "mysql-ec2"
  assume_role_policy = jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Effect    = "Allow"
      Action    = "sts:AssumeRole"
      Principal = { Service = "ec2.amazonaws.com" }
    }]
  })
}

resource "aws_iam_policy" "admin" {
  name = "mysql-admin"
  policy = jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Effect   = "Allow"
      Action   = "*"
      Resource = "*"
    }]
  })
}

data "aws_iam_policy_document" "secrets" {
  statement {
    actions   = ["secretsmanager:*"]
    resources = ["*"]
  }
}

resource "aws_iam_role_policy" "secrets" {
  name   = "secrets"
  role   = aws_iam_role.mysql.id
  policy = data.aws_iam_policy_document.secrets.json
}

resource "aws_iam_role_policy" "kms" {
  name   = "kms"
  role   = aws_iam_role.mysql.id
  policy = <<-EOT
    {
      "Version": "2012-10-17",
      "Statement": [
        {"Effect": "Allow", "Action": ["kms:*"], "Resource": ["*"]}
      ]
    }
  EOT
}
