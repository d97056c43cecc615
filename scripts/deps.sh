#!/usr/bin/env bash
# Install the Debian packages cxltier needs to build, demo and test, if any
# are missing.  Idempotent; needs root (or sudo) only when something is
# missing.  Usage: scripts/deps.sh [build|vm|all]   (default: all)
#
# "vm" and "all" include every supported kernel series (scripts/kernels.sh):
# Debian 12's 6.1 and, from its security suite, the newest
# linux-headers-6.12.N+deb12-amd64, which brings that kernel's image (the
# test host boots it), linux-kbuild and pahole (its module build needs
# pahole for BTF).  Installing it makes 6.12 the newest kernel of the
# machine, which the boot loader boots by default from the next reboot
# (Debian's GRUB picks the newest); `make` then builds for it, and the test
# host builds the module for whichever kernel it boots.
set -euo pipefail

build_pkgs=(build-essential pkg-config g++ kmod linux-headers-amd64
	    libmnl-dev libnuma-dev python3-yaml
	    debhelper dh-dkms dh-python dpkg-dev groff-base man-db)
vm_pkgs=(linux-image-amd64 linux-source-6.1 qemu-system-x86 busybox-static
	 cpio dkms numactl ndctl daxctl valgrind python3 xz-utils
	 flex bison bc libelf-dev libssl-dev
	 python3-torch python3-numpy lintian
	 python3-pip python3-setuptools python3-wheel python3-venv
	 python3-matplotlib)

case "${1:-all}" in
build) want=("${build_pkgs[@]}") ;;
vm|all) want=("${build_pkgs[@]}" "${vm_pkgs[@]}") ;;
*) echo "usage: $0 [build|vm|all]" >&2; exit 2 ;;
esac

here=$(cd "$(dirname "$0")" && pwd)
missing=()
for p in "${want[@]}"; do
	st=$(dpkg-query -W -f='${Status}' "$p" 2>/dev/null || true)
	[[ "$st" == "install ok installed" ]] || missing+=("$p")
done
# Series after the first (6.1 is linux-headers-amd64 above) whose headers
# are missing: their package name is known only from apt's lists.
series=()
if [[ ${1:-all} != build ]]; then
	mapfile -t have < <("$here/kernels.sh" headers | while read -r r; do
		"$here/kernels.sh" series "$r"; done)
	while read -r s; do
		[[ $s == "$("$here/kernels.sh" supported | head -n 1)" ]] && continue
		[[ " ${have[*]} " == *" $s "* ]] || series+=("$s")
	done < <("$here/kernels.sh" supported)
fi
[[ ${#missing[@]} -eq 0 && ${#series[@]} -eq 0 ]] && exit 0

SUDO=
[[ $(id -u) -eq 0 ]] || SUDO=sudo
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -q
for s in "${series[@]}"; do
	missing+=("$("$here/kernels.sh" package "$s")")
done
echo "deps: installing ${missing[*]}"
$SUDO apt-get install -y -q --no-install-recommends "${missing[@]}"
