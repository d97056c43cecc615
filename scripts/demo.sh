#!/usr/bin/env bash
# The cxltier demo, run inside the emulated DRAM+CXL host by `make demo`:
# show the topology, then place a buffer on a DRAM node and one on a CXL
# node and show where their pages really are.
set -euo pipefail
cd "$(dirname "$0")/.."
tierctl=build/bin/tierctl

echo "### The host, as cxltier sees it"
$tierctl topo
echo
# first DRAM node and first CXL node from the live table
dram=$($tierctl topo --json | python3 -c 'import json,sys; print(next(n["node"] for n in json.load(sys.stdin)["nodes"] if n["tier"]=="DRAM"))')
cxl=$($tierctl topo --json | python3 -c 'import json,sys; print(next(n["node"] for n in json.load(sys.stdin)["nodes"] if n["tier"]=="CXL"))')

echo "### 64 MiB bound to DRAM node $dram"
$tierctl alloc --node "$dram" --size 64M
echo
echo "### 256 MiB bound to CXL node $cxl"
$tierctl alloc --node "$cxl" --size 256M
echo
echo "### the same, as JSON"
$tierctl alloc --node "$cxl" --size 16M --json
