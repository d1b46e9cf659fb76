package main

import (
	"errors"
	"fmt"
	"path/filepath"

	"github.com/spf13/cobra"

	"github.com/dbwarden/dbwarden/internal/rotation"
	"github.com/dbwarden/dbwarden/internal/store/sqlitestore"
)

// rotationError marks a rotation step that failed: the database refused,
// could not be reached, or the secret's value cannot be rotated.
type rotationError struct{ err error }

func (e rotationError) Error() string { return e.err.Error() }
func (e rotationError) Unwrap() error { return e.err }

// engine wires the rotation engine to the embedded store: state and audit
// in the store, locks next to it in the data directory.
func (a *app) engine(s *sqlitestore.Store) *rotation.Engine {
	return &rotation.Engine{
		Store:   s,
		Rotator: chooseRotator,
		State:   s,
		Locks:   rotation.FileLocks{Dir: filepath.Join(a.cfg.DataDir, "locks")},
		Events:  s,
	}
}

func (a *app) rotateCmd() *cobra.Command {
	var token, step string
	c := &cobra.Command{
		Use:   "rotate SECRET",
		Short: "Rotate a secret now: createSecret, setSecret, testSecret, finishSecret",
		Long: `Rotate a database-credential secret now, with Secrets Manager's four steps:

  createSecret   generate a password and store it as AWSPENDING
  setSecret      make the database accept it (the old one keeps working)
  testSecret     log in with it and run a query
  finishSecret   move AWSCURRENT to it; AWSPREVIOUS follows

A rotation that an earlier run began (AWSPENDING on a version that is not
AWSCURRENT) is carried on rather than started again; one that failed twice
is abandoned and a new password generated. Only one rotation of a secret
runs at a time, across processes.

The rotator follows from the secret: its RotationLambdaARN when that names
a dbwarden rotator (` + rotatorNames + `),
else alternating users when the value has a masterarn, else single user.

Each step is printed as it ends; the result is printed as JSON.`,
		Example: `  dbwarden rotate prod/app/mysql
  dbwarden rotate prod/app/mysql --step setSecret --token 0b6c...   # one step, as a rotation Lambda would`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx := a.callerContext(cmd.Context())
			if step != "" && token == "" {
				return usagef("--step needs --token: the rotation's ClientRequestToken")
			}
			s, _, err := a.openExistingStore(ctx)
			if err != nil {
				return err
			}
			defer s.Close()
			e := a.engine(s)
			e.Progress = func(step string, err error) {
				if err != nil {
					fmt.Fprintf(a.stderr, "%-13s failed: %v\n", step, err)
					return
				}
				fmt.Fprintf(a.stderr, "%-13s ok\n", step)
			}
			if step != "" {
				if err := e.RunStep(ctx, args[0], token, step); err != nil {
					return rotationFailure(err)
				}
				return a.print(map[string]any{"SecretId": args[0], "ClientRequestToken": token, "Step": step})
			}
			res, err := e.Rotate(ctx, args[0], token)
			if err != nil {
				return rotationFailure(err)
			}
			out := map[string]any{"ARN": res.ARN, "VersionId": res.Token, "Resumed": res.Resumed}
			if res.Abandoned != "" {
				out["AbandonedVersionId"] = res.Abandoned
			}
			return a.print(out)
		},
	}
	c.Flags().StringVar(&token, "token", "", "the rotation's ClientRequestToken (the new version's id); a new one when empty")
	c.Flags().StringVar(&step, "step", "", "run only this step: createSecret, setSecret, testSecret or finishSecret")
	return c
}

// rotationFailure gives a failed rotation its exit code: a step that
// failed, or another rotation holding the secret.
func rotationFailure(err error) error {
	var se *rotation.Error
	switch {
	case errors.Is(err, rotation.ErrBusy):
		return rejectedError{err}
	case errors.As(err, &se):
		return rotationError{err}
	}
	return err
}
