#!/usr/bin/env bash
# Installs what a fresh Debian bookworm machine lacks for the tests and the demo: Debian packages
# (only when missing) and the npm dependencies (only when package-lock.json changed).
set -euo pipefail
cd "$(dirname "$0")/.."

# openssh-server: its sshd binary, started by the static-driver tests as their own processes.
APT_PACKAGES=(zookeeper libnetty-java openssh-client openssh-server openssl python3-openstacksdk python3-yaml)

missing=()
for pkg in "${APT_PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q 'install ok installed' || missing+=("$pkg")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "setup-machine: installing ${missing[*]}" >&2
  SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO="sudo"
  $SUDO apt-get -o DPkg::Lock::Timeout=600 update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get -o DPkg::Lock::Timeout=600 install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

stamp=node_modules/.package-lock.stamp
if [ ! -f "$stamp" ] || ! cmp -s package-lock.json "$stamp"; then
  echo "setup-machine: npm ci" >&2
  npm ci --no-audit --no-fund --loglevel=error
  cp package-lock.json "$stamp"
fi
