// SPDX-License-Identifier: LGPL-2.1-or-later
/* Topology snapshot: the backend reads it, these calls look it up. */
#include <errno.h>
#include <stdlib.h>

#include "libtier-private.h"

int tier_node_cmp(const void *a, const void *b)
{
	const struct tier_node *x = a, *y = b;

	return (x->node > y->node) - (x->node < y->node);
}

const struct tier_node *tier_find_node(const struct tier_ctx *ctx,
				       unsigned int node)
{
	struct tier_node key = { .node = node };

	if (!ctx->nr_nodes)
		return NULL;
	return bsearch(&key, ctx->nodes, ctx->nr_nodes, sizeof(key),
		       tier_node_cmp);
}

TIER_EXPORT int tier_topo_refresh(struct tier_ctx *ctx)
{
	struct tier_node *nodes = NULL;
	unsigned int nr = 0;
	int err;

	if (!ctx)
		return -EINVAL;
	err = ctx->ops->topo_read(ctx, &nodes, &nr);
	if (err) {
		free(nodes);
		return err;
	}
	if (!nr) {
		free(nodes);
		tier_err(ctx, "%s: no online node with memory", ctx->ops->name);
		return -ENODEV;
	}
	qsort(nodes, nr, sizeof(*nodes), tier_node_cmp);
	free(ctx->nodes);
	ctx->nodes = nodes;
	ctx->nr_nodes = nr;
	return 0;
}

TIER_EXPORT int tier_nr_nodes(const struct tier_ctx *ctx)
{
	return ctx ? (int)ctx->nr_nodes : -EINVAL;
}

TIER_EXPORT int tier_node(const struct tier_ctx *ctx, int idx,
			  struct tier_node *out)
{
	if (!ctx || !out)
		return -EINVAL;
	if (idx < 0 || (unsigned int)idx >= ctx->nr_nodes)
		return -ERANGE;
	*out = ctx->nodes[idx];
	return 0;
}

TIER_EXPORT int tier_node_by_id(const struct tier_ctx *ctx, int node,
				struct tier_node *out)
{
	const struct tier_node *n;

	if (!ctx || !out || node < 0)
		return -EINVAL;
	n = tier_find_node(ctx, (unsigned int)node);
	if (!n)
		return -ENODEV;
	*out = *n;
	return 0;
}
