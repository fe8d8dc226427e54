#!/usr/bin/env bash
# The database decisions against a real MariaDB server started here on a
# private socket and port: wait, fresh/current/upgrade/newer, backup, failed
# upgrades, and whole-bootstrap scenarios (fresh volume, restart, image
# upgrade, rollback onto a newer database). onedb itself is a stub on PATH.
set -Eeuo pipefail
# shellcheck source=image/tests/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

# A password the DB user really has: quotes, backslash, shell and SQL metacharacters.
# shellcheck disable=SC2016
DB_TEST_PASSWORD='"q'"'"'uo\te/&$(id) #%;--'
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

# usage: bootstrap_schema VERSION [LOCAL_VERSION]   (tables as oned creates them)
bootstrap_schema() {
	root_sql "CREATE DATABASE IF NOT EXISTS \`$DB_NAME\`; USE \`$DB_NAME\`;
		CREATE TABLE db_versioning (oid INTEGER PRIMARY KEY, version VARCHAR(256), timestamp INTEGER, comment VARCHAR(256));
		CREATE TABLE local_db_versioning (oid INTEGER PRIMARY KEY, version VARCHAR(256), timestamp INTEGER, comment VARCHAR(256), is_slave BOOLEAN);
		CREATE TABLE user_pool (oid INTEGER PRIMARY KEY, name VARCHAR(128), body MEDIUMTEXT, uid INTEGER, gid INTEGER, owner_u INTEGER, group_u INTEGER, other_u INTEGER, UNIQUE(name));
		INSERT INTO user_pool VALUES (0, 'oneadmin', '<USER/>', 0, 0, 1, 0, 0);
		INSERT INTO db_versioning VALUES (0, '6.10.0', 1, 'OpenNebula 6.10.0 daemon bootstrap');
		INSERT INTO db_versioning VALUES (1, '$1', 2, 'upgraded');
		INSERT INTO local_db_versioning VALUES (0, '${2:-$1}', 2, 'bootstrap', 0);"
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

# usage: stub_onedb MODE   (ok: migrate to the code version; fail; noop)
stub_onedb() {
	mkdir -p "$T_TMP/bin"
	cat >"$T_TMP/bin/onedb" <<-'EOF'
		#!/usr/bin/env bash
		# Test stub: records its arguments; connects with them like onedb would.
		set -Eeuo pipefail
		printf '%s\n' "$@" >"$STUB_LOG"
		declare -A opt
		args=("$@")
		for ((i = 0; i < ${#args[@]}; i++)); do
			case ${args[i]} in -S | -P | -u | -p | -d | -t) opt[${args[i]}]=${args[i + 1]} ;; esac
		done
		# onedb strips one pair of quotes from values that start with "
		for k in -S -u -p -d; do
			v=${opt[$k]}
			[[ $v != \"* ]] || opt[$k]=${v:1:${#v}-2}
		done
		case $STUB_MODE in
		fail)
			echo "ERROR: missing migrator 6.10.0_to_7.0.0" >&2
			exit 255
			;;
		noop) exit 0 ;;
		esac
		export MYSQL_PWD=${opt[-p]}
		db="\`${opt[-d]}\`"
		mariadb --protocol=TCP -h "${opt[-S]}" -P "${opt[-P]}" -u "${opt[-u]}" -e "
			INSERT INTO $db.db_versioning VALUES (99, '$STUB_TO', 3, 'stub upgrade');
			INSERT INTO $db.local_db_versioning VALUES (99, '$STUB_TO', 3, 'stub upgrade', 0);"
		echo "Database migrated to $STUB_TO"
	EOF
	chmod +x "$T_TMP/bin/onedb"
	export PATH="$T_TMP/bin:$PATH" STUB_MODE=$1 STUB_LOG=$T_TMP/onedb.args STUB_TO=${2:-}
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

test_upgrade_ok() {
	load_entrypoint
	setup_dirs
	use_db up
	code_version 7.0.0
	bootstrap_schema 6.10.0
	stub_onedb ok 7.0.0
	prepare_database 2>"$T_TMP/out.log"
	assert_eq "$ONE_DB_STATE" existing state
	assert_eq "$(db_schema_versions)" "7.0.0 7.0.0" "versions after upgrade"
	local backup
	backup=$(compgen -G "$ONE_VAR/backups/db/onedb-6.10.0-6.10.0-to-7.0.0-7.0.0-*.sql")
	grep -q "CREATE TABLE \`db_versioning\`" "$backup" || fail "backup has no schema"
	grep -q "6.10.0" "$backup" || fail "backup has no data"
	assert_mode "$backup" 600
	grep -qx -- '--no-backup' "$STUB_LOG" || fail "onedb not told to skip its own backup"
	grep -qx upgrade "$STUB_LOG" || fail "onedb upgrade not run"
	! grep -qF -- "$DB_TEST_PASSWORD" "$T_TMP/out.log" || fail "password in the log"
}

test_upgrade_fails() {
	load_entrypoint
	setup_dirs
	use_db upfail
	code_version 7.0.0
	bootstrap_schema 6.10.0
	stub_onedb fail
	assert_fails_with 'onedb upgrade failed' prepare_database
	compgen -G "$ONE_VAR/backups/db/onedb-*.sql" >/dev/null || fail "no backup before the upgrade"
	stub_onedb noop
	assert_fails_with 'after onedb upgrade the schema is 6.10.0 6.10.0' prepare_database
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
	export ONEADMIN_PASSWORD='admin "pw" \ /&' OPENNEBULA_HOSTNAME=one.example.org \
		OPENNEBULA_MONITOR_ADDRESS=192.0.2.10 ONEGATE_ENDPOINT=http://192.0.2.10:5030
	echo ipv6 >"$IPV6_PROBE_FILE"
	mkdir -p "$ONE_SHARE/remotes-dist/etc/im" "$ONE_SHARE/remotes-dist/im"
	echo 7.0.0 >"$ONE_SHARE/remotes-dist/im/probe"
	echo 7.0.0-1 >"$ONE_IMAGE_VERSION_FILE"
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
	start_container 2>"$T_TMP/out.log"
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

	# 3. Image upgrade to 7.2: backup, onedb upgrade, remotes refreshed.
	use_upstream 7.2.0
	code_version 7.2.0
	echo 7.2.0 >"$ONE_SHARE/remotes-dist/im/probe"
	echo 7.2.0-1 >"$ONE_IMAGE_VERSION_FILE"
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

	# 4. Rollback to the 7.0 image on the 7.2 database: refused, nothing started.
	use_upstream 7.0.0
	code_version 7.0.0
	echo 7.0.0-1 >"$ONE_IMAGE_VERSION_FILE"
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
	t_run "empty database is fresh" test_versions_fresh
	t_run "current schema: nothing to do" test_versions_current
	t_run "no local_db_versioning: shared version used" test_versions_no_local_table
	t_run "decision table" test_decisions
	t_run "code version from onedb's database_schema.rb" test_code_version_source
	t_run "older schema: backup, onedb upgrade" test_upgrade_ok
	t_run "failed upgrade stops with an error" test_upgrade_fails
	t_run "newer schema refused" test_newer_refused
	t_run "scenarios: fresh, restart, upgrade, rollback, failed upgrade" test_scenarios
	t_summary db
}

main "$@"
