#!/usr/bin/env bash
# Install what the image tests need from Debian/Ubuntu packages, idempotently:
#   mariadb-server + mariadb-client  real database for the DB-version logic
#   ruby                             the config editor (image/one-config.rb), Psych, the syslog relay
#   python3                          the OpenNebula template syntax checker, XML-RPC/HTTP stubs
#   the shellcheck package           lint of every script
#   openssh-server + openssh-client  sshd -t / -T and a running sshd, ssh-agent, ssh-keyscan
#   gcc                              a guacd and library built to prove build-check's ldd check
#   curl                             the health check
#   util-linux                       logger (syslog relay test), setpriv
# hadolint and supervisord come from /work/shared/tools/install-tools.sh
# (not packaged in Debian); the tests skip them when absent.
# usage: image/tests/install-deps.sh
set -Eeuo pipefail

packages=(curl gcc mariadb-client mariadb-server openssh-client openssh-server python3 ruby shellcheck util-linux)

# usage: missing_packages PKG...   (prints the packages not installed)
missing_packages() {
	local pkg
	for pkg in "$@"; do
		if ! dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q 'install ok installed'; then
			printf '%s\n' "$pkg"
		fi
	done
}

main() {
	local missing sudo=()
	mapfile -t missing < <(missing_packages "${packages[@]}")
	if ((${#missing[@]} == 0)); then
		echo "install-deps: all present (${packages[*]})"
		return 0
	fi
	if ((EUID != 0)); then
		sudo=(sudo)
	fi
	echo "install-deps: installing ${missing[*]}"
	"${sudo[@]}" apt-get update -qq
	# No service start inside containers/CI: the tests start their own mariadbd.
	DEBIAN_FRONTEND=noninteractive "${sudo[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}"
}

main "$@"
