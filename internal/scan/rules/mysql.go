package rules

import (
	"fmt"
	"strings"

	"github.com/dbwarden/dbwarden/internal/scan"
)

// mysqlRules check my.cnf files and live MySQL servers.
//
// A control that an option file and a running server both express has one
// rule (DBW-MYSQL-NNN) that applies to the server sections of my.cnf and to
// the live server's global variables; controls only a live server shows
// (accounts, the test database) are DBW-MYSQL-NNN too, and those only an
// option file shows are DBW-CNF-NNN.
//
// The scan of a my.cnf cannot know which server and version will read it,
// so an option whose default differs between MySQL and MariaDB, or between
// versions, must be written: seed 000 §7 writes each one.
//
// bind-address has no rule: seed 000 §7 binds to 0.0.0.0 on purpose (the
// server runs in a Docker container) and keeps it private with the
// security group of §6, which the network rules check.
var mysqlRules = []*scan.Rule{
	{
		ID:       "DBW-MYSQL-001",
		Title:    "LOAD DATA LOCAL INFILE enabled",
		Severity: scan.High,
		Applies:  map[scan.Lang][]string{scan.MyCnf: cnfServerSections, scan.MySQL: {"server"}},
		Seeds:    []string{"000 §7"},
		Rationale: "Seed 000 §7 sets local-infile=0 to prevent local file access: with local_infile on, " +
			"a client (or a malicious server a client is tricked into connecting to) can make the other " +
			"side read and send arbitrary local files. It is on by default on MariaDB and MySQL before 8.0.",
		Remediation: "Set local-infile=0 in the [mysqld] section and SET PERSIST / SET GLOBAL local_infile=0 on the running server.",
		Example:     map[scan.Lang]string{scan.MyCnf: "[mysqld]\nlocal-infile=0\n"},
		Check: func(p *scan.Project, out *scan.Out) {
			boolOption(p, out, "local_infile", false, "ON by default on MariaDB and MySQL before 8.0")
		},
	},
	{
		ID:       "DBW-MYSQL-002",
		Title:    "Host name resolution on (skip-name-resolve not set)",
		Severity: scan.Medium,
		Applies:  map[scan.Lang][]string{scan.MyCnf: cnfServerSections, scan.MySQL: {"server"}},
		Seeds:    []string{"000 §7"},
		Rationale: "Seed 000 §7 sets skip-name-resolve (security and performance): with DNS lookups on, " +
			"accounts defined by host name are granted to whoever controls the reverse DNS of the client's " +
			"address, and a slow resolver stalls every login.",
		Remediation: "Add skip-name-resolve to [mysqld] and define accounts by IP address or network.",
		Example:     map[scan.Lang]string{scan.MyCnf: "[mysqld]\nskip-name-resolve\n"},
		Check: func(p *scan.Project, out *scan.Out) {
			boolOption(p, out, "skip_name_resolve", true, "OFF by default")
		},
	},
	{
		ID:       "DBW-MYSQL-003",
		Title:    "Server accepts connections without TLS",
		Severity: scan.High,
		Applies:  map[scan.Lang][]string{scan.MyCnf: cnfServerSections, scan.MySQL: {"server"}},
		Seeds:    []string{"003 Encryption in Transit", "000 §3"},
		Rationale: "Seed 003 requires database connections to use SSL/TLS. Without require_secure_transport " +
			"the server accepts unencrypted TCP connections, and passwords and data cross the network in " +
			"the clear whenever a client does not ask for TLS.",
		Remediation: "Give the server a certificate (ssl-cert, ssl-key, ssl-ca) and set require_secure_transport=ON.",
		Example: map[scan.Lang]string{scan.MyCnf: "[mysqld]\nssl-ca=/etc/mysql/tls/ca.pem\nssl-cert=/etc/mysql/tls/server-cert.pem\n" +
			"ssl-key=/etc/mysql/tls/server-key.pem\nrequire_secure_transport=ON\n"},
		Check: checkSecureTransport,
	},
	{
		ID:       "DBW-MYSQL-004",
		Title:    "Server accepts TLS versions older than 1.2",
		Severity: scan.Medium,
		Applies:  map[scan.Lang][]string{scan.MyCnf: cnfServerSections, scan.MySQL: {"server"}},
		Seeds:    []string{"003 Encryption in Transit"},
		Rationale: "Seed 003 enforces TLS 1.2 or higher. TLS 1.0 and 1.1 are deprecated (RFC 8996); MySQL " +
			"before 8.0.28 and MariaDB before 10.6 accept them unless tls_version says otherwise.",
		Remediation: "Set tls_version=TLSv1.2,TLSv1.3 in [mysqld].",
		Example:     map[scan.Lang]string{scan.MyCnf: "[mysqld]\ntls_version=TLSv1.2,TLSv1.3\n"},
		Check:       checkTLSVersion,
	},
	{
		ID:       "DBW-MYSQL-005",
		Title:    "General query log on",
		Severity: scan.Medium,
		Applies:  map[scan.Lang][]string{scan.MyCnf: cnfServerSections, scan.MySQL: {"server"}},
		Seeds:    []string{"000 §1", "000 §4"},
		Rationale: "The general query log writes every statement to a plain file: the data of every query " +
			"and, where the server does not rewrite them (log-raw, older servers), the passwords of CREATE " +
			"USER and ALTER USER, which seed 000 §1 keeps only in Secrets Manager. Seed 000 §4 collects the " +
			"error and slow query logs instead.",
		Remediation: "Set general_log=0; use the slow query log or an audit plugin for what you need to trace.",
		Example:     map[scan.Lang]string{scan.MyCnf: "[mysqld]\ngeneral_log=0\n"},
		Check: func(p *scan.Project, out *scan.Out) {
			boolOption(p, out, "general_log", false, "")
		},
	},
	{
		ID:       "DBW-MYSQL-006",
		Title:    "File import and export not confined to one directory (secure_file_priv)",
		Severity: scan.Medium,
		Applies:  map[scan.Lang][]string{scan.MyCnf: cnfServerSections, scan.MySQL: {"server"}},
		Seeds:    []string{"000 §7"},
		Rationale: "Seed 000 §7 disables local file access from SQL. With secure_file_priv empty, an account " +
			"with the FILE privilege reads and writes any file the server can (LOAD DATA INFILE, SELECT ... " +
			"INTO OUTFILE, LOAD_FILE()): configuration, keys, the data files of other databases. MariaDB " +
			"sets no directory by default.",
		Remediation: "Set secure_file_priv to a directory that holds nothing else (or to NULL on MySQL, which disables import and export).",
		Example:     map[scan.Lang]string{scan.MyCnf: "[mysqld]\nsecure_file_priv=/var/lib/mysql-files\n"},
		Check:       checkSecureFilePriv,
	},
	{
		ID:       "DBW-MYSQL-007",
		Title:    "Symbolic links to data files enabled",
		Severity: scan.Low,
		Applies:  map[scan.Lang][]string{scan.MyCnf: cnfServerSections, scan.MySQL: {"server"}},
		Seeds:    []string{"000 §7"},
		Rationale: "With symbolic links allowed, DATA DIRECTORY and INDEX DIRECTORY clauses and links in the " +
			"data directory let tables point at files outside it, which an account with enough privileges " +
			"can use to overwrite or read files the server owns. Seed 000 §7 hardens the server's file " +
			"access; MariaDB and MySQL 5.7 allow links by default.",
		Remediation: "Set symbolic-links=0 (or skip-symbolic-links) in [mysqld].",
		Example:     map[scan.Lang]string{scan.MyCnf: "[mysqld]\nsymbolic-links=0\n"},
		Check:       checkSymlinks,
	},
	{
		ID:       "DBW-MYSQL-008",
		Title:    "Slow query log off",
		Severity: scan.Low,
		Applies:  map[scan.Lang][]string{scan.MyCnf: cnfServerSections, scan.MySQL: {"server"}},
		Seeds:    []string{"000 §7", "000 §4"},
		Rationale: "Seed 000 §7 enables the slow query log (slow_query_log=1, long_query_time=2) to detect " +
			"performance issues, and §4 ships the server's logs to CloudWatch. It is off by default.",
		Remediation: "Set slow_query_log=1 and long_query_time=2 in [mysqld].",
		Example:     map[scan.Lang]string{scan.MyCnf: "[mysqld]\nslow_query_log=1\nlong_query_time=2\n"},
		Check: func(p *scan.Project, out *scan.Out) {
			boolOption(p, out, "slow_query_log", true, "OFF by default")
		},
	},
	{
		ID:       "DBW-MYSQL-009",
		Title:    "Binary logging off: no point-in-time recovery",
		Severity: scan.Medium,
		Applies:  map[scan.Lang][]string{scan.MyCnf: cnfServerSections, scan.MySQL: {"server"}},
		Seeds:    []string{"000 §7", "000 §5"},
		Rationale: "Seed 000 §7 turns on binary logging, required for point-in-time recovery: the daily " +
			"backups of §5 restore to 2 AM, the binary logs to any moment after. MariaDB and MySQL before " +
			"8.0 leave it off by default.",
		Remediation: "Set log-bin to a base name in the data directory, with an expiry (see DBW-MYSQL-010).",
		Example:     map[scan.Lang]string{scan.MyCnf: "[mysqld]\nlog-bin=/var/lib/mysql/mysql-bin\nbinlog_expire_logs_seconds=604800\n"},
		Check:       checkBinlog,
	},
	{
		ID:       "DBW-MYSQL-010",
		Title:    "Binary logs never expire, or expire in less than 7 days",
		Severity: scan.Low,
		Applies:  map[scan.Lang][]string{scan.MyCnf: cnfServerSections, scan.MySQL: {"server"}},
		Seeds:    []string{"000 §7"},
		Rationale: "Seed 000 §7 keeps binary logs 7 days (binlog_expire_logs_seconds=604800): logs that " +
			"never expire fill the disk and stop the server (MariaDB never purges them by default), and " +
			"logs kept less than a week leave gaps in point-in-time recovery when a backup fails.",
		Remediation: "Set binlog_expire_logs_seconds=604800 (or expire_logs_days=7 on servers without it).",
		Example:     map[scan.Lang]string{scan.MyCnf: "[mysqld]\nlog-bin=/var/lib/mysql/mysql-bin\nbinlog_expire_logs_seconds=604800\n"},
		Check:       checkBinlogExpiry,
	},
	{
		ID:       "DBW-MYSQL-011",
		Title:    "Server character set is not utf8mb4",
		Severity: scan.Low,
		Applies:  map[scan.Lang][]string{scan.MyCnf: cnfServerSections, scan.MySQL: {"server"}},
		Seeds:    []string{"000 §7"},
		Rationale: "Seed 000 §7 sets character-set-server=utf8mb4 and collation-server=utf8mb4_unicode_ci. " +
			"Other character sets (MariaDB's default latin1, the 3-byte utf8mb3) silently mangle or reject " +
			"characters outside them, and mixing collations breaks comparisons and index use.",
		Remediation: "Set character-set-server=utf8mb4 and a utf8mb4 collation in [mysqld].",
		Example:     map[scan.Lang]string{scan.MyCnf: "[mysqld]\ncharacter-set-server=utf8mb4\ncollation-server=utf8mb4_unicode_ci\n"},
		Check:       checkCharset,
	},
	{
		ID:       "DBW-MYSQL-012",
		Title:    "Obsolete authentication plugin or password hash",
		Severity: scan.Medium,
		Applies: map[scan.Lang][]string{
			scan.MyCnf: cnfServerSections,
			scan.MySQL: {"server", "account"},
		},
		Seeds: []string{"000 §1", "000 §8"},
		Rationale: "Seed 000 §1 protects passwords with strong generation and storage; a weak hash on the " +
			"server undoes that. mysql_old_password (pre-4.1 hashes, old_passwords=1, secure_auth=0) is " +
			"broken. On MySQL 8, mysql_native_password (unsalted SHA-1) and sha256_password are " +
			"deprecated in favour of caching_sha2_password, off by default in 8.4 and gone in 9.0. " +
			"MariaDB's mysql_native_password is its default and is not reported there; ed25519 or parsec " +
			"are its stronger choices.",
		Remediation: "Use caching_sha2_password on MySQL 8 (ALTER USER ... IDENTIFIED WITH caching_sha2_password BY ...); " +
			"remove old_passwords and secure_auth=0, and default_authentication_plugin=mysql_native_password.",
		Example: map[scan.Lang]string{scan.MyCnf: "[mysqld]\n# MySQL 8.0.27 and later\nauthentication_policy=caching_sha2_password\n"},
		Check:   checkAuthPlugins,
	},
	{
		ID:       "DBW-MYSQL-013",
		Title:    "Account without a password",
		Severity: scan.Critical,
		Applies:  map[scan.Lang][]string{scan.MySQL: {"account"}},
		Seeds:    []string{"000 §1", "000 §7"},
		Rationale: "Seed 000 §1 gives every database user a generated 32-character password. An account " +
			"whose password plugin has an empty authentication string logs in with no password at all, " +
			"from any host its host part matches. Socket and external authentication (unix_socket, PAM) " +
			"are not reported.",
		Remediation: "Set a generated password (dbwarden rotates it), lock the account (ALTER USER ... ACCOUNT LOCK), or drop it.",
		Check:       checkEmptyPasswords,
	},
	{
		ID:       "DBW-MYSQL-014",
		Title:    "Anonymous account",
		Severity: scan.High,
		Applies:  map[scan.Lang][]string{scan.MySQL: {"account"}},
		Seeds:    []string{"000 §7"},
		Rationale: "Seed 000 §7 separates users: root for administration, one application user per " +
			"database. An anonymous account (user name '') matches any user name, so anyone reaching the " +
			"server logs in as it, and it shadows named accounts with a less specific host.",
		Remediation: "DROP USER ''@'host' for every anonymous account.",
		Check:       checkAnonymous,
	},
	{
		ID:       "DBW-MYSQL-015",
		Title:    "root can log in from any host",
		Severity: scan.High,
		Applies:  map[scan.Lang][]string{scan.MySQL: {"account"}},
		Seeds:    []string{"000 §7", "000 §6"},
		Rationale: "Seed 000 §7 keeps root for administration and §6 allows no public access: root with a " +
			"wildcard host ('%') accepts logins with every privilege from anywhere the port is reachable, " +
			"which makes its password the only barrier.",
		Remediation: "Drop 'root'@'%' and administer over SSM Session Manager as root@localhost, or through a named administrator limited to the administration network.",
		Check:       checkRootAnyHost,
	},
	{
		ID:       "DBW-MYSQL-016",
		Title:    "Account that is not an administrator holds data privileges on every database",
		Severity: scan.Medium,
		Applies:  map[scan.Lang][]string{scan.MySQL: {"account"}},
		Seeds:    []string{"000 §7", "000 §2"},
		Rationale: "Seed 000 §7 limits the application user to its own database with minimal permissions " +
			"(least privilege, §2). Privileges granted ON *.* reach every database, the mysql system " +
			"database included, and FILE reads the server's files. Administrators (ALL PRIVILEGES, SUPER, " +
			"CREATE USER or GRANT OPTION on *.*) are not reported; privileges that exist only globally " +
			"(REPLICATION, PROCESS, RELOAD, SHOW DATABASES, ...) are not reported either. A backup " +
			"account that reads every database is reported and can be suppressed with a reason.",
		Remediation: "REVOKE the privileges ON *.* and GRANT them ON the application's database (app.*) instead.",
		Check:       checkGlobalPrivileges,
	},
	{
		ID:       "DBW-MYSQL-017",
		Title:    "Test database present, or test databases open to every account",
		Severity: scan.Medium,
		Applies:  map[scan.Lang][]string{scan.MySQL: {"database"}},
		Seeds:    []string{"000 §7"},
		Rationale: "Older installations create a test database and grant every account full rights on " +
			"test and on any database named test_...; anyone who logs in can then store data or fill the " +
			"disk. Seed 000 §7's user separation leaves no such database.",
		Remediation: "DROP DATABASE test; DELETE FROM mysql.db WHERE Db LIKE 'test%' AND User = ''; FLUSH PRIVILEGES.",
		Check:       checkTestDatabase,
	},
	{
		ID:       "DBW-CNF-001",
		Title:    "Password in plain text in an option file",
		Severity: scan.High,
		Applies:  map[scan.Lang][]string{scan.MyCnf: {"*"}},
		Seeds:    []string{"000 §1", "003 Credential Management"},
		Rationale: "Seed 000 §1 keeps database passwords in Secrets Manager, and seed 003 never stores " +
			"passwords in code or configuration files. A password= line in [client], [mysqldump] or any " +
			"other section sits in plain text on disk, in backups of the file and in version control.",
		Remediation: "Remove the password and have the tool fetch it when it runs (dbwarden secret get, or aws secretsmanager get-secret-value), " +
			"or on MySQL use mysql_config_editor's login paths.",
		Example: map[scan.Lang]string{scan.MyCnf: "[client]\nuser=backup\n# password: fetched from Secrets Manager at run time\n"},
		Check:   checkCnfPasswords,
	},
	{
		ID:       "DBW-CNF-002",
		Title:    "Server skips the grant tables",
		Severity: scan.Critical,
		Applies:  map[scan.Lang][]string{scan.MyCnf: cnfServerSections},
		Seeds:    []string{"000 §7", "000 §2"},
		Rationale: "skip-grant-tables turns authentication and every privilege check off: anyone who " +
			"reaches the server logs in as any user with every privilege. It is meant for a one-off " +
			"password recovery, never for an option file.",
		Remediation: "Remove skip-grant-tables from the option file and restart the server.",
		Example:     map[scan.Lang]string{scan.MyCnf: "[mysqld]\n# no skip-grant-tables\nskip-name-resolve\n"},
		Check:       checkSkipGrantTables,
	},
	{
		ID:       "DBW-CNF-003",
		Title:    "Server runs as the operating system's root",
		Severity: scan.Medium,
		Applies:  map[scan.Lang][]string{scan.MyCnf: append([]string{"mysqld_safe"}, cnfServerSections...)},
		Seeds:    []string{"000 §7"},
		Rationale: "Seed 000 §7 runs the server as the mysql user, not root. A server running as root " +
			"turns any file-writing bug or FILE privilege into control of the whole machine.",
		Remediation: "Set user=mysql (or remove user=root) in [mysqld].",
		Example:     map[scan.Lang]string{scan.MyCnf: "[mysqld]\nuser=mysql\n"},
		Check:       checkRunAsRoot,
	},
}

// cnfServerSections are the option file sections a server reads, for
// Applies; "mysqld-*" stands for the version-specific ones.
var cnfServerSections = []string{"mysqld", "server", "mariadb", "mariadbd", "client-server", "mysqld-*", "mariadb-*", "mariadbd-*"}

// boolOption checks a boolean server option in my.cnf and the variable of
// the same name on live servers. whyUnset, when not empty, makes an unset
// option a failure and says what the server does then.
func boolOption(p *scan.Project, out *scan.Out, name string, want bool, whyUnset string) {
	words := map[bool]string{true: "ON", false: "OFF"}
	wantWord := words[want]
	for _, g := range cnfServers(p) {
		o := g.opt(name)
		if !o.set() {
			if whyUnset != "" {
				out.Fail(o.r, nil, "%s is not set (%s); want %s", name, whyUnset, wantWord)
			}
			continue
		}
		b, known := o.bool()
		switch {
		case !known:
			out.Fail(o.r, o.v, "%s is not a boolean the server accepts; want %s", o.where(), wantWord)
		case b != want:
			out.Fail(o.r, o.v, "%s makes %s %s; want %s", o.where(), name, words[b], wantWord)
		}
	}
	for _, srv := range liveServers(p) {
		b, ok := liveFlag(srv, name)
		switch {
		case !ok:
			out.Fail(srv, nil, "the server has no %s variable; want it %s", name, wantWord)
		case b != want:
			out.Fail(srv, nil, "%s is %s; want %s", name, words[b], wantWord)
		}
	}
}

func checkSecureTransport(p *scan.Project, out *scan.Out) {
	for _, g := range cnfServers(p) {
		o := g.opt("require_secure_transport")
		b, known := o.bool()
		switch {
		case !o.set():
			out.Fail(o.r, nil, "require_secure_transport is not set (OFF by default): unencrypted connections are accepted")
		case !known:
			out.Fail(o.r, o.v, "%s is not a boolean the server accepts; want ON", o.where())
		case !b:
			out.Fail(o.r, o.v, "%s is OFF: unencrypted connections are accepted", o.where())
		}
	}
	for _, srv := range liveServers(p) {
		on, ok := liveFlag(srv, "require_secure_transport")
		switch {
		case !ok:
			out.Fail(srv, nil, "the server has no require_secure_transport (MySQL before 5.7.8, MariaDB before 10.5.2): require TLS per account (REQUIRE SSL) or upgrade")
		case !on:
			out.Fail(srv, nil, "require_secure_transport is OFF: unencrypted connections are accepted")
		}
		if ssl, ok := liveVar(srv, "have_ssl"); ok && !strings.EqualFold(ssl, "YES") {
			out.Fail(srv, nil, "TLS is not available (have_ssl is %s): configure ssl_cert and ssl_key", ssl)
		}
	}
}

// cnfTLSConfigured reports whether an option file sets the server's TLS up
// (a certificate, or TLS required); without it DBW-MYSQL-003 reports and
// the versions do not matter.
func cnfTLSConfigured(g *cnfServer) bool {
	for _, n := range []string{"ssl_cert", "ssl_key", "ssl_ca", "tls_version"} {
		if g.opt(n).set() {
			return true
		}
	}
	if o := g.opt("ssl"); o.set() {
		if b, known := o.bool(); known && b {
			return true
		}
	}
	o := g.opt("require_secure_transport")
	b, known := o.bool()
	return o.set() && known && b
}

func checkTLSVersion(p *scan.Project, out *scan.Out) {
	for _, g := range cnfServers(p) {
		if !cnfTLSConfigured(g) {
			continue
		}
		o := g.opt("tls_version")
		s, _ := o.str()
		switch {
		case !o.set():
			out.Fail(o.r, nil, "tls_version is not set: MySQL before 8.0.28 and MariaDB before 10.6 accept TLS 1.0 and 1.1; want TLSv1.2,TLSv1.3")
		case strings.TrimSpace(s) == "":
			out.Fail(o.r, o.v, "%s is empty; want TLSv1.2,TLSv1.3", o.where())
		default:
			if old := mysqlTLSOld(s); len(old) > 0 {
				out.Fail(o.r, o.v, "%s allows %s; want TLS 1.2 and later only", o.where(), strings.Join(old, ", "))
			}
		}
	}
	for _, srv := range liveServers(p) {
		if ssl, ok := liveVar(srv, "have_ssl"); ok && !strings.EqualFold(ssl, "YES") {
			continue // no TLS at all: DBW-MYSQL-003 (MySQL 8.4 has no have_ssl, and always TLS)
		}
		s, ok := liveVar(srv, "tls_version")
		if !ok {
			out.Fail(srv, nil, "the server has no tls_version variable (too old to limit TLS versions): upgrade")
			continue
		}
		if old := mysqlTLSOld(s); len(old) > 0 {
			out.Fail(srv, nil, "tls_version allows %s; want TLS 1.2 and later only", strings.Join(old, ", "))
		}
	}
}

func checkSecureFilePriv(p *scan.Project, out *scan.Out) {
	for _, g := range cnfServers(p) {
		o := g.opt("secure_file_priv")
		s, _ := o.str()
		switch {
		case !o.set():
			out.Fail(o.r, nil, "secure_file_priv is not set (no restriction on MariaDB): FILE privilege holders reach every file the server can")
		case s == "":
			out.Fail(o.r, o.v, "%s is empty: FILE privilege holders reach every file the server can", o.where())
		}
	}
	for _, srv := range liveServers(p) {
		v := srv.Attr("secure_file_priv")
		flavor, _ := liveVar(srv, "flavor")
		s, _ := v.String()
		switch {
		case v == nil:
			out.Fail(srv, nil, "the server has no secure_file_priv variable: import and export reach every file the server can")
		case !v.Set() && flavor == "mariadb":
			out.Fail(srv, nil, "secure_file_priv is not set: import and export reach every file the server can")
		case v.Set() && strings.TrimSpace(s) == "":
			out.Fail(srv, nil, "secure_file_priv is empty: import and export reach every file the server can")
		}
	}
}

func checkSymlinks(p *scan.Project, out *scan.Out) {
	for _, g := range cnfServers(p) {
		o := g.opt("symbolic_links")
		if !o.set() {
			if alt := g.opt("symlink"); alt.set() {
				o = alt // MariaDB's older spelling, skip-symlink
			}
		}
		b, known := o.bool()
		switch {
		case !o.set():
			out.Fail(o.r, nil, "symbolic_links is not set (on by default on MariaDB and MySQL 5.7); want symbolic-links=0")
		case !known:
			out.Fail(o.r, o.v, "%s is not a boolean the server accepts; want 0", o.where())
		case b:
			out.Fail(o.r, o.v, "%s allows symbolic links; want symbolic-links=0", o.where())
		}
	}
	for _, srv := range liveServers(p) {
		if s, ok := liveVar(srv, "have_symlink"); ok && strings.EqualFold(s, "YES") {
			out.Fail(srv, nil, "have_symlink is YES: tables may point at files outside the data directory")
		}
	}
}

// cnfBinlogOn reports whether an option file turns binary logging on, and
// the option that says so.
func cnfBinlogOn(g *cnfServer) (cnfOpt, bool) {
	o := g.opt("log_bin")
	if !o.set() || o.prefix == "skip" || o.prefix == "disable" {
		return o, false
	}
	return o, true
}

func checkBinlog(p *scan.Project, out *scan.Out) {
	for _, g := range cnfServers(p) {
		o, on := cnfBinlogOn(g)
		switch {
		case !o.set():
			out.Fail(o.r, nil, "log_bin is not set (off on MariaDB and before MySQL 8.0): no point-in-time recovery")
		case !on:
			out.Fail(o.r, o.v, "%s turns binary logging off: no point-in-time recovery", o.where())
		}
	}
	for _, srv := range liveServers(p) {
		if on, ok := liveFlag(srv, "log_bin"); !ok || !on {
			out.Fail(srv, nil, "binary logging is off (log_bin OFF): no point-in-time recovery")
		}
	}
}

// minBinlogSeconds is the least binary log retention accepted: seed 000
// §7's 7 days.
const minBinlogSeconds = 7 * 86400

func checkBinlogExpiry(p *scan.Project, out *scan.Out) {
	judge := func(r *scan.Resource, at *scan.Value, secs float64, where string) {
		switch {
		case secs <= 0:
			out.Fail(r, at, "%s: binary logs never expire and fill the disk; want %d seconds (7 days)", where, minBinlogSeconds)
		case secs < minBinlogSeconds:
			out.Fail(r, at, "%s: binary logs expire after %g seconds; want at least %d (7 days) for point-in-time recovery", where, secs, minBinlogSeconds)
		}
	}
	for _, g := range cnfServers(p) {
		if _, on := cnfBinlogOn(g); !on {
			continue // DBW-MYSQL-009
		}
		so, do := g.opt("binlog_expire_logs_seconds"), g.opt("expire_logs_days")
		secs, set, known := mysqlExpirySeconds(cnfOptValue(so), cnfOptValue(do))
		at, where := so, so.where()
		if !so.set() {
			at, where = do, do.where()
		}
		switch {
		case !set:
			out.Fail(g.primary(), nil, "neither binlog_expire_logs_seconds nor expire_logs_days is set (MariaDB never purges binary logs); want 604800 seconds (7 days)")
		case !known:
			out.Fail(at.r, at.v, "%s is not a number", where)
		default:
			judge(at.r, at.v, secs, where)
		}
	}
	for _, srv := range liveServers(p) {
		if on, ok := liveFlag(srv, "log_bin"); !ok || !on {
			continue
		}
		secs, set, known := mysqlExpirySeconds(srv.Attr("binlog_expire_logs_seconds"), srv.Attr("expire_logs_days"))
		if !set || !known {
			out.Fail(srv, nil, "the server reports no binary log expiry")
			continue
		}
		judge(srv, nil, secs, "binlog_expire_logs_seconds/expire_logs_days")
	}
}

func checkCharset(p *scan.Project, out *scan.Out) {
	for _, g := range cnfServers(p) {
		cs := g.opt("character_set_server")
		s, _ := cs.str()
		switch {
		case !cs.set():
			out.Fail(cs.r, nil, "character_set_server is not set (latin1 on MariaDB before 11.6); want utf8mb4")
		case !strings.EqualFold(s, "utf8mb4"):
			out.Fail(cs.r, cs.v, "%s is %s; want utf8mb4", cs.where(), s)
		}
		if co := g.opt("collation_server"); co.set() {
			if s, _ := co.str(); !strings.HasPrefix(strings.ToLower(s), "utf8mb4_") {
				out.Fail(co.r, co.v, "%s is %s; want a utf8mb4 collation such as utf8mb4_unicode_ci", co.where(), s)
			}
		}
	}
	for _, srv := range liveServers(p) {
		if s, _ := liveVar(srv, "character_set_server"); !strings.EqualFold(s, "utf8mb4") {
			out.Fail(srv, nil, "character_set_server is %q; want utf8mb4", s)
		}
		if s, _ := liveVar(srv, "collation_server"); !strings.HasPrefix(strings.ToLower(s), "utf8mb4_") {
			out.Fail(srv, nil, "collation_server is %q; want a utf8mb4 collation", s)
		}
	}
}

// weakDefaultPlugins are the default plugins reported in option files and
// server variables; mysql_native_password is reported there only where
// the option exists (MySQL: default_authentication_plugin and
// authentication_policy are MySQL's).
var weakDefaultPlugins = map[string]string{
	"mysql_old_password":    "pre-4.1 password hashes, broken",
	"mysql_native_password": "unsalted SHA-1 hashes, deprecated since MySQL 8.0.34",
	"sha256_password":       "deprecated since MySQL 8.0.16",
}

// firstPolicyPlugin returns the first-factor plugin of authentication_policy
// ("mysql_native_password,,"); "*" and "" name none.
func firstPolicyPlugin(s string) string {
	first, _, _ := strings.Cut(s, ",")
	first = strings.TrimSpace(first)
	if i := strings.IndexByte(first, ':'); i >= 0 {
		first = first[i+1:] // "*:caching_sha2_password"
	}
	if first == "*" {
		return ""
	}
	return strings.ToLower(first)
}

func checkAuthPlugins(p *scan.Project, out *scan.Out) {
	for _, g := range cnfServers(p) {
		for _, name := range []string{"default_authentication_plugin", "authentication_policy"} {
			o := g.opt(name)
			s, _ := o.str()
			plugin := strings.ToLower(s)
			if name == "authentication_policy" {
				plugin = firstPolicyPlugin(s)
			}
			if why, weak := weakDefaultPlugins[plugin]; o.set() && weak {
				out.Fail(o.r, o.v, "%s makes new accounts use %s (%s); want caching_sha2_password", o.where(), plugin, why)
			}
		}
		if o := g.opt("mysql_native_password"); o.set() {
			if b, known := o.bool(); known && b {
				out.Fail(o.r, o.v, "%s turns the deprecated mysql_native_password plugin back on (MySQL 8.4); want caching_sha2_password", o.where())
			}
		}
		if o := g.opt("old_passwords"); o.set() {
			s, _ := o.str()
			if b, known := o.bool(); (known && b) || s == "1" || s == "2" {
				out.Fail(o.r, o.v, "%s makes the server hash passwords the obsolete way", o.where())
			}
		}
		if o := g.opt("secure_auth"); o.set() {
			if b, known := o.bool(); known && !b {
				out.Fail(o.r, o.v, "%s lets accounts with pre-4.1 password hashes log in", o.where())
			}
		}
	}
	for _, srv := range liveServers(p) {
		flavor, major, _, _ := liveVersion(srv)
		if s, ok := liveVar(srv, "default_authentication_plugin"); ok && flavor != "mariadb" && major >= 8 {
			if why, weak := weakDefaultPlugins[strings.ToLower(s)]; weak {
				out.Fail(srv, nil, "default_authentication_plugin is %s (%s); want caching_sha2_password", s, why)
			}
		}
		if s, ok := liveVar(srv, "old_passwords"); ok {
			if b, known := mysqlBool(s); (known && b) || s == "1" || s == "2" {
				out.Fail(srv, nil, "old_passwords is %s: passwords are hashed the obsolete way", s)
			}
		}
		if b, ok := liveFlag(srv, "secure_auth"); ok && !b {
			out.Fail(srv, nil, "secure_auth is OFF: accounts with pre-4.1 password hashes can log in")
		}
	}
	for _, a := range liveOf(p, "account") {
		if liveBool(a, "locked") {
			continue
		}
		flavor, major, _, known := liveVersion(liveServerOf(p, a))
		for _, pl := range liveStrings(a, "plugins") {
			switch pl = strings.ToLower(pl); {
			case pl == "mysql_old_password":
				out.Fail(a, nil, "%s uses mysql_old_password (pre-4.1 hashes, broken)", a.Address)
			case (pl == "mysql_native_password" || pl == "sha256_password") && known && flavor == "mysql" && major >= 8:
				out.Fail(a, nil, "%s uses %s (%s) on MySQL %d; want caching_sha2_password", a.Address, pl, weakDefaultPlugins[pl], major)
			}
		}
	}
}

func checkEmptyPasswords(p *scan.Project, out *scan.Out) {
	for _, a := range liveOf(p, "account") {
		if liveBool(a, "empty_password") && !liveBool(a, "locked") {
			out.Fail(a, nil, "%s logs in without a password (%s with an empty authentication string)", a.Address, liveStr(a, "plugin"))
		}
	}
}

func checkAnonymous(p *scan.Project, out *scan.Out) {
	for _, a := range liveOf(p, "account") {
		if liveBool(a, "anonymous") && !liveBool(a, "locked") {
			out.Fail(a, nil, "%s is an anonymous account: any user name logs in as it", a.Address)
		}
	}
}

// anyHost reports whether an account's host part matches every host.
func anyHost(host string) bool {
	return host == "" || host == "%" || host == "%.%" || host == "%.%.%.%"
}

func checkRootAnyHost(p *scan.Project, out *scan.Out) {
	for _, a := range liveOf(p, "account") {
		if liveStr(a, "user") == "root" && anyHost(liveStr(a, "host")) && !liveBool(a, "locked") {
			out.Fail(a, nil, "%s: root logs in from any host", a.Address)
		}
	}
}

// dataPrivileges are the privileges that can be granted on one database,
// plus FILE: held ON *.*, they reach every database or the server's files.
var dataPrivileges = map[string]bool{
	"SELECT": true, "INSERT": true, "UPDATE": true, "DELETE": true, "CREATE": true, "DROP": true,
	"REFERENCES": true, "INDEX": true, "ALTER": true, "CREATE TEMPORARY TABLES": true,
	"LOCK TABLES": true, "EXECUTE": true, "CREATE VIEW": true, "SHOW VIEW": true,
	"CREATE ROUTINE": true, "ALTER ROUTINE": true, "EVENT": true, "TRIGGER": true,
	"DELETE HISTORY": true, "FILE": true,
}

func checkGlobalPrivileges(p *scan.Project, out *scan.Out) {
	for _, a := range liveOf(p, "account") {
		if liveBool(a, "is_admin") || liveBool(a, "locked") {
			continue
		}
		var broad []string
		for _, pr := range liveStrings(a, "global_privileges") {
			if dataPrivileges[strings.ToUpper(pr)] {
				broad = append(broad, pr)
			}
		}
		if len(broad) > 0 {
			out.Fail(a, nil, "%s is not an administrator and holds %s ON *.* (every database)", a.Address, strings.Join(broad, ", "))
		}
	}
}

func checkTestDatabase(p *scan.Project, out *scan.Out) {
	for _, d := range liveOf(p, "database") {
		name := liveStr(d, "name")
		if liveBool(d, "exists") {
			out.Fail(d, nil, "the %s database exists", name)
		}
		if liveBool(d, "open_to_all") {
			out.Fail(d, nil, "mysql.db grants %s to every account (an entry with an empty user name)", name)
		}
	}
}

// cnfPasswordOption reports whether an option name sets a password: the
// password option of the client programs under its accepted abbreviations
// (pass, passw, ...), the multi-factor password1..3, and loose- spellings.
func cnfPasswordOption(name string) bool {
	name = strings.TrimPrefix(strings.ToLower(name), "loose_")
	switch name {
	case "pass", "passw", "passwo", "passwor", "password", "password1", "password2", "password3":
		return true
	}
	return false
}

func checkCnfPasswords(p *scan.Project, out *scan.Out) {
	for _, r := range p.Resources {
		if r.Lang != scan.MyCnf || r.Kind != "section" {
			continue
		}
		for _, k := range r.Attrs.Keys() {
			if !cnfPasswordOption(k) {
				continue
			}
			v := r.Attr(k)
			s, _ := v.String()
			if v.Kind == scan.Bool || strings.TrimSpace(s) == "" {
				continue // a bare or empty password option makes the program prompt
			}
			// Never the value: where it is written is enough.
			out.Fail(r, v, "[%s] %s holds a password in plain text", r.Type, k)
		}
	}
}

func checkSkipGrantTables(p *scan.Project, out *scan.Out) {
	for _, g := range cnfServers(p) {
		o := g.opt("skip_grant_tables")
		if !o.set() || o.prefix != "" {
			continue // "skip-skip-grant-tables" is not a thing; --disable-... is off
		}
		if b, known := o.bool(); !known || b {
			out.Fail(o.r, o.v, "%s turns authentication and privilege checks off", o.where())
		}
	}
}

func checkRunAsRoot(p *scan.Project, out *scan.Out) {
	seen := map[*scan.Resource]bool{}
	report := func(r *scan.Resource, v *scan.Value, where string) {
		if s, _ := v.String(); strings.TrimSpace(s) == "root" || strings.TrimSpace(s) == "0" {
			if !seen[r] {
				seen[r] = true
				out.Fail(r, v, "%s runs the server as the operating system's root", where)
			}
		}
	}
	for _, g := range cnfServers(p) {
		if o := g.opt("user"); o.set() {
			report(o.r, o.v, o.where())
		}
	}
	for _, r := range p.Resources {
		if r.Lang == scan.MyCnf && r.Kind == "effective" && strings.EqualFold(r.Type, "mysqld_safe") {
			if v := r.Attr("user"); v != nil {
				report(r, v, fmt.Sprintf("[%s] user", r.Type))
			}
		}
	}
}
