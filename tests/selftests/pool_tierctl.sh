#!/bin/bash
# tierctl pool add / list / remove and an allocation from the pool, on the
# VM's devdax device (tests/vm/run -- tests/selftests/pool_tierctl.sh).
# Leaves the device bound to device_dax as it found it.  Exit 0 or 1.
set -u
T=${TIERCTL:-$(dirname "$0")/../../build/bin/tierctl}
fail=0
die() { echo "FAIL: $*"; fail=1; }

dax=
for d in /sys/bus/dax/devices/*; do
	[ "$(basename "$(readlink "$d/driver" 2>/dev/null)")" = device_dax ] &&
		{ dax=$(basename "$d"); break; }
done
[ -n "$dax" ] || { echo "FAIL: no dax device bound to device_dax"; exit 1; }
node=$(cat /sys/bus/dax/devices/$dax/target_node)
size=$(cat /sys/bus/dax/devices/$dax/size)
echo "dax device $dax: node $node, $size bytes"

"$T" pool add "$dax" || die "pool add"
[ -e /sys/bus/dax/drivers/device_dax/$dax ] && die "$dax still bound after add"
"$T" pool add "$dax" 2>&1 | tee /tmp/err; grep -q "tierctl pool:" /tmp/err || die "double add: no error"
"$T" pool list || die "pool list"
"$T" pool list --json | tee /tmp/pools.json
python3 - "$dax" "$node" "$size" <<'PY' || die "pool list --json"
import json, sys
p = json.load(open("/tmp/pools.json"))["pools"]
assert len(p) == 1, p
p = p[0]
assert p["name"] == sys.argv[1] and p["node"] == int(sys.argv[2]), p
assert p["size_bytes"] == int(sys.argv[3]) == p["free_bytes"], p
PY
"$T" alloc --policy "bind:$node" --size 64M --json > /tmp/alloc.json || die "alloc from the pool"
python3 - "$node" <<'PY' || die "alloc placement"
import json, sys
a = json.load(open("/tmp/alloc.json"))
assert a["verified"], a
assert a["resident"] == [{"node": int(sys.argv[1]), "tier": None, "bytes": 64 << 20}], a
assert a["off_policy_bytes"] == 0 and a["spilled_bytes"] == 0, a
PY
"$T" pool remove nosuch 2>&1 | grep -q "no such pool" || die "remove nosuch"
"$T" pool remove "$dax" || die "pool remove"
[ -e /sys/bus/dax/drivers/device_dax/$dax ] || die "$dax not bound again after remove"
"$T" pool list --json | python3 -c 'import json, sys; assert json.load(sys.stdin)["pools"] == []' ||
	die "pool list not empty after remove"
echo "pool_tierctl: $([ $fail = 0 ] && echo PASS || echo FAIL)"
exit $fail
