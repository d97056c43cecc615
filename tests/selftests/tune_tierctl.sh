#!/bin/bash
# tierctl get / set over the module's sysfs files, in the VM
# (tests/vm/run -- tests/selftests/tune_tierctl.sh).  Needs root and the
# module; puts every value it changes back.  Also checks that every file
# the module made under /sys/class/misc/cxltier is documented in
# doc/ABI/testing/sysfs-class-misc-cxltier (tests/host/sysfs_doc_check.sh)
# and listed by `tierctl get`.  Ends with "tune_tierctl: N passed, N failed".
set -u
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)
T=${TIERCTL:-$top/build/bin/tierctl}
D=/sys/class/misc/cxltier
. "$here/../lib/tap.sh"
# expect DESC EXPECTED_OUTPUT CMD...: stdout (trimmed) equals, exit 0
expect() {
	local desc=$1 want=$2 got rc
	shift 2
	got=$("$@" 2>"$err"); rc=$?
	if [ $rc = 0 ] && [ "$got" = "$want" ]; then ok "$desc"
	else nok "$desc" "exit $rc, got \"$got\", want \"$want\""; fi
	: > "$err"
}
# refuse DESC STDERR_SUBSTRING CMD...: exit 1 and stderr contains it
refuse() {
	local desc=$1 want=$2 rc
	shift 2
	"$@" >"$out" 2>"$err"; rc=$?
	if [ $rc = 1 ] && grep -qF -- "$want" "$err"; then ok "$desc"
	else nok "$desc" "exit $rc, want \"$want\" on stderr"; fi
	: > "$out"; : > "$err"
}

[ -d $D ] || { nok "$D missing: module not loaded"; tap_done tune_tierctl; exit 1; }
saved_pol=$(cat $D/default_policy) saved_ps=$(cat $D/default_page_size)
saved_pct=$(cat $D/low_free_percent) saved_q2=$(cat $D/nodes/node2/quota_bytes)
restore() {
	echo "$saved_pol" > $D/default_policy
	echo "$saved_ps" > $D/default_page_size
	echo "$saved_pct" > $D/low_free_percent
	echo "$saved_q2" > $D/nodes/node2/quota_bytes
	tap_cleanup
}
trap restore EXIT

expect "get default_policy at load" none "$T" get default_policy
expect "get low_free_percent at load" 5 "$T" get low_free_percent
expect "get default_page_size at load" 4096 "$T" get default_page_size
expect "set default_policy" "" "$T" set default_policy "weighted:0=3,2=1"
expect "get default_policy after set" "weighted:0=3,2=1" "$T" get default_policy
expect "the file says the same" "weighted:0=3,2=1" cat $D/default_policy
# libtier's parser first: its words, as for --policy
refuse "set default_policy \"weighted:0\" refused with a reason" \
	'tierctl set: default_policy weighted:0: 0: weighted needs a weight for each node (0=1)' \
	"$T" set default_policy "weighted:0"
expect "a refused policy changes nothing" "weighted:0=3,2=1" "$T" get default_policy
refuse "set default_policy in the old spelling" 'unknown mode "weighted 0" (bind, preferred, interleave, weighted, split)' \
	"$T" set default_policy "weighted 0:3,2:1"
refuse "set default_policy with an unknown mode" 'unknown mode "spread" (bind, preferred, interleave, weighted, split)' \
	"$T" set default_policy "spread:0"
# ranges and tier names: resolved here, the module gets node numbers
expect "set default_policy interleave:0-2" "" "$T" set default_policy "interleave:0-2"
expect "get default_policy: the range written out" "interleave:0,1,2" "$T" get default_policy
cxl=$("$T" topo --json | python3 -c '
import json, sys
print(",".join("%d=1" % n["node"] for n in json.load(sys.stdin)["nodes"] if n["tier"] == "cxl"))')
dram=$("$T" topo --json | python3 -c '
import json, sys
print(",".join("%d=3" % n["node"] for n in json.load(sys.stdin)["nodes"] if n["tier"] == "dram"))')
expect "set default_policy weighted:dram=3,cxl=1" "" "$T" set default_policy "weighted:dram=3,cxl=1"
expect "get default_policy: the tiers resolved ($dram,$cxl)" "weighted:$dram,$cxl" "$T" get default_policy
refuse "set default_policy with a create-only option" 'a default names possible nodes only, and no page= or flag options' \
	"$T" set default_policy "bind:0,page=2M"
expect "set default_policy none" "" "$T" set default_policy none
expect "get default_policy none" none "$T" get default_policy
expect "set default_page_size 2M" "" "$T" set default_page_size 2097152
expect "get default_page_size 2M" 2097152 "$T" get default_page_size
refuse "set default_page_size 12345" "4096 or 2097152" "$T" set default_page_size 12345
expect "a refused page size changes nothing" 2097152 "$T" get default_page_size
refuse "set low_free_percent 101" "0 to 100" "$T" set low_free_percent 101
expect "set low_free_percent 10" "" "$T" set low_free_percent 10
expect "get low_free_percent 10" 10 "$T" get low_free_percent
expect "set node.2.quota_bytes" "" "$T" set node.2.quota_bytes 1048576
expect "get node.2.quota_bytes" 1048576 "$T" get node.2.quota_bytes
refuse "set node.2.quota_bytes -1" 'a byte count or "max"' "$T" set node.2.quota_bytes -1
expect "set node.2.quota_bytes max" "" "$T" set node.2.quota_bytes max
expect "get node.2.quota_bytes max" max "$T" get node.2.quota_bytes
refuse "set a counter" "read-only" "$T" set node.0.alloc_pages 0
refuse "set an unknown key" "unknown key" "$T" set node.0.nosuch 1
refuse "get an unknown key" "unknown key" "$T" get default_policyx
refuse "get a node the machine cannot have" "no such node" "$T" get node.999.alloc_pages
expect "get a counter" "$(cat $D/nodes/node0/alloc_pages)" "$T" get node.0.alloc_pages
refuse "set as nobody" "Permission denied (only root can change it)" \
	setpriv --reuid=65534 --regid=65534 --clear-groups "$T" set low_free_percent 50
expect "nobody changed nothing" 10 "$T" get low_free_percent
expect "get as nobody reads" 10 setpriv --reuid=65534 --regid=65534 --clear-groups "$T" get low_free_percent

# every file the module made: listed by `tierctl get`, documented
{ for f in default_policy default_page_size low_free_percent; do [ -e $D/$f ] && echo $D/$f; done
  # the module's own files: not the device core's (dev, uevent)
  find $D/ -mindepth 1 -maxdepth 1 -type f ! -name dev ! -name uevent
  find $D/nodes -mindepth 2 -maxdepth 2 -type f; } | sort -u > "$tmp/listing"
if "$top/tests/host/sysfs_doc_check.sh" "$top/kmod/sysfs.c" \
	"$top/doc/ABI/testing/sysfs-class-misc-cxltier" "$tmp/listing" > "$tmp/doc" 2>&1
then ok "every file the module made is documented ($(wc -l < "$tmp/listing") files)"
else nok "sysfs doc check: $(cat "$tmp/doc")"; fi

"$T" get --json > "$tmp/all.json" || nok "get --json exit $?"
if python3 - "$tmp/all.json" "$tmp/listing" <<'PY'
import json, re, sys
t = json.load(open(sys.argv[1]))["tunables"]
keys = {e["key"]: e for e in t}
want = set()
for p in open(sys.argv[2]).read().split():
    m = re.match(r"/sys/class/misc/cxltier/nodes/node(\d+)/(\w+)$", p)
    want.add("node.%s.%s" % m.groups() if m else p.rsplit("/", 1)[1])
assert set(keys) == want, (sorted(set(keys) ^ want))
assert keys["low_free_percent"] == {"key": "low_free_percent", "value": 10, "writable": True}, keys["low_free_percent"]
assert keys["default_policy"]["value"] == "none"
assert keys["node.2.quota_bytes"]["value"] == "max" and keys["node.2.quota_bytes"]["writable"]
assert isinstance(keys["node.0.alloc_pages"]["value"], int) and not keys["node.0.alloc_pages"]["writable"]
PY
then ok "get --json lists exactly the module's files, typed"
else nok "get --json"; fi
"$T" get > "$tmp/all.txt"
if head -1 "$tmp/all.txt" | grep -q "^KEY  *VALUE  *ACCESS$" &&
   grep -q "^low_free_percent  *10  *rw$" "$tmp/all.txt" &&
   grep -q "^node.0.fault_failures  *[0-9][0-9]*  *ro$" "$tmp/all.txt" &&
   [ $(($(wc -l < "$tmp/all.txt") - 1)) = $(wc -l < "$tmp/listing") ]
then ok "get prints a table of every key"
else nok "get table: $(cat "$tmp/all.txt")"; fi

tap_done tune_tierctl
