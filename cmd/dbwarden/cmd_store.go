package main

import (
	"fmt"

	"github.com/spf13/cobra"
)

func (a *app) storeCmd() *cobra.Command {
	c := &cobra.Command{
		Use:     "store",
		Short:   "Check the embedded store",
		Example: `  dbwarden store check --output table`,
	}
	c.AddCommand(&cobra.Command{
		Use:   "check",
		Short: "Check the store's integrity: SQLite, staging labels, encryption and the audit chain",
		Long: `Check the store and change nothing: SQLite's integrity and foreign keys;
that every secret has exactly one AWSCURRENT version and no label on two
versions; that every version decrypts under its own ARN and version id;
and the audit chain. Exits with code 5 when it finds a problem.`,
		Example: `  dbwarden store check --output table`,
		Args:    cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx := cmd.Context()
			s, _, err := a.openExistingStore(ctx)
			if err != nil {
				return err
			}
			defer s.Close()
			rep, err := s.Check(ctx)
			if err != nil {
				return err
			}
			if err := a.print(rep); err != nil {
				return err
			}
			if !rep.OK() {
				return integrityError{fmt.Sprintf("the store check found %d problems", len(rep.Problems))}
			}
			return nil
		},
	})
	return c
}
