// SPDX-License-Identifier: GPL-2.0
/*
 * cxltier selftests: device-dax pools (CXLTIER_IOC_POOL_ADD, _REMOVE,
 * _LIST) and buffers placed in them.
 *
 * The fixture takes a dax device in devdax mode bound to device_dax (the VM's
 * node 4), unbinds it (what `daxctl disable-device` does) and reads its
 * range and target node from sysfs: the expected figures come from there and
 * from /proc (pagemap, iomem), never from the module.  Teardown removes the
 * pool (waiting for pins released asynchronously) and binds the device
 * again, so the rest of the suite finds node 4 as it was.
 */
#include "cxltier_test.h"
#include "pool.h"

#include <sys/prctl.h>

#define MAX_POOLS 8
/* The pools; returns their number or -errno. */
static int pool_list(int dev, struct cxltier_pool_info *pi)
{
	struct cxltier_pool_list l = {
		.size = sizeof(l),
		.nr_pools = MAX_POOLS,
		.entry_size = sizeof(*pi),
		.pools = (uintptr_t)pi,
	};
	int r;

	memset(pi, 0xa5, sizeof(*pi) * MAX_POOLS);
	r = xioctl(dev, CXLTIER_IOC_POOL_LIST, &l);
	return r < 0 ? r : (int)l.nr_pools;
}

/* The entry of pool @id, or an all-zero one. */
static struct cxltier_pool_info pool_get(int dev, uint32_t id)
{
	struct cxltier_pool_info pi[MAX_POOLS], none;
	int n = pool_list(dev, pi), i;

	memset(&none, 0, sizeof(none));
	for (i = 0; i < n; i++)
		if (pi[i].id == id)
			return pi[i];
	return none;
}

FIXTURE(pool) {
	struct ctx c;
	char dax[64];
	uint64_t start, len, node;
	bool unbound;
	uint32_t id;		/* 0: no pool to remove */
};

FIXTURE_SETUP(pool)
{
	ctx_setup(&self->c, "pool", NULL);
	self->unbound = false;
	self->id = 0;
	if (devdax_find(self->dax, sizeof(self->dax)))
		SKIP_TOPO(return, "no dax device bound to device_dax");
	ASSERT_OK(devdax_u64(self->dax, "resource", &self->start));
	ASSERT_OK(devdax_u64(self->dax, "size", &self->len));
	ASSERT_OK(devdax_u64(self->dax, "target_node", &self->node));
	ASSERT_OK(devdax_bind(self->dax, false));
	self->unbound = true;
	ASSERT_FALSE(devdax_bound(self->dax));
	/* the pool's figures below assume whole 2 MiB blocks */
	ASSERT_EQ(0ULL, self->start % HUGE_SZ);
	ASSERT_EQ(0ULL, self->len % HUGE_SZ);
	ASSERT_LE(16 * MiB, self->len);
}

FIXTURE_TEARDOWN(pool)
{
	if (self->id && self->c.dev >= 0) {
		int r = pool_remove_wait(self->c.dev, self->id, 15);

		if (r)
			TH_LOG("teardown: pool %u not removed: %s", self->id,
			       errname(r));
		EXPECT_EQ(0, r);
	}
	if (self->unbound) {
		int r = devdax_bind(self->dax, true);

		if (r)
			TH_LOG("teardown: cannot bind %s again: %s", self->dax,
			       errname(r));
		EXPECT_EQ(0, r);
		EXPECT_TRUE(devdax_bound(self->dax));
	}
	ctx_teardown(&self->c);
}

#define POOL_ADD(self) \
	ASSERT_OK(pool_add((self)->c.dev, (self)->dax, (self)->start, \
			   (self)->len, (unsigned int)(self)->node, &(self)->id))

/* Add, list what sysfs says, claim the range in iomem, remove. */
TEST_F(pool, add_list_remove)
{
	struct cxltier_pool_info pi[MAX_POOLS];

	ASSERT_EQ(0, pool_list(self->c.dev, pi));
	POOL_ADD(self);
	ASSERT_NE(0U, self->id);
	ASSERT_EQ(1, pool_list(self->c.dev, pi));
	EXPECT_EQ(self->id, pi[0].id);
	EXPECT_EQ((uint32_t)self->node, pi[0].node);
	EXPECT_STREQ(self->dax, pi[0].name);
	EXPECT_EQ(self->start, pi[0].start);
	EXPECT_EQ(self->len, pi[0].length);
	EXPECT_EQ(self->len, pi[0].free_bytes);
	EXPECT_EQ(self->len, pi[0].largest_free_bytes);
	EXPECT_EQ(self->len / HUGE_SZ, pi[0].free_huge_blocks);
	EXPECT_EQ(0ULL, pi[0].used_pages);
	EXPECT_EQ(0ULL, pi[0].busy_pages);
	EXPECT_EQ(0ULL, pi[0].pinned_pages);
	/* the kernel's own view: the range is claimed under the pool's name */
	EXPECT_TRUE(iomem_has(self->dax));

	ASSERT_EQ(0, pool_remove(self->c.dev, self->id));
	self->id = 0;
	EXPECT_EQ(0, pool_list(self->c.dev, pi));
	EXPECT_FALSE(iomem_has(self->dax));
	/* the node has no memory of its own: naming it fails again */
	EXPECT_ERRNO(ENODEV, buf_create(self->c.dev, 4 * MiB,
					(unsigned int)self->node), "");
}

/* A buffer bound to the pool's node: its pages are the pool's range. */
TEST_F(pool, alloc_map_data)
{
	const size_t len = 8 * MiB, np = len / pgsz;
	struct cxltier_pool_info pi;
	struct bstat b;
	uint64_t pfn;
	size_t i;
	char *p;
	int fd;

	POOL_ADD(self);
	fd = buf_create_mapped(self->c.dev, len, (unsigned int)self->node, &p);
	EXPECT_EQ(-1, check_zero(p, np));
	fill_pages(p, 0, np, 77);
	EXPECT_EQ(-1, check_pages(p, 0, np, 77));
	for (i = 0; i < np; i++) {
		pfn = pfn_of((char *)p + i * pgsz);
		if (pfn < self->start / pgsz ||
		    pfn >= (self->start + self->len) / pgsz) {
			TH_LOG("page %zu at pfn %#llx, outside the range", i,
			       (unsigned long long)pfn);
			ASSERT_TRUE(false);
		}
	}
	pi = pool_get(self->c.dev, self->id);
	EXPECT_EQ(np, pi.used_pages);
	EXPECT_EQ(self->len - len, pi.free_bytes);
	ASSERT_OK(buf_stat(fd, &b));
	EXPECT_EQ(len, b.st.resident_bytes);
	ASSERT_EQ(1U, b.st.nr_resident);
	EXPECT_EQ((uint32_t)self->node, b.res[0].node);
	/* a pool buffer is pinnable: GUP reaches it (process_vm_readv) */
	do {
		char out[64];
		struct iovec l = { out, sizeof(out) };
		struct iovec r = { (char *)p + 5 * pgsz, sizeof(out) };

		EXPECT_EQ((ssize_t)sizeof(out),
			  process_vm_readv(getpid(), &l, 1, &r, 1, 0));
		EXPECT_EQ(0, memcmp(out, (char *)p + 5 * pgsz, sizeof(out)));
	} while (0);
	/* pool pages never move */
	do {
		struct cxltier_node_weight nw = { .node = 0 };
		struct cxltier_migrate m = {
			.size = sizeof(m), .mode = CXLTIER_MODE_BIND,
			.nr_nodes = 1, .nodes = (uintptr_t)&nw,
		};

		EXPECT_ERRNO(EOPNOTSUPP, xioctl(fd, CXLTIER_IOC_MIGRATE, &m),
			     "");
	} while (0);
	/* busy while mapped */
	EXPECT_ERRNO(EBUSY, pool_remove(self->c.dev, self->id), "");
	EXPECT_EQ(-1, check_pages(p, 0, np, 77));
	munmap(p, len);
	close(fd);
	pi = pool_get(self->c.dev, self->id);
	EXPECT_EQ(0ULL, pi.used_pages);
	EXPECT_EQ(self->len, pi.free_bytes);
}

/* 2 MiB units take whole aligned blocks; 4 KiB pages share a block. */
TEST_F(pool, huge_and_fragmentation)
{
	uint64_t blocks = self->len / HUGE_SZ, pfn0, pfn;
	struct cxltier_pool_info pi;
	int fa, fb, fh;
	void *a, *bb, *h;
	size_t i, u;

	POOL_ADD(self);
	fa = buf_create(self->c.dev, pgsz, (unsigned int)self->node);
	fb = buf_create(self->c.dev, pgsz, (unsigned int)self->node);
	fh = buf_create_ex(self->c.dev, 3 * HUGE_SZ, (unsigned int)self->node,
			   HUGE_SHIFT, NULL);
	ASSERT_OK(fa);
	ASSERT_OK(fb);
	ASSERT_OK(fh);
	a = map_buf(fa, pgsz, 0);
	bb = map_buf(fb, pgsz, 0);
	h = map_buf(fh, 3 * HUGE_SZ, 0);
	ASSERT_NE(MAP_FAILED, a);
	ASSERT_NE(MAP_FAILED, bb);
	ASSERT_NE(MAP_FAILED, h);
	*(volatile char *)a = 1;
	pi = pool_get(self->c.dev, self->id);
	EXPECT_EQ(1ULL, pi.used_pages);
	EXPECT_EQ(blocks - 1, pi.free_huge_blocks);
	*(volatile char *)bb = 2;
	/* the second single page goes into the partly used block */
	pi = pool_get(self->c.dev, self->id);
	EXPECT_EQ(blocks - 1, pi.free_huge_blocks);
	EXPECT_EQ(pfn_of(a) / (HUGE_SZ / pgsz), pfn_of(bb) / (HUGE_SZ / pgsz));

	fill_pages(h, 0, 3 * HUGE_SZ / pgsz, 9);
	for (u = 0; u < 3; u++) {
		pfn0 = pfn_of((char *)h + u * HUGE_SZ);
		EXPECT_EQ(0ULL, (pfn0 * pgsz) % HUGE_SZ);
		for (i = 1; i < HUGE_SZ / pgsz; i++) {
			pfn = pfn_of((char *)h + u * HUGE_SZ + i * pgsz);
			if (pfn != pfn0 + i) {
				TH_LOG("unit %zu page %zu: pfn %#llx, not %#llx",
				       u, i, (unsigned long long)pfn,
				       (unsigned long long)(pfn0 + i));
				ASSERT_TRUE(false);
			}
		}
	}
	EXPECT_EQ(-1, check_pages(h, 0, 3 * HUGE_SZ / pgsz, 9));
	pi = pool_get(self->c.dev, self->id);
	EXPECT_EQ(2 + 3 * HUGE_SZ / pgsz, pi.used_pages);
	EXPECT_EQ(blocks - 4, pi.free_huge_blocks);
	EXPECT_EQ(self->len - 2 * pgsz - 3 * HUGE_SZ, pi.free_bytes);
	/* the largest run: blocks after the used ones, at most all but 4 */
	EXPECT_GE((blocks - 4) * HUGE_SZ, pi.largest_free_bytes);
	EXPECT_LE(HUGE_SZ, pi.largest_free_bytes);

	munmap(a, pgsz);
	munmap(bb, pgsz);
	munmap(h, 3 * HUGE_SZ);
	close(fa);
	close(fb);
	close(fh);
	pi = pool_get(self->c.dev, self->id);
	EXPECT_EQ(blocks, pi.free_huge_blocks);
	EXPECT_EQ(self->len, pi.largest_free_bytes);
}

/* A buffer larger than the pool can never fit: -EFBIG, as for a node. */
TEST_F(pool, too_large)
{
	POOL_ADD(self);
	EXPECT_ERRNO(EFBIG, buf_create(self->c.dev, self->len + HUGE_SZ,
				       (unsigned int)self->node), "");
}

/*
 * A long-term pin (an AF_XDP umem: pin_user_pages(FOLL_LONGTERM)) on pool
 * memory: same physical pages across compaction, removal refused while
 * pinned (mapped, then only pinned), allowed once the pin goes.
 */
TEST_F(pool, longterm_pin_compaction_remove)
{
	const size_t len = 4 * MiB, np = len / pgsz;
	struct xdp_umem_reg mr = { 0 };
	struct cxltier_pool_info pi;
	uint64_t *before;
	size_t i, moved = 0;
	char *p;
	int fd, xsk, r;

	POOL_ADD(self);
	fd = buf_create_mapped(self->c.dev, len, (unsigned int)self->node, &p);
	fill_pages(p, 0, np, 5);

	xsk = socket(AF_XDP, SOCK_RAW | SOCK_CLOEXEC, 0);
	if (xsk < 0)
		SKIP_TOPO(return, "no AF_XDP socket: %s", strerror(errno));
	mr.addr = (uintptr_t)p;
	mr.len = len;
	mr.chunk_size = (uint32_t)pgsz;
	r = setsockopt(xsk, SOL_XDP, XDP_UMEM_REG, &mr, sizeof(mr));
	if (r)
		TH_LOG("XDP_UMEM_REG: %s", strerror(errno));
	ASSERT_EQ(0, r);
	pi = pool_get(self->c.dev, self->id);
	EXPECT_EQ(np, pi.pinned_pages);

	before = calloc(np, sizeof(*before));
	ASSERT_NE(NULL, before);
	for (i = 0; i < np; i++) {
		before[i] = pfn_of((char *)p + i * pgsz);
		ASSERT_NE(0ULL, before[i]);
	}
	ASSERT_OK(write_text("/proc/sys/vm/compact_memory", "1"));
	for (i = 0; i < np; i++)
		moved += pfn_of((char *)p + i * pgsz) != before[i];
	EXPECT_EQ(0UL, moved);
	EXPECT_EQ(-1, check_pages(p, 0, np, 5));
	free(before);

	/* mapped and pinned */
	EXPECT_ERRNO(EBUSY, pool_remove(self->c.dev, self->id), "");
	munmap(p, len);
	close(fd);
	/* the buffer is gone; its pages are pinned still: busy, not free */
	pi = pool_get(self->c.dev, self->id);
	EXPECT_EQ(0ULL, pi.used_pages);
	EXPECT_EQ(np, pi.busy_pages);
	EXPECT_EQ(np, pi.pinned_pages);
	EXPECT_EQ(self->len - len, pi.free_bytes);
	EXPECT_ERRNO(EBUSY, pool_remove(self->c.dev, self->id), "");
	pi = pool_get(self->c.dev, self->id);
	EXPECT_EQ(self->id, pi.id);

	/* AF_XDP drops its pins from a work item: wait for them */
	close(xsk);
	ASSERT_EQ(0, pool_remove_wait(self->c.dev, self->id, 15));
	self->id = 0;
	EXPECT_FALSE(iomem_has(self->dax));
}

/* A pool pins the module: unload is refused until it is removed. */
TEST_F(pool, unload_refused)
{
	char text[32];

	POOL_ADD(self);
	/* our own fd pins the module too: let go of it for the attempt */
	close(self->c.dev);
	self->c.dev = -1;
	ASSERT_LE(0, read_text("/sys/module/cxltier/refcnt", text,
			       sizeof(text)));
	EXPECT_LE(1, atoi(text));
	EXPECT_EQ(-EWOULDBLOCK,
		  syscall(SYS_delete_module, "cxltier", O_NONBLOCK) ? -errno : 0);
	ASSERT_EQ(0, access(CXLTIER_DEVICE_PATH, F_OK));
	self->c.dev = open(CXLTIER_DEVICE_PATH, O_RDWR | O_CLOEXEC);
	ASSERT_LE(0, self->c.dev);
	ASSERT_EQ(0, pool_remove(self->c.dev, self->id));
	self->id = 0;
	close(self->c.dev);
	self->c.dev = -1;
	/* no pool, no fd: nothing holds the module any more */
	ASSERT_LE(0, read_text("/sys/module/cxltier/refcnt", text,
			       sizeof(text)));
	EXPECT_EQ(0, atoi(text));
}

/* Adding and removing need CAP_SYS_ADMIN; listing does not. */
TEST_F(pool, nonroot_eperm)
{
	pid_t pid;

	POOL_ADD(self);
	pid = fork();
	ASSERT_LE(0, pid);
	if (!pid) {
		struct cxltier_pool_info pi[MAX_POOLS];
		int bad = 0;

		if (setresgid(65534, 65534, 65534) ||
		    setresuid(65534, 65534, 65534))
			_exit(99);
		bad += pool_add(self->c.dev, "x", self->start, self->len,
				(unsigned int)self->node, NULL) != -EPERM;
		bad += (pool_remove(self->c.dev, self->id) != -EPERM) << 1;
		bad += (pool_list(self->c.dev, pi) != 1) << 2;
		bad += (pi[0].start != 0) << 3;
		_exit(bad);
	}
	EXPECT_EQ(0, wait_child(pid));
	EXPECT_EQ(self->id, pool_get(self->c.dev, self->id).id);
}

/* Hostile input: a precise errno, and nothing changes. */
TEST_F(pool, hostile_input)
{
	const int dev = self->c.dev;
	const unsigned int node = (unsigned int)self->node;
	const uint64_t s = self->start, l = self->len;
	const uint64_t half = l / HUGE_SZ / 2 * HUGE_SZ;
	struct cxltier_pool_info pi[MAX_POOLS];
	struct cxltier_pool_add a;
	struct cxltier_pool_remove rm;
	struct cxltier_pool_list pl;
	uint32_t id2;

#define ADD_INIT(a) do {						\
	memset(&(a), 0, sizeof(a));					\
	(a).size = sizeof(a); (a).start = s; (a).length = l;		\
	(a).node = node; strcpy((a).name, "h");				\
} while (0)
	ADD_INIT(a); a.flags = 1;
	EXPECT_ERRNO(EINVAL, xioctl(dev, CXLTIER_IOC_POOL_ADD, &a), "");
	ADD_INIT(a); a.__reserved = 1;
	EXPECT_ERRNO(EINVAL, xioctl(dev, CXLTIER_IOC_POOL_ADD, &a), "");
	ADD_INIT(a); a.__reserved2 = 1;
	EXPECT_ERRNO(EINVAL, xioctl(dev, CXLTIER_IOC_POOL_ADD, &a), "");
	ADD_INIT(a); a.size = offsetof(struct cxltier_pool_add, __reserved2);
	EXPECT_ERRNO(EINVAL, xioctl(dev, CXLTIER_IOC_POOL_ADD, &a), "");
	ADD_INIT(a); a.name[0] = 0;
	EXPECT_ERRNO(EINVAL, xioctl(dev, CXLTIER_IOC_POOL_ADD, &a), "empty");
	ADD_INIT(a); strcpy(a.name, "a/b");
	EXPECT_ERRNO(EINVAL, xioctl(dev, CXLTIER_IOC_POOL_ADD, &a), "slash");
	ADD_INIT(a); strcpy(a.name, "ab"); a.name[5] = 'x';
	EXPECT_ERRNO(EINVAL, xioctl(dev, CXLTIER_IOC_POOL_ADD, &a), "tail");
	ADD_INIT(a); memset(a.name, 'a', sizeof(a.name));
	EXPECT_ERRNO(EINVAL, xioctl(dev, CXLTIER_IOC_POOL_ADD, &a), "no NUL");
	ADD_INIT(a); a.start = s + pgsz;
	EXPECT_ERRNO(EINVAL, xioctl(dev, CXLTIER_IOC_POOL_ADD, &a), "start");
	ADD_INIT(a); a.length = l - pgsz;
	EXPECT_ERRNO(EINVAL, xioctl(dev, CXLTIER_IOC_POOL_ADD, &a), "len");
	ADD_INIT(a); a.length = 0;
	EXPECT_ERRNO(EINVAL, xioctl(dev, CXLTIER_IOC_POOL_ADD, &a), "zero");
	ADD_INIT(a); a.start = 0;
	EXPECT_ERRNO(EINVAL, xioctl(dev, CXLTIER_IOC_POOL_ADD, &a), "at 0");
	ADD_INIT(a); a.length = 0ULL - s;
	EXPECT_ERRNO(EINVAL, xioctl(dev, CXLTIER_IOC_POOL_ADD, &a), "wrap");
	ADD_INIT(a); a.node = kernel_max_numnodes();
	EXPECT_ERRNO(EINVAL, xioctl(dev, CXLTIER_IOC_POOL_ADD, &a), "node");
	/* node 0 has memory of its own (GET_INFO lists it) */
	ASSERT_NE(NULL, topo_find(&self->c.topo, 0));
	ADD_INIT(a); a.node = 0;
	EXPECT_ERRNO(EINVAL, xioctl(dev, CXLTIER_IOC_POOL_ADD, &a), "node 0");
	/* ordinary RAM (the first 2 MiB block above 1 GiB is node 0's) */
	ADD_INIT(a); a.start = 1 * GiB; a.length = HUGE_SZ;
	EXPECT_ERRNO(ENXIO, xioctl(dev, CXLTIER_IOC_POOL_ADD, &a), "RAM");
	/* claimed by the dax device while it is bound */
	ASSERT_OK(devdax_bind(self->dax, true));
	EXPECT_ERRNO(EBUSY, pool_add(dev, "h", s, l, node, NULL), "bound");
	ASSERT_OK(devdax_bind(self->dax, false));
	EXPECT_EQ(0, pool_list(dev, pi));

	/* double add: same name, overlapping range */
	POOL_ADD(self);
	EXPECT_ERRNO(EEXIST, pool_add(dev, self->dax, s, l, node, NULL), "");
	EXPECT_ERRNO(EEXIST, pool_add(dev, "other", s + HUGE_SZ, HUGE_SZ, node,
				      NULL), "");
	EXPECT_EQ(1, pool_list(dev, pi));

	/* remove */
	EXPECT_ERRNO(ENOENT, pool_remove(dev, self->id + 1000), "");
	EXPECT_ERRNO(ENOENT, pool_remove(dev, 0), "");
	memset(&rm, 0, sizeof(rm)); rm.size = sizeof(rm); rm.id = self->id;
	rm.flags = 1;
	EXPECT_ERRNO(EINVAL, xioctl(dev, CXLTIER_IOC_POOL_REMOVE, &rm), "");
	rm.flags = 0; rm.__reserved = 1;
	EXPECT_ERRNO(EINVAL, xioctl(dev, CXLTIER_IOC_POOL_REMOVE, &rm), "");
	EXPECT_ERRNO(EFAULT, xioctl(dev, CXLTIER_IOC_POOL_REMOVE, NULL), "");

	/* list */
	memset(&pl, 0, sizeof(pl)); pl.size = sizeof(pl); pl.flags = 1;
	EXPECT_ERRNO(EINVAL, xioctl(dev, CXLTIER_IOC_POOL_LIST, &pl), "");
	pl.flags = 0; pl.nr_pools = 1; pl.entry_size = 8;
	pl.pools = (uintptr_t)pi;
	EXPECT_ERRNO(EINVAL, xioctl(dev, CXLTIER_IOC_POOL_LIST, &pl), "");
	pl.entry_size = sizeof(pi[0]) + 4;
	EXPECT_ERRNO(EINVAL, xioctl(dev, CXLTIER_IOC_POOL_LIST, &pl), "");
	pl.entry_size = sizeof(pi[0]); pl.pools = 8;
	EXPECT_ERRNO(EFAULT, xioctl(dev, CXLTIER_IOC_POOL_LIST, &pl), "");
	/* count only */
	pl.nr_pools = 0; pl.pools = 0;
	EXPECT_EQ(0, xioctl(dev, CXLTIER_IOC_POOL_LIST, &pl));
	EXPECT_EQ(1U, pl.nr_pools);
	/* two pools, one range each half: a list with room for one */
	ASSERT_EQ(0, pool_remove(dev, self->id));
	self->id = 0;
	ASSERT_OK(pool_add(dev, "lo", s, half, node, &self->id));
	ASSERT_OK(pool_add(dev, "hi", s + half, l - half, node, &id2));
	memset(pi, 0, sizeof(pi));
	pl.nr_pools = 1; pl.pools = (uintptr_t)pi;
	EXPECT_ERRNO(EMSGSIZE, xioctl(dev, CXLTIER_IOC_POOL_LIST, &pl), "");
	EXPECT_EQ(2U, pl.nr_pools);
	EXPECT_STREQ("lo", pi[0].name);
	EXPECT_EQ(0U, pi[1].id);		/* nothing written past the capacity */
	EXPECT_EQ(0, pool_remove(dev, id2));
	/* unknown command in the pool range */
	EXPECT_ERRNO(ENOTTY, xioctl(dev, _IO(CXLTIER_TYPE, CXLTIER_CMD_LAST),
				    &pl), "");
#undef ADD_INIT
}

/*
 * Remove and add again while other processes create, populate, map and
 * check pool buffers: each create or populate either works (and the data
 * is right) or fails with the pool's absence (ENODEV) or fullness (ENOMEM);
 * removal either works or is refused (EBUSY); nothing else, no kernel
 * report.
 */
TEST_F_TIMEOUT(pool, race_add_remove_alloc, 240)
{
	/*
	 * The removals are bounded by time, not by tries: how often the
	 * children leave the pool empty depends on the machine (a KASAN
	 * kernel under TCG on two shared cores fills 2 MiB far slower than
	 * the 2 ms between tries), and a removal that never gets its window
	 * within 150 s is a bug (a reference never dropped), not slowness.
	 */
	const int nproc = 2, want = 5;
	const double budget_s = 150;
	int i, removed = 0, busy = 0, st;
	double t0;
	volatile int *stop;
	pid_t pids[2];

	stop = mmap(NULL, pgsz, PROT_READ | PROT_WRITE,
		    MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, stop);
	POOL_ADD(self);
	for (i = 0; i < nproc; i++) {
		pids[i] = fork();
		ASSERT_LE(0, pids[i]);
		if (!pids[i]) {
			struct cxltier_node_weight nw = {
				.node = (uint32_t)self->node };
			int bad = 0, ok = 0;

			/* a parent that dies of a failed assertion stops us */
			prctl(PR_SET_PDEATHSIG, SIGKILL);
			while (!*stop && bad < 100) {
				struct cxltier_create c = {
					.size = sizeof(c), .length = 2 * MiB,
					.mode = CXLTIER_MODE_BIND, .nr_nodes = 1,
					.nodes = (uintptr_t)&nw,
					.flags = CXLTIER_CREATE_POPULATE,
					.page_shift = (ok & 1) ? HUGE_SHIFT : 0,
				};
				int r = xioctl(self->c.dev, CXLTIER_IOC_CREATE,
					       &c);
				void *p;

				if (r == -ENODEV || r == -ENOMEM) {
					usleep(1000);	/* no busy spin */
					continue;
				}
				if (r < 0) {
					fprintf(stderr, "child %d: CREATE: %s\n",
						i, errname(-r));
					bad++;
					continue;
				}
				p = map_buf(c.out_fd, 2 * MiB, 0);
				if (p == MAP_FAILED) {
					fprintf(stderr, "child %d: mmap: %s\n",
						i, errname(errno));
					bad++;
				} else {
					long z = check_zero(p, 2 * MiB / pgsz);
					long d;

					fill_pages(p, 0, 2 * MiB / pgsz, (uint64_t)ok);
					d = check_pages(p, 0, 2 * MiB / pgsz,
							(uint64_t)ok);
					if (z != -1 || d != -1)
						fprintf(stderr, "child %d: buffer %d"
							" (%s pages): page %ld not"
							" zero, page %ld wrong\n",
							i, ok, (ok & 1) ? "2M" : "4K",
							z, d);
					bad += (z != -1) + (d != -1);
					munmap(p, 2 * MiB);
				}
				close(c.out_fd);
				ok++;
				usleep(5000);	/* a window for the removal */
			}
			_exit(bad ? 1 : ok ? 0 : 2);
		}
	}
	t0 = now_s();
	while (removed < want && now_s() - t0 < budget_s) {
		int r = pool_remove(self->c.dev, self->id);

		if (r == -EBUSY) {
			busy++;
			usleep(2000);
			continue;
		}
		ASSERT_EQ(0, r);
		removed++;
		self->id = 0;
		POOL_ADD(self);
		usleep(20000);
	}
	*stop = 1;
	for (i = 0; i < nproc; i++) {
		st = wait_child(pids[i]);
		EXPECT_EQ(0, st);
	}
	TH_LOG("%d removals, %d refused (busy), %.1f s", removed, busy,
	       now_s() - t0);
	EXPECT_EQ(want, removed);
}
