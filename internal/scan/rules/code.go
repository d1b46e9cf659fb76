package rules

import (
	"strings"

	"github.com/dbwarden/dbwarden/internal/scan"
)

// codeRules check plaintext credentials and sensitive outputs. No finding
// ever quotes the value it is about.
var codeRules = []*scan.Rule{codeSecretInputs, codeSecretArguments, codeSecretOutputs, codeUserData, codeEnvFile}

// shortName returns the name part of a variable, local, tfvars or output
// address: var.db_password, local.db_password, prod.tfvars:db_password and
// module.x.output.db_password all give db_password.
func shortName(addr string) string {
	return addr[strings.LastIndexAny(addr, ".:")+1:]
}

// plainString reports whether v is a non-empty known string, a literal
// when it came from code that only holds literals (defaults, tfvars).
func plainString(v *scan.Value) bool {
	s, ok := str(v)
	return ok && s != "" && !strings.Contains(s, "{{resolve:")
}

// literalInCode reports whether v, an argument or local, holds a credential
// written in the code itself: a known non-empty string that came from no
// sensitive value, no resource or data source, and no variable, local or
// module output either (those are reported where they are defined).
func literalInCode(v *scan.Value) bool {
	return literalSecret(v) && len(v.Via) == 0
}

// secretsIn calls found for every credential-named entry of v (v itself
// named name, or the keys of maps inside it) whose value passes isPlain.
func secretsIn(v *scan.Value, name string, isPlain func(*scan.Value) bool, found func(at *scan.Value, name string)) {
	switch {
	case v == nil:
	case v.Kind == scan.Map:
		for _, k := range v.Keys() {
			secretsIn(v.Map[k], k, isPlain, found)
		}
	case v.Kind == scan.List:
		for _, e := range v.List {
			secretsIn(e, name, isPlain, found)
		}
	case secretName(name) && isPlain(v):
		found(v, name)
	}
}

var codeSecretInputs = &scan.Rule{
	ID:       "DBW-CODE-001",
	Title:    "Credential in plain text in a variable default, local, tfvars file or template parameter",
	Severity: scan.High,
	Applies: map[scan.Lang][]string{
		scan.Terraform:      {"variable", "locals", "tfvars"},
		scan.CloudFormation: {"parameter"},
	},
	Seeds: []string{"000 §1", "000 checklist", "002 §5", "003 secret management", "004 overview"},
	Rationale: "Seed 000 moved passwords out of \"plain text in Terraform variables\" into generated " +
		"Secrets Manager secrets and asks to leave mysql_root_password empty; seed 002 keeps secrets " +
		"out of terraform.tfvars and reads them at runtime; seed 003: \"Passwords are never stored in " +
		"code, configuration files\". A password in a default, a local or a tfvars file is in version " +
		"control and every clone of it. CloudFormation parameters for passwords need NoEcho: true and " +
		"no Default, or the value shows in the console, the API and the template.",
	Remediation: "Generate the password (random_password, or manage_master_user_password / " +
		"GenerateSecretString) and keep it in Secrets Manager; read existing secrets with a data source " +
		"or {{resolve:secretsmanager:...}}; mark any remaining input sensitive = true (NoEcho: true) " +
		"with no default.",
	Example: map[scan.Lang]string{
		scan.Terraform: `variable "mysql_root_password" {
  description = "Leave unset: a random password is generated and stored in Secrets Manager"
  type        = string
  default     = null
  sensitive   = true
}`,
		scan.CloudFormation: `Parameters:
  DBPassword:
    Type: String
    NoEcho: true
    MinLength: 16`,
	},
	Check: func(p *scan.Project, out *scan.Out) {
		for _, r := range tfKind(p, "variable") {
			secretsIn(r.Attr("default"), shortName(r.Address), plainString, func(at *scan.Value, name string) {
				out.Fail(r, at, "variable default for %s is a credential in plain text", name)
			})
		}
		for _, r := range tfKind(p, "tfvars") {
			secretsIn(r.Attr("value"), shortName(r.Address), plainString, func(at *scan.Value, name string) {
				out.Fail(r, at, "tfvars value for %s is a credential in plain text", name)
			})
		}
		for _, r := range tfKind(p, "locals") {
			secretsIn(r.Attr("value"), shortName(r.Address), func(v *scan.Value) bool { return literalInCode(v) }, func(at *scan.Value, name string) {
				out.Fail(r, at, "local %s is a credential in plain text", name)
			})
		}
		for _, r := range cfnKind(p, "parameter") {
			if !secretName(r.Address) {
				continue
			}
			if t, _ := str(r.Attr("Type")); strings.HasPrefix(t, "AWS::SSM::Parameter") {
				continue // the value is the name of a parameter, not the secret
			}
			noEcho := r.Attr("NoEcho")
			if b, ok := noEcho.True(false); !ok {
				out.Unknown(r, noEcho, "NoEcho is not a boolean")
			} else if !b {
				out.Fail(r, noEcho, "parameter %s takes a credential without NoEcho: true", r.Address)
			}
			if d := r.Attr("Default"); plainString(d) {
				out.Fail(r, d, "parameter %s has a credential as its Default", r.Address)
			}
		}
	},
}

// credentialArgs are Terraform arguments that take a credential.
var credentialArgs = map[string][]string{
	"aws_db_instance":                   {"password"},
	"aws_rds_cluster":                   {"master_password"},
	"aws_docdb_cluster":                 {"master_password"},
	"aws_redshift_cluster":              {"master_password"},
	"aws_elasticache_replication_group": {"auth_token"},
	"aws_secretsmanager_secret_version": {"secret_string"},
}

var codeSecretArguments = &scan.Rule{
	ID:       "DBW-CODE-002",
	Title:    "Credential written in plain text in a resource, provider or backend",
	Severity: scan.Critical,
	Applies: map[scan.Lang][]string{
		scan.Terraform: {"aws_db_instance", "aws_rds_cluster", "aws_docdb_cluster", "aws_redshift_cluster",
			"aws_elasticache_replication_group", "aws_secretsmanager_secret_version", "aws_ssm_parameter",
			"aws_lambda_function", "provider", "backend"},
		scan.CloudFormation: {"AWS::RDS::DBInstance", "AWS::RDS::DBCluster", "AWS::SecretsManager::Secret",
			"AWS::SSM::Parameter", "AWS::Lambda::Function"},
	},
	Seeds: []string{"000 §1", "000 summary", "002 §5", "003 secret management", "004 database configuration"},
	Rationale: "Seed 000 replaced plain-text passwords with random_password values stored in Secrets " +
		"Manager; seed 003 never stores passwords in code, configuration files or environment variables; " +
		"seed 002 reads database passwords from SecureString parameters at runtime; seed 004 lets Secrets " +
		"Manager generate and manage the master password. A literal master password, secret string, " +
		"Lambda environment secret, String-type SSM parameter or provider access key is in the code, " +
		"the plan and the state in clear.",
	Remediation: "Use manage_master_user_password = true (ManageMasterUserPassword: true) or a " +
		"random_password; give secrets GenerateSecretString or a generated value; store parameters as " +
		"SecureString; read secrets at runtime instead of from environment variables; take AWS " +
		"credentials from the environment or a role, never from the provider or backend block.",
	Example: map[scan.Lang]string{
		scan.Terraform: `resource "aws_db_instance" "mysql" {
  engine                        = "mysql"
  username                      = "admin"
  manage_master_user_password   = true
  master_user_secret_kms_key_id = aws_kms_key.secrets.arn
}`,
		scan.CloudFormation: `Database:
  Type: AWS::RDS::DBInstance
  Properties:
    Engine: mysql
    MasterUsername: admin
    ManageMasterUserPassword: true
    MasterUserSecret:
      KmsKeyId: !Ref SecretsKey`,
	},
	Checkov: []string{"CKV_AWS_41", "CKV_AWS_45"},
	Check: func(p *scan.Project, out *scan.Out) {
		lit := func(v *scan.Value) bool { return literalInCode(v) }
		for typ, args := range credentialArgs {
			for _, r := range tfResources(p, typ) {
				for _, a := range args {
					if v := r.Attr(a); lit(v) {
						out.Fail(r, v, "%s is written in plain text", a)
					}
				}
			}
		}
		for _, r := range tfResources(p, "aws_ssm_parameter") {
			name, _ := str(r.Attr("name"))
			if name == "" {
				name = shortName(r.Address)
			}
			if !secretName(name[strings.LastIndexByte(name, '/')+1:]) {
				continue
			}
			typ := r.Attr("type")
			if t, ok := str(typ); ok && t != "SecureString" {
				out.Fail(r, typ, "parameter %s holds a credential as type %s, not SecureString", name, t)
			} else if !known(typ) {
				out.Unknown(r, typ, "type of parameter %s is only known when applied", name)
			}
			if v := r.Attr("value"); lit(v) {
				out.Fail(r, v, "value of parameter %s is written in plain text", name)
			}
		}
		for _, r := range tfResources(p, "aws_lambda_function") {
			secretsIn(r.Attr("environment", "variables"), "", lit, func(at *scan.Value, name string) {
				out.Fail(r, at, "environment variable %s holds a credential in plain text", name)
			})
		}
		for _, r := range append(tfKind(p, "provider"), tfKind(p, "backend")...) {
			for _, a := range []string{"access_key", "secret_key", "token", "password"} {
				if v := r.Attr(a); plainString(v) {
					out.Fail(r, v, "%s is written in plain text in the %s %s block", a, r.Type, r.Kind)
				}
			}
		}
		for _, r := range cfnResources(p, "AWS::RDS::DBInstance", "AWS::RDS::DBCluster") {
			if v := r.Attr("MasterUserPassword"); lit(v) {
				out.Fail(r, v, "MasterUserPassword is written in plain text")
			}
		}
		for _, r := range cfnResources(p, "AWS::SecretsManager::Secret") {
			if v := r.Attr("SecretString"); lit(v) {
				out.Fail(r, v, "SecretString is written in plain text; use GenerateSecretString")
			}
		}
		for _, r := range cfnResources(p, "AWS::SSM::Parameter") {
			name, _ := str(r.Attr("Name"))
			if name == "" {
				name = r.Address
			}
			if secretName(name[strings.LastIndexByte(name, '/')+1:]) {
				out.Fail(r, r.Attr("Value"), "parameter %s holds a credential in a String parameter (CloudFormation cannot create SecureString)", name)
			}
		}
		for _, r := range cfnResources(p, "AWS::Lambda::Function") {
			secretsIn(r.Attr("Environment", "Variables"), "", lit, func(at *scan.Value, name string) {
				out.Fail(r, at, "environment variable %s holds a credential in plain text", name)
			})
		}
	},
}

// secretAttrs are the attributes of resources and data sources that hold a
// credential: aws_db_instance.x.password, random_password.x.result,
// aws_secretsmanager_secret_version.x.secret_string, ...
var secretAttrs = map[string]bool{
	"password": true, "master_password": true, "secret_string": true, "auth_token": true,
	"secret_key": true, "private_key_pem": true, "private_key_openssh": true, "secret": true,
	"ses_smtp_password_v4": true,
}

// readsSecretAttr reports whether v, or anything in it, read an attribute
// that holds a credential, directly or through a local, variable or module
// output.
func readsSecretAttr(v *scan.Value) bool {
	if v == nil {
		return false
	}
	for _, via := range v.Via {
		name := via[strings.LastIndexByte(via, '.')+1:]
		if secretAttrs[name] || (strings.HasPrefix(via, "random_password.") && name == "result") {
			return true
		}
	}
	for _, e := range v.List {
		if readsSecretAttr(e) {
			return true
		}
	}
	for _, e := range v.Map {
		if readsSecretAttr(e) {
			return true
		}
	}
	return false
}

// carriesSecret reports whether an output's value is a credential, and why.
func carriesSecret(name string, v *scan.Value) (string, bool) {
	if sensitiveInside(v) {
		return "its value comes from a sensitive value", true
	}
	if refersToType(v, "random_password") {
		return "its value comes from a random_password", true
	}
	if readsSecretAttr(v) {
		return "its value reads a password or secret attribute", true
	}
	if secretName(name) {
		return "its name says it holds a credential", true
	}
	return "", false
}

func sensitiveInside(v *scan.Value) bool {
	if v == nil {
		return false
	}
	if v.Sensitive {
		return true
	}
	for _, e := range v.List {
		if sensitiveInside(e) {
			return true
		}
	}
	for _, e := range v.Map {
		if sensitiveInside(e) {
			return true
		}
	}
	return false
}

var codeSecretOutputs = &scan.Rule{
	ID:       "DBW-CODE-003",
	Title:    "Output carries a credential without being marked sensitive",
	Severity: scan.High,
	Applies: map[scan.Lang][]string{
		scan.Terraform:      {"output"},
		scan.CloudFormation: {"output"},
	},
	Seeds: []string{"000 §1", "000 summary"},
	Rationale: "Seed 000's starting point had passwords \"exposed in outputs\"; after: \"Outputs: " +
		"Sensitive + structured\", with passwords read from Secrets Manager instead. A Terraform output " +
		"without sensitive = true prints the credential on every apply and in CI logs; CloudFormation " +
		"outputs are never masked, not even for NoEcho parameters, and are readable by anyone with " +
		"DescribeStacks.",
	Remediation: "Output the secret's ARN or name instead and read the value from Secrets Manager; if a " +
		"Terraform output must carry it, set sensitive = true. Remove credentials from CloudFormation " +
		"outputs.",
	Example: map[scan.Lang]string{
		scan.Terraform: `output "mysql_root_password_secret_arn" {
  description = "Read the password with aws secretsmanager get-secret-value"
  value       = aws_secretsmanager_secret.mysql_root_password.arn
}`,
		scan.CloudFormation: `Outputs:
  DBSecretArn:
    Value: !GetAtt Database.MasterUserSecret.SecretArn`,
	},
	Check: func(p *scan.Project, out *scan.Out) {
		for _, r := range tfKind(p, "output") {
			sens := r.Attr("sensitive")
			if b, ok := sens.True(false); ok && b {
				continue
			} else if !ok {
				out.Unknown(r, sens, "sensitive is only known when applied")
				continue
			}
			v := r.Attr("value")
			if why, ok := carriesSecret(shortName(r.Address), v); ok {
				out.Fail(r, v, "output %s is not sensitive, but %s", shortName(r.Address), why)
			}
		}
		for _, r := range cfnKind(p, "output") {
			v := r.Attr("Value")
			if v == nil {
				v = r.Attr("value")
			}
			if why, ok := carriesSecret(r.Address, v); ok {
				out.Fail(r, v, "output %s publishes a credential: %s", r.Address, why)
			}
		}
	},
}
