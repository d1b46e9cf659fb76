resource "aws_instance" "mysql" {
  ami                     = "ami-0123456789abcdef0"
  instance_type           = "t3.medium"
  disable_api_termination = true
}
