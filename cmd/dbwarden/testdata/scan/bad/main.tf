# An RDS instance with its storage left unencrypted: dbwarden scan must
# report it.
resource "aws_db_instance" "db" {
  identifier          = "app-db"
  engine              = "mysql"
  engine_version      = "8.0"
  instance_class      = "db.t3.micro"
  allocated_storage   = 20
  username            = "admin"
  storage_encrypted   = false
  publicly_accessible = false
}
