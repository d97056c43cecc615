// SPDX-License-Identifier: GPL-2.0-only
/*
 * tierctl bench migrate: CXLTIER_IOC_MIGRATE of a written buffer (4 KiB
 * and 2 MiB pages) from node A to B and back, beside move_pages(2) of an
 * anonymous mapping between the same nodes, the baseline.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <linux/mempolicy.h>

#include "bench.h"
#include "json.h"
#include "tierctl.h"
#include "util.h"

#define DEFAULT_SIZE	(256ULL << 20)

enum mig_row_id {
	MROW_TIER_4K_AB, MROW_TIER_4K_BA,
	MROW_TIER_2M_AB, MROW_TIER_2M_BA,
	MROW_ANON_AB, MROW_ANON_BA,
	NR_MROWS
};

#define ROW(_name, _label, _baseline) \
	{ .name = _name, .label = _label, .baseline = _baseline }

static struct bench_row mrows[NR_MROWS] = {
	[MROW_TIER_4K_AB] = ROW("cxltier_4k_migrate_ab",
				"cxltier MIGRATE, 4 KiB pages, A->B", MROW_ANON_AB),
	[MROW_TIER_4K_BA] = ROW("cxltier_4k_migrate_ba",
				"cxltier MIGRATE, 4 KiB pages, B->A", MROW_ANON_BA),
	[MROW_TIER_2M_AB] = ROW("cxltier_2m_migrate_ab",
				"cxltier MIGRATE, 2 MiB pages, A->B", MROW_ANON_AB),
	[MROW_TIER_2M_BA] = ROW("cxltier_2m_migrate_ba",
				"cxltier MIGRATE, 2 MiB pages, B->A", MROW_ANON_BA),
	[MROW_ANON_AB] = ROW("anon_move_pages_ab",
			     "anon + move_pages(2), 4 KiB pages, A->B", -1),
	[MROW_ANON_BA] = ROW("anon_move_pages_ba",
			     "anon + move_pages(2), 4 KiB pages, B->A", -1),
};

/* The options and what the set-up made of them; node A is b->node. */
struct mig {
	uint64_t node_a, node_b, size;
	bool have_a, have_b;
	const char *skipped;		/* why the cxltier rows are not run */
	char skip_msg[256];
};

/* ------------------------------------------------------------------------ */
/* Workloads                                                                  */

/* Moves the whole buffer to @node, timed; checks where it all went. */
static int mig_timed(struct bench *b, struct tier_buf *buf, uint32_t node,
		     struct bench_row *r)
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
			    unsigned int shift, struct bench_row *ab, struct bench_row *ba)
{
	struct tier_buf *buf;
	void *addr;
	int err, ret = -1;

	if (bench_create_buf(b, ab->bytes, shift, 0, &buf, ab->label))
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
		    struct bench_row *r)
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
	if (bench_anon_check(b, p, len, r->label))
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
	struct bench_row *ab = &mrows[MROW_ANON_AB], *ba = &mrows[MROW_ANON_BA];
	char *p = bench_anon_map(b, ab->bytes, false);
	int ret = -1;

	if (!p)
		return -1;
	memset(p, 0x5a, ab->bytes);
	if (bench_anon_check(b, p, ab->bytes, "anonymous mapping"))
		goto out;
	if (move_all(b, p, ab->bytes, (int)node_b, ab) ||
	    move_all(b, p, ab->bytes, (int)b->node, ba))
		goto out;
	ret = 0;
out:
	munmap(p, ab->bytes);
	return ret;
}

/* ------------------------------------------------------------------------ */
/* The benchmark                                                              */

enum { OPT_FROM = BENCH_OPT_OWN, OPT_TO, OPT_SIZE };

const struct option bench_migrate_opts[] = {
	{ "from", required_argument, NULL, OPT_FROM },
	{ "to", required_argument, NULL, OPT_TO },
	{ "size", required_argument, NULL, OPT_SIZE },
	BENCH_OPTS_END,
};

static int mig_option(struct bench *b, int c, void *priv)
{
	struct mig *m = priv;

	if (c == OPT_SIZE)
		return bench_parse_size(b->cmd, "--size", optarg, &m->size);
	if (parse_uint(optarg, BENCH_NODE_LIMIT - 1,
		       c == OPT_FROM ? &m->node_a : &m->node_b)) {
		tc_errorf(b->cmd, "--%s %s: not a node number",
			  c == OPT_FROM ? "from" : "to", optarg);
		return 1;
	}
	*(c == OPT_FROM ? &m->have_a : &m->have_b) = true;
	return 0;
}

/* Nodes A and B (default: the first with CPUs, the first CXL node). */
static int mig_nodes(struct bench *b, struct mig *m)
{
	struct tier_node tn;
	int i;

	for (i = 0; i < tier_nr_nodes(b->ctx); i++) {
		if (tier_node(b->ctx, i, &tn))
			continue;
		if (!m->have_a && (tn.flags & CXLTIER_NODE_HAS_CPUS)) {
			m->node_a = tn.node;
			m->have_a = true;
		}
	}
	for (i = 0; i < tier_nr_nodes(b->ctx) && !m->have_b; i++) {
		if (tier_node(b->ctx, i, &tn) || tn.node == m->node_a)
			continue;
		if (tn.tier == CXLTIER_TIER_CXL) {
			m->node_b = tn.node;
			m->have_b = true;
		}
	}
	for (i = 0; i < tier_nr_nodes(b->ctx) && !m->have_b; i++) {
		if (!tier_node(b->ctx, i, &tn) && tn.node != m->node_a) {
			m->node_b = tn.node;
			m->have_b = true;
		}
	}
	if (!m->have_a || !m->have_b || m->node_a == m->node_b) {
		tc_errorf(b->cmd, "needs two different nodes with memory (--from, --to)");
		return 1;
	}
	b->node = (uint32_t)m->node_a;
	return 0;
}

static int mig_setup(struct bench *b, void *priv)
{
	char s1[SIZE_STRLEN], s2[SIZE_STRLEN];
	struct mig *m = priv;
	struct tier_node ta, tb;
	int err, i;

	if (mig_nodes(b, m))
		return 1;
	err = tier_node_by_id(b->ctx, (int)m->node_a, &ta);
	if (!err)
		err = tier_node_by_id(b->ctx, (int)m->node_b, &tb);
	if (err) {
		tc_errorf(b->cmd, "node %llu or %llu: %s",
			  (unsigned long long)m->node_a,
			  (unsigned long long)m->node_b, err == -ENODEV ?
			  "offline or without memory" : strerror(-err));
		return 1;
	}
	if (!m->size) {
		uint64_t f = ta.free_bytes < tb.free_bytes ? ta.free_bytes :
			     tb.free_bytes;

		/* two buffers may be alive on a node at once (freed lazily) */
		m->size = bench_fit_size(DEFAULT_SIZE, f / 2);
		if (m->size != DEFAULT_SIZE)
			fprintf(stderr, "tierctl bench: size %s: 256M does not fit twice beside the nodes' free %s\n",
				format_size(m->size, s1, sizeof(s1)),
				format_size(f, s2, sizeof(s2)));
	}
	m->skipped = bench_skip_reason(b, m->skip_msg, sizeof(m->skip_msg));
	for (i = 0; i < NR_MROWS; i++) {
		mrows[i].n = 0;
		mrows[i].bytes = m->size;
	}
	return 0;
}

static int mig_run(struct bench *b, unsigned int run, void *priv)
{
	const struct mig *m = priv;
	uint32_t node_b = (uint32_t)m->node_b;

	(void)run;
	if (b->module) {
		bench_step(b, " cxltier-4K");
		if (run_tier_migrate(b, node_b, 0, &mrows[MROW_TIER_4K_AB],
				     &mrows[MROW_TIER_4K_BA]))
			return -1;
		bench_step(b, " cxltier-2M");
		if (run_tier_migrate(b, node_b, CXLTIER_HUGE_PAGE_SHIFT,
				     &mrows[MROW_TIER_2M_AB],
				     &mrows[MROW_TIER_2M_BA]))
			return -1;
	}
	bench_step(b, " move_pages");
	return run_anon_migrate(b, node_b);
}

static int mig_report(struct bench *b, void *priv)
{
	const struct mig *m = priv;
	struct tier_node na, nb;
	char sz[SIZE_STRLEN];

	if (b->json) {
		struct json j;

		bench_json_open(&j, b);
		json_u64(&j, "node_a", m->node_a);
		json_u64(&j, "node_b", m->node_b);
		bench_json_env(&j, b);
		json_u64(&j, "runs", b->runs);
		json_u64(&j, "bytes", m->size);
		json_str(&j, "cxltier_skipped", m->skipped);
		bench_json_rows(&j, mrows, NR_MROWS);
		json_obj_close(&j);
		return 0;
	}
	tc_print_backend(stdout, b->ctx);
	printf("bench migrate: A = node %u (%s), B = node %u (%s), %s, %u runs each, interleaved; kernel %s, %ld CPUs\n",
	       b->node, tier_node_by_id(b->ctx, (int)b->node, &na) ? "?" :
	       tc_tier_name(na.tier), (uint32_t)m->node_b,
	       tier_node_by_id(b->ctx, (int)m->node_b, &nb) ? "?" :
	       tc_tier_name(nb.tier), format_size(m->size, sz, sizeof(sz)),
	       (unsigned int)b->runs, b->env.kernel, b->env.cpus);
	printf("GB/s = 10^9 bytes/s moved; every page written before the move and found on the target after it; VS move_pages = median GB/s / the anon row's of the same direction\n");
	if (m->skipped)
		printf("cxltier rows skipped: %s\n", m->skipped);
	printf("\n");
	bench_print_rows(mrows, NR_MROWS, NULL, "VS move_pages");
	return 0;
}

static const struct bench_def mig_def = {
	.name = "migrate",
	.opts = bench_migrate_opts,
	.option = mig_option,
	.setup = mig_setup,
	.run = mig_run,
	.report = mig_report,
};

int bench_migrate(const struct tc_cmd *cmd, int argc, char **argv)
{
	struct mig m = { 0 };

	return bench_main(cmd, &mig_def, argc, argv, &m);
}
