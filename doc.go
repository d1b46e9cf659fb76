// Module dbwarden keeps MySQL credentials encrypted, audited and out of plain
// text. This file is a map of the code.
//
//	cmd/dbwarden/            the CLI: one file per command group (cmd_secret.go,
//	                         cmd_server.go, cmd_audit.go, cmd_keys.go, cmd_store.go,
//	                         cmd_config.go, cmd_rotate.go, cmd_db.go, cmd_lambda.go,
//	                         cmd_backup.go, cmd_scan.go);
//	                         wire.go and rotators.go turn configuration into
//	                         concrete backends; scheduler.go runs due rotations
//	internal/config/         configuration: defaults < file < environment < flags
//	internal/secret/         the domain: names, ARNs, versions, staging labels,
//	                         limits, Secrets Manager error codes, password generator
//	internal/store/          the Store contract (Secrets Manager operations)
//	internal/store/sqlitestore/  the embedded store: SQLite in WAL mode
//	internal/store/awsstore/     the Store contract on AWS Secrets Manager
//	internal/store/storetest/    the conformance suite every store passes
//	internal/keys/           envelope encryption: Seal, Open, the KeyProvider contract
//	internal/keys/filekeys/  a key ring of 0600 files in the data directory
//	internal/keys/kmskeys/   AWS KMS
//	internal/audit/          the hash-chained audit trail: Append, Verify, Export
//	internal/api/            the Secrets Manager JSON protocol over HTTP, SigV4,
//	                         authorization, metrics
//	internal/authz/          IAM-style policy documents and their evaluation
//	internal/rotation/       the four-step rotation engine, its locks and state
//	internal/rotation/schedule/     rotation schedules: rate, cron, windows
//	internal/rotation/mysqlrotator/ single-user and alternating-users rotators
//	internal/bootstrap/      dbwarden db init: a database, its users and their secrets
//	internal/mysqladmin/     MySQL/MariaDB administration: credentials documents,
//	                         connections, accounts, passwords, grants
//	internal/backup/         consistent parallel dumps of MySQL/MariaDB, restores,
//	                         and the archive (run, list, verify, restore, prune)
//	internal/backup/format/  encrypted, compressed, checksummed chunks; the manifest
//	internal/backup/retention/  retention policies
//	internal/blob/           object storage for backups: fileblob/ (a directory),
//	                         s3blob/ (S3), blobtest/ (the suite both pass)
//	internal/scan/           the posture scanner's model: Resources of evaluated
//	                         Values, Rules, Profiles, Findings, suppressions
//	internal/scan/terraform/ Terraform, evaluated as terraform plan would
//	internal/scan/cloudformation/  CloudFormation templates, YAML or JSON
//	internal/scan/mycnf/     MySQL option files with their includes
//	internal/scan/mysqlscan/ a live server's settings and accounts
//	internal/scan/load/      finds the inputs on disk, hands each to its loader
//	internal/scan/rules/     the catalog of controls, with fixtures per rule
//	internal/scan/report/    text, JSON and SARIF reports; the rules page
//	internal/testenv/        starts real components (moto_server, MariaDB) for tests
//	bench/                   benchmarks against peers (moto_server, mydumper,
//	                         tfsec, trivy), each run in one go
//	docs/                    design pages, the API page and benchmark results
//	scripts/                 quickstart and the test command
package dbwarden
