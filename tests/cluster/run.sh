#!/usr/bin/env bash
# `make test-cluster`: starts the loopback cluster of conf/cluster/
# (cluster.sh, ports from CLUSTER_BASE, 27100 here), runs the cluster
# tests (tests/cluster/*.test.mjs, in the order of their names: each
# starts from what the one before left), stops everything, and prints
# one line: "N passed, N failed".
#   tests/cluster/run.sh [test files]     (TEST_FILTER works too)
# CLUSTER_KEEP=1 keeps the work folder (logs, data).
set -uo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
cd "$ROOT" || exit 1
source conf/cluster/cluster.sh
set +e
PASSED=0
FAILED=0

count_node() {	# the TAP summary of node --test
	local out="$1" p f c
	p="$(grep -E '^# pass [0-9]+' "$out" | tail -1 | awk '{print $3}')"
	f="$(grep -E '^# fail [0-9]+' "$out" | tail -1 | awk '{print $3}')"
	c="$(grep -E '^# cancelled [0-9]+' "$out" | tail -1 | awk '{print $3}')"
	f=$((${f:-0} + ${c:-0}))
	if [ -z "$p" ]; then
		echo "tests: $2 did not report (see above)"; FAILED=$((FAILED + 1))
		return
	fi
	PASSED=$((PASSED + p)); FAILED=$((FAILED + f))
	echo "tests: $2: $p passed, $f failed"
}

trap 'cluster_down' EXIT
trap 'exit 1' INT TERM
t0=$SECONDS
if ! cluster_up "${CLUSTER_BASE:-27100}"; then
	echo "tests: cluster: the cluster did not start"
	tail -20 "${CW:-/nonexistent}"/log/*.log 2>/dev/null
	echo "0 passed, 1 failed"
	exit 1
fi
echo "tests: cluster: up in $((SECONDS - t0)) s ($CW)"
export DRIVE_TEST_CLUSTER="$CW"
export DRIVE_TEST_BASE="$DRIVE_BASE_URL"
export DRIVE_TEST_SUPER_URL="host=127.0.0.1 port=$P_PG dbname=drive user=postgres password=$SUPER_PW connect_timeout=3"
export DRIVE_TEST_WORK="$CW"
export DRIVE_ROOT="$ROOT"

# shellcheck disable=SC2048,SC2086 # file names and a glob, split on purpose
node --test --test-concurrency=1 --test-reporter=tap \
    ${*:-${TEST_FILTER:-tests/cluster/*.test.mjs}} 2>&1 | tee "$CW/cluster.tap" | \
    grep -E '^(not ok|# (pass|fail)|#   |# cluster: )|^ +(error|expected|actual|at )' | head -200
# What a failing test said, its whole diagnostic block, on lines that
# a log excerpt keeps ("# cluster: ").
awk '/^not ok/ { f = 1 } f && /^  \.\.\.$/ { f = 0 } f { print "# cluster: " $0 }' \
    "$CW/cluster.tap" | head -120
count_node "$CW/cluster.tap" cluster
echo "tests: cluster: $((SECONDS - t0)) s in all"
echo "$PASSED passed, $FAILED failed"
[ "$FAILED" -eq 0 ]
