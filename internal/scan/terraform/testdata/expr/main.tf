variable "env" {
  default = "prod"
}

variable "buckets" {
  type = map(object({ versioned = bool }))
  default = {
    logs    = { versioned = true }
    backups = { versioned = false }
  }
}

variable "zones" {
  type    = set(string)
  default = ["a", "b"]
}

variable "rules" {
  default = [
    { port = 22, cidr = "10.0.0.0/8" },
    { port = 3306, cidr = "0.0.0.0/0" },
  ]
}

variable "unknown_rules" {
  type = list(object({ port = number, cidr = string }))
}

locals {
  is_prod     = var.env == "prod"
  name        = "app-${var.env}"
  retention   = local.is_prod ? 35 : 1
  upper_names = [for k, b in var.buckets : upper(k) if b.versioned]
  ports       = var.rules[*].port
  tags        = merge({ Env = var.env }, { Name = local.name })
  subnet      = cidrsubnet("10.0.0.0/16", 8, 3)
  encoded     = jsonencode({ a = 1, b = [true, "x"] })
  decoded     = jsondecode("{\"k\": [1, 2]}").k
  joined      = join("-", concat(["a"], split(",", "b,c")))
  looked      = lookup({ x = "y" }, "z", "dflt")
  fmt         = format("%s-%03d", "db", 7)
  trimmed     = trimspace("  hi  ")
  starts      = startswith("arn:aws:kms", "arn:")
  hashed      = sha256("abc")
  id          = uuid()
  now         = timestamp()
  nope        = no_such_function("x")
  bad         = 1 + "x"
  tried       = try(local.bad_ref.attr, "fallback")
  count_keys  = length(keys(var.buckets))
  flat        = flatten([[1], [2, 3]])
  zm          = zipmap(["a", "b"], [1, 2])
  minmax      = max(3, 9, 2) - min(4, 5)
  policy_file = file("${path.module}/policy.json")
  policy_rel  = file("policy.json")
}

resource "aws_s3_bucket" "b" {
  for_each = var.buckets
  bucket   = "${local.name}-${each.key}"

  versioning {
    enabled = each.value.versioned
  }
}

resource "aws_subnet" "z" {
  for_each          = var.zones
  availability_zone = "eu-west-1${each.value}"
}

resource "aws_instance" "web" {
  count         = 23
  ami           = "ami-${count.index}"
  instance_type = count.index == 22 ? "t3.large" : "t3.micro"

  metadata_options {
    http_tokens = "required"
  }

  root_block_device {
    encrypted = true
  }
}

resource "aws_instance" "none" {
  count = local.is_prod ? 0 : 1
  ami   = "x"
}

resource "aws_instance" "unknown_count" {
  count = length(var.unknown_rules)
  ami   = "y"
}

resource "aws_security_group" "db" {
  name = local.name

  dynamic "ingress" {
    for_each = var.rules
    content {
      from_port   = ingress.value.port
      cidr_blocks = [ingress.value.cidr]
    }
  }

  dynamic "egress" {
    for_each = var.unknown_rules
    iterator = rule
    content {
      from_port   = rule.value.port
      cidr_blocks = ["0.0.0.0/0"]
    }
  }
}

resource "aws_db_instance" "main" {
  backup_retention_period = local.retention
  tags                    = local.tags
}
