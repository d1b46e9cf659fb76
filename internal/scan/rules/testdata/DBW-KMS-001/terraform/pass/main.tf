resource "aws_kms_key" "rds" {
  description         = "RDS storage"
  enable_key_rotation = true
}

resource "aws_kms_key" "signing" {
  description              = "backup manifest signatures"
  key_usage                = "SIGN_VERIFY"
  customer_master_key_spec = "ECC_NIST_P256"
}

resource "aws_kms_key" "hmac" {
  description              = "audit chain"
  key_usage                = "GENERATE_VERIFY_MAC"
  customer_master_key_spec = "HMAC_256"
}
