variable "alias" {}

resource "aws_kms_key" "this" {
  description         = "key for ${var.alias}"
  enable_key_rotation = true
}

output "key_arn" {
  value = aws_kms_key.this.arn
}
