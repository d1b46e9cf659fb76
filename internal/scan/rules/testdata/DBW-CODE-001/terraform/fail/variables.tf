variable "mysql_root_password" {
  description = "MySQL root password"
  type        = string
  default     = "Sup3rS3cret-root"
}

variable "db_username" {
  type    = string
  default = "app"
}

variable "db_password" {
  type      = string
  sensitive = true
}

variable "app_config" {
  type = map(string)
  default = {
    host    = "db.internal"
    api_key = "ak-0000-placeholder-but-literal"
  }
}

locals {
  replication_password = "repl-Passw0rd"
}
