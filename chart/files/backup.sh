#!/bin/bash
# Backups of the OpenNebula database and of the state files of /var/lib/one, run
# by the chart's backup CronJob (the ConfigMap <fullname>-backup holds this file).
# chart/README.md, "Backups", describes the restore.
#
# usage: backup.sh backup                 a new backup, then the older ones beyond BACKUP_RETENTION go
#        backup.sh restore NAME|latest    put a backup back: the database, then .one and .ssh
#        backup.sh list                   the complete backups, oldest first
#
# A backup NAME (opennebula-<UTC time>) is up to three files in BACKUP_DIR:
#   NAME.sql.gz        mariadb-dump of DB_NAME in one transaction (--single-transaction)
#   NAME.files.tar.gz  /var/lib/one/.one and .ssh, when /var/lib/one is mounted: .one/one_key
#                      encrypts attributes stored in the database, .one/*_auth hold the
#                      serveradmin password whose hash only is in the database, and
#                      .ssh the key the hypervisors trust
#   NAME.sha256        their checksums (sha256sum -c); written last: a backup without it is
#                      incomplete and never restored
# Files are written under a hidden temporary name and renamed when complete, so a
# dump that fails or is killed leaves nothing under a final name.
#
# Environment: DB_HOST, DB_PORT, DB_NAME, DB_USER; DB_PASSWORD_FILE, a file holding
# the password (it reaches the clients in an option file, never on a command line
# or in the environment); BACKUP_RETENTION (backup only); BACKUP_DIR (default
# /backup) and ONE_VAR (default /var/lib/one).
set -Eeuo pipefail
shopt -s nullglob
export LC_ALL=C
umask 077

BACKUP_DIR=${BACKUP_DIR:-/backup}
ONE_VAR=${ONE_VAR:-/var/lib/one}
PREFIX=opennebula
WORK=""
PARTIALS=()
CHILDREN=()

log() { printf '%s %s\n' "$(date -u +%Y-%m-%dT%H:%M:%SZ)" "$*"; }
die() {
	log "error: $*" >&2
	exit 1
}

cleanup() {
	local f
	for f in "${PARTIALS[@]}"; do rm -f -- "$f"; done
	[[ -z $WORK ]] || rm -rf -- "$WORK"
}
trap cleanup EXIT

# A stop (the Job deleted, the pod evicted) ends the clients too and keeps nothing partial.
on_signal() {
	local pid
	for pid in "${CHILDREN[@]}"; do kill "$pid" 2>/dev/null || true; done
	log "error: stopped by SIG$1; nothing was kept" >&2
	exit 143
}
trap 'on_signal TERM' TERM
trap 'on_signal INT' INT

require_env() {
	local name
	for name in "$@"; do
		[[ -n ${!name:-} ]] || die "$name is not set"
	done
}

# usage: cnf_value VALUE   (VALUE double-quoted for a MariaDB option file)
cnf_value() {
	local s=${1//\\/\\\\}
	s=${s//\"/\\\"}
	s=${s//$'\n'/\\n}
	s=${s//$'\r'/\\r}
	s=${s//$'\t'/\\t}
	printf '"%s"' "$s"
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

# Writes the client option file $WORK/client.cnf (mode 0600, in a private directory).
client_config() {
	require_env DB_HOST DB_PORT DB_NAME DB_USER DB_PASSWORD_FILE
	[[ -r $DB_PASSWORD_FILE ]] || die "cannot read the database password file $DB_PASSWORD_FILE"
	local password
	password=$(<"$DB_PASSWORD_FILE")
	WORK=$(mktemp -d)
	{
		echo '[client]'
		echo "host=$(cnf_value "$DB_HOST")"
		echo "port=$(cnf_value "$DB_PORT")"
		echo "user=$(cnf_value "$DB_USER")"
		if [[ -n $password ]]; then echo "password=$(cnf_value "$password")"; else echo 'password='; fi
		echo 'protocol=TCP'
		echo 'default-character-set=utf8mb4'
	} >"$WORK/client.cnf"
}

# usage: db_sql SQL   (rows tab-separated, no header)
db_sql() {
	mariadb --defaults-extra-file="$WORK/client.cnf" --connect-timeout=20 --batch --skip-column-names -e "$1"
}

# usage: backup_name STAMP
backup_name() { printf '%s-%s' "$PREFIX" "$1"; }

# The complete backups (with their .sha256), oldest first.
complete_backups() {
	local f
	for f in "$BACKUP_DIR/$PREFIX"-*.sha256; do
		f=${f##*/}
		printf '%s\n' "${f%.sha256}"
	done | sort
}

# Files a killed run left under their temporary names (no other run is going on:
# the CronJob forbids concurrent runs).
remove_partials() {
	local f
	for f in "$BACKUP_DIR/.$PREFIX"-*.partial; do
		log "removing ${f##*/}, left by an interrupted run"
		rm -f -- "$f"
	done
}

# usage: run_pipeline OUT CMD...   (CMD's output gzip-compressed into OUT; false when either fails)
run_pipeline() {
	local out=$1 fifo=$WORK/pipe cmd_pid gzip_pid rc=0 gzip_rc=0
	shift
	rm -f -- "$fifo"
	mkfifo "$fifo"
	gzip -6 <"$fifo" >"$out" &
	gzip_pid=$!
	"$@" >"$fifo" &
	cmd_pid=$!
	CHILDREN=("$cmd_pid" "$gzip_pid")
	wait "$cmd_pid" || rc=$?
	wait "$gzip_pid" || gzip_rc=$?
	CHILDREN=()
	((rc != 0)) || rc=$gzip_rc
	return "$rc"
}

# usage: finish TEMP FINAL   (durable, then renamed)
finish() {
	sync -- "$1"
	mv -T -- "$1" "$2"
}

do_backup() {
	local retention=${BACKUP_RETENTION:-}
	[[ $retention =~ ^[1-9][0-9]*$ ]] || die "BACKUP_RETENTION must be a number of backups, at least 1"
	[[ -d $BACKUP_DIR && -w $BACKUP_DIR ]] || die "the backup directory $BACKUP_DIR is not writable"
	client_config
	remove_partials
	local name sql files sums
	name=$(backup_name "$(date -u +%Y%m%dT%H%M%SZ)")
	[[ ! -e $BACKUP_DIR/$name.sql.gz && ! -e $BACKUP_DIR/$name.sha256 ]] ||
		die "a backup named $name exists already"
	sql=$BACKUP_DIR/.$name.sql.gz.partial
	files=$BACKUP_DIR/.$name.files.tar.gz.partial
	sums=$BACKUP_DIR/.$name.sha256.partial
	PARTIALS=("$sql" "$files" "$sums")

	log "backup $name: dumping database $DB_NAME from $DB_HOST:$DB_PORT"
	run_pipeline "$sql" mariadb-dump --defaults-extra-file="$WORK/client.cnf" \
		--single-transaction --routines --triggers --hex-blob --no-tablespaces -- "$DB_NAME" ||
		die "the dump of $DB_NAME failed; the earlier backups are untouched"
	# mariadb-dump ends a complete dump with this line.
	[[ $(gzip -dc -- "$sql" | tail -n 1) == "-- Dump completed"* ]] ||
		die "the dump of $DB_NAME is incomplete; the earlier backups are untouched"

	local have_files=0 dir entries=()
	if [[ -d $ONE_VAR ]]; then
		for dir in .one .ssh; do
			[[ ! -e $ONE_VAR/$dir ]] || entries+=("$dir")
		done
		if ((${#entries[@]})); then
			log "backup $name: saving ${entries[*]} of $ONE_VAR"
			tar -C "$ONE_VAR" -czf "$files" "${entries[@]}" ||
				die "reading ${entries[*]} of $ONE_VAR failed; the earlier backups are untouched"
			have_files=1
		else
			log "warning: $ONE_VAR has no .one or .ssh yet: only the database is saved"
		fi
	else
		log "warning: $ONE_VAR is not mounted: only the database is saved (chart/README.md, Backups)"
	fi

	{
		printf '%s  %s\n' "$(sha256sum <"$sql" | cut -d' ' -f1)" "$name.sql.gz"
		if ((have_files)); then
			printf '%s  %s\n' "$(sha256sum <"$files" | cut -d' ' -f1)" "$name.files.tar.gz"
		fi
	} >"$sums"
	finish "$sql" "$BACKUP_DIR/$name.sql.gz"
	((!have_files)) || finish "$files" "$BACKUP_DIR/$name.files.tar.gz"
	finish "$sums" "$BACKUP_DIR/$name.sha256"
	sync -- "$BACKUP_DIR"
	PARTIALS=()
	log "backup $name: done ($(du -k -- "$BACKUP_DIR/$name".*.gz | awk '{k += $1} END {print k}') KiB)"
	prune "$retention"
}

# usage: prune N   (keep the N newest complete backups; delete every file of the older ones)
prune() {
	local keep=$1 all oldest f base
	mapfile -t all < <(complete_backups)
	((${#all[@]} > keep)) || return 0
	oldest=${all[${#all[@]} - keep]}
	for f in "$BACKUP_DIR/$PREFIX"-*; do
		base=${f##*/}
		if [[ ${base%%.*} < $oldest ]]; then
			rm -f -- "$f"
			log "pruned $base"
		fi
	done
}

do_list() {
	local name
	while read -r name; do
		[[ -z $name ]] || printf '%s\n' "$name"
	done < <(complete_backups)
}

# usage: do_restore NAME|latest
do_restore() {
	local want=${1:-} name
	[[ -n $want ]] || die "usage: backup.sh restore NAME|latest"
	if [[ $want == latest ]]; then
		name=$(complete_backups | tail -n 1)
		[[ -n $name ]] || die "no complete backup in $BACKUP_DIR"
	else
		name=${want%.sha256}
		name=${name%.sql.gz}
		name=${name%.files.tar.gz}
		[[ $name == "$PREFIX"-* ]] || name=$(backup_name "$name")
	fi
	[[ $name =~ ^$PREFIX-[0-9]{8}T[0-9]{6}Z$ ]] || die "$want is not a backup name (backup.sh list shows them)"
	[[ -f $BACKUP_DIR/$name.sha256 ]] || die "backup $name is missing or incomplete (no $name.sha256)"
	(cd "$BACKUP_DIR" && sha256sum --quiet --strict -c -- "$name.sha256") ||
		die "backup $name does not match its checksums: not restored"
	client_config

	local db others
	db=$(sql_ident "$DB_NAME")
	# oned keeps connections open: restoring under a running OpenNebula would corrupt it.
	others=$(db_sql "SELECT COUNT(*) FROM information_schema.PROCESSLIST WHERE DB = $(sql_string "$DB_NAME") AND ID <> CONNECTION_ID()")
	((others == 0)) ||
		die "$others other connections use database $DB_NAME: stop OpenNebula first (scale its StatefulSet to 0)"
	log "restore $name: replacing every table of database $DB_NAME on $DB_HOST:$DB_PORT"
	if [[ $(db_sql "SELECT COUNT(*) FROM information_schema.SCHEMATA WHERE SCHEMA_NAME = $(sql_string "$DB_NAME")") == 0 ]]; then
		db_sql "CREATE DATABASE $db"
	fi
	# Tables the backup does not know (a later schema upgrade made them) go too.
	{
		echo 'SET FOREIGN_KEY_CHECKS = 0;'
		db_sql "SELECT CONCAT('DROP ', IF(TABLE_TYPE = 'VIEW', 'VIEW', 'TABLE'), ' IF EXISTS ', $(sql_string "$db"), '.\`', REPLACE(TABLE_NAME, '\`', '\`\`'), '\`;') FROM information_schema.TABLES WHERE TABLE_SCHEMA = $(sql_string "$DB_NAME")"
	} | mariadb --defaults-extra-file="$WORK/client.cnf" --batch ||
		die "emptying database $DB_NAME failed"
	gzip -dc -- "$BACKUP_DIR/$name.sql.gz" |
		mariadb --defaults-extra-file="$WORK/client.cnf" --batch --database="$DB_NAME" ||
		die "loading $name.sql.gz into $DB_NAME failed: the database is incomplete; run the restore again"
	log "restore $name: database $DB_NAME restored"

	if [[ ! -f $BACKUP_DIR/$name.files.tar.gz ]]; then
		log "restore $name: the backup has no state files (.one, .ssh)"
	elif [[ ! -d $ONE_VAR ]]; then
		log "warning: $ONE_VAR is not mounted: .one and .ssh of $name were not restored"
	else
		local dir aside stamp n
		stamp=$(date -u +%Y%m%dT%H%M%SZ)
		for dir in .one .ssh; do
			if [[ -e $ONE_VAR/$dir ]]; then
				aside=$dir.before-restore-$stamp
				n=1
				while [[ -e $ONE_VAR/$aside ]]; do
					n=$((n + 1))
					aside=$dir.before-restore-$stamp-$n
				done
				mv -T -- "$ONE_VAR/$dir" "$ONE_VAR/$aside"
				log "restore $name: the current $dir is kept as $ONE_VAR/$aside"
			fi
		done
		tar -C "$ONE_VAR" -xzpf "$BACKUP_DIR/$name.files.tar.gz" ||
			die "extracting $name.files.tar.gz into $ONE_VAR failed"
		log "restore $name: .one and .ssh restored into $ONE_VAR"
	fi
	log "restore $name: done; start OpenNebula again"
}

main() {
	local mode=${1:-backup}
	case $mode in
	backup) do_backup ;;
	restore) do_restore "${2:-}" ;;
	list) do_list ;;
	*) die "unknown mode $mode (backup, restore NAME|latest, list)" ;;
	esac
}

main "$@"
