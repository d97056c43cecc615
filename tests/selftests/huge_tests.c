// SPDX-License-Identifier: GPL-2.0
/*
 * cxltier selftests: 2 MiB pages (CXLTIER_HUGE_PAGE_SHIFT).
 *
 *  huge.*  rounding, contiguous aligned units mapped in one fault,
 *          CXLTIER_CREATE_HUGE_FALLBACK on a fragmented node, data across
 *          compaction and memory offline; huge.pmd_*: units mapped by one
 *          PMD entry (page tables, partial mprotect and munmap, fork,
 *          the units PMD-mapped now in every process, /proc/PID/mem,
 *          MIGRATE with a writer).
 */
#include <pthread.h>

#include "cxltier_test.h"
#include "fill.h"
#include "placement.h"
#include "quota.h"

/* ======================================================================== */
/* huge: 2 MiB pages                                                        */

FIXTURE(huge) {
	struct ctx c;
	const struct cxltier_node_info *dram, *mov;
	struct filler f;
	long saved_vm[FRAG_SYSCTLS];	/* vm sysctls to restore */
};

FIXTURE_SETUP(huge)
{
	filler_init(&self->f);
	frag_sysctls_init(self->saved_vm);
	ctx_setup(&self->c, "huge", NULL);
	self->dram = topo_pick(&self->c.topo, NK_DRAM, 256 * MiB);
	self->mov = topo_pick(&self->c.topo, NK_MOVABLE, 256 * MiB);
}

FIXTURE_TEARDOWN(huge)
{
	EXPECT_EQ(0, qreset_all());	/* compaction_keeps_data sets one */
	filler_release(&self->f);
	restore_frag_sysctls(self->saved_vm);
	ctx_teardown(&self->c);
}

#define NEED_HUGE_NODES(self) do {					\
	NEED_HUGE(&(self)->c.topo);					\
	if (!(self)->dram || !(self)->mov)				\
		SKIP_TOPO(return, "needs a DRAM and a movable-only "	\
			  "node with 256 MiB free");			\
} while (0)

/*
 * A 2 MiB-page buffer's length is rounded up to 2 MiB: 3 MiB + 1 is two
 * units; the last byte of the second works, the next page is SIGBUS.
 */
TEST_F(huge, length_rounded)
{
	struct preq q = { .mode = CXLTIER_MODE_BIND, .n = 1,
			  .page_shift = HUGE_SHIFT, .length = 3 * MiB + 1 };
	struct bstat b;
	char *p;
	int fd;

	NEED_HUGE_NODES(self);
	q.node[0] = self->mov->node;
	fd = preq_create(self->c.dev, &q, NULL);
	ASSERT_OK(fd);
	ASSERT_OK(buf_stat(fd, &b));
	EXPECT_EQ(3 * MiB + 1, b.st.length);	/* as requested */
	EXPECT_EQ((unsigned int)HUGE_SHIFT, b.st.page_shift);
	p = map_buf(fd, 6 * MiB, 0);
	ASSERT_NE(MAP_FAILED, p);
	EXPECT_EQ(0, probe(p + 4 * MiB - 1, true, NULL));
	assert_resident(fd, self->mov->node, 2 * MiB);	/* the second unit */
	EXPECT_EQ(SIGBUS, probe(p + 4 * MiB, false, NULL));
	EXPECT_EQ(SIGBUS, probe(p + 6 * MiB - 1, true, NULL));
	EXPECT_EQ(0, probe(p, false, NULL));
	assert_resident(fd, self->mov->node, 4 * MiB);
	EXPECT_EQ(-1, check_zero(p, 4 * MiB / pgsz - 1));
	munmap(p, 6 * MiB);
	close(fd);
}

/*
 * Every unit is one physically contiguous, 2 MiB-aligned block of its
 * node, on DRAM and on CXL; contents work.
 */
TEST_F(huge, units_contiguous_aligned)
{
	const size_t nunits = 4, np = nunits * HUGE_SZ / pgsz;
	unsigned int k;

	NEED_HUGE_NODES(self);
	for (k = 0; k < 2; k++) {
		const struct cxltier_node_info *n = k ? self->mov : self->dram;
		struct preq q = { .mode = CXLTIER_MODE_BIND, .n = 1,
				  .node = { n->node },
				  .page_shift = HUGE_SHIFT,
				  .length = nunits * HUGE_SZ };
		int node[4] = { (int)n->node, (int)n->node, (int)n->node,
				(int)n->node };
		char *p;
		int fd;

		TH_LOG("node %u", n->node);
		fd = preq_create(self->c.dev, &q, NULL);
		ASSERT_OK(fd);
		p = map_buf(fd, nunits * HUGE_SZ, 0);
		ASSERT_NE(MAP_FAILED, p);
		fill_pages(p, 0, np, 0x2a + k);
		check_huge_units(p, nunits, node, NULL);
		assert_resident(fd, n->node, nunits * HUGE_SZ);
		EXPECT_EQ(-1, check_pages(p, 0, np, 0x2a + k));
		munmap(p, nunits * HUGE_SZ);
		close(fd);
	}
}

/*
 * One touch of one byte maps the whole unit: 512 pages present by pagemap
 * right after reading one byte in the middle of unit 1; units 0 and 2 not.
 */
TEST_F(huge, one_touch_maps_unit)
{
	struct preq q = { .mode = CXLTIER_MODE_BIND, .n = 1,
			  .page_shift = HUGE_SHIFT, .length = 3 * HUGE_SZ };
	const bool present[3] = { false, true, false };
	int node[3];
	char *p;
	int fd;

	NEED_HUGE_NODES(self);
	q.node[0] = self->mov->node;
	node[0] = node[1] = node[2] = (int)self->mov->node;
	fd = preq_create(self->c.dev, &q, NULL);
	ASSERT_OK(fd);
	p = map_buf(fd, 3 * HUGE_SZ, 0);
	ASSERT_NE(MAP_FAILED, p);
	EXPECT_EQ(0, probe(p + HUGE_SZ + HUGE_SZ / 2 + 123, false, NULL));
	check_huge_units(p, 3, node, present);
	assert_resident(fd, self->mov->node, HUGE_SZ);
	munmap(p, 3 * HUGE_SZ);
	close(fd);
}

/*
 * INTERLEAVE and BIND with 2 MiB pages go by 2 MiB unit: 5 units over
 * {DRAM, CXL} put units 0, 2, 4 on DRAM and 1, 3 on CXL, each whole.
 */
TEST_F(huge, interleave_and_bind_by_unit)
{
	const uint32_t modes[] = { CXLTIER_MODE_INTERLEAVE, CXLTIER_MODE_BIND };
	const size_t nunits = 5, np = nunits * HUGE_SZ / pgsz;
	unsigned int k;

	NEED_HUGE_NODES(self);
	for (k = 0; k < ARRAY_SIZE(modes); k++) {
		struct preq q = { .mode = modes[k], .n = 2,
				  .page_shift = HUGE_SHIFT,
				  .length = nunits * HUGE_SZ - 7 };
		int node[5], *want;
		size_t u;
		char *p;
		int fd;

		if (!(self->c.topo.info.supported_modes & (1ULL << modes[k])))
			continue;
		q.node[0] = self->dram->node;
		q.node[1] = self->mov->node;
		for (u = 0; u < nunits; u++)
			node[u] = (int)q.node[u % 2];
		fd = preq_create(self->c.dev, &q, NULL);
		ASSERT_OK(fd);
		p = map_buf(fd, nunits * HUGE_SZ, 0);
		ASSERT_NE(MAP_FAILED, p);
		fill_pages(p, 0, np, 0x3c);
		check_huge_units(p, nunits, node, NULL);
		want = preq_want(&q);
		ASSERT_NE(NULL, want);
		assert_layout(fd, p, np, want, false);
		free(want);
		EXPECT_EQ(-1, check_pages(p, 0, np, 0x3c));
		munmap(p, nunits * HUGE_SZ);
		close(fd);
	}
}

/* SPLIT with 2 MiB units: 1:3 of 10 units, boundaries on whole units. */
TEST_F(huge, split_by_unit)
{
	struct preq q = { .mode = CXLTIER_MODE_SPLIT, .n = 2,
			  .weight = { 1, 3 }, .page_shift = HUGE_SHIFT,
			  .length = 10 * HUGE_SZ };

	NEED_HUGE_NODES(self);
	NEED_MODE(&self->c.topo, CXLTIER_MODE_SPLIT);
	q.node[0] = self->dram->node;
	q.node[1] = self->mov->node;
	run_split(&q);
}

/*
 * Units of the mapping at @p (mapped, every page touched) whose pages are
 * not one aligned block, by their PFNs in /proc/self/pagemap.
 */
static size_t split_units_of(char *p, size_t nunits)
{
	const size_t per = HUGE_SZ / pgsz;
	size_t u, k, n = 0;

	for (u = 0; u < nunits; u++) {
		uint64_t pfn0 = pfn_of(p + u * HUGE_SZ);

		for (k = 1; k < per; k++)
			if (pfn_of(p + u * HUGE_SZ + k * pgsz) != pfn0 + k)
				break;
		n += k < per || !pfn0 || pfn0 % per;
	}
	return n;
}

/* Fragments the movable node, or fails saying why. */
#define FRAGMENT(self) do {						\
	int __r = fragment_node(self->c.dev, self->mov, &self->f,	\
				self->saved_vm);			\
	if (__r)							\
		TH_LOG("test setup: could not fragment node %u: %s",	\
		       self->mov->node, errname(__r));			\
	ASSERT_EQ(0, __r);						\
} while (0)

/*
 * HUGE_FALLBACK on a node with no 2 MiB page to give: the touch still
 * works, the unit is made of 4 KiB pages of the node.
 */
TEST_F_TIMEOUT(huge, fallback_fragmented_node, 300)
{
	struct preq q = { .mode = CXLTIER_MODE_BIND, .n = 1,
			  .page_shift = HUGE_SHIFT,
			  .flags = CXLTIER_CREATE_HUGE_FALLBACK,
			  .length = HUGE_SZ };
	const size_t np = HUGE_SZ / pgsz;
	struct bstat b;
	size_t i, split;
	int *want;
	char *p;
	int fd;

	NEED_HUGE_NODES(self);
	NEED_FLAG(&self->c.topo, CXLTIER_CREATE_HUGE_FALLBACK);
	q.node[0] = self->mov->node;
	FRAGMENT(self);
	fd = preq_create(self->c.dev, &q, NULL);
	ASSERT_OK(fd);
	p = map_buf(fd, HUGE_SZ, 0);
	ASSERT_NE(MAP_FAILED, p);
	EXPECT_EQ(0, probe(p + 100, true, NULL));
	assert_resident(fd, self->mov->node, HUGE_SZ);	/* the whole unit */
	fill_pages(p, 0, np, 0x4f);
	want = calloc(np, sizeof(*want));
	ASSERT_NE(NULL, want);
	for (i = 0; i < np; i++)
		want[i] = (int)self->mov->node;
	assert_layout(fd, p, np, want, false);
	split = split_units_of(p, 1);
	TH_LOG("the unit is %s", !split ? "one aligned block" :
	       "made of separate 4 KiB pages");
	EXPECT_EQ(-1, check_pages(p, 0, np, 0x4f));
	EXPECT_EQ(0ULL, spilled(fd));
	/* BUF_STAT counts it split exactly when its PFNs say so */
	ASSERT_OK(buf_stat(fd, &b));
	EXPECT_EQ((uint64_t)split, b.st.split_units);
	if (split) {
		EXPECT_EQ(0ULL, b.st.pmd_map_faults);
		EXPECT_LE(1ULL, b.st.pte_map_faults);
	}
	free(want);
	munmap(p, HUGE_SZ);
	close(fd);
}

/* Without HUGE_FALLBACK on the fragmented node: the touch is SIGBUS. */
TEST_F_TIMEOUT(huge, no_fallback_fragmented_sigbus, 300)
{
	struct preq q = { .mode = CXLTIER_MODE_BIND, .n = 1,
			  .page_shift = HUGE_SHIFT, .length = HUGE_SZ };
	char *p;
	int fd;

	NEED_HUGE_NODES(self);
	q.node[0] = self->mov->node;
	FRAGMENT(self);
	fd = preq_create(self->c.dev, &q, NULL);
	ASSERT_OK(fd);
	p = map_buf(fd, HUGE_SZ, 0);
	ASSERT_NE(MAP_FAILED, p);
	EXPECT_EQ(SIGBUS, probe(p + 100, true, NULL));
	assert_resident(fd, self->mov->node, 0);
	munmap(p, HUGE_SZ);
	close(fd);
}

/*
 * POPULATE on the fragmented node: -ENOMEM without HUGE_FALLBACK, then
 * success with it (4 KiB pages, resident at once).
 */
TEST_F_TIMEOUT(huge, populate_fragmented, 300)
{
	struct preq q = { .mode = CXLTIER_MODE_BIND, .n = 1,
			  .page_shift = HUGE_SHIFT,
			  .flags = CXLTIER_CREATE_POPULATE,
			  .length = HUGE_SZ };
	int fd;

	NEED_HUGE_NODES(self);
	NEED_FLAG(&self->c.topo, CXLTIER_CREATE_POPULATE);
	NEED_FLAG(&self->c.topo, CXLTIER_CREATE_HUGE_FALLBACK);
	q.node[0] = self->mov->node;
	FRAGMENT(self);
	EXPECT_ERRNO(ENOMEM, preq_create(self->c.dev, &q, NULL), "");
	q.flags |= CXLTIER_CREATE_HUGE_FALLBACK;
	fd = preq_create(self->c.dev, &q, NULL);
	ASSERT_OK(fd);
	assert_resident(fd, self->mov->node, HUGE_SZ);
	close(fd);
}

/*
 * @bytes of 4 KiB pages of which one in four is kept by the returned
 * buffer (fd) and the others freed: pageblocks three quarters free, which
 * is what compaction migrates into (it leaves whole free pageblocks alone).
 * The kept page is the last of each four: the free scanner samples every
 * 32nd page of a block once it has found nothing for a while, and must
 * land on free pages.  *@lo and *@hi: the lowest and highest kept PFN;
 * *@nabove: how many kept pages have a PFN above @above.
 */
static int sparse_pageblocks(int dev, unsigned int node, size_t bytes,
			     uint64_t above, size_t *nabove, uint64_t *lo,
			     uint64_t *hi)
{
	struct preq q = { .mode = CXLTIER_MODE_BIND, .n = 1,
			  .node = { node }, .length = bytes / 4 };
	size_t np = bytes / 4 / pgsz, i, k;
	int fa = preq_create(dev, &q, NULL), fb;
	char *a, *b;

	if (fa < 0)
		return fa;
	q.length = bytes / 4 * 3;
	fb = preq_create(dev, &q, NULL);
	if (fb < 0) {
		close(fa);
		return fb;
	}
	a = map_buf(fa, bytes / 4, 0);
	b = map_buf(fb, bytes / 4 * 3, 0);
	if (a == MAP_FAILED || b == MAP_FAILED) {
		close(fa);
		close(fb);
		return -ENOMEM;
	}
	*lo = ~0ULL;
	*hi = 0;
	*nabove = 0;
	for (i = 0; i < np; i++) {
		uint64_t pfn;

		for (k = 0; k < 3; k++)
			b[(3 * i + k) * pgsz] = 1;
		a[i * pgsz] = 1;
		pfn = pfn_of(a + i * pgsz);
		*lo = pfn < *lo ? pfn : *lo;
		*hi = pfn > *hi ? pfn : *hi;
		*nabove += pfn > above;
	}
	munmap(a, bytes / 4);
	munmap(b, bytes / 4 * 3);
	close(fb);
	return fa;
}

/*
 * A 2 MiB-page movable buffer keeps its data through compaction of its
 * node (its 4 KiB parts moved one by one) and stays on the node.  For
 * compaction to move it, the buffer must lie below sparse pageblocks (the
 * migration scanner walks up, the free scanner down and takes free pages
 * only from pageblocks in use, never a wholly free one), with nothing else
 * movable below it.  Where the sparse pages land is up to the allocator:
 * the holes earlier tests left below the buffer are used first.  So sets
 * of sparse pages are made after the buffer until one lies wholly above
 * it, the earlier ones kept meanwhile (each set fills the holes the one
 * before it left, so the next one must go elsewhere), and then the earlier
 * ones freed.  "Above" is: at least half of the set's kept pages above the
 * buffer's highest PFN, so that the holes above it (three per kept page)
 * can take every page below the buffer and the buffer's own.  Nothing is
 * assumed about where any of them lands.
 */
#define SPARSE_TRIES 8	/* 16 MiB resident each, on a 1 GiB node */

/*
 * The buffer itself must lie low: it takes free 2 MiB blocks wherever the
 * allocator keeps them, at the very top of the node after some earlier
 * tests, and then no set of sparse pages could lie above it (compaction
 * moved nothing).  So every free 2 MiB block of the node is taken (a
 * one-unit buffer each, on one CPU: 6.12 keeps freed 2 MiB blocks on the
 * CPU's free list), the lowest are given back and the buffer is made in
 * them, and then the rest are given back, which leaves room above
 * the buffer for the sparse pages.  Returns the buffer's fd, or -errno;
 * *@taken: how many blocks were taken.
 */
#define HOLD_MAX 1024	/* 2 GiB of 2 MiB blocks */

struct held_unit {
	uint64_t pfn;
	int fd;
};

static int cmp_held(const void *a, const void *b)
{
	const struct held_unit *x = a, *y = b;

	return x->pfn < y->pfn ? -1 : x->pfn > y->pfn;
}

static int low_huge_buffer(int dev, const struct preq *q, size_t nunits,
			   size_t *taken)
{
	struct preq one = *q;
	struct held_unit *h = calloc(HOLD_MAX, sizeof(*h));
	size_t n = 0, i;
	int fd = -ENOMEM;
	char *p;

	if (!h)
		return -ENOMEM;
	fd = pin_cpu();
	one.length = HUGE_SZ;
	while (fd >= 0 && n < HOLD_MAX) {
		h[n].fd = preq_create(dev, &one, NULL);
		if (h[n].fd < 0)
			break;
		p = map_buf(h[n].fd, HUGE_SZ, 0);
		if (p == MAP_FAILED || probe(p, true, NULL)) {
			if (p != MAP_FAILED)
				munmap(p, HUGE_SZ);
			close(h[n].fd);
			break;
		}
		h[n].pfn = pfn_of(p);
		munmap(p, HUGE_SZ);	/* the buffer keeps its page */
		n++;
	}
	/*
	 * The last take failed at the watermark: two more than the buffer
	 * needs go back, or its last unit would fail there too.
	 */
	*taken = n;
	qsort(h, n, sizeof(*h), cmp_held);
	for (i = 0; i < n && i < nunits + 2; i++)
		close(h[i].fd);
	if (fd >= 0)
		fd = preq_create(dev, q, NULL);
	p = fd >= 0 ? map_buf(fd, nunits * HUGE_SZ, 0) : MAP_FAILED;
	if (p != MAP_FAILED) {	/* its units, while the rest are held */
		for (i = 0; i < nunits; i++)
			if (probe(p + i * HUGE_SZ, true, NULL))
				break;
		munmap(p, nunits * HUGE_SZ);
		if (i < nunits) {
			close(fd);
			fd = -ENOMEM;
		}
	} else if (fd >= 0) {
		close(fd);
		fd = -ENOMEM;
	}
	for (i = nunits + 2 < n ? nunits + 2 : n; i < n; i++)
		close(h[i].fd);
	free(h);
	return fd;
}

TEST_F_TIMEOUT(huge, compaction_keeps_data, 300)
{
	const size_t nunits = 8, np = nunits * HUGE_SZ / pgsz;
	struct preq q = { .mode = CXLTIER_MODE_BIND, .n = 1,
			  .page_shift = HUGE_SHIFT,
			  .length = nunits * HUGE_SZ };
	uint64_t *pfns, lo, hi, hlo = ~0ULL, hhi = 0;
	size_t i, moved = 0, nabove, nkept = 64 * MiB / 4 / pgsz;
	int *want, fd, fs[SPARSE_TRIES], nfs = 0, pass;
	struct cxltier_migrate m;
	uint64_t used;
	struct preq to;
	struct bstat b;
	size_t split, taken = 0;
	char *p;

	NEED_HUGE_NODES(self);
	q.node[0] = self->mov->node;
	/* every 2 MiB block the node has: take it without compacting */
	ASSERT_EQ(0, set_frag_sysctls(self->saved_vm));
	fd = low_huge_buffer(self->c.dev, &q, nunits, &taken);
	TH_LOG("took the node's %zu free 2 MiB blocks (at most %d)", taken,
	       HOLD_MAX);
	ASSERT_OK(fd);
	p = map_buf(fd, nunits * HUGE_SZ, 0);
	ASSERT_NE(MAP_FAILED, p);
	fill_pages(p, 0, np, 0x6c);
	pfns = calloc(np, sizeof(*pfns));
	ASSERT_NE(NULL, pfns);
	for (i = 0; i < np; i++) {
		pfns[i] = pfn_of(p + i * pgsz);
		hlo = pfns[i] < hlo ? pfns[i] : hlo;
		hhi = pfns[i] > hhi ? pfns[i] : hhi;
	}
	TH_LOG("buffer at PFNs %#llx-%#llx", (unsigned long long)hlo,
	       (unsigned long long)hhi);
	do {
		fs[nfs] = sparse_pageblocks(self->c.dev, self->mov->node,
					    64 * MiB, hhi, &nabove, &lo, &hi);
		ASSERT_OK(fs[nfs]);
		TH_LOG("sparse pages (set %d) at %#llx-%#llx, %zu of %zu "
		       "above the buffer", nfs, (unsigned long long)lo,
		       (unsigned long long)hi, nabove, nkept);
		nfs++;
	} while (nabove < nkept / 2 && nfs < SPARSE_TRIES);
	/* the sets below the buffer would only feed the migration scanner */
	for (i = 0; i + 1 < (size_t)nfs; i++)
		close(fs[i]);
	/*
	 * A pass can spend itself on what lies below the buffer (pages of
	 * earlier tests, sparse pages that landed low): those go up first,
	 * and the next pass reaches the buffer.
	 */
	for (pass = 1; pass <= COMPACT_PASSES && !moved; pass++) {
		ASSERT_EQ(0, compact_node_pass(self->mov->node, pass));
		/*
		 * Read every page first: moving one page zaps its unit's PMD,
		 * and pagemap shows no PFN for what is not mapped.
		 */
		EXPECT_EQ(-1, check_pages(p, 0, np, 0x6c));
		for (i = 0; i < np; i++)
			moved += pfn_of(p + i * pgsz) != pfns[i];
		TH_LOG("compaction pass %d moved %zu of %zu pages", pass,
		       moved, np);
	}
	EXPECT_EQ(-1, check_pages(p, 0, np, 0x6c));
	want = calloc(np, sizeof(*want));
	ASSERT_NE(NULL, want);
	for (i = 0; i < np; i++)
		want[i] = (int)self->mov->node;
	assert_layout(fd, p, np, want, false);
	fill_pages(p, 0, np, 0x6d);
	EXPECT_EQ(-1, check_pages(p, 0, np, 0x6d));
	/* a test of moved pages needs pages that moved */
	if (!moved)
		TH_LOG("test setup: compaction moved none of the buffer's "
		       "pages");
	EXPECT_LT(0U, moved);
	/*
	 * Compaction moves a unit's pages one by one: BUF_STAT counts as
	 * split exactly the units whose PFNs are no longer one aligned
	 * block.  A MIGRATE to the policy the buffer already has re-forms
	 * each split unit on its node (it moves the split units, and only
	 * them, each to a new 2 MiB block there); a MIGRATE to the DRAM
	 * node then moves each unit as one block.
	 */
	split = split_units_of(p, nunits);
	ASSERT_OK(buf_stat(fd, &b));
	TH_LOG("%zu of %zu units split by compaction, BUF_STAT says %llu",
	       split, nunits, (unsigned long long)b.st.split_units);
	EXPECT_EQ((uint64_t)split, b.st.split_units);
	EXPECT_LT(0U, split);	/* a test of re-forming needs a split unit */
	/* MIGRATE's 2 MiB blocks may need compaction: allowed again */
	restore_frag_sysctls(self->saved_vm);
	/* at the node's quota: re-forming on the node takes no more of it */
	ASSERT_OK(qread(self->mov->node, "used_bytes", &used));
	ASSERT_OK(qset(self->mov->node, used));
	ASSERT_OK(mig_ex(fd, &q, 0, 0, &m));
	ASSERT_OK(qset(self->mov->node, QUOTA_MAX));
	TH_LOG("MIGRATE to the same policy, at the quota, moved %llu pages",
	       (unsigned long long)m.out_moved_pages);
	EXPECT_EQ((uint64_t)(split * HUGE_SZ / pgsz), m.out_moved_pages);
	EXPECT_EQ(0ULL, m.out_failed_pages);
	EXPECT_EQ(-1, check_pages(p, 0, np, 0x6d));
	assert_layout(fd, p, np, want, false);
	ASSERT_OK(buf_stat(fd, &b));
	EXPECT_EQ(0ULL, b.st.split_units);
	EXPECT_EQ(0U, split_units_of(p, nunits));
	/*
	 * Whole again, the units take a PMD each in a fresh mapping (this
	 * one keeps the page tables its split units needed: the kernel frees
	 * page tables only at munmap).
	 */
	ASSERT_OK(munmap(p, nunits * HUGE_SZ));
	p = map_buf(fd, nunits * HUGE_SZ, 0);
	ASSERT_NE(MAP_FAILED, p);
	EXPECT_EQ(-1, check_pages(p, 0, np, 0x6d));
	ASSERT_OK(buf_stat(fd, &b));
	EXPECT_EQ((uint64_t)nunits, b.st.pmd_mapped_units);
	to = bind1(self->dram->node, nunits * HUGE_SZ, HUGE_SHIFT);
	ASSERT_OK(mig_ex(fd, &to, 0, 0, &m));
	EXPECT_EQ((uint64_t)np, m.out_moved_pages);
	EXPECT_EQ(-1, check_pages(p, 0, np, 0x6d));
	ASSERT_OK(buf_stat(fd, &b));
	EXPECT_EQ(0ULL, b.st.split_units);
	EXPECT_EQ(0U, split_units_of(p, nunits));
	free(want);
	free(pfns);
	munmap(p, nunits * HUGE_SZ);
	close(fd);
	close(fs[nfs - 1]);
}

/*
 * Offlining the memory block under a 2 MiB-page buffer moves its pages
 * with their contents; the buffer keeps every byte.
 */
TEST_F_TIMEOUT(huge, offline_keeps_data, 300)
{
	const size_t nunits = 4, np = nunits * HUGE_SZ / pgsz;
	struct preq q = { .mode = CXLTIER_MODE_BIND, .n = 1,
			  .page_shift = HUGE_SHIFT,
			  .length = nunits * HUGE_SZ };
	struct block_state bs = { .state = "offline", .timeout_s = 60 };
	struct bstat b;
	char *p;
	int fd, r;

	NEED_HUGE_NODES(self);
	if (!memory_block_size())
		SKIP(return, "no /sys/devices/system/memory");
	q.node[0] = self->mov->node;
	fd = preq_create(self->c.dev, &q, NULL);
	ASSERT_OK(fd);
	p = map_buf(fd, nunits * HUGE_SZ, 0);
	ASSERT_NE(MAP_FAILED, p);
	fill_pages(p, 0, np, 0x7e);
	ASSERT_NE(0ULL, pfn_of(p));
	bs.block = pfn_of(p) * pgsz / memory_block_size();
	r = in_child(write_block_state, &bs);
	if (r == -1000 - SIGALRM)
		TH_LOG("offlining memory%" PRIu64 " did not finish in %u s",
		       bs.block, bs.timeout_s);
	if (r == -EBUSY || r == -EINVAL)
		SKIP(goto out, "memory%" PRIu64 " cannot go offline (%s)",
		     bs.block, errname(r));
	EXPECT_EQ(0, r);
	EXPECT_EQ(-1, check_pages(p, 0, np, 0x7e));
	ASSERT_OK(buf_stat(fd, &b));
	EXPECT_EQ((uint64_t)(nunits * HUGE_SZ), b.st.resident_bytes);
	fill_pages(p, 0, np, 0x7f);
	EXPECT_EQ(-1, check_pages(p, 0, np, 0x7f));
out:
	block_online_again(&bs);
	munmap(p, nunits * HUGE_SZ);
	close(fd);
}

/* ======================================================================== */
/* huge_pmd: a 2 MiB unit mapped by one PMD entry (map.c)                   */

#define PMD_UNITS	64		/* 128 MiB: 256 kB of PTE tables */

/*
 * Touching a 2 MiB-page buffer maps each unit by one PMD: its mapping is
 * 2 MiB-aligned and the process's page tables grow by at most 16 kB for
 * 128 MiB (with PTEs: a 4 kB table per unit, 256 kB).  The same buffer
 * mapped again at an address 4 KiB off the 2 MiB grid cannot take PMDs:
 * the same bytes through PTEs, and the page tables grow by 256 kB, which
 * shows what the first figure is compared against.
 */
TEST_F(huge, pmd_maps_units)
{
	const size_t len = PMD_UNITS * HUGE_SZ, np = len / pgsz;
	struct preq q = bind1(0, len, HUGE_SHIFT);
	long before, after, off_before, off_after;
	int node[PMD_UNITS];
	struct bstat b;
	char *p, *area, *off;
	unsigned int i;
	int fd;

	NEED_HUGE_NODES(self);
	q.node[0] = self->dram->node;
	for (i = 0; i < PMD_UNITS; i++)
		node[i] = (int)self->dram->node;
	fd = preq_create(self->c.dev, &q, NULL);
	ASSERT_OK(fd);
	p = map_buf(fd, len, 0);
	ASSERT_NE(MAP_FAILED, p);
	EXPECT_EQ(0, (int)((uintptr_t)p % HUGE_SZ));
	before = proc_status_kb(0, "VmPTE");
	fill_pages(p, 0, np, 0x5d);
	after = proc_status_kb(0, "VmPTE");
	TH_LOG("VmPTE %ld kB -> %ld kB after touching %zu MiB through PMDs",
	       before, after, (size_t)(len / MiB));
	ASSERT_LE(0, before);
	EXPECT_GE(16, after - before);
	check_huge_units(p, PMD_UNITS, node, NULL);
	/* BUF_STAT says the same: a PMD for every unit, no PTEs, none split */
	ASSERT_OK(buf_stat(fd, &b));
	EXPECT_EQ((uint64_t)PMD_UNITS, b.st.pmd_map_faults);
	EXPECT_EQ(0ULL, b.st.pte_map_faults);
	EXPECT_EQ(0ULL, b.st.split_units);

	/* the same buffer, 4 KiB off the 2 MiB grid: PTEs */
	area = mmap(NULL, len + 2 * HUGE_SZ, PROT_NONE,
		    MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	ASSERT_NE(MAP_FAILED, area);
	off = (char *)(((uintptr_t)area + HUGE_SZ - 1) & ~(HUGE_SZ - 1)) + pgsz;
	ASSERT_EQ(off, mmap(off, len, PROT_READ | PROT_WRITE,
			    MAP_SHARED | MAP_FIXED, fd, 0));
	off_before = proc_status_kb(0, "VmPTE");
	EXPECT_EQ(-1, check_pages(off, 0, np, 0x5d));
	off_after = proc_status_kb(0, "VmPTE");
	TH_LOG("VmPTE %ld kB -> %ld kB reading it again through PTEs",
	       off_before, off_after);
	EXPECT_LE(PMD_UNITS * 4, off_after - off_before);
	ASSERT_OK(buf_stat(fd, &b));
	TH_LOG("BUF_STAT: %llu PMD faults, %llu PTE faults",
	       (unsigned long long)b.st.pmd_map_faults,
	       (unsigned long long)b.st.pte_map_faults);
	EXPECT_EQ((uint64_t)PMD_UNITS, b.st.pmd_map_faults);
	EXPECT_LE(1ULL, b.st.pte_map_faults);
	munmap(area, len + 2 * HUGE_SZ);
	/* and the PMD mapping still reads what was written */
	EXPECT_EQ(-1, check_pages(p, 0, np, 0x5d));
	munmap(p, len);
	close(fd);
}

/*
 * mprotect and munmap of one 4 KiB page inside a PMD-mapped unit do what
 * they do to any huge mapping: the PMD is split (cleared), the page is
 * read-only or gone, and every other byte of the unit is still there.
 */
TEST_F(huge, pmd_partial_mprotect_munmap)
{
	const size_t len = 3 * HUGE_SZ, np = len / pgsz, u1 = HUGE_SZ / pgsz;
	struct preq q = bind1(0, len, HUGE_SHIFT);
	char *p;
	int fd;

	NEED_HUGE_NODES(self);
	q.node[0] = self->mov->node;
	fd = preq_create(self->c.dev, &q, NULL);
	ASSERT_OK(fd);
	p = map_buf(fd, len, 0);
	ASSERT_NE(MAP_FAILED, p);
	fill_pages(p, 0, np, 0x71);

	/* page 2 of unit 1 read-only */
	ASSERT_OK(mprotect(p + HUGE_SZ + 2 * pgsz, pgsz, PROT_READ));
	EXPECT_EQ(SIGSEGV, probe(p + HUGE_SZ + 2 * pgsz + 8, true, NULL));
	EXPECT_EQ(0, probe(p + HUGE_SZ + 3 * pgsz + 8, true, NULL));
	EXPECT_EQ(0, probe(p + HUGE_SZ + pgsz + 8, true, NULL));
	/* page 16 of unit 1 unmapped */
	ASSERT_OK(munmap(p + HUGE_SZ + 16 * pgsz, pgsz));
	EXPECT_EQ(SIGSEGV, probe(p + HUGE_SZ + 16 * pgsz, false, NULL));
	/* the two probes' writes landed; every other page holds the pattern */
	EXPECT_EQ(0x5a, p[HUGE_SZ + pgsz + 8]);
	EXPECT_EQ(0x5a, p[HUGE_SZ + 3 * pgsz + 8]);
	EXPECT_EQ(-1, check_pages(p, 0, u1 + 1, 0x71));
	EXPECT_EQ(-1, check_pages(p + (u1 + 2) * pgsz, u1 + 2, 1, 0x71));
	EXPECT_EQ(-1, check_pages(p + (u1 + 4) * pgsz, u1 + 4, 12, 0x71));
	EXPECT_EQ(-1, check_pages(p + (u1 + 17) * pgsz, u1 + 17,
				  np - u1 - 17, 0x71));
	munmap(p, len);
	close(fd);
}

/*
 * fork with a PMD-mapped buffer: the child sees every byte (it faults its
 * own PMDs in), its write reaches the parent, and its page tables too stay
 * small.
 */
TEST_F(huge, pmd_fork)
{
	const size_t len = 8 * HUGE_SZ, np = len / pgsz;
	struct preq q = bind1(0, len, HUGE_SHIFT);
	volatile uint64_t *mark;
	int fd, status;
	pid_t pid;
	char *p;

	NEED_HUGE_NODES(self);
	q.node[0] = self->mov->node;
	fd = preq_create(self->c.dev, &q, NULL);
	ASSERT_OK(fd);
	p = map_buf(fd, len, 0);
	ASSERT_NE(MAP_FAILED, p);
	fill_pages(p, 0, np, 0x33);
	mark = (volatile uint64_t *)(p + 5 * HUGE_SZ + 4 * pgsz + 64);
	pid = fork();
	ASSERT_LE(0, pid);
	if (pid == 0) {
		long before = proc_status_kb(0, "VmPTE");
		long bad = check_pages(p, 0, np, 0x33);

		*mark = 0xc0ffee;
		_exit(bad != -1 ? 1 : proc_status_kb(0, "VmPTE") - before > 16 ? 2 : 0);
	}
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	ASSERT_TRUE(WIFEXITED(status));
	EXPECT_EQ(0, WEXITSTATUS(status));	/* 1: data, 2: PTEs in the child */
	EXPECT_EQ(0xc0ffeeULL, (unsigned long long)*mark);
	munmap(p, len);
	close(fd);
}

/*
 * BUF_STAT's pmd_mapped_units: the units that PMD entries map now, in every
 * mapping of every process, each unit once: after touching, after an
 * mprotect split a unit's PMD, with a second mapping of the buffer, and
 * with a forked child's PMDs once the parent has unmapped its own.  (Not
 * checked against smaps' FilePmdMapped here: on 6.1 with CONFIG_DEBUG_VM,
 * smaps of a PMD-mapped unit trips follow_trans_huge_pmd()'s
 * VM_BUG_ON_PAGE(!PageHead), doc/kernels.md; libtier's test does it on
 * the release kernels.)
 */
#define PMD_NOW(fd, b) (buf_stat(fd, &(b)) ? -1LL : (long long)(b).st.pmd_mapped_units)
TEST_F(huge, pmd_mapped_units_now)
{
	const size_t len = 4 * HUGE_SZ, np = len / pgsz, u = HUGE_SZ / pgsz;
	struct preq q = bind1(0, len, HUGE_SHIFT);
	int to_child[2], to_parent[2], fd, status;
	struct bstat b;
	char *p, *p2, c = 0;
	pid_t pid;

	NEED_HUGE_NODES(self);
	q.node[0] = self->mov->node;
	fd = preq_create(self->c.dev, &q, NULL);
	ASSERT_OK(fd);
	p = map_buf(fd, len, 0);
	ASSERT_NE(MAP_FAILED, p);
	EXPECT_EQ(0LL, PMD_NOW(fd, b));
	fill_pages(p, 0, np, 0x29);
	EXPECT_EQ(4LL, PMD_NOW(fd, b));

	/* one page of unit 1 read-only: the core splits that unit's PMD */
	ASSERT_OK(mprotect(p + HUGE_SZ + 2 * pgsz, pgsz, PROT_READ));
	EXPECT_EQ(3LL, PMD_NOW(fd, b));

	/* a second mapping maps unit 1 whole again: each unit counts once */
	p2 = map_buf(fd, len, 0);
	ASSERT_NE(MAP_FAILED, p2);
	EXPECT_EQ(-1, check_pages(p2, 0, np, 0x29));
	EXPECT_EQ(4LL, PMD_NOW(fd, b));
	ASSERT_OK(munmap(p2, len));
	EXPECT_EQ(3LL, PMD_NOW(fd, b));

	/* another process's entries count: a child maps units 2 and 3 */
	ASSERT_OK(pipe(to_child));
	ASSERT_OK(pipe(to_parent));
	pid = fork();
	ASSERT_LE(0, pid);
	if (pid == 0) {
		char ok = check_pages(p + 2 * HUGE_SZ, 2 * u, 2 * u, 0x29) == -1 ?
			  'y' : 'n';

		if (write(to_parent[1], &ok, 1) != 1 ||
		    read(to_child[0], &ok, 1) != 1)
			_exit(1);
		_exit(0);
	}
	ASSERT_EQ(1, read(to_parent[0], &c, 1));
	EXPECT_EQ('y', c);	/* the child read its units */
	EXPECT_EQ(3LL, PMD_NOW(fd, b));
	ASSERT_OK(munmap(p, len));
	EXPECT_EQ(2LL, PMD_NOW(fd, b));	/* the child's, alone */
	ASSERT_EQ(1, write(to_child[1], &c, 1));
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	EXPECT_TRUE(WIFEXITED(status) && !WEXITSTATUS(status));
	EXPECT_EQ(0LL, PMD_NOW(fd, b));
	close(to_child[0]);
	close(to_child[1]);
	close(to_parent[0]);
	close(to_parent[1]);
	close(fd);
}

/*
 * ptrace's door (/proc/PID/mem, the mapping's ->access) reads and writes
 * across the boundary of two PMD-mapped units.
 */
TEST_F(huge, pmd_proc_mem_across_units)
{
	const size_t len = 2 * HUGE_SZ, np = len / pgsz;
	struct preq q = bind1(0, len, HUGE_SHIFT);
	char got[2 * 4096], want[2 * 4096];
	char *p, *at;
	int fd, mem;

	NEED_HUGE_NODES(self);
	ASSERT_GE(sizeof(got), 2 * pgsz);
	q.node[0] = self->mov->node;
	fd = preq_create(self->c.dev, &q, NULL);
	ASSERT_OK(fd);
	p = map_buf(fd, len, 0);
	ASSERT_NE(MAP_FAILED, p);
	fill_pages(p, 0, np, 0x44);
	at = p + HUGE_SZ - pgsz;
	memcpy(want, at, 2 * pgsz);
	mem = open("/proc/self/mem", O_RDWR);
	ASSERT_LE(0, mem);
	ASSERT_EQ((ssize_t)(2 * pgsz), pread(mem, got, 2 * pgsz, (off_t)(uintptr_t)at));
	EXPECT_EQ(0, memcmp(got, want, 2 * pgsz));
	memset(want, 0x5a, sizeof(want));
	ASSERT_EQ((ssize_t)(2 * pgsz), pwrite(mem, want, 2 * pgsz, (off_t)(uintptr_t)at));
	EXPECT_EQ(0, memcmp(at, want, 2 * pgsz));
	close(mem);
	munmap(p, len);
	close(fd);
}

/*
 * MIGRATE of a PMD-mapped buffer while a thread writes to it: no write is
 * lost, the units arrive whole (one aligned contiguous run each on the new
 * node), and touched again they are PMD-mapped again.
 */
struct pmd_writer {
	volatile uint64_t *w;
	size_t nwords;
	size_t stride;		/* words between two written; 0: 4 KiB */
	volatile int stop;
	volatile uint64_t last;	/* the last round written whole */
};

static void *pmd_writer_run(void *arg)
{
	struct pmd_writer *wr = arg;
	size_t i, stride = wr->stride ? wr->stride : 512;
	uint64_t round;

	for (round = 1; !wr->stop; round++) {
		for (i = 0; i < wr->nwords; i += stride)
			wr->w[i] = round;
		wr->last = round;
	}
	return NULL;
}

TEST_F_TIMEOUT(huge, pmd_migrate_with_writer, 300)
{
	const size_t nunits = 8, len = nunits * HUGE_SZ;
	struct preq q = bind1(0, len, HUGE_SHIFT), to;
	struct pmd_writer wr = { 0 };
	int node[8];
	long before, after;
	pthread_t th;
	unsigned int i;
	size_t k;
	char *p;
	int fd;

	NEED_HUGE_NODES(self);
	q.node[0] = self->mov->node;
	to = bind1(self->dram->node, len, HUGE_SHIFT);
	for (i = 0; i < nunits; i++)
		node[i] = (int)self->dram->node;
	fd = preq_create(self->c.dev, &q, NULL);
	ASSERT_OK(fd);
	p = map_buf(fd, len, 0);
	ASSERT_NE(MAP_FAILED, p);
	memset(p, 0, len);
	wr.w = (volatile uint64_t *)p;
	wr.nwords = len / sizeof(uint64_t);
	ASSERT_EQ(0, pthread_create(&th, NULL, pmd_writer_run, &wr));
	while (wr.last < 2)
		usleep(1000);
	EXPECT_OK(mig_ex(fd, &to, 0, 0, NULL));
	wr.stop = 1;
	pthread_join(th, NULL);
	/* every page holds the last round written, or the one after it */
	for (k = 0; k < wr.nwords; k += 512)
		if (wr.w[k] != wr.last && wr.w[k] != wr.last + 1)
			break;
	EXPECT_EQ(wr.nwords, k);
	assert_resident(fd, self->dram->node, len);
	/*
	 * A fresh mapping (the writer's faults during the move may have left
	 * page tables in the old one): the moved units take PMDs again.
	 */
	munmap(p, len);
	p = map_buf(fd, len, 0);
	ASSERT_NE(MAP_FAILED, p);
	before = proc_status_kb(0, "VmPTE");
	memset(p, 1, len);
	after = proc_status_kb(0, "VmPTE");
	TH_LOG("after MIGRATE: VmPTE %ld kB -> %ld kB", before, after);
	check_huge_units(p, nunits, node, NULL);
	EXPECT_GE(16, after - before);
	munmap(p, len);
	close(fd);
}

/*
 * MADV_COLD and MADV_PAGEOUT over PMD-mapped units, then MIGRATE while a
 * thread writes: no write is lost.  6.1's madvise takes a devmap PMD in a
 * file mapping for a bad entry and clears it without a TLB flush
 * (doc/kernels.md); a CPU that kept the translation would go on writing
 * into the unit's old pages after MIGRATE copied them, unless the module
 * flushes before it copies.
 */
TEST_F_TIMEOUT(huge, pmd_madv_cold_then_migrate, 300)
{
	const size_t nunits = 8, len = nunits * HUGE_SZ;
	struct preq q = bind1(0, len, HUGE_SHIFT), to;
	struct pmd_writer wr = { 0 };
	struct bstat b;
	uint64_t seen;
	pthread_t th;
	size_t k;
	char *p;
	int fd;

	NEED_HUGE_NODES(self);
	q.node[0] = self->mov->node;
	to = bind1(self->dram->node, len, HUGE_SHIFT);
	fd = preq_create(self->c.dev, &q, NULL);
	ASSERT_OK(fd);
	p = map_buf(fd, len, 0);
	ASSERT_NE(MAP_FAILED, p);
	memset(p, 0, len);
	wr.w = (volatile uint64_t *)p;
	wr.nwords = len / sizeof(uint64_t);
	/* one word per unit: the writer's translations stay in its TLB */
	wr.stride = HUGE_SZ / sizeof(uint64_t);
	ASSERT_EQ(0, pthread_create(&th, NULL, pmd_writer_run, &wr));
	while (wr.last < 2)
		usleep(1000);
	EXPECT_OK(madvise(p, len / 2, MADV_COLD));
	EXPECT_OK(madvise(p + len / 2, len / 2, MADV_PAGEOUT));
	/* 6.1 clears the PMDs (the writer's faults put them back): a log */
	ASSERT_OK(buf_stat(fd, &b));
	TH_LOG("after madvise: %llu of %zu units PMD-mapped",
	       (unsigned long long)b.st.pmd_mapped_units, nunits);
	seen = wr.last;
	while (wr.last < seen + 2)	/* the writer goes on through it */
		usleep(1000);
	EXPECT_OK(mig_ex(fd, &to, 0, 0, NULL));
	seen = wr.last;
	while (wr.last < seen + 2)	/* and after the move */
		usleep(1000);
	wr.stop = 1;
	pthread_join(th, NULL);
	for (k = 0; k < wr.nwords; k += wr.stride)
		if (wr.w[k] != wr.last && wr.w[k] != wr.last + 1)
			break;
	if (k < wr.nwords)
		TH_LOG("unit %zu holds round %llu, the writer's last was %llu",
		       k / wr.stride, (unsigned long long)wr.w[k],
		       (unsigned long long)wr.last);
	EXPECT_EQ(wr.nwords, k);
	/* a fresh look, through a new mapping, at what the buffer holds */
	munmap(p, len);
	p = map_buf(fd, len, 0);
	ASSERT_NE(MAP_FAILED, p);
	for (k = 0; k < wr.nwords; k += wr.stride)
		if (((uint64_t *)p)[k] != wr.last &&
		    ((uint64_t *)p)[k] != wr.last + 1)
			break;
	EXPECT_EQ(wr.nwords, k);
	assert_resident(fd, self->dram->node, len);
	munmap(p, len);
	close(fd);
}
