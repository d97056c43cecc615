#!/bin/bash
# tierctl on the host (and in the VM): exit codes, error format, JSON that
# parses and agrees with /sys, and alloc putting every page where asked;
# libtier's explanations before tierctl's error lines (figures from this
# host's topology), LIBTIER_LOG's levels through tierctl's hook, and the
# --json error object ({"error": {...}} on stdout, checked against the
# words on stderr).  The module's cases (movable-only, quotas) run in the
# VM only.  TAP output.  usage: tierctl_test.sh PATH/TO/tierctl
set -u
TIERCTL=${1:?usage: $0 TIERCTL}
. "$(dirname "$0")/../lib/tap.sh"

# expect_json NAME PYTHON-EXPR ARGS...: exit 0, JSON on stdout, EXPR true for it (d)
expect_json() {
	local name=$1 expr=$2; shift 2
	if ! command -v python3 > /dev/null; then skip "$name" "no python3"; return; fi
	if run "$@" && python3 -c "
import json, sys
d = json.load(open(sys.argv[1]))
sys.exit(0 if ($expr) else 1)" "$out"; then ok "$name"; else nok "$name"; fi
}

# expect_json_error NAME CODE ARGS...: exit 1 and, on stdout, one JSON
# object {"error": {...}} whose code is CODE ("null": none), command the
# first of ARGS, message the first error line of stderr without its
# "tierctl CMD: "; its details libtier's "tierctl CMD: libtier: " lines
expect_json_error() {
	local name=$1 code=$2 rc; shift 2
	run "$@"; rc=$?
	if [ $rc = 1 ] && /usr/bin/python3 -c '
import errno, json, sys
d = json.load(open(sys.argv[1]))
e = d["error"]
cmd, code = sys.argv[3], sys.argv[4]
lines = open(sys.argv[2]).read().splitlines()
mine = [l for l in lines if l.startswith("tierctl %s: " % cmd) and not l.startswith("tierctl %s: libtier: " % cmd)]
lib = [l[len("tierctl %s: libtier: " % cmd):] for l in lines if l.startswith("tierctl %s: libtier: " % cmd)]
assert list(d) == ["error"] and sorted(e) == ["code", "command", "details", "errno", "message"], d
assert e["command"] == cmd, e
assert e["message"] == mine[0][len("tierctl %s: " % cmd):], (e, mine)
assert e["details"] == lib, (e, lib)
if code == "null":
    assert e["code"] is None and e["errno"] is None, e
else:
    assert e["code"] == code and e["errno"] == getattr(errno, code), e
' "$out" "$err" "$1" "$code"; then ok "$name"; else echo "# exit $rc"; nok "$name"; fi
}

# size_str BYTES: tier_size_format()'s spelling, worked out here on its own
size_str() {
	/usr/bin/python3 -c '
import sys
b = int(sys.argv[1])
if b < 1024:
    print("%dB" % b); sys.exit()
u = 0
while u < 5 and b >> (10 * (u + 1)):
    u += 1
if b % (1 << (10 * u)) == 0:
    print("%d%s" % (b >> (10 * u), "BKMGTPE"[u])); sys.exit()
v = b / (1 << (10 * u))
if v >= 1023.95:
    v /= 1024; u += 1
print("%.1f%s" % (v, "BKMGTPE"[u]))' "$1"
}

# A tierctl alloc --hold in the background, ALLOC_ARGS...: sets $holder
# (its pid) and $id (its buffer, once it has printed it); stop_holder ends it.
start_holder() {
	hold_out=$(mktemp)
	"$TIERCTL" alloc "$@" --hold 60 --json > "$hold_out" 2> /dev/null &
	holder=$!
	id=
	for _ in $(seq 50); do
		id=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["id"])' "$hold_out" 2> /dev/null) && [ -n "$id" ] && break
		sleep 0.2
	done
}

stop_holder() {
	kill "$holder" 2> /dev/null; wait "$holder" 2> /dev/null
	rm -f "$hold_out"
}

nodes_with_memory() {
	python3 -c '
import sys
s = open("/sys/devices/system/node/has_memory").read().strip()
ids = []
for part in filter(None, s.split(",")):
    a, _, b = part.partition("-")
    ids += range(int(a), int(b or a) + 1)
print(" ".join(map(str, ids)))'
}

echo "TAP version 13"
expect_ok "version" version
grep -q "^tierctl $(cat "$(dirname "$0")/../../VERSION")," "$out" && ok "version names VERSION" || nok "version names VERSION"
expect_ok "help" help
grep -q "^  alloc " "$out" && grep -q "^  topo " "$out" && grep -q "^  bench " "$out" && ok "help lists commands" || nok "help lists commands"
expect_ok "help alloc" help alloc
grep -q "^usage: tierctl alloc" "$out" && ok "help alloc shows usage" || nok "help alloc shows usage"
expect_ok "alloc --help" alloc --help
expect_fail "help of an unknown command" "^tierctl help: bogus: unknown command$" help bogus
expect_fail "unknown command" "^tierctl: bogus: unknown command" bogus
run; [ $? = 1 ] && ok "no command: exit 1" || nok "no command: exit 1"

expect_ok "topo" topo
grep -q "^backend: " "$out" && grep -q "^NODE  TIER  CPUS" "$out" && ok "topo: backend line and header" || nok "topo: backend line and header"
expect_fail "topo: unknown option" "^tierctl topo: option '--bogus': unknown option$" topo --bogus
expect_fail "topo: stray argument" "^tierctl topo: extra: unexpected argument$" topo extra
expect_json "topo --json: nodes as in /sys" \
	"[x['node'] for x in d['nodes']] == [int(i) for i in '$(nodes_with_memory)'.split()] and all(x['total_bytes'] >= x['free_bytes'] and x['tier'] in ('dram', 'cxl') for x in d['nodes']) and d['backend'] in ('mbind', 'cxltier')" \
	topo --json

node0=$(nodes_with_memory | cut -d' ' -f1)
expect_json "alloc --json: every page on node $node0" \
	"d['length'] == 4194304 and d['resident_bytes'] == 4194304 and d['resident'] == [{'node': $node0, 'tier': d['resident'][0]['tier'], 'bytes': 4194304}] and d['policy'] == 'bind:$node0' and d['verified'] and d['off_policy_bytes'] == 0" \
	alloc --node "$node0" --size 4M --json
expect_json "alloc: unaligned size rounds up to pages" \
	"d['length'] == 5000 and d['map_length'] == d['resident_bytes'] and d['map_length'] % d['page_size'] == 0 and d['map_length'] >= 5000" \
	alloc --policy "bind:$node0" --size 5000 --json
expect_ok "alloc table" alloc --node "$node0" --size 1M
grep -Eq "^ +$node0  (dram|cxl) +1M +100.0%$" "$out" && ok "alloc table: 1M, 100% on node $node0" || nok "alloc table: 1M, 100% on node $node0"
for i in $(nodes_with_memory); do
	expect_json "alloc on node $i" "d['resident'] == [{'node': $i, 'tier': d['resident'][0]['tier'], 'bytes': 2097152}]" \
		alloc --node "$i" --size 2M --json
done

start=$(date +%s%N)
if run alloc --node "$node0" --size 64K --hold 1 &&
   grep -q "^tierctl alloc: holding buffer [0-9]* for 1 s (pid [0-9]*)$" "$err" &&
   [ $(( $(date +%s%N) - start )) -ge 1000000000 ]
then ok "alloc --hold 1 holds a second"; else nok "alloc --hold 1 holds a second"; fi

absent=0
while grep -qw "$absent" <<< "$(nodes_with_memory)"; do
	absent=$((absent + 1))
done
expect_explained "alloc on an absent node" \
	"node $absent is offline or has no memory \(nodes with memory: $(nodes_with_memory | tr ' ' ,)\)" \
	"^tierctl alloc: create 1M buffer, policy bind:$absent: No such device$" alloc --node "$absent" --size 1M
expect_fail "alloc: node id out of range" "^tierctl alloc: create 1M buffer, policy bind:1048576: Invalid argument$" alloc --node 1048576 --size 1M
node0_total=$("$TIERCTL" topo --json | python3 -c "
import json, sys
print(next(n['total_bytes'] for n in json.load(sys.stdin)['nodes'] if n['node'] == $node0))")
expect_explained "alloc: larger than the node" \
	"1P is larger than node $node0 can ever hold \($(size_str "$node0_total")\)" \
	"^tierctl alloc: create 1P buffer, policy bind:$node0: File too large$" alloc --node "$node0" --size 1024T
expect_fail "alloc: bad size" "^tierctl alloc: --size 1Q: not a size" alloc --node "$node0" --size 1Q
expect_fail "alloc: zero size" "^tierctl alloc: --size 0: must be at least 1 byte$" alloc --node "$node0" --size 0
expect_fail "alloc: size overflows" "^tierctl alloc: --size 99999999T: too large$" alloc --node "$node0" --size 99999999T
expect_fail "alloc: no size" "^tierctl alloc: --size is required$" alloc --node "$node0"
expect_fail "alloc: no node" "^tierctl alloc: --node or --policy is required$" alloc --size 1M
expect_fail "alloc: bad node" "^tierctl alloc: --node x: not a node number$" alloc --node x --size 1M
expect_fail "alloc: missing argument" "^tierctl alloc: option '--size': missing argument$" alloc --node 0 --size
expect_fail "alloc: unknown mode" "^tierctl alloc: --policy striped:0: unknown mode \"striped\" \\(bind, preferred, interleave, weighted, split\\) " alloc --policy striped:0 --size 1M
expect_fail "alloc: malformed policy" "^tierctl alloc: --policy bind:: an empty item " alloc --policy bind: --size 1M
expect_fail "alloc: --node and --policy disagree" "^tierctl alloc: --node 1 conflicts with --policy bind:0$" alloc --node 1 --policy bind:0 --size 1M
expect_fail "alloc: bad --hold" "^tierctl alloc: --hold x: not a number of seconds$" alloc --node 0 --size 1M --hold x
# ---------------------------------------------------------------------------
# Placement modes and create flags
module=0
[ -e /dev/cxltier ] && module=1
N=$node0
for pol in "preferred:$N" "interleave:$N" "interleave:$N,chunk=64K" "weighted:$N=3" "weighted:$N=3,chunk=2M" "split:$N=100%" "split:$N=2"; do
	expect_json "alloc --policy $pol: all on node $N" \
		"d['resident'] == [{'node': $N, 'tier': d['resident'][0]['tier'], 'bytes': 4194304}] and d['spilled_bytes'] == 0 and d['off_policy_bytes'] == 0 and len(d['placement']) == 1 and d['placement'][0]['share'] == 1 and d['placement'][0]['in_policy']" \
		alloc --policy "$pol" --size 4M --json
done
# 2 MiB units: one PMD fault each through tierctl's aligned mapping, none
# split, and the table says so (module only: the mbind backend has no PMD
# count and prints no such line)
if [ $module = 1 ]; then
	expect_json "alloc --page-size 2M: a PMD fault per unit, none split" \
		"d['pmd_map_faults'] == 4 and d['pte_map_faults'] == 0 and d['split_units'] == 0 and d['pmd_mapped_bytes'] is None and d['pmd_mapped_units'] == 4" \
		alloc --node "$N" --page-size 2M --size 8M --json
	expect_ok "alloc --page-size 2M table" alloc --node "$N" --page-size 2M --size 8M
	grep -q "^2M units: 4 faults mapped a unit with one PMD entry, 0 with 4 KiB PTEs; 0 of 4 units split$" "$out" &&
	grep -q "^4 of 4 units mapped by one PMD entry now (every process, BUF_STAT)$" "$out" &&
		ok "alloc --page-size 2M: the units line" || nok "alloc --page-size 2M: the units line"
else
	expect_json "alloc --page-size 2M on mbind: no PMD figures" \
		"d['pmd_map_faults'] == 0 and d['split_units'] == 0 and d['pmd_mapped_bytes'] % 2097152 == 0 and d['pmd_mapped_units'] is None" \
		alloc --node "$N" --page-size 2M --huge-fallback --size 8M --json
fi
expect_json "alloc: canonical policy, mode, requested share" \
	"d['policy'] == 'split:$N=100%' and d['mode'] == 'split' and d['placement'][0]['requested_share'] == 1 and d['flags'] == [] and d['chunk_size'] is None" \
	alloc --policy "split:$N=100" --size 1M --json
expect_json "alloc: bind asks no share" \
	"d['placement'][0]['requested_share'] is None and d['mode'] == 'bind'" \
	alloc --node "$N" --size 1M --json
expect_ok "alloc table with REQUESTED" alloc --policy "weighted:$N=1" --size 1M
grep -q "^NODE  TIER  RESIDENT   SHARE  REQUESTED$" "$out" &&
grep -Eq "^ +$N  (dram|cxl) +1M +100.0% +100.0%$" "$out" &&
grep -q "^resident 1M of 1M, spilled 0B (0.0%):$" "$out" &&
ok "alloc table: share, requested share, spilled" || nok "alloc table: share, requested share, spilled"
expect_json "alloc --populate: resident before the touch" \
	"d['populated_bytes'] == d['map_length'] == 8388608 and d['flags'] == ['populate'] and d['policy'] == 'bind:$N,populate'" \
	alloc --node "$N" --size 8M --populate --json
expect_json "alloc: populate without it: nothing before the touch" \
	"d['populated_bytes'] == 0" alloc --node "$N" --size 1M --json
expect_json "alloc --fallback" \
	"d['flags'] == ['fallback'] and d['policy'] == 'interleave:$N,fallback'" \
	alloc --policy "interleave:$N" --fallback --size 1M --json
expect_json "alloc --chunk" \
	"d['chunk_size'] == 65536 and d['policy'] == 'interleave:$N,chunk=64K'" \
	alloc --policy "interleave:$N" --chunk 64K --size 1M --json
expect_json "alloc: an option the policy already has" \
	"d['policy'] == 'bind:$N,populate'" \
	alloc --policy "bind:$N,populate" --populate --size 1M --json
expect_json "alloc --page-size 2M --huge-fallback" \
	"d['page_size'] == 2097152 and d['length'] == 3145728 and d['map_length'] == 4194304 and d['resident_bytes'] == 4194304 and d['flags'] == ['huge-fallback'] and d['policy'] == 'bind:$N,page=2M,huge-fallback'" \
	alloc --node "$N" --size 3M --page-size 2M --huge-fallback --json
pinnable_node=$("$TIERCTL" topo --json | python3 -c '
import json, sys
d = json.load(sys.stdin)
print(next((str(n["node"]) for n in d["nodes"] if not n["movable_only"]), ""))')
if [ $module = 1 ]; then
	expect_json "alloc --page-size 2M (module)" \
		"d['page_size'] == 2097152 and d['map_length'] == 2097152 and d['policy'] == 'bind:$N,page=2M'" \
		alloc --node "$N" --size 1M --page-size 2M --json
	expect_json "alloc --pinnable on node $pinnable_node (module)" \
		"d['flags'] == ['pinnable'] and d['resident_bytes'] == 1048576" \
		alloc --node "$pinnable_node" --size 1M --pinnable --json
	cxl_movable=$("$TIERCTL" topo --json | python3 -c '
import json, sys
d = json.load(sys.stdin)
print(next((str(n["node"]) for n in d["nodes"] if n["movable_only"]), ""))')
	if [ -n "$cxl_movable" ]; then
		expect_explained "alloc --pinnable on movable-only node $cxl_movable (module)" \
			"node $cxl_movable is movable-only: pinnable needs a normal zone or a device-dax pool" \
			"^tierctl alloc: create 1M buffer, policy bind:$cxl_movable,pinnable: Invalid cross-device link$" \
			alloc --node "$cxl_movable" --size 1M --pinnable
	fi
	# quotas (root in the VM): topo shows them; --reserve beyond one fails
	q=/sys/class/misc/cxltier/nodes/node$N/quota_bytes
	expect_json "topo --json: quotas (module)" \
		"all(n['quota']['quota_bytes'] is None and n['quota']['used_bytes'] >= 0 and n['quota']['reserved_bytes'] >= 0 for n in d['nodes'])" \
		topo --json
	run topo && head -n 2 "$out" | tail -n 1 | grep -q "QUOTA  USED  RESERVED$" &&
		ok "topo: quota columns (module)" || nok "topo: quota columns (module)"
	expect_json "alloc --reserve (module)" \
		"d['flags'] == ['reserve'] and d['policy'] == 'bind:$N,reserve' and d['resident_bytes'] == 1048576" \
		alloc --node "$N" --size 1M --reserve --json
	if [ -w "$q" ] && echo 1048576 > "$q"; then
		expect_json "topo --json: a quota set (module)" \
			"[n['quota']['quota_bytes'] for n in d['nodes'] if n['node'] == $N] == [1048576]" \
			topo --json
		expect_explained "alloc --reserve beyond the quota (module)" \
			"node $N's quota is 1M, [0-9.]+[BKMG] of it used and [0-9.]+[BKMG] reserved: 2M more does not fit" \
			"^tierctl alloc: create 2M buffer, policy bind:$N,reserve: No space left on device$" \
			alloc --node "$N" --size 2M --reserve
		echo max > "$q"
	else
		skip "alloc --reserve beyond the quota (module)" "cannot write $q"
	fi
else
	expect_explained "alloc --reserve (mbind)" \
		"reserve needs the cxltier module: Linux has no per-node quota to reserve against" \
		"^tierctl alloc: create 1M buffer, policy bind:$N,reserve: Operation not supported$" \
		alloc --node "$N" --size 1M --reserve
	expect_json "topo --json: no quotas (mbind)" \
		"all(n['quota'] is None for n in d['nodes'])" topo --json
	expect_explained "alloc --page-size 2M (mbind)" \
		"2 MiB pages need the cxltier module, or huge-fallback \(best effort through shmem THP\) with the mbind backend" \
		"^tierctl alloc: create 1M buffer, policy bind:$N,page=2M: Operation not supported$" \
		alloc --node "$N" --size 1M --page-size 2M
	expect_explained "alloc --pinnable (mbind)" \
		"pinnable needs the cxltier module: .*" \
		"^tierctl alloc: create 1M buffer, policy bind:$N,pinnable: Operation not supported$" \
		alloc --node "$N" --size 1M --pinnable
fi
expect_fail "alloc --chunk with bind" "^tierctl alloc: policy bind:$N,chunk=64K: chunk= is for interleave and weighted, not bind$" \
	alloc --node "$N" --chunk 64K --size 1M
expect_fail "alloc --page-size not a power of two" "^tierctl alloc: --page-size 3M: not a power of two$" \
	alloc --node "$N" --page-size 3M --size 1M
expect_fail "alloc --page-size not a size" "^tierctl alloc: --page-size x: not a size" \
	alloc --node "$N" --page-size x --size 1M
expect_fail "alloc --chunk not a power of two" "^tierctl alloc: --chunk 48K: not a power of two$" \
	alloc --policy "interleave:$N" --chunk 48K --size 1M
expect_fail "alloc --page-size conflicts with page=" \
	"^tierctl alloc: --page-size 2M conflicts with --policy bind:$N,page=4K$" \
	alloc --policy "bind:$N,page=4K" --page-size 2M --size 1M
expect_fail "alloc: split percentages not summing to 100" \
	"^tierctl alloc: --policy split:$N=30%: shares add up to 30%, not 100% " alloc --policy "split:$N=30%" --size 1M
expect_fail "alloc: weight on bind" "^tierctl alloc: --policy bind:$N=1: $N=1: bind takes no weights " \
	alloc --policy "bind:$N=1" --size 1M
expect_fail "alloc: no weight on weighted" "^tierctl alloc: --policy weighted:$N: $N: weighted needs a weight for each node \\($N=1\\) " \
	alloc --policy "weighted:$N" --size 1M
expect_fail "alloc: unknown option" "^tierctl alloc: option '--bogus': unknown option$" \
	alloc --node "$N" --size 1M --bogus

# numactl's spelling: ranges and this host's tiers, resolved and said
expect_json "alloc --policy bind:$N-$N: a range of one node" \
	"d['policy'] == 'bind:$N'" alloc --policy "bind:$N-$N" --size 1M --json
"$TIERCTL" topo --json > "$tmp/topo.json"
for tier in dram cxl; do
	want=$(python3 -c '
import json, sys
t = json.load(open(sys.argv[1]))
print(",".join(str(n["node"]) for n in t["nodes"] if n["tier"] == sys.argv[2]))' "$tmp/topo.json" "$tier")
	if [ -z "$want" ]; then
		expect_fail "alloc --policy interleave:$tier: no such node here" \
			"^tierctl alloc: --policy interleave:$tier: $tier: this host has no $tier node " \
			alloc --policy "interleave:$tier" --size 1M
		continue
	fi
	expect_json "alloc --policy interleave:$tier,fallback: the ${tier^^} nodes ($want), and only they" \
		"d['policy'] == 'interleave:$want,fallback' and d['resident'] and all(r['tier'] == '$tier' for r in d['resident'])" \
		alloc --policy "interleave:$tier,fallback" --size 8M --json
	if grep -q "^tierctl alloc: --policy interleave:$tier,fallback is interleave:$want,fallback on this host$" "$err"
	then ok "alloc --policy interleave:$tier: the resolution said"
	else nok "alloc --policy interleave:$tier: the resolution said"; fi
done
expect_fail "alloc: a tier name in split" \
	"^tierctl alloc: --policy split:all=100%: all=100%: split gives each node its own share: name the nodes one by one " \
	alloc --policy "split:all=100%" --size 1M

# Several nodes (the VM): exact shares, in both backends.
nodes=($("$TIERCTL" topo --json | python3 -c '
import json, sys
d = json.load(sys.stdin)
print(" ".join(str(n["node"]) for n in d["nodes"] if n["free_bytes"] >= 64 << 20))'))
if [ ${#nodes[@]} -ge 2 ]; then
	A=${nodes[0]} B=${nodes[$((${#nodes[@]} - 1))]}
	for be in auto mbind; do
		[ $be = auto ] && [ $module = 0 ] && continue
		LIBTIER_BACKEND=$be expect_json "alloc split:$A=30%,$B=70% ($be): exact shares" \
			"[(x['node'], x['bytes'], x['requested_share']) for x in d['placement']] == sorted([($A, 3145728, 0.3), ($B, 7340032, 0.7)]) and d['spilled_bytes'] == 0 and abs(sum(x['share'] for x in d['placement']) - 1) < 1e-9" \
			alloc --policy "split:$A=30%,$B=70%" --size 10M --json
		LIBTIER_BACKEND=$be expect_json "alloc weighted:$A=3,$B=1,chunk=64K ($be): 3:1" \
			"sorted((x['node'], x['bytes']) for x in d['placement']) == sorted([($A, 6291456), ($B, 2097152)]) and [x['requested_share'] for x in sorted(d['placement'], key=lambda x: x['node'] != $A)] == [0.75, 0.25]" \
			alloc --policy "weighted:$A=3,$B=1,chunk=64K" --size 8M --json
		LIBTIER_BACKEND=$be expect_json "alloc preferred:$B,$A ($be): all on $B" \
			"d['resident'] == [{'node': $B, 'tier': d['resident'][0]['tier'], 'bytes': 4194304}] and d['spilled_bytes'] == 0" \
			alloc --policy "preferred:$B,$A" --size 4M --json
		LIBTIER_BACKEND=$be expect_json "alloc bind:$A,$B ($be): only on the list" \
			"sum(x['bytes'] for x in d['placement']) == 4194304 and d['off_policy_bytes'] == 0" \
			alloc --policy "bind:$A,$B" --size 4M --json
	done
	if [ $module = 1 ]; then
		expect_json "alloc bind:$A,$B (module): round-robin" \
			"sorted((x['node'], x['bytes']) for x in d['placement']) == sorted([($A, 2097152), ($B, 2097152)])" \
			alloc --policy "bind:$A,$B" --size 4M --json
	fi
	LIBTIER_BACKEND=mbind expect_explained "alloc: more mbind ranges than the backend takes" \
		"mbind backend: this policy needs more than [0-9]+ mbind ranges for 268435456 bytes; use a larger chunk" \
		"^tierctl alloc: create 256M buffer, policy weighted:$A=1,$B=1: Operation not supported$" \
		alloc --policy "weighted:$A=1,$B=1" --size 256M
else
	skip "alloc on several nodes" "fewer than two nodes with memory"
fi

# ---------------------------------------------------------------------------
# bench fault
expect_ok "help bench" help bench
grep -q "^usage: tierctl bench fault" "$out" && ok "help bench shows usage" || nok "help bench shows usage"
# the kernel's THP row runs where its setting gives THP to MADV_HUGEPAGE
case $(cat /sys/kernel/mm/transparent_hugepage/enabled 2>/dev/null) in
*"[always]"* | *"[madvise]"*) thp_rows="'anon_thp_fault', "; nthp=1 ;;
*) thp_rows=; nthp=0 ;;
esac
if [ $module = 1 ]; then
	names="['cxltier_4k_fault', 'cxltier_4k_seq_fault', 'cxltier_2m_fault', 'anon_mbind_fault', ${thp_rows}'mapped_memset_bound', 'cxltier_populate', 'cxltier_populated_touch', 'cxltier_populate_and_touch', 'anon_mbind_memset', 'cxltier_4k_chase', 'cxltier_2m_chase', 'anon_mbind_chase', 'cxltier_4k_stream', 'cxltier_2m_stream', 'anon_mbind_stream']"
	skip_expr="d['cxltier_skipped'] is None"
else
	names="['anon_mbind_fault', ${thp_rows}'mapped_memset_bound', 'anon_mbind_memset', 'anon_mbind_chase', 'anon_mbind_stream']"
	skip_expr="d['cxltier_skipped'].startswith('the backend is mbind')"
fi
expect_json "bench fault --json" \
	"[r['name'] for r in d['results']] == $names and $skip_expr and d['runs'] == 2 and d['node'] == $N and d['fault_bytes'] == 2097152 and d['populate_bytes'] == 4194304 and d['chase_hops'] == 512 and all(len(r['ms']) == 2 and r['min_ms'] <= r['median_ms'] <= r['max_ms'] and r['median_gbps'] > 0 for r in d['results']) and [r['ratio'] is None for r in d['results']].count(False) == (9 if $module else 0) + 1 + $nthp and all(r['bytes'] == 512 * 64 for r in d['results'] if r['group'] == 'chase') and all(r['bytes'] == 2097152 for r in d['results'] if r['group'] == 'stream') and d['page_table_kb']['anon_mbind'] >= 4 and ((d['page_table_kb']['cxltier_4k'] >= 4 and 0 <= d['page_table_kb']['cxltier_2m'] <= 4) if $module else d['page_table_kb']['cxltier_4k'] is None)" \
	bench fault --node "$N" --runs 2 --size 2M --populate-size 4M --json --quiet
if run bench fault --node "$N" --runs 1 --size 2M --populate-size 2M &&
   grep -q "^first-touch fault-in of 2M:$" "$out" &&
   grep -q "^anon + mbind(MPOL_BIND), 4 KiB pages .* 1.00x (base)$" "$out" &&
   grep -q "^reading the mapped 2M: pointer chase, .* (512 hops; " "$out" &&
   grep -Eq "^median ns per hop: .*anon_mbind_chase [0-9]+\.[0-9]$" "$out" &&
   grep -q "^reading the mapped 2M: streaming read" "$out" &&
   grep -Eq "^page tables the touch added \(VmPTE, last run\):.* anon_mbind [0-9]+ kB(,|$)" "$out" &&
   grep -q "^bound: memset of the same memory, mapped " "$out" &&
   ! grep -q "run 1/1" "$err"
then ok "bench fault: table, no progress off a terminal"; else nok "bench fault: table, no progress off a terminal"; fi
if run_tty bench fault --node "$N" --runs 2 --size 2M --populate-size 2M &&
   grep -q "^tierctl bench fault:   0%: run 1/2:" "$out" &&
   grep -q "^tierctl bench fault:  50%: run 2/2:.*anon.* memset-2M$" "$out" &&
   grep -q "^first-touch fault-in of 2M:$" "$out"
then ok "bench fault on a terminal: progress by runs, then the table"; else nok "bench fault on a terminal: progress by runs, then the table"; fi
if [ $module = 0 ]; then
	grep -q "^cxltier rows skipped: the backend is mbind" "$out" && ok "bench fault: says why cxltier rows are skipped" || nok "bench fault: says why cxltier rows are skipped"
fi
# alloc: the touch, written then read back, by bytes (redrawn at most 5
# times a second; the start of each phase and 100% always)
if run_tty alloc --node "$N" --size 64M &&
   grep -q "^tierctl alloc:  50%: reading back$" "$out" &&
   grep -q "^tierctl alloc: 100%: reading back$" "$out" &&
   grep -q "^tierctl alloc:   0%: touching$" "$out" &&
   grep -q "pattern verified" "$out"
then ok "alloc on a terminal: the touch's progress, writing then reading back"; else nok "alloc on a terminal: the touch's progress, writing then reading back"; fi
if run_tty alloc --node "$N" --size 64M --quiet && ! grep -q "^tierctl alloc: " "$out" &&
   grep -q "pattern verified" "$out"
then ok "alloc --quiet on a terminal: no progress"; else nok "alloc --quiet on a terminal: no progress"; fi
if run alloc --node "$N" --size 64M && [ ! -s "$err" ]
then ok "alloc off a terminal: no progress"; else nok "alloc off a terminal: no progress"; fi
if RUN_TTY_TERM=dumb run_tty alloc --node "$N" --size 64M && ! grep -q "^tierctl alloc: " "$out" &&
   grep -q "pattern verified" "$out"
then ok "alloc on a TERM=dumb terminal: no progress"; else nok "alloc on a TERM=dumb terminal: no progress"; fi
expect_fail "bench: no benchmark" "^tierctl bench: which benchmark\? \(fault, alloc, migrate, mem, adam\)$" bench
expect_fail "bench: unknown benchmark" "^tierctl bench: bogus: unknown benchmark \(fault, alloc, migrate, mem, adam\)$" bench bogus
expect_fail "bench fault --runs 0" "^tierctl bench: --runs 0: a number from 1 to 101$" bench fault --runs 0
expect_fail "bench fault --size 3M" "^tierctl bench: --size 3M: must be a multiple of 2M, at least 2M$" bench fault --size 3M
expect_fail "bench fault --populate-size x" "^tierctl bench: --populate-size x: not a size" bench fault --populate-size x
expect_fail "bench fault: absent node" "^tierctl bench: node $absent: offline or without memory$" bench fault --node "$absent" --runs 1
expect_fail "bench fault: stray argument" "^tierctl bench: extra: unexpected argument$" bench fault extra
expect_json "bench alloc --json: both allocators, 1 and 2 threads, both workloads, ratios" \
	"sorted((r['workload'], r['threads'], r['allocator']) for r in d['results']) == sorted((w, t, a) for w in ('16B-64K', '16B-256B') for t in (1, 2) for a in ('tier_arena', 'malloc')) and all(len(r['mpairs_per_s']) == 2 and r['median_mpairs_per_s'] > 0 and r['ratio_vs_malloc'] > 0 for r in d['results']) and all(r['ratio_vs_malloc'] == 1 for r in d['results'] if r['allocator'] == 'malloc')" \
	bench alloc --ops 2000 --runs 2 --quiet --json
expect_fail "bench alloc --threads 3" "^tierctl bench: --threads 3: 1 or 2" bench alloc --threads 3
expect_fail "bench alloc --ops 10" "^tierctl bench: --ops 10: a number from 256" bench alloc --ops 10
expect_explained "bench alloc: absent node" "node 999 is offline or has no memory .*" \
	"^tierctl bench: arena with policy bind:999: No such device$" bench alloc --policy bind:999 --quiet

# ---------------------------------------------------------------------------
# migrate and bench migrate
expect_ok "help migrate" help migrate
grep -q "^usage: tierctl migrate --buffer ID --policy POLICY" "$out" && ok "help migrate shows usage" || nok "help migrate shows usage"
expect_fail "migrate: no arguments" "^tierctl migrate: --buffer and --policy are required$" migrate
expect_fail "migrate --buffer x" "^tierctl migrate: --buffer x: not a buffer id" migrate --buffer x --policy "bind:$N"
expect_fail "migrate --policy bogus" "^tierctl migrate: --policy bogus:1: unknown mode \"bogus\" " migrate --buffer 1 --policy bogus:1
expect_fail "migrate --rate x" "^tierctl migrate: --rate x: not bytes per second" migrate --buffer 1 --policy "bind:$N" --rate x
set -- $(nodes_with_memory)
if [ $module = 0 ]; then
	expect_fail "migrate: needs the module" "^tierctl migrate: needs the cxltier module \(backend is mbind\)" migrate --buffer 1 --policy "bind:$N"
elif [ $# -ge 2 ]; then
	# a process of ours holds a buffer; tierctl migrate finds and moves it
	start_holder --node "$1" --size 8M
	expect_json "migrate --json moves a held buffer" \
		"d['buffer'] == $id and d['pid'] == $holder and d['moved_bytes'] == 8388608 and d['moved_pages'] == 2048 and d['skipped_bytes'] == 0 and d['failed_bytes'] == 0 and d['state'] == 'done' and d['policy'] == 'bind:$2' and d['policy_before'] == 'bind:$1'" \
		migrate --buffer "$id" --policy "bind:$2" --json
	if run migrate --buffer "$id" --policy "bind:$1" --rate 64M --pid "$holder" &&
	   grep -q "^buffer $id (pid $holder, fd [0-9]*): bind:$2 -> bind:$1, at most 64M/s$" "$out" &&
	   grep -Eq "^ *2048 +8388608 +8M +moved" "$out"
	then ok "migrate table, --rate, --pid"; else nok "migrate table, --rate, --pid"; fi
	expect_json "migrate --async" "d['state'] == 'running' and d['async'] is True and d['moved_bytes'] == 0" \
		migrate --buffer "$id" --policy "bind:$2" --async --json
	stop_holder
	expect_fail "migrate: no such buffer" "^tierctl migrate: buffer 999999: no process of yours holds it$" migrate --buffer 999999 --policy "bind:$1"
	names="['cxltier_4k_migrate_ab', 'cxltier_4k_migrate_ba', 'cxltier_2m_migrate_ab', 'cxltier_2m_migrate_ba', 'anon_move_pages_ab', 'anon_move_pages_ba']"
	expect_json "bench migrate --json" \
		"[r['name'] for r in d['results']] == $names and d['node_a'] == $1 and d['node_b'] == $2 and d['bytes'] == 4194304 and all(len(r['ms']) == 2 and r['median_gbps'] > 0 for r in d['results']) and [r['ratio'] is None for r in d['results']].count(False) == 4" \
		bench migrate --from "$1" --to "$2" --size 4M --runs 2 --json --quiet
else
	skip "migrate of a held buffer" "fewer than two nodes with memory"
fi
if [ $# -lt 2 ]; then
	expect_fail "bench migrate: one node" "^tierctl bench: needs two different nodes with memory" bench migrate --runs 1
fi
expect_fail "bench migrate --runs 0" "^tierctl bench: --runs 0: a number from 1 to 101$" bench migrate --runs 0

# stat and monitor: options, and the module's absence said plainly
expect_fail "stat --pid not a number" "^tierctl stat: --pid x: not a process id$" stat --pid x
expect_fail "stat --nodes --pid" "^tierctl stat: --pid selects buffers" stat --nodes --pid 1
expect_fail "monitor --count 0" "^tierctl monitor: --count 0: not a positive number$" monitor --count 0
expect_fail "monitor --timeout x" "^tierctl monitor: --timeout x: not a positive number of seconds$" monitor --timeout x
expect_fail "monitor extra argument" "^tierctl monitor: x: unexpected argument$" monitor x
if [ ! -e /sys/module/cxltier ]; then
	expect_fail "stat without the module" \
		'^tierctl stat: cxltier module not loaded \(no generic netlink family "cxltier"\)$' stat
	expect_fail "monitor without the module" \
		'^tierctl monitor: cxltier module not loaded \(no generic netlink family "cxltier"\)$' monitor --timeout 1
else
	expect_json "stat --json (module): nodes and buffers" \
		"isinstance(d['buffers'], list) and len(d['nodes']) >= 1 and all(x['total_bytes'] >= x['free_bytes'] for x in d['nodes'])" stat --json
	# another process's mapping: stat sees the units a holder PMD-maps
	start_holder --node "$N" --page-size 2M --size 8M
	expect_json "stat --json: a holder's 2M units PMD-mapped now" \
		"[(b['id'], b['pmd_mapped_units'], b['pmd_map_faults']) for b in d['buffers']] == [($id, 4, 4)]" \
		stat --json --pid "$holder"
	stop_holder
fi

LIBTIER_BACKEND=bogus expect_fail "bad LIBTIER_BACKEND" "^tierctl topo: open libtier: LIBTIER_BACKEND=bogus: Invalid argument$" topo
if [ -e /dev/cxltier ]; then
	LIBTIER_BACKEND=module expect_ok "LIBTIER_BACKEND=module with the module" topo
else
	LIBTIER_BACKEND=module expect_explained "LIBTIER_BACKEND=module without the module" \
		"the cxltier module is not loaded \('modprobe cxltier'\), or LIBTIER_BACKEND=mbind for plain NUMA policy" \
		"^tierctl topo: open /dev/cxltier: No such file or directory$" topo
fi
LIBTIER_BACKEND=mbind expect_ok "LIBTIER_BACKEND=mbind" topo
grep -q "^backend: mbind$" "$out" && ok "LIBTIER_BACKEND=mbind is used" || nok "LIBTIER_BACKEND=mbind is used"

# ---------------------------------------------------------------------------
# LIBTIER_LOG: libtier's messages through tierctl's hook

if env -u LIBTIER_LOG "$TIERCTL" alloc --node "$node0" --size 1M > "$out" 2> "$err" &&
   [ ! -s "$err" ]
then ok "no libtier messages without LIBTIER_LOG"; else nok "no libtier messages without LIBTIER_LOG"; fi
for level in debug 7; do
	if LIBTIER_LOG=$level run alloc --node "$node0" --size 1M &&
	   grep -Eq "^tierctl alloc: libtier: backend (mbind|cxltier): " "$err" &&
	   grep -Eq "^tierctl alloc: libtier: node $node0: (dram|cxl), " "$err" &&
	   grep -Eq "^tierctl alloc: libtier: create 1M \(1048576 bytes\), bind:$node0: buffer [0-9]+$" "$err" &&
	   [ "$(grep -vc '^tierctl alloc: libtier: ' "$err")" = 0 ]
	then ok "LIBTIER_LOG=$level: backend, nodes, the buffer"; else nok "LIBTIER_LOG=$level: backend, nodes, the buffer"; fi
done
LIBTIER_LOG=info expect_ok "LIBTIER_LOG=info: no debug messages" alloc --node "$node0" --size 1M
LIBTIER_LOG=debug expect_ok "LIBTIER_LOG for a command without a context" help
if LIBTIER_LOG=loud run alloc --node "$node0" --size 1M &&
   [ "$(cat "$err")" = "libtier: LIBTIER_LOG=loud: not a level (err, warning, notice, info, debug or 0 to 7); ignored" ]
then ok "LIBTIER_LOG=loud: said once, ignored"; else nok "LIBTIER_LOG=loud: said once, ignored"; fi
LIBTIER_LOG=loud run alloc --node "$absent" --size 1M
[ $? = 1 ] && [ "$(wc -l < "$err")" = 3 ] && sed -n 1p "$err" | grep -q "^libtier: LIBTIER_LOG=loud: not a level" &&
	sed -n 2p "$err" | grep -q "^tierctl alloc: libtier: node $absent is offline or has no memory" &&
	sed -n 3p "$err" | grep -q "^tierctl alloc: create 1M buffer, policy bind:$absent: No such device$" &&
	ok "LIBTIER_LOG=loud: errors still explained" || nok "LIBTIER_LOG=loud: errors still explained"
LIBTIER_LOG=emerg expect_fail "LIBTIER_LOG=emerg: not even the explanation" \
	"^tierctl alloc: create 1M buffer, policy bind:$absent: No such device$" alloc --node "$absent" --size 1M

# ---------------------------------------------------------------------------
# --json: a failure is a JSON object on stdout too

expect_json_error "--json error: bad policy" EINVAL alloc --policy bogus:1 --size 1M --json
expect_json_error "--json error: bad size" EINVAL alloc --node "$node0" --size 1Q --json
expect_json_error "--json error: size too large" ERANGE alloc --node "$node0" --size 99999999T --json
expect_json_error "--json error: bad option before --json" EINVAL alloc --bogus --json
expect_json_error "--json error: an error without an errno" null alloc --json
expect_json_error "--json error: larger than the node, explained" EFBIG alloc --node "$node0" --size 1024T --json
grep -q '"details": \[' "$out" && /usr/bin/python3 -c '
import json, sys
d = json.load(open(sys.argv[1]))["error"]["details"]
sys.exit(0 if len(d) == 1 and d[0].startswith("1P is larger than node ") else 1)' "$out" &&
	ok "--json error: libtier's explanation in details" || nok "--json error: libtier's explanation in details"
LIBTIER_BACKEND=mbind expect_json_error "--json error: pinnable on the mbind backend" EOPNOTSUPP \
	alloc --node "$node0" --size 1M --pinnable --json
expect_json_error "--json error: absent node in bench" ENODEV bench alloc --policy "bind:$absent" --quiet --json
expect_json_error "--json error: a bench's bad option before --json" EINVAL bench alloc --bogus --json
expect_json_error "--json error: bench mem on an absent node" null bench mem --node "$absent" --quiet --json
LIBTIER_BACKEND=bogus expect_json_error "--json error: open fails" EINVAL topo --json
expect_json_error "--json error: stat option" EINVAL stat --bogus --json
if [ ! -e /sys/module/cxltier ]; then
	expect_json_error "--json error: stat without the module" ENOENT stat --json
	expect_json_error "--json error: migrate on the mbind backend" EOPNOTSUPP migrate --buffer 1 --policy "bind:$node0" --json
fi
run alloc --node "$node0" --size 1M --json
[ $? = 0 ] && ! grep -q '"error"' "$out" && ok "--json: no error object on success" || nok "--json: no error object on success"
run alloc --node "$absent" --size 1M
[ $? = 1 ] && [ ! -s "$out" ] && ok "without --json: nothing on stdout for an error" || nok "without --json: nothing on stdout for an error"

echo "1..$n"
echo "tierctl: $((n - failed - skipped)) passed, $failed failed, $skipped skipped"
[ $failed = 0 ]
