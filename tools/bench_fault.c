// SPDX-License-Identifier: GPL-2.0-only
/*
 * tierctl bench fault: in one run, on one node, first-touch fault-in of a
 * cxltier buffer with 4 KiB pages, one with 2 MiB pages, and an anonymous
 * mbind(MPOL_BIND) mapping; then making a buffer ready:
 * CXLTIER_CREATE_POPULATE against a single-threaded memset of an
 * anonymous mbind mapping.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdbool.h>
#include <signal.h>
#include <stdio.h>
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
	ROW_TIER_2M,		/* cxltier, 2 MiB pages, fault-in */
	ROW_ANON,		/* anonymous + mbind, fault-in: the baseline */
	ROW_POPULATE,		/* cxltier CREATE_POPULATE */
	ROW_POP_TOUCH,		/* first touch of the populated buffer */
	ROW_POP_TOTAL,		/* populate + first touch */
	ROW_MEMSET,		/* anonymous + mbind + memset: the baseline */
	NR_ROWS
};

/* The two groups: fault-in, and making a buffer ready. */
#define FAULT		"fault"
#define POPULATE	"populate"

#define ROW(_name, _label, _group, _baseline) \
	{ .name = _name, .label = _label, .group = _group, .baseline = _baseline }

static struct bench_row rows[NR_ROWS] = {
	[ROW_TIER_4K] = ROW("cxltier_4k_fault", "cxltier, 4 KiB pages", FAULT,
			    ROW_ANON),
	[ROW_TIER_2M] = ROW("cxltier_2m_fault", "cxltier, 2 MiB pages", FAULT,
			    ROW_ANON),
	[ROW_ANON] = ROW("anon_mbind_fault", "anon + mbind(MPOL_BIND), 4 KiB pages",
			 FAULT, -1),
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
};

/* The options and what the set-up made of them. */
struct fault {
	const char *node_arg;
	uint64_t node, fsize, psize;
	const char *skipped;		/* why the cxltier rows are not run */
	char skip_msg[256];
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

/*
 * A cxltier buffer of @len bytes on the node, created (timed into
 * *@create_ms), mapped, every page touched (timed into *@touch_ms), and
 * checked: after the touch, or with CXLTIER_CREATE_POPULATE before it.
 */
static int tier_create_touch(struct bench *b, uint64_t len, unsigned int shift,
			     uint32_t flags, const char *what,
			     double *create_ms, double *touch_ms)
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
	if (guarded_touch(addr, len, b->page, touch_ms)) {
		if (populate)
			tc_errorf(b->cmd, "%s: SIGBUS on a populated page", what);
		else
			tc_errorf(b->cmd, "%s: SIGBUS: node %u could not give a page",
				  what, b->node);
		goto out;
	}
	if (!populate && bench_check_buf(b->cmd, buf, b->node, what))
		goto out;
	ret = 0;
out:
	tier_buf_destroy(buf);
	return ret;
}

/* Fault-in of a fresh cxltier buffer. */
static int run_tier_fault(struct bench *b, struct bench_row *r,
			  unsigned int shift, const char *what)
{
	double create_ms;

	if (tier_create_touch(b, r->bytes, shift, 0, what, &create_ms,
			      &r->ms[r->n]))
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
			      "populated buffer", &pop->ms[pop->n],
			      &touch->ms[touch->n]))
		return -1;
	total->ms[total->n] = pop->ms[pop->n] + touch->ms[touch->n];
	pop->n++;
	touch->n++;
	total->n++;
	return 0;
}

/*
 * An anonymous mbind mapping made ready, timed: touched page by page, or
 * by one memset (@use_memset); then checked to be all on the node.
 */
static int run_anon(struct bench *b, struct bench_row *r, bool use_memset,
		    const char *what)
{
	char *p = bench_anon_map(b, r->bytes);
	double t0;
	int ret = -1;

	if (!p)
		return -1;
	if (use_memset) {
		t0 = bench_now_ms();
		memset(p, 0, r->bytes);
		r->ms[r->n] = bench_now_ms() - t0;
	} else if (guarded_touch(p, r->bytes, b->page, &r->ms[r->n])) {
		tc_errorf(b->cmd, "%s: SIGBUS", what);
		goto out;
	}
	if (bench_anon_check(b, p, r->bytes, what))
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
	for (i = 0; i < NR_ROWS; i++) {
		rows[i].n = 0;
		rows[i].bytes = f->fsize;
		if (!strcmp(rows[i].group, POPULATE))
			rows[i].bytes = f->psize;
	}
	return 0;
}

static int fault_run(struct bench *b, unsigned int run, void *priv)
{
	struct fault *f = priv;
	char sz[SIZE_STRLEN];

	(void)run;
	format_size(f->psize, sz, sizeof(sz));
	if (b->module) {
		bench_step(b, " cxltier-4K");
		if (run_tier_fault(b, &rows[ROW_TIER_4K], 0, "4 KiB-page buffer"))
			return -1;
		bench_step(b, " cxltier-2M");
		if (run_tier_fault(b, &rows[ROW_TIER_2M],
				   CXLTIER_HUGE_PAGE_SHIFT, "2 MiB-page buffer"))
			return -1;
	}
	bench_step(b, " anon");
	if (run_anon(b, &rows[ROW_ANON], false, "anonymous mapping"))
		return -1;
	if (b->module) {
		bench_step(b, " populate-%s", sz);
		if (run_tier_populate(b))
			return -1;
	}
	bench_step(b, " memset-%s", sz);
	return run_anon(b, &rows[ROW_MEMSET], true, "memset mapping");
}

static int fault_report(struct bench *b, void *priv)
{
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
	printf("\nmaking %s ready (allocated, zeroed, mapped):\n",
	       format_size(f->psize, sz, sizeof(sz)));
	bench_print_rows(rows, NR_ROWS, POPULATE, "VS BASELINE");
	return 0;
}

static const struct bench_def fault_def = {
	.name = "fault",
	.opts = bench_fault_opts,
	.option = fault_option,
	.setup = fault_setup,
	.run = fault_run,
	.report = fault_report,
};

int bench_fault(const struct tc_cmd *cmd, int argc, char **argv)
{
	struct fault f = { 0 };

	return bench_main(cmd, &fault_def, argc, argv, &f);
}
