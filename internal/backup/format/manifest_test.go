package format_test

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/dbwarden/dbwarden/internal/backup/format"
)

func TestManifestRoundTrip(t *testing.T) {
	ctx := context.Background()
	kp := newProvider(t)
	b := writeBackup(t, kp, "20260301T020000Z-a1", format.DefaultCompression)

	m, key, err := format.OpenManifest(ctx, kp, b.manifest)
	if err != nil {
		t.Fatalf("OpenManifest: %v", err)
	}
	defer key.Destroy()
	want := baseManifest("20260301T020000Z-a1")
	if m.BackupID != want.BackupID || !m.Started.Equal(want.Started) || !m.Finished.Equal(want.Finished) ||
		m.Source != want.Source || m.Consistency != want.Consistency || m.Compression != want.Compression || m.Key.Provider != "file" {
		t.Fatalf("got %+v, want the fields of %+v", m, want)
	}
	if got, want := fmt.Sprint(m.Objects), fmt.Sprint(b.objects); got != want {
		t.Fatalf("got objects %s, want %s", got, want)
	}
	if m.Started.Location() != time.UTC {
		t.Fatalf("started is in %v, want UTC", m.Started.Location())
	}
	again, err := format.EncodeManifest(m, key)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(again, b.manifest) {
		t.Fatalf("encoding the decoded manifest gives\n%s\nwant the original\n%s", again, b.manifest)
	}
	t.Run("the HMAC is the last member, over the bytes before it", func(t *testing.T) {
		i := bytes.LastIndex(b.manifest, []byte(`,"hmac_sha256":"`))
		if i < 0 || !bytes.HasSuffix(b.manifest, []byte(`"}`)) || len(b.manifest)-i != len(`,"hmac_sha256":"`)+64+2 {
			t.Fatalf("the manifest does not end with the hmac member:\n%s", b.manifest)
		}
	})
	t.Run("times are kept to the microsecond in UTC", func(t *testing.T) {
		m := baseManifest(b.key.BackupID())
		m.Started = time.Date(2026, 3, 1, 3, 0, 0, 123456789, time.FixedZone("CET", 3600))
		data, err := format.EncodeManifest(m, b.key)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Contains(data, []byte(`"started":"2026-03-01T02:00:00.123456Z"`)) {
			t.Fatalf("got %s, want started in UTC with six fractional digits", data)
		}
	})
}

func TestOpenManifestRefusesTampering(t *testing.T) {
	ctx := context.Background()
	kp := newProvider(t)
	b := writeBackup(t, kp, "b-tamper", format.DefaultCompression)
	var wire map[string]any
	if err := json.Unmarshal(b.manifest, &wire); err != nil {
		t.Fatal(err)
	}
	wrapped, err := base64.StdEncoding.DecodeString(wire["key"].(map[string]any)["wrapped"].(string))
	if err != nil {
		t.Fatal(err)
	}
	flipped := append([]byte(nil), wrapped...)
	flipped[len(flipped)-1] ^= 1
	firstObject := strings.Index(string(b.manifest), `{"name":"schema/app"`)
	secondObject := strings.Index(string(b.manifest), `{"name":"data/app/users/000000"`)

	cases := []struct {
		name string
		edit func(string) string
		want error
	}{
		{"a changed row count", func(s string) string { return strings.Replace(s, `"rows":5000`, `"rows":5001`, 1) }, format.ErrManifestTampered},
		{"a changed checksum", func(s string) string {
			return strings.Replace(s, b.objects[1].SHA256, strings.Repeat("0", 64), 1)
		}, format.ErrManifestTampered},
		{"a changed size", func(s string) string {
			return strings.Replace(s, fmt.Sprintf(`"size":%d`, b.objects[1].Size), fmt.Sprintf(`"size":%d`, b.objects[1].Size+1), 1)
		}, format.ErrManifestTampered},
		{"a removed object", func(s string) string { return s[:firstObject] + s[secondObject:] }, format.ErrManifestTampered},
		{"a changed finish time", func(s string) string {
			return strings.Replace(s, `"finished":"2026-03-01T02:01:35.123456Z"`, `"finished":"2026-03-01T02:01:36.123456Z"`, 1)
		}, format.ErrManifestTampered},
		{"a changed binlog position", func(s string) string {
			return strings.Replace(s, `"binlog_position":1337`, `"binlog_position":1338`, 1)
		}, format.ErrManifestTampered},
		{"a changed hmac", func(s string) string {
			i := strings.LastIndex(s, `"hmac_sha256":"`) + len(`"hmac_sha256":"`)
			c := "0"
			if s[i] == '0' {
				c = "1"
			}
			return s[:i] + c + s[i+1:]
		}, format.ErrManifestTampered},
		{"a changed backup id", func(s string) string {
			return strings.Replace(s, `"backup_id":"b-tamper"`, `"backup_id":"b-tampes"`, 1)
		}, format.ErrWrongKey},
		{"a changed wrapped key", func(s string) string {
			return strings.Replace(s, base64.StdEncoding.EncodeToString(wrapped), base64.StdEncoding.EncodeToString(flipped), 1)
		}, format.ErrWrongKey},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			edited := tc.edit(string(b.manifest))
			if edited == string(b.manifest) {
				t.Fatal("the edit changed nothing")
			}
			if _, err := format.DecodeManifest([]byte(edited)); err != nil {
				t.Fatalf("the edited manifest does not decode, so the test does not reach the HMAC: %v", err)
			}
			_, _, err := format.OpenManifest(ctx, kp, []byte(edited))
			checkRefused(t, err, format.ManifestName, tc.want, "")
		})
	}
	t.Run("another key provider", func(t *testing.T) {
		_, _, err := format.OpenManifest(ctx, newProvider(t), b.manifest)
		checkRefused(t, err, format.ManifestName, format.ErrWrongKey, "cannot unwrap the data key")
	})
}

func TestManifestValidation(t *testing.T) {
	kp := newProvider(t)
	key := newKey(t, kp, "b1")
	obj := func() format.Object {
		return format.Object{Name: "data/app/t/000000", Kind: format.KindData, Database: "app", Table: "t", Rows: 1, RawSize: 10, Size: 100, SHA256: strings.Repeat("ab", 32)}
	}
	cases := []struct {
		name  string
		edit  func(m *format.Manifest)
		field string
	}{
		{"an empty dbwarden version", func(m *format.Manifest) { m.DBWardenVersion = "" }, "dbwarden_version: is empty"},
		{"no start time", func(m *format.Manifest) { m.Started = time.Time{} }, "started: is not set"},
		{"finished before started", func(m *format.Manifest) { m.Finished = m.Started.Add(-time.Second) }, "finished: 2026-03-01T01:59:59.123456Z is before started 2026-03-01T02:00:00.123456Z"},
		{"an unknown flavor spelling", func(m *format.Manifest) { m.Source.Flavor = "MariaDB" }, "source.flavor"},
		{"credentials in the address", func(m *format.Manifest) { m.Source.Address = "root:hunter2@db:3306" }, "source.address: contains '@'"},
		{"an address without a port", func(m *format.Manifest) { m.Source.Address = "db.internal" }, "source.address"},
		{"a port out of range", func(m *format.Manifest) { m.Source.Address = "db:70000" }, "source.address: port"},
		{"a relative socket path", func(m *format.Manifest) { m.Source.Address = "unix:run/mysqld.sock" }, "source.address: socket path"},
		{"no consistency method", func(m *format.Manifest) { m.Consistency.Method = "" }, "consistency.method: is empty"},
		{"a binlog position without a file", func(m *format.Manifest) { m.Consistency.BinlogFile = "" }, "consistency.binlog_position: is set without binlog_file"},
		{"a binlog position before 4", func(m *format.Manifest) { m.Consistency.BinlogPosition = 3 }, "consistency.binlog_position: 3 is not"},
		{"a binlog file with a slash", func(m *format.Manifest) { m.Consistency.BinlogFile = "../bin.01" }, "consistency.binlog_file"},
		{"whitespace in the GTID set", func(m *format.Manifest) { m.Consistency.GTIDSet = "0-1-100,\n0-2-5" }, "consistency.gtid_set"},
		{"an unknown compression", func(m *format.Manifest) { m.Compression = format.Compression{Algorithm: "lz4"} }, "compression: unknown compression algorithm"},
		{"no key provider", func(m *format.Manifest) { m.Key.Provider = "" }, "key.provider: is empty"},
		{"an object named with ..", func(m *format.Manifest) { m.Objects[0].Name = "data/../../etc/passwd" }, `objects[0].name: object name "data/../../etc/passwd" has a ".." path segment`},
		{"an absolute object name", func(m *format.Manifest) { m.Objects[0].Name = "/etc/passwd" }, "objects[0].name: object name \"/etc/passwd\" is an absolute path"},
		{"an object named like the manifest", func(m *format.Manifest) { m.Objects[0].Name = "manifest.json" }, "is reserved for the manifest"},
		{"a backslash in an object name", func(m *format.Manifest) { m.Objects[0].Name = `data\app` }, `objects[0].name: object name "data\\app" contains '\\'`},
		{"two objects of the same name", func(m *format.Manifest) { m.Objects = append(m.Objects, m.Objects[0]) }, `objects[1].name: "data/app/t/000000" is also objects[0]`},
		{"an unknown kind", func(m *format.Manifest) { m.Objects[0].Kind = "blobs" }, `objects[0].kind: "blobs" is not one of`},
		{"a data object without a table", func(m *format.Manifest) { m.Objects[0].Table = "" }, "objects[0]: a data object names its database and table"},
		{"a control character in a table name", func(m *format.Manifest) { m.Objects[0].Table = "t\x00" }, "objects[0].table: contains the control character U+0000"},
		{"invalid UTF-8 in a database name", func(m *format.Manifest) { m.Objects[0].Database = "\xff" }, "objects[0].database: is not valid UTF-8"},
		{"a negative row count", func(m *format.Manifest) { m.Objects[0].Rows = -1 }, "objects[0].rows: -1 is negative"},
		{"a size smaller than any chunk", func(m *format.Manifest) { m.Objects[0].Size = 40 }, "objects[0].size: 40 is not a chunk's size"},
		{"a short checksum", func(m *format.Manifest) { m.Objects[0].SHA256 = "abcd" }, "objects[0].sha256: is not 64 lowercase hex digits"},
		{"an upper-case checksum", func(m *format.Manifest) { m.Objects[0].SHA256 = strings.Repeat("AB", 32) }, "objects[0].sha256"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			m := baseManifest("b1")
			m.Objects = []format.Object{obj()}
			tc.edit(m)
			_, err := format.EncodeManifest(m, key)
			if err == nil {
				t.Fatal("EncodeManifest accepted it, want an error")
			}
			if !errors.Is(err, format.ErrInvalidManifest) || !strings.Contains(err.Error(), tc.field) {
				t.Fatalf("got %q, want an invalid-manifest error saying %q", err, tc.field)
			}
			if strings.Contains(err.Error(), "hunter2") {
				t.Fatalf("the error %q repeats the password from the address", err)
			}
		})
	}
	t.Run("every problem is reported at once", func(t *testing.T) {
		m := baseManifest("b1")
		m.Objects = []format.Object{obj()}
		m.DBWardenVersion, m.Source.Flavor, m.Objects[0].Rows = "", "", -5
		err := m.Validate()
		for _, want := range []string{"dbwarden_version", "source.flavor", "objects[0].rows"} {
			if err == nil || !strings.Contains(err.Error(), want) {
				t.Errorf("got %v, want it to name %s", err, want)
			}
		}
	})
	t.Run("a manifest of another backup's key is refused", func(t *testing.T) {
		_, err := format.EncodeManifest(baseManifest("b2"), key)
		if err == nil || !strings.Contains(err.Error(), `backup id "b2" is not the data key's backup "b1"`) {
			t.Fatalf("got %v, want an error naming both backup ids", err)
		}
	})
	for _, id := range []string{"", ".hidden", "a/b", "a b", strings.Repeat("x", 129)} {
		t.Run(fmt.Sprintf("backup id %q is refused", id), func(t *testing.T) {
			if _, err := format.NewDataKey(context.Background(), kp, id); err == nil || !strings.Contains(err.Error(), "backup id") {
				t.Fatalf("got %v, want an error about the backup id", err)
			}
		})
	}
}

func TestDecodeManifestIsStrict(t *testing.T) {
	kp := newProvider(t)
	b := writeBackup(t, kp, "b-strict", format.DefaultCompression)
	good := string(b.manifest)
	var pretty bytes.Buffer
	if err := json.Indent(&pretty, b.manifest, "", "  "); err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		name string
		data string
		want string
	}{
		{"not JSON", "hello", "not a JSON object"},
		{"a JSON array", "[]", "not a JSON object"},
		{"no format", `{"backup_id":"x"}`, "no format field"},
		{"format 2", strings.Replace(good, `"format":1`, `"format":2`, 1), "format 2 is not supported; this dbwarden reads format 1"},
		{"an unknown field", strings.Replace(good, `"format":1,`, `"format":1,"comment":"x",`, 1), `unknown field "comment"`},
		{"an unknown nested field", strings.Replace(good, `"flavor":`, `"password":"x","flavor":`, 1), `unknown field "password"`},
		{"data after the object", good + "{}", "data after"},
		{"reformatted", pretty.String(), "not in the exact form dbwarden writes"},
		{"a trailing newline", good + "\n", "not in the exact form dbwarden writes"},
		{"a key in other case", strings.Replace(good, `"backup_id"`, `"BACKUP_ID"`, 1), "not in the exact form dbwarden writes"},
		{"a repeated key", strings.Replace(good, `"format":1,`, `"format":1,"format":1,`, 1), "not in the exact form dbwarden writes"},
		{"a time with an offset", strings.Replace(good, `"started":"2026-03-01T02:00:00.123456Z"`, `"started":"2026-03-01T03:00:00.123456+01:00"`, 1), `started: "2026-03-01T03:00:00.123456+01:00" is not a UTC time`},
		{"a time without fraction", strings.Replace(good, `"started":"2026-03-01T02:00:00.123456Z"`, `"started":"2026-03-01T02:00:00Z"`, 1), "started:"},
		{"a number as a string", strings.Replace(good, `"rows":5000`, `"rows":"5000"`, 1), "rows"},
		{"no hmac", good[:strings.LastIndex(good, `,"hmac_sha256"`)] + "}", "hmac_sha256: is not 64 lowercase hex digits"},
		{"an escaped character", strings.Replace(good, `"flavor":"mariadb"`, `"flavor":"m\u0061riadb"`, 1), "not in the exact form dbwarden writes"},
		{"too large", `{"format":1,"x":"` + strings.Repeat("a", format.MaxManifestSize) + `"}`, "more than the"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, err := format.DecodeManifest([]byte(tc.data))
			if err == nil {
				t.Fatal("got no error")
			}
			if !errors.Is(err, format.ErrInvalidManifest) || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("got %q, want an invalid-manifest error saying %q", err, tc.want)
			}
		})
	}
}

func TestDataKeyNeverPrintsItsKey(t *testing.T) {
	k := newKey(t, newProvider(t), "b1")
	raw := k.KeyBytes()
	var logged bytes.Buffer
	slog.New(slog.NewJSONHandler(&logged, nil)).Info("backup", "key", k)
	printed := []string{fmt.Sprint(k), fmt.Sprintf("%v %+v %#v %s %q %x", k, k, k, k, k, k), logged.String()}
	for _, s := range printed {
		for _, form := range []string{string(raw), hex.EncodeToString(raw), base64.StdEncoding.EncodeToString(raw), fmt.Sprint(raw)} {
			if strings.Contains(s, form) {
				t.Fatalf("a printed DataKey contains its key material")
			}
		}
		if !strings.Contains(s, "redacted") {
			t.Fatalf("a printed DataKey, %q, does not say it is redacted", s)
		}
	}
	k.Destroy()
	if !bytes.Equal(raw, make([]byte, len(raw))) {
		t.Fatal("Destroy left key bytes in memory")
	}
	if _, err := k.NewChunkWriter(&bytes.Buffer{}, "d/x", format.DefaultCompression); err == nil || !strings.Contains(err.Error(), "destroyed") {
		t.Fatalf("using a destroyed key gave %v, want an error saying it was destroyed", err)
	}
}
