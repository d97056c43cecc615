// SPDX-License-Identifier: GPL-2.0-only
/*
 * The output tierctl plan and model share: the host and the workload, a
 * placement's class table and its prediction, as tables or JSON.
 */
#include <stdio.h>
#include <string.h>

#include "plan.h"
#include "table.h"
#include "util.h"

#define GIB_F	1073741824.0

static double gib(double gbps)
{
	return gbps * 1e9 / GIB_F;
}

static void json_host(struct json *j, const struct plan_input *in)
{
	static const struct json_field host_fields[] = {
		JSON_DOUBLE(tier_model_host, link_h2d_gbps),
		JSON_DOUBLE(tier_model_host, link_d2h_gbps),
		JSON_DOUBLE(tier_model_host, llc_bytes),
		JSON_DOUBLE(tier_model_host, llc_gbps),
		JSON_DOUBLE(tier_model_host, llc_miss_floor),
		JSON_DOUBLE(tier_model_host, step_overhead_s),
		JSON_DOUBLE(tier_model_host, gpu_tflops),
		JSON_DOUBLE(tier_model_host, cpu_max_gbps),
	};
	static const struct json_field node_fields[] = {
		JSON_UINT(tier_model_node, capacity),
		JSON_DOUBLE(tier_model_node, cpu_read_gbps),
		JSON_DOUBLE(tier_model_node, cpu_write_gbps),
		JSON_DOUBLE(tier_model_node, dma_h2d_gbps),
		JSON_DOUBLE(tier_model_node, dma_d2h_gbps),
		JSON_DOUBLE(tier_model_node, latency_ns),
		JSON_DOUBLE(tier_model_node, optim_gbps),
		JSON_DOUBLE(tier_model_node, optim_2p_gbps),
	};
	const struct tier_model_host *h = &in->host;
	uint32_t i;

	json_obj_open(j, "host");
	json_str(j, "source", in->host_source);
	JSON_FIELDS(j, h, host_fields);
	json_arr_open(j, "nodes");
	for (i = 0; i < h->nr_nodes; i++) {
		const struct tier_model_node *n = &h->nodes[i];

		json_obj_open(j, NULL);
		json_u64(j, "node", n->node);
		json_str(j, "tier", tc_tier_name(n->tier));
		JSON_FIELDS(j, n, node_fields);
		json_bool(j, "local", n->flags & TIER_MODEL_NODE_LOCAL);
		json_bool(j, "pinnable", n->flags & TIER_MODEL_NODE_PINNABLE);
		json_obj_close(j);
	}
	json_arr_close(j);
	json_obj_close(j);
}

static void json_workload(struct json *j, const struct plan_input *in)
{
	static const struct json_field llm_fields[] = {
		JSON_UINT(tier_llm, params), JSON_UINT(tier_llm, layers),
		JSON_UINT(tier_llm, hidden), JSON_UINT(tier_llm, batch),
		JSON_UINT(tier_llm, seq), JSON_UINT(tier_llm, grad_accum),
	};
	static const struct json_field class_fields[] = {
		JSON_UINT(tier_class, bytes), JSON_UINT(tier_class, cpu_read),
		JSON_UINT(tier_class, cpu_write), JSON_UINT(tier_class, h2d),
		JSON_UINT(tier_class, d2h),
	};
	const struct tier_workload *w = &in->w;
	uint32_t c;

	json_obj_open(j, "workload");
	if (in->is_llm) {
		json_str(j, "model", in->llm.name);
		JSON_FIELDS(j, &in->llm, llm_fields);
		json_str(j, "optimizer", in->llm.optimizer == TIER_OPT_LION ?
			 "lion" : "adam");
	}
	json_u64(j, "gpus", w->nr_gpus);
	json_u64(j, "ranks", w->nr_ranks > 1 ? w->nr_ranks : 1);
	json_ranks(j, in);
	json_f64(j, "gpu_flops", w->gpu_flops);
	json_arr_open(j, "classes");
	for (c = 0; c < w->nr_classes; c++) {
		const struct tier_class *k = &w->classes[c];

		json_obj_open(j, NULL);
		json_str(j, "name", k->name);
		JSON_FIELDS(j, k, class_fields);
		json_bool(j, "pinned", k->flags & TIER_CLASS_PINNED);
		json_obj_close(j);
	}
	json_arr_close(j);
	json_obj_close(j);
}

void json_prediction(struct json *j, const struct plan_input *in,
			    const struct tier_placement *pl,
			    const struct tier_model_result *r)
{
	static const struct json_field result_fields[] = {
		JSON_DOUBLE(tier_model_result, step_s),
		JSON_DOUBLE(tier_model_result, cpu_s),
		JSON_DOUBLE(tier_model_result, gpu_s),
		JSON_DOUBLE(tier_model_result, dma_s),
		JSON_DOUBLE(tier_model_result, compute_s),
		JSON_DOUBLE(tier_model_result, llc_hit),
	};
	const struct tier_model_host *h = &in->host;
	char s[TIER_POLICY_STRLEN];
	uint32_t c, i;

	JSON_FIELDS(j, r, result_fields);
	json_arr_open(j, "nodes");
	for (i = 0; i < h->nr_nodes; i++) {
		json_obj_open(j, NULL);
		json_u64(j, "node", h->nodes[i].node);
		json_u64(j, "bytes", r->node_bytes[i]);
		json_bool(j, "over_capacity", r->over_capacity & (1U << i));
		json_obj_close(j);
	}
	json_arr_close(j);
	json_arr_open(j, "classes");
	for (c = 0; c < in->w.nr_classes; c++) {
		json_obj_open(j, NULL);
		json_str(j, "name", in->w.classes[c].name);
		json_u64(j, "bytes", in->w.classes[c].bytes);
		json_str(j, "policy", tier_policy_format(&pl->policy[c], s, sizeof(s)) > 0 ?
			 s : NULL);
		json_arr_open(j, "nodes");
		for (i = 0; i < h->nr_nodes; i++) {
			if (!pl->bytes[c][i])
				continue;
			json_obj_open(j, NULL);
			json_u64(j, "node", h->nodes[i].node);
			json_u64(j, "bytes", pl->bytes[c][i]);
			json_f64(j, "percent", 100.0 * (double)pl->bytes[c][i] /
					       (double)in->w.classes[c].bytes);
			json_obj_close(j);
		}
		json_arr_close(j);
		json_f64(j, "cpu_s", r->classes[c].cpu_s);
		json_f64(j, "h2d_gibps", gib(r->classes[c].h2d_gbps));
		json_f64(j, "d2h_gibps", gib(r->classes[c].d2h_gbps));
		json_obj_close(j);
	}
	json_arr_close(j);
}

static const char *node_flags_str(uint32_t flags)
{
	switch (flags & (TIER_MODEL_NODE_LOCAL | TIER_MODEL_NODE_PINNABLE)) {
	case TIER_MODEL_NODE_LOCAL | TIER_MODEL_NODE_PINNABLE:
		return "local,pinnable";
	case TIER_MODEL_NODE_LOCAL:
		return "local";
	case TIER_MODEL_NODE_PINNABLE:
		return "pinnable";
	default:
		return "-";
	}
}

static int print_host(const struct tc_cmd *cmd, const struct plan_input *in)
{
	static const char *const hdr[] = {
		"NODE", "TIER", "CAPACITY", "CPU-READ", "CPU-WRITE", "DMA-H2D",
		"DMA-D2H", "LATENCY", "FLAGS",
	};
	const struct tier_model_host *h = &in->host;
	char s[SIZE_STRLEN];
	struct table t;
	uint32_t i;

	printf("host: %s\n", in->host_source);
	printf("  GB/s (10^9 B/s); GPU link %.1f/%.1f GB/s H2D/D2H; LLC %s at %.0f GB/s",
	       h->link_h2d_gbps, h->link_d2h_gbps,
	       format_size((uint64_t)h->llc_bytes, s, sizeof(s)), h->llc_gbps);
	if (h->gpu_tflops > 0)
		printf("; GPU %.0f TFLOP/s", h->gpu_tflops);
	if (h->cpu_max_gbps > 0)
		printf("; cores drive at most %.1f GB/s", h->cpu_max_gbps);
	else
		printf("; cores' ceiling not given: no faster than the fastest node alone");
	printf("\n");
	for (i = 0; i < h->nr_nodes; i++)
		if (h->nodes[i].optim_gbps > 0)
			printf("  node %u: optimizer step %.2f GB/s, %.2f GB/s per process with two (0: not measured)\n",
			       h->nodes[i].node, h->nodes[i].optim_gbps,
			       h->nodes[i].optim_2p_gbps);
	table_init(&t, 9, hdr, TABLE_RIGHT(0) | TABLE_RIGHT(2) | TABLE_RIGHT(3) |
		   TABLE_RIGHT(4) | TABLE_RIGHT(5) | TABLE_RIGHT(6) | TABLE_RIGHT(7));
	for (i = 0; i < h->nr_nodes; i++) {
		const struct tier_model_node *n = &h->nodes[i];

		table_add(&t, "%u", n->node);
		table_add(&t, "%s", tc_tier_name(n->tier));
		table_add(&t, "%s", format_size(n->capacity, s, sizeof(s)));
		table_add(&t, "%.1f", n->cpu_read_gbps);
		table_add(&t, "%.1f", n->cpu_write_gbps);
		table_add(&t, "%.1f", n->dma_h2d_gbps);
		table_add(&t, "%.1f", n->dma_d2h_gbps);
		table_add(&t, "%.0fns", n->latency_ns);
		table_add(&t, "%s", node_flags_str(n->flags));
	}
	return tc_print_table(cmd, &t) ? -1 : 0;
}

static void print_workload(const struct plan_input *in)
{
	const struct tier_workload *w = &in->w;
	char s[SIZE_STRLEN];
	uint64_t total = 0;
	uint32_t c;

	for (c = 0; c < w->nr_classes; c++)
		total += w->classes[c].bytes;
	if (in->is_llm)
		printf("workload: %s (P %llu, L %u, H %u), batch %u, seq %u, %s, grad-accum %u, %u GPU%s: %u classes, %s\n",
		       in->llm.name ? in->llm.name : "model",
		       (unsigned long long)in->llm.params, in->llm.layers,
		       in->llm.hidden, in->llm.batch, in->llm.seq,
		       in->llm.optimizer == TIER_OPT_LION ? "lion" : "adam",
		       in->llm.grad_accum, w->nr_gpus, w->nr_gpus == 1 ? "" : "s",
		       w->nr_classes, format_size(total, s, sizeof(s)));
	else
		printf("workload: %u classes, %u GPU%s, %s\n", w->nr_classes,
		       w->nr_gpus, w->nr_gpus == 1 ? "" : "s",
		       format_size(total, s, sizeof(s)));
	if (w->nr_ranks > 1)
		printf("  x %u ranks stepping at once, each with its own classes (bytes per node below are one rank's)\n",
		       w->nr_ranks);
	print_ranks(in);
}

int print_input(const struct tc_cmd *cmd, const struct plan_input *in)
{
	if (print_host(cmd, in))
		return -1;
	print_workload(in);
	printf("\n");
	return 0;
}

void json_open_input(struct json *j, const struct plan_input *in)
{
	json_init(j, stdout);
	json_obj_open(j, NULL);
	/*
	 * The shape of plan's and model's JSON: 1 since "ranks", "percent" and
	 * the nodes' optimizer rates.  A prediction (json_prediction()) is the
	 * same object in both.
	 */
	json_u64(j, "schema", PLAN_JSON_SCHEMA);
	json_host(j, in);
	json_workload(j, in);
}

int print_classes(const struct tc_cmd *cmd, const struct plan_input *in,
			 const struct tier_placement *pl,
			 const struct tier_model_result *r)
{
	const struct tier_model_host *h = &in->host;
	const char *hdr[8 + TIER_MODEL_MAX_NODES];
	char names[TIER_MODEL_MAX_NODES][16], s[TIER_POLICY_STRLEN];
	char sz[SIZE_STRLEN];
	unsigned int ncols = 0, right = 0;
	struct table t;
	uint32_t c, i;

	hdr[ncols++] = "CLASS";
	hdr[ncols++] = "BYTES";
	right |= TABLE_RIGHT(1);
	hdr[ncols++] = "POLICY";
	for (i = 0; i < h->nr_nodes; i++) {
		snprintf(names[i], sizeof(names[i]), "NODE%u", h->nodes[i].node);
		right |= TABLE_RIGHT(ncols);
		hdr[ncols++] = names[i];
	}
	right |= TABLE_RIGHT(ncols) | TABLE_RIGHT(ncols + 1) | TABLE_RIGHT(ncols + 2);
	hdr[ncols++] = "CPU-MS";
	hdr[ncols++] = "H2D-GiB/s";
	hdr[ncols++] = "D2H-GiB/s";
	table_init(&t, ncols, hdr, right);
	for (c = 0; c < in->w.nr_classes; c++) {
		table_add(&t, "%s", in->w.classes[c].name);
		table_add(&t, "%s", format_size(in->w.classes[c].bytes, sz, sizeof(sz)));
		table_add(&t, "%s", tier_policy_format(&pl->policy[c], s, sizeof(s)) > 0 ?
			  s : "(by hand)");
		for (i = 0; i < h->nr_nodes; i++)
			if (!pl->bytes[c][i])
				table_add(&t, "-");
			else if (pl->bytes[c][i] == in->w.classes[c].bytes)
				table_add(&t, "%s", format_size(pl->bytes[c][i], sz, sizeof(sz)));
			else	/* a split: the share beside the bytes */
				table_add(&t, "%s %.1f%%",
					  format_size(pl->bytes[c][i], sz, sizeof(sz)),
					  100.0 * (double)pl->bytes[c][i] /
					  (double)in->w.classes[c].bytes);
		table_add(&t, "%.1f", r->classes[c].cpu_s * 1e3);
		if (r->classes[c].h2d_gbps > 0)
			table_add(&t, "%.1f", gib(r->classes[c].h2d_gbps));
		else
			table_add(&t, "-");
		if (r->classes[c].d2h_gbps > 0)
			table_add(&t, "%.1f", gib(r->classes[c].d2h_gbps));
		else
			table_add(&t, "-");
	}
	return tc_print_table(cmd, &t) ? -1 : 0;
}

/* The ranks that share node index @i: its @ranks mask, or all of them. */
static uint32_t node_ranks(const struct plan_input *in, uint32_t i)
{
	uint32_t r = in->w.nr_ranks > 1 ? in->w.nr_ranks : 1;

	return in->host.nodes[i].ranks ? in->host.nodes[i].ranks :
	       (uint32_t)((1ULL << r) - 1);
}

void print_over_capacity(const struct plan_input *in,
			 const struct tier_model_result *r)
{
	char s1[SIZE_STRLEN], s2[SIZE_STRLEN];
	uint32_t i, mask, on;

	for (i = 0; i < in->host.nr_nodes; i++) {
		if (!(r->over_capacity & (1U << i)))
			continue;
		mask = node_ranks(in, i);
		on = (uint32_t)__builtin_popcount(mask);
		if (!(mask & (1U << in->w.rank)))
			printf("warning: node %u holds %s, but it is not rank %u's (--ranks shares it out: see \"ranks\" above)\n",
			       in->host.nodes[i].node,
			       format_size(r->node_bytes[i], s1, sizeof(s1)),
			       in->w.rank);
		else
			printf("warning: node %u holds %s, more than its capacity %s%s\n",
			       in->host.nodes[i].node,
			       format_size(r->node_bytes[i], s1, sizeof(s1)),
			       format_size(in->host.nodes[i].capacity / on, s2, sizeof(s2)),
			       on > 1 ? " (one rank's share)" : "");
	}
}

/* The nodes rank @k places on, as "0,2" (DRAM and its CXL nodes). */
static char *rank_nodes(const struct plan_input *in, uint32_t k, char *buf,
			size_t len)
{
	size_t off = 0;
	uint32_t i;

	buf[0] = 0;
	for (i = 0; i < in->host.nr_nodes && off < len; i++)
		if (node_ranks(in, i) & (1U << k))
			off += (size_t)snprintf(buf + off, len - off, "%s%u",
						off ? "," : "",
						in->host.nodes[i].node);
	return buf;
}

static const char *rank_map_name(int map)
{
	return map == TIER_RANKS_LOCAL ? "socket" :
	       map == TIER_RANKS_ROUND_ROBIN ? "round-robin" : "shared";
}

void print_ranks(const struct plan_input *in)
{
	char nodes[128];
	uint32_t k;

	if (in->w.nr_ranks <= 1)
		return;
	printf("ranks: CXL nodes shared out by %s (%s)\n",
	       in->rank_map == TIER_RANKS_LOCAL ? "socket" :
	       in->rank_map == TIER_RANKS_ROUND_ROBIN ? "turns, locality not known" :
	       "none: no CXL node", in->rank_source);
	for (k = 0; k < in->w.nr_ranks; k++) {
		printf("  rank %u", k);
		if (in->rank_home[k] >= 0)
			printf(" (GPU on node %d's socket)", in->rank_home[k]);
		printf(": nodes %s\n", rank_nodes(in, k, nodes, sizeof(nodes)));
	}
}

void json_ranks(struct json *j, const struct plan_input *in)
{
	uint32_t k, i;

	json_str(j, "rank_map", rank_map_name(in->rank_map));
	json_arr_open(j, "rank_nodes");
	for (k = 0; k < (in->w.nr_ranks > 1 ? in->w.nr_ranks : 1); k++) {
		json_arr_open(j, NULL);
		for (i = 0; i < in->host.nr_nodes; i++)
			if (node_ranks(in, i) & (1U << k))
				json_u64(j, NULL, in->host.nodes[i].node);
		json_arr_close(j);
	}
	json_arr_close(j);
}
