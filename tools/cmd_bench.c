// SPDX-License-Identifier: GPL-2.0-only
/*
 * tierctl bench: fixed workloads, measured and printed side by side.  No
 * verdict on speed: a benchmark fails only when it cannot run or when the
 * memory it measured was not where it was asked to be.
 *
 *   fault   first-touch fault-in of a cxltier buffer with 4 KiB pages, one
 *           with 2 MiB pages, and an anonymous mbind(MPOL_BIND) mapping;
 *           then making a buffer ready: CXLTIER_CREATE_POPULATE against a
 *           single-threaded memset of an anonymous mbind mapping.
 *   alloc   small-allocation throughput: alloc/free pairs per second of a
 *           tier_pool against glibc malloc, 1 and 2 threads, fixed size
 *           streams.
 *   migrate CXLTIER_IOC_MIGRATE of a written buffer (4 KiB and 2 MiB pages)
 *           from node A to B and back, beside move_pages(2) of an anonymous
 *           mapping between the same nodes.
 *   mem     per node, CPU read and write bandwidth and load latency: the
 *           cost model's tier figures (cmd_bench_mem.c).
 */
#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <pthread.h>
#include <setjmp.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/utsname.h>
#include <linux/mempolicy.h>

#include "bench.h"
#include "table.h"
#include "tierctl.h"
#include "util.h"

#define DEFAULT_FAULT_SIZE	(256ULL << 20)
#define DEFAULT_POPULATE_SIZE	(1ULL << 30)
#define NODE_ID_LIMIT		1024	/* nodemask bits passed to mbind */

/* ------------------------------------------------------------------------ */
/* Rows                                                                       */

enum row_id {
	ROW_TIER_4K,		/* cxltier, 4 KiB pages, fault-in */
	ROW_TIER_2M,		/* cxltier, 2 MiB pages, fault-in */
	ROW_ANON,		/* anonymous + mbind, fault-in: the baseline */
	ROW_POPULATE,		/* cxltier CREATE_POPULATE */
	ROW_POP_TOUCH,		/* first touch of the populated buffer */
	ROW_POP_TOTAL,		/* populate + first touch */
	ROW_MEMSET,		/* anonymous + mbind + memset: the baseline */
	NR_ROWS
};

struct row {
	const char *name;	/* JSON */
	const char *label;	/* table */
	bool cxltier;		/* needs the module */
	bool populate;		/* second group, else fault-in */
	int baseline;		/* row to compare with, -1: none */
	uint64_t bytes;
	double ms[BENCH_MAX_RUNS];
	unsigned int n;
};

#define ROW(_name, _label, _cxltier, _populate, _baseline) \
	{ .name = _name, .label = _label, .cxltier = _cxltier, \
	  .populate = _populate, .baseline = _baseline }

static struct row rows[NR_ROWS] = {
	[ROW_TIER_4K] = ROW("cxltier_4k_fault", "cxltier, 4 KiB pages", true,
			    false, ROW_ANON),
	[ROW_TIER_2M] = ROW("cxltier_2m_fault", "cxltier, 2 MiB pages", true,
			    false, ROW_ANON),
	[ROW_ANON] = ROW("anon_mbind_fault", "anon + mbind(MPOL_BIND), 4 KiB pages",
			 false, false, -1),
	[ROW_POPULATE] = ROW("cxltier_populate",
			     "cxltier CREATE_POPULATE, 4 KiB pages", true, true,
			     ROW_MEMSET),
	[ROW_POP_TOUCH] = ROW("cxltier_populated_touch",
			      "  then first touch (PTEs only)", true, true, -1),
	[ROW_POP_TOTAL] = ROW("cxltier_populate_and_touch",
			      "  populate + first touch", true, true, ROW_MEMSET),
	[ROW_MEMSET] = ROW("anon_mbind_memset",
			   "anon + mbind + memset, 1 thread, 4 KiB pages", false,
			   true, -1),
};

struct stats {
	double med_ms, min_ms, max_ms;
	double med_gbps, min_gbps, max_gbps;
};

/* GB/s are 10^9 bytes per second; the median of the runs' own rates. */
static void row_stats(const struct row *r, struct stats *s)
{
	double ms[BENCH_MAX_RUNS], gbps[BENCH_MAX_RUNS];
	unsigned int i;

	for (i = 0; i < r->n; i++) {
		ms[i] = r->ms[i];
		gbps[i] = r->ms[i] > 0 ? (double)r->bytes / (r->ms[i] * 1e6) : NAN;
	}
	s->med_ms = bench_median(ms, r->n);
	s->min_ms = ms[0];
	s->max_ms = ms[r->n - 1];
	s->med_gbps = bench_median(gbps, r->n);
	s->min_gbps = gbps[0];
	s->max_gbps = gbps[r->n - 1];
}

/*
 * A table row's figures for row @r of @set: GB/s and ms (median, min,
 * max), then the median GB/s over its baseline's, or @no_base.
 */
static void table_add_figures(struct table *t, const struct row *set,
			      const struct row *r, const char *no_base)
{
	struct stats s, base;

	row_stats(r, &s);
	table_add(t, "%.2f", s.med_gbps);
	table_add(t, "%.2f", s.min_gbps);
	table_add(t, "%.2f", s.max_gbps);
	table_add(t, "%.1f", s.med_ms);
	table_add(t, "%.1f", s.min_ms);
	table_add(t, "%.1f", s.max_ms);
	if (r->baseline >= 0 && set[r->baseline].n) {
		row_stats(&set[r->baseline], &base);
		table_add(t, "%.2fx", s.med_gbps / base.med_gbps);
	} else {
		table_add(t, "%s", no_base);
	}
}

/*
 * The JSON members of row @r of @set from "bytes" on: each run's ms, the
 * figures, the baseline and the ratio of the median GB/s (null, null
 * without a baseline).
 */
static void json_figures(struct json *j, const struct row *set,
			 const struct row *r)
{
	struct stats s, base;
	unsigned int k;

	row_stats(r, &s);
	json_u64(j, "bytes", r->bytes);
	json_arr_open(j, "ms");
	for (k = 0; k < r->n; k++)
		json_f64(j, NULL, r->ms[k]);
	json_arr_close(j);
	json_f64(j, "median_ms", s.med_ms);
	json_f64(j, "min_ms", s.min_ms);
	json_f64(j, "max_ms", s.max_ms);
	json_f64(j, "median_gbps", s.med_gbps);
	json_f64(j, "min_gbps", s.min_gbps);
	json_f64(j, "max_gbps", s.max_gbps);
	if (r->baseline >= 0 && set[r->baseline].n) {
		row_stats(&set[r->baseline], &base);
		json_str(j, "baseline", set[r->baseline].name);
		json_f64(j, "ratio", s.med_gbps / base.med_gbps);
	} else {
		json_null(j, "baseline");
		json_null(j, "ratio");
	}
}

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

struct bench {
	const struct tc_cmd *cmd;
	struct tier_ctx *ctx;
	uint32_t node;
	size_t page;
	bool module;
};

/* A cxltier buffer on the node is where it was asked to be, and whole. */
static int check_buf(struct bench *b, struct tier_buf *buf, const char *what)
{
	struct tier_buf_stat st;
	int err = tier_buf_stat(buf, &st);

	if (err) {
		tc_error(b->cmd, "stat buffer", err);
		return -1;
	}
	if (st.resident_bytes != st.map_length || st.nr_resident != 1 ||
	    st.resident[0].node != b->node) {
		tc_errorf(b->cmd, "%s: placement: %llu of %llu bytes resident, %u nodes, first %u; expected all on node %u",
			  what, (unsigned long long)st.resident_bytes,
			  (unsigned long long)st.map_length, st.nr_resident,
			  st.nr_resident ? st.resident[0].node : 0, b->node);
		return -1;
	}
	return 0;
}

static int create_buf(struct bench *b, uint64_t len, unsigned int page_shift,
		      uint32_t flags, struct tier_buf **buf, const char *what)
{
	struct tier_policy p;
	char msg[128];
	int err;

	memset(&p, 0, sizeof(p));
	p.mode = CXLTIER_MODE_BIND;
	p.flags = flags;
	p.page_shift = page_shift;
	p.nr_nodes = 1;
	p.nodes[0].node = b->node;
	err = tier_buf_create(b->ctx, (size_t)len, &p, buf);
	if (err) {
		snprintf(msg, sizeof(msg), "%s on node %u: create", what, b->node);
		tc_error(b->cmd, msg, err);
		return -1;
	}
	return 0;
}

/* Fault-in of a fresh cxltier buffer. */
static int run_tier_fault(struct bench *b, struct row *r, unsigned int shift,
			  const char *what)
{
	struct tier_buf *buf;
	void *addr;
	int err, ret = -1;

	if (create_buf(b, r->bytes, shift, 0, &buf, what))
		return -1;
	err = tier_buf_map(buf, &addr);
	if (err) {
		tc_error(b->cmd, "map buffer", err);
		goto out;
	}
	if (guarded_touch(addr, r->bytes, b->page, &r->ms[r->n])) {
		tc_errorf(b->cmd, "%s: SIGBUS: node %u could not give a page",
			  what, b->node);
		goto out;
	}
	if (check_buf(b, buf, what))
		goto out;
	r->n++;
	ret = 0;
out:
	tier_buf_destroy(buf);
	return ret;
}

/* Populate a cxltier buffer, then touch every page of it. */
static int run_tier_populate(struct bench *b)
{
	struct row *pop = &rows[ROW_POPULATE], *touch = &rows[ROW_POP_TOUCH];
	struct row *total = &rows[ROW_POP_TOTAL];
	struct tier_buf *buf;
	void *addr;
	double t0;
	int err, ret = -1;

	t0 = bench_now_ms();
	if (create_buf(b, pop->bytes, 0, CXLTIER_CREATE_POPULATE, &buf,
		       "populated buffer"))
		return -1;
	pop->ms[pop->n] = bench_now_ms() - t0;
	if (check_buf(b, buf, "populated buffer"))
		goto out;
	err = tier_buf_map(buf, &addr);
	if (err) {
		tc_error(b->cmd, "map buffer", err);
		goto out;
	}
	if (guarded_touch(addr, touch->bytes, b->page, &touch->ms[touch->n])) {
		tc_errorf(b->cmd, "populated buffer: SIGBUS on a populated page");
		goto out;
	}
	total->ms[total->n] = pop->ms[pop->n] + touch->ms[touch->n];
	pop->n++;
	touch->n++;
	total->n++;
	ret = 0;
out:
	tier_buf_destroy(buf);
	return ret;
}

/* An anonymous private mapping bound to the node, 4 KiB pages. */
static char *anon_map(struct bench *b, size_t len)
{
	unsigned long mask[NODE_ID_LIMIT / (8 * sizeof(unsigned long))];
	char *p;

	p = mmap(NULL, len, PROT_READ | PROT_WRITE,
		 MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (p == MAP_FAILED) {
		tc_error(b->cmd, "anonymous mmap", -errno);
		return NULL;
	}
	/* the baseline is 4 KiB faults, whatever the THP setting */
	(void)madvise(p, len, MADV_NOHUGEPAGE);
	memset(mask, 0, sizeof(mask));
	mask[b->node / (8 * sizeof(unsigned long))] |=
		1UL << (b->node % (8 * sizeof(unsigned long)));
	if (syscall(SYS_mbind, p, len, MPOL_BIND, mask, NODE_ID_LIMIT + 1, 0)) {
		tc_error(b->cmd, "mbind(MPOL_BIND) of the anonymous mapping", -errno);
		munmap(p, len);
		return NULL;
	}
	return p;
}

/* Every page of an anonymous mapping is on the node (move_pages query). */
static int anon_check(struct bench *b, char *p, size_t len, const char *what)
{
	enum { BATCH = 1024 };
	void *pages[BATCH];
	int status[BATCH];
	size_t off = 0;
	unsigned int i, n;

	while (off < len) {
		for (n = 0; n < BATCH && off < len; n++, off += b->page)
			pages[n] = p + off;
		if (syscall(SYS_move_pages, 0, n, pages, NULL, status, 0) < 0) {
			tc_error(b->cmd, "move_pages", -errno);
			return -1;
		}
		for (i = 0; i < n; i++) {
			if (status[i] != (int)b->node) {
				tc_errorf(b->cmd, "%s: placement: page at offset %zu is on %s %d, expected node %u",
					  what, (size_t)((char *)pages[i] - p),
					  status[i] < 0 ? "error" : "node",
					  status[i] < 0 ? -status[i] : status[i],
					  b->node);
				return -1;
			}
		}
	}
	return 0;
}

static int run_anon_fault(struct bench *b)
{
	struct row *r = &rows[ROW_ANON];
	char *p = anon_map(b, r->bytes);
	int ret = -1;

	if (!p)
		return -1;
	if (guarded_touch(p, r->bytes, b->page, &r->ms[r->n])) {
		tc_errorf(b->cmd, "anonymous mapping: SIGBUS");
		goto out;
	}
	if (anon_check(b, p, r->bytes, "anonymous mapping"))
		goto out;
	r->n++;
	ret = 0;
out:
	munmap(p, r->bytes);
	return ret;
}

static int run_memset(struct bench *b)
{
	struct row *r = &rows[ROW_MEMSET];
	char *p = anon_map(b, r->bytes);
	double t0;
	int ret = -1;

	if (!p)
		return -1;
	t0 = bench_now_ms();
	memset(p, 0, r->bytes);
	r->ms[r->n] = bench_now_ms() - t0;
	if (anon_check(b, p, r->bytes, "memset mapping"))
		goto out;
	r->n++;
	ret = 0;
out:
	munmap(p, r->bytes);
	return ret;
}

/* ------------------------------------------------------------------------ */
/* Output                                                                     */

struct env {
	char kernel[128];
	char thp[32], thp_shmem[32];
	long cpus;
};

static void read_env(struct env *e)
{
	struct utsname u;

	snprintf(e->kernel, sizeof(e->kernel), "%s",
		 uname(&u) ? "?" : u.release);
	bench_read_bracketed("/sys/kernel/mm/transparent_hugepage/enabled", e->thp,
		       sizeof(e->thp));
	bench_read_bracketed("/sys/kernel/mm/transparent_hugepage/shmem_enabled",
		       e->thp_shmem, sizeof(e->thp_shmem));
	e->cpus = sysconf(_SC_NPROCESSORS_ONLN);
}

static void print_group(bool populate)
{
	static const char *const hdr[] = {
		"WORKLOAD", "GB/s MEDIAN", "MIN", "MAX", "ms MEDIAN", "MIN", "MAX",
		"VS BASELINE",
	};
	char sz[SIZE_STRLEN];
	struct table t;
	int i;

	table_init(&t, 8, hdr, 0xfe);
	for (i = 0; i < NR_ROWS; i++) {
		const struct row *r = &rows[i];

		if (r->populate != populate || !r->n)
			continue;
		table_add(&t, "%s", r->label);
		table_add_figures(&t, rows, r, i == ROW_ANON || i == ROW_MEMSET ?
				  "1.00x (base)" : "-");
	}
	format_size(rows[populate ? ROW_MEMSET : ROW_ANON].bytes, sz, sizeof(sz));
	if (populate)
		printf("\nmaking %s ready (allocated, zeroed, mapped):\n", sz);
	else
		printf("\nfirst-touch fault-in of %s:\n", sz);
	table_print(&t, stdout);
	table_free(&t);
}

static void report_table(const struct bench *b, const struct env *e,
			 unsigned int runs, const char *skipped)
{
	struct tier_node n;

	tc_print_backend(stdout, b->ctx);
	printf("bench fault: node %u (%s), %u runs each, interleaved; kernel %s, %ld CPUs, THP anon [%s] shmem [%s]\n",
	       b->node, tier_node_by_id(b->ctx, (int)b->node, &n) ? "?" :
	       tc_tier_name(n.tier), runs, e->kernel, e->cpus, e->thp,
	       e->thp_shmem);
	printf("GB/s = 10^9 bytes/s over the buffer; one write per 4 KiB page for a touch; VS BASELINE = median GB/s / the anon row's\n");
	if (skipped)
		printf("cxltier rows skipped: %s\n", skipped);
	print_group(false);
	print_group(true);
}

static void report_json(const struct bench *b, const struct env *e,
			unsigned int runs, const char *skipped)
{
	struct tier_node n;
	struct json j;
	unsigned int i;

	json_init(&j, stdout);
	json_obj_open(&j, NULL);
	tc_json_backend(&j, b->ctx);
	json_str(&j, "bench", "fault");
	json_u64(&j, "node", b->node);
	json_str(&j, "tier", tier_node_by_id(b->ctx, (int)b->node, &n) ? NULL :
		 tc_tier_name(n.tier));
	json_str(&j, "kernel", e->kernel);
	json_i64(&j, "cpus", e->cpus);
	json_str(&j, "thp_anon", e->thp);
	json_str(&j, "thp_shmem", e->thp_shmem);
	json_u64(&j, "runs", runs);
	json_u64(&j, "fault_bytes", rows[ROW_ANON].bytes);
	json_u64(&j, "populate_bytes", rows[ROW_MEMSET].bytes);
	json_str(&j, "cxltier_skipped", skipped);
	json_arr_open(&j, "results");
	for (i = 0; i < NR_ROWS; i++) {
		const struct row *r = &rows[i];

		if (!r->n)
			continue;
		json_obj_open(&j, NULL);
		json_str(&j, "name", r->name);
		json_str(&j, "group", r->populate ? "populate" : "fault");
		json_figures(&j, rows, r);
		json_obj_close(&j);
	}
	json_arr_close(&j);
	json_obj_close(&j);
}

/* ------------------------------------------------------------------------ */
/* The command                                                                */

/*
 * The options fault, alloc and migrate share: OPT_RUNS, OPT_JSON and
 * OPT_QUIET, then each one's own from OPT_OWN; COMMON_OPTS ends their
 * tables.
 */
enum { OPT_RUNS = 256, OPT_JSON, OPT_QUIET, OPT_OWN };
#define COMMON_OPTS \
	{ "runs", required_argument, NULL, OPT_RUNS }, \
	{ "json", no_argument, NULL, OPT_JSON }, \
	{ "quiet", no_argument, NULL, OPT_QUIET }, \
	TC_OPTS_END

struct common_opts {
	uint64_t runs;
	bool json, quiet;
};

/*
 * Option @c, not one of the benchmark's own: a common one, else --help or
 * a bad option.  Returns -1 when parsing goes on, else the exit status.
 */
static int common_option(const struct tc_cmd *cmd, char **argv, int c,
			 struct common_opts *o)
{
	switch (c) {
	case OPT_RUNS:
		return bench_parse_runs(cmd, optarg, &o->runs) ? 1 : -1;
	case OPT_JSON:
		o->json = true;
		return -1;
	case OPT_QUIET:
		o->quiet = true;
		return -1;
	default:
		return tc_other_option(cmd, argv, c);
	}
}

/* The first node with CPUs: local DRAM (else the first node listed). */
static uint32_t first_cpu_node(struct tier_ctx *ctx)
{
	struct tier_node tn;
	uint32_t node = 0;
	int i;

	for (i = 0; i < tier_nr_nodes(ctx); i++) {
		if (tier_node(ctx, i, &tn))
			continue;
		if (i == 0 || (tn.flags & CXLTIER_NODE_HAS_CPUS)) {
			node = tn.node;
			if (tn.flags & CXLTIER_NODE_HAS_CPUS)
				break;
		}
	}
	return node;
}

/*
 * After the options of fault or migrate: no operand left, a libtier
 * context in @b.  Returns 0, or 1 (the exit status).
 */
static int bench_open(struct bench *b, int argc, char **argv)
{
	if (tc_extra_args(b->cmd, argc, argv) || tc_open(b->cmd, &b->ctx))
		return 1;
	b->page = (size_t)sysconf(_SC_PAGESIZE);
	b->module = tier_backend(b->ctx) == TIER_BACKEND_MODULE;
	return 0;
}

/*
 * Why the cxltier rows are skipped, said on stderr and written to @msg:
 * @msg, or NULL when the backend is the module and nothing is skipped.
 */
static const char *skip_reason(const struct bench *b, char *msg, size_t len)
{
	int merr = tier_module_error(b->ctx);

	if (b->module)
		return NULL;
	snprintf(msg, len, "the backend is mbind, not the cxltier module%s%s",
		 merr ? ": " CXLTIER_DEVICE_PATH ": " : "",
		 merr ? strerror(-merr) : "");
	fprintf(stderr, "tierctl bench: cxltier rows skipped: %s\n", msg);
	return msg;
}

static int bench_fault(const struct tc_cmd *cmd, int argc, char **argv)
{
	enum { OPT_NODE = OPT_OWN, OPT_SIZE, OPT_POP_SIZE };
	static const struct option opts[] = {
		{ "node", required_argument, NULL, OPT_NODE },
		{ "size", required_argument, NULL, OPT_SIZE },
		{ "populate-size", required_argument, NULL, OPT_POP_SIZE },
		COMMON_OPTS,
	};
	struct common_opts o = { .runs = BENCH_DEFAULT_RUNS };
	uint64_t node = 0, fsize = 0, psize = 0;
	char skip_msg[256], s1[SIZE_STRLEN], s2[SIZE_STRLEN];
	const char *node_arg = NULL, *skipped;
	struct bench b = { .cmd = cmd };
	struct tier_node tn;
	struct env e;
	unsigned int run;
	int c, err, ret = 1, i;

	opterr = 0;
	while ((c = getopt_long(argc, argv, ":h", opts, NULL)) != -1) {
		switch (c) {
		case OPT_NODE:
			node_arg = optarg;
			if (parse_uint(optarg, NODE_ID_LIMIT - 1, &node)) {
				tc_errorf(cmd, "--node %s: not a node number", optarg);
				return 1;
			}
			break;
		case OPT_SIZE:
			if (bench_parse_size(cmd, "--size", optarg, &fsize))
				return 1;
			break;
		case OPT_POP_SIZE:
			if (bench_parse_size(cmd, "--populate-size", optarg, &psize))
				return 1;
			break;
		default:
			err = common_option(cmd, argv, c, &o);
			if (err >= 0)
				return err;
		}
	}
	if (bench_open(&b, argc, argv))
		return 1;
	b.node = node_arg ? (uint32_t)node : first_cpu_node(b.ctx);
	err = tier_node_by_id(b.ctx, (int)b.node, &tn);
	if (err) {
		tc_errorf(cmd, "node %u: %s", b.node, err == -ENODEV ?
			  "offline or without memory" : strerror(-err));
		goto out;
	}
	if (!fsize) {
		fsize = bench_fit_size(DEFAULT_FAULT_SIZE, tn.free_bytes);
		if (fsize != DEFAULT_FAULT_SIZE)
			fprintf(stderr, "tierctl bench: fault size %s: 256M does not fit beside node %u's free %s\n",
				format_size(fsize, s1, sizeof(s1)), b.node,
				format_size(tn.free_bytes, s2, sizeof(s2)));
	}
	if (!psize) {
		psize = bench_fit_size(DEFAULT_POPULATE_SIZE, tn.free_bytes);
		if (psize != DEFAULT_POPULATE_SIZE)
			fprintf(stderr, "tierctl bench: populate size %s: 1G does not fit beside node %u's free %s\n",
				format_size(psize, s1, sizeof(s1)), b.node,
				format_size(tn.free_bytes, s2, sizeof(s2)));
	}
	skipped = skip_reason(&b, skip_msg, sizeof(skip_msg));
	for (i = 0; i < NR_ROWS; i++) {
		rows[i].n = 0;
		rows[i].bytes = rows[i].populate ? psize : fsize;
	}

	/* Rows interleave within each run, so drift hits them alike. */
	for (run = 1; run <= o.runs; run++) {
		bench_progress(!o.quiet, "tierctl bench: run %u/%u:", run, (unsigned int)o.runs);
		if (b.module) {
			bench_progress(!o.quiet, " cxltier-4K");
			if (run_tier_fault(&b, &rows[ROW_TIER_4K], 0, "4 KiB-page buffer"))
				goto fail;
			bench_progress(!o.quiet, " cxltier-2M");
			if (run_tier_fault(&b, &rows[ROW_TIER_2M], 21, "2 MiB-page buffer"))
				goto fail;
		}
		bench_progress(!o.quiet, " anon");
		if (run_anon_fault(&b))
			goto fail;
		if (b.module) {
			bench_progress(!o.quiet, " populate-%s",
				 format_size(psize, s1, sizeof(s1)));
			if (run_tier_populate(&b))
				goto fail;
		}
		bench_progress(!o.quiet, " memset-%s", format_size(psize, s1, sizeof(s1)));
		if (run_memset(&b))
			goto fail;
		bench_progress(!o.quiet, "\n");
	}

	read_env(&e);
	if (o.json)
		report_json(&b, &e, (unsigned int)o.runs, skipped);
	else
		report_table(&b, &e, (unsigned int)o.runs, skipped);
	ret = 0;
	goto out;
fail:
	bench_progress(!o.quiet, "\n");
out:
	tier_close(b.ctx);
	return ret;
}

/* ------------------------------------------------------------------------ */
/* bench alloc: small-allocation throughput, tier_pool against malloc        */

#define ALLOC_DEFAULT_OPS	1000000ULL	/* alloc/free pairs per thread */
#define ALLOC_MAX_OPS		1000000000ULL
#define ALLOC_RING		256		/* live objects per thread */
#define ALLOC_MAX_THREADS	2

enum alloc_impl { IMPL_POOL, IMPL_MALLOC, NR_IMPLS };

static const char *const impl_name[NR_IMPLS] = { "tier_pool", "malloc" };
static const char *const impl_label[NR_IMPLS] = {
	"tier_pool", "glibc malloc",
};

/* Fixed workloads: sizes log-uniform over [lo, hi], one stream per seed. */
struct alloc_workload {
	const char *name;
	size_t lo, hi;
};

static const struct alloc_workload alloc_workloads[] = {
	{ "16B-64K", 16, 64 << 10 },
	{ "16B-256B", 16, 256 },
};
#define NR_WORKLOADS	(sizeof(alloc_workloads) / sizeof(alloc_workloads[0]))

struct alloc_row {
	double mops[BENCH_MAX_RUNS];	/* million pairs per second, all threads */
	unsigned int n;
};

/* [workload][threads - 1][impl] */
static struct alloc_row alloc_rows[NR_WORKLOADS][ALLOC_MAX_THREADS][NR_IMPLS];

struct alloc_thread {
	struct tier_pool *pool;		/* NULL: malloc */
	const size_t *sizes;		/* ops entries */
	uint64_t ops;
	pthread_barrier_t *start;
	int err;
	pthread_t tid;
};

/* The size stream of thread @t: the same in every run, for both allocators. */
static size_t *alloc_sizes(const struct alloc_workload *w, unsigned int t,
			   uint64_t ops)
{
	unsigned int lo_shift = 0, span;
	size_t *v = malloc(ops * sizeof(*v));
	uint64_t s = 0x9e3779b97f4a7c15ULL * (t + 1), i;

	if (!v)
		return NULL;
	while (((size_t)1 << lo_shift) < w->lo)
		lo_shift++;
	for (span = 0; (w->lo << span) < w->hi; span++)
		;
	for (i = 0; i < ops; i++) {
		uint64_t r = bench_xorshift(&s);
		/* a power of two in [lo, hi], then anywhere up to the next */
		unsigned int k = (unsigned int)(r % (span + 1));
		size_t base = (size_t)1 << (lo_shift + k);
		size_t n = base + (size_t)((r >> 16) % base);

		v[i] = n > w->hi ? w->hi : n;
	}
	return v;
}

static void *alloc_worker(void *arg)
{
	struct alloc_thread *t = arg;
	void *ring[ALLOC_RING] = { NULL };
	uint64_t i;

	pthread_barrier_wait(t->start);
	for (i = 0; i < t->ops; i++) {
		unsigned int k = (unsigned int)(i * 7 % ALLOC_RING);
		void *p;

		if (t->pool) {
			if (ring[k] && tier_pool_free(t->pool, ring[k]))
				t->err = -EINVAL;
			if (tier_pool_alloc(t->pool, t->sizes[i], 0, &p))
				p = NULL;
		} else {
			free(ring[k]);
			p = malloc(t->sizes[i]);
		}
		if (!p) {
			t->err = -ENOMEM;
			break;
		}
		*(volatile char *)p = (char)i;	/* the object is used */
		ring[k] = p;
	}
	for (i = 0; i < ALLOC_RING; i++) {
		if (t->pool)
			tier_pool_free(t->pool, ring[i]);
		else
			free(ring[i]);
	}
	return NULL;
}

/* One run: @nthreads threads, each its own size stream; ms of the run. */
static int alloc_run(struct tier_pool *pool, size_t *const *sizes,
		     unsigned int nthreads, uint64_t ops, double *ms)
{
	struct alloc_thread t[ALLOC_MAX_THREADS];
	pthread_barrier_t start;
	unsigned int i, started = 0;
	double t0;
	int err = 0;

	pthread_barrier_init(&start, NULL, nthreads + 1);
	for (i = 0; i < nthreads; i++) {
		t[i] = (struct alloc_thread){ .pool = pool, .sizes = sizes[i],
					      .ops = ops, .start = &start };
		if (pthread_create(&t[i].tid, NULL, alloc_worker, &t[i]))
			break;
		started++;
	}
	if (started < nthreads) {
		/* let the started ones go, then report */
		for (i = started; i < nthreads; i++) {
			t[i] = (struct alloc_thread){ .pool = pool, .sizes = sizes[i],
						      .ops = 0, .start = &start };
			if (pthread_create(&t[i].tid, NULL, alloc_worker, &t[i]))
				abort();	/* cannot release the barrier */
		}
		err = -EAGAIN;
	}
	pthread_barrier_wait(&start);
	t0 = bench_now_ms();
	for (i = 0; i < nthreads; i++) {
		pthread_join(t[i].tid, NULL);
		if (t[i].err && !err)
			err = t[i].err;
	}
	*ms = bench_now_ms() - t0;
	pthread_barrier_destroy(&start);
	return err;
}

/* Every byte the pool holds is on the policy's nodes. */
static int alloc_check_placement(const struct tc_cmd *cmd,
				 struct tier_pool *pool,
				 const struct tier_policy *p)
{
	struct tier_pool_stat st;
	uint32_t i, k;
	int err = tier_pool_stat(pool, &st);

	if (err) {
		tc_error(cmd, "pool stat", err);
		return -1;
	}
	for (i = 0; i < st.nr_resident; i++) {
		for (k = 0; k < p->nr_nodes; k++)
			if (p->nodes[k].node == st.resident[i].node)
				break;
		if (k == p->nr_nodes) {
			tc_errorf(cmd, "placement: %llu bytes of the pool on node %u, outside the policy",
				  (unsigned long long)st.resident[i].bytes,
				  st.resident[i].node);
			return -1;
		}
	}
	return 0;
}

static double row_median(const struct alloc_row *r, double *min, double *max)
{
	double v[BENCH_MAX_RUNS], med;
	unsigned int i;

	for (i = 0; i < r->n; i++)
		v[i] = r->mops[i];
	med = bench_median(v, r->n);
	*min = v[0];
	*max = v[r->n - 1];
	return med;
}

static void alloc_report(const struct tier_ctx *ctx, const char *policy,
			 unsigned int runs, uint64_t ops, unsigned int maxt,
			 bool json)
{
	unsigned int w, t, i;
	struct env e;

	read_env(&e);
	if (json) {
		struct json j;

		json_init(&j, stdout);
		json_obj_open(&j, NULL);
		tc_json_backend(&j, ctx);
		json_str(&j, "bench", "alloc");
		json_str(&j, "policy", policy);
		json_str(&j, "kernel", e.kernel);
		json_i64(&j, "cpus", e.cpus);
		json_u64(&j, "runs", runs);
		json_u64(&j, "ops_per_thread", ops);
		json_u64(&j, "live_objects_per_thread", ALLOC_RING);
		json_arr_open(&j, "results");
		for (w = 0; w < NR_WORKLOADS; w++) {
			for (t = 0; t < maxt; t++) {
				for (i = 0; i < NR_IMPLS; i++) {
					const struct alloc_row *r = &alloc_rows[w][t][i];
					double mn, mx, med, base, bmn, bmx;
					unsigned int k;

					if (!r->n)
						continue;
					med = row_median(r, &mn, &mx);
					base = row_median(&alloc_rows[w][t][IMPL_MALLOC], &bmn, &bmx);
					json_obj_open(&j, NULL);
					json_str(&j, "workload", alloc_workloads[w].name);
					json_u64(&j, "min_size", alloc_workloads[w].lo);
					json_u64(&j, "max_size", alloc_workloads[w].hi);
					json_u64(&j, "threads", t + 1);
					json_str(&j, "allocator", impl_name[i]);
					json_arr_open(&j, "mpairs_per_s");
					for (k = 0; k < r->n; k++)
						json_f64(&j, NULL, r->mops[k]);
					json_arr_close(&j);
					json_f64(&j, "median_mpairs_per_s", med);
					json_f64(&j, "min_mpairs_per_s", mn);
					json_f64(&j, "max_mpairs_per_s", mx);
					json_f64(&j, "ratio_vs_malloc", med / base);
					json_obj_close(&j);
				}
			}
		}
		json_arr_close(&j);
		json_obj_close(&j);
		return;
	}

	tc_print_backend(stdout, ctx);
	printf("bench alloc: pool policy %s; %u runs each, interleaved; %llu alloc/free pairs per thread per run, %d live objects per thread; kernel %s, %ld CPUs\n",
	       policy, runs, (unsigned long long)ops, ALLOC_RING, e.kernel,
	       e.cpus);
	printf("Mpairs/s = 10^6 alloc+free pairs per second, all threads together; one write per object; VS MALLOC = median / glibc malloc's median\n");
	for (w = 0; w < NR_WORKLOADS; w++) {
		static const char *const hdr[] = {
			"ALLOCATOR", "THREADS", "Mpairs/s MEDIAN", "MIN", "MAX",
			"ns/pair/thread", "VS MALLOC",
		};
		char lo[SIZE_STRLEN], hi[SIZE_STRLEN];
		struct table tb;

		table_init(&tb, 7, hdr, 0x7e);
		for (t = 0; t < maxt; t++) {
			for (i = 0; i < NR_IMPLS; i++) {
				const struct alloc_row *r = &alloc_rows[w][t][i];
				double mn, mx, med, base, bmn, bmx;

				if (!r->n)
					continue;
				med = row_median(r, &mn, &mx);
				base = row_median(&alloc_rows[w][t][IMPL_MALLOC], &bmn, &bmx);
				table_add(&tb, "%s", impl_label[i]);
				table_add(&tb, "%u", t + 1);
				table_add(&tb, "%.1f", med);
				table_add(&tb, "%.1f", mn);
				table_add(&tb, "%.1f", mx);
				table_add(&tb, "%.1f", 1e3 * (t + 1) / med);
				table_add(&tb, i == IMPL_MALLOC ? "1.00x (base)" : "%.2fx",
					  med / base);
			}
		}
		printf("\nsizes %s to %s, log-uniform:\n",
		       format_size(alloc_workloads[w].lo, lo, sizeof(lo)),
		       format_size(alloc_workloads[w].hi, hi, sizeof(hi)));
		table_print(&tb, stdout);
		table_free(&tb);
	}
}

static int bench_alloc(const struct tc_cmd *cmd, int argc, char **argv)
{
	enum { OPT_POLICY = OPT_OWN, OPT_OPS, OPT_THREADS };
	static const struct option opts[] = {
		{ "policy", required_argument, NULL, OPT_POLICY },
		{ "ops", required_argument, NULL, OPT_OPS },
		{ "threads", required_argument, NULL, OPT_THREADS },
		COMMON_OPTS,
	};
	struct common_opts o = { .runs = BENCH_DEFAULT_RUNS };
	uint64_t ops = ALLOC_DEFAULT_OPS, maxt = 2;
	size_t *sizes[NR_WORKLOADS][ALLOC_MAX_THREADS] = { { NULL } };
	char policy_str[TIER_POLICY_STRLEN], what[TIER_POLICY_STRLEN + 32];
	const char *policy_arg = NULL;
	struct tier_pool *pool = NULL;
	struct tier_policy policy;
	struct tier_ctx *ctx;
	unsigned int run, w, t, i;
	int c, err, ret = 1;

	opterr = 0;
	while ((c = getopt_long(argc, argv, ":h", opts, NULL)) != -1) {
		switch (c) {
		case OPT_POLICY: policy_arg = optarg; break;
		case OPT_OPS:
			if (parse_uint(optarg, ALLOC_MAX_OPS, &ops) || ops < ALLOC_RING) {
				tc_errorf(cmd, "--ops %s: a number from %d to %llu",
					  optarg, ALLOC_RING, ALLOC_MAX_OPS);
				return 1;
			}
			break;
		case OPT_THREADS:
			if (parse_uint(optarg, ALLOC_MAX_THREADS, &maxt) || !maxt) {
				tc_errorf(cmd, "--threads %s: 1 or 2 (runs 1 up to it)",
					  optarg);
				return 1;
			}
			break;
		default:
			err = common_option(cmd, argv, c, &o);
			if (err >= 0)
				return err;
		}
	}
	if (tc_extra_args(cmd, argc, argv))
		return 1;
	if (tc_open(cmd, &ctx))
		return 1;
	if (!policy_arg) {
		snprintf(policy_str, sizeof(policy_str), "bind:%u",
			 first_cpu_node(ctx));
		policy_arg = policy_str;
	}
	if (tc_parse_policy(cmd, "--policy", policy_arg, &policy, policy_str,
			    sizeof(policy_str)))
		goto out;
	err = tier_pool_create(ctx, &policy, NULL, &pool);
	if (err) {
		snprintf(what, sizeof(what), "pool with policy %s", policy_str);
		tc_error(cmd, what, err);
		goto out;
	}
	for (w = 0; w < NR_WORKLOADS; w++) {
		for (t = 0; t < maxt; t++) {
			sizes[w][t] = alloc_sizes(&alloc_workloads[w], t, ops);
			if (!sizes[w][t]) {
				tc_error(cmd, "size streams", -ENOMEM);
				goto out;
			}
		}
	}
	memset(alloc_rows, 0, sizeof(alloc_rows));

	/* a warm-up of each, not counted: first touches, glibc's arenas */
	for (run = 0; run <= o.runs; run++) {
		if (run)
			bench_progress(!o.quiet, "tierctl bench: run %u/%u:", run,
				 (unsigned int)o.runs);
		else
			bench_progress(!o.quiet, "tierctl bench: warm-up:");
		for (w = 0; w < NR_WORKLOADS; w++) {
			for (t = 1; t <= maxt; t++) {
				for (i = 0; i < NR_IMPLS; i++) {
					struct alloc_row *r = &alloc_rows[w][t - 1][i];
					double ms;

					bench_progress(!o.quiet, " %s/%s/%ut", impl_name[i],
						 alloc_workloads[w].name, t);
					err = alloc_run(i == IMPL_POOL ? pool : NULL,
							sizes[w], t, ops, &ms);
					if (err) {
						bench_progress(!o.quiet, "\n");
						snprintf(what, sizeof(what), "%s, %u threads",
							 impl_label[i], t);
						tc_error(cmd, what, err);
						goto out;
					}
					if (run)
						r->mops[r->n++] = (double)ops * t / (ms * 1e3);
				}
			}
		}
		bench_progress(!o.quiet, "\n");
	}
	if (alloc_check_placement(cmd, pool, &policy))
		goto out;
	alloc_report(ctx, policy_str, (unsigned int)o.runs, ops,
		     (unsigned int)maxt, o.json);
	ret = 0;
out:
	for (w = 0; w < NR_WORKLOADS; w++)
		for (t = 0; t < ALLOC_MAX_THREADS; t++)
			free(sizes[w][t]);
	tier_pool_destroy(pool);
	tier_close(ctx);
	return ret;
}

/* ------------------------------------------------------------------------ */
/* bench migrate                                                              */

enum mig_row_id {
	MROW_TIER_4K_AB, MROW_TIER_4K_BA,
	MROW_TIER_2M_AB, MROW_TIER_2M_BA,
	MROW_ANON_AB, MROW_ANON_BA,
	NR_MROWS
};

static struct row mrows[NR_MROWS] = {
	[MROW_TIER_4K_AB] = ROW("cxltier_4k_migrate_ab",
				"cxltier MIGRATE, 4 KiB pages, A->B", true,
				false, MROW_ANON_AB),
	[MROW_TIER_4K_BA] = ROW("cxltier_4k_migrate_ba",
				"cxltier MIGRATE, 4 KiB pages, B->A", true,
				false, MROW_ANON_BA),
	[MROW_TIER_2M_AB] = ROW("cxltier_2m_migrate_ab",
				"cxltier MIGRATE, 2 MiB pages, A->B", true,
				false, MROW_ANON_AB),
	[MROW_TIER_2M_BA] = ROW("cxltier_2m_migrate_ba",
				"cxltier MIGRATE, 2 MiB pages, B->A", true,
				false, MROW_ANON_BA),
	[MROW_ANON_AB] = ROW("anon_move_pages_ab",
			     "anon + move_pages(2), 4 KiB pages, A->B", false,
			     false, -1),
	[MROW_ANON_BA] = ROW("anon_move_pages_ba",
			     "anon + move_pages(2), 4 KiB pages, B->A", false,
			     false, -1),
};

/* Moves the whole buffer to @node, timed; checks where it all went. */
static int mig_timed(struct bench *b, struct tier_buf *buf, uint32_t node,
		     struct row *r)
{
	struct tier_migrate_result res;
	struct tier_buf_stat st;
	struct tier_policy p;
	double t0, ms;
	int err;

	memset(&p, 0, sizeof(p));
	p.mode = CXLTIER_MODE_BIND;
	p.nr_nodes = 1;
	p.nodes[0].node = node;
	t0 = bench_now_ms();
	err = tier_buf_migrate(buf, &p, 0, 0, &res);
	ms = bench_now_ms() - t0;
	if (err) {
		tc_error(b->cmd, "migrate", err);
		return -1;
	}
	err = tier_buf_stat(buf, &st);
	if (err) {
		tc_error(b->cmd, "stat buffer", err);
		return -1;
	}
	if (res.moved_bytes != r->bytes || st.nr_resident != 1 ||
	    st.resident[0].node != node || st.resident_bytes != r->bytes) {
		tc_errorf(b->cmd, "%s: moved %llu of %llu bytes (skipped %llu, failed %llu); %u nodes resident, first %u, expected all on node %u",
			  r->label, (unsigned long long)res.moved_bytes,
			  (unsigned long long)r->bytes,
			  (unsigned long long)res.skipped_bytes,
			  (unsigned long long)res.failed_bytes, st.nr_resident,
			  st.nr_resident ? st.resident[0].node : 0, node);
		return -1;
	}
	r->ms[r->n++] = ms;
	return 0;
}

/* A cxltier buffer filled on A, moved to B and back, both timed. */
static int run_tier_migrate(struct bench *b, uint32_t node_b,
			    unsigned int shift, struct row *ab, struct row *ba)
{
	struct tier_buf *buf;
	void *addr;
	int err, ret = -1;

	if (create_buf(b, ab->bytes, shift, 0, &buf, ab->label))
		return -1;
	err = tier_buf_map(buf, &addr);
	if (err) {
		tc_error(b->cmd, "map buffer", err);
		goto out;
	}
	memset(addr, 0x5a, ab->bytes);
	if (mig_timed(b, buf, node_b, ab) || mig_timed(b, buf, b->node, ba))
		goto out;
	ret = 0;
out:
	tier_buf_destroy(buf);
	return ret;
}

/* move_pages(2) of every page of @p to @node, timed, and checked. */
static int move_all(struct bench *b, char *p, uint64_t len, int node,
		    struct row *r)
{
	size_t n = len / b->page, i;
	void **pages = malloc(n * sizeof(*pages));
	int *nodes = malloc(n * sizeof(*nodes));
	int *status = malloc(n * sizeof(*status));
	uint32_t saved = b->node;
	double t0, ms;
	int ret = -1;
	long rc;

	if (!pages || !nodes || !status) {
		tc_error(b->cmd, "move_pages arrays", -ENOMEM);
		goto out;
	}
	for (i = 0; i < n; i++) {
		pages[i] = p + i * b->page;
		nodes[i] = node;
		status[i] = INT32_MIN;
	}
	t0 = bench_now_ms();
	rc = syscall(SYS_move_pages, 0, (unsigned long)n, pages, nodes, status,
		     MPOL_MF_MOVE);
	ms = bench_now_ms() - t0;
	if (rc < 0) {
		tc_error(b->cmd, "move_pages", -errno);
		goto out;
	}
	if (rc > 0) {
		tc_errorf(b->cmd, "move_pages: %ld pages not moved", rc);
		goto out;
	}
	b->node = (uint32_t)node;
	if (anon_check(b, p, len, r->label))
		goto out;
	r->ms[r->n++] = ms;
	ret = 0;
out:
	b->node = saved;
	free(pages);
	free(nodes);
	free(status);
	return ret;
}

static int run_anon_migrate(struct bench *b, uint32_t node_b)
{
	struct row *ab = &mrows[MROW_ANON_AB], *ba = &mrows[MROW_ANON_BA];
	char *p = anon_map(b, ab->bytes);
	int ret = -1;

	if (!p)
		return -1;
	memset(p, 0x5a, ab->bytes);
	if (anon_check(b, p, ab->bytes, "anonymous mapping"))
		goto out;
	if (move_all(b, p, ab->bytes, (int)node_b, ab) ||
	    move_all(b, p, ab->bytes, (int)b->node, ba))
		goto out;
	ret = 0;
out:
	munmap(p, ab->bytes);
	return ret;
}

static void mig_report_table(const struct bench *b, uint32_t node_b,
			     const struct env *e, unsigned int runs,
			     const char *skipped)
{
	static const char *const hdr[] = {
		"WORKLOAD", "GB/s MEDIAN", "MIN", "MAX", "ms MEDIAN", "MIN", "MAX",
		"VS move_pages",
	};
	struct tier_node na, nb;
	char sz[SIZE_STRLEN];
	struct table t;
	int i;

	tc_print_backend(stdout, b->ctx);
	printf("bench migrate: A = node %u (%s), B = node %u (%s), %s, %u runs each, interleaved; kernel %s, %ld CPUs\n",
	       b->node, tier_node_by_id(b->ctx, (int)b->node, &na) ? "?" :
	       tc_tier_name(na.tier), node_b,
	       tier_node_by_id(b->ctx, (int)node_b, &nb) ? "?" :
	       tc_tier_name(nb.tier),
	       format_size(mrows[MROW_ANON_AB].bytes, sz, sizeof(sz)), runs,
	       e->kernel, e->cpus);
	printf("GB/s = 10^9 bytes/s moved; every page written before the move and found on the target after it; VS move_pages = median GB/s / the anon row's of the same direction\n");
	if (skipped)
		printf("cxltier rows skipped: %s\n", skipped);
	table_init(&t, 8, hdr, 0xfe);
	for (i = 0; i < NR_MROWS; i++) {
		const struct row *r = &mrows[i];

		if (!r->n)
			continue;
		table_add(&t, "%s", r->label);
		table_add_figures(&t, mrows, r, "1.00x (base)");
	}
	printf("\n");
	table_print(&t, stdout);
	table_free(&t);
}

static void mig_report_json(const struct bench *b, uint32_t node_b,
			    const struct env *e, unsigned int runs,
			    const char *skipped)
{
	struct json j;
	unsigned int i;

	json_init(&j, stdout);
	json_obj_open(&j, NULL);
	tc_json_backend(&j, b->ctx);
	json_str(&j, "bench", "migrate");
	json_u64(&j, "node_a", b->node);
	json_u64(&j, "node_b", node_b);
	json_str(&j, "kernel", e->kernel);
	json_i64(&j, "cpus", e->cpus);
	json_u64(&j, "runs", runs);
	json_u64(&j, "bytes", mrows[MROW_ANON_AB].bytes);
	json_str(&j, "cxltier_skipped", skipped);
	json_arr_open(&j, "results");
	for (i = 0; i < NR_MROWS; i++) {
		const struct row *r = &mrows[i];

		if (!r->n)
			continue;
		json_obj_open(&j, NULL);
		json_str(&j, "name", r->name);
		json_figures(&j, mrows, r);
		json_obj_close(&j);
	}
	json_arr_close(&j);
	json_obj_close(&j);
}

static int bench_migrate(const struct tc_cmd *cmd, int argc, char **argv)
{
	enum { OPT_FROM = OPT_OWN, OPT_TO, OPT_SIZE };
	static const struct option opts[] = {
		{ "from", required_argument, NULL, OPT_FROM },
		{ "to", required_argument, NULL, OPT_TO },
		{ "size", required_argument, NULL, OPT_SIZE },
		COMMON_OPTS,
	};
	struct common_opts o = { .runs = BENCH_DEFAULT_RUNS };
	uint64_t node_a = 0, node_b = 0, size = 0;
	bool have_a = false, have_b = false;
	const char *skipped;
	char skip_msg[256], s1[SIZE_STRLEN], s2[SIZE_STRLEN];
	struct bench b = { .cmd = cmd };
	struct tier_node ta, tb;
	struct env e;
	unsigned int run;
	int c, err, ret = 1, i;

	opterr = 0;
	while ((c = getopt_long(argc, argv, ":h", opts, NULL)) != -1) {
		switch (c) {
		case OPT_FROM:
		case OPT_TO:
			if (parse_uint(optarg, NODE_ID_LIMIT - 1,
				       c == OPT_FROM ? &node_a : &node_b)) {
				tc_errorf(cmd, "--%s %s: not a node number",
					  c == OPT_FROM ? "from" : "to", optarg);
				return 1;
			}
			*(c == OPT_FROM ? &have_a : &have_b) = true;
			break;
		case OPT_SIZE:
			if (bench_parse_size(cmd, "--size", optarg, &size))
				return 1;
			break;
		default:
			err = common_option(cmd, argv, c, &o);
			if (err >= 0)
				return err;
		}
	}
	if (bench_open(&b, argc, argv))
		return 1;
	/* defaults: A the first node with CPUs, B the first CXL node */
	for (i = 0; i < tier_nr_nodes(b.ctx); i++) {
		if (tier_node(b.ctx, i, &ta))
			continue;
		if (!have_a && (ta.flags & CXLTIER_NODE_HAS_CPUS)) {
			node_a = ta.node;
			have_a = true;
		}
	}
	for (i = 0; i < tier_nr_nodes(b.ctx) && !have_b; i++) {
		if (tier_node(b.ctx, i, &tb) || tb.node == node_a)
			continue;
		if (tb.tier == CXLTIER_TIER_CXL) {
			node_b = tb.node;
			have_b = true;
		}
	}
	for (i = 0; i < tier_nr_nodes(b.ctx) && !have_b; i++) {
		if (!tier_node(b.ctx, i, &tb) && tb.node != node_a) {
			node_b = tb.node;
			have_b = true;
		}
	}
	if (!have_a || !have_b || node_a == node_b) {
		tc_errorf(cmd, "needs two different nodes with memory (--from, --to)");
		goto out;
	}
	b.node = (uint32_t)node_a;
	err = tier_node_by_id(b.ctx, (int)node_a, &ta);
	if (!err)
		err = tier_node_by_id(b.ctx, (int)node_b, &tb);
	if (err) {
		tc_errorf(cmd, "node %llu or %llu: %s", (unsigned long long)node_a,
			  (unsigned long long)node_b, err == -ENODEV ?
			  "offline or without memory" : strerror(-err));
		goto out;
	}
	if (!size) {
		uint64_t f = ta.free_bytes < tb.free_bytes ? ta.free_bytes :
			     tb.free_bytes;

		/* two buffers may be alive on a node at once (freed lazily) */
		size = bench_fit_size(DEFAULT_FAULT_SIZE, f / 2);
		if (size != DEFAULT_FAULT_SIZE)
			fprintf(stderr, "tierctl bench: size %s: 256M does not fit twice beside the nodes' free %s\n",
				format_size(size, s1, sizeof(s1)),
				format_size(f, s2, sizeof(s2)));
	}
	skipped = skip_reason(&b, skip_msg, sizeof(skip_msg));
	for (i = 0; i < NR_MROWS; i++) {
		mrows[i].n = 0;
		mrows[i].bytes = size;
	}

	for (run = 1; run <= o.runs; run++) {
		bench_progress(!o.quiet, "tierctl bench: run %u/%u:", run, (unsigned int)o.runs);
		if (b.module) {
			bench_progress(!o.quiet, " cxltier-4K");
			if (run_tier_migrate(&b, (uint32_t)node_b, 0,
					     &mrows[MROW_TIER_4K_AB],
					     &mrows[MROW_TIER_4K_BA]))
				goto fail;
			bench_progress(!o.quiet, " cxltier-2M");
			if (run_tier_migrate(&b, (uint32_t)node_b, 21,
					     &mrows[MROW_TIER_2M_AB],
					     &mrows[MROW_TIER_2M_BA]))
				goto fail;
		}
		bench_progress(!o.quiet, " move_pages");
		if (run_anon_migrate(&b, (uint32_t)node_b))
			goto fail;
		bench_progress(!o.quiet, "\n");
	}

	read_env(&e);
	if (o.json)
		mig_report_json(&b, (uint32_t)node_b, &e, (unsigned int)o.runs,
				skipped);
	else
		mig_report_table(&b, (uint32_t)node_b, &e, (unsigned int)o.runs,
				 skipped);
	ret = 0;
	goto out;
fail:
	bench_progress(!o.quiet, "\n");
out:
	tier_close(b.ctx);
	return ret;
}

/* Benchmarks, by name: "tierctl bench NAME ...". */
static const struct {
	const char *name;
	int (*fn)(const struct tc_cmd *cmd, int argc, char **argv);
} benches[] = {
	{ "fault", bench_fault },
	{ "alloc", bench_alloc },
	{ "migrate", bench_migrate },
	{ "mem", bench_mem },
};

static int bench_run(const struct tc_cmd *cmd, int argc, char **argv)
{
	size_t i;

	if (argc < 2) {
		tc_errorf(cmd, "which benchmark? (fault, alloc, migrate, mem)");
		tc_usage(cmd, 0);
		return 1;
	}
	if (!strcmp(argv[1], "-h") || !strcmp(argv[1], "--help")) {
		tc_usage(cmd, 1);
		return 0;
	}
	for (i = 0; i < sizeof(benches) / sizeof(benches[0]); i++)
		if (!strcmp(argv[1], benches[i].name))
			return benches[i].fn(cmd, argc - 1, argv + 1);
	tc_errorf(cmd, "%s: unknown benchmark (fault, alloc, migrate, mem)", argv[1]);
	return 1;
}

const struct tc_cmd cmd_bench = {
	.name = "bench", .run = bench_run,
	.summary = "benchmarks: fault (first-touch and populate speed), alloc (allocator throughput), migrate, mem (tier figures)",
	.usage = "tierctl bench fault [--node N] [--size SIZE] [--populate-size SIZE] [--runs R] [--quiet] [--json] | alloc [--policy POLICY] [--ops N] [--threads T] [--runs R] [--quiet] [--json] | migrate [--from N] [--to N] [--size SIZE] [--runs R] [--quiet] [--json] | mem [--node N]... [--size SIZE] [--threads T] [--runs R] [--quiet] [--json | --tiers]",
	.help =
"fault: in one run, on one node, side by side:\n"
"  - first-touch fault-in (one write per 4 KiB page) of a cxltier buffer\n"
"    with 4 KiB pages, one with 2 MiB pages, and an anonymous mapping bound\n"
"    with mbind(MPOL_BIND) (4 KiB pages: MADV_NOHUGEPAGE), the baseline;\n"
"  - making a buffer ready: a cxltier buffer created with\n"
"    CXLTIER_CREATE_POPULATE (then its first touch, which only maps),\n"
"    against a single-threaded memset of an anonymous mbind mapping, the\n"
"    baseline.\n"
"Each workload runs R times, interleaved with the others; the table shows\n"
"the median and the min/max in GB/s (10^9 bytes/s) and ms, and the median\n"
"against the baseline.  Every buffer's placement is checked.  There is no\n"
"verdict on speed.  Progress goes to stderr.  Without the module (mbind\n"
"backend) the cxltier rows are skipped, saying why.\n"
"\n"
"  --node N              the node (default: the first node with CPUs)\n"
"  --size SIZE           fault-in buffers (default 256M, halved until it fits\n"
"                        the node's free memory with room to spare)\n"
"  --populate-size SIZE  populate and memset buffers (default 1G, same rule)\n"
"  --runs R              runs of each workload (default 5)\n"
"  --quiet               no progress on stderr\n"
"  --json                JSON: every run's time, and the statistics\n"
"\n"
"alloc: small-allocation throughput of a tier_pool (libtier's allocator)\n"
"against glibc malloc, in the same run: each thread frees and allocates\n"
"in a ring of 256 live objects, writing one byte of each, with a fixed\n"
"stream of sizes (log-uniform 16 B to 64 KiB, and 16 B to 256 B), with 1\n"
"and 2 threads.  After a warm-up, each workload runs R times, interleaved;\n"
"the table shows the median and min/max in 10^6 alloc/free pairs per\n"
"second and the median against malloc's.  The pool's placement is checked\n"
"at the end.\n"
"\n"
"  --policy POLICY       the pool's policy (default: bind to the first node\n"
"                        with CPUs)\n"
"  --ops N               alloc/free pairs per thread and run (default 1000000)\n"
"  --threads T           up to T threads, 1 or 2 (default 2)\n"
"  --runs R              runs (default 5)\n"
"  --quiet               no progress on stderr\n"
"  --json                JSON: every run's rate, medians and ratios\n"
"\n"
"migrate: in one run, between node A and node B, side by side: a written\n"
"cxltier buffer with 4 KiB pages moved by CXLTIER_IOC_MIGRATE from A to B\n"
"and back, the same with 2 MiB pages, and an anonymous mapping (4 KiB\n"
"pages) moved by move_pages(2) from A to B and back, the baseline.  Every\n"
"move is checked (all bytes moved, all on the target).  Medians, min/max\n"
"over R runs, GB/s and ms, and the ratio to move_pages in the same\n"
"direction.\n"
"\n"
"  --from N              node A (default: the first node with CPUs)\n"
"  --to N                node B (default: the first CXL node, else another)\n"
"  --size SIZE           bytes moved (default 256M, halved until it fits\n"
"                        twice in both nodes' free memory)\n"
"  --runs R              runs (default 5)\n"
"\n"
"mem: the cost model's tier figures (doc/cost-model.md), per node: CPU\n"
"read and write bandwidth of T threads together over a buffer bound to the\n"
"node (2 MiB pages where they can be had), and the load-to-use latency of\n"
"one thread chasing pointers through a random cycle of the buffer's 64-byte\n"
"lines (at most its first 256M).  Threads are pinned to the CPUs of the\n"
"node's nearest node with CPUs.  Writes are non-temporal stores on x86-64:\n"
"write traffic without read-for-ownership, as the optimizer's writes to\n"
"lines it has just read.  Medians, min/max over R runs; placement checked.\n"
"GPU copy figures (dma-h2d, dma-d2h) are not measured: they need a GPU.\n"
"\n"
"  --node N              a node, repeatable (default: every node with memory)\n"
"  --size SIZE           buffer per node, a multiple of 2M (default 1G,\n"
"                        halved until it fits the node's free memory)\n"
"  --threads T           threads for the bandwidths (default: every CPU of\n"
"                        the nearest CPU node this process may use)\n"
"  --runs R              runs (default 5)\n"
"  --quiet               no progress on stderr\n"
"  --json                JSON: every run's figures, the statistics\n"
"  --tiers               a tier file for 'tierctl plan --tiers FILE': one\n"
"                        'node ID cpu-read= cpu-write= latency=' line per\n"
"                        node, the medians (also --format table|json|tiers)\n",
};
