package mysqladmin

import (
	"context"
	"errors"
	"fmt"
	"unicode/utf8"
)

// CheckUserName reports whether the server accepts name as a user name: an
// error wrapping ErrNameTooLong names the limit.
func (s *Server) CheckUserName(name string) error {
	if n, max := utf8.RuneCountInString(name), s.info.MaxUserNameLength(); n > max {
		return s.fail("check user name", fmt.Errorf("%w: %q has %d characters, %s allows %d",
			ErrNameTooLong, name, n, s.info, max))
	}
	if name == "" {
		return s.fail("check user name", errors.New("the user name is empty"))
	}
	return nil
}

// UserHosts returns the hosts of the accounts (not roles) named user,
// sorted; none when there is no such user. It needs SELECT on mysql.user.
func (s *Server) UserHosts(ctx context.Context, user string) ([]string, error) {
	q := "SELECT Host FROM mysql.user WHERE User = ? ORDER BY Host"
	if s.info.Flavor == MariaDB {
		q = "SELECT Host FROM mysql.user WHERE User = ? AND is_role = 'N' ORDER BY Host"
	}
	rows, err := s.db.QueryContext(ctx, q, user)
	if err != nil {
		return nil, s.fail(fmt.Sprintf("list the hosts of user %q", user), err)
	}
	defer rows.Close()
	var hosts []string
	for rows.Next() {
		var h string
		if err := rows.Scan(&h); err != nil {
			return nil, s.fail(fmt.Sprintf("list the hosts of user %q", user), err)
		}
		hosts = append(hosts, h)
	}
	if err := rows.Err(); err != nil {
		return nil, s.fail(fmt.Sprintf("list the hosts of user %q", user), err)
	}
	return hosts, nil
}

// AccountExists reports whether 'user'@'host' exists (exactly that host,
// no wildcard matching). It needs SELECT on mysql.user.
func (s *Server) AccountExists(ctx context.Context, a Account) (bool, error) {
	var n int
	err := s.db.QueryRowContext(ctx, "SELECT COUNT(*) FROM mysql.user WHERE User = ? AND Host = ?", a.User, a.Host).Scan(&n)
	if err != nil {
		return false, s.fail("look up account "+a.String(), err)
	}
	return n > 0, nil
}

// CreateAccount creates a with password and no privileges. It needs CREATE
// USER. An account that exists is an error.
func (s *Server) CreateAccount(ctx context.Context, a Account, password string) error {
	if err := s.CheckUserName(a.User); err != nil {
		return err
	}
	return s.exec(ctx, "create account "+a.String(), "CREATE USER ?@? IDENTIFIED BY ?",
		[]any{a.User, a.Host, password}, password)
}

// DropAccount drops a if it exists. It needs CREATE USER.
func (s *Server) DropAccount(ctx context.Context, a Account) error {
	return s.exec(ctx, "drop account "+a.String(), "DROP USER IF EXISTS ?@?", []any{a.User, a.Host})
}

// SetPassword makes password a's only password, replacing every other way
// to log in as a (MariaDB's OR'ed methods, MySQL's secondary password is
// kept by MySQL until DISCARD OLD PASSWORD). It needs CREATE USER. A
// missing account wraps ErrNoSuchAccount.
func (s *Server) SetPassword(ctx context.Context, a Account, password string) error {
	err := s.exec(ctx, "set the password of "+a.String(), "ALTER USER ?@? IDENTIFIED BY ?",
		[]any{a.User, a.Host, password}, password)
	return noSuchAccount(err)
}

// noSuchAccount adds ErrNoSuchAccount to the error of an ALTER USER that
// failed because the account is missing (error 1396).
func noSuchAccount(err error) error {
	var e *Error
	if errors.As(err, &e) && e.Kind == nil && mysqlErrorNumber(err) == erCannotUser {
		e.Kind = ErrNoSuchAccount
	}
	return err
}

// SetDualPassword gives a the password pending while current stays valid,
// acting as an administrator on another account. Any older password stops
// working.
//
// MariaDB (10.4+):
//
//	ALTER USER 'u'@'h' IDENTIFIED VIA mysql_native_password USING PASSWORD('current')
//	                               OR mysql_native_password USING PASSWORD('pending')
//
// MySQL (8.0.14+), where current must be a's password at the time:
//
//	ALTER USER 'u'@'h' IDENTIFIED BY 'pending' RETAIN CURRENT PASSWORD
//
// On MySQL the statement is not idempotent (a second call retains pending
// and drops current); callers first check whether pending logs in. It
// needs CREATE USER. Servers without dual passwords wrap ErrUnsupported.
func (s *Server) SetDualPassword(ctx context.Context, a Account, current, pending string) error {
	if !s.info.DualPasswords() {
		return s.fail("set two passwords for "+a.String(), fmt.Errorf("%w: %s has no dual passwords", ErrUnsupported, s.info))
	}
	op := "set two passwords for " + a.String()
	var err error
	if s.info.Flavor == MariaDB {
		err = s.exec(ctx, op, mariaDBDualPassword, []any{a.User, a.Host, current, pending}, current, pending)
	} else {
		err = s.exec(ctx, op, "ALTER USER ?@? IDENTIFIED BY ? RETAIN CURRENT PASSWORD",
			[]any{a.User, a.Host, pending}, current, pending)
	}
	return noSuchAccount(err)
}

const mariaDBDualPassword = "ALTER USER ?@? IDENTIFIED VIA mysql_native_password USING PASSWORD(?) OR mysql_native_password USING PASSWORD(?)"

// DiscardOldPassword leaves a with current as its only password: on MySQL
// ALTER USER ... DISCARD OLD PASSWORD (current is not needed), on MariaDB
// ALTER USER ... IDENTIFIED BY current. It needs CREATE USER.
func (s *Server) DiscardOldPassword(ctx context.Context, a Account, current string) error {
	if s.info.Flavor == MariaDB {
		return s.SetPassword(ctx, a, current)
	}
	err := s.exec(ctx, "discard the old password of "+a.String(), "ALTER USER ?@? DISCARD OLD PASSWORD",
		[]any{a.User, a.Host})
	return noSuchAccount(err)
}

// CurrentAccount returns the account the connection authenticated as,
// CURRENT_USER().
func (s *Server) CurrentAccount(ctx context.Context) (Account, error) {
	var cu string
	if err := s.db.QueryRowContext(ctx, "SELECT CURRENT_USER()").Scan(&cu); err != nil {
		return Account{}, s.fail("read CURRENT_USER()", err)
	}
	a, err := parseAccount(cu)
	if err != nil {
		return Account{}, s.fail("read CURRENT_USER()", err)
	}
	return a, nil
}

// PasswordChange tells what ChangeOwnPassword achieved.
type PasswordChange int

const (
	// BothValid: the current password and the new one both log in; any
	// older one stopped working.
	BothValid PasswordChange = iota + 1
	// OnlyNewValid: the account lacks the privilege for two passwords, so
	// the new password replaced the current one, which stopped working.
	OnlyNewValid
)

func (c PasswordChange) String() string {
	switch c {
	case BothValid:
		return "both the current and the new password log in"
	case OnlyNewValid:
		return "only the new password logs in"
	}
	return "no change"
}

// ChangeOwnPassword changes the logged-in account's password from current
// (the one it logged in with) to pending, keeping current valid where the
// server and the account's privileges allow it.
//
// MariaDB: a user may run ALTER USER only with the global CREATE USER
// privilege (or UPDATE on the mysql database), even on itself, and ALTER
// USER CURRENT_USER() is accepted but changes nothing (MariaDB 10.11), so
// the account is named explicitly:
//
//	ALTER USER 'u'@'h' IDENTIFIED VIA mysql_native_password USING PASSWORD('current')
//	                               OR mysql_native_password USING PASSWORD('pending')
//
// Without that privilege only SET PASSWORD = PASSWORD('pending') is
// allowed; it replaces the first method only, so when the account has two
// methods it is refused here, as the second would stay valid for good.
//
// MySQL 8.0.14+: ALTER USER CURRENT_USER() IDENTIFIED BY 'pending' REPLACE
// 'current' RETAIN CURRENT PASSWORD, which needs APPLICATION_PASSWORD_ADMIN;
// without it, the same without RETAIN CURRENT PASSWORD.
func (s *Server) ChangeOwnPassword(ctx context.Context, current, pending string) (PasswordChange, error) {
	if s.info.Flavor == MariaDB {
		return s.changeOwnPasswordMariaDB(ctx, current, pending)
	}
	return s.changeOwnPasswordMySQL(ctx, current, pending)
}

func (s *Server) changeOwnPasswordMariaDB(ctx context.Context, current, pending string) (PasswordChange, error) {
	me, err := s.CurrentAccount(ctx)
	if err != nil {
		return 0, err
	}
	op := "change own password of " + me.String()
	if s.info.DualPasswords() {
		err := s.exec(ctx, op, mariaDBDualPassword, []any{me.User, me.Host, current, pending}, current, pending)
		if err == nil {
			return BothValid, nil
		}
		if !errors.Is(err, ErrNotPermitted) {
			return 0, err
		}
		// Not allowed to keep two passwords: one then, but only if the
		// account has a single way to log in, which SET PASSWORD replaces.
		var create string
		if err := s.db.QueryRowContext(ctx, "SHOW CREATE USER ?@?", me.User, me.Host).Scan(&create); err == nil {
			g, err := ParseGrants(nil, create)
			if err == nil && len(g.AuthMethods) > 1 {
				return 0, s.fail(op, fmt.Errorf("%w: the account has %d authentication methods and lacks the CREATE USER privilege; "+
					"SET PASSWORD would replace only the first and leave the others valid, so an administrator must reset it",
					ErrNotPermitted, len(g.AuthMethods)))
			}
		}
	}
	if err := s.exec(ctx, op, "SET PASSWORD = PASSWORD(?)", []any{pending}, current, pending); err != nil {
		return 0, err
	}
	return OnlyNewValid, nil
}

func (s *Server) changeOwnPasswordMySQL(ctx context.Context, current, pending string) (PasswordChange, error) {
	op := "change own password"
	switch {
	case s.info.DualPasswords():
		err := s.exec(ctx, op, "ALTER USER CURRENT_USER() IDENTIFIED BY ? REPLACE ? RETAIN CURRENT PASSWORD",
			[]any{pending, current}, current, pending)
		if err == nil {
			return BothValid, nil
		}
		if !errors.Is(err, ErrNotPermitted) {
			return 0, err
		}
		fallthrough
	case s.info.Version.AtLeast(8, 0, 13):
		if err := s.exec(ctx, op, "ALTER USER CURRENT_USER() IDENTIFIED BY ? REPLACE ?",
			[]any{pending, current}, current, pending); err != nil {
			return 0, err
		}
	default:
		if err := s.exec(ctx, op, "ALTER USER CURRENT_USER() IDENTIFIED BY ?", []any{pending}, current, pending); err != nil {
			return 0, err
		}
	}
	return OnlyNewValid, nil
}
