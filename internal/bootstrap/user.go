package bootstrap

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"

	"github.com/dbwarden/dbwarden/internal/mysqladmin"
	"github.com/dbwarden/dbwarden/internal/rotation/mysqlrotator"
	"github.com/dbwarden/dbwarden/internal/secret"
	"github.com/dbwarden/dbwarden/internal/store"
)

// This file does the work for one user: its secret, account, grants,
// rotation, and the proof that it logs in with no more than its role.

// setUp creates or repairs one user's secret, account, grants and rotation.
func (r *run) setUp(ctx context.Context, p *plan, adminARN string) error {
	rep := p.report
	rep.Action = Unchanged
	var secretCreated, accountCreated bool
	note := func(created bool, format string, args ...any) {
		line := fmt.Sprintf(format, args...)
		rep.Changes = append(rep.Changes, line)
		r.progress("user %s: %s", p.user.Name, line)
		switch {
		case created:
			rep.Action = Created
		case rep.Action != Created:
			rep.Action = Repaired
		}
	}

	// The secret first: an account is never given a password that is not
	// stored.
	if p.creds == nil {
		c, arn, err := r.createSecret(ctx, p, adminARN)
		if err != nil {
			return err
		}
		p.creds, p.secretARN, rep.SecretARN = c, arn, arn
		secretCreated = true
		note(true, "created secret %s", p.secretName)
	}

	s := r.server
	if !p.accountOK {
		if err := s.CreateAccount(ctx, p.account, p.creds.Password); err != nil {
			return err
		}
		p.accountOK, accountCreated = true, true
		note(true, "created account %s", p.account)
	} else {
		works, err := r.passwordWorks(ctx, p)
		if err != nil {
			return err
		}
		if !works {
			if err := s.SetPassword(ctx, p.account, p.creds.Password); err != nil {
				return err
			}
			note(secretCreated, "set the password of %s to the secret's: it did not log in", p.account)
		}
	}

	diff, err := r.syncGrants(ctx, p)
	if err != nil {
		return err
	}
	switch {
	case len(diff) == 0:
	case accountCreated:
		note(true, "granted %s", rep.Privileges)
	default:
		for _, d := range diff {
			note(false, "fixed grants: %s", d)
		}
	}

	d, err := r.secrets.DescribeSecret(ctx, &store.DescribeSecretInput{SecretId: p.secretARN})
	if err != nil {
		return fmt.Errorf("describe secret %q: %w", p.secretName, err)
	}
	if !r.rotationConfigured(d) {
		sched, no := r.opts.Schedule, false
		if _, err := r.secrets.RotateSecret(ctx, &store.RotateSecretInput{
			SecretId:          p.secretARN,
			RotationLambdaARN: r.opts.Rotator,
			RotationRules:     &secret.RotationRules{ScheduleExpression: &sched},
			RotateImmediately: &no,
		}); err != nil {
			return fmt.Errorf("turn on rotation of secret %q: %w", p.secretName, err)
		}
		note(secretCreated, "rotation on: %s with %s", r.opts.Schedule, r.opts.Rotator)
	}
	if rep.Action == Unchanged {
		r.progress("user %s: unchanged (secret, account, grants and rotation as they should be)", p.user.Name)
	}
	return nil
}

// syncGrants makes the grants of p's account exactly its role's, and
// returns how they differed before (none when they were right).
func (r *run) syncGrants(ctx context.Context, p *plan) ([]string, error) {
	s := r.server
	have, err := s.Grants(ctx, p.account)
	if err != nil {
		return nil, err
	}
	want := wantGrants(p.user.Role, r.opts.Database, have)
	diff := mysqladmin.Diff(want, have)
	if len(diff) == 0 {
		return nil, nil
	}
	for _, st := range mysqladmin.PlanGrantSync(s.Info(), want, have, p.account) {
		if _, err := s.DB().ExecContext(ctx, st.SQL, st.Args...); err != nil {
			return nil, fmt.Errorf("set the grants of %s: %s: %w", p.account, st.SQL, err)
		}
	}
	if have, err = s.Grants(ctx, p.account); err != nil {
		return nil, err
	}
	if d := mysqladmin.Diff(want, have); len(d) > 0 {
		return nil, fmt.Errorf("set the grants of %s: still different afterwards: %s", p.account, strings.Join(d, "; "))
	}
	return diff, nil
}

// rotationConfigured reports whether a secret already rotates as asked.
func (r *run) rotationConfigured(d *store.DescribeSecretOutput) bool {
	if !d.RotationEnabled || d.RotationLambdaARN != r.opts.Rotator || d.RotationRules == nil {
		return false
	}
	// AWS may add the AutomaticallyAfterDays a rate() stands for; the
	// expression is what counts.
	rules := d.RotationRules
	return rules.ScheduleExpression != nil && *rules.ScheduleExpression == r.opts.Schedule && rules.Duration == nil
}

// createSecret stores a new credentials document for p's user with a
// generated password.
func (r *run) createSecret(ctx context.Context, p *plan, adminARN string) (*mysqladmin.Credentials, string, error) {
	pw, err := secret.GeneratePassword(mysqlrotator.DefaultPasswordSpec())
	if err != nil {
		return nil, "", fmt.Errorf("generate a password for %q: %w", p.user.Name, err)
	}
	doc, err := r.credentialDocument(p.user.Name, pw, adminARN)
	if err != nil {
		return nil, "", err
	}
	c, err := mysqladmin.ParseCredentials(doc)
	if err != nil {
		return nil, "", fmt.Errorf("credentials of %q: %w", p.user.Name, err)
	}
	value := string(doc)
	out, err := r.secrets.CreateSecret(ctx, &store.CreateSecretInput{
		Name:         p.secretName,
		Description:  fmt.Sprintf("MySQL account %s on database %s (dbwarden db init, role %s)", p.account, r.opts.Database, p.user.Role),
		SecretString: &value,
	})
	if err != nil {
		return nil, "", fmt.Errorf("create secret %q: %w", p.secretName, err)
	}
	return &c, out.ARN, nil
}

// credentialDocument is the SecretString of a user's secret: the admin's
// server, engine and TLS settings, the user's login, the database, and the
// admin secret as masterarn.
func (r *run) credentialDocument(user, password, adminARN string) ([]byte, error) {
	doc := struct {
		Engine    string `json:"engine"`
		Host      string `json:"host"`
		Port      int    `json:"port"`
		Username  string `json:"username"`
		Password  string `json:"password"`
		DBName    string `json:"dbname"`
		MasterARN string `json:"masterarn"`
		SSL       *bool  `json:"ssl,omitempty"`
		SSLCA     string `json:"ssl_ca,omitempty"`
	}{
		Engine: r.admin.Engine, Host: r.admin.Host, Port: r.admin.Port,
		Username: user, Password: password, DBName: r.opts.Database, MasterARN: adminARN,
		SSLCA: r.admin.SSLCA,
	}
	if r.admin.SSL || r.admin.SSLCA != "" {
		ssl := r.admin.SSL
		doc.SSL = &ssl
	}
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(doc); err != nil {
		return nil, fmt.Errorf("encode the credentials of %q", user)
	}
	return bytes.TrimSuffix(buf.Bytes(), []byte("\n")), nil
}

// passwordWorks reports whether the secret's password logs in to p's
// account. A refused login means it does not; any other failure is an
// error, and so is a login that lands on another account (a more specific
// host of the same user matches first).
func (r *run) passwordWorks(ctx context.Context, p *plan) (bool, error) {
	c := *p.creds
	c.DBName = ""
	s, err := r.opts.Dialer.Connect(ctx, c)
	switch {
	case errors.Is(err, mysqladmin.ErrAccessDenied):
		return false, nil
	case err != nil:
		return false, fmt.Errorf("log in as %q to check its password: %w", p.user.Name, err)
	}
	defer s.Close()
	me, err := s.CurrentAccount(ctx)
	if err != nil {
		return false, err
	}
	if me != p.account {
		return false, fmt.Errorf("%w: logging in as %q from here is account %s, not %s: remove %s or use --host %s",
			ErrVerify, p.user.Name, me, p.account, me, me.Host)
	}
	return true, nil
}

// verify logs in as p's user, runs a query on the database and checks the
// user's own SHOW GRANTS.
func (r *run) verify(ctx context.Context, p *plan) error {
	c := *p.creds
	c.DBName = r.opts.Database
	s, err := r.opts.Dialer.Connect(ctx, c)
	if err != nil {
		hint := ""
		if errors.Is(err, mysqladmin.ErrAccessDenied) && r.opts.Host != DefaultHost {
			hint = fmt.Sprintf(" (the account's host %q must match this machine as the server sees it)", r.opts.Host)
		}
		return fmt.Errorf("%w: log in as %q with secret %q%s: %w", ErrVerify, p.user.Name, p.secretName, hint, err)
	}
	defer s.Close()
	me, err := s.CurrentAccount(ctx)
	if err != nil {
		return fmt.Errorf("%w: %w", ErrVerify, err)
	}
	if me != p.account {
		return fmt.Errorf("%w: logging in as %q is account %s, not %s", ErrVerify, p.user.Name, me, p.account)
	}
	var db string
	if err := s.DB().QueryRowContext(ctx, "SELECT DATABASE()").Scan(&db); err != nil {
		return fmt.Errorf("%w: %q cannot query database %q: %w", ErrVerify, p.user.Name, r.opts.Database, err)
	}
	if db != r.opts.Database {
		return fmt.Errorf("%w: logged in as %q to database %q, the session is in %q", ErrVerify, p.user.Name, r.opts.Database, db)
	}
	g, err := showGrants(ctx, s, "SHOW GRANTS")
	if err != nil {
		return fmt.Errorf("%w: %w", ErrVerify, err)
	}
	if global := globalPrivileges(g); len(global) > 0 {
		return fmt.Errorf("%w: %q holds global privileges: %s", ErrVerify, p.user.Name, strings.Join(global, ", "))
	}
	if !holdsRole(g, p.user.Role, r.opts.Database) {
		return fmt.Errorf("%w: %q does not hold %s", ErrVerify, p.user.Name, p.report.Privileges)
	}
	r.progress("user %s: logged in, queried %s, no global privilege", p.user.Name, r.opts.Database)
	return nil
}

// holdsRole reports whether g holds exactly the role's privileges on db.
func holdsRole(g mysqladmin.Grants, role Role, db string) bool {
	want := wantGrants(role, db, mysqladmin.Grants{}).Objects[0]
	one := func(o mysqladmin.ObjectGrant) mysqladmin.Grants {
		return mysqladmin.Grants{Objects: []mysqladmin.ObjectGrant{o}}
	}
	for _, og := range g.Objects {
		if og.Object == want.Object {
			return len(mysqladmin.Diff(one(want), one(og))) == 0
		}
	}
	return false
}
