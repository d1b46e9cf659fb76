resource "aws_secretsmanager_secret" "mysql_root" {
  name = "staging/app/mysql/mysql-root-password"
}

resource "aws_secretsmanager_secret" "mysql_user" {
  name       = "staging/app/mysql/mysql-user-password"
  kms_key_id = "alias/aws/secretsmanager"
}
