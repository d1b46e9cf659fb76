package mysqlrotator

import (
	"context"
	"fmt"

	"github.com/dbwarden/dbwarden/internal/mysqladmin"
	"github.com/dbwarden/dbwarden/internal/rotation"
)

// SingleUser rotates the password of the user a value names, logged in as
// that user. Set leaves the current and the pending password both valid
// where the server allows it, so applications still holding the current
// one keep logging in until they read the new one; the password before
// the current one stops working then.
//
// On MariaDB that needs the user to hold the global CREATE USER privilege
// (MariaDB lets no one ALTER USER, not even itself, without it). A user
// without it gets SET PASSWORD, which replaces the current password at once.
// With ViaMaster, the master account named by the value's masterarn does the
// change instead, which keeps both passwords valid for any user.
type SingleUser struct {
	Options
	// ViaMaster has the master credentials of the value's masterarn set
	// the password (two valid at once) rather than the user itself. A
	// value without masterarn is rotated by the user as usual.
	ViaMaster bool
}

// NewPending returns current with a new password.
func (r *SingleUser) NewPending(ctx context.Context, current string) (string, error) {
	cur, err := parse("current", current)
	if err != nil {
		return "", fmt.Errorf("single user: new pending: %w", err)
	}
	pw, err := r.newPassword()
	if err != nil {
		return "", fmt.Errorf("single user: new pending: %w", err)
	}
	out, err := cur.WithLogin(cur.Username, pw).JSON()
	if err != nil {
		return "", fmt.Errorf("single user: new pending: %w", err)
	}
	return string(out), nil
}

// Set makes the pending password log in; see SingleUser. It does nothing
// when it already does.
func (r *SingleUser) Set(ctx context.Context, in rotation.SetInput) error {
	if err := r.set(ctx, in); err != nil {
		return fmt.Errorf("single user: set: %w", err)
	}
	return nil
}

func (r *SingleUser) set(ctx context.Context, in rotation.SetInput) error {
	cur, err := parse("current", in.Current)
	if err != nil {
		return err
	}
	pend, err := parse("pending", in.Pending)
	if err != nil {
		return err
	}
	if pend.Username != cur.Username {
		return fmt.Errorf("%w: the pending value is for user %q, the current one for %q; single-user rotation keeps the user",
			ErrBadValue, pend.Username, cur.Username)
	}
	if err := sameServer(cur, pend); err != nil {
		return err
	}
	if ok, err := r.pendingWorks(ctx, pend); err != nil || ok {
		return err
	}

	var change mysqladmin.PasswordChange
	if r.ViaMaster && pend.MasterARN != "" {
		if err := r.setViaMaster(ctx, in, cur, pend); err != nil {
			return err
		}
		change = mysqladmin.BothValid
	} else {
		s, err := r.Dialer.Connect(ctx, cur)
		if err != nil {
			return fmt.Errorf("log in with the current value: %w", err)
		}
		defer s.Close()
		r.at(ctx, "logged in")
		if change, err = s.ChangeOwnPassword(ctx, cur.Password, pend.Password); err != nil {
			return err
		}
	}
	if err := r.tryLogin(ctx, pend); err != nil {
		return fmt.Errorf("the pending password does not log in after it was set: %w", err)
	}
	r.log(ctx, "mysql password set", "strategy", "single_user", "user", pend.Username, "addr", pend.Addr(),
		"result", change.String())
	return nil
}

// setViaMaster sets both passwords on every account of the user, as the
// master.
func (r *SingleUser) setViaMaster(ctx context.Context, in rotation.SetInput, cur, pend mysqladmin.Credentials) error {
	s, err := connectMaster(ctx, r.Dialer, in.Secrets, pend.MasterARN, cur)
	if err != nil {
		return err
	}
	defer s.Close()
	hosts, err := userHosts(ctx, s, cur.Username)
	if err != nil {
		return err
	}
	for _, h := range hosts {
		if err := s.SetDualPassword(ctx, mysqladmin.Account{User: cur.Username, Host: h}, cur.Password, pend.Password); err != nil {
			return err
		}
		r.at(ctx, "password set")
	}
	return nil
}

// Test logs in with the pending value and runs SELECT 1.
func (r *SingleUser) Test(ctx context.Context, pending string) error {
	if err := r.test(ctx, pending); err != nil {
		return fmt.Errorf("single user: test: %w", err)
	}
	return nil
}
