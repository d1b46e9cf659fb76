resource "aws_s3_bucket" "backups" {
  bucket = "dbwarden-mysql-backups"
}

variable "root_mfa" {
  type      = string
  sensitive = true
}

resource "aws_s3_bucket_versioning" "backups" {
  bucket = aws_s3_bucket.backups.id
  mfa    = var.root_mfa
  versioning_configuration {
    status     = "Enabled"
    mfa_delete = "Enabled"
  }
}
