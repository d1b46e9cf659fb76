variable "password" {
  type      = string
  sensitive = true
  default   = "not-a-real-secret"
}

module "key" {
  source = "./modules/kms"
  alias  = "db"
}

module "db" {
  source     = "./modules/db"
  count      = 2
  name       = "db-${count.index}"
  kms_key_id = module.key.key_arn
  password   = var.password
  encrypted  = count.index == 0
}

module "per_env" {
  for_each  = toset(["dev", "prod"])
  source    = "./modules/db"
  name      = "db-${each.key}"
  encrypted = each.key == "prod"
}

module "vpc" {
  source  = "terraform-aws-modules/vpc/aws"
  version = "5.0.0"
  cidr    = "10.0.0.0/16"
}

resource "aws_db_subnet_group" "g" {
  name       = module.db[1].name
  subnet_ids = module.vpc.private_subnets
}

output "first_endpoint" {
  value = module.db[0].endpoint
}
