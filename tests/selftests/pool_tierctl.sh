#!/bin/bash
# tierctl pool add / list / remove and an allocation from the pool, on the
# VM's devdax device (tests/vm/run -- tests/selftests/pool_tierctl.sh).
# Leaves the device bound to device_dax as it found it.  TAP output, ends
# with "pool_tierctl: N passed, N failed"; exit 0 or 1.
set -u
T=${TIERCTL:-$(dirname "$0")/../../build/bin/tierctl}
. "$(dirname "$0")/../lib/tap.sh"

dax=
for d in /sys/bus/dax/devices/*; do
	[ "$(basename "$(readlink "$d/driver" 2>/dev/null)")" = device_dax ] &&
		{ dax=$(basename "$d"); break; }
done
[ -n "$dax" ] || { nok "a dax device bound to device_dax"; tap_done pool_tierctl; exit 1; }
node=$(cat /sys/bus/dax/devices/$dax/target_node)
size=$(cat /sys/bus/dax/devices/$dax/size)
echo "# dax device $dax: node $node, $size bytes"

check "pool add $dax" "$T" pool add "$dax"
check "$dax unbound from device_dax after add" test ! -e /sys/bus/dax/drivers/device_dax/$dax
"$T" pool add "$dax" > "$out" 2> "$err"
check "a second add of $dax fails with an error" grep -q "tierctl pool:" "$err"
: > "$out"; : > "$err"
check "pool list" "$T" pool list
"$T" pool list --json > "$tmp/pools.json"
check "pool list --json: the one pool, all of it free" python3 - "$tmp/pools.json" "$dax" "$node" "$size" <<'PY'
import json, sys
p = json.load(open(sys.argv[1]))["pools"]
assert len(p) == 1, p
p = p[0]
assert p["name"] == sys.argv[2] and p["node"] == int(sys.argv[3]), p
assert p["size_bytes"] == int(sys.argv[4]) == p["free_bytes"], p
PY
"$T" alloc --policy "bind:$node" --size 64M --json > "$tmp/alloc.json"
check "alloc from the pool" test $? = 0
check "the allocation is on the pool's node" python3 - "$tmp/alloc.json" "$node" <<'PY'
import json, sys
a = json.load(open(sys.argv[1]))
assert a["verified"], a
assert a["resident"] == [{"node": int(sys.argv[2]), "tier": None, "bytes": 64 << 20}], a
assert a["off_policy_bytes"] == 0 and a["spilled_bytes"] == 0, a
PY
# The planner sees the pool as a pinnable CXL node of its free bytes, and
# puts a pinned class there when DRAM cannot take it: a pinned class of
# 256 MiB with DRAM described as 64 MiB (--tiers changes the live nodes'
# capacity), the movable CXL nodes unable to pin.
printf 'class dma bytes=256M h2d=256M d2h=256M pinned\n' > "$tmp/dma.txt"
"$T" topo --json | python3 -c '
import json, sys
for n in json.load(sys.stdin)["nodes"]:
    if n["tier"] == "dram":
        print("node %d capacity=64M" % n["node"])' > "$tmp/small.tiers"
"$T" plan --classes "$tmp/dma.txt" --tiers "$tmp/small.tiers" --strategy cxltier --json > "$tmp/plan.json"
check "plan: the pool is a pinnable node, and takes the pinned class DRAM cannot" python3 - "$tmp/plan.json" "$node" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
pool = int(sys.argv[2])
nodes = {n["node"]: n for n in d["host"]["nodes"]}
assert pool in nodes and nodes[pool]["pinnable"] and nodes[pool]["capacity"] > 0, nodes.get(pool)
s = d["strategies"][0]
assert s["feasible"], s
c = s["classes"][0]
on = {x["node"]: x["bytes"] for x in c["nodes"] if x["bytes"]}
assert c["policy"].endswith(",pinnable"), c
assert on.get(pool, 0) >= 128 << 20, on
assert all(nodes[n]["pinnable"] for n in on), on
PY
"$T" pool remove nosuch > "$out" 2> "$err"
check "pool remove nosuch: no such pool" grep -q "no such pool" "$out" "$err"
: > "$out"; : > "$err"
check "pool remove $dax" "$T" pool remove "$dax"
check "$dax bound to device_dax again after remove" test -e /sys/bus/dax/drivers/device_dax/$dax
check "pool list empty after remove" sh -c "'$T' pool list --json | python3 -c 'import json, sys; assert json.load(sys.stdin)[\"pools\"] == []'"
tap_done pool_tierctl
