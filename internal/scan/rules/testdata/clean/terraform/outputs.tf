output "mysql_instance_id" {
  description = "Connect with: aws ssm start-session --target <id>"
  value       = aws_instance.mysql.id
}

output "mysql_root_password_secret_arn" {
  description = "Read with: aws secretsmanager get-secret-value --secret-id <arn>"
  value       = aws_secretsmanager_secret.mysql_root_password.arn
}

output "mysql_user_password_secret_arn" {
  value = aws_secretsmanager_secret.mysql_user_password.arn
}

output "rds_endpoint" {
  value = aws_db_instance.mysql.address
}

output "rds_master_user_secret_arn" {
  value = aws_db_instance.mysql.master_user_secret[0].secret_arn
}

output "mysql_connection" {
  description = "Everything an application needs except the password, which it reads from Secrets Manager"
  value = {
    host       = aws_instance.mysql.private_ip
    port       = 3306
    username   = "app"
    secret_arn = aws_secretsmanager_secret.mysql_user_password.arn
  }
}

output "mysql_user_password" {
  description = "For break-glass use only"
  value       = random_password.mysql_user.result
  sensitive   = true
}
