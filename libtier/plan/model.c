// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * The cost model: tensor classes, tiers and placements in; the optimizer
 * step's CPU time, the copies' time and their sum out.  doc/cost-model.md
 * has the formulas, why they hold and where the study host's figures come
 * from; the comments here only point at its sections.
 */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include <linux/cxltier_layout.h>

#include "model.h"

#define GB	1e9

/*
 * The study host (doc/cost-model.md, "The study host").  Derived from six
 * of the study's optimizer-step figures and two of its copy figures; every
 * other published figure is a prediction the tests check.
 */
#define STUDY_DRAM_GBPS		275.75	/* 671M-element step from DRAM */
#define STUDY_AIC_GBPS		67.64	/* 671M-element step from one AIC */
#define STUDY_LLC_BYTES		209e6	/* 21.0M-element step from one AIC */
#define STUDY_LLC_GBPS		494.0	/* 1.84M and 12.8M steps from DRAM */
#define STUDY_LLC_MISS_FLOOR	0.0280	/* 12.8M step: AIC against DRAM */
#define STUDY_STEP_OVERHEAD_S	64.4e-6	/* 1.84M and 12.8M steps from DRAM */
#define GIB_GB			(1073741824.0 / GB)
#define STUDY_LINK_H2D_GBPS	(51.8 * GIB_GB)	/* DRAM -> GPU copy */
#define STUDY_LINK_D2H_GBPS	(51.7 * GIB_GB)	/* GPU -> DRAM copy */
#define STUDY_AIC_H2D_GBPS	(49.8 * GIB_GB)	/* AIC -> GPU copy */
#define STUDY_AIC_D2H_GBPS	(34.7 * GIB_GB)	/* GPU -> AIC copy */
#define STUDY_DRAM_LATENCY_NS	110.0	/* typical, orders tiers only */
#define STUDY_CXL_LATENCY_NS	250.0

TIER_EXPORT int tier_model_host_init(struct tier_model_host *h)
{
	if (!h)
		return -EINVAL;
	memset(h, 0, sizeof(*h));
	h->link_h2d_gbps = STUDY_LINK_H2D_GBPS;
	h->link_d2h_gbps = STUDY_LINK_D2H_GBPS;
	h->llc_bytes = STUDY_LLC_BYTES;
	h->llc_gbps = STUDY_LLC_GBPS;
	h->llc_miss_floor = STUDY_LLC_MISS_FLOOR;
	h->step_overhead_s = STUDY_STEP_OVERHEAD_S;
	h->gpu_tflops = 0;
	return 0;
}

TIER_EXPORT int tier_model_host_add(struct tier_model_host *h, uint32_t node, uint32_t tier,
			uint64_t capacity, uint32_t flags)
{
	struct tier_model_node *n;
	uint32_t i;

	if (!h || (tier != CXLTIER_TIER_DRAM && tier != CXLTIER_TIER_CXL) ||
	    (flags & ~(TIER_MODEL_NODE_LOCAL | TIER_MODEL_NODE_PINNABLE)))
		return -EINVAL;
	for (i = 0; i < h->nr_nodes; i++)
		if (h->nodes[i].node == node)
			return -EEXIST;
	if (h->nr_nodes >= TIER_MODEL_MAX_NODES)
		return -E2BIG;
	n = &h->nodes[h->nr_nodes];
	memset(n, 0, sizeof(*n));
	n->node = node;
	n->tier = tier;
	n->flags = flags;
	n->capacity = capacity;
	if (tier == CXLTIER_TIER_DRAM) {
		/*
		 * The study gives one mixed read/write figure; DRAM's DMA
		 * ceiling is its memory bandwidth (the link is far below).
		 */
		n->cpu_read_gbps = n->cpu_write_gbps = STUDY_DRAM_GBPS;
		n->dma_h2d_gbps = n->dma_d2h_gbps = STUDY_DRAM_GBPS;
		n->latency_ns = STUDY_DRAM_LATENCY_NS;
	} else {
		n->cpu_read_gbps = n->cpu_write_gbps = STUDY_AIC_GBPS;
		n->dma_h2d_gbps = STUDY_AIC_H2D_GBPS;
		n->dma_d2h_gbps = STUDY_AIC_D2H_GBPS;
		n->latency_ns = STUDY_CXL_LATENCY_NS;
	}
	return (int)h->nr_nodes++;
}

/* The socket of topology node @t, for tier_model_map_ranks(). */
static void node_home(const struct tier_node *t, struct tier_model_node *n)
{
	n->home = t->nearest_cpu_node;
	n->flags |= TIER_MODEL_NODE_HOME;
}

/*
 * The module's device-dax pools as pinnable CXL nodes (the study's figures
 * for a CXL node: a pool is CXL memory the module hands out).  Two pools
 * of one target node are one node of their summed free bytes: a policy
 * names the node, and the module takes from its pools in turn.
 */
static int host_add_pools(struct tier_ctx *ctx, struct tier_model_host *h)
{
	struct tier_daxpool pools[TIER_MODEL_MAX_NODES];
	struct tier_node n;
	uint32_t first_pool = h->nr_nodes;
	int nr, i, k;

	if (tier_backend(ctx) != TIER_BACKEND_MODULE)
		return 0;
	nr = tier_daxpool_list(ctx, pools, TIER_MODEL_MAX_NODES);
	if (nr < 0)
		return nr;
	if (nr > TIER_MODEL_MAX_NODES)
		return -E2BIG;
	for (i = 0; i < nr; i++) {
		k = tier_model_node_index(h, pools[i].node);
		if (k >= (int)first_pool) {
			/* a second pool of the node (policies name the node) */
			h->nodes[k].capacity += pools[i].free_bytes;
			continue;
		}
		if (k >= 0)
			continue;	/* a node with memory of its own: not a pool's */
		k = tier_model_host_add(h, pools[i].node, CXLTIER_TIER_CXL,
					pools[i].free_bytes,
					TIER_MODEL_NODE_PINNABLE);
		if (k < 0)
			return k;
		/* an offline node still has its distances in the snapshot */
		if (!tier_node_by_id(ctx, pools[i].node, &n))
			node_home(&n, &h->nodes[k]);
	}
	return 0;
}

TIER_EXPORT int tier_model_host_from_ctx(struct tier_ctx *ctx,
			     struct tier_model_host *h)
{
	int i, nr, err;

	if (!ctx || !h)
		return -EINVAL;
	nr = tier_nr_nodes(ctx);
	if (nr < 0)
		return nr;
	if (nr > TIER_MODEL_MAX_NODES)
		return -E2BIG;
	tier_model_host_init(h);
	for (i = 0; i < nr; i++) {
		struct tier_node n;
		uint32_t flags = 0;

		err = tier_node(ctx, i, &n);
		if (err)
			return err;
		if (n.tier == CXLTIER_TIER_DRAM && (n.flags & CXLTIER_NODE_HAS_CPUS))
			flags |= TIER_MODEL_NODE_LOCAL;
		if (!(n.flags & CXLTIER_NODE_MOVABLE_ONLY))
			flags |= TIER_MODEL_NODE_PINNABLE;
		err = tier_model_host_add(h, n.node,
					  n.tier == CXLTIER_TIER_DRAM ?
					  CXLTIER_TIER_DRAM : CXLTIER_TIER_CXL,
					  n.free_bytes, flags);
		if (err < 0)
			return err;
		node_home(&n, &h->nodes[err]);
	}
	return host_add_pools(ctx, h);
}

/* ------------------------------------------------------------------------ */
/* Placements                                                                 */

int tier_model_node_index(const struct tier_model_host *h, uint32_t node)
{
	uint32_t i;

	for (i = 0; i < h->nr_nodes; i++)
		if (h->nodes[i].node == node)
			return (int)i;
	return -ENODEV;
}

/*
 * Class @cls placed by policy @p: each entry's bytes, unit by unit as the
 * module would place them (the uapi's layout arithmetic), a short last unit
 * counted for what it holds.
 */
TIER_EXPORT int tier_placement_policy(const struct tier_model_host *h,
			  const struct tier_workload *w,
			  struct tier_placement *pl, unsigned int cls,
			  const struct tier_policy *p)
{
	char s[TIER_POLICY_STRLEN];
	__u64 split_end[TIER_MAX_POLICY_NODES];
	struct cxltier_layout l = { .weight_stride = 2, .split_end = split_end };
	uint64_t bytes, unit, prefix = 0;
	unsigned int shift;
	int idx[TIER_MAX_POLICY_NODES];
	uint32_t k;

	if (!h || !w || !pl || !p || cls >= w->nr_classes ||
	    cls >= TIER_MODEL_MAX_CLASSES || h->nr_nodes > TIER_MODEL_MAX_NODES ||
	    tier_policy_format(p, s, sizeof(s)) < 0)
		return -EINVAL;
	l.mode = p->mode;
	l.nr_nodes = p->nr_nodes;
	l.weights = &p->nodes[0].weight;
	for (k = 0; k < p->nr_nodes; k++) {
		idx[k] = tier_model_node_index(h, p->nodes[k].node);
		if (idx[k] < 0)
			return -ENODEV;
		l.weight_sum += p->nodes[k].weight;
	}
	bytes = w->classes[cls].bytes;
	shift = p->page_shift ? p->page_shift : 12;
	unit = 1ULL << shift;
	l.nr_units = bytes / unit + !!(bytes % unit);
	l.chunk_units_shift = p->chunk_shift > shift ? p->chunk_shift - shift : 0;
	for (k = 0; k < p->nr_nodes && p->mode == CXLTIER_MODE_SPLIT; k++) {
		prefix += p->nodes[k].weight;
		split_end[k] = cxltier_layout_split_end(l.nr_units, prefix,
							l.weight_sum);
	}

	memset(pl->bytes[cls], 0, sizeof(pl->bytes[cls]));
	for (k = 0; k < p->nr_nodes && l.nr_units; k++)
		pl->bytes[cls][idx[k]] += cxltier_layout_units(&l, k) * unit;
	/* the last unit may be partly used */
	if (l.nr_units)
		pl->bytes[cls][idx[cxltier_layout_home(&l, l.nr_units - 1)]] -=
			l.nr_units * unit - bytes;
	pl->policy[cls] = *p;
	return 0;
}

/* ------------------------------------------------------------------------ */
/* The model (doc/cost-model.md, "The model")                                 */

int tier_model_host_ok(const struct tier_model_host *h)
{
	uint32_t i;

	if (!h->nr_nodes || h->nr_nodes > TIER_MODEL_MAX_NODES ||
	    !(h->link_h2d_gbps > 0) || !(h->link_d2h_gbps > 0) ||
	    !(h->llc_gbps > 0) || !(h->llc_bytes >= 0) ||
	    !(h->llc_miss_floor >= 0 && h->llc_miss_floor <= 1) ||
	    !(h->step_overhead_s >= 0) || !(h->gpu_tflops >= 0) ||
	    !(h->cpu_max_gbps >= 0))
		return 0;
	for (i = 0; i < h->nr_nodes; i++) {
		const struct tier_model_node *n = &h->nodes[i];

		if (!(n->cpu_read_gbps > 0) || !(n->cpu_write_gbps > 0) ||
		    !(n->dma_h2d_gbps > 0) || !(n->dma_d2h_gbps > 0) ||
		    !(n->optim_gbps >= 0) || !(n->optim_2p_gbps >= 0))
			return 0;
	}
	return 1;
}

/* The node's ceiling for a class's copies in one direction. */
static double copy_gbps(const struct tier_model_node *n,
			const struct tier_class *c, int h2d)
{
	if (c->flags & TIER_CLASS_PINNED)
		return h2d ? n->dma_h2d_gbps : n->dma_d2h_gbps;
	/* pageable: the CPU copies through a bounce buffer */
	return h2d ? n->cpu_read_gbps : n->cpu_write_gbps;
}

/* The fraction of CPU traffic the LLC serves, for the classes the CPU uses. */
double tier_model_llc_hit(const struct tier_model_host *h,
			  const struct tier_workload *w)
{
	double footprint = 0;
	uint32_t c;

	for (c = 0; c < w->nr_classes; c++)
		if (w->classes[c].cpu_read || w->classes[c].cpu_write)
			footprint += (double)w->classes[c].bytes;
	if (footprint <= 0)
		return 0;
	return (1 - h->llc_miss_floor) *
		(h->llc_bytes >= footprint ? 1 : h->llc_bytes / footprint);
}

int tier_model_ranks_ok(const struct tier_model_host *h,
			const struct tier_workload *w)
{
	uint32_t r = w->nr_ranks > 1 ? w->nr_ranks : 1, i;
	uint64_t all;

	if (r > TIER_MODEL_MAX_RANKS || w->rank >= r)
		return 0;
	all = (1ULL << r) - 1;
	for (i = 0; i < h->nr_nodes; i++)
		if (h->nodes[i].ranks & ~all)
			return 0;
	return 1;
}

void tier_model_rank_view(const struct tier_model_host *h,
			  const struct tier_workload *w,
			  struct tier_model_host *v)
{
	uint32_t r = w->nr_ranks > 1 ? w->nr_ranks : 1, i;

	*v = *h;
	if (r == 1)
		return;
	v->cpu_max_gbps /= r;
	/* one last-level cache, shared: each rank's share of it */
	v->llc_bytes /= r;
	v->llc_gbps /= r;
	for (i = 0; i < v->nr_nodes; i++) {
		struct tier_model_node *n = &v->nodes[i];
		/* the ranks on the node at once; no figure: no gain from more */
		double all = n->optim_2p_gbps > 0 ? 2 * n->optim_2p_gbps :
						     n->optim_gbps;
		uint32_t on = n->ranks ? (uint32_t)__builtin_popcount(n->ranks) : r;

		if (n->ranks && !(n->ranks & (1U << w->rank))) {
			/* another rank's node: nothing of it for this one */
			n->capacity = 0;
			continue;
		}
		if (on == 1)
			continue;
		n->capacity /= on;
		n->cpu_read_gbps /= on;
		n->cpu_write_gbps /= on;
		n->dma_h2d_gbps /= on;
		n->dma_d2h_gbps /= on;
		n->optim_gbps = all / on;
		n->optim_2p_gbps = 0;
	}
}

/*
 * Pair @nr ranks with @m nodes in turn (tier_plan.h): bit rank[.] in the
 * @ranks mask of node index node[.].
 */
static void pair_in_turn(struct tier_model_host *h, const uint32_t *rank,
			 uint32_t nr, const uint32_t *node, uint32_t m)
{
	uint32_t k;

	if (!nr || !m)
		return;
	if (nr <= m) {
		for (k = 0; k < m; k++)
			h->nodes[node[k]].ranks |= 1U << rank[k % nr];
	} else {
		for (k = 0; k < nr; k++)
			h->nodes[node[k % m]].ranks |= 1U << rank[k];
	}
}

TIER_EXPORT int tier_model_map_ranks(struct tier_model_host *h,
				     uint32_t nr_ranks,
				     const int32_t *rank_home)
{
	uint32_t cxl[TIER_MODEL_MAX_NODES], ranks[TIER_MODEL_MAX_RANKS];
	uint32_t nodes_left[TIER_MODEL_MAX_NODES], ranks_left[TIER_MODEL_MAX_RANKS];
	uint32_t m = 0, i, j, k, nl = 0, rl = 0;
	int local = !!rank_home;

	if (!h || !nr_ranks || nr_ranks > TIER_MODEL_MAX_RANKS ||
	    h->nr_nodes > TIER_MODEL_MAX_NODES)
		return -EINVAL;
	for (i = 0; i < h->nr_nodes; i++) {
		h->nodes[i].ranks = 0;
		if (h->nodes[i].tier == CXLTIER_TIER_DRAM)
			continue;
		cxl[m++] = i;
		if (!(h->nodes[i].flags & TIER_MODEL_NODE_HOME))
			local = 0;
	}
	for (k = 0; k < nr_ranks; k++) {
		ranks[k] = k;
		if (local && rank_home[k] < 0)
			local = 0;
	}
	if (nr_ranks == 1 || !m)
		return TIER_RANKS_SHARED;
	if (!local) {
		pair_in_turn(h, ranks, nr_ranks, cxl, m);
		return TIER_RANKS_ROUND_ROBIN;
	}
	/* each socket's ranks with its CXL nodes */
	for (k = 0; k < nr_ranks; k++) {
		uint32_t home = (uint32_t)rank_home[k], sr[TIER_MODEL_MAX_RANKS];
		uint32_t sn[TIER_MODEL_MAX_NODES], nr = 0, nn = 0;

		for (j = 0; j < k; j++)
			if ((uint32_t)rank_home[j] == home)
				break;
		if (j < k)
			continue;	/* the socket is done */
		for (j = k; j < nr_ranks; j++)
			if ((uint32_t)rank_home[j] == home)
				sr[nr++] = j;
		for (j = 0; j < m; j++)
			if (h->nodes[cxl[j]].home == home)
				sn[nn++] = cxl[j];
		if (nn)
			pair_in_turn(h, sr, nr, sn, nn);
		else
			for (j = 0; j < nr; j++)
				ranks_left[rl++] = sr[j];
	}
	for (j = 0; j < m; j++)
		if (!h->nodes[cxl[j]].ranks)
			nodes_left[nl++] = cxl[j];
	if (nl && rl)
		pair_in_turn(h, ranks_left, rl, nodes_left, nl);
	else if (nl)
		pair_in_turn(h, ranks, nr_ranks, nodes_left, nl);
	else if (rl)
		pair_in_turn(h, ranks_left, rl, cxl, m);
	return TIER_RANKS_LOCAL;
}

/*
 * Seconds node @n needs for @frac of class @c's CPU traffic (misses only):
 * at the optimizer's measured rate on the node when there is one (the
 * traffic is the optimizer's), else at its streaming read and write rates.
 */
double tier_model_cpu_node_s(const struct tier_model_node *n,
			     const struct tier_class *c, double frac,
			     double hit)
{
	if (n->optim_gbps > 0)
		return frac * (1 - hit) *
			((double)c->cpu_read + (double)c->cpu_write) /
			(n->optim_gbps * GB);
	return frac * (1 - hit) * ((double)c->cpu_read / (n->cpu_read_gbps * GB) +
				   (double)c->cpu_write / (n->cpu_write_gbps * GB));
}

double tier_model_copy_node_s(const struct tier_model_node *n,
			      const struct tier_class *c, double frac, int h2d)
{
	return frac * (double)(h2d ? c->h2d : c->d2h) /
		(copy_gbps(n, c, h2d) * GB);
}

double tier_model_link_s(const struct tier_model_host *h,
			 const struct tier_workload *w, int h2d)
{
	double bytes = 0;
	uint32_t c;

	for (c = 0; c < w->nr_classes; c++)
		bytes += (double)(h2d ? w->classes[c].h2d : w->classes[c].d2h);
	return bytes / w->nr_gpus /
		((h2d ? h->link_h2d_gbps : h->link_d2h_gbps) * GB);
}

double tier_model_cpu_floor_s(const struct tier_model_host *h,
			      const struct tier_workload *w)
{
	double traffic = 0, hit = tier_model_llc_hit(h, w), best = -1;
	uint32_t c, i;

	if (h->cpu_max_gbps > 0) {
		for (c = 0; c < w->nr_classes; c++)
			traffic += (double)w->classes[c].cpu_read +
				   (double)w->classes[c].cpu_write;
		return (1 - hit) * traffic / (h->cpu_max_gbps * GB);
	}
	/*
	 * The cores' ceiling unknown: no more than they drive on the fastest
	 * node alone, so that spreading the traffic over nodes is never
	 * predicted to beat the whole step on that node (doc/cost-model.md).
	 */
	for (i = 0; i < h->nr_nodes; i++) {
		double t = 0;

		if (!h->nodes[i].capacity)
			continue;	/* not this rank's, or full */
		for (c = 0; c < w->nr_classes; c++)
			t += tier_model_cpu_node_s(&h->nodes[i], &w->classes[c],
						   1, hit);
		if (best < 0 || t < best)
			best = t;
	}
	return best > 0 ? best : 0;
}

double tier_model_compute_s(const struct tier_model_host *h,
			    const struct tier_workload *w)
{
	if (!(h->gpu_tflops > 0))
		return 0;
	return w->gpu_flops / (w->nr_gpus * h->gpu_tflops * 1e12);
}

/* Per-GPU GB/s of class @c's copies in one direction, alone. */
static double class_copy_gbps(const struct tier_model_host *h,
			      const struct tier_workload *w,
			      const struct tier_placement *pl, uint32_t c,
			      int h2d)
{
	const struct tier_class *k = &w->classes[c];
	double per_gpu = (double)(h2d ? k->h2d : k->d2h) / w->nr_gpus, t;
	uint32_t i;

	if (per_gpu <= 0)
		return 0;
	t = per_gpu / ((h2d ? h->link_h2d_gbps : h->link_d2h_gbps) * GB);
	for (i = 0; i < h->nr_nodes; i++) {
		double s = tier_model_copy_node_s(&h->nodes[i], k,
				(double)pl->bytes[c][i] / (double)k->bytes, h2d);

		if (s > t)
			t = s;
	}
	return per_gpu / t / GB;
}

TIER_EXPORT int tier_model_eval(const struct tier_model_host *host,
		    const struct tier_workload *w,
		    const struct tier_placement *pl,
		    struct tier_model_result *r)
{
	struct tier_model_host view, *h = &view;
	double node_cpu[TIER_MODEL_MAX_NODES] = { 0 };
	double node_h2d[TIER_MODEL_MAX_NODES] = { 0 };
	double node_d2h[TIER_MODEL_MAX_NODES] = { 0 };
	double traffic = 0, hit, worst = 0, dma;
	uint32_t c, i;

	if (!host || !w || !pl || !r || !tier_model_host_ok(host) ||
	    !tier_model_ranks_ok(host, w) || !w->nr_gpus || w->nr_classes > TIER_MODEL_MAX_CLASSES)
		return -EINVAL;
	tier_model_rank_view(host, w, &view);
	for (c = 0; c < w->nr_classes; c++) {
		uint64_t sum = 0;

		for (i = 0; i < h->nr_nodes; i++)
			sum += pl->bytes[c][i];
		if (sum != w->classes[c].bytes)
			return -EINVAL;
	}
	memset(r, 0, sizeof(*r));
	hit = tier_model_llc_hit(h, w);
	r->llc_hit = hit;

	for (c = 0; c < w->nr_classes; c++) {
		const struct tier_class *k = &w->classes[c];
		struct tier_model_class_result *cr = &r->classes[c];
		double own = 0, ktraffic = (double)k->cpu_read + (double)k->cpu_write;

		traffic += ktraffic;
		for (i = 0; i < h->nr_nodes; i++) {
			const struct tier_model_node *n = &h->nodes[i];
			double f = k->bytes ? (double)pl->bytes[c][i] /
					      (double)k->bytes : 0;
			double s = tier_model_cpu_node_s(n, k, f, hit);

			r->node_bytes[i] += pl->bytes[c][i];
			node_cpu[i] += s;
			if (s > own)
				own = s;
			node_h2d[i] += tier_model_copy_node_s(n, k, f, 1);
			node_d2h[i] += tier_model_copy_node_s(n, k, f, 0);
		}
		cr->cpu_s = ktraffic > 0 ?
			own + hit * ktraffic / (h->llc_gbps * GB) : 0;
		cr->h2d_gbps = k->bytes ? class_copy_gbps(h, w, pl, c, 1) : 0;
		cr->d2h_gbps = k->bytes ? class_copy_gbps(h, w, pl, c, 0) : 0;
	}
	worst = tier_model_cpu_floor_s(h, w);
	for (i = 0; i < h->nr_nodes; i++) {
		if (node_cpu[i] > worst)
			worst = node_cpu[i];
		if (r->node_bytes[i] > h->nodes[i].capacity)
			r->over_capacity |= 1U << i;
	}
	r->cpu_s = traffic > 0 ? h->step_overhead_s +
		hit * traffic / (h->llc_gbps * GB) + worst : 0;

	dma = tier_model_link_s(h, w, 1);
	if (tier_model_link_s(h, w, 0) > dma)
		dma = tier_model_link_s(h, w, 0);
	for (i = 0; i < h->nr_nodes; i++) {
		if (node_h2d[i] > dma)
			dma = node_h2d[i];
		if (node_d2h[i] > dma)
			dma = node_d2h[i];
	}
	r->dma_s = dma;
	r->compute_s = tier_model_compute_s(h, w);
	r->gpu_s = r->dma_s > r->compute_s ? r->dma_s : r->compute_s;
	r->step_s = r->gpu_s + r->cpu_s;
	return 0;
}
