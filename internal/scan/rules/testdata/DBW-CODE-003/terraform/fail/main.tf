variable "mysql_root_password" {
  type      = string
  sensitive = true
}

resource "random_password" "mysql_user" {
  length = 32
}

output "mysql_user_password" {
  value = random_password.mysql_user.result
}

output "root_credentials" {
  value = {
    user     = "root"
    password = var.mysql_root_password
  }
}
