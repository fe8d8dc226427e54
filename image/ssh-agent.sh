#!/usr/bin/env bash
# oneadmin's ssh-agent with oneadmin's keys loaded, as upstream's
# share/pkgs/services/systemd/opennebula-ssh-agent.service does (ssh-agent -a
# $SSH_AUTH_SOCK, then ssh-add); opennebula.service and opennebula-hem.service
# read SSH_AUTH_SOCK from it, supervisord.conf gives the same socket to oned
# and the HEM. The drivers forward the agent to the hosts (ForwardAgent=yes in
# src/mad/ruby/ssh_stream.rb and src/mad/sh/scripts_common.sh SSH_FWD) for
# live migration and host-to-host copies.
# usage: onechart-ssh-agent [KEY...]   (in the foreground under supervisord, as
# oneadmin; without KEY, ssh-add loads the default keys of the user's home)
set -Eeuo pipefail

: "${SSH_AUTH_SOCK:=/var/run/one/ssh-agent.sock}"
: "${AGENT_WAIT:=10}"
export SSH_AUTH_SOCK

main() {
	local pid i
	rm -f "$SSH_AUTH_SOCK"
	ssh-agent -D -a "$SSH_AUTH_SOCK" >/dev/null &
	pid=$!
	trap 'kill -TERM "$pid" 2>/dev/null || true' TERM INT
	for ((i = 0; i < AGENT_WAIT * 10; i++)); do
		[[ ! -S $SSH_AUTH_SOCK ]] || break
		kill -0 "$pid" 2>/dev/null || {
			echo "onechart-ssh-agent: ssh-agent exited" >&2
			exit 1
		}
		sleep 0.1
	done
	[[ -S $SSH_AUTH_SOCK ]] || {
		echo "onechart-ssh-agent: no socket $SSH_AUTH_SOCK after ${AGENT_WAIT}s" >&2
		exit 1
	}
	# Upstream ignores a failing ssh-add (ExecStartPost=-...): so do we.
	ssh-add "$@" </dev/null || echo "onechart-ssh-agent: ssh-add failed; the agent has no key" >&2
	echo "onechart-ssh-agent: agent on $SSH_AUTH_SOCK" >&2
	local rc=0
	wait "$pid" || rc=$?
	# ssh-agent exits 2 on SIGTERM (upstream: SuccessExitStatus=2).
	rm -f "$SSH_AUTH_SOCK"
	((rc == 0 || rc == 2 || rc == 143)) || exit "$rc"
}

main "$@"
