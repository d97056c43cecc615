// SPDX-License-Identifier: GPL-2.0
/*
 * cxltier selftests: per-node quotas, reservations and memory cgroup
 * charging.
 *
 *  quota.*   /sys/class/misc/cxltier/nodes/nodeN/: the files, their modes,
 *            values and refusals (EINVAL, non-root); CXLTIER_CREATE_RESERVE
 *            and POPULATE beyond a quota (-ENOSPC, nothing left behind);
 *            exact per-node reservations per mode; a reserved buffer
 *            faulting in whole under a tight quota; SIGBUS or a counted
 *            spill at the quota edge for an unreserved one; used_bytes
 *            following pages in and out.
 *  memcg.*   pages charged to the creator's memory cgroup (cgroup v2,
 *            mounted by the test when it is not), also when another
 *            process faults them; memory.max failing a populate with
 *            -ENOMEM and a touch with SIGBUS, without the OOM killer;
 *            the module's own memory per buffer scaling with units.
 *
 * Expected figures come from the header's definitions of the modes and of
 * the sysfs files, from sizes the test chooses, and from the kernel's own
 * counters (node free memory, memory.current, pagemap), never from the
 * module's arithmetic.  Every test puts every quota back to "max".
 */
#include "cxltier_test.h"
#include "placement.h"
#include "quota.h"

#include <grp.h>
#include <sys/mount.h>
#include <sys/prctl.h>

/* ======================================================================== */
/* Helpers                                                                  */

/* Whether the buffer's whole mapping @p (@np pages) can be written. */
static size_t touch_all(char *p, size_t np)
{
	size_t i;

	for (i = 0; i < np; i++)
		if (probe(p + i * pgsz, true, NULL))
			return i;
	return np;
}

/* ======================================================================== */
/* quota.*                                                                  */

FIXTURE(quota) {
	struct ctx c;
	const struct cxltier_node_info *x;	/* CXL node */
	const struct cxltier_node_info *d;	/* DRAM node */
};

FIXTURE_SETUP(quota)
{
	ctx_setup(&self->c, "quota", NULL);
	self->x = topo_pick(&self->c.topo, NK_CXL, 256 * MiB);
	self->d = topo_pick(&self->c.topo, NK_DRAM, 256 * MiB);
	if (access(CXLTIER_SYSFS_NODES_DIR, F_OK))
		SKIP_TOPO(return, "no %s: the module has no quotas",
			  CXLTIER_SYSFS_NODES_DIR);
	ASSERT_EQ(0, qreset_all());
}

FIXTURE_TEARDOWN(quota)
{
	/* quotas are global: leave them as every other test expects */
	EXPECT_EQ(0, qreset_all());
	ctx_teardown(&self->c);
}

#define NEED_QX(self) do {						\
	if (!(self)->x || !(self)->d)					\
		SKIP_TOPO(return, "needs a CXL and a DRAM node with "	\
			  "256 MiB free");				\
	NEED_FLAG(&(self)->c.topo, CXLTIER_CREATE_RESERVE);		\
} while (0)

/*
 * One directory per possible node (sysfs "possible"), each with the four
 * files, root's, quota_bytes 0644 and the others 0444; quota "max" by
 * default; tier as GET_INFO classes the node, "none" for a node without
 * memory.
 */
TEST_F(quota, sysfs_layout)
{
	static const struct { const char *name; mode_t mode; } files[] = {
		{ "quota_bytes", 0644 }, { "used_bytes", 0444 },
		{ "reserved_bytes", 0444 }, { "tier", 0444 },
	};
	bool possible[TOPO_MAX_NODES];
	unsigned int n, i, dirs = 0, seen = 0;
	char path[256], buf[64];
	struct stat st;
	DIR *dir;
	struct dirent *e;

	ASSERT_LT(0, sys_nodes("possible", possible));
	for (n = 0; n < TOPO_MAX_NODES; n++) {
		const struct cxltier_node_info *ni;

		if (!possible[n])
			continue;
		seen++;
		for (i = 0; i < ARRAY_SIZE(files); i++) {
			qpath(path, sizeof(path), n, files[i].name);
			ASSERT_EQ(0, stat(path, &st)) TH_LOG("%s: %s", path,
							      strerror(errno));
			EXPECT_EQ(files[i].mode, st.st_mode & 07777)
				TH_LOG("%s: mode %o", path, st.st_mode & 07777);
			EXPECT_EQ(0U, st.st_uid);
			EXPECT_EQ(0U, st.st_gid);
		}
		EXPECT_EQ(QUOTA_MAX, qget(n, "quota_bytes"));
		qpath(path, sizeof(path), n, "quota_bytes");
		ASSERT_LT(0, read_text(path, buf, sizeof(buf)));
		EXPECT_STREQ("max\n", buf);
		qpath(path, sizeof(path), n, "tier");
		ASSERT_LT(0, read_text(path, buf, sizeof(buf)));
		ni = topo_find(&self->c.topo, n);
		EXPECT_STREQ(!ni ? "none\n" : ni->tier == CXLTIER_TIER_CXL ?
			     "cxl\n" : "dram\n", buf);
		EXPECT_NE(~1ULL, qget(n, "used_bytes"));
		EXPECT_NE(~1ULL, qget(n, "reserved_bytes"));
	}
	/* and nothing else: one directory per possible node */
	dir = opendir(CXLTIER_SYSFS_NODES_DIR);
	ASSERT_NE(NULL, dir);
	while ((e = readdir(dir)))
		if (!strncmp(e->d_name, "node", 4))
			dirs++;
	closedir(dir);
	EXPECT_EQ(seen, dirs);
	/* a read-only file cannot even be opened for writing */
	qpath(path, sizeof(path), self->c.topo.nodes[0].node, "used_bytes");
	EXPECT_ERRNO(EACCES, write_text(path, "0"), "");
	qpath(path, sizeof(path), self->c.topo.nodes[0].node, "tier");
	EXPECT_ERRNO(EACCES, write_text(path, "cxl"), "");
}

/* A write is what a read shows next, on that node only. */
TEST_F(quota, set_visible)
{
	unsigned int a = self->c.topo.nodes[0].node;
	unsigned int b = self->c.topo.nodes[self->c.topo.nr - 1].node;

	ASSERT_EQ(0, qset(a, 8 * MiB));
	EXPECT_EQ(8 * MiB, qget(a, "quota_bytes"));
	if (b != a)
		EXPECT_EQ(QUOTA_MAX, qget(b, "quota_bytes"));
	ASSERT_EQ(0, qset_text(a, "12345\n"));
	EXPECT_EQ(12345ULL, qget(a, "quota_bytes"));
	ASSERT_EQ(0, qset_text(a, "0"));
	EXPECT_EQ(0ULL, qget(a, "quota_bytes"));
	ASSERT_EQ(0, qset_text(a, "18446744073709551614"));
	EXPECT_EQ(18446744073709551614ULL, qget(a, "quota_bytes"));
	ASSERT_EQ(0, qset_text(a, "max\n"));
	EXPECT_EQ(QUOTA_MAX, qget(a, "quota_bytes"));
}

/* Each malformed value: -EINVAL and the quota as it was. */
TEST_F(quota, bad_writes_einval)
{
	static const char *const bad[] = {
		"abc", "-1", "12abc", "1e6", " 5", "0x10", "1 2", "max2",
		"maxx", "MAX", "18446744073709551616", "99999999999999999999",
		"+", "\n", "4096\n\n", "1.5",
	};
	unsigned int a = self->c.topo.nodes[0].node;
	size_t i;

	ASSERT_EQ(0, qset(a, 8 * MiB));
	for (i = 0; i < ARRAY_SIZE(bad); i++) {
		EXPECT_ERRNO(EINVAL, qset_text(a, bad[i]), " (\"%s\")", bad[i]);
		EXPECT_EQ(8 * MiB, qget(a, "quota_bytes"))
			TH_LOG("after \"%s\"", bad[i]);
	}
}

/*
 * A user other than root cannot change a quota: uid/gid 65534 without
 * groups gets EACCES opening quota_bytes for writing, and EPERM writing to
 * an fd root opened before the switch.  The quota stays.
 */
TEST_F(quota, nonroot_cannot_set)
{
	unsigned int a = self->c.topo.nodes[0].node;
	char path[256];
	pid_t pid;
	int fd, st;

	ASSERT_EQ(0, qset(a, 8 * MiB));
	qpath(path, sizeof(path), a, "quota_bytes");
	fd = open(path, O_WRONLY | O_CLOEXEC);
	ASSERT_LE(0, fd);
	pid = fork();
	ASSERT_LE(0, pid);
	if (!pid) {
		gid_t none[1];
		char buf[64];
		int f;

		if (setgroups(0, none) || setresgid(65534, 65534, 65534) ||
		    setresuid(65534, 65534, 65534))
			_exit(10);
		prctl(PR_SET_DUMPABLE, 1, 0, 0, 0);
		/* reading is for everyone */
		if (read_text(path, buf, sizeof(buf)) <= 0 ||
		    strcmp(buf, "8388608\n"))
			_exit(11);
		f = open(path, O_WRONLY | O_CLOEXEC);
		if (f >= 0 || errno != EACCES)
			_exit(12);
		f = open(path, O_RDWR | O_CLOEXEC);
		if (f >= 0 || errno != EACCES)
			_exit(13);
		if (write(fd, "max", 3) >= 0 || errno != EPERM)
			_exit(14);
		if (write(fd, "0", 1) >= 0 || errno != EPERM)
			_exit(15);
		_exit(0);
	}
	st = wait_child(pid);
	close(fd);
	if (st)
		TH_LOG("child step %d failed (10: setresuid, 11: read, 12/13: "
		       "open not EACCES, 14/15: write not EPERM)", st);
	EXPECT_EQ(0, st);
	EXPECT_EQ(8 * MiB, qget(a, "quota_bytes"));
}

/*
 * RESERVE and POPULATE beyond the quota: -ENOSPC, no fd, nothing used or
 * reserved, no memory taken from the node.  A reservation spanning two
 * nodes that fails on the second gives back the first.
 */
TEST_F_TIMEOUT(quota, create_beyond_quota_enospc, 120)
{
	struct preq q = { .mode = CXLTIER_MODE_BIND, .n = 1,
			  .flags = CXLTIER_CREATE_RESERVE,
			  .length = 32 * MiB };
	int lowest = lowest_free_fd(), nfds = count_open_fds();
	uint64_t used_x, resv_x, used_d, resv_d;
	struct node_free base;

	NEED_QX(self);
	NEED_FLAG(&self->c.topo, CXLTIER_CREATE_POPULATE);
	ASSERT_LE(0, pin_cpu());
	q.node[0] = self->x->node;
	ASSERT_EQ(0, qset(self->x->node, 16 * MiB));
	used_x = qget(self->x->node, "used_bytes");
	resv_x = qget(self->x->node, "reserved_bytes");
	used_d = qget(self->d->node, "used_bytes");
	resv_d = qget(self->d->node, "reserved_bytes");
	settle_memory();
	ASSERT_EQ(0, read_node_free(self->c.dev, self->x->node, &base));

	EXPECT_ERRNO(ENOSPC, preq_create(self->c.dev, &q, NULL), " (reserve)");
	q.flags = CXLTIER_CREATE_POPULATE;
	EXPECT_ERRNO(ENOSPC, preq_create(self->c.dev, &q, NULL), " (populate)");
	q.page_shift = HUGE_SHIFT;
	q.flags = CXLTIER_CREATE_RESERVE;
	EXPECT_ERRNO(ENOSPC, preq_create(self->c.dev, &q, NULL), " (2 MiB)");
	q.page_shift = 0;
	/* 16 MiB + one page */
	q.length = 16 * MiB + pgsz;
	EXPECT_ERRNO(ENOSPC, preq_create(self->c.dev, &q, NULL), " (+1 page)");
	/* BIND over {DRAM, X}: 20 MiB reserved on DRAM first, then X fails */
	q.n = 2;
	q.node[0] = self->d->node;
	q.node[1] = self->x->node;
	q.length = 40 * MiB;
	EXPECT_ERRNO(ENOSPC, preq_create(self->c.dev, &q, NULL), " (2 nodes)");
	/* PREFERRED {X}: nothing further down the list to reserve on */
	q.mode = CXLTIER_MODE_PREFERRED;
	q.n = 1;
	q.node[0] = self->x->node;
	EXPECT_ERRNO(ENOSPC, preq_create(self->c.dev, &q, NULL), " (preferred)");

	EXPECT_EQ(lowest, lowest_free_fd());
	EXPECT_EQ(nfds, count_open_fds());
	EXPECT_EQ(used_x, qget(self->x->node, "used_bytes"));
	EXPECT_EQ(resv_x, qget(self->x->node, "reserved_bytes"));
	EXPECT_EQ(used_d, qget(self->d->node, "used_bytes"));
	EXPECT_EQ(resv_d, qget(self->d->node, "reserved_bytes"));
	EXPECT_TRUE(wait_free_back(self->c.dev, self->x->node, &base,
				   LEAK_SLACK));
}

/*
 * A quota that fits exactly: the reservation is taken (reserved_bytes),
 * one more page anywhere on the node is refused while it lives, and
 * closing the buffer gives it all back.
 */
TEST_F(quota, reserve_exact_fit)
{
	struct preq q = { .mode = CXLTIER_MODE_BIND, .n = 1,
			  .flags = CXLTIER_CREATE_RESERVE,
			  .length = 16 * MiB };
	uint64_t used0, resv0;
	int fd;

	NEED_QX(self);
	q.node[0] = self->x->node;
	used0 = qget(self->x->node, "used_bytes");
	resv0 = qget(self->x->node, "reserved_bytes");
	ASSERT_EQ(0, qset(self->x->node, used0 + resv0 + 16 * MiB));
	fd = preq_create(self->c.dev, &q, NULL);
	ASSERT_OK(fd);
	EXPECT_EQ(resv0 + 16 * MiB, qget(self->x->node, "reserved_bytes"));
	EXPECT_EQ(used0, qget(self->x->node, "used_bytes"));
	q.length = pgsz;
	EXPECT_ERRNO(ENOSPC, preq_create(self->c.dev, &q, NULL), " (one more)");
	close(fd);
	EXPECT_EQ(resv0, qget(self->x->node, "reserved_bytes"));
	EXPECT_EQ(used0, qget(self->x->node, "used_bytes"));
	/* and now it fits again */
	q.length = 16 * MiB;
	fd = preq_create(self->c.dev, &q, NULL);
	ASSERT_OK(fd);
	close(fd);
}

/*
 * The per-node reservation of each deterministic mode, computed here from
 * the header's definitions: reserved_bytes rises by exactly each node's
 * share, turns into used_bytes page by page as the buffer is touched, and
 * both fall back when it dies.
 */
static void __check_reservation(struct __test_metadata *_metadata, int dev,
				const struct preq *q, const uint64_t *want_pages)
{
	uint64_t used0[2], resv0[2], total = 0;
	size_t np = preq_pages(q);
	unsigned int k;
	char *p;
	int fd;

	for (k = 0; k < q->n; k++) {
		used0[k] = qget(q->node[k], "used_bytes");
		resv0[k] = qget(q->node[k], "reserved_bytes");
		total += want_pages[k];
	}
	ASSERT_EQ((uint64_t)np, total);
	fd = preq_create(dev, q, NULL);
	ASSERT_OK(fd);
	for (k = 0; k < q->n; k++) {
		EXPECT_EQ(resv0[k] + want_pages[k] * pgsz,
			  qget(q->node[k], "reserved_bytes"))
			TH_LOG("node %u: %" PRIu64 " pages expected", q->node[k],
			       want_pages[k]);
		EXPECT_EQ(used0[k], qget(q->node[k], "used_bytes"));
	}
	p = map_buf(fd, np * pgsz, 0);
	ASSERT_NE(MAP_FAILED, p);
	ASSERT_EQ(np, touch_all(p, np));
	for (k = 0; k < q->n; k++) {
		EXPECT_EQ(resv0[k], qget(q->node[k], "reserved_bytes"));
		EXPECT_EQ(used0[k] + want_pages[k] * pgsz,
			  qget(q->node[k], "used_bytes"));
	}
	munmap(p, np * pgsz);
	close(fd);
	for (k = 0; k < q->n; k++) {
		EXPECT_EQ(resv0[k], qget(q->node[k], "reserved_bytes"));
		EXPECT_EQ(used0[k], qget(q->node[k], "used_bytes"));
	}
}
#define check_reservation(q, want) \
	__check_reservation(_metadata, self->c.dev, q, want)

TEST_F(quota, reserve_per_mode_exact)
{
	/* chunk: log2 of the pages per chunk, 0 for chunk_shift 0 */
	static const struct {
		uint32_t mode, chunk, weight[2];
		uint64_t pages, want[2];
	} cases[] = {
		/* BIND, 37 pages: 19 on the first node, 18 on the second */
		{ CXLTIER_MODE_BIND, 0, { 0, 0 }, 37, { 19, 18 } },
		/* INTERLEAVE by 4 pages, 30 pages: 7 whole chunks and 2 pages
		 * of an eighth, round-robin: chunks 0, 2, 4, 6 on the first;
		 * 1, 3, 5 and the 2 pages of chunk 7 on the second */
		{ CXLTIER_MODE_INTERLEAVE, 2, { 0, 0 }, 30, { 16, 14 } },
		/* WEIGHTED 3:1 by page, 41 pages: 10 rounds of 4 + 1 on the
		 * first */
		{ CXLTIER_MODE_WEIGHTED, 0, { 3, 1 }, 41, { 31, 10 } },
		/* WEIGHTED 1:3 by 2 pages, 15 pages: 7 chunks + 1 page; rounds
		 * of 4 chunks: chunks 0 and 4 on the first (4 pages), 1-3 and
		 * 5-6 and the partial chunk 7 on the second (11 pages) */
		{ CXLTIER_MODE_WEIGHTED, 1, { 1, 3 }, 15, { 4, 11 } },
		/* SPLIT 30:70 of 100 pages */
		{ CXLTIER_MODE_SPLIT, 0, { 30, 70 }, 100, { 30, 70 } },
		/* PREFERRED with room: all on the first node */
		{ CXLTIER_MODE_PREFERRED, 0, { 0, 0 }, 20, { 20, 0 } },
	};
	struct preq q = { .n = 2, .flags = CXLTIER_CREATE_RESERVE };
	size_t i;

	NEED_QX(self);
	q.node[0] = self->d->node;
	q.node[1] = self->x->node;
	for (i = 0; i < ARRAY_SIZE(cases); i++) {
		q.mode = cases[i].mode;
		q.chunk_shift = cases[i].chunk ? pgshift + cases[i].chunk : 0;
		q.weight[0] = cases[i].weight[0];
		q.weight[1] = cases[i].weight[1];
		q.length = cases[i].pages * pgsz;
		check_reservation(&q, cases[i].want);
	}
}

/*
 * PREFERRED {X, DRAM} with X's quota at 8 pages: 8 pages reserved on X,
 * the rest on DRAM, and the pages land accordingly with nothing refused.
 */
TEST_F(quota, reserve_preferred_list_order)
{
	struct preq q = { .mode = CXLTIER_MODE_PREFERRED, .n = 2,
			  .flags = CXLTIER_CREATE_RESERVE,
			  .length = 24 * pgsz };
	uint64_t used_x, resv_d;
	int got[24], fd, i, on_x = 0, on_d = 0;
	char *p;

	NEED_QX(self);
	used_x = qget(self->x->node, "used_bytes");
	q.node[0] = self->x->node;
	q.node[1] = self->d->node;
	resv_d = qget(self->d->node, "reserved_bytes");
	ASSERT_EQ(0, qset(self->x->node, used_x +
			  qget(self->x->node, "reserved_bytes") + 8 * pgsz));
	fd = preq_create(self->c.dev, &q, NULL);
	ASSERT_OK(fd);
	EXPECT_EQ(resv_d + 16 * pgsz, qget(self->d->node, "reserved_bytes"));
	p = map_buf(fd, 24 * pgsz, 0);
	ASSERT_NE(MAP_FAILED, p);
	ASSERT_EQ(24U, touch_all(p, 24));
	ASSERT_EQ(24, page_nodes(p, 24, got, NULL));
	for (i = 0; i < 24; i++) {
		on_x += got[i] == (int)self->x->node;
		on_d += got[i] == (int)self->d->node;
	}
	EXPECT_EQ(8, on_x);
	EXPECT_EQ(16, on_d);
	EXPECT_EQ(16 * pgsz, spilled(fd));
	munmap(p, 24 * pgsz);
	close(fd);
}

/*
 * A reserved buffer under a quota it fills exactly faults in whole, data
 * intact, while an unreserved buffer on the same node gets SIGBUS on its
 * first touch: the reservation holds the quota.
 */
TEST_F(quota, reserved_faults_under_tight_quota)
{
	struct preq q = { .mode = CXLTIER_MODE_BIND, .n = 1,
			  .flags = CXLTIER_CREATE_RESERVE,
			  .length = 8 * MiB };
	size_t np = 8 * MiB / pgsz;
	uint64_t used0, resv0;
	char *p, *o;
	int fd, ofd;

	NEED_QX(self);
	q.node[0] = self->x->node;
	used0 = qget(self->x->node, "used_bytes");
	resv0 = qget(self->x->node, "reserved_bytes");
	ASSERT_EQ(0, qset(self->x->node, used0 + resv0 + 8 * MiB));
	fd = preq_create(self->c.dev, &q, NULL);
	ASSERT_OK(fd);
	q.flags = 0;
	q.length = pgsz;
	ofd = preq_create(self->c.dev, &q, NULL);
	ASSERT_OK(ofd);
	o = map_buf(ofd, pgsz, 0);
	ASSERT_NE(MAP_FAILED, o);
	EXPECT_EQ(SIGBUS, probe(o, true, NULL));

	p = map_buf(fd, np * pgsz, 0);
	ASSERT_NE(MAP_FAILED, p);
	ASSERT_EQ(np, touch_all(p, np));
	fill_pages(p, 0, np, 0x9e5);
	EXPECT_EQ(-1, check_pages(p, 0, np, 0x9e5));
	assert_resident(fd, self->x->node, 8 * MiB);
	EXPECT_EQ(used0 + 8 * MiB, qget(self->x->node, "used_bytes"));
	EXPECT_EQ(resv0, qget(self->x->node, "reserved_bytes"));
	EXPECT_EQ(SIGBUS, probe(o, true, NULL));
	munmap(p, np * pgsz);
	close(fd);
	/* the quota is free again: the other buffer can have its page */
	EXPECT_EQ(0, probe(o, true, NULL));
	munmap(o, pgsz);
	close(ofd);
}

/*
 * Unreserved, without fallback: the touch that would take the node past its
 * quota gets SIGBUS; what was had before stays, with its data.
 */
TEST_F(quota, unreserved_sigbus_at_edge)
{
	struct preq q = { .mode = CXLTIER_MODE_BIND, .n = 1,
			  .length = 32 * pgsz };
	uint64_t used0;
	void *addr;
	char *p;
	int fd;

	NEED_QX(self);
	q.node[0] = self->x->node;
	used0 = qget(self->x->node, "used_bytes");
	ASSERT_EQ(0, qset(self->x->node, used0 +
			  qget(self->x->node, "reserved_bytes") + 16 * pgsz));
	fd = preq_create(self->c.dev, &q, NULL);
	ASSERT_OK(fd);
	p = map_buf(fd, 32 * pgsz, 0);
	ASSERT_NE(MAP_FAILED, p);
	EXPECT_EQ(16U, touch_all(p, 32));
	EXPECT_EQ(SIGBUS, probe(p + 16 * pgsz + 100, false, &addr));
	EXPECT_EQ((void *)(p + 16 * pgsz + 100), addr);
	EXPECT_EQ(SIGBUS, probe(p + 31 * pgsz, true, NULL));
	fill_pages(p, 0, 16, 0xed9e);
	EXPECT_EQ(-1, check_pages(p, 0, 16, 0xed9e));
	EXPECT_EQ(used0 + 16 * pgsz, qget(self->x->node, "used_bytes"));
	assert_resident(fd, self->x->node, 16 * pgsz);
	/* raising the quota lets the rest in */
	ASSERT_EQ(0, qset(self->x->node, QUOTA_MAX));
	EXPECT_EQ(16U, touch_all(p + 16 * pgsz, 16));
	EXPECT_EQ(-1, check_pages(p, 0, 16, 0xed9e));
	munmap(p, 32 * pgsz);
	close(fd);
	EXPECT_EQ(used0, qget(self->x->node, "used_bytes"));
}

/*
 * Fault-ahead (MADV_SEQUENTIAL) is a guess and never spills.  Two nodes,
 * units' homes alternating X, D (bind's layout), FALLBACK, 6 pages left
 * under X's quota: one touch of page 0 fills it and, ahead, units 1..11
 * (6 on X in all, 6 on D), and stops at unit 12, which X cannot take,
 * instead of spilling it onto D; the touch itself succeeds.  A touch of
 * page 12 then spills it, as without the hint.  (The guess gives up on a
 * busy fill lock: nothing else fills while the suite runs.)
 */
TEST_F(quota, sequential_ahead_stops_at_quota)
{
	struct preq q = { .mode = CXLTIER_MODE_BIND, .n = 2,
			  .flags = CXLTIER_CREATE_FALLBACK,
			  .length = 64 * pgsz };
	uint64_t used_x;
	struct bstat b;
	char *p;
	int fd;

	NEED_QX(self);
	q.node[0] = self->x->node;
	q.node[1] = self->d->node;
	used_x = qget(self->x->node, "used_bytes");
	ASSERT_EQ(0, qset(self->x->node, used_x +
			  qget(self->x->node, "reserved_bytes") + 6 * pgsz));
	fd = preq_create(self->c.dev, &q, NULL);
	ASSERT_OK(fd);
	p = map_skewed(fd, 64 * pgsz, 0, 0);	/* one page table */
	ASSERT_NE(MAP_FAILED, p);
	ASSERT_OK(madvise(p, 64 * pgsz, MADV_SEQUENTIAL));
	EXPECT_EQ(0, probe(p, true, NULL));
	EXPECT_EQ(used_x + 6 * pgsz, qget(self->x->node, "used_bytes"));
	ASSERT_OK(buf_stat(fd, &b));
	EXPECT_EQ(12 * pgsz, b.st.resident_bytes);
	EXPECT_EQ(0ULL, b.st.spilled_bytes);
	/* the touch past the quota spills, as without the hint */
	EXPECT_EQ(0, probe(p + 12 * pgsz, true, NULL));
	EXPECT_LT(0ULL, spilled(fd));
	munmap(p, 64 * pgsz);
	close(fd);
	EXPECT_EQ(used_x, qget(self->x->node, "used_bytes"));
}

/*
 * Unreserved with FALLBACK: units whose home is over its quota go to the
 * next listed node, counted as spilled; every page is on a listed node.
 */
TEST_F(quota, fallback_spills_at_quota)
{
	struct preq q = { .mode = CXLTIER_MODE_BIND, .n = 2,
			  .flags = CXLTIER_CREATE_FALLBACK,
			  .length = 32 * pgsz };
	int got[32], fd, i, on_x = 0, on_d = 0;
	uint64_t used_x, used_d;
	char *p;

	NEED_QX(self);
	q.node[0] = self->x->node;
	q.node[1] = self->d->node;
	used_x = qget(self->x->node, "used_bytes");
	used_d = qget(self->d->node, "used_bytes");
	/* 16 pages have X as home; it takes 6 */
	ASSERT_EQ(0, qset(self->x->node, used_x +
			  qget(self->x->node, "reserved_bytes") + 6 * pgsz));
	fd = preq_create(self->c.dev, &q, NULL);
	ASSERT_OK(fd);
	p = map_buf(fd, 32 * pgsz, 0);
	ASSERT_NE(MAP_FAILED, p);
	ASSERT_EQ(32U, touch_all(p, 32));
	ASSERT_EQ(32, page_nodes(p, 32, got, NULL));
	for (i = 0; i < 32; i++) {
		on_x += got[i] == (int)self->x->node;
		on_d += got[i] == (int)self->d->node;
		if (i % 2)	/* DRAM's own units stay home */
			EXPECT_EQ((int)self->d->node, got[i]);
	}
	EXPECT_EQ(6, on_x);
	EXPECT_EQ(26, on_d);
	EXPECT_EQ(10 * pgsz, spilled(fd));
	assert_stat_matches(fd, got, 32);
	EXPECT_EQ(used_x + 6 * pgsz, qget(self->x->node, "used_bytes"));
	EXPECT_EQ(used_d + 26 * pgsz, qget(self->d->node, "used_bytes"));
	munmap(p, 32 * pgsz);
	close(fd);
	EXPECT_EQ(used_x, qget(self->x->node, "used_bytes"));
	EXPECT_EQ(used_d, qget(self->d->node, "used_bytes"));
}

/*
 * used_bytes follows pages: up by what a forked child touches too, and
 * back to where it was once the buffer's last fd and mapping are gone,
 * not before.  A populated buffer counts whole at once, nothing reserved.
 */
TEST_F(quota, used_follows_lifetime)
{
	size_t np = 64;
	uint64_t used0, resv0;
	char *p;
	pid_t pid;
	int fd;

	NEED_QX(self);
	used0 = qget(self->x->node, "used_bytes");
	resv0 = qget(self->x->node, "reserved_bytes");
	fd = buf_create_mapped(self->c.dev, np * pgsz, self->x->node, &p);
	EXPECT_EQ(used0, qget(self->x->node, "used_bytes"));
	ASSERT_EQ(10U, touch_all(p, 10));
	EXPECT_EQ(used0 + 10 * pgsz, qget(self->x->node, "used_bytes"));
	pid = fork();
	ASSERT_LE(0, pid);
	if (!pid)
		_exit(touch_all(p, np) == np ? 0 : 1);
	EXPECT_EQ(0, wait_child(pid));
	EXPECT_EQ(used0 + np * pgsz, qget(self->x->node, "used_bytes"));
	close(fd);
	/* the mapping keeps the buffer alive */
	EXPECT_EQ(used0 + np * pgsz, qget(self->x->node, "used_bytes"));
	munmap(p, np * pgsz);
	EXPECT_EQ(used0, qget(self->x->node, "used_bytes"));
	EXPECT_EQ(resv0, qget(self->x->node, "reserved_bytes"));

	if (!(self->c.topo.info.supported_create_flags &
	      CXLTIER_CREATE_POPULATE))
		return;
	{
		struct preq q = { .mode = CXLTIER_MODE_BIND, .n = 1,
				  .node = { self->x->node },
				  .flags = CXLTIER_CREATE_POPULATE,
				  .page_shift = HUGE_SHIFT,
				  .length = 16 * MiB };

		fd = preq_create(self->c.dev, &q, NULL);
		ASSERT_OK(fd);
		EXPECT_EQ(used0 + 16 * MiB, qget(self->x->node, "used_bytes"));
		EXPECT_EQ(resv0, qget(self->x->node, "reserved_bytes"));
		close(fd);
		EXPECT_EQ(used0, qget(self->x->node, "used_bytes"));
	}
}

/*
 * Memory offline of the block under a buffer on a movable-only node moves
 * its pages, and their charge, to where they land, even though every other
 * node's quota is 0: the offline is not refused.  Data intact; every
 * node's used_bytes back where it was after the buffer dies.
 */
TEST_F_TIMEOUT(quota, offline_moves_charge, 300)
{
	struct block_state bs = { .state = "offline", .timeout_s = 60 };
	const struct topo *t = &self->c.topo;
	size_t np = 8 * MiB / pgsz, i, k, moved = 0;
	uint64_t used0[64];
	int *got, fd, r;
	char *p;

	NEED_QX(self);
	if (!(self->x->flags & CXLTIER_NODE_MOVABLE_ONLY))
		SKIP_TOPO(return, "needs a movable-only CXL node");
	if (!memory_block_size())
		SKIP(return, "no /sys/devices/system/memory");
	ASSERT_GE(64U, t->nr);
	for (k = 0; k < t->nr; k++)
		used0[k] = qget(t->nodes[k].node, "used_bytes");
	fd = buf_create_mapped(self->c.dev, np * pgsz, self->x->node, &p);
	fill_pages(p, 0, np, 0x0ff1);
	for (k = 0; k < t->nr; k++)
		if (t->nodes[k].node != self->x->node)
			ASSERT_EQ(0, qset(t->nodes[k].node, 0));

	bs.block = pfn_of(p) * pgsz / memory_block_size();
	r = in_child(write_block_state, &bs);
	if (r == -EBUSY || r == -EINVAL)
		SKIP(goto out, "memory%" PRIu64 " cannot go offline (%s)",
		     bs.block, errname(r));
	ASSERT_EQ(0, r);

	/* reading faults the moved pages back in: pagemap sees them */
	EXPECT_EQ(-1, check_pages(p, 0, np, 0x0ff1));
	got = calloc(np, sizeof(*got));
	ASSERT_NE(NULL, got);
	ASSERT_EQ((long)np, page_nodes(p, np, got, NULL));
	for (i = 0; i < np; i++)
		moved += got[i] != (int)self->x->node;
	TH_LOG("offline of memory%" PRIu64 " moved %zu of %zu pages",
	       bs.block, moved, np);
	EXPECT_LT(0U, moved);
	for (k = 0; k < t->nr; k++) {
		size_t c = 0;

		for (i = 0; i < np; i++)
			c += got[i] == (int)t->nodes[k].node;
		EXPECT_EQ(used0[k] + c * pgsz,
			  qget(t->nodes[k].node, "used_bytes"))
			TH_LOG("node %u holds %zu of the pages",
			       t->nodes[k].node, c);
	}
	free(got);
out:
	block_online_again(&bs);
	munmap(p, np * pgsz);
	close(fd);
	for (k = 0; k < t->nr; k++)
		EXPECT_EQ(used0[k], qget(t->nodes[k].node, "used_bytes"));
}

/* ======================================================================== */
/* memcg.*                                                                  */

#define CG_ROOT "/sys/fs/cgroup"

/* Mounts cgroup v2 on /sys/fs/cgroup if it is not, enables memory. */
static int cg_ready(void)
{
	char buf[512];

	if (access(CG_ROOT "/cgroup.controllers", F_OK)) {
		if (mount("cgroup2", CG_ROOT, "cgroup2", 0, NULL))
			return -errno;
	}
	if (read_text(CG_ROOT "/cgroup.controllers", buf, sizeof(buf)) < 0 ||
	    !strstr(buf, "memory"))
		return -ENOENT;
	if (read_text(CG_ROOT "/cgroup.subtree_control", buf,
		      sizeof(buf)) >= 0 && strstr(buf, "memory"))
		return 0;
	return write_text(CG_ROOT "/cgroup.subtree_control", "+memory");
}

static int cg_make(const char *name)
{
	char path[256];

	snprintf(path, sizeof(path), CG_ROOT "/%s", name);
	if (mkdir(path, 0755) && errno != EEXIST)
		return -errno;
	return 0;
}

static int cg_enter(const char *name, pid_t pid)
{
	char path[256], t[32];

	snprintf(path, sizeof(path), CG_ROOT "%s%s/cgroup.procs",
		 name ? "/" : "", name ? name : "");
	snprintf(t, sizeof(t), "%d", (int)pid);
	return write_text(path, t);
}

static long long cg_read(const char *name, const char *file)
{
	char path[256], buf[64];

	snprintf(path, sizeof(path), CG_ROOT "/%s/%s", name, file);
	if (read_text(path, buf, sizeof(buf)) <= 0)
		return -1;
	return strtoll(buf, NULL, 10);
}

/* A key of memory.events, or -1. */
static long long cg_event(const char *name, const char *key)
{
	char path[256], buf[1024], *p;
	size_t kl = strlen(key);

	snprintf(path, sizeof(path), CG_ROOT "/%s/memory.events", name);
	if (read_text(path, buf, sizeof(buf)) <= 0)
		return -1;
	for (p = buf; p; p = strchr(p, '\n'), p = p ? p + 1 : NULL)
		if (!strncmp(p, key, kl) && p[kl] == ' ')
			return strtoll(p + kl + 1, NULL, 10);
	return -1;
}

static int cg_write(const char *name, const char *file, const char *v)
{
	char path[256];

	snprintf(path, sizeof(path), CG_ROOT "/%s/%s", name, file);
	return write_text(path, v);
}

static void cg_remove(const char *name)
{
	char path[256];
	int i;

	snprintf(path, sizeof(path), CG_ROOT "/%s", name);
	for (i = 0; i < 50 && rmdir(path) && errno == EBUSY; i++)
		usleep(20 * 1000);
}

FIXTURE(memcg) {
	struct ctx c;
	const struct cxltier_node_info *x;
	char a[64], b[64];
	bool made;
};

FIXTURE_SETUP(memcg)
{
	int r;

	ctx_setup(&self->c, "memcg", NULL);
	self->made = false;
	self->x = topo_pick(&self->c.topo, NK_CXL, 256 * MiB);
	if (!self->x)
		SKIP_TOPO(return, "needs a CXL node with 256 MiB free");
	r = cg_ready();
	if (r)
		SKIP_TOPO(return, "no cgroup v2 memory controller: %s",
			  errname(r));
	snprintf(self->a, sizeof(self->a), "cxltier_test_a.%d", (int)getpid());
	snprintf(self->b, sizeof(self->b), "cxltier_test_b.%d", (int)getpid());
	ASSERT_EQ(0, cg_make(self->a));
	ASSERT_EQ(0, cg_make(self->b));
	self->made = true;
	ASSERT_EQ(0, cg_enter(self->a, getpid()));
}

FIXTURE_TEARDOWN(memcg)
{
	if (self->made) {
		cg_enter(NULL, getpid());
		cg_remove(self->a);
		cg_remove(self->b);
	}
	EXPECT_EQ(0, qreset_all());
	ctx_teardown(&self->c);
}

/*
 * A populated 64 MiB buffer: memory.current of the creator's cgroup grows
 * by 64 MiB (within the 4 MiB the test's own metadata may take), and falls
 * back when the buffer dies.
 */
TEST_F_TIMEOUT(memcg, populate_charged, 120)
{
	struct preq q = { .mode = CXLTIER_MODE_BIND, .n = 1,
			  .flags = CXLTIER_CREATE_POPULATE,
			  .length = 64 * MiB };
	long long cur0, cur1, cur2;
	int fd;

	NEED_FLAG(&self->c.topo, CXLTIER_CREATE_POPULATE);
	q.node[0] = self->x->node;
	cur0 = cg_read(self->a, "memory.current");
	ASSERT_LE(0, cur0);
	fd = preq_create(self->c.dev, &q, NULL);
	ASSERT_OK(fd);
	cur1 = cg_read(self->a, "memory.current");
	TH_LOG("memory.current %lld -> %lld KiB", cur0 / 1024, cur1 / 1024);
	EXPECT_LE(cur0 + (long long)(64 * MiB), cur1);
	EXPECT_GE(cur0 + (long long)(68 * MiB), cur1);
	close(fd);
	cur2 = cg_read(self->a, "memory.current");
	EXPECT_GE(cur0 + (long long)(4 * MiB), cur2);
}

/*
 * The module's own memory for a buffer (its page slots, charged to the
 * creator's cgroup like the buffer) scales with units: creating an
 * untouched 1 GiB buffer of 2 MiB pages adds well under 512 KiB to
 * memory.current (one 8-byte slot per unit: 4 KiB), where the same size
 * in 4 KiB pages adds about 2 MiB (a slot per page), which shows the
 * figure can be told apart.  memory.current moves in per-CPU batches of
 * 64 pages, hence the slack.
 */
TEST_F_TIMEOUT(memcg, slots_scale_with_units, 120)
{
	const uint64_t len = 1024 * MiB;
	long long c0, c1, c2, c3;
	int fd2m, fd4k;

	NEED_HUGE(&self->c.topo);
	if (self->x->total_bytes < len)
		SKIP(return, "node %u holds less than 1 GiB", self->x->node);
	c0 = cg_read(self->a, "memory.current");
	fd2m = buf_create_ex(self->c.dev, len, self->x->node, HUGE_SHIFT, NULL);
	ASSERT_OK(fd2m);
	c1 = cg_read(self->a, "memory.current");
	close(fd2m);
	c2 = cg_read(self->a, "memory.current");
	fd4k = buf_create_ex(self->c.dev, len, self->x->node, 0, NULL);
	ASSERT_OK(fd4k);
	c3 = cg_read(self->a, "memory.current");
	close(fd4k);
	TH_LOG("1 GiB untouched: 2 MiB pages %+lld KiB, 4 KiB pages %+lld KiB",
	       (c1 - c0) / 1024, (c3 - c2) / 1024);
	EXPECT_GT(512 * 1024LL, c1 - c0);
	EXPECT_LE(1536 * 1024LL, c3 - c2);
}

/*
 * Pages a forked child touches from another cgroup are charged to the
 * creator's, not the child's.
 */
TEST_F_TIMEOUT(memcg, child_fault_charged_to_creator, 120)
{
	size_t np = 32 * MiB / pgsz;
	long long a0, a1, b0, b1;
	char *p;
	pid_t pid;
	int fd, pfd[2];

	fd = buf_create_mapped(self->c.dev, np * pgsz, self->x->node, &p);
	ASSERT_EQ(0, pipe(pfd));
	a0 = cg_read(self->a, "memory.current");
	b0 = cg_read(self->b, "memory.current");
	pid = fork();
	ASSERT_LE(0, pid);
	if (!pid) {
		char c;

		/* wait until the parent moved us */
		if (read(pfd[0], &c, 1) != 1)
			_exit(2);
		_exit(touch_all(p, np) == np ? 0 : 1);
	}
	ASSERT_EQ(0, cg_enter(self->b, pid));
	b0 = cg_read(self->b, "memory.current");
	ASSERT_EQ(1, write(pfd[1], "x", 1));
	EXPECT_EQ(0, wait_child(pid));
	a1 = cg_read(self->a, "memory.current");
	b1 = cg_read(self->b, "memory.current");
	TH_LOG("creator's cgroup %+lld KiB, child's %+lld KiB", (a1 - a0) / 1024,
	       (b1 - b0) / 1024);
	/* memory.current moves in per-CPU batches: 1 MiB of slack */
	EXPECT_LE(a0 + (long long)(31 * MiB), a1);
	EXPECT_GT(b0 + (long long)(4 * MiB), b1);
	close(pfd[0]);
	close(pfd[1]);
	munmap(p, np * pgsz);
	close(fd);
}

/*
 * memory.max 16 MiB above what the creator's cgroup uses: a 64 MiB
 * populate fails with -ENOMEM, leaves no fd, no page on the node, no
 * charge and no used_bytes; touches of an unpopulated buffer stop with
 * SIGBUS after about 16 MiB.  The OOM killer never runs.  The creator
 * enters the limited cgroup only to create (a child for the populate, the
 * test itself for the other, moving out after): the charges follow the
 * buffer, and the test's own memory must not meet the limit.
 */
TEST_F_TIMEOUT(memcg, limit_fails_cleanly, 180)
{
	struct preq q = { .mode = CXLTIER_MODE_BIND, .n = 1,
			  .flags = CXLTIER_CREATE_POPULATE,
			  .length = 64 * MiB };
	long long cur0, oom0;
	struct node_free base;
	uint64_t used0;
	size_t np = 64 * MiB / pgsz, had, lim = 16 * MiB / pgsz;
	char t[32], *p;
	pid_t pid;
	int fd, st;

	NEED_FLAG(&self->c.topo, CXLTIER_CREATE_POPULATE);
	ASSERT_LE(0, pin_cpu());
	q.node[0] = self->x->node;
	ASSERT_EQ(0, cg_enter(self->b, getpid()));
	settle_memory();
	ASSERT_EQ(0, read_node_free(self->c.dev, self->x->node, &base));
	used0 = qget(self->x->node, "used_bytes");
	cur0 = cg_read(self->a, "memory.current");
	oom0 = cg_event(self->a, "oom_kill");
	snprintf(t, sizeof(t), "%lld", cur0 + (long long)(16 * MiB));
	ASSERT_EQ(0, cg_write(self->a, "memory.max", t));

	pid = fork();
	ASSERT_LE(0, pid);
	if (!pid) {
		int lowest = lowest_free_fd(), nfds = count_open_fds(), r;

		if (cg_enter(self->a, getpid()))
			_exit(100);
		r = preq_create(self->c.dev, &q, NULL);
		if (r != -ENOMEM)
			_exit(r >= 0 ? 101 : 102);
		if (lowest != lowest_free_fd() || nfds != count_open_fds())
			_exit(103);
		_exit(0);
	}
	st = wait_child(pid);
	if (st)
		TH_LOG("child: %d (100: cgroup, 101: populate succeeded, 102: "
		       "other error, 103: fd left)", st);
	EXPECT_EQ(0, st);
	EXPECT_EQ(used0, qget(self->x->node, "used_bytes"));
	EXPECT_EQ(0ULL, qget(self->x->node, "reserved_bytes"));
	EXPECT_GE(cur0 + (long long)(2 * MiB),
		  cg_read(self->a, "memory.current"));
	EXPECT_TRUE(wait_free_back(self->c.dev, self->x->node, &base,
				   LEAK_SLACK));

	/* created in A, touched from B */
	ASSERT_EQ(0, cg_enter(self->a, getpid()));
	fd = buf_create(self->c.dev, np * pgsz, self->x->node);
	ASSERT_EQ(0, cg_enter(self->b, getpid()));
	ASSERT_OK(fd);
	p = map_buf(fd, np * pgsz, 0);
	ASSERT_NE(MAP_FAILED, p);
	had = touch_all(p, np);
	TH_LOG("%zu of %zu pages before SIGBUS (limit: %zu more)", had, np,
	       lim);
	EXPECT_LT(had, np);
	EXPECT_LE(had, lim + lim / 8);
	EXPECT_GE(had, lim - lim / 8);
	EXPECT_EQ(SIGBUS, probe(p + had * pgsz, true, NULL));
	EXPECT_EQ(SIGBUS, probe(p + (np - 1) * pgsz, false, NULL));
	EXPECT_EQ(used0 + had * pgsz, qget(self->x->node, "used_bytes"));
	EXPECT_EQ(oom0, cg_event(self->a, "oom_kill"));
	EXPECT_EQ(0LL, cg_event(self->a, "oom_kill"));
	munmap(p, np * pgsz);
	close(fd);
	EXPECT_EQ(used0, qget(self->x->node, "used_bytes"));
	ASSERT_EQ(0, cg_write(self->a, "memory.max", "max"));
}

/*
 * Memory offline moves a buffer's pages to other memory: the cgroup
 * charge goes with them (6.1 moves it for LRU pages only; the module does
 * it for its own), and is dropped once, when the buffer dies.
 */
TEST_F_TIMEOUT(memcg, offline_keeps_charge, 300)
{
	struct block_state bs = { .state = "offline", .timeout_s = 60 };
	size_t np = 16 * MiB / pgsz;
	long long cur0, cur1, cur2, cur3;
	char *p;
	int fd, r;

	if (!(self->x->flags & CXLTIER_NODE_MOVABLE_ONLY))
		SKIP_TOPO(return, "needs a movable-only CXL node");
	if (!memory_block_size())
		SKIP(return, "no /sys/devices/system/memory");
	cur0 = cg_read(self->a, "memory.current");
	fd = buf_create(self->c.dev, np * pgsz, self->x->node);
	ASSERT_OK(fd);
	/* the test's own memory goes to B from here */
	ASSERT_EQ(0, cg_enter(self->b, getpid()));
	p = map_buf(fd, np * pgsz, 0);
	ASSERT_NE(MAP_FAILED, p);
	fill_pages(p, 0, np, 0xc6);
	cur1 = cg_read(self->a, "memory.current");
	EXPECT_LE(cur0 + (long long)(15 * MiB), cur1);

	bs.block = pfn_of(p) * pgsz / memory_block_size();
	r = in_child(write_block_state, &bs);
	if (r == -EBUSY || r == -EINVAL)
		SKIP(goto out, "memory%" PRIu64 " cannot go offline (%s)",
		     bs.block, errname(r));
	ASSERT_EQ(0, r);
	EXPECT_EQ(-1, check_pages(p, 0, np, 0xc6));
	EXPECT_NE(pfn_node(pfn_of(p)), (int)self->x->node);
	cur2 = cg_read(self->a, "memory.current");
	TH_LOG("memory.current %lld -> %lld (touched) -> %lld KiB (offline)",
	       cur0 / 1024, cur1 / 1024, cur2 / 1024);
	EXPECT_LE(cur1 - (long long)MiB, cur2);
out:
	block_online_again(&bs);
	munmap(p, np * pgsz);
	close(fd);
	cur3 = cg_read(self->a, "memory.current");
	EXPECT_GE(cur0 + (long long)MiB, cur3);
	EXPECT_LE(0LL, cur3);
}

/*
 * Two processes touching the same 2 MiB unit of a reserved buffer at once,
 * under a quota that holds exactly that unit: both race to fill it, one
 * wins, and neither may get SIGBUS (the loser finds the reservation taken
 * by the winner, and the quota full).  Twenty rounds, a fresh buffer each.
 */
TEST_F_TIMEOUT(quota, reserved_racing_faults, 180)
{
	struct preq q = { .mode = CXLTIER_MODE_BIND, .n = 1,
			  .flags = CXLTIER_CREATE_RESERVE,
			  .page_shift = HUGE_SHIFT, .length = HUGE_SZ };
	int round, bad = 0;
	uint64_t used0;

	NEED_QX(self);
	NEED_HUGE(&self->c.topo);
	q.node[0] = self->x->node;
	used0 = qget(self->x->node, "used_bytes");
	ASSERT_EQ(0, qset(self->x->node, used0 +
			  qget(self->x->node, "reserved_bytes") + HUGE_SZ));
	for (round = 0; round < 20; round++) {
		volatile int *go;
		pid_t pid[2];
		char *p;
		int fd, k;

		fd = preq_create(self->c.dev, &q, NULL);
		ASSERT_OK(fd);
		p = map_buf(fd, HUGE_SZ, 0);
		ASSERT_NE(MAP_FAILED, p);
		go = mmap(NULL, pgsz, PROT_READ | PROT_WRITE,
			  MAP_SHARED | MAP_ANONYMOUS, -1, 0);
		ASSERT_NE(MAP_FAILED, (void *)go);
		*go = 0;
		for (k = 0; k < 2; k++) {
			pid[k] = fork();
			ASSERT_LE(0, pid[k]);
			if (!pid[k]) {
				__atomic_add_fetch(go, 1, __ATOMIC_SEQ_CST);
				while (__atomic_load_n(go, __ATOMIC_SEQ_CST) < 2)
					;
				_exit(probe(p + (size_t)k * 4096 * 7, true,
					    NULL));
			}
		}
		for (k = 0; k < 2; k++) {
			int st = wait_child(pid[k]);

			if (st)
				TH_LOG("round %d: child %d: %s", round, k,
				       st == SIGBUS ? "SIGBUS" : "failed");
			bad += st != 0;
		}
		munmap((void *)go, pgsz);
		munmap(p, HUGE_SZ);
		close(fd);
	}
	EXPECT_EQ(0, bad);
	EXPECT_EQ(used0, qget(self->x->node, "used_bytes"));
}
