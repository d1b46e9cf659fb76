package rotation

import (
	"context"
	"fmt"

	"github.com/dbwarden/dbwarden/internal/store"
)

// Event is what Secrets Manager sends a rotation function: one step of the
// rotation whose version id is ClientRequestToken.
type Event struct {
	SecretId           string `json:"SecretId"`
	ClientRequestToken string `json:"ClientRequestToken"`
	Step               string `json:"Step"`
	// RotationToken is sent by Secrets Manager to functions in another
	// account; it is passed back to nothing here and only accepted.
	RotationToken string `json:"RotationToken,omitempty"`
}

// HandleEvent runs one step as a Secrets Manager rotation function must:
// the secret must have rotation turned on, and the token's version must
// be labelled AWSPENDING (or, for a step repeated after the rotation
// finished, AWSCURRENT).
func (e *Engine) HandleEvent(ctx context.Context, ev Event) error {
	if ev.SecretId == "" || ev.ClientRequestToken == "" || ev.Step == "" {
		return fmt.Errorf("rotation event: SecretId, ClientRequestToken and Step are all required")
	}
	d, err := e.Store.DescribeSecret(ctx, &store.DescribeSecretInput{SecretId: ev.SecretId})
	if err != nil {
		return err
	}
	if !d.RotationEnabled {
		return fmt.Errorf("secret %s is not enabled for rotation", d.ARN)
	}
	// Secrets Manager labels the version before the first step; a
	// createSecret for a version not yet there (a caller other than the
	// service, or a test) creates it.
	if _, ok := d.VersionIdsToStages[ev.ClientRequestToken]; !ok && ev.Step != StepCreate {
		return fmt.Errorf("secret version %s has no stage for rotation of secret %s", ev.ClientRequestToken, d.ARN)
	}
	return e.RunStep(ctx, d.ARN, ev.ClientRequestToken, ev.Step)
}
