// SPDX-License-Identifier: GPL-2.0-only
/*
 * tierctl bench adam: libtier's fused AdamW step (doc/optimizer.md) on
 * placed memory, for the study's sizes, each node alone and DRAM+CXL
 * splits, one and two processes at once; beside it, in the same process,
 * with the same threads, cut and buffers, a streaming pass that moves the
 * same bytes with no arithmetic (tier_optim_stream()): the bound the step
 * is measured against.
 *
 * Bytes moved per element and step, counted honestly: fp32 weights,
 * gradients and both moments read (16), weights and moments written (12):
 * 28.  The streaming pass reads the same four arrays and writes the same
 * three.
 */
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "bench.h"
#include "progress.h"
#include "json.h"
#include "table.h"
#include "tier_optim.h"
#include "tierctl.h"
#include "util.h"

#define ADAM_BYTES_PER_ELEM	28
#define ADAM_MAX_SIZES		16
#define ADAM_MAX_POLICIES	16
#define ADAM_MAX_PROCS		4
#define ADAM_ARRAYS		4	/* p, g, m, v */

/* The study's grid of tensor sizes (elements); the largest that fit run. */
static const uint64_t study_sizes[] = {
	1840000, 12800000, 21000000, 67900000, 545000000, 671000000,
};

/* One configuration's figures, each run of each process pooled. */
struct adam_row {
	uint64_t elems;
	unsigned int policy, procs, threads;
	double step_ms[ADAM_MAX_PROCS * BENCH_MAX_RUNS];
	double stream_ms[ADAM_MAX_PROCS * BENCH_MAX_RUNS];
	unsigned int n;
	double step_med, stream_med;
	const char *skipped;
};

struct adam_opts {
	uint64_t sizes[ADAM_MAX_SIZES];
	unsigned int nr_sizes;
	struct tier_policy policies[ADAM_MAX_POLICIES];
	char policy_str[ADAM_MAX_POLICIES][TIER_POLICY_STRLEN];
	unsigned int nr_policies;
	uint64_t procs;			/* 0: 1 and 2 */
	uint64_t threads;		/* 0: the CPUs, shared out */
	unsigned int simd;
	const char *tiers;		/* --tiers FILE */
};

/* ------------------------------------------------------------------------ */
/* One process of a configuration                                            */

struct adam_child {
	int ready[2], go[2], result[2];
	pid_t pid;
};

/*
 * In the child: four buffers under @p, touched; the optimizer; ready;
 * wait for go; a warm-up step and @runs timed steps, then @runs streaming
 * passes; the times down the result pipe.  Exits 0, or 1 after a message.
 */
static int child_main(const struct tc_cmd *cmd, const struct tier_policy *p,
		      uint64_t n, unsigned int threads, unsigned int simd,
		      unsigned int runs, struct adam_child *c)
{
	struct tier_optim_opts oo = { .threads = threads, .simd = simd };
	struct tier_adam_hparams hp = {
		.lr = 1e-3, .beta1 = 0.9, .beta2 = 0.999, .eps = 1e-8,
		.weight_decay = 0.01, .flags = TIER_ADAM_DECOUPLED,
	};
	struct tier_buf *buf[ADAM_ARRAYS] = { NULL };
	struct tier_optim_range *ranges = NULL;
	double times[2 * BENCH_MAX_RUNS];
	struct tier_adam_tensor t = { .n = n };
	struct tier_optim *opt = NULL;
	struct tier_ctx *ctx = NULL;
	float *arr[ADAM_ARRAYS];
	int err, nr, i;
	unsigned int r;
	char go;

	err = tier_open(&ctx, 0);
	for (i = 0; !err && i < ADAM_ARRAYS; i++) {
		err = tier_buf_create(ctx, n * sizeof(float), p, &buf[i]);
		if (!err)
			err = tier_buf_map(buf[i], (void **)&arr[i]);
		if (!err)
			memset(arr[i], 0, n * sizeof(float));
	}
	if (err) {
		tc_error(cmd, "buffers", err);
		return 1;
	}
	/* the cut: where the moments lie (all four arrays share the policy) */
	nr = tier_optim_buf_ranges(buf[2], 0, 0, sizeof(float), n, NULL, 0);
	if (nr > 0) {
		ranges = calloc((size_t)nr, sizeof(*ranges));
		if (!ranges)
			nr = -ENOMEM;
		else
			nr = tier_optim_buf_ranges(buf[2], 0, 0, sizeof(float), n,
						   ranges, (size_t)nr);
	}
	err = nr < 0 ? nr : tier_optim_create(&opt, &oo);
	if (err) {
		tc_error(cmd, nr < 0 ? "ranges" : "optimizer", err);
		return 1;
	}
	for (i = 0; i < (int)n; i += 1024)
		arr[1][i] = 1e-3f;	/* gradients: something to step on */
	t.param = arr[0];
	t.grad = arr[1];
	t.exp_avg = arr[2];
	t.exp_avg_sq = arr[3];

	if (write(c->ready[1], "r", 1) != 1 || read(c->go[0], &go, 1) != 1)
		return 1;
	for (r = 0; r <= runs; r++) {
		double t0 = bench_now_ms();

		hp.step = r + 1;
		err = tier_adam_step(opt, &hp, &t, 1, ranges, (size_t)nr);
		if (err) {
			tc_error(cmd, "step", err);
			return 1;
		}
		if (r)
			times[r - 1] = bench_now_ms() - t0;
	}
	for (r = 0; r <= runs; r++) {
		double t0 = bench_now_ms();

		err = tier_optim_stream(opt, &t, 1, ranges, (size_t)nr);
		if (err) {
			tc_error(cmd, "streaming pass", err);
			return 1;
		}
		if (r)
			times[runs + r - 1] = bench_now_ms() - t0;
	}
	if (write(c->result[1], times, 2 * runs * sizeof(double)) !=
	    (ssize_t)(2 * runs * sizeof(double)))
		return 1;
	tier_optim_destroy(opt);
	free(ranges);
	for (i = 0; i < ADAM_ARRAYS; i++)
		tier_buf_destroy(buf[i]);
	tier_close(ctx);
	return 0;
}

/* Runs @row's configuration: @row->procs processes released together. */
static int run_config(const struct bench *b, const struct adam_opts *o,
		      struct adam_row *row)
{
	struct adam_child c[ADAM_MAX_PROCS];
	unsigned int k, started = 0, r, runs = (unsigned int)b->runs;
	double times[2 * BENCH_MAX_RUNS];
	int status, fail = 0;
	char x;

	for (k = 0; k < row->procs; k++) {
		if (pipe(c[k].ready) || pipe(c[k].go) || pipe(c[k].result)) {
			tc_error(b->cmd, "pipes", -errno);
			fail = 1;
			break;
		}
		fflush(NULL);
		c[k].pid = fork();
		if (c[k].pid < 0) {
			tc_error(b->cmd, "fork", -errno);
			fail = 1;
			break;
		}
		if (!c[k].pid)
			_exit(child_main(b->cmd, &o->policies[row->policy],
					 row->elems, row->threads, o->simd, runs,
					 &c[k]));
		started++;
		close(c[k].ready[1]);
		close(c[k].go[0]);
		close(c[k].result[1]);
	}
	for (k = 0; k < started; k++)
		if (read(c[k].ready[0], &x, 1) != 1)
			fail = 1;
	/* all ready (or some failed): release them together */
	for (k = 0; k < started; k++) {
		if (fail)
			kill(c[k].pid, SIGKILL);
		else if (write(c[k].go[1], "g", 1) != 1)
			fail = 1;
	}
	for (k = 0; k < started; k++) {
		size_t want = 2 * runs * sizeof(double);

		if (!fail && read(c[k].result[0], times, want) == (ssize_t)want) {
			for (r = 0; r < runs; r++) {
				row->step_ms[row->n] = times[r];
				row->stream_ms[row->n++] = times[runs + r];
			}
		} else {
			fail = 1;
		}
		waitpid(c[k].pid, &status, 0);
		if (!WIFEXITED(status) || WEXITSTATUS(status))
			fail = 1;
		close(c[k].ready[0]);
		close(c[k].go[1]);
		close(c[k].result[0]);
	}
	if (fail)
		return -1;
	row->step_med = bench_median(row->step_ms, row->n);
	row->stream_med = bench_median(row->stream_ms, row->n);
	return 0;
}

/* ------------------------------------------------------------------------ */
/* Options, defaults, report                                                  */

enum { OPT_SIZE = BENCH_OPT_OWN, OPT_POLICY, OPT_PROCS, OPT_THREADS, OPT_SIMD,
       OPT_TIERS };
const struct option bench_adam_opts[] = {
	{ "size", required_argument, NULL, OPT_SIZE },
	{ "policy", required_argument, NULL, OPT_POLICY },
	{ "procs", required_argument, NULL, OPT_PROCS },
	{ "threads", required_argument, NULL, OPT_THREADS },
	{ "simd", required_argument, NULL, OPT_SIMD },
	{ "tiers", required_argument, NULL, OPT_TIERS },
	BENCH_OPTS_END
};

/* Each node alone; the first DRAM and CXL nodes weighted 1:1 and split. */
static void default_policies(struct tier_ctx *ctx, struct adam_opts *o)
{
	int i, nr = tier_nr_nodes(ctx), d = -1, c = -1;
	struct tier_node n;

	for (i = 0; i < nr && o->nr_policies < ADAM_MAX_POLICIES - 2; i++) {
		if (tier_node(ctx, i, &n))
			continue;
		snprintf(o->policy_str[o->nr_policies], TIER_POLICY_STRLEN,
			 "bind:%u", n.node);
		o->nr_policies++;
		if (n.tier == CXLTIER_TIER_DRAM && d < 0)
			d = (int)n.node;
		if (n.tier == CXLTIER_TIER_CXL && c < 0)
			c = (int)n.node;
	}
	if (d >= 0 && c >= 0) {
		snprintf(o->policy_str[o->nr_policies++], TIER_POLICY_STRLEN,
			 "weighted:%d=1,%d=1", d, c);
		snprintf(o->policy_str[o->nr_policies++], TIER_POLICY_STRLEN,
			 "split:%d=50%%,%d=50%%", d, c);
	}
	for (i = 0; i < (int)o->nr_policies; i++)
		tier_policy_parse(o->policy_str[i], &o->policies[i]);
}

/* Free bytes of the policy's nodes, shared as the policy shares. */
static int fits(struct tier_ctx *ctx, const struct tier_policy *p,
		uint64_t bytes)
{
	uint64_t sum = 0, w = 0;
	struct tier_node n;
	uint32_t i;

	for (i = 0; i < p->nr_nodes; i++)
		w += p->nodes[i].weight ? p->nodes[i].weight : 1;
	for (i = 0; i < p->nr_nodes; i++) {
		uint64_t share = p->nodes[i].weight ? p->nodes[i].weight : 1;

		if (tier_node_by_id(ctx, (int)p->nodes[i].node, &n))
			return 0;
		/* this node's part, with an eighth of its memory to spare */
		if (bytes / w * share > n.free_bytes - n.free_bytes / 8)
			return 0;
		sum += n.free_bytes;
	}
	return sum > 0;
}

static void report_json(const struct bench *b, const struct adam_opts *o,
			const struct adam_row *rows, unsigned int nr)
{
	struct json j;
	unsigned int i, k;

	bench_json_open(&j, b);
	bench_json_env(&j, b);
	json_u64(&j, "runs", b->runs);
	json_u64(&j, "bytes_per_element", ADAM_BYTES_PER_ELEM);
	json_arr_open(&j, "results");
	for (i = 0; i < nr; i++) {
		const struct adam_row *r = &rows[i];
		double bytes = (double)r->elems * ADAM_BYTES_PER_ELEM * r->procs;

		json_obj_open(&j, NULL);
		json_u64(&j, "elements", r->elems);
		json_str(&j, "policy", o->policy_str[r->policy]);
		json_u64(&j, "procs", r->procs);
		json_u64(&j, "threads", r->threads);
		if (r->skipped) {
			json_str(&j, "skipped", r->skipped);
			json_obj_close(&j);
			continue;
		}
		json_arr_open(&j, "step_ms");
		for (k = 0; k < r->n; k++)
			json_f64(&j, NULL, r->step_ms[k]);
		json_arr_close(&j);
		json_arr_open(&j, "stream_ms");
		for (k = 0; k < r->n; k++)
			json_f64(&j, NULL, r->stream_ms[k]);
		json_arr_close(&j);
		json_f64(&j, "median_step_ms", r->step_med);
		json_f64(&j, "step_gbps", bytes / (r->step_med * 1e6));
		json_f64(&j, "stream_gbps", bytes / (r->stream_med * 1e6));
		json_f64(&j, "step_vs_stream", r->stream_med / r->step_med);
		json_obj_close(&j);
	}
	json_arr_close(&j);
	json_obj_close(&j);
}

static int report_table(const struct bench *b, const struct adam_opts *o,
			const struct adam_row *rows, unsigned int nr)
{
	static const char *const hdr[] = {
		"ELEMENTS", "PLACEMENT", "PROCS", "THREADS", "STEP ms",
		"STEP GB/s", "STREAM GB/s", "STEP/STREAM",
	};
	struct table t;
	unsigned int i;

	struct tier_optim_opts oo = { .threads = 1, .simd = o->simd };
	struct tier_optim *opt;
	const char *simd = "?";

	if (!tier_optim_create(&opt, &oo)) {
		simd = tier_optim_simd_name(tier_optim_simd(opt));
		tier_optim_destroy(opt);
	}
	tc_print_backend(stdout, b->ctx);
	printf("fused AdamW step (%s), medians of %llu runs per process; GB/s "
	       "of all processes together, %d bytes per element\n", simd,
	       (unsigned long long)b->runs, ADAM_BYTES_PER_ELEM);
	table_init(&t, 8, hdr, TABLE_RIGHT(0) | TABLE_RIGHT(2) | TABLE_RIGHT(3) |
		   TABLE_RIGHT(4) | TABLE_RIGHT(5) | TABLE_RIGHT(6) |
		   TABLE_RIGHT(7));
	for (i = 0; i < nr; i++) {
		const struct adam_row *r = &rows[i];
		double bytes = (double)r->elems * ADAM_BYTES_PER_ELEM * r->procs;

		table_add(&t, "%llu", (unsigned long long)r->elems);
		table_add(&t, "%s", o->policy_str[r->policy]);
		table_add(&t, "%u", r->procs);
		table_add(&t, "%u", r->threads);
		if (r->skipped) {
			table_add(&t, "-");
			table_add(&t, "-");
			table_add(&t, "-");
			table_add(&t, "%s", r->skipped);
			continue;
		}
		table_add(&t, "%.2f", r->step_med);
		table_add(&t, "%.2f", bytes / (r->step_med * 1e6));
		table_add(&t, "%.2f", bytes / (r->stream_med * 1e6));
		table_add(&t, "%.0f%%", 100.0 * r->stream_med / r->step_med);
	}
	return tc_print_table(b->cmd, &t);
}

/* The options: -1 when the benchmark goes on, else the exit status. */
static int parse_args(struct bench *b, struct adam_opts *o, int argc,
		      char **argv)
{
	uint64_t v;
	int c, ret;

	opterr = 0;
	while ((c = getopt_long(argc, argv, ":h", bench_adam_opts, NULL)) != -1) {
		switch (c) {
		case OPT_SIZE:
			if (o->nr_sizes == ADAM_MAX_SIZES ||
			    tier_size_parse(optarg, &v) || !v ||
			    v > (1ULL << 40)) {
				tc_errorf(b->cmd, "--size %s: elements, 1 to 2^40 (e.g. 16M), at most %d sizes",
					  optarg, ADAM_MAX_SIZES);
				return 1;
			}
			o->sizes[o->nr_sizes++] = v;
			break;
		case OPT_POLICY:
			if (o->nr_policies == ADAM_MAX_POLICIES ||
			    tc_parse_host_policy(b->cmd, "--policy", optarg,
					    &o->policies[o->nr_policies],
					    o->policy_str[o->nr_policies],
					    TIER_POLICY_STRLEN))
				return 1;
			o->nr_policies++;
			break;
		case OPT_PROCS:
			if (parse_uint(optarg, ADAM_MAX_PROCS, &o->procs) ||
			    !o->procs) {
				tc_errorf(b->cmd, "--procs %s: 1 to %d", optarg,
					  ADAM_MAX_PROCS);
				return 1;
			}
			break;
		case OPT_THREADS:
			if (parse_uint(optarg, 256, &o->threads) || !o->threads) {
				tc_errorf(b->cmd, "--threads %s: 1 to 256", optarg);
				return 1;
			}
			break;
		case OPT_TIERS:
			o->tiers = optarg;
			break;
		case OPT_SIMD:
			if (parse_uint(optarg, TIER_SIMD_AVX512, &v)) {
				tc_errorf(b->cmd, "--simd %s: 0 (widest), 1 scalar, 2 AVX2, 3 AVX-512",
					  optarg);
				return 1;
			}
			o->simd = (unsigned int)v;
			break;
		default:
			ret = bench_common_option(b, c, argv);
			if (ret >= 0)
				return ret;
		}
	}
	return tc_extra_args(b->cmd, argc, argv) ? 1 : -1;
}

/*
 * The tier file tierctl plan and model read (--tiers, tier_file.c): for
 * every node measured alone (a "bind:N" policy), at the largest size that
 * ran, "node N optim=GBPS optim-2p=GBPS": the step's effective GB/s (28
 * bytes per element over the median step) of one process on all the
 * threads, and per process with two at once (0 when that row did not run).
 * Rows of several nodes are never written: they are what the model
 * predicts from these.
 */
static int report_tiers(const struct bench *b, const struct adam_opts *o,
			const struct adam_row *rows, unsigned int nr)
{
	FILE *f = fopen(o->tiers, "w");
	unsigned int p, i, lines = 0;

	if (!f) {
		tc_errorf(b->cmd, "--tiers %s: %s", o->tiers, strerror(errno));
		return 1;
	}
	fprintf(f, "# tierctl bench adam --tiers, %s: kernel %s, %s backend, %llu run%s, medians\n",
		b->env.date, b->env.kernel, tier_backend_name(b->ctx),
		(unsigned long long)b->runs,
		b->runs == 1 ? "" : "s");
	fprintf(f, "# optim: the fused Adam step's GB/s (%d bytes per element), one process;\n",
		ADAM_BYTES_PER_ELEM);
	fprintf(f, "# optim-2p: per process, two processes at once on the node\n");
	for (p = 0; p < o->nr_policies; p++) {
		const struct tier_policy *pol = &o->policies[p];
		const struct adam_row *one = NULL, *two = NULL;

		if (pol->mode != CXLTIER_MODE_BIND || pol->nr_nodes != 1)
			continue;
		for (i = 0; i < nr; i++) {
			const struct adam_row *r = &rows[i];

			if (r->policy != p || r->skipped || !r->n)
				continue;
			if (r->procs == 1 && (!one || r->elems > one->elems))
				one = r;
		}
		if (!one)
			continue;
		for (i = 0; i < nr; i++)
			if (rows[i].policy == p && !rows[i].skipped &&
			    rows[i].n && rows[i].procs == 2 &&
			    rows[i].elems == one->elems)
				two = &rows[i];
		fprintf(f, "node %u optim=%.6g optim-2p=%.6g\t# %llu elements, %u threads; two: %u threads each\n",
			pol->nodes[0].node,
			(double)one->elems * ADAM_BYTES_PER_ELEM / (one->step_med * 1e6),
			two ? (double)two->elems * ADAM_BYTES_PER_ELEM /
			      (two->step_med * 1e6) : 0.0,
			(unsigned long long)one->elems, one->threads,
			two ? two->threads : 0);
		lines++;
	}
	if (fclose(f)) {
		tc_errorf(b->cmd, "--tiers %s: %s", o->tiers, strerror(errno));
		return 1;
	}
	if (!lines) {
		tc_errorf(b->cmd, "--tiers %s: no node was measured alone (give --policy bind:N)",
			  o->tiers);
		return 1;
	}
	return 0;
}

int bench_adam(const struct tc_cmd *cmd, int argc, char **argv)
{
	static struct adam_row rows[ADAM_MAX_SIZES * ADAM_MAX_POLICIES * 2];
	struct bench b = { .cmd = cmd, .name = "adam", .runs = BENCH_DEFAULT_RUNS };
	struct adam_opts o;
	unsigned int s, p, k, nr = 0, procs[2], nprocs, done = 0, total;
	double work_total = 0, work_done = 0;
	long cpus;
	int ret;

	memset(&o, 0, sizeof(o));
	ret = parse_args(&b, &o, argc, argv);
	if (ret >= 0)
		return ret;
	if (tc_open(cmd, &b.ctx))
		return 1;
	bench_read_env(&b.env);
	cpus = b.env.cpus > 0 ? b.env.cpus : 1;
	if (!o.nr_policies)
		default_policies(b.ctx, &o);
	if (!o.nr_sizes)
		for (s = 0; s < sizeof(study_sizes) / sizeof(study_sizes[0]); s++)
			o.sizes[o.nr_sizes++] = study_sizes[s];
	nprocs = o.procs ? 1 : 2;
	procs[0] = o.procs ? (unsigned int)o.procs : 1;
	procs[1] = 2;

	total = o.nr_sizes * o.nr_policies * nprocs;
	/* the work of a configuration: its elements, in each process */
	for (s = 0; s < o.nr_sizes; s++)
		work_total += (double)o.sizes[s] * o.nr_policies *
			      (nprocs == 1 ? procs[0] : procs[0] + procs[1]);
	tc_progress_begin("tierctl bench adam", work_total, b.quiet);
	for (s = 0; s < o.nr_sizes; s++) {
		for (p = 0; p < o.nr_policies; p++) {
			for (k = 0; k < nprocs; k++) {
				struct adam_row *r = &rows[nr++];

				r->elems = o.sizes[s];
				r->policy = p;
				r->procs = procs[k];
				r->threads = o.threads ? (unsigned int)o.threads :
					     (unsigned int)(cpus / r->procs ?
							    cpus / r->procs : 1);
				done++;
				if (!fits(b.ctx, &o.policies[p], r->elems *
					  ADAM_ARRAYS * sizeof(float) * r->procs)) {
					r->skipped = "does not fit";
					work_done += (double)r->elems * r->procs;
					continue;
				}
				tc_progress_note("[%u/%u] %llu elements, %s, %u process%s",
						 done, total,
						 (unsigned long long)r->elems,
						 o.policy_str[p], r->procs,
						 r->procs == 1 ? "" : "es");
				if (run_config(&b, &o, r)) {
					tc_progress_end();
					tier_close(b.ctx);
					return 1;
				}
				work_done += (double)r->elems * r->procs;
				tc_progress_at(work_done);
			}
		}
	}
	tc_progress_end();
	ret = 0;
	if (b.json)
		report_json(&b, &o, rows, nr);
	else
		ret = report_table(&b, &o, rows, nr);
	if (o.tiers && report_tiers(&b, &o, rows, nr))
		ret = 1;
	tier_close(b.ctx);
	return ret ? 1 : 0;
}
