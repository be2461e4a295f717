#!/usr/bin/env bash
# The high-availability shape of Drive on one machine, on loopback:
# HAProxy, two Kore hosts, two mailers (one active, one standby), one
# etcd and a Patroni pair (primary + synchronous replica), backed up by
# pgBackRest.  The engines' configuration is conf/cluster/*, the files an
# operator deploys on separate machines; this script copies them into a
# work folder with loopback addresses, own ports, folders and passwords.
#
#   conf/cluster/cluster.sh run     `make cluster`: up, print, Ctrl-C stops
#   source conf/cluster/cluster.sh  the functions (tests/cluster/run.sh)
#
# Ports, from CLUSTER_BASE (27000): +0 HTTP (HAProxy), +1 PostgreSQL
# primary (HAProxy), +2 HAProxy statistics, +10/+11 Kore, +20/+21
# PostgreSQL, +30/+31 Patroni REST, +40/+41 etcd client/peer.
set -uo pipefail

CLUSTER_CONF="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
# shellcheck source=conf/local.sh
source "$CLUSTER_CONF/../local.sh"
set +e
PG15_BIN=/usr/lib/postgresql/15/bin

clog() { printf 'cluster: %s\n' "$*" >&2; }

# cluster_deps: the engines, from Debian (not for `make run`/`make test`).
# The packages' own services must not start (policy-rc.d, as drive_deps
# does), and are stopped if a system manager started them anyway.
cluster_deps() {
	local node=""
	command -v node >/dev/null || node="nodejs"	# the tests (node:test)
	drive_deps postgresql-15 postgresql-client patroni python3-etcd \
	    etcd-server etcd-client haproxy pgbackrest $node || return 1
	local u
	if [ -d /run/systemd/system ]; then
		for u in etcd haproxy patroni; do
			systemctl disable --now "$u" >/dev/null 2>&1 || true
		done
	fi
}

# as_postgres CMD...: runs a command as postgres (when root) with no
# process in between, so that a started engine's pid is its own.
as_postgres() {
	(cd / && exec "${AS_PG[@]}" "$@")
}
as_postgres_set() {
	if [ "$(id -u)" = 0 ]; then
		AS_PG=(setpriv --reuid=postgres --regid=postgres --init-groups
		    env HOME="$CW")
	else
		AS_PG=(env HOME="$CW")
	fi
}

# cluster_ports BASE: the port variables.
cluster_ports() {
	local b="$1"
	P_HTTP=$b P_PG=$((b + 1)) P_STATS=$((b + 2))
	P_KORE1=$((b + 10)) P_KORE2=$((b + 11))
	P_PG1=$((b + 20)) P_PG2=$((b + 21))
	P_REST1=$((b + 30)) P_REST2=$((b + 31))
	P_ETCD=$((b + 40)) P_ETCDPEER=$((b + 41))
}

# The operator's files with loopback addresses, this run's ports, folders
# and passwords.
cluster_configs() {
	local n host pg rest
	for n in 1 2; do
		host="10.0.0.2$n"
		pg="P_PG$n" rest="P_REST$n"
		sed -e "s|$host:5432|127.0.0.1:${!pg}|g" \
		    -e "s|$host:8008|127.0.0.1:${!rest}|g" \
		    -e "s|10.0.0.31:2379|127.0.0.1:$P_ETCD|g" \
		    -e "s|10.0.0.2[12]/32|127.0.0.1/32|g" \
		    -e "s|10.0.0.0/24|127.0.0.0/8|g" \
		    -e "s|/var/lib/postgresql/15/drive|$CW/pg$n|g" \
		    -e "s|/var/lib/postgresql/.pgpass.patroni|$CW/run/pgpass$n|g" \
		    -e "s|/etc/pgbackrest/pgbackrest.conf|$CW/pgbackrest.conf|g" \
		    -e "s|/var/run/postgresql|$CW/run|g" \
		    -e "s|CHANGE-ME-superuser|$SUPER_PW|" \
		    -e "s|CHANGE-ME-replication|$REPL_PW|" \
		    "$CLUSTER_CONF/patroni-$n.yml" >"$CW/patroni-$n.yml"
		chmod 600 "$CW/patroni-$n.yml"
		[ "$(id -u)" != 0 ] || chown postgres: "$CW/patroni-$n.yml"
	done
	sed -e "s|10.0.0.31:2379|127.0.0.1:$P_ETCD|g" \
	    -e "s|10.0.0.31:2380|127.0.0.1:$P_ETCDPEER|g" \
	    -e "s|/var/lib/etcd/drive|$CW/etcd|" \
	    "$CLUSTER_CONF/etcd.env" >"$CW/etcd.env"
	sed -e "s|10.0.0.10:80\$|127.0.0.1:$P_HTTP|" \
	    -e "s|10.0.0.10:5000|127.0.0.1:$P_PG|" \
	    -e "s|10.0.0.10:7000|127.0.0.1:$P_STATS|" \
	    -e "s|10.0.0.11:8888|127.0.0.1:$P_KORE1|" \
	    -e "s|10.0.0.12:8888|127.0.0.1:$P_KORE2|" \
	    -e "s|/etc/haproxy/errors|$CLUSTER_CONF/errors|" \
	    -e "/server db1 /s|10.0.0.21:5432\(.*\)port 8008|127.0.0.1:$P_PG1\1port $P_REST1|" \
	    -e "/server db2 /s|10.0.0.22:5432\(.*\)port 8008|127.0.0.1:$P_PG2\1port $P_REST2|" \
	    "$CLUSTER_CONF/haproxy.cfg" >"$CW/haproxy.cfg"
	sed -e "s|/var/lib/pgbackrest|$CW/backup|" \
	    -e "s|/var/log/pgbackrest|$CW/log|" \
	    -e "s|/tmp/pgbackrest|$CW/run/pgbackrest|" \
	    -e "s|/var/lib/postgresql/15/drive|$CW/pg1|" \
	    -e "s|^pg1-port=5432|pg1-port=$P_PG1|" \
	    -e "s|/var/run/postgresql|$CW/run|" \
	    "$CLUSTER_CONF/pgbackrest.conf" >"$CW/pgbackrest.conf"
	local left
	left="$(grep -nE '^[^#]*(10\.0\.0\.|CHANGE-ME)' "$CW"/patroni-*.yml \
	    "$CW/etcd.env" "$CW/haproxy.cfg" "$CW/pgbackrest.conf")"
	if [ -n "$left" ]; then
		clog "an address or placeholder left in the loopback configuration:"
		printf '%s\n' "$left" >&2
		return 1
	fi
}

# start NAME CMD...: a child in its own session; pid in $CW/NAME.pid.
start() {
	local name="$1"
	shift
	(cd / && exec setsid "$@" >>"$CW/log/$name.log" 2>&1 </dev/null) &
	echo $! >"$CW/$name.pid"
	# Killed on purpose by the tests: no "Killed" line from bash.
	disown $!
}

pid_of() { cat "$CW/$1.pid" 2>/dev/null; }

# stop NAME [SIGNAL]: TERM (or SIGNAL), KILL after 15 s.
stop() {
	local pid
	pid="$(pid_of "$1")" || return 0
	[ -n "$pid" ] || return 0
	kill -"${2:-TERM}" "$pid" 2>/dev/null
	for _ in $(seq 1 150); do
		kill -0 "$pid" 2>/dev/null || break
		sleep 0.1
	done
	kill -KILL -- "-$pid" 2>/dev/null || kill -KILL "$pid" 2>/dev/null
	rm -f "$CW/$1.pid"
}

# wait_http URL SECONDS [NAME]: until the URL answers 2xx (and while
# the engine NAME runs).
wait_http() {
	local _
	for _ in $(seq 1 $(($2 * 5))); do
		curl -fs -m 1 -o /dev/null "$1" && return 0
		if [ -n "${3:-}" ] && ! kill -0 "$(pid_of "$3")" 2>/dev/null; then
			return 1
		fi
		sleep 0.2
	done
	return 1
}

etcd_up() {
	mkdir -p "$CW/etcd"
	chown postgres: "$CW/etcd" 2>/dev/null
	chmod 700 "$CW/etcd"
	local vars
	mapfile -t vars < <(grep -E '^ETCD_' "$CW/etcd.env")
	start etcd "${AS_PG[@]}" env "${vars[@]}" ETCD_LOG_LEVEL=warn etcd
	wait_http "http://127.0.0.1:$P_ETCD/health" 30 etcd ||
	    { clog "etcd did not start; see $CW/log/etcd.log"; return 1; }
}

# patroni_up N: Patroni of node N (it starts PostgreSQL itself).
patroni_up() {
	start "patroni$1" "${AS_PG[@]}" patroni "$CW/patroni-$1.yml"
}

# The Patroni REST port of node N.
rest_port() { local v="P_REST$1"; printf '%s' "${!v}"; }

# The node (1 or 2) that is the primary now, or nothing.
primary_node() {
	local n
	for n in 1 2; do
		if curl -fs -m 1 -o /dev/null \
		    "http://127.0.0.1:$(rest_port "$n")/primary"; then
			echo "$n"
			return 0
		fi
	done
	return 1
}

# psql as the database superuser through HAProxy (the primary).
psql_super() {
	PGPASSWORD="$SUPER_PW" psql -X -q -v ON_ERROR_STOP=1 \
	    "host=127.0.0.1 port=$P_PG user=postgres connect_timeout=3 ${PSQL_DB:-dbname=drive}" "$@"
}

haproxy_up() {
	haproxy -c -q -f "$CW/haproxy.cfg" ||
	    { clog "haproxy.cfg does not check"; return 1; }
	start haproxy haproxy -db -f "$CW/haproxy.cfg"
}

# The roles and the database of Drive (README "Database roles"), then
# the schema by the owner.
drive_database() {
	# The passwords go in on stdin, never on a command line.
	PSQL_DB=dbname=postgres psql_super >/dev/null <<-EOF ||
	SELECT 'CREATE ROLE drive LOGIN' WHERE NOT EXISTS
	    (SELECT 1 FROM pg_roles WHERE rolname = 'drive') \gexec
	SELECT 'CREATE ROLE drive_owner LOGIN' WHERE NOT EXISTS
	    (SELECT 1 FROM pg_roles WHERE rolname = 'drive_owner') \gexec
	ALTER ROLE drive PASSWORD '$DRIVE_PW';
	ALTER ROLE drive_owner PASSWORD '$OWNER_PW';
	SELECT 'CREATE DATABASE drive OWNER drive_owner' WHERE NOT EXISTS
	    (SELECT 1 FROM pg_database WHERE datname = 'drive') \gexec
	EOF
	    return 1
	psql_super -c "SET client_min_messages = warning" \
	    -c "CREATE EXTENSION IF NOT EXISTS pg_stat_statements" \
	    -c "CREATE EXTENSION IF NOT EXISTS pg_trgm" >/dev/null || return 1
	DRIVE_OWNER_URL="$OWNER_URL" "$DRIVE_ROOT/build/drivectl" migrate \
	    >>"$CW/log/migrate.log" 2>&1 ||
	    { clog "drivectl migrate failed; see $CW/log/migrate.log"; return 1; }
}

# pgbackrest as postgres with this run's configuration.
pgbr() {
	as_postgres pgbackrest --config="$CW/pgbackrest.conf" --stanza=drive "$@"
}

# backup [full|diff|incr]: from whichever node is the primary now.
backup() {
	local n pgp
	n="$(primary_node)" || { clog "no primary to back up"; return 1; }
	pgp="P_PG$n"
	pgbr --pg1-path="$CW/pg$n" --pg1-port="${!pgp}" \
	    --type="${1:-full}" backup
}

# archive_check: the primary's WAL up to now is in the repository
# (pgbackrest check switches to a new segment and waits for it).
archive_check() {
	local n pgp
	n="$(primary_node)" || { clog "no primary"; return 1; }
	pgp="P_PG$n"
	pgbr --pg1-path="$CW/pg$n" --pg1-port="${!pgp}" check
}

# restore_pitr TIME PORT: the newest backup and the archived WAL up to
# TIME ('2026-01-31 12:00:00.123456+00'), restored into a new cluster
# in $CW/pgrestore and started on PORT, apart from Patroni (no
# archiving, no synchronous standby): README "Backups and restore".
restore_pitr() {
	local dir="$CW/pgrestore"
	if [ -f "$dir/postmaster.pid" ]; then
		as_postgres "$PG15_BIN/pg_ctl" -D "$dir" -m immediate -w stop >/dev/null
	fi
	rm -rf "$dir"
	mkdir -p "$dir"
	chmod 700 "$dir"
	[ "$(id -u)" != 0 ] || chown postgres: "$dir"
	pgbr --pg1-path="$dir" --type=time --target="$1" \
	    --target-action=promote restore || return 1
	as_postgres "$PG15_BIN/pg_ctl" -D "$dir" -l "$CW/log/pgrestore.log" \
	    -w -t 120 -o "-p $2 -c listen_addresses=127.0.0.1 \
	    -c unix_socket_directories=$CW/run -c archive_mode=off \
	    -c synchronous_standby_names=''" start
}

# kore_host N: Kore host N behind HAProxy (conf/drive.conf).
kore_host() {
	local port="P_KORE$1"
	DRIVE_BIND=127.0.0.1 kore_conf "${!port}" "$CW/kore$1.conf" \
	    "$CW/log/access$1.log" || return 1
	kore_up "$CW/kore$1.conf" "$CW/log/kore$1.log"
}

kore_host_down() { kore_down "$CW/kore$1.conf"; }

# mailer N: mailer N (the first to take the advisory lock sends).
mailer() {
	mkdir -p "$CW/mail$1"
	start "mailer$1" env -u DRIVE_OWNER_URL DRIVE_ROOT="$DRIVE_ROOT" \
	    DRIVE_MAIL_DIR="$CW/mail$1" "$DRIVE_ROOT/build/drive-mailer"
}

# cluster_env: the ports and the environment of the run in $CW.
cluster_env() {
	# shellcheck source=/dev/null
	source "$CW/cluster.env"
	cluster_ports "$CLUSTER_BASE"
	as_postgres_set
	export DRIVE_DATABASE_URL="host=127.0.0.1 port=$P_PG dbname=drive user=drive password=$DRIVE_PW connect_timeout=2"
	OWNER_URL="host=127.0.0.1 port=$P_PG dbname=drive user=drive_owner password=$OWNER_PW connect_timeout=2"
	export DRIVE_BASE_URL="http://127.0.0.1:$P_HTTP"
	export DRIVE_TRUSTED_PROXIES=127.0.0.1
	export DRIVE_AUDIT_ANCHOR="$CW/audit.anchor"
	export DRIVE_SECRET_KEY DRIVE_ROOT
}

# cluster_up BASE: everything, in a new work folder ($CW).
cluster_up() {
	cluster_ports "$1"
	CW="$(mktemp -d /tmp/drive-cluster.XXXXXX)"
	chmod 755 "$CW"
	as_postgres_set
	mkdir -p "$CW/log" "$CW/run" "$CW/backup"
	if [ "$(id -u)" = 0 ]; then
		mkdir -p "$CW/pg1" "$CW/pg2"
		chmod 700 "$CW/pg1" "$CW/pg2"
		chown postgres: "$CW/log" "$CW/run" "$CW/backup" "$CW/pg1" "$CW/pg2"
		if ! runuser -u postgres -- test -x "$CW"; then
			clog "the postgres user cannot reach $CW"; return 1
		fi
	fi
	local p
	for p in $P_HTTP $P_PG $P_STATS $P_KORE1 $P_KORE2 $P_PG1 $P_PG2 \
	    $P_REST1 $P_REST2 $P_ETCD $P_ETCDPEER; do
		if (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null; then
			clog "port $p is taken (CLUSTER_BASE=$1): choose another base"
			return 1
		fi
	done
	rnd() { head -c 18 /dev/urandom | od -An -tx1 | tr -d ' \n'; }
	SUPER_PW="$(rnd)" REPL_PW="$(rnd)" DRIVE_PW="$(rnd)" OWNER_PW="$(rnd)"
	cluster_configs || return 1
	export DRIVE_SECRET_KEY="${DRIVE_SECRET_KEY:-$(head -c 32 /dev/urandom | od -An -tx1 | tr -d ' \n')}"
	# What a later command (cluster.sh ctl, the tests) needs, in one file.
	(umask 077; cat >"$CW/cluster.env" <<-EOF
	CLUSTER_BASE=$1
	SUPER_PW=$SUPER_PW
	REPL_PW=$REPL_PW
	DRIVE_PW=$DRIVE_PW
	OWNER_PW=$OWNER_PW
	DRIVE_SECRET_KEY=$DRIVE_SECRET_KEY
	EOF
	)
	cluster_env
	local t0=$SECONDS
	etcd_up || return 1
	haproxy_up || return 1
	patroni_up 1
	wait_http "http://127.0.0.1:$P_REST1/primary" 90 patroni1 ||
	    { clog "db1 did not become the primary; see $CW/log/patroni1.log"; return 1; }
	pgbr stanza-create >>"$CW/log/pgbackrest.log" 2>&1 ||
	    { clog "pgbackrest stanza-create failed; see $CW/log/pgbackrest.log"; return 1; }
	patroni_up 2
	# The replica is synchronous once its Patroni answers /sync.
	wait_http "http://127.0.0.1:$P_REST2/sync" 120 patroni2 ||
	    { clog "db2 did not become the synchronous replica; see $CW/log/patroni2.log"; return 1; }
	wait_http "http://127.0.0.1:$P_STATS/" 10 || true
	drive_database || return 1
	backup full >>"$CW/log/pgbackrest.log" 2>&1 ||
	    { clog "the first full backup failed; see $CW/log/pgbackrest.log"; return 1; }
	kore_host 1 || return 1
	kore_host 2 || return 1
	mailer 1
	sleep 0.5
	mailer 2
	wait_http "http://127.0.0.1:$P_HTTP/healthz" 20 ||
	    { clog "no /healthz through HAProxy"; return 1; }
	clog "up in $((SECONDS - t0)) s"
}

# cluster_down: everything this run started, newest first; the data
# stays unless CLUSTER_KEEP is empty and $CW is ours (removed).
cluster_down() {
	[ -n "${CW:-}" ] && [ -d "$CW" ] || return 0
	stop mailer1
	stop mailer2
	kore_host_down 1
	kore_host_down 2
	stop haproxy
	stop patroni2
	stop patroni1
	# A PostgreSQL whose Patroni was killed (the tests do) goes on alone.
	local n
	for n in 1 2 restore; do
		if [ -f "$CW/pg$n/postmaster.pid" ]; then
			as_postgres "$PG15_BIN/pg_ctl" -D "$CW/pg$n" -m immediate \
			    -w stop >/dev/null 2>&1
		fi
	done
	stop etcd
	if [ -z "${CLUSTER_KEEP:-}" ]; then
		rm -rf "$CW"
	else
		clog "kept $CW"
	fi
}

cluster_run() {
	local base="${CLUSTER_BASE:-27000}"
	trap 'cluster_down; clog stopped' EXIT
	trap 'exit 0' INT TERM
	cluster_up "$base" || { clog "did not start"; exit 1; }
	(DRIVE_DATABASE_URL="$DRIVE_DATABASE_URL" "$DRIVE_ROOT/build/drivectl" \
	    invite --first-admin --email "${DRIVE_ADMIN_EMAIL:-admin@drive.test}")
	cat >&2 <<-EOF

	Drive, highly available, on loopback (work folder $CW):
	  portal            http://127.0.0.1:$P_HTTP/  (HAProxy -> Kore :$P_KORE1, :$P_KORE2)
	  HAProxy stats     http://127.0.0.1:$P_STATS/
	  PostgreSQL        127.0.0.1:$P_PG (HAProxy -> the primary of db1 :$P_PG1, db2 :$P_PG2)
	  Patroni REST      http://127.0.0.1:$P_REST1/ (db1), http://127.0.0.1:$P_REST2/ (db2)
	  patronictl        patronictl -c $CW/patroni-1.yml list
	  etcd              http://127.0.0.1:$P_ETCD
	  mail (.eml)       $CW/mail1, $CW/mail2 (mailer 1 active, 2 standby)
	  backups           pgbackrest --config=$CW/pgbackrest.conf --stanza=drive info
	  logs              $CW/log/
	Ctrl-C stops everything.
	EOF
	while sleep 1; do
		kill -0 "$(pid_of haproxy)" 2>/dev/null ||
		    { clog "haproxy exited; see $CW/log/haproxy.log"; exit 1; }
	done
}

if [ "${BASH_SOURCE[0]}" = "$0" ]; then
	case "${1:-}" in
	deps)	cluster_deps ;;
	# ctl WORKDIR FUNCTION ARGS: one of the functions above on a running
	# cluster (the tests: patroni_up 2, stop mailer1, backup, ...).
	ctl)	CW="$2"; shift 2; cluster_env; "$@" ;;
	run)	cluster_deps || exit 1; cluster_run ;;
	*)	echo "usage: conf/cluster/cluster.sh deps|run" >&2; exit 2 ;;
	esac
fi
