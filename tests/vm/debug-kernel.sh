#!/usr/bin/env bash
# Builds (once per machine) and prints the path of the cxltier debug test
# kernel: Debian's linux-source-6.1 with KASAN, lockdep, DEBUG_VM, kmemleak,
# UBSAN, fault injection and the NUMA/hotplug/nvdimm/dax/CXL drivers built in
# (tests/vm/debug.config).
#
#   tests/vm/debug-kernel.sh            build if needed, print the bzImage path
#   tests/vm/debug-kernel.sh --kdir     ... print the build tree (for M= builds)
#   tests/vm/debug-kernel.sh --cached   print the path only if already built
#
# The build lives in $CXLTIER_CACHE (default /var/cache/cxltier), keyed by
# the config fragment, this script and the linux-source package version, so
# it is paid once per machine: about 12 minutes on 2 cores, 4-5 GB of disk.
# Progress goes to stderr; the full log to the cache.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
cache=${CXLTIER_CACHE:-/var/cache/cxltier}
tarball=/usr/src/linux-source-6.1.tar.xz
what=image
case "${1:-}" in
--kdir) what=kdir ;;
--cached) what=cached ;;
"") ;;
*) echo "usage: $0 [--kdir|--cached]" >&2; exit 2 ;;
esac

[[ -r $tarball ]] || { echo "debug-kernel: $tarball missing (apt-get install linux-source-6.1)" >&2; exit 1; }
srcver=$(dpkg-query -W -f='${Version}' linux-source-6.1 2>/dev/null || stat -c %Y "$tarball")
key=$( { cat "$here/debug.config" "$0"; echo "$srcver"; } | sha256sum | cut -c1-12)
dir=$cache/debug-6.1-$key
image=$dir/obj/arch/x86/boot/bzImage

print() {
	if [[ $what == kdir ]]; then echo "$dir/obj"; else echo "$image"; fi
}
if [[ -e $dir/done ]]; then print; exit 0; fi
[[ $what == cached ]] && exit 1

mkdir -p "$cache"
exec 9>"$cache/.lock"
echo "debug-kernel: waiting for the build lock" >&2
flock 9
if [[ -e $dir/done ]]; then print; exit 0; fi

rm -rf "$dir"
mkdir -p "$dir/obj"
log=$dir/build.log
echo "debug-kernel: building in $dir (log: $log); about 12 minutes on 2 cores" >&2
echo "debug-kernel: unpacking $tarball" >&2
tar -xJf "$tarball" -C "$dir"
src=$dir/linux-source-6.1
jobs=$(nproc)
if ! { make -C "$src" O="$dir/obj" x86_64_defconfig kvm_guest.config &&
	"$src/scripts/kconfig/merge_config.sh" -m -O "$dir/obj" "$dir/obj/.config" "$here/debug.config" &&
	make -C "$src" O="$dir/obj" olddefconfig; } >"$log" 2>&1; then
	tail -n 30 "$log" >&2
	echo "debug-kernel: configuration failed (log: $log)" >&2
	exit 1
fi

# every option asked for must have survived olddefconfig
missing=0
while IFS= read -r line; do
	case $line in
	CONFIG_*=*)
		if ! grep -qx "$line" "$dir/obj/.config"; then
			echo "debug-kernel: $line did not survive olddefconfig" >&2
			missing=1
		fi ;;
	esac
done < "$here/debug.config"
[[ $missing -eq 0 ]] || exit 1

make -C "$src" O="$dir/obj" -j"$jobs" bzImage modules >>"$log" 2>&1 &
pid=$!
start=$(date +%s)
while kill -0 "$pid" 2>/dev/null; do
	sleep 30
	kill -0 "$pid" 2>/dev/null || break
	n=$(grep -c '^  CC' "$log" || true)
	echo "debug-kernel: $(( $(date +%s) - start )) s, $n files compiled" >&2
done
if ! wait "$pid"; then
	tail -n 40 "$log" >&2
	echo "debug-kernel: build failed (log: $log)" >&2
	exit 1
fi
touch "$dir/done"
echo "debug-kernel: built in $(( $(date +%s) - start )) s" >&2
# older builds of other configs are dead weight
for old in "$cache"/debug-6.1-*; do
	[[ $old == "$dir" ]] || rm -rf "$old"
done
print
