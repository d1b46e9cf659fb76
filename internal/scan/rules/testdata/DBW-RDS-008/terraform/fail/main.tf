resource "aws_db_cluster_snapshot_copy" "restore" {
  source_db_cluster_snapshot_identifier = "arn:aws:rds:eu-west-1:123456789012:cluster-snapshot:nightly"
  target_db_cluster_snapshot_identifier = "restore-copy"
}

resource "aws_db_instance_automated_backups_replication" "dr" {
  source_db_instance_arn = "arn:aws:rds:eu-west-1:123456789012:db:app-mysql"
  kms_key_id             = "alias/aws/rds"
}
