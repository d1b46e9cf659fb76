resource "aws_dynamodb_table" "audit" {
  name         = "dbwarden-audit"
  billing_mode = "PAY_PER_REQUEST"
  hash_key     = "operation_id"

  attribute {
    name = "operation_id"
    type = "S"
  }

  server_side_encryption {
    enabled = true
  }
}
