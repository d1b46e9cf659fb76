variable "name" {
  type = string
}

variable "kms_key_id" {
  type    = string
  default = null
}

variable "password" {
  type      = string
  sensitive = true
  default   = null
}

variable "encrypted" {
  type    = bool
  default = false
}

resource "aws_db_instance" "this" {
  identifier        = var.name
  storage_encrypted = var.encrypted
  kms_key_id        = var.kms_key_id
  password          = var.password
}

output "name" {
  value = aws_db_instance.this.identifier
}

output "endpoint" {
  value = aws_db_instance.this.endpoint
}
