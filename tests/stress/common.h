/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Helpers shared by cxltier_stress.c and cxltier_fuzz.c: waiting for free
 * memory to come back, the kernel-log check, a random number generator,
 * output.  What the kselftest suite reads from the machine too (small files,
 * the node table, free memory per node, /dev/kmsg, device-dax devices) is in
 * ../lib/cxlt_common.h.
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

#include "../lib/cxlt_common.h"

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
/* Free memory of the nodes                                                 */

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

/* Best effort: empty the page cache and slab caches, fold vmstat counters. */
static void settle_memory(void)
{
	sync();
	write_text("/proc/sys/vm/drop_caches", "3");
	shrink_slabs();
	write_text("/proc/sys/vm/stat_refresh", "1");
	sleep_ms(20);
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
 * Reads what was logged since kmsg_mark() (or the last call); calls @report
 * for each line that reports a kernel problem (kmsg_bad(), the patterns of
 * the kselftest suite's verdict; at most @max of them) and returns how many
 * there were.  The VM runner fails the run on them too; this names them
 * next to the test's own output.
 */
static inline int kmsg_scan(struct kmsg *k, void (*report)(const char *line), int max)
{
	char msg[1024];
	int bad = 0;

	if (k->fd < 0)
		return 0;
	while (kmsg_next(k, msg, sizeof(msg)) > 0)
		if (kmsg_bad(msg) && bad++ < max)
			report(msg);
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

/* ------------------------------------------------------------------------ */
/* Free memory before and after a run, every node                           */

/*
 * settle_memory(), then every node's free memory into @base[]: 0, or -1
 * after saying which node could not be read and "@prog: 0 passed, 1
 * failed".
 */
static inline int read_free_base(int dev, const struct topo *t,
			  struct node_free *base, const char *prog)
{
	unsigned int i;

	settle_memory();
	for (i = 0; i < t->nr; i++)
		if (read_node_free(dev, t->nodes[i].node, &base[i])) {
			out("%s: cannot read node %u free memory", prog,
			    t->nodes[i].node);
			out("%s: 0 passed, 1 failed", prog);
			return -1;
		}
	return 0;
}

/*
 * At the end of a run: waits for node @n's free memory to come back to
 * @base within its slack and prints what came back.  Returns whether it
 * did, with the failure (for the caller's check) in @why.
 */
static inline bool node_free_back(int dev, const struct cxltier_node_info *n,
			   const struct node_free *base, const char *prog,
			   char *why, size_t len)
{
	unsigned long long slack = free_slack(n);
	struct node_free f;
	bool ok = wait_free_back(dev, n->node, base, slack, &f);

	out("%s: node %u free: GET_INFO %+lld KiB, MemFree %+lld KiB "
	    "(per-CPU lists %lld -> %lld KiB, included), slack %llu KiB",
	    prog, n->node, (f.info - base->info) / 1024,
	    (f.sys - base->sys) / 1024, base->pcp / 1024, f.pcp / 1024,
	    slack / 1024);
	snprintf(why, len, "node %u free memory not back: GET_INFO %lld -> "
		 "%lld (%+lld KiB), MemFree %lld -> %lld (%+lld KiB)", n->node,
		 base->info, f.info, (f.info - base->info) / 1024, base->sys,
		 f.sys, (f.sys - base->sys) / 1024);
	return ok;
}

#endif /* CXLTIER_STRESS_COMMON_H */
