resource "aws_kms_key" "rds" {
  description = "RDS storage"
}

resource "aws_kms_key" "backups" {
  description         = "backups"
  enable_key_rotation = false
}
