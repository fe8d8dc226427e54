#!/usr/bin/env bash
# Static checks: shellcheck on every script, hadolint on the Dockerfile,
# supervisord's own parser on supervisord.conf, Ruby/Python syntax.
set -Eeuo pipefail
# shellcheck source=image/tests/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

test_shellcheck() {
	local scripts
	mapfile -t scripts < <(find "$IMAGE_DIR" -name '*.sh' -type f | sort)
	((${#scripts[@]} >= 8)) || fail "only ${#scripts[@]} scripts found"
	# Default severity (style and up): any finding fails.
	(cd "$REPO_DIR" && shellcheck -x "${scripts[@]#"$REPO_DIR"/}")
}

test_hadolint() {
	hadolint "$REPO_DIR/Dockerfile"
}

test_supervisord() {
	local out
	out=$(tools-python "$TESTS_DIR/supervisord_check.py" "$IMAGE_DIR/supervisord.conf")
	assert_eq "$out" "oned guacd fireedge hem oneflow onegate" "start order"
}

test_ruby_python_syntax() {
	local f
	for f in "$IMAGE_DIR/one-config.rb" "$TESTS_DIR/yamlcheck.rb"; do
		ruby -wc "$f" >/dev/null
	done
	python3 -m py_compile "$TESTS_DIR/onetemplate.py" "$TESTS_DIR/supervisord_check.py"
}

test_one_version() {
	local v
	v=$(<"$IMAGE_DIR/ONE_VERSION")
	[[ $v =~ ^[0-9]+\.[0-9]+\.[0-9]+$ ]] || fail "image/ONE_VERSION is '$v'"
	[[ -d $UPSTREAM_DIR/opennebula-$v ]] || fail "no upstream test files for $v"
	grep -q '^ARG ONE_VERSION$' "$REPO_DIR/Dockerfile" || fail "Dockerfile has a default ONE_VERSION"
}

main() {
	! t_need shellcheck || t_run "shellcheck, every script" test_shellcheck
	! t_need hadolint || t_run "hadolint Dockerfile" test_hadolint
	! t_need tools-python || t_run "supervisord parses supervisord.conf" test_supervisord
	! t_need ruby python3 || t_run "ruby/python syntax" test_ruby_python_syntax
	t_run "image/ONE_VERSION" test_one_version
	t_summary lint
}

main "$@"
