resource "aws_instance" "mysql" {
  ami                         = "ami-0123456789abcdef0"
  instance_type               = "t3.medium"
  associate_public_ip_address = false
}

resource "aws_launch_template" "mysql" {
  name_prefix = "mysql-"
  image_id    = "ami-0123456789abcdef0"

  network_interfaces {
    associate_public_ip_address = false
  }
}
