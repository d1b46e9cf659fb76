resource "aws_kms_key" "ebs" {
  description         = "EBS volumes of the MySQL host"
  enable_key_rotation = true
}

resource "aws_ebs_volume" "mysql_data" {
  availability_zone = "eu-west-1a"
  size              = 100
  type              = "gp3"
  encrypted         = true
  kms_key_id        = aws_kms_key.ebs.arn
}

resource "aws_instance" "mysql" {
  ami           = "ami-0123456789abcdef0"
  instance_type = "t3.medium"

  root_block_device {
    volume_size = 30
    encrypted   = true
    kms_key_id  = aws_kms_key.ebs.arn
  }

  ebs_block_device {
    device_name = "/dev/sdf"
    volume_size = 50
    encrypted   = true
  }
}

resource "aws_launch_template" "mysql" {
  name_prefix = "mysql-"
  image_id    = "ami-0123456789abcdef0"

  block_device_mappings {
    device_name = "/dev/xvda"
    ebs {
      volume_size = 30
      encrypted   = "true"
    }
  }
}
