/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A placement request of the cxltier kselftest suite, and the checks of
 * where its pages went: struct preq describes a CREATE (mode, nodes,
 * weights, page and chunk size, length); preq_want() computes from the
 * header's definitions the node each page must be on, and the assert_ and
 * check_ helpers compare that with BUF_STAT, /proc/self/pagemap and
 * move_pages(2).  Used by the policy, migrate, quota and sysfs tests.
 */
#ifndef CXLTIER_TEST_PLACEMENT_H
#define CXLTIER_TEST_PLACEMENT_H

#include "cxltier_test.h"

/* A create request with a policy. */
struct preq {
	uint64_t length;
	uint32_t mode, flags, page_shift, chunk_shift;
	unsigned int n;
	unsigned int node[CXLTIER_MAX_POLICY_NODES];
	uint32_t weight[CXLTIER_MAX_POLICY_NODES];
};

/* The node list of @q as the uapi carries it (CREATE, MIGRATE). */
static void preq_node_weights(const struct preq *q,
			      struct cxltier_node_weight *nw)
{
	unsigned int i;

	memset(nw, 0, sizeof(*nw) * CXLTIER_MAX_POLICY_NODES);
	for (i = 0; i < q->n && i < CXLTIER_MAX_POLICY_NODES; i++) {
		nw[i].node = q->node[i];
		nw[i].weight = q->weight[i];
	}
}

/* CXLTIER_IOC_CREATE of @q: the new fd or -errno; @out may be NULL. */
static int preq_create(int dev, const struct preq *q,
		       struct cxltier_create *out)
{
	struct cxltier_node_weight nw[CXLTIER_MAX_POLICY_NODES];
	struct cxltier_create c;
	int r;

	preq_node_weights(q, nw);
	memset(&c, 0, sizeof(c));
	c.size = sizeof(c);
	c.flags = q->flags;
	c.length = q->length;
	c.mode = q->mode;
	c.nr_nodes = q->n;
	c.nodes = (uintptr_t)nw;
	c.page_shift = q->page_shift;
	c.chunk_shift = q->chunk_shift;
	r = xioctl(dev, CXLTIER_IOC_CREATE, &c);
	if (out)
		*out = c;
	return r < 0 ? r : c.out_fd;
}

static unsigned int preq_unit_shift(const struct preq *q)
{
	return q->page_shift ? q->page_shift : pgshift;
}

/* Units of the buffer: the length rounded up to the page size. */
static uint64_t preq_units(const struct preq *q)
{
	unsigned int us = preq_unit_shift(q);

	return (q->length + (1ULL << us) - 1) >> us;
}

/* Base pages of the buffer. */
static size_t preq_pages(const struct preq *q)
{
	return (size_t)(preq_units(q) << (preq_unit_shift(q) - pgshift));
}

/* Base pages per chunk (0 chunk_shift: one unit). */
static uint64_t preq_chunk_pages(const struct preq *q)
{
	unsigned int cs = q->chunk_shift ? q->chunk_shift : preq_unit_shift(q);

	return 1ULL << (cs - pgshift);
}

/*
 * The list index of the home of base page @pg for the modes the header
 * defines exactly: BIND (unit % n), PREFERRED (0), INTERLEAVE (chunk % n).
 * -1 for the others.
 */
static int preq_home(const struct preq *q, uint64_t pg)
{
	uint64_t unit = pg >> (preq_unit_shift(q) - pgshift);
	uint64_t chunk = pg / preq_chunk_pages(q);

	switch (q->mode) {
	case CXLTIER_MODE_BIND:
		return (int)(unit % q->n);
	case CXLTIER_MODE_PREFERRED:
		return 0;
	case CXLTIER_MODE_INTERLEAVE:
		return (int)(chunk % q->n);
	}
	return -1;
}

/* want[pg] = the home node of each base page (exact modes only). */
static int *preq_want(const struct preq *q)
{
	size_t np = preq_pages(q), i;
	int *want = calloc(np, sizeof(*want));

	if (!want)
		return NULL;
	for (i = 0; i < np; i++)
		want[i] = (int)q->node[preq_home(q, i)];
	return want;
}

/* Pages of @want (np entries) equal to @node. */
static size_t count_node(const int *v, size_t np, int node)
{
	size_t i, n = 0;

	for (i = 0; i < np; i++)
		n += v[i] == node;
	return n;
}

/*
 * pagemap's view of @np pages at @p: the node of each page's memory block
 * in @node (-1 when not present) and its PFN in @pfn (may be NULL; 0 when
 * not present).  Returns the number of present pages or -errno.
 */
static long page_nodes(void *p, size_t np, int *node, uint64_t *pfn)
{
	uint64_t *e = calloc(np, sizeof(*e));
	long present = 0;
	size_t i, got = 0;
	int fd;

	if (!e)
		return -ENOMEM;
	fd = open("/proc/self/pagemap", O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		free(e);
		return -errno;
	}
	while (got < np * sizeof(*e)) {
		ssize_t n = pread(fd, (char *)e + got, np * sizeof(*e) - got,
				  (off_t)((uintptr_t)p / pgsz * sizeof(*e) +
					  got));

		if (n <= 0) {
			close(fd);
			free(e);
			return -EIO;
		}
		got += (size_t)n;
	}
	close(fd);
	for (i = 0; i < np; i++) {
		uint64_t f = e[i] & ((1ULL << 55) - 1);

		if (!(e[i] & (1ULL << 63)) || !f) {
			node[i] = -1;
			if (pfn)
				pfn[i] = 0;
			continue;
		}
		present++;
		node[i] = pfn_node(f);
		if (pfn)
			pfn[i] = f;
	}
	free(e);
	return present;
}

/* move_pages(2) query of @np pages at @p into @status; 0 or -errno. */
static int move_pages_query(void *p, size_t np, int *status)
{
	void **pages = calloc(np, sizeof(*pages));
	size_t i;
	long r;

	if (!pages)
		return -ENOMEM;
	for (i = 0; i < np; i++) {
		pages[i] = (char *)p + i * pgsz;
		status[i] = INT_MIN;
	}
	r = syscall(SYS_move_pages, 0, (unsigned long)np, pages, NULL, status,
		    0);
	free(pages);
	return r < 0 ? -errno : 0;
}

/* "0-18:1 19-36:2 ..." for a per-page node array, truncated to @len. */
static const char *runs(const int *v, size_t np, char *buf, size_t len)
{
	size_t i = 0, at = 0;

	buf[0] = 0;
	while (i < np && at + 32 < len) {
		size_t j = i;

		while (j + 1 < np && v[j + 1] == v[i])
			j++;
		at += (size_t)snprintf(buf + at, len - at, "%zu-%zu:%d ", i, j,
				       v[i]);
		i = j + 1;
	}
	if (i < np)
		snprintf(buf + at, len - at, "...");
	return buf;
}

/*
 * ASSERT that BUF_STAT of @fd counts, per node, what @got (a node per base
 * page, -1 for none) holds: the same resident nodes in ascending order, the
 * same bytes, the same total.
 */
#define assert_stat_matches(fd, got, np) \
	__assert_stat_matches(_metadata, fd, got, np)
static void __assert_stat_matches(struct __test_metadata *_metadata, int fd,
				  const int *got, size_t np)
{
	static uint64_t count[TOPO_MAX_NODES];
	unsigned int i, nr = 0;
	uint64_t total = 0;
	struct bstat b;
	size_t pg;

	memset(count, 0, sizeof(count));
	for (pg = 0; pg < np; pg++)
		if (got[pg] >= 0 && got[pg] < TOPO_MAX_NODES) {
			count[got[pg]]++;
			total++;
		}
	ASSERT_OK(buf_stat(fd, &b));
	if (b.st.resident_bytes != total * pgsz)
		TH_LOG("BUF_STAT resident_bytes %llu, pages seen %llu bytes",
		       (unsigned long long)b.st.resident_bytes,
		       (unsigned long long)(total * pgsz));
	ASSERT_EQ(total * pgsz, b.st.resident_bytes);
	for (i = 0; i < TOPO_MAX_NODES; i++) {
		if (!count[i])
			continue;
		if (nr >= b.st.nr_resident || b.res[nr].node != i ||
		    b.res[nr].bytes != count[i] * pgsz)
			TH_LOG("node %u: %llu bytes per pagemap; BUF_STAT entry "
			       "%u: node %u, %llu bytes (of %u entries)", i,
			       (unsigned long long)(count[i] * pgsz), nr,
			       nr < b.st.nr_resident ? b.res[nr].node : ~0U,
			       nr < b.st.nr_resident ?
			       (unsigned long long)b.res[nr].bytes : 0ULL,
			       b.st.nr_resident);
		ASSERT_GT(b.st.nr_resident, nr);
		ASSERT_EQ(i, b.res[nr].node);
		ASSERT_EQ(count[i] * pgsz, b.res[nr].bytes);
		nr++;
	}
	ASSERT_EQ(nr, b.st.nr_resident);
}

/*
 * ASSERT that every one of the @np pages at @p (the whole buffer @fd,
 * mapped) is present on the node @want gives it:
 *  - /proc/self/pagemap PFNs mapped to nodes by the sysfs memory blocks;
 *  - move_pages(2) in query mode: the same node for a pinnable buffer
 *    (ordinary PTEs), no page (no_page_status()) for a movable one (the header's
 *    special PTEs);
 *  - BUF_STAT's bytes per node and resident total.
 */
/*
 * Whether page @i of the @np pages at @p lies in a 2 MiB-aligned window of
 * the mapping, inside them, whose every page move_pages() reported on its
 * true node (what a PMD-mapped unit looks like to 6.12's move_pages()).
 */
static bool pmd_window_shows_nodes(void *p, size_t np, size_t i,
				   const int *st, const int *got)
{
	uintptr_t w = ((uintptr_t)p + i * pgsz) & ~((uintptr_t)(2 * MiB) - 1);
	size_t first, k, n = 2 * MiB / pgsz;

	if (no_page_status() != -ENOENT || w < (uintptr_t)p)
		return false;		/* before 6.12, or a partial window */
	first = (w - (uintptr_t)p) / pgsz;
	if (first + n > np)
		return false;
	for (k = first; k < first + n; k++)
		if (st[k] != got[k])
			return false;
	return true;
}

#define assert_layout(fd, p, np, want, pinnable) \
	__assert_layout(_metadata, fd, p, np, want, pinnable)
static void __assert_layout(struct __test_metadata *_metadata, int fd,
			    void *p, size_t np, const int *want,
			    bool pinnable)
{
	int *got = calloc(np, sizeof(*got));
	int *st = calloc(np, sizeof(*st));
	size_t i, bad = 0, first = 0, mbad = 0, mfirst = 0;
	char b1[512], b2[512];
	long present;

	ASSERT_NE(NULL, got);
	ASSERT_NE(NULL, st);
	present = page_nodes(p, np, got, NULL);
	ASSERT_LE(0, present);
	for (i = 0; i < np; i++)
		if (got[i] != want[i] && !bad++)
			first = i;
	if (bad || present != (long)np) {
		TH_LOG("pagemap: %ld of %zu pages present, %zu not where the "
		       "policy puts them (first: page %zu on node %d, expected "
		       "%d)", present, np, bad, first, got[first],
		       want[first]);
		TH_LOG("expected %s", runs(want, np, b1, sizeof(b1)));
		TH_LOG("got      %s", runs(got, np, b2, sizeof(b2)));
	}
	ASSERT_EQ((long)np, present);
	ASSERT_EQ(0U, bad);

	ASSERT_OK(move_pages_query(p, np, st));
	for (i = 0; i < np; i++) {
		int exp = pinnable ? got[i] : no_page_status();

		/*
		 * 6.12's move_pages() finds a page under a PMD entry
		 * (folio_walk_start()), so a movable buffer's PMD-mapped
		 * unit (map.c) shows its true node: a whole aligned 2 MiB
		 * window of them, never a wrong one.
		 */
		if (!pinnable && st[i] == got[i] &&
		    pmd_window_shows_nodes(p, np, i, st, got))
			exp = got[i];
		if (st[i] != exp && !mbad++)
			mfirst = i;
	}
	if (mbad)
		TH_LOG("move_pages: %zu of %zu pages disagree; first: page %zu "
		       "status %d, expected %d (%s buffer)", mbad, np, mfirst,
		       st[mfirst], pinnable ? got[mfirst] : no_page_status(),
		       pinnable ? "pinnable: its node" :
				  "movable: no page seen");
	ASSERT_EQ(0U, mbad);

	assert_stat_matches(fd, got, np);
	free(got);
	free(st);
}

/* BUF_STAT's spilled_bytes of @fd, or ~0 on error. */
static uint64_t spilled(int fd)
{
	struct bstat b;

	if (buf_stat(fd, &b))
		return ~0ULL;
	return b.st.spilled_bytes;
}

/*
 * The nodes of the policy and mig fixtures, each with 128 MiB free: a DRAM
 * node of kind @dram_kind, a CXL node and a second CXL node; NULL where the
 * topology has none.
 */
#define DRAM_CXL_FREE (128 * MiB)

static void pick_dram_cxl(const struct topo *t, enum node_kind dram_kind,
			  const struct cxltier_node_info **dram,
			  const struct cxltier_node_info **cxl,
			  const struct cxltier_node_info **cxl2)
{
	*dram = topo_pick(t, dram_kind, DRAM_CXL_FREE);
	*cxl = topo_pick(t, NK_CXL, DRAM_CXL_FREE);
	*cxl2 = topo_pick_not(t, NK_CXL, DRAM_CXL_FREE,
			      *cxl ? (int)(*cxl)->node : -1, -1);
}

/* Skips (fails when strict) without both: a DRAM node of @dram_kind, a CXL. */
#define NEED_DRAM_CXL_KIND(self, dram_kind) do {			\
	if (!(self)->dram || !(self)->cxl)				\
		SKIP_TOPO(return, "needs %s and a CXL node with "	\
			  "128 MiB free", node_kind_name[dram_kind]);	\
} while (0)

/*
 * ASSERTs the WEIGHTED layout of the buffer @fd mapped whole at @p: every
 * chunk on one listed node; every full round (sum of weights chunks) holds
 * exactly weight[i] chunks of node i; a buffer of whole rounds holds
 * exactly rounds * weight[i] chunks of node i.  The header does not order
 * the chunks within a round, so neither does this.
 */
#define check_weighted(fd, p, q) __check_weighted(_metadata, fd, p, q)

static void __check_weighted(struct __test_metadata *_metadata, int fd,
			     void *p, const struct preq *q)
{
	size_t np = preq_pages(q), cp = (size_t)preq_chunk_pages(q);
	size_t nchunks = np / cp, c, i, round = 0;
	uint64_t sum = 0, per[CXLTIER_MAX_POLICY_NODES] = { 0 };
	int *got = calloc(np, sizeof(*got)), *want;
	unsigned int k;

	ASSERT_NE(NULL, got);
	ASSERT_EQ(0U, np % cp);
	ASSERT_EQ((long)np, page_nodes(p, np, got, NULL));
	for (k = 0; k < q->n; k++)
		sum += q->weight[k];
	for (c = 0; c < nchunks; c++) {
		int node = got[c * cp];

		for (i = 1; i < cp; i++)
			if (got[c * cp + i] != node) {
				TH_LOG("chunk %zu is on nodes %d and %d", c,
				       node, got[c * cp + i]);
				ASSERT_EQ(node, got[c * cp + i]);
			}
		for (k = 0; k < q->n; k++)
			if ((int)q->node[k] == node)
				break;
		if (k == q->n)
			TH_LOG("chunk %zu on node %d, not in the list", c,
			       node);
		ASSERT_GT(q->n, k);
		per[k]++;
		if ((c + 1) % sum)
			continue;
		/* a round is complete */
		for (k = 0; k < q->n; k++) {
			if (per[k] != (round + 1) * q->weight[k])
				TH_LOG("round %zu: %llu chunks on node %u so "
				       "far, expected %llu", round,
				       (unsigned long long)per[k], q->node[k],
				       (unsigned long long)((round + 1) *
							    q->weight[k]));
			ASSERT_EQ((round + 1) * q->weight[k], per[k]);
		}
		round++;
	}
	/* the exact per-node counts, which the BUF_STAT check also sees */
	want = calloc(np, sizeof(*want));
	ASSERT_NE(NULL, want);
	for (i = 0; i < np; i++)
		want[i] = got[i];
	for (k = 0; k < q->n; k++)
		TH_LOG("node %u (weight %u): %zu of %zu pages", q->node[k],
		       q->weight[k], count_node(got, np, (int)q->node[k]), np);
	assert_layout(fd, p, np, want, false);
	free(want);
	free(got);
}

/*
 * ASSERTs the SPLIT layout of the buffer @fd mapped whole at @p: the
 * listed nodes hold consecutive ranges in list order (by pagemap, page by
 * page); each range differs from its exact share (units * weight / sum)
 * by less than one unit, and is exactly the share when that is whole.
 */
#define check_split(fd, p, q) __check_split(_metadata, fd, p, q)

static void __check_split(struct __test_metadata *_metadata, int fd,
			  void *p, const struct preq *q)
{
	size_t np = preq_pages(q), upg = preq_pages(q) / preq_units(q);
	uint64_t units = preq_units(q), sum = 0, prev_end = 0;
	int *got = calloc(np, sizeof(*got)), *want;
	size_t pg = 0, i;
	unsigned int k;
	char b1[512];

	ASSERT_NE(NULL, got);
	ASSERT_EQ((long)np, page_nodes(p, np, got, NULL));
	for (k = 0; k < q->n; k++)
		sum += q->weight[k];
	TH_LOG("layout %s", runs(got, np, b1, sizeof(b1)));
	for (k = 0; k < q->n; k++) {
		size_t start = pg;
		uint64_t have, num;

		while (pg < np && got[pg] == (int)q->node[k])
			pg++;
		ASSERT_EQ(0U, (pg - start) % upg);
		have = (pg - start) / upg;
		/* |have - units * w / sum| < 1, in integers */
		num = units * q->weight[k];
		TH_LOG("node %u (weight %u): units %zu-%zu, %llu units (exact "
		       "share %.3f)", q->node[k], q->weight[k], start / upg,
		       pg / upg, (unsigned long long)have,
		       (double)num / (double)sum);
		if (num % sum == 0) {
			EXPECT_EQ(num / sum, have);
		} else {
			EXPECT_GT(sum, have * sum > num ? have * sum - num :
							   num - have * sum);
		}
		prev_end = pg;
	}
	if (prev_end != np)
		TH_LOG("page %llu on node %d: not the list's ranges in order",
		       (unsigned long long)prev_end,
		       prev_end < np ? got[prev_end] : -1);
	ASSERT_EQ(np, prev_end);
	want = calloc(np, sizeof(*want));
	ASSERT_NE(NULL, want);
	for (i = 0; i < np; i++)
		want[i] = got[i];
	assert_layout(fd, p, np, want, false);
	free(want);
	free(got);
}

/*
 * ASSERTs that each 2 MiB unit of the @nunits at @p is all present (or,
 * per @present[u], all absent), physically contiguous and 2 MiB-aligned
 * by pagemap, on node @node[u].
 */
#define check_huge_units(p, nunits, node, present) \
	__check_huge_units(_metadata, p, nunits, node, present)
static void __check_huge_units(struct __test_metadata *_metadata, void *p,
			       size_t nunits, const int *node,
			       const bool *present)
{
	const size_t upg = HUGE_SZ / pgsz;
	size_t np = nunits * upg, u, i;
	int *got = calloc(np, sizeof(*got));
	uint64_t *pfn = calloc(np, sizeof(*pfn));

	ASSERT_NE(NULL, got);
	ASSERT_NE(NULL, pfn);
	ASSERT_LE(0, page_nodes(p, np, got, pfn));
	for (u = 0; u < nunits; u++) {
		const int *g = got + u * upg;
		const uint64_t *f = pfn + u * upg;
		size_t seen = 0;

		for (i = 0; i < upg; i++)
			seen += g[i] >= 0;
		if (present && !present[u]) {
			if (seen)
				TH_LOG("unit %zu: %zu pages mapped, none "
				       "expected", u, seen);
			ASSERT_EQ(0U, seen);
			continue;
		}
		if (seen != upg)
			TH_LOG("unit %zu: %zu of %zu pages mapped", u, seen,
			       upg);
		ASSERT_EQ(upg, seen);
		if (f[0] % upg)
			TH_LOG("unit %zu starts at PFN %#llx: not 2 MiB "
			       "aligned", u, (unsigned long long)f[0]);
		ASSERT_EQ(0U, f[0] % upg);
		for (i = 1; i < upg; i++)
			if (f[i] != f[0] + i) {
				TH_LOG("unit %zu page %zu: PFN %#llx, expected "
				       "%#llx (contiguous)", u, i,
				       (unsigned long long)f[i],
				       (unsigned long long)(f[0] + i));
				ASSERT_EQ(f[0] + i, f[i]);
			}
		for (i = 0; i < upg; i++)
			if (g[i] != node[u]) {
				TH_LOG("unit %zu page %zu on node %d, expected "
				       "%d", u, i, g[i], node[u]);
				ASSERT_EQ(node[u], g[i]);
			}
	}
	free(got);
	free(pfn);
}

/*
 * @len bytes of @fd from offset @off mapped at @skew bytes past a 2 MiB
 * boundary, so that which pages share a fault's window is known.
 */
static void *map_skewed(int fd, size_t len, off_t off, size_t skew)
{
	size_t span = len + skew + HUGE_SZ;
	char *r, *a;
	void *p;

	r = mmap(NULL, span, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS |
		 MAP_NORESERVE, -1, 0);
	if (r == MAP_FAILED)
		return MAP_FAILED;
	a = (char *)(((uintptr_t)r + HUGE_SZ - 1) & ~(uintptr_t)(HUGE_SZ - 1))
	    + skew;
	p = mmap(a, len, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_FIXED, fd,
		 off);
	if (p == MAP_FAILED) {
		munmap(r, span);
		return MAP_FAILED;
	}
	if (a > r)
		munmap(r, (size_t)(a - r));
	if (r + span > a + len)
		munmap(a + len, (size_t)(r + span - (a + len)));
	return p;
}

/*
 * ASSERT that, of the @np pages at @p, exactly pages [@lo, @hi) are
 * present by pagemap, each on @node.
 */
#define assert_present_range(p, np, lo, hi, node) \
	__assert_present_range(_metadata, p, np, lo, hi, node)
static void __assert_present_range(struct __test_metadata *_metadata,
				   void *p, size_t np, size_t lo, size_t hi,
				   int node)
{
	int *got = calloc(np, sizeof(*got));
	size_t i, bad = 0, first = 0;
	char b[512];

	ASSERT_NE(NULL, got);
	ASSERT_LE(0, page_nodes(p, np, got, NULL));
	for (i = 0; i < np; i++) {
		int want = i >= lo && i < hi ? node : -1;

		if (got[i] != want && !bad++)
			first = i;
	}
	if (bad) {
		TH_LOG("%zu of %zu pages not as expected (pages %zu-%zu on "
		       "node %d, none else); first: page %zu on node %d",
		       bad, np, lo, hi - 1, node, first, got[first]);
		TH_LOG("got %s", runs(got, np, b, sizeof(b)));
	}
	free(got);
	ASSERT_EQ(0U, bad);
}

/*
 * Creates @q, maps its first @np pages and writes them (fill_pages() with
 * @seed): the fd, the mapping in *@p.  Fails the test on an error.
 */
#define preq_map_filled(q, np, seed, p) \
	__preq_map_filled(_metadata, self->c.dev, q, np, seed, p)
static int __preq_map_filled(struct __test_metadata *_metadata, int dev,
			     const struct preq *q, size_t np, uint64_t seed,
			     char **p)
{
	int fd = preq_create(dev, q, NULL);

	ASSERT_OK(fd);
	*p = map_buf(fd, np * pgsz, 0);
	ASSERT_NE(MAP_FAILED, *p);
	fill_pages(*p, 0, np, seed);
	return fd;
}

/* Creates, maps, fills and checks a SPLIT buffer. */
#define run_split(q) __run_split(_metadata, self->c.dev, q)

static void __run_split(struct __test_metadata *_metadata, int dev,
			const struct preq *q)
{
	size_t np = preq_pages(q);
	char *p;
	int fd;

	fd = preq_create(dev, q, NULL);
	ASSERT_OK(fd);
	p = map_buf(fd, np * pgsz, 0);
	ASSERT_NE(MAP_FAILED, p);
	fill_pages(p, 0, np, 0x5b);
	check_split(fd, p, q);
	EXPECT_EQ(0ULL, spilled(fd));
	EXPECT_EQ(-1, check_pages(p, 0, np, 0x5b));
	munmap(p, np * pgsz);
	close(fd);
}

/* ------------------------------------------------------------------------ */
/* CXLTIER_IOC_MIGRATE of a buffer to a new placement request               */

/* A migration request: the target policy (mode, nodes, weights, chunk). */
static int mig_ex(int fd, const struct preq *q, uint32_t flags, uint64_t rate,
		  struct cxltier_migrate *out)
{
	struct cxltier_node_weight nw[CXLTIER_MAX_POLICY_NODES];
	struct cxltier_migrate m;
	int r;

	preq_node_weights(q, nw);
	memset(&m, 0, sizeof(m));
	m.size = sizeof(m);
	m.flags = flags;
	m.mode = q->mode;
	m.nr_nodes = q->n;
	m.nodes = (uintptr_t)nw;
	m.chunk_shift = q->chunk_shift;
	m.rate_bytes = rate;
	r = xioctl(fd, CXLTIER_IOC_MIGRATE, &m);
	if (out)
		*out = m;
	return r;
}

/* A one-node BIND policy on @node. */
static struct preq bind1(unsigned int node, uint64_t len, uint32_t page_shift)
{
	struct preq q;

	memset(&q, 0, sizeof(q));
	q.mode = CXLTIER_MODE_BIND;
	q.n = 1;
	q.node[0] = node;
	q.length = len;
	q.page_shift = page_shift;
	return q;
}

#endif /* CXLTIER_TEST_PLACEMENT_H */
