#!/usr/bin/env bash
# The cxltier demo, run inside the emulated DRAM+CXL host by `make demo`:
# show the topology, then place a buffer on a DRAM node and one on a CXL
# node and show where their pages really are, then what the module lists
# and counts over netlink.
set -euo pipefail
cd "$(dirname "$0")/.."
tierctl=build/bin/tierctl

echo "### The host, as cxltier sees it"
$tierctl topo
echo
# first DRAM node and first CXL node from the live table
dram=$($tierctl topo --json | python3 -c 'import json,sys; print(next(n["node"] for n in json.load(sys.stdin)["nodes"] if n["tier"]=="dram"))')
cxl=$($tierctl topo --json | python3 -c 'import json,sys; print(next(n["node"] for n in json.load(sys.stdin)["nodes"] if n["tier"]=="cxl"))')

echo "### 64 MiB bound to DRAM node $dram"
$tierctl alloc --node "$dram" --size 64M
echo
echo "### 256 MiB bound to CXL node $cxl"
$tierctl alloc --node "$cxl" --size 256M
echo
echo "### the same, as JSON"
$tierctl alloc --node "$cxl" --size 16M --json
echo
echo "### A buffer held by another process, as the module lists it (tierctl stat)"
$tierctl alloc --node "$cxl" --size 32M --hold 30 >/dev/null &
holder=$!
# wait until it has its buffer (seconds under TCG)
for _ in $(seq 60); do
	$tierctl stat --buffers --pid "$holder" --json | python3 -c \
		'import json,sys; sys.exit(0 if json.load(sys.stdin)["buffers"] else 1)' && break
	sleep 1
done
$tierctl stat --buffers --pid "$holder"
kill "$holder" 2>/dev/null || true
wait "$holder" 2>/dev/null || true
echo
echo "### What the module counted per node since it was loaded"
$tierctl stat --nodes
echo
echo "### A fine-tuning step that runs the plan (python/examples/finetune.py)"
echo "# A small transformer trained the ZeRO-offload way: the planner places its"
echo "# seven host classes on this host (cxltier's strategy), every class is"
echo "# allocated there and its residency checked against the plan, and the loss"
echo "# is compared bit for bit with the same training on plain tensors."
/usr/bin/python3 python/examples/finetune.py --strategy cxltier --steps 3
