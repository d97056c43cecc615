// SPDX-License-Identifier: GPL-2.0
/*
 * cxltier selftests: the kernel moving a buffer's pages, on a movable-only
 * (CXL-like) node.
 *
 *  kernel_move.*  the header: "Pages may be moved by the kernel (compaction,
 *                 memory offline) with their contents".  Compaction of the
 *                 node and offlining the memory block under a live buffer,
 *                 each with a concurrent writer, lose nothing.  (A move the
 *                 caller asks for, CXLTIER_IOC_MIGRATE: migrate_tests.c.)
 */
#include "cxltier_test.h"
#include "fill.h"


#define MOVE_LEN (16 * MiB)

FIXTURE(kernel_move) {
	struct ctx c;
	const struct cxltier_node_info *n;
};

FIXTURE_SETUP(kernel_move)
{
	ctx_setup(&self->c, "kernel_move", NULL);
	self->n = topo_pick(&self->c.topo, NK_MOVABLE, 16 * MOVE_LEN);
}

FIXTURE_TEARDOWN(kernel_move)
{
	ctx_teardown(&self->c);
}

/* How many of @np pages at @p have a PFN other than in @pfns. */
static size_t pfns_changed(void *p, size_t np, const uint64_t *pfns)
{
	size_t i, n = 0;

	for (i = 0; i < np; i++)
		if (pfn_of((char *)p + i * pgsz) != pfns[i])
			n++;
	return n;
}

/*
 * Writes every word of @np pages at @p exactly once, word 0 of every page,
 * then word 1 of every page, and so on: a write lost while a page moves
 * leaves a hole that check_pages() finds.
 */
static void write_once_spread(char *p, size_t np, uint64_t seed)
{
	size_t words = pgsz / sizeof(uint64_t), w, i;

	for (w = 0; w < words; w++)
		for (i = 0; i < np; i++)
			((volatile uint64_t *)(p + i * pgsz))[w] =
				pat(seed, i, w);
}

/* What the writer of the compaction test shares with the test. */
struct spread_writer {
	volatile int stop;
	volatile uint64_t passes;	/* complete passes, the last with seed passes */
	volatile uint64_t lost;		/* words without the previous pass's value */
};

/*
 * Passes over @np pages at @p, seeds 1001, 1002, ..., each word written
 * once per pass (word 0 of every page, then word 1, ...), until told to
 * stop; then the pass under way is finished.  Before writing a word, it
 * checks that the word holds what the previous pass (or the test's
 * fill_pages() with seed 21) wrote there: a write lost in any pass,
 * while a page moved, is counted.
 */
static void spread_writer_run(struct spread_writer *w, char *p, size_t np)
{
	size_t words = pgsz / sizeof(uint64_t), wd, i;
	uint64_t k, prev = 21;

	for (k = 1; !w->stop; k++) {
		for (wd = 0; wd < words; wd++)
			for (i = 0; i < np; i++) {
				volatile uint64_t *q =
					(uint64_t *)(p + i * pgsz) + wd;

				if (*q != pat(prev, i, wd))
					w->lost++;
				*q = pat(1000 + k, i, wd);
			}
		prev = 1000 + k;
		w->passes = k;
	}
}

/*
 * Contents survive compaction of the node while a process writes the
 * buffer (each word once per pass, pass after pass), pages stay on the
 * node, and some of them did move.
 */
TEST_F_TIMEOUT(kernel_move, compaction, 300)
{
	const size_t np = MOVE_LEN / pgsz;
	struct spread_writer *w;
	char *a, *b;
	uint64_t *pfns;
	size_t i, moved = 0;
	int fa, fb, pass;
	pid_t writer;

	NEED_NODE_KIND(self, NK_MOVABLE);
	/* two buffers touched in turn, then one freed: a sparse node */
	fa = buf_create(self->c.dev, MOVE_LEN, self->n->node);
	ASSERT_OK(fa);
	fb = buf_create(self->c.dev, MOVE_LEN, self->n->node);
	ASSERT_OK(fb);
	a = map_buf(fa, MOVE_LEN, 0);
	ASSERT_NE(MAP_FAILED, a);
	b = map_buf(fb, MOVE_LEN, 0);
	ASSERT_NE(MAP_FAILED, b);
	/*
	 * b's page first: the holes it leaves must include the pages the
	 * free scanner samples (every 32nd of a block, once it has found
	 * nothing for a while), or compaction finds no target and moves
	 * nothing.
	 */
	for (i = 0; i < np; i++) {
		b[i * pgsz] = 1;
		fill_pages(a + i * pgsz, i, 1, 21);
	}
	munmap(b, MOVE_LEN);
	close(fb);
	pfns = calloc(np, sizeof(*pfns));
	ASSERT_NE(NULL, pfns);
	for (i = 0; i < np; i++)
		pfns[i] = pfn_of(a + i * pgsz);

	w = mmap(NULL, sizeof(*w), PROT_READ | PROT_WRITE,
		 MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, w);
	writer = fork();
	ASSERT_LE(0, writer);
	if (!writer) {
		spread_writer_run(w, a, np);
		_exit(0);
	}

	/* a test of moved contents needs pages that moved */
	for (pass = 1; pass <= COMPACT_PASSES && !moved; pass++) {
		ASSERT_EQ(0, compact_node_pass(self->n->node, pass));
		moved = pfns_changed(a, np, pfns);
		TH_LOG("compaction pass %d moved %zu of %zu pages, the writer at pass %" PRIu64,
		       pass, moved, np, w->passes);
	}
	w->stop = 1;
	EXPECT_EQ(0, wait_child(writer));
	ASSERT_NE((size_t)0, moved);
	/* the writer was writing while pages moved, not done before */
	EXPECT_LT((uint64_t)1, w->passes);
	EXPECT_EQ((uint64_t)0, w->lost);

	EXPECT_EQ(-1, check_pages(a, 0, np, 1000 + w->passes));
	munmap(w, sizeof(*w));
	assert_resident(fa, self->n->node, MOVE_LEN);
	assert_pages_on_node(a, np, (int)self->n->node);
	/* and they still work */
	fill_pages(a, 0, np, 22);
	EXPECT_EQ(-1, check_pages(a, 0, np, 22));
	free(pfns);
	munmap(a, MOVE_LEN);
	close(fa);
}

/*
 * Offlining the memory block under a live buffer moves its pages (to
 * another node: the kernel's choice) with their contents, also while a
 * process writes them; the buffer keeps all its bytes.
 */
TEST_F_TIMEOUT(kernel_move, memory_offline, 300)
{
	const size_t np = MOVE_LEN / pgsz;
	struct block_state bs = { .state = "offline", .timeout_s = 60 };
	struct bstat b, small;
	char *x, *y, go;
	uint64_t pfn, first, last, sum = 0;
	int fx, fy, r, pg[2];
	pid_t writer;
	size_t i;

	NEED_NODE_KIND(self, NK_MOVABLE);
	if (!memory_block_size())
		SKIP(return, "no /sys/devices/system/memory");
	fx = buf_create(self->c.dev, MOVE_LEN, self->n->node);
	ASSERT_OK(fx);
	fy = buf_create(self->c.dev, MOVE_LEN, self->n->node);
	ASSERT_OK(fy);
	x = map_buf(fx, MOVE_LEN, 0);
	ASSERT_NE(MAP_FAILED, x);
	y = map_buf(fy, MOVE_LEN, 0);
	ASSERT_NE(MAP_FAILED, y);
	fill_pages(x, 0, np, 31);
	for (i = 0; i < np; i++)	/* y's pages exist, zeroed */
		y[i * pgsz] = 0;

	pfn = pfn_of(x);
	if (!pfn)
		SKIP(return, "pagemap does not show the buffer's PFNs");
	bs.block = pfn * pgsz / memory_block_size();
	first = pfn_of(x) * pgsz / memory_block_size();
	last = first;
	for (i = 0; i < np; i++) {
		uint64_t bl = pfn_of(x + i * pgsz) * pgsz /
			      memory_block_size();

		first = bl < first ? bl : first;
		last = bl > last ? bl : last;
	}
	TH_LOG("buffer in memory blocks %" PRIu64 "-%" PRIu64 "; offlining %"
	       PRIu64, first, last, bs.block);

	/* y is written, each word once, while the block goes offline */
	ASSERT_EQ(0, pipe(pg));
	writer = fork();
	ASSERT_LE(0, writer);
	if (!writer) {
		close(pg[1]);
		if (read(pg[0], &go, 1) < 0)
			_exit(11);
		write_once_spread(y, np, 32);
		_exit(0);
	}
	close(pg[0]);
	close(pg[1]);
	r = in_child(write_block_state, &bs);
	if (r == -1000 - SIGALRM)
		TH_LOG("offlining memory%" PRIu64 " did not finish in %u s: "
		       "pages that cannot move?", bs.block, bs.timeout_s);
	else if (r < 0)
		TH_LOG("offlining memory%" PRIu64 ": %s", bs.block,
		       errname(r));
	EXPECT_EQ(0, wait_child(writer));
	if (r == -EBUSY || r == -EINVAL) {
		/* the kernel would not even try: nothing of ours to judge */
		SKIP(goto out, "memory%" PRIu64 " cannot go offline (%s)",
		     bs.block, errname(r));
	}
	EXPECT_EQ(0, r);

	/* everything still there */
	EXPECT_EQ(-1, check_pages(x, 0, np, 31));
	EXPECT_EQ(-1, check_pages(y, 0, np, 32));
	ASSERT_OK(buf_stat(fx, &b));
	EXPECT_EQ((uint64_t)MOVE_LEN, b.st.resident_bytes);
	for (i = 0; i < b.st.nr_resident && i < STAT_MAX_RES; i++) {
		sum += b.res[i].bytes;
		if (i) {	/* ascending node order */
			EXPECT_LT(b.res[i - 1].node, b.res[i].node);
		}
		TH_LOG("after offline: %llu KiB on node %u",
		       (unsigned long long)b.res[i].bytes / 1024,
		       b.res[i].node);
	}
	EXPECT_EQ(b.st.resident_bytes, sum);
	/* with pages on two nodes, room for one entry is -EMSGSIZE */
	if (b.st.nr_resident >= 2) {
		memset(&small, 0, sizeof(small));
		small.st.size = sizeof(small.st);
		small.st.nr_resident = 1;
		small.st.resident = (uintptr_t)small.res;
		EXPECT_ERRNO(EMSGSIZE, xioctl(fx, CXLTIER_IOC_BUF_STAT,
					      &small.st), "");
		EXPECT_EQ(b.st.nr_resident, small.st.nr_resident);
		EXPECT_EQ(b.res[0].node, small.res[0].node);
		EXPECT_EQ(b.res[0].bytes, small.res[0].bytes);
	}
	fill_pages(x, 0, np, 33);
	EXPECT_EQ(-1, check_pages(x, 0, np, 33));

out:
	block_online_again(&bs);
	munmap(x, MOVE_LEN);
	munmap(y, MOVE_LEN);
	close(fx);
	close(fy);
}
