// SPDX-License-Identifier: GPL-2.0-only
/*
 * tier_arena tests, on the host (mbind backend) and in the VM (both
 * backends; the module variant skips without /dev/cxltier).
 *
 * Expected figures come from the contract in libtier.h (size classes,
 * page rounding, where a policy puts pages), never from the code under
 * test; placement is checked against move_pages(2) / the module's own
 * per-buffer counts through the residency query and against libnuma's
 * node list.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "libtier.h"
#include "kselftest_harness.h"

#define MIB	(1UL << 20)

static int have_module(void)
{
	return access(CXLTIER_DEVICE_PATH, F_OK) == 0;
}

static size_t page_size(void)
{
	return (size_t)sysconf(_SC_PAGESIZE);
}

static size_t round_up(size_t n, size_t to)
{
	return (n + to - 1) / to * to;
}

/* The size class of @n by the rule in libtier.h, written out independently. */
static size_t class_of(size_t n)
{
	size_t lo, step;

	if (n <= 128)
		return round_up(n, 16);
	for (lo = 128; lo * 2 < n; lo *= 2)
		;
	step = lo / 4;
	return lo + round_up(n - lo, step);
}

static uint64_t rnd(uint64_t *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 7;
	*s ^= *s << 17;
	return *s;
}

static void fill(void *p, size_t n, uint64_t seed)
{
	unsigned char *c = p;
	size_t i;

	for (i = 0; i < n; i++)
		c[i] = (unsigned char)(seed + i * 131);
}

static int intact(const void *p, size_t n, uint64_t seed)
{
	const unsigned char *c = p;
	size_t i;

	for (i = 0; i < n; i++)
		if (c[i] != (unsigned char)(seed + i * 131))
			return 0;
	return 1;
}

static void bind_to(struct tier_policy *p, uint32_t node)
{
	memset(p, 0, sizeof(*p));
	p->mode = CXLTIER_MODE_BIND;
	p->nr_nodes = 1;
	p->nodes[0].node = node;
}

static uint64_t on_node(const struct tier_node_bytes *r, int n, uint32_t node)
{
	int i;

	for (i = 0; i < n; i++)
		if (r[i].node == node)
			return r[i].bytes;
	return 0;
}

/* ------------------------------------------------------------------------ */

FIXTURE(arena) {
	struct tier_ctx *ctx;
	struct tier_arena *arena;
	uint32_t node;			/* the first node: the arena's */
	uint32_t last;			/* the last node with memory */
	int nr_nodes;
};

FIXTURE_VARIANT(arena) {
	unsigned int flags;
	int backend;
};

FIXTURE_VARIANT_ADD(arena, mbind) {
	.flags = TIER_OPEN_FALLBACK,
	.backend = TIER_BACKEND_MBIND,
};

FIXTURE_VARIANT_ADD(arena, module) {
	.flags = TIER_OPEN_MODULE,
	.backend = TIER_BACKEND_MODULE,
};

/* 6.1's harness runs the test after a SKIP() in FIXTURE_SETUP. */
#define SETUP_SKIP(fmt, ...)	SKIP(_exit(255), fmt, ##__VA_ARGS__)

FIXTURE_SETUP(arena)
{
	struct tier_node n;
	struct tier_policy p;

	if (variant->backend == TIER_BACKEND_MODULE && !have_module())
		SETUP_SKIP("%s absent: cxltier module not loaded",
			   CXLTIER_DEVICE_PATH);
	ASSERT_EQ(0, tier_open(&self->ctx, variant->flags));
	ASSERT_EQ(variant->backend, tier_backend(self->ctx));
	self->nr_nodes = tier_nr_nodes(self->ctx);
	ASSERT_EQ(0, tier_node(self->ctx, 0, &n));
	self->node = n.node;
	ASSERT_EQ(0, tier_node(self->ctx, self->nr_nodes - 1, &n));
	self->last = n.node;
	bind_to(&p, self->node);
	ASSERT_EQ(0, tier_arena_create(self->ctx, &p, NULL, &self->arena));
}

FIXTURE_TEARDOWN(arena)
{
	tier_arena_destroy(self->arena);
	tier_close(self->ctx);
}

/* Bad arguments to create: a precise errno and no arena. */
TEST_F(arena, create_rejects)
{
	struct tier_arena_opts o;
	struct tier_policy p;
	struct tier_arena *q = (struct tier_arena *)1;
	struct tier_node n;
	uint32_t absent;

	bind_to(&p, self->node);
	EXPECT_EQ(-EINVAL, tier_arena_create(NULL, &p, NULL, &q));
	EXPECT_EQ(NULL, q);
	EXPECT_EQ(-EINVAL, tier_arena_create(self->ctx, NULL, NULL, &q));
	EXPECT_EQ(-EINVAL, tier_arena_create(self->ctx, &p, NULL, NULL));
	memset(&o, 0, sizeof(o));
	o.flags = 1;
	EXPECT_EQ(-EINVAL, tier_arena_create(self->ctx, &p, &o, &q));
	memset(&o, 0, sizeof(o));
	o.__reserved[3] = 1;
	EXPECT_EQ(-EINVAL, tier_arena_create(self->ctx, &p, &o, &q));
	memset(&o, 0, sizeof(o));
	o.large_threshold = TIER_ARENA_SMALL_MAX + 2;
	EXPECT_EQ(-EINVAL, tier_arena_create(self->ctx, &p, &o, &q));
	memset(&o, 0, sizeof(o));
	o.va_reserve = TIER_ARENA_SLAB_SIZE + 4096;
	EXPECT_EQ(-EINVAL, tier_arena_create(self->ctx, &p, &o, &q));
	EXPECT_EQ(NULL, q);
	/* the policy is tried at create: a node without memory */
	for (absent = 0; tier_node_by_id(self->ctx, (int)absent, &n) == 0; absent++)
		;
	bind_to(&p, absent);
	EXPECT_EQ(-ENODEV, tier_arena_create(self->ctx, &p, NULL, &q));
	bind_to(&p, self->node);
	p.mode = 99;
	EXPECT_EQ(-EINVAL, tier_arena_create(self->ctx, &p, NULL, &q));
	EXPECT_EQ(NULL, q);
	tier_arena_destroy(NULL);
}

TEST_F(arena, alloc_rejects)
{
	struct tier_arena_stat st;
	struct tier_node n;
	void *p = (void *)1;

	EXPECT_EQ(-EINVAL, tier_arena_alloc(NULL, 16, 0, &p));
	EXPECT_EQ(NULL, p);
	EXPECT_EQ(-EINVAL, tier_arena_alloc(self->arena, 16, 0, NULL));
	p = (void *)1;
	EXPECT_EQ(-EINVAL, tier_arena_alloc(self->arena, 0, 0, &p));
	EXPECT_EQ(NULL, p);
	EXPECT_EQ(-EINVAL, tier_arena_alloc(self->arena, 16, 3, &p));
	EXPECT_EQ(-EINVAL, tier_arena_alloc(self->arena, 16, 1UL << 31, &p));
	/* beyond the reserved address space */
	EXPECT_EQ(-ENOMEM, tier_arena_alloc(self->arena, SIZE_MAX, 0, &p));
	EXPECT_EQ(-ENOMEM, tier_arena_alloc(self->arena, 1UL << 62, 0, &p));
	EXPECT_EQ(NULL, p);
	/* within it, beyond the node: the backend's -EFBIG */
	ASSERT_EQ(0, tier_node_by_id(self->ctx, (int)self->node, &n));
	EXPECT_EQ(-EFBIG, tier_arena_alloc(self->arena, n.total_bytes + MIB, 0, &p));
	EXPECT_EQ(NULL, p);
	ASSERT_EQ(0, tier_arena_stat(self->arena, &st));
	EXPECT_EQ(0, st.nr_allocs);
	EXPECT_EQ(0, st.reserved_bytes);
	EXPECT_EQ(0, st.nr_large);
}

/* Foreign, interior and double frees are refused and change nothing. */
TEST_F(arena, free_rejects)
{
	struct tier_arena_stat st;
	void *a, *b, *big, *m = malloc(64);
	char stack;

	ASSERT_EQ(0, tier_arena_alloc(self->arena, 100, 0, &a));
	ASSERT_EQ(0, tier_arena_alloc(self->arena, 100, 0, &b));
	ASSERT_EQ(0, tier_arena_alloc(self->arena, 3 * MIB, 0, &big));
	EXPECT_EQ(0, tier_arena_free(self->arena, NULL));
	EXPECT_EQ(-EINVAL, tier_arena_free(NULL, a));
	EXPECT_EQ(-EINVAL, tier_arena_free(self->arena, m));
	EXPECT_EQ(-EINVAL, tier_arena_free(self->arena, &stack));
	EXPECT_EQ(-EINVAL, tier_arena_free(self->arena, (char *)a + 16));
	EXPECT_EQ(-EINVAL, tier_arena_free(self->arena, (char *)big + 4096));
	EXPECT_EQ(0, tier_arena_owns(self->arena, m));
	EXPECT_EQ(1, tier_arena_owns(self->arena, a));
	EXPECT_EQ(1, tier_arena_owns(self->arena, big));
	EXPECT_EQ(0, tier_arena_owns(NULL, a));
	ASSERT_EQ(0, tier_arena_stat(self->arena, &st));
	EXPECT_EQ(3, st.nr_allocs);
	EXPECT_EQ(0, tier_arena_free(self->arena, a));
	EXPECT_EQ(-EINVAL, tier_arena_free(self->arena, a));	/* double */
	EXPECT_EQ(0, tier_arena_free(self->arena, big));
	EXPECT_EQ(-EINVAL, tier_arena_free(self->arena, big)); /* double */
	ASSERT_EQ(0, tier_arena_stat(self->arena, &st));
	EXPECT_EQ(1, st.nr_allocs);
	EXPECT_EQ(class_of(100), st.in_use_bytes);
	EXPECT_EQ(0, st.nr_large);
	/* b is untouched by all that */
	EXPECT_EQ(class_of(100), tier_arena_usable_size(self->arena, b));
	EXPECT_EQ(0, tier_arena_usable_size(self->arena, a));
	EXPECT_EQ(0, tier_arena_free(self->arena, b));
	free(m);
}

/*
 * Every size from 1 to 4 KiB and a sweep beyond: usable size is the class
 * of libtier.h (at most 25% above the request beyond 128 B), 16-byte
 * aligned, and live allocations never overlap.
 */
TEST_F(arena, size_classes)
{
	enum { N = 4096 + 200 };
	static void *ptr[N];
	static size_t want[N];
	struct tier_arena_stat st;
	uint64_t sum = 0;
	size_t i, s = 1;

	for (i = 0; i < N; i++) {
		size_t w = i < 4096 ? i + 1 : (s = s * 21 / 20 + 1) % TIER_ARENA_SMALL_MAX + 1;

		want[i] = w;
		ASSERT_EQ(0, tier_arena_alloc(self->arena, w, 0, &ptr[i]));
		ASSERT_EQ(0, (uintptr_t)ptr[i] % 16);
		ASSERT_EQ(class_of(w), tier_arena_usable_size(self->arena, ptr[i]))
			TH_LOG("size %zu", w);
		if (w > 128)
			ASSERT_LE(class_of(w) * 4, w * 5);
		fill(ptr[i], w, i);
		sum += class_of(w);
	}
	for (i = 0; i < N; i++) {
		size_t w = want[i];

		ASSERT_TRUE(intact(ptr[i], w, i)) TH_LOG("size %zu", w);
	}
	ASSERT_EQ(0, tier_arena_stat(self->arena, &st));
	EXPECT_EQ(N, st.nr_allocs);
	EXPECT_EQ(sum, st.in_use_bytes);
	EXPECT_EQ(sum, st.small_in_use_bytes);
	EXPECT_EQ(0, st.nr_large);
	EXPECT_EQ(st.nr_slabs * TIER_ARENA_SLAB_SIZE, st.reserved_bytes);
	for (i = 0; i < N; i++)
		ASSERT_EQ(0, tier_arena_free(self->arena, ptr[i]));
	ASSERT_EQ(0, tier_arena_trim(self->arena));
	ASSERT_EQ(0, tier_arena_stat(self->arena, &st));
	EXPECT_EQ(0, st.nr_allocs);
	EXPECT_EQ(0, st.nr_slabs);
	EXPECT_EQ(0, st.reserved_bytes);
}

TEST_F(arena, alignment)
{
	size_t align, sizes[] = { 1, 100, 5000, 70000 };
	unsigned int i;
	void *p;

	for (align = 16; align <= 64 * MIB; align *= 2) {
		for (i = 0; i < 4; i++) {
			ASSERT_EQ(0, tier_arena_alloc(self->arena, sizes[i], align, &p));
			ASSERT_EQ(0, (uintptr_t)p % align)
				TH_LOG("size %zu align %zu: %p", sizes[i], align, p);
			ASSERT_GE(tier_arena_usable_size(self->arena, p), sizes[i]);
			memset(p, 0xa5, sizes[i]);
			ASSERT_EQ(0, tier_arena_free(self->arena, p));
		}
	}
}

/* A large allocation is one buffer, rounded to the page and no further. */
TEST_F(arena, large_exact_size)
{
	size_t sizes[] = { TIER_ARENA_SMALL_MAX + 1, 3 * MIB + 5, 37 * MIB + 4097 };
	struct tier_alloc_info info;
	struct tier_arena_stat st;
	unsigned int i;
	void *p[3];
	uint64_t sum = 0, asked = 0;

	for (i = 0; i < 3; i++) {
		ASSERT_EQ(0, tier_arena_alloc(self->arena, sizes[i], 0, &p[i]));
		ASSERT_EQ(0, (uintptr_t)p[i] % TIER_ARENA_SLAB_SIZE);
		fill(p[i], sizes[i], i);
		sum += round_up(sizes[i], page_size());
		asked += sizes[i];
		ASSERT_EQ(0, tier_arena_lookup(self->arena, (char *)p[i] + sizes[i] - 1, &info));
		EXPECT_EQ(p[i], info.addr);
		EXPECT_EQ(sizes[i], info.size);
		EXPECT_EQ(TIER_ALLOC_LARGE, info.kind);
		EXPECT_EQ(0, info.buf_offset);
		EXPECT_NE(0, info.buf_id);
	}
	ASSERT_EQ(0, tier_arena_stat(self->arena, &st));
	EXPECT_EQ(3, st.nr_large);
	EXPECT_EQ(0, st.nr_slabs);
	EXPECT_EQ(sum, st.reserved_bytes);
	EXPECT_EQ(asked, st.in_use_bytes);
	/* touched, every page resident on the arena's node */
	EXPECT_EQ(sum, st.resident_bytes);
	EXPECT_EQ(1, st.nr_resident);
	EXPECT_EQ(self->node, st.resident[0].node);
	for (i = 0; i < 3; i++) {
		ASSERT_TRUE(intact(p[i], sizes[i], i));
		ASSERT_EQ(0, tier_arena_free(self->arena, p[i]));
		EXPECT_EQ(-ENOENT, tier_arena_lookup(self->arena, p[i], &info));
	}
	ASSERT_EQ(0, tier_arena_stat(self->arena, &st));
	EXPECT_EQ(0, st.reserved_bytes);
	EXPECT_EQ(0, st.resident_bytes);
}

TEST_F(arena, lookup)
{
	struct tier_alloc_info info;
	char *p;

	EXPECT_EQ(-EINVAL, tier_arena_lookup(NULL, &info, &info));
	EXPECT_EQ(-EINVAL, tier_arena_lookup(self->arena, &info, NULL));
	EXPECT_EQ(-EINVAL, tier_arena_residency(NULL, &info, NULL, 0, NULL));
	EXPECT_EQ(-EINVAL, tier_arena_residency(self->arena, &info, NULL, 1, NULL));
	EXPECT_EQ(-EINVAL, tier_arena_stat(NULL, (struct tier_arena_stat *)&info));
	EXPECT_EQ(-EINVAL, tier_arena_stat(self->arena, NULL));
	EXPECT_EQ(0, tier_arena_usable_size(NULL, &info));
	EXPECT_EQ(0, tier_arena_usable_size(self->arena, NULL));
	EXPECT_EQ(-ENOENT, tier_arena_lookup(self->arena, &info, &info));
	ASSERT_EQ(0, tier_arena_alloc(self->arena, 1000, 0, (void **)&p));
	ASSERT_EQ(0, tier_arena_lookup(self->arena, p + 999, &info));
	EXPECT_EQ(p, info.addr);
	EXPECT_EQ(class_of(1000), info.size);
	EXPECT_EQ(TIER_ALLOC_SMALL, info.kind);
	EXPECT_EQ(0, info.buf_offset % class_of(1000));
	ASSERT_EQ(0, tier_arena_free(self->arena, p));
	EXPECT_EQ(-ENOENT, tier_arena_lookup(self->arena, p, &info));
	EXPECT_EQ(-ENOENT, tier_arena_residency(self->arena, p, NULL, 0, NULL));
}

/* Emptied slabs go back to the backend: one per class is kept, trim drops it. */
TEST_F(arena, empty_slabs_return)
{
	enum { N = 6000 };		/* 1 KiB objects: three 2 MiB slabs */
	static void *p[N];
	struct tier_arena_stat st;
	unsigned int i;

	for (i = 0; i < N; i++)
		ASSERT_EQ(0, tier_arena_alloc(self->arena, 1024, 0, &p[i]));
	ASSERT_EQ(0, tier_arena_stat(self->arena, &st));
	EXPECT_EQ(3, st.nr_slabs);
	for (i = 0; i < N; i++)
		ASSERT_EQ(0, tier_arena_free(self->arena, p[i]));
	ASSERT_EQ(0, tier_arena_stat(self->arena, &st));
	EXPECT_LE(st.nr_slabs, 2);	/* the cached objects' slab, one empty */
	EXPECT_EQ(0, st.nr_allocs);
	ASSERT_EQ(0, tier_arena_trim(self->arena));
	ASSERT_EQ(0, tier_arena_stat(self->arena, &st));
	EXPECT_EQ(0, st.nr_slabs);
	EXPECT_EQ(0, st.resident_bytes);
	EXPECT_EQ(-EINVAL, tier_arena_trim(NULL));
}

/* ------------------------------------------------------------------------ */
/* Many threads                                                               */

#define THREADS		8
#define SLOTS		512
#define OPS		10000

struct shared {
	struct tier_arena *arena;
	void *slot[SLOTS];		/* handed between threads */
	size_t size[SLOTS];
	uint64_t seed[SLOTS];
	pthread_mutex_t lock[SLOTS];
	int errors;
	unsigned int nr_large;
};

/* Mostly small, log-uniform 16 B .. 64 KiB; one in 500 from 1 to 3 MiB. */
static size_t pick_size(uint64_t *s)
{
	uint64_t r = rnd(s);

	if (r % 500 == 0)
		return MIB + r % (2 * MIB);
	return (size_t)16 << (r >> 8) % 13 | (r >> 20) % 16;
}

static void *worker(void *arg)
{
	struct shared *sh = arg;
	uint64_t s = (uint64_t)pthread_self() | 1;
	unsigned int i;

	for (i = 0; i < OPS; i++) {
		unsigned int k = (unsigned int)(rnd(&s) % SLOTS);
		size_t n = pick_size(&s);
		uint64_t seed = rnd(&s);
		void *p;

		/* the slot's old object may be another thread's: free it here */
		pthread_mutex_lock(&sh->lock[k]);
		if (sh->slot[k]) {
			if (!intact(sh->slot[k], sh->size[k], sh->seed[k]) ||
			    tier_arena_free(sh->arena, sh->slot[k]))
				__atomic_add_fetch(&sh->errors, 1, __ATOMIC_RELAXED);
			sh->slot[k] = NULL;
		}
		if (tier_arena_alloc(sh->arena, n, 0, &p)) {
			__atomic_add_fetch(&sh->errors, 1, __ATOMIC_RELAXED);
		} else {
			fill(p, n, seed);
			sh->slot[k] = p;
			sh->size[k] = n;
			sh->seed[k] = seed;
		}
		pthread_mutex_unlock(&sh->lock[k]);
	}
	return NULL;
}

TEST_F_TIMEOUT(arena, threads, 600)
{
	static struct shared sh;
	pthread_t t[THREADS];
	struct tier_arena_stat st;
	uint64_t in_use = 0, live = 0;
	unsigned int i;

	memset(&sh, 0, sizeof(sh));
	sh.arena = self->arena;
	for (i = 0; i < SLOTS; i++)
		pthread_mutex_init(&sh.lock[i], NULL);
	for (i = 0; i < THREADS; i++)
		ASSERT_EQ(0, pthread_create(&t[i], NULL, worker, &sh));
	for (i = 0; i < THREADS; i++)
		pthread_join(t[i], NULL);
	EXPECT_EQ(0, sh.errors);

	/* what stat counts is what the slots hold */
	for (i = 0; i < SLOTS; i++) {
		if (!sh.slot[i])
			continue;
		live++;
		in_use += sh.size[i] > TIER_ARENA_SMALL_MAX ? sh.size[i] :
			  class_of(sh.size[i]);
		ASSERT_TRUE(intact(sh.slot[i], sh.size[i], sh.seed[i]));
	}
	ASSERT_EQ(0, tier_arena_stat(self->arena, &st));
	EXPECT_EQ(live, st.nr_allocs);
	EXPECT_EQ(in_use, st.in_use_bytes);
	EXPECT_GE(st.reserved_bytes, st.in_use_bytes);
	EXPECT_LE(st.resident_bytes, st.reserved_bytes);
	EXPECT_EQ(1, st.nr_resident);
	EXPECT_EQ(self->node, st.resident[0].node);
	for (i = 0; i < SLOTS; i++)
		ASSERT_EQ(0, tier_arena_free(self->arena, sh.slot[i]));
	/* the threads' caches drained when they exited; trim the rest */
	ASSERT_EQ(0, tier_arena_trim(self->arena));
	ASSERT_EQ(0, tier_arena_stat(self->arena, &st));
	EXPECT_EQ(0, st.nr_allocs);
	EXPECT_EQ(0, st.in_use_bytes);
	EXPECT_EQ(0, st.nr_slabs);
	EXPECT_EQ(0, st.nr_large);
	EXPECT_EQ(0, st.reserved_bytes);
	for (i = 0; i < SLOTS; i++)
		pthread_mutex_destroy(&sh.lock[i]);
}

/* ------------------------------------------------------------------------ */
/* Residency                                                                  */

/* Small and large allocations of an arena bound to @node are on @node. */
static void residency_on(struct __test_metadata *_metadata,
			 struct tier_ctx *ctx, uint32_t node, int populate)
{
	struct tier_node_bytes r[8];
	struct tier_arena *arena;
	struct tier_policy p;
	uint32_t flags;
	size_t big = 6 * MIB + 8192;
	char *s, *l;
	int n;

	bind_to(&p, node);
	if (populate)
		p.flags = CXLTIER_CREATE_POPULATE;
	ASSERT_EQ(0, tier_arena_create(ctx, &p, NULL, &arena));
	ASSERT_EQ(0, tier_arena_alloc(arena, 100, 0, (void **)&s));
	ASSERT_EQ(0, tier_arena_alloc(arena, big, 0, (void **)&l));
	memset(s, 1, 100);
	memset(l, 2, big);

	n = tier_arena_residency(arena, l, r, 8, &flags);
	ASSERT_EQ(1, n);
	EXPECT_EQ(node, r[0].node);
	EXPECT_EQ(big, r[0].bytes);
	EXPECT_EQ(TIER_RESIDENCY_EXACT, flags);
	/* asking with no room says how many */
	EXPECT_EQ(1, tier_arena_residency(arena, l + 5, NULL, 0, NULL));

	n = tier_arena_residency(arena, s + 50, r, 8, &flags);
	if (flags & TIER_RESIDENCY_EXACT) {
		ASSERT_EQ(1, n);
		EXPECT_EQ(node, r[0].node);
		EXPECT_EQ(class_of(100), r[0].bytes);
	} else {
		/* module, slab partly resident: an estimate, on the node only */
		ASSERT_FALSE(populate);
		ASSERT_GE(n, 0);
		if (n)
			EXPECT_EQ(node, r[0].node);
		ASSERT_LE(n, 1);
	}
	tier_arena_destroy(arena);
}

TEST_F(arena, residency_first_node)
{
	residency_on(_metadata, self->ctx, self->node, 0);
	residency_on(_metadata, self->ctx, self->node, 1);
}

/* The last node (a CXL node in the VM): the multi-node check. */
TEST_F(arena, residency_last_node)
{
	if (self->nr_nodes < 2)
		SKIP(return, "one node: nothing but node %u to place on", self->node);
	residency_on(_metadata, self->ctx, self->last, 0);
	residency_on(_metadata, self->ctx, self->last, 1);
}

/* A split arena: each large allocation 25% on the first node, 75% on the last. */
TEST_F(arena, residency_split)
{
	struct tier_node_bytes r[8];
	struct tier_arena *arena;
	struct tier_policy p;
	size_t len = 8 * MIB;
	uint32_t flags;
	char *a;
	int n;

	if (self->nr_nodes < 2)
		SKIP(return, "one node");
	memset(&p, 0, sizeof(p));
	p.mode = CXLTIER_MODE_SPLIT;
	p.nr_nodes = 2;
	p.nodes[0].node = self->node;
	p.nodes[0].weight = 25;
	p.nodes[1].node = self->last;
	p.nodes[1].weight = 75;
	ASSERT_EQ(0, tier_arena_create(self->ctx, &p, NULL, &arena));
	ASSERT_EQ(0, tier_arena_alloc(arena, len, 0, (void **)&a));
	memset(a, 3, len);
	n = tier_arena_residency(arena, a, r, 8, &flags);
	ASSERT_EQ(2, n);
	EXPECT_EQ(TIER_RESIDENCY_EXACT, flags);
	EXPECT_EQ(len / 4, on_node(r, n, self->node));
	EXPECT_EQ(len / 4 * 3, on_node(r, n, self->last));
	tier_arena_destroy(arena);
}

TEST_HARNESS_MAIN
