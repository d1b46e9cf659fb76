package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"

	"github.com/spf13/cobra"

	"github.com/dbwarden/dbwarden/internal/authz"
	"github.com/dbwarden/dbwarden/internal/store/sqlitestore"
)

func (a *app) principalCmd() *cobra.Command {
	c := &cobra.Command{
		Use:   "principal",
		Short: "Administer the principals that sign API requests, and their access keys",
		Long: `Principals are the identities that call 'dbwarden server', each with access
key pairs to sign requests with AWS Signature Version 4. These commands
work on the local store directly; the server sees their changes within
five seconds. Admin principals may call every operation; others what
their attached identity policies allow.`,
		Example: `  dbwarden principal create --name app --admin
  dbwarden principal create-access-key --name app --credentials-file app-credentials
  dbwarden principal list --output table`,
	}
	var name, file string
	var admin bool
	var createTags []string
	create := &cobra.Command{
		Use:     "create --name NAME [--admin]",
		Short:   "Create a principal",
		Example: `  dbwarden principal create --name backup-job`,
		Args:    cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			tags, err := tagMap(createTags)
			if err != nil {
				return err
			}
			return a.withAdminStore(cmd, func(s *sqlitestore.Store) (any, error) {
				ctx := a.callerContext(cmd.Context())
				p, err := s.CreatePrincipal(ctx, name, admin)
				if err != nil || len(tags) == 0 {
					return p, err
				}
				if err := s.TagPrincipal(ctx, name, tags); err != nil {
					return nil, err
				}
				p.Tags = tags
				return p, nil
			})
		},
	}
	create.Flags().StringVar(&name, "name", "", "principal name: 1-64 letters, digits and +=,.@_-")
	create.Flags().BoolVar(&admin, "admin", false, "allow every API operation")
	create.Flags().StringArrayVar(&createTags, "tags", nil, "tags as Key=K,Value=V (repeatable); policies see them as aws:PrincipalTag/K")
	requireFlags(create, "name")

	list := &cobra.Command{
		Use:     "list",
		Short:   "List principals",
		Example: `  dbwarden principal list --output table`,
		Args:    cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			return a.withAdminStore(cmd, func(s *sqlitestore.Store) (any, error) {
				ps, err := s.ListPrincipals(cmd.Context())
				return map[string]any{"Users": ps}, err
			})
		},
	}

	var delName string
	del := &cobra.Command{
		Use:     "delete --name NAME",
		Short:   "Delete a principal and its access keys",
		Example: `  dbwarden principal delete --name backup-job`,
		Args:    cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			return a.withAdminStore(cmd, func(s *sqlitestore.Store) (any, error) {
				return nil, s.DeletePrincipal(a.callerContext(cmd.Context()), delName)
			})
		},
	}
	del.Flags().StringVar(&delName, "name", "", "principal name")
	requireFlags(del, "name")

	var keyName string
	createKey := &cobra.Command{
		Use:   "create-access-key --name NAME [--credentials-file FILE]",
		Short: "Create an access key pair; its secret is shown once",
		Long: `Create an access key pair for a principal. The secret access key is shown
only now: with --credentials-file it is written to a new 0600 file in the
AWS shared-credentials format instead of being printed.`,
		Example: `  dbwarden principal create-access-key --name app --credentials-file app-credentials
  AWS_SHARED_CREDENTIALS_FILE=app-credentials aws --endpoint-url http://127.0.0.1:8470 secretsmanager list-secrets`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			return a.withAdminStore(cmd, func(s *sqlitestore.Store) (any, error) {
				var f *os.File
				if file != "" {
					var err error
					if f, err = os.OpenFile(file, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600); err != nil {
						return nil, usagef("--credentials-file: %v", err)
					}
					defer f.Close()
				}
				id, secretKey, err := s.CreateAccessKey(a.callerContext(cmd.Context()), keyName)
				if err != nil {
					if f != nil {
						os.Remove(file)
					}
					return nil, err
				}
				if f == nil {
					return map[string]any{"AccessKey": map[string]string{"UserName": keyName, "AccessKeyId": id, "SecretAccessKey": secretKey}}, nil
				}
				if _, err := fmt.Fprintf(f, "[default]\naws_access_key_id = %s\naws_secret_access_key = %s\nregion = %s\n", id, secretKey, a.cfg.ARN.Region); err != nil {
					return nil, err
				}
				return map[string]any{"AccessKey": map[string]string{"UserName": keyName, "AccessKeyId": id, "CredentialsFile": file}}, f.Sync()
			})
		},
	}
	createKey.Flags().StringVar(&keyName, "name", "", "principal name")
	createKey.Flags().StringVar(&file, "credentials-file", "", "write the key pair to this new file (mode 0600) instead of printing it")
	requireFlags(createKey, "name")

	var listKeysName string
	listKeys := &cobra.Command{
		Use:     "list-access-keys [--name NAME]",
		Short:   "List access key ids (never their secrets)",
		Example: `  dbwarden principal list-access-keys --name app`,
		Args:    cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			return a.withAdminStore(cmd, func(s *sqlitestore.Store) (any, error) {
				ks, err := s.ListAccessKeys(cmd.Context(), listKeysName)
				return map[string]any{"AccessKeyMetadata": ks}, err
			})
		},
	}
	listKeys.Flags().StringVar(&listKeysName, "name", "", "only this principal's keys")

	var keyID string
	delKey := &cobra.Command{
		Use:     "delete-access-key --access-key-id ID",
		Short:   "Delete an access key; the server refuses it within five seconds",
		Example: `  dbwarden principal delete-access-key --access-key-id AKIAEXAMPLEEXAMPLE12`,
		Args:    cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			return a.withAdminStore(cmd, func(s *sqlitestore.Store) (any, error) {
				return nil, s.DeleteAccessKey(a.callerContext(cmd.Context()), keyID)
			})
		},
	}
	delKey.Flags().StringVar(&keyID, "access-key-id", "", "the access key id")
	requireFlags(delKey, "access-key-id")

	var polPrincipal, polName, polDoc string
	attach := &cobra.Command{
		Use:   "attach-policy --name NAME --policy-name P --policy-document JSON|file://PATH",
		Short: "Attach an IAM-style identity policy to a principal (replaces one of the same name)",
		Long: `Attach an IAM-style identity policy document to a principal. The server
allows a non-admin principal's call only when one of its policies allows
the action on the secret and none denies it. Statements take Effect,
Action/NotAction, Resource/NotResource and Condition (String*, Arn*,
IpAddress, Bool, Null, ...IfExists) on keys such as aws:SourceIp,
secretsmanager:Name, secretsmanager:ResourceTag/KEY and
secretsmanager:VersionStage.`,
		Example: `  cat > read-db.json <<'JSON'
  {"Version": "2012-10-17", "Statement": [{"Effect": "Allow",
    "Action": ["secretsmanager:GetSecretValue", "secretsmanager:DescribeSecret"],
    "Resource": "arn:aws:secretsmanager:us-east-1:000000000000:secret:staging/myapp/*"}]}
  JSON
  dbwarden principal attach-policy --name app --policy-name read-db --policy-document file://read-db.json`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			doc, err := a.readStringValue("--policy-document", polDoc)
			if err != nil {
				return err
			}
			if _, err := authz.Parse([]byte(doc)); err != nil {
				return rejectedError{fmt.Errorf("--policy-document: %w", err)}
			}
			return a.withAdminStore(cmd, func(s *sqlitestore.Store) (any, error) {
				return nil, s.PutPrincipalPolicy(a.callerContext(cmd.Context()), polPrincipal, polName, doc)
			})
		},
	}
	attach.Flags().StringVar(&polPrincipal, "name", "", "principal name")
	attach.Flags().StringVar(&polName, "policy-name", "", "a name for the policy")
	attach.Flags().StringVar(&polDoc, "policy-document", "", "the policy as JSON, file://PATH or - for standard input")
	requireFlags(attach, "name", "policy-name", "policy-document")

	var detPrincipal, detName string
	detach := &cobra.Command{
		Use:     "detach-policy --name NAME --policy-name P",
		Short:   "Detach a named policy from a principal",
		Example: `  dbwarden principal detach-policy --name app --policy-name read-db`,
		Args:    cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			return a.withAdminStore(cmd, func(s *sqlitestore.Store) (any, error) {
				return nil, s.DeletePrincipalPolicy(a.callerContext(cmd.Context()), detPrincipal, detName)
			})
		},
	}
	detach.Flags().StringVar(&detPrincipal, "name", "", "principal name")
	detach.Flags().StringVar(&detName, "policy-name", "", "the policy's name")
	requireFlags(detach, "name", "policy-name")

	var lpName string
	listPol := &cobra.Command{
		Use:     "list-policies --name NAME",
		Short:   "Show a principal's policies",
		Example: `  dbwarden principal list-policies --name app`,
		Args:    cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			return a.withAdminStore(cmd, func(s *sqlitestore.Store) (any, error) {
				docs, err := s.PrincipalPolicies(cmd.Context(), lpName)
				if err != nil {
					return nil, err
				}
				out := map[string]any{}
				for n, d := range docs {
					var v any
					json.Unmarshal([]byte(d), &v)
					out[n] = v
				}
				return map[string]any{"UserName": lpName, "Policies": out}, nil
			})
		},
	}
	listPol.Flags().StringVar(&lpName, "name", "", "principal name")
	requireFlags(listPol, "name")

	var tagName string
	var tagArgs []string
	tag := &cobra.Command{
		Use:     "tag --name NAME --tags Key=K,Value=V ...",
		Short:   "Add or replace a principal's tags (aws:PrincipalTag/K in policies)",
		Example: `  dbwarden principal tag --name app --tags Key=team,Value=db`,
		RunE: func(cmd *cobra.Command, args []string) error {
			all, err := listArgs(tagArgs, args, "tags")
			if err != nil {
				return err
			}
			tags, err := tagMap(all)
			if err != nil {
				return err
			}
			return a.withAdminStore(cmd, func(s *sqlitestore.Store) (any, error) {
				return nil, s.TagPrincipal(a.callerContext(cmd.Context()), tagName, tags)
			})
		},
	}
	tag.Flags().StringVar(&tagName, "name", "", "principal name")
	tag.Flags().StringArrayVar(&tagArgs, "tags", nil, "tags as Key=K,Value=V (repeatable) or a JSON list")
	requireFlags(tag, "name", "tags")

	c.AddCommand(create, list, del, createKey, listKeys, delKey, attach, detach, listPol, tag)
	return c
}

// withAdminStore opens the store for an administrative command and prints
// what fn returns.
func (a *app) withAdminStore(cmd *cobra.Command, fn func(s *sqlitestore.Store) (any, error)) error {
	s, _, err := a.openStore(cmd.Context())
	if err != nil {
		return err
	}
	defer s.Close()
	out, err := fn(s)
	switch {
	case errors.Is(err, sqlitestore.ErrNoSuchPrincipal), errors.Is(err, sqlitestore.ErrNoSuchKey), errors.Is(err, sqlitestore.ErrNoSuchPolicy):
		return notFoundError{err}
	case errors.Is(err, sqlitestore.ErrPrincipalExists), errors.Is(err, sqlitestore.ErrInvalidPrincipalName):
		return rejectedError{err}
	case err != nil:
		return err
	}
	if out == nil {
		return nil
	}
	return a.print(out)
}

// tagMap reads tags in the aws CLI's forms into a map.
func tagMap(args []string) (map[string]string, error) {
	tags, err := parseTags(args)
	if err != nil {
		return nil, err
	}
	m := map[string]string{}
	for _, t := range tags {
		m[t.Key] = t.Value
	}
	return m, nil
}
