package rules

import (
	"fmt"
	"net/netip"
	"strings"

	"github.com/dbwarden/dbwarden/internal/scan"
)

// networkRules check security groups, subnets, VPC endpoints.
var networkRules = []*scan.Rule{netWorldMySQL, netWorldSSH, netWorldAny, netVPCEndpoints}

// An ingress permission, whichever resource wrote it.
type ingress struct {
	r     *scan.Resource
	at    *scan.Value // the block or resource it was written in
	proto *scan.Value
	from  *scan.Value
	to    *scan.Value
	cidrs []*scan.Value
}

// ingresses returns every ingress permission of the project.
func ingresses(p *scan.Project) (out []ingress, undecided []ingress) {
	add := func(in ingress, whole *scan.Value) {
		if !known(whole) {
			undecided = append(undecided, in)
			return
		}
		out = append(out, in)
	}
	for _, r := range tfResources(p, "aws_security_group") {
		blocks := r.Attr("ingress")
		if !known(blocks) && blocks.Kind == scan.Unknown {
			undecided = append(undecided, ingress{r: r, at: blocks})
			continue
		}
		for _, b := range blocks.Items() {
			in := ingress{r: r, at: b, proto: b.Get("protocol"), from: b.Get("from_port"), to: b.Get("to_port")}
			in.cidrs = append(flatItems(b.Get("cidr_blocks")), flatItems(b.Get("ipv6_cidr_blocks"))...)
			add(in, nil)
		}
	}
	for _, r := range tfResources(p, "aws_security_group_rule") {
		t, ok := str(r.Attr("type"))
		if ok && t != "ingress" {
			continue
		}
		in := ingress{r: r, at: r.Attr("type"), proto: r.Attr("protocol"), from: r.Attr("from_port"), to: r.Attr("to_port")}
		in.cidrs = append(flatItems(r.Attr("cidr_blocks")), flatItems(r.Attr("ipv6_cidr_blocks"))...)
		add(in, r.Attr("type"))
	}
	for _, r := range tfResources(p, "aws_vpc_security_group_ingress_rule") {
		in := ingress{r: r, proto: r.Attr("ip_protocol"), from: r.Attr("from_port"), to: r.Attr("to_port")}
		in.cidrs = append(flatItems(r.Attr("cidr_ipv4")), flatItems(r.Attr("cidr_ipv6"))...)
		add(in, nil)
	}
	cfnEntry := func(r *scan.Resource, e *scan.Value) {
		in := ingress{r: r, at: e, proto: e.Get("IpProtocol"), from: e.Get("FromPort"), to: e.Get("ToPort")}
		in.cidrs = append(flatItems(e.Get("CidrIp")), flatItems(e.Get("CidrIpv6"))...)
		add(in, nil)
	}
	for _, r := range cfnResources(p, "AWS::EC2::SecurityGroup") {
		list := r.Attr("SecurityGroupIngress")
		if list != nil && list.Kind == scan.Unknown {
			undecided = append(undecided, ingress{r: r, at: list})
			continue
		}
		for _, e := range list.Items() {
			cfnEntry(r, e)
		}
	}
	for _, r := range cfnResources(p, "AWS::EC2::SecurityGroupIngress") {
		cfnEntry(r, r.Attrs)
	}
	return out, undecided
}

// worldCIDR reports whether a CIDR is the whole IPv4 or IPv6 internet.
func worldCIDR(s string) bool {
	pf, err := netip.ParsePrefix(strings.TrimSpace(s))
	return err == nil && pf.Bits() == 0
}

// world returns the first CIDR of the permission open to the internet, and
// whether one of them is only known when applied.
func (in ingress) world() (open *scan.Value, unknown bool) {
	for _, c := range in.cidrs {
		s, ok := str(c)
		switch {
		case ok && worldCIDR(s):
			return c, false
		case !known(c):
			unknown = true
		}
	}
	return nil, unknown
}

// portRange returns the protocol family and ports a permission opens: proto
// is "all", "tcp", "udp" or "other" (ICMP and the rest, which have no
// ports). ok is false when part of it is only known when applied.
func (in ingress) portRange() (proto string, from, to int, ok bool) {
	ps, isStr := in.proto.String()
	if !isStr {
		return "", 0, 0, !in.proto.Set()
	}
	switch strings.ToLower(strings.TrimSpace(ps)) {
	case "-1", "all":
		return "all", 0, 65535, true
	case "tcp", "6":
		proto = "tcp"
	case "udp", "17":
		proto = "udp"
	default:
		return "other", 0, 0, true
	}
	from, to = 0, 65535
	if in.from.Set() {
		f, isNum := in.from.Number()
		if !isNum {
			return proto, 0, 0, false
		}
		if f >= 0 {
			from = int(f)
		}
	}
	if in.to.Set() {
		t, isNum := in.to.Number()
		if !isNum {
			return proto, 0, 0, false
		}
		if t >= 0 {
			to = int(t)
		}
	}
	return proto, from, to, true
}

func (in ingress) describe(proto string, from, to int) string {
	switch {
	case proto == "all":
		return "all protocols and ports"
	case from == to:
		return fmt.Sprintf("%s port %d", proto, from)
	case from == 0 && to == 65535:
		return "all " + proto + " ports"
	}
	return fmt.Sprintf("%s ports %d-%d", proto, from, to)
}

// worldIngressCheck reports permissions open to the internet on which
// covers(proto, from, to) holds.
func worldIngressCheck(p *scan.Project, out *scan.Out, what string, covers func(proto string, from, to int) bool) {
	all, undecided := ingresses(p)
	for _, in := range undecided {
		out.Unknown(in.r, in.at, "ingress rules are only known when applied")
	}
	for _, in := range all {
		open, cidrUnknown := in.world()
		if open == nil && !cidrUnknown {
			continue
		}
		proto, from, to, ok := in.portRange()
		switch {
		case !ok:
			if open != nil {
				out.Unknown(in.r, open, "ingress from %s: its protocol or ports are only known when applied", open.Str)
			}
		case !covers(proto, from, to):
		case open != nil:
			at := open
			if at.Range.Line == 0 {
				at = in.at
			}
			out.Fail(in.r, at, "ingress from %s to %s opens %s to the internet", open.Str, in.describe(proto, from, to), what)
		default:
			out.Unknown(in.r, in.at, "ingress to %s: its source CIDR is only known when applied", in.describe(proto, from, to))
		}
	}
}

func coversTCP(port int) func(proto string, from, to int) bool {
	return func(proto string, from, to int) bool {
		return (proto == "all" || proto == "tcp") && from <= port && port <= to
	}
}

// expectedPublic are ports the seeds accept from the internet: a load
// balancer over HTTPS (002 §2), and HTTP that redirects to it.
var expectedPublic = []int{80, 443}

// coversOther reports whether a range opens a port other than MySQL's and
// SSH's over TCP (their own rules) and the load balancer ports.
func coversOther(proto string, from, to int) bool {
	switch proto {
	case "other":
		return false
	case "all":
		return true
	}
	n := to - from + 1
	skip := expectedPublic
	if proto == "tcp" {
		skip = append([]int{22, 3306}, expectedPublic...)
	}
	for _, p := range skip {
		if from <= p && p <= to {
			n--
		}
	}
	return n > 0
}

var sgExampleTF = `resource "aws_security_group_rule" "mysql_from_app" {
  type                     = "ingress"
  from_port                = 3306
  to_port                  = 3306
  protocol                 = "tcp"
  source_security_group_id = aws_security_group.app.id
  security_group_id        = aws_security_group.mysql.id
}`

var sgExampleCFN = `MySQLFromApp:
  Type: AWS::EC2::SecurityGroupIngress
  Properties:
    GroupId: !Ref MySQLSecurityGroup
    IpProtocol: tcp
    FromPort: 3306
    ToPort: 3306
    SourceSecurityGroupId: !Ref AppSecurityGroup`

var sgApplies = map[scan.Lang][]string{
	scan.Terraform:      {"aws_security_group", "aws_security_group_rule", "aws_vpc_security_group_ingress_rule"},
	scan.CloudFormation: {"AWS::EC2::SecurityGroup", "AWS::EC2::SecurityGroupIngress"},
}

var netWorldMySQL = &scan.Rule{
	ID:       "DBW-NET-001",
	Title:    "MySQL port 3306 open to the internet",
	Severity: scan.Critical,
	Applies:  sgApplies,
	Seeds:    []string{"000 §6", "000 security group rules", "002 §2", "004 security groups"},
	Rationale: "Seed 000 allows MySQL only from the application's security group and marks 3306 from " +
		"0.0.0.0/0 \"NEVER DO THIS!\"; seed 002 has no security group that allows RDS access from the " +
		"internet; seed 004 lets only its Lambda functions reach 3306. An open MySQL port invites " +
		"password guessing and exploits of the server itself.",
	Remediation: "Allow 3306 only from the application's security group (source_security_group_id / " +
		"referenced_security_group_id, SourceSecurityGroupId) or a private CIDR.",
	Example: map[scan.Lang]string{scan.Terraform: sgExampleTF, scan.CloudFormation: sgExampleCFN},
	Trivy:   []string{"AVD-AWS-0107"},
	Check: func(p *scan.Project, out *scan.Out) {
		worldIngressCheck(p, out, "MySQL (3306)", coversTCP(3306))
	},
}

var netWorldSSH = &scan.Rule{
	ID:       "DBW-NET-002",
	Title:    "SSH port 22 open to the internet",
	Severity: scan.High,
	Applies:  sgApplies,
	Seeds:    []string{"000 §6", "000 security group rules", "001 §4", "001 common mistakes"},
	Rationale: "Seeds 000 and 001 use Session Manager instead of SSH: \"No Open Ports: no port 22 in " +
		"security groups\"; 000's security group rules mark 22 from 0.0.0.0/0 as bad, and \"Allow " +
		"0.0.0.0/0 in security groups\" is among 001's common mistakes. SSH open to the world is scanned " +
		"and brute-forced within minutes.",
	Remediation: "Remove the rule and connect with aws ssm start-session; if SSH is unavoidable allow " +
		"only a bastion's security group or a VPN CIDR.",
	Example: map[scan.Lang]string{
		scan.Terraform: `resource "aws_security_group" "mysql" {
  vpc_id = aws_vpc.main.id
  # no port 22: access through Session Manager
  ingress {
    from_port       = 3306
    to_port         = 3306
    protocol        = "tcp"
    security_groups = [aws_security_group.app.id]
  }
}`,
		scan.CloudFormation: `MySQLSecurityGroup:
  Type: AWS::EC2::SecurityGroup
  Properties:
    GroupDescription: MySQL from the application only; no SSH
    VpcId: !Ref VPC
    SecurityGroupIngress:
      - IpProtocol: tcp
        FromPort: 3306
        ToPort: 3306
        SourceSecurityGroupId: !Ref AppSecurityGroup`,
	},
	Trivy:   []string{"AVD-AWS-0107"},
	Checkov: []string{"CKV_AWS_24"},
	Check: func(p *scan.Project, out *scan.Out) {
		worldIngressCheck(p, out, "SSH (22)", coversTCP(22))
	},
}

var netWorldAny = &scan.Rule{
	ID:       "DBW-NET-003",
	Title:    "Security group opens ports other than HTTP/HTTPS to the internet",
	Severity: scan.Medium,
	Applies:  sgApplies,
	Seeds:    []string{"001 §5", "001 common mistakes", "002 §2"},
	Rationale: "\"Allow 0.0.0.0/0 in security groups\" is one of seed 001's common mistakes (\"restrict to " +
		"specific CIDR blocks\"), and 001 asks to restrict security groups to the minimum required " +
		"ports; seed 002 accepts traffic from the internet only at the load balancer over HTTPS. " +
		"Every other port open to the world (all protocols, RDP, admin consoles, exporters) is attack " +
		"surface. Ports 3306 and 22 have their own rules.",
	Remediation: "Restrict the source to known CIDR blocks or security groups; expose only 443 (and 80 " +
		"for redirects) on a load balancer.",
	Example: map[scan.Lang]string{
		scan.Terraform: `resource "aws_vpc_security_group_ingress_rule" "alb_https" {
  security_group_id = aws_security_group.alb.id
  ip_protocol       = "tcp"
  from_port         = 443
  to_port           = 443
  cidr_ipv4         = "0.0.0.0/0"
}`,
		scan.CloudFormation: `AlbHttps:
  Type: AWS::EC2::SecurityGroupIngress
  Properties:
    GroupId: !Ref AlbSecurityGroup
    IpProtocol: tcp
    FromPort: 443
    ToPort: 443
    CidrIp: 0.0.0.0/0`,
	},
	Trivy:   []string{"AVD-AWS-0107"},
	Checkov: []string{"CKV_AWS_277", "CKV_AWS_25", "CKV_AWS_260"},
	Check: func(p *scan.Project, out *scan.Out) {
		worldIngressCheck(p, out, "ports beyond HTTP/HTTPS", coversOther)
	},
}

// netModel answers whether subnets are public, in one language.
type netModel struct {
	lang                                      scan.Lang
	subnets, assocs, routes, tables, defaults []*scan.Resource
	mainAssocs, igws                          []*scan.Resource
}

func newNetModel(p *scan.Project, lang scan.Lang) *netModel {
	if lang == scan.CloudFormation {
		return &netModel{
			lang:    lang,
			subnets: cfnResources(p, "AWS::EC2::Subnet"),
			assocs:  cfnResources(p, "AWS::EC2::SubnetRouteTableAssociation"),
			routes:  cfnResources(p, "AWS::EC2::Route"),
			tables:  cfnResources(p, "AWS::EC2::RouteTable"),
			igws:    cfnResources(p, "AWS::EC2::InternetGateway"),
		}
	}
	return &netModel{
		lang:       lang,
		subnets:    tfResources(p, "aws_subnet"),
		assocs:     tfResources(p, "aws_route_table_association"),
		routes:     tfResources(p, "aws_route"),
		tables:     tfResources(p, "aws_route_table", "aws_default_route_table"),
		defaults:   tfResources(p, "aws_default_route_table"),
		mainAssocs: tfResources(p, "aws_main_route_table_association"),
		igws:       tfResources(p, "aws_internet_gateway"),
	}
}

func (m *netModel) attr(tf, cfn string) string {
	if m.lang == scan.CloudFormation {
		return cfn
	}
	return tf
}

// public reports whether a subnet is public: it assigns public IPs on
// launch, or its route table routes to an internet gateway. ok is false
// when that is only known when applied.
func (m *netModel) public(s *scan.Resource) (pub bool, why string, ok bool) {
	ok = true
	mp := s.Attr(m.attr("map_public_ip_on_launch", "MapPublicIpOnLaunch"))
	if b, k := mp.True(false); !k {
		ok = false
	} else if b {
		return true, m.attr("map_public_ip_on_launch", "MapPublicIpOnLaunch") + " is true", true
	}
	var tables []*scan.Resource
	for _, a := range m.assocs {
		if a.Attr(m.attr("subnet_id", "SubnetId")).RefersTo(s.Address) {
			tables = append(tables, referenced(a.Attr(m.attr("route_table_id", "RouteTableId")), a, m.tables)...)
		}
	}
	if len(tables) == 0 && m.lang == scan.Terraform {
		// No association: the subnet uses its VPC's main route table.
		for _, vpc := range refsIn(s.Attr("vpc_id")) {
			for _, d := range m.defaults {
				if d.Attr("default_route_table_id").RefersTo(vpc) {
					tables = append(tables, d)
				}
			}
			for _, a := range m.mainAssocs {
				if a.Attr("vpc_id").RefersTo(vpc) {
					tables = append(tables, referenced(a.Attr("route_table_id"), a, m.tables)...)
				}
			}
		}
	}
	for _, t := range tables {
		igw, k := m.routesToIGW(t)
		if igw {
			return true, "its route table " + t.Address + " routes to an internet gateway", true
		}
		if !k {
			ok = false
		}
	}
	return false, "", ok
}

// routesToIGW reports whether a route table has a route to an internet
// gateway, inline or as a separate route resource.
func (m *netModel) routesToIGW(t *scan.Resource) (igw, ok bool) {
	ok = true
	check := func(gw *scan.Value, from *scan.Resource) {
		if isIGW, k := m.isIGW(gw, from); isIGW {
			igw = true
		} else if !k {
			ok = false
		}
	}
	if m.lang == scan.Terraform {
		for _, rt := range t.Attr("route").Items() {
			check(rt.Get("gateway_id"), t)
		}
	}
	for _, r := range m.routes {
		if r.Attr(m.attr("route_table_id", "RouteTableId")).RefersTo(t.Address) {
			check(r.Attr(m.attr("gateway_id", "GatewayId")), r)
		}
	}
	return igw, ok
}

// isIGW reports whether a route's gateway, written in resource from, is an
// internet gateway.
func (m *netModel) isIGW(gw *scan.Value, from *scan.Resource) (igw, ok bool) {
	if !gw.Set() {
		return false, true
	}
	if len(referenced(gw, from, m.igws)) > 0 {
		return true, true
	}
	if len(refsIn(gw)) > 0 {
		return false, true // a gateway of another kind
	}
	if s, k := str(gw); k {
		return strings.HasPrefix(s, "igw-"), true
	}
	return false, known(gw)
}

// network groups the resources of one Terraform module or one
// CloudFormation template for the VPC endpoint rule.
type network struct {
	vpcs, subnets, nats, endpoints, instances []*scan.Resource
}

func networks(p *scan.Project) []*network {
	byKey := map[string]*network{}
	var order []string
	get := func(r *scan.Resource) *network {
		key := string(r.Lang) + "\x00" + r.Dir + "\x00" + r.Module
		if r.Lang == scan.CloudFormation {
			key = string(r.Lang) + "\x00" + r.Range.File
		}
		n, ok := byKey[key]
		if !ok {
			n = &network{}
			byKey[key] = n
			order = append(order, key)
		}
		return n
	}
	for _, r := range p.Resources {
		if r.Kind != "resource" {
			continue
		}
		switch r.Type {
		case "aws_vpc", "AWS::EC2::VPC":
			n := get(r)
			n.vpcs = append(n.vpcs, r)
		case "aws_subnet", "AWS::EC2::Subnet":
			n := get(r)
			n.subnets = append(n.subnets, r)
		case "aws_nat_gateway", "AWS::EC2::NatGateway":
			n := get(r)
			n.nats = append(n.nats, r)
		case "aws_vpc_endpoint", "AWS::EC2::VPCEndpoint":
			n := get(r)
			n.endpoints = append(n.endpoints, r)
		case "aws_instance", "aws_launch_template", "AWS::EC2::Instance", "AWS::EC2::LaunchTemplate":
			n := get(r)
			n.instances = append(n.instances, r)
		}
	}
	out := make([]*network, 0, len(order))
	for _, k := range order {
		out = append(out, byKey[k])
	}
	return out
}

var netVPCEndpoints = &scan.Rule{
	ID:       "DBW-NET-004",
	Title:    "Private network without NAT lacks VPC endpoints for Secrets Manager and SSM",
	Severity: scan.Medium,
	Applies: map[scan.Lang][]string{
		scan.Terraform:      {"aws_vpc", "aws_subnet", "aws_nat_gateway", "aws_vpc_endpoint"},
		scan.CloudFormation: {"AWS::EC2::VPC", "AWS::EC2::Subnet", "AWS::EC2::NatGateway", "AWS::EC2::VPCEndpoint"},
	},
	Seeds: []string{"001 §5", "001 checklist", "003 VPC configuration", "004 VPC endpoints"},
	Rationale: "Seed 004 runs its database and Lambda functions in private subnets with no internet " +
		"gateway and reaches Secrets Manager through an interface endpoint with private DNS; seed 001 " +
		"requires the ssm, ssmmessages and ec2messages endpoints for Session Manager in private subnets " +
		"(\"Configure VPC endpoints (if no NAT Gateway)\"); seed 003 reaches AWS services through VPC " +
		"endpoints. Without them, and without NAT, instances cannot read their MySQL secrets or be " +
		"reached by Session Manager, which pushes operators towards public subnets and SSH. The SSM " +
		"endpoints are required only where the network runs EC2 instances.",
	Remediation: "Add interface aws_vpc_endpoint resources for com.amazonaws.<region>.secretsmanager " +
		"(and ssm, ssmmessages, ec2messages for EC2) in the private subnets with private_dns_enabled = " +
		"true, or give the private subnets a NAT gateway.",
	Example: map[scan.Lang]string{
		scan.Terraform: `resource "aws_vpc_endpoint" "secretsmanager" {
  vpc_id              = aws_vpc.main.id
  service_name        = "com.amazonaws.${var.region}.secretsmanager"
  vpc_endpoint_type   = "Interface"
  subnet_ids          = [aws_subnet.private_a.id, aws_subnet.private_b.id]
  security_group_ids  = [aws_security_group.endpoints.id]
  private_dns_enabled = true
}`,
		scan.CloudFormation: `SecretsManagerEndpoint:
  Type: AWS::EC2::VPCEndpoint
  Properties:
    VpcId: !Ref VPC
    ServiceName: !Sub com.amazonaws.${AWS::Region}.secretsmanager
    VpcEndpointType: Interface
    PrivateDnsEnabled: true
    SubnetIds: [!Ref PrivateSubnetA, !Ref PrivateSubnetB]
    SecurityGroupIds: [!Ref EndpointSecurityGroup]`,
	},
	Check: func(p *scan.Project, out *scan.Out) {
		tf, cfn := newNetModel(p, scan.Terraform), newNetModel(p, scan.CloudFormation)
		for _, n := range networks(p) {
			if len(n.vpcs) == 0 || len(n.nats) > 0 {
				continue
			}
			m := tf
			if n.vpcs[0].Lang == scan.CloudFormation {
				m = cfn
			}
			private, undecided := 0, false
			for _, s := range n.subnets {
				pub, _, ok := m.public(s)
				switch {
				case !ok:
					undecided = true
				case !pub:
					private++
				}
			}
			if private == 0 {
				if undecided {
					out.Unknown(n.vpcs[0], nil, "whether its subnets are private is only known when applied")
				}
				continue
			}
			want := []string{"secretsmanager"}
			if len(n.instances) > 0 {
				want = append(want, "ssm", "ssmmessages", "ec2messages")
			}
			checkEndpoints(p, out, n, want)
		}
	},
}

func checkEndpoints(p *scan.Project, out *scan.Out, n *network, want []string) {
	vpc := n.vpcs[0]
	have := map[string]*scan.Resource{}
	unknownNames := false
	for _, e := range n.endpoints {
		svc, ok := endpointService(e)
		if !ok {
			unknownNames = true
			continue
		}
		have[svc] = e
	}
	var missing []string
	for _, w := range want {
		e, ok := have[w]
		if !ok {
			missing = append(missing, w)
			continue
		}
		pdns := e.Attr("private_dns_enabled")
		if e.Lang == scan.CloudFormation {
			pdns = e.Attr("PrivateDnsEnabled")
		}
		if b, k := pdns.True(false); !k {
			out.Unknown(e, pdns, "private DNS of the %s endpoint is only known when applied", w)
		} else if !b {
			out.Fail(e, pdns, "the %s endpoint has no private DNS: SDKs resolve the public %s endpoint, which the private subnets cannot reach without NAT", w, w)
		}
	}
	if len(missing) == 0 {
		return
	}
	if unknownNames {
		out.Unknown(vpc, nil, "private subnets and no NAT gateway; endpoint service names are only known when applied, so %s may be missing", strings.Join(missing, ", "))
		return
	}
	out.Fail(vpc, nil, "private subnets and no NAT gateway, but no VPC endpoint for %s", strings.Join(missing, ", "))
}

// endpointService returns the last part of an endpoint's service name
// ("secretsmanager" of com.amazonaws.eu-west-1.secretsmanager), also of a
// name built from a region only known when applied
// (com.amazonaws.*.secretsmanager).
func endpointService(e *scan.Resource) (string, bool) {
	v := e.Attr("service_name")
	if e.Lang == scan.CloudFormation {
		v = e.Attr("ServiceName")
	}
	if s, ok := str(v); ok {
		return s[strings.LastIndexByte(s, '.')+1:], true
	}
	if v.Kind != scan.Unknown || v.Pattern == "" {
		return "", false
	}
	name := v.Pattern[strings.LastIndexByte(v.Pattern, '.')+1:]
	if name == "" || strings.IndexFunc(name, func(r rune) bool { return !(r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || r == '-') }) >= 0 {
		return "", false
	}
	return name, true
}
