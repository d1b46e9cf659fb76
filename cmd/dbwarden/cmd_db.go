package main

import (
	"errors"
	"fmt"
	"strings"

	"github.com/spf13/cobra"

	"github.com/dbwarden/dbwarden/internal/bootstrap"
	"github.com/dbwarden/dbwarden/internal/mysqladmin"
)

func (a *app) dbCmd() *cobra.Command {
	c := &cobra.Command{
		Use:   "db",
		Short: "Set up databases: users with least privilege, passwords kept as rotating secrets",
		Long: `The db commands administer MySQL and MariaDB servers through an admin
secret: a database-credential secret in the store whose user may create
databases and users and grant privileges.`,
		Example: `  dbwarden db init --admin-secret prod/mysql/admin --database campaign --user app=readwrite`,
	}
	c.AddCommand(a.dbInitCmd())
	return c
}

// roleHelp lists the roles and their exact grants, for --help.
func roleHelp() string {
	var b strings.Builder
	for _, r := range bootstrap.Roles {
		fmt.Fprintf(&b, "  %-10s %s ON `db`.*\n", r, strings.Join(r.Privileges(), ", "))
	}
	return strings.TrimSuffix(b.String(), "\n")
}

func (a *app) dbInitCmd() *cobra.Command {
	var admin string
	var users []string
	var opts bootstrap.Options
	c := &cobra.Command{
		Use:   "init --admin-secret ID --database NAME --user NAME=ROLE [--user NAME=ROLE ...]",
		Short: "Create a database and its users, store their passwords as secrets, and rotate them",
		Long: `Create a database and one account per application user, each with only the
privileges of its role, a generated password stored as a secret, and
rotation turned on. It is the "DB init" step of a Secrets Manager
deployment, as one command that is safe to run again.

What it does, given the admin secret (a database-credential secret whose
user may create databases and users and grant privileges):

  1. Check every flag, read the admin secret and the users' secrets, log in
     as the admin and check its privileges. A problem found here stops the
     command before anything changes.
  2. Create the database if it is missing, with the utf8mb4 character set.
  3. For each --user NAME=ROLE:
     - the secret <prefix>NAME: if it exists its password is kept; if not,
       a 32-character password is generated and the secret created first,
       a credential document (engine, host, port, username, password,
       dbname, and masterarn: the admin secret's ARN, plus the admin's
       ssl and ssl_ca);
     - the account 'NAME'@'HOST': created with that password, or, if it
       exists and the password does not log in, given the secret's password
       (the store is the truth);
     - its grants: exactly the role's; any other privilege, global ones
       included, is revoked;
     - rotation of the secret with dbwarden:mysql-single-user on --schedule,
       unless it is already so. The admin (masterarn) keeps the old and new
       passwords valid during each rotation, so applications see no failed
       login.
  4. Log in as each user, run a query on the database, and check that
     SHOW GRANTS shows no global privilege. The logins come from where
     dbwarden runs, so --host must let this machine in.

Roles (privileges on the database only, never WITH GRANT OPTION):

` + roleHelp() + `

The default secret prefix is the admin secret's name up to its last slash,
then the database: prod/mysql/admin and --database campaign give
prod/mysql/campaign/app.

Running it again changes nothing when nothing drifted: no new secret
version, no CREATE, ALTER, GRANT or REVOKE. What drifted (an extra grant,
a password changed by hand, a dropped account, rotation turned off) is put
right and reported as "repaired".

The result is printed as JSON: the database ("created" or "existed") and,
for each user, the account, role, privileges, secret name and ARN, and what
was done ("created", "unchanged" or "repaired", with the changes). Progress
goes to standard error. No password is ever printed.`,
		Example: `  # The database and users of the campaign application
  dbwarden db init --admin-secret prod/mysql/admin --database campaign \
    --user app=readwrite --user reporting=readonly

  # A migration user, rotated weekly, its secret under its own prefix
  dbwarden db init --admin-secret prod/mysql/admin --database campaign \
    --user migrator=ddl --schedule 'rate(7 days)' --secret-prefix prod/campaign/db/

  # Accounts for the application subnet only (dbwarden runs there too)
  dbwarden db init --admin-secret prod/mysql/admin --database campaign \
    --user app=readwrite --host '10.20.30.%'`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.Users = opts.Users[:0]
			for _, u := range users {
				parsed, err := bootstrap.ParseUser(u)
				if err != nil {
					return usageError{err}
				}
				opts.Users = append(opts.Users, parsed)
			}
			ctx := a.callerContext(cmd.Context())
			s, _, err := a.openExistingStore(ctx)
			if err != nil {
				return err
			}
			defer s.Close()
			opts.Rotator = rotatorSingleUser
			opts.Progress = func(line string) { fmt.Fprintln(a.stderr, line) }
			rep, err := bootstrap.Init(ctx, s, admin, opts)
			if err != nil {
				return dbInitFailure(err)
			}
			return a.print(rep)
		},
	}
	f := c.Flags()
	f.StringVar(&admin, "admin-secret", "", "the admin's database-credential secret: name or ARN")
	f.StringVar(&opts.Database, "database", "", "the database to create or check: letters, digits, _ and -")
	f.StringArrayVar(&users, "user", nil, "a user and its role, NAME=ROLE with ROLE readwrite, readonly or ddl (repeatable)")
	f.StringVar(&opts.Schedule, "schedule", bootstrap.DefaultSchedule, "rotation schedule: rate(N days), rate(N hours) or cron(...)")
	f.StringVar(&opts.SecretPrefix, "secret-prefix", "", "start of the users' secret names (default: the admin secret's folder, then the database and /)")
	f.StringVar(&opts.Host, "host", bootstrap.DefaultHost, "host part of the accounts: a name, an address or a pattern such as 10.0.%")
	requireFlags(c, "admin-secret", "database", "user")
	return c
}

// dbInitFailure gives a failed db init its exit code: bad flags are usage
// errors; an admin secret or server that cannot do the job refuses it.
func dbInitFailure(err error) error {
	switch {
	case errors.Is(err, bootstrap.ErrInvalidOptions):
		return usageError{err}
	case errors.Is(err, bootstrap.ErrAdminSecret), errors.Is(err, bootstrap.ErrConflict),
		errors.Is(err, mysqladmin.ErrNotPermitted), errors.Is(err, mysqladmin.ErrNameTooLong),
		errors.Is(err, mysqladmin.ErrAccessDenied), errors.Is(err, mysqladmin.ErrInvalidCredentials):
		return rejectedError{err}
	}
	return err
}
