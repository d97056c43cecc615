#!/usr/bin/env bash
# The guest half of deb_test.sh (which says what and why); runs as root in
# the emulated host.  Usage: deb_guest.sh VERSION DEB_DIR
set -uo pipefail
ver=$1 debs=$2
. "$(dirname "$0")/../lib/tap.sh"
# It loads modules and writes to /dev: the test host's only, never a real one.
[ "${CXLTIER_VM:-}" = 1 ] || { echo "Bail out! deb_guest.sh runs in the test host (tests/dkms/deb_test.sh)"; exit 1; }
kver=$(uname -r)
root=/tmp/pkgroot
ov=/tmp/pkgov

# The overlay: lower = this system's root, upper = a tmpfs.
mkdir -p "$ov" "$root"
mount -t tmpfs -o mode=0755 tmpfs "$ov" || { echo "Bail out! tmpfs"; exit 1; }
mkdir -p "$ov/upper" "$ov/work"
modprobe overlay 2>/dev/null
if ! mount -t overlay overlay -o "lowerdir=/,upperdir=$ov/upper,workdir=$ov/work" "$root"; then
	echo "Bail out! cannot mount an overlay of / (overlayfs)"
	exit 1
fi
for d in proc sys dev dev/pts; do
	mount --bind "/$d" "$root/$d"
done
# devtmpfs has no /dev/fd (udev makes it on a real host); bash's <(...),
# which dkms uses, needs it.
for f in fd:/proc/self/fd stdin:/proc/self/fd/0 stdout:/proc/self/fd/1 stderr:/proc/self/fd/2; do
	[ -e "/dev/${f%%:*}" ] || ln -s "${f#*:}" "/dev/${f%%:*}"
done
mount -t tmpfs tmpfs "$root/tmp"
mount -t tmpfs -o mode=0755 tmpfs "$root/run"
# Headers of the running kernel only: DKMS's postinst would also build
# for the newest installed kernel, doubling minutes of compiling under
# TCG; each kernel's DKMS build is dkms.sh's (dkms.check-vm@SERIES).
for b in "$root"/lib/modules/*/build; do
	[ "$b" = "$root/lib/modules/$kver/build" ] || rm -f "$b"
done
mkdir -p "$root/tmp/debs"
cp "$debs"/*_"$ver"_*.deb "$root/tmp/debs/"
rm -f "$root"/tmp/debs/*-dbgsym_*.deb
in_root() { chroot "$root" /usr/bin/env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin HOME=/root LANG=C.UTF-8 DEBIAN_FRONTEND=noninteractive "$@"; }

check "the packages were not installed before" \
	sh -c "! chroot $root dpkg-query -W cxltier-dkms libtier1 libtier-dev tierctl python3-cxltier 2>/dev/null | grep -q ."
echo "# dpkg -i (DKMS builds cxltier $ver for $kver under TCG: minutes)"
t0=$(date +%s)
if in_root sh -c 'dpkg -i /tmp/debs/*.deb' > /tmp/dpkg-install.log 2>&1; then
	ok "dpkg -i of the five packages ($(( $(date +%s) - t0 )) s)"
else
	nok "dpkg -i of the five packages"
	sed 's/^/# /' /tmp/dpkg-install.log | tail -n 40
fi
# Every file the packages own, for the check after the purge.
in_root dpkg -L cxltier-dkms libtier1 libtier-dev tierctl python3-cxltier 2>/dev/null |
	while read -r f; do [ -f "$root$f" ] || [ -L "$root$f" ] && echo "$f"; done > /tmp/pkg-files
echo "# the packages own $(wc -l < /tmp/pkg-files) files"
check "dkms says cxltier/$ver is installed for $kver" \
	sh -c "chroot $root dkms status cxltier/$ver -k $kver | grep -q ': installed'"
ko=$(in_root modinfo -n cxltier 2>/dev/null)
echo "# modinfo -n cxltier: $ko"
check "the module is DKMS's (updates/dkms)" sh -c "echo '$ko' | grep -q /updates/dkms/"
check "modprobe cxltier" in_root modprobe cxltier
check "the loaded module is version $ver" test "$(cat /sys/module/cxltier/version 2>/dev/null)" = "$ver"
check "/dev/cxltier exists" test -c "$root/dev/cxltier"
check "the group cxltier exists (cxltier-dkms's postinst)" in_root getent group cxltier
check "the udev rule is installed" test -f "$root/usr/lib/udev/rules.d/60-cxltier.rules"

# The demo's placements, with the installed tierctl.
check "tierctl is /usr/bin/tierctl" test "$(in_root sh -c 'command -v tierctl')" = /usr/bin/tierctl
check "tierctl version says $ver" sh -c "chroot $root tierctl version | grep -q '$ver'"
topo=$(in_root tierctl topo --json)
pick() {
	/usr/bin/python3 -c 'import json,sys
t=sys.argv[1]
print(next(n["node"] for n in json.load(sys.stdin)["nodes"] if n["tier"].lower()==t))' "$1" <<<"$topo"
}
dram=$(pick dram) cxl=$(pick cxl)
echo "# DRAM node $dram, CXL node $cxl"
check "tierctl topo sees the module's nodes" test -n "$dram" -a -n "$cxl"
resident_on() {	# SIZE NODE: all of a touched buffer bound to NODE is there
	in_root tierctl alloc --node "$2" --size "$1" --json | /usr/bin/python3 -c '
import json,sys
a=json.load(sys.stdin); node=int(sys.argv[1]); size=int(sys.argv[2])
res={int(r["node"]): int(r["bytes"]) for r in a["resident"]}
print("# residency", res, "backend", a.get("backend"))
sys.exit(0 if res.get(node)==size and sum(res.values())==size else 1)' "$2" "$3"
}
check "tierctl alloc uses the module" sh -c "chroot $root tierctl alloc --node $dram --size 4M --json | grep -q '\"backend\": \"cxltier\"'"
check "64 MiB bound to DRAM node $dram is there" resident_on 64M "$dram" $((64 << 20))
check "256 MiB bound to CXL node $cxl is there" resident_on 256M "$cxl" $((256 << 20))

# The installed Python package, from outside any tree.
py='import sys, cxltier
print("# cxltier from", cxltier.__file__)
assert cxltier.__file__.startswith("/usr/lib/python3/dist-packages/cxltier/"), cxltier.__file__
import torch
t = cxltier.zeros(8 << 20, dtype=torch.uint8, policy="bind:%d" % int(sys.argv[1]))
r = cxltier.residency(t)
print("# residency", dict(r))
assert dict(r) == {int(sys.argv[1]): 8 << 20}, dict(r)
assert cxltier.backend()["backend"] == "cxltier", cxltier.backend()
libs = set(l.split()[-1] for l in open("/proc/self/maps") if "libtier" in l)
print("# libtier from", " ".join(sorted(libs)))
assert libs and all(l.startswith("/usr/lib/x86_64-linux-gnu/libtier.so.1") for l in libs), libs'
check "python3-cxltier places a tensor on CXL node $cxl" \
	chroot "$root" /usr/bin/env -i PATH=/usr/bin:/bin HOME=/root sh -c "cd / && /usr/bin/python3 -c '$py' $cxl"

# A program built against libtier-dev with pkg-config.
cat > "$root/tmp/user.c" <<'C'
#include <libtier.h>
#include <stdio.h>
int main(void)
{
	struct tier_ctx *ctx;
	int err = tier_open(&ctx, 0);

	if (err) {
		fprintf(stderr, "tier_open: %d\n", err);
		return 1;
	}
	printf("# libtier %s, backend %s\n", tier_version(), tier_backend_name(ctx));
	tier_close(ctx);
	return 0;
}
C
check "a program builds with pkg-config --cflags --libs libtier" \
	in_root sh -c 'cc -o /tmp/user /tmp/user.c $(pkg-config --cflags --libs libtier)'
check "and runs on the module backend" sh -c "chroot $root /tmp/user | tee /dev/stderr | grep -q 'backend cxltier'"

# Removal: the module unloads, the packages purge, nothing of theirs stays.
check "rmmod cxltier" rmmod cxltier
if in_root dpkg --purge python3-cxltier tierctl libtier-dev libtier1 cxltier-dkms > /tmp/dpkg-purge.log 2>&1; then
	ok "dpkg --purge of the five packages"
else
	nok "dpkg --purge of the five packages"
	sed 's/^/# /' /tmp/dpkg-purge.log | tail -n 20
fi
check "DKMS forgot cxltier" sh -c "! chroot $root dkms status cxltier 2>/dev/null | grep -q ."
left=$(while read -r f; do [ -e "$root$f" ] || [ -L "$root$f" ] && echo "$f"; done < /tmp/pkg-files)
left="$left$(cd "$root" && ls -d usr/src/cxltier-* "lib/modules/$kver/updates/dkms/cxltier.ko"* var/lib/dkms/cxltier 2>/dev/null)"
[[ -n $left ]] && echo "# left behind: $left"
check "the packages owned files: $(wc -l < /tmp/pkg-files)" test "$(wc -l < /tmp/pkg-files)" -gt 30
check "no file of the packages is left" test -z "$left"

umount "$root/tmp" "$root/run" "$root/dev/pts" "$root/dev" "$root/sys" "$root/proc" "$root" "$ov" ||
	echo "# could not unmount the overlay (the guest's tmpfs; it goes with the guest)"
echo "1..$n"
tap_done deb
