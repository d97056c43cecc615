// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * libtier-preload.so: transparent mode.  LD_PRELOADed into an unchanged
 * program (tierctl run sets it up), it serves the malloc family's
 * allocations of at least a threshold from a tier_arena under a policy, and
 * passes everything else to the next allocator (glibc's malloc, or another
 * preloaded one), found with dlsym(RTLD_NEXT).
 *
 * Environment:
 *   LIBTIER_PRELOAD_POLICY     the arena's policy (libtier.h grammar); unset
 *                              or invalid: everything goes to malloc, and
 *                              one line on stderr says why
 *   LIBTIER_PRELOAD_THRESHOLD  a size (tier_size_parse(): "65536", "64K",
 *                              "1.5M"); allocations of at least this go
 *                              to the arena (default 1 MiB)
 *   LIBTIER_PRELOAD_STRICT     "1": when the arena cannot serve a large
 *                              allocation, fail it (NULL, ENOMEM) rather
 *                              than fall back to malloc
 *   LIBTIER_PRELOAD_REPORT     "1": at exit, one line on stderr: what was
 *                              served, what fell back, where the arena's
 *                              pages are
 *   LIBTIER_BACKEND            as for libtier (module, mbind, auto)
 *
 * Routing of free() and realloc() is by address: the arena's allocations
 * all lie in its reserved address range (tier_arena_owns(), no lock).
 *
 * Recursion.  dlsym() may allocate: while the real functions are being
 * looked up, allocations come from a small static area and are never
 * freed.  libtier's core, linked in, allocates too (the arena's bookkeeping,
 * the context): its own calls to the malloc family never reach this file's
 * functions, they are renamed at build time to tier_preload_next_*() below
 * (libtier/Makefile), which call the next allocator.  What the C library
 * allocates on libtier's behalf (stdio, opendir, qsort) does come here:
 * while the calling thread is inside libtier, every allocation goes to the
 * real allocator.  The arena is created at the first large allocation; a
 * thread that needs it meanwhile waits for it.
 *
 * fork().  The arena's memory is MAP_SHARED: a child shares the parent's
 * large allocations (writes are seen by both, unlike ordinary fork
 * semantics) but never allocates from the parent's slabs (see
 * tier_arena_fork_child()).  fork+exec, system() and posix_spawn() are
 * unaffected.
 */
#include <dlfcn.h>
#include <errno.h>
#include <malloc.h>
#include <pthread.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "libtier-private.h"

#define PUBLIC			__attribute__((visibility("default")))
#define DEFAULT_THRESHOLD	(1UL << 20)
#define BOOT_AREA		(64 << 10)

int tier_preload_owns(const void *ptr);
int tier_preload_residency(const void *ptr, struct tier_node_bytes *out,
			   unsigned int nr, uint32_t *flags);

/* The next allocator's functions. */
static void *(*real_malloc)(size_t);
static void *(*real_calloc)(size_t, size_t);
static void *(*real_realloc)(void *, size_t);
static void (*real_free)(void *);
static void *(*real_memalign)(size_t, size_t);
static size_t (*real_usable)(void *);

/* dlsym()'s own allocations while it finds them. */
static char boot_area[BOOT_AREA] __attribute__((aligned(64)));
static size_t boot_used;

enum { ARENA_NONE, ARENA_INIT, ARENA_READY, ARENA_OFF };

static struct tier_arena *arena;
static int arena_state;			/* ARENA_*, atomic */
static size_t threshold = DEFAULT_THRESHOLD;
static int strict;
static uint64_t nr_served, nr_fallback, bytes_served;	/* atomic */

/* Depth of libtier calls on this thread: its allocations are real ones. */
static __thread int in_lib __attribute__((tls_model("initial-exec")));
static __thread int resolving __attribute__((tls_model("initial-exec")));

static void *boot_alloc(size_t n)
{
	size_t off = __atomic_fetch_add(&boot_used, (n + 15) & ~(size_t)15,
					__ATOMIC_RELAXED);

	if (off + n > BOOT_AREA)
		return NULL;
	return boot_area + off;	/* zero: static storage, never reused */
}

static int is_boot(const void *p)
{
	return (const char *)p >= boot_area &&
	       (const char *)p < boot_area + BOOT_AREA;
}

static void resolve(void)
{
	if (__atomic_load_n(&real_free, __ATOMIC_ACQUIRE))
		return;
	resolving = 1;
	real_malloc = dlsym(RTLD_NEXT, "malloc");
	real_calloc = dlsym(RTLD_NEXT, "calloc");
	real_realloc = dlsym(RTLD_NEXT, "realloc");
	real_memalign = dlsym(RTLD_NEXT, "memalign");
	real_usable = dlsym(RTLD_NEXT, "malloc_usable_size");
	__atomic_store_n(&real_free, (void (*)(void *))dlsym(RTLD_NEXT, "free"),
			 __ATOMIC_RELEASE);
	resolving = 0;
	if (!real_malloc || !real_calloc || !real_realloc || !real_free ||
	    !real_memalign) {
		static const char msg[] = "libtier-preload: no next malloc (dlsym RTLD_NEXT failed)\n";

		(void)!write(2, msg, sizeof(msg) - 1);
		abort();
	}
}

/*
 * libtier's core calls these instead of malloc, calloc, realloc, free and
 * posix_memalign (renamed in its objects when this library is linked).
 */
void *tier_preload_next_malloc(size_t n);
void *tier_preload_next_calloc(size_t n, size_t m);
void *tier_preload_next_realloc(void *ptr, size_t n);
void tier_preload_next_free(void *ptr);
int tier_preload_next_posix_memalign(void **out, size_t align, size_t n);

void *tier_preload_next_malloc(size_t n)
{
	resolve();
	return real_malloc(n);
}

void *tier_preload_next_calloc(size_t n, size_t m)
{
	resolve();
	return real_calloc(n, m);
}

void *tier_preload_next_realloc(void *ptr, size_t n)
{
	resolve();
	return real_realloc(ptr, n);
}

void tier_preload_next_free(void *ptr)
{
	resolve();
	real_free(ptr);
}

int tier_preload_next_posix_memalign(void **out, size_t align, size_t n)
{
	void *p;

	resolve();
	p = real_memalign(align, n);
	if (!p && n)
		return ENOMEM;
	*out = p;
	return 0;
}

static void warn(const char *what, int err)
{
	char line[512];
	int n;

	n = snprintf(line, sizeof(line), "libtier-preload: %s: %s; allocations go to malloc\n",
		     what, strerror(err < 0 ? -err : err));
	if (n > 0)
		(void)!write(2, line, (size_t)n < sizeof(line) ? (size_t)n : sizeof(line) - 1);
}

/* LIBTIER_PRELOAD_THRESHOLD: a size of tier_size_parse(), not 0. */
static int parse_threshold(const char *s, size_t *out)
{
	uint64_t v;

	if (tier_size_parse(s, &v) || !v || v > SIZE_MAX)
		return -EINVAL;
	*out = (size_t)v;
	return 0;
}

static void on_prepare(void)
{
	tier_arena_fork_prepare(arena);
}

static void on_parent(void)
{
	tier_arena_fork_parent(arena);
}

static void on_child(void)
{
	tier_arena_fork_child(arena);
}

static void report(void)
{
	struct tier_arena_stat st;
	char line[1024];
	size_t o = 0;
	uint32_t i;

	if (__atomic_load_n(&arena_state, __ATOMIC_ACQUIRE) != ARENA_READY)
		return;
	in_lib++;
	if (tier_arena_stat(arena, &st) == 0) {
		o += (size_t)snprintf(line + o, sizeof(line) - o,
			"libtier-preload: served %llu allocations (%llu bytes) from the arena, %llu fell back to malloc; at exit %llu live, %llu bytes resident:",
			(unsigned long long)nr_served,
			(unsigned long long)bytes_served,
			(unsigned long long)nr_fallback,
			(unsigned long long)st.nr_allocs,
			(unsigned long long)st.resident_bytes);
		for (i = 0; i < st.nr_resident && o < sizeof(line) - 40; i++)
			o += (size_t)snprintf(line + o, sizeof(line) - o,
					      " node%u=%llu", st.resident[i].node,
					      (unsigned long long)st.resident[i].bytes);
		o += (size_t)snprintf(line + o, sizeof(line) - o, "\n");
		(void)!write(2, line, o < sizeof(line) ? o : sizeof(line) - 1);
	}
	in_lib--;
}

static void arena_init(void)
{
	const char *pol = getenv("LIBTIER_PRELOAD_POLICY");
	const char *thr = getenv("LIBTIER_PRELOAD_THRESHOLD");
	const char *s = getenv("LIBTIER_PRELOAD_STRICT");
	const char *rep = getenv("LIBTIER_PRELOAD_REPORT");
	struct tier_policy p;
	struct tier_ctx *ctx;
	int err, state = ARENA_OFF;

	in_lib++;
	strict = s && !strcmp(s, "1");
	if (!pol || !*pol) {
		warn("LIBTIER_PRELOAD_POLICY", -ENOENT);
		goto out;
	}
	if (thr && *thr && parse_threshold(thr, &threshold)) {
		warn("LIBTIER_PRELOAD_THRESHOLD", -EINVAL);
		goto out;
	}
	err = tier_open(&ctx, 0);
	if (err) {
		warn("libtier: open", err);
		goto out;
	}
	/* tier names (interleave:cxl) resolve on this host's topology */
	err = tier_policy_parse_ctx(ctx, pol, &p);
	if (err) {
		/* libtier's words, as tierctl and Python give them */
		char why[256], line[512 + 256];
		int n;

		tier_policy_explain_ctx(ctx, pol, why, sizeof(why));
		tier_close(ctx);
		n = snprintf(line, sizeof(line), "libtier-preload: LIBTIER_PRELOAD_POLICY=%.256s: %s; allocations go to malloc\n",
			     pol, why[0] ? why : strerror(-err));
		if (n > 0)
			(void)!write(2, line, (size_t)n < sizeof(line) ? (size_t)n : sizeof(line) - 1);
		goto out;
	}
	err = tier_arena_create(ctx, &p, NULL, &arena);
	tier_close(ctx);
	if (err) {
		warn("arena for LIBTIER_PRELOAD_POLICY", err);
		goto out;
	}
	pthread_atfork(on_prepare, on_parent, on_child);
	if (rep && !strcmp(rep, "1"))
		atexit(report);
	state = ARENA_READY;
out:
	in_lib--;
	__atomic_store_n(&arena_state, state, __ATOMIC_RELEASE);
}

/* The arena, ready; NULL when there is none (or this thread is inside it). */
static struct tier_arena *get_arena(void)
{
	int st = __atomic_load_n(&arena_state, __ATOMIC_ACQUIRE);

	if (in_lib || resolving)
		return NULL;
	if (st == ARENA_READY)
		return arena;
	if (st == ARENA_OFF)
		return NULL;
	st = ARENA_NONE;
	if (__atomic_compare_exchange_n(&arena_state, &st, ARENA_INIT, 0,
					__ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE)) {
		arena_init();
	} else {
		while (__atomic_load_n(&arena_state, __ATOMIC_ACQUIRE) == ARENA_INIT)
			sched_yield();
	}
	return __atomic_load_n(&arena_state, __ATOMIC_ACQUIRE) == ARENA_READY ?
	       arena : NULL;
}

/*
 * @n bytes aligned to @align from the arena; NULL with *@fallback set when
 * the caller should use the real allocator instead.
 */
static void *arena_alloc(size_t n, size_t align, int *fallback)
{
	struct tier_arena *p;
	void *ptr;
	int err;

	*fallback = 1;
	if (n < threshold || !(p = get_arena()))
		return NULL;
	in_lib++;
	err = tier_arena_alloc(p, n, align, &ptr);
	in_lib--;
	if (!err) {
		*fallback = 0;
		__atomic_add_fetch(&nr_served, 1, __ATOMIC_RELAXED);
		__atomic_add_fetch(&bytes_served, n, __ATOMIC_RELAXED);
		return ptr;
	}
	if (strict && err != -EINVAL) {
		*fallback = 0;
		errno = ENOMEM;
		return NULL;
	}
	__atomic_add_fetch(&nr_fallback, 1, __ATOMIC_RELAXED);
	return NULL;
}

static inline int owned(const void *ptr)
{
	return __atomic_load_n(&arena_state, __ATOMIC_ACQUIRE) == ARENA_READY &&
	       tier_arena_owns(arena, ptr);
}

static void arena_free(void *ptr)
{
	in_lib++;
	tier_arena_free(arena, ptr);	/* refuses what is not live: no harm */
	in_lib--;
}

static size_t usable(void *ptr)
{
	if (!ptr)
		return 0;
	if (owned(ptr)) {
		size_t n;

		in_lib++;
		n = tier_arena_usable_size(arena, ptr);
		in_lib--;
		return n;
	}
	if (is_boot(ptr))
		return 0;
	resolve();
	return real_usable ? real_usable(ptr) : 0;
}

PUBLIC void *malloc(size_t n)
{
	int fb;
	void *p;

	if (resolving)
		return boot_alloc(n);
	resolve();
	p = arena_alloc(n, 0, &fb);
	return fb ? real_malloc(n) : p;
}

PUBLIC void free(void *ptr)
{
	if (!ptr || is_boot(ptr))
		return;
	if (owned(ptr)) {
		arena_free(ptr);
		return;
	}
	resolve();
	real_free(ptr);
}

PUBLIC void *calloc(size_t n, size_t m)
{
	size_t total;
	int fb;
	void *p;

	if (__builtin_mul_overflow(n, m, &total)) {
		errno = ENOMEM;
		return NULL;
	}
	if (resolving)
		return boot_alloc(total);
	resolve();
	p = arena_alloc(total, 0, &fb);
	if (fb)
		return real_calloc(n, m);
	/* a large allocation is a fresh buffer: zero pages, left untouched */
	if (p && total <= TIER_ARENA_SMALL_MAX)
		memset(p, 0, total);
	return p;
}

PUBLIC void *realloc(void *ptr, size_t n)
{
	size_t old;
	void *p;

	if (!ptr)
		return malloc(n);
	if (!n) {
		free(ptr);
		return NULL;
	}
	if (is_boot(ptr)) {
		size_t room = (size_t)(boot_area + BOOT_AREA - (char *)ptr);

		p = malloc(n);
		if (p)
			memcpy(p, ptr, n < room ? n : room);
		return p;
	}
	resolve();
	if (!owned(ptr)) {
		if (n < threshold || !get_arena())
			return real_realloc(ptr, n);
		old = usable(ptr);
	} else {
		old = usable(ptr);
		/* shrinking by less than half stays in place */
		if (n >= threshold && n <= old && n >= old / 2)
			return ptr;
	}
	p = malloc(n);
	if (!p)
		return NULL;		/* the old block is left as it was */
	memcpy(p, ptr, old < n ? old : n);
	free(ptr);
	return p;
}

PUBLIC void *reallocarray(void *ptr, size_t n, size_t m)
{
	size_t total;

	if (__builtin_mul_overflow(n, m, &total)) {
		errno = ENOMEM;
		return NULL;
	}
	return realloc(ptr, total);
}

static void *aligned(size_t align, size_t n)
{
	int fb;
	void *p;

	if (resolving) {
		if (align > 64)
			return NULL;
		return boot_alloc(n);
	}
	resolve();
	p = arena_alloc(n, align, &fb);
	return fb ? real_memalign(align, n) : p;
}

PUBLIC int posix_memalign(void **out, size_t align, size_t n)
{
	int saved = errno;
	void *p;

	if (!align || (align & (align - 1)) || align % sizeof(void *))
		return EINVAL;
	p = aligned(align, n);
	if (!p && n) {
		int err = errno;

		errno = saved;
		return err ? err : ENOMEM;
	}
	*out = p;
	errno = saved;
	return 0;
}

PUBLIC void *aligned_alloc(size_t align, size_t n)
{
	if (!align || (align & (align - 1))) {
		errno = EINVAL;
		return NULL;
	}
	return aligned(align, n);
}

PUBLIC void *memalign(size_t align, size_t n)
{
	/* glibc rounds a non-power-of-two alignment up */
	while (align & (align - 1))
		align += align & -align;
	return aligned(align ? align : 1, n);
}

PUBLIC void *valloc(size_t n)
{
	return aligned((size_t)sysconf(_SC_PAGESIZE), n);
}

PUBLIC void *pvalloc(size_t n)
{
	size_t pg = (size_t)sysconf(_SC_PAGESIZE);

	if (n > SIZE_MAX - pg) {
		errno = ENOMEM;
		return NULL;
	}
	return aligned(pg, n ? (n + pg - 1) & ~(pg - 1) : pg);
}

PUBLIC size_t malloc_usable_size(void *ptr)
{
	return usable(ptr);
}

/*
 * For tests and tools (not part of libtier's ABI): whether @ptr is the
 * arena's, and where the pages of the allocation containing it are.
 */
PUBLIC int tier_preload_owns(const void *ptr)
{
	return owned(ptr);
}

PUBLIC int tier_preload_residency(const void *ptr, struct tier_node_bytes *out,
				  unsigned int nr, uint32_t *flags)
{
	int ret;

	if (!owned(ptr))
		return -ENOENT;
	in_lib++;
	ret = tier_arena_residency(arena, ptr, out, nr, flags);
	in_lib--;
	return ret;
}
