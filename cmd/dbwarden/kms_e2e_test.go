package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/aws/aws-sdk-go-v2/service/kms"

	"github.com/dbwarden/dbwarden/internal/testenv"
)

// TestKMSKeyProvider runs the CLI with its data keys wrapped by AWS KMS
// (moto_server), configured the way a user would: the SDK's standard
// environment variables and --key-provider kms.
func TestKMSKeyProvider(t *testing.T) {
	endpoint := testenv.Moto(t)
	client := kms.NewFromConfig(testenv.ConfigFor(endpoint))
	key, err := client.CreateKey(context.Background(), &kms.CreateKeyInput{})
	if err != nil {
		t.Fatalf("create KMS key: %v", err)
	}
	c := newCLI(t)
	c.env = append(c.env,
		"AWS_ENDPOINT_URL="+endpoint,
		"AWS_REGION="+testenv.MotoRegion,
		"AWS_ACCESS_KEY_ID="+testenv.MotoAccessKeyID,
		"AWS_SECRET_ACCESS_KEY="+testenv.MotoSecretAccessKey,
		"AWS_CONFIG_FILE="+filepath.Join(c.home, "no-aws-config"),
		"AWS_SHARED_CREDENTIALS_FILE="+filepath.Join(c.home, "no-aws-credentials"),
		"DBWARDEN_KEY_PROVIDER=kms",
		"DBWARDEN_KMS_KEY_ID="+*key.KeyMetadata.Arn,
	)
	c.ok(nil, "secret", "create-secret", "--name", "kms/app/db", "--secret-string", "kms-wrapped-value")
	sameSecret(t, "value read through KMS", c.getString("kms/app/db"), []byte("kms-wrapped-value"))

	t.Run("no key ring is made in the data directory", func(t *testing.T) {
		if _, err := os.Stat(filepath.Join(c.dataDir, "keys")); !os.IsNotExist(err) {
			t.Fatalf("keys directory: got %v, want none with the kms provider", err)
		}
	})
	t.Run("keys rotate re-wraps every data key through KMS", func(t *testing.T) {
		c.ok(nil, "secret", "put-secret-value", "--secret-id", "kms/app/db", "--secret-string", "second-value")
		var out struct{ RewrappedDataKeys int }
		c.json(&out, "keys", "rotate")
		if out.RewrappedDataKeys != 2 {
			t.Fatalf("re-wrapped: got %d, want 2", out.RewrappedDataKeys)
		}
		sameSecret(t, "value after rotation", c.getString("kms/app/db"), []byte("second-value"))
		c.ok(nil, "store", "check")
	})
	t.Run("without a key id the configuration is refused", func(t *testing.T) {
		c3 := newCLI(t)
		c3.env = append(c3.env, "DBWARDEN_KEY_PROVIDER=kms")
		r := c3.fails(exitUsage, nil, "secret", "list-secrets")
		if !bytes.Contains(r.stderr, []byte("keys.kms_key_id")) {
			t.Fatalf("error does not name keys.kms_key_id: %s", r.stderr)
		}
	})
}
