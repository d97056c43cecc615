// SPDX-License-Identifier: GPL-2.0
/*
 * cxltier selftests: CXLTIER_IOC_MIGRATE, an explicit move of a live buffer
 * to a new policy, checked with the placement helpers (placement.h).  (The
 * kernel moving pages, by compaction and memory offline: kernel_move_tests.c.)
 *
 *  mig.*        every mode as the target, with exact per-node counts (by
 *               pagemap and BUF_STAT) and the moved count checked against
 *               the pages whose node pagemap saw change; 2 MiB units move
 *               whole and contiguous; untouched units follow the new
 *               policy; no write lost under writer threads and a forked
 *               reader; the rate limit and interrupts; async completion,
 *               poll() and EBUSY; close during an async migration; memory
 *               offline racing a migration.
 *  mig_pin.*    long-term pinned pages of a pinnable buffer are skipped,
 *               counted and stay at their PFNs; the rest moves.
 *  mig_inval.*  hostile input: one bad field per subtest, a precise errno,
 *               the buffer unchanged.
 */
#include "cxltier_test.h"
#include "placement.h"
#include <pthread.h>
#include <sys/syscall.h>
#include <sys/time.h>

/*
 * @from's buffer (length, page size, flags) under a new policy: @mode over
 * {@n0 weight @w0, @n1 weight @w1}.
 */
static struct preq repolicy2(const struct preq *from, uint32_t mode,
			     unsigned int n0, uint32_t w0, unsigned int n1,
			     uint32_t w1)
{
	struct preq q = *from;

	q.mode = mode;
	q.n = 2;
	q.node[0] = n0;
	q.weight[0] = w0;
	q.node[1] = n1;
	q.weight[1] = w1;
	return q;
}

/* The outputs agree with each other: bytes = pages * page size. */
#define check_mig_out(m) __check_mig_out(_metadata, m)
static void __check_mig_out(struct __test_metadata *_metadata,
			    const struct cxltier_migrate *m)
{
	EXPECT_EQ(m->out_moved_pages * pgsz, m->out_moved_bytes);
	EXPECT_EQ(m->out_skipped_pages * pgsz, m->out_skipped_bytes);
	EXPECT_EQ(m->out_failed_pages * pgsz, m->out_failed_bytes);
}

/* Pages whose node differs between two pagemap snapshots. */
static size_t nodes_changed(const int *a, const int *b, size_t np)
{
	size_t i, n = 0;

	for (i = 0; i < np; i++)
		n += a[i] != b[i];
	return n;
}

/* ======================================================================== */
/* mig                                                                      */

FIXTURE(mig) {
	struct ctx c;
	const struct cxltier_node_info *dram, *cxl, *cxl2;
};

FIXTURE_SETUP(mig)
{
	ctx_setup(&self->c, "mig", NULL);
	pick_dram_cxl(&self->c.topo, NK_DRAM_CPU, &self->dram, &self->cxl,
		      &self->cxl2);
}

FIXTURE_TEARDOWN(mig)
{
	ctx_teardown(&self->c);
}

#define NEED_MIG(self) NEED_DRAM_CXL_KIND(self, NK_DRAM_CPU)

/*
 * Creates @from, fills it, migrates it to @to, and checks: the layout
 * @to defines (exact modes by the header's formula, WEIGHTED by rounds,
 * SPLIT by ranges), BUF_STAT per node and its policy, the moved count
 * against pagemap, nothing skipped or failed, spilled 0, every word.
 */
#define run_mig(from, to) __run_mig(_metadata, self->c.dev, from, to)
static void __run_mig(struct __test_metadata *_metadata, int dev,
		      const struct preq *from, const struct preq *to)
{
	size_t np = preq_pages(from), i;
	int *before = calloc(np, sizeof(int)), *after = calloc(np, sizeof(int));
	struct cxltier_migrate m;
	struct bstat b;
	char *p;
	int fd;

	ASSERT_NE(NULL, before);
	ASSERT_NE(NULL, after);
	fd = preq_create(dev, from, NULL);
	ASSERT_OK(fd);
	p = map_buf(fd, np * pgsz, 0);
	ASSERT_NE(MAP_FAILED, p);
	fill_pages(p, 0, np, 0x3160 + to->mode);
	ASSERT_EQ((long)np, page_nodes(p, np, before, NULL));

	ASSERT_OK(mig_ex(fd, to, 0, 0, &m));
	check_mig_out(&m);
	/* the pages are not mapped after a move: touch them to see them */
	EXPECT_EQ(-1, check_pages(p, 0, np, 0x3160 + to->mode));
	ASSERT_EQ((long)np, page_nodes(p, np, after, NULL));
	TH_LOG("moved %llu, skipped %llu, failed %llu pages in %.3f ms",
	       (unsigned long long)m.out_moved_pages,
	       (unsigned long long)m.out_skipped_pages,
	       (unsigned long long)m.out_failed_pages,
	       m.out_elapsed_ns / 1e6);
	EXPECT_EQ(nodes_changed(before, after, np), m.out_moved_pages);
	EXPECT_EQ(0ULL, m.out_skipped_pages);
	EXPECT_EQ(0ULL, m.out_failed_pages);

	if (to->mode == CXLTIER_MODE_WEIGHTED) {
		check_weighted(fd, p, to);
	} else if (to->mode == CXLTIER_MODE_SPLIT) {
		check_split(fd, p, to);
	} else {
		int *want = preq_want(to);

		ASSERT_NE(NULL, want);
		assert_layout(fd, p, np, want,
			      from->flags & CXLTIER_CREATE_PINNABLE);
		free(want);
	}
	EXPECT_EQ(0ULL, spilled(fd));

	/* BUF_STAT: the new policy, and the migration's record */
	ASSERT_OK(buf_stat(fd, &b));
	EXPECT_EQ(to->mode, b.st.mode);
	EXPECT_EQ(to->n, b.st.nr_policy_nodes);
	for (i = 0; i < to->n; i++) {
		EXPECT_EQ(to->node[i], b.pol[i].node);
		EXPECT_EQ(to->weight[i], b.pol[i].weight);
	}
	EXPECT_EQ(from->flags, b.st.create_flags);
	EXPECT_EQ(CXLTIER_MIGRATE_STATE_DONE, b.st.migrate_state);
	EXPECT_EQ(0, b.st.migrate_error);
	EXPECT_EQ(1ULL, b.st.migrate_seq);
	EXPECT_EQ(m.out_moved_bytes, b.st.migrate_moved_bytes);
	EXPECT_EQ(0ULL, b.st.migrate_skipped_bytes);
	EXPECT_EQ(0ULL, b.st.migrate_failed_bytes);
	EXPECT_EQ(-1, check_pages(p, 0, np, 0x3160 + to->mode));
	/* and the moved pages still take writes */
	fill_pages(p, 0, np, 0x3170);
	EXPECT_EQ(-1, check_pages(p, 0, np, 0x3170));
	munmap(p, np * pgsz);
	close(fd);
	free(before);
	free(after);
}

/*
 * A buffer bound to one node migrated to each mode, checked by run_mig().
 * Nodes are the fixture's: on_cxl for its CXL node, else its DRAM node.
 */
static const struct mig_case {
	const char *name;
	bool from_cxl;		/* the buffer starts on the CXL node */
	size_t pages;
	uint32_t mode;		/* the target policy */
	unsigned int n;
	bool to_cxl[2];		/* the target nodes */
	uint32_t weight[2];
	unsigned int chunk;	/* log2 of the pages per chunk, 0: chunk_shift 0 */
} mig_cases[] = {
	/* BIND on CXL -> BIND on DRAM: every page moves */
	{ "bind", true, 1000, CXLTIER_MODE_BIND, 1, { false }, { 0 }, 0 },
	/* BIND on DRAM -> BIND {CXL, DRAM}: round-robin, half the pages move */
	{ "bind_two", false, 999, CXLTIER_MODE_BIND, 2, { true, false },
	  { 0, 0 }, 0 },
	/* BIND on DRAM -> PREFERRED {CXL, DRAM}: all on CXL */
	{ "preferred", false, 777, CXLTIER_MODE_PREFERRED, 2, { true, false },
	  { 0, 0 }, 0 },
	/* BIND on CXL -> INTERLEAVE {DRAM, CXL} by 16-page chunks */
	{ "interleave", true, 1024, CXLTIER_MODE_INTERLEAVE, 2,
	  { false, true }, { 0, 0 }, 4 },
	/* BIND on DRAM -> WEIGHTED {DRAM 1, CXL 3}: 1/4 stays, 3/4 moves */
	{ "weighted", false, 256 * 4, CXLTIER_MODE_WEIGHTED, 2,
	  { false, true }, { 1, 3 }, 0 },
};

TEST_F_TIMEOUT(mig, to_each_mode, 300)
{
	const struct cxltier_node_info *node[2];
	struct preq from, to;
	size_t i;
	unsigned int k;

	NEED_MIG(self);
	node[0] = self->dram;
	node[1] = self->cxl;
	for (i = 0; i < ARRAY_SIZE(mig_cases); i++) {
		const struct mig_case *mc = &mig_cases[i];

		TH_LOG("case %s", mc->name);
		if (!CASE_MODE(&self->c.topo, mc->mode))
			continue;
		from = bind1(node[mc->from_cxl]->node, mc->pages * pgsz, 0);
		to = from;
		to.mode = mc->mode;
		to.n = mc->n;
		for (k = 0; k < mc->n; k++) {
			to.node[k] = node[mc->to_cxl[k]]->node;
			to.weight[k] = mc->weight[k];
		}
		to.chunk_shift = mc->chunk ? pgshift + mc->chunk : 0;
		run_mig(&from, &to);
	}
}

/*
 * BIND on CXL node -> SPLIT {DRAM 25%, CXL 75%}: the first quarter moves,
 * exactly.
 */
TEST_F(mig, to_split_25_75)
{
	struct preq from, to;
	struct bstat b;
	unsigned int i;
	int fd;

	NEED_MIG(self);
	NEED_MODE(&self->c.topo, CXLTIER_MODE_SPLIT);
	from = bind1(self->cxl->node, 1000 * pgsz, 0);
	to = repolicy2(&from, CXLTIER_MODE_SPLIT, self->dram->node, 25,
			self->cxl->node, 75);
	run_mig(&from, &to);

	/* the exact figures, by BUF_STAT alone, on a fresh buffer */
	fd = preq_create(self->c.dev, &from, NULL);
	ASSERT_OK(fd);
	{
		char *p = map_buf(fd, 1000 * pgsz, 0);

		ASSERT_NE(MAP_FAILED, p);
		fill_pages(p, 0, 1000, 1);
		ASSERT_OK(mig_ex(fd, &to, 0, 0, NULL));
		ASSERT_OK(buf_stat(fd, &b));
		ASSERT_EQ(2U, b.st.nr_resident);
		for (i = 0; i < 2; i++) {
			uint64_t want = (b.res[i].node == self->dram->node ?
					 250 : 750) * pgsz;

			EXPECT_EQ(want, b.res[i].bytes);
		}
		EXPECT_EQ(250 * pgsz, b.st.migrate_moved_bytes);
		EXPECT_EQ(-1, check_pages(p, 0, 1000, 1));
		munmap(p, 1000 * pgsz);
	}
	close(fd);
}

/* Back and forth: a second MIGRATE of the same buffer works the same. */
TEST_F(mig, round_trip)
{
	const size_t np = 512;
	struct preq a, c;
	struct cxltier_migrate m;
	struct bstat b;
	char *p;
	int fd;

	NEED_MIG(self);
	a = bind1(self->dram->node, np * pgsz, 0);
	c = bind1(self->cxl->node, np * pgsz, 0);
	fd = preq_map_filled(&a, np, 0x77, &p);
	ASSERT_OK(mig_ex(fd, &c, 0, 0, &m));
	EXPECT_EQ(np, m.out_moved_pages);
	assert_resident(fd, self->cxl->node, np * pgsz);
	ASSERT_OK(mig_ex(fd, &a, 0, 0, &m));
	EXPECT_EQ(np, m.out_moved_pages);
	assert_resident(fd, self->dram->node, np * pgsz);
	/* a migration to where it already is moves nothing */
	ASSERT_OK(mig_ex(fd, &a, 0, 0, &m));
	EXPECT_EQ(0ULL, m.out_moved_pages);
	ASSERT_OK(buf_stat(fd, &b));
	EXPECT_EQ(3ULL, b.st.migrate_seq);
	EXPECT_EQ(-1, check_pages(p, 0, np, 0x77));
	munmap(p, np * pgsz);
	close(fd);
}

/*
 * Fault-around (see populate.fault_around_*) after a migration zapped the
 * PTEs maps the window's pages where they are now: write a populated DRAM
 * buffer, MIGRATE it to the CXL node, read one byte: the whole 2 MiB
 * window is present again, on the CXL node by pagemap and BUF_STAT, and
 * the contents survived.  Then back to DRAM, and a fault in the second
 * window maps that window only.
 */
TEST_F(mig, fault_around_after_migrate)
{
	const size_t win = HUGE_SZ / pgsz;
	struct preq q, to;
	struct cxltier_migrate m;
	size_t np;
	char *p;
	int fd;

	NEED_MIG(self);
	NEED_FLAG(&self->c.topo, CXLTIER_CREATE_POPULATE);
	q = bind1(self->dram->node, 4 * MiB, 0);
	q.flags = CXLTIER_CREATE_POPULATE;
	np = preq_pages(&q);
	fd = preq_create(self->c.dev, &q, NULL);
	ASSERT_OK(fd);
	p = map_skewed(fd, np * pgsz, 0, 0);
	ASSERT_NE(MAP_FAILED, p);
	fill_pages(p, 0, np, 0x517);
	assert_present_range(p, np, 0, np, (int)self->dram->node);

	to = bind1(self->cxl->node, q.length, 0);
	ASSERT_OK(mig_ex(fd, &to, 0, 0, &m));
	EXPECT_EQ(np, m.out_moved_pages);
	assert_present_range(p, np, 0, 0, -1);	/* all zapped */
	ASSERT_EQ((char)pat(0x517, 0, 0), ((volatile char *)p)[0]);
	assert_present_range(p, np, 0, win, (int)self->cxl->node);
	assert_resident(fd, self->cxl->node, np * pgsz);
	EXPECT_EQ(-1, check_pages(p, 0, np, 0x517));
	assert_present_range(p, np, 0, np, (int)self->cxl->node);

	/* and back */
	ASSERT_OK(mig_ex(fd, &q, 0, 0, &m));
	EXPECT_EQ(np, m.out_moved_pages);
	ASSERT_EQ((char)pat(0x517, win, 0),
		  ((volatile char *)p)[win * pgsz]);
	assert_present_range(p, np, win, 2 * win, (int)self->dram->node);
	EXPECT_EQ(-1, check_pages(p, 0, np, 0x517));
	assert_resident(fd, self->dram->node, np * pgsz);
	munmap(p, np * pgsz);
	close(fd);
}

/*
 * Units never touched are not allocated by a migration; they follow the
 * new policy when first touched.
 */
TEST_F(mig, untouched_follow_policy)
{
	const size_t np = 256;
	struct preq a, c;
	struct cxltier_migrate m;
	struct bstat b;
	size_t i;
	char *p;
	int fd;

	NEED_MIG(self);
	a = bind1(self->dram->node, np * pgsz, 0);
	c = bind1(self->cxl->node, np * pgsz, 0);
	fd = preq_create(self->c.dev, &a, NULL);
	ASSERT_OK(fd);
	p = map_buf(fd, np * pgsz, 0);
	ASSERT_NE(MAP_FAILED, p);
	for (i = 0; i < np; i += 2)	/* every other page */
		fill_pages(p + i * pgsz, i, 1, 0x55);
	ASSERT_OK(mig_ex(fd, &c, 0, 0, &m));
	EXPECT_EQ(np / 2, m.out_moved_pages);
	assert_resident(fd, self->cxl->node, np / 2 * pgsz);
	for (i = 1; i < np; i += 2)
		fill_pages(p + i * pgsz, i, 1, 0x55);
	assert_resident(fd, self->cxl->node, np * pgsz);
	EXPECT_EQ(-1, check_pages(p, 0, np, 0x55));
	ASSERT_OK(buf_stat(fd, &b));
	EXPECT_EQ(0ULL, b.st.spilled_bytes);
	munmap(p, np * pgsz);
	close(fd);
}

/* 2 MiB units move whole: contiguous, aligned 2 MiB blocks on the target. */
TEST_F_TIMEOUT(mig, huge_units_whole, 120)
{
	const size_t nunits = 8, upg = HUGE_SZ / pgsz, np = nunits * upg;
	int node[8];
	struct preq a, c;
	struct cxltier_migrate m;
	bool present[8];
	size_t u;
	char *p;
	int fd;

	NEED_MIG(self);
	NEED_HUGE(&self->c.topo);
	a = bind1(self->dram->node, nunits * HUGE_SZ, HUGE_SHIFT);
	c = a;
	c.n = 2;
	c.node[0] = self->cxl->node;	/* units 0, 2, .. to CXL */
	c.node[1] = self->dram->node;
	fd = preq_create(self->c.dev, &a, NULL);
	ASSERT_OK(fd);
	p = map_buf(fd, nunits * HUGE_SZ, 0);
	ASSERT_NE(MAP_FAILED, p);
	for (u = 0; u < nunits - 1; u++)	/* the last stays untouched */
		fill_pages(p + u * HUGE_SZ, u * upg, upg, 0x2a);
	ASSERT_OK(mig_ex(fd, &c, 0, 0, &m));
	check_mig_out(&m);
	/* units 0, 2, 4, 6 move */
	EXPECT_EQ(4 * upg, m.out_moved_pages);
	EXPECT_EQ(0ULL, m.out_failed_pages);
	EXPECT_EQ(-1, check_pages(p, 0, (nunits - 1) * upg, 0x2a));
	for (u = 0; u < nunits; u++) {
		node[u] = (int)c.node[u % 2];
		present[u] = u < nunits - 1;
	}
	check_huge_units(p, nunits, node, present);
	/* the untouched unit follows the new policy as a 2 MiB unit */
	fill_pages(p + (nunits - 1) * HUGE_SZ, (nunits - 1) * upg, upg, 0x2a);
	check_huge_units(p, nunits, node, NULL);
	EXPECT_EQ(-1, check_pages(p, 0, np, 0x2a));
	EXPECT_EQ(0ULL, spilled(fd));
	munmap(p, nunits * HUGE_SZ);
	close(fd);
}

/* ------------------------------------------------------------------------ */
/* No write lost                                                            */

#define INTEG_LEN (16 * MiB)
#define INTEG_WRITERS 2

struct integ {
	char *p;
	size_t np;
	unsigned int id;
	volatile int *stop;
};

/*
 * Writer @id owns pages id, id + W, id + 2W, ...; it writes every word of
 * them exactly once per round, word 0 of every page first, then word 1 ...,
 * with round r's pattern; the last complete round must be all there.
 */
static void *integ_writer(void *arg)
{
	struct integ *w = arg;
	size_t words = pgsz / sizeof(uint64_t), wd, i;
	uint64_t round;

	for (round = 1; ; round++) {
		for (wd = 0; wd < words; wd++)
			for (i = w->id; i < w->np; i += INTEG_WRITERS)
				((volatile uint64_t *)(w->p + i * pgsz))[wd] =
					pat(round, i, wd);
		if (*w->stop)
			return (void *)(uintptr_t)round;
	}
}

/*
 * Writer threads and a forked reader run while the buffer migrates back
 * and forth between DRAM and CXL (4 KiB pages, then 2 MiB units); every
 * word is then what the writers last wrote.  The reader sees, in every
 * word, a value some round wrote or zero, never anything else.
 */
static void integrity(struct __test_metadata *_metadata, int dev,
		      unsigned int n1, unsigned int n2, uint32_t page_shift)
{
	const size_t np = INTEG_LEN / pgsz;
	struct integ w[INTEG_WRITERS];
	pthread_t th[INTEG_WRITERS];
	volatile int *stop;
	struct preq a, c;
	uint64_t rounds[INTEG_WRITERS], moved = 0;
	unsigned int k, migs;
	pid_t reader;
	size_t i, words = pgsz / sizeof(uint64_t), wd, bad = 0;
	char *p;
	int fd;

	a = bind1(n1, INTEG_LEN, page_shift);
	c = bind1(n2, INTEG_LEN, page_shift);
	fd = preq_create(dev, &a, NULL);
	ASSERT_OK(fd);
	p = map_buf(fd, INTEG_LEN, 0);
	ASSERT_NE(MAP_FAILED, p);
	stop = mmap(NULL, pgsz, PROT_READ | PROT_WRITE,
		    MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, stop);
	*stop = 0;
	memset(p, 0, INTEG_LEN);

	reader = fork();
	ASSERT_LE(0, reader);
	if (!reader) {
		/* each word: 0 or pat(r, page, word) for a small r */
		while (!*stop) {
			for (i = 0; i < np; i += 7) {
				for (wd = 0; wd < words; wd += 61) {
					uint64_t v = ((volatile uint64_t *)
						      (p + i * pgsz))[wd];
					uint64_t r;

					if (!v)
						continue;
					for (r = 1; r < 100000; r++)
						if (v == pat(r, i, wd))
							break;
					if (r == 100000)
						_exit(20);
				}
			}
		}
		_exit(0);
	}

	for (k = 0; k < INTEG_WRITERS; k++) {
		w[k].p = p;
		w[k].np = np;
		w[k].id = k;
		w[k].stop = stop;
		ASSERT_EQ(0, pthread_create(&th[k], NULL, integ_writer, &w[k]));
	}
	for (migs = 0; migs < 6; migs++) {
		struct cxltier_migrate m;

		ASSERT_OK(mig_ex(fd, migs & 1 ? &a : &c, 0, 0, &m));
		moved += m.out_moved_pages;
		EXPECT_EQ(0ULL, m.out_failed_pages);
		EXPECT_EQ(0ULL, m.out_skipped_pages);
	}
	*stop = 1;
	for (k = 0; k < INTEG_WRITERS; k++) {
		void *ret;

		ASSERT_EQ(0, pthread_join(th[k], &ret));
		rounds[k] = (uintptr_t)ret;
	}
	EXPECT_EQ(0, wait_child(reader));
	TH_LOG("6 migrations moved %llu pages while writers did %llu and "
	       "%llu rounds", (unsigned long long)moved,
	       (unsigned long long)rounds[0], (unsigned long long)rounds[1]);
	/* every page moved in every migration: nothing was left behind */
	EXPECT_EQ(6 * np, moved);
	for (i = 0; i < np; i++)
		for (wd = 0; wd < words; wd++)
			if (((uint64_t *)(p + i * pgsz))[wd] !=
			    pat(rounds[i % INTEG_WRITERS], i, wd) && !bad++)
				TH_LOG("lost write: page %zu word %zu", i, wd);
	EXPECT_EQ(0U, bad);
	assert_resident(fd, n1, INTEG_LEN);
	munmap((void *)stop, pgsz);
	munmap(p, INTEG_LEN);
	close(fd);
}

TEST_F_TIMEOUT(mig, no_write_lost, 600)
{
	NEED_MIG(self);
	integrity(_metadata, self->c.dev, self->dram->node, self->cxl->node, 0);
}

TEST_F_TIMEOUT(mig, no_write_lost_huge, 600)
{
	NEED_MIG(self);
	NEED_HUGE(&self->c.topo);
	integrity(_metadata, self->c.dev, self->dram->node, self->cxl->node,
		  HUGE_SHIFT);
}

/* ------------------------------------------------------------------------ */
/* Rate, interrupt, async                                                   */

static volatile sig_atomic_t mig_alarms;
static void mig_alarm(int sig)
{
	(void)sig;
	mig_alarms++;
}

/*
 * The rate limit: a migration at R bytes/s takes at least
 * (moved - one batch) / R, by its own report; the same buffer unlimited,
 * for comparison, is only logged.
 */
TEST_F_TIMEOUT(mig, rate_limit, 120)
{
	const size_t np = 8 * MiB / pgsz;
	const uint64_t rate = 16 * MiB;
	struct cxltier_migrate m, u;
	struct preq a, c;
	double floor_ns;
	char *p;
	int fd;

	NEED_MIG(self);
	a = bind1(self->dram->node, np * pgsz, 0);
	c = bind1(self->cxl->node, np * pgsz, 0);
	fd = preq_map_filled(&a, np, 0x4a, &p);
	ASSERT_OK(mig_ex(fd, &c, 0, rate, &m));
	ASSERT_OK(mig_ex(fd, &a, 0, 0, &u));
	EXPECT_EQ(np, m.out_moved_pages);
	EXPECT_EQ(np, u.out_moved_pages);
	floor_ns = (double)(m.out_moved_bytes - 2 * MiB) * 1e9 / (double)rate;
	TH_LOG("8 MiB at %llu MiB/s: %.1f ms (at least %.1f); unlimited: "
	       "%.1f ms", (unsigned long long)(rate / MiB),
	       m.out_elapsed_ns / 1e6, floor_ns / 1e6, u.out_elapsed_ns / 1e6);
	EXPECT_GE((double)m.out_elapsed_ns, floor_ns);
	EXPECT_EQ(-1, check_pages(p, 0, np, 0x4a));
	munmap(p, np * pgsz);
	close(fd);
}

/*
 * A signal stops a synchronous migration between batches: -EINTR, the out
 * fields say what moved, and exactly that many pages are on the target;
 * the same call again moves the rest.
 */
TEST_F_TIMEOUT(mig, interrupted, 120)
{
	const size_t np = 16 * MiB / pgsz;
	struct sigaction sa = { .sa_handler = mig_alarm };	/* no SA_RESTART */
	struct itimerval it = { .it_value = { .tv_usec = 300000 } };
	struct cxltier_migrate m, m2;
	struct preq a, c;
	struct bstat b;
	int *got = calloc(np, sizeof(int)), r;
	char *p;
	int fd;

	NEED_MIG(self);
	ASSERT_NE(NULL, got);
	a = bind1(self->dram->node, np * pgsz, 0);
	c = bind1(self->cxl->node, np * pgsz, 0);
	fd = preq_map_filled(&a, np, 0x1e, &p);
	ASSERT_EQ(0, sigaction(SIGALRM, &sa, NULL));
	mig_alarms = 0;
	ASSERT_EQ(0, setitimer(ITIMER_REAL, &it, NULL));
	/* 16 MiB at 8 MiB/s: 2 s, the signal comes after 0.3 s */
	r = mig_ex(fd, &c, 0, 8 * MiB, &m);
	EXPECT_EQ(1, mig_alarms);
	EXPECT_EQ(-EINTR, r);
	check_mig_out(&m);
	TH_LOG("interrupted after %llu of %zu pages, %.1f ms",
	       (unsigned long long)m.out_moved_pages, np,
	       m.out_elapsed_ns / 1e6);
	EXPECT_LT(0ULL, m.out_moved_pages);
	EXPECT_GT(np, m.out_moved_pages);
	ASSERT_OK(buf_stat(fd, &b));
	EXPECT_EQ(CXLTIER_MIGRATE_STATE_DONE, b.st.migrate_state);
	EXPECT_EQ(-EINTR, b.st.migrate_error);
	EXPECT_EQ(m.out_moved_bytes, b.st.migrate_moved_bytes);
	EXPECT_EQ(-1, check_pages(p, 0, np, 0x1e));
	ASSERT_EQ((long)np, page_nodes(p, np, got, NULL));
	EXPECT_EQ(m.out_moved_pages, count_node(got, np, (int)c.node[0]));
	EXPECT_EQ(np - m.out_moved_pages, count_node(got, np, (int)a.node[0]));
	/* the policy is in place: the same call finishes the job */
	ASSERT_OK(mig_ex(fd, &c, 0, 0, &m2));
	EXPECT_EQ(np - m.out_moved_pages, m2.out_moved_pages);
	assert_resident(fd, c.node[0], np * pgsz);
	EXPECT_EQ(-1, check_pages(p, 0, np, 0x1e));
	signal(SIGALRM, SIG_DFL);
	munmap(p, np * pgsz);
	close(fd);
	free(got);
}

/* A fatal signal ends a migration; the buffer and the node survive it. */
static int mig_killable_child(void *arg)
{
	const struct preq *c = ((const struct preq **)arg)[0];
	int fd = *((const int **)arg)[1];

	return mig_ex(fd, c, 0, 1 * MiB, NULL);	/* 16 s: killed before */
}

TEST_F_TIMEOUT(mig, killed, 120)
{
	const size_t np = 16 * MiB / pgsz;
	struct preq a, c;
	const void *args[2];
	struct bstat b;
	pid_t pid;
	char *p;
	int fd, st;

	NEED_MIG(self);
	a = bind1(self->dram->node, np * pgsz, 0);
	c = bind1(self->cxl->node, np * pgsz, 0);
	fd = preq_map_filled(&a, np, 0x6b, &p);
	args[0] = &c;
	args[1] = &fd;
	pid = fork();
	ASSERT_LE(0, pid);
	if (!pid)
		_exit(mig_killable_child(args) ? 1 : 0);
	usleep(500 * 1000);
	ASSERT_EQ(0, kill(pid, SIGKILL));
	st = wait_child(pid);
	EXPECT_EQ(1000 + SIGKILL, st);
	ASSERT_OK(buf_stat(fd, &b));
	EXPECT_EQ(CXLTIER_MIGRATE_STATE_DONE, b.st.migrate_state);
	EXPECT_EQ(-EINTR, b.st.migrate_error);
	EXPECT_GT(np * pgsz, b.st.migrate_moved_bytes);
	EXPECT_EQ(-1, check_pages(p, 0, np, 0x6b));
	EXPECT_EQ(np * pgsz, b.st.resident_bytes);
	munmap(p, np * pgsz);
	close(fd);
}

/*
 * ASYNC returns at once; while it runs BUF_STAT says RUNNING, poll() has
 * no event and a second MIGRATE is -EBUSY; when it ends poll() reports
 * EPOLLIN | EPOLLPRI and BUF_STAT has the counts; the layout is the new
 * policy's.
 */
TEST_F_TIMEOUT(mig, async_poll, 120)
{
	const size_t np = 16 * MiB / pgsz;
	struct cxltier_migrate m;
	struct pollfd pfd;
	struct preq a, c;
	struct bstat b;
	char *p;
	int fd, r;

	NEED_MIG(self);
	a = bind1(self->dram->node, np * pgsz, 0);
	c = bind1(self->cxl->node, np * pgsz, 0);
	fd = preq_map_filled(&a, np, 0xa5, &p);

	pfd.fd = fd;
	pfd.events = POLLIN | POLLPRI;
	pfd.revents = 0;
	EXPECT_EQ(0, poll(&pfd, 1, 0));	/* never migrated: no event */

	/* 16 MiB at 8 MiB/s: about 2 s */
	ASSERT_OK(mig_ex(fd, &c, CXLTIER_MIGRATE_ASYNC, 8 * MiB, &m));
	EXPECT_EQ(0ULL, m.out_moved_pages);
	ASSERT_OK(buf_stat(fd, &b));
	EXPECT_EQ(CXLTIER_MIGRATE_STATE_RUNNING, b.st.migrate_state);
	EXPECT_EQ(1ULL, b.st.migrate_seq);
	EXPECT_EQ(0, poll(&pfd, 1, 0));
	EXPECT_ERRNO(EBUSY, mig_ex(fd, &a, 0, 0, NULL), "second MIGRATE");
	EXPECT_ERRNO(EBUSY, mig_ex(fd, &a, CXLTIER_MIGRATE_ASYNC, 0, NULL),
		     "second async MIGRATE");
	/* the buffer works meanwhile */
	EXPECT_EQ(-1, check_pages(p, 0, np, 0xa5));

	r = poll(&pfd, 1, 60 * 1000);
	EXPECT_EQ(1, r);
	EXPECT_EQ(POLLIN | POLLPRI, pfd.revents & (POLLIN | POLLPRI));
	ASSERT_OK(buf_stat(fd, &b));
	EXPECT_EQ(CXLTIER_MIGRATE_STATE_DONE, b.st.migrate_state);
	EXPECT_EQ(0, b.st.migrate_error);
	EXPECT_EQ(np * pgsz, b.st.migrate_moved_bytes);
	EXPECT_EQ(1ULL, b.st.migrate_seq);
	assert_resident(fd, c.node[0], np * pgsz);
	EXPECT_EQ(-1, check_pages(p, 0, np, 0xa5));
	/* level-triggered until the next one starts */
	EXPECT_EQ(1, poll(&pfd, 1, 0));
	ASSERT_OK(mig_ex(fd, &a, 0, 0, &m));
	EXPECT_EQ(np, m.out_moved_pages);
	munmap(p, np * pgsz);
	close(fd);
}

/*
 * Closing and unmapping the buffer during an async migration: the
 * migration ends early and the buffer's memory goes back to its nodes.
 */
TEST_F_TIMEOUT(mig, async_close, 120)
{
	const size_t np = 32 * MiB / pgsz;
	struct node_free f1, f2;
	struct preq a, c;
	char *p;
	int fd;

	NEED_MIG(self);
	ASSERT_OK(read_node_free(self->c.dev, self->dram->node, &f1));
	ASSERT_OK(read_node_free(self->c.dev, self->cxl->node, &f2));
	a = bind1(self->dram->node, np * pgsz, 0);
	c = bind1(self->cxl->node, np * pgsz, 0);
	fd = preq_map_filled(&a, np, 0xc1, &p);
	/* 32 MiB at 4 MiB/s: 8 s unless it stops */
	ASSERT_OK(mig_ex(fd, &c, CXLTIER_MIGRATE_ASYNC, 4 * MiB, NULL));
	usleep(300 * 1000);
	munmap(p, np * pgsz);
	close(fd);
	EXPECT_TRUE(wait_free_back(self->c.dev, self->dram->node, &f1,
				   LEAK_SLACK));
	EXPECT_TRUE(wait_free_back(self->c.dev, self->cxl->node, &f2,
				   LEAK_SLACK));
}

/* Concurrent migrations of two buffers and a third fd of the same one. */
TEST_F_TIMEOUT(mig, dup_fd_busy, 120)
{
	const size_t np = 8 * MiB / pgsz;
	struct cxltier_migrate m;
	struct preq a, c;
	char *p;
	int fd, fd2;

	NEED_MIG(self);
	a = bind1(self->dram->node, np * pgsz, 0);
	c = bind1(self->cxl->node, np * pgsz, 0);
	fd = preq_create(self->c.dev, &a, NULL);
	ASSERT_OK(fd);
	fd2 = dup(fd);
	ASSERT_LE(0, fd2);
	p = map_buf(fd, np * pgsz, 0);
	ASSERT_NE(MAP_FAILED, p);
	fill_pages(p, 0, np, 0xd0);
	ASSERT_OK(mig_ex(fd, &c, CXLTIER_MIGRATE_ASYNC, 4 * MiB, NULL));
	EXPECT_ERRNO(EBUSY, mig_ex(fd2, &a, 0, 0, NULL), "through a dup");
	close(fd);
	/* the dup and the mapping keep it alive: it finishes */
	{
		struct pollfd pfd = { .fd = fd2, .events = POLLIN };

		EXPECT_EQ(1, poll(&pfd, 1, 60 * 1000));
	}
	ASSERT_OK(mig_ex(fd2, &a, 0, 0, &m));
	EXPECT_EQ(np, m.out_moved_pages);
	EXPECT_EQ(-1, check_pages(p, 0, np, 0xd0));
	munmap(p, np * pgsz);
	close(fd2);
}

/*
 * Memory offline of the source block races a migration off the same node:
 * both move the same pages; nothing is lost, and a second migration puts
 * every page on the target.
 */
TEST_F_TIMEOUT(mig, offline_race, 300)
{
	const size_t np = 16 * MiB / pgsz;
	struct block_state bs = { .state = "offline", .timeout_s = 60 };
	struct cxltier_migrate m;
	struct preq a, c;
	pid_t off;
	char *p;
	int fd, r;

	NEED_MIG(self);
	if (!self->cxl2)
		SKIP_TOPO(return, "needs a second CXL node");
	if (!memory_block_size())
		SKIP(return, "no /sys/devices/system/memory");
	a = bind1(self->cxl->node, np * pgsz, 0);
	c = bind1(self->cxl2->node, np * pgsz, 0);
	fd = preq_map_filled(&a, np, 0x0f, &p);
	bs.block = pfn_of(p + np / 2 * pgsz) * pgsz / memory_block_size();
	ASSERT_NE(0U, bs.block);

	off = fork();
	ASSERT_LE(0, off);
	if (!off)
		_exit(write_block_state(&bs) ? 1 : 0);
	ASSERT_OK(mig_ex(fd, &c, 0, 0, &m));
	r = wait_child(off);
	TH_LOG("migration moved %llu pages, failed %llu; offline of "
	       "memory%" PRIu64 ": %d", (unsigned long long)m.out_moved_pages,
	       (unsigned long long)m.out_failed_pages, bs.block, r);
	EXPECT_EQ(-1, check_pages(p, 0, np, 0x0f));
	/* whatever offline did, a second migration finishes the job */
	ASSERT_OK(mig_ex(fd, &c, 0, 0, &m));
	EXPECT_EQ(0ULL, m.out_failed_pages);
	assert_resident(fd, c.node[0], np * pgsz);
	EXPECT_EQ(-1, check_pages(p, 0, np, 0x0f));
	block_online_again(&bs);
	munmap(p, np * pgsz);
	close(fd);
}

struct stat_race {
	int fd;
	struct preq a, c;
	volatile int stop;
	unsigned int migs;
};

static void *stat_race_migrator(void *arg)
{
	struct stat_race *sr = arg;

	while (!sr->stop) {
		if (!mig_ex(sr->fd, sr->migs & 1 ? &sr->a : &sr->c, 0, 0, NULL))
			sr->migs++;
	}
	return NULL;
}

/*
 * BUF_STAT writing its policy array into a not-yet-touched page of the
 * same buffer, while MIGRATEs of it run: the fault that write takes reads
 * the policy too, so the policy must not be held while copying out (a
 * waiting MIGRATE would deadlock the two).  Everything completes and the
 * array holds the policy.
 */
TEST_F_TIMEOUT(mig, stat_into_own_mapping, 300)
{
	const size_t np = 4096;
	struct stat_race sr;
	struct cxltier_buf_stat st;
	pthread_t th;
	unsigned int i;
	char *p;

	NEED_MIG(self);
	memset(&sr, 0, sizeof(sr));
	sr.a = bind1(self->dram->node, np * pgsz, 0);
	sr.c = bind1(self->cxl->node, np * pgsz, 0);
	sr.fd = preq_create(self->c.dev, &sr.a, NULL);
	ASSERT_OK(sr.fd);
	p = map_buf(sr.fd, np * pgsz, 0);
	ASSERT_NE(MAP_FAILED, p);
	fill_pages(p, 0, 64, 0xee);	/* something to move */
	ASSERT_EQ(0, pthread_create(&th, NULL, stat_race_migrator, &sr));
	/*
	 * At least 200 calls, and on until 4 migrations ran beside them
	 * (each moves every page touched so far, so they get slower).
	 */
	for (i = 0; 64 + i < np && (i < 200 || sr.migs < 4); i++) {
		struct cxltier_node_weight *pw =
			(void *)(p + (64 + i) * pgsz);	/* untouched page */

		memset(&st, 0, sizeof(st));
		st.size = sizeof(st);
		st.nr_policy_nodes = 1;
		st.policy_nodes = (uintptr_t)pw;
		ASSERT_OK(xioctl(sr.fd, CXLTIER_IOC_BUF_STAT, &st));
		EXPECT_TRUE(pw->node == sr.a.node[0] || pw->node == sr.c.node[0]);
	}
	sr.stop = 1;
	ASSERT_EQ(0, pthread_join(th, NULL));
	TH_LOG("%u migrations ran beside %u BUF_STATs", sr.migs, i);
	EXPECT_LE(4U, sr.migs);
	EXPECT_EQ(-1, check_pages(p, 0, 64, 0xee));
	munmap(p, np * pgsz);
	close(sr.fd);
}

/* ======================================================================== */
/* mig_pin: long-term pinned pages are skipped                              */

FIXTURE(mig_pin) {
	struct ctx c;
	const struct cxltier_node_info *dram, *dram2;
};

FIXTURE_SETUP(mig_pin)
{
	ctx_setup(&self->c, "mig_pin", NULL);
	self->dram = topo_pick(&self->c.topo, NK_DRAM_CPU, 64 * MiB);
	self->dram2 = topo_pick_not(&self->c.topo, NK_DRAM, 64 * MiB,
				    self->dram ? (int)self->dram->node : -1,
				    -1);
}

FIXTURE_TEARDOWN(mig_pin)
{
	ctx_teardown(&self->c);
}

/*
 * A pinnable buffer on DRAM, its first 16 pages registered as an AF_XDP
 * umem (FOLL_LONGTERM): MIGRATE to another DRAM node moves the other 48,
 * reports 16 skipped, and the pinned ones keep their PFNs and contents.
 * Once the pin is gone they move too.
 */
TEST_F_TIMEOUT(mig_pin, pinned_skipped, 120)
{
	const size_t np = 64, pinned = 16;
	struct preq a, c;
	struct cxltier_migrate m;
	uint64_t pfn[64], pfn2[64];
	int got[64], got2[64], fd, s, r, tries;
	size_t i;
	char *p;

	NEED_FLAG(&self->c.topo, CXLTIER_CREATE_PINNABLE);
	if (!self->dram || !self->dram2)
		SKIP_TOPO(return, "needs two DRAM nodes with 64 MiB free");
	s = xdp_socket();
	if (s < 0)
		SKIP(return, "AF_XDP unavailable: %s", errname(s));
	a = bind1(self->dram->node, np * pgsz, 0);
	a.flags = CXLTIER_CREATE_PINNABLE;
	c = bind1(self->dram2->node, np * pgsz, 0);
	fd = preq_map_filled(&a, np, 0x91, &p);
	r = xdp_umem_reg(s, p, pinned * pgsz);
	if (r)
		TH_LOG("XDP_UMEM_REG: %s", errname(r));
	ASSERT_EQ(0, r);
	ASSERT_EQ((long)np, page_nodes(p, np, got, pfn));

	ASSERT_OK(mig_ex(fd, &c, 0, 0, &m));
	check_mig_out(&m);
	TH_LOG("moved %llu, skipped %llu, failed %llu",
	       (unsigned long long)m.out_moved_pages,
	       (unsigned long long)m.out_skipped_pages,
	       (unsigned long long)m.out_failed_pages);
	EXPECT_EQ(pinned, m.out_skipped_pages);
	EXPECT_EQ(np - pinned, m.out_moved_pages);
	EXPECT_EQ(0ULL, m.out_failed_pages);
	EXPECT_EQ(-1, check_pages(p, 0, np, 0x91));
	ASSERT_EQ((long)np, page_nodes(p, np, got2, pfn2));
	for (i = 0; i < np; i++) {
		if (i < pinned) {
			EXPECT_EQ(pfn[i], pfn2[i]);
			EXPECT_EQ(got[i], got2[i]);
		} else {
			EXPECT_EQ((int)c.node[0], got2[i]);
		}
	}
	assert_stat_matches(fd, got2, np);

	/* unpinned (the umem goes with the socket, maybe a little later) */
	close(s);
	for (tries = 0; tries < 50; tries++) {
		ASSERT_OK(mig_ex(fd, &c, 0, 0, &m));
		if (!m.out_skipped_pages)
			break;
		usleep(100 * 1000);
	}
	EXPECT_EQ(0ULL, m.out_skipped_pages);
	assert_resident(fd, c.node[0], np * pgsz);
	EXPECT_EQ(-1, check_pages(p, 0, np, 0x91));
	munmap(p, np * pgsz);
	close(fd);
}

/* A pinnable buffer cannot be migrated onto a movable-only node: -EXDEV. */
TEST_F(mig_pin, pinnable_to_movable_exdev)
{
	const struct cxltier_node_info *mov =
		topo_pick(&self->c.topo, NK_MOVABLE, 16 * MiB);
	struct preq a, c;
	int fd;

	NEED_FLAG(&self->c.topo, CXLTIER_CREATE_PINNABLE);
	if (!self->dram || !mov)
		SKIP_TOPO(return, "needs a DRAM and a movable-only node");
	a = bind1(self->dram->node, 16 * pgsz, 0);
	a.flags = CXLTIER_CREATE_PINNABLE;
	c = bind1(mov->node, 16 * pgsz, 0);
	fd = preq_create(self->c.dev, &a, NULL);
	ASSERT_OK(fd);
	EXPECT_ERRNO(EXDEV, mig_ex(fd, &c, 0, 0, NULL), "");
	close(fd);
}

/* ======================================================================== */
/* mig_inval: hostile input changes nothing                                 */

FIXTURE(mig_inval) {
	struct ctx c;
	const struct cxltier_node_info *n, *n2;
	int fd;
	char *p;
	struct preq q;		/* the buffer's policy */
	struct preq to;		/* a valid target, to spoil */
};

#define INVAL_PAGES 64

FIXTURE_SETUP(mig_inval)
{
	ctx_setup(&self->c, "mig_inval", NULL);
	self->fd = -1;
	self->p = MAP_FAILED;
	self->n = topo_pick(&self->c.topo, NK_DRAM_CPU, 16 * MiB);
	self->n2 = topo_pick_not(&self->c.topo, NK_ANY, 16 * MiB,
				 self->n ? (int)self->n->node : -1, -1);
	if (!self->n || !self->n2)
		return;
	self->q = bind1(self->n->node, INVAL_PAGES * pgsz, 0);
	self->to = bind1(self->n2->node, INVAL_PAGES * pgsz, 0);
	self->fd = preq_create(self->c.dev, &self->q, NULL);
	ASSERT_OK(self->fd);
	self->p = map_buf(self->fd, INVAL_PAGES * pgsz, 0);
	ASSERT_NE(MAP_FAILED, self->p);
	fill_pages(self->p, 0, INVAL_PAGES, 0xbad);
}

FIXTURE_TEARDOWN(mig_inval)
{
	if (self->p != MAP_FAILED)
		munmap(self->p, INVAL_PAGES * pgsz);
	if (self->fd >= 0)
		close(self->fd);
	ctx_teardown(&self->c);
}

#define NEED_INVAL(self) do {						\
	if ((self)->fd < 0)						\
		SKIP_TOPO(return, "needs two nodes with 16 MiB free");	\
} while (0)

/* The buffer is as created: policy, pages, contents, no migration. */
#define assert_unchanged(self) __assert_unchanged(_metadata, self)
static void __assert_unchanged(struct __test_metadata *_metadata,
			       FIXTURE_DATA(mig_inval) *self)
{
	struct bstat b;

	ASSERT_OK(buf_stat(self->fd, &b));
	EXPECT_EQ(self->q.mode, b.st.mode);
	EXPECT_EQ(1U, b.st.nr_policy_nodes);
	EXPECT_EQ(self->q.node[0], b.pol[0].node);
	EXPECT_EQ(0U, b.st.chunk_shift);
	EXPECT_EQ(CXLTIER_MIGRATE_STATE_NONE, b.st.migrate_state);
	EXPECT_EQ(0ULL, b.st.migrate_seq);
	EXPECT_EQ(-1, check_pages(self->p, 0, INVAL_PAGES, 0xbad));
	assert_resident(self->fd, self->q.node[0], INVAL_PAGES * pgsz);
}

/* A raw MIGRATE with a spoilt struct (target: self->to). */
static int mig_raw(FIXTURE_DATA(mig_inval) *self,
		   void (*spoil)(struct cxltier_migrate *, void *), void *arg)
{
	struct cxltier_node_weight nw[2] = { { .node = self->to.node[0] } };
	struct {
		struct cxltier_migrate m;
		uint64_t tail[4];
	} x;

	memset(&x, 0, sizeof(x));
	x.m.size = sizeof(x.m);
	x.m.mode = CXLTIER_MODE_BIND;
	x.m.nr_nodes = 1;
	x.m.nodes = (uintptr_t)nw;
	if (spoil)
		spoil(&x.m, arg);
	return xioctl(self->fd, CXLTIER_IOC_MIGRATE, &x);
}

static void sp_size_short(struct cxltier_migrate *m, void *a)
{
	(void)a;
	m->size = offsetof(struct cxltier_migrate, rate_bytes) + 7;
}
static void sp_size_tail(struct cxltier_migrate *m, void *a)
{
	(void)a;
	m->size = sizeof(*m) + 8;
	((uint64_t *)(m + 1))[0] = 1;
}
static void sp_flag(struct cxltier_migrate *m, void *a)
{
	m->flags = *(uint32_t *)a;
}
static void sp_reserved(struct cxltier_migrate *m, void *a)
{
	(void)a;
	m->__reserved = 1;
}
static void sp_mode(struct cxltier_migrate *m, void *a)
{
	(void)a;
	m->mode = CXLTIER_NR_MODES;
}
static void sp_no_nodes(struct cxltier_migrate *m, void *a)
{
	(void)a;
	m->nr_nodes = 0;
}
static void sp_many_nodes(struct cxltier_migrate *m, void *a)
{
	(void)a;
	m->nr_nodes = CXLTIER_MAX_POLICY_NODES + 1;
}
static void sp_node(struct cxltier_migrate *m, void *a)
{
	((struct cxltier_node_weight *)(uintptr_t)m->nodes)[0].node =
		*(uint32_t *)a;
}
static void sp_weight(struct cxltier_migrate *m, void *a)
{
	(void)a;
	((struct cxltier_node_weight *)(uintptr_t)m->nodes)[0].weight = 1;
}
static void sp_nw_flags(struct cxltier_migrate *m, void *a)
{
	(void)a;
	((struct cxltier_node_weight *)(uintptr_t)m->nodes)[0].flags = 1;
}
static void sp_nodes_ptr(struct cxltier_migrate *m, void *a)
{
	(void)a;
	m->nodes = 8;
}
static void sp_chunk(struct cxltier_migrate *m, void *a)
{
	(void)a;
	m->chunk_shift = pgshift;	/* BIND takes no chunk */
}
static void sp_split_zero_weight(struct cxltier_migrate *m, void *a)
{
	(void)a;
	m->mode = CXLTIER_MODE_SPLIT;
}
static void sp_huge(struct cxltier_migrate *m, void *a)
{
	(void)a;
	m->mode = CXLTIER_MODE_INTERLEAVE;
	m->chunk_shift = CXLTIER_MAX_CHUNK_SHIFT + 1;
}

TEST_F(mig_inval, size_short)
{
	NEED_INVAL(self);
	EXPECT_ERRNO(EINVAL, mig_raw(self, sp_size_short, NULL), "");
	assert_unchanged(self);
}

TEST_F(mig_inval, size_tail_nonzero)
{
	NEED_INVAL(self);
	EXPECT_ERRNO(E2BIG, mig_raw(self, sp_size_tail, NULL), "");
	assert_unchanged(self);
}

TEST_F(mig_inval, each_unknown_flag)
{
	unsigned int bit;

	NEED_INVAL(self);
	for (bit = 2; bit < 32; bit++) {
		uint32_t f = 1U << bit;
		int r = mig_raw(self, sp_flag, &f);

		if (r != -EINVAL)
			TH_LOG("flag bit %u: %s", bit, errname(r));
		EXPECT_EQ(-EINVAL, r);
	}
	assert_unchanged(self);
}

TEST_F(mig_inval, reserved)
{
	NEED_INVAL(self);
	EXPECT_ERRNO(EINVAL, mig_raw(self, sp_reserved, NULL), "");
	assert_unchanged(self);
}

TEST_F(mig_inval, bad_mode)
{
	NEED_INVAL(self);
	EXPECT_ERRNO(EINVAL, mig_raw(self, sp_mode, NULL), "");
	assert_unchanged(self);
}

TEST_F(mig_inval, node_count)
{
	NEED_INVAL(self);
	EXPECT_ERRNO(EINVAL, mig_raw(self, sp_no_nodes, NULL), "0 nodes");
	EXPECT_ERRNO(EINVAL, mig_raw(self, sp_many_nodes, NULL), "65 nodes");
	assert_unchanged(self);
}

TEST_F(mig_inval, node_ids)
{
	uint32_t huge = 1U << 20, absent = kernel_max_numnodes() - 1;

	NEED_INVAL(self);
	EXPECT_ERRNO(EINVAL, mig_raw(self, sp_node, &huge), "node 2^20");
	if (!topo_find(&self->c.topo, absent)) {
		EXPECT_ERRNO(ENODEV, mig_raw(self, sp_node, &absent),
			     "node %u", absent);
	}
	assert_unchanged(self);
}

TEST_F(mig_inval, weights_flags_chunk)
{
	NEED_INVAL(self);
	EXPECT_ERRNO(EINVAL, mig_raw(self, sp_weight, NULL), "bind weight");
	EXPECT_ERRNO(EINVAL, mig_raw(self, sp_nw_flags, NULL), "entry flags");
	EXPECT_ERRNO(EINVAL, mig_raw(self, sp_chunk, NULL), "bind chunk");
	EXPECT_ERRNO(EINVAL, mig_raw(self, sp_split_zero_weight, NULL),
		     "split weight 0");
	EXPECT_ERRNO(EINVAL, mig_raw(self, sp_huge, NULL), "chunk too big");
	assert_unchanged(self);
}

TEST_F(mig_inval, bad_pointers)
{
	NEED_INVAL(self);
	EXPECT_ERRNO(EFAULT, mig_raw(self, sp_nodes_ptr, NULL), "nodes");
	EXPECT_ERRNO(EFAULT, xioctl(self->fd, CXLTIER_IOC_MIGRATE, NULL),
		     "NULL");
	EXPECT_ERRNO(EFAULT, xioctl(self->fd, CXLTIER_IOC_MIGRATE,
				    (void *)16), "16");
	assert_unchanged(self);
}

TEST_F(mig_inval, duplicate_node)
{
	struct preq d;

	NEED_INVAL(self);
	d = self->to;
	d.n = 2;
	d.node[1] = d.node[0];
	EXPECT_ERRNO(EINVAL, mig_ex(self->fd, &d, 0, 0, NULL), "");
	assert_unchanged(self);
}

TEST_F(mig_inval, too_big_for_node)
{
	struct preq q;
	int fd;

	NEED_INVAL(self);
	/* a buffer larger than the target node, never touched */
	q = bind1(self->n->node, 0, 0);
	q.n = 2;
	q.node[1] = self->n2->node;
	q.length = self->n2->total_bytes + 64 * MiB;
	fd = preq_create(self->c.dev, &q, NULL);
	ASSERT_OK(fd);
	EXPECT_ERRNO(EFBIG, mig_ex(fd, &self->to, 0, 0, NULL), "");
	close(fd);
	assert_unchanged(self);
}

/* MIGRATE is a buffer command: on /dev/cxltier it is unknown. */
TEST_F(mig_inval, on_device_fd)
{
	NEED_INVAL(self);
	EXPECT_ERRNO(ENOTTY, mig_ex(self->c.dev, &self->to, 0, 0, NULL), "");
	assert_unchanged(self);
}

/* A valid request after all that works (the fixture is not broken). */
TEST_F(mig_inval, valid_control)
{
	struct cxltier_migrate m;

	NEED_INVAL(self);
	ASSERT_OK(mig_ex(self->fd, &self->to, 0, 0, &m));
	EXPECT_EQ((uint64_t)INVAL_PAGES, m.out_moved_pages);
	assert_resident(self->fd, self->to.node[0], INVAL_PAGES * pgsz);
	EXPECT_EQ(-1, check_pages(self->p, 0, INVAL_PAGES, 0xbad));
}
