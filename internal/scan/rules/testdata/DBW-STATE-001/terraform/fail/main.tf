terraform {
  backend "s3" {
    bucket = "acme-terraform-state"
    key    = "mysql/terraform.tfstate"
    region = "eu-west-1"
  }
}

resource "aws_sns_topic" "alerts" {
  name              = "mysql-alerts"
  kms_master_key_id = "alias/aws/sns"
}
