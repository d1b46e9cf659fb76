variable "mysql_root_password" {
  description = "Leave unset: a random password is generated and stored in Secrets Manager"
  type        = string
  default     = null
  sensitive   = true
}

variable "db_password" {
  type      = string
  default   = ""
  sensitive = true
}

variable "password_length" {
  type    = number
  default = 32
}

variable "db_password_secret_name" {
  type    = string
  default = "staging/myapp/mysql/mysql-user-password"
}

variable "secret_recovery_window_days" {
  type    = number
  default = 7
}

resource "random_password" "mysql_root" {
  length           = 32
  special          = true
  override_special = "!#$%&*()-_=+[]{}<>:?"
}

locals {
  root_password   = random_password.mysql_root.result
  secret_prefix   = "staging/myapp/mysql"
  db_password_arn = "arn:aws:secretsmanager:eu-west-1:123456789012:secret:staging/myapp/mysql/mysql-user-password"
}
