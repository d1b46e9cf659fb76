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
  deletion_protection                 = false
  enabled_cloudwatch_logs_exports     = ["error", "slowquery"]
}
resource "aws_rds_cluster" "aurora" {
  cluster_identifier                  = "app-aurora"
  engine                              = "aurora-mysql"
  master_username                     = "admin"
  manage_master_user_password         = true
  storage_encrypted                   = true
  kms_key_id                          = aws_kms_key.rds.arn
  iam_database_authentication_enabled = true
  backup_retention_period             = 14
  enabled_cloudwatch_logs_exports     = ["audit", "error"]
}
