// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * The cxltier generic netlink family from userspace, on libmnl: resolve the
 * family, dump buffers and nodes, receive events.
 *
 * Parsing is forward compatible and strict at once: attributes this file
 * does not know are skipped (the kernel may add some to replies); those it
 * knows must have exactly their type's length, and a message whose
 * attribute stream ends in bytes that are not a whole attribute is refused.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <linux/genetlink.h>
#include <linux/netlink.h>
#include <libmnl/libmnl.h>

#include "libtier-private.h"
#include "nl-private.h"

#ifndef NETLINK_EXT_ACK
#define NETLINK_EXT_ACK	11
#endif
#ifndef NETLINK_CAP_ACK
#define NETLINK_CAP_ACK	10
#endif

_Static_assert(CXLTIER_NL_A_MAX < 64, "struct tier_nl_*.attrs is 64 bits");

/* Big enough for any datagram the kernel sends a socket (dumps: 32 KiB). */
#define TIER_NL_BUFSZ	(64 * 1024)

struct tier_nl {
	struct mnl_socket *sock;
	unsigned int flags;
	uint16_t family;
	uint32_t group;		/* "events" group id */
	int scope;		/* TIER_NL_SCOPE_*, with TIER_NL_EVENTS */
	uint32_t portid;
	uint32_t seq;
	char *buf;		/* TIER_NL_BUFSZ */
};

/* ------------------------------------------------------------------------ */
/* Parsing                                                                    */

/* Expected type of each known top-level attribute; MNL_TYPE_UNSPEC: skip. */
static const uint8_t top_types[CXLTIER_NL_A_MAX + 1] = {
	[CXLTIER_NL_A_BUF_ID]			= MNL_TYPE_U64,
	[CXLTIER_NL_A_BUF_PID]			= MNL_TYPE_U32,
	[CXLTIER_NL_A_BUF_UID]			= MNL_TYPE_U32,
	[CXLTIER_NL_A_BUF_LENGTH]		= MNL_TYPE_U64,
	[CXLTIER_NL_A_BUF_MODE]			= MNL_TYPE_U32,
	[CXLTIER_NL_A_BUF_PAGE_SHIFT]		= MNL_TYPE_U32,
	[CXLTIER_NL_A_BUF_CHUNK_SHIFT]		= MNL_TYPE_U32,
	[CXLTIER_NL_A_BUF_CREATE_FLAGS]		= MNL_TYPE_U32,
	[CXLTIER_NL_A_BUF_POLICY]		= MNL_TYPE_NESTED,
	[CXLTIER_NL_A_BUF_RESIDENT]		= MNL_TYPE_NESTED,
	[CXLTIER_NL_A_BUF_RESIDENT_BYTES]	= MNL_TYPE_U64,
	[CXLTIER_NL_A_BUF_SPILLED_BYTES]	= MNL_TYPE_U64,
	[CXLTIER_NL_A_BUF_MIGRATE_SEQ]		= MNL_TYPE_U64,
	[CXLTIER_NL_A_BUF_MIGRATE_STATE]	= MNL_TYPE_U32,
	[CXLTIER_NL_A_BUF_MIGRATE_ERROR]	= MNL_TYPE_U32,
	[CXLTIER_NL_A_BUF_MIGRATE_MOVED_BYTES]	= MNL_TYPE_U64,
	[CXLTIER_NL_A_BUF_MIGRATE_SKIPPED_BYTES] = MNL_TYPE_U64,
	[CXLTIER_NL_A_BUF_MIGRATE_FAILED_BYTES]	= MNL_TYPE_U64,
	[CXLTIER_NL_A_BUF_PMD_MAP_FAULTS]	= MNL_TYPE_U64,
	[CXLTIER_NL_A_BUF_PTE_MAP_FAULTS]	= MNL_TYPE_U64,
	[CXLTIER_NL_A_BUF_SPLIT_UNITS]		= MNL_TYPE_U64,
	[CXLTIER_NL_A_BUF_PMD_MAPPED_UNITS]	= MNL_TYPE_U64,
	[CXLTIER_NL_A_NODE_ID]			= MNL_TYPE_U32,
	[CXLTIER_NL_A_NODE_TIER]		= MNL_TYPE_U32,
	[CXLTIER_NL_A_NODE_TOTAL_BYTES]		= MNL_TYPE_U64,
	[CXLTIER_NL_A_NODE_FREE_BYTES]		= MNL_TYPE_U64,
	[CXLTIER_NL_A_NODE_QUOTA_BYTES]		= MNL_TYPE_U64,
	[CXLTIER_NL_A_NODE_USED_BYTES]		= MNL_TYPE_U64,
	[CXLTIER_NL_A_NODE_RESERVED_BYTES]	= MNL_TYPE_U64,
	[CXLTIER_NL_A_NODE_POOL_BYTES]		= MNL_TYPE_U64,
	[CXLTIER_NL_A_NODE_ALLOC_PAGES]		= MNL_TYPE_U64,
	[CXLTIER_NL_A_NODE_SPILL_PAGES]		= MNL_TYPE_U64,
	[CXLTIER_NL_A_NODE_MIGRATE_IN_PAGES]	= MNL_TYPE_U64,
	[CXLTIER_NL_A_NODE_MIGRATE_OUT_PAGES]	= MNL_TYPE_U64,
	[CXLTIER_NL_A_NODE_FAULT_FAILURES]	= MNL_TYPE_U64,
	[CXLTIER_NL_A_EVENT_TYPE]		= MNL_TYPE_U32,
	[CXLTIER_NL_A_EVENT_TO_NODE]		= MNL_TYPE_U32,
	[CXLTIER_NL_A_EVENT_BYTES]		= MNL_TYPE_U64,
	[CXLTIER_NL_A_EVENT_ERROR]		= MNL_TYPE_U32,
	[CXLTIER_NL_A_EVENT_THRESHOLD_BYTES]	= MNL_TYPE_U64,
	[CXLTIER_NL_A_POOL_ID]			= MNL_TYPE_U32,
	[CXLTIER_NL_A_POOL_NAME]		= MNL_TYPE_NUL_STRING,
};

static const uint8_t pn_types[CXLTIER_NL_PN_MAX + 1] = {
	[CXLTIER_NL_PN_NODE]	= MNL_TYPE_U32,
	[CXLTIER_NL_PN_WEIGHT]	= MNL_TYPE_U32,
};

static const uint8_t nb_types[CXLTIER_NL_NB_MAX + 1] = {
	[CXLTIER_NL_NB_NODE]	= MNL_TYPE_U32,
	[CXLTIER_NL_NB_BYTES]	= MNL_TYPE_U64,
};

/*
 * The attributes in [@start, @start + @len) into @tb (the last of a type
 * wins), checking the known ones against @types.  Unknown: skipped.
 */
static int parse_attrs(const void *start, int len, const uint8_t *types,
		       unsigned int max, const struct nlattr **tb,
		       uint64_t *present)
{
	const struct nlattr *a = start;

	memset(tb, 0, (max + 1) * sizeof(*tb));
	if (present)
		*present = 0;
	while (mnl_attr_ok(a, len)) {
		uint16_t type = mnl_attr_get_type(a);

		if (type <= max && types[type] != MNL_TYPE_UNSPEC) {
			if (mnl_attr_validate(a, types[type]) < 0)
				return -EPROTO;
			if (types[type] == MNL_TYPE_NUL_STRING &&
			    mnl_attr_get_payload_len(a) == 0)
				return -EPROTO;
			tb[type] = a;
			if (present && type < 64)
				*present |= 1ULL << type;
		}
		len -= MNL_ALIGN(a->nla_len);
		a = mnl_attr_next(a);
	}
	/* Left over: a truncated attribute or junk (not the last one's pad). */
	return len > 0 ? -EPROTO : 0;
}

/*
 * The top-level attributes of message @nlh, a genetlink message of command
 * @cmd (else -EBADMSG), into @tb and the bits of @present.
 */
static int parse_msg(const struct nlmsghdr *nlh, uint8_t cmd,
		     const struct nlattr **tb, uint64_t *present)
{
	const struct genlmsghdr *g;

	if (nlh->nlmsg_len < MNL_NLMSG_HDRLEN + MNL_ALIGN(sizeof(*g)))
		return -EPROTO;
	g = mnl_nlmsg_get_payload(nlh);
	if (g->cmd != cmd)
		return -EBADMSG;
	return parse_attrs((const char *)g + MNL_ALIGN(sizeof(*g)),
			   (int)nlh->nlmsg_len - MNL_NLMSG_HDRLEN -
			   MNL_ALIGN(sizeof(*g)),
			   top_types, CXLTIER_NL_A_MAX, tb, present);
}

static uint32_t get_u32(const struct nlattr *a, uint32_t dflt)
{
	return a ? mnl_attr_get_u32(a) : dflt;
}

static uint64_t get_u64(const struct nlattr *a, uint64_t dflt)
{
	return a ? mnl_attr_get_u64(a) : dflt;
}

/* The CXLTIER_NL_A_BUF_POLICY nest: POLICY_NODE nests, in order. */
static int parse_policy(const struct nlattr *nest, struct tier_policy *p)
{
	const struct nlattr *a;
	int len = (int)mnl_attr_get_payload_len(nest);

	p->nr_nodes = 0;
	for (a = mnl_attr_get_payload(nest); mnl_attr_ok(a, len);
	     len -= MNL_ALIGN(a->nla_len), a = mnl_attr_next(a)) {
		const struct nlattr *tb[CXLTIER_NL_PN_MAX + 1];
		int err;

		if (mnl_attr_get_type(a) != CXLTIER_NL_A_BUF_POLICY_NODE)
			continue;
		err = parse_attrs(mnl_attr_get_payload(a),
				  (int)mnl_attr_get_payload_len(a), pn_types,
				  CXLTIER_NL_PN_MAX, tb, NULL);
		if (err)
			return err;
		if (!tb[CXLTIER_NL_PN_NODE] ||
		    p->nr_nodes >= TIER_MAX_POLICY_NODES)
			return -EPROTO;
		p->nodes[p->nr_nodes].node = mnl_attr_get_u32(tb[CXLTIER_NL_PN_NODE]);
		p->nodes[p->nr_nodes].weight = get_u32(tb[CXLTIER_NL_PN_WEIGHT], 0);
		p->nr_nodes++;
	}
	return len > 0 ? -EPROTO : 0;
}

/* The CXLTIER_NL_A_BUF_RESIDENT nest into a fresh array. */
static int parse_resident(const struct nlattr *nest, struct tier_node_bytes **out,
			  uint32_t *nr)
{
	const struct nlattr *a;
	struct tier_node_bytes *r = NULL;
	uint32_t n = 0, cap = 0;
	int len = (int)mnl_attr_get_payload_len(nest);

	for (a = mnl_attr_get_payload(nest); mnl_attr_ok(a, len);
	     len -= MNL_ALIGN(a->nla_len), a = mnl_attr_next(a)) {
		const struct nlattr *tb[CXLTIER_NL_NB_MAX + 1];
		int err;

		if (mnl_attr_get_type(a) != CXLTIER_NL_A_BUF_RESIDENT_NODE)
			continue;
		err = parse_attrs(mnl_attr_get_payload(a),
				  (int)mnl_attr_get_payload_len(a), nb_types,
				  CXLTIER_NL_NB_MAX, tb, NULL);
		if (!err && (!tb[CXLTIER_NL_NB_NODE] || !tb[CXLTIER_NL_NB_BYTES]))
			err = -EPROTO;
		if (!err && n == cap) {
			struct tier_node_bytes *nr_ = realloc(r, (cap ? 2 * cap : 8) * sizeof(*r));

			if (!nr_)
				err = -ENOMEM;
			else {
				r = nr_;
				cap = cap ? 2 * cap : 8;
			}
		}
		if (err) {
			free(r);
			return err;
		}
		r[n].node = mnl_attr_get_u32(tb[CXLTIER_NL_NB_NODE]);
		r[n].__reserved = 0;
		r[n].bytes = mnl_attr_get_u64(tb[CXLTIER_NL_NB_BYTES]);
		n++;
	}
	if (len > 0) {
		free(r);
		return -EPROTO;
	}
	*out = r;
	*nr = n;
	return 0;
}

int tier_nl_parse_buf(const struct nlmsghdr *nlh, struct tier_nl_buf *b)
{
	const struct nlattr *tb[CXLTIER_NL_A_MAX + 1];
	int err;

	memset(b, 0, sizeof(*b));
	err = parse_msg(nlh, CXLTIER_NL_CMD_BUF_GET, tb, &b->attrs);
	if (err)
		return err;
	/* Without an id a buffer cannot be named: not a buffer message. */
	if (!tb[CXLTIER_NL_A_BUF_ID])
		return -EPROTO;
	b->id = mnl_attr_get_u64(tb[CXLTIER_NL_A_BUF_ID]);
	b->pid = get_u32(tb[CXLTIER_NL_A_BUF_PID], 0);
	b->uid = get_u32(tb[CXLTIER_NL_A_BUF_UID], 0);
	b->length = get_u64(tb[CXLTIER_NL_A_BUF_LENGTH], 0);
	b->policy.mode = get_u32(tb[CXLTIER_NL_A_BUF_MODE], 0);
	b->policy.page_shift = get_u32(tb[CXLTIER_NL_A_BUF_PAGE_SHIFT], 0);
	b->policy.chunk_shift = get_u32(tb[CXLTIER_NL_A_BUF_CHUNK_SHIFT], 0);
	b->policy.flags = get_u32(tb[CXLTIER_NL_A_BUF_CREATE_FLAGS], 0);
	b->resident_bytes = get_u64(tb[CXLTIER_NL_A_BUF_RESIDENT_BYTES], 0);
	b->spilled_bytes = get_u64(tb[CXLTIER_NL_A_BUF_SPILLED_BYTES], 0);
	b->migrate_seq = get_u64(tb[CXLTIER_NL_A_BUF_MIGRATE_SEQ], 0);
	b->migrate_state = get_u32(tb[CXLTIER_NL_A_BUF_MIGRATE_STATE], 0);
	b->migrate_error = (int32_t)get_u32(tb[CXLTIER_NL_A_BUF_MIGRATE_ERROR], 0);
	b->migrate_moved_bytes = get_u64(tb[CXLTIER_NL_A_BUF_MIGRATE_MOVED_BYTES], 0);
	b->migrate_skipped_bytes = get_u64(tb[CXLTIER_NL_A_BUF_MIGRATE_SKIPPED_BYTES], 0);
	b->migrate_failed_bytes = get_u64(tb[CXLTIER_NL_A_BUF_MIGRATE_FAILED_BYTES], 0);
	b->pmd_map_faults = get_u64(tb[CXLTIER_NL_A_BUF_PMD_MAP_FAULTS], 0);
	b->pte_map_faults = get_u64(tb[CXLTIER_NL_A_BUF_PTE_MAP_FAULTS], 0);
	b->split_units = get_u64(tb[CXLTIER_NL_A_BUF_SPLIT_UNITS], 0);
	b->pmd_mapped_units =
		get_u64(tb[CXLTIER_NL_A_BUF_PMD_MAPPED_UNITS], 0);
	if (tb[CXLTIER_NL_A_BUF_POLICY]) {
		err = parse_policy(tb[CXLTIER_NL_A_BUF_POLICY], &b->policy);
		if (err)
			return err;
	}
	if (tb[CXLTIER_NL_A_BUF_RESIDENT])
		return parse_resident(tb[CXLTIER_NL_A_BUF_RESIDENT],
				      &b->resident, &b->nr_resident);
	return 0;
}

int tier_nl_parse_node(const struct nlmsghdr *nlh, struct tier_nl_node *n)
{
	const struct nlattr *tb[CXLTIER_NL_A_MAX + 1];
	int err;

	memset(n, 0, sizeof(*n));
	err = parse_msg(nlh, CXLTIER_NL_CMD_NODE_GET, tb, &n->attrs);
	if (err)
		return err;
	if (!tb[CXLTIER_NL_A_NODE_ID])
		return -EPROTO;
	n->node = mnl_attr_get_u32(tb[CXLTIER_NL_A_NODE_ID]);
	n->tier = get_u32(tb[CXLTIER_NL_A_NODE_TIER], TIER_NL_TIER_NONE);
	n->total_bytes = get_u64(tb[CXLTIER_NL_A_NODE_TOTAL_BYTES], 0);
	n->free_bytes = get_u64(tb[CXLTIER_NL_A_NODE_FREE_BYTES], 0);
	n->quota_bytes = get_u64(tb[CXLTIER_NL_A_NODE_QUOTA_BYTES], TIER_QUOTA_UNLIMITED);
	n->used_bytes = get_u64(tb[CXLTIER_NL_A_NODE_USED_BYTES], 0);
	n->reserved_bytes = get_u64(tb[CXLTIER_NL_A_NODE_RESERVED_BYTES], 0);
	n->pool_bytes = get_u64(tb[CXLTIER_NL_A_NODE_POOL_BYTES], 0);
	n->alloc_pages = get_u64(tb[CXLTIER_NL_A_NODE_ALLOC_PAGES], 0);
	n->spill_pages = get_u64(tb[CXLTIER_NL_A_NODE_SPILL_PAGES], 0);
	n->migrate_in_pages = get_u64(tb[CXLTIER_NL_A_NODE_MIGRATE_IN_PAGES], 0);
	n->migrate_out_pages = get_u64(tb[CXLTIER_NL_A_NODE_MIGRATE_OUT_PAGES], 0);
	n->fault_failures = get_u64(tb[CXLTIER_NL_A_NODE_FAULT_FAILURES], 0);
	return 0;
}

int tier_nl_parse_event(const struct nlmsghdr *nlh, struct tier_nl_event *e)
{
	const struct nlattr *tb[CXLTIER_NL_A_MAX + 1];
	int err;

	memset(e, 0, sizeof(*e));
	err = parse_msg(nlh, CXLTIER_NL_CMD_EVENT, tb, &e->attrs);
	if (err)
		return err;
	if (!tb[CXLTIER_NL_A_EVENT_TYPE] ||
	    mnl_attr_get_u32(tb[CXLTIER_NL_A_EVENT_TYPE]) == TIER_NL_EVENT_LOST)
		return -EPROTO;
	e->type = mnl_attr_get_u32(tb[CXLTIER_NL_A_EVENT_TYPE]);
	e->node = get_u32(tb[CXLTIER_NL_A_NODE_ID], TIER_NL_NODE_NONE);
	e->to_node = get_u32(tb[CXLTIER_NL_A_EVENT_TO_NODE], TIER_NL_NODE_NONE);
	e->error = (int32_t)get_u32(tb[CXLTIER_NL_A_EVENT_ERROR], 0);
	e->buf_id = get_u64(tb[CXLTIER_NL_A_BUF_ID], 0);
	e->pid = get_u32(tb[CXLTIER_NL_A_BUF_PID], 0);
	e->uid = get_u32(tb[CXLTIER_NL_A_BUF_UID], 0);
	e->bytes = get_u64(tb[CXLTIER_NL_A_EVENT_BYTES], 0);
	e->quota_bytes = get_u64(tb[CXLTIER_NL_A_NODE_QUOTA_BYTES], 0);
	e->free_bytes = get_u64(tb[CXLTIER_NL_A_NODE_FREE_BYTES], 0);
	e->total_bytes = get_u64(tb[CXLTIER_NL_A_NODE_TOTAL_BYTES], 0);
	e->threshold_bytes = get_u64(tb[CXLTIER_NL_A_EVENT_THRESHOLD_BYTES], 0);
	e->migrate_seq = get_u64(tb[CXLTIER_NL_A_BUF_MIGRATE_SEQ], 0);
	e->migrate_moved_bytes = get_u64(tb[CXLTIER_NL_A_BUF_MIGRATE_MOVED_BYTES], 0);
	e->migrate_skipped_bytes = get_u64(tb[CXLTIER_NL_A_BUF_MIGRATE_SKIPPED_BYTES], 0);
	e->migrate_failed_bytes = get_u64(tb[CXLTIER_NL_A_BUF_MIGRATE_FAILED_BYTES], 0);
	e->pool_id = get_u32(tb[CXLTIER_NL_A_POOL_ID], 0);
	if (tb[CXLTIER_NL_A_POOL_NAME]) {
		const char *s = mnl_attr_get_str(tb[CXLTIER_NL_A_POOL_NAME]);

		strncpy(e->pool_name, s, sizeof(e->pool_name) - 1);
	}
	return 0;
}

/* ------------------------------------------------------------------------ */
/* The socket                                                                 */

static int errno_or(int dflt)
{
	return errno ? -errno : dflt;
}

static struct nlmsghdr *genl_request(struct tier_nl *nl, uint16_t type,
				     uint16_t flags, uint8_t cmd, uint8_t version)
{
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(nl->buf);
	struct genlmsghdr *g;

	nlh->nlmsg_type = type;
	nlh->nlmsg_flags = NLM_F_REQUEST | flags;
	nlh->nlmsg_seq = ++nl->seq;
	g = mnl_nlmsg_put_extra_header(nlh, sizeof(*g));
	g->cmd = cmd;
	g->version = version;
	return nlh;
}

/* NLMSG_DONE of a dump carries the dump's own error (an int). */
static int done_cb(const struct nlmsghdr *nlh, void *data)
{
	(void)data;
	if (mnl_nlmsg_get_payload_len(nlh) >= sizeof(int)) {
		int err;

		memcpy(&err, mnl_nlmsg_get_payload(nlh), sizeof(err));
		if (err < 0) {
			errno = -err;
			return MNL_CB_ERROR;
		}
	}
	return MNL_CB_STOP;
}

/*
 * An ack (error 0) ends a request, an error fails it.  libmnl calls only
 * the control callbacks given when an array is given, so this one is ours.
 */
static int error_cb(const struct nlmsghdr *nlh, void *data)
{
	const struct nlmsgerr *e = mnl_nlmsg_get_payload(nlh);

	(void)data;
	if (mnl_nlmsg_get_payload_len(nlh) < sizeof(e->error)) {
		errno = EPROTO;
		return MNL_CB_ERROR;
	}
	if (!e->error)
		return MNL_CB_STOP;
	errno = e->error < 0 ? -e->error : e->error;
	return MNL_CB_ERROR;
}

/*
 * A reply callback's failure does not end the exchange: the rest of the
 * reply (the dump's later parts, the ack) is read and dropped, so that the
 * next request on the socket does not meet it.
 */
struct exchange {
	mnl_cb_t cb;
	void *data;
	int err;	/* first -errno of @cb */
};

static int exchange_cb(const struct nlmsghdr *nlh, void *p)
{
	struct exchange *x = p;

	if (x->err)
		return MNL_CB_OK;
	errno = 0;
	if (x->cb(nlh, x->data) == MNL_CB_ERROR)
		x->err = errno ? -errno : -EPROTO;
	return MNL_CB_OK;
}

/*
 * Send @nlh and run @cb on each reply message until the ack or NLMSG_DONE.
 * @cb returns MNL_CB_OK, or MNL_CB_ERROR with errno set.
 */
static int transact(struct tier_nl *nl, struct nlmsghdr *nlh,
		    mnl_cb_t cb, void *data)
{
	mnl_cb_t ctl[NLMSG_MIN_TYPE] = {
		[NLMSG_ERROR] = error_cb, [NLMSG_DONE] = done_cb,
	};
	struct exchange x = { .cb = cb, .data = data };
	uint32_t seq = nlh->nlmsg_seq;
	ssize_t n;
	int ret;

	if (mnl_socket_sendto(nl->sock, nlh, nlh->nlmsg_len) < 0)
		return errno_or(-EIO);
	do {
		n = mnl_socket_recvfrom(nl->sock, nl->buf, TIER_NL_BUFSZ);
		if (n < 0)
			return x.err ? x.err : errno_or(-EIO);
		errno = 0;
		ret = mnl_cb_run2(nl->buf, (size_t)n, seq, nl->portid,
				  exchange_cb, &x, ctl, NLMSG_MIN_TYPE);
	} while (ret > MNL_CB_STOP);
	if (x.err)
		return x.err;
	return ret < 0 ? errno_or(-EPROTO) : 0;
}

struct family_reply {
	uint16_t id;
	uint32_t version;
	uint32_t group;
	int found_group;
};

static int family_cb(const struct nlmsghdr *nlh, void *data)
{
	struct family_reply *r = data;
	const struct nlattr *a, *g;

	mnl_attr_for_each(a, nlh, sizeof(struct genlmsghdr)) {
		switch (mnl_attr_get_type(a)) {
		case CTRL_ATTR_FAMILY_ID:
			if (mnl_attr_validate(a, MNL_TYPE_U16) == 0)
				r->id = mnl_attr_get_u16(a);
			break;
		case CTRL_ATTR_VERSION:
			if (mnl_attr_validate(a, MNL_TYPE_U32) == 0)
				r->version = mnl_attr_get_u32(a);
			break;
		case CTRL_ATTR_MCAST_GROUPS:
			mnl_attr_for_each_nested(g, a) {
				const struct nlattr *ga, *name = NULL, *id = NULL;

				mnl_attr_for_each_nested(ga, g) {
					if (mnl_attr_get_type(ga) == CTRL_ATTR_MCAST_GRP_NAME &&
					    mnl_attr_validate(ga, MNL_TYPE_NUL_STRING) == 0)
						name = ga;
					else if (mnl_attr_get_type(ga) == CTRL_ATTR_MCAST_GRP_ID &&
						 mnl_attr_validate(ga, MNL_TYPE_U32) == 0)
						id = ga;
				}
				if (name && id && !strcmp(mnl_attr_get_str(name),
							  CXLTIER_GENL_MCGRP_EVENTS)) {
					r->group = mnl_attr_get_u32(id);
					r->found_group = 1;
				}
			}
			break;
		}
	}
	return MNL_CB_OK;
}

static int resolve_family(struct tier_nl *nl)
{
	struct family_reply r = { 0 };
	struct nlmsghdr *nlh;
	int err;

	nlh = genl_request(nl, GENL_ID_CTRL, NLM_F_ACK, CTRL_CMD_GETFAMILY, 1);
	mnl_attr_put_strz(nlh, CTRL_ATTR_FAMILY_NAME, CXLTIER_GENL_NAME);
	err = transact(nl, nlh, family_cb, &r);
	if (err)
		return err;	/* -ENOENT: no such family */
	if (!r.id)
		return -EPROTO;
	if (r.version < CXLTIER_GENL_VERSION)
		return -EPROTO;
	if ((nl->flags & TIER_NL_EVENTS) && !r.found_group)
		return -EPROTO;
	nl->family = r.id;
	nl->group = r.group;
	return 0;
}

/*
 * Whether this process is in the initial network namespace, where the
 * module multicasts its events: its namespace inode is the kernel's fixed
 * PROC_NET_INIT_INO.  Without /proc, assumed.
 */
#define TIER_INIT_NET_INO	0xF0000098U

static int in_init_net(void)
{
	struct stat st;

	if (stat("/proc/self/ns/net", &st))
		return 1;
	return st.st_ino == TIER_INIT_NET_INO;
}

/* An event before the subscription's ack: not a reply, dropped. */
static int ignore_cb(const struct nlmsghdr *nlh, void *data)
{
	(void)nlh;
	(void)data;
	return MNL_CB_OK;
}

static int subscribe(struct tier_nl *nl)
{
	struct nlmsghdr *nlh;

	nlh = genl_request(nl, nl->family, NLM_F_ACK,
			   CXLTIER_NL_CMD_EVENT_SUBSCRIBE, CXLTIER_GENL_VERSION);
	return transact(nl, nlh, ignore_cb, NULL);
}

TIER_EXPORT int tier_nl_event_scope(const struct tier_nl *nl)
{
	return nl && (nl->flags & TIER_NL_EVENTS) ? nl->scope : -EINVAL;
}

TIER_EXPORT int tier_nl_open(struct tier_nl **out, unsigned int flags)
{
	struct tier_nl *nl;
	int one = 1, err;

	if (!out)
		return -EINVAL;
	*out = NULL;
	if (flags & ~(TIER_NL_EVENTS | TIER_NL_NONBLOCK))
		return -EINVAL;
	nl = calloc(1, sizeof(*nl));
	if (!nl)
		return -ENOMEM;
	nl->flags = flags;
	nl->buf = malloc(TIER_NL_BUFSZ);
	if (!nl->buf) {
		err = -ENOMEM;
		goto fail;
	}
	nl->sock = mnl_socket_open2(NETLINK_GENERIC, SOCK_CLOEXEC);
	if (!nl->sock) {
		err = errno_or(-EIO);
		goto fail;
	}
	if (mnl_socket_bind(nl->sock, 0, MNL_SOCKET_AUTOPID) < 0) {
		err = errno_or(-EIO);
		goto fail;
	}
	nl->portid = mnl_socket_get_portid(nl->sock);
	/* Error messages of the kernel, no copy of the request in acks;
	 * both are optional (older kernels), so failures are ignored. */
	mnl_socket_setsockopt(nl->sock, NETLINK_EXT_ACK, &one, sizeof(one));
	mnl_socket_setsockopt(nl->sock, NETLINK_CAP_ACK, &one, sizeof(one));
	err = resolve_family(nl);
	if (err)
		goto fail;
	if (flags & TIER_NL_EVENTS) {
		nl->scope = TIER_NL_SCOPE_ALL;
		/*
		 * The group is CAP_SYS_ADMIN's (-EPERM), and heard in the
		 * initial network namespace only: elsewhere (a container) a
		 * join may succeed and hear nothing.  Either way, the caller's
		 * own events, by subscription.
		 */
		if (!in_init_net())
			err = -EPERM;
		else if (mnl_socket_setsockopt(nl->sock, NETLINK_ADD_MEMBERSHIP,
					       &nl->group, sizeof(nl->group)) < 0)
			err = errno_or(-EIO);
		if (err == -EPERM) {
			nl->scope = TIER_NL_SCOPE_OWN;
			err = subscribe(nl);
			tier_dbg(NULL, "netlink: events group refused (%s); subscribed to this user's own events: %s",
				 in_init_net() ? "no CAP_SYS_ADMIN" :
				 "not the initial network namespace",
				 err ? strerror(-err) : "ok");
		} else if (!err) {
			tier_dbg(NULL, "netlink: joined the events group %u",
				 nl->group);
		}
		if (err)
			goto fail;
	}
	if (flags & TIER_NL_NONBLOCK) {
		int fd = mnl_socket_get_fd(nl->sock);
		int fl = fcntl(fd, F_GETFL);

		if (fl < 0 || fcntl(fd, F_SETFL, fl | O_NONBLOCK) < 0) {
			err = errno_or(-EIO);
			goto fail;
		}
	}
	*out = nl;
	return 0;
fail:
	tier_nl_close(nl);
	return err;
}

TIER_EXPORT void tier_nl_close(struct tier_nl *nl)
{
	if (!nl)
		return;
	if (nl->sock)
		mnl_socket_close(nl->sock);
	free(nl->buf);
	free(nl);
}

TIER_EXPORT const char *tier_nl_strerror(int err)
{
	if (err == -ENOENT)
		return "cxltier module not loaded (no generic netlink family \""
		       CXLTIER_GENL_NAME "\")";
	return strerror(err < 0 ? -err : err);
}

TIER_EXPORT int tier_nl_fd(const struct tier_nl *nl)
{
	return nl ? mnl_socket_get_fd(nl->sock) : -EINVAL;
}

/* ------------------------------------------------------------------------ */
/* Requests                                                                   */

/* A dump's replies, parsed into a growing array of @size-byte entries. */
struct reply_list {
	void *v;
	size_t size;
	int (*parse)(const struct nlmsghdr *nlh, void *out);
	int nr, cap;
};

static int parse_buf(const struct nlmsghdr *nlh, void *out)
{
	return tier_nl_parse_buf(nlh, out);
}

static int parse_node(const struct nlmsghdr *nlh, void *out)
{
	return tier_nl_parse_node(nlh, out);
}

static int reply_cb(const struct nlmsghdr *nlh, void *data)
{
	struct reply_list *l = data;
	int err;

	if (l->nr == l->cap) {
		int cap = l->cap ? 2 * l->cap : 16;
		void *v = realloc(l->v, (size_t)cap * l->size);

		if (!v) {
			errno = ENOMEM;
			return MNL_CB_ERROR;
		}
		l->v = v;
		l->cap = cap;
	}
	err = l->parse(nlh, (char *)l->v + (size_t)l->nr * l->size);
	if (err == -EBADMSG)
		return MNL_CB_OK;	/* not ours to read */
	if (err) {
		errno = -err;
		return MNL_CB_ERROR;
	}
	l->nr++;
	return MNL_CB_OK;
}

TIER_EXPORT void tier_nl_bufs_free(struct tier_nl_buf *bufs, int nr)
{
	int i;

	if (!bufs)
		return;
	for (i = 0; i < nr; i++)
		free(bufs[i].resident);
	free(bufs);
}

static int buf_request(struct tier_nl *nl, const uint64_t *id,
		       struct tier_nl_buf **bufs)
{
	struct reply_list l = { .size = sizeof(struct tier_nl_buf),
				.parse = parse_buf };
	struct nlmsghdr *nlh;
	int err;

	if (!nl || !bufs || (nl->flags & TIER_NL_EVENTS))
		return -EINVAL;
	*bufs = NULL;
	nlh = genl_request(nl, nl->family, id ? NLM_F_ACK : NLM_F_DUMP,
			   CXLTIER_NL_CMD_BUF_GET, CXLTIER_GENL_VERSION);
	if (id)
		mnl_attr_put_u64(nlh, CXLTIER_NL_A_BUF_ID, *id);
	err = transact(nl, nlh, reply_cb, &l);
	if (!err && id && l.nr != 1)
		err = -EPROTO;
	if (err) {
		tier_nl_bufs_free(l.v, l.nr);
		return err;
	}
	*bufs = l.v;
	return l.nr;
}

TIER_EXPORT int tier_nl_buf_list(struct tier_nl *nl, struct tier_nl_buf **bufs)
{
	return buf_request(nl, NULL, bufs);
}

TIER_EXPORT int tier_nl_buf_get(struct tier_nl *nl, uint64_t id,
				struct tier_nl_buf **buf)
{
	return buf_request(nl, &id, buf);
}

static int cmp_node(const void *a, const void *b)
{
	const struct tier_nl_node *x = a, *y = b;

	return x->node < y->node ? -1 : x->node > y->node;
}

TIER_EXPORT int tier_nl_node_list(struct tier_nl *nl, struct tier_nl_node **nodes)
{
	struct reply_list l = { .size = sizeof(struct tier_nl_node),
				.parse = parse_node };
	struct nlmsghdr *nlh;
	int err;

	if (!nl || !nodes || (nl->flags & TIER_NL_EVENTS))
		return -EINVAL;
	*nodes = NULL;
	nlh = genl_request(nl, nl->family, NLM_F_DUMP, CXLTIER_NL_CMD_NODE_GET,
			   CXLTIER_GENL_VERSION);
	err = transact(nl, nlh, reply_cb, &l);
	if (err) {
		free(l.v);
		return err;
	}
	if (l.nr > 1)
		qsort(l.v, (size_t)l.nr, l.size, cmp_node);
	*nodes = l.v;
	return l.nr;
}

/* ------------------------------------------------------------------------ */
/* Events                                                                     */

TIER_EXPORT const char *tier_nl_event_name(uint32_t type)
{
	static const char *const names[] = {
		[TIER_NL_EVENT_LOST]		= "lost",
		[CXLTIER_EVENT_SPILL]		= "spill",
		[CXLTIER_EVENT_QUOTA_REFUSED]	= "quota-refused",
		[CXLTIER_EVENT_MIGRATE_DONE]	= "migrate-done",
		[CXLTIER_EVENT_NODE_ONLINE]	= "node-online",
		[CXLTIER_EVENT_NODE_OFFLINE]	= "node-offline",
		[CXLTIER_EVENT_NODE_LOW_FREE]	= "node-low-free",
		[CXLTIER_EVENT_POOL_ADDED]	= "pool-added",
		[CXLTIER_EVENT_POOL_REMOVED]	= "pool-removed",
	};

	_Static_assert(ARRAY_SIZE(names) == CXLTIER_EVENT_MAX + 1,
		       "a name for every CXLTIER_EVENT_*");
	return type < ARRAY_SIZE(names) ? names[type] : NULL;
}

TIER_EXPORT int tier_nl_event_read(struct tier_nl *nl, tier_nl_event_fn fn,
				   void *priv)
{
	const struct nlmsghdr *nlh;
	struct tier_nl_event ev;
	ssize_t n;
	int len, calls = 0, ret;

	if (!nl || !fn || !(nl->flags & TIER_NL_EVENTS))
		return -EINVAL;
	n = recv(mnl_socket_get_fd(nl->sock), nl->buf, TIER_NL_BUFSZ, 0);
	if (n < 0) {
		if (errno != ENOBUFS)
			return errno_or(-EIO);
		memset(&ev, 0, sizeof(ev));
		ev.type = TIER_NL_EVENT_LOST;
		ev.node = ev.to_node = TIER_NL_NODE_NONE;
		ret = fn(priv, &ev);
		return ret ? ret : 1;
	}
	len = (int)n;
	for (nlh = (const struct nlmsghdr *)nl->buf; mnl_nlmsg_ok(nlh, len);
	     nlh = mnl_nlmsg_next(nlh, &len)) {
		if (nlh->nlmsg_type != nl->family)
			continue;
		if (tier_nl_parse_event(nlh, &ev))
			continue;	/* another command, or malformed */
		calls++;
		ret = fn(priv, &ev);
		if (ret)
			return ret;
	}
	return calls;
}
