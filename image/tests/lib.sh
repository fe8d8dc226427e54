# shellcheck shell=bash
# Helpers shared by the image test scripts: a tiny runner and assertions.
# Each test is a function run in its own subshell with errexit on, so a
# failing command or a `die` in the entrypoint fails that test only.

TESTS_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
IMAGE_DIR=$(dirname "$TESTS_DIR")
# shellcheck disable=SC2034 # used by the scripts that source this file
REPO_DIR=$(dirname "$IMAGE_DIR")
UPSTREAM_DIR=${ONECHART_UPSTREAM:-$TESTS_DIR/upstream}
# Files this project wrote, modelled on upstream ones (fixtures/README.md).
# shellcheck disable=SC2034 # used by the scripts that source this file
FIXTURES_DIR=$TESTS_DIR/fixtures
# shellcheck disable=SC2034 # used by the scripts that source this file
VERSIONS=(7.0.0 7.2.0 7.4.0)
TEMPLATE_CHECK=(python3 "$TESTS_DIR/onetemplate.py")
YAML_CHECK=(ruby "$TESTS_DIR/yamlcheck.rb")

T_PASS=0
T_FAIL=0
T_FAILED=()

# usage: t_need TOOL...   (false, after counting a failure that names the
# tool and how to install it, when a tool is missing: never a skip)
t_need() {
	local tool
	for tool in "$@"; do
		if ! command -v "$tool" >/dev/null 2>&1; then
			echo "FAIL: $tool not found on PATH: install the test tools with .ci/install-tools and put the bin folder it prints on PATH"
			T_FAIL=$((T_FAIL + 1))
			T_FAILED+=("missing $tool")
			return 1
		fi
	done
}

# usage: t_run NAME CMD...   (run one test in a subshell; output shown on failure)
t_run() {
	local name=$1 out rc t0=$SECONDS
	shift
	out=$(mktemp)
	T_TMP=$(mktemp -d)
	set +e
	(
		set -Eeuo pipefail
		"$@"
	) >"$out" 2>&1
	rc=$?
	set -e
	rm -rf "$T_TMP"
	if ((rc == 0)); then
		T_PASS=$((T_PASS + 1))
		echo "ok   $name ($((SECONDS - t0))s)"
	else
		T_FAIL=$((T_FAIL + 1))
		T_FAILED+=("$name")
		echo "FAIL $name (exit $rc)"
		sed 's/^/     | /' "$out"
	fi
	rm -f "$out"
}

# usage: t_summary LABEL   (print counts; false when a test failed)
t_summary() {
	echo "$1: $T_PASS passed, $T_FAIL failed"
	((T_FAIL == 0))
}

# usage: fail MESSAGE...
fail() {
	printf 'assertion failed: %s\n' "$*" >&2
	exit 1
}

# usage: assert_eq GOT WANT [WHAT]
assert_eq() {
	[[ $1 == "$2" ]] || fail "${3:-value}: got $(printf '%q' "$1"), want $(printf '%q' "$2")"
}

# usage: assert_lines GOT LINE...   (GOT, split on newlines, equals the LINEs)
assert_lines() {
	local got=$1 want
	shift
	want=$(printf '%s\n' "$@")
	[[ $got == "${want%$'\n'}" ]] || fail "lines differ:"$'\n'"--- got"$'\n'"$got"$'\n'"--- want"$'\n'"${want%$'\n'}"
}

# usage: assert_fails_with PATTERN CMD...   (CMD exits non-zero and prints PATTERN)
assert_fails_with() {
	local pattern=$1 out rc
	shift
	set +e
	out=$("$@" 2>&1)
	rc=$?
	set -e
	((rc != 0)) || fail "expected failure of: $*"$'\n'"$out"
	[[ $out == *"$pattern"* ]] || fail "expected '$pattern' in the output of: $*"$'\n'"$out"
}

# usage: assert_mode FILE MODE
assert_mode() {
	assert_eq "$(stat -c %a "$1")" "$2" "mode of $1"
}

# usage: load_entrypoint   (source the entrypoint with paths inside $T_TMP)
load_entrypoint() {
	export ONE_ETC=$T_TMP/etc ONE_VAR=$T_TMP/var ONE_LOG_DIR=$T_TMP/log \
		ONE_LOCK_DIR=$T_TMP/lock ONE_RUN_DIR=$T_TMP/run ONE_SHARE=$T_TMP/share \
		ONE_LIB=$T_TMP/lib ONE_RUBY_LIB=$T_TMP/ruby ONECHART_LIB=$IMAGE_DIR \
		ONECHART_CONFIG_DIR=$T_TMP/onechart/config ONECHART_SSH_DIR=$T_TMP/onechart/ssh \
		ONECHART_RUN=$T_TMP/onechart-run \
		ONE_IMAGE_VERSION_FILE=$T_TMP/share/onechart-image-version \
		ONE_SERVERADMIN_LIST=$T_TMP/share/onechart-serveradmin-files \
		ONE_RUN_AS="" IPV6_PROBE_FILE=$T_TMP/if_inet6 HOSTS_FILE=$T_TMP/hosts \
		DEV_LOG=$T_TMP/dev-log
	ONE_OWNER="$(id -u):$(id -g)"
	export ONE_OWNER
	mkdir -p "$ONE_ETC" "$ONE_VAR" "$ONE_SHARE" "$ONECHART_CONFIG_DIR" "$ONECHART_SSH_DIR"
	serveradmin_list 7.0.0
	# shellcheck source=image/entrypoint.sh
	source "$IMAGE_DIR/entrypoint.sh"
	set -Eeuo pipefail
}

# usage: use_upstream VERSION   (copy that release's /etc/one files to $ONE_ETC and $T_TMP/orig)
use_upstream() {
	cp "$UPSTREAM_DIR/opennebula-$1/etc/"*.conf "$ONE_ETC/"
	mkdir -p "$T_TMP/orig"
	cp "$UPSTREAM_DIR/opennebula-$1/etc/"*.conf "$T_TMP/orig/"
}

# usage: template_diff NAME   (changed paths of $ONE_ETC/NAME against the original)
template_diff() {
	"${TEMPLATE_CHECK[@]}" diff "$T_TMP/orig/$1" "$ONE_ETC/$1"
}

# usage: yaml_diff NAME
yaml_diff() {
	"${YAML_CHECK[@]}" diff "$T_TMP/orig/$1" "$ONE_ETC/$1"
}

# The serveradmin credential files oned's bootstrap creates, per release
# (src/um/UserPool.cc at release-7.0.0, release-7.2.0, release-7.4.0).
declare -gA SERVERADMIN_FILES=(
	[7.0.0]="sunstone_auth onegate_auth oneflow_auth"
	[7.2.0]="sunstone_auth onegate_auth oneflow_auth oneform_auth"
	[7.4.0]="sunstone_auth onegate_auth oneflow_auth oneform_auth oneks_auth"
)

# usage: fake_oned VERSION FILE   (a file holding oned's string literals for
# the serveradmin files of VERSION, as the compiled binary does)
fake_oned() {
	local name
	{
		printf '\177ELF\0'
		for name in $(serveradmin_names "$1") one_auth; do
			printf 'x\0/.one/%s\0' "$name"
		done
	} >"$2"
}

# usage: serveradmin_list VERSION   (the image's list for VERSION, as build-check.sh writes it)
serveradmin_list() {
	mkdir -p "$(dirname "$ONE_SERVERADMIN_LIST")"
	serveradmin_names "$1" >"$ONE_SERVERADMIN_LIST"
}

# usage: serveradmin_names VERSION   (sorted, one a line)
serveradmin_names() {
	local names
	read -r -a names <<<"${SERVERADMIN_FILES[$1]}"
	printf '%s\n' "${names[@]}" | sort
}
