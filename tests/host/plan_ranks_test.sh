#!/bin/bash
# tierctl plan --ranks on this host's own topology (the test host's
# two-socket one): each rank gets the CXL nodes of its GPU's socket, the
# socket of a CXL node being its nearest node with CPUs as tierctl topo
# reports it; without GPUs (none in the test host) the CXL nodes go round
# in turn, and the output says why.  TAP output.
# usage: plan_ranks_test.sh PATH/TO/tierctl
set -u
TIERCTL=${1:?usage: $0 TIERCTL}
. "$(dirname "$0")/../lib/tap.sh"

echo "TAP version 13"
printf 'class adam bytes=64M cpu-read=64M cpu-write=48M\n' > "$tmp/adam.txt"
"$TIERCTL" topo --json > "$tmp/topo.json" || { echo "Bail out! tierctl topo"; exit 1; }
# the sockets: the nodes with CPUs; with fewer than two, nothing to show
read -r -a sockets <<< "$(python3 -c '
import json, sys
t = json.load(open(sys.argv[1]))
print(" ".join(str(n["node"]) for n in t["nodes"] if n["cpus"]))' "$tmp/topo.json")"
if [ "${#sockets[@]}" -lt 2 ]; then
	echo "1..0 # SKIP one socket: run in the test host's two-socket topology (make -C tests/host check-two-socket)"
	exit 0
fi
# one rank per socket, in reverse: rank 0 on the last socket
gpus=$(printf '%s\n' "${sockets[@]}" | tac | paste -sd,)
if run plan --classes "$tmp/adam.txt" --ranks "${#sockets[@]}" --gpu-nodes "$gpus" --json &&
   python3 -c '
import json, sys
t = json.load(open(sys.argv[1]))
d = json.load(open(sys.argv[2]))
gpus = [int(x) for x in sys.argv[3].split(",")]
w = d["workload"]
cxl = [n for n in t["nodes"] if n["tier"] != "dram"]
ok = w["rank_map"] == "socket" and len(cxl) > 0
for n in cxl:
    # a CXL node belongs to the ranks of its socket, and to no other
    mine = [r for r, g in enumerate(gpus) if g == n["nearest_cpu_node"]]
    has = [r for r, nodes in enumerate(w["rank_nodes"]) if n["node"] in nodes]
    print("# node %d near %d: ranks %s" % (n["node"], n["nearest_cpu_node"], has))
    ok = ok and mine and has == mine
sys.exit(0 if ok else 1)' "$tmp/topo.json" "$out" "$gpus"
then ok "plan --ranks --gpu-nodes $gpus: each rank its socket's CXL nodes"
else nok "plan --ranks --gpu-nodes $gpus: each rank its socket's CXL nodes"; fi

# no GPU in sysfs: in turn, and said
if run plan --classes "$tmp/adam.txt" --ranks 2 &&
   grep -q "^ranks: CXL nodes shared out by turns, locality not known (0 GPUs in sysfs for 2 ranks)$" "$out"
then ok "plan --ranks without GPUs: in turn, and why"
else nok "plan --ranks without GPUs: in turn, and why"; fi
echo "1..$n"
echo "# plan-ranks: $((n - failed - skipped)) passed, $failed failed, $skipped skipped"
[ $failed = 0 ]
