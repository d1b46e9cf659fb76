variable "region" {
  type = string
}

variable "db_password" {
  type      = string
  sensitive = true
}

resource "aws_instance" "mysql" {
  ami           = "ami-0123456789abcdef0"
  instance_type = "t3.medium"
  user_data     = <<-EOT
    #!/bin/bash
    # MYSQL_ROOT_PASSWORD=... is never written here: it is read at boot.
    ROOT_PW=$(aws secretsmanager get-secret-value --secret-id prod/mysql/root \
      --query SecretString --output text)
    docker run -d --name mysql-server -e MYSQL_ROOT_PASSWORD="$ROOT_PW" mysql:8.0
    mysql -u root -p"$ROOT_PW" -e "ALTER USER 'app'@'%' IDENTIFIED BY '$APP_PW'"
    export PASSWORD_FILE=/run/secrets/mysql
  EOT
}

resource "aws_launch_template" "mysql" {
  name_prefix = "mysql-"
  user_data = base64encode(<<-EOT
    #!/bin/bash
    aws configure set region ${var.region}
    mysql --defaults-extra-file=/etc/mysql/app.cnf -e "SELECT 1"
  EOT
  )
}

resource "aws_ecs_task_definition" "app" {
  family = "app"
  container_definitions = jsonencode([{
    name  = "app"
    image = "app:1"
    environment = [
      { name = "DB_HOST", value = "mysql.internal" },
      { name = "DB_PASSWORD_SECRET_ARN", value = "arn:aws:secretsmanager:eu-west-1:123456789012:secret:app" },
    ]
    secrets = [
      { name = "DB_PASSWORD", valueFrom = "arn:aws:secretsmanager:eu-west-1:123456789012:secret:app" },
    ]
  }])
}

resource "aws_secretsmanager_secret" "app" {
  name = "app/db"
}

resource "aws_instance" "worker" {
  ami           = "ami-0123456789abcdef0"
  instance_type = "t3.medium"
  user_data = base64encode(templatefile("${path.module}/init.sh.tpl", {
    secret_arn = aws_secretsmanager_secret.app.arn
  }))
}
