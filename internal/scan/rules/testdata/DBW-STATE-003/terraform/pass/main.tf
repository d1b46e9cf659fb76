resource "aws_sns_topic" "alerts" {
  name              = "mysql-alerts"
  kms_master_key_id = "alias/aws/sns"
}
