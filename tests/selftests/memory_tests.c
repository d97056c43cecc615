// SPDX-License-Identifier: GPL-2.0
/*
 * cxltier selftests: buffers as memory.
 *
 *  mmap.*       mapping rules: MAP_SHARED only, zero fill, contents, the end
 *               of the buffer (SIGBUS), rounding, offsets, several mappings.
 *  placement.*  first touch puts every page on the policy's node: BUF_STAT
 *               and pagemap + sysfs memory blocks agree; move_pages(2)
 *               sees none of them (special PTEs).
 *  nodes.*      a small buffer on every node of the table.
 *  gup.*        get_user_pages on a mapping fails promptly with -EFAULT.
 *  fork.*       children share the mapping, also for first touches.
 *  lifetime.*   close before munmap; free memory comes back; no leaks.
 *
 * Most groups run once on a DRAM node and once on a CXL node.
 */
#include "cxltier_test.h"
#include "placement.h"

/* ======================================================================== */
/* mmap                                                                     */

FIXTURE(mmap) {
	struct ctx c;
	const struct cxltier_node_info *n;
};

NODE_VARIANTS(mmap);

FIXTURE_SETUP(mmap)
{
	ctx_setup(&self->c, "mmap", variant->name);
	self->n = topo_pick(&self->c.topo, variant->kind, 64 * MiB);
}

FIXTURE_TEARDOWN(mmap)
{
	ctx_teardown(&self->c);
}

TEST_F(mmap, private_rejected)
{
	int fd;
	void *p;

	NEED_NODE(self, variant);
	fd = buf_create(self->c.dev, 4 * pgsz, self->n->node);
	ASSERT_OK(fd);
	p = mmap(NULL, 4 * pgsz, PROT_READ | PROT_WRITE, MAP_PRIVATE, fd, 0);
	EXPECT_EQ(MAP_FAILED, p);
	EXPECT_EQ(EINVAL, errno);
	if (p != MAP_FAILED)
		munmap(p, 4 * pgsz);
	p = mmap(NULL, 4 * pgsz, PROT_READ, MAP_PRIVATE, fd, 0);
	EXPECT_EQ(MAP_FAILED, p);
	EXPECT_EQ(EINVAL, errno);
	if (p != MAP_FAILED)
		munmap(p, 4 * pgsz);
	/* the control */
	p = map_buf(fd, 4 * pgsz, 0);
	ASSERT_NE(MAP_FAILED, p);
	munmap(p, 4 * pgsz);
	close(fd);
}

/* Fresh pages read as zero; reading allocates them on the node. */
TEST_F(mmap, fresh_pages_zero)
{
	const size_t np = 64;
	long bad;
	char *p;
	int fd;

	NEED_NODE(self, variant);
	fd = buf_create_mapped(self->c.dev, np * pgsz, self->n->node, &p);
	assert_resident(fd, self->n->node, 0);
	bad = check_zero(p, np);
	if (bad >= 0)
		TH_LOG("page %ld of a fresh buffer is not zero", bad);
	EXPECT_EQ(-1, bad);
	assert_resident(fd, self->n->node, np * pgsz);
	munmap(p, np * pgsz);
	close(fd);
}

/* A pattern written reads back, also through a new mapping. */
TEST_F(mmap, pattern_roundtrip)
{
	const size_t np = 256;
	const uint64_t seed = 0x1234;
	long bad;
	char *p;
	int fd;

	NEED_NODE(self, variant);
	fd = buf_create_mapped(self->c.dev, np * pgsz, self->n->node, &p);
	fill_pages(p, 0, np, seed);
	bad = check_pages(p, 0, np, seed);
	EXPECT_EQ(-1, bad);
	EXPECT_EQ(expected_checksum(0, np, seed), checksum(p, np * pgsz));
	ASSERT_EQ(0, munmap(p, np * pgsz));

	p = map_buf(fd, np * pgsz, 0);
	ASSERT_NE(MAP_FAILED, p);
	bad = check_pages(p, 0, np, seed);
	if (bad >= 0)
		TH_LOG("page %ld lost its contents across munmap/mmap", bad);
	EXPECT_EQ(-1, bad);
	EXPECT_EQ(expected_checksum(0, np, seed), checksum(p, np * pgsz));
	assert_resident(fd, self->n->node, np * pgsz);
	munmap(p, np * pgsz);
	close(fd);
}

/* A mapping longer than the buffer: SIGBUS past the end, at that address. */
TEST_F(mmap, past_end_sigbus)
{
	const size_t np = 3, mapped = 5;
	void *addr;
	char *p;
	size_t i;
	int fd;

	NEED_NODE(self, variant);
	fd = buf_create(self->c.dev, np * pgsz, self->n->node);
	ASSERT_OK(fd);
	p = map_buf(fd, mapped * pgsz, 0);
	ASSERT_NE(MAP_FAILED, p);
	for (i = 0; i < np; i++) {
		EXPECT_EQ(0, probe(p + i * pgsz, true, NULL));
		EXPECT_EQ(0, probe(p + i * pgsz + pgsz - 1, false, NULL));
	}
	for (i = np; i < mapped; i++) {
		addr = NULL;
		EXPECT_EQ(SIGBUS, probe(p + i * pgsz + 8, false, &addr));
		EXPECT_EQ((void *)(p + i * pgsz + 8), addr);
		addr = NULL;
		EXPECT_EQ(SIGBUS, probe(p + i * pgsz, true, &addr));
		EXPECT_EQ((void *)(p + i * pgsz), addr);
	}
	assert_resident(fd, self->n->node, np * pgsz);
	munmap(p, mapped * pgsz);
	close(fd);
}

/* A length that is not a page multiple is rounded up to whole pages. */
TEST_F(mmap, length_rounded_up)
{
	const size_t len = 3 * pgsz + 100;
	const uint64_t seed = 0x77;
	struct bstat b;
	char *p;
	int fd;

	NEED_NODE(self, variant);
	fd = buf_create(self->c.dev, len, self->n->node);
	ASSERT_OK(fd);
	p = map_buf(fd, 5 * pgsz, 0);
	ASSERT_NE(MAP_FAILED, p);
	/* all of page 3, also past byte 100 */
	fill_pages(p, 0, 4, seed);
	EXPECT_EQ(-1, check_pages(p, 0, 4, seed));
	EXPECT_EQ(SIGBUS, probe(p + 4 * pgsz, false, NULL));
	assert_resident(fd, self->n->node, 4 * pgsz);
	ASSERT_OK(buf_stat(fd, &b));
	EXPECT_EQ((uint64_t)len, b.st.length);	/* as requested */
	munmap(p, 5 * pgsz);
	close(fd);
}

/* A mapping at a page offset maps that part of the buffer. */
TEST_F(mmap, offset_window)
{
	const size_t np = 8;
	char *a, *b, *c;
	int fd;

	NEED_NODE(self, variant);
	fd = buf_create_mapped(self->c.dev, np * pgsz, self->n->node, &a);
	b = map_buf(fd, 4 * pgsz, (off_t)(2 * pgsz));	/* pages 2..5 */
	ASSERT_NE(MAP_FAILED, b);
	c = map_buf(fd, 2 * pgsz, (off_t)(6 * pgsz));	/* pages 6..7 */
	ASSERT_NE(MAP_FAILED, c);

	fill_pages(b, 2, 4, 0xb);
	EXPECT_EQ(-1, check_pages(a + 2 * pgsz, 2, 4, 0xb));
	EXPECT_EQ(-1, check_zero(a, 2));
	EXPECT_EQ(-1, check_zero(a + 6 * pgsz, 2));

	fill_pages(a + 6 * pgsz, 6, 2, 0xa);
	EXPECT_EQ(-1, check_pages(c, 6, 2, 0xa));
	fill_pages(a, 0, 2, 0xc);
	EXPECT_EQ(-1, check_pages(b, 2, 4, 0xb));	/* untouched by that */
	munmap(a, np * pgsz);
	munmap(b, 4 * pgsz);
	munmap(c, 2 * pgsz);
	assert_resident(fd, self->n->node, np * pgsz);
	close(fd);
}

/* Two mappings of a buffer see each other's writes. */
TEST_F(mmap, two_mappings_coherent)
{
	const size_t np = 32;
	char *a, *b;
	int fd, fd2;

	NEED_NODE(self, variant);
	fd = buf_create(self->c.dev, np * pgsz, self->n->node);
	ASSERT_OK(fd);
	fd2 = dup(fd);
	ASSERT_LE(0, fd2);
	a = map_buf(fd, np * pgsz, 0);
	ASSERT_NE(MAP_FAILED, a);
	b = map_buf(fd2, np * pgsz, 0);
	ASSERT_NE(MAP_FAILED, b);
	ASSERT_NE(a, b);
	fill_pages(a, 0, np, 1);
	EXPECT_EQ(-1, check_pages(b, 0, np, 1));
	fill_pages(b, 0, np / 2, 2);
	EXPECT_EQ(-1, check_pages(a, 0, np / 2, 2));
	EXPECT_EQ(-1, check_pages(a + np / 2 * pgsz, np / 2, np / 2, 1));
	munmap(a, np * pgsz);
	munmap(b, np * pgsz);
	close(fd2);
	close(fd);
}

/* Pages first read, then written, keep what was written. */
TEST_F(mmap, read_fault_then_write)
{
	const size_t np = 16;
	char *p;
	int fd;

	NEED_NODE(self, variant);
	fd = buf_create_mapped(self->c.dev, np * pgsz, self->n->node, &p);
	EXPECT_EQ(-1, check_zero(p, np));
	fill_pages(p, 0, np, 3);
	EXPECT_EQ(-1, check_pages(p, 0, np, 3));
	munmap(p, np * pgsz);
	p = map_buf(fd, np * pgsz, 0);
	ASSERT_NE(MAP_FAILED, p);
	EXPECT_EQ(-1, check_pages(p, 0, np, 3));
	assert_resident(fd, self->n->node, np * pgsz);
	munmap(p, np * pgsz);
	close(fd);
}

/* MADV_DONTNEED drops PTEs, not the buffer's contents. */
TEST_F(mmap, dontneed_keeps_data)
{
	const size_t np = 16;
	char *p;
	int fd, r;

	NEED_NODE(self, variant);
	fd = buf_create_mapped(self->c.dev, np * pgsz, self->n->node, &p);
	fill_pages(p, 0, np, 4);
	r = madvise(p, np * pgsz, MADV_DONTNEED);
	if (r)
		TH_LOG("MADV_DONTNEED: %s", strerror(errno));
	EXPECT_TRUE(r == 0 || errno == EINVAL);
	EXPECT_EQ(-1, check_pages(p, 0, np, 4));
	assert_resident(fd, self->n->node, np * pgsz);
	munmap(p, np * pgsz);
	close(fd);
}

/* The header: mappings are VM_IO.  Shared, and inherited across fork. */
TEST_F(mmap, vm_flags)
{
	char flags[256];
	char *p;
	int fd;

	NEED_NODE(self, variant);
	fd = buf_create_mapped(self->c.dev, 4 * pgsz, self->n->node, &p);
	ASSERT_EQ(0, vma_flags(p, flags, sizeof(flags)));
	TH_LOG("VmFlags:%s", flags);
	EXPECT_TRUE(has_vmflag(flags, "io"));
	EXPECT_TRUE(has_vmflag(flags, "sh"));
	EXPECT_FALSE(has_vmflag(flags, "dc"));
	munmap(p, 4 * pgsz);
	close(fd);
}

/* ======================================================================== */
/* placement                                                                */

FIXTURE(placement) {
	struct ctx c;
	const struct cxltier_node_info *n;
};

FIXTURE_VARIANT(placement) {
	const char *name;
	enum node_kind kind;
};
FIXTURE_VARIANT_ADD(placement, dram_cpu) {
	.name = "dram_cpu", .kind = NK_DRAM_CPU };
FIXTURE_VARIANT_ADD(placement, dram_nocpu) {
	.name = "dram_nocpu", .kind = NK_DRAM_NOCPU };
FIXTURE_VARIANT_ADD(placement, cxl) { .name = "cxl", .kind = NK_CXL };
FIXTURE_VARIANT_ADD(placement, movable) {
	.name = "movable", .kind = NK_MOVABLE };

#define PLACEMENT_LEN (16 * MiB)

FIXTURE_SETUP(placement)
{
	ctx_setup(&self->c, "placement", variant->name);
	self->n = topo_pick(&self->c.topo, variant->kind,
			    4 * PLACEMENT_LEN);
}

FIXTURE_TEARDOWN(placement)
{
	ctx_teardown(&self->c);
}

/* Minor faults this process took so far. */
static long minor_faults(void)
{
	struct rusage ru;

	return getrusage(RUSAGE_SELF, &ru) ? -1 : ru.ru_minflt;
}

/*
 * The documented bound of fault-ahead (README): a touch of a mapping marked
 * MADV_SEQUENTIAL makes at most 128 KiB resident, its own page included.
 */
#define SEQ_AHEAD_MAX	(128 * 1024)

/*
 * MADV_SEQUENTIAL: one fault fills and maps the pages after it (more than
 * one page resident after one touch, never more than the bound), so a
 * sequential first touch takes a fraction of the faults it takes without
 * the hint, and the data and the node are what the touch gives.  Without
 * the hint, in the same run, a fault per page and exactly the pages
 * touched.  The guess stays inside the mapping and the page table the
 * fault walked, and MADV_NORMAL turns it off.
 */
TEST_F(placement, sequential_faults_ahead)
{
	const size_t np = PLACEMENT_LEN / pgsz;
	long f0, seq_faults, plain_faults;
	struct bstat b;
	char *p, *q;
	int fd, fq;

	NEED_NODE(self, variant);
	fd = buf_create(self->c.dev, PLACEMENT_LEN, self->n->node);
	ASSERT_OK(fd);
	p = map_skewed(fd, PLACEMENT_LEN, 0, 0);	/* on the 2 MiB grid */
	ASSERT_NE(MAP_FAILED, p);
	fq = buf_create_mapped(self->c.dev, PLACEMENT_LEN, self->n->node, &q);
	ASSERT_OK(madvise(p, PLACEMENT_LEN, MADV_SEQUENTIAL));

	fill_pages(p, 0, 1, 9);
	ASSERT_OK(buf_stat(fd, &b));
	EXPECT_GT(b.st.resident_bytes, (uint64_t)pgsz);
	EXPECT_LE(b.st.resident_bytes, (uint64_t)SEQ_AHEAD_MAX);
	EXPECT_EQ(0ULL, b.st.resident_bytes % pgsz);
	/* what was filled ahead reads as zeroes */
	EXPECT_EQ(-1, check_zero(p + pgsz, b.st.resident_bytes / pgsz - 1));

	f0 = minor_faults();
	fill_pages(p + pgsz, 1, np - 1, 9);
	seq_faults = minor_faults() - f0;
	f0 = minor_faults();
	fill_pages(q, 0, np, 9);
	plain_faults = minor_faults() - f0;
	TH_LOG("first touch of %zu pages: %ld faults with MADV_SEQUENTIAL, %ld without",
	       np, seq_faults, plain_faults);
	EXPECT_GE(plain_faults, (long)np);
	EXPECT_LE(seq_faults, (long)(np / 8));

	assert_resident(fd, self->n->node, PLACEMENT_LEN);
	assert_resident(fq, self->n->node, PLACEMENT_LEN);
	assert_pages_on_node(p, np, (int)self->n->node);
	EXPECT_EQ(-1, check_pages(p, 0, np, 9));
	EXPECT_EQ(-1, check_pages(q, 0, np, 9));
	munmap(q, PLACEMENT_LEN);
	close(fq);

	/* never past the mapping */
	fq = buf_create(self->c.dev, PLACEMENT_LEN, self->n->node);
	ASSERT_OK(fq);
	q = map_skewed(fq, 2 * pgsz, 0, 0);
	ASSERT_NE(MAP_FAILED, q);
	ASSERT_OK(madvise(q, 2 * pgsz, MADV_SEQUENTIAL));
	fill_pages(q, 0, 1, 9);
	assert_resident(fq, self->n->node, 2 * pgsz);
	munmap(q, 2 * pgsz);
	close(fq);

	/*
	 * Never past the page table: 4 pages before a 2 MiB boundary, a touch
	 * of the first makes those 4 resident; after MADV_NORMAL a touch
	 * makes its page only.
	 */
	fq = buf_create(self->c.dev, PLACEMENT_LEN, self->n->node);
	ASSERT_OK(fq);
	q = map_skewed(fq, 16 * pgsz, 0, HUGE_SZ - 4 * pgsz);
	ASSERT_NE(MAP_FAILED, q);
	ASSERT_OK(madvise(q, 16 * pgsz, MADV_SEQUENTIAL));
	fill_pages(q, 0, 1, 9);
	assert_resident(fq, self->n->node, 4 * pgsz);
	ASSERT_OK(madvise(q, 16 * pgsz, MADV_NORMAL));
	fill_pages(q + 8 * pgsz, 8, 1, 9);
	assert_resident(fq, self->n->node, 5 * pgsz);
	munmap(q, 16 * pgsz);
	close(fq);
	munmap(p, PLACEMENT_LEN);
	close(fd);
}

/*
 * Resident bytes are 0 before any touch and grow with the touched pages, all
 * on the node per pagemap, invisible to move_pages(2); contents survive.
 */
TEST_F(placement, first_touch_on_node)
{
	const size_t np = PLACEMENT_LEN / pgsz, half = np / 2;
	char *p;
	int fd;

	NEED_NODE(self, variant);
	fd = buf_create_mapped(self->c.dev, PLACEMENT_LEN, self->n->node, &p);
	assert_resident(fd, self->n->node, 0);

	fill_pages(p, 0, half, 5);
	assert_resident(fd, self->n->node, half * pgsz);
	assert_pages_on_node(p, half, (int)self->n->node);

	/* a quarter more, by reading */
	EXPECT_EQ(-1, check_zero(p + half * pgsz, np / 4));
	assert_resident(fd, self->n->node, (half + np / 4) * pgsz);

	fill_pages(p + half * pgsz, half, np - half, 5);
	assert_resident(fd, self->n->node, np * pgsz);
	assert_pages_on_node(p, np, (int)self->n->node);
	EXPECT_EQ(-1, check_pages(p, 0, np, 5));
	munmap(p, PLACEMENT_LEN);
	close(fd);
}

/* The policy BUF_STAT reports is the one created. */
TEST_F(placement, stat_policy)
{
	struct cxltier_create c;
	struct bstat b;
	int fd;

	NEED_NODE(self, variant);
	fd = buf_create_ex(self->c.dev, PLACEMENT_LEN, self->n->node, 0, &c);
	ASSERT_OK(fd);
	ASSERT_OK(buf_stat(fd, &b));
	EXPECT_EQ(c.out_id, b.st.id);
	EXPECT_EQ((uint64_t)PLACEMENT_LEN, b.st.length);
	EXPECT_EQ((unsigned int)CXLTIER_MODE_BIND, b.st.mode);
	EXPECT_EQ(1U, b.st.nr_policy_nodes);
	EXPECT_EQ(self->n->node, b.pol[0].node);
	EXPECT_EQ(0U, b.pol[0].weight);
	close(fd);
}

/* ======================================================================== */
/* nodes: every node in the table                                           */

FIXTURE(nodes) {
	struct ctx c;
};

FIXTURE_SETUP(nodes)
{
	ctx_setup(&self->c, "nodes", NULL);
}

FIXTURE_TEARDOWN(nodes)
{
	ctx_teardown(&self->c);
}

TEST_F(nodes, small_buffer_on_each)
{
	const size_t np = MiB / pgsz;
	unsigned int i, tried = 0;

	for (i = 0; i < self->c.topo.nr; i++) {
		const struct cxltier_node_info *n = &self->c.topo.nodes[i];
		char *p;
		int fd;

		if (n->free_bytes < 16 * MiB) {
			TH_LOG("node %u: %llu bytes free, skipped", n->node,
			       (unsigned long long)n->free_bytes);
			continue;
		}
		TH_LOG("node %u", n->node);
		fd = buf_create(self->c.dev, MiB, n->node);
		ASSERT_OK(fd);
		p = map_buf(fd, MiB, 0);
		ASSERT_NE(MAP_FAILED, p);
		fill_pages(p, 0, np, n->node);
		assert_resident(fd, n->node, MiB);
		assert_pages_on_node(p, np, (int)n->node);
		EXPECT_EQ(-1, check_pages(p, 0, np, n->node));
		munmap(p, MiB);
		close(fd);
		tried++;
	}
	ASSERT_LT(0U, tried);
}

/* ======================================================================== */
/* gup: get_user_pages() on a mapping fails at once with -EFAULT            */

FIXTURE(gup) {
	struct ctx c;
	const struct cxltier_node_info *n;
	int fd;
	char *p;	/* 8 pages: 0-3 touched, 4-7 not */
	char *anon;	/* the control: ordinary memory */
};

NODE_VARIANTS(gup);

#define GUP_PAGES 8
FIXTURE_SETUP(gup)
{
	ctx_setup(&self->c, "gup", variant->name);
	pin_targets_setup(variant->kind, GUP_PAGES, 6);
}

FIXTURE_TEARDOWN(gup)
{
	pin_targets_teardown(GUP_PAGES, self->fd, self->p, self->anon);
	ctx_teardown(&self->c);
}

TEST_F(gup, process_vm_readv)
{
	char *local = malloc(pgsz);
	double t0;

	NEED_NODE(self, variant);
	ASSERT_NE(NULL, local);
	/* the control: ordinary memory reads fine */
	ASSERT_EQ((ssize_t)pgsz, vm_readv(self->anon, local, pgsz));
	ASSERT_EQ(0, memcmp(local, self->anon, pgsz));

	t0 = now_s();
	EXPECT_ERRNO(EFAULT, (int)vm_readv(self->p, local, pgsz),
		     " (touched page)");
	EXPECT_ERRNO(EFAULT, (int)vm_readv(self->p + 5 * pgsz, local, pgsz),
		     " (untouched page)");
	EXPECT_GT(GUP_PROMPT_S, now_s() - t0);
	free(local);
}

TEST_F(gup, process_vm_writev)
{
	char *local = calloc(1, pgsz);
	double t0;

	NEED_NODE(self, variant);
	ASSERT_NE(NULL, local);
	t0 = now_s();
	EXPECT_ERRNO(EFAULT, (int)vm_writev(self->p, local, pgsz),
		     " (touched page)");
	EXPECT_ERRNO(EFAULT, (int)vm_writev(self->p + 5 * pgsz, local, pgsz),
		     " (untouched page)");
	EXPECT_GT(GUP_PROMPT_S, now_s() - t0);
	/* nothing was written */
	EXPECT_EQ(-1, check_pages(self->p, 0, GUP_PAGES / 2, 6));
	free(local);
}

/* vmsplice() of one page at @arg to a pipe. */
static int do_vmsplice(void *arg)
{
	struct iovec iov = { .iov_base = arg, .iov_len = pgsz };
	int pfd[2];
	ssize_t n;

	if (pipe(pfd))
		return -errno;
	n = vmsplice(pfd[1], &iov, 1, SPLICE_F_NONBLOCK);
	return n < 0 ? -errno : (int)n;
}

/* vmsplice() pins the pages it splices (get_user_pages_fast). */
TEST_F(gup, vmsplice)
{
	double t0;
	int r;

	NEED_NODE(self, variant);
	/* the control */
	ASSERT_EQ((int)pgsz, in_child(do_vmsplice, self->anon));

	t0 = now_s();
	r = in_child(do_vmsplice, self->p);
	EXPECT_CHILD_ERRNO(EFAULT, r, "touched page");
	r = in_child(do_vmsplice, self->p + 5 * pgsz);
	EXPECT_CHILD_ERRNO(EFAULT, r, "untouched page");
	EXPECT_GT(GUP_PROMPT_S, now_s() - t0);
}

/* FUTEX_WAKE on a process-shared futex word at @arg. */
static int do_futex_wake(void *arg)
{
	long r = syscall(SYS_futex, (uint32_t *)arg, FUTEX_WAKE, 1, NULL,
			 NULL, 0);

	return r < 0 ? -errno : (int)r;
}

/* A process-shared futex keys on the page (get_user_pages_fast). */
TEST_F(gup, shared_futex)
{
	uint32_t *f;
	int r;

	NEED_NODE(self, variant);
	/* the control: a shared futex in ordinary shared memory */
	f = mmap(NULL, pgsz, PROT_READ | PROT_WRITE,
		 MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, f);
	ASSERT_EQ(0, in_child(do_futex_wake, f));
	munmap(f, pgsz);

	r = in_child(do_futex_wake, self->p);
	EXPECT_CHILD_ERRNO(EFAULT, r, "touched page");
	r = in_child(do_futex_wake, self->p + 5 * pgsz);
	EXPECT_CHILD_ERRNO(EFAULT, r, "untouched page");
}

/* ======================================================================== */
/* fork                                                                     */

FIXTURE(fork) {
	struct ctx c;
	const struct cxltier_node_info *n;
	int fd;
	char *p;
};

NODE_VARIANTS(fork);

#define FORK_PAGES 256

FIXTURE_SETUP(fork)
{
	ctx_setup(&self->c, "fork", variant->name);
	self->fd = -1;
	self->p = MAP_FAILED;
	self->n = topo_pick(&self->c.topo, variant->kind, 64 * MiB);
	if (!self->n)
		return;
	self->fd = buf_create(self->c.dev, FORK_PAGES * pgsz, self->n->node);
	ASSERT_OK(self->fd);
	self->p = map_buf(self->fd, FORK_PAGES * pgsz, 0);
	ASSERT_NE(MAP_FAILED, self->p);
}

FIXTURE_TEARDOWN(fork)
{
	if (self->p != MAP_FAILED)
		munmap(self->p, FORK_PAGES * pgsz);
	if (self->fd >= 0)
		close(self->fd);
	ctx_teardown(&self->c);
}

/* Child exit codes: 0 ok, 10 + n for check n failing. */

/* The child sees the parent's data, the parent the child's. */
TEST_F(fork, child_shares_mapping)
{
	pid_t pid;

	NEED_NODE(self, variant);
	fill_pages(self->p, 0, FORK_PAGES, 7);
	pid = fork();
	ASSERT_LE(0, pid);
	if (!pid) {
		if (check_pages(self->p, 0, FORK_PAGES, 7) >= 0)
			_exit(10);
		fill_pages(self->p, 0, FORK_PAGES, 8);
		_exit(0);
	}
	ASSERT_EQ(0, wait_child(pid));
	EXPECT_EQ(-1, check_pages(self->p, 0, FORK_PAGES, 8));
	assert_resident(self->fd, self->n->node, FORK_PAGES * pgsz);
}

/* A child forked before any touch faults pages the parent then sees. */
TEST_F(fork, child_first_touch)
{
	pid_t pid;

	NEED_NODE(self, variant);
	assert_resident(self->fd, self->n->node, 0);
	pid = fork();
	ASSERT_LE(0, pid);
	if (!pid) {
		fill_pages(self->p, 0, FORK_PAGES, 9);
		_exit(0);
	}
	ASSERT_EQ(0, wait_child(pid));
	assert_resident(self->fd, self->n->node, FORK_PAGES * pgsz);
	EXPECT_EQ(-1, check_pages(self->p, 0, FORK_PAGES, 9));
	assert_pages_on_node(self->p, FORK_PAGES, (int)self->n->node);
}

/*
 * Processes racing to first-touch the pages of a fresh buffer get one page
 * per offset: each writes its own word of every page; all words survive.
 */
TEST_F(fork, concurrent_first_touch)
{
	enum { NPROC = 4, ROUNDS = 4 };
	pid_t pids[NPROC];
	int go[2], i, r, fd;
	size_t pg;
	char c, *p;

	NEED_NODE(self, variant);
	for (r = 0; r < ROUNDS; r++) {
		fd = buf_create(self->c.dev, FORK_PAGES * pgsz, self->n->node);
		ASSERT_OK(fd);
		p = map_buf(fd, FORK_PAGES * pgsz, 0);
		ASSERT_NE(MAP_FAILED, p);
		ASSERT_EQ(0, pipe(go));
		for (i = 0; i < NPROC; i++) {
			pids[i] = fork();
			ASSERT_LE(0, pids[i]);
			if (!pids[i]) {
				close(go[1]);
				if (read(go[0], &c, 1) < 0)
					_exit(11);
				/* half start at the end: more collisions */
				for (pg = 0; pg < FORK_PAGES; pg++) {
					size_t q = i & 1 ? FORK_PAGES - 1 - pg
							 : pg;
					uint64_t *w = (uint64_t *)(p +
							q * pgsz);

					w[i] = pat((uint64_t)r, q, (uint64_t)i);
				}
				_exit(0);
			}
		}
		close(go[0]);
		close(go[1]);	/* all children start together */
		for (i = 0; i < NPROC; i++) {
			EXPECT_EQ(0, wait_child(pids[i]));
		}
		for (pg = 0; pg < FORK_PAGES; pg++) {
			uint64_t *w = (uint64_t *)(p + pg * pgsz);

			for (i = 0; i < NPROC; i++)
				if (w[i] != pat((uint64_t)r, pg, (uint64_t)i)) {
					TH_LOG("round %d page %zu: the write "
					       "of process %d was lost", r, pg,
					       i);
					ASSERT_EQ(pat((uint64_t)r, pg,
						      (uint64_t)i), w[i]);
				}
		}
		assert_resident(fd, self->n->node, FORK_PAGES * pgsz);
		munmap(p, FORK_PAGES * pgsz);
		close(fd);
	}
}

/* After the parent closed the fd, a child still shares the mapping. */
TEST_F(fork, child_after_close)
{
	pid_t pid;

	NEED_NODE(self, variant);
	fill_pages(self->p, 0, FORK_PAGES, 10);
	close(self->fd);
	self->fd = -1;
	pid = fork();
	ASSERT_LE(0, pid);
	if (!pid) {
		if (check_pages(self->p, 0, FORK_PAGES, 10) >= 0)
			_exit(10);
		fill_pages(self->p, 0, FORK_PAGES / 2, 11);
		_exit(0);
	}
	ASSERT_EQ(0, wait_child(pid));
	EXPECT_EQ(-1, check_pages(self->p, 0, FORK_PAGES / 2, 11));
	EXPECT_EQ(-1, check_pages(self->p + FORK_PAGES / 2 * pgsz,
				  FORK_PAGES / 2, FORK_PAGES / 2, 10));
}

/* ======================================================================== */
/* lifetime: close before munmap, free memory returns                       */

FIXTURE(lifetime) {
	struct ctx c;
	const struct cxltier_node_info *n;
	unsigned long long slack;	/* for memory coming back */
	unsigned long long drop_slack;	/* for memory a buffer takes */
};

NODE_VARIANTS(lifetime);

#define LEAK_LEN (64 * MiB)
#define LEAK_CYCLES 4
/* ASSERTs that the node's free memory is at least @bytes below @base. */
#define assert_free_dropped(dev, node, base, bytes, slack) \
	__assert_free_dropped(_metadata, dev, node, base, bytes, slack)
static void __assert_free_dropped(struct __test_metadata *_metadata, int dev,
				  unsigned int node,
				  const struct node_free *base,
				  unsigned long long bytes,
				  unsigned long long slack)
{
	struct node_free f;

	write_text("/proc/sys/vm/stat_refresh", "1");
	ASSERT_EQ(0, read_node_free(dev, node, &f));
	if ((f.info >= 0 && base->info - f.info + (long long)slack <
			    (long long)bytes) ||
	    base->sys - f.sys + (long long)slack < (long long)bytes)
		TH_LOG("node %u: %llu KiB in use by a buffer, but free memory "
		       "dropped only by %lld KiB (GET_INFO) / %lld KiB "
		       "(MemFree); per-CPU lists %lld -> %lld KiB (included)",
		       node, bytes / 1024, (base->info - f.info) / 1024,
		       (base->sys - f.sys) / 1024, base->pcp / 1024,
		       f.pcp / 1024);
	if (f.info >= 0) {
		ASSERT_LE((long long)bytes, base->info - f.info +
					    (long long)slack);
	}
	ASSERT_LE((long long)bytes, base->sys - f.sys + (long long)slack);
}

FIXTURE_SETUP(lifetime)
{
	ctx_setup(&self->c, "lifetime", variant->name);
	self->n = topo_pick(&self->c.topo, variant->kind, 2 * LEAK_LEN);
	if (!self->n)
		return;
	self->slack = self->n->flags & CXLTIER_NODE_HAS_CPUS ?
		      2 * LEAK_SLACK : LEAK_SLACK;
	self->drop_slack = self->n->flags & CXLTIER_NODE_HAS_CPUS ?
			   2 * DROP_SLACK : DROP_SLACK;
	ASSERT_LE(0, pin_cpu());
}

FIXTURE_TEARDOWN(lifetime)
{
	ctx_teardown(&self->c);
}

/*
 * Create, touch, free 64 MiB several times: each buffer takes its memory
 * from the node, and all of it comes back.
 */
TEST_F_TIMEOUT(lifetime, free_memory_returns, 300)
{
	const size_t np = LEAK_LEN / pgsz;
	struct node_free base;
	struct cxltier_buf_stat st;
	unsigned int node;
	int i, fd;
	char *p;

	NEED_NODE(self, variant);
	node = self->n->node;
	settle_memory();
	ASSERT_EQ(0, read_node_free(self->c.dev, node, &base));
	for (i = 0; i < LEAK_CYCLES; i++) {
		fd = buf_create(self->c.dev, LEAK_LEN, node);
		ASSERT_OK(fd);
		p = map_buf(fd, LEAK_LEN, 0);
		ASSERT_NE(MAP_FAILED, p);
		fill_pages(p, 0, np, 100 + i);
		assert_free_dropped(self->c.dev, node, &base, LEAK_LEN,
				    self->drop_slack);
		assert_resident(fd, node, LEAK_LEN);
		EXPECT_EQ(-1, check_pages(p, 0, np, 100 + i));
		ASSERT_EQ(0, munmap(p, LEAK_LEN));
		ASSERT_EQ(0, close(fd));
		/* a freed buffer cannot be queried */
		memset(&st, 0, sizeof(st));
		st.size = sizeof(st);
		EXPECT_EQ(-1, ioctl(fd, CXLTIER_IOC_BUF_STAT, &st));
		EXPECT_EQ(EBADF, errno);
	}
	ASSERT_TRUE(wait_free_back(self->c.dev, node, &base, self->slack));
}

/*
 * Closing the fd first keeps the pages while mapped (contents intact, memory
 * still in use); munmap then frees them.
 */
TEST_F_TIMEOUT(lifetime, close_before_munmap, 300)
{
	const size_t np = LEAK_LEN / pgsz;
	struct node_free base;
	unsigned int node;
	pid_t pid;
	char *p;
	int fd;

	NEED_NODE(self, variant);
	node = self->n->node;
	settle_memory();
	ASSERT_EQ(0, read_node_free(self->c.dev, node, &base));
	fd = buf_create_mapped(self->c.dev, LEAK_LEN, node, &p);
	fill_pages(p, 0, np / 2, 12);
	ASSERT_EQ(0, close(fd));

	/* still works: old data, new touches */
	EXPECT_EQ(-1, check_pages(p, 0, np / 2, 12));
	fill_pages(p + np / 2 * pgsz, np / 2, np - np / 2, 12);
	EXPECT_EQ(-1, check_pages(p, 0, np, 12));
	settle_memory();
	assert_free_dropped(self->c.dev, node, &base, LEAK_LEN,
			    self->drop_slack);
	/* and a child shares it */
	pid = fork();
	ASSERT_LE(0, pid);
	if (!pid)
		_exit(check_pages(p, 0, np, 12) >= 0 ? 10 : 0);
	ASSERT_EQ(0, wait_child(pid));

	ASSERT_EQ(0, munmap(p, LEAK_LEN));
	ASSERT_TRUE(wait_free_back(self->c.dev, node, &base, self->slack));
}

/* An untouched buffer, even mapped, takes no memory from the node. */
TEST_F_TIMEOUT(lifetime, untouched_costs_nothing, 120)
{
	struct node_free base, f;
	unsigned long long len;
	unsigned int node;
	char *p;
	int fd;

	NEED_NODE(self, variant);
	node = self->n->node;
	len = round_up_pg(self->n->total_bytes / 2);
	settle_memory();
	ASSERT_EQ(0, read_node_free(self->c.dev, node, &base));
	fd = buf_create_mapped(self->c.dev, len, node, &p);
	settle_memory();
	ASSERT_EQ(0, read_node_free(self->c.dev, node, &f));
	if (base.sys - f.sys > (long long)self->slack)
		TH_LOG("node %u: MemFree dropped by %lld KiB for an untouched "
		       "%llu MiB buffer", node, (base.sys - f.sys) / 1024,
		       len / MiB);
	EXPECT_GE((long long)self->slack, base.sys - f.sys);
	EXPECT_GE((long long)self->slack, base.info - f.info);
	assert_resident(fd, node, 0);
	munmap(p, len);
	close(fd);
}
