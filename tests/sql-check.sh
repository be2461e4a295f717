#!/usr/bin/env bash
# Where the schema's code lives (README, "Migrations"): a function,
# procedure, trigger or view is made in sql/repeatable/ only, by CREATE OR
# REPLACE (a file there runs again whenever it changes), and in one file
# only; the numbered migrations make none of them.  And a time app/ reads
# as whole seconds is cut, not rounded (below).  Names each breach and
# exits 1; run by tests/run.sh unit.
#   tests/sql-check.sh [SQLDIR]
set -uo pipefail

dir="${1:-$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)/sql}"
bad=0
obj='(FUNCTION|PROCEDURE|TRIGGER|CONSTRAINT TRIGGER|VIEW|MATERIALIZED VIEW)'

# The name a CREATE line makes, lower case: "function audit" etc.
made() {
	sed -nE "s/^[[:space:]]*CREATE[[:space:]]+(OR[[:space:]]+REPLACE[[:space:]]+)?$obj[[:space:]]+(IF[[:space:]]+NOT[[:space:]]+EXISTS[[:space:]]+)?([A-Za-z0-9_.\"]+).*/\2 \4/Ip" "$1" |
	    tr 'A-Z' 'a-z' | sed -E 's/"//g; s/ public\./ /; s/^constraint trigger /trigger /; s/^materialized view /view /'
}

shopt -s nullglob
declare -A where=()
for f in "$dir"/repeatable/*.sql; do
	while read -r kind name; do
		key="$kind $name"
		if [ -n "${where[$key]:-}" ]; then
			echo "sql: $kind $name is made in repeatable/${where[$key]} and in repeatable/${f##*/}"
			bad=1
		fi
		where[$key]="${f##*/}"
	done < <(made "$f")
	while IFS=: read -r n _; do
		echo "sql: repeatable/${f##*/}:$n: CREATE without OR REPLACE (the file runs again)"
		bad=1
	done < <(grep -nEi "^[[:space:]]*CREATE[[:space:]]+$obj[[:space:]]" "$f")
done

for f in "$dir"/[0-9][0-9][0-9]_*.sql; do
	while read -r kind name; do
		if [ -n "${where[$kind $name]:-}" ]; then
			echo "sql: ${f##*/} makes $kind $name, whose body lives in repeatable/${where[$kind $name]}"
		else
			echo "sql: ${f##*/} makes $kind $name: put it in sql/repeatable/"
		fi
		bad=1
	done < <(made "$f")
done

# A time the portal reads as whole seconds is floor(extract(epoch FROM
# t))::bigint: the cast alone rounds the numeric (05.7 s became 06, which
# to_char() and every reader call 05).
app="$(dirname "$dir")/app"
[ -d "$app" ] && while IFS= read -r hit; do
	echo "sql: $hit: the cast rounds; write floor(extract(epoch FROM t))::bigint"
	bad=1
done < <(cd "$app" && perl -ne 'print "app/$ARGV:$.\n" if
    /extract\(epoch FROM ((?:[^()]|\((?1)\))*)\)::bigint/; close ARGV if eof' \
    ./*.c ./*.h | sed 's|app/\./|app/|')

if [ "$bad" = 0 ]; then
	echo "sql: ${#where[@]} functions, triggers and views, each in one file of sql/repeatable/; none in a numbered migration"
fi
exit "$bad"
