// SPDX-License-Identifier: GPL-2.0
/*
 * cxltier_stress: concurrency stress of the cxltier module for a fixed time.
 *
 *   cxltier_stress [--duration S] [--seed N] [--procs P] [--threads T]
 *                  [--offline-node N | --no-offline] [--no-compact]
 *                  [--no-pool] [--basic] [--exclude-flags M]
 *                  [--no-netlink] [--hang-timeout S] ...
 *   (--help lists them all)
 *
 * P worker processes with T threads each (2 x 4 by default) do random
 * operations on buffers on every node of the GET_INFO table (DRAM and
 * CXL): create (4 KiB to 32 MiB, page multiples or not; mostly bound to
 * one node with 4 KiB pages, sometimes with 2-3 nodes, other modes, 2 MiB
 * pages, fallback, populate, pinnable, whatever GET_INFO reports), mmap
 * (whole, partial, at offsets, lengths that are not page multiples), write
 * a pattern derived from (buffer id, page, generation), verify every word
 * of it, BUF_STAT, fork a child that verifies and rewrites part of the
 * shared mapping, munmap, close the fd before the last munmap, close.
 * Meanwhile a thread of the main process offlines and onlines memory blocks
 * of one CXL node (migrating the pages in them to other nodes, with their
 * contents) and another triggers compaction (moving pages within a node).
 *
 * Device-dax pools (unless --no-pool): when a dax device is in devdax mode
 * (bound to device_dax; the VM's node 4) and its target node has no memory
 * of its own, the main process unbinds it (what `daxctl disable-device`
 * does) and adds its range as a pool (CXLTIER_IOC_POOL_ADD) before the
 * workers start.  Workers then sometimes create buffers on the pool's node
 * (bind, 4 KiB or 2 MiB pages, sometimes populated, reserved or pinnable),
 * budgeted like any node, and use them like any buffer.  A pool thread
 * keeps removing the pool (CXLTIER_IOC_POOL_REMOVE: EBUSY while buffers
 * hold its pages); every other time it asks the workers to close their
 * pool buffers that may hold pages and retries until REMOVE succeeds,
 * leaves the pool absent a while (workers' creates on its node get ENODEV,
 * touches of the pool buffers never touched before get SIGBUS) and adds it
 * again (a new id; those buffers then get the new pool's pages).
 * Sometimes it holds a populated pool buffer of its own across a REMOVE,
 * which must be EBUSY.  At the stop the pool is added again if absent, the
 * workers' final sweep runs, and once every buffer is closed the pool is
 * removed and the dax device bound to device_dax again, as it was.
 * Without such a device the pool parts are skipped ("pool: SKIPPED"
 * line), nothing of them counted.
 *
 * Generic netlink (unless --no-netlink; stress_nl.c, libmnl): when the
 * family resolves, a requester thread of the main process dumps BUF_GET
 * and NODE_GET and asks BUF_GET for a few ids, over and over, while the
 * workers create, map, fork and close buffers and the other threads
 * migrate, offline memory and remove the pool; a listener thread joined
 * to the "events" group counts events per type.  Both run until every
 * buffer is closed and every memory block is online again.  A shared
 * registry (struct reg_slot) tells which buffers were open throughout a
 * request and which were gone before it.  When the family does not
 * resolve: a "netlink: SKIPPED" line, nothing counted.
 *
 * What makes a migration bug visible: every buffer keeps long-lived
 * mappings besides the short-lived ones; data written through one mapping
 * is verified through another one (a fresh mmap, a persistent one, a forked
 * child's), and at the end every page of every buffer is verified through a
 * fresh mapping and every persistent one.  A migration that leaves a user
 * PTE pointing at the old page makes the mappings disagree, which shows as
 * a data mismatch ("FAIL ... data: ...") naming the buffer, page, word,
 * the expected value and which generation of the page (if any) the value
 * found belongs to ("a stale copy, writes lost", "foreign data").
 *
 * Checks (each counted as passed or failed):
 *   - CREATE succeeds and returns an FD_CLOEXEC fd; BUF_STAT right after
 *     describes the buffer as created (nothing resident, or all of it with
 *     populate);
 *   - every byte read back is what was last written (or zero for a page
 *     never written), through every mapping, in parents and children;
 *   - BUF_STAT: id, length, mode, page size, flags, policy, chunk as
 *     created; resident_bytes at least the allocation units whose touch
 *     finished before the call, at most those whose touch started before it
 *     returned, never more than the rounded length, exactly the rounded
 *     length once every unit was touched; entries in ascending node order
 *     summing to it; spilled bytes at most resident, none without fallback;
 *   - no unexpected SIGBUS/SIGSEGV, no process dies; no worker, compaction
 *     or offline write without progress for --hang-timeout (kernel stacks
 *     of the stuck tasks are printed);
 *   - pool buffers: as any buffer (data through every mapping, forks,
 *     BUF_STAT), their pages resident on the pool's node only; CREATE
 *     failing with ENODEV (or a populate with ENOMEM), a touch with SIGBUS,
 *     MIGRATE with ENODEV are counted outcomes only when the pool was
 *     absent at some moment of the operation (a REMOVE or ADD succeeded
 *     meanwhile, or it is absent now), or (ENOMEM, SIGBUS) when POOL_LIST
 *     shows too little free for the buffer or unit; MIGRATE otherwise
 *     fails with EOPNOTSUPP; a pool buffer with resident pages means the
 *     pool cannot have been removed (BUF_STAT, then the pool's state);
 *     before a fork the parent touches the child's pages, so a child never
 *     meets an absent pool;
 *   - the pool thread: REMOVE succeeds or is EBUSY (nothing else), and
 *     EBUSY while a populated buffer of its own is open; POOL_LIST after
 *     every add, remove and EBUSY, and in between: the pool listed exactly
 *     when it was added (by name; its id not listed once removed), with
 *     the dax device's node, start and length, free bytes = length -
 *     (used + busy) pages, the longest free run and the free 2 MiB blocks
 *     within the free bytes, pinned pages among the used and busy; after a
 *     remove the range is gone from /proc/iomem and CREATE on the node is
 *     ENODEV; each ADD gives an id no pool had before; at the end, every
 *     buffer closed: nothing used or busy, the node's used_bytes and
 *     reserved_bytes 0, REMOVE succeeds, the device is bound again;
 *   - memory offline: success or EBUSY (counted), or a timeout (counted;
 *     a failure only when every attempt of the run timed out: a hang);
 *     onlining always works and every block is online at the end;
 *   - after the run, all buffers closed and caches dropped, each node's
 *     free memory (GET_INFO free_bytes and nodeN/meminfo MemFree, both plus
 *     the per-CPU free lists) is back to its starting value within
 *     FREE_SLACK_* (common.h: 4 MiB on a node without CPUs, 16 MiB with);
 *   - netlink, each BUF_GET dump (one pass per clean dump): every
 *     entry has id, length > 0, uid 0 (all runs as root), resident bytes
 *     at most the length rounded to its page size, resident entries in
 *     ascending node order summing to it, spilled at most resident, a
 *     non-empty policy; ids strictly ascending (so unique); every buffer
 *     of the workers open from before the dump's request to after its
 *     end is listed, with the length, mode, page size and creator pid it
 *     was created with;
 *   - netlink BUF_GET by id: a buffer open throughout the request is
 *     found, sane and as created; one gone before it (fd closed, every
 *     mapping unmapped, no forked child alive that could hold it, never
 *     an async MIGRATE) is ENOENT; others either, and sane if found; an
 *     id no buffer can have (2^62 and up) is ENOENT;
 *   - netlink NODE_GET dump: every GET_INFO node listed, node ids below
 *     the possible nodes and listed once, the counters (alloc_pages,
 *     spill_pages, migrate_in/out_pages, fault_failures) never lower
 *     than in the previous dump, a node with counters never unlisted;
 *   - netlink events (ENOBUFS counted as lost): each well formed (a known
 *     type, the attributes its type names, node ids below the possible
 *     nodes, buffer and pool ids >= 1, errors <= 0); no event names a
 *     buffer id above the largest id CREATE returned plus the CREATEs that
 *     failed (checked at the end, when every id is known); when nothing
 *     was lost: a pool REMOVE (ADD) that succeeded while listening means
 *     at least one POOL_REMOVED (POOL_ADDED) event, a memory offline that
 *     succeeded at least one NODE_OFFLINE and one NODE_ONLINE;
 *   - nothing in the kernel log (/dev/kmsg) that reports a problem (BUG,
 *     WARNING, Oops, lockdep, ...), printed with the test's output.
 *
 * Memory is bounded by a per-node budget of buffer bytes (rounded lengths of
 * live buffers; a multi-node buffer is charged to each of its nodes), shared
 * by all workers: by default a sixth of a node without CPUs (at most
 * 160 MiB) and a sixteenth of a node with CPUs (at most 96 MiB), so that
 * node 0, which runs everything and receives the pages that memory offline
 * moves away, keeps plenty.  At most two of the CXL node's memory blocks
 * (a quarter) are offline at once.  The pool's node is budgeted like a node
 * without CPUs (a sixth of the pool, at most 160 MiB), so it rarely fills.
 *
 * Ends with the operation counts per kind and "stress: N passed, N failed";
 * exit status 0 when nothing failed, 1 otherwise.  The seed makes the
 * operation sequence of each thread reproducible, not the interleaving.
 */
#include "common.h"

#include <getopt.h>
#include <pthread.h>
#include <setjmp.h>
#include <signal.h>

/* ------------------------------------------------------------------------ */
/* Configuration                                                            */

#define MAX_TNODES 64		/* nodes of the table we use */
#define MAX_BUFS 48		/* live buffers per worker process */
#define MAX_MAPS 4		/* persistent mappings per buffer */
#define MAX_OP_PAGES 256	/* pages one write/verify/fork op handles */
#define MAX_BUF_PAGES (32 * MiB / 4096)
#define MAX_BLOCKS 256
#define MAX_FAIL_PRINTS 60

static struct {
	double duration;
	uint64_t seed;
	unsigned int procs, threads;
	int offline_node;	/* -1: none */
	bool no_offline, no_compact, verbose, basic, no_pool, no_netlink;
	uint32_t exclude_flags;	/* create flags never to use */
	unsigned int offline_timeout;
	unsigned int hang_timeout;	/* no progress for this long: a hang */
	unsigned long long node_budget;	/* 0: default per node */
} cfg = {
	.duration = 60,
	.procs = 2,
	.threads = 4,
	.offline_node = -2,	/* -2: pick one */
	.offline_timeout = 30,
	.hang_timeout = 120,
};

static struct topo topo;
static int dev = -1;

/* ------------------------------------------------------------------------ */
/* State shared by all processes (MAP_SHARED anonymous memory)              */

enum cnt {
	C_CREATE, C_CREATE_SKIP, C_MMAP, C_MUNMAP, C_WRITE, C_VERIFY, C_STAT,
	C_FORK, C_CLOSE_EARLY, C_CLOSE, C_PAGES_WRITTEN, C_PAGES_VERIFIED,
	C_PAGES_BUSY, C_OFFLINE_OK, C_OFFLINE_EBUSY, C_OFFLINE_TIMEOUT,
	C_OFFLINE_OTHER, C_ONLINE, C_COMPACT, C_FINAL_PAGES,
	C_CR_MULTI, C_CR_MODE, C_CR_HUGE, C_CR_FALLBACK, C_CR_POPULATE,
	C_CR_PINNABLE, C_MIGRATE, C_MIGRATE_ASYNC, C_MIGRATE_BUSY,
	C_MIGRATE_POLICY_RACED,
	C_PAGES_MIGRATED,
	C_POOL_ADD, C_POOL_REMOVE, C_POOL_REMOVE_EBUSY, C_POOL_HELD_EBUSY,
	C_POOL_DRAIN, C_POOL_DRAIN_GAVE_UP, C_POOL_LIST, C_POOL_ABSENT_ENODEV,
	C_POOL_CREATE, C_POOL_CR_HUGE, C_POOL_CR_POPULATE,
	C_POOL_CREATE_ENODEV, C_POOL_CREATE_ENOMEM, C_POOL_SIGBUS_ABSENT,
	C_POOL_SIGBUS_FULL, C_POOL_MIGRATE_REFUSED, C_POOL_FORK_SKIPPED,
	C_NL_BUF_DUMP, C_NL_BUF_SEEN, C_NL_KNOWN, C_NL_NODE_DUMP, C_NL_BUF_DO,
	C_NL_DO_KNOWN, C_NL_DO_GONE, C_NL_EV_SPILL, C_NL_EV_QUOTA,
	C_NL_EV_MIGRATE, C_NL_EV_ONLINE, C_NL_EV_OFFLINE, C_NL_EV_LOW_FREE,
	C_NL_EV_POOL_ADDED, C_NL_EV_POOL_REMOVED, C_NL_EV_LOST,
	NR_CNT
};

static const char *const cnt_name[NR_CNT] = {
	[C_CREATE] = "create",
	[C_CREATE_SKIP] = "create-skipped(budget)",
	[C_MMAP] = "mmap",
	[C_MUNMAP] = "munmap",
	[C_WRITE] = "write",
	[C_VERIFY] = "verify",
	[C_STAT] = "buf-stat",
	[C_FORK] = "fork-child",
	[C_CLOSE_EARLY] = "close-before-munmap",
	[C_CLOSE] = "close",
	[C_PAGES_WRITTEN] = "pages-written",
	[C_PAGES_VERIFIED] = "pages-verified",
	[C_PAGES_BUSY] = "pages-skipped(busy)",
	[C_OFFLINE_OK] = "offline-ok",
	[C_OFFLINE_EBUSY] = "offline-ebusy",
	[C_OFFLINE_TIMEOUT] = "offline-timeout",
	[C_OFFLINE_OTHER] = "offline-other-error",
	[C_ONLINE] = "online",
	[C_COMPACT] = "compact",
	[C_FINAL_PAGES] = "final-sweep-pages",
	[C_CR_MULTI] = "created:multi-node",
	[C_CR_MODE] = "created:not-bind",
	[C_CR_HUGE] = "created:2MiB-pages",
	[C_CR_FALLBACK] = "created:fallback",
	[C_CR_POPULATE] = "created:populate",
	[C_CR_PINNABLE] = "created:pinnable",
	[C_MIGRATE] = "migrate",
	[C_MIGRATE_ASYNC] = "migrate:async",
	[C_MIGRATE_BUSY] = "migrate:ebusy",
	[C_MIGRATE_POLICY_RACED] = "migrate:policy-changed-meanwhile",
	[C_PAGES_MIGRATED] = "pages-migrated",
	[C_POOL_ADD] = "pool:add",
	[C_POOL_REMOVE] = "pool:remove-ok",
	[C_POOL_REMOVE_EBUSY] = "pool:remove-ebusy",
	[C_POOL_HELD_EBUSY] = "pool:remove-ebusy(own)",
	[C_POOL_DRAIN] = "pool:drains",
	[C_POOL_DRAIN_GAVE_UP] = "pool:drain-gave-up",
	[C_POOL_LIST] = "pool:list-checked",
	[C_POOL_ABSENT_ENODEV] = "pool:absent-create-enodev",
	[C_POOL_CREATE] = "pool:buffers-created",
	[C_POOL_CR_HUGE] = "pool:created:2MiB-pages",
	[C_POOL_CR_POPULATE] = "pool:created:populate",
	[C_POOL_CREATE_ENODEV] = "pool:create-failed(absent)",
	[C_POOL_CREATE_ENOMEM] = "pool:create-enomem(full)",
	[C_POOL_SIGBUS_ABSENT] = "pool:sigbus(absent)",
	[C_POOL_SIGBUS_FULL] = "pool:sigbus(full)",
	[C_POOL_MIGRATE_REFUSED] = "pool:migrate-eopnotsupp",
	[C_POOL_FORK_SKIPPED] = "pool:fork-skipped(absent)",
	[C_NL_BUF_DUMP] = "nl:buf-dumps",
	[C_NL_BUF_SEEN] = "nl:buf-dump-entries",
	[C_NL_KNOWN] = "nl:dumped-known-alive",
	[C_NL_NODE_DUMP] = "nl:node-dumps",
	[C_NL_BUF_DO] = "nl:buf-get-by-id",
	[C_NL_DO_KNOWN] = "nl:buf-get-known-alive",
	[C_NL_DO_GONE] = "nl:buf-get-known-gone",
	[C_NL_EV_SPILL] = "nl:event:spill",
	[C_NL_EV_QUOTA] = "nl:event:quota-refused",
	[C_NL_EV_MIGRATE] = "nl:event:migrate-done",
	[C_NL_EV_ONLINE] = "nl:event:node-online",
	[C_NL_EV_OFFLINE] = "nl:event:node-offline",
	[C_NL_EV_LOW_FREE] = "nl:event:node-low-free",
	[C_NL_EV_POOL_ADDED] = "nl:event:pool-added",
	[C_NL_EV_POOL_REMOVED] = "nl:event:pool-removed",
	[C_NL_EV_LOST] = "nl:events-lost(ENOBUFS)",
};

/*
 * What the netlink thread needs to know of the workers' buffers, race-free
 * (struct shared.reg, a ring of slots a buffer keeps from its create on):
 * the buffer as created and three moments on a clock every process ticks
 * (shared.nl_clock): opened (CREATE returned), closing (just before its fd
 * is closed: from then on it may go) and gone (its fd closed, every mapping
 * of it unmapped, no forked child that may hold either alive, no async
 * MIGRATE ever queued on it: nothing refers to the file any more, so it is
 * out of the module's registry).  The netlink thread ticks the clock before
 * a request and after its answer: a buffer opened before and not closing
 * by the end must be listed; one gone before the request must be ENOENT.
 * Writers take the slot's lock (a buffer marks only a slot whose id is
 * still its own: the ring may have handed it to a newer buffer); readers
 * use the sequence count (odd while written) and retry.
 */
#define REG_SLOTS 2048

struct reg_slot {
	uint32_t lock, seq;
	uint64_t id, len;
	uint32_t mode, page_shift;
	int32_t pid;
	uint64_t opened, closing, gone;
	uint64_t migrate;	/* just before its first MIGRATE: the mode
				 * may change from then on */
};

/* struct shared.pool_state: only the pool thread changes it */
enum { POOL_PRESENT, POOL_REMOVING, POOL_ABSENT, POOL_ADDING };

struct shared {
	volatile int stop;
	/*
	 * The device-dax pool.  pool_gen counts the REMOVEs and ADDs that
	 * succeeded; the pool thread bumps it when such an ioctl returned,
	 * before it sets pool_state, which says REMOVING or ADDING while its
	 * ioctl is in flight.  A worker that gets ENODEV or SIGBUS on a pool
	 * buffer compares pool_gen with what it read before its operation
	 * (see pool_was_absent()).
	 */
	int pool_state;
	uint64_t pool_gen;
	uint32_t pool_id;		/* the pool's current id */
	int pool_drain;			/* workers: close your pool buffers */
	int pool_final;			/* 1: present for the sweep, 2: gone */
	uint64_t cnt[NR_CNT];
	uint64_t passed, failed, fail_printed;
	int64_t budget_used[MAX_TNODES];	/* bytes, per table slot */
	uint64_t heartbeat[64];			/* ops done, per worker */
	/* netlink checks: see struct reg_slot */
	uint64_t nl_clock, reg_next;
	uint64_t max_id;		/* the largest id a CREATE returned */
	uint64_t create_failed;		/* CREATEs that failed (ids maybe used) */
	struct reg_slot reg[REG_SLOTS];
};

static struct shared *sh;
static unsigned long long budget_cap[MAX_TNODES];

/* The dax device turned into a pool, set before the workers are forked. */
static struct {
	bool on;
	char dax[64];
	uint64_t start, len;
	unsigned int node;
	unsigned int slot;	/* its budget slot: topo.nr, past the table */
	bool unbound;		/* we unbound it from device_dax */
} pool;

static inline void count(enum cnt c, uint64_t n)
{
	__atomic_fetch_add(&sh->cnt[c], n, __ATOMIC_RELAXED);
}

static inline void pass(void)
{
	__atomic_fetch_add(&sh->passed, 1, __ATOMIC_RELAXED);
}

static __thread char who[32] = "main";

static void __attribute__((format(printf, 1, 2))) fail(const char *fmt, ...)
{
	char msg[1800];
	va_list ap;

	__atomic_fetch_add(&sh->failed, 1, __ATOMIC_RELAXED);
	if (__atomic_fetch_add(&sh->fail_printed, 1, __ATOMIC_RELAXED) >=
	    MAX_FAIL_PRINTS)
		return;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	out("FAIL [%s]: %s", who, msg);
}

#define check(cond, fmt, ...) do {					\
	if (cond)							\
		pass();							\
	else								\
		fail("%s:%d: %s: " fmt, __FILE__, __LINE__, #cond,	\
		     ##__VA_ARGS__);					\
} while (0)

/* ------------------------------------------------------------------------ */
/* Contents                                                                 */

/* The key of page @page of buffer @id in generation @gen (gen 0: zeroes). */
static inline uint64_t page_key(uint64_t id, uint64_t page, uint32_t gen)
{
	uint64_t x = id * 0x9E3779B97F4A7C15ULL ^ page * 0xC2B2AE3D27D4EB4FULL ^
		     (uint64_t)gen * 0x165667B19E3779F9ULL ^ cfg.seed;

	return splitmix64(&x) | 1;	/* never zero */
}

static inline uint64_t word_val(uint64_t key, size_t w)
{
	return key ^ ((uint64_t)w * 0xD6E8FEB86659FD93ULL);
}

static void write_page(volatile uint64_t *q, uint64_t id, uint64_t page,
		       uint32_t gen)
{
	size_t words = pgsz / 8, w;
	uint64_t key = page_key(id, page, gen);

	for (w = 0; w < words; w++)
		q[w] = gen ? word_val(key, w) : 0;
}

/* First word of the page that is not as expected, or -1. */
static long verify_page(const volatile uint64_t *q, uint64_t id,
			uint64_t page, uint32_t gen, uint64_t *got,
			uint64_t *exp)
{
	size_t words = pgsz / 8, w;
	uint64_t key = page_key(id, page, gen);

	for (w = 0; w < words; w++) {
		uint64_t e = gen ? word_val(key, w) : 0, v = q[w];

		if (v != e) {
			*got = v;
			*exp = e;
			return (long)w;
		}
	}
	return -1;
}

/* Which generation of @page wrote @v at word @w, as text. */
static void explain_value(uint64_t id, uint64_t page, size_t w, uint64_t v,
			  uint32_t gen, char *buf, size_t len)
{
	int64_t g;

	if (!v) {
		snprintf(buf, len, "zero (a fresh page, or never written)");
		return;
	}
	for (g = (int64_t)gen + 4; g >= 1 && g >= (int64_t)gen - 64; g--)
		if (word_val(page_key(id, page, (uint32_t)g), w) == v) {
			snprintf(buf, len, "generation %lld of this page "
				 "(expected %u): %s", (long long)g, gen,
				 g < gen ? "a stale copy, writes lost" :
				 "newer than expected");
			return;
		}
	snprintf(buf, len, "no generation of this page: foreign data");
}

/* ------------------------------------------------------------------------ */
/* Faults in worker threads                                                 */

static __thread sigjmp_buf *fault_jb;
static __thread void *volatile fault_addr;
static __thread volatile int fault_sig;

static void fault_handler(int sig, siginfo_t *si, void *uc)
{
	(void)uc;
	if (!fault_jb) {
		/* not ours to catch: die of it */
		signal(sig, SIG_DFL);
		return;
	}
	fault_sig = sig;
	fault_addr = si->si_addr;
	siglongjmp(*fault_jb, 1);
}

static void install_fault_handler(void)
{
	struct sigaction sa = { .sa_sigaction = fault_handler,
				.sa_flags = SA_SIGINFO | SA_NODEFER };

	sigemptyset(&sa.sa_mask);
	sigaction(SIGBUS, &sa, NULL);
	sigaction(SIGSEGV, &sa, NULL);
}

/* ------------------------------------------------------------------------ */
/* The device-dax pool, as workers see it                                   */

#define MAX_POOLS 8
#define POOL_BLOCK (2 * MiB)	/* 1 << CXLTIER_POOL_ALIGN_SHIFT */

static inline uint64_t pool_gen_now(void)
{
	return __atomic_load_n(&sh->pool_gen, __ATOMIC_SEQ_CST);
}

/* The pool's state once no REMOVE or ADD is in flight; -1 if one hangs. */
static int pool_state_settled(void)
{
	double end = now_s() + cfg.hang_timeout;
	int st;

	for (;;) {
		st = __atomic_load_n(&sh->pool_state, __ATOMIC_SEQ_CST);
		if (st != POOL_REMOVING && st != POOL_ADDING)
			return st;
		if (now_s() > end)
			return -1;	/* the pool thread's hang is reported */
		sleep_ms(1);
	}
}

/*
 * Whether the pool may have been absent (removed, not yet added again) at
 * some moment since pool_gen read @g0, the caller's operation having
 * ended: waits out a REMOVE or ADD in flight, then true when one succeeded
 * since (pool_gen moved) or the pool is absent now.  An ENODEV or SIGBUS
 * of a pool buffer is the contract then; otherwise the pool was there all
 * along and it is a failure.
 */
static bool pool_was_absent(uint64_t g0)
{
	int st = pool_state_settled();

	return st < 0 || pool_gen_now() != g0 || st == POOL_ABSENT;
}

/* POOL_LIST into @pi (MAX_POOLS entries): their number, or -errno. */
static int pool_list(struct cxltier_pool_info *pi)
{
	struct cxltier_pool_list l = {
		.size = sizeof(l),
		.nr_pools = MAX_POOLS,
		.entry_size = sizeof(*pi),
		.pools = (uintptr_t)pi,
	};

	memset(pi, 0xa5, sizeof(*pi) * MAX_POOLS);
	if (ioctl(dev, CXLTIER_IOC_POOL_LIST, &l) < 0)
		return -errno;
	return (int)l.nr_pools;
}

/* Our pool's entry (by name) in @pi, or NULL. */
static const struct cxltier_pool_info *
pool_find(const struct cxltier_pool_info *pi, int n)
{
	int i;

	for (i = 0; i < n && i < MAX_POOLS; i++)
		if (!strncmp(pi[i].name, pool.dax, sizeof(pi[i].name)))
			return &pi[i];
	return NULL;
}

/* Free bytes of our pool now, or -1 when it is not listed. */
static long long pool_free_bytes(void)
{
	struct cxltier_pool_info pi[MAX_POOLS];
	const struct cxltier_pool_info *p;
	int n = pool_list(pi);

	p = n > 0 ? pool_find(pi, n) : NULL;
	return p ? (long long)p->free_bytes : -1;
}

/* ------------------------------------------------------------------------ */
/* Buffers of a worker process                                              */

/* A mapping of buffer pages [pgoff, pgoff + npages) at addr. */
struct view {
	char *addr;
	uint64_t pgoff;
	size_t npages;
	size_t maplen;		/* what was passed to mmap */
	const char *kind;	/* "persistent", "fresh", "child-fresh", ... */
};

/* page state bits */
#define PS_LOCK 1	/* a thread works on the page */
#define PS_INTENT 2	/* a touch started */
#define PS_DONE 4	/* a touch finished */

#define MAX_POL 3		/* policy nodes the stress test names */

struct sbuf {
	int fd;			/* -1 once closed */
	uint64_t id, len;
	size_t np;		/* pages (4 KiB), all units */
	size_t nu;		/* allocation units */
	unsigned int unit_pages;	/* pages per unit */
	unsigned int node;	/* first policy node, for messages */
	unsigned int nr_pol, slot[MAX_POL];	/* policy: table slots */
	struct cxltier_node_weight pol[MAX_POL];
	uint32_t mode, flags, page_shift, chunk_shift;
	uint32_t *gen;		/* committed generation per page */
	uint8_t *ps;		/* PS_LOCK per page */
	uint8_t *us;		/* PS_INTENT, PS_DONE per unit */
	uint64_t nr_intent, nr_done;	/* units */
	pthread_rwlock_t rw;	/* rd: use fd/maps; wr: change them */
	struct view maps[MAX_MAPS];
	int nmaps;
	int refs;		/* under table_lock */
	bool dead;		/* removed from the table */
	bool released;		/* budget given back */
	int migrating;		/* MIGRATEs between ioctl and record */
	bool migrated;		/* may hold pages a migration left behind */
	bool pool;		/* bound to the device-dax pool's node */
	bool async;		/* an async MIGRATE was queued: it holds the
				 * file for a while, never known gone */
	unsigned int reg;	/* its slot in sh->reg */
};

static pthread_mutex_t table_lock = PTHREAD_MUTEX_INITIALIZER;
static struct sbuf *table[MAX_BUFS];
static int proc_idx;

/* Every policy node is charged the whole rounded length: an upper bound. */
static void budget_release(struct sbuf *b)
{
	unsigned int i;

	if (b->released)
		return;
	b->released = true;
	for (i = 0; i < b->nr_pol; i++)
		__atomic_fetch_sub(&sh->budget_used[b->slot[i]],
				   (int64_t)(b->np * pgsz), __ATOMIC_RELAXED);
}

static bool budget_take(unsigned int slot, uint64_t bytes)
{
	int64_t now = __atomic_add_fetch(&sh->budget_used[slot],
					 (int64_t)bytes, __ATOMIC_RELAXED);

	if (now <= (int64_t)budget_cap[slot])
		return true;
	__atomic_fetch_sub(&sh->budget_used[slot], (int64_t)bytes,
			   __ATOMIC_RELAXED);
	return false;
}

/* A random live buffer, referenced; NULL when there is none. */
static struct sbuf *buf_get(struct rng *r)
{
	struct sbuf *b = NULL;
	unsigned int i, start = (unsigned int)rnd(r, MAX_BUFS);

	pthread_mutex_lock(&table_lock);
	for (i = 0; i < MAX_BUFS; i++) {
		struct sbuf *c = table[(start + i) % MAX_BUFS];

		if (c) {
			b = c;
			b->refs++;
			break;
		}
	}
	pthread_mutex_unlock(&table_lock);
	return b;
}

static void buf_free(struct sbuf *b)
{
	pthread_rwlock_destroy(&b->rw);
	free(b->gen);
	free(b->ps);
	free(b->us);
	free(b);
}

static void buf_put(struct sbuf *b)
{
	bool last;

	pthread_mutex_lock(&table_lock);
	last = --b->refs == 0 && b->dead;
	pthread_mutex_unlock(&table_lock);
	if (last)
		buf_free(b);
}

/* Takes @b out of the table (the caller holds a reference). */
static bool buf_unlink(struct sbuf *b)
{
	bool was = false;
	int i;

	pthread_mutex_lock(&table_lock);
	for (i = 0; i < MAX_BUFS; i++)
		if (table[i] == b) {
			table[i] = NULL;
			was = true;
		}
	b->dead = true;
	pthread_mutex_unlock(&table_lock);
	return was;
}

static bool table_insert(struct sbuf *b)
{
	int i;

	pthread_mutex_lock(&table_lock);
	for (i = 0; i < MAX_BUFS; i++)
		if (!table[i]) {
			table[i] = b;
			pthread_mutex_unlock(&table_lock);
			return true;
		}
	pthread_mutex_unlock(&table_lock);
	return false;
}

static unsigned int table_count(void)
{
	unsigned int i, n = 0;

	pthread_mutex_lock(&table_lock);
	for (i = 0; i < MAX_BUFS; i++)
		n += table[i] != NULL;
	pthread_mutex_unlock(&table_lock);
	return n;
}

/* ------------------------------------------------------------------------ */
/* What the netlink thread knows of the buffers (struct reg_slot)            */

static int live_children;	/* forked, not yet reaped (this process) */

static inline uint64_t nl_tick(void)
{
	return __atomic_add_fetch(&sh->nl_clock, 1, __ATOMIC_SEQ_CST);
}

static void note_max(uint64_t *p, uint64_t v)
{
	uint64_t cur = __atomic_load_n(p, __ATOMIC_RELAXED);

	while (cur < v && !__atomic_compare_exchange_n(p, &cur, v, false,
						       __ATOMIC_SEQ_CST,
						       __ATOMIC_RELAXED))
		;
}

static void reg_lock(struct reg_slot *r)
{
	while (__atomic_exchange_n(&r->lock, 1, __ATOMIC_ACQUIRE))
		;
}

static void reg_write_begin(struct reg_slot *r)
{
	__atomic_add_fetch(&r->seq, 1, __ATOMIC_SEQ_CST);
}

static void reg_write_end(struct reg_slot *r)
{
	__atomic_add_fetch(&r->seq, 1, __ATOMIC_SEQ_CST);
	__atomic_store_n(&r->lock, 0, __ATOMIC_RELEASE);
}

/* A consistent copy of slot @i; false when it keeps changing. */
static bool reg_read(unsigned int i, struct reg_slot *c)
{
	struct reg_slot *r = &sh->reg[i];
	int tries;

	for (tries = 0; tries < 100; tries++) {
		uint32_t s0 = __atomic_load_n(&r->seq, __ATOMIC_SEQ_CST);

		if (s0 & 1)
			continue;
		c->id = __atomic_load_n(&r->id, __ATOMIC_RELAXED);
		c->len = __atomic_load_n(&r->len, __ATOMIC_RELAXED);
		c->mode = __atomic_load_n(&r->mode, __ATOMIC_RELAXED);
		c->page_shift = __atomic_load_n(&r->page_shift,
						__ATOMIC_RELAXED);
		c->pid = __atomic_load_n(&r->pid, __ATOMIC_RELAXED);
		c->opened = __atomic_load_n(&r->opened, __ATOMIC_RELAXED);
		c->closing = __atomic_load_n(&r->closing, __ATOMIC_RELAXED);
		c->gone = __atomic_load_n(&r->gone, __ATOMIC_RELAXED);
		c->migrate = __atomic_load_n(&r->migrate, __ATOMIC_RELAXED);
		__atomic_thread_fence(__ATOMIC_SEQ_CST);
		if (__atomic_load_n(&r->seq, __ATOMIC_SEQ_CST) == s0)
			return true;
	}
	return false;
}

/* @b was just created (CREATE returned). */
static void reg_open(struct sbuf *b)
{
	uint64_t t = nl_tick();
	unsigned int i = (unsigned int)(__atomic_fetch_add(&sh->reg_next, 1,
						__ATOMIC_RELAXED) % REG_SLOTS);
	struct reg_slot *r = &sh->reg[i];

	b->reg = i;
	note_max(&sh->max_id, b->id);
	reg_lock(r);
	reg_write_begin(r);
	__atomic_store_n(&r->id, b->id, __ATOMIC_RELAXED);
	__atomic_store_n(&r->len, b->len, __ATOMIC_RELAXED);
	__atomic_store_n(&r->mode, b->mode, __ATOMIC_RELAXED);
	__atomic_store_n(&r->page_shift, b->page_shift, __ATOMIC_RELAXED);
	__atomic_store_n(&r->pid, (int32_t)getpid(), __ATOMIC_RELAXED);
	__atomic_store_n(&r->opened, t, __ATOMIC_RELAXED);
	__atomic_store_n(&r->closing, 0, __ATOMIC_RELAXED);
	__atomic_store_n(&r->gone, 0, __ATOMIC_RELAXED);
	__atomic_store_n(&r->migrate, 0, __ATOMIC_RELAXED);
	reg_write_end(r);
}

enum { REG_CLOSING, REG_GONE, REG_MIGRATE };

/* Sets one of @b's moments (REG_*), the first time. */
static void reg_mark(struct sbuf *b, int what)
{
	struct reg_slot *r = &sh->reg[b->reg];
	uint64_t t = nl_tick();
	uint64_t *f = what == REG_GONE ? &r->gone :
		      what == REG_CLOSING ? &r->closing : &r->migrate;

	reg_lock(r);
	if (r->id == b->id && !*f) {
		reg_write_begin(r);
		__atomic_store_n(f, t, __ATOMIC_RELAXED);
		reg_write_end(r);
	} else {
		__atomic_store_n(&r->lock, 0, __ATOMIC_RELEASE);
	}
}

/* @b's fd is closed and its last mapping unmapped: gone, if nothing else
 * may hold it (a child forked meanwhile, an async migration). */
static void reg_gone(struct sbuf *b)
{
	if (!__atomic_load_n(&b->async, __ATOMIC_SEQ_CST) &&
	    !__atomic_load_n(&live_children, __ATOMIC_SEQ_CST))
		reg_mark(b, REG_GONE);
}

/* Page locks: try to own each page of [first, first + n); the owned in @own. */
static size_t lock_pages(struct sbuf *b, uint64_t first, size_t n, bool *own)
{
	size_t i, got = 0;

	for (i = 0; i < n; i++) {
		own[i] = !(__atomic_fetch_or(&b->ps[first + i], PS_LOCK,
					     __ATOMIC_ACQUIRE) & PS_LOCK);
		got += own[i];
	}
	if (got < n)
		count(C_PAGES_BUSY, n - got);
	return got;
}

static void unlock_pages(struct sbuf *b, uint64_t first, size_t n,
			 const bool *own)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (own[i])
			__atomic_fetch_and(&b->ps[first + i],
					   (uint8_t)~PS_LOCK, __ATOMIC_RELEASE);
}

/* A touch of @page starts (PS_INTENT) or ends (PS_DONE): its unit's state. */
static void mark(struct sbuf *b, uint64_t page, uint8_t bit)
{
	uint8_t *u = &b->us[page / b->unit_pages];

	if (!(__atomic_fetch_or(u, bit, __ATOMIC_SEQ_CST) & bit))
		__atomic_fetch_add(bit == PS_INTENT ? &b->nr_intent :
				   &b->nr_done, 1, __ATOMIC_SEQ_CST);
}

static void describe_resident(struct sbuf *b, char *s, size_t len);

/*
 * A SIGBUS touching pool buffer @b, in an access that began when pool_gen
 * was @g0: the contract when the pool was absent meanwhile (a touch of a
 * unit not yet allocated gets no page), or when the pool has no room for
 * a unit (with CXLTIER_CREATE_HUGE_FALLBACK, which every 2 MiB pool buffer
 * here has, a unit needs its bytes free in any shape).  Counted; false
 * when neither holds.
 */
static bool pool_sigbus_ok(struct sbuf *b, uint64_t g0)
{
	long long free_b;

	if (pool_was_absent(g0)) {
		count(C_POOL_SIGBUS_ABSENT, 1);
		return true;
	}
	free_b = pool_free_bytes();
	if (free_b >= 0 && free_b < (long long)b->unit_pages * (long long)pgsz) {
		count(C_POOL_SIGBUS_FULL, 1);
		return true;
	}
	return false;
}

/*
 * Verifies (or, with @write, first writes generation gen+1 and commits it)
 * buffer pages [first, first + n) of which the caller owns those in @own,
 * through @v.  Returns the number of failures (0 or 1: it stops at the
 * first), or 2 for a SIGBUS of a pool buffer that pool_sigbus_ok() excuses
 * (the page was never allocated: its generation stays what it was).
 */
static int access_pages(struct sbuf *b, const struct view *v, uint64_t first,
			size_t n, const bool *own, bool write, const char *op)
{
	sigjmp_buf jb;
	volatile size_t i = 0, done = 0;
	uint64_t g0 = pool_gen_now();

	if (first < v->pgoff || first + n > v->pgoff + v->npages) {
		fail("test bug: pages %" PRIu64 "+%zu outside view %" PRIu64
		     "+%zu", first, n, v->pgoff, v->npages);
		return 1;
	}
	fault_jb = &jb;
	if (sigsetjmp(jb, 1)) {
		char res[256];

		fault_jb = NULL;
		if (b->pool && fault_sig == SIGBUS && pool_sigbus_ok(b, g0)) {
			if (write)	/* the store that faulted stored nothing */
				b->gen[first + i]--;
			return 2;
		}
		describe_resident(b, res, sizeof(res));
		fail("%s: %s at %p touching buffer id %" PRIu64 " (node %u, "
		     "len %" PRIu64 ", fd %s) page %" PRIu64 " through a %s "
		     "mapping of pages %" PRIu64 "+%zu at %p; %s", op,
		     fault_sig == SIGBUS ? "SIGBUS" : "SIGSEGV", fault_addr,
		     b->id, b->node, b->len, b->fd >= 0 ? "open" : "closed",
		     first + i, v->kind, v->pgoff, v->npages, v->addr, res);
		return 1;
	}
	for (i = 0; i < n; i++) {
		uint64_t page = first + i, got, exp;
		volatile uint64_t *q;
		long w;

		if (!own[i])
			continue;
		q = (volatile uint64_t *)(v->addr + (page - v->pgoff) * pgsz);
		mark(b, page, PS_INTENT);
		if (write) {
			b->gen[page]++;
			write_page(q, b->id, page, b->gen[page]);
		}
		w = verify_page(q, b->id, page, b->gen[page], &got, &exp);
		mark(b, page, PS_DONE);
		if (w >= 0) {
			char why[160], res[256];
			uint64_t pfn;

			fault_jb = NULL;
			explain_value(b->id, page, (size_t)w, got, b->gen[page],
				      why, sizeof(why));
			describe_resident(b, res, sizeof(res));
			pfn = pfn_of((const void *)q);
			fail("data: %s: buffer id %" PRIu64 " (node %u, len %"
			     PRIu64 ", fd %s) page %" PRIu64 " word %ld: "
			     "expected %016" PRIx64 " got %016" PRIx64 " = %s; "
			     "read through a %s mapping of pages %" PRIu64
			     "+%zu at %p (pfn %#" PRIx64 "); %s", op, b->id,
			     b->node, b->len, b->fd >= 0 ? "open" : "closed",
			     page, w, exp, got, why, v->kind, v->pgoff,
			     v->npages, v->addr, pfn, res);
			/* resynchronise: what the page holds now is unknown */
			write_page(q, b->id, page, ++b->gen[page]);
			return 1;
		}
		done++;
	}
	fault_jb = NULL;
	if (write) {
		count(C_PAGES_WRITTEN, done);
		count(C_WRITE, 1);
	} else {
		count(C_VERIFY, 1);
	}
	count(C_PAGES_VERIFIED, done);
	pass();
	return 0;
}

/* "resident: N KiB on node X, ..." for failure messages (fd must be open). */
static void describe_resident(struct sbuf *b, char *s, size_t len)
{
	struct bstat st;
	size_t o = 0;
	unsigned int i;

	if (b->fd < 0 || buf_stat(b->fd, &st) < 0) {
		snprintf(s, len, "BUF_STAT not available");
		return;
	}
	o += (size_t)snprintf(s + o, len - o, "BUF_STAT: %" PRIu64
			      " of %zu pages resident:",
			      (uint64_t)st.st.resident_bytes / pgsz, b->np);
	for (i = 0; i < st.st.nr_resident && i < STAT_MAX_RES && o < len; i++)
		o += (size_t)snprintf(s + o, len - o, " %" PRIu64 " on node %u",
				      (uint64_t)st.res[i].bytes / pgsz,
				      st.res[i].node);
}

static bool node_in_table(unsigned int node)
{
	return topo_find(&topo, node) != NULL;
}

/*
 * BUF_STAT consistency: @lo pages surely touched before the call, @hi pages
 * whose touch started before it returned.
 */
static void check_stat(struct sbuf *b, const char *op, bool exact)
{
	uint64_t lo, hi, sum = 0, rounded = b->np * pgsz;
	uint64_t ub = (uint64_t)b->unit_pages * pgsz;
	bool may_spill = b->mode == CXLTIER_MODE_PREFERRED ||
			 (b->flags & CXLTIER_CREATE_FALLBACK) ||
			 __atomic_load_n(&b->migrated, __ATOMIC_SEQ_CST);
	bool migrating;
	bool pol_ok = true;
	struct bstat s;
	unsigned int i;
	int r;

	lo = __atomic_load_n(&b->nr_done, __ATOMIC_SEQ_CST);
	r = buf_stat(b->fd, &s);
	hi = __atomic_load_n(&b->nr_intent, __ATOMIC_SEQ_CST);
	/*
	 * A MIGRATE in flight may have replaced the policy we recorded: its
	 * count goes up before the ioctl and down only once the record is
	 * updated, under the write lock we keep out.
	 */
	migrating = __atomic_load_n(&b->migrating, __ATOMIC_SEQ_CST);
	count(C_STAT, 1);
	if (r < 0) {
		fail("%s: BUF_STAT on buffer id %" PRIu64 ": %s", op, b->id,
		     errname(r));
		return;
	}
	for (i = 0; i < b->nr_pol; i++)
		pol_ok &= s.pol[i].node == b->pol[i].node &&
			  s.pol[i].weight == b->pol[i].weight &&
			  !s.pol[i].flags && !s.pol[i].__reserved;
	if (migrating)
		pol_ok = true;		/* not comparable this time */
	check(s.st.id == b->id && s.st.length == b->len &&
	      (s.st.mode == b->mode || migrating) &&
	      s.st.page_shift == b->page_shift &&
	      s.st.create_flags == b->flags &&
	      (s.st.nr_policy_nodes == b->nr_pol || migrating) && pol_ok &&
	      (s.st.chunk_shift == b->chunk_shift || migrating) &&
	      !s.st.__reserved2,
	      "%s: BUF_STAT of buffer id %" PRIu64 " (len %" PRIu64 ", mode "
	      "%u, %u nodes from node %u, page_shift %u, flags %#x, chunk "
	      "%u) says id %" PRIu64 " len %" PRIu64 " mode %u page_shift %u "
	      "create_flags %#x policy %u nodes from node %u (%s) chunk %u",
	      op, b->id, b->len, b->mode, b->nr_pol, b->node, b->page_shift,
	      b->flags, b->chunk_shift, (uint64_t)s.st.id,
	      (uint64_t)s.st.length, s.st.mode, s.st.page_shift,
	      s.st.create_flags, s.st.nr_policy_nodes, s.pol[0].node,
	      pol_ok ? "as created" : "not as created", s.st.chunk_shift);
	check(s.st.spilled_bytes <= s.st.resident_bytes &&
	      (may_spill || !s.st.spilled_bytes),
	      "%s: buffer id %" PRIu64 " (mode %u, flags %#x): spilled %"
	      PRIu64 " of %" PRIu64 " resident bytes", op, b->id, b->mode,
	      b->flags, (uint64_t)s.st.spilled_bytes,
	      (uint64_t)s.st.resident_bytes);
	for (i = 0; i < s.st.nr_resident && i < STAT_MAX_RES; i++) {
		/* a pool buffer's pages are on the pool's node, and only there */
		bool node_ok = b->pool ? s.res[i].node == pool.node :
				node_in_table(s.res[i].node);

		sum += s.res[i].bytes;
		if (!node_ok || !s.res[i].bytes ||
		    s.res[i].__reserved ||
		    (i && s.res[i].node <= s.res[i - 1].node)) {
			fail("%s: BUF_STAT of buffer id %" PRIu64 ": resident "
			     "entry %u: node %u bytes %" PRIu64 " reserved %u "
			     "(previous node %d)", op, b->id, i,
			     s.res[i].node, (uint64_t)s.res[i].bytes,
			     s.res[i].__reserved,
			     i ? (int)s.res[i - 1].node : -1);
			return;
		}
	}
	check(s.st.nr_resident <= STAT_MAX_RES && sum == s.st.resident_bytes,
	      "%s: buffer id %" PRIu64 ": %u resident entries summing to %"
	      PRIu64 ", resident_bytes %" PRIu64, op, b->id,
	      s.st.nr_resident, sum, (uint64_t)s.st.resident_bytes);
	check(s.st.resident_bytes <= rounded &&
	      s.st.resident_bytes >= lo * ub &&
	      s.st.resident_bytes <= hi * ub &&
	      s.st.resident_bytes % ub == 0 &&
	      (lo != b->nu || s.st.resident_bytes == rounded),
	      "%s: buffer id %" PRIu64 " (len %" PRIu64 ", %zu units of %u "
	      "pages): resident_bytes %" PRIu64 " (%" PRIu64 " units), but %"
	      PRIu64 " units were surely touched and at most %" PRIu64 " were",
	      op, b->id, b->len, b->nu, b->unit_pages,
	      (uint64_t)s.st.resident_bytes, (uint64_t)s.st.resident_bytes / ub,
	      lo, hi);
	if (exact)
		check(s.st.resident_bytes == rounded,
		      "%s: buffer id %" PRIu64 ": every page touched, "
		      "resident_bytes %" PRIu64 " != rounded length %" PRIu64,
		      op, b->id, (uint64_t)s.st.resident_bytes, rounded);
	/*
	 * Pool pages held by a buffer we hold keep the pool from going: a
	 * REMOVE that succeeded after this BUF_STAT would have taken pages in
	 * use (it must be EBUSY until the buffer is gone).
	 */
	if (b->pool && s.st.resident_bytes)
		check(pool_state_settled() != POOL_ABSENT,
		      "%s: pool buffer id %" PRIu64 " has %" PRIu64 " bytes "
		      "resident, yet a REMOVE of the pool succeeded", op, b->id,
		      (uint64_t)s.st.resident_bytes);
}

/* ------------------------------------------------------------------------ */
/* Operations                                                               */

struct worker {
	struct rng r;
	int proc, thread;
	unsigned int widx;
};

/* A window of the buffer: whole, from 0, or at an offset. */
static void pick_window(struct rng *r, size_t np, uint64_t *pgoff, size_t *n)
{
	switch (rnd(r, 3)) {
	case 0:
		*pgoff = 0;
		*n = np;
		break;
	case 1:
		*pgoff = 0;
		*n = (size_t)rnd_range(r, 1, np);
		break;
	default:
		*pgoff = rnd(r, np);
		*n = (size_t)rnd_range(r, 1, np - *pgoff);
		break;
	}
}

/* mmap pages [pgoff, pgoff + n) of @b; the length may not be a page multiple. */
static int map_view(struct rng *r, struct sbuf *b, uint64_t pgoff, size_t n,
		    const char *kind, struct view *v)
{
	size_t len = n * pgsz;
	void *p;

	if (r && one_in(r, 3))
		len -= (size_t)rnd(r, pgsz - 1);
	p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_SHARED, b->fd,
		 (off_t)(pgoff * pgsz));
	count(C_MMAP, 1);
	if (p == MAP_FAILED) {
		fail("mmap of buffer id %" PRIu64 " (len %" PRIu64 ") pages %"
		     PRIu64 "+%zu, length %zu: %s", b->id, b->len, pgoff, n,
		     len, errname(errno));
		return -1;
	}
	v->addr = p;
	v->pgoff = pgoff;
	v->npages = n;
	v->maplen = len;
	v->kind = kind;
	return 0;
}

static void unmap_view(struct view *v)
{
	if (munmap(v->addr, v->maplen))
		fail("munmap(%p, %zu): %s", v->addr, v->maplen,
		     errname(errno));
	count(C_MUNMAP, 1);
	v->addr = NULL;
}

/* Closes and unmaps everything of @b (write lock held). */
static void buf_teardown(struct sbuf *b)
{
	while (b->nmaps > 0)
		unmap_view(&b->maps[--b->nmaps]);
	if (b->fd >= 0) {
		reg_mark(b, REG_CLOSING);
		if (close(b->fd))
			fail("close buffer id %" PRIu64 ": %s", b->id,
			     errname(errno));
		b->fd = -1;
		count(C_CLOSE, 1);
	}
	reg_gone(b);
	budget_release(b);
}

/* Whether table slot @i has memory a pinnable buffer may use. */
static bool slot_pinnable(unsigned int i)
{
	return topo.nodes[i].total_bytes > topo.nodes[i].movable_bytes;
}

/* @flag when the module supports it, once in @n; else 0. */
static uint32_t maybe_flag(struct worker *w, const struct cxltier_info *in,
			   uint32_t flag, unsigned int n)
{
	return (in->supported_create_flags & flag) && one_in(&w->r, n) ?
	       flag : 0;
}

/* 2 MiB pages with HUGE_FALLBACK when both are supported, once in @n. */
static void maybe_huge(struct worker *w, const struct cxltier_info *in,
		       struct sbuf *b, unsigned int n)
{
	if ((in->supported_page_sizes >> CXLTIER_HUGE_PAGE_SHIFT & 1) &&
	    one_in(&w->r, n) &&
	    (in->supported_create_flags & CXLTIER_CREATE_HUGE_FALLBACK)) {
		b->page_shift = CXLTIER_HUGE_PAGE_SHIFT;
		b->flags |= CXLTIER_CREATE_HUGE_FALLBACK;
	}
}

/*
 * A policy for a new buffer, from what GET_INFO says is supported (all of
 * it unless --basic): mostly one node in bind mode with 4 KiB pages, as the
 * kernel's own users would; sometimes 2-3 nodes in any mode, 2 MiB pages
 * (with CXLTIER_CREATE_HUGE_FALLBACK: a 2 MiB page may be missing on a
 * node whose blocks go offline or that is fragmented, and a SIGBUS for
 * that would be the contract, not a bug), fallback, populate (small
 * buffers only), reserve, pinnable (nodes with non-movable memory only).
 */
static void pick_policy(struct worker *w, struct sbuf *b, uint64_t *len)
{
	struct cxltier_info info = topo.info, *in = &info;
	unsigned int i, j, tries;
	bool pin;

	in->supported_create_flags &= ~(uint64_t)cfg.exclude_flags;
	memset(b->pol, 0, sizeof(b->pol));
	b->mode = CXLTIER_MODE_BIND;
	b->flags = 0;
	b->page_shift = pgshift;
	b->chunk_shift = 0;
	b->nr_pol = 1;
	b->slot[0] = (unsigned int)rnd(&w->r, topo.nr);
	/*
	 * Sometimes the device-dax pool's node, in bind mode, alone (other
	 * nodes beside it would have to take pinnable pages): 4 KiB or 2 MiB
	 * pages, sometimes populated, reserved or asking for pinnable pages
	 * (which pool pages are anyway).  Not while the pool thread waits for
	 * the pool's pages to be given back.
	 */
	if (pool.on && !__atomic_load_n(&sh->pool_drain, __ATOMIC_RELAXED) &&
	    one_in(&w->r, 6)) {
		b->pool = true;
		b->slot[0] = pool.slot;
		if (cfg.basic)
			goto done;
		maybe_huge(w, in, b, 3);
		if (maybe_flag(w, in, CXLTIER_CREATE_POPULATE, 4) &&
		    *len <= 8 * MiB)
			b->flags |= CXLTIER_CREATE_POPULATE;
#ifdef CXLTIER_CREATE_RESERVE
		b->flags |= maybe_flag(w, in, CXLTIER_CREATE_RESERVE, 4);
#endif
		b->flags |= maybe_flag(w, in, CXLTIER_CREATE_PINNABLE, 4);
		goto done;
	}
	if (cfg.basic)
		goto done;

	if (one_in(&w->r, 3)) {
		unsigned int m = (unsigned int)rnd(&w->r, CXLTIER_NR_MODES);

		if (in->supported_modes >> m & 1)
			b->mode = m;
	}
	if (in->max_policy_nodes > 1 && topo.nr > 1 && one_in(&w->r, 3)) {
		unsigned int want = (unsigned int)rnd_range(&w->r, 2, MAX_POL);

		if (want > in->max_policy_nodes)
			want = in->max_policy_nodes;
		for (tries = 0; b->nr_pol < want && tries < 16; tries++) {
			unsigned int c = (unsigned int)rnd(&w->r, topo.nr);

			for (j = 0; j < b->nr_pol && b->slot[j] != c; j++)
				;
			if (j == b->nr_pol)
				b->slot[b->nr_pol++] = c;
		}
	}
	maybe_huge(w, in, b, 6);
	b->flags |= maybe_flag(w, in, CXLTIER_CREATE_FALLBACK, 4);
	if (maybe_flag(w, in, CXLTIER_CREATE_POPULATE, 5) &&
	    *len <= 8 * MiB)
		b->flags |= CXLTIER_CREATE_POPULATE;
#ifdef CXLTIER_CREATE_RESERVE
	/* reserved against the (unlimited) quotas: the accounting under load */
	b->flags |= maybe_flag(w, in, CXLTIER_CREATE_RESERVE, 4);
#endif
	pin = (in->supported_create_flags & CXLTIER_CREATE_PINNABLE) &&
	      one_in(&w->r, 6);
	for (i = 0; pin && i < b->nr_pol; i++)
		pin = slot_pinnable(b->slot[i]);
	if (pin)
		b->flags |= CXLTIER_CREATE_PINNABLE;
	if (b->mode == CXLTIER_MODE_INTERLEAVE ||
	    b->mode == CXLTIER_MODE_WEIGHTED)
		b->chunk_shift = one_in(&w->r, 2) ? 0 :
			b->page_shift + (uint32_t)rnd(&w->r, 4);
done:
	for (i = 0; i < b->nr_pol; i++) {
		b->pol[i].node = topo.nodes[b->slot[i]].node;
		if (b->mode == CXLTIER_MODE_WEIGHTED ||
		    b->mode == CXLTIER_MODE_SPLIT)
			b->pol[i].weight = (uint32_t)rnd_range(&w->r, 1, 10);
	}
	b->node = b->pol[0].node;
}

static void op_create(struct worker *w)
{
	struct cxltier_create c = { .size = sizeof(c) };
	unsigned int lg, i;
	uint64_t pages, len, ub, g0;
	struct sbuf *b;
	struct bstat s;
	int fl, r;

	if (table_count() >= MAX_BUFS)
		return;
	lg = (unsigned int)rnd(&w->r, 14);		/* 1 .. 8192 pages */
	pages = rnd_range(&w->r, 1ULL << lg, (2ULL << lg) - 1);
	if (pages > MAX_BUF_PAGES)
		pages = MAX_BUF_PAGES;
	len = pages * pgsz;
	if (one_in(&w->r, 2) && pages > 1)
		len -= rnd_range(&w->r, 1, pgsz - 1);	/* not a page multiple */

	b = calloc(1, sizeof(*b));
	if (!b)
		abort();
	pick_policy(w, b, &len);
	ub = 1ULL << b->page_shift;
	b->len = len;
	b->nu = (size_t)((len + ub - 1) / ub);
	b->unit_pages = (unsigned int)(ub / pgsz);
	b->np = b->nu * b->unit_pages;
	for (i = 0; i < b->nr_pol; i++)
		if (!budget_take(b->slot[i], b->np * pgsz)) {
			while (i--)
				__atomic_fetch_sub(&sh->budget_used[b->slot[i]],
						   (int64_t)(b->np * pgsz),
						   __ATOMIC_RELAXED);
			count(C_CREATE_SKIP, 1);
			free(b);
			return;
		}

	c.length = len;
	c.mode = b->mode;
	c.nr_nodes = b->nr_pol;
	c.nodes = (uintptr_t)b->pol;
	c.flags = b->flags;
	c.page_shift = one_in(&w->r, 2) && b->page_shift == pgshift ? 0 :
		       b->page_shift;
	c.chunk_shift = b->chunk_shift;
	g0 = pool_gen_now();
	r = ioctl(dev, CXLTIER_IOC_CREATE, &c);
	count(C_CREATE, 1);
	if (r < 0) {
		int e = errno;
		long long free_b;

		/*
		 * The pool's node has no memory but the pool's: -ENODEV while
		 * it is absent, and a populate that races with its removal
		 * fails as a unit that cannot be had (-ENOMEM, or the -ENODEV
		 * the allocation saw).  A populate may also find it full.
		 */
		if (b->pool && (e == ENODEV || e == ENOMEM) &&
		    pool_was_absent(g0))
			count(C_POOL_CREATE_ENODEV, 1);
		else if (b->pool && e == ENOMEM &&
			 (b->flags & CXLTIER_CREATE_POPULATE) &&
			 (free_b = pool_free_bytes()) >= 0 &&
			 free_b < (long long)(b->np * pgsz))
			count(C_POOL_CREATE_ENOMEM, 1);
		else
			fail("CREATE of %" PRIu64 " bytes, mode %u, %u nodes "
			     "from node %u%s, flags %#x, page_shift %u, "
			     "chunk_shift %u: %s", len, b->mode, b->nr_pol,
			     b->node, b->pool ? " (the pool's, present "
			     "throughout)" : "", b->flags, c.page_shift,
			     c.chunk_shift, errname(e));
		b->released = false;
		budget_release(b);
		free(b);
		__atomic_fetch_add(&sh->create_failed, 1, __ATOMIC_RELAXED);
		return;
	}
	count(C_CR_MULTI, b->nr_pol > 1);
	count(C_CR_MODE, b->mode != CXLTIER_MODE_BIND);
	count(C_CR_HUGE, b->page_shift != pgshift);
	count(C_CR_FALLBACK, !!(b->flags & CXLTIER_CREATE_FALLBACK));
	count(C_CR_POPULATE, !!(b->flags & CXLTIER_CREATE_POPULATE));
	count(C_CR_PINNABLE, !!(b->flags & CXLTIER_CREATE_PINNABLE));
	count(C_POOL_CREATE, b->pool);
	count(C_POOL_CR_HUGE, b->pool && b->page_shift != pgshift);
	count(C_POOL_CR_POPULATE,
	      b->pool && (b->flags & CXLTIER_CREATE_POPULATE));
	fl = fcntl(c.out_fd, F_GETFD);
	check(c.out_fd >= 0 && fl >= 0 && (fl & FD_CLOEXEC) && c.out_id,
	      "CREATE on node %u returned fd %d (F_GETFD %d) id %" PRIu64,
	      b->node, c.out_fd, fl, (uint64_t)c.out_id);
	b->fd = c.out_fd;
	b->id = c.out_id;
	reg_open(b);
	b->gen = calloc(b->np, sizeof(*b->gen));
	b->ps = calloc(b->np, 1);
	b->us = calloc(b->nu, 1);
	if (!b->gen || !b->ps || !b->us)
		abort();
	pthread_rwlock_init(&b->rw, NULL);
	if (b->flags & CXLTIER_CREATE_POPULATE) {
		for (i = 0; i < b->nu; i++) {
			mark(b, (uint64_t)i * b->unit_pages, PS_INTENT);
			mark(b, (uint64_t)i * b->unit_pages, PS_DONE);
		}
	}

	r = buf_stat(b->fd, &s);
	count(C_STAT, 1);
	check(!r && s.st.id == b->id && s.st.length == len &&
	      s.st.resident_bytes == b->nr_done * ub &&
	      s.st.nr_policy_nodes == b->nr_pol && s.pol[0].node == b->node &&
	      s.st.page_shift == b->page_shift,
	      "fresh buffer id %" PRIu64 " (len %" PRIu64 ", node %u, flags "
	      "%#x): BUF_STAT %s, id %" PRIu64 " length %" PRIu64 " resident %"
	      PRIu64 " (%u entries) policy %u x node %u page_shift %u", b->id,
	      len, b->node, b->flags, errname(r), (uint64_t)s.st.id,
	      (uint64_t)s.st.length, (uint64_t)s.st.resident_bytes,
	      s.st.nr_resident, s.st.nr_policy_nodes, s.pol[0].node,
	      s.st.page_shift);

	/* often with a long-lived mapping from the start */
	if (!one_in(&w->r, 3)) {
		uint64_t off;
		size_t n;

		pick_window(&w->r, b->np, &off, &n);
		if (!map_view(&w->r, b, off, n, "persistent", &b->maps[0]))
			b->nmaps = 1;
	}
	if (!table_insert(b)) {
		buf_teardown(b);
		buf_free(b);
	}
}

static void op_map(struct worker *w)
{
	struct sbuf *b = buf_get(&w->r);
	uint64_t off;
	size_t n;

	if (!b)
		return;
	pthread_rwlock_wrlock(&b->rw);
	if (!b->dead && b->fd >= 0 && b->nmaps < MAX_MAPS) {
		pick_window(&w->r, b->np, &off, &n);
		if (!map_view(&w->r, b, off, n, "persistent",
			      &b->maps[b->nmaps]))
			b->nmaps++;
	}
	pthread_rwlock_unlock(&b->rw);
	buf_put(b);
}

static void op_munmap(struct worker *w)
{
	struct sbuf *b = buf_get(&w->r);
	bool gone = false;
	int i;

	if (!b)
		return;
	pthread_rwlock_wrlock(&b->rw);
	if (!b->dead && b->nmaps > 0 && (b->fd >= 0 || b->nmaps > 1 ||
					 one_in(&w->r, 2))) {
		i = (int)rnd(&w->r, (uint64_t)b->nmaps);
		unmap_view(&b->maps[i]);
		b->maps[i] = b->maps[--b->nmaps];
		if (b->fd < 0 && !b->nmaps) {
			/* the last mapping of a closed buffer: it is gone */
			reg_gone(b);
			budget_release(b);
			gone = true;
		}
	}
	pthread_rwlock_unlock(&b->rw);
	if (gone)
		buf_unlink(b);
	buf_put(b);
}

static void op_close_early(struct worker *w)
{
	struct sbuf *b = buf_get(&w->r);

	if (!b)
		return;
	pthread_rwlock_wrlock(&b->rw);
	if (!b->dead && b->fd >= 0 && b->nmaps > 0) {
		reg_mark(b, REG_CLOSING);
		if (close(b->fd))
			fail("close buffer id %" PRIu64 ": %s", b->id,
			     errname(errno));
		b->fd = -1;
		count(C_CLOSE_EARLY, 1);
	}
	pthread_rwlock_unlock(&b->rw);
	buf_put(b);
}

static void op_close(struct worker *w)
{
	struct sbuf *b = buf_get(&w->r);

	if (!b)
		return;
	if (buf_unlink(b)) {
		pthread_rwlock_wrlock(&b->rw);
		buf_teardown(b);
		pthread_rwlock_unlock(&b->rw);
	}
	buf_put(b);
}

/*
 * A view of @b for an access: a persistent mapping (when there is one and
 * the dice say so, or the fd is closed) or a fresh mapping of a window.
 * Returns 0 (fresh: *@fresh set, unmap it after), 1 (persistent) or -1.
 */
static int get_view(struct worker *w, struct sbuf *b, struct view *v,
		    bool *fresh)
{
	*fresh = false;
	if (b->nmaps && (b->fd < 0 || one_in(&w->r, 2))) {
		*v = b->maps[rnd(&w->r, (uint64_t)b->nmaps)];
		return 1;
	}
	if (b->fd < 0)
		return -1;
	{
		uint64_t off;
		size_t n;

		pick_window(&w->r, b->np, &off, &n);
		if (map_view(&w->r, b, off, n, "fresh", v))
			return -1;
	}
	*fresh = true;
	return 0;
}

/* A range of at most MAX_OP_PAGES pages inside @v (sometimes all of it). */
static void pick_range(struct rng *r, const struct view *v, uint64_t *first,
		       size_t *n)
{
	size_t max = v->npages;

	if (max > MAX_OP_PAGES && !one_in(r, 16))
		max = MAX_OP_PAGES;
	*n = (size_t)rnd_range(r, 1, max);
	*first = v->pgoff + rnd(r, v->npages - *n + 1);
}

/* A second view of @b covering [first, first + n), other than @not. */
static int second_view(struct worker *w, struct sbuf *b, uint64_t first,
		       size_t n, const struct view *not, struct view *v,
		       bool *fresh)
{
	int i, start = (int)rnd(&w->r, MAX_MAPS);

	*fresh = false;
	if (b->fd < 0 || one_in(&w->r, 2)) {
		for (i = 0; i < b->nmaps; i++) {
			const struct view *m = &b->maps[(start + i) % b->nmaps];

			if (m->addr != not->addr && m->pgoff <= first &&
			    m->pgoff + m->npages >= first + n) {
				*v = *m;
				return 1;
			}
		}
	}
	if (b->fd < 0)
		return -1;
	if (map_view(&w->r, b, first, n, "fresh(second)", v))
		return -1;
	*fresh = true;
	return 0;
}

/* Write (or only verify) a range through one view, verify through another. */
static void op_access(struct worker *w, bool write)
{
	struct sbuf *b = buf_get(&w->r);
	struct view v, v2;
	bool fresh, fresh2, own[MAX_BUF_PAGES];
	uint64_t first;
	size_t n;
	const char *op = write ? "write" : "verify";

	if (!b)
		return;
	pthread_rwlock_rdlock(&b->rw);
	if (b->dead || get_view(w, b, &v, &fresh) < 0)
		goto out;
	pick_range(&w->r, &v, &first, &n);
	if (!lock_pages(b, first, n, own))
		goto unmap;
	if (!access_pages(b, &v, first, n, own, write, op) &&
	    second_view(w, b, first, n, &v, &v2, &fresh2) >= 0) {
		access_pages(b, &v2, first, n, own, false, write ?
			     "verify-after-write" : "verify-again");
		if (fresh2)
			unmap_view(&v2);
	}
	unlock_pages(b, first, n, own);
unmap:
	if (fresh)
		unmap_view(&v);
out:
	pthread_rwlock_unlock(&b->rw);
	buf_put(b);
}

static void op_stat(struct worker *w)
{
	struct sbuf *b = buf_get(&w->r);

	if (!b)
		return;
	pthread_rwlock_rdlock(&b->rw);
	if (!b->dead && b->fd >= 0)
		check_stat(b, "stat", false);
	pthread_rwlock_unlock(&b->rw);
	buf_put(b);
}

/*
 * MIGRATE a buffer to a new policy over the same nodes (so the per-node
 * budget stays right): the list rotated, any supported mode, new weights
 * and chunk; sometimes async, rate-limited or allowed to split 2 MiB units.
 * Runs concurrently with every other operation on the buffer, including
 * another MIGRATE (-EBUSY), accesses, forks and closes.  Nothing is pinned
 * here, so nothing may be skipped.
 */
static void op_migrate(struct worker *w)
{
	struct cxltier_node_weight nw[MAX_POL];
	struct cxltier_migrate m = { .size = sizeof(m) };
	unsigned int i, rot, slot[MAX_POL];
	struct sbuf *b = buf_get(&w->r);
	uint32_t mode;
	uint64_t g0;
	int r;

	if (!b)
		return;
	pthread_rwlock_rdlock(&b->rw);
	if (b->dead || b->fd < 0) {
		pthread_rwlock_unlock(&b->rw);
		buf_put(b);
		return;
	}
	mode = (uint32_t)rnd(&w->r, CXLTIER_NR_MODES);
	if (!(topo.info.supported_modes >> mode & 1))
		mode = CXLTIER_MODE_BIND;
	rot = (unsigned int)rnd(&w->r, b->nr_pol);
	memset(nw, 0, sizeof(nw));
	for (i = 0; i < b->nr_pol; i++) {
		slot[i] = b->slot[(i + rot) % b->nr_pol];
		nw[i].node = topo.nodes[slot[i]].node;
		if (mode == CXLTIER_MODE_WEIGHTED || mode == CXLTIER_MODE_SPLIT)
			nw[i].weight = (uint32_t)rnd_range(&w->r, 1, 10);
	}
	m.mode = mode;
	m.nr_nodes = b->nr_pol;
	m.nodes = (uintptr_t)nw;
	if ((mode == CXLTIER_MODE_INTERLEAVE || mode == CXLTIER_MODE_WEIGHTED) &&
	    one_in(&w->r, 2))
		m.chunk_shift = b->page_shift + (uint32_t)rnd(&w->r, 4);
	if (one_in(&w->r, 4)) {
		m.flags |= CXLTIER_MIGRATE_ASYNC;
		/* before the ioctl: never known gone */
		__atomic_store_n(&b->async, true, __ATOMIC_SEQ_CST);
	}
	if (one_in(&w->r, 2))
		m.flags |= CXLTIER_MIGRATE_SPLIT_HUGE;
	if (one_in(&w->r, 5))
		m.rate_bytes = 256 * MiB;

	__atomic_add_fetch(&b->migrating, 1, __ATOMIC_SEQ_CST);
	reg_mark(b, REG_MIGRATE);	/* the mode may change from now on */
	g0 = pool_gen_now();
	r = ioctl(b->fd, CXLTIER_IOC_MIGRATE, &m) ? -errno : 0;
	if (b->pool) {
		/*
		 * Pool pages never move: -EOPNOTSUPP, the buffer unchanged;
		 * while the pool is absent its node fails the policy check
		 * first (-ENODEV).
		 */
		if (r == -EOPNOTSUPP || (r == -ENODEV && pool_was_absent(g0))) {
			count(C_POOL_MIGRATE_REFUSED, 1);
			pass();
		} else {
			fail("migrate pool buffer id %" PRIu64 " to mode %u: %s, "
			     "not EOPNOTSUPP", b->id, mode, errname(r));
		}
	} else if (r == -EBUSY) {
		count(C_MIGRATE_BUSY, 1);
		pass();
	} else if (r) {
		fail("migrate buffer id %" PRIu64 " to mode %u over %u nodes "
		     "(flags %#x): %s", b->id, mode, b->nr_pol, m.flags,
		     errname(r));
	} else {
		count(m.flags & CXLTIER_MIGRATE_ASYNC ? C_MIGRATE_ASYNC :
			C_MIGRATE, 1);
		count(C_PAGES_MIGRATED, m.out_moved_pages);
		check(!m.out_skipped_pages &&
		      m.out_moved_pages + m.out_failed_pages <= b->np &&
		      m.out_moved_bytes == m.out_moved_pages * pgsz &&
		      m.out_failed_bytes == m.out_failed_pages * pgsz,
		      "migrate buffer id %" PRIu64 " (%zu pages): moved %llu "
		      "(%llu bytes), skipped %llu, failed %llu (%llu bytes)",
		      b->id, b->np, (unsigned long long)m.out_moved_pages,
		      (unsigned long long)m.out_moved_bytes,
		      (unsigned long long)m.out_skipped_pages,
		      (unsigned long long)m.out_failed_pages,
		      (unsigned long long)m.out_failed_bytes);
	}
	pthread_rwlock_unlock(&b->rw);
	if (!r) {
		struct bstat s;
		bool alone, same = true;

		/*
		 * Record the policy the kernel has now.  Under the write lock
		 * no MIGRATE is in its ioctl (they hold the read lock), so it
		 * is the last one that succeeded: ours, unless another thread
		 * also succeeded and has not recorded yet.
		 */
		pthread_rwlock_wrlock(&b->rw);
		alone = __atomic_load_n(&b->migrating, __ATOMIC_SEQ_CST) == 1;
		if (b->fd >= 0 && !buf_stat(b->fd, &s)) {
			same = s.st.mode == mode &&
			       s.st.chunk_shift == m.chunk_shift &&
			       s.st.nr_policy_nodes == b->nr_pol;
			for (i = 0; i < b->nr_pol && same; i++)
				same = s.pol[i].node == nw[i].node &&
				       s.pol[i].weight == nw[i].weight;
			b->mode = s.st.mode;
			b->chunk_shift = s.st.chunk_shift;
			for (i = 0; i < b->nr_pol; i++) {
				unsigned int k;

				for (k = 0; k < b->nr_pol; k++)
					if (topo.nodes[slot[k]].node ==
					    s.pol[i].node)
						b->slot[i] = slot[k];
				b->pol[i] = s.pol[i];
			}
			b->node = b->pol[0].node;
			/*
			 * Not a verdict: an earlier MIGRATE of this buffer
			 * that failed after installing its policy (EINTR), or
			 * one from a forked child's copy of the fd, changes
			 * the policy without this process seeing it, so
			 * "alone" is not exact.  tests/selftests/migrate_tests.c
			 * checks exactly that MIGRATE installs its policy; here
			 * a mismatch is counted, and the buffer's data checks
			 * (the point of this test) go on against what the
			 * kernel reports.
			 */
			if (!same && alone)
				count(C_MIGRATE_POLICY_RACED, 1);
		}
		__atomic_store_n(&b->migrated, true, __ATOMIC_SEQ_CST);
		__atomic_sub_fetch(&b->migrating, 1, __ATOMIC_SEQ_CST);
		pthread_rwlock_unlock(&b->rw);
	} else {
		__atomic_sub_fetch(&b->migrating, 1, __ATOMIC_SEQ_CST);
	}
	buf_put(b);
}

/*
 * The child of op_fork: verifies the owned pages through @v (inherited) or
 * through its own fresh mapping, writes the next generation, verifies it.
 * Exit status: 0 ok, 2 data mismatch, 3 fault, 4 mmap failed.
 */
static void __attribute__((noreturn))
fork_child(struct sbuf *b, struct view *inherited, bool own_map,
	   uint64_t first, size_t n, const bool *own)
{
	struct view cv, *volatile v = inherited;
	sigjmp_buf jb;
	volatile size_t i = 0;

	snprintf(who, sizeof(who), "child of p%d", proc_idx);
	if (own_map) {
		void *p = mmap(NULL, n * pgsz, PROT_READ | PROT_WRITE,
			       MAP_SHARED, b->fd, (off_t)(first * pgsz));

		if (p == MAP_FAILED) {
			out("FAIL [%s]: mmap buffer id %" PRIu64 " pages %"
			    PRIu64 "+%zu: %s", who, b->id, first, n,
			    errname(errno));
			_exit(4);
		}
		cv.addr = p;
		cv.pgoff = first;
		cv.npages = n;
		cv.kind = "child-fresh";
		v = &cv;
	}
	fault_jb = &jb;
	if (sigsetjmp(jb, 1)) {
		out("FAIL [%s]: %s at %p touching buffer id %" PRIu64 " page %"
		    PRIu64 " through a %s mapping", who,
		    fault_sig == SIGBUS ? "SIGBUS" : "SIGSEGV", fault_addr,
		    b->id, first + i, v->kind);
		_exit(3);
	}
	for (i = 0; i < n; i++) {
		uint64_t page = first + i, got, exp;
		volatile uint64_t *q;
		long wd;
		int pass_;

		if (!own[i])
			continue;
		q = (volatile uint64_t *)(v->addr + (page - v->pgoff) * pgsz);
		for (pass_ = 0; pass_ < 2; pass_++) {
			uint32_t g = b->gen[page] + (uint32_t)pass_;
			char why[160];

			wd = verify_page(q, b->id, page, g, &got, &exp);
			if (wd >= 0) {
				explain_value(b->id, page, (size_t)wd, got, g,
					      why, sizeof(why));
				out("FAIL [%s]: data: buffer id %" PRIu64
				    " (node %u) page %" PRIu64 " word %ld "
				    "%s: expected %016" PRIx64 " got %016"
				    PRIx64 " = %s; through a %s mapping of "
				    "pages %" PRIu64 "+%zu (pfn %#" PRIx64 ")",
				    who, b->id, b->node, page, wd,
				    pass_ ? "after the child's write" :
				    "before the child's write", exp, got, why,
				    v->kind, v->pgoff, v->npages,
				    pfn_of((const void *)q));
				_exit(2);
			}
			if (!pass_)
				write_page(q, b->id, page, g + 1);
		}
	}
	_exit(0);
}

static void op_fork(struct worker *w)
{
	struct sbuf *b = buf_get(&w->r);
	bool own[MAX_BUF_PAGES], fresh, own_map;
	struct view v, v2;
	uint64_t first;
	size_t n, i;
	pid_t pid;
	int st;

	if (!b)
		return;
	pthread_rwlock_rdlock(&b->rw);
	if (b->dead)
		goto out;
	/* the child maps its own view, or uses an inherited persistent one */
	own_map = b->fd >= 0 && (!b->nmaps || one_in(&w->r, 2));
	if (own_map) {
		uint64_t off;
		size_t wn;

		pick_window(&w->r, b->np, &off, &wn);
		v.pgoff = off;
		v.npages = wn;
		v.addr = NULL;
		v.kind = "child-fresh";
	} else if (b->nmaps) {
		v = b->maps[rnd(&w->r, (uint64_t)b->nmaps)];
	} else {
		goto out;
	}
	pick_range(&w->r, &v, &first, &n);
	if (!lock_pages(b, first, n, own))
		goto out;
	/*
	 * A pool buffer's pages are allocated (and verified) by the parent
	 * first: pool pages in use keep the pool from going, so the child
	 * cannot meet an absent pool, and a SIGBUS in it stays a failure.
	 */
	if (b->pool) {
		struct view pv;
		bool pfresh;
		int pr = 1;

		if (second_view(w, b, first, n, &(struct view){ .addr = NULL },
				&pv, &pfresh) >= 0) {
			pr = access_pages(b, &pv, first, n, own, false,
					  "verify-before-fork");
			if (pfresh)
				unmap_view(&pv);
		}
		if (pr) {
			count(C_POOL_FORK_SKIPPED, pr == 2);
			unlock_pages(b, first, n, own);
			goto out;
		}
	}
	for (i = 0; i < n; i++)
		if (own[i])
			mark(b, first + i, PS_INTENT);
	__atomic_add_fetch(&live_children, 1, __ATOMIC_SEQ_CST);
	pid = fork();
	if (pid == 0)
		fork_child(b, &v, own_map, first, n, own);
	if (pid < 0)
		__atomic_sub_fetch(&live_children, 1, __ATOMIC_SEQ_CST);
	count(C_FORK, 1);
	if (pid < 0) {
		fail("fork: %s", errname(errno));
		unlock_pages(b, first, n, own);
		goto out;
	}
	while (waitpid(pid, &st, 0) < 0 && errno == EINTR)
		;
	__atomic_sub_fetch(&live_children, 1, __ATOMIC_SEQ_CST);
	if (WIFEXITED(st) && WEXITSTATUS(st) == 0) {
		size_t nw = 0;

		pass();
		for (i = 0; i < n; i++)
			if (own[i]) {
				b->gen[first + i]++;
				mark(b, first + i, PS_DONE);
				nw++;
			}
		count(C_PAGES_WRITTEN, nw);
		/* what the child wrote, seen by the parent */
		if (second_view(w, b, first, n, &(struct view){ .addr = NULL },
				&v2, &fresh) >= 0) {
			access_pages(b, &v2, first, n, own, false,
				     "verify-after-child");
			if (fresh)
				unmap_view(&v2);
		}
	} else {
		fail("child verifying/writing buffer id %" PRIu64 " pages %"
		     PRIu64 "+%zu through a %s mapping: %s %d", b->id, first,
		     n, v.kind, WIFEXITED(st) ? "exit status" : "signal",
		     WIFEXITED(st) ? WEXITSTATUS(st) : WTERMSIG(st));
		/* resynchronise the pages through a mapping of our own */
		if (second_view(w, b, first, n, &(struct view){ .addr = NULL },
				&v2, &fresh) >= 0) {
			sigjmp_buf jb;

			fault_jb = &jb;
			if (!sigsetjmp(jb, 1))
				for (i = 0; i < n; i++)
					if (own[i])
						write_page((volatile uint64_t *)
							   (v2.addr + (first + i -
							    v2.pgoff) * pgsz),
							   b->id, first + i,
							   ++b->gen[first + i]);
			fault_jb = NULL;
			if (fresh)
				unmap_view(&v2);
		}
	}
	unlock_pages(b, first, n, own);
out:
	pthread_rwlock_unlock(&b->rw);
	buf_put(b);
}

/* ------------------------------------------------------------------------ */
/* Worker processes                                                         */

static const struct {
	void (*fn)(struct worker *w);
	unsigned int weight;
} ops[] = {
	{ op_create, 10 },
	{ op_map, 6 },
	{ op_munmap, 5 },
	{ NULL, 24 },		/* write: op_access(w, true) */
	{ NULL, 18 },		/* verify: op_access(w, false) */
	{ op_stat, 12 },
	{ op_fork, 4 },
	{ op_close_early, 3 },
	{ op_close, 7 },
	{ op_migrate, 6 },
};

static void run_op(struct worker *w)
{
	unsigned int total = 0, x, i;

	if (!table_count()) {
		op_create(w);
		return;
	}
	for (i = 0; i < ARRAY_SIZE(ops); i++)
		total += ops[i].weight;
	x = (unsigned int)rnd(&w->r, total);
	for (i = 0; i < ARRAY_SIZE(ops); i++) {
		if (x < ops[i].weight)
			break;
		x -= ops[i].weight;
	}
	if (i == 3)
		op_access(w, true);
	else if (i == 4)
		op_access(w, false);
	else
		ops[i].fn(w);
}

/*
 * While the pool thread waits for the pool's pages to come back (to see a
 * REMOVE succeed), the workers close their pool buffers that may hold
 * pages (a touch began): one here.  Those never touched stay, to outlive
 * the pool: their touches get SIGBUS while it is absent and pages of the
 * next pool once it is added again.
 */
static bool op_close_pool_buf(void)
{
	struct sbuf *b = NULL;
	unsigned int i;

	pthread_mutex_lock(&table_lock);
	for (i = 0; i < MAX_BUFS && !b; i++)
		if (table[i] && table[i]->pool &&
		    __atomic_load_n(&table[i]->nr_intent, __ATOMIC_SEQ_CST)) {
			b = table[i];
			b->refs++;
		}
	pthread_mutex_unlock(&table_lock);
	if (!b)
		return false;
	if (buf_unlink(b)) {
		pthread_rwlock_wrlock(&b->rw);
		buf_teardown(b);
		pthread_rwlock_unlock(&b->rw);
	}
	buf_put(b);
	return true;
}

static void *worker_thread(void *arg)
{
	struct worker *w = arg;

	snprintf(who, sizeof(who), "p%d.t%d", w->proc, w->thread);
	while (!__atomic_load_n(&sh->stop, __ATOMIC_RELAXED)) {
		if (!pool.on ||
		    !__atomic_load_n(&sh->pool_drain, __ATOMIC_RELAXED) ||
		    !op_close_pool_buf())
			run_op(w);
		__atomic_fetch_add(&sh->heartbeat[w->widx], 1,
				   __ATOMIC_RELAXED);
	}
	return NULL;
}

/*
 * After the threads: every page of every buffer is verified (touching all
 * of them) through a fresh whole mapping and through each persistent one;
 * then BUF_STAT must say the whole rounded length is resident; then all is
 * closed.
 */
static void final_sweep(void)
{
	static bool own[MAX_BUF_PAGES];
	unsigned int i;
	size_t p;

	snprintf(who, sizeof(who), "p%d.final", proc_idx);
	for (p = 0; p < MAX_BUF_PAGES; p++)
		own[p] = true;
	for (i = 0; i < MAX_BUFS; i++) {
		struct sbuf *b = table[i];
		struct view v;
		int m;

		if (!b)
			continue;
		table[i] = NULL;
		if (b->pool && __atomic_load_n(&sh->pool_final,
					       __ATOMIC_SEQ_CST) != 1) {
			/* no pool to touch it in (a failure, reported) */
			buf_teardown(b);
			buf_free(b);
			continue;
		}
		if (b->fd >= 0 && !map_view(NULL, b, 0, b->np, "fresh(final)",
					    &v)) {
			access_pages(b, &v, 0, b->np, own, false, "final");
			count(C_FINAL_PAGES, b->np);
			unmap_view(&v);
		}
		for (m = 0; m < b->nmaps; m++) {
			access_pages(b, &b->maps[m], b->maps[m].pgoff,
				     b->maps[m].npages, own, false,
				     "final-persistent");
			count(C_FINAL_PAGES, b->maps[m].npages);
		}
		if (b->fd >= 0)
			check_stat(b, "final", true);
		buf_teardown(b);
		buf_free(b);
		/* progress, for the main process's hang detection */
		__atomic_fetch_add(&sh->heartbeat[proc_idx * cfg.threads], 1,
				   __ATOMIC_RELAXED);
	}
}

static int worker_process(int proc)
{
	pthread_t th[64];
	struct worker *w;
	unsigned int t;

	proc_idx = proc;
	snprintf(who, sizeof(who), "p%d", proc);
	install_fault_handler();
	w = calloc(cfg.threads, sizeof(*w));
	if (!w)
		return 1;
	for (t = 0; t < cfg.threads; t++) {
		w[t].proc = proc;
		w[t].thread = (int)t;
		w[t].widx = proc * cfg.threads + t;
		rng_seed(&w[t].r, cfg.seed ^ ((uint64_t)(proc + 1) << 32) ^
			 (t + 1) * 0x100000001B3ULL);
		if (pthread_create(&th[t], NULL, worker_thread, &w[t])) {
			fail("pthread_create: %s", errname(errno));
			return 1;
		}
	}
	for (t = 0; t < cfg.threads; t++)
		pthread_join(th[t], NULL);
	/* the sweep touches every page: the pool must be there for it */
	if (pool.on) {
		double end = now_s() + cfg.hang_timeout;

		while (!__atomic_load_n(&sh->pool_final, __ATOMIC_SEQ_CST) &&
		       now_s() < end)
			sleep_ms(20);
		if (__atomic_load_n(&sh->pool_final, __ATOMIC_SEQ_CST) != 1)
			fail("the pool is not there for the final sweep (%s)",
			     sh->pool_final ? "adding it failed" :
			     "the pool thread did not finish");
	}
	final_sweep();
	free(w);
	return 0;
}

/* ------------------------------------------------------------------------ */
/* Memory offline / online of one CXL node                                  */

struct block {
	unsigned int id;
	char online_cmd[16];	/* "online_movable" or "online_kernel" */
	bool offline;		/* we took it offline */
};

static struct block blocks[MAX_BLOCKS];
static unsigned int nr_blocks;

static void block_path(unsigned int id, const char *attr, char *path,
		       size_t len)
{
	snprintf(path, len, "/sys/devices/system/memory/memory%u/%s", id,
		 attr);
}

static bool block_is_online(unsigned int id)
{
	char path[128], buf[64];

	block_path(id, "state", path, sizeof(path));
	return read_text(path, buf, sizeof(buf)) > 0 &&
	       !strncmp(buf, "online", 6);
}

/* The node's memory blocks that are online now. */
static int find_blocks(int node)
{
	char path[128], buf[128];
	struct dirent *e;
	DIR *d;

	snprintf(path, sizeof(path), "/sys/devices/system/node/node%d", node);
	d = opendir(path);
	if (!d)
		return -errno;
	while ((e = readdir(d)) && nr_blocks < MAX_BLOCKS) {
		unsigned int id;
		char c;

		if (sscanf(e->d_name, "memory%u%c", &id, &c) != 1)
			continue;
		if (!block_is_online(id))
			continue;
		blocks[nr_blocks].id = id;
		block_path(id, "valid_zones", path, sizeof(path));
		if (read_text(path, buf, sizeof(buf)) > 0 &&
		    !strncmp(buf, "Movable", 7))
			strcpy(blocks[nr_blocks].online_cmd, "online_movable");
		else
			strcpy(blocks[nr_blocks].online_cmd, "online_kernel");
		nr_blocks++;
	}
	closedir(d);
	return (int)nr_blocks;
}

#define STATE_TIMEOUT 1000

/*
 * Writes @state to memory block @id from a child that an alarm kills after
 * @timeout_s (offline_pages() retries until a signal comes).  Returns 0,
 * -errno, or STATE_TIMEOUT; a child that does not even die of SIGKILL is
 * reported and left behind.
 */
static int set_block_state(unsigned int id, const char *state,
			   unsigned int timeout_s)
{
	double deadline;
	pid_t pid;
	int st;

	pid = fork();
	if (pid < 0)
		return -errno;
	if (!pid) {
		char path[128];
		int r;

		block_path(id, "state", path, sizeof(path));
		alarm(timeout_s);
		r = write_text(path, state);
		_exit(r ? -r & 0xff : 0);
	}
	deadline = now_s() + timeout_s + 30;
	for (;;) {
		pid_t r = waitpid(pid, &st, WNOHANG);

		if (r == pid)
			break;
		if (r < 0 && errno != EINTR)
			return -errno;
		if (now_s() > deadline) {
			char path[64], wchan[128] = "";

			snprintf(path, sizeof(path), "/proc/%d/wchan", pid);
			read_text(path, wchan, sizeof(wchan));
			fail("writing \"%s\" to memory%u: the writer ignores "
			     "SIGALRM and SIGKILL (wchan %s): a hang", state,
			     id, wchan);
			kill(pid, SIGKILL);
			return STATE_TIMEOUT;
		}
		sleep_ms(50);
	}
	if (WIFSIGNALED(st))
		return STATE_TIMEOUT;
	return WEXITSTATUS(st) ? -WEXITSTATUS(st) : 0;
}

static void online_block(struct block *bl)
{
	int r = set_block_state(bl->id, bl->online_cmd, 60);

	if (r == -EINVAL && block_is_online(bl->id))
		r = 0;		/* it was online already */
	count(C_ONLINE, 1);
	check(r == 0, "onlining memory%u (%s): %s", bl->id, bl->online_cmd,
	      r == STATE_TIMEOUT ? "timed out" : errname(r));
	if (!r)
		bl->offline = false;
}

static void *offliner(void *arg)
{
	struct rng r;
	unsigned int max_off = nr_blocks / 4 ? nr_blocks / 4 : 1, nr_off = 0;
	unsigned int i;

	(void)arg;
	snprintf(who, sizeof(who), "offliner");
	rng_seed(&r, cfg.seed ^ 0x0FF11E);
	while (!__atomic_load_n(&sh->stop, __ATOMIC_RELAXED)) {
		struct block *bl = &blocks[rnd(&r, nr_blocks)];

		if (!bl->offline && nr_off < max_off) {
			int e = set_block_state(bl->id, "offline",
						cfg.offline_timeout);

			if (!e) {
				count(C_OFFLINE_OK, 1);
				bl->offline = true;
				nr_off++;
			} else if (e == -EBUSY) {
				count(C_OFFLINE_EBUSY, 1);
			} else if (e == STATE_TIMEOUT) {
				count(C_OFFLINE_TIMEOUT, 1);
				out("note: offlining memory%u did not finish "
				    "in %u s", bl->id, cfg.offline_timeout);
			} else {
				count(C_OFFLINE_OTHER, 1);
				fail("offlining memory%u: %s", bl->id,
				     errname(e));
			}
			if (cfg.verbose)
				out("offline memory%u: %s", bl->id,
				    e == STATE_TIMEOUT ? "timeout" : errname(e));
		}
		sleep_ms((unsigned int)rnd_range(&r, 100, 1000));
		for (i = 0; i < nr_blocks; i++)
			if (blocks[i].offline &&
			    (nr_off == max_off || one_in(&r, 2))) {
				online_block(&blocks[i]);
				if (!blocks[i].offline)
					nr_off--;
			}
	}
	for (i = 0; i < nr_blocks; i++)
		if (blocks[i].offline)
			online_block(&blocks[i]);
	return NULL;
}

/* ------------------------------------------------------------------------ */
/* Compaction                                                               */

static void *compactor(void *arg)
{
	struct rng r;
	char path[128];

	(void)arg;
	snprintf(who, sizeof(who), "compactor");
	rng_seed(&r, cfg.seed ^ 0xC0C0A);
	while (!__atomic_load_n(&sh->stop, __ATOMIC_RELAXED)) {
		int e;

		if (one_in(&r, 5)) {
			snprintf(path, sizeof(path),
				 "/proc/sys/vm/compact_memory");
		} else {
			/* CXL nodes twice as often: that is where pages move */
			const struct cxltier_node_info *n =
				&topo.nodes[rnd(&r, topo.nr)];

			if (n->tier != CXLTIER_TIER_CXL && one_in(&r, 2))
				n = &topo.nodes[rnd(&r, topo.nr)];
			snprintf(path, sizeof(path),
				 "/sys/devices/system/node/node%u/compact",
				 n->node);
		}
		e = write_text(path, "1");
		count(C_COMPACT, 1);
		check(e == 0, "writing 1 to %s: %s", path, errname(e));
		sleep_ms((unsigned int)rnd_range(&r, 100, 600));
	}
	return NULL;
}

/* ------------------------------------------------------------------------ */
/* The device-dax pool: setup, the pool thread, teardown                    */

/* POOL_ADD of the dax device's range: 0 (id in *@id) or -errno. */
static int pool_add_ioctl(uint32_t *id)
{
	struct cxltier_pool_add a = {
		.size = sizeof(a),
		.start = pool.start,
		.length = pool.len,
		.node = pool.node,
	};

	memcpy(a.name, pool.dax, strlen(pool.dax));
	if (ioctl(dev, CXLTIER_IOC_POOL_ADD, &a) < 0)
		return -errno;
	*id = a.out_id;
	return 0;
}

static int pool_remove_ioctl(uint32_t id)
{
	struct cxltier_pool_remove rm = { .size = sizeof(rm), .id = id };

	return ioctl(dev, CXLTIER_IOC_POOL_REMOVE, &rm) < 0 ? -errno : 0;
}

/*
 * POOL_LIST against what sysfs said of the dax device: with @present, our
 * pool listed once, with its current id, node, range and length, and its
 * page counts adding up (free bytes = length - used and busy pages, the
 * longest free run and the free 2 MiB blocks within the free bytes, pinned
 * pages among the used and busy ones); without, no pool of our name and
 * none with the id it had.  @idle: no buffer may hold its pages (nothing
 * used, nothing busy, all of it free).  One check.
 */
static void pool_check_list(const char *when, bool present, bool idle)
{
	struct cxltier_pool_info pi[MAX_POOLS];
	const struct cxltier_pool_info *p;
	int n = pool_list(pi), i, named = 0, same_id = 0;
	uint32_t id = __atomic_load_n(&sh->pool_id, __ATOMIC_SEQ_CST);

	count(C_POOL_LIST, 1);
	if (n < 0) {
		fail("POOL_LIST %s: %s", when, errname(n));
		return;
	}
	for (i = 0; i < n && i < MAX_POOLS; i++) {
		named += !strncmp(pi[i].name, pool.dax, sizeof(pi[i].name));
		same_id += pi[i].id == id;
	}
	p = pool_find(pi, n);
	if (!present) {
		check(!named && !same_id,
		      "POOL_LIST %s: %d pools named %s, %d with id %u, after "
		      "the pool was removed", when, named, pool.dax, same_id,
		      id);
		return;
	}
	if (named != 1 || !p) {
		fail("POOL_LIST %s: %d pools named %s (of %d), expected 1",
		     when, named, pool.dax, n);
		return;
	}
	check(p->id == id && p->node == pool.node && p->start == pool.start &&
	      p->length == pool.len && p->used_pages + p->busy_pages <=
	      pool.len / pgsz &&
	      p->free_bytes == pool.len - (p->used_pages + p->busy_pages) *
	      pgsz && p->largest_free_bytes <= p->free_bytes &&
	      p->free_huge_blocks * POOL_BLOCK <= p->free_bytes &&
	      (!p->free_huge_blocks || p->largest_free_bytes >= POOL_BLOCK) &&
	      p->pinned_pages <= p->used_pages + p->busy_pages &&
	      (!idle || (!p->used_pages && !p->busy_pages &&
			 p->free_bytes == pool.len &&
			 p->largest_free_bytes == pool.len &&
			 p->free_huge_blocks == pool.len / POOL_BLOCK)),
	      "POOL_LIST %s: pool id %u node %u start %#llx length %llu "
	      "free %llu largest free %llu used %llu busy %llu pinned %llu "
	      "free 2 MiB blocks %llu; expected id %u node %u start %#llx "
	      "length %llu%s", when, p->id, p->node,
	      (unsigned long long)p->start, (unsigned long long)p->length,
	      (unsigned long long)p->free_bytes,
	      (unsigned long long)p->largest_free_bytes,
	      (unsigned long long)p->used_pages,
	      (unsigned long long)p->busy_pages,
	      (unsigned long long)p->pinned_pages,
	      (unsigned long long)p->free_huge_blocks, id, pool.node,
	      (unsigned long long)pool.start, (unsigned long long)pool.len,
	      idle ? ", all of it free" : "");
}

static void pool_set_state(int st)
{
	__atomic_store_n(&sh->pool_state, st, __ATOMIC_SEQ_CST);
}

/* A bind CREATE on the pool's node: the fd, or -errno. */
static int pool_node_create(uint64_t len, uint32_t flags)
{
	struct cxltier_node_weight nw = { .node = pool.node };
	struct cxltier_create c = {
		.size = sizeof(c),
		.flags = flags,
		.length = len,
		.mode = CXLTIER_MODE_BIND,
		.nr_nodes = 1,
		.nodes = (uintptr_t)&nw,
	};

	if (ioctl(dev, CXLTIER_IOC_CREATE, &c) < 0) {
		int e = errno;

		__atomic_fetch_add(&sh->create_failed, 1, __ATOMIC_RELAXED);
		return -e;
	}
	note_max(&sh->max_id, c.out_id);
	return c.out_fd;
}

/*
 * REMOVE, as the pool thread does it: EBUSY changes nothing (the pool is
 * listed as before); success takes it out of POOL_LIST and /proc/iomem
 * and makes its node refuse buffers (-ENODEV: it has no memory of its
 * own).  Returns what REMOVE returned.
 */
static int pool_do_remove(void)
{
	uint32_t id = sh->pool_id;
	int r, fd;

	pool_set_state(POOL_REMOVING);
	r = pool_remove_ioctl(id);
	if (r) {
		pool_set_state(POOL_PRESENT);
		if (r == -EBUSY) {
			count(C_POOL_REMOVE_EBUSY, 1);
			pool_check_list("after an EBUSY remove", true, false);
		} else {
			fail("POOL_REMOVE of pool %u (%s): %s", id, pool.dax,
			     errname(r));
		}
		return r;
	}
	__atomic_add_fetch(&sh->pool_gen, 1, __ATOMIC_SEQ_CST);
	pool_set_state(POOL_ABSENT);
	count(C_POOL_REMOVE, 1);
	pass();
	pool_check_list("after a remove", false, false);
	check(!iomem_has(pool.dax), "/proc/iomem still has %s after pool %u "
	      "was removed", pool.dax, id);
	fd = pool_node_create(4 * MiB, 0);
	if (fd >= 0)
		close(fd);
	count(C_POOL_ABSENT_ENODEV, fd == -ENODEV);
	check(fd == -ENODEV, "CREATE on node %u after its pool was removed: "
	      "%s, expected ENODEV", pool.node, fd >= 0 ? "success" :
	      errname(fd));
	return 0;
}

/* ADD again: a new id (ids are unique while the module is loaded). */
static int pool_do_add(uint32_t **ids, size_t *nr_ids)
{
	uint32_t id = 0;
	size_t i;
	int r;

	pool_set_state(POOL_ADDING);
	r = pool_add_ioctl(&id);
	if (r) {
		pool_set_state(POOL_ABSENT);
		fail("POOL_ADD of %s (%#llx, %llu bytes, node %u) again: %s",
		     pool.dax, (unsigned long long)pool.start,
		     (unsigned long long)pool.len, pool.node, errname(r));
		return r;
	}
	__atomic_store_n(&sh->pool_id, id, __ATOMIC_SEQ_CST);
	__atomic_add_fetch(&sh->pool_gen, 1, __ATOMIC_SEQ_CST);
	pool_set_state(POOL_PRESENT);
	count(C_POOL_ADD, 1);
	for (i = 0; i < *nr_ids && (*ids)[i] != id; i++)
		;
	check(id && i == *nr_ids, "POOL_ADD of %s again gave id %u, %s",
	      pool.dax, id, id ? "an id a pool had before" : "zero");
	*ids = realloc(*ids, (*nr_ids + 1) * sizeof(**ids));
	if (!*ids)
		abort();
	(*ids)[(*nr_ids)++] = id;
	pool_check_list("after an add", true, false);
	return 0;
}

/*
 * A buffer of our own holding pool pages (populated): REMOVE must be EBUSY
 * and change nothing, POOL_LIST must count its pages as used.
 */
static void pool_held_remove(void)
{
	struct cxltier_pool_info pi[MAX_POOLS];
	const struct cxltier_pool_info *p;
	uint64_t len = 64 * KiB;
	int fd = pool_node_create(len, CXLTIER_CREATE_POPULATE), r, n;

	if (fd == -ENOMEM && pool_free_bytes() < (long long)len) {
		count(C_POOL_CREATE_ENOMEM, 1);
		return;
	}
	if (fd < 0) {
		fail("populated CREATE of %llu bytes on the pool's node %u: %s",
		     (unsigned long long)len, pool.node, errname(fd));
		return;
	}
	n = pool_list(pi);
	p = n > 0 ? pool_find(pi, n) : NULL;
	check(p && p->used_pages >= len / pgsz, "POOL_LIST with a populated "
	      "%llu KiB pool buffer: %s %llu used pages",
	      (unsigned long long)len / 1024, p ? "" : "no pool,",
	      p ? (unsigned long long)p->used_pages : 0ULL);
	pool_set_state(POOL_REMOVING);
	r = pool_remove_ioctl(sh->pool_id);
	if (!r) {
		__atomic_add_fetch(&sh->pool_gen, 1, __ATOMIC_SEQ_CST);
		pool_set_state(POOL_ABSENT);
	} else {
		pool_set_state(POOL_PRESENT);
	}
	count(C_POOL_HELD_EBUSY, r == -EBUSY);
	check(r == -EBUSY, "POOL_REMOVE of pool %u while a buffer of ours "
	      "holds %llu KiB of it: %s, expected EBUSY", sh->pool_id,
	      (unsigned long long)len / 1024, errname(r));
	if (r == -EBUSY)
		pool_check_list("after an EBUSY remove (own buffer)", true,
				false);
	close(fd);
}

/* Sleeps @ms in steps, returning early (true) on the stop. */
static bool sleep_or_stop(unsigned int ms)
{
	while (ms && !__atomic_load_n(&sh->stop, __ATOMIC_RELAXED)) {
		unsigned int step = ms < 50 ? ms : 50;

		sleep_ms(step);
		ms -= step;
	}
	return __atomic_load_n(&sh->stop, __ATOMIC_RELAXED);
}

/*
 * The pool thread: the pool is there for a while (workers use it), then a
 * REMOVE (EBUSY while any pool buffer holds pages); every other time the
 * workers are asked to close their pool buffers and REMOVE is retried
 * until it succeeds (up to 10 s); the pool stays away for a while (workers'
 * creates get ENODEV) and is added again.  At the stop it is added again
 * if absent, for the workers' final sweep.
 */
static void *pooler(void *arg)
{
	uint32_t *ids = NULL;
	size_t nr_ids = 0;
	struct rng r;
	int e;

	(void)arg;
	snprintf(who, sizeof(who), "pool");
	rng_seed(&r, cfg.seed ^ 0xDA0D);
	ids = malloc(sizeof(*ids));
	if (!ids)
		abort();
	ids[nr_ids++] = sh->pool_id;
	while (!__atomic_load_n(&sh->stop, __ATOMIC_RELAXED)) {
		if (sh->pool_state == POOL_ABSENT) {
			if (sleep_or_stop((unsigned int)rnd_range(&r, 100, 800)))
				break;
			if (pool_do_add(&ids, &nr_ids))
				sleep_or_stop(1000);
			continue;
		}
		if (sleep_or_stop((unsigned int)rnd_range(&r, 200, 1500)))
			break;
		pool_check_list("while in use", true, false);
		if (one_in(&r, 3)) {
			pool_held_remove();
			if (sh->pool_state == POOL_ABSENT)
				continue;
		}
		e = pool_do_remove();
		if (e != -EBUSY || one_in(&r, 2))
			continue;
		/* drain: the workers close their pool buffers */
		count(C_POOL_DRAIN, 1);
		__atomic_store_n(&sh->pool_drain, 1, __ATOMIC_SEQ_CST);
		{
			double end = now_s() + 10;

			while (e == -EBUSY && now_s() < end &&
			       !sleep_or_stop((unsigned int)rnd_range(&r, 20,
								      100)))
				e = pool_do_remove();
		}
		__atomic_store_n(&sh->pool_drain, 0, __ATOMIC_SEQ_CST);
		count(C_POOL_DRAIN_GAVE_UP, e == -EBUSY &&
		      !__atomic_load_n(&sh->stop, __ATOMIC_RELAXED));
	}
	if (sh->pool_state == POOL_ABSENT)
		pool_do_add(&ids, &nr_ids);
	__atomic_store_n(&sh->pool_final,
			 sh->pool_state == POOL_PRESENT ? 1 : 2,
			 __ATOMIC_SEQ_CST);
	free(ids);
	return NULL;
}

/*
 * Before the workers: the dax device, if there is one in devdax mode whose
 * target node has no memory of its own, unbound from device_dax and added
 * as a pool.  Without one the pool parts are skipped (and say so).
 */
static void pool_setup(void)
{
	const char *why = NULL;
	uint64_t node = 0;
	int r;

	if (cfg.no_pool) {
		out("stress: pool: off (--no-pool)");
		return;
	}
	r = devdax_find(pool.dax, sizeof(pool.dax));
	if (r) {
		out("stress: pool: SKIPPED: no dax device in devdax mode "
		    "(bound to device_dax): %s; no pool operations",
		    errname(r));
		return;
	}
	if (devdax_u64(pool.dax, "resource", &pool.start) ||
	    devdax_u64(pool.dax, "size", &pool.len) ||
	    devdax_u64(pool.dax, "target_node", &node)) {
		fail("pool: cannot read %s's resource, size or target_node",
		     pool.dax);
		return;
	}
	pool.node = (unsigned int)node;
	if (node_in_table(pool.node))
		why = "its target node has memory of its own";
	else if ((pool.start | pool.len) % POOL_BLOCK || !pool.len)
		why = "its range is not made of whole 2 MiB blocks";
	else if (topo.nr + 1 > MAX_TNODES)
		why = "too many nodes";
	if (why) {
		out("stress: pool: SKIPPED: %s (node %u): %s; no pool "
		    "operations", pool.dax, pool.node, why);
		return;
	}
	r = devdax_bind(pool.dax, false);
	if (r || devdax_bound(pool.dax)) {
		fail("pool: unbinding %s from device_dax: %s", pool.dax,
		     errname(r));
		return;
	}
	pool.unbound = true;
	r = pool_add_ioctl(&sh->pool_id);
	check(!r, "POOL_ADD of %s (%#llx, %llu bytes, node %u): %s", pool.dax,
	      (unsigned long long)pool.start, (unsigned long long)pool.len,
	      pool.node, errname(r));
	if (r) {
		r = devdax_bind(pool.dax, true);
		if (r)
			fail("pool: binding %s to device_dax again: %s",
			     pool.dax, errname(r));
		pool.unbound = false;
		return;
	}
	count(C_POOL_ADD, 1);
	sh->pool_state = POOL_PRESENT;
	pool.on = true;
	pool_check_list("after the first add", true, true);

	/* a table entry past the end, for pick_policy() and op_migrate() */
	topo.nodes = realloc(topo.nodes, (topo.nr + 1) * sizeof(*topo.nodes));
	if (!topo.nodes)
		abort();
	memset(&topo.nodes[topo.nr], 0, sizeof(topo.nodes[0]));
	topo.nodes[topo.nr].node = pool.node;
	topo.nodes[topo.nr].total_bytes = pool.len;
	pool.slot = topo.nr;
	budget_cap[pool.slot] = pool.len / 6 > 160 * MiB ? 160 * MiB :
				pool.len / 6;
	if (cfg.node_budget)
		budget_cap[pool.slot] = cfg.node_budget;
	out("stress: pool: %s, node %u, %llu MiB at %#llx: pool id %u, "
	    "budget %llu MiB; removed and added again during the run",
	    pool.dax, pool.node, (unsigned long long)pool.len / MiB,
	    (unsigned long long)pool.start, sh->pool_id,
	    budget_cap[pool.slot] / MiB);
}

/*
 * After the workers (every buffer closed): nothing of the pool used, its
 * node's cxltier accounting back to nothing, REMOVE succeeds (retried
 * briefly: nothing here pins, but give a straggling reference time), and
 * the dax device is bound to device_dax again, as it was.
 */
static void pool_teardown(void)
{
	double end = now_s() + 10;
	int r = 0, k;

	if (!pool.unbound)
		return;
	if (pool.on && sh->pool_state == POOL_PRESENT) {
		pool_check_list("after every buffer was closed", true, true);
		for (k = 0; k < 2; k++) {
			static const char *const files[] = { "used_bytes",
							     "reserved_bytes" };
			char path[160], txt[64];
			int n;

			snprintf(path, sizeof(path), "/sys/class/misc/cxltier/"
				 "nodes/node%u/%s", pool.node, files[k]);
			n = read_text(path, txt, sizeof(txt));
			if (n == -ENOENT)	/* a module without quotas */
				continue;
			check(n > 0 && !strcmp(txt, "0\n"),
			      "pool node %u %s is %s after every buffer is gone",
			      pool.node, files[k], n > 0 ? txt : errname(n));
		}
		while ((r = pool_remove_ioctl(sh->pool_id)) == -EBUSY &&
		       now_s() < end)
			sleep_ms(50);
		check(!r, "POOL_REMOVE of pool %u (%s) after every buffer was "
		      "closed: %s", sh->pool_id, pool.dax, errname(r));
		if (!r) {
			count(C_POOL_REMOVE, 1);
			pool_set_state(POOL_ABSENT);
			pool_check_list("at the end", false, false);
		}
	}
	if (!r) {
		r = devdax_bind(pool.dax, true);
		check(!r && devdax_bound(pool.dax), "binding %s to device_dax "
		      "again (as it was): %s", pool.dax, errname(r));
	} else {
		fail("%s left unbound from device_dax: its pool is still "
		     "there", pool.dax);
	}
}

/* ------------------------------------------------------------------------ */
/* Main                                                                     */

static void usage(FILE *f)
{
	fprintf(f,
"usage: cxltier_stress [OPTIONS]\n"
"  --duration S         seconds of random operations (default 60)\n"
"  --seed N             random seed (default: from the clock; printed)\n"
"  --procs P            worker processes (default 2)\n"
"  --threads T          threads per worker process (default 4)\n"
"  --offline-node N     CXL node whose memory blocks go offline and online\n"
"                       (default: the first movable-only CXL node)\n"
"  --no-offline         no memory offline/online\n"
"  --no-compact         no compaction\n"
"  --no-pool            leave the devdax device alone (default: add it as a\n"
"                       device-dax pool, remove and re-add it meanwhile)\n"
"  --offline-timeout S  alarm for one offline attempt (default 30)\n"
"  --node-budget-mib M  buffer bytes per node (default: 1/6 of a node\n"
"                       without CPUs, max 160 MiB; 1/16 with, max 96 MiB)\n"
"  --basic              only what API 1 first had: bind to one node, 4 KiB\n"
"                       pages, no create flags (default: also every mode,\n"
"                       flag and page size GET_INFO reports)\n"
"  --exclude-flags M    never use these CXLTIER_CREATE_* bits (e.g. 0x2:\n"
"                       no CXLTIER_CREATE_POPULATE)\n"
"  --hang-timeout S     no progress for this long is a hang (default 120)\n"
"  --no-netlink         no generic netlink dumps, requests and event\n"
"                       listener (default: on when the family resolves)\n"
"  --verbose            more output\n"
"Exit status 0 when every check passed, 1 otherwise.\n");
}

static void parse_args(int argc, char **argv)
{
	static const struct option lo[] = {
		{ "duration", required_argument, NULL, 'd' },
		{ "seed", required_argument, NULL, 's' },
		{ "procs", required_argument, NULL, 'p' },
		{ "threads", required_argument, NULL, 't' },
		{ "offline-node", required_argument, NULL, 'o' },
		{ "no-offline", no_argument, NULL, 'O' },
		{ "no-compact", no_argument, NULL, 'C' },
		{ "no-pool", no_argument, NULL, 'P' },
		{ "offline-timeout", required_argument, NULL, 'T' },
		{ "node-budget-mib", required_argument, NULL, 'b' },
		{ "hang-timeout", required_argument, NULL, 'H' },
		{ "exclude-flags", required_argument, NULL, 'X' },
		{ "verbose", no_argument, NULL, 'v' },
		{ "basic", no_argument, NULL, 'B' },
		{ "no-netlink", no_argument, NULL, 'N' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	bool seeded = false;
	int c;

	while ((c = getopt_long(argc, argv, "d:s:p:t:vh", lo, NULL)) != -1) {
		switch (c) {
		case 'd':
			cfg.duration = strtod(optarg, NULL);
			break;
		case 's':
			cfg.seed = strtoull(optarg, NULL, 0);
			seeded = true;
			break;
		case 'p':
			cfg.procs = (unsigned int)strtoul(optarg, NULL, 0);
			break;
		case 't':
			cfg.threads = (unsigned int)strtoul(optarg, NULL, 0);
			break;
		case 'o':
			cfg.offline_node = (int)strtol(optarg, NULL, 0);
			break;
		case 'O':
			cfg.no_offline = true;
			break;
		case 'C':
			cfg.no_compact = true;
			break;
		case 'P':
			cfg.no_pool = true;
			break;
		case 'T':
			cfg.offline_timeout =
				(unsigned int)strtoul(optarg, NULL, 0);
			break;
		case 'b':
			cfg.node_budget = strtoull(optarg, NULL, 0) * MiB;
			break;
		case 'X':
			cfg.exclude_flags = (uint32_t)strtoul(optarg, NULL, 0);
			break;
		case 'H':
			cfg.hang_timeout = (unsigned int)strtoul(optarg, NULL, 0);
			break;
		case 'v':
			cfg.verbose = true;
			break;
		case 'B':
			cfg.basic = true;
			break;
		case 'N':
			cfg.no_netlink = true;
			break;
		case 'h':
			usage(stdout);
			exit(0);
		default:
			usage(stderr);
			exit(1);
		}
	}
	if (optind < argc || cfg.duration < 0 || !cfg.procs || !cfg.threads ||
	    cfg.procs * cfg.threads > 64 || cfg.threads > 64 ||
	    !cfg.offline_timeout || !cfg.hang_timeout) {
		usage(stderr);
		exit(1);
	}
	if (!seeded) {
		struct timespec ts;

		clock_gettime(CLOCK_REALTIME, &ts);
		cfg.seed = ((uint64_t)ts.tv_sec * 1000003ULL) ^
			   (uint64_t)ts.tv_nsec ^ ((uint64_t)getpid() << 20);
		cfg.seed %= 1000000000ULL;
	}
}

/*
 * The kernel stack of each thread of a process that does not finish, and of
 * its children (a forked child of a worker, say), as far as /proc tells.
 */
static void dump_stacks(pid_t pid)
{
	char path[320], buf[4096], kids[1024];
	struct dirent *e;
	DIR *d;

	snprintf(path, sizeof(path), "/proc/%d/task", pid);
	d = opendir(path);
	if (!d)
		return;
	while ((e = readdir(d))) {
		if (e->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "/proc/%d/task/%s/stack", pid,
			 e->d_name);
		if (read_text(path, buf, sizeof(buf)) > 0)
			out("task %d/%s kernel stack:\n%s", pid, e->d_name,
			    buf);
		snprintf(path, sizeof(path), "/proc/%d/task/%s/children", pid,
			 e->d_name);
		if (read_text(path, kids, sizeof(kids)) > 0) {
			char *k = kids, *end;

			for (;;) {
				long c = strtol(k, &end, 10);

				if (end == k)
					break;
				if (c > 0)
					dump_stacks((pid_t)c);
				k = end;
			}
		}
	}
	closedir(d);
}

/* Waits up to @secs for @pid; 0 when reaped (status in *@st), else -1. */
static int wait_pid_timeout(pid_t pid, int *st, double secs)
{
	double deadline = now_s() + secs;

	for (;;) {
		pid_t r = waitpid(pid, st, WNOHANG);

		if (r == pid)
			return 0;
		if (r < 0 && errno != EINTR)
			return -1;
		if (now_s() > deadline)
			return -1;
		sleep_ms(100);
	}
}

/* A bad kernel log line: shown; the count of them is one check. */
static void report_kmsg_line(const char *line)
{
	out("kernel log: %s", line);
}

/* Joins a thread of ours, or reports it stuck (and its kernel stack). */
static void join_or_report(pthread_t th, const char *name)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	ts.tv_sec += cfg.hang_timeout;
	if (pthread_timedjoin_np(th, NULL, &ts)) {
		fail("the %s thread did not finish within %u s of the stop: "
		     "a hang", name, cfg.hang_timeout);
		dump_stacks(getpid());
	}
}

#include "stress_nl.c"

int main(int argc, char **argv)
{
	struct node_free base[MAX_TNODES];
	pthread_t off_th, cmp_th, pool_th;
	bool off_on = false, cmp_on = false, pool_th_on = false;
	pid_t pids[64];
	double t0, t_end, last_progress;
	unsigned int i, p;
	bool alive[64], hung[64] = { false }, cmp_hung = false;
	uint64_t last_beat[64] = { 0 }, last_compact = 0;
	double beat_at[64], compact_at;
	int offnode = -1, kbad = 0;
	struct kmsg kmsg;

	setvbuf(stdout, NULL, _IOLBF, 0);
	parse_args(argc, argv);
	sh = mmap(NULL, sizeof(*sh), PROT_READ | PROT_WRITE,
		  MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (sh == MAP_FAILED) {
		perror("mmap");
		return 1;
	}
	out("stress: seed %" PRIu64 ", duration %.0f s, %u processes x %u "
	    "threads", cfg.seed, cfg.duration, cfg.procs, cfg.threads);

	dev = open(CXLTIER_DEVICE_PATH, O_RDWR | O_CLOEXEC);
	if (dev < 0) {
		out("stress: open %s: %s", CXLTIER_DEVICE_PATH,
		    errname(errno));
		out("stress: 0 passed, 1 failed");
		return 1;
	}
	i = (unsigned int)topo_load(dev, &topo);
	if ((int)i < 0 || !topo.nr || topo.nr > MAX_TNODES) {
		out("stress: GET_INFO: %s, %u nodes", errname((int)i), topo.nr);
		out("stress: 0 passed, 1 failed");
		return 1;
	}

	/* the node whose memory goes offline and online */
	if (!cfg.no_offline) {
		if (cfg.offline_node >= 0) {
			offnode = cfg.offline_node;
		} else {
			for (i = 0; i < topo.nr; i++)
				if (topo.nodes[i].tier == CXLTIER_TIER_CXL &&
				    (topo.nodes[i].flags &
				     CXLTIER_NODE_MOVABLE_ONLY)) {
					offnode = (int)topo.nodes[i].node;
					break;
				}
		}
		if (offnode >= 0 && find_blocks(offnode) <= 1) {
			out("stress: node %d has %u online memory blocks: no "
			    "offline/online", offnode, nr_blocks);
			offnode = -1;
		}
		if (offnode < 0)
			out("stress: no CXL node to offline memory of");
	}

	for (i = 0; i < topo.nr; i++) {
		const struct cxltier_node_info *n = &topo.nodes[i];
		bool cpus = n->flags & CXLTIER_NODE_HAS_CPUS;
		unsigned long long cap = cpus ? n->total_bytes / 16 :
					 n->total_bytes / 6;

		if (cap > (cpus ? 96 : 160) * MiB)
			cap = (cpus ? 96 : 160) * MiB;
		if (cfg.node_budget)
			cap = cfg.node_budget;
		budget_cap[i] = cap;
		out("stress: node %u: %s%s%s, %llu MiB, %llu MiB free, budget "
		    "%llu MiB%s", n->node,
		    n->tier == CXLTIER_TIER_CXL ? "CXL" : "DRAM",
		    cpus ? ", CPUs" : "",
		    n->flags & CXLTIER_NODE_MOVABLE_ONLY ? ", movable" : "",
		    (unsigned long long)n->total_bytes / MiB,
		    (unsigned long long)n->free_bytes / MiB, cap / MiB,
		    (int)n->node == offnode ? ", memory blocks go offline" :
		    "");
	}
	if (offnode >= 0)
		out("stress: node %d: %u memory blocks, up to %u offline at "
		    "once", offnode, nr_blocks,
		    nr_blocks / 4 ? nr_blocks / 4 : 1);
	/* before the free memory baseline: the pool's memmap is allocated */
	pool_setup();

	if (read_free_base(dev, &topo, base, "stress"))
		return 1;

	kmsg_mark(&kmsg);
	t0 = now_s();
	compact_at = t0;
	for (p = 0; p < cfg.procs; p++) {
		beat_at[p] = t0;
		pids[p] = fork();
		if (pids[p] < 0) {
			fail("fork: %s", errname(errno));
			pids[p] = 0;
			continue;
		}
		if (!pids[p]) {
			close(dev);
			dev = open(CXLTIER_DEVICE_PATH, O_RDWR | O_CLOEXEC);
			if (dev < 0) {
				fail("open %s: %s", CXLTIER_DEVICE_PATH,
				     errname(errno));
				_exit(1);
			}
			_exit(worker_process((int)p));
		}
		alive[p] = true;
	}
	/* listening before the pool thread and the offliner start */
	nl_start();
	if (offnode >= 0) {
		off_on = !pthread_create(&off_th, NULL, offliner, NULL);
		if (!off_on)
			fail("pthread_create: offliner");
	}
	if (!cfg.no_compact) {
		cmp_on = !pthread_create(&cmp_th, NULL, compactor, NULL);
		if (!cmp_on)
			fail("pthread_create: compactor");
	}
	if (pool.on) {
		pool_th_on = !pthread_create(&pool_th, NULL, pooler, NULL);
		if (!pool_th_on) {
			fail("pthread_create: pool thread");
			sh->pool_final = 1;	/* the pool stays, unmoved */
		}
	}

	t_end = t0 + cfg.duration;
	last_progress = t0;
	while (now_s() < t_end) {
		sleep_ms(250);
		for (p = 0; p < cfg.procs; p++) {
			int st;

			if (!pids[p] || !alive[p] ||
			    waitpid(pids[p], &st, WNOHANG) != pids[p])
				continue;
			alive[p] = false;
			fail("worker process %u (pid %d) ended early: %s %d", p,
			     pids[p], WIFEXITED(st) ? "exit status" : "signal",
			     WIFEXITED(st) ? WEXITSTATUS(st) : WTERMSIG(st));
		}
		/* a worker process or the compactor without progress */
		for (p = 0; p < cfg.procs; p++) {
			uint64_t beat = 0;
			unsigned int t;

			for (t = 0; t < cfg.threads; t++)
				beat += sh->heartbeat[p * cfg.threads + t];
			if (beat != last_beat[p] || !alive[p]) {
				last_beat[p] = beat;
				beat_at[p] = now_s();
			} else if (!hung[p] &&
				   now_s() - beat_at[p] > cfg.hang_timeout) {
				hung[p] = true;
				fail("worker process %u (pid %d): no operation "
				     "finished for %u s: a hang", p, pids[p],
				     cfg.hang_timeout);
				kbad += kmsg_scan(&kmsg, report_kmsg_line, 8);
				dump_stacks(pids[p]);
			}
		}
		if (sh->cnt[C_COMPACT] != last_compact) {
			last_compact = sh->cnt[C_COMPACT];
			compact_at = now_s();
		} else if (cmp_on && !cmp_hung &&
			   now_s() - compact_at > cfg.hang_timeout) {
			cmp_hung = true;
			fail("compaction: no write to a compact file finished "
			     "for %u s: a hang", cfg.hang_timeout);
			kbad += kmsg_scan(&kmsg, report_kmsg_line, 8);
			dump_stacks(getpid());
		}
		if (now_s() - last_progress >= 15) {
			last_progress = now_s();
			out("stress: %.0f s: %" PRIu64 " creates, %" PRIu64
			    " pages written, %" PRIu64 " verified, %" PRIu64
			    " offlines, %" PRIu64 " compactions, %" PRIu64
			    " pool removes (%" PRIu64 " EBUSY), %" PRIu64
			    " netlink dumps, %" PRIu64 " failed",
			    last_progress - t0,
			    sh->cnt[C_CREATE], sh->cnt[C_PAGES_WRITTEN],
			    sh->cnt[C_PAGES_VERIFIED], sh->cnt[C_OFFLINE_OK],
			    sh->cnt[C_COMPACT], sh->cnt[C_POOL_REMOVE],
			    sh->cnt[C_POOL_REMOVE_EBUSY],
			    sh->cnt[C_NL_BUF_DUMP] + sh->cnt[C_NL_NODE_DUMP],
			    sh->failed);
		}
	}
	__atomic_store_n(&sh->stop, 1, __ATOMIC_SEQ_CST);
	out("stress: stopping after %.1f s", now_s() - t0);

	/* workers finish their operation, sweep, close everything */
	for (p = 0; p < cfg.procs; p++) {
		int st = 0;

		if (!pids[p] || !alive[p])
			continue;
		/*
		 * The final sweep reads everything: give it time while it
		 * makes progress (its heartbeat moves), unless hung already.
		 */
		for (;;) {
			uint64_t beat = 0, before = 0;
			unsigned int t;

			for (t = 0; t < cfg.threads; t++)
				before += sh->heartbeat[p * cfg.threads + t];
			if (!wait_pid_timeout(pids[p], &st,
					      hung[p] ? 10 : cfg.hang_timeout))
				goto reaped;
			for (t = 0; t < cfg.threads; t++)
				beat += sh->heartbeat[p * cfg.threads + t];
			if (hung[p] || beat == before)
				break;
		}
		if (!hung[p]) {
			fail("worker process %u (pid %d): no progress for %u s "
			     "after the stop: a hang", p, pids[p],
			     cfg.hang_timeout);
			kbad += kmsg_scan(&kmsg, report_kmsg_line, 8);
			dump_stacks(pids[p]);
		}
		kill(pids[p], SIGKILL);
		if (wait_pid_timeout(pids[p], &st, 15)) {
			fail("worker process %u (pid %d) does not die of "
			     "SIGKILL: stuck in the kernel", p, pids[p]);
			continue;
		}
reaped:
		check(WIFEXITED(st) && WEXITSTATUS(st) == 0,
		      "worker process %u: %s %d", p,
		      WIFEXITED(st) ? "exit status" : "signal",
		      WIFEXITED(st) ? WEXITSTATUS(st) : WTERMSIG(st));
	}
	if (off_on)
		join_or_report(off_th, "offline");
	if (cmp_on && !cmp_hung)
		join_or_report(cmp_th, "compaction");
	if (pool_th_on)
		join_or_report(pool_th, "pool");
	pool_teardown();

	/* memory blocks all back online */
	if (offnode >= 0) {
		unsigned int bad = 0;

		for (i = 0; i < nr_blocks; i++)
			if (!block_is_online(blocks[i].id)) {
				bad++;
				online_block(&blocks[i]);
			}
		for (i = 0; i < nr_blocks; i++)
			check(block_is_online(blocks[i].id),
			      "memory%u of node %d is not online at the end",
			      blocks[i].id, offnode);
		if (bad)
			fail("%u memory blocks were still offline at the end",
			     bad);
		/* a run in which no offline ever finished: offline hangs */
		check(sh->cnt[C_OFFLINE_TIMEOUT] == 0 ||
		      sh->cnt[C_OFFLINE_OK] > 0 ||
		      sh->cnt[C_OFFLINE_TIMEOUT] < 3,
		      "memory offline of node %d never finished: %" PRIu64
		      " attempts timed out after %u s, none succeeded",
		      offnode, sh->cnt[C_OFFLINE_TIMEOUT],
		      cfg.offline_timeout);
	}

	/* every buffer closed, every block online: stop listening */
	nl_stop();

	/* free memory back on every node */
	for (i = 0; i < topo.nr; i++) {
		char why[256];
		bool ok = node_free_back(dev, &topo.nodes[i], &base[i], "stress",
					 why, sizeof(why));

		check(ok, "%s", why);
	}
	/*
	 * Every buffer is gone: the module's per-node accounting must be back
	 * to nothing used and nothing reserved (pages moved by offline and
	 * compaction carried their charge; a lost or doubled one shows here).
	 */
	for (i = 0; i < topo.nr; i++) {
		static const char *const files[] = { "used_bytes",
						     "reserved_bytes" };
		unsigned int k;

		for (k = 0; k < 2; k++) {
			char path[160], txt[64];
			int fd2;
			ssize_t n;

			snprintf(path, sizeof(path), "/sys/class/misc/cxltier/"
				 "nodes/node%u/%s", topo.nodes[i].node,
				 files[k]);
			fd2 = open(path, O_RDONLY | O_CLOEXEC);
			if (fd2 < 0)	/* a module without quotas */
				continue;
			n = read(fd2, txt, sizeof(txt) - 1);
			close(fd2);
			txt[n > 0 ? n : 0] = 0;
			check(n > 0 && !strcmp(txt, "0\n"),
			      "node %u %s is %s after every buffer is gone",
			      topo.nodes[i].node, files[k], n > 0 ? txt : "?");
		}
	}
	close(dev);
	{
		kbad += kmsg_scan(&kmsg, report_kmsg_line, 8);
		check(!kbad, "%d kernel log lines report problems", kbad);
		if (kmsg.fd < 0)
			out("stress: note: /dev/kmsg not readable, kernel log "
			    "not checked (the VM runner checks it)");
	}

	out("stress: operation counts (seed %" PRIu64 ", %.1f s):", cfg.seed,
	    now_s() - t0);
	for (i = 0; i < NR_CNT; i++)
		out("stress:   %-24s %" PRIu64, cnt_name[i], sh->cnt[i]);
	if (sh->fail_printed > MAX_FAIL_PRINTS)
		out("stress: (%" PRIu64 " more failures not printed)",
		    sh->fail_printed - MAX_FAIL_PRINTS);
	out("stress: %" PRIu64 " passed, %" PRIu64 " failed", sh->passed,
	    sh->failed);
	return sh->failed ? 1 : 0;
}
