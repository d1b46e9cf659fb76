#!/bin/bash
ROOT_PW=$(aws secretsmanager get-secret-value --secret-id ${secret_arn} \
  --query SecretString --output text)
docker run -d --name mysql-server -e MYSQL_ROOT_PASSWORD="$ROOT_PW" mysql:8.0
