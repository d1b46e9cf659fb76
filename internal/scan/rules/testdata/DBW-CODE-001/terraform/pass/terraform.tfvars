db_username             = "app"
password_length         = 40
db_password_secret_name = "prod/myapp/mysql/mysql-user-password"
