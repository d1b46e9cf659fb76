backup_days = 14
subnets     = ["a", "b"]
