resource "aws_kms_key" "target" {
  description         = "restored snapshots"
  enable_key_rotation = true
}

resource "aws_db_cluster_snapshot_copy" "restore" {
  source_db_cluster_snapshot_identifier = "arn:aws:rds:eu-west-1:123456789012:cluster-snapshot:nightly"
  target_db_cluster_snapshot_identifier = "restore-copy"
  kms_key_id                            = aws_kms_key.target.arn
}

resource "aws_db_snapshot_copy" "copy" {
  source_db_snapshot_identifier = "arn:aws:rds:eu-west-1:123456789012:snapshot:nightly"
  target_db_snapshot_identifier = "nightly-copy"
  kms_key_id                    = aws_kms_key.target.arn
}

resource "aws_db_instance_automated_backups_replication" "dr" {
  source_db_instance_arn = "arn:aws:rds:eu-west-1:123456789012:db:app-mysql"
  kms_key_id             = aws_kms_key.target.arn
}
