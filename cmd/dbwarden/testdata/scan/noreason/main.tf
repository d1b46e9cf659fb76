# A suppression marker without a reason silences nothing, and the scan
# says so.
resource "aws_db_instance" "db" {
  identifier        = "app-db"
  engine            = "mysql"
  instance_class    = "db.t3.micro"
  allocated_storage = 20
  username          = "admin"
  # dbwarden:ignore DBW-RDS-001
  storage_encrypted = false
}
