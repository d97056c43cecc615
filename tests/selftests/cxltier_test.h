/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Helpers of the cxltier kselftest suite (cxltier_test.c and the test groups
 * it includes), with fill.h, placement.h, pool.h and quota.h for the groups
 * that need those.  Every *_tests.c includes the headers it uses and
 * nothing from another *_tests.c.  Everything is static: the kselftest
 * harness keeps its test list per translation unit, so the suite is one
 * translation unit.
 *
 * Expected values come from uapi/linux/cxltier.h and from the kernel's own
 * view of the machine (sysfs, /proc, move_pages(2)), never from the module.
 */
#ifndef CXLTIER_TEST_H
#define CXLTIER_TEST_H

#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <sched.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/types.h>
#include <sys/uio.h>
#include <sys/utsname.h>
#include <sys/wait.h>

#include <linux/futex.h>
#include <linux/if_xdp.h>

#include <linux/cxltier.h>

#include "../lib/cxlt_common.h"
#include "../lib/cxlt_scm.h"

/* AF_XDP sockets (umem registration: a long-term pin), old libc headers */
#ifndef AF_XDP
#define AF_XDP 44
#endif
#ifndef SOL_XDP
#define SOL_XDP 283
#endif

/* The 6.1 harness has an unused parameter: not ours to fix. */
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wunused-parameter"
#include "kselftest_harness.h"
#pragma GCC diagnostic pop

/* ------------------------------------------------------------------------ */
/* errno checks                                                             */

/* ioctl() returning its result or -errno. */
static inline int xioctl(int fd, unsigned long cmd, void *arg)
{
	int r = ioctl(fd, cmd, arg);

	return r < 0 ? -errno : r;
}

/*
 * EXPECT_ERRNO(EINVAL, expr, "context %d", x): @expr (an int that is a
 * result or -errno) must be exactly -EINVAL.  Names both errnos on failure.
 */
#define __CHECK_ERRNO(CHECK, err, expr, fmt, ...) do {		\
	int __e = (err), __r = (expr);					\
	if (__r != -__e)						\
		TH_LOG("%s: expected %s, got %d (%s)" fmt, #expr,	\
		       errname(__e), __r, __r < 0 ? errname(__r) :	\
		       "success", ##__VA_ARGS__);			\
	CHECK(-__e, __r);						\
} while (0)
#define EXPECT_ERRNO(err, expr, fmt, ...) \
	__CHECK_ERRNO(EXPECT_EQ, err, expr, fmt, ##__VA_ARGS__)
#define ASSERT_ERRNO(err, expr, fmt, ...) \
	__CHECK_ERRNO(ASSERT_EQ, err, expr, fmt, ##__VA_ARGS__)

/* @expr (result or -errno) must succeed. */
#define ASSERT_OK(expr) do {						\
	int __r = (expr);						\
	if (__r < 0)							\
		TH_LOG("%s failed: %d (%s)", #expr, __r, errname(__r));	\
	ASSERT_LE(0, __r);						\
} while (0)
#define EXPECT_OK(expr) do {						\
	int __r = (expr);						\
	if (__r < 0)							\
		TH_LOG("%s failed: %d (%s)", #expr, __r, errname(__r));	\
	EXPECT_LE(0, __r);						\
} while (0)

/* ------------------------------------------------------------------------ */
/* Environment                                                              */

static inline bool env_is(const char *name, const char *val)
{
	const char *v = getenv(name);

	return v && !strcmp(v, val);
}

/*
 * Strict mode turns a "the topology lacks X" skip into a failure: set by
 * CXLTIER_TEST_STRICT=1, and implied by the VM runner's default topology
 * (CXLTIER_VM_TOPOLOGY=default), which has every kind of node the suite
 * needs, so that `make check` cannot pass by skipping.
 */
static inline bool strict_topology(void)
{
	return env_is("CXLTIER_TEST_STRICT", "1") ||
	       env_is("CXLTIER_VM_TOPOLOGY", "default");
}

#define SKIP_TOPO(statement, fmt, ...) do {				\
	if (strict_topology()) {					\
		TH_LOG("topology lacks what the test needs (strict "	\
		       "mode): " fmt, ##__VA_ARGS__);			\
		ASSERT_TRUE(false);					\
	}								\
	SKIP(statement, fmt, ##__VA_ARGS__);				\
} while (0)

/* ------------------------------------------------------------------------ */
/* Files                                                                    */

/* Parses a kernel list ("0-2,4") into @set[0..max). Returns count or -1. */
static int parse_list(const char *s, bool *set, unsigned int max)
{
	int count = 0;

	memset(set, 0, max * sizeof(*set));
	while (*s && *s != '\n') {
		char *end;
		unsigned long a, b;

		a = strtoul(s, &end, 10);
		if (end == s)
			return -1;
		b = a;
		s = end;
		if (*s == '-') {
			s++;
			b = strtoul(s, &end, 10);
			if (end == s)
				return -1;
			s = end;
		}
		for (; a <= b; a++) {
			if (a >= max)
				return -1;
			if (!set[a])
				count++;
			set[a] = true;
		}
		if (*s == ',')
			s++;
	}
	return count;
}

/* /sys/devices/system/node/@name (possible, online, has_memory, ...) */
static int sys_nodes(const char *name, bool *set)
{
	char path[128], buf[4096];
	int r;

	snprintf(path, sizeof(path), "/sys/devices/system/node/%s", name);
	r = read_text(path, buf, sizeof(buf));
	if (r < 0)
		return r;
	return parse_list(buf, set, TOPO_MAX_NODES);
}

/* Number of CPUs in /sys/devices/system/node/nodeN/cpulist, or -errno. */
static int node_cpus(int node)
{
	static bool cpus[8192];
	char path[128], buf[4096];
	int r;

	snprintf(path, sizeof(path), "/sys/devices/system/node/node%d/cpulist",
		 node);
	r = read_text(path, buf, sizeof(buf));
	if (r < 0)
		return r;
	return parse_list(buf, cpus, 8192);
}

/* SLIT distance from @a to @b from sysfs, or -errno. */
static int node_distance(int a, int b)
{
	bool online[TOPO_MAX_NODES];
	char path[128], buf[8192], *p, *end;
	int i, r;

	if (sys_nodes("online", online) < 0 || b >= TOPO_MAX_NODES ||
	    !online[b])
		return -ENOENT;
	snprintf(path, sizeof(path), "/sys/devices/system/node/node%d/distance",
		 a);
	r = read_text(path, buf, sizeof(buf));
	if (r < 0)
		return r;
	/* One column per online node, in node order. */
	p = buf;
	for (i = 0; i < TOPO_MAX_NODES; i++) {
		long d;

		if (!online[i])
			continue;
		d = strtol(p, &end, 10);
		if (end == p)
			return -EINVAL;
		if (i == b)
			return (int)d;
		p = end;
	}
	return -ENOENT;
}

/*
 * /proc/zoneinfo for one node: CXLTIER_ZONE_* bits of the zones with present
 * pages, and the managed bytes of ZONE_MOVABLE.
 */
static int node_zones(int node, unsigned int *zones, unsigned long long *movable)
{
	FILE *f;
	char line[512], zname[64] = "";
	int cur = -1, n;

	*zones = 0;
	*movable = 0;
	f = fopen("/proc/zoneinfo", "re");
	if (!f)
		return -errno;
	while (fgets(line, sizeof(line), f)) {
		unsigned long long v;
		char name[64];

		if (sscanf(line, "Node %d, zone %63s", &n, name) == 2) {
			cur = n;
			snprintf(zname, sizeof(zname), "%s", name);
			continue;
		}
		if (cur != node)
			continue;
		if (sscanf(line, " present %llu", &v) == 1 && v) {
			if (!strcmp(zname, "DMA"))
				*zones |= CXLTIER_ZONE_DMA;
			else if (!strcmp(zname, "DMA32"))
				*zones |= CXLTIER_ZONE_DMA32;
			else if (!strcmp(zname, "Normal"))
				*zones |= CXLTIER_ZONE_NORMAL;
			else if (!strcmp(zname, "Movable"))
				*zones |= CXLTIER_ZONE_MOVABLE;
		}
		if (sscanf(line, " managed %llu", &v) == 1 &&
		    !strcmp(zname, "Movable"))
			*movable = v * pgsz;
	}
	fclose(f);
	return 0;
}

/* Best effort: empty the page cache and slab caches, fold vmstat counters. */
static void settle_memory(void)
{
	sync();
	write_text("/proc/sys/vm/drop_caches", "3");
	write_text("/proc/sys/vm/stat_refresh", "1");
	usleep(20 * 1000);
}

/*
 * Keeps the calling process on the CPU it runs on: page allocations and
 * frees then go through that CPU's per-CPU free lists only, whose content
 * (not counted as free memory) stays within one list's high mark.
 */
static int pin_cpu(void)
{
	cpu_set_t set;
	int cpu = sched_getcpu();

	if (cpu < 0)
		return -errno;
	CPU_ZERO(&set);
	CPU_SET(cpu, &set);
	return sched_setaffinity(0, sizeof(set), &set) ? -errno : cpu;
}

/* Lowest free fd number (what the next open would get). */
static int lowest_free_fd(void)
{
	int fd = open("/dev/null", O_RDONLY | O_CLOEXEC);

	if (fd >= 0)
		close(fd);
	return fd;
}

/* ------------------------------------------------------------------------ */
/* The kernel log (/dev/kmsg)                                               */

/*
 * Per-test kernel-log verdict: kmsg_mark() at fixture setup positions a
 * reader at the end of the log; kmsg_verdict() at teardown reads what came
 * after and fails the test on any line that reports a kernel problem,
 * naming it.  The VM runner scans the whole log too; this attributes a
 * splat to the test that caused it (struct kmsg, the patterns and the
 * reader are in ../lib/cxlt_common.h).
 */

/* Writes one line to the kernel log (a fresh fd: its own rate limit). */
static void kmsg_note(const char *fmt, ...)
{
	char line[512];
	va_list ap;
	int fd, n;

	va_start(ap, fmt);
	n = vsnprintf(line, sizeof(line) - 1, fmt, ap);
	va_end(ap);
	if (n < 0)
		return;
	if ((size_t)n > sizeof(line) - 2)
		n = (int)sizeof(line) - 2;
	line[n++] = '\n';
	fd = open("/dev/kmsg", O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		return;
	if (write(fd, line, (size_t)n) < 0) {
		/* nothing to do: the marker is a convenience */
	}
	close(fd);
}

/*
 * Reads everything after the mark; returns how many lines report a kernel
 * problem and logs the first few.  Closes the reader.
 */
#define kmsg_verdict(k) __kmsg_verdict(_metadata, k)
static int __kmsg_verdict(struct __test_metadata *_metadata, struct kmsg *k)
{
	char msg[1024];
	const char *pat;
	int bad = 0, r;

	if (k->fd < 0)
		return 0;
	while ((r = kmsg_next(k, msg, sizeof(msg))) > 0) {
		pat = kmsg_bad(msg);
		if (!pat)
			continue;
		if (bad++ < 8)
			TH_LOG("kernel log after this test's start matches "
			       "\"%s\": %s", pat, msg);
	}
	if (r < 0)
		TH_LOG("reading /dev/kmsg: %s", errname(r));
	if (k->overrun)
		TH_LOG("kernel log wrapped during the test: lines were lost");
	close(k->fd);
	k->fd = -1;
	return bad;
}

/* ------------------------------------------------------------------------ */
/* Choosing nodes from the GET_INFO table (struct topo)                    */

enum node_kind {
	NK_ANY,		/* any node; a DRAM node with CPUs first */
	NK_DRAM_CPU,	/* DRAM tier with CPUs */
	NK_DRAM_NOCPU,	/* DRAM tier without CPUs */
	NK_DRAM,	/* DRAM tier; one without CPUs first (quieter) */
	NK_CXL,		/* CXL tier; movable-only first */
	NK_MOVABLE,	/* all memory in ZONE_MOVABLE */
};

static const char *const node_kind_name[] = {
	[NK_ANY] = "any node",
	[NK_DRAM_CPU] = "a DRAM node with CPUs",
	[NK_DRAM_NOCPU] = "a DRAM node without CPUs",
	[NK_DRAM] = "a DRAM node",
	[NK_CXL] = "a CXL node",
	[NK_MOVABLE] = "a movable-only node",
};

static int node_score(const struct cxltier_node_info *n, enum node_kind k)
{
	bool cpus = n->flags & CXLTIER_NODE_HAS_CPUS;
	bool mov = n->flags & CXLTIER_NODE_MOVABLE_ONLY;
	bool dram = n->tier == CXLTIER_TIER_DRAM;
	bool cxl = n->tier == CXLTIER_TIER_CXL;

	switch (k) {
	case NK_ANY:
		return dram && cpus ? 2 : 1;
	case NK_DRAM_CPU:
		return dram && cpus ? 1 : 0;
	case NK_DRAM_NOCPU:
		return dram && !cpus ? 1 : 0;
	case NK_DRAM:
		return !dram ? 0 : cpus ? 1 : 2;
	case NK_CXL:
		return !cxl ? 0 : mov ? 2 : 1;
	case NK_MOVABLE:
		return mov ? 1 : 0;
	}
	return 0;
}

/*
 * The best node of kind @k with at least @min_free free bytes (ties: the
 * lowest id), or NULL.
 */
static const struct cxltier_node_info *topo_pick(const struct topo *t,
						 enum node_kind k,
						 unsigned long long min_free)
{
	const struct cxltier_node_info *best = NULL;
	int best_score = 0;
	unsigned int i;

	for (i = 0; i < t->nr; i++) {
		const struct cxltier_node_info *n = &t->nodes[i];
		int s = node_score(n, k);

		if (!s || n->free_bytes < min_free)
			continue;
		if (s > best_score || (s == best_score && n->node < best->node)) {
			best = n;
			best_score = s;
		}
	}
	return best;
}

/* The best node of kind @k, not @a nor @b (-1: none), with @min_free. */
static const struct cxltier_node_info *
topo_pick_not(const struct topo *t, enum node_kind k,
	      unsigned long long min_free, int a, int b)
{
	const struct cxltier_node_info *best = NULL;
	int best_score = 0;
	unsigned int i;

	for (i = 0; i < t->nr; i++) {
		const struct cxltier_node_info *n = &t->nodes[i];
		int s = node_score(n, k);

		if (!s || n->free_bytes < min_free || (int)n->node == a ||
		    (int)n->node == b)
			continue;
		if (s > best_score || (s == best_score && n->node < best->node)) {
			best = n;
			best_score = s;
		}
	}
	return best;
}

/* ------------------------------------------------------------------------ */
/* Buffers                                                                  */

/*
 * CXLTIER_IOC_CREATE of a CXLTIER_MODE_BIND buffer on @node.  Returns the
 * new fd or -errno; @out (may be NULL) gets the struct as returned.
 */
static int buf_create_ex(int dev, uint64_t len, unsigned int node,
			 unsigned int page_shift, struct cxltier_create *out)
{
	struct cxltier_node_weight nw = { .node = node };
	struct cxltier_create c = {
		.size = sizeof(c),
		.length = len,
		.mode = CXLTIER_MODE_BIND,
		.nr_nodes = 1,
		.nodes = (uintptr_t)&nw,
		.page_shift = page_shift,
	};
	int r = xioctl(dev, CXLTIER_IOC_CREATE, &c);

	if (out)
		*out = c;
	return r < 0 ? r : c.out_fd;
}

static int buf_create(int dev, uint64_t len, unsigned int node)
{
	return buf_create_ex(dev, len, node, 0, NULL);
}

/* The huge unit of CXLTIER_IOC_CREATE's page_shift (2 MiB), and its size. */
#define HUGE_SHIFT CXLTIER_HUGE_PAGE_SHIFT
#define HUGE_SZ (1ULL << HUGE_SHIFT)

/*
 * The module must list what a test uses in GET_INFO (the header: "what is
 * supported is learnt from CXLTIER_IOC_GET_INFO").  A module without it is
 * skipped, or fails in strict mode: this suite tests a module that
 * implements all of the header.
 */
#define NEED_SUPPORT(topo, mask_field, bit, what) do {			\
	if (!((topo)->info.mask_field & (bit)))				\
		SKIP_TOPO(return, "the module does not list %s in "	\
			  "GET_INFO " #mask_field, what);		\
} while (0)
#define NEED_MODE(topo, m) \
	NEED_SUPPORT(topo, supported_modes, 1ULL << (m), #m)
#define NEED_FLAG(topo, f) \
	NEED_SUPPORT(topo, supported_create_flags, (uint64_t)(f), #f)
#define NEED_HUGE(topo) \
	NEED_SUPPORT(topo, supported_page_sizes, 1ULL << HUGE_SHIFT, \
		     "2 MiB pages")

/* The name of placement mode @m, as the uapi spells it. */
static const char *mode_name(uint32_t m)
{
	static const char *const names[] = CXLTIER_MODE_NAMES;

	return m < ARRAY_SIZE(names) ? names[m] : "an unknown mode";
}

/*
 * The same for one case of a table: true when the module lists it; else
 * the case is logged and passed over, and fails in strict mode.
 */
#define CASE_SUPPORTED(topo, mask_field, bit, what) \
	__case_supported(_metadata, (topo)->info.mask_field & (bit), what)
static bool __case_supported(struct __test_metadata *_metadata, bool listed,
			     const char *what)
{
	if (listed)
		return true;
	TH_LOG("the module does not list %s in GET_INFO: case passed over",
	       what);
	EXPECT_FALSE(strict_topology());
	return false;
}
#define CASE_MODE(topo, m) \
	CASE_SUPPORTED(topo, supported_modes, 1ULL << (m), mode_name(m))

/* struct bstat and buf_stat() are in ../lib/cxlt_common.h. */

/*
 * ASSERT that buffer @fd has exactly @bytes resident, all of them on @node
 * (one resident entry), and that the totals agree.
 */
#define assert_resident(fd, node, bytes) \
	__assert_resident(_metadata, fd, node, bytes)
static void __assert_resident(struct __test_metadata *_metadata, int fd,
			      unsigned int node, uint64_t bytes)
{
	struct bstat b;

	ASSERT_OK(buf_stat(fd, &b));
	if (b.st.resident_bytes != bytes)
		TH_LOG("resident_bytes %llu, expected %llu",
		       (unsigned long long)b.st.resident_bytes,
		       (unsigned long long)bytes);
	ASSERT_EQ(bytes, b.st.resident_bytes);
	if (!bytes) {
		ASSERT_EQ(0U, b.st.nr_resident);
		return;
	}
	ASSERT_EQ(1U, b.st.nr_resident);
	if (b.res[0].node != node)
		TH_LOG("pages on node %u, expected node %u", b.res[0].node,
		       node);
	ASSERT_EQ(node, b.res[0].node);
	ASSERT_EQ(bytes, b.res[0].bytes);
	ASSERT_EQ(0U, b.res[0].__reserved);
}

static void *map_buf(int fd, size_t len, off_t off)
{
	return mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_SHARED, fd, off);
}

/*
 * buf_create() of @len bytes on @node, then map_buf() of all of it:
 * ASSERTs both.  Returns the fd, the mapping in *@p.
 */
#define buf_create_mapped(dev, len, node, p) \
	__buf_create_mapped(_metadata, dev, len, node, p)
static int __buf_create_mapped(struct __test_metadata *_metadata, int dev,
			       uint64_t len, unsigned int node, char **p)
{
	int fd = buf_create(dev, len, node);

	ASSERT_OK(fd);
	*p = map_buf(fd, len, 0);
	ASSERT_NE(MAP_FAILED, *p);
	return fd;
}

/* ------------------------------------------------------------------------ */
/* Contents                                                                 */

/* Word @word of buffer page @page under @seed. */
static inline uint64_t pat(uint64_t seed, uint64_t page, uint64_t word)
{
	uint64_t x = seed ^ (page * 0x9E3779B97F4A7C15ULL) ^
		     (word * 0xC2B2AE3D27D4EB4FULL);

	x ^= x >> 31;
	x *= 0xBF58476D1CE4E5B9ULL;
	x ^= x >> 29;
	return x;
}

/* Fills @npages pages at @p, which are buffer pages @first.. */
static void fill_pages(void *p, uint64_t first, size_t npages, uint64_t seed)
{
	size_t words = pgsz / sizeof(uint64_t), pg, w;

	for (pg = 0; pg < npages; pg++) {
		volatile uint64_t *q = (uint64_t *)((char *)p + pg * pgsz);

		for (w = 0; w < words; w++)
			q[w] = pat(seed, first + pg, w);
	}
}

/* Index of the first page that differs from fill_pages(), or -1. */
static long check_pages(const void *p, uint64_t first, size_t npages,
			uint64_t seed)
{
	size_t words = pgsz / sizeof(uint64_t), pg, w;

	for (pg = 0; pg < npages; pg++) {
		const volatile uint64_t *q =
			(const uint64_t *)((const char *)p + pg * pgsz);

		for (w = 0; w < words; w++)
			if (q[w] != pat(seed, first + pg, w))
				return (long)pg;
	}
	return -1;
}

/* Index of the first page with a non-zero byte, or -1. */
static long check_zero(const void *p, size_t npages)
{
	size_t words = pgsz / sizeof(uint64_t), pg, w;

	for (pg = 0; pg < npages; pg++) {
		const volatile uint64_t *q =
			(const uint64_t *)((const char *)p + pg * pgsz);

		for (w = 0; w < words; w++)
			if (q[w])
				return (long)pg;
	}
	return -1;
}

/* A checksum of @len bytes (FNV-1a over words). */
static uint64_t checksum(const void *p, size_t len)
{
	const volatile uint64_t *q = p;
	uint64_t h = 0xcbf29ce484222325ULL;
	size_t i;

	for (i = 0; i < len / sizeof(uint64_t); i++) {
		h ^= q[i];
		h *= 0x100000001b3ULL;
	}
	return h;
}

/* What checksum() gives for fill_pages(first, npages, seed). */
static uint64_t expected_checksum(uint64_t first, size_t npages, uint64_t seed)
{
	size_t words = pgsz / sizeof(uint64_t), pg, w;
	uint64_t h = 0xcbf29ce484222325ULL;

	for (pg = 0; pg < npages; pg++)
		for (w = 0; w < words; w++) {
			h ^= pat(seed, first + pg, w);
			h *= 0x100000001b3ULL;
		}
	return h;
}

/* ------------------------------------------------------------------------ */
/* Faults                                                                   */

static sigjmp_buf probe_env;
static volatile sig_atomic_t probe_sig;
static void *volatile probe_addr;

static void probe_handler(int sig, siginfo_t *si, void *uc)
{
	(void)uc;
	probe_sig = sig;
	probe_addr = si->si_addr;
	siglongjmp(probe_env, 1);
}

/*
 * Reads (or writes, when @write) one byte at @p.  Returns 0 when the access
 * completed, else the signal it raised (SIGBUS, SIGSEGV) with its address
 * in *@fault_addr.
 */
static int probe(volatile char *p, bool write, void **fault_addr)
{
	struct sigaction sa = { .sa_sigaction = probe_handler,
				.sa_flags = SA_SIGINFO };
	struct sigaction obus, osegv;
	int ret = 0;

	sigemptyset(&sa.sa_mask);
	sigaction(SIGBUS, &sa, &obus);
	sigaction(SIGSEGV, &sa, &osegv);
	probe_sig = 0;
	probe_addr = NULL;
	if (sigsetjmp(probe_env, 1) == 0) {
		if (write)
			*p = 0x5a;
		else
			(void)*p;
	} else {
		ret = probe_sig;
		if (fault_addr)
			*fault_addr = probe_addr;
	}
	sigaction(SIGBUS, &obus, NULL);
	sigaction(SIGSEGV, &osegv, NULL);
	return ret;
}

/* ------------------------------------------------------------------------ */
/* Where pages are, as the core kernel sees it                              */

/*
 * What move_pages(2) in query mode reports for a page behind a special PTE,
 * one no page-table walker turns into a struct page (a movable buffer's):
 * -EFAULT up to 6.11, whose do_pages_stat_array() uses follow_page() with
 * FOLL_DUMP; -ENOENT from 6.12, where it uses folio_walk_start() and finds
 * no folio ("mm/migrate: convert do_pages_stat_array() from follow_page() to
 * folio_walk", 6.12).  Either way the core sees no page, which is what the
 * tests check; only the errno is the kernel's choice.
 */
static int no_page_status(void)
{
	static int status;
	struct utsname u;
	int major = 0, minor = 0;

	if (status)
		return status;
	if (uname(&u) == 0)
		sscanf(u.release, "%d.%d", &major, &minor);
	status = (major > 6 || (major == 6 && minor >= 12)) ? -ENOENT : -EFAULT;
	return status;
}

/*
 * move_pages(2) in query mode on @npages pages at @p.  Returns the number of
 * pages whose status is not @node, with the first such page and status in
 * *@bad_page and *@bad_status; -errno when the call itself fails.
 */
static long pages_off_node(void *p, size_t npages, int node, long *bad_page,
			   int *bad_status)
{
	void **pages = calloc(npages, sizeof(*pages));
	int *status = calloc(npages, sizeof(*status));
	long r, off = 0;
	size_t i;

	*bad_page = -1;
	if (!pages || !status) {
		free(pages);
		free(status);
		return -ENOMEM;
	}
	for (i = 0; i < npages; i++) {
		pages[i] = (char *)p + i * pgsz;
		status[i] = INT_MIN;
	}
	r = syscall(SYS_move_pages, 0, (unsigned long)npages, pages, NULL,
		    status, 0);
	if (r < 0) {
		r = -errno;
		goto out;
	}
	for (i = 0; i < npages; i++) {
		if (status[i] == node)
			continue;
		if (!off++) {
			*bad_page = (long)i;
			*bad_status = status[i];
		}
	}
	r = off;
out:
	free(pages);
	free(status);
	return r;
}

/*
 * Node of the memory block holding @pfn per sysfs, or -1.  Memory blocks
 * never change node, so the answer is cached per block.
 */
#define PFN_NODE_CACHE 65536
static int pfn_node(uint64_t pfn)
{
	static bool possible[TOPO_MAX_NODES];
	static bool loaded;
	static short cache[PFN_NODE_CACHE];	/* node + 1, 0 unknown */
	uint64_t block_size = memory_block_size(), block;
	char path[128];
	int n;

	if (!loaded) {
		if (!block_size || sys_nodes("possible", possible) < 0)
			return -1;
		loaded = true;
	}
	block = pfn * pgsz / block_size;
	if (block < PFN_NODE_CACHE && cache[block])
		return cache[block] - 1;
	for (n = 0; n < TOPO_MAX_NODES; n++) {
		if (!possible[n])
			continue;
		snprintf(path, sizeof(path),
			 "/sys/devices/system/node/node%d/memory%" PRIu64, n,
			 block);
		if (!access(path, F_OK)) {
			if (block < PFN_NODE_CACHE)
				cache[block] = (short)(n + 1);
			return n;
		}
	}
	return -1;
}

/*
 * Second opinion from /proc/self/pagemap: for each present page, the node of
 * its memory block.  Returns the number of pages found present (0 when the
 * mapping is invisible to pagemap, as VM_PFNMAP mappings are), with the
 * number not on @node in *@off and the first in *@bad_page / *@bad_node.
 */
static long pagemap_nodes(void *p, size_t npages, int node, long *off,
			  long *bad_page, int *bad_node)
{
	int fd = open("/proc/self/pagemap", O_RDONLY | O_CLOEXEC);
	long present = 0;
	size_t i;

	*off = 0;
	*bad_page = -1;
	if (fd < 0)
		return -errno;
	for (i = 0; i < npages; i++) {
		uint64_t e, pfn;
		off_t pos = (off_t)(((uintptr_t)p / pgsz + i) * sizeof(e));
		int n;

		if (pread(fd, &e, sizeof(e), pos) != sizeof(e)) {
			close(fd);
			return -EIO;
		}
		if (!(e & (1ULL << 63)))
			continue;
		pfn = e & ((1ULL << 55) - 1);
		if (!pfn)	/* PFNs hidden (no CAP_SYS_ADMIN) */
			continue;
		present++;
		n = pfn_node(pfn);
		if (n != node && !(*off)++) {
			*bad_page = (long)i;
			*bad_node = n;
		}
	}
	close(fd);
	return present;
}

/*
 * ASSERT that each of @npages (present) pages at @p is on @node, as the core
 * kernel sees it:
 *  - /proc/self/pagemap PFNs, mapped to nodes by the sysfs memory blocks,
 *    must show every page, each on @node;
 *  - move_pages(2) in query mode must see no page (no_page_status()): the
 *    header promises special PTEs that no page-table walker turns into a
 *    struct page (that is what keeps GUP, and futexes, away from movable
 *    buffer pages).  A page it does see is a broken promise, on @node or not.
 */
#define assert_pages_on_node(p, npages, node) \
	__assert_pages_on_node(_metadata, p, npages, node)
static void __assert_pages_on_node(struct __test_metadata *_metadata, void *p,
				   size_t npages, int node)
{
	long off, bad_page = -1, present;
	int bad_status = 0, bad_node = -1;

	present = pagemap_nodes(p, npages, node, &off, &bad_page, &bad_node);
	if (present < 0)
		TH_LOG("pagemap: %s", errname((int)present));
	ASSERT_LE(0, present);
	if (off)
		TH_LOG("pagemap: %ld of %ld pages not in node %d's memory "
		       "blocks; first: page %ld in node %d", off, present, node,
		       bad_page, bad_node);
	ASSERT_EQ(0, off);
	if (present != (long)npages)
		TH_LOG("pagemap shows %ld of %zu pages", present, npages);
	ASSERT_EQ((long)npages, present);

	off = pages_off_node(p, npages, no_page_status(), &bad_page,
			     &bad_status);
	if (off < 0)
		TH_LOG("move_pages(query) failed: %s", errname((int)off));
	ASSERT_LE(0, off);
	if (off)
		TH_LOG("move_pages saw %ld of %zu pages; first: page %ld "
		       "status %d (%s)", off, npages, bad_page, bad_status,
		       bad_status < 0 ? errname(bad_status) : "a node");
	ASSERT_EQ(0, off);
}

/* VmFlags of the mapping at @addr from /proc/self/smaps into @flags. */
static int vma_flags(void *addr, char *flags, size_t len)
{
	FILE *f = fopen("/proc/self/smaps", "re");
	char line[512];
	bool in = false;
	uintptr_t a = (uintptr_t)addr;

	if (!f)
		return -errno;
	while (fgets(line, sizeof(line), f)) {
		unsigned long lo, hi;

		/* "lo-hi perms offset dev inode path": a new mapping */
		if (sscanf(line, "%lx-%lx ", &lo, &hi) == 2) {
			in = a >= lo && a < hi;
			continue;
		}
		if (in && !strncmp(line, "VmFlags:", 8)) {
			size_t n = strlen(line + 8);

			if (n >= len)
				n = len - 1;
			memcpy(flags, line + 8, n);
			flags[n] = 0;
			fclose(f);
			return 0;
		}
	}
	fclose(f);
	return -ENOENT;
}

/* Whether the VmFlags string has the two-letter flag @fl. */
static bool has_vmflag(const char *flags, const char *fl)
{
	const char *p = flags;

	while ((p = strstr(p, fl))) {
		bool start = p == flags || p[-1] == ' ';
		bool end = !p[2] || p[2] == ' ' || p[2] == '\n';

		if (start && end)
			return true;
		p++;
	}
	return false;
}

/* ------------------------------------------------------------------------ */
/* Children                                                                 */

/*
 * Waits for @pid; returns its exit status (0..255), or 1000 + signal when it
 * was killed.
 */
static int wait_child(pid_t pid)
{
	int st;

	while (waitpid(pid, &st, 0) < 0)
		if (errno != EINTR)
			return -errno;
	if (WIFEXITED(st))
		return WEXITSTATUS(st);
	if (WIFSIGNALED(st))
		return 1000 + WTERMSIG(st);
	return -1;
}

/* ------------------------------------------------------------------------ */
/* Per-test context: /dev/cxltier, the node table, the kernel-log mark      */

struct ctx {
	int dev;
	struct topo topo;
	struct kmsg kmsg;
};

#define ctx_setup(c, fixture, variant) \
	__ctx_setup(_metadata, c, fixture, variant)
static void __ctx_setup(struct __test_metadata *_metadata, struct ctx *c,
			const char *fixture, const char *variant)
{
	int r;

	c->dev = -1;
	c->kmsg.fd = -1;
	kmsg_note("cxltier_test: begin %s%s%s.%s", fixture,
		  variant ? "." : "", variant ? variant : "", _metadata->name);
	r = kmsg_mark(&c->kmsg);
	if (r < 0 && !env_is("CXLTIER_TEST_NO_KMSG", "1")) {
		TH_LOG("cannot read /dev/kmsg (%s): run as root, or set "
		       "CXLTIER_TEST_NO_KMSG=1 to run without the kernel-log "
		       "verdict", errname(r));
		ASSERT_TRUE(false);
	}
	c->dev = open(CXLTIER_DEVICE_PATH, O_RDWR | O_CLOEXEC);
	if (c->dev < 0)
		TH_LOG("open %s: %s", CXLTIER_DEVICE_PATH, strerror(errno));
	ASSERT_LE(0, c->dev);
	ASSERT_OK(topo_load(c->dev, &c->topo));
	ASSERT_LT(0U, c->topo.nr);
}

#define ctx_teardown(c) __ctx_teardown(_metadata, c)
static void __ctx_teardown(struct __test_metadata *_metadata, struct ctx *c)
{
	if (c->dev >= 0)
		close(c->dev);
	c->dev = -1;
	topo_free(&c->topo);
	if (kmsg_verdict(&c->kmsg)) {
		/* a kernel problem beats a skip or a pass */
		_metadata->skip = 0;
		_metadata->passed = 0;
	}
}

/* ------------------------------------------------------------------------ */
/* Fixtures with one variant per kind of node                               */

/* A node kind as a fixture variant. */
#define NODE_VARIANTS(fixture)						\
	FIXTURE_VARIANT(fixture) {					\
		const char *name;					\
		enum node_kind kind;					\
	};								\
	FIXTURE_VARIANT_ADD(fixture, dram) {				\
		.name = "dram", .kind = NK_DRAM };			\
	FIXTURE_VARIANT_ADD(fixture, cxl) {				\
		.name = "cxl", .kind = NK_CXL }

/* Skips (fails in strict mode) a test whose setup found no node. */
#define NEED_NODE_KIND(self, kind) do {					\
	if (!(self)->n)							\
		SKIP_TOPO(return, "no %s with enough free memory",	\
			  node_kind_name[kind]);			\
} while (0)

#define NEED_NODE(self, variant) NEED_NODE_KIND(self, (variant)->kind)

/* ------------------------------------------------------------------------ */
/* Children, other processes, pins                                          */

/*
 * Runs @fn(@arg) in a child, so that a kernel oops it causes (which kills
 * the calling task) still leaves this test to report it and to scan the
 * kernel log.  Returns @fn's result (-errno or >= 0), or -1000 - signal when
 * the child was killed.
 */
static int in_child(int (*fn)(void *), void *arg)
{
	int pfd[2], r = -EIO, st;
	pid_t pid;

	if (pipe(pfd))
		return -errno;
	pid = fork();
	if (pid < 0)
		return -errno;
	if (!pid) {
		close(pfd[0]);
		r = fn(arg);
		if (write(pfd[1], &r, sizeof(r)) != sizeof(r))
			_exit(1);
		_exit(0);
	}
	close(pfd[1]);
	if (read(pfd[0], &r, sizeof(r)) != sizeof(r))
		r = -EIO;
	close(pfd[0]);
	st = wait_child(pid);
	if (st >= 1000)
		return -st;
	return r;
}

#define EXPECT_CHILD_ERRNO(err, r, what) do {				\
	if ((r) <= -1000)						\
		TH_LOG("%s: the process was killed by signal %d (kernel " \
		       "oops?)", what, -(r) - 1000);			\
	EXPECT_ERRNO(err, r, " (%s)", what);				\
} while (0)

/* "At once": generous for TCG, far below the harness timeout. */
#define GUP_PROMPT_S 5.0

/* process_vm_readv() from our own mapping: -EFAULT, touched or not. */
static ssize_t vm_readv(void *remote, void *local, size_t len)
{
	struct iovec l = { .iov_base = local, .iov_len = len };
	struct iovec r = { .iov_base = remote, .iov_len = len };
	ssize_t n = process_vm_readv(getpid(), &l, 1, &r, 1, 0);

	return n < 0 ? -errno : n;
}

static ssize_t vm_writev(void *remote, void *local, size_t len)
{
	struct iovec l = { .iov_base = local, .iov_len = len };
	struct iovec r = { .iov_base = remote, .iov_len = len };
	ssize_t n = process_vm_writev(getpid(), &l, 1, &r, 1, 0);

	return n < 0 ? -errno : n;
}

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

/*
 * What the GUP and long-term pin fixtures pin: a buffer of @np pages on a
 * node of @kind with 64 MiB free (none: *@n is NULL and nothing else is
 * made), its first half written (fill_pages() with @seed); and, as the
 * control, an anonymous mapping of @np pages, all written.  The fixture
 * starts with fd -1 and MAP_FAILED mappings; pin_targets_teardown() undoes
 * what was made.
 */
#define pin_targets_setup(kind, np, seed)				\
	__pin_targets_setup(_metadata, &self->c, kind, np, seed, &self->n, \
			    &self->fd, &self->p, &self->anon)
static void __pin_targets_setup(struct __test_metadata *_metadata,
				struct ctx *c, enum node_kind kind, size_t np,
				uint64_t seed,
				const struct cxltier_node_info **n, int *fd,
				char **p, char **anon)
{
	*fd = -1;
	*p = MAP_FAILED;
	*anon = MAP_FAILED;
	*n = topo_pick(&c->topo, kind, 64 * MiB);
	if (!*n)
		return;
	*fd = buf_create(c->dev, np * pgsz, (*n)->node);
	ASSERT_OK(*fd);
	*p = map_buf(*fd, np * pgsz, 0);
	ASSERT_NE(MAP_FAILED, *p);
	fill_pages(*p, 0, np / 2, seed);
	*anon = mmap(NULL, np * pgsz, PROT_READ | PROT_WRITE,
		     MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, *anon);
	fill_pages(*anon, 0, np, seed);
}

static void pin_targets_teardown(size_t np, int fd, char *p, char *anon)
{
	if (p != MAP_FAILED)
		munmap(p, np * pgsz);
	if (anon != MAP_FAILED)
		munmap(anon, np * pgsz);
	if (fd >= 0)
		close(fd);
}

/* ------------------------------------------------------------------------ */
/* Free memory coming back                                                  */

/*
 * Free memory is noisy.  Pages on the per-CPU free lists are free but not
 * in MemFree (nor, likely, in GET_INFO free_bytes), and those lists hold up
 * to 2195 pages (8.6 MiB) per CPU for a 1 GiB movable node of the default
 * topology: so free memory here is MemFree (or free_bytes) plus the lists'
 * counts from /proc/zoneinfo, read by a process pinned to one CPU.  The rest
 * (vmstat drift, other users) stays within these tolerances, doubled on a
 * node with CPUs, which sees other users.
 */
#define LEAK_SLACK (4 * MiB)		/* memory back after free */

/*
 * Free memory is noisy.  Pages on the per-CPU free lists are free but not
 * in MemFree (nor, likely, in GET_INFO free_bytes), and those lists hold up
 * to 2195 pages (8.6 MiB) per CPU for a 1 GiB movable node of the default
 * topology: so free memory here is MemFree (or free_bytes) plus the lists'
 * counts from /proc/zoneinfo, read by a process pinned to one CPU.  The rest
 * (vmstat drift, other users) stays within these tolerances, doubled on a
 * node with CPUs, which sees other users.
 */
#define LEAK_SLACK (4 * MiB)		/* memory back after free */
#define DROP_SLACK (4 * MiB)		/* memory taken by a buffer */

/*
 * Waits (a few seconds at most) until the node's free memory is back to
 * within @slack of @base by both measures.  true when it is.
 */
#define wait_free_back(dev, node, base, slack) \
	__wait_free_back(_metadata, dev, node, base, slack)
static bool __wait_free_back(struct __test_metadata *_metadata, int dev,
			     unsigned int node, const struct node_free *base,
			     unsigned long long slack)
{
	struct node_free f = { 0, 0, 0 };
	int i;

	for (i = 0; i < 25; i++) {
		settle_memory();
		if (read_node_free(dev, node, &f) < 0)
			break;
		if ((f.info < 0 || f.info + (long long)slack >= base->info) &&
		    f.sys + (long long)slack >= base->sys)
			return true;
		usleep(200 * 1000);
	}
	TH_LOG("node %u free memory not back: GET_INFO %lld -> %lld (%+lld "
	       "KiB), MemFree %lld -> %lld (%+lld KiB), per-CPU lists %lld -> "
	       "%lld KiB (included), slack %llu KiB", node, base->info, f.info,
	       (f.info - base->info) / 1024, base->sys, f.sys,
	       (f.sys - base->sys) / 1024, base->pcp / 1024, f.pcp / 1024,
	       slack / 1024);
	return false;
}

/* ------------------------------------------------------------------------ */
/* Memory blocks going offline, nodes running out                           */

/* What write_block_state() writes, from a child, to a memory block. */
struct block_state {
	uint64_t block;
	const char *state;
	unsigned int timeout_s;
};

static int write_block_state(void *arg)
{
	const struct block_state *bs = arg;
	char path[128];

	snprintf(path, sizeof(path),
		 "/sys/devices/system/memory/memory%" PRIu64 "/state",
		 bs->block);
	alarm(bs->timeout_s);	/* offline_pages() retries until a signal */
	return write_text(path, bs->state);
}

/*
 * Puts the block @bs took offline back online (movable), logging an error
 * other than -EINVAL (it was online already).
 */
#define block_online_again(bs) __block_online_again(_metadata, bs)
static void __block_online_again(struct __test_metadata *_metadata,
				 struct block_state *bs)
{
	int r;

	bs->state = "online_movable";
	r = in_child(write_block_state, bs);
	if (r && r != -EINVAL)
		TH_LOG("onlining memory%" PRIu64 " again: %s", bs->block,
		       errname(r));
}

static sigjmp_buf fill_env;
static void *volatile fill_addr;

static void fill_handler(int sig, siginfo_t *si, void *uc)
{
	(void)sig;
	(void)uc;
	fill_addr = si->si_addr;
	siglongjmp(fill_env, 1);
}

/*
 * Writes the page index into each of @np pages at @p until a SIGBUS;
 * returns how many pages were written, the fault address in *@fault.
 */
static size_t touch_until_sigbus(char *p, size_t np, void **fault)
{
	struct sigaction sa = { .sa_sigaction = fill_handler,
				.sa_flags = SA_SIGINFO }, old;
	static volatile size_t i;

	sigemptyset(&sa.sa_mask);
	sigaction(SIGBUS, &sa, &old);
	*fault = NULL;
	fill_addr = NULL;
	if (sigsetjmp(fill_env, 1) == 0) {
		for (i = 0; i < np; i++)
			*(volatile uint64_t *)(p + i * pgsz) = i + 1;
	} else {
		*fault = fill_addr;
	}
	sigaction(SIGBUS, &old, NULL);
	return i;
}

#endif /* CXLTIER_TEST_H */
