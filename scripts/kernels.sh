#!/usr/bin/env bash
# Which kernels cxltier builds for and tests on: the one place that knows.
# The Makefile, scripts/kmod-build.sh, scripts/deps.sh, tests/vm/run,
# tests/check.sh and tests/dkms ask it.
#
#   scripts/kernels.sh supported      the kernel series cxltier supports, one
#                                     per line, oldest first (6.1, 6.12)
#   scripts/kernels.sh headers        every installed kernel release with a
#                                     build tree (/lib/modules/R/build),
#                                     oldest first
#   scripts/kernels.sh targets        what a plain `make` builds the module
#                                     for: the running kernel when it has a
#                                     build tree, else every release of
#                                     `headers` of a supported series
#   scripts/kernels.sh release NAME   the release the test host boots for
#                                     NAME: a series (6.1, 6.12: its newest
#                                     installed image), "stock" (Debian's
#                                     default kernel: the one linux-image-amd64
#                                     depends on, else the newest image of the
#                                     oldest supported series), or a release
#   scripts/kernels.sh series RELEASE the series of a release (6.12.118+deb12-
#                                     amd64 is 6.12, 6.1.0-57-amd64 is 6.1)
#   scripts/kernels.sh package SERIES the Debian 12 package that brings a
#                                     series' headers, image and build tools
#                                     (for scripts/deps.sh): the newest
#                                     linux-headers-S.N+deb12-amd64 apt knows,
#                                     or linux-headers-amd64 for 6.1
#
# Exit status 1 (and a message on stderr) when nothing matches.
set -euo pipefail

# The series, oldest first.  6.1 is Debian 12's own kernel; 6.12 is Debian
# 12's security-suite kernel (and Debian 13's).  doc/kernels.md says how one
# is added.
SUPPORTED=(6.1 6.12)

die() { echo "kernels: $*" >&2; exit 1; }

series_of() {
	local r=$1
	[[ $r =~ ^([0-9]+)\.([0-9]+)([.+-].*)?$ ]] || return 1
	echo "${BASH_REMATCH[1]}.${BASH_REMATCH[2]}"
}

headers() {
	local f
	for f in /lib/modules/*/build/Makefile; do
		[[ -e $f ]] || continue
		f=${f%/build/Makefile}
		echo "${f##*/}"
	done | sort -V
}

# Installed images (/boot/vmlinuz-R), oldest first.
images() {
	local f
	for f in /boot/vmlinuz-*; do
		[[ -e $f ]] && echo "${f#/boot/vmlinuz-}"
	done | sort -V
}

release() {
	local name=$1 r s
	case $name in
	stock)
		r=$(dpkg-query -W -f '${Depends}' linux-image-amd64 2>/dev/null |
			sed -n 's/^linux-image-\([^ ,]*\).*/\1/p') || true
		r=${r%-unsigned}
		if [[ -n $r && -e /boot/vmlinuz-$r ]]; then
			echo "$r"
			return
		fi
		release "${SUPPORTED[0]}"
		;;
	*.*.*|*-*|*+*)
		[[ -e /boot/vmlinuz-$name ]] || die "no /boot/vmlinuz-$name"
		echo "$name"
		;;
	*)
		supported "$name" || die "$name is not a supported kernel series (${SUPPORTED[*]})"
		r=
		while read -r s; do
			[[ "$(series_of "$s")" == "$name" ]] && r=$s
		done < <(images)
		[[ -n $r ]] || die "no installed $name kernel (no /boot/vmlinuz-$name.*): $(hint "$name")"
		echo "$r"
		;;
	esac
}

supported() {
	local s
	for s in "${SUPPORTED[@]}"; do [[ $s == "$1" ]] && return 0; done
	return 1
}

hint() {
	if [[ $1 == "${SUPPORTED[0]}" ]]; then
		echo "apt-get install linux-image-amd64 linux-headers-amd64"
	else
		echo "scripts/deps.sh installs it (linux-headers-$1.N+deb12-amd64, which brings the image)"
	fi
}

package() {
	local s=$1 p
	if [[ $s == "${SUPPORTED[0]}" ]]; then
		echo linux-headers-amd64
		return
	fi
	p=$(apt-cache pkgnames "linux-headers-$s." 2>/dev/null |
		grep -E "^linux-headers-${s//./\\.}\.[0-9]+\+deb12-amd64$" | sort -V | tail -n 1) || true
	[[ -n $p ]] || die "apt knows no linux-headers-$s.N+deb12-amd64 (is bookworm-security in the apt sources? then apt-get update)"
	echo "$p"
}

case "${1:-}" in
supported) printf '%s\n' "${SUPPORTED[@]}" ;;
headers) headers ;;
targets)
	if [[ -e /lib/modules/$(uname -r)/build/Makefile ]]; then
		uname -r
	else
		# every installed kernel of a supported series (an old or newer
		# one left installed is not built for)
		headers | while read -r r; do
			s=$(series_of "$r") || continue
			supported "$s" && echo "$r"
		done
	fi
	;;
release) [[ $# -eq 2 ]] || die "usage: $0 release SERIES|stock|RELEASE"; release "$2" ;;
series) [[ $# -eq 2 ]] || die "usage: $0 series RELEASE"; series_of "$2" || die "'$2' is not a kernel release" ;;
package) [[ $# -eq 2 ]] || die "usage: $0 package SERIES"; package "$2" ;;
*) sed -n '2,/^set -e/{/^set -e/d;s/^# \{0,1\}//;p}' "$0" >&2; exit 2 ;;
esac
