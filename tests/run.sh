#!/usr/bin/env bash
# Runs every suite against a throwaway PostgreSQL cluster and Kore, then
# prints one line: "N passed, N failed".  Exit status 1 on any failure.
# unit: the cmocka tests, and tests/sql-check.sh as one test.
#   tests/run.sh [unit|fuzz|e2e|browser|asan ...]   (default: all)
#   tests/run.sh screenshots    (make screenshots: PNGs, not a test)
# fuzz: each libFuzzer harness for FUZZ_SECONDS (20 here), one test each;
# asan: the e2e suite again against build/asan/drive.so, plus one test
# "no sanitizer report".  After e2e, browser or asan, one more test: no
# secret the tests used is in any log (tests/secrets-check.sh).
set -uo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
source conf/local.sh
set +e

SUITES="${*:-unit fuzz e2e browser asan}"
PASSED=0
FAILED=0
WORK="$(mktemp -d /tmp/drive-test.XXXXXX)"
chmod 755 "$WORK"

cleanup() {
	kore_down "$WORK/kore.conf"
	pg_down "$WORK/pg"
	kore_down "$WORK/asan/kore.conf"
	pg_down "$WORK/asan/pg"
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
	# Where the schema's functions live (sql/repeatable/): one test.
	if out="$(tests/sql-check.sh 2>&1)"; then
		PASSED=$((PASSED + 1)); echo "tests: sql-check: 1 passed, 0 failed"
	else
		echo "$out"
		FAILED=$((FAILED + 1)); echo "tests: sql-check: 0 passed, 1 failed"
	fi
}

start_stack() {
	PGPORT_T="$(free_port)"
	KPORT="$(free_port)"
	pg_up "$WORK/pg" "$PGPORT_T" || return 1
	export DRIVE_DATABASE_URL="$(pg_url "$WORK/pg" "$PGPORT_T")"
	# Every statement of the portal's role, with its parameters, goes to
	# PostgreSQL's log, for tests/secrets-check.sh to search.
	psql -X -q "host=$WORK/pg port=$PGPORT_T dbname=drive user=postgres" \
	    -c "ALTER ROLE drive SET log_statement = 'all'" >/dev/null || return 1
	export DRIVE_BASE_URL="http://127.0.0.1:$KPORT"
	export DRIVE_AUDIT_ANCHOR="$WORK/audit.anchor"
	# The owner migrates; Kore and the tests' drivectl are the portal's role.
	DRIVE_OWNER_URL="$(pg_url "$WORK/pg" "$PGPORT_T" drive_owner)" \
	    build/drivectl migrate >/dev/null || return 1
	# A second factor is required of pm and admin by default; the suites
	# sign staff in by password, so the shared stack starts with the
	# policy off.  tests/e2e/second_factor.test.mjs turns it on (and
	# checks the migration's default) and back off.
	psql -X -q "host=$WORK/pg port=$PGPORT_T dbname=drive user=postgres" \
	    -c "UPDATE second_factor_policy SET required = false" >/dev/null ||
	    return 1
	# The key that encrypts second-factor secrets (never in the database).
	export DRIVE_SECRET_KEY="$(head -c 32 /dev/urandom | od -An -tx1 | tr -d ' \n')"
	kore_conf "$KPORT" "$WORK/kore.conf" "$WORK/access.log"
	# The tests stand in for nginx: each client names its own address in
	# X-Forwarded-For, believed from 127.0.0.1 only (never 127.0.0.2).
	export DRIVE_TRUSTED_PROXIES=127.0.0.1
	[ -z "${ASAN_RUN:-}" ] || asan_conf "$WORK/kore.conf"
	PATH="${KORE_PATH:-$PATH}" kore_up "$WORK/kore.conf" "$WORK/kore.log" ||
	    return 1
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

# Each harness in build/fuzz/ for FUZZ_SECONDS (tests/fuzz/run.sh), after
# replaying its committed corpus; one test a harness.
run_fuzz() {
	local line p=0 f=0
	if ! make --no-print-directory fuzz-build >"$WORK/fuzz-build.log" 2>&1; then
		tail -20 "$WORK/fuzz-build.log"
		echo "tests: fuzz: the harnesses did not build"
		FAILED=$((FAILED + 1)); return
	fi
	while IFS= read -r line; do
		echo "$line"
		case "$line" in
		"fuzz: "*": ok "*) p=$((p + 1)) ;;
		"fuzz: "*": FAILED"*) f=$((f + 1)) ;;
		esac
	done < <(FUZZ_SECONDS="${FUZZ_SECONDS:-20}" FUZZ_OUT="$WORK/fuzz" \
	    tests/fuzz/run.sh)
	PASSED=$((PASSED + p)); FAILED=$((FAILED + f))
	echo "tests: fuzz: $p passed, $f failed"
}

# The ASan + UBSan module in Kore's configuration.  Kore is not
# instrumented: a wrapper named kore, first in KORE_PATH, preloads the
# ASan runtime into it (never into curl or node).  The filter in
# app/main.c allows what the ASan runtime calls (gettid,
# sched_getaffinity); seccomp_tracing makes any other violation, e.g. on
# the path of a sanitizer's report, a line in the log instead of a killed
# thread, and asan_check() fails the run on it.
asan_conf() {
	sed -i -e "s|$ROOT/build/drive.so|$ROOT/build/asan/drive.so|" \
	    -e 's|^seccomp_tracing.*|seccomp_tracing		yes|' "$1"
}

asan_check() {
	local bad=0 f
	for f in "$WORK"/sanitizer.*; do
		[ -s "$f" ] || continue
		echo "--- $f"; head -40 "$f"
		# A report with no frame of the module (seen once under heavy
		# load: Kore's own task thread aborting in pthread_cond_wait)
		# is Kore's, which is not instrumented: shown, not counted.
		if grep -qE 'drive\.so|/app/[a-z_]+\.c' "$f"; then
			bad=1
		else
			echo "asan: the report above has no frame of drive.so" \
			    "(Kore's own): not counted"
		fi
	done
	if grep -E 'ERROR: AddressSanitizer|runtime error:|LeakSanitizer' \
	    "$WORK/kore.log"; then
		bad=1
	fi
	if grep 'seccomp violation' "$WORK/kore.log"; then
		bad=1
	fi
	if [ "$bad" = 0 ]; then
		PASSED=$((PASSED + 1))
		echo "tests: asan: no sanitizer report"
	else
		FAILED=$((FAILED + 1))
		echo "tests: asan: sanitizer reports (above)"
	fi
}

# The e2e suite once more against build/asan/drive.so, on a fresh stack
# of its own under $WORK/asan (the first one is stopped).
run_asan() {
	local rt WORK="$WORK/asan" ASAN_RUN=1 KORE_PATH
	if ! make --no-print-directory asan-build >"$WORK.build.log" 2>&1; then
		tail -20 "$WORK.build.log"
		echo "tests: asan: the module did not build"
		FAILED=$((FAILED + 1)); return
	fi
	rt="$(clang -print-file-name=libclang_rt.asan-x86_64.so)"
	kore_down "${WORK%/asan}/kore.conf"
	pg_down "${WORK%/asan}/pg"
	unset KPORT
	mkdir -p "$WORK/bin"
	chmod 755 "$WORK"
	# No leak detection: Kore (not instrumented, its allocations seen
	# through malloc) never frees its configuration, and LeakSanitizer
	# stops the world with ptrace, which the seccomp filter forbids.
	cat >"$WORK/bin/kore" <<-EOF
	#!/bin/sh
	ASAN_OPTIONS="detect_leaks=0:log_path=$WORK/sanitizer" \\
	UBSAN_OPTIONS="print_stacktrace=1:log_path=$WORK/sanitizer" \\
	LD_PRELOAD="$rt\${LD_PRELOAD:+:\$LD_PRELOAD}" exec $(command -v kore) "\$@"
	EOF
	chmod 755 "$WORK/bin/kore"
	KORE_PATH="$WORK/bin:$PATH"
	if ! start_stack; then
		echo "tests: asan: the stack did not start"
		FAILED=$((FAILED + 1)); return
	fi
	# The tests that restart Kore (conf/local.sh's kore_up) find the
	# wrapper first too.
	PATH="$KORE_PATH" DRIVE_TEST_ASAN=1 node --test --test-concurrency=1 \
	    --test-reporter=tap ${TEST_FILTER:-tests/e2e/*.test.mjs} 2>&1 | tee "$WORK/e2e.tap" | \
	    grep -E '^(not ok|# (pass|fail)|#   )|^ +(error|expected|actual|at )' | head -200
	count_node "$WORK/e2e.tap" "asan e2e"
	kore_down "$WORK/kore.conf"
	asan_check
}

npm_ready() {
	if [ ! -d tests/node_modules/playwright-core ] ||
	    [ ! -d tests/node_modules/@axe-core/playwright ] ||
	    [ ! -d tests/node_modules/smtp-server ] ||
	    [ ! -d tests/node_modules/mailparser ] ||
	    [ ! -d tests/node_modules/oidc-provider ]; then
		(cd tests && npm ci --no-audit --no-fund --loglevel=error) ||
		    return 1
	fi
}

for s in $SUITES; do
	case "$s" in
	unit)
		run_unit ;;
	fuzz)
		run_fuzz ;;
	asan)
		npm_ready || { echo "tests: npm install failed";
		    FAILED=$((FAILED + 1)); continue; }
		run_asan ;;
	screenshots)
		# Not a test: the main pages of each role as PNGs, with the
		# demo data (make screenshots), on a stack of their own.
		start_stack || { echo "tests: the stack did not start"; exit 1; }
		npm_ready || { echo "tests: npm install failed"; exit 1; }
		psql "$DRIVE_TEST_OWNER_URL" -X -q -v ON_ERROR_STOP=1 \
		    -f sql/demo.sql >/dev/null || exit 1
		node tests/screenshots.mjs || exit 1
		exit 0 ;;
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

case " $SUITES " in
*" e2e "*|*" browser "*|*" asan "*)
	tests/secrets-check.sh "$WORK"
	case $? in
	0) PASSED=$((PASSED + 1)); echo "tests: secrets: no secret in any log" ;;
	2) if [ -n "${TEST_FILTER:-}" ]; then
		echo "tests: secrets: skipped (TEST_FILTER used no secret)"
	   else
		FAILED=$((FAILED + 1)); echo "tests: secrets: FAILED (above)"
	   fi ;;
	*) FAILED=$((FAILED + 1)); echo "tests: secrets: FAILED (above)" ;;
	esac ;;
esac

if [ "$FAILED" -gt 0 ] && [ -f "$WORK/kore.log" ]; then
	echo "--- last lines of the Kore log ---"; tail -30 "$WORK/kore.log"
fi
echo "$PASSED passed, $FAILED failed"
[ "$FAILED" -eq 0 ]
