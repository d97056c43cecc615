// SPDX-License-Identifier: LGPL-2.1-or-later
/* Topology snapshot: the backend reads it, these calls look it up. */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

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
	if (tier_log_enabled(ctx, TIER_LOG_DEBUG)) {
		unsigned int i;

		tier_dbg(ctx, "%s: %u node%s with memory", ctx->ops->name, nr,
			 nr == 1 ? "" : "s");
		for (i = 0; i < nr; i++) {
			char total[24], free_b[24], mov[24];

			tier_size_format(nodes[i].total_bytes, total,
					 sizeof(total));
			tier_size_format(nodes[i].free_bytes, free_b,
					 sizeof(free_b));
			tier_size_format(nodes[i].movable_bytes, mov,
					 sizeof(mov));
			tier_dbg(ctx, "node %u: %s, %s, %s total, %s free, %s movable, distance %u to node %u",
				 nodes[i].node,
				 nodes[i].tier == CXLTIER_TIER_CXL ? "cxl" : "dram",
				 nodes[i].flags & CXLTIER_NODE_HAS_CPUS ?
				 "cpus" : "no cpus", total, free_b, mov,
				 nodes[i].distance, nodes[i].nearest_cpu_node);
		}
	}
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

/* One value of CXLTIER_SYSFS_NODES_DIR/nodeN/@file: a byte count or "max". */
static int read_quota_file(int node, const char *file, uint64_t *v)
{
	char path[128], buf[64], *end;
	ssize_t n;
	int fd;

	snprintf(path, sizeof(path), "%s/node%d/%s", CXLTIER_SYSFS_NODES_DIR,
		 node, file);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return errno == ENOENT ? -ENODEV : -errno;
	do
		n = read(fd, buf, sizeof(buf) - 1);
	while (n < 0 && errno == EINTR);
	if (n < 0) {
		int e = -errno;

		close(fd);
		return e;
	}
	close(fd);
	buf[n] = '\0';
	if (!strcmp(buf, CXLTIER_SYSFS_UNLIMITED "\n")) {
		*v = TIER_QUOTA_UNLIMITED;
		return 0;
	}
	if (buf[0] < '0' || buf[0] > '9')
		return -EIO;
	errno = 0;
	*v = strtoull(buf, &end, 10);
	if (errno || strcmp(end, "\n"))
		return -EIO;
	return 0;
}

TIER_EXPORT int tier_node_quota(const struct tier_ctx *ctx, int node,
				struct tier_quota *out)
{
	struct tier_quota q;
	int err;

	if (!ctx || !out || node < 0)
		return -EINVAL;
	if (ctx->backend != TIER_BACKEND_MODULE)
		return -EOPNOTSUPP;
	memset(&q, 0, sizeof(q));
	err = read_quota_file(node, "quota_bytes", &q.quota_bytes);
	if (!err)
		err = read_quota_file(node, "used_bytes", &q.used_bytes);
	if (!err)
		err = read_quota_file(node, "reserved_bytes", &q.reserved_bytes);
	if (err) {
		tier_err((struct tier_ctx *)ctx, "read %s/node%d: %s",
			 CXLTIER_SYSFS_NODES_DIR, node, strerror(-err));
		return err;
	}
	*out = q;
	return 0;
}
