// SPDX-License-Identifier: GPL-2.0-only
/*
 * tierctl plan: place a workload's tensor classes four ways and show the
 * cost model's prediction for each, side by side (libtier's planner and
 * model, doc/cost-model.md).  The input and the output it shares with
 * tierctl model are in plan.h.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "plan.h"
#include "table.h"
#include "util.h"

/*
 * Why a strategy has no plan, in @buf: it does not fit, the host lacks a
 * kind of node, or (-EXDEV) it put a pinned class where pages cannot be
 * pinned, named with the first such class and node.
 */
static const char *plan_error(const struct plan_input *in,
			       const struct tier_placement *pl, int err,
			       char *buf, size_t len)
{
	uint32_t c, i;

	switch (err) {
	case -ENOSPC:
		return "does not fit";
	case -ENODEV:
		return "the host lacks the nodes it needs";
	case -EXDEV:
		for (c = 0; c < in->w.nr_classes; c++) {
			if (!(in->w.classes[c].flags & TIER_CLASS_PINNED))
				continue;
			for (i = 0; i < in->host.nr_nodes; i++)
				if (pl->bytes[c][i] &&
				    !(in->host.nodes[i].flags & TIER_MODEL_NODE_PINNABLE)) {
					snprintf(buf, len, "cannot be built: pinned class %s on movable-only node %u",
						 in->w.classes[c].name,
						 in->host.nodes[i].node);
					return buf;
				}
		}
		return "cannot be built: a pinned class on a movable-only node";
	default:
		return strerror(-err);
	}
}

/* A strategy's outcome that is a verdict on the host, not an error. */
static bool no_plan(int err)
{
	return err == -ENOSPC || err == -ENODEV || err == -EXDEV;
}

static int no_strategy(const struct tc_cmd *cmd)
{
	tc_errorf(cmd, "no strategy has a plan for this workload on this host (the NOTE column says why for each): give it more memory (--dram, --cxl, a device-dax pool for pinned classes) or a smaller workload");
	return 1;
}

/*
 * Strategy @s for every rank (each has its own nodes: --ranks); in @pl and
 * @r the slowest rank's plan and prediction, its number in @slowest.  On
 * an error, @slowest is the rank that has no plan and @pl its attempt.
 */
static int plan_ranks(struct plan_input *in, int s, struct tier_placement *pl,
		      struct tier_model_result *r, uint32_t *slowest)
{
	static struct tier_placement try;
	struct tier_model_result rt = { 0 };
	uint32_t k, nr = in->w.nr_ranks > 1 ? in->w.nr_ranks : 1;
	int err = 0;

	for (k = 0; k < nr; k++) {
		in->w.rank = k;
		err = tier_plan(&in->host, &in->w, s, &try);
		if (!err)
			err = tier_model_eval(&in->host, &in->w, &try, &rt);
		if (err || !k || rt.step_s > r->step_s) {
			*pl = try;
			*r = rt;
			*slowest = k;
		}
		if (err)
			break;
	}
	in->w.rank = 0;
	return err;
}

static int plan_run(const struct tc_cmd *cmd, int argc, char **argv)
{
	static struct plan_input in;
	static struct tier_placement pl[TIER_PLAN_NR];
	struct tier_model_result r[TIER_PLAN_NR];
	int err[TIER_PLAN_NR], s, ret, nr_ok = 0;
	uint32_t slowest[TIER_PLAN_NR] = { 0 };
	char why[TIER_PLAN_NR][200];
	struct plan_args a;
	bool vs_greedy;
	uint32_t i;

	ret = plan_start(cmd, argc, argv, &a, &in, true);
	if (ret >= 0)
		return ret;
	if (!a.strategies)
		a.strategies = (1U << TIER_PLAN_NR) - 1;
	for (s = 0; s < TIER_PLAN_NR; s++) {
		err[s] = -EAGAIN;
		if (!(a.strategies & (1U << s)))
			continue;
		err[s] = plan_ranks(&in, s, &pl[s], &r[s], &slowest[s]);
		if (err[s] && !no_plan(err[s])) {
			tc_error(cmd, tier_plan_name(s), err[s]);
			return 1;
		}
		if (err[s]) {
			char buf[160];
			const char *msg = plan_error(&in, &pl[s], err[s], buf,
						     sizeof(buf));

			if (in.w.nr_ranks > 1)
				snprintf(why[s], sizeof(why[s]), "rank %u: %s",
					 slowest[s], msg);
			else
				snprintf(why[s], sizeof(why[s]), "%s", msg);
		}
		nr_ok += !err[s];
	}
	/* a VS-GREEDY ratio when greedy was asked for and fits */
	vs_greedy = (a.strategies & (1U << TIER_PLAN_GREEDY)) &&
		    !err[TIER_PLAN_GREEDY];

	if (a.json) {
		struct json j;

		json_open_input(&j, &in);
		json_arr_open(&j, "strategies");
		for (s = 0; s < TIER_PLAN_NR; s++) {
			if (!(a.strategies & (1U << s)))
				continue;
			json_obj_open(&j, NULL);
			json_str(&j, "name", tier_plan_name(s));
			json_bool(&j, "feasible", !err[s]);
			json_str(&j, "error", err[s] ? why[s] : NULL);
			/* the rank the figures are of: the slowest, or the one without a plan */
			json_u64(&j, "rank", slowest[s]);
			if (!err[s]) {
				if (vs_greedy)
					json_f64(&j, "vs_greedy",
						 r[s].step_s / r[TIER_PLAN_GREEDY].step_s);
				else
					json_null(&j, "vs_greedy");
				json_prediction(&j, &in, &pl[s], &r[s]);
			}
			json_obj_close(&j);
		}
		json_arr_close(&j);
		json_obj_close(&j);
		return nr_ok ? 0 : no_strategy(cmd);
	}

	if (print_input(cmd, &in))
		return 1;
	{
		static const char *const hdr[] = {
			"STRATEGY", "STEP-S", "OPTIMIZER-S", "COPIES-S",
			"VS-GREEDY", "DRAM", "CXL", "NOTE",
		};
		char s1[SIZE_STRLEN], s2[SIZE_STRLEN];
		struct table t;
		int e;

		table_init(&t, 8, hdr, TABLE_RIGHT(1) | TABLE_RIGHT(2) |
			   TABLE_RIGHT(3) | TABLE_RIGHT(4) | TABLE_RIGHT(5) |
			   TABLE_RIGHT(6));
		for (s = 0; s < TIER_PLAN_NR; s++) {
			uint64_t dram = 0, cxl = 0;

			if (!(a.strategies & (1U << s)))
				continue;
			table_add(&t, "%s", tier_plan_name(s));
			if (err[s]) {
				for (e = 0; e < 6; e++)
					table_add(&t, "-");
				table_add(&t, "%s", why[s]);
				continue;
			}
			for (i = 0; i < in.host.nr_nodes; i++) {
				if (in.host.nodes[i].tier == CXLTIER_TIER_DRAM)
					dram += r[s].node_bytes[i];
				else
					cxl += r[s].node_bytes[i];
			}
			table_add(&t, "%.3f", r[s].step_s);
			table_add(&t, "%.3f", r[s].cpu_s);
			table_add(&t, "%.3f", r[s].dma_s);
			if (vs_greedy)
				table_add(&t, "%.3f", r[s].step_s / r[TIER_PLAN_GREEDY].step_s);
			else
				table_add(&t, "-");
			table_add(&t, "%s", format_size(dram, s1, sizeof(s1)));
			table_add(&t, "%s", format_size(cxl, s2, sizeof(s2)));
			table_add(&t, "%s", r[s].compute_s > r[s].dma_s ?
				  "GPU compute hides the copies" : "-");
		}
		if (tc_print_table(cmd, &t))
			return 1;
	}
	printf("(predicted by the cost model, doc/cost-model.md: STEP = max(copies, GPU compute) + optimizer step)\n");
	for (s = 0; s < TIER_PLAN_NR; s++) {
		if (!(a.strategies & (1U << s)) || err[s])
			continue;
		printf("\n%s: step %.3f s (optimizer %.3f s, copies %.3f s)",
		       tier_plan_name(s), r[s].step_s, r[s].cpu_s, r[s].dma_s);
		if (in.w.nr_ranks > 1)
			printf(", rank %u's, the slowest", slowest[s]);
		printf("\n");
		in.w.rank = slowest[s];
		if (print_classes(cmd, &in, &pl[s], &r[s]))
			return 1;
		print_over_capacity(&in, &r[s]);
		in.w.rank = 0;
	}
	return nr_ok ? 0 : no_strategy(cmd);
}

const struct tc_cmd cmd_plan = {
	.name = "plan", .run = plan_run, .opts = plan_opts,
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
"  --params P --layers L --hidden H   any other transformer (P: 7.5G or digits)\n"
"  --classes FILE        tensor classes given directly (format below)\n"
"and for a model:\n"
"  --batch B             micro-batch per GPU (default 1)\n"
"  --seq S               sequence length (default 4096)\n"
"  --optimizer adam|lion (default adam)\n"
"  --grad-accum A        micro-steps per optimizer step (default 1)\n"
"  --gpus G              GPUs (default 1; also for --classes)\n"
"  --ranks N             N training processes at once (at most 32), one per\n"
"                        GPU, each with its own classes (default 1; also for\n"
"                        --classes).  DRAM is shared by all; each rank gets\n"
"                        the CXL nodes of its GPU's socket, shared out in\n"
"                        turn, or all CXL nodes in turn when that is not\n"
"                        known.  Each rank is planned; a strategy's figures\n"
"                        are its slowest rank's\n"
"  --gpu-nodes LIST      each rank's GPU's NUMA node, in rank order (e.g.\n"
"                        0,0,1,1; default: this host's GPUs in PCI order)\n"
"\n"
"Host: this host's topology (capacity: free memory) with the study host's\n"
"figures per tier, unless described:\n"
"  --dram SIZE           DRAM on node 0 (local, with the CPUs)\n"
"  --cxl SIZE            CXL memory in all, split over --cxl-nodes\n"
"  --cxl-nodes N         CXL add-in cards, nodes 1..N (default 1)\n"
"  --cxl-movable         CXL memory is movable-only: nothing pinned there\n"
"  --tiers FILE          change or add nodes and host figures (format below)\n"
"  --gpu-tflops T        GPU compute per GPU (default 0: not modelled)\n"
"  --cpu-max GBPS        most memory traffic the cores drive (default: not\n"
"                        known: no faster than on the fastest node alone)\n"
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
"measures this host's cpu-read, cpu-write and latency, 'tierctl bench adam\n"
"--tiers' its optimizer step per node, optim and optim-2p):\n"
"  node ID [dram|cxl] [capacity=SIZE] [cpu-read=] [cpu-write=] [dma-h2d=]\n"
"          [dma-d2h=] [latency=NS] [optim=] [optim-2p=] [home=NODE]\n"
"          [local] [movable]      (home: its socket's node with CPUs)\n"
"  host [link-h2d=] [link-d2h=] [llc=SIZE] [llc-bw=] [llc-miss=FRACTION]\n"
"       [overhead=SECONDS] [gpu-tflops=] [cpu-max=]\n",
};
