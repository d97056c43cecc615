#!/usr/bin/env bash
# Builds the cxltier module against the debug kernel's build tree and prints
# the path of the .ko:
#
#   tests/vm/debug-module.sh [--kdir KDIR]
#
# KDIR defaults to `tests/vm/debug-kernel.sh --kdir` (which builds the debug
# kernel first if it is not cached: about 12 minutes on 2 cores).  The build
# is scripts/kmod-build.sh's, into build/kmod-debug/ of the repository: the
# module is build/kmod-debug/kmod/cxltier.ko, the build log
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

exec "$repo/scripts/kmod-build.sh" --kdir "$kdir" --out "$repo/build/kmod-debug" --print-path
