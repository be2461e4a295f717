#!/usr/bin/env bash
# Local operation of Drive: install what is missing, run a PostgreSQL
# cluster of its own (own port and socket, never as root), migrate, and
# serve.  Used by `make run`, `make test` and `make bench`.
#
#   conf/local.sh deps            install missing Debian packages
#   conf/local.sh run             the embedded default: var/pg, port 8888
#   source conf/local.sh          for the functions (tests, bench)
set -euo pipefail

DRIVE_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
# The newest installed PostgreSQL's programs; empty until it is installed
# (drive_deps runs first and sets it again).
pg_bin() {
	local d
	d="$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1)" || true
	printf '%s' "$d"
}
PG_BIN="$(pg_bin)"
DEBIAN_PACKAGES="kore postgresql postgresql-contrib libcmark-dev
libjansson-dev libargon2-dev libcurl4-openssl-dev libssl-dev libpq-dev
libcmocka-dev liboath-dev libqrencode-dev libcjose-dev gcc libc6-dev make curl python3"
# What the test suites need besides: a browser (Debian's, never a
# downloaded one), Node.js for node:test, psql for counting rows, nginx
# (tests/e2e/nginx.test.mjs runs its own in front of Kore; the package's
# daemon is never started, see drive_deps), wrk and strace for the
# sandbox's load and fault tests, clang and its runtime for the fuzzers
# and the sanitizer run.
TEST_PACKAGES="chromium postgresql-client nginx wrk strace clang
libclang-rt-14-dev"

log() { printf 'drive: %s\n' "$*" >&2; }

drive_deps() {
	local missing=() p
	for p in $DEBIAN_PACKAGES "$@"; do
		dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p")
	done
	if [[ " $* " == *" chromium "* ]] && ! command -v node >/dev/null; then
		missing+=(nodejs npm)
	fi
	[ ${#missing[@]} -eq 0 ] && return 0
	if [ "$(id -u)" != 0 ]; then
		log "missing packages: ${missing[*]}; install them as root"
		return 1
	fi
	log "installing ${missing[*]}"
	# Packages with a daemon (nginx) must not start it: no service on
	# port 80 that the machine did not have (policy-rc.d: 101 = refuse).
	local guard="" rc=0
	if [ ! -e /usr/sbin/policy-rc.d ]; then
		printf '#!/bin/sh\nexit 101\n' > /usr/sbin/policy-rc.d
		chmod 755 /usr/sbin/policy-rc.d
		guard=1
	fi
	apt-get update -qq || rc=$?
	[ "$rc" -eq 0 ] && { DEBIAN_FRONTEND=noninteractive apt-get install -y -qq \
	    --no-install-recommends "${missing[@]}" >/dev/null || rc=$?; }
	[ -n "$guard" ] && rm -f /usr/sbin/policy-rc.d
	if [[ " ${missing[*]} " == *" nginx "* ]] && [ -d /run/systemd/system ]; then
		systemctl disable --now nginx >/dev/null 2>&1 || true
	fi
	[ "$rc" -eq 0 ] || return "$rc"
	PG_BIN="$(pg_bin)"
}

# Runs a command as the owner of the cluster: postgres when we are root,
# ourselves otherwise.
as_pg() {
	if [ "$(id -u)" = 0 ]; then
		# From /: postgres may not enter the checkout (/root/drive).
		(cd / && runuser -u postgres -- "$@")
	else
		"$@"
	fi
}

# pg_up DIR PORT: creates the cluster in DIR when it is new, starts it.
pg_up() {
	local dir port="$2"
	dir="$(readlink -m "$1")"
	mkdir -p "$dir"
	if [ "$(id -u)" = 0 ]; then
		chown postgres: "$dir"
		if ! runuser -u postgres -- test -x "$dir"; then
			log "the postgres user cannot reach $dir; move the checkout" \
			    "to a folder others may traverse, or set DRIVE_DATABASE_URL"
			return 1
		fi
	fi
	if [ ! -f "$dir/PG_VERSION" ]; then
		log "creating a PostgreSQL cluster in $dir"
		as_pg "$PG_BIN/initdb" -D "$dir" -U postgres --auth=trust \
		    -E UTF8 --locale=C.UTF-8 >/dev/null
		cat >>"$dir/postgresql.conf" <<-EOF
		listen_addresses = '127.0.0.1'
		port = $port
		unix_socket_directories = '$dir'
		max_connections = 100
		shared_preload_libraries = 'pg_stat_statements'
		pg_stat_statements.track = all
		log_min_messages = warning
		EOF
	fi
	if ! as_pg "$PG_BIN/pg_ctl" -D "$dir" status >/dev/null 2>&1; then
		as_pg "$PG_BIN/pg_ctl" -D "$dir" -l "$dir/server.log" -w \
		    -o "-p $port" start >/dev/null
	fi
	# Two roles: drive_owner owns the database and the schema (drivectl
	# migrate), drive is the portal's (it owns nothing; its grants are
	# given by drivectl migrate).  A cluster of an earlier run, where
	# drive owned everything, is handed over to drive_owner.
	as_pg "$PG_BIN/psql" -h "$dir" -p "$port" -U postgres -qAtX -d postgres \
	    -v ON_ERROR_STOP=1 >/dev/null <<-'EOF'
	SELECT 'CREATE ROLE drive LOGIN' WHERE NOT EXISTS
	    (SELECT 1 FROM pg_roles WHERE rolname = 'drive') \gexec
	SELECT 'CREATE ROLE drive_owner LOGIN' WHERE NOT EXISTS
	    (SELECT 1 FROM pg_roles WHERE rolname = 'drive_owner') \gexec
	SELECT 'CREATE DATABASE drive OWNER drive_owner' WHERE NOT EXISTS
	    (SELECT 1 FROM pg_database WHERE datname = 'drive') \gexec
	EOF
	as_pg "$PG_BIN/psql" -h "$dir" -p "$port" -U postgres -q -d drive \
	    -c "SET client_min_messages = warning" \
	    -c "REASSIGN OWNED BY drive TO drive_owner" \
	    -c "CREATE EXTENSION IF NOT EXISTS pg_stat_statements" \
	    -c "CREATE EXTENSION IF NOT EXISTS pg_trgm" >/dev/null
}

# local_pgdata: the embedded cluster's folder.  var/pg in the checkout,
# unless we are root and the postgres user cannot reach the checkout (a
# clone in /root, mode 700, is where a root user clones): then one folder
# per checkout under the postgres user's home, with var/pg a link to it.
# No permission of a folder we did not make is changed.
local_pgdata() {
	local var="$DRIVE_ROOT/var" id
	mkdir -p "$var"
	if [ -L "$var/pg" ] || [ "$(id -u)" != 0 ] ||
	    [ -f "$var/pg/PG_VERSION" ] ||
	    runuser -u postgres -- test -x "$var"; then
		printf '%s' "$var/pg"
		return
	fi
	id="$(printf '%s' "$DRIVE_ROOT" | sha256sum | cut -c1-12)"
	local home
	home="$(getent passwd postgres | cut -d: -f6)"
	mkdir -p "$home/drive"
	chown postgres: "$home/drive"
	ln -sfn "$home/drive/$id" "$var/pg"
	log "the postgres user cannot reach $DRIVE_ROOT: the local cluster" \
	    "lives in $home/drive/$id (var/pg links to it)"
	printf '%s' "$var/pg"
}

pg_down() {
	local dir
	dir="$(readlink -m "$1")"
	as_pg "$PG_BIN/pg_ctl" -D "$dir" -m fast -w stop >/dev/null 2>&1 || true
}

# A TCP port nobody listens on now, on 127.0.0.1 (tests, bench).
free_port() {
	python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'
}

# pg_url DIR PORT [ROLE]: the portal's URL (ROLE drive), or the owner's
# (ROLE drive_owner: migrations, demo data).
pg_url() {
	printf 'host=%s port=%s dbname=drive user=%s connect_timeout=2' \
	    "$(readlink -m "$1")" "$2" "${3:-drive}"
}

# DRIVE_ACCESS_LOG=on|off: Kore's own access log, off unless asked for:
# nginx in front logs every request, and Kore 4.1.0's log was seen to
# stall every worker under load (README, "The sandbox").
access_log_on() {
	case "${DRIVE_ACCESS_LOG:-off}" in
	on)	return 0 ;;
	off)	return 1 ;;
	*)	log "DRIVE_ACCESS_LOG must be on or off, not '$DRIVE_ACCESS_LOG'"
		return 2 ;;
	esac
}

# kore_conf PORT OUTFILE LOGFILE: the Kore configuration for this checkout;
# Kore's pid goes to OUTFILE.pid; the access log (if on) to LOGFILE.
kore_conf() {
	local rc=0 nolog=""
	access_log_on || rc=$?
	[ $rc -le 1 ] || return 1
	[ $rc -eq 0 ] || nolog='/@LOG@/d'
	sed -e "$nolog" -e "s|@PORT@|$1|" -e "s|@MODULE@|$DRIVE_ROOT/build/drive.so|" \
	    -e "s|@BIND@|${DRIVE_BIND:-127.0.0.1}|" \
	    -e "s|@LOG@|$3|" -e "s|@PID@|$2.pid|" \
	    "$DRIVE_ROOT/conf/drive.conf" >"$2"
}

kore_alive() {
	[ -f "$1.pid" ] && kill -0 "$(cat "$1.pid")" 2>/dev/null
}

# kore_up CONF LOG: starts Kore in its own session, waits for /healthz.
kore_up() {
	local conf="$1" logf="$2" port
	port="$(awk '/^[[:space:]]*bind/ { print $3; exit }' "$conf")"
	rm -f "$conf.pid"
	# The owner's URL stays out of the portal's environment.
	(cd "$DRIVE_ROOT" && setsid env -u DRIVE_OWNER_URL stdbuf -oL -eL \
	    kore -f -n -r -c "$conf" >>"$logf" 2>&1 &)
	for _ in $(seq 1 100); do
		if curl -fs -m 2 -o /dev/null "http://127.0.0.1:$port/healthz"; then
			return 0
		fi
		sleep 0.1
	done
	kore_down "$conf"
	log "kore did not answer on port $port; see $logf"
	tail -20 "$logf" >&2
	return 1
}

# kore_down CONF: stops the Kore kore_up started.  The parent may exit
# before a worker does (seen under the sanitizer build): its process
# group (kore_up's setsid: the parent's pid) is waited for, and what is
# left of it after 3 s is killed, so that no worker outlives it.
kore_down() {
	local conf="$1" pid
	[ -f "$conf.pid" ] || return 0
	pid="$(cat "$conf.pid")"
	kill -TERM "$pid" 2>/dev/null || true
	for _ in $(seq 1 50); do
		kill -0 "$pid" 2>/dev/null || break
		sleep 0.1
	done
	kill -0 "$pid" 2>/dev/null && kill -KILL -- "-$pid" 2>/dev/null
	for _ in $(seq 1 30); do
		kill -0 -- "-$pid" 2>/dev/null || break
		sleep 0.1
	done
	kill -KILL -- "-$pid" 2>/dev/null || true
	rm -f "$conf.pid"
}

# The outbox sender: SMTP through DRIVE_SMTP_URL, else .eml files.
mailer_up() {
	local var="$1"
	if [ -z "${DRIVE_SMTP_URL:-}" ]; then
		export DRIVE_MAIL_DIR="${DRIVE_MAIL_DIR:-$var/mail}"
		log "no DRIVE_SMTP_URL: each mail is written to $DRIVE_MAIL_DIR as an .eml file"
	fi
	DRIVE_ROOT="$DRIVE_ROOT" env -u DRIVE_OWNER_URL \
	    "$DRIVE_ROOT/build/drive-mailer" \
	    >>"$var/mailer.log" 2>&1 &
	echo $! >"$var/mailer.pid"
}

mailer_down() {
	local var="$1"
	local pid
	[ -f "$var/mailer.pid" ] || return 0
	pid="$(cat "$var/mailer.pid")"
	# It finishes the mail in flight; the database must still be up.
	kill -TERM "$pid" 2>/dev/null || true
	for _ in $(seq 1 100); do
		kill -0 "$pid" 2>/dev/null || break
		sleep 0.1
	done
	rm -f "$var/mailer.pid"
}

# audit_anchor: appends the audit chain's head to DRIVE_AUDIT_ANCHOR
# (drivectl audit anchor); says so loudly when the chain is broken.
audit_anchor() {
	"$DRIVE_ROOT/build/drivectl" audit anchor >/dev/null ||
	    log "AUDIT: the audit chain did not verify; see" \
	    "\`build/drivectl audit verify\`"
}

drive_run() {
	local var="$DRIVE_ROOT/var" port="${DRIVE_PORT:-8888}" pgport=5488
	local pgdata owner_url="${DRIVE_OWNER_URL:-}" every last=$SECONDS
	mkdir -p "$var/mail"
	export DRIVE_AUDIT_ANCHOR="${DRIVE_AUDIT_ANCHOR:-$var/audit.anchor}"
	every="${DRIVE_AUDIT_ANCHOR_SECONDS:-60}"
	if [ -z "${DRIVE_DATABASE_URL:-}" ]; then
		pgdata="$(local_pgdata)"
		trap 'mailer_down "$var"; kore_down "$var/kore.conf"; audit_anchor; pg_down "$pgdata"; log stopped' EXIT
		pg_up "$pgdata" "$pgport"
		export DRIVE_DATABASE_URL="$(pg_url "$pgdata" "$pgport")"
		owner_url="$(pg_url "$pgdata" "$pgport" drive_owner)"
	else
		trap 'mailer_down "$var"; kore_down "$var/kore.conf"; audit_anchor; log stopped' EXIT
	fi
	# drivectl finds the databases here: the portal's role (invite, audit)
	# and the owner (migrate).
	(umask 077; printf '%s\n' "$DRIVE_DATABASE_URL" >"$var/database.url")
	if [ -n "$owner_url" ]; then
		(umask 077; printf '%s\n' "$owner_url" >"$var/owner.url")
	fi
	# The key that seals second-factor secrets, kept out of the database
	# (README, "Second factor"): DRIVE_SECRET_KEY, else var/secret.key,
	# made once here.
	if [ -z "${DRIVE_SECRET_KEY:-}" ] && [ ! -s "$var/secret.key" ]; then
		(umask 077; head -c 32 /dev/urandom | od -An -tx1 | tr -d ' \n' \
		    >"$var/secret.key")
		log "made var/secret.key (keep it with the backups, apart from the database)"
	fi
	export DRIVE_BASE_URL="${DRIVE_BASE_URL:-http://127.0.0.1:$port}"
	DRIVE_OWNER_URL="$owner_url" "$DRIVE_ROOT/build/drivectl" migrate
	audit_anchor
	"$DRIVE_ROOT/build/drivectl" invite --first-admin \
	    --email "${DRIVE_ADMIN_EMAIL:-admin@drive.test}"
	kore_conf "$port" "$var/kore.conf" "$var/access.log"
	kore_up "$var/kore.conf" "$var/kore.log"
	mailer_up "$var"
	log "serving on http://127.0.0.1:$port (log: var/kore.log); Ctrl-C stops"
	trap 'exit 0' INT TERM
	while kore_alive "$var/kore.conf"; do
		sleep 1
		if [ $((SECONDS - last)) -ge "$every" ]; then
			audit_anchor
			last=$SECONDS
		fi
	done
	log "kore exited; see var/kore.log"
	# exit, not return: the EXIT trap above needs the locals (var, pgdata)
	exit 1
}

# Fills the local database with a realistic portal (sql/demo.sql).
drive_demo() {
	local var="$DRIVE_ROOT/var" pgport=5488 was_up=1 pgdata="$DRIVE_ROOT/var/pg"
	if [ -z "${DRIVE_DATABASE_URL:-}" ]; then
		pgdata="$(local_pgdata)"
		as_pg "$PG_BIN/pg_ctl" -D "$(readlink -m "$pgdata")" status \
		    >/dev/null 2>&1 || was_up=0
		pg_up "$pgdata" "$pgport"
		export DRIVE_DATABASE_URL="$(pg_url "$pgdata" "$pgport")"
		export DRIVE_OWNER_URL="$(pg_url "$pgdata" "$pgport" drive_owner)"
	fi
	"$DRIVE_ROOT/build/drivectl" migrate
	# The demo data is written as the owner (its temporary tables).
	psql "${DRIVE_OWNER_URL:-$DRIVE_DATABASE_URL}" -X -q -v ON_ERROR_STOP=1 \
	    -f "$DRIVE_ROOT/sql/demo.sql" || { [ $was_up = 1 ] || pg_down "$pgdata"; return 1; }
	[ $was_up = 1 ] || pg_down "$pgdata"
	log "demo data loaded: \`make run\`, then sign in as client001@example.test," \
	    "pm1@example.test or admin1@example.test with \"drive demo password\"" \
	    "(staff first set up two-step sign-in, as /admin/sign-in requires)"
}

if [ "${BASH_SOURCE[0]}" = "$0" ]; then
	case "${1:-}" in
	deps)	shift; drive_deps "$@" ;;
	test-deps) drive_deps $TEST_PACKAGES ;;
	run)	drive_run ;;
	demo)	drive_demo ;;
	*)	echo "usage: conf/local.sh deps|test-deps|run|demo" >&2; exit 2 ;;
	esac
fi
