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
resource "aws_db_instance" "reports" {
  identifier                          = "app-reports"
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

resource "aws_instance" "mysql_host" {
  ami           = "ami-0123456789abcdef0"
  instance_type = "t3.medium"
  user_data     = "#!/bin/bash\ndocker run -d --name mysql-server mysql:8.0\n"
}

resource "aws_cloudwatch_metric_alarm" "reports_cpu" {
  alarm_name          = "reports-high-cpu"
  namespace           = "AWS/RDS"
  metric_name         = "CPUUtilization"
  dimensions          = { DBInstanceIdentifier = aws_db_instance.reports.identifier }
  comparison_operator = "GreaterThanThreshold"
  threshold           = 80
  evaluation_periods  = 2
  period              = 300
  statistic           = "Average"
}
