package testenv

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/go-sql-driver/mysql"
)

func TestMain(m *testing.M) { Main(m) }

func query1(t *testing.T, db *sql.DB, q string, args ...any) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	var s sql.NullString
	if err := db.QueryRowContext(ctx, q, args...).Scan(&s); err != nil {
		t.Fatalf("%s: %v", q, err)
	}
	return s.String
}

func TestMariaDB(t *testing.T) {
	srv := MariaDB(t)

	t.Run("root logs in over TCP on 127.0.0.1 and the server is MariaDB", func(t *testing.T) {
		if srv.Host != "127.0.0.1" || srv.Port == 0 {
			t.Fatalf("got address %s, want 127.0.0.1 and a port", srv.Addr())
		}
		v := query1(t, srv.DB(t), "SELECT VERSION()")
		if !strings.Contains(v, "MariaDB") {
			t.Fatalf("got version %q, want a MariaDB version", v)
		}
	})

	t.Run("the DSN opens the same server", func(t *testing.T) {
		db, err := sql.Open("mysql", srv.DSN(""))
		if err != nil {
			t.Fatal(err)
		}
		defer db.Close()
		if got := query1(t, db, "SELECT CURRENT_USER()"); got != "root@127.0.0.1" {
			t.Fatalf("got current user %q, want root@127.0.0.1", got)
		}
	})

	t.Run("a second call returns the same server", func(t *testing.T) {
		if again := MariaDB(t); again != srv {
			t.Fatalf("got a second server on %s, want the one on %s", again.Addr(), srv.Addr())
		}
	})

	t.Run("TLS verified against CAPEM works", func(t *testing.T) {
		cfg := srv.Config("")
		cfg.TLS = srv.TLSConfig()
		conn, err := mysql.NewConnector(cfg)
		if err != nil {
			t.Fatal(err)
		}
		db := sql.OpenDB(conn)
		defer db.Close()
		var name, cipher string
		if err := db.QueryRow("SHOW SESSION STATUS LIKE 'Ssl_cipher'").Scan(&name, &cipher); err != nil {
			t.Fatal(err)
		}
		if cipher == "" {
			t.Fatal("got an empty Ssl_cipher, want a TLS session")
		}
	})

	t.Run("a wrong password is refused", func(t *testing.T) {
		cfg := srv.Config("")
		cfg.Passwd = "not the password"
		conn, err := mysql.NewConnector(cfg)
		if err != nil {
			t.Fatal(err)
		}
		db := sql.OpenDB(conn)
		defer db.Close()
		var me *mysql.MySQLError
		if err := db.Ping(); !errors.As(err, &me) || me.Number != 1045 {
			t.Fatalf("got %v, want error 1045 (access denied)", err)
		}
	})

	t.Run("there is no anonymous account", func(t *testing.T) {
		if n := query1(t, srv.DB(t), "SELECT COUNT(*) FROM mysql.user WHERE User = ''"); n != "0" {
			t.Fatalf("got %s anonymous accounts, want 0", n)
		}
	})

	var dbName string
	t.Run("NewDatabase makes an empty database for the test", func(t *testing.T) {
		dbName = srv.NewDatabase(t)
		db := srv.DB(t)
		if _, err := db.Exec("CREATE TABLE `" + dbName + "`.t (id INT)"); err != nil {
			t.Fatal(err)
		}
		if other := srv.NewDatabase(t); other == dbName {
			t.Fatalf("got %q twice, want a new name each call", other)
		}
	})
	t.Run("the database is dropped when its test ends", func(t *testing.T) {
		if dbName == "" {
			t.Skip("the previous subtest failed")
		}
		if n := query1(t, srv.DB(t), "SELECT COUNT(*) FROM information_schema.SCHEMATA WHERE SCHEMA_NAME = ?", dbName); n != "0" {
			t.Fatalf("database %s still exists", dbName)
		}
	})

	t.Run("Stop takes the server down and Start brings back the same data", func(t *testing.T) {
		db := srv.DB(t)
		name := srv.NewDatabase(t)
		if _, err := db.Exec("CREATE TABLE `" + name + "`.kept (v INT)"); err != nil {
			t.Fatal(err)
		}
		srv.Stop(t)
		if err := db.Ping(); err == nil {
			t.Fatal("got a ping answer from a stopped server, want an error")
		}
		srv.Start(t)
		if n := query1(t, db, "SELECT COUNT(*) FROM information_schema.TABLES WHERE TABLE_SCHEMA = ? AND TABLE_NAME = 'kept'", name); n != "1" {
			t.Fatalf("got %s tables named kept after restart, want 1", n)
		}
	})

	t.Run("a server left stopped is started again when its test ends", func(t *testing.T) {
		t.Run("stop", func(t *testing.T) { srv.Stop(t) })
		if !srv.running() {
			t.Fatal("got the server stopped after the test that stopped it ended, want it running")
		}
	})
}

// TestMariaDBChild is the child process of TestMariaDBNoOrphan. It starts a
// server, reports it, and ends without StopAll: by exiting or by waiting to be
// killed.
func TestMariaDBChild(t *testing.T) {
	mode := os.Getenv("DBWARDEN_TESTENV_MARIADB_CHILD")
	if mode == "" {
		t.Skip("runs only as the child of TestMariaDBNoOrphan")
	}
	srv := MariaDB(t)
	pid, err := os.ReadFile(filepath.Join(srv.root, "mariadbd.pid"))
	if err != nil {
		t.Fatal(err)
	}
	fmt.Printf("CHILD root=%s pid=%s\n", srv.root, strings.TrimSpace(string(pid)))
	os.Stdout.Sync()
	if mode == "exit" {
		os.Exit(0) // as a test binary without TestMain would
	}
	time.Sleep(10 * time.Minute) // until killed
}

func TestMariaDBNoOrphan(t *testing.T) {
	if runtime.GOOS != "linux" {
		t.Skip("checks processes through /proc")
	}
	MariaDB(t) // skips or fails when MariaDB is missing, like the child would
	for _, mode := range []string{"exit", "kill"} {
		t.Run("mariadbd is stopped and its files removed when the test process ends by "+mode, func(t *testing.T) {
			t.Parallel()
			cmd := exec.Command(os.Args[0], "-test.run=^TestMariaDBChild$", "-test.count=1")
			cmd.Env = append(os.Environ(), "DBWARDEN_TESTENV_MARIADB_CHILD="+mode)
			out := &LockedBuffer{}
			cmd.Stdout, cmd.Stderr = out, out
			if err := cmd.Start(); err != nil {
				t.Fatal(err)
			}
			exited := make(chan struct{})
			go func() {
				cmd.Wait()
				close(exited)
			}()
			defer func() {
				cmd.Process.Kill()
				<-exited
			}()
			var root string
			var pid int
			for ended := false; pid == 0; {
				if _, rest, ok := strings.Cut(out.Tail(1<<20), "CHILD "); ok {
					line, _, _ := strings.Cut(rest, "\n")
					if _, err := fmt.Sscanf(line, "root=%s pid=%d", &root, &pid); err != nil {
						t.Fatalf("parse %q: %v", line, err)
					}
					break
				}
				if ended {
					t.Fatalf("the child ended without reporting a server:\n%s", out.Tail(4096))
				}
				select {
				case <-exited:
					ended = true // read its output once more
				case <-time.After(20 * time.Millisecond):
				}
			}
			if mode == "kill" {
				if !alive(pid) {
					t.Fatalf("mariadbd %d is not running while the child runs", pid)
				}
				cmd.Process.Signal(syscall.SIGKILL)
			}
			<-exited

			deadline := time.Now().Add(mariadbStartTimeout)
			for alive(pid) || exists(root) {
				if time.Now().After(deadline) {
					t.Fatalf("after the child ended: mariadbd %d alive=%v, %s exists=%v; want both gone",
						pid, alive(pid), root, exists(root))
				}
				time.Sleep(50 * time.Millisecond)
			}
		})
	}
}

// alive reports whether pid is a running process (a zombie is not).
func alive(pid int) bool {
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return false
	}
	// The state follows the command name, which is in parentheses.
	s := string(b)
	i := strings.LastIndexByte(s, ')')
	return i < 0 || i+2 >= len(s) || s[i+2] != 'Z'
}

func exists(path string) bool {
	_, err := os.Stat(path)
	return err == nil
}
