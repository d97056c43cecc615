// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * The planner: four strategies that place a workload's classes on a host's
 * nodes and say so with libtier policies (doc/cost-model.md, "Strategies").
 */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "model.h"

#define MAXN	TIER_MODEL_MAX_NODES
#define MAXC	TIER_MODEL_MAX_CLASSES

static const char *const plan_names[TIER_PLAN_NR] = {
	[TIER_PLAN_DRAM_ONLY] = "dram-only",
	[TIER_PLAN_INTERLEAVE] = "interleave",
	[TIER_PLAN_GREEDY] = "greedy",
	[TIER_PLAN_CXLTIER] = "cxltier",
};

TIER_EXPORT const char *tier_plan_name(int strategy)
{
	if (strategy < 0 || strategy >= TIER_PLAN_NR)
		return NULL;
	return plan_names[strategy];
}

/* A policy over host node indices @idx with @weights (NULL: none). */
static void make_policy(const struct tier_model_host *h, struct tier_policy *p,
			uint32_t mode, const int *idx, const uint32_t *weights,
			int n, uint32_t flags)
{
	int k;

	memset(p, 0, sizeof(*p));
	p->mode = n == 1 ? CXLTIER_MODE_BIND : mode;
	p->flags = flags;
	p->nr_nodes = (uint32_t)n;
	for (k = 0; k < n; k++) {
		p->nodes[k].node = h->nodes[idx[k]].node;
		p->nodes[k].weight = n == 1 || !weights ? 0 : weights[k];
	}
	if (n == 1)
		p->flags &= ~CXLTIER_CREATE_FALLBACK;
}

/* Place class @c by @p and take its bytes from @free_; -ENOSPC if over. */
static int place(const struct tier_model_host *h, const struct tier_workload *w,
		 struct tier_placement *pl, unsigned int c,
		 const struct tier_policy *p, uint64_t *free_, int check)
{
	uint32_t i;
	int err = tier_placement_policy(h, w, pl, c, p);

	if (err)
		return err;
	for (i = 0; i < h->nr_nodes; i++)
		if (check && pl->bytes[c][i] > free_[i])
			return -ENOSPC;
	for (i = 0; i < h->nr_nodes; i++)
		free_[i] -= pl->bytes[c][i] < free_[i] ? pl->bytes[c][i] : free_[i];
	return 0;
}

/*
 * Page interleave over the nodes @idx as Linux does it: equal shares, and
 * a node that is full hands the rest of its share to the others of the set
 * (water-filling).  The policy carries "fallback", which is what the
 * module needs to do the same.  -ENOSPC when the set cannot hold it.
 */
static int interleave_place(const struct tier_model_host *h,
			    const struct tier_workload *w,
			    struct tier_placement *pl, unsigned int c,
			    const int *idx, int n, uint64_t *free_)
{
	struct tier_policy p;
	uint64_t room = 0, left;
	int k, over = 0, open_, err;

	make_policy(h, &p, CXLTIER_MODE_INTERLEAVE, idx, NULL, n,
		    CXLTIER_CREATE_FALLBACK);
	err = tier_placement_policy(h, w, pl, c, &p);
	if (err)
		return err;
	for (k = 0; k < n; k++) {
		room += free_[idx[k]];
		if (pl->bytes[c][idx[k]] > free_[idx[k]])
			over = 1;
	}
	if (room < w->classes[c].bytes)
		return -ENOSPC;
	if (over) {
		/* water-fill: the fullest nodes are capped, the rest share */
		int capped[MAXN] = { 0 };

		left = w->classes[c].bytes;
		open_ = n;
		for (;;) {
			uint64_t share = left / (uint64_t)open_;
			int changed = 0;

			for (k = 0; k < n; k++)
				if (!capped[k] && free_[idx[k]] < share) {
					capped[k] = 1;
					pl->bytes[c][idx[k]] = free_[idx[k]];
					left -= free_[idx[k]];
					open_--;
					changed = 1;
				}
			if (!changed)
				break;
		}
		for (k = 0; k < n; k++) {
			if (capped[k])
				continue;
			pl->bytes[c][idx[k]] = left / (uint64_t)open_;
		}
		/* the remainder of the division, where there is room */
		left -= left / (uint64_t)open_ * (uint64_t)open_;
		for (k = 0; k < n && left; k++) {
			uint64_t r = free_[idx[k]] - pl->bytes[c][idx[k]];

			r = r < left ? r : left;
			pl->bytes[c][idx[k]] += r;
			left -= r;
		}
	}
	for (k = 0; k < n; k++)
		free_[idx[k]] -= pl->bytes[c][idx[k]];
	return 0;
}

/*
 * Place class @c with integer weights near the fractions @frac (by host
 * node index) summing to @denom, in @mode (split or weighted), within
 * @free_: rounding that would overfill a node moves a weight to the node
 * in @allowed (a bit per host node index) with the most room left.
 */
static int weights_place(const struct tier_model_host *h,
			 const struct tier_workload *w,
			 struct tier_placement *pl, unsigned int c,
			 const double *frac, uint32_t denom, uint32_t mode,
			 uint32_t flags, uint32_t allowed, uint64_t *free_)
{
	uint32_t weights[MAXN] = { 0 }, wk[MAXN], sum = 0;
	double rem[MAXN];
	int idx[MAXN], n, tries, err;
	uint32_t i;

	for (i = 0; i < h->nr_nodes; i++) {
		double v = frac[i] > 0 ? frac[i] * denom : 0;

		weights[i] = (uint32_t)floor(v);
		rem[i] = v - weights[i];
		sum += weights[i];
	}
	while (sum < denom) {	/* largest remainders first */
		int best = -1;

		for (i = 0; i < h->nr_nodes; i++)
			if (frac[i] > 0 && (best < 0 || rem[i] > rem[best]))
				best = (int)i;
		if (best < 0)
			return -EINVAL;
		weights[best]++;
		rem[best] = -1;
		sum++;
	}
	for (tries = 0; tries < 64; tries++) {
		struct tier_policy p;
		int worst = -1, roomy = -1, in_policy = 0;
		uint64_t spare = 0, over, move;

		n = 0;
		for (i = 0; i < h->nr_nodes; i++)
			if (weights[i]) {
				idx[n] = (int)i;
				wk[n++] = weights[i];
			}
		make_policy(h, &p, mode, idx, wk, n, flags);
		err = tier_placement_policy(h, w, pl, c, &p);
		if (err)
			return err;
		for (i = 0; i < h->nr_nodes; i++) {
			uint64_t room;

			if (pl->bytes[c][i] > free_[i] && worst < 0)
				worst = (int)i;
			if (!(allowed & (1U << i)) || pl->bytes[c][i] > free_[i])
				continue;
			/* the policy's own nodes first: no new tiny share */
			room = free_[i] - pl->bytes[c][i];
			if (room > spare || (weights[i] && !in_policy && room)) {
				if (weights[i] || !in_policy) {
					spare = room;
					roomy = (int)i;
					in_policy = weights[i] != 0;
				}
			}
		}
		if (worst < 0) {
			for (i = 0; i < h->nr_nodes; i++)
				free_[i] -= pl->bytes[c][i];
			return 0;
		}
		if (roomy < 0)
			return -ENOSPC;
		/* the weight the overflow is worth, and one more for rounding */
		over = pl->bytes[c][worst] - free_[worst];
		move = (uint64_t)((unsigned __int128)over * denom /
				  w->classes[c].bytes) + 1;
		if (move > weights[worst])
			move = weights[worst];
		weights[worst] -= (uint32_t)move;
		weights[roomy] += (uint32_t)move;
	}
	return -ENOSPC;
}

static int is_cxl(const struct tier_model_host *h, uint32_t i)
{
	return h->nodes[i].tier == CXLTIER_TIER_CXL;
}

static int local_node(const struct tier_model_host *h)
{
	uint32_t i;

	for (i = 0; i < h->nr_nodes; i++)
		if (h->nodes[i].tier == CXLTIER_TIER_DRAM &&
		    (h->nodes[i].flags & TIER_MODEL_NODE_LOCAL))
			return (int)i;
	return -ENODEV;
}

/* Everything on DRAM: the local node first, then the other DRAM nodes. */
static int plan_dram_only(const struct tier_model_host *h,
			  const struct tier_workload *w,
			  struct tier_placement *pl, uint64_t *free_)
{
	int order[MAXN], n = 0, loc = local_node(h), k, err;
	uint64_t room = 0, need = 0;
	uint32_t c, i, dram = 0;

	if (loc >= 0)
		order[n++] = loc;
	for (i = 0; i < h->nr_nodes; i++) {
		if (!is_cxl(h, i) && (int)i != loc)
			order[n++] = (int)i;
		if (!is_cxl(h, i))
			dram |= 1U << i;
	}
	if (!n)
		return -ENODEV;
	for (k = 0; k < n; k++)
		room += free_[order[k]];
	for (c = 0; c < w->nr_classes; c++)
		need += w->classes[c].bytes;
	if (need > room)
		return -ENOSPC;
	for (c = 0; c < w->nr_classes; c++) {
		double frac[MAXN] = { 0 };
		uint64_t left = w->classes[c].bytes;
		struct tier_policy p;

		for (k = 0; k < n; k++)	/* one node that holds it all */
			if (free_[order[k]] >= left)
				break;
		if (k < n) {
			make_policy(h, &p, CXLTIER_MODE_BIND, &order[k], NULL, 1, 0);
			err = place(h, w, pl, c, &p, free_, 1);
		} else {
			for (k = 0; k < n && left; k++) {
				uint64_t take = free_[order[k]] < left ?
						free_[order[k]] : left;

				frac[order[k]] = (double)take /
						 (double)w->classes[c].bytes;
				left -= take;
			}
			err = weights_place(h, w, pl, c, frac, 10000,
					    CXLTIER_MODE_SPLIT, 0, dram, free_);
		}
		if (err)
			return err;
	}
	return 0;
}

static int plan_interleave(const struct tier_model_host *h,
			   const struct tier_workload *w,
			   struct tier_placement *pl, uint64_t *free_)
{
	int idx[MAXN], n = 0, err;
	uint32_t c, i;

	for (i = 0; i < h->nr_nodes; i++)
		if (h->nodes[i].capacity)	/* not another rank's */
			idx[n++] = (int)i;
	if (!n)
		return -ENOSPC;
	for (c = 0; c < w->nr_classes; c++) {
		err = interleave_place(h, w, pl, c, idx, n, free_);
		if (err)
			return err;
	}
	return 0;
}

/*
 * The study's latency-first greedy (doc/cost-model.md, "Strategies"), as
 * the study states it: one local node whose capacity is the DRAM budget,
 * the CXL nodes' capacity the CXL budget, classes in priority order.  A
 * class that fits the remaining DRAM budget gets DRAM; one that does not,
 * while DRAM remains, books min(remaining DRAM, size / (1 + nCXL)) against
 * DRAM and the rest against CXL, and the walk goes on with the DRAM that
 * remains; without DRAM left, a class books all against CXL.  Every class
 * is page-interleaved over its node set, even a set of one node.  The
 * study only asserts at the end that the CXL budget held: -ENOSPC if not.
 */
static int plan_greedy(const struct tier_model_host *h,
		       const struct tier_workload *w,
		       struct tier_placement *pl, uint64_t *free_)
{
	int loc = local_node(h), cxl[MAXN + 1], ncxl = 0, both[MAXN + 1], err;
	uint64_t dram, cxl_budget = 0, cxl_booked = 0;
	uint32_t c, i;

	if (loc < 0)
		return -ENODEV;
	dram = free_[loc];
	both[0] = loc;
	for (i = 0; i < h->nr_nodes; i++)
		if (is_cxl(h, i) && h->nodes[i].capacity) {	/* this rank's */
			cxl[ncxl] = (int)i;
			both[++ncxl] = (int)i;
			cxl_budget += free_[i];
		}
	for (c = 0; c < w->nr_classes; c++) {
		uint64_t bytes = w->classes[c].bytes, book;
		struct tier_policy p;

		/*
		 * Fits the budget, and the node (interleave's rounding can give
		 * DRAM a page more than was booked): else it partly fits.
		 */
		if (bytes <= dram && bytes <= free_[loc]) {
			/* interleave over the one node: the study's own call */
			make_policy(h, &p, CXLTIER_MODE_INTERLEAVE, &loc, NULL,
				    1, 0);
			p.mode = CXLTIER_MODE_INTERLEAVE;
			err = place(h, w, pl, c, &p, free_, 1);
			dram -= bytes;
		} else if (!ncxl) {
			return -ENOSPC;
		} else if (dram) {
			book = bytes / (1 + (uint64_t)ncxl);
			if (book > dram)
				book = dram;
			dram -= book;
			cxl_booked += bytes - book;
			err = interleave_place(h, w, pl, c, both, ncxl + 1, free_);
		} else {
			cxl_booked += bytes;
			err = interleave_place(h, w, pl, c, cxl, ncxl, free_);
		}
		if (err)
			return err;
	}
	return cxl_booked > cxl_budget ? -ENOSPC : 0;
}

/*
 * cxltier's planner: the model's linear program (doc/cost-model.md,
 * "cxltier's planner").  Variables: x[c][i], the fraction of class c on
 * node i (pinned classes: PINNABLE nodes only), Tcpu and Tdma.
 *   minimise Tcpu + Tdma
 *   sum_i x[c][i] = 1                                   every class
 *   sum_c bytes[c] x[c][i] <= capacity[i]               every node
 *   sum_c cpu_s[c][i] x[c][i] <= Tcpu                   every node
 *   sum_c h2d_s[c][i] x[c][i] <= Tdma, same for d2h     every node
 *   Tdma >= link time (both directions), GPU compute
 *   Tcpu >= all misses at cpu_max_gbps
 * Constant terms (step overhead, LLC time) do not depend on placement.
 * Classes in @fixed are placed already (@pl, their bytes gone from
 * @free_): their loads are constants.  @frac: out, per class and node.
 */
static int cxltier_lp(const struct tier_model_host *h,
		      const struct tier_workload *w,
		      const struct tier_placement *pl, uint32_t fixed,
		      const uint64_t *free_, double frac[MAXC][MAXN])
{
	int var[MAXC][MAXN], nv = 0, m = 0, rows, tcpu, tdma, err;
	double hit = tier_model_llc_hit(h, w), lower, *a = NULL, *b = NULL,
	       *cost = NULL, *x = NULL;
	enum tier_lp_row *type = NULL;
	uint32_t c, i;

	for (c = 0; c < w->nr_classes; c++) {
		int any = 0;

		for (i = 0; i < h->nr_nodes; i++) {
			var[c][i] = -1;
			if ((fixed & (1U << c)) || !free_[i] ||
			    ((w->classes[c].flags & TIER_CLASS_PINNED) &&
			     !(h->nodes[i].flags & TIER_MODEL_NODE_PINNABLE)))
				continue;
			var[c][i] = nv++;
			any = 1;
		}
		if (!any && !(fixed & (1U << c)))
			return -ENOSPC;
	}
	tcpu = nv++;
	tdma = nv++;
	rows = (int)w->nr_classes + 4 * (int)h->nr_nodes + 2;
	a = calloc((size_t)rows * nv, sizeof(*a));
	b = calloc((size_t)rows, sizeof(*b));
	type = calloc((size_t)rows, sizeof(*type));
	cost = calloc((size_t)nv, sizeof(*cost));
	x = calloc((size_t)nv, sizeof(*x));
	if (!a || !b || !type || !cost || !x) {
		err = -ENOMEM;
		goto out;
	}
#define A(r, v)	a[(size_t)(r) * nv + (v)]
	for (c = 0; c < w->nr_classes; c++) {
		if (fixed & (1U << c))
			continue;
		for (i = 0; i < h->nr_nodes; i++)
			if (var[c][i] >= 0)
				A(m, var[c][i]) = 1;
		type[m] = TIER_LP_EQ;
		b[m++] = 1;
	}
	for (i = 0; i < h->nr_nodes; i++) {
		const struct tier_model_node *n = &h->nodes[i];
		int r_cap = m++, r_cpu = m++, r_h2d = m++, r_d2h = m++;

		for (c = 0; c < w->nr_classes; c++) {
			const struct tier_class *k = &w->classes[c];
			int v = var[c][i];

			if (fixed & (1U << c)) {
				double f = k->bytes ? (double)pl->bytes[c][i] /
						      (double)k->bytes : 0;

				b[r_cpu] -= tier_model_cpu_node_s(n, k, f, hit);
				b[r_h2d] -= tier_model_copy_node_s(n, k, f, 1);
				b[r_d2h] -= tier_model_copy_node_s(n, k, f, 0);
				continue;
			}
			if (v < 0)
				continue;
			A(r_cap, v) = (double)k->bytes / (double)free_[i];
			A(r_cpu, v) = tier_model_cpu_node_s(n, k, 1, hit);
			A(r_h2d, v) = tier_model_copy_node_s(n, k, 1, 1);
			A(r_d2h, v) = tier_model_copy_node_s(n, k, 1, 0);
			/*
			 * Ties (a class off every bottleneck) go to the
			 * faster tier, by the CPU traffic that would stream
			 * from it, so that the DRAM a tie leaves is the CPU
			 * classes' (slack when copied classes are rounded);
			 * far below any modelled time.
			 */
			cost[v] = 1e-9 * n->latency_ns / 100 *
				  ((double)k->cpu_read + (double)k->cpu_write +
				   (double)k->bytes) / 1e9;
		}
		type[r_cap] = TIER_LP_LE;
		b[r_cap] = free_[i] ? 1 : 0;
		A(r_cpu, tcpu) = -1;
		A(r_h2d, tdma) = -1;
		A(r_d2h, tdma) = -1;
		type[r_cpu] = type[r_h2d] = type[r_d2h] = TIER_LP_LE;
	}
	lower = tier_model_link_s(h, w, 1);
	if (tier_model_link_s(h, w, 0) > lower)
		lower = tier_model_link_s(h, w, 0);
	if (tier_model_compute_s(h, w) > lower)
		lower = tier_model_compute_s(h, w);
	A(m, tdma) = 1;
	type[m] = TIER_LP_GE;
	b[m++] = lower;
	A(m, tcpu) = 1;
	type[m] = TIER_LP_GE;
	b[m++] = tier_model_cpu_floor_s(h, w);
#undef A
	cost[tcpu] = 1;
	cost[tdma] = 1;
	err = tier_lp_solve(m, nv, a, type, b, cost, x);
	if (err)
		goto out;
	for (c = 0; c < w->nr_classes; c++)
		for (i = 0; i < h->nr_nodes; i++)
			frac[c][i] = var[c][i] >= 0 && x[var[c][i]] > 1e-7 ?
				     x[var[c][i]] : 0;
out:
	free(x);
	free(cost);
	free(type);
	free(b);
	free(a);
	return err;
}

/* Same traffic per byte in every respect: interchangeable for the model. */
static int same_pattern(const struct tier_class *a, const struct tier_class *b)
{
	typedef unsigned __int128 u128;

	return a->flags == b->flags &&
	       (u128)a->cpu_read * b->bytes == (u128)b->cpu_read * a->bytes &&
	       (u128)a->cpu_write * b->bytes == (u128)b->cpu_write * a->bytes &&
	       (u128)a->h2d * b->bytes == (u128)b->h2d * a->bytes &&
	       (u128)a->d2h * b->bytes == (u128)b->d2h * a->bytes;
}

/*
 * Classes with the same pattern are interchangeable, so the LP's vertex
 * may put one all on CXL and its twin all on DRAM.  Give each the group's
 * shares instead: every node's load and bytes stay what they were (they
 * are linear in each class's bytes with equal coefficients), and each
 * optimizer tensor gets the same split, so a thread's range of m, v and
 * the weights is on the same node.
 */
static void even_out(const struct tier_model_host *h,
		     const struct tier_workload *w, uint32_t fixed,
		     double frac[MAXC][MAXN])
{
	uint32_t done = fixed, c, d, i;

	for (c = 0; c < w->nr_classes; c++) {
		double node[MAXN] = { 0 }, total = 0;
		uint32_t group = 0;

		if (done & (1U << c))
			continue;
		for (d = c; d < w->nr_classes; d++) {
			if ((done & (1U << d)) ||
			    !same_pattern(&w->classes[c], &w->classes[d]))
				continue;
			group |= 1U << d;
			total += (double)w->classes[d].bytes;
			for (i = 0; i < h->nr_nodes; i++)
				node[i] += frac[d][i] * (double)w->classes[d].bytes;
		}
		done |= group;
		if (!(total > 0))
			continue;
		for (d = c; d < w->nr_classes; d++)
			if (group & (1U << d))
				for (i = 0; i < h->nr_nodes; i++)
					frac[d][i] = node[i] / total;
	}
}

/*
 * Copied classes interleave page by page (every copy then streams from all
 * their nodes at once), with weights summing to 10000 (a round of 40 MiB
 * of 4 KiB pages); CPU-only classes split into one range per node, for the
 * optimizer's threads, with weights summing to 1000000.  Copied classes are
 * rounded one at a time, and the LP is solved again around what is fixed
 * after each, so that the later classes make up for the rounding.
 */
static int plan_cxltier(const struct tier_model_host *h,
			const struct tier_workload *w,
			struct tier_placement *pl, uint64_t *free_)
{
	double frac[MAXC][MAXN];
	uint32_t fixed = 0, c, i;
	int err;

	for (;;) {
		int copied_left = 0;

		for (c = 0; c < w->nr_classes; c++)
			if (!(fixed & (1U << c)) &&
			    (w->classes[c].h2d || w->classes[c].d2h))
				copied_left = 1;
		err = cxltier_lp(h, w, pl, fixed, free_, frac);
		if (err)
			return err;
		even_out(h, w, fixed, frac);
		for (c = 0; c < w->nr_classes; c++) {
			const struct tier_class *k = &w->classes[c];
			int copied = k->h2d || k->d2h;
			uint32_t allowed = 0, big = 0;
			double total = 0;

			if ((fixed & (1U << c)) || (copied_left && !copied))
				continue;
			for (i = 0; i < h->nr_nodes; i++) {
				if ((k->flags & TIER_CLASS_PINNED) &&
				    !(h->nodes[i].flags & TIER_MODEL_NODE_PINNABLE))
					continue;
				allowed |= 1U << i;
				if (frac[c][i] > frac[c][big])
					big = i;
			}
			for (i = 0; i < h->nr_nodes; i++) {
				/*
				 * Less than a 2 MiB page: not worth a range,
				 * but a class smaller than that keeps its
				 * largest share whole.
				 */
				if (i != big &&
				    frac[c][i] * (double)k->bytes < 2097152.0)
					frac[c][i] = 0;
				total += frac[c][i];
			}
			if (!(total > 0))
				return -ENOSPC;
			for (i = 0; i < h->nr_nodes; i++)
				frac[c][i] /= total;
			err = weights_place(h, w, pl, c, frac[c],
					    copied ? 10000 : 1000000,
					    copied ? CXLTIER_MODE_WEIGHTED :
						     CXLTIER_MODE_SPLIT,
					    (k->flags & TIER_CLASS_PINNED) ?
						    CXLTIER_CREATE_PINNABLE : 0,
					    allowed, free_);
			if (err)
				return err;
			fixed |= 1U << c;
			if (copied_left)
				break;	/* solve again before the next one */
		}
		if (!copied_left)
			return 0;
	}
}

/*
 * A pinned class is copied by DMA from pinned pages, so its buffers are
 * created pinnable, which the module refuses on a node that cannot be
 * pinned (a movable-only one: EXDEV).  Every strategy's pinned classes get
 * the flag; one that put such a class on such a node cannot be built.
 */
static int pinned_where_pinnable(const struct tier_model_host *h,
				 const struct tier_workload *w,
				 struct tier_placement *pl)
{
	uint32_t c, i;
	int err = 0;

	for (c = 0; c < w->nr_classes; c++) {
		if (!(w->classes[c].flags & TIER_CLASS_PINNED))
			continue;
		pl->policy[c].flags |= CXLTIER_CREATE_PINNABLE;
		for (i = 0; i < h->nr_nodes; i++)
			if (pl->bytes[c][i] &&
			    !(h->nodes[i].flags & TIER_MODEL_NODE_PINNABLE))
				err = -EXDEV;
	}
	return err;
}

TIER_EXPORT int tier_plan(const struct tier_model_host *host, const struct tier_workload *w,
	      int strategy, struct tier_placement *pl)
{
	struct tier_model_host view, *h = &view;
	uint64_t free_[MAXN];
	uint32_t i;
	int err;

	if (!host || !w || !pl || strategy < 0 || strategy >= TIER_PLAN_NR ||
	    !tier_model_host_ok(host) || !tier_model_ranks_ok(host, w) ||
	    !w->nr_gpus || w->nr_classes > MAXC)
		return -EINVAL;
	/* one rank's plan: every rank places its classes alike */
	tier_model_rank_view(host, w, &view);
	memset(pl, 0, sizeof(*pl));
	for (i = 0; i < h->nr_nodes; i++)
		free_[i] = h->nodes[i].capacity;
	switch (strategy) {
	case TIER_PLAN_DRAM_ONLY:
		err = plan_dram_only(h, w, pl, free_);
		break;
	case TIER_PLAN_INTERLEAVE:
		err = plan_interleave(h, w, pl, free_);
		break;
	case TIER_PLAN_GREEDY:
		err = plan_greedy(h, w, pl, free_);
		break;
	default:
		err = plan_cxltier(h, w, pl, free_);
		break;
	}
	if (!err)
		err = pinned_where_pinnable(h, w, pl);
	if (err && err != -EXDEV)
		memset(pl, 0, sizeof(*pl));
	return err;
}
