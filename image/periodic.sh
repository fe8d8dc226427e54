#!/usr/bin/env bash
# The jobs upstream runs from systemd timers, for a container without systemd:
#
# - ssh-socks-cleaner every 30 s when /var/run/one/ssh-socks is not empty
#   (share/pkgs/services/systemd/opennebula-ssh-socks-cleaner.timer:
#   OnCalendar *:*:10 and *:*:40; .service: ConditionDirectoryNotEmpty). The
#   packaged ~/.ssh/config (ControlPersist 70s, ControlPath
#   /run/one/ssh-socks/ctl-M-%C.sock) relies on it to drop stale master sockets.
# - oneshowback calculate once a day (opennebula-showback.timer:
#   OnCalendar=daily, Persistent=true): the time of the last run is kept on
#   the volume, so a day missed while the pod was down runs at the next start,
#   as Persistent=true does. The period counts from the last run, not from
#   midnight.
#
# usage: onechart-periodic   (runs in the foreground under supervisord, as oneadmin)
set -Eeuo pipefail

: "${SOCKS_DIR:=/var/run/one/ssh-socks}"
: "${SOCKS_CLEANER:=/usr/lib/one/sh/ssh-socks-cleaner}"
: "${SHOWBACK_STAMP:=/var/lib/one/.onechart/showback-last}"
: "${SHOWBACK_PERIOD:=86400}"
: "${PERIODIC_INTERVAL:=30}"
: "${ONECHART_HEALTHCHECK:=/usr/local/bin/onechart-healthcheck}"

log() {
	printf 'onechart-periodic: %s\n' "$*" >&2
}

# usage: clean_ssh_socks
clean_ssh_socks() {
	[[ -d $SOCKS_DIR && -n $(ls -A "$SOCKS_DIR") ]] || return 0
	"$SOCKS_CLEANER" || log "ssh-socks-cleaner failed"
}

# usage: showback_due   (true when the last successful run is older than the period)
showback_due() {
	local last=0
	[[ -r $SHOWBACK_STAMP ]] && last=$(<"$SHOWBACK_STAMP")
	[[ $last =~ ^[0-9]+$ ]] || last=0
	(($(date +%s) - last >= SHOWBACK_PERIOD))
}

# usage: run_showback   (when due and oned answers)
run_showback() {
	showback_due || return 0
	"$ONECHART_HEALTHCHECK" oned 2>/dev/null || return 0
	if oneshowback calculate; then
		date +%s >"$SHOWBACK_STAMP.tmp"
		mv -f "$SHOWBACK_STAMP.tmp" "$SHOWBACK_STAMP"
		log "oneshowback calculate done"
	else
		log "oneshowback calculate failed; retried in ${PERIODIC_INTERVAL}s"
	fi
}

main() {
	trap 'exit 0' TERM INT
	while :; do
		clean_ssh_socks
		run_showback
		sleep "$PERIODIC_INTERVAL" &
		wait $! || true
	done
}

main "$@"
