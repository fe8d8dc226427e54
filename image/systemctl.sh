#!/usr/bin/env bash
# systemctl for OpenNebula's Prometheus exporter, first on its PATH
# (supervisord.conf, [program:exporter]). No systemd runs in the container:
# the real systemctl answers nothing on stdout and two error lines on
# stderr, which the exporter would log for every unit on every scrape.
#
# The exporter's opennebula_server_collector.rb (release-7.0.0 to
# release-7.4.0) runs `systemctl show --value -p ActiveState UNIT` for its
# opennebula_*_state metrics and counts "active" as up. This answers exactly
# that: "active" when a process runs the command the unit would run (the
# same command supervisord runs; a service still waiting in
# onechart-wait-oned has not started it yet), else "inactive", as systemd
# answers for a stopped or unknown unit (OpenNebula 7 has no
# opennebula-scheduler.service: the schedulers run under oned). Any other
# use is refused.
set -Eeuo pipefail

: "${PROC:=/proc}"

# The units of opennebula_server_collector.rb and the commands of their
# supervisord programs (argv joined by spaces).
declare -A COMMANDS=(
	[opennebula.service]="/usr/bin/oned -f"
	[opennebula-flow.service]="/usr/bin/ruby /usr/lib/one/oneflow/oneflow-server.rb"
	[opennebula-gate.service]="/usr/bin/ruby /usr/lib/one/onegate/onegate-server.rb"
	[opennebula-hem.service]="/usr/bin/ruby /usr/lib/one/onehem/onehem-server.rb"
	[opennebula-fireedge.service]="/usr/bin/node /usr/lib/one/fireedge/dist/index.js"
)

# usage: running COMMAND   (a process whose argv, joined by spaces, is COMMAND)
running() {
	local file argv
	for file in "$PROC"/[0-9]*/cmdline; do
		mapfile -d '' -t argv 2>/dev/null <"$file" || continue # ended meanwhile
		[[ "${argv[*]}" == "$1" ]] && return 0
	done
	return 1
}

main() {
	if (($# != 5)) || [[ $1 != show || $2 != --value || $3 != -p || $4 != ActiveState ]]; then
		echo "systemctl (onechart): no systemd in this container; only 'show --value -p ActiveState UNIT' is answered" >&2
		return 1
	fi
	if [[ -n ${COMMANDS[$5]:-} ]] && running "${COMMANDS[$5]}"; then
		echo active
	else
		echo inactive
	fi
}

main "$@"
