// SPDX-License-Identifier: GPL-2.0
/*
 * cxltier: placement policies.  A policy names, for each allocation unit of
 * a buffer, its home node; what happens when the home cannot give the unit
 * is decided in page.c (fail, or try the other listed nodes).
 */
#include "internal.h"

#include <linux/cxltier_layout.h>
#include <linux/nodemask.h>
#include <linux/slab.h>
#include <linux/uaccess.h>

/*
 * The buffer's placement as the uapi's layout arithmetic reads it
 * (uapi/linux/cxltier_layout.h: the rules per mode, the one copy shared
 * with libtier).  The weights are read in place, from the policy entries.
 */
static void cxltier_buf_layout(const struct cxltier_buf *buf,
			       struct cxltier_layout *l)
{
	*l = (struct cxltier_layout){
		.mode = buf->mode,
		.nr_nodes = buf->nr_policy_nodes,
		.chunk_units_shift = buf->chunk_units_shift,
		.weight_stride = sizeof(struct cxltier_node_weight) /
				 sizeof(__u32),
		.weights = &buf->policy[0].weight,
		.weight_sum = buf->weight_sum,
		.nr_units = buf->nr_units,
		.split_end = buf->split_end,
	};
}

/* Home of @unit, as an index into buf->policy. */
u32 cxltier_unit_home(const struct cxltier_buf *buf, u64 unit)
{
	struct cxltier_layout l;

	cxltier_buf_layout(buf, &l);
	return cxltier_layout_home(&l, unit);
}

/* Pages a policy entry can give: its pools', or its buddy memory's. */
static u64 cxltier_policy_capacity(const struct cxltier_buf *buf, int nid)
{
	if (node_isset(nid, buf->pool_nodes))
		return cxltier_pool_node_pages(nid);
	return cxltier_node_capacity_pages(nid, buf->pinnable);
}

/*
 * The capacity of a node the checks above found with memory (or a pool),
 * into *@pages; -ENODEV if it has none now: its pool was removed or its
 * memory offlined meanwhile.  Not -EFBIG, which would tell the caller that
 * the length can never fit.
 */
static int cxltier_policy_capacity_now(const struct cxltier_buf *buf,
				       int nid, u64 *pages)
{
	*pages = cxltier_policy_capacity(buf, nid);
	return *pages ? 0 : -ENODEV;
}

/*
 * How many units have each policy entry as their home, into @units[]
 * (indexed like buf->policy), without walking the units.
 */
void cxltier_policy_home_units(const struct cxltier_buf *buf,
			       unsigned long *units)
{
	struct cxltier_layout l;
	u32 i;

	cxltier_buf_layout(buf, &l);
	for (i = 0; i < l.nr_nodes; i++)
		units[i] = cxltier_layout_units(&l, i);
}

static bool cxltier_mode_weighs(u32 mode)
{
	return mode == CXLTIER_MODE_WEIGHTED || mode == CXLTIER_MODE_SPLIT;
}

static bool cxltier_mode_chunks(u32 mode)
{
	return mode == CXLTIER_MODE_INTERLEAVE || mode == CXLTIER_MODE_WEIGHTED;
}

/*
 * An interleave chunk: 0 (one unit), or from the page size to 1 GiB for
 * the modes that deal chunks.
 */
static bool cxltier_chunk_ok(u32 mode, u32 chunk_shift, u32 page_shift)
{
	return !chunk_shift ||
	       (cxltier_mode_chunks(mode) && chunk_shift >= page_shift &&
		chunk_shift <= CXLTIER_MAX_CHUNK_SHIFT);
}

/*
 * The rules a policy's node list must follow whatever the machine holds:
 * a known @mode, 1 to CXLTIER_MAX_POLICY_NODES entries, each node below
 * MAX_NUMNODES and named once, flags and reserved fields zero, weights 1
 * to CXLTIER_MAX_WEIGHT for weighted and split and 0 for the others.
 * CXLTIER_IOC_CREATE, MIGRATE and the default_policy sysfs file all check
 * with this.  0 or -EINVAL; the sum of the weights into *@weight_sum.
 */
int cxltier_policy_check(u32 mode, const struct cxltier_node_weight *nw,
			 u32 nr_nodes, u64 *weight_sum)
{
	nodemask_t seen = NODE_MASK_NONE;
	u64 sum = 0;
	u32 i;

	if (mode >= CXLTIER_NR_MODES)
		return -EINVAL;
	if (!nr_nodes || nr_nodes > CXLTIER_MAX_POLICY_NODES)
		return -EINVAL;
	for (i = 0; i < nr_nodes; i++) {
		if (nw[i].flags || nw[i].__reserved ||
		    nw[i].node >= MAX_NUMNODES ||
		    node_isset(nw[i].node, seen))
			return -EINVAL;
		node_set(nw[i].node, seen);
		if (cxltier_mode_weighs(mode)) {
			if (!nw[i].weight || nw[i].weight > CXLTIER_MAX_WEIGHT)
				return -EINVAL;
			sum += nw[i].weight;
		} else if (nw[i].weight) {
			return -EINVAL;
		}
	}
	if (weight_sum)
		*weight_sum = sum;
	return 0;
}

/*
 * Check a create request's policy against the machine and fill in the
 * buffer's placement fields.  buf->length, page_shift and create_flags are
 * set by the caller.  On error nothing is kept.
 */
int cxltier_policy_load(const struct cxltier_create *c,
			struct cxltier_buf *buf)
{
	struct cxltier_node_weight *nw;

	if (c->mode >= CXLTIER_NR_MODES)
		return -EINVAL;
	if (!c->nr_nodes || c->nr_nodes > CXLTIER_MAX_POLICY_NODES)
		return -EINVAL;
	if (!cxltier_chunk_ok(c->mode, c->chunk_shift, buf->page_shift))
		return -EINVAL;
	nw = memdup_user(u64_to_user_ptr(c->nodes),
			 sizeof(*nw) * c->nr_nodes);
	if (IS_ERR(nw))
		return PTR_ERR(nw);
	return cxltier_policy_load_nodes(c->mode, nw, c->nr_nodes,
					 c->chunk_shift, buf);
}

/*
 * As cxltier_policy_load(), from a kernel array @nw (kmalloc'ed), which
 * the buffer takes over on success and which is freed on error.
 */
int cxltier_policy_load_nodes(u32 mode, struct cxltier_node_weight *nw,
			      u32 nr_nodes, u32 chunk_shift,
			      struct cxltier_buf *buf)
{
	u64 capacity = 0, sum = 0, nr_units;
	u64 *split_end = NULL;
	u32 i;
	int ret;

	ret = -EINVAL;
	if (!cxltier_chunk_ok(mode, chunk_shift, buf->page_shift))
		goto err;
	ret = cxltier_policy_check(mode, nw, nr_nodes, &sum);
	if (ret)
		goto err;
	/*
	 * A node with a pool names the pool (uapi: device-dax pools): its
	 * pages are pinnable, so the whole buffer is.
	 */
	nodes_clear(buf->pool_nodes);
	buf->pool = false;
	for (i = 0; i < nr_nodes; i++) {
		if (cxltier_pool_node_pages(nw[i].node)) {
			node_set(nw[i].node, buf->pool_nodes);
			buf->pool = true;
		}
	}
	if (buf->pool && !buf->pinnable) {
		buf->pinnable = true;
		buf->gfp &= ~__GFP_MOVABLE;
	}
	for (i = 0; i < nr_nodes; i++) {
		if (node_isset(nw[i].node, buf->pool_nodes))
			continue;
		if (!node_online(nw[i].node) ||
		    !node_state(nw[i].node, N_MEMORY)) {
			ret = -ENODEV;
			goto err;
		}
		if (buf->pinnable &&
		    !cxltier_node_capacity_pages(nw[i].node, true)) {
			ret = -EXDEV;
			goto err;
		}
	}

	nr_units = buf->nr_units;
	if (mode == CXLTIER_MODE_SPLIT) {
		u64 prefix = 0;

		split_end = kcalloc(nr_nodes, sizeof(*split_end),
				    GFP_KERNEL);
		ret = -ENOMEM;
		if (!split_end)
			goto err;
		/*
		 * Boundaries rounded to the nearest unit: each node's range
		 * differs from its exact share by less than one unit.
		 */
		for (i = 0; i < nr_nodes; i++) {
			u64 start = i ? split_end[i - 1] : 0;
			u64 pages, cap;

			prefix += nw[i].weight;
			split_end[i] = cxltier_layout_split_end(nr_units,
								prefix, sum);
			pages = (split_end[i] - start) << buf->unit_order;
			ret = cxltier_policy_capacity_now(buf, nw[i].node, &cap);
			if (ret)
				goto err;
			if (pages > cap) {
				ret = -EFBIG;
				goto err;
			}
		}
	} else {
		for (i = 0; i < nr_nodes; i++) {
			u64 cap;

			ret = cxltier_policy_capacity_now(buf, nw[i].node, &cap);
			if (ret)
				goto err;
			capacity += cap;
		}
		if (buf->nr_pages > capacity) {
			ret = -EFBIG;
			goto err;
		}
	}

	buf->policy = nw;
	buf->nr_policy_nodes = nr_nodes;
	buf->mode = mode;
	buf->weight_sum = sum;
	buf->split_end = split_end;
	buf->chunk_shift = chunk_shift;
	buf->chunk_units_shift = chunk_shift ?
		chunk_shift - buf->page_shift : 0;
	return 0;

err:
	kfree(split_end);
	kfree(nw);
	return ret;
}
