// SPDX-License-Identifier: GPL-2.0-only
/*
 * tierctl bench mem: what each node's memory gives the CPUs, measured the
 * way the cost model uses it (doc/cost-model.md): streaming read and write
 * bandwidth of all threads together and the load-to-use latency, per node,
 * on a buffer bound to the node (tier_buf_create(), so the cxltier module
 * where it is loaded and mbind(2) on shmem where it is not).  --tiers
 * prints the figures as a tier file for tierctl plan --tiers.
 *
 *   read    T threads, each a contiguous share of the buffer, 32-byte loads
 *           XORed into four accumulators;
 *   write   the same shares, non-temporal 16-byte stores where the CPU has
 *           them (x86-64), so the figure is write traffic without the
 *           read-for-ownership an ordinary store of a cold line costs: the
 *           optimizer writes lines it has just read, which need none;
 *   latency one thread, a chain of dependent loads through a random cyclic
 *           permutation (Sattolo's algorithm) of the first LAT_MAX_BYTES of
 *           the buffer's 64-byte lines.
 *
 * Workers are pinned to the CPUs of the node's nearest node with CPUs (the
 * node itself when it has some), round-robin.  GPU copies (dma-h2d,
 * dma-d2h) are not measured: that needs a GPU.
 *
 * Timing.  Each worker reads the clock itself, just before and just after
 * its share; a pass takes from the first start to the last end.  (The
 * main thread's clock after the start barrier is not that: on a loaded
 * machine it may run after the workers are done, and the figure becomes
 * impossible.)  Every run of a node is paired with the same pass of the
 * same threads on the same CPUs over a buffer of the same kind on their
 * own node (the CPUs' local memory), and a node faster than PLAUSIBLE_MAX
 * times the best of those is marked implausible: no node is much faster
 * than the CPUs' own memory under the same code.  --tiers
 * refuses to write a tier file from implausible figures or fewer than
 * TIERS_MIN_RUNS runs.
 */
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <math.h>
#include <pthread.h>
#include <sched.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/stat.h>
#ifdef __SSE2__
#include <emmintrin.h>
#endif

#include "bench.h"
#include "progress.h"
#include "table.h"
#include "tier_plan.h"
#include "tierctl.h"
#include "util.h"

#define MEM_DEFAULT_SIZE	(1ULL << 30)
#define MEM_MAX_THREADS		1024
#define MEM_MAX_NODES		TIER_MODEL_MAX_NODES
#define LAT_MAX_BYTES		(256ULL << 20)	/* chased region, at most */
#define LAT_MAX_STEPS		(1U << 22)	/* dependent loads per run */
#define LINE			64
#define SHARE_ALIGN		4096		/* a thread's share of the buffer */
#define PLAUSIBLE_MAX		2.0	/* x the CPUs' own node, same pass */
#define ANON_MAX_BYTES		(256ULL << 20)	/* the bound's buffer, at most */
#define TIERS_MIN_RUNS		3	/* medians worth a tier file */

#ifdef __SSE2__
#define WRITE_METHOD	"non-temporal stores"
#else
#define WRITE_METHOD	"stores"
#endif

static const char dma_note[] =
	"not measured: GPU copies need a GPU; the planner keeps its figures or a tier file's dma-h2d=/dma-d2h=";

/* ------------------------------------------------------------------------ */
/* Small helpers                                                              */

struct figure {
	double v[BENCH_MAX_RUNS];
	unsigned int n;
	double med, min, max;
};

static void figure_stats(struct figure *f)
{
	double s[BENCH_MAX_RUNS];

	memcpy(s, f->v, f->n * sizeof(s[0]));
	f->med = bench_median(s, f->n);
	f->min = s[0];
	f->max = s[f->n - 1];
}

/*
 * The CPUs of @node we may run on, as a list of CPU numbers: its sysfs
 * cpulist ("0-3,8") within our affinity mask.  0 or -errno.
 */
static int node_cpus(uint32_t node, const cpu_set_t *allowed, int *cpus,
		     unsigned int max, unsigned int *nr)
{
	char path[96], line[4096], *p, *end;
	FILE *f;

	*nr = 0;
	snprintf(path, sizeof(path), "/sys/devices/system/node/node%u/cpulist",
		 node);
	f = fopen(path, "r");
	if (!f)
		return -errno;
	if (!fgets(line, sizeof(line), f)) {
		fclose(f);
		return -EIO;
	}
	fclose(f);
	for (p = line; *p && *p != '\n';) {
		long lo, hi, c;

		errno = 0;
		lo = strtol(p, &end, 10);
		if (end == p || errno || lo < 0)
			return -EINVAL;
		hi = lo;
		p = end;
		if (*p == '-') {
			hi = strtol(p + 1, &end, 10);
			if (end == p + 1 || hi < lo)
				return -EINVAL;
			p = end;
		}
		for (c = lo; c <= hi && c < CPU_SETSIZE; c++)
			if (CPU_ISSET((int)c, allowed) && *nr < max)
				cpus[(*nr)++] = (int)c;
		if (*p == ',')
			p++;
		else if (*p && *p != '\n')
			return -EINVAL;
	}
	return 0;
}

/* A compact "0-3,8" form of a sorted CPU list. */
static void format_cpus(const int *cpus, unsigned int nr, char *out, size_t len)
{
	size_t used = 0;
	unsigned int i = 0;

	out[0] = '\0';
	while (i < nr && used < len) {
		unsigned int k = i;

		while (k + 1 < nr && cpus[k + 1] == cpus[k] + 1)
			k++;
		if (k == i)
			used += snprintf(out + used, len - used, "%s%d",
					 used ? "," : "", cpus[i]);
		else
			used += snprintf(out + used, len - used, "%s%d-%d",
					 used ? "," : "", cpus[i], cpus[k]);
		i = k + 1;
	}
}

/* ------------------------------------------------------------------------ */
/* Kernels                                                                    */

typedef uint64_t v4u64 __attribute__((vector_size(32)));

/* XOR of every 32-byte word of [p, p + len); len a multiple of 128. */
static __attribute__((noinline)) uint64_t read_kernel(const char *p, size_t len)
{
	const v4u64 *v = (const v4u64 *)(const void *)p;
	v4u64 a0 = { 0 }, a1 = { 0 }, a2 = { 0 }, a3 = { 0 };
	size_t i, n = len / sizeof(v4u64);

	for (i = 0; i + 4 <= n; i += 4) {
		a0 ^= v[i];
		a1 ^= v[i + 1];
		a2 ^= v[i + 2];
		a3 ^= v[i + 3];
	}
	a0 ^= a1 ^ a2 ^ a3;
	return a0[0] ^ a0[1] ^ a0[2] ^ a0[3];
}

/* @pattern into every 64-bit word of [p, p + len); len a multiple of 128. */
static __attribute__((noinline)) void write_kernel(char *p, size_t len,
						   uint64_t pattern)
{
#ifdef __SSE2__
	__m128i v = _mm_set1_epi64x((long long)pattern);
	__m128i *q = (__m128i *)(void *)p;
	size_t i, n = len / sizeof(__m128i);

	for (i = 0; i + 8 <= n; i += 8) {
		_mm_stream_si128(q + i, v);
		_mm_stream_si128(q + i + 1, v);
		_mm_stream_si128(q + i + 2, v);
		_mm_stream_si128(q + i + 3, v);
		_mm_stream_si128(q + i + 4, v);
		_mm_stream_si128(q + i + 5, v);
		_mm_stream_si128(q + i + 6, v);
		_mm_stream_si128(q + i + 7, v);
	}
	_mm_sfence();
#else
	v4u64 v = { pattern, pattern, pattern, pattern };
	v4u64 *q = (v4u64 *)(void *)p;
	size_t i, n = len / sizeof(v4u64);

	for (i = 0; i < n; i++)
		q[i] = v;
#endif
}

/* ------------------------------------------------------------------------ */
/* Workers: one pass of the current operation per start barrier             */

enum mem_op { OP_READ, OP_WRITE, OP_EXIT };

struct mem_pool;

struct mem_worker {
	struct mem_pool *pool;
	pthread_t tid;
	int cpu;
	unsigned int idx;
	uint64_t sum;		/* keeps the reads alive */
	double t0, t1;		/* ms: this worker's share of the pass */
};

struct mem_pool {
	pthread_barrier_t go, done;
	enum mem_op op;
	uint64_t pattern;
	char *base;		/* the pass's buffer, split in shares */
	size_t len;
	unsigned int nr;
	struct mem_worker w[MEM_MAX_THREADS];
};

static void *mem_worker_fn(void *arg)
{
	struct mem_worker *w = arg;
	struct mem_pool *pool = w->pool;
	size_t share, len;
	cpu_set_t set;
	char *p;

	CPU_ZERO(&set);
	CPU_SET(w->cpu, &set);
	/* best effort: a CPU taken offline meanwhile leaves it unpinned */
	(void)pthread_setaffinity_np(pthread_self(), sizeof(set), &set);
	for (;;) {
		pthread_barrier_wait(&pool->go);
		if (pool->op == OP_EXIT)
			return NULL;
		share = pool->len / pool->nr / SHARE_ALIGN * SHARE_ALIGN;
		len = w->idx == pool->nr - 1 ? pool->len - w->idx * share : share;
		p = pool->base + w->idx * share;
		w->t0 = bench_now_ms();
		if (pool->op == OP_READ)
			w->sum ^= read_kernel(p, len);
		else
			write_kernel(p, len, pool->pattern);
		w->t1 = bench_now_ms();
		pthread_barrier_wait(&pool->done);
	}
}

/* Start @nr workers on @cpus (round-robin). */
static int pool_start(struct mem_pool *pool, unsigned int nr, const int *cpus,
		      unsigned int nr_cpus)
{
	unsigned int i;
	int err;

	pool->nr = nr;
	pthread_barrier_init(&pool->go, NULL, nr + 1);
	pthread_barrier_init(&pool->done, NULL, nr + 1);
	for (i = 0; i < nr; i++) {
		struct mem_worker *w = &pool->w[i];

		w->pool = pool;
		w->cpu = cpus[i % nr_cpus];
		w->idx = i;
		w->sum = 0;
		err = pthread_create(&w->tid, NULL, mem_worker_fn, w);
		if (err) {
			/* the barriers count nr + 1: let the started ones out */
			pool->nr = i;
			return -err;
		}
	}
	return 0;
}

/*
 * ms of one pass over [@base, @base + @len), each worker a contiguous
 * share, from the first worker's start to the last one's end; never 0, so
 * that a rate is finite even for 2 MiB.
 */
static double pool_pass(struct mem_pool *pool, char *base, size_t len,
			enum mem_op op, uint64_t pattern)
{
	double t0 = 0, t1 = 0, ms;
	unsigned int i;

	pool->op = op;
	pool->pattern = pattern;
	pool->base = base;
	pool->len = len;
	pthread_barrier_wait(&pool->go);
	pthread_barrier_wait(&pool->done);
	for (i = 0; i < pool->nr; i++) {
		if (!i || pool->w[i].t0 < t0)
			t0 = pool->w[i].t0;
		if (!i || pool->w[i].t1 > t1)
			t1 = pool->w[i].t1;
	}
	ms = t1 - t0;
	return ms > 1e-6 ? ms : 1e-6;
}

static void pool_stop(struct mem_pool *pool, unsigned int want)
{
	unsigned int i;

	if (pool->nr < want) {
		/*
		 * Some threads could not start: the barriers wait for more
		 * than there are.  Nothing has waited on them yet, so start
		 * the missing ones as exit-only and go through "go" once.
		 */
		for (i = pool->nr; i < want; i++) {
			pool->w[i] = pool->w[0];
			if (pthread_create(&pool->w[i].tid, NULL, mem_worker_fn,
					   &pool->w[i]))
				abort();	/* cannot release the barrier */
		}
		pool->nr = want;
	}
	pool->op = OP_EXIT;
	pthread_barrier_wait(&pool->go);
	for (i = 0; i < pool->nr; i++)
		pthread_join(pool->w[i].tid, NULL);
	pthread_barrier_destroy(&pool->go);
	pthread_barrier_destroy(&pool->done);
}

/* ------------------------------------------------------------------------ */
/* Latency                                                                    */

/*
 * One random cycle through all @n lines at @base (Sattolo's algorithm, in
 * place: first the successor's index, then its address), the same for a
 * given @n.
 */
static void chain_build(char *base, size_t n)
{
	uint64_t seed = 0x9e3779b97f4a7c15ULL, tmp;
	size_t i, j;

	for (i = 0; i < n; i++)
		*(uint64_t *)(void *)(base + i * LINE) = i;
	for (i = n - 1; i > 0; i--) {
		j = (size_t)(bench_xorshift(&seed) % i);
		tmp = *(uint64_t *)(void *)(base + i * LINE);
		*(uint64_t *)(void *)(base + i * LINE) =
			*(uint64_t *)(void *)(base + j * LINE);
		*(uint64_t *)(void *)(base + j * LINE) = tmp;
	}
	for (i = 0; i < n; i++) {
		uint64_t next = *(uint64_t *)(void *)(base + i * LINE);

		*(char **)(void *)(base + i * LINE) = base + next * LINE;
	}
}

static __attribute__((noinline)) char *chase(char *p, unsigned int steps)
{
	while (steps--)
		p = *(char *volatile *)(void *)p;
	return p;
}

/* ------------------------------------------------------------------------ */
/* One node                                                                   */

struct mem_node {
	struct tier_node tn;
	int cpus[CPU_SETSIZE];
	unsigned int nr_cpus, threads;
	uint32_t cpu_node;
	char cpu_str[256];
	uint64_t bytes, lat_bytes;
	unsigned int lat_steps, page_shift;
	struct figure read, write, lat;	/* GB/s, GB/s, ns */
	/* the same passes over the CPUs' own node, side by side: the bound */
	struct figure anon_read, anon_write;
	size_t anon_bytes;
	bool plausible;
};

struct mem_args {
	const struct tc_cmd *cmd;
	struct tier_ctx *ctx;
	unsigned int runs;
	bool quiet;
};

/* Every page of @buf is on @node. */
static int mem_check_buf(const struct mem_args *a, struct tier_buf *buf,
			 uint32_t node)
{
	char what[32];

	snprintf(what, sizeof(what), "node %u", node);
	return bench_check_buf(a->cmd, buf, node, what);
}

/* Units of bench_node() work done, for the progress line. */
static unsigned int mem_units_done;

static int bench_node(const struct mem_args *a, struct mem_node *m)
{
	static struct mem_pool pool;
	struct tier_policy p;
	struct tier_buf *buf = NULL;
	uint32_t node = m->tn.node;
	char msg[128], s1[SIZE_STRLEN];
	unsigned int run;
	size_t lines;
	struct tier_buf *bound = NULL;
	char *addr, *anon = NULL;
	void *map;
	double ms;
	int err, ret = -1;

	memset(&p, 0, sizeof(p));
	p.mode = CXLTIER_MODE_BIND;
	/* 2 MiB pages: fewer TLB misses in the chase */
	p.page_shift = CXLTIER_HUGE_PAGE_SHIFT;
	/* populated: a node out of pages is -ENOMEM here, not a SIGBUS */
	p.flags = CXLTIER_CREATE_HUGE_FALLBACK | CXLTIER_CREATE_POPULATE;
	p.nr_nodes = 1;
	p.nodes[0].node = node;
	err = tier_buf_create(a->ctx, (size_t)m->bytes, &p, &buf);
	if (err) {
		snprintf(msg, sizeof(msg), "node %u: create a %s buffer", node,
			 format_size(m->bytes, s1, sizeof(s1)));
		tc_error(a->cmd, msg, err);
		return -1;
	}
	err = tier_buf_map(buf, &map);
	if (err) {
		snprintf(msg, sizeof(msg), "node %u: map the buffer", node);
		tc_error(a->cmd, msg, err);
		goto out;
	}
	addr = map;
	{
		struct tier_buf_stat st;

		m->page_shift = tier_buf_stat(buf, &st) ? 0 : st.page_shift;
	}

	/*
	 * The bound: the threads' own node (their local DRAM), the same kind
	 * of buffer (2 MiB pages where the node buffer has them: under an
	 * emulator 4 KiB pages cost more than any tier), far beyond any
	 * cache, and room left beside the node's buffer.
	 */
	m->anon_bytes = m->bytes < ANON_MAX_BYTES ? (size_t)m->bytes :
						    ANON_MAX_BYTES;
	p.nodes[0].node = m->cpu_node;
	/* halved while the node has no room for it beside the other */
	while ((err = tier_buf_create(a->ctx, m->anon_bytes, &p, &bound)) == -ENOMEM &&
	       m->anon_bytes / 2 / m->threads >= SHARE_ALIGN &&
	       m->anon_bytes / 2 >= (1ULL << CXLTIER_HUGE_PAGE_SHIFT))
		m->anon_bytes /= 2;
	if (!err)
		err = tier_buf_map(bound, &map);
	if (err) {
		snprintf(msg, sizeof(msg), "node %u: the bound's %s buffer on node %u",
			 node, format_size(m->anon_bytes, s1, sizeof(s1)),
			 m->cpu_node);
		tc_error(a->cmd, msg, err);
		goto out;
	}
	anon = map;
	err = pool_start(&pool, m->threads, m->cpus, m->nr_cpus);
	if (err) {
		pool_stop(&pool, m->threads);
		snprintf(msg, sizeof(msg), "node %u: start %u threads", node,
			 m->threads);
		tc_error(a->cmd, msg, err);
		goto out;
	}
	/* a first pass by the workers themselves, not counted; the bound's too */
	tc_progress_note("node %u: warm-up", node);
	pool_pass(&pool, addr, m->bytes, OP_WRITE, 0);
	pool_pass(&pool, anon, m->anon_bytes, OP_WRITE, 0);
	tc_progress_at(++mem_units_done);
	if (mem_check_buf(a, buf, node)) {
		pool_stop(&pool, m->threads);
		bench_progress(!a->quiet, "\n");
		goto out;
	}
	for (run = 1; run <= a->runs; run++) {
		tc_progress_note("node %u: run %u/%u: read", node, run, a->runs);
		ms = pool_pass(&pool, addr, m->bytes, OP_READ, 0);
		m->read.v[m->read.n++] = (double)m->bytes / (ms * 1e6);
		ms = pool_pass(&pool, anon, m->anon_bytes, OP_READ, 0);
		m->anon_read.v[m->anon_read.n++] = (double)m->anon_bytes / (ms * 1e6);
		tc_progress_append(" write");
		ms = pool_pass(&pool, addr, m->bytes, OP_WRITE, run);
		m->write.v[m->write.n++] = (double)m->bytes / (ms * 1e6);
		ms = pool_pass(&pool, anon, m->anon_bytes, OP_WRITE, run);
		m->anon_write.v[m->anon_write.n++] = (double)m->anon_bytes / (ms * 1e6);
		mem_units_done += 2;	/* a read and a write pass */
		tc_progress_at(mem_units_done);
	}
	pool_stop(&pool, m->threads);
	tier_buf_destroy(bound);
	bound = NULL;
	/* the last pass wrote run number a->runs everywhere: spot checks */
	if (*(volatile uint64_t *)(void *)addr != a->runs ||
	    *(volatile uint64_t *)(void *)(addr + m->bytes - 8) != a->runs) {
		bench_progress(!a->quiet, "\n");
		tc_errorf(a->cmd, "node %u: the buffer does not hold what the write pass wrote",
			  node);
		goto out;
	}

	/* latency: one thread on the first CPU, a chain through the lines */
	{
		cpu_set_t set, old;

		m->lat_bytes = m->bytes < LAT_MAX_BYTES ? m->bytes : LAT_MAX_BYTES;
		lines = (size_t)(m->lat_bytes / LINE);
		m->lat_steps = lines < LAT_MAX_STEPS ? (unsigned int)lines :
						       LAT_MAX_STEPS;

		sched_getaffinity(0, sizeof(old), &old);
		CPU_ZERO(&set);
		CPU_SET(m->cpus[0], &set);
		(void)sched_setaffinity(0, sizeof(set), &set);
		chain_build(addr, lines);
		{
			char *cur = addr;

			for (run = 1; run <= a->runs; run++) {
				double t0;

				tc_progress_note("node %u: latency %u/%u", node, run, a->runs);
				t0 = bench_now_ms();
				cur = chase(cur, m->lat_steps);
				m->lat.v[m->lat.n++] =
					(bench_now_ms() - t0) * 1e6 / m->lat_steps;
				tc_progress_at(++mem_units_done);
			}
			if (cur < addr || cur >= addr + m->lat_bytes) {
				(void)sched_setaffinity(0, sizeof(old), &old);
				bench_progress(!a->quiet, "\n");
				tc_errorf(a->cmd, "node %u: the pointer chain left the buffer",
					  node);
				goto out;
			}
		}
		(void)sched_setaffinity(0, sizeof(old), &old);
	}
	bench_progress(!a->quiet, "\n");
	if (mem_check_buf(a, buf, node))
		goto out;
	figure_stats(&m->read);
	figure_stats(&m->write);
	figure_stats(&m->lat);
	figure_stats(&m->anon_read);
	figure_stats(&m->anon_write);
	m->plausible = m->read.max <= PLAUSIBLE_MAX * m->anon_read.max &&
		       m->write.max <= PLAUSIBLE_MAX * m->anon_write.max;
	ret = 0;
out:
	tier_buf_destroy(bound);
	tier_buf_destroy(buf);
	return ret;
}

/* ------------------------------------------------------------------------ */
/* Output                                                                     */

static void report_table(const struct mem_args *a, const struct bench_env *e,
			 const struct mem_node *m, unsigned int nr)
{
	static const char *const hdr[] = {
		"NODE", "TIER", "CPUS", "THREADS", "SIZE", "READ GB/s", "MIN",
		"MAX", "WRITE GB/s", "MIN", "MAX", "LATENCY ns", "MIN", "MAX",
	};
	char s1[SIZE_STRLEN];
	struct table t;
	unsigned int i;

	tc_print_backend(stdout, a->ctx);
	printf("bench mem: %u node%s, %u run%s each (medians, min, max); kernel %s, %ld CPUs, THP shmem [%s]\n",
	       nr, nr == 1 ? "" : "s", a->runs, a->runs == 1 ? "" : "s",
	       e->kernel, e->cpus, e->thp_shmem);
	printf("GB/s = 10^9 bytes/s, all threads together, one pass over the buffer; write: %s; latency: dependent loads through a random cycle of 64-byte lines, one thread\n",
	       WRITE_METHOD);
	printf("CPUS: where the threads ran (the node's nearest node with CPUs); DMA (dma-h2d, dma-d2h): %s\n",
	       dma_note);
	if (tier_backend(a->ctx) != TIER_BACKEND_MODULE)
		printf("mbind backend: 2 MiB pages only where THP shmem [%s] gives them, else 4 KiB pages (more TLB misses in the latency)\n",
		       e->thp_shmem);
	printf("\n");
	table_init(&t, 14, hdr, 0x3ff9);
	for (i = 0; i < nr; i++) {
		table_add(&t, "%u", m[i].tn.node);
		table_add(&t, "%s", tc_tier_name(m[i].tn.tier));
		table_add(&t, "%s", m[i].cpu_str);
		table_add(&t, "%u", m[i].threads);
		table_add(&t, "%s", format_size(m[i].bytes, s1, sizeof(s1)));
		table_add(&t, "%.2f", m[i].read.med);
		table_add(&t, "%.2f", m[i].read.min);
		table_add(&t, "%.2f", m[i].read.max);
		table_add(&t, "%.2f", m[i].write.med);
		table_add(&t, "%.2f", m[i].write.min);
		table_add(&t, "%.2f", m[i].write.max);
		table_add(&t, "%.1f", m[i].lat.med);
		table_add(&t, "%.1f", m[i].lat.min);
		table_add(&t, "%.1f", m[i].lat.max);
	}
	tc_print_table(a->cmd, &t);
	printf("bound: the same passes, same threads and CPUs, over a buffer on their own node, side by side with each run; best of the runs:\n");
	for (i = 0; i < nr; i++) {
		printf("  node %u: node %u's %s: read %.2f, write %.2f GB/s",
		       m[i].tn.node, m[i].cpu_node,
		       format_size(m[i].anon_bytes, s1, sizeof(s1)),
		       m[i].anon_read.max, m[i].anon_write.max);
		if (m[i].plausible)
			printf(": the node's figures are within %.1fx of it\n",
			       PLAUSIBLE_MAX);
		else
			printf(": IMPLAUSIBLE: the node's best read %.2f or write %.2f GB/s is above %.1fx of it (a loaded or throttled machine, or a timer problem); run again on an idle machine\n",
			       m[i].read.max, m[i].write.max, PLAUSIBLE_MAX);
	}
	for (i = 0; i < nr; i++)
		if (m[i].lat_bytes < MEM_DEFAULT_SIZE / 4)
			break;
	if (i < nr)
		printf("(a chase over %s or less may be served by the caches: a latency for memory needs a larger --size)\n",
		       format_size(m[i].lat_bytes, s1, sizeof(s1)));
}

static void json_figure(struct json *j, const char *key, const char *unit,
			const struct figure *f)
{
	char k[64];
	unsigned int i;

	snprintf(k, sizeof(k), "%s_%s", key, unit);
	json_arr_open(j, k);
	for (i = 0; i < f->n; i++)
		json_f64(j, NULL, f->v[i]);
	json_arr_close(j);
	snprintf(k, sizeof(k), "median_%s_%s", key, unit);
	json_f64(j, k, f->med);
	snprintf(k, sizeof(k), "min_%s_%s", key, unit);
	json_f64(j, k, f->min);
	snprintf(k, sizeof(k), "max_%s_%s", key, unit);
	json_f64(j, k, f->max);
}

static void report_json(const struct mem_args *a, const struct bench_env *e,
			const struct mem_node *m, unsigned int nr)
{
	struct json j;
	unsigned int i;

	json_init(&j, stdout);
	json_obj_open(&j, NULL);
	tc_json_backend(&j, a->ctx);
	json_str(&j, "bench", "mem");
	json_str(&j, "kernel", e->kernel);
	json_i64(&j, "cpus", e->cpus);
	json_str(&j, "thp_shmem", e->thp_shmem);
	json_u64(&j, "runs", a->runs);
	json_str(&j, "write_method", WRITE_METHOD);
	json_str(&j, "dma", dma_note);
	json_f64(&j, "plausible_max", PLAUSIBLE_MAX);
	json_arr_open(&j, "nodes");
	for (i = 0; i < nr; i++) {
		json_obj_open(&j, NULL);
		json_u64(&j, "node", m[i].tn.node);
		json_str(&j, "tier", tc_tier_name(m[i].tn.tier));
		json_u64(&j, "cpu_node", m[i].cpu_node);
		json_str(&j, "cpus_used", m[i].cpu_str);
		json_u64(&j, "threads", m[i].threads);
		json_u64(&j, "bytes", m[i].bytes);
		/* the buffer's unit; mbind backend: huge pages as THP shmem allows */
		json_u64(&j, "unit_size", m[i].page_shift ? 1ULL << m[i].page_shift : 0);
		json_figure(&j, "read", "gbps", &m[i].read);
		json_figure(&j, "write", "gbps", &m[i].write);
		json_u64(&j, "latency_bytes", m[i].lat_bytes);
		json_u64(&j, "latency_loads", m[i].lat_steps);
		json_figure(&j, "latency", "ns", &m[i].lat);
		/* the bound: the CPUs' own node, the same passes, side by side */
		json_u64(&j, "bound_bytes", m[i].anon_bytes);
		json_figure(&j, "bound_read", "gbps", &m[i].anon_read);
		json_figure(&j, "bound_write", "gbps", &m[i].anon_write);
		json_bool(&j, "plausible", m[i].plausible);
		json_obj_close(&j);
	}
	json_arr_close(&j);
	json_obj_close(&j);
}

/*
 * The tier file tierctl plan --tiers reads (tier_file.c): one
 * "node ID cpu-read= cpu-write= latency=" line per node, the medians.  The
 * node's tier, capacity and flags are left to the host the plan describes
 * or reads; the DMA figures too.
 */
static void report_tiers(FILE *f, const struct mem_args *a,
			 const struct bench_env *e, const struct mem_node *m,
			 unsigned int nr)
{
	char s1[SIZE_STRLEN];
	unsigned int i;

	fprintf(f, "# tierctl bench mem --tiers, %s: kernel %s, %s backend, %u run%s, medians\n",
	       e->date, e->kernel, tier_backend_name(a->ctx), a->runs,
	       a->runs == 1 ? "" : "s");
	fprintf(f, "# cpu-read/cpu-write: GB/s (10^9 B/s) of all threads together (write: %s);\n",
	       WRITE_METHOD);
	fprintf(f, "# latency: ns per dependent load.  dma-h2d/dma-d2h are %s\n",
	       dma_note);
	for (i = 0; i < nr; i++)
		fprintf(f, "node %u cpu-read=%.6g cpu-write=%.6g latency=%.6g\t# %s, %u threads on CPUs %s, %s buffer\n",
		       m[i].tn.node, m[i].read.med, m[i].write.med, m[i].lat.med,
		       tc_tier_name(m[i].tn.tier), m[i].threads, m[i].cpu_str,
		       format_size(m[i].bytes, s1, sizeof(s1)));
}

/* ------------------------------------------------------------------------ */
/* The command                                                                */

enum { OPT_NODE = 256, OPT_SIZE, OPT_THREADS, OPT_RUNS, OPT_JSON,
       OPT_TIERS, OPT_FORMAT, OPT_QUIET };
const struct option bench_mem_opts[] = {
	{ "node", required_argument, NULL, OPT_NODE },
	{ "size", required_argument, NULL, OPT_SIZE },
	{ "threads", required_argument, NULL, OPT_THREADS },
	{ "runs", required_argument, NULL, OPT_RUNS },
	{ "json", no_argument, NULL, OPT_JSON },
	{ "tiers", optional_argument, NULL, OPT_TIERS },
	{ "format", required_argument, NULL, OPT_FORMAT },
	{ "quiet", no_argument, NULL, OPT_QUIET },
	TC_OPTS_END,
};

int bench_mem(const struct tc_cmd *cmd, int argc, char **argv)
{
	enum { FMT_TABLE, FMT_JSON, FMT_TIERS } fmt = FMT_TABLE;
	static struct mem_node nodes[MEM_MAX_NODES];
	uint64_t ids[MEM_MAX_NODES], v, size = 0, threads = 0;
	uint64_t runs = BENCH_DEFAULT_RUNS;
	unsigned int nr = 0, i, k;
	struct mem_args a = { .cmd = cmd };
	const char *tiers_path = NULL;
	char tiers_tmp[PATH_MAX];
	FILE *tiers_file = NULL;
	unsigned int nr_bad = 0;
	bool fmt_given = false;
	char s1[SIZE_STRLEN], s2[SIZE_STRLEN];
	cpu_set_t allowed;
	struct bench_env e;
	int c, err, ret = 1;

	opterr = 0;
	while ((c = getopt_long(argc, argv, ":h", bench_mem_opts, NULL)) != -1) {
		int want = -1;

		switch (c) {
		case OPT_NODE:
			if (parse_uint(optarg, INT32_MAX, &v)) {
				tc_errorf(cmd, "--node %s: not a node number", optarg);
				return 1;
			}
			for (i = 0; i < nr; i++)
				if (ids[i] == v) {
					tc_errorf(cmd, "--node %s: given twice", optarg);
					return 1;
				}
			if (nr == MEM_MAX_NODES) {
				tc_errorf(cmd, "--node %s: at most %d nodes", optarg,
					  MEM_MAX_NODES);
				return 1;
			}
			ids[nr++] = v;
			break;
		case OPT_SIZE:
			if (bench_parse_size(cmd, "--size", optarg, &size))
				return 1;
			break;
		case OPT_THREADS:
			if (parse_uint(optarg, MEM_MAX_THREADS, &threads) || !threads) {
				tc_errorf(cmd, "--threads %s: a number from 1 to %d",
					  optarg, MEM_MAX_THREADS);
				return 1;
			}
			break;
		case OPT_RUNS:
			if (bench_parse_runs(cmd, optarg, &runs))
				return 1;
			break;
		case OPT_JSON: want = FMT_JSON; break;
		case OPT_TIERS:
			/* --tiers=FILE: the tier file there, any format on stdout */
			if (optarg)
				tiers_path = optarg;
			else
				want = FMT_TIERS;
			break;
		case OPT_FORMAT:
			if (!strcmp(optarg, "table")) {
				want = FMT_TABLE;
			} else if (!strcmp(optarg, "json")) {
				want = FMT_JSON;
			} else if (!strcmp(optarg, "tiers")) {
				want = FMT_TIERS;
			} else {
				tc_errorf(cmd, "--format %s: unknown (table, json, tiers)",
					  optarg);
				return 1;
			}
			break;
		case OPT_QUIET:
			a.quiet = true;
			tc_set_quiet(true);
			break;
		default:
			return tc_other_option(cmd, argv, c);
		}
		if (want >= 0) {
			if (fmt_given && (int)fmt != want) {
				tc_errorf(cmd, "one output format: --json (--format json), --tiers (--format tiers) or the table");
				return 1;
			}
			fmt = want;
			fmt_given = true;
			tc_set_json(fmt == FMT_JSON);	/* errors as JSON too */
		}
	}
	if (tc_extra_args(cmd, argc, argv))
		return 1;
	a.runs = (unsigned int)runs;
	if ((tiers_path || fmt == FMT_TIERS) && runs < TIERS_MIN_RUNS) {
		tc_errorf(cmd, "--tiers with --runs %u: a tier file holds medians, and the planner trusts them: give --runs %d or more",
			  a.runs, TIERS_MIN_RUNS);
		return 1;
	}
	if (tiers_path) {
		struct stat st;
		int fd;

		/*
		 * Opened now, not after minutes of measuring.  A regular file
		 * (or none yet) is written beside it, under a name of its own,
		 * and renamed over it when the figures pass: a refused run
		 * leaves the old file.  Anything else (/dev/stdout, a FIFO) is
		 * written in place.
		 */
		bool absent = stat(tiers_path, &st) != 0;

		if (absent && errno != ENOENT) {
			tc_errorf(cmd, "--tiers=%s: %s", tiers_path, strerror(errno));
			return 1;
		}
		if (absent || S_ISREG(st.st_mode)) {
			if ((size_t)snprintf(tiers_tmp, sizeof(tiers_tmp), "%s.XXXXXX",
					     tiers_path) >= sizeof(tiers_tmp)) {
				tc_errorf(cmd, "--tiers=%s: %s", tiers_path,
					  strerror(ENAMETOOLONG));
				return 1;
			}
			fd = mkstemp(tiers_tmp);
			tiers_file = fd < 0 ? NULL : fdopen(fd, "w");
			if (fd >= 0 && !tiers_file)
				close(fd);
		} else {
			tiers_tmp[0] = 0;
			tiers_file = fopen(tiers_path, "w");
		}
		if (!tiers_file) {
			/* the file beside it: the same errors as the file */
			tc_errorf(cmd, "--tiers=%s: %s", tiers_path, strerror(errno));
			if (tiers_tmp[0])
				unlink(tiers_tmp);
			return 1;
		}
	}

	if (sched_getaffinity(0, sizeof(allowed), &allowed)) {
		tc_error(cmd, "sched_getaffinity", -errno);
		goto out_file;
	}
	if (tc_open(cmd, &a.ctx))
		goto out_file;
	if (!nr) {
		/* every node with memory, up to the model's limit */
		for (c = 0; c < tier_nr_nodes(a.ctx) && nr < MEM_MAX_NODES; c++) {
			struct tier_node tn;

			if (!tier_node(a.ctx, c, &tn))
				ids[nr++] = tn.node;
		}
		if (tier_nr_nodes(a.ctx) > MEM_MAX_NODES)
			fprintf(stderr, "tierctl bench: the first %d of %d nodes (the planner's limit); --node for others\n",
				MEM_MAX_NODES, tier_nr_nodes(a.ctx));
	}
	for (i = 0; i < nr; i++) {
		struct mem_node *m = &nodes[i];

		memset(m, 0, sizeof(*m));
		err = ids[i] > INT32_MAX ? -ENODEV :
		      tier_node_by_id(a.ctx, (int)ids[i], &m->tn);
		if (err) {
			tc_errorf(cmd, "node %llu: %s", (unsigned long long)ids[i],
				  err == -ENODEV ? "offline or without memory" :
				  strerror(-err));
			goto out;
		}
		m->cpu_node = m->tn.nearest_cpu_node;
		err = node_cpus(m->cpu_node, &allowed, m->cpus, CPU_SETSIZE,
				&m->nr_cpus);
		if (err || !m->nr_cpus) {
			/* no CPU of that node is ours: wherever we may run */
			m->nr_cpus = 0;
			for (k = 0; k < CPU_SETSIZE; k++)
				if (CPU_ISSET((int)k, &allowed))
					m->cpus[m->nr_cpus++] = (int)k;
			fprintf(stderr, "tierctl bench: node %u: %s; threads on the CPUs this process may use\n",
				m->tn.node, err ? "no CPU list for its nearest CPU node" :
				"none of its nearest CPU node's CPUs is in this process's affinity mask");
		}
		format_cpus(m->cpus, m->nr_cpus, m->cpu_str, sizeof(m->cpu_str));
		m->threads = threads ? (unsigned int)threads : m->nr_cpus;
		if (size) {
			m->bytes = size;
		} else {
			m->bytes = bench_fit_size(MEM_DEFAULT_SIZE, m->tn.free_bytes);
			if (m->bytes != MEM_DEFAULT_SIZE)
				fprintf(stderr, "tierctl bench: node %u: size %s: 1G does not fit beside its free %s\n",
					m->tn.node,
					format_size(m->bytes, s1, sizeof(s1)),
					format_size(m->tn.free_bytes, s2, sizeof(s2)));
		}
		if (m->bytes / m->threads < SHARE_ALIGN) {
			tc_errorf(cmd, "--threads %u: more than one thread per 4 KiB of the %s buffer",
				  m->threads, format_size(m->bytes, s1, sizeof(s1)));
			goto out;
		}
	}
	/*
	 * Per node, in passes over the buffer: the warm-up (1), a read and a
	 * write per run (2 each), a chase per latency run (1 each).
	 */
	tc_progress_begin("tierctl bench mem", (double)nr * (1 + 3 * a.runs), a.quiet);
	for (i = 0; i < nr; i++)
		if (bench_node(&a, &nodes[i]))
			goto out;
	tc_progress_end();

	bench_read_env(&e);
	for (i = 0; i < nr; i++)
		nr_bad += !nodes[i].plausible;
	if (fmt == FMT_JSON)
		report_json(&a, &e, nodes, nr);
	else if (fmt == FMT_TIERS && !nr_bad)
		report_tiers(stdout, &a, &e, nodes, nr);
	else if (fmt != FMT_TIERS)
		report_table(&a, &e, nodes, nr);
	ret = 0;
	if ((tiers_file || fmt == FMT_TIERS) && nr_bad) {
		for (i = 0; i < nr; i++)
			if (!nodes[i].plausible)
				tc_errorf(cmd, "node %u: read %.2f / write %.2f GB/s at best, above %.1fx of what the same threads got from their own node in the same run (%.2f / %.2f GB/s): implausible",
					  nodes[i].tn.node, nodes[i].read.max,
					  nodes[i].write.max, PLAUSIBLE_MAX,
					  nodes[i].anon_read.max,
					  nodes[i].anon_write.max);
		tc_errorf(cmd, "no tier file written: the planner would trust these figures; run again on an idle machine (--json shows every run)");
		ret = 1;
	} else if (tiers_file) {
		report_tiers(tiers_file, &a, &e, nodes, nr);
		if (fflush(tiers_file) || ferror(tiers_file)) {
			tc_errorf(cmd, "--tiers=%s: write: %s", tiers_path,
				  strerror(errno));
			ret = 1;
		}
	}
out:
	tc_progress_end();
	tier_close(a.ctx);
out_file:
	if (tiers_file && fclose(tiers_file) && !ret) {
		tc_errorf(cmd, "--tiers=%s: close: %s", tiers_path, strerror(errno));
		ret = 1;
	}
	/* mkstemp's 0600 made what umask would have made */
	if (tiers_file && tiers_tmp[0] && !ret) {
		mode_t um = umask(0);

		umask(um);
		if (chmod(tiers_tmp, 0666 & ~um) || rename(tiers_tmp, tiers_path)) {
			tc_errorf(cmd, "--tiers=%s: rename %s: %s", tiers_path,
				  tiers_tmp, strerror(errno));
			ret = 1;
		}
	}
	if (tiers_file && tiers_tmp[0] && ret)
		unlink(tiers_tmp);
	return ret;
}
