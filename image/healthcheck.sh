#!/usr/bin/env bash
# Container health, for the pod's probes and the image's HEALTHCHECK.
# usage: onechart-healthcheck [oned|fireedge]   (no argument: both; exit 0 when healthy)
#
# oned: one.system.version over XML-RPC, authenticated with oneadmin's
# ~/.one/one_auth, so oned logs no authentication ERROR for a probe (every
# XML-RPC call is authenticated: a wrong or empty session is logged as an
# error). oned answering with a refusal still counts as alive: a changed
# password must not make the kubelet restart oned; the refusal is reported.
# The credentials go to curl on stdin, never on its command line.
# fireedge: an HTTP answer below 400 from FireEdge's Sunstone page.
set -Eeuo pipefail

: "${ONE_XMLRPC:=http://127.0.0.1:2633/RPC2}"
: "${ONE_AUTH:=/var/lib/one/.one/one_auth}"
: "${FIREEDGE_URL:=http://127.0.0.1:2616/fireedge/sunstone}"
: "${HEALTHCHECK_TIMEOUT:=5}"

# usage: xml_escape STRING   (STRING as XML character data)
xml_escape() {
	local s=$1
	s=${s//&/\&amp;}
	s=${s//</\&lt;}
	s=${s//>/\&gt;}
	printf '%s' "$s"
}

# usage: check_oned   (exit status 0 when oned answers)
check_oned() {
	local session="" payload response
	if [[ -r $ONE_AUTH ]]; then
		IFS= read -r session <"$ONE_AUTH" || true
	fi
	payload='<?xml version="1.0"?><methodCall><methodName>one.system.version</methodName><params><param><value><string>'
	payload+="$(xml_escape "$session")"
	payload+='</string></value></param></params></methodCall>'
	if ! response=$(curl -fsS -m "$HEALTHCHECK_TIMEOUT" -H 'Content-Type: text/xml' \
		--data-binary @- "$ONE_XMLRPC" <<<"$payload" 2>&1); then
		echo "onechart-healthcheck: oned does not answer at $ONE_XMLRPC: $response" >&2
		return 1
	fi
	case $response in
	*'<boolean>1</boolean>'*) return 0 ;;
	*'<boolean>0</boolean>'*)
		echo "onechart-healthcheck: oned answers but refuses the credentials in $ONE_AUTH" >&2
		return 0
		;;
	*)
		echo "onechart-healthcheck: oned at $ONE_XMLRPC gave no XML-RPC answer" >&2
		return 1
		;;
	esac
}

# usage: check_fireedge
check_fireedge() {
	local err
	if ! err=$(curl -fsS -m "$HEALTHCHECK_TIMEOUT" -o /dev/null "$FIREEDGE_URL" 2>&1); then
		echo "onechart-healthcheck: FireEdge at $FIREEDGE_URL: $err" >&2
		return 1
	fi
}

main() {
	case ${1:-all} in
	oned) check_oned ;;
	fireedge) check_fireedge ;;
	all)
		local rc=0
		check_oned || rc=1
		check_fireedge || rc=1
		return "$rc"
		;;
	*)
		echo "usage: onechart-healthcheck [oned|fireedge]" >&2
		return 2
		;;
	esac
}

main "$@"
