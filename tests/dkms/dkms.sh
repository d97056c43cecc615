#!/usr/bin/env bash
# DKMS check: the module builds and installs through `dkms autoinstall` (what
# a Debian kernel package's postinst runs) for one installed Debian kernel,
# and that kernel, booted in the test host, loads the DKMS-built module with
# `modprobe cxltier`.  KERNEL=SERIES picks the kernel (6.1, 6.12; default:
# the stock one; scripts/kernels.sh release).  Leaves nothing installed.
set -euo pipefail
cd "$(dirname "$0")/../.."
top=$PWD
ver=$(cat VERSION)
kver=$(scripts/kernels.sh release "${KERNEL:-stock}") || exit 1
[[ -e /lib/modules/$kver/build/Makefile ]] ||
	{ echo "dkms check: $kver has no headers (apt-get install linux-headers-$kver)"; exit 1; }
src=/usr/src/cxltier-$ver

cleanup() {
	dkms remove "cxltier/$ver" --all >/dev/null 2>&1 || true
	rm -rf "$src"
}
trap cleanup EXIT
cleanup

scripts/dkms-src.sh "$src"

dkms add "cxltier/$ver"
# What a kernel package's postinst runs.  With other DKMS modules
# registered, it would build (and leave installed) those too: then only ours.
if dkms status 2>/dev/null | grep -v "^cxltier/" | grep -q .; then
	echo "dkms check: other DKMS modules are registered; dkms install cxltier/$ver only"
	dkms install "cxltier/$ver" -k "$kver"
else
	dkms autoinstall -k "$kver"
fi
st=$(dkms status "cxltier/$ver" -k "$kver")
echo "$st"
[[ $st == *": installed"* ]] || { echo "dkms check: dkms autoinstall did not install cxltier/$ver for $kver"; exit 1; }
ko=$(find "/lib/modules/$kver/updates/dkms" -name 'cxltier.ko*' | head -n1)
[[ -n "$ko" ]] || { echo "dkms check: no cxltier.ko under /lib/modules/$kver/updates/dkms"; exit 1; }
echo "dkms installed $ko"

# Inside the test host: modprobe loaded that file, the device exists, and
# the module answers.
tests/vm/run --kernel "$kver" --modprobe -- sh -c '
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
