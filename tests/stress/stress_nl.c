// SPDX-License-Identifier: GPL-2.0
/*
 * cxltier_stress: the generic netlink family under load (included by
 * cxltier_stress.c after its shared state, struct reg_slot and the check
 * helpers).  Spoken with libmnl directly, so that the program stays one
 * self-contained file pair with no dependency on the project's library.
 *
 * Two threads of the main process, started with the workers and stopped
 * after every buffer is closed and every memory block is online again:
 *
 * The requester, in a loop: a BUF_GET dump, a NODE_GET dump, and BUF_GET by
 * id of a few buffers of the registry (struct reg_slot) and of an id no
 * buffer can have.  One thread does all three, one request at a time, on
 * purpose: a dump holds a reference on each buffer's file while it takes
 * its figures, so a concurrent dump could keep a buffer that its owner
 * closed for good in the module's registry a moment longer, and "gone
 * before the request, so ENOENT" would not be race-free.
 *
 * The listener, subscribed to the "events" group, counts events per type
 * (ENOBUFS counted as lost) and checks that each is well formed.
 */
#include <sys/socket.h>

/* struct nl, nl_open(), nl_req(), nl_talk_buf(), nl_subscribe(): */
#include "../lib/cxlt_nl.h"

#define NL_MAX_ENTRIES 8192
#define NL_MAX_RES 64

static struct {
	bool on;
	volatile int stop;
	pthread_t req_th, ev_th;
	bool req_on, ev_on;
	volatile int subscribed;	/* listener: 1 joined, -1 failed */
	unsigned int possible;		/* node ids are below this */
	uint16_t family;
	uint32_t events_grp;
	/* the listener's figures */
	uint64_t max_ev_buf_id, max_ev_pool_id;
	uint64_t base_pool_add, base_pool_remove, base_offline_ok;
} nls;

/* ------------------------------------------------------------------------ */
/* Parsing a buffer                                                          */

struct nlbuf {
	uint64_t id, len, resident, spilled, res_bytes[NL_MAX_RES];
	uint32_t uid, pid, mode, page_shift, nr_pol, nr_res;
	uint32_t res_node[NL_MAX_RES];
	bool has_id, has_len, has_uid, has_res, has_spilled, bad_res;
};

static void nl_parse_res(const struct nlattr *nest, struct nlbuf *e)
{
	const struct nlattr *rn, *a;

	mnl_attr_for_each_nested(rn, nest) {
		bool has_node = false, has_bytes = false;
		uint32_t node = 0;
		uint64_t bytes = 0;

		if (mnl_attr_get_type(rn) != CXLTIER_NL_A_BUF_RESIDENT_NODE)
			continue;
		mnl_attr_for_each_nested(a, rn) {
			if (mnl_attr_get_type(a) == CXLTIER_NL_NB_NODE &&
			    mnl_attr_get_payload_len(a) == 4) {
				node = mnl_attr_get_u32(a);
				has_node = true;
			} else if (mnl_attr_get_type(a) == CXLTIER_NL_NB_BYTES &&
				   mnl_attr_get_payload_len(a) == 8) {
				bytes = mnl_attr_get_u64(a);
				has_bytes = true;
			}
		}
		if (!has_node || !has_bytes || e->nr_res >= NL_MAX_RES) {
			e->bad_res = true;
			continue;
		}
		e->res_node[e->nr_res] = node;
		e->res_bytes[e->nr_res++] = bytes;
	}
}

static int nl_buf_attr_cb(const struct nlattr *a, void *data)
{
	struct nlbuf *e = data;
	uint16_t t = mnl_attr_get_type(a);
	uint16_t l = mnl_attr_get_payload_len(a);
	const struct nlattr *p;

#define U64(f, h) do { if (l == 8) { e->f = mnl_attr_get_u64(a); h; } } while (0)
#define U32(f, h) do { if (l == 4) { e->f = mnl_attr_get_u32(a); h; } } while (0)
	switch (t) {
	case CXLTIER_NL_A_BUF_ID:
		U64(id, e->has_id = true);
		break;
	case CXLTIER_NL_A_BUF_LENGTH:
		U64(len, e->has_len = true);
		break;
	case CXLTIER_NL_A_BUF_RESIDENT_BYTES:
		U64(resident, e->has_res = true);
		break;
	case CXLTIER_NL_A_BUF_SPILLED_BYTES:
		U64(spilled, e->has_spilled = true);
		break;
	case CXLTIER_NL_A_BUF_UID:
		U32(uid, e->has_uid = true);
		break;
	case CXLTIER_NL_A_BUF_PID:
		U32(pid, (void)0);
		break;
	case CXLTIER_NL_A_BUF_MODE:
		U32(mode, (void)0);
		break;
	case CXLTIER_NL_A_BUF_PAGE_SHIFT:
		U32(page_shift, (void)0);
		break;
	case CXLTIER_NL_A_BUF_POLICY:
		mnl_attr_for_each_nested(p, a)
			e->nr_pol += mnl_attr_get_type(p) ==
				     CXLTIER_NL_A_BUF_POLICY_NODE;
		break;
	case CXLTIER_NL_A_BUF_RESIDENT:
		nl_parse_res(a, e);
		break;
	}
#undef U64
#undef U32
	return MNL_CB_OK;
}

/* The checks that hold for every buffer listed, whoever made it. */
static bool nl_buf_sane(const struct nlbuf *e, const char *what)
{
	uint64_t sum = 0, rounded;
	uint32_t i;

	if (!e->has_id || !e->has_len || !e->has_uid || !e->has_res ||
	    !e->has_spilled || e->bad_res || e->page_shift < 12 ||
	    e->page_shift > 30) {
		fail("%s: buffer id %" PRIu64 ": attributes missing or "
		     "malformed (id %d length %d uid %d resident %d spilled %d "
		     "resident nest %s, page_shift %u)", what, e->id,
		     e->has_id, e->has_len, e->has_uid, e->has_res,
		     e->has_spilled, e->bad_res ? "bad" : "ok", e->page_shift);
		return false;
	}
	rounded = (e->len + (1ULL << e->page_shift) - 1) &
		  ~((1ULL << e->page_shift) - 1);
	for (i = 0; i < e->nr_res; i++) {
		sum += e->res_bytes[i];
		if (i && e->res_node[i] <= e->res_node[i - 1]) {
			fail("%s: buffer id %" PRIu64 ": resident entries not "
			     "in ascending node order (node %u after %u)",
			     what, e->id, e->res_node[i], e->res_node[i - 1]);
			return false;
		}
	}
	if (!e->len || e->resident > rounded || sum != e->resident ||
	    e->spilled > e->resident || !e->nr_pol || e->uid != 0) {
		fail("%s: buffer id %" PRIu64 ": length %" PRIu64 " (rounded %"
		     PRIu64 "), resident %" PRIu64 " (entries sum %" PRIu64
		     ", %u entries), spilled %" PRIu64 ", %u policy nodes, "
		     "uid %u", what, e->id, e->len, rounded, e->resident, sum,
		     e->nr_res, e->spilled, e->nr_pol, e->uid);
		return false;
	}
	return true;
}

/* ------------------------------------------------------------------------ */
/* The requester                                                             */

struct nl_dump {
	struct nlbuf *e;
	size_t n;
	bool bad;	/* a check failed: no pass for this dump */
	bool overflow;
};

static int nl_buf_dump_cb(const struct nlmsghdr *nlh, void *data)
{
	struct nl_dump *d = data;
	struct nlbuf e = { 0 };

	mnl_attr_parse(nlh, sizeof(struct genlmsghdr), nl_buf_attr_cb, &e);
	count(C_NL_BUF_SEEN, 1);
	if (!nl_buf_sane(&e, "BUF_GET dump"))
		d->bad = true;
	if (d->n && e.id <= d->e[d->n - 1].id) {
		fail("BUF_GET dump: id %" PRIu64 " after id %" PRIu64 ": not "
		     "strictly ascending", e.id, d->e[d->n - 1].id);
		d->bad = true;
	}
	if (d->n < NL_MAX_ENTRIES)
		d->e[d->n++] = e;
	else
		d->overflow = true;
	return MNL_CB_OK;
}

static const struct nlbuf *nl_dump_find(const struct nl_dump *d, uint64_t id)
{
	size_t lo = 0, hi = d->n;

	while (lo < hi) {
		size_t mid = (lo + hi) / 2;

		if (d->e[mid].id == id)
			return &d->e[mid];
		if (d->e[mid].id < id)
			lo = mid + 1;
		else
			hi = mid;
	}
	return NULL;
}

/* A buffer the registry knows alive from before @t0 to after @t1. */
static bool reg_alive_across(const struct reg_slot *c, uint64_t t0,
			     uint64_t t1)
{
	return c->id && c->opened && c->opened < t0 &&
	       (!c->closing || c->closing > t1);
}

/* @t1: the end of the request (a MIGRATE started before may have changed
 * the mode, which is then not compared) */
static bool nl_known_matches(const struct nlbuf *e, const struct reg_slot *c,
			     uint64_t t1, const char *what)
{
	bool mode_fixed = !c->migrate || c->migrate > t1;

	if (e->len == c->len && (e->mode == c->mode || !mode_fixed) &&
	    e->page_shift == c->page_shift && e->pid == (uint32_t)c->pid)
		return true;
	fail("%s: buffer id %" PRIu64 " listed with length %" PRIu64 " mode %u "
	     "page_shift %u pid %u; created with length %" PRIu64 " mode %u%s "
	     "page_shift %u by pid %d", what, c->id, e->len, e->mode,
	     e->page_shift, e->pid, c->len, c->mode,
	     mode_fixed ? " (never migrated)" : "", c->page_shift, c->pid);
	return false;
}

static void nl_buf_dump(struct nl *n, char *buf, struct nl_dump *d)
{
	uint64_t t0, t1, known = 0;
	unsigned int i;
	int r;

	d->n = 0;
	d->bad = d->overflow = false;
	t0 = nl_tick();
	r = nl_talk_buf(n, nl_req(buf, n->family, CXLTIER_NL_CMD_BUF_GET,
				NLM_F_DUMP), nl_buf_dump_cb, d, buf);
	t1 = nl_tick();
	count(C_NL_BUF_DUMP, 1);
	if (r) {
		fail("BUF_GET dump: %s", errname(-r));
		return;
	}
	if (d->overflow) {
		fail("BUF_GET dump: more than %d buffers", NL_MAX_ENTRIES);
		return;
	}
	for (i = 0; i < REG_SLOTS; i++) {
		struct reg_slot c;
		const struct nlbuf *e;

		if (!reg_read(i, &c) || !reg_alive_across(&c, t0, t1))
			continue;
		known++;
		e = nl_dump_find(d, c.id);
		if (!e) {
			fail("BUF_GET dump: buffer id %" PRIu64 " (pid %d, "
			     "length %" PRIu64 ") open throughout the dump is "
			     "not listed (%zu listed)", c.id, c.pid, c.len,
			     d->n);
			d->bad = true;
		} else if (!nl_known_matches(e, &c, t1, "BUF_GET dump")) {
			d->bad = true;
		}
	}
	count(C_NL_KNOWN, known);
	if (!d->bad)
		pass();
}

static int nl_one_buf_cb(const struct nlmsghdr *nlh, void *data)
{
	struct nlbuf *e = data;

	mnl_attr_parse(nlh, sizeof(struct genlmsghdr), nl_buf_attr_cb, e);
	return MNL_CB_OK;
}

/* BUF_GET of @id: 0 or -errno, the buffer in @e. */
static int nl_buf_do(struct nl *n, char *buf, uint64_t id, struct nlbuf *e)
{
	struct nlmsghdr *nlh = nl_req(buf, n->family, CXLTIER_NL_CMD_BUF_GET,
				       0);

	memset(e, 0, sizeof(*e));
	mnl_attr_put_u64(nlh, CXLTIER_NL_A_BUF_ID, id);
	count(C_NL_BUF_DO, 1);
	return nl_talk_buf(n, nlh, nl_one_buf_cb, e, buf);
}

static void nl_buf_do_checks(struct nl *n, char *buf, struct rng *rg)
{
	unsigned int k;
	struct nlbuf e;
	int r;

	for (k = 0; k < 4; k++) {
		/* mostly among the latest buffers: more of them still open */
		uint64_t next = __atomic_load_n(&sh->reg_next, __ATOMIC_RELAXED);
		unsigned int i = (unsigned int)(one_in(rg, 4) ?
			rnd(rg, REG_SLOTS) :
			(next + REG_SLOTS - 1 - rnd(rg, 64)) % REG_SLOTS);
		struct reg_slot c, c2;
		uint64_t t0, t1;

		if (!reg_read(i, &c) || !c.id)
			continue;
		t0 = nl_tick();
		r = nl_buf_do(n, buf, c.id, &e);
		t1 = nl_tick();
		if (!reg_read(i, &c2) || c2.id != c.id)
			continue;	/* the slot went to a newer buffer */
		if (c.gone && c.gone < t0) {
			count(C_NL_DO_GONE, 1);
			check(r == -ENOENT, "BUF_GET of buffer id %" PRIu64
			      " (gone before the request): %s, expected "
			      "ENOENT", c.id, r ? errname(-r) : "found");
			continue;
		}
		if (reg_alive_across(&c2, t0, t1)) {
			count(C_NL_DO_KNOWN, 1);
			if (r || e.id != c.id)
				fail("BUF_GET of buffer id %" PRIu64 " (open "
				     "throughout): %s, id %" PRIu64, c.id,
				     errname(-r), e.id);
			else if (nl_buf_sane(&e, "BUF_GET") &&
				 nl_known_matches(&e, &c2, t1, "BUF_GET"))
				pass();
			continue;
		}
		/* it may or may not be there: whatever came must be sane */
		if (r)
			check(r == -ENOENT, "BUF_GET of buffer id %" PRIu64
			      ": %s", c.id, errname(-r));
		else if (e.id != c.id)
			fail("BUF_GET of buffer id %" PRIu64 " gave id %"
			     PRIu64, c.id, e.id);
		else if (nl_buf_sane(&e, "BUF_GET"))
			pass();
	}
	/* an id no buffer will ever have (ids count up from 1) */
	r = nl_buf_do(n, buf, (1ULL << 62) + rnd(rg, 1ULL << 20), &e);
	check(r == -ENOENT, "BUF_GET of id 2^62+: %s, expected ENOENT",
	      r ? errname(-r) : "found");
}

/* NODE_GET */
struct nlnode {
	uint32_t id;
	bool has_id;
	uint64_t cnt[5];	/* alloc, spill, migrate in, out, fault fail */
};

struct nl_nodes {
	bool seen[TOPO_MAX_NODES];
	uint64_t cnt[TOPO_MAX_NODES][5];
	bool bad;
};

static int nl_node_attr_cb(const struct nlattr *a, void *data)
{
	struct nlnode *x = data;
	uint16_t t = mnl_attr_get_type(a);

	if (t == CXLTIER_NL_A_NODE_ID && mnl_attr_get_payload_len(a) == 4) {
		x->id = mnl_attr_get_u32(a);
		x->has_id = true;
	} else if (t >= CXLTIER_NL_A_NODE_ALLOC_PAGES &&
		   t <= CXLTIER_NL_A_NODE_FAULT_FAILURES &&
		   mnl_attr_get_payload_len(a) == 8) {
		x->cnt[t - CXLTIER_NL_A_NODE_ALLOC_PAGES] = mnl_attr_get_u64(a);
	}
	return MNL_CB_OK;
}

static int nl_node_dump_cb(const struct nlmsghdr *nlh, void *data)
{
	struct nl_nodes *d = data;
	struct nlnode x = { 0 };

	mnl_attr_parse(nlh, sizeof(struct genlmsghdr), nl_node_attr_cb, &x);
	if (!x.has_id || x.id >= nls.possible || x.id >= TOPO_MAX_NODES ||
	    d->seen[x.id]) {
		fail("NODE_GET dump: node id %s%u (possible nodes: %u)%s",
		     x.has_id ? "" : "missing, ", x.id, nls.possible,
		     x.has_id && x.id < TOPO_MAX_NODES && d->seen[x.id] ?
		     ", listed twice" : "");
		d->bad = true;
		return MNL_CB_OK;
	}
	d->seen[x.id] = true;
	memcpy(d->cnt[x.id], x.cnt, sizeof(x.cnt));
	return MNL_CB_OK;
}

static void nl_node_dump(struct nl *n, char *buf, struct nl_nodes *prev,
			 struct nl_nodes *cur, bool have_prev)
{
	static const char *const cn[5] = { "alloc_pages", "spill_pages",
		"migrate_in_pages", "migrate_out_pages", "fault_failures" };
	unsigned int i, k;
	int r;

	memset(cur, 0, sizeof(*cur));
	r = nl_talk_buf(n, nl_req(buf, n->family, CXLTIER_NL_CMD_NODE_GET,
				NLM_F_DUMP), nl_node_dump_cb, cur, buf);
	count(C_NL_NODE_DUMP, 1);
	if (r) {
		fail("NODE_GET dump: %s", errname(-r));
		return;
	}
	for (i = 0; i < topo.nr; i++)
		if (!cur->seen[topo.nodes[i].node]) {
			fail("NODE_GET dump: node %u of GET_INFO not listed",
			     topo.nodes[i].node);
			cur->bad = true;
		}
	for (i = 0; have_prev && i < TOPO_MAX_NODES; i++) {
		if (!prev->seen[i])
			continue;
		if (!cur->seen[i]) {
			/* a node with counters stays listed */
			for (k = 0; k < 5; k++)
				if (prev->cnt[i][k]) {
					fail("NODE_GET dump: node %u, listed "
					     "with %s %" PRIu64 " before, is "
					     "gone", i, cn[k],
					     prev->cnt[i][k]);
					cur->bad = true;
					break;
				}
			continue;
		}
		for (k = 0; k < 5; k++)
			if (cur->cnt[i][k] < prev->cnt[i][k]) {
				fail("NODE_GET dump: node %u %s went down: %"
				     PRIu64 " -> %" PRIu64, i, cn[k],
				     prev->cnt[i][k], cur->cnt[i][k]);
				cur->bad = true;
			}
	}
	if (!cur->bad)
		pass();
}

static void *nl_requester(void *arg)
{
	struct nl_nodes *nodes = calloc(2, sizeof(*nodes));
	struct nl_dump d = { .e = calloc(NL_MAX_ENTRIES, sizeof(*d.e)) };
	char *buf = malloc(NL_BUFSZ);
	unsigned int round = 0;
	struct nl n;
	struct rng rg;
	int r;

	(void)arg;
	snprintf(who, sizeof(who), "netlink");
	rng_seed(&rg, cfg.seed ^ 0x6e6c);
	if (!nodes || !d.e || !buf)
		abort();
	r = nl_open(&n);
	if (r) {
		fail("netlink requester: cannot open the family: %s",
		     errname(-r));
		goto out;
	}
	while (!nls.stop) {
		nl_buf_dump(&n, buf, &d);
		nl_node_dump(&n, buf, &nodes[(round + 1) % 2],
			     &nodes[round % 2], round > 0);
		nl_buf_do_checks(&n, buf, &rg);
		round++;
		sleep_ms(20);
	}
	nl_close(&n);
out:
	free(buf);
	free(d.e);
	free(nodes);
	return NULL;
}

/* ------------------------------------------------------------------------ */
/* The listener                                                              */

struct nlev {
	uint32_t type;
	bool has_type, has[CXLTIER_NL_A_MAX + 1];
	uint32_t node, to_node, pool_id;
	uint64_t buf_id;
	int32_t err;
	bool bad_len;
};

static int nl_ev_attr_cb(const struct nlattr *a, void *data)
{
	struct nlev *v = data;
	uint16_t t = mnl_attr_get_type(a), l = mnl_attr_get_payload_len(a);

	if (t > CXLTIER_NL_A_MAX)
		return MNL_CB_OK;	/* newer than us */
	v->has[t] = true;
	switch (t) {
	case CXLTIER_NL_A_EVENT_TYPE:
		v->bad_len |= l != 4;
		if (l == 4) {
			v->type = mnl_attr_get_u32(a);
			v->has_type = true;
		}
		break;
	case CXLTIER_NL_A_NODE_ID:
	case CXLTIER_NL_A_EVENT_TO_NODE:
	case CXLTIER_NL_A_POOL_ID:
	case CXLTIER_NL_A_BUF_UID:
	case CXLTIER_NL_A_BUF_PID:
		v->bad_len |= l != 4;
		if (l != 4)
			break;
		if (t == CXLTIER_NL_A_NODE_ID)
			v->node = mnl_attr_get_u32(a);
		else if (t == CXLTIER_NL_A_EVENT_TO_NODE)
			v->to_node = mnl_attr_get_u32(a);
		else if (t == CXLTIER_NL_A_POOL_ID)
			v->pool_id = mnl_attr_get_u32(a);
		break;
	case CXLTIER_NL_A_EVENT_ERROR:
		v->bad_len |= l != 4;
		if (l == 4)
			v->err = (int32_t)mnl_attr_get_u32(a);
		break;
	case CXLTIER_NL_A_BUF_ID:
		v->bad_len |= l != 8;
		if (l == 8)
			v->buf_id = mnl_attr_get_u64(a);
		break;
	case CXLTIER_NL_A_EVENT_BYTES:
	case CXLTIER_NL_A_EVENT_THRESHOLD_BYTES:
	case CXLTIER_NL_A_NODE_FREE_BYTES:
	case CXLTIER_NL_A_NODE_TOTAL_BYTES:
	case CXLTIER_NL_A_NODE_QUOTA_BYTES:
		v->bad_len |= l != 8;
		break;
	}
	return MNL_CB_OK;
}

/* The attributes each event type must carry (uapi/linux/cxltier.h). */
static const int ev_required[CXLTIER_EVENT_MAX + 1][6] = {
	[CXLTIER_EVENT_SPILL] = { CXLTIER_NL_A_BUF_ID, CXLTIER_NL_A_BUF_UID,
		CXLTIER_NL_A_NODE_ID, CXLTIER_NL_A_EVENT_TO_NODE,
		CXLTIER_NL_A_EVENT_BYTES },
	[CXLTIER_EVENT_QUOTA_REFUSED] = { CXLTIER_NL_A_BUF_UID,
		CXLTIER_NL_A_NODE_ID, CXLTIER_NL_A_EVENT_BYTES,
		CXLTIER_NL_A_NODE_QUOTA_BYTES, CXLTIER_NL_A_EVENT_ERROR },
	[CXLTIER_EVENT_MIGRATE_DONE] = { CXLTIER_NL_A_BUF_ID,
		CXLTIER_NL_A_BUF_UID, CXLTIER_NL_A_BUF_MIGRATE_SEQ,
		CXLTIER_NL_A_EVENT_ERROR },
	[CXLTIER_EVENT_NODE_ONLINE] = { CXLTIER_NL_A_NODE_ID,
		CXLTIER_NL_A_EVENT_BYTES },
	[CXLTIER_EVENT_NODE_OFFLINE] = { CXLTIER_NL_A_NODE_ID,
		CXLTIER_NL_A_EVENT_BYTES },
	[CXLTIER_EVENT_NODE_LOW_FREE] = { CXLTIER_NL_A_NODE_ID,
		CXLTIER_NL_A_NODE_FREE_BYTES, CXLTIER_NL_A_NODE_TOTAL_BYTES,
		CXLTIER_NL_A_EVENT_THRESHOLD_BYTES },
	[CXLTIER_EVENT_POOL_ADDED] = { CXLTIER_NL_A_POOL_ID,
		CXLTIER_NL_A_POOL_NAME, CXLTIER_NL_A_NODE_ID,
		CXLTIER_NL_A_EVENT_BYTES },
	[CXLTIER_EVENT_POOL_REMOVED] = { CXLTIER_NL_A_POOL_ID,
		CXLTIER_NL_A_POOL_NAME, CXLTIER_NL_A_NODE_ID },
};

static int nl_ev_cb(const struct nlmsghdr *nlh, void *data)
{
	const struct genlmsghdr *g = mnl_nlmsg_get_payload(nlh);
	struct nlev v = { 0 };
	unsigned int k;
	bool ok;

	(void)data;
	if (nlh->nlmsg_type != nls.family)
		return MNL_CB_OK;
	mnl_attr_parse(nlh, sizeof(*g), nl_ev_attr_cb, &v);
	ok = g->cmd == CXLTIER_NL_CMD_EVENT && v.has_type && !v.bad_len &&
	     v.type >= 1 && v.type <= CXLTIER_EVENT_MAX;
	for (k = 0; ok && k < 6 && ev_required[v.type][k]; k++)
		ok = v.has[ev_required[v.type][k]];
	if (ok && v.has[CXLTIER_NL_A_NODE_ID])
		ok = v.node < nls.possible;
	if (ok && v.has[CXLTIER_NL_A_EVENT_TO_NODE])
		ok = v.to_node < nls.possible;
	if (ok && v.has[CXLTIER_NL_A_BUF_ID])
		ok = v.buf_id >= 1;
	if (ok && v.has[CXLTIER_NL_A_POOL_ID])
		ok = v.pool_id >= 1;
	if (ok && v.has[CXLTIER_NL_A_EVENT_ERROR])
		ok = v.err <= 0;
	if (!ok) {
		fail("event: malformed: cmd %u, type %u%s, node %u, to_node %u, "
		     "buf id %" PRIu64 ", pool id %u, error %d, attribute "
		     "lengths %s (possible nodes %u)", g->cmd, v.type,
		     v.has_type ? "" : " (absent)", v.node, v.to_node,
		     v.buf_id, v.pool_id, v.err, v.bad_len ? "bad" : "ok",
		     nls.possible);
		return MNL_CB_OK;
	}
	pass();
	count((enum cnt)(C_NL_EV_SPILL + v.type - 1), 1);
	if (v.has[CXLTIER_NL_A_BUF_ID])
		note_max(&nls.max_ev_buf_id, v.buf_id);
	if (v.has[CXLTIER_NL_A_POOL_ID])
		note_max(&nls.max_ev_pool_id, v.pool_id);
	return MNL_CB_OK;
}

static void *nl_listener(void *arg)
{
	char *buf = malloc(NL_BUFSZ);
	struct timeval tv = { .tv_usec = 200000 };
	int fd, draining = 0;
	struct nl n;
	int r;

	(void)arg;
	snprintf(who, sizeof(who), "nl-events");
	if (!buf)
		abort();
	r = nl_open(&n);
	if (!r)
		r = nl_subscribe(&n, 4 << 20);
	fd = r ? -1 : mnl_socket_get_fd(n.s);
	if (fd >= 0)
		setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	if (r) {
		fail("netlink listener: cannot join the \"%s\" group: %s",
		     CXLTIER_GENL_MCGRP_EVENTS, errname(-r));
		nl_close(&n);
		__atomic_store_n(&nls.subscribed, -1, __ATOMIC_SEQ_CST);
		free(buf);
		return NULL;
	}
	__atomic_store_n(&nls.subscribed, 1, __ATOMIC_SEQ_CST);
	/*
	 * After the stop, read until the socket stays empty: every event of
	 * an operation that returned is already queued (they are sent from
	 * the operation's own context).
	 */
	for (;;) {
		ssize_t len = recv(fd, buf, NL_BUFSZ, 0);

		if (len < 0) {
			if (errno == ENOBUFS) {
				count(C_NL_EV_LOST, 1);
				continue;
			}
			if (errno == EAGAIN || errno == EWOULDBLOCK ||
			    errno == EINTR) {
				if (nls.stop && ++draining >= 2)
					break;
				continue;
			}
			fail("netlink listener: recv: %s", errname(errno));
			break;
		}
		draining = 0;
		if (mnl_cb_run(buf, (size_t)len, 0, 0, nl_ev_cb, NULL) < 0)
			fail("netlink listener: a message that does not "
			     "parse: %s", errname(errno));
	}
	nl_close(&n);
	free(buf);
	return NULL;
}

/* ------------------------------------------------------------------------ */
/* Start and stop                                                            */

static unsigned int possible_nodes(void)
{
	char txt[256], *p;
	unsigned long hi = 0;

	if (read_text("/sys/devices/system/node/possible", txt, sizeof(txt)) <
	    0)
		return TOPO_MAX_NODES;
	/* "0-3", "0,2-5": the largest number */
	for (p = txt; *p; p++)
		if (*p >= '0' && *p <= '9') {
			unsigned long v = strtoul(p, &p, 10);

			if (v > hi)
				hi = v;
			p--;
		}
	return (unsigned int)hi + 1;
}

/* Before the pool thread and the offliner start. */
static void nl_start(void)
{
	struct nl n;
	int r;

	if (cfg.no_netlink) {
		out("stress: netlink: off (--no-netlink)");
		return;
	}
	r = nl_open(&n);
	if (r) {
		out("stress: netlink: SKIPPED (family \"%s\" does not resolve: "
		    "%s), not counted", CXLTIER_GENL_NAME, errname(-r));
		return;
	}
	nls.family = n.family;
	nls.events_grp = n.events_grp;
	nl_close(&n);
	nls.possible = possible_nodes();
	nls.on = true;
	nls.ev_on = !pthread_create(&nls.ev_th, NULL, nl_listener, NULL);
	if (!nls.ev_on)
		fail("pthread_create: netlink listener");
	while (nls.ev_on && !__atomic_load_n(&nls.subscribed, __ATOMIC_SEQ_CST))
		sleep_ms(5);
	/* what happened before we listened does not count */
	nls.base_pool_add = sh->cnt[C_POOL_ADD];
	nls.base_pool_remove = sh->cnt[C_POOL_REMOVE];
	nls.base_offline_ok = sh->cnt[C_OFFLINE_OK];
	nls.req_on = !pthread_create(&nls.req_th, NULL, nl_requester, NULL);
	if (!nls.req_on)
		fail("pthread_create: netlink requester");
	out("stress: netlink: family %u, events group %u, %u possible nodes",
	    nls.family, nls.events_grp, nls.possible);
}

/* Every buffer closed, every memory block online, the pool torn down. */
static void nl_stop(void)
{
	uint64_t lost, bound;

	if (!nls.on)
		return;
	nls.stop = 1;
	if (nls.req_on)
		join_or_report(nls.req_th, "netlink requester");
	if (nls.ev_on)
		join_or_report(nls.ev_th, "netlink listener");
	if (nls.subscribed != 1)
		return;
	lost = sh->cnt[C_NL_EV_LOST];
	/* a failed CREATE may have used an id (and spilled while populating) */
	bound = sh->max_id + sh->create_failed;
	check(nls.max_ev_buf_id <= bound, "an event named buffer id %" PRIu64
	      ", larger than any id created (%" PRIu64 ", %" PRIu64 " creates "
	      "failed)", nls.max_ev_buf_id, sh->max_id, sh->create_failed);
	if (lost) {
		out("stress: netlink: %" PRIu64 " ENOBUFS: event expectations "
		    "not checked", lost);
		return;
	}
	if (sh->cnt[C_POOL_REMOVE] > nls.base_pool_remove)
		check(sh->cnt[C_NL_EV_POOL_REMOVED] > 0, "%" PRIu64 " pool "
		      "REMOVEs succeeded, no POOL_REMOVED event",
		      sh->cnt[C_POOL_REMOVE] - nls.base_pool_remove);
	if (sh->cnt[C_POOL_ADD] > nls.base_pool_add)
		check(sh->cnt[C_NL_EV_POOL_ADDED] > 0, "%" PRIu64 " pool ADDs "
		      "succeeded, no POOL_ADDED event",
		      sh->cnt[C_POOL_ADD] - nls.base_pool_add);
	if (sh->cnt[C_OFFLINE_OK] > nls.base_offline_ok) {
		check(sh->cnt[C_NL_EV_OFFLINE] > 0, "%" PRIu64 " memory "
		      "offlines succeeded, no NODE_OFFLINE event",
		      sh->cnt[C_OFFLINE_OK] - nls.base_offline_ok);
		/* every block is online again: one was onlined since */
		check(sh->cnt[C_NL_EV_ONLINE] > 0, "memory went offline and "
		      "online again, no NODE_ONLINE event");
	}
}
