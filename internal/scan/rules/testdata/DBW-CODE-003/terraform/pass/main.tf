variable "mysql_root_password" {
  type      = string
  sensitive = true
}

resource "random_password" "mysql_user" {
  length = 32
}

resource "aws_secretsmanager_secret" "mysql_user_password" {
  name = "staging/myapp/mysql/mysql-user-password"
}

output "mysql_user_password_secret_arn" {
  description = "Read the password with aws secretsmanager get-secret-value"
  value       = aws_secretsmanager_secret.mysql_user_password.arn
}

output "mysql_user_password" {
  value     = random_password.mysql_user.result
  sensitive = true
}

output "root_credentials" {
  value = {
    user     = "root"
    password = var.mysql_root_password
  }
  sensitive = true
}
