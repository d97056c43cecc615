#!/usr/bin/env bash
# The cost model against a measured optimizer step: from what
# `tierctl bench adam` measured with each node alone (its --tiers file), the
# model predicts the rows that spread one step over two nodes, which the
# benchmark measured in the same run and which are not an input of the
# prediction.  tests/host/data/bench-adam-tcg.{json,tiers} were recorded in
# the emulated host (tests/vm/run, TCG: 2 vCPUs, nodes 0 DRAM and 2 CXL) by
#
#   tierctl bench adam --size 4M --policy bind:0 --policy bind:2 \
#       --policy split:0=50%,2=50% --policy weighted:0=1,2=1 --runs 5 \
#       --json --tiers bench-adam-tcg.tiers > bench-adam-tcg.json
#
# (--json writes the JSON; the table is not kept).  Under TCG the step is
# bound by the two vCPUs, not by memory: a step over both nodes takes as
# long as on one.  The model must say so from the single-node figures alone
# (its rule without a stated cores' ceiling: no faster than the fastest node
# alone); a model that added the nodes' rates, as the planner did before,
# predicts half the time and fails here.  The bound: within 25% of the
# measured median, for 1 process and for 2 processes at once (--ranks 2, each
# process's own step).  Usage: model_measured_test.sh TIERCTL
set -uo pipefail
tierctl=${1:?usage: $0 TIERCTL}
here=$(cd "$(dirname "$0")" && pwd)
. "$here/../lib/tap.sh"
data=$here/data
PY=/usr/bin/python3

# The recorded elements (one size) and the measured rows.
elems=$($PY -c 'import json,sys; r=json.load(open(sys.argv[1]))["results"]; print(sorted({x["elements"] for x in r})[-1])' "$data/bench-adam-tcg.json")
# The step as classes: Adam reads p, g, m, v and writes p, m, v (28 bytes
# per element, bench adam's count); its footprint is the four arrays.
cat > "$tmp/classes" <<EOF
class adam bytes=$((elems * 16)) cpu-read=$((elems * 16)) cpu-write=$((elems * 12))
EOF
# Nodes 0 and 2 as in the emulated host; the measured rates from the bench.
# The step's rate at this size already includes what the cache serves and
# the per-step overhead, so the model's own LLC and overhead are off.
{
	echo "node 0 dram capacity=1G local"
	echo "node 2 cxl capacity=1G movable"
	echo "host llc=0 llc-miss=0 overhead=0"
	cat "$data/bench-adam-tcg.tiers"
} > "$tmp/tiers"
echo "# recorded: $(head -n 1 "$data/bench-adam-tcg.tiers" | sed 's/^# //')"
grep '^node' "$data/bench-adam-tcg.tiers" | sed 's/^/# /'

check "the tier file has both nodes' figures" \
	sh -c "grep -q '^node 0 optim=[0-9.]* optim-2p=[0-9.]*[1-9]' '$data/bench-adam-tcg.tiers' &&
	       grep -q '^node 2 optim=[0-9.]* optim-2p=[0-9.]*[1-9]' '$data/bench-adam-tcg.tiers'"

# predict POLICY PROCS: the model's optimizer time in ms, one rank's
predict() {
	"$tierctl" model --classes "$tmp/classes" --dram 1G --tiers "$tmp/tiers" \
		--ranks "$2" --place "adam=$1" --json > "$tmp/model.json" || return 1
	$PY -c 'import json,sys; print(json.load(open(sys.argv[1]))["prediction"]["cpu_s"] * 1e3)' "$tmp/model.json"
}
# measured POLICY PROCS: the recorded median step in ms
measured() {
	$PY -c '
import json, sys
for r in json.load(open(sys.argv[1]))["results"]:
    if r["policy"] == sys.argv[2] and r["procs"] == int(sys.argv[3]) and "skipped" not in r:
        print(r["median_step_ms"]); break
else:
    sys.exit("no row " + sys.argv[2] + " x" + sys.argv[3])' "$data/bench-adam-tcg.json" "$1" "$2"
}

for policy in "split:0=50%,2=50%" "weighted:0=1,2=1"; do
	for procs in 1 2; do
		if ! p=$(predict "$policy" "$procs") || ! m=$(measured "$policy" "$procs"); then
			nok "$policy, $procs process(es): no prediction or no measured row"
			continue
		fi
		r=$($PY -c "print('%.3f' % ($p / $m))")
		echo "# $policy, $procs process(es): predicted $(printf %.1f "$p") ms, measured $(printf %.1f "$m") ms, ratio $r"
		check "$policy, $procs process(es): predicted within 25% of measured (ratio $r)" \
			$PY -c "import sys; sys.exit(0 if 0.75 <= $r <= 1.25 else 1)"
	done
done

# The rule behind it: without the figures for two processes, a second one
# adds nothing, so two processes are predicted twice as slow as one each.
sed 's/ optim-2p=[^ \t]*//' "$tmp/tiers" > "$tmp/tiers1"
p1=$("$tierctl" model --classes "$tmp/classes" --dram 1G --tiers "$tmp/tiers1" --place 'adam=bind:0' --json |
	$PY -c 'import json,sys; print(json.load(sys.stdin)["prediction"]["cpu_s"])')
p2=$("$tierctl" model --classes "$tmp/classes" --dram 1G --tiers "$tmp/tiers1" --ranks 2 --place 'adam=bind:0' --json |
	$PY -c 'import json,sys; print(json.load(sys.stdin)["prediction"]["cpu_s"])')
check "no optim-2p: two ranks on one node take twice one's time ($p1 s, $p2 s)" \
	$PY -c "import sys; sys.exit(0 if abs($p2 / $p1 - 2) < 1e-4 else 1)"

echo "1..$n"
tap_done model-measured
