// SPDX-License-Identifier: GPL-2.0-only
/*
 * tierctl alloc: create a buffer, write a pattern over it and read it back,
 * then show where its pages are.
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

#include "progress.h"
#include "table.h"
#include "tierctl.h"
#include "util.h"

/* A first touch the node cannot back is SIGBUS (module backend). */
static sigjmp_buf touch_env;
static void *volatile bus_addr;

static void on_sigbus(int sig, siginfo_t *si, void *uctx)
{
	(void)sig;
	(void)uctx;
	bus_addr = si->si_addr;
	siglongjmp(touch_env, 1);
}

static uint64_t pattern(uint64_t seed, size_t i)
{
	uint64_t x = seed + (uint64_t)i * 0x9e3779b97f4a7c15ULL;

	x ^= x >> 31;
	return x * 0xbf58476d1ce4e5b9ULL;
}

/* Words between two progress updates: 8 MiB. */
#define TOUCH_STEP	(1UL << 20)

/*
 * Write the pattern over @n words, then check it: 0, or 1 and the offset.
 * Progress counts the bytes written, then those read back.
 */
static __attribute__((noinline)) int fill_and_check(volatile uint64_t *w, size_t n, uint64_t seed,
			  size_t *where)
{
	size_t i;

	for (i = 0; i < n; i++) {
		w[i] = pattern(seed, i);
		if (!((i + 1) % TOUCH_STEP))
			tc_progress_at((double)(i + 1) * sizeof(uint64_t));
	}
	tc_progress_note("reading back");
	for (i = 0; i < n; i++) {
		if (w[i] != pattern(seed, i)) {
			*where = i * sizeof(uint64_t);
			return 1;
		}
		if (!((i + 1) % TOUCH_STEP))
			tc_progress_at((double)(n + i + 1) * sizeof(uint64_t));
	}
	return 0;
}

/*
 * Touch every page of [addr, addr + len) with a pattern and read it back.
 * Return 0; 1 when a word reads back wrong; 2 on SIGBUS; *@where is the
 * offset of the problem.
 */
static int touch(void *addr, size_t len, uint64_t seed, size_t *where)
{
	/* what sigsetjmp() must not lose lives in volatile locals */
	char *volatile base = addr;
	volatile size_t words = len / sizeof(uint64_t);
	volatile uint64_t s = seed;
	struct sigaction sa, old;
	volatile int ret;

	memset(&sa, 0, sizeof(sa));
	sa.sa_sigaction = on_sigbus;
	sa.sa_flags = SA_SIGINFO;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGBUS, &sa, &old);
	if (sigsetjmp(touch_env, 1) == 0) {
		ret = fill_and_check((uint64_t *)base, words, s, where);
	} else {
		*where = (size_t)((char *)bus_addr - base);
		ret = 2;
	}
	sigaction(SIGBUS, &old, NULL);
	return ret;
}

static double now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

static bool in_policy(const struct tier_policy *p, uint32_t node)
{
	uint32_t i;

	for (i = 0; i < p->nr_nodes; i++)
		if (p->nodes[i].node == node)
			return true;
	return false;
}

static const struct {
	uint32_t flag;
	const char *name;
} flag_names[] = {
	{ CXLTIER_CREATE_FALLBACK, "fallback" },
	{ CXLTIER_CREATE_POPULATE, "populate" },
	{ CXLTIER_CREATE_PINNABLE, "pinnable" },
	{ CXLTIER_CREATE_HUGE_FALLBACK, "huge-fallback" },
	{ CXLTIER_CREATE_RESERVE, "reserve" },
};

#define NR_FLAGS	(sizeof(flag_names) / sizeof(flag_names[0]))

/*
 * The share of the buffer the policy asks of node @i of its list: weight /
 * sum for weighted and split, 1 / n for interleave; NaN where the mode
 * asks no share (bind, preferred).
 */
static double requested_share(const struct tier_policy *p, uint32_t i)
{
	uint64_t sum = 0;
	uint32_t k;

	switch (p->mode) {
	case CXLTIER_MODE_WEIGHTED:
	case CXLTIER_MODE_SPLIT:
		for (k = 0; k < p->nr_nodes; k++)
			sum += p->nodes[k].weight;
		return sum ? (double)p->nodes[i].weight / (double)sum : NAN;
	case CXLTIER_MODE_INTERLEAVE:
		return 1.0 / p->nr_nodes;
	default:
		return NAN;
	}
}

/* One row of the placement: a node of the policy or one holding pages. */
struct place_row {
	uint32_t node;
	uint64_t bytes;
	double requested;	/* NaN: none */
	bool listed;
};

struct alloc_result {
	const char *policy;
	const struct tier_policy *pol;
	uint64_t pages;
	double create_ms, touch_ms;
	uint64_t populated;		/* resident before the first touch */
	int64_t pmd_mapped;		/* tier_buf_pmd_mapped() after it */
	int64_t pmd_units;		/* tier_buf_pmd_units() after it */
	uint64_t off_policy;		/* resident bytes outside the policy */
	struct place_row rows[2 * TIER_MAX_POLICY_NODES];
	unsigned int nr_rows;
	bool any_requested;
};

static int row_cmp(const void *a, const void *b)
{
	const struct place_row *x = a, *y = b;

	return (x->node > y->node) - (x->node < y->node);
}

/* Policy nodes, in ascending order, and any other node holding pages. */
static void build_rows(struct alloc_result *r, const struct tier_buf_stat *st)
{
	const struct tier_policy *p = r->pol;
	uint32_t i, k;

	r->nr_rows = 0;
	r->off_policy = 0;
	for (i = 0; i < p->nr_nodes; i++) {
		struct place_row *row = &r->rows[r->nr_rows++];

		row->node = p->nodes[i].node;
		row->bytes = 0;
		row->requested = requested_share(p, i);
		row->listed = true;
		if (!isnan(row->requested))
			r->any_requested = true;
		for (k = 0; k < st->nr_resident; k++)
			if (st->resident[k].node == row->node)
				row->bytes = st->resident[k].bytes;
	}
	for (k = 0; k < st->nr_resident; k++) {
		struct place_row *row;

		if (in_policy(p, st->resident[k].node))
			continue;
		r->off_policy += st->resident[k].bytes;
		if (r->nr_rows == sizeof(r->rows) / sizeof(r->rows[0]))
			continue;
		row = &r->rows[r->nr_rows++];
		row->node = st->resident[k].node;
		row->bytes = st->resident[k].bytes;
		row->requested = NAN;
		row->listed = false;
	}
	qsort(r->rows, r->nr_rows, sizeof(r->rows[0]), row_cmp);
}

static double share_of(uint64_t bytes, uint64_t total)
{
	return total ? (double)bytes / (double)total : 0.0;
}

static const char *node_tier(const struct tier_ctx *ctx, uint32_t node)
{
	struct tier_node n;

	return tier_node_by_id(ctx, (int)node, &n) ? NULL : tc_tier_name(n.tier);
}

static void report_json(const struct tier_ctx *ctx, const struct tier_buf_stat *st,
			const struct alloc_result *r, unsigned int hold)
{
	struct json j;
	uint32_t i;

	json_init(&j, stdout);
	json_obj_open(&j, NULL);
	tc_json_backend(&j, ctx);
	json_u64(&j, "id", st->id);
	json_u64(&j, "length", st->length);
	json_u64(&j, "map_length", st->map_length);
	json_str(&j, "policy", r->policy);
	json_str(&j, "mode", tc_mode_name(st->mode));
	json_arr_open(&j, "flags");
	for (i = 0; i < NR_FLAGS; i++)
		if (st->create_flags & flag_names[i].flag)
			json_str(&j, NULL, flag_names[i].name);
	json_arr_close(&j);
	json_u64(&j, "page_size", 1ULL << st->page_shift);
	if (st->chunk_shift)
		json_u64(&j, "chunk_size", 1ULL << st->chunk_shift);
	else
		json_null(&j, "chunk_size");
	json_u64(&j, "pages", r->pages);
	json_i64(&j, "create_us", (int64_t)(r->create_ms * 1000));
	json_u64(&j, "populated_bytes", r->populated);
	json_bool(&j, "verified", true);
	json_i64(&j, "touch_us", (int64_t)(r->touch_ms * 1000));
	json_u64(&j, "resident_bytes", st->resident_bytes);
	json_arr_open(&j, "resident");
	for (i = 0; i < st->nr_resident; i++) {
		json_obj_open(&j, NULL);
		json_u64(&j, "node", st->resident[i].node);
		json_str(&j, "tier", node_tier(ctx, st->resident[i].node));
		json_u64(&j, "bytes", st->resident[i].bytes);
		json_obj_close(&j);
	}
	json_arr_close(&j);
	/* every node of the policy and every node holding pages */
	json_arr_open(&j, "placement");
	for (i = 0; i < r->nr_rows; i++) {
		const struct place_row *row = &r->rows[i];

		json_obj_open(&j, NULL);
		json_u64(&j, "node", row->node);
		json_str(&j, "tier", node_tier(ctx, row->node));
		json_bool(&j, "in_policy", row->listed);
		json_u64(&j, "bytes", row->bytes);
		json_f64(&j, "share", share_of(row->bytes, st->map_length));
		json_f64(&j, "requested_share", row->requested);
		json_obj_close(&j);
	}
	json_arr_close(&j);
	json_u64(&j, "spilled_bytes", st->spilled_bytes);
	json_u64(&j, "off_policy_bytes", r->off_policy);
	json_u64(&j, "pmd_map_faults", st->pmd_map_faults);
	json_u64(&j, "pte_map_faults", st->pte_map_faults);
	json_u64(&j, "split_units", st->split_units);
	if (r->pmd_mapped >= 0)
		json_u64(&j, "pmd_mapped_bytes", (uint64_t)r->pmd_mapped);
	else
		json_null(&j, "pmd_mapped_bytes");
	if (r->pmd_units >= 0)
		json_u64(&j, "pmd_mapped_units", (uint64_t)r->pmd_units);
	else
		json_null(&j, "pmd_mapped_units");
	json_i64(&j, "pid", (int64_t)getpid());
	json_u64(&j, "hold_seconds", hold);
	json_obj_close(&j);
}

static int report_table(const struct tc_cmd *cmd, const struct tier_ctx *ctx,
			const struct tier_buf_stat *st,
			const struct alloc_result *r)
{
	static const char *const hdr[] = {
		"NODE", "TIER", "RESIDENT", "SHARE", "REQUESTED",
	};
	char s1[SIZE_STRLEN], s2[SIZE_STRLEN], s3[SIZE_STRLEN];
	unsigned int ncols = r->any_requested ? 5 : 4;
	struct table t;
	uint32_t i;

	tc_print_backend(stdout, ctx);
	printf("buffer %llu: %s (%llu bytes), policy %s, %s pages",
	       (unsigned long long)st->id, format_size(st->length, s1, sizeof(s1)),
	       (unsigned long long)st->length, r->policy,
	       format_size(1ULL << st->page_shift, s2, sizeof(s2)));
	if (st->chunk_shift)
		printf(", %s chunks", format_size(1ULL << st->chunk_shift, s1,
						  sizeof(s1)));
	printf("\ncreated in %.1f ms, %s resident before the first touch\n",
	       r->create_ms, format_size(r->populated, s1, sizeof(s1)));
	printf("touched %llu pages, pattern verified (%.1f ms)\n",
	       (unsigned long long)r->pages, r->touch_ms);
	printf("resident %s of %s, spilled %s (%.1f%%):\n",
	       format_size(st->resident_bytes, s1, sizeof(s1)),
	       format_size(st->map_length, s2, sizeof(s2)),
	       format_size(st->spilled_bytes, s3, sizeof(s3)),
	       100.0 * share_of(st->spilled_bytes, st->map_length));
	if (st->page_shift == CXLTIER_HUGE_PAGE_SHIFT &&
	    tier_backend(ctx) == TIER_BACKEND_MODULE) {
		printf("%s units: %llu faults mapped a unit with one PMD entry, %llu with 4 KiB PTEs; %u of %llu units split\n",
		       format_size(1ULL << st->page_shift, s1, sizeof(s1)),
		       (unsigned long long)st->pmd_map_faults,
		       (unsigned long long)st->pte_map_faults, st->split_units,
		       (unsigned long long)(st->map_length >> st->page_shift));
		if (r->pmd_units >= 0)
			printf("%llu of %llu units mapped by one PMD entry now (every process, BUF_STAT)\n",
			       (unsigned long long)r->pmd_units,
			       (unsigned long long)(st->map_length >>
						    st->page_shift));
	}

	table_init(&t, ncols, hdr, TABLE_RIGHT(0) | TABLE_RIGHT(2) |
		   TABLE_RIGHT(3) | TABLE_RIGHT(4));
	for (i = 0; i < r->nr_rows; i++) {
		const struct place_row *row = &r->rows[i];
		const char *tier = node_tier(ctx, row->node);

		table_add(&t, "%u", row->node);
		table_add(&t, "%s", tier ? tier : "?");
		table_add(&t, "%s", format_size(row->bytes, s1, sizeof(s1)));
		table_add(&t, "%.1f%%", 100.0 * share_of(row->bytes, st->map_length));
		if (ncols == 5) {
			if (isnan(row->requested))
				table_add(&t, "%s", row->listed ? "-" : "outside");
			else
				table_add(&t, "%.1f%%", 100.0 * row->requested);
		}
	}
	return tc_print_table(cmd, &t);
}

/*
 * A populate runs inside the create call: its progress is what the nodes
 * of the policy gained in cxltier pages meanwhile (their used_bytes in
 * sysfs, through a second context), 5 times a second.  Other buffers filling the
 * same nodes at the same time would show as progress too: it is a
 * progress line, not a measurement.
 */
struct populate_watch {
	const struct tier_policy *policy;
	struct tier_ctx *ctx;		/* the watcher's own, opened before */
	double total, base;
	pthread_mutex_t lock;
	pthread_cond_t cond;
	bool done;
};

static double policy_used(struct tier_ctx *c, const struct tier_policy *p)
{
	struct tier_quota q;
	double used = 0;
	uint32_t i;

	for (i = 0; i < p->nr_nodes; i++)
		if (!tier_node_quota(c, (int)p->nodes[i].node, &q))
			used += (double)q.used_bytes;
	return used;
}

static void *populate_thread(void *arg)
{
	struct populate_watch *w = arg;
	struct timespec ts;

	pthread_mutex_lock(&w->lock);
	while (!w->done) {
		clock_gettime(CLOCK_REALTIME, &ts);
		ts.tv_nsec += 200 * 1000 * 1000;
		if (ts.tv_nsec >= 1000000000L) {
			ts.tv_sec++;
			ts.tv_nsec -= 1000000000L;
		}
		pthread_cond_timedwait(&w->cond, &w->lock, &ts);
		if (w->done)
			break;
		tc_progress_at(policy_used(w->ctx, w->policy) - w->base);
	}
	pthread_mutex_unlock(&w->lock);
	return NULL;
}

static int create_buffer(struct tier_ctx *ctx, size_t size,
			 const struct tier_policy *policy, bool quiet,
			 struct tier_buf **buf)
{
	struct populate_watch w = {
		.policy = policy, .total = (double)size,
		.lock = PTHREAD_MUTEX_INITIALIZER,
		.cond = PTHREAD_COND_INITIALIZER,
	};
	bool watch = !quiet && isatty(STDERR_FILENO) &&
		     (policy->flags & CXLTIER_CREATE_POPULATE) &&
		     tier_backend(ctx) == TIER_BACKEND_MODULE;
	pthread_t th;
	int err;

	/* the watcher's context and starting point, before the populate */
	if (watch && tier_open(&w.ctx, TIER_OPEN_MODULE))
		watch = false;
	if (watch) {
		w.base = policy_used(w.ctx, policy);
		tc_progress_begin("tierctl alloc", w.total, false);
		tc_progress_note("populating");
		if (pthread_create(&th, NULL, populate_thread, &w)) {
			tc_progress_end();
			tier_close(w.ctx);
			watch = false;
		}
	}
	err = tier_buf_create(ctx, size, policy, buf);
	if (watch) {
		pthread_mutex_lock(&w.lock);
		w.done = true;
		pthread_cond_signal(&w.cond);
		pthread_mutex_unlock(&w.lock);
		pthread_join(th, NULL);
		tc_progress_end();
		tier_close(w.ctx);
	}
	return err;
}

enum {
	OPT_NODE = 256, OPT_SIZE, OPT_POLICY, OPT_PAGE_SIZE, OPT_CHUNK,
	OPT_POPULATE, OPT_PINNABLE, OPT_FALLBACK, OPT_HUGE_FALLBACK, OPT_RESERVE, OPT_HOLD,
	OPT_JSON, OPT_QUIET,
};

static const struct option alloc_opts[] = {
	{ "node", required_argument, NULL, OPT_NODE },
	{ "size", required_argument, NULL, OPT_SIZE },
	{ "policy", required_argument, NULL, OPT_POLICY },
	{ "page-size", required_argument, NULL, OPT_PAGE_SIZE },
	{ "chunk", required_argument, NULL, OPT_CHUNK },
	{ "populate", no_argument, NULL, OPT_POPULATE },
	{ "pinnable", no_argument, NULL, OPT_PINNABLE },
	{ "fallback", no_argument, NULL, OPT_FALLBACK },
	{ "huge-fallback", no_argument, NULL, OPT_HUGE_FALLBACK },
	{ "reserve", no_argument, NULL, OPT_RESERVE },
	{ "hold", required_argument, NULL, OPT_HOLD },
	{ "json", no_argument, NULL, OPT_JSON },
	{ "quiet", no_argument, NULL, OPT_QUIET },
	TC_OPTS_END,
};

/*
 * What the options add to the policy (--page-size, --chunk, the flags),
 * set on it field by field; @added spells them in the policy grammar for
 * the message about a policy they make impossible.
 */
struct policy_options {
	struct tier_policy *p;
	const char *policy_arg;		/* --policy, or NULL */
	char added[128];
};

/*
 * "--page-size 2M" or "--chunk 64K" into *@shift, the policy's page_shift
 * or chunk_shift (0: unset), as its option @key.  Return 0 (set or
 * already the same), or 1 after an error message.
 */
static int set_size_option(const struct tc_cmd *cmd, struct policy_options *po,
			   const char *opt, const char *arg, const char *key,
			   uint32_t *shift)
{
	static const char units[] = "\0KMG";	/* the grammar's units */
	size_t len = strlen(po->added);
	unsigned int sh, u;
	uint64_t v;
	int err;

	if (!arg)
		return 0;
	err = tier_size_parse(arg, &v);
	if (err == -EINVAL) {
		tc_errorf(cmd, "%s %s: not a size (e.g. 4K, 64K, 2M)", opt, arg);
		return 1;
	}
	if (err || !v || (v & (v - 1))) {
		tc_errorf(cmd, "%s %s: not a power of two", opt, arg);
		return 1;
	}
	sh = (unsigned int)__builtin_ctzll(v);
	if (*shift == sh)
		return 0;
	if (*shift) {
		tc_errorf(cmd, "%s %s conflicts with --policy %s", opt, arg,
			  po->policy_arg);
		return 1;
	}
	*shift = sh;
	u = sh >= 30 ? 3 : sh / 10;
	snprintf(po->added + len, sizeof(po->added) - len, ",%s=%llu%.1s", key,
		 1ULL << (sh - 10 * u), &units[u]);
	return 0;
}

/*
 * The flags of @want the policy lacks, onto it.  Then the policy must have
 * a string form, which tier_buf_create() would refuse otherwise; its
 * canonical spelling goes to @canon.  Return 0, or 1 after an error message.
 */
static int add_flags(const struct tc_cmd *cmd, struct policy_options *po,
		     uint32_t want, char *canon, size_t canon_len)
{
	size_t len;
	uint32_t i;

	for (i = 0; i < NR_FLAGS; i++) {
		if (!(want & flag_names[i].flag) ||
		    (po->p->flags & flag_names[i].flag))
			continue;
		po->p->flags |= flag_names[i].flag;
		len = strlen(po->added);
		snprintf(po->added + len, sizeof(po->added) - len, ",%s",
			 flag_names[i].name);
	}
	if (tier_policy_format(po->p, canon, canon_len) >= 0)
		return 0;
	{
		char str[TIER_POLICY_STRLEN + 64], why[256];

		if (po->policy_arg)
			snprintf(str, sizeof(str), "%s%s", po->policy_arg,
				 po->added);
		else
			snprintf(str, sizeof(str), "bind:%u%s",
				 po->p->nodes[0].node, po->added);
		if (!tier_policy_explain(str, why, sizeof(why)) || !why[0])
			snprintf(why, sizeof(why), "%s", strerror(EINVAL));
		tc_errorf(cmd, "policy %s: %s", str, why);
	}
	return 1;
}

static int alloc_run(const struct tc_cmd *cmd, int argc, char **argv)
{
	const char *node_arg = NULL, *size_arg = NULL, *policy_arg = NULL;
	const char *page_arg = NULL, *chunk_arg = NULL;
	char policy_str[TIER_POLICY_STRLEN], what[TIER_POLICY_STRLEN + 64];
	struct policy_options po = { .added = "" };
	char s1[SIZE_STRLEN], s2[SIZE_STRLEN];
	uint64_t size = 0, node = 0, hold = 0;
	uint32_t want_flags = 0;
	struct alloc_result res;
	struct tier_policy policy;
	struct tier_buf_stat st;
	struct tier_ctx *ctx = NULL;
	struct tier_buf *buf = NULL;
	bool json = false, quiet = false;
	size_t where = 0;
	int touched;
	void *addr;
	double t0;
	int c, err, ret = 1;

	memset(&res, 0, sizeof(res));
	opterr = 0;
	while ((c = tc_getopt(cmd, argc, argv)) != -1) {
		switch (c) {
		case OPT_NODE: node_arg = optarg; break;
		case OPT_SIZE: size_arg = optarg; break;
		case OPT_POLICY: policy_arg = optarg; break;
		case OPT_PAGE_SIZE: page_arg = optarg; break;
		case OPT_CHUNK: chunk_arg = optarg; break;
		case OPT_POPULATE: want_flags |= CXLTIER_CREATE_POPULATE; break;
		case OPT_PINNABLE: want_flags |= CXLTIER_CREATE_PINNABLE; break;
		case OPT_FALLBACK: want_flags |= CXLTIER_CREATE_FALLBACK; break;
		case OPT_HUGE_FALLBACK:
			want_flags |= CXLTIER_CREATE_HUGE_FALLBACK;
			break;
		case OPT_RESERVE: want_flags |= CXLTIER_CREATE_RESERVE; break;
		case OPT_HOLD:
			err = parse_uint(optarg, 365ULL * 24 * 3600, &hold);
			if (err) {
				tc_errorf(cmd, "--hold %s: %s", optarg,
					  err == -ERANGE ? "more than a year" :
					  "not a number of seconds");
				return 1;
			}
			break;
		case OPT_JSON: json = true; break;
		case OPT_QUIET:
			quiet = true;
			tc_set_quiet(true);
			break;
		default:
			return tc_other_option(cmd, argv, c);
		}
	}
	if (tc_extra_args(cmd, argc, argv))
		return 1;
	if (!size_arg || (!node_arg && !policy_arg)) {
		tc_errorf(cmd, "%s is required", !size_arg ? "--size" : "--node or --policy");
		tc_usage(cmd, 0);
		return 1;
	}
	err = tier_size_parse(size_arg, &size);
	if (err || !size || size > SIZE_MAX) {
		tc_errorf_err(cmd, err ? err : size ? -ERANGE : -EINVAL,
			      "--size %s: %s", size_arg,
			  err == -EINVAL ? "not a size (e.g. 4096, 64K, 64M, 1G)" :
			  !size && !err ? "must be at least 1 byte" : "too large");
		return 1;
	}
	if (node_arg) {
		err = parse_uint(node_arg, INT32_MAX, &node);
		if (err) {
			tc_errorf(cmd, "--node %s: not a node number", node_arg);
			return 1;
		}
	}
	if (policy_arg) {
		if (tc_parse_host_policy(cmd, "--policy", policy_arg, &policy, NULL, 0))
			return 1;
		if (node_arg && !(policy.nr_nodes == 1 && policy.nodes[0].node == node)) {
			tc_errorf(cmd, "--node %s conflicts with --policy %s",
				  node_arg, policy_arg);
			return 1;
		}
	} else {
		memset(&policy, 0, sizeof(policy));
		policy.mode = CXLTIER_MODE_BIND;
		policy.nr_nodes = 1;
		policy.nodes[0].node = (uint32_t)node;
	}
	po.p = &policy;
	po.policy_arg = policy_arg;
	if (set_size_option(cmd, &po, "--page-size", page_arg, "page",
			    &policy.page_shift) ||
	    set_size_option(cmd, &po, "--chunk", chunk_arg, "chunk",
			    &policy.chunk_shift) ||
	    add_flags(cmd, &po, want_flags, policy_str, sizeof(policy_str)))
		return 1;
	res.policy = policy_str;
	res.pol = &policy;

	if (tc_open(cmd, &ctx))
		return 1;
	t0 = now_ms();
	err = create_buffer(ctx, (size_t)size, &policy, quiet, &buf);
	res.create_ms = now_ms() - t0;
	if (err) {
		snprintf(what, sizeof(what), "create %s buffer, policy %s",
			 format_size(size, s1, sizeof(s1)), policy_str);
		/* libtier has said why, with the figures */
		tc_error(cmd, what, err);
		goto out;
	}
	err = tier_buf_map(buf, &addr);
	if (err) {
		tc_error(cmd, "map buffer", err);
		goto out;
	}
	err = tier_buf_stat(buf, &st);
	if (err) {
		tc_error(cmd, "stat buffer", err);
		goto out;
	}
	res.pages = st.map_length >> st.page_shift;
	res.populated = st.resident_bytes;

	t0 = now_ms();
	tc_progress_begin("tierctl alloc", 2.0 * (double)st.map_length, quiet);
	tc_progress_note("touching");
	touched = touch(addr, st.map_length, tier_buf_id(buf), &where);
	tc_progress_end();
	switch (touched) {
	case 1:
		tc_errorf(cmd, "verify: pattern differs at offset %zu", where);
		goto out;
	case 2:
		tc_errorf(cmd, "touch: SIGBUS at offset %zu: the node could not give a page",
			  where);
		goto out;
	}
	res.touch_ms = now_ms() - t0;

	/*
	 * The module counts its units itself; smaps is for the mbind
	 * backend's THPs only: on 6.1 built with CONFIG_DEBUG_VM, reading
	 * smaps over a module unit's PMD trips a VM_BUG_ON (libtier(3)).
	 * Before tier_buf_stat(): it runs one, which would end the validity
	 * of st.resident.
	 */
	res.pmd_units = tier_buf_pmd_units(buf);
	res.pmd_mapped = tier_backend(ctx) == TIER_BACKEND_MODULE ?
			 -EOPNOTSUPP : tier_buf_pmd_mapped(buf);
	err = tier_buf_stat(buf, &st);
	if (err) {
		tc_error(cmd, "stat buffer", err);
		goto out;
	}
	build_rows(&res, &st);

	if (json)
		report_json(ctx, &st, &res, (unsigned int)hold);
	else if (report_table(cmd, ctx, &st, &res))
		goto out;
	fflush(stdout);

	if (res.off_policy) {
		tc_errorf(cmd, "placement: %s of %s resident outside the policy's nodes",
			  format_size(res.off_policy, s1, sizeof(s1)),
			  format_size(st.resident_bytes, s2, sizeof(s2)));
		goto out;
	}
	if (st.resident_bytes != st.map_length) {
		tc_errorf(cmd, "placement: only %s of %s resident after touching every page",
			  format_size(st.resident_bytes, s1, sizeof(s1)),
			  format_size(st.map_length, s2, sizeof(s2)));
		goto out;
	}
	/* The module promises no spill without fallback (preferred falls back). */
	if (tier_backend(ctx) == TIER_BACKEND_MODULE && st.spilled_bytes &&
	    !(st.create_flags & CXLTIER_CREATE_FALLBACK) &&
	    st.mode != CXLTIER_MODE_PREFERRED) {
		tc_errorf(cmd, "placement: %s spilled off their home nodes without fallback",
			  format_size(st.spilled_bytes, s1, sizeof(s1)));
		goto out;
	}
	if ((policy.flags & CXLTIER_CREATE_POPULATE) &&
	    res.populated != st.map_length) {
		tc_errorf(cmd, "populate: only %s of %s resident after create",
			  format_size(res.populated, s1, sizeof(s1)),
			  format_size(st.map_length, s2, sizeof(s2)));
		goto out;
	}
	if (hold) {
		unsigned int left = (unsigned int)hold;

		fprintf(stderr, "tierctl alloc: holding buffer %llu for %u s (pid %d)\n",
			(unsigned long long)st.id, left, (int)getpid());
		while (left)
			left = sleep(left);
	}
	ret = 0;
out:
	tier_buf_destroy(buf);
	tier_close(ctx);
	return ret;
}

const struct tc_cmd cmd_alloc = {
	.name = "alloc", .run = alloc_run, .opts = alloc_opts,
	.summary = "create a buffer, touch every page, show where its pages are",
	.usage = "tierctl alloc {--node N | --policy POLICY} --size SIZE [OPTIONS] [--json]",
	.help =
"Creates a buffer with libtier, maps it, writes a pattern over all of it\n"
"and reads it back, then shows how many bytes are resident on which node,\n"
"each node's share of the buffer (and, for interleave, weighted and split,\n"
"the share the policy asked for), and the bytes spilled off their home\n"
"node.  Fails (exit 1) when the pattern does not read back, pages are\n"
"missing or outside the policy's nodes, a populated buffer was not\n"
"resident before the touch, or (module) pages spilled without fallback.\n"
"\n"
"  --node N          short for --policy bind:N\n"
"  --size SIZE       bytes, with an optional binary suffix: 4096, 64K, 64M, 1G, 1T\n"
"  --policy POLICY   placement (libtier.h has the grammar), e.g.\n"
"                      bind:0            bind:0,1\n"
"                      preferred:2,0     interleave:0,2,chunk=2M\n"
"                      weighted:0=3,2=1  split:0=30%,2=70%   split:0=1,2=2\n"
"                    where a node goes, a range or this host's tier:\n"
"                      bind:0-3          interleave:cxl      interleave:all\n"
"                      weighted:dram=3,cxl=1   (what a tier became is said)\n"
"  --page-size SIZE  page size, 4K or 2M (the policy's page=)\n"
"  --chunk SIZE      interleave chunk for interleave and weighted (chunk=)\n"
"  --populate        allocate every page at create time (populate)\n"
"  --pinnable        pages that may be pinned in place (pinnable)\n"
"  --fallback        take a page from the other listed nodes when its home\n"
"                    node has none, counted as spilled (fallback)\n"
"  --huge-fallback   4 KiB pages where a 2 MiB one is not free (huge-fallback)\n"
"  --reserve         reserve the size against the nodes' quotas at create,\n"
"                    so no touch fails on a quota (reserve; module only)\n"
"  --hold SECONDS    keep the buffer alive that long before exiting\n"
"  --json            JSON, sizes in exact bytes, shares as fractions\n"
"  --quiet           no progress on stderr (shown on a terminal only)\n",
};
