package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/user"
	"strings"

	"github.com/spf13/cobra"

	"github.com/dbwarden/dbwarden/internal/audit"
	"github.com/dbwarden/dbwarden/internal/config"
	"github.com/dbwarden/dbwarden/internal/secret"
)

// Exit codes. Scripts can tell a missing secret from a rejected request
// from a broken store.
const (
	exitOK         = 0
	exitError      = 1 // anything else: I/O, internal errors
	exitUsage      = 2 // bad flags or arguments, bad configuration
	exitNotFound   = 3 // ResourceNotFoundException
	exitRejected   = 4 // the request was refused: invalid, exists, limit, deleted
	exitIntegrity  = 5 // a check or verification found damage
	exitCryptoFail = 6 // a key could not wrap or unwrap a value
	exitRotation   = 7 // a rotation step failed
)

const exitCodesHelp = `Exit codes:
  0  success
  1  an unexpected error (I/O, internal)
  2  bad flags, arguments or configuration
  3  the secret or version does not exist (ResourceNotFoundException)
  4  the request was refused (InvalidParameterException, InvalidRequestException,
     ResourceExistsException, LimitExceededException, ...)
  5  an integrity check or audit verification found damage
  6  a value could not be encrypted or decrypted (EncryptionFailure, DecryptionFailure)
  7  a rotation step failed (the database refused or could not be reached)`

// app holds what every command shares: its streams, the environment and
// the resolved configuration.
type app struct {
	stdin          io.Reader
	stdout, stderr io.Writer
	getenv         func(string) string

	configFile string
	query      string
	flags      config.Config // values of the global flags, applied when set
	cfg        config.Config
	root       *cobra.Command
}

// usageError marks errors in how dbwarden was called.
type usageError struct{ err error }

func (e usageError) Error() string { return e.err.Error() }
func (e usageError) Unwrap() error { return e.err }

func usagef(format string, args ...any) error { return usageError{fmt.Errorf(format, args...)} }

// opError names the Secrets Manager operation an error came from, so that
// it prints as the aws CLI prints it.
type opError struct {
	op  string
	err error
	// purpose says what the operation was for, when a command calls it on
	// the way to something else ("the server named by --source").
	purpose string
}

func (e *opError) Error() string { return e.err.Error() }
func (e *opError) Unwrap() error { return e.err }

// notFoundError and rejectedError carry the exit codes of administrative
// commands, which have no Secrets Manager error code.
type notFoundError struct{ err error }

func (e notFoundError) Error() string { return e.err.Error() }
func (e notFoundError) Unwrap() error { return e.err }

type rejectedError struct{ err error }

func (e rejectedError) Error() string { return e.err.Error() }
func (e rejectedError) Unwrap() error { return e.err }

// integrityError marks a check that found damage.
type integrityError struct{ msg string }

func (e integrityError) Error() string { return e.msg }

func run(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer, getenv func(string) string) int {
	a := &app{stdin: stdin, stdout: stdout, stderr: stderr, getenv: getenv}
	root := a.newRoot()
	root.SetArgs(args)
	root.SetIn(stdin)
	root.SetOut(stdout)
	root.SetErr(stderr)
	err := root.ExecuteContext(ctx)
	if err == nil {
		return exitOK
	}
	code := exitCode(err)
	var oe *opError
	var se *secret.Error
	switch {
	case errors.As(err, &oe) && errors.As(err, &se):
		fmt.Fprintf(stderr, "\nAn error occurred (%s) when calling the %s operation: %s\n", se.Code, oe.op, se.Message)
		if oe.purpose != "" {
			fmt.Fprintf(stderr, "while reading %s\n", oe.purpose)
		}
		if se.Err != nil {
			// The cause names what failed underneath (a KMS or SQLite
			// error); it never holds a secret value.
			fmt.Fprintf(stderr, "cause: %v\n", se.Err)
		}
	case errors.As(err, new(findingsError)):
		// The report says what was found; stderr gets the count only.
		fmt.Fprintf(stderr, "dbwarden: %v\n", err)
	case errors.As(err, new(scanInputError)):
		fmt.Fprintf(stderr, "dbwarden: %v\n", err)
	case code == exitUsage:
		fmt.Fprintf(stderr, "dbwarden: %v\nRun '%s --help' for usage.\n", err, strings.TrimSpace("dbwarden "+commandPath(root, args)))
	default:
		fmt.Fprintf(stderr, "dbwarden: %v\n", err)
	}
	return code
}

// commandPath returns the subcommand the arguments named, for the hint.
func commandPath(root *cobra.Command, args []string) string {
	c, _, err := root.Find(args)
	if err != nil || c == root {
		return ""
	}
	return strings.TrimPrefix(c.CommandPath(), root.Name()+" ")
}

// exitCode maps an error to the process exit code, in one place.
func exitCode(err error) int {
	var ue usageError
	var ie integrityError
	var nf notFoundError
	var rj rejectedError
	var re rotationError
	switch {
	case errors.As(err, new(findingsError)):
		return exitError // dbwarden scan: findings at or above --severity
	case errors.As(err, new(scanInputError)):
		return exitUsage // dbwarden scan: an input could not be read
	case errors.As(err, &ue):
		return exitUsage
	case errors.As(err, &re):
		return exitRotation
	case errors.As(err, &ie):
		return exitIntegrity
	case errors.As(err, &nf):
		return exitNotFound
	case errors.As(err, &rj):
		return exitRejected
	}
	switch secret.Code(err) {
	case "":
	case secret.CodeResourceNotFound:
		return exitNotFound
	case secret.CodeEncryptionFailure, secret.CodeDecryptionFailure:
		return exitCryptoFail
	case secret.CodeInternalService:
		return exitError
	default:
		return exitRejected
	}
	// Cobra's own argument and flag errors.
	msg := err.Error()
	for _, p := range []string{"unknown command", "unknown flag", "unknown shorthand flag", "flag needs an argument", "invalid argument", "required flag", "accepts ", "requires at least", "if any flags in the group"} {
		if strings.Contains(msg, p) {
			return exitUsage
		}
	}
	return exitError
}

func (a *app) newRoot() *cobra.Command {
	root := &cobra.Command{
		Use:   "dbwarden",
		Short: "Keep MySQL credentials encrypted, audited and out of plain text",
		Long: `dbwarden stores database credentials encrypted, with AWS Secrets Manager's
semantics (names, ARNs, versions, staging labels, recovery windows), and
records every read and change in a hash-chained audit trail.

Everything lives in one data directory: the SQLite store, the key ring that
encrypts it, and the audit trail. Configuration comes from a JSON file
(--config, DBWARDEN_CONFIG, or ~/.config/dbwarden/config.json), DBWARDEN_*
environment variables and flags; flags override the environment, which
overrides the file.

` + exitCodesHelp,
		Example: `  # Store a generated password without it ever touching the shell history
  dbwarden secret get-random-password --query RandomPassword --output text |
    dbwarden secret create-secret --name staging/myapp/mysql/mysql-root-password --secret-string -

  # Read it back, as the aws CLI would
  dbwarden secret get-secret-value --secret-id staging/myapp/mysql/mysql-root-password \
    --query SecretString --output text`,
		SilenceUsage:      true,
		SilenceErrors:     true,
		DisableAutoGenTag: true,
		PersistentPreRunE: func(cmd *cobra.Command, args []string) error { return a.loadConfig(cmd) },
	}
	root.SetFlagErrorFunc(func(c *cobra.Command, err error) error { return usageError{err} })
	pf := root.PersistentFlags()
	pf.StringVar(&a.configFile, "config", "", "configuration file (JSON); also DBWARDEN_CONFIG")
	pf.StringVar(&a.flags.DataDir, "data-dir", "", "directory of the store, key ring and audit trail; also DBWARDEN_DATA_DIR (default ~/.local/share/dbwarden)")
	pf.StringVar(&a.flags.Output, "output", "", "output format: json, text or table; also DBWARDEN_OUTPUT (default json)")
	pf.StringVar(&a.query, "query", "", "print only this part of the response: Field, Field.Sub, List[0], List[].Field")
	pf.StringVar(&a.flags.ARN.Region, "region", "", "region in the ARNs of new secrets; also DBWARDEN_REGION (default us-east-1)")
	pf.StringVar(&a.flags.Keys.Provider, "key-provider", "", "key-encryption key: file or kms; also DBWARDEN_KEY_PROVIDER (default file)")
	pf.StringVar(&a.flags.Keys.KMSKeyID, "kms-key-id", "", "KMS key id, ARN or alias when --key-provider=kms; also DBWARDEN_KMS_KEY_ID")

	root.AddCommand(a.secretCmd(), a.serverCmd(), a.principalCmd(), a.auditCmd(), a.keysCmd(), a.rotateCmd(), a.dbCmd(), a.backupCmd(), a.restoreCmd(), a.lambdaCmd(), a.storeCmd(), a.configCmd(), a.versionCmd())
	for _, c := range root.Commands() {
		if c.HasSubCommands() {
			asGroup(c)
		}
	}
	// scan takes paths and has a subcommand (scan rules): it is no group.
	root.AddCommand(a.scanCmd())
	a.root = root
	return root
}

// asGroup makes a command group print its help when called alone and fail
// with a usage error on an unknown subcommand, instead of exiting 0.
func asGroup(c *cobra.Command) {
	c.Args = cobra.NoArgs
	c.RunE = func(cmd *cobra.Command, args []string) error { return cmd.Help() }
	c.PersistentPreRunE = nil
}

// loadConfig resolves the configuration: defaults < file < environment <
// flags.
func (a *app) loadConfig(cmd *cobra.Command) error {
	path, required := a.configFile, a.configFile != ""
	if !required {
		if p := a.getenv("DBWARDEN_CONFIG"); p != "" {
			path, required = p, true
		} else {
			path = config.DefaultFile()
		}
	}
	cfg, err := config.Load(path, required, a.getenv)
	if err != nil {
		return usageError{err}
	}
	f := cmd.Flags()
	set := func(flag, key, value string) {
		if f.Changed(flag) {
			cfg.Set(key, value)
		}
	}
	set("data-dir", "data_dir", a.flags.DataDir)
	set("output", "output", a.flags.Output)
	set("region", "arn.region", a.flags.ARN.Region)
	set("key-provider", "keys.provider", a.flags.Keys.Provider)
	set("kms-key-id", "keys.kms_key_id", a.flags.Keys.KMSKeyID)
	if err := cfg.Validate(); err != nil {
		return usageError{fmt.Errorf("configuration: %w", err)}
	}
	a.cfg = cfg
	return nil
}

// callerContext identifies this invocation in the audit trail.
func (a *app) callerContext(ctx context.Context) context.Context {
	name := "unknown"
	if u, err := user.Current(); err == nil {
		name = u.Username
	} else if n := a.getenv("USER"); n != "" {
		name = n
	}
	host, _ := os.Hostname()
	p := "cli:" + name
	if host != "" {
		p += "@" + host
	}
	return audit.WithCaller(ctx, audit.Caller{Principal: p, RequestID: secret.NewVersionID()})
}

// print writes a response in the configured format, after --query.
func (a *app) print(v any) error {
	if a.query == "" && a.cfg.Output == "json" {
		// Straight from the response, so fields keep their order.
		return printValue(a.stdout, v, "json")
	}
	g, err := toGeneric(v)
	if err != nil {
		return err
	}
	if g, err = applyQuery(g, a.query); err != nil {
		return usageError{err}
	}
	return printValue(a.stdout, g, a.cfg.Output)
}

func (a *app) versionCmd() *cobra.Command {
	return &cobra.Command{
		Use:     "version",
		Short:   "Print dbwarden's version",
		Example: `  dbwarden version`,
		Args:    cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			fmt.Fprintln(a.stdout, "dbwarden", version)
			return nil
		},
	}
}

// version is set at build time with -ldflags "-X main.version=...".
var version = "dev"
