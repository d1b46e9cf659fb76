variable "region" {
  type    = string
  default = "eu-west-1"
}

variable "db_password" {
  type      = string
  sensitive = true
}

variable "env" {
  type    = string
  default = "dev"
}

variable "tier" {
  default = "from-default"
}

variable "backup_days" {
  type    = number
  default = 1
}

variable "subnets" {
  type    = list(string)
  default = []
}

variable "owner" {
  type = string
}

variable "cli_string" {
  type = string
}

variable "settings" {
  type = object({
    multi_az = bool
    storage  = optional(number, 20)
  })
  default = { multi_az = false }
}

variable "never_set" {
  type = string
}
