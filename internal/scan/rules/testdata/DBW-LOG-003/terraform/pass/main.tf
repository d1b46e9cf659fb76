resource "aws_cloudwatch_log_group" "mysql" {
  name              = "/dbwarden/mysql/error"
  retention_in_days = 14
}
