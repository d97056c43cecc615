// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * The module backend: ioctls on /dev/cxltier and on buffer fds, exactly as
 * <linux/cxltier.h> describes them.  Every argument struct is zeroed, sized
 * with sizeof, and carries its pointers as (uintptr_t) in __aligned_u64.
 * The kernel checks the request; its errors are passed through.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>

#include "libtier-private.h"

/* Rounds of "count changed under us, ask again" before giving up. */
#define MAX_RETRIES	8

static int module_topo_read(struct tier_ctx *ctx, struct tier_node **out,
			    unsigned int *nr_out)
{
	struct cxltier_node_info *ni = NULL, *nni;
	struct cxltier_info info;
	unsigned int cap = 0, i;
	int tries;

	for (tries = 0; tries < MAX_RETRIES; tries++) {
		int ret;

		memset(&info, 0, sizeof(info));
		info.size = sizeof(info);
		info.nr_nodes = cap;
		info.node_entry_size = sizeof(*ni);
		info.nodes = (uintptr_t)ni;
		ret = ioctl(ctx->devfd, CXLTIER_IOC_GET_INFO, &info);
		if (ret < 0 && errno != EMSGSIZE) {
			int err = -errno;

			tier_err(ctx, "GET_INFO: %s", strerror(-err));
			free(ni);
			return err;
		}
		/* Done when it succeeded and everything fit. */
		if (ret == 0 && info.nr_nodes <= cap)
			break;
		tier_dbg(ctx, "GET_INFO: %u nodes, room for %u", info.nr_nodes,
			 cap);
		cap = info.nr_nodes;
		nni = realloc(ni, (cap ? cap : 1) * sizeof(*ni));
		if (!nni) {
			free(ni);
			return -ENOMEM;
		}
		ni = nni;
		memset(ni, 0, (cap ? cap : 1) * sizeof(*ni));
	}
	if (tries == MAX_RETRIES) {
		tier_err(ctx, "GET_INFO: node count keeps changing");
		free(ni);
		return -EAGAIN;
	}

	*out = calloc(info.nr_nodes ? info.nr_nodes : 1, sizeof(**out));
	if (!*out) {
		free(ni);
		return -ENOMEM;
	}
	for (i = 0; i < info.nr_nodes; i++) {
		struct tier_node *t = &(*out)[i];

		t->node = ni[i].node;
		t->tier = ni[i].tier;
		t->flags = ni[i].flags;
		t->zones = ni[i].zones;
		t->nearest_cpu_node = ni[i].nearest_cpu_node;
		t->distance = ni[i].distance;
		t->total_bytes = ni[i].total_bytes;
		t->free_bytes = ni[i].free_bytes;
		t->movable_bytes = ni[i].movable_bytes;
	}
	*nr_out = info.nr_nodes;
	free(ni);
	return 0;
}

/*
 * What the uapi defines but this module's GET_INFO does not list is
 * -EOPNOTSUPP (an older module); what the uapi does not define goes to the
 * kernel, whose answer for it is -EINVAL.
 */
static int module_supports_mode(struct tier_ctx *ctx, uint32_t mode)
{
	if (mode < CXLTIER_NR_MODES &&
	    !(ctx->info.supported_modes & (1ULL << mode))) {
		tier_err(ctx, "the module does not support mode %u", mode);
		return -EOPNOTSUPP;
	}
	return 0;
}

/* module_supports_mode(), and the same for the create flags, page size. */
static int module_supports(struct tier_ctx *ctx, const struct tier_policy *p)
{
	const struct tier_info *info = &ctx->info;
	uint32_t known = p->flags & TIER_KNOWN_FLAGS;
	int err = module_supports_mode(ctx, p->mode);

	if (err)
		return err;
	if (known & ~info->supported_create_flags) {
		tier_err(ctx, "the module does not support create flags 0x%x",
			 known & ~(uint32_t)info->supported_create_flags);
		return -EOPNOTSUPP;
	}
	if (p->page_shift == CXLTIER_HUGE_PAGE_SHIFT &&
	    !(info->supported_page_sizes & (1ULL << CXLTIER_HUGE_PAGE_SHIFT))) {
		tier_err(ctx, "the module does not support 2 MiB pages");
		return -EOPNOTSUPP;
	}
	return 0;
}

/* @p's nodes and weights as the uapi's array, unused entries zero. */
static void module_node_weights(const struct tier_policy *p,
				struct cxltier_node_weight *nw)
{
	uint32_t i;

	memset(nw, 0, TIER_MAX_POLICY_NODES * sizeof(*nw));
	for (i = 0; i < p->nr_nodes; i++) {
		nw[i].node = p->nodes[i].node;
		nw[i].weight = p->nodes[i].weight;
	}
}

static int module_buf_create(struct tier_ctx *ctx, struct tier_buf *buf,
			     size_t length, const struct tier_policy *p)
{
	struct cxltier_node_weight nw[TIER_MAX_POLICY_NODES];
	struct cxltier_create c;
	unsigned int shift;
	int err;

	err = module_supports(ctx, p);
	if (err)
		return err;
	module_node_weights(p, nw);
	memset(&c, 0, sizeof(c));
	c.size = sizeof(c);
	c.flags = p->flags;
	c.length = length;
	c.mode = p->mode;
	c.nr_nodes = p->nr_nodes;
	c.nodes = (uintptr_t)nw;
	c.page_shift = p->page_shift;
	c.chunk_shift = p->chunk_shift;
	c.out_fd = -1;
	if (ioctl(ctx->devfd, CXLTIER_IOC_CREATE, &c) < 0) {
		err = -errno;
		tier_dbg(ctx, "CREATE(%zu bytes, mode %u, flags 0x%x, %u nodes, first %u, page shift %u, chunk shift %u): %s",
			 length, p->mode, p->flags, p->nr_nodes,
			 p->nr_nodes ? p->nodes[0].node : 0, p->page_shift,
			 p->chunk_shift, strerror(-err));
		return err;
	}
	if (c.out_fd < 0) {
		tier_err(ctx, "CREATE succeeded without an fd");
		return -EPROTO;
	}
	buf->fd = c.out_fd;
	buf->id = c.out_id;
	shift = p->page_shift ? p->page_shift : ctx->page_shift;
	buf->page_shift = shift;
	buf->map_length = tier_round_up(length, shift);
	if (!buf->map_length)
		return -EFBIG;		/* the kernel accepted what we cannot map */
	return 0;
}

static int module_buf_stat(struct tier_buf *buf, struct tier_buf_stat *st)
{
	struct cxltier_node_weight pol[TIER_MAX_POLICY_NODES];
	struct cxltier_node_bytes *res = NULL, *nres;
	struct cxltier_buf_stat s;
	unsigned int cap = buf->resident_cap, i;
	int tries;

	res = calloc(cap ? cap : 1, sizeof(*res));
	if (!res)
		return -ENOMEM;
	for (tries = 0; tries < MAX_RETRIES; tries++) {
		memset(pol, 0, sizeof(pol));
		memset(&s, 0, sizeof(s));
		s.size = sizeof(s);
		s.nr_policy_nodes = TIER_MAX_POLICY_NODES;
		s.policy_nodes = (uintptr_t)pol;
		s.nr_resident = cap;
		s.resident = (uintptr_t)res;
		if (ioctl(buf->fd, CXLTIER_IOC_BUF_STAT, &s) == 0)
			break;
		if (errno != EMSGSIZE) {
			int err = -errno;

			tier_err(buf->ctx, "buffer %llu: BUF_STAT: %s",
				 (unsigned long long)buf->id, strerror(-err));
			free(res);
			return err;
		}
		if (s.nr_policy_nodes > TIER_MAX_POLICY_NODES ||
		    s.nr_resident <= cap) {
			/* nothing we can make room for: not the uapi's EMSGSIZE */
			tier_err(buf->ctx, "buffer %llu: BUF_STAT: EMSGSIZE with %u policy nodes, %u resident (room for %u)",
				 (unsigned long long)buf->id, s.nr_policy_nodes,
				 s.nr_resident, cap);
			free(res);
			return -EPROTO;
		}
		cap = s.nr_resident;
		nres = realloc(res, cap * sizeof(*res));
		if (!nres) {
			free(res);
			return -ENOMEM;
		}
		res = nres;
		memset(res, 0, cap * sizeof(*res));
	}
	if (tries == MAX_RETRIES) {
		free(res);
		return -EAGAIN;
	}
	if (s.nr_resident > cap || s.nr_policy_nodes > TIER_MAX_POLICY_NODES) {
		tier_err(buf->ctx, "buffer %llu: BUF_STAT: counts beyond capacity",
			 (unsigned long long)buf->id);
		free(res);
		return -EPROTO;
	}
	if (tier_buf_resident_reserve(buf, s.nr_resident)) {
		free(res);
		return -ENOMEM;
	}

	for (i = 0; i < s.nr_resident; i++) {
		struct tier_node_bytes *r = &buf->resident[i];

		memset(r, 0, sizeof(*r));
		r->node = res[i].node;
		r->bytes = res[i].bytes;
	}
	buf->nr_resident = s.nr_resident;
	free(res);

	st->id = s.id;
	st->length = s.length;
	st->resident_bytes = s.resident_bytes;
	st->mode = s.mode;
	st->page_shift = s.page_shift;
	st->create_flags = s.create_flags;
	st->spilled_bytes = s.spilled_bytes;
	st->chunk_shift = s.chunk_shift;
	st->split_units = (uint32_t)s.split_units;
	st->pmd_map_faults = s.pmd_map_faults;
	st->pte_map_faults = s.pte_map_faults;
	buf->pmd_units = (int64_t)s.pmd_mapped_units;
	st->policy.mode = s.mode;
	st->policy.flags = s.create_flags;
	st->policy.page_shift = buf->policy.page_shift;
	st->policy.chunk_shift = s.chunk_shift;
	st->policy.nr_nodes = s.nr_policy_nodes;
	for (i = 0; i < s.nr_policy_nodes; i++) {
		st->policy.nodes[i].node = pol[i].node;
		st->policy.nodes[i].weight = pol[i].weight;
	}
	return 0;
}

static int module_buf_migrate(struct tier_buf *buf, const struct tier_policy *p,
			      uint32_t flags, uint64_t rate,
			      struct tier_migrate_result *res)
{
	struct cxltier_node_weight nw[TIER_MAX_POLICY_NODES];
	struct cxltier_migrate m;
	int err = 0;

	err = module_supports_mode(buf->ctx, p->mode);
	if (err)
		return err;
	module_node_weights(p, nw);
	memset(&m, 0, sizeof(m));
	m.size = sizeof(m);
	m.flags = flags;
	m.mode = p->mode;
	m.nr_nodes = p->nr_nodes;
	m.nodes = (uintptr_t)nw;
	m.chunk_shift = p->chunk_shift;
	m.rate_bytes = rate;
	if (ioctl(buf->fd, CXLTIER_IOC_MIGRATE, &m) < 0) {
		err = -errno;
		if (err == -ENOTTY)
			err = -EOPNOTSUPP;	/* a module from before MIGRATE */
		if (err != -EINTR) {
			tier_dbg(buf->ctx, "buffer %llu: MIGRATE(mode %u, %u nodes, first %u, flags 0x%x): %s",
				 (unsigned long long)buf->id, p->mode,
				 p->nr_nodes,
				 p->nr_nodes ? p->nodes[0].node : 0, flags,
				 strerror(-err));
			return err;
		}
	}
	if (res) {
		res->state = (flags & CXLTIER_MIGRATE_ASYNC) && !err ?
			     CXLTIER_MIGRATE_STATE_RUNNING :
			     CXLTIER_MIGRATE_STATE_DONE;
		res->error = err;
		res->moved_bytes = m.out_moved_bytes;
		res->skipped_bytes = m.out_skipped_bytes;
		res->failed_bytes = m.out_failed_bytes;
		res->elapsed_ns = m.out_elapsed_ns;
	}
	return err;
}

/* BUF_STAT with no arrays: the fixed fields only. */
static int module_stat_fixed(struct tier_buf *buf, struct cxltier_buf_stat *s)
{
	memset(s, 0, sizeof(*s));
	s->size = sizeof(*s);
	if (ioctl(buf->fd, CXLTIER_IOC_BUF_STAT, s) < 0)
		return -errno;
	return 0;
}

static int module_buf_migrate_status(struct tier_buf *buf,
				     struct tier_migrate_result *res)
{
	struct cxltier_buf_stat s;
	int err = module_stat_fixed(buf, &s);

	if (err) {
		tier_err(buf->ctx, "buffer %llu: BUF_STAT: %s",
			 (unsigned long long)buf->id, strerror(-err));
		return err;
	}
	res->state = s.migrate_state;
	res->error = s.migrate_error;
	res->seq = s.migrate_seq;
	res->moved_bytes = s.migrate_moved_bytes;
	res->skipped_bytes = s.migrate_skipped_bytes;
	res->failed_bytes = s.migrate_failed_bytes;
	return 0;
}

static int module_buf_from_fd(struct tier_buf *buf)
{
	struct cxltier_buf_stat s;
	struct tier_buf_stat st;
	int err = module_stat_fixed(buf, &s);

	if (err)
		return err;
	buf->id = s.id;
	buf->length = s.length;
	buf->page_shift = s.page_shift;
	buf->map_length = tier_round_up(s.length, s.page_shift);
	buf->policy.page_shift = s.page_shift == buf->ctx->page_shift ?
				 0 : s.page_shift;
	err = module_buf_stat(buf, &st);
	if (err)
		return err;
	buf->policy = st.policy;
	return 0;
}

const struct tier_backend_ops tier_module_ops = {
	.name = CXLTIER_DEVICE_NAME,
	.topo_read = module_topo_read,
	.buf_create = module_buf_create,
	.buf_stat = module_buf_stat,
	.buf_migrate = module_buf_migrate,
	.buf_migrate_status = module_buf_migrate_status,
	.buf_from_fd = module_buf_from_fd,
};
