package backup_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"database/sql"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/dbwarden/dbwarden/internal/backup"
	"github.com/dbwarden/dbwarden/internal/mysqladmin"
	"github.com/dbwarden/dbwarden/internal/testenv"
)

func TestMain(m *testing.M) { testenv.Main(m) }

// dirStore keeps a backup's objects as files in a directory.
type dirStore struct{ dir string }

func (s dirStore) Create(_ context.Context, o backup.Object) (io.WriteCloser, error) {
	p := filepath.Join(s.dir, o.Name)
	if err := os.MkdirAll(filepath.Dir(p), 0o700); err != nil {
		return nil, err
	}
	return os.Create(p)
}

func (s dirStore) Open(_ context.Context, o backup.Object) (io.ReadCloser, error) {
	return os.Open(filepath.Join(s.dir, o.Name))
}

type fixture struct {
	srv   *testenv.MariaDBServer
	root  mysqladmin.Credentials
	db    *sql.DB
	store dirStore
}

func newFixture(t *testing.T) *fixture {
	t.Helper()
	srv := testenv.MariaDB(t)
	f := &fixture{srv: srv, root: mysqladmin.Credentials{Engine: "mariadb", Host: srv.Host, Port: srv.Port, Username: srv.User, Password: srv.Password},
		db: srv.DB(t), store: dirStore{t.TempDir()}}
	return f
}

func (f *fixture) exec(t *testing.T, qs ...string) {
	t.Helper()
	for _, q := range qs {
		if _, err := f.db.Exec(q); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
}

// A data set made to break dumpers, made on a connection of its own (its
// USE and session settings stay there).
func (f *fixture) hardDatabase(t *testing.T, db string) {
	t.Helper()
	t.Cleanup(func() { f.db.Exec("DROP DATABASE IF EXISTS `" + db + "`") })
	c, err := f.db.Conn(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	exec := func(qs ...string) {
		t.Helper()
		for _, q := range qs {
			if _, err := c.ExecContext(context.Background(), q); err != nil {
				t.Fatalf("%s: %v", q, err)
			}
		}
	}
	exec(
		"CREATE DATABASE `"+db+"` CHARACTER SET utf8mb4",
		"USE `"+db+"`",
		"SET SESSION sql_mode = ''",
		"SET SESSION time_zone = '+05:30'",
		`CREATE TABLE kinds (
			id INT PRIMARY KEY AUTO_INCREMENT,
			b BLOB, vb VARBINARY(32), s VARCHAR(100) CHARACTER SET utf8mb4, n VARCHAR(10) NULL,
			z DATETIME, ts TIMESTAMP NULL, d DATE, tm TIME(3),
			j JSON, bt BIT(10), u UUID, ip INET6,
			e ENUM('a','é','z') CHARACTER SET latin1, st SET('x','ÿ') CHARACTER SET latin1,
			l1 VARCHAR(20) CHARACTER SET latin1, g INT AS (id * 2) VIRTUAL, inv INT INVISIBLE,
			dec1 DECIMAL(30,10), dbl DOUBLE, yr YEAR
		)`,
		`INSERT INTO kinds (b, vb, s, n, z, ts, d, tm, j, bt, u, ip, e, st, l1, inv, dec1, dbl, yr) VALUES
			(0x00010203FF0A0D1A27225C, 0x00, 'emoji 🎉 quote '' back\\slash "dq"', NULL, '0000-00-00 00:00:00', '2024-02-29 23:59:59', '0000-00-00', '-838:59:59.000',
			 '{"k": [1, "é", null]}', b'1010101010', '123e4567-e89b-12d3-a456-426614174000', '2001:db8::1', 'é', 'x,ÿ', 'café', 7, '12345678901234567890.0123456789', 0.1, 2024),
			('', '', '', '', '2024-01-01 00:00:00', NULL, '2024-01-01', '00:00:00.5', '[]', b'0', NULL, NULL, 'a', '', '', NULL, -1, -1e308, 1901),
			(NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL)`,
		"CREATE TABLE nopk (a INT, b VARCHAR(10))",
		"INSERT INTO nopk VALUES (1, 'x'), (1, 'x'), (2, NULL)",
		"CREATE TABLE `odd name; drop` (`col ``quoted```INT PRIMARY KEY, v TEXT)",
		"INSERT INTO `odd name; drop` VALUES (1, 'a'), (2, 'b')",
		"CREATE TABLE parent (id INT PRIMARY KEY) ENGINE=InnoDB",
		"CREATE TABLE child (id INT PRIMARY KEY, p INT, FOREIGN KEY (p) REFERENCES parent(id)) ENGINE=InnoDB",
		"INSERT INTO parent VALUES (1), (2)",
		"INSERT INTO child VALUES (10, 1), (20, 2)",
		// Views on views, named so that alphabetical order is wrong.
		"CREATE VIEW b_base AS SELECT id, s FROM kinds",
		"CREATE VIEW a_on_b AS SELECT id FROM b_base WHERE id > 1",
		"CREATE TRIGGER kinds_bi BEFORE INSERT ON kinds FOR EACH ROW SET NEW.n = COALESCE(NEW.n, 'trig;ger')",
		"CREATE PROCEDURE p1(IN x INT) BEGIN SELECT x; SELECT 'semi;colon'; END",
		"CREATE FUNCTION f1(x INT) RETURNS INT DETERMINISTIC RETURN x + 1",
		"CREATE EVENT ev1 ON SCHEDULE EVERY 1 DAY DISABLE DO DELETE FROM nopk WHERE a < 0",
	)
	// Many rows, to be split into key ranges.
	exec("CREATE TABLE big (id BIGINT PRIMARY KEY, v VARCHAR(40), KEY v_k (v), KEY both_k (v, id) COMMENT 'two')")
	var sb strings.Builder
	for i := 1; i <= 5000; i++ {
		if sb.Len() > 0 {
			sb.WriteByte(',')
		}
		fmt.Fprintf(&sb, "(%d, 'row %d')", i*3, i)
	}
	exec("INSERT INTO big VALUES "+sb.String(), "USE mysql") // the connection returns to the pool
}

// tableHash is a hash of every row of a table, read as stored (SET NAMES
// binary), in primary key or full-row order: equal hashes, equal data.
func tableHash(t *testing.T, db *sql.DB, schema, table string) string {
	t.Helper()
	ctx := context.Background()
	c, err := db.Conn(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	c.ExecContext(ctx, "SET NAMES binary")
	c.ExecContext(ctx, "SET time_zone = '+00:00'")
	rows, err := c.QueryContext(ctx, "SELECT * FROM `"+schema+"`.`"+strings.ReplaceAll(table, "`", "``")+"`")
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	cols, _ := rows.Columns()
	var lines []string
	for rows.Next() {
		vals := make([]sql.RawBytes, len(cols))
		ptrs := make([]any, len(cols))
		for i := range vals {
			ptrs[i] = &vals[i]
		}
		if err := rows.Scan(ptrs...); err != nil {
			t.Fatal(err)
		}
		var line bytes.Buffer
		for _, v := range vals {
			if v == nil {
				line.WriteString("N|")
			} else {
				fmt.Fprintf(&line, "%d:%x|", len(v), []byte(v))
			}
		}
		lines = append(lines, line.String())
	}
	sort.Strings(lines)
	sum := sha256.Sum256([]byte(strings.Join(lines, "\n")))
	return fmt.Sprintf("%d rows %x", len(lines), sum[:8])
}

func showCreate(t *testing.T, db *sql.DB, kind, schema, name string) string {
	t.Helper()
	rows, err := db.Query("SHOW CREATE " + kind + " `" + schema + "`.`" + strings.ReplaceAll(name, "`", "``") + "`")
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	cols, _ := rows.Columns()
	rows.Next()
	vals := make([]sql.NullString, len(cols))
	ptrs := make([]any, len(cols))
	for i := range vals {
		ptrs[i] = &vals[i]
	}
	if err := rows.Scan(ptrs...); err != nil {
		t.Fatal(err)
	}
	idx := map[string]int{"TABLE": 1, "VIEW": 1, "PROCEDURE": 2, "FUNCTION": 2, "TRIGGER": 2, "EVENT": 3}[kind]
	return strings.ReplaceAll(vals[idx].String, "`"+schema+"`", "`DB`")
}

func TestRoundTrip(t *testing.T) {
	f := newFixture(t)
	src, dst := "bk_src", "bk_dst"
	f.hardDatabase(t, src)
	t.Cleanup(func() { f.db.Exec("DROP DATABASE IF EXISTS " + dst) })
	ctx := context.Background()
	var progress atomic.Int64
	res, err := backup.Dump(ctx, f.root, f.store, backup.Options{Workers: 3, ChunkRows: 1000, Include: []string{src}, SkipUsers: true,
		Progress: func(backup.Object) { progress.Add(1) }})
	if err != nil {
		t.Fatalf("dump: %v", err)
	}
	if int(progress.Load()) != len(res.Objects) {
		t.Fatalf("progress heard of %d objects, the result has %d", progress.Load(), len(res.Objects))
	}
	chunks := 0
	for _, o := range res.Objects {
		if o.Kind == backup.KindData && o.Table == "big" {
			chunks++
		}
	}
	if chunks < 3 {
		t.Fatalf("table big (5,000 rows, 1,000 a chunk) was dumped in %d chunks", chunks)
	}
	if res.Consistency.Method == "" {
		t.Fatal("no consistency method recorded")
	}
	// Two ways to load: as is, and with table big (5,000 rows) getting its
	// secondary indexes after its rows. Both must come out the same as the
	// source.
	dst2 := dst + "_2"
	t.Cleanup(func() { f.db.Exec("DROP DATABASE IF EXISTS " + dst2) })
	if err := backup.Restore(ctx, f.root, f.store, res.Objects, backup.RestoreOptions{Workers: 3, Rename: map[string]string{src: dst}, DeferIndexRows: -1, CheckRows: true}); err != nil {
		t.Fatalf("restore: %v", err)
	}
	if err := backup.Restore(ctx, f.root, f.store, res.Objects, backup.RestoreOptions{Workers: 3, Rename: map[string]string{src: dst2},
		DeferIndexRows: 1000, CheckRows: true}); err != nil {
		t.Fatalf("restore with indexes deferred: %v", err)
	}
	for _, dst := range []string{dst, dst2} {
		for _, table := range []string{"kinds", "nopk", "odd name; drop", "parent", "child", "big"} {
			if a, b := tableHash(t, f.db, src, table), tableHash(t, f.db, dst, table); a != b {
				t.Errorf("%s table %s: source %s, restored %s", dst, table, a, b)
			}
			if a, b := showCreate(t, f.db, "TABLE", src, table), showCreate(t, f.db, "TABLE", dst, table); a != b {
				t.Errorf("%s table %s: definitions differ:\n%s\n%s", dst, table, a, b)
			}
		}
		for _, o := range []struct{ kind, name string }{
			{"VIEW", "b_base"}, {"VIEW", "a_on_b"}, {"TRIGGER", "kinds_bi"}, {"PROCEDURE", "p1"}, {"FUNCTION", "f1"}, {"EVENT", "ev1"},
		} {
			if a, b := showCreate(t, f.db, o.kind, src, o.name), showCreate(t, f.db, o.kind, dst, o.name); a != b {
				t.Errorf("%s %s %s differs:\n%s\n%s", dst, o.kind, o.name, a, b)
			}
		}
	}
	// NULL and the empty string stay apart; the invisible column came back.
	var nulls, empties, inv int
	f.db.QueryRow("SELECT SUM(n IS NULL), SUM(n = ''), SUM(inv = 7) FROM `"+dst+"`.kinds").Scan(&nulls, &empties, &inv)
	if nulls != 2 || empties != 1 || inv != 1 {
		t.Errorf("restored: %d NULL n, %d empty n, %d inv = 7; want 2, 1, 1", nulls, empties, inv)
	}
	// Restoring again over the same name is refused, changing nothing.
	err = backup.Restore(ctx, f.root, f.store, res.Objects, backup.RestoreOptions{Rename: map[string]string{src: dst}})
	if err == nil || !strings.Contains(err.Error(), "exists") {
		t.Fatalf("restore over an existing database: got %v, want a refusal", err)
	}
	// The row sums the dump took catch a restored row that changed: one
	// byte of one row, and a row gone, are each named by table.
	for _, damage := range []struct{ table, q string }{
		{"big", "UPDATE `" + dst2 + "`.big SET v = CONCAT(IFNULL(v, ''), 'x') ORDER BY id LIMIT 1"},
		{"odd name; drop", "DELETE FROM `" + dst2 + "`.`odd name; drop` LIMIT 1"},
	} {
		var objs []backup.Object
		for _, o := range res.Objects {
			if o.Table == damage.table {
				objs = append(objs, o)
			}
		}
		c, err := f.db.Conn(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if n, _, err := backup.CheckRows(ctx, c, objs, map[string]string{src: dst2}); err != nil || n != 1 {
			t.Fatalf("table %s before the damage: %d checked, %v", damage.table, n, err)
		}
		f.exec(t, damage.q)
		_, _, err = backup.CheckRows(ctx, c, objs, map[string]string{src: dst2})
		c.Close()
		var me *backup.RowsMismatchError
		if !errors.As(err, &me) || me.Table != damage.table {
			t.Fatalf("after %q: CheckRows gave %v, want a mismatch naming %s", damage.q, err, damage.table)
		}
	}
}

// A row of tens of MB goes through, within max_allowed_packet.
func TestLargeRow(t *testing.T) {
	f := newFixture(t)
	src, dst := "bk_large", "bk_large_r"
	t.Cleanup(func() {
		f.db.Exec("DROP DATABASE IF EXISTS " + src)
		f.db.Exec("DROP DATABASE IF EXISTS " + dst)
	})
	f.exec(t, "SET GLOBAL max_allowed_packet = 64 * 1024 * 1024")
	// A pool opened after the change gets the new limit.
	db2, err := sql.Open("mysql", f.srv.DSN(""))
	if err != nil {
		t.Fatal(err)
	}
	defer db2.Close()
	for _, q := range []string{"CREATE DATABASE " + src, "CREATE TABLE " + src + ".blobs (id INT PRIMARY KEY, v LONGBLOB)",
		"INSERT INTO " + src + ".blobs VALUES (1, REPEAT(_binary 0x00275C0A41, 5 * 1024 * 1024))"} {
		if _, err := db2.Exec(q); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
	ctx := context.Background()
	res, err := backup.Dump(ctx, f.root, f.store, backup.Options{Include: []string{src}, SkipUsers: true})
	if err != nil {
		t.Fatal(err)
	}
	if err := backup.Restore(ctx, f.root, f.store, res.Objects, backup.RestoreOptions{Rename: map[string]string{src: dst}}); err != nil {
		t.Fatal(err)
	}
	if a, b := tableHash(t, db2, src, "blobs"), tableHash(t, db2, dst, "blobs"); a != b {
		t.Fatalf("the 25 MB row: source %s, restored %s", a, b)
	}
}

// While transfers move money between accounts (the total never changes),
// a backup is taken: the restored total is the invariant.
func TestConsistentUnderLoad(t *testing.T) {
	f := newFixture(t)
	src, dst := "bk_bank", "bk_bank_r"
	t.Cleanup(func() {
		f.db.Exec("DROP DATABASE IF EXISTS " + src)
		f.db.Exec("DROP DATABASE IF EXISTS " + dst)
	})
	f.exec(t, "CREATE DATABASE "+src, "CREATE TABLE "+src+".a (id INT PRIMARY KEY, bal BIGINT) ENGINE=InnoDB",
		"CREATE TABLE "+src+".b (id INT PRIMARY KEY, bal BIGINT) ENGINE=InnoDB")
	var sb strings.Builder
	for i := 0; i < 2000; i++ {
		if i > 0 {
			sb.WriteByte(',')
		}
		fmt.Fprintf(&sb, "(%d, 1000)", i)
	}
	f.exec(t, "INSERT INTO "+src+".a VALUES "+sb.String(), "INSERT INTO "+src+".b VALUES "+sb.String())
	const total = 2 * 2000 * 1000

	ctx, stop := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	var moved atomic.Int64
	for w := range 3 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := w; ctx.Err() == nil; i += 7 {
				tx, err := f.db.BeginTx(ctx, nil)
				if err != nil {
					return
				}
				from, to := i%2000, (i*13)%2000
				_, e1 := tx.Exec("UPDATE "+src+".a SET bal = bal - 5 WHERE id = ?", from)
				_, e2 := tx.Exec("UPDATE "+src+".b SET bal = bal + 5 WHERE id = ?", to)
				if e1 != nil || e2 != nil || tx.Commit() != nil {
					tx.Rollback()
					continue
				}
				moved.Add(1)
			}
		}()
	}
	res, err := backup.Dump(context.Background(), f.root, f.store, backup.Options{Workers: 2, ChunkRows: 500, Include: []string{src}, SkipUsers: true})
	stop()
	wg.Wait()
	if err != nil {
		t.Fatal(err)
	}
	if moved.Load() == 0 {
		t.Fatal("no transfer committed during the test: the load did not run")
	}
	if err := backup.Restore(context.Background(), f.root, f.store, res.Objects, backup.RestoreOptions{Rename: map[string]string{src: dst}}); err != nil {
		t.Fatal(err)
	}
	var sum int64
	if err := f.db.QueryRow("SELECT (SELECT SUM(bal) FROM " + dst + ".a) + (SELECT SUM(bal) FROM " + dst + ".b)").Scan(&sum); err != nil {
		t.Fatal(err)
	}
	if sum != total {
		t.Fatalf("restored total %d, want the invariant %d (method %s)", sum, total, res.Consistency.Method)
	}
}

// A dump that cannot finish is never a success.
func TestFailedDumps(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	bad := f.root
	bad.Password = "wrong"
	if _, err := backup.Dump(ctx, bad, f.store, backup.Options{}); !errors.Is(err, mysqladmin.ErrAccessDenied) {
		t.Fatalf("bad credentials: got %v", err)
	}
	// A user who cannot read the routines' bodies makes the dump fail
	// loudly rather than skip them.
	db := "bk_priv"
	t.Cleanup(func() {
		f.db.Exec("DROP DATABASE IF EXISTS " + db)
		f.db.Exec("DROP USER IF EXISTS 'bk_weak'@'%'")
	})
	f.exec(t, "CREATE DATABASE "+db, "CREATE TABLE "+db+".t (id INT PRIMARY KEY)", "CREATE PROCEDURE "+db+".p() SELECT 1",
		"CREATE USER 'bk_weak'@'%' IDENTIFIED BY 'weak-pw'", "GRANT SELECT, RELOAD ON *.* TO 'bk_weak'@'%'", "REVOKE SELECT ON *.* FROM 'bk_weak'@'%'",
		"GRANT SELECT ON "+db+".* TO 'bk_weak'@'%'", "GRANT RELOAD ON *.* TO 'bk_weak'@'%'")
	weak := f.root
	weak.Username, weak.Password = "bk_weak", "weak-pw"
	_, err := backup.Dump(ctx, weak, f.store, backup.Options{Include: []string{db}})
	if err == nil || !strings.Contains(err.Error(), "SHOW VIEW, TRIGGER, EVENT") {
		t.Fatalf("a dump by a user who cannot see every object: got %v, want a failure naming the missing privileges", err)
	}
	// Granted them, the same user's dump succeeds.
	f.exec(t, "GRANT SHOW VIEW, TRIGGER, EVENT, SELECT ON *.* TO 'bk_weak'@'%'")
	if _, err := backup.Dump(ctx, weak, f.store, backup.Options{Include: []string{db}, SkipUsers: true}); err != nil {
		t.Fatalf("a dump with the privileges it needs: %v", err)
	}
}

// Inserts during a dump move a table's AUTO_INCREMENT: not a change of its
// definition, and the dump succeeds.
func TestInsertsDuringDump(t *testing.T) {
	f := newFixture(t)
	src := "bk_ai"
	t.Cleanup(func() { f.db.Exec("DROP DATABASE IF EXISTS " + src) })
	f.exec(t, "CREATE DATABASE "+src, "CREATE TABLE "+src+".a (id INT AUTO_INCREMENT PRIMARY KEY, v INT)", "INSERT INTO "+src+".a (v) VALUES (1)",
		"CREATE TABLE "+src+".b (id INT AUTO_INCREMENT PRIMARY KEY, v INT)", "INSERT INTO "+src+".b (v) VALUES (1)")
	inserted := false
	_, err := backup.Dump(context.Background(), f.root, f.store, backup.Options{Workers: 1, Include: []string{src}, SkipUsers: true,
		Progress: func(o backup.Object) {
			if o.Kind == backup.KindData && !inserted {
				inserted = true
				f.exec(t, "INSERT INTO "+src+".a (v) VALUES (2)", "INSERT INTO "+src+".b (v) VALUES (2)")
			}
		}})
	if !inserted || err != nil {
		t.Fatalf("a dump during inserts: inserted %v, %v", inserted, err)
	}
}
