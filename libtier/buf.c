// SPDX-License-Identifier: LGPL-2.1-or-later
/* Buffers: what both backends share (handles, mapping, stat storage). */
#include <errno.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/mman.h>

#include "libtier-private.h"

/* "create 1M, bind:2,populate: ..." at TIER_LOG_DEBUG */
static void log_policy(struct tier_ctx *ctx, const char *what, uint64_t id,
		       uint64_t length, const struct tier_policy *p, int err)
{
	char canon[TIER_POLICY_STRLEN], size[24];

	if (!tier_log_enabled(ctx, TIER_LOG_DEBUG))
		return;
	if (tier_policy_format(p, canon, sizeof(canon)) < 0)
		snprintf(canon, sizeof(canon), "mode %u, flags 0x%x, %u nodes",
			 p->mode, p->flags, p->nr_nodes);
	tier_size_format(length, size, sizeof(size));
	if (err)
		tier_dbg(ctx, "%s %s (%llu bytes), %s: %s", what, size,
			 (unsigned long long)length, canon, strerror(-err));
	else
		tier_dbg(ctx, "%s %s (%llu bytes), %s: buffer %llu", what, size,
			 (unsigned long long)length, canon,
			 (unsigned long long)id);
}

TIER_EXPORT int tier_buf_create(struct tier_ctx *ctx, size_t length,
				const struct tier_policy *policy,
				struct tier_buf **out)
{
	struct tier_buf *buf;
	int err;

	if (out)
		*out = NULL;
	if (!ctx || !policy || !out || !length)
		return -EINVAL;
	/* Bounds of struct tier_policy itself: true of every backend. */
	if (policy->nr_nodes > TIER_MAX_POLICY_NODES ||
	    policy->__reserved[0] || policy->__reserved[1] ||
	    policy->__reserved[2])
		return -EINVAL;

	buf = calloc(1, sizeof(*buf));
	if (!buf)
		return -ENOMEM;
	buf->fd = -1;
	buf->length = length;
	buf->policy = *policy;
	memset(buf->policy.nodes + policy->nr_nodes, 0,
	       sizeof(buf->policy.nodes) -
	       policy->nr_nodes * sizeof(buf->policy.nodes[0]));

	err = ctx->ops->buf_create(ctx, buf, length, policy);
	if (err) {
		if (buf->fd >= 0)
			close(buf->fd);
		tier_layout_free(&buf->layout);
		free(buf);
		log_policy(ctx, "create", 0, length, policy, err);
		tier_explain_log(ctx, TIER_EXPLAIN_CREATE, err, length, policy);
		return err;
	}
	tier_ctx_get(ctx);
	buf->ctx = ctx;
	*out = buf;
	if (tier_log_enabled(ctx, TIER_LOG_DEBUG)) {
		log_policy(ctx, "create", buf->id, length, policy, 0);
		tier_dbg(ctx, "buffer %llu: fd %d, %zu bytes mapped, page shift %u",
			 (unsigned long long)buf->id, buf->fd, buf->map_length,
			 buf->page_shift);
	}
	return 0;
}

TIER_EXPORT int tier_buf_map(struct tier_buf *buf, void **addr)
{
	void *p;

	if (!buf || !addr)
		return -EINVAL;
	if (!buf->addr) {
		p = mmap(NULL, buf->map_length, PROT_READ | PROT_WRITE,
			 MAP_SHARED, buf->fd, 0);
		if (p == MAP_FAILED) {
			int err = -errno;

			tier_err(buf->ctx, "buffer %llu: mmap: %s",
				 (unsigned long long)buf->id, strerror(-err));
			return err;
		}
		/* best effort: the kernel's shmem THP setting decides */
		if (buf->advise_huge)
			(void)madvise(p, buf->map_length, MADV_HUGEPAGE);
		buf->addr = p;
	}
	*addr = buf->addr;
	return 0;
}

TIER_EXPORT int tier_buf_unmap(struct tier_buf *buf)
{
	if (!buf)
		return -EINVAL;
	if (buf->addr) {
		if (munmap(buf->addr, buf->map_length))
			return -errno;
		buf->addr = NULL;
	}
	return 0;
}

int tier_buf_resident_reserve(struct tier_buf *buf, unsigned int n)
{
	struct tier_node_bytes *r;

	if (n <= buf->resident_cap)
		return 0;
	r = realloc(buf->resident, n * sizeof(*r));
	if (!r)
		return -ENOMEM;
	buf->resident = r;
	buf->resident_cap = n;
	return 0;
}

TIER_EXPORT int tier_buf_stat(struct tier_buf *buf, struct tier_buf_stat *st)
{
	int err;

	if (!buf || !st)
		return -EINVAL;
	memset(st, 0, sizeof(*st));
	/* Sized for the host: one entry per node of the topology. */
	err = tier_buf_resident_reserve(buf, buf->ctx->nr_nodes);
	if (err)
		return err;
	buf->nr_resident = 0;
	err = buf->ctx->ops->buf_stat(buf, st);
	if (err) {
		memset(st, 0, sizeof(*st));
		return err;
	}
	st->map_length = buf->map_length;
	st->nr_resident = buf->nr_resident;
	st->resident = buf->resident;
	return 0;
}

TIER_EXPORT int tier_buf_fd(const struct tier_buf *buf)
{
	return buf ? buf->fd : -EINVAL;
}

TIER_EXPORT uint64_t tier_buf_id(const struct tier_buf *buf)
{
	return buf ? buf->id : 0;
}

TIER_EXPORT size_t tier_buf_length(const struct tier_buf *buf)
{
	return buf ? buf->length : 0;
}

/*
 * What the kernel says for this process: the smaps fields of every VMA
 * inside tier_buf_map()'s range (an mprotect may have split it), so the
 * figure counts the entries that exist now, not the faults that made them.
 */
TIER_EXPORT int64_t tier_buf_pmd_mapped(const struct tier_buf *buf)
{
	uintptr_t lo, hi, start, end;
	int64_t bytes = 0;
	bool in = false, seen = false;
	char line[512];
	unsigned long long kb;
	FILE *f;
	int err;

	if (!buf)
		return -EINVAL;
	if (!buf->addr)
		return -ENOENT;
	lo = (uintptr_t)buf->addr;
	hi = lo + buf->map_length;
	f = fopen("/proc/self/smaps", "re");
	if (!f)
		return -errno;
	while (fgets(line, sizeof(line), f)) {
		char perms[5];

		if (sscanf(line, "%" SCNxPTR "-%" SCNxPTR " %4s", &start, &end,
			   perms) == 3) {
			in = start >= lo && end <= hi;
			continue;
		}
		if (sscanf(line, "FilePmdMapped: %llu kB", &kb) == 1 ||
		    sscanf(line, "ShmemPmdMapped: %llu kB", &kb) == 1) {
			seen = true;
			if (in)
				bytes += (int64_t)kb << 10;
		}
	}
	err = ferror(f) ? -EIO : 0;
	fclose(f);
	if (err)
		return err;
	return seen ? bytes : -EOPNOTSUPP;
}

/* BUF_STAT's count; the mbind backend has no way to see other processes. */
TIER_EXPORT int64_t tier_buf_pmd_units(struct tier_buf *buf)
{
	struct tier_buf_stat st;
	int err;

	if (!buf)
		return -EINVAL;
	if (tier_backend(buf->ctx) != TIER_BACKEND_MODULE)
		return -EOPNOTSUPP;
	buf->pmd_units = -EOPNOTSUPP;
	err = tier_buf_stat(buf, &st);
	return err ? err : buf->pmd_units;
}

TIER_EXPORT void tier_buf_destroy(struct tier_buf *buf)
{
	if (!buf)
		return;
	tier_buf_unmap(buf);
	close(buf->fd);
	tier_layout_free(&buf->layout);
	free(buf->resident);
	tier_ctx_put(buf->ctx);
	free(buf);
}

TIER_EXPORT int tier_buf_migrate(struct tier_buf *buf,
				 const struct tier_policy *policy,
				 uint32_t flags, uint64_t rate_bytes,
				 struct tier_migrate_result *res)
{
	int err;

	if (res)
		memset(res, 0, sizeof(*res));
	if (!buf || !policy)
		return -EINVAL;
	if (policy->nr_nodes > TIER_MAX_POLICY_NODES ||
	    policy->__reserved[0] || policy->__reserved[1] ||
	    policy->__reserved[2])
		return -EINVAL;
	/* a buffer's page size and create flags are its own for life */
	if ((policy->page_shift && policy->page_shift != buf->page_shift) ||
	    (policy->flags && policy->flags != buf->policy.flags))
		return -EINVAL;
	if (!buf->ctx->ops->buf_migrate)
		return -EOPNOTSUPP;
	err = buf->ctx->ops->buf_migrate(buf, policy, flags, rate_bytes, res);
	if (tier_log_enabled(buf->ctx, TIER_LOG_DEBUG)) {
		char what[64];

		snprintf(what, sizeof(what), "buffer %llu: migrate (flags 0x%x, rate %llu B/s)",
			 (unsigned long long)buf->id, flags,
			 (unsigned long long)rate_bytes);
		log_policy(buf->ctx, what, buf->id, buf->length, policy,
			   err);
		if (res && !err)
			tier_dbg(buf->ctx, "buffer %llu: moved %llu, skipped %llu, failed %llu bytes",
				 (unsigned long long)buf->id,
				 (unsigned long long)res->moved_bytes,
				 (unsigned long long)res->skipped_bytes,
				 (unsigned long long)res->failed_bytes);
	}
	if (err && err != -EINTR) {
		/* explained with the buffer's own flags and page size */
		struct tier_policy as_moved = *policy;

		as_moved.flags = buf->policy.flags;
		as_moved.page_shift = buf->page_shift;
		tier_explain_log(buf->ctx, TIER_EXPLAIN_MIGRATE, err,
				 buf->length, &as_moved);
	}
	if (!err || err == -EINTR) {
		/* the new policy is installed even when interrupted */
		uint32_t keep_flags = buf->policy.flags;
		uint32_t keep_shift = buf->policy.page_shift;

		buf->policy = *policy;
		buf->policy.flags = keep_flags;
		buf->policy.page_shift = keep_shift;
		memset(buf->policy.nodes + policy->nr_nodes, 0,
		       sizeof(buf->policy.nodes) -
		       policy->nr_nodes * sizeof(buf->policy.nodes[0]));
	}
	return err;
}

TIER_EXPORT int tier_buf_migrate_status(struct tier_buf *buf,
					struct tier_migrate_result *res)
{
	if (!buf || !res)
		return -EINVAL;
	memset(res, 0, sizeof(*res));
	if (!buf->ctx->ops->buf_migrate_status)
		return -EOPNOTSUPP;
	return buf->ctx->ops->buf_migrate_status(buf, res);
}

TIER_EXPORT int tier_buf_from_fd(struct tier_ctx *ctx, int fd,
				 struct tier_buf **out)
{
	struct tier_buf *buf;
	int err;

	if (out)
		*out = NULL;
	if (!ctx || fd < 0 || !out) {
		if (fd >= 0)
			close(fd);
		return -EINVAL;
	}
	if (!ctx->ops->buf_from_fd) {
		close(fd);
		return -EOPNOTSUPP;
	}
	buf = calloc(1, sizeof(*buf));
	if (!buf) {
		close(fd);
		return -ENOMEM;
	}
	buf->fd = fd;
	buf->ctx = ctx;		/* for the backend's messages */
	err = ctx->ops->buf_from_fd(buf);
	if (err) {
		close(fd);
		free(buf->resident);
		free(buf);
		return err;
	}
	tier_ctx_get(ctx);
	*out = buf;
	return 0;
}
