resource "aws_iam_user" "deployer" {
  name = "deployer"
}

resource "aws_iam_user_policy_attachment" "deployer" {
  user       = aws_iam_user.deployer.name
  policy_arn = "arn:aws:iam::aws:policy/SecretsManagerReadWrite"
}

resource "aws_iam_policy" "read_secrets" {
  name = "read-mysql-secrets"
  policy = jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Effect   = "Allow"
      Action   = "secretsmanager:GetSecretValue"
      Resource = "arn:aws:secretsmanager:eu-west-1:123456789012:secret:prod/app/mysql/*"
    }]
  })
}

resource "aws_iam_policy_attachment" "read_secrets" {
  name       = "read-secrets"
  users      = [aws_iam_user.deployer.name]
  policy_arn = aws_iam_policy.read_secrets.arn
}
