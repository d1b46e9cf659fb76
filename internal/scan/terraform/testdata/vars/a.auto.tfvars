tier        = "from-a-auto"
backup_days = 5
