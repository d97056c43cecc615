// SPDX-License-Identifier: GPL-2.0-only
/*
 * tierctl: place buffers on DRAM and CXL NUMA nodes and see where their
 * pages are.  One binary; commands come from the table below.
 */
#include <errno.h>
#include <getopt.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tierctl.h"

#ifndef TIERCTL_VERSION
#error "TIERCTL_VERSION must come from the VERSION file (see tools/Makefile)"
#endif

static int cmd_help(const struct tc_cmd *cmd, int argc, char **argv);
static int cmd_version(const struct tc_cmd *cmd, int argc, char **argv);

static const struct tc_cmd cmds[] = {
	{
		.name = "topo", .fn = cmd_topo,
		.summary = "show the NUMA nodes with memory: tier, zones, sizes, distance",
		.usage = "tierctl topo [--json]",
		.help =
"Lists each online NUMA node with memory: its tier (DRAM, or CXL: no CPUs\n"
"and movable-only or at distance >= 30 from the nearest CPU node), whether\n"
"it has CPUs, its zones, total/free/movable memory, and the nearest node\n"
"with CPUs with its distance.  The first line names the libtier backend.\n"
"With the module: each node's quota (\"max\": none; root sets it in\n"
"/sys/class/misc/cxltier/nodes/nodeN/quota_bytes), and the bytes cxltier\n"
"holds (used) and has reserved there.\n"
"\n"
"  --json    JSON, sizes in exact bytes\n",
	},
	{
		.name = "alloc", .fn = cmd_alloc,
		.summary = "create a buffer, touch every page, show where its pages are",
		.usage = "tierctl alloc {--node N | --policy POLICY} --size SIZE [OPTIONS] [--json]",
		.help =
"Creates a buffer with libtier, maps it, writes a pattern over all of it\n"
"and reads it back, then shows how many bytes are resident on which node,\n"
"each node's share of the buffer (and, for interleave, weighted and split,\n"
"the share the policy asked for), and the bytes spilled off their home\n"
"node.  Fails (exit 1) when the pattern does not read back, pages are\n"
"missing or outside the policy's nodes, a populated buffer was not\n"
"resident before the touch, or (module) pages spilled without fallback.\n"
"\n"
"  --node N          short for --policy bind:N\n"
"  --size SIZE       bytes, with an optional binary suffix: 4096, 64K, 64M, 1G, 1T\n"
"  --policy POLICY   placement (libtier.h has the grammar), e.g.\n"
"                      bind:0            bind:0,1\n"
"                      preferred:2,0     interleave:0,2,chunk=2M\n"
"                      weighted:0=3,2=1  split:0=30%,2=70%   split:0=1,2=2\n"
"  --page-size SIZE  page size, 4K or 2M (the policy's page=)\n"
"  --chunk SIZE      interleave chunk for interleave and weighted (chunk=)\n"
"  --populate        allocate every page at create time (populate)\n"
"  --pinnable        pages that may be pinned in place (pinnable)\n"
"  --fallback        take a page from the other listed nodes when its home\n"
"                    node has none, counted as spilled (fallback)\n"
"  --huge-fallback   4 KiB pages where a 2 MiB one is not free (huge-fallback)\n"
"  --reserve         reserve the size against the nodes' quotas at create,\n"
"                    so no touch fails on a quota (reserve; module only)\n"
"  --hold SECONDS    keep the buffer alive that long before exiting\n"
"  --json            JSON, sizes in exact bytes, shares as fractions\n",
	},
	{
		.name = "bench", .fn = cmd_bench,
		.summary = "benchmarks: fault (first-touch and populate speed), alloc (allocator throughput), migrate, mem (tier figures)",
		.usage = "tierctl bench fault [--node N] [--size SIZE] [--populate-size SIZE] [--runs R] [--quiet] [--json] | alloc [--policy POLICY] [--ops N] [--threads T] [--runs R] [--quiet] [--json] | migrate [--from N] [--to N] [--size SIZE] [--runs R] [--quiet] [--json] | mem [--node N]... [--size SIZE] [--threads T] [--runs R] [--quiet] [--json | --tiers]",
		.help =
"fault: in one run, on one node, side by side:\n"
"  - first-touch fault-in (one write per 4 KiB page) of a cxltier buffer\n"
"    with 4 KiB pages, one with 2 MiB pages, and an anonymous mapping bound\n"
"    with mbind(MPOL_BIND) (4 KiB pages: MADV_NOHUGEPAGE), the baseline;\n"
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
"alloc: small-allocation throughput of a tier_pool (libtier's allocator)\n"
"against glibc malloc, in the same run: each thread frees and allocates\n"
"in a ring of 256 live objects, writing one byte of each, with a fixed\n"
"stream of sizes (log-uniform 16 B to 64 KiB, and 16 B to 256 B), with 1\n"
"and 2 threads.  After a warm-up, each workload runs R times, interleaved;\n"
"the table shows the median and min/max in 10^6 alloc/free pairs per\n"
"second and the median against malloc's.  The pool's placement is checked\n"
"at the end.\n"
"\n"
"  --policy POLICY       the pool's policy (default: bind to the first node\n"
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
"GPU copy figures (dma-h2d, dma-d2h) are not measured: they need a GPU.\n"
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
"                        node, the medians (also --format table|json|tiers)\n",
	},
	{
		.name = "run", .fn = cmd_run,
		.summary = "run a program with its large allocations on cxltier (transparent mode)",
		.usage = "tierctl run --policy POLICY [--threshold BYTES] [--strict] [--report] -- CMD [ARGS...]",
		.help =
"Runs CMD unchanged, with every malloc, calloc, realloc, posix_memalign,\n"
"aligned_alloc, memalign, valloc and pvalloc of at least BYTES served by a\n"
"libtier pool under POLICY (LD_PRELOAD of libtier-preload.so); smaller ones\n"
"go to the program's malloc as before.  free() and realloc() route by\n"
"address.  The policy is tried first, so a bad one fails here.  The exit\n"
"status is CMD's; 127 when CMD is not found, 126 when it cannot run.\n"
"\n"
"  --policy POLICY    placement (libtier.h has the grammar), e.g. bind:2,\n"
"                     interleave:2,3,chunk=2M, split:0=25%,2=75%\n"
"  --threshold BYTES  smallest allocation served by cxltier (default 1M)\n"
"  --strict           a large allocation cxltier cannot serve fails (NULL,\n"
"                     ENOMEM) instead of falling back to malloc\n"
"  --report           at exit, one line on stderr: allocations served,\n"
"                     fallbacks, bytes resident per node\n"
"\n"
"With fork() without exec, a child shares its parent's large allocations\n"
"(the memory is MAP_SHARED); it never allocates from the parent's slabs.\n"
"Each large allocation holds a file descriptor while it lives.\n",
	},
	{
		.name = "plan", .fn = cmd_plan,
		.summary = "place a training step's tensor classes: four strategies side by side",
		.usage = "tierctl plan WORKLOAD [HOST] [--strategy NAME]... [--json]",
		.help =
"Places each tensor class of a workload on the host's nodes with four\n"
"strategies and predicts each one's step time with the cost model\n"
"(doc/cost-model.md): dram-only (when it fits), interleave (every class\n"
"page-interleaved over all nodes), greedy (the study's latency-first\n"
"greedy, as published) and cxltier (the model's optimum: exact split and\n"
"weighted fractions, copy direction, pinned classes on pinnable nodes).\n"
"Shows the strategies side by side, then each one's policy and bytes per\n"
"node for every class.  Policies are libtier policy strings.\n"
"\n"
"Workload, one of:\n"
"  --model NAME          qwen2.5-7b, mistral-nemo-12b\n"
"  --params P --layers L --hidden H   any other transformer (P: 7.6G or digits)\n"
"  --classes FILE        tensor classes given directly (format below)\n"
"and for a model:\n"
"  --batch B             micro-batch per GPU (default 1)\n"
"  --seq S               sequence length (default 4096)\n"
"  --optimizer adam|lion (default adam)\n"
"  --grad-accum A        micro-steps per optimizer step (default 1)\n"
"  --gpus G              GPUs (default 1; also for --classes)\n"
"\n"
"Host: this host's topology (capacity: free memory) with the study host's\n"
"figures per tier, unless described:\n"
"  --dram SIZE           DRAM on node 0 (local, with the CPUs)\n"
"  --cxl SIZE            CXL memory in all, split over --cxl-nodes\n"
"  --cxl-nodes N         CXL add-in cards, nodes 1..N (default 1)\n"
"  --cxl-movable         CXL memory is movable-only: nothing pinned there\n"
"  --tiers FILE          change or add nodes and host figures (format below)\n"
"  --gpu-tflops T        GPU compute per GPU (default 0: not modelled)\n"
"  --cpu-max GBPS        most memory traffic the cores drive (default: none)\n"
"\n"
"  --strategy NAME       only these (repeatable)\n"
"  --json                JSON: host, workload, and per strategy its\n"
"                        prediction, policies and bytes per node\n"
"\n"
"Class file, one line each ('#' comments; sizes like 4096, 64K, 1.5G):\n"
"  class NAME bytes=SIZE [cpu-read=SIZE] [cpu-write=SIZE] [h2d=SIZE] [d2h=SIZE]\n"
"             [pinned] [policy=POLICY]      (per step; h2d/d2h all GPUs)\n"
"  gpus N\n"
"  gpu-flops FLOPS\n"
"Tier file, one line each (bandwidths in GB/s; 'tierctl bench mem --tiers'\n"
"measures this host's cpu-read, cpu-write and latency):\n"
"  node ID [dram|cxl] [capacity=SIZE] [cpu-read=] [cpu-write=] [dma-h2d=]\n"
"          [dma-d2h=] [latency=NS] [local] [movable]\n"
"  host [link-h2d=] [link-d2h=] [llc=SIZE] [llc-bw=] [llc-miss=FRACTION]\n"
"       [overhead=SECONDS] [gpu-tflops=] [cpu-max=]\n",
	},
	{
		.name = "model", .fn = cmd_model,
		.summary = "predict a step for placements given by hand (\"what if\")",
		.usage = "tierctl model WORKLOAD [HOST] --place CLASS=POLICY... [--json]",
		.help =
"Predicts, with the cost model (doc/cost-model.md), the optimizer step's\n"
"CPU time, each class's copy bandwidth per GPU in each direction and the\n"
"step time, for a placement of every class given as a libtier policy\n"
"(bind, interleave, weighted, split, preferred: each reduced to its bytes\n"
"per node as the module lays them out).  Workload and host options are\n"
"those of 'tierctl plan'.\n"
"\n"
"  --place CLASS=POLICY  a class's placement, e.g. adam-m=split:0=70%,2=30%\n"
"  --place '*=POLICY'    every class not placed otherwise\n"
"                        (a class file's policy= places its class too)\n"
"  --json                JSON\n",
	},
	{
		.name = "migrate", .fn = cmd_migrate,
		.summary = "move a live buffer of one of your processes to a new policy",
		.usage = "tierctl migrate --buffer ID --policy POLICY [--rate BYTES/s] [--async] [--split-huge] [--pid PID] [--quiet] [--json]",
		.help =
"Gives the cxltier buffer ID (BUF_STAT's id, as tierctl alloc prints it)\n"
"a new policy and moves its pages to match while its owner keeps using it\n"
"(CXLTIER_IOC_MIGRATE).  The buffer is found among the open files of your\n"
"processes (root: all processes) and taken with pidfd_getfd(2), which\n"
"needs ptrace rights over the holder.  Prints the pages and bytes moved,\n"
"skipped (long-term pinned: they stay) and failed (no memory on the\n"
"target, or busy), and the time.  Exit status 1 when the migration could\n"
"not start or was interrupted (Ctrl-C stops it between 2 MiB batches; the\n"
"new policy stays, so running it again finishes the job).\n"
"\n"
"  --buffer ID       the buffer's id\n"
"  --policy POLICY   the new placement, as for tierctl alloc (page= and the\n"
"                    flags cannot change and may be left out)\n"
"  --rate BYTES/s    at most this many bytes per second, e.g. 100M\n"
"  --async           start it and return; BUF_STAT and poll() report the end\n"
"  --split-huge      2 MiB units may move as 4 KiB pages when the target has\n"
"                    no free 2 MiB block (else they are counted as failed)\n"
"  --pid PID         look only in this process\n"
"  --quiet           no progress on stderr (shown on a terminal only)\n"
"  --json            JSON, sizes in exact bytes\n",
	},
	{
		.name = "pool", .fn = cmd_pool,
		.summary = "device-dax pools: add, list, remove",
		.usage = "tierctl pool {add DAX | list [--json] | remove DAX}",
		.help =
"Device memory left in devdax mode (CXL memory not onlined as system RAM)\n"
"can be owned by cxltier as a pool of pages that can be pinned in place\n"
"and never move.  A policy names a pool by naming its target node, e.g.\n"
"`tierctl alloc --policy bind:4 --size 64M`.  Adding and removing need root.\n"
"\n"
"  add DAX      disable the dax device DAX (as `daxctl disable-device`)\n"
"               and claim its range; it must be in devdax mode\n"
"  list         pools: size, free bytes, largest free run, wholly free\n"
"               2 MiB blocks, pages used by buffers, busy (released but\n"
"               still pinned) and pinned\n"
"  remove DAX   give the range back and enable the dax device again;\n"
"               refused while any page is in use\n"
"  --json       JSON, sizes in exact bytes\n",
	},
	{
		.name = "get", .fn = cmd_get,
		.summary = "show the module's tunables and per-node counters (sysfs)",
		.usage = "tierctl get [KEY] [--json]",
		.help =
"Prints KEY's value, or with no KEY a table of every key, its value and\n"
"whether root may set it.  Keys (uapi/linux/cxltier.h and\n"
"doc/ABI/testing/sysfs-class-misc-cxltier describe them):\n"
"\n"
"  default_policy          policy of CXLTIER_CREATE_DEFAULT_POLICY: \"none\"\n"
"                          or \"MODE NODES\", e.g. \"bind 2\", \"weighted 0:3,2:1\"\n"
"  default_page_size       page size of a create with page_shift 0 (bytes)\n"
"  low_free_percent        node-low-free event threshold, 0 (off) to 100\n"
"  node.N.quota_bytes      node N's quota, bytes or \"max\"\n"
"  node.N.used_bytes, node.N.reserved_bytes, node.N.tier (read-only)\n"
"  node.N.alloc_pages, node.N.spill_pages, node.N.migrate_in_pages,\n"
"  node.N.migrate_out_pages, node.N.fault_failures\n"
"                          counters since the module was loaded (read-only)\n"
"\n"
"  --json    JSON; numbers as numbers\n",
	},
	{
		.name = "set", .fn = cmd_set,
		.summary = "set a module tunable or a node's quota (sysfs, root)",
		.usage = "tierctl set KEY VALUE",
		.help =
"Writes VALUE to KEY's sysfs file (see `tierctl help get` for the keys):\n"
"default_policy, default_page_size, low_free_percent, node.N.quota_bytes.\n"
"The module checks the value; one it refuses changes nothing and is\n"
"reported with what the key expects.  Needs root.\n"
"\n"
"  tierctl set default_policy \"weighted 0:3,2:1\"\n"
"  tierctl set default_page_size 2097152\n"
"  tierctl set node.2.quota_bytes 1073741824\n",
	},
	{
		.name = "stat", .fn = cmd_stat,
		.summary = "cxltier buffers and per-node figures, from the module",
		.usage = "tierctl stat [--buffers] [--nodes] [--pid PID] [--json]",
		.help =
"Asks the cxltier module (its generic netlink family) for every live\n"
"buffer you may see (root, CAP_SYS_ADMIN: all; others: their own) and\n"
"for each node's figures.  Buffers: id, creator pid and uid, size, mode,\n"
"policy, bytes resident per node (NODE:SIZE), bytes spilled off their\n"
"home node, migrations started.  Nodes: tier, total and free memory,\n"
"quota (\"max\": none), bytes cxltier uses and has reserved, device-dax\n"
"pool capacity, and the counters since the module was loaded, in base\n"
"pages: allocated, spilled, migrated in and out, failed faults.  The\n"
"figures are those CXLTIER_IOC_BUF_STAT and the sysfs files give.\n"
"\n"
"  --buffers   only the buffers\n"
"  --nodes     only the nodes\n"
"  --pid PID   only the buffers created by process PID\n"
"  --json      JSON, sizes in exact bytes\n",
	},
	{
		.name = "monitor", .fn = cmd_monitor,
		.summary = "print the module's events as they happen",
		.usage = "tierctl monitor [--count N] [--timeout SEC] [--json]",
		.help =
"Listens on the cxltier module's \"events\" multicast group and prints\n"
"one line per event with its UTC time and the fields it carries\n"
"(<linux/cxltier.h> lists them): spill (a buffer placed a unit off its\n"
"home node for the first time), quota-refused, migrate-done, node-online,\n"
"node-offline, node-low-free (below low_free_percent), pool-added,\n"
"pool-removed.  When events come faster than they are read, a \"lost\"\n"
"line says some were dropped and listening goes on.  Anyone may listen;\n"
"the events name buffer ids, pids and uids as /proc does.  Ends on\n"
"Ctrl-C, after N events or SEC seconds (exit status 0).\n"
"\n"
"  --count N       exit after N events\n"
"  --timeout SEC   exit after SEC seconds\n"
"  --json          one JSON object per line, the same fields\n",
	},
	{
		.name = "help", .fn = cmd_help,
		.summary = "show the commands, or one command's options",
		.usage = "tierctl help [COMMAND]",
		.help = "",
	},
	{
		.name = "version", .fn = cmd_version,
		.summary = "show the versions of tierctl, libtier and the cxltier API",
		.usage = "tierctl version",
		.help = "",
	},
};

#define NR_CMDS	(sizeof(cmds) / sizeof(cmds[0]))

static const struct tc_cmd *find_cmd(const char *name)
{
	size_t i;

	for (i = 0; i < NR_CMDS; i++)
		if (!strcmp(cmds[i].name, name))
			return &cmds[i];
	return NULL;
}

void tc_error(const struct tc_cmd *cmd, const char *what, int err)
{
	fprintf(stderr, "tierctl %s: %s: %s\n", cmd->name, what,
		strerror(err < 0 ? -err : err));
}

void tc_errorf(const struct tc_cmd *cmd, const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "tierctl %s: ", cmd->name);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

void tc_usage(const struct tc_cmd *cmd, int to_stdout)
{
	FILE *f = to_stdout ? stdout : stderr;

	fprintf(f, "usage: %s\n", cmd->usage);
	if (to_stdout && cmd->help[0])
		fprintf(f, "\n%s", cmd->help);
}

int tc_bad_option(const struct tc_cmd *cmd, char **argv, int c)
{
	tc_errorf(cmd, "option '%s': %s", argv[optind - 1],
		  c == ':' ? "missing argument" : "unknown option");
	tc_usage(cmd, 0);
	return 1;
}

int tc_other_option(const struct tc_cmd *cmd, char **argv, int c)
{
	if (c == 'h') {
		tc_usage(cmd, 1);
		return 0;
	}
	return tc_bad_option(cmd, argv, c);
}

int tc_json_only_options(const struct tc_cmd *cmd, int argc, char **argv,
			 bool *json)
{
	static const struct option opts[] = {
		{ "json", no_argument, NULL, 'j' },
		TC_OPTS_END,
	};
	int c;

	*json = false;
	optind = 1;
	while ((c = getopt_long(argc, argv, ":h", opts, NULL)) != -1) {
		if (c != 'j')
			return tc_other_option(cmd, argv, c);
		*json = true;
	}
	return -1;
}

int tc_extra_args(const struct tc_cmd *cmd, int argc, char **argv)
{
	if (optind >= argc)
		return 0;
	tc_errorf(cmd, "%s: unexpected argument", argv[optind]);
	tc_usage(cmd, 0);
	return 1;
}

int tc_parse_policy(const struct tc_cmd *cmd, const char *what,
		    const char *arg, struct tier_policy *p, char *canon,
		    size_t len)
{
	int err = tier_policy_parse(arg, p);

	if (err) {
		tc_errorf(cmd, "%s %s: %s", what, arg, strerror(-err));
		return 1;
	}
	if (canon) {
		/* @canon may be @arg */
		char tmp[TIER_POLICY_STRLEN];

		if (tier_policy_format(p, tmp, sizeof(tmp)) >= 0)
			snprintf(canon, len, "%s", tmp);
		else if (canon != arg)
			snprintf(canon, len, "%s", arg);
	}
	return 0;
}

int tc_open(const struct tc_cmd *cmd, struct tier_ctx **ctx)
{
	int err = tier_open(ctx, 0);

	if (err) {
		if (err == -EINVAL && getenv("LIBTIER_BACKEND"))
			tc_errorf(cmd, "open libtier: LIBTIER_BACKEND=%s: %s",
				  getenv("LIBTIER_BACKEND"), strerror(-err));
		else if (err == -ENOENT || err == -ENODEV || err == -ENXIO)
			tc_errorf(cmd, "open %s: %s (is the cxltier module loaded?)",
				  CXLTIER_DEVICE_PATH, strerror(-err));
		else
			tc_error(cmd, "open libtier", err);
		return 1;
	}
	return 0;
}

void tc_print_backend(FILE *f, const struct tier_ctx *ctx)
{
	int merr = tier_module_error(ctx);

	fprintf(f, "backend: %s", tier_backend_name(ctx));
	if (tier_backend(ctx) == TIER_BACKEND_MODULE) {
		struct tier_info info;

		tier_get_info(ctx, &info);
		fprintf(f, " (%s, API %u)", CXLTIER_DEVICE_PATH, info.api_version);
	} else if (merr) {
		fprintf(f, " (fallback: %s: %s)", CXLTIER_DEVICE_PATH,
			strerror(-merr));
	}
	fputc('\n', f);
}

void tc_json_backend(struct json *j, const struct tier_ctx *ctx)
{
	int merr = tier_module_error(ctx);
	struct tier_info info;

	tier_get_info(ctx, &info);
	json_str(j, "backend", tier_backend_name(ctx));
	if (tier_backend(ctx) == TIER_BACKEND_MODULE)
		json_u64(j, "api_version", info.api_version);
	else
		json_null(j, "api_version");
	json_str(j, "module_error", merr ? strerror(-merr) : NULL);
}

const char *tc_mode_name(uint32_t mode)
{
	static const char *const names[] = {
		[CXLTIER_MODE_BIND] = "bind",
		[CXLTIER_MODE_PREFERRED] = "preferred",
		[CXLTIER_MODE_INTERLEAVE] = "interleave",
		[CXLTIER_MODE_WEIGHTED] = "weighted",
		[CXLTIER_MODE_SPLIT] = "split",
	};

	return mode < sizeof(names) / sizeof(names[0]) ? names[mode] : "?";
}

const char *tc_tier_name(unsigned int tier)
{
	switch (tier) {
	case CXLTIER_TIER_DRAM:	return "DRAM";
	case CXLTIER_TIER_CXL:	return "CXL";
	default:		return "?";
	}
}

static void print_commands(FILE *f)
{
	size_t i;

	fprintf(f, "usage: tierctl COMMAND [OPTIONS]\n\ncommands:\n");
	for (i = 0; i < NR_CMDS; i++)
		fprintf(f, "  %-8s %s\n", cmds[i].name, cmds[i].summary);
	fprintf(f, "\nRun 'tierctl help COMMAND' for a command's options.\n");
}

static int cmd_help(const struct tc_cmd *cmd, int argc, char **argv)
{
	const struct tc_cmd *c;

	if (argc > 2) {
		tc_usage(cmd, 0);
		return 1;
	}
	if (argc < 2) {
		print_commands(stdout);
		return 0;
	}
	c = find_cmd(argv[1]);
	if (!c) {
		tc_errorf(cmd, "%s: unknown command", argv[1]);
		return 1;
	}
	tc_usage(c, 1);
	return 0;
}

static int cmd_version(const struct tc_cmd *cmd, int argc, char **argv)
{
	(void)argv;
	if (argc > 1) {
		tc_usage(cmd, 0);
		return 1;
	}
	printf("tierctl %s, libtier %s, cxltier API %d\n", TIERCTL_VERSION,
	       tier_version(), CXLTIER_API_VERSION);
	return 0;
}

int main(int argc, char **argv)
{
	const struct tc_cmd *cmd;

	if (argc < 2) {
		print_commands(stderr);
		return 1;
	}
	if (!strcmp(argv[1], "-h") || !strcmp(argv[1], "--help")) {
		print_commands(stdout);
		return 0;
	}
	if (!strcmp(argv[1], "--version"))
		return cmd_version(find_cmd("version"), 1, argv + 1);
	cmd = find_cmd(argv[1]);
	if (!cmd) {
		fprintf(stderr, "tierctl: %s: unknown command (see 'tierctl help')\n",
			argv[1]);
		return 1;
	}
	return cmd->fn(cmd, argc - 1, argv + 1) ? 1 : 0;
}
