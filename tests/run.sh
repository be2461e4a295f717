#!/usr/bin/env bash
# Runs every suite against a throwaway PostgreSQL cluster and Kore, then
# prints one line: "N passed, N failed".  Exit status 1 on any failure.
#   tests/run.sh [unit|e2e|browser ...]   (default: all)
set -uo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
source conf/local.sh
set +e

SUITES="${*:-unit e2e browser}"
PASSED=0
FAILED=0
WORK="$(mktemp -d /tmp/drive-test.XXXXXX)"
chmod 755 "$WORK"

free_port() {
	python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'
}

cleanup() {
	kore_down "$WORK/kore.conf"
	pg_down "$WORK/pg"
	if [ "${KEEP_TEST_DIR:-}" = "" ]; then rm -rf "$WORK"; fi
}
trap cleanup EXIT

count_node() {	# the TAP summary of node --test
	local out="$1" p f c
	p="$(grep -E '^# pass [0-9]+' "$out" | tail -1 | awk '{print $3}')"
	f="$(grep -E '^# fail [0-9]+' "$out" | tail -1 | awk '{print $3}')"
	# A test that timed out is "cancelled", not "fail": it failed.
	c="$(grep -E '^# cancelled [0-9]+' "$out" | tail -1 | awk '{print $3}')"
	f=$((${f:-0} + ${c:-0}))
	if [ -z "$p" ]; then
		echo "tests: $2 did not report (see above)"; FAILED=$((FAILED + 1))
		return
	fi
	PASSED=$((PASSED + p)); FAILED=$((FAILED + ${f:-0}))
	echo "tests: $2: $p passed, ${f:-0} failed"
}

run_unit() {
	local t out p f
	for t in build/unit/test_*; do
		out="$("$t" 2>&1)"
		echo "$out" | grep -E '^\[  (FAILED|  OK|PASSED|ERROR) ' | \
		    grep -v '^\[       OK' || true
		p="$(echo "$out" | grep -o '\[  PASSED  \] [0-9]* test' | grep -o '[0-9]*' | tail -1)"
		f="$(echo "$out" | grep -o '\[  FAILED  \] [0-9]* test' | grep -o '[0-9]*' | tail -1)"
		if [ -z "$p$f" ]; then
			echo "$out" | tail -20
			echo "tests: $t crashed"; FAILED=$((FAILED + 1)); continue
		fi
		PASSED=$((PASSED + ${p:-0})); FAILED=$((FAILED + ${f:-0}))
		echo "tests: $(basename "$t"): ${p:-0} passed, ${f:-0} failed"
	done
}

start_stack() {
	PGPORT_T="$(free_port)"
	KPORT="$(free_port)"
	pg_up "$WORK/pg" "$PGPORT_T" || return 1
	export DRIVE_DATABASE_URL="$(pg_url "$WORK/pg" "$PGPORT_T")"
	export DRIVE_BASE_URL="http://127.0.0.1:$KPORT"
	export DRIVE_AUDIT_ANCHOR="$WORK/audit.anchor"
	# The owner migrates; Kore and the tests' drivectl are the portal's role.
	DRIVE_OWNER_URL="$(pg_url "$WORK/pg" "$PGPORT_T" drive_owner)" \
	    build/drivectl migrate >/dev/null || return 1
	kore_conf "$KPORT" "$WORK/kore.conf" "$WORK/access.log"
	# The tests stand in for nginx: each client names its own address in
	# X-Forwarded-For, believed from 127.0.0.1 only (never 127.0.0.2).
	export DRIVE_TRUSTED_PROXIES=127.0.0.1
	kore_up "$WORK/kore.conf" "$WORK/kore.log" || return 1
	# What the tests need to reach and steer the stack.
	export DRIVE_TEST_BASE="$DRIVE_BASE_URL"
	export DRIVE_TEST_SUPER_URL="host=$WORK/pg port=$PGPORT_T dbname=drive user=postgres"
	export DRIVE_TEST_OWNER_URL="$(pg_url "$WORK/pg" "$PGPORT_T" drive_owner)"
	export DRIVE_TEST_WORK="$WORK"
	export DRIVE_TEST_PGDATA="$WORK/pg"
	export DRIVE_TEST_KORE_CONF="$WORK/kore.conf"
	export DRIVE_TEST_KORE_LOG="$WORK/kore.log"
	export DRIVE_ROOT="$ROOT"
}

npm_ready() {
	if [ ! -d tests/node_modules/playwright-core ] ||
	    [ ! -d tests/node_modules/@axe-core/playwright ] ||
	    [ ! -d tests/node_modules/smtp-server ] ||
	    [ ! -d tests/node_modules/mailparser ]; then
		(cd tests && npm ci --no-audit --no-fund --loglevel=error) ||
		    return 1
	fi
}

for s in $SUITES; do
	case "$s" in
	unit)
		run_unit ;;
	e2e|browser)
		if [ -z "${KPORT:-}" ]; then
			start_stack || { echo "tests: the stack did not start";
			    FAILED=$((FAILED + 1)); break; }
		fi
		npm_ready || { echo "tests: npm install failed";
		    FAILED=$((FAILED + 1)); continue; }
		node --test --test-concurrency=1 --test-reporter=tap \
		    ${TEST_FILTER:-tests/"$s"/*.test.mjs} 2>&1 | tee "$WORK/$s.tap" | \
		    grep -E '^(not ok|# (pass|fail)|#   )|^ +(error|expected|actual|at )' | head -200
		count_node "$WORK/$s.tap" "$s"
		;;
	esac
done

if [ "$FAILED" -gt 0 ] && [ -f "$WORK/kore.log" ]; then
	echo "--- last lines of the Kore log ---"; tail -30 "$WORK/kore.log"
fi
echo "$PASSED passed, $FAILED failed"
[ "$FAILED" -eq 0 ]
