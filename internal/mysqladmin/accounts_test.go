package mysqladmin

import (
	"errors"
	"net"
	"reflect"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/go-sql-driver/mysql"
)

// specialUser and specialPassword hold every character that breaks naive
// quoting: ' # ; \ and ".
const (
	specialUser     = `o'd#;\"u`
	specialPassword = `p'#;\"w` + "`x%_?"
)

func TestConnect(t *testing.T) {
	srv, root := rootServer(t)
	ctx := testContext(t)

	t.Run("the server is detected as MariaDB 10.4 or later", func(t *testing.T) {
		info := root.Info()
		if info.Flavor != MariaDB || !info.Version.AtLeast(10, 4, 0) {
			t.Fatalf("got %s (%q), want MariaDB 10.4 or later", info, info.Raw)
		}
		if !info.DualPasswords() {
			t.Fatal("got no dual passwords, want them on MariaDB 10.4+")
		}
	})

	t.Run("a wrong password is access denied, naming host:port and user only", func(t *testing.T) {
		c := rootCredentials(t, srv)
		c.Password = "wrong-" + specialPassword
		_, err := Connect(ctx, c)
		if !errors.Is(err, ErrAccessDenied) {
			t.Fatalf("got %v, want ErrAccessDenied", err)
		}
		if !strings.Contains(err.Error(), srv.Addr()) || !strings.Contains(err.Error(), `"root"`) {
			t.Fatalf("got %q, want it to name %s and the user", err, srv.Addr())
		}
		assertNoSecret(t, err, c.Password)
	})

	t.Run("a closed port is unreachable", func(t *testing.T) {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		port := l.Addr().(*net.TCPAddr).Port
		l.Close()
		c := rootCredentials(t, srv)
		c.Port = port
		_, err = Connect(ctx, c)
		if !errors.Is(err, ErrUnreachable) {
			t.Fatalf("got %v, want ErrUnreachable", err)
		}
		if !strings.Contains(err.Error(), "127.0.0.1:"+strconv.Itoa(port)) {
			t.Fatalf("got %q, want it to name the address", err)
		}
	})

	t.Run("a server that accepts and never answers is unreachable after the connect timeout", func(t *testing.T) {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		defer l.Close()
		go func() {
			for {
				conn, err := l.Accept()
				if err != nil {
					return
				}
				defer conn.Close() // silent until the listener closes
			}
		}()
		c := rootCredentials(t, srv)
		c.Port = l.Addr().(*net.TCPAddr).Port
		_, err = Dialer{ConnectTimeout: 200 * time.Millisecond}.Connect(ctx, c)
		if !errors.Is(err, ErrUnreachable) {
			t.Fatalf("got %v, want ErrUnreachable", err)
		}
	})

	t.Run("TLS verified against the server's CA", func(t *testing.T) {
		c := rootCredentials(t, srv)
		c.SSL, c.SSLCA = true, string(srv.CAPEM)
		s, err := Connect(ctx, c)
		if err != nil {
			t.Fatal(err)
		}
		defer s.Close()
		var name, cipher string
		if err := s.DB().QueryRowContext(ctx, "SHOW SESSION STATUS LIKE 'Ssl_cipher'").Scan(&name, &cipher); err != nil {
			t.Fatal(err)
		}
		if cipher == "" {
			t.Fatal("got no TLS cipher, want a TLS session")
		}
	})

	t.Run("TLS with a CA that did not sign the server's certificate fails as TLS", func(t *testing.T) {
		c := rootCredentials(t, srv)
		c.SSL, c.SSLCA = true, testCAPEM
		_, err := Connect(ctx, c)
		if !errors.Is(err, ErrTLS) {
			t.Fatalf("got %v, want ErrTLS", err)
		}
	})
}

func TestAccounts(t *testing.T) {
	srv, root := rootServer(t)
	ctx := testContext(t)

	t.Run("a user name and password with ' # ; \\ and \" work everywhere", func(t *testing.T) {
		a := Account{User: uniqueName(specialUser), Host: "%"}
		newAccount(t, root, a, specialPassword)
		ok, err := root.AccountExists(ctx, a)
		if err != nil || !ok {
			t.Fatalf("AccountExists: got %v, %v; want true", ok, err)
		}
		hosts, err := root.UserHosts(ctx, a.User)
		if err != nil || !reflect.DeepEqual(hosts, []string{"%"}) {
			t.Fatalf("UserHosts: got %v, %v; want [%%]", hosts, err)
		}
		c := Credentials{Host: srv.Host, Port: srv.Port, Username: a.User, Password: specialPassword}
		mustLogin(t, c, "after CreateAccount")

		s, err := Connect(ctx, c)
		if err != nil {
			t.Fatal(err)
		}
		defer s.Close()
		me, err := s.CurrentAccount(ctx)
		if err != nil || me != a {
			t.Fatalf("CurrentAccount: got %v, %v; want %v", me, err, a)
		}

		next := specialPassword + "2"
		if err := root.SetPassword(ctx, a, next); err != nil {
			t.Fatal(err)
		}
		mustLogin(t, c.WithLogin(a.User, next), "after SetPassword")
		mustNotLogin(t, c, "the old password after SetPassword")
	})

	t.Run("an account whose host is not % is its own account", func(t *testing.T) {
		user := uniqueName("hosted")
		local := Account{User: user, Host: "127.0.0.1"}
		other := Account{User: user, Host: "10.9.%"}
		newAccount(t, root, local, "local-pw")
		newAccount(t, root, other, "other-pw")
		hosts, err := root.UserHosts(ctx, user)
		if err != nil || !reflect.DeepEqual(hosts, []string{"10.9.%", "127.0.0.1"}) {
			t.Fatalf("UserHosts: got %v, %v; want [10.9.%% 127.0.0.1]", hosts, err)
		}
		c := Credentials{Host: srv.Host, Port: srv.Port, Username: user, Password: "local-pw"}
		mustLogin(t, c, "the 127.0.0.1 account")
		mustNotLogin(t, c.WithLogin(user, "other-pw"), "the password of the 10.9.% account from 127.0.0.1")
		if ok, err := root.AccountExists(ctx, Account{User: user, Host: "%"}); err != nil || ok {
			t.Fatalf("AccountExists for host %%: got %v, %v; want false", ok, err)
		}
	})

	t.Run("a user name longer than the server allows is refused", func(t *testing.T) {
		err := root.CreateAccount(ctx, Account{User: strings.Repeat("n", 81), Host: "%"}, "pw")
		if !errors.Is(err, ErrNameTooLong) {
			t.Fatalf("got %v, want ErrNameTooLong", err)
		}
		if !strings.Contains(err.Error(), "80") {
			t.Fatalf("got %q, want it to name the limit", err)
		}
	})

	t.Run("setting the password of a missing account is no such account", func(t *testing.T) {
		err := root.SetPassword(ctx, Account{User: uniqueName("ghost"), Host: "%"}, specialPassword)
		if !errors.Is(err, ErrNoSuchAccount) {
			t.Fatalf("got %v, want ErrNoSuchAccount", err)
		}
		assertNoSecret(t, err, specialPassword)
	})

	t.Run("a server message that may quote a password is withheld", func(t *testing.T) {
		// MySQL's syntax, which MariaDB does not know: its syntax error
		// quotes the statement near the error, password included.
		q := "ALTER USER CURRENT_USER() IDENTIFIED BY ? RETAIN CURRENT PASSWORD"
		_, raw := root.DB().ExecContext(ctx, q, specialPassword)
		var me *mysql.MySQLError
		if !errors.As(raw, &me) || me.Number != 1064 {
			t.Fatalf("got %v, want a syntax error", raw)
		}
		err := root.exec(ctx, "probe", q, []any{specialPassword}, specialPassword)
		if err == nil {
			t.Fatal("got no error, want the syntax error")
		}
		assertNoSecret(t, err, specialPassword)
		if !strings.Contains(err.Error(), "1064") {
			t.Fatalf("got %q, want the error number kept", err)
		}
	})
}

// TestDualPasswords records what MariaDB lets an account do with two
// passwords, which single-user rotation is built on.
func TestDualPasswords(t *testing.T) {
	srv, root := rootServer(t)
	ctx := testContext(t)
	login := func(user, pw string) Credentials {
		return Credentials{Host: srv.Host, Port: srv.Port, Username: user, Password: pw}
	}

	t.Run("an administrator keeps the current and the new password valid, and drops older ones", func(t *testing.T) {
		a := Account{User: uniqueName("dual"), Host: "%"}
		newAccount(t, root, a, "pw-1")
		if err := root.SetDualPassword(ctx, a, "pw-1", "pw-2"); err != nil {
			t.Fatal(err)
		}
		mustLogin(t, login(a.User, "pw-1"), "current")
		mustLogin(t, login(a.User, "pw-2"), "pending")
		if err := root.SetDualPassword(ctx, a, "pw-2", "pw-3"); err != nil {
			t.Fatal(err)
		}
		mustNotLogin(t, login(a.User, "pw-1"), "the password of two rotations ago")
		mustLogin(t, login(a.User, "pw-2"), "current")
		mustLogin(t, login(a.User, "pw-3"), "pending")
		if err := root.DiscardOldPassword(ctx, a, "pw-3"); err != nil {
			t.Fatal(err)
		}
		mustNotLogin(t, login(a.User, "pw-2"), "the old password after DiscardOldPassword")
		mustLogin(t, login(a.User, "pw-3"), "the password kept by DiscardOldPassword")
	})

	t.Run("a user without global privileges may not ALTER USER itself", func(t *testing.T) {
		db := srv.NewDatabase(t)
		a := Account{User: uniqueName("plain"), Host: "%"}
		newAccount(t, root, a, "pw-1")
		mustExec(t, root, "GRANT SELECT ON `"+db+"`.* TO ?@?", a.User, a.Host)
		s, err := Connect(ctx, login(a.User, "pw-1"))
		if err != nil {
			t.Fatal(err)
		}
		defer s.Close()
		err = s.exec(ctx, "probe", mariaDBDualPassword, []any{a.User, a.Host, "pw-1", "pw-2"}, "pw-1", "pw-2")
		if !errors.Is(err, ErrNotPermitted) {
			t.Fatalf("got %v, want ErrNotPermitted (error 1227)", err)
		}
		mustNotLogin(t, login(a.User, "pw-2"), "the password the refused statement named")
	})

	t.Run("without CREATE USER, changing one's own password replaces it", func(t *testing.T) {
		a := Account{User: uniqueName("plain"), Host: "%"}
		newAccount(t, root, a, "pw-1")
		s, err := Connect(ctx, login(a.User, "pw-1"))
		if err != nil {
			t.Fatal(err)
		}
		defer s.Close()
		got, err := s.ChangeOwnPassword(ctx, "pw-1", specialPassword)
		if err != nil {
			t.Fatal(err)
		}
		if got != OnlyNewValid {
			t.Fatalf("got %v, want %v", got, OnlyNewValid)
		}
		mustLogin(t, login(a.User, specialPassword), "the new password")
		mustNotLogin(t, login(a.User, "pw-1"), "the replaced password")
	})

	t.Run("with CREATE USER, one's own current and new passwords both stay valid", func(t *testing.T) {
		a := Account{User: uniqueName(specialUser), Host: "%"}
		newAccount(t, root, a, "pw-1")
		mustExec(t, root, "GRANT CREATE USER ON *.* TO ?@?", a.User, a.Host)
		for i, pw := range []string{specialPassword, "pw-3"} {
			cur := "pw-1"
			if i == 1 {
				cur = specialPassword
			}
			s, err := Connect(ctx, login(a.User, cur))
			if err != nil {
				t.Fatal(err)
			}
			got, err := s.ChangeOwnPassword(ctx, cur, pw)
			s.Close()
			if err != nil {
				t.Fatal(err)
			}
			if got != BothValid {
				t.Fatalf("got %v, want %v", got, BothValid)
			}
			mustLogin(t, login(a.User, cur), "the current password")
			mustLogin(t, login(a.User, pw), "the new password")
		}
		mustNotLogin(t, login(a.User, "pw-1"), "the password of two changes ago")
	})

	t.Run("SET PASSWORD replaces only the first of two methods, so a second one is refused", func(t *testing.T) {
		a := Account{User: uniqueName("twomethods"), Host: "%"}
		newAccount(t, root, a, "pw-1")
		if err := root.SetDualPassword(ctx, a, "pw-1", "pw-2"); err != nil {
			t.Fatal(err)
		}
		// What the server does: SET PASSWORD changes the first method,
		// whichever password logged in.
		s, err := Connect(ctx, login(a.User, "pw-2"))
		if err != nil {
			t.Fatal(err)
		}
		defer s.Close()
		if err := s.exec(ctx, "probe", "SET PASSWORD = PASSWORD(?)", []any{"pw-x"}, "pw-x"); err != nil {
			t.Fatal(err)
		}
		mustNotLogin(t, login(a.User, "pw-1"), "the first method's password after SET PASSWORD")
		mustLogin(t, login(a.User, "pw-2"), "the second method's password after SET PASSWORD")
		mustLogin(t, login(a.User, "pw-x"), "the password SET PASSWORD set")

		// So ChangeOwnPassword refuses rather than leave one valid for good.
		_, err = s.ChangeOwnPassword(ctx, "pw-2", "pw-3")
		if !errors.Is(err, ErrNotPermitted) || !strings.Contains(err.Error(), "authentication methods") {
			t.Fatalf("got %v, want ErrNotPermitted explaining the two methods", err)
		}
		mustNotLogin(t, login(a.User, "pw-3"), "the refused password")
		mustLogin(t, login(a.User, "pw-2"), "the current password after the refusal")
	})
}

func TestSyncGrants(t *testing.T) {
	srv, root := rootServer(t)
	ctx := testContext(t)
	db := srv.NewDatabase(t)
	other := srv.NewDatabase(t)
	mustExec(t, root, "CREATE TABLE `"+db+"`.t (a INT, b INT)")
	mustExec(t, root, "CREATE PROCEDURE `"+db+"`.p() SELECT 1")
	role := uniqueName("role")
	mustExec(t, root, "CREATE ROLE "+quoteIdent(role))
	t.Cleanup(func() { root.DB().Exec("DROP ROLE IF EXISTS " + quoteIdent(role)) })

	for _, host := range []string{"%", "127.0.0.1"} {
		t.Run("drift is repaired for accounts on host "+host, func(t *testing.T) {
			base := uniqueName(specialUser)
			src := Account{User: base, Host: host}
			dst := Account{User: base + "_clone", Host: host}
			newAccount(t, root, src, "src-pw")
			newAccount(t, root, dst, "dst-pw")
			for _, q := range []string{
				"GRANT SELECT, INSERT ON `" + db + "`.* TO ?@? WITH GRANT OPTION",
				"GRANT UPDATE (a) ON `" + db + "`.t TO ?@?",
				"GRANT EXECUTE ON PROCEDURE `" + db + "`.p TO ?@?",
				"GRANT " + quoteIdent(role) + " TO ?@?",
				"ALTER USER ?@? REQUIRE SSL WITH MAX_USER_CONNECTIONS 7",
			} {
				mustExec(t, root, q, src.User, src.Host)
			}
			// The clone drifted: an extra privilege, another on a database
			// the source has nothing on, and none of the source's.
			mustExec(t, root, "GRANT SELECT, DELETE ON `"+db+"`.* TO ?@?", dst.User, dst.Host)
			mustExec(t, root, "GRANT SELECT ON `"+other+"`.* TO ?@? WITH GRANT OPTION", dst.User, dst.Host)
			mustExec(t, root, "SET DEFAULT ROLE "+quoteIdent(role)+" FOR ?@?", src.User, src.Host)

			if err := root.SyncGrants(ctx, src, dst); err != nil {
				t.Fatal(err)
			}
			want, err := root.Grants(ctx, src)
			if err != nil {
				t.Fatal(err)
			}
			have, err := root.Grants(ctx, dst)
			if err != nil {
				t.Fatal(err)
			}
			if d := Diff(want, have); len(d) > 0 {
				t.Fatalf("after SyncGrants the grants differ: %s", strings.Join(d, "; "))
			}
			if have.TLS.Type != "SSL" || have.Limits.MaxUserConnections != 7 || len(have.Roles) != 1 || len(have.DefaultRoles) != 1 {
				t.Fatalf("got %+v, want REQUIRE SSL, 7 connections and the role as default", have)
			}
			var onDB *ObjectGrant
			for i := range have.Objects {
				if have.Objects[i].Object == (Object{DB: db}) {
					onDB = &have.Objects[i]
				}
			}
			if onDB == nil || !onDB.GrantOption || !reflect.DeepEqual(onDB.Privileges, []Privilege{{Name: "INSERT"}, {Name: "SELECT"}}) {
				t.Fatalf("got %+v on %s, want INSERT, SELECT with grant option", onDB, db)
			}
			if len(PlanGrantSync(root.Info(), want, have, dst)) != 0 {
				t.Fatal("a second sync would run statements, want none")
			}

			// REQUIRE SSL is carried: the clone logs in with TLS only.
			c := Credentials{Host: srv.Host, Port: srv.Port, Username: dst.User, Password: "dst-pw"}
			if host == "%" {
				mustNotLogin(t, c, "the clone without TLS")
				c.SSL, c.SSLCA = true, string(srv.CAPEM)
				mustLogin(t, c, "the clone with TLS")
			}
		})
	}

	t.Run("a missing source account is no such account", func(t *testing.T) {
		err := root.SyncGrants(ctx, Account{User: uniqueName("ghost"), Host: "%"}, Account{User: "root", Host: "localhost"})
		if !errors.Is(err, ErrNoSuchAccount) {
			t.Fatalf("got %v, want ErrNoSuchAccount", err)
		}
	})
}
