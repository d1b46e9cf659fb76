resource "aws_s3_bucket" "backups" {
  bucket = "dbwarden-mysql-backups"
}

resource "aws_s3_bucket_versioning" "backups" {
  bucket = aws_s3_bucket.backups.id
  versioning_configuration {
    status = "Enabled"
  }
}

resource "aws_s3_bucket" "legacy" {
  bucket = "dbwarden-mysql-backups-legacy"
  versioning {
    enabled = true
  }
}
