// SPDX-License-Identifier: GPL-2.0-only
/*
 * The fused Adam/AdamW step (libtier/optim, doc/optimizer.md).
 *
 *  - one_element_by_hand: step 1 and 2 of AdamW and Adam on one element,
 *    the expected values worked out here from the update rule's text.
 *  - same_bits_everywhere: every variant, sizes that are no multiple of a
 *    vector width (the largest spans several blocks of the cut), on every
 *    SIMD path the CPU has, on 1, 2 and 5 threads,
 *    with and without a cut across nodes: the same bits as the scalar path
 *    on one thread.
 *  - ranges_update_each_element_once: ranges with holes between them give
 *    the same bits as no ranges (an element updated twice, or never, would
 *    not).
 *  - threads_near_their_memory: on a host whose process may run on two or
 *    more nodes' CPUs, every thread is pinned to one of them and steps only
 *    elements on memory nearest to it, each node's share done by its
 *    threads; on one CPU node no thread is pinned (the test host's default
 *    topology: one; its two-socket topology: two, tests/host check-vm).
 *  - nan_and_inf: a NaN gradient poisons its own element only.
 *  - bad_arguments_change_nothing: each invalid input, one per case, is
 *    -EINVAL and leaves every array as it was.
 *  - buf_ranges_match_the_pages, arena_ranges_match_the_pages: the ranges
 *    tier_optim_buf_ranges() and tier_optim_arena_ranges() give for a
 *    tensor name the nodes move_pages(2) finds its pages on, for every
 *    policy the host's nodes allow (one node: bind; two: a split and an
 *    interleave too, in the test host).  On the mbind backend: move_pages(2)
 *    cannot see the module's buffers (README), and the ranges come from the
 *    one layout both backends follow (uapi/linux/cxltier_layout.h), which
 *    the module suite checks page by page against the module.
 * Agreement with torch.optim.AdamW element by element is tested from Python
 * (tests/python), where torch is.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <numa.h>
#include <numaif.h>
#include <sched.h>
#include <unistd.h>

#include "libtier.h"
#include "tier_optim.h"
#include "kselftest_harness.h"

/* The arrays of one tensor and its state, in one allocation. */
struct state {
	size_t n;
	float *p, *g, *m, *v, *vmax;
	uint16_t *g16, *o16;
};

static void state_init(struct state *s, size_t n, unsigned int seed)
{
	size_t i;

	s->n = n;
	s->p = calloc(n + 1, sizeof(float));
	s->g = calloc(n + 1, sizeof(float));
	s->m = calloc(n + 1, sizeof(float));
	s->v = calloc(n + 1, sizeof(float));
	s->vmax = calloc(n + 1, sizeof(float));
	s->g16 = calloc(n + 1, sizeof(uint16_t));
	s->o16 = calloc(n + 1, sizeof(uint16_t));
	srand(seed);
	for (i = 0; i < n; i++) {
		float g = ((float)rand() / RAND_MAX - 0.5f) * 0.02f;
		uint32_t u;

		s->p[i] = ((float)rand() / RAND_MAX - 0.5f) * 2.0f;
		s->g[i] = g;
		memcpy(&u, &g, sizeof(u));
		s->g16[i] = (uint16_t)(u >> 16);
	}
}

static void state_free(struct state *s)
{
	free(s->p);
	free(s->g);
	free(s->m);
	free(s->v);
	free(s->vmax);
	free(s->g16);
	free(s->o16);
}

static int state_same(const struct state *a, const struct state *b)
{
	size_t f = a->n * sizeof(float), h = a->n * sizeof(uint16_t);

	return !memcmp(a->p, b->p, f) && !memcmp(a->m, b->m, f) &&
	       !memcmp(a->v, b->v, f) && !memcmp(a->vmax, b->vmax, f) &&
	       !memcmp(a->o16, b->o16, h);
}

static struct tier_adam_tensor tensor_of(const struct state *s, uint32_t flags,
					 int bf16_grad, int bf16_out)
{
	struct tier_adam_tensor t = {
		.param = s->p, .exp_avg = s->m, .exp_avg_sq = s->v, .n = s->n,
	};

	t.grad = bf16_grad ? (const void *)s->g16 : (const void *)s->g;
	t.grad_dtype = bf16_grad ? TIER_DTYPE_BF16 : TIER_DTYPE_F32;
	if (flags & TIER_ADAM_AMSGRAD)
		t.max_exp_avg_sq = s->vmax;
	if (bf16_out)
		t.param_bf16 = s->o16;
	return t;
}

/* Hyper-parameters that change from step to step, as a scheduler does. */
static struct tier_adam_hparams hparams(uint64_t step, uint32_t flags)
{
	struct tier_adam_hparams hp = {
		.lr = 1e-3 / (double)step, .beta1 = 0.9, .beta2 = 0.999,
		.eps = 1e-8, .weight_decay = step == 2 ? 0.0 : 0.01,
		.step = step, .flags = flags,
	};

	return hp;
}

static int run_steps(struct tier_optim *o, struct state *s, uint32_t flags,
		     int bf16_grad, int bf16_out,
		     const struct tier_optim_range *r, size_t nr)
{
	struct tier_adam_tensor t = tensor_of(s, flags, bf16_grad, bf16_out);
	struct tier_adam_hparams hp;
	uint64_t step;
	int ret;

	for (step = 1; step <= 3; step++) {
		hp = hparams(step, flags);
		ret = tier_adam_step(o, &hp, &t, 1, r, nr);
		if (ret)
			return ret;
	}
	return 0;
}

TEST(one_element_by_hand)
{
	/*
	 * p = 1, g = 0.5, lr = 1e-3, betas (0.9, 0.999), eps 1e-8, wd 0.1.
	 * AdamW step 1: p' = p * (1 - lr * wd) = 0.9999;
	 *   m = 0.1 * 0.5 = 0.05; v = 0.001 * 0.25 = 2.5e-4;
	 *   m_hat = m / (1 - 0.9) = 0.5; v_hat = v / (1 - 0.999) = 0.25;
	 *   p = 0.9999 - 1e-3 * 0.5 / (0.5 + 1e-8) = 0.9989 (to 1e-8).
	 * Adam (L2) step 1: g' = 0.5 + 0.1 * 1 = 0.6; m_hat = 0.6,
	 *   v_hat = 0.36, p = 1 - 1e-3 * 0.6 / 0.6 = 0.999.
	 * AdamW step 2, same gradient: p = 0.9989 * 0.9999 = 0.99880011;
	 *   m = 0.9 * 0.05 + 0.05 = 0.095, m_hat = 0.095 / 0.19 = 0.5;
	 *   v = 0.999 * 2.5e-4 + 2.5e-4 = 4.9975e-4, v_hat = 4.9975e-4 /
	 *   1.999e-3 = 0.25; p = 0.99880011 - 1e-3 = 0.99780011.
	 */
	struct tier_adam_hparams hp = {
		.lr = 1e-3, .beta1 = 0.9, .beta2 = 0.999, .eps = 1e-8,
		.weight_decay = 0.1, .step = 1, .flags = TIER_ADAM_DECOUPLED,
	};
	float p = 1.0f, g = 0.5f, m = 0.0f, v = 0.0f;
	struct tier_adam_tensor t = {
		.param = &p, .grad = &g, .exp_avg = &m, .exp_avg_sq = &v, .n = 1,
	};
	struct tier_optim *o;

	ASSERT_EQ(0, tier_optim_create(&o, NULL));
	ASSERT_EQ(0, tier_adam_step(o, &hp, &t, 1, NULL, 0));
	EXPECT_LT(fabs(p - 0.9989), 1e-6);
	EXPECT_LT(fabs(m - 0.05), 1e-8);
	EXPECT_LT(fabs(v - 2.5e-4), 1e-10);
	hp.step = 2;
	ASSERT_EQ(0, tier_adam_step(o, &hp, &t, 1, NULL, 0));
	EXPECT_LT(fabs(p - 0.99780011), 1e-6);
	EXPECT_LT(fabs(m - 0.095), 1e-7);

	p = 1.0f;
	m = v = 0.0f;
	hp.step = 1;
	hp.flags = 0;
	ASSERT_EQ(0, tier_adam_step(o, &hp, &t, 1, NULL, 0));
	EXPECT_LT(fabs(p - 0.999), 1e-6);
	EXPECT_LT(fabs(m - 0.06), 1e-8);
	tier_optim_destroy(o);
}

/* Many steps on every path: minutes under TCG on a busy host. */
FIXTURE(slow) {
	int unused;
};
FIXTURE_SETUP(slow) { (void)self; }
FIXTURE_TEARDOWN(slow) { (void)self; }

TEST_F_TIMEOUT(slow, same_bits_everywhere, 900)
{
	static const size_t sizes[] = { 0, 1, 7, 17, 1023, (1u << 16) + 3 };
	static const uint32_t variants[] = {
		TIER_ADAM_DECOUPLED, 0, TIER_ADAM_DECOUPLED | TIER_ADAM_AMSGRAD,
		TIER_ADAM_MAXIMIZE, TIER_ADAM_NO_BIAS_CORRECTION | TIER_ADAM_AMSGRAD,
	};
	static const unsigned int threads[] = { 1, 2, 5 };
	unsigned int si, vi, simd, ti, mixed, paths = 0;

	for (simd = TIER_SIMD_SCALAR; simd <= TIER_SIMD_AVX512; simd++) {
		struct tier_optim_opts oo = { .threads = 1, .simd = simd };
		struct tier_optim *o;

		if (tier_optim_create(&o, &oo) == -ENOTSUP)
			continue;
		paths++;
		tier_optim_destroy(o);
	}
	TH_LOG("%u SIMD paths on this CPU", paths);

	for (si = 0; si < sizeof(sizes) / sizeof(sizes[0]); si++)
	for (vi = 0; vi < sizeof(variants) / sizeof(variants[0]); vi++)
	for (mixed = 0; mixed < 4; mixed++) {
		int bf16_grad = mixed & 1, bf16_out = mixed >> 1;
		size_t n = sizes[si];
		struct tier_optim_opts oo = { .threads = 1, .simd = TIER_SIMD_SCALAR };
		struct tier_optim_range r[3] = {
			{ 0, 0, 0, n / 3 }, { 0, 2, n / 3, n / 3 },
			{ 0, 3, 2 * (n / 3), n - 2 * (n / 3) },
		};
		struct state ref, s;
		struct tier_optim *o;

		state_init(&ref, n, (unsigned int)(si * 31 + vi));
		ASSERT_EQ(0, tier_optim_create(&o, &oo));
		ASSERT_EQ(0, run_steps(o, &ref, variants[vi], bf16_grad,
				       bf16_out, NULL, 0));
		tier_optim_destroy(o);

		for (simd = TIER_SIMD_SCALAR; simd <= TIER_SIMD_AVX512; simd++)
		for (ti = 0; ti < 3; ti++) {
			int cut;

			for (cut = 0; cut < 2; cut++) {
				oo.threads = threads[ti];
				oo.simd = simd;
				if (tier_optim_create(&o, &oo) == -ENOTSUP)
					continue;
				state_init(&s, n, (unsigned int)(si * 31 + vi));
				ASSERT_EQ(0, run_steps(o, &s, variants[vi],
						       bf16_grad, bf16_out,
						       cut ? r : NULL, cut ? 3 : 0));
				EXPECT_TRUE(state_same(&ref, &s))
					TH_LOG("n %zu variant %#x grad %s out %s: %s, %u threads, %s",
					       n, variants[vi], bf16_grad ? "bf16" : "f32",
					       bf16_out ? "bf16" : "-",
					       tier_optim_simd_name(simd), threads[ti],
					       cut ? "three nodes" : "no ranges");
				state_free(&s);
				tier_optim_destroy(o);
			}
		}
		state_free(&ref);
	}
}

TEST(ranges_update_each_element_once)
{
	size_t n = 100000;
	/* holes at [0, 1000), [40000, 50000) and after 90000 */
	struct tier_optim_range r[] = {
		{ 0, 2, 50000, 40000 }, { 0, 0, 1000, 39000 }, { 0, 1, 7, 0 },
	};
	struct tier_optim_opts oo = { .threads = 3 };
	struct state a, b;
	struct tier_optim *o;

	state_init(&a, n, 7);
	state_init(&b, n, 7);
	ASSERT_EQ(0, tier_optim_create(&o, &oo));
	ASSERT_EQ(0, run_steps(o, &a, TIER_ADAM_DECOUPLED, 0, 1, NULL, 0));
	ASSERT_EQ(0, run_steps(o, &b, TIER_ADAM_DECOUPLED, 0, 1, r, 3));
	EXPECT_TRUE(state_same(&a, &b));
	state_free(&a);
	state_free(&b);
	tier_optim_destroy(o);
}

/* The allowed CPU nodes (libnuma's view, not libtier's), as a bit mask. */
static unsigned long long cpu_nodes(void)
{
	unsigned long long mask = 0;
	cpu_set_t set;
	int c;

	if (sched_getaffinity(0, sizeof(set), &set))
		return 0;
	for (c = 0; c < CPU_SETSIZE; c++)
		if (CPU_ISSET(c, &set) && numa_node_of_cpu(c) >= 0 &&
		    numa_node_of_cpu(c) < 64)
			mask |= 1ULL << numa_node_of_cpu(c);
	return mask;
}

/* The CPU node of @mask nearest to @node (SLIT; lowest id on ties). */
static int nearest_of(unsigned long long mask, int node)
{
	int c, best = -1;

	for (c = 0; c < 64; c++)
		if ((mask >> c & 1) &&
		    (best < 0 || numa_distance(node, c) < numa_distance(node, best)))
			best = c;
	return best;
}

TEST(threads_near_their_memory)
{
	struct tier_optim_opts oo = { .threads = 4 };
	unsigned long long cpus = cpu_nodes(), homes = 0;
	struct tier_optim_range r[8];
	uint64_t per_home[64] = { 0 }, done[64] = { 0 }, total = 0;
	struct tier_optim_thread_info ti;
	struct tier_optim *o;
	struct state s;
	size_t n = (1u << 18) + 5, nr = 0;
	unsigned int w;
	int m, max = numa_max_node();

	ASSERT_NE(-1, numa_available());
	/*
	 * Ranges over memory nodes with different nearest CPU nodes, CPU-less
	 * ones first (the CXL case), at most one per CPU node.
	 */
	for (m = 0; m <= 2 * max + 1 && nr < 8; m++) {
		/* first pass: CPU-less nodes; second: the rest */
		int mem = m <= max ? m : m - max - 1, h = nearest_of(cpus, mem);

		if (mem >= 64 || (m <= max) == !!(cpus >> mem & 1))
			continue;
		if (h < 0 || (homes >> h & 1) || numa_node_size64(mem, NULL) <= 0)
			continue;
		r[nr].tensor = 0;
		r[nr].node = mem;
		nr++;
		homes |= 1ULL << h;
	}
	for (w = 0; w < nr; w++) {
		r[w].start = n * w / nr;
		r[w].count = n * (w + 1) / nr - r[w].start;
		per_home[nearest_of(cpus, r[w].node)] += r[w].count;
	}
	TH_LOG("%d CPU node(s) this process may use; ranges on %zu node(s)",
	       __builtin_popcountll(cpus), nr);

	ASSERT_EQ(0, tier_optim_create(&o, &oo));
	state_init(&s, n, 7);
	ASSERT_EQ(0, run_steps(o, &s, TIER_ADAM_DECOUPLED, 0, 0, r, nr));
	for (w = 0; w < tier_optim_threads(o); w++) {
		ASSERT_EQ(0, tier_optim_thread_info(o, w, &ti));
		total += ti.elems;
		if (__builtin_popcountll(cpus) < 2) {
			EXPECT_EQ(-1, ti.cpu_node);
			EXPECT_EQ(0U, ti.near_elems);
			continue;
		}
		ASSERT_LE(0, ti.cpu_node);
		ASSERT_GT(64, ti.cpu_node);
		EXPECT_TRUE(cpus >> ti.cpu_node & 1);
		EXPECT_EQ(ti.elems, ti.near_elems)
			TH_LOG("thread %u on node %d: %llu of %llu elements near",
			       w, ti.cpu_node, (unsigned long long)ti.near_elems,
			       (unsigned long long)ti.elems);
		done[ti.cpu_node] += ti.elems;
	}
	EXPECT_EQ((uint64_t)n, total);
	if (__builtin_popcountll(cpus) >= 2)
		for (m = 0; m < 64; m++)
			EXPECT_EQ(per_home[m], done[m])
				TH_LOG("CPU node %d: its memory has %llu elements, its threads did %llu",
				       m, (unsigned long long)per_home[m],
				       (unsigned long long)done[m]);
	EXPECT_EQ(-EINVAL, tier_optim_thread_info(o, tier_optim_threads(o), &ti));
	state_free(&s);
	tier_optim_destroy(o);
}

TEST(nan_and_inf)
{
	struct state s;
	struct tier_optim *o;
	struct tier_adam_tensor t;
	struct tier_adam_hparams hp = hparams(1, TIER_ADAM_DECOUPLED);

	state_init(&s, 64, 3);
	s.g[5] = NAN;
	s.g[9] = INFINITY;
	t = tensor_of(&s, hp.flags, 0, 0);
	ASSERT_EQ(0, tier_optim_create(&o, NULL));
	ASSERT_EQ(0, tier_adam_step(o, &hp, &t, 1, NULL, 0));
	EXPECT_TRUE(isnan(s.p[5]) && isnan(s.m[5]) && isnan(s.v[5]));
	/* m = inf, v = inf: the update is inf / inf */
	EXPECT_TRUE(isinf(s.m[9]) && isinf(s.v[9]) && isnan(s.p[9]));
	EXPECT_TRUE(isfinite(s.p[4]) && isfinite(s.p[6]) && isfinite(s.p[10]));
	state_free(&s);
	tier_optim_destroy(o);
}

TEST(bad_arguments_change_nothing)
{
	struct state s, orig;
	struct tier_optim *o, *o2;
	struct tier_optim_opts bad_opts = { .flags = 1 };
	unsigned int c;

	state_init(&s, 1000, 5);
	state_init(&orig, 1000, 5);
	ASSERT_EQ(0, tier_optim_create(&o, NULL));
	EXPECT_EQ(-EINVAL, tier_optim_create(NULL, NULL));
	EXPECT_EQ(-EINVAL, tier_optim_create(&o2, &bad_opts));
	for (c = 0; c < 12; c++) {
		struct tier_adam_hparams hp = hparams(1, TIER_ADAM_DECOUPLED);
		struct tier_adam_tensor t = tensor_of(&s, hp.flags, 0, 0);
		struct tier_optim_range r[2] = {
			{ 0, 0, 0, 600 }, { 0, 2, 600, 400 },
		};
		size_t nr = 2;

		switch (c) {
		case 0: hp.beta1 = 1.0; break;
		case 1: hp.beta2 = -0.1; break;
		case 2: hp.step = 0; break;
		case 3: hp.flags |= 1U << 9; break;
		case 4: hp.lr = NAN; break;
		case 5: hp.eps = -1.0; break;
		case 6: t.grad_dtype = 7; break;
		case 7: hp.flags |= TIER_ADAM_AMSGRAD; break;	/* no max buffer */
		case 8: r[1].start = 500; break;		/* overlap */
		case 9: r[1].count = 401; break;		/* past the end */
		case 10: r[1].tensor = 1; break;		/* no such tensor */
		case 11: t.exp_avg = NULL; break;
		}
		EXPECT_EQ(-EINVAL, tier_adam_step(o, &hp, &t, 1, r, nr))
			TH_LOG("case %u", c);
		EXPECT_TRUE(state_same(&s, &orig)) TH_LOG("case %u", c);
	}
	state_free(&s);
	state_free(&orig);
	tier_optim_destroy(o);
}

/* The node of the page holding @p, by move_pages(2) in query mode. */
static int page_node(void *p)
{
	void *pg = (void *)((uintptr_t)p & ~(uintptr_t)(sysconf(_SC_PAGESIZE) - 1));
	int status = -1;

	if (move_pages(0, 1, &pg, NULL, &status, 0))
		return -1;
	return status;
}

/*
 * Ranges @r[0..nr) of a tensor of @n floats at @first: in order, covering
 * it, each naming the node move_pages(2) finds its first and last page on.
 */
static void check_ranges(struct __test_metadata *_metadata, const char *what,
			 float *first, const struct tier_optim_range *r, int nr,
			 size_t n)
{
	size_t covered = 0;
	int i;

	for (i = 0; i < nr; i++) {
		float *a = first + r[i].start, *z = a + r[i].count - 1;

		EXPECT_EQ(covered, r[i].start) TH_LOG("%s: range %d", what, i);
		covered = r[i].start + r[i].count;
		EXPECT_EQ(r[i].node, page_node(a))
			TH_LOG("%s: range %d starts on node %d", what, i, page_node(a));
		EXPECT_EQ(r[i].node, page_node(z))
			TH_LOG("%s: range %d ends on node %d", what, i, page_node(z));
		if (i)
			EXPECT_NE(r[i - 1].node, r[i].node);
	}
	EXPECT_EQ(n, covered) TH_LOG("%s", what);
}

/* bind to the first node with CPUs; with a second node, a split and an
 * interleave over both */
static int test_policies(struct tier_ctx *ctx, char pol[3][64])
{
	int i, d = -1, c = -1;

	for (i = 0; i < tier_nr_nodes(ctx); i++) {
		struct tier_node nd;

		if (tier_node(ctx, i, &nd))
			return -1;
		if (d < 0 && (nd.flags & CXLTIER_NODE_HAS_CPUS))
			d = (int)nd.node;
		else if (c < 0)
			c = (int)nd.node;
	}
	snprintf(pol[0], 64, "bind:%d", d);
	if (c < 0)
		return 1;
	snprintf(pol[1], 64, "split:%d=30%%,%d=70%%", d, c);
	snprintf(pol[2], 64, "interleave:%d,%d,chunk=64K", d, c);
	return 3;
}

TEST(buf_ranges_match_the_pages)
{
	const size_t len = 8 << 20, off = 12288;	/* a tensor from page 3 */
	const size_t n = (len - off - 1000) / sizeof(float);
	struct tier_optim_range r[4096];
	struct tier_ctx *ctx;
	char pol[3][64];
	int np, nr, k;

	ASSERT_EQ(0, tier_open(&ctx, TIER_OPEN_FALLBACK));
	np = test_policies(ctx, pol);
	ASSERT_LT(0, np);
	for (k = 0; k < np; k++) {
		struct tier_policy p;
		struct tier_buf *buf;
		float *f;

		ASSERT_EQ(0, tier_policy_parse(pol[k], &p));
		ASSERT_EQ(0, tier_buf_create(ctx, len, &p, &buf)) TH_LOG("%s", pol[k]);
		ASSERT_EQ(0, tier_buf_map(buf, (void **)&f));
		memset(f, 1, len);
		nr = tier_optim_buf_ranges(buf, 3, off, sizeof(float), n, r, 4096);
		ASSERT_LT(0, nr) TH_LOG("%s: %d", pol[k], nr);
		ASSERT_GE(4096, nr);
		EXPECT_EQ(3, r[0].tensor);
		check_ranges(_metadata, pol[k], f + off / sizeof(float), r, nr, n);
		if (k == 1)	/* the split: 2 ranges */
			EXPECT_EQ(2, nr);
		/* a short array gets what fits and the count */
		EXPECT_EQ(nr, tier_optim_buf_ranges(buf, 0, off, sizeof(float), n, r, 1));
		EXPECT_EQ(nr, tier_optim_buf_ranges(buf, 0, off, sizeof(float), n, NULL, 0));
		EXPECT_EQ(-EINVAL, tier_optim_buf_ranges(buf, 0, 2, sizeof(float), n, r, 8));
		EXPECT_EQ(-EINVAL, tier_optim_buf_ranges(buf, 0, off, 3, n, r, 8));
		EXPECT_EQ(-EINVAL, tier_optim_buf_ranges(buf, 0, off, sizeof(float),
							 len / sizeof(float), r, 8));
		EXPECT_EQ(-EINVAL, tier_optim_buf_ranges(NULL, 0, 0, 4, 1, r, 8));
		tier_buf_destroy(buf);
	}
	tier_close(ctx);
}

/* The same through an arena: a large allocation is a buffer of its own. */
TEST(arena_ranges_match_the_pages)
{
	const size_t n = (6 << 20) / sizeof(float) + 5;
	struct tier_optim_range r[4096];
	struct tier_ctx *ctx;
	char pol[3][64];
	int np, nr, k;

	ASSERT_EQ(0, tier_open(&ctx, TIER_OPEN_FALLBACK));
	np = test_policies(ctx, pol);
	ASSERT_LT(0, np);
	for (k = 0; k < np; k++) {
		struct tier_arena *arena;
		struct tier_policy p;
		float *f;

		ASSERT_EQ(0, tier_policy_parse(pol[k], &p));
		ASSERT_EQ(0, tier_arena_create(ctx, &p, NULL, &arena));
		ASSERT_EQ(0, tier_arena_alloc(arena, n * sizeof(float), 0, (void **)&f));
		memset(f, 1, n * sizeof(float));
		nr = tier_optim_arena_ranges(arena, f, 1, sizeof(float), n, r, 4096);
		ASSERT_LT(0, nr) TH_LOG("%s: %d", pol[k], nr);
		ASSERT_GE(4096, nr);
		check_ranges(_metadata, pol[k], f, r, nr, n);
		EXPECT_EQ(-ENOENT, tier_optim_arena_ranges(arena, &nr, 1, 4, 1, r, 8));
		EXPECT_EQ(0, tier_arena_free(arena, f));
		tier_arena_destroy(arena);
	}
	tier_close(ctx);
}

TEST_HARNESS_MAIN
