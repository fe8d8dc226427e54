#!/usr/bin/env bash
# The database decisions against a real MariaDB server started here on a
# private socket and port: wait, fresh/current/upgrade/newer, backup, failed
# upgrades, and whole-bootstrap scenarios (fresh volume, restart, image
# upgrade, rollback onto a newer database). onedb itself is a stub on PATH.
set -Eeuo pipefail
# shellcheck source=image/tests/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

# A password the DB user really has: quotes (a leading one, which onedb strips
# once), backslash, shell and SQL metacharacters; no space (onedb cannot log
# in with one: test_upgrade_password_with_space_refused).
# shellcheck disable=SC2016
DB_TEST_PASSWORD='"q'"'"'uo\te/&$(id)#%;--'
DB_TEST_USER=oneadmin

# usage: start_mariadb   (sets DB_ROOT, DB_TEST_PORT, DB_SOCK; stopped on exit)
start_mariadb() {
	DB_ROOT=$(mktemp -d)
	DB_SOCK=$DB_ROOT/mysqld.sock
	DB_TEST_PORT=${ONECHART_TEST_DB_PORT:-$((20000 + RANDOM % 20000))}
	local as_user=()
	((EUID != 0)) || as_user=(--user=root)
	mariadb-install-db --no-defaults "${as_user[@]}" --datadir="$DB_ROOT/data" \
		--auth-root-authentication-method=normal --skip-test-db >"$DB_ROOT/install.log" 2>&1 ||
		{
			cat "$DB_ROOT/install.log"
			return 1
		}
	mariadbd --no-defaults "${as_user[@]}" --datadir="$DB_ROOT/data" --socket="$DB_SOCK" \
		--port="$DB_TEST_PORT" --bind-address=127.0.0.1 --skip-name-resolve \
		--pid-file="$DB_ROOT/mariadbd.pid" --log-error="$DB_ROOT/error.log" \
		--innodb-buffer-pool-size=16M --transaction-isolation=READ-COMMITTED 2>>"$DB_ROOT/error.log" &
	DB_PID=$!
	trap stop_mariadb EXIT
	local i
	for i in $(seq 1 100); do
		if mariadb-admin --no-defaults -S "$DB_SOCK" -uroot ping >/dev/null 2>&1; then
			break
		fi
		((i < 100)) || {
			cat "$DB_ROOT/error.log"
			return 1
		}
		sleep 0.2
	done
	# shellcheck source=image/entrypoint.sh
	source "$IMAGE_DIR/entrypoint.sh"
	root_sql "CREATE USER '$DB_TEST_USER'@'127.0.0.1' IDENTIFIED BY $(sql_string "$DB_TEST_PASSWORD");
		GRANT ALL PRIVILEGES ON *.* TO '$DB_TEST_USER'@'127.0.0.1';"
	echo "mariadb $(mariadbd --version | awk '{print $3}') on 127.0.0.1:$DB_TEST_PORT"
}

stop_mariadb() {
	if [[ -n ${DB_PID:-} ]]; then
		kill "$DB_PID" 2>/dev/null || true
		wait "$DB_PID" 2>/dev/null || true
	fi
	rm -rf "$DB_ROOT"
}

# usage: root_sql SQL
root_sql() {
	mariadb --no-defaults -S "$DB_SOCK" -uroot -e "$1"
}

# usage: use_db NAME   (entrypoint env for a new, empty database NAME)
use_db() {
	export DB_BACKEND=mysql DB_HOST=127.0.0.1 DB_PORT=$DB_TEST_PORT DB_USER=$DB_TEST_USER \
		DB_PASSWORD=$DB_TEST_PASSWORD DB_NAME=$1 DB_WAIT_TIMEOUT=5
	root_sql "DROP DATABASE IF EXISTS \`$1\`"
}

# usage: half_schema VERSION   (what oned's first start leaves when UserPool aborts:
# image/tests/half-bootstrap.sql, every table, the version rows, no user)
half_schema() {
	root_sql "CREATE DATABASE IF NOT EXISTS $(sql_ident "$DB_NAME")"
	{
		printf 'SET @version = %s;\n' "$(sql_string "$1")"
		cat "$TESTS_DIR/half-bootstrap.sql"
	} | mariadb --no-defaults -S "$DB_SOCK" -uroot "$DB_NAME"
}

# usage: bootstrap_schema VERSION [LOCAL_VERSION]   (a database oned bootstrapped
# completely: the half one plus oneadmin and serveradmin, src/um/UserPool.cc)
bootstrap_schema() {
	half_schema "$1"
	root_sql "USE $(sql_ident "$DB_NAME");
		INSERT INTO user_pool VALUES (0, 'oneadmin', '<USER><ID>0</ID></USER>', 0, 0, 1, 0, 0);
		INSERT INTO user_pool VALUES (1, 'serveradmin', '<USER><ID>1</ID></USER>', 1, 0, 1, 0, 0);
		UPDATE local_db_versioning SET version = '${2:-$1}';"
}

# usage: code_version SHARED [LOCAL]   (the installed onedb's LATEST_*_VERSION)
code_version() {
	mkdir -p "$ONE_RUBY_LIB/onedb"
	cat >"$ONE_RUBY_LIB/onedb/database_schema.rb" <<-EOF
		class OneDBBacKEnd
		    LATEST_DB_VERSION = '$1'
		    LATEST_LOCAL_DB_VERSION = '${2:-$1}'
		end
	EOF
}

# usage: image_package VERSION   (the image's package version stamp)
image_package() {
	mkdir -p "$(dirname "$ONE_IMAGE_VERSION_FILE")"
	echo "$1" >"$ONE_IMAGE_VERSION_FILE"
}

# usage: stub_onedb MODE [TO]   (ok: migrate to TO; fail; noop; crash: half-migrate,
# then kill the entrypoint with SIGKILL as a node failure would; half: half-migrate, fail)
stub_onedb() {
	mkdir -p "$T_TMP/bin"
	cat >"$T_TMP/bin/onedb" <<-'EOF'
		#!/usr/bin/env bash
		# Test stub: records its arguments and what it saw; connects like onedb.
		set -Eeuo pipefail
		printf '%s\n' "$@" >"$STUB_LOG"
		[[ -s $ONE_VAR/.one/one_auth ]] && echo yes >"$STUB_LOG.one_auth" || echo no >"$STUB_LOG.one_auth"
		declare -A opt
		args=("$@")
		for ((i = 0; i < ${#args[@]}; i++)); do
			case ${args[i]} in -S | -P | -u | -p | -d | -t | --encoding) opt[${args[i]}]=${args[i + 1]} ;; esac
		done
		[[ ! -v opt[-p] ]] || { echo "stub onedb: password on the command line" >&2; exit 99; }
		# src/onedb/onedb.rb: without -p the password is ONE_DB_PASSWORD
		opt[pw]=${ONE_DB_PASSWORD?stub onedb: no ONE_DB_PASSWORD}
		# src/onedb/onedb_backend.rb (7.0-7.4), as real onedb 7.2 behaved:
		# connect_db logs in with mysql2://USER:CGI.escape(PW)@HOST..., which
		# Sequel unescapes, so a space arrives as '+'.
		esc() { local s=${1//\\/\\\\}; printf '%s' "${s//\"/\\\"}"; }
		sql() {
			mariadb --defaults-extra-file=<(printf '[client]\npassword="%s"\n' "$(esc "${opt[pw]// /+}")") \
				--protocol=TCP -h "${opt[-S]}" -P "${opt[-P]}" -u "${opt[-u]}" --batch --skip-column-names -e "$1"
		}
		connect() { sql 'SELECT 1' >/dev/null 2>&1 || { echo "Error connecting to DB: Access denied" >&2; exit 255; }; }
		# BackEndMySQL#initialize: without --encoding it connects (to read the
		# charset) BEFORE it strips one pair of quotes from values starting with ".
		[[ -v opt[--encoding] ]] || connect
		for k in -S -u -d pw; do
			v=${opt[$k]}
			[[ $v != \"* ]] || opt[$k]=${v:1:${#v}-2}
		done
		connect
		db="\`${opt[-d]}\`"
		sql "SELECT COUNT(*) FROM information_schema.tables WHERE table_schema = '${opt[-d]}' AND table_name = 'half_migrated'" \
			>"$STUB_LOG.half_before"
		case $STUB_MODE in
		fail)
			echo "ERROR: missing migrator 7.0.0_to_7.2.0" >&2
			exit 255
			;;
		noop) exit 0 ;;
		crash | half)
			sql "CREATE TABLE $db.half_migrated (x INT); UPDATE $db.db_versioning SET version = '$STUB_TO'"
			[[ $STUB_MODE == half ]] || kill -KILL "$PPID"
			exit 255
			;;
		esac
		sql "INSERT INTO $db.db_versioning VALUES (99, '$STUB_TO', 3, 'stub upgrade');
			INSERT INTO $db.local_db_versioning VALUES (99, '$STUB_TO', 3, 'stub upgrade', 0);"
		echo "Database migrated to $STUB_TO"
	EOF
	chmod +x "$T_TMP/bin/onedb"
	export PATH="$T_TMP/bin:$PATH" STUB_MODE=$1 STUB_LOG=$T_TMP/onedb.args STUB_TO=${2:-}
	rm -f "$STUB_LOG"
}

# usage: backups   (the backup files, one a line)
backups() {
	compgen -G "$ONE_VAR/backups/db/onedb-*.sql" || true
}

test_wait_ok_and_refused() {
	load_entrypoint
	use_db w
	db_wait
	DB_PASSWORD=wrong DB_WAIT_TIMEOUT=0
	assert_fails_with 'not reachable after 0s' db_wait
	DB_PASSWORD=$DB_TEST_PASSWORD DB_PORT=1
	assert_fails_with 'not reachable' db_wait
}

test_fixture_is_oneds_schema() {
	load_entrypoint
	use_db fixture
	half_schema 7.2.0
	# Real aborted 7.0.0 and 7.2.0 bootstraps (oned built from those tags, an old
	# oneflow_auth / oneform_auth on the volume) had 39 tables and these rows;
	# every other table was empty.
	assert_eq "$(db_tables | grep -c .)" 39 "tables of a half-bootstrapped database"
	assert_eq "$(db_schema_versions)" "7.2.0 7.2.0" versions
	local t counts=""
	for t in $(db_tables); do
		counts+="$t=$(db_rows "$t") "
	done
	assert_eq "$(tr ' ' '\n' <<<"$counts" | grep -v '=0$' | grep . | paste -sd' ')" \
		"acl=3 cluster_datastore_relation=3 cluster_pool=1 cluster_vnc_bitmap=1 db_versioning=1 group_pool=2 group_quotas=2 local_db_versioning=1 logdb=1 network_vlan_bitmap=1 plan_pool=2 pool_control=3 system_attributes=2" \
		"non-empty tables"
	assert_eq "$(db_query "SELECT userset, resource FROM fixture.acl WHERE oid = 0")" \
		"$(printf '8589934593\t81419471691972608')" "ACL rule 0"
	assert_eq "$(db_query "SELECT comment FROM fixture.db_versioning")" "OpenNebula 7.2.0 () daemon bootstrap" comment
}

test_versions_fresh() {
	load_entrypoint
	use_db 'one-db'
	code_version 7.0.0
	assert_eq "$(db_schema_versions)" "" "versions of a missing database"
	root_sql "CREATE DATABASE \`one-db\`"
	assert_eq "$(db_schema_versions)" "" "versions of an empty database"
	prepare_database 2>/dev/null
	assert_eq "$ONE_DB_STATE" fresh state
}

test_versions_current() {
	load_entrypoint
	use_db 'one-db'
	code_version 7.0.0
	bootstrap_schema 7.0.0
	assert_eq "$(db_schema_versions)" "7.0.0 7.0.0" versions
	stub_onedb fail
	prepare_database 2>/dev/null
	assert_eq "$ONE_DB_STATE" existing state
	[[ ! -e $STUB_LOG ]] || fail "onedb ran on a current schema"
	[[ -z $(ls -A "$ONE_VAR/backups" 2>/dev/null) ]] || fail "backup taken for a current schema"
}

test_versions_no_local_table() {
	load_entrypoint
	use_db old
	bootstrap_schema 6.10.0
	root_sql 'DROP TABLE old.local_db_versioning'
	assert_eq "$(db_schema_versions)" "6.10.0 6.10.0" "local version falls back to shared"
}

test_decisions() {
	load_entrypoint
	assert_eq "$(db_decision "" "7.0.0 7.0.0")" fresh
	assert_eq "$(db_decision "7.0.0 7.0.0" "7.0.0 7.0.0")" current
	assert_eq "$(db_decision "6.10.0 6.10.0" "7.0.0 7.0.0")" upgrade
	assert_eq "$(db_decision "7.0.0 6.99.9" "7.0.0 7.0.0")" upgrade
	assert_eq "$(db_decision "7.2.0 7.2.0" "7.0.0 7.0.0")" newer
	assert_eq "$(db_decision "7.0.0 7.2.0" "7.0.0 7.0.0")" newer
	assert_eq "$(db_decision "7.10.0 7.10.0" "7.9.0 7.9.0")" newer
	assert_eq "$(version_cmp 6.10.0 7.0.0)" -1
	assert_eq "$(version_cmp 7.10.0 7.2.0)" 1
}

test_code_version_source() {
	load_entrypoint
	code_version 7.2.0 7.2.1
	assert_eq "$(code_schema_versions)" "7.2.0 7.2.1"
	rm "$ONE_RUBY_LIB/onedb/database_schema.rb"
	echo "# nothing" >"$ONE_RUBY_LIB/onedb/other.rb"
	assert_fails_with 'cannot read LATEST_DB_VERSION' code_schema_versions
}

# The database oned 7.2 leaves after aborting on an old oneform_auth, and
# the volume as it is then: the files the aborted bootstrap wrote before it
# met the old one, and the old one.
half_bootstrapped_volume() {
	setup_dirs
	serveradmin_list 7.2.0
	local f
	for f in sunstone_auth onegate_auth oneflow_auth; do
		echo "serveradmin:from-the-aborted-bootstrap" >"$ONE_VAR/.one/$f"
	done
	echo "serveradmin:from-an-earlier-install" >"$ONE_VAR/.one/oneform_auth"
	echo "oneadmin:whatever" >"$ONE_VAR/.one/one_auth"
}

test_half_bootstrap_resumed() {
	load_entrypoint
	half_bootstrapped_volume
	use_db half
	code_version 7.2.0
	half_schema 7.2.0
	stub_onedb fail
	export ONEADMIN_PASSWORD=admin-pw
	database_step 2>"$T_TMP/out.log"
	assert_eq "$ONE_DB_STATE" fresh "state of a half-bootstrapped database"
	grep -q 'oned finishes the bootstrap' "$T_TMP/out.log" || fail "no message about the resumed bootstrap"
	local f
	for f in sunstone_auth onegate_auth oneflow_auth oneform_auth; do
		[[ ! -e $ONE_VAR/.one/$f ]] || fail "$f left in place: oned's bootstrap would abort again"
		compgen -G "$ONE_VAR/.one/$f.stale-*" >/dev/null || fail "$f not kept aside"
	done
	assert_eq "$(<"$ONE_VAR/.one/one_auth")" oneadmin:admin-pw one_auth
	assert_eq "$(db_tables | grep -c .)" 39 "tables untouched"
	[[ ! -e $STUB_LOG ]] || fail "onedb ran"
}

test_half_bootstrap_other_version_refused() {
	load_entrypoint
	half_bootstrapped_volume
	use_db 'half-7.0'
	code_version 7.2.0
	half_schema 7.0.0
	stub_onedb ok 7.2.0
	# shellcheck disable=SC2016 # backquotes of an SQL identifier
	assert_fails_with 'Drop it (DROP DATABASE `half-7.0`;) and restart' prepare_database
	assert_eq "$(db_tables | grep -c .)" 39 "tables untouched"
	[[ ! -e $STUB_LOG ]] || fail "onedb ran on a half-bootstrapped database"
	[[ -z $(backups) ]] || fail "backup of a half-bootstrapped database"
}

test_no_oneadmin_with_data_refused() {
	load_entrypoint
	use_db orphan
	code_version 7.2.0
	half_schema 7.2.0
	root_sql "INSERT INTO orphan.vm_pool (oid, name, body, uid, gid, state, lcm_state, resched, owner_u, group_u, other_u)
		VALUES (7, 'vm', '<VM/>', 3, 1, 3, 3, 0, 1, 0, 0)"
	assert_fails_with '1 rows in vm_pool' prepare_database
	assert_fails_with 'onechart leaves it untouched' prepare_database
	assert_eq "$(db_rows vm_pool)" 1 "the VM"
	# A user 0 without version rows is not a half bootstrap either.
	use_db orphan2
	bootstrap_schema 7.2.0
	root_sql 'DELETE FROM orphan2.db_versioning'
	assert_fails_with 'onechart leaves it untouched' prepare_database
}

test_partial_and_foreign_refused() {
	load_entrypoint
	use_db partial
	code_version 7.2.0
	half_schema 7.2.0
	root_sql 'DROP TABLE partial.db_versioning'
	assert_fails_with 'stopped while creating the schema' prepare_database
	# oned died right after creating logdb (LogDB::bootstrap comes first).
	use_db early
	root_sql 'CREATE DATABASE early; CREATE TABLE early.logdb (log_index BIGINT UNSIGNED PRIMARY KEY)'
	assert_fails_with 'stopped while creating the schema' prepare_database
	use_db shop
	root_sql 'CREATE DATABASE shop; CREATE TABLE shop.customers (id INT)'
	assert_fails_with 'holds no OpenNebula schema (tables: customers' prepare_database
	assert_eq "$(db_tables)" customers "foreign table untouched"
	# The list of OpenNebula's tables covers the fixture.
	use_db listed
	half_schema 7.2.0
	assert_eq "$(db_one_tables)" 39 "tables known as OpenNebula's"
}

test_upgrade_ok() {
	load_entrypoint
	setup_dirs
	use_db up
	code_version 7.0.0
	bootstrap_schema 6.10.0
	image_package 7.0.0-1
	stub_onedb ok 7.0.0
	export ONEADMIN_PASSWORD=admin
	prepare_database 2>"$T_TMP/out.log"
	assert_eq "$ONE_DB_STATE" existing state
	assert_eq "$(db_schema_versions)" "7.0.0 7.0.0" "versions after upgrade"
	local backup
	backup=$(compgen -G "$ONE_VAR/backups/db/onedb-6.10.0-6.10.0-to-7.0.0-7.0.0-*.sql")
	grep -q "CREATE TABLE \`db_versioning\`" "$backup" || fail "backup has no schema"
	grep -q "DROP DATABASE IF EXISTS \`up\`" "$backup" || fail "backup does not replace the database"
	grep -q "6.10.0" "$backup" || fail "backup has no data"
	assert_mode "$backup" 600
	grep -qx -- '--no-backup' "$STUB_LOG" || fail "onedb not told to skip its own backup"
	grep -qx upgrade "$STUB_LOG" || fail "onedb upgrade not run"
	! grep -qF -- "$DB_TEST_PASSWORD" "$STUB_LOG" || fail "password on onedb's command line"
	assert_eq "$(<"$STUB_LOG.one_auth")" yes "one_auth written before onedb ran"
	! grep -qF -- "$DB_TEST_PASSWORD" "$T_TMP/out.log" || fail "password in the log"
	[[ ! -e $(upgrade_state) ]] || fail "upgrade state left after success"
}

# onedb 7.2 could not log in with a password holding a space (CGI.escape
# sends '+'): refused before anything is backed up or run.
test_upgrade_password_with_space_refused() {
	load_entrypoint
	setup_dirs
	use_db spaced
	root_sql "CREATE USER IF NOT EXISTS 'spaced'@'127.0.0.1' IDENTIFIED BY 'pass word';
		GRANT ALL PRIVILEGES ON *.* TO 'spaced'@'127.0.0.1';"
	export DB_USER=spaced DB_PASSWORD='pass word' ONEADMIN_PASSWORD=admin
	code_version 7.2.0
	bootstrap_schema 7.0.0
	image_package 7.2.0-1
	stub_onedb ok 7.2.0
	assert_fails_with "contains a space: onedb cannot log in with it" prepare_database
	assert_fails_with "nothing was changed" prepare_database
	[[ ! -e $STUB_LOG ]] || fail "onedb ran"
	[[ -z $(backups) ]] || fail "backup taken"
	[[ ! -e $(upgrade_state) && ! -e $(upgrade_failed) ]] || fail "upgrade state written"
	assert_eq "$(db_schema_versions)" "7.0.0 7.0.0" versions
	# A current database with that password is fine: onedb is not needed.
	code_version 7.0.0
	prepare_database 2>/dev/null
	assert_eq "$ONE_DB_STATE" existing state
}

# usage: spy_clients   (mariadb and mariadb-dump on PATH record their
# environment and arguments, then run the real client)
spy_clients() {
	local tool real
	mkdir -p "$T_TMP/spy"
	for tool in mariadb mariadb-dump; do
		real=$(command -v "$tool")
		cat >"$T_TMP/spy/$tool" <<-EOF
			#!/usr/bin/env bash
			{ echo "== $tool"; printf 'argv: %s\n' "\$*"; tr '\0' '\n' </proc/\$\$/environ; } >>"$T_TMP/spy.log"
			exec "$real" "\$@"
		EOF
		chmod +x "$T_TMP/spy/$tool"
	done
	export PATH="$T_TMP/spy:$PATH"
}

test_no_password_in_client_env_or_argv() {
	load_entrypoint
	setup_dirs
	use_db spied
	code_version 7.2.0
	bootstrap_schema 7.0.0
	image_package 7.2.0-1
	export ONEADMIN_PASSWORD=admin
	check_env # as the entrypoint does first: DB_PASSWORD no longer exported
	stub_onedb ok 7.2.0
	spy_clients
	prepare_database 2>"$T_TMP/out.log" || fail "$(cat "$T_TMP/out.log")"
	assert_eq "$(db_schema_versions)" "7.2.0 7.2.0" "versions after the upgrade"
	db_restore "$(backups)"
	assert_eq "$(db_schema_versions)" "7.0.0 7.0.0" "versions after the restore"
	grep -qx '== mariadb-dump' "$T_TMP/spy.log" || fail "mariadb-dump not seen"
	(($(grep -cx '== mariadb' "$T_TMP/spy.log") > 5)) || fail "mariadb not seen"
	# The stub onedb's own clients inherit its ONE_DB_PASSWORD: not the entrypoint's doing.
	! grep -v '^ONE_DB_PASSWORD=' "$T_TMP/spy.log" | grep -qF -- "$DB_TEST_PASSWORD" ||
		fail "the password in a client's argv or environment: $(grep -F -- "$DB_TEST_PASSWORD" "$T_TMP/spy.log" | cut -d= -f1)"
	! grep -q '^MYSQL_PWD=' "$T_TMP/spy.log" || fail "MYSQL_PWD in a client's environment"
}

test_upgrade_fails_restores() {
	load_entrypoint
	setup_dirs
	use_db upfail
	code_version 7.2.0
	bootstrap_schema 7.0.0
	image_package 7.2.0-1
	export ONEADMIN_PASSWORD=admin
	stub_onedb half 7.2.0
	assert_fails_with 'the database was restored from' prepare_database
	assert_eq "$(backups | grep -c .)" 1 backups
	assert_eq "$(db_schema_versions)" "7.0.0 7.0.0" "versions after the restore"
	assert_eq "$(db_rows half_migrated)" 0 "half_migrated table after the restore"
	db_table_exists half_migrated && fail "the failed upgrade's table survived the restore"
	# The same image again: refused at once, no second backup, onedb not run.
	rm -f "$STUB_LOG"
	assert_fails_with 'already tried to upgrade' prepare_database
	[[ ! -e $STUB_LOG ]] || fail "onedb ran again"
	assert_eq "$(backups | grep -c .)" 1 "backups after the refusal"
	# Another image retries.
	image_package 7.2.0-2
	stub_onedb noop
	assert_fails_with 'did not bring' prepare_database
	assert_eq "$(backups | grep -c .)" 2 "backups after a retry by another image"
}

test_backup_path_never_reuses_a_name() {
	load_entrypoint
	local base=$T_TMP/onedb-7.0.0-7.0.0-to-7.2.0-7.2.0-20260101T000000Z
	assert_eq "$(new_backup_path "$base")" "$base.sql" "first name"
	touch "$base.sql" "$base-2.sql"
	assert_eq "$(new_backup_path "$base")" "$base-3.sql" "taken names skipped"
}

test_upgrade_crash_keeps_first_backup() {
	load_entrypoint
	setup_dirs
	use_db crash
	code_version 7.2.0
	bootstrap_schema 7.0.0
	image_package 7.2.0-1
	export ONEADMIN_PASSWORD=admin
	# onedb half-migrates, then the container dies (SIGKILL): no cleanup ran.
	stub_onedb crash 7.2.0
	local rc=0
	bash "$IMAGE_DIR/entrypoint.sh" database 2>"$T_TMP/out1.log" || rc=$?
	assert_eq "$rc" 137 "exit status of the killed entrypoint"
	local first
	first=$(backups)
	assert_eq "$(grep -c . <<<"$first")" 1 "backups after the crash"
	db_table_exists half_migrated || fail "the stub did not half-migrate"
	[[ -s $(upgrade_state) ]] || fail "no record of the upgrade in progress"
	# The retry restores the FIRST backup, takes no new one, then upgrades.
	stub_onedb ok 7.2.0
	bash "$IMAGE_DIR/entrypoint.sh" database 2>"$T_TMP/out2.log" ||
		fail "retry failed: $(cat "$T_TMP/out2.log")"
	assert_eq "$(backups)" "$first" "backups after the retry"
	assert_eq "$(<"$STUB_LOG.half_before")" 0 "half_migrated table when onedb ran again"
	grep -qF "restoring the backup taken before it, $first" "$T_TMP/out2.log" || fail "no restore message"
	assert_eq "$(db_schema_versions)" "7.2.0 7.2.0" "versions after the retry"
	[[ ! -e $(upgrade_state) ]] || fail "upgrade state left after success"
	# A record left while the database was dropped by hand: nothing restored.
	state_write "$(upgrade_state)" "target=$(db_target)" "from=7.0.0 7.0.0" "to=7.2.0 7.2.0" "backup=$first"
	root_sql 'DROP DATABASE crash; CREATE DATABASE crash'
	prepare_database 2>"$T_TMP/out3.log"
	assert_eq "$ONE_DB_STATE" fresh "state of the dropped database"
	assert_eq "$(db_tables | grep -c . || true)" 0 "tables after the start"
	grep -q 'set aside the record of that upgrade' "$T_TMP/out3.log" || fail "$(cat "$T_TMP/out3.log")"
}

test_database_mode() {
	load_entrypoint
	use_db mode
	code_version 7.0.0
	bootstrap_schema 6.10.0
	image_package 7.0.0-1
	serveradmin_list 7.0.0
	stub_onedb ok 7.0.0
	mkdir -p "$T_TMP/secrets"
	printf '%s\n' "$DB_TEST_PASSWORD" >"$T_TMP/secrets/db-password"
	printf 'adm1n\n' >"$T_TMP/secrets/oneadmin-password"
	unset DB_PASSWORD
	export DB_PASSWORD_FILE=$T_TMP/secrets/db-password ONEADMIN_PASSWORD_FILE=$T_TMP/secrets/oneadmin-password
	bash "$IMAGE_DIR/entrypoint.sh" database 2>"$T_TMP/out.log" || fail "$(cat "$T_TMP/out.log")"
	DB_PASSWORD=$DB_TEST_PASSWORD db_schema_versions >"$T_TMP/versions"
	assert_eq "$(<"$T_TMP/versions")" "7.0.0 7.0.0" "versions"
	assert_eq "$(<"$ONE_VAR/.one/one_auth")" oneadmin:adm1n one_auth
	assert_eq "$(backups | grep -c .)" 1 backups
	# serveradmin files of an existing database, all gone: flagged for onechart-serveradmin.
	assert_lines "$(<"$ONE_RUN_DIR/serveradmin-regenerate")" oneflow_auth onegate_auth sunstone_auth
	# The main container repeats the step: nothing to do.
	rm -f "$STUB_LOG"
	bash "$IMAGE_DIR/entrypoint.sh" database 2>"$T_TMP/out.log" || fail "$(cat "$T_TMP/out.log")"
	grep -q 'matches this OpenNebula' "$T_TMP/out.log" || fail "second run: $(cat "$T_TMP/out.log")"
	[[ ! -e $STUB_LOG ]] || fail "onedb ran twice"
	DB_PASSWORD=$DB_TEST_PASSWORD
	assert_fails_with 'usage: onechart-entrypoint database' bash "$IMAGE_DIR/entrypoint.sh" database extra
}

test_newer_refused() {
	load_entrypoint
	setup_dirs
	use_db newer
	code_version 7.0.0
	bootstrap_schema 7.2.0
	stub_onedb ok 7.0.0
	assert_fails_with 'is newer than this OpenNebula' prepare_database
	[[ ! -e $STUB_LOG ]] || fail "onedb ran on a newer schema"
}

# usage: scenario_env   (a whole container: upstream 7.0.0 files, dist, env)
scenario_env() {
	load_entrypoint
	use_upstream 7.0.0
	export ONEADMIN_PASSWORD='admin"pw"\/&:x' OPENNEBULA_HOSTNAME=one.example.org \
		OPENNEBULA_MONITOR_ADDRESS=192.0.2.10 ONEGATE_ENDPOINT=http://192.0.2.10:5030
	echo ipv6 >"$IPV6_PROBE_FILE"
	mkdir -p "$ONE_SHARE/remotes-dist/etc/im" "$ONE_SHARE/remotes-dist/im"
	echo 7.0.0 >"$ONE_SHARE/remotes-dist/im/probe"
	image_package 7.0.0-1
	use_db scenario
	code_version 7.0.0
	stub_onedb fail
}

# usage: start_container   (the entrypoint as the image runs it, minus supervisord)
start_container() {
	rm -f "$T_TMP/started"
	ONECHART_BOOTSTRAP=1 bash "$IMAGE_DIR/entrypoint.sh" touch "$T_TMP/started"
}

test_scenarios() {
	t_need ssh-keygen
	scenario_env
	# 1. Fresh volume, empty database.
	start_container 2>"$T_TMP/out.log" || fail "$(cat "$T_TMP/out.log")"
	[[ -e $T_TMP/started ]] || fail "not started"
	assert_eq "$(<"$ONE_VAR/.one/one_auth")" "oneadmin:$ONEADMIN_PASSWORD" one_auth
	[[ ! -e $ONE_VAR/.one/sunstone_auth && ! -e $ONE_VAR/.one/oneflow_auth ]] ||
		fail "serveradmin files created before oned's bootstrap"
	"${TEMPLATE_CHECK[@]}" expect "$ONE_ETC/oned.conf" DB/PASSWD "$DB_TEST_PASSWORD" \
		DB/PORT "$DB_TEST_PORT" HOSTNAME one.example.org
	"${TEMPLATE_CHECK[@]}" expect "$ONE_ETC/monitord.conf" NETWORK/MONITOR_ADDRESS 192.0.2.10
	"${YAML_CHECK[@]}" expect "$ONE_ETC/oneflow-server.conf" :host 0.0.0.0
	assert_eq "$(<"$ONE_VAR/remotes/im/probe")" 7.0.0 "remotes copied"
	[[ -s $ONE_VAR/.ssh/id_rsa ]] || fail "no SSH key"
	! grep -qF -- "$DB_TEST_PASSWORD" "$T_TMP/out.log" || fail "password in the log"

	# oned's first start: schema and serveradmin files.
	bootstrap_schema 7.0.0
	local f
	for f in sunstone_auth oneflow_auth onegate_auth; do
		echo "serveradmin:$f" >"$ONE_VAR/.one/$f"
	done

	# 2. Restart with the same image (fresh /etc/one from the image).
	use_upstream 7.0.0
	start_container 2>/dev/null
	[[ -e $T_TMP/started ]] || fail "not restarted"
	[[ ! -e $STUB_LOG ]] || fail "onedb ran on restart"
	for f in sunstone_auth oneflow_auth onegate_auth; do
		assert_eq "$(<"$ONE_VAR/.one/$f")" "serveradmin:$f" "$f after restart"
	done

	# 3. Image upgrade to 7.2: backup, onedb upgrade, remotes refreshed, and
	# oneform_auth (new in 7.2, never written by a bootstrap) from a sibling.
	use_upstream 7.2.0
	code_version 7.2.0
	serveradmin_list 7.2.0
	echo 7.2.0 >"$ONE_SHARE/remotes-dist/im/probe"
	image_package 7.2.0-1
	echo tuned >"$ONE_VAR/remotes/etc/im/user.conf"
	stub_onedb ok 7.2.0
	start_container 2>/dev/null
	[[ -e $T_TMP/started ]] || fail "not started after the upgrade"
	assert_eq "$(db_schema_versions)" "7.2.0 7.2.0" "schema after the upgrade"
	compgen -G "$ONE_VAR/backups/db/onedb-7.0.0-7.0.0-to-7.2.0-7.2.0-*.sql" >/dev/null || fail "no backup"
	assert_eq "$(<"$ONE_VAR/remotes/im/probe")" 7.2.0 "remotes refreshed"
	assert_eq "$(<"$ONE_VAR/remotes/etc/im/user.conf")" tuned "remotes/etc kept"
	for f in sunstone_auth oneflow_auth onegate_auth; do
		assert_eq "$(<"$ONE_VAR/.one/$f")" "serveradmin:$f" "$f after the upgrade"
	done
	grep -qxF "$(<"$ONE_VAR/.one/oneform_auth")" "$ONE_VAR/.one/sunstone_auth" "$ONE_VAR/.one/oneflow_auth" \
		"$ONE_VAR/.one/onegate_auth" || fail "oneform_auth not copied from a sibling"

	# 4. Rollback to the 7.0 image on the 7.2 database: refused, nothing started.
	use_upstream 7.0.0
	code_version 7.0.0
	image_package 7.0.0-1
	assert_fails_with 'is newer than this OpenNebula' start_container
	[[ ! -e $T_TMP/started ]] || fail "started on a newer database"

	# 5. Failed upgrade: non-zero, nothing started.
	use_db scenario
	bootstrap_schema 6.10.0
	stub_onedb fail
	assert_fails_with 'onedb upgrade failed' start_container
	[[ ! -e $T_TMP/started ]] || fail "started on a failed upgrade"
}

main() {
	t_need ruby python3 mariadb mariadb-dump mariadbd mariadb-install-db mariadb-admin || {
		t_summary db
		return
	}
	start_mariadb
	t_run "db_wait: nasty password accepted, wrong one refused" test_wait_ok_and_refused
	t_run "a backup never takes an existing backup's name" test_backup_path_never_reuses_a_name
	t_run "fixture: oned's half bootstrap, tables and rows as real oned 7.0/7.2 left them" test_fixture_is_oneds_schema
	t_run "empty database is fresh" test_versions_fresh
	t_run "current schema: nothing to do" test_versions_current
	t_run "no local_db_versioning: shared version used" test_versions_no_local_table
	t_run "decision table" test_decisions
	t_run "code version from onedb's database_schema.rb" test_code_version_source
	t_run "half bootstrap of this version: oned resumes it, stale files aside" test_half_bootstrap_resumed
	t_run "half bootstrap of another version: one message, untouched" test_half_bootstrap_other_version_refused
	t_run "no oneadmin but data: refused, untouched" test_no_oneadmin_with_data_refused
	t_run "partial schema, foreign database: refused" test_partial_and_foreign_refused
	t_run "older schema: backup, onedb upgrade, password not in argv" test_upgrade_ok
	t_run "failed upgrade: restored, not retried by the same image" test_upgrade_fails_restores
	t_run "upgrade with a space in the DB password: refused, nothing changed" test_upgrade_password_with_space_refused
	t_run "mariadb, mariadb-dump: password in neither argv nor environment" test_no_password_in_client_env_or_argv
	t_run "crash during onedb: retry restores the first backup" test_upgrade_crash_keeps_first_backup
	t_run "database mode: secrets from files, idempotent" test_database_mode
	t_run "newer schema refused" test_newer_refused
	t_run "scenarios: fresh, restart, upgrade, rollback, failed upgrade" test_scenarios
	t_summary db
}

main "$@"
