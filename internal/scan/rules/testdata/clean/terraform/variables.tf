variable "region" {
  description = "AWS region of the deployment"
  type        = string
  default     = "eu-west-1"
}

variable "env" {
  description = "Environment name, the first part of every secret name"
  type        = string
  default     = "prod"
}

variable "project_id" {
  type    = string
  default = "myapp"
}

variable "base_name" {
  type    = string
  default = "mysql"
}

variable "vpc_cidr" {
  type    = string
  default = "10.20.0.0/16"
}

variable "mysql_ami_id" {
  description = "Ubuntu 24.04 AMI with Docker for the MySQL host"
  type        = string
  default     = "ami-0123456789abcdef0"
}

variable "password_length" {
  description = "Length of generated MySQL passwords"
  type        = number
  default     = 32
}

variable "rotation_days" {
  type    = number
  default = 7
}

variable "alarm_email" {
  type    = string
  default = "dba-oncall@example.com"
}

locals {
  name   = "${var.env}-${var.project_id}-${var.base_name}"
  prefix = "${var.env}/${var.project_id}/${var.base_name}"
  azs    = ["${var.region}a", "${var.region}b"]
  tags = {
    Environment = var.env
    Project     = var.project_id
    ManagedBy   = "terraform"
  }
}
