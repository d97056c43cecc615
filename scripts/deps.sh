#!/usr/bin/env bash
# Install the Debian packages cxltier needs to build, demo and test, if any
# are missing.  Idempotent; needs root (or sudo) only when something is
# missing.  Usage: scripts/deps.sh [build|vm|all]   (default: all)
set -euo pipefail

build_pkgs=(build-essential pkg-config g++ kmod linux-headers-amd64
	    libmnl-dev libnuma-dev python3-yaml)
vm_pkgs=(linux-image-amd64 linux-source-6.1 qemu-system-x86 busybox-static
	 cpio dkms numactl ndctl daxctl valgrind python3 xz-utils
	 flex bison bc libelf-dev libssl-dev
	 python3-torch python3-numpy)

case "${1:-all}" in
build) want=("${build_pkgs[@]}") ;;
vm|all) want=("${build_pkgs[@]}" "${vm_pkgs[@]}") ;;
*) echo "usage: $0 [build|vm|all]" >&2; exit 2 ;;
esac

missing=()
for p in "${want[@]}"; do
	st=$(dpkg-query -W -f='${Status}' "$p" 2>/dev/null || true)
	[[ "$st" == "install ok installed" ]] || missing+=("$p")
done
[[ ${#missing[@]} -eq 0 ]] && exit 0

echo "deps: installing ${missing[*]}"
SUDO=
[[ $(id -u) -eq 0 ]] || SUDO=sudo
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -q
$SUDO apt-get install -y -q --no-install-recommends "${missing[@]}"
