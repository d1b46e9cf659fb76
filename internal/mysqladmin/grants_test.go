package mysqladmin

import (
	"reflect"
	"strings"
	"testing"
)

func TestParseGrants(t *testing.T) {
	t.Run("MariaDB 10.11 output with every kind of grant", func(t *testing.T) {
		lines := []string{
			"GRANT `r1` TO `g`@`10.0.%`",
			"GRANT RELOAD, PROCESS ON *.* TO `g`@`10.0.%` IDENTIFIED BY PASSWORD '*B69027D44F6E5EDC07F1AEAD1477967B16F28227' REQUIRE ISSUER '/CN=b' SUBJECT '/CN=a' CIPHER 'AES' WITH MAX_QUERIES_PER_HOUR 5",
			"GRANT SELECT, INSERT ON `d1`.* TO `g`@`10.0.%` WITH GRANT OPTION",
			"GRANT DELETE ON `we'ird`.* TO `g`@`10.0.%`",
			"GRANT SELECT ON `d\\_1`.* TO `g`@`10.0.%`",
			"GRANT SELECT (`b c`, `a`), UPDATE (`a`) ON `d1`.`t` TO `g`@`10.0.%`",
			"GRANT EXECUTE ON PROCEDURE `d1`.`p` TO `g`@`10.0.%`",
			"GRANT EXECUTE, ALTER ROUTINE ON FUNCTION `d1`.`f` TO `g`@`10.0.%`",
			"GRANT PROXY ON 'root'@'localhost' TO `g`@`10.0.%` WITH GRANT OPTION",
			"SET DEFAULT ROLE `r1` FOR `g`@`10.0.%`",
		}
		create := "CREATE USER `g`@`10.0.%` IDENTIFIED BY PASSWORD '*B69027D44F6E5EDC07F1AEAD1477967B16F28227' REQUIRE ISSUER '/CN=b' SUBJECT '/CN=a' CIPHER 'AES' WITH MAX_QUERIES_PER_HOUR 5"
		g, err := ParseGrants(lines, create)
		if err != nil {
			t.Fatal(err)
		}
		want := Grants{
			Objects: []ObjectGrant{
				{Object: Object{}, Privileges: []Privilege{{Name: "PROCESS"}, {Name: "RELOAD"}}},
				{Object: Object{DB: "d1"}, Privileges: []Privilege{{Name: "INSERT"}, {Name: "SELECT"}}, GrantOption: true},
				{Object: Object{DB: "d1", Table: "t"}, Privileges: []Privilege{{Name: "SELECT", Column: "a"}, {Name: "SELECT", Column: "b c"}, {Name: "UPDATE", Column: "a"}}},
				{Object: Object{DB: "d\\_1"}, Privileges: []Privilege{{Name: "SELECT"}}},
				{Object: Object{DB: "we'ird"}, Privileges: []Privilege{{Name: "DELETE"}}},
				{Object: Object{Kind: "FUNCTION", DB: "d1", Table: "f"}, Privileges: []Privilege{{Name: "ALTER ROUTINE"}, {Name: "EXECUTE"}}},
				{Object: Object{Kind: "PROCEDURE", DB: "d1", Table: "p"}, Privileges: []Privilege{{Name: "EXECUTE"}}},
			},
			Roles:        []RoleGrant{{Role: Role{Name: "r1"}}},
			Proxies:      []ProxyGrant{{Proxied: Account{User: "root", Host: "localhost"}, GrantOption: true}},
			DefaultRoles: []Role{{Name: "r1"}},
			TLS:          TLSRequirement{Type: "SPECIFIED", Issuer: "/CN=b", Subject: "/CN=a", Cipher: "AES"},
			Limits:       Limits{MaxQueriesPerHour: 5},
			AuthMethods:  []string{"mysql_native_password"},
		}
		if !reflect.DeepEqual(g, want) {
			t.Fatalf("got  %+v\nwant %+v", g, want)
		}
	})

	t.Run("REQUIRE SSL and two passwords on MariaDB", func(t *testing.T) {
		g, err := ParseGrants(
			[]string{"GRANT USAGE ON *.* TO `s`@`%` IDENTIFIED VIA mysql_native_password USING '*A6C4E0E2B9E43CDBFCDCDC8DE615C3AFB10FF5A6' OR mysql_native_password USING '*89063080929868A5DFEC18596EC951918DC26DB5' REQUIRE SSL"},
			"CREATE USER `s`@`%` IDENTIFIED VIA mysql_native_password USING '*A6C4E0E2B9E43CDBFCDCDC8DE615C3AFB10FF5A6' OR mysql_native_password USING '*89063080929868A5DFEC18596EC951918DC26DB5' REQUIRE SSL")
		if err != nil {
			t.Fatal(err)
		}
		if g.TLS.Type != "SSL" || len(g.Objects) != 0 {
			t.Fatalf("got %+v, want REQUIRE SSL and no privileges", g)
		}
		if !reflect.DeepEqual(g.AuthMethods, []string{"mysql_native_password", "mysql_native_password"}) {
			t.Fatalf("got auth methods %v, want two", g.AuthMethods)
		}
	})

	t.Run("MySQL 8 output: dynamic privileges, roles with hosts, CREATE USER clauses", func(t *testing.T) {
		lines := []string{
			"GRANT SELECT, RELOAD ON *.* TO `app`@`%`",
			"GRANT APPLICATION_PASSWORD_ADMIN,BACKUP_ADMIN ON *.* TO `app`@`%`",
			"GRANT ALL PRIVILEGES ON `shop`.* TO `app`@`%` WITH GRANT OPTION",
			"GRANT `reader`@`%`,`writer`@`localhost` TO `app`@`%` WITH ADMIN OPTION",
		}
		create := "CREATE USER `app`@`%` IDENTIFIED WITH 'caching_sha2_password' AS '$A$005$abc' REQUIRE X509 " +
			"WITH MAX_USER_CONNECTIONS 10 PASSWORD EXPIRE DEFAULT ACCOUNT UNLOCK PASSWORD HISTORY DEFAULT " +
			"PASSWORD REUSE INTERVAL DEFAULT PASSWORD REQUIRE CURRENT DEFAULT DEFAULT ROLE `reader`@`%` COMMENT 'x WITH GRANT OPTION'"
		g, err := ParseGrants(lines, create)
		if err != nil {
			t.Fatal(err)
		}
		want := Grants{
			Objects: []ObjectGrant{
				{Object: Object{}, Privileges: []Privilege{{Name: "APPLICATION_PASSWORD_ADMIN"}, {Name: "BACKUP_ADMIN"}, {Name: "RELOAD"}, {Name: "SELECT"}}},
				{Object: Object{DB: "shop"}, Privileges: []Privilege{{Name: "ALL PRIVILEGES"}}, GrantOption: true},
			},
			Roles:        []RoleGrant{{Role: Role{Name: "reader", Host: "%"}, AdminOption: true}, {Role: Role{Name: "writer", Host: "localhost"}, AdminOption: true}},
			DefaultRoles: []Role{{Name: "reader", Host: "%"}},
			TLS:          TLSRequirement{Type: "X509"},
			Limits:       Limits{MaxUserConnections: 10},
			AuthMethods:  []string{"caching_sha2_password"},
		}
		if !reflect.DeepEqual(g, want) {
			t.Fatalf("got  %+v\nwant %+v", g, want)
		}
	})

	t.Run("grants of one object on several lines are merged", func(t *testing.T) {
		g, err := ParseGrants([]string{
			"GRANT SELECT ON `d`.* TO `u`@`%`",
			"GRANT INSERT, SELECT ON `d`.* TO `u`@`%` WITH GRANT OPTION",
			"GRANT USAGE ON *.* TO `u`@`%`",
		}, "")
		if err != nil {
			t.Fatal(err)
		}
		want := []ObjectGrant{{Object: Object{DB: "d"}, Privileges: []Privilege{{Name: "INSERT"}, {Name: "SELECT"}}, GrantOption: true}}
		if !reflect.DeepEqual(g.Objects, want) {
			t.Fatalf("got %+v, want %+v", g.Objects, want)
		}
	})

	t.Run("quoted names keep backticks, quotes, spaces and the word ON", func(t *testing.T) {
		g, err := ParseGrants([]string{"GRANT SELECT (`x ON y`) ON `a``b`.`c'd` TO `o'd#;\\\"`@`%`"}, "")
		if err != nil {
			t.Fatal(err)
		}
		want := []ObjectGrant{{Object: Object{DB: "a`b", Table: "c'd"}, Privileges: []Privilege{{Name: "SELECT", Column: "x ON y"}}}}
		if !reflect.DeepEqual(g.Objects, want) {
			t.Fatalf("got %+v, want %+v", g.Objects, want)
		}
		if got, want := g.Objects[0].Object.SQL(), "`a``b`.`c'd`"; got != want {
			t.Fatalf("SQL: got %s, want %s", got, want)
		}
	})

	t.Run("bad lines are errors that name the token, not the line", func(t *testing.T) {
		for _, line := range []string{
			"",
			"GRANT",
			"GRANT SELECT TO `u`@`%`",
			"GRANT SELECT ON `d` TO `u`@`%`",
			"GRANT SELECT ON *.`t` TO `u`@`%`",
			"GRANT SELECT ON `d`.* TO `u`@`%` IDENTIFIED BY PASSWORD '*SECRETHASH' BANANA",
			"GRANT SELECT ON `d`.* TO `u`@`%` WITH MAX_QUERIES_PER_HOUR lots",
			"GRANT SELECT ON `d.* TO `u`@`%`",
			"GRANT SELECT ON `d`.* TO `u`@`%` IDENTIFIED BY 'SECRETHASH",
			"REVOKE SELECT ON `mysql`.* FROM `u`@`%`",
			"DROP USER `u`@`%`",
		} {
			_, err := ParseGrants([]string{line}, "")
			if err == nil {
				t.Errorf("%q: got no error, want one", line)
				continue
			}
			if strings.Contains(err.Error(), "SECRETHASH") {
				t.Errorf("%q: the error quotes a string of the line: %v", line, err)
			}
			if !strings.Contains(err.Error(), "line 1") {
				t.Errorf("%q: got %v, want it to name the line number", line, err)
			}
		}
	})
}

func TestPlanGrantSync(t *testing.T) {
	mariadb := ServerInfo{Flavor: MariaDB, Version: Version{10, 11, 14}}
	target := Account{User: "app_clone", Host: "%"}
	want := Grants{
		Objects: []ObjectGrant{
			{Object: Object{DB: "shop"}, Privileges: []Privilege{{Name: "SELECT"}, {Name: "UPDATE"}}, GrantOption: true},
			{Object: Object{DB: "shop", Table: "t"}, Privileges: []Privilege{{Name: "INSERT", Column: "a"}, {Name: "INSERT", Column: "b"}}},
		},
		Roles: []RoleGrant{{Role: Role{Name: "reader"}}},
		TLS:   TLSRequirement{Type: "SSL"},
	}
	have := Grants{
		Objects: []ObjectGrant{
			{Object: Object{DB: "shop"}, Privileges: []Privilege{{Name: "DELETE"}, {Name: "SELECT"}}},
			{Object: Object{DB: "other"}, Privileges: []Privilege{{Name: "SELECT"}}, GrantOption: true},
		},
		Roles: []RoleGrant{{Role: Role{Name: "writer"}}},
	}
	got := PlanGrantSync(mariadb, want, have, target)
	var sqls []string
	for _, st := range got {
		sqls = append(sqls, st.SQL)
		if len(st.Args) < 2 || st.Args[0] != "app_clone" || st.Args[1] != "%" {
			t.Errorf("%s: got args %v, want the target account first", st.SQL, st.Args)
		}
	}
	wantSQL := []string{
		"REVOKE `writer` FROM ?@?",
		"REVOKE SELECT ON `other`.* FROM ?@?",
		"REVOKE GRANT OPTION ON `other`.* FROM ?@?",
		"REVOKE DELETE ON `shop`.* FROM ?@?",
		"GRANT SELECT, UPDATE ON `shop`.* TO ?@? WITH GRANT OPTION",
		"GRANT INSERT (`a`, `b`) ON `shop`.`t` TO ?@?",
		"GRANT `reader` TO ?@?",
		"ALTER USER ?@? REQUIRE SSL",
	}
	if !reflect.DeepEqual(sqls, wantSQL) {
		t.Fatalf("got\n  %s\nwant\n  %s", strings.Join(sqls, "\n  "), strings.Join(wantSQL, "\n  "))
	}
	if d := Diff(want, want); len(d) != 0 {
		t.Fatalf("Diff of equal grants: got %v, want none", d)
	}
	if d := Diff(want, have); len(d) == 0 {
		t.Fatal("Diff of different grants: got none, want some")
	}
	if got := PlanGrantSync(mariadb, want, want, target); len(got) != 0 {
		t.Fatalf("equal grants: got %d statements, want none", len(got))
	}
}

func TestParseServerInfo(t *testing.T) {
	for _, tc := range []struct {
		version, comment string
		want             ServerInfo
	}{
		{"10.11.14-MariaDB-0+deb12u2", "Debian 12", ServerInfo{Flavor: MariaDB, Version: Version{10, 11, 14}}},
		{"5.5.5-10.6.12-MariaDB-log", "", ServerInfo{Flavor: MariaDB, Version: Version{10, 6, 12}}},
		{"8.0.36", "MySQL Community Server - GPL", ServerInfo{Flavor: MySQL, Version: Version{8, 0, 36}}},
		{"8.0.36-28", "Percona Server (GPL), Release 28", ServerInfo{Flavor: MySQL, Version: Version{8, 0, 36}}},
		{"5.7.44-log", "", ServerInfo{Flavor: MySQL, Version: Version{5, 7, 44}}},
		{"11.4", "mariadb.org binary distribution", ServerInfo{Flavor: MariaDB, Version: Version{11, 4, 0}}},
	} {
		got, err := ParseServerInfo(tc.version, tc.comment)
		if err != nil {
			t.Errorf("%q: %v", tc.version, err)
			continue
		}
		got.Raw = ""
		if got != tc.want {
			t.Errorf("%q: got %+v, want %+v", tc.version, got, tc.want)
		}
	}
	for _, bad := range []string{"", "MariaDB", "8", "x.y.z"} {
		if _, err := ParseServerInfo(bad, ""); err == nil {
			t.Errorf("%q: got no error, want one", bad)
		}
	}
	t.Run("limits and dual passwords follow flavor and version", func(t *testing.T) {
		m := ServerInfo{Flavor: MariaDB, Version: Version{10, 11, 0}}
		my := ServerInfo{Flavor: MySQL, Version: Version{8, 0, 14}}
		old := ServerInfo{Flavor: MySQL, Version: Version{8, 0, 13}}
		if m.MaxUserNameLength() != 80 || my.MaxUserNameLength() != 32 {
			t.Errorf("got name limits %d and %d, want 80 and 32", m.MaxUserNameLength(), my.MaxUserNameLength())
		}
		if !m.DualPasswords() || !my.DualPasswords() || old.DualPasswords() {
			t.Errorf("got dual passwords %v %v %v, want true true false", m.DualPasswords(), my.DualPasswords(), old.DualPasswords())
		}
	})
}
