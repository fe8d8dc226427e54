#!/usr/bin/env bash
# Checks run while the image is built (Dockerfile), after the packages are
# installed: what the entrypoint and supervisord.conf rely on must be in the
# image, or the build fails with a message naming what is missing. Also
# derives, from the installed oned, the list of serveradmin credential files.
#
# usage: onechart-build-check   (ROOT=/ by default; the tests point it at a fake tree)
set -Eeuo pipefail

: "${ROOT:=}"
: "${ONECHART_ENTRYPOINT:=/usr/local/bin/onechart-entrypoint}"
: "${SSHD:=/usr/sbin/sshd}"
: "${ONECHART_EXPORTER:=/usr/local/lib/onechart/onechart-exporter}"

FAILED=0

fail() {
	printf 'build-check: %s\n' "$*" >&2
	FAILED=1
}

say() {
	printf 'build-check: %s\n' "$*"
}

# The files the entrypoint, supervisord.conf and the helper scripts run.
PATHS=(
	/usr/bin/oned /usr/bin/onedb /usr/bin/oneuser /usr/bin/oneshowback
	/usr/lib/one/ruby/onedb/database_schema.rb
	/usr/lib/one/fireedge/dist/index.js /usr/lib/one/oneflow/oneflow-server.rb
	/usr/lib/one/onegate/onegate-server.rb /usr/lib/one/onehem/onehem-server.rb
	/usr/lib/one/sh/ssh-socks-cleaner /usr/share/one/ssh/config
	/usr/share/one/guacd/sbin/guacd /usr/share/one/guacd/lib
	/usr/bin/mariadb /usr/bin/mariadb-dump /usr/bin/setpriv
	/usr/sbin/sshd /usr/bin/ssh-agent /usr/bin/ssh-add /usr/bin/ssh-keygen
	/etc/one/oned.conf /etc/one/monitord.conf /etc/one/oneflow-server.conf
	/etc/one/onegate-server.conf /etc/one/fireedge-server.conf
	/usr/lib/one/opennebula_exporter/opennebula_exporter.rb
)

# usage: check_paths
check_paths() {
	local path
	for path in "${PATHS[@]}"; do
		[[ -e $ROOT$path ]] || fail "missing $path"
	done
}

# usage: schema_version NAME   (LATEST_DB_VERSION or LATEST_LOCAL_DB_VERSION of the installed onedb)
schema_version() {
	sed -nE "s/^[[:space:]]*$1[[:space:]]*=[[:space:]]*['\"]([0-9.]+)['\"].*/\\1/p" \
		"$ROOT"/usr/lib/one/ruby/onedb/*.rb | head -n1
}

# usage: minor VERSION   (major.minor)
minor() {
	local IFS=.
	# shellcheck disable=SC2086 # split on dots on purpose
	set -- $1
	printf '%s.%s\n' "$1" "${2:-0}"
}

# usage: check_migrators
# onedb upgrade applies onedb/shared/FROM_to_TO.rb (or .rbm, compiled) from
# the database's version onwards, then onedb/local/ (src/onedb/onedb.rb,
# apply_migrators). Community Edition ships them in opennebula-migration.
# The migrator into this version must exist and come from an earlier minor.
check_migrators() {
	local kind name target files file from
	for kind in shared:LATEST_DB_VERSION local:LATEST_LOCAL_DB_VERSION; do
		name=${kind#*:}
		kind=${kind%%:*}
		target=$(schema_version "$name")
		if [[ -z $target ]]; then
			fail "cannot read $name from /usr/lib/one/ruby/onedb"
			continue
		fi
		files=()
		for file in "$ROOT/usr/lib/one/ruby/onedb/$kind/"*"_to_$target".rb \
			"$ROOT/usr/lib/one/ruby/onedb/$kind/"*"_to_$target".rbm; do
			[[ -e $file ]] && files+=("$file")
		done
		if ((${#files[@]} != 1)); then
			fail "${#files[@]} migrators into $target in /usr/lib/one/ruby/onedb/$kind (want 1):" \
				"is opennebula-migration installed?"
			continue
		fi
		from=${files[0]##*/}
		from=${from%%_to_*}
		if [[ $(printf '%s\n%s\n' "$(minor "$from")" "$(minor "$target")" | sort -V | head -n1) != "$(minor "$from")" ||
			$(minor "$from") == "$(minor "$target")" ]]; then
			fail "the migrator into $target in onedb/$kind starts at $from, not at an earlier minor"
			continue
		fi
		say "onedb/$kind: ${files[0]##*/} (upgrades from $(minor "$from") to $(minor "$target"))"
	done
}

# usage: check_guacd
# Every upstream unit runs guacd with LD_LIBRARY_PATH=/usr/share/one/guacd/lib
# (share/pkgs/services/systemd/opennebula-guacd.service), and so does
# supervisord.conf. guacd loads its protocol plugins (libguac-client-*.so)
# from there at run time: ldd checks them too.
check_guacd() {
	local guacd=$ROOT/usr/share/one/guacd/sbin/guacd lib=$ROOT/usr/share/one/guacd/lib file out
	[[ -x $guacd ]] || return 0 # reported by check_paths
	if ! out=$(LD_LIBRARY_PATH=$lib "$guacd" -v 2>&1); then
		fail "guacd -v failed: $out"
	else
		say "guacd: ${out%%$'\n'*}"
	fi
	for file in "$guacd" "$lib"/*.so*; do
		[[ -f $file && ! -L $file ]] || continue
		out=$(LD_LIBRARY_PATH=$lib ldd "$file" 2>&1 || true)
		if grep -q 'not found' <<<"$out"; then
			fail "${file#"$ROOT"}: $(grep 'not found' <<<"$out" | tr -s ' \t' ' ' | paste -sd, -)"
		fi
	done
}

# usage: write_serveradmin_list
# oned's bootstrap (src/um/UserPool.cc) creates one serveradmin credentials
# file per service and refuses to start when one exists: 3 files in 7.0, 4 in
# 7.2, 5 in 7.4. The names are string literals in oned ("/.one/NAME_auth"):
# the list is read from the installed binary, not written down here.
write_serveradmin_list() {
	local oned=$ROOT/usr/bin/oned list=$ROOT/usr/share/one/onechart-serveradmin-files names
	[[ -f $oned ]] || return 0 # reported by check_paths
	names=$(LC_ALL=C grep -aoE '/\.one/[a-z_]+_auth' "$oned" | sed 's|.*/||' | grep -vx one_auth | sort -u || true)
	if ! grep -qx sunstone_auth <<<"$names"; then
		fail "no serveradmin file names (/.one/*_auth) found in /usr/bin/oned"
		return 0
	fi
	mkdir -p "$(dirname "$list")"
	printf '%s\n' "$names" >"$list"
	say "serveradmin files: $(paste -sd' ' "$list")"
}

# usage: check_sshd_config   (sshd -t on the configuration the entrypoint writes)
check_sshd_config() {
	local tmp out
	tmp=$(mktemp -d)
	if ! out=$(
		ONE_VAR=$tmp/var ONECHART_RUN=$tmp/run ONE_OWNER="$(id -u):$(id -g)" \
			bash -c 'source "$1" && mkdir -p "$ONE_VAR/.onechart" && setup_ssh_host_keys && write_sshd_config' \
			build-check "$ONECHART_ENTRYPOINT" 2>&1 &&
			"$SSHD" -t -f "$tmp/run/sshd_config" 2>&1
	); then
		fail "sshd -t rejects the entrypoint's sshd_config: $out"
	else
		say "sshd -t accepts the entrypoint's sshd_config"
	fi
	rm -rf "$tmp"
}

# usage: check_exporter
# OpenNebula's Prometheus exporter (opennebula-prometheus-kvm), as
# supervisord runs it through onechart-exporter: its one `set :bind` line
# (the address the entrypoint may change), every collector file it requires
# (opennebula_collector.rb's require_relative list grows by release), and
# every library they require loading with OpenNebula's gems, as the exporter
# finds them (/usr/share/one/gems).
check_exporter() {
	local exporter=$ROOT/usr/lib/one/opennebula_exporter/opennebula_exporter.rb out
	[[ -f $exporter ]] || return 0 # reported by check_paths
	if ! out=$(ROOT=$ROOT ruby "$ONECHART_EXPORTER" --check "$exporter" 2>&1); then
		fail "the Prometheus exporter: ${out//"$ROOT"/}"
	else
		say "${out//"$ROOT"/}"
	fi
}

main() {
	check_paths
	check_migrators
	check_guacd
	write_serveradmin_list
	check_sshd_config
	check_exporter
	if ((FAILED)); then
		echo "build-check: FAILED" >&2
		exit 1
	fi
	say "ok"
}

main "$@"
