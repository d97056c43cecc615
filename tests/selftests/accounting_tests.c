// SPDX-License-Identifier: GPL-2.0
/*
 * cxltier selftests: what the kernel and its tools count for a buffer's
 * memory (page.c, "RSS").
 *
 *  rss.*   the creator's RssShmem (and so VmRSS, ps, top and the OOM
 *          killer's badness) counts every page of its buffers from the
 *          page allocator, mapped or not, whoever touched it, until the
 *          buffer is freed; MIGRATE and fork change nothing; a creator
 *          that exits before the buffer leaves no counter behind (the
 *          kernel's check_mm() would log "BUG: Bad rss-counter state",
 *          which fails the test); pinnable buffers' ordinary PTEs are
 *          counted by the kernel itself, as RssFile of each mapper.
 *
 * Expected figures are the sizes the tests choose, read back from
 * /proc/PID/status as ps reads them.  6.12 keeps the counters per CPU and
 * /proc reads an approximation (percpu_counter_read_positive()): at most
 * 32 pages per CPU off, hence the slack.  The OOM killer's choice is
 * tests/vm/oom_test.sh's (it needs a boot of its own).
 */
#include "cxltier_test.h"
#include "placement.h"

#define RSS_SLACK_KB	1024

FIXTURE(rss) {
	struct ctx c;
	const struct cxltier_node_info *cxl, *dram;
};

FIXTURE_SETUP(rss)
{
	ctx_setup(&self->c, "rss", NULL);
	self->cxl = topo_pick(&self->c.topo, NK_CXL, 128 * MiB);
	self->dram = topo_pick(&self->c.topo, NK_DRAM, 128 * MiB);
	if (!self->cxl || !self->dram)
		SKIP_TOPO(return, "needs a CXL and a DRAM node with 128 MiB free");
}

FIXTURE_TEARDOWN(rss)
{
	ctx_teardown(&self->c);
}

/* @got is @want kB, give or take the per-CPU slack. */
#define EXPECT_KB(want, got, what) do {					\
	long __w = (want), __g = (got);					\
	EXPECT_LE(__w - RSS_SLACK_KB, __g)				\
		TH_LOG("%s: %ld kB, want %ld", what, __g, __w);	\
	EXPECT_GE(__w + RSS_SLACK_KB, __g)				\
		TH_LOG("%s: %ld kB, want %ld", what, __g, __w);	\
} while (0)

/*
 * Touching 64 MiB of a buffer on a CXL node adds 64 MiB to the creator's
 * RssShmem and VmRSS; an munmap leaves it (the buffer still holds the
 * pages); the close that frees the buffer takes it back.
 */
TEST_F(rss, touch_counts_creator)
{
	size_t len = 64 * MiB, np = len / pgsz, i;
	long shm0, rss0, shm1, rss1;
	char *p;
	int fd;

	fd = buf_create_mapped(self->c.dev, len, self->cxl->node, &p);
	shm0 = proc_status_kb(0, "RssShmem");
	rss0 = proc_status_kb(0, "VmRSS");
	ASSERT_LE(0, shm0);
	for (i = 0; i < np; i++)
		p[i * pgsz] = 1;
	shm1 = proc_status_kb(0, "RssShmem");
	rss1 = proc_status_kb(0, "VmRSS");
	TH_LOG("RssShmem %ld -> %ld kB, VmRSS %ld -> %ld kB after 64 MiB",
	       shm0, shm1, rss0, rss1);
	EXPECT_KB(shm0 + (long)(len >> 10), shm1, "RssShmem after touch");
	EXPECT_LE(rss0 + (long)(len >> 10) - RSS_SLACK_KB, rss1);
	ASSERT_EQ(0, munmap(p, len));
	EXPECT_KB(shm1, proc_status_kb(0, "RssShmem"), "after munmap");
	close(fd);
	EXPECT_KB(shm0, proc_status_kb(0, "RssShmem"), "after close");
}

/*
 * A populated buffer of 2 MiB units that nobody maps is counted whole;
 * mapping and reading it (one PMD per unit) adds nothing more.
 */
TEST_F(rss, populated_huge_counted)
{
	struct preq q = bind1(self->cxl->node, 64 * MiB, HUGE_SHIFT);
	long shm0, shm1;
	char *p;
	size_t i;
	int fd;

	NEED_HUGE(&self->c.topo);
	NEED_FLAG(&self->c.topo, CXLTIER_CREATE_POPULATE);
	q.flags = CXLTIER_CREATE_POPULATE;
	shm0 = proc_status_kb(0, "RssShmem");
	fd = preq_create(self->c.dev, &q, NULL);
	ASSERT_OK(fd);
	shm1 = proc_status_kb(0, "RssShmem");
	TH_LOG("RssShmem %ld -> %ld kB after populating 64 MiB", shm0, shm1);
	EXPECT_KB(shm0 + 64 * 1024, shm1, "after populate");
	p = map_buf(fd, q.length, 0);
	ASSERT_NE(MAP_FAILED, p);
	for (i = 0; i < q.length; i += pgsz)
		EXPECT_EQ(0, p[i]);
	EXPECT_KB(shm1, proc_status_kb(0, "RssShmem"), "after reading");
	munmap(p, q.length);
	close(fd);
	EXPECT_KB(shm0, proc_status_kb(0, "RssShmem"), "after close");
}

/*
 * A forked child that touches the buffer adds to its creator's count, not
 * its own (the memory cgroup's rule); the parent reads the child's
 * /proc/PID/status as ps would, while the child waits.
 */
TEST_F(rss, child_touch_counts_creator)
{
	size_t len = 32 * MiB, np = len / pgsz;
	int fd, to_child[2], to_parent[2];
	long shm0, child0, child1;
	char *p, c;
	pid_t pid;

	fd = buf_create_mapped(self->c.dev, len, self->cxl->node, &p);
	ASSERT_EQ(0, pipe(to_child));
	ASSERT_EQ(0, pipe(to_parent));
	shm0 = proc_status_kb(0, "RssShmem");
	pid = fork();
	ASSERT_LE(0, pid);
	if (!pid) {
		size_t i;

		for (i = 0; i < np; i++)
			p[i * pgsz] = 2;
		if (write(to_parent[1], "t", 1) != 1 ||
		    read(to_child[0], &c, 1) != 1)
			_exit(2);
		_exit(0);
	}
	child0 = proc_status_kb(pid, "RssShmem");
	ASSERT_EQ(1, read(to_parent[0], &c, 1));
	child1 = proc_status_kb(pid, "RssShmem");
	TH_LOG("creator RssShmem %ld -> %ld kB; child %ld -> %ld kB", shm0,
	       proc_status_kb(0, "RssShmem"), child0, child1);
	EXPECT_KB(shm0 + (long)(len >> 10), proc_status_kb(0, "RssShmem"),
		  "creator after the child's touch");
	EXPECT_GT(RSS_SLACK_KB, child1)
		TH_LOG("the child counts %ld kB of shmem", child1);
	ASSERT_EQ(1, write(to_child[1], "x", 1));
	EXPECT_EQ(0, wait_child(pid));
	/* the child's exit takes nothing away from the creator */
	EXPECT_KB(shm0 + (long)(len >> 10), proc_status_kb(0, "RssShmem"),
		  "creator after the child's exit");
	close(to_child[0]);
	close(to_child[1]);
	close(to_parent[0]);
	close(to_parent[1]);
	munmap(p, len);
	close(fd);
	EXPECT_KB(shm0, proc_status_kb(0, "RssShmem"), "after close");
}

/* MIGRATE from DRAM to CXL keeps the count (the same pages, moved). */
TEST_F(rss, migrate_keeps_count)
{
	size_t len = 32 * MiB, np = len / pgsz, i;
	struct preq q = bind1(self->cxl->node, len, 0);
	struct cxltier_migrate m;
	long shm0, shm1;
	char *p;
	int fd;

	fd = buf_create_mapped(self->c.dev, len, self->dram->node, &p);
	shm0 = proc_status_kb(0, "RssShmem");
	for (i = 0; i < np; i++)
		p[i * pgsz] = (char)i;
	shm1 = proc_status_kb(0, "RssShmem");
	EXPECT_KB(shm0 + (long)(len >> 10), shm1, "after touch");
	ASSERT_OK(mig_ex(fd, &q, 0, 0, &m));
	for (i = 0; i < np; i++)	/* map them again for pagemap */
		EXPECT_EQ((char)i, p[i * pgsz]);
	assert_pages_on_node(p, np, self->cxl->node);
	EXPECT_KB(shm1, proc_status_kb(0, "RssShmem"), "after MIGRATE");
	munmap(p, len);
	close(fd);
	EXPECT_KB(shm0, proc_status_kb(0, "RssShmem"), "after close");
}

/*
 * An exited process's mm is freed (and check_mm() run) by the last
 * mmdrop(), which a CPU still using it as its lazy TLB mm may hold off
 * until it next switches to a user process.  Run a child on every CPU so
 * that happens before the test's kernel-log verdict.
 */
static void switch_every_cpu(void)
{
	long n = sysconf(_SC_NPROCESSORS_ONLN), cpu;

	for (cpu = 0; cpu < n; cpu++) {
		pid_t pid = fork();

		if (!pid) {
			cpu_set_t set;

			CPU_ZERO(&set);
			CPU_SET(cpu, &set);
			sched_setaffinity(0, sizeof(set), &set);
			usleep(1000);
			_exit(0);
		}
		if (pid > 0)
			wait_child(pid);
	}
	usleep(10 * 1000);
}

/*
 * The creator exits while another process holds its buffer: the holder
 * is not charged, the data is there, and the close that frees the buffer
 * returns the charge to the exited creator's mm before the kernel frees
 * it (a counter left over is check_mm()'s "BUG: Bad rss-counter state",
 * which the kernel-log verdict of this test catches).
 */
TEST_F(rss, creator_exits_first)
{
	size_t len = 32 * MiB, np = len / pgsz;
	long shm0;
	int sv[2], fd;
	char *p;
	pid_t pid;

	ASSERT_EQ(0, socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv));
	shm0 = proc_status_kb(0, "RssShmem");
	pid = fork();
	ASSERT_LE(0, pid);
	if (!pid) {
		long before = proc_status_kb(0, "RssShmem");
		char *q;
		int bfd = buf_create(self->c.dev, len, self->cxl->node);

		if (bfd < 0)
			_exit(2);
		q = map_buf(bfd, len, 0);
		if (q == MAP_FAILED)
			_exit(3);
		fill_pages(q, 0, np, 0x5eed);
		if (proc_status_kb(0, "RssShmem") - before <
		    (long)(len >> 10) - RSS_SLACK_KB)
			_exit(4);
		_exit(send_fd(sv[1], bfd) ? 5 : 0);
	}
	fd = recv_fd(sv[0]);
	EXPECT_EQ(0, wait_child(pid));
	ASSERT_OK(fd);
	EXPECT_KB(shm0, proc_status_kb(0, "RssShmem"), "holder");
	p = map_buf(fd, len, 0);
	ASSERT_NE(MAP_FAILED, p);
	EXPECT_EQ(-1, check_pages(p, 0, np, 0x5eed));
	EXPECT_KB(shm0, proc_status_kb(0, "RssShmem"), "holder after reading");
	munmap(p, len);
	close(fd);
	close(sv[0]);
	close(sv[1]);
	switch_every_cpu();
}

/*
 * A pinnable buffer's pages have ordinary PTEs, which the kernel counts
 * itself, in every process that maps them (RssFile); the module adds
 * nothing to RssShmem, so nothing is counted twice.  RssFile also counts
 * the test's own code and libraries, and 6.1 batches this task's count
 * (SPLIT_RSS_COUNTING): the munmap, with nothing else between the two
 * readings, is what must take exactly 16 MiB away.
 */
TEST_F(rss, pinnable_counted_by_kernel)
{
	struct preq q = bind1(self->dram->node, 16 * MiB, 0);
	long file0, shm0, file1, file2;
	size_t i;
	char *p;
	int fd;

	NEED_FLAG(&self->c.topo, CXLTIER_CREATE_PINNABLE);
	q.flags = CXLTIER_CREATE_PINNABLE;
	fd = preq_create(self->c.dev, &q, NULL);
	ASSERT_OK(fd);
	p = map_buf(fd, q.length, 0);
	ASSERT_NE(MAP_FAILED, p);
	file0 = proc_status_kb(0, "RssFile");
	shm0 = proc_status_kb(0, "RssShmem");
	for (i = 0; i < q.length; i += pgsz)
		p[i] = 1;
	file1 = proc_status_kb(0, "RssFile");
	munmap(p, q.length);
	file2 = proc_status_kb(0, "RssFile");
	TH_LOG("RssFile %ld -> %ld kB after touching 16 MiB, %ld after munmap",
	       file0, file1, file2);
	EXPECT_LE(file0 + 16 * 1024 - RSS_SLACK_KB, file1);
	EXPECT_KB(16 * 1024, file1 - file2, "RssFile the munmap took");
	EXPECT_KB(shm0, proc_status_kb(0, "RssShmem"), "RssShmem");
	close(fd);
}
