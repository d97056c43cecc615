// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * A small dense two-phase simplex for the planner's linear program (a few
 * dozen variables and rows).  Bland's rule (lowest index enters, lowest
 * basic index leaves on ties) so that it cannot cycle; tolerances suit a
 * problem scaled to values near 1, which plan.c ensures.
 */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "model.h"

#define EPS	1e-10

struct tableau {
	int m, cols;		/* constraint rows; columns without the rhs */
	double *t;		/* (m + 1) x (cols + 1); row m: reduced costs */
	int *basis;		/* m: the basic column of each row */
};

#define T(tb, r, c)	((tb)->t[(size_t)(r) * ((tb)->cols + 1) + (c)])

static void pivot(struct tableau *tb, int pr, int pc)
{
	int r, c, w = tb->cols + 1;
	double p = T(tb, pr, pc);

	for (c = 0; c < w; c++)
		T(tb, pr, c) /= p;
	for (r = 0; r <= tb->m; r++) {
		double f = T(tb, r, pc);

		if (r == pr || f == 0)
			continue;
		for (c = 0; c < w; c++)
			T(tb, r, c) -= f * T(tb, pr, c);
		T(tb, r, pc) = 0;
	}
	tb->basis[pr] = pc;
}

/* Objective row from costs @d (minimise d.x): reduced costs and -z. */
static void set_objective(struct tableau *tb, const double *d)
{
	int r, c, w = tb->cols + 1;

	for (c = 0; c < w; c++)
		T(tb, tb->m, c) = c < tb->cols ? d[c] : 0;
	for (r = 0; r < tb->m; r++) {
		double f = d[tb->basis[r]];

		if (f == 0)
			continue;
		for (c = 0; c < w; c++)
			T(tb, tb->m, c) -= f * T(tb, r, c);
	}
}

/* Columns from @limit on may not enter.  0 or -ERANGE (unbounded). */
static int simplex(struct tableau *tb, int limit)
{
	int iter, max_iter = 50 * (tb->m + tb->cols) + 1000;

	for (iter = 0; iter < max_iter; iter++) {
		int pc = -1, pr = -1, c, r;
		double best = 0;

		for (c = 0; c < limit; c++)
			if (T(tb, tb->m, c) < -EPS) {
				pc = c;
				break;
			}
		if (pc < 0)
			return 0;
		for (r = 0; r < tb->m; r++) {
			double a = T(tb, r, pc), q;

			if (a <= EPS)
				continue;
			q = T(tb, r, tb->cols) / a;
			if (pr < 0 || q < best - EPS ||
			    (q <= best + EPS && tb->basis[r] < tb->basis[pr])) {
				pr = r;
				best = q;
			}
		}
		if (pr < 0)
			return -ERANGE;
		pivot(tb, pr, pc);
	}
	return -ERANGE;	/* not reached with Bland's rule */
}

int tier_lp_solve(int m, int n, const double *a, const enum tier_lp_row *type,
		  const double *b, const double *cost, double *x)
{
	struct tableau tb;
	int r, c, nslack = 0, nart = 0, s, art, err = 0;
	double *d;

	for (r = 0; r < m; r++) {
		int ge = (type[r] == TIER_LP_GE) ^ (b[r] < 0);

		if (type[r] != TIER_LP_EQ)
			nslack++;
		if (type[r] == TIER_LP_EQ || ge)
			nart++;
	}
	tb.m = m;
	tb.cols = n + nslack + nart;
	tb.t = calloc((size_t)(m + 1) * (tb.cols + 1), sizeof(double));
	tb.basis = calloc((size_t)m + 1, sizeof(int));
	d = calloc((size_t)tb.cols, sizeof(double));
	if (!tb.t || !tb.basis || !d) {
		err = -ENOMEM;
		goto out;
	}
	s = n;
	art = n + nslack;
	for (r = 0; r < m; r++) {
		double sign = b[r] < 0 ? -1 : 1;
		enum tier_lp_row ty = type[r];

		if (sign < 0 && ty != TIER_LP_EQ)
			ty = ty == TIER_LP_LE ? TIER_LP_GE : TIER_LP_LE;
		for (c = 0; c < n; c++)
			T(&tb, r, c) = sign * a[(size_t)r * n + c];
		T(&tb, r, tb.cols) = sign * b[r];
		if (ty == TIER_LP_LE) {
			T(&tb, r, s) = 1;
			tb.basis[r] = s++;
		} else {
			if (ty == TIER_LP_GE)
				T(&tb, r, s++) = -1;
			T(&tb, r, art) = 1;
			d[art] = 1;
			tb.basis[r] = art++;
		}
	}
	/* phase 1: minimise the artificials */
	if (nart) {
		set_objective(&tb, d);
		err = simplex(&tb, tb.cols);
		if (err)
			goto out;
		if (-T(&tb, m, tb.cols) > 1e-7) {
			err = -ENOSPC;
			goto out;
		}
		/* drive zero-level artificials out where a real column can enter */
		for (r = 0; r < m; r++) {
			if (tb.basis[r] < n + nslack)
				continue;
			for (c = 0; c < n + nslack; c++)
				if (fabs(T(&tb, r, c)) > 1e-9) {
					pivot(&tb, r, c);
					break;
				}
		}
	}
	/* phase 2 */
	memset(d, 0, (size_t)tb.cols * sizeof(double));
	memcpy(d, cost, (size_t)n * sizeof(double));
	set_objective(&tb, d);
	err = simplex(&tb, n + nslack);
	if (err)
		goto out;
	memset(x, 0, (size_t)n * sizeof(double));
	for (r = 0; r < m; r++)
		if (tb.basis[r] < n)
			x[tb.basis[r]] = T(&tb, r, tb.cols);
out:
	free(d);
	free(tb.basis);
	free(tb.t);
	return err;
}
