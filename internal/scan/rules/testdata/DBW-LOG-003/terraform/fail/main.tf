resource "aws_cloudwatch_log_group" "mysql" {
  name = "/dbwarden/mysql/error"
}

resource "aws_cloudwatch_log_group" "zero" {
  name              = "/dbwarden/mysql/slow"
  retention_in_days = 0
}
