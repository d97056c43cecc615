// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * Arenas: a tiered allocator on cxltier buffers (libtier.h has the contract,
 * doc/allocator.md the design).
 *
 * Address space.  At create time the arena reserves one range of address
 * space (PROT_NONE, MAP_NORESERVE: no memory, no commit charge), cut into
 * 2 MiB granules.  A slab takes one granule; a large allocation takes as
 * many as its buffer needs, the rest of the last one left PROT_NONE.  Each
 * buffer is mapped MAP_SHARED|MAP_FIXED over its granules, and mapped back
 * to PROT_NONE before its buffer is destroyed, so the range is never open to
 * other mmap()s.  gtab[] maps each granule to the region (slab or large
 * allocation) on it: ownership and lookup of any pointer are a range check
 * and a table read.
 *
 * Small objects.  Each slab serves one size class.  It has two bitmaps kept
 * beside it, never in the arena's memory:
 *   live:  the user holds the object (atomic bit operations: any thread
 *          frees; a clear bit at free time is a double or invalid free);
 *   avail: the object is free in the slab (under its class's lock).
 * An object that is neither sits in some thread's cache.  Thread caches are
 * arrays of pointers per class (no links inside freed objects), refilled
 * and drained in batches under the class lock.
 *
 * Locks, outermost first:
 *   ctx_lock        the context (tier_buf_create/stat are not thread-safe
 *                   on one context): buffer creation, stat, residency
 *   cls[i].lock     class i: its partial-slab list, its slabs' avail bitmaps
 *                   and nfree counts, its empty-slab count
 *   lock            the granule bitmap, gtab[] writes, the region list,
 *                   the thread-cache list
 * gtab[] is read without a lock (acquire loads).
 */
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/mman.h>
#include <sys/syscall.h>

#include "libtier-private.h"

/* A granule is the uapi's huge page: a 2 MiB buffer on it can be huge. */
#define GRAN_SHIFT	CXLTIER_HUGE_PAGE_SHIFT
#define GRAN_SIZE	((size_t)1 << GRAN_SHIFT)
#define NR_LINEAR	8			/* 16 .. 128 by 16 */
#define NR_CLASSES	(NR_LINEAR + 4 * (20 - 7))	/* .. 1 MiB by quarters */
#define DEFAULT_VA	(4ULL << 40)
#define MIN_VA		(1ULL << 30)
#define MAX_ALIGN	((size_t)1 << 30)
#define CACHE_BYTES	(256U << 10)		/* per class and thread */
#define CACHE_MAX	64
#define BITS		64

/*
 * The arena's lists (regions, thread caches, a class's partial slabs) are
 * doubly linked through the members @next and @prev of their entries, with
 * no sentinel: @head is NULL or the first entry.
 */
#define LIST_PUSH(head, n, next, prev) do {				\
	(n)->prev = NULL;						\
	(n)->next = (head);						\
	if (head)							\
		(head)->prev = (n);					\
	(head) = (n);							\
} while (0)

#define LIST_UNLINK(head, n, next, prev) do {				\
	if ((n)->prev)							\
		(n)->prev->next = (n)->next;				\
	else								\
		(head) = (n)->next;					\
	if ((n)->next)							\
		(n)->next->prev = (n)->prev;				\
} while (0)

#if TIER_ARENA_SLAB_SIZE != (1U << GRAN_SHIFT)
#error "slabs are one granule"
#endif

enum region_kind { REGION_SLAB = 1, REGION_LARGE };

/*
 * The fields alloc and free read (kind, base, size, nr_objs, magic) share
 * the first cache line of a slab, which is allocated 64-byte aligned.
 */
struct region {
	uint32_t kind;			/* enum region_kind */
	uint32_t nr_gran;
	char *base;			/* granule-aligned */
	struct tier_buf *buf;
	size_t map_len;			/* mapped bytes: the buffer's */
	struct region *next, *prev;	/* arena->regions, under ->lock */
};

struct slab {
	struct region r;
	uint32_t size;			/* object size */
	uint32_t nr_objs;
	uint64_t magic;			/* off * magic >> 42 == off / size */
	uint32_t cls;
	uint32_t nfree;			/* avail bits set; class lock */
	uint32_t hint;			/* first avail word that may be set */
	int on_partial;			/* class lock */
	int retired;			/* no refills from it (after fork) */
	struct slab *pnext, *pprev;	/* class partial list */
	uint64_t *avail;		/* class lock */
	uint64_t live[];		/* atomic */
};

struct large {
	struct region r;
	size_t size;			/* as asked */
	int live;			/* atomic */
};

struct size_class {
	pthread_mutex_t lock;
	struct slab *partial;		/* slabs with avail objects */
	unsigned int nr_empty;		/* of them, wholly free */
};

struct bin {
	uint32_t n, cap;
	void **slot;
};

struct tcache {
	struct tier_arena *arena;
	uint64_t epoch;
	struct tcache *next, *prev;	/* arena->caches, under ->lock */
	struct bin bins[NR_CLASSES];
	void *storage[];
};

struct tier_arena {
	/* read by every alloc and free: one cache line */
	uint64_t id;			/* unique in the process */
	uint64_t epoch;			/* bumped in a forked child */
	uintptr_t va_base;
	size_t va_len;
	struct region **gtab;		/* nr_gran entries */
	size_t large_threshold;
	pthread_key_t key;

	struct tier_ctx *ctx;
	struct tier_policy policy;
	struct tier_layout layout;	/* of one slab's units */
	unsigned int page_shift;	/* the buffers' unit */
	size_t nr_gran;
	uint64_t *gmap;			/* granule in use */
	size_t ghint;			/* first gmap word that may be clear */

	pthread_mutex_t ctx_lock;
	pthread_mutex_t lock;
	struct region *regions;
	struct tcache *caches;
	struct tier_node_bytes *resident;	/* tier_arena_stat()'s array */
	struct size_class cls[NR_CLASSES];
};

static uint32_t class_size[NR_CLASSES];
static uint32_t class_cap[NR_CLASSES];
static pthread_once_t classes_once = PTHREAD_ONCE_INIT;
static uint64_t next_arena_id = 1;

/* The calling thread's cache of the arena it used last. */
static __thread struct {
	uint64_t arena_id;
	struct tcache *tc;
} tls_last;

static void init_classes(void)
{
	unsigned int i;

	for (i = 0; i < NR_CLASSES; i++) {
		uint32_t sz;

		if (i < NR_LINEAR) {
			sz = (i + 1) * 16;
		} else {
			unsigned int k = 7 + (i - NR_LINEAR) / 4;
			unsigned int m = (i - NR_LINEAR) % 4;

			sz = (1U << k) + ((m + 1) << (k - 2));
		}
		class_size[i] = sz;
		class_cap[i] = CACHE_BYTES / sz;
		if (class_cap[i] > CACHE_MAX)
			class_cap[i] = CACHE_MAX;
		if (!class_cap[i])
			class_cap[i] = 1;
	}
}

/* The smallest class holding @size (1 .. TIER_ARENA_SMALL_MAX). */
static inline unsigned int size_to_class(size_t size)
{
	size_t s;
	unsigned int k;

	if (size <= 128)
		return (unsigned int)((size + 15) >> 4) - 1;
	s = size - 1;
	k = 63 - (unsigned int)__builtin_clzll(s);
	return NR_LINEAR + (k - 7) * 4 + (unsigned int)((s >> (k - 2)) & 3);
}

static inline struct region *region_of(const struct tier_arena *arena,
				       const void *ptr)
{
	uintptr_t off = (uintptr_t)ptr - arena->va_base;

	if (off >= arena->va_len)
		return NULL;
	return __atomic_load_n(&arena->gtab[off >> GRAN_SHIFT], __ATOMIC_ACQUIRE);
}

/* Index of the object at @ptr in @s, or -1 when @ptr is not an object start. */
static inline long obj_index(const struct slab *s, const void *ptr)
{
	uint64_t off = (uint64_t)((const char *)ptr - s->r.base);
	uint64_t idx = (off * s->magic) >> 42;

	if (idx >= s->nr_objs || idx * s->size != off)
		return -1;
	return (long)idx;
}

/* Index of the object containing @ptr (an interior pointer), or -1. */
static inline long obj_containing(const struct slab *s, const void *ptr)
{
	uint64_t off = (uint64_t)((const char *)ptr - s->r.base);
	uint64_t idx = (off * s->magic) >> 42;

	return idx < s->nr_objs ? (long)idx : -1;
}

/* ------------------------------------------------------------------------ */
/* Address space                                                              */

static int reserve_va(struct tier_arena *arena, uint64_t want, int exact)
{
	for (;;) {
		size_t len = (size_t)want + GRAN_SIZE;
		char *p = mmap(NULL, len, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS |
			       MAP_NORESERVE, -1, 0);

		if (p != MAP_FAILED) {
			uintptr_t a = ((uintptr_t)p + GRAN_SIZE - 1) &
				      ~(uintptr_t)(GRAN_SIZE - 1);
			size_t head = a - (uintptr_t)p;

			if (head)
				munmap(p, head);
			if (GRAN_SIZE - head)
				munmap((char *)a + want, GRAN_SIZE - head);
			arena->va_base = a;
			arena->va_len = (size_t)want;
			arena->nr_gran = (size_t)(want >> GRAN_SHIFT);
			return 0;
		}
		if (exact || want / 2 < MIN_VA) {
			tier_err(arena->ctx, "arena: cannot reserve %llu bytes of address space: %s",
				 (unsigned long long)want, strerror(errno));
			return -ENOMEM;
		}
		want /= 2;
	}
}

static inline int gbit(const uint64_t *map, size_t i)
{
	return (map[i / BITS] >> (i % BITS)) & 1;
}

/*
 * A run of @n free granules whose address is aligned to @ag granules;
 * arena->lock.  Returns the first granule's index or -1.
 */
static long gran_get(struct tier_arena *arena, size_t n, size_t ag)
{
	size_t bg = arena->va_base >> GRAN_SHIFT, i, j;

#define GRAN_ALIGN(x)	((bg + (x) + ag - 1) / ag * ag - bg)
	i = GRAN_ALIGN(arena->ghint * BITS);
	while (i + n <= arena->nr_gran) {
		if (arena->gmap[i / BITS] == ~0ULL) {
			i = GRAN_ALIGN((i / BITS + 1) * BITS);
			continue;
		}
		for (j = 0; j < n && !gbit(arena->gmap, i + j); j++)
			;
		if (j == n) {
			for (j = 0; j < n; j++)
				arena->gmap[(i + j) / BITS] |= 1ULL << ((i + j) % BITS);
			while (arena->ghint < arena->nr_gran / BITS &&
			       arena->gmap[arena->ghint] == ~0ULL)
				arena->ghint++;
			return (long)i;
		}
		i = GRAN_ALIGN(i + j + 1);
	}
#undef GRAN_ALIGN
	return -1;
}

static void gran_put(struct tier_arena *arena, size_t first, size_t n)
{
	size_t j;

	for (j = 0; j < n; j++)
		arena->gmap[(first + j) / BITS] &= ~(1ULL << ((first + j) % BITS));
	if (first / BITS < arena->ghint)
		arena->ghint = first / BITS;
}

/*
 * Create a buffer of @len bytes and map it over @nr_gran granules taken
 * from the reserve, aligned to @align granules.  Fills @r.
 */
static int region_create(struct tier_arena *arena, struct region *r, size_t len,
			 size_t align_gran)
{
	size_t nr_gran = (len + GRAN_SIZE - 1) >> GRAN_SHIFT;

	if (nr_gran > UINT32_MAX)
		return -ENOMEM;
	long first;
	char *addr;
	void *p;
	int err;

	pthread_mutex_lock(&arena->lock);
	first = gran_get(arena, nr_gran, align_gran ? align_gran : 1);
	pthread_mutex_unlock(&arena->lock);
	if (first < 0) {
		tier_dbg(arena->ctx, "arena: %zu bytes: address space reserve full", len);
		return -ENOMEM;
	}
	addr = (char *)arena->va_base + ((size_t)first << GRAN_SHIFT);

	pthread_mutex_lock(&arena->ctx_lock);
	err = tier_buf_create(arena->ctx, len, &arena->policy, &r->buf);
	pthread_mutex_unlock(&arena->ctx_lock);
	if (err)
		goto fail;
	p = mmap(addr, r->buf->map_length, PROT_READ | PROT_WRITE,
		 MAP_SHARED | MAP_FIXED, r->buf->fd, 0);
	if (p == MAP_FAILED) {
		err = -errno;
		tier_err(arena->ctx, "arena: mmap of buffer %llu: %s",
			 (unsigned long long)r->buf->id, strerror(-err));
		/* MAP_FIXED may have unmapped the reserve there: restore it */
		mmap(addr, nr_gran << GRAN_SHIFT, PROT_NONE, MAP_PRIVATE |
		     MAP_ANONYMOUS | MAP_NORESERVE | MAP_FIXED, -1, 0);
		tier_buf_destroy(r->buf);
		goto fail;
	}
	if (r->buf->advise_huge)
		(void)madvise(addr, r->buf->map_length, MADV_HUGEPAGE);
	r->base = addr;
	r->map_len = r->buf->map_length;
	r->nr_gran = (uint32_t)nr_gran;
	return 0;
fail:
	r->buf = NULL;
	pthread_mutex_lock(&arena->lock);
	gran_put(arena, (size_t)first, nr_gran);
	pthread_mutex_unlock(&arena->lock);
	return err;
}

/* The index of @r's first granule. */
static size_t region_gran(const struct tier_arena *arena,
			  const struct region *r)
{
	return ((uintptr_t)r->base - arena->va_base) >> GRAN_SHIFT;
}

/* Make @r findable (@add) or not: its granules in gtab[], the region list. */
static void region_index(struct tier_arena *arena, struct region *r, int add)
{
	size_t g = region_gran(arena, r), j;

	pthread_mutex_lock(&arena->lock);
	for (j = 0; j < r->nr_gran; j++)
		__atomic_store_n(&arena->gtab[g + j], add ? r : NULL,
				 __ATOMIC_RELEASE);
	if (add)
		LIST_PUSH(arena->regions, r, next, prev);
	else
		LIST_UNLINK(arena->regions, r, next, prev);
	pthread_mutex_unlock(&arena->lock);
}

static void region_publish(struct tier_arena *arena, struct region *r)
{
	region_index(arena, r, 1);
}

/* Unpublish @r, give its pages and granules back; does not free @r. */
static void region_release(struct tier_arena *arena, struct region *r)
{
	region_index(arena, r, 0);

	/* the reserve again, in one step: no window for other mmap()s */
	mmap(r->base, (size_t)r->nr_gran << GRAN_SHIFT, PROT_NONE, MAP_PRIVATE |
	     MAP_ANONYMOUS | MAP_NORESERVE | MAP_FIXED, -1, 0);
	tier_buf_destroy(r->buf);

	pthread_mutex_lock(&arena->lock);
	gran_put(arena, region_gran(arena, r), r->nr_gran);
	pthread_mutex_unlock(&arena->lock);
}

/* ------------------------------------------------------------------------ */
/* Slabs                                                                      */

static struct slab *slab_create(struct tier_arena *arena, unsigned int cls)
{
	uint32_t size = class_size[cls];
	uint32_t nr = (uint32_t)(GRAN_SIZE / size);
	size_t words = (nr + BITS - 1) / BITS;
	struct slab *s;
	size_t i;
	int err;

	if (posix_memalign((void **)&s, 64, sizeof(*s) + 2 * words * sizeof(uint64_t)))
		return NULL;
	memset(s, 0, sizeof(*s) + 2 * words * sizeof(uint64_t));
	s->r.kind = REGION_SLAB;
	s->cls = cls;
	s->size = size;
	s->nr_objs = nr;
	s->nfree = nr;
	s->magic = (1ULL << 42) / size + 1;
	s->avail = s->live + words;
	for (i = 0; i < nr / BITS; i++)
		s->avail[i] = ~0ULL;
	if (nr % BITS)
		s->avail[nr / BITS] = (1ULL << (nr % BITS)) - 1;
	err = region_create(arena, &s->r, GRAN_SIZE, 1);
	if (err) {
		free(s);
		return NULL;
	}
	region_publish(arena, &s->r);
	return s;
}

/* Class lock held. */
static void partial_add(struct size_class *c, struct slab *s)
{
	LIST_PUSH(c->partial, s, pnext, pprev);
	s->on_partial = 1;
}

static void partial_del(struct size_class *c, struct slab *s)
{
	LIST_UNLINK(c->partial, s, pnext, pprev);
	s->on_partial = 0;
}

/* Take up to @want objects of class @cls into @out; returns how many. */
static unsigned int class_take(struct tier_arena *arena, unsigned int cls,
			       void **out, unsigned int want)
{
	struct size_class *c = &arena->cls[cls];
	unsigned int got = 0;
	struct slab *s;

	pthread_mutex_lock(&c->lock);
	while (got < want) {
		s = c->partial;
		if (!s) {
			pthread_mutex_unlock(&c->lock);
			s = slab_create(arena, cls);
			pthread_mutex_lock(&c->lock);
			if (!s)
				break;
			partial_add(c, s);
			c->nr_empty++;
			continue;
		}
		if (s->nfree == s->nr_objs)
			c->nr_empty--;
		while (got < want && s->nfree) {
			uint64_t w = s->avail[s->hint];
			unsigned int b;

			if (!w) {
				s->hint++;
				continue;
			}
			b = (unsigned int)__builtin_ctzll(w);
			s->avail[s->hint] = w & (w - 1);
			s->nfree--;
			out[got++] = s->r.base + ((size_t)s->hint * BITS + b) * s->size;
		}
		if (!s->nfree)
			partial_del(c, s);
	}
	pthread_mutex_unlock(&c->lock);
	return got;
}

/* Release the slabs of list @dead (linked by pnext), taken off their class. */
static void slabs_release(struct tier_arena *arena, struct slab *dead)
{
	struct slab *s;

	while (dead) {
		s = dead;
		dead = s->pnext;
		region_release(arena, &s->r);
		free(s);
	}
}

/*
 * Give @n objects of class @cls back to their slabs.  Empty slabs beyond
 * @keep_empty per class are released.
 */
static void class_put(struct tier_arena *arena, unsigned int cls, void **objs,
		      unsigned int n, unsigned int keep_empty)
{
	struct size_class *c = &arena->cls[cls];
	struct slab *dead = NULL, *s;
	unsigned int i;

	pthread_mutex_lock(&c->lock);
	for (i = 0; i < n; i++) {
		long idx;

		s = (struct slab *)region_of(arena, objs[i]);
		idx = obj_index(s, objs[i]);
		s->avail[idx / BITS] |= 1ULL << (idx % BITS);
		if ((uint32_t)(idx / BITS) < s->hint)
			s->hint = (uint32_t)(idx / BITS);
		s->nfree++;
		if (s->retired) {
			if (s->nfree == s->nr_objs) {
				s->pnext = dead;	/* not on any list */
				dead = s;
			}
			continue;
		}
		if (!s->on_partial)
			partial_add(c, s);
		if (s->nfree == s->nr_objs) {
			if (c->nr_empty >= keep_empty) {
				partial_del(c, s);
				s->pnext = dead;
				dead = s;
			} else {
				c->nr_empty++;
			}
		}
	}
	pthread_mutex_unlock(&c->lock);
	slabs_release(arena, dead);
}

/* ------------------------------------------------------------------------ */
/* Thread caches                                                              */

static void cache_drain(struct tcache *tc, unsigned int keep_empty)
{
	unsigned int i;

	for (i = 0; i < NR_CLASSES; i++) {
		struct bin *b = &tc->bins[i];

		if (b->n)
			class_put(tc->arena, i, b->slot, b->n, keep_empty);
		b->n = 0;
	}
}

static void cache_unlink(struct tier_arena *arena, struct tcache *tc)
{
	pthread_mutex_lock(&arena->lock);
	LIST_UNLINK(arena->caches, tc, next, prev);
	pthread_mutex_unlock(&arena->lock);
}

/* Thread exit: everything cached goes back to the slabs. */
static void cache_destructor(void *arg)
{
	struct tcache *tc = arg;
	struct tier_arena *arena = tc->arena;

	if (tc->epoch == __atomic_load_n(&arena->epoch, __ATOMIC_RELAXED))
		cache_drain(tc, 1);
	cache_unlink(arena, tc);
	if (tls_last.tc == tc) {
		tls_last.arena_id = 0;
		tls_last.tc = NULL;
	}
	free(tc);
}

static struct tcache *cache_new(struct tier_arena *arena)
{
	size_t total = 0;
	struct tcache *tc;
	unsigned int i;
	void **slot;

	for (i = 0; i < NR_CLASSES; i++)
		total += class_cap[i];
	tc = calloc(1, sizeof(*tc) + total * sizeof(void *));
	if (!tc)
		return NULL;
	tc->arena = arena;
	tc->epoch = __atomic_load_n(&arena->epoch, __ATOMIC_RELAXED);
	slot = tc->storage;
	for (i = 0; i < NR_CLASSES; i++) {
		tc->bins[i].cap = class_cap[i];
		tc->bins[i].slot = slot;
		slot += class_cap[i];
	}
	if (pthread_setspecific(arena->key, tc)) {
		free(tc);
		return NULL;
	}
	pthread_mutex_lock(&arena->lock);
	LIST_PUSH(arena->caches, tc, next, prev);
	pthread_mutex_unlock(&arena->lock);
	return tc;
}

/* The calling thread's cache for @arena; NULL when none can be made. */
static inline struct tcache *cache_get(struct tier_arena *arena)
{
	struct tcache *tc;

	if (__builtin_expect(tls_last.arena_id == arena->id, 1)) {
		tc = tls_last.tc;
	} else {
		tc = pthread_getspecific(arena->key);
		if (!tc)
			tc = cache_new(arena);
		if (!tc)
			return NULL;
		tls_last.arena_id = arena->id;
		tls_last.tc = tc;
	}
	if (__builtin_expect(tc->epoch != __atomic_load_n(&arena->epoch,
							  __ATOMIC_RELAXED), 0)) {
		/* a forked child: what the cache held is the parent's */
		unsigned int i;

		for (i = 0; i < NR_CLASSES; i++)
			tc->bins[i].n = 0;
		tc->epoch = arena->epoch;
	}
	return tc;
}

/* ------------------------------------------------------------------------ */
/* Allocation                                                                 */

static int alloc_small(struct tier_arena *arena, unsigned int cls, void **out)
{
	struct tcache *tc = cache_get(arena);
	struct slab *s;
	struct bin *b;
	void *p;
	long idx;

	if (tc) {
		b = &tc->bins[cls];
		if (!b->n) {
			b->n = class_take(arena, cls, b->slot,
					  (b->cap + 1) / 2);
			if (!b->n)
				return -ENOMEM;
		}
		p = b->slot[--b->n];
	} else if (!class_take(arena, cls, &p, 1)) {
		return -ENOMEM;
	}
	s = (struct slab *)region_of(arena, p);
	idx = obj_index(s, p);
	__atomic_fetch_or(&s->live[idx / BITS], 1ULL << (idx % BITS),
			  __ATOMIC_RELAXED);
	*out = p;
	return 0;
}

static int alloc_large(struct tier_arena *arena, size_t size, size_t align,
		       void **out)
{
	struct large *l = calloc(1, sizeof(*l));
	int err;

	if (!l)
		return -ENOMEM;
	l->r.kind = REGION_LARGE;
	l->size = size;
	l->live = 1;
	err = region_create(arena, &l->r, size,
			    align > GRAN_SIZE ? align >> GRAN_SHIFT : 1);
	if (err) {
		free(l);
		return err;
	}
	region_publish(arena, &l->r);
	*out = l->r.base;
	return 0;
}

TIER_EXPORT int tier_arena_alloc(struct tier_arena *arena, size_t size,
				size_t align, void **out)
{
	unsigned int cls;

	if (out)
		*out = NULL;
	if (!arena || !out || !size || (align & (align - 1)) || align > MAX_ALIGN)
		return -EINVAL;
	if (size < arena->large_threshold && align <= TIER_ARENA_SMALL_MAX) {
		cls = size_to_class(size > align ? size : align);
		while (cls < NR_CLASSES && align > 16 && class_size[cls] % align)
			cls++;
		if (cls < NR_CLASSES)
			return alloc_small(arena, cls, out);
	}
	if (size > SIZE_MAX - GRAN_SIZE)
		return -ENOMEM;
	return alloc_large(arena, size, align, out);
}

static int free_large(struct tier_arena *arena, struct large *l, void *ptr)
{
	if (ptr != l->r.base || !__atomic_exchange_n(&l->live, 0, __ATOMIC_ACQ_REL))
		return -EINVAL;
	region_release(arena, &l->r);
	free(l);
	return 0;
}

TIER_EXPORT int tier_arena_free(struct tier_arena *arena, void *ptr)
{
	struct region *r;
	struct tcache *tc;
	struct slab *s;
	uint64_t bit, old;
	long idx;

	if (!arena)
		return -EINVAL;
	if (!ptr)
		return 0;
	r = region_of(arena, ptr);
	if (!r)
		return -EINVAL;
	if (r->kind == REGION_LARGE)
		return free_large(arena, (struct large *)r, ptr);
	s = (struct slab *)r;
	idx = obj_index(s, ptr);
	if (idx < 0)
		return -EINVAL;
	bit = 1ULL << (idx % BITS);
	old = __atomic_fetch_and(&s->live[idx / BITS], ~bit, __ATOMIC_RELAXED);
	if (!(old & bit))
		return -EINVAL;		/* double free, or never handed out */
	tc = cache_get(arena);
	if (!tc) {
		class_put(arena, s->cls, &ptr, 1, 1);
		return 0;
	}
	{
		struct bin *b = &tc->bins[s->cls];

		if (b->n == b->cap) {
			/* the oldest half goes back; the newest stay, warm */
			unsigned int half = (b->cap + 1) / 2;

			class_put(arena, s->cls, b->slot, half, 1);
			memmove(b->slot, b->slot + half,
				(b->n - half) * sizeof(void *));
			b->n -= half;
		}
		b->slot[b->n++] = ptr;
	}
	return 0;
}

TIER_EXPORT int tier_arena_owns(const struct tier_arena *arena, const void *ptr)
{
	if (!arena)
		return 0;
	return (uintptr_t)ptr - arena->va_base < arena->va_len;
}

/* The live allocation containing @ptr: its region and [start, +size). */
static int find_live(struct tier_arena *arena, const void *ptr,
		     struct region **rp, char **start, size_t *size)
{
	struct region *r = region_of(arena, ptr);

	if (!r)
		return -ENOENT;
	if (r->kind == REGION_LARGE) {
		struct large *l = (struct large *)r;

		if ((const char *)ptr >= r->base + r->map_len ||
		    !__atomic_load_n(&l->live, __ATOMIC_ACQUIRE))
			return -ENOENT;
		*start = r->base;
		*size = l->size;
	} else {
		struct slab *s = (struct slab *)r;
		long idx = obj_containing(s, ptr);

		if (idx < 0 || !(__atomic_load_n(&s->live[idx / BITS],
						 __ATOMIC_RELAXED) &
				 (1ULL << (idx % BITS))))
			return -ENOENT;
		*start = r->base + (size_t)idx * s->size;
		*size = s->size;
	}
	*rp = r;
	return 0;
}

TIER_EXPORT int tier_arena_lookup(struct tier_arena *arena, const void *ptr,
				 struct tier_alloc_info *info)
{
	struct region *r;
	size_t size;
	char *start;
	int err;

	if (!arena || !info)
		return -EINVAL;
	memset(info, 0, sizeof(*info));
	err = find_live(arena, ptr, &r, &start, &size);
	if (err)
		return err;
	info->addr = start;
	info->size = size;
	info->buf_id = r->buf->id;
	info->buf_offset = (uint64_t)(start - r->base);
	info->kind = r->kind == REGION_LARGE ? TIER_ALLOC_LARGE : TIER_ALLOC_SMALL;
	return 0;
}

int tier_arena_buf_of(struct tier_arena *arena, const void *ptr,
		      const struct tier_buf **buf, size_t *offset)
{
	struct region *r;
	size_t size;
	char *start;
	int err;

	if (!arena || !buf || !offset)
		return -EINVAL;
	err = find_live(arena, ptr, &r, &start, &size);
	if (err)
		return err;
	*buf = r->buf;
	*offset = (size_t)((const char *)ptr - r->base);
	return 0;
}

TIER_EXPORT size_t tier_arena_usable_size(struct tier_arena *arena,
					 const void *ptr)
{
	struct region *r;
	size_t size;
	char *start;

	if (!arena || find_live(arena, ptr, &r, &start, &size) || start != ptr)
		return 0;
	return size;
}

/* ------------------------------------------------------------------------ */
/* Residency                                                                  */

/* Per-node byte counts, indexed by node id. */
struct counts {
	uint64_t *bytes;		/* TIER_NODE_ID_LIMIT entries */
};

static long sys_move_pages(unsigned long count, void **pages, int *status)
{
	return syscall(SYS_move_pages, 0, count, pages, NULL, status, 0);
}

/*
 * mbind backend: the pages of [start, start + len) in our own mapping.
 * mincore(2) says which exist in the memfd; a read maps one that exists
 * without allocating; move_pages(2) says where it is.
 */
static int count_pages(struct tier_arena *arena, char *start, size_t len,
		       uint64_t *bytes)
{
	enum { CHUNK = 512 };
	size_t pg = (size_t)1 << arena->ctx->page_shift;
	char *first = (char *)((uintptr_t)start & ~(uintptr_t)(pg - 1));
	char *end = start + len, *a;
	unsigned char vec[CHUNK];
	void *pages[CHUNK];
	int status[CHUNK];

	for (a = first; a < end; a += CHUNK * pg) {
		size_t n = (size_t)(end - a + pg - 1) / pg, i, nq = 0;

		if (n > CHUNK)
			n = CHUNK;
		if (mincore(a, n * pg, vec))
			return -errno;
		for (i = 0; i < n; i++) {
			if (!(vec[i] & 1))
				continue;
			pages[nq] = a + i * pg;
			(void)*(volatile char *)pages[nq];
			nq++;
		}
		if (nq && sys_move_pages(nq, pages, status) < 0)
			return -errno;
		for (i = 0; i < nq; i++) {
			char *p = pages[i], *lo, *hi;

			if (status[i] < 0 || status[i] >= TIER_NODE_ID_LIMIT)
				continue;
			lo = p < start ? start : p;
			hi = p + pg > end ? end : p + pg;
			bytes[status[i]] += (uint64_t)(hi - lo);
		}
	}
	return 0;
}

/*
 * Module backend, a small object: from BUF_STAT of its slab.  Exact when the
 * slab is wholly resident and nothing spilled (each unit is on its home).
 * ctx_lock held.
 */
static int count_slab(struct tier_arena *arena, struct region *r, char *start,
		      size_t len, uint64_t *bytes, uint32_t *flags)
{
	struct tier_buf_stat st;
	unsigned int i;
	int err;

	err = tier_buf_stat(r->buf, &st);
	if (err)
		return err;
	if (st.resident_bytes == st.map_length && !st.spilled_bytes &&
	    arena->layout.rule.nr_units) {
		size_t off = (size_t)(start - r->base), end = off + len;
		unsigned int sh = arena->page_shift;

		while (off < end) {
			uint64_t unit = off >> sh;
			size_t next = (size_t)(unit + 1) << sh;
			uint32_t home = cxltier_layout_home(&arena->layout.rule,
							    unit);

			if (next > end)
				next = end;
			bytes[arena->layout.nodes[home].node] += next - off;
			off = next;
		}
		*flags |= TIER_RESIDENCY_EXACT;
		return 0;
	}
	for (i = 0; i < st.nr_resident; i++)
		if (st.resident[i].node < TIER_NODE_ID_LIMIT)
			bytes[st.resident[i].node] +=
				st.resident[i].bytes * len / st.map_length;
	return 0;
}

TIER_EXPORT int tier_arena_residency(struct tier_arena *arena, const void *ptr,
				    struct tier_node_bytes *out,
				    unsigned int nr, uint32_t *flags)
{
	uint32_t fl = 0;
	uint64_t *bytes;
	struct region *r;
	size_t size;
	char *start;
	unsigned int n, found = 0;
	int err;

	if (flags)
		*flags = 0;
	if (!arena || (!out && nr))
		return -EINVAL;
	bytes = calloc(TIER_NODE_ID_LIMIT, sizeof(*bytes));
	if (!bytes)
		return -ENOMEM;
	pthread_mutex_lock(&arena->ctx_lock);
	err = find_live(arena, ptr, &r, &start, &size);
	if (err)
		goto out;
	if (arena->ctx->backend == TIER_BACKEND_MBIND) {
		err = count_pages(arena, start, r->kind == REGION_LARGE ?
				  r->map_len : size, bytes);
		fl = TIER_RESIDENCY_EXACT;
	} else if (r->kind == REGION_LARGE) {
		struct tier_buf_stat st;

		err = tier_buf_stat(r->buf, &st);
		for (n = 0; !err && n < st.nr_resident; n++)
			if (st.resident[n].node < TIER_NODE_ID_LIMIT)
				bytes[st.resident[n].node] += st.resident[n].bytes;
		fl = TIER_RESIDENCY_EXACT;
	} else {
		err = count_slab(arena, r, start, size, bytes, &fl);
	}
	if (err)
		goto out;
	for (n = 0; n < TIER_NODE_ID_LIMIT; n++) {
		if (!bytes[n])
			continue;
		if (found < nr) {
			memset(&out[found], 0, sizeof(out[found]));
			out[found].node = n;
			out[found].bytes = bytes[n];
		}
		found++;
	}
	if (flags)
		*flags = fl;
out:
	pthread_mutex_unlock(&arena->ctx_lock);
	free(bytes);
	return err ? err : (int)found;
}

/* ------------------------------------------------------------------------ */
/* Statistics                                                                 */

TIER_EXPORT int tier_arena_stat(struct tier_arena *arena, struct tier_arena_stat *st)
{
	struct tier_node_bytes *res;
	uint64_t *bytes;
	struct region *r;
	unsigned int n, nr = 0;
	int err = 0;

	if (!arena || !st)
		return -EINVAL;
	memset(st, 0, sizeof(*st));
	bytes = calloc(TIER_NODE_ID_LIMIT, sizeof(*bytes));
	if (!bytes)
		return -ENOMEM;
	/* ctx_lock, then lock: regions neither come nor go meanwhile */
	pthread_mutex_lock(&arena->ctx_lock);
	pthread_mutex_lock(&arena->lock);
	for (r = arena->regions; r; r = r->next) {
		struct tier_buf_stat bs;

		st->reserved_bytes += r->map_len;
		if (r->kind == REGION_LARGE) {
			struct large *l = (struct large *)r;

			st->nr_large++;
			if (__atomic_load_n(&l->live, __ATOMIC_RELAXED)) {
				st->nr_allocs++;
				st->in_use_bytes += l->size;
			}
		} else {
			struct slab *s = (struct slab *)r;
			uint64_t k = 0;
			size_t w;

			st->nr_slabs++;
			for (w = 0; w < (s->nr_objs + BITS - 1) / BITS; w++)
				k += (uint64_t)__builtin_popcountll(
					__atomic_load_n(&s->live[w], __ATOMIC_RELAXED));
			st->nr_allocs += k;
			st->small_in_use_bytes += k * s->size;
		}
		err = tier_buf_stat(r->buf, &bs);
		if (err)
			break;
		for (n = 0; n < bs.nr_resident; n++)
			if (bs.resident[n].node < TIER_NODE_ID_LIMIT)
				bytes[bs.resident[n].node] += bs.resident[n].bytes;
	}
	pthread_mutex_unlock(&arena->lock);
	pthread_mutex_unlock(&arena->ctx_lock);
	st->in_use_bytes += st->small_in_use_bytes;
	if (err)
		goto out;
	for (n = 0; n < TIER_NODE_ID_LIMIT; n++)
		nr += !!bytes[n];
	res = realloc(arena->resident, (nr ? nr : 1) * sizeof(*res));
	if (!res) {
		err = -ENOMEM;
		goto out;
	}
	arena->resident = res;
	nr = 0;
	for (n = 0; n < TIER_NODE_ID_LIMIT; n++) {
		if (!bytes[n])
			continue;
		memset(&res[nr], 0, sizeof(res[nr]));
		res[nr].node = n;
		res[nr].bytes = bytes[n];
		st->resident_bytes += bytes[n];
		nr++;
	}
	st->nr_resident = nr;
	st->resident = res;
out:
	free(bytes);
	if (err)
		memset(st, 0, sizeof(*st));
	return err;
}

TIER_EXPORT int tier_arena_trim(struct tier_arena *arena)
{
	struct slab *dead = NULL, *s, *next;
	struct tcache *tc;
	unsigned int i;

	if (!arena)
		return -EINVAL;
	tc = pthread_getspecific(arena->key);
	if (tc && tc->epoch == arena->epoch)
		cache_drain(tc, 0);
	for (i = 0; i < NR_CLASSES; i++) {
		struct size_class *c = &arena->cls[i];

		pthread_mutex_lock(&c->lock);
		for (s = c->partial; s; s = next) {
			next = s->pnext;
			if (s->nfree != s->nr_objs)
				continue;
			partial_del(c, s);
			c->nr_empty--;
			s->pnext = dead;
			dead = s;
		}
		pthread_mutex_unlock(&c->lock);
	}
	slabs_release(arena, dead);
	return 0;
}

/* ------------------------------------------------------------------------ */
/* Life cycle                                                                 */

static int check_opts(const struct tier_arena_opts *o)
{
	unsigned int i;

	if (!o)
		return 0;
	if (o->flags || o->__reserved32)
		return -EINVAL;
	for (i = 0; i < ARRAY_SIZE(o->__reserved); i++)
		if (o->__reserved[i])
			return -EINVAL;
	if (o->large_threshold > (uint64_t)TIER_ARENA_SMALL_MAX + 1)
		return -EINVAL;
	if (o->va_reserve && (o->va_reserve % GRAN_SIZE ||
			      o->va_reserve > (1ULL << 46)))
		return -EINVAL;
	return 0;
}

static void arena_free(struct tier_arena *arena)
{
	unsigned int i;

	if (arena->va_len)
		munmap((void *)arena->va_base, arena->va_len);
	free(arena->gtab);
	free(arena->gmap);
	free(arena->resident);
	tier_layout_free(&arena->layout);
	pthread_mutex_destroy(&arena->lock);
	pthread_mutex_destroy(&arena->ctx_lock);
	for (i = 0; i < NR_CLASSES; i++)
		pthread_mutex_destroy(&arena->cls[i].lock);
	tier_ctx_put(arena->ctx);
	free(arena);
}

TIER_EXPORT int tier_arena_create(struct tier_ctx *ctx,
				 const struct tier_policy *policy,
				 const struct tier_arena_opts *opts,
				 struct tier_arena **out)
{
	struct tier_arena *arena;
	struct tier_buf *probe;
	unsigned int i;
	int err;

	if (out)
		*out = NULL;
	if (!ctx || !policy || !out)
		return -EINVAL;
	err = check_opts(opts);
	if (err)
		return err;
	pthread_once(&classes_once, init_classes);

	/* the policy, as the backend takes it, with its errno */
	err = tier_buf_create(ctx, (size_t)1 << ctx->page_shift, policy, &probe);
	if (err)
		return err;

	if (posix_memalign((void **)&arena, 64, sizeof(*arena)))
		arena = NULL;
	if (arena)
		memset(arena, 0, sizeof(*arena));
	if (!arena) {
		tier_buf_destroy(probe);
		return -ENOMEM;
	}
	tier_ctx_get(ctx);
	arena->ctx = ctx;
	arena->policy = probe->policy;
	arena->page_shift = probe->page_shift;
	tier_buf_destroy(probe);
	arena->id = __atomic_fetch_add(&next_arena_id, 1, __ATOMIC_RELAXED);
	arena->large_threshold = opts && opts->large_threshold ?
				(size_t)opts->large_threshold :
				TIER_ARENA_SMALL_MAX + 1;
	pthread_mutex_init(&arena->lock, NULL);
	pthread_mutex_init(&arena->ctx_lock, NULL);
	for (i = 0; i < NR_CLASSES; i++)
		pthread_mutex_init(&arena->cls[i].lock, NULL);

	/* where each unit of a slab lives, for exact small residency */
	err = tier_layout_init(&arena->layout, &arena->policy,
			       GRAN_SIZE >> arena->page_shift,
			       arena->page_shift);
	if (err)
		goto fail_nokey;
	if (arena->policy.mode == CXLTIER_MODE_PREFERRED ||
	    (arena->policy.flags & CXLTIER_CREATE_FALLBACK))
		arena->layout.rule.nr_units = 0;	/* homes say nothing there */

	err = reserve_va(arena, opts && opts->va_reserve ? opts->va_reserve :
			 DEFAULT_VA, opts && opts->va_reserve);
	if (err)
		goto fail_nokey;
	arena->gtab = calloc(arena->nr_gran, sizeof(*arena->gtab));
	arena->gmap = calloc((arena->nr_gran + BITS - 1) / BITS, sizeof(uint64_t));
	if (!arena->gtab || !arena->gmap) {
		err = -ENOMEM;
		goto fail_nokey;
	}
	err = -pthread_key_create(&arena->key, cache_destructor);
	if (err)
		goto fail_nokey;
	*out = arena;
	tier_dbg(ctx, "arena %llu: %zu bytes of address space at %#lx",
		 (unsigned long long)arena->id, arena->va_len,
		 (unsigned long)arena->va_base);
	return 0;
fail_nokey:
	arena_free(arena);
	return err;
}

TIER_EXPORT void tier_arena_destroy(struct tier_arena *arena)
{
	struct tcache *tc;
	struct region *r;

	if (!arena)
		return;
	pthread_key_delete(arena->key);
	while ((tc = arena->caches)) {
		arena->caches = tc->next;
		free(tc);
	}
	if (tls_last.arena_id == arena->id) {
		tls_last.arena_id = 0;
		tls_last.tc = NULL;
	}
	while ((r = arena->regions)) {
		region_release(arena, r);
		free(r);	/* the region is the first member of both kinds */
	}
	arena_free(arena);
}

/* ------------------------------------------------------------------------ */
/* fork(2), for the LD_PRELOAD library (libtier-private.h)                    */

void tier_arena_fork_prepare(struct tier_arena *arena)
{
	unsigned int i;

	pthread_mutex_lock(&arena->ctx_lock);
	for (i = 0; i < NR_CLASSES; i++)
		pthread_mutex_lock(&arena->cls[i].lock);
	pthread_mutex_lock(&arena->lock);
}

void tier_arena_fork_parent(struct tier_arena *arena)
{
	unsigned int i;

	pthread_mutex_unlock(&arena->lock);
	for (i = NR_CLASSES; i-- > 0;)
		pthread_mutex_unlock(&arena->cls[i].lock);
	pthread_mutex_unlock(&arena->ctx_lock);
}

/*
 * In the child: the slabs are MAP_SHARED with the parent, which goes on
 * allocating from them.  The child must never hand out an object of them:
 * every slab is retired (no refill from it; released when it empties), the
 * thread caches are forgotten (the parent holds the same objects in its own)
 * and the other threads' caches with them (those threads are gone).
 */
void tier_arena_fork_child(struct tier_arena *arena)
{
	struct tcache *tc, *self;
	struct region *r;
	unsigned int i;

	pthread_mutex_init(&arena->lock, NULL);
	pthread_mutex_init(&arena->ctx_lock, NULL);
	for (i = 0; i < NR_CLASSES; i++) {
		pthread_mutex_init(&arena->cls[i].lock, NULL);
		arena->cls[i].partial = NULL;
		arena->cls[i].nr_empty = 0;
	}
	for (r = arena->regions; r; r = r->next) {
		if (r->kind == REGION_SLAB) {
			((struct slab *)r)->retired = 1;
			((struct slab *)r)->on_partial = 0;
		}
	}
	/* the other threads are gone: their caches are garbage */
	self = pthread_getspecific(arena->key);
	while ((tc = arena->caches)) {
		arena->caches = tc->next;
		if (tc != self)
			free(tc);
	}
	if (self) {
		self->next = self->prev = NULL;
		arena->caches = self;
	}
	arena->epoch++;
}
