#!/usr/bin/env bash
# Container health: oned answers XML-RPC and FireEdge answers HTTP.
# usage: onechart-healthcheck   (exit 0 when healthy)
set -Eeuo pipefail

curl -fsS -m 5 -o /dev/null -H 'Content-Type: text/xml' \
	--data '<?xml version="1.0"?><methodCall><methodName>one.system.version</methodName><params><param><value><string></string></value></param></params></methodCall>' \
	"${ONE_XMLRPC:-http://127.0.0.1:2633/RPC2}"
curl -sS -m 5 -o /dev/null "${FIREEDGE_URL:-http://127.0.0.1:2616/fireedge/sunstone}"
