resource "aws_dynamodb_table" "audit" {
  name         = "dbwarden-audit"
  billing_mode = "PAY_PER_REQUEST"
  hash_key     = "operation_id"

  attribute {
    name = "operation_id"
    type = "S"
  }

  point_in_time_recovery {
    enabled = true
  }
}
