package mysqladmin

import (
	"encoding/json"
	"reflect"
	"strings"
	"testing"
)

func FuzzParseCredentials(f *testing.F) {
	for _, seed := range []string{
		`{"engine":"mysql","host":"db.example.com","username":"app","password":"s3cret","dbname":"shop","port":3306,"masterarn":"arn:aws:secretsmanager:us-east-1:1:secret:m-AbCdEf"}`,
		`{"host":"h","port":"3307","username":"u","password":"p","ssl":"true","extra":{"a":[1,2]}}`,
		`{"host":"h","username":"u","password":"p\q"}`,
		`{"host":"h","username":"u","password":"p","password":"q"}`,
		`{"host":"h","username":"u","password":"p","port":1e3}`,
		`[]`, `{`, `null`, `{"host":"h"} x`,
	} {
		f.Add([]byte(seed))
	}
	f.Fuzz(func(t *testing.T, doc []byte) {
		c, err := ParseCredentials(doc)
		if err != nil {
			// The error must not quote the password, whatever the input.
			var m map[string]any
			if json.Unmarshal(doc, &m) == nil {
				if pw, ok := m["password"].(string); ok && len(pw) >= 6 && strings.Contains(err.Error(), pw) {
					t.Fatal("the error quotes the password (not shown)")
				}
			}
			return
		}
		out, err := c.WithLogin(c.Username+"_clone", c.Password+"!").JSON()
		if err != nil {
			t.Fatalf("JSON of a parsed document: %v", err)
		}
		back, err := ParseCredentials(out)
		if err != nil {
			t.Fatalf("the document JSON wrote does not parse: %v", err)
		}
		if back.Username != c.Username+"_clone" || back.Password != c.Password+"!" {
			t.Fatal("the login read back differs from the one written")
		}
		c.fields, back.fields = nil, nil
		back.Username, back.Password = c.Username, c.Password
		if !reflect.DeepEqual(c, back) {
			t.Fatalf("fields other than the login changed: got %v, want %v", back.fieldsOnly(), c.fieldsOnly())
		}
		// Unknown fields come back byte for byte.
		var before, after map[string]json.RawMessage
		if json.Unmarshal(doc, &before) == nil && json.Unmarshal(out, &after) == nil {
			for k, v := range before {
				if _, known := c.knownValues()[k]; known {
					continue
				}
				if string(after[k]) != string(v) {
					t.Fatalf("unknown field %q: got %s, want %s", k, after[k], v)
				}
			}
		}
	})
}

func FuzzParseGrants(f *testing.F) {
	for _, seed := range []string{
		"GRANT RELOAD, PROCESS ON *.* TO `g`@`10.0.%` IDENTIFIED BY PASSWORD '*B69027D44F6E5EDC07F1AEAD1477967B16F28227' REQUIRE ISSUER '/CN=b' SUBJECT '/CN=a' CIPHER 'AES' WITH MAX_QUERIES_PER_HOUR 5",
		"GRANT SELECT (`b c`, `a`), UPDATE (`a`) ON `d1`.`t` TO `g`@`10.0.%` WITH GRANT OPTION",
		"GRANT EXECUTE, ALTER ROUTINE ON FUNCTION `d1`.`f` TO `g`@`10.0.%`",
		"GRANT `r1` TO `g`@`10.0.%` WITH ADMIN OPTION",
		"GRANT PROXY ON 'root'@'localhost' TO `g`@`%` WITH GRANT OPTION",
		"SET DEFAULT ROLE `r1` FOR `g`@`10.0.%`",
		"GRANT USAGE ON *.* TO `s`@`%` IDENTIFIED VIA mysql_native_password USING '*A6' OR ed25519 USING PASSWORD('x') REQUIRE SSL WITH MAX_STATEMENT_TIME 1.500000",
		"GRANT `reader`@`%`,`writer`@`localhost` TO `app`@`%`",
		"GRANT SELECT ON `a``b`.`c'd` TO `o'd#;\\\"`@`%`",
	} {
		f.Add(seed, "CREATE USER `u`@`%` IDENTIFIED WITH 'caching_sha2_password' AS '$A$005$' REQUIRE X509 PASSWORD REQUIRE CURRENT DEFAULT DEFAULT ROLE `r`@`%`")
	}
	mariadb := ServerInfo{Flavor: MariaDB, Version: Version{10, 11, 0}}
	f.Fuzz(func(t *testing.T, lines, create string) {
		g, err := ParseGrants(strings.Split(lines, "\n"), create)
		if err != nil {
			return
		}
		if d := Diff(g, g); len(d) != 0 {
			t.Fatalf("Diff of grants with themselves: %v", d)
		}
		target := Account{User: "t", Host: "%"}
		for _, st := range PlanGrantSync(mariadb, g, Grants{}, target) {
			if n := placeholders(st.SQL); n != len(st.Args) {
				t.Fatalf("%s: %d placeholders, %d arguments", st.SQL, n, len(st.Args))
			}
		}
		for _, og := range g.Objects {
			for _, p := range og.Privileges {
				for _, w := range strings.Fields(p.Name) {
					if !isKeyword(w) || strings.ToUpper(w) != w {
						t.Fatalf("privilege %q is not upper-case keywords", p.Name)
					}
				}
			}
		}
		// What the planner writes parses back to the same objects and roles.
		again, err := ParseGrants(render(g), "")
		if err != nil {
			t.Fatalf("the rendered grants do not parse: %v\n%s", err, strings.Join(render(g), "\n"))
		}
		if !reflect.DeepEqual(again.Objects, g.Objects) || !reflect.DeepEqual(again.Roles, g.Roles) {
			t.Fatalf("rendered and parsed again:\ngot  %+v %+v\nwant %+v %+v", again.Objects, again.Roles, g.Objects, g.Roles)
		}
	})
}

// render writes grants as SHOW GRANTS would, with the planner's quoting.
func render(g Grants) []string {
	var lines []string
	for _, og := range g.Objects {
		list := privilegeSQL(og.Privileges)
		if list == "" {
			list = "USAGE"
		}
		line := "GRANT " + list + " ON " + og.Object.SQL() + " TO `u`@`%`"
		if og.GrantOption {
			line += " WITH GRANT OPTION"
		}
		lines = append(lines, line)
	}
	for _, r := range g.Roles {
		line := "GRANT " + r.Role.String() + " TO `u`@`%`"
		if r.AdminOption {
			line += " WITH ADMIN OPTION"
		}
		lines = append(lines, line)
	}
	return lines
}

// placeholders counts the ? of a statement outside quoted identifiers.
func placeholders(sql string) int {
	n, quoted := 0, false
	for i := 0; i < len(sql); i++ {
		switch sql[i] {
		case '`':
			quoted = !quoted
		case '?':
			if !quoted {
				n++
			}
		}
	}
	return n
}
