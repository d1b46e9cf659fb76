resource "aws_secretsmanager_secret" "mysql_root" {
  name                    = "staging/app/mysql/mysql-root-password"
  recovery_window_in_days = 0
}
