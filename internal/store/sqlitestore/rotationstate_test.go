package sqlitestore_test

import (
	"context"
	"slices"
	"testing"
	"time"

	"github.com/dbwarden/dbwarden/internal/secret"
	"github.com/dbwarden/dbwarden/internal/store"
	"github.com/dbwarden/dbwarden/internal/store/storetest"
)

func TestRotationStateAndDueRotations(t *testing.T) {
	ctx := context.Background()
	clock := storetest.NewClock()
	s := open(t, t.TempDir(), clock)
	c, err := s.CreateSecret(ctx, &store.CreateSecretInput{Name: "app/db", SecretString: str(`{"username":"app"}`)})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.CreateSecret(ctx, &store.CreateSecretInput{Name: "app/other", SecretString: str("x")}); err != nil {
		t.Fatal(err)
	}
	days := int64(4)
	rot, err := s.RotateSecret(ctx, &store.RotateSecretInput{SecretId: "app/db", RotationLambdaARN: "dbwarden:mysql-single-user",
		RotationRules: &secret.RotationRules{AutomaticallyAfterDays: &days}, ClientRequestToken: "11111111-2222-3333-4444-555555555555"})
	if err != nil {
		t.Fatal(err)
	}
	st, err := s.RotationState(ctx, c.ARN)
	if err != nil {
		t.Fatal(err)
	}
	if st.Token != rot.VersionId || rot.VersionId != "11111111-2222-3333-4444-555555555555" {
		t.Fatalf("RotateSecret named version %q and left token %q, want the request's token", rot.VersionId, st.Token)
	}
	due, err := s.DueRotations(ctx, clock.Now())
	if err != nil || !slices.Equal(due, []string{c.ARN}) {
		t.Fatalf("due after RotateImmediately: %v %v", due, err)
	}

	// A failure with a backoff keeps it off the list until the retry time.
	failed := st
	failed.Failures, failed.LastFailure = 1, "setSecret: connection refused"
	failed.FailedAt, failed.RetryAt = clock.Now(), clock.Now().Add(time.Minute)
	if err := s.SaveRotationState(ctx, c.ARN, failed); err != nil {
		t.Fatal(err)
	}
	if due, _ := s.DueRotations(ctx, clock.Now()); len(due) != 0 {
		t.Fatalf("due during its backoff: %v", due)
	}
	if due, _ := s.DueRotations(ctx, clock.Now().Add(2*time.Minute)); len(due) != 1 {
		t.Fatalf("not due after its backoff: %v", due)
	}
	d, err := s.DescribeSecret(ctx, &store.DescribeSecretInput{SecretId: "app/db"})
	if err != nil || d.LastRotationFailure != failed.LastFailure {
		t.Fatalf("DescribeSecret's LastRotationFailure = %q (%v)", d.LastRotationFailure, err)
	}
	got, err := s.RotationState(ctx, c.ARN)
	if err != nil || got.Failures != 1 || !got.RetryAt.Equal(failed.RetryAt) || got.Token != failed.Token {
		t.Fatalf("state read back: %+v %v", got, err)
	}

	// Success: dates move, the failure is gone, and it is not due.
	done := store.RotationState{LastRotated: clock.Now(), NextDue: clock.Now().Add(96 * time.Hour)}
	if err := s.SaveRotationState(ctx, c.ARN, done); err != nil {
		t.Fatal(err)
	}
	d, _ = s.DescribeSecret(ctx, &store.DescribeSecretInput{SecretId: "app/db"})
	if d.LastRotationFailure != "" || d.LastRotatedDate == nil || !d.LastRotatedDate.Equal(clock.Now()) || d.NextRotationDate == nil || !d.NextRotationDate.Equal(done.NextDue) {
		t.Fatalf("after success: failure %q, last %v, next %v", d.LastRotationFailure, d.LastRotatedDate, d.NextRotationDate)
	}
	if due, _ := s.DueRotations(ctx, clock.Now().Add(time.Hour)); len(due) != 0 {
		t.Fatalf("due an hour after a rotation every 4 days: %v", due)
	}
	if err := s.SaveRotationState(ctx, "arn:aws:secretsmanager:us-east-1:000000000000:secret:nope-abcdef", done); secret.Code(err) != secret.CodeResourceNotFound {
		t.Fatalf("saving the state of a missing secret: %v", err)
	}
}
