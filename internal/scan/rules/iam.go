package rules

import (
	"regexp"
	"strings"

	"github.com/dbwarden/dbwarden/internal/scan"
	"github.com/dbwarden/dbwarden/internal/scan/iampolicy"
)

// iamRules check IAM policies, roles and users.
var iamRules = []*scan.Rule{iamWildcard, iamTrust, iamUserPolicies, iamKMSKeyPolicy}

// tfPolicyAttrs are the Terraform identity-policy resources and the
// attribute that holds their document.
var tfPolicyAttrs = map[string]string{
	"aws_iam_policy":       "policy",
	"aws_iam_role_policy":  "policy",
	"aws_iam_user_policy":  "policy",
	"aws_iam_group_policy": "policy",
}

// policySource is one policy document found in a resource.
type policySource struct {
	r     *scan.Resource
	doc   *scan.Value // the document; nil for a policy document data source
	what  string      // how the finding names it
	stmts []statement
	ok    bool
	why   string
}

// identityPolicies returns every identity-based policy document of the
// project: Terraform policy resources, inline policies of roles, policy
// document data sources, and CloudFormation policies.
func identityPolicies(p *scan.Project) []policySource {
	var out []policySource
	add := func(r *scan.Resource, doc *scan.Value, what string) {
		// A document built by an aws_iam_policy_document is checked
		// there, once, rather than in every resource that uses it.
		if refersToType(doc, "data.aws_iam_policy_document") {
			return
		}
		st, ok, why := policyOf(p, r, doc)
		out = append(out, policySource{r: r, doc: doc, what: what, stmts: st, ok: ok, why: why})
	}
	for _, r := range tfResources(p, "aws_iam_policy", "aws_iam_role_policy", "aws_iam_user_policy", "aws_iam_group_policy") {
		attr := tfPolicyAttrs[r.Type]
		add(r, r.Attr(attr), attr)
	}
	for _, r := range tfResources(p, "aws_iam_role") {
		for _, ip := range r.Attr("inline_policy").Items() {
			add(r, ip.Get("policy"), "inline_policy")
		}
	}
	for _, r := range ofKind(p.Of(scan.Terraform, "aws_iam_policy_document"), "data") {
		st, ok, why := policyDocDataIn(p, r, 0)
		out = append(out, policySource{r: r, what: "statement", stmts: st, ok: ok, why: why})
	}
	for _, r := range cfnResources(p, "AWS::IAM::Policy", "AWS::IAM::ManagedPolicy") {
		add(r, r.Attr("PolicyDocument"), "PolicyDocument")
	}
	for _, r := range p.Of(scan.IAMPolicy, iampolicy.Type) {
		add(r, r.Attr("Document"), "policy")
	}
	for _, r := range cfnResources(p, "AWS::IAM::Role", "AWS::IAM::User", "AWS::IAM::Group") {
		pols := r.Attr("Policies")
		if !known(pols) {
			out = append(out, policySource{r: r, doc: pols, what: "Policies", why: "Policies are only known when applied"})
			continue
		}
		for _, ip := range pols.Items() {
			add(r, ip.Get("PolicyDocument"), "Policies")
		}
	}
	return out
}

var iamWildcard = &scan.Rule{
	ID:       "DBW-IAM-001",
	Title:    "IAM policy allows every action, or every action of a service, on every resource",
	Severity: scan.High,
	Applies: map[scan.Lang][]string{
		scan.Terraform:      {"aws_iam_policy", "aws_iam_role_policy", "aws_iam_user_policy", "aws_iam_group_policy", "aws_iam_role", "aws_iam_policy_document"},
		scan.CloudFormation: {"AWS::IAM::Policy", "AWS::IAM::ManagedPolicy", "AWS::IAM::Role", "AWS::IAM::User", "AWS::IAM::Group"},
		scan.IAMPolicy:      {iampolicy.Type},
	},
	Seeds: []string{"000 §2", "001 §2", "001 common mistakes", "002 §1", "003 access control"},
	Rationale: "The seeds grant each role only the actions it needs on the resources it needs: " +
		"secretsmanager:GetSecretValue on the two MySQL secrets, s3:PutObject on the backup bucket " +
		"(000 §2, 003's Lambda policy); \"Give EC2 admin permissions\" is one of 001's common mistakes. " +
		"An Allow of \"*\", \"*:*\" or \"service:*\" (or NotAction) on Resource \"*\" lets whoever holds the " +
		"role read every secret, decrypt with every key or delete every backup.",
	Remediation: "List the actions the workload calls and the ARNs of the resources it calls them on; " +
		"keep Resource \"*\" only for actions that have no resource level (cloudwatch:PutMetricData).",
	Example: map[scan.Lang]string{
		scan.Terraform: `resource "aws_iam_role_policy" "mysql_secrets" {
  role = aws_iam_role.mysql.id
  policy = jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Effect   = "Allow"
      Action   = ["secretsmanager:GetSecretValue", "secretsmanager:DescribeSecret"]
      Resource = [aws_secretsmanager_secret.mysql_root_password.arn]
    }]
  })
}`,
		scan.CloudFormation: `MySQLSecretsPolicy:
  Type: AWS::IAM::Policy
  Properties:
    PolicyName: mysql-secrets
    Roles: [!Ref MySQLRole]
    PolicyDocument:
      Version: "2012-10-17"
      Statement:
        - Effect: Allow
          Action: [secretsmanager:GetSecretValue, secretsmanager:DescribeSecret]
          Resource: !Ref MySQLRootSecret`,
		scan.IAMPolicy: `{
  "Version": "2012-10-17",
  "Statement": [{
    "Effect": "Allow",
    "Action": ["secretsmanager:GetSecretValue", "secretsmanager:DescribeSecret"],
    "Resource": "arn:aws:secretsmanager:eu-west-1:123456789012:secret:prod/app/mysql/mysql-root-password-AbCdEf"
  }]
}`,
	},
	Trivy:   []string{"AVD-AWS-0057"},
	Checkov: []string{"CKV_AWS_1", "CKV_AWS_49", "CKV_AWS_62", "CKV_AWS_63", "CKV_AWS_355", "CKV_AWS_286", "CKV_AWS_287", "CKV_AWS_288", "CKV_AWS_289", "CKV_AWS_290"},
	Check: func(p *scan.Project, out *scan.Out) {
		for _, ps := range identityPolicies(p) {
			if !ps.ok {
				out.Unknown(ps.r, ps.doc, "%s: %s", ps.what, ps.why)
				continue
			}
			for _, st := range ps.stmts {
				checkWildcard(out, ps, st)
			}
		}
	},
}

func checkWildcard(out *scan.Out, ps policySource, st statement) {
	if st.HasPrincipal {
		return // a resource policy, not an identity policy
	}
	at := stmtAt(ps.doc, st)
	allow, ok := st.isAllow()
	if !ok {
		out.Unknown(ps.r, at, "%s: a statement's Effect is only known when applied", ps.what)
		return
	}
	if !allow {
		return
	}
	var broad []string
	actsOK := true
	for _, a := range st.Action {
		b, ok := broadAction(a)
		if !ok {
			actsOK = false
		}
		if b {
			broad = append(broad, quote(a.Str))
		}
	}
	if len(st.NotAction) > 0 {
		broad = append(broad, "every action but its NotAction")
	}
	resStar, resOK := anyStar(st.Resource)
	if len(st.NotResource) > 0 {
		resStar, resOK = true, true
	}
	switch {
	case len(broad) > 0 && resStar:
		out.Fail(ps.r, at, "%s allows %s on Resource \"*\"", ps.what, strings.Join(broad, ", "))
	case (len(broad) > 0 || !actsOK) && (resStar || !resOK):
		out.Unknown(ps.r, at, "%s: a statement's actions or resources are only known when applied", ps.what)
	}
}

// stmtAt is where a finding about a statement points: the statement when
// it has its own position, else the document.
func stmtAt(doc *scan.Value, st statement) *scan.Value {
	if st.At != nil && st.At.Range.Line > 0 {
		return st.At
	}
	return doc
}

func quote(s string) string { return "\"" + s + "\"" }

var iamTrust = &scan.Rule{
	ID:       "DBW-IAM-002",
	Title:    "Role trust policy lets anyone, or a whole account without conditions, assume the role",
	Severity: scan.High,
	Applies: map[scan.Lang][]string{
		scan.Terraform:      {"aws_iam_role"},
		scan.CloudFormation: {"AWS::IAM::Role"},
		scan.IAMPolicy:      {iampolicy.Type},
	},
	Seeds: []string{"002 §1", "003 cross-account access"},
	Rationale: "Seed 002 restricts role assumption to the service that runs the workload " +
		"(ecs-tasks.amazonaws.com); seed 003 uses cross-account roles only with specific trust " +
		"relationships scoped to the minimum. A trust policy with Principal \"*\", an account root or a " +
		"federated provider and no Condition (sts:ExternalId, aws:PrincipalOrgID, a token subject) lets " +
		"any identity there take the role and everything it can read.",
	Remediation: "Trust the service principal that runs the workload (ec2.amazonaws.com, " +
		"lambda.amazonaws.com), or a specific role ARN; for an account or federated principal add a " +
		"Condition that names who may assume the role.",
	Example: map[scan.Lang]string{
		scan.Terraform: `resource "aws_iam_role" "mysql" {
  name = "mysql-ec2"
  assume_role_policy = jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Effect    = "Allow"
      Action    = "sts:AssumeRole"
      Principal = { Service = "ec2.amazonaws.com" }
    }]
  })
}`,
		scan.CloudFormation: `MySQLRole:
  Type: AWS::IAM::Role
  Properties:
    AssumeRolePolicyDocument:
      Version: "2012-10-17"
      Statement:
        - Effect: Allow
          Action: sts:AssumeRole
          Principal:
            Service: lambda.amazonaws.com`,
		scan.IAMPolicy: `{
  "Version": "2012-10-17",
  "Statement": [{
    "Effect": "Allow",
    "Principal": {"Service": "ec2.amazonaws.com"},
    "Action": "sts:AssumeRole"
  }]
}`,
	},
	Checkov: []string{"CKV_AWS_60", "CKV_AWS_61"},
	Check: func(p *scan.Project, out *scan.Out) {
		check := func(r *scan.Resource, doc *scan.Value, what string, trustOnly bool) {
			stmts, ok, why := policyOf(p, r, doc)
			if !ok {
				out.Unknown(r, doc, "%s: %s", what, why)
				return
			}
			for _, st := range stmts {
				if trustOnly && !st.assumesRole() {
					continue // a bucket or key policy, not a trust policy
				}
				at := stmtAt(doc, st)
				allow, ok := st.isAllow()
				switch {
				case !ok:
					out.Unknown(r, at, "%s: a statement's Effect is only known when applied", what)
					continue
				case !allow:
					continue
				case len(st.NotPrincipals) > 0:
					out.Fail(r, at, "%s allows every principal but its NotPrincipal to assume the role", what)
					continue
				}
				for _, pr := range st.Principals {
					if bad, ok := broadTrust(pr, st.hasCondition()); !ok {
						out.Unknown(r, at, "%s: a %s principal is only known when applied", what, pr.Type)
					} else if bad != "" {
						out.Fail(r, at, "%s lets %s assume the role", what, bad)
					}
				}
			}
		}
		for _, r := range tfResources(p, "aws_iam_role") {
			check(r, r.Attr("assume_role_policy"), "assume_role_policy", false)
		}
		for _, r := range cfnResources(p, "AWS::IAM::Role") {
			check(r, r.Attr("AssumeRolePolicyDocument"), "AssumeRolePolicyDocument", false)
		}
		// A policy file is a trust policy where its statements let
		// principals assume a role.
		for _, r := range p.Of(scan.IAMPolicy, iampolicy.Type) {
			check(r, r.Attr("Document"), "trust policy", true)
		}
	},
}

// assumesRole reports whether a statement allows assuming a role:
// sts:AssumeRole, AssumeRoleWithWebIdentity, AssumeRoleWithSAML, or a
// wildcard that covers them.
func (st statement) assumesRole() bool {
	for _, a := range st.Action {
		s, ok := str(a)
		if !ok {
			continue
		}
		s = strings.ToLower(s)
		if s == "*" || s == "sts:*" || strings.HasPrefix(s, "sts:assumerole") {
			return true
		}
	}
	return false
}

// accountRootRe matches an account's root principal, also with the account
// id (or partition) only known when applied: arn:aws:iam::*:root.
var accountRootRe = regexp.MustCompile(`^(arn:(aws[a-z-]*|\*):iam::([0-9]{12}|\*|\$\{[^}]+\}):root|[0-9]{12})$`)

// broadTrust says whom a trusted principal lets in when that is too broad,
// or "" when it is specific enough.
func broadTrust(pr principal, cond bool) (who string, ok bool) {
	id, isStr := principalText(pr.ID)
	if !isStr {
		return "", false
	}
	switch {
	case id == "*" && !cond:
		return "any principal (\"*\") without a Condition", true
	case strings.EqualFold(pr.Type, "AWS") && accountRootRe.MatchString(id) && !cond:
		if acct := accountOf(id); acct != "*" {
			return "every identity of account " + acct + " without a Condition", true
		}
		return "every identity of its account (only known when applied) without a Condition", true
	case strings.EqualFold(pr.Type, "Federated") && !cond:
		return "every user of identity provider " + quote(id) + " without a Condition", true
	}
	return "", true
}

// principalText returns a principal as written: its value when known, or
// for an ARN built from values only known when applied (the account id of
// arn:aws:iam::${AWS::AccountId}:root) its pattern, each unknown part "*".
func principalText(v *scan.Value) (string, bool) {
	if s, ok := str(v); ok {
		return s, true
	}
	if v.Set() && v.Kind == scan.Unknown && strings.HasPrefix(v.Pattern, "arn:") {
		return v.Pattern, true
	}
	return "", false
}

func accountOf(id string) string {
	if i := strings.Index(id, "::"); i >= 0 {
		rest := id[i+2:]
		if j := strings.IndexByte(rest, ':'); j >= 0 {
			return rest[:j]
		}
	}
	return id
}

var iamUserPolicies = &scan.Rule{
	ID:       "DBW-IAM-003",
	Title:    "IAM policy attached to a user instead of a role or group",
	Severity: scan.Medium,
	Applies: map[scan.Lang][]string{
		scan.Terraform:      {"aws_iam_user_policy", "aws_iam_user_policy_attachment", "aws_iam_policy_attachment"},
		scan.CloudFormation: {"AWS::IAM::Policy", "AWS::IAM::ManagedPolicy", "AWS::IAM::User"},
	},
	Seeds: []string{"002 §1", "002 summary", "000 §2"},
	Rationale: "Seed 002 moved permissions to a dedicated task role \"instead of attaching policies to " +
		"users\" and lists \"no user-bound policies\" among its controls; seed 000 gives workloads " +
		"temporary role credentials instead of long-lived keys. A policy on a user goes with that user's " +
		"long-lived access keys wherever they leak.",
	Remediation: "Attach the policy to a role the workload assumes (an instance profile, a Lambda or task " +
		"role), or to a group for people.",
	Example: map[scan.Lang]string{
		scan.Terraform: `resource "aws_iam_role_policy_attachment" "backup" {
  role       = aws_iam_role.mysql.name
  policy_arn = aws_iam_policy.backup.arn
}`,
		scan.CloudFormation: `BackupPolicy:
  Type: AWS::IAM::ManagedPolicy
  Properties:
    Roles: [!Ref MySQLRole]
    PolicyDocument:
      Version: "2012-10-17"
      Statement:
        - Effect: Allow
          Action: s3:PutObject
          Resource: !Sub "${BackupBucket.Arn}/*"`,
	},
	Trivy:   []string{"AVD-AWS-0143"},
	Checkov: []string{"CKV_AWS_40"},
	Check: func(p *scan.Project, out *scan.Out) {
		for _, r := range tfResources(p, "aws_iam_user_policy") {
			out.Fail(r, r.Attr("user"), "inline policy on IAM user")
		}
		for _, r := range tfResources(p, "aws_iam_user_policy_attachment") {
			out.Fail(r, r.Attr("user"), "policy attached to IAM user")
		}
		nonEmpty := func(r *scan.Resource, v *scan.Value, what string) {
			switch {
			case !known(v):
				out.Unknown(r, v, "%s is only known when applied", what)
			case len(v.Items()) > 0:
				out.Fail(r, v, "policy attached to IAM users (%s)", what)
			}
		}
		for _, r := range tfResources(p, "aws_iam_policy_attachment") {
			nonEmpty(r, r.Attr("users"), "users")
		}
		for _, r := range cfnResources(p, "AWS::IAM::Policy", "AWS::IAM::ManagedPolicy") {
			nonEmpty(r, r.Attr("Users"), "Users")
		}
		for _, r := range cfnResources(p, "AWS::IAM::User") {
			nonEmpty(r, r.Attr("Policies"), "Policies")
			nonEmpty(r, r.Attr("ManagedPolicyArns"), "ManagedPolicyArns")
		}
	},
}

var iamKMSKeyPolicy = &scan.Rule{
	ID:       "DBW-IAM-004",
	Title:    "KMS key policy grants key use to any principal without a condition",
	Severity: scan.Critical,
	Applies: map[scan.Lang][]string{
		scan.Terraform:      {"aws_kms_key", "aws_kms_key_policy"},
		scan.CloudFormation: {"AWS::KMS::Key"},
	},
	Seeds: []string{"003 resource policies", "000 §3", "003 encryption at rest"},
	Rationale: "Seed 003: \"KMS key policies limit key usage to authorized services and roles.\" The keys " +
		"encrypt the MySQL secrets, snapshots and logs (000 §3, 003); a key policy that allows Principal " +
		"\"*\" (or AWS \"*\") without a Condition lets any AWS account use or administer the key.",
	Remediation: "Grant key administration to the account root or named admin roles, and key use to the " +
		"roles and services that need it; scope any wide principal with conditions such as kms:ViaService " +
		"and kms:CallerAccount.",
	Example: map[scan.Lang]string{
		scan.Terraform: `resource "aws_kms_key" "secrets" {
  enable_key_rotation = true
  policy = jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Sid       = "AccountAdmin"
      Effect    = "Allow"
      Principal = { AWS = "arn:aws:iam::${data.aws_caller_identity.current.account_id}:root" }
      Action    = "kms:*"
      Resource  = "*"
    }]
  })
}`,
		scan.CloudFormation: `SecretsKey:
  Type: AWS::KMS::Key
  Properties:
    EnableKeyRotation: true
    KeyPolicy:
      Version: "2012-10-17"
      Statement:
        - Sid: AccountAdmin
          Effect: Allow
          Principal:
            AWS: !Sub "arn:aws:iam::${AWS::AccountId}:root"
          Action: kms:*
          Resource: "*"`,
	},
	Checkov: []string{"CKV_AWS_33"},
	Check: func(p *scan.Project, out *scan.Out) {
		check := func(r *scan.Resource, doc *scan.Value, what string) {
			stmts, ok, why := policyOf(p, r, doc)
			if !ok {
				out.Unknown(r, doc, "%s: %s", what, why)
				return
			}
			for _, st := range stmts {
				at := stmtAt(doc, st)
				allow, ok := st.isAllow()
				if !ok {
					out.Unknown(r, at, "%s: a statement's Effect is only known when applied", what)
					continue
				}
				if !allow || st.hasCondition() {
					continue
				}
				if len(st.NotPrincipals) > 0 {
					out.Fail(r, at, "%s allows every principal but its NotPrincipal without a Condition", what)
					continue
				}
				for _, pr := range st.Principals {
					id, isStr := principalText(pr.ID)
					switch {
					case !isStr:
						out.Unknown(r, at, "%s: a principal is only known when applied", what)
					case id == "*":
						out.Fail(r, at, "%s allows %s to Principal \"*\" without a Condition", what, actionList(st))
					}
				}
			}
		}
		for _, r := range tfResources(p, "aws_kms_key", "aws_kms_key_policy") {
			check(r, r.Attr("policy"), "policy")
		}
		for _, r := range cfnResources(p, "AWS::KMS::Key") {
			check(r, r.Attr("KeyPolicy"), "KeyPolicy")
		}
	},
}

// actionList names a statement's actions for a message.
func actionList(st statement) string {
	if len(st.NotAction) > 0 {
		return "every action but its NotAction"
	}
	var names []string
	for _, a := range st.Action {
		if s, ok := str(a); ok {
			names = append(names, quote(s))
		}
	}
	if len(names) == 0 {
		return "its actions"
	}
	return strings.Join(names, ", ")
}
