resource "aws_secretsmanager_secret" "mysql_root" {
  name                    = "staging/app/mysql/mysql-root-password"
  recovery_window_in_days = 7
}

resource "aws_secretsmanager_secret" "mysql_user" {
  name = "staging/app/mysql/mysql-user-password"
}
