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
		.summary = "benchmarks: fault (first-touch and populate speed)",
		.usage = "tierctl bench fault [--node N] [--size SIZE] [--populate-size SIZE] [--runs R] [--quiet] [--json]",
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
"  --json                JSON: every run's time, and the statistics\n",
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
