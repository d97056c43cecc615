// SPDX-License-Identifier: GPL-2.0-only
/* tierctl topo: the node table. */
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "table.h"
#include "tierctl.h"
#include "util.h"

static const struct {
	unsigned int bit;
	const char *name;
} zone_names[] = {
	{ CXLTIER_ZONE_DMA, "DMA" },
	{ CXLTIER_ZONE_DMA32, "DMA32" },
	{ CXLTIER_ZONE_NORMAL, "Normal" },
	{ CXLTIER_ZONE_MOVABLE, "Movable" },
};

#define NR_ZONES	(sizeof(zone_names) / sizeof(zone_names[0]))

/* "DMA,DMA32,Normal"; "-" for none. */
static const char *zones_str(unsigned int zones, char *buf, size_t len)
{
	size_t i, pos = 0;

	buf[0] = '\0';
	for (i = 0; i < NR_ZONES; i++)
		if (zones & zone_names[i].bit)
			pos += (size_t)snprintf(buf + pos, pos < len ? len - pos : 0,
						"%s%s", pos ? "," : "",
						zone_names[i].name);
	return buf[0] ? buf : "-";
}

/*
 * "quota": {"quota_bytes": N or null (unlimited), "used_bytes": N,
 * "reserved_bytes": N}, or null where the backend has no quotas (mbind)
 * or they cannot be read.
 */
static void topo_json_quota(struct json *j, const struct tier_ctx *ctx,
			    unsigned int node)
{
	struct tier_quota q;

	if (tier_node_quota(ctx, (int)node, &q)) {
		json_null(j, "quota");
		return;
	}
	json_obj_open(j, "quota");
	if (q.quota_bytes == TIER_QUOTA_UNLIMITED)
		json_null(j, "quota_bytes");
	else
		json_u64(j, "quota_bytes", q.quota_bytes);
	json_u64(j, "used_bytes", q.used_bytes);
	json_u64(j, "reserved_bytes", q.reserved_bytes);
	json_obj_close(j);
}

static void topo_json(const struct tier_ctx *ctx)
{
	struct json j;
	int i, nr = tier_nr_nodes(ctx);
	size_t z;

	json_init(&j, stdout);
	json_obj_open(&j, NULL);
	tc_json_backend(&j, ctx);
	json_arr_open(&j, "nodes");
	for (i = 0; i < nr; i++) {
		struct tier_node n;

		if (tier_node(ctx, i, &n))
			continue;
		json_obj_open(&j, NULL);
		json_u64(&j, "node", n.node);
		json_str(&j, "tier", tc_tier_name(n.tier));
		json_bool(&j, "cpus", n.flags & CXLTIER_NODE_HAS_CPUS);
		json_bool(&j, "movable_only", n.flags & CXLTIER_NODE_MOVABLE_ONLY);
		json_arr_open(&j, "zones");
		for (z = 0; z < NR_ZONES; z++)
			if (n.zones & zone_names[z].bit)
				json_str(&j, NULL, zone_names[z].name);
		json_arr_close(&j);
		json_u64(&j, "total_bytes", n.total_bytes);
		json_u64(&j, "free_bytes", n.free_bytes);
		json_u64(&j, "movable_bytes", n.movable_bytes);
		json_u64(&j, "nearest_cpu_node", n.nearest_cpu_node);
		json_u64(&j, "distance", n.distance);
		topo_json_quota(&j, ctx, n.node);
		json_obj_close(&j);
	}
	json_arr_close(&j);
	json_obj_close(&j);
}

static int topo_table(const struct tc_cmd *cmd, const struct tier_ctx *ctx)
{
	static const char *const hdr[] = {
		"NODE", "TIER", "CPUS", "ZONES", "TOTAL", "FREE", "MOVABLE",
		"NEAREST", "DISTANCE", "QUOTA", "USED", "RESERVED",
	};
	char s1[SIZE_STRLEN], s2[SIZE_STRLEN], s3[SIZE_STRLEN], zs[64];
	/* quotas are the module's: the mbind backend shows none */
	unsigned int cols = tier_backend(ctx) == TIER_BACKEND_MODULE ? 12 : 9;
	struct table t;
	int i, nr = tier_nr_nodes(ctx);

	table_init(&t, cols, hdr, TABLE_RIGHT(0) | TABLE_RIGHT(4) |
		   TABLE_RIGHT(5) | TABLE_RIGHT(6) | TABLE_RIGHT(7) |
		   TABLE_RIGHT(8) | TABLE_RIGHT(9) | TABLE_RIGHT(10) |
		   TABLE_RIGHT(11));
	for (i = 0; i < nr; i++) {
		struct tier_node n;

		if (tier_node(ctx, i, &n))
			continue;
		table_add(&t, "%u", n.node);
		table_add(&t, "%s", tc_tier_name(n.tier));
		table_add(&t, "%s", n.flags & CXLTIER_NODE_HAS_CPUS ? "yes" : "no");
		table_add(&t, "%s", zones_str(n.zones, zs, sizeof(zs)));
		table_add(&t, "%s", format_size(n.total_bytes, s1, sizeof(s1)));
		table_add(&t, "%s", format_size(n.free_bytes, s2, sizeof(s2)));
		table_add(&t, "%s", format_size(n.movable_bytes, s3, sizeof(s3)));
		table_add(&t, "%u", n.nearest_cpu_node);
		table_add(&t, "%u", n.distance);
		if (cols > 9) {
			struct tier_quota q;

			if (tier_node_quota(ctx, (int)n.node, &q)) {
				table_add(&t, "?");
				table_add(&t, "?");
				table_add(&t, "?");
				continue;
			}
			if (q.quota_bytes == TIER_QUOTA_UNLIMITED)
				table_add(&t, "max");
			else
				table_add(&t, "%s", format_size(q.quota_bytes,
								s1, sizeof(s1)));
			table_add(&t, "%s", format_size(q.used_bytes, s2,
							sizeof(s2)));
			table_add(&t, "%s", format_size(q.reserved_bytes, s3,
							sizeof(s3)));
		}
	}
	tc_print_backend(stdout, ctx);
	return tc_print_table(cmd, &t);
}

static int topo_run(const struct tc_cmd *cmd, int argc, char **argv)
{
	struct tier_ctx *ctx;
	bool json;
	int ret;

	ret = tc_json_only_options(cmd, argc, argv, &json);
	if (ret >= 0)
		return ret;
	if (tc_extra_args(cmd, argc, argv))
		return 1;
	if (tc_open(cmd, &ctx))
		return 1;
	if (json) {
		topo_json(ctx);
		ret = 0;
	} else {
		ret = topo_table(cmd, ctx);
	}
	tier_close(ctx);
	return ret;
}

const struct tc_cmd cmd_topo = {
	.name = "topo", .run = topo_run, .opts = tc_json_opts,
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
};
