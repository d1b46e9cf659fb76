package mysqlrotator

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/dbwarden/dbwarden/internal/mysqladmin"
	"github.com/dbwarden/dbwarden/internal/rotation"
)

// CloneSuffix makes the clone's name from the base user's, as AWS's
// alternating-users rotation does.
const CloneSuffix = "_clone"

// AlternatingUsers rotates between a base user and its clone, <base>_clone.
// Each rotation gives the user that is not current a new password and the
// same grants as the current one, using the master credentials the value's
// masterarn names; the current user, which applications are logged in with,
// is never touched, so no login fails during a rotation. The password of the
// user before stops working when it is set again, one rotation later.
type AlternatingUsers struct {
	Options
}

// OtherUser returns the name a rotation switches to: the base user's for a
// clone, the clone's for a base user.
func OtherUser(name string) string {
	if base, ok := strings.CutSuffix(name, CloneSuffix); ok && base != "" {
		return base
	}
	return name + CloneSuffix
}

// NewPending returns current with the other user's name and a new password.
func (r *AlternatingUsers) NewPending(ctx context.Context, current string) (string, error) {
	out, err := r.newPending(current)
	if err != nil {
		return "", fmt.Errorf("alternating users: new pending: %w", err)
	}
	return out, nil
}

func (r *AlternatingUsers) newPending(current string) (string, error) {
	cur, err := parse("current", current)
	if err != nil {
		return "", err
	}
	if cur.MasterARN == "" {
		return "", fmt.Errorf("%w: the value has no masterarn; alternating users need the master secret to create the clone", ErrBadValue)
	}
	other := OtherUser(cur.Username)
	if n, max := utf8.RuneCountInString(other), mysqladmin.MaxUserNameLengthForEngine(cur.Engine); n > max {
		return "", fmt.Errorf("%w: the other user's name %q has %d characters, more than the %d that engine %q allows; shorten user %q",
			mysqladmin.ErrNameTooLong, other, n, max, cur.Engine, cur.Username)
	}
	pw, err := r.newPassword()
	if err != nil {
		return "", err
	}
	out, err := cur.WithLogin(other, pw).JSON()
	if err != nil {
		return "", err
	}
	return string(out), nil
}

// Set makes the pending user log in with the pending password and hold the
// current user's grants, created when missing; see AlternatingUsers. It does
// nothing when the pending value already logs in: the password is set last,
// after the grants.
func (r *AlternatingUsers) Set(ctx context.Context, in rotation.SetInput) error {
	if err := r.set(ctx, in); err != nil {
		return fmt.Errorf("alternating users: set: %w", err)
	}
	return nil
}

func (r *AlternatingUsers) set(ctx context.Context, in rotation.SetInput) error {
	cur, err := parse("current", in.Current)
	if err != nil {
		return err
	}
	pend, err := parse("pending", in.Pending)
	if err != nil {
		return err
	}
	if pend.MasterARN == "" {
		return fmt.Errorf("%w: the pending value has no masterarn", ErrBadValue)
	}
	if pend.Username != OtherUser(cur.Username) {
		return fmt.Errorf("%w: the pending value is for user %q; after %q it must be %q",
			ErrBadValue, pend.Username, cur.Username, OtherUser(cur.Username))
	}
	if err := sameServer(cur, pend); err != nil {
		return err
	}
	if ok, err := r.pendingWorks(ctx, pend); err != nil || ok {
		return err
	}

	s, err := connectMaster(ctx, r.Dialer, in.Secrets, pend.MasterARN, cur)
	if err != nil {
		return err
	}
	defer s.Close()
	if err := s.CheckUserName(pend.Username); err != nil {
		return err
	}
	hosts, err := userHosts(ctx, s, cur.Username)
	if err != nil {
		return err
	}
	have, err := s.UserHosts(ctx, pend.Username)
	if err != nil {
		return err
	}
	for _, h := range hosts {
		src := mysqladmin.Account{User: cur.Username, Host: h}
		dst := mysqladmin.Account{User: pend.Username, Host: h}
		if !slices.Contains(have, h) {
			// Created with a password no one knows: the pending one is
			// set last, once the grants are right, so that a pending value
			// that logs in always has them.
			throwaway, err := r.newPassword()
			if err != nil {
				return err
			}
			if err := s.CreateAccount(ctx, dst, throwaway); err != nil {
				return err
			}
		}
		r.at(ctx, "account ready")
		if err := s.SyncGrants(ctx, src, dst); err != nil {
			return err
		}
	}
	r.at(ctx, "grants synced")
	// Every account of the pending user gets the password, those the
	// current user lacks too. Where the server holds two passwords, the
	// pending user's last one (AWSPREVIOUS's, which applications may
	// still hold) stays valid beside the new one, and the current user
	// is left with its current password alone: after Set, the previous,
	// current and pending values log in, and nothing older does.
	prevPassword := ""
	if prev, err := parse("previous", in.Previous); err == nil && prev.Username == pend.Username && s.Info().DualPasswords() {
		prevPassword = prev.Password
	}
	all := slices.Compact(slices.Sorted(slices.Values(append(slices.Clone(hosts), have...))))
	for _, h := range all {
		a := mysqladmin.Account{User: pend.Username, Host: h}
		if prevPassword != "" && slices.Contains(have, h) {
			err = s.SetDualPassword(ctx, a, prevPassword, pend.Password)
		} else {
			err = s.SetPassword(ctx, a, pend.Password)
		}
		if err != nil {
			return err
		}
	}
	r.at(ctx, "password set")
	if prevPassword != "" {
		for _, h := range hosts {
			if err := s.SetPassword(ctx, mysqladmin.Account{User: cur.Username, Host: h}, cur.Password); err != nil {
				return err
			}
		}
	}
	if err := r.tryLogin(ctx, pend); err != nil {
		return fmt.Errorf("the pending value does not log in after it was set: %w", err)
	}
	r.log(ctx, "mysql password set", "strategy", "alternating_users", "user", pend.Username, "addr", pend.Addr(),
		"grants_from", cur.Username, "hosts", len(hosts))
	return nil
}

// Test logs in with the pending value and runs SELECT 1.
func (r *AlternatingUsers) Test(ctx context.Context, pending string) error {
	if err := r.test(ctx, pending); err != nil {
		return fmt.Errorf("alternating users: test: %w", err)
	}
	return nil
}

// connectMaster reads the master secret and logs in with it on the server
// user points at: the master's user name and password, user's host, port
// and TLS settings (TLS if either asks for it).
func connectMaster(ctx context.Context, d mysqladmin.Dialer, secrets rotation.SecretReader, masterARN string, user mysqladmin.Credentials) (*mysqladmin.Server, error) {
	if secrets == nil {
		return nil, fmt.Errorf("read master secret %q: no secret reader was given", masterARN)
	}
	value, err := secrets.CurrentValue(ctx, masterARN)
	if err != nil {
		return nil, fmt.Errorf("read master secret %q: %w", masterARN, err)
	}
	master, err := mysqladmin.ParseCredentials([]byte(value))
	if err != nil {
		return nil, fmt.Errorf("master secret %q: %w", masterARN, err)
	}
	login := user.WithLogin(master.Username, master.Password)
	login.DBName = ""
	login.SSL = user.SSL || master.SSL
	if login.SSLCA == "" {
		login.SSLCA = master.SSLCA
	}
	s, err := d.Connect(ctx, login)
	if err != nil {
		return nil, fmt.Errorf("log in with master secret %q: %w", masterARN, err)
	}
	return s, nil
}

// userHosts returns the hosts of user's accounts; none is an error naming
// the user and the server.
func userHosts(ctx context.Context, s *mysqladmin.Server, user string) ([]string, error) {
	hosts, err := s.UserHosts(ctx, user)
	if err != nil {
		return nil, err
	}
	if len(hosts) == 0 {
		return nil, fmt.Errorf("%w: user %q has no account on %s", mysqladmin.ErrNoSuchAccount, user, s.Addr())
	}
	return hosts, nil
}
