// SPDX-License-Identifier: GPL-2.0-only
/*
 * tierctl alloc: create a buffer, write a pattern over it and read it back,
 * then show where its pages are.
 */
#include <errno.h>
#include <getopt.h>
#include <setjmp.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

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

/* Write the pattern over @n words, then check it: 0, or 1 and the offset. */
static __attribute__((noinline)) int fill_and_check(volatile uint64_t *w, size_t n, uint64_t seed,
			  size_t *where)
{
	size_t i;

	for (i = 0; i < n; i++)
		w[i] = pattern(seed, i);
	for (i = 0; i < n; i++) {
		if (w[i] != pattern(seed, i)) {
			*where = i * sizeof(uint64_t);
			return 1;
		}
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

struct alloc_result {
	const char *policy;
	uint64_t pages;
	double touch_ms;
	uint64_t off_policy;		/* resident bytes outside the policy */
};

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
	json_u64(&j, "page_size", 1ULL << st->page_shift);
	json_u64(&j, "pages", r->pages);
	json_bool(&j, "verified", true);
	json_i64(&j, "touch_us", (int64_t)(r->touch_ms * 1000));
	json_u64(&j, "resident_bytes", st->resident_bytes);
	json_arr_open(&j, "resident");
	for (i = 0; i < st->nr_resident; i++) {
		struct tier_node n;

		json_obj_open(&j, NULL);
		json_u64(&j, "node", st->resident[i].node);
		json_str(&j, "tier", tier_node_by_id(ctx, (int)st->resident[i].node, &n) ?
			 NULL : tc_tier_name(n.tier));
		json_u64(&j, "bytes", st->resident[i].bytes);
		json_obj_close(&j);
	}
	json_arr_close(&j);
	json_u64(&j, "off_policy_bytes", r->off_policy);
	json_i64(&j, "pid", (int64_t)getpid());
	json_u64(&j, "hold_seconds", hold);
	json_obj_close(&j);
}

static int report_table(const struct tc_cmd *cmd, const struct tier_ctx *ctx,
			const struct tier_buf_stat *st,
			const struct alloc_result *r)
{
	static const char *const hdr[] = { "NODE", "TIER", "RESIDENT", "SHARE" };
	char s1[SIZE_STRLEN], s2[SIZE_STRLEN];
	struct table t;
	uint32_t i;
	int err;

	tc_print_backend(stdout, ctx);
	printf("buffer %llu: %s (%llu bytes), policy %s, %s pages\n",
	       (unsigned long long)st->id, format_size(st->length, s1, sizeof(s1)),
	       (unsigned long long)st->length, r->policy,
	       format_size(1ULL << st->page_shift, s2, sizeof(s2)));
	printf("touched %llu pages, pattern verified (%.1f ms)\n",
	       (unsigned long long)r->pages, r->touch_ms);
	printf("resident %s of %s:\n",
	       format_size(st->resident_bytes, s1, sizeof(s1)),
	       format_size(st->map_length, s2, sizeof(s2)));

	table_init(&t, 4, hdr, TABLE_RIGHT(0) | TABLE_RIGHT(2) | TABLE_RIGHT(3));
	for (i = 0; i < st->nr_resident; i++) {
		const struct tier_node_bytes *nb = &st->resident[i];
		struct tier_node n;

		table_add(&t, "%u", nb->node);
		table_add(&t, "%s", tier_node_by_id(ctx, (int)nb->node, &n) ?
			  "?" : tc_tier_name(n.tier));
		table_add(&t, "%s", format_size(nb->bytes, s1, sizeof(s1)));
		table_add(&t, "%.1f%%", st->map_length ?
			  100.0 * (double)nb->bytes / (double)st->map_length : 0.0);
	}
	err = table_print(&t, stdout);
	table_free(&t);
	if (err)
		tc_error(cmd, "print table", err);
	return err ? 1 : 0;
}

int cmd_alloc(const struct tc_cmd *cmd, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "node", required_argument, NULL, 'n' },
		{ "size", required_argument, NULL, 's' },
		{ "policy", required_argument, NULL, 'p' },
		{ "hold", required_argument, NULL, 'H' },
		{ "json", no_argument, NULL, 'j' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *node_arg = NULL, *size_arg = NULL, *policy_arg = NULL;
	char policy_str[TIER_POLICY_STRLEN], what[TIER_POLICY_STRLEN + 64];
	char s1[SIZE_STRLEN], s2[SIZE_STRLEN];
	uint64_t size = 0, node = 0, hold = 0;
	struct alloc_result res = { 0 };
	struct tier_policy policy;
	struct tier_buf_stat st;
	struct tier_ctx *ctx = NULL;
	struct tier_buf *buf = NULL;
	bool json = false;
	size_t where = 0;
	uint32_t i;
	void *addr;
	double t0;
	int c, err, ret = 1;

	opterr = 0;
	while ((c = getopt_long(argc, argv, ":h", opts, NULL)) != -1) {
		switch (c) {
		case 'n': node_arg = optarg; break;
		case 's': size_arg = optarg; break;
		case 'p': policy_arg = optarg; break;
		case 'H':
			err = parse_uint(optarg, 365ULL * 24 * 3600, &hold);
			if (err) {
				tc_errorf(cmd, "--hold %s: %s", optarg,
					  err == -ERANGE ? "more than a year" :
					  "not a number of seconds");
				return 1;
			}
			break;
		case 'j': json = true; break;
		case 'h':
			tc_usage(cmd, 1);
			return 0;
		default:
			return tc_bad_option(cmd, argv, c);
		}
	}
	if (optind < argc) {
		tc_errorf(cmd, "%s: unexpected argument", argv[optind]);
		tc_usage(cmd, 0);
		return 1;
	}
	if (!size_arg || (!node_arg && !policy_arg)) {
		tc_errorf(cmd, "%s is required", !size_arg ? "--size" : "--node or --policy");
		tc_usage(cmd, 0);
		return 1;
	}
	err = parse_size(size_arg, &size);
	if (err || !size || size > SIZE_MAX) {
		tc_errorf(cmd, "--size %s: %s", size_arg,
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
		err = tier_policy_parse(policy_arg, &policy);
		if (err) {
			snprintf(what, sizeof(what), "--policy %s", policy_arg);
			tc_error(cmd, what, err);
			return 1;
		}
		if (node_arg && !(policy.nr_nodes == 1 && policy.nodes[0].node == node)) {
			tc_errorf(cmd, "--node %s conflicts with --policy %s",
				  node_arg, policy_arg);
			return 1;
		}
	} else {
		snprintf(what, sizeof(what), "bind:%llu", (unsigned long long)node);
		err = tier_policy_parse(what, &policy);
		if (err) {
			tc_error(cmd, what, err);
			return 1;
		}
	}
	if (tier_policy_format(&policy, policy_str, sizeof(policy_str)) < 0)
		snprintf(policy_str, sizeof(policy_str), "%s", policy_arg);
	res.policy = policy_str;

	if (tc_open(cmd, &ctx))
		return 1;
	err = tier_buf_create(ctx, (size_t)size, &policy, &buf);
	if (err) {
		snprintf(what, sizeof(what), "create %s buffer, policy %s",
			 format_size(size, s1, sizeof(s1)), policy_str);
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

	t0 = now_ms();
	switch (touch(addr, st.map_length, tier_buf_id(buf), &where)) {
	case 1:
		tc_errorf(cmd, "verify: pattern differs at offset %zu", where);
		goto out;
	case 2:
		tc_errorf(cmd, "touch: SIGBUS at offset %zu: the node could not give a page",
			  where);
		goto out;
	}
	res.touch_ms = now_ms() - t0;

	err = tier_buf_stat(buf, &st);
	if (err) {
		tc_error(cmd, "stat buffer", err);
		goto out;
	}
	for (i = 0; i < st.nr_resident; i++)
		if (!in_policy(&policy, st.resident[i].node))
			res.off_policy += st.resident[i].bytes;

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
