# MySQL passwords on the EC2 host: generated, stored in Secrets Manager
# under env/project/base/name, encrypted with a CMK and rotated.
resource "random_password" "mysql_root" {
  length           = var.password_length
  special          = true
  override_special = "!#$%&*()-_=+[]{}<>:?"
}

resource "random_password" "mysql_user" {
  length           = var.password_length
  special          = true
  override_special = "!#$%&*()-_=+[]{}<>:?"
}

resource "aws_secretsmanager_secret" "mysql_root_password" {
  name                    = "${local.prefix}/mysql-root-password"
  description             = "MySQL root password of the EC2 host"
  kms_key_id              = aws_kms_key.secrets.arn
  recovery_window_in_days = 7
}

resource "aws_secretsmanager_secret_version" "mysql_root_password" {
  secret_id     = aws_secretsmanager_secret.mysql_root_password.id
  secret_string = random_password.mysql_root.result
}

resource "aws_secretsmanager_secret" "mysql_user_password" {
  name                    = "${local.prefix}/mysql-user-password"
  description             = "MySQL application user password"
  kms_key_id              = aws_kms_key.secrets.arn
  recovery_window_in_days = 7
}

resource "aws_secretsmanager_secret_version" "mysql_user_password" {
  secret_id = aws_secretsmanager_secret.mysql_user_password.id
  secret_string = jsonencode({
    engine   = "mysql"
    host     = aws_instance.mysql.private_ip
    username = "app"
    password = random_password.mysql_user.result
  })
}

resource "aws_secretsmanager_secret_rotation" "mysql_root_password" {
  secret_id           = aws_secretsmanager_secret.mysql_root_password.id
  rotation_lambda_arn = aws_lambda_function.rotation.arn

  rotation_rules {
    automatically_after_days = var.rotation_days
  }
}

resource "aws_secretsmanager_secret_rotation" "mysql_user_password" {
  secret_id           = aws_secretsmanager_secret.mysql_user_password.id
  rotation_lambda_arn = aws_lambda_function.rotation.arn

  rotation_rules {
    automatically_after_days = var.rotation_days
  }
}

resource "aws_lambda_function" "rotation" {
  function_name = "${local.name}-rotation"
  description   = "Rotates the MySQL secrets (createSecret, setSecret, testSecret, finishSecret)"
  role          = aws_iam_role.rotation.arn
  handler       = "bootstrap"
  runtime       = "provided.al2023"
  filename      = "rotation.zip"
  timeout       = 60
  kms_key_arn   = aws_kms_key.secrets.arn

  vpc_config {
    subnet_ids         = [aws_subnet.private_a.id, aws_subnet.private_b.id]
    security_group_ids = [aws_security_group.rotation.id]
  }

  environment {
    variables = {
      SECRETS_MANAGER_ENDPOINT = "https://secretsmanager.${var.region}.amazonaws.com"
      ROTATION_STRATEGY        = "single-user"
      EXCLUDE_CHARACTERS       = "'\"@/\\"
    }
  }

  depends_on = [aws_cloudwatch_log_group.rotation]
}

resource "aws_lambda_permission" "secretsmanager" {
  statement_id  = "AllowSecretsManager"
  action        = "lambda:InvokeFunction"
  function_name = aws_lambda_function.rotation.function_name
  principal     = "secretsmanager.amazonaws.com"
}
