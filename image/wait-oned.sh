#!/usr/bin/env bash
# Start a service once oned answers XML-RPC and its credentials file exists.
# usage: onechart-wait-oned [--own-stdout] AUTH_FILE -- COMMAND...
# Runs under supervisord as oneadmin; waits as long as needed (oned's first
# start can be slow), logging every 30 s, then execs COMMAND.
#
# --own-stdout: COMMAND's stdout and stderr become a pipe created here (as
# oneadmin) and copied to ours. A service that writes its log to a file that
# is a link to /dev/stdout (onehem.log, fireedge.log) must reopen its stdout,
# and the pipe supervisord created as root refuses that (EACCES).
set -Eeuo pipefail

: "${ONECHART_HEALTHCHECK:=/usr/local/bin/onechart-healthcheck}"
: "${WAIT_INTERVAL:=2}"

# usage: main [--own-stdout] AUTH_FILE -- COMMAND...
main() {
	local own=0 auth next_log=0
	if [[ ${1:-} == --own-stdout ]]; then
		own=1
		shift
	fi
	auth=${1:?usage: onechart-wait-oned [--own-stdout] AUTH_FILE -- COMMAND...}
	shift
	[[ ${1:-} == -- ]] && shift
	(($#)) || {
		echo "onechart-wait-oned: no command" >&2
		exit 2
	}
	SECONDS=0
	until "$ONECHART_HEALTHCHECK" oned 2>/dev/null && [[ -s $auth ]]; do
		if ((SECONDS >= next_log)); then
			echo "onechart-wait-oned: ${1##*/} waits for oned and $auth (${SECONDS}s)" >&2
			next_log=$((SECONDS + 30))
		fi
		sleep "$WAIT_INTERVAL"
	done
	if ((own)); then
		# cat ignores SIGTERM (inherited through exec) and ends when COMMAND
		# closes the pipe, so the service's last lines are not lost on stop.
		exec > >(
			trap '' TERM
			exec cat
		) 2>&1
	fi
	exec "$@"
}

main "$@"
