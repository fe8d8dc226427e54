#!/usr/bin/env bash
# The programs supervisord runs, run for real: the health check against an
# XML-RPC server (Python's), the service wait, supervisord itself with a
# service logging through a /dev/stdout link as another user, the syslog
# relay, ssh-agent, sshd, the periodic jobs, the serveradmin repair, and the
# image build's checks on a fake tree.
set -Eeuo pipefail
# shellcheck source=image/tests/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
export PATH="$HOME/.cache/onechart-tools/bin:$PATH"

# usage: free_port   (a TCP port nobody listens on, probably)
free_port() {
	python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

# usage: wait_for CMD...   (retry CMD for up to 10 s)
wait_for() {
	local i
	for ((i = 0; i < 100; i++)); do
		"$@" 2>/dev/null && return 0
		sleep 0.1
	done
	fail "timed out waiting for: $*"
}

# usage: start_oned_stub PASSWORD   (an XML-RPC server answering one.system.version
# like oned: success for oneadmin:PASSWORD, a refusal otherwise; sets ONE_XMLRPC)
start_oned_stub() {
	local port
	port=$(free_port)
	cat >"$T_TMP/oned.py" <<-'EOF'
		import sys
		from xmlrpc.server import SimpleXMLRPCServer
		port, password, log = int(sys.argv[1]), sys.argv[2], sys.argv[3]
		server = SimpleXMLRPCServer(("127.0.0.1", port), logRequests=False)
		def version(session):
		    with open(log, "a") as f:
		        f.write(repr(session) + "\n")
		    if session == "oneadmin:" + password:
		        return [True, "7.2.0", 0]
		    return [False, "[one.system.version] User couldn't be authenticated, aborting call.", 256]
		server.register_function(version, "one.system.version")
		server.serve_forever()
	EOF
	python3 "$T_TMP/oned.py" "$port" "$1" "$T_TMP/oned.calls" &
	STUB_PIDS+=($!)
	export ONE_XMLRPC=http://127.0.0.1:$port/RPC2
	wait_for curl -s -o /dev/null "$ONE_XMLRPC"
}

STUB_PIDS=()
stop_stubs() {
	local pid
	for pid in "${STUB_PIDS[@]}"; do
		kill "$pid" 2>/dev/null || true
	done
}

test_healthcheck_oned() {
	trap stop_stubs EXIT
	# shellcheck disable=SC2016
	local pw='p&<w>"x'\''y $(id) ]]>'
	start_oned_stub "$pw"
	export ONE_AUTH=$T_TMP/one_auth
	printf 'oneadmin:%s\n' "$pw" >"$ONE_AUTH"
	# curl's command line is recorded: the session must not be on it.
	mkdir -p "$T_TMP/bin"
	printf '#!/bin/sh\nprintf "%%s\\n" "$*" >>"%s/curl.argv"\nexec %s "$@"\n' "$T_TMP" "$(command -v curl)" >"$T_TMP/bin/curl"
	chmod +x "$T_TMP/bin/curl"
	PATH="$T_TMP/bin:$PATH" bash "$IMAGE_DIR/healthcheck.sh" oned
	assert_eq "$(tail -n1 "$T_TMP/oned.calls")" "$(python3 -c 'import sys; print(repr("oneadmin:" + sys.argv[1]))' "$pw")" \
		"session oned received"
	! grep -qF 'oneadmin:' "$T_TMP/curl.argv" || fail "credentials on curl's command line"
	# oned answers but refuses: alive (no restart loop), and said so.
	printf 'oneadmin:wrong\n' >"$ONE_AUTH"
	bash "$IMAGE_DIR/healthcheck.sh" oned 2>"$T_TMP/err"
	grep -q 'refuses the credentials' "$T_TMP/err" || fail "refusal not reported"
	! grep -q wrong "$T_TMP/err" || fail "password in the message"
	# oned down: unhealthy.
	stop_stubs
	# shellcheck disable=SC2016 # expanded by the inner bash
	wait_for bash -c '! curl -s -o /dev/null "$ONE_XMLRPC"'
	assert_fails_with 'oned does not answer' bash "$IMAGE_DIR/healthcheck.sh" oned
	assert_fails_with 'usage: onechart-healthcheck' bash "$IMAGE_DIR/healthcheck.sh" bogus
}

test_healthcheck_fireedge() {
	trap stop_stubs EXIT
	local port
	port=$(free_port)
	mkdir -p "$T_TMP/www/fireedge"
	echo sunstone >"$T_TMP/www/fireedge/sunstone"
	python3 -m http.server -b 127.0.0.1 -d "$T_TMP/www" "$port" >/dev/null 2>&1 &
	STUB_PIDS+=($!)
	export FIREEDGE_URL=http://127.0.0.1:$port/fireedge/sunstone ONE_XMLRPC=http://127.0.0.1:1/RPC2
	wait_for curl -fs -o /dev/null "$FIREEDGE_URL"
	bash "$IMAGE_DIR/healthcheck.sh" fireedge
	# No argument: both, and oned is down here.
	assert_fails_with 'oned does not answer' bash "$IMAGE_DIR/healthcheck.sh"
	FIREEDGE_URL=http://127.0.0.1:$port/fireedge/missing
	assert_fails_with 'FireEdge at' bash "$IMAGE_DIR/healthcheck.sh" fireedge
}

# usage: stub_healthcheck   (oned "answers" once $T_TMP/up exists)
stub_healthcheck() {
	# shellcheck disable=SC2016 # $1 is the stub's own argument
	printf '#!/bin/sh\n[ "$1" = oned ] && [ -e "%s/up" ]\n' "$T_TMP" >"$T_TMP/healthcheck"
	chmod 0755 "$T_TMP/healthcheck"
	export ONECHART_HEALTHCHECK=$T_TMP/healthcheck
}

test_wait_oned() {
	stub_healthcheck
	WAIT_INTERVAL=0.1 bash "$IMAGE_DIR/wait-oned.sh" "$T_TMP/auth" -- sh -c "echo started >'$T_TMP/out'" 2>/dev/null &
	local pid=$!
	sleep 0.5
	[[ ! -e $T_TMP/out ]] || fail "started before oned answered"
	touch "$T_TMP/up"
	sleep 0.5
	[[ ! -e $T_TMP/out ]] || fail "started before the auth file existed"
	echo serveradmin:x >"$T_TMP/auth"
	wait "$pid"
	assert_eq "$(<"$T_TMP/out")" started "service started"
}

# usage: run_supervisord CONF SECONDS   (supervisord in the foreground; output in $T_TMP/sup.out)
# Its stdout is a pipe, as in a container (a file would be reopened at offset 0).
run_supervisord() {
	{ timeout --signal=TERM "$2" supervisord -n -c "$1" 2>&1 || true; } | cat >"$T_TMP/sup.out"
}

test_service_logs_reach_stdout() {
	t_need supervisord ruby
	# As the image: supervisord as root, the service as another user, its log
	# file a link to /dev/stdout (setup_logs), run through --own-stdout.
	load_entrypoint
	chmod 0755 "$T_TMP"
	setup_dirs
	setup_logs
	chmod -R a+rwX "$T_TMP/log" "$T_TMP/var"
	stub_healthcheck
	touch "$T_TMP/up"
	echo serveradmin:x >"$T_TMP/var/auth"
	local logger_rb='require "logger"; l = Logger.new(ARGV[0]); l.info("hook manager says hello"); sleep 60'
	cat >"$T_TMP/sup.conf" <<-EOF
		[supervisord]
		nodaemon=true
		user=root
		logfile=/dev/null
		logfile_maxbytes=0
		pidfile=$T_TMP/sup.pid
		[unix_http_server]
		file=$T_TMP/sup.sock
		[program:own]
		command=$IMAGE_DIR/wait-oned.sh --own-stdout $T_TMP/var/auth -- ruby -e '$logger_rb' $T_TMP/log/onehem.log
		environment=ONECHART_HEALTHCHECK="$T_TMP/healthcheck"
		user=nobody
		startsecs=0
		stdout_logfile=/dev/fd/1
		stdout_logfile_maxbytes=0
		redirect_stderr=true
		[program:plain]
		command=ruby -e '$logger_rb' $T_TMP/log/fireedge.log
		user=nobody
		startsecs=0
		autorestart=false
		stdout_logfile=/dev/fd/1
		stdout_logfile_maxbytes=0
		redirect_stderr=true
	EOF
	run_supervisord "$T_TMP/sup.conf" 5
	grep -q 'INFO -- : hook manager says hello' "$T_TMP/sup.out" ||
		fail "the log line did not reach supervisord's output: $(cat "$T_TMP/sup.out")"
	# Why --own-stdout: without it the pipe supervisord made as root refuses the reopen.
	grep -q 'Permission denied.*fireedge.log\|fireedge.log.*Permission denied' "$T_TMP/sup.out" ||
		fail "the control service could open /dev/stdout: $(cat "$T_TMP/sup.out")"
}

test_syslog_relay() {
	t_need ruby logger
	ruby "$IMAGE_DIR/syslog-relay.rb" "$T_TMP/log.sock" >"$T_TMP/relay.out" &
	BG_PID=$!
	trap 'kill "$BG_PID" 2>/dev/null || true' EXIT
	local pid=$BG_PID
	wait_for test -S "$T_TMP/log.sock"
	assert_mode "$T_TMP/log.sock" 666
	# A datagram as glibc's syslog(3) writes it (misc/syslog.c: "<PRI>%h %e %T TAG[PID]: "),
	# then util-linux logger's RFC 3164, which adds the host name.
	python3 -c 'import socket, sys; socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM).sendto(sys.argv[2].encode(), sys.argv[1])' \
		"$T_TMP/log.sock" '<27>Nov  7 16:00:00 one_monitor[42]: [Z0][MON][E]: monitor says hello'
	logger --rfc3164 -u "$T_TMP/log.sock" -t oneflow -p user.info 'Starting server: yes'
	wait_for grep -q 'Starting server' "$T_TMP/relay.out"
	kill -TERM "$pid"
	wait "$pid" || fail "relay exit status $?"
	grep -qxF 'one_monitor[42]: [Z0][MON][E]: monitor says hello <err>' "$T_TMP/relay.out" ||
		fail "relay output: $(cat "$T_TMP/relay.out")"
	grep -qxF 'oneflow: Starting server: yes <info>' "$T_TMP/relay.out" || fail "relay output: $(cat "$T_TMP/relay.out")"
	[[ ! -e $T_TMP/log.sock ]] || fail "socket left after stop"
}

test_ssh_agent() {
	t_need ssh-agent ssh-add ssh-keygen
	export HOME=$T_TMP/home SSH_AUTH_SOCK=$T_TMP/agent.sock
	mkdir -p "$HOME/.ssh"
	ssh-keygen -q -t ed25519 -N '' -C oneadmin-key -f "$HOME/.ssh/id_ed25519"
	# ssh-add without arguments reads the passwd entry's home (oneadmin's is
	# /var/lib/one in the image); here the key is named.
	bash "$IMAGE_DIR/ssh-agent.sh" "$HOME/.ssh/id_ed25519" 2>"$T_TMP/agent.log" &
	BG_PID=$!
	trap 'kill "$BG_PID" 2>/dev/null || true' EXIT
	local pid=$BG_PID
	wait_for grep -q 'agent on' "$T_TMP/agent.log"
	! grep -q 'ssh-add failed' "$T_TMP/agent.log" || fail "$(cat "$T_TMP/agent.log")"
	ssh-add -l >"$T_TMP/keys"
	grep -q "$(ssh-keygen -l -f "$HOME/.ssh/id_ed25519.pub" | awk '{print $2}')" "$T_TMP/keys" ||
		fail "oneadmin's key not in the agent: $(cat "$T_TMP/keys")"
	kill -TERM "$pid"
	wait "$pid" || fail "agent wrapper exit status $?"
	[[ ! -e $SSH_AUTH_SOCK ]] || fail "socket left after stop"
}

test_sshd_serves_keys_only() {
	t_need sshd ssh ssh-keyscan ssh-keygen
	load_entrypoint
	setup_dirs
	setup_ssh_host_keys 2>/dev/null
	SSHD_PORT=$(free_port)
	write_sshd_config
	/usr/sbin/sshd -D -e -f "$ONECHART_RUN/sshd_config" 2>"$T_TMP/sshd.log" &
	BG_PID=$!
	trap 'kill "$BG_PID" 2>/dev/null || true' EXIT
	wait_for ssh-keyscan -p "$SSHD_PORT" -t ed25519 127.0.0.1
	# The host key hosts record is the one kept on the volume.
	assert_eq "$(ssh-keyscan -p "$SSHD_PORT" -t ed25519 127.0.0.1 2>/dev/null | awk '{print $3}')" \
		"$(awk '{print $2}' "$ONE_VAR/.onechart/ssh-host-keys/ssh_host_ed25519_key.pub")" "served host key"
	# Neither passwords nor keyboard-interactive are offered, to anyone.
	local user out
	for user in oneadmin root; do
		out=$(ssh -p "$SSHD_PORT" -o BatchMode=yes -o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null \
			-o PreferredAuthentications=password,keyboard-interactive -o PubkeyAuthentication=no \
			"$user@127.0.0.1" true 2>&1) && fail "login as $user without a key"
		[[ $out == *"Permission denied (publickey)"* ]] || fail "$user: $out"
	done
}

test_periodic() {
	mkdir -p "$T_TMP/bin" "$T_TMP/socks"
	printf '#!/bin/sh\necho cleaned >>"%s/cleaner.log"\n' "$T_TMP" >"$T_TMP/bin/cleaner"
	printf '#!/bin/sh\necho "$*" >>"%s/showback.log"\n' "$T_TMP" >"$T_TMP/bin/oneshowback"
	chmod +x "$T_TMP/bin/cleaner" "$T_TMP/bin/oneshowback"
	stub_healthcheck
	touch "$T_TMP/up"
	export PATH="$T_TMP/bin:$PATH" SOCKS_DIR=$T_TMP/socks SOCKS_CLEANER=$T_TMP/bin/cleaner \
		SHOWBACK_STAMP=$T_TMP/showback-last PERIODIC_INTERVAL=0.2
	# A day missed while the pod was down: the calculation runs at the start.
	echo $(($(date +%s) - 90000)) >"$SHOWBACK_STAMP"
	bash "$IMAGE_DIR/periodic.sh" 2>/dev/null &
	local pid=$!
	sleep 1
	[[ ! -e $T_TMP/cleaner.log ]] || fail "cleaner ran on an empty socket directory"
	touch "$T_TMP/socks/ctl-M-x.sock"
	wait_for test -s "$T_TMP/cleaner.log"
	kill -TERM "$pid"
	wait "$pid" || fail "periodic exit status $?"
	assert_eq "$(<"$T_TMP/showback.log")" calculate "showback runs, once"
	(($(date +%s) - $(<"$SHOWBACK_STAMP") < 60)) || fail "showback stamp not updated"
	# Restarted within the day: no second calculation.
	bash "$IMAGE_DIR/periodic.sh" 2>/dev/null &
	pid=$!
	sleep 0.6
	kill -TERM "$pid"
	wait "$pid"
	assert_eq "$(grep -c . "$T_TMP/showback.log")" 1 "showback runs within a day"
}

# usage: stub_oneuser DRIVER   (oneuser: show -x gives DRIVER; passwd records what it gets)
# show -x prints what the real 7.2 CLI printed for serveradmin (abridged): one
# element a line, string values in CDATA (one_util::escape_xml).
stub_oneuser() {
	mkdir -p "$T_TMP/bin"
	cat >"$T_TMP/bin/oneuser" <<-EOF
		#!/usr/bin/env bash
		set -eu
		printf '%s\n' "\$*" >>"$T_TMP/oneuser.argv"
		case \$1 in
		show)
			printf '%s\n' '<USER>' '  <ID>1</ID>' '  <GID>0</GID>' '  <GNAME>oneadmin</GNAME>' \\
				'  <NAME>serveradmin</NAME>' '  <PASSWORD><![CDATA[0123abcd]]></PASSWORD>' \\
				'  <AUTH_DRIVER><![CDATA[$1]]></AUTH_DRIVER>' '  <ENABLED>1</ENABLED>' '</USER>'
			;;
		passwd)
			[[ \$2 == serveradmin && \$4 == --read-file && \$5 == --sha256 ]] || exit 3
			# what oneuser_helper.rb password_to_str sends with --read-file --sha256
			head -n1 "\$3" | tr -d '\n' | sha256sum | cut -d' ' -f1 >"$T_TMP/oned-password"
			;;
		esac
	EOF
	chmod +x "$T_TMP/bin/oneuser"
	export PATH="$T_TMP/bin:$PATH"
}

test_serveradmin_regenerated() {
	stub_healthcheck
	touch "$T_TMP/up"
	stub_oneuser server_cipher
	export ONE_VAR=$T_TMP/var
	mkdir -p "$ONE_VAR/.one"
	# No flag: nothing to do, oneuser not called.
	bash "$IMAGE_DIR/serveradmin.sh" "$T_TMP/flag"
	[[ ! -e $T_TMP/oneuser.argv ]] || fail "oneuser called without the flag"
	printf '%s\n' oneflow_auth onegate_auth sunstone_auth >"$T_TMP/flag"
	bash "$IMAGE_DIR/serveradmin.sh" "$T_TMP/flag" 2>"$T_TMP/out.log"
	local f secret
	secret=$(cut -d: -f2 "$ONE_VAR/.one/sunstone_auth")
	[[ $secret =~ ^[0-9a-f]{64}$ ]] || fail "secret format: $secret"
	for f in oneflow_auth onegate_auth sunstone_auth; do
		assert_eq "$(<"$ONE_VAR/.one/$f")" "serveradmin:$secret" "$f"
		assert_mode "$ONE_VAR/.one/$f" 600
	done
	# oned got sha256(secret), as UserPool.cc stores it for the bootstrap's files.
	assert_eq "$(<"$T_TMP/oned-password")" "$(printf '%s' "$secret" | sha256sum | cut -d' ' -f1)" "password set in oned"
	! grep -qF "$secret" "$T_TMP/oneuser.argv" || fail "secret on oneuser's command line"
	! grep -qF "$secret" "$T_TMP/out.log" || fail "secret in the log"
	[[ ! -e $T_TMP/flag ]] || fail "flag left"
	[[ -z $(compgen -G "$ONE_VAR/.one/.serveradmin.*") ]] || fail "secret file left"
}

test_serveradmin_wrong_driver() {
	stub_healthcheck
	touch "$T_TMP/up"
	stub_oneuser core
	export ONE_VAR=$T_TMP/var
	mkdir -p "$ONE_VAR/.one"
	echo sunstone_auth >"$T_TMP/flag"
	assert_fails_with "auth driver 'core', not server_cipher" bash "$IMAGE_DIR/serveradmin.sh" "$T_TMP/flag"
	grep -q passwd "$T_TMP/oneuser.argv" && fail "password changed for a user that is not oned's serveradmin"
	[[ ! -e $ONE_VAR/.one/sunstone_auth ]] || fail "file written"
}

# usage: exporter_stubs DIR   (the libraries the exporter's script requires
# besides Sinatra, as Rack middlewares passing requests on; the stub
# Prometheus exporter answers /metrics: OpenNebula's collectors need oned)
exporter_stubs() {
	mkdir -p "$1/prometheus/middleware"
	cat >"$1/prometheus/middleware/exporter.rb" <<-'EOF'
		module Prometheus
		  module Middleware
		    class Exporter
		      def initialize(app, _options = {})
		        @app = app
		      end

		      def call(env)
		        return [200, { 'Content-Type' => 'text/plain' }, ["stub_metric 1\n"]] if env['PATH_INFO'] == '/metrics'

		        @app.call(env)
		      end
		    end
		  end
		end
	EOF
	printf 'module Prometheus\n  module Middleware\n  end\nend\n' >"$1/prometheus/middleware/collector.rb"
	sed 's/class Exporter/class OpenNebulaCollector/; /PATH_INFO/d' \
		"$1/prometheus/middleware/exporter.rb" >"$1/opennebula_collector.rb"
}

# A script with the layout of OpenNebula's exporter script of each release
# (this project's stand-in, fixtures/opennebula-VERSION/opennebula_exporter.rb:
# its requires, its collector beside it, `set :bind` as the release's), run
# by onechart-exporter under Sinatra, in a network namespace of its own (its
# port is fixed: 9925): where it listens with and without
# ONECHART_EXPORTER_BIND, its pages, its stop.
test_exporter_serves() {
	t_need unshare ip ss || return 1
	ruby -e 'require "sinatra/base"' 2>/dev/null || fail "Sinatra not installed (Debian ruby-sinatra: .ci/install-tools)"
	exporter_stubs "$T_TMP/lib"
	# As installed: the collector in the script's folder, found through the
	# script's File.dirname(__FILE__) under onechart-exporter.
	mkdir -p "$T_TMP/exporter"
	mv "$T_TMP/lib/opennebula_collector.rb" "$T_TMP/exporter/"
	cat >"$T_TMP/serve.sh" <<-'EOF'
		# usage: serve.sh SCRIPT BIND URL   (in a new network namespace)
		set -Eeuo pipefail
		ip link set lo up
		ONECHART_EXPORTER_BIND=$2 ruby "$LAUNCHER" "$1" >"$LOG" 2>&1 &
		pid=$!
		for ((i = 0; i < 100; i++)); do
			listen=$(ss -ltnH 'sport = :9925' | awk '{ print $4 }')
			[[ -z $listen ]] || break
			sleep 0.1
		done
		echo "listen=$listen"
		echo "root=$(curl -fsS "$3/" | grep -o '<h1>OpenNebula Exporter</h1>')"
		echo "metrics=$(curl -fsS "$3/metrics")"
		SECONDS=0
		kill -TERM "$pid"
		rc=0
		wait "$pid" || rc=$?
		echo "stopped=$rc"
		echo "$SECONDS" >"$LOG.seconds"
	EOF
	local v script want url
	for v in "${VERSIONS[@]}"; do
		script=$T_TMP/exporter/opennebula_exporter.rb
		cp "$FIXTURES_DIR/opennebula-$v/opennebula_exporter.rb" "$script"
		# As the image: supervisord's environment for [program:exporter].
		LAUNCHER=$IMAGE_DIR/exporter.rb LOG=$T_TMP/exporter.log RUBYLIB=$T_TMP/lib APP_ENV=production \
			unshare --net bash "$T_TMP/serve.sh" "$script" 0.0.0.0 http://127.0.0.1:9925 >"$T_TMP/out" ||
			fail "$v: $(cat "$T_TMP/out" "$T_TMP/exporter.log")"
		assert_lines "$(<"$T_TMP/out")" listen=0.0.0.0:9925 'root=<h1>OpenNebula Exporter</h1>' \
			'metrics=stub_metric 1' stopped=0
		# Within supervisord.conf's stopwaitsecs=10 for [program:exporter].
		(($(<"$T_TMP/exporter.log.seconds") < 10)) || fail "$v: stopped in $(<"$T_TMP/exporter.log.seconds")s"
		# Without an address: the release's own (7.0 0.0.0.0, 7.2 and 7.4 ::).
		want='[::]:9925' url='http://[::1]:9925'
		[[ $v != 7.0.0 ]] || want=0.0.0.0:9925 url=http://127.0.0.1:9925
		LAUNCHER=$IMAGE_DIR/exporter.rb LOG=$T_TMP/exporter.log RUBYLIB=$T_TMP/lib APP_ENV=production \
			unshare --net bash "$T_TMP/serve.sh" "$script" "" "$url" >"$T_TMP/out" ||
			fail "$v: $(cat "$T_TMP/out" "$T_TMP/exporter.log")"
		assert_lines "$(<"$T_TMP/out")" "listen=$want" 'root=<h1>OpenNebula Exporter</h1>' \
			'metrics=stub_metric 1' stopped=0
	done
}

# usage: shim_state UNIT   (what the exporter reads: opennebula_server_collector.rb's call)
shim_state() {
	bash "$IMAGE_DIR/systemctl.sh" show --value -p ActiveState "$1"
}

# usage: fake_process PID ARG...   (a $PROC/PID/cmdline as the kernel writes it)
fake_process() {
	mkdir -p "$PROC/$1"
	printf '%s\0' "${@:2}" >"$PROC/$1/cmdline"
}

test_systemctl_shim() {
	t_need gcc
	export PROC=$T_TMP/proc
	fake_process 1 /usr/bin/supervisord -n -c /etc/supervisor/onechart.conf
	fake_process 20 /usr/bin/oned -f
	fake_process 31 /usr/bin/ruby /usr/lib/one/onegate/onegate-server.rb
	fake_process 32 /usr/bin/node /usr/lib/one/fireedge/dist/index.js
	# Still waiting for oned: not started.
	fake_process 33 bash /usr/local/lib/onechart/onechart-wait-oned /var/lib/one/.one/oneflow_auth -- \
		/usr/bin/ruby /usr/lib/one/oneflow/oneflow-server.rb
	mkdir -p "$PROC/34" # a process that ended: no cmdline to read
	local unit got=()
	for unit in opennebula.service opennebula-scheduler.service opennebula-flow.service \
		opennebula-hem.service opennebula-gate.service opennebula-fireedge.service; do
		got+=("$unit $(shim_state "$unit")")
	done
	assert_lines "$(printf '%s\n' "${got[@]}")" "opennebula.service active" \
		"opennebula-scheduler.service inactive" "opennebula-flow.service inactive" \
		"opennebula-hem.service inactive" "opennebula-gate.service active" \
		"opennebula-fireedge.service active"
	# Nothing else is answered.
	assert_fails_with "only 'show --value -p ActiveState UNIT' is answered" \
		bash "$IMAGE_DIR/systemctl.sh" is-active opennebula.service
	assert_fails_with "only 'show --value -p ActiveState UNIT' is answered" \
		bash "$IMAGE_DIR/systemctl.sh" show -p ActiveState opennebula.service
	# The real /proc: a process started as "/usr/bin/oned -f", then gone.
	export PROC=/proc
	printf '#include <unistd.h>\nint main(void) { pause(); return 0; }\n' >"$T_TMP/pause.c"
	gcc -o "$T_TMP/pause" "$T_TMP/pause.c"
	(exec -a /usr/bin/oned "$T_TMP/pause" -f) &
	local pid=$!
	wait_for grep -q . "/proc/$pid/cmdline"
	assert_eq "$(shim_state opennebula.service)" active "a running oned"
	kill "$pid"
	wait "$pid" || true
	assert_eq "$(shim_state opennebula.service)" inactive "oned gone"
	# Each command is the one supervisord runs (after onechart-wait-oned's --).
	local command
	while IFS= read -r command; do
		grep -qxE "command=(.* -- )?$command" "$IMAGE_DIR/supervisord.conf" ||
			fail "supervisord.conf runs no '$command'"
	done < <(sed -nE 's/^\t\[opennebula[a-z-]*\.service\]="(.*)"$/\1/p' "$IMAGE_DIR/systemctl.sh")
	assert_eq "$(grep -cE '^\s\[opennebula[a-z-]*\.service\]=' "$IMAGE_DIR/systemctl.sh")" 5 "units in the shim"
}

# usage: fake_root VERSION   (the paths build-check.sh wants, the migrators
# opennebula-migration ships for VERSION, a guacd and oned)
fake_root() {
	local root=$T_TMP/root path prev
	for path in /usr/bin/oned /usr/bin/onedb /usr/bin/oneuser /usr/bin/oneshowback \
		/usr/lib/one/fireedge/dist/index.js /usr/lib/one/oneflow/oneflow-server.rb \
		/usr/lib/one/onegate/onegate-server.rb /usr/lib/one/onehem/onehem-server.rb \
		/usr/lib/one/sh/ssh-socks-cleaner /usr/share/one/ssh/config \
		/usr/bin/mariadb /usr/bin/mariadb-dump /usr/bin/setpriv \
		/usr/sbin/sshd /usr/bin/ssh-agent /usr/bin/ssh-add /usr/bin/ssh-keygen \
		/etc/one/oned.conf /etc/one/monitord.conf /etc/one/oneflow-server.conf \
		/etc/one/onegate-server.conf /etc/one/fireedge-server.conf; do
		mkdir -p "$root$(dirname "$path")"
		touch "$root$path"
	done
	fake_oned "$1" "$root/usr/bin/oned"
	mkdir -p "$root/usr/lib/one/ruby/onedb/shared" "$root/usr/lib/one/ruby/onedb/local"
	printf "class OneDBBacKEnd\n    LATEST_DB_VERSION = '%s'\n    LATEST_LOCAL_DB_VERSION = '%s'\nend\n" "$1" "$1" \
		>"$root/usr/lib/one/ruby/onedb/database_schema.rb"
	# Names as in src/onedb/{shared,local} at each release tag; the CE package ships .rbm.
	case $1 in 7.0.0) prev=6.10.0 ;; 7.2.0) prev=7.0.0 ;; 7.4.0) prev=7.2.0 ;; esac
	touch "$root/usr/lib/one/ruby/onedb/shared/6.8.0_to_6.10.0.rbm" "$root/usr/lib/one/ruby/onedb/shared/${prev}_to_$1.rbm" \
		"$root/usr/lib/one/ruby/onedb/local/${prev}_to_$1.rbm"
	# guacd: a real binary needing a library found only through LD_LIBRARY_PATH.
	mkdir -p "$root/usr/share/one/guacd/sbin" "$root/usr/share/one/guacd/lib"
	printf 'int guac_version(void) { return 1; }\n' >"$T_TMP/guac.c"
	gcc -shared -fPIC -o "$root/usr/share/one/guacd/lib/libguac.so.20" -Wl,-soname,libguac.so.20 "$T_TMP/guac.c"
	ln -s libguac.so.20 "$root/usr/share/one/guacd/lib/libguac.so"
	printf '#include <stdio.h>\nint guac_version(void);\nint main(void) { printf("Guacamole proxy daemon (guacd) version 1.5.%%d\\n", guac_version()); return 0; }\n' \
		>"$T_TMP/guacd.c"
	gcc -o "$root/usr/share/one/guacd/sbin/guacd" "$T_TMP/guacd.c" -L"$root/usr/share/one/guacd/lib" -lguac
	# The exporter: this project's stand-in for the release's script (its
	# require and `set :bind` lines as OpenNebula's, fixtures/README.md);
	# collectors and libraries as stubs requiring what OpenNebula's do
	# (opennebula_collector.rb, *_collector.rb).
	local exporter=$root/usr/lib/one/opennebula_exporter ruby=$root/usr/lib/one/ruby
	mkdir -p "$exporter" "$ruby"
	cp "$FIXTURES_DIR/opennebula-$1/opennebula_exporter.rb" "$exporter/"
	exporter_stubs "$ruby"
	mv "$ruby/opennebula_collector.rb" "$exporter/"
	printf "require 'opennebula'\nrequire 'prometheus/client'\nrequire_relative 'opennebula_server_collector'\n" \
		>>"$exporter/opennebula_collector.rb"
	printf "require 'socket'\n" >"$exporter/opennebula_server_collector.rb"
	printf 'module OpenNebula\nend\n' >"$ruby/opennebula.rb"
	printf 'module Prometheus\n  module Client\n  end\nend\n' >"$ruby/prometheus/client.rb"
	export ROOT=$root ONECHART_ENTRYPOINT=$IMAGE_DIR/entrypoint.sh SSHD=/usr/sbin/sshd \
		ONECHART_EXPORTER=$IMAGE_DIR/exporter.rb
}

test_build_check_ok() {
	t_need gcc ldd sshd ssh-keygen
	local v want
	for v in "${VERSIONS[@]}"; do
		rm -rf "$T_TMP/root"
		fake_root "$v"
		bash "$IMAGE_DIR/build-check.sh" >"$T_TMP/out" 2>&1 || fail "$v: $(cat "$T_TMP/out")"
		# The list oned's bootstrap uses (UserPool.cc), read from the binary.
		assert_eq "$(<"$ROOT/usr/share/one/onechart-serveradmin-files")" \
			"$(serveradmin_names "$v")" "$v serveradmin files"
		grep -q "guacd: Guacamole proxy daemon" "$T_TMP/out" || fail "$v: guacd -v not run"
		grep -q "sshd -t accepts" "$T_TMP/out" || fail "$v: sshd -t not run"
		want="set :bind, '::'"
		[[ $v != 7.0.0 ]] || want="set :bind, '0.0.0.0'"
		grep -qF "exporter: /usr/lib/one/opennebula_exporter/opennebula_exporter.rb: $want (0.0.0.0 without IPv6); 2 collector files; libraries load: rubygems sinatra prometheus/middleware/exporter prometheus/middleware/collector opennebula prometheus/client socket" "$T_TMP/out" ||
			fail "$v: exporter not checked: $(cat "$T_TMP/out")"
	done
}

test_build_check_failures() {
	t_need gcc ldd sshd ssh-keygen
	fake_root 7.2.0
	local onedb=$ROOT/usr/lib/one/ruby/onedb
	# No opennebula-migration: no migrator into 7.2.0.
	rm "$onedb/local/7.0.0_to_7.2.0.rbm"
	assert_fails_with '0 migrators into 7.2.0 in /usr/lib/one/ruby/onedb/local' bash "$IMAGE_DIR/build-check.sh"
	# A migrator that does not come from an earlier minor.
	touch "$onedb/local/7.2.0_to_7.2.0.rb"
	assert_fails_with 'starts at 7.2.0, not at an earlier minor' bash "$IMAGE_DIR/build-check.sh"
	rm "$onedb/local/7.2.0_to_7.2.0.rb"
	touch "$onedb/local/7.0.0_to_7.2.0.rb"
	# guacd's library missing: ldd says "not found", the build fails.
	rm "$ROOT/usr/share/one/guacd/lib/libguac.so.20"
	assert_fails_with 'libguac.so.20 => not found' bash "$IMAGE_DIR/build-check.sh"
	# The exporter: a library that does not load, a collector file missing,
	# no bind line to edit.
	local exporter=$ROOT/usr/lib/one/opennebula_exporter
	mv "$ROOT/usr/lib/one/ruby/prometheus/client.rb" "$T_TMP/client.rb"
	assert_fails_with 'the Prometheus exporter: onechart-exporter: /usr/lib/one/opennebula_exporter/opennebula_exporter.rb: cannot load such file -- prometheus/client' \
		bash "$IMAGE_DIR/build-check.sh"
	mv "$T_TMP/client.rb" "$ROOT/usr/lib/one/ruby/prometheus/client.rb"
	mv "$exporter/opennebula_server_collector.rb" "$T_TMP/"
	assert_fails_with 'requires opennebula_server_collector, which is not in /usr/lib/one/opennebula_exporter' \
		bash "$IMAGE_DIR/build-check.sh"
	mv "$T_TMP/opennebula_server_collector.rb" "$exporter/"
	sed -i '/^set :bind/d' "$exporter/opennebula_exporter.rb"
	assert_fails_with "opennebula_exporter.rb has 0 'set :bind, ...' lines, not 1" bash "$IMAGE_DIR/build-check.sh"
	rm "$exporter/opennebula_exporter.rb"
	assert_fails_with "missing /usr/lib/one/opennebula_exporter/opennebula_exporter.rb" bash "$IMAGE_DIR/build-check.sh"
	# An oned without the serveradmin names; a missing path.
	printf 'nothing' >"$ROOT/usr/bin/oned"
	rm "$ROOT/usr/sbin/sshd"
	local out
	out=$(bash "$IMAGE_DIR/build-check.sh" 2>&1) && fail "build-check passed: $out"
	[[ $out == *"no serveradmin file names"* && $out == *"missing /usr/sbin/sshd"* ]] || fail "$out"
}

main() {
	t_need python3 curl || {
		t_summary services
		return
	}
	t_run "healthcheck oned: authenticated, escaped, not in argv" test_healthcheck_oned
	t_run "healthcheck fireedge, and both" test_healthcheck_fireedge
	t_run "wait-oned: waits for oned and the auth file" test_wait_oned
	t_run "supervisord: a service's log file reaches stdout" test_service_logs_reach_stdout
	t_run "syslog relay: monitord/OneFlow lines on stdout" test_syslog_relay
	t_run "ssh-agent: oneadmin's key loaded" test_ssh_agent
	t_run "sshd: volume's host key, no password or keyboard-interactive" test_sshd_serves_keys_only
	t_run "periodic: socks cleaner and daily showback" test_periodic
	t_run "serveradmin: new password through oned, files written" test_serveradmin_regenerated
	t_run "serveradmin: another driver is not touched" test_serveradmin_wrong_driver
	t_run "exporter: 7.0/7.2/7.4 script layouts served on 9925, IPv4 with the address" test_exporter_serves
	t_run "systemctl for the exporter: units from the processes" test_systemctl_shim
	t_run "build-check: 7.0/7.2/7.4 trees pass, list derived" test_build_check_ok
	t_run "build-check: migrator, ldd, oned, paths fail the build" test_build_check_failures
	t_summary services
}

main "$@"
