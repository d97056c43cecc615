// SPDX-License-Identifier: GPL-2.0-only
/*
 * tierctl bench alloc: small-allocation throughput, alloc/free pairs per
 * second of a tier_arena against glibc malloc, 1 and 2 threads, fixed size
 * streams.
 */
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bench.h"
#include "json.h"
#include "table.h"
#include "tierctl.h"
#include "util.h"

#define ALLOC_DEFAULT_OPS	1000000ULL	/* alloc/free pairs per thread */
#define ALLOC_MAX_OPS		1000000000ULL
#define ALLOC_RING		256		/* live objects per thread */
#define ALLOC_MAX_THREADS	2

enum alloc_impl { IMPL_ARENA, IMPL_MALLOC, NR_IMPLS };

static const char *const impl_name[NR_IMPLS] = { "tier_arena", "malloc" };
static const char *const impl_label[NR_IMPLS] = {
	"tier_arena", "glibc malloc",
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
	struct tier_arena *arena;	/* NULL: malloc */
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

		if (t->arena) {
			if (ring[k] && tier_arena_free(t->arena, ring[k]))
				t->err = -EINVAL;
			if (tier_arena_alloc(t->arena, t->sizes[i], 0, &p))
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
		if (t->arena)
			tier_arena_free(t->arena, ring[i]);
		else
			free(ring[i]);
	}
	return NULL;
}

/* One run: @nthreads threads, each its own size stream; ms of the run. */
static int alloc_run(struct tier_arena *arena, size_t *const *sizes,
		     unsigned int nthreads, uint64_t ops, double *ms)
{
	struct alloc_thread t[ALLOC_MAX_THREADS];
	pthread_barrier_t start;
	unsigned int i, started = 0;
	double t0;
	int err = 0;

	pthread_barrier_init(&start, NULL, nthreads + 1);
	for (i = 0; i < nthreads; i++) {
		t[i] = (struct alloc_thread){ .arena = arena, .sizes = sizes[i],
					      .ops = ops, .start = &start };
		if (pthread_create(&t[i].tid, NULL, alloc_worker, &t[i]))
			break;
		started++;
	}
	if (started < nthreads) {
		/* let the started ones go, then report */
		for (i = started; i < nthreads; i++) {
			t[i] = (struct alloc_thread){ .arena = arena, .sizes = sizes[i],
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

/* Every byte the arena holds is on the policy's nodes. */
static int alloc_check_placement(const struct tc_cmd *cmd,
				 struct tier_arena *arena,
				 const struct tier_policy *p)
{
	struct tier_arena_stat st;
	uint32_t i, k;
	int err = tier_arena_stat(arena, &st);

	if (err) {
		tc_error(cmd, "arena stat", err);
		return -1;
	}
	for (i = 0; i < st.nr_resident; i++) {
		for (k = 0; k < p->nr_nodes; k++)
			if (p->nodes[k].node == st.resident[i].node)
				break;
		if (k == p->nr_nodes) {
			tc_errorf(cmd, "placement: %llu bytes of the arena on node %u, outside the policy",
				  (unsigned long long)st.resident[i].bytes,
				  st.resident[i].node);
			return -1;
		}
	}
	return 0;
}

/* The figures of one row: million pairs per second, and malloc's median. */
struct alloc_stats {
	double med, min, max, base;
};

/* Row [@w][@t][@i]'s figures; false when it has not run. */
static bool alloc_stats(unsigned int w, unsigned int t, unsigned int i,
			struct alloc_stats *s)
{
	const struct alloc_row *m = &alloc_rows[w][t][IMPL_MALLOC];
	double v[BENCH_MAX_RUNS];
	unsigned int k;

	if (!alloc_rows[w][t][i].n)
		return false;
	for (k = 0; k < m->n; k++)
		v[k] = m->mops[k];
	s->base = bench_median(v, m->n);
	for (k = 0; k < alloc_rows[w][t][i].n; k++)
		v[k] = alloc_rows[w][t][i].mops[k];
	s->med = bench_median(v, k);
	s->min = v[0];
	s->max = v[k - 1];
	return true;
}

/* The options and what the set-up made of them. */
struct alloc {
	const char *policy_arg;
	uint64_t ops, maxt;
	struct tier_policy policy;
	char policy_str[TIER_POLICY_STRLEN];
	struct tier_arena *arena;
	size_t *sizes[NR_WORKLOADS][ALLOC_MAX_THREADS];
};

static void alloc_report_json(const struct bench *b, const struct alloc *a)
{
	struct alloc_stats s;
	unsigned int w, t, i, k;
	struct json j;

	bench_json_open(&j, b);
	json_str(&j, "policy", a->policy_str);
	bench_json_env(&j, b);
	json_u64(&j, "runs", b->runs);
	json_u64(&j, "ops_per_thread", a->ops);
	json_u64(&j, "live_objects_per_thread", ALLOC_RING);
	json_arr_open(&j, "results");
	for (w = 0; w < NR_WORKLOADS; w++) {
		for (t = 0; t < a->maxt; t++) {
			for (i = 0; i < NR_IMPLS; i++) {
				const struct alloc_row *r = &alloc_rows[w][t][i];

				if (!alloc_stats(w, t, i, &s))
					continue;
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
				json_f64(&j, "median_mpairs_per_s", s.med);
				json_f64(&j, "min_mpairs_per_s", s.min);
				json_f64(&j, "max_mpairs_per_s", s.max);
				json_f64(&j, "ratio_vs_malloc", s.med / s.base);
				json_obj_close(&j);
			}
		}
	}
	json_arr_close(&j);
	json_obj_close(&j);
}

static void alloc_report_table(const struct bench *b, const struct alloc *a)
{
	static const char *const hdr[] = {
		"ALLOCATOR", "THREADS", "Mpairs/s MEDIAN", "MIN", "MAX",
		"ns/pair/thread", "VS MALLOC",
	};
	char lo[SIZE_STRLEN], hi[SIZE_STRLEN];
	struct alloc_stats s;
	unsigned int w, t, i;
	struct table tb;

	tc_print_backend(stdout, b->ctx);
	printf("bench alloc: arena policy %s; %u runs each, interleaved; %llu alloc/free pairs per thread per run, %d live objects per thread; kernel %s, %ld CPUs\n",
	       a->policy_str, (unsigned int)b->runs, (unsigned long long)a->ops,
	       ALLOC_RING, b->env.kernel, b->env.cpus);
	printf("Mpairs/s = 10^6 alloc+free pairs per second, all threads together; one write per object; VS MALLOC = median / glibc malloc's median\n");
	for (w = 0; w < NR_WORKLOADS; w++) {
		table_init(&tb, 7, hdr, 0x7e);
		for (t = 0; t < a->maxt; t++) {
			for (i = 0; i < NR_IMPLS; i++) {
				if (!alloc_stats(w, t, i, &s))
					continue;
				table_add(&tb, "%s", impl_label[i]);
				table_add(&tb, "%u", t + 1);
				table_add(&tb, "%.1f", s.med);
				table_add(&tb, "%.1f", s.min);
				table_add(&tb, "%.1f", s.max);
				table_add(&tb, "%.1f", 1e3 * (t + 1) / s.med);
				table_add(&tb, i == IMPL_MALLOC ? "1.00x (base)" : "%.2fx",
					  s.med / s.base);
			}
		}
		printf("\nsizes %s to %s, log-uniform:\n",
		       format_size(alloc_workloads[w].lo, lo, sizeof(lo)),
		       format_size(alloc_workloads[w].hi, hi, sizeof(hi)));
		table_print(&tb, stdout);
		table_free(&tb);
	}
}

/* ------------------------------------------------------------------------ */
/* The benchmark                                                              */

enum { OPT_POLICY = BENCH_OPT_OWN, OPT_OPS, OPT_THREADS };

const struct option bench_alloc_opts[] = {
	{ "policy", required_argument, NULL, OPT_POLICY },
	{ "ops", required_argument, NULL, OPT_OPS },
	{ "threads", required_argument, NULL, OPT_THREADS },
	BENCH_OPTS_END,
};

static int alloc_option(struct bench *b, int c, void *priv)
{
	struct alloc *a = priv;

	switch (c) {
	case OPT_POLICY:
		a->policy_arg = optarg;
		return 0;
	case OPT_OPS:
		if (parse_uint(optarg, ALLOC_MAX_OPS, &a->ops) || a->ops < ALLOC_RING) {
			tc_errorf(b->cmd, "--ops %s: a number from %d to %llu",
				  optarg, ALLOC_RING, ALLOC_MAX_OPS);
			return 1;
		}
		return 0;
	default:
		if (parse_uint(optarg, ALLOC_MAX_THREADS, &a->maxt) || !a->maxt) {
			tc_errorf(b->cmd, "--threads %s: 1 or 2 (runs 1 up to it)",
				  optarg);
			return 1;
		}
		return 0;
	}
}

/*
 * The policy (default: bind to the first node with CPUs), the arena, the
 * size streams.
 */
static int alloc_setup(struct bench *b, void *priv)
{
	char what[TIER_POLICY_STRLEN + 32];
	struct alloc *a = priv;
	unsigned int w, t;
	int err;

	if (a->policy_arg) {
		if (tc_parse_host_policy(b->cmd, "--policy", a->policy_arg, &a->policy,
				    a->policy_str, sizeof(a->policy_str)))
			return 1;
	} else {
		a->policy.mode = CXLTIER_MODE_BIND;
		a->policy.nr_nodes = 1;
		a->policy.nodes[0].node = bench_first_cpu_node(b->ctx);
		tier_policy_format(&a->policy, a->policy_str,
				   sizeof(a->policy_str));
	}
	err = tier_arena_create(b->ctx, &a->policy, NULL, &a->arena);
	if (err) {
		snprintf(what, sizeof(what), "arena with policy %s", a->policy_str);
		tc_error(b->cmd, what, err);
		return 1;
	}
	for (w = 0; w < NR_WORKLOADS; w++) {
		for (t = 0; t < a->maxt; t++) {
			a->sizes[w][t] = alloc_sizes(&alloc_workloads[w], t, a->ops);
			if (!a->sizes[w][t]) {
				tc_error(b->cmd, "size streams", -ENOMEM);
				return 1;
			}
		}
	}
	memset(alloc_rows, 0, sizeof(alloc_rows));
	return 0;
}

/* Each allocator, workload and thread count once; run 0 is the warm-up. */
static int alloc_bench_run(struct bench *b, unsigned int run, void *priv)
{
	char what[64];
	struct alloc *a = priv;
	unsigned int w, t, i;
	double ms;
	int err;

	for (w = 0; w < NR_WORKLOADS; w++) {
		for (t = 1; t <= a->maxt; t++) {
			for (i = 0; i < NR_IMPLS; i++) {
				struct alloc_row *r = &alloc_rows[w][t - 1][i];

				bench_step(b, " %s/%s/%ut", impl_name[i],
					   alloc_workloads[w].name, t);
				err = alloc_run(i == IMPL_ARENA ? a->arena : NULL,
						a->sizes[w], t, a->ops, &ms);
				if (err) {
					bench_end_line(b);
					snprintf(what, sizeof(what), "%s, %u threads",
						 impl_label[i], t);
					tc_error(b->cmd, what, err);
					return -1;
				}
				if (run)
					r->mops[r->n++] = (double)a->ops * t / (ms * 1e3);
			}
		}
	}
	return 0;
}

static int alloc_report(struct bench *b, void *priv)
{
	struct alloc *a = priv;

	if (alloc_check_placement(b->cmd, a->arena, &a->policy))
		return 1;
	if (b->json)
		alloc_report_json(b, a);
	else
		alloc_report_table(b, a);
	return 0;
}

static void alloc_cleanup(struct bench *b, void *priv)
{
	struct alloc *a = priv;
	unsigned int w, t;

	(void)b;
	for (w = 0; w < NR_WORKLOADS; w++)
		for (t = 0; t < ALLOC_MAX_THREADS; t++)
			free(a->sizes[w][t]);
	tier_arena_destroy(a->arena);
}

static const struct bench_def alloc_def = {
	.name = "alloc",
	.opts = bench_alloc_opts,
	.warm_up = true,
	.option = alloc_option,
	.setup = alloc_setup,
	.run = alloc_bench_run,
	.report = alloc_report,
	.cleanup = alloc_cleanup,
};

int bench_alloc(const struct tc_cmd *cmd, int argc, char **argv)
{
	struct alloc a = { .ops = ALLOC_DEFAULT_OPS, .maxt = 2 };

	return bench_main(cmd, &alloc_def, argc, argv, &a);
}
