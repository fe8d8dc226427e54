#!/usr/bin/env bash
# Volume bootstrap without a database: directories, auth files, SSH keys,
# remotes refresh, command dispatch.
set -Eeuo pipefail
# shellcheck source=image/tests/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

# usage: fake_dist VERSION   (an image's remotes-dist and version stamp)
fake_dist() {
	rm -rf "$ONE_SHARE/remotes-dist"
	mkdir -p "$ONE_SHARE/remotes-dist/etc/vnm" "$ONE_SHARE/remotes-dist/vmm/kvm"
	echo "deploy $1" >"$ONE_SHARE/remotes-dist/vmm/kvm/deploy"
	echo "conf $1" >"$ONE_SHARE/remotes-dist/etc/vnm/OpenNebulaNetwork.conf"
	echo "new in $1" >"$ONE_SHARE/remotes-dist/etc/only-$1.conf"
	echo "$1" >"$ONE_IMAGE_VERSION_FILE"
}

test_setup_dirs() {
	load_entrypoint
	mkdir -p "$ONE_LOCK_DIR" "$ONE_VAR/datastores/0"
	touch "$ONE_LOCK_DIR/one" "$ONE_VAR/datastores/0/disk.0"
	# Something not ours on the volume: setup_dirs must not chown it (no chown -R).
	chown 12345:12345 "$ONE_VAR/datastores/0/disk.0" "$ONE_VAR/datastores/0"
	setup_dirs
	[[ ! -e $ONE_LOCK_DIR/one ]] || fail "stale lock kept"
	assert_mode "$ONE_VAR/.one" 700
	assert_mode "$ONE_VAR/.ssh" 700
	local d
	for d in "$ONE_LOG_DIR" "$ONE_RUN_DIR/ssh-socks" "$ONE_VAR/vms" "$ONE_VAR/backups"; do
		[[ -d $d ]] || fail "$d not created"
	done
	assert_eq "$(stat -c %u "$ONE_VAR/datastores/0/disk.0")" 12345 "owner of a datastore file"
	assert_eq "$(stat -c %u "$ONE_VAR/datastores/0")" 12345 "owner of a datastore dir"
}

test_check_env() {
	load_entrypoint
	unset ONEADMIN_PASSWORD DB_HOST DB_BACKEND
	assert_fails_with 'missing environment: ONEADMIN_PASSWORD' check_env
	export ONEADMIN_PASSWORD=x DB_BACKEND=mysql DB_NAME=one DB_USER=u DB_PASSWORD=
	assert_fails_with 'missing environment: DB_HOST' check_env
	export DB_HOST=db
	check_env
	assert_eq "$DB_PORT" 3306 "default DB_PORT"
	export DB_BACKEND=postgres
	assert_fails_with 'DB_BACKEND must be' check_env
	ONEADMIN_PASSWORD=$'a\nb' DB_BACKEND=sqlite
	assert_fails_with 'newline' check_env
}

test_auth_fresh() {
	load_entrypoint
	setup_dirs
	# shellcheck disable=SC2016
	export ONEADMIN_PASSWORD='o"ne:adm\in $x'
	# Left from an earlier install whose database was dropped: oned's bootstrap
	# would abort on them, so they are moved aside, not deleted.
	echo 'serveradmin:old' >"$ONE_VAR/.one/sunstone_auth"
	prepare_auth fresh
	# shellcheck disable=SC2016
	assert_eq "$(<"$ONE_VAR/.one/one_auth")" 'oneadmin:o"ne:adm\in $x' one_auth
	assert_mode "$ONE_VAR/.one/one_auth" 600
	local f
	for f in sunstone_auth oneflow_auth onegate_auth; do
		[[ ! -e $ONE_VAR/.one/$f ]] || fail "$f exists before oned's first start"
	done
	compgen -G "$ONE_VAR/.one/sunstone_auth.stale-*" >/dev/null || fail "old sunstone_auth not kept aside"
}

test_auth_restart() {
	load_entrypoint
	setup_dirs
	export ONEADMIN_PASSWORD=first
	prepare_auth fresh
	# oned's bootstrap then creates the serveradmin files.
	local f
	for f in sunstone_auth oneflow_auth onegate_auth; do
		echo "serveradmin:random-$f" >"$ONE_VAR/.one/$f"
	done
	ONEADMIN_PASSWORD=changed-in-secret
	prepare_auth existing 2>"$T_TMP/out.log"
	for f in sunstone_auth oneflow_auth onegate_auth; do
		assert_eq "$(<"$ONE_VAR/.one/$f")" "serveradmin:random-$f" "$f after restart"
	done
	assert_eq "$(<"$ONE_VAR/.one/one_auth")" oneadmin:first "one_auth kept"
	grep -q 'one_auth differs' "$T_TMP/out.log" || fail "no warning about the changed password"
	! grep -q changed-in-secret "$T_TMP/out.log" || fail "password printed in the log"
	rm "$ONE_VAR/.one/one_auth" "$ONE_VAR/.one/onegate_auth"
	prepare_auth existing 2>"$T_TMP/out.log"
	assert_eq "$(<"$ONE_VAR/.one/one_auth")" oneadmin:changed-in-secret "one_auth rewritten"
	grep -q 'onegate_auth is missing' "$T_TMP/out.log" || fail "no warning about onegate_auth"
}

test_remotes_first_copy() {
	load_entrypoint
	setup_dirs
	fake_dist 7.0.0-1
	refresh_remotes
	assert_eq "$(<"$ONE_VAR/remotes/vmm/kvm/deploy")" "deploy 7.0.0-1"
	assert_eq "$(<"$ONE_VAR/.onechart/remotes-version")" 7.0.0-1 stamp
}

test_remotes_same_version() {
	load_entrypoint
	setup_dirs
	fake_dist 7.0.0-1
	refresh_remotes
	echo hotfix >"$ONE_VAR/remotes/vmm/kvm/deploy"
	refresh_remotes
	assert_eq "$(<"$ONE_VAR/remotes/vmm/kvm/deploy")" hotfix "restart keeps remotes"
}

test_remotes_version_change() {
	load_entrypoint
	setup_dirs
	fake_dist 7.0.0-1
	refresh_remotes
	echo "user tuned" >"$ONE_VAR/remotes/etc/vnm/OpenNebulaNetwork.conf"
	echo "user file" >"$ONE_VAR/remotes/etc/mine.conf"
	echo stale >"$ONE_VAR/remotes/vmm/kvm/removed-upstream"
	fake_dist 7.2.0-1
	refresh_remotes
	assert_eq "$(<"$ONE_VAR/remotes/vmm/kvm/deploy")" "deploy 7.2.0-1" "driver refreshed"
	[[ ! -e $ONE_VAR/remotes/vmm/kvm/removed-upstream ]] || fail "stale driver kept"
	assert_eq "$(<"$ONE_VAR/remotes/etc/vnm/OpenNebulaNetwork.conf")" "user tuned" "remotes/etc kept"
	assert_eq "$(<"$ONE_VAR/remotes/etc/mine.conf")" "user file" "user file in remotes/etc kept"
	assert_eq "$(<"$ONE_VAR/remotes/etc/only-7.2.0-1.conf")" "new in 7.2.0-1" "new upstream etc file"
	assert_eq "$(<"$ONE_VAR/.onechart/remotes-version")" 7.2.0-1 stamp
	[[ ! -e $ONE_VAR/remotes.onechart-old && ! -e $ONE_VAR/remotes.onechart-new ]] || fail "leftovers"
}

test_remotes_interrupted() {
	load_entrypoint
	setup_dirs
	fake_dist 7.0.0-1
	refresh_remotes
	echo "user tuned" >"$ONE_VAR/remotes/etc/vnm/OpenNebulaNetwork.conf"
	# Killed between "mv remotes remotes.onechart-old" and "mv new remotes".
	mv "$ONE_VAR/remotes" "$ONE_VAR/remotes.onechart-old"
	mkdir "$ONE_VAR/remotes.onechart-new"
	fake_dist 7.2.0-1
	refresh_remotes
	assert_eq "$(<"$ONE_VAR/remotes/etc/vnm/OpenNebulaNetwork.conf")" "user tuned" "remotes/etc kept"
	assert_eq "$(<"$ONE_VAR/remotes/vmm/kvm/deploy")" "deploy 7.2.0-1" "driver refreshed"
}

test_ssh_generated() {
	t_need ssh-keygen
	load_entrypoint
	setup_dirs
	mkdir -p "$ONE_SHARE/ssh"
	printf 'Host *\n    StrictHostKeyChecking accept-new\n' >"$ONE_SHARE/ssh/config"
	install_ssh_keys
	write_ssh_config
	[[ -s $ONE_VAR/.ssh/id_rsa && -s $ONE_VAR/.ssh/id_rsa.pub ]] || fail "no key generated"
	assert_mode "$ONE_VAR/.ssh/id_rsa" 600
	assert_eq "$(grep -c . "$ONE_VAR/.ssh/authorized_keys")" 1 "authorized_keys lines"
	cmp "$ONE_SHARE/ssh/config" "$ONE_VAR/.ssh/config"
	# Restart: same key, authorized once, user's config untouched.
	local before
	before=$(<"$ONE_VAR/.ssh/id_rsa")
	echo "# mine" >"$ONE_VAR/.ssh/config"
	install_ssh_keys
	write_ssh_config
	assert_eq "$(<"$ONE_VAR/.ssh/id_rsa")" "$before" "key kept"
	assert_eq "$(grep -c . "$ONE_VAR/.ssh/authorized_keys")" 1 "authorized_keys lines"
	assert_eq "$(<"$ONE_VAR/.ssh/config")" "# mine" "ssh config kept"
}

test_ssh_mounted() {
	t_need ssh-keygen
	load_entrypoint
	setup_dirs
	ssh-keygen -q -t rsa -b 2048 -N '' -C mounted -f "$T_TMP/key"
	install -m 0400 "$T_TMP/key" "$ONECHART_SSH_DIR/id_rsa"
	# A key generated on an earlier start is replaced by the mounted one.
	ssh-keygen -q -t rsa -b 2048 -N '' -C old -f "$ONE_VAR/.ssh/id_rsa"
	install_ssh_keys
	cmp "$T_TMP/key" "$ONE_VAR/.ssh/id_rsa"
	assert_mode "$ONE_VAR/.ssh/id_rsa" 600
	assert_mode "$ONE_VAR/.ssh/id_rsa.pub" 644
	# The public key was derived from the private one (no id_rsa.pub mounted).
	assert_eq "$(cut -d' ' -f1,2 "$ONE_VAR/.ssh/id_rsa.pub")" "$(cut -d' ' -f1,2 "$T_TMP/key.pub")" "derived pub"
	grep -qF "$(cut -d' ' -f2 "$T_TMP/key.pub")" "$ONE_VAR/.ssh/authorized_keys" || fail "mounted key not authorized"
	install -m 0400 "$T_TMP/key.pub" "$ONECHART_SSH_DIR/id_rsa.pub"
	install_ssh_keys
	install_ssh_keys
	cmp "$T_TMP/key.pub" "$ONE_VAR/.ssh/id_rsa.pub"
	assert_eq "$(grep -cF "$(cut -d' ' -f2 "$T_TMP/key.pub")" "$ONE_VAR/.ssh/authorized_keys")" 1 "authorized once"
}

test_main_dispatch() {
	# Not supervisord: no bootstrap, just exec (debug shells, one-off commands).
	load_entrypoint
	unset ONEADMIN_PASSWORD
	local out
	out=$(bash "$IMAGE_DIR/entrypoint.sh" echo hello 2>&1)
	assert_eq "$out" hello "exec of a plain command"
	assert_fails_with 'missing environment: ONEADMIN_PASSWORD' \
		bash "$IMAGE_DIR/entrypoint.sh" supervisord -n
}

test_wait_oned() {
	# curl stub: oned "answers" once $T_TMP/up exists.
	mkdir -p "$T_TMP/bin"
	printf '#!/bin/sh\n[ -e "%s/up" ]\n' "$T_TMP" >"$T_TMP/bin/curl"
	chmod +x "$T_TMP/bin/curl"
	PATH="$T_TMP/bin:$PATH" WAIT_INTERVAL=0.1 \
		bash "$IMAGE_DIR/wait-oned.sh" "$T_TMP/auth" -- sh -c "echo started >'$T_TMP/out'" 2>/dev/null &
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

main() {
	t_need ruby || {
		t_summary bootstrap
		return
	}
	t_run "setup_dirs: no chown -R, stale lock removed" test_setup_dirs
	t_run "check_env" test_check_env
	t_run "auth: fresh volume writes only one_auth" test_auth_fresh
	t_run "auth: restart keeps the serveradmin files" test_auth_restart
	t_run "remotes: first copy" test_remotes_first_copy
	t_run "remotes: restart keeps them" test_remotes_same_version
	t_run "remotes: version change refreshes, keeps etc" test_remotes_version_change
	t_run "remotes: interrupted refresh recovers" test_remotes_interrupted
	t_run "ssh: key generated, config written" test_ssh_generated
	t_run "ssh: mounted key installed" test_ssh_mounted
	t_run "main: dispatch" test_main_dispatch
	t_run "wait-oned: waits for oned and the auth file" test_wait_oned
	t_summary bootstrap
}

main "$@"
