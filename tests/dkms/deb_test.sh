#!/usr/bin/env bash
# Package check: the packages of `make deb` (scripts/deb.sh) installed the
# way a user installs them, in the emulated host booted on one installed
# Debian kernel (KERNEL=SERIES; default: the stock one).
#
# The test host's root is the build host's, read-only, so the guest makes
# an overlay of it with a tmpfs on top and chroots there: the installation
# sees the real Debian system and changes nothing outside the guest.  In
# it (deb_guest.sh): `dpkg -i` of the five packages (cxltier-dkms's postinst
# has DKMS build the module for the running kernel), modprobe, the demo's
# placements with the installed tierctl, the installed Python package and a
# C program built with the installed libtier-dev through pkg-config; then
# `dpkg --purge`, after which no file of theirs is left.
set -euo pipefail
cd "$(dirname "$0")/../.."
ver=$(cat VERSION)
kver=$(scripts/kernels.sh release "${KERNEL:-stock}") || exit 1
debs=build/deb
# The packages of this tree, never stale ones (about 20 s).
scripts/deb.sh
# DKMS compiles the module inside the guest, under TCG: minutes.
exec tests/vm/run --kernel "$kver" --no-module --timeout 1500 -- \
	tests/dkms/deb_guest.sh "$ver" "$PWD/$debs"
