resource "aws_instance" "mysql" {
  ami                         = var.mysql_ami_id
  instance_type               = "t3.medium"
  subnet_id                   = aws_subnet.private_a.id
  vpc_security_group_ids      = [aws_security_group.mysql.id]
  iam_instance_profile        = aws_iam_instance_profile.mysql.name
  associate_public_ip_address = false
  disable_api_termination     = true
  monitoring                  = true
  ebs_optimized               = true

  metadata_options {
    http_endpoint               = "enabled"
    http_tokens                 = "required"
    http_put_response_hop_limit = 1
  }

  root_block_device {
    volume_type = "gp3"
    volume_size = 50
    encrypted   = true
    kms_key_id  = aws_kms_key.ebs.arn
  }

  ebs_block_device {
    device_name = "/dev/sdf"
    volume_type = "gp3"
    volume_size = 200
    encrypted   = true
    kms_key_id  = aws_kms_key.ebs.arn
  }

  user_data = templatefile("${path.module}/user_data.sh.tftpl", {
    region              = var.region
    root_secret_id      = aws_secretsmanager_secret.mysql_root_password.name
    user_secret_id      = aws_secretsmanager_secret.mysql_user_password.name
    backup_bucket       = aws_s3_bucket.backups.bucket
    log_group_setup     = aws_cloudwatch_log_group.mysql["setup"].name
    log_group_error     = aws_cloudwatch_log_group.mysql["error"].name
    log_group_backup    = aws_cloudwatch_log_group.mysql["backup"].name
    backup_cron         = "0 2 * * *"
    backup_retain_days  = 7
  })

  tags = { Name = "${local.name}-ec2" }
}
