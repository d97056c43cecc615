#!/usr/bin/env bash
# DKMS check: the module builds and installs through DKMS for the Debian
# kernel the test host boots, and that kernel loads the DKMS-built module
# with `modprobe cxltier`.  Leaves nothing installed behind.
set -euo pipefail
cd "$(dirname "$0")/../.."
top=$PWD
ver=$(cat VERSION)
# the kernel the VM boots: the newest Debian kernel with headers
kver=$(ls -1 /lib/modules/*/build/Makefile 2>/dev/null |
	sed 's|/lib/modules/\([^/]*\)/build/Makefile|\1|' | sort -V |
	while read -r k; do [[ -e /boot/vmlinuz-$k ]] && echo "$k"; done |
	tail -n1)
[[ -n "$kver" ]] || { echo "dkms check: no kernel with headers and an image"; exit 1; }
src=/usr/src/cxltier-$ver

cleanup() {
	dkms remove "cxltier/$ver" --all >/dev/null 2>&1 || true
	rm -rf "$src"
}
trap cleanup EXIT
cleanup

# Only the sources DKMS needs; never build outputs from the work tree.
mkdir -p "$src/kmod" "$src/uapi/linux"
cp dkms.conf Kbuild VERSION "$src/"
cp kmod/Kbuild kmod/*.c kmod/*.h "$src/kmod/"
cp uapi/linux/*.h "$src/uapi/linux/"

dkms add "cxltier/$ver"
dkms build "cxltier/$ver" -k "$kver"
dkms install "cxltier/$ver" -k "$kver" --force
dkms status "cxltier/$ver"
ko=$(find "/lib/modules/$kver/updates/dkms" -name 'cxltier.ko*' | head -n1)
[[ -n "$ko" ]] || { echo "dkms check: no cxltier.ko under /lib/modules/$kver/updates/dkms"; exit 1; }
echo "dkms installed $ko"

# Inside the test host: modprobe loaded that file, the device exists, and
# the module answers.
tests/vm/run --kernel "/boot/vmlinuz-$kver" --modprobe -- sh -c '
	. tests/lib/tap.sh
	check "modprobe loaded cxltier" grep -q "^cxltier " /proc/modules
	check "/dev/cxltier exists" test -c /dev/cxltier
	path=$(modinfo -n cxltier)
	echo "# modinfo -n cxltier: $path"
	check "the module is the DKMS-installed one" sh -c "echo $path | grep -q /updates/dkms/"
	check "the loaded srcversion is the file'"'"'s" test "$(cat /sys/module/cxltier/srcversion)" = "$(modinfo -F srcversion cxltier)"
	check "the version is '"$ver"'" test "$(cat /sys/module/cxltier/version)" = "'"$ver"'"
	check "tierctl topo answers" '"$top"'/build/bin/tierctl topo
	echo "1..$n"
	tap_done dkms
'
