#!/bin/sh
# Every sysfs file the module defines is documented in the ABI file, and
# every documented file is one the module defines.
#
# usage: sysfs_doc_check.sh KMOD_SYSFS_C ABI_DOC [LISTING]
#
# The names come from kmod/sysfs.c: per-node files (kobj_attribute
# __ATTR_RO/__ATTR_RW and CXLTIER_COUNTER_ATTR, under nodes/nodeN/) and
# module-wide ones (DEVICE_ATTR_RO/RW, in the device's directory).  As a
# guard against a definition this parser misses, each name it finds must
# also be listed in an attribute array (&cxltier_attr_NAME.attr or
# &dev_attr_NAME.attr) and the two sets must be equal.  LISTING, when
# given, is a file of paths the VM saw under /sys/class/misc/cxltier
# (tests/selftests/tune_tierctl.sh writes one): each must be documented.
# Each entry must have What:, Date:, KernelVersion:, Contact: and
# Description:, in that order, as in the kernel's Documentation/ABI.
set -eu
src=$1 doc=$2 listing=${3:-}
dir=/sys/class/misc/cxltier
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail=0 pass=0

sed -n 's/.*\b__ATTR_R[OW](\([a-z][a-z_0-9]*\)).*/node \1/p; s/^CXLTIER_COUNTER_ATTR(\([a-z][a-z_0-9]*\),.*/node \1/p; s/.*\bDEVICE_ATTR_R[OW](\([a-z][a-z_0-9]*\)).*/dev \1/p' "$src" |
	sort -u > "$tmp/defined"
sed -n 's/.*&cxltier_attr_\([a-z][a-z_0-9]*\)\.attr.*/node \1/p; s/.*&dev_attr_\([a-z][a-z_0-9]*\)\.attr.*/dev \1/p' "$src" |
	sort -u > "$tmp/listed"
if [ ! -s "$tmp/defined" ] || ! cmp -s "$tmp/defined" "$tmp/listed"; then
	echo "not ok: attributes defined and listed in $src differ (< defined, > listed):"
	diff "$tmp/defined" "$tmp/listed" || true
	fail=$((fail + 1))
else
	pass=$((pass + 1))
fi
awk -v d="$dir" '$1 == "node" { print d "/nodes/nodeN/" $2 } $1 == "dev" { print d "/" $2 }' \
	"$tmp/defined" | sort > "$tmp/want"
sed -n 's/^What:[ \t]*//p' "$doc" | sort > "$tmp/what"

missing=$(comm -23 "$tmp/want" "$tmp/what")
stale=$(comm -13 "$tmp/want" "$tmp/what")
if [ -n "$missing" ]; then
	echo "not ok: defined in $src but not documented in $doc:"
	echo "$missing" | sed 's/^/  /'
	fail=$((fail + 1))
else
	pass=$((pass + 1))
fi
if [ -n "$stale" ]; then
	echo "not ok: documented in $doc but not defined in $src:"
	echo "$stale" | sed 's/^/  /'
	fail=$((fail + 1))
else
	pass=$((pass + 1))
fi

# the fields of each entry, in order
if awk '
	/^What:/ { if (n && n != 5) bad = 1; n = 1; next }
	/^Date:/ { if (n != 1) bad = 1; n = 2; next }
	/^KernelVersion:/ { if (n != 2) bad = 1; n = 3; next }
	/^Contact:/ { if (n != 3) bad = 1; n = 4; next }
	/^Description:/ { if (n != 4) bad = 1; n = 5; next }
	/^[A-Za-z]+:/ { bad = 1 }
	END { exit bad || n != 5 }' "$doc"; then
	pass=$((pass + 1))
else
	echo "not ok: an entry of $doc lacks What/Date/KernelVersion/Contact/Description in order"
	fail=$((fail + 1))
fi

if [ -n "$listing" ]; then
	sed -e 's,/nodes/node[0-9]*/,/nodes/nodeN/,' "$listing" | sort -u > "$tmp/seen"
	undoc=$(comm -23 "$tmp/seen" "$tmp/what")
	if [ ! -s "$tmp/seen" ] || [ -n "$undoc" ]; then
		echo "not ok: files the module made (in $listing) not documented:"
		echo "${undoc:-  (empty listing)}" | sed 's/^/  /'
		fail=$((fail + 1))
	else
		pass=$((pass + 1))
	fi
fi
echo "# sysfs doc: $(wc -l < "$tmp/want") files defined in $(basename "$src"), $(wc -l < "$tmp/what") documented"
echo "sysfs-doc: $pass passed, $fail failed"
[ $fail = 0 ]
