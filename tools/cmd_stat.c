// SPDX-License-Identifier: GPL-2.0-only
/*
 * tierctl stat: every cxltier buffer the caller may see and every node's
 * figures, from the module's generic netlink family.
 */
#include <errno.h>
#include <getopt.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "json.h"
#include "table.h"
#include "tierctl.h"
#include "util.h"

static const char *stat_tier_name(uint32_t tier)
{
	return tier == TIER_NL_TIER_NONE ? "none" : tc_tier_name(tier);
}

/* The policy as tierctl alloc --policy takes it, or "?" */
static void policy_str(const struct tier_nl_buf *b, char *s, size_t len)
{
	if (tier_policy_format(&b->policy, s, len) < 0)
		snprintf(s, len, "?");
}

static void buffers_json(struct json *j, const struct tier_nl_buf *b, int nr)
{
	static const struct json_field head[] = {
		JSON_UINT(tier_nl_buf, id), JSON_UINT(tier_nl_buf, pid),
		JSON_UINT(tier_nl_buf, uid), JSON_UINT(tier_nl_buf, length),
	};
	static const struct json_field migration[] = {
		JSON_UINT(tier_nl_buf, spilled_bytes),
		JSON_UINT_AS("migrations", tier_nl_buf, migrate_seq),
		JSON_UINT(tier_nl_buf, migrate_state),
	};
	static const struct json_field moved[] = {
		JSON_UINT(tier_nl_buf, migrate_moved_bytes),
		JSON_UINT(tier_nl_buf, migrate_skipped_bytes),
		JSON_UINT(tier_nl_buf, migrate_failed_bytes),
		JSON_UINT(tier_nl_buf, pmd_map_faults),
		JSON_UINT(tier_nl_buf, pte_map_faults),
		JSON_UINT(tier_nl_buf, split_units),
		JSON_UINT(tier_nl_buf, pmd_mapped_units),
	};
	char pol[TIER_POLICY_STRLEN];
	int i;
	uint32_t k;

	json_arr_open(j, "buffers");
	for (i = 0; i < nr; i++) {
		policy_str(&b[i], pol, sizeof(pol));
		json_obj_open(j, NULL);
		JSON_FIELDS(j, &b[i], head);
		json_str(j, "mode", tc_mode_name(b[i].policy.mode));
		json_str(j, "policy", pol);
		json_u64(j, "page_size", 1ULL << b[i].policy.page_shift);
		json_u64(j, "create_flags", b[i].policy.flags);
		json_u64(j, "resident_bytes", b[i].resident_bytes);
		json_arr_open(j, "resident");
		for (k = 0; k < b[i].nr_resident; k++) {
			json_obj_open(j, NULL);
			json_u64(j, "node", b[i].resident[k].node);
			json_u64(j, "bytes", b[i].resident[k].bytes);
			json_obj_close(j);
		}
		json_arr_close(j);
		JSON_FIELDS(j, &b[i], migration);
		json_i64(j, "migrate_error", b[i].migrate_error);
		JSON_FIELDS(j, &b[i], moved);
		json_obj_close(j);
	}
	json_arr_close(j);
}

static void nodes_json(struct json *j, const struct tier_nl_node *n, int nr)
{
	static const struct json_field memory[] = {
		JSON_UINT(tier_nl_node, total_bytes),
		JSON_UINT(tier_nl_node, free_bytes),
	};
	static const struct json_field held[] = {	/* and counters */
		JSON_UINT(tier_nl_node, used_bytes),
		JSON_UINT(tier_nl_node, reserved_bytes),
		JSON_UINT(tier_nl_node, pool_bytes),
		JSON_UINT(tier_nl_node, alloc_pages),
		JSON_UINT(tier_nl_node, spill_pages),
		JSON_UINT(tier_nl_node, migrate_in_pages),
		JSON_UINT(tier_nl_node, migrate_out_pages),
		JSON_UINT(tier_nl_node, fault_failures),
	};
	int i;

	json_arr_open(j, "nodes");
	for (i = 0; i < nr; i++) {
		json_obj_open(j, NULL);
		json_u64(j, "node", n[i].node);
		json_str(j, "tier", n[i].tier == TIER_NL_TIER_NONE ? NULL :
			 tc_tier_name(n[i].tier));
		JSON_FIELDS(j, &n[i], memory);
		if (n[i].quota_bytes == TIER_QUOTA_UNLIMITED)
			json_null(j, "quota_bytes");
		else
			json_u64(j, "quota_bytes", n[i].quota_bytes);
		JSON_FIELDS(j, &n[i], held);
		json_obj_close(j);
	}
	json_arr_close(j);
}

static int buffers_table(const struct tier_nl_buf *b, int nr)
{
	static const char *const hdr[] = {
		"ID", "PID", "UID", "SIZE", "MODE", "POLICY", "RESIDENT",
		"SPILLED", "MIGRATIONS",
	};
	char pol[TIER_POLICY_STRLEN], s1[SIZE_STRLEN], s2[SIZE_STRLEN];
	struct table t;
	int i, err;

	table_init(&t, 9, hdr, TABLE_RIGHT(0) | TABLE_RIGHT(1) | TABLE_RIGHT(2) |
		   TABLE_RIGHT(3) | TABLE_RIGHT(7) | TABLE_RIGHT(8));
	for (i = 0; i < nr; i++) {
		char res[512] = "";
		size_t off = 0;
		uint32_t k;

		for (k = 0; k < b[i].nr_resident && off < sizeof(res); k++)
			off += (size_t)snprintf(res + off, sizeof(res) - off, "%s%u:%s",
						k ? "," : "", b[i].resident[k].node,
						format_size(b[i].resident[k].bytes,
							    s1, sizeof(s1)));
		policy_str(&b[i], pol, sizeof(pol));
		table_add(&t, "%llu", (unsigned long long)b[i].id);
		table_add(&t, "%u", b[i].pid);
		table_add(&t, "%u", b[i].uid);
		table_add(&t, "%s", format_size(b[i].length, s1, sizeof(s1)));
		table_add(&t, "%s", tc_mode_name(b[i].policy.mode));
		table_add(&t, "%s", pol);
		table_add(&t, "%s", res[0] ? res : "-");
		table_add(&t, "%s", format_size(b[i].spilled_bytes, s2, sizeof(s2)));
		table_add(&t, "%llu", (unsigned long long)b[i].migrate_seq);
	}
	err = table_print(&t, stdout);
	table_free(&t);
	return err;
}

static int nodes_table(const struct tier_nl_node *n, int nr)
{
	static const char *const hdr[] = {
		"NODE", "TIER", "TOTAL", "FREE", "QUOTA", "USED", "RESERVED",
		"POOL", "ALLOC", "SPILL", "MIG-IN", "MIG-OUT", "FAULT-FAIL",
	};
	char s[6][SIZE_STRLEN];
	struct table t;
	int i, err;

	table_init(&t, 13, hdr, ~TABLE_RIGHT(1) & ((1U << 13) - 1));
	for (i = 0; i < nr; i++) {
		table_add(&t, "%u", n[i].node);
		table_add(&t, "%s", stat_tier_name(n[i].tier));
		table_add(&t, "%s", format_size(n[i].total_bytes, s[0], SIZE_STRLEN));
		table_add(&t, "%s", format_size(n[i].free_bytes, s[1], SIZE_STRLEN));
		table_add(&t, "%s", n[i].quota_bytes == TIER_QUOTA_UNLIMITED ? "max" :
			  format_size(n[i].quota_bytes, s[2], SIZE_STRLEN));
		table_add(&t, "%s", format_size(n[i].used_bytes, s[3], SIZE_STRLEN));
		table_add(&t, "%s", format_size(n[i].reserved_bytes, s[4], SIZE_STRLEN));
		table_add(&t, "%s", format_size(n[i].pool_bytes, s[5], SIZE_STRLEN));
		table_add(&t, "%llu", (unsigned long long)n[i].alloc_pages);
		table_add(&t, "%llu", (unsigned long long)n[i].spill_pages);
		table_add(&t, "%llu", (unsigned long long)n[i].migrate_in_pages);
		table_add(&t, "%llu", (unsigned long long)n[i].migrate_out_pages);
		table_add(&t, "%llu", (unsigned long long)n[i].fault_failures);
	}
	err = table_print(&t, stdout);
	table_free(&t);
	return err;
}

enum { OPT_JSON = 256, OPT_BUFFERS, OPT_NODES, OPT_PID };

static const struct option stat_opts[] = {
	{ "json", no_argument, NULL, OPT_JSON },
	{ "buffers", no_argument, NULL, OPT_BUFFERS },
	{ "nodes", no_argument, NULL, OPT_NODES },
	{ "pid", required_argument, NULL, OPT_PID },
	TC_OPTS_END,
};

static int stat_run(const struct tc_cmd *cmd, int argc, char **argv)
{
	bool json = false, want_bufs = false, want_nodes = false, pid_set = false;
	struct tier_nl_buf *bufs = NULL;
	struct tier_nl_node *nodes = NULL;
	int nbufs = 0, nnodes = 0, c, err, i, kept, ret = 1;
	struct tier_nl *nl = NULL;
	uint64_t pid = 0;

	optind = 1;
	while ((c = tc_getopt(cmd, argc, argv)) != -1) {
		switch (c) {
		case OPT_JSON:		json = true; break;
		case OPT_BUFFERS:	want_bufs = true; break;
		case OPT_NODES:		want_nodes = true; break;
		case OPT_PID:
			err = parse_uint(optarg, UINT32_MAX, &pid);
			if (err) {
				tc_errorf(cmd, "--pid %s: %s", optarg,
					  err == -ERANGE ? "too large" : "not a process id");
				return 1;
			}
			pid_set = true;
			break;
		default:
			return tc_other_option(cmd, argv, c);
		}
	}
	if (tc_extra_args(cmd, argc, argv))
		return 1;
	if (!want_bufs && !want_nodes)
		want_bufs = want_nodes = true;
	if (pid_set && !want_bufs) {
		tc_errorf(cmd, "--pid selects buffers; it does not go with --nodes alone");
		return 1;
	}

	err = tier_nl_open(&nl, 0);
	if (err) {
		tc_errorf_err(cmd, err, "%s", tier_nl_strerror(err));
		return 1;
	}
	if (want_bufs) {
		nbufs = tier_nl_buf_list(nl, &bufs);
		if (nbufs < 0) {
			tc_errorf_err(cmd, nbufs, "list buffers: %s", tier_nl_strerror(nbufs));
			nbufs = 0;
			goto out;
		}
		if (pid_set) {
			/* keep the chosen process's; free the others' arrays */
			for (i = 0, kept = 0; i < nbufs; i++) {
				if (bufs[i].pid == pid)
					bufs[kept++] = bufs[i];
				else
					free(bufs[i].resident);
			}
			nbufs = kept;
		}
	}
	if (want_nodes) {
		nnodes = tier_nl_node_list(nl, &nodes);
		if (nnodes < 0) {
			tc_errorf_err(cmd, nnodes, "list nodes: %s", tier_nl_strerror(nnodes));
			nnodes = 0;
			goto out;
		}
	}

	if (json) {
		struct json j;

		json_init(&j, stdout);
		json_obj_open(&j, NULL);
		if (want_bufs)
			buffers_json(&j, bufs, nbufs);
		if (want_nodes)
			nodes_json(&j, nodes, nnodes);
		json_obj_close(&j);
	} else {
		if (want_bufs) {
			if (nbufs == 0)
				printf("no buffers%s\n", pid_set ? " of that process" : "");
			else if (buffers_table(bufs, nbufs))
				goto oom;
		}
		if (want_bufs && want_nodes)
			putchar('\n');
		if (want_nodes && nodes_table(nodes, nnodes))
			goto oom;
	}
	ret = 0;
	goto out;
oom:
	tc_error(cmd, "table", -ENOMEM);
out:
	tier_nl_bufs_free(bufs, nbufs);
	free(nodes);
	tier_nl_close(nl);
	return ret;
}

const struct tc_cmd cmd_stat = {
	.name = "stat", .run = stat_run, .opts = stat_opts,
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
};
