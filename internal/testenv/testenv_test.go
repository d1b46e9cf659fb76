package testenv

import (
	"context"
	"errors"
	"net/http"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/service/kms"
)

// recordingTB records whether Require skipped or failed. Like the real
// testing.T, Skip and Fatal end the calling goroutine.
type recordingTB struct {
	testing.TB
	skipped, failed bool
	msg             string
}

func (r *recordingTB) Helper() {}
func (r *recordingTB) Skip(args ...any) {
	r.skipped, r.msg = true, strings.TrimSpace(fmtArgs(args))
	runtime.Goexit()
}
func (r *recordingTB) Fatal(args ...any) {
	r.failed, r.msg = true, strings.TrimSpace(fmtArgs(args))
	runtime.Goexit()
}

func fmtArgs(args []any) string {
	var b strings.Builder
	for _, a := range args {
		b.WriteString(a.(string))
	}
	return b.String()
}

func runRequire(t *testing.T) *recordingTB {
	t.Helper()
	r := &recordingTB{TB: t}
	done := make(chan struct{})
	go func() {
		defer close(done)
		Require(r, "widget", "the test talks to it")
	}()
	<-done
	return r
}

func TestRequire(t *testing.T) {
	t.Run("without CI a missing component skips the test", func(t *testing.T) {
		t.Setenv("CI", "")
		r := runRequire(t)
		if !r.skipped || r.failed {
			t.Fatalf("got skipped=%v failed=%v, want skipped=true failed=false", r.skipped, r.failed)
		}
		if !strings.Contains(r.msg, "widget") || !strings.Contains(r.msg, "the test talks to it") {
			t.Fatalf("got message %q, want it to name the component and the reason", r.msg)
		}
	})
	t.Run("with CI=true a missing component fails the test", func(t *testing.T) {
		t.Setenv("CI", "true")
		r := runRequire(t)
		if !r.failed || r.skipped {
			t.Fatalf("got skipped=%v failed=%v, want skipped=false failed=true", r.skipped, r.failed)
		}
		if !strings.Contains(r.msg, "widget") {
			t.Fatalf("got message %q, want it to name the component", r.msg)
		}
	})
}

func TestMoto(t *testing.T) {
	var url string
	t.Run("moto answers on 127.0.0.1 while the test runs", func(t *testing.T) {
		url = Moto(t)
		if !strings.HasPrefix(url, "http://127.0.0.1:") {
			t.Fatalf("got endpoint %q, want http://127.0.0.1:PORT", url)
		}
		resp, err := http.Get(url + "/moto-api/")
		if err != nil {
			t.Fatalf("GET %s: %v", url, err)
		}
		resp.Body.Close()

		client := kms.NewFromConfig(ConfigFor(url))
		if _, err := client.ListKeys(context.Background(), &kms.ListKeysInput{}); err != nil {
			t.Fatalf("KMS ListKeys through ConfigFor: %v", err)
		}
	})
	if url == "" {
		return // skipped
	}
	t.Run("moto is stopped when its test ends", func(t *testing.T) {
		resp, err := http.Get(url + "/moto-api/")
		if err == nil {
			resp.Body.Close()
			t.Fatalf("got an answer from %s after its test ended, want connection refused", url)
		}
	})
}

func TestMotoConfig(t *testing.T) {
	t.Parallel()
	t.Run("the config reaches moto with static credentials and no environment", func(t *testing.T) {
		cfg := MotoConfig(t)
		if got, want := cfg.Region, "us-east-1"; got != want {
			t.Errorf("region: got %q, want %q", got, want)
		}
		if cfg.BaseEndpoint == nil || !strings.HasPrefix(*cfg.BaseEndpoint, "http://127.0.0.1:") {
			t.Fatalf("BaseEndpoint: got %v, want the moto URL", cfg.BaseEndpoint)
		}
		out, err := kms.NewFromConfig(cfg).CreateKey(context.Background(), &kms.CreateKeyInput{})
		if err != nil {
			t.Fatalf("KMS CreateKey: %v", err)
		}
		if out.KeyMetadata == nil || out.KeyMetadata.KeyId == nil {
			t.Fatal("got no key id from CreateKey, want one")
		}
	})
}

func TestMotoEnv(t *testing.T) {
	t.Run("the standard variables point at the endpoint and the user's files are hidden", func(t *testing.T) {
		t.Setenv("AWS_PROFILE", "someone")
		MotoEnv(t, "http://127.0.0.1:1")
		if got, want := os.Getenv("AWS_ENDPOINT_URL"), "http://127.0.0.1:1"; got != want {
			t.Errorf("AWS_ENDPOINT_URL: got %q, want %q", got, want)
		}
		if _, set := os.LookupEnv("AWS_PROFILE"); set {
			t.Error("AWS_PROFILE: got set, want unset")
		}
		if _, err := os.Stat(os.Getenv("AWS_CONFIG_FILE")); !errors.Is(err, os.ErrNotExist) {
			t.Errorf("AWS_CONFIG_FILE: got stat error %v, want a file that does not exist", err)
		}
	})
}

func TestStartFailure(t *testing.T) {
	t.Parallel()
	t.Run("a server that exits at start is reported with the tail of its output", func(t *testing.T) {
		if runtime.GOOS == "windows" {
			t.Skip("uses a shell script")
		}
		bin := filepath.Join(t.TempDir(), "fake_moto")
		script := "#!/bin/sh\necho 'starting'\necho 'Address already in use' >&2\nexit 3\n"
		if err := os.WriteFile(bin, []byte(script), 0o700); err != nil {
			t.Fatal(err)
		}
		url, tail, err := startMoto(t, bin)
		if !errors.Is(err, errExited) {
			t.Fatalf("got url %q and error %v, want errExited", url, err)
		}
		if !strings.Contains(tail, "Address already in use") {
			t.Fatalf("got output tail %q, want it to contain the server's last words", tail)
		}
	})
}
