#!/usr/bin/env bash
# Runs every libFuzzer harness in build/fuzz/ for FUZZ_SECONDS each
# (default 60): first it replays the committed corpus
# (tests/fuzz/corpus/<name>/, where the inputs of past crashes stay as
# regression cases), then it mutates.  New inputs go to a scratch folder,
# crashes to FUZZ_OUT (printed).  One line per harness:
#   fuzz: <name>: ok|FAILED ...
# and the exit status counts the failures.  FUZZ_JOBS run at once (one a
# core by default).
#   tests/fuzz/run.sh [name ...]   (default: all)
set -uo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
SECONDS_EACH="${FUZZ_SECONDS:-60}"
OUT="${FUZZ_OUT:-$(mktemp -d /tmp/drive-fuzz.XXXXXX)}"
mkdir -p "$OUT"
failed=0

names="${*:-$(cd "$ROOT/tests/fuzz" && ls fuzz_*.c | sed 's/^fuzz_//; s/\.c$//')}"

# one NAME: runs one harness, prints its lines; 0 when it held.
one() {
	local name="$1" bin seeds runs
	bin="$ROOT/build/fuzz/fuzz_$name"
	seeds="$ROOT/tests/fuzz/corpus/$name"
	if [ ! -x "$bin" ] || [ ! -d "$seeds" ]; then
		echo "fuzz: $name: FAILED (no $bin or no $seeds)"
		return 1
	fi
	mkdir -p "$OUT/$name/new"
	# -timeout: one input taking 10 s is a hang; -rss_limit_mb: a leak
	# or a blow-up; UBSan's findings abort (built with no recovery).
	if UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
	    ASAN_OPTIONS=detect_leaks=1 \
	    "$bin" -max_total_time="$SECONDS_EACH" -timeout=10 \
	    -rss_limit_mb=1024 -max_len=8192 -print_final_stats=1 \
	    -artifact_prefix="$OUT/$name/" "$OUT/$name/new" "$seeds" \
	    >"$OUT/$name/log" 2>&1; then
		runs="$(grep -o 'stat::number_of_executed_units: *[0-9]*' \
		    "$OUT/$name/log" | grep -o '[0-9]*$')"
		echo "fuzz: $name: ok ($runs inputs in ${SECONDS_EACH}s," \
		    "$(ls "$seeds" | wc -l) seeds replayed)"
		return 0
	fi
	echo "fuzz: $name: FAILED (log: $OUT/$name/log)"
	grep -E '^(fuzz:|==[0-9]+==ERROR|SUMMARY|.*runtime error)' \
	    "$OUT/$name/log" | head -5
	ls "$OUT/$name"/crash-* "$OUT/$name"/leak-* \
	    "$OUT/$name"/timeout-* "$OUT/$name"/oom-* 2>/dev/null |
	    sed 's/^/  input: /'
	return 1
}

# FUZZ_JOBS harnesses at a time (default: one a core), each on its own
# core for its FUZZ_SECONDS, so the suite's wall time is divided and no
# harness gets less time; their lines are printed in name order.
jobs_max="${FUZZ_JOBS:-$(nproc)}"
for name in $names; do
	mkdir -p "$OUT/$name"
	one "$name" >"$OUT/$name/result" 2>&1 &
	while [ "$(jobs -rp | wc -l)" -ge "$jobs_max" ]; do
		wait -n
	done
done
wait
for name in $names; do
	cat "$OUT/$name/result"
	grep -q "^fuzz: $name: ok " "$OUT/$name/result" ||
	    failed=$((failed + 1))
done
exit "$failed"
