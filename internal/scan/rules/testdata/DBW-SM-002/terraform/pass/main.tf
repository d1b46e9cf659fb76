resource "aws_secretsmanager_secret" "mysql_user" {
  name = "staging/app/mysql/mysql-user-password"
}

resource "aws_secretsmanager_secret_rotation" "mysql_user" {
  secret_id           = aws_secretsmanager_secret.mysql_user.id
  rotation_lambda_arn = "arn:aws:lambda:eu-west-1:123456789012:function:mysql-rotation"

  rotation_rules {
    automatically_after_days = 30
  }
}

resource "aws_secretsmanager_secret" "mysql_app" {
  name = "staging/app/mysql/mysql-app-password"
}

resource "aws_secretsmanager_secret_rotation" "mysql_app" {
  secret_id           = "staging/app/mysql/mysql-app-password"
  rotation_lambda_arn = "arn:aws:lambda:eu-west-1:123456789012:function:mysql-rotation"

  rotation_rules {
    schedule_expression = "rate(4 days)"
  }
}

resource "aws_secretsmanager_secret" "mysql_weekly" {
  name = "staging/app/mysql/mysql-report-password"
}

resource "aws_secretsmanager_secret_rotation" "mysql_weekly" {
  secret_id           = aws_secretsmanager_secret.mysql_weekly.arn
  rotation_lambda_arn = "arn:aws:lambda:eu-west-1:123456789012:function:mysql-rotation"

  rotation_rules {
    schedule_expression = "cron(0 4 ? * SUN *)"
  }
}
