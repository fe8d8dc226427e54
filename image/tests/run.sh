#!/usr/bin/env bash
# Run the image test suite: lint, config editing, bootstrap, services, database.
# usage: image/tests/run.sh [lint|config|bootstrap|services|db]...   (default: all)
# A missing tool fails its part ("FAIL: TOOL not found on PATH ..."); the
# tools come from .ci/install-tools (put the bin folder it prints on PATH).
set -Eeuo pipefail

dir=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
parts=("$@")
((${#parts[@]})) || parts=(lint config bootstrap services db)
rc=0
for part in "${parts[@]}"; do
	echo "== $part"
	bash "$dir/test-$part.sh" || rc=1
done
if ((rc)); then
	echo "image tests: FAILED"
else
	echo "image tests: ok"
fi
exit "$rc"
