package main

import (
	"fmt"

	"github.com/spf13/cobra"

	"github.com/dbwarden/dbwarden/internal/keys"
	"github.com/dbwarden/dbwarden/internal/store/sqlitestore"
)

func (a *app) keysCmd() *cobra.Command {
	c := &cobra.Command{
		Use:   "keys",
		Short: "Manage the key-encryption key that wraps every data key",
		Long: `Every secret version is encrypted with its own data key, and every data key
is wrapped by the key-encryption key: a key file in the data directory
(keys.provider file, the default) or an AWS KMS key (keys.provider kms).`,
		Example: `  dbwarden keys rotate`,
	}
	c.AddCommand(a.keysRotateCmd(), a.keysStatusCmd())
	return c
}

func (a *app) keysRotateCmd() *cobra.Command {
	return &cobra.Command{
		Use:   "rotate",
		Short: "Make a new key version current and re-wrap every data key under it",
		Long: `Make a new key-encryption key version current and re-wrap every secret
version's data key under it. The values themselves are not re-encrypted:
only their data keys. The store stays usable throughout: the work goes in
small transactions, and a rotation that stops half way is finished by
running the command again. With the file provider, a new key file is added
to the key ring and the old ones stay, so that backups of the store made
before the rotation still open. With KMS, data keys are re-encrypted under
the configured key (ReEncrypt).`,
		Example: `  dbwarden keys rotate
  dbwarden keys rotate --key-provider kms --kms-key-id alias/dbwarden`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx := a.callerContext(cmd.Context())
			s, kp, err := a.openStore(ctx)
			if err != nil {
				return err
			}
			defer s.Close()
			rw, ok := kp.(keys.Rewrapper)
			if !ok {
				return fmt.Errorf("the %s key provider cannot rotate", a.cfg.Keys.Provider)
			}
			current, err := rw.Rotate(ctx)
			if err != nil {
				return fmt.Errorf("rotate key: %w", err)
			}
			fmt.Fprintf(a.stderr, "current key: %s\n", current)
			n, err := s.RewrapKeys(ctx, rw, func(done int) {
				fmt.Fprintf(a.stderr, "re-wrapped %d data keys\n", done)
			})
			if err != nil {
				return err
			}
			return a.print(map[string]any{"CurrentKey": current, "RewrappedDataKeys": n})
		},
	}
}

func (a *app) keysStatusCmd() *cobra.Command {
	return &cobra.Command{
		Use:   "status",
		Short: "Show the key-encryption key and how many data keys are wrapped under it",
		Long: `Show the configured key-encryption key and count the secret versions whose
data key is wrapped under it and those still under an older key version. A
count above zero in needing_rewrap means a rotation has not finished: run
'dbwarden keys rotate' again. Nothing is decrypted or changed.`,
		Example: `  dbwarden keys status --output table`,
		Args:    cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx := cmd.Context()
			s, kp, err := a.openExistingStore(ctx)
			if err != nil {
				return err
			}
			defer s.Close()
			rw, ok := kp.(keys.Rewrapper)
			if !ok {
				return fmt.Errorf("the %s key provider cannot report key versions", a.cfg.Keys.Provider)
			}
			st, err := s.KeyStatus(ctx, rw)
			if err != nil {
				return err
			}
			return a.print(struct {
				Provider   string `json:"provider"`
				CurrentKey string `json:"current_key"`
				*sqlitestore.KeyStatus
			}{a.cfg.Keys.Provider, currentKey(kp), st})
		},
	}
}

// currentKey describes the key-encryption key new data keys are wrapped
// under, without touching the network.
func currentKey(kp keys.KeyProvider) string {
	switch p := kp.(type) {
	case interface{ KeyID() string }:
		return p.KeyID()
	case interface {
		Dir() string
		Current() uint32
	}:
		return fmt.Sprintf("%s version %d", p.Dir(), p.Current())
	}
	return ""
}
