# Sourced by bench scripts: start_mariadb starts a private MariaDB server for
# one benchmark run (its own data directory, socket and loopback port, under
# $tmp), and stop_mariadb stops it by its PID. The caller sets tmp and traps
# EXIT to call stop_mariadb and remove $tmp. After start_mariadb:
# MARIADB_SOCK, MARIADB_PORT, MARIADB_CLIENT; root logs in over the socket
# without a password.

# Debian installs MariaDB's server programs in /usr/sbin, not always on PATH.
find_bin() {
	local name dir
	for name in "$@"; do
		command -v "$name" 2>/dev/null && return
		for dir in /usr/sbin /usr/bin /usr/local/sbin /usr/local/bin; do
			[ -x "$dir/$name" ] && { echo "$dir/$name"; return; }
		done
	done
	echo "$0: $* not found; install it with: apt-get install -y mariadb-server mariadb-client" >&2
	return 1
}

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }

MARIADB_PID=""

# start_mariadb [extra mariadbd options...]
start_mariadb() {
	local mariadbd install_db as_root=()
	mariadbd=$(find_bin mariadbd mysqld)
	install_db=$(find_bin mariadb-install-db mysql_install_db)
	MARIADB_CLIENT=$(find_bin mariadb mysql)
	[ "$(id -u)" = 0 ] && as_root=(--user=root)
	mkdir -p "$tmp/tmp"
	if ! "$install_db" --no-defaults --datadir="$tmp/data" --tmpdir="$tmp/tmp" --auth-root-authentication-method=normal \
		--skip-test-db --skip-name-resolve "${as_root[@]}" >"$tmp/install.log" 2>&1; then
		echo "$0: mariadb-install-db failed:" >&2
		tail -20 "$tmp/install.log" >&2
		return 1
	fi
	MARIADB_SOCK="$tmp/mariadbd.sock"
	MARIADB_PORT=$(free_port)
	"$mariadbd" --no-defaults --datadir="$tmp/data" --socket="$MARIADB_SOCK" --port="$MARIADB_PORT" --bind-address=127.0.0.1 \
		--tmpdir="$tmp/tmp" --pid-file="$tmp/mariadbd.pid" --skip-name-resolve --max-connections=500 \
		"${as_root[@]}" "$@" >"$tmp/mariadbd.log" 2>&1 &
	MARIADB_PID=$!
	local _
	for _ in $(seq 300); do
		if ! kill -0 "$MARIADB_PID" 2>/dev/null; then
			MARIADB_PID=""
			break
		fi
		if [ -S "$MARIADB_SOCK" ] && "$MARIADB_CLIENT" --no-defaults --socket="$MARIADB_SOCK" -u root -e 'SELECT 1' >/dev/null 2>&1; then
			return 0
		fi
		sleep 0.1
	done
	echo "$0: mariadbd did not start on port $MARIADB_PORT:" >&2
	tail -20 "$tmp/mariadbd.log" >&2
	return 1
}

stop_mariadb() {
	if [ -n "$MARIADB_PID" ]; then
		kill "$MARIADB_PID" 2>/dev/null || true
		wait "$MARIADB_PID" 2>/dev/null || true
		MARIADB_PID=""
	fi
}
