resource "aws_launch_template" "mysql" {
  name_prefix = "mysql-"
  image_id    = "ami-0123456789abcdef0"

  metadata_options {
    http_tokens                 = "required"
    http_put_response_hop_limit = 2
  }
}
