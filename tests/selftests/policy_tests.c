// SPDX-License-Identifier: GPL-2.0
/*
 * cxltier selftests, part 4: per-buffer placement policies (issue
 * "Per-buffer placement policy").  Included by cxltier_test.c after
 * migration_tests.c, whose helpers it uses; not built on its own.
 *
 *  policy.*      each placement mode on DRAM and CXL nodes: which node every
 *                page lands on, per BUF_STAT, /proc/self/pagemap and (for
 *                pinnable buffers) move_pages(2); contents survive.
 *  fallback.*    a home node that cannot give a unit: -ENOMEM / SIGBUS
 *                without CXLTIER_CREATE_FALLBACK, spilling along the list
 *                with it (and always in preferred mode), spilled_bytes.
 *  huge.*        2 MiB pages: rounding, contiguous aligned units mapped in
 *                one fault, CXLTIER_CREATE_HUGE_FALLBACK on a fragmented
 *                node, data across compaction and memory offline.
 *  populate.*    CXLTIER_CREATE_POPULATE: resident at once, zeroed, and a
 *                killed populate leaves nothing behind; a fault maps the
 *                resident pages of its 2 MiB window (fault_around_*).
 *  pinnable.*    CXLTIER_CREATE_PINNABLE: -EXDEV on movable-only nodes;
 *                ordinary PTEs, GUP and long-term pins on DRAM.
 *  longterm.*    a long-term pin of a movable buffer fails promptly.
 *  cxl_normal.*  a CXL node onlined into ZONE_NORMAL holds pinnable
 *                buffers: needs `--topology cxl-normal` (make
 *                check-cxl-normal); skipped elsewhere.
 *
 * Where a page must be is computed from the header's definitions of the
 * modes (BIND: round-robin over the list by unit; INTERLEAVE: round-robin
 * by chunk; WEIGHTED: weight[i] chunks of node i per round; SPLIT:
 * contiguous ranges in list order, weight / sum of weights rounded to whole
 * units), never from the module.
 */
#include "cxltier_test.h"

#include <poll.h>
#include <linux/io_uring.h>
#include <linux/mempolicy.h>

/* ======================================================================== */
/* Helpers                                                                  */

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
 *    (ordinary PTEs), -EFAULT for every page of a movable one (the header's
 *    special PTEs);
 *  - BUF_STAT's bytes per node and resident total.
 */
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
		int exp = pinnable ? got[i] : -EFAULT;

		if (st[i] != exp && !mbad++)
			mfirst = i;
	}
	if (mbad)
		TH_LOG("move_pages: %zu of %zu pages disagree; first: page %zu "
		       "status %d, expected %d (%s buffer)", mbad, np, mfirst,
		       st[mfirst], pinnable ? got[mfirst] : -EFAULT,
		       pinnable ? "pinnable: its node" :
				  "movable: -EFAULT");
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

/* Node @node's zones from /proc/zoneinfo: free and watermark pages. */
struct zstat {
	long long free, min, low, high, managed;
};

static int node_zstat(int node, struct zstat *z)
{
	FILE *f = fopen("/proc/zoneinfo", "re");
	char line[512], name[64];
	unsigned long long v;
	int cur = -1, n;

	memset(z, 0, sizeof(*z));
	if (!f)
		return -errno;
	while (fgets(line, sizeof(line), f)) {
		if (sscanf(line, "Node %d, zone %63s", &n, name) == 2) {
			cur = n;
			continue;
		}
		if (cur != node)
			continue;
		if (sscanf(line, " pages free %llu", &v) == 1)
			z->free += (long long)v;
		else if (sscanf(line, " min %llu", &v) == 1)
			z->min += (long long)v;
		else if (sscanf(line, " low %llu", &v) == 1)
			z->low += (long long)v;
		else if (sscanf(line, " high %llu", &v) == 1)
			z->high += (long long)v;
		else if (sscanf(line, " managed %llu", &v) == 1)
			z->managed += (long long)v;
	}
	fclose(f);
	return 0;
}

/* Free blocks of @node able to hold a 2 MiB page (/proc/buddyinfo). */
static long long node_free_huge_blocks(int node)
{
	FILE *f = fopen("/proc/buddyinfo", "re");
	char line[1024];
	long long blocks = 0;

	if (!f)
		return -errno;
	while (fgets(line, sizeof(line), f)) {
		char zone[64], *p;
		int n, off, order = 0;
		long long c;

		if (sscanf(line, "Node %d, zone %63s%n", &n, zone, &off) != 2 ||
		    n != node)
			continue;
		p = line + off;
		while (sscanf(p, "%lld%n", &c, &off) == 1) {
			if (order >= (int)(HUGE_SHIFT - pgshift))
				blocks += c << (order -
						(int)(HUGE_SHIFT - pgshift));
			order++;
			p += off;
		}
	}
	fclose(f);
	return blocks;
}

/* GET_INFO free_bytes of @node now, or -errno. */
static long long info_free(int dev, unsigned int node)
{
	const struct cxltier_node_info *n;
	struct topo t;
	long long r;
	int e = topo_load(dev, &t);

	if (e < 0)
		return e;
	n = topo_find(&t, node);
	r = n ? (long long)n->free_bytes : -ENODEV;
	topo_free(&t);
	return r;
}

/* Buffers a test holds to take a node's memory away. */
#define FILLER_MAX 160
struct filler {
	unsigned int n;
	int fd[FILLER_MAX];
	void *map[FILLER_MAX];
	size_t len[FILLER_MAX];
};

static void filler_init(struct filler *f)
{
	f->n = 0;
}

static void filler_add(struct filler *f, int fd, void *map, size_t len)
{
	f->fd[f->n] = fd;
	f->map[f->n] = map;
	f->len[f->n] = len;
	f->n++;
}

/* Frees the last buffer added. */
static void filler_drop_last(struct filler *f)
{
	f->n--;
	if (f->map[f->n])
		munmap(f->map[f->n], f->len[f->n]);
	if (f->fd[f->n] >= 0)
		close(f->fd[f->n]);
}

static void filler_release(struct filler *f)
{
	while (f->n)
		filler_drop_last(f);
}

/*
 * Takes @node's free memory but about @leave bytes above its min watermark
 * with one POPULATE buffer (in-kernel, parallel: fast).  Then, with @full,
 * touches 4 KiB pages of another buffer until the node gives no more
 * (SIGBUS).  0 or -errno.
 */
static int fill_node(int dev, const struct cxltier_node_info *n,
		     uint64_t leave, bool full, struct filler *f)
{
	struct preq q = { .mode = CXLTIER_MODE_BIND, .n = 1,
			  .node = { n->node },
			  .flags = CXLTIER_CREATE_POPULATE };
	long long freeb = info_free(dev, n->node);
	struct zstat z;
	int fd = -ENOMEM, i;

	if (freeb < 0)
		return (int)freeb;
	if (node_zstat((int)n->node, &z))
		return -EIO;
	for (i = 0; i < 16; i++) {
		long long len = freeb - z.min * (long long)pgsz -
				(long long)leave - (8 + 16 * i) * (long long)MiB;

		if (len <= 0)
			break;
		q.length = (uint64_t)len & ~(uint64_t)(pgsz - 1);
		fd = preq_create(dev, &q, NULL);
		if (fd != -ENOMEM)
			break;
	}
	if (fd >= 0)
		filler_add(f, fd, NULL, 0);
	else if (fd != -ENOMEM || !full)
		return fd;
	if (full) {
		size_t np = (size_t)(n->total_bytes / pgsz);
		void *fault;
		char *p;

		q.flags = 0;
		q.length = np * pgsz;
		fd = preq_create(dev, &q, NULL);
		if (fd < 0)
			return fd;
		p = map_buf(fd, np * pgsz, 0);
		if (p == MAP_FAILED) {
			close(fd);
			return -ENOMEM;
		}
		filler_add(f, fd, p, np * pgsz);
		if (touch_until_sigbus(p, np, &fault) >= np)
			return -ENOSPC;	/* the node never ran out */
	}
	return 0;
}

/* Creates, maps and touches one-unit 2 MiB buffers on @node until one
 * cannot be had (SIGBUS); returns how many were had. */
static int take_huge_blocks(int dev, unsigned int node, struct filler *f)
{
	struct preq q = { .mode = CXLTIER_MODE_BIND, .n = 1,
			  .node = { node }, .page_shift = HUGE_SHIFT,
			  .length = HUGE_SZ };
	int got = 0;

	while (f->n < FILLER_MAX) {
		int fd = preq_create(dev, &q, NULL);
		char *p;

		if (fd < 0)
			break;
		p = map_buf(fd, HUGE_SZ, 0);
		if (p == MAP_FAILED) {
			close(fd);
			break;
		}
		filler_add(f, fd, p, HUGE_SZ);
		if (probe(p, true, NULL)) {
			filler_drop_last(f);
			break;
		}
		got++;
	}
	return got;
}

/* Pages on CPU @cpu's free list of @node's zones (/proc/zoneinfo). */
static long long node_pcp_cpu_pages(int node, int cpu)
{
	FILE *f = fopen("/proc/zoneinfo", "re");
	char line[512], name[64];
	long long pages = 0, v;
	int cur = -1, c = -1, n;

	if (!f)
		return -errno;
	while (fgets(line, sizeof(line), f)) {
		if (sscanf(line, "Node %d, zone %63s", &n, name) == 2) {
			cur = n;
			c = -1;
			continue;
		}
		if (cur != node)
			continue;
		if (sscanf(line, " cpu: %d", &n) == 1)
			c = n;
		else if (c == cpu && sscanf(line, " count: %lld", &v) == 1)
			pages += v;
	}
	fclose(f);
	return pages;
}

/*
 * Leaves @node in a state where no 2 MiB page can be had but 2 MiB worth
 * of scattered 4 KiB pages can: most of the node is taken by a POPULATE
 * buffer; then one buffer and, in turn, several small "hole" buffers are
 * touched page by page (so that each hole page's buddy is a page of the
 * first buffer), the first buffer until the node is full.  Then hole
 * buffers are freed one at a time, taking any 2 MiB page that becomes
 * available (from pages other CPUs' free lists gave back, say), until
 * none can be had and enough 4 KiB pages are free.  Compaction cannot
 * help: the kernel compacts only with 2 << 9 pages free above the low
 * watermark, more than the holes.
 *
 * The free memory a full node keeps (its min watermark) is what the
 * allocator split last: whole 2 MiB blocks, which an order-9 allocation
 * may take as soon as the holes lift the node above the watermark.  Only a
 * min watermark below 512 pages keeps such blocks from surviving, so
 * vm.min_free_kbytes (Debian's THP default: 66 MiB, which gives a 1 GiB
 * node a 14 MiB min) is lowered meanwhile: the old value goes to
 * *@saved_mfk for restore_min_free_kbytes().  This also shrinks the
 * per-CPU free lists, which hold freed pages back from the buddy allocator
 * and from the watermark checks.
 *
 * 0, -EAGAIN when that state was not reached, or -errno; logs the node's
 * state.
 */
#define FRAG_HOLE_BUFS 8
#define FRAG_HOLE_PAGES 512
#define FRAG_MIN_FREE_KBYTES "1024"
#define fragment_node(dev, n, f, saved) \
	__fragment_node(_metadata, dev, n, f, saved)
static int __fragment_node(struct __test_metadata *_metadata, int dev,
			   const struct cxltier_node_info *n,
			   struct filler *f, long *saved_mfk)
{
	const size_t nh = FRAG_HOLE_BUFS * FRAG_HOLE_PAGES;
	size_t np = (size_t)(n->total_bytes / pgsz), i;
	struct preq q = { .mode = CXLTIER_MODE_BIND, .n = 1,
			  .node = { n->node } };
	unsigned int first_hole, k;
	int cpu, r, took = 0;
	long long blocks = -1, pcp = 0;
	struct zstat z;
	char buf[32], *a;
	void *fault;

	cpu = pin_cpu();	/* one CPU's free lists: interleaved pages */
	if (cpu < 0)
		return cpu;
	if (*saved_mfk < 0) {
		r = read_text("/proc/sys/vm/min_free_kbytes", buf, sizeof(buf));
		if (r < 0)
			return r;
		*saved_mfk = strtol(buf, NULL, 10);
		r = write_text("/proc/sys/vm/min_free_kbytes",
			       FRAG_MIN_FREE_KBYTES);
		if (r < 0)
			return r;
	}
	r = fill_node(dev, n, 64 * MiB, false, f);
	if (r)
		return r;
	q.length = np * pgsz;
	r = preq_create(dev, &q, NULL);
	if (r < 0)
		return r;
	a = map_buf(r, np * pgsz, 0);
	if (a == MAP_FAILED) {
		close(r);
		return -ENOMEM;
	}
	filler_add(f, r, a, np * pgsz);
	first_hole = f->n;
	q.length = FRAG_HOLE_PAGES * pgsz;
	for (k = 0; k < FRAG_HOLE_BUFS; k++) {
		r = preq_create(dev, &q, NULL);
		if (r < 0)
			return r;
		filler_add(f, r, map_buf(r, q.length, 0), q.length);
		if (f->map[f->n - 1] == MAP_FAILED) {
			f->map[f->n - 1] = NULL;
			return -ENOMEM;
		}
	}
	for (i = 0; i < nh; i++) {
		char *h = (char *)f->map[first_hole + i % FRAG_HOLE_BUFS] +
			  i / FRAG_HOLE_BUFS * pgsz;

		if (probe(a + i * pgsz, true, NULL) || probe(h, true, NULL))
			return -ENOSPC;
	}
	if (touch_until_sigbus(a + nh * pgsz, np - nh, &fault) >= np - nh)
		return -ENOSPC;
	took = take_huge_blocks(dev, n->node, f);

	/* free holes, last first (the filler's tail), until it is right */
	r = -EAGAIN;
	for (k = FRAG_HOLE_BUFS; k-- > 0;) {
		unsigned int idx = first_hole + k;

		munmap(f->map[idx], f->len[idx]);
		close(f->fd[idx]);
		f->map[idx] = NULL;
		f->fd[idx] = -1;
		write_text("/proc/sys/vm/stat_refresh", "1");
		took += take_huge_blocks(dev, n->node, f);
		node_zstat((int)n->node, &z);
		pcp = node_pcp_cpu_pages((int)n->node, cpu);
		blocks = node_free_huge_blocks((int)n->node);
		/* no 2 MiB page to be had; 2 MiB of 4 KiB pages are */
		if (z.free - z.min + pcp >= (long long)(HUGE_SZ / pgsz) + 128) {
			r = 0;
			break;
		}
	}
	TH_LOG("node %u fragmented: %lld pages free (min %lld low %lld), "
	       "%lld pages on this CPU's free list, %lld free 2 MiB blocks "
	       "(below the watermark); %d 2 MiB pages taken while freeing "
	       "%u hole buffers of %d pages", n->node, z.free, z.min, z.low,
	       pcp, blocks, took, FRAG_HOLE_BUFS - k, FRAG_HOLE_PAGES);
	return r;
}

static void restore_min_free_kbytes(long *saved_mfk)
{
	char buf[32];

	if (*saved_mfk < 0)
		return;
	snprintf(buf, sizeof(buf), "%ld", *saved_mfk);
	write_text("/proc/sys/vm/min_free_kbytes", buf);
	*saved_mfk = -1;
}

/* Runs @fn(@arg) in a child under alarm(@secs): its result, -1000 - signal
 * when killed, with the wall time it took in *@secs_taken. */
static int timed_child(int (*fn)(void *), void *arg, unsigned int secs,
		       double *secs_taken)
{
	struct { int r; double t; } res = { -EIO, 0 };
	int pfd[2], st;
	double t0 = now_s();
	pid_t pid;

	if (pipe(pfd))
		return -errno;
	pid = fork();
	if (pid < 0)
		return -errno;
	if (!pid) {
		double t;

		close(pfd[0]);
		alarm(secs);
		t = now_s();
		res.r = fn(arg);
		res.t = now_s() - t;
		if (write(pfd[1], &res, sizeof(res)) != sizeof(res))
			_exit(1);
		_exit(0);
	}
	close(pfd[1]);
	if (read(pfd[0], &res, sizeof(res)) != sizeof(res))
		res.r = -EIO;
	close(pfd[0]);
	st = wait_child(pid);
	*secs_taken = st >= 1000 ? now_s() - t0 : res.t;
	if (st >= 1000)
		return -st;
	return res.r;
}

/* What the long-term pin helpers pin. */
struct pin_arg {
	void *p;
	size_t len;
};

/* socket(AF_XDP); -errno when the kernel has no AF_XDP. */
static int xdp_socket(void)
{
	int s = socket(AF_XDP, SOCK_RAW | SOCK_CLOEXEC, 0);

	return s < 0 ? -errno : s;
}

/* XDP_UMEM_REG of @len bytes at @p on socket @s (a FOLL_LONGTERM pin). */
static int xdp_umem_reg(int s, void *p, size_t len)
{
	struct xdp_umem_reg mr = {
		.addr = (uintptr_t)p,
		.len = len,
		.chunk_size = 2048,
	};

	return setsockopt(s, SOL_XDP, XDP_UMEM_REG, &mr, sizeof(mr)) ? -errno
								      : 0;
}

/* A fresh AF_XDP socket registering @arg as its umem (child helper). */
static int do_xdp_pin(void *arg)
{
	const struct pin_arg *a = arg;
	int s = xdp_socket(), r;

	if (s < 0)
		return s;
	r = xdp_umem_reg(s, a->p, a->len);
	close(s);
	return r;
}

/* io_uring IORING_REGISTER_BUFFERS of @arg (a FOLL_LONGTERM pin). */
static int do_uring_pin(void *arg)
{
	const struct pin_arg *a = arg;
	struct io_uring_params par;
	struct iovec iov = { .iov_base = a->p, .iov_len = a->len };
	int fd, r;

	memset(&par, 0, sizeof(par));
	fd = (int)syscall(__NR_io_uring_setup, 4, &par);
	if (fd < 0)
		return -errno;
	r = (int)syscall(__NR_io_uring_register, fd, IORING_REGISTER_BUFFERS,
			 &iov, 1);
	r = r < 0 ? -errno : 0;
	close(fd);
	return r;
}

/* Writes "1" to nodeN/compact: compaction of the whole node. */
static int compact_node(unsigned int node)
{
	char path[128];

	snprintf(path, sizeof(path), "/sys/devices/system/node/node%u/compact",
		 node);
	return write_text(path, "1");
}

/* ======================================================================== */
/* policy: the modes                                                        */

FIXTURE(policy) {
	struct ctx c;
	const struct cxltier_node_info *dram, *cxl, *cxl2;
};

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
 * The list order decides: BIND over {CXL, DRAM, CXL2}, pages touched last
 * to first: page 0 is still on the first listed node.
 */
TEST_F(policy, bind_list_order)
{
	struct preq q = { .mode = CXLTIER_MODE_BIND, .n = 3 };

	NEED_DRAM_CXL(self);
	NEED_THIRD(self);
	q.node[0] = self->cxl->node;
	q.node[1] = self->dram->node;
	q.node[2] = self->cxl2->node;
	q.length = 10 * pgsz + 1;	/* 11 units: 4, 4, 3 */
	check_exact_mode(&q, true);
}

/* PREFERRED {CXL, DRAM} with room on CXL: every page on CXL, none spilled. */
TEST_F(policy, preferred_first_node)
{
	struct preq q = { .mode = CXLTIER_MODE_PREFERRED, .n = 2 };

	NEED_DRAM_CXL(self);
	NEED_MODE(&self->c.topo, CXLTIER_MODE_PREFERRED);
	q.node[0] = self->cxl->node;
	q.node[1] = self->dram->node;
	q.length = 64 * pgsz;
	check_exact_mode(&q, false);
}

/* INTERLEAVE by page (chunk_shift 0): 33 pages alternate, 17 and 16. */
TEST_F(policy, interleave_page)
{
	struct preq q = { .mode = CXLTIER_MODE_INTERLEAVE, .n = 2 };

	NEED_DRAM_CXL(self);
	NEED_MODE(&self->c.topo, CXLTIER_MODE_INTERLEAVE);
	q.node[0] = self->dram->node;
	q.node[1] = self->cxl->node;
	q.length = 33 * pgsz;
	check_exact_mode(&q, false);
}

/* chunk_shift == the page size is the same as 0: one page per chunk. */
TEST_F(policy, interleave_chunk_of_one_page)
{
	struct preq q = { .mode = CXLTIER_MODE_INTERLEAVE, .n = 2 };

	NEED_DRAM_CXL(self);
	NEED_MODE(&self->c.topo, CXLTIER_MODE_INTERLEAVE);
	q.node[0] = self->cxl->node;
	q.node[1] = self->dram->node;
	q.chunk_shift = pgshift;
	q.length = 20 * pgsz;
	check_exact_mode(&q, true);
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
	fd = preq_create(self->c.dev, &q, NULL);
	ASSERT_OK(fd);
	p = map_buf(fd, np * pgsz, 0);
	ASSERT_NE(MAP_FAILED, p);
	fill_pages(p, 0, np, 0xfb);
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
	fd = preq_create(self->c.dev, &q, NULL);
	ASSERT_OK(fd);
	p = map_buf(fd, np * pgsz, 0);
	ASSERT_NE(MAP_FAILED, p);
	fill_pages(p, 0, np, 0xfc);
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
	fd = preq_create(self->c.dev, &q, NULL);
	ASSERT_OK(fd);
	p = map_buf(fd, np * pgsz, 0);
	ASSERT_NE(MAP_FAILED, p);
	fill_pages(p, 0, np, 0xfd);
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
	fd = preq_create(self->c.dev, &q, NULL);
	ASSERT_OK(fd);
	p = map_buf(fd, np * pgsz, 0);
	ASSERT_NE(MAP_FAILED, p);
	fill_pages(p, 0, np, 0xfe);
	for (i = 0; i < np; i++)
		want[i] = (int)z->node;
	assert_layout(fd, p, np, want, false);
	EXPECT_EQ(np * pgsz, spilled(fd));
	EXPECT_EQ(-1, check_pages(p, 0, np, 0xfe));
	munmap(p, np * pgsz);
	close(fd);
}

/* ======================================================================== */
/* huge: 2 MiB pages                                                        */

FIXTURE(huge) {
	struct ctx c;
	const struct cxltier_node_info *dram, *mov;
	struct filler f;
	long saved_mfk;		/* vm.min_free_kbytes to restore, or -1 */
};

FIXTURE_SETUP(huge)
{
	filler_init(&self->f);
	self->saved_mfk = -1;
	ctx_setup(&self->c, "huge", NULL);
	self->dram = topo_pick(&self->c.topo, NK_DRAM, 256 * MiB);
	self->mov = topo_pick(&self->c.topo, NK_MOVABLE, 256 * MiB);
}

FIXTURE_TEARDOWN(huge)
{
	filler_release(&self->f);
	restore_min_free_kbytes(&self->saved_mfk);
	ctx_teardown(&self->c);
}

#define NEED_HUGE_NODES(self) do {					\
	NEED_HUGE(&(self)->c.topo);					\
	if (!(self)->dram || !(self)->mov)				\
		SKIP_TOPO(return, "needs a DRAM and a movable-only "	\
			  "node with 256 MiB free");			\
} while (0)

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

/* Fragments the movable node, or fails saying why. */
#define FRAGMENT(self) do {						\
	int __r = fragment_node(self->c.dev, self->mov, &self->f,	\
				&self->saved_mfk);			\
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
	int *want;
	size_t i;
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
	for (i = 1; i < np; i++)
		if (pfn_of(p + i * pgsz) != pfn_of(p) + i)
			break;
	TH_LOG("the unit is %s", i == np ? "one contiguous block" :
	       "made of separate 4 KiB pages");
	EXPECT_EQ(-1, check_pages(p, 0, np, 0x4f));
	EXPECT_EQ(0ULL, spilled(fd));
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

TEST_F_TIMEOUT(huge, compaction_keeps_data, 300)
{
	const size_t nunits = 8, np = nunits * HUGE_SZ / pgsz;
	struct preq q = { .mode = CXLTIER_MODE_BIND, .n = 1,
			  .page_shift = HUGE_SHIFT,
			  .length = nunits * HUGE_SZ };
	uint64_t *pfns, lo, hi, hlo = ~0ULL, hhi = 0;
	size_t i, moved = 0, nabove, nkept = 64 * MiB / 4 / pgsz;
	int *want, fd, fs[SPARSE_TRIES], nfs = 0;
	char *p;

	NEED_HUGE_NODES(self);
	q.node[0] = self->mov->node;
	fd = preq_create(self->c.dev, &q, NULL);
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
	do {
		fs[nfs] = sparse_pageblocks(self->c.dev, self->mov->node,
					    64 * MiB, hhi, &nabove, &lo, &hi);
		ASSERT_OK(fs[nfs]);
		TH_LOG("buffer at PFNs %#llx-%#llx, sparse pages (set %d) at "
		       "%#llx-%#llx, %zu of %zu above the buffer",
		       (unsigned long long)hlo, (unsigned long long)hhi, nfs,
		       (unsigned long long)lo, (unsigned long long)hi, nabove,
		       nkept);
		nfs++;
	} while (nabove < nkept / 2 && nfs < SPARSE_TRIES);
	/* the sets below the buffer would only feed the migration scanner */
	for (i = 0; i + 1 < (size_t)nfs; i++)
		close(fs[i]);
	ASSERT_EQ(0, compact_node(self->mov->node));
	for (i = 0; i < np; i++)
		moved += pfn_of(p + i * pgsz) != pfns[i];
	TH_LOG("compaction moved %zu of %zu pages", moved, np);
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
	bs.state = "online_movable";
	r = in_child(write_block_state, &bs);
	if (r && r != -EINVAL)
		TH_LOG("onlining memory%" PRIu64 " again: %s", bs.block,
		       errname(r));
	munmap(p, nunits * HUGE_SZ);
	close(fd);
}

/* ======================================================================== */
/* populate                                                                 */

FIXTURE(populate) {
	struct ctx c;
	const struct cxltier_node_info *dram, *mov;
};

FIXTURE_SETUP(populate)
{
	ctx_setup(&self->c, "populate", NULL);
	self->dram = topo_pick(&self->c.topo, NK_DRAM, 256 * MiB);
	self->mov = topo_pick(&self->c.topo, NK_MOVABLE, 256 * MiB);
}

FIXTURE_TEARDOWN(populate)
{
	ctx_teardown(&self->c);
}

#define NEED_POPULATE(self) do {					\
	NEED_FLAG(&(self)->c.topo, CXLTIER_CREATE_POPULATE);		\
	if (!(self)->dram || !(self)->mov)				\
		SKIP_TOPO(return, "needs a DRAM and a movable-only "	\
			  "node with 256 MiB free");			\
} while (0)

/*
 * Right after create, before any mapping or touch: resident is the length
 * rounded up to pages, all on the node; the pages read as zero, where
 * pagemap says, and reading them allocates nothing more.
 */
TEST_F(populate, resident_before_touch)
{
	struct preq q = { .mode = CXLTIER_MODE_BIND, .n = 1,
			  .flags = CXLTIER_CREATE_POPULATE,
			  .length = 8 * MiB + 100 };
	size_t np = preq_pages(&q), i;
	int *want;
	char *p;
	int fd;

	NEED_POPULATE(self);
	q.node[0] = self->mov->node;
	fd = preq_create(self->c.dev, &q, NULL);
	ASSERT_OK(fd);
	assert_resident(fd, self->mov->node, 8 * MiB + pgsz);
	p = map_buf(fd, np * pgsz, 0);
	ASSERT_NE(MAP_FAILED, p);
	EXPECT_EQ(-1, check_zero(p, np));
	want = calloc(np, sizeof(*want));
	ASSERT_NE(NULL, want);
	for (i = 0; i < np; i++)
		want[i] = (int)self->mov->node;
	assert_layout(fd, p, np, want, false);
	free(want);
	munmap(p, np * pgsz);
	close(fd);
}

/* 2 MiB pages: 3 MiB populates two whole units. */
TEST_F(populate, huge_units)
{
	struct preq q = { .mode = CXLTIER_MODE_BIND, .n = 1,
			  .flags = CXLTIER_CREATE_POPULATE,
			  .page_shift = HUGE_SHIFT, .length = 3 * MiB };
	int node[2];
	char *p;
	int fd;

	NEED_POPULATE(self);
	NEED_HUGE(&self->c.topo);
	q.node[0] = self->dram->node;
	node[0] = node[1] = (int)self->dram->node;
	fd = preq_create(self->c.dev, &q, NULL);
	ASSERT_OK(fd);
	assert_resident(fd, self->dram->node, 4 * MiB);
	p = map_buf(fd, 4 * MiB, 0);
	ASSERT_NE(MAP_FAILED, p);
	EXPECT_EQ(-1, check_zero(p, 4 * MiB / pgsz));
	check_huge_units(p, 2, node, NULL);
	munmap(p, 4 * MiB);
	close(fd);
}

/* A populated INTERLEAVE buffer is placed as a touched one would be. */
TEST_F(populate, follows_policy)
{
	struct preq q = { .mode = CXLTIER_MODE_INTERLEAVE, .n = 2,
			  .flags = CXLTIER_CREATE_POPULATE,
			  .chunk_shift = pgshift + 1, .length = 4 * MiB };
	size_t np = preq_pages(&q);
	struct bstat b;
	int *want;
	char *p;
	int fd;

	NEED_POPULATE(self);
	NEED_MODE(&self->c.topo, CXLTIER_MODE_INTERLEAVE);
	q.node[0] = self->mov->node;
	q.node[1] = self->dram->node;
	fd = preq_create(self->c.dev, &q, NULL);
	ASSERT_OK(fd);
	ASSERT_OK(buf_stat(fd, &b));
	EXPECT_EQ(4 * MiB, b.st.resident_bytes);
	p = map_buf(fd, np * pgsz, 0);
	ASSERT_NE(MAP_FAILED, p);
	EXPECT_EQ(-1, check_zero(p, np));
	want = preq_want(&q);
	ASSERT_NE(NULL, want);
	assert_layout(fd, p, np, want, false);
	free(want);
	munmap(p, np * pgsz);
	close(fd);
}

/* What the populating child of populate.killed_midway runs. */
struct pop_job {
	int dev;
	struct preq q;
	int out;	/* pipe: the create's result */
};

static int pop_child(void *arg)
{
	struct pop_job *j = arg;
	int r = preq_create(j->dev, &j->q, NULL);

	if (write(j->out, &r, sizeof(r)) != sizeof(r))
		_exit(1);
	_exit(0);
}

/*
 * A POPULATE create of most of a CXL node, killed (SIGKILL) while the
 * node's free memory is going down: the process dies promptly, the node's
 * free memory comes back to where it was, and no fd appears in the fd
 * table it shared with us (CLONE_FILES).
 */
TEST_F_TIMEOUT(populate, killed_midway, 300)
{
	struct pop_job job = { .q = { .mode = CXLTIER_MODE_BIND, .n = 1,
				      .flags = CXLTIER_CREATE_POPULATE } };
	const size_t stack_sz = 256 * KiB;
	int lowest, nfds, pfd[2], st, r;
	struct node_free base, f;
	long long dropped = 0;
	double t0, t_kill;
	struct pollfd pf;
	char *stack;
	pid_t pid;

	NEED_POPULATE(self);
	ASSERT_LE(0, pin_cpu());
	job.dev = self->c.dev;
	job.q.node[0] = self->mov->node;
	job.q.length = (self->mov->free_bytes - 96 * MiB) &
		       ~(uint64_t)(pgsz - 1);
	settle_memory();
	ASSERT_EQ(0, read_node_free(self->c.dev, self->mov->node, &base));
	lowest = lowest_free_fd();
	nfds = count_open_fds();
	ASSERT_EQ(0, pipe2(pfd, O_CLOEXEC));
	job.out = pfd[1];
	stack = malloc(stack_sz);
	ASSERT_NE(NULL, stack);
	pid = clone(pop_child, stack + stack_sz, CLONE_FILES | SIGCHLD, &job);
	ASSERT_LT(0, pid);
	/* wait until it is well on its way: 64 MiB taken */
	t0 = now_s();
	while (now_s() - t0 < 60) {
		struct pollfd pf = { .fd = pfd[0], .events = POLLIN };

		if (poll(&pf, 1, 0) > 0)
			break;	/* finished already */
		if (read_node_free(self->c.dev, self->mov->node, &f) == 0) {
			dropped = base.sys - f.sys;
			if (dropped >= 64 * (long long)MiB)
				break;
		}
		usleep(5000);
	}
	ASSERT_EQ(0, kill(pid, SIGKILL));
	t_kill = now_s();
	st = wait_child(pid);
	TH_LOG("killed after %.2f s with %lld MiB taken; it died %.2f s later",
	       t_kill - t0, dropped / (long long)MiB, now_s() - t_kill);
	EXPECT_GT(5.0, now_s() - t_kill);
	/* it must not have finished: else nothing was killed mid-way */
	pf.fd = pfd[0];
	pf.events = POLLIN;
	r = 0;
	if (poll(&pf, 1, 0) > 0 && read(pfd[0], &r, sizeof(r)) > 0)
		TH_LOG("the populate returned %d (%s) before the kill: not "
		       "killed mid-way", r, errname(r));
	ASSERT_EQ(0, r);
	ASSERT_EQ(1000 + SIGKILL, st);
	ASSERT_LE(64 * (long long)MiB, dropped);
	close(pfd[0]);
	close(pfd[1]);
	free(stack);
	EXPECT_EQ(lowest, lowest_free_fd());
	EXPECT_EQ(nfds, count_open_fds());
	ASSERT_TRUE(wait_free_back(self->c.dev, self->mov->node, &base,
				   LEAK_SLACK));
}

/*
 * Fault-around: a fault also maps the buffer's resident pages in the 2 MiB
 * virtual window around it (clipped to the mapping and the buffer), so the
 * first touch of a populated buffer takes one fault per 2 MiB, not one per
 * page, and never allocates a neighbour.
 */

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

static long minflt(void)
{
	struct rusage ru;

	if (getrusage(RUSAGE_SELF, &ru))
		return -1;
	return ru.ru_minflt;
}

/*
 * A populated 8 MiB + 1 page buffer, mapped 2 MiB-aligned: the last page's
 * window holds one buffer page (the buffer ends there, the mapping goes on:
 * SIGBUS past it); reading one byte of page 0 maps pages 0-511 and nothing
 * else, one byte of page 1000 then 512-1023.  A fresh mapping is read
 * whole in one fault per window (ru_minflt), as zeroes, then written and
 * read back; nothing more became resident.  A mapping that starts 1 MiB
 * into a window maps only its own part of it; one at file offset 1 MiB
 * maps the right pages (their contents say so).
 */
TEST_F(populate, fault_around_window)
{
	const size_t win = HUGE_SZ / pgsz;
	struct preq q = { .mode = CXLTIER_MODE_BIND, .n = 1,
			  .flags = CXLTIER_CREATE_POPULATE };
	size_t np, maplen;
	long f0, faults;
	int node;
	char *p;
	int fd;

	NEED_POPULATE(self);
	q.node[0] = self->dram->node;
	node = (int)self->dram->node;
	q.length = 8 * MiB + pgsz;
	np = preq_pages(&q);
	maplen = 5 * HUGE_SZ;	/* a window past the buffer's end */
	fd = preq_create(self->c.dev, &q, NULL);
	ASSERT_OK(fd);
	assert_resident(fd, self->dram->node, np * pgsz);

	/* the last window holds one buffer page; the mapping goes on */
	p = map_skewed(fd, maplen, 0, 0);
	ASSERT_NE(MAP_FAILED, p);
	ASSERT_EQ(0, ((volatile char *)p)[np * pgsz - 1]);
	assert_present_range(p, maplen / pgsz, np - 1, np, node);
	EXPECT_EQ(SIGBUS, probe(p + np * pgsz, false, NULL));
	munmap(p, maplen);

	p = map_skewed(fd, np * pgsz, 0, 0);
	ASSERT_NE(MAP_FAILED, p);
	ASSERT_EQ(0, ((volatile char *)p)[0]);
	assert_present_range(p, np, 0, win, node);
	ASSERT_EQ(0, ((volatile char *)p)[1000 * pgsz + 5]);
	assert_present_range(p, np, 0, 2 * win, node);
	munmap(p, np * pgsz);

	/* first touch of a whole fresh mapping: a fault per window */
	p = map_skewed(fd, np * pgsz, 0, 0);
	ASSERT_NE(MAP_FAILED, p);
	f0 = minflt();
	ASSERT_LE(0, f0);
	EXPECT_EQ(-1, check_zero(p, np));
	faults = minflt() - f0;
	TH_LOG("%zu pages (%zu windows) read with %ld minor faults", np,
	       (np + win - 1) / win, faults);
	/* 5 windows, and a little slack for the test's own pages */
	EXPECT_GE(5 + 4, faults);
	EXPECT_LE(5, faults);
	fill_pages(p, 0, np, 0xfa);
	EXPECT_EQ(-1, check_pages(p, 0, np, 0xfa));
	assert_resident(fd, self->dram->node, np * pgsz);
	munmap(p, np * pgsz);

	/* a mapping 1 MiB into a window: the window stops at its start */
	p = map_skewed(fd, 2 * MiB, 0, 1 * MiB);
	ASSERT_NE(MAP_FAILED, p);
	ASSERT_EQ((char)pat(0xfa, 0, 0), ((volatile char *)p)[0]);
	assert_present_range(p, win, 0, win / 2, node);
	EXPECT_EQ(-1, check_pages(p, 0, win, 0xfa));
	munmap(p, 2 * MiB);

	/* at file offset 1 MiB: buffer pages win/2.. */
	p = map_skewed(fd, 2 * MiB, 1 * MiB, 0);
	ASSERT_NE(MAP_FAILED, p);
	ASSERT_EQ((char)pat(0xfa, win / 2, 0), ((volatile char *)p)[0]);
	assert_present_range(p, win, 0, win, node);
	EXPECT_EQ(-1, check_pages(p, win / 2, win, 0xfa));
	munmap(p, 2 * MiB);
	close(fd);
}

/*
 * Fault-around maps what is resident and allocates nothing: on a buffer
 * nobody populated, touching page 0 makes one page resident and maps one
 * page.  Pages made resident through one mapping are mapped around the
 * first fault of another that finds its own page resident, and only they.
 * A fault that has to fill its unit is a first touch and maps only that
 * unit, even with resident pages around it.
 */
TEST_F(populate, fault_around_allocates_nothing)
{
	const size_t win = HUGE_SZ / pgsz;
	struct preq q = { .mode = CXLTIER_MODE_BIND, .n = 1,
			  .length = 8 * MiB };
	size_t np = preq_pages(&q), i;
	char *p, *p2;
	int node, fd;

	NEED_POPULATE(self);
	q.node[0] = self->dram->node;
	node = (int)self->dram->node;
	fd = preq_create(self->c.dev, &q, NULL);
	ASSERT_OK(fd);
	p = map_skewed(fd, np * pgsz, 0, 0);
	ASSERT_NE(MAP_FAILED, p);
	ASSERT_EQ(0, ((volatile char *)p)[0]);
	assert_resident(fd, self->dram->node, pgsz);
	assert_present_range(p, np, 0, 1, node);
	for (i = 1; i < 10; i++)
		p[i * pgsz] = (char)i;
	assert_resident(fd, self->dram->node, 10 * pgsz);

	p2 = map_skewed(fd, np * pgsz, 0, 0);
	ASSERT_NE(MAP_FAILED, p2);
	/* page 10 is not resident: its fault fills it and maps only it */
	ASSERT_EQ(0, ((volatile char *)p2)[10 * pgsz]);
	assert_present_range(p2, np, 10, 11, node);
	assert_resident(fd, self->dram->node, 11 * pgsz);
	/* page 0 is: its fault maps the resident pages around it */
	ASSERT_EQ(0, ((volatile char *)p2)[0]);
	assert_present_range(p2, np, 0, 11, node);
	for (i = 1; i < 10; i++)
		EXPECT_EQ((char)i, p2[i * pgsz]);
	/* a fault in another window finds nothing resident around it */
	ASSERT_EQ(0, ((volatile char *)p2)[win * pgsz + 7]);
	assert_present_range(p2, win, 0, 11, node);
	assert_present_range(p2 + win * pgsz, np - win, 0, 1, node);
	assert_resident(fd, self->dram->node, 12 * pgsz);
	munmap(p2, np * pgsz);
	munmap(p, np * pgsz);
	close(fd);
}

/* ======================================================================== */
/* pinnable                                                                 */

FIXTURE(pinnable) {
	struct ctx c;
	const struct cxltier_node_info *dram, *dram2, *mov;
};

FIXTURE_SETUP(pinnable)
{
	ctx_setup(&self->c, "pinnable", NULL);
	self->dram = topo_pick(&self->c.topo, NK_DRAM, 128 * MiB);
	self->dram2 = topo_pick_not(&self->c.topo, NK_DRAM, 128 * MiB,
				    self->dram ? (int)self->dram->node : -1,
				    -1);
	self->mov = topo_pick(&self->c.topo, NK_MOVABLE, 128 * MiB);
}

FIXTURE_TEARDOWN(pinnable)
{
	ctx_teardown(&self->c);
}

#define NEED_PINNABLE(self) do {					\
	NEED_FLAG(&(self)->c.topo, CXLTIER_CREATE_PINNABLE);		\
	if (!(self)->dram || !(self)->mov)				\
		SKIP_TOPO(return, "needs a DRAM and a movable-only "	\
			  "node with 128 MiB free");			\
} while (0)

/* A policy naming a movable-only node cannot hold pinnable pages: -EXDEV. */
TEST_F(pinnable, movable_only_node_exdev)
{
	const uint32_t modes[] = { CXLTIER_MODE_BIND, CXLTIER_MODE_PREFERRED,
				   CXLTIER_MODE_INTERLEAVE };
	unsigned int k;
	int fd;

	NEED_PINNABLE(self);
	for (k = 0; k < ARRAY_SIZE(modes); k++) {
		struct preq q = { .mode = modes[k], .n = 1,
				  .flags = CXLTIER_CREATE_PINNABLE,
				  .length = 16 * pgsz,
				  .node = { self->mov->node } };

		EXPECT_ERRNO(EXDEV, preq_create(self->c.dev, &q, NULL),
			     " (mode %u, node %u)", modes[k], q.node[0]);
		/* second in the list, after a DRAM node */
		q.n = 2;
		q.node[0] = self->dram->node;
		q.node[1] = self->mov->node;
		EXPECT_ERRNO(EXDEV, preq_create(self->c.dev, &q, NULL),
			     " (mode %u, nodes %u, %u)", modes[k], q.node[0],
			     q.node[1]);
		/* the control: the DRAM node alone */
		q.n = 1;
		fd = preq_create(self->c.dev, &q, NULL);
		EXPECT_OK(fd);
		if (fd >= 0)
			close(fd);
	}
}

/*
 * PINNABLE on DRAM: BIND round-robin over two DRAM nodes; pagemap and
 * move_pages(2) (ordinary PTEs: it sees the pages) agree on every page;
 * BUF_STAT too; create_flags reported.
 */
TEST_F(pinnable, dram_placement_move_pages)
{
	struct preq q = { .mode = CXLTIER_MODE_BIND,
			  .flags = CXLTIER_CREATE_PINNABLE,
			  .length = 65 * pgsz };
	size_t np = preq_pages(&q);
	struct bstat b;
	int *want;
	char *p;
	int fd;

	NEED_PINNABLE(self);
	q.node[0] = self->dram->node;
	q.n = 1;
	if (self->dram2) {
		q.node[1] = self->dram2->node;
		q.n = 2;
	}
	fd = preq_create(self->c.dev, &q, NULL);
	ASSERT_OK(fd);
	ASSERT_OK(buf_stat(fd, &b));
	EXPECT_EQ((uint32_t)CXLTIER_CREATE_PINNABLE, b.st.create_flags);
	p = map_buf(fd, np * pgsz, 0);
	ASSERT_NE(MAP_FAILED, p);
	fill_pages(p, 0, np, 0x91);
	want = preq_want(&q);
	ASSERT_NE(NULL, want);
	assert_layout(fd, p, np, want, true);
	EXPECT_EQ(-1, check_pages(p, 0, np, 0x91));
	free(want);
	munmap(p, np * pgsz);
	close(fd);
}

/* get_user_pages() works on a pinnable mapping: process_vm_readv/writev. */
TEST_F(pinnable, gup_works)
{
	struct preq q = { .mode = CXLTIER_MODE_BIND, .n = 1,
			  .flags = CXLTIER_CREATE_PINNABLE,
			  .length = 8 * pgsz };
	char *local = calloc(2, pgsz);
	char *p;
	int fd;

	NEED_PINNABLE(self);
	ASSERT_NE(NULL, local);
	q.node[0] = self->dram->node;
	fd = preq_create(self->c.dev, &q, NULL);
	ASSERT_OK(fd);
	p = map_buf(fd, 8 * pgsz, 0);
	ASSERT_NE(MAP_FAILED, p);
	fill_pages(p, 0, 4, 0x92);
	/* a touched page and an untouched one */
	ASSERT_EQ((ssize_t)pgsz, vm_readv(p + pgsz, local, pgsz));
	EXPECT_EQ(-1, check_pages(local, 1, 1, 0x92));
	ASSERT_EQ((ssize_t)pgsz, vm_readv(p + 6 * pgsz, local, pgsz));
	EXPECT_EQ(-1, check_zero(local, 1));
	fill_pages(local, 5, 1, 0x93);
	ASSERT_EQ((ssize_t)pgsz, vm_writev(p + 5 * pgsz, local, pgsz));
	EXPECT_EQ(-1, check_pages(p + 5 * pgsz, 5, 1, 0x93));
	munmap(p, 8 * pgsz);
	close(fd);
	free(local);
}

/*
 * "Never moved": move_pages(2) asked to move pinnable pages to another
 * node leaves every page at its PFN, on its node, with its contents.
 */
TEST_F(pinnable, move_pages_does_not_move)
{
	const size_t np = 16;
	struct preq q = { .mode = CXLTIER_MODE_BIND, .n = 1,
			  .flags = CXLTIER_CREATE_PINNABLE,
			  .length = np * pgsz };
	void *pages[16];
	int nodes[16], status[16], want[16];
	uint64_t pfns[16];
	long r;
	size_t i;
	char *p;
	int fd;

	NEED_PINNABLE(self);
	if (!self->dram2)
		SKIP_TOPO(return, "needs two DRAM nodes");
	q.node[0] = self->dram->node;
	fd = preq_create(self->c.dev, &q, NULL);
	ASSERT_OK(fd);
	p = map_buf(fd, np * pgsz, 0);
	ASSERT_NE(MAP_FAILED, p);
	fill_pages(p, 0, np, 0x98);
	for (i = 0; i < np; i++) {
		pages[i] = p + i * pgsz;
		nodes[i] = (int)self->dram2->node;
		status[i] = INT_MIN;
		pfns[i] = pfn_of(p + i * pgsz);
		want[i] = (int)self->dram->node;
	}
	r = syscall(SYS_move_pages, 0, np, pages, nodes, status,
		    MPOL_MF_MOVE);
	TH_LOG("move_pages(MPOL_MF_MOVE) to node %u: %ld (%s), status[0] %d",
	       self->dram2->node, r, r < 0 ? strerror(errno) : "-",
	       status[0]);
	for (i = 0; i < np; i++)
		if (pfn_of(p + i * pgsz) != pfns[i]) {
			TH_LOG("page %zu moved: PFN %#llx -> %#llx", i,
			       (unsigned long long)pfns[i],
			       (unsigned long long)pfn_of(p + i * pgsz));
			EXPECT_EQ(pfns[i], pfn_of(p + i * pgsz));
		}
	assert_layout(fd, p, np, want, true);
	EXPECT_EQ(-1, check_pages(p, 0, np, 0x98));
	munmap(p, np * pgsz);
	close(fd);
}

/*
 * A long-term pin of a pinnable DRAM buffer (AF_XDP umem registration,
 * FOLL_LONGTERM) succeeds, and the pinned pages keep their PFNs and
 * contents across compaction of the node.
 */
TEST_F_TIMEOUT(pinnable, longterm_pin_survives_compaction, 120)
{
	const size_t np = 64;
	struct preq q = { .mode = CXLTIER_MODE_BIND, .n = 1,
			  .flags = CXLTIER_CREATE_PINNABLE,
			  .length = np * pgsz };
	uint64_t pfns[64];
	int fd, s, r;
	size_t i;
	char *p;

	NEED_PINNABLE(self);
	s = xdp_socket();
	if (s < 0)
		SKIP(return, "AF_XDP unavailable: %s", errname(s));
	q.node[0] = self->dram->node;
	fd = preq_create(self->c.dev, &q, NULL);
	ASSERT_OK(fd);
	p = map_buf(fd, np * pgsz, 0);
	ASSERT_NE(MAP_FAILED, p);
	fill_pages(p, 0, np, 0x94);
	r = xdp_umem_reg(s, p, np * pgsz);
	if (r)
		TH_LOG("XDP_UMEM_REG on a pinnable buffer: %s", errname(r));
	ASSERT_EQ(0, r);
	for (i = 0; i < np; i++)
		pfns[i] = pfn_of(p + i * pgsz);
	ASSERT_EQ(0, compact_node(self->dram->node));
	for (i = 0; i < np; i++)
		if (pfn_of(p + i * pgsz) != pfns[i]) {
			TH_LOG("pinned page %zu moved: PFN %#llx -> %#llx", i,
			       (unsigned long long)pfns[i],
			       (unsigned long long)pfn_of(p + i * pgsz));
			EXPECT_EQ(pfns[i], pfn_of(p + i * pgsz));
			break;
		}
	EXPECT_EQ(-1, check_pages(p, 0, np, 0x94));
	close(s);
	munmap(p, np * pgsz);
	close(fd);
}

/* ======================================================================== */
/* longterm: long-term pins of movable buffers fail promptly                */

FIXTURE(longterm) {
	struct ctx c;
	const struct cxltier_node_info *n;
	int fd;
	char *p;
	void *anon;
};

NODE_VARIANTS(longterm);

#define LT_PAGES 16
#define LT_ALARM_S 30

FIXTURE_SETUP(longterm)
{
	ctx_setup(&self->c, "longterm", variant->name);
	self->fd = -1;
	self->p = MAP_FAILED;
	self->anon = MAP_FAILED;
	self->n = topo_pick(&self->c.topo, variant->kind, 64 * MiB);
	if (!self->n)
		return;
	self->fd = buf_create(self->c.dev, LT_PAGES * pgsz, self->n->node);
	ASSERT_OK(self->fd);
	self->p = map_buf(self->fd, LT_PAGES * pgsz, 0);
	ASSERT_NE(MAP_FAILED, self->p);
	fill_pages(self->p, 0, LT_PAGES / 2, 0x95);	/* half touched */
	self->anon = mmap(NULL, LT_PAGES * pgsz, PROT_READ | PROT_WRITE,
			  MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, self->anon);
	memset(self->anon, 1, LT_PAGES * pgsz);
}

FIXTURE_TEARDOWN(longterm)
{
	if (self->p != MAP_FAILED)
		munmap(self->p, LT_PAGES * pgsz);
	if (self->anon != MAP_FAILED)
		munmap(self->anon, LT_PAGES * pgsz);
	if (self->fd >= 0)
		close(self->fd);
	ctx_teardown(&self->c);
}

/*
 * Runs the pin @fn on the movable buffer in a child under alarm(): it must
 * return an error within GUP_PROMPT_S (a hang is killed by the alarm and
 * fails); the control on anonymous memory succeeds.
 */
#define check_pin_fails_fast(fn, what) \
	__check_pin_fails_fast(_metadata, self, fn, what)
static void __check_pin_fails_fast(struct __test_metadata *_metadata,
				   FIXTURE_DATA(longterm) *self,
				   int (*fn)(void *), const char *what)
{
	struct pin_arg a = { .p = self->anon, .len = LT_PAGES * pgsz };
	double t;
	int r;

	r = timed_child(fn, &a, LT_ALARM_S, &t);
	if (r)
		TH_LOG("%s on anonymous memory (the control): %s", what,
		       r <= -1000 ? "killed" : errname(r));
	ASSERT_EQ(0, r);

	a.p = self->p;
	r = timed_child(fn, &a, LT_ALARM_S, &t);
	TH_LOG("%s on a movable buffer: %s after %.2f s", what,
	       r <= -1000 ? "killed (hung until the alarm)" : errname(r), t);
	EXPECT_LT(r, 0);
	EXPECT_LT(-1000, r);	/* returned: not killed by the alarm */
	EXPECT_GT(GUP_PROMPT_S, t);
	/* and the buffer is intact */
	EXPECT_EQ(-1, check_pages(self->p, 0, LT_PAGES / 2, 0x95));
}

TEST_F_TIMEOUT(longterm, xdp_umem_reg_fails_fast, 120)
{
	int s;

	NEED_NODE(self, variant);
	s = xdp_socket();
	if (s < 0)
		SKIP(return, "AF_XDP unavailable: %s", errname(s));
	close(s);
	check_pin_fails_fast(do_xdp_pin, "XDP_UMEM_REG");
}

TEST_F_TIMEOUT(longterm, io_uring_register_buffers_fails_fast, 120)
{
	struct io_uring_params par;
	int fd;

	NEED_NODE(self, variant);
	memset(&par, 0, sizeof(par));
	fd = (int)syscall(__NR_io_uring_setup, 4, &par);
	if (fd < 0)
		SKIP(return, "io_uring unavailable: %s", errname(-errno));
	close(fd);
	check_pin_fails_fast(do_uring_pin, "IORING_REGISTER_BUFFERS");
}

/* ======================================================================== */
/* cxl_normal: a CXL node in ZONE_NORMAL (--topology cxl-normal)            */

FIXTURE(cxl_normal) {
	struct ctx c;
	const struct cxltier_node_info *n;
};

FIXTURE_SETUP(cxl_normal)
{
	unsigned int i;

	ctx_setup(&self->c, "cxl_normal", NULL);
	self->n = NULL;
	for (i = 0; i < self->c.topo.nr; i++) {
		const struct cxltier_node_info *n = &self->c.topo.nodes[i];

		if (n->tier == CXLTIER_TIER_CXL &&
		    (n->zones & CXLTIER_ZONE_NORMAL) &&
		    n->free_bytes >= 128 * MiB) {
			self->n = n;
			break;
		}
	}
}

FIXTURE_TEARDOWN(cxl_normal)
{
	ctx_teardown(&self->c);
}

/*
 * Skips without such a node, except on the cxl-normal topology, which has
 * one: there its absence fails.
 */
#define NEED_CXL_NORMAL(self) do {					\
	NEED_FLAG(&(self)->c.topo, CXLTIER_CREATE_PINNABLE);		\
	if (!(self)->n) {						\
		if (env_is("CXLTIER_VM_TOPOLOGY", "cxl-normal")) {	\
			TH_LOG("the cxl-normal topology has no CXL node " \
			       "with ZONE_NORMAL memory");		\
			ASSERT_TRUE(false);				\
		}							\
		SKIP(return, "no CXL node with ZONE_NORMAL memory (run "	\
		     "with --topology cxl-normal)");			\
	}								\
} while (0)

/*
 * PINNABLE is accepted on a CXL node with non-movable memory; its pages
 * are there per pagemap, move_pages(2) and BUF_STAT.
 */
TEST_F(cxl_normal, pinnable_accepted)
{
	struct preq q = { .mode = CXLTIER_MODE_BIND, .n = 1,
			  .flags = CXLTIER_CREATE_PINNABLE,
			  .length = 64 * pgsz };
	size_t np = preq_pages(&q);
	int *want;
	char *p;
	int fd;

	NEED_CXL_NORMAL(self);
	TH_LOG("node %u: zones %#x", self->n->node, self->n->zones);
	q.node[0] = self->n->node;
	fd = preq_create(self->c.dev, &q, NULL);
	ASSERT_OK(fd);
	p = map_buf(fd, np * pgsz, 0);
	ASSERT_NE(MAP_FAILED, p);
	fill_pages(p, 0, np, 0x96);
	want = preq_want(&q);
	ASSERT_NE(NULL, want);
	assert_layout(fd, p, np, want, true);
	EXPECT_EQ(-1, check_pages(p, 0, np, 0x96));
	free(want);
	munmap(p, np * pgsz);
	close(fd);
}

/* A long-term pin (AF_XDP umem) of a pinnable buffer there succeeds. */
TEST_F_TIMEOUT(cxl_normal, pinnable_longterm_pin, 120)
{
	struct preq q = { .mode = CXLTIER_MODE_BIND, .n = 1,
			  .flags = CXLTIER_CREATE_PINNABLE,
			  .length = 32 * pgsz };
	struct pin_arg a;
	double t;
	char *p;
	int fd, s, r;

	NEED_CXL_NORMAL(self);
	s = xdp_socket();
	if (s < 0)
		SKIP(return, "AF_XDP unavailable: %s", errname(s));
	close(s);
	q.node[0] = self->n->node;
	fd = preq_create(self->c.dev, &q, NULL);
	ASSERT_OK(fd);
	p = map_buf(fd, 32 * pgsz, 0);
	ASSERT_NE(MAP_FAILED, p);
	fill_pages(p, 0, 32, 0x97);
	a.p = p;
	a.len = 32 * pgsz;
	r = timed_child(do_xdp_pin, &a, LT_ALARM_S, &t);
	if (r)
		TH_LOG("XDP_UMEM_REG: %s after %.2f s",
		       r <= -1000 ? "killed" : errname(r), t);
	EXPECT_EQ(0, r);
	EXPECT_EQ(-1, check_pages(p, 0, 32, 0x97));
	munmap(p, 32 * pgsz);
	close(fd);
}
