resource "aws_cloudwatch_log_group" "mysql" {
  for_each = toset(["setup", "error", "backup"])

  name              = "/ec2/${local.name}/${each.key}"
  retention_in_days = 731
  kms_key_id        = aws_kms_key.logs.arn
}

resource "aws_cloudwatch_log_group" "rds" {
  for_each = toset(["audit", "error", "general", "slowquery"])

  name              = "/aws/rds/instance/${local.name}-rds/${each.key}"
  retention_in_days = 731
  kms_key_id        = aws_kms_key.logs.arn
}

resource "aws_cloudwatch_log_group" "rotation" {
  name              = "/aws/lambda/${local.name}-rotation"
  retention_in_days = 731
  kms_key_id        = aws_kms_key.logs.arn
}

resource "aws_sns_topic" "alerts" {
  name              = "${local.name}-alerts"
  kms_master_key_id = aws_kms_key.logs.id
}

resource "aws_sns_topic_subscription" "oncall" {
  topic_arn = aws_sns_topic.alerts.arn
  protocol  = "email"
  endpoint  = var.alarm_email
}

resource "aws_cloudwatch_metric_alarm" "mysql_high_memory" {
  alarm_name          = "${local.name}-high-memory"
  alarm_description   = "MySQL instance memory usage above 80%"
  comparison_operator = "GreaterThanThreshold"
  evaluation_periods  = 2
  metric_name         = "MemoryUsed"
  namespace           = "EC2/MySQL"
  period              = 300
  statistic           = "Average"
  threshold           = 80
  dimensions          = { InstanceId = aws_instance.mysql.id }
  alarm_actions       = [aws_sns_topic.alerts.arn]
  ok_actions          = [aws_sns_topic.alerts.arn]
}

resource "aws_cloudwatch_metric_alarm" "mysql_high_disk" {
  alarm_name          = "${local.name}-high-disk"
  alarm_description   = "MySQL data volume above 85%"
  comparison_operator = "GreaterThanThreshold"
  evaluation_periods  = 2
  metric_name         = "DiskUsed"
  namespace           = "EC2/MySQL"
  period              = 300
  statistic           = "Average"
  threshold           = 85
  dimensions          = { InstanceId = aws_instance.mysql.id }
  alarm_actions       = [aws_sns_topic.alerts.arn]
}

resource "aws_cloudwatch_metric_alarm" "rds_cpu" {
  alarm_name          = "${local.name}-rds-cpu"
  comparison_operator = "GreaterThanThreshold"
  evaluation_periods  = 3
  metric_name         = "CPUUtilization"
  namespace           = "AWS/RDS"
  period              = 300
  statistic           = "Average"
  threshold           = 80
  dimensions          = { DBInstanceIdentifier = aws_db_instance.mysql.identifier }
  alarm_actions       = [aws_sns_topic.alerts.arn]
}

resource "aws_cloudwatch_metric_alarm" "rds_free_storage" {
  alarm_name          = "${local.name}-rds-free-storage"
  comparison_operator = "LessThanThreshold"
  evaluation_periods  = 1
  metric_name         = "FreeStorageSpace"
  namespace           = "AWS/RDS"
  period              = 300
  statistic           = "Minimum"
  threshold           = 10737418240
  dimensions          = { DBInstanceIdentifier = aws_db_instance.mysql.identifier }
  alarm_actions       = [aws_sns_topic.alerts.arn]
}
