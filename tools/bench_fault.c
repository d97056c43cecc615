// SPDX-License-Identifier: GPL-2.0-only
/*
 * tierctl bench fault: in one run, on one node, first-touch fault-in of a
 * cxltier buffer with 4 KiB pages, one with 2 MiB pages, and an anonymous
 * mbind(MPOL_BIND) mapping (the baseline), and the same with the kernel's
 * THP (MADV_HUGEPAGE), and the bound on any first touch: a memset of the
 * same memory once mapped (a fault path must at least zero its pages, so
 * no first touch beats it; the 4 KiB baseline's time over it is the most a
 * 2 MiB path can gain on this machine); reading each of them once it is mapped, by a
 * pointer chase and a streaming read (what 2 MiB mappings change is the
 * TLB's reach); then making a buffer ready: CXLTIER_CREATE_POPULATE
 * against a single-threaded memset of an anonymous mbind mapping.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdbool.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "bench.h"
#include "json.h"
#include "tierctl.h"
#include "util.h"

#define DEFAULT_FAULT_SIZE	(256ULL << 20)
#define DEFAULT_POPULATE_SIZE	(1ULL << 30)

enum row_id {
	ROW_TIER_4K,		/* cxltier, 4 KiB pages, fault-in */
	ROW_TIER_4K_SEQ,	/* the same, mapping marked MADV_SEQUENTIAL */
	ROW_TIER_2M,		/* cxltier, 2 MiB pages, fault-in */
	ROW_ANON,		/* anonymous + mbind, fault-in: the baseline */
	ROW_ANON_THP,		/* the same with the kernel's THP */
	ROW_ZERO,		/* rewriting the mapped memory: the bound */
	ROW_POPULATE,		/* cxltier CREATE_POPULATE */
	ROW_POP_TOUCH,		/* first touch of the populated buffer */
	ROW_POP_TOTAL,		/* populate + first touch */
	ROW_MEMSET,		/* anonymous + mbind + memset: the baseline */
	ROW_CHASE_4K,		/* pointer chase over the mapped buffers */
	ROW_CHASE_2M,
	ROW_CHASE_ANON,
	ROW_STREAM_4K,		/* streaming read of them */
	ROW_STREAM_2M,
	ROW_STREAM_ANON,
	NR_ROWS
};

/* The groups: fault-in, making a buffer ready, reading a mapped one. */
#define FAULT		"fault"
#define POPULATE	"populate"
#define CHASE		"chase"
#define STREAM		"stream"

/* Bytes a hop of the chase reads: one cache line. */
#define CHASE_LINE	64

#define ROW(_name, _label, _group, _baseline) \
	{ .name = _name, .label = _label, .group = _group, .baseline = _baseline }

static struct bench_row rows[NR_ROWS] = {
	[ROW_TIER_4K] = ROW("cxltier_4k_fault", "cxltier, 4 KiB pages", FAULT,
			    ROW_ANON),
	[ROW_TIER_4K_SEQ] = ROW("cxltier_4k_seq_fault",
				"cxltier, 4 KiB pages, MADV_SEQUENTIAL", FAULT,
				ROW_ANON),
	[ROW_TIER_2M] = ROW("cxltier_2m_fault", "cxltier, 2 MiB pages", FAULT,
			    ROW_ANON),
	[ROW_ANON] = ROW("anon_mbind_fault", "anon + mbind(MPOL_BIND), 4 KiB pages",
			 FAULT, -1),
	[ROW_ANON_THP] = ROW("anon_thp_fault",
			     "anon + mbind + MADV_HUGEPAGE (kernel THP)", FAULT,
			     ROW_ANON),
	[ROW_ZERO] = ROW("mapped_memset_bound",
			 "bound: memset of the same memory, mapped", FAULT,
			 ROW_ANON),
	[ROW_POPULATE] = ROW("cxltier_populate",
			     "cxltier CREATE_POPULATE, 4 KiB pages", POPULATE,
			     ROW_MEMSET),
	[ROW_POP_TOUCH] = ROW("cxltier_populated_touch",
			      "  then first touch (PTEs only)", POPULATE, -1),
	[ROW_POP_TOTAL] = ROW("cxltier_populate_and_touch",
			      "  populate + first touch", POPULATE, ROW_MEMSET),
	[ROW_MEMSET] = ROW("anon_mbind_memset",
			   "anon + mbind + memset, 1 thread, 4 KiB pages", POPULATE,
			   -1),
	[ROW_CHASE_4K] = ROW("cxltier_4k_chase", "cxltier, 4 KiB pages", CHASE,
			     ROW_CHASE_ANON),
	[ROW_CHASE_2M] = ROW("cxltier_2m_chase", "cxltier, 2 MiB pages", CHASE,
			     ROW_CHASE_ANON),
	[ROW_CHASE_ANON] = ROW("anon_mbind_chase",
			       "anon + mbind(MPOL_BIND), 4 KiB pages", CHASE, -1),
	[ROW_STREAM_4K] = ROW("cxltier_4k_stream", "cxltier, 4 KiB pages",
			      STREAM, ROW_STREAM_ANON),
	[ROW_STREAM_2M] = ROW("cxltier_2m_stream", "cxltier, 2 MiB pages",
			      STREAM, ROW_STREAM_ANON),
	[ROW_STREAM_ANON] = ROW("anon_mbind_stream",
				"anon + mbind(MPOL_BIND), 4 KiB pages", STREAM,
				-1),
};

/* The chase's plan (measure_access()). */
struct access {
	size_t *order;		/* page indices, a random cycle */
	size_t np;		/* pages: the chase's hops */
};

/* The options and what the set-up made of them. */
struct fault {
	const char *node_arg;
	uint64_t node, fsize, psize;
	const char *skipped;		/* why the cxltier rows are not run */
	char skip_msg[256];
	struct access access;		/* the chase's order, for fsize */
	long pte_kb[4];			/* page tables a touch added: 4K, 2M,
					 * anon, anon THP */
	bool thp;			/* the kernel's THP row runs */
};

/* ------------------------------------------------------------------------ */
/* Workloads                                                                  */

static sigjmp_buf bus_env;

static void on_sigbus(int sig)
{
	(void)sig;
	siglongjmp(bus_env, 1);
}

/* One write per base page; 0, or -EFAULT after a SIGBUS. */
static __attribute__((noinline)) void touch_pages(volatile char *p, size_t len,
						  size_t pg)
{
	size_t off;

	for (off = 0; off < len; off += pg)
		p[off] = 1;
}

/* This process's page-table memory, VmPTE in /proc/self/status, in kB. */
static long vm_pte_kb(void)
{
	FILE *f = fopen("/proc/self/status", "re");
	char line[256];
	long kb = -1;

	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "VmPTE: %ld kB", &kb) == 1)
			break;
	fclose(f);
	return kb;
}

/*
 * guarded_touch(), and into *@pte_kb (when not NULL) the page-table
 * memory it added, -1 when /proc does not say.
 */
static int touch_pt(char *p, size_t len, size_t pg, double *ms, long *pte_kb);

static int guarded_touch(char *p, size_t len, size_t pg, double *ms)
{
	struct sigaction sa, old;
	volatile int ret = 0;
	double t0;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_sigbus;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGBUS, &sa, &old);
	t0 = bench_now_ms();
	if (sigsetjmp(bus_env, 1) == 0)
		touch_pages(p, len, pg);
	else
		ret = -EFAULT;
	*ms = bench_now_ms() - t0;
	sigaction(SIGBUS, &old, NULL);
	return ret;
}

static int touch_pt(char *p, size_t len, size_t pg, double *ms, long *pte_kb)
{
	long before = pte_kb ? vm_pte_kb() : -1, after;
	int ret = guarded_touch(p, len, pg, ms);

	if (pte_kb) {
		after = vm_pte_kb();
		*pte_kb = before < 0 || after < 0 ? -1 : after - before;
	}
	return ret;
}

/*
 * Reading a mapped buffer.  The chase visits every base page once, in a
 * random order (the same for every mapping of a run's size), one 64-byte
 * line per page at a line offset that varies with the page (so the lines
 * do not share cache sets), each hop's address the value the previous
 * one loaded.  The stream, which reads every 8-byte word in order, runs
 * between building the chain and chasing it, so that only the chain's
 * lines in the buffer's last cache-sized part are still cached: most
 * hops miss the cache and, with 4 KiB mappings larger than the TLB's
 * reach, the TLB; with 2 MiB mappings a buffer of up to a few GiB stays
 * within it.  The buffer's bytes are overwritten by the chain.
 */
static int access_prepare(struct bench *b, struct access *a, uint64_t len)
{
	uint64_t seed = 0x9e3779b97f4a7c15ULL;
	size_t i, j, t;

	a->np = len / b->page;
	a->order = malloc(a->np * sizeof(*a->order));
	if (!a->order) {
		tc_errorf(b->cmd, "pointer chase over %zu pages: out of memory",
			  a->np);
		return 1;
	}
	for (i = 0; i < a->np; i++)
		a->order[i] = i;
	for (i = a->np - 1; i > 0; i--) {	/* Fisher-Yates */
		j = bench_xorshift(&seed) % (i + 1);
		t = a->order[i];
		a->order[i] = a->order[j];
		a->order[j] = t;
	}
	return 0;
}

/* Page @i's line of the chase. */
static void **chase_slot(const struct bench *b, char *p, size_t i)
{
	size_t lines = b->page / CHASE_LINE;

	return (void **)(p + i * b->page + (i * 7 % lines) * CHASE_LINE);
}

static __attribute__((noinline)) void *chase(void **start, size_t hops)
{
	void **q = start;

	while (hops--)
		q = (void **)*(void *volatile *)q;
	return q;
}

static __attribute__((noinline)) uint64_t stream_read(const uint64_t *w,
						       size_t n)
{
	uint64_t sum = 0;
	size_t i;

	for (i = 0; i < n; i++)
		sum += w[i];
	return sum;
}

/*
 * The chase and the stream over the mapped @len bytes at @p into rows
 * @chase_row and @stream_row; 0, or -1 after an error message.
 */
static int measure_access(struct bench *b, const struct access *a, char *p,
			  uint64_t len, struct bench_row *chase_row,
			  struct bench_row *stream_row, const char *what)
{
	static volatile uint64_t sink;
	void **start = chase_slot(b, p, a->order[0]), **end;
	size_t i;
	double t0;

	for (i = 0; i < a->np; i++)
		*chase_slot(b, p, a->order[i]) =
			chase_slot(b, p, a->order[(i + 1) % a->np]);
	t0 = bench_now_ms();
	sink += stream_read((const uint64_t *)p, len / sizeof(uint64_t));
	stream_row->ms[stream_row->n] = bench_now_ms() - t0;
	t0 = bench_now_ms();
	end = chase(start, a->np);
	chase_row->ms[chase_row->n] = bench_now_ms() - t0;
	/* one lap of a single cycle ends where it began */
	if (end != start) {
		tc_errorf(b->cmd, "%s: the pointer chase did not come back to its start after %zu hops: the chain is not one cycle (a bug in tierctl)",
			  what, a->np);
		return -1;
	}
	stream_row->bytes = len;
	stream_row->n++;
	chase_row->bytes = (uint64_t)a->np * CHASE_LINE;
	chase_row->n++;
	return 0;
}

/*
 * A cxltier buffer of @len bytes on the node, created (timed into
 * *@create_ms), mapped, every page touched (timed into *@touch_ms), and
 * checked: after the touch, or with CXLTIER_CREATE_POPULATE before it;
 * then read (measure_access()) when @a is not NULL.  @advice, when not
 * MADV_NORMAL, is given to madvise(2) for the mapping before the touch.
 */
static int tier_create_touch(struct bench *b, uint64_t len, unsigned int shift,
			     uint32_t flags, int advice, const char *what,
			     double *create_ms, double *touch_ms,
			     const struct access *a, struct bench_row *chase_row,
			     struct bench_row *stream_row, long *pte_kb)
{
	bool populate = flags & CXLTIER_CREATE_POPULATE;
	struct tier_buf *buf;
	void *addr;
	double t0;
	int err, ret = -1;

	t0 = bench_now_ms();
	if (bench_create_buf(b, len, shift, flags, &buf, what))
		return -1;
	*create_ms = bench_now_ms() - t0;
	if (populate && bench_check_buf(b->cmd, buf, b->node, what))
		goto out;
	err = tier_buf_map(buf, &addr);
	if (err) {
		tc_error(b->cmd, "map buffer", err);
		goto out;
	}
	if (advice != MADV_NORMAL && madvise(addr, len, advice)) {
		tc_error(b->cmd, "madvise", -errno);
		goto out;
	}
	if (touch_pt(addr, len, b->page, touch_ms, pte_kb)) {
		if (populate)
			tc_errorf(b->cmd, "%s: SIGBUS on a populated page", what);
		else
			tc_errorf(b->cmd, "%s: SIGBUS: node %u could not give a page",
				  what, b->node);
		goto out;
	}
	if (!populate && bench_check_buf(b->cmd, buf, b->node, what))
		goto out;
	if (a && measure_access(b, a, addr, len, chase_row, stream_row, what))
		goto out;
	ret = 0;
out:
	tier_buf_destroy(buf);
	return ret;
}

/* Fault-in of a fresh cxltier buffer, then reading it. */
static int run_tier_fault(struct bench *b, const struct access *a,
			  struct bench_row *r, struct bench_row *chase_row,
			  struct bench_row *stream_row, unsigned int shift,
			  int advice, long *pte_kb, const char *what)
{
	double create_ms;

	if (tier_create_touch(b, r->bytes, shift, 0, advice, what, &create_ms,
			      &r->ms[r->n], a, chase_row, stream_row, pte_kb))
		return -1;
	r->n++;
	return 0;
}

/* Populate a cxltier buffer, then touch every page of it. */
static int run_tier_populate(struct bench *b)
{
	struct bench_row *pop = &rows[ROW_POPULATE], *touch = &rows[ROW_POP_TOUCH];
	struct bench_row *total = &rows[ROW_POP_TOTAL];

	if (tier_create_touch(b, pop->bytes, 0, CXLTIER_CREATE_POPULATE,
			      MADV_NORMAL, "populated buffer", &pop->ms[pop->n],
			      &touch->ms[touch->n], NULL, NULL, NULL, NULL))
		return -1;
	total->ms[total->n] = pop->ms[pop->n] + touch->ms[touch->n];
	pop->n++;
	touch->n++;
	total->n++;
	return 0;
}

/*
 * An anonymous mbind mapping made ready, timed: touched page by page, or
 * by one memset (@use_memset); then checked to be all on the node; then
 * read (measure_access()) when @a is not NULL.
 */
static int run_anon(struct bench *b, struct bench_row *r, bool use_memset,
		    bool thp, const struct access *a, long *pte_kb,
		    const char *what)
{
	char *p = bench_anon_map(b, r->bytes, thp);
	double t0;
	int ret = -1;

	if (!p)
		return -1;
	if (use_memset) {
		t0 = bench_now_ms();
		memset(p, 0, r->bytes);
		r->ms[r->n] = bench_now_ms() - t0;
	} else if (touch_pt(p, r->bytes, b->page, &r->ms[r->n], pte_kb)) {
		tc_errorf(b->cmd, "%s: SIGBUS", what);
		goto out;
	} else if (r == &rows[ROW_ANON]) {
		/*
		 * Writing every byte of memory already mapped: what any first
		 * touch must at least cost, since the kernel zeroes each page
		 * it gives, whatever the fault path around it.
		 */
		struct bench_row *z = &rows[ROW_ZERO];

		t0 = bench_now_ms();
		memset(p, 0, r->bytes);
		z->ms[z->n++] = bench_now_ms() - t0;
	}
	if (bench_anon_check(b, p, r->bytes, what))
		goto out;
	if (a && measure_access(b, a, p, r->bytes, &rows[ROW_CHASE_ANON],
				&rows[ROW_STREAM_ANON], what))
		goto out;
	r->n++;
	ret = 0;
out:
	munmap(p, r->bytes);
	return ret;
}

/* ------------------------------------------------------------------------ */
/* The benchmark                                                              */

enum { OPT_NODE = BENCH_OPT_OWN, OPT_SIZE, OPT_POP_SIZE };

const struct option bench_fault_opts[] = {
	{ "node", required_argument, NULL, OPT_NODE },
	{ "size", required_argument, NULL, OPT_SIZE },
	{ "populate-size", required_argument, NULL, OPT_POP_SIZE },
	BENCH_OPTS_END,
};

static int fault_option(struct bench *b, int c, void *priv)
{
	struct fault *f = priv;

	switch (c) {
	case OPT_NODE:
		f->node_arg = optarg;
		if (parse_uint(optarg, BENCH_NODE_LIMIT - 1, &f->node)) {
			tc_errorf(b->cmd, "--node %s: not a node number", optarg);
			return 1;
		}
		return 0;
	case OPT_SIZE:
		return bench_parse_size(b->cmd, "--size", optarg, &f->fsize);
	default:
		return bench_parse_size(b->cmd, "--populate-size", optarg,
					&f->psize);
	}
}

/* @want, or less that fits beside node @tn's free memory (said on stderr). */
static uint64_t fit_default(const struct bench *b, const struct tier_node *tn,
			    uint64_t want, const char *what)
{
	char s1[SIZE_STRLEN], s2[SIZE_STRLEN], s3[SIZE_STRLEN];
	uint64_t size = bench_fit_size(want, tn->free_bytes);

	if (size != want)
		fprintf(stderr, "tierctl bench: %s size %s: %s does not fit beside node %u's free %s\n",
			what, format_size(size, s1, sizeof(s1)),
			format_size(want, s2, sizeof(s2)), b->node,
			format_size(tn->free_bytes, s3, sizeof(s3)));
	return size;
}

/* The node, the sizes that fit it, the rows. */
static int fault_setup(struct bench *b, void *priv)
{
	struct fault *f = priv;
	struct tier_node tn;
	int err, i;

	b->node = f->node_arg ? (uint32_t)f->node : bench_first_cpu_node(b->ctx);
	err = tier_node_by_id(b->ctx, (int)b->node, &tn);
	if (err) {
		tc_errorf(b->cmd, "node %u: %s", b->node, err == -ENODEV ?
			  "offline or without memory" : strerror(-err));
		return 1;
	}
	if (!f->fsize)
		f->fsize = fit_default(b, &tn, DEFAULT_FAULT_SIZE, "fault");
	if (!f->psize)
		f->psize = fit_default(b, &tn, DEFAULT_POPULATE_SIZE, "populate");
	f->skipped = bench_skip_reason(b, f->skip_msg, sizeof(f->skip_msg));
	/* the kernel's own 2 MiB faults, where its THP setting allows them */
	f->thp = !strcmp(b->env.thp, "always") || !strcmp(b->env.thp, "madvise");
	for (i = 0; i < NR_ROWS; i++) {
		rows[i].n = 0;
		rows[i].bytes = f->fsize;
		if (!strcmp(rows[i].group, POPULATE))
			rows[i].bytes = f->psize;
	}
	return access_prepare(b, &f->access, f->fsize);
}

static void fault_cleanup(struct bench *b, void *priv)
{
	struct fault *f = priv;

	(void)b;
	free(f->access.order);
	f->access.order = NULL;
}

static int fault_run(struct bench *b, unsigned int run, void *priv)
{
	struct fault *f = priv;
	char sz[SIZE_STRLEN];

	(void)run;
	format_size(f->psize, sz, sizeof(sz));
	if (b->module) {
		bench_step(b, " cxltier-4K");
		if (run_tier_fault(b, &f->access, &rows[ROW_TIER_4K],
				   &rows[ROW_CHASE_4K], &rows[ROW_STREAM_4K], 0,
				   MADV_NORMAL, &f->pte_kb[0],
				   "4 KiB-page buffer"))
			return -1;
		bench_step(b, " cxltier-4K-seq");
		if (run_tier_fault(b, NULL, &rows[ROW_TIER_4K_SEQ], NULL, NULL,
				   0, MADV_SEQUENTIAL, NULL,
				   "4 KiB-page buffer, MADV_SEQUENTIAL"))
			return -1;
		bench_step(b, " cxltier-2M");
		if (run_tier_fault(b, &f->access, &rows[ROW_TIER_2M],
				   &rows[ROW_CHASE_2M], &rows[ROW_STREAM_2M],
				   CXLTIER_HUGE_PAGE_SHIFT, MADV_NORMAL,
				   &f->pte_kb[1],
				   "2 MiB-page buffer"))
			return -1;
	}
	bench_step(b, " anon");
	if (run_anon(b, &rows[ROW_ANON], false, false, &f->access,
		     &f->pte_kb[2], "anonymous mapping"))
		return -1;
	if (f->thp) {
		bench_step(b, " anon-THP");
		if (run_anon(b, &rows[ROW_ANON_THP], false, true, NULL,
			     &f->pte_kb[3], "anonymous THP mapping"))
			return -1;
	}
	if (b->module) {
		bench_step(b, " populate-%s", sz);
		if (run_tier_populate(b))
			return -1;
	}
	bench_step(b, " memset-%s", sz);
	return run_anon(b, &rows[ROW_MEMSET], true, false, NULL, NULL,
			"memset mapping");
}

/* The chase's median time per hop, per mapping that ran. */
static void print_hop_ns(const struct bench_row *r, size_t hops)
{
	static const int chase_rows[] = { ROW_CHASE_4K, ROW_CHASE_2M,
					  ROW_CHASE_ANON };
	double ms[BENCH_MAX_RUNS];
	const char *sep = " ";
	unsigned int i, k;

	printf("median ns per hop:");
	for (i = 0; i < sizeof(chase_rows) / sizeof(chase_rows[0]); i++) {
		const struct bench_row *c = &r[chase_rows[i]];

		if (!c->n)
			continue;
		for (k = 0; k < c->n; k++)
			ms[k] = c->ms[k];
		printf("%s%s %.1f", sep, c->name,
		       bench_median(ms, c->n) * 1e6 / (double)hops);
		sep = ", ";
	}
	printf("\n");
}

static int fault_report(struct bench *b, void *priv)
{
	static const int pt_rows[4] = { ROW_TIER_4K, ROW_TIER_2M, ROW_ANON,
					ROW_ANON_THP };
	static const char *const pt_names[4] = {
		"cxltier_4k", "cxltier_2m", "anon_mbind", "anon_thp",
	};
	const char *sep;
	unsigned int i;
	struct fault *f = priv;
	const struct bench_env *e = &b->env;
	struct tier_node n;
	bool tier_known = !tier_node_by_id(b->ctx, (int)b->node, &n);
	char sz[SIZE_STRLEN];

	if (b->json) {
		struct json j;

		bench_json_open(&j, b);
		json_u64(&j, "node", b->node);
		json_str(&j, "tier", tier_known ? tc_tier_name(n.tier) : NULL);
		bench_json_env(&j, b);
		json_str(&j, "thp_anon", e->thp);
		json_str(&j, "thp_shmem", e->thp_shmem);
		json_u64(&j, "runs", b->runs);
		json_u64(&j, "fault_bytes", f->fsize);
		json_u64(&j, "populate_bytes", f->psize);
		json_u64(&j, "chase_hops", f->access.np);
		json_obj_open(&j, "page_table_kb");
		for (i = 0; i < 4; i++) {
			if (!rows[pt_rows[i]].n || f->pte_kb[i] < 0)
				json_null(&j, pt_names[i]);
			else
				json_i64(&j, pt_names[i], f->pte_kb[i]);
		}
		json_obj_close(&j);
		json_str(&j, "cxltier_skipped", f->skipped);
		bench_json_rows(&j, rows, NR_ROWS);
		json_obj_close(&j);
		return 0;
	}
	tc_print_backend(stdout, b->ctx);
	printf("bench fault: node %u (%s), %u runs each, interleaved; kernel %s, %ld CPUs, THP anon [%s] shmem [%s]\n",
	       b->node, tier_known ? tc_tier_name(n.tier) : "?",
	       (unsigned int)b->runs, e->kernel, e->cpus, e->thp, e->thp_shmem);
	printf("GB/s = 10^9 bytes/s over the buffer; one write per 4 KiB page for a touch; VS BASELINE = median GB/s / the anon row's\n");
	if (f->skipped)
		printf("cxltier rows skipped: %s\n", f->skipped);
	printf("\nfirst-touch fault-in of %s:\n",
	       format_size(f->fsize, sz, sizeof(sz)));
	bench_print_rows(rows, NR_ROWS, FAULT, "VS BASELINE");
	if (!f->thp)
		printf("(no kernel THP row: transparent_hugepage/enabled is [%s])\n",
		       e->thp);
	printf("page tables the touch added (VmPTE, last run):");
	for (i = 0, sep = " "; i < 4; i++) {
		if (!rows[pt_rows[i]].n)
			continue;
		if (f->pte_kb[i] < 0)
			printf("%s%s ?", sep, pt_names[i]);
		else
			printf("%s%s %ld kB", sep, pt_names[i], f->pte_kb[i]);
		sep = ", ";
	}
	printf("\n");
	printf("\nmaking %s ready (allocated, zeroed, mapped):\n",
	       format_size(f->psize, sz, sizeof(sz)));
	bench_print_rows(rows, NR_ROWS, POPULATE, "VS BASELINE");
	format_size(f->fsize, sz, sizeof(sz));
	printf("\nreading the mapped %s: pointer chase, one 64-byte line of each page in a random order (%zu hops; GB/s counts 64 bytes a hop):\n",
	       sz, f->access.np);
	bench_print_rows(rows, NR_ROWS, CHASE, "VS BASELINE");
	print_hop_ns(rows, f->access.np);
	printf("\nreading the mapped %s: streaming read of every word, in order:\n",
	       sz);
	bench_print_rows(rows, NR_ROWS, STREAM, "VS BASELINE");
	if (!b->module || f->skipped)
		return 0;
	printf("\n(TLB reach is what the page size changes here; an emulator without a TLB model shows only the shorter page walk.)\n");
	return 0;
}

static const struct bench_def fault_def = {
	.name = "fault",
	.opts = bench_fault_opts,
	.option = fault_option,
	.setup = fault_setup,
	.run = fault_run,
	.report = fault_report,
	.cleanup = fault_cleanup,
};

int bench_fault(const struct tc_cmd *cmd, int argc, char **argv)
{
	struct fault f = { 0 };

	return bench_main(cmd, &fault_def, argc, argv, &f);
}
