package main

import (
	"os"

	"github.com/spf13/cobra"

	"github.com/dbwarden/dbwarden/internal/config"
)

func (a *app) configCmd() *cobra.Command {
	c := &cobra.Command{
		Use:   "config",
		Short: "Show the configuration dbwarden resolves from its file, environment and flags",
		Example: `  dbwarden config show
  DBWARDEN_REGION=eu-west-1 dbwarden config show --query arn.region --output text`,
	}
	c.AddCommand(&cobra.Command{
		Use:   "show",
		Short: "Print the effective configuration and the file it was read from",
		Long: `Print the effective configuration: the defaults, overridden by the
configuration file, then by DBWARDEN_* environment variables, then by flags.
The keys are those of the configuration file.`,
		Example: `  dbwarden config show
  dbwarden --config /etc/dbwarden.json config show --query data_dir --output text`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			file := a.configFile
			if file == "" {
				file = a.getenv("DBWARDEN_CONFIG")
			}
			if file == "" {
				if p := config.DefaultFile(); p != "" {
					if _, err := os.Stat(p); err == nil {
						file = p
					}
				}
			}
			env := []string{}
			for _, e := range config.Env {
				if a.getenv(e.Name) != "" {
					env = append(env, e.Name)
				}
			}
			return a.print(struct {
				config.Config
				ConfigFile string   `json:"config_file"`
				FromEnv    []string `json:"from_environment"`
			}{a.cfg, file, env})
		},
	})
	return c
}
