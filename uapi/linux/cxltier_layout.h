/* SPDX-License-Identifier: GPL-2.0 WITH Linux-syscall-note */
/*
 * cxltier: which node of a policy's list each unit of a buffer comes from.
 *
 * The layout is part of the contract: a buffer created with a policy puts
 * unit i (a page of the buffer's page size) on exactly the node this
 * arithmetic names, so userspace can predict and verify placement to the
 * unit.  The module places pages by it; libtier's mbind backend and its cost
 * model reproduce it.  This header is their one copy.  It needs
 * <linux/cxltier.h> for the mode numbers and a 64-bit build (64-bit
 * division).
 *
 * The rules, per mode (node list n[0..k-1], weights w[i], W = sum of w):
 *   bind        unit u on n[u mod k]
 *   preferred   every unit on n[0] (fallback is the placer's business)
 *   interleave  chunk c = u >> chunk_units_shift on n[c mod k]
 *   weighted    chunk c on the entry whose run of w[i] slots holds c mod W
 *   split       contiguous ranges in list order: n[i] holds the units below
 *               split_end[i] = round(nr_units * (w[0] + .. + w[i]) / W),
 *               halves rounded up, and from split_end[i-1] on
 */
#ifndef _UAPI_LINUX_CXLTIER_LAYOUT_H
#define _UAPI_LINUX_CXLTIER_LAYOUT_H

#include <linux/types.h>
#include <linux/cxltier.h>

#ifdef __KERNEL__
#include <linux/math64.h>
#endif

/**
 * struct cxltier_layout - a policy applied to a buffer of @nr_units units
 * @mode: CXLTIER_MODE_*
 * @nr_nodes: entries in the policy's list, at least 1
 * @chunk_units_shift: log2 of units per interleave chunk
 * @weight_stride: distance between two weights in @weights, in __u32s (the
 *                 weights sit inside the caller's node-list structs)
 * @weights: the first entry's weight (weighted, split)
 * @weight_sum: the sum of the weights (weighted, split)
 * @nr_units: units of the buffer
 * @split_end: split: end unit of each entry's range, from
 *             cxltier_layout_split_end(); NULL for other modes
 */
struct cxltier_layout {
	__u32 mode;
	__u32 nr_nodes;
	__u32 chunk_units_shift;
	__u32 weight_stride;
	const __u32 *weights;
	__u64 weight_sum;
	__u64 nr_units;
	const __u64 *split_end;
};

static __inline__ __u32 cxltier_layout_weight(const struct cxltier_layout *l,
					      __u32 i)
{
	return l->weights[(__u64)i * l->weight_stride];
}

/* round(nr_units * prefix / sum), a half rounded up: one split boundary */
static __inline__ __u64 cxltier_layout_split_end(__u64 nr_units, __u64 prefix,
						 __u64 sum)
{
#ifdef __KERNEL__
	return (mul_u64_u64_div_u64(2 * nr_units, prefix, sum) + 1) >> 1;
#else
	return (__u64)(((unsigned __int128)2 * nr_units * prefix / sum + 1) >> 1);
#endif
}

/* The list entry (not the node id) holding @unit. */
static __inline__ __u32 cxltier_layout_home(const struct cxltier_layout *l,
					    __u64 unit)
{
	__u64 chunk = unit >> l->chunk_units_shift, r;
	__u32 i;

	switch (l->mode) {
	case CXLTIER_MODE_BIND:
		return (__u32)(unit % l->nr_nodes);
	case CXLTIER_MODE_INTERLEAVE:
		return (__u32)(chunk % l->nr_nodes);
	case CXLTIER_MODE_WEIGHTED:
		r = chunk % l->weight_sum;
		for (i = 0; i + 1 < l->nr_nodes; i++) {
			if (r < cxltier_layout_weight(l, i))
				return i;
			r -= cxltier_layout_weight(l, i);
		}
		return i;
	case CXLTIER_MODE_SPLIT:
		for (i = 0; i + 1 < l->nr_nodes; i++)
			if (unit < l->split_end[i])
				return i;
		return i;
	case CXLTIER_MODE_PREFERRED:
	default:
		return 0;
	}
}

/* How many of the buffer's units have entry @i as their home. */
static __inline__ __u64 cxltier_layout_units(const struct cxltier_layout *l,
					     __u32 i)
{
	__u64 csz = (__u64)1 << l->chunk_units_shift;
	__u64 full = l->nr_units >> l->chunk_units_shift;
	__u64 part = l->nr_units & (csz - 1);
	__u64 rsize, rounds, rem, start = 0, w = 1, in_rem, units;
	__u32 j;

	switch (l->mode) {
	case CXLTIER_MODE_SPLIT:
		return l->split_end[i] - (i ? l->split_end[i - 1] : 0);
	case CXLTIER_MODE_PREFERRED:
		return i ? 0 : l->nr_units;
	case CXLTIER_MODE_BIND:
		csz = 1;
		full = l->nr_units;
		part = 0;
		break;
	}

	/* bind, interleave, weighted: whole rounds of chunks, then the rest */
	rsize = l->mode == CXLTIER_MODE_WEIGHTED ? l->weight_sum : l->nr_nodes;
	rounds = full / rsize;
	rem = full % rsize;
	for (j = 0; j <= i; j++) {
		w = l->mode == CXLTIER_MODE_WEIGHTED ?
		    cxltier_layout_weight(l, j) : 1;
		if (j < i)
			start += w;
	}
	/* positions [start, start + w) of the last, partial round */
	in_rem = rem > start ? rem - start : 0;
	if (in_rem > w)
		in_rem = w;
	units = (rounds * w + in_rem) * csz;
	/* the last, partial chunk sits at position rem */
	if (rem >= start && rem < start + w)
		units += part;
	return units;
}

/*
 * The entry holding @unit, and in *@end the first unit after it that may
 * lie elsewhere: the run of units with the same home that starts at @unit.
 */
static __inline__ __u32 cxltier_layout_run(const struct cxltier_layout *l,
					   __u64 unit, __u64 *end)
{
	__u32 home = cxltier_layout_home(l, unit);
	__u64 step, next;

	if (l->nr_nodes == 1 || l->mode == CXLTIER_MODE_PREFERRED) {
		*end = l->nr_units;
		return home;
	}
	if (l->mode == CXLTIER_MODE_SPLIT) {
		*end = home == l->nr_nodes - 1 ? l->nr_units : l->split_end[home];
		return home;
	}
	if (l->mode == CXLTIER_MODE_BIND) {
		*end = unit + 1;
		return home;
	}
	/* interleave, weighted: whole chunks while the home stays */
	step = (__u64)1 << l->chunk_units_shift;
	next = ((unit >> l->chunk_units_shift) + 1) << l->chunk_units_shift;
	while (next < l->nr_units && cxltier_layout_home(l, next) == home)
		next += step;
	*end = next < l->nr_units ? next : l->nr_units;
	return home;
}

#endif /* _UAPI_LINUX_CXLTIER_LAYOUT_H */
