#!/bin/bash
# Installs diskimage-builder and what it needs on a fresh Debian bookworm machine (root), for the
# one real-DIB test. Package list: what debian-minimal builds needed here; about 1.5 minutes.
set -euo pipefail
PKGS=(python3-diskimage-builder debootstrap qemu-utils kpartx squashfs-tools dosfstools gdisk parted
      xfsprogs e2fsprogs sudo openssh-client util-linux)
missing=()
for p in "${PKGS[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0
echo "install-dib: installing ${missing[*]}" >&2
export DEBIAN_FRONTEND=noninteractive
apt-get -o DPkg::Lock::Timeout=900 update -qq
apt-get -o DPkg::Lock::Timeout=900 install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
