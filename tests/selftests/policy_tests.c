// SPDX-License-Identifier: GPL-2.0
/*
 * cxltier selftests: per-buffer placement policies.
 *
 *  policy.*      each placement mode on DRAM and CXL nodes: which node every
 *                page lands on, per BUF_STAT, /proc/self/pagemap and (for
 *                pinnable buffers) move_pages(2); contents survive.
 *  fallback.*    a home node that cannot give a unit: -ENOMEM / SIGBUS
 *                without CXLTIER_CREATE_FALLBACK, spilling along the list
 *                with it (and always in preferred mode), spilled_bytes.
 *
 * Where a page must be is computed from the header's definitions of the
 * modes (BIND: round-robin over the list by unit; INTERLEAVE: round-robin
 * by chunk; WEIGHTED: weight[i] chunks of node i per round; SPLIT:
 * contiguous ranges in list order, weight / sum of weights rounded to whole
 * units), never from the module (placement.h).
 */
#include "cxltier_test.h"
#include "fill.h"
#include "placement.h"

#include <poll.h>

/* ======================================================================== */
/* policy: the modes                                                        */

FIXTURE(policy) {
	struct ctx c;
	const struct cxltier_node_info *dram, *cxl, *cxl2;
};

FIXTURE_SETUP(policy)
{
	ctx_setup(&self->c, "policy", NULL);
	pick_dram_cxl(&self->c.topo, NK_DRAM, &self->dram, &self->cxl,
		      &self->cxl2);
}

FIXTURE_TEARDOWN(policy)
{
	ctx_teardown(&self->c);
}

#define NEED_DRAM_CXL(self) NEED_DRAM_CXL_KIND(self, NK_DRAM)
#define NEED_THIRD(self) do {						\
	if (!(self)->cxl2)						\
		SKIP_TOPO(return, "needs a second CXL node");		\
} while (0)

/*
 * Creates @q, maps it, fills it (touching pages in reverse order when
 * @reverse: placement follows the offset, not the order of touches), then
 * checks the layout the header defines for exact modes and the contents.
 */
#define check_exact_mode(q, reverse) \
	__check_exact_mode(_metadata, self->c.dev, q, reverse)
static void __check_exact_mode(struct __test_metadata *_metadata, int dev,
			       const struct preq *q, bool reverse)
{
	size_t np = preq_pages(q), i;
	int *want = preq_want(q);
	unsigned int k;
	char *p;
	int fd;

	ASSERT_NE(NULL, want);
	fd = preq_create(dev, q, NULL);
	ASSERT_OK(fd);
	p = map_buf(fd, np * pgsz, 0);
	ASSERT_NE(MAP_FAILED, p);
	for (i = 0; i < np; i++) {
		size_t pg = reverse ? np - 1 - i : i;

		fill_pages(p + pg * pgsz, pg, 1, 0x5eed + q->mode);
	}
	for (k = 0; k < q->n; k++)
		TH_LOG("node %u: %zu of %zu pages", q->node[k],
		       count_node(want, np, (int)q->node[k]), np);
	assert_layout(fd, p, np, want, q->flags & CXLTIER_CREATE_PINNABLE);
	EXPECT_EQ(0ULL, spilled(fd));
	EXPECT_EQ(-1, check_pages(p, 0, np, 0x5eed + q->mode));
	munmap(p, np * pgsz);
	close(fd);
	free(want);
}

/*
 * BIND over {DRAM, CXL}: round-robin by unit.  37 pages: units 0, 2, ..36
 * (19) on the first node, 1, 3, ..35 (18) on the second.
 */
TEST_F(policy, bind_round_robin)
{
	struct preq q = { .mode = CXLTIER_MODE_BIND, .n = 2 };
	int *want;

	NEED_DRAM_CXL(self);
	q.node[0] = self->dram->node;
	q.node[1] = self->cxl->node;
	q.length = 37 * pgsz;
	/* the header's definition, spelt out */
	want = preq_want(&q);
	ASSERT_NE(NULL, want);
	ASSERT_EQ(19U, count_node(want, 37, (int)q.node[0]));
	ASSERT_EQ(18U, count_node(want, 37, (int)q.node[1]));
	ASSERT_EQ((int)q.node[1], want[35]);
	free(want);
	check_exact_mode(&q, false);
}

/*
 * Exact modes over the fixture's nodes, each checked by check_exact_mode():
 * the node of every page by the header's definition, the contents.
 */
enum { ROLE_DRAM, ROLE_CXL, ROLE_CXL2 };
static const struct exact_case {
	const char *name;
	uint32_t mode;
	unsigned int n;
	int node[3];		/* ROLE_DRAM, ROLE_CXL or ROLE_CXL2 */
	int chunk;		/* chunk_shift - page shift, -1: chunk_shift 0 */
	size_t pages, extra;	/* length: pages * page size + extra bytes */
	bool reverse;		/* touch the pages last to first */
} exact_cases[] = {
	/* the list order decides: BIND over {CXL, DRAM, CXL2}, pages touched
	 * last to first: page 0 is still on the first listed node; 11 units:
	 * 4, 4, 3 */
	{ "bind_list_order", CXLTIER_MODE_BIND, 3,
	  { ROLE_CXL, ROLE_DRAM, ROLE_CXL2 }, -1, 10, 1, true },
	/* PREFERRED {CXL, DRAM} with room on CXL: every page on CXL, none
	 * spilled */
	{ "preferred_first_node", CXLTIER_MODE_PREFERRED, 2,
	  { ROLE_CXL, ROLE_DRAM }, -1, 64, 0, false },
	/* INTERLEAVE by page (chunk_shift 0): 33 pages alternate, 17 and 16 */
	{ "interleave_page", CXLTIER_MODE_INTERLEAVE, 2,
	  { ROLE_DRAM, ROLE_CXL }, -1, 33, 0, false },
	/* chunk_shift == the page size is the same as 0: one page per chunk */
	{ "interleave_chunk_of_one_page", CXLTIER_MODE_INTERLEAVE, 2,
	  { ROLE_CXL, ROLE_DRAM }, 0, 20, 0, true },
};

TEST_F(policy, exact_modes)
{
	const struct cxltier_node_info *node[3];
	struct preq q;
	size_t i;
	unsigned int k;

	NEED_DRAM_CXL(self);
	node[ROLE_DRAM] = self->dram;
	node[ROLE_CXL] = self->cxl;
	node[ROLE_CXL2] = self->cxl2;
	for (i = 0; i < ARRAY_SIZE(exact_cases); i++) {
		const struct exact_case *ec = &exact_cases[i];

		TH_LOG("case %s", ec->name);
		if (!CASE_MODE(&self->c.topo, ec->mode))
			continue;
		memset(&q, 0, sizeof(q));
		q.mode = ec->mode;
		q.n = ec->n;
		for (k = 0; k < ec->n; k++) {
			if (!node[ec->node[k]])
				break;
			q.node[k] = node[ec->node[k]]->node;
		}
		if (k < ec->n) {
			TH_LOG("case %s: needs a second CXL node", ec->name);
			EXPECT_FALSE(strict_topology());
			continue;
		}
		q.chunk_shift = ec->chunk < 0 ? 0 : pgshift + ec->chunk;
		q.length = ec->pages * pgsz + ec->extra;
		check_exact_mode(&q, ec->reverse);
	}
}

/*
 * INTERLEAVE by 64 KiB chunks over three nodes, 5 chunks and 3 pages:
 * chunks 0 and 3 on the first node, 1 and 4 on the second, 2 and the
 * partial chunk 5 on the third.
 */
TEST_F(policy, interleave_chunk)
{
	struct preq q = { .mode = CXLTIER_MODE_INTERLEAVE, .n = 3 };
	const uint64_t cp = (64 * KiB) / pgsz;
	int *want;

	NEED_DRAM_CXL(self);
	NEED_THIRD(self);
	NEED_MODE(&self->c.topo, CXLTIER_MODE_INTERLEAVE);
	q.node[0] = self->dram->node;
	q.node[1] = self->cxl->node;
	q.node[2] = self->cxl2->node;
	q.chunk_shift = 16;
	q.length = (5 * cp + 3) * pgsz;
	want = preq_want(&q);
	ASSERT_NE(NULL, want);
	ASSERT_EQ(2 * cp, count_node(want, 5 * cp + 3, (int)q.node[0]));
	ASSERT_EQ(2 * cp, count_node(want, 5 * cp + 3, (int)q.node[1]));
	ASSERT_EQ(cp + 3, count_node(want, 5 * cp + 3, (int)q.node[2]));
	ASSERT_EQ((int)q.node[1], want[4 * cp]);
	ASSERT_EQ((int)q.node[2], want[5 * cp + 2]);
	free(want);
	check_exact_mode(&q, false);
}

/*
 * Two WEIGHTED buffers in one process, 3:1 (by page) and 1:3 (by 16 KiB
 * chunk), touched alternately, each a whole number of rounds: 3/4 and 1/4
 * of each on the nodes its weights say.
 */
TEST_F(policy, weighted_3_1_and_1_3)
{
	struct preq a = { .mode = CXLTIER_MODE_WEIGHTED, .n = 2 };
	struct preq b;
	size_t npa, npb, i;
	char *pa, *pb;
	int fa, fb;

	NEED_DRAM_CXL(self);
	NEED_MODE(&self->c.topo, CXLTIER_MODE_WEIGHTED);
	a.node[0] = self->dram->node;
	a.node[1] = self->cxl->node;
	b = a;
	a.weight[0] = 3;
	a.weight[1] = 1;
	a.length = 64 * 4 * pgsz;		/* 64 rounds of 4 pages */
	b.weight[0] = 1;
	b.weight[1] = 3;
	b.chunk_shift = pgshift + 2;		/* 4 pages per chunk */
	b.length = 16 * 4 * 4 * pgsz;		/* 16 rounds of 4 chunks */
	npa = preq_pages(&a);
	npb = preq_pages(&b);
	fa = preq_create(self->c.dev, &a, NULL);
	ASSERT_OK(fa);
	fb = preq_create(self->c.dev, &b, NULL);
	ASSERT_OK(fb);
	pa = map_buf(fa, npa * pgsz, 0);
	ASSERT_NE(MAP_FAILED, pa);
	pb = map_buf(fb, npb * pgsz, 0);
	ASSERT_NE(MAP_FAILED, pb);
	for (i = 0; i < npa || i < npb; i++) {
		if (i < npa)
			fill_pages(pa + i * pgsz, i, 1, 0xa);
		if (i < npb)
			fill_pages(pb + i * pgsz, i, 1, 0xb);
	}
	check_weighted(fa, pa, &a);
	check_weighted(fb, pb, &b);
	/* the exact counts, from the weights */
	{
		int *g = calloc(npa, sizeof(*g));

		ASSERT_NE(NULL, g);
		ASSERT_EQ((long)npa, page_nodes(pa, npa, g, NULL));
		EXPECT_EQ(npa * 3 / 4, count_node(g, npa, (int)a.node[0]));
		EXPECT_EQ(npa / 4, count_node(g, npa, (int)a.node[1]));
		free(g);
		g = calloc(npb, sizeof(*g));
		ASSERT_NE(NULL, g);
		ASSERT_EQ((long)npb, page_nodes(pb, npb, g, NULL));
		EXPECT_EQ(npb / 4, count_node(g, npb, (int)b.node[0]));
		EXPECT_EQ(npb * 3 / 4, count_node(g, npb, (int)b.node[1]));
		free(g);
	}
	EXPECT_EQ(0ULL, spilled(fa));
	EXPECT_EQ(0ULL, spilled(fb));
	EXPECT_EQ(-1, check_pages(pa, 0, npa, 0xa));
	EXPECT_EQ(-1, check_pages(pb, 0, npb, 0xb));
	munmap(pa, npa * pgsz);
	munmap(pb, npb * pgsz);
	close(fa);
	close(fb);
}

/* SPLIT 30%/70% of 1000 pages: pages 0-299 on DRAM, 300-999 on CXL. */
TEST_F(policy, split_30_70)
{
	struct preq q = { .mode = CXLTIER_MODE_SPLIT, .n = 2,
			  .weight = { 30, 70 } };

	NEED_DRAM_CXL(self);
	NEED_MODE(&self->c.topo, CXLTIER_MODE_SPLIT);
	q.node[0] = self->dram->node;
	q.node[1] = self->cxl->node;
	q.length = 1000 * pgsz;
	run_split(&q);
}

/* SPLIT 1:2 of 1000 pages (not a multiple of 3): 333 or 334 on the first. */
TEST_F(policy, split_uneven)
{
	struct preq q = { .mode = CXLTIER_MODE_SPLIT, .n = 2,
			  .weight = { 1, 2 } };

	NEED_DRAM_CXL(self);
	NEED_MODE(&self->c.topo, CXLTIER_MODE_SPLIT);
	q.node[0] = self->dram->node;
	q.node[1] = self->cxl->node;
	q.length = 1000 * pgsz - 5;	/* rounds up to 1000 pages */
	run_split(&q);
}

/* SPLIT in thirds over three nodes, CXL first: 100 pages, 33.3 each. */
TEST_F(policy, split_three_nodes)
{
	struct preq q = { .mode = CXLTIER_MODE_SPLIT, .n = 3,
			  .weight = { 1, 1, 1 } };

	NEED_DRAM_CXL(self);
	NEED_THIRD(self);
	NEED_MODE(&self->c.topo, CXLTIER_MODE_SPLIT);
	q.node[0] = self->cxl->node;
	q.node[1] = self->dram->node;
	q.node[2] = self->cxl2->node;
	q.length = 100 * pgsz;
	run_split(&q);
}

/*
 * Weights near CXLTIER_MAX_WEIGHT: units * weight is far past 2^32 and the
 * shares still come out exact (8192 pages: 4096, 1024, 3072).
 */
TEST_F(policy, split_large_weights)
{
	struct preq q = { .mode = CXLTIER_MODE_SPLIT, .n = 3,
			  .weight = { CXLTIER_MAX_WEIGHT,
				      CXLTIER_MAX_WEIGHT / 4,
				      CXLTIER_MAX_WEIGHT / 4 * 3 } };

	NEED_DRAM_CXL(self);
	NEED_THIRD(self);
	NEED_MODE(&self->c.topo, CXLTIER_MODE_SPLIT);
	q.node[0] = self->dram->node;
	q.node[1] = self->cxl->node;
	q.node[2] = self->cxl2->node;
	q.length = 8192 * pgsz;
	run_split(&q);
}

/* BUF_STAT reports each mode's request as created. */
TEST_F(policy, stat_reports_policy)
{
	static const struct {
		uint32_t mode, chunk_shift, w0, w1;
	} m[] = {
		{ CXLTIER_MODE_BIND, 0, 0, 0 },
		{ CXLTIER_MODE_PREFERRED, 0, 0, 0 },
		{ CXLTIER_MODE_INTERLEAVE, 0, 0, 0 },
		{ CXLTIER_MODE_INTERLEAVE, 20, 0, 0 },
		{ CXLTIER_MODE_WEIGHTED, 16, 5, 7 },
		{ CXLTIER_MODE_SPLIT, 0, 2, 9 },
	};
	unsigned int i;

	NEED_DRAM_CXL(self);
	for (i = 0; i < ARRAY_SIZE(m); i++) {
		struct preq q = { .mode = m[i].mode, .n = 2,
				  .chunk_shift = m[i].chunk_shift,
				  .weight = { m[i].w0, m[i].w1 },
				  .length = 3 * MiB + 5 };
		struct cxltier_create c;
		struct bstat b;
		int fd;

		if (!(self->c.topo.info.supported_modes & (1ULL << m[i].mode)))
			continue;
		q.node[0] = self->cxl->node;
		q.node[1] = self->dram->node;
		fd = preq_create(self->c.dev, &q, &c);
		ASSERT_OK(fd);
		ASSERT_OK(buf_stat(fd, &b));
		EXPECT_EQ(c.out_id, b.st.id);
		EXPECT_EQ(3 * MiB + 5, b.st.length);
		EXPECT_EQ(m[i].mode, b.st.mode);
		EXPECT_EQ(m[i].chunk_shift, b.st.chunk_shift);
		EXPECT_EQ(pgshift, b.st.page_shift);
		EXPECT_EQ(0U, b.st.create_flags);
		EXPECT_EQ(2U, b.st.nr_policy_nodes);
		EXPECT_EQ(q.node[0], b.pol[0].node);
		EXPECT_EQ(m[i].w0, b.pol[0].weight);
		EXPECT_EQ(q.node[1], b.pol[1].node);
		EXPECT_EQ(m[i].w1, b.pol[1].weight);
		EXPECT_EQ(0U, b.pol[1].flags);
		EXPECT_EQ(0U, b.pol[1].__reserved);
		EXPECT_EQ(0ULL, b.st.resident_bytes);
		EXPECT_EQ(0ULL, b.st.spilled_bytes);
		EXPECT_EQ(0U, b.st.__reserved2);
		close(fd);
	}
}

/* ======================================================================== */
/* fallback: a home node that cannot give a unit                            */

FIXTURE(fallback) {
	struct ctx c;
	const struct cxltier_node_info *x;	/* CXL, to be filled */
	const struct cxltier_node_info *y;	/* DRAM with room */
	struct filler f;
};

FIXTURE_SETUP(fallback)
{
	filler_init(&self->f);
	ctx_setup(&self->c, "fallback", NULL);
	self->x = topo_pick(&self->c.topo, NK_MOVABLE, 256 * MiB);
	self->y = topo_pick(&self->c.topo, NK_DRAM, 512 * MiB);
	if (self->x && self->y) {
		ASSERT_LE(0, pin_cpu());
	}
}

FIXTURE_TEARDOWN(fallback)
{
	filler_release(&self->f);
	ctx_teardown(&self->c);
}

#define NEED_XY(self) do {						\
	if (!(self)->x || !(self)->y)					\
		SKIP_TOPO(return, "needs a movable-only node and a "	\
			  "DRAM node with 512 MiB free");		\
} while (0)

/*
 * POPULATE of more than the node has free, without FALLBACK: -ENOMEM, no
 * fd, and every page it took is back on the node.
 */
TEST_F_TIMEOUT(fallback, populate_enomem_leaves_nothing, 300)
{
	struct preq q = { .mode = CXLTIER_MODE_BIND, .n = 1,
			  .flags = CXLTIER_CREATE_POPULATE };
	int lowest = lowest_free_fd(), nfds = count_open_fds();
	struct node_free base;
	struct zstat z;

	NEED_XY(self);
	NEED_FLAG(&self->c.topo, CXLTIER_CREATE_POPULATE);
	q.node[0] = self->x->node;
	q.length = self->x->total_bytes & ~(uint64_t)(pgsz - 1);
	settle_memory();
	ASSERT_EQ(0, read_node_free(self->c.dev, self->x->node, &base));
	ASSERT_EQ(0, node_zstat((int)self->x->node, &z));
	/* more than the node can give: all it has above its min watermark */
	ASSERT_GT(q.length + (uint64_t)z.min * pgsz, (uint64_t)base.sys);
	EXPECT_ERRNO(ENOMEM, preq_create(self->c.dev, &q, NULL),
		     " (%llu MiB on node %u, %lld MiB free)",
		     (unsigned long long)q.length / MiB, self->x->node,
		     base.sys / (long long)MiB);
	EXPECT_EQ(lowest, lowest_free_fd());
	EXPECT_EQ(nfds, count_open_fds());
	ASSERT_TRUE(wait_free_back(self->c.dev, self->x->node, &base,
				   LEAK_SLACK));
}

/*
 * ASSERTs, for the buffer @fd mapped whole at @p, that every page is on a
 * listed node and that spilled_bytes is exactly the bytes not on their
 * home (per the exact modes' definition); returns the spilled pages.
 */
#define check_spill(fd, p, q) __check_spill(_metadata, fd, p, q)
static size_t __check_spill(struct __test_metadata *_metadata, int fd,
			    void *p, const struct preq *q)
{
	size_t np = preq_pages(q), i, away = 0, out = 0;
	int *got = calloc(np, sizeof(*got));
	unsigned int k;

	ASSERT_NE(NULL, got);
	ASSERT_EQ((long)np, page_nodes(p, np, got, NULL));
	for (i = 0; i < np; i++) {
		bool listed = false;

		for (k = 0; k < q->n; k++)
			listed |= got[i] == (int)q->node[k];
		if (!listed && !out++)
			TH_LOG("page %zu on node %d, not a listed node", i,
			       got[i]);
		away += got[i] != (int)q->node[preq_home(q, i)];
	}
	EXPECT_EQ(0U, out);
	for (k = 0; k < q->n; k++)
		TH_LOG("node %u: %zu pages", q->node[k],
		       count_node(got, np, (int)q->node[k]));
	TH_LOG("%zu of %zu pages away from their home; spilled_bytes %llu",
	       away, np, (unsigned long long)spilled(fd));
	EXPECT_EQ(away * pgsz, spilled(fd));
	/* and BUF_STAT's per-node bytes agree with pagemap */
	assert_layout(fd, p, np, got, q->flags & CXLTIER_CREATE_PINNABLE);
	free(got);
	return away;
}

/*
 * BIND over {CXL, DRAM} with FALLBACK|POPULATE, the CXL node having less
 * free than its half: the create succeeds, the rest spills to DRAM.
 */
TEST_F_TIMEOUT(fallback, populate_bind_spills, 300)
{
	struct preq q = { .mode = CXLTIER_MODE_BIND, .n = 2,
			  .flags = CXLTIER_CREATE_POPULATE |
				   CXLTIER_CREATE_FALLBACK,
			  .length = 192 * MiB };
	size_t np = preq_pages(&q);
	char *p;
	int fd;

	NEED_XY(self);
	NEED_FLAG(&self->c.topo, CXLTIER_CREATE_FALLBACK);
	NEED_FLAG(&self->c.topo, CXLTIER_CREATE_POPULATE);
	q.node[0] = self->x->node;
	q.node[1] = self->y->node;
	ASSERT_EQ(0, fill_node(self->c.dev, self->x, 32 * MiB, false,
			       &self->f));
	fd = preq_create(self->c.dev, &q, NULL);
	ASSERT_OK(fd);
	p = map_buf(fd, np * pgsz, 0);
	ASSERT_NE(MAP_FAILED, p);
	EXPECT_EQ(-1, check_zero(p, np));
	EXPECT_LT(0U, check_spill(fd, p, &q));
	munmap(p, np * pgsz);
	close(fd);
}

/*
 * PREFERRED {CXL, DRAM} with POPULATE (no FALLBACK flag: preferred always
 * falls back) on a nearly full CXL node: what does not fit is on DRAM and
 * counted as spilled.
 */
TEST_F_TIMEOUT(fallback, populate_preferred_spills, 300)
{
	struct preq q = { .mode = CXLTIER_MODE_PREFERRED, .n = 2,
			  .flags = CXLTIER_CREATE_POPULATE,
			  .length = 128 * MiB };
	size_t np = preq_pages(&q), away;
	char *p;
	int fd;

	NEED_XY(self);
	NEED_MODE(&self->c.topo, CXLTIER_MODE_PREFERRED);
	NEED_FLAG(&self->c.topo, CXLTIER_CREATE_POPULATE);
	q.node[0] = self->x->node;
	q.node[1] = self->y->node;
	ASSERT_EQ(0, fill_node(self->c.dev, self->x, 32 * MiB, false,
			       &self->f));
	fd = preq_create(self->c.dev, &q, NULL);
	ASSERT_OK(fd);
	p = map_buf(fd, np * pgsz, 0);
	ASSERT_NE(MAP_FAILED, p);
	EXPECT_EQ(-1, check_zero(p, np));
	away = check_spill(fd, p, &q);
	EXPECT_LT(0U, away);
	EXPECT_GT(np, away);	/* the CXL node gave what it had */
	munmap(p, np * pgsz);
	close(fd);
}

/*
 * BIND over {CXL, DRAM} without FALLBACK, the CXL node full: touching a
 * page whose home is CXL is SIGBUS (not the OOM killer), pages whose home
 * is DRAM work, and nothing is spilled.
 */
TEST_F_TIMEOUT(fallback, fault_sigbus_without_fallback, 300)
{
	struct preq q = { .mode = CXLTIER_MODE_BIND, .n = 2,
			  .length = 8 * pgsz };
	void *addr;
	char *p;
	int fd, i;
	int *got = calloc(8, sizeof(*got));

	NEED_XY(self);
	ASSERT_NE(NULL, got);
	q.node[0] = self->x->node;
	q.node[1] = self->y->node;
	ASSERT_EQ(0, fill_node(self->c.dev, self->x, 0, true, &self->f));
	fd = preq_create(self->c.dev, &q, NULL);
	ASSERT_OK(fd);
	p = map_buf(fd, 8 * pgsz, 0);
	ASSERT_NE(MAP_FAILED, p);
	for (i = 7; i >= 0; i--) {
		addr = NULL;
		if (i % 2) {
			EXPECT_EQ(0, probe(p + i * pgsz, true, NULL));
		} else {
			EXPECT_EQ(SIGBUS, probe(p + i * pgsz + 8, i & 2,
						&addr));
			EXPECT_EQ((void *)(p + i * pgsz + 8), addr);
		}
	}
	ASSERT_EQ(4, page_nodes(p, 8, got, NULL));
	for (i = 0; i < 8; i++) {
		EXPECT_EQ(i % 2 ? (int)self->y->node : -1, got[i]);
	}
	assert_stat_matches(fd, got, 8);
	EXPECT_EQ(0ULL, spilled(fd));
	munmap(p, 8 * pgsz);
	close(fd);
	free(got);
}

/*
 * The same with FALLBACK: every touch works, pages whose home is the full
 * CXL node are on DRAM, counted as spilled.
 */
TEST_F_TIMEOUT(fallback, fault_fallback_spills, 300)
{
	struct preq q = { .mode = CXLTIER_MODE_BIND, .n = 2,
			  .flags = CXLTIER_CREATE_FALLBACK,
			  .length = 64 * pgsz };
	size_t np = 64;
	char *p;
	int fd;

	NEED_XY(self);
	NEED_FLAG(&self->c.topo, CXLTIER_CREATE_FALLBACK);
	q.node[0] = self->x->node;
	q.node[1] = self->y->node;
	ASSERT_EQ(0, fill_node(self->c.dev, self->x, 0, true, &self->f));
	fd = preq_map_filled(&q, np, 0xfb, &p);
	EXPECT_LT(0U, check_spill(fd, p, &q));
	EXPECT_EQ(-1, check_pages(p, 0, np, 0xfb));
	munmap(p, np * pgsz);
	close(fd);
}

/* PREFERRED on a full CXL node, no flags: first touches land on DRAM. */
TEST_F_TIMEOUT(fallback, fault_preferred_falls_back, 300)
{
	struct preq q = { .mode = CXLTIER_MODE_PREFERRED, .n = 2,
			  .length = 64 * pgsz };
	size_t np = 64;
	char *p;
	int fd;

	NEED_XY(self);
	NEED_MODE(&self->c.topo, CXLTIER_MODE_PREFERRED);
	q.node[0] = self->x->node;
	q.node[1] = self->y->node;
	ASSERT_EQ(0, fill_node(self->c.dev, self->x, 0, true, &self->f));
	fd = preq_map_filled(&q, np, 0xfc, &p);
	EXPECT_LT(0U, check_spill(fd, p, &q));
	EXPECT_EQ(-1, check_pages(p, 0, np, 0xfc));
	munmap(p, np * pgsz);
	close(fd);
}

/*
 * FALLBACK tries the other listed nodes in list order: BIND over {Z, X, D}
 * with X full puts the units whose home is X on Z, the first other node in
 * the list (not D, the next after X).
 */
TEST_F_TIMEOUT(fallback, fault_fallback_list_order, 300)
{
	struct preq q = { .mode = CXLTIER_MODE_BIND, .n = 3,
			  .flags = CXLTIER_CREATE_FALLBACK,
			  .length = 30 * pgsz };
	const struct cxltier_node_info *z;
	size_t np = 30, i;
	int *want;
	char *p;
	int fd;

	NEED_XY(self);
	NEED_FLAG(&self->c.topo, CXLTIER_CREATE_FALLBACK);
	z = topo_pick_not(&self->c.topo, NK_ANY, 256 * MiB,
			  (int)self->x->node, (int)self->y->node);
	if (!z)
		SKIP_TOPO(return, "needs a third node with memory");
	q.node[0] = z->node;
	q.node[1] = self->x->node;
	q.node[2] = self->y->node;
	ASSERT_EQ(0, fill_node(self->c.dev, self->x, 0, true, &self->f));
	fd = preq_map_filled(&q, np, 0xfd, &p);
	want = preq_want(&q);
	ASSERT_NE(NULL, want);
	for (i = 0; i < np; i++)
		if (want[i] == (int)self->x->node)
			want[i] = (int)z->node;
	assert_layout(fd, p, np, want, false);
	EXPECT_EQ(np / 3 * pgsz, spilled(fd));
	EXPECT_EQ(-1, check_pages(p, 0, np, 0xfd));
	free(want);
	munmap(p, np * pgsz);
	close(fd);
}

/* PREFERRED {X, Z, D} with X full: the next in the list, Z, gets it all. */
TEST_F_TIMEOUT(fallback, fault_preferred_list_order, 300)
{
	struct preq q = { .mode = CXLTIER_MODE_PREFERRED, .n = 3,
			  .length = 32 * pgsz };
	const struct cxltier_node_info *z;
	size_t np = 32, i;
	int want[32];
	char *p;
	int fd;

	NEED_XY(self);
	NEED_MODE(&self->c.topo, CXLTIER_MODE_PREFERRED);
	z = topo_pick_not(&self->c.topo, NK_ANY, 256 * MiB,
			  (int)self->x->node, (int)self->y->node);
	if (!z)
		SKIP_TOPO(return, "needs a third node with memory");
	q.node[0] = self->x->node;
	q.node[1] = z->node;
	q.node[2] = self->y->node;
	ASSERT_EQ(0, fill_node(self->c.dev, self->x, 0, true, &self->f));
	fd = preq_map_filled(&q, np, 0xfe, &p);
	for (i = 0; i < np; i++)
		want[i] = (int)z->node;
	assert_layout(fd, p, np, want, false);
	EXPECT_EQ(np * pgsz, spilled(fd));
	EXPECT_EQ(-1, check_pages(p, 0, np, 0xfe));
	munmap(p, np * pgsz);
	close(fd);
}
