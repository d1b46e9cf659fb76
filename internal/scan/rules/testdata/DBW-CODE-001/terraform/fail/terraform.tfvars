db_username = "app"
db_password = "Pl41nT3xt-in-tfvars"
