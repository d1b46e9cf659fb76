package main

import (
	"bytes"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"fmt"
	"math/big"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/dbwarden/dbwarden/internal/testenv"
)

// server is a running 'dbwarden server'.
type server struct {
	endpoint string
	creds    string
	dataDir  string
	cmd      *exec.Cmd
	log      *testenv.LockedBuffer
}

// logged reports whether the server's log comes to hold s: the server
// writes a line before it answers, but the copy of its output into the
// test can lag behind; 10 s bounds a server that never writes it.
func (srv *server) logged(s string) bool {
	for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(20 * time.Millisecond) {
		if strings.Contains(srv.log.String(), s) {
			return true
		}
		if time.Now().After(deadline) {
			return false
		}
	}
}

func freePort(t *testing.T) int {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port
}

// startServer starts dbwarden server on a free loopback port and waits
// until it answers; the test's cleanup stops it with SIGTERM and checks
// that it shut down cleanly.
func startServer(t *testing.T, extra ...string) *server {
	t.Helper()
	return startServerIn(t, t.TempDir(), http.DefaultClient, "http", extra...)
}

func startServerIn(t *testing.T, home string, client *http.Client, scheme string, extra ...string) *server {
	t.Helper()
	s := &server{dataDir: filepath.Join(home, "data"), log: &testenv.LockedBuffer{}}
	addr := fmt.Sprintf("127.0.0.1:%d", freePort(t))
	s.endpoint = scheme + "://" + addr
	s.creds = filepath.Join(s.dataDir, credentialsFile)
	s.cmd = exec.Command(dbwardenBin, append([]string{"--data-dir", s.dataDir, "server", "--listen", addr}, extra...)...)
	s.cmd.Env = []string{"PATH=" + os.Getenv("PATH"), "HOME=" + home}
	s.cmd.Stdout, s.cmd.Stderr = s.log, s.log
	if err := s.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		s.cmd.Process.Signal(syscall.SIGTERM)
		done := make(chan error, 1)
		go func() { done <- s.cmd.Wait() }()
		select {
		case err := <-done:
			if err != nil {
				t.Errorf("server after SIGTERM: %v, want a clean exit", err)
			}
		case <-time.After(30 * time.Second):
			s.cmd.Process.Kill()
			t.Errorf("server did not stop within 30 s of SIGTERM")
		}
	})
	for deadline := time.Now().Add(20 * time.Second); ; {
		resp, err := client.Get(s.endpoint + "/healthz")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == 200 {
				break
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("server did not answer /healthz; log:\n%s", s.log.String())
		}
		time.Sleep(50 * time.Millisecond)
	}
	return s
}

// awsEnv is the environment for the aws CLI and boto3: the server's
// endpoint and the admin credentials file, nothing from the user's AWS
// configuration.
func (s *server) awsEnv(home string) []string {
	return []string{
		"PATH=" + os.Getenv("PATH"), "HOME=" + home,
		"AWS_ENDPOINT_URL=" + s.endpoint,
		"AWS_SHARED_CREDENTIALS_FILE=" + s.creds,
		"AWS_CONFIG_FILE=" + filepath.Join(home, "no-aws-config"),
	}
}

func TestServerAdminCredentialsFile(t *testing.T) {
	s := startServer(t)
	fi, err := os.Stat(s.creds)
	if err != nil {
		t.Fatal(err)
	}
	if fi.Mode().Perm() != 0o600 {
		t.Fatalf("credentials file mode: got %v, want 0600", fi.Mode().Perm())
	}
	b, _ := os.ReadFile(s.creds)
	if !bytes.Contains(b, []byte("[default]")) || !bytes.Contains(b, []byte("aws_access_key_id = AKIA")) {
		t.Fatal("credentials file is not in the shared-credentials format")
	}
	// The log names the file, never the secret key.
	if !s.logged(s.creds) {
		t.Fatal("the server log does not name the credentials file")
	}
	for _, line := range strings.Split(string(b), "\n") {
		if k, v, ok := strings.Cut(line, " = "); ok && k == "aws_secret_access_key" && strings.Contains(s.log.String(), v) {
			t.Fatal("the server log holds the secret access key")
		}
	}
}

// TestSeedCommands runs seed 000's aws CLI commands as they are written,
// against dbwarden server.
func TestSeedCommands(t *testing.T) {
	if _, err := exec.LookPath("aws"); err != nil {
		testenv.Require(t, "aws CLI", "the seed's aws secretsmanager commands are run against dbwarden server")
	}
	s := startServer(t)
	home := t.TempDir()
	script := `set -e
aws secretsmanager create-secret --name staging/myapp/mysql/mysql-root-password --secret-string "root-pw-1" > /dev/null
aws secretsmanager create-secret --name staging/myapp/mysql/mysql-user-password --secret-string "user-pw-1" > /dev/null

# Retrieving Passwords (seed 000, section 1)
aws secretsmanager get-secret-value \
  --secret-id staging/myapp/mysql/mysql-root-password \
  --query SecretString \
  --output text

# Manual rotation (seed 000, section 8)
NEW_PASSWORD=user-pw-2
aws secretsmanager update-secret \
  --secret-id staging/myapp/mysql/mysql-user-password \
  --secret-string "$NEW_PASSWORD" > /dev/null

OLD_PASSWORD=$(aws secretsmanager get-secret-value \
  --secret-id staging/myapp/mysql/mysql-user-password \
  --version-stage AWSPREVIOUS \
  --query SecretString \
  --output text)

NEW_PASSWORD=$(aws secretsmanager get-secret-value \
  --secret-id staging/myapp/mysql/mysql-user-password \
  --query SecretString \
  --output text)
echo "old=$OLD_PASSWORD new=$NEW_PASSWORD"
`
	cmd := exec.Command("bash", "-c", script)
	cmd.Env = s.awsEnv(home)
	var out, errOut bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errOut
	if err := cmd.Run(); err != nil {
		t.Fatalf("seed commands: %v\nstderr:\n%s", err, errOut.String())
	}
	want := "root-pw-1\nold=user-pw-1 new=user-pw-2\n"
	if out.String() != want {
		t.Fatalf("seed commands printed %d bytes, not the values stored (mismatch)", out.Len())
	}
}

// TestSeedBoto3 runs seed 000's Python snippet, with boto3, against
// dbwarden server.
func TestSeedBoto3(t *testing.T) {
	if err := exec.Command("python3", "-c", "import boto3").Run(); err != nil {
		testenv.Require(t, "python3 with boto3", "the seed's boto3 snippet is run against dbwarden server")
	}
	s := startServer(t)
	home := t.TempDir()
	setup := exec.Command("bash", "-c", `aws secretsmanager create-secret --name staging/myapp/mysql/mysql-user-password --secret-string "from-boto3" >/dev/null`)
	setup.Env = s.awsEnv(home)
	if out, err := setup.CombinedOutput(); err != nil {
		t.Fatalf("create secret: %v\n%s", err, out)
	}
	snippet := `
import boto3

secrets = boto3.client('secretsmanager')
password = secrets.get_secret_value(
    SecretId='staging/myapp/mysql/mysql-user-password'
)['SecretString']
print(password)
`
	cmd := exec.Command("python3", "-c", snippet)
	cmd.Env = s.awsEnv(home)
	var out, errOut bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errOut
	if err := cmd.Run(); err != nil {
		t.Fatalf("boto3 snippet: %v\nstderr:\n%s", err, errOut.String())
	}
	if out.String() != "from-boto3\n" {
		t.Fatalf("boto3 snippet printed %d bytes, not the value stored (mismatch)", out.Len())
	}
}

func TestServerRefusesPlainHTTPOffLoopback(t *testing.T) {
	c := newCLI(t)
	r := c.fails(exitUsage, nil, "server", "--listen", "0.0.0.0:0")
	if !bytes.Contains(r.stderr, []byte("--tls-cert")) {
		t.Fatalf("error does not say how to serve off loopback: %s", r.stderr)
	}
	if exists(filepath.Join(c.dataDir, credentialsFile)) {
		t.Fatal("a refused start wrote a credentials file")
	}
}

func TestServerTLS(t *testing.T) {
	home := t.TempDir()
	certFile, keyFile, pool := testCert(t, home)
	client := &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool, MinVersion: tls.VersionTLS12}}}
	s := startServerIn(t, home, client, "https", "--tls-cert", certFile, "--tls-key", keyFile)
	t.Run("TLS 1.1 is refused", func(t *testing.T) {
		old := &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool, MaxVersion: tls.VersionTLS11}}}
		if resp, err := old.Get(s.endpoint + "/healthz"); err == nil {
			resp.Body.Close()
			t.Fatal("a TLS 1.1 client was served")
		}
	})
	t.Run("TLS 1.2 is served", func(t *testing.T) {
		v12 := &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool, MaxVersion: tls.VersionTLS12}}}
		resp, err := v12.Get(s.endpoint + "/healthz")
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.TLS == nil || resp.TLS.Version != tls.VersionTLS12 {
			t.Fatalf("connection: got %+v, want TLS 1.2", resp.TLS)
		}
	})
}

// testCert writes a certificate for 127.0.0.1 and its key, and
// returns a pool that trusts it.
func testCert(t *testing.T, dir string) (certFile, keyFile string, pool *x509.CertPool) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "dbwarden test"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		IPAddresses: []net.IP{net.ParseIP("127.0.0.1")}, KeyUsage: x509.KeyUsageDigitalSignature,
		ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}, IsCA: true, BasicConstraintsValid: true,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	kder, err := x509.MarshalECPrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	certFile, keyFile = filepath.Join(dir, "cert.pem"), filepath.Join(dir, "key.pem")
	os.WriteFile(certFile, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), 0o600)
	os.WriteFile(keyFile, pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: kder}), 0o600)
	cert, _ := x509.ParseCertificate(der)
	pool = x509.NewCertPool()
	pool.AddCert(cert)
	return certFile, keyFile, pool
}

func TestPrincipalCommandsAndTheServer(t *testing.T) {
	if _, err := exec.LookPath("aws"); err != nil {
		testenv.Require(t, "aws CLI", "principals' keys are used through the aws CLI")
	}
	s := startServer(t)
	c := &cli{t: t, home: t.TempDir(), dataDir: s.dataDir}
	c.ok(nil, "principal", "create", "--name", "ops", "--admin")
	c.fails(exitRejected, nil, "principal", "create", "--name", "ops")
	c.fails(exitRejected, nil, "principal", "create", "--name", "bad name")
	creds := filepath.Join(c.home, "ops-credentials")
	c.ok(nil, "principal", "create-access-key", "--name", "ops", "--credentials-file", creds)
	if fi, err := os.Stat(creds); err != nil || fi.Mode().Perm() != 0o600 {
		t.Fatalf("credentials file: %v, want mode 0600", err)
	}
	var keys struct {
		AccessKeyMetadata []struct{ AccessKeyId, UserName string }
	}
	c.json(&keys, "principal", "list-access-keys", "--name", "ops")
	if len(keys.AccessKeyMetadata) != 1 {
		t.Fatalf("access keys of ops: got %d, want 1", len(keys.AccessKeyMetadata))
	}
	aws := func(credsFile string) (int, string) {
		cmd := exec.Command("aws", "secretsmanager", "list-secrets")
		cmd.Env = append(s.awsEnv(c.home), "AWS_SHARED_CREDENTIALS_FILE="+credsFile)
		out, err := cmd.CombinedOutput()
		code := 0
		if ee, ok := err.(*exec.ExitError); ok {
			code = ee.ExitCode()
		} else if err != nil {
			t.Fatal(err)
		}
		return code, string(out)
	}
	if code, out := aws(creds); code != 0 {
		t.Fatalf("list-secrets with the new key: exit %d: %s", code, out)
	}
	// A key deleted before the server ever saw it is refused at once.
	creds2 := filepath.Join(c.home, "ops-credentials-2")
	c.ok(nil, "principal", "create-access-key", "--name", "ops", "--credentials-file", creds2)
	b, _ := os.ReadFile(creds2)
	var id string
	for _, line := range strings.Split(string(b), "\n") {
		if k, v, ok := strings.Cut(line, " = "); ok && k == "aws_access_key_id" {
			id = v
		}
	}
	c.ok(nil, "principal", "delete-access-key", "--access-key-id", id)
	if code, out := aws(creds2); code == 0 || !strings.Contains(out, "UnrecognizedClientException") {
		t.Fatalf("list-secrets with a deleted key: exit %d, want UnrecognizedClientException: %s", code, out)
	}
	c.ok(nil, "principal", "delete", "--name", "ops")
	c.fails(exitNotFound, nil, "principal", "delete", "--name", "ops")
}

// TestSeedPolicyThroughTheCLI attaches the seeds' least-privilege policy to
// a principal with the CLI and uses its key through the aws CLI.
func TestSeedPolicyThroughTheCLI(t *testing.T) {
	if _, err := exec.LookPath("aws"); err != nil {
		testenv.Require(t, "aws CLI", "a principal's policy is exercised through the aws CLI")
	}
	s := startServer(t)
	c := &cli{t: t, home: t.TempDir(), dataDir: s.dataDir}
	admin := func(args ...string) (int, string) { return runAWS(t, s, c.home, s.creds, args...) }
	for _, n := range []string{"staging/myapp/mysql/mysql-root-password", "staging/myapp/mysql/mysql-user-password", "staging/myapp/other"} {
		if code, out := admin("secretsmanager", "create-secret", "--name", n, "--secret-string", "value"); code != 0 {
			t.Fatalf("create %s: %s", n, out)
		}
	}
	policy := filepath.Join(c.home, "policy.json")
	os.WriteFile(policy, []byte(`{
  "Version": "2012-10-17",
  "Statement": [{
    "Effect": "Allow",
    "Action": ["secretsmanager:GetSecretValue", "secretsmanager:DescribeSecret"],
    "Resource": [
      "arn:aws:secretsmanager:us-east-1:000000000000:secret:staging/myapp/mysql/mysql-root-password",
      "arn:aws:secretsmanager:us-east-1:000000000000:secret:staging/myapp/mysql/mysql-user-password"
    ]
  }]
}`), 0o600)
	c.ok(nil, "principal", "create", "--name", "app")
	c.ok(nil, "principal", "attach-policy", "--name", "app", "--policy-name", "read-mysql", "--policy-document", "file://"+policy)
	c.fails(exitRejected, []byte(`{"Statement":[]}`), "principal", "attach-policy", "--name", "app", "--policy-name", "bad", "--policy-document", "-")
	appCreds := filepath.Join(c.home, "app-credentials")
	c.ok(nil, "principal", "create-access-key", "--name", "app", "--credentials-file", appCreds)
	app := func(args ...string) (int, string) { return runAWS(t, s, c.home, appCreds, args...) }
	if code, out := app("secretsmanager", "get-secret-value", "--secret-id", "staging/myapp/mysql/mysql-user-password", "--query", "SecretString", "--output", "text"); code != 0 || strings.TrimSpace(out) != "value" {
		t.Fatalf("allowed read: exit %d", code)
	}
	for _, args := range [][]string{
		{"secretsmanager", "get-secret-value", "--secret-id", "staging/myapp/other"},
		{"secretsmanager", "put-secret-value", "--secret-id", "staging/myapp/mysql/mysql-user-password", "--secret-string", "x"},
		{"secretsmanager", "list-secrets"},
	} {
		if code, out := app(args...); code == 0 || !strings.Contains(out, "AccessDeniedException") {
			t.Fatalf("%s: exit %d, want AccessDeniedException", strings.Join(args[:2], " "), code)
		}
	}
}

func runAWS(t *testing.T, s *server, home, creds string, args ...string) (int, string) {
	t.Helper()
	cmd := exec.Command("aws", args...)
	cmd.Env = append(s.awsEnv(home), "AWS_SHARED_CREDENTIALS_FILE="+creds)
	out, err := cmd.CombinedOutput()
	if ee, ok := err.(*exec.ExitError); ok {
		return ee.ExitCode(), string(out)
	} else if err != nil {
		t.Fatal(err)
	}
	return 0, string(out)
}

func TestServerSelfSignedTLS(t *testing.T) {
	home := t.TempDir()
	insecure := &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{InsecureSkipVerify: true, MinVersion: tls.VersionTLS12}}}
	s := startServerIn(t, home, insecure, "https", "--tls-self-signed")
	resp, err := insecure.Get(s.endpoint + "/healthz")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	cert := resp.TLS.PeerCertificates[0]
	if !s.logged(fingerprintOf(cert.Raw)) {
		t.Fatal("the server did not print the fingerprint of the certificate it serves")
	}
	if fi, err := os.Stat(filepath.Join(s.dataDir, "server-key.pem")); err != nil || fi.Mode().Perm() != 0o600 {
		t.Fatalf("server key file: %v, want mode 0600", err)
	}
}
