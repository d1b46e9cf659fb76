resource "aws_kms_key" "secrets" {
  description         = "MySQL secrets"
  enable_key_rotation = true
}

resource "aws_secretsmanager_secret" "mysql_root" {
  name       = "staging/app/mysql/mysql-root-password"
  kms_key_id = aws_kms_key.secrets.arn
}
