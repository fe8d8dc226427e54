#!/usr/bin/env bash
# onechart entrypoint: prepare /etc/one and /var/lib/one, check the database
# schema, then exec the command (supervisord). See image/README.md.
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
: "${ONE_RUBY_LIB:=/usr/lib/one/ruby}"
: "${ONECHART_LIB:=/usr/local/lib/onechart}"
: "${ONECHART_CONFIG_DIR:=/etc/onechart/config}"
: "${ONECHART_SSH_DIR:=/etc/onechart/ssh}"
: "${ONE_IMAGE_VERSION_FILE:=${ONE_SHARE}/onechart-image-version}"
: "${ONE_OWNER:=oneadmin:oneadmin}"
: "${ONE_RUN_AS=oneadmin}" # empty: run as the current user (tests)
: "${IPV6_PROBE_FILE:=/proc/net/if_inet6}"
: "${DB_WAIT_TIMEOUT:=300}"
: "${ONED_LOG_SYSTEM:=std}"

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

# usage: check_env   (the variables the chart always sets)
check_env() {
	require_env ONEADMIN_PASSWORD
	[[ $ONEADMIN_PASSWORD != *$'\n'* ]] || die "ONEADMIN_PASSWORD must not contain a newline"
	case ${DB_BACKEND:=mysql} in
	mysql)
		: "${DB_PORT:=3306}"
		require_env DB_HOST DB_PORT DB_NAME DB_USER
		[[ -v DB_PASSWORD ]] || die "missing environment: DB_PASSWORD"
		;;
	sqlite) ;;
	*) die "DB_BACKEND must be mysql or sqlite, not '${DB_BACKEND}'" ;;
	esac
}

# usage: own PATH...   (chown to oneadmin, never recursive)
own() {
	chown "$ONE_OWNER" "$@"
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
	# oned cannot be running before supervisord starts it: a lock left by a
	# killed container would make oned and onedb refuse to start.
	rm -f "$ONE_LOCK_DIR/one"
}

# usage: one_config (template|yaml) FILE OP...   (see image/one-config.rb)
one_config() {
	ruby "$ONECHART_LIB/one-config.rb" "$@"
}

# usage: ipv6_available   (true when the pod has IPv6 addresses)
ipv6_available() {
	[[ -s $IPV6_PROBE_FILE ]]
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

# usage: configure_monitord   (MONITOR_ADDRESS; IPv4 listener without IPv6)
configure_monitord() {
	local args=()
	if [[ -n ${OPENNEBULA_MONITOR_ADDRESS:-} && $OPENNEBULA_MONITOR_ADDRESS != auto ]]; then
		args+=(--set NETWORK/MONITOR_ADDRESS "$OPENNEBULA_MONITOR_ADDRESS")
	fi
	if ! ipv6_available; then
		log "no IPv6 address in this pod: monitord listens on 0.0.0.0 instead of ::"
		args+=(--set NETWORK/ADDRESS 0.0.0.0)
	fi
	((${#args[@]} == 0)) || one_config template "$ONE_ETC/monitord.conf" "${args[@]}"
}

# usage: configure_oneflow   (listen on all addresses)
configure_oneflow() {
	one_config yaml "$ONE_ETC/oneflow-server.conf" --set :host 0.0.0.0
}

# usage: configure_onegate   (listen on all addresses; 7.4 moved :host to :server/:bind)
configure_onegate() {
	local file=$ONE_ETC/onegate-server.conf
	if grep -q '^:server:' "$file"; then
		one_config yaml "$file" --set :server/:bind 0.0.0.0
	else
		one_config yaml "$file" --set :host 0.0.0.0
	fi
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

# usage: image_version   (the OpenNebula package version this image was built with)
image_version() {
	local version
	version=$(<"$ONE_IMAGE_VERSION_FILE")
	[[ -n $version ]] || die "$ONE_IMAGE_VERSION_FILE is empty"
	printf '%s\n' "$version"
}

# usage: refresh_remotes   (copy the image's drivers when its version changed, keep remotes/etc)
refresh_remotes() {
	local dist=$ONE_SHARE/remotes-dist dest=$ONE_VAR/remotes
	local new=$ONE_VAR/remotes.onechart-new old=$ONE_VAR/remotes.onechart-old
	local stamp=$ONE_VAR/.onechart/remotes-version version current=""
	version=$(image_version)
	[[ -d $dist ]] || die "$dist is missing from the image"
	# Finish or undo a refresh interrupted by a crash.
	rm -rf "$new"
	if [[ -d $old ]]; then
		[[ -d $dest ]] || mv "$old" "$dest"
		rm -rf "$old"
	fi
	[[ -r $stamp ]] && current=$(<"$stamp")
	if [[ -d $dest && $current == "$version" ]]; then
		return 0
	fi
	cp -a "$dist" "$new"
	if [[ -d $dest/etc ]]; then
		mkdir -p "$new/etc"
		cp -a "$dest/etc/." "$new/etc/"
	fi
	chown -R "$ONE_OWNER" "$new"
	[[ ! -d $dest ]] || mv "$dest" "$old"
	mv "$new" "$dest"
	rm -rf "$old"
	printf '%s\n' "$version" >"$stamp"
	own "$stamp"
	log "remotes refreshed from the image (${current:-none} -> $version), remotes/etc kept"
}

# usage: write_auth_file NAME CONTENT   (0600 in ~/.one, replaced atomically)
write_auth_file() {
	local file=$ONE_VAR/.one/$1
	(umask 077 && printf '%s\n' "$2" >"$file.onechart-tmp")
	own "$file.onechart-tmp"
	mv -f "$file.onechart-tmp" "$file"
}

# usage: prepare_auth STATE   (STATE from prepare_database: fresh or existing)
# oned's first start (src/um/UserPool.cc) reads one_auth and creates
# sunstone_auth, oneflow_auth and onegate_auth itself; it aborts if any exists.
prepare_auth() {
	local dir=$ONE_VAR/.one name stale
	stale=$(date -u +%Y%m%dT%H%M%SZ)
	if [[ $1 == fresh ]]; then
		for name in sunstone_auth oneflow_auth onegate_auth; do
			if [[ -e $dir/$name ]]; then
				mv "$dir/$name" "$dir/$name.stale-$stale"
				log "empty database: moved the old $name aside ($name.stale-$stale) so oned can bootstrap"
			fi
		done
		write_auth_file one_auth "oneadmin:${ONEADMIN_PASSWORD}"
		log "empty database: wrote one_auth; oned creates the serveradmin files on its first start"
		return 0
	fi
	if [[ ! -s $dir/one_auth ]]; then
		write_auth_file one_auth "oneadmin:${ONEADMIN_PASSWORD}"
		log "one_auth was missing: rewrote it from ONEADMIN_PASSWORD"
	elif [[ $(<"$dir/one_auth") != "oneadmin:${ONEADMIN_PASSWORD}" ]]; then
		log "warning: one_auth differs from ONEADMIN_PASSWORD; kept one_auth" \
			"(change the password with 'oneuser passwd', then update the Secret)"
	fi
	for name in sunstone_auth oneflow_auth onegate_auth; do
		[[ -s $dir/$name ]] || log "warning: $dir/$name is missing: the service using it cannot log in to oned"
	done
}

# usage: db_client ARGS...   (mariadb client with the chart's credentials, over TCP)
db_client() {
	MYSQL_PWD=$DB_PASSWORD mariadb --protocol=TCP --connect-timeout=5 \
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

# usage: db_table_exists TABLE
db_table_exists() {
	local n
	n=$(db_query "SELECT COUNT(*) FROM information_schema.tables WHERE table_schema = $(sql_string "$DB_NAME") AND table_name = $(sql_string "$1")")
	[[ $n == 1 ]]
}

# usage: db_latest_version TABLE   (version of the row with the highest oid, as onedb reads it)
db_latest_version() {
	local t
	t="$(sql_ident "$DB_NAME").$(sql_ident "$1")"
	db_query "SELECT version FROM $t WHERE oid = (SELECT MAX(oid) FROM $t)"
}

# usage: db_schema_versions   (prints "SHARED LOCAL"; nothing for an empty database)
db_schema_versions() {
	local shared local_version
	db_table_exists db_versioning || return 0
	shared=$(db_latest_version db_versioning)
	[[ -n $shared ]] || die "database '$DB_NAME' has an empty db_versioning table: a failed bootstrap? Inspect it, or drop the database to start over"
	local_version=$shared
	if db_table_exists local_db_versioning; then
		local_version=$(db_latest_version local_db_versioning)
		[[ -n $local_version ]] || local_version=$shared
	fi
	printf '%s %s\n' "$shared" "$local_version"
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
	local db code i older=0 cmp
	read -r -a db <<<"$1"
	read -r -a code <<<"$2"
	((${#db[@]} == 2)) || {
		echo fresh
		return 0
	}
	for i in 0 1; do
		cmp=$(version_cmp "${db[i]}" "${code[i]}")
		if ((cmp > 0)); then
			echo newer
			return 0
		fi
		((cmp == 0)) || older=1
	done
	if ((older)); then echo upgrade; else echo current; fi
}

# usage: db_backup FILE   (mysqldump of DB_NAME into FILE, readable by oneadmin only)
db_backup() {
	mkdir -p "$(dirname "$1")"
	(umask 077 && MYSQL_PWD=$DB_PASSWORD mariadb-dump --protocol=TCP -h "$DB_HOST" \
		-P "${DB_PORT:-3306}" -u "$DB_USER" --single-transaction --routines \
		--triggers --databases "$DB_NAME" >"$1.partial")
	mv "$1.partial" "$1"
	own "$1"
}

# usage: onedb_arg VALUE   (onedb strips one pair of quotes from values starting with ")
onedb_arg() {
	if [[ $1 == \"* ]]; then printf '"%s"' "$1"; else printf '%s' "$1"; fi
}

# usage: onedb_upgrade   (the schema migration; our own backup is taken before)
# onedb's --backup runs mysqldump through a shell with the password in single
# quotes, which breaks on a ' in the password: we back up with mariadb-dump.
onedb_upgrade() {
	as_oneadmin onedb upgrade -v --no-backup -t mysql \
		-S "$(onedb_arg "$DB_HOST")" -P "${DB_PORT:-3306}" \
		-u "$(onedb_arg "$DB_USER")" -p "$(onedb_arg "$DB_PASSWORD")" \
		-d "$(onedb_arg "$DB_NAME")"
}

# usage: prepare_database   (sets ONE_DB_STATE to fresh or existing; dies on a bad schema)
prepare_database() {
	local db code decision backup
	if [[ ${DB_BACKEND:-mysql} == sqlite ]]; then
		if [[ -s $ONE_VAR/one.db ]]; then ONE_DB_STATE=existing; else ONE_DB_STATE=fresh; fi
		log "sqlite database: $ONE_DB_STATE (no automatic schema upgrade with sqlite)"
		return 0
	fi
	db_wait
	db=$(db_schema_versions)
	code=$(code_schema_versions)
	decision=$(db_decision "$db" "$code")
	case $decision in
	fresh)
		log "database '$DB_NAME' has no OpenNebula schema yet: oned will bootstrap it"
		ONE_DB_STATE=fresh
		;;
	current)
		log "database schema ${db% *} (local ${db#* }) matches this OpenNebula"
		ONE_DB_STATE=existing
		;;
	newer)
		die "database schema ${db% *} (local ${db#* }) is newer than this OpenNebula" \
			"(${code% *}, local ${code#* }): refusing to start; run the image of the newer version or restore a backup"
		;;
	upgrade)
		backup=$ONE_VAR/backups/db/onedb-${db// /-}-to-${code// /-}-$(date -u +%Y%m%dT%H%M%SZ).sql
		log "database schema ${db% *} (local ${db#* }) is older than ${code% *} (local ${code#* }): backing up to $backup"
		db_backup "$backup" || die "backup of '$DB_NAME' failed; the database was not changed"
		log "running onedb upgrade"
		if ! onedb_upgrade; then
			die "onedb upgrade failed; oned is not started on a half-migrated schema." \
				"Restore with: mariadb -h $DB_HOST -P ${DB_PORT:-3306} -u $DB_USER -p < $backup" \
				"(OpenNebula CE may lack the migrators for this version, see onedb's message above)"
		fi
		db=$(db_schema_versions)
		[[ $(db_decision "$db" "$code") == current ]] ||
			die "after onedb upgrade the schema is ${db:-empty}, expected $code; backup: $backup"
		log "database upgraded to ${code% *} (local ${code#* })"
		ONE_DB_STATE=existing
		;;
	esac
}

# usage: bootstrap   (everything before the services start, in order)
bootstrap() {
	check_env
	setup_dirs
	configure_oned
	configure_monitord
	configure_oneflow
	configure_onegate
	apply_overrides
	install_ssh_keys
	write_ssh_config
	prepare_database
	prepare_auth "$ONE_DB_STATE"
	refresh_remotes
}

# usage: main [CMD...]   (bootstrap when CMD is supervisord, then exec CMD)
main() {
	if (($# == 0)); then
		set -- supervisord -n -c /etc/supervisor/onechart.conf
	fi
	if [[ ${1##*/} == supervisord || ${ONECHART_BOOTSTRAP:-0} == 1 ]]; then
		bootstrap
		log "starting: $*"
	fi
	exec "$@"
}

if ! _is_sourced; then
	main "$@"
fi
