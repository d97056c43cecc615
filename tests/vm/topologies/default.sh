# shellcheck shell=bash disable=SC2034
# Topology "default": shaped like a one-socket host with DRAM and CXL memory.
#
#   node 0  DRAM, both CPUs            2 GiB
#   node 1  DRAM, no CPUs              1 GiB
#   node 2  CXL-like: nvdimm -> devdax -> dax kmem, ZONE_MOVABLE only
#   node 3  CXL-like: same as node 2
#   node 4  nvdimm left in devdax mode (/dev/daxN.M), not onlined: a pool
#           range for a driver to claim
#
# Sourced by tests/vm/run (bash).  Fields:
#   TOPO_SMP     number of CPUs, or a QEMU -smp value (two-socket.sh:
#                one CPU per socket, as the kernel wants when each socket
#                is its own node)
#   TOPO_RAM     "NODE SIZE CPUS" per boot-time RAM node (CPUS "-" for none)
#   TOPO_NVDIMM  "NODE SIZE MODE" per emulated nvdimm, one node each; MODE is
#                movable  (daxctl reconfigure-device --mode=system-ram)
#                normal   (same with --no-movable: ZONE_NORMAL)
#                devdax   (left as a device-dax character device)
#   TOPO_DIST    SLIT row per node 0..N-1 (symmetric, 10 on the diagonal)
#   TOPO_DEBUG_EXTRA  RAM added to node 0 when booting the debug kernel
#                (KASAN shadow, kmemleak metadata); default 1G, "" for none
# SIZE is a number with suffix M or G.  An nvdimm onlined as system RAM
# loses its first 128 MiB memory block to the namespace metadata and
# alignment, so a 1152M nvdimm gives 1 GiB of memory.

TOPO_DESC="DRAM node 0 (CPUs) + DRAM node 1 + CXL nodes 2,3 (movable) + devdax node 4"
TOPO_SMP=2
TOPO_RAM=(
	"0 2G 0-1"
	"1 1G -"
)
TOPO_NVDIMM=(
	"2 1152M movable"
	"3 1152M movable"
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
