// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * The mbind backend: a buffer is a memfd whose shared memory policy is
 * MPOL_BIND to the policy's node, set with mbind(2) on a mapping of it (the
 * policy lives in the shmem inode, so every later mapping follows it).
 * Raw syscalls: libtier needs no libnuma at run time.
 *
 * Requests are checked as the module checks them (<linux/cxltier.h>), so
 * both backends answer the same errors.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <linux/mempolicy.h>

#include "libtier-private.h"

#define BITS_PER_LONG	(8 * sizeof(unsigned long))

/* Pages per mincore/move_pages round in tier_buf_stat(). */
#define STAT_CHUNK	1024

static long sys_mbind(void *addr, unsigned long len, int mode,
		      const unsigned long *nodemask, unsigned long maxnode,
		      unsigned int flags)
{
	return syscall(SYS_mbind, addr, len, mode, nodemask, maxnode, flags);
}

static long sys_move_pages(unsigned long count, void **pages,
			   const int *nodes, int *status, int flags)
{
	return syscall(SYS_move_pages, 0, count, pages, nodes, status, flags);
}

/* The module's checks, in the same classes: -EINVAL, then -ENODEV, -EFBIG. */
static int check_policy(struct tier_ctx *ctx, size_t length,
			const struct tier_policy *p, size_t *map_length)
{
	uint64_t capacity = 0;
	uint32_t i, j;

	if (p->flags || p->mode != CXLTIER_MODE_BIND)
		return -EINVAL;
	if (p->page_shift && p->page_shift != ctx->page_shift)
		return -EINVAL;
	if (p->nr_nodes != ctx->info.max_policy_nodes)
		return -EINVAL;		/* bind: exactly one node in API 1 */
	for (i = 0; i < p->nr_nodes; i++) {
		if (p->nodes[i].node >= TIER_NODE_ID_LIMIT || p->nodes[i].weight)
			return -EINVAL;
		for (j = 0; j < i; j++)
			if (p->nodes[j].node == p->nodes[i].node)
				return -EINVAL;
	}
	for (i = 0; i < p->nr_nodes; i++) {
		const struct tier_node *n = tier_find_node(ctx, p->nodes[i].node);

		if (!n) {
			/* Onlined since the snapshot?  Look once more. */
			if (tier_topo_refresh(ctx) == 0)
				n = tier_find_node(ctx, p->nodes[i].node);
		}
		if (!n) {
			tier_err(ctx, "node %u is offline or has no memory",
				 p->nodes[i].node);
			return -ENODEV;
		}
		capacity += n->total_bytes;
	}
	*map_length = tier_round_up(length, ctx->page_shift);
	if (!*map_length || *map_length > capacity ||
	    *map_length > (uint64_t)INT64_MAX) {
		tier_err(ctx, "%zu bytes do not fit on the policy's nodes (%llu bytes)",
			 length, (unsigned long long)capacity);
		return -EFBIG;
	}
	return 0;
}

static int mbind_buf_create(struct tier_ctx *ctx, struct tier_buf *buf,
			    size_t length, const struct tier_policy *p)
{
	unsigned long mask[TIER_NODE_ID_LIMIT / (8 * sizeof(unsigned long))];
	size_t map_length;
	struct stat sb;
	void *addr;
	uint32_t i;
	int err;

	err = check_policy(ctx, length, p, &map_length);
	if (err)
		return err;

	buf->fd = memfd_create("cxltier", MFD_CLOEXEC);
	if (buf->fd < 0) {
		err = -errno;
		tier_err(ctx, "memfd_create: %s", strerror(-err));
		return err;
	}
	if (ftruncate(buf->fd, (off_t)map_length) || fstat(buf->fd, &sb)) {
		err = -errno;
		tier_err(ctx, "memfd of %zu bytes: %s", map_length, strerror(-err));
		return err;
	}

	/* The shared policy is set through a mapping, then outlives it. */
	addr = mmap(NULL, map_length, PROT_READ | PROT_WRITE, MAP_SHARED,
		    buf->fd, 0);
	if (addr == MAP_FAILED) {
		err = -errno;
		tier_err(ctx, "mmap of the memfd: %s", strerror(-err));
		return err;
	}
	memset(mask, 0, sizeof(mask));
	for (i = 0; i < p->nr_nodes; i++)
		mask[p->nodes[i].node / BITS_PER_LONG] |=
			1UL << (p->nodes[i].node % BITS_PER_LONG);
	/* maxnode is one more than the bits passed (the kernel drops one) */
	if (sys_mbind(addr, map_length, MPOL_BIND, mask,
		      TIER_NODE_ID_LIMIT + 1, MPOL_MF_STRICT)) {
		err = -errno;
		tier_err(ctx, "mbind(MPOL_BIND, node %u): %s", p->nodes[0].node,
			 strerror(-err));
	}
	munmap(addr, map_length);
	if (err)
		return err;

	buf->id = (uint64_t)sb.st_ino;
	buf->page_shift = ctx->page_shift;
	buf->map_length = map_length;
	return 0;
}

/*
 * Count the buffer's pages per node.  move_pages(2) sees only pages mapped
 * in this process, so: map the memfd if it is not mapped, ask mincore(2)
 * which pages the memfd holds, read one byte of each of those (which maps
 * it without allocating anything: it exists), then query their nodes.
 */
static int mbind_buf_stat(struct tier_buf *buf, struct tier_buf_stat *st)
{
	const struct tier_ctx *ctx = buf->ctx;
	size_t pgsz = (size_t)1 << buf->page_shift;
	size_t npages = buf->map_length >> buf->page_shift, done;
	unsigned char vec[STAT_CHUNK];
	void *pages[STAT_CHUNK];
	int status[STAT_CHUNK];
	uint64_t *count = NULL;
	unsigned int nr = 0, n;
	char *addr;
	int err = 0;

	addr = buf->addr;
	if (!addr) {
		addr = mmap(NULL, buf->map_length, PROT_READ, MAP_SHARED,
			    buf->fd, 0);
		if (addr == MAP_FAILED) {
			err = -errno;
			tier_err(ctx, "buffer %llu: mmap: %s",
				 (unsigned long long)buf->id, strerror(-err));
			return err;
		}
	}
	count = calloc(TIER_NODE_ID_LIMIT, sizeof(*count));
	if (!count) {
		err = -ENOMEM;
		goto out;
	}

	for (done = 0; done < npages; done += n) {
		size_t chunk = npages - done < STAT_CHUNK ? npages - done : STAT_CHUNK;
		char *base = addr + done * pgsz;
		unsigned int i, nq = 0;

		n = (unsigned int)chunk;
		if (mincore(base, chunk * pgsz, vec)) {
			err = -errno;
			tier_err(ctx, "mincore: %s", strerror(-err));
			goto out;
		}
		for (i = 0; i < n; i++) {
			if (!(vec[i] & 1))
				continue;
			pages[nq] = base + i * pgsz;
			(void)*(volatile char *)pages[nq];
			nq++;
		}
		if (!nq)
			continue;
		if (sys_move_pages(nq, pages, NULL, status, 0) < 0) {
			err = -errno;
			tier_err(ctx, "move_pages: %s", strerror(-err));
			goto out;
		}
		for (i = 0; i < nq; i++)
			if (status[i] >= 0 && status[i] < TIER_NODE_ID_LIMIT)
				count[status[i]]++;
	}

	for (n = 0; n < TIER_NODE_ID_LIMIT; n++)
		if (count[n])
			nr++;
	err = tier_buf_resident_reserve(buf, nr);
	if (err)
		goto out;
	buf->nr_resident = 0;
	for (n = 0; n < TIER_NODE_ID_LIMIT; n++) {
		struct tier_node_bytes *r;

		if (!count[n])
			continue;
		r = &buf->resident[buf->nr_resident++];
		memset(r, 0, sizeof(*r));
		r->node = n;
		r->bytes = count[n] << buf->page_shift;
		st->resident_bytes += r->bytes;
	}
	st->id = buf->id;
	st->length = buf->length;
	st->mode = buf->policy.mode;
	st->page_shift = buf->page_shift;
	st->create_flags = buf->policy.flags;
	st->policy = buf->policy;
out:
	free(count);
	if (addr != buf->addr)
		munmap(addr, buf->map_length);
	return err;
}

const struct tier_backend_ops tier_mbind_ops = {
	.name = "mbind",
	.topo_read = tier_sysfs_topo_read,
	.buf_create = mbind_buf_create,
	.buf_stat = mbind_buf_stat,
};
