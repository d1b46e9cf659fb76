package sqlitestore_test

import (
	"context"
	"path/filepath"
	"testing"

	"github.com/aws/aws-sdk-go-v2/service/kms"

	"github.com/dbwarden/dbwarden/internal/keys/kmskeys"
	"github.com/dbwarden/dbwarden/internal/store"
	"github.com/dbwarden/dbwarden/internal/store/sqlitestore"
	"github.com/dbwarden/dbwarden/internal/store/storetest"
	"github.com/dbwarden/dbwarden/internal/testenv"
)

// TestConformanceWithKMS runs the store contract with every data key
// wrapped by AWS KMS (moto_server), as the scale-out mode does.
func TestConformanceWithKMS(t *testing.T) {
	cfg := testenv.MotoConfig(t)
	client := kms.NewFromConfig(cfg)
	key, err := client.CreateKey(context.Background(), &kms.CreateKeyInput{Description: strPtr("dbwarden conformance")})
	if err != nil {
		t.Fatalf("create KMS key: %v", err)
	}
	kp := kmskeys.New(client, *key.KeyMetadata.KeyId)
	storetest.Run(t, func(t *testing.T, clock *storetest.Clock) store.Store {
		s, err := sqlitestore.Open(context.Background(), sqlitestore.Options{
			Path: filepath.Join(t.TempDir(), "dbwarden.db"), Keys: kp, Now: clock.Now,
		})
		if err != nil {
			t.Fatal(err)
		}
		return s
	})
}

func strPtr(s string) *string { return &s }
