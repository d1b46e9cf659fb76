// Package mysqlrotator rotates MySQL and MariaDB passwords for the rotation
// engine, with AWS's two strategies: SingleUser changes one user's password,
// AlternatingUsers switches between a user and its clone so that the login
// applications use is never touched. Values are the credentials documents
// of mysqladmin.Credentials. docs/rotation-mysql.md lists every statement
// each one runs, on MariaDB and on MySQL 8.
package mysqlrotator

import (
	"context"
	"errors"
	"fmt"
	"log/slog"

	"github.com/dbwarden/dbwarden/internal/mysqladmin"
	"github.com/dbwarden/dbwarden/internal/rotation"
	"github.com/dbwarden/dbwarden/internal/secret"
)

// ExcludedPasswordCharacters are left out of generated passwords: they
// break connection strings, shell commands and configuration files. The
// space is left out too (PasswordSpec.IncludeSpace is false).
const ExcludedPasswordCharacters = `/@"'\`

// DefaultPasswordSpec returns the spec passwords are generated with unless a
// rotator sets its own: 32 characters of every class, without
// ExcludedPasswordCharacters and the space.
func DefaultPasswordSpec() secret.PasswordSpec {
	spec := secret.DefaultPasswordSpec()
	spec.ExcludeCharacters = ExcludedPasswordCharacters
	return spec
}

var (
	_ rotation.Rotator = (*SingleUser)(nil)
	_ rotation.Rotator = (*AlternatingUsers)(nil)
)

// ErrBadValue means a secret value does not fit the strategy: a pending
// value for another user or server, or an alternating-users value without
// masterarn.
var ErrBadValue = errors.New("value does not fit the rotation strategy")

// Options configure both strategies; the zero value is ready to use:
//
//	r := &mysqlrotator.AlternatingUsers{Options: mysqlrotator.Options{Logger: logger}}
type Options struct {
	// Dialer sets connection timeouts; the zero value uses mysqladmin's.
	Dialer mysqladmin.Dialer
	// PasswordSpec, when not nil, replaces DefaultPasswordSpec.
	PasswordSpec *secret.PasswordSpec
	// Logger receives one line per password change, without secrets; nil
	// logs nothing.
	Logger *slog.Logger

	// hook, when set by a test, runs at named points of Set, such as
	// between two statements, to stop the server there.
	hook func(point string)
}

func (c *Options) at(ctx context.Context, point string) {
	if c.hook != nil {
		c.hook(point)
	}
	rotation.Checkpoint(ctx, "setSecret:"+point)
}

func (c *Options) newPassword() (string, error) {
	spec := DefaultPasswordSpec()
	if c.PasswordSpec != nil {
		spec = *c.PasswordSpec
	}
	return secret.GeneratePassword(spec)
}

func (c *Options) log(ctx context.Context, msg string, args ...any) {
	if c.Logger != nil {
		c.Logger.With("component", "rotation").InfoContext(ctx, msg, args...)
	}
}

// parse reads a value, naming which one in the error.
func parse(which, value string) (mysqladmin.Credentials, error) {
	c, err := mysqladmin.ParseCredentials([]byte(value))
	if err != nil {
		return c, fmt.Errorf("%s value: %w", which, err)
	}
	return c, nil
}

// sameServer checks that pending points where current does.
func sameServer(cur, pend mysqladmin.Credentials) error {
	if cur.Host != pend.Host || cur.Port != pend.Port {
		return fmt.Errorf("%w: the pending value is for %s, the current one for %s", ErrBadValue, pend.Addr(), cur.Addr())
	}
	return nil
}

// tryLogin logs in with c and runs SELECT 1.
func (c *Options) tryLogin(ctx context.Context, creds mysqladmin.Credentials) error {
	s, err := c.Dialer.Connect(ctx, creds)
	if err != nil {
		return err
	}
	defer s.Close()
	return s.Ping(ctx)
}

// pendingWorks reports whether pending already logs in. An error other than
// a refused login (the server is down, TLS fails) is returned: nothing can be
// set then.
func (c *Options) pendingWorks(ctx context.Context, pend mysqladmin.Credentials) (bool, error) {
	err := c.tryLogin(ctx, pend)
	switch {
	case err == nil:
		return true, nil
	case errors.Is(err, mysqladmin.ErrAccessDenied):
		return false, nil
	}
	return false, fmt.Errorf("check whether the pending password works: %w", err)
}

// test is the Test step of both strategies.
func (c *Options) test(ctx context.Context, pending string) error {
	pend, err := parse("pending", pending)
	if err != nil {
		return err
	}
	if err := c.tryLogin(ctx, pend); err != nil {
		return fmt.Errorf("log in with the pending value: %w", err)
	}
	return nil
}
