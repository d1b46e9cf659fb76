package main

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/dbwarden/dbwarden/internal/mysqladmin"
	"github.com/dbwarden/dbwarden/internal/testenv"
)

// rotationDB is a MariaDB server with an application user and a master
// user, and their credential documents.
type rotationDB struct {
	app, master string // credential documents
}

func newRotationDB(t *testing.T) rotationDB {
	t.Helper()
	srv := testenv.MariaDB(t)
	db := srv.NewDatabase(t)
	ctx := context.Background()
	root, err := mysqladmin.Connect(ctx, mysqladmin.Credentials{Host: srv.Host, Port: srv.Port, Username: srv.User, Password: srv.Password})
	if err != nil {
		t.Fatal(err)
	}
	defer root.Close()
	doc := func(user, pw string) string {
		b, _ := json.Marshal(map[string]any{"engine": "mariadb", "host": srv.Host, "port": srv.Port, "username": user, "password": pw, "dbname": db})
		return string(b)
	}
	suffix := strings.ReplaceAll(db, "_", "")
	if len(suffix) > 20 {
		suffix = suffix[len(suffix)-20:]
	}
	app, master := mysqladmin.Account{User: "app" + suffix, Host: "%"}, mysqladmin.Account{User: "adm" + suffix, Host: "%"}
	for _, a := range []struct {
		acct  mysqladmin.Account
		pw    string
		grant string
	}{
		{app, "app-pass#1;x", "GRANT SELECT ON `" + db + "`.* TO ?@?"},
		{master, "adm-pass#1;x", "GRANT ALL PRIVILEGES ON *.* TO ?@? WITH GRANT OPTION"},
	} {
		if err := root.CreateAccount(ctx, a.acct, a.pw); err != nil {
			t.Fatal(err)
		}
		acct := a.acct
		t.Cleanup(func() {
			root, err := mysqladmin.Connect(context.Background(), mysqladmin.Credentials{Host: srv.Host, Port: srv.Port, Username: srv.User, Password: srv.Password})
			if err == nil {
				root.DropAccount(context.Background(), acct)
				root.DropAccount(context.Background(), mysqladmin.Account{User: acct.User + "_clone", Host: "%"})
				root.Close()
			}
		})
		if _, err := root.DB().ExecContext(ctx, a.grant, a.acct.User, a.acct.Host); err != nil {
			t.Fatal(err)
		}
	}
	return rotationDB{app: doc(app.User, "app-pass#1;x"), master: doc(master.User, "adm-pass#1;x")}
}

func loginWith(t *testing.T, doc string) error {
	t.Helper()
	c, err := mysqladmin.ParseCredentials([]byte(doc))
	if err != nil {
		t.Fatal(err)
	}
	s, err := mysqladmin.Connect(context.Background(), c)
	if err != nil {
		return err
	}
	defer s.Close()
	return s.Ping(context.Background())
}

// The CLI rotates a secret on demand, step by step, both strategies.
func TestRotateCommand(t *testing.T) {
	d := newRotationDB(t)
	c := newCLI(t)
	var master struct{ ARN string }
	c.json(&master, "secret", "create-secret", "--name", "prod/admin", "--secret-string", d.master)
	c.ok(nil, "secret", "create-secret", "--name", "prod/app", "--secret-string", d.app)

	t.Run("single user", func(t *testing.T) {
		c := c.in(t)
		r := c.run(nil, "rotate", "prod/app")
		if r.code != 0 {
			t.Fatalf("rotate: exit %d\n%s", r.code, r.stderr)
		}
		for _, step := range []string{"createSecret", "setSecret", "testSecret", "finishSecret"} {
			if !strings.Contains(string(r.stderr), step+" ") {
				t.Fatalf("the progress does not show %s:\n%s", step, r.stderr)
			}
		}
		var res struct{ VersionId string }
		if err := json.Unmarshal(r.stdout, &res); err != nil || res.VersionId == "" {
			t.Fatalf("rotate's output %q: %v", r.stdout, err)
		}
		var cur struct{ VersionId, SecretString string }
		c.json(&cur, "secret", "get-secret-value", "--secret-id", "prod/app")
		if cur.VersionId != res.VersionId {
			t.Fatalf("AWSCURRENT is %s, rotate said %s", cur.VersionId, res.VersionId)
		}
		if cur.SecretString == d.app {
			t.Fatal("the value did not change")
		}
		if err := loginWith(t, cur.SecretString); err != nil {
			t.Fatalf("the rotated credentials do not log in: %v", err)
		}
	})

	t.Run("alternating users", func(t *testing.T) {
		c := c.in(t)
		var cur struct{ SecretString string }
		c.json(&cur, "secret", "get-secret-value", "--secret-id", "prod/app")
		var m map[string]any
		json.Unmarshal([]byte(cur.SecretString), &m)
		m["masterarn"] = master.ARN
		b, _ := json.Marshal(m)
		c.ok(nil, "secret", "put-secret-value", "--secret-id", "prod/app", "--secret-string", string(b))
		c.ok(nil, "rotate", "prod/app")
		c.json(&cur, "secret", "get-secret-value", "--secret-id", "prod/app")
		json.Unmarshal([]byte(cur.SecretString), &m)
		if u, _ := m["username"].(string); !strings.HasSuffix(u, "_clone") {
			t.Fatalf("after an alternating rotation AWSCURRENT names %q, want the clone", u)
		}
		if err := loginWith(t, cur.SecretString); err != nil {
			t.Fatalf("the clone does not log in: %v", err)
		}
	})

	t.Run("failures", func(t *testing.T) {
		c := c.in(t)
		c.fails(exitNotFound, nil, "rotate", "prod/missing")
		// Outside AWS Lambda the lambda command explains itself.
		if r := c.fails(exitUsage, nil, "lambda"); !strings.Contains(string(r.stderr), "dbwarden rotate") {
			t.Fatalf("dbwarden lambda outside Lambda does not point to dbwarden rotate:\n%s", r.stderr)
		}
		c.fails(exitUsage, nil, "rotate", "prod/app", "--step", "setSecret")
		c.ok(nil, "secret", "create-secret", "--name", "prod/not-credentials", "--secret-string", "just text")
		r := c.fails(exitRotation, nil, "rotate", "prod/not-credentials")
		if !strings.Contains(string(r.stderr), "createSecret") {
			t.Fatalf("the failure does not name its step:\n%s", r.stderr)
		}
	})
}

// aws secretsmanager rotate-secret --rotate-immediately against dbwarden
// server rotates a database-credential secret with nothing else set up.
func TestRotateSecretThroughTheServer(t *testing.T) {
	if _, err := exec.LookPath("aws"); err != nil {
		testenv.Require(t, "aws CLI", "rotate-secret is run with the aws CLI against dbwarden server")
	}
	d := newRotationDB(t)
	home := t.TempDir()
	s := startServerIn(t, home, http.DefaultClient, "http")
	code, out := runAWS(t, s, home, s.creds, "secretsmanager", "create-secret", "--name", "prod/app", "--secret-string", d.app)
	if code != 0 {
		t.Fatalf("create-secret: %s", out)
	}
	// rotateAndWait runs rotate-secret, then waits for the scheduler to
	// make the version it named AWSCURRENT (a bound, not a speed test).
	rotateAndWait := func(args ...string) {
		t.Helper()
		code, out := runAWS(t, s, home, s.creds, append([]string{"secretsmanager", "rotate-secret", "--secret-id", "prod/app"}, args...)...)
		if code != 0 {
			t.Fatalf("rotate-secret %v: %s", args, out)
		}
		var rot struct{ VersionId string }
		if err := json.Unmarshal([]byte(out), &rot); err != nil || rot.VersionId == "" {
			t.Fatalf("rotate-secret's answer %q: %v", out, err)
		}
		var cur struct{ VersionId, SecretString string }
		deadline := time.Now().Add(60 * time.Second)
		for {
			code, out = runAWS(t, s, home, s.creds, "secretsmanager", "get-secret-value", "--secret-id", "prod/app")
			if code == 0 {
				json.Unmarshal([]byte(out), &cur)
				if cur.VersionId == rot.VersionId {
					break
				}
			}
			if time.Now().After(deadline) {
				t.Fatalf("AWSCURRENT never reached %s; server log:\n%s", rot.VersionId, s.log)
			}
			time.Sleep(100 * time.Millisecond)
		}
		if err := loginWith(t, cur.SecretString); err != nil {
			t.Fatalf("the rotated credentials do not log in: %v", err)
		}
	}
	// The command exactly as a new user types it, with nothing else set up.
	rotateAndWait("--rotate-immediately")
	// With a schedule.
	rotateAndWait("--rotation-rules", `{"ScheduleExpression":"rate(4 days)"}`, "--rotate-immediately")
	// Alternating users, through the API too: the value gets a masterarn.
	code, out = runAWS(t, s, home, s.creds, "secretsmanager", "create-secret", "--name", "prod/admin", "--secret-string", d.master)
	var master struct{ ARN string }
	if code != 0 || json.Unmarshal([]byte(out), &master) != nil {
		t.Fatalf("create the master secret: %s", out)
	}
	code, out = runAWS(t, s, home, s.creds, "secretsmanager", "get-secret-value", "--secret-id", "prod/app")
	var got struct{ SecretString string }
	if code != 0 || json.Unmarshal([]byte(out), &got) != nil {
		t.Fatalf("get-secret-value: %s", out)
	}
	var m map[string]any
	json.Unmarshal([]byte(got.SecretString), &m)
	m["masterarn"] = master.ARN
	withMaster, _ := json.Marshal(m)
	if code, out = runAWS(t, s, home, s.creds, "secretsmanager", "put-secret-value", "--secret-id", "prod/app", "--secret-string", string(withMaster)); code != 0 {
		t.Fatalf("put-secret-value: %s", out)
	}
	rotateAndWait("--rotate-immediately")
	code, out = runAWS(t, s, home, s.creds, "secretsmanager", "get-secret-value", "--secret-id", "prod/app", "--query", "SecretString", "--output", "text")
	if code != 0 || !strings.Contains(out, "_clone") {
		t.Fatalf("after an alternating rotation through the API, AWSCURRENT does not name the clone (exit %d)", code)
	}
	code, out = runAWS(t, s, home, s.creds, "secretsmanager", "describe-secret", "--secret-id", "prod/app")
	var desc struct {
		RotationEnabled  bool
		LastRotatedDate  float64
		NextRotationDate float64
	}
	if code != 0 || json.Unmarshal([]byte(out), &desc) != nil {
		t.Fatalf("describe-secret: %s", out)
	}
	if !desc.RotationEnabled || desc.LastRotatedDate == 0 || desc.NextRotationDate-desc.LastRotatedDate < 3*86400 {
		t.Fatalf("after the rotation: enabled %v, last %v, next %v; want the next one 4 days after the last", desc.RotationEnabled, desc.LastRotatedDate, desc.NextRotationDate)
	}
	// /metrics reports rotation too.
	resp, err := http.Get(s.endpoint + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	for _, want := range []string{"dbwarden_rotation_enabled_secrets 1", "dbwarden_rotation_failing_secrets 0", "dbwarden_rotation_last_success_timestamp_seconds "} {
		if !strings.Contains(string(body), want) {
			t.Errorf("/metrics has no %q", want)
		}
	}
}

// The Lambda's EXCLUDE_CHARACTERS, as AWS's rotation functions take it,
// shapes the passwords it generates.
func TestLambdaExcludeCharacters(t *testing.T) {
	const excluded = "abcdefghijklmnopqrstuvwxyz0123456789"
	env := map[string]string{"EXCLUDE_CHARACTERS": excluded, "AWS_REGION": "us-east-1"}
	e, err := lambdaEngine(context.Background(), func(k string) string { return env[k] })
	if err != nil {
		t.Fatal(err)
	}
	current := `{"engine":"mysql","host":"db","port":3306,"username":"app","password":"old"}`
	r, err := e.Rotator("", current)
	if err != nil {
		t.Fatal(err)
	}
	pending, err := r.NewPending(context.Background(), current)
	if err != nil {
		t.Fatal(err)
	}
	c, err := mysqladmin.ParseCredentials([]byte(pending))
	if err != nil {
		t.Fatal(err)
	}
	if strings.ContainsAny(c.Password, excluded) || c.Password == "" {
		t.Fatal("the generated password holds an excluded character")
	}
}
