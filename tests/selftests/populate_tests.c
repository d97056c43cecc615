// SPDX-License-Identifier: GPL-2.0
/*
 * cxltier selftests: CXLTIER_CREATE_POPULATE and fault-around.
 *
 *  populate.*  resident at once, zeroed, and a killed populate leaves
 *              nothing behind; a fault maps the resident pages of its
 *              2 MiB window (fault_around_*).
 */
#include "cxltier_test.h"
#include "placement.h"

#include <poll.h>

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
