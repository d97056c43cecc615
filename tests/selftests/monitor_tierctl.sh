#!/bin/bash
# Every event type of the cxltier family reaches `tierctl monitor`, with
# the right node and buffer fields, and `tierctl stat` reports a live
# buffer with the figures BUF_STAT gives for it.  Runs in the VM as root:
#   tests/vm/run -- tests/selftests/monitor_tierctl.sh
# One scenario per event type, made with tierctl and sysfs writes while
# `tierctl monitor --json` runs in the background; then each expected event
# is looked for in its output.  A missing event fails.  Puts back the
# quotas, low_free_percent, memory blocks and dax device it changed.
# TAP output; exit 0 or 1.
set -u
T=${TIERCTL:-$(cd "$(dirname "$0")/../.." && pwd)/build/bin/tierctl}
W=$(mktemp -d)
SYS=/sys/class/misc/cxltier
. "$(dirname "$0")/../lib/tap.sh"
monpid= nobodypid= holdpid= lf_saved= block= dax=
declare -A quota_saved=()

t()   { check "$DESC" "$@"; }

cleanup() {
	local q
	[ -n "$holdpid" ] && kill "$holdpid" 2>/dev/null
	[ -n "$monpid" ] && kill "$monpid" 2>/dev/null
	[ -n "$nobodypid" ] && kill "$nobodypid" 2>/dev/null
	for q in "${!quota_saved[@]}"; do echo "${quota_saved[$q]}" > "$q"; done
	[ -n "$lf_saved" ] && echo "$lf_saved" > $SYS/low_free_percent
	[ -n "$block" ] && [ "$(cat "$block/state")" != online ] &&
		echo online_movable > "$block/state" 2>/dev/null
	[ -n "$dax" ] && "$T" pool remove "$dax" > /dev/null 2>&1
	rm -rf "$W"
	tap_cleanup
}
trap cleanup EXIT

set_quota() {	# NODE VALUE
	local q=$SYS/nodes/node$1/quota_bytes
	[ -n "${quota_saved[$q]+x}" ] || quota_saved[$q]=$(cat "$q")
	echo "$2" > "$q"
}

echo "TAP version 13"
[ "$(id -u)" = 0 ] || { echo "Bail out! needs root (run it in the VM)"; exit 1; }
[ -d $SYS ] || { echo "Bail out! cxltier module not loaded"; exit 1; }

# The nodes: A, DRAM with CPUs; B, another with memory (CXL if there is
# one); C, DRAM without CPUs (to fill for low free when there is no tunable).
export T
nodes=$(python3 - <<'PY'
import json, subprocess, os
nodes = json.loads(subprocess.check_output([os.environ["T"], "topo", "--json"]))["nodes"]
a = next(x["node"] for x in nodes if x["tier"] == "dram" and x["cpus"])
rest = [x for x in nodes if x["node"] != a]
cxl = [x["node"] for x in rest if x["tier"] == "cxl"]
b = cxl[0] if cxl else rest[0]["node"]
nocpu = [x["node"] for x in rest if x["tier"] == "dram" and not x["cpus"]]
print(a, b, nocpu[0] if nocpu else -1)
PY
)
read -r A B C <<< "$nodes"
echo "# nodes: A=$A (DRAM) B=$B C=$C (DRAM without CPUs, for low free)"

# --- the monitor -----------------------------------------------------------
"$T" monitor --json --timeout 600 > "$W/mon.jsonl" 2> "$W/mon.err" &
monpid=$!
for _ in $(seq 100); do grep -q "listening" "$W/mon.err" && break; sleep 0.1; done
DESC="monitor joined the events group"; t grep -q "listening" "$W/mon.err"
# and one as nobody (no capability): told it hears only its own buffers,
# it must hear none of root's below, and the node and pool events
setpriv --reuid=65534 --regid=65534 --clear-groups "$T" monitor --json --timeout 600 \
	> "$W/nobody.jsonl" 2> "$W/nobody.err" &
nobodypid=$!
for _ in $(seq 100); do grep -q "listening" "$W/nobody.err" && break; sleep 0.1; done
DESC="monitor as nobody: subscribed, and says whose events it hears"
t grep -q "^tierctl monitor: every user's events need CAP_SYS_ADMIN: showing the events of your own buffers (uid 65534) and of nodes and pools$" "$W/nobody.err"

# --- stat of a live buffer == its BUF_STAT ------------------------------------
"$T" alloc --node "$A" --size 4M --json --hold 600 > "$W/alloc.json" 2> "$W/alloc.err" &
holdpid=$!
for _ in $(seq 300); do grep -q "holding buffer" "$W/alloc.err" && break; sleep 0.1; done
"$T" stat --json --pid "$holdpid" > "$W/stat.json" 2> "$W/stat.err"
DESC="stat --json --pid lists the held buffer with BUF_STAT's figures"
t python3 - "$W/alloc.json" "$W/stat.json" "$holdpid" <<'PY'
import json, sys
a = json.load(open(sys.argv[1]))
s = json.load(open(sys.argv[2]))
b = s["buffers"]
assert len(b) == 1, b
b = b[0]
want = {"id": a["id"], "pid": int(sys.argv[3]), "uid": 0, "length": a["length"],
        "mode": a["mode"], "page_size": a["page_size"],
        "resident_bytes": a["resident_bytes"], "spilled_bytes": a["spilled_bytes"],
        "resident": [{"node": r["node"], "bytes": r["bytes"]} for r in a["resident"]],
        "migrations": 0}
bad = {k: (v, b.get(k)) for k, v in want.items() if b.get(k) != v}
assert not bad, bad
PY
id=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["id"])' "$W/alloc.json")

# --- migrate-done -------------------------------------------------------------
"$T" migrate --buffer "$id" --policy "bind:$B" --json > "$W/mig.json" 2> "$W/mig.err"
rc=$?
DESC="migrate of buffer $id to node $B"; t test $rc = 0
"$T" stat --json --buffers > "$W/stat2.json"
DESC="stat after migrate: all on node $B, one migration"
t python3 - "$W/stat2.json" "$id" "$B" <<'PY'
import json, sys
b = [x for x in json.load(open(sys.argv[1]))["buffers"] if x["id"] == int(sys.argv[2])]
assert len(b) == 1, b
b = b[0]
assert b["resident"] == [{"node": int(sys.argv[3]), "bytes": 4 << 20}], b
assert b["migrations"] == 1 and b["migrate_moved_bytes"] == 4 << 20, b
assert b["policy"].startswith("bind:%s" % sys.argv[3]), b
PY
holdpid_saved=$holdpid
kill "$holdpid"; wait "$holdpid" 2>/dev/null; holdpid=

# --- spill: node B full, preferred:B,A ------------------------------------------
used=$(cat $SYS/nodes/node$B/used_bytes)
set_quota "$B" "$used"
"$T" alloc --policy "preferred:$B,$A" --size 64K --json > "$W/spill.json" 2> "$W/spill.err" &
spillpid=$!
wait $spillpid
rc=$?
DESC="alloc preferred:$B,$A with node $B at its quota"; t test $rc = 0
spill_id=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["id"])' "$W/spill.json" 2>/dev/null || echo 0)

# --- quota-refused: a reservation beyond node A's quota ------------------------
used=$(cat $SYS/nodes/node$A/used_bytes)
quota=$((used + 262144))
set_quota "$A" $quota
"$T" alloc --node "$A" --size 1M --reserve > /dev/null 2> "$W/quota.err" &
quotapid=$!
wait $quotapid
rc=$?
DESC="alloc --reserve beyond the quota fails"; t test $rc = 1
for q in "${!quota_saved[@]}"; do echo "${quota_saved[$q]}" > "$q"; done
quota_saved=()

# --- node-low-free ---------------------------------------------------------------
if [ -e $SYS/low_free_percent ]; then
	lf_saved=$(cat $SYS/low_free_percent)
	echo 100 > $SYS/low_free_percent
	"$T" alloc --node "$A" --size 64K > /dev/null
	rc=$?
	DESC="alloc with low_free_percent 100"; t test $rc = 0
	echo "$lf_saved" > $SYS/low_free_percent; lf_saved=
	LOWNODE=$A
elif [ "$C" != -1 ]; then
	# no tunable here: fill node C to under the default 5% free
	len=$(python3 - "$T" "$C" <<'PY'
import json, subprocess, sys
d = json.loads(subprocess.check_output([sys.argv[1], "stat", "--json", "--nodes"]))
n = next(x for x in d["nodes"] if x["node"] == int(sys.argv[2]))
print(((n["free_bytes"] - n["total_bytes"] * 3 // 100) >> 21) << 21)
PY
)
	"$T" alloc --node "$C" --size "$len" --populate > /dev/null
	rc=$?
	DESC="fill node $C to under 5% free ($len bytes)"; t test $rc = 0
	LOWNODE=$C
else
	LOWNODE=-1
fi

# --- node-offline, node-online: a block of node B --------------------------------
bsize=$((16#$(cat /sys/devices/system/memory/block_size_bytes)))
for i in $(ls -d /sys/devices/system/node/node$B/memory[0-9]* 2>/dev/null | sed 's/.*memory//' | sort -n -r); do
	m=/sys/devices/system/memory/memory$i
	[ "$(cat "$m/state")" = online ] && [ "$(cat "$m/removable" 2>/dev/null || echo 1)" = 1 ] || continue
	if echo offline > "$m/state" 2>/dev/null; then block=$m; break; fi
done
DESC="a memory block of node $B went offline"; t test -n "$block"
if [ -n "$block" ]; then
	echo online_movable > "$block/state"
	DESC="and online again"; t test "$(cat "$block/state")" = online
	block=
fi

# --- pool-added, pool-removed ---------------------------------------------------
for d in /sys/bus/dax/devices/*; do
	[ "$(basename "$(readlink "$d/driver" 2>/dev/null)")" = device_dax ] &&
		{ dax=$(basename "$d"); break; }
done
DESC="a dax device bound to device_dax"; t test -n "$dax"
if [ -n "$dax" ]; then
	daxnode=$(cat /sys/bus/dax/devices/$dax/target_node)
	daxsize=$(cat /sys/bus/dax/devices/$dax/size)
	daxname=$dax
	"$T" pool add "$dax" > /dev/null && "$T" pool remove "$dax" > /dev/null
	rc=$?
	DESC="pool add and remove $dax"; t test $rc = 0
	dax=
fi

# --- what the monitor saw ----------------------------------------------------------
sleep 1
kill "$monpid"; wait "$monpid"; mrc=$?; monpid=
kill "$nobodypid"; wait "$nobodypid"; nrc=$?; nobodypid=
DESC="monitor as nobody ends with status 0 on SIGTERM"; t test $nrc = 0
DESC="monitor ends with status 0 on SIGTERM"; t test $mrc = 0
echo "# monitor output:"; sed 's/^/#   /' "$W/mon.jsonl"

check_event() {	# DESCRIPTION PYTHON-DICT-OF-FIELDS
	DESC="event $1"
	t python3 - "$W/mon.jsonl" "$2" <<'PY'
import json, sys
want = eval(sys.argv[2])
evs = [json.loads(l) for l in open(sys.argv[1])]
ok = [e for e in evs if all(e.get(k) == v for k, v in want.items())]
if not ok:
    print("# no event with %s" % want)
    sys.exit(1)
PY
}
DESC="every line is a JSON object with a time and an event name"
t python3 - "$W/mon.jsonl" <<'PY'
import json, sys
for l in open(sys.argv[1]):
    e = json.loads(l)
    assert isinstance(e["time"], str) and e["time"].endswith("Z") and e["event"], e
PY

check_event "migrate-done: buffer, pid, counts" \
	"{'event': 'migrate-done', 'buffer': $id, 'pid': $holdpid_saved, 'uid': 0, 'seq': 1, 'moved_bytes': 4 << 20, 'skipped_bytes': 0, 'failed_bytes': 0, 'error': 0}"
check_event "spill: home $B, to $A, one page" \
	"{'event': 'spill', 'buffer': $spill_id, 'pid': $spillpid, 'node': $B, 'to_node': $A, 'bytes': 4096}"
check_event "quota-refused: create on node $A, -ENOSPC" \
	"{'event': 'quota-refused', 'pid': $quotapid, 'node': $A, 'bytes': 1 << 20, 'quota_bytes': $quota, 'error': -28}"
if [ "$LOWNODE" != -1 ]; then
	check_event "node-low-free on node $LOWNODE" "{'event': 'node-low-free', 'node': $LOWNODE}"
else
	nok "event node-low-free" "no way to make one: no low_free_percent and no DRAM node without CPUs"
fi
check_event "node-offline: node $B, one block" "{'event': 'node-offline', 'node': $B, 'bytes': $bsize}"
check_event "node-online: node $B, one block" "{'event': 'node-online', 'node': $B, 'bytes': $bsize}"
check_event "pool-added: ${daxnode:-?}, capacity" \
	"{'event': 'pool-added', 'node': ${daxnode:--1}, 'bytes': ${daxsize:-0}, 'pool_name': '${daxname:-}'}"
check_event "pool-removed" "{'event': 'pool-removed', 'node': ${daxnode:--1}, 'pool_name': '${daxname:-}'}"

# nobody heard no buffer of root's, and the node and pool events all
DESC="monitor as nobody: none of root's buffer events, every node and pool event root heard"
t python3 - "$W/mon.jsonl" "$W/nobody.jsonl" <<'PY'
import json, sys
root = [json.loads(l) for l in open(sys.argv[1])]
nobody = [json.loads(l) for l in open(sys.argv[2])]
leaks = [e for e in nobody if e["event"] in ("spill", "quota-refused", "migrate-done")]
assert not leaks, leaks
def key(e): return (e["event"], e.get("node"), e.get("bytes"), e.get("pool_name"))
want = [key(e) for e in root if e["event"].startswith(("node-", "pool-"))]
got = [key(e) for e in nobody]
missing = [k for k in want if k not in got]
assert want and not missing, (want, missing)
assert any(e["event"] in ("spill", "quota-refused", "migrate-done") for e in root)
PY

echo "1..$n"
tap_done monitor_tierctl
