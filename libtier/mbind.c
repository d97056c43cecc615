// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * The mbind backend: a buffer is a memfd whose shared memory policy is set
 * with mbind(2) on mappings of it (the policy lives in the shmem inode, per
 * range of file offsets, so every later mapping follows it).  Raw syscalls:
 * libtier needs no libnuma at run time.
 *
 * How each policy becomes Linux NUMA policy, and what that cannot promise,
 * is listed at tier_buf_create() in libtier.h.  In short: the per-unit
 * modes (one node, split, weighted, chunked interleave) become one mbind
 * per run of units with the same home, which places every page where the
 * module would; bind over several nodes is MPOL_BIND over the set,
 * page-grained interleave is MPOL_INTERLEAVE, preferred is MPOL_PREFERRED.
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

#ifndef MADV_POPULATE_WRITE
#define MADV_POPULATE_WRITE	23	/* Linux 5.14 */
#endif

#define BITS_PER_LONG	(8 * sizeof(unsigned long))
#define MASK_LONGS	(TIER_NODE_ID_LIMIT / BITS_PER_LONG)

/* Pages per mincore/move_pages round in tier_buf_stat(). */
#define STAT_CHUNK	1024

/*
 * Most runs one buffer may need: each is a shared-policy node in the kernel
 * (an sp_node and a mempolicy, about 340 bytes) and costs an mmap, an mbind
 * and a munmap (about 30 us), so 16384 runs are about 5.5 MiB of kernel
 * memory and half a second.
 */
#define MAX_RUNS	16384

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

static void mask_set(unsigned long *mask, uint32_t node)
{
	mask[node / BITS_PER_LONG] |= 1UL << (node % BITS_PER_LONG);
}

static const char *mpol_name(int mode)
{
	switch (mode) {
	case MPOL_BIND:		return "MPOL_BIND";
	case MPOL_PREFERRED:	return "MPOL_PREFERRED";
	case MPOL_INTERLEAVE:	return "MPOL_INTERLEAVE";
	default:		return "?";
	}
}

/*
 * The request as the module checks it, in its order: -EINVAL for what is
 * malformed, then -EOPNOTSUPP for what this backend cannot do.  *@shift is
 * the unit: the page size the buffer is made of.
 */
static int check_request(struct tier_ctx *ctx, const struct tier_policy *p,
			 unsigned int *shift)
{
	int chunked = p->mode == CXLTIER_MODE_INTERLEAVE ||
		      p->mode == CXLTIER_MODE_WEIGHTED;
	int weighs = p->mode == CXLTIER_MODE_WEIGHTED ||
		     p->mode == CXLTIER_MODE_SPLIT;
	uint32_t i, j;

	if ((p->flags & ~TIER_KNOWN_FLAGS) || p->mode >= CXLTIER_NR_MODES)
		return -EINVAL;
	*shift = p->page_shift ? p->page_shift : ctx->page_shift;
	if (*shift != ctx->page_shift && *shift != CXLTIER_HUGE_PAGE_SHIFT)
		return -EINVAL;
	if (!p->nr_nodes || p->nr_nodes > TIER_MAX_POLICY_NODES)
		return -EINVAL;
	if (p->chunk_shift && (!chunked || p->chunk_shift < *shift ||
			       p->chunk_shift > CXLTIER_MAX_CHUNK_SHIFT))
		return -EINVAL;
	for (i = 0; i < p->nr_nodes; i++) {
		uint32_t w = p->nodes[i].weight;

		if (p->nodes[i].node >= TIER_NODE_ID_LIMIT)
			return -EINVAL;
		if (weighs ? (!w || w > CXLTIER_MAX_WEIGHT) : w != 0)
			return -EINVAL;
		for (j = 0; j < i; j++)
			if (p->nodes[j].node == p->nodes[i].node)
				return -EINVAL;
	}

	if (p->flags & CXLTIER_CREATE_PINNABLE) {
		tier_dbg(ctx, "mbind backend: pinnable pages cannot be promised (a long-term pin migrates shmem pages off movable memory)");
		return -EOPNOTSUPP;
	}
	if (p->flags & CXLTIER_CREATE_RESERVE) {
		tier_dbg(ctx, "mbind backend: no per-node quotas to reserve against (reserve needs the cxltier module)");
		return -EOPNOTSUPP;
	}
	if (*shift != ctx->page_shift &&
	    !(p->flags & CXLTIER_CREATE_HUGE_FALLBACK)) {
		tier_dbg(ctx, "mbind backend: 2 MiB pages only with huge-fallback (best effort through shmem THP)");
		return -EOPNOTSUPP;
	}
	return 0;
}

/* -ENODEV for a node without memory; else the nodes' sizes, in list order. */
static int lookup_nodes(struct tier_ctx *ctx, const struct tier_policy *p,
			uint64_t *total)
{
	uint32_t i;

	for (i = 0; i < p->nr_nodes; i++) {
		const struct tier_node *n = tier_find_node(ctx, p->nodes[i].node);

		if (!n) {
			/* Onlined since the snapshot?  Look once more. */
			if (tier_topo_refresh(ctx) == 0)
				n = tier_find_node(ctx, p->nodes[i].node);
		}
		if (!n) {
			tier_dbg(ctx, "node %u is offline or has no memory",
				 p->nodes[i].node);
			return -ENODEV;
		}
		total[i] = n->total_bytes;
	}
	return 0;
}

/* -EFBIG when the buffer cannot fit, as the module decides it. */
static int check_capacity(struct tier_ctx *ctx, const struct tier_buf *buf,
			  const uint64_t *total)
{
	const struct tier_policy *p = &buf->policy;
	uint64_t capacity = 0;
	uint32_t i;

	if (p->mode == CXLTIER_MODE_SPLIT) {
		for (i = 0; i < p->nr_nodes; i++) {
			uint64_t bytes = cxltier_layout_units(&buf->layout.rule, i)
					 << buf->page_shift;

			if (bytes > total[i]) {
				tier_dbg(ctx, "node %u cannot hold its share, %llu bytes",
					 p->nodes[i].node, (unsigned long long)bytes);
				return -EFBIG;
			}
		}
		return 0;
	}
	for (i = 0; i < p->nr_nodes; i++)
		capacity += total[i];
	if (buf->map_length > capacity) {
		tier_dbg(ctx, "%zu bytes do not fit on the policy's nodes (%llu bytes)",
			 buf->map_length, (unsigned long long)capacity);
		return -EFBIG;
	}
	return 0;
}

static enum tier_mbind_kind choose_kind(const struct tier_ctx *ctx,
					const struct tier_policy *p,
					unsigned int shift)
{
	if (p->mode == CXLTIER_MODE_PREFERRED)
		return TIER_MB_PREFERRED;
	if (p->nr_nodes == 1)
		return TIER_MB_RUNS;
	if (p->mode == CXLTIER_MODE_BIND)
		return TIER_MB_SET_BIND;
	if (p->mode == CXLTIER_MODE_INTERLEAVE && shift == ctx->page_shift &&
	    (!p->chunk_shift || p->chunk_shift == ctx->page_shift))
		return TIER_MB_SET_INTERLEAVE;
	return TIER_MB_RUNS;
}

/* Set the shared policy of [off, off + len) of the memfd. */
static int set_policy(struct tier_buf *buf, uint64_t off, uint64_t len,
		      int mode, const unsigned long *mask, uint32_t first)
{
	void *addr;
	int err = 0;

	addr = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_SHARED, buf->fd,
		    (off_t)off);
	if (addr == MAP_FAILED) {
		err = -errno;
		tier_err(buf->ctx, "mmap of the memfd: %s", strerror(-err));
		return err;
	}
	/* maxnode is one more than the bits passed (the kernel drops one) */
	if (sys_mbind(addr, len, mode, mask, TIER_NODE_ID_LIMIT + 1, 0)) {
		err = -errno;
		tier_err(buf->ctx, "mbind(%s, node %u%s) of %llu bytes at %llu: %s",
			 mpol_name(mode), first,
			 buf->policy.nr_nodes > 1 ? ", ..." : "",
			 (unsigned long long)len, (unsigned long long)off,
			 strerror(-err));
	}
	munmap(addr, len);
	return err;
}

/* Runs of the layout: count them (up to @limit + 1), or set their policy. */
static int for_each_run(struct tier_buf *buf, unsigned int limit, int apply)
{
	const struct tier_layout *l = &buf->layout;
	int mode = buf->policy.flags & CXLTIER_CREATE_FALLBACK ?
		   MPOL_PREFERRED : MPOL_BIND;
	__u64 unit, end;
	unsigned int n = 0;
	int err;

	for (unit = 0; unit < l->rule.nr_units; unit = end) {
		uint32_t home = cxltier_layout_run(&l->rule, unit, &end);

		if (!apply) {
			if (++n > limit)
				return (int)n;
			continue;
		}
		{
			unsigned long mask[MASK_LONGS];
			uint32_t node = l->nodes[home].node;

			memset(mask, 0, sizeof(mask));
			mask_set(mask, node);
			err = set_policy(buf, unit << buf->page_shift,
					 (end - unit) << buf->page_shift, mode,
					 mask, node);
			if (err)
				return err;
		}
		n++;
	}
	return (int)n;
}

static int apply_policy(struct tier_buf *buf)
{
	const struct tier_policy *p = &buf->policy;
	unsigned long mask[MASK_LONGS];
	int mode, n;
	uint32_t i;

	if (buf->mb_kind == TIER_MB_RUNS) {
		n = for_each_run(buf, 0, 1);
		return n < 0 ? n : 0;
	}
	memset(mask, 0, sizeof(mask));
	if (buf->mb_kind == TIER_MB_PREFERRED) {
		mode = MPOL_PREFERRED;
		mask_set(mask, p->nodes[0].node);
	} else {
		mode = buf->mb_kind == TIER_MB_SET_BIND ? MPOL_BIND :
							  MPOL_INTERLEAVE;
		for (i = 0; i < p->nr_nodes; i++)
			mask_set(mask, p->nodes[i].node);
	}
	return set_policy(buf, 0, buf->map_length, mode, mask, p->nodes[0].node);
}

/*
 * Allocate every page now: MADV_POPULATE_WRITE, or on kernels before 5.14
 * (-EINVAL) a write to each page.  Either follows the shared policy.
 */
static int populate(struct tier_buf *buf)
{
	size_t pg = (size_t)1 << buf->ctx->page_shift, off;
	char *addr;
	int err = 0;

	addr = mmap(NULL, buf->map_length, PROT_READ | PROT_WRITE, MAP_SHARED,
		    buf->fd, 0);
	if (addr == MAP_FAILED) {
		err = -errno;
		tier_err(buf->ctx, "mmap of the memfd: %s", strerror(-err));
		return err;
	}
	if (buf->advise_huge)
		(void)madvise(addr, buf->map_length, MADV_HUGEPAGE);
	if (madvise(addr, buf->map_length, MADV_POPULATE_WRITE)) {
		err = -errno;
		if (err == -EINVAL) {
			for (off = 0; off < buf->map_length; off += pg)
				*(volatile char *)(addr + off) = 0;
			err = 0;
		} else {
			tier_err(buf->ctx, "populate %zu bytes: %s",
				 buf->map_length, strerror(-err));
		}
	}
	munmap(addr, buf->map_length);
	return err;
}

static int mbind_buf_create(struct tier_ctx *ctx, struct tier_buf *buf,
			    size_t length, const struct tier_policy *p)
{
	uint64_t total[TIER_MAX_POLICY_NODES];
	unsigned int shift;
	struct stat sb;
	int err, n;

	err = check_request(ctx, p, &shift);
	if (err)
		return err;
	err = lookup_nodes(ctx, p, total);
	if (err)
		return err;

	buf->page_shift = shift;
	buf->map_length = tier_round_up(length, shift);
	if (!buf->map_length || buf->map_length > (uint64_t)INT64_MAX) {
		tier_err(ctx, "%zu bytes: too large", length);
		return -EFBIG;
	}
	/* buf->policy is the caller's, copied: the layout points into it */
	err = tier_layout_init(&buf->layout, &buf->policy,
			       buf->map_length >> shift, shift);
	if (err)
		return err;
	err = check_capacity(ctx, buf, total);
	if (err)
		return err;

	buf->mb_kind = choose_kind(ctx, p, shift);
	buf->advise_huge = shift != ctx->page_shift;
	if (buf->mb_kind == TIER_MB_RUNS) {
		n = for_each_run(buf, MAX_RUNS, 0);
		if (n > MAX_RUNS) {
			tier_err(ctx, "mbind backend: this policy needs more than %d mbind ranges for %zu bytes; use a larger chunk",
				 MAX_RUNS, length);
			return -EOPNOTSUPP;
		}
	}

	buf->fd = memfd_create("cxltier", MFD_CLOEXEC);
	if (buf->fd < 0) {
		err = -errno;
		tier_err(ctx, "memfd_create: %s", strerror(-err));
		return err;
	}
	if (ftruncate(buf->fd, (off_t)buf->map_length) || fstat(buf->fd, &sb)) {
		err = -errno;
		tier_err(ctx, "memfd of %zu bytes: %s", buf->map_length,
			 strerror(-err));
		return err;
	}
	buf->ctx = ctx;		/* for the log; tier_buf_create() takes the ref */
	err = apply_policy(buf);
	if (!err && (p->flags & CXLTIER_CREATE_POPULATE))
		err = populate(buf);
	buf->ctx = NULL;
	if (err)
		return err;
	buf->id = (uint64_t)sb.st_ino;
	return 0;
}

/* Whether a page of unit @unit on @node is away from its home. */
static int spilled(const struct tier_buf *buf, uint64_t unit, uint32_t node)
{
	const struct tier_policy *p = &buf->policy;
	uint32_t i;

	switch (buf->mb_kind) {
	case TIER_MB_PREFERRED:
		return node != p->nodes[0].node;
	case TIER_MB_RUNS:
		i = cxltier_layout_home(&buf->layout.rule, unit);
		return node != p->nodes[i].node;
	default:
		for (i = 0; i < p->nr_nodes; i++)
			if (p->nodes[i].node == node)
				return 0;
		return 1;
	}
}

/*
 * Count the buffer's pages per node.  move_pages(2) sees only pages mapped
 * in this process, so: map the memfd if it is not mapped, ask mincore(2)
 * which pages the memfd holds, read one byte of each of those (which maps
 * it without allocating anything: it exists), then query their nodes.
 * Counted in base pages, whatever the buffer's unit.
 */
static int mbind_buf_stat(struct tier_buf *buf, struct tier_buf_stat *st)
{
	const struct tier_ctx *ctx = buf->ctx;
	unsigned int base = ctx->page_shift;
	unsigned int unit_shift = buf->page_shift - base;
	size_t pgsz = (size_t)1 << base;
	size_t npages = buf->map_length >> base, done;
	unsigned char vec[STAT_CHUNK];
	void *pages[STAT_CHUNK];
	size_t index[STAT_CHUNK];
	int status[STAT_CHUNK];
	uint64_t *count = NULL, nspilled = 0;
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
		char *base_addr = addr + done * pgsz;
		unsigned int i, nq = 0;

		n = (unsigned int)chunk;
		if (mincore(base_addr, chunk * pgsz, vec)) {
			err = -errno;
			tier_err(ctx, "mincore: %s", strerror(-err));
			goto out;
		}
		for (i = 0; i < n; i++) {
			if (!(vec[i] & 1))
				continue;
			pages[nq] = base_addr + i * pgsz;
			index[nq] = done + i;
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
		for (i = 0; i < nq; i++) {
			if (status[i] < 0 || status[i] >= TIER_NODE_ID_LIMIT)
				continue;
			count[status[i]]++;
			if (spilled(buf, index[i] >> unit_shift, (uint32_t)status[i]))
				nspilled++;
		}
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
		r->bytes = count[n] << base;
		st->resident_bytes += r->bytes;
	}
	st->id = buf->id;
	st->length = buf->length;
	st->mode = buf->policy.mode;
	st->page_shift = buf->page_shift;
	st->create_flags = buf->policy.flags;
	st->spilled_bytes = nspilled << base;
	st->chunk_shift = buf->policy.chunk_shift;
	st->policy = buf->policy;
out:
	free(count);
	if (addr != buf->addr)
		munmap(addr, buf->map_length);
	return err;
}

const struct tier_backend_ops tier_mbind_ops = {
	.name = "mbind",
	.topo_read = tier_numa_topo_read,
	.buf_create = mbind_buf_create,
	.buf_stat = mbind_buf_stat,
};
