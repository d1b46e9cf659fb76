resource "aws_kms_key" "rds" {
  description         = "RDS storage"
  enable_key_rotation = true
}

resource "random_password" "master" {
  length  = 32
  special = true
}

variable "db_password" {
  type    = string
  default = "placeholder-not-a-real-password"
}
resource "aws_db_instance" "mysql" {
  identifier                          = "app-mysql"
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
  master_password                     = random_password.master.result
}
