variable "region" {
  type = string
}

resource "aws_instance" "mysql" {
  ami           = "ami-0123456789abcdef0"
  instance_type = "t3.medium"
  user_data     = <<-EOT
    #!/bin/bash
    docker run -d --name mysql-server \
      -e MYSQL_ROOT_PASSWORD=Sup3rS3cretRootPw \
      mysql:8.0
  EOT
}

resource "aws_launch_template" "mysql" {
  name_prefix = "mysql-"
  user_data = base64encode(<<-EOT
    #!/bin/bash
    aws configure set region ${var.region}
    mysql -u root -pS3cretRootPw -e "CREATE DATABASE app"
  EOT
  )
}

resource "aws_launch_configuration" "mysql" {
  image_id      = "ami-0123456789abcdef0"
  instance_type = "t3.medium"
  user_data     = "mysql -e \"CREATE USER 'app'@'%' IDENTIFIED BY 'AppPassw0rd'\""
}

resource "aws_ecs_task_definition" "app" {
  family = "app"
  container_definitions = jsonencode([{
    name  = "app"
    image = "app:${var.region}"
    environment = [
      { name = "DB_HOST", value = "mysql.internal" },
      { name = "DB_PASSWORD", value = "AppPassw0rd" },
    ]
  }])
}

resource "aws_secretsmanager_secret" "app" {
  name = "app/db"
}

resource "aws_instance" "worker" {
  ami           = "ami-0123456789abcdef0"
  instance_type = "t3.medium"
  user_data = templatefile("${path.module}/init.sh.tpl", {
    secret_arn = aws_secretsmanager_secret.app.arn
  })
}
