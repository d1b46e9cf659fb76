resource "aws_sns_topic" "alerts" {
  name              = "dbwarden-alerts"
  kms_master_key_id = "alias/aws/sns"
}

resource "aws_kms_key" "alerts" {
  enable_key_rotation = true
}

resource "aws_sns_topic" "security" {
  name              = "dbwarden-security"
  kms_master_key_id = aws_kms_key.alerts.id
}
