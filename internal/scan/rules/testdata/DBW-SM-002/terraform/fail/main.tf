resource "aws_secretsmanager_secret" "mysql_root" {
  name = "staging/app/mysql/mysql-root-password"
}

resource "aws_secretsmanager_secret" "mysql_user" {
  name = "staging/app/mysql/mysql-user-password"
}

resource "aws_secretsmanager_secret_rotation" "mysql_user" {
  secret_id           = aws_secretsmanager_secret.mysql_user.id
  rotation_lambda_arn = "arn:aws:lambda:eu-west-1:123456789012:function:mysql-rotation"

  rotation_rules {
    automatically_after_days = 90
  }
}

resource "aws_secretsmanager_secret" "mysql_app" {
  name = "staging/app/mysql/mysql-app-password"
}

resource "aws_secretsmanager_secret_rotation" "mysql_app" {
  secret_id           = aws_secretsmanager_secret.mysql_app.id
  rotation_lambda_arn = "arn:aws:lambda:eu-west-1:123456789012:function:mysql-rotation"

  rotation_rules {
    schedule_expression = "cron(0 4 1 * ? *)"
  }
}
