#!/usr/bin/env bash
# onechart entrypoint: prepare /etc/one, /var/lib/one, SSH and the database,
# then exec the command (supervisord). See image/README.md.
#
#   onechart-entrypoint [supervisord ...]   everything, then exec supervisord
#   onechart-entrypoint database            only the database step, then exit
#                                           (the chart's init container)
#   onechart-entrypoint CMD...              exec CMD (debugging), no bootstrap
#
# Every step is a function; tests source this file (main does not run when
# sourced) and call them one by one with the paths below pointed at temp dirs.
set -Eeuo pipefail

: "${ONE_ETC:=/etc/one}"
: "${ONE_VAR:=/var/lib/one}"
: "${ONE_LOG_DIR:=/var/log/one}"
: "${ONE_LOCK_DIR:=/var/lock/one}"
: "${ONE_RUN_DIR:=/run/one}"
: "${ONE_SHARE:=/usr/share/one}"
: "${ONE_LIB:=/usr/lib/one}"
: "${ONE_RUBY_LIB:=/usr/lib/one/ruby}"
: "${ONECHART_LIB:=/usr/local/lib/onechart}"
: "${ONECHART_CONFIG_DIR:=/etc/onechart/config}"
: "${ONECHART_SSH_DIR:=/etc/onechart/ssh}"
: "${ONECHART_RUN:=/run/onechart}"
: "${ONE_IMAGE_VERSION_FILE:=${ONE_SHARE}/onechart-image-version}"
: "${ONE_SERVERADMIN_LIST:=${ONE_SHARE}/onechart-serveradmin-files}"
: "${ONE_OWNER:=oneadmin:oneadmin}"
: "${ONE_RUN_AS=oneadmin}" # empty: run as the current user (tests)
: "${ONE_SSH_USER:=oneadmin}"
: "${IPV6_PROBE_FILE:=/proc/net/if_inet6}"
: "${HOSTS_FILE:=/etc/hosts}"
: "${DEV_LOG:=/dev/log}"
: "${SSHD_PORT:=22}"
: "${SSHD_PRIVSEP_DIR:=/run/sshd}"
: "${DB_WAIT_TIMEOUT:=300}"
: "${ONED_LOG_SYSTEM:=std}"
: "${SECRET_MAX_BYTES:=65536}"

# usage: log MESSAGE...
log() {
	printf 'onechart: %s\n' "$*" >&2
}

# usage: die MESSAGE...   (log and exit 1)
die() {
	printf 'onechart: error: %s\n' "$*" >&2
	exit 1
}

# usage: _is_sourced   (true when this file is sourced, not executed)
_is_sourced() {
	[[ ${#FUNCNAME[@]} -ge 2 && ${FUNCNAME[1]} == source ]]
}

# usage: require_env VAR...   (each VAR must be set and non-empty)
require_env() {
	local var missing=()
	for var in "$@"; do
		[[ -n ${!var:-} ]] || missing+=("$var")
	done
	((${#missing[@]} == 0)) || die "missing environment: ${missing[*]}"
}

# usage: file_env VAR   (VAR's value from $VAR or from the file named by
# ${VAR}_FILE, the docker-library convention; both set is an error). The value
# stays a shell variable: it is not exported to any child process.
file_env() {
	local var=$1 file_var=${1}_FILE file value
	if [[ -n ${!var:-} && -n ${!file_var:-} ]]; then
		die "both $var and $file_var are set: set only one"
	fi
	if [[ -n ${!file_var:-} ]]; then
		file=${!file_var}
		[[ -f $file && -r $file ]] || die "$file_var: cannot read $file"
		(($(stat -L -c %s "$file") <= SECRET_MAX_BYTES)) ||
			die "$file_var: $file is larger than $SECRET_MAX_BYTES bytes"
		value=$(<"$file") # trailing newlines dropped, as docker-library does
		printf -v "$var" '%s' "$value"
	fi
	unset "$file_var"
	if [[ -v $var ]]; then
		export -n "${var?}"
	fi
}

# usage: forget_secrets   (before exec: no secret in any child's environment)
forget_secrets() {
	unset ONEADMIN_PASSWORD DB_PASSWORD ONEADMIN_PASSWORD_FILE DB_PASSWORD_FILE
}

# usage: check_oneadmin_password   (dies when oned would refuse ONEADMIN_PASSWORD)
# oned's bootstrap creates oneadmin with the core driver from one_auth and
# rejects a password with blanks (User::INVALID_PASS_CHARS " \t\n\v\f\r") or
# longer than 256 bytes (validate_password_length, "core"): src/um/User.cc,
# pass_is_valid, at release-7.0.0 and release-7.2.0. It does so AFTER writing
# the serveradmin files, leaving a half-bootstrapped database (a real oned 7.2
# did: "Error creating oneadmin user: Invalid password, character ' ' is not
# allowed"), so the password is checked here, before anything is written.
check_oneadmin_password() {
	if [[ $ONEADMIN_PASSWORD == *[$' \t\n\v\f\r']* ]]; then
		die "ONEADMIN_PASSWORD must not contain spaces, tabs or line breaks: oned refuses such a password"
	fi
	if (($(printf '%s' "$ONEADMIN_PASSWORD" | wc -c) > 256)); then # printf: a builtin, no argv
		die "ONEADMIN_PASSWORD is longer than 256 bytes: oned refuses such a password"
	fi
}

# usage: check_env   (the variables the chart always sets; secrets from files)
check_env() {
	file_env ONEADMIN_PASSWORD
	file_env DB_PASSWORD
	require_env ONEADMIN_PASSWORD
	check_oneadmin_password
	case ${DB_BACKEND:=mysql} in
	mysql)
		: "${DB_PORT:=3306}"
		require_env DB_HOST DB_PORT DB_NAME DB_USER
		[[ -v DB_PASSWORD ]] || die "missing environment: DB_PASSWORD or DB_PASSWORD_FILE"
		;;
	sqlite) ;;
	*) die "DB_BACKEND must be mysql or sqlite, not '${DB_BACKEND}'" ;;
	esac
}

# usage: own PATH...   (chown to oneadmin, never recursive)
own() {
	chown "$ONE_OWNER" "$@"
}

# usage: own_root PATH...   (chown to root when running as root)
own_root() {
	if (($(id -u) == 0)); then
		chown 0:0 "$@"
	fi
}

# usage: as_oneadmin CMD...   (run CMD as oneadmin when root, else as is)
as_oneadmin() {
	if [[ -n $ONE_RUN_AS && $(id -u) -eq 0 ]]; then
		setpriv --reuid="$ONE_RUN_AS" --regid="$ONE_RUN_AS" --init-groups \
			env HOME="$ONE_VAR" USER="$ONE_RUN_AS" LOGNAME="$ONE_RUN_AS" "$@"
	else
		"$@"
	fi
}

# usage: setup_dirs   (directories the services expect; only their own owner changes)
setup_dirs() {
	local dir
	for dir in "$ONE_VAR" "$ONE_VAR/.one" "$ONE_VAR/.ssh" "$ONE_VAR/.onechart" \
		"$ONE_VAR/datastores" "$ONE_VAR/vms" "$ONE_VAR/backups" \
		"$ONE_LOG_DIR" "$ONE_LOCK_DIR" "$ONE_RUN_DIR" "$ONE_RUN_DIR/ssh-socks"; do
		mkdir -p "$dir"
		own "$dir"
	done
	chmod 0700 "$ONE_VAR/.one" "$ONE_VAR/.ssh"
	mkdir -p "$ONECHART_RUN"
	# oned cannot be running before supervisord starts it: a lock left by a
	# killed container would make oned and onedb refuse to start.
	rm -f "$ONE_LOCK_DIR/one"
}

# usage: setup_logs   (the services' log files lead to the container's output)
# OneFlow, OneGate and monitord log through syslog(3) (configure_logging) to
# /dev/log, which is the socket onechart-syslog prints from. The Hook
# Execution Manager and FireEdge can only write files (onehem-server.rb:
# Logger.new(HEM_LOG); FireEdge: winston File transport in
# src/fireedge/src/server/utils/logger.js), so their files are links to
# /dev/stdout; supervisord runs them through onechart-wait-oned --own-stdout,
# whose pipe they may reopen. winston starts fireedge1.log, fireedge2.log, ...
# after every 5 MB (maxsize 5242880): those are linked too, up to 9.
setup_logs() {
	local name i
	for name in onehem.log fireedge.log; do
		ln -sfn /dev/stdout "$ONE_LOG_DIR/$name"
	done
	for ((i = 1; i <= 9; i++)); do
		ln -sfn /dev/stdout "$ONE_LOG_DIR/fireedge$i.log"
	done
	if ! ln -sfn "$ONE_RUN_DIR/log.sock" "$DEV_LOG" 2>/dev/null; then
		log "warning: cannot link $DEV_LOG to $ONE_RUN_DIR/log.sock: monitord, OneFlow and OneGate logs are lost"
	fi
}

# usage: one_config (template|yaml) FILE OP...   (see image/one-config.rb)
one_config() {
	ruby "$ONECHART_LIB/one-config.rb" "$@"
}

# usage: ipv6_available   (true when the kernel lists IPv6 addresses)
# /proc/net/if_inet6 has size 0 like every procfs file: read its content.
ipv6_available() {
	[[ -r $IPV6_PROBE_FILE ]] && grep -q '[^[:space:]]' "$IPV6_PROBE_FILE" 2>/dev/null
}

# usage: configure_oned   (DB, HOSTNAME, ONEGATE_ENDPOINT, log to stderr)
configure_oned() {
	local args=(--set LOG/SYSTEM "$ONED_LOG_SYSTEM")
	if [[ ${DB_BACKEND:-mysql} == mysql ]]; then
		args+=(--set DB/BACKEND mysql --set DB/SERVER "$DB_HOST"
			--set DB/PORT "${DB_PORT:-3306}" --set DB/USER "$DB_USER"
			--set DB/PASSWD "$DB_PASSWORD" --set DB/DB_NAME "$DB_NAME"
			--unset DB/TIMEOUT)
	fi
	if [[ -n ${OPENNEBULA_HOSTNAME:-} && $OPENNEBULA_HOSTNAME != auto ]]; then
		args+=(--set HOSTNAME "$OPENNEBULA_HOSTNAME")
	fi
	if [[ -n ${ONEGATE_ENDPOINT:-} ]]; then
		args+=(--set ONEGATE_ENDPOINT "$ONEGATE_ENDPOINT")
	fi
	one_config template "$ONE_ETC/oned.conf" "${args[@]}"
}

# usage: configure_monitord   (address and port hosts send to, listener, syslog)
# monitord is a driver of oned: its stderr is closed (include/Driver.h,
# start_driver: close(2)) and its stdout is the driver protocol, so it logs
# through syslog (LOG/SYSTEM, src/monitor/src/monitor/Monitor.cc).
configure_monitord() {
	local args=(--set LOG/SYSTEM syslog) port=${OPENNEBULA_MONITOR_PORT:-}
	if [[ -n ${OPENNEBULA_MONITOR_ADDRESS:-} && $OPENNEBULA_MONITOR_ADDRESS != auto ]]; then
		args+=(--set NETWORK/MONITOR_ADDRESS "$OPENNEBULA_MONITOR_ADDRESS")
	fi
	if [[ -n $port ]]; then
		if [[ ! $port =~ ^[1-9][0-9]{0,4}$ ]] || ((port > 65535)); then
			die "OPENNEBULA_MONITOR_PORT must be a port number (1-65535), not '$port'"
		fi
		args+=(--set NETWORK/PORT "$port")
	fi
	if ! ipv6_available; then
		log "no IPv6 address in this pod: monitord listens on 0.0.0.0 instead of ::"
		args+=(--set NETWORK/ADDRESS 0.0.0.0)
	fi
	one_config template "$ONE_ETC/monitord.conf" "${args[@]}"
}

# usage: configure_oneflow   (listen on all addresses, log to syslog)
# oneflow-server.rb: ':system: syslog' selects Syslog::Logger, anything else
# the file /var/log/one/oneflow.log.
configure_oneflow() {
	one_config yaml "$ONE_ETC/oneflow-server.conf" --set :host 0.0.0.0 --set :log/:system syslog
}

# usage: configure_onegate   (listen on all addresses; 7.4 moved :host to :server/:bind)
configure_onegate() {
	local file=$ONE_ETC/onegate-server.conf bind=:host
	if grep -q '^:server:' "$file"; then
		bind=:server/:bind
	fi
	one_config yaml "$file" --set "$bind" 0.0.0.0 --set :log/:system syslog
}

# usage: oneform_installed   (OneForm ships with OpenNebula 7.2 and later)
oneform_installed() {
	[[ -e $ONE_LIB/oneform/oneform-server.rb && -e $ONE_ETC/oneform-server.conf ]]
}

# usage: configure_oneform   (7.2+: log to stderr, src/form/lib/tools/log.rb)
configure_oneform() {
	if oneform_installed; then
		one_config yaml "$ONE_ETC/oneform-server.conf" --set :log/:system stderr
	fi
}

# usage: configure_metrics   (OPENNEBULA_METRICS: OpenNebula's Prometheus exporter)
# Sets ONECHART_METRICS (supervisord.conf: [program:exporter] autostart) and
# ONECHART_EXPORTER_BIND, the exporter's listen address for
# onechart-exporter: 0.0.0.0 in a pod without IPv6, as for monitord, since
# the exporter of 7.2 and 7.4 binds '::' (7.0's binds 0.0.0.0); empty keeps
# the exporter's own. The exporter labels its metrics with the pod's host
# name, resolved when it starts (opennebula_server_collector.rb:
# Addrinfo.getaddrinfo(Socket.gethostname)): that name must resolve.
configure_metrics() {
	case ${OPENNEBULA_METRICS:-false} in
	true) ONECHART_METRICS=true ;;
	false) ONECHART_METRICS=false ;;
	*) die "OPENNEBULA_METRICS must be true or false, not '${OPENNEBULA_METRICS}'" ;;
	esac
	ONECHART_EXPORTER_BIND=""
	if [[ $ONECHART_METRICS == true ]]; then
		if ! ipv6_available; then
			log "no IPv6 address in this pod: the Prometheus exporter listens on 0.0.0.0"
			ONECHART_EXPORTER_BIND=0.0.0.0
		fi
		ensure_name_resolves "$(uname -n)"
	fi
	export ONECHART_METRICS ONECHART_EXPORTER_BIND
}

# usage: ensure_name_resolves NAME   (NAME mapped to 127.0.0.1 in HOSTS_FILE when it does not resolve)
# The kubelet and Docker put the pod's name in /etc/hosts; host networking
# or another runtime may not.
ensure_name_resolves() {
	if getent ahosts "$1" >/dev/null 2>&1; then
		return 0
	fi
	# Appended in place: the kubelet bind-mounts /etc/hosts, it cannot be renamed over.
	printf '127.0.0.1\t%s\n' "$1" >>"$HOSTS_FILE"
	log "$1 did not resolve: mapped it to 127.0.0.1 in $HOSTS_FILE"
}

# usage: apply_overrides   (the chart's ConfigMap, after the env-driven settings)
apply_overrides() {
	local entry name mode conf
	for entry in oned:template:oned.conf monitord:template:monitord.conf \
		fireedge:yaml:fireedge-server.conf oneflow:yaml:oneflow-server.conf \
		onegate:yaml:onegate-server.conf; do
		IFS=: read -r name mode conf <<<"$entry"
		if [[ -s $ONECHART_CONFIG_DIR/$name.yaml ]]; then
			one_config "$mode" "$ONE_ETC/$conf" --overrides "$ONECHART_CONFIG_DIR/$name.yaml" ||
				die "cannot apply $ONECHART_CONFIG_DIR/$name.yaml to $ONE_ETC/$conf"
		fi
	done
}

# usage: install_file SRC DEST MODE   (copy when the content differs; owned by oneadmin)
install_file() {
	if ! cmp -s "$1" "$2"; then
		cp "$1" "$2.onechart-tmp"
		chmod "$3" "$2.onechart-tmp"
		own "$2.onechart-tmp"
		mv -f "$2.onechart-tmp" "$2"
	fi
}

# usage: authorize_key PUBFILE   (append to authorized_keys once)
authorize_key() {
	local keys=$ONE_VAR/.ssh/authorized_keys key
	key=$(<"$1")
	[[ -n $key ]] || return 0
	touch "$keys"
	if ! grep -qxF -- "$key" "$keys"; then
		printf '%s\n' "$key" >>"$keys"
	fi
	chmod 0600 "$keys"
	own "$keys"
}

# usage: install_ssh_keys   (mounted key if any, else the volume's, else a new one)
install_ssh_keys() {
	local ssh=$ONE_VAR/.ssh src=$ONECHART_SSH_DIR
	if [[ -s $src/id_rsa ]]; then
		install_file "$src/id_rsa" "$ssh/id_rsa" 0600
		if [[ -s $src/id_rsa.pub ]]; then
			install_file "$src/id_rsa.pub" "$ssh/id_rsa.pub" 0644
		else
			ssh-keygen -y -f "$ssh/id_rsa" >"$ssh/id_rsa.pub.derived"
			install_file "$ssh/id_rsa.pub.derived" "$ssh/id_rsa.pub" 0644
			rm -f "$ssh/id_rsa.pub.derived"
		fi
		log "installed the SSH key from $src"
	elif [[ ! -s $ssh/id_rsa ]]; then
		rm -f "$ssh/id_rsa.pub"
		ssh-keygen -q -t rsa -b 4096 -N '' -C "oneadmin@onechart" -f "$ssh/id_rsa"
		own "$ssh/id_rsa" "$ssh/id_rsa.pub"
		log "generated a new SSH key in $ssh"
	fi
	if [[ -s $src/id_rsa.pub ]]; then
		authorize_key "$src/id_rsa.pub"
	fi
	authorize_key "$ssh/id_rsa.pub"
}

# usage: write_ssh_config   (the packaged ~/.ssh/config, unless one exists)
write_ssh_config() {
	local conf=$ONE_VAR/.ssh/config
	if [[ ! -e $conf && -r $ONE_SHARE/ssh/config ]]; then
		install_file "$ONE_SHARE/ssh/config" "$conf" 0600
	fi
}

# usage: setup_ssh_host_keys   (sshd's host keys, generated once, kept on the volume)
# Hosts record the front-end's key in known_hosts (~/.ssh/config has
# StrictHostKeyChecking accept-new): a key that changed on every restart
# would break every transfer from a host back to the front-end.
setup_ssh_host_keys() {
	local dir=$ONE_VAR/.onechart/ssh-host-keys type key
	mkdir -p "$dir"
	own_root "$dir"
	chmod 0700 "$dir"
	for type in ed25519 ecdsa rsa; do
		key=$dir/ssh_host_${type}_key
		if [[ ! -s $key || ! -s $key.pub ]]; then
			rm -f "$key.onechart-tmp" "$key.onechart-tmp.pub"
			ssh-keygen -q -t "$type" -N '' -C "onechart-host-key" -f "$key.onechart-tmp"
			mv -f "$key.onechart-tmp.pub" "$key.pub"
			mv -f "$key.onechart-tmp" "$key"
			log "generated the SSH host key $key"
		fi
		# fsGroup may have widened the modes; sshd refuses a readable key.
		own_root "$key" "$key.pub"
		chmod 0600 "$key"
		chmod 0644 "$key.pub"
	done
}

# usage: write_sshd_config   (sshd for oneadmin, keys only; $ONECHART_RUN/sshd_config)
# OpenNebula's default datastores use TM_MAD local (src/datastore/DatastorePool.cc),
# whose scripts ssh to the front-end's HOSTNAME (src/tm_mad/local/clone, mv,
# src/tm_mad/lib/tm_action.rb), from the front-end itself and from the hosts.
# StrictModes is off because fsGroup makes the home (the volume's root)
# group-writable; the entrypoint keeps ~/.ssh 0700 and authorized_keys 0600.
write_sshd_config() {
	local dir=$ONE_VAR/.onechart/ssh-host-keys family=any
	ipv6_available || family=inet
	mkdir -p "$ONECHART_RUN" "$SSHD_PRIVSEP_DIR"
	chmod 0755 "$SSHD_PRIVSEP_DIR"
	cat >"$ONECHART_RUN/sshd_config.onechart-tmp" <<-EOF
		# Written by the onechart entrypoint (write_sshd_config); see image/README.md.
		Port $SSHD_PORT
		AddressFamily $family
		HostKey $dir/ssh_host_ed25519_key
		HostKey $dir/ssh_host_ecdsa_key
		HostKey $dir/ssh_host_rsa_key
		PidFile none
		AllowUsers $ONE_SSH_USER
		PermitRootLogin no
		AuthenticationMethods publickey
		PubkeyAuthentication yes
		PasswordAuthentication no
		KbdInteractiveAuthentication no
		PermitEmptyPasswords no
		HostbasedAuthentication no
		UsePAM no
		StrictModes no
		AuthorizedKeysFile .ssh/authorized_keys
		AllowAgentForwarding yes
		AllowTcpForwarding no
		X11Forwarding no
		PermitTunnel no
		PermitUserEnvironment no
		PrintMotd no
		Subsystem sftp internal-sftp
		LogLevel INFO
	EOF
	mv -f "$ONECHART_RUN/sshd_config.onechart-tmp" "$ONECHART_RUN/sshd_config"
}

# usage: pod_address   (this pod's address, else 127.0.0.1)
pod_address() {
	local addr
	addr=$(getent hosts "$(uname -n)" 2>/dev/null | awk 'NR == 1 { print $1 }') || true
	case $addr in
	"" | 127.* | ::1) addr=127.0.0.1 ;;
	esac
	printf '%s\n' "$addr"
}

# usage: ensure_hostname_resolves   (OPENNEBULA_HOSTNAME resolves inside the pod)
# oned and the TM drivers ssh to HOSTNAME from the front-end itself; the
# headless Service's name may not resolve before the pod is ready.
ensure_hostname_resolves() {
	local name=${OPENNEBULA_HOSTNAME:-} addr
	[[ -n $name && $name != auto ]] || return 0
	[[ $name =~ ^[A-Za-z0-9]([A-Za-z0-9.-]{0,252})$ ]] ||
		die "OPENNEBULA_HOSTNAME must be a host name, not '$name'"
	if awk -v n="$name" '$1 !~ /^#/ { for (i = 2; i <= NF; i++) if (tolower($i) == tolower(n)) f = 1 }
		END { exit !f }' "$HOSTS_FILE" 2>/dev/null; then
		return 0
	fi
	if getent hosts "$name" >/dev/null 2>&1; then
		return 0
	fi
	addr=$(pod_address)
	# Appended in place: the kubelet bind-mounts /etc/hosts, it cannot be renamed over.
	printf '%s\t%s\n' "$addr" "$name" >>"$HOSTS_FILE"
	log "$name did not resolve: mapped it to $addr in $HOSTS_FILE"
}

# usage: image_version   (the OpenNebula package version this image was built with)
image_version() {
	local version
	version=$(<"$ONE_IMAGE_VERSION_FILE")
	[[ -n $version ]] || die "$ONE_IMAGE_VERSION_FILE is empty"
	printf '%s\n' "$version"
}

# usage: list_files DIR...   (relative paths of files and links under each DIR, NUL-separated)
list_files() {
	local dir
	for dir in "$@"; do
		[[ -d $dir ]] || continue
		(cd "$dir" && find . \( -type f -o -type l \) ! -name '*.onechart-dist' -print0)
	done
}

# usage: same_file A B   (both absent, or both present with the same content)
same_file() {
	if [[ -e $1 || -L $1 ]]; then
		[[ -e $2 || -L $2 ]] && cmp -s "$1" "$2"
	else
		[[ ! -e $2 && ! -L $2 ]]
	fi
}

# usage: merge_remotes_etc OLD USER NEW OUT VERSION
# Three-way merge of the driver settings (remotes/etc), as dpkg treats
# conffiles: OLD is the pristine copy of the release the volume ran (may be
# missing), USER the volume's remotes/etc, NEW the image's pristine copy, OUT
# the result (already a copy of NEW). A file the user did not change follows
# the new release; a file only the user changed is kept; a file both changed
# keeps the user's version and gets the new one beside it as
# FILE.onechart-dist, with a warning in the log.
merge_remotes_etc() {
	local old=$1 user=$2 new=$3 out=$4 version=$5 rel p conflicts=0 kept=0
	while IFS= read -r -d '' rel; do
		rel=${rel#./}
		p=$out/$rel
		if [[ -d $old ]] && same_file "$user/$rel" "$old/$rel"; then
			continue # not changed by the user: the new release's file
		fi
		if same_file "$user/$rel" "$new/$rel"; then
			continue # the user's file is the new default
		fi
		if [[ ! -d $old && ! -e $user/$rel && ! -L $user/$rel ]]; then
			continue # no pristine copy: a file new in this release
		fi
		if [[ ! -d $old && ! -e $new/$rel && ! -L $new/$rel ]]; then
			mkdir -p "$(dirname "$p")" # no pristine copy: a file of the user's own
			cp -a "$user/$rel" "$p"
			kept=$((kept + 1))
			continue
		fi
		if [[ -d $old ]] && same_file "$new/$rel" "$old/$rel"; then
			# Changed by the user only: keep it (or its removal).
			rm -f "$p"
			if [[ -e $user/$rel || -L $user/$rel ]]; then
				mkdir -p "$(dirname "$p")"
				cp -a "$user/$rel" "$p"
			fi
			kept=$((kept + 1))
			continue
		fi
		# Changed on both sides (or no pristine copy to tell): the user's wins.
		conflicts=$((conflicts + 1))
		rm -f "$p" "$p.onechart-dist"
		mkdir -p "$(dirname "$p")"
		if [[ -e $user/$rel || -L $user/$rel ]]; then
			cp -a "$user/$rel" "$p"
		fi
		if [[ -e $new/$rel || -L $new/$rel ]]; then
			cp -a "$new/$rel" "$p.onechart-dist"
		fi
		if [[ -d $old ]]; then
			log "warning: remotes/etc/$rel: changed by you and by OpenNebula $version: kept yours," \
				"the new default is beside it as $rel.onechart-dist; merge them by hand"
		else
			log "warning: remotes/etc/$rel: differs from OpenNebula $version and there is no pristine copy" \
				"of the previous release to tell who changed it: kept yours, the new default is" \
				"beside it as $rel.onechart-dist; merge them by hand"
		fi
	done < <(list_files "$old" "$user" "$new" | sort -zu)
	log "remotes/etc merged for OpenNebula $version: $kept file(s) with your changes kept, $conflicts conflict(s)"
}

# usage: refresh_remotes   (the image's drivers when its version changed, remotes/etc merged)
refresh_remotes() {
	local dist=$ONE_SHARE/remotes-dist dest=$ONE_VAR/remotes
	local new=$ONE_VAR/remotes.onechart-new old=$ONE_VAR/remotes.onechart-old
	local stamp=$ONE_VAR/.onechart/remotes-version store=$ONE_VAR/.onechart/remotes-etc-dist
	local version current="" dir
	version=$(image_version)
	[[ -d $dist ]] || die "$dist is missing from the image"
	# Finish or undo a refresh interrupted by a crash.
	rm -rf "$new" "$store/$version.onechart-tmp"
	if [[ -d $old ]]; then
		[[ -d $dest ]] || mv "$old" "$dest"
		rm -rf "$old"
	fi
	[[ -r $stamp ]] && current=$(<"$stamp")
	if [[ -d $dest && $current == "$version" ]]; then
		save_pristine_etc "$dist" "$store" "$version"
		return 0
	fi
	cp -a "$dist" "$new"
	mkdir -p "$new/etc"
	if [[ -d $dest/etc ]]; then
		merge_remotes_etc "${current:+$store/$current}" "$dest/etc" "$dist/etc" "$new/etc" "$version"
	fi
	chown -R "$ONE_OWNER" "$new"
	save_pristine_etc "$dist" "$store" "$version"
	[[ ! -d $dest ]] || mv "$dest" "$old"
	mv "$new" "$dest"
	rm -rf "$old"
	printf '%s\n' "$version" >"$stamp.onechart-tmp"
	own "$stamp.onechart-tmp"
	mv -f "$stamp.onechart-tmp" "$stamp"
	for dir in "$store"/*; do
		[[ ! -e $dir || $dir == "$store/$version" ]] || rm -rf "$dir"
	done
	log "remotes refreshed from the image (${current:-none} -> $version)"
}

# usage: save_pristine_etc DIST STORE VERSION   (STORE/VERSION = DIST/etc, once)
save_pristine_etc() {
	local dist=$1 store=$2 version=$3
	[[ ! -d $store/$version ]] || return 0
	mkdir -p "$store"
	own "$store"
	rm -rf "$store/$version.onechart-tmp"
	mkdir -p "$store/$version.onechart-tmp"
	[[ ! -d $dist/etc ]] || cp -a "$dist/etc/." "$store/$version.onechart-tmp/"
	chown -R "$ONE_OWNER" "$store/$version.onechart-tmp"
	mv "$store/$version.onechart-tmp" "$store/$version"
}

# usage: write_auth_file NAME CONTENT   (0600 in ~/.one, replaced atomically)
write_auth_file() {
	local file=$ONE_VAR/.one/$1
	(umask 077 && printf '%s\n' "$2" >"$file.onechart-tmp")
	own "$file.onechart-tmp"
	mv -f "$file.onechart-tmp" "$file"
}

# usage: serveradmin_files   (the serveradmin credential files oned creates, one a line)
# Derived when the image is built from the installed oned (build-check.sh):
# src/um/UserPool.cc writes sunstone/onegate/oneflow_auth (7.0), oneform_auth
# (7.2), oneks_auth (7.4) on its bootstrap.
serveradmin_files() {
	grep -E '^[A-Za-z0-9_]+_auth$' "$ONE_SERVERADMIN_LIST" | grep -vx one_auth
}

# usage: check_serveradmin_list   (dies when the image lacks the list)
check_serveradmin_list() {
	[[ -s $ONE_SERVERADMIN_LIST ]] || die "$ONE_SERVERADMIN_LIST is missing from the image"
}

# usage: is_serveradmin_file FILE   (empty, or its user is serveradmin)
is_serveradmin_file() {
	local first=""
	[[ -f $1 ]] || return 1
	[[ -s $1 ]] || return 0
	IFS= read -r first <"$1" || true
	[[ $first == serveradmin:* ]]
}

# usage: stale_serveradmin_files   (files in ~/.one that oned's bootstrap refuses)
# UserPool.cc aborts the bootstrap when any file of its list exists; besides
# that list, every other *_auth but one_auth that is empty or belongs to
# serveradmin was left by an earlier bootstrap.
stale_serveradmin_files() {
	local dir=$ONE_VAR/.one f
	{
		serveradmin_files
		for f in "$dir"/*_auth; do
			[[ ${f##*/} != one_auth ]] && is_serveradmin_file "$f" && printf '%s\n' "${f##*/}"
		done
	} | sort -u | while IFS= read -r f; do
		[[ ! -e $dir/$f && ! -L $dir/$f ]] || printf '%s\n' "$f"
	done
}

# usage: write_one_auth   (oneadmin's credentials, read by oned's bootstrap and by onedb)
write_one_auth() {
	write_auth_file one_auth "oneadmin:${ONEADMIN_PASSWORD}"
}

# usage: auth_for_fresh_database   (stale serveradmin files aside, one_auth written)
auth_for_fresh_database() {
	local dir=$ONE_VAR/.one name stamp
	check_serveradmin_list
	stamp=$(date -u +%Y%m%dT%H%M%SZ)
	while IFS= read -r name; do
		mv "$dir/$name" "$dir/$name.stale-$stamp"
		log "no oneadmin in the database: moved the old $name aside ($name.stale-$stamp) so oned can bootstrap"
	done < <(stale_serveradmin_files)
	write_one_auth
	log "wrote one_auth; oned creates the serveradmin files on its first start"
}

# usage: ensure_one_auth   (an existing database: one_auth kept, rewritten when missing)
ensure_one_auth() {
	local dir=$ONE_VAR/.one
	if [[ ! -s $dir/one_auth ]]; then
		write_one_auth
		log "one_auth was missing: rewrote it from ONEADMIN_PASSWORD"
	elif [[ $(<"$dir/one_auth") != "oneadmin:${ONEADMIN_PASSWORD}" ]]; then
		log "warning: one_auth differs from ONEADMIN_PASSWORD; kept one_auth" \
			"(change the password with 'oneuser passwd', then update the Secret)"
	fi
}

# usage: check_one_key   (an existing database: warn when ~/.one/one_key is gone)
# oned encrypts the *_ENCRYPTED_ATTR attributes of oned.conf (VM
# CONTEXT/PASSWORD, user SSH_PRIVATE_KEY, datastore RESTIC_PASSWORD, ...) with
# the key in one_key and, when the file is missing, writes a new random one
# without a word (src/template/OpenNebulaTemplate.cc, load_key). The key is
# nowhere else: with it gone (a new volume on an old database) those values
# stay encrypted with the old key (a real oned 7.2 then returned the
# ciphertext for `oneuser show --decrypt`). Nothing here can recover it.
check_one_key() {
	[[ ! -s $ONE_VAR/.one/one_key ]] || return 0
	log "warning: $ONE_VAR/.one/one_key is missing but the database exists: oned writes a new" \
		"key, and attributes it encrypted with the old one (the *_ENCRYPTED_ATTR of oned.conf)" \
		"can no longer be decrypted. Stop and restore one_key from a backup of the volume to keep them"
}

# usage: repair_serveradmin   (an existing database: the serveradmin files complete)
# oned writes them only when it bootstraps the database. Missing ones are
# copied from a sibling, as OpenNebula's own 7.2.0_to_7.4.0 migrator does for
# oneform_auth and oneks_auth (src/onedb/local/7.2.0_to_7.4.0.rb,
# feature_server_auth_files: "They all hold the same serveradmin secret").
# When all are gone (a new volume on an old database), onechart-serveradmin
# sets a new password through oned once it runs (flag in $ONE_RUN_DIR).
repair_serveradmin() {
	local dir=$ONE_VAR/.one name source="" missing=() content
	check_serveradmin_list
	rm -f "$ONE_RUN_DIR/serveradmin-regenerate"
	while IFS= read -r name; do
		if [[ -s $dir/$name ]] && is_serveradmin_file "$dir/$name"; then
			[[ -n $source ]] || source=$dir/$name
		else
			missing+=("$name")
		fi
	done < <(serveradmin_files)
	((${#missing[@]})) || return 0
	if [[ -n $source ]]; then
		IFS= read -r content <"$source"
		for name in "${missing[@]}"; do
			write_auth_file "$name" "$content"
			log "$name was missing: copied the serveradmin credentials from ${source##*/}"
		done
		return 0
	fi
	state_write "$ONE_RUN_DIR/serveradmin-regenerate" "${missing[@]}"
	log "no serveradmin credentials on the volume (${missing[*]}):" \
		"onechart-serveradmin sets a new serveradmin password through oned once it runs"
}

# usage: db_password_options   (prints a [client] option file holding DB_PASSWORD)
# For --defaults-extra-file=<(db_password_options): the password reaches the
# client through a pipe, never its command line or environment (MYSQL_PWD is
# readable in /proc/PID/environ). The value is double-quoted with \\, \", \n
# and \r escaped, as MariaDB's option-file parser reads it (checked with the
# mariadb 10.11 client on quotes, #, ;, backslashes, blanks, line breaks and
# an empty password).
db_password_options() {
	local s=${DB_PASSWORD//\\/\\\\}
	s=${s//\"/\\\"}
	s=${s//$'\n'/\\n}
	s=${s//$'\r'/\\r}
	printf '[client]\npassword="%s"\n' "$s"
}

# usage: db_client ARGS...   (mariadb client with the chart's credentials, over TCP)
db_client() {
	mariadb --defaults-extra-file=<(db_password_options) --protocol=TCP --connect-timeout=5 \
		-h "$DB_HOST" -P "${DB_PORT:-3306}" -u "$DB_USER" "$@"
}

# usage: db_query SQL   (prints rows tab-separated, no header)
db_query() {
	db_client --batch --skip-column-names -e "$1"
}

# usage: sql_string VALUE   (VALUE as a quoted SQL string literal)
sql_string() {
	local s=${1//\\/\\\\}
	printf "'%s'" "${s//\'/\'\'}"
}

# usage: sql_ident NAME   (NAME as a quoted SQL identifier)
sql_ident() {
	local bt='`'
	printf '%s%s%s' "$bt" "${1//"$bt"/"$bt$bt"}" "$bt"
}

# usage: db_wait   (until the server accepts our credentials, or DB_WAIT_TIMEOUT)
db_wait() {
	local deadline=$((SECONDS + DB_WAIT_TIMEOUT)) err
	until err=$(db_query 'SELECT 1' 2>&1 >/dev/null); do
		if ((SECONDS >= deadline)); then
			die "database ${DB_HOST}:${DB_PORT:-3306} not reachable after ${DB_WAIT_TIMEOUT}s: $err"
		fi
		log "waiting for the database ${DB_HOST}:${DB_PORT:-3306}: $err"
		sleep 2
	done
}

# usage: db_tables   (the tables of DB_NAME, one a line)
db_tables() {
	db_query "SELECT table_name FROM information_schema.tables WHERE table_schema = $(sql_string "$DB_NAME") ORDER BY table_name"
}

# usage: db_table_exists TABLE
db_table_exists() {
	local n
	n=$(db_query "SELECT COUNT(*) FROM information_schema.tables WHERE table_schema = $(sql_string "$DB_NAME") AND table_name = $(sql_string "$1")")
	[[ $n == 1 ]]
}

# usage: db_rows TABLE [WHERE]   (row count; 0 when the table does not exist)
db_rows() {
	db_table_exists "$1" || {
		echo 0
		return 0
	}
	db_query "SELECT COUNT(*) FROM $(sql_ident "$DB_NAME").$(sql_ident "$1")${2:+ WHERE $2}"
}

# usage: db_latest_version TABLE   (version of the row with the highest oid, as
# oned reads it: src/nebula/SystemDB.cc check_db_version)
db_latest_version() {
	local t
	t="$(sql_ident "$DB_NAME").$(sql_ident "$1")"
	db_query "SELECT version FROM $t WHERE oid = (SELECT MAX(oid) FROM $t)"
}

# usage: db_schema_versions   (prints "SHARED LOCAL"; nothing when either is unknown)
db_schema_versions() {
	local shared local_version=""
	db_table_exists db_versioning || return 0
	shared=$(db_latest_version db_versioning)
	[[ -n $shared ]] || return 0
	if db_table_exists local_db_versioning; then
		local_version=$(db_latest_version local_db_versioning)
		[[ -n $local_version ]] || return 0
	fi
	# Schemas older than local_db_versioning (4.5.80) version everything in db_versioning.
	printf '%s %s\n' "$shared" "${local_version:-$shared}"
}

# usage: code_schema_versions   (prints "SHARED LOCAL" the installed onedb expects)
code_schema_versions() {
	local files shared local_version
	files=("$ONE_RUBY_LIB"/onedb/*.rb)
	shared=$(sed -nE "s/^[[:space:]]*LATEST_DB_VERSION[[:space:]]*=[[:space:]]*['\"]([0-9.]+)['\"].*/\\1/p" "${files[@]}" | head -n1)
	local_version=$(sed -nE "s/^[[:space:]]*LATEST_LOCAL_DB_VERSION[[:space:]]*=[[:space:]]*['\"]([0-9.]+)['\"].*/\\1/p" "${files[@]}" | head -n1)
	[[ -n $shared && -n $local_version ]] ||
		die "cannot read LATEST_DB_VERSION/LATEST_LOCAL_DB_VERSION from $ONE_RUBY_LIB/onedb"
	printf '%s %s\n' "$shared" "$local_version"
}

# usage: version_cmp A B   (prints -1, 0 or 1)
version_cmp() {
	if [[ $1 == "$2" ]]; then
		echo 0
	elif [[ $(printf '%s\n%s\n' "$1" "$2" | sort -V | head -n1) == "$1" ]]; then
		echo -1
	else
		echo 1
	fi
}

# usage: db_decision DB_VERSIONS CODE_VERSIONS   (prints fresh, current, upgrade or newer)
db_decision() {
	local dbv codev i older=0 cmp
	read -r -a dbv <<<"$1"
	read -r -a codev <<<"$2"
	((${#dbv[@]} == 2)) || {
		echo fresh
		return 0
	}
	for i in 0 1; do
		cmp=$(version_cmp "${dbv[i]}" "${codev[i]}")
		if ((cmp > 0)); then
			echo newer
			return 0
		fi
		((cmp == 0)) || older=1
	done
	if ((older)); then echo upgrade; else echo current; fi
}

# The tables where anything a user made lives (src/sql/OneDB.cc).
USER_DATA_TABLES=(user_pool vm_pool host_pool image_pool network_pool template_pool
	document_pool datastore_pool vn_template_pool vrouter_pool secgroup_pool)

# Every table oned's bootstrap creates (src/sql/OneDB.cc, src/nebula/SystemDB.cc,
# include/BitMap.h; group_vlans from 7.4).
ONE_TABLES=(acl backupjob_pool cluster_datastore_relation cluster_network_relation
	cluster_pool cluster_vnc_bitmap datastore_pool db_versioning document_pool
	group_pool group_quotas group_vlans history hook_log hook_pool host_monitoring
	host_pool image_pool local_db_versioning logdb marketplace_pool
	marketplaceapp_pool network_pool network_vlan_bitmap plan_pool pool_control
	schedaction_pool secgroup_pool system_attributes template_pool user_pool
	user_quotas vdc_pool vm_monitoring vm_pool vm_showback vmgroup_pool
	vn_template_pool vrouter_pool zone_pool)

# usage: db_one_tables   (how many of the database's tables are OpenNebula's)
db_one_tables() {
	db_tables | grep -cxF -f <(printf '%s\n' "${ONE_TABLES[@]}") || true
}

# usage: db_user_data   (prints "N rows in T" for each non-empty user data table)
db_user_data() {
	local t n
	for t in "${USER_DATA_TABLES[@]}"; do
		n=$(db_rows "$t")
		((n == 0)) || printf '%s rows in %s\n' "$n" "$t"
	done
}

# usage: db_state DB_VERSIONS CODE_VERSIONS   (prints one word)
#   fresh     no table at all: oned bootstraps the database
#   resume    oned's bootstrap created the schema of this version and died before
#             creating oneadmin (UserPool.cc): oned finishes it on its next start
#   current / upgrade / newer   an OpenNebula database with oneadmin (oid 0)
#   foreign, partial, halfway-other, orphaned   refused (db_refuse says why)
# "Fresh" is decided from the data, user 0 in user_pool, never from the
# presence of db_versioning alone: a bootstrap that died half-way has it.
db_state() {
	local db=$1 code=$2 tables
	tables=$(db_tables | grep -c . || true)
	if ((tables == 0)); then
		echo fresh
		return 0
	fi
	if (($(db_one_tables) == 0)); then
		echo foreign
		return 0
	fi
	if (($(db_rows user_pool "oid = 0") == 1)); then
		if [[ -z $db ]]; then echo orphaned; else db_decision "$db" "$code"; fi
		return 0
	fi
	if [[ -n $(db_user_data) ]]; then
		echo orphaned
	elif [[ -z $db ]] || ! db_table_exists user_pool; then
		echo partial
	elif [[ $(db_decision "$db" "$code") == current ]]; then
		echo resume
	else
		echo halfway-other
	fi
}

# usage: db_refuse STATE DB_VERSIONS CODE_VERSIONS   (one message saying what to do; exits)
db_refuse() {
	local where="database '$DB_NAME' on ${DB_HOST}:${DB_PORT:-3306}" drop
	drop="DROP DATABASE $(sql_ident "$DB_NAME");"
	case $1 in
	foreign)
		die "$where is not empty and holds no OpenNebula schema (tables: $(db_tables | head -n 5 | paste -sd, -)...):" \
			"set DB_NAME to an empty database or to an OpenNebula one"
		;;
	partial)
		die "$where holds OpenNebula tables without version rows and no user: oned's first start" \
			"stopped while creating the schema and nothing in it can be kept. Drop it ($drop)" \
			"and restart; onechart never drops a database itself"
		;;
	halfway-other)
		die "$where holds an OpenNebula ${2% *} schema whose first start never finished (no user 0 in" \
			"user_pool, no VMs, hosts or images) and this image runs ${3% *}: nothing in it can be" \
			"kept. Drop it ($drop) and restart; onechart never drops a database itself"
		;;
	orphaned)
		die "$where holds OpenNebula data but no oneadmin (user 0 in user_pool) or no version rows" \
			"($(db_user_data | paste -sd, -)): this is not a bootstrap that stopped half-way and" \
			"onechart leaves it untouched. Restore it from a backup ($ONE_VAR/backups/db holds the" \
			"dumps taken before upgrades) or repair it by hand"
		;;
	newer)
		die "database schema ${2% *} (local ${2#* }) is newer than this OpenNebula" \
			"(${3% *}, local ${3#* }): refusing to start; run the image of the newer version or restore a backup"
		;;
	*) die "internal error: unknown database state '$1'" ;;
	esac
}

# usage: new_backup_path BASE   (BASE.sql, or BASE-N.sql when taken: never an existing backup)
new_backup_path() {
	local path=$1.sql n=2
	while [[ -e $path ]]; do
		path=$1-$n.sql
		n=$((n + 1))
	done
	printf '%s\n' "$path"
}

# usage: db_backup FILE   (mariadb-dump of DB_NAME into FILE, readable by oneadmin only)
# --add-drop-database like onedb's own backup (src/onedb/onedb_backend.rb,
# BackEndMySQL#backup), so that restoring it gives back exactly this database.
db_backup() {
	mkdir -p "$(dirname "$1")"
	rm -f "$(dirname "$1")"/*.sql.partial # dumps a kill interrupted
	(umask 077 && mariadb-dump --defaults-extra-file=<(db_password_options) --protocol=TCP -h "$DB_HOST" \
		-P "${DB_PORT:-3306}" -u "$DB_USER" --single-transaction --routines \
		--triggers --add-drop-database --databases "$DB_NAME" >"$1.partial")
	mv "$1.partial" "$1"
	own "$1"
}

# usage: db_restore FILE   (replays a db_backup dump: the database as it was then)
db_restore() {
	db_client <"$1"
}

# usage: onedb_arg VALUE   (onedb strips one pair of quotes from values starting with ")
onedb_arg() {
	if [[ $1 == \"* ]]; then printf '"%s"' "$1"; else printf '%s' "$1"; fi
}

# usage: onedb_encoding   (prints the connection charset onedb would detect)
# Without --encoding, BackEndMySQL#initialize (src/onedb/onedb_backend.rb,
# 7.0 to 7.4) connects to read it BEFORE it strips the quotes onedb_arg adds,
# so with a password (or user, name) starting with " one of its two
# connections always fails (seen with onedb 7.2: "Access denied"). Passing
# --encoding skips that connection; this reads the charset the same way
# (BackEndMySQL#encoding) and refuses what onedb refuses.
onedb_encoding() {
	local db table
	db=$(db_query "SELECT default_character_set_name FROM information_schema.SCHEMATA WHERE schema_name = $(sql_string "$DB_NAME")")
	table=$(db_query "SELECT CCSA.character_set_name FROM information_schema.TABLES T,
		information_schema.COLLATION_CHARACTER_SET_APPLICABILITY CCSA
		WHERE CCSA.collation_name = T.table_collation AND T.table_schema = $(sql_string "$DB_NAME")
		AND T.table_name = 'system_attributes'")
	if [[ -n $table && $db != "$table" ]]; then
		die "Table and database charset ($db, $table) differs: onedb refuses to upgrade '$DB_NAME'"
	fi
	printf '%s\n' "$table"
}

# usage: onedb_upgrade ENCODING   (the schema migration; our own backup is taken before)
# The password goes in ONE_DB_PASSWORD, which onedb reads when -p is not
# given (src/onedb/onedb.rb, OneDB#initialize), never on the command line;
# onedb strips one pair of quotes from it too. onedb's --backup runs
# mysqldump through a shell with the password in single quotes, which breaks
# on a ' in the password: we back up with mariadb-dump.
onedb_upgrade() {
	ONE_DB_PASSWORD=$(onedb_arg "$DB_PASSWORD") as_oneadmin onedb upgrade -v --no-backup -t mysql \
		-S "$(onedb_arg "$DB_HOST")" -P "${DB_PORT:-3306}" \
		-u "$(onedb_arg "$DB_USER")" -d "$(onedb_arg "$DB_NAME")" --encoding "$1"
}

# usage: check_onedb_password   (dies when onedb cannot log in with DB_PASSWORD)
# onedb connects with a URL: mysql2://USER:CGI.escape(PASSWORD)@... (src/onedb/
# onedb_backend.rb, connect_db, 7.0 to 7.4); CGI.escape turns a space into
# '+' and Sequel's URI unescape leaves '+' alone, so the server gets another
# password (seen with onedb 7.2: "Access denied"). No other character is
# affected (all printable ASCII checked). oned itself is not affected.
check_onedb_password() {
	[[ $DB_PASSWORD != *' '* ]] ||
		die "the database password contains a space: onedb cannot log in with it (it sends '+'" \
			"instead), so '$DB_NAME' cannot be upgraded. Change the password of database user" \
			"'$DB_USER' and the Secret to one without spaces, or upgrade by hand; nothing was changed"
}

# usage: upgrade_state   (the upgrade in progress: written before onedb runs,
# removed when the upgrade is verified; target, versions, and the backup
# taken before the FIRST attempt. A retry after a crash restores that backup
# instead of taking a new one of a half-migrated database.)
upgrade_state() {
	printf '%s\n' "$ONE_VAR/.onechart/db-upgrade"
}

# usage: upgrade_failed   (an upgrade this image tried and onedb refused; the database was restored)
upgrade_failed() {
	printf '%s\n' "$ONE_VAR/.onechart/db-upgrade.failed"
}

# usage: db_target   (host:port/name, identifies the database in the state files)
db_target() {
	printf '%s:%s/%s\n' "$DB_HOST" "${DB_PORT:-3306}" "$DB_NAME"
}

# usage: state_get FILE KEY   (KEY=value lines)
state_get() {
	sed -n "s/^$2=//p" "$1" | head -n1
}

# usage: state_write FILE KEY=VALUE...   (atomic)
state_write() {
	local file=$1
	shift
	printf '%s\n' "$@" >"$file.onechart-tmp"
	own "$file.onechart-tmp"
	mv -f "$file.onechart-tmp" "$file"
}

# usage: resume_interrupted_upgrade   (restore the first backup of an upgrade that never finished)
# Run before any decision: while the state file exists nothing but onedb has
# written to the database since that backup, and the database may be
# half-migrated, so the backup is the last consistent state (onedb itself
# restores its backup after a failed upgrade: src/onedb/onedb.rb, upgrade).
resume_interrupted_upgrade() {
	local state target backup from
	state=$(upgrade_state)
	[[ -s $state ]] || return 0
	target=$(state_get "$state" target)
	backup=$(state_get "$state" backup)
	from=$(state_get "$state" from)
	if [[ $target != "$(db_target)" ]]; then
		mv -f "$state" "$state.other-$(date -u +%Y%m%dT%H%M%SZ)"
		log "set aside the record of an unfinished upgrade of another database ($target)"
		return 0
	fi
	if (($(db_tables | grep -c . || true) == 0)); then
		mv -f "$state" "$state.dropped-$(date -u +%Y%m%dT%H%M%SZ)"
		log "database '$DB_NAME' is empty (dropped since an upgrade from $from did not finish):" \
			"set aside the record of that upgrade; its backup stays in $backup"
		return 0
	fi
	[[ -s $backup ]] || die "an upgrade of '$DB_NAME' from $from did not finish and its backup" \
		"$backup is gone: the database may be half-migrated. Restore a backup by hand, then delete $state"
	log "an upgrade of '$DB_NAME' from $from did not finish (crash or kill during onedb):" \
		"restoring the backup taken before it, $backup"
	db_restore "$backup" || die "restoring $backup failed; it stays the restore point, retry by restarting"
	log "restored $backup; the upgrade starts again from it, with no new backup"
}

# usage: db_upgrade DB_VERSIONS CODE_VERSIONS   (backup once, onedb upgrade, verify)
db_upgrade() {
	local db=$1 code=$2 state failed backup image encoding
	state=$(upgrade_state)
	failed=$(upgrade_failed)
	image=$(image_version)
	check_onedb_password
	encoding=$(onedb_encoding) || exit 1
	if [[ -s $failed && $(state_get "$failed" target) == "$(db_target)" &&
		$(state_get "$failed" image) == "$image" && $(state_get "$failed" from) == "$db" ]]; then
		die "this image ($image) already tried to upgrade '$DB_NAME' from ${db% *} at" \
			"$(state_get "$failed" time) and onedb failed (its output is in that attempt's log); the" \
			"database was restored from $(state_get "$failed" backup). Run an image that fixes the" \
			"cause, or the image of ${db% *}; to retry this one, delete $failed"
	fi
	if [[ -s $state ]]; then
		backup=$(state_get "$state" backup)
	else
		backup=$(new_backup_path "$ONE_VAR/backups/db/onedb-${db// /-}-to-${code// /-}-$(date -u +%Y%m%dT%H%M%SZ)")
		log "database schema ${db% *} (local ${db#* }) is older than ${code% *} (local ${code#* }): backing up to $backup"
		db_backup "$backup" || die "backup of '$DB_NAME' failed; the database was not changed"
		state_write "$state" "target=$(db_target)" "from=$db" "to=$code" "backup=$backup"
	fi
	write_one_auth_if_missing
	log "running onedb upgrade"
	if onedb_upgrade "$encoding" && [[ $(db_schema_versions) == "$code" ]]; then
		rm -f "$state" "$failed"
		log "database upgraded to ${code% *} (local ${code#* }); backup kept in $backup"
		return 0
	fi
	log "onedb upgrade did not bring '$DB_NAME' to ${code% *} (local ${code#* }): restoring $backup"
	db_restore "$backup" || die "onedb upgrade failed and restoring $backup failed too: the database" \
		"may be half-migrated; restarting restores $backup again"
	rm -f "$state"
	state_write "$failed" "target=$(db_target)" "from=$db" "image=$image" "backup=$backup" \
		"time=$(date -u +%Y-%m-%dT%H:%M:%SZ)"
	die "onedb upgrade failed (see its output above); the database was restored from $backup" \
		"and oned is not started. OpenNebula CE ships the migrators in the opennebula-migration package"
}

# usage: write_one_auth_if_missing   (onedb reads one_auth: OpenNebula::Client in one_not_running)
write_one_auth_if_missing() {
	[[ -s $ONE_VAR/.one/one_auth ]] || write_one_auth
}

# usage: prepare_database   (sets ONE_DB_STATE to fresh or existing; dies on a bad database)
prepare_database() {
	local db code state
	if [[ ${DB_BACKEND:-mysql} == sqlite ]]; then
		if [[ -s $ONE_VAR/one.db ]]; then ONE_DB_STATE=existing; else ONE_DB_STATE=fresh; fi
		log "sqlite database: $ONE_DB_STATE (no automatic schema upgrade with sqlite)"
		return 0
	fi
	db_wait
	resume_interrupted_upgrade
	db=$(db_schema_versions)
	code=$(code_schema_versions)
	state=$(db_state "$db" "$code")
	case $state in
	fresh)
		log "database '$DB_NAME' has no OpenNebula schema yet: oned will bootstrap it"
		ONE_DB_STATE=fresh
		;;
	resume)
		log "database '$DB_NAME' holds the ${db% *} schema of a first start that stopped before" \
			"creating oneadmin (no user 0, no VMs, hosts or images): oned finishes the bootstrap"
		ONE_DB_STATE=fresh
		;;
	current)
		log "database schema ${db% *} (local ${db#* }) matches this OpenNebula"
		rm -f "$(upgrade_state)" "$(upgrade_failed)"
		ONE_DB_STATE=existing
		;;
	upgrade)
		db_upgrade "$db" "$code"
		ONE_DB_STATE=existing
		;;
	*) db_refuse "$state" "$db" "$code" ;;
	esac
}

# usage: database_step   (the database and the credentials that go with it)
database_step() {
	prepare_database
	if [[ $ONE_DB_STATE == fresh ]]; then
		auth_for_fresh_database
	else
		ensure_one_auth
		check_one_key
		repair_serveradmin
	fi
}

# usage: bootstrap   (everything before the services start, in order)
bootstrap() {
	check_env
	setup_dirs
	setup_logs
	configure_oned
	configure_monitord
	configure_oneflow
	configure_onegate
	configure_oneform
	configure_metrics
	apply_overrides
	install_ssh_keys
	write_ssh_config
	setup_ssh_host_keys
	write_sshd_config
	ensure_hostname_resolves
	database_step
	refresh_remotes
	ONECHART_ONEFORM=false
	! oneform_installed || ONECHART_ONEFORM=true
	export ONECHART_ONEFORM # supervisord.conf: [program:oneform] autostart
}

# usage: database_mode   (the init container: the database step only)
database_mode() {
	check_env
	setup_dirs
	database_step
	log "database step done"
}

# usage: main [CMD...]   (see the top of this file)
main() {
	if (($# == 0)); then
		set -- supervisord -n -c /etc/supervisor/onechart.conf
	fi
	if [[ $1 == database ]]; then
		(($# == 1)) || die "usage: onechart-entrypoint database"
		database_mode
		exit 0
	fi
	if [[ ${1##*/} == supervisord || ${ONECHART_BOOTSTRAP:-0} == 1 ]]; then
		bootstrap
		log "starting: $*"
	fi
	forget_secrets
	exec "$@"
}

if ! _is_sourced; then
	main "$@"
fi
