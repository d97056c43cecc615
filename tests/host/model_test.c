// SPDX-License-Identifier: GPL-2.0-only
/*
 * The cost model and the planner (doc/cost-model.md), against the study's
 * published figures (doc/cost-model.md, "The study") and against the
 * study's algorithm worked by hand.  No memory is placed: the model is arithmetic.
 *
 *  - study_host_is_derived: the default "study host" table follows from the
 *    eight figures doc/cost-model.md names, by the procedure it gives; this
 *    test redoes the derivation from the figures, so the table cannot be
 *    tuned to the rows that are predictions.
 *  - optimizer_step_figures, dma_figures: every published figure within 15%.
 *  - greedy_by_hand: one configuration of the study's greedy, each class's
 *    policy and bytes per node computed here from the algorithm's text.
 *  - cxltier_no_worse_than_greedy: the grid below, every configuration.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tier_plan.h"
#include "kselftest_harness.h"

/* A TAP comment line, flushed: the harness ends each test with _exit(). */
#define note(...)	do { printf("# " __VA_ARGS__); fflush(stdout); } while (0)

#define GIB	(1ULL << 30)
#define GB	1e9

/* The study's optimizer step, one process, ms (doc/cost-model.md). */
static const struct {
	double elements, dram_ms, aic_ms;
} opt_rows[] = {
	{ 1.84e6, 0.171, 0.184 },
	{ 12.8e6, 0.806, 0.918 },
	{ 21.0e6, 1.539, 4.221 },
	{ 67.9e6, 6.312, 23.754 },
	{ 545e6, 54.83, 228.82 },
	{ 671e6, 67.63, 273.29 },
};
#define NR_OPT_ROWS	(sizeof(opt_rows) / sizeof(opt_rows[0]))

/* A study host: DRAM node 0 (local), CXL AICs on nodes 1..n. */
static void study_host(struct tier_model_host *h, uint64_t dram,
		       uint64_t cxl_each, int n_aic)
{
	int i;

	tier_model_host_init(h);
	tier_model_host_add(h, 0, CXLTIER_TIER_DRAM, dram,
			    TIER_MODEL_NODE_LOCAL | TIER_MODEL_NODE_PINNABLE);
	for (i = 1; i <= n_aic; i++)
		tier_model_host_add(h, (uint32_t)i, CXLTIER_TIER_CXL, cxl_each,
				    TIER_MODEL_NODE_PINNABLE);
}

static void set_class(struct tier_class *c, const char *name, uint64_t bytes,
		      uint64_t rd, uint64_t wr, uint64_t h2d, uint64_t d2h,
		      uint32_t flags)
{
	memset(c, 0, sizeof(*c));
	snprintf(c->name, sizeof(c->name), "%s", name);
	c->bytes = bytes;
	c->cpu_read = rd;
	c->cpu_write = wr;
	c->h2d = h2d;
	c->d2h = d2h;
	c->flags = flags;
}

/*
 * The study's optimizer-step benchmark as classes: Adam over N fp32
 * elements reads and writes m, v and the weights, and reads the gradients:
 * 28 bytes per element.
 */
static void adam_step(struct tier_workload *w, double elements)
{
	uint64_t b = (uint64_t)(elements * 4);

	memset(w, 0, sizeof(*w));
	w->nr_gpus = 1;
	w->nr_classes = 4;
	set_class(&w->classes[0], "m", b, b, b, 0, 0, 0);
	set_class(&w->classes[1], "v", b, b, b, 0, 0, 0);
	set_class(&w->classes[2], "weights", b, b, b, 0, 0, 0);
	set_class(&w->classes[3], "grads", b, b, 0, 0, 0, 0);
}

static int place_all(const struct tier_model_host *h,
		     const struct tier_workload *w, struct tier_placement *pl,
		     const char *policy)
{
	struct tier_policy p;
	unsigned int c;
	int err = tier_policy_parse(policy, &p);

	memset(pl, 0, sizeof(*pl));
	for (c = 0; !err && c < w->nr_classes; c++)
		err = tier_placement_policy(h, w, pl, c, &p);
	return err;
}

static double rel(double got, double want)
{
	return (got - want) / want;
}

/*
 * The derivation of doc/cost-model.md, "The study host", redone from the
 * figures: returns the parameters in @out (t0 s, llc GB/s, miss floor,
 * DRAM GB/s, AIC GB/s, LLC bytes).
 */
static void derive(double out[6])
{
	double t0 = 0, bl = 0, m0 = 0, bd = 276, ba = 68, c = 209e6;
	int it, j;

	for (it = 0; it < 200; it++) {
		double x1 = 28 * 1.84e6, x2 = 28 * 12.8e6, y1, y2, lo, hi;

		/* 12.8M fits the LLC: the AIC's extra time is the floor's misses */
		m0 = (0.918e-3 - 0.806e-3) / (x2 * (1 / (ba * GB) - 1 / (bd * GB)));
		/* 1.84M and 12.8M from DRAM: a line, t0 + hit * X / llc */
		y1 = 0.171e-3 - m0 * x1 / (bd * GB);
		y2 = 0.806e-3 - m0 * x2 / (bd * GB);
		bl = (1 - m0) * (x2 - x1) / (y2 - y1) / GB;
		t0 = y1 - (1 - m0) * x1 / (bl * GB);
		/* 671M from DRAM and from one AIC: the memory bandwidths */
		{
			double x = 28 * 671e6, w = 16 * 671e6;
			double h = (1 - m0) * (c < w ? c / w : 1);

			bd = (1 - h) * x / (67.63e-3 - t0 - h * x / (bl * GB)) / GB;
			ba = (1 - h) * x / (273.29e-3 - t0 - h * x / (bl * GB)) / GB;
		}
		/* 21.0M from one AIC: the LLC capacity (bisection) */
		lo = 100e6;
		hi = 336e6;
		for (j = 0; j < 100; j++) {
			double x = 28 * 21.0e6, w = 16 * 21.0e6, mid = (lo + hi) / 2;
			double h = (1 - m0) * (mid < w ? mid / w : 1);
			double t = t0 + h * x / (bl * GB) + (1 - h) * x / (ba * GB);

			if (t > 4.221e-3)
				lo = mid;
			else
				hi = mid;
		}
		c = (lo + hi) / 2;
	}
	out[0] = t0;
	out[1] = bl;
	out[2] = m0;
	out[3] = bd;
	out[4] = ba;
	out[5] = c;
}

TEST(study_host_is_derived)
{
	struct tier_model_host h;
	double d[6];

	study_host(&h, 1ULL << 40, 1ULL << 40, 1);
	derive(d);
	note("derived: t0 %.4g ms, LLC %.4g GB/s, %.4g MB, miss floor %.4g, DRAM %.4g GB/s, AIC %.4g GB/s\n",
		       d[0] * 1e3, d[1], d[5] / 1e6, d[2], d[3], d[4]);
	EXPECT_LT(fabs(rel(h.step_overhead_s, d[0])), 0.01);
	EXPECT_LT(fabs(rel(h.llc_gbps, d[1])), 0.01);
	EXPECT_LT(fabs(rel(h.llc_miss_floor, d[2])), 0.01);
	EXPECT_LT(fabs(rel(h.nodes[0].cpu_read_gbps, d[3])), 0.01);
	EXPECT_LT(fabs(rel(h.nodes[0].cpu_write_gbps, d[3])), 0.01);
	EXPECT_LT(fabs(rel(h.nodes[1].cpu_read_gbps, d[4])), 0.01);
	EXPECT_LT(fabs(rel(h.nodes[1].cpu_write_gbps, d[4])), 0.01);
	EXPECT_LT(fabs(rel(h.llc_bytes, d[5])), 0.01);
	/* the copy figures that define the link and the AIC's DMA ceilings */
	EXPECT_LT(fabs(rel(h.link_h2d_gbps, 51.8 * GIB / GB)), 0.001);
	EXPECT_LT(fabs(rel(h.link_d2h_gbps, 51.7 * GIB / GB)), 0.001);
	EXPECT_LT(fabs(rel(h.nodes[1].dma_h2d_gbps, 49.8 * GIB / GB)), 0.001);
	EXPECT_LT(fabs(rel(h.nodes[1].dma_d2h_gbps, 34.7 * GIB / GB)), 0.001);
}

TEST(optimizer_step_figures)
{
	struct tier_model_host h;
	struct tier_workload w;
	struct tier_placement pl;
	struct tier_model_result r;
	double worst = 0;
	unsigned int i, predicted = 0;

	study_host(&h, 1ULL << 40, 1ULL << 40, 1);
	for (i = 0; i < NR_OPT_ROWS; i++) {
		double dram, aic, e1, e2;

		adam_step(&w, opt_rows[i].elements);
		ASSERT_EQ(0, place_all(&h, &w, &pl, "bind:0"));
		ASSERT_EQ(0, tier_model_eval(&h, &w, &pl, &r));
		dram = r.cpu_s * 1e3;
		EXPECT_EQ(r.step_s, r.cpu_s);
		ASSERT_EQ(0, place_all(&h, &w, &pl, "bind:1"));
		ASSERT_EQ(0, tier_model_eval(&h, &w, &pl, &r));
		aic = r.cpu_s * 1e3;
		e1 = rel(dram, opt_rows[i].dram_ms);
		e2 = rel(aic, opt_rows[i].aic_ms);
		note("%6.2fM elements: DRAM %8.3f ms (study %8.3f, %+5.1f%%)  AIC %8.3f ms (study %8.3f, %+5.1f%%)  ratio %.2f (study %.2f)\n",
			       opt_rows[i].elements / 1e6, dram,
			       opt_rows[i].dram_ms, 100 * e1, aic,
			       opt_rows[i].aic_ms, 100 * e2, aic / dram,
			       opt_rows[i].aic_ms / opt_rows[i].dram_ms);
		EXPECT_LT(fabs(e1), 0.15);
		EXPECT_LT(fabs(e2), 0.15);
		worst = fmax(worst, fmax(fabs(e1), fabs(e2)));
		predicted += 2;
	}
	note("optimizer step: %u figures, worst error %.1f%%\n",
		       predicted, 100 * worst);
	EXPECT_EQ(12, predicted);
}

/* Pinned 2 GiB copies, each GPU its own, both directions, GiB/s per GPU. */
static void copy_gibps(const char *policy, unsigned int gpus,
		       struct __test_metadata *_metadata, double *h2d,
		       double *d2h)
{
	struct tier_model_host h;
	struct tier_workload w;
	struct tier_placement pl;
	struct tier_model_result r;

	study_host(&h, 1ULL << 40, 1ULL << 40, 1);
	memset(&w, 0, sizeof(w));
	w.nr_gpus = gpus;
	w.nr_classes = 1;
	set_class(&w.classes[0], "copy", 2 * GIB * gpus, 0, 0, 2 * GIB * gpus,
		  2 * GIB * gpus, TIER_CLASS_PINNED);
	ASSERT_EQ(0, place_all(&h, &w, &pl, policy));
	ASSERT_EQ(0, tier_model_eval(&h, &w, &pl, &r));
	*h2d = r.classes[0].h2d_gbps * GB / GIB;
	*d2h = r.classes[0].d2h_gbps * GB / GIB;
}

TEST(dma_figures)
{
	static const struct {
		const char *what, *policy;
		unsigned int gpus;
		double h2d, d2h;
	} rows[] = {
		{ "local DRAM, one GPU", "bind:0", 1, 51.8, 51.7 },
		{ "one AIC, one GPU", "bind:1", 1, 49.8, 34.7 },
		{ "one AIC, two GPUs", "bind:1", 2, 24.9, 18.2 },
		{ "DRAM+AIC 1:1 interleave, two GPUs", "interleave:0,1", 2, 49.6, 34.5 },
	};
	unsigned int i, n = 0;

	for (i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		double h2d, d2h;

		copy_gibps(rows[i].policy, rows[i].gpus, _metadata, &h2d, &d2h);
		note("%-36s H2D %5.1f GiB/s (study %4.1f, %+5.1f%%)  D2H %5.1f GiB/s (study %4.1f, %+5.1f%%)\n",
			       rows[i].what, h2d, rows[i].h2d,
			       100 * rel(h2d, rows[i].h2d), d2h, rows[i].d2h,
			       100 * rel(d2h, rows[i].d2h));
		EXPECT_LT(fabs(rel(h2d, rows[i].h2d)), 0.15);
		EXPECT_LT(fabs(rel(d2h, rows[i].d2h)), 0.15);
		n += 2;
	}
	EXPECT_EQ(8, n);
}

/* One configuration of the study's greedy, worked from its description. */
TEST(greedy_by_hand)
{
	/*
	 * qwen2.5-7b, batch 1, seq 32768, one GPU, Adam; DRAM 100 GiB
	 * (node 0), two AICs of 128 GiB (nodes 1, 2).  Sizes from the
	 * class table of doc/cost-model.md, 4 KiB pages.
	 */
	const uint64_t P = 7615616512ULL, page = 4096;
	const uint64_t act = 2ULL * 1 * 32768 * 3584 * 28;
	const struct {
		const char *name;
		uint64_t bytes;
	} cls[7] = {
		{ "adam-m", 4 * P }, { "adam-v", 4 * P },
		{ "master-grads", 4 * P }, { "master-weights", 4 * P },
		{ "compute-weights", 2 * P }, { "activations", act },
		{ "compute-grads", 2 * P },
	};
	struct tier_model_host h;
	struct tier_llm m;
	struct tier_workload w;
	struct tier_placement pl;
	uint64_t budget = 100 * GIB, want[7][3], dram_used = 0;
	char want_pol[7][64], s[TIER_POLICY_STRLEN];
	unsigned int c, k, spilled = 0;

	study_host(&h, 100 * GIB, 128 * GIB, 2);
	ASSERT_EQ(0, tier_llm_lookup("qwen2.5-7b", &m));
	m.seq = 32768;
	ASSERT_EQ(0, tier_workload_llm(&m, &w));
	ASSERT_EQ(7, w.nr_classes);

	/*
	 * The algorithm, as the study states it: walk m, v, master grads,
	 * master weights, compute weights, activations, compute grads.  A
	 * class that fits the remaining DRAM budget gets DRAM; one that does
	 * not, while DRAM remains, books min(remaining DRAM, size / (1 + 2))
	 * against DRAM, the rest against CXL, and the walk goes on with what
	 * DRAM remains; with none left, the AICs.  Every class is page-
	 * interleaved over its node set, even a set of one node.  Physically,
	 * page i of an interleave goes to node first + i % n, and the last
	 * page is short; a node that is full passes the rest of its share to
	 * the others of the set, as Linux's interleave does.
	 */
	memset(want, 0, sizeof(want));
	for (c = 0; c < 7; c++) {
		uint64_t units = (cls[c].bytes + page - 1) / page;
		uint64_t tail = units * page - cls[c].bytes;
		unsigned int first = 0, n = 0;

		if (cls[c].bytes <= budget) {
			budget -= cls[c].bytes;
			strcpy(want_pol[c], "interleave:0");
			want[c][0] = cls[c].bytes;
			dram_used += cls[c].bytes;
			continue;
		}
		if (budget) {
			uint64_t book = cls[c].bytes / 3;

			budget -= book < budget ? book : budget;
			strcpy(want_pol[c], "interleave:0,1,2,fallback");
			first = 0;
			n = 3;
		} else {
			strcpy(want_pol[c], "interleave:1,2,fallback");
			first = 1;
			n = 2;
		}
		/* the pinned classes (the copied ones) are pinnable */
		if (w.classes[c].flags & TIER_CLASS_PINNED)
			strcat(want_pol[c], ",pinnable");
		for (k = 0; k < n; k++)
			want[c][first + k] = (units / n + (k < units % n)) * page;
		want[c][first + (units - 1) % n] -= tail;
		if (first == 0 && want[c][0] > 100 * GIB - dram_used) {
			/* DRAM is full: the AICs share the rest */
			uint64_t rest = cls[c].bytes - (100 * GIB - dram_used);

			want[c][0] = 100 * GIB - dram_used;
			want[c][1] = rest - rest / 2;
			want[c][2] = rest / 2;
			spilled = c;
		}
		dram_used += want[c][0];
	}
	/*
	 * What this configuration comes to: 3 classes fit; master weights,
	 * compute weights and activations book what DRAM has left, in turn
	 * (the activations' DRAM share is more than DRAM physically holds);
	 * the compute grads go to the AICs.
	 */
	EXPECT_STREQ("interleave:0", want_pol[2]);
	EXPECT_STREQ("interleave:0,1,2,fallback", want_pol[3]);
	EXPECT_STREQ("interleave:0,1,2,fallback,pinnable", want_pol[4]);
	EXPECT_STREQ("interleave:0,1,2,fallback,pinnable", want_pol[5]);
	EXPECT_STREQ("interleave:1,2,fallback,pinnable", want_pol[6]);
	EXPECT_EQ(5U, spilled);

	ASSERT_EQ(0, tier_plan(&h, &w, TIER_PLAN_GREEDY, &pl));
	for (c = 0; c < 7; c++) {
		EXPECT_STREQ(cls[c].name, w.classes[c].name);
		EXPECT_EQ(cls[c].bytes, w.classes[c].bytes);
		ASSERT_LT(0, tier_policy_format(&pl.policy[c], s, sizeof(s)));
		EXPECT_STREQ(want_pol[c], s);
		for (k = 0; k < 3; k++) {
			/* water-filled: the AICs' halves to a page */
			uint64_t slack = c == spilled && k ? page : 0;

			EXPECT_GE(want[c][k] + slack, pl.bytes[c][k]) {
				TH_LOG("class %s node %u", cls[c].name, k);
			}
			EXPECT_LE(want[c][k], pl.bytes[c][k] + slack) {
				TH_LOG("class %s node %u", cls[c].name, k);
			}
		}
	}
}

/* A budget that the partly fitting class's DRAM share overflows: it spills. */
TEST(greedy_interleave_spills_like_linux)
{
	struct tier_model_host h;
	struct tier_workload w;
	struct tier_placement pl;

	study_host(&h, 10 * GIB, 100 * GIB, 1);
	memset(&w, 0, sizeof(w));
	w.nr_gpus = 1;
	w.nr_classes = 2;
	set_class(&w.classes[0], "a", 9 * GIB, GIB, GIB, 0, 0, 0);
	set_class(&w.classes[1], "b", 8 * GIB, GIB, GIB, 0, 0, 0);
	ASSERT_EQ(0, tier_plan(&h, &w, TIER_PLAN_GREEDY, &pl));
	/* b: half of it (4 GiB) would go to DRAM, which has 1 GiB left */
	EXPECT_EQ(9 * GIB, pl.bytes[0][0]);
	EXPECT_EQ(1 * GIB, pl.bytes[1][0]);
	EXPECT_EQ(7 * GIB, pl.bytes[1][1]);
	EXPECT_EQ(CXLTIER_MODE_INTERLEAVE, pl.policy[1].mode);
	EXPECT_EQ(CXLTIER_CREATE_FALLBACK, pl.policy[1].flags);
}

/*
 * The study's grid (doc/cost-model.md, "The grid"): qwen2.5-7b and
 * mistral-nemo-12b, seq 4K..32K, micro-batch 1, 2, 4, DRAM 64..256 GiB,
 * one or two AICs of 256 GiB, one or two GPUs, Adam.  In every
 * configuration where the greedy finds a placement, cxltier's must be
 * found and predicted no slower.  Configurations whose classes exceed the
 * whole host are infeasible for every strategy; they are counted and
 * checked to be exactly those.
 */
static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

static void run_grid(struct __test_metadata *_metadata, double tflops)
{
	static const char *const models[] = { "qwen2.5-7b", "mistral-nemo-12b" };
	static const uint32_t seqs[] = { 4096, 8192, 16384, 32768 };
	static const uint32_t batches[] = { 1, 2, 4 };
	static const uint64_t drams[] = { 64, 128, 192, 256 };
	static double vs_greedy[2][2][96], vs_inter[2][2][96];
	unsigned int counts[2][2] = { { 0 } };
	unsigned int mi, si, bi, di, ai, gi, configs = 0, compared = 0;
	unsigned int infeasible = 0, greedy_only_fails = 0, better = 0;
	double worst = 0;

	for (mi = 0; mi < 2; mi++)
	for (si = 0; si < 4; si++)
	for (bi = 0; bi < 3; bi++)
	for (di = 0; di < 4; di++)
	for (ai = 0; ai < 2; ai++)
	for (gi = 0; gi < 2; gi++) {
		struct tier_model_host h;
		struct tier_llm m;
		struct tier_workload w;
		struct tier_placement pl;
		struct tier_model_result rg, rc, ri;
		uint64_t total = 0, room = (drams[di] + 256 * (ai + 1)) * GIB;
		unsigned int c, *n;
		int eg, ec, ei;

		configs++;
		study_host(&h, drams[di] * GIB, 256 * GIB, (int)ai + 1);
		h.gpu_tflops = tflops;
		ASSERT_EQ(0, tier_llm_lookup(models[mi], &m));
		m.seq = seqs[si];
		m.batch = batches[bi];
		m.nr_gpus = gi + 1;
		ASSERT_EQ(0, tier_workload_llm(&m, &w));
		for (c = 0; c < w.nr_classes; c++)
			total += w.classes[c].bytes;

		eg = tier_plan(&h, &w, TIER_PLAN_GREEDY, &pl);
		if (!eg)
			ASSERT_EQ(0, tier_model_eval(&h, &w, &pl, &rg));
		ec = tier_plan(&h, &w, TIER_PLAN_CXLTIER, &pl);
		if (!ec) {
			ASSERT_EQ(0, tier_model_eval(&h, &w, &pl, &rc));
			EXPECT_EQ(0, rc.over_capacity);
		}
		ei = tier_plan(&h, &w, TIER_PLAN_INTERLEAVE, &pl);
		if (!ei)
			ASSERT_EQ(0, tier_model_eval(&h, &w, &pl, &ri));
		if (total > room) {
			/* infeasible for all: nothing to compare, but check it */
			EXPECT_EQ(-ENOSPC, eg);
			EXPECT_EQ(-ENOSPC, ec);
			EXPECT_EQ(-ENOSPC, ei);
			infeasible++;
			continue;
		}
		ASSERT_EQ(0, ec) TH_LOG("%s seq %u batch %u: cxltier %d",
					models[mi], seqs[si], batches[bi], ec);
		ASSERT_EQ(0, ei);
		if (eg) {
			EXPECT_EQ(-ENOSPC, eg);
			greedy_only_fails++;
			continue;
		}
		compared++;
		/*
		 * Where the greedy's plan is already optimal, cxltier's equals
		 * it up to the rounding of fractions to whole pages and
		 * integer weights: allow 0.01%.
		 */
		worst = fmax(worst, rc.step_s / rg.step_s);
		EXPECT_LE(rc.step_s, rg.step_s * (1 + 1e-4)) {
			TH_LOG("%s seq %u batch %u DRAM %lluG AICs %u GPUs %u: cxltier %.4f s, greedy %.4f s",
			       models[mi], seqs[si], batches[bi],
			       (unsigned long long)drams[di], ai + 1, gi + 1,
			       rc.step_s, rg.step_s);
		}
		if (rc.step_s < rg.step_s * (1 - 1e-3))
			better++;
		n = &counts[mi][ai];
		vs_greedy[mi][ai][*n] = rg.step_s / rc.step_s;
		vs_inter[mi][ai][*n] = ri.step_s / rc.step_s;
		(*n)++;
	}
	note("GPU compute: %s\n", tflops > 0 ? "modelled" : "not modelled (host side only)");
	if (tflops > 0)
		note("GPU at %.0f TFLOP/s sustained\n", tflops);
	note("grid: %u configurations, %u compared, %u beyond the host's memory, %u where only the greedy fails; cxltier faster by more than 0.1%% in %u\n",
		       configs, compared, infeasible, greedy_only_fails, better);
	note("worst cxltier/greedy: %.7f\n", worst);
	note("predicted step time of greedy and of interleave over cxltier's, per configuration:\n");
	note("%-17s %4s %6s  %-22s  %-22s\n", "model", "AICs", "configs",
		       "greedy/cxltier min/med/max", "interleave/cxltier min/med/max");
	for (mi = 0; mi < 2; mi++)
		for (ai = 0; ai < 2; ai++) {
			unsigned int n = counts[mi][ai];

			if (!n)
				continue;
			qsort(vs_greedy[mi][ai], n, sizeof(double), cmp_double);
			qsort(vs_inter[mi][ai], n, sizeof(double), cmp_double);
			note("%-17s %4u %6u  %5.3f %5.3f %5.3f       %5.3f %5.3f %5.3f\n",
				       models[mi], ai + 1, n, vs_greedy[mi][ai][0],
				       vs_greedy[mi][ai][n / 2],
				       vs_greedy[mi][ai][n - 1], vs_inter[mi][ai][0],
				       vs_inter[mi][ai][n / 2],
				       vs_inter[mi][ai][n - 1]);
		}
	EXPECT_EQ(384, configs);
	EXPECT_EQ(configs, compared + infeasible + greedy_only_fails);
	/* the grid must exercise the comparison, not skip it */
	EXPECT_GT(compared, configs / 2);
}

TEST(cxltier_no_worse_than_greedy)
{
	run_grid(_metadata, 0);
}

/*
 * The same with the GPU's compute in the step (300 TFLOP/s sustained per
 * GPU, an assumption: the study does not give it): copies hide behind it,
 * the optimizer step does not.
 */
TEST(cxltier_no_worse_than_greedy_with_gpu_compute)
{
	run_grid(_metadata, 300);
}

/* ------------------------------------------------------------------------ */
/* The pieces                                                                 */

TEST(workload_llm_sizes)
{
	struct tier_llm m;
	struct tier_workload w;
	const uint64_t P = 12247782400ULL;

	ASSERT_EQ(0, tier_llm_lookup("mistral-nemo-12b", &m));
	EXPECT_EQ(P, m.params);
	EXPECT_EQ(40, m.layers);
	EXPECT_EQ(5120, m.hidden);
	m.seq = 8192;
	m.batch = 2;
	m.grad_accum = 3;
	m.nr_gpus = 2;
	ASSERT_EQ(0, tier_workload_llm(&m, &w));
	ASSERT_EQ(7, w.nr_classes);
	EXPECT_EQ(2, w.nr_gpus);
	EXPECT_EQ(4 * P, w.classes[0].bytes);
	EXPECT_EQ(4 * P, w.classes[0].cpu_read);
	EXPECT_EQ(4 * P * 3, w.classes[2].cpu_write);	/* master grads, A=3 */
	EXPECT_EQ(2 * P, w.classes[4].bytes);
	EXPECT_EQ(4 * P * 3, w.classes[4].h2d);	/* fwd + bwd per micro-step */
	EXPECT_EQ(TIER_CLASS_PINNED, w.classes[4].flags);
	/* activations: 2 bytes * B * S * H * L per GPU */
	EXPECT_EQ(2ULL * 2 * 8192 * 5120 * 40 * 2, w.classes[5].bytes);
	EXPECT_EQ(w.classes[5].bytes * 3, w.classes[5].d2h);
	EXPECT_EQ(w.classes[5].bytes * 3, w.classes[5].h2d);
	EXPECT_EQ(2 * P * 3, w.classes[6].d2h);
	EXPECT_EQ(0, w.classes[6].h2d);

	m.optimizer = TIER_OPT_LION;
	ASSERT_EQ(0, tier_workload_llm(&m, &w));
	EXPECT_EQ(6, w.nr_classes);
	EXPECT_STREQ("lion-m", w.classes[0].name);

	EXPECT_EQ(-ENOENT, tier_llm_lookup("gpt-5", &m));
	EXPECT_EQ(-EINVAL, tier_llm_lookup(NULL, &m));
	EXPECT_EQ(-ERANGE, tier_llm_model(2, &m));
	ASSERT_EQ(0, tier_llm_model(0, &m));
	m.seq = 0;
	EXPECT_EQ(-EINVAL, tier_workload_llm(&m, &w));
	m.seq = 4096;
	m.optimizer = 7;
	EXPECT_EQ(-EINVAL, tier_workload_llm(&m, &w));
	m.optimizer = TIER_OPT_ADAM;
	m.params = UINT64_MAX / 3;
	EXPECT_EQ(-EOVERFLOW, tier_workload_llm(&m, &w));
}

TEST(placement_of_policies)
{
	struct tier_model_host h;
	struct tier_workload w;
	struct tier_placement pl;
	struct tier_policy p;

	study_host(&h, GIB, GIB, 2);
	memset(&w, 0, sizeof(w));
	w.nr_gpus = 1;
	w.nr_classes = 1;
	/* 10 pages and a half */
	set_class(&w.classes[0], "x", 10 * 4096 + 2048, 1, 1, 0, 0, 0);

	ASSERT_EQ(0, tier_policy_parse("bind:0,1", &p));
	ASSERT_EQ(0, tier_placement_policy(&h, &w, &pl, 0, &p));
	/* 11 units round-robin: 6 on node 0 (the last one short), 5 on 1 */
	EXPECT_EQ(6 * 4096 - 2048, pl.bytes[0][0]);
	EXPECT_EQ(5 * 4096, pl.bytes[0][1]);
	EXPECT_EQ(0, pl.bytes[0][2]);

	ASSERT_EQ(0, tier_policy_parse("weighted:2=3,0=1", &p));
	ASSERT_EQ(0, tier_placement_policy(&h, &w, &pl, 0, &p));
	/* rounds of 4 pages: 2,2,2,0 | 2,2,2,0 | 2,2,2 (the last short) */
	EXPECT_EQ(9 * 4096 - 2048, pl.bytes[0][2]);
	EXPECT_EQ(2 * 4096, pl.bytes[0][0]);

	ASSERT_EQ(0, tier_policy_parse("split:0=30%,1=70%", &p));
	ASSERT_EQ(0, tier_placement_policy(&h, &w, &pl, 0, &p));
	/* round(11 * 0.3) = 3 units on node 0, the rest on node 1 */
	EXPECT_EQ(3 * 4096, pl.bytes[0][0]);
	EXPECT_EQ(8 * 4096 - 2048, pl.bytes[0][1]);

	ASSERT_EQ(0, tier_policy_parse("interleave:1,2,chunk=8K", &p));
	ASSERT_EQ(0, tier_placement_policy(&h, &w, &pl, 0, &p));
	/* 6 chunks of 2 pages, the last one of 1 page, half used */
	EXPECT_EQ(6 * 4096, pl.bytes[0][1]);
	EXPECT_EQ(5 * 4096 - 2048, pl.bytes[0][2]);

	ASSERT_EQ(0, tier_policy_parse("preferred:1,0", &p));
	ASSERT_EQ(0, tier_placement_policy(&h, &w, &pl, 0, &p));
	EXPECT_EQ(w.classes[0].bytes, pl.bytes[0][1]);

	ASSERT_EQ(0, tier_policy_parse("bind:7", &p));
	EXPECT_EQ(-ENODEV, tier_placement_policy(&h, &w, &pl, 0, &p));
	EXPECT_EQ(-EINVAL, tier_placement_policy(&h, &w, &pl, 1, &p));
	memset(&p, 0, sizeof(p));	/* no node: not a policy */
	EXPECT_EQ(-EINVAL, tier_placement_policy(&h, &w, &pl, 0, &p));
}

TEST(eval_rejects_bad_input)
{
	struct tier_policy p;
	struct tier_model_host h;
	struct tier_workload w;
	struct tier_placement pl;
	struct tier_model_result r;

	study_host(&h, GIB, GIB, 1);
	adam_step(&w, 1e6);
	ASSERT_EQ(0, place_all(&h, &w, &pl, "bind:0"));
	ASSERT_EQ(0, tier_model_eval(&h, &w, &pl, &r));
	pl.bytes[1][0]--;	/* a class's bytes that do not add up */
	EXPECT_EQ(-EINVAL, tier_model_eval(&h, &w, &pl, &r));
	pl.bytes[1][0]++;
	w.nr_gpus = 0;
	EXPECT_EQ(-EINVAL, tier_model_eval(&h, &w, &pl, &r));
	w.nr_gpus = 1;
	h.nodes[1].dma_d2h_gbps = 0;
	EXPECT_EQ(-EINVAL, tier_model_eval(&h, &w, &pl, &r));
	EXPECT_EQ(-EINVAL, tier_model_eval(NULL, &w, &pl, &r));
	/* a host with a zero bandwidth cannot be planned on either */
	EXPECT_EQ(-EINVAL, tier_plan(&h, &w, TIER_PLAN_CXLTIER, &pl));
	EXPECT_EQ(-EINVAL, tier_plan(&h, &w, TIER_PLAN_NR, &pl));
	/* counts beyond the arrays are refused, not followed */
	ASSERT_EQ(0, tier_policy_parse("bind:0", &p));
	w.nr_classes = TIER_MODEL_MAX_CLASSES + 1;
	EXPECT_EQ(-EINVAL, tier_model_eval(&h, &w, &pl, &r));
	EXPECT_EQ(-EINVAL, tier_placement_policy(&h, &w, &pl,
						 TIER_MODEL_MAX_CLASSES, &p));
	w.nr_classes = 4;
	h.nr_nodes = TIER_MODEL_MAX_NODES + 1;
	EXPECT_EQ(-EINVAL, tier_placement_policy(&h, &w, &pl, 0, &p));
	EXPECT_EQ(-EINVAL, tier_model_eval(&h, &w, &pl, &r));
	h.nr_nodes = 2;
	EXPECT_EQ(NULL, tier_plan_name(-1));
	EXPECT_STREQ("greedy", tier_plan_name(TIER_PLAN_GREEDY));
	EXPECT_EQ(-EEXIST, tier_model_host_add(&h, 0, CXLTIER_TIER_DRAM, 1, 0));
	EXPECT_EQ(-EINVAL, tier_model_host_add(&h, 5, 9, 1, 0));
	/* over capacity is reported, not refused */
	h.nodes[1].dma_d2h_gbps = 1;
	h.nodes[0].capacity = 1;
	ASSERT_EQ(0, tier_model_eval(&h, &w, &pl, &r));
	EXPECT_EQ(1, r.over_capacity);
}

/*
 * Where everything fits in DRAM, cxltier is no slower than DRAM-only.
 * With the cores' ceiling unknown (cpu_max_gbps 0) the model never credits
 * the optimizer with DRAM and CXL bandwidth at once, so cxltier keeps all
 * in DRAM and predicts the same time.  Only a stated ceiling above DRAM's
 * bandwidth (here DRAM's plus both AICs') makes adding CXL faster, and a
 * ceiling at DRAM's keeps everything in DRAM again.
 */
TEST(cxltier_keeps_what_fits_in_dram)
{
	struct tier_model_host h;
	struct tier_llm m;
	struct tier_workload w;
	struct tier_placement pl;
	struct tier_model_result rd, rc;
	unsigned int c, pass;
	/* cpu_max_gbps per pass: unknown, DRAM's, above DRAM's */
	double ceiling[3];

	study_host(&h, 512 * GIB, 256 * GIB, 2);
	ASSERT_EQ(0, tier_llm_lookup("qwen2.5-7b", &m));
	m.seq = 4096;
	ASSERT_EQ(0, tier_workload_llm(&m, &w));
	ceiling[0] = 0;
	ceiling[1] = h.nodes[0].cpu_read_gbps;
	ceiling[2] = h.nodes[0].cpu_read_gbps + h.nodes[1].cpu_read_gbps +
		     h.nodes[2].cpu_read_gbps;
	for (pass = 0; pass < 3; pass++) {
		h.cpu_max_gbps = ceiling[pass];
		ASSERT_EQ(0, tier_plan(&h, &w, TIER_PLAN_DRAM_ONLY, &pl));
		ASSERT_EQ(0, tier_model_eval(&h, &w, &pl, &rd));
		ASSERT_EQ(0, tier_plan(&h, &w, TIER_PLAN_CXLTIER, &pl));
		ASSERT_EQ(0, tier_model_eval(&h, &w, &pl, &rc));
		note("fits in DRAM, cpu_max %g GB/s: dram-only %.4f s, cxltier %.4f s\n",
		     h.cpu_max_gbps, rd.step_s, rc.step_s);
		EXPECT_LE(rc.step_s, rd.step_s * (1 + 1e-9));
		if (pass == 2) {
			EXPECT_LT(rc.step_s, rd.step_s * 0.99);
			continue;
		}
		for (c = 0; c < w.nr_classes; c++)
			EXPECT_EQ(w.classes[c].bytes, pl.bytes[c][0]);
	}

	/* DRAM too small for dram-only: it says so */
	study_host(&h, 16 * GIB, 256 * GIB, 1);
	EXPECT_EQ(-ENOSPC, tier_plan(&h, &w, TIER_PLAN_DRAM_ONLY, &pl));
}

/*
 * The optimizer figures (tierctl bench adam --tiers) and ranks, by hand:
 * one CPU class of 16 GB read and 12 GB written per step (an Adam step's
 * 28 bytes per element of 10^9 elements), no LLC, no overhead, so every
 * time is bytes over a rate.  Node 0 steps at 10 GB/s (6 GB/s per process
 * with two at once), node 2 at 5 (2.6).
 */
TEST(optimizer_figures_and_ranks)
{
	struct tier_model_host h;
	struct tier_workload w;
	struct tier_placement pl;
	struct tier_model_result r;
	const double X = 28e9;

	tier_model_host_init(&h);
	h.llc_bytes = 0;
	h.llc_miss_floor = 0;
	h.step_overhead_s = 0;
	ASSERT_EQ(0, tier_model_host_add(&h, 0, CXLTIER_TIER_DRAM, 30000000000ULL,
					 TIER_MODEL_NODE_LOCAL | TIER_MODEL_NODE_PINNABLE));
	ASSERT_EQ(1, tier_model_host_add(&h, 2, CXLTIER_TIER_CXL, 40000000000ULL, 0));
	h.nodes[0].optim_gbps = 10;
	h.nodes[0].optim_2p_gbps = 6;
	h.nodes[1].optim_gbps = 5;
	h.nodes[1].optim_2p_gbps = 2.6;
	memset(&w, 0, sizeof(w));
	w.nr_gpus = 1;
	w.nr_classes = 1;
	set_class(&w.classes[0], "adam", 16000000000ULL, 16000000000ULL,
		  12000000000ULL, 0, 0, 0);
	memset(&pl, 0, sizeof(pl));

	/* one node each: the node's optimizer rate, not its streaming rate */
	pl.bytes[0][0] = w.classes[0].bytes;
	ASSERT_EQ(0, tier_model_eval(&h, &w, &pl, &r));
	EXPECT_LT(fabs(r.cpu_s - X / 10e9), 1e-9);
	pl.bytes[0][0] = 0;
	pl.bytes[0][1] = w.classes[0].bytes;
	ASSERT_EQ(0, tier_model_eval(&h, &w, &pl, &r));
	EXPECT_LT(fabs(r.cpu_s - X / 5e9), 1e-9);

	/*
	 * Split 2:1, each node's share as long as the other's: the cores'
	 * ceiling unknown, no faster than all on node 0; with a ceiling of
	 * 15 GB/s, the shares' time.
	 */
	pl.bytes[0][0] = w.classes[0].bytes / 3 * 2;
	pl.bytes[0][1] = w.classes[0].bytes - pl.bytes[0][0];
	ASSERT_EQ(0, tier_model_eval(&h, &w, &pl, &r));
	EXPECT_LT(fabs(r.cpu_s - X / 10e9), 1e-9);
	h.cpu_max_gbps = 15;
	ASSERT_EQ(0, tier_model_eval(&h, &w, &pl, &r));
	EXPECT_LT(fabs(r.cpu_s - X / 15e9), 1e-6);
	h.cpu_max_gbps = 0;

	/* two ranks on node 0: each at 6 GB/s; without the figure, 10 / 2 */
	w.nr_ranks = 2;
	pl.bytes[0][0] = w.classes[0].bytes;
	pl.bytes[0][1] = 0;
	ASSERT_EQ(0, tier_model_eval(&h, &w, &pl, &r));
	EXPECT_LT(fabs(r.cpu_s - X / 6e9), 1e-9);
	h.nodes[0].optim_2p_gbps = 0;
	ASSERT_EQ(0, tier_model_eval(&h, &w, &pl, &r));
	EXPECT_LT(fabs(r.cpu_s - X / 5e9), 1e-9);
	/* and each rank has half of node 0's 30 GB: 16 GB is over 15 */
	EXPECT_EQ(1U, r.over_capacity);
	w.nr_ranks = 1;
	ASSERT_EQ(0, tier_model_eval(&h, &w, &pl, &r));
	EXPECT_EQ(0U, r.over_capacity);

	/* a figure that is not a number is refused */
	h.nodes[1].optim_gbps = -1;
	EXPECT_EQ(-EINVAL, tier_model_eval(&h, &w, &pl, &r));
}

/*
 * Ranks and their CXL nodes (tier_plan.h, tier_model_map_ranks()), masks
 * worked out by hand.  Sockets 0 and 1 (DRAM nodes 0 and 1), CXL nodes
 * 2 and 4 on socket 0, 3 on socket 1.
 */
static int two_socket_host(struct tier_model_host *h, int homes)
{
	static const uint32_t home[] = { 0, 1, 0, 1, 0 };
	uint32_t i;

	tier_model_host_init(h);
	if (tier_model_host_add(h, 0, CXLTIER_TIER_DRAM, 64 * GIB,
				TIER_MODEL_NODE_LOCAL | TIER_MODEL_NODE_PINNABLE) != 0 ||
	    tier_model_host_add(h, 1, CXLTIER_TIER_DRAM, 64 * GIB,
				TIER_MODEL_NODE_PINNABLE) != 1)
		return -1;
	for (i = 2; i <= 4; i++)
		if (tier_model_host_add(h, i, CXLTIER_TIER_CXL, 120 * GIB,
					TIER_MODEL_NODE_PINNABLE) != (int)i)
			return -1;
	for (i = 0; homes && i <= 4; i++) {
		h->nodes[i].home = home[i];
		h->nodes[i].flags |= TIER_MODEL_NODE_HOME;
	}
	return 0;
}

TEST(ranks_get_their_sockets_cxl_nodes)
{
	struct tier_model_host h;
	int32_t home[4];

	/* two ranks, one per socket: socket 0's rank has 2 and 4, socket 1's 3 */
	ASSERT_EQ(0, two_socket_host(&h, 1));
	home[0] = 1;
	home[1] = 0;
	ASSERT_EQ(TIER_RANKS_LOCAL, tier_model_map_ranks(&h, 2, home));
	EXPECT_EQ(0U, h.nodes[0].ranks);	/* DRAM: every rank's */
	EXPECT_EQ(0U, h.nodes[1].ranks);
	EXPECT_EQ(2U, h.nodes[2].ranks);
	EXPECT_EQ(1U, h.nodes[3].ranks);
	EXPECT_EQ(2U, h.nodes[4].ranks);

	/* three on socket 0 for its two nodes: ranks 0 and 2 share node 2 */
	home[0] = home[1] = home[2] = 0;
	home[3] = 1;
	ASSERT_EQ(TIER_RANKS_LOCAL, tier_model_map_ranks(&h, 4, home));
	EXPECT_EQ(1U | 4U, h.nodes[2].ranks);
	EXPECT_EQ(2U, h.nodes[4].ranks);
	EXPECT_EQ(8U, h.nodes[3].ranks);

	/* all on socket 1: its node 3 is theirs, socket 0's nodes in turn */
	home[0] = home[1] = 1;
	ASSERT_EQ(TIER_RANKS_LOCAL, tier_model_map_ranks(&h, 2, home));
	EXPECT_EQ(3U, h.nodes[3].ranks);
	EXPECT_EQ(1U, h.nodes[2].ranks);
	EXPECT_EQ(2U, h.nodes[4].ranks);

	/* a rank's home unknown: all in turn, node order */
	home[0] = -1;
	ASSERT_EQ(TIER_RANKS_ROUND_ROBIN, tier_model_map_ranks(&h, 2, home));
	EXPECT_EQ(1U, h.nodes[2].ranks);
	EXPECT_EQ(2U, h.nodes[3].ranks);
	EXPECT_EQ(1U, h.nodes[4].ranks);
	/* and with more ranks than CXL nodes, each node serves several */
	ASSERT_EQ(TIER_RANKS_ROUND_ROBIN, tier_model_map_ranks(&h, 4, NULL));
	EXPECT_EQ(1U | 8U, h.nodes[2].ranks);
	EXPECT_EQ(2U, h.nodes[3].ranks);
	EXPECT_EQ(4U, h.nodes[4].ranks);

	/* the nodes' homes unknown: in turn too */
	ASSERT_EQ(0, two_socket_host(&h, 0));
	home[0] = 0;
	home[1] = 1;
	ASSERT_EQ(TIER_RANKS_ROUND_ROBIN, tier_model_map_ranks(&h, 2, home));
	EXPECT_EQ(1U, h.nodes[2].ranks);
	/* one rank shares nothing */
	ASSERT_EQ(TIER_RANKS_SHARED, tier_model_map_ranks(&h, 1, home));
	EXPECT_EQ(0U, h.nodes[2].ranks);
	EXPECT_EQ(-EINVAL, tier_model_map_ranks(&h, 0, NULL));
	EXPECT_EQ(-EINVAL, tier_model_map_ranks(&h, TIER_MODEL_MAX_RANKS + 1, NULL));
	EXPECT_EQ(-EINVAL, tier_model_map_ranks(NULL, 2, NULL));
}

/*
 * A rank's view: a node of two ranks gives each half its capacity and
 * bandwidth, another rank's node nothing; the planner never names it.
 */
TEST(a_rank_plans_on_its_own_nodes)
{
	struct tier_model_host h;
	struct tier_workload w;
	static struct tier_placement pl;
	struct tier_model_result r;
	int32_t home[3] = { 0, 0, 1 };
	uint32_t s, c;

	ASSERT_EQ(0, two_socket_host(&h, 1));
	/* rank 0 and 1 on socket 0: nodes 2 and 4 one each; rank 2 has 3 */
	ASSERT_EQ(TIER_RANKS_LOCAL, tier_model_map_ranks(&h, 3, home));
	EXPECT_EQ(1U, h.nodes[2].ranks);
	EXPECT_EQ(2U, h.nodes[4].ranks);
	EXPECT_EQ(4U, h.nodes[3].ranks);
	memset(&w, 0, sizeof(w));
	w.nr_gpus = 1;
	w.nr_ranks = 3;
	w.nr_classes = 1;
	set_class(&w.classes[0], "adam", 100 * GIB, 100 * GIB, 100 * GIB, 0, 0, 0);
	for (w.rank = 0; w.rank < 3; w.rank++) {
		uint32_t own = w.rank == 0 ? 2 : w.rank == 1 ? 4 : 3;

		for (s = 0; s < TIER_PLAN_NR; s++) {
			int err = tier_plan(&h, &w, s, &pl);

			if (s == TIER_PLAN_DRAM_ONLY) {
				/* DRAM: 128 GiB shared by three, 42.7 each */
				EXPECT_EQ(-ENOSPC, err);
				continue;
			}
			ASSERT_EQ(0, err);
			for (c = 2; c <= 4; c++)
				if (c != own)
					EXPECT_EQ(0ULL, pl.bytes[0][c]);
			EXPECT_NE(0ULL, pl.bytes[0][own]);
		}
	}
	/* rank 0 on node 3 (rank 2's): over its capacity, which is 0 */
	w.rank = 0;
	memset(&pl, 0, sizeof(pl));
	pl.bytes[0][3] = w.classes[0].bytes;
	ASSERT_EQ(0, tier_model_eval(&h, &w, &pl, &r));
	EXPECT_EQ(1U << 3, r.over_capacity);
	/* rank 2 on it: its own, and unshared, 100 of 120 GiB fits */
	w.rank = 2;
	ASSERT_EQ(0, tier_model_eval(&h, &w, &pl, &r));
	EXPECT_EQ(0U, r.over_capacity);
	/* shared by two: 60 GiB each, 100 is over */
	h.nodes[3].ranks = 4U | 1U;
	ASSERT_EQ(0, tier_model_eval(&h, &w, &pl, &r));
	EXPECT_EQ(1U << 3, r.over_capacity);
	/* a rank out of range, a mask naming a rank beyond nr_ranks */
	w.rank = 3;
	EXPECT_EQ(-EINVAL, tier_model_eval(&h, &w, &pl, &r));
	EXPECT_EQ(-EINVAL, tier_plan(&h, &w, TIER_PLAN_CXLTIER, &pl));
	w.rank = 0;
	h.nodes[3].ranks = 8U;
	EXPECT_EQ(-EINVAL, tier_model_eval(&h, &w, &pl, &r));
}

/*
 * cxltier's plan is the model's optimum: no placement on a grid of
 * fractions (every class split over DRAM and one AIC in steps of 1/40,
 * 68921 placements) is predicted faster.  Three classes with different
 * patterns, DRAM too small for all of them, one GPU that writes into CXL.
 */
TEST(cxltier_is_the_models_optimum)
{
	struct tier_model_host h;
	struct tier_workload w;
	struct tier_placement pl;
	struct tier_model_result r;
	double best = 1e30, planned;
	unsigned int f[3], c, evaluated = 0;

	study_host(&h, 24 * GIB, 64 * GIB, 1);
	memset(&w, 0, sizeof(w));
	w.nr_gpus = 1;
	w.nr_classes = 3;
	set_class(&w.classes[0], "optimizer", 16 * GIB, 16 * GIB, 16 * GIB, 0, 0, 0);
	set_class(&w.classes[1], "grads", 8 * GIB, 8 * GIB, 0, 0, 16 * GIB,
		  TIER_CLASS_PINNED);
	set_class(&w.classes[2], "acts", 8 * GIB, 0, 0, 24 * GIB, 24 * GIB,
		  TIER_CLASS_PINNED);
	ASSERT_EQ(0, tier_plan(&h, &w, TIER_PLAN_CXLTIER, &pl));
	ASSERT_EQ(0, tier_model_eval(&h, &w, &pl, &r));
	planned = r.step_s;

	for (f[0] = 0; f[0] <= 40; f[0]++)
	for (f[1] = 0; f[1] <= 40; f[1]++)
	for (f[2] = 0; f[2] <= 40; f[2]++) {
		for (c = 0; c < 3; c++) {
			uint64_t b = w.classes[c].bytes, on0 = b / 40 * f[c];

			pl.bytes[c][0] = on0;
			pl.bytes[c][1] = b - on0;
		}
		if (pl.bytes[0][0] + pl.bytes[1][0] + pl.bytes[2][0] > 24 * GIB)
			continue;
		ASSERT_EQ(0, tier_model_eval(&h, &w, &pl, &r));
		best = fmin(best, r.step_s);
		evaluated++;
	}
	note("cxltier %.6f s; best of %u placements on the grid %.6f s\n",
	     planned, evaluated, best);
	EXPECT_GT(evaluated, 10000);
	EXPECT_LE(planned, best * (1 + 1e-4));
}

/* Pinned classes stay off nodes that cannot be pinned (movable-only CXL). */
TEST(cxltier_pinned_classes_on_pinnable_nodes)
{
	struct tier_model_host h;
	struct tier_llm m;
	struct tier_workload w;
	struct tier_placement pl;
	unsigned int c;

	tier_model_host_init(&h);
	tier_model_host_add(&h, 0, CXLTIER_TIER_DRAM, 80 * GIB,
			    TIER_MODEL_NODE_LOCAL | TIER_MODEL_NODE_PINNABLE);
	tier_model_host_add(&h, 2, CXLTIER_TIER_CXL, 256 * GIB, 0);
	ASSERT_EQ(0, tier_llm_lookup("qwen2.5-7b", &m));
	m.seq = 16384;
	ASSERT_EQ(0, tier_workload_llm(&m, &w));
	ASSERT_EQ(0, tier_plan(&h, &w, TIER_PLAN_CXLTIER, &pl));
	for (c = 0; c < w.nr_classes; c++)
		if (w.classes[c].flags & TIER_CLASS_PINNED) {
			EXPECT_EQ(0, pl.bytes[c][1]);
			EXPECT_TRUE(pl.policy[c].flags & CXLTIER_CREATE_PINNABLE);
		}
}

TEST_HARNESS_MAIN
