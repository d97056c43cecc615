/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Making a node short of memory, for the cxltier kselftest suite: its free
 * memory per zone (/proc/zoneinfo) and free 2 MiB blocks, filling it with
 * buffers until a given amount is left (struct filler), fragmenting it so
 * that no 2 MiB block is free, and compacting it.  Used by the policy, huge
 * and pinnable tests.
 */
#ifndef CXLTIER_TEST_FILL_H
#define CXLTIER_TEST_FILL_H

#include "cxltier_test.h"
#include "placement.h"

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
 * none can be had and enough 4 KiB pages are free.
 *
 * Four vm sysctls hold that state while the test runs (frag_sysctls[];
 * the old values go to @saved for restore_frag_sysctls()):
 *  - min_free_kbytes: the free memory a full node keeps (its min
 *    watermark) is what the allocator split last: whole 2 MiB blocks,
 *    which an order-9 allocation may take as soon as the holes lift the
 *    node above the watermark.  Only a min watermark below 512 pages keeps
 *    such blocks from surviving (Debian's THP default, 66 MiB, gives a
 *    1 GiB node a 14 MiB min).  This also shrinks the per-CPU free lists,
 *    which hold freed pages back from the buddy allocator and the
 *    watermark checks.
 *  - extfrag_threshold at its maximum (1000): the kernel compacts for a
 *    costly order only when the node's fragmentation index is above it,
 *    so no order-9 allocation, direct or kcompactd's, compacts.  With more
 *    than 2 << 9 pages free above the low watermark (after 4 hole buffers)
 *    it did, and a 6.12 run then got a 2 MiB page the test had just
 *    failed to take.
 *  - compaction_proactiveness 0: kcompactd's background compaction of a
 *    fragmented node ignores the threshold.
 *  - percpu_pagelist_high_fraction at a large value, which caps every
 *    per-CPU free list at its floor (4 batches, 252 pages).  6.12 tunes
 *    that cap up to thousands of pages: freed holes sat on the lists (2314
 *    pages on a node with 693 in the buddy allocator), where the watermark
 *    check does not see them and an allocation that reclaims nothing never
 *    drains them, so a 4 KiB-page populate failed with ENOMEM.
 */
struct frag_sysctl {
	const char *path, *value;
};

static const struct frag_sysctl frag_sysctls[] = {
	{ "/proc/sys/vm/min_free_kbytes", "1024" },
	{ "/proc/sys/vm/extfrag_threshold", "1000" },
	{ "/proc/sys/vm/compaction_proactiveness", "0" },
	{ "/proc/sys/vm/percpu_pagelist_high_fraction", "1000000" },
};

#define FRAG_SYSCTLS ARRAY_SIZE(frag_sysctls)

/*
 * The old values also go to this file while they are changed, one per
 * line (-1: not changed): a test the harness kills at its timeout runs no
 * teardown, and the next fixture setup puts them back from here.
 */
#define FRAG_SAVED_FILE "/tmp/cxltier-selftests-vm-sysctls"

static void write_frag_values(const long *v)
{
	char buf[32];
	size_t i;

	for (i = 0; i < FRAG_SYSCTLS; i++) {
		if (v[i] < 0)
			continue;
		snprintf(buf, sizeof(buf), "%ld", v[i]);
		if (write_text(frag_sysctls[i].path, buf) < 0)
			fprintf(stderr, "# could not restore %s to %s\n",
				frag_sysctls[i].path, buf);
	}
}

/*
 * Old values of frag_sysctls[], -1 where not changed (or not present);
 * first, what a killed test left changed is put back.
 */
static void frag_sysctls_init(long *saved)
{
	FILE *f = fopen(FRAG_SAVED_FILE, "re");
	size_t i;

	for (i = 0; i < FRAG_SYSCTLS; i++)
		saved[i] = -1;
	if (!f)
		return;
	for (i = 0; i < FRAG_SYSCTLS; i++)
		if (fscanf(f, "%ld", &saved[i]) != 1)
			saved[i] = -1;
	fclose(f);
	fprintf(stderr, "# restoring the vm sysctls an earlier test left changed\n");
	write_frag_values(saved);
	unlink(FRAG_SAVED_FILE);
	for (i = 0; i < FRAG_SYSCTLS; i++)
		saved[i] = -1;
}

static int set_frag_sysctls(long *saved)
{
	char buf[32];
	size_t i, k;
	FILE *f;
	int r;

	for (i = 0; i < FRAG_SYSCTLS; i++) {
		if (saved[i] >= 0)
			continue;
		r = read_text(frag_sysctls[i].path, buf, sizeof(buf));
		if (r == -ENOENT && i > 0)
			continue;	/* not in this kernel's configuration */
		if (r < 0)
			return r;
		/* the old value on file before the new one is in */
		saved[i] = strtol(buf, NULL, 10);
		f = fopen(FRAG_SAVED_FILE, "we");
		if (f) {
			for (k = 0; k < FRAG_SYSCTLS; k++)
				fprintf(f, "%ld\n", saved[k]);
			fclose(f);
		}
		r = write_text(frag_sysctls[i].path, frag_sysctls[i].value);
		if (r < 0)
			return r;
	}
	return 0;
}

static void restore_frag_sysctls(long *saved)
{
	size_t i;

	write_frag_values(saved);
	for (i = 0; i < FRAG_SYSCTLS; i++)
		saved[i] = -1;
	unlink(FRAG_SAVED_FILE);
}

/*
 * fragment_node(): 0, -EAGAIN when that state was not reached, or -errno;
 * logs the node's state.
 */
#define FRAG_HOLE_BUFS 8

#define FRAG_HOLE_PAGES 512

#define fragment_node(dev, n, f, saved) \
	__fragment_node(_metadata, dev, n, f, saved)
static int __fragment_node(struct __test_metadata *_metadata, int dev,
			   const struct cxltier_node_info *n,
			   struct filler *f, long *saved)
{
	const size_t nh = FRAG_HOLE_BUFS * FRAG_HOLE_PAGES;
	size_t np = (size_t)(n->total_bytes / pgsz), i;
	struct preq q = { .mode = CXLTIER_MODE_BIND, .n = 1,
			  .node = { n->node } };
	unsigned int first_hole, k;
	int cpu, r, took = 0;
	long long blocks = -1, pcp = 0;
	struct zstat z;
	char *a;
	void *fault;

	cpu = pin_cpu();	/* one CPU's free lists: interleaved pages */
	if (cpu < 0)
		return cpu;
	r = set_frag_sysctls(saved);
	if (r < 0)
		return r;
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
		/*
		 * no 2 MiB page to be had; 2 MiB of 4 KiB pages are, in the
		 * buddy allocator, above the low watermark (an allocation
		 * that does not reclaim stops there: a 4 KiB-page unit then
		 * failed half way, SIGBUS, on 6.12 with 870 free, low 390):
		 * a populate may run on another CPU, which cannot take this
		 * CPU's free list
		 */
		if (z.free - z.low >= (long long)(HUGE_SZ / pgsz) + 128) {
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

/*
 * How often a test compacts a node before it concludes nothing moves: a
 * pass can spend itself on pages below the buffer under test, and how much
 * one pass moves differs between kernels (doc/kernels.md).
 */
#define COMPACT_PASSES 6

/*
 * Compaction takes its target pages from the buddy allocator only.  Pages
 * a test has just freed in bulk can sit on the per-CPU free lists, which
 * 6.12 lets grow while pages are freed and shrinks back about once a
 * second (pcp->high auto-tuning, since 6.7); a 6.12 run once moved
 * nothing in three back-to-back passes, and in isolation the first pass
 * after the setup often moves nothing.  So every pass first waits for them
 * to go back.
 */
#define COMPACT_SETTLE_S 2

/* Writes "1" to nodeN/compact: compaction of the whole node. */
static int compact_node(unsigned int node)
{
	char path[128];

	snprintf(path, sizeof(path), "/sys/devices/system/node/node%u/compact",
		 node);
	return write_text(path, "1");
}

/* Pass @pass (from 1) of compacting @node, the free lists settled. */
static int compact_node_pass(unsigned int node, int pass)
{
	(void)pass;
	sleep(COMPACT_SETTLE_S);
	return compact_node(node);
}

#endif /* CXLTIER_TEST_FILL_H */
