package format_test

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/kms"

	"github.com/dbwarden/dbwarden/internal/backup/format"
	"github.com/dbwarden/dbwarden/internal/keys/kmskeys"
	"github.com/dbwarden/dbwarden/internal/testenv"
)

// TestBackupUnderKMS writes and verifies a backup whose data key AWS KMS
// wraps (moto_server), and checks that another KMS key cannot open it.
func TestBackupUnderKMS(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	client := kms.NewFromConfig(testenv.MotoConfig(t))
	newKMSKey := func() string {
		out, err := client.CreateKey(ctx, &kms.CreateKeyInput{Description: aws.String("dbwarden backup test")})
		if err != nil {
			t.Fatalf("CreateKey: %v", err)
		}
		return *out.KeyMetadata.KeyId
	}
	kp := kmskeys.New(client, newKMSKey())
	b := writeBackup(t, kp, "b-kms", format.DefaultCompression)

	m, report, err := format.VerifyBackup(ctx, kp, b.dir)
	if err != nil {
		t.Fatalf("VerifyBackup: %v", err)
	}
	if report.Verified != len(m.Objects) || len(m.Objects) != 4 {
		t.Fatalf("got %+v, want all 4 objects verified", report)
	}
	t.Run("another KMS key cannot unwrap the data key", func(t *testing.T) {
		_, _, err := format.VerifyBackup(ctx, kmskeys.New(client, newKMSKey()), b.dir)
		// AWS answers IncorrectKeyException, which is ErrWrongKey; moto
		// answers AccessDeniedException, which is not. Both refuse, naming
		// the manifest.
		var oe *format.ObjectError
		if !errors.As(err, &oe) || oe.Object != format.ManifestName {
			t.Fatalf("got %v, want an error naming %s", err, format.ManifestName)
		}
	})
	t.Run("a manifest with another backup id cannot unwrap the data key", func(t *testing.T) {
		edited := strings.Replace(string(b.manifest), `"backup_id":"b-kms"`, `"backup_id":"b-kmt"`, 1)
		_, _, err := format.OpenManifest(ctx, kp, []byte(edited))
		checkRefused(t, err, format.ManifestName, format.ErrWrongKey, "cannot unwrap the data key")
	})
}
