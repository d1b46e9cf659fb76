resource "aws_cloudwatch_log_group" "mysql" {
  name              = "/dbwarden/mysql/error"
  retention_in_days = 7
  kms_key_id        = aws_kms_key.logs.arn
}

resource "aws_kms_key" "logs" {
  enable_key_rotation = true
}
