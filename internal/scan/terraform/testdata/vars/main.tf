provider "aws" {
  region = var.region
}

resource "aws_db_instance" "main" {
  identifier              = "db-${var.env}"
  password                = var.db_password
  backup_retention_period = var.backup_days
  multi_az                = var.settings.multi_az
  allocated_storage       = var.settings.storage
  db_subnet_group_name    = join(",", var.subnets)
  tags = {
    Tier  = var.tier
    Owner = var.owner
    Cli   = var.cli_string
  }
  username = var.never_set
}
