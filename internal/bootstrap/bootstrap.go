// Package bootstrap sets up a MySQL or MariaDB database for applications:
// the database, one account per application user with the least privileges
// its role needs, a generated password stored as a database-credential
// secret, and that secret's rotation schedule. It is dbwarden's form of the
// "DB init" function of a Secrets Manager deployment, as one idempotent
// call: run again, it changes nothing, or repairs what drifted.
//
// The store is the source of truth: an existing secret's password is kept
// and the account is made to accept it, never the other way round.
package bootstrap

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"

	"github.com/go-sql-driver/mysql"

	"github.com/dbwarden/dbwarden/internal/mysqladmin"
	"github.com/dbwarden/dbwarden/internal/secret"
	"github.com/dbwarden/dbwarden/internal/store"
)

// Defaults of Options.
const (
	// DefaultSchedule rotates every four days, as the Secrets Manager
	// deployment Init stands in for does.
	DefaultSchedule = "rate(4 days)"
	// DefaultHost lets the accounts log in from any host; the network
	// keeps strangers out.
	DefaultHost = "%"
	// SingleUserRotator is the RotationLambdaARN of dbwarden's single-user
	// rotator: with the secret's masterarn, the administrator keeps the
	// old and the new password valid during a rotation.
	SingleUserRotator = "dbwarden:mysql-single-user"
)

// Errors of Init, beside the store's *secret.Error (a missing admin secret
// is ResourceNotFoundException) and mysqladmin's kinds (ErrNotPermitted for
// an administrator without the privileges, ErrNameTooLong for a user name
// the server refuses, ErrAccessDenied for a login it refuses).
var (
	// ErrInvalidOptions: Options are wrong; the error is an *OptionError.
	ErrInvalidOptions = errors.New("invalid options")
	// ErrAdminSecret: the admin secret holds no usable database
	// credentials.
	ErrAdminSecret = errors.New("unusable admin secret")
	// ErrConflict: a secret Init would manage already exists and belongs to
	// something else (another user, server or database, or no credentials).
	ErrConflict = errors.New("conflicting secret")
	// ErrVerify: a user could not log in, or holds more than its role, after
	// the set-up.
	ErrVerify = errors.New("verification failed")
)

// OptionError is a bad option. Init returns it before it reads or changes
// anything.
type OptionError struct {
	Field   string // what is wrong, such as `user "app"`
	Problem string
}

func (e *OptionError) Error() string { return e.Field + ": " + e.Problem }

// Is makes errors.Is(err, ErrInvalidOptions) true.
func (e *OptionError) Is(target error) bool { return target == ErrInvalidOptions }

// Secrets is the part of a secret store Init uses; every store.Store is
// one.
type Secrets interface {
	GetSecretValue(ctx context.Context, in *store.GetSecretValueInput) (*store.GetSecretValueOutput, error)
	CreateSecret(ctx context.Context, in *store.CreateSecretInput) (*store.CreateSecretOutput, error)
	DescribeSecret(ctx context.Context, in *store.DescribeSecretInput) (*store.DescribeSecretOutput, error)
	RotateSecret(ctx context.Context, in *store.RotateSecretInput) (*store.RotateSecretOutput, error)
}

var _ Secrets = store.Store(nil)

// Options say what to set up.
type Options struct {
	// Database is created if missing, with the utf8mb4 character set:
	// letters, digits, _ and -, at most 64 characters.
	Database string
	// Users get one account each, 'name'@'Host', and a secret named
	// SecretPrefix+name.
	Users []User
	// Schedule is the rotation schedule, rate() or cron() as Secrets
	// Manager takes it; DefaultSchedule when empty.
	Schedule string
	// SecretPrefix starts the names of the users' secrets. When empty it is
	// the admin secret's name up to its last slash, then the database and a
	// slash: prod/mysql/admin and campaign give prod/mysql/campaign/.
	SecretPrefix string
	// Host is the host part of the accounts; DefaultHost when empty.
	Host string
	// Rotator is the RotationLambdaARN set on the secrets;
	// SingleUserRotator when empty.
	Rotator string
	// Dialer sets the connection timeouts.
	Dialer mysqladmin.Dialer
	// Progress, when set, hears one line per step, without secrets.
	Progress func(line string)
}

// Action says what Init did to one thing.
type Action string

// Actions in a Report.
const (
	Created   Action = "created"   // it did not exist
	Existed   Action = "existed"   // the database was there
	Unchanged Action = "unchanged" // everything was as it should be
	Repaired  Action = "repaired"  // it existed and something was put right
)

// Report is what Init found and did.
type Report struct {
	Database       string       `json:"Database"`
	DatabaseAction Action       `json:"DatabaseAction"`
	AdminSecretARN string       `json:"AdminSecretARN"`
	Users          []UserReport `json:"Users"`
}

// UserReport is what Init did for one user.
type UserReport struct {
	User       string `json:"User"`
	Account    string `json:"Account"` // 'user'@'host'
	Role       Role   `json:"Role"`
	Privileges string `json:"Privileges"` // as GRANT takes them, such as "SELECT, SHOW VIEW ON `shop`.*"
	SecretName string `json:"SecretName"`
	SecretARN  string `json:"SecretARN"`
	// Action is Created when the secret or the account was created,
	// Repaired when something else changed, Unchanged otherwise.
	Action   Action   `json:"Action"`
	Changes  []string `json:"Changes,omitempty"`
	Schedule string   `json:"RotationSchedule"`
}

// plan is one user's state before any change.
type plan struct {
	user       User
	account    mysqladmin.Account
	secretName string
	secretARN  string                  // "" while the secret does not exist
	creds      *mysqladmin.Credentials // the secret's AWSCURRENT value; nil when missing
	accountOK  bool                    // the account exists
	report     *UserReport
}

// Init sets up opts.Database and opts.Users on the server of the admin
// secret (a database-credential secret whose user may create databases and
// users and grant privileges), in this order:
//
//  1. Check the options and read everything: the admin secret, the users'
//     secrets, the administrator's privileges, the accounts. A problem found
//     here is reported before anything changes.
//  2. Create the database if missing (utf8mb4).
//  3. For each user: create its secret first (a generated password,
//     masterarn the admin secret's ARN), unless it exists, whose password
//     is then reused; create the account, or, if it exists and the
//     secret's password does not log in, set the password to it; make the
//     account's grants exactly the role's, revoking any other (global ones
//     included); turn rotation on with the schedule unless it is already so.
//  4. Log in as each user, run a query on the database and check that
//     SHOW GRANTS shows no global privilege.
//
// It never writes a secret value to an error or to Progress.
func Init(ctx context.Context, secrets Secrets, adminSecretID string, opts Options) (*Report, error) {
	if err := opts.normalize(); err != nil {
		return nil, err
	}
	if strings.TrimSpace(adminSecretID) == "" {
		return nil, &OptionError{Field: "admin secret", Problem: "is missing: name the secret of an account that may create databases and users"}
	}
	r := &run{secrets: secrets, opts: opts}
	return r.init(ctx, adminSecretID)
}

func (o *Options) normalize() error {
	if err := validateDatabase(o.Database); err != nil {
		return err
	}
	if len(o.Users) == 0 {
		return &OptionError{Field: "users", Problem: "none given; name at least one as NAME=ROLE"}
	}
	seen := map[string]bool{}
	for _, u := range o.Users {
		if err := u.validate(); err != nil {
			return err
		}
		if seen[u.Name] {
			return &OptionError{Field: fmt.Sprintf("user %q", u.Name), Problem: "is given twice"}
		}
		seen[u.Name] = true
	}
	if o.Schedule == "" {
		o.Schedule = DefaultSchedule
	}
	sched := o.Schedule
	if err := secret.ValidateRotationRules(secret.RotationRules{ScheduleExpression: &sched}); err != nil {
		msg := err.Error()
		var se *secret.Error
		if errors.As(err, &se) {
			msg = se.Message
		}
		return &OptionError{Field: fmt.Sprintf("schedule %q", o.Schedule), Problem: msg}
	}
	if o.Host == "" {
		o.Host = DefaultHost
	}
	if err := validateHost(o.Host); err != nil {
		return err
	}
	if o.Rotator == "" {
		o.Rotator = SingleUserRotator
	}
	return nil
}

// run is one call of Init.
type run struct {
	secrets Secrets
	opts    Options
	admin   mysqladmin.Credentials
	server  *mysqladmin.Server
}

func (r *run) progress(format string, args ...any) {
	if r.opts.Progress != nil {
		r.opts.Progress(fmt.Sprintf(format, args...))
	}
}

func (r *run) init(ctx context.Context, adminSecretID string) (*Report, error) {
	// 1. Read everything; change nothing.
	adminOut, err := r.readAdmin(ctx, adminSecretID)
	if err != nil {
		return nil, err
	}
	prefix := r.opts.SecretPrefix
	if prefix == "" {
		prefix = defaultPrefix(adminOut.Name, r.opts.Database)
	}
	plans := make([]*plan, len(r.opts.Users))
	for i, u := range r.opts.Users {
		if u.Name == r.admin.Username {
			return nil, &OptionError{Field: fmt.Sprintf("user %q", u.Name), Problem: "is the admin secret's own user; db init would take its privileges away"}
		}
		name := prefix + u.Name
		if err := secret.ValidateName(name); err != nil {
			return nil, &OptionError{Field: fmt.Sprintf("secret name %q", name), Problem: "must be 1-512 letters, digits and /_+=.@- (from the secret prefix and the user name)"}
		}
		a := mysqladmin.Account{User: u.Name, Host: r.opts.Host}
		plans[i] = &plan{user: u, account: a, secretName: name, report: &UserReport{
			User: u.Name, Account: a.String(), Role: u.Role, SecretName: name, Schedule: r.opts.Schedule,
			Privileges: strings.Join(u.Role.Privileges(), ", ") + " ON " + mysqladmin.Object{DB: grantPattern(r.opts.Database)}.SQL(),
		}}
	}
	for _, p := range plans {
		if err := r.readUserSecret(ctx, p); err != nil {
			return nil, err
		}
	}

	login := r.admin
	login.DBName = ""
	s, err := r.opts.Dialer.Connect(ctx, login)
	if err != nil {
		return nil, fmt.Errorf("log in with admin secret %q: %w", adminOut.Name, err)
	}
	defer s.Close()
	r.server = s
	r.progress("logged in as %q on %s (%s)", r.admin.Username, s.Addr(), s.Info())
	for _, p := range plans {
		if err := s.CheckUserName(p.user.Name); err != nil {
			return nil, err
		}
	}
	dbExists, charset, err := r.databaseExists(ctx)
	if err != nil {
		return nil, err
	}
	if err := r.checkAdminPrivileges(ctx, !dbExists); err != nil {
		return nil, err
	}
	for _, p := range plans {
		if p.accountOK, err = s.AccountExists(ctx, p.account); err != nil {
			return nil, err
		}
	}

	// 2. The database.
	rep := &Report{Database: r.opts.Database, DatabaseAction: Existed, AdminSecretARN: adminOut.ARN}
	if dbExists {
		r.progress("database %s: exists", r.opts.Database)
		if !strings.HasPrefix(strings.ToLower(charset), "utf8mb4") {
			r.progress("database %s: its character set is %s, not utf8mb4; it is left as it is", r.opts.Database, charset)
		}
	} else {
		if err := r.createDatabase(ctx); err != nil {
			return nil, err
		}
		rep.DatabaseAction = Created
		r.progress("database %s: created (utf8mb4)", r.opts.Database)
	}

	// 3. The users.
	for _, p := range plans {
		if err := r.setUp(ctx, p, adminOut.ARN); err != nil {
			return nil, err
		}
	}

	// 4. Proof.
	for _, p := range plans {
		if err := r.verify(ctx, p); err != nil {
			return nil, err
		}
		rep.Users = append(rep.Users, *p.report)
	}
	return rep, nil
}

// defaultPrefix is the admin secret's name up to its last slash, then the
// database and a slash.
func defaultPrefix(adminName, db string) string {
	if i := strings.LastIndexByte(adminName, '/'); i >= 0 {
		return adminName[:i+1] + db + "/"
	}
	return db + "/"
}

// readAdmin reads and parses the admin secret.
func (r *run) readAdmin(ctx context.Context, id string) (*store.GetSecretValueOutput, error) {
	out, err := r.secrets.GetSecretValue(ctx, &store.GetSecretValueInput{SecretId: id})
	if err != nil {
		return nil, fmt.Errorf("read admin secret %q: %w", id, err)
	}
	if out.SecretString == nil {
		return nil, fmt.Errorf("%w: admin secret %q holds a binary value, not a database-credential JSON document", ErrAdminSecret, out.Name)
	}
	c, err := mysqladmin.ParseCredentials([]byte(*out.SecretString))
	if err != nil {
		return nil, fmt.Errorf("%w: admin secret %q is not database credentials: %w", ErrAdminSecret, out.Name, err)
	}
	r.admin = c
	return out, nil
}

// readUserSecret reads the secret of p's user, if it exists, and checks
// that it is that user's on this server.
func (r *run) readUserSecret(ctx context.Context, p *plan) error {
	out, err := r.secrets.GetSecretValue(ctx, &store.GetSecretValueInput{SecretId: p.secretName})
	switch {
	case secret.IsCode(err, secret.CodeResourceNotFound):
		return nil
	case secret.IsCode(err, secret.CodeInvalidRequest):
		return fmt.Errorf("%w: secret %q cannot be read (is it scheduled for deletion? restore it or choose another secret prefix): %w", ErrConflict, p.secretName, err)
	case err != nil:
		return fmt.Errorf("read secret %q: %w", p.secretName, err)
	}
	if out.SecretString == nil {
		return fmt.Errorf("%w: secret %q exists and holds a binary value, not database credentials", ErrConflict, p.secretName)
	}
	c, err := mysqladmin.ParseCredentials([]byte(*out.SecretString))
	if err != nil {
		return fmt.Errorf("%w: secret %q exists and is not database credentials: %w", ErrConflict, p.secretName, err)
	}
	switch {
	case c.Username != p.user.Name:
		return fmt.Errorf("%w: secret %q exists for user %q, not %q", ErrConflict, p.secretName, c.Username, p.user.Name)
	case c.Host != r.admin.Host || c.Port != r.admin.Port:
		return fmt.Errorf("%w: secret %q exists for server %s, the admin secret is for %s", ErrConflict, p.secretName, c.Addr(), r.admin.Addr())
	case c.DBName != "" && c.DBName != r.opts.Database:
		return fmt.Errorf("%w: secret %q exists for database %q, not %q", ErrConflict, p.secretName, c.DBName, r.opts.Database)
	}
	if c.MasterARN == "" {
		r.progress("user %s: secret %s has no masterarn: its rotations will replace the password without a moment where both work", p.user.Name, p.secretName)
	}
	p.creds, p.secretARN = &c, out.ARN
	p.report.SecretARN = out.ARN
	return nil
}

// databaseExists looks the database up, with its character set.
func (r *run) databaseExists(ctx context.Context) (bool, string, error) {
	var charset string
	err := r.server.DB().QueryRowContext(ctx,
		"SELECT DEFAULT_CHARACTER_SET_NAME FROM information_schema.SCHEMATA WHERE SCHEMA_NAME = ?", r.opts.Database).Scan(&charset)
	switch {
	case err == nil:
		return true, charset, nil
	case errors.Is(err, sql.ErrNoRows):
		return false, "", nil
	}
	return false, "", fmt.Errorf("look up database %q: %w", r.opts.Database, err)
}

// checkAdminPrivileges refuses, before anything changes, an administrator
// that clearly lacks a privilege the set-up needs. Grants it cannot read
// leave the server to refuse what it does not allow.
func (r *run) checkAdminPrivileges(ctx context.Context, createDB bool) error {
	g, err := ownGrants(ctx, r.server)
	if err != nil {
		r.progress("could not read the admin's privileges (%v); going on, the server refuses what it does not allow", err)
		return nil
	}
	var roles []Role
	for _, u := range r.opts.Users {
		roles = append(roles, u.Role)
	}
	if missing := effectiveOn(g, r.opts.Database).missing(r.opts.Database, createDB, roles); len(missing) > 0 {
		return fmt.Errorf("%w: the admin account %q on %s lacks %s", mysqladmin.ErrNotPermitted,
			r.admin.Username, r.server.Addr(), strings.Join(missing, "; "))
	}
	return nil
}

// erDBCreateExists is ER_DB_CREATE_EXISTS: the database exists.
const erDBCreateExists = 1007

func (r *run) createDatabase(ctx context.Context) error {
	q := "CREATE DATABASE " + quoteIdent(r.opts.Database) + " CHARACTER SET utf8mb4"
	if _, err := r.server.DB().ExecContext(ctx, q); err != nil {
		var me *mysql.MySQLError
		if errors.As(err, &me) && me.Number == erDBCreateExists {
			return nil // created in between; nothing to do
		}
		return fmt.Errorf("create database %q: %w", r.opts.Database, err)
	}
	return nil
}

// quoteIdent quotes an identifier with backticks, doubling any inside.
func quoteIdent(name string) string { return "`" + strings.ReplaceAll(name, "`", "``") + "`" }
