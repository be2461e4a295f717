#!/usr/bin/env bash
# make bench-callgrind: the instructions a Kore worker executes per
# request, counted by valgrind --tool=callgrind (exact and repeatable on a
# noisy machine, unlike wall-clock time), and where they go.  Its own
# PostgreSQL and Kore in a temporary directory (random ports), a small
# generated data set, one worker under callgrind; prints a table and
# writes it as JSON to bench/results/callgrind-<commit>-<time>.json.
#
#   tests/bench/callgrind.sh            (make bench-callgrind builds first)
#
# Environment (all optional):
#   CG_TARGET=<checkout>   measure another checkout (its build/drive.so,
#                          conf/, sql/ and tests/bench/data.sql), e.g. a
#                          worktree of an older commit, built there first;
#                          this checkout's script and analysis are used
#   CG_REQUESTS=200        requests per endpoint, counted
#   CG_WARMUP=20           requests per endpoint before counting
#   CG_IDEAS=2000          ideas in the data set (tests/bench/data.sql)
#   CG_WORD=csv            the search word of GET /?q=
#   KEEP_CG_DIR=1          keep the temporary directory (the dumps)
#
# How: Kore (Debian's 4.1.0) starts under valgrind with one worker; the
# worker is a fork of the parent, so it runs under callgrind too.  Kore's
# seccomp sandbox would kill valgrind's own system calls in the worker,
# so a preloaded shim (built here) turns prctl(PR_SET_SECCOMP) into a
# no-op; nothing else changes.  The child's vgdb (callgrind_control) does
# not answer after a fork, so the dumps are taken with
# --dump-before=health_query: each GET /healthz (a marker) writes what the
# worker executed since the previous one and zeroes the counts.  After a
# warm-up: three markers back to back (what a marker itself adds, taken
# off each endpoint's count), five idle seconds, then each endpoint's
# requests between two markers.  tests/bench/callgrind.py reads the dumps
# (callgrind_annotate --inclusive=yes for the top functions).
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
TARGET="$(cd "${CG_TARGET:-$HERE}" && pwd)"
N="${CG_REQUESTS:-200}"
WARM="${CG_WARMUP:-20}"
IDEAS="${CG_IDEAS:-2000}"
WORD="${CG_WORD:-csv}"
cd "$TARGET"
# shellcheck source=conf/local.sh disable=SC1091
source "$TARGET/conf/local.sh"
set -euo pipefail

say() {
	printf '[callgrind %2dm%02ds] %s\n' $((SECONDS / 60)) $((SECONDS % 60)) "$*"
}

missing=()
command -v valgrind >/dev/null || missing+=(valgrind)
command -v psql >/dev/null || missing+=(postgresql-client)
command -v cc >/dev/null || missing+=(gcc)
if [ ${#missing[@]} -gt 0 ]; then
	if [ "$(id -u)" != 0 ]; then
		echo "callgrind: missing packages: ${missing[*]}; install them as root" >&2
		exit 1
	fi
	say "installing ${missing[*]}"
	apt-get update -qq
	DEBIAN_FRONTEND=noninteractive apt-get install -y -qq \
	    --no-install-recommends "${missing[@]}" >/dev/null
fi
command -v kore >/dev/null || { echo "callgrind: kore missing: make deps" >&2; exit 1; }
MODULE="$TARGET/build/drive.so"
[ -x "$MODULE" ] || { echo "callgrind: $MODULE missing: make build" >&2; exit 1; }
# The module's functions are told apart by file (tpl.c): it needs -g.
grep -q '\.debug_info' <(readelf -S "$MODULE") ||
    { echo "callgrind: $MODULE has no debug information (-g)" >&2; exit 1; }
COMMIT="$(git -C "$TARGET" rev-parse --short HEAD 2>/dev/null || echo unknown)"
DIRTY=""
[ -z "$(git -C "$TARGET" status --porcelain -- app 2>/dev/null)" ] || DIRTY="+changes"

# ---- the stack -------------------------------------------------------------

WORK="$(mktemp -d /tmp/drive-cg.XXXXXX)"
chmod 755 "$WORK"
mkdir -p "$WORK/cg"
KPID=""

kore_stop() {	# the Kore parent (its own session: setsid) and its worker
	local pid="$KPID"
	[ -n "$pid" ] || return 0
	KPID=""
	kill -TERM "$pid" 2>/dev/null || true
	for _ in $(seq 1 100); do
		kill -0 -- "-$pid" 2>/dev/null || return 0
		sleep 0.2
	done
	kill -KILL -- "-$pid" 2>/dev/null || true
}

cleanup() {
	local rc=$?
	trap - EXIT INT TERM
	kore_stop
	pg_down "$WORK/pg"
	if [ -n "${KEEP_CG_DIR:-}" ] || [ $rc -ne 0 ]; then
		echo "callgrind: files kept in $WORK" >&2
	else
		rm -rf "$WORK"
	fi
	exit $rc
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# conf/local.sh has free_port(); an older target's (CG_TARGET) may not.
declare -F free_port >/dev/null || free_port() {
	python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'
}
PGPORT="$(free_port)"
KPORT="$(free_port)"
KBASE="http://127.0.0.1:$KPORT"
sql() {
	psql "host=$WORK/pg port=$PGPORT dbname=drive user=postgres" \
	    -X -q -At -v ON_ERROR_STOP=1 "$@"
}

say "commit $COMMIT$DIRTY ($TARGET); $N requests per endpoint after $WARM;" \
    "$IDEAS ideas; work dir $WORK"
pg_up "$WORK/pg" "$PGPORT" 2>/dev/null
DRIVE_DATABASE_URL="$(pg_url "$WORK/pg" "$PGPORT")"
export DRIVE_DATABASE_URL
# The owner's URL (migrations); an older local.sh ignores the role.
DRIVE_OWNER_URL="$(pg_url "$WORK/pg" "$PGPORT" drive_owner)"
export DRIVE_OWNER_URL
export DRIVE_BASE_URL="$KBASE"
export DRIVE_ROOT="$TARGET"
DRIVE_SECRET_KEY="$(head -c 32 /dev/urandom | od -An -tx1 | tr -d ' \n')"
export DRIVE_SECRET_KEY
"$TARGET/build/drivectl" migrate >/dev/null

# Everybody's password hash: nobody signs in here (sessions are made by
# data.sql), so any well-formed Argon2id string does.
# shellcheck disable=SC2016
PWHASH='$argon2id$v=19$m=19456,t=2,p=1$YmVuY2hiZW5jaGJlbmNo$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA'
say "loading $IDEAS ideas ($TARGET/tests/bench/data.sql)"
sql -v ideas="$IDEAS" -v people=$((IDEAS / 2)) -v orgs=$((IDEAS / 50 + 1)) \
    -v pwhash="$PWHASH" -f "$TARGET/tests/bench/data.sql" >"$WORK/load.log"
sql -F ' ' -c "SELECT s.user_id, s.token, s.csrf FROM bench.sessions s
    JOIN users u ON u.id = s.user_id WHERE u.role = 'client'
    ORDER BY s.user_id LIMIT 8" >"$WORK/sessions"
# The idea pages: the 10 most voted ideas and 10 spread over the ids.
sql -c "(SELECT id FROM ideas ORDER BY vote_count DESC, id LIMIT 10)
    UNION ALL (SELECT g * ($IDEAS / 10) FROM generate_series(1, 10) g)" |
    sed 's|^|/ideas/|' >"$WORK/paths_idea"
echo "/" >"$WORK/paths_top"
echo "/api/v1/ideas" >"$WORK/paths_api"
echo "/?q=$WORD" >"$WORK/paths_search"
ENDPOINTS="top:GET_/ idea:GET_/ideas/<id> api:GET_/api/v1/ideas search:GET_/?q=$WORD"

# The shim that keeps Kore's seccomp filter off (see the top).
cat >"$WORK/noseccomp.c" <<'EOF'
#define _GNU_SOURCE
#include <stdarg.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

int
prctl(int option, ...)
{
	va_list	      ap;
	unsigned long a2, a3, a4, a5;

	va_start(ap, option);
	a2 = va_arg(ap, unsigned long);
	a3 = va_arg(ap, unsigned long);
	a4 = va_arg(ap, unsigned long);
	a5 = va_arg(ap, unsigned long);
	va_end(ap);
	if (option == PR_SET_SECCOMP)
		return (0);
	return ((int)syscall(SYS_prctl, option, a2, a3, a4, a5));
}
EOF
cc -O2 -shared -fPIC -o "$WORK/noseccomp.so" "$WORK/noseccomp.c"

# conf/drive.conf as local.sh writes it, with one worker, no access log
# (an older local.sh keeps it; off in both, as in production) and a file
# limit valgrind leaves room for.
kore_conf "$KPORT" "$WORK/kore.conf" "$WORK/access.log"
sed -i -e 's/^workers[[:space:]].*/workers			1/' -e '/accesslog/d' \
    -e 's/^worker_rlimit_nofiles[[:space:]].*/worker_rlimit_nofiles	1024/' \
    "$WORK/kore.conf"

say "starting Kore under valgrind --tool=callgrind"
(cd "$TARGET" && LD_PRELOAD="$WORK/noseccomp.so" setsid env -u DRIVE_OWNER_URL \
    valgrind --tool=callgrind --callgrind-out-file="$WORK/cg/cg.%p" \
    --dump-before=health_query \
    kore -f -n -r -c "$WORK/kore.conf" >"$WORK/kore.log" 2>&1 &)
for _ in $(seq 1 300); do
	[ -s "$WORK/kore.conf.pid" ] && break
	sleep 0.2
done
KPID="$(cat "$WORK/kore.conf.pid" 2>/dev/null || true)"
[ -n "$KPID" ] || { say "Kore did not start:"; tail -20 "$WORK/kore.log"; exit 1; }
ok=""
for _ in $(seq 1 300); do
	if curl -fs -m 10 -o /dev/null "$KBASE/healthz"; then
		ok=1
		break
	fi
	sleep 0.5
done
[ -n "$ok" ] || { say "Kore did not answer:"; tail -20 "$WORK/kore.log"; exit 1; }
WPID="$(pgrep -P "$KPID" | head -1)"
[ "$(pgrep -P "$KPID" | wc -l)" = 1 ] ||
    { say "expected one worker, found: $(pgrep -P "$KPID" | tr '\n' ' ')"; exit 1; }

probe() {
	BENCH_PROBE_SECONDS=100000 python3 "$HERE/tests/bench/probe.py" "$@"
}
probe check "$KBASE" "$WORK/sessions" / "$(head -1 "$WORK/paths_idea")" \
    /api/v1/ideas "/?q=$WORD" >"$WORK/check.json" ||
    { say "a page did not answer 200: $(cat "$WORK/check.json")"; exit 1; }

dumps() { find "$WORK/cg" -name "cg.$WPID.*" | wc -l; }
# mark: GET /healthz; prints the dump it wrote (the worker's count since
# the previous marker).
mark() {
	local before
	before="$(dumps)"
	curl -fs -m 30 -o /dev/null "$KBASE/healthz"
	kill -0 "$WPID" 2>/dev/null || { say "the worker died"; exit 1; }
	[ "$(dumps)" -gt "$before" ] || { say "no dump after the marker"; exit 1; }
	echo "$WORK/cg/cg.$WPID.$(dumps)"
}
run() {	# run N PATHSFILE: N signed-in GETs on one keep-alive connection
	local out
	out="$(probe requests "$KBASE" "$1" get "$2" "$WORK/sessions")"
	python3 -c 'import json,sys; j=json.loads(sys.argv[1]);
sys.exit(0 if j["n"] == int(sys.argv[2]) and set(j["statuses"]) == {"200"} else 1)' \
	    "$out" "$1" || { say "requests of $2: $out"; exit 1; }
}

say "warming up ($WARM requests each)"
for e in $ENDPOINTS; do
	run "$WARM" "$WORK/paths_${e%%:*}"
done
mark >/dev/null
M="$WORK/manifest"
: >"$M"
for _ in 1 2 3; do
	echo "marker marker 1 - $(mark)" >>"$M"
done
sleep 5
echo "idle idle 5 - $(mark)" >>"$M"
for e in $ENDPOINTS; do
	say "${e#*:}: $N requests"
	run "$N" "$WORK/paths_${e%%:*}"
	echo "endpoint ${e#*:} $N $(head -1 "$WORK/paths_${e%%:*}") $(mark)" >>"$M"
done
kore_stop

mkdir -p "$HERE/bench/results"
OUT="$HERE/bench/results/callgrind-$COMMIT-$(date -u +%Y%m%d-%H%M%S).json"
echo
echo "Drive callgrind, $(date -u +%Y-%m-%dT%H:%M:%SZ), commit $COMMIT$DIRTY;" \
    "$IDEAS ideas; $(valgrind --version); kore $(kore -v 2>&1 | head -1)"
python3 "$HERE/tests/bench/callgrind.py" report "$M" "$OUT" "$WORK/check.json"
say "done; results: ${OUT#"$HERE"/}"
