resource "aws_kms_key" "rds" {
  description         = "RDS storage"
  enable_key_rotation = true
}

variable "db_password" {
  type      = string
  sensitive = true
}

data "aws_secretsmanager_secret_version" "master" {
  secret_id = "prod/app/mysql/master"
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
resource "aws_db_instance" "fromvar" {
  identifier                          = "app-fromvar"
  engine                              = "mysql"
  instance_class                      = "db.t3.micro"
  allocated_storage                   = 20
  username                            = "admin"
  storage_encrypted                   = true
  kms_key_id                          = aws_kms_key.rds.arn
  publicly_accessible                 = false
  iam_database_authentication_enabled = true
  backup_retention_period             = 14
  deletion_protection                 = true
  enabled_cloudwatch_logs_exports     = ["error", "slowquery"]
  password                            = var.db_password
}
resource "aws_rds_cluster" "aurora" {
  cluster_identifier                  = "app-aurora"
  engine                              = "aurora-mysql"
  master_username                     = "admin"
  storage_encrypted                   = true
  kms_key_id                          = aws_kms_key.rds.arn
  iam_database_authentication_enabled = true
  backup_retention_period             = 14
  deletion_protection                 = true
  enabled_cloudwatch_logs_exports     = ["audit", "error"]
  master_password                     = data.aws_secretsmanager_secret_version.master.secret_string
}
