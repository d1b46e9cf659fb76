package rules

import (
	"github.com/dbwarden/dbwarden/internal/scan"
)

// computeRules check EC2 instances and launch templates.
var computeRules = []*scan.Rule{ec2EBSEncrypted, ec2IMDSv2, ec2HopLimit, ec2PublicIP, ec2PublicSubnet, ec2TerminationProtection, ec2SSHKey}

var ec2EBSEncrypted = &scan.Rule{
	ID:       "DBW-EC2-001",
	Title:    "EBS volume not encrypted",
	Severity: scan.High,
	Applies: map[scan.Lang][]string{
		scan.Terraform:      {"aws_ebs_volume", "aws_instance", "aws_launch_template", "aws_launch_configuration", "aws_ebs_encryption_by_default"},
		scan.CloudFormation: {"AWS::EC2::Volume", "AWS::EC2::Instance", "AWS::EC2::LaunchTemplate"},
	},
	Seeds: []string{"000 §3", "000 checklist", "001 §1", "001 common mistakes"},
	Rationale: "MySQL's data files, binary logs and local backups live on the instance's EBS volumes. " +
		"Seed 000 §3 enables EBS encryption by default (root_block_device { encrypted = true }) so " +
		"that all MySQL data is encrypted on disk; seed 001 encrypts every volume and lists " +
		"\"Disable EBS encryption\" among the common mistakes. An unencrypted volume and its snapshots " +
		"can be read by anyone who can copy or share them.",
	Remediation: "Set encrypted = true on every root_block_device, ebs_block_device, aws_ebs_volume and " +
		"launch template block device (with kms_key_id for a customer-managed key), or enable " +
		"aws_ebs_encryption_by_default for the account and region.",
	Example: map[scan.Lang]string{
		scan.Terraform: `resource "aws_instance" "mysql" {
  ami           = data.aws_ami.ubuntu.id
  instance_type = "t3.medium"

  root_block_device {
    encrypted   = true
    kms_key_id  = aws_kms_key.ebs.arn
    volume_type = "gp3"
  }
}`,
		scan.CloudFormation: `MySQLInstance:
  Type: AWS::EC2::Instance
  Properties:
    ImageId: !Ref ImageId
    BlockDeviceMappings:
      - DeviceName: /dev/xvda
        Ebs:
          Encrypted: true
          KmsKeyId: !Ref EbsKey
          VolumeType: gp3`,
	},
	Trivy:   []string{"AVD-AWS-0026", "AVD-AWS-0131", "AVD-AWS-0027"},
	Checkov: []string{"CKV_AWS_3", "CKV_AWS_8", "CKV_AWS_189"},
	Check: func(p *scan.Project, out *scan.Out) {
		for _, r := range tfResources(p, "aws_ebs_encryption_by_default") {
			if on, ok := r.Attr("enabled").True(true); ok && on {
				return // every new volume of the account is encrypted
			}
		}
		for _, r := range tfResources(p, "aws_ebs_volume") {
			wantTrue(out, r, r.Attr("encrypted"), false, "encrypted")
		}
		for _, r := range tfResources(p, "aws_instance", "aws_launch_configuration") {
			root := r.Attr("root_block_device")
			if !root.Set() || len(root.Items()) == 0 {
				if r.Type == "aws_instance" && r.Attr("launch_template").Set() {
					continue // the launch template declares the volumes
				}
				out.Fail(r, nil, "no root_block_device with encrypted = true: the root volume is not encrypted (nor is aws_ebs_encryption_by_default enabled)")
			}
			for _, b := range root.Items() {
				wantTrue(out, r, b.Get("encrypted"), false, "root_block_device.encrypted")
			}
			for _, b := range r.Attr("ebs_block_device").Items() {
				wantTrue(out, r, b.Get("encrypted"), false, "ebs_block_device.encrypted")
			}
		}
		for _, r := range tfResources(p, "aws_launch_template") {
			for _, m := range r.Attr("block_device_mappings").Items() {
				for _, ebs := range m.Get("ebs").Items() {
					wantTrue(out, r, ebs.Get("encrypted"), false, "block_device_mappings.ebs.encrypted")
				}
			}
		}
		for _, r := range cfnResources(p, "AWS::EC2::Volume") {
			wantTrue(out, r, r.Attr("Encrypted"), false, "Encrypted")
		}
		for _, r := range cfnResources(p, "AWS::EC2::Instance") {
			m := r.Attr("BlockDeviceMappings")
			if !known(m) {
				out.Unknown(r, m, "BlockDeviceMappings are only known when applied")
				continue
			}
			if len(m.Items()) == 0 && !r.Attr("LaunchTemplate").Set() {
				out.Fail(r, nil, "no BlockDeviceMappings entry with Ebs.Encrypted: true: the root volume is not encrypted")
			}
			cfnMappings(out, r, m, "BlockDeviceMappings")
		}
		for _, r := range cfnResources(p, "AWS::EC2::LaunchTemplate") {
			cfnMappings(out, r, r.Attr("LaunchTemplateData", "BlockDeviceMappings"), "LaunchTemplateData.BlockDeviceMappings")
		}
	},
}

func cfnMappings(out *scan.Out, r *scan.Resource, m *scan.Value, what string) {
	if !known(m) {
		out.Unknown(r, m, "%s are only known when applied", what)
		return
	}
	for _, b := range m.Items() {
		if ebs := b.Get("Ebs"); ebs.Set() {
			wantTrue(out, r, ebs.Get("Encrypted"), false, what+".Ebs.Encrypted")
		}
	}
}

// metadataOptions returns an instance's or launch template's metadata
// options with the attribute names of its language.
func metadataOptions(r *scan.Resource) (mo *scan.Value, endpoint, tokens, hops string) {
	switch r.Type {
	case "AWS::EC2::Instance":
		return r.Attr("MetadataOptions"), "HttpEndpoint", "HttpTokens", "HttpPutResponseHopLimit"
	case "AWS::EC2::LaunchTemplate":
		return r.Attr("LaunchTemplateData", "MetadataOptions"), "HttpEndpoint", "HttpTokens", "HttpPutResponseHopLimit"
	}
	return r.Attr("metadata_options"), "http_endpoint", "http_tokens", "http_put_response_hop_limit"
}

// metadataResources returns the instances and launch templates whose
// metadata options apply. An instance launched from a template without
// metadata options of its own takes the template's, which are checked on
// the template.
func metadataResources(p *scan.Project) []*scan.Resource {
	var out []*scan.Resource
	for _, r := range append(tfResources(p, "aws_instance", "aws_launch_template"), cfnResources(p, "AWS::EC2::Instance", "AWS::EC2::LaunchTemplate")...) {
		mo, _, _, _ := metadataOptions(r)
		fromTemplate := r.Attr("launch_template").Set() || (r.Type == "AWS::EC2::Instance" && r.Attr("LaunchTemplate").Set())
		if fromTemplate && !mo.Set() {
			continue
		}
		out = append(out, r)
	}
	return out
}

// metadataDisabled reports whether the instance metadata service is off.
func metadataDisabled(mo *scan.Value, endpoint string) bool {
	s, ok := str(mo.Get(endpoint))
	return ok && s == "disabled"
}

var ec2IMDSv2 = &scan.Rule{
	ID:       "DBW-EC2-002",
	Title:    "Instance metadata service allows IMDSv1 (session tokens not required)",
	Severity: scan.High,
	Applies: map[scan.Lang][]string{
		scan.Terraform:      {"aws_instance", "aws_launch_template"},
		scan.CloudFormation: {"AWS::EC2::Instance", "AWS::EC2::LaunchTemplate"},
	},
	Seeds: []string{"000 §6", "001 §3"},
	Rationale: "Seeds 000 §6 and 001 §3 enforce IMDSv2 (http_tokens = \"required\") to prevent SSRF " +
		"attacks from reaching the instance metadata: with IMDSv1 a single forged GET to " +
		"169.254.169.254 returns the instance role's credentials, and with them the MySQL secrets.",
	Remediation: "Set metadata_options { http_tokens = \"required\" } (CloudFormation: MetadataOptions: " +
		"HttpTokens: required).",
	Example: map[scan.Lang]string{
		scan.Terraform: `resource "aws_instance" "mysql" {
  ami           = data.aws_ami.ubuntu.id
  instance_type = "t3.medium"

  metadata_options {
    http_endpoint               = "enabled"
    http_tokens                 = "required"
    http_put_response_hop_limit = 1
  }
}`,
		scan.CloudFormation: `MySQLInstance:
  Type: AWS::EC2::Instance
  Properties:
    ImageId: !Ref ImageId
    MetadataOptions:
      HttpEndpoint: enabled
      HttpTokens: required
      HttpPutResponseHopLimit: 1`,
	},
	Trivy:   []string{"AVD-AWS-0028", "AVD-AWS-0130"},
	Checkov: []string{"CKV_AWS_79"},
	Check: func(p *scan.Project, out *scan.Out) {
		for _, r := range metadataResources(p) {
			mo, endpoint, tokens, _ := metadataOptions(r)
			if r.Type == "AWS::EC2::LaunchTemplate" && !r.Attr("LaunchTemplateData").Set() {
				continue
			}
			if !known(mo) || !known(mo.Get(endpoint)) {
				out.Unknown(r, mo, "metadata options are only known when applied")
				continue
			}
			if metadataDisabled(mo, endpoint) {
				continue
			}
			t := mo.Get(tokens)
			s, ok := str(t)
			switch {
			case !t.Set():
				out.Fail(r, mo, "%s is not set: it defaults to \"optional\", which allows IMDSv1", tokens)
			case !ok:
				out.Unknown(r, t, "%s is only known when applied", tokens)
			case s != "required":
				out.Fail(r, t, "%s is %q: want \"required\" (IMDSv2 only)", tokens, s)
			}
		}
	},
}

var ec2HopLimit = &scan.Rule{
	ID:       "DBW-EC2-003",
	Title:    "Instance metadata response hop limit above 1",
	Severity: scan.Medium,
	Applies: map[scan.Lang][]string{
		scan.Terraform:      {"aws_instance", "aws_launch_template"},
		scan.CloudFormation: {"AWS::EC2::Instance", "AWS::EC2::LaunchTemplate"},
	},
	Seeds: []string{"000 §6", "001 §3"},
	Rationale: "Seeds 000 §6 and 001 §3 set http_put_response_hop_limit = 1 with IMDSv2. With a higher " +
		"limit the metadata token reaches containers behind a bridge network, so a compromised container " +
		"on the MySQL host can take the instance role's credentials.",
	Remediation: "Set metadata_options { http_put_response_hop_limit = 1 } (CloudFormation: " +
		"HttpPutResponseHopLimit: 1).",
	Example: map[scan.Lang]string{
		scan.Terraform: `resource "aws_launch_template" "mysql" {
  metadata_options {
    http_tokens                 = "required"
    http_put_response_hop_limit = 1
  }
}`,
		scan.CloudFormation: `MySQLLaunchTemplate:
  Type: AWS::EC2::LaunchTemplate
  Properties:
    LaunchTemplateData:
      MetadataOptions:
        HttpTokens: required
        HttpPutResponseHopLimit: 1`,
	},
	Checkov: []string{"CKV_AWS_341"},
	Check: func(p *scan.Project, out *scan.Out) {
		for _, r := range metadataResources(p) {
			mo, endpoint, _, hops := metadataOptions(r)
			if !known(mo) {
				out.Unknown(r, mo, "metadata options are only known when applied")
				continue
			}
			if metadataDisabled(mo, endpoint) {
				continue
			}
			atMost(out, r, mo.Get(hops), 1, 1, hops)
		}
	},
}

var ec2PublicIP = &scan.Rule{
	ID:       "DBW-EC2-004",
	Title:    "Instance gets a public IP address",
	Severity: scan.High,
	Applies: map[scan.Lang][]string{
		scan.Terraform:      {"aws_instance", "aws_launch_template", "aws_launch_configuration"},
		scan.CloudFormation: {"AWS::EC2::Instance", "AWS::EC2::LaunchTemplate"},
	},
	Seeds: []string{"000 checklist", "001 §5", "001 common mistakes", "004 network security"},
	Rationale: "The seeds deploy the database host in a private subnet (000 checklist, 001 §5) and list " +
		"\"Deploy in public subnet\" among the common mistakes; seed 004 has no public access at all. " +
		"A public address puts MySQL and SSH one security-group mistake away from the internet; " +
		"Session Manager and VPC endpoints need none.",
	Remediation: "Set associate_public_ip_address = false (CloudFormation: AssociatePublicIpAddress: " +
		"false) and reach the instance through Session Manager.",
	Example: map[scan.Lang]string{
		scan.Terraform: `resource "aws_instance" "mysql" {
  subnet_id                   = aws_subnet.private_a.id
  associate_public_ip_address = false
}`,
		scan.CloudFormation: `MySQLInstance:
  Type: AWS::EC2::Instance
  Properties:
    NetworkInterfaces:
      - DeviceIndex: "0"
        SubnetId: !Ref PrivateSubnetA
        AssociatePublicIpAddress: false`,
	},
	Trivy:   []string{"AVD-AWS-0009"},
	Checkov: []string{"CKV_AWS_88"},
	Check: func(p *scan.Project, out *scan.Out) {
		for _, r := range tfResources(p, "aws_instance", "aws_launch_configuration") {
			wantFalse(out, r, r.Attr("associate_public_ip_address"), false, "associate_public_ip_address")
		}
		for _, r := range tfResources(p, "aws_launch_template") {
			for _, ni := range r.Attr("network_interfaces").Items() {
				wantFalse(out, r, ni.Get("associate_public_ip_address"), false, "network_interfaces.associate_public_ip_address")
			}
		}
		for _, r := range cfnResources(p, "AWS::EC2::Instance") {
			for _, ni := range r.Attr("NetworkInterfaces").Items() {
				wantFalse(out, r, ni.Get("AssociatePublicIpAddress"), false, "NetworkInterfaces.AssociatePublicIpAddress")
			}
		}
		for _, r := range cfnResources(p, "AWS::EC2::LaunchTemplate") {
			for _, ni := range r.Attr("LaunchTemplateData", "NetworkInterfaces").Items() {
				wantFalse(out, r, ni.Get("AssociatePublicIpAddress"), false, "LaunchTemplateData.NetworkInterfaces.AssociatePublicIpAddress")
			}
		}
	},
}

var ec2PublicSubnet = &scan.Rule{
	ID:       "DBW-EC2-005",
	Title:    "Instance launched in a public subnet",
	Severity: scan.High,
	Applies: map[scan.Lang][]string{
		scan.Terraform:      {"aws_instance", "aws_subnet", "aws_route_table", "aws_route", "aws_route_table_association"},
		scan.CloudFormation: {"AWS::EC2::Instance", "AWS::EC2::Subnet", "AWS::EC2::Route", "AWS::EC2::SubnetRouteTableAssociation"},
	},
	Seeds: []string{"000 checklist", "001 §5", "001 common mistakes", "002 §2", "003 VPC configuration", "004 network security"},
	Rationale: "\"Deploy in private subnet\" is on the checklists of seeds 000 and 001, and \"Deploy in " +
		"public subnet\" among 001's common mistakes; seeds 002, 003 and 004 keep databases in private " +
		"subnets with no direct internet access. A subnet that assigns public IPs on launch or routes to " +
		"an internet gateway exposes the MySQL host; an instance without a subnet lands in the default " +
		"VPC, whose subnets are public.",
	Remediation: "Launch the instance in a subnet with map_public_ip_on_launch = false whose route table " +
		"has no route to an internet gateway (a NAT gateway or VPC endpoints give it AWS access).",
	Example: map[scan.Lang]string{
		scan.Terraform: `resource "aws_subnet" "private_a" {
  vpc_id                  = aws_vpc.main.id
  cidr_block              = "10.0.1.0/24"
  map_public_ip_on_launch = false
}

resource "aws_instance" "mysql" {
  subnet_id = aws_subnet.private_a.id
}`,
		scan.CloudFormation: `PrivateSubnetA:
  Type: AWS::EC2::Subnet
  Properties:
    VpcId: !Ref VPC
    CidrBlock: 10.0.1.0/24
    MapPublicIpOnLaunch: false
MySQLInstance:
  Type: AWS::EC2::Instance
  Properties:
    SubnetId: !Ref PrivateSubnetA`,
	},
	Trivy:   []string{"AVD-AWS-0164"},
	Checkov: []string{"CKV_AWS_130"},
	Check: func(p *scan.Project, out *scan.Out) {
		tf, cfn := newNetModel(p, scan.Terraform), newNetModel(p, scan.CloudFormation)
		for _, r := range tfResources(p, "aws_instance") {
			sub := r.Attr("subnet_id")
			if !sub.Set() {
				if !r.Attr("network_interface").Set() && !r.Attr("launch_template").Set() {
					out.Fail(r, nil, "no subnet_id: the instance launches in the default VPC, whose subnets are public")
				}
				continue
			}
			tf.checkInstanceSubnet(out, r, sub, "subnet_id")
		}
		for _, r := range cfnResources(p, "AWS::EC2::Instance") {
			sub := r.Attr("SubnetId")
			nis := r.Attr("NetworkInterfaces")
			if !sub.Set() && !nis.Set() && !r.Attr("LaunchTemplate").Set() {
				out.Fail(r, nil, "no SubnetId: the instance launches in the default VPC, whose subnets are public")
				continue
			}
			if sub.Set() {
				cfn.checkInstanceSubnet(out, r, sub, "SubnetId")
			}
			for _, ni := range nis.Items() {
				if s := ni.Get("SubnetId"); s.Set() {
					cfn.checkInstanceSubnet(out, r, s, "NetworkInterfaces.SubnetId")
				}
			}
		}
	},
}

func (m *netModel) checkInstanceSubnet(out *scan.Out, r *scan.Resource, sub *scan.Value, what string) {
	for _, s := range referenced(sub, r, m.subnets) {
		pub, why, ok := m.public(s)
		switch {
		case !ok:
			out.Unknown(r, sub, "%s: whether %s is public is only known when applied", what, s.Address)
		case pub:
			out.Fail(r, sub, "%s is %s, a public subnet (%s)", what, s.Address, why)
		}
	}
}

var ec2TerminationProtection = &scan.Rule{
	ID:       "DBW-EC2-006",
	Title:    "Instance without termination protection",
	Severity: scan.Medium,
	Applies: map[scan.Lang][]string{
		scan.Terraform:      {"aws_instance"},
		scan.CloudFormation: {"AWS::EC2::Instance"},
	},
	Seeds: []string{"001 §6", "001 checklist"},
	Rationale: "Seed 001 §6 enables termination protection on the database host to prevent an accidental " +
		"terraform destroy, console termination or script error from deleting it, and puts it on the " +
		"production checklist. A MySQL host that stores its data on instance volumes loses everything " +
		"since the last backup when terminated.",
	Remediation: "Set disable_api_termination = true (CloudFormation: DisableApiTermination: true).",
	Example: map[scan.Lang]string{
		scan.Terraform: `resource "aws_instance" "mysql" {
  disable_api_termination = true
}`,
		scan.CloudFormation: `MySQLInstance:
  Type: AWS::EC2::Instance
  Properties:
    DisableApiTermination: true`,
	},
	Check: func(p *scan.Project, out *scan.Out) {
		for _, r := range tfResources(p, "aws_instance") {
			wantTrue(out, r, r.Attr("disable_api_termination"), false, "disable_api_termination")
		}
		for _, r := range cfnResources(p, "AWS::EC2::Instance") {
			wantTrue(out, r, r.Attr("DisableApiTermination"), false, "DisableApiTermination")
		}
	},
}

var ec2SSHKey = &scan.Rule{
	ID:       "DBW-EC2-007",
	Title:    "Instance has an SSH key pair; use Session Manager",
	Severity: scan.Medium,
	Applies: map[scan.Lang][]string{
		scan.Terraform:      {"aws_instance", "aws_launch_template", "aws_launch_configuration"},
		scan.CloudFormation: {"AWS::EC2::Instance", "AWS::EC2::LaunchTemplate"},
	},
	Seeds: []string{"000 §6", "000 checklist", "001 §4", "001 common mistakes"},
	Rationale: "Seeds 000 and 001 make Session Manager the access path (\"No SSH Keys: no private keys to " +
		"manage or secure\") and both production checklists say \"Disable SSH key access\"; \"Use SSH " +
		"keys\" is one of 001's common mistakes. A key pair is a long-lived credential outside IAM and " +
		"CloudTrail, and it only makes sense with port 22 open. The rule flags every key pair, not just " +
		"those on instances whose role already has AmazonSSMManagedInstanceCore, since the checklists " +
		"make no exception.",
	Remediation: "Remove key_name, attach AmazonSSMManagedInstanceCore to the instance role and connect " +
		"with aws ssm start-session.",
	Example: map[scan.Lang]string{
		scan.Terraform: `resource "aws_instance" "mysql" {
  # no key_name: access through Session Manager
  iam_instance_profile = aws_iam_instance_profile.mysql.name
}

resource "aws_iam_role_policy_attachment" "ssm" {
  role       = aws_iam_role.mysql.name
  policy_arn = "arn:aws:iam::aws:policy/AmazonSSMManagedInstanceCore"
}`,
		scan.CloudFormation: `MySQLInstance:
  Type: AWS::EC2::Instance
  Properties:
    IamInstanceProfile: !Ref MySQLInstanceProfile
    # no KeyName: access through Session Manager`,
	},
	Check: func(p *scan.Project, out *scan.Out) {
		check := func(r *scan.Resource, v *scan.Value, what string) {
			s, ok := str(v)
			switch {
			case !v.Set():
			case !known(v):
				out.Unknown(r, v, "%s is only known when applied", what)
			case ok && s == "":
			default:
				out.Fail(r, v, "%s is set: SSH key access is enabled; use Session Manager instead", what)
			}
		}
		for _, r := range tfResources(p, "aws_instance", "aws_launch_template", "aws_launch_configuration") {
			check(r, r.Attr("key_name"), "key_name")
		}
		for _, r := range cfnResources(p, "AWS::EC2::Instance") {
			check(r, r.Attr("KeyName"), "KeyName")
		}
		for _, r := range cfnResources(p, "AWS::EC2::LaunchTemplate") {
			check(r, r.Attr("LaunchTemplateData", "KeyName"), "LaunchTemplateData.KeyName")
		}
	},
}
