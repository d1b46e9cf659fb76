package main

import (
	"fmt"
	"strings"
)

// Compliant CloudFormation building blocks, the counterparts of blocks.go.

// template renders a template from parameter and resource fragments, each
// already indented by two spaces.
func template(desc string, params []string, resources ...string) string {
	var b strings.Builder
	fmt.Fprintf(&b, "AWSTemplateFormatVersion: \"2010-09-09\"\nDescription: %s\n", desc)
	if len(params) > 0 {
		b.WriteString("Parameters:\n")
		for _, p := range params {
			b.WriteString(p)
		}
	}
	b.WriteString("Resources:\n")
	for _, r := range resources {
		b.WriteString(r)
	}
	return b.String()
}

// param is a String parameter without a default.
func param(name string) string {
	return fmt.Sprintf("  %s:\n    Type: String\n", name)
}

// cfnResource renders a resource; a property whose value spans lines is a
// nested YAML block, written without its own indentation.
func cfnResource(name, typ string, props attrs) string {
	var b strings.Builder
	fmt.Fprintf(&b, "  %s:\n    Type: %s\n", name, typ)
	if len(props) == 0 {
		return b.String()
	}
	b.WriteString("    Properties:\n")
	for _, p := range props {
		if !strings.Contains(p.v, "\n") {
			fmt.Fprintf(&b, "      %s: %s\n", p.k, p.v)
			continue
		}
		fmt.Fprintf(&b, "      %s:\n", p.k)
		for _, line := range strings.Split(strings.TrimRight(p.v, "\n"), "\n") {
			fmt.Fprintf(&b, "        %s\n", line)
		}
	}
	return b.String()
}

// accountKeyPolicy gives the account's administrators the key.
const accountKeyPolicy = `Version: "2012-10-17"
Statement:
  - Sid: AccountAdministration
    Effect: Allow
    Principal:
      AWS: !Sub "arn:aws:iam::${AWS::AccountId}:root"
    Action: "kms:*"
    Resource: "*"
`

func cfnKeyProps() attrs {
	return attrs{
		{"Description", "bench key"},
		{"EnableKeyRotation", "true"},
		{"PendingWindowInDays", "30"},
		{"KeyPolicy", accountKeyPolicy},
	}
}

func cfnKey(name string) string { return cfnResource(name, "AWS::KMS::Key", cfnKeyProps()) }

var cfnDBProps = attrs{
	{"DBInstanceIdentifier", "bench-mysql"},
	{"Engine", "mysql"},
	{"EngineVersion", `"8.0.42"`},
	{"DBInstanceClass", "db.t3.medium"},
	{"AllocatedStorage", `"50"`},
	{"StorageType", "gp3"},
	{"StorageEncrypted", "true"},
	{"KmsKeyId", "!Ref RdsKey"},
	{"MasterUsername", "admin"},
	{"ManageMasterUserPassword", "true"},
	{"MasterUserSecret", "KmsKeyId: !Ref RdsKey\n"},
	{"EnableIAMDatabaseAuthentication", "true"},
	{"DBSubnetGroupName", "!Ref DBSubnetGroup"},
	{"VPCSecurityGroups", "[!Ref DBSecurityGroup]"},
	{"PubliclyAccessible", "false"},
	{"MultiAZ", "true"},
	{"BackupRetentionPeriod", "14"},
	{"DeletionProtection", "true"},
	{"CopyTagsToSnapshot", "true"},
	{"EnableCloudwatchLogsExports", "[audit, error, general, slowquery]"},
	{"EnablePerformanceInsights", "true"},
	{"PerformanceInsightsKMSKeyId", "!Ref RdsKey"},
}

func cfnAlerts() string {
	return cfnKey("AlertKey") + cfnResource("AlertTopic", "AWS::SNS::Topic", attrs{
		{"TopicName", "bench-alerts"},
		{"KmsMasterKeyId", "!Ref AlertKey"},
	})
}

func cfnAlarm() string {
	return cfnResource("CpuAlarm", "AWS::CloudWatch::Alarm", attrs{
		{"Namespace", "AWS/RDS"},
		{"MetricName", "CPUUtilization"},
		{"Dimensions", "- Name: DBInstanceIdentifier\n  Value: !Ref Database\n"},
		{"ComparisonOperator", "GreaterThanThreshold"},
		{"Threshold", "80"},
		{"EvaluationPeriods", "3"},
		{"Period", "300"},
		{"Statistic", "Average"},
		{"AlarmActions", "[!Ref AlertTopic]"},
	})
}

// cfnRDS is a database with its key, topic and alarm; over changes the
// database's properties; noAlarm leaves the alarm out.
func cfnRDS(desc string, noAlarm bool, over ...string) string {
	res := []string{cfnKey("RdsKey"), cfnResource("Database", "AWS::RDS::DBInstance", cfnDBProps.with(over...))}
	if !noAlarm {
		res = append(res, cfnAlerts(), cfnAlarm())
	}
	return template(desc, []string{param("DBSubnetGroup"), param("DBSecurityGroup")}, res...)
}

var cfnLaunchTemplateData = attrs{
	{"ImageId", "!Ref AmiId"},
	{"InstanceType", "t3.medium"},
	{"DisableApiTermination", "true"},
	{"MetadataOptions", "HttpEndpoint: enabled\nHttpTokens: required\nHttpPutResponseHopLimit: 1\n"},
	{"BlockDeviceMappings", `- DeviceName: /dev/xvda
  Ebs:
    VolumeSize: 50
    VolumeType: gp3
    Encrypted: true
    KmsKeyId: !Ref EbsKey
`},
}

// cfnLaunchTemplate is a launch template; over changes its
// LaunchTemplateData.
func cfnLaunchTemplate(desc string, over ...string) string {
	data := cfnLaunchTemplateData.with(over...)
	var b strings.Builder
	for _, p := range data {
		if !strings.Contains(p.v, "\n") {
			fmt.Fprintf(&b, "%s: %s\n", p.k, p.v)
			continue
		}
		fmt.Fprintf(&b, "%s:\n", p.k)
		for _, line := range strings.Split(strings.TrimRight(p.v, "\n"), "\n") {
			fmt.Fprintf(&b, "  %s\n", line)
		}
	}
	return template(desc, []string{param("AmiId")}, cfnKey("EbsKey"), cfnResource("AppTemplate", "AWS::EC2::LaunchTemplate", attrs{
		{"LaunchTemplateName", "bench-app"},
		{"LaunchTemplateData", b.String()},
	}))
}

var cfnInstanceProps = attrs{
	{"ImageId", "!Ref AmiId"},
	{"InstanceType", "t3.medium"},
	{"SubnetId", "!Ref PrivateSubnet"},
	{"SecurityGroupIds", "[!Ref AppSecurityGroup]"},
	{"IamInstanceProfile", "!Ref InstanceProfile"},
	{"DisableApiTermination", "true"},
	{"Monitoring", "true"},
	{"EbsOptimized", "true"},
	{"LaunchTemplate", "LaunchTemplateId: !Ref AppTemplate\nVersion: !GetAtt AppTemplate.LatestVersionNumber\n"},
	{"BlockDeviceMappings", `- DeviceName: /dev/xvda
  Ebs:
    VolumeSize: 50
    VolumeType: gp3
    Encrypted: true
    KmsKeyId: !Ref EbsKey
`},
}

// cfnInstance is an instance whose metadata options come from a launch
// template (EC2::Instance has no MetadataOptions of its own).
func cfnInstance(desc string, over ...string) string {
	lt := cfnResource("AppTemplate", "AWS::EC2::LaunchTemplate", attrs{
		{"LaunchTemplateData", "MetadataOptions:\n  HttpEndpoint: enabled\n  HttpTokens: required\n  HttpPutResponseHopLimit: 1\n"},
	})
	return template(desc, []string{param("AmiId"), param("PrivateSubnet"), param("AppSecurityGroup"), param("InstanceProfile")},
		cfnKey("EbsKey"), lt, cfnResource("App", "AWS::EC2::Instance", cfnInstanceProps.with(over...)))
}

// cfnSecurityGroup is a group for the database with the given ingress
// rules (a YAML list), or none.
func cfnSecurityGroup(desc, ingress string, extra ...string) string {
	p := attrs{
		{"GroupDescription", "MySQL clients"},
		{"VpcId", "!Ref VpcId"},
	}
	if ingress != "" {
		p = p.with("SecurityGroupIngress", ingress)
	}
	return template(desc, []string{param("VpcId")}, append([]string{cfnResource("DBSecurityGroup", "AWS::EC2::SecurityGroup", p)}, extra...)...)
}

func cfnIngress(from, to int, proto string) string {
	if proto == "-1" {
		return "- IpProtocol: \"-1\"\n  CidrIp: 0.0.0.0/0\n  Description: everyone\n"
	}
	return fmt.Sprintf("- IpProtocol: %s\n  FromPort: %d\n  ToPort: %d\n  CidrIp: 0.0.0.0/0\n  Description: everyone\n", proto, from, to)
}

// cfnSecret is a secret with a customer-managed key rotated every 30
// days; rotation "none" leaves the schedule out; params are declared besides
// the rotation function's ARN.
func cfnSecret(desc string, params, secret, rotation []string) string {
	s := attrs{
		{"Name", "prod/bench/mysql/app"},
		{"Description", "MySQL credentials of the application"},
		{"KmsKeyId", "!Ref SecretsKey"},
		{"GenerateSecretString", "SecretStringTemplate: '{\"username\": \"app\"}'\nGenerateStringKey: password\nPasswordLength: 32\n"},
	}.with(secret...)
	res := []string{cfnKey("SecretsKey"), cfnResource("DBSecret", "AWS::SecretsManager::Secret", s)}
	if !(len(rotation) == 1 && rotation[0] == "none") {
		res = append(res, cfnResource("DBSecretRotation", "AWS::SecretsManager::RotationSchedule", attrs{
			{"SecretId", "!Ref DBSecret"},
			{"RotationLambdaARN", "!Ref RotationLambdaArn"},
			{"RotationRules", "AutomaticallyAfterDays: 30\n"},
		}.with(rotation...)))
	}
	return template(desc, append(params, param("RotationLambdaArn")), res...)
}

func cfnLogGroup(desc string, over ...string) string {
	return template(desc, nil, cfnKey("LogsKey"), cfnResource("ErrorLog", "AWS::Logs::LogGroup", attrs{
		{"LogGroupName", "/bench/mysql/error"},
		{"RetentionInDays", "731"},
		{"KmsKeyId", "!GetAtt LogsKey.Arn"},
	}.with(over...)))
}

const cfnAssumeEC2 = `Version: "2012-10-17"
Statement:
  - Effect: Allow
    Action: sts:AssumeRole
    Principal:
      Service: ec2.amazonaws.com
`

func cfnPolicyDoc(action, res string) string {
	return fmt.Sprintf("Version: \"2012-10-17\"\nStatement:\n  - Effect: Allow\n    Action: %s\n    Resource: %s\n", action, res)
}

const cfnSecretARN = `"arn:aws:secretsmanager:eu-west-1:111122223333:secret:prod/bench/mysql/app-AbCdEf"`

func cfnRole(desc, trust, action, res string) string {
	return template(desc, nil, cfnResource("AppRole", "AWS::IAM::Role", attrs{
		{"RoleName", "bench-app"},
		{"AssumeRolePolicyDocument", trust},
		{"Policies", "- PolicyName: read-db-secret\n  PolicyDocument:\n" + indent(cfnPolicyDoc(action, res), "    ")},
	}))
}

func indent(s, pre string) string {
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	for i, l := range lines {
		lines[i] = pre + l
	}
	return strings.Join(lines, "\n") + "\n"
}

func cfnBucket(desc string, over ...string) string {
	return template(desc, nil, cfnKey("BackupsKey"), cfnResource("Backups", "AWS::S3::Bucket", attrs{
		{"BucketName", "bench-mysql-backups"},
		{"VersioningConfiguration", "Status: Enabled\n"},
		{"BucketEncryption", `ServerSideEncryptionConfiguration:
  - ServerSideEncryptionByDefault:
      SSEAlgorithm: aws:kms
      KMSMasterKeyID: !GetAtt BackupsKey.Arn
    BucketKeyEnabled: true
`},
		{"PublicAccessBlockConfiguration", "BlockPublicAcls: true\nBlockPublicPolicy: true\nIgnorePublicAcls: true\nRestrictPublicBuckets: true\n"},
	}.with(over...)))
}

func cfnTable(desc string, over ...string) string {
	return template(desc, nil, cfnKey("TableKey"), cfnResource("Operations", "AWS::DynamoDB::Table", attrs{
		{"TableName", "bench-operations"},
		{"BillingMode", "PAY_PER_REQUEST"},
		{"AttributeDefinitions", "- AttributeName: id\n  AttributeType: S\n"},
		{"KeySchema", "- AttributeName: id\n  KeyType: HASH\n"},
		{"PointInTimeRecoverySpecification", "PointInTimeRecoveryEnabled: true\n"},
		{"SSESpecification", "SSEEnabled: true\nSSEType: KMS\nKMSMasterKeyId: !Ref TableKey\n"},
	}.with(over...)))
}
