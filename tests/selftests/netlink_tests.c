// SPDX-License-Identifier: GPL-2.0
/*
 * cxltier selftests: the generic netlink family (uapi/linux/cxltier.h,
 * "Generic netlink family"), spoken with libmnl directly, not through
 * libtier: resolving it, BUF_GET against CXLTIER_IOC_BUF_STAT, who sees
 * which buffers, NODE_GET against GET_INFO and sysfs, strict validation of
 * requests, and every event type produced by a scenario and received on a
 * socket subscribed to the "events" group, its attributes checked against
 * what the scenario did; the per-socket subscription's rules.
 *
 * Every sysfs value a test changes is put back in its teardown.
 */
#include "cxltier_test.h"
#include "pool.h"
#include "quota.h"

#include <grp.h>
#include <poll.h>
#include <sys/prctl.h>
#include <sys/socket.h>

/* ======================================================================== */
/* A small generic netlink client                                           */

/* struct nl, nl_open(), nl_req(), nl_talk(), nl_subscribe(): */
#include "../lib/cxlt_nl.h"

/* The events socket's receive buffer: bursts of events must fit. */
#define NL_EV_RCVBUF (1 << 20)

/* ------------------------------------------------------------------------ */
/* Attributes                                                               */

struct nlattrs {
	const struct nlattr *tb[CXLTIER_NL_A_MAX + 1];
	int bad;		/* attributes of a wrong length */
};

/* Expected payload length of each top-level attribute (0: nest/string). */
static unsigned int nl_attr_len(int type)
{
	switch (type) {
	case CXLTIER_NL_A_BUF_ID:
	case CXLTIER_NL_A_BUF_LENGTH:
	case CXLTIER_NL_A_BUF_RESIDENT_BYTES:
	case CXLTIER_NL_A_BUF_SPILLED_BYTES:
	case CXLTIER_NL_A_BUF_MIGRATE_SEQ:
	case CXLTIER_NL_A_BUF_MIGRATE_MOVED_BYTES:
	case CXLTIER_NL_A_BUF_MIGRATE_SKIPPED_BYTES:
	case CXLTIER_NL_A_BUF_MIGRATE_FAILED_BYTES:
	case CXLTIER_NL_A_BUF_PMD_MAP_FAULTS:
	case CXLTIER_NL_A_BUF_PTE_MAP_FAULTS:
	case CXLTIER_NL_A_BUF_SPLIT_UNITS:
	case CXLTIER_NL_A_BUF_PMD_MAPPED_UNITS:
	case CXLTIER_NL_A_NODE_TOTAL_BYTES:
	case CXLTIER_NL_A_NODE_FREE_BYTES:
	case CXLTIER_NL_A_NODE_QUOTA_BYTES:
	case CXLTIER_NL_A_NODE_USED_BYTES:
	case CXLTIER_NL_A_NODE_RESERVED_BYTES:
	case CXLTIER_NL_A_NODE_POOL_BYTES:
	case CXLTIER_NL_A_NODE_ALLOC_PAGES:
	case CXLTIER_NL_A_NODE_SPILL_PAGES:
	case CXLTIER_NL_A_NODE_MIGRATE_IN_PAGES:
	case CXLTIER_NL_A_NODE_MIGRATE_OUT_PAGES:
	case CXLTIER_NL_A_NODE_FAULT_FAILURES:
	case CXLTIER_NL_A_EVENT_BYTES:
	case CXLTIER_NL_A_EVENT_THRESHOLD_BYTES:
		return 8;
	case CXLTIER_NL_A_BUF_POLICY:
	case CXLTIER_NL_A_BUF_POLICY_NODE:
	case CXLTIER_NL_A_BUF_RESIDENT:
	case CXLTIER_NL_A_BUF_RESIDENT_NODE:
	case CXLTIER_NL_A_POOL_NAME:
	case CXLTIER_NL_A_PAD:
		return 0;
	default:
		return 4;
	}
}

static int nl_attrs_cb(const struct nlattr *a, void *data)
{
	struct nlattrs *at = data;
	int t = mnl_attr_get_type(a);
	unsigned int len;

	if (t > CXLTIER_NL_A_MAX)
		return MNL_CB_OK;	/* newer than us: skipped */
	len = nl_attr_len(t);
	if (len && mnl_attr_get_payload_len(a) != len)
		at->bad++;
	at->tb[t] = a;
	return MNL_CB_OK;
}

static int nl_parse(const struct nlmsghdr *nlh, struct nlattrs *at)
{
	memset(at, 0, sizeof(*at));
	if (mnl_attr_parse(nlh, sizeof(struct genlmsghdr), nl_attrs_cb, at) < 0)
		return -EINVAL;
	return at->bad ? -EINVAL : 0;
}

static bool nl_has(const struct nlattrs *at, int t)
{
	return at->tb[t] != NULL;
}

static uint64_t nl_u64(const struct nlattrs *at, int t)
{
	if (!at->tb[t])
		return ~0ULL;
	return nl_attr_len(t) == 8 ? mnl_attr_get_u64(at->tb[t]) :
				     mnl_attr_get_u32(at->tb[t]);
}

/* ------------------------------------------------------------------------ */
/* Buffers                                                                  */

struct nlbuf {
	uint64_t id, length;
	uint32_t pid, uid, mode, page_shift, chunk_shift, create_flags;
	uint32_t nr_pol, nr_res;
	struct cxltier_node_weight pol[CXLTIER_MAX_POLICY_NODES];
	struct cxltier_node_bytes res[STAT_MAX_RES];
	uint64_t resident_bytes, spilled_bytes;
	uint64_t migrate_seq, moved, skipped, failed;
	uint64_t pmd_map_faults, pte_map_faults, split_units, pmd_mapped_units;
	uint32_t migrate_state;
	int32_t migrate_error;
	int missing;		/* attributes that should be there and are not */
};

static int nl_buf_parse(const struct nlmsghdr *nlh, struct nlbuf *b)
{
	static const int need[] = {
		CXLTIER_NL_A_BUF_ID, CXLTIER_NL_A_BUF_PID, CXLTIER_NL_A_BUF_UID,
		CXLTIER_NL_A_BUF_LENGTH, CXLTIER_NL_A_BUF_MODE,
		CXLTIER_NL_A_BUF_PAGE_SHIFT, CXLTIER_NL_A_BUF_CHUNK_SHIFT,
		CXLTIER_NL_A_BUF_CREATE_FLAGS, CXLTIER_NL_A_BUF_POLICY,
		CXLTIER_NL_A_BUF_RESIDENT, CXLTIER_NL_A_BUF_RESIDENT_BYTES,
		CXLTIER_NL_A_BUF_SPILLED_BYTES, CXLTIER_NL_A_BUF_MIGRATE_SEQ,
		CXLTIER_NL_A_BUF_MIGRATE_STATE, CXLTIER_NL_A_BUF_MIGRATE_ERROR,
		CXLTIER_NL_A_BUF_MIGRATE_MOVED_BYTES,
		CXLTIER_NL_A_BUF_MIGRATE_SKIPPED_BYTES,
		CXLTIER_NL_A_BUF_MIGRATE_FAILED_BYTES,
		CXLTIER_NL_A_BUF_PMD_MAP_FAULTS,
		CXLTIER_NL_A_BUF_PTE_MAP_FAULTS, CXLTIER_NL_A_BUF_SPLIT_UNITS,
		CXLTIER_NL_A_BUF_PMD_MAPPED_UNITS,
	};
	const struct nlattr *e, *f;
	struct nlattrs at;
	size_t i;

	memset(b, 0, sizeof(*b));
	if (nl_parse(nlh, &at))
		return -EINVAL;
	for (i = 0; i < ARRAY_SIZE(need); i++)
		if (!nl_has(&at, need[i]))
			b->missing++;
	b->id = nl_u64(&at, CXLTIER_NL_A_BUF_ID);
	b->pid = nl_u64(&at, CXLTIER_NL_A_BUF_PID);
	b->uid = nl_u64(&at, CXLTIER_NL_A_BUF_UID);
	b->length = nl_u64(&at, CXLTIER_NL_A_BUF_LENGTH);
	b->mode = nl_u64(&at, CXLTIER_NL_A_BUF_MODE);
	b->page_shift = nl_u64(&at, CXLTIER_NL_A_BUF_PAGE_SHIFT);
	b->chunk_shift = nl_u64(&at, CXLTIER_NL_A_BUF_CHUNK_SHIFT);
	b->create_flags = nl_u64(&at, CXLTIER_NL_A_BUF_CREATE_FLAGS);
	b->resident_bytes = nl_u64(&at, CXLTIER_NL_A_BUF_RESIDENT_BYTES);
	b->spilled_bytes = nl_u64(&at, CXLTIER_NL_A_BUF_SPILLED_BYTES);
	b->migrate_seq = nl_u64(&at, CXLTIER_NL_A_BUF_MIGRATE_SEQ);
	b->migrate_state = nl_u64(&at, CXLTIER_NL_A_BUF_MIGRATE_STATE);
	b->migrate_error = (int32_t)nl_u64(&at, CXLTIER_NL_A_BUF_MIGRATE_ERROR);
	b->moved = nl_u64(&at, CXLTIER_NL_A_BUF_MIGRATE_MOVED_BYTES);
	b->skipped = nl_u64(&at, CXLTIER_NL_A_BUF_MIGRATE_SKIPPED_BYTES);
	b->failed = nl_u64(&at, CXLTIER_NL_A_BUF_MIGRATE_FAILED_BYTES);
	b->pmd_map_faults = nl_u64(&at, CXLTIER_NL_A_BUF_PMD_MAP_FAULTS);
	b->pte_map_faults = nl_u64(&at, CXLTIER_NL_A_BUF_PTE_MAP_FAULTS);
	b->split_units = nl_u64(&at, CXLTIER_NL_A_BUF_SPLIT_UNITS);
	b->pmd_mapped_units = nl_u64(&at, CXLTIER_NL_A_BUF_PMD_MAPPED_UNITS);

	if (at.tb[CXLTIER_NL_A_BUF_POLICY]) {
		mnl_attr_for_each_nested(e, at.tb[CXLTIER_NL_A_BUF_POLICY]) {
			struct cxltier_node_weight *w;

			if (mnl_attr_get_type(e) != CXLTIER_NL_A_BUF_POLICY_NODE ||
			    b->nr_pol >= CXLTIER_MAX_POLICY_NODES)
				return -EINVAL;
			w = &b->pol[b->nr_pol++];
			w->node = w->weight = ~0U;
			mnl_attr_for_each_nested(f, e) {
				if (mnl_attr_get_payload_len(f) != 4)
					return -EINVAL;
				if (mnl_attr_get_type(f) == CXLTIER_NL_PN_NODE)
					w->node = mnl_attr_get_u32(f);
				else if (mnl_attr_get_type(f) ==
					 CXLTIER_NL_PN_WEIGHT)
					w->weight = mnl_attr_get_u32(f);
			}
		}
	}
	if (at.tb[CXLTIER_NL_A_BUF_RESIDENT]) {
		mnl_attr_for_each_nested(e, at.tb[CXLTIER_NL_A_BUF_RESIDENT]) {
			struct cxltier_node_bytes *nb;

			if (mnl_attr_get_type(e) !=
			    CXLTIER_NL_A_BUF_RESIDENT_NODE ||
			    b->nr_res >= STAT_MAX_RES)
				return -EINVAL;
			nb = &b->res[b->nr_res++];
			nb->node = ~0U;
			nb->bytes = ~0ULL;
			mnl_attr_for_each_nested(f, e) {
				if (mnl_attr_get_type(f) == CXLTIER_NL_NB_NODE)
					nb->node = mnl_attr_get_u32(f);
				else if (mnl_attr_get_type(f) ==
					 CXLTIER_NL_NB_BYTES) {
					if (mnl_attr_get_payload_len(f) != 8)
						return -EINVAL;
					nb->bytes = mnl_attr_get_u64(f);
				}
			}
		}
	}
	return 0;
}

struct nlbufs {
	struct nlbuf *v;
	unsigned int n, cap;
	int err;
	uint8_t cmd;		/* every message's genl command */
};

static int nl_bufs_cb(const struct nlmsghdr *nlh, void *data)
{
	struct nlbufs *l = data;
	const struct genlmsghdr *g = mnl_nlmsg_get_payload(nlh);

	if (l->n == l->cap) {
		unsigned int cap = l->cap ? 2 * l->cap : 16;
		struct nlbuf *v = realloc(l->v, cap * sizeof(*v));

		if (!v) {
			l->err = -ENOMEM;
			return MNL_CB_ERROR;
		}
		l->v = v;
		l->cap = cap;
	}
	l->cmd = g->cmd;
	if (nl_buf_parse(nlh, &l->v[l->n]))
		l->err = -EINVAL;
	l->n++;
	return MNL_CB_OK;
}

/* BUF_GET dump into @l (free l->v); 0 or -errno. */
static int nl_buf_dump(struct nl *n, struct nlbufs *l)
{
	char buf[MNL_SOCKET_BUFFER_SIZE];
	int r;

	memset(l, 0, sizeof(*l));
	r = nl_talk(n, nl_req(buf, n->family, CXLTIER_NL_CMD_BUF_GET,
			      NLM_F_DUMP), nl_bufs_cb, l);
	return r ?: l->err;
}

/* BUF_GET do of @id into @b; 0 or -errno. */
static int nl_buf_get(struct nl *n, uint64_t id, struct nlbuf *b)
{
	char buf[MNL_SOCKET_BUFFER_SIZE];
	struct nlmsghdr *nlh;
	struct nlbufs l = {};
	int r;

	nlh = nl_req(buf, n->family, CXLTIER_NL_CMD_BUF_GET, 0);
	mnl_attr_put_u64(nlh, CXLTIER_NL_A_BUF_ID, id);
	r = nl_talk(n, nlh, nl_bufs_cb, &l);
	if (!r)
		r = l.err;
	if (!r && l.n != 1)
		r = -EPROTO;
	if (!r)
		*b = l.v[0];
	free(l.v);
	return r;
}

static const struct nlbuf *nl_find(const struct nlbufs *l, uint64_t id)
{
	unsigned int i;

	for (i = 0; i < l->n; i++)
		if (l->v[i].id == id)
			return &l->v[i];
	return NULL;
}

/* Every field of @b as BUF_STAT gave it in @s, resident per node included. */
#define expect_buf_eq_stat(b, s) __expect_buf_eq_stat(_metadata, b, s)
static void __expect_buf_eq_stat(struct __test_metadata *_metadata,
				 const struct nlbuf *b, const struct bstat *s)
{
	uint32_t i;

	EXPECT_EQ(0, b->missing);
	EXPECT_EQ(s->st.id, b->id);
	EXPECT_EQ(s->st.length, b->length);
	EXPECT_EQ(s->st.mode, b->mode);
	EXPECT_EQ(s->st.page_shift, b->page_shift);
	EXPECT_EQ(s->st.chunk_shift, b->chunk_shift);
	EXPECT_EQ(s->st.create_flags, b->create_flags);
	EXPECT_EQ(s->st.nr_policy_nodes, b->nr_pol);
	for (i = 0; i < b->nr_pol && i < s->st.nr_policy_nodes; i++) {
		EXPECT_EQ(s->pol[i].node, b->pol[i].node);
		EXPECT_EQ(s->pol[i].weight, b->pol[i].weight);
	}
	EXPECT_EQ(s->st.nr_resident, b->nr_res);
	for (i = 0; i < b->nr_res && i < s->st.nr_resident; i++) {
		EXPECT_EQ(s->res[i].node, b->res[i].node);
		EXPECT_EQ(s->res[i].bytes, b->res[i].bytes);
	}
	EXPECT_EQ(s->st.resident_bytes, b->resident_bytes);
	EXPECT_EQ(s->st.spilled_bytes, b->spilled_bytes);
	EXPECT_EQ(s->st.migrate_seq, b->migrate_seq);
	EXPECT_EQ(s->st.migrate_state, b->migrate_state);
	EXPECT_EQ(s->st.migrate_error, b->migrate_error);
	EXPECT_EQ(s->st.migrate_moved_bytes, b->moved);
	EXPECT_EQ(s->st.migrate_skipped_bytes, b->skipped);
	EXPECT_EQ(s->st.migrate_failed_bytes, b->failed);
	EXPECT_EQ(s->st.pmd_map_faults, b->pmd_map_faults);
	EXPECT_EQ(s->st.pte_map_faults, b->pte_map_faults);
	EXPECT_EQ(s->st.split_units, b->split_units);
	EXPECT_EQ(s->st.pmd_mapped_units, b->pmd_mapped_units);
}

/* ------------------------------------------------------------------------ */
/* Events                                                                   */

struct nlev {
	uint32_t type;
	struct nlattrs at;
	char pool_name[CXLTIER_POOL_NAME_LEN + 1];
};

struct nlev_wait {
	uint32_t type;
	unsigned int count;	/* events of @type seen */
	struct nlev first;
	int err;
};

static int nl_ev_cb(const struct nlmsghdr *nlh, void *data)
{
	struct nlev_wait *w = data;
	const struct genlmsghdr *g = mnl_nlmsg_get_payload(nlh);
	struct nlattrs at;

	if (g->cmd != CXLTIER_NL_CMD_EVENT) {
		w->err = -EPROTO;
		return MNL_CB_OK;
	}
	if (nl_parse(nlh, &at)) {
		w->err = -EINVAL;
		return MNL_CB_OK;
	}
	if (nl_u64(&at, CXLTIER_NL_A_EVENT_TYPE) != w->type)
		return MNL_CB_OK;
	if (!w->count++) {
		/* the attributes point into the receive buffer: copy out */
		w->first.type = w->type;
		w->first.at = at;
		if (at.tb[CXLTIER_NL_A_POOL_NAME])
			snprintf(w->first.pool_name,
				 sizeof(w->first.pool_name), "%s",
				 mnl_attr_get_str(at.tb[CXLTIER_NL_A_POOL_NAME]));
	}
	return MNL_CB_OK;
}

/*
 * Read events for up to @ms milliseconds, or until one of @type arrived
 * (@stop_at_first); returns how many of @type came, the first in *@ev
 * (whose integer attributes are copied into @vals, indexed by attribute).
 */
static int nl_ev_wait(struct nl *n, uint32_t type, int ms, bool stop_at_first,
		      uint64_t *vals, bool *has, struct nlev *ev)
{
	struct nlev_wait w = { .type = type };
	char *buf = malloc(NL_BUFSZ);
	double end = now_s() + ms / 1000.0;
	int t;

	if (!buf)
		return -ENOMEM;
	for (;;) {
		struct pollfd p = { .fd = mnl_socket_get_fd(n->s),
				    .events = POLLIN };
		double left = end - now_s();
		ssize_t len;
		unsigned int before = w.count;

		if (left <= 0 || (stop_at_first && w.count))
			break;
		if (poll(&p, 1, (int)(left * 1000) + 1) <= 0)
			continue;
		len = recv(p.fd, buf, NL_BUFSZ, MSG_DONTWAIT);
		if (len < 0) {
			if (errno == EAGAIN || errno == EINTR)
				continue;
			w.err = -errno;	/* ENOBUFS: events were lost */
			break;
		}
		mnl_cb_run(buf, len, 0, 0, nl_ev_cb, &w);
		if (!before && w.count && vals) {
			for (t = 0; t <= CXLTIER_NL_A_MAX; t++) {
				has[t] = w.first.at.tb[t];
				vals[t] = has[t] ? nl_u64(&w.first.at, t) : 0;
			}
		}
		/* they point into @buf, which the next recv() overwrites */
		w.first.at = (struct nlattrs){};
	}
	free(buf);
	if (ev)
		*ev = w.first;
	return w.err ? w.err : (int)w.count;
}

/* ======================================================================== */
/* Tests                                                                    */

FIXTURE(netlink) {
	struct ctx c;
	struct nl nl;		/* requests */
	struct nl ev;		/* events */
	int quota_node;		/* -1: no quota to put back */
	char low_free[32];	/* low_free_percent to put back, or "" */
	uint64_t ev_vals[CXLTIER_NL_A_MAX + 1];
	bool ev_has[CXLTIER_NL_A_MAX + 1];
};

FIXTURE_SETUP(netlink)
{
	int r;

	self->quota_node = -1;
	self->low_free[0] = 0;
	self->ev.s = NULL;
	ctx_setup(&self->c, "netlink", NULL);
	r = nl_open(&self->nl);
	if (r)
		TH_LOG("generic netlink family \"%s\": %s", CXLTIER_GENL_NAME,
		       errname(r));
	ASSERT_EQ(0, r);
	r = nl_open(&self->ev);
	ASSERT_EQ(0, r);
	ASSERT_EQ(0, nl_subscribe(&self->ev, NL_EV_RCVBUF));
}

FIXTURE_TEARDOWN(netlink)
{
	if (self->quota_node >= 0)
		EXPECT_EQ(0, qset(self->quota_node, QUOTA_MAX));
	if (self->low_free[0])
		EXPECT_EQ(0, write_text(CXLTIER_SYSFS_DIR "/low_free_percent",
					self->low_free));
	nl_close(&self->nl);
	nl_close(&self->ev);
	ctx_teardown(&self->c);
}

/* Wait for an event of @type into self->ev_vals/ev_has; ASSERT one came. */
#define EV_WAIT(type, ms) do {						\
	int __n = nl_ev_wait(&self->ev, type, ms, true, self->ev_vals,	\
			     self->ev_has, NULL);			\
	if (__n <= 0)							\
		TH_LOG("no " #type " event in %d ms (%s)", ms,		\
		       __n < 0 ? errname(__n) : "none");		\
	ASSERT_LT(0, __n);						\
} while (0)
#define EV(attr) (self->ev_vals[CXLTIER_NL_A_##attr])
#define EV_HAS(attr) (self->ev_has[CXLTIER_NL_A_##attr])
/* How many events of @type arrive in @ms (the test waits them out). */
#define EV_COUNT(type, ms) \
	nl_ev_wait(&self->ev, type, ms, false, NULL, NULL, NULL)

/*
 * @a: a DRAM node with 16 MiB free (every topology the suite runs on has
 * one); @b, with PICK_SECOND: another node with 16 MiB free, or a skip.
 */
#define PICK_DRAM(a) do {						\
	(a) = topo_pick(&self->c.topo, NK_DRAM, 16 * MiB);		\
	ASSERT_NE(NULL, (a));						\
} while (0)
#define PICK_SECOND(b, a) do {						\
	(b) = topo_pick_not(&self->c.topo, NK_ANY, 16 * MiB,		\
			    (a)->node, -1);				\
	if (!(b))							\
		SKIP_TOPO(return, "needs two nodes with memory");	\
} while (0)

/* The event names this process, running as root, as the buffer's owner. */
#define EXPECT_EV_OWNER() do {						\
	EXPECT_EQ((uint64_t)getpid(), EV(BUF_PID));			\
	EXPECT_EQ(0ULL, EV(BUF_UID));					\
} while (0)

/* Block a node's quota at what it holds now: nothing more fits. */
#define QUOTA_FULL(node) do {						\
	uint64_t __used;						\
	ASSERT_EQ(0, qread(node, "used_bytes", &__used));		\
	self->quota_node = (node);					\
	ASSERT_EQ(0, qset(node, __used));				\
} while (0)

static int create_nodes(int dev, uint64_t len, uint32_t mode, uint32_t flags,
			const unsigned int *nodes, unsigned int nr,
			uint64_t *id)
{
	struct cxltier_node_weight nw[4] = {};
	struct cxltier_create c = {
		.size = sizeof(c),
		.flags = flags,
		.length = len,
		.mode = mode,
		.nr_nodes = nr,
		.nodes = (uintptr_t)nw,
	};
	unsigned int i;
	int r;

	for (i = 0; i < nr && i < 4; i++) {
		nw[i].node = nodes[i];
		nw[i].weight = mode == CXLTIER_MODE_WEIGHTED ||
			       mode == CXLTIER_MODE_SPLIT ? i + 1 : 0;
	}
	r = xioctl(dev, CXLTIER_IOC_CREATE, &c);
	if (r < 0)
		return r;
	if (id)
		*id = c.out_id;
	return c.out_fd;
}

static int migrate_to(int fd, unsigned int node, uint32_t flags)
{
	struct cxltier_node_weight nw = { .node = node };
	struct cxltier_migrate m = {
		.size = sizeof(m),
		.flags = flags,
		.mode = CXLTIER_MODE_BIND,
		.nr_nodes = 1,
		.nodes = (uintptr_t)&nw,
	};

	return xioctl(fd, CXLTIER_IOC_MIGRATE, &m);
}

static void touch(int fd, size_t off, size_t len)
{
	char *p = map_buf(fd, len, off);

	if (p == MAP_FAILED)
		return;
	for (size_t i = 0; i < len; i += pgsz)
		p[i] = 1;
	munmap(p, len);
}

/* The family is there, version 1, with its events group. */
TEST_F(netlink, family)
{
	EXPECT_NE(0, self->nl.family);
	EXPECT_EQ((uint32_t)CXLTIER_GENL_VERSION, self->nl.version);
	EXPECT_NE(0U, self->nl.events_grp);
}

/*
 * A dump lists buffers of several kinds with exactly what BUF_STAT says:
 * partly touched bind, interleave and weighted ones on two nodes, a
 * spilled preferred one, a migrated one; and a do by id says the same.
 */
TEST_F(netlink, buf_dump_matches_stat)
{
	const struct cxltier_node_info *a, *b;
	unsigned int two[2];
	int fd[5], i, r;
	uint64_t id[5];
	struct nlbufs l;
	struct bstat s;
	struct nlbuf one;

	a = topo_pick(&self->c.topo, NK_DRAM, 64 * MiB);
	ASSERT_NE(NULL, a);
	b = topo_pick_not(&self->c.topo, NK_ANY, 64 * MiB, a->node, -1);
	if (!b)
		SKIP_TOPO(return, "needs two nodes with memory");
	two[0] = a->node;
	two[1] = b->node;

	fd[0] = create_nodes(self->c.dev, 1 * MiB, CXLTIER_MODE_BIND, 0, two, 1,
			     &id[0]);
	fd[1] = create_nodes(self->c.dev, 2 * MiB + 12345,
			     CXLTIER_MODE_INTERLEAVE, 0, two, 2, &id[1]);
	fd[2] = create_nodes(self->c.dev, 1 * MiB, CXLTIER_MODE_WEIGHTED, 0,
			     two, 2, &id[2]);
	fd[3] = create_nodes(self->c.dev, 256 * KiB, CXLTIER_MODE_PREFERRED, 0,
			     two, 2, &id[3]);
	fd[4] = create_nodes(self->c.dev, 1 * MiB, CXLTIER_MODE_BIND, 0, two, 1,
			     &id[4]);
	for (i = 0; i < 5; i++)
		ASSERT_LE(0, fd[i]);
	touch(fd[0], 0, 256 * KiB);
	touch(fd[1], 0, 2 * MiB);
	touch(fd[2], 512 * KiB, 512 * KiB);
	/* preferred: the first pages on a, the rest spill to b */
	touch(fd[3], 0, 64 * KiB);
	QUOTA_FULL(a->node);
	touch(fd[3], 64 * KiB, 192 * KiB);
	ASSERT_EQ(0, qset(a->node, QUOTA_MAX));
	touch(fd[4], 0, 1 * MiB);
	ASSERT_EQ(0, migrate_to(fd[4], b->node, 0));

	ASSERT_EQ(0, nl_buf_dump(&self->nl, &l));
	EXPECT_EQ(CXLTIER_NL_CMD_BUF_GET, l.cmd);
	for (i = 0; i < 5; i++) {
		const struct nlbuf *nb = nl_find(&l, id[i]);

		ASSERT_EQ(0, buf_stat(fd[i], &s));
		if (!nb)
			TH_LOG("buffer %" PRIu64 " not in the dump", id[i]);
		ASSERT_NE(NULL, nb);
		expect_buf_eq_stat(nb, &s);
		EXPECT_EQ((uint32_t)getpid(), nb->pid);
		EXPECT_EQ(0U, nb->uid);
		/* and a do says the same */
		r = nl_buf_get(&self->nl, id[i], &one);
		ASSERT_EQ(0, r);
		expect_buf_eq_stat(&one, &s);
	}
	/* the scenario really made what it says */
	ASSERT_EQ(0, buf_stat(fd[3], &s));
	EXPECT_EQ(192 * KiB, s.st.spilled_bytes);
	EXPECT_EQ(2U, s.st.nr_resident);
	ASSERT_EQ(0, buf_stat(fd[4], &s));
	EXPECT_EQ(1ULL, s.st.migrate_seq);
	EXPECT_EQ(1 * MiB, s.st.migrate_moved_bytes);
	ASSERT_EQ(0, buf_stat(fd[1], &s));
	EXPECT_EQ(2U, s.st.nr_resident);

	/* a closed buffer leaves the dump */
	close(fd[0]);
	free(l.v);
	ASSERT_EQ(0, nl_buf_dump(&self->nl, &l));
	EXPECT_EQ(NULL, nl_find(&l, id[0]));
	EXPECT_NE(NULL, nl_find(&l, id[1]));
	EXPECT_EQ(-ENOENT, nl_buf_get(&self->nl, id[0], &one));
	free(l.v);
	for (i = 1; i < 5; i++)
		close(fd[i]);
}

/*
 * A 2 MiB-page buffer touched through a mapping on the 2 MiB grid: four
 * units, four PMD faults, no PTE fault, none split, four units PMD-mapped
 * while the mapping lasts; a do says what BUF_STAT says.
 */
TEST_F(netlink, buf_huge_units_match_stat)
{
	const struct cxltier_node_info *a;
	struct nlbuf one;
	struct bstat s;
	struct preq q;
	char *p;
	int fd;

	NEED_HUGE(&self->c.topo);
	a = topo_pick(&self->c.topo, NK_DRAM, 64 * MiB);
	ASSERT_NE(NULL, a);
	q = bind1(a->node, 8 * MiB, HUGE_SHIFT);
	fd = preq_create(self->c.dev, &q, NULL);
	ASSERT_LE(0, fd);
	p = map_buf(fd, 8 * MiB, 0);
	ASSERT_NE(MAP_FAILED, p);
	memset(p, 0x3c, 8 * MiB);
	ASSERT_EQ(0, buf_stat(fd, &s));
	EXPECT_EQ(4ULL, s.st.pmd_map_faults);
	EXPECT_EQ(0ULL, s.st.pte_map_faults);
	EXPECT_EQ(0ULL, s.st.split_units);
	EXPECT_EQ(4ULL, s.st.pmd_mapped_units);
	ASSERT_EQ(0, nl_buf_get(&self->nl, s.st.id, &one));
	expect_buf_eq_stat(&one, &s);
	EXPECT_EQ(4ULL, one.pmd_map_faults);
	EXPECT_EQ(4ULL, one.pmd_mapped_units);
	munmap(p, 8 * MiB);
	close(fd);
}

/* A dump of many buffers spans several messages and loses none. */
TEST_F(netlink, buf_dump_many)
{
	enum { N = 300 };
	const struct cxltier_node_info *a;
	static int fd[N];
	static uint64_t id[N];
	unsigned int node, seen = 0;
	struct nlbufs l;
	int i;

	a = topo_pick(&self->c.topo, NK_DRAM, 64 * MiB);
	ASSERT_NE(NULL, a);
	node = a->node;
	for (i = 0; i < N; i++) {
		fd[i] = create_nodes(self->c.dev, 4096, CXLTIER_MODE_BIND, 0,
				     &node, 1, &id[i]);
		ASSERT_LE(0, fd[i]);
	}
	/* every other one goes away: the dump resumes by id */
	for (i = 0; i < N; i += 2)
		close(fd[i]);
	ASSERT_EQ(0, nl_buf_dump(&self->nl, &l));
	for (i = 0; i < N; i++) {
		const struct nlbuf *b = nl_find(&l, id[i]);

		if (i % 2) {
			EXPECT_NE(NULL, b);
			seen += !!b;
		} else {
			EXPECT_EQ(NULL, b);
		}
	}
	EXPECT_EQ((unsigned int)N / 2, seen);
	/* ascending ids, each once */
	for (i = 1; i < (int)l.n; i++)
		EXPECT_LT(l.v[i - 1].id, l.v[i].id);
	free(l.v);
	for (i = 1; i < N; i += 2)
		close(fd[i]);
}

/*
 * Dumps and gets while another process creates, touches and closes buffers
 * as fast as it can: every dump completes, in ascending id order, every get
 * finds its buffer or says ENOENT (on the debug kernel KASAN watches the
 * buffers being freed under the dumps).
 */
TEST_F_TIMEOUT(netlink, buf_dump_races_close, 120)
{
	const struct cxltier_node_info *a;
	unsigned int node, i, dumps = 0, gets = 0, listed = 0;
	volatile uint64_t *last_id;
	struct nlbufs l;
	struct nlbuf one;
	double end;
	pid_t pid;
	int r;

	a = topo_pick(&self->c.topo, NK_DRAM, 64 * MiB);
	ASSERT_NE(NULL, a);
	node = a->node;
	last_id = mmap(NULL, pgsz, PROT_READ | PROT_WRITE,
		       MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, (void *)last_id);
	*last_id = 0;
	pid = fork();
	ASSERT_LE(0, pid);
	if (!pid) {
		int fd[8] = { -1, -1, -1, -1, -1, -1, -1, -1 };
		uint64_t id;

		end = now_s() + 4;
		for (i = 0; now_s() < end; i++) {
			if (fd[i % 8] >= 0)
				close(fd[i % 8]);
			fd[i % 8] = create_nodes(self->c.dev, 64 * KiB,
						 CXLTIER_MODE_BIND, 0, &node,
						 1, &id);
			if (fd[i % 8] < 0)
				_exit(10);
			touch(fd[i % 8], 0, 64 * KiB);
			*last_id = id;
		}
		_exit(0);
	}
	end = now_s() + 4;
	while (now_s() < end) {
		uint64_t id = *last_id;

		r = nl_buf_dump(&self->nl, &l);
		EXPECT_EQ(0, r);
		if (r)
			break;
		dumps++;
		listed += l.n;
		for (i = 1; i < l.n; i++)
			EXPECT_LT(l.v[i - 1].id, l.v[i].id);
		free(l.v);
		if (id) {
			r = nl_buf_get(&self->nl, id, &one);
			if (r != -ENOENT)
				EXPECT_EQ(0, r);
			if (!r)
				EXPECT_EQ(id, one.id);
			gets++;
		}
	}
	EXPECT_EQ(0, wait_child(pid));
	TH_LOG("%u dumps (%u buffers listed), %u gets while buffers came "
	       "and went", dumps, listed, gets);
	EXPECT_LT(0U, dumps);
	EXPECT_LT(0U, listed);
	munmap((void *)last_id, pgsz);
}

TEST_F(netlink, buf_get_unknown_id)
{
	struct nlbuf b;

	EXPECT_EQ(-ENOENT, nl_buf_get(&self->nl, 0, &b));
	EXPECT_EQ(-ENOENT, nl_buf_get(&self->nl, ~0ULL, &b));
	EXPECT_EQ(-ENOENT, nl_buf_get(&self->nl, 1ULL << 62, &b));
}

/*
 * A user without CAP_SYS_ADMIN sees its own buffers and not root's (a do on
 * root's id is -ENOENT); root sees the user's, with its uid.
 */
TEST_F(netlink, nonroot_sees_own_only)
{
	const struct cxltier_node_info *a;
	int to_parent[2], to_child[2], st, rfd;
	uint64_t root_id, child_id = 0;
	unsigned int node;
	struct nlbufs l;
	const struct nlbuf *nb;
	pid_t pid;
	char go;

	PICK_DRAM(a);
	node = a->node;
	rfd = create_nodes(self->c.dev, 64 * KiB, CXLTIER_MODE_BIND, 0, &node,
			   1, &root_id);
	ASSERT_LE(0, rfd);
	ASSERT_EQ(0, pipe(to_parent));
	ASSERT_EQ(0, pipe(to_child));
	pid = fork();
	ASSERT_LE(0, pid);
	if (!pid) {
		gid_t none[1];
		struct nl n;
		struct nlbuf b;
		uint64_t my;
		int fd, r;

		close(to_parent[0]);
		close(to_child[1]);
		if (setgroups(0, none) || setresgid(65534, 65534, 65534) ||
		    setresuid(65534, 65534, 65534))
			_exit(10);
		/* the device fd root opened still creates buffers */
		fd = create_nodes(self->c.dev, 64 * KiB, CXLTIER_MODE_BIND, 0,
				  &node, 1, &my);
		if (fd < 0)
			_exit(11);
		if (nl_open(&n))
			_exit(12);
		r = nl_buf_dump(&n, &l);
		if (r)
			_exit(13);
		if (!nl_find(&l, my) || nl_find(&l, root_id))
			_exit(14);
		for (unsigned int i = 0; i < l.n; i++)
			if (l.v[i].uid != 65534)
				_exit(15);
		if (nl_buf_get(&n, root_id, &b) != -ENOENT)
			_exit(16);
		if (nl_buf_get(&n, my, &b) || b.uid != 65534 ||
		    b.pid != (uint32_t)getpid())
			_exit(17);
		if (write(to_parent[1], &my, sizeof(my)) != sizeof(my))
			_exit(18);
		if (read(to_child[0], &go, 1) != 1)
			_exit(19);
		_exit(0);
	}
	close(to_parent[1]);
	close(to_child[0]);
	if (read(to_parent[0], &child_id, sizeof(child_id)) != sizeof(child_id))
		child_id = 0;
	if (child_id) {
		ASSERT_EQ(0, nl_buf_dump(&self->nl, &l));
		nb = nl_find(&l, child_id);
		EXPECT_NE(NULL, nb);
		if (nb) {
			EXPECT_EQ(65534U, nb->uid);
			EXPECT_EQ((uint32_t)pid, nb->pid);
		}
		EXPECT_NE(NULL, nl_find(&l, root_id));
		free(l.v);
	}
	go = 1;
	if (write(to_child[1], &go, 1) != 1)
		TH_LOG("cannot release the child");
	st = wait_child(pid);
	if (st)
		TH_LOG("child failed with %d (10 setuid, 11 create, 12 family, "
		       "13 dump, 14 wrong buffers listed, 15 foreign uid, "
		       "16 root's id not ENOENT, 17 own do, 18/19 pipe)", st);
	EXPECT_EQ(0, st);
	EXPECT_NE(0ULL, child_id);
	close(to_parent[0]);
	close(to_child[1]);
	close(rfd);
}

/*
 * BUF_PID is the creator's tgid in the requester's pid namespace: 0 for a
 * creator that namespace cannot see, and 0 once the creator has exited
 * (its number may be someone else's by then).
 */
TEST_F(netlink, owner_pid_translation)
{
	const struct cxltier_node_info *a;
	uint64_t root_id, gone_id;
	unsigned int node;
	struct nlbuf b;
	int sv[2], fd, gone_fd, st;
	pid_t pid;

	PICK_DRAM(a);
	node = a->node;
	fd = create_nodes(self->c.dev, 64 * KiB, CXLTIER_MODE_BIND, 0, &node,
			  1, &root_id);
	ASSERT_LE(0, fd);
	ASSERT_EQ(0, nl_buf_get(&self->nl, root_id, &b));
	EXPECT_EQ((uint32_t)getpid(), b.pid);

	/* a creator that has exited, its buffer kept alive by us */
	ASSERT_EQ(0, socketpair(AF_UNIX, SOCK_DGRAM, 0, sv));
	pid = fork();
	ASSERT_LE(0, pid);
	if (!pid) {
		uint64_t id;
		int f = create_nodes(self->c.dev, 64 * KiB, CXLTIER_MODE_BIND,
				     0, &node, 1, &id);

		if (f < 0 || write(sv[1], &id, sizeof(id)) != sizeof(id) ||
		    send_fd(sv[1], f))
			_exit(10);
		_exit(0);
	}
	ASSERT_EQ((ssize_t)sizeof(gone_id), read(sv[0], &gone_id,
						 sizeof(gone_id)));
	gone_fd = recv_fd(sv[0]);
	ASSERT_LE(0, gone_fd);
	ASSERT_EQ(0, wait_child(pid));
	ASSERT_EQ(0, nl_buf_get(&self->nl, gone_id, &b));
	EXPECT_EQ(0U, b.pid);
	close(gone_fd);

	/* from a new pid namespace: own buffer as pid 1, root's as 0 */
	pid = fork();
	ASSERT_LE(0, pid);
	if (!pid) {
		pid_t inner;

		if (unshare(CLONE_NEWPID))
			_exit(20);
		inner = fork();
		if (inner < 0)
			_exit(21);
		if (!inner) {
			struct nl n;
			uint64_t my;
			int f;

			f = create_nodes(self->c.dev, 64 * KiB,
					 CXLTIER_MODE_BIND, 0, &node, 1, &my);
			if (f < 0)
				_exit(22);
			if (nl_open(&n))
				_exit(23);
			if (nl_buf_get(&n, my, &b) || b.pid != 1)
				_exit(24);
			if (nl_buf_get(&n, root_id, &b) || b.pid != 0)
				_exit(25);
			_exit(0);
		}
		_exit(wait_child(inner));
	}
	st = wait_child(pid);
	if (st)
		TH_LOG("pid namespace child: %d (20 unshare, 21 fork, "
		       "22 create, 23 family, 24 own pid not 1, 25 root's "
		       "pid not 0)", st);
	EXPECT_EQ(0, st);
	close(sv[0]);
	close(sv[1]);
	close(fd);
}

/* ------------------------------------------------------------------------ */

struct nlnode {
	struct nlattrs at;
	uint64_t v[CXLTIER_NL_A_MAX + 1];
	bool has[CXLTIER_NL_A_MAX + 1];
};

struct nlnodes {
	struct nlnode v[64];
	unsigned int n;
	int err;
};

static int nl_nodes_cb(const struct nlmsghdr *nlh, void *data)
{
	struct nlnodes *l = data;
	struct nlnode *nd;
	int t;

	if (l->n >= ARRAY_SIZE(l->v)) {
		l->err = -E2BIG;
		return MNL_CB_OK;
	}
	nd = &l->v[l->n++];
	if (nl_parse(nlh, &nd->at)) {
		l->err = -EINVAL;
		return MNL_CB_OK;
	}
	for (t = 0; t <= CXLTIER_NL_A_MAX; t++) {
		nd->has[t] = nd->at.tb[t];
		nd->v[t] = nd->has[t] ? nl_u64(&nd->at, t) : 0;
	}
	nd->at = (struct nlattrs){};
	return MNL_CB_OK;
}

static int nl_node_get(struct nl *n, uint32_t node, struct nlnode *out)
{
	char buf[MNL_SOCKET_BUFFER_SIZE];
	static struct nlnodes l;
	struct nlmsghdr *nlh;
	int r;

	memset(&l, 0, sizeof(l));
	nlh = nl_req(buf, n->family, CXLTIER_NL_CMD_NODE_GET, 0);
	mnl_attr_put_u32(nlh, CXLTIER_NL_A_NODE_ID, node);
	r = nl_talk(n, nlh, nl_nodes_cb, &l);
	if (!r)
		r = l.err;
	if (!r && l.n != 1)
		r = -EPROTO;
	if (!r)
		*out = l.v[0];
	return r;
}

#define NV(nd, attr) ((nd)->v[CXLTIER_NL_A_NODE_##attr])
#define NHAS(nd, attr) ((nd)->has[CXLTIER_NL_A_NODE_##attr])

/*
 * NODE_GET agrees with GET_INFO (tier, total) and with sysfs (used,
 * reserved, quota; the counters where sysfs has them); the dump lists every
 * node with memory, in order; an impossible node is -EINVAL.
 */
TEST_F(netlink, node_get)
{
	static const struct { int attr; const char *file; } ctr[] = {
		{ CXLTIER_NL_A_NODE_ALLOC_PAGES, "alloc_pages" },
		{ CXLTIER_NL_A_NODE_SPILL_PAGES, "spill_pages" },
		{ CXLTIER_NL_A_NODE_MIGRATE_IN_PAGES, "migrate_in_pages" },
		{ CXLTIER_NL_A_NODE_MIGRATE_OUT_PAGES, "migrate_out_pages" },
		{ CXLTIER_NL_A_NODE_FAULT_FAILURES, "fault_failures" },
	};
	char buf[MNL_SOCKET_BUFFER_SIZE];
	static struct nlnodes l;
	struct nlnode nd;
	unsigned int i, j, node;
	uint64_t v;
	int fd;

	/* something used and reserved on the first node */
	node = self->c.topo.nodes[0].node;
	fd = create_nodes(self->c.dev, 4 * MiB, CXLTIER_MODE_BIND,
			  CXLTIER_CREATE_RESERVE, &node, 1, NULL);
	ASSERT_LE(0, fd);
	touch(fd, 0, 1 * MiB);
	self->quota_node = node;
	ASSERT_EQ(0, qset(node, 512 * MiB));

	for (i = 0; i < self->c.topo.nr; i++) {
		const struct cxltier_node_info *ni = &self->c.topo.nodes[i];

		ASSERT_EQ(0, nl_node_get(&self->nl, ni->node, &nd));
		EXPECT_EQ(ni->node, NV(&nd, ID));
		EXPECT_TRUE(NHAS(&nd, TIER));
		EXPECT_EQ(ni->tier, NV(&nd, TIER));
		EXPECT_EQ(ni->total_bytes, NV(&nd, TOTAL_BYTES));
		EXPECT_LE(NV(&nd, FREE_BYTES), NV(&nd, TOTAL_BYTES));
		EXPECT_LT(0ULL, NV(&nd, FREE_BYTES));
		ASSERT_EQ(0, qread(ni->node, "used_bytes", &v));
		EXPECT_EQ(v, NV(&nd, USED_BYTES));
		ASSERT_EQ(0, qread(ni->node, "reserved_bytes", &v));
		EXPECT_EQ(v, NV(&nd, RESERVED_BYTES));
		ASSERT_EQ(0, qread(ni->node, "quota_bytes", &v));
		if (v == QUOTA_MAX) {
			EXPECT_FALSE(NHAS(&nd, QUOTA_BYTES));
		} else {
			EXPECT_TRUE(NHAS(&nd, QUOTA_BYTES));
			EXPECT_EQ(v, NV(&nd, QUOTA_BYTES));
		}
		EXPECT_TRUE(NHAS(&nd, POOL_BYTES));
		for (j = 0; j < ARRAY_SIZE(ctr); j++) {
			char path[256];

			EXPECT_TRUE(nd.has[ctr[j].attr]);
			qpath(path, sizeof(path), ni->node, ctr[j].file);
			if (access(path, F_OK))
				continue;	/* the sysfs side not there yet */
			ASSERT_EQ(0, qread(ni->node, ctr[j].file, &v));
			EXPECT_EQ(v, nd.v[ctr[j].attr]);
		}
		if (ni->node == node) {
			EXPECT_EQ(512 * MiB, NV(&nd, QUOTA_BYTES));
			EXPECT_LE(1 * MiB, NV(&nd, USED_BYTES));
			EXPECT_LE(3 * MiB, NV(&nd, RESERVED_BYTES));
		}
	}

	/* the dump: every node with memory, ascending, each once */
	memset(&l, 0, sizeof(l));
	ASSERT_EQ(0, nl_talk(&self->nl,
			     nl_req(buf, self->nl.family,
				    CXLTIER_NL_CMD_NODE_GET, NLM_F_DUMP),
			     nl_nodes_cb, &l));
	ASSERT_EQ(0, l.err);
	for (j = 1; j < l.n; j++)
		EXPECT_LT(NV(&l.v[j - 1], ID), NV(&l.v[j], ID));
	for (i = 0; i < self->c.topo.nr; i++) {
		bool found = false;

		for (j = 0; j < l.n; j++)
			if (NV(&l.v[j], ID) == self->c.topo.nodes[i].node) {
				found = true;
				EXPECT_EQ(self->c.topo.nodes[i].total_bytes,
					  NV(&l.v[j], TOTAL_BYTES));
			}
		EXPECT_TRUE(found);
	}

	/* not a possible node */
	EXPECT_EQ(-EINVAL, nl_node_get(&self->nl, kernel_max_numnodes(), &nd));
	EXPECT_EQ(-EINVAL, nl_node_get(&self->nl, ~0U, &nd));
	close(fd);
}

/* ------------------------------------------------------------------------ */
/* Strict validation: one bad request per check                             */

static int nl_raw(struct nl *n, struct nlmsghdr *nlh)
{
	static struct nlbufs l;
	int r;

	memset(&l, 0, sizeof(l));
	r = nl_talk(n, nlh, nl_bufs_cb, &l);
	free(l.v);
	return r;
}

TEST_F(netlink, strict_validation)
{
	char buf[MNL_SOCKET_BUFFER_SIZE];
	struct nlmsghdr *nlh;
	uint16_t f = self->nl.family;

	/* the request that works, so that the failures below mean something */
	nlh = nl_req(buf, f, CXLTIER_NL_CMD_NODE_GET, 0);
	mnl_attr_put_u32(nlh, CXLTIER_NL_A_NODE_ID, self->c.topo.nodes[0].node);
	EXPECT_EQ(0, nl_raw(&self->nl, nlh));

	/* unknown attribute type */
	nlh = nl_req(buf, f, CXLTIER_NL_CMD_NODE_GET, 0);
	mnl_attr_put_u32(nlh, CXLTIER_NL_A_NODE_ID, self->c.topo.nodes[0].node);
	mnl_attr_put_u32(nlh, 200, 1);
	EXPECT_EQ(-EINVAL, nl_raw(&self->nl, nlh));
	/* an attribute of ours the command does not take */
	nlh = nl_req(buf, f, CXLTIER_NL_CMD_BUF_GET, 0);
	mnl_attr_put_u64(nlh, CXLTIER_NL_A_BUF_ID, 1);
	mnl_attr_put_u32(nlh, CXLTIER_NL_A_NODE_ID, 0);
	EXPECT_EQ(-EINVAL, nl_raw(&self->nl, nlh));
	nlh = nl_req(buf, f, CXLTIER_NL_CMD_BUF_GET, 0);
	mnl_attr_put_u64(nlh, CXLTIER_NL_A_BUF_ID, 1);
	mnl_attr_put_u32(nlh, CXLTIER_NL_A_PAD, 0);
	EXPECT_EQ(-EINVAL, nl_raw(&self->nl, nlh));
	/* wrong sizes */
	nlh = nl_req(buf, f, CXLTIER_NL_CMD_BUF_GET, 0);
	mnl_attr_put_u32(nlh, CXLTIER_NL_A_BUF_ID, 1);
	EXPECT_EQ(-EINVAL, nl_raw(&self->nl, nlh));
	nlh = nl_req(buf, f, CXLTIER_NL_CMD_NODE_GET, 0);
	mnl_attr_put_u64(nlh, CXLTIER_NL_A_NODE_ID, 0);
	EXPECT_EQ(-EINVAL, nl_raw(&self->nl, nlh));
	nlh = nl_req(buf, f, CXLTIER_NL_CMD_NODE_GET, 0);
	mnl_attr_put_u16(nlh, CXLTIER_NL_A_NODE_ID, 0);
	EXPECT_EQ(-EINVAL, nl_raw(&self->nl, nlh));
	/* the required attribute missing */
	nlh = nl_req(buf, f, CXLTIER_NL_CMD_BUF_GET, 0);
	EXPECT_EQ(-EINVAL, nl_raw(&self->nl, nlh));
	nlh = nl_req(buf, f, CXLTIER_NL_CMD_NODE_GET, 0);
	EXPECT_EQ(-EINVAL, nl_raw(&self->nl, nlh));
	/* a dump is validated as strictly */
	nlh = nl_req(buf, f, CXLTIER_NL_CMD_BUF_GET, NLM_F_DUMP);
	mnl_attr_put_u32(nlh, 200, 1);
	EXPECT_EQ(-EINVAL, nl_raw(&self->nl, nlh));
	/* trailing bytes that are not an attribute */
	nlh = nl_req(buf, f, CXLTIER_NL_CMD_NODE_GET, 0);
	mnl_attr_put_u32(nlh, CXLTIER_NL_A_NODE_ID, 0);
	memset((char *)nlh + nlh->nlmsg_len, 0xff, 3);
	nlh->nlmsg_len += 3;
	EXPECT_EQ(-EINVAL, nl_raw(&self->nl, nlh));
	/* EVENT is never a request */
	nlh = nl_req(buf, f, CXLTIER_NL_CMD_EVENT, 0);
	EXPECT_EQ(-EOPNOTSUPP, nl_raw(&self->nl, nlh));
	nlh = nl_req(buf, f, CXLTIER_NL_CMD_EVENT, NLM_F_DUMP);
	EXPECT_EQ(-EOPNOTSUPP, nl_raw(&self->nl, nlh));
	/* nor is an unknown command */
	nlh = nl_req(buf, f, 99, 0);
	EXPECT_EQ(-EOPNOTSUPP, nl_raw(&self->nl, nlh));
	/* and the socket still works */
	nlh = nl_req(buf, f, CXLTIER_NL_CMD_NODE_GET, 0);
	mnl_attr_put_u32(nlh, CXLTIER_NL_A_NODE_ID, self->c.topo.nodes[0].node);
	EXPECT_EQ(0, nl_raw(&self->nl, nlh));
}

/* ------------------------------------------------------------------------ */
/* Events                                                                   */

/* The first spill of a buffer, once: home, destination, unit size, owner. */
TEST_F(netlink, event_spill)
{
	const struct cxltier_node_info *a, *b;
	unsigned int two[2];
	struct bstat s;
	uint64_t id;
	int fd;

	PICK_DRAM(a);
	PICK_SECOND(b, a);
	two[0] = a->node;
	two[1] = b->node;
	fd = create_nodes(self->c.dev, 64 * KiB, CXLTIER_MODE_PREFERRED, 0,
			  two, 2, &id);
	ASSERT_LE(0, fd);
	touch(fd, 0, pgsz);		/* on its home: no event */
	EXPECT_EQ(0, EV_COUNT(CXLTIER_EVENT_SPILL, 200));
	QUOTA_FULL(a->node);
	touch(fd, pgsz, pgsz);
	EV_WAIT(CXLTIER_EVENT_SPILL, 5000);
	EXPECT_EQ(id, EV(BUF_ID));
	EXPECT_TRUE(EV_HAS(BUF_UID));
	EXPECT_EV_OWNER();
	EXPECT_EQ(a->node, EV(NODE_ID));
	EXPECT_EQ(b->node, EV(EVENT_TO_NODE));
	EXPECT_EQ((uint64_t)pgsz, EV(EVENT_BYTES));
	/* later spills of the buffer only count */
	touch(fd, 2 * pgsz, 4 * pgsz);
	EXPECT_EQ(0, EV_COUNT(CXLTIER_EVENT_SPILL, 300));
	ASSERT_EQ(0, buf_stat(fd, &s));
	EXPECT_EQ(5 * pgsz, s.st.spilled_bytes);
	close(fd);
}

/* A create refused by a quota: no buffer id, the charge, the quota. */
TEST_F(netlink, event_quota_refused_create)
{
	const struct cxltier_node_info *a;
	uint64_t used;
	unsigned int node;
	int fd;

	PICK_DRAM(a);
	node = a->node;
	ASSERT_EQ(0, qread(node, "used_bytes", &used));
	self->quota_node = node;
	ASSERT_EQ(0, qset(node, used + 256 * KiB));
	fd = create_nodes(self->c.dev, 1 * MiB, CXLTIER_MODE_BIND,
			  CXLTIER_CREATE_RESERVE, &node, 1, NULL);
	ASSERT_EQ(-ENOSPC, fd);
	EV_WAIT(CXLTIER_EVENT_QUOTA_REFUSED, 5000);
	EXPECT_FALSE(EV_HAS(BUF_ID));
	EXPECT_EV_OWNER();
	EXPECT_EQ(node, EV(NODE_ID));
	EXPECT_EQ(1 * MiB, EV(EVENT_BYTES));
	EXPECT_EQ(used + 256 * KiB, EV(NODE_QUOTA_BYTES));
	EXPECT_EQ(-ENOSPC, (int32_t)EV(EVENT_ERROR));
	/* what fits makes no event */
	fd = create_nodes(self->c.dev, 128 * KiB, CXLTIER_MODE_BIND,
			  CXLTIER_CREATE_RESERVE, &node, 1, NULL);
	ASSERT_LE(0, fd);
	EXPECT_EQ(0, EV_COUNT(CXLTIER_EVENT_QUOTA_REFUSED, 300));
	close(fd);
}

/* A fault refused by a quota (SIGBUS), once per buffer, with its id. */
TEST_F(netlink, event_quota_refused_fault)
{
	const struct cxltier_node_info *a;
	unsigned int node;
	uint64_t id, used;
	char *p;
	int fd;

	PICK_DRAM(a);
	node = a->node;
	fd = create_nodes(self->c.dev, 64 * KiB, CXLTIER_MODE_BIND, 0, &node,
			  1, &id);
	ASSERT_LE(0, fd);
	p = map_buf(fd, 64 * KiB, 0);
	ASSERT_NE(MAP_FAILED, p);
	ASSERT_EQ(0, qread(node, "used_bytes", &used));
	QUOTA_FULL(node);
	EXPECT_EQ(SIGBUS, probe(p, true, NULL));
	EV_WAIT(CXLTIER_EVENT_QUOTA_REFUSED, 5000);
	EXPECT_EQ(id, EV(BUF_ID));
	EXPECT_EV_OWNER();
	EXPECT_EQ(node, EV(NODE_ID));
	EXPECT_EQ((uint64_t)pgsz, EV(EVENT_BYTES));
	EXPECT_EQ(used, EV(NODE_QUOTA_BYTES));
	EXPECT_EQ(-ENOMEM, (int32_t)EV(EVENT_ERROR));
	/* the next refused faults of the buffer say nothing new */
	EXPECT_EQ(SIGBUS, probe(p + pgsz, true, NULL));
	EXPECT_EQ(SIGBUS, probe(p, false, NULL));
	EXPECT_EQ(0, EV_COUNT(CXLTIER_EVENT_QUOTA_REFUSED, 300));
	munmap(p, 64 * KiB);
	close(fd);
}

/* A migration's end, sync then async, with the counts BUF_STAT shows. */
TEST_F(netlink, event_migrate_done)
{
	const struct cxltier_node_info *a, *b;
	unsigned int node;
	struct pollfd pfd;
	struct bstat s;
	uint64_t id;
	int fd;

	PICK_DRAM(a);
	PICK_SECOND(b, a);
	node = a->node;
	fd = create_nodes(self->c.dev, 2 * MiB, CXLTIER_MODE_BIND, 0, &node, 1,
			  &id);
	ASSERT_LE(0, fd);
	touch(fd, 0, 1 * MiB);
	ASSERT_EQ(0, migrate_to(fd, b->node, 0));
	EV_WAIT(CXLTIER_EVENT_MIGRATE_DONE, 5000);
	ASSERT_EQ(0, buf_stat(fd, &s));
	EXPECT_EQ(id, EV(BUF_ID));
	EXPECT_EV_OWNER();
	EXPECT_EQ(1ULL, EV(BUF_MIGRATE_SEQ));
	EXPECT_EQ(1 * MiB, EV(BUF_MIGRATE_MOVED_BYTES));
	EXPECT_EQ(0ULL, EV(BUF_MIGRATE_SKIPPED_BYTES));
	EXPECT_EQ(0ULL, EV(BUF_MIGRATE_FAILED_BYTES));
	EXPECT_TRUE(EV_HAS(EVENT_ERROR));
	EXPECT_EQ(0, (int32_t)EV(EVENT_ERROR));
	EXPECT_EQ(s.st.migrate_seq, EV(BUF_MIGRATE_SEQ));
	EXPECT_EQ(s.st.migrate_moved_bytes, EV(BUF_MIGRATE_MOVED_BYTES));

	/* async, back: the event is there once poll says done */
	touch(fd, 1 * MiB, 512 * KiB);
	ASSERT_EQ(0, migrate_to(fd, a->node, CXLTIER_MIGRATE_ASYNC));
	pfd.fd = fd;
	pfd.events = POLLIN;
	ASSERT_EQ(1, poll(&pfd, 1, 60000));
	EV_WAIT(CXLTIER_EVENT_MIGRATE_DONE, 1000);
	ASSERT_EQ(0, buf_stat(fd, &s));
	EXPECT_EQ(2ULL, EV(BUF_MIGRATE_SEQ));
	EXPECT_EQ(1536 * KiB, EV(BUF_MIGRATE_MOVED_BYTES));
	EXPECT_EQ(s.st.migrate_moved_bytes, EV(BUF_MIGRATE_MOVED_BYTES));
	EXPECT_EQ(s.st.migrate_error, (int32_t)EV(EVENT_ERROR));
	EXPECT_EQ(0, (int32_t)EV(EVENT_ERROR));
	close(fd);
}

/* A subscription (CXLTIER_NL_CMD_EVENT_SUBSCRIBE): 0, or -errno. */
static int nl_event_subscribe(struct nl *n, bool with_attr)
{
	char buf[MNL_SOCKET_BUFFER_SIZE];
	struct nlmsghdr *nlh = nl_req(buf, n->family,
				      CXLTIER_NL_CMD_EVENT_SUBSCRIBE, 0);

	if (with_attr)
		mnl_attr_put_u64(nlh, CXLTIER_NL_A_BUF_ID, 1);
	return nl_talk(n, nlh, NULL, NULL);
}

/*
 * The subscription's rules (packaging/README.md): no attribute, twice on a
 * socket is once, the owner's buffer events by unicast, at most
 * CXLTIER_NL_SUBS_PER_USER per uid, and a closed socket's subscription
 * gone (the slot is free again).  The privilege test has the other users.
 */
TEST_F(netlink, event_subscribe)
{
	const struct cxltier_node_info *a, *b;
	struct nl sub, more[CXLTIER_NL_SUBS_PER_USER];
	unsigned int node;
	int fd, i, st, n, got;
	uint64_t id;
	pid_t pid;

	PICK_DRAM(a);
	PICK_SECOND(b, a);
	ASSERT_EQ(0, nl_open(&sub));
	EXPECT_EQ(-EINVAL, nl_event_subscribe(&sub, true));
	ASSERT_EQ(0, nl_event_subscribe(&sub, false));
	EXPECT_EQ(0, nl_event_subscribe(&sub, false));
	/* root's own buffer: its MIGRATE_DONE arrives once, by unicast */
	node = a->node;
	fd = create_nodes(self->c.dev, 2 * MiB, CXLTIER_MODE_BIND, 0, &node, 1,
			  &id);
	ASSERT_LE(0, fd);
	touch(fd, 0, 64 * KiB);
	ASSERT_EQ(0, migrate_to(fd, b->node, 0));
	close(fd);
	got = nl_ev_wait(&sub, CXLTIER_EVENT_MIGRATE_DONE, 1000, false,
			 NULL, NULL, NULL);
	EXPECT_EQ(1, got);
	nl_close(&sub);

	/* the per-user limit, and a closed socket's slot, as another uid */
	pid = fork();
	ASSERT_LE(0, pid);
	if (!pid) {
		struct nl extra;

		if (setresgid(65534, 65534, 65534) || setresuid(65534, 65534, 65534))
			_exit(10);
		for (i = 0; i < CXLTIER_NL_SUBS_PER_USER; i++)
			if (nl_open(&more[i]) || nl_event_subscribe(&more[i], false))
				_exit(11);
		if (nl_open(&extra))
			_exit(12);
		if (nl_event_subscribe(&extra, false) != -ENOSPC)
			_exit(13);
		/* a second subscribe of a subscribed socket is not a new one */
		if (nl_event_subscribe(&more[0], false))
			_exit(14);
		nl_close(&more[0]);
		if (nl_event_subscribe(&extra, false))
			_exit(15);
		_exit(0);
	}
	ASSERT_EQ(pid, waitpid(pid, &st, 0));
	ASSERT_TRUE(WIFEXITED(st));
	n = WEXITSTATUS(st);
	EXPECT_EQ(0, n) {
		TH_LOG("child step %d: 10 setuid, 11 %d subscriptions, 12 open, 13 the %dth not ENOSPC, 14 again, 15 after a close",
		       n, CXLTIER_NL_SUBS_PER_USER, CXLTIER_NL_SUBS_PER_USER + 1);
	}
	/* the child's sockets closed at its exit: the same uid has slots */
	pid = fork();
	ASSERT_LE(0, pid);
	if (!pid) {
		if (setresgid(65534, 65534, 65534) || setresuid(65534, 65534, 65534))
			_exit(10);
		for (i = 0; i < CXLTIER_NL_SUBS_PER_USER; i++)
			if (nl_open(&more[i]) || nl_event_subscribe(&more[i], false))
				_exit(11);
		_exit(0);
	}
	ASSERT_EQ(pid, waitpid(pid, &st, 0));
	EXPECT_TRUE(WIFEXITED(st) && WEXITSTATUS(st) == 0);
}

/* The memory blocks of @node, online ones, highest first; their number. */
static int node_blocks(unsigned int node, uint64_t *blocks, int max)
{
	char path[128], state[32];
	struct dirent *e;
	uint64_t b;
	int n = 0, i, j;
	DIR *d;

	snprintf(path, sizeof(path), "/sys/devices/system/node/node%u", node);
	d = opendir(path);
	if (!d)
		return -errno;
	while ((e = readdir(d)) && n < max) {
		if (sscanf(e->d_name, "memory%" SCNu64, &b) != 1)
			continue;
		snprintf(path, sizeof(path),
			 "/sys/devices/system/memory/memory%" PRIu64 "/state",
			 b);
		if (read_text(path, state, sizeof(state)) <= 0 ||
		    strcmp(state, "online\n"))
			continue;
		blocks[n++] = b;
	}
	closedir(d);
	for (i = 0; i < n; i++)		/* highest first */
		for (j = i + 1; j < n; j++)
			if (blocks[j] > blocks[i]) {
				b = blocks[i];
				blocks[i] = blocks[j];
				blocks[j] = b;
			}
	return n;
}

/* A block of a movable node goes offline and online again: two events. */
TEST_F_TIMEOUT(netlink, event_node_offline_online, 300)
{
	const struct cxltier_node_info *m;
	struct block_state bs = { .timeout_s = 60 };
	uint64_t blocks[64];
	int n, i, r = -ENOENT;

	m = topo_pick(&self->c.topo, NK_MOVABLE, 0);
	if (!m)
		SKIP_TOPO(return, "no movable-only node");
	if (!memory_block_size())
		SKIP(return, "no /sys/devices/system/memory");
	n = node_blocks(m->node, blocks, 64);
	ASSERT_LT(0, n);
	for (i = 0; i < n && i < 4; i++) {
		bs.block = blocks[i];
		bs.state = "offline";
		r = in_child(write_block_state, &bs);
		if (!r)
			break;
		TH_LOG("memory%" PRIu64 " would not go offline: %s", bs.block,
		       errname(r));
	}
	ASSERT_EQ(0, r);
	EV_WAIT(CXLTIER_EVENT_NODE_OFFLINE, 5000);
	EXPECT_EQ(m->node, EV(NODE_ID));
	EXPECT_EQ(memory_block_size(), EV(EVENT_BYTES));

	bs.state = "online_movable";
	r = in_child(write_block_state, &bs);
	if (r)
		TH_LOG("memory%" PRIu64 " back online: %s", bs.block,
		       errname(r));
	ASSERT_EQ(0, r);
	EV_WAIT(CXLTIER_EVENT_NODE_ONLINE, 5000);
	EXPECT_EQ(m->node, EV(NODE_ID));
	EXPECT_EQ(memory_block_size(), EV(EVENT_BYTES));
}

/*
 * A cxltier allocation that leaves a node below low_free_percent: one
 * event, again only after a check found the node above.  With the sysfs
 * file: 100% (every node is below), then 0 < free.  Without it (the module
 * default, 5%): a DRAM node without CPUs is filled to under 5% free.
 */
TEST_F_TIMEOUT(netlink, event_low_free, 300)
{
	const char *lf = CXLTIER_SYSFS_DIR "/low_free_percent";
	const struct cxltier_node_info *a;
	unsigned int node;
	uint64_t len, total;
	char t[32];
	int fd, fd2;

	if (!access(lf, F_OK)) {
		PICK_DRAM(a);
		node = a->node;
		ASSERT_LT(0, read_text(lf, t, sizeof(t)));
		snprintf(self->low_free, sizeof(self->low_free), "%s", t);
		ASSERT_EQ(0, write_text(lf, "100"));
		fd = create_nodes(self->c.dev, 1 * MiB, CXLTIER_MODE_BIND, 0,
				  &node, 1, NULL);
		ASSERT_LE(0, fd);
		touch(fd, 0, pgsz);
		EV_WAIT(CXLTIER_EVENT_NODE_LOW_FREE, 5000);
		EXPECT_EQ(node, EV(NODE_ID));
		EXPECT_EQ(a->total_bytes, EV(NODE_TOTAL_BYTES));
		EXPECT_EQ(EV(NODE_TOTAL_BYTES), EV(EVENT_THRESHOLD_BYTES));
		EXPECT_LT(EV(NODE_FREE_BYTES), EV(EVENT_THRESHOLD_BYTES));
		EXPECT_LT(0ULL, EV(NODE_FREE_BYTES));
		/* still below: no second event */
		touch(fd, pgsz, pgsz);
		EXPECT_EQ(0, EV_COUNT(CXLTIER_EVENT_NODE_LOW_FREE, 300));
		/* above (1%): re-armed, silently; below again: a new one */
		ASSERT_EQ(0, write_text(lf, "1"));
		touch(fd, 2 * pgsz, pgsz);
		EXPECT_EQ(0, EV_COUNT(CXLTIER_EVENT_NODE_LOW_FREE, 300));
		ASSERT_EQ(0, write_text(lf, "100"));
		touch(fd, 3 * pgsz, pgsz);
		EV_WAIT(CXLTIER_EVENT_NODE_LOW_FREE, 5000);
		EXPECT_EQ(node, EV(NODE_ID));
		close(fd);
		return;
	}

	TH_LOG("%s absent: filling a node to under the default 5%% free", lf);
	a = topo_pick(&self->c.topo, NK_DRAM_NOCPU, 256 * MiB);
	if (!a)
		SKIP_TOPO(return, "no DRAM node without CPUs to fill");
	node = a->node;
	total = a->total_bytes;
	/* free now, less 3% of the total: under 5% once filled */
	len = a->free_bytes - total * 3 / 100;
	len &= ~(HUGE_SZ - 1);
	fd = create_nodes(self->c.dev, len - 8 * MiB, CXLTIER_MODE_BIND,
			  CXLTIER_CREATE_POPULATE, &node, 1, NULL);
	ASSERT_LE(0, fd);
	/* the populate may or may not have crossed already; this does */
	fd2 = create_nodes(self->c.dev, 8 * MiB, CXLTIER_MODE_BIND,
			   CXLTIER_CREATE_POPULATE, &node, 1, NULL);
	ASSERT_LE(0, fd2);
	EV_WAIT(CXLTIER_EVENT_NODE_LOW_FREE, 10000);
	EXPECT_EQ(node, EV(NODE_ID));
	EXPECT_EQ(total, EV(NODE_TOTAL_BYTES));
	EXPECT_EQ((total / pgsz) * 5 / 100 * pgsz, EV(EVENT_THRESHOLD_BYTES));
	EXPECT_LT(EV(NODE_FREE_BYTES), EV(EVENT_THRESHOLD_BYTES));
	close(fd2);
	close(fd);
}

/* POOL_ADDED and POOL_REMOVED with the pool's id, name, node, size. */
TEST_F(netlink, event_pool)
{
	char dax[64];
	uint64_t start, len, node;
	uint32_t id = 0;
	struct nlev ev;
	int r;

	if (devdax_find(dax, sizeof(dax)))
		SKIP_TOPO(return, "no dax device bound to device_dax");
	ASSERT_OK(devdax_u64(dax, "resource", &start));
	ASSERT_OK(devdax_u64(dax, "size", &len));
	ASSERT_OK(devdax_u64(dax, "target_node", &node));
	ASSERT_OK(devdax_bind(dax, false));
	r = pool_add(self->c.dev, dax, start, len, (unsigned int)node, &id);
	EXPECT_EQ(0, r);
	if (!r) {
		r = nl_ev_wait(&self->ev, CXLTIER_EVENT_POOL_ADDED, 5000, true,
			       self->ev_vals, self->ev_has, &ev);
		EXPECT_EQ(1, r);
		EXPECT_EQ(id, EV(POOL_ID));
		EXPECT_STREQ(dax, ev.pool_name);
		EXPECT_EQ(node, EV(NODE_ID));
		EXPECT_EQ(len, EV(EVENT_BYTES));
		EXPECT_EQ(0, pool_remove_wait(self->c.dev, id, 15));
		r = nl_ev_wait(&self->ev, CXLTIER_EVENT_POOL_REMOVED, 5000,
			       true, self->ev_vals, self->ev_has, &ev);
		EXPECT_EQ(1, r);
		EXPECT_EQ(id, EV(POOL_ID));
		EXPECT_STREQ(dax, ev.pool_name);
		EXPECT_EQ(node, EV(NODE_ID));
		EXPECT_FALSE(EV_HAS(EVENT_BYTES));
	}
	EXPECT_EQ(0, devdax_bind(dax, true));
}

/* Ordinary use of a buffer on its home node makes no buffer event. */
TEST_F(netlink, no_events_without_cause)
{
	const struct cxltier_node_info *a;
	unsigned int node;
	int fd, n;

	PICK_DRAM(a);
	node = a->node;
	fd = create_nodes(self->c.dev, 1 * MiB, CXLTIER_MODE_BIND, 0, &node, 1,
			  NULL);
	ASSERT_LE(0, fd);
	touch(fd, 0, 1 * MiB);
	for (n = CXLTIER_EVENT_SPILL; n <= CXLTIER_EVENT_MIGRATE_DONE; n++)
		EXPECT_EQ(0, EV_COUNT(n, 100));
	close(fd);
}
