package rules

import (
	"fmt"
	"strings"
	"testing"

	"github.com/dbwarden/dbwarden/internal/scan"
)

func TestCredentialsInScript(t *testing.T) {
	for _, c := range []struct {
		line string
		want string // what is reported, "" for nothing
	}{
		{`docker run -d -e MYSQL_ROOT_PASSWORD=hunter2 mysql:8.0`, "MYSQL_ROOT_PASSWORD"},
		{`export DB_PASSWORD="hunter2 with spaces"`, "DB_PASSWORD"},
		{`FOO=bar API_TOKEN='abc' ./run`, "API_TOKEN"},
		{`  password: hunter2`, "password"},
		{`{"db_password": "hunter2"}`, "db_password"},
		{`mysql -u root -phunter2 -e "SELECT 1"`, "a MySQL client password"},
		{`mariadb-dump --password=hunter2 --all-databases`, "a MySQL client password"},
		{`mysqladmin -u root --password='hunter2' ping`, "a MySQL client password"},
		{`mysql -e "CREATE USER 'app'@'%' IDENTIFIED BY 'hunter2'"`, "a password in IDENTIFIED BY"},
		{`ALTER USER app IDENTIFIED WITH mysql_native_password BY 'hunter2';`, "a password in IDENTIFIED BY"},
		{`aws configure set aws_access_key_id AKIAABCDEFGHIJKLMNOP`, "an AWS access key id"},

		{`docker run -d -e MYSQL_ROOT_PASSWORD="$ROOT_PW" mysql:8.0`, ""},
		{`DB_PASSWORD=$(aws secretsmanager get-secret-value --secret-id x --query SecretString --output text)`, ""},
		{"PW=`cat /run/secrets/pw`", ""},
		{`mysql -u root -p"$ROOT_PW"`, ""},
		{`docker exec mysql-server mysql -u root -p \`, ""},
		{`mysql -e "ALTER USER 'app'@'%' IDENTIFIED BY '$NEW_PASSWORD';"`, ""},
		{`export PASSWORD_FILE=/run/secrets/mysql`, ""},
		{`password_length=32`, ""},
		{`# MYSQL_ROOT_PASSWORD=example, never written here`, ""},
		{`MYSQL_ROOT_PASSWORD=*`, ""}, // a part only known when applied
		{`MYSQL_ALLOW_EMPTY_PASSWORD=`, ""},
		{`require_secure_transport: true`, ""},
		{`mysql --defaults-extra-file=/etc/mysql/app.cnf --port=3306`, ""},
		{`MYSQL_RANDOM_ROOT_PASSWORD=yes`, ""},
	} {
		got := credentialsInScript("#!/bin/bash\n" + c.line)
		switch {
		case c.want == "" && len(got) > 0:
			t.Errorf("%q: reported %q", c.line, got[0].what)
		case c.want != "" && len(got) == 0:
			t.Errorf("%q: nothing reported, want %s", c.line, c.want)
		case c.want != "" && (got[0].what != c.want || got[0].line != 2):
			t.Errorf("%q: reported %q on line %d, want %q on line 2", c.line, got[0].what, got[0].line, c.want)
		}
	}
}

// Every resource of the fail fixtures is reported once, and no finding
// carries the value it is about.
func TestUserDataFixtures(t *testing.T) {
	for dir, want := range map[string][]string{
		"testdata/DBW-CODE-004/terraform/fail":      {"aws_instance.mysql", "aws_launch_template.mysql", "aws_launch_configuration.mysql", "aws_ecs_task_definition.app", "aws_instance.worker"},
		"testdata/DBW-CODE-004/cloudformation/fail": {"MySQLInstance", "LaunchTemplate", "TaskDefinition"},
		"testdata/DBW-CODE-004/compose/fail":        {"services.mysql", "services.mysql", "services.mysql", "services.app", "services.backup"},
		"testdata/DBW-CODE-004/dockerfile/fail":     {"Dockerfile", "Dockerfile", "Dockerfile", "Dockerfile", "Dockerfile", "Dockerfile"},
	} {
		fs := scan.Run(loadFixture(t, dir), []*scan.Rule{codeUserData}, nil)
		var got []string
		for _, f := range fs {
			got = append(got, f.Resource)
			for _, secret := range []string{"Sup3rS3cretRootPw", "S3cretRootPw", "AppPassw0rd", "hunter2", "example-root-pw", "example-app-pw", "123456", "baked-in"} {
				if strings.Contains(fmt.Sprintf("%+v", f), secret) {
					t.Errorf("%s: a finding carries the value it reports: %s", dir, f.Message)
				}
			}
		}
		if strings.Join(got, ",") != strings.Join(want, ",") {
			t.Errorf("%s: findings on %v, want %v", dir, got, want)
		}
	}
}

func TestDockerfileVars(t *testing.T) {
	for args, want := range map[string]string{
		`A=1 B="two words" C='x'`: `A=1|B=two words|C=x`,
		`PASSWORD secret value`:   `PASSWORD=secret value`,
		`DB_PASSWORD`:             `DB_PASSWORD=`,
		`X=${Y}`:                  `X=${Y}`,
	} {
		var got []string
		for _, v := range dockerfileVars(args) {
			got = append(got, v.name+"="+v.value)
		}
		if strings.Join(got, "|") != want {
			t.Errorf("dockerfileVars(%s) = %q, want %q", args, strings.Join(got, "|"), want)
		}
	}
}
