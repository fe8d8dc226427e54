#!/usr/bin/env bash
# The entrypoint's config edits on the real upstream files of every release
# (upstream/; OneForm's file and the exporter's script: this project's models
# of them, fixtures/): each edited file still parses the way OpenNebula reads
# it, holds the intended values, and nothing else changed.
set -Eeuo pipefail
# shellcheck source=image/tests/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

# Passwords that broke or would break naive sed/quoting (literal on purpose).
# shellcheck disable=SC2016,SC1003
NASTY=(
	'pa"ss'
	'a/b&c\d'
	"it's"
	'$(reboot) `id` ${HOME}'
	'# not a comment'
	'sp ace, comma = [x]'
	'\"'
	'a\"b\\"c'
	'"leading and trailing"'
	'ünïcödé ✓'
	'trailing-backslash\'
	'x]]y'
	$'two\nlines'
	''
)

# usage: set_db_env PASSWORD
set_db_env() {
	export DB_BACKEND=mysql DB_HOST=mariadb.example DB_PORT=3306 DB_NAME=opennebula \
		DB_USER=oneadmin DB_PASSWORD=$1
}

test_upstream_parses() {
	local v f
	for v in "${VERSIONS[@]}"; do
		for f in oned.conf monitord.conf; do
			"${TEMPLATE_CHECK[@]}" check "$UPSTREAM_DIR/opennebula-$v/etc/$f"
		done
		for f in fireedge-server.conf oneflow-server.conf onegate-server.conf; do
			"${YAML_CHECK[@]}" check "$UPSTREAM_DIR/opennebula-$v/etc/$f"
		done
	done
}

test_oned_env() {
	load_entrypoint
	use_upstream "$1"
	# shellcheck disable=SC2016
	set_db_env 'p"a/s&s\w$rd'
	export OPENNEBULA_HOSTNAME=one.example.org ONEGATE_ENDPOINT=http://10.0.0.5:5030
	configure_oned
	assert_lines "$(template_diff oned.conf)" DB/BACKEND DB/DB_NAME DB/PASSWD DB/PORT \
		DB/SERVER DB/TIMEOUT DB/USER HOSTNAME LOG/SYSTEM ONEGATE_ENDPOINT
	# shellcheck disable=SC2016
	"${TEMPLATE_CHECK[@]}" expect "$ONE_ETC/oned.conf" DB/BACKEND mysql \
		DB/SERVER mariadb.example DB/PORT 3306 DB/USER oneadmin \
		DB/PASSWD 'p"a/s&s\w$rd' DB/DB_NAME opennebula HOSTNAME one.example.org \
		ONEGATE_ENDPOINT http://10.0.0.5:5030 LOG/SYSTEM std
	"${TEMPLATE_CHECK[@]}" absent "$ONE_ETC/oned.conf" DB/TIMEOUT
	# Idempotent: a second run (container restarted in place) changes nothing.
	cp "$ONE_ETC/oned.conf" "$T_TMP/once"
	configure_oned
	cmp "$T_TMP/once" "$ONE_ETC/oned.conf"
}

test_oned_hostname_auto() {
	load_entrypoint
	use_upstream "$1"
	set_db_env secret
	export OPENNEBULA_HOSTNAME=auto ONEGATE_ENDPOINT=
	configure_oned
	"${TEMPLATE_CHECK[@]}" absent "$ONE_ETC/oned.conf" HOSTNAME
	"${TEMPLATE_CHECK[@]}" absent "$ONE_ETC/oned.conf" ONEGATE_ENDPOINT
	OPENNEBULA_HOSTNAME=''
	configure_oned
	"${TEMPLATE_CHECK[@]}" absent "$ONE_ETC/oned.conf" HOSTNAME
}

test_nasty_passwords() {
	load_entrypoint
	use_upstream "$1"
	local pw
	for pw in "${NASTY[@]}"; do
		cp "$T_TMP/orig/oned.conf" "$ONE_ETC/oned.conf"
		set_db_env "$pw"
		configure_oned
		"${TEMPLATE_CHECK[@]}" verify "$T_TMP/orig/oned.conf" "$ONE_ETC/oned.conf" \
			DB/BACKEND,DB/DB_NAME,DB/PASSWD,DB/PORT,DB/SERVER,DB/TIMEOUT,DB/USER,LOG/SYSTEM \
			DB/PASSWD "$pw" DB/USER oneadmin DB/SERVER mariadb.example
	done
}

test_unrepresentable_password() {
	load_entrypoint
	use_upstream "$1"
	# OpenNebula has no escape for a backslash: "...\" never ends the string.
	# shellcheck disable=SC1003
	set_db_env 'with space\'
	assert_fails_with 'a value ending in a backslash' configure_oned
	cmp "$T_TMP/orig/oned.conf" "$ONE_ETC/oned.conf"
	set_db_env 'cdata]]>'
	assert_fails_with ']]>' configure_oned
}

test_monitord() {
	load_entrypoint
	use_upstream "$1"
	export OPENNEBULA_MONITOR_ADDRESS=192.0.2.10
	# A procfs file: size 0, content on read (the kernel lists ::1 on lo).
	IPV6_PROBE_FILE=$T_TMP/if_inet6.fifo
	mkfifo "$IPV6_PROBE_FILE"
	assert_eq "$(stat -c %s "$IPV6_PROBE_FILE")" 0 "size of the procfs-like file"
	# shellcheck disable=SC2016 # $1 is the inner shell's argument
	timeout 10 sh -c 'printf "00000000000000000000000000000001 01 80 10 80       lo\n" >"$1"' \
		writer "$IPV6_PROBE_FILE" &
	configure_monitord
	wait "$!" || fail "monitord's configuration did not read the file"
	assert_lines "$(template_diff monitord.conf)" LOG/SYSTEM NETWORK/MONITOR_ADDRESS
	"${TEMPLATE_CHECK[@]}" expect "$ONE_ETC/monitord.conf" NETWORK/MONITOR_ADDRESS 192.0.2.10 \
		NETWORK/ADDRESS '::' LOG/SYSTEM syslog
	# No IPv6: an empty file, then a missing one.
	IPV6_PROBE_FILE=$T_TMP/if_inet6
	: >"$IPV6_PROBE_FILE"
	configure_monitord
	assert_lines "$(template_diff monitord.conf)" LOG/SYSTEM NETWORK/ADDRESS NETWORK/MONITOR_ADDRESS
	"${TEMPLATE_CHECK[@]}" expect "$ONE_ETC/monitord.conf" NETWORK/ADDRESS 0.0.0.0
	cp "$T_TMP/orig/monitord.conf" "$ONE_ETC/monitord.conf"
	rm "$IPV6_PROBE_FILE"
	configure_monitord
	"${TEMPLATE_CHECK[@]}" expect "$ONE_ETC/monitord.conf" NETWORK/ADDRESS 0.0.0.0
}

test_ipv6_procfs() {
	load_entrypoint
	# A real procfs file: stat says 0 bytes, reading gives lines.
	IPV6_PROBE_FILE=/proc/self/mounts
	assert_eq "$(stat -c %s "$IPV6_PROBE_FILE")" 0 "size of a procfs file"
	ipv6_available || fail "content of a size-0 procfs file not seen"
	IPV6_PROBE_FILE=/proc/net/if_inet6
	if [[ -r $IPV6_PROBE_FILE ]] && grep -q . "$IPV6_PROBE_FILE"; then
		ipv6_available || fail "this machine's IPv6 addresses not seen"
	fi
}

test_monitord_auto() {
	load_entrypoint
	use_upstream "$1"
	export OPENNEBULA_MONITOR_ADDRESS=auto
	echo ipv6 >"$IPV6_PROBE_FILE"
	configure_monitord
	# Only the log system changes: monitord logs through syslog.
	assert_lines "$(template_diff monitord.conf)" LOG/SYSTEM
}

test_monitord_port() {
	load_entrypoint
	use_upstream "$1"
	echo ipv6 >"$IPV6_PROBE_FILE"
	export OPENNEBULA_MONITOR_PORT=30124
	configure_monitord
	assert_lines "$(template_diff monitord.conf)" LOG/SYSTEM NETWORK/PORT
	"${TEMPLATE_CHECK[@]}" expect "$ONE_ETC/monitord.conf" NETWORK/PORT 30124
	local bad
	for bad in 0 65536 '4124 ' 'x' '-1'; do
		OPENNEBULA_MONITOR_PORT=$bad
		assert_fails_with 'OPENNEBULA_MONITOR_PORT must be a port number' configure_monitord
	done
}

test_oneflow_onegate_bind() {
	load_entrypoint
	use_upstream "$1"
	configure_oneflow
	configure_onegate
	assert_lines "$(yaml_diff oneflow-server.conf)" :host :log/:system
	"${YAML_CHECK[@]}" expect "$ONE_ETC/oneflow-server.conf" :host 0.0.0.0
	"${YAML_CHECK[@]}" expect "$ONE_ETC/oneflow-server.conf" :log/:system syslog
	"${YAML_CHECK[@]}" expect "$ONE_ETC/onegate-server.conf" :log/:system syslog
	if [[ $1 == 7.4.0 ]]; then
		assert_lines "$(yaml_diff onegate-server.conf)" :log/:system :server/:bind
		"${YAML_CHECK[@]}" expect "$ONE_ETC/onegate-server.conf" :server/:bind 0.0.0.0
		"${YAML_CHECK[@]}" expect "$ONE_ETC/onegate-server.conf" :server/:port 5030
	else
		assert_lines "$(yaml_diff onegate-server.conf)" :host :log/:system
		"${YAML_CHECK[@]}" expect "$ONE_ETC/onegate-server.conf" :host 0.0.0.0
	fi
	# The servers select syslog with exactly this comparison (oneflow-server.rb,
	# onegate-server.rb: conf[:log][:system] == 'syslog').
	ruby -ryaml -e 'd = YAML.safe_load_file(ARGV[0], permitted_classes: [Symbol]); exit(d[:log][:system] == "syslog" ? 0 : 1)' \
		"$ONE_ETC/onegate-server.conf"
	# The services' own parser (Psych) must read :keys back as symbols.
	ruby -ryaml -e 'd = YAML.safe_load_file(ARGV[0], permitted_classes: [Symbol]); exit(d[:port] == 2474 ? 0 : 1)' \
		"$ONE_ETC/oneflow-server.conf"
	cp "$ONE_ETC/onegate-server.conf" "$T_TMP/once"
	configure_onegate
	cmp "$T_TMP/once" "$ONE_ETC/onegate-server.conf"
}

# OneForm (7.2 and later) on this project's model of its oneform-server.conf
# (fixtures/oneform-server.conf: src/form/etc/oneform-server.conf).
test_oneform() {
	load_entrypoint
	use_upstream "$1"
	if [[ $1 != 7.0.0 ]]; then
		cp "$FIXTURES_DIR/oneform-server.conf" "$ONE_ETC/"
		cp "$FIXTURES_DIR/oneform-server.conf" "$T_TMP/orig/"
	fi
	configure_oneform
	if [[ $1 == 7.0.0 ]]; then
		[[ ! -e $ONE_ETC/oneform-server.conf ]] || fail "7.0 has no OneForm"
		oneform_installed && fail "OneForm detected on 7.0"
		return 0
	fi
	cmp "$T_TMP/orig/oneform-server.conf" "$ONE_ETC/oneform-server.conf" # not installed: untouched
	mkdir -p "$ONE_LIB/oneform"
	touch "$ONE_LIB/oneform/oneform-server.rb"
	configure_oneform
	assert_lines "$(yaml_diff oneform-server.conf)" :log/:system
	# src/form/lib/tools/log.rb: 'stderr' selects Logger.new(STDERR)
	"${YAML_CHECK[@]}" expect "$ONE_ETC/oneform-server.conf" :log/:system stderr
	"${YAML_CHECK[@]}" expect "$ONE_ETC/oneform-server.conf" :port 13013
}

test_metrics_switch() {
	load_entrypoint
	echo ipv6 >"$IPV6_PROBE_FILE"
	local value want
	for value in unset "" false true; do
		if [[ $value == unset ]]; then unset OPENNEBULA_METRICS; else export OPENNEBULA_METRICS=$value; fi
		want=false
		[[ $value != true ]] || want=true
		configure_metrics 2>/dev/null
		# supervisord reads it from its environment: [program:exporter] autostart
		assert_eq "$(printenv ONECHART_METRICS)" "$want" "ONECHART_METRICS for OPENNEBULA_METRICS=$value"
		assert_eq "$(printenv ONECHART_EXPORTER_BIND)" "" "the exporter's address with IPv6"
	done
	for value in yes True 1 ' true'; do
		OPENNEBULA_METRICS=$value
		assert_fails_with "OPENNEBULA_METRICS must be true or false, not '$value'" configure_metrics
	done
}

test_metrics_ipv4_bind() {
	load_entrypoint
	export OPENNEBULA_METRICS=true
	printf '00000000000000000000000000000001 01 80 10 80       lo\n' >"$IPV6_PROBE_FILE"
	configure_metrics
	assert_eq "$(printenv ONECHART_EXPORTER_BIND)" "" "IPv6: the exporter's own address"
	: >"$IPV6_PROBE_FILE"
	configure_metrics 2>"$T_TMP/log"
	assert_eq "$(printenv ONECHART_EXPORTER_BIND)" 0.0.0.0 "no IPv6 address"
	grep -q 'the Prometheus exporter listens on 0.0.0.0' "$T_TMP/log" || fail "not logged"
	rm "$IPV6_PROBE_FILE"
	configure_metrics 2>/dev/null
	assert_eq "$(printenv ONECHART_EXPORTER_BIND)" 0.0.0.0 "no IPv6 at all"
	export OPENNEBULA_METRICS=false
	configure_metrics
	assert_eq "$(printenv ONECHART_EXPORTER_BIND)" "" "metrics off"
}

# usage: exporter_edit FILE BIND   (the edited source onechart-exporter runs)
exporter_edit() {
	ruby -r "$IMAGE_DIR/exporter.rb" -e \
		'print OnechartExporter.bind_source(File.read(ARGV[0]), ARGV[1], ARGV[0])' "$1" "$2"
}

# The bind edit on this project's stand-in for the exporter script of each
# release (fixtures/opennebula-VERSION/opennebula_exporter.rb, its `set :bind`
# as OpenNebula's): one line changes, to an address Ruby reads back; without
# an address, none.
test_exporter_bind_edit() {
	local script=$FIXTURES_DIR/opennebula-$1/opennebula_exporter.rb upstream changed
	upstream=\'::\'
	[[ $1 != 7.0.0 ]] || upstream=\'0.0.0.0\'
	grep -qx "set :bind, $upstream" "$script" || fail "$1 binds $(grep '^set :bind' "$script")"
	exporter_edit "$script" "" >"$T_TMP/same.rb"
	cmp "$script" "$T_TMP/same.rb"
	exporter_edit "$script" 0.0.0.0 >"$T_TMP/ipv4.rb"
	changed=$(diff "$script" "$T_TMP/ipv4.rb" | grep '^[<>]' || true)
	assert_lines "$changed" "< set :bind, $upstream" '> set :bind, "0.0.0.0"'
	ruby -c "$T_TMP/ipv4.rb" >/dev/null
	# A source without exactly one such line is refused, not run unchanged.
	grep -v '^set :bind' "$script" >"$T_TMP/none.rb"
	assert_fails_with "none.rb has 0 'set :bind, ...' lines, not 1" exporter_edit "$T_TMP/none.rb" 0.0.0.0
	cat "$script" "$script" >"$T_TMP/two.rb"
	assert_fails_with "two.rb has 2 'set :bind, ...' lines, not 1" exporter_edit "$T_TMP/two.rb" ""
}

test_name_resolves() {
	load_entrypoint
	printf '127.0.0.1\tlocalhost\n' >"$HOSTS_FILE"
	ensure_name_resolves localhost
	assert_eq "$(<"$HOSTS_FILE")" $'127.0.0.1\tlocalhost' "hosts after a name that resolves"
	# .invalid never resolves (RFC 6761).
	ensure_name_resolves pod-0.onechart.invalid 2>"$T_TMP/log"
	assert_lines "$(<"$HOSTS_FILE")" $'127.0.0.1\tlocalhost' $'127.0.0.1\tpod-0.onechart.invalid'
	grep -q 'pod-0.onechart.invalid did not resolve' "$T_TMP/log" || fail "not logged"
}

test_no_overrides_no_change() {
	load_entrypoint
	use_upstream "$1"
	local name
	for name in oned monitord fireedge oneflow onegate; do
		echo '{}' >"$ONECHART_CONFIG_DIR/$name.yaml"
	done
	apply_overrides
	for name in oned.conf monitord.conf fireedge-server.conf oneflow-server.conf onegate-server.conf; do
		cmp "$T_TMP/orig/$name" "$ONE_ETC/$name"
	done
}

test_template_overrides() {
	load_entrypoint
	use_upstream "$1"
	set_db_env secret
	configure_oned
	cp "$ONE_ETC/oned.conf" "$T_TMP/orig/oned.conf"
	cat >"$ONECHART_CONFIG_DIR/oned.yaml" <<-'YAML'
		MAX_BACKUPS: 10
		DEFAULT_DEVICE_PREFIX: vd
		NEW_FLAG: true
		OFF_FLAG: false
		RATIO: 0.5
		QUOTED: 'say "hi" \o/'
		DB:
		  CONNECTIONS: 50
		  COMPARE_BINARY: "yes"
		FEDERATION:
		  MODE: MASTER
		VNC_PORTS:
		  RESERVED: null
		NEW_VECTOR:
		  A: 1
		  b: two
		VM_RESTRICTED_ATTR: null
		TM_MAD:
		  - EXECUTABLE: one_tm
		    ARGUMENTS: "-t 15 -d dummy,ssh"
		DS_MAD_CONF:
		  - NAME: custom
		    REQUIRED_ATTRS: ""
		  - NAME: other
		    PERSISTENT_ONLY: "NO"
	YAML
	apply_overrides
	assert_lines "$(template_diff oned.conf)" DB/COMPARE_BINARY DB/CONNECTIONS \
		DEFAULT_DEVICE_PREFIX DS_MAD_CONF FEDERATION/MODE MAX_BACKUPS NEW_FLAG NEW_VECTOR \
		OFF_FLAG QUOTED RATIO TM_MAD/ARGUMENTS VM_RESTRICTED_ATTR VNC_PORTS/RESERVED
	"${TEMPLATE_CHECK[@]}" expect "$ONE_ETC/oned.conf" MAX_BACKUPS 10 \
		DEFAULT_DEVICE_PREFIX vd NEW_FLAG YES OFF_FLAG NO RATIO 0.5 \
		QUOTED 'say "hi" \o/' DB/CONNECTIONS 50 DB/PASSWD secret \
		FEDERATION/MODE MASTER FEDERATION/ZONE_ID 0 VNC_PORTS/START 5900 \
		NEW_VECTOR/A 1 NEW_VECTOR/B two TM_MAD/ARGUMENTS '-t 15 -d dummy,ssh' \
		DS_MAD_CONF/NAME custom
	"${TEMPLATE_CHECK[@]}" absent "$ONE_ETC/oned.conf" VNC_PORTS/RESERVED
	"${TEMPLATE_CHECK[@]}" absent "$ONE_ETC/oned.conf" VM_RESTRICTED_ATTR
	# One DS_MAD_CONF per list item, in order, replacing all upstream blocks.
	local names
	names=$(grep -c '^DS_MAD_CONF' "$ONE_ETC/oned.conf")
	assert_eq "$names" 2 "DS_MAD_CONF blocks"
	# Idempotent.
	cp "$ONE_ETC/oned.conf" "$T_TMP/once"
	apply_overrides
	cmp "$T_TMP/once" "$ONE_ETC/oned.conf"
}

test_monitord_overrides() {
	load_entrypoint
	use_upstream "$1"
	cat >"$ONECHART_CONFIG_DIR/monitord.yaml" <<-'YAML'
		NETWORK:
		  THREADS: 16
		  PUBKEY: null
		PROBES_PERIOD:
		  MONITOR_VM: 60
		IM_MAD:
		  - NAME: kvm
		    SUNSTONE_NAME: KVM
		    EXECUTABLE: one_im_ssh
		    ARGUMENTS: "-r 3 -t 15 -w 90 kvm"
		    THREADS: 0
	YAML
	apply_overrides
	assert_lines "$(template_diff monitord.conf)" IM_MAD NETWORK/PUBKEY NETWORK/THREADS \
		PROBES_PERIOD/MONITOR_VM
	assert_eq "$(grep -c '^IM_MAD' "$ONE_ETC/monitord.conf")" 1 "IM_MAD blocks"
}

test_bad_overrides() {
	load_entrypoint
	use_upstream "$1"
	printf 'bad-key!: 1\n' >"$ONECHART_CONFIG_DIR/oned.yaml"
	assert_fails_with 'invalid attribute name' apply_overrides
	printf 'DB:\n  NESTED:\n    X: 1\n' >"$ONECHART_CONFIG_DIR/oned.yaml"
	assert_fails_with 'unsupported value' apply_overrides
	printf -- '- a\n- b\n' >"$ONECHART_CONFIG_DIR/oned.yaml"
	assert_fails_with 'must be a YAML map' apply_overrides
	cmp "$T_TMP/orig/oned.conf" "$ONE_ETC/oned.conf"
}

test_yaml_overrides() {
	load_entrypoint
	use_upstream "$1"
	configure_oneflow
	configure_onegate
	cp "$ONE_ETC/oneflow-server.conf" "$ONE_ETC/onegate-server.conf" "$T_TMP/orig/"
	cat >"$ONECHART_CONFIG_DIR/fireedge.yaml" <<-'YAML'
		port: 2617
		guacd:
		  host: 127.0.0.1
		default_zone:
		  endpoint: null
		auth: remote
		new_list: [a, b]
		session_expiration: null
	YAML
	cat >"$ONECHART_CONFIG_DIR/oneflow.yaml" <<-'YAML'
		":host:": 10.0.0.1
		":log:":
		  ":level": 3
		":shutdown_action": terminate-hard
	YAML
	cat >"$ONECHART_CONFIG_DIR/onegate.yaml" <<-'YAML'
		":permissions:":
		  ":vm:":
		    ":show": false
		":restricted_attrs:": [FOO]
	YAML
	apply_overrides
	assert_lines "$(yaml_diff fireedge-server.conf)" auth default_zone/endpoint guacd/host new_list \
		port session_expiration
	"${YAML_CHECK[@]}" expect "$ONE_ETC/fireedge-server.conf" port 2617
	"${YAML_CHECK[@]}" expect "$ONE_ETC/fireedge-server.conf" guacd/port 4822
	"${YAML_CHECK[@]}" absent "$ONE_ETC/fireedge-server.conf" default_zone/endpoint
	"${YAML_CHECK[@]}" expect "$ONE_ETC/fireedge-server.conf" default_zone/name OpenNebula
	assert_lines "$(yaml_diff oneflow-server.conf)" :host :log/:level :shutdown_action
	"${YAML_CHECK[@]}" expect "$ONE_ETC/oneflow-server.conf" :host 10.0.0.1
	"${YAML_CHECK[@]}" expect "$ONE_ETC/oneflow-server.conf" :log/:level 3
	assert_lines "$(yaml_diff onegate-server.conf)" :permissions/:vm/:show :restricted_attrs
	"${YAML_CHECK[@]}" expect "$ONE_ETC/onegate-server.conf" :permissions/:vm/:show false
	"${YAML_CHECK[@]}" expect "$ONE_ETC/onegate-server.conf" :permissions/:vm/:update true
}

main() {
	t_need python3 ruby || {
		t_summary config
		return
	}
	t_run "upstream files parse" test_upstream_parses
	t_run "IPv6 seen in a size-0 procfs file" test_ipv6_procfs
	t_run "metrics: ONECHART_METRICS from OPENNEBULA_METRICS" test_metrics_switch
	t_run "metrics: the exporter on 0.0.0.0 without IPv6" test_metrics_ipv4_bind
	t_run "metrics: a name that does not resolve is mapped" test_name_resolves
	local v
	for v in "${VERSIONS[@]}"; do
		t_run "$v oned.conf from env" test_oned_env "$v"
		t_run "$v oned.conf HOSTNAME auto/empty" test_oned_hostname_auto "$v"
		t_run "$v nasty passwords round-trip" test_nasty_passwords "$v"
		t_run "$v unrepresentable password refused" test_unrepresentable_password "$v"
		t_run "$v monitord.conf MONITOR_ADDRESS, IPv6 fallback" test_monitord "$v"
		t_run "$v monitord.conf: only LOG/SYSTEM for auto" test_monitord_auto "$v"
		t_run "$v monitord.conf NETWORK/PORT from OPENNEBULA_MONITOR_PORT" test_monitord_port "$v"
		t_run "$v OneForm logs to stderr when installed" test_oneform "$v"
		t_run "$v OneFlow/OneGate bind 0.0.0.0" test_oneflow_onegate_bind "$v"
		t_run "$v exporter: the bind line edited, only it" test_exporter_bind_edit "$v"
		t_run "$v empty overrides change nothing" test_no_overrides_no_change "$v"
		t_run "$v oned.yaml overrides" test_template_overrides "$v"
		t_run "$v monitord.yaml overrides" test_monitord_overrides "$v"
		t_run "$v bad overrides refused" test_bad_overrides "$v"
		t_run "$v YAML service overrides" test_yaml_overrides "$v"
	done
	t_summary config
}

main "$@"
