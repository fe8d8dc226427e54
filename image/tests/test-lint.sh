#!/usr/bin/env bash
# Static checks: shellcheck on every script, hadolint on the Dockerfile,
# supervisord's own parser on supervisord.conf, Ruby/Python syntax.
set -Eeuo pipefail
# shellcheck source=image/tests/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

test_shellcheck() {
	local scripts
	mapfile -t scripts < <(find "$IMAGE_DIR" -name '*.sh' -type f | sort)
	((${#scripts[@]} >= 14)) || fail "only ${#scripts[@]} scripts found"
	# Default severity (style and up): any finding fails.
	(cd "$REPO_DIR" && shellcheck -x "${scripts[@]#"$REPO_DIR"/}")
}

test_hadolint() {
	hadolint "$REPO_DIR/Dockerfile"
}

test_supervisord() {
	local out
	out=$(tools-python "$TESTS_DIR/supervisord_check.py" "$IMAGE_DIR/supervisord.conf")
	assert_eq "$out" "base oned services; worst-case stop 156s" "groups in start order, worst-case stop"
}

test_ruby_python_syntax() {
	local f
	for f in "$IMAGE_DIR/one-config.rb" "$IMAGE_DIR/syslog-relay.rb" "$IMAGE_DIR/exporter.rb" "$TESTS_DIR/yamlcheck.rb"; do
		ruby -wc "$f" >/dev/null
	done
	python3 -m py_compile "$TESTS_DIR/onetemplate.py" "$TESTS_DIR/supervisord_check.py"
}

# Every image/ file the Dockerfile copies is in the build context
# (.dockerignore), every script supervisord.conf runs is copied, and the
# build runs build-check.sh.
test_dockerfile_copies() {
	local src dest
	while read -r src dest; do
		[[ -f $REPO_DIR/$src ]] || fail "Dockerfile copies $src, which does not exist"
		grep -qx "!$src" "$REPO_DIR/.dockerignore" || fail "$src is not in the build context (.dockerignore)"
		grep -qF "$dest" "$IMAGE_DIR/supervisord.conf" "$REPO_DIR/Dockerfile" "$IMAGE_DIR/entrypoint.sh" ||
			fail "$dest is copied but never used"
	done < <(sed -nE 's/^COPY --chmod=[0-9]+ (image\/[^ ]+) ([^ ]+)$/\1 \2/p' "$REPO_DIR/Dockerfile")
	while read -r src; do
		# A file, or a folder on a program's PATH (bin: the exporter's systemctl).
		grep -qE "^COPY --chmod=0755 image/[^ ]+ $src(/[a-z-]+)?\$" "$REPO_DIR/Dockerfile" ||
			fail "supervisord.conf runs $src, not copied"
	done < <(sed -nE 's|.*(/usr/local/lib/onechart/[a-z-]+).*|\1|p' "$IMAGE_DIR/supervisord.conf" | sort -u)
	grep -q '&& /usr/local/lib/onechart/onechart-build-check$' "$REPO_DIR/Dockerfile" || fail "build-check not run"
}

test_one_version() {
	local v
	v=$(<"$IMAGE_DIR/ONE_VERSION")
	[[ $v =~ ^[0-9]+\.[0-9]+\.[0-9]+$ ]] || fail "image/ONE_VERSION is '$v'"
	[[ -d $UPSTREAM_DIR/opennebula-$v ]] || fail "no upstream test files for $v"
	[[ -d $FIXTURES_DIR/opennebula-$v ]] || fail "no test fixtures for $v (image/tests/fixtures/README.md)"
	grep -q '^ARG ONE_VERSION$' "$REPO_DIR/Dockerfile" || fail "Dockerfile has a default ONE_VERSION"
}

main() {
	! t_need shellcheck || t_run "shellcheck, every script" test_shellcheck
	! t_need hadolint || t_run "hadolint Dockerfile" test_hadolint
	! t_need tools-python || t_run "supervisord parses supervisord.conf" test_supervisord
	! t_need ruby python3 || t_run "ruby/python syntax" test_ruby_python_syntax
	t_run "Dockerfile copies what the image runs" test_dockerfile_copies
	t_run "image/ONE_VERSION" test_one_version
	t_summary lint
}

main "$@"
