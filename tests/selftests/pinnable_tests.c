// SPDX-License-Identifier: GPL-2.0
/*
 * cxltier selftests: pins.  Movable pages (ZONE_MOVABLE, CXL nodes) must
 * not be pinned for long; pinnable buffers may.
 *
 *  pinnable.*    CXLTIER_CREATE_PINNABLE: -EXDEV on movable-only nodes;
 *                ordinary PTEs, GUP and long-term pins on DRAM.
 *  longterm.*    a long-term pin of a movable buffer fails promptly.
 *  cxl_normal.*  a CXL node onlined into ZONE_NORMAL holds pinnable
 *                buffers: needs `--topology cxl-normal` (make
 *                check-cxl-normal); skipped elsewhere.
 */
#include "cxltier_test.h"
#include "fill.h"
#include "placement.h"

#include <linux/io_uring.h>
#include <linux/mempolicy.h>

/* ======================================================================== */
/* Long-term pins, each taken in a child                                    */

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
 * Pages a touch filled ahead (MADV_SEQUENTIAL) are mapped like the touched
 * one: ordinary PTEs, so GUP (process_vm_readv/writev) works on them
 * without another fault; a special PTE there would give EFAULT.
 */
TEST_F(pinnable, gup_works_on_pages_filled_ahead)
{
	struct preq q = { .mode = CXLTIER_MODE_BIND, .n = 1,
			  .flags = CXLTIER_CREATE_PINNABLE,
			  .length = 8 * pgsz };
	char *local = calloc(1, pgsz);
	struct bstat b;
	char *p;
	int fd;

	NEED_PINNABLE(self);
	ASSERT_NE(NULL, local);
	q.node[0] = self->dram->node;
	fd = preq_create(self->c.dev, &q, NULL);
	ASSERT_OK(fd);
	p = map_skewed(fd, 8 * pgsz, 0, 0);	/* one page table */
	ASSERT_NE(MAP_FAILED, p);
	ASSERT_OK(madvise(p, 8 * pgsz, MADV_SEQUENTIAL));
	fill_pages(p, 0, 1, 0x94);
	ASSERT_OK(buf_stat(fd, &b));
	ASSERT_EQ(8 * pgsz, b.st.resident_bytes);
	ASSERT_EQ((ssize_t)pgsz, vm_readv(p + 5 * pgsz, local, pgsz));
	EXPECT_EQ(-1, check_zero(local, 1));
	fill_pages(local, 6, 1, 0x95);
	ASSERT_EQ((ssize_t)pgsz, vm_writev(p + 6 * pgsz, local, pgsz));
	EXPECT_EQ(-1, check_pages(p + 6 * pgsz, 6, 1, 0x95));
	EXPECT_EQ(-1, check_pages(p, 0, 1, 0x94));
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
	fd = preq_map_filled(&q, np, 0x98, &p);
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
	fd = preq_map_filled(&q, np, 0x94, &p);
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
	char *p;	/* half touched */
	char *anon;	/* the control: ordinary memory */
};

NODE_VARIANTS(longterm);

#define LT_PAGES 16
#define LT_ALARM_S 30

FIXTURE_SETUP(longterm)
{
	ctx_setup(&self->c, "longterm", variant->name);
	pin_targets_setup(variant->kind, LT_PAGES, 0x95);
}

FIXTURE_TEARDOWN(longterm)
{
	pin_targets_teardown(LT_PAGES, self->fd, self->p, self->anon);
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
	fd = preq_map_filled(&q, np, 0x96, &p);
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
	fd = preq_map_filled(&q, 32, 0x97, &p);
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
