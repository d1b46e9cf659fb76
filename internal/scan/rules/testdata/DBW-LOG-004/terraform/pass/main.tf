resource "aws_kms_key" "rds" {
  description         = "RDS storage"
  enable_key_rotation = true
}
resource "aws_db_instance" "mysql" {
  identifier                          = "app-mysql"
  engine                              = "mysql"
  instance_class                      = "db.t3.micro"
  allocated_storage                   = 20
  username                            = "admin"
  manage_master_user_password         = true
  storage_encrypted                   = true
  kms_key_id                          = aws_kms_key.rds.arn
  publicly_accessible                 = false
  iam_database_authentication_enabled = true
  backup_retention_period             = 14
  deletion_protection                 = true
  enabled_cloudwatch_logs_exports     = ["error", "slowquery"]
}

resource "aws_sns_topic" "alerts" {
  name              = "dbwarden-alerts"
  kms_master_key_id = aws_kms_key.rds.id
}

resource "aws_instance" "mysql_host" {
  ami           = "ami-0123456789abcdef0"
  instance_type = "t3.medium"
  tags          = { Name = "mysql-server" }
}

resource "aws_instance" "web" {
  ami           = "ami-0123456789abcdef0"
  instance_type = "t3.small"
}

resource "aws_cloudwatch_metric_alarm" "mysql_cpu" {
  alarm_name          = "mysql-high-cpu"
  namespace           = "AWS/RDS"
  metric_name         = "CPUUtilization"
  dimensions          = { DBInstanceIdentifier = aws_db_instance.mysql.identifier }
  comparison_operator = "GreaterThanThreshold"
  threshold           = 80
  evaluation_periods  = 2
  period              = 300
  statistic           = "Average"
  alarm_actions       = [aws_sns_topic.alerts.arn]
}

resource "aws_cloudwatch_metric_alarm" "host_memory" {
  alarm_name          = "mysql-high-memory"
  namespace           = "EC2/MySQL"
  metric_name         = "MemoryUsed"
  dimensions          = { InstanceId = aws_instance.mysql_host.id }
  comparison_operator = "GreaterThanThreshold"
  threshold           = 80
  evaluation_periods  = 2
  period              = 300
  statistic           = "Average"
  alarm_actions       = [aws_sns_topic.alerts.arn]
}
