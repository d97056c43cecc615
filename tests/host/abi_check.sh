#!/bin/sh
# The shared library exports exactly the version script's symbols, all in
# the LIBTIER_* node(s), and each of them is declared in one of the public
# headers (libtier.h, tier_plan.h).
# usage: abi_check.sh LIBTIER_SO LIBTIER_MAP HEADER...
set -eu
so=$1 map=$2
shift 2
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# symbols named in the map's global: sections
sed -e 's,/\*.*\*/,,g' -e '/^\s*\//d' -e '/^\s*\*/d' "$map" |
	awk '/global:/ { g = 1; next } /local:/ || /^[ \t]*}/ { g = 0 } g && /;/ { gsub(/[ \t;]/, ""); print }' |
	sort -u > "$tmp/map"
# defined dynamic symbols, without the version node entries
nm -D --defined-only "$so" | awk '$2 != "A" { print $3 }' | sort -u > "$tmp/so.v"
sed 's/@.*//' "$tmp/so.v" | sort -u > "$tmp/so"

fail=0
if ! cmp -s "$tmp/map" "$tmp/so"; then
	echo "exported symbols differ from $map (< map, > library):"
	diff "$tmp/map" "$tmp/so" || true
	fail=1
fi
if grep -v '@@\?LIBTIER_[0-9]' "$tmp/so.v"; then
	echo "^ exported without a LIBTIER_* version"
	fail=1
fi
while read -r sym; do
	cat "$@" | grep -Eq "[^a-z_]$sym\(" || { echo "$sym: not declared in $*"; fail=1; }
done < "$tmp/map"
n=$(wc -l < "$tmp/map")
[ $fail = 0 ] && echo "# abi: $n symbols, all in $(basename "$map"), all declared in $(for h; do basename "$h"; done | paste -sd' ')"
echo "abi: $((1 - fail)) passed, $fail failed"
exit $fail
