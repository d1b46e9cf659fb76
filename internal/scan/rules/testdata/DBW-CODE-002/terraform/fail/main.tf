terraform {
  backend "s3" {
    bucket         = "acme-terraform-state"
    key            = "mysql/terraform.tfstate"
    region         = "eu-west-1"
    encrypt        = true
    dynamodb_table = "terraform-locks"
    access_key     = "AKIAEXAMPLEEXAMPLE00"
    secret_key     = "not-a-real-key-but-a-literal-one"
  }
}

provider "aws" {
  region     = "eu-west-1"
  access_key = "AKIAEXAMPLEEXAMPLE01"
  secret_key = "another-literal-secret-key-in-code"
}

resource "aws_db_instance" "mysql" {
  identifier        = "app-mysql"
  engine            = "mysql"
  instance_class    = "db.t3.micro"
  allocated_storage = 20
  username          = "admin"
  password          = "hunter2hunter2"
}

resource "random_password" "app" {
  length = 32
}

resource "aws_ssm_parameter" "db_password" {
  name  = "/project/db_password"
  type  = "String"
  value = random_password.app.result
}

resource "aws_lambda_function" "init" {
  function_name = "db-init"
  role          = "arn:aws:iam::123456789012:role/db-init"
  handler       = "index.handler"
  runtime       = "python3.12"
  filename      = "init.zip"

  environment {
    variables = {
      DB_HOST     = "db.internal"
      DB_PASSWORD = "Lambda-Plain-Pass"
    }
  }
}
