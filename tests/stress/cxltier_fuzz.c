// SPDX-License-Identifier: GPL-2.0
/*
 * cxltier_fuzz: random ioctls, mappings and touches against the cxltier
 * module, checked against what uapi/linux/cxltier.h promises.
 *
 *   cxltier_fuzz [--iterations N] [--seed N] [--verbose]
 *
 * Each iteration does one thing: an ioctl (most of the time), an mmap, a
 * touch of mapped pages, an munmap, a close.  ioctls are built from the
 * header's own commands (CXLTIER_CMD_GET_INFO .. CXLTIER_CMD_LAST - 1),
 * plus numbers in and around type 0xCE with random _IOC direction and size
 * bits, on /dev/cxltier and on buffer fds, with:
 *   - struct sizes 0, short, the first published version's, current,
 *     between the two, long with a zero tail, long with a non-zero tail,
 *     huge; the struct placed in mapped memory, straddling into a PROT_NONE
 *     page, in a read-only page, or the argument a NULL, low, kernel,
 *     non-canonical or PROT_NONE pointer;
 *   - flags (known and unknown bits), reserved fields, modes, weights,
 *     page_shift and chunk_shift values, lengths (0, 1, page multiples,
 *     near 2^64, at and past the nodes' capacity), node lists (valid nodes,
 *     nodes without memory, ids at and past MAX_NUMNODES, duplicates,
 *     counts of 0, several, too many) and out-array pointers and capacities
 *     of every kind (valid, NULL, read-only, PROT_NONE, partially mapped,
 *     garbage).
 * Each field is valid most of the time, so that many calls succeed and many
 * fail for exactly one reason.  What is valid is what the header says,
 * restricted to what GET_INFO reports as supported (modes, create flags,
 * page sizes, policy length), so the same program judges a module with
 * fewer features.
 *
 * Checks (each counted as passed or failed; a failure prints the seed, the
 * iteration, the fd, the command decoded, the argument and sub-pointer
 * kinds, the struct bytes, the result and the expected errnos):
 *   - a failed ioctl returns -1 with an errno the header documents (EINVAL,
 *     E2BIG, EFAULT, ENODEV, EFBIG, EMSGSIZE, ENOTTY, EMFILE, ENFILE,
 *     ENOMEM, and EXDEV, EINTR where the header has the features that
 *     return them) -- "errno not in the documented set";
 *   - and with one the header predicts for the defects the call has
 *     (unknown command: ENOTTY; size below the first version: EINVAL; longer
 *     with a non-zero tail: E2BIG; unreadable or unwritable memory: EFAULT;
 *     the command's own rules ...), never success when it has one; a call
 *     without defects succeeds (or fails with ENOMEM/EMFILE/ENFILE) --
 *     "contract".  The header does not order its checks, so the oracle is
 *     the union of the defects' errnos; the size/tail/readability checks
 *     come first because nothing else can be known without them;
 *   - a failed call leaves no new fd behind; a successful CREATE returns an
 *     O_RDWR fd with FD_CLOEXEC and an id never seen before, gives its input
 *     fields back unchanged, and BUF_STAT on it describes the buffer as
 *     created with nothing resident (all of it with POPULATE);
 *   - GET_INFO fills exactly min(capacity, count) entries of the stride
 *     asked for (zeroing each entry's tail past the kernel's size) and
 *     nothing past them, and reports what it reported at start;
 *   - BUF_STAT reports exactly the allocation units this program touched,
 *     only on policy nodes, no spill without fallback, and writes nothing
 *     past its capacities nor past the struct size given;
 *   - mmap: MAP_PRIVATE is EINVAL; a MAP_SHARED mapping inside the buffer
 *     works; PROT_READ then mprotect(PROT_READ|PROT_WRITE) works; other
 *     failures are EINVAL, ENOMEM or EOVERFLOW;
 *   - touching inside the buffer works and reads what was last written
 *     (zeroes on a fresh unit), through any mapping; past the end it is
 *     SIGBUS (in this process with a handler, or killing a child);
 *   - at the end, with everything closed: as many fds open as at the start,
 *     and every node's free memory back within FREE_SLACK_* (common.h).
 *
 * Memory is bounded: at most MAX_BUFS buffers open, MAX_RESIDENT_BYTES
 * touched in all live buffers together, populate only for small lengths.
 *
 * Output: "fuzz: seed S, N iterations, N calls ok, N errno ok, N failed",
 * then "fuzz: N passed, N failed".  Exit status 0 when nothing failed.
 */
#include "common.h"

#include <getopt.h>
#include <poll.h>
#include <setjmp.h>
#include <signal.h>

#define MAX_BUFS 24		/* buffers open at once */
#define MAX_MAPS 32		/* mappings at once */
#define MAX_TRACK_PAGES 4096	/* pages per buffer whose writes we track */
#define MAX_RESIDENT_BYTES (64 * MiB)	/* touched in all live buffers */
#define MAX_POPULATE (16 * MiB)	/* largest length created with POPULATE */
#define MAX_FAIL_PRINTS 40

/*
 * The largest GET_INFO node_entry_size the header allows: it documents
 * none (0).  Should it come to document one, name its constant here.
 */
#ifdef CXLTIER_NODE_INFO_MAX_SIZE
#define GET_INFO_MAX_STRIDE CXLTIER_NODE_INFO_MAX_SIZE
#else
#define GET_INFO_MAX_STRIDE 0
#endif

#define offsetofend(T, m) (offsetof(T, m) + sizeof(((T *)0)->m))

/*
 * Sizes of the first published version of each struct (what a smaller size
 * is EINVAL against), and the current ones (what the module knows, built
 * from the same header: a size past it needs a zero tail).
 */
#define INFO_V0 offsetofend(struct cxltier_info, nodes)
#define CREATE_V0 offsetofend(struct cxltier_create, out_id)
#define STAT_V0 offsetofend(struct cxltier_buf_stat, resident_bytes)
#define MIGRATE_V0 offsetofend(struct cxltier_migrate, rate_bytes)

static struct {
	uint64_t iterations;
	uint64_t seed;
	bool verbose;
} cfg = { .iterations = 20000 };

static struct rng R;
static uint64_t iter;
/*
 * A clean call: every field valid (per the header and GET_INFO), so that
 * the success paths get as much coverage as the error paths.  About a third
 * of the calls; the others have any number of defects.
 */
static bool clean;
static uint64_t passed, failed, calls_ok, errno_ok, fail_printed;
static int dev = -1;
static struct topo topo;		/* at start */
static unsigned int max_numnodes;	/* 0: unknown */
static unsigned int max_pol;		/* policy entries the module takes */

static void __attribute__((format(printf, 1, 2))) fail(const char *fmt, ...)
{
	char msg[1900];
	va_list ap;

	failed++;
	if (fail_printed++ >= MAX_FAIL_PRINTS)
		return;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	out("FAIL (seed %" PRIu64 ", iteration %" PRIu64 "): %s", cfg.seed,
	    iter, msg);
}

/*
 * Failures of one class (command, errno, expected set) print twice at most;
 * the end lists every class with its count.
 */
struct fclass {
	unsigned int cmd, allowed;
	int err;
	bool ok;	/* the call succeeded */
	uint64_t count, first_iter;
};
static struct fclass fclasses[64];
static unsigned int nr_fclasses;

/* true when a failure of this class should be printed */
static bool fclass_note(unsigned int cmd, int err, unsigned int allowed,
			bool ok)
{
	unsigned int i;

	for (i = 0; i < nr_fclasses; i++) {
		struct fclass *f = &fclasses[i];

		if (f->cmd == cmd && f->err == err && f->allowed == allowed &&
		    f->ok == ok)
			return ++f->count <= 2;
	}
	if (nr_fclasses < ARRAY_SIZE(fclasses)) {
		struct fclass *f = &fclasses[nr_fclasses++];

		f->cmd = cmd;
		f->err = err;
		f->allowed = allowed;
		f->ok = ok;
		f->count = 1;
		f->first_iter = iter;
	}
	return true;
}

#define check(cond, fmt, ...) do {					\
	if (cond)							\
		passed++;						\
	else								\
		fail("%s: " fmt, #cond, ##__VA_ARGS__);			\
} while (0)

/* ------------------------------------------------------------------------ */
/* Capabilities                                                             */

/* create flags, modes, page sizes the header defines */
static const uint32_t header_create_flags = 0
#ifdef CXLTIER_CREATE_FALLBACK
	| CXLTIER_CREATE_FALLBACK
#endif
#ifdef CXLTIER_CREATE_POPULATE
	| CXLTIER_CREATE_POPULATE
#endif
#ifdef CXLTIER_CREATE_PINNABLE
	| CXLTIER_CREATE_PINNABLE
#endif
#ifdef CXLTIER_CREATE_HUGE_FALLBACK
	| CXLTIER_CREATE_HUGE_FALLBACK
#endif
#ifdef CXLTIER_CREATE_DEFAULT_POLICY
	| CXLTIER_CREATE_DEFAULT_POLICY
#endif
#ifdef CXLTIER_CREATE_RESERVE
	| CXLTIER_CREATE_RESERVE
#endif
	;
#ifndef CXLTIER_CREATE_POPULATE
#define CXLTIER_CREATE_POPULATE 0
#endif
#ifndef CXLTIER_CREATE_PINNABLE
#define CXLTIER_CREATE_PINNABLE 0
#endif
#ifndef CXLTIER_CREATE_FALLBACK
#define CXLTIER_CREATE_FALLBACK 0
#endif

static bool mode_ok(uint32_t m)
{
	return m < 64 && (topo.info.supported_modes >> m & 1) &&
	       m < CXLTIER_NR_MODES;
}

static bool mode_weighs(uint32_t m)
{
	return m == CXLTIER_MODE_WEIGHTED || m == CXLTIER_MODE_SPLIT;
}

static bool mode_chunks(uint32_t m)
{
	return m == CXLTIER_MODE_INTERLEAVE || m == CXLTIER_MODE_WEIGHTED;
}

/* page_shift as given: valid? (0 means PAGE_SHIFT) */
static bool page_shift_ok(uint32_t ps)
{
	return !ps || (ps < 64 && (topo.info.supported_page_sizes >> ps & 1));
}

/* ------------------------------------------------------------------------ */
/* errnos                                                                   */

static const int doc_errnos[] = {
	EINVAL, E2BIG, EFAULT, ENODEV, EFBIG, EMSGSIZE, ENOTTY, EMFILE,
	ENFILE, ENOMEM,
#if defined(CXLTIER_MAX_CHUNK_SHIFT)	/* the header with pinnable/populate */
	EXDEV, EINTR,
#endif
#ifdef CXLTIER_IOC_MIGRATE
	EBUSY,
#endif
#ifdef CXLTIER_IOC_POOL_ADD
	EPERM, ENXIO, EEXIST, ENOENT, EOPNOTSUPP,
#endif
};

#define EB(e) (1U << errbit(e))
static unsigned int errbit(int e)
{
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(doc_errnos); i++)
		if (doc_errnos[i] == e)
			return i;
	return 31;
}

static bool documented(int e)
{
	return errbit(e) != 31;
}

static void errset_str(unsigned int set, char *s, size_t len)
{
	size_t o = 0;
	unsigned int i;

	s[0] = 0;
	for (i = 0; i < ARRAY_SIZE(doc_errnos) && o < len; i++)
		if (set & (1U << i))
			o += (size_t)snprintf(s + o, len - o, "%s%s",
					      o ? "|" : "",
					      errname(doc_errnos[i]));
	if (!o)
		snprintf(s, len, "-");
}

/* ------------------------------------------------------------------------ */
/* Memory the arguments live in                                             */

/*
 * One 8-page mapping:
 *   0-1  struct arena (RW)     2  PROT_NONE
 *   3-4  sub-array arena (RW)  5  PROT_NONE
 *   6    read-only page        7  PROT_NONE
 */
static char *zone;
#define ARENA (zone)
#define SUB (zone + 3 * pgsz)
#define ROPG (zone + 6 * pgsz)
#define ARENA_LEN (2 * pgsz)
#define SUB_LEN (2 * pgsz)
#define FILL 0xA5	/* what the sub arena holds before each call */

/* Bytes readable from @p on (0 outside our zone: garbage pointers). */
static size_t readable_from(uint64_t p)
{
	uint64_t a = (uintptr_t)ARENA, s = (uintptr_t)SUB, r = (uintptr_t)ROPG;

	if (p >= a && p < a + ARENA_LEN)
		return (size_t)(a + ARENA_LEN - p);
	if (p >= s && p < s + SUB_LEN)
		return (size_t)(s + SUB_LEN - p);
	if (p >= r && p < r + pgsz)
		return (size_t)(r + pgsz - p);
	return 0;
}

static size_t writable_from(uint64_t p)
{
	if (p >= (uintptr_t)ROPG && p < (uintptr_t)ROPG + pgsz)
		return 0;
	return readable_from(p);
}

static bool can_read(uint64_t p, uint64_t n)
{
	return !n || readable_from(p) >= n;
}

static bool can_write(uint64_t p, uint64_t n)
{
	return !n || writable_from(p) >= n;
}

static void ro_store(void *dst, const void *src, size_t n)
{
	mprotect(ROPG, pgsz, PROT_READ | PROT_WRITE);
	memcpy(dst, src, n);
	mprotect(ROPG, pgsz, PROT_READ);
}

/*
 * A pointer for an array of @need bytes in the sub arena, or a bad one.
 * *@kind says which, for failure messages.
 */
static uint64_t pick_sub_ptr(size_t need, const char **kind)
{
	uint64_t s = (uintptr_t)SUB;
	unsigned int x = clean ? 0 : (unsigned int)rnd(&R, 100);

	if (need > SUB_LEN)
		need = SUB_LEN;
	if (x < 70) {
		uint64_t off = rnd(&R, SUB_LEN - need + 1);

		if (!one_in(&R, 4))
			off &= ~7ULL;
		*kind = "sub-arena";
		return s + off;
	}
	switch (x % 10) {
	case 0:
		*kind = "NULL";
		return 0;
	case 1:
		*kind = "partially-mapped";
		return s + SUB_LEN - (need > 1 ? rnd_range(&R, 1, need - 1) : 0);
	case 2:
		/* the second half: a struct may sit in the first */
		*kind = "read-only";
		return (uintptr_t)ROPG + pgsz / 2 + (rnd(&R, 4) * 8);
	case 3:
		*kind = "PROT_NONE";
		return s + SUB_LEN + rnd(&R, pgsz);
	case 4:
		*kind = "kernel";
		return 0xffff888000000000ULL + rnd(&R, 1 << 20) * 8;
	case 5:
		*kind = "non-canonical";
		return one_in(&R, 2) ? 0x8000000000000000ULL :
				       0x0000800000000000ULL;
	case 6:
		*kind = "low";
		return rnd_range(&R, 1, 0xffff);
	case 7:
		*kind = "all-ones";
		return ~0ULL - rnd(&R, 64);
	case 8:
		*kind = "random";
		return rnd64(&R);
	default:
		*kind = "sub-arena-end";
		return s + SUB_LEN - need;
	}
}

/* ------------------------------------------------------------------------ */
/* Buffers and mappings                                                     */

struct fbuf {
	bool used;
	int fd;			/* -1: closed (still mapped) */
	uint64_t id, len;
	uint64_t np;		/* 4 KiB pages */
	uint64_t nu;		/* allocation units */
	unsigned int uorder;	/* log2 pages per unit */
	uint32_t mode, flags, page_shift, chunk_shift, nr_pol;
	struct cxltier_node_weight pol[CXLTIER_MAX_POLICY_NODES];
	uint8_t *touched;	/* bitmap of units */
	uint64_t nr_touched;	/* units */
	uint32_t *gen;		/* last generation written, first pages */
	unsigned int nmaps;
	bool migrated;		/* a MIGRATE may have left pages off-policy */
};

struct fmap {
	bool used;
	struct fbuf *b;
	char *addr;
	size_t len;		/* mmap length (rounded up to pages) */
	uint64_t pgoff;
	int prot;
};

static struct fbuf bufs[MAX_BUFS];
static struct fmap maps[MAX_MAPS];
static uint64_t resident_total;		/* bytes of live buffers' units */
static uint64_t *seen_ids;
static size_t nr_seen_ids, cap_seen_ids;

static uint64_t unit_bytes(const struct fbuf *b)
{
	return pgsz << b->uorder;
}

static unsigned int nr_open_bufs(void)
{
	unsigned int i, n = 0;

	for (i = 0; i < MAX_BUFS; i++)
		n += bufs[i].used && bufs[i].fd >= 0;
	return n;
}

static void buf_release_if_gone(struct fbuf *b)
{
	if (!b->used || b->fd >= 0 || b->nmaps)
		return;
	resident_total -= b->nr_touched * unit_bytes(b);
	free(b->touched);
	free(b->gen);
	memset(b, 0, sizeof(*b));
}

static struct fbuf *random_buf(bool need_fd)
{
	unsigned int i, start = (unsigned int)rnd(&R, MAX_BUFS);

	for (i = 0; i < MAX_BUFS; i++) {
		struct fbuf *b = &bufs[(start + i) % MAX_BUFS];

		if (b->used && (!need_fd || b->fd >= 0))
			return b;
	}
	return NULL;
}

static bool unit_touched(const struct fbuf *b, uint64_t pg)
{
	uint64_t u = pg >> b->uorder;

	return b->touched[u / 8] & (1U << (u % 8));
}

static void set_touched(struct fbuf *b, uint64_t pg)
{
	uint64_t u = pg >> b->uorder;

	if (unit_touched(b, pg))
		return;
	b->touched[u / 8] |= (uint8_t)(1U << (u % 8));
	b->nr_touched++;
	resident_total += unit_bytes(b);
}

static bool id_seen(uint64_t id)
{
	size_t i;

	for (i = 0; i < nr_seen_ids; i++)
		if (seen_ids[i] == id)
			return true;
	if (nr_seen_ids == cap_seen_ids) {
		cap_seen_ids = cap_seen_ids ? 2 * cap_seen_ids : 256;
		seen_ids = realloc(seen_ids, cap_seen_ids * sizeof(*seen_ids));
		if (!seen_ids)
			abort();
	}
	seen_ids[nr_seen_ids++] = id;
	return false;
}

static const struct cxltier_node_info *tnode(uint32_t node)
{
	return topo_find(&topo, node);
}

/* Pages of @node a buffer may use (non-movable ones only when pinnable). */
static uint64_t node_capacity(uint32_t node, bool pinnable)
{
	const struct cxltier_node_info *n = tnode(node);

	if (!n)
		return 0;
	return (pinnable ? n->total_bytes - n->movable_bytes :
			   n->total_bytes) / pgsz;
}

/* ------------------------------------------------------------------------ */
/* Faults                                                                   */

static sigjmp_buf probe_env;
static volatile int probe_active;
static volatile int probe_sig;

static void probe_handler(int sig, siginfo_t *si, void *uc)
{
	(void)si;
	(void)uc;
	if (!probe_active) {
		signal(sig, SIG_DFL);
		return;
	}
	probe_sig = sig;
	siglongjmp(probe_env, 1);
}

/* ------------------------------------------------------------------------ */
/* Page contents                                                            */

static inline uint64_t sig_word(uint64_t id, uint64_t pg, uint32_t gen,
				unsigned int w)
{
	uint64_t x = id * 0x9E3779B97F4A7C15ULL ^ pg * 0xC2B2AE3D27D4EB4FULL ^
		     (uint64_t)gen << 32 ^ w ^ cfg.seed;

	return splitmix64(&x) | 1;
}

/*
 * Checks page @pg of @b at @p: zero if never written, else words 0 and
 * last hold the generation's signature and the rest is zero.  Returns the
 * first bad word or -1.
 */
static long page_ok(const struct fbuf *b, uint64_t pg,
		    const volatile uint64_t *p, uint64_t *got, uint64_t *exp)
{
	size_t words = pgsz / 8, w;
	uint32_t g = pg < MAX_TRACK_PAGES && pg < b->np ? b->gen[pg] : 0;

	for (w = 0; w < words; w++) {
		uint64_t e = 0;

		if (g && (w == 0 || w == words - 1))
			e = sig_word(b->id, pg, g, (unsigned int)w);
		if (p[w] != e) {
			*got = p[w];
			*exp = e;
			return (long)w;
		}
	}
	return -1;
}

/* ------------------------------------------------------------------------ */
/* ioctl calls                                                              */

enum fd_kind { FD_DEV, FD_BUF };

struct call {
	/* what was done */
	enum fd_kind fdk;
	struct fbuf *b;
	int fd;
	unsigned long cmd;
	uint64_t arg;
	const char *arg_kind;
	unsigned int known;	/* CXLTIER_CMD_* when cmd is a command of
				   this fd, else 0 */
	bool pool;		/* a device-dax pool command: the struct is
				   random, any documented errno will do */
	uint32_t size;		/* the size field written */
	size_t ksize, v0size;	/* sizeof the struct now, first version */
	uint8_t bytes[256];	/* the first bytes of the struct given */
	size_t nbytes;
	const char *sub_kind[2];
	char notes[320];	/* defects, for messages */
	/* the oracle */
	unsigned int allowed;	/* EB() bits */
	bool may_succeed;
	/* results */
	int ret, err;
};

static void note(struct call *c, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
static void note(struct call *c, const char *fmt, ...)
{
	size_t o = strlen(c->notes);
	va_list ap;

	if (o >= sizeof(c->notes) - 2)
		return;
	if (o)
		c->notes[o++] = ' ';
	va_start(ap, fmt);
	vsnprintf(c->notes + o, sizeof(c->notes) - o, fmt, ap);
	va_end(ap);
}

static void defect(struct call *c, int e, const char *why)
{
	c->allowed |= EB(e);
	c->may_succeed = false;
	note(c, "%s:%s", errname(e), why);
}

static void describe_call(const struct call *c, char *s, size_t len)
{
	char exp[160], hex[3 * 128 + 1];
	size_t i, n = c->nbytes < 128 ? c->nbytes : 128, o = 0;

	errset_str(c->allowed, exp, sizeof(exp));
	for (i = 0; i < n; i++)
		o += (size_t)snprintf(hex + o, sizeof(hex) - o, "%s%02x",
				      i && !(i % 8) ? "." : "", c->bytes[i]);
	hex[o] = 0;
	snprintf(s, len, "ioctl(%s fd %d%s%" PRIu64 ", cmd %#lx [dir %lu type "
		 "%#lx nr %#lx size %lu], arg %#" PRIx64 " (%s)) size field %u"
		 " (struct %zu, version 0 %zu) sub-pointers %s/%s; struct "
		 "bytes %s; returned %d %s; expected %s%s; defects: %s",
		 c->fdk == FD_DEV ? "/dev/cxltier" : "buffer", c->fd,
		 c->fdk == FD_BUF ? " id " : "", c->fdk == FD_BUF ?
		 c->b->id : 0, c->cmd, (unsigned long)_IOC_DIR(c->cmd),
		 (unsigned long)_IOC_TYPE(c->cmd),
		 (unsigned long)_IOC_NR(c->cmd),
		 (unsigned long)_IOC_SIZE(c->cmd), c->arg, c->arg_kind,
		 c->size, c->ksize, c->v0size,
		 c->sub_kind[0] ? c->sub_kind[0] : "-",
		 c->sub_kind[1] ? c->sub_kind[1] : "-", n ? hex : "-", c->ret,
		 c->ret < 0 ? errname(c->err) : "", exp,
		 c->may_succeed ? "|success" : "",
		 c->notes[0] ? c->notes : "none");
}

/* A command number for @fdk: mostly the header's own, sometimes not. */
static void pick_cmd(struct call *c)
{
	unsigned int x = (unsigned int)rnd(&R, 100), nr, type = CXLTIER_TYPE;
	unsigned int dir = 0, size = 0;

	if (x < 75) {
		nr = (unsigned int)rnd_range(&R, CXLTIER_CMD_BASE,
					     CXLTIER_CMD_LAST - 1);
	} else if (x < 85) {
		/* around the range: the last known + 1, below the base */
		nr = (unsigned int)rnd_range(&R, CXLTIER_CMD_BASE - 4,
					     CXLTIER_CMD_LAST + 4);
	} else if (x < 90) {
		nr = (unsigned int)rnd(&R, 256);
	} else if (x < 95) {
		nr = (unsigned int)rnd_range(&R, CXLTIER_CMD_BASE,
					     CXLTIER_CMD_LAST - 1);
		type = (unsigned int)rnd_range(&R, CXLTIER_TYPE - 2,
					       CXLTIER_TYPE + 2);
	} else {
		/* a known number with direction and size bits */
		nr = (unsigned int)rnd_range(&R, CXLTIER_CMD_BASE,
					     CXLTIER_CMD_LAST - 1);
		dir = (unsigned int)rnd(&R, 4);
		size = (unsigned int)(one_in(&R, 2) ?
				      rnd(&R, 1U << _IOC_SIZEBITS) :
				      rnd_range(&R, 48, 96));
	}
	if (clean) {
		nr = c->fdk == FD_BUF ? (one_in(&R, 3) ? CXLTIER_CMD_MIGRATE :
					 CXLTIER_CMD_BUF_STAT) :
		     one_in(&R, 3) ? CXLTIER_CMD_GET_INFO : CXLTIER_CMD_CREATE;
		type = CXLTIER_TYPE;
		dir = size = 0;
	}
	c->cmd = _IOC(dir, type, nr, size);
	c->known = 0;
	if (c->cmd == _IO(CXLTIER_TYPE, nr)) {
		if (c->fdk == FD_DEV && (nr == CXLTIER_CMD_GET_INFO ||
					 nr == CXLTIER_CMD_CREATE))
			c->known = nr;
		if (c->fdk == FD_BUF && (nr == CXLTIER_CMD_BUF_STAT ||
					 nr == CXLTIER_CMD_MIGRATE))
			c->known = nr;
	
#ifdef CXLTIER_IOC_POOL_ADD
		/*
		 * Pool commands on random structs: they must not crash or
		 * claim memory (the VM's devdax range is bound to its driver,
		 * so an add cannot succeed) and must give a documented errno;
		 * tests/selftests/pool_tests.c judges them exactly.
		 */
		c->pool = c->fdk == FD_DEV && nr >= CXLTIER_CMD_POOL_ADD &&
			  nr <= CXLTIER_CMD_POOL_LIST;
#endif
	}
}

/* A value for a field that should be 0: mostly 0. */
static uint32_t maybe_junk32(unsigned int one_in_n)
{
	if (clean || !one_in(&R, one_in_n))
		return 0;
	switch (rnd(&R, 4)) {
	case 0:
		return 1;
	case 1:
		return 1U << rnd(&R, 32);
	case 2:
		return ~0U;
	default:
		return (uint32_t)rnd64(&R);
	}
}

/* An out field's input value: anything. */
static uint64_t junk_out(void)
{
	return one_in(&R, 2) ? 0 : rnd64(&R);
}

/* ---- GET_INFO ---- */

struct getinfo_plan {
	uint32_t cap, stride;
	uint64_t nodes;
	uint64_t need;		/* bytes the kernel writes at nodes */
};

static void build_get_info(struct call *c, struct cxltier_info *q)
{
	const uint32_t count = topo.nr;

	memset(q, 0, sizeof(*q));
	q->flags = maybe_junk32(16);
	q->__reserved = maybe_junk32(16);
	q->__reserved2 = maybe_junk32(16);
	q->api_version = (uint32_t)junk_out();
	q->supported_modes = junk_out();
	q->supported_create_flags = junk_out();
	q->supported_page_sizes = junk_out();
	q->max_policy_nodes = (uint32_t)junk_out();

	switch (clean ? 1 : rnd(&R, 6)) {
	case 0:
		q->nr_nodes = 0;
		break;
	case 1:
		q->nr_nodes = count + (clean ? (uint32_t)rnd(&R, 3) : 0);
		break;
	case 2:
		q->nr_nodes = count ? count - 1 : 0;
		break;
	case 3:
		q->nr_nodes = (uint32_t)rnd_range(&R, 1, 2 * count + 2);
		break;
	case 4:
		q->nr_nodes = one_in(&R, 2) ? ~0U : 1U << rnd(&R, 32);
		break;
	default:
		q->nr_nodes = count + (uint32_t)rnd(&R, 3);
		break;
	}
	switch (clean ? 3 + 2 * rnd(&R, 2) : rnd(&R, 8)) {
	case 0:
		q->node_entry_size = 0;
		break;
	case 1:
		q->node_entry_size = (uint32_t)rnd_range(&R, 1, 47);
		break;
	case 2:
		q->node_entry_size = 48 + (uint32_t)rnd_range(&R, 1, 7);
		break;
	case 3:
		q->node_entry_size = 48 + 8 * (uint32_t)rnd_range(&R, 1, 16);
		break;
	case 4:
		q->node_entry_size = one_in(&R, 2) ?
			(uint32_t)pgsz + 8 * (uint32_t)rnd(&R, 3) :
			(uint32_t)rnd64(&R);
		break;
	default:
		q->node_entry_size = sizeof(struct cxltier_node_info);
		break;
	}
	if (!clean && one_in(&R, 8)) {
		q->nodes = 0;
		c->sub_kind[0] = "NULL";
	} else {
		uint64_t n = q->nr_nodes < count ? q->nr_nodes : count;

		n *= q->node_entry_size;
		q->nodes = pick_sub_ptr(n && n < SUB_LEN ? n : 48,
					&c->sub_kind[0]);
	}
}

/* The header's GET_INFO rules, on the struct as the kernel sees it. */
static void judge_get_info(struct call *c, const struct cxltier_info *q,
			   struct getinfo_plan *gp)
{
	const uint32_t count = topo.nr;
	uint64_t n;

	gp->cap = q->nr_nodes;
	gp->stride = q->node_entry_size;
	gp->nodes = q->nodes;
	n = gp->cap < count ? gp->cap : count;
	gp->need = n * gp->stride;

	if (q->flags)
		defect(c, EINVAL, "flags");
	if (q->__reserved || q->__reserved2)
		defect(c, EINVAL, "reserved");
	/*
	 * "at least CXLTIER_NODE_INFO_SIZE_VER0 and a multiple of 8 when
	 * @nodes is set": taken to apply whenever entries are asked for
	 * (a capacity or a pointer).  No upper bound is documented.
	 */
	if ((gp->cap || gp->nodes) &&
	    (gp->stride < CXLTIER_NODE_INFO_SIZE_VER0 || gp->stride % 8 ||
	     (GET_INFO_MAX_STRIDE && gp->stride > GET_INFO_MAX_STRIDE)))
		defect(c, EINVAL, "stride");
	if (gp->need && !can_write(gp->nodes, gp->need))
		defect(c, EFAULT, "nodes-unwritable");
	if (count > gp->cap && (gp->cap || gp->nodes))
		defect(c, EMSGSIZE, "capacity");
}

static void check_get_info(struct call *c, const struct getinfo_plan *gp)
{
	const struct cxltier_info *q = (const void *)(uintptr_t)c->arg;
	const struct cxltier_info *t = &topo.info;
	uint32_t count = topo.nr, n = gp->cap < count ? gp->cap : count, i;
	const uint8_t *base = (const uint8_t *)(uintptr_t)gp->nodes;
	size_t kn = sizeof(struct cxltier_node_info), k;

	check(q->api_version == CXLTIER_API_VERSION &&
	      q->nr_nodes == count &&
	      (q->supported_modes & (1ULL << CXLTIER_MODE_BIND)) &&
	      !(q->supported_modes & ~((1ULL << CXLTIER_NR_MODES) - 1)) &&
	      !(q->supported_create_flags & ~(uint64_t)header_create_flags) &&
	      (q->supported_page_sizes & (1ULL << pgshift)) &&
	      q->max_policy_nodes >= 1 &&
	      q->max_policy_nodes <= CXLTIER_MAX_POLICY_NODES &&
	      q->supported_modes == t->supported_modes &&
	      q->supported_create_flags == t->supported_create_flags &&
	      q->supported_page_sizes == t->supported_page_sizes &&
	      q->max_policy_nodes == t->max_policy_nodes,
	      "GET_INFO returned api %u, %u nodes (%u at start), modes %#"
	      PRIx64 ", create flags %#" PRIx64 " (header knows %#x), page "
	      "sizes %#" PRIx64 ", max policy nodes %u; at start modes %#"
	      PRIx64 " flags %#" PRIx64 " sizes %#" PRIx64 " max %u",
	      q->api_version, q->nr_nodes, count,
	      (uint64_t)q->supported_modes,
	      (uint64_t)q->supported_create_flags, header_create_flags,
	      (uint64_t)q->supported_page_sizes, q->max_policy_nodes,
	      (uint64_t)t->supported_modes,
	      (uint64_t)t->supported_create_flags,
	      (uint64_t)t->supported_page_sizes, t->max_policy_nodes);
	if (!base || !n)
		goto tail;
	for (i = 0; i < n; i++) {
		const uint8_t *e = base + (size_t)i * gp->stride;
		struct cxltier_node_info ni;

		memset(&ni, 0, sizeof(ni));
		memcpy(&ni, e, gp->stride < kn ? gp->stride : kn);
		if (ni.node != topo.nodes[i].node ||
		    ni.tier != topo.nodes[i].tier ||
		    ni.flags != topo.nodes[i].flags ||
		    ni.total_bytes != topo.nodes[i].total_bytes ||
		    ni.free_bytes > ni.total_bytes) {
			fail("GET_INFO entry %u (stride %u): node %u tier %u "
			     "flags %#x total %" PRIu64 " free %" PRIu64
			     "; at start node %u tier %u flags %#x total %"
			     PRIu64, i, gp->stride, ni.node, ni.tier, ni.flags,
			     (uint64_t)ni.total_bytes, (uint64_t)ni.free_bytes,
			     topo.nodes[i].node, topo.nodes[i].tier,
			     topo.nodes[i].flags,
			     (uint64_t)topo.nodes[i].total_bytes);
			return;
		}
		for (k = kn; k < gp->stride; k++)
			if (e[k]) {
				fail("GET_INFO entry %u (stride %u): byte %zu "
				     "past the kernel's %zu is %#x, not zeroed",
				     i, gp->stride, k, kn, e[k]);
				return;
			}
	}
	passed++;
tail:
	/* nothing written past the entries (the sub arena held FILL) */
	if (base && writable_from(gp->nodes)) {
		size_t end = (size_t)n * gp->stride, avail =
			writable_from(gp->nodes);

		for (k = end; k < avail && k < end + 256; k++)
			if (base[k] != FILL) {
				fail("GET_INFO (capacity %u, stride %u, %u "
				     "nodes) wrote byte %zu past its %u "
				     "entries", gp->cap, gp->stride, count, k,
				     n);
				return;
			}
		passed++;
	}
}

/* ---- CREATE ---- */

struct create_plan {
	struct cxltier_node_weight nw[CXLTIER_MAX_POLICY_NODES];
	uint32_t nr;		/* entries in nw (readable and in range) */
	uint64_t nodes;		/* where they are */
};

static uint32_t pick_node_id(const struct cxltier_node_info *tn)
{
	unsigned int x = (unsigned int)rnd(&R, 100);

	if (x < 80)
		return tn->node;
	if (x < 85)
		return 4;	/* the devdax node: no memory */
	if (x < 90)
		return (uint32_t)rnd_range(&R, 5, 63);
	if (x < 95)
		return max_numnodes ? max_numnodes - (uint32_t)rnd(&R, 2) :
				      (uint32_t)rnd_range(&R, 64, 2048);
	return (uint32_t)rnd64(&R);
}

static void build_create(struct call *c, struct cxltier_create *cr,
			 struct create_plan *cp)
{
	const struct cxltier_info *in = &topo.info;
	const struct cxltier_node_info *tn = &topo.nodes[rnd(&R, topo.nr)];
	uint32_t nr, i, x, ps;
	uint64_t cap_bytes = tn->total_bytes;
	size_t need;

	memset(cr, 0, sizeof(*cr));
	/* flags: supported ones often, any bit sometimes */
	if (one_in(&R, 3))
		cr->flags = (uint32_t)(rnd64(&R) & in->supported_create_flags);
	if (!clean && one_in(&R, 12))
		cr->flags |= 1U << rnd(&R, 32);
	cr->__reserved2 = maybe_junk32(16);
	cr->out_fd = (int32_t)junk_out();
	cr->out_id = junk_out();
	/* modes: supported ones, sometimes any number */
	cr->mode = (uint32_t)rnd(&R, CXLTIER_NR_MODES);
	if (one_in(&R, 3))
		cr->mode = CXLTIER_MODE_BIND;
	if (!clean && one_in(&R, 16))
		cr->mode = one_in(&R, 2) ? (uint32_t)rnd_range(&R,
				CXLTIER_NR_MODES, 70) : (uint32_t)rnd64(&R);
	if (clean && !mode_ok(cr->mode))
		cr->mode = CXLTIER_MODE_BIND;
	switch (clean ? 4 + rnd(&R, 8) : rnd(&R, 12)) {
	case 0:
		cr->page_shift = pgshift;
		break;
	case 1:
	case 2:
		cr->page_shift = CXLTIER_HUGE_PAGE_SHIFT;
		break;
	case 3: {
		static const uint32_t odd[] = { 1, 11, 13, 16, 20, 22, 30, 31,
						32, 63, 64, 255, ~0U };
		cr->page_shift = odd[rnd(&R, ARRAY_SIZE(odd))];
		break;
	}
	default:
		cr->page_shift = 0;
	}
	if (clean && !page_shift_ok(cr->page_shift))
		cr->page_shift = 0;
	ps = cr->page_shift ? cr->page_shift : pgshift;
	x = (unsigned int)rnd(&R, clean ? 8 : 10);
	if (clean && !mode_chunks(cr->mode))
		x = 0;
	if (x < 5)
		cr->chunk_shift = 0;
	else if (x < 8)
		cr->chunk_shift = (ps < 40 ? ps : pgshift) +
				  (uint32_t)rnd(&R, 6);
	if (clean && cr->chunk_shift > CXLTIER_MAX_CHUNK_SHIFT)
		cr->chunk_shift = 0;
	else if (x < 9)
		cr->chunk_shift = CXLTIER_MAX_CHUNK_SHIFT +
				  (uint32_t)rnd(&R, 3);
	else
		cr->chunk_shift = one_in(&R, 2) ? (uint32_t)rnd(&R, 12) :
						  (uint32_t)rnd64(&R);

	x = clean ? (unsigned int)rnd_range(&R, 8, 67) :
		    (unsigned int)rnd(&R, 100);
	if (x < 8)
		cr->length = 0;
	else if (x < 20)
		cr->length = rnd_range(&R, 1, pgsz);
	else if (x < 60)
		cr->length = rnd_range(&R, 1, 64) * pgsz -
			     (one_in(&R, 2) ? rnd(&R, pgsz) : 0);
	else if (x < 68)
		cr->length = rnd_range(&R, 1, 64 * MiB);
	else if (x < 74)
		cr->length = cap_bytes;
	else if (x < 80)
		cr->length = cap_bytes + rnd_range(&R, 1, 2 * pgsz);
	else if (x < 84)
		cr->length = cap_bytes - rnd(&R, pgsz);
	else if (x < 88)
		cr->length = 2 * cap_bytes + rnd_range(&R, 0, 2 * pgsz);
	else if (x < 92)
		cr->length = ~0ULL - rnd(&R, 2 * pgsz);
	else if (x < 96)
		cr->length = 1ULL << rnd_range(&R, 32, 63);
	else
		cr->length = rnd64(&R);
	/* populate touches all of it: only small buffers */
	if (cr->length > MAX_POPULATE)
		cr->flags &= ~CXLTIER_CREATE_POPULATE;

	/* the node list */
	x = (unsigned int)rnd(&R, clean ? 85 : 100);
	if (x < 60)
		nr = 1;
	else if (x < 85)
		nr = (uint32_t)rnd_range(&R, 2, topo.nr + 1);
	else if (x < 92)
		nr = (uint32_t)rnd_range(&R, 5, CXLTIER_MAX_POLICY_NODES);
	else {
		static const uint32_t odd[] = { 0, 0, CXLTIER_MAX_POLICY_NODES,
						CXLTIER_MAX_POLICY_NODES + 1,
						~0U, 0x80000000U, 1U << 28 };
		nr = odd[rnd(&R, ARRAY_SIZE(odd))];
	}
	if (clean && nr > (topo.nr < max_pol ? topo.nr : max_pol))
		nr = topo.nr < max_pol ? topo.nr : max_pol;
	cr->nr_nodes = nr;
	memset(cp->nw, 0, sizeof(cp->nw));
	cp->nr = nr < CXLTIER_MAX_POLICY_NODES ? nr : CXLTIER_MAX_POLICY_NODES;
	for (i = 0; i < cp->nr; i++) {
		struct cxltier_node_weight *e = &cp->nw[i];

		/* distinct table nodes mostly, a duplicate sometimes */
		if (i < topo.nr && (clean || !one_in(&R, 10)))
			e->node = topo.nodes[(tn - topo.nodes + i) %
					     topo.nr].node;
		else if (i && one_in(&R, 2))
			e->node = cp->nw[rnd(&R, i)].node;
		else
			e->node = pick_node_id(tn);
		if (i == 0 && !clean)
			e->node = pick_node_id(tn);
		if (mode_weighs(cr->mode) && (clean || !one_in(&R, 10)))
			e->weight = (uint32_t)rnd_range(&R, 1, one_in(&R, 8) ?
					CXLTIER_MAX_WEIGHT : 10);
		else if (!clean && one_in(&R, 12))
			e->weight = one_in(&R, 2) ? CXLTIER_MAX_WEIGHT + 1 :
						    maybe_junk32(1);
		e->flags = maybe_junk32(24);
		e->__reserved = maybe_junk32(24);
	}
	if (clean && (cr->flags & CXLTIER_CREATE_PINNABLE))
		for (i = 0; i < cp->nr; i++)
			if (!node_capacity(cp->nw[i].node, true))
				cr->flags &= ~CXLTIER_CREATE_PINNABLE;
	need = sizeof(cp->nw[0]) * (cp->nr ? cp->nr : 1);
	cp->nodes = pick_sub_ptr(need, &c->sub_kind[0]);
	cr->nodes = cp->nodes;
	/* store what is storable of the list at the pointer */
	if (readable_from(cp->nodes)) {
		size_t n = readable_from(cp->nodes);

		n = n < sizeof(cp->nw[0]) * cp->nr ? n :
			sizeof(cp->nw[0]) * cp->nr;
		if (writable_from(cp->nodes))
			memcpy((void *)(uintptr_t)cp->nodes, cp->nw, n);
		else
			ro_store((void *)(uintptr_t)cp->nodes, cp->nw, n);
	}
}

/* round(a * b / c), half up, as an upper/lower bound pair is enough */
static void share_bounds(uint64_t units, uint64_t prefix, uint64_t sum,
			 uint64_t *lo, uint64_t *hi)
{
	long double x = (long double)units * prefix / sum;

	*lo = x >= 1 ? (uint64_t)x - 1 : 0;
	*hi = (uint64_t)x + 2;
}

/* The header's CREATE rules, on the struct as the kernel sees it. */
static void judge_create(struct call *c, const struct cxltier_create *cr,
			 const struct create_plan *cp)
{
	const struct cxltier_info *in = &topo.info;
	bool pinnable = (cr->flags & CXLTIER_CREATE_PINNABLE) &&
			(in->supported_create_flags & CXLTIER_CREATE_PINNABLE);
	bool ps_ok = page_shift_ok(cr->page_shift), entries_ok = true;
	uint32_t ps = cr->page_shift ? cr->page_shift : pgshift, i, j;
	uint32_t maxn = max_pol;

	if (cr->flags & ~(uint32_t)in->supported_create_flags)
		defect(c, EINVAL, "flags");
#ifdef CXLTIER_CREATE_DEFAULT_POLICY
	/*
	 * The module's default policy instead of one given here: with a
	 * policy given too, -EINVAL; else -ENOENT, as the fuzzer never sets
	 * default_policy (it reads "none").
	 */
	if (cr->flags & CXLTIER_CREATE_DEFAULT_POLICY) {
		if (cr->mode || cr->nr_nodes || cr->nodes || cr->chunk_shift)
			defect(c, EINVAL, "default-policy-and-a-policy");
		else
			defect(c, ENOENT, "default-policy-none");
	}
#endif
	if (cr->__reserved2)
		defect(c, EINVAL, "reserved");
	if (!cr->length)
		defect(c, EINVAL, "length-0");
	if (!ps_ok)
		defect(c, EINVAL, "page_shift");
	if (!mode_ok(cr->mode))
		defect(c, EINVAL, "mode");
	if (cr->chunk_shift &&
	    (!mode_chunks(cr->mode) || cr->chunk_shift < ps ||
	     cr->chunk_shift > CXLTIER_MAX_CHUNK_SHIFT))
		defect(c, EINVAL, "chunk_shift");
	if (!cr->nr_nodes || cr->nr_nodes > maxn) {
		defect(c, EINVAL, "nr_nodes");
		if (cr->nr_nodes > CXLTIER_MAX_POLICY_NODES || !cr->nr_nodes)
			return;		/* the list means nothing */
	}
	/* the list: readable? */
	if (!can_read(cp->nodes, sizeof(cp->nw[0]) * (uint64_t)cr->nr_nodes)) {
		defect(c, EFAULT, "nodes-unreadable");
		return;
	}
	for (i = 0; i < cr->nr_nodes; i++) {
		const struct cxltier_node_weight *e = &cp->nw[i];

		if (e->flags || e->__reserved) {
			defect(c, EINVAL, "entry-flags/reserved");
			entries_ok = false;
		}
		if (max_numnodes && e->node >= max_numnodes) {
			defect(c, EINVAL, "node>=MAX_NUMNODES");
			entries_ok = false;
		}
		for (j = 0; j < i; j++)
			if (cp->nw[j].node == e->node) {
				defect(c, EINVAL, "duplicate-node");
				entries_ok = false;
			}
		if (mode_ok(cr->mode)) {
			bool w_ok = mode_weighs(cr->mode) ?
				    e->weight >= 1 &&
				    e->weight <= CXLTIER_MAX_WEIGHT :
				    !e->weight;

			if (!w_ok) {
				defect(c, EINVAL, "weight");
				entries_ok = false;
			}
		}
	}
	for (i = 0; i < cr->nr_nodes; i++) {
		const struct cxltier_node_weight *e = &cp->nw[i];

		if (!tnode(e->node)) {
			defect(c, ENODEV, "node-without-memory");
			if (!max_numnodes && e->node >= 64)
				defect(c, EINVAL, "node-maybe-too-big");
			entries_ok = false;
		} else if (pinnable && !node_capacity(e->node, true)) {
			defect(c, EXDEV, "pinnable-on-movable-only-node");
			entries_ok = false;
		}
	}
	/* too large for the listed nodes */
	if (entries_ok && ps_ok && cr->length && mode_ok(cr->mode)) {
		uint64_t ub = 1ULL << ps;
		uint64_t units = cr->length / ub + !!(cr->length % ub);
		unsigned int uorder = ps - pgshift;

		if (cr->mode != CXLTIER_MODE_SPLIT) {
			long double cap = 0;

			for (i = 0; i < cr->nr_nodes; i++)
				cap += node_capacity(cp->nw[i].node, pinnable);
			if ((long double)units * (1ULL << uorder) > cap)
				defect(c, EFBIG, "length>capacity");
		} else {
			uint64_t sum = 0, prefix = 0, plo, phi;
			bool must = false, may = false;

			for (i = 0; i < cr->nr_nodes; i++)
				sum += cp->nw[i].weight;
			plo = phi = 0;
			for (i = 0; i < cr->nr_nodes; i++) {
				uint64_t cap = node_capacity(cp->nw[i].node,
							     pinnable);
				uint64_t elo, ehi, slo, shi;

				prefix += cp->nw[i].weight;
				share_bounds(units, prefix, sum, &elo, &ehi);
				slo = elo > phi ? elo - phi : 0;
				shi = ehi > plo ? ehi - plo : 0;
				if ((long double)slo * (1ULL << uorder) > cap)
					must = true;
				if ((long double)shi * (1ULL << uorder) > cap)
					may = true;
				plo = elo;
				phi = ehi;
			}
			if (must) {
				defect(c, EFBIG, "share>capacity");
			} else if (may) {
				c->allowed |= EB(EFBIG);
				note(c, "(a share near its node's capacity)");
			}
		}
	}
	/* always possible: no fd free, no memory for metadata or populate */
	c->allowed |= EB(ENOMEM) | EB(EMFILE) | EB(ENFILE);
}

/* ---- BUF_STAT ---- */

struct stat_plan {
	uint32_t pol_cap, res_cap;
	uint64_t pol, res;
	uint32_t nr_res;	/* nodes holding pages, per the reference */
	struct cxltier_node_bytes ref[CXLTIER_MAX_POLICY_NODES];
	uint64_t ref_spilled;
};

/*
 * A reference BUF_STAT with room for everything, checked against what we
 * know (units touched, policy nodes); gives the count of nodes holding
 * pages, which the oracle needs and only the kernel knows.
 */
static int reference_stat(struct fbuf *b, struct stat_plan *sp)
{
	struct cxltier_node_weight pw[CXLTIER_MAX_POLICY_NODES];
	struct cxltier_buf_stat st = { .size = sizeof(st) };
	uint64_t sum = 0;
	bool ok = true;
	uint32_t i, j;

	st.nr_policy_nodes = CXLTIER_MAX_POLICY_NODES;
	st.policy_nodes = (uintptr_t)pw;
	st.nr_resident = CXLTIER_MAX_POLICY_NODES;
	st.resident = (uintptr_t)sp->ref;
	if (ioctl(b->fd, CXLTIER_IOC_BUF_STAT, &st) < 0) {
		fail("reference BUF_STAT of buffer id %" PRIu64 ": %s", b->id,
		     errname(errno));
		return -1;
	}
	sp->nr_res = st.nr_resident;
	sp->ref_spilled = st.spilled_bytes;
	for (i = 0; i < st.nr_resident && i < CXLTIER_MAX_POLICY_NODES; i++) {
		bool in_pol = false;

		for (j = 0; j < b->nr_pol; j++)
			in_pol |= b->pol[j].node == sp->ref[i].node;
		ok &= (in_pol || b->migrated) && sp->ref[i].bytes &&
		      !sp->ref[i].__reserved &&
		      (!i || sp->ref[i].node > sp->ref[i - 1].node);
		sum += sp->ref[i].bytes;
	}
	check(ok && (st.nr_resident <= b->nr_pol || b->migrated) &&
	      sum == st.resident_bytes &&
	      st.resident_bytes == b->nr_touched * unit_bytes(b) &&
	      st.spilled_bytes <= st.resident_bytes &&
	      (st.spilled_bytes == 0 || b->mode == CXLTIER_MODE_PREFERRED ||
	       (b->flags & CXLTIER_CREATE_FALLBACK) || b->migrated),
	      "BUF_STAT of buffer id %" PRIu64 " (mode %u, flags %#x, %u "
	      "policy nodes from node %u, %" PRIu64 " units of %" PRIu64
	      " bytes touched): %u resident entries%s summing to %" PRIu64
	      ", resident %" PRIu64 ", spilled %" PRIu64, b->id, b->mode,
	      b->flags, b->nr_pol, b->pol[0].node, b->nr_touched,
	      unit_bytes(b), st.nr_resident, ok ? "" : " (bad entries)", sum,
	      (uint64_t)st.resident_bytes, (uint64_t)st.spilled_bytes);
	return 0;
}

static void build_buf_stat(struct call *c, struct cxltier_buf_stat *st)
{
	static const uint32_t caps[] = { 0, 0, 1, 1, 1, 2, 3, 64, ~0U };
	unsigned int tries;

	memset(st, 0, sizeof(*st));
	st->flags = maybe_junk32(12);
	st->__reserved = maybe_junk32(12);
	st->__reserved2 = maybe_junk32(12);
	st->id = junk_out();
	st->length = junk_out();
	st->mode = (uint32_t)junk_out();
	st->page_shift = (uint32_t)junk_out();
	st->create_flags = (uint32_t)junk_out();
	st->resident_bytes = junk_out();
	st->spilled_bytes = junk_out();
	st->chunk_shift = (uint32_t)junk_out();
	st->nr_policy_nodes = caps[rnd(&R, ARRAY_SIZE(caps))];
	st->nr_resident = caps[rnd(&R, ARRAY_SIZE(caps))];
	if (clean) {
		st->nr_policy_nodes = CXLTIER_MAX_POLICY_NODES / 8;
		st->nr_resident = CXLTIER_MAX_POLICY_NODES / 8;
	}
	st->policy_nodes = !clean && one_in(&R, 4) ? 0 :
		pick_sub_ptr(16 * (st->nr_policy_nodes && st->nr_policy_nodes
				   < 64 ? st->nr_policy_nodes : 1),
			     &c->sub_kind[0]);
	if (!st->policy_nodes)
		c->sub_kind[0] = "NULL";
	/*
	 * The two arrays, and 16 bytes after each, must not overlap for the
	 * checks: pick the resident pointer again while they do.
	 */
	for (tries = 0; tries < 16; tries++) {
		uint64_t pl = 16 * (st->nr_policy_nodes < 64 ?
				    st->nr_policy_nodes : 64) + 16;
		uint64_t rl = 16 * (st->nr_resident < 64 ?
				    st->nr_resident : 64) + 16;

		st->resident = !clean && one_in(&R, 4) ? 0 :
			pick_sub_ptr(16 * (st->nr_resident &&
					   st->nr_resident < 64 ?
					   st->nr_resident : 1),
				     &c->sub_kind[1]);
		if (!st->resident || !st->policy_nodes ||
		    st->resident + rl <= st->policy_nodes ||
		    st->policy_nodes + pl <= st->resident)
			break;
	}
	if (tries == 16)
		st->resident = 0;
	if (!st->resident)
		c->sub_kind[1] = "NULL";
}

/* The header's BUF_STAT rules, on the struct as the kernel sees it. */
static void judge_buf_stat(struct call *c, const struct cxltier_buf_stat *st,
			   struct stat_plan *sp)
{
	const struct fbuf *b = c->b;
	uint64_t pn, rn;

	sp->pol_cap = st->nr_policy_nodes;
	sp->res_cap = st->nr_resident;
	sp->pol = st->policy_nodes;
	sp->res = st->resident;
	pn = sp->pol_cap < b->nr_pol ? sp->pol_cap : b->nr_pol;
	rn = sp->res_cap < sp->nr_res ? sp->res_cap : sp->nr_res;

	if (st->flags)
		defect(c, EINVAL, "flags");
	if (st->__reserved || st->__reserved2)
		defect(c, EINVAL, "reserved");
	if (pn && !can_write(sp->pol, 16 * pn))
		defect(c, EFAULT, "policy-unwritable");
	if (rn && !can_write(sp->res, 16 * rn))
		defect(c, EFAULT, "resident-unwritable");
	if (b->nr_pol > sp->pol_cap && (sp->pol_cap || sp->pol))
		defect(c, EMSGSIZE, "policy-capacity");
	if (sp->nr_res > sp->res_cap && (sp->res_cap || sp->res))
		defect(c, EMSGSIZE, "resident-capacity");
	c->allowed |= EB(ENOMEM);
}

/* Bytes between two arrays we check for FILL: the rest must be untouched. */
static bool untouched(uint64_t p, size_t from, size_t n)
{
	const uint8_t *q = (const uint8_t *)(uintptr_t)p;
	size_t i, avail = writable_from(p);

	for (i = from; i < from + n && i < avail; i++)
		if (q[i] != FILL)
			return false;
	return true;
}

static void check_buf_stat(struct call *c, const struct stat_plan *sp)
{
	const struct cxltier_buf_stat *st = (const void *)(uintptr_t)c->arg;
	const struct fbuf *b = c->b;
	const struct cxltier_node_weight *pw =
		(const void *)(uintptr_t)sp->pol;
	const struct cxltier_node_bytes *rb = (const void *)(uintptr_t)sp->res;
	uint32_t pn = sp->pol_cap < b->nr_pol ? sp->pol_cap : b->nr_pol;
	uint32_t rn = sp->res_cap < sp->nr_res ? sp->res_cap : sp->nr_res, i;
	bool full = c->size >= offsetofend(struct cxltier_buf_stat,
					   __reserved2);
	bool ok;

	check(st->id == b->id && st->length == b->len &&
	      st->mode == b->mode && st->page_shift == b->page_shift &&
	      st->create_flags == b->flags &&
	      st->nr_policy_nodes == b->nr_pol &&
	      st->nr_resident == sp->nr_res &&
	      st->resident_bytes == b->nr_touched * unit_bytes(b) &&
	      (!full || (st->chunk_shift == b->chunk_shift &&
			 st->spilled_bytes == sp->ref_spilled)),
	      "BUF_STAT of buffer id %" PRIu64 " (length %" PRIu64 ", mode %u,"
	      " page_shift %u, flags %#x, %u policy nodes, chunk %u, %" PRIu64
	      " units touched): id %" PRIu64 " length %" PRIu64 " mode %u "
	      "page_shift %u create_flags %#x policy nodes %u resident nodes "
	      "%u (reference %u) resident bytes %" PRIu64 " spilled %" PRIu64
	      " chunk %u", b->id, b->len, b->mode, b->page_shift, b->flags,
	      b->nr_pol, b->chunk_shift, b->nr_touched, (uint64_t)st->id,
	      (uint64_t)st->length, st->mode, st->page_shift,
	      st->create_flags, st->nr_policy_nodes, st->nr_resident,
	      sp->nr_res, (uint64_t)st->resident_bytes,
	      (uint64_t)st->spilled_bytes, st->chunk_shift);
	if (sp->pol && writable_from(sp->pol)) {
		ok = untouched(sp->pol, 16 * pn, 16);
		for (i = 0; i < pn; i++)
			ok &= pw[i].node == b->pol[i].node &&
			      pw[i].weight == b->pol[i].weight &&
			      !pw[i].flags && !pw[i].__reserved;
		check(ok, "BUF_STAT policy entries (capacity %u, %u in the "
		      "policy): not the policy, or written past %u entries",
		      sp->pol_cap, b->nr_pol, pn);
	}
	if (sp->res && writable_from(sp->res)) {
		ok = untouched(sp->res, 16 * rn, 16);
		for (i = 0; i < rn; i++)
			ok &= rb[i].node == sp->ref[i].node &&
			      rb[i].bytes == sp->ref[i].bytes &&
			      !rb[i].__reserved;
		check(ok, "BUF_STAT resident entries (capacity %u, %u nodes "
		      "hold pages): not as the reference, or written past %u "
		      "entries", sp->res_cap, sp->nr_res, rn);
	}
}

/* ---- the call ---- */

/* The lowest free fd number (what a new fd would get). */
/* ---- MIGRATE ---- */

/*
 * The new policy is built by build_create() (the same encoding, the same
 * defects), on the buffer's own length, page size and flags, and judged by
 * judge_create(): one validator on both sides, as in the module.
 */
struct migrate_plan {
	struct create_plan cp;
	struct cxltier_create as_create;
};

static void build_migrate(struct call *c, struct cxltier_migrate *m,
			  struct migrate_plan *mp)
{
	const struct fbuf *b = c->b;
	struct cxltier_create *cr = &mp->as_create;

	build_create(c, cr, &mp->cp);
	memset(m, 0, sizeof(*m));
	m->mode = cr->mode;
	m->nr_nodes = cr->nr_nodes;
	m->nodes = cr->nodes;
	m->chunk_shift = cr->chunk_shift;
	if (clean && m->chunk_shift &&
	    (m->chunk_shift < (b->page_shift ? b->page_shift : pgshift) ||
	     !mode_chunks(m->mode)))
		m->chunk_shift = 0;
	if (one_in(&R, 4))
		m->flags |= CXLTIER_MIGRATE_ASYNC;
	if (one_in(&R, 2))
		m->flags |= CXLTIER_MIGRATE_SPLIT_HUGE;
	if (!clean && one_in(&R, 12))
		m->flags |= 1U << rnd(&R, 32);
	m->__reserved = maybe_junk32(16);
	/* never so slow that a synchronous call sleeps for long */
	m->rate_bytes = one_in(&R, 4) ? (256 * MiB) << rnd(&R, 8) : 0;
	m->out_moved_pages = junk_out();
	m->out_moved_bytes = junk_out();
	m->out_skipped_pages = junk_out();
	m->out_skipped_bytes = junk_out();
	m->out_failed_pages = junk_out();
	m->out_failed_bytes = junk_out();
	m->out_elapsed_ns = junk_out();
}

/* The header's MIGRATE rules, on the struct as the kernel sees it. */
static void judge_migrate(struct call *c, const struct cxltier_migrate *m,
			  struct migrate_plan *mp)
{
	const struct fbuf *b = c->b;
	struct cxltier_create *cr = &mp->as_create;

	memset(cr, 0, sizeof(*cr));
	cr->size = sizeof(*cr);
	cr->flags = b->flags;
	cr->length = b->len;
	cr->page_shift = b->page_shift;
	cr->mode = m->mode;
	cr->nr_nodes = m->nr_nodes;
	cr->nodes = m->nodes;
	cr->chunk_shift = m->chunk_shift;
	mp->cp.nodes = m->nodes;
	if (m->flags & ~(uint32_t)(CXLTIER_MIGRATE_ASYNC |
				   CXLTIER_MIGRATE_SPLIT_HUGE))
		defect(c, EINVAL, "migrate-flags");
	if (m->__reserved)
		defect(c, EINVAL, "migrate-reserved");
	judge_create(c, cr, &mp->cp);
	/* an async migration of this buffer may still run; signals */
	c->allowed |= EB(EBUSY) | EB(EINTR);
}

/* A successful MIGRATE: the counts add up; the new policy is recorded. */
static void check_migrate(struct call *c, const struct cxltier_migrate *in,
			  const struct migrate_plan *mp)
{
	const struct cxltier_migrate *m = (const void *)(uintptr_t)c->arg;
	struct fbuf *b = c->b;
	uint32_t i;

	if (in->flags & CXLTIER_MIGRATE_ASYNC) {
		struct pollfd pfd = { .fd = b->fd, .events = POLLIN | POLLPRI };
		int pr;

		if (c->size >= sizeof(*m))
			check(!m->out_moved_pages && !m->out_skipped_pages &&
			      !m->out_failed_pages && !m->out_elapsed_ns,
			      "async MIGRATE of buffer id %" PRIu64 " returned "
			      "counts %llu/%llu/%llu, %llu ns", b->id,
			      (unsigned long long)m->out_moved_pages,
			      (unsigned long long)m->out_skipped_pages,
			      (unsigned long long)m->out_failed_pages,
			      (unsigned long long)m->out_elapsed_ns);
		/*
		 * Wait for it (poll() reports the end), so that what the
		 * other checks compare does not move under them.
		 */
		pr = poll(&pfd, 1, 60 * 1000);
		check(pr == 1 && (pfd.revents & (POLLIN | POLLPRI)) ==
		      (POLLIN | POLLPRI), "async MIGRATE of buffer id %" PRIu64
		      ": poll() gave %d, revents %#x, within 60 s", b->id, pr,
		      pfd.revents);
	} else if (c->size >= sizeof(*m)) {
		check(!m->out_skipped_pages &&
		      m->out_moved_pages + m->out_failed_pages <=
		      b->nr_touched << b->uorder &&
		      m->out_moved_bytes == m->out_moved_pages * pgsz &&
		      m->out_failed_bytes == m->out_failed_pages * pgsz &&
		      m->out_skipped_bytes == 0,
		      "MIGRATE of buffer id %" PRIu64 " (%" PRIu64 " units of "
		      "%u pages touched): moved %llu (%llu bytes), skipped "
		      "%llu, failed %llu (%llu bytes)", b->id, b->nr_touched,
		      1U << b->uorder, (unsigned long long)m->out_moved_pages,
		      (unsigned long long)m->out_moved_bytes,
		      (unsigned long long)m->out_skipped_pages,
		      (unsigned long long)m->out_failed_pages,
		      (unsigned long long)m->out_failed_bytes);
	}
	b->mode = in->mode;
	b->chunk_shift = in->chunk_shift;
	b->nr_pol = in->nr_nodes;
	for (i = 0; i < in->nr_nodes && i < CXLTIER_MAX_POLICY_NODES; i++)
		b->pol[i] = mp->cp.nw[i];
	b->migrated = true;
}

static int lowest_free_fd(void)
{
	int fd = open("/dev/null", O_RDONLY | O_CLOEXEC);

	if (fd >= 0)
		close(fd);
	return fd;
}

static struct fbuf *track_new_buffer(int fd, uint64_t id,
				     const struct cxltier_create *cr,
				     const struct create_plan *cp)
{
	unsigned int i;

	for (i = 0; i < MAX_BUFS; i++) {
		struct fbuf *b = &bufs[i];
		uint32_t ps = cr->page_shift ? cr->page_shift : pgshift;

		if (b->used)
			continue;
		memset(b, 0, sizeof(*b));
		b->uorder = ps - pgshift;
		b->nu = cr->length >> ps;
		b->nu += !!(cr->length & ((1ULL << ps) - 1));
		b->np = b->nu << b->uorder;
		b->touched = calloc((b->nu + 7) / 8, 1);
		b->gen = calloc(b->np < MAX_TRACK_PAGES ? b->np :
				MAX_TRACK_PAGES, sizeof(*b->gen));
		if (!b->touched || !b->gen)
			abort();
		b->used = true;
		b->fd = fd;
		b->id = id;
		b->len = cr->length;
		b->mode = cr->mode;
		b->flags = cr->flags;
		b->page_shift = ps;
		b->chunk_shift = cr->chunk_shift;
		b->nr_pol = cr->nr_nodes;
		memcpy(b->pol, cp->nw, sizeof(b->pol[0]) * cr->nr_nodes);
		if (cr->flags & CXLTIER_CREATE_POPULATE) {
			uint64_t u;

			for (u = 0; u < b->nu; u++)
				set_touched(b, u << b->uorder);
		}
		return b;
	}
	return NULL;
}

/* Checks a fresh buffer from a successful CREATE; keeps or closes it. */
static void check_new_buffer(struct call *c, const struct cxltier_create *in,
			     const struct create_plan *cp)
{
	const struct cxltier_create *cr = (const void *)(uintptr_t)c->arg;
	int fd = cr->out_fd, fdfl, fl;
	struct cxltier_buf_stat st = { .size = sizeof(st) };
	struct cxltier_node_weight pw[CXLTIER_MAX_POLICY_NODES];
	uint32_t ps = in->page_shift ? in->page_shift : pgshift, i;
	uint64_t units, expect_res;
	bool dup, pol_ok = true;
	struct stat sb;

	fdfl = fcntl(fd, F_GETFD);
	fl = fcntl(fd, F_GETFL);
	check(fd >= 0 && fdfl >= 0 && (fdfl & FD_CLOEXEC) && fl >= 0 &&
	      (fl & O_ACCMODE) == O_RDWR && fd != dev && !fstat(fd, &sb),
	      "CREATE returned fd %d: F_GETFD %d, F_GETFL %#x", fd, fdfl, fl);
	if (fd < 0 || fdfl < 0)
		return;
	/* the in-fields come back as they went in */
	check(cr->size == in->size && cr->flags == in->flags &&
	      cr->length == in->length && cr->mode == in->mode &&
	      cr->nr_nodes == in->nr_nodes && cr->nodes == in->nodes &&
	      cr->page_shift == in->page_shift &&
	      cr->chunk_shift == in->chunk_shift && cr->__reserved2 == 0,
	      "CREATE changed its input fields");
	dup = id_seen(cr->out_id);
	check(cr->out_id && !dup, "CREATE returned id %" PRIu64 "%s",
	      (uint64_t)cr->out_id, dup ? ", seen before" : "");
	st.nr_policy_nodes = CXLTIER_MAX_POLICY_NODES;
	st.policy_nodes = (uintptr_t)pw;
	units = in->length >> ps;
	units += !!(in->length & ((1ULL << ps) - 1));
	expect_res = in->flags & CXLTIER_CREATE_POPULATE ? units << ps : 0;
	if (ioctl(fd, CXLTIER_IOC_BUF_STAT, &st) < 0) {
		fail("BUF_STAT of a fresh buffer: %s", errname(errno));
	} else {
		for (i = 0; i < in->nr_nodes && i < CXLTIER_MAX_POLICY_NODES;
		     i++)
			pol_ok &= pw[i].node == cp->nw[i].node &&
				  pw[i].weight == cp->nw[i].weight &&
				  !pw[i].flags && !pw[i].__reserved;
		check(st.id == cr->out_id && st.length == in->length &&
		      st.mode == in->mode && st.page_shift == ps &&
		      st.create_flags == in->flags &&
		      st.nr_policy_nodes == in->nr_nodes && pol_ok &&
		      st.chunk_shift == in->chunk_shift &&
		      st.resident_bytes == expect_res &&
		      st.spilled_bytes <= st.resident_bytes,
		      "fresh buffer: BUF_STAT id %" PRIu64 " (CREATE said %"
		      PRIu64 ") length %" PRIu64 " (%" PRIu64 ") mode %u (%u) "
		      "page_shift %u (%u) flags %#x (%#x) policy %u nodes "
		      "(%u) %s, chunk %u (%u), resident %" PRIu64 " (%"
		      PRIu64 "), spilled %" PRIu64, (uint64_t)st.id,
		      (uint64_t)cr->out_id, (uint64_t)st.length,
		      (uint64_t)in->length,
		      st.mode, in->mode, st.page_shift, ps, st.create_flags,
		      in->flags, st.nr_policy_nodes, in->nr_nodes,
		      pol_ok ? "as given" : "not as given", st.chunk_shift,
		      in->chunk_shift, (uint64_t)st.resident_bytes,
		      expect_res, (uint64_t)st.spilled_bytes);
	}
	if (nr_open_bufs() >= MAX_BUFS - 1 ||
	    resident_total + expect_res > MAX_RESIDENT_BYTES ||
	    !track_new_buffer(fd, cr->out_id, in, cp))
		close(fd);
}

/*
 * Places @k at the call's argument: its first min(size, @ks) bytes (at
 * least the size field), zeroes after them, sometimes a non-zero byte in a
 * tail past @ks.
 */
static void place_struct(struct call *c, const void *k, size_t ks)
{
	size_t avail = readable_from(c->arg), lim, span;
	size_t n = c->size < ks ? (c->size > 4 ? c->size : 4) : ks;
	bool ro = c->arg >= (uintptr_t)ROPG && c->arg < (uintptr_t)ROPG + pgsz;
	uint8_t tmp[512], *dst = (uint8_t *)(uintptr_t)c->arg;

	if (!avail)
		return;
	/* the arena is zero already; the RO page's second half may hold a
	   node list */
	span = avail < sizeof(tmp) ? avail : sizeof(tmp);
	if (ro && span > pgsz / 2)
		span = pgsz / 2;
	memset(tmp, 0, sizeof(tmp));
	memcpy(tmp, k, n < span ? n : span);
	if (ro)
		ro_store(dst, tmp, span);
	else
		memcpy(dst, tmp, n < avail ? n : avail);
	if (c->size > ks && avail > ks && !ro && one_in(&R, 2)) {
		lim = (c->size < avail ? c->size : avail) - ks;
		dst[ks + rnd(&R, lim)] = (uint8_t)rnd_range(&R, 1, 255);
		note(c, "(non-zero tail)");
	}
	c->nbytes = avail < sizeof(c->bytes) ? avail : sizeof(c->bytes);
	if (c->nbytes > (c->size > ks ? c->size : ks))
		c->nbytes = c->size > ks ? c->size : ks;
	memcpy(c->bytes, dst, c->nbytes);
}

/* ioctl results: [0] other commands, [1 + nr - base] ours; by errbit */
static uint64_t results[1 + CXLTIER_CMD_LAST - CXLTIER_CMD_BASE][32];
static uint64_t nr_mmaps, nr_touches, nr_sigbus_ok, nr_munmaps, nr_closes;

static void do_ioctl(void)
{
	union {
		struct cxltier_info info;
		struct cxltier_create create;
		struct cxltier_buf_stat stat;
		struct cxltier_migrate migrate;
	} k, in, eff;
	struct migrate_plan mp;
	struct getinfo_plan gp;
	struct create_plan cp;
	struct stat_plan sp;
	struct call c;
	size_t ks, v0, avail, i, kview;
	unsigned int type;
	uint8_t *sbytes;
	int lowfd, r;

	clean = one_in(&R, 3);
	memset(&c, 0, sizeof(c));
	memset(&k, 0, sizeof(k));
	memset(&gp, 0, sizeof(gp));
	memset(&sp, 0, sizeof(sp));
	c.fdk = one_in(&R, 2) ? FD_DEV : FD_BUF;
	if (c.fdk == FD_BUF) {
		c.b = random_buf(true);
		if (!c.b)
			c.fdk = FD_DEV;
	}
	c.fd = c.fdk == FD_DEV ? dev : c.b->fd;
	c.arg_kind = "arena";
	c.may_succeed = true;
	pick_cmd(&c);

	/* the sub arena holds FILL; the struct arena zeroes */
	memset(SUB, FILL, SUB_LEN);
	memset(ARENA, 0, ARENA_LEN);

	/* the struct as a valid call would have it */
	type = c.known ? c.known : (unsigned int)rnd_range(&R,
				CXLTIER_CMD_BASE, CXLTIER_CMD_LAST - 1);
	if ((type == CXLTIER_CMD_BUF_STAT || type == CXLTIER_CMD_MIGRATE) &&
	    !c.b)
		type = CXLTIER_CMD_GET_INFO;
	switch (type) {
	case CXLTIER_CMD_GET_INFO:
		ks = sizeof(k.info);
		v0 = INFO_V0;
		build_get_info(&c, &k.info);
		break;
	case CXLTIER_CMD_CREATE:
		ks = sizeof(k.create);
		v0 = CREATE_V0;
		build_create(&c, &k.create, &cp);
		break;
	case CXLTIER_CMD_MIGRATE:
		ks = sizeof(k.migrate);
		v0 = MIGRATE_V0;
		build_migrate(&c, &k.migrate, &mp);
		break;
	default:
		ks = sizeof(k.stat);
		v0 = STAT_V0;
		build_buf_stat(&c, &k.stat);
		break;
	}
	c.ksize = ks;
	c.v0size = v0;

	/* the size field */
	switch (clean ? 9 : rnd(&R, 14)) {
	case 0:
		c.size = 0;
		break;
	case 1:
		c.size = (uint32_t)rnd_range(&R, 1, v0 - 1);
		break;
	case 2:
		c.size = (uint32_t)v0 - 1;
		break;
	case 3:
		c.size = (uint32_t)v0;
		break;
	case 4:
		c.size = (uint32_t)rnd_range(&R, v0, ks);
		break;
	case 5:
	case 6:
		c.size = (uint32_t)(ks + rnd_range(&R, 1, 64));
		break;
	case 7:
		c.size = (uint32_t)(ks + rnd_range(&R, 64, ARENA_LEN));
		break;
	case 8:
		c.size = one_in(&R, 2) ? ~0U : 1U << rnd_range(&R, 13, 31);
		break;
	default:
		c.size = (uint32_t)ks;
		break;
	}
	k.info.size = c.size;	/* size is the first field of all three */
	in = k;

	/* where the struct lives */
	switch (clean ? 3 : rnd(&R, 20)) {
	case 0:
		c.arg_kind = "partially-mapped";
		c.arg = (uintptr_t)ARENA + ARENA_LEN - rnd_range(&R, 1, ks - 1);
		break;
	case 1:
		c.arg_kind = "read-only";
		c.arg = (uintptr_t)ROPG;
		break;
	case 2: {
		const char *kind;

		c.arg = pick_sub_ptr(ks, &kind);
		if (readable_from(c.arg) && c.arg >= (uintptr_t)SUB &&
		    c.arg < (uintptr_t)SUB + SUB_LEN)
			c.arg = 0;	/* keep the sub arena for arrays */
		c.arg_kind = c.arg ? kind : "NULL";
		if (c.arg >= (uintptr_t)ROPG && c.arg < (uintptr_t)ROPG + pgsz)
			c.arg = (uintptr_t)ROPG, c.arg_kind = "read-only";
		break;
	}
	default:
		/* room for the whole size when it fits, else anywhere */
		if (c.size <= ARENA_LEN)
			c.arg = (uintptr_t)ARENA +
				(rnd(&R, ARENA_LEN - (c.size > ks ? c.size :
						      ks) + 1) & ~7ULL);
		else
			c.arg = (uintptr_t)ARENA + (rnd(&R, ARENA_LEN - ks) &
						    ~7ULL);
		break;
	}
	place_struct(&c, &k, ks);
	avail = readable_from(c.arg);

	/* the reference for BUF_STAT, before anything else changes */
	if (c.known == CXLTIER_CMD_BUF_STAT && reference_stat(c.b, &sp))
		return;

	/*
	 * The oracle.  Not a command of this fd: ENOTTY only.  Else, first
	 * what copy_struct_from_user() semantics decide alone: the size
	 * readable, at least the first version, a longer tail zero, the
	 * struct readable; then the command's rules on the struct as the
	 * kernel sees it (fields past the size given are zero); then writing
	 * the struct back (min(size, current size) bytes).
	 */
	kview = c.size < ks ? c.size : ks;
	if (c.pool) {
		c.allowed = (1U << ARRAY_SIZE(doc_errnos)) - 1;
		c.may_succeed = true;
		snprintf(c.notes, sizeof(c.notes), "pool command, random struct");
	} else if (!c.known) {
		c.allowed = EB(ENOTTY);
		c.may_succeed = false;
		snprintf(c.notes, sizeof(c.notes), "not a command of this fd");
	} else if (avail < 4) {
		c.allowed = EB(EFAULT);
		c.may_succeed = false;
		snprintf(c.notes, sizeof(c.notes), "size unreadable");
	} else if (c.size < v0) {
		c.allowed = EB(EINVAL);
		c.may_succeed = false;
		snprintf(c.notes, sizeof(c.notes), "size below version 0");
	} else {
		bool tail_nz = false;

		sbytes = (uint8_t *)(uintptr_t)c.arg;
		for (i = ks; i < c.size && i < avail; i++)
			if (sbytes[i]) {
				tail_nz = true;
				break;
			}
		if (c.size > ks && tail_nz) {
			c.allowed = EB(E2BIG);
			c.may_succeed = false;
			note(&c, "non-zero tail at %zu", i);
		} else if (c.size > ks && c.size > avail) {
			c.allowed = EB(EFAULT);
			c.may_succeed = false;
			note(&c, "tail unreadable");
		} else if (avail < kview) {
			c.allowed = EB(EFAULT);
			c.may_succeed = false;
			note(&c, "struct unreadable");
		} else {
			memset(&eff, 0, sizeof(eff));
			memcpy(&eff, &in, kview);
			switch (c.known) {
			case CXLTIER_CMD_GET_INFO:
				judge_get_info(&c, &eff.info, &gp);
				break;
			case CXLTIER_CMD_CREATE:
				judge_create(&c, &eff.create, &cp);
				break;
			case CXLTIER_CMD_MIGRATE:
				judge_migrate(&c, &eff.migrate, &mp);
				break;
			default:
				judge_buf_stat(&c, &eff.stat, &sp);
				break;
			}
			if (!can_write(c.arg, kview))
				defect(&c, EFAULT, "struct-not-writable");
		}
	}

	lowfd = lowest_free_fd();
	errno = 0;
	r = ioctl(c.fd, c.cmd, (unsigned long)c.arg);
	c.ret = r;
	c.err = r < 0 ? errno : 0;
	results[c.known ? c.known - CXLTIER_CMD_BASE + 1 : 0]
	       [r < 0 ? errbit(c.err) : 31]++;

	if (cfg.verbose) {
		char d[1800];

		describe_call(&c, d, sizeof(d));
		out("%" PRIu64 ": %s", iter, d);
	}

	/* a failed call leaves no fd behind */
	if (r < 0 || c.known != CXLTIER_CMD_CREATE) {
		if (lowfd >= 0 && fcntl(lowfd, F_GETFD) >= 0) {
			char d[1800];

			describe_call(&c, d, sizeof(d));
			fail("fd %d appeared although no buffer was created: "
			     "%s", lowfd, d);
			close(lowfd);
		} else {
			passed++;
		}
	}

	if (r < 0) {
		bool doc = documented(c.err);
		bool pred = c.allowed & EB(c.err);
		char d[1800];

		if (doc && pred) {
			errno_ok++;
			passed++;
			/* EMSGSIZE still fills what fits */
			if (c.err == EMSGSIZE && c.known == CXLTIER_CMD_GET_INFO)
				check_get_info(&c, &gp);
			if (c.err == EMSGSIZE && c.known == CXLTIER_CMD_BUF_STAT)
				check_buf_stat(&c, &sp);
			return;
		}
		describe_call(&c, d, sizeof(d));
		if (!fclass_note(c.known, c.err, c.allowed, false)) {
			failed++;
			return;
		}
		if (!doc)
			fail("errno not in the documented set: %s", d);
		else
			fail("contract: errno not one the header predicts: %s",
			     d);
		return;
	}

	if (!c.may_succeed || r != 0) {
		char d[1800];

		describe_call(&c, d, sizeof(d));
		if (fclass_note(c.known, 0, c.allowed, true))
			fail("contract: %s: %s", r ? "returned non-zero" :
			     "succeeded with a defect", d);
		else
			failed++;
		if (c.known == CXLTIER_CMD_CREATE && !r) {
			const struct cxltier_create *cr =
				(const void *)(uintptr_t)c.arg;

			if (fcntl(cr->out_fd, F_GETFD) >= 0 &&
			    cr->out_fd != dev)
				close(cr->out_fd);
		}
		return;
	}
	calls_ok++;
	passed++;
	switch (c.known) {
	case CXLTIER_CMD_GET_INFO:
		check_get_info(&c, &gp);
		break;
	case CXLTIER_CMD_CREATE:
		check_new_buffer(&c, &eff.create, &cp);
		break;
	case CXLTIER_CMD_BUF_STAT:
		check_buf_stat(&c, &sp);
		break;
	case CXLTIER_CMD_MIGRATE:
		check_migrate(&c, &eff.migrate, &mp);
		break;
	}
	/* nothing written past what the size gave, nor in a zero tail */
	if (writable_from(c.arg) >= c.size + 16ULL || c.size > ks) {
		const uint8_t *t = (const uint8_t *)(uintptr_t)c.arg;
		size_t from = kview, to = c.size > ks ? c.size : kview + 16;

		for (i = from; i < to && i < writable_from(c.arg); i++)
			if (t[i]) {
				fail("cmd %#lx: byte %zu written, past the "
				     "%zu bytes the kernel may write back "
				     "(size %u): %#x", c.cmd, i, kview, c.size,
				     t[i]);
				return;
			}
		passed++;
	}
}

static void do_mmap(void)
{
	struct fbuf *b = random_buf(true);
	uint64_t off_pages = 0, len;
	unsigned int slot, x;
	int prot, flags, e;
	bool inside, weird = false, priv = false;
	off_t off;
	void *p;

	if (!b)
		return;
	for (slot = 0; slot < MAX_MAPS && maps[slot].used; slot++)
		;
	if (slot == MAX_MAPS)
		return;
	x = (unsigned int)rnd(&R, 100);
	/* offset */
	if (x < 60) {
		off_pages = rnd(&R, b->np);
		off = (off_t)(off_pages * pgsz);
	} else if (x < 70) {
		off_pages = b->np + rnd(&R, 4);
		off = (off_t)(off_pages * pgsz);
	} else if (x < 80) {
		off = (off_t)(rnd(&R, b->np) * pgsz + rnd_range(&R, 1,
								 pgsz - 1));
		weird = true;
	} else if (x < 90) {
		off = (off_t)(0x7fffffffffffffffULL - rnd(&R, 16) * pgsz) &
		      ~(off_t)(pgsz - 1);
		off_pages = (uint64_t)off / pgsz;
		weird = true;
	} else {
		off = 0;
	}
	/* length */
	x = (unsigned int)rnd(&R, 100);
	if (x < 50)
		len = rnd_range(&R, 1, b->np - (off_pages < b->np ? off_pages :
						 b->np - 1)) * pgsz;
	else if (x < 60)
		len = rnd_range(&R, 1, 3 * pgsz);
	else if (x < 75)
		len = (b->np - (off_pages < b->np ? off_pages : 0) +
		       rnd_range(&R, 1, 4)) * pgsz;	/* past the end */
	else if (x < 80)
		len = 0;
	else if (x < 90)
		len = ~0ULL - rnd(&R, pgsz);
	else
		len = (b->np - (off_pages < b->np ? off_pages : 0)) * pgsz -
		      rnd(&R, pgsz - 1);
	if (len > (1ULL << 40))
		weird = true;
	prot = one_in(&R, 3) ? PROT_READ : PROT_READ | PROT_WRITE;
	flags = MAP_SHARED;
	if (one_in(&R, 8)) {
		flags = MAP_PRIVATE;
		priv = true;
	} else if (one_in(&R, 8)) {
		flags = MAP_SHARED_VALIDATE;
	}
	inside = !weird && len && off_pages < b->np &&
		 off_pages + (len + pgsz - 1) / pgsz <= b->np;

	nr_mmaps++;
	p = mmap(NULL, len, prot, flags, b->fd, off);
	e = errno;
	if (p == MAP_FAILED) {
		bool ok_err = e == EINVAL || e == ENOMEM || e == EOVERFLOW;

		check(ok_err && (!inside || priv),
		      "mmap(len %#" PRIx64 ", prot %d, %s, buffer id %" PRIu64
		      " of %" PRIu64 " pages, offset %#llx): %s", len, prot,
		      priv ? "MAP_PRIVATE" : "MAP_SHARED", b->id, b->np,
		      (unsigned long long)off, errname(e));
		if (priv && inside)
			check(e == EINVAL, "MAP_PRIVATE of a buffer: %s "
			      "(header: EINVAL)", errname(e));
		return;
	}
	if (priv) {
		fail("MAP_PRIVATE of buffer id %" PRIu64 " succeeded (header: "
		     "EINVAL)", b->id);
		munmap(p, len);
		return;
	}
	passed++;
	maps[slot].used = true;
	maps[slot].b = b;
	maps[slot].addr = p;
	maps[slot].len = (size_t)round_up_pg(len);
	maps[slot].pgoff = (uint64_t)off / pgsz;
	maps[slot].prot = prot;
	b->nmaps++;
}

static void do_munmap(void)
{
	unsigned int i, start = (unsigned int)rnd(&R, MAX_MAPS);

	for (i = 0; i < MAX_MAPS; i++) {
		struct fmap *m = &maps[(start + i) % MAX_MAPS];

		if (!m->used)
			continue;
		nr_munmaps++;
		check(!munmap(m->addr, m->len), "munmap(%p, %zu): %s",
		      m->addr, m->len, errname(errno));
		m->used = false;
		m->b->nmaps--;
		buf_release_if_gone(m->b);
		return;
	}
}

static void do_close(void)
{
	struct fbuf *b = random_buf(true);

	if (!b)
		return;
	nr_closes++;
	check(!close(b->fd), "close buffer id %" PRIu64 ": %s", b->id,
	      errname(errno));
	b->fd = -1;
	buf_release_if_gone(b);
}

/* Touches past the end of a buffer from a child, which must die of SIGBUS. */
static void touch_past_end_child(struct fmap *m, uint64_t idx, bool write)
{
	volatile char *a = m->addr + idx * pgsz;
	pid_t pid = fork();
	int st;

	if (pid < 0) {
		fail("fork: %s", errname(errno));
		return;
	}
	if (!pid) {
		signal(SIGBUS, SIG_DFL);
		signal(SIGSEGV, SIG_DFL);
		if (write)
			*a = 1;
		else
			(void)*a;
		_exit(0);
	}
	while (waitpid(pid, &st, 0) < 0 && errno == EINTR)
		;
	nr_sigbus_ok += WIFSIGNALED(st) && WTERMSIG(st) == SIGBUS;
	check(WIFSIGNALED(st) && WTERMSIG(st) == SIGBUS,
	      "a child %s page %" PRIu64 " of buffer id %" PRIu64 " (%" PRIu64
	      " pages) past its end: %s %d (expected SIGBUS)",
	      write ? "writing" : "reading", m->pgoff + idx, m->b->id,
	      m->b->np, WIFSIGNALED(st) ? "signal" : "exit status",
	      WIFSIGNALED(st) ? WTERMSIG(st) : WEXITSTATUS(st));
}

/*
 * Reads page @pg of @b at @p and checks it (or, with @write, checks it,
 * writes the next generation and checks again); a page past the end gets
 * one access.  The signal it raised, if any, in probe_sig.
 */
static void touch_one(struct fbuf *b, volatile uint64_t *p, uint64_t pg,
		      bool past, bool write, long *bad, uint64_t *got,
		      uint64_t *exp)
{
	probe_sig = 0;
	probe_active = 1;
	if (!sigsetjmp(probe_env, 1)) {
		if (past) {
			if (write)
				p[0] = 1;
			else
				*got = p[0];
		} else if (write) {
			uint32_t g = b->gen[pg] + 1;

			*bad = page_ok(b, pg, p, got, exp);
			if (*bad < 0) {
				p[0] = sig_word(b->id, pg, g, 0);
				p[pgsz / 8 - 1] = sig_word(b->id, pg, g,
						(unsigned int)(pgsz / 8 - 1));
				b->gen[pg] = g;
				*bad = page_ok(b, pg, p, got, exp);
			}
		} else {
			*bad = page_ok(b, pg, p, got, exp);
		}
	}
	probe_active = 0;
}

static void do_touch(void)
{
	unsigned int i, start = (unsigned int)rnd(&R, MAX_MAPS), n;
	struct fmap *m = NULL;
	struct fbuf *b;
	uint64_t mpages;

	for (i = 0; i < MAX_MAPS; i++)
		if (maps[(start + i) % MAX_MAPS].used) {
			m = &maps[(start + i) % MAX_MAPS];
			break;
		}
	if (!m)
		return;
	b = m->b;
	mpages = m->len / pgsz;
	if (!(m->prot & PROT_WRITE) && one_in(&R, 2)) {
		check(!mprotect(m->addr, m->len, PROT_READ | PROT_WRITE),
		      "mprotect(PROT_READ|PROT_WRITE) of a PROT_READ shared "
		      "mapping of buffer id %" PRIu64 ": %s", b->id,
		      errname(errno));
		m->prot = PROT_READ | PROT_WRITE;
	}
	n = (unsigned int)rnd_range(&R, 1, 8);
	for (i = 0; i < n; i++) {
		uint64_t idx = rnd(&R, mpages > (1ULL << 30) ? 1ULL << 30 :
				   mpages), pg = m->pgoff + idx;
		volatile uint64_t *p = (volatile uint64_t *)(m->addr +
							      idx * pgsz);
		bool past = pg >= b->np;
		bool write = (m->prot & PROT_WRITE) && one_in(&R, 2) &&
			     (past || pg < MAX_TRACK_PAGES);
		uint64_t got = 0, exp = 0;
		long bad = -1;

		if (!past && !unit_touched(b, pg) &&
		    resident_total + unit_bytes(b) > MAX_RESIDENT_BYTES)
			continue;
		if (past && one_in(&R, 4)) {
			touch_past_end_child(m, idx, write ||
					     ((m->prot & PROT_WRITE) &&
					      one_in(&R, 2)));
			continue;
		}
		nr_touches++;
		touch_one(b, p, pg, past, write, &bad, &got, &exp);
		if (past) {
			nr_sigbus_ok += probe_sig == SIGBUS;
			check(probe_sig == SIGBUS,
			      "%s page %" PRIu64 " of buffer id %" PRIu64 " (%"
			      PRIu64 " pages, length %" PRIu64 ") past its "
			      "end: %s (expected SIGBUS)", write ? "writing" :
			      "reading", pg, b->id, b->np, b->len,
			      probe_sig ? strsignal(probe_sig) : "no signal");
			continue;
		}
		if (probe_sig) {
			fail("%s page %" PRIu64 " of buffer id %" PRIu64 " (%"
			     PRIu64 " pages, node %u) through a mapping of "
			     "pages %" PRIu64 "+%" PRIu64 ": %s",
			     write ? "writing" : "reading", pg, b->id, b->np,
			     b->pol[0].node, m->pgoff, mpages,
			     strsignal(probe_sig));
			/* the page may be half written now: forget it */
			if (pg < MAX_TRACK_PAGES)
				b->gen[pg] = 0;
			continue;
		}
		set_touched(b, pg);
		check(bad < 0, "page %" PRIu64 " of buffer id %" PRIu64 " word "
		      "%ld: %016" PRIx64 ", expected %016" PRIx64, pg, b->id,
		      bad, got, exp);
	}
}

/* ------------------------------------------------------------------------ */
/* Main                                                                     */

/* A bad kernel log line: shown; the count of them is one check. */
static void report_kmsg_line(const char *line)
{
	out("kernel log: %s", line);
}

static void usage(FILE *f)
{
	fprintf(f,
"usage: cxltier_fuzz [--iterations N] [--seed N] [--verbose]\n"
"  --iterations N  calls and actions to make (default 20000)\n"
"  --seed N        random seed (default: from the clock; printed)\n"
"  --verbose       print every ioctl with its result\n"
"Exit status 0 when every check passed, 1 otherwise.\n");
}

int main(int argc, char **argv)
{
	static const struct option lo[] = {
		{ "iterations", required_argument, NULL, 'n' },
		{ "seed", required_argument, NULL, 's' },
		{ "verbose", no_argument, NULL, 'v' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct node_free base[64];
	struct sigaction sa = { .sa_sigaction = probe_handler,
				.sa_flags = SA_SIGINFO | SA_NODEFER };
	bool seeded = false;
	int c, fds0, fds1, r, bad;
	struct kmsg kmsg;
	unsigned int i;
	double t0;

	setvbuf(stdout, NULL, _IOLBF, 0);
	while ((c = getopt_long(argc, argv, "n:s:vh", lo, NULL)) != -1) {
		switch (c) {
		case 'n':
			cfg.iterations = strtoull(optarg, NULL, 0);
			break;
		case 's':
			cfg.seed = strtoull(optarg, NULL, 0);
			seeded = true;
			break;
		case 'v':
			cfg.verbose = true;
			break;
		case 'h':
			usage(stdout);
			return 0;
		default:
			usage(stderr);
			return 1;
		}
	}
	if (optind < argc) {
		usage(stderr);
		return 1;
	}
	if (!seeded) {
		struct timespec ts;

		clock_gettime(CLOCK_REALTIME, &ts);
		cfg.seed = (((uint64_t)ts.tv_sec * 1000003ULL) ^
			    (uint64_t)ts.tv_nsec ^ ((uint64_t)getpid() << 20)) %
			   1000000000ULL;
	}
	rng_seed(&R, cfg.seed);
	out("fuzz: seed %" PRIu64 ", %" PRIu64 " iterations", cfg.seed,
	    cfg.iterations);

	sigemptyset(&sa.sa_mask);
	sigaction(SIGBUS, &sa, NULL);
	sigaction(SIGSEGV, &sa, NULL);

	zone = mmap(NULL, 8 * pgsz, PROT_READ | PROT_WRITE,
		    MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (zone == MAP_FAILED ||
	    mprotect(zone + 2 * pgsz, pgsz, PROT_NONE) ||
	    mprotect(zone + 5 * pgsz, pgsz, PROT_NONE) ||
	    mprotect(zone + 7 * pgsz, pgsz, PROT_NONE) ||
	    mprotect(ROPG, pgsz, PROT_READ)) {
		out("fuzz: cannot set up argument memory: %s", errname(errno));
		out("fuzz: 0 passed, 1 failed");
		return 1;
	}
	max_numnodes = kernel_max_numnodes();

	dev = open(CXLTIER_DEVICE_PATH, O_RDWR | O_CLOEXEC);
	if (dev < 0) {
		out("fuzz: open %s: %s", CXLTIER_DEVICE_PATH, errname(errno));
		out("fuzz: 0 passed, 1 failed");
		return 1;
	}
	r = topo_load(dev, &topo);
	if (r < 0 || !topo.nr || topo.nr > 64) {
		out("fuzz: GET_INFO: %s, %u nodes", errname(r), topo.nr);
		out("fuzz: 0 passed, 1 failed");
		return 1;
	}
	max_pol = topo.info.max_policy_nodes;
	if (max_pol > CXLTIER_MAX_POLICY_NODES)
		max_pol = CXLTIER_MAX_POLICY_NODES;
	out("fuzz: %u nodes with memory, MAX_NUMNODES %u%s; module: modes %#"
	    PRIx64 ", create flags %#" PRIx64 ", page sizes %#" PRIx64
	    ", %u policy nodes", topo.nr, max_numnodes,
	    max_numnodes ? "" : " (unknown)",
	    (uint64_t)topo.info.supported_modes,
	    (uint64_t)topo.info.supported_create_flags,
	    (uint64_t)topo.info.supported_page_sizes,
	    topo.info.max_policy_nodes);
	if (read_free_base(dev, &topo, base, "fuzz"))
		return 1;
	kmsg_mark(&kmsg);
	fds0 = count_open_fds();

	t0 = now_s();
	for (iter = 0; iter < cfg.iterations; iter++) {
		unsigned int x = (unsigned int)rnd(&R, 100);

		if (x < 70)
			do_ioctl();
		else if (x < 80)
			do_mmap();
		else if (x < 92)
			do_touch();
		else if (x < 96)
			do_munmap();
		else
			do_close();
		if (iter && !(iter % 5000))
			out("fuzz: %" PRIu64 " iterations, %.0f s, %" PRIu64
			    " calls ok, %" PRIu64 " errno ok, %" PRIu64
			    " failed", iter, now_s() - t0, calls_ok, errno_ok,
			    failed);
	}

	/* close everything */
	for (i = 0; i < MAX_MAPS; i++)
		if (maps[i].used) {
			check(!munmap(maps[i].addr, maps[i].len),
			      "munmap: %s", errname(errno));
			maps[i].used = false;
			maps[i].b->nmaps--;
		}
	for (i = 0; i < MAX_BUFS; i++) {
		if (!bufs[i].used)
			continue;
		if (bufs[i].fd >= 0)
			check(!close(bufs[i].fd), "close: %s", errname(errno));
		bufs[i].fd = -1;
		buf_release_if_gone(&bufs[i]);
	}
	fds1 = count_open_fds();
	check(fds1 == fds0, "%d fds open at the end, %d at the start", fds1,
	      fds0);

	for (i = 0; i < topo.nr; i++) {
		char why[256];
		bool ok = node_free_back(dev, &topo.nodes[i], &base[i], "fuzz",
					 why, sizeof(why));

		check(ok, "%s", why);
	}
	close(dev);
	bad = kmsg_scan(&kmsg, report_kmsg_line, 8);
	check(!bad, "%d kernel log lines report problems", bad);
	if (kmsg.fd < 0)
		out("fuzz: note: /dev/kmsg not readable, kernel log not "
		    "checked (the VM runner checks it)");
	else
		close(kmsg.fd);
	for (i = 0; i < ARRAY_SIZE(results); i++) {
		static const char *const names[] = { "other-cmd", "GET_INFO",
						     "CREATE", "BUF_STAT",
						     "MIGRATE" };
		char line[512];
		size_t o = 0;
		unsigned int e;

		o += (size_t)snprintf(line, sizeof(line), "fuzz:   %-9s ok %"
				      PRIu64, i < ARRAY_SIZE(names) ?
				      names[i] : "?", results[i][31]);
		for (e = 0; e < ARRAY_SIZE(doc_errnos); e++)
			if (results[i][e])
				o += (size_t)snprintf(line + o, sizeof(line) - o,
						      ", %s %" PRIu64,
						      errname(doc_errnos[e]),
						      results[i][e]);
		out("%s", line);
	}
	out("fuzz:   mmap %" PRIu64 ", page touches %" PRIu64 " (%" PRIu64
	    " SIGBUS past the end as expected), munmap %" PRIu64 ", close %"
	    PRIu64, nr_mmaps, nr_touches, nr_sigbus_ok, nr_munmaps,
	    nr_closes);
	for (i = 0; i < nr_fclasses; i++) {
		char exp[160];

		errset_str(fclasses[i].allowed, exp, sizeof(exp));
		out("fuzz: failure class %u: command nr %#x %s, expected %s: %"
		    PRIu64 " times, first at iteration %" PRIu64, i,
		    fclasses[i].cmd, fclasses[i].ok ? "succeeded" :
		    errname(fclasses[i].err), exp, fclasses[i].count,
		    fclasses[i].first_iter);
	}
	if (fail_printed > MAX_FAIL_PRINTS)
		out("fuzz: (%" PRIu64 " more failures not printed)",
		    fail_printed - MAX_FAIL_PRINTS);
	out("fuzz: seed %" PRIu64 ", %" PRIu64 " iterations, %" PRIu64
	    " calls ok, %" PRIu64 " errno ok, %" PRIu64 " failed (%.1f s; "
	    "%" PRIu64 " buffers created)", cfg.seed, iter, calls_ok,
	    errno_ok, failed, now_s() - t0, nr_seen_ids);
	out("fuzz: %" PRIu64 " passed, %" PRIu64 " failed", passed, failed);
	return failed ? 1 : 0;
}
