resource "aws_instance" "mysql" {
  ami           = "ami-0123456789abcdef0"
  instance_type = "t3.medium"

  metadata_options {
    http_endpoint               = "enabled"
    http_tokens                 = "required"
    http_put_response_hop_limit = 1
  }
}

resource "aws_launch_template" "mysql" {
  name_prefix = "mysql-"
  image_id    = "ami-0123456789abcdef0"

  metadata_options {
    http_tokens = "required"
  }
}

resource "aws_instance" "batch" {
  ami           = "ami-0123456789abcdef0"
  instance_type = "t3.small"

  metadata_options {
    http_endpoint = "disabled"
  }
}

# Launched from the template: its metadata options are the template's.
resource "aws_instance" "from_template" {
  launch_template {
    id      = aws_launch_template.mysql.id
    version = "$Latest"
  }
}
