/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The planner's internals: the cost model's pieces that plan.c shares with
 * model.c, and the LP solver.  The planner is a client of libtier's public
 * API only (libtier.h), never of the core's internals.
 */
#ifndef LIBTIER_MODEL_H
#define LIBTIER_MODEL_H

#include "tier_plan.h"

#define TIER_EXPORT	__attribute__((visibility("default")))

/* 1 when every count and figure of @h is in range (bandwidths above 0). */
int tier_model_host_ok(const struct tier_model_host *h);
/*
 * 1 when @w's nr_ranks and rank are in range and no node's @ranks mask
 * names a rank beyond them.
 */
int tier_model_ranks_ok(const struct tier_model_host *h,
			const struct tier_workload *w);
/*
 * @h as @w's rank w->rank sees it: each node's capacity, bandwidths and DMA
 * ceilings shared by the ranks on it (its @ranks mask, or all nr_ranks),
 * its optimizer rate the per-process rate at that many processes; another
 * rank's node has capacity 0.  A copy of @h for one rank.
 */
void tier_model_rank_view(const struct tier_model_host *h,
			  const struct tier_workload *w,
			  struct tier_model_host *v);
/* Index of node id @node in @h, or -ENODEV. */
int tier_model_node_index(const struct tier_model_host *h, uint32_t node);
/* Fraction of the workload's CPU traffic the LLC serves. */
double tier_model_llc_hit(const struct tier_model_host *h,
			  const struct tier_workload *w);
/* Seconds node @n spends on the misses of @frac of class @c's CPU traffic. */
double tier_model_cpu_node_s(const struct tier_model_node *n,
			     const struct tier_class *c, double frac,
			     double hit);
/* Seconds node @n spends serving @frac of class @c's copies, one direction. */
double tier_model_copy_node_s(const struct tier_model_node *n,
			      const struct tier_class *c, double frac, int h2d);
/* Seconds each GPU link needs for the whole step, one direction. */
double tier_model_link_s(const struct tier_model_host *h,
			 const struct tier_workload *w, int h2d);
/*
 * Seconds the cores need at least for the step's LLC misses: at
 * cpu_max_gbps, or when that is 0 as long as on the fastest single node.
 */
double tier_model_cpu_floor_s(const struct tier_model_host *h,
			      const struct tier_workload *w);
/* Seconds of GPU compute per step; 0 when not modelled. */
double tier_model_compute_s(const struct tier_model_host *h,
			    const struct tier_workload *w);

/* lp.c: minimise c.x subject to rows A x (<=, >=, =) b, x >= 0. */
enum tier_lp_row { TIER_LP_LE, TIER_LP_GE, TIER_LP_EQ };
/*
 * @a: m x n, row-major; @x: out, n values.
 * Return: 0; -ENOSPC when infeasible; -ERANGE when unbounded; -ENOMEM.
 */
int tier_lp_solve(int m, int n, const double *a, const enum tier_lp_row *type,
		  const double *b, const double *c, double *x);

#endif
