#!/usr/bin/env bash
# No secret in any log: every password, invitation, session and API token
# the tests used (tests/lib/drive.mjs records them in secrets.txt in the
# test folder) is searched for in the logs the runs left there: Kore's
# (kore.log, access.log), the mailer's (mailer.log) and PostgreSQL's
# (pg/server.log, with log_statement = all for the portal's role).
# Prints what it checked; exits 1 when a secret is found, 2 when there
# is nothing to check (no secret recorded, or no log).
#   tests/secrets-check.sh DIR
set -uo pipefail

dir="$1"
secrets="$(mktemp)"
trap 'rm -f "$secrets"' EXIT

mapfile -t files < <(find "$dir" -type f -name secrets.txt)
mapfile -t logs < <(find "$dir" -type f \( -name kore.log -o \
    -name access.log -o -name mailer.log -o -name server.log \) | sort)
if [ ${#files[@]} -eq 0 ] || [ ${#logs[@]} -eq 0 ]; then
	echo "secrets: nothing to check (secrets: ${#files[@]} files," \
	    "logs: ${#logs[@]})"
	exit 2
fi
cut -f2- "${files[@]}" | sort -u >"$secrets"
kinds="$(cut -f1 "${files[@]}" | sort | uniq -c | awk '{printf "%s %s, ", $1, $2}')"
found=0
for log in "${logs[@]}"; do
	n="$(grep -c -F -f "$secrets" "$log")"
	if [ "$n" -gt 0 ]; then
		found=1
		echo "secrets: $n line(s) of ${log#"$dir"/} carry a secret, e.g.:"
		grep -o -F -f "$secrets" "$log" | sort -u | head -3 |
		    while IFS= read -r s; do
			printf '  %s: %s...\n' \
			    "$(grep -h -F -m1 -- "$s" "${files[@]}" | cut -f1)" \
			    "${s:0:12}"
		    done
	fi
done
echo "secrets: $(wc -l <"$secrets") secrets (${kinds%, }) searched in" \
    "${#logs[@]} logs ($(cat "${logs[@]}" | wc -c) bytes)"
exit "$found"
