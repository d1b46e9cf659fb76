variable "db_password" {
  type      = string
  sensitive = true
}

resource "aws_db_instance" "mysql" {
  identifier                  = "app-mysql"
  engine                      = "mysql"
  instance_class              = "db.t3.micro"
  allocated_storage           = 20
  username                    = "admin"
  manage_master_user_password = true
}

resource "aws_rds_cluster" "aurora" {
  cluster_identifier = "app-aurora"
  engine             = "aurora-mysql"
  master_username    = "admin"
  master_password    = var.db_password
}

resource "random_password" "app" {
  length = 32
}

resource "aws_secretsmanager_secret" "app" {
  name = "prod/app/mysql/app-user"
}

resource "aws_secretsmanager_secret_version" "app" {
  secret_id     = aws_secretsmanager_secret.app.id
  secret_string = random_password.app.result
}

resource "aws_ssm_parameter" "db_password" {
  name  = "/project/db_password"
  type  = "SecureString"
  value = random_password.app.result
}

resource "aws_ssm_parameter" "db_host" {
  name  = "/project/db_host"
  type  = "String"
  value = "db.internal"
}

resource "aws_lambda_function" "init" {
  function_name = "db-init"
  role          = "arn:aws:iam::123456789012:role/db-init"
  handler       = "index.handler"
  runtime       = "python3.12"
  filename      = "init.zip"

  environment {
    variables = {
      DB_HOST       = "db.internal"
      DB_SECRET_ARN = aws_secretsmanager_secret.app.arn
    }
  }
}
