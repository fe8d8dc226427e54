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
	assert_fails_with 'spaces, tabs or line breaks' check_env
}

# oned 7.2 refused 'Adm1n-"pw'"'"' x' with "Invalid password, character ' ' is
# not allowed" AFTER writing the serveradmin files (src/um/User.cc, pass_is_valid):
# the entrypoint refuses what oned would refuse, without printing the password.
test_oneadmin_password_as_oned_checks_it() {
	load_entrypoint
	export DB_BACKEND=sqlite
	local pw
	for pw in 'Adm1n-"pw'"'"' x' $'tab\there' $'vt\vx' $'ff\fx' $'cr\rx' ' lead' 'trail '; do
		ONEADMIN_PASSWORD=$pw
		assert_fails_with 'spaces, tabs or line breaks: oned refuses' check_env
		! (check_env 2>&1 || true) | grep -qF -- "$pw" || fail "password printed: $pw"
	done
	ONEADMIN_PASSWORD=$(head -c 257 /dev/zero | tr '\0' x)
	assert_fails_with 'longer than 256 bytes' check_env
	# 256 bytes, and multi-byte characters counted as bytes (oned counts bytes).
	ONEADMIN_PASSWORD=$(head -c 256 /dev/zero | tr '\0' x)
	check_env
	ONEADMIN_PASSWORD=$(printf 'é%.0s' $(seq 129))
	assert_fails_with 'longer than 256 bytes' check_env
	# What oned accepted: quotes, XML and shell metacharacters.
	# shellcheck disable=SC2016 # literally $(id)
	ONEADMIN_PASSWORD='Adm1n-"pw'"'"'&<x>$(id);#'
	check_env
}

test_secrets_from_files() {
	load_entrypoint
	unset ONEADMIN_PASSWORD DB_PASSWORD
	mkdir -p "$T_TMP/secrets"
	# shellcheck disable=SC2016
	printf '%s\n' 'db "pw" $(x) '"'" >"$T_TMP/secrets/db-password"
	printf 'admin-pw\n\n' >"$T_TMP/secrets/oneadmin-password"
	export DB_BACKEND=mysql DB_HOST=db DB_NAME=one DB_USER=u \
		DB_PASSWORD_FILE=$T_TMP/secrets/db-password ONEADMIN_PASSWORD_FILE=$T_TMP/secrets/oneadmin-password
	check_env
	# shellcheck disable=SC2016
	assert_eq "$DB_PASSWORD" 'db "pw" $(x) '"'" "DB_PASSWORD from its file"
	assert_eq "$ONEADMIN_PASSWORD" admin-pw "ONEADMIN_PASSWORD from its file (trailing newlines dropped)"
	# Shell variables only: no child process sees them or the file names.
	assert_eq "$(env | grep -cE '^(DB_PASSWORD|ONEADMIN_PASSWORD)(_FILE)?=' || true)" 0 "secrets in a child's environment"
	# Both forms at once is an error; so is an unreadable or oversized file.
	export ONEADMIN_PASSWORD=x ONEADMIN_PASSWORD_FILE=$T_TMP/secrets/oneadmin-password
	assert_fails_with 'both ONEADMIN_PASSWORD and ONEADMIN_PASSWORD_FILE are set' check_env
	unset ONEADMIN_PASSWORD
	export ONEADMIN_PASSWORD_FILE=$T_TMP/secrets/missing
	assert_fails_with 'ONEADMIN_PASSWORD_FILE: cannot read' check_env
	head -c 70000 /dev/zero | tr '\0' x >"$T_TMP/secrets/big"
	export ONEADMIN_PASSWORD_FILE=$T_TMP/secrets/big
	assert_fails_with 'larger than 65536 bytes' check_env
}

test_secrets_not_passed_on() {
	t_need ssh-keygen
	load_entrypoint
	use_upstream 7.0.0
	fake_dist 7.0.0-1
	mkdir -p "$T_TMP/secrets"
	printf 'db-secret-value\n' >"$T_TMP/secrets/db-password"
	export DB_BACKEND=sqlite ONEADMIN_PASSWORD=admin-secret-value \
		DB_PASSWORD_FILE=$T_TMP/secrets/db-password ONECHART_BOOTSTRAP=1
	bash "$IMAGE_DIR/entrypoint.sh" sh -c 'env; echo; tr "\0" "\n" </proc/self/environ; echo "$0 $*"' \
		>"$T_TMP/child" 2>"$T_TMP/out.log" || fail "$(cat "$T_TMP/out.log")"
	grep -q '^ONECHART_ONEFORM=false$' "$T_TMP/child" || fail "the command did not run: $(cat "$T_TMP/child")"
	! grep -qE 'secret-value|PASSWORD' "$T_TMP/child" || fail "a secret reached the command: $(grep -E 'secret-value|PASSWORD' "$T_TMP/child")"
	! grep -q 'secret-value' "$T_TMP/out.log" || fail "a secret in the log"
}

# usage: stale_files VERSION   (a volume whose database was dropped: every
# serveradmin file VERSION's bootstrap created, plus odd ones)
stale_files() {
	local f
	for f in $(serveradmin_names "$1"); do
		echo "serveradmin:old" >"$ONE_VAR/.one/$f"
	done
}

test_auth_fresh() {
	load_entrypoint
	setup_dirs
	serveradmin_list 7.4.0
	# shellcheck disable=SC2016
	export ONEADMIN_PASSWORD='o"ne:adm\in$x'
	# Left from an earlier install whose database was dropped: oned's bootstrap
	# would abort on them, so they are moved aside, not deleted. The list is
	# the installed version's (7.4: five files), not a fixed three.
	stale_files 7.4.0
	echo "serveradmin:from-a-newer-release" >"$ONE_VAR/.one/onefuture_auth"
	: >"$ONE_VAR/.one/half_written_auth"
	echo "alice:her-password" >"$ONE_VAR/.one/alice_auth"
	auth_for_fresh_database
	# shellcheck disable=SC2016
	assert_eq "$(<"$ONE_VAR/.one/one_auth")" 'oneadmin:o"ne:adm\in$x' one_auth
	assert_mode "$ONE_VAR/.one/one_auth" 600
	local f
	for f in $(serveradmin_names 7.4.0) onefuture_auth half_written_auth; do
		[[ ! -e $ONE_VAR/.one/$f ]] || fail "$f exists before oned's first start"
		compgen -G "$ONE_VAR/.one/$f.stale-*" >/dev/null || fail "old $f not kept aside"
	done
	assert_eq "$(<"$ONE_VAR/.one/alice_auth")" "alice:her-password" "another user's file"
}

test_auth_existing() {
	load_entrypoint
	setup_dirs
	serveradmin_list 7.2.0
	export ONEADMIN_PASSWORD=first
	auth_for_fresh_database 2>/dev/null
	# oned's 7.0 bootstrap then created three serveradmin files; the image is now 7.2.
	local f
	for f in $(serveradmin_names 7.0.0); do
		echo "serveradmin:the-secret" >"$ONE_VAR/.one/$f"
	done
	ONEADMIN_PASSWORD=changed-in-secret
	ensure_one_auth 2>"$T_TMP/out.log"
	repair_serveradmin 2>>"$T_TMP/out.log"
	for f in $(serveradmin_names 7.0.0); do
		assert_eq "$(<"$ONE_VAR/.one/$f")" "serveradmin:the-secret" "$f after restart"
	done
	# 7.2's oneform_auth, never written by a bootstrap: copied from a sibling.
	assert_eq "$(<"$ONE_VAR/.one/oneform_auth")" "serveradmin:the-secret" oneform_auth
	assert_mode "$ONE_VAR/.one/oneform_auth" 600
	[[ ! -e $ONE_RUN_DIR/serveradmin-regenerate ]] || fail "regeneration asked for"
	assert_eq "$(<"$ONE_VAR/.one/one_auth")" oneadmin:first "one_auth kept"
	grep -q 'one_auth differs' "$T_TMP/out.log" || fail "no warning about the changed password"
	! grep -q changed-in-secret "$T_TMP/out.log" || fail "password printed in the log"
	! grep -q the-secret "$T_TMP/out.log" || fail "serveradmin secret printed in the log"
	# A new volume on the old database: one_auth rewritten, regeneration asked for.
	rm "$ONE_VAR/.one/"*_auth
	ensure_one_auth 2>"$T_TMP/out.log"
	repair_serveradmin 2>>"$T_TMP/out.log"
	assert_eq "$(<"$ONE_VAR/.one/one_auth")" oneadmin:changed-in-secret "one_auth rewritten"
	assert_eq "$(<"$ONE_RUN_DIR/serveradmin-regenerate")" "$(printf '%s\n' oneflow_auth oneform_auth onegate_auth sunstone_auth)" \
		"files to regenerate"
	grep -q 'onechart-serveradmin sets a new serveradmin password' "$T_TMP/out.log" || fail "no message"
}

# A real oned 7.2 whose volume lost .one wrote a new one_key silently and
# could no longer decrypt a user's SSH_PASSPHRASE: the start says so.
test_one_key_lost_warned() {
	load_entrypoint
	setup_dirs
	echo "0123456789abcdef" >"$ONE_VAR/.one/one_key"
	check_one_key 2>"$T_TMP/out.log"
	[[ ! -s $T_TMP/out.log ]] || fail "warning with one_key present: $(cat "$T_TMP/out.log")"
	rm "$ONE_VAR/.one/one_key"
	check_one_key 2>"$T_TMP/out.log"
	grep -q 'one_key is missing but the database exists' "$T_TMP/out.log" || fail "no warning: $(cat "$T_TMP/out.log")"
	[[ ! -e $ONE_VAR/.one/one_key ]] || fail "one_key written by the entrypoint"
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
	# Changed by the user and by the release: the user's wins, the new one beside it.
	assert_eq "$(<"$ONE_VAR/remotes/etc/vnm/OpenNebulaNetwork.conf")" "user tuned" "remotes/etc kept"
	assert_eq "$(<"$ONE_VAR/remotes/etc/vnm/OpenNebulaNetwork.conf.onechart-dist")" "conf 7.2.0-1" "new default beside"
	assert_eq "$(<"$ONE_VAR/remotes/etc/mine.conf")" "user file" "user file in remotes/etc kept"
	assert_eq "$(<"$ONE_VAR/remotes/etc/only-7.2.0-1.conf")" "new in 7.2.0-1" "new upstream etc file"
	[[ ! -e $ONE_VAR/remotes/etc/only-7.0.0-1.conf ]] || fail "a file the release removed and the user never changed"
	assert_eq "$(ls "$ONE_VAR/.onechart/remotes-etc-dist")" 7.2.0-1 "pristine copies kept"
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

# usage: model_dist VERSION   (an image of VERSION: remotes-dist/etc is the
# model of that release's remotes/etc, fixtures/opennebula-VERSION/remotes-etc:
# the files each release added or changed, see fixtures/README.md)
model_dist() {
	rm -rf "$ONE_SHARE/remotes-dist"
	mkdir -p "$ONE_SHARE/remotes-dist/vmm/kvm"
	echo "deploy $1" >"$ONE_SHARE/remotes-dist/vmm/kvm/deploy"
	cp -a "$(model_etc "$1")" "$ONE_SHARE/remotes-dist/etc"
	echo "$1-1" >"$ONE_IMAGE_VERSION_FILE"
}

# usage: model_etc VERSION   (the path of that release's modelled remotes/etc)
model_etc() {
	printf '%s\n' "$FIXTURES_DIR/opennebula-$1/remotes-etc"
}

test_remotes_model_upgrade_untouched() {
	load_entrypoint
	setup_dirs
	model_dist 7.0.0
	refresh_remotes 2>/dev/null
	grep -q VIRTIOFSD_BINARY_PATH "$ONE_VAR/remotes/etc/vmm/kvm/kvmrc" && fail "7.0's kvmrc has VIRTIOFSD_BINARY_PATH"
	model_dist 7.2.0
	refresh_remotes 2>"$T_TMP/out.log"
	# The user never touched them: 7.2's files, which 7.2's virtiofsd.sh needs.
	cmp "$(model_etc 7.2.0)/vmm/kvm/kvmrc" "$ONE_VAR/remotes/etc/vmm/kvm/kvmrc"
	grep -q '^VIRTIOFSD_BINARY_PATH=' "$ONE_VAR/remotes/etc/vmm/kvm/kvmrc" || fail "no VIRTIOFSD_BINARY_PATH"
	diff -r "$(model_etc 7.2.0)" "$ONE_VAR/remotes/etc"
	grep -q '0 conflict' "$T_TMP/out.log" || fail "conflicts reported: $(cat "$T_TMP/out.log")"
	# 7.2 -> 7.4 the same way (onebex-server.conf is new in 7.4).
	model_dist 7.4.0
	refresh_remotes 2>"$T_TMP/out.log"
	diff -r "$(model_etc 7.4.0)" "$ONE_VAR/remotes/etc"
	grep -q '0 conflict' "$T_TMP/out.log" || fail "7.4 conflicts reported: $(cat "$T_TMP/out.log")"
	# Only the running release's pristine copy is kept.
	assert_eq "$(ls "$ONE_VAR/.onechart/remotes-etc-dist")" 7.4.0-1 "pristine copies kept"
	diff -r "$(model_etc 7.4.0)" "$ONE_VAR/.onechart/remotes-etc-dist/7.4.0-1"
}

test_remotes_model_upgrade_user_changes() {
	load_entrypoint
	setup_dirs
	model_dist 7.0.0
	refresh_remotes 2>/dev/null
	local etc=$ONE_VAR/remotes/etc
	# kvmrc: changed by the user AND by 7.2 (VIRTIOFSD_BINARY_PATH): a conflict.
	sed -i 's/^DEFAULT_ATTACH_CACHE=.*/DEFAULT_ATTACH_CACHE=writethrough/' "$etc/vmm/kvm/kvmrc"
	cmp -s "$etc/vmm/kvm/kvmrc" "$(model_etc 7.0.0)/vmm/kvm/kvmrc" &&
		fail "test edit did not apply"
	cp "$etc/vmm/kvm/kvmrc" "$T_TMP/user-kvmrc"
	# sshrc: changed by the user only (7.2 did not touch it): carried over.
	echo 'SSH_OPTS="-o Compression=no"' >>"$etc/tm/ssh/sshrc"
	cp "$etc/tm/ssh/sshrc" "$T_TMP/user-sshrc"
	# datastore.conf: deleted by the user, unchanged by 7.2: stays deleted.
	rm "$etc/datastore/datastore.conf"
	# A file of the user's own: kept.
	echo mine >"$etc/vnm/custom.conf"
	model_dist 7.2.0
	refresh_remotes 2>"$T_TMP/out.log"
	cmp "$T_TMP/user-kvmrc" "$etc/vmm/kvm/kvmrc"
	cmp "$(model_etc 7.2.0)/vmm/kvm/kvmrc" "$etc/vmm/kvm/kvmrc.onechart-dist"
	grep -q 'warning: remotes/etc/vmm/kvm/kvmrc: changed by you and by OpenNebula 7.2.0-1' "$T_TMP/out.log" ||
		fail "conflict not logged: $(cat "$T_TMP/out.log")"
	cmp "$T_TMP/user-sshrc" "$etc/tm/ssh/sshrc"
	[[ ! -e $etc/datastore/datastore.conf ]] || fail "a file the user deleted came back"
	assert_eq "$(<"$etc/vnm/custom.conf")" mine "the user's own file"
	# Untouched files follow 7.2, new ones appear.
	cmp "$(model_etc 7.2.0)/vmm/lxc/lxcrc" "$etc/vmm/lxc/lxcrc"
	cmp "$(model_etc 7.2.0)/vnm/OpenNebulaNetwork.conf" "$etc/vnm/OpenNebulaNetwork.conf"
	cmp "$(model_etc 7.2.0)/im/lxc-probes.d/pci.conf" "$etc/im/lxc-probes.d/pci.conf"
	grep -q '1 conflict' "$T_TMP/out.log" || fail "conflict count: $(cat "$T_TMP/out.log")"
	# The next upgrade replaces the old .onechart-dist and merges again:
	# 7.4 changed kvmrc once more, the user's is still kept.
	model_dist 7.4.0
	refresh_remotes 2>"$T_TMP/out.log"
	cmp "$T_TMP/user-kvmrc" "$etc/vmm/kvm/kvmrc"
	cmp "$(model_etc 7.4.0)/vmm/kvm/kvmrc" "$etc/vmm/kvm/kvmrc.onechart-dist"
	cmp "$T_TMP/user-sshrc" "$etc/tm/ssh/sshrc"
	[[ ! -e $etc/datastore/datastore.conf ]] || fail "a file the user deleted came back in 7.4"
	cmp "$(model_etc 7.4.0)/onebex/onebex-server.conf" "$etc/onebex/onebex-server.conf"
	grep -q '1 conflict' "$T_TMP/out.log" || fail "7.4 conflict count: $(cat "$T_TMP/out.log")"
}

test_remotes_no_pristine_copy() {
	load_entrypoint
	setup_dirs
	# A volume from an image before this one: remotes/etc of 7.0, no pristine copy.
	mkdir -p "$ONE_VAR/remotes"
	cp -a "$(model_etc 7.0.0)" "$ONE_VAR/remotes/etc"
	echo mine >"$ONE_VAR/remotes/etc/vnm/custom.conf"
	echo 7.0.0-1 >"$ONE_VAR/.onechart/remotes-version"
	model_dist 7.2.0
	refresh_remotes 2>"$T_TMP/out.log"
	local etc=$ONE_VAR/remotes/etc
	# Nothing tells who changed kvmrc: the volume's is kept, 7.2's beside it, logged.
	cmp "$(model_etc 7.0.0)/vmm/kvm/kvmrc" "$etc/vmm/kvm/kvmrc"
	cmp "$(model_etc 7.2.0)/vmm/kvm/kvmrc" "$etc/vmm/kvm/kvmrc.onechart-dist"
	grep -q 'remotes/etc/vmm/kvm/kvmrc: differs from OpenNebula 7.2.0-1 and there is no pristine copy' \
		"$T_TMP/out.log" || fail "not logged: $(cat "$T_TMP/out.log")"
	# Identical files, new files and the user's own need no decision.
	cmp "$(model_etc 7.2.0)/tm/ssh/sshrc" "$etc/tm/ssh/sshrc"
	cmp "$(model_etc 7.2.0)/im/lxc-probes.d/pci.conf" "$etc/im/lxc-probes.d/pci.conf"
	assert_eq "$(<"$etc/vnm/custom.conf")" mine "the user's own file"
	# From now on the pristine copy exists.
	diff -r "$(model_etc 7.2.0)" "$ONE_VAR/.onechart/remotes-etc-dist/7.2.0-1"
}

test_ssh_host_keys() {
	t_need ssh-keygen sshd
	load_entrypoint
	setup_dirs
	setup_ssh_host_keys 2>/dev/null
	local dir=$ONE_VAR/.onechart/ssh-host-keys type before
	assert_mode "$dir" 700
	for type in ed25519 ecdsa rsa; do
		assert_mode "$dir/ssh_host_${type}_key" 600
		ssh-keygen -l -f "$dir/ssh_host_${type}_key.pub" >/dev/null
	done
	before=$(cat "$dir"/*.pub)
	# fsGroup widened the modes: restored; the keys are kept.
	chmod 0660 "$dir/ssh_host_rsa_key"
	setup_ssh_host_keys 2>"$T_TMP/out.log"
	assert_mode "$dir/ssh_host_rsa_key" 600
	assert_eq "$(cat "$dir"/*.pub)" "$before" "host keys after a restart"
	[[ ! -s $T_TMP/out.log ]] || fail "keys regenerated: $(cat "$T_TMP/out.log")"
	# sshd's own check of the configuration the entrypoint writes.
	write_sshd_config
	sshd -t -f "$ONECHART_RUN/sshd_config"
	local effective
	effective=$(sshd -T -f "$ONECHART_RUN/sshd_config" -C user=oneadmin,host=h,addr=192.0.2.1)
	local want
	for want in 'passwordauthentication no' 'kbdinteractiveauthentication no' 'permitrootlogin no' \
		'pubkeyauthentication yes' 'authenticationmethods publickey' 'allowusers oneadmin' \
		'hostbasedauthentication no' 'permitemptypasswords no' "hostkey $dir/ssh_host_ed25519_key"; do
		grep -qx "$want" <<<"$effective" || fail "sshd -T lacks '$want'"
	done
}

test_hostname_resolves() {
	load_entrypoint
	printf '127.0.0.1\tlocalhost\n' >"$HOSTS_FILE"
	export OPENNEBULA_HOSTNAME=one-0.one-headless.ns.svc.onechart.invalid
	ensure_hostname_resolves 2>/dev/null
	local line
	line=$(grep -F "$OPENNEBULA_HOSTNAME" "$HOSTS_FILE")
	[[ $line =~ ^[0-9a-f.:]+$'\t'"$OPENNEBULA_HOSTNAME"$ ]] || fail "hosts line: $line"
	# Idempotent: a second start adds nothing.
	ensure_hostname_resolves 2>/dev/null
	assert_eq "$(grep -cF "$OPENNEBULA_HOSTNAME" "$HOSTS_FILE")" 1 "hosts lines"
	# A name that resolves already (here: localhost) is left alone.
	OPENNEBULA_HOSTNAME=localhost
	ensure_hostname_resolves 2>/dev/null
	assert_eq "$(grep -c . "$HOSTS_FILE")" 2 "hosts lines after localhost"
	OPENNEBULA_HOSTNAME='bad name;'
	assert_fails_with 'OPENNEBULA_HOSTNAME must be a host name' ensure_hostname_resolves
}

test_log_links() {
	load_entrypoint
	setup_dirs
	setup_logs
	local f
	for f in onehem.log fireedge.log fireedge1.log fireedge9.log; do
		assert_eq "$(readlink "$ONE_LOG_DIR/$f")" /dev/stdout "link of $f"
	done
	assert_eq "$(readlink "$DEV_LOG")" "$ONE_RUN_DIR/log.sock" "/dev/log"
	# A file left by an earlier container is replaced by the link.
	rm "$ONE_LOG_DIR/onehem.log"
	echo old >"$ONE_LOG_DIR/onehem.log"
	setup_logs
	assert_eq "$(readlink "$ONE_LOG_DIR/onehem.log")" /dev/stdout "link of onehem.log"
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

main() {
	t_need ruby || {
		t_summary bootstrap
		return
	}
	t_run "setup_dirs: no chown -R, stale lock removed" test_setup_dirs
	t_run "check_env" test_check_env
	t_run "ONEADMIN_PASSWORD: what oned refuses is refused first" test_oneadmin_password_as_oned_checks_it
	t_run "secrets: from *_FILE, never exported" test_secrets_from_files
	t_run "secrets: not in the command's environment" test_secrets_not_passed_on
	t_run "auth: fresh database, the version's serveradmin files aside" test_auth_fresh
	t_run "auth: existing database, serveradmin files completed" test_auth_existing
	t_run "auth: existing database without one_key: warned" test_one_key_lost_warned
	t_run "remotes: first copy" test_remotes_first_copy
	t_run "remotes: restart keeps them" test_remotes_same_version
	t_run "remotes: version change refreshes, merges etc" test_remotes_version_change
	t_run "remotes: interrupted refresh recovers" test_remotes_interrupted
	t_run "remotes: modelled 7.0 -> 7.2 -> 7.4, untouched etc follows" test_remotes_model_upgrade_untouched
	t_run "remotes: modelled 7.0 -> 7.2 -> 7.4 with user changes, conflicts" test_remotes_model_upgrade_user_changes
	t_run "remotes: volume without a pristine copy" test_remotes_no_pristine_copy
	t_run "ssh: key generated, config written" test_ssh_generated
	t_run "ssh: mounted key installed" test_ssh_mounted
	t_run "sshd: host keys kept, sshd -t, keys only" test_ssh_host_keys
	t_run "HOSTNAME resolves inside the pod" test_hostname_resolves
	t_run "logs: files linked to stdout, /dev/log" test_log_links
	t_run "main: dispatch" test_main_dispatch
	t_summary bootstrap
}

main "$@"
