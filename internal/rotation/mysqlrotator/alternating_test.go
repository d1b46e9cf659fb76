package mysqlrotator

import (
	"errors"
	"strings"
	"testing"

	"github.com/dbwarden/dbwarden/internal/mysqladmin"
	"github.com/dbwarden/dbwarden/internal/rotation"
)

func TestOtherUser(t *testing.T) {
	for in, want := range map[string]string{
		"app":             "app_clone",
		"app_clone":       "app",
		"_clone":          "_clone_clone",
		"app_clone_clone": "app_clone",
	} {
		if got := OtherUser(in); got != want {
			t.Errorf("OtherUser(%q): got %q, want %q", in, got, want)
		}
	}
}

// grantsEqual fails unless the accounts of users a and b on host have the
// same grants.
func (f *fixture) grantsEqual(t testing.TB, a, b, host string) {
	t.Helper()
	ctx := testContext(t)
	ga, err := f.root.Grants(ctx, mysqladmin.Account{User: a, Host: host})
	if err != nil {
		t.Fatal(err)
	}
	gb, err := f.root.Grants(ctx, mysqladmin.Account{User: b, Host: host})
	if err != nil {
		t.Fatal(err)
	}
	if d := mysqladmin.Diff(ga, gb); len(d) > 0 {
		t.Fatalf("grants of %q and %q differ: %s", a, b, strings.Join(d, "; "))
	}
}

func TestAlternatingUsers(t *testing.T) {
	f := newFixture(t)
	withMaster := func(extra map[string]any) map[string]any {
		m := map[string]any{"masterarn": f.masterARN}
		for k, v := range extra {
			m[k] = v
		}
		return m
	}

	rotations := func(t *testing.T, base mysqladmin.Account, current string) {
		t.Helper()
		previous, older := "", ""
		for i := range 4 {
			cur := parseValue(t, current)
			pending := f.rotate(t, &AlternatingUsers{}, current, previous)
			checkPendingShape(t, current, pending, OtherUser(cur.Username))
			mustLogin(t, current, "the current value after Set")
			mustLogin(t, pending, "the pending value")
			if previous != "" {
				// AWSPREVIOUS stays valid through the next rotation:
				// applications may still hold it.
				mustLogin(t, previous, "the value of the rotation before")
			}
			if older != "" {
				mustNotLogin(t, older, "the value of two rotations before")
			}
			older = previous
			f.grantsEqual(t, cur.Username, OtherUser(cur.Username), base.Host)
			if i == 0 {
				f.dropLater(t, mysqladmin.Account{User: OtherUser(base.User), Host: base.Host})
			}
			previous, current = current, pending
		}
		if got := parseValue(t, current).Username; got != base.User {
			t.Fatalf("after four rotations the current user is %q, want %q", got, base.User)
		}
	}

	t.Run("four rotations switch between the user and its clone, each keeping the current login", func(t *testing.T) {
		role := uniqueName("role")
		f.exec(t, "CREATE ROLE `"+role+"`")
		t.Cleanup(func() { f.root.DB().Exec("DROP ROLE IF EXISTS `" + role + "`") })
		a := mysqladmin.Account{User: uniqueName("alt"), Host: "%"}
		f.createAccount(t, a, "first-pw", "GRANT INSERT, UPDATE ON `"+f.db+"`.* TO ?@?", "GRANT `"+role+"` TO ?@?")
		// On MariaDB granting a role takes the role WITH ADMIN OPTION.
		f.exec(t, "GRANT `"+role+"` TO ?@? WITH ADMIN OPTION", f.master.User, f.master.Host)
		rotations(t, a, f.value(a.User, "first-pw", withMaster(nil)))
	})

	t.Run("user names and passwords with ' # ; \\ and \" on host 127.0.0.1", func(t *testing.T) {
		a := mysqladmin.Account{User: uniqueName(specialUser), Host: "127.0.0.1"}
		f.createAccount(t, a, specialPassword, "GRANT INSERT ON `"+f.db+"`.* TO ?@? WITH GRANT OPTION")
		rotations(t, a, f.value(a.User, specialPassword, withMaster(nil)))
		if hosts, err := f.root.UserHosts(testContext(t), OtherUser(a.User)); err != nil || len(hosts) != 1 || hosts[0] != "127.0.0.1" {
			t.Fatalf("clone hosts: got %v, %v; want [127.0.0.1]", hosts, err)
		}
	})

	t.Run("grant drift between user and clone is repaired", func(t *testing.T) {
		ctx := testContext(t)
		a := mysqladmin.Account{User: uniqueName("drift"), Host: "%"}
		clone := mysqladmin.Account{User: OtherUser(a.User), Host: "%"}
		f.createAccount(t, a, "first-pw", "GRANT INSERT ON `"+f.db+"`.* TO ?@?")
		current := f.rotate(t, &AlternatingUsers{}, f.value(a.User, "first-pw", withMaster(nil)), "")
		f.dropLater(t, clone)
		// current is the clone now. Drift: the clone (current) gains a
		// privilege with GRANT OPTION and REQUIRE SSL; the base user
		// (next pending) gains one the clone lacks and loses INSERT.
		other := f.srv.NewDatabase(t)
		f.exec(t, "GRANT DELETE ON `"+f.db+"`.* TO ?@? WITH GRANT OPTION", clone.User, clone.Host)
		f.exec(t, "ALTER USER ?@? REQUIRE SSL", clone.User, clone.Host)
		f.exec(t, "GRANT SELECT ON `"+other+"`.* TO ?@?", a.User, a.Host)
		f.exec(t, "REVOKE INSERT ON `"+f.db+"`.* FROM ?@?", a.User, a.Host)
		before, err := f.root.Grants(ctx, a)
		if err != nil {
			t.Fatal(err)
		}
		want, err := f.root.Grants(ctx, clone)
		if err != nil {
			t.Fatal(err)
		}
		if d := mysqladmin.Diff(want, before); len(d) < 4 {
			t.Fatalf("got %d differences before the rotation, want at least 4 (the drift): %v", len(d), d)
		}
		current = f.value(clone.User, parseValue(t, current).Password,
			withMaster(map[string]any{"ssl": true, "ssl_ca": string(f.srv.CAPEM)}))

		pending := f.rotate(t, &AlternatingUsers{}, current, "")
		f.grantsEqual(t, clone.User, a.User, "%")
		g, err := f.root.Grants(ctx, a)
		if err != nil {
			t.Fatal(err)
		}
		if g.TLS.Type != "SSL" {
			t.Fatalf("base user REQUIRE: got %s, want REQUIRE SSL", g.TLS)
		}
		plain := parseValue(t, pending)
		plain.SSL, plain.SSLCA = false, ""
		doc, _ := plain.JSON()
		mustNotLogin(t, string(doc), "the pending value without TLS (REQUIRE SSL carried)")
	})

	t.Run("Set and Test run twice change nothing more", func(t *testing.T) {
		a := mysqladmin.Account{User: uniqueName("twice"), Host: "%"}
		f.createAccount(t, a, "first-pw")
		f.dropLater(t, mysqladmin.Account{User: OtherUser(a.User), Host: "%"})
		r := &AlternatingUsers{}
		ctx := testContext(t)
		current := f.value(a.User, "first-pw", withMaster(nil))
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

	t.Run("a wrong master password ends Set naming the master secret, user and server", func(t *testing.T) {
		a := mysqladmin.Account{User: uniqueName("badmaster"), Host: "%"}
		f.createAccount(t, a, "first-pw")
		masterUser := parseValue(t, f.mustSecret(t, f.masterARN)).Username
		badARN := f.putSecret(t, "test/badmaster", f.value(masterUser, "wrong-"+specialPassword, nil))
		r := &AlternatingUsers{}
		ctx := testContext(t)
		current := f.value(a.User, "first-pw", map[string]any{"masterarn": badARN})
		pending, err := r.NewPending(ctx, current)
		if err != nil {
			t.Fatal(err)
		}
		err = r.Set(ctx, rotation.SetInput{Current: current, Pending: pending, Secrets: f.secrets})
		if !errors.Is(err, mysqladmin.ErrAccessDenied) {
			t.Fatalf("got %v, want access denied", err)
		}
		for _, want := range []string{badARN, masterUser, f.srv.Addr()} {
			if !strings.Contains(err.Error(), want) {
				t.Errorf("got %q, want it to name %q", err, want)
			}
		}
		assertNoSecret(t, err, "wrong-"+specialPassword, parseValue(t, pending).Password, "first-pw")
		mustNotLogin(t, pending, "the pending value after a failed Set")
	})

	t.Run("a master that may not grant the user's role ends Set naming the statement", func(t *testing.T) {
		role := uniqueName("role")
		f.exec(t, "CREATE ROLE `"+role+"`")
		t.Cleanup(func() { f.root.DB().Exec("DROP ROLE IF EXISTS `" + role + "`") })
		a := mysqladmin.Account{User: uniqueName("roled"), Host: "%"}
		f.createAccount(t, a, "first-pw", "GRANT `"+role+"` TO ?@?")
		f.dropLater(t, mysqladmin.Account{User: OtherUser(a.User), Host: "%"})
		r := &AlternatingUsers{}
		ctx := testContext(t)
		current := f.value(a.User, "first-pw", withMaster(nil))
		pending, err := r.NewPending(ctx, current)
		if err != nil {
			t.Fatal(err)
		}
		err = r.Set(ctx, rotation.SetInput{Current: current, Pending: pending, Secrets: f.secrets})
		if !errors.Is(err, mysqladmin.ErrNotPermitted) || !strings.Contains(err.Error(), "GRANT `"+role+"`") {
			t.Fatalf("got %v, want ErrNotPermitted naming the GRANT of the role", err)
		}
		mustNotLogin(t, pending, "the pending value after a failed Set")
	})

	t.Run("a master secret that does not exist ends Set naming it", func(t *testing.T) {
		r := &AlternatingUsers{}
		a := mysqladmin.Account{User: uniqueName("nomaster"), Host: "%"}
		f.createAccount(t, a, "first-pw")
		current := f.value(a.User, "first-pw", map[string]any{"masterarn": "test/no-such-master"})
		pending, err := r.NewPending(testContext(t), current)
		if err != nil {
			t.Fatal(err)
		}
		err = r.Set(testContext(t), rotation.SetInput{Current: current, Pending: pending, Secrets: f.secrets})
		if err == nil || !strings.Contains(err.Error(), "test/no-such-master") {
			t.Fatalf("got %v, want an error naming the master secret", err)
		}
	})

	t.Run("a dropped user ends Set naming the user and server", func(t *testing.T) {
		a := mysqladmin.Account{User: uniqueName("dropped"), Host: "%"}
		f.createAccount(t, a, "first-pw")
		f.exec(t, "DROP USER ?@?", a.User, a.Host)
		r := &AlternatingUsers{}
		ctx := testContext(t)
		current := f.value(a.User, "first-pw", withMaster(nil))
		pending, err := r.NewPending(ctx, current)
		if err != nil {
			t.Fatal(err)
		}
		err = r.Set(ctx, rotation.SetInput{Current: current, Pending: pending, Secrets: f.secrets})
		if !errors.Is(err, mysqladmin.ErrNoSuchAccount) || !strings.Contains(err.Error(), a.User) || !strings.Contains(err.Error(), f.srv.Addr()) {
			t.Fatalf("got %v, want ErrNoSuchAccount naming the user and %s", err, f.srv.Addr())
		}
		if ok, _ := f.root.AccountExists(ctx, mysqladmin.Account{User: OtherUser(a.User), Host: "%"}); ok {
			t.Fatal("the clone was created for a user that does not exist")
		}
	})

	t.Run("a clone name over the engine's limit is refused by NewPending", func(t *testing.T) {
		r := &AlternatingUsers{}
		for engine, n := range map[string]int{"mysql": 27, "mariadb": 75} {
			current := f.value(strings.Repeat("u", n), "pw", withMaster(map[string]any{"engine": engine}))
			_, err := r.NewPending(testContext(t), current)
			if !errors.Is(err, mysqladmin.ErrNameTooLong) {
				t.Fatalf("engine %s, %d-character user: got %v, want ErrNameTooLong", engine, n, err)
			}
			short := f.value(strings.Repeat("u", n-1), "pw", withMaster(map[string]any{"engine": engine}))
			if _, err := r.NewPending(testContext(t), short); err != nil {
				t.Fatalf("engine %s, %d-character user: %v", engine, n-1, err)
			}
		}
	})

	t.Run("a value without masterarn is refused", func(t *testing.T) {
		_, err := (&AlternatingUsers{}).NewPending(testContext(t), f.value("app", "pw", nil))
		if !errors.Is(err, ErrBadValue) || !strings.Contains(err.Error(), "masterarn") {
			t.Fatalf("got %v, want ErrBadValue naming masterarn", err)
		}
	})

	t.Run("a pending value for a third user is refused", func(t *testing.T) {
		err := (&AlternatingUsers{}).Set(testContext(t), rotation.SetInput{
			Current: f.value("app", "pw", withMaster(nil)), Pending: f.value("bob", "pw2", withMaster(nil)), Secrets: f.secrets,
		})
		if !errors.Is(err, ErrBadValue) {
			t.Fatalf("got %v, want ErrBadValue", err)
		}
	})
}

func (f *fixture) mustSecret(t testing.TB, id string) string {
	t.Helper()
	v, err := f.secrets.CurrentValue(testContext(t), id)
	if err != nil {
		t.Fatal(err)
	}
	return v
}

// TestAlternatingUsersServerDown stops the shared server, so it runs alone.
func TestAlternatingUsersServerDown(t *testing.T) {
	f := newFixture(t)
	a := mysqladmin.Account{User: uniqueName("down"), Host: "%"}
	f.createAccount(t, a, "first-pw")
	f.dropLater(t, mysqladmin.Account{User: OtherUser(a.User), Host: "%"})
	r := &AlternatingUsers{}
	ctx := testContext(t)
	current := f.value(a.User, "first-pw", map[string]any{"masterarn": f.masterARN})
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

	t.Run("the server stopping between the grants and the password fails Set, and Set succeeds once it is back", func(t *testing.T) {
		b := mysqladmin.Account{User: uniqueName("middown"), Host: "%"}
		f.createAccount(t, b, "first-pw", "GRANT INSERT ON `"+f.db+"`.* TO ?@?")
		f.dropLater(t, mysqladmin.Account{User: OtherUser(b.User), Host: "%"})
		current := f.value(b.User, "first-pw", map[string]any{"masterarn": f.masterARN})
		pending, err := r.NewPending(ctx, current)
		if err != nil {
			t.Fatal(err)
		}
		in := rotation.SetInput{Current: current, Pending: pending, Secrets: f.secrets}
		stopped := false
		mid := &AlternatingUsers{}
		mid.hook = func(point string) {
			if point == "grants synced" && !stopped {
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
		mustNotLogin(t, pending, "the pending value before Set completed")
		if err := mid.Set(ctx, in); err != nil {
			t.Fatalf("Set after the restart: %v", err)
		}
		mustLogin(t, current, "the current value")
		mustLogin(t, pending, "the pending value")
		f.grantsEqual(t, b.User, OtherUser(b.User), "%")
	})
}
