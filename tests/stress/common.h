/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Helpers shared by cxltier_stress.c and cxltier_fuzz.c: small files, the
 * node table, free memory per node, a random number generator.
 *
 * Standalone on purpose (no kselftest harness): both programs are long
 * randomised runs that count checks and print "N passed, N failed" at the
 * end, which tests/check.sh understands.  Everything is static.
 */
#ifndef CXLTIER_STRESS_COMMON_H
#define CXLTIER_STRESS_COMMON_H

#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
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
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>

#include <linux/cxltier.h>

#define KiB (1ULL << 10)
#define MiB (1ULL << 20)
#define GiB (1ULL << 30)

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

/* Node ids we can name: MAX_NUMNODES is at most 1 << 10 on x86. */
#define MAX_NODE_IDS 1024

static size_t pgsz;		/* the base page size */
static unsigned int pgshift;	/* log2(pgsz) */

static void __attribute__((constructor)) common_init_page_size(void)
{
	pgsz = (size_t)sysconf(_SC_PAGESIZE);
	pgshift = (unsigned int)__builtin_ctzl(pgsz);
}

static inline uint64_t round_up_pg(uint64_t v)
{
	return (v + pgsz - 1) & ~(uint64_t)(pgsz - 1);
}

static inline const char *errname(int e)
{
	const char *n;

	if (e < 0)
		e = -e;
	if (e == 0)
		return "success";
	n = strerrorname_np(e);
	return n ? n : "unknown-errno";
}

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void sleep_ms(unsigned int ms)
{
	struct timespec ts = { ms / 1000, (long)(ms % 1000) * 1000000L };

	while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
		;
}

/* ------------------------------------------------------------------------ */
/* Random numbers: splitmix64 to seed, xoshiro256** to run                  */

struct rng {
	uint64_t s[4];
};

static inline uint64_t splitmix64(uint64_t *x)
{
	uint64_t z = (*x += 0x9E3779B97F4A7C15ULL);

	z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
	z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
	return z ^ (z >> 31);
}

static void rng_seed(struct rng *r, uint64_t seed)
{
	int i;

	for (i = 0; i < 4; i++)
		r->s[i] = splitmix64(&seed);
}

static inline uint64_t rotl64(uint64_t x, int k)
{
	return (x << k) | (x >> (64 - k));
}

static inline uint64_t rnd64(struct rng *r)
{
	uint64_t *s = r->s;
	uint64_t res = rotl64(s[1] * 5, 7) * 9, t = s[1] << 17;

	s[2] ^= s[0];
	s[3] ^= s[1];
	s[1] ^= s[2];
	s[0] ^= s[3];
	s[2] ^= t;
	s[3] = rotl64(s[3], 45);
	return res;
}

/* Uniform in [0, n); 0 when n is 0. */
static inline uint64_t rnd(struct rng *r, uint64_t n)
{
	return n ? rnd64(r) % n : 0;
}

/* Uniform in [lo, hi]. */
static inline uint64_t rnd_range(struct rng *r, uint64_t lo, uint64_t hi)
{
	return lo + rnd(r, hi - lo + 1);
}

/* true with probability 1/n */
static inline bool one_in(struct rng *r, unsigned int n)
{
	return rnd(r, n) == 0;
}

/* ------------------------------------------------------------------------ */
/* Files                                                                    */

/* Reads a small text file, NUL-terminated; returns its length or -errno. */
static int read_text(const char *path, char *buf, size_t len)
{
	size_t got = 0;
	ssize_t n;
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		return -errno;
	while (got + 1 < len) {
		n = read(fd, buf + got, len - 1 - got);
		if (n < 0) {
			int e = errno;

			if (e == EINTR)
				continue;
			close(fd);
			return -e;
		}
		if (!n)
			break;
		got += (size_t)n;
	}
	buf[got] = 0;
	close(fd);
	return (int)got;
}

/* Writes @text to @path in one write(); 0 or -errno. */
static int write_text(const char *path, const char *text)
{
	ssize_t n;
	int fd = open(path, O_WRONLY | O_CLOEXEC);

	if (fd < 0)
		return -errno;
	n = write(fd, text, strlen(text));
	if (n < 0) {
		int e = errno;

		close(fd);
		return -e;
	}
	close(fd);
	return 0;
}

static int __attribute__((unused)) count_open_fds(void)
{
	DIR *d = opendir("/proc/self/fd");
	struct dirent *e;
	int n = 0;

	if (!d)
		return -errno;
	while ((e = readdir(d)))
		if (e->d_name[0] != '.')
			n++;
	closedir(d);
	return n - 1;	/* the directory's own fd */
}

/* ------------------------------------------------------------------------ */
/* Nodes                                                                    */

struct topo {
	struct cxltier_info info;	/* as the table query returned it */
	unsigned int nr;
	struct cxltier_node_info *nodes;
};

/* GET_INFO count query then table; 0 or -errno. */
static int topo_load(int dev, struct topo *t)
{
	int tries;

	memset(t, 0, sizeof(*t));
	for (tries = 0; tries < 5; tries++) {
		struct cxltier_info q = { .size = sizeof(q) };

		if (ioctl(dev, CXLTIER_IOC_GET_INFO, &q) < 0)
			return -errno;
		free(t->nodes);
		t->nodes = calloc(q.nr_nodes + 1, sizeof(*t->nodes));
		if (!t->nodes)
			return -ENOMEM;
		q.nodes = (uintptr_t)t->nodes;
		q.nr_nodes += 1;
		q.node_entry_size = sizeof(*t->nodes);
		if (ioctl(dev, CXLTIER_IOC_GET_INFO, &q) < 0) {
			if (errno == EMSGSIZE)	/* a node came online */
				continue;
			return -errno;
		}
		t->info = q;
		t->nr = q.nr_nodes;
		return 0;
	}
	return -EMSGSIZE;
}

static void topo_free(struct topo *t)
{
	free(t->nodes);
	t->nodes = NULL;
	t->nr = 0;
}

static const struct cxltier_node_info *topo_find(const struct topo *t,
						 unsigned int node)
{
	unsigned int i;

	for (i = 0; i < t->nr; i++)
		if (t->nodes[i].node == node)
			return &t->nodes[i];
	return NULL;
}

/* A field of /sys/devices/system/node/nodeN/meminfo in bytes, or -errno. */
static long long node_meminfo(int node, const char *key)
{
	char path[128], buf[8192], *p;
	size_t klen = strlen(key);
	int r;

	snprintf(path, sizeof(path), "/sys/devices/system/node/node%d/meminfo",
		 node);
	r = read_text(path, buf, sizeof(buf));
	if (r < 0)
		return r;
	/* "Node 0 MemTotal:       2030116 kB" */
	for (p = buf; p && *p; p = strchr(p, '\n'), p = p ? p + 1 : NULL) {
		char *k = strchr(p, ' ');

		if (!k)
			break;
		k = strchr(k + 1, ' ');
		if (!k)
			break;
		k++;
		if (!strncmp(k, key, klen) && k[klen] == ':')
			return strtoll(k + klen + 1, NULL, 10) * 1024LL;
	}
	return -ENOENT;
}

/*
 * Bytes on the node's per-CPU free lists (/proc/zoneinfo pagesets "count:",
 * all CPUs, all zones): free pages that neither MemFree nor GET_INFO
 * free_bytes counts.  -errno on error.
 */
static long long node_pcp_bytes(int node)
{
	FILE *f = fopen("/proc/zoneinfo", "re");
	unsigned long long pages = 0, v;
	char line[512], name[64];
	int cur = -1, n;

	if (!f)
		return -errno;
	while (fgets(line, sizeof(line), f)) {
		if (sscanf(line, "Node %d, zone %63s", &n, name) == 2) {
			cur = n;
			continue;
		}
		if (cur == node && sscanf(line, " count: %llu", &v) == 1)
			pages += v;
	}
	fclose(f);
	return (long long)(pages * pgsz);
}

/* Best effort: empty the page cache and slab caches, fold vmstat counters. */
/*
 * Shrink every slab cache (/sys/kernel/slab/NAME/shrink): on a KASAN kernel
 * this also empties its quarantine of freed objects, whose slabs otherwise
 * hold tens of megabytes of the node with CPUs after a stress run.
 */
static void shrink_slabs(void)
{
	DIR *d = opendir("/sys/kernel/slab");
	struct dirent *e;
	char path[320];

	if (!d)
		return;
	while ((e = readdir(d))) {
		if (e->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "/sys/kernel/slab/%s/shrink",
			 e->d_name);
		write_text(path, "1");
	}
	closedir(d);
}

static void settle_memory(void)
{
	sync();
	write_text("/proc/sys/vm/drop_caches", "3");
	shrink_slabs();
	write_text("/proc/sys/vm/stat_refresh", "1");
	sleep_ms(20);
}

/*
 * Free memory of a node, two ways, both including the per-CPU lists: what
 * GET_INFO says (free_bytes) and what the core says (nodeN/meminfo MemFree).
 */
struct node_free {
	long long info;
	long long sys;
	long long pcp;
};

static int read_node_free(int dev, unsigned int node, struct node_free *f)
{
	const struct cxltier_node_info *n;
	struct topo t;
	int r;

	r = topo_load(dev, &t);
	if (r < 0)
		return r;
	n = topo_find(&t, node);
	if (!n) {
		topo_free(&t);
		return -ENODEV;
	}
	f->info = (long long)n->free_bytes;
	topo_free(&t);
	f->pcp = node_pcp_bytes((int)node);
	if (f->pcp < 0)
		return (int)f->pcp;
	f->info += f->pcp;
	f->sys = node_meminfo((int)node, "MemFree");
	if (f->sys < 0)
		return (int)f->sys;
	f->sys += f->pcp;
	return 0;
}

/*
 * How much free memory a node may lack at the end of a run and still count
 * as "back", both programs.  Measured free memory includes the per-CPU
 * lists (read from /proc/zoneinfo), so what is left is noise: vmstat
 * drift (up to stat_threshold pages per CPU and zone, folded by
 * stat_refresh but racing with the rest of the system), and on a node with
 * CPUs everything else the guest does meanwhile: the kernel's own slab
 * and page-table pages, the 9p client, the runner's shell.  4 MiB on a
 * node without CPUs (what the kselftest suite uses), 16 MiB on a node with
 * CPUs.  A leaked buffer of the smallest size the stress test makes
 * (4 KiB) is below this; what the slack is for is catching a buffer's
 * worth of pages, or pages stranded by migration, which are megabytes.
 */
#define FREE_SLACK_NOCPU (4 * MiB)
#define FREE_SLACK_CPU (16 * MiB)

/*
 * On a KASAN kernel (the debug kernel) the node with CPUs also carries
 * KASAN's shadow of every slab and page-table page and kmemleak's object
 * pool, which grow with what the run did: 64 MiB there.  Nodes without
 * CPUs, where buffer pages are all that changes, keep 4 MiB.
 */
#define FREE_SLACK_CPU_KASAN (64 * MiB)

static bool kernel_has_kasan(void)
{
	static int has = -1;

	if (has < 0)
		has = access("/sys/kernel/debug/kmemleak", F_OK) == 0 ||
		      access("/sys/module/kasan", F_OK) == 0;
	return has;
}

static unsigned long long free_slack(const struct cxltier_node_info *n)
{
	if (!(n->flags & CXLTIER_NODE_HAS_CPUS))
		return FREE_SLACK_NOCPU;
	return kernel_has_kasan() ? FREE_SLACK_CPU_KASAN : FREE_SLACK_CPU;
}

/*
 * Waits (about 10 s at most) until the node's free memory is back to within
 * @slack of @base by both measures.  true when it is; *@last gets the last
 * reading.
 */
static bool wait_free_back(int dev, unsigned int node,
			   const struct node_free *base,
			   unsigned long long slack, struct node_free *last)
{
	struct node_free f = { 0, 0, 0 };
	int i;

	for (i = 0; i < 40; i++) {
		settle_memory();
		if (read_node_free(dev, node, &f) < 0)
			break;
		if (f.info + (long long)slack >= base->info &&
		    f.sys + (long long)slack >= base->sys)
			break;
		sleep_ms(250);
	}
	*last = f;
	return f.info + (long long)slack >= base->info &&
	       f.sys + (long long)slack >= base->sys;
}

/* ------------------------------------------------------------------------ */
/* The kernel log                                                           */

/*
 * Lines after a mark in /dev/kmsg that report a kernel problem (the same
 * patterns as the kselftest suite's verdict): the VM runner fails the run
 * on them too, this names them next to the test's own output.
 */
static const char *const kmsg_bad_patterns[] = {
	"BUG:", "WARNING:", "Oops", "KASAN", "UBSAN", "kernel BUG",
	"general protection fault", "Call Trace:", "RIP:",
	"lockdep", "possible circular locking", "possible recursive locking",
	"inconsistent lock state", "suspicious RCU usage",
	"DEBUG_LOCKS_WARN_ON", "lock held when returning",
	"unreferenced object", "soft lockup", "hard LOCKUP",
	"blocked for more than", "detected stall", "Bad page",
	"invoked oom-killer", "page allocation failure", "refcount_t:",
	"list_add corruption", "list_del corruption", "double fault",
};

/* A reader positioned at the end of the log, or -1. */
static int kmsg_mark(void)
{
	int fd = open("/dev/kmsg", O_RDONLY | O_NONBLOCK | O_CLOEXEC);

	if (fd >= 0 && lseek(fd, 0, SEEK_END) < 0) {
		close(fd);
		fd = -1;
	}
	return fd;
}

/*
 * Reads what was logged since the mark (or the last call); calls @report
 * for each bad line (at most @max of them) and returns how many there were.
 */
static int kmsg_scan(int fd, void (*report)(const char *line), int max)
{
	char rec[8192];
	int bad = 0;

	if (fd < 0)
		return 0;
	for (;;) {
		ssize_t n = read(fd, rec, sizeof(rec) - 1);
		char *text, *nl;
		size_t i;

		if (n < 0 && errno == EPIPE)
			continue;	/* overwritten: go on after it */
		if (n <= 0)
			break;
		rec[n] = 0;
		text = strchr(rec, ';');
		text = text ? text + 1 : rec;
		nl = strchr(text, '\n');
		if (nl)
			*nl = 0;
		for (i = 0; i < ARRAY_SIZE(kmsg_bad_patterns); i++)
			if (strstr(text, kmsg_bad_patterns[i])) {
				if (bad++ < max)
					report(text);
				break;
			}
	}
	return bad;
}

/* ------------------------------------------------------------------------ */
/* Output                                                                   */

/*
 * One line to stdout with a single write(), so lines from threads and
 * processes never interleave.
 */
static void __attribute__((format(printf, 1, 2))) out(const char *fmt, ...)
{
	char line[2048];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(line, sizeof(line) - 1, fmt, ap);
	va_end(ap);
	if (n < 0)
		return;
	if ((size_t)n > sizeof(line) - 2)
		n = (int)sizeof(line) - 2;
	if (!n || line[n - 1] != '\n')
		line[n++] = '\n';
	if (write(STDOUT_FILENO, line, (size_t)n) < 0) {
		/* nowhere to report it */
	}
}

#endif /* CXLTIER_STRESS_COMMON_H */
