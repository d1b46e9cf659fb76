package rules

import (
	"encoding/base64"
	"encoding/json"
	"regexp"
	"strings"
	"unicode/utf8"

	"github.com/dbwarden/dbwarden/internal/scan"
	"github.com/dbwarden/dbwarden/internal/scan/compose"
	"github.com/dbwarden/dbwarden/internal/scan/dockerfile"
)

// Instance user data and container definitions are where a credential
// taken out of a variable often reappears: the script that starts MySQL
// in a container, the task definition's environment. Both are readable by
// anyone who may describe the instance or the task, and user data by every
// process on the instance through its metadata service.

// scriptText returns the text of a user data value: a known string,
// decoded when it is base64; or what is known of a string built from
// known and unknown parts, each unknown part a "*".
func scriptText(v *scan.Value) (string, bool) {
	switch {
	case v == nil:
		return "", false
	case v.Kind == scan.String:
		if b, err := base64.StdEncoding.DecodeString(strings.TrimSpace(v.Str)); err == nil && len(b) > 0 && utf8.Valid(b) {
			return string(b), true
		}
		return v.Str, true
	case v.Kind == scan.Unknown && v.Pattern != "":
		return strings.TrimPrefix(v.Pattern, scan.Base64Pattern), true
	}
	return "", false
}

// credential is one credential a script writes in plain text: what it is,
// never its value, and the line of the script it is on.
type credential struct {
	what string
	line int
}

var (
	// An assignment of a credential-named variable or key: shell and
	// Dockerfile variables, docker -e, YAML and .env lines.
	assignRe = regexp.MustCompile(`([A-Za-z_][A-Za-z0-9_.-]*)["']?\s*(?:=|:\s)\s*("[^"]*"|'[^']*'|\S*)`)
	// The MySQL and MariaDB clients given a password on the command line.
	clientPasswordRe = regexp.MustCompile(`\b(?:mysql|mysqladmin|mysqldump|mysqlpump|mysqlimport|mariadb|mariadb-admin|mariadb-dump|mariadb-import)\b.*?(?:\s-p|\s--password=)(\S+)`)
	// A password in SQL.
	identifiedByRe = regexp.MustCompile(`(?i)\bIDENTIFIED\s+(?:WITH\s+\S+\s+)?BY\s+(?:PASSWORD\s+)?(['"])(.*?)['"]`)
	// An AWS access key id.
	accessKeyRe = regexp.MustCompile(`\b(?:AKIA|ASIA)[0-9A-Z]{16}\b`)
)

// literal reports whether a value, as written in a script, is a literal
// rather than something read when the script runs: not a variable or
// command substitution, not a part only known when applied.
func literal(val string) bool {
	val = strings.TrimRight(strings.TrimSpace(val), ";,")
	if val != "" && (val[0] == '"' || val[0] == '\'') {
		val = strings.TrimSuffix(val[1:], val[:1])
	}
	if val == "" {
		return false
	}
	switch val[0] {
	case '$', '`', '*', '<', '{', '[', '%', '(':
		return false
	}
	return !isFlag(val)
}

// isFlag reports whether a value is a switch: MYSQL_RANDOM_ROOT_PASSWORD=yes
// names a credential but is not one.
func isFlag(val string) bool {
	switch strings.ToLower(strings.TrimSpace(val)) {
	case "true", "false", "null", "yes", "no", "on", "off", "0", "1":
		return true
	}
	return false
}

// credentialsInScript finds the credentials a script writes in plain text.
func credentialsInScript(text string) []credential {
	var out []credential
	for i, line := range strings.Split(text, "\n") {
		n := i + 1
		trimmed := strings.TrimSpace(line)
		if strings.HasPrefix(trimmed, "#") && !strings.HasPrefix(trimmed, "#!") {
			continue
		}
		if m := clientPasswordRe.FindStringSubmatch(line); m != nil && literal(m[1]) {
			out = append(out, credential{what: "a MySQL client password", line: n})
			continue
		}
		if name := assignedCredential(line); name != "" {
			out = append(out, credential{what: name, line: n})
			continue
		}
		if m := identifiedByRe.FindStringSubmatch(line); m != nil && literal(m[1]+m[2]+m[1]) {
			out = append(out, credential{what: "a password in IDENTIFIED BY", line: n})
			continue
		}
		if accessKeyRe.MatchString(line) {
			out = append(out, credential{what: "an AWS access key id", line: n})
		}
	}
	return out
}

// assignedCredential returns the name of the first credential-named
// variable or key a line gives a literal value, or "".
func assignedCredential(line string) string {
	for _, m := range assignRe.FindAllStringSubmatch(line, -1) {
		if secretName(m[1]) && literal(m[2]) {
			return m[1]
		}
	}
	return ""
}

// composeEnvironment calls found for each credential-named variable of a
// Compose environment (a mapping, or a list of NAME=value) given a value
// written in the file: not empty, not ${VARIABLE} interpolated when the
// file is used.
func composeEnvironment(env *scan.Value, found func(at *scan.Value, name string)) {
	if env == nil {
		return
	}
	switch env.Kind {
	case scan.Map:
		for _, k := range env.Keys() {
			v := env.Map[k]
			if s, ok := v.String(); ok && secretName(k) && literal(s) && !strings.Contains(s, "${") {
				found(v, k)
			}
		}
	case scan.List:
		for _, e := range env.List {
			s, ok := e.String()
			if !ok {
				continue
			}
			name, val, ok := strings.Cut(s, "=")
			if ok && secretName(name) && literal(val) && !strings.Contains(val, "${") {
				found(e, name)
			}
		}
	}
}

// dockerVar is a variable an ENV or ARG instruction declares, with its
// value as written (quotes removed; empty when it has none).
type dockerVar struct{ name, value string }

// dockerfileVars reads the variables of an ENV or ARG: NAME=value pairs,
// a bare ARG NAME, or ENV's old NAME value form.
func dockerfileVars(args string) []dockerVar {
	args = strings.TrimSpace(args)
	first, rest, _ := strings.Cut(args, " ")
	if !strings.Contains(first, "=") {
		return []dockerVar{{name: first, value: unquote(strings.TrimSpace(rest))}}
	}
	var out []dockerVar
	for _, m := range assignRe.FindAllStringSubmatch(args, -1) {
		out = append(out, dockerVar{name: m[1], value: unquote(m[2])})
	}
	return out
}

func unquote(s string) string {
	if len(s) >= 2 && (s[0] == '"' || s[0] == '\'') && s[len(s)-1] == s[0] {
		return s[1 : len(s)-1]
	}
	return s
}

// commandText is a Compose command, entrypoint or health check test as a
// line of script: a string as written, a list joined by spaces.
func commandText(v *scan.Value) *scan.Value {
	if v == nil || v.Kind != scan.List {
		return v
	}
	var parts []string
	for _, e := range v.List {
		if s, ok := e.String(); ok {
			parts = append(parts, s)
		}
	}
	out := scan.Str(strings.Join(parts, " "))
	out.Range = v.Range
	return out
}

// containerEnvironment returns the environment entries of container
// definitions: a JSON string (Terraform's container_definitions), or a
// list of maps with Environment (CloudFormation's ContainerDefinitions).
func containerEnvironment(v *scan.Value, envKey string) (entries []*scan.Value, ok bool) {
	if v == nil {
		return nil, true
	}
	if v.Kind == scan.String {
		var x any
		if err := json.Unmarshal([]byte(v.Str), &x); err != nil {
			return nil, true // not JSON: the provider refuses it
		}
		v = fromJSON(x, v.Range)
	}
	if v.Kind == scan.Unknown {
		return nil, false
	}
	ok = true
	for _, c := range v.Items() {
		env := mapGet(c, envKey)
		if !known(env) {
			ok = false
			continue
		}
		entries = append(entries, env.Items()...)
	}
	return entries, ok
}

var codeUserData = &scan.Rule{
	ID:       "DBW-CODE-004",
	Title:    "Credential in plain text in instance user data, a container definition or a Dockerfile",
	Severity: scan.Critical,
	Applies: map[scan.Lang][]string{
		scan.Terraform: {"aws_instance", "aws_launch_template", "aws_launch_configuration", "aws_ecs_task_definition"},
		scan.CloudFormation: {"AWS::EC2::Instance", "AWS::EC2::LaunchTemplate", "AWS::AutoScaling::LaunchConfiguration",
			"AWS::ECS::TaskDefinition"},
		scan.Compose:    {compose.Type},
		scan.Dockerfile: {dockerfile.Type},
	},
	Seeds: []string{"000 §1", "000 §7", "003 secret management", "004 database configuration"},
	Rationale: "Seed 000's instance reads the MySQL passwords from Secrets Manager when it starts; seed 003 " +
		"never keeps passwords in configuration files or environment variables. A password written into " +
		"user data (docker run -e MYSQL_ROOT_PASSWORD=..., mysql -p..., IDENTIFIED BY '...') or into a " +
		"task definition's environment is stored with the instance or task, shown to anyone allowed to " +
		"describe it, served to every process on the instance by the metadata service, and kept in the " +
		"code and the Terraform state; one in a Compose file is in the repository and its history, and one " +
		"in a Dockerfile's ENV, ARG or RUN is in every image built from it, for anyone who can pull it.",
	Remediation: "Read the credential when the instance or task starts: in user data with " +
		"aws secretsmanager get-secret-value (or dbwarden secret get-secret-value) into a variable, never " +
		"a literal; in a task definition with secrets (valueFrom a Secrets Manager secret or SecureString " +
		"parameter) instead of environment; in a Compose file with secrets and the image's *_FILE variables " +
		"(MYSQL_ROOT_PASSWORD_FILE) or ${VARIABLE} taken from the environment; in a Dockerfile not at all: " +
		"give it when the container starts, or to RUN with a build secret (RUN --mount=type=secret).",
	Example: map[scan.Lang]string{
		scan.Terraform: `resource "aws_instance" "mysql" {
  ami           = var.ami_id
  instance_type = "t3.medium"
  user_data     = <<-EOT
    #!/bin/bash
    ROOT_PW=$(aws secretsmanager get-secret-value --secret-id prod/mysql/root \
      --query SecretString --output text)
    docker run -d -e MYSQL_ROOT_PASSWORD="$ROOT_PW" mysql:8.0
  EOT
}`,
		scan.CloudFormation: `TaskDefinition:
  Type: AWS::ECS::TaskDefinition
  Properties:
    ContainerDefinitions:
      - Name: app
        Image: app:1
        Secrets:
          - Name: DB_PASSWORD
            ValueFrom: !Ref DatabaseSecret`,
		scan.Compose: `services:
  mysql:
    image: mysql:8.0
    environment:
      MYSQL_ROOT_PASSWORD_FILE: /run/secrets/mysql_root_password
    secrets:
      - mysql_root_password
secrets:
  mysql_root_password:
    file: ./secrets/mysql_root_password   # kept out of version control`,
		scan.Dockerfile: `FROM mysql:8.0
# The password is given when the container starts, never baked in:
#   docker run -e MYSQL_ROOT_PASSWORD_FILE=/run/secrets/root --secret ...
COPY conf.d/ /etc/mysql/conf.d/`,
	},
	Trivy:   []string{"AVD-AWS-0029", "AVD-AWS-0129", "AVD-AWS-0036"},
	Checkov: []string{"CKV_AWS_46"},
	Check: func(p *scan.Project, out *scan.Out) {
		script := func(r *scan.Resource, v *scan.Value, attr string) {
			text, ok := scriptText(v)
			if !ok {
				return
			}
			for _, c := range credentialsInScript(text) {
				out.Fail(r, v, "%s writes %s in plain text (line %d of the script)", attr, c.what, c.line)
			}
		}
		for _, r := range tfResources(p, "aws_instance", "aws_launch_configuration") {
			script(r, r.Attr("user_data"), "user_data")
			script(r, r.Attr("user_data_base64"), "user_data_base64")
		}
		for _, r := range tfResources(p, "aws_launch_template") {
			script(r, r.Attr("user_data"), "user_data")
		}
		for _, r := range cfnResources(p, "AWS::EC2::Instance", "AWS::AutoScaling::LaunchConfiguration") {
			script(r, r.Attr("UserData"), "UserData")
		}
		for _, r := range cfnResources(p, "AWS::EC2::LaunchTemplate") {
			script(r, r.Attr("LaunchTemplateData", "UserData"), "UserData")
		}
		env := func(r *scan.Resource, defs *scan.Value, envKey, nameKey, valueKey string) {
			entries, ok := containerEnvironment(defs, envKey)
			if !ok {
				out.Unknown(r, defs, "the container definitions are only known when applied")
			}
			for _, e := range entries {
				name, _ := str(mapGet(e, nameKey))
				val := mapGet(e, valueKey)
				if secretName(name) && literalInCode(val) {
					out.Fail(r, val, "container environment variable %s holds a credential in plain text", name)
				}
			}
		}
		for _, r := range tfResources(p, "aws_ecs_task_definition") {
			env(r, r.Attr("container_definitions"), "environment", "name", "value")
		}
		for _, r := range cfnResources(p, "AWS::ECS::TaskDefinition") {
			env(r, r.Attr("ContainerDefinitions"), "Environment", "Name", "Value")
		}
		for _, r := range p.Of(scan.Compose, compose.Type) {
			composeEnvironment(r.Attr("environment"), func(at *scan.Value, name string) {
				out.Fail(r, at, "environment variable %s holds a credential in plain text", name)
			})
			for _, attr := range []string{"command", "entrypoint"} {
				script(r, commandText(r.Attr(attr)), attr)
			}
			script(r, commandText(r.Attr("healthcheck", "test")), "healthcheck test")
		}
		for _, r := range p.Of(scan.Dockerfile, dockerfile.Type) {
			for _, in := range r.Attr("instructions").Items() {
				instr, _ := in.Get("instruction").String()
				args := in.Get("arguments")
				text, _ := args.String()
				switch instr {
				case "ENV", "ARG":
					for _, v := range dockerfileVars(text) {
						if !secretName(v.name) || isFlag(v.value) {
							continue
						}
						plain := literal(v.value) && !strings.Contains(v.value, "${")
						switch {
						case instr == "ENV" && plain:
							out.Fail(r, args, "ENV sets %s in plain text: it is in the environment of every image built from this file", v.name)
						case instr == "ENV" && v.value != "":
							out.Fail(r, args, "ENV puts %s in the environment of every image built from this file, whatever its value comes from", v.name)
						case plain:
							out.Fail(r, args, "ARG gives %s a default in plain text: it is in the build history of every image built from this file", v.name)
						case v.value == "":
							out.Fail(r, args, "ARG %s takes a credential at build time: build arguments are kept in the image's history (docker history); use RUN --mount=type=secret", v.name)
						}
					}
				case "RUN":
					for _, c := range credentialsInScript(text) {
						out.Fail(r, args, "RUN writes %s in plain text: it is in the image's layers and history", c.what)
					}
				}
			}
		}
	},
}
