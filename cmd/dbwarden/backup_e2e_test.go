package main

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/dbwarden/dbwarden/internal/testenv"
)

// backupDB makes a database to back up and returns the admin credential
// document and the database's name.
func backupDB(t *testing.T) (admin, db string) {
	t.Helper()
	srv := testenv.MariaDB(t)
	db = srv.NewDatabase(t)
	root := srv.DB(t)
	for _, q := range []string{
		"CREATE TABLE `" + db + "`.accounts (id INT PRIMARY KEY, owner VARCHAR(40), balance BIGINT)",
		"INSERT INTO `" + db + "`.accounts VALUES (1, 'ada', 100), (2, 'grace', 250), (3, NULL, 0)",
		"CREATE VIEW `" + db + "`.rich AS SELECT owner FROM `" + db + "`.accounts WHERE balance > 150",
	} {
		if _, err := root.Exec(q); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
	b, _ := json.Marshal(map[string]any{"engine": "mariadb", "host": srv.Host, "port": srv.Port, "username": srv.User, "password": srv.Password})
	return string(b), db
}

func TestBackupCommands(t *testing.T) {
	admin, db := backupDB(t)
	srv := testenv.MariaDB(t)
	root := srv.DB(t)
	restored := db + "_r"
	t.Cleanup(func() { root.Exec("DROP DATABASE IF EXISTS `" + restored + "`") })
	c := newCLI(t)
	c.ok(nil, "secret", "create-secret", "--name", "prod/mysql/admin", "--secret-string", admin)
	dir := filepath.Join(t.TempDir(), "backups")
	to := "file://" + dir

	var run struct {
		BackupId string
		Tables   int
		Rows     int64
	}
	c.json(&run, "backup", "run", "--source", "prod/mysql/admin", "--to", to, "--include", db, "--no-users")
	if run.BackupId == "" || run.Tables != 1 || run.Rows != 3 {
		t.Fatalf("backup run: %+v", run)
	}
	var list struct {
		Backups []struct{ BackupId, State string }
	}
	c.json(&list, "backup", "list", "--from", to)
	if len(list.Backups) != 1 || list.Backups[0].State != "complete" {
		t.Fatalf("backup list: %+v", list)
	}
	c.ok(nil, "backup", "verify", run.BackupId, "--from", to)
	var rest struct {
		Restored                                     bool
		TablesRowsChecked, TablesWithoutRowChecksums int
	}
	c.json(&rest, "restore", run.BackupId, "--from", to, "--target", "prod/mysql/admin", "--rename", db+"="+restored, "--check-rows")
	if !rest.Restored || rest.TablesRowsChecked != 1 || rest.TablesWithoutRowChecksums != 0 {
		t.Fatalf("restore --check-rows: %+v, want one table checked", rest)
	}
	var n, sum int
	if err := root.QueryRow("SELECT COUNT(*), SUM(balance) FROM `"+restored+"`.accounts").Scan(&n, &sum); err != nil || n != 3 || sum != 350 {
		t.Fatalf("restored accounts: %d rows, sum %d (%v)", n, sum, err)
	}
	if err := root.QueryRow("SELECT COUNT(*) FROM `" + restored + "`.rich").Scan(&n); err != nil || n != 1 {
		t.Fatalf("restored view: %d rows (%v)", n, err)
	}
	// Restoring over it again is refused: exit 1, the database untouched.
	if r := c.fails(exitError, nil, "restore", run.BackupId, "--from", to, "--target", "prod/mysql/admin", "--rename", db+"="+restored); !strings.Contains(string(r.stderr), "--replace") {
		t.Errorf("restoring over a database does not say how to: %s", r.stderr)
	}

	// A server secret that does not exist: exit 3, naming it.
	if r := c.fails(exitNotFound, nil, "backup", "run", "--source", "prod/mysql/nope", "--to", to); !strings.Contains(string(r.stderr), `the server "prod/mysql/nope"`) {
		t.Errorf("a missing server secret is not named: %s", r.stderr)
	}

	// mysql:// with the password in MYSQL_PWD; never in the URL.
	c.fails(exitUsage, nil, "backup", "run", "--source", "mysql://root:secret@127.0.0.1:1", "--to", to)
	env := c.env
	c.env = append(c.env, "MYSQL_PWD="+srv.Password)
	var run2 struct{ BackupId string }
	c.json(&run2, "backup", "run", "--source", "mysql://"+srv.User+"@"+srv.Addr(), "--to", to, "--include", db, "--no-users")
	c.env = env

	// A flipped byte: verify and restore refuse, exit 5, naming the object.
	var victim string
	filepath.WalkDir(filepath.Join(dir, run2.BackupId), func(p string, d os.DirEntry, err error) error {
		if err == nil && strings.Contains(p, "/data/") && !d.IsDir() {
			victim = p
		}
		return nil
	})
	b, _ := os.ReadFile(victim)
	b[len(b)/2] ^= 1
	os.WriteFile(victim, b, 0o600)
	r := c.fails(exitIntegrity, nil, "backup", "verify", run2.BackupId, "--from", to)
	if !strings.Contains(string(r.stderr), filepath.Base(victim)) {
		t.Fatalf("verify does not name the damaged object:\n%s", r.stderr)
	}
	root.Exec("DROP DATABASE IF EXISTS `" + restored + "`")
	c.fails(exitIntegrity, nil, "restore", run2.BackupId, "--from", to, "--target", "prod/mysql/admin", "--rename", db+"="+restored)

	// Prune: a dry run deletes nothing; keep-last=1 keeps the newest.
	var pr struct {
		Removed []string
	}
	c.json(&pr, "backup", "prune", "--from", to, "--keep", "keep-last=1", "--dry-run")
	if len(pr.Removed) != 1 || pr.Removed[0] != run.BackupId {
		t.Fatalf("prune --dry-run: %+v", pr)
	}
	c.json(&list, "backup", "list", "--from", to)
	if len(list.Backups) != 2 {
		t.Fatalf("a dry run removed something: %+v", list)
	}
	c.ok(nil, "backup", "prune", "--from", to, "--keep", "keep-last=1")
	c.json(&list, "backup", "list", "--from", to)
	if len(list.Backups) != 1 || list.Backups[0].BackupId != run2.BackupId {
		t.Fatalf("after prune: %+v", list)
	}
	c.fails(exitNotFound, nil, "restore", "20990101T000000Z-0000", "--from", to, "--target", "prod/mysql/admin")
	c.fails(exitUsage, nil, "backup", "run", "--source", "prod/mysql/admin", "--to", "ftp://x")
	c.fails(exitUsage, nil, "backup", "prune", "--from", to, "--keep", "keep-forever=1")
}

// The same to S3 (moto): run, list, restore.
func TestBackupToS3(t *testing.T) {
	admin, db := backupDB(t)
	srv := testenv.MariaDB(t)
	root := srv.DB(t)
	restored := db + "_s3"
	t.Cleanup(func() { root.Exec("DROP DATABASE IF EXISTS `" + restored + "`") })
	endpoint := testenv.Moto(t)
	cfg := testenv.ConfigFor(endpoint)
	if _, err := s3.NewFromConfig(cfg, func(o *s3.Options) { o.UsePathStyle = true }).CreateBucket(context.Background(), &s3.CreateBucketInput{Bucket: aws.String("backups")}); err != nil {
		t.Fatal(err)
	}
	c := newCLI(t)
	c.env = append(c.env, "AWS_ENDPOINT_URL="+endpoint, "AWS_REGION="+testenv.MotoRegion, "AWS_ACCESS_KEY_ID="+testenv.MotoAccessKeyID,
		"AWS_SECRET_ACCESS_KEY="+testenv.MotoSecretAccessKey, "AWS_EC2_METADATA_DISABLED=true")
	c.ok(nil, "secret", "create-secret", "--name", "prod/mysql/admin", "--secret-string", admin)
	to := "s3://backups/mysql/prod"
	var run struct{ BackupId string }
	c.json(&run, "backup", "run", "--source", "prod/mysql/admin", "--to", to, "--include", db, "--no-users")
	var list struct {
		Backups []struct{ BackupId, State string }
	}
	c.json(&list, "backup", "list", "--from", to)
	if len(list.Backups) != 1 || list.Backups[0].State != "complete" {
		t.Fatalf("backup list on S3: %+v", list)
	}
	c.ok(nil, "restore", run.BackupId, "--from", to, "--target", "prod/mysql/admin", "--rename", db+"="+restored)
	var n int
	if err := root.QueryRow("SELECT COUNT(*) FROM `" + restored + "`.accounts").Scan(&n); err != nil || n != 3 {
		t.Fatalf("restored from S3: %d rows (%v)", n, err)
	}
}
