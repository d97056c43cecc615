# shellcheck shell=bash disable=SC2034
# Topology "two-socket": shaped like a host with two sockets, each with its
# DRAM, its CPU and a CXL expander on its own root ports (see default.sh
# for the fields).  What it is for: placing threads near the memory they
# stream (the optimizer's near placement, doc/optimizer.md), which needs
# two nodes with CPUs and CXL nodes that are nearer to one than the other.
#
#   node 0  DRAM, CPU 0                1 GiB
#   node 1  DRAM, CPU 1                1 GiB
#   node 2  CXL-like, ZONE_MOVABLE, near node 0
#   node 3  CXL-like, ZONE_MOVABLE, near node 1

TOPO_DESC="socket 0: DRAM node 0 (CPU 0) + CXL node 2; socket 1: DRAM node 1 (CPU 1) + CXL node 3"
TOPO_SMP=2,sockets=2,cores=1,threads=1
TOPO_RAM=(
	"0 1G 0"
	"1 1G 1"
)
TOPO_NVDIMM=(
	"2 1152M movable"
	"3 1152M movable"
)
#           0  1  2  3
TOPO_DIST=(
	"10 21 40 60"
	"21 10 60 40"
	"40 60 10 70"
	"60 40 70 10"
)
