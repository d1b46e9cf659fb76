env         = "prod"
tier        = "from-tfvars"
backup_days = 3
db_password = "hunter2-in-tfvars"
