package mysqlrotator

import (
	"bytes"
	"encoding/json"
	"errors"
	"log/slog"
	"strings"
	"testing"

	"github.com/dbwarden/dbwarden/internal/mysqladmin"
	"github.com/dbwarden/dbwarden/internal/rotation"
)

func TestSingleUser(t *testing.T) {
	f := newFixture(t)

	rotations := func(t *testing.T, r *SingleUser, current string, bothValid bool) {
		t.Helper()
		user := parseValue(t, current).Username
		previous := ""
		for i := range 4 {
			pending := f.rotate(t, r, current, previous)
			checkPendingShape(t, current, pending, user)
			mustLogin(t, pending, "the pending value")
			if bothValid {
				mustLogin(t, current, "the current value after Set")
			} else {
				mustNotLogin(t, current, "the current value after Set, without CREATE USER")
			}
			if previous != "" {
				mustNotLogin(t, previous, "the value of the rotation before")
			}
			if i == 0 && testing.Verbose() {
				t.Logf("rotation %d of user %q done", i+1, user)
			}
			previous, current = current, pending
		}
	}

	t.Run("with CREATE USER the current password keeps working and the one before stops", func(t *testing.T) {
		a := mysqladmin.Account{User: uniqueName("single"), Host: "%"}
		f.createAccount(t, a, "first-pw", "GRANT CREATE USER ON *.* TO ?@?")
		rotations(t, &SingleUser{}, f.value(a.User, "first-pw", nil), true)
	})

	t.Run("without CREATE USER the new password replaces the current one at Set", func(t *testing.T) {
		a := mysqladmin.Account{User: uniqueName("plain"), Host: "%"}
		f.createAccount(t, a, "first-pw")
		rotations(t, &SingleUser{}, f.value(a.User, "first-pw", nil), false)
	})

	t.Run("via the master both passwords work for a user without CREATE USER", func(t *testing.T) {
		a := mysqladmin.Account{User: uniqueName("viamaster"), Host: "%"}
		f.createAccount(t, a, "first-pw")
		rotations(t, &SingleUser{ViaMaster: true}, f.value(a.User, "first-pw", map[string]any{"masterarn": f.masterARN}), true)
	})

	t.Run("user names and passwords with ' # ; \\ and \" rotate", func(t *testing.T) {
		a := mysqladmin.Account{User: uniqueName(specialUser), Host: "%"}
		f.createAccount(t, a, specialPassword, "GRANT CREATE USER ON *.* TO ?@?")
		rotations(t, &SingleUser{}, f.value(a.User, specialPassword, nil), true)
	})

	t.Run("a user whose host is 127.0.0.1 rotates", func(t *testing.T) {
		a := mysqladmin.Account{User: uniqueName(specialUser), Host: "127.0.0.1"}
		f.createAccount(t, a, specialPassword, "GRANT CREATE USER ON *.* TO ?@?")
		rotations(t, &SingleUser{}, f.value(a.User, specialPassword, nil), true)
	})

	t.Run("the log line names the user and the result, never a password", func(t *testing.T) {
		a := mysqladmin.Account{User: uniqueName("logged"), Host: "%"}
		f.createAccount(t, a, specialPassword, "GRANT CREATE USER ON *.* TO ?@?")
		var buf bytes.Buffer
		r := &SingleUser{Options: Options{Logger: slog.New(slog.NewJSONHandler(&buf, nil))}}
		current := f.value(a.User, specialPassword, nil)
		pending := f.rotate(t, r, current, "")
		out := buf.String()
		if !strings.Contains(out, a.User) || !strings.Contains(out, "both the current and the new password log in") {
			t.Fatalf("got log %q, want the user and the result", out)
		}
		pw, _ := json.Marshal(parseValue(t, pending).Password)
		if strings.Contains(out, parseValue(t, pending).Password) || strings.Contains(out, string(pw)) || strings.Contains(out, "p'#;") {
			t.Fatal("the log holds a password (not shown)")
		}
	})

	t.Run("Set and Test run twice change nothing more", func(t *testing.T) {
		a := mysqladmin.Account{User: uniqueName("twice"), Host: "%"}
		f.createAccount(t, a, "first-pw", "GRANT CREATE USER ON *.* TO ?@?")
		r := &SingleUser{}
		ctx := testContext(t)
		current := f.value(a.User, "first-pw", nil)
		pending, err := r.NewPending(ctx, current)
		if err != nil {
			t.Fatal(err)
		}
		in := rotation.SetInput{Current: current, Pending: pending, Secrets: f.secrets}
		for i := range 2 {
			if err := r.Set(ctx, in); err != nil {
				t.Fatalf("Set #%d: %v", i+1, err)
			}
			if err := r.Test(ctx, pending); err != nil {
				t.Fatalf("Test #%d: %v", i+1, err)
			}
			mustLogin(t, current, "the current value")
			mustLogin(t, pending, "the pending value")
		}
	})

	t.Run("TLS required by the secret and by the account", func(t *testing.T) {
		a := mysqladmin.Account{User: uniqueName("tls"), Host: "%"}
		f.createAccount(t, a, "first-pw", "GRANT CREATE USER ON *.* TO ?@?", "ALTER USER ?@? REQUIRE SSL")
		tls := map[string]any{"ssl": true, "ssl_ca": string(f.srv.CAPEM)}
		current := f.value(a.User, "first-pw", tls)
		mustNotLogin(t, f.value(a.User, "first-pw", nil), "the account without TLS")
		pending := f.rotate(t, &SingleUser{}, current, "")
		mustLogin(t, pending, "the pending value over TLS")

		plain := parseValue(t, pending)
		plain.SSL, plain.SSLCA = false, ""
		doc, err := plain.JSON()
		if err != nil {
			t.Fatal(err)
		}
		err = (&SingleUser{}).Test(testContext(t), string(doc))
		if !errors.Is(err, mysqladmin.ErrAccessDenied) {
			t.Fatalf("Test of the pending value without TLS: got %v, want access denied", err)
		}
		assertNoSecret(t, err, plain.Password)
	})

	t.Run("a wrong current password ends Set with a clear error", func(t *testing.T) {
		a := mysqladmin.Account{User: uniqueName("wrongpw"), Host: "%"}
		f.createAccount(t, a, "first-pw")
		r := &SingleUser{}
		ctx := testContext(t)
		current := f.value(a.User, "not-the-password", nil)
		pending, err := r.NewPending(ctx, current)
		if err != nil {
			t.Fatal(err)
		}
		err = r.Set(ctx, rotation.SetInput{Current: current, Pending: pending, Secrets: f.secrets})
		if !errors.Is(err, mysqladmin.ErrAccessDenied) {
			t.Fatalf("got %v, want access denied", err)
		}
		for _, want := range []string{f.srv.Addr(), a.User, "current value"} {
			if !strings.Contains(err.Error(), want) {
				t.Errorf("got %q, want it to name %q", err, want)
			}
		}
		assertNoSecret(t, err, "not-the-password", parseValue(t, pending).Password)
	})

	t.Run("a dropped user ends Set with a clear error", func(t *testing.T) {
		a := mysqladmin.Account{User: uniqueName("dropped"), Host: "%"}
		f.createAccount(t, a, specialPassword)
		current := f.value(a.User, specialPassword, nil)
		f.exec(t, "DROP USER ?@?", a.User, a.Host)
		r := &SingleUser{}
		ctx := testContext(t)
		pending, err := r.NewPending(ctx, current)
		if err != nil {
			t.Fatal(err)
		}
		err = r.Set(ctx, rotation.SetInput{Current: current, Pending: pending, Secrets: f.secrets})
		if err == nil || !strings.Contains(err.Error(), a.User) || !strings.Contains(err.Error(), f.srv.Addr()) {
			t.Fatalf("got %v, want an error naming the user and %s", err, f.srv.Addr())
		}
		assertNoSecret(t, err, specialPassword, parseValue(t, pending).Password)
	})

	t.Run("a pending value for another user is refused", func(t *testing.T) {
		r := &SingleUser{}
		err := r.Set(testContext(t), rotation.SetInput{
			Current: f.value("alice", "pw", nil), Pending: f.value("bob", "pw2", nil), Secrets: f.secrets,
		})
		if !errors.Is(err, ErrBadValue) {
			t.Fatalf("got %v, want ErrBadValue", err)
		}
	})

	t.Run("a malformed value names the value and the field", func(t *testing.T) {
		_, err := (&SingleUser{}).NewPending(testContext(t), `{"host":"h","username":"u","password":"secret-value","port":"x"}`)
		if !errors.Is(err, mysqladmin.ErrInvalidCredentials) || !strings.Contains(err.Error(), `"port"`) || !strings.Contains(err.Error(), "current value") {
			t.Fatalf("got %v, want an invalid current value naming port", err)
		}
		assertNoSecret(t, err, "secret-value")
	})
}

// TestSingleUserServerDown stops the shared server, so it runs alone.
func TestSingleUserServerDown(t *testing.T) {
	f := newFixture(t)
	a := mysqladmin.Account{User: uniqueName("down"), Host: "%"}
	f.createAccount(t, a, "first-pw", "GRANT CREATE USER ON *.* TO ?@?")
	r := &SingleUser{}
	ctx := testContext(t)
	current := f.value(a.User, "first-pw", nil)
	pending, err := r.NewPending(ctx, current)
	if err != nil {
		t.Fatal(err)
	}
	in := rotation.SetInput{Current: current, Pending: pending, Secrets: f.secrets}

	t.Run("Set while the server is down names it and succeeds once it is back", func(t *testing.T) {
		f.srv.Stop(t)
		err := r.Set(ctx, in)
		if !errors.Is(err, mysqladmin.ErrUnreachable) || !strings.Contains(err.Error(), f.srv.Addr()) {
			t.Fatalf("got %v, want ErrUnreachable naming %s", err, f.srv.Addr())
		}
		assertNoSecret(t, err, "first-pw", parseValue(t, pending).Password)
		f.srv.Start(t)
		if err := r.Set(ctx, in); err != nil {
			t.Fatalf("Set after the restart: %v", err)
		}
	})
	t.Run("Test while the server is down names it and succeeds once it is back", func(t *testing.T) {
		f.srv.Stop(t)
		err := r.Test(ctx, pending)
		if !errors.Is(err, mysqladmin.ErrUnreachable) || !strings.Contains(err.Error(), f.srv.Addr()) {
			t.Fatalf("got %v, want ErrUnreachable naming %s", err, f.srv.Addr())
		}
		f.srv.Start(t)
		if err := r.Test(ctx, pending); err != nil {
			t.Fatalf("Test after the restart: %v", err)
		}
		mustLogin(t, current, "the current value")
	})

	t.Run("the server stopping in the middle of Set fails it, and Set succeeds once it is back", func(t *testing.T) {
		b := mysqladmin.Account{User: uniqueName("middown"), Host: "%"}
		f.createAccount(t, b, "first-pw", "GRANT CREATE USER ON *.* TO ?@?")
		current := f.value(b.User, "first-pw", nil)
		pending, err := r.NewPending(ctx, current)
		if err != nil {
			t.Fatal(err)
		}
		in := rotation.SetInput{Current: current, Pending: pending, Secrets: f.secrets}
		stopped := false
		mid := &SingleUser{}
		mid.hook = func(point string) {
			if point == "logged in" && !stopped {
				stopped = true
				f.srv.Stop(t)
			}
		}
		err = mid.Set(ctx, in)
		if !stopped {
			t.Fatal("the hook never ran")
		}
		if !errors.Is(err, mysqladmin.ErrUnreachable) || !strings.Contains(err.Error(), f.srv.Addr()) {
			t.Fatalf("got %v, want ErrUnreachable naming %s", err, f.srv.Addr())
		}
		f.srv.Start(t)
		if err := mid.Set(ctx, in); err != nil {
			t.Fatalf("Set after the restart: %v", err)
		}
		mustLogin(t, current, "the current value")
		mustLogin(t, pending, "the pending value")
	})
}
