#!/usr/bin/env bash
# Builds the cxltier module against the debug kernel's build tree and prints
# the path of the .ko:
#
#   tests/vm/debug-module.sh [--kdir KDIR]
#
# KDIR defaults to `tests/vm/debug-kernel.sh --kdir` (which builds the debug
# kernel first if it is not cached: about 12 minutes on 2 cores).  kmod/
# keeps the stock build: what Kbuild reads (Kbuild, VERSION, kmod/*.[ch],
# kmod/Kbuild, uapi/) is copied into build/kmod-debug/ of the repository,
# each file only when its contents changed, so that Kbuild's own dependency
# tracking rebuilds just what changed; a different KDIR starts over.  The
# module is build/kmod-debug/kmod/cxltier.ko; the build log
# build/kmod-debug/build.log.  WERROR=1 (CI) makes warnings errors, as for
# the stock build.  tests/vm/run --kernel debug calls this.
set -euo pipefail
here=$(cd "$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")" && pwd)
repo=$(cd "$here/../.." && pwd)
kdir=
case "${1:-}" in
--kdir) [[ $# -ge 2 ]] || { echo "usage: $0 [--kdir KDIR]" >&2; exit 2; }; kdir=$2 ;;
"") ;;
*) echo "usage: $0 [--kdir KDIR]" >&2; exit 2 ;;
esac
if [[ -z $kdir ]]; then
	kdir=$("$here/debug-kernel.sh" --kdir)
fi
[[ -f $kdir/Module.symvers ]] || { echo "debug-module: $kdir is not a built kernel tree (no Module.symvers)" >&2; exit 1; }

dst=$repo/build/kmod-debug
mkdir -p "$repo/build"
exec 9> "$repo/build/.kmod-debug.lock"
flock 9

# Built against another tree (the debug config changed): start over.
if [[ "$(cat "$dst/.kdir" 2>/dev/null)" != "$kdir" ]]; then
	rm -rf "$dst"
fi
mkdir -p "$dst/kmod"
sync_file() {
	mkdir -p "$(dirname "$2")"
	cmp -s "$1" "$2" || cp "$1" "$2"
}
sync_file "$repo/Kbuild" "$dst/Kbuild"
sync_file "$repo/VERSION" "$dst/VERSION"
sync_file "$repo/kmod/Kbuild" "$dst/kmod/Kbuild"
for f in "$repo"/kmod/*.c "$repo"/kmod/*.h; do
	[[ -e $f ]] || continue
	[[ $f == *.mod.c ]] && continue		# the stock build's output
	sync_file "$f" "$dst/kmod/${f##*/}"
done
# sources gone from kmod/, and their objects
for f in "$dst"/kmod/*.c "$dst"/kmod/*.h; do
	[[ -e $f ]] || continue
	[[ $f == *.mod.c ]] && continue
	[[ -e $repo/kmod/${f##*/} ]] || rm -f "$f" "${f%.*}.o"
done
while IFS= read -r -d '' f; do
	sync_file "$f" "$dst/${f#"$repo"/}"
done < <(find "$repo/uapi" -type f -print0)
while IFS= read -r -d '' f; do
	[[ -e $repo/${f#"$dst"/} ]] || rm -f "$f"
done < <(find "$dst/uapi" -type f -print0 2>/dev/null)
echo "$kdir" > "$dst/.kdir"

if ! make -C "$kdir" M="$dst" CXLTIER_VERSION="$(cat "$repo/VERSION")" \
	$([[ ${WERROR:-} == 1 ]] && echo CXLTIER_WERROR=1) modules > "$dst/build.log" 2>&1; then
	tail -n 30 "$dst/build.log" >&2
	echo "debug-module: building against $kdir failed (log: $dst/build.log)" >&2
	exit 1
fi
echo "$dst/kmod/cxltier.ko"
