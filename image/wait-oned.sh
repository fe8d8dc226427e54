#!/usr/bin/env bash
# Start a service once oned answers XML-RPC and its credentials file exists.
# usage: onechart-wait-oned AUTH_FILE -- COMMAND...
# Runs under supervisord as oneadmin; waits as long as needed (oned's first
# start can be slow), logging every 30 s, then execs COMMAND.
set -Eeuo pipefail

: "${ONE_XMLRPC:=http://127.0.0.1:2633/RPC2}"
: "${WAIT_INTERVAL:=2}"

# usage: oned_answers   (true when oned replies to one.system.version)
oned_answers() {
	curl -fsS -m 5 -o /dev/null -H 'Content-Type: text/xml' \
		--data '<?xml version="1.0"?><methodCall><methodName>one.system.version</methodName><params><param><value><string></string></value></param></params></methodCall>' \
		"$ONE_XMLRPC" 2>/dev/null
}

# usage: main AUTH_FILE -- COMMAND...
main() {
	local auth=${1:?usage: onechart-wait-oned AUTH_FILE -- COMMAND...} next_log=0
	shift
	[[ ${1:-} == -- ]] && shift
	(($#)) || {
		echo "onechart-wait-oned: no command" >&2
		exit 2
	}
	SECONDS=0
	until oned_answers && [[ -s $auth ]]; do
		if ((SECONDS >= next_log)); then
			echo "onechart-wait-oned: ${1##*/} waits for oned at $ONE_XMLRPC and $auth (${SECONDS}s)" >&2
			next_log=$((SECONDS + 30))
		fi
		sleep "$WAIT_INTERVAL"
	done
	exec "$@"
}

main "$@"
