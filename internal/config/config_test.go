package config

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func env(m map[string]string) func(string) string { return func(k string) string { return m[k] } }

func TestPrecedence(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "config.json")
	os.WriteFile(file, []byte(`{"data_dir": "/from/file", "output": "table", "arn": {"region": "eu-west-1"}}`), 0o600)

	t.Run("the file overrides the defaults", func(t *testing.T) {
		c, err := Load(file, true, env(nil))
		if err != nil {
			t.Fatal(err)
		}
		if c.DataDir != "/from/file" || c.Output != "table" || c.ARN.Region != "eu-west-1" || c.ARN.Account != "000000000000" {
			t.Fatalf("got %+v", c)
		}
	})
	t.Run("the environment overrides the file", func(t *testing.T) {
		c, err := Load(file, true, env(map[string]string{"DBWARDEN_DATA_DIR": "/from/env", "DBWARDEN_REGION": "ap-south-1"}))
		if err != nil {
			t.Fatal(err)
		}
		if c.DataDir != "/from/env" || c.ARN.Region != "ap-south-1" || c.Output != "table" {
			t.Fatalf("got %+v", c)
		}
	})
	t.Run("a missing default file is fine, a missing named file is not", func(t *testing.T) {
		if _, err := Load(filepath.Join(dir, "none.json"), false, env(nil)); err != nil {
			t.Fatalf("optional: got %v", err)
		}
		if _, err := Load(filepath.Join(dir, "none.json"), true, env(nil)); err == nil {
			t.Fatal("required: got no error")
		}
	})
	t.Run("unknown keys in the file are errors", func(t *testing.T) {
		bad := filepath.Join(dir, "bad.json")
		os.WriteFile(bad, []byte(`{"data_dri": "/typo"}`), 0o600)
		_, err := Load(bad, true, env(nil))
		if err == nil || !strings.Contains(err.Error(), "data_dri") {
			t.Fatalf("got %v, want an error naming data_dri", err)
		}
	})
}

func TestValidateNamesEveryBadKey(t *testing.T) {
	c := Default()
	c.Output = "yaml"
	c.ARN.Account = "123"
	c.Keys.Provider = "kms"
	err := c.Validate()
	if err == nil {
		t.Fatal("got no error")
	}
	for _, key := range []string{"output", "arn.account", "keys.kms_key_id"} {
		if !strings.Contains(err.Error(), key) {
			t.Errorf("error %q does not name %s", err, key)
		}
	}
	if err := Default().Validate(); err != nil {
		t.Fatalf("defaults: got %v", err)
	}
}
