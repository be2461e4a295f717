#!/usr/bin/env bash
# make bench: Drive under load, against its own PostgreSQL and Kore in a
# temporary directory (random ports), with a generated data set.  Prints
# a table, writes it as JSON to bench/results/, stops everything.
#
#   tests/bench/run.sh                  (make bench builds first)
#
# Environment (all optional):
#   BENCH_SCALE=1          data set multiplier: 50,000 ideas, 1,000,000
#                          votes, 100,000 comments, 5,000 people per unit
#   BENCH_DURATION=8       seconds per wrk / pgbench run
#   BENCH_CONNECTIONS=64   wrk connections (-c), BENCH_THREADS=2 (-t)
#   BENCH_GROWTH="10000 50000 500000"   idea counts for the growth runs
#                          (votes, comments, people in proportion; the
#                          main data set's size is measured with it)
#   BENCH_STATEMENT_REQUESTS=200        requests per statement count
#   KEEP_BENCH_DIR=1       keep the temporary directory (logs, files)
#   BENCH_BASE=e456f21     the older commit measured after this one, for
#                          the table "before and after" ("none": skip)
#
# What it measures, in this order: the floors (a static file through
# Kore; each page's own SQL through pgbench with as many clients as Kore
# has connections), the statements each request sends (pg_stat_statements),
# the signed-in reads twice (RSS of the workers after each pass), votes
# (checked to the row), sign-in, then list/idea/vote at each growth size.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
BENCH="$ROOT/tests/bench"
cd "$ROOT"
# shellcheck source=conf/local.sh
source conf/local.sh

SCALE="${BENCH_SCALE:-1}"
DUR="${BENCH_DURATION:-8}"
CONNS="${BENCH_CONNECTIONS:-64}"
THREADS="${BENCH_THREADS:-2}"
GROWTH="${BENCH_GROWTH-10000 50000 500000}"
STMT_N="${BENCH_STATEMENT_REQUESTS:-200}"
MAIN_IDEAS=$((50000 * SCALE))
# The words searched for: common, rarer, two words, none at all.
SEARCH_WORDS="csv approval iban guarantees netting expiry+dates mobile+tokens blockchain"
# Kore's database connections: workers x pgsql_conn_max, from the config.
KORE_WORKERS="$(awk '$1 == "workers" { print $2 }' conf/drive.conf)"
KORE_CONN_MAX="$(awk '$1 == "pgsql_conn_max" { print $2 }' conf/drive.conf)"
PG_CLIENTS="${BENCH_PG_CLIENTS:-$((${KORE_WORKERS:-2} * ${KORE_CONN_MAX:-2}))}"
# pgbench sends the statements as the app does: prepared once per
# connection (-M prepared) or parsed and planned each time (-M extended).
if grep -q 'PQsendQueryPrepared\|PQexecPrepared' app/*.c; then
	APP_MODE=prepared OTHER_MODE=extended
else
	APP_MODE=extended OTHER_MODE=prepared
fi
APP_MODE="${BENCH_PG_MODE:-$APP_MODE}"

say() {
	printf '[bench %2dm%02ds] %s\n' $((SECONDS / 60)) $((SECONDS % 60)) "$*"
}

# ---- tools -----------------------------------------------------------------

missing=()
command -v wrk >/dev/null || missing+=(wrk)
command -v argon2 >/dev/null || missing+=(argon2)
command -v psql >/dev/null || missing+=(postgresql-client)
[ -x "$PG_BIN/pgbench" ] || missing+=(postgresql-contrib)
command -v python3 >/dev/null || missing+=(python3)
[ -x /usr/bin/time ] || missing+=(time)
if [ ${#missing[@]} -gt 0 ]; then
	if [ "$(id -u)" != 0 ]; then
		echo "bench: missing packages: ${missing[*]}; install them as root" >&2
		exit 1
	fi
	say "installing ${missing[*]}"
	apt-get update -qq
	DEBIAN_FRONTEND=noninteractive apt-get install -y -qq \
	    --no-install-recommends "${missing[@]}" >/dev/null
	PG_BIN="$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -1)"
fi
PGBENCH="$PG_BIN/pgbench"
[ -x build/drive.so ] || { echo "bench: build/drive.so missing: make build" >&2; exit 1; }

# ---- the stack -------------------------------------------------------------

WORK="$(mktemp -d /tmp/drive-bench.XXXXXX)"
chmod 755 "$WORK"
mkdir -p "$WORK/logs" "$WORK/files"
RESULTS="$WORK/results.jsonl"
: >"$RESULTS"

cleanup() {
	local rc=$?
	trap - EXIT INT TERM
	kore_down "$WORK/kore.conf" 2>/dev/null || true
	pg_down "$WORK/pg"
	if [ -n "${KEEP_BENCH_DIR:-}" ] || [ $rc -ne 0 ]; then
		echo "bench: logs kept in $WORK" >&2
	else
		rm -rf "$WORK"
	fi
	exit $rc
}
trap cleanup EXIT
trap 'exit 130' INT TERM

PGPORT="$(free_port)"
KPORT="$(free_port)"
KBASE="http://127.0.0.1:$KPORT"
sql() {	# sql ARGS...: psql as the superuser (database $SQLDB or drive)
	psql "host=$WORK/pg port=$PGPORT dbname=${SQLDB:-drive} user=postgres" \
	    -X -q -At -v ON_ERROR_STOP=1 "$@"
}
probe() {
	python3 "$BENCH/probe.py" "$@"
}
procs() {
	probe procs "$WORK/kore.conf.pid" "$WORK/pg"
}
rec() {	# rec KIND NAME key=value|key=@file ...
	probe record "$RESULTS" "$@"
}

say "Drive benchmark: scale $SCALE, ${DUR} s per run, wrk -t$THREADS -c$CONNS," \
    "pgbench $PG_CLIENTS clients; work dir $WORK"
pg_up "$WORK/pg" "$PGPORT" 2>/dev/null
# Room for the data sets; durability as in production (fsync and
# synchronous_commit stay on).
SQLDB=postgres sql -c "ALTER SYSTEM SET shared_buffers = '512MB'" \
    -c "ALTER SYSTEM SET max_wal_size = '8GB'" \
    -c "ALTER SYSTEM SET checkpoint_completion_target = 0.9"
as_pg "$PG_BIN/pg_ctl" -D "$WORK/pg" -l "$WORK/pg/server.log" -w -m fast \
    restart >/dev/null
DRIVE_DATABASE_URL="$(pg_url "$WORK/pg" "$PGPORT")"
export DRIVE_DATABASE_URL
# drivectl migrate runs as the owner of the schema (kore_up keeps this
# out of Kore's environment).
DRIVE_OWNER_URL="$(pg_url "$WORK/pg" "$PGPORT" drive_owner)"
export DRIVE_OWNER_URL
export DRIVE_BASE_URL="$KBASE"
export DRIVE_ROOT="$ROOT"
# The second factor's sealing key (a throwaway one for the bench).
export DRIVE_SECRET_KEY="${DRIVE_SECRET_KEY:-$(head -c 32 /dev/urandom | od -An -tx1 | tr -d ' \n')}"
build/drivectl migrate >/dev/null
# conf/drive.conf as it is, with the access log (DRIVE_ACCESS_LOG=on).
DRIVE_ACCESS_LOG=on kore_conf "$KPORT" "$WORK/kore.conf" "$WORK/access.log"

# Everybody's password, with a real Argon2id hash (OWASP parameters, as
# app/password.c); its cost is the sign-in floor.
PASSWORD="bench-$(od -An -N12 -tx1 /dev/urandom | tr -d ' \n')"
SALT="$(od -An -N12 -tx1 /dev/urandom | tr -d ' \n')"
PWHASH="$(printf '%s' "$PASSWORD" | argon2 "$SALT" -id -t 2 -k 19456 -p 1 -l 32 -e)"
HASH_S="$(for _ in 1 2 3 4 5; do printf '%s' "$PASSWORD" |
    argon2 "$SALT" -id -t 2 -k 19456 -p 1 -l 32 | awk '/seconds/ { print $1 }'
    done | sort -n | sed -n 3p)"
say "Argon2id (t=2, 19 MiB): $HASH_S s per hash on one core"

# ---- data sets -------------------------------------------------------------

fresh_db() {
	kore_down "$WORK/kore.conf"
	SQLDB=postgres sql -c "DROP DATABASE IF EXISTS drive WITH (FORCE)" \
	    -c "CREATE DATABASE drive OWNER drive_owner"
	sql -c "SET client_min_messages = warning" \
	    -c "CREATE EXTENSION IF NOT EXISTS pg_stat_statements" \
	    -c "CREATE EXTENSION IF NOT EXISTS pg_trgm"
	build/drivectl migrate >/dev/null
}

# load IDEAS: generates the data set and the files the load scripts read.
load() {
	local ideas="$1" t0=$SECONDS extra=() d="$WORK/files"
	# A step much larger than the main data set is made cheaper: the
	# ideas outside the top 1 % get a quarter of their comments (about
	# half the comments in all; the ideas the idea page shows keep
	# theirs; votes stay in proportion).
	if [ "$ideas" -gt $((4 * MAIN_IDEAS)) ]; then
		extra=(-v comment_full=$((ideas / 100)) -v comment_tail=0.25)
	fi
	# The same people at every size: a portal that grows in ideas and
	# votes, so each person's votes grow with it.
	local people=$((5000 * SCALE)) orgs=$((200 * SCALE))
	say "loading $ideas ideas, $((20 * ideas)) votes, $people people" \
	    "(tests/bench/data.sql)"
	sql -v scale="$SCALE" -v ideas="$ideas" -v people="$people" \
	    -v orgs="$orgs" -v pwhash="$PWHASH" "${extra[@]}" \
	    -f "$BENCH/data.sql" >"$WORK/logs/load-$ideas.log"
	sql -c CHECKPOINT
	local load_s=$((SECONDS - t0))
	say "loaded in ${load_s} s; checking the maintained counts"
	sql -f "$BENCH/check.sql" | tail -1 >"$d/check-$ideas.json"
	local hotranks=$((500 * ideas / MAIN_IDEAS))
	[ "$hotranks" -ge 1 ] || hotranks=1
	sed "s/HOTRANKS/$hotranks/g" <<-'EOF' | sql >"$d/dataset-$ideas.json"
	SELECT json_build_object(
	  'ideas', count(*), 'votes', sum(vote_count),
	  'comments', sum(comment_count),
	  'responses', (SELECT count(*) FROM responses),
	  'notifications', (SELECT count(*) FROM notifications),
	  'organizations', (SELECT count(*) FROM organizations),
	  'people', (SELECT count(*) FROM users),
	  'sessions', (SELECT count(*) FROM sessions),
	  'max_votes', max(vote_count),
	  'median_votes', percentile_disc(0.5) WITHIN GROUP (ORDER BY vote_count),
	  'p90_votes', percentile_disc(0.9) WITHIN GROUP (ORDER BY vote_count),
	  'ideas_1000_votes_or_more', count(*) FILTER (WHERE vote_count >= 1000),
	  'ideas_without_votes', count(*) FILTER (WHERE vote_count = 0),
	  'max_comments', max(comment_count),
	  'votes_last_14_days', (SELECT count(*) FROM votes
	      WHERE created_at > now() - interval '14 days'),
	  'body_avg_chars', round(avg(char_length(body))),
	  'hot_avg_votes', (SELECT round(avg(vote_count)) FROM ideas, bench.meta m
	      WHERE (id - 1) * m.perm % m.ideas + 1 <= HOTRANKS),
	  'hot_avg_comments', (SELECT round(avg(comment_count), 1) FROM ideas,
	      bench.meta m WHERE (id - 1) * m.perm % m.ideas + 1 <= HOTRANKS),
	  'votes_per_person', (SELECT round(count(*)::numeric / (SELECT count(*)
	      FROM users)) FROM votes),
	  'statuses', (SELECT json_object_agg(status, n) FROM
	      (SELECT status, count(*) AS n FROM ideas GROUP BY 1) s),
	  'db_mb', pg_database_size(current_database()) / 1048576)
	FROM ideas
	EOF
	rec dataset "$ideas" load_s="$load_s" check=@"$d/check-$ideas.json" \
	    data=@"$d/dataset-$ideas.json"
	if ! python3 -c 'import json,sys; c=json.load(open(sys.argv[1]));
sys.exit(any(v for k, v in c.items() if k.startswith("bad_")))' \
	    "$d/check-$ideas.json"; then
		say "the generated counts disagree: $(cat "$d/check-$ideas.json")"
		exit 1
	fi

	# Sessions: 64 clients for the reads, everybody for the votes.
	sql -F ' ' -c "SELECT s.user_id, s.token, s.csrf FROM bench.sessions s
	    JOIN users u ON u.id = s.user_id WHERE u.role = 'client'
	    ORDER BY s.user_id LIMIT 64" >"$d/sessions_read"
	sql -F ' ' -c "SELECT user_id, token, csrf FROM bench.sessions" \
	    >"$d/sessions_all"
	sql -c "SELECT email FROM users WHERE role = 'client' ORDER BY id
	    DESC LIMIT 200" >"$d/signin_users"
	READ_UID="$(head -1 "$d/sessions_read" | cut -d' ' -f1)"
	READ_TOKHASH="$(sql -c "SELECT encode(sha256(decode(token, 'hex')),
	    'hex') FROM bench.sessions WHERE user_id = $READ_UID")"

	# Paths.  Ideas: 500 hot ones and 500 spread evenly (the arithmetic of
	# pgbench/idea_rotate.sql).  The hot ones are Zipf ranks 1..500 in the
	# main data set, and the ranks of as many votes at other sizes
	# (k * ideas / main ideas), so that the pages the growth runs show
	# carry the same votes and comments: only the tables grow.
	echo "/" >"$d/paths_top"
	echo "/?sort=new" >"$d/paths_new"
	echo "/?sort=trending" >"$d/paths_trending"
	echo "/api/v1/ideas" >"$d/paths_api"
	: >"$d/paths_search"
	for w in $SEARCH_WORDS; do echo "/?q=$w" >>"$d/paths_search"; done
	PERM="$(sql -c "SELECT perm FROM bench.meta")"
	NIDEAS="$ideas"
	PINV="$(python3 -c "print(pow($PERM, -1, $ideas))")"
	STEP=$((ideas / 500))
	PEOPLE="$people"
	python3 - "$ideas" "$PINV" "$STEP" "$MAIN_IDEAS" >"$d/paths_idea" <<-'EOF'
	import sys
	n, pinv, step, base = (int(x) for x in sys.argv[1:5])
	for k in range(1, 1001):
	    r = max(1, k * n // base)
	    i = (r - 1) * pinv % n + 1 if k <= 500 else (k - 500) * step
	    print("/ideas/%d" % i)
	EOF
}

# Vote pairs: withdrawals are existing votes (so, popular ideas more
# often), casts are pairs without a vote (half on the same popular ideas,
# half on any); open ideas only; each pair is used once.  Made just
# before they are used (pgbench's vote floor changes votes too): the
# first 100 of each for counting statements, the rest for wrk.
vote_pairs() {
	local d="$WORK/files" pct=$((100 * 600000 / (20 * NIDEAS)))
	[ "$pct" -le 100 ] || pct=100
	sql -c "SET work_mem = '256MB'" -c "SET client_min_messages = warning" -c "
	    DROP TABLE IF EXISTS bench.withdraw, bench.cast;
	    CREATE TABLE bench.withdraw AS
	    SELECT v.idea_id, v.user_id FROM votes v TABLESAMPLE SYSTEM ($pct)
	    JOIN ideas i ON i.id = v.idea_id
	    WHERE i.status NOT IN ('released', 'declined', 'duplicate')
	    ORDER BY random() LIMIT 150200;
	    CREATE TABLE bench.cast AS
	    SELECT DISTINCT ON (c.idea_id, c.user_id) c.idea_id, c.user_id
	    FROM (SELECT w.idea_id, 1 + floor(random() * $PEOPLE)::bigint
	            AS user_id FROM bench.withdraw w
	        UNION ALL
	        SELECT 1 + floor(random() * $NIDEAS)::bigint + 0 * g,
	            1 + floor(random() * $PEOPLE)::bigint
	        FROM generate_series(1, 200000) g) c
	    JOIN ideas i ON i.id = c.idea_id
	    WHERE i.status NOT IN ('released', 'declined', 'duplicate')
	    AND NOT EXISTS (SELECT 1 FROM votes v WHERE v.idea_id = c.idea_id
	        AND v.user_id = c.user_id);"
	sql -F ' ' -c "SELECT idea_id, user_id FROM bench.cast ORDER BY random()
	    LIMIT 150200" >"$d/cast_all"
	sql -F ' ' -c "SELECT idea_id, user_id FROM bench.withdraw" \
	    >"$d/withdraw_all"
	head -100 "$d/cast_all" >"$d/cast_probe"
	head -100 "$d/withdraw_all" >"$d/withdraw_probe"
	tail -n +101 "$d/cast_all" >"$d/cast"
	tail -n +101 "$d/withdraw_all" >"$d/withdraw"
}

start_kore() {
	kore_up "$WORK/kore.conf" "$WORK/kore.log"
	local d="$WORK/files" out
	out="$(probe check "$KBASE" "$d/sessions_read" / "/?sort=new" \
	    "/?sort=trending" "/?q=csv" "$(head -1 "$d/paths_idea")" \
	    /api/v1/ideas)" || { say "a page did not answer 200: $out"; exit 1; }
}

# ---- measuring -------------------------------------------------------------

# The machine may be shared: before each run, wait up to BENCH_QUIET_MAX
# (20) s for it to be idle (under 25 % busy over a second), at most
# BENCH_QUIET_BUDGET (120) s in all; how busy other processes kept it
# during each run is recorded (the "other" CPU share).
QUIET_LEFT="${BENCH_QUIET_BUDGET:-120}"	# seconds of waiting in all
settle() {	# settle OUTPREFIX
	local max="${BENCH_QUIET_MAX:-20}"
	[ "$max" -le "$QUIET_LEFT" ] || max="$QUIET_LEFT"
	probe quiet "$max" 25 >"$1.quiet"
	QUIET_LEFT=$((QUIET_LEFT - $(python3 -c 'import json,sys;
print(int(json.load(open(sys.argv[1]))["waited_s"]))' "$1.quiet")))
	[ "$QUIET_LEFT" -ge 0 ] || QUIET_LEFT=0
	python3 - "$1.quiet" <<-'EOF'
	import json, sys
	q = json.load(open(sys.argv[1]))
	if q["waited_s"] >= 1:
	    print("[bench]        (waited %.0f s for a quiet machine; %.0f %% busy%s)" % (
	        q["waited_s"], q["busy_pct"], "" if q["quiet"] else ", going on anyway"))
	EOF
}

# wrk_run KIND NAME LUA PATH [VAR=value ...]: one wrk run, recorded.
wrk_run() {
	local kind="$1" name="$2" lua="$3" path="$4" d="$WORK/files"
	shift 4
	local out="$WORK/logs/wrk-$kind-$name-$RANDOM"
	settle "$out"
	procs >"$out.cpu0"
	env BENCH_LUA="$BENCH" BENCH_THREADS="$THREADS" "$@" \
	    /usr/bin/time -f '%U %S' -o "$out.time" \
	    wrk -t"$THREADS" -c"$CONNS" -d"${DUR}s" --latency \
	    --timeout "${WRK_TIMEOUT:-5}s" -s "$BENCH/$lua" "$KBASE$path" \
	    >"$out" 2>&1 || { say "wrk failed:"; cat "$out"; exit 1; }
	procs >"$out.cpu1"
	rec "$kind" "$name" wrk=@"$out" time=@"$out.time" cpu0=@"$out.cpu0" \
	    cpu1=@"$out.cpu1" quiet=@"$out.quiet" ideas="$NIDEAS" \
	    ${REC_EXTRA:+"$REC_EXTRA"}
	python3 - "$out" "$kind" "$name" <<-'EOF'
	import json, sys
	for l in open(sys.argv[1]):
	    if l.startswith("BENCH_JSON "):
	        j = json.loads(l[11:])
	        c = j.get("counts") or {}
	        extra = "  " + " ".join("%s=%s" % kv for kv in sorted(c.items())) if c else ""
	        print("[bench]        %-8s %-16s %9.0f req/s  p50 %6.2f ms  p99 %7.2f ms  non-2xx %d%s" % (
	            sys.argv[2], sys.argv[3], j["rps"], j["latency_ms"]["p50"],
	            j["latency_ms"]["p99"], j["errors"]["status"], extra))
	EOF
}

read_run() {	# read_run KIND NAME PATHSFILE
	wrk_run "$1" "$2" read.lua / BENCH_PATHS="$WORK/files/$3" \
	    BENCH_SESSIONS="$WORK/files/sessions_read"
}

# compose SCRIPT OUT: a pgbench page script with its includes resolved;
# :q (the search words) is '' but for the search scripts.
compose() {
	awk -v dir="$BENCH/pgbench" '
	/^-- include: / { f = dir "/" $3; while ((getline l < f) > 0) print l;
	    close(f); next } { print }' "$BENCH/pgbench/$1" >"$2.q"
	sed "s/:q\b/''/g" "$2.q" >"$2"
}

# capture NAME PATH: the statements one signed-in GET of PATH sends, as
# PostgreSQL logged them (log_min_duration_statement = 0 for that
# request), as the pgbench script $WORK/logs/cap_NAME.sql with the values
# the portal sent in cap_NAME.sql.defs (tests/bench/capture.py).  So the
# floor is what the page really sends, never a copy that drifted.
capture() {	# capture NAME PATH [VALUE=VAR HEADER] (capture.py)
	local name="$1" path="$2" log="$WORK/pg/server.log" off
	shift 2
	SQLDB=postgres sql -c "ALTER SYSTEM SET log_min_duration_statement = 0" \
	    -c "SELECT pg_reload_conf()" >/dev/null
	sleep 0.3
	off="$(stat -c %s "$log")"
	probe check "$KBASE" "$WORK/files/sessions_read" "$path" >/dev/null ||
	    { say "capture $name: $path did not answer 200"; exit 1; }
	sleep 0.3
	SQLDB=postgres sql -c "ALTER SYSTEM RESET log_min_duration_statement" \
	    -c "SELECT pg_reload_conf()" >/dev/null
	python3 "$BENCH/capture.py" "$log" "$off" "$WORK/logs/cap_$name.sql" \
	    "$name" "$@" >"$WORK/logs/cap_$name.n" ||
	    { say "capture $name: $(cat "$WORK/logs/cap_$name.n")"; exit 1; }
}

# The pages' scripts: captured once Kore runs on the main data set.
capture_pages() {
	local i=1 w p
	say "the statements each page sends, from PostgreSQL's log"
	capture top /
	capture new "/?sort=new"
	capture trending "/?sort=trending"
	p="$(head -1 "$WORK/files/paths_idea")"
	capture idea "$p" "${p##*/}=id" "$BENCH/pgbench/idea_rotate.sql"
	for w in $SEARCH_WORDS; do
		capture "search$i" "/?q=$w"
		i=$((i + 1))
	done
}

# -f options and -D values of captured scripts (CAP_F, CAPDEFS).
cap_args() {	# cap_args NAME...
	local n d
	CAP_F=()
	CAPDEFS=()
	for n in "$@"; do
		CAP_F+=(-f "$WORK/logs/cap_$n.sql")
		while IFS= read -r d; do
			[ -n "$d" ] && CAPDEFS+=(-D "$d")
		done <"$WORK/logs/cap_$n.sql.defs"
	done
}

# The search pages' captured scripts, one per word.
cap_search() {
	local i=1 w names=()
	for w in $SEARCH_WORDS; do
		names+=("search$i")
		i=$((i + 1))
	done
	cap_args "${names[@]}"
}

# The pgbench variables of the current data set (PGDEFS).
pg_defs() {
	local i=1 w
	PGDEFS=(-D tokhash="$READ_TOKHASH" -D uid="$READ_UID" -D lang=en
	    -D nideas="$NIDEAS" -D pinv="$PINV"
	    -D step="$STEP" -D people="$PEOPLE" -D hotbase="$MAIN_IDEAS"
	    -D maxint=2147483647 -D maxbig=9223372036854775807)
	for w in $SEARCH_WORDS; do
		PGDEFS+=(-D "q$i=${w//+/ }")
		i=$((i + 1))
	done
}

# The way the app sends a page's statements, seen in pg_stat_statements
# (track_planning): planned at each call (-M extended) or prepared once
# (-M prepared).  A statement the app prepares but PostgreSQL plans anew
# each time (a custom plan) counts as planned at each call.
page_mode() {	# page_mode NAME
	python3 - "$WORK/logs/stmts-$1.json" "$APP_MODE" <<-'EOF'
	import json, sys
	try:
	    s = [x for x in json.load(open(sys.argv[1])) if x["toplevel"]]
	except (OSError, ValueError):
	    print(sys.argv[2]); sys.exit(0)
	replanned = any(x["plans"] > 0.5 * x["calls"] for x in s if x["calls"])
	print("extended" if replanned or sys.argv[2] == "extended" else "prepared")
	EOF
}

# pgbench_run NAME MODE SCRIPTOPTS...: one pgbench run, recorded; the
# floor of the page NAME when MODE is how the app sends it.
pgbench_run() {
	local name="$1" mode="$2" out="$WORK/logs/pgbench-$1-$2" as_app=0
	shift 2
	[ "$mode" != "$(page_mode "$name")" ] || as_app=1
	pg_defs
	settle "$out"
	procs >"$out.cpu0"
	/usr/bin/time -f '%U %S' -o "$out.time" \
	    "$PGBENCH" -n -r -M "$mode" -c "$PG_CLIENTS" -j 2 -T "$DUR" \
	    -h "$WORK/pg" -p "$PGPORT" -U drive "${PGDEFS[@]}" \
	    ${CAPDEFS[@]+"${CAPDEFS[@]}"} "$@" drive \
	    >"$out" 2>&1 || true
	procs >"$out.cpu1"
	rec floor "$name" mode="$mode" as_app="$as_app" pgbench=@"$out" \
	    time=@"$out.time" \
	    cpu0=@"$out.cpu0" cpu1=@"$out.cpu1" quiet=@"$out.quiet" \
	    ideas="$NIDEAS"
	printf '[bench]        floor    %-16s %9s tps    (pgbench -M %s, %s clients)\n' \
	    "$name" "$(awk '/^tps = / { printf "%.0f", $3 }' "$out")" "$mode" \
	    "$PG_CLIENTS"
	if ! grep -q '^tps = ' "$out" || grep -q 'aborted' "$out"; then
		say "pgbench $name failed:"; tail -20 "$out"; exit 1
	fi
}

STMT_SQL="SELECT coalesce(json_agg(json_build_object('toplevel', toplevel,
    'calls', calls, 'plans', plans, 'rows', rows,
    'ms', round(total_exec_time::numeric, 3),
    'plan_ms', round(total_plan_time::numeric, 3),
    'jit_functions', jit_functions,
    'shared_blks_read', shared_blks_read,
    'query', regexp_replace(query, '\s+', ' ', 'g'))
    ORDER BY toplevel DESC, calls DESC), '[]')
    FROM pg_stat_statements s JOIN pg_roles r ON r.oid = s.userid
    WHERE r.rolname = 'drive'
    AND s.dbid = (SELECT oid FROM pg_database WHERE datname = 'drive')"

# stmts NAME N KIND ARGS...: the statements N requests send.
stmts() {
	local name="$1" n="$2" out="$WORK/logs/stmts-$1"
	shift 2
	sql -c "SELECT pg_stat_statements_reset()" >/dev/null
	probe requests "$KBASE" "$n" "$@" >"$out.status"
	sql -c "$STMT_SQL" >"$out.json"
	n="$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["n"])' \
	    "$out.status")"
	rec statements "$name" n="$n" answers=@"$out.status" \
	    statements=@"$out.json" ideas="$NIDEAS"
	python3 - "$out.json" "$n" "$name" "$out.status" <<-'EOF'
	import json, sys
	s = json.load(open(sys.argv[1])); n = int(sys.argv[2])
	top = sum(x["calls"] for x in s if x["toplevel"]) / n
	nest = sum(x["calls"] for x in s if not x["toplevel"]) / n
	ms = sum(x["ms"] for x in s if x["toplevel"]) / n
	plans = sum(x["plans"] for x in s if x["toplevel"]) / n
	print("[bench]        stmts    %-16s %5.2f statements/request (+%.2f inside functions), %.3f ms executing, %.2f plans/request; answers %s" % (
	    sys.argv[3], top, nest, ms, plans, json.load(open(sys.argv[4]))["statuses"]))
	EOF
}

# The statements a pgbench script sends, to compare with the page's.
pgbench_stmts() {	# pgbench_stmts NAME SCRIPTOPTS...
	local name="$1" out="$WORK/logs/pgstmts-$1"
	shift
	pg_defs
	sql -c "SELECT pg_stat_statements_reset()" >/dev/null
	"$PGBENCH" -n -M "$(page_mode "$name")" -c 1 -t 20 -h "$WORK/pg" -p "$PGPORT" \
	    -U drive "${PGDEFS[@]}" ${CAPDEFS[@]+"${CAPDEFS[@]}"} "$@" drive \
	    >"$out.log" 2>&1 ||
	    { say "pgbench $name failed:"; tail -20 "$out.log"; exit 1; }
	sql -c "$STMT_SQL" >"$out.json"
	rec pgbench_statements "$name" statements=@"$out.json"
}

rss() {	# rss LABEL
	procs >"$WORK/logs/rss-$1"
	rec rss "$1" procs=@"$WORK/logs/rss-$1" ideas="$NIDEAS"
	python3 - "$WORK/logs/rss-$1" "$1" <<-'EOF'
	import json, sys
	p = json.load(open(sys.argv[1]))
	w = ", ".join("%.1f MB" % (x["rss_kb"] / 1024) for x in p["kore"]["workers"])
	print("[bench]        rss      %-16s Kore workers %s; PostgreSQL %.0f MB RSS (%.0f MB PSS, %d processes)" % (
	    sys.argv[2], w, p["pg"]["rss_kb"] / 1024, p["pg"]["pss_kb"] / 1024, p["pg"]["processes"]))
	EOF
}

vote_counts() {
	sql -c "SELECT json_build_object('votes', (SELECT count(*) FROM votes),
	    'sum_vote_count', (SELECT sum(vote_count) FROM ideas),
	    'organization_votes', (SELECT sum(votes) FROM idea_organization_votes),
	    'sum_organization_count', (SELECT sum(organization_count) FROM ideas))"
}

vote_run() {	# vote_run NAME
	local d="$WORK/files" l="$WORK/logs"
	vote_pairs
	vote_counts >"$l/votes-before-$1"
	wrk_run vote "$1" vote.lua /healthz BENCH_SESSIONS="$d/sessions_all" \
	    BENCH_CAST="$d/cast" BENCH_WITHDRAW="$d/withdraw"
	sleep 1		# what was in flight when wrk stopped
	vote_counts >"$l/votes-after-$1"
	# The pairs each thread sent (thread t: lines t, t + threads, ...).
	python3 - "$RESULTS" "$THREADS" "$d" <<-'EOF'
	import json, sys
	last = [json.loads(l) for l in open(sys.argv[1])
	        if '"kind": "vote"' in l][-1]
	per, n, d = last["wrk"].get("per_thread", {}), int(sys.argv[2]), sys.argv[3]
	for kind in ("cast", "withdraw"):
	    lines = open("%s/%s" % (d, kind)).read().splitlines()
	    with open("%s/sent_%s" % (d, kind), "w") as out:
	        for t in range(n):
	            k = per.get(str(t), {}).get(kind + "_sent", 0)
	            for line in lines[t::n][:k]:
	                out.write(line + "\n")
	EOF
	sql -c "CREATE TEMP TABLE sc (idea_id bigint, user_id bigint)" \
	    -c "CREATE TEMP TABLE sw (idea_id bigint, user_id bigint)" \
	    -c "\\copy sc FROM '$d/sent_cast' (DELIMITER ' ')" \
	    -c "\\copy sw FROM '$d/sent_withdraw' (DELIMITER ' ')" \
	    -c "SELECT json_build_object(
	        'cast_sent', (SELECT count(*) FROM sc),
	        'cast_effective', (SELECT count(*) FROM sc
	            JOIN votes v USING (idea_id, user_id)),
	        'withdraw_sent', (SELECT count(*) FROM sw),
	        'withdraw_effective', (SELECT count(*) FROM sw WHERE NOT EXISTS
	            (SELECT 1 FROM votes v WHERE v.idea_id = sw.idea_id
	            AND v.user_id = sw.user_id)))" >"$l/votes-effect-$1"
	rec vote_check "$1" before=@"$l/votes-before-$1" \
	    after=@"$l/votes-after-$1" effect=@"$l/votes-effect-$1" \
	    ideas="$NIDEAS"
}

other_mode() {
	if [ "$(page_mode "$1")" = prepared ]; then echo extended; else echo prepared; fi
}

floors() {
	local f="$WORK/logs" n
	say "floor: Kore serving /static/drive.css"
	wrk_run floor static static.lua /static/drive.css
	compose page_vote.sql "$f/page_vote.sql"
	say "floor: each page's SQL through pgbench, sent as the app sends it"
	for n in top new trending; do
		cap_args "$n"
		pgbench_run "$n" "$(page_mode "$n")" "${CAP_F[@]}"
	done
	cap_search
	pgbench_run search "$(page_mode search)" "${CAP_F[@]}"
	cap_args idea
	pgbench_run idea "$(page_mode idea)" "${CAP_F[@]}"
	CAPDEFS=()
	pgbench_run vote "$(page_mode vote)" -f "$f/page_vote.sql"
	say "for comparison: the other way of sending them"
	cap_args top
	pgbench_run top "$(other_mode top)" "${CAP_F[@]}"
	cap_args idea
	pgbench_run idea "$(other_mode idea)" "${CAP_F[@]}"
	CAPDEFS=()
	say "one statement's fixed cost: SELECT 1"
	pgbench_run select1 prepared -f "$BENCH/pgbench/select1.sql"
}

statements() {
	local d="$WORK/files" f="$WORK/logs" n
	say "statements per request (pg_stat_statements, $STMT_N requests each)"
	# Planning counted too, for these requests only (it costs a little).
	SQLDB=postgres sql -c "ALTER SYSTEM SET pg_stat_statements.track_planning = on" \
	    -c "SELECT pg_reload_conf()" >/dev/null
	stmts top "$STMT_N" get "$d/paths_top" "$d/sessions_read"
	stmts new "$STMT_N" get "$d/paths_new" "$d/sessions_read"
	stmts trending "$STMT_N" get "$d/paths_trending" "$d/sessions_read"
	stmts search "$STMT_N" get "$d/paths_search" "$d/sessions_read"
	stmts idea "$STMT_N" get "$d/paths_idea" "$d/sessions_read"
	stmts api "$STMT_N" get "$d/paths_api" "$d/sessions_read"
	vote_pairs
	stmts vote 200 vote "$d/cast_probe" "$d/withdraw_probe" "$d/sessions_all"
	SQLDB=postgres sql -c "ALTER SYSTEM RESET pg_stat_statements.track_planning" \
	    -c "SELECT pg_reload_conf()" >/dev/null
	capture_pages
	say "do the pgbench scripts send the pages' statements?"
	for n in top new trending idea; do
		cap_args "$n"
		pgbench_stmts "$n" "${CAP_F[@]}"
	done
	cap_search
	pgbench_stmts search "${CAP_F[@]}"
	CAPDEFS=()
	compose page_vote.sql "$f/page_vote.sql"
	pgbench_stmts vote -f "$f/page_vote.sql"
}

reads() {	# reads PASS
	say "signed-in reads, pass $1"
	REC_EXTRA="pass=$1" read_run read top paths_top
	REC_EXTRA="pass=$1" read_run read new paths_new
	REC_EXTRA="pass=$1" read_run read trending paths_trending
	REC_EXTRA="pass=$1" read_run read search paths_search
	REC_EXTRA="pass=$1" read_run read idea paths_idea
	REC_EXTRA="pass=$1" read_run read api paths_api
}

# ---- the run ---------------------------------------------------------------

rec machine machine cores="$(nproc)" kernel="$(uname -r)" \
    cpu="$(awk -F': ' '/model name/ { print $2; exit }' /proc/cpuinfo)" \
    mem_mb="$(awk '/MemTotal/ { print int($2 / 1024) }' /proc/meminfo)" \
    scale="$SCALE" duration_s="$DUR" connections="$CONNS" threads="$THREADS" \
    pg_clients="$PG_CLIENTS" kore_workers="$KORE_WORKERS" \
    app_mode="$APP_MODE" other_mode="$OTHER_MODE" \
    kore_conn_max="$KORE_CONN_MAX" argon2_s="$HASH_S" \
    search_words="$SEARCH_WORDS" growth="$GROWTH" \
    pg_version="$("$PG_BIN/postgres" --version)" \
    kore_version="$(kore -v 2>&1 | head -1)" wrk_version="$(wrk -v 2>&1 | head -1)" \
    commit="$(git rev-parse --short HEAD 2>/dev/null || echo unknown)" \
    dirty="$(git status --porcelain -- app sql conf assets 2>/dev/null | wc -l)" \
    started="$(date -u +%Y-%m-%dT%H:%M:%SZ)"

load "$MAIN_IDEAS"
sql -c "SELECT json_object_agg(w, (SELECT count(*) FROM idea_search
    WHERE words @@ search_query(replace(w, '+', ' '))))
    FROM unnest(string_to_array('$SEARCH_WORDS', ' ')) AS w" \
    >"$WORK/files/search_df"
rec search_words main hits=@"$WORK/files/search_df"
start_kore
rss start
probe weight "$KBASE" "$WORK/files/sessions_read" >"$WORK/logs/weight"
rec weight home page=@"$WORK/logs/weight"
say "GET / weighs $(python3 -c 'import json,sys; w=json.load(open(sys.argv[1])); print(w["total_bytes"], "bytes with its assets,", len(w["third_party"]), "third-party references")' "$WORK/logs/weight")"
statements
floors
rss floors
reads 1
rss pass1
reads 2
rss pass2
say "votes: cast and withdraw, 50/50, $(wc -l <"$WORK/files/sessions_all") people"
vote_run main
sql -f "$BENCH/check.sql" | tail -1 >"$WORK/logs/check-after-votes"
rec check after_votes counts=@"$WORK/logs/check-after-votes" ideas="$NIDEAS"
rss votes
say "sign-in (Argon2id on Kore's task threads: slow by design)"
stmts signin 10 signin "$WORK/files/signin_users" "$PASSWORD"
WRK_TIMEOUT=15 wrk_run signin signin signin.lua /api/v1/session \
    BENCH_USERS="$WORK/files/signin_users" BENCH_PASSWORD="$PASSWORD"
# The sign-ins wrk left queued (64 connections, ~80 hashes a second) are
# still hashing when it stops: let them finish, so that the RSS is that of
# an idle worker and not of hashes in flight.
settle "$WORK/logs/after-signin"
rss end
# What Kore's access log (on in conf/drive.conf) costs: the static file
# and the list once more without it.
say "the same Kore without its access log"
kore_down "$WORK/kore.conf"
sed -i 's|^\([[:space:]]*accesslog\)|#\1|' "$WORK/kore.conf"
start_kore
wrk_run noaccesslog static static.lua /static/drive.css
read_run noaccesslog top paths_top
kore_down "$WORK/kore.conf"
DRIVE_ACCESS_LOG=on kore_conf "$KPORT" "$WORK/kore.conf" "$WORK/access.log"

for n in $GROWTH; do
	[ "$n" = "$MAIN_IDEAS" ] && continue
	say "growth: $n ideas"
	fresh_db
	load "$n"
	start_kore
	# a short warm-up, as the main data set had its floors first
	DUR=3 read_run warmup top paths_top >/dev/null
	DUR=3 read_run warmup idea paths_idea >/dev/null
	read_run growth top paths_top
	read_run growth idea paths_idea
	vote_run "growth-$n"
	if [ "$n" -le $((2 * MAIN_IDEAS)) ]; then
		sql -f "$BENCH/check.sql" | tail -1 >"$WORK/logs/check-$n"
	else	# a full recount of 10 M votes takes long: the voted ideas only
		sql -c "SET work_mem = '256MB'" -c "
		WITH touched AS (
		    SELECT DISTINCT idea_id FROM (
		        SELECT idea_id FROM bench.cast UNION ALL
		        SELECT idea_id FROM bench.withdraw) t),
		vc AS (SELECT v.idea_id, count(*) AS n FROM votes v
		    JOIN touched USING (idea_id) GROUP BY 1),
		ov AS (SELECT v.idea_id, u.organization_id, count(*) AS n
		    FROM votes v JOIN touched USING (idea_id)
		    JOIN users u ON u.id = v.user_id
		    WHERE u.organization_id IS NOT NULL GROUP BY 1, 2),
		oc AS (SELECT idea_id, count(*) AS n FROM ov GROUP BY 1)
		SELECT json_build_object('ideas_checked', (SELECT count(*) FROM touched),
		  'bad_vote_count', (SELECT count(*) FROM ideas i JOIN touched t
		    ON t.idea_id = i.id LEFT JOIN vc ON vc.idea_id = i.id
		    WHERE i.vote_count <> coalesce(vc.n, 0)),
		  'bad_organization_count', (SELECT count(*) FROM ideas i
		    JOIN touched t ON t.idea_id = i.id LEFT JOIN oc
		    ON oc.idea_id = i.id
		    WHERE i.organization_count <> coalesce(oc.n, 0)),
		  'bad_idea_organization_votes', (SELECT count(*) FROM ov
		    FULL JOIN (SELECT o.* FROM idea_organization_votes o
		    JOIN touched USING (idea_id)) o USING (idea_id, organization_id)
		    WHERE ov.n IS DISTINCT FROM o.votes::bigint))" \
		    | tail -1 >"$WORK/logs/check-$n"
	fi
	rec check "after_votes_$n" counts=@"$WORK/logs/check-$n" ideas="$n"
done

rec machine end finished="$(date -u +%Y-%m-%dT%H:%M:%SZ)" runtime_s="$SECONDS"

# ---- before: an older commit, measured the same way ------------------------
# BENCH_BASE (default e456f21, whose figures README quoted before issue 18;
# "none" skips it): checked out in a worktree of this repository, built,
# and measured by its own tests/bench/run.sh on the main data set only,
# right after this run on the same machine (this run's PostgreSQL and
# Kore stopped first); report.py prints its figures beside these.
BASE_COMMIT="${BENCH_BASE-e456f21}"
BASE_JSON=""
if [ -n "$BASE_COMMIT" ] && [ "$BASE_COMMIT" != none ]; then
	kore_down "$WORK/kore.conf" 2>/dev/null || true
	pg_down "$WORK/pg"
	say "before: commit $BASE_COMMIT, built and measured by its own bench (main data set)"
	if git -C "$ROOT" worktree add --detach "$WORK/base" "$BASE_COMMIT" \
	    >"$WORK/logs/base-worktree.log" 2>&1 &&
	    make -C "$WORK/base" --no-print-directory build \
	    >"$WORK/logs/base-build.log" 2>&1 &&
	    (cd "$WORK/base" && BENCH_GROWTH="" BENCH_BASE=none \
	    tests/bench/run.sh) >"$WORK/logs/base-bench.log" 2>&1 &&
	    cp "$WORK/base/bench/results/latest.json" "$WORK/logs/base.json"; then
		BASE_JSON="$WORK/logs/base.json"
		grep -E '^\[bench .*\] +(read|vote) ' "$WORK/logs/base-bench.log" || true
	else
		say "before: commit $BASE_COMMIT could not be measured (logs in $WORK/logs/base-*.log)"
		tail -5 "$WORK/logs/base-bench.log" 2>/dev/null || true
	fi
	git -C "$ROOT" worktree remove --force "$WORK/base" >/dev/null 2>&1 || true
fi

mkdir -p "$ROOT/bench/results"
OUT="$ROOT/bench/results/bench-$(date -u +%Y%m%d-%H%M%S).json"
python3 "$BENCH/report.py" "$RESULTS" "$OUT" "$BASE_JSON"
cp "$OUT" "$ROOT/bench/results/latest.json"
say "done in $((SECONDS / 60)) min $((SECONDS % 60)) s; results: ${OUT#"$ROOT"/}"
