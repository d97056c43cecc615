// SPDX-License-Identifier: GPL-2.0-only
/*
 * tierctl bench: fixed workloads, measured and printed side by side.  No
 * verdict on speed: a benchmark fails only when it cannot run or when the
 * memory it measured was not where it was asked to be.  Each benchmark is
 * a file of its own (bench_fault.c, bench_alloc.c, bench_migrate.c,
 * bench_mem.c) over what bench.h shares; this one names them.
 */
#include <stdio.h>
#include <string.h>

#include "bench.h"
#include "tierctl.h"

/* Benchmarks, by name: "tierctl bench NAME ...". */
static const struct tc_sub benches[] = {
	{ "fault", bench_fault_opts, bench_fault },
	{ "alloc", bench_alloc_opts, bench_alloc },
	{ "migrate", bench_migrate_opts, bench_migrate },
	{ "mem", bench_mem_opts, bench_mem },
	{ "adam", bench_adam_opts, bench_adam },
	{ NULL, NULL, NULL },
};

#define NR_BENCHES	(sizeof(benches) / sizeof(benches[0]) - 1)

/* "fault, alloc, ...": the names of benches[] */
static const char *bench_names(void)
{
	static char names[128];
	size_t i;

	if (!names[0])
		for (i = 0; i < NR_BENCHES; i++)
			snprintf(names + strlen(names), sizeof(names) - strlen(names),
				 "%s%s", i ? ", " : "", benches[i].name);
	return names;
}

static int bench_run(const struct tc_cmd *cmd, int argc, char **argv)
{
	size_t i;

	if (argc < 2) {
		tc_errorf(cmd, "which benchmark? (%s)", bench_names());
		tc_usage(cmd, 0);
		return 1;
	}
	if (!strcmp(argv[1], "-h") || !strcmp(argv[1], "--help")) {
		tc_usage(cmd, 1);
		return 0;
	}
	for (i = 0; i < NR_BENCHES; i++)
		if (!strcmp(argv[1], benches[i].name))
			return benches[i].run(cmd, argc - 1, argv + 1);
	tc_errorf(cmd, "%s: unknown benchmark (%s)", argv[1], bench_names());
	return 1;
}

const struct tc_cmd cmd_bench = {
	.name = "bench", .run = bench_run, .subs = benches,
	.summary = "benchmarks: fault (first-touch and populate speed), alloc (allocator throughput), migrate, mem (tier figures), adam (the optimizer step)",
	.usage = "tierctl bench fault [--node N] [--size SIZE] [--populate-size SIZE] [--runs R] [--quiet] [--json] | alloc [--policy POLICY] [--ops N] [--threads T] [--runs R] [--quiet] [--json] | migrate [--from N] [--to N] [--size SIZE] [--runs R] [--quiet] [--json] | mem [--node N]... [--size SIZE] [--threads T] [--runs R] [--quiet] [--json | --tiers] | adam [--size ELEMENTS]... [--policy POLICY]... [--procs N] [--threads T] [--simd 0-3] [--runs R] [--quiet] [--json] [--tiers FILE]",
	.help =
"fault: in one run, on one node, side by side:\n"
"  - first-touch fault-in (one write per 4 KiB page) of a cxltier buffer\n"
"    with 4 KiB pages, one with 2 MiB pages, and an anonymous mapping bound\n"
"    with mbind(MPOL_BIND) (4 KiB pages: MADV_NOHUGEPAGE), the baseline;\n"
"  - reading each of those three once it is mapped: a streaming read of\n"
"    every word, then a pointer chase (one 64-byte line of every page,\n"
"    pages in a random order: mostly a cache miss and, beyond the TLB's\n"
"    reach, a TLB miss a hop; median ns per hop shown); what 2 MiB\n"
"    mappings change is the TLB's reach, which an emulator without a TLB\n"
"    model shows only in part;\n"
"  - making a buffer ready: a cxltier buffer created with\n"
"    CXLTIER_CREATE_POPULATE (then its first touch, which only maps),\n"
"    against a single-threaded memset of an anonymous mbind mapping, the\n"
"    baseline.\n"
"Each workload runs R times, interleaved with the others; the table shows\n"
"the median and the min/max in GB/s (10^9 bytes/s) and ms, and the median\n"
"against the baseline.  Every buffer's placement is checked.  There is no\n"
"verdict on speed.  Progress goes to stderr.  Without the module (mbind\n"
"backend) the cxltier rows are skipped, saying why.\n"
"\n"
"  --node N              the node (default: the first node with CPUs)\n"
"  --size SIZE           fault-in buffers (default 256M, halved until it fits\n"
"                        the node's free memory with room to spare)\n"
"  --populate-size SIZE  populate and memset buffers (default 1G, same rule)\n"
"  --runs R              runs of each workload (default 5)\n"
"  --quiet               no progress on stderr\n"
"  --json                JSON: every run's time, and the statistics\n"
"\n"
"alloc: small-allocation throughput of a tier_arena (libtier's allocator)\n"
"against glibc malloc, in the same run: each thread frees and allocates\n"
"in a ring of 256 live objects, writing one byte of each, with a fixed\n"
"stream of sizes (log-uniform 16 B to 64 KiB, and 16 B to 256 B), with 1\n"
"and 2 threads.  After a warm-up, each workload runs R times, interleaved;\n"
"the table shows the median and min/max in 10^6 alloc/free pairs per\n"
"second and the median against malloc's.  The arena's placement is checked\n"
"at the end.\n"
"\n"
"  --policy POLICY       the arena's policy (default: bind to the first node\n"
"                        with CPUs)\n"
"  --ops N               alloc/free pairs per thread and run (default 1000000)\n"
"  --threads T           up to T threads, 1 or 2 (default 2)\n"
"  --runs R              runs (default 5)\n"
"  --quiet               no progress on stderr\n"
"  --json                JSON: every run's rate, medians and ratios\n"
"\n"
"migrate: in one run, between node A and node B, side by side: a written\n"
"cxltier buffer with 4 KiB pages moved by CXLTIER_IOC_MIGRATE from A to B\n"
"and back, the same with 2 MiB pages, and an anonymous mapping (4 KiB\n"
"pages) moved by move_pages(2) from A to B and back, the baseline.  Every\n"
"move is checked (all bytes moved, all on the target).  Medians, min/max\n"
"over R runs, GB/s and ms, and the ratio to move_pages in the same\n"
"direction.\n"
"\n"
"  --from N              node A (default: the first node with CPUs)\n"
"  --to N                node B (default: the first CXL node, else another)\n"
"  --size SIZE           bytes moved (default 256M, halved until it fits\n"
"                        twice in both nodes' free memory)\n"
"  --runs R              runs (default 5)\n"
"\n"
"mem: the cost model's tier figures (doc/cost-model.md), per node: CPU\n"
"read and write bandwidth of T threads together over a buffer bound to the\n"
"node (2 MiB pages where they can be had), and the load-to-use latency of\n"
"one thread chasing pointers through a random cycle of the buffer's 64-byte\n"
"lines (at most its first 256M).  Threads are pinned to the CPUs of the\n"
"node's nearest node with CPUs.  Writes are non-temporal stores on x86-64:\n"
"write traffic without read-for-ownership, as the optimizer's writes to\n"
"lines it has just read.  Medians, min/max over R runs; placement checked.\n"
"Each thread times its own share; every run is paired with the same passes\n"
"over a buffer on the threads' own node, and a node more than 2x faster\n"
"than that is reported implausible.  GPU copy figures (dma-h2d, dma-d2h)\n"
"are not measured: they need a GPU.\n"
"\n"
"  --node N              a node, repeatable (default: every node with memory)\n"
"  --size SIZE           buffer per node, a multiple of 2M (default 1G,\n"
"                        halved until it fits the node's free memory)\n"
"  --threads T           threads for the bandwidths (default: every CPU of\n"
"                        the nearest CPU node this process may use)\n"
"  --runs R              runs (default 5)\n"
"  --quiet               no progress on stderr\n"
"  --json                JSON: every run's figures, the statistics\n"
"  --tiers               a tier file for 'tierctl plan --tiers FILE': one\n"
"                        'node ID cpu-read= cpu-write= latency=' line per\n"
"                        node, the medians (also --format table|json|tiers);\n"
"                        refused (exit 1, no file) with fewer than 3 runs or\n"
"                        an implausible figure\n"
"\n"
"adam: libtier's fused AdamW step (doc/optimizer.md) over placed memory:\n"
"for each size, each placement and 1 and 2 processes at once, each process\n"
"its own four fp32 arrays (weights, gradients, both moments) under the\n"
"policy, cut across its threads by the nodes the layout names.  Beside\n"
"each step, in the same process, with the same threads on the same\n"
"buffers, a streaming pass that moves the same 28 bytes per element with\n"
"no arithmetic: STEP/STREAM is the step's share of that bound.  Medians of\n"
"R runs of each process; GB/s of all processes together.\n"
"\n"
"  --size ELEMENTS       tensor elements, repeatable (default: the study's\n"
"                        1.84M to 671M; what does not fit is skipped)\n"
"  --policy POLICY       repeatable (default: each node alone, then the\n"
"                        first DRAM and CXL nodes weighted 1:1 and split)\n"
"  --procs N             only N processes (default: 1, then 2)\n"
"  --threads T           threads per process (default: the CPUs, shared)\n"
"  --simd S              0 the widest path, 1 scalar, 2 AVX2, 3 AVX-512\n"
"  --runs R              runs (default 5)\n"
"  --quiet               no progress on stderr\n"
"  --json                JSON: every run's figures, the medians\n"
"  --tiers FILE          also write, for each node measured alone (bind:N)\n"
"                        at the largest size, its step rate for one and per\n"
"                        process for two processes, as a tier file for\n"
"                        tierctl plan and model (optim=, optim-2p=)\n",
};
