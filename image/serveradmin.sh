#!/usr/bin/env bash
# New serveradmin credentials for an existing database whose volume lost them.
#
# oned writes sunstone_auth, oneflow_auth, ... (serveradmin:RANDOM) only when
# it bootstraps the database (src/um/UserPool.cc), and stores serveradmin
# with the server_cipher driver and the password sha256(RANDOM). With the
# files gone and the database kept, nothing recreates them. This sets a new
# password through oned itself, once it runs, with the packaged CLI:
# `oneuser passwd serveradmin FILE --read-file --sha256` reads RANDOM from
# FILE and sends sha256(RANDOM) (src/cli/one_helper/oneuser_helper.rb,
# password_to_str); oned stores it as is for a non-core driver
# (src/um/User.cc, set_password). Then every file gets serveradmin:RANDOM,
# exactly what the bootstrap writes. No password appears on a command line,
# and the database is never written behind oned's back.
#
# The entrypoint (repair_serveradmin) writes FLAG, listing the files, only
# when all of them are missing; without FLAG this exits at once.
#
# usage: onechart-serveradmin FLAG   (under supervisord, as oneadmin)
set -Eeuo pipefail

: "${ONE_VAR:=/var/lib/one}"
: "${ONECHART_HEALTHCHECK:=/usr/local/bin/onechart-healthcheck}"
: "${WAIT_INTERVAL:=2}"

log() {
	printf 'onechart-serveradmin: %s\n' "$*" >&2
}

# usage: write_auth NAME CONTENT   (0600, replaced atomically)
write_auth() {
	local file=$ONE_VAR/.one/$1
	(umask 077 && printf '%s\n' "$2" >"$file.onechart-tmp")
	mv -f "$file.onechart-tmp" "$file"
}

main() {
	local flag=${1:?usage: onechart-serveradmin FLAG} names=() name random driver next_log=0
	[[ -s $flag ]] || exit 0
	mapfile -t names < <(grep -E '^[A-Za-z0-9_]+_auth$' "$flag")
	((${#names[@]})) || exit 0
	SECONDS=0
	until "$ONECHART_HEALTHCHECK" oned 2>/dev/null; do
		if ((SECONDS >= next_log)); then
			log "waits for oned (${SECONDS}s)"
			next_log=$((SECONDS + 30))
		fi
		sleep "$WAIT_INTERVAL"
	done
	driver=$(oneuser show serveradmin -x | sed -n 's:.*<AUTH_DRIVER>\(.*\)</AUTH_DRIVER>.*:\1:p' | head -n1) ||
		driver=""
	# oned wraps string values in CDATA: <AUTH_DRIVER><![CDATA[server_cipher]]></AUTH_DRIVER>
	# (src/um/User.cc to_xml, one_util::escape_xml in include/NebulaUtil.h).
	driver=${driver#'<![CDATA['}
	driver=${driver%']]>'}
	if [[ $driver != server_cipher ]]; then
		log "user serveradmin has auth driver '${driver:-none}', not server_cipher: not touched;" \
			"FireEdge, OneFlow and OneGate cannot log in until ${names[*]} exist"
		exit 1
	fi
	random=$(od -An -tx1 -N32 /dev/urandom | tr -d ' \n')
	[[ ${#random} == 64 ]] || {
		log "cannot read /dev/urandom"
		exit 1
	}
	SECRET_FILE=$(umask 077 && mktemp "$ONE_VAR/.one/.serveradmin.XXXXXX")
	trap 'rm -f "$SECRET_FILE"' EXIT
	printf '%s\n' "$random" >"$SECRET_FILE"
	oneuser passwd serveradmin "$SECRET_FILE" --read-file --sha256 >/dev/null
	for name in "${names[@]}"; do
		write_auth "$name" "serveradmin:$random"
	done
	rm -f "$flag"
	log "new serveradmin password set through oned; wrote ${names[*]}"
}

main "$@"
