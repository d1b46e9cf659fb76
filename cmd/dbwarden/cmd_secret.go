package main

import (
	"context"

	"github.com/spf13/cobra"

	"github.com/dbwarden/dbwarden/internal/secret"
	"github.com/dbwarden/dbwarden/internal/store"
)

func (a *app) secretCmd() *cobra.Command {
	c := &cobra.Command{
		Use:   "secret",
		Short: "Create, read, version and delete secrets, as 'aws secretsmanager' does",
		Long: `The secret commands mirror 'aws secretsmanager': the same subcommands, flags
and JSON output, so habits and scripts carry over. A --secret-id is a name,
a full ARN or a partial ARN (without the six-character suffix).

Values can stay out of the shell history: --secret-string file://PATH reads
a file, --secret-string - reads standard input (without its final newline),
--secret-binary fileb://PATH reads a file's bytes.`,
		Example: `  dbwarden secret create-secret --name staging/myapp/mysql/mysql-user-password --secret-string -
  dbwarden secret get-secret-value --secret-id staging/myapp/mysql/mysql-user-password --query SecretString --output text
  dbwarden secret list-secrets --filters Key=name,Values=staging/ --output table`,
	}
	c.AddCommand(
		a.createSecretCmd(), a.getSecretValueCmd(), a.putSecretValueCmd(), a.updateSecretCmd(),
		a.updateSecretVersionStageCmd(), a.describeSecretCmd(), a.listSecretsCmd(), a.listSecretVersionIdsCmd(),
		a.deleteSecretCmd(), a.restoreSecretCmd(), a.tagResourceCmd(), a.untagResourceCmd(),
		a.getRandomPasswordCmd(), a.purgeDeletedCmd(),
	)
	return c
}

// call opens the store, runs one operation as this invocation's caller and
// prints its response.
func (a *app) call(cmd *cobra.Command, op string, fn func(ctx context.Context, s store.Store) (any, error)) error {
	ctx := a.callerContext(cmd.Context())
	s, _, err := a.openStore(ctx)
	if err != nil {
		return err
	}
	defer s.Close()
	out, err := fn(ctx, s)
	if err != nil {
		return &opError{op: op, err: err}
	}
	if out == nil {
		return nil
	}
	return a.print(out)
}

// value reads the --secret-string or --secret-binary of a command.
func (a *app) value(cmd *cobra.Command, str, bin string) (*string, []byte, error) {
	f := cmd.Flags()
	if f.Changed("secret-string") && f.Changed("secret-binary") {
		return nil, nil, usagef("give --secret-string or --secret-binary, not both")
	}
	if f.Changed("secret-string") {
		v, err := a.readStringValue("--secret-string", str)
		return &v, nil, err
	}
	if f.Changed("secret-binary") {
		b, err := a.readBinaryValue("--secret-binary", bin)
		return nil, b, err
	}
	return nil, nil, nil
}

func requireFlags(cmd *cobra.Command, names ...string) {
	for _, n := range names {
		cmd.MarkFlagRequired(n)
	}
}

// listArgs lets a list flag take several values the aws CLI way
// (--tags Key=a,Value=1 Key=b,Value=2): the words after it arrive as
// positional arguments and are appended to it.
func listArgs(flagValues, args []string, flag string) ([]string, error) {
	if len(args) > 0 && len(flagValues) == 0 {
		return nil, usagef("unexpected argument %q (values for a list go after --%s)", args[0], flag)
	}
	return append(flagValues, args...), nil
}

func (a *app) createSecretCmd() *cobra.Command {
	var in store.CreateSecretInput
	var str, bin string
	var tags []string
	cmd := &cobra.Command{
		Use:   "create-secret --name NAME [--secret-string VALUE | --secret-binary BLOB]",
		Short: "Create a secret, with its first version when a value is given",
		Example: `  dbwarden secret create-secret --name staging/myapp/mysql/mysql-user-password \
    --description "MySQL app user" --secret-string file://password.txt \
    --tags Key=env,Value=staging Key=team,Value=db`,
		RunE: func(cmd *cobra.Command, args []string) error {
			all, err := listArgs(tags, args, "tags")
			if err != nil {
				return err
			}
			if in.Tags, err = parseTags(all); err != nil {
				return err
			}
			if in.SecretString, in.SecretBinary, err = a.value(cmd, str, bin); err != nil {
				return err
			}
			return a.call(cmd, "CreateSecret", func(ctx context.Context, s store.Store) (any, error) {
				return s.CreateSecret(ctx, &in)
			})
		},
	}
	f := cmd.Flags()
	f.StringVar(&in.Name, "name", "", "secret name: 1-512 letters, digits and /_+=.@- (e.g. env/project/mysql/root-password)")
	f.StringVar(&in.Description, "description", "", "description, at most 2048 characters")
	f.StringVar(&in.KmsKeyId, "kms-key-id", "", "KMS key to record for the secret")
	f.StringVar(&str, "secret-string", "", "the value; file://PATH reads a file, - reads standard input")
	f.StringVar(&bin, "secret-binary", "", "a binary value: base64, fileb://PATH or - for standard input")
	f.StringArrayVar(&tags, "tags", nil, "tags as Key=K,Value=V (repeatable) or a JSON list")
	f.StringVar(&in.ClientRequestToken, "client-request-token", "", "version id (32-64 characters); repeating it with the same value is a no-op")
	requireFlags(cmd, "name")
	return cmd
}

func (a *app) getSecretValueCmd() *cobra.Command {
	var in store.GetSecretValueInput
	cmd := &cobra.Command{
		Use:   "get-secret-value --secret-id ID [--version-stage STAGE | --version-id ID]",
		Short: "Read a secret's value (AWSCURRENT unless a version or stage is given)",
		Example: `  dbwarden secret get-secret-value --secret-id staging/myapp/mysql/mysql-root-password \
    --query SecretString --output text
  dbwarden secret get-secret-value --secret-id app/db --version-stage AWSPREVIOUS`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			return a.call(cmd, "GetSecretValue", func(ctx context.Context, s store.Store) (any, error) {
				return s.GetSecretValue(ctx, &in)
			})
		},
	}
	f := cmd.Flags()
	f.StringVar(&in.SecretId, "secret-id", "", "name, ARN or partial ARN")
	f.StringVar(&in.VersionId, "version-id", "", "read this version")
	f.StringVar(&in.VersionStage, "version-stage", "", "read the version with this staging label")
	requireFlags(cmd, "secret-id")
	return cmd
}

func (a *app) putSecretValueCmd() *cobra.Command {
	var in store.PutSecretValueInput
	var str, bin string
	cmd := &cobra.Command{
		Use:   "put-secret-value --secret-id ID (--secret-string VALUE | --secret-binary BLOB)",
		Short: "Add a version; it becomes AWSCURRENT unless --version-stages says otherwise",
		Example: `  dbwarden secret put-secret-value --secret-id app/db --secret-string -
  dbwarden secret put-secret-value --secret-id app/db --secret-string file://new.txt \
    --client-request-token 0123456789abcdef0123456789abcdef --version-stages AWSPENDING`,
		RunE: func(cmd *cobra.Command, args []string) error {
			var err error
			if in.VersionStages, err = listArgs(in.VersionStages, args, "version-stages"); err != nil {
				return err
			}
			if in.SecretString, in.SecretBinary, err = a.value(cmd, str, bin); err != nil {
				return err
			}
			return a.call(cmd, "PutSecretValue", func(ctx context.Context, s store.Store) (any, error) {
				return s.PutSecretValue(ctx, &in)
			})
		},
	}
	f := cmd.Flags()
	f.StringVar(&in.SecretId, "secret-id", "", "name, ARN or partial ARN")
	f.StringVar(&str, "secret-string", "", "the value; file://PATH reads a file, - reads standard input")
	f.StringVar(&bin, "secret-binary", "", "a binary value: base64, fileb://PATH or - for standard input")
	f.StringVar(&in.ClientRequestToken, "client-request-token", "", "version id (32-64 characters); repeating it with the same value is a no-op")
	f.StringSliceVar(&in.VersionStages, "version-stages", nil, "staging labels of the new version (default AWSCURRENT)")
	requireFlags(cmd, "secret-id")
	return cmd
}

func (a *app) updateSecretCmd() *cobra.Command {
	var in store.UpdateSecretInput
	var str, bin, desc, kms string
	cmd := &cobra.Command{
		Use:   "update-secret --secret-id ID [--description D] [--kms-key-id K] [--secret-string VALUE]",
		Short: "Change a secret's description or KMS key, or put a new current value",
		Example: `  dbwarden secret update-secret --secret-id app/db --description "rotated by hand"
  dbwarden secret update-secret --secret-id app/db --secret-string file://new.txt`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			var err error
			if in.SecretString, in.SecretBinary, err = a.value(cmd, str, bin); err != nil {
				return err
			}
			if cmd.Flags().Changed("description") {
				in.Description = &desc
			}
			if cmd.Flags().Changed("kms-key-id") {
				in.KmsKeyId = &kms
			}
			return a.call(cmd, "UpdateSecret", func(ctx context.Context, s store.Store) (any, error) {
				return s.UpdateSecret(ctx, &in)
			})
		},
	}
	f := cmd.Flags()
	f.StringVar(&in.SecretId, "secret-id", "", "name, ARN or partial ARN")
	f.StringVar(&desc, "description", "", "new description")
	f.StringVar(&kms, "kms-key-id", "", "new KMS key to record for the secret")
	f.StringVar(&str, "secret-string", "", "new value; file://PATH reads a file, - reads standard input")
	f.StringVar(&bin, "secret-binary", "", "new binary value: base64, fileb://PATH or - for standard input")
	f.StringVar(&in.ClientRequestToken, "client-request-token", "", "version id of the new value (32-64 characters)")
	requireFlags(cmd, "secret-id")
	return cmd
}

func (a *app) updateSecretVersionStageCmd() *cobra.Command {
	var in store.UpdateSecretVersionStageInput
	cmd := &cobra.Command{
		Use:   "update-secret-version-stage --secret-id ID --version-stage LABEL [--move-to-version-id V] [--remove-from-version-id V]",
		Short: "Attach, move or remove a staging label",
		Long: `Attach, move or remove a staging label. A label sits on one version at a
time; to move one that is attached elsewhere, name that version with
--remove-from-version-id. Moving AWSCURRENT moves AWSPREVIOUS to the version
that held it.`,
		Example: `  # Finish a rotation by hand: make the pending version current
  dbwarden secret update-secret-version-stage --secret-id app/db --version-stage AWSCURRENT \
    --move-to-version-id NEW_VERSION --remove-from-version-id OLD_VERSION`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			return a.call(cmd, "UpdateSecretVersionStage", func(ctx context.Context, s store.Store) (any, error) {
				return s.UpdateSecretVersionStage(ctx, &in)
			})
		},
	}
	f := cmd.Flags()
	f.StringVar(&in.SecretId, "secret-id", "", "name, ARN or partial ARN")
	f.StringVar(&in.VersionStage, "version-stage", "", "the staging label")
	f.StringVar(&in.MoveToVersionId, "move-to-version-id", "", "attach the label to this version")
	f.StringVar(&in.RemoveFromVersionId, "remove-from-version-id", "", "remove the label from this version")
	requireFlags(cmd, "secret-id", "version-stage")
	return cmd
}

func (a *app) describeSecretCmd() *cobra.Command {
	var in store.DescribeSecretInput
	cmd := &cobra.Command{
		Use:     "describe-secret --secret-id ID",
		Short:   "Show a secret's metadata and its versions' staging labels (never the value)",
		Example: `  dbwarden secret describe-secret --secret-id app/db --query VersionIdsToStages`,
		Args:    cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			return a.call(cmd, "DescribeSecret", func(ctx context.Context, s store.Store) (any, error) {
				return s.DescribeSecret(ctx, &in)
			})
		},
	}
	cmd.Flags().StringVar(&in.SecretId, "secret-id", "", "name, ARN or partial ARN")
	requireFlags(cmd, "secret-id")
	return cmd
}

func (a *app) listSecretsCmd() *cobra.Command {
	var in store.ListSecretsInput
	var filters []string
	var all bool
	cmd := &cobra.Command{
		Use:   "list-secrets [--filters Key=name,Values=PREFIX ...]",
		Short: "List secrets, with filters and paging",
		Long: `List secrets. Filters are name, description, tag-key, tag-value and all,
as in Secrets Manager: prefix matches, several values within a filter
match any of them, a value starting with ! excludes, and all filters must
match. Without --max-results every page is fetched.`,
		Example: `  dbwarden secret list-secrets --filters Key=name,Values=staging/ --query 'SecretList[].Name'
  dbwarden secret list-secrets --filters Key=tag-key,Values=env Key=name,Values='!test/' --output table`,
		RunE: func(cmd *cobra.Command, args []string) error {
			fa, err := listArgs(filters, args, "filters")
			if err != nil {
				return err
			}
			if in.Filters, err = parseFilters(fa); err != nil {
				return err
			}
			all = !cmd.Flags().Changed("max-results") && in.NextToken == ""
			return a.call(cmd, "ListSecrets", func(ctx context.Context, s store.Store) (any, error) {
				out, err := s.ListSecrets(ctx, &in)
				for err == nil && all && out.NextToken != "" {
					page := in
					page.NextToken = out.NextToken
					var next *store.ListSecretsOutput
					if next, err = s.ListSecrets(ctx, &page); err == nil {
						out.SecretList = append(out.SecretList, next.SecretList...)
						out.NextToken = next.NextToken
					}
				}
				return out, err
			})
		},
	}
	f := cmd.Flags()
	f.StringArrayVar(&filters, "filters", nil, "Key=KEY,Values=V1,V2 (repeatable) or a JSON list; prefix a value with ! to exclude")
	f.BoolVar(&in.IncludePlannedDeletion, "include-planned-deletion", false, "include secrets scheduled for deletion")
	f.IntVar(&in.MaxResults, "max-results", 0, "page size, 1-100 (fetch a single page)")
	f.StringVar(&in.NextToken, "next-token", "", "continue from this page token")
	f.StringVar(&in.SortOrder, "sort-order", "", "asc or desc, by creation date")
	return cmd
}

func (a *app) listSecretVersionIdsCmd() *cobra.Command {
	var in store.ListSecretVersionIdsInput
	cmd := &cobra.Command{
		Use:     "list-secret-version-ids --secret-id ID",
		Short:   "List a secret's versions, newest first",
		Example: `  dbwarden secret list-secret-version-ids --secret-id app/db --include-deprecated --output table`,
		Args:    cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			return a.call(cmd, "ListSecretVersionIds", func(ctx context.Context, s store.Store) (any, error) {
				return s.ListSecretVersionIds(ctx, &in)
			})
		},
	}
	f := cmd.Flags()
	f.StringVar(&in.SecretId, "secret-id", "", "name, ARN or partial ARN")
	f.BoolVar(&in.IncludeDeprecated, "include-deprecated", false, "include versions without staging labels")
	f.IntVar(&in.MaxResults, "max-results", 0, "page size, 1-100")
	f.StringVar(&in.NextToken, "next-token", "", "continue from this page token")
	requireFlags(cmd, "secret-id")
	return cmd
}

func (a *app) deleteSecretCmd() *cobra.Command {
	var in store.DeleteSecretInput
	cmd := &cobra.Command{
		Use:   "delete-secret --secret-id ID [--recovery-window-in-days 7-30 | --force-delete-without-recovery]",
		Short: "Schedule a secret for deletion after a recovery window, or delete it now",
		Long: `Schedule a secret for deletion. During the recovery window (7 to 30 days,
30 by default) reads fail, the name stays taken, and restore-secret brings
it back; 'dbwarden secret purge-deleted' removes it after the window.
--force-delete-without-recovery deletes it at once, for good.`,
		Example: `  dbwarden secret delete-secret --secret-id app/db --recovery-window-in-days 7`,
		Args:    cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			return a.call(cmd, "DeleteSecret", func(ctx context.Context, s store.Store) (any, error) {
				return s.DeleteSecret(ctx, &in)
			})
		},
	}
	f := cmd.Flags()
	f.StringVar(&in.SecretId, "secret-id", "", "name, ARN or partial ARN")
	f.IntVar(&in.RecoveryWindowInDays, "recovery-window-in-days", 0, "days before the secret can be purged, 7-30 (default 30)")
	f.BoolVar(&in.ForceDeleteWithoutRecovery, "force-delete-without-recovery", false, "delete now, without a recovery window")
	requireFlags(cmd, "secret-id")
	return cmd
}

func (a *app) restoreSecretCmd() *cobra.Command {
	var in store.RestoreSecretInput
	cmd := &cobra.Command{
		Use:     "restore-secret --secret-id ID",
		Short:   "Cancel a scheduled deletion",
		Example: `  dbwarden secret restore-secret --secret-id app/db`,
		Args:    cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			return a.call(cmd, "RestoreSecret", func(ctx context.Context, s store.Store) (any, error) {
				return s.RestoreSecret(ctx, &in)
			})
		},
	}
	cmd.Flags().StringVar(&in.SecretId, "secret-id", "", "name, ARN or partial ARN")
	requireFlags(cmd, "secret-id")
	return cmd
}

func (a *app) tagResourceCmd() *cobra.Command {
	var in store.TagResourceInput
	var tags []string
	cmd := &cobra.Command{
		Use:     "tag-resource --secret-id ID --tags Key=K,Value=V ...",
		Short:   "Add or replace tags (at most 50 per secret)",
		Example: `  dbwarden secret tag-resource --secret-id app/db --tags Key=env,Value=prod Key=team,Value=db`,
		RunE: func(cmd *cobra.Command, args []string) error {
			all, err := listArgs(tags, args, "tags")
			if err != nil {
				return err
			}
			if in.Tags, err = parseTags(all); err != nil {
				return err
			}
			return a.call(cmd, "TagResource", func(ctx context.Context, s store.Store) (any, error) {
				return nil, s.TagResource(ctx, &in)
			})
		},
	}
	f := cmd.Flags()
	f.StringVar(&in.SecretId, "secret-id", "", "name, ARN or partial ARN")
	f.StringArrayVar(&tags, "tags", nil, "tags as Key=K,Value=V (repeatable) or a JSON list")
	requireFlags(cmd, "secret-id", "tags")
	return cmd
}

func (a *app) untagResourceCmd() *cobra.Command {
	var in store.UntagResourceInput
	cmd := &cobra.Command{
		Use:     "untag-resource --secret-id ID --tag-keys KEY ...",
		Short:   "Remove tags by key",
		Example: `  dbwarden secret untag-resource --secret-id app/db --tag-keys env team`,
		RunE: func(cmd *cobra.Command, args []string) error {
			var err error
			if in.TagKeys, err = listArgs(in.TagKeys, args, "tag-keys"); err != nil {
				return err
			}
			return a.call(cmd, "UntagResource", func(ctx context.Context, s store.Store) (any, error) {
				return nil, s.UntagResource(ctx, &in)
			})
		},
	}
	f := cmd.Flags()
	f.StringVar(&in.SecretId, "secret-id", "", "name, ARN or partial ARN")
	f.StringSliceVar(&in.TagKeys, "tag-keys", nil, "tag keys to remove")
	requireFlags(cmd, "secret-id", "tag-keys")
	return cmd
}

func (a *app) getRandomPasswordCmd() *cobra.Command {
	spec := secret.DefaultPasswordSpec()
	var require bool
	cmd := &cobra.Command{
		Use:   "get-random-password [--password-length N] [--exclude-characters CHARS] ...",
		Short: "Generate a password with crypto/rand, as GetRandomPassword does",
		Long: `Generate a password with GetRandomPassword's parameters and defaults: 32
characters from letters, digits and punctuation, with at least one of each
included kind. --override-special replaces the punctuation set, as
Terraform's random_password does. Nothing is stored.`,
		Example: `  dbwarden secret get-random-password --password-length 40 --exclude-characters '/@"'"'"'\ '
  dbwarden secret get-random-password --override-special '!#$%&*()-_=+[]{}<>:?' --query RandomPassword --output text`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if spec.Length < 1 {
				return &opError{op: "GetRandomPassword", err: secret.Errorf(secret.CodeInvalidParameter, "Invalid PasswordLength %d: it must be between 1 and %d.", spec.Length, secret.MaxPasswordLength)}
			}
			spec.RequireEachIncludedType = &require
			p, err := secret.GeneratePassword(spec)
			if err != nil {
				return &opError{op: "GetRandomPassword", err: err}
			}
			return a.print(map[string]string{"RandomPassword": p})
		},
	}
	f := cmd.Flags()
	f.IntVar(&spec.Length, "password-length", secret.DefaultPasswordLength, "length, 1-4096")
	f.StringVar(&spec.ExcludeCharacters, "exclude-characters", "", "characters never to use")
	f.BoolVar(&spec.ExcludeNumbers, "exclude-numbers", false, "no digits")
	f.BoolVar(&spec.ExcludePunctuation, "exclude-punctuation", false, "no punctuation")
	f.BoolVar(&spec.ExcludeUppercase, "exclude-uppercase", false, "no upper-case letters")
	f.BoolVar(&spec.ExcludeLowercase, "exclude-lowercase", false, "no lower-case letters")
	f.BoolVar(&spec.IncludeSpace, "include-space", false, "allow the space character")
	f.BoolVar(&require, "require-each-included-type", true, "at least one character of each included kind (--require-each-included-type=false to turn off)")
	f.StringVar(&spec.OverrideSpecial, "override-special", "", "use these punctuation characters instead of the full set")
	return cmd
}

func (a *app) purgeDeletedCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "purge-deleted",
		Short: "Remove secrets whose recovery window has passed",
		Long: `Remove, for good, the secrets whose recovery window has passed. Until then a
deleted secret can be brought back with restore-secret. Safe to run from
cron: it only removes what is due.`,
		Example: `  dbwarden secret purge-deleted --query Purged --output text`,
		Args:    cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx := a.callerContext(cmd.Context())
			s, _, err := a.openStore(ctx)
			if err != nil {
				return err
			}
			defer s.Close()
			purged, err := s.Purge(ctx, timeNow())
			if err != nil {
				return err
			}
			if purged == nil {
				purged = []string{}
			}
			return a.print(map[string]any{"Purged": purged})
		},
	}
	return cmd
}
