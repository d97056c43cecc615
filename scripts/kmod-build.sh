#!/usr/bin/env bash
# Builds the cxltier module for one or more kernels, each in its own copy of
# the sources, and says which kernel each .ko is for:
#
#   scripts/kmod-build.sh [--all]          every kernel of `scripts/kernels.sh
#                                          targets` (what a plain `make` does)
#   scripts/kmod-build.sh --kver RELEASE   that installed kernel's headers
#   scripts/kmod-build.sh --kdir KDIR [--out DIR]
#                                          any kernel build tree (the debug
#                                          kernel's: tests/vm/debug-module.sh)
#   --print-path   print only the .ko's path (for scripts)
#
# The module for release R is build/kmod/R/kmod/cxltier.ko (or DIR/kmod/
# with --out).  What Kbuild reads (Kbuild, VERSION, kmod/*.[ch],
# kmod/Kbuild, uapi/) is copied there, each file only when its contents
# changed, so Kbuild's own dependency tracking rebuilds just what changed,
# and two kernels never share an object file.  A different KDIR for the same
# directory starts over.  The build log is DIR/build.log.  WERROR=1 (CI)
# makes warnings errors.
set -euo pipefail
here=$(cd "$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")" && pwd)
repo=$(cd "$here/.." && pwd)
me=${0##*/}
usage() { sed -n '5,12p' "$0" | sed 's/^# \{0,1\}//' >&2; exit 2; }

mode=all kver= kdir= out= print_path=0
while [[ $# -gt 0 ]]; do
	case $1 in
	--all) mode=all; shift ;;
	--kver) [[ $# -ge 2 ]] || usage; mode=kver; kver=$2; shift 2 ;;
	--kdir) [[ $# -ge 2 ]] || usage; mode=kdir; kdir=$2; shift 2 ;;
	--out) [[ $# -ge 2 ]] || usage; out=$(realpath -m "$2"); shift 2 ;;
	--print-path) print_path=1; shift ;;
	*) usage ;;
	esac
done

# build_one KDIR DIR RELEASE: build into DIR, report.
build_one() {
	local kdir=$1 dst=$2 rel=$3 f
	[[ -f $kdir/Makefile ]] || { echo "$me: $kdir is not a kernel build tree (no Makefile; install the kernel's linux-headers package)" >&2; return 1; }
	mkdir -p "$dst"
	exec 9> "$dst.lock"
	flock 9
	if [[ "$(cat "$dst/.kdir" 2>/dev/null)" != "$kdir" ]]; then
		rm -rf "$dst"
	fi
	mkdir -p "$dst/kmod"
	sync_file "$repo/Kbuild" "$dst/Kbuild"
	sync_file "$repo/VERSION" "$dst/VERSION"
	sync_file "$repo/kmod/Kbuild" "$dst/kmod/Kbuild"
	for f in "$repo"/kmod/*.c "$repo"/kmod/*.h; do
		[[ -e $f ]] || continue
		[[ $f == *.mod.c ]] && continue		# output of an in-tree build
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
		echo "$me: building the module for $rel ($kdir) failed (log: $dst/build.log)" >&2
		exec 9>&-
		return 1
	fi
	exec 9>&-
	if [[ $print_path == 1 ]]; then
		echo "$dst/kmod/cxltier.ko"
	else
		echo "module for $rel: ${dst#"$repo"/}/kmod/cxltier.ko"
	fi
}

sync_file() {
	mkdir -p "$(dirname "$2")"
	cmp -s "$1" "$2" || cp "$1" "$2"
}

dir_for() { echo "${out:-$repo/build/kmod/$1}"; }

case $mode in
kdir)
	rel=$(cat "$kdir/include/config/kernel.release" 2>/dev/null) || rel=$(basename "$kdir")
	build_one "$kdir" "$(dir_for "$rel")" "$rel"
	;;
kver)
	[[ -e /lib/modules/$kver/build/Makefile ]] ||
		{ echo "$me: no build tree for $kver (/lib/modules/$kver/build): apt-get install linux-headers-$kver" >&2; exit 1; }
	build_one "/lib/modules/$kver/build" "$(dir_for "$kver")" "$kver"
	;;
all)
	[[ -z $out ]] || usage
	mapfile -t kvers < <("$here/kernels.sh" targets)
	[[ ${#kvers[@]} -gt 0 ]] ||
		{ echo "$me: no kernel build tree: install linux-headers-amd64 (scripts/deps.sh build), or name one with KVER= or KDIR=" >&2; exit 1; }
	rc=0
	for k in "${kvers[@]}"; do
		build_one "/lib/modules/$k/build" "$(dir_for "$k")" "$k" || rc=1
	done
	exit $rc
	;;
esac
