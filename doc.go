// Module dbwarden keeps MySQL credentials encrypted, audited and out of plain
// text. This file is a map of the code.
//
//	cmd/dbwarden/            the CLI: one file per command group (cmd_secret.go,
//	                         cmd_server.go, cmd_audit.go, cmd_keys.go, cmd_store.go,
//	                         cmd_config.go);
//	                         wire.go turns configuration into concrete backends
//	internal/config/         configuration: defaults < file < environment < flags
//	internal/secret/         the domain: names, ARNs, versions, staging labels,
//	                         limits, Secrets Manager error codes, password generator
//	internal/store/          the Store contract (Secrets Manager operations)
//	internal/store/sqlitestore/  the embedded store: SQLite in WAL mode
//	internal/store/storetest/    the conformance suite every store passes
//	internal/keys/           envelope encryption: Seal, Open, the KeyProvider contract
//	internal/keys/filekeys/  a key ring of 0600 files in the data directory
//	internal/keys/kmskeys/   AWS KMS
//	internal/audit/          the hash-chained audit trail: Append, Verify, Export
//	internal/api/            the Secrets Manager JSON protocol over HTTP, SigV4,
//	                         authorization, metrics
//	internal/authz/          IAM-style policy documents and their evaluation
//	internal/testenv/        starts real components (moto_server) for tests
//	bench/                   benchmarks against moto_server, run in one go
//	docs/                    design pages, the API page and benchmark results
//	scripts/                 quickstart and the test command
package dbwarden
