resource "aws_iam_group" "dba" {
  name = "dba"
}

resource "aws_iam_group_policy_attachment" "dba" {
  group      = aws_iam_group.dba.name
  policy_arn = "arn:aws:iam::aws:policy/AmazonRDSReadOnlyAccess"
}

resource "aws_iam_role" "ecs_task" {
  name = "ecs-task-role"
  assume_role_policy = jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Effect    = "Allow"
      Action    = "sts:AssumeRole"
      Principal = { Service = "ecs-tasks.amazonaws.com" }
    }]
  })
}

resource "aws_iam_policy_attachment" "ecs" {
  name       = "ecs-eni"
  roles      = [aws_iam_role.ecs_task.name]
  policy_arn = "arn:aws:iam::aws:policy/AmazonRDSReadOnlyAccess"
}
