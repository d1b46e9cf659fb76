#!/bin/bash
SECRET_ARN=${secret_arn}
docker run -d --name mysql-server \
  -e MYSQL_ROOT_PASSWORD='An0ther-Literal-Pw' mysql:8.0
