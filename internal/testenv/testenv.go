// Package testenv starts real components for tests, such as moto_server for
// AWS APIs, and decides what happens when one is missing: the test is skipped
// on a developer machine and fails in CI (CI=true), so that a broken CI image
// cannot turn the suite green by skipping it.
//
// Nothing here mutates the process environment unless a function says so, so
// tests using it can run in parallel.
package testenv

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
)

// MotoRegion, MotoAccessKeyID and MotoSecretAccessKey are the region and
// dummy credentials used with moto_server.
const (
	MotoRegion          = "us-east-1"
	MotoAccessKeyID     = "testing"
	MotoSecretAccessKey = "testing"
)

// startTimeout bounds how long Moto waits for moto_server to answer. It is a
// limit for a hung start, not an assertion about speed.
const startTimeout = 60 * time.Second

// Require reports a missing component: t.Skip with the reason, or t.Fatal
// when the environment variable CI is "true".
func Require(t testing.TB, what, why string) {
	t.Helper()
	msg := fmt.Sprintf("%s is required: %s", what, why)
	if os.Getenv("CI") == "true" {
		t.Fatal(msg + " (CI=true, so this is a failure, not a skip)")
	}
	t.Skip(msg)
}

// Moto starts moto_server on a free 127.0.0.1 port for this test, waits until
// it answers, and returns its endpoint URL like "http://127.0.0.1:PORT". The
// server is stopped by t.Cleanup. Each call starts its own server, so tests do
// not share AWS state. If moto_server is not on PATH, Require decides.
func Moto(t testing.TB) string {
	t.Helper()
	bin, err := exec.LookPath("moto_server")
	if err != nil {
		Require(t, "moto_server", "it serves the AWS APIs the test calls; install it with: pip install 'moto[server]'")
	}
	// The port is found free and then handed to moto_server, so another
	// process can take it in between; then moto exits and we try again.
	var tails []string
	for range 3 {
		url, tail, err := startMoto(t, bin)
		if err == nil {
			return url
		}
		tails = append(tails, fmt.Sprintf("%v\n--- moto_server output (tail) ---\n%s", err, tail))
		if !errors.Is(err, errExited) {
			break
		}
	}
	t.Fatalf("testenv: moto: could not start moto_server:\n%s", tails[len(tails)-1])
	return ""
}

var errExited = errors.New("moto_server exited")

// startMoto starts one moto_server. On failure it returns the tail of its
// output, and the process is gone.
func startMoto(t testing.TB, bin string) (url, tail string, err error) {
	t.Helper()
	port, err := freePort()
	if err != nil {
		return "", "", err
	}
	out := &LockedBuffer{}
	cmd := exec.Command(bin, "-H", "127.0.0.1", "-p", strconv.Itoa(port))
	cmd.Stdout, cmd.Stderr = out, out
	cmd.Dir = t.TempDir()
	setProcessGroup(cmd)
	if err := cmd.Start(); err != nil {
		return "", "", fmt.Errorf("start %s: %w", filepath.Base(bin), err)
	}
	exited := make(chan struct{})
	var waitErr error
	go func() {
		waitErr = cmd.Wait()
		close(exited)
	}()
	stop := func() {
		stopProcess(cmd.Process)
		select {
		case <-exited:
		case <-time.After(10 * time.Second):
			killProcess(cmd.Process)
			<-exited
		}
	}

	url = "http://127.0.0.1:" + strconv.Itoa(port)
	if err := waitReady(url, exited); err != nil {
		stop()
		if errors.Is(err, errExited) {
			err = fmt.Errorf("%w: %v", errExited, waitErr)
		}
		return "", out.Tail(4096), err
	}
	t.Cleanup(stop)
	return url, "", nil
}

// waitReady polls url until moto answers with any HTTP response, the process
// exits, or startTimeout passes.
func waitReady(url string, exited <-chan struct{}) error {
	ctx, cancel := context.WithTimeout(context.Background(), startTimeout)
	defer cancel()
	client := &http.Client{Timeout: 2 * time.Second}
	tick := time.NewTicker(50 * time.Millisecond)
	defer tick.Stop()
	for {
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, url+"/moto-api/", nil)
		if err != nil {
			return err
		}
		if resp, err := client.Do(req); err == nil {
			resp.Body.Close()
			return nil
		}
		select {
		case <-exited:
			return errExited
		case <-ctx.Done():
			return fmt.Errorf("moto_server did not answer on %s within %v", url, startTimeout)
		case <-tick.C:
		}
	}
}

func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, fmt.Errorf("find a free port: %w", err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}

// MotoConfig starts moto_server with Moto and returns an aws.Config for it:
// static test credentials, region us-east-1 and BaseEndpoint set to the moto
// URL. It reads no environment variable or shared config file.
func MotoConfig(t testing.TB) aws.Config {
	t.Helper()
	return ConfigFor(Moto(t))
}

// ConfigFor returns the aws.Config MotoConfig returns, for an endpoint
// already started with Moto.
func ConfigFor(endpoint string) aws.Config {
	return aws.Config{
		Region:       MotoRegion,
		Credentials:  credentials.NewStaticCredentialsProvider(MotoAccessKeyID, MotoSecretAccessKey, ""),
		BaseEndpoint: aws.String(endpoint),
	}
}

// MotoEnv points the AWS SDK's default configuration at endpoint through the
// standard variables (AWS_ENDPOINT_URL, AWS_REGION, AWS_ACCESS_KEY_ID,
// AWS_SECRET_ACCESS_KEY), set with t.Setenv, and hides the user's shared AWS
// config and credentials files. Use it only to test code that loads the
// default configuration; a test that calls it cannot run in parallel.
func MotoEnv(t testing.TB, endpoint string) {
	t.Helper()
	dir := t.TempDir()
	for k, v := range map[string]string{
		"AWS_ENDPOINT_URL":            endpoint,
		"AWS_REGION":                  MotoRegion,
		"AWS_ACCESS_KEY_ID":           MotoAccessKeyID,
		"AWS_SECRET_ACCESS_KEY":       MotoSecretAccessKey,
		"AWS_CONFIG_FILE":             filepath.Join(dir, "config"),
		"AWS_SHARED_CREDENTIALS_FILE": filepath.Join(dir, "credentials"),
		"AWS_EC2_METADATA_DISABLED":   "true",
	} {
		t.Setenv(k, v)
	}
	for _, k := range []string{
		"AWS_SESSION_TOKEN", "AWS_PROFILE", "AWS_DEFAULT_PROFILE", "AWS_DEFAULT_REGION",
		"AWS_ENDPOINT_URL_KMS", "AWS_ENDPOINT_URL_SECRETS_MANAGER", "AWS_IGNORE_CONFIGURED_ENDPOINT_URLS",
	} {
		t.Setenv(k, "") // restores the old value after the test
		os.Unsetenv(k)
	}
}

// LockedBuffer collects a child's output, written by exec's copying
// goroutines and read by the test while the child runs.
type LockedBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *LockedBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

// String returns everything written so far.
func (b *LockedBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// Tail returns at most the last n bytes written.
func (b *LockedBuffer) Tail(n int) string {
	b.mu.Lock()
	defer b.mu.Unlock()
	s := b.buf.Bytes()
	if len(s) > n {
		s = s[len(s)-n:]
	}
	return string(s)
}
