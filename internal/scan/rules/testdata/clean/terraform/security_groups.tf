resource "aws_security_group" "app" {
  name        = "${local.name}-app"
  description = "Application servers"
  vpc_id      = aws_vpc.main.id
}

resource "aws_security_group" "mysql" {
  name        = "${local.name}-db"
  description = "MySQL on EC2 and RDS: from the application and the rotation function only; no SSH"
  vpc_id      = aws_vpc.main.id
}

resource "aws_security_group" "rotation" {
  name        = "${local.name}-rotation"
  description = "Secrets Manager rotation function"
  vpc_id      = aws_vpc.main.id
}

resource "aws_security_group" "endpoints" {
  name        = "${local.name}-endpoints"
  description = "HTTPS to the VPC interface endpoints from inside the VPC"
  vpc_id      = aws_vpc.main.id

  ingress {
    description = "HTTPS from the VPC"
    from_port   = 443
    to_port     = 443
    protocol    = "tcp"
    cidr_blocks = ["10.20.0.0/16"]
  }
}

resource "aws_vpc_security_group_ingress_rule" "mysql_from_app" {
  security_group_id            = aws_security_group.mysql.id
  description                  = "MySQL from the application"
  ip_protocol                  = "tcp"
  from_port                    = 3306
  to_port                      = 3306
  referenced_security_group_id = aws_security_group.app.id
}

resource "aws_vpc_security_group_ingress_rule" "mysql_from_rotation" {
  security_group_id            = aws_security_group.mysql.id
  description                  = "MySQL from the rotation function"
  ip_protocol                  = "tcp"
  from_port                    = 3306
  to_port                      = 3306
  referenced_security_group_id = aws_security_group.rotation.id
}

resource "aws_vpc_security_group_egress_rule" "mysql_to_endpoints" {
  security_group_id            = aws_security_group.mysql.id
  description                  = "HTTPS to the VPC endpoints"
  ip_protocol                  = "tcp"
  from_port                    = 443
  to_port                      = 443
  referenced_security_group_id = aws_security_group.endpoints.id
}

resource "aws_vpc_security_group_egress_rule" "mysql_to_s3" {
  security_group_id = aws_security_group.mysql.id
  description       = "HTTPS to S3 through the gateway endpoint"
  ip_protocol       = "tcp"
  from_port         = 443
  to_port           = 443
  prefix_list_id    = aws_vpc_endpoint.s3.prefix_list_id
}

resource "aws_vpc_security_group_egress_rule" "rotation_to_mysql" {
  security_group_id            = aws_security_group.rotation.id
  ip_protocol                  = "tcp"
  from_port                    = 3306
  to_port                      = 3306
  referenced_security_group_id = aws_security_group.mysql.id
}

resource "aws_vpc_security_group_egress_rule" "rotation_to_endpoints" {
  security_group_id            = aws_security_group.rotation.id
  ip_protocol                  = "tcp"
  from_port                    = 443
  to_port                      = 443
  referenced_security_group_id = aws_security_group.endpoints.id
}
