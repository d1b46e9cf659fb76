package rotation

import (
	"context"

	"github.com/dbwarden/dbwarden/internal/store"
)

// State is what the engine remembers of a secret's rotations between runs;
// stores that keep it define it.
type State = store.RotationState

// StateStore keeps State per secret (by ARN).
type StateStore interface {
	RotationState(ctx context.Context, arn string) (State, error)
	SaveRotationState(ctx context.Context, arn string, st State) error
}

// Locker gives one run at a time the right to rotate a secret. Lock
// returns ErrBusy when another run holds it, and the function that
// releases it. A lock must not outlive its holder's process.
type Locker interface {
	Lock(ctx context.Context, arn string) (unlock func(), err error)
}

// EventRecorder puts each step's outcome in the audit trail.
type EventRecorder interface {
	RecordStep(ctx context.Context, arn, token, step string, err error)
}
