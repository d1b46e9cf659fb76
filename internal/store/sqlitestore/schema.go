package sqlitestore

// migrations bring a database from user_version i to i+1. They only ever
// grow: a released migration is never edited.
var migrations = [][]string{
	{
		`CREATE TABLE secrets (
			id          INTEGER PRIMARY KEY,
			arn         TEXT    NOT NULL UNIQUE,
			name        TEXT    NOT NULL UNIQUE,
			description TEXT    NOT NULL DEFAULT '',
			kms_key_id  TEXT    NOT NULL DEFAULT '',
			tags        TEXT    NOT NULL DEFAULT '[]',
			created_at  INTEGER NOT NULL,
			changed_at  INTEGER NOT NULL,
			accessed_at INTEGER NOT NULL DEFAULT 0,
			deleted_at  INTEGER NOT NULL DEFAULT 0,
			deletion_at INTEGER NOT NULL DEFAULT 0
		)`,
		`CREATE TABLE versions (
			secret_id   INTEGER NOT NULL REFERENCES secrets(id) ON DELETE CASCADE,
			version_id  TEXT    NOT NULL,
			seq         INTEGER NOT NULL,
			stages      TEXT    NOT NULL,
			created_at  INTEGER NOT NULL,
			accessed_at INTEGER NOT NULL DEFAULT 0,
			ciphertext  BLOB    NOT NULL,
			wrapped_key BLOB    NOT NULL,
			PRIMARY KEY (secret_id, version_id)
		)`,
		`CREATE INDEX versions_by_seq ON versions (secret_id, seq)`,
		`CREATE INDEX secrets_by_deletion ON secrets (deletion_at) WHERE deleted_at <> 0`,
	},
	{
		`CREATE TABLE principals (
			name       TEXT    NOT NULL PRIMARY KEY,
			arn        TEXT    NOT NULL UNIQUE,
			admin      INTEGER NOT NULL DEFAULT 0,
			created_at INTEGER NOT NULL
		)`,
		`CREATE TABLE access_keys (
			key_id      TEXT    NOT NULL PRIMARY KEY,
			principal   TEXT    NOT NULL REFERENCES principals(name) ON DELETE CASCADE,
			created_at  INTEGER NOT NULL,
			ciphertext  BLOB    NOT NULL,
			wrapped_key BLOB    NOT NULL
		)`,
	},
	{
		`CREATE TABLE principal_policies (
			principal TEXT NOT NULL REFERENCES principals(name) ON DELETE CASCADE,
			name      TEXT NOT NULL,
			document  TEXT NOT NULL,
			PRIMARY KEY (principal, name)
		)`,
	},
	{
		`ALTER TABLE secrets ADD COLUMN resource_policy TEXT NOT NULL DEFAULT ''`,
	},
	{
		`ALTER TABLE principals ADD COLUMN tags TEXT NOT NULL DEFAULT '{}'`,
	},
	{
		`ALTER TABLE secrets ADD COLUMN rotation_enabled INTEGER NOT NULL DEFAULT 0`,
		`ALTER TABLE secrets ADD COLUMN rotator TEXT NOT NULL DEFAULT ''`,
		`ALTER TABLE secrets ADD COLUMN rotation_rules TEXT NOT NULL DEFAULT ''`,
		`ALTER TABLE secrets ADD COLUMN last_rotated INTEGER NOT NULL DEFAULT 0`,
		`ALTER TABLE secrets ADD COLUMN next_rotation INTEGER NOT NULL DEFAULT 0`,
	},
	{
		// generation counts the changes to secrets and versions, whoever
		// makes them (this process, another one, an older dbwarden's SQL):
		// the read cache is valid while it stays the same.
		`CREATE TABLE generation (id INTEGER PRIMARY KEY CHECK (id = 1), n INTEGER NOT NULL)`,
		`INSERT INTO generation (id, n) VALUES (1, 0)`,
		`CREATE TRIGGER secrets_insert_generation AFTER INSERT ON secrets BEGIN UPDATE generation SET n = n + 1; END`,
		`CREATE TRIGGER secrets_update_generation AFTER UPDATE ON secrets BEGIN UPDATE generation SET n = n + 1; END`,
		`CREATE TRIGGER secrets_delete_generation AFTER DELETE ON secrets BEGIN UPDATE generation SET n = n + 1; END`,
		`CREATE TRIGGER versions_insert_generation AFTER INSERT ON versions BEGIN UPDATE generation SET n = n + 1; END`,
		`CREATE TRIGGER versions_update_generation AFTER UPDATE ON versions BEGIN UPDATE generation SET n = n + 1; END`,
		`CREATE TRIGGER versions_delete_generation AFTER DELETE ON versions BEGIN UPDATE generation SET n = n + 1; END`,
	},
	{
		// The rotation in progress: its token's failed runs.
		`ALTER TABLE secrets ADD COLUMN rotation_token TEXT NOT NULL DEFAULT ''`,
		`ALTER TABLE secrets ADD COLUMN rotation_failures INTEGER NOT NULL DEFAULT 0`,
		`ALTER TABLE secrets ADD COLUMN rotation_failure TEXT NOT NULL DEFAULT ''`,
		`ALTER TABLE secrets ADD COLUMN rotation_failed_at INTEGER NOT NULL DEFAULT 0`,
		`ALTER TABLE secrets ADD COLUMN rotation_retry_at INTEGER NOT NULL DEFAULT 0`,
		`CREATE INDEX secrets_by_next_rotation ON secrets (next_rotation) WHERE rotation_enabled = 1`,
	},
}
