package main

import "fmt"

// control is one seed control and the inputs that break it.
type control struct {
	// Slug names the module directory and the template file.
	Slug  string
	Title string
	// Profile is the compliance profile the control belongs to: baseline,
	// pci or hipaa. dbwarden scans the module under it; the peers have no
	// profiles.
	Profile string
	// DBW are the dbwarden rule ids that report the control; any of them
	// counts.
	DBW []string
	// Peer are the AVD ids of tfsec's and trivy's equivalent checks; any
	// of them counts. Empty: no peer checks the control.
	Peer []string
	// TF are the files of the Terraform module besides versions.tf and
	// .gitignore (nil: no Terraform module).
	TF map[string]string
	// Backend replaces the S3 backend's arguments in versions.tf.
	Backend attrs
	// NoGitignore leaves .gitignore out of the module.
	NoGitignore bool
	// CFN is the CloudFormation template, empty when the control has no
	// CloudFormation form.
	CFN string
	// Container are the files of the control's container folder, by name:
	// a Dockerfile, a Compose file, or a .env with its .gitignore (nil: no
	// container form). They are written as they are, with no .gitignore
	// added: no container rule wants one, and the .env control needs one
	// that does not list .env.
	Container map[string]string
}

func mainTF(s string) map[string]string { return map[string]string{"main.tf": s} }

// dockerfile is a container folder holding a Dockerfile: the MySQL image
// and line.
func dockerfile(line string) map[string]string {
	return map[string]string{"Dockerfile": "FROM mysql:8.0\n" + line + "\n"}
}

// Peer rule ids (tfsec 1.28.1 and trivy 0.65 share the AVD numbering).
var (
	peerEBS        = []string{"AVD-AWS-0026", "AVD-AWS-0131", "AVD-AWS-0027", "AVD-AWS-0008"}
	peerIMDS       = []string{"AVD-AWS-0028", "AVD-AWS-0130"}
	peerSG         = []string{"AVD-AWS-0107"}
	peerPublicIP   = []string{"AVD-AWS-0009"}
	peerSubnet     = []string{"AVD-AWS-0164"}
	peerRDSEnc     = []string{"AVD-AWS-0080", "AVD-AWS-0079"}
	peerRDSPublic  = []string{"AVD-AWS-0180", "AVD-AWS-0082"}
	peerRDSIAM     = []string{"AVD-AWS-0176"}
	peerRDSBackup  = []string{"AVD-AWS-0077"}
	peerRDSDelete  = []string{"AVD-AWS-0177", "AVD-AWS-0343"}
	peerSecretCMK  = []string{"AVD-AWS-0098"}
	peerKMSRotate  = []string{"AVD-AWS-0065"}
	peerLogCMK     = []string{"AVD-AWS-0017"}
	peerSNS        = []string{"AVD-AWS-0095"}
	peerIAMWild    = []string{"AVD-AWS-0057"}
	peerUserPolicy = []string{"AVD-AWS-0143"}
	peerS3Version  = []string{"AVD-AWS-0090"}
	peerS3Encrypt  = []string{"AVD-AWS-0088", "AVD-AWS-0132"}
	peerS3Public   = []string{"AVD-AWS-0094", "AVD-AWS-0086", "AVD-AWS-0087", "AVD-AWS-0091", "AVD-AWS-0093"}
	peerDDBCMK     = []string{"AVD-AWS-0025", "AVD-AWS-0023"}
	peerDDBPITR    = []string{"AVD-AWS-0024"}
	peerUserData   = []string{"AVD-AWS-0029", "AVD-AWS-0129"}
	peerECSEnv     = []string{"AVD-AWS-0036"}
	// trivy only: tfsec reads no Dockerfile.
	peerDockerSecret = []string{"AVD-DS-0031"}
)

// peerLongIDs are the long ids tfsec prints next to the AVD ids, for the
// report. A check tfsec does not have (the Dockerfile ones) has trivy's
// short id instead, which trivy reports as ID next to the AVD id.
var peerLongIDs = map[string]string{
	"AVD-AWS-0008": "aws-ec2-enable-launch-config-at-rest-encryption",
	"AVD-AWS-0009": "aws-ec2-no-public-ip",
	"AVD-AWS-0017": "aws-cloudwatch-log-group-customer-key",
	"AVD-AWS-0023": "aws-dynamodb-enable-at-rest-encryption",
	"AVD-AWS-0024": "aws-dynamodb-enable-recovery",
	"AVD-AWS-0025": "aws-dynamodb-table-customer-key",
	"AVD-AWS-0026": "aws-ec2-enable-volume-encryption",
	"AVD-AWS-0027": "aws-ec2-volume-encryption-customer-key",
	"AVD-AWS-0028": "aws-ec2-enforce-http-token-imds",
	"AVD-AWS-0029": "aws-ec2-no-secrets-in-user-data",
	"AVD-AWS-0036": "aws-ecs-no-plaintext-secrets",
	"AVD-AWS-0057": "aws-iam-no-policy-wildcards",
	"AVD-AWS-0065": "aws-kms-auto-rotate-keys",
	"AVD-AWS-0077": "aws-rds-specify-backup-retention",
	"AVD-AWS-0079": "aws-rds-encrypt-cluster-storage-data",
	"AVD-AWS-0080": "aws-rds-encrypt-instance-storage-data",
	"AVD-AWS-0082": "aws-rds-no-public-db-access",
	"AVD-AWS-0086": "aws-s3-block-public-acls",
	"AVD-AWS-0087": "aws-s3-block-public-policy",
	"AVD-AWS-0088": "aws-s3-enable-bucket-encryption",
	"AVD-AWS-0090": "aws-s3-enable-versioning",
	"AVD-AWS-0091": "aws-s3-ignore-public-acls",
	"AVD-AWS-0093": "aws-s3-no-public-buckets",
	"AVD-AWS-0094": "aws-s3-specify-public-access-block",
	"AVD-AWS-0095": "aws-sns-enable-topic-encryption",
	"AVD-AWS-0098": "aws-ssm-secret-use-customer-key",
	"AVD-AWS-0107": "aws-ec2-no-public-ingress-sgr",
	"AVD-AWS-0129": "aws-ec2-no-secrets-in-launch-template-user-data",
	"AVD-AWS-0130": "aws-ec2-enforce-launch-config-http-token-imds",
	"AVD-AWS-0131": "aws-ec2-enable-at-rest-encryption",
	"AVD-AWS-0132": "aws-s3-encryption-customer-key",
	"AVD-AWS-0143": "aws-iam-no-user-attached-policies",
	"AVD-AWS-0164": "aws-ec2-no-public-ip-subnet",
	"AVD-AWS-0176": "aws-rds-enable-iam-auth",
	"AVD-AWS-0177": "aws-rds-enable-deletion-protection",
	"AVD-AWS-0180": "aws-rds-enable-public-access",
	"AVD-AWS-0343": "aws-rds-enable-cluster-deletion-protection",
	"AVD-DS-0031":  "DS031",
}

// controls returns the seeded controls, in the order of the report.
func controls() []control {
	var cs []control
	add := func(c control) {
		if c.Profile == "" {
			c.Profile = "baseline"
		}
		cs = append(cs, c)
	}

	// EC2
	add(control{Slug: "ebs-volume-unencrypted", Title: "EBS volume not encrypted", DBW: []string{"DBW-EC2-001"}, Peer: peerEBS,
		TF: mainTF(resource("aws_ebs_volume", "data", attrs{
			{"availability_zone", q("eu-west-1a")},
			{"size", "100"},
			{"type", q("gp3")},
			{"encrypted", "false"},
		})),
		CFN: template("EBS volume not encrypted", nil, cfnResource("DataVolume", "AWS::EC2::Volume", attrs{
			{"AvailabilityZone", "eu-west-1a"},
			{"Size", "100"},
			{"VolumeType", "gp3"},
			{"Encrypted", "false"},
		})),
	})
	add(control{Slug: "launch-template-volume-unencrypted", Title: "Launch template volume not encrypted", DBW: []string{"DBW-EC2-001"}, Peer: peerEBS,
		TF: mainTF(launchTemplateModule("@block_device_mappings", `device_name = "/dev/xvda"
ebs {
  volume_size = 50
  volume_type = "gp3"
  encrypted   = false
}`)),
		CFN: cfnLaunchTemplate("Launch template volume not encrypted", "BlockDeviceMappings", "- DeviceName: /dev/xvda\n  Ebs:\n    VolumeSize: 50\n    VolumeType: gp3\n    Encrypted: false\n"),
	})
	add(control{Slug: "imdsv2-not-required", Title: "IMDSv2 not required (instance)", DBW: []string{"DBW-EC2-002"}, Peer: peerIMDS,
		TF: mainTF(instanceModule("@metadata_options", `http_endpoint               = "enabled"
http_tokens                 = "optional"
http_put_response_hop_limit = 1`)),
	})
	add(control{Slug: "launch-template-imdsv2-not-required", Title: "IMDSv2 not required (launch template)", DBW: []string{"DBW-EC2-002"}, Peer: peerIMDS,
		TF: mainTF(launchTemplateModule("@metadata_options", `http_endpoint               = "enabled"
http_tokens                 = "optional"
http_put_response_hop_limit = 1`)),
		CFN: cfnLaunchTemplate("IMDSv2 not required", "MetadataOptions", "HttpEndpoint: enabled\nHttpTokens: optional\nHttpPutResponseHopLimit: 1\n"),
	})
	add(control{Slug: "metadata-hop-limit", Title: "Metadata hop limit above 1", DBW: []string{"DBW-EC2-003"},
		TF: mainTF(instanceModule("@metadata_options", `http_endpoint               = "enabled"
http_tokens                 = "required"
http_put_response_hop_limit = 2`)),
		CFN: cfnLaunchTemplate("Metadata hop limit above 1", "MetadataOptions", "HttpEndpoint: enabled\nHttpTokens: required\nHttpPutResponseHopLimit: 2\n"),
	})

	// Security groups: each port three ways in Terraform, two in CloudFormation.
	for _, sg := range []struct {
		slug, title, dbw   string
		from, to           int
		proto              string
		tfPorts, vpcPorts  string
		cfnFrom, cfnTo     int
		cfnProto, ruleDesc string
	}{
		{slug: "3306", title: "3306", dbw: "DBW-NET-001", from: 3306, to: 3306, proto: "tcp"},
		{slug: "22", title: "22", dbw: "DBW-NET-002", from: 22, to: 22, proto: "tcp"},
		{slug: "all-ports", title: "all ports", dbw: "DBW-NET-003", from: 0, to: 0, proto: "-1"},
	} {
		inline := fmt.Sprintf("description = \"everyone\"\nfrom_port   = %d\nto_port     = %d\nprotocol    = %q\ncidr_blocks = [\"0.0.0.0/0\"]", sg.from, sg.to, sg.proto)
		add(control{Slug: "sg-ingress-world-" + sg.slug, Title: "SG ingress 0.0.0.0/0 to " + sg.title, DBW: []string{sg.dbw}, Peer: peerSG,
			TF:  mainTF(securityGroup(inline)),
			CFN: cfnSecurityGroup("Ingress from everywhere to "+sg.title, cfnIngress(sg.from, sg.to, sg.proto)),
		})
		add(control{Slug: "sg-rule-world-" + sg.slug, Title: "aws_security_group_rule 0.0.0.0/0 to " + sg.title, DBW: []string{sg.dbw}, Peer: peerSG,
			TF: mainTF(securityGroup("") + "\n" + resource("aws_security_group_rule", "world", attrs{
				{"type", q("ingress")},
				{"description", q("everyone")},
				{"from_port", fmt.Sprint(sg.from)},
				{"to_port", fmt.Sprint(sg.to)},
				{"protocol", q(sg.proto)},
				{"cidr_blocks", `["0.0.0.0/0"]`},
				{"security_group_id", "aws_security_group.db.id"},
			})),
			CFN: cfnSecurityGroup("SecurityGroupIngress from everywhere to "+sg.title, "",
				cfnResource("WorldIngress", "AWS::EC2::SecurityGroupIngress", func() attrs {
					a := attrs{{"GroupId", "!GetAtt DBSecurityGroup.GroupId"}, {"Description", "everyone"}, {"IpProtocol", q(sg.proto)}, {"CidrIp", "0.0.0.0/0"}}
					if sg.proto != "-1" {
						a = a.with("FromPort", fmt.Sprint(sg.from), "ToPort", fmt.Sprint(sg.to))
					}
					return a
				}())),
		})
		vpc := attrs{
			{"security_group_id", "aws_security_group.db.id"},
			{"description", q("everyone")},
			{"cidr_ipv4", q("0.0.0.0/0")},
			{"ip_protocol", q(sg.proto)},
		}
		if sg.proto != "-1" {
			vpc = vpc.with("from_port", fmt.Sprint(sg.from), "to_port", fmt.Sprint(sg.to))
		}
		add(control{Slug: "vpc-ingress-rule-world-" + sg.slug, Title: "aws_vpc_security_group_ingress_rule 0.0.0.0/0 to " + sg.title, DBW: []string{sg.dbw}, Peer: peerSG,
			TF: mainTF(securityGroup("") + "\n" + resource("aws_vpc_security_group_ingress_rule", "world", vpc)),
		})
	}

	add(control{Slug: "instance-public-ip", Title: "Instance with a public IP", DBW: []string{"DBW-EC2-004"}, Peer: peerPublicIP,
		TF: mainTF(instanceModule("associate_public_ip_address", "true")),
		CFN: cfnInstance("Instance with a public IP", "SubnetId", "-", "SecurityGroupIds", "-",
			"NetworkInterfaces", "- DeviceIndex: \"0\"\n  SubnetId: !Ref PrivateSubnet\n  GroupSet: [!Ref AppSecurityGroup]\n  AssociatePublicIpAddress: true\n"),
	})
	add(control{Slug: "instance-public-subnet", Title: "Instance in a public subnet", DBW: []string{"DBW-EC2-005"}, Peer: peerSubnet,
		TF: mainTF(instanceModule("subnet_id", "aws_subnet.public.id") + "\n" +
			resource("aws_vpc", "main", attrs{{"cidr_block", q("10.0.0.0/16")}, {"enable_dns_hostnames", "true"}}) + "\n" +
			resource("aws_internet_gateway", "main", attrs{{"vpc_id", "aws_vpc.main.id"}}) + "\n" +
			resource("aws_subnet", "public", attrs{{"vpc_id", "aws_vpc.main.id"}, {"cidr_block", q("10.0.1.0/24")}, {"map_public_ip_on_launch", "true"}}) + "\n" +
			resource("aws_route_table", "public", attrs{{"vpc_id", "aws_vpc.main.id"}, {"@route", "cidr_block = \"0.0.0.0/0\"\ngateway_id = aws_internet_gateway.main.id"}}) + "\n" +
			resource("aws_route_table_association", "public", attrs{{"subnet_id", "aws_subnet.public.id"}, {"route_table_id", "aws_route_table.public.id"}})),
		CFN: template("Instance in a public subnet", []string{param("AmiId"), param("AppSecurityGroup"), param("InstanceProfile")},
			cfnResource("Vpc", "AWS::EC2::VPC", attrs{{"CidrBlock", "10.0.0.0/16"}, {"EnableDnsHostnames", "true"}}),
			cfnResource("Igw", "AWS::EC2::InternetGateway", nil),
			cfnResource("IgwAttachment", "AWS::EC2::VPCGatewayAttachment", attrs{{"VpcId", "!Ref Vpc"}, {"InternetGatewayId", "!Ref Igw"}}),
			cfnResource("PublicSubnet", "AWS::EC2::Subnet", attrs{{"VpcId", "!Ref Vpc"}, {"CidrBlock", "10.0.1.0/24"}, {"MapPublicIpOnLaunch", "true"}}),
			cfnResource("PublicRoutes", "AWS::EC2::RouteTable", attrs{{"VpcId", "!Ref Vpc"}}),
			cfnResource("DefaultRoute", "AWS::EC2::Route", attrs{{"RouteTableId", "!Ref PublicRoutes"}, {"DestinationCidrBlock", "0.0.0.0/0"}, {"GatewayId", "!Ref Igw"}}),
			cfnResource("PublicSubnetRoutes", "AWS::EC2::SubnetRouteTableAssociation", attrs{{"SubnetId", "!Ref PublicSubnet"}, {"RouteTableId", "!Ref PublicRoutes"}}),
			cfnKey("EbsKey"),
			cfnResource("AppTemplate", "AWS::EC2::LaunchTemplate", attrs{{"LaunchTemplateData", "MetadataOptions:\n  HttpEndpoint: enabled\n  HttpTokens: required\n  HttpPutResponseHopLimit: 1\n"}}),
			cfnResource("App", "AWS::EC2::Instance", cfnInstanceProps.with("SubnetId", "!Ref PublicSubnet"))),
	})
	add(control{Slug: "instance-no-termination-protection", Title: "Instance without termination protection", DBW: []string{"DBW-EC2-006"},
		TF:  mainTF(instanceModule("disable_api_termination", "-")),
		CFN: cfnInstance("Instance without termination protection", "DisableApiTermination", "-"),
	})
	add(control{Slug: "instance-ssh-key-pair", Title: "Instance with an SSH key pair", DBW: []string{"DBW-EC2-007"},
		TF:  mainTF(instanceModule("key_name", q("bench-admin"))),
		CFN: cfnInstance("Instance with an SSH key pair", "KeyName", "bench-admin"),
	})

	// RDS
	add(control{Slug: "rds-unencrypted", Title: "RDS storage not encrypted", DBW: []string{"DBW-RDS-001"}, Peer: peerRDSEnc,
		TF:  mainTF(rdsModule("storage_encrypted", "false", "kms_key_id", "-")),
		CFN: cfnRDS("RDS storage not encrypted", false, "StorageEncrypted", "false", "KmsKeyId", "-"),
	})
	add(control{Slug: "rds-no-cmk", Title: "RDS encrypted without a customer-managed key", DBW: []string{"DBW-RDS-002"},
		TF:  mainTF(rdsModule("kms_key_id", "-")),
		CFN: cfnRDS("RDS encrypted without a customer-managed key", false, "KmsKeyId", "-"),
	})
	add(control{Slug: "rds-publicly-accessible", Title: "RDS publicly accessible", DBW: []string{"DBW-RDS-003"}, Peer: peerRDSPublic,
		TF:  mainTF(rdsModule("publicly_accessible", "true")),
		CFN: cfnRDS("RDS publicly accessible", false, "PubliclyAccessible", "true"),
	})
	add(control{Slug: "rds-no-iam-auth", Title: "RDS without IAM authentication", DBW: []string{"DBW-RDS-004"}, Peer: peerRDSIAM,
		TF:  mainTF(rdsModule("iam_database_authentication_enabled", "-")),
		CFN: cfnRDS("RDS without IAM authentication", false, "EnableIAMDatabaseAuthentication", "-"),
	})
	add(control{Slug: "rds-backup-retention", Title: "RDS backup retention under 7 days", DBW: []string{"DBW-RDS-005"}, Peer: peerRDSBackup,
		TF:  mainTF(rdsModule("backup_retention_period", "1")),
		CFN: cfnRDS("RDS backup retention under 7 days", false, "BackupRetentionPeriod", "1"),
	})
	add(control{Slug: "rds-no-deletion-protection", Title: "RDS without deletion protection", DBW: []string{"DBW-RDS-006"}, Peer: peerRDSDelete,
		TF:  mainTF(rdsModule("deletion_protection", "false")),
		CFN: cfnRDS("RDS without deletion protection", false, "DeletionProtection", "false"),
	})
	add(control{Slug: "rds-literal-master-password", Title: "RDS master password written in the code", DBW: []string{"DBW-RDS-007", "DBW-CODE-002"},
		TF:  mainTF(rdsModule("manage_master_user_password", "-", "master_user_secret_kms_key_id", "-", "password", q(fakePassword))),
		CFN: cfnRDS("RDS master password written in the template", false, "ManageMasterUserPassword", "-", "MasterUserSecret", "-", "MasterUserPassword", q(fakePassword)),
	})
	add(control{Slug: "rds-snapshot-copy-unencrypted", Title: "RDS snapshot copy without a target KMS key", DBW: []string{"DBW-RDS-008"},
		TF: mainTF(resource("aws_db_snapshot_copy", "dr", attrs{
			{"source_db_snapshot_identifier", q("arn:aws:rds:eu-west-1:111122223333:snapshot:bench-mysql-nightly")},
			{"target_db_snapshot_identifier", q("bench-mysql-nightly-dr")},
			{"copy_tags", "true"},
		})),
	})

	// Secrets Manager
	add(control{Slug: "secret-no-rotation", Title: "Secret without rotation", DBW: []string{"DBW-SM-002"},
		TF:  mainTF(secretModule(nil, []string{"none"})),
		CFN: cfnSecret("Secret without rotation", nil, nil, []string{"none"}),
	})
	add(control{Slug: "secret-rotation-90-days", Title: "Secret rotated less often than every 30 days", DBW: []string{"DBW-SM-002"},
		TF:  mainTF(secretModule(nil, []string{"@rotation_rules", "automatically_after_days = 90"})),
		CFN: cfnSecret("Secret rotated every 90 days", nil, nil, []string{"RotationRules", "AutomaticallyAfterDays: 90\n"}),
	})
	add(control{Slug: "secret-recovery-window", Title: "Secret recovery window under 7 days", DBW: []string{"DBW-SM-001"},
		TF: mainTF(secretModule([]string{"recovery_window_in_days", "0"}, nil)),
	})
	add(control{Slug: "secret-no-cmk", Title: "Secret without a customer-managed key", DBW: []string{"DBW-SM-003"}, Peer: peerSecretCMK,
		TF:  mainTF(secretModule([]string{"kms_key_id", "-"}, nil)),
		CFN: cfnSecret("Secret without a customer-managed key", nil, []string{"KmsKeyId", "-"}, nil),
	})

	// KMS
	add(control{Slug: "kms-no-rotation", Title: "KMS key without rotation", DBW: []string{"DBW-KMS-001"}, Peer: peerKMSRotate,
		TF: mainTF(resource("aws_kms_key", "data", kmsArgs("data").with("enable_key_rotation", "false"))),
		CFN: template("KMS key without rotation", nil, cfnResource("DataKey", "AWS::KMS::Key",
			cfnKeyProps().with("EnableKeyRotation", "false"))),
	})
	add(control{Slug: "kms-policy-any-principal", Title: "KMS key policy grants *", DBW: []string{"DBW-IAM-004"},
		TF: mainTF(resource("aws_kms_key", "data", kmsArgs("data").with("policy", `jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Sid       = "Everyone"
      Effect    = "Allow"
      Principal = { AWS = "*" }
      Action    = "kms:*"
      Resource  = "*"
    }]
  })`))),
		CFN: template("KMS key policy grants *", nil, cfnResource("DataKey", "AWS::KMS::Key", cfnKeyProps().with("KeyPolicy",
			"Version: \"2012-10-17\"\nStatement:\n  - Sid: Everyone\n    Effect: Allow\n    Principal:\n      AWS: \"*\"\n    Action: \"kms:*\"\n    Resource: \"*\"\n"))),
	})

	// CloudWatch and SNS
	add(control{Slug: "log-group-no-retention", Title: "Log group without retention", DBW: []string{"DBW-LOG-003"},
		TF:  mainTF(logGroupModule("retention_in_days", "-")),
		CFN: cfnLogGroup("Log group without retention", "RetentionInDays", "-"),
	})
	add(control{Slug: "log-group-retention-pci", Title: "Log retention under 365 days (PCI)", Profile: "pci", DBW: []string{"DBW-LOG-001"},
		TF:  mainTF(logGroupModule("retention_in_days", "90")),
		CFN: cfnLogGroup("Log retention of 90 days", "RetentionInDays", "90"),
	})
	add(control{Slug: "log-group-retention-hipaa", Title: "Log retention under 730 days (HIPAA)", Profile: "hipaa", DBW: []string{"DBW-LOG-001"},
		TF:  mainTF(logGroupModule("retention_in_days", "400")),
		CFN: cfnLogGroup("Log retention of 400 days", "RetentionInDays", "400"),
	})
	add(control{Slug: "log-group-no-kms", Title: "Log group without a KMS key", DBW: []string{"DBW-LOG-002"}, Peer: peerLogCMK,
		TF:  mainTF(logGroupModule("kms_key_id", "-")),
		CFN: cfnLogGroup("Log group without a KMS key", "KmsKeyId", "-"),
	})
	add(control{Slug: "sns-unencrypted", Title: "SNS topic not encrypted", DBW: []string{"DBW-SNS-001"}, Peer: peerSNS,
		TF:  mainTF(resource("aws_sns_topic", "alerts", attrs{{"name", q("bench-alerts")}})),
		CFN: template("SNS topic not encrypted", nil, cfnResource("AlertTopic", "AWS::SNS::Topic", attrs{{"TopicName", "bench-alerts"}})),
	})
	add(control{Slug: "rds-no-alarm", Title: "No alarm for the database", DBW: []string{"DBW-LOG-004"},
		TF: mainTF(variables("db_subnet_group", "db_security_group_id") + "\n" + kmsKey("rds") + "\n" +
			resource("aws_db_instance", "mysql", rdsArgs)),
		CFN: cfnRDS("No alarm for the database", true),
	})

	// IAM
	add(control{Slug: "iam-action-star", Title: "IAM policy with Action *", DBW: []string{"DBW-IAM-001"}, Peer: peerIAMWild,
		TF:  mainTF(roleModule(assumeEC2, `"*"`, `"*"`)),
		CFN: cfnRole("IAM policy with Action *", cfnAssumeEC2, `"*"`, `"*"`),
	})
	add(control{Slug: "iam-secretsmanager-star", Title: "IAM secretsmanager:* on *", DBW: []string{"DBW-IAM-001"}, Peer: peerIAMWild,
		TF:  mainTF(roleModule(assumeEC2, `"secretsmanager:*"`, `"*"`)),
		CFN: cfnRole("IAM secretsmanager:* on *", cfnAssumeEC2, `"secretsmanager:*"`, `"*"`),
	})
	add(control{Slug: "iam-trust-anyone", Title: "Role trust policy open to *", DBW: []string{"DBW-IAM-002"},
		TF: mainTF(roleModule(`jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Effect    = "Allow"
      Action    = "sts:AssumeRole"
      Principal = { AWS = "*" }
    }]
  })`, `"secretsmanager:GetSecretValue"`, secretARN)),
		CFN: cfnRole("Role trust policy open to *", "Version: \"2012-10-17\"\nStatement:\n  - Effect: Allow\n    Action: sts:AssumeRole\n    Principal:\n      AWS: \"*\"\n",
			"secretsmanager:GetSecretValue", cfnSecretARN),
	})
	add(control{Slug: "iam-policy-on-user", Title: "IAM policy attached to a user", DBW: []string{"DBW-IAM-003"}, Peer: peerUserPolicy,
		TF: mainTF(resource("aws_iam_user", "ops", attrs{{"name", q("bench-ops")}}) + "\n" +
			resource("aws_iam_policy", "read_secret", attrs{{"name", q("read-db-secret")}, {"policy", policyJSON(`"secretsmanager:GetSecretValue"`, secretARN)}}) + "\n" +
			resource("aws_iam_user_policy_attachment", "ops", attrs{{"user", "aws_iam_user.ops.name"}, {"policy_arn", "aws_iam_policy.read_secret.arn"}})),
		CFN: template("IAM policy attached to a user", nil,
			cfnResource("Ops", "AWS::IAM::User", attrs{{"UserName", "bench-ops"}}),
			cfnResource("ReadSecret", "AWS::IAM::ManagedPolicy", attrs{
				{"Users", "[!Ref Ops]"},
				{"PolicyDocument", cfnPolicyDoc("secretsmanager:GetSecretValue", cfnSecretARN)},
			})),
	})

	// S3
	add(control{Slug: "s3-no-versioning", Title: "S3 bucket without versioning", DBW: []string{"DBW-S3-001"}, Peer: peerS3Version,
		TF:  mainTF(bucketModule("", "versioning")),
		CFN: cfnBucket("S3 bucket without versioning", "VersioningConfiguration", "-"),
	})
	add(control{Slug: "s3-no-encryption", Title: "S3 bucket without default encryption", DBW: []string{"DBW-S3-002"}, Peer: peerS3Encrypt,
		TF:  mainTF(bucketModule("", "sse")),
		CFN: cfnBucket("S3 bucket without default encryption", "BucketEncryption", "-"),
	})
	add(control{Slug: "s3-no-public-access-block", Title: "S3 bucket without a public access block", DBW: []string{"DBW-S3-003"}, Peer: peerS3Public,
		TF:  mainTF(bucketModule("", "pab")),
		CFN: cfnBucket("S3 bucket without a public access block", "PublicAccessBlockConfiguration", "-"),
	})
	add(control{Slug: "s3-no-mfa-delete", Title: "Backup bucket without MFA delete (PCI)", Profile: "pci", DBW: []string{"DBW-S3-004"},
		TF: mainTF(bucketModule("status     = \"Enabled\"\nmfa_delete = \"Disabled\"")),
	})

	// Credentials in code
	add(control{Slug: "password-in-variable-default", Title: "Password in a variable default", DBW: []string{"DBW-CODE-001"},
		TF: mainTF(`variable "db_password" {
  description = "MySQL password of the application"
  type        = string
  sensitive   = true
  default     = ` + q(fakePassword) + `
}
`),
	})
	add(control{Slug: "password-in-tfvars", Title: "Password in a tfvars file", DBW: []string{"DBW-CODE-001"},
		TF: map[string]string{
			"main.tf": `variable "db_password" {
  description = "MySQL password of the application"
  type        = string
  sensitive   = true
}
`,
			"terraform.tfvars": "db_password = " + q(fakePassword) + "\n",
		},
	})
	add(control{Slug: "password-in-lambda-env", Title: "Password in a Lambda environment", DBW: []string{"DBW-CODE-002"},
		TF: mainTF(variable("lambda_role_arn") + "\n" + resource("aws_lambda_function", "report", attrs{
			{"function_name", q("bench-report")},
			{"role", "var.lambda_role_arn"},
			{"handler", q("report.handler")},
			{"runtime", q("python3.12")},
			{"filename", q("report.zip")},
			{"@tracing_config", `mode = "Active"`},
			{"@environment", "variables = {\n  DB_HOST     = \"bench-mysql.internal\"\n  DB_PASSWORD = " + q(fakePassword) + "\n}"},
		})),
		CFN: template("Password in a Lambda environment", []string{param("LambdaRoleArn")}, cfnResource("Report", "AWS::Lambda::Function", attrs{
			{"FunctionName", "bench-report"},
			{"Role", "!Ref LambdaRoleArn"},
			{"Handler", "report.handler"},
			{"Runtime", "python3.12"},
			{"Code", "S3Bucket: bench-artifacts\nS3Key: report.zip\n"},
			{"TracingConfig", "Mode: Active\n"},
			{"Environment", "Variables:\n  DB_HOST: bench-mysql.internal\n  DB_PASSWORD: " + q(fakePassword) + "\n"},
		})),
	})
	add(control{Slug: "password-in-user-data", Title: "Password in instance user data", DBW: []string{"DBW-CODE-004"}, Peer: peerUserData,
		TF: mainTF(instanceModule("user_data", "<<-EOT\n#!/bin/bash\ndocker run -d --name app -e DB_PASSWORD="+fakePassword+" bench-app:1\nEOT")),
		CFN: cfnInstance("Password in instance user data", "UserData",
			"Fn::Base64: !Sub |\n  #!/bin/bash\n  aws configure set region ${AWS::Region}\n  docker run -d --name app -e DB_PASSWORD="+fakePassword+" bench-app:1\n"),
	})
	add(control{Slug: "password-in-task-definition", Title: "Password in a container definition's environment", DBW: []string{"DBW-CODE-004"}, Peer: peerECSEnv,
		TF: mainTF(resource("aws_ecs_task_definition", "app", attrs{
			{"family", q("bench-app")},
			{"container_definitions", "jsonencode([{\n  name  = \"app\"\n  image = \"bench-app:1\"\n  environment = [\n    { name = \"DB_HOST\", value = \"bench-mysql.internal\" },\n    { name = \"DB_PASSWORD\", value = " + q(fakePassword) + " },\n  ]\n}])"},
		})),
		CFN: template("Password in a container definition's environment", nil, cfnResource("App", "AWS::ECS::TaskDefinition", attrs{
			{"Family", "bench-app"},
			{"ContainerDefinitions", "- Name: app\n  Image: bench-app:1\n  Environment:\n    - Name: DB_HOST\n      Value: bench-mysql.internal\n    - Name: DB_PASSWORD\n      Value: " + q(fakePassword) + "\n"},
		})),
	})
	add(control{Slug: "parameter-without-noecho", Title: "CloudFormation password parameter without NoEcho", DBW: []string{"DBW-CODE-001"},
		CFN: cfnSecret("Password parameter without NoEcho", []string{"  DBPassword:\n    Type: String\n    MinLength: 16\n"},
			[]string{"GenerateSecretString", "-", "SecretString", "!Sub '{\"username\": \"app\", \"password\": \"${DBPassword}\"}'"}, nil),
	})
	add(control{Slug: "output-not-sensitive", Title: "Output with a password, not sensitive", DBW: []string{"DBW-CODE-003"},
		TF: mainTF(`variable "db_password" {
  description = "MySQL password of the application"
  type        = string
}

output "db_password" {
  value = var.db_password
}
`),
		CFN: cfnSecret("Output with a password", []string{"  DBPassword:\n    Type: String\n    NoEcho: true\n"},
			[]string{"GenerateSecretString", "-", "SecretString", "!Ref DBPassword"}, nil) + "Outputs:\n  DBPassword:\n    Value: !Ref DBPassword\n",
	})

	// Credentials in container files
	add(control{Slug: "password-in-dockerfile-env", Title: "Password in a Dockerfile ENV", DBW: []string{"DBW-CODE-004"}, Peer: peerDockerSecret,
		Container: dockerfile("ENV MYSQL_ROOT_PASSWORD=" + fakePassword),
	})
	add(control{Slug: "password-in-dockerfile-arg", Title: "Password as a Dockerfile build argument default", DBW: []string{"DBW-CODE-004"}, Peer: peerDockerSecret,
		Container: dockerfile("ARG DB_PASSWORD=" + fakePassword),
	})
	add(control{Slug: "password-in-dockerfile-run", Title: "Password in a Dockerfile RUN", DBW: []string{"DBW-CODE-004"}, Peer: peerDockerSecret,
		Container: dockerfile(`RUN mysql -uroot -p` + fakePassword + ` -e "SELECT 1"`),
	})
	add(control{Slug: "password-in-compose-environment", Title: "Password in a Compose service environment", DBW: []string{"DBW-CODE-004"},
		Container: map[string]string{"compose.yaml": `services:
  mysql:
    image: mysql:8.0
    environment:
      MYSQL_DATABASE: app
      MYSQL_ROOT_PASSWORD: ` + fakePassword + `
`},
	})
	add(control{Slug: "dotenv-not-ignored", Title: ".env with a password not excluded by .gitignore", DBW: []string{"DBW-CODE-005"},
		Container: map[string]string{
			".env": "DB_HOST=mysql.internal\nDB_PASSWORD=" + fakePassword + "\n",
			// The seeded modules' .gitignore: state, tfvars, .terraform/, no .env.
			".gitignore": gitignore,
		},
	})

	// Terraform state
	add(control{Slug: "backend-not-encrypted", Title: "S3 backend without encrypt", DBW: []string{"DBW-STATE-001"},
		TF:      mainTF(kmsKey("data")),
		Backend: backendArgs("backend-not-encrypted").with("encrypt", "-"),
	})
	add(control{Slug: "backend-no-locking", Title: "S3 backend without locking", DBW: []string{"DBW-STATE-001"},
		TF:      mainTF(kmsKey("data")),
		Backend: backendArgs("backend-no-locking").with("use_lockfile", "-"),
	})
	add(control{Slug: "no-gitignore", Title: "No .gitignore for state", DBW: []string{"DBW-STATE-003"},
		TF: mainTF(kmsKey("data")), NoGitignore: true,
	})

	// DynamoDB
	add(control{Slug: "dynamodb-no-pitr", Title: "DynamoDB without point-in-time recovery", DBW: []string{"DBW-DDB-002"}, Peer: peerDDBPITR,
		TF:  mainTF(dynamoModule("@point_in_time_recovery", "-")),
		CFN: cfnTable("DynamoDB without point-in-time recovery", "PointInTimeRecoverySpecification", "-"),
	})
	add(control{Slug: "dynamodb-no-cmk", Title: "DynamoDB without a customer-managed key", DBW: []string{"DBW-DDB-001"}, Peer: peerDDBCMK,
		TF:  mainTF(dynamoModule("@server_side_encryption", "-")),
		CFN: cfnTable("DynamoDB without a customer-managed key", "SSESpecification", "-"),
	})

	// Network
	add(control{Slug: "no-secretsmanager-endpoint", Title: "Private network without NAT or Secrets Manager endpoint", DBW: []string{"DBW-NET-004"},
		TF: mainTF(resource("aws_vpc", "main", attrs{{"cidr_block", q("10.0.0.0/16")}, {"enable_dns_hostnames", "true"}, {"enable_dns_support", "true"}}) + "\n" +
			resource("aws_subnet", "private", attrs{{"vpc_id", "aws_vpc.main.id"}, {"cidr_block", q("10.0.1.0/24")}, {"map_public_ip_on_launch", "false"}}) + "\n" +
			resource("aws_route_table", "private", attrs{{"vpc_id", "aws_vpc.main.id"}}) + "\n" +
			resource("aws_route_table_association", "private", attrs{{"subnet_id", "aws_subnet.private.id"}, {"route_table_id", "aws_route_table.private.id"}})),
		CFN: template("Private network without NAT or endpoints", nil,
			cfnResource("Vpc", "AWS::EC2::VPC", attrs{{"CidrBlock", "10.0.0.0/16"}, {"EnableDnsHostnames", "true"}, {"EnableDnsSupport", "true"}}),
			cfnResource("PrivateSubnet", "AWS::EC2::Subnet", attrs{{"VpcId", "!Ref Vpc"}, {"CidrBlock", "10.0.1.0/24"}, {"MapPublicIpOnLaunch", "false"}})),
	})
	return cs
}
