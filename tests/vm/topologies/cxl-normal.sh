# shellcheck shell=bash disable=SC2034
# Topology "cxl-normal": as "default" (see default.sh for the fields), but
# CXL node 3 is onlined with `daxctl reconfigure-device --no-movable`, so its
# memory is in ZONE_NORMAL (non-movable allocations can come from it, as on
# hosts whose CXL memory is onlined by firmware or by policy).
#
#   node 0  DRAM, both CPUs            2 GiB
#   node 1  DRAM, no CPUs              1 GiB
#   node 2  CXL-like, ZONE_MOVABLE     1 GiB
#   node 3  CXL-like, ZONE_NORMAL      1 GiB
#   node 4  nvdimm left in devdax mode (pool range), not onlined

TOPO_DESC="DRAM node 0 (CPUs) + DRAM node 1 + CXL node 2 (movable) + CXL node 3 (normal) + devdax node 4"
TOPO_SMP=2
TOPO_RAM=(
	"0 2G 0-1"
	"1 1G -"
)
TOPO_NVDIMM=(
	"2 1152M movable"
	"3 1152M normal"
	"4 512M devdax"
)
#           0  1  2  3  4
TOPO_DIST=(
	"10 21 40 40 40"
	"21 10 50 50 50"
	"40 50 10 60 60"
	"40 50 60 10 60"
	"40 50 60 60 10"
)
