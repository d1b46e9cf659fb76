// Package rotation rotates secrets with Secrets Manager's four-step
// protocol (createSecret, setSecret, testSecret, finishSecret), driven by a
// ClientRequestToken that is also the new version's id. The engine keeps
// the secret's versions and staging labels; a Rotator changes the
// credentials on the system they log in to.
package rotation

import "context"

// Step names, as Secrets Manager passes them to a rotation function.
const (
	StepCreate = "createSecret"
	StepSet    = "setSecret"
	StepTest   = "testSecret"
	StepFinish = "finishSecret"
)

// A Rotator changes one kind of credential. Values are the secrets' whole
// SecretString (for databases, the JSON credential document); a Rotator
// never logs them or puts them in an error.
//
// Every method must be idempotent: the engine calls them again with the
// same arguments after a crash or a failure.
type Rotator interface {
	// NewPending returns the value of the version being created from the
	// current one: a new password, and for rotators that alternate
	// between two users, the other user's name.
	NewPending(ctx context.Context, current string) (string, error)

	// Set makes the system accept in.Pending. It does nothing when
	// in.Pending already logs in.
	Set(ctx context.Context, in SetInput) error

	// Test logs in with pending and runs a query.
	Test(ctx context.Context, pending string) error
}

// SetInput is what setSecret knows.
type SetInput struct {
	Current  string // AWSCURRENT's value
	Pending  string // AWSPENDING's value, the one to make work
	Previous string // AWSPREVIOUS's value, or ""

	// Secrets reads other secrets, such as the master credentials a
	// value's masterarn names.
	Secrets SecretReader
}

// SecretReader reads the current value of a secret by name or ARN.
type SecretReader interface {
	CurrentValue(ctx context.Context, secretID string) (string, error)
}

type checkpointKey struct{}

// Checkpoint marks a named point inside a step, such as between two
// statements of setSecret. It does nothing unless the engine's Hook is
// set, which the crash tests use to stop the process there.
func Checkpoint(ctx context.Context, point string) {
	if h, ok := ctx.Value(checkpointKey{}).(func(string)); ok {
		h(point)
	}
}

func withCheckpoints(ctx context.Context, hook func(string)) context.Context {
	return context.WithValue(ctx, checkpointKey{}, hook)
}
