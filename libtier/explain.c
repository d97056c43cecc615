// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * Errors that explain themselves: one sentence, with the figures of the
 * topology snapshot, for an errno of tier_open(), tier_buf_create() or
 * tier_buf_migrate() (tier_explain() in libtier.h).  The one place where
 * an errno of the module or of the mbind backend becomes words; the
 * library logs the sentence when a call fails, tools show it.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "libtier-private.h"

/* A sentence into @why: snprintf() that never fails the caller. */
static int say(char *why, size_t len, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static int say(char *why, size_t len, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(why, len, fmt, ap);
	va_end(ap);
	return 0;
}

/* tier_size_format() into a small string of its own. */
struct size_str {
	char s[24];
};

static struct size_str sz(uint64_t bytes)
{
	struct size_str r;

	tier_size_format(bytes, r.s, sizeof(r.s));
	return r;
}

static const struct tier_node *find(const struct tier_explain *e,
				    uint32_t node, unsigned int *idx)
{
	unsigned int i;

	for (i = 0; i < e->nr_nodes; i++) {
		if (e->nodes[i].node == node) {
			if (idx)
				*idx = i;
			return &e->nodes[i];
		}
	}
	return NULL;
}

/* What node @n can ever hold for the buffer: pinnable ones not movable. */
static uint64_t capacity(const struct tier_node *n, int pinnable)
{
	if (!pinnable)
		return n->total_bytes;
	return n->total_bytes > n->movable_bytes ?
	       n->total_bytes - n->movable_bytes : 0;
}

/* "0,2,3": the policy's nodes. */
static void node_list(const struct tier_policy *p, char *s, size_t len)
{
	size_t off = 0;
	uint32_t i;

	s[0] = '\0';
	for (i = 0; i < p->nr_nodes && off < len; i++)
		off += (size_t)snprintf(s + off, len - off, "%s%u", i ? "," : "",
					p->nodes[i].node);
}

static unsigned int unit_shift(const struct tier_explain *e)
{
	if (e->policy->page_shift)
		return e->policy->page_shift;
	return e->page_shift ? e->page_shift : 12;
}

/* Bytes of the buffer whose home is each policy entry, into @bytes. */
static int home_bytes(const struct tier_explain *e, uint64_t *bytes)
{
	unsigned int shift = unit_shift(e);
	uint64_t units = (e->length >> shift) +
			 !!(e->length & ((1ULL << shift) - 1));
	struct tier_layout l;
	uint32_t i;

	if (tier_layout_init(&l, e->policy, units, shift))
		return -ENOMEM;
	for (i = 0; i < e->policy->nr_nodes; i++)
		bytes[i] = (uint64_t)cxltier_layout_units(&l.rule, i) << shift;
	tier_layout_free(&l);
	return 0;
}

static int explain_open(const struct tier_explain *e, char *why, size_t len)
{
	switch (e->err) {
	case -EACCES:
	case -EPERM:
		return say(why, len, "%s is for root and group cxltier (udev rule 60-cxltier.rules): 'usermod -aG cxltier $USER' and log in again, or LIBTIER_BACKEND=mbind",
			   CXLTIER_DEVICE_PATH);
	case -ENOENT:
	case -ENODEV:
	case -ENXIO:
		return say(why, len, "the cxltier module is not loaded ('modprobe cxltier'), or LIBTIER_BACKEND=mbind for plain NUMA policy");
	case -EPROTO:
		return say(why, len, "the loaded cxltier module speaks an older API than this libtier's %d: update the module",
			   CXLTIER_API_VERSION);
	}
	return -ENOENT;
}

/* -EFBIG: the buffer is larger than its nodes can ever hold. */
static int explain_fbig(const struct tier_explain *e, char *why, size_t len)
{
	const struct tier_policy *p = e->policy;
	int pin = !!(p->flags & CXLTIER_CREATE_PINNABLE);
	const char *what = pin ? " in non-movable memory" : "";
	uint64_t bytes[TIER_MAX_POLICY_NODES], cap = 0;
	char list[256];
	uint32_t i;

	for (i = 0; i < p->nr_nodes; i++)
		if (!find(e, p->nodes[i].node, NULL))
			return -ENOENT;
	if (p->mode == CXLTIER_MODE_SPLIT) {
		if (home_bytes(e, bytes))
			return -ENOENT;
		for (i = 0; i < p->nr_nodes; i++) {
			const struct tier_node *n = find(e, p->nodes[i].node, NULL);

			cap = capacity(n, pin);
			if (bytes[i] > cap)
				return say(why, len, "node %u's share (%s) is larger than node %u can ever hold%s (%s)",
					   n->node, sz(bytes[i]).s, n->node,
					   what, sz(cap).s);
		}
		return -ENOENT;
	}
	for (i = 0; i < p->nr_nodes; i++)
		cap += capacity(find(e, p->nodes[i].node, NULL), pin);
	if (e->length <= cap)
		return -ENOENT;		/* a pool's capacity: not ours to say */
	if (p->nr_nodes == 1)
		return say(why, len, "%s is larger than node %u can ever hold%s (%s)",
			   sz(e->length).s, p->nodes[0].node, what, sz(cap).s);
	node_list(p, list, sizeof(list));
	return say(why, len, "%s is larger than nodes %s can ever hold together%s (%s)",
		   sz(e->length).s, list, what, sz(cap).s);
}

/* -EXDEV: pinnable pages on a node with only movable memory. */
static int explain_xdev(const struct tier_explain *e, char *why, size_t len)
{
	const struct tier_policy *p = e->policy;
	uint32_t i;

	for (i = 0; i < p->nr_nodes; i++) {
		const struct tier_node *n = find(e, p->nodes[i].node, NULL);

		if (n && !capacity(n, 1))
			return say(why, len, "node %u is movable-only: %s needs a normal zone or a device-dax pool",
				   n->node,
				   p->flags & CXLTIER_CREATE_PINNABLE ?
				   "pinnable" :
				   "a buffer with a device-dax pool node is pinnable, which");
	}
	return -ENOENT;
}

/* -ENODEV: a node the snapshot does not have. */
static int explain_nodev(const struct tier_explain *e, char *why, size_t len)
{
	const struct tier_policy *p = e->policy;
	char have[256];
	size_t off = 0;
	uint32_t i;

	have[0] = '\0';
	for (i = 0; i < e->nr_nodes && off < sizeof(have); i++)
		off += (size_t)snprintf(have + off, sizeof(have) - off, "%s%u",
					i ? "," : "", e->nodes[i].node);
	for (i = 0; i < p->nr_nodes; i++)
		if (!find(e, p->nodes[i].node, NULL))
			return say(why, len, "node %u is offline or has no memory (nodes with memory: %s)",
				   p->nodes[i].node, have);
	return -ENOENT;
}

/* -ENOSPC at create: a node's quota cannot hold the reservation. */
static int explain_nospc(const struct tier_explain *e, char *why, size_t len)
{
	const struct tier_policy *p = e->policy;
	uint64_t bytes[TIER_MAX_POLICY_NODES], room_all = 0;
	uint32_t i;

	if (!e->quotas)
		return say(why, len, "the buffer does not fit a node's quota (%s/nodeN/quota_bytes; tierctl topo shows them)",
			   CXLTIER_SYSFS_NODES_DIR);
	if (home_bytes(e, bytes))
		return -ENOENT;
	for (i = 0; i < p->nr_nodes; i++) {
		const struct tier_quota *q = &e->quotas[i];
		uint64_t held = q->used_bytes + q->reserved_bytes;
		uint64_t room = q->quota_bytes > held ? q->quota_bytes - held : 0;

		if (q->quota_bytes == TIER_QUOTA_UNLIMITED) {
			if (p->mode == CXLTIER_MODE_PREFERRED)
				return -ENOENT;	/* no quota in the way */
			continue;
		}
		room_all += room;
		if (p->mode != CXLTIER_MODE_PREFERRED && bytes[i] > room)
			return say(why, len, "node %u's quota is %s, %s of it used and %s reserved: %s more does not fit",
				   p->nodes[i].node, sz(q->quota_bytes).s,
				   sz(q->used_bytes).s, sz(q->reserved_bytes).s,
				   sz(bytes[i]).s);
	}
	if (p->mode == CXLTIER_MODE_PREFERRED && e->length > room_all)
		return say(why, len, "the quotas of the listed nodes leave %s, the buffer needs %s",
			   sz(room_all).s, sz(e->length).s);
	return -ENOENT;
}

/* -ENOMEM of a populate: the nodes' free memory when last read. */
static int explain_nomem(const struct tier_explain *e, char *why, size_t len)
{
	const struct tier_policy *p = e->policy;
	uint64_t free_sum = 0;
	char list[512];
	size_t off = 0;
	uint32_t i;

	if (!(p->flags & CXLTIER_CREATE_POPULATE) || e->op != TIER_EXPLAIN_CREATE)
		return -ENOENT;
	list[0] = '\0';
	for (i = 0; i < p->nr_nodes && off < sizeof(list); i++) {
		const struct tier_node *n = find(e, p->nodes[i].node, NULL);

		if (!n)
			return -ENOENT;
		free_sum += n->free_bytes;
		off += (size_t)snprintf(list + off, sizeof(list) - off,
					"%snode %u %s of %s", i ? ", " : "",
					n->node, sz(n->free_bytes).s,
					sz(n->total_bytes).s);
	}
	if (free_sum < e->length)
		return say(why, len, "populating %s ran out of free pages on the policy's nodes (free when last read: %s)",
			   sz(e->length).s, list);
	/*
	 * The nodes had the memory: the page allocator refused for another
	 * reason the snapshot cannot show (the module charges the creator's
	 * memory cgroup; 2 MiB units need free 2 MiB blocks).
	 */
	return say(why, len, "populating %s failed with %s free on the policy's nodes when last read: the memory cgroup's limit (memory.max)%s",
		   sz(e->length).s, sz(free_sum).s,
		   p->page_shift == CXLTIER_HUGE_PAGE_SHIFT ?
		   ", or no free 2 MiB block (fragmented memory)" : "");
}

static int explain_notsupp(const struct tier_explain *e, char *why, size_t len)
{
	const struct tier_policy *p = e->policy;

	if (e->backend != TIER_BACKEND_MBIND)
		return -ENOENT;
	if (e->op == TIER_EXPLAIN_MIGRATE)
		return say(why, len, "moving a live buffer needs the cxltier module (the mbind backend cannot)");
	if (p->flags & CXLTIER_CREATE_PINNABLE)
		return say(why, len, "pinnable needs the cxltier module: the mbind backend cannot promise pages in place (a long-term pin migrates shmem pages off movable memory)");
	if (p->flags & CXLTIER_CREATE_RESERVE)
		return say(why, len, "reserve needs the cxltier module: Linux has no per-node quota to reserve against");
	if (unit_shift(e) == CXLTIER_HUGE_PAGE_SHIFT &&
	    !(p->flags & CXLTIER_CREATE_HUGE_FALLBACK))
		return say(why, len, "2 MiB pages need the cxltier module, or huge-fallback (best effort through shmem THP) with the mbind backend");
	return -ENOENT;
}

TIER_EXPORT int tier_explain(const struct tier_explain *e, char *why,
			     size_t len)
{
	int ret = -ENOENT;

	if (!e || !why || !len || e->err >= 0 ||
	    (e->nr_nodes && !e->nodes))
		return -EINVAL;
	why[0] = '\0';
	if (e->op == TIER_EXPLAIN_OPEN) {
		ret = explain_open(e, why, len);
	} else if (e->op == TIER_EXPLAIN_CREATE ||
		   e->op == TIER_EXPLAIN_MIGRATE) {
		if (!e->policy || e->policy->nr_nodes > TIER_MAX_POLICY_NODES)
			return -EINVAL;
		switch (e->err) {
		case -EFBIG:
			ret = explain_fbig(e, why, len);
			break;
		case -EXDEV:
			ret = explain_xdev(e, why, len);
			break;
		case -ENODEV:
			ret = explain_nodev(e, why, len);
			break;
		case -ENOSPC:
			if (e->op == TIER_EXPLAIN_CREATE)
				ret = explain_nospc(e, why, len);
			break;
		case -ENOMEM:
			ret = explain_nomem(e, why, len);
			break;
		case -EOPNOTSUPP:
			ret = explain_notsupp(e, why, len);
			break;
		case -EBUSY:
			if (e->op == TIER_EXPLAIN_MIGRATE)
				ret = say(why, len, "another migration of the buffer is running: wait for it to end");
			break;
		}
	} else {
		return -EINVAL;
	}
	if (ret)
		why[0] = '\0';
	return ret;
}

/*
 * The library's own use: log why @err happened, from @ctx's snapshot
 * (and, for a quota, the quotas read now).
 */
void tier_explain_log(struct tier_ctx *ctx, int op, int err, uint64_t length,
		      const struct tier_policy *p)
{
	struct tier_quota quotas[TIER_MAX_POLICY_NODES];
	struct tier_explain e;
	char why[512];
	uint32_t i;

	if (!tier_log_enabled(ctx, TIER_LOG_ERR))
		return;
	memset(&e, 0, sizeof(e));
	e.op = (uint32_t)op;
	e.err = err;
	e.backend = (uint32_t)ctx->backend;
	e.length = length;
	e.policy = p;
	e.nodes = ctx->nodes;
	e.nr_nodes = ctx->nr_nodes;
	e.page_shift = ctx->page_shift;
	if (err == -ENOSPC && ctx->backend == TIER_BACKEND_MODULE &&
	    p->nr_nodes <= TIER_MAX_POLICY_NODES) {
		e.quotas = quotas;
		for (i = 0; i < p->nr_nodes; i++)
			if (tier_node_quota(ctx, (int)p->nodes[i].node,
					    &quotas[i]))
				e.quotas = NULL;
	}
	if (!tier_explain(&e, why, sizeof(why)))
		tier_err(ctx, "%s", why);
}
