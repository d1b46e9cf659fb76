// Package config is dbwarden's configuration: defaults, a JSON file,
// DBWARDEN_* environment variables and command-line flags, in increasing
// order of precedence.
package config

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
)

// Config is the whole configuration. Each component takes only its part.
type Config struct {
	// DataDir holds the store, the key ring and the audit trail.
	DataDir string `json:"data_dir"`
	// Output is the default output format: json, text or table.
	Output string `json:"output"`
	// ARN is what the ARNs of new secrets are made of.
	ARN ARNConfig `json:"arn"`
	// Keys selects the key-encryption key.
	Keys KeysConfig `json:"keys"`
	// Backups are the backups dbwarden server takes on schedules.
	Backups []BackupJob `json:"backups,omitempty"`
}

// BackupJob is one scheduled backup: a server, where its backups go, when,
// and how many are kept.
type BackupJob struct {
	// Name names the job in logs, metrics and the audit trail.
	Name string `json:"name"`
	// Source is the server: a credential secret's name or ARN, or
	// mysql://user@host:port with the password in MYSQL_PWD.
	Source string `json:"source"`
	// To is where backups go: file:///path or s3://bucket/prefix.
	To string `json:"to"`
	// Schedule is a cron expression: five fields as crontab has them
	// ("0 2 * * *", every day at 02:00 UTC), or AWS's six-field form.
	Schedule string `json:"schedule"`
	// Keep is the retention policy applied after each success
	// (keep-last=N, keep-within=7d, ...); keep-last=1,keep-within=7d when
	// empty.
	Keep string `json:"keep,omitempty"`
	// Workers, Compression, Include and Exclude are backup run's flags.
	Workers     int      `json:"workers,omitempty"`
	Compression string   `json:"compression,omitempty"`
	Include     []string `json:"include,omitempty"`
	Exclude     []string `json:"exclude,omitempty"`
	// Webhook, when set, is POSTed a JSON description of each failure.
	Webhook string `json:"webhook,omitempty"`
}

// ARNConfig holds the partition, region and account of new secrets' ARNs.
type ARNConfig struct {
	Partition string `json:"partition"`
	Region    string `json:"region"`
	Account   string `json:"account"`
}

// KeysConfig selects the key provider: "file" (a key ring in the data
// directory) or "kms" (an AWS KMS key; the endpoint and credentials come
// from the AWS SDK's standard configuration).
type KeysConfig struct {
	Provider string `json:"provider"`
	KMSKeyID string `json:"kms_key_id"`
}

// Default returns the configuration dbwarden uses when nothing is set.
func Default() Config {
	return Config{
		DataDir: defaultDataDir(),
		Output:  "json",
		ARN:     ARNConfig{Partition: "aws", Region: "us-east-1", Account: "000000000000"},
		Keys:    KeysConfig{Provider: "file"},
	}
}

func defaultDataDir() string {
	if d := os.Getenv("XDG_DATA_HOME"); d != "" {
		return filepath.Join(d, "dbwarden")
	}
	if h, err := os.UserHomeDir(); err == nil {
		return filepath.Join(h, ".local", "share", "dbwarden")
	}
	return "dbwarden-data"
}

// DefaultFile is the configuration file read when none is named.
func DefaultFile() string {
	if d := os.Getenv("XDG_CONFIG_HOME"); d != "" {
		return filepath.Join(d, "dbwarden", "config.json")
	}
	if h, err := os.UserHomeDir(); err == nil {
		return filepath.Join(h, ".config", "dbwarden", "config.json")
	}
	return ""
}

// Env lists the environment variables dbwarden reads, each with the
// configuration key it sets.
var Env = []struct{ Name, Key string }{
	{"DBWARDEN_DATA_DIR", "data_dir"},
	{"DBWARDEN_OUTPUT", "output"},
	{"DBWARDEN_ARN_PARTITION", "arn.partition"},
	{"DBWARDEN_REGION", "arn.region"},
	{"DBWARDEN_ACCOUNT_ID", "arn.account"},
	{"DBWARDEN_KEY_PROVIDER", "keys.provider"},
	{"DBWARDEN_KMS_KEY_ID", "keys.kms_key_id"},
}

// Load returns the defaults overlaid with the file at path (when path is
// not empty; a missing file is an error only when required is true) and
// then with the environment read through getenv.
func Load(path string, required bool, getenv func(string) string) (Config, error) {
	c := Default()
	if path != "" {
		b, err := os.ReadFile(path)
		switch {
		case err == nil:
			dec := json.NewDecoder(bytes.NewReader(b))
			dec.DisallowUnknownFields()
			if err := dec.Decode(&c); err != nil {
				return Config{}, fmt.Errorf("config file %s: %w", path, err)
			}
		case errors.Is(err, os.ErrNotExist) && !required:
		default:
			return Config{}, fmt.Errorf("config file: %w", err)
		}
	}
	for _, e := range Env {
		if v := getenv(e.Name); v != "" {
			if err := c.Set(e.Key, v); err != nil {
				return Config{}, fmt.Errorf("%s: %w", e.Name, err)
			}
		}
	}
	return c, nil
}

// Set sets one key, named as in the file ("keys.provider").
func (c *Config) Set(key, value string) error {
	switch key {
	case "data_dir":
		c.DataDir = value
	case "output":
		c.Output = value
	case "arn.partition":
		c.ARN.Partition = value
	case "arn.region":
		c.ARN.Region = value
	case "arn.account":
		c.ARN.Account = value
	case "keys.provider":
		c.Keys.Provider = value
	case "keys.kms_key_id":
		c.Keys.KMSKeyID = value
	default:
		return fmt.Errorf("unknown configuration key %q", key)
	}
	return nil
}

var (
	accountRe   = regexp.MustCompile(`^\d{12}$`)
	regionRe    = regexp.MustCompile(`^[a-z]{2}(-[a-z]+)+-\d+$`)
	partitionRe = regexp.MustCompile(`^aws(-[a-z]+)*$`)
)

// Validate returns every problem of the configuration, joined, each naming
// its key.
func (c Config) Validate() error {
	var errs []error
	bad := func(key, format string, args ...any) {
		errs = append(errs, fmt.Errorf("%s: %s", key, fmt.Sprintf(format, args...)))
	}
	if strings.TrimSpace(c.DataDir) == "" {
		bad("data_dir", "must not be empty")
	}
	switch c.Output {
	case "json", "text", "table":
	default:
		bad("output", "%q is not one of json, text, table", c.Output)
	}
	if !partitionRe.MatchString(c.ARN.Partition) {
		bad("arn.partition", "%q is not a partition like aws or aws-cn", c.ARN.Partition)
	}
	if !regionRe.MatchString(c.ARN.Region) {
		bad("arn.region", "%q is not a region like us-east-1", c.ARN.Region)
	}
	if !accountRe.MatchString(c.ARN.Account) {
		bad("arn.account", "%q is not a 12-digit account id", c.ARN.Account)
	}
	switch c.Keys.Provider {
	case "file":
	case "kms":
		if c.Keys.KMSKeyID == "" {
			bad("keys.kms_key_id", "is required when keys.provider is kms")
		}
	default:
		bad("keys.provider", "%q is not one of file, kms", c.Keys.Provider)
	}
	names := map[string]bool{}
	for i, j := range c.Backups {
		key := fmt.Sprintf("backups[%d]", i)
		switch {
		case j.Name == "":
			bad(key+".name", "must not be empty")
		case names[j.Name]:
			bad(key+".name", "%q names two jobs", j.Name)
		}
		names[j.Name] = true
		if j.Source == "" {
			bad(key+".source", "must not be empty")
		}
		if !strings.HasPrefix(j.To, "file:///") && !strings.HasPrefix(j.To, "s3://") {
			bad(key+".to", "%q is not file:///path or s3://bucket/prefix", j.To)
		}
		if j.Schedule == "" {
			bad(key+".schedule", "must not be empty (a cron expression such as \"0 2 * * *\")")
		}
		if j.Workers < 0 {
			bad(key+".workers", "must not be negative")
		}
	}
	return errors.Join(errs...)
}
