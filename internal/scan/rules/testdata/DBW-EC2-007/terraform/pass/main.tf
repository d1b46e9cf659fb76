resource "aws_iam_role" "mysql" {
  name = "mysql-ec2"
  assume_role_policy = jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Effect    = "Allow"
      Action    = "sts:AssumeRole"
      Principal = { Service = "ec2.amazonaws.com" }
    }]
  })
}

resource "aws_iam_role_policy_attachment" "ssm" {
  role       = aws_iam_role.mysql.name
  policy_arn = "arn:aws:iam::aws:policy/AmazonSSMManagedInstanceCore"
}

resource "aws_iam_instance_profile" "mysql" {
  name = "mysql-ec2"
  role = aws_iam_role.mysql.name
}

resource "aws_instance" "mysql" {
  ami                  = "ami-0123456789abcdef0"
  instance_type        = "t3.medium"
  iam_instance_profile = aws_iam_instance_profile.mysql.name
}
