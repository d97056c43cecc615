#!/usr/bin/env bash
# Build the Debian packages (debian/control: cxltier-dkms, libtier1,
# libtier-dev, tierctl, python3-cxltier) into BUILD/deb/ (build/deb/ by
# default), from a copy of the tree so that the work tree's build outputs
# never enter a package.  `make deb` runs this.
#
#   scripts/deb.sh [--lintian]   --lintian: then check them with lintian
#                                (any error or warning fails)
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
build=${BUILD:-$top/build}
ver=$(cat "$top/VERSION")
out=$build/deb
src=$out/cxltier-$ver
lint=0
[[ ${1:-} == --lintian ]] && lint=1

for t in dpkg-buildpackage dh dh_dkms; do
	command -v "$t" >/dev/null ||
		{ echo "deb: $t is missing: scripts/deps.sh build (or apt-get install dpkg-dev debhelper dh-dkms)" >&2; exit 1; }
done

rm -rf "$out"
mkdir -p "$src"
# The files git knows (tracked, or new and not ignored); a tree without
# git: everything but build outputs.
if git -C "$top" rev-parse --git-dir >/dev/null 2>&1; then
	(cd "$top" && git ls-files -z -c -o --exclude-standard) |
		(cd "$top" && xargs -0 cp --parents -t "$src" --)
else
	(cd "$top" && tar --exclude=./build --exclude=.git -cf - .) | tar -C "$src" -xf -
fi

echo "deb: dpkg-buildpackage in $src"
(cd "$src" && dpkg-buildpackage -b -us -uc --no-sign) > "$out/build.log" 2>&1 || {
	tail -n 40 "$out/build.log"
	echo "deb: dpkg-buildpackage failed (whole log: $out/build.log)" >&2
	exit 1
}
ls -1 "$out"/*.deb
if [[ $lint -eq 1 ]]; then
	command -v lintian >/dev/null ||
		{ echo "deb: lintian is missing (apt-get install lintian)" >&2; exit 1; }
	echo "deb: lintian"
	lintian --fail-on error,warning --info "$out"/cxltier_"$ver"_*.changes
fi
