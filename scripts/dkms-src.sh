#!/usr/bin/env bash
# The DKMS source tree of the module: what goes into /usr/src/cxltier-VERSION,
# for `dkms add` (tests/dkms/dkms.sh, a manual install) and for the
# cxltier-dkms package (debian/rules).  One list of files for both.
#
#   scripts/dkms-src.sh DEST            sources and dkms.conf
#   scripts/dkms-src.sh --no-conf DEST  sources only (dh_dkms installs
#                                       dkms.conf itself, with -V)
#
# dkms.conf carries PACKAGE_VERSION="#MODULE_VERSION#": the version is
# filled in here from VERSION (or by dh_dkms -V from debian/changelog,
# which tests/dkms checks against VERSION), never written twice.
set -euo pipefail
conf=1
if [[ ${1:-} == --no-conf ]]; then
	conf=0
	shift
fi
[[ $# -eq 1 ]] || { echo "usage: $0 [--no-conf] DEST" >&2; exit 2; }
dest=$1
top=$(cd "$(dirname "$0")/.." && pwd)
ver=$(cat "$top/VERSION")

# Only the sources DKMS needs; never build outputs from the work tree.
mkdir -p "$dest/kmod" "$dest/uapi/linux"
cp "$top/Kbuild" "$top/VERSION" "$dest/"
cp "$top/kmod/Kbuild" "$top"/kmod/*.h "$dest/kmod/"
for f in "$top"/kmod/*.c; do
	case $f in *.mod.c) ;; *) cp "$f" "$dest/kmod/" ;; esac	# not Kbuild's
done
cp "$top"/uapi/linux/*.h "$dest/uapi/linux/"
if [[ $conf -eq 1 ]]; then
	grep -q '^PACKAGE_VERSION="#MODULE_VERSION#"$' "$top/dkms.conf" ||
		{ echo "$0: dkms.conf has no PACKAGE_VERSION=\"#MODULE_VERSION#\" line" >&2; exit 1; }
	sed "s/#MODULE_VERSION#/$ver/" "$top/dkms.conf" > "$dest/dkms.conf"
fi
