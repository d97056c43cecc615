/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * libtier: place memory buffers on chosen DRAM and CXL NUMA nodes.
 *
 * libtier talks to the cxltier kernel module through /dev/cxltier (the
 * "module" backend).  Where the module is not loaded it falls back to plain
 * Linux NUMA policy, memfd_create(2) + mbind(2) (the "mbind" backend), with
 * the same calls and the same errors for the same request.  What Linux
 * cannot express the mbind backend refuses with -EOPNOTSUPP, or does in a
 * weaker form that is documented at tier_buf_create() and measured by
 * tier_buf_stat(); it never silently claims more than it does.
 *
 * Rules that hold for every call:
 *  - Calls that can fail return 0 (or a count) on success and a negative
 *    errno on failure.  They never exit, never leave the answer in errno
 *    and print nothing unless asked: messages go to a log hook
 *    (tier_set_log()), or to stderr when LIBTIER_LOG is set.
 *  - Handles are opaque and have an explicit lifetime: tier_open() /
 *    tier_close(), tier_buf_create() / tier_buf_destroy().  A buffer keeps
 *    its context alive: tier_close() may come before the buffers' destroy.
 *  - A context and its buffers may be used by one thread at a time; distinct
 *    contexts are independent.
 *  - Node tiers, node flags, zones and policy modes use the CXLTIER_* values
 *    of <linux/cxltier.h>, the kernel contract, which this header includes.
 *
 * This header compiles as C99 and as C++11.
 */
#ifndef LIBTIER_H
#define LIBTIER_H

#include <stddef.h>
#include <stdint.h>
#include <linux/cxltier.h>

#ifdef __cplusplus
extern "C" {
#endif

/**
 * tier_version() - version of the library, e.g. "0.1.0"
 *
 * The project's version (the VERSION file); the ABI is the SONAME
 * libtier.so.1 and the symbol version LIBTIER_1.
 */
const char *tier_version(void);

/* ------------------------------------------------------------------------ */
/* Contexts                                                                   */

struct tier_ctx;

/* tier_open() flags */
#define TIER_OPEN_FALLBACK	(1U << 0)	/* use the mbind backend */
#define TIER_OPEN_MODULE	(1U << 1)	/* use the module or fail */

/* tier_backend() values */
#define TIER_BACKEND_MODULE	1	/* /dev/cxltier */
#define TIER_BACKEND_MBIND	2	/* memfd_create + mbind(2) */

/**
 * tier_open() - open a context
 * @ctx: out: the new context, NULL on failure
 * @flags: 0 or one of TIER_OPEN_*
 *
 * The backend is chosen, in this order, by @flags, by the environment
 * variable LIBTIER_BACKEND ("module" or "cxltier", "mbind", "auto" or
 * empty), or
 * automatically: the module when /dev/cxltier opens, else the mbind backend
 * when it is absent (ENOENT, ENODEV, ENXIO: not loaded).  Other open errors
 * (EACCES, ...) are returned, not papered over.  With the module backend the
 * module's API version is checked (CXLTIER_IOC_GET_INFO) and the topology
 * is read; with the mbind backend it is read from sysfs and /proc/zoneinfo.
 *
 * Return: 0; -EINVAL for unknown or conflicting flags or a bad
 * LIBTIER_BACKEND; -ENOENT/-ENODEV/-ENXIO when the module is required but
 * absent; -EPROTO when the module speaks an older API than
 * CXLTIER_API_VERSION; -ENOMEM; or the error of a failed topology read.
 */
int tier_open(struct tier_ctx **ctx, unsigned int flags);

/**
 * tier_close() - drop the caller's reference to a context
 *
 * The context is freed once its buffers are destroyed too.  NULL is a no-op.
 */
void tier_close(struct tier_ctx *ctx);

/* Log priorities, as syslog's */
#define TIER_LOG_ERR	3	/* why a call failed */
#define TIER_LOG_WARNING 4	/* a call succeeded, but not as asked */
#define TIER_LOG_NOTICE	5
#define TIER_LOG_INFO	6
#define TIER_LOG_DEBUG	7	/* what the library does: backend, nodes, buffers */

/**
 * typedef tier_log_fn - log hook
 * @priv: the pointer given to tier_set_log()
 * @prio: TIER_LOG_*
 * @msg: one line, without a newline
 */
typedef void (*tier_log_fn)(void *priv, int prio, const char *msg);

/**
 * tier_set_log() - route the context's messages to @fn
 *
 * Messages explain failures (which syscall, which node, with figures:
 * tier_explain()) in more detail than an errno can, and at TIER_LOG_DEBUG
 * say what the library does (the backend chosen and why, the module's API
 * version, the nodes read, each buffer created, migrated, pooled).
 *
 * The environment variable LIBTIER_LOG asks for them without a hook: a
 * syslog level name (err, warning, notice, info, debug; also error, warn)
 * or its number, 0 to 7.  Set, it sends the messages at or above that
 * level to stderr as "libtier: MESSAGE" lines while the context has no
 * hook; a hook gets those same messages instead (LIBTIER_LOG filters them,
 * whatever tier_set_log_level() says), so a program that shows its hook's
 * messages honours it.  It is read at tier_open() (and by the netlink
 * calls, which have no context: they log to tier_set_log_default()'s hook,
 * else to stderr).  A value that is
 * not a level is said once on stderr and ignored.
 *
 * Without LIBTIER_LOG and without a hook nothing is logged and no message
 * is even formatted.  @fn NULL drops the hook (back to LIBTIER_LOG's
 * stderr, or to nothing).
 */
void tier_set_log(struct tier_ctx *ctx, tier_log_fn fn, void *priv);

/**
 * tier_set_log_level() - the least urgent priority the hook gets
 * @prio: TIER_LOG_*, 0 to 7 (default TIER_LOG_DEBUG, everything, or
 *        tier_set_log_default()'s)
 *
 * Messages below @prio are not formatted at all.  Ignored while
 * LIBTIER_LOG is in force (the user's choice wins).  Since LIBTIER_1.4.
 * Return: 0; -EINVAL for NULL @ctx or @prio out of range.
 */
int tier_set_log_level(struct tier_ctx *ctx, int prio);

/**
 * tier_set_log_default() - the hook and level contexts start with
 * @fn: the hook of every context tier_open() opens from now on (NULL:
 *      none), and of the messages that have no context (tier_nl_open()'s)
 * @priv: its pointer
 * @prio: their level, as tier_set_log_level() (LIBTIER_LOG wins)
 *
 * So that what tier_open() itself says (which backend and why, the nodes
 * read) reaches a hook.  Process-wide: call it before opening contexts,
 * not while other threads open them.  Since LIBTIER_1.4.
 * Return: 0; -EINVAL for @prio out of range.
 */
int tier_set_log_default(tier_log_fn fn, void *priv, int prio);

/**
 * tier_backend() - TIER_BACKEND_MODULE or TIER_BACKEND_MBIND; -EINVAL for NULL
 */
int tier_backend(const struct tier_ctx *ctx);

/**
 * tier_backend_name() - "cxltier" (module backend) or "mbind"; NULL for NULL
 */
const char *tier_backend_name(const struct tier_ctx *ctx);

/**
 * tier_module_error() - why the module backend is not in use
 *
 * Return: 0 when it is in use or was not tried (TIER_OPEN_FALLBACK,
 * LIBTIER_BACKEND=mbind); else the -errno with which /dev/cxltier failed
 * to open before the automatic fallback (-ENOENT: module not loaded).
 */
int tier_module_error(const struct tier_ctx *ctx);

/**
 * struct tier_info - what the backend supports
 * @api_version: CXLTIER_API_VERSION of the module; 0 for the mbind backend
 * @max_policy_nodes: most entries a policy may name
 * @supported_modes: bit (1 << CXLTIER_MODE_x) per accepted mode
 * @supported_create_flags: CXLTIER_CREATE_* accepted (struct tier_policy.flags)
 * @supported_page_sizes: bit n set when pages of 2^n bytes are accepted
 * @page_size: the system's base page size
 * @__reserved: zero
 *
 * The module backend reports what the module's GET_INFO says.  The mbind
 * backend: TIER_MAX_POLICY_NODES nodes, every mode, CXLTIER_CREATE_FALLBACK,
 * _POPULATE and _HUGE_FALLBACK (not _PINNABLE nor _RESERVE), the base page size only
 * (it also takes 2 MiB pages together with CXLTIER_CREATE_HUGE_FALLBACK,
 * see tier_buf_create()).
 */
struct tier_info {
	uint32_t api_version;
	uint32_t max_policy_nodes;
	uint64_t supported_modes;
	uint64_t supported_create_flags;
	uint64_t supported_page_sizes;
	uint64_t page_size;
	uint64_t __reserved[4];
};

/**
 * tier_get_info() - fill @info; 0 or -EINVAL for NULL arguments
 */
int tier_get_info(const struct tier_ctx *ctx, struct tier_info *info);

/* ------------------------------------------------------------------------ */
/* Topology                                                                   */

/**
 * struct tier_node - one online NUMA node with memory
 *
 * The fields mean what they mean in struct cxltier_node_info:
 * @node: node id
 * @tier: CXLTIER_TIER_DRAM or CXLTIER_TIER_CXL.  CXL when the node has no
 *        CPUs and either all its memory is ZONE_MOVABLE or its distance to
 *        the nearest node with CPUs is at least 30 (the module's default
 *        cxl_distance; the mbind backend always uses 30)
 * @flags: CXLTIER_NODE_HAS_CPUS, CXLTIER_NODE_MOVABLE_ONLY
 * @zones: CXLTIER_ZONE_* of the zones with managed pages
 * @nearest_cpu_node: closest node with CPUs (itself when it has CPUs)
 * @distance: SLIT distance to @nearest_cpu_node
 * @total_bytes: memory managed by the page allocator on the node
 * @free_bytes: free memory on the node when the topology was read
 * @movable_bytes: part of @total_bytes in ZONE_MOVABLE
 * @__reserved: zero
 */
struct tier_node {
	uint32_t node;
	uint32_t tier;
	uint32_t flags;
	uint32_t zones;
	uint32_t nearest_cpu_node;
	uint32_t distance;
	uint64_t total_bytes;
	uint64_t free_bytes;
	uint64_t movable_bytes;
	uint64_t __reserved[4];
};

/**
 * tier_topo_refresh() - read the topology again (free bytes change)
 *
 * tier_open() reads it once.  On failure the previous snapshot is kept.
 * Return: 0 or -errno.
 */
int tier_topo_refresh(struct tier_ctx *ctx);

/**
 * tier_nr_nodes() - number of nodes in the snapshot (>= 1), or -EINVAL
 */
int tier_nr_nodes(const struct tier_ctx *ctx);

/**
 * tier_node() - the @idx-th node of the snapshot, in ascending node order
 *
 * Return: 0; -EINVAL for NULL arguments; -ERANGE when @idx is out of range.
 */
int tier_node(const struct tier_ctx *ctx, int idx, struct tier_node *out);

/**
 * tier_node_by_id() - the snapshot's entry for node @node
 *
 * Return: 0; -EINVAL for NULL arguments or a negative @node; -ENODEV when
 * @node is not an online node with memory.
 */
int tier_node_by_id(const struct tier_ctx *ctx, int node, struct tier_node *out);

/* struct tier_quota.quota_bytes of a node without a limit */
#define TIER_QUOTA_UNLIMITED	UINT64_MAX

/**
 * struct tier_quota - the module's per-node quota and accounting
 * @quota_bytes: the most cxltier may hold on the node, in bytes, or
 *               TIER_QUOTA_UNLIMITED (the default)
 * @used_bytes: bytes of pages cxltier holds on the node now
 * @reserved_bytes: bytes reserved on the node by CXLTIER_CREATE_RESERVE
 *                  (or _POPULATE) buffers and not yet allocated
 * @__reserved: zero
 *
 * Root sets a quota by writing a byte count or "max" to
 * CXLTIER_SYSFS_NODES_DIR/nodeN/quota_bytes (see <linux/cxltier.h>).
 */
struct tier_quota {
	uint64_t quota_bytes;
	uint64_t used_bytes;
	uint64_t reserved_bytes;
	uint64_t __reserved[5];
};

/**
 * tier_node_quota() - node @node's quota and usage, read now
 *
 * Reads the module's sysfs files (not the snapshot: they change with every
 * buffer).  Since LIBTIER_1.1.
 * Return: 0; -EINVAL for NULL arguments or a negative @node; -EOPNOTSUPP
 * with the mbind backend (Linux has no per-node quota); -ENODEV when the
 * module has no directory for @node (not a possible node, or a module
 * without quotas); -EIO for a value that does not parse; or the -errno of
 * reading a file.
 */
int tier_node_quota(const struct tier_ctx *ctx, int node,
		    struct tier_quota *out);

/* ------------------------------------------------------------------------ */
/* Policies                                                                   */

#define TIER_MAX_POLICY_NODES	CXLTIER_MAX_POLICY_NODES

/**
 * struct tier_policy_node - one entry of a policy's node list
 * @node: NUMA node id
 * @weight: CXLTIER_MODE_WEIGHTED: chunks per round; CXLTIER_MODE_SPLIT: the
 *          node's share (weight / sum of weights); 1 to CXLTIER_MAX_WEIGHT
 *          for those two modes, 0 for the others
 */
struct tier_policy_node {
	uint32_t node;
	uint32_t weight;
};

/**
 * struct tier_policy - where a buffer's pages may come from
 * @mode: CXLTIER_MODE_*: which listed node is each unit's home (see
 *        <linux/cxltier.h>)
 * @flags: CXLTIER_CREATE_* (fallback, populate, pinnable, huge fallback,
 *         reserve)
 * @page_shift: log2 of the page size, the allocation unit; 0 for the
 *              system's base page; 21 for 2 MiB pages
 * @nr_nodes: used entries of @nodes
 * @chunk_shift: log2 of the interleave chunk (CXLTIER_MODE_INTERLEAVE,
 *               CXLTIER_MODE_WEIGHTED); 0 for one page; 0 for other modes
 * @__reserved: zero
 * @nodes: the node list, in the order the mode reads it
 *
 * Zero it before filling it by hand, or use tier_policy_parse().
 */
struct tier_policy {
	uint32_t mode;
	uint32_t flags;
	uint32_t page_shift;
	uint32_t nr_nodes;
	uint32_t chunk_shift;
	uint32_t __reserved[3];
	struct tier_policy_node nodes[TIER_MAX_POLICY_NODES];
};

/**
 * tier_policy_explain() - what is wrong with a policy string
 * @s: a policy string, as tier_policy_parse() takes it
 * @why: out: one line saying what is wrong, for an error message (
 *       "shares add up to 90%, not 100%"); empty when @s is valid
 * @len: bytes at @why (the line is truncated to fit)
 *
 * Return: 0 when tier_policy_parse() accepts @s; -EINVAL when it does not,
 * or for NULL @s.
 */
int tier_policy_explain(const char *s, char *why, size_t len);

/**
 * tier_mode_name() - the name of a policy mode
 * @mode: CXLTIER_MODE_*
 *
 * Return: "bind", "preferred", "interleave", "weighted" or "split" (the
 * uapi's CXLTIER_MODE_NAMES, the spelling of every policy string); NULL
 * for an unknown mode.
 */
const char *tier_mode_name(uint32_t mode);

/**
 * tier_tier_name() - the name of a tier
 * @tier: CXLTIER_TIER_* (struct tier_node's @tier)
 *
 * Return: "dram" or "cxl", the names a policy string gives the tiers
 * (tier_policy_parse_ctx()) and the spelling of every tool (tierctl's
 * tables and JSON, the Python package); NULL for an unknown tier.
 */
const char *tier_tier_name(uint32_t tier);

/**
 * tier_mode_parse() - the mode a name names
 * @name: a name as tier_mode_name() gives it (exactly, lower case)
 * @mode: out: CXLTIER_MODE_*
 *
 * Return: 0; -EINVAL for NULL arguments or an unknown name.
 */
int tier_mode_parse(const char *name, uint32_t *mode);

/**
 * tier_size_parse() - a size in bytes from a string
 * @s: e.g. "4096", "4K", "2M", "1.5G", "0.5T", "64KiB", "1gb"
 * @bytes: out: the size
 *
 * The one size grammar of libtier, tierctl, the interposer and the Python
 * package:
 *
 *   size := DIGITS [ '.' DIGITS ] [ UNIT [ 'B' | 'iB' ] | 'B' ]
 *   UNIT := K | M | G | T | P  2^10 .. 2^50 (binary, whatever the suffix:
 *                              "1KB" is 1024)
 *
 * Letters in any case; no sign, no spaces, no digits grouping.  A decimal
 * with a unit is rounded to the nearest byte, halves up ("1.5G" is
 * 1610612736, "7.6G" 8160437862, "0.1K" 102); a count of bytes must be
 * whole ("1.5" and "0.5B" are not sizes).  0 is a size; whether it is a
 * valid one is the caller's business.
 *
 * Return: 0; -EINVAL for NULL arguments, a string the grammar does not
 * allow or a fraction of a byte; -ERANGE when the size does not fit in 64
 * bits.
 */
int tier_size_parse(const char *s, uint64_t *bytes);

/* Longest string tier_policy_format() can produce, with the NUL. */
#define TIER_POLICY_STRLEN	1536

/**
 * tier_policy_parse() - parse a policy string
 * @s: the string, e.g. "bind:0", "weighted:0=3,2=1,chunk=2M"
 * @p: out: the policy (zeroed first, and zeroed again on failure)
 *
 * Grammar (no spaces; mode and option names lower case):
 *
 *   policy := MODE ':' item { ',' item }
 *   item   := NODES [ '=' WEIGHT [ '%' ] ]     nodes, each with the weight
 *           | OPTION [ '=' VALUE ]             an option (starts with a letter)
 *   NODES  := NODE                             a node
 *           | NODE '-' NODE                    every node from the first to
 *                                              the last (0-3), ascending
 *           | all | dram | cxl                 every node with memory, or of
 *                                              that tier, ascending: only
 *                                              with tier_policy_parse_ctx()
 *   NODE, WEIGHT := decimal digits
 *   MODE   := a name of tier_mode_parse()
 *   SIZE   := a size of tier_size_parse() ("4096", "4K", "2M", "0.5M");
 *             a power of two
 *
 *   mode          node items        meaning (CXLTIER_MODE_*)
 *   bind          N,N,...           each unit on its listed node, round-robin
 *                                   by unit; never elsewhere
 *   preferred     N,N,...           the first listed node that can give it
 *   interleave    N,N,...           round-robin by chunk
 *   weighted      N=W,N=W,...       W chunks of node N per round
 *   split         N=P%,N=P%,...     contiguous ranges, percentages summing
 *                                   to exactly 100
 *            or   N=W,N=W,...       contiguous ranges, share W / sum of W
 *
 *   option          sets
 *   page=SIZE       @page_shift: 4K .. 1024G (the backend takes 4K and 2M)
 *   chunk=SIZE      @chunk_shift: 4K .. 1G, not below page=; interleave
 *                   and weighted only
 *   fallback        CXLTIER_CREATE_FALLBACK: a unit its home cannot give
 *                   comes from the other listed nodes, counted as spilled
 *   populate        CXLTIER_CREATE_POPULATE: allocate every page at create
 *   pinnable        CXLTIER_CREATE_PINNABLE: pages that may be pinned in place
 *   huge-fallback   CXLTIER_CREATE_HUGE_FALLBACK: 4 KiB pages where no
 *                   2 MiB page is free
 *   reserve         CXLTIER_CREATE_RESERVE: reserve the buffer's bytes
 *                   against the nodes' quotas at create (see
 *                   tier_node_quota())
 *
 * Nodes and options may come in any order; nodes keep theirs (it matters
 * to every mode but bind's set).  Weights are 1 .. CXLTIER_MAX_WEIGHT; in a
 * split either every node has a '%' or none does.  Each option at most once.
 *
 * Examples: "bind:2", "bind:0,1", "preferred:2,0", "interleave:0,2,chunk=2M",
 * "weighted:0=3,2=1,page=2M", "split:0=30%,2=70%,populate",
 * "split:0=1,2=2", "bind:0,page=2M,huge-fallback,pinnable".
 *
 * The parser checks the string, not the host: whether the nodes exist and
 * whether the backend can do it are tier_buf_create()'s business.
 *
 * Return: 0; -EINVAL for NULL arguments or anything the grammar does not
 * allow: an unknown mode or option, a weight where the mode takes none or
 * none where it needs one, a weight of 0 or above CXLTIER_MAX_WEIGHT,
 * percentages that do not sum to 100 or mixed with plain weights, a node
 * listed twice, no node or more than TIER_MAX_POLICY_NODES, an option
 * given twice, a flag with a value, a size that is not a power of two or out
 * of range, chunk= with a mode other than interleave and weighted or below
 * page=.
 */
int tier_policy_parse(const char *s, struct tier_policy *p);

/**
 * tier_policy_parse_ctx() - tier_policy_parse(), with tier names
 * @ctx: the context whose topology snapshot resolves "all", "dram" and
 *       "cxl" (the tiers of tier_node()); NULL: as tier_policy_parse(),
 *       which refuses the names
 * @s: the string, e.g. "interleave:cxl", "weighted:dram=3,cxl=1"
 * @p: out: the policy, the names replaced by their nodes
 *     (tier_policy_format() shows what they resolved to)
 *
 * A name in split is refused (each node its own share), and so is a name
 * no node of the snapshot answers to ("this host has no cxl node").  With
 * NULL @ctx a name is refused after the rest of the string is checked:
 * tier_policy_explain() says first what else is wrong with it, and only
 * then "cxl: a tier name needs this host's topology ...".
 * Return: as tier_policy_parse().
 */
int tier_policy_parse_ctx(const struct tier_ctx *ctx, const char *s,
			  struct tier_policy *p);

/**
 * tier_policy_explain_ctx() - tier_policy_explain() for
 * tier_policy_parse_ctx()
 */
int tier_policy_explain_ctx(const struct tier_ctx *ctx, const char *s,
			    char *why, size_t len);

/**
 * tier_policy_format() - the canonical string of a policy
 * @p: the policy
 * @buf: out: the string, NUL-terminated (truncated when it does not fit)
 * @len: size of @buf; TIER_POLICY_STRLEN always suffices
 *
 * Canonical form: the mode, the nodes in list order, then page=, chunk=
 * and the flags in the order of their bits (fallback, populate, pinnable,
 * huge-fallback, reserve).  Sizes use the largest unit that divides them (4K, 2M,
 * 1G).  A split whose weights sum to 100 is written with '%'.
 * tier_policy_parse() of the result gives @p back, field for field.
 *
 * Return: the string's length (without the NUL); -EINVAL for NULL
 * arguments or a policy that has no string form: what tier_policy_parse()
 * refuses (see there), unknown flag bits, non-zero @__reserved, a
 * page_shift other than 0 or 12..40, a chunk_shift other than 0 or 12..30;
 * -ENOSPC when @len is too small.
 */
int tier_policy_format(const struct tier_policy *p, char *buf, size_t len);

/* ------------------------------------------------------------------------ */
/* Buffers                                                                    */

struct tier_buf;

/**
 * tier_buf_create() - create a buffer whose pages follow @policy
 * @ctx: context
 * @length: size in bytes, rounded up to the policy's page size
 * @policy: placement
 * @out: out: the buffer, NULL on failure
 *
 * The buffer is a file descriptor (tier_buf_fd()); each page is allocated,
 * zeroed, at its first touch through a MAP_SHARED mapping (or at create
 * time with CXLTIER_CREATE_POPULATE), on the node the policy names for it.
 *
 * Module backend: exactly what <linux/cxltier.h> says.  Without
 * CXLTIER_CREATE_FALLBACK a unit its home node cannot give is SIGBUS at
 * the touch (-ENOMEM for a populate), never a page from elsewhere.
 * Before the module sees the request, a mode, known flag or page size that
 * its GET_INFO does not list is -EOPNOTSUPP.
 *
 * mbind backend: a memfd whose shared NUMA policy libtier sets range by
 * range with mbind(2).  Per mode:
 *  - one listed node, any mode but preferred: MPOL_BIND to it.  Exact.
 *  - split, weighted, interleave with a chunk above the base page: each
 *    run of units with the same home gets MPOL_BIND to that node, so the
 *    placement is the module's, unit for unit.  Each run is a shared-policy
 *    node in the kernel (about 30 us and 340 bytes); a policy that needs
 *    more than 16384 runs for @length is -EOPNOTSUPP: use a larger chunk.
 *  - bind over several nodes: MPOL_BIND over the set.  Pages stay on the
 *    listed nodes, but the kernel takes them nearest-first to the faulting
 *    CPU instead of round-robin.  (CXLTIER_CREATE_FALLBACK changes nothing
 *    here: the set is the fallback.)
 *  - interleave over several nodes at one-page chunks: MPOL_INTERLEAVE.
 *    Round-robin by page, in ascending node order from a start the kernel
 *    picks, and not strict: a page its node cannot give comes from another
 *    node, which may be outside the list, as if CXLTIER_CREATE_FALLBACK
 *    were set.
 *  - preferred: MPOL_PREFERRED to the first listed node.
 *  - CXLTIER_CREATE_FALLBACK: each run gets MPOL_PREFERRED to its home
 *    instead of MPOL_BIND.
 *  A page that preferred or fallback cannot have on its home node comes
 *  from the next node in the kernel's fallback order for that node (the
 *  nearest first), which may be outside the list; tier_buf_stat() counts
 *  it as spilled.  Where the policy is strict (MPOL_BIND) a node that runs
 *  out reclaims and then invokes the OOM killer, as any shmem allocation
 *  does, instead of SIGBUS.
 *  - CXLTIER_CREATE_POPULATE: MADV_POPULATE_WRITE (a touch of every page
 *    on kernels before 5.14), single-threaded, at create time.
 *  - CXLTIER_CREATE_PINNABLE: -EOPNOTSUPP.  shmem pages on a movable node
 *    are migrated away by a long-term pin, so "pinned in place" cannot be
 *    promised.
 *  - CXLTIER_CREATE_RESERVE: -EOPNOTSUPP.  Linux has no per-node quota to
 *    reserve against.
 *  - 2 MiB pages: -EOPNOTSUPP, unless CXLTIER_CREATE_HUGE_FALLBACK is set;
 *    then units (and runs) are 2 MiB, and mappings get MADV_HUGEPAGE: the
 *    kernel uses huge pages where its shmem THP setting allows
 *    (/sys/kernel/mm/transparent_hugepage/shmem_enabled), 4 KiB ones
 *    otherwise.  Best effort.
 *
 * Both backends check the request the same way, in this order (the
 * module's errors, documented in <linux/cxltier.h>, are passed through):
 * Return: 0;
 * -EINVAL: NULL argument, zero @length, unknown mode, flag bits, page_shift
 *          (other than 0, the base page or 21) or chunk_shift (0, or from
 *          the page size to CXLTIER_MAX_CHUNK_SHIFT for interleave and
 *          weighted), nr_nodes of 0 or more than TIER_MAX_POLICY_NODES, a
 *          node id not below the kernel's MAX_NUMNODES (the mbind backend
 *          uses 1024), a weight out of range for the mode (1 to
 *          CXLTIER_MAX_WEIGHT for weighted and split, 0 for the others), a
 *          node named twice, non-zero @__reserved;
 * -EOPNOTSUPP: what the backend cannot do (see above);
 * -ENODEV: a node that is offline or has no memory;
 * -EXDEV:  (module) CXLTIER_CREATE_PINNABLE on a node without non-movable
 *          memory;
 * -EFBIG:  @length larger than the policy's nodes hold in all (split: a
 *          node's share larger than the node);
 * -ENOMEM: no memory for the buffer, or a populate could not get a page;
 * -EINTR:  a populate was killed;
 * -ENOSPC: (module) CXLTIER_CREATE_RESERVE or _POPULATE cannot reserve
 *          the buffer within a node's quota;
 * -EMFILE/-ENFILE, or another -errno of the backend.
 */
int tier_buf_create(struct tier_ctx *ctx, size_t length,
		    const struct tier_policy *policy, struct tier_buf **out);

/* struct tier_explain.op: what failed */
#define TIER_EXPLAIN_OPEN	1	/* tier_open() */
#define TIER_EXPLAIN_CREATE	2	/* tier_buf_create() */
#define TIER_EXPLAIN_MIGRATE	3	/* tier_buf_migrate() */

/**
 * struct tier_explain - a failure and the figures to explain it with
 * @op: TIER_EXPLAIN_*
 * @err: the call's negative errno
 * @backend: TIER_BACKEND_* that failed it (0: unknown)
 * @page_shift: the system's base page (0: 4 KiB)
 * @length: the buffer's length (create and migrate)
 * @policy: the policy asked for (create and migrate; not for open)
 * @nodes: a topology snapshot, as tier_node() gives it; NULL when
 *         @nr_nodes is 0
 * @nr_nodes: entries of @nodes
 * @quotas: NULL, or one per entry of @policy's node list, as
 *          tier_node_quota() gives them (for -ENOSPC)
 * @__reserved: zero
 */
struct tier_explain {
	uint32_t op;
	int32_t err;
	uint32_t backend;
	uint32_t page_shift;
	uint64_t length;
	const struct tier_policy *policy;
	const struct tier_node *nodes;
	uint32_t nr_nodes;
	uint32_t __reserved32;
	const struct tier_quota *quotas;
	uint64_t __reserved[4];
};

/**
 * tier_explain() - one sentence saying why a call failed, with figures
 * @e: the failure and what to explain it with
 * @why: out: the sentence, without a newline (truncated to fit); empty
 *       when there is none
 * @len: bytes at @why
 *
 * The words libtier itself logs (TIER_LOG_ERR) when tier_buf_create() or
 * tier_buf_migrate() fails, for a program that shows errors its own way
 * or explains a failure of tier_open() (which has no context to log to).
 * Each sentence names what its figures come from, e.g.
 * "1T is larger than node 2 can ever hold (15.5G)" (-EFBIG),
 * "node 3 is movable-only: pinnable needs a normal zone or a device-dax
 * pool" (-EXDEV), "node 2's quota is 1G, 768M of it used and 0B reserved:
 * 512M more does not fit" (-ENOSPC), "/dev/cxltier is for root and group
 * cxltier ..." (-EACCES at open).  Sizes are tier_size_format()'s.
 * Since LIBTIER_1.4.
 *
 * Return: 0 with a sentence; -ENOENT when the figures say nothing more
 * than the errno (or contradict it: a node with a device-dax pool holds
 * what its pool holds, which the snapshot does not show); -EINVAL for NULL
 * arguments, an unknown @op, a non-negative @err or a create or migrate
 * without @policy.
 */
int tier_explain(const struct tier_explain *e, char *why, size_t len);

/**
 * tier_size_format() - a size for humans, in binary units
 * @bytes: the size
 * @buf: out: e.g. "512B", "64M", "7.8G" (whole units exactly, else one
 *       decimal); tier_size_parse() reads it back (to within the decimal)
 * @len: bytes at @buf; 24 always suffice
 *
 * Since LIBTIER_1.4.
 * Return: the string's length as snprintf() counts it; -EINVAL for NULL
 * @buf or zero @len.
 */
int tier_size_format(uint64_t bytes, char *buf, size_t len);

/**
 * tier_buf_map() - map the whole buffer read-write, MAP_SHARED
 * @addr: out: the address
 *
 * Idempotent: while mapped, it returns the same address.  The mapping covers
 * the length rounded up to the page size; touching past it is SIGBUS.
 * (mbind backend, 2 MiB pages: the mapping gets MADV_HUGEPAGE, best effort.)
 * Return: 0; -EINVAL for NULL arguments; the -errno of mmap(2).
 */
int tier_buf_map(struct tier_buf *buf, void **addr);

/**
 * tier_buf_unmap() - remove the mapping made by tier_buf_map()
 *
 * The pages stay with the buffer.  Not mapped is not an error.
 * Return: 0; -EINVAL for NULL; the -errno of munmap(2).
 */
int tier_buf_unmap(struct tier_buf *buf);

/**
 * struct tier_node_bytes - bytes of a buffer resident on one node
 */
struct tier_node_bytes {
	uint32_t node;
	uint32_t __reserved;
	uint64_t bytes;
};

/**
 * struct tier_buf_stat - state of a buffer
 * @id: buffer id (module: unique while it is loaded; mbind: the memfd's
 *      inode number, unique while the buffer lives)
 * @length: length as requested at create time
 * @map_length: @length rounded up to the page size: what tier_buf_map() maps
 * @resident_bytes: bytes with a page, on all nodes together
 * @mode: CXLTIER_MODE_*
 * @page_shift: log2 of the page size
 * @create_flags: CXLTIER_CREATE_* the buffer was created with
 * @nr_resident: entries in @resident
 * @resident: one entry per node holding pages, ascending node order.  The
 *            array belongs to the buffer and is sized for the host; it stays
 *            valid until the next tier_buf_stat() of this buffer or its
 *            tier_buf_destroy().
 * @policy: the buffer's policy
 * @spilled_bytes: bytes resident on a node other than their home.  Module:
 *                 its count (units placed away from home by fallback or
 *                 preferred).  mbind: counted now, page by page, where the
 *                 home is known (one node, preferred, and the per-run
 *                 modes); for MPOL_BIND and MPOL_INTERLEAVE over a set,
 *                 bytes outside the set.
 * @chunk_shift: the interleave chunk as created (0: one page)
 * @split_units: 2 MiB units whose pages are not one aligned 2 MiB block,
 *               mapped with 4 KiB PTEs (module only; 0 on mbind)
 * @pmd_map_faults: faults that mapped a 2 MiB unit with one PMD entry
 * @pte_map_faults: faults of a 2 MiB-page buffer that mapped their unit
 *                  with 4 KiB PTEs instead (both: module only, see struct
 *                  cxltier_buf_stat; 0 on mbind)
 */
struct tier_buf_stat {
	uint64_t id;
	uint64_t length;
	uint64_t map_length;
	uint64_t resident_bytes;
	uint32_t mode;
	uint32_t page_shift;
	uint32_t create_flags;
	uint32_t nr_resident;
	const struct tier_node_bytes *resident;
	struct tier_policy policy;
	uint64_t spilled_bytes;
	uint32_t chunk_shift;
	uint32_t split_units;
	uint64_t pmd_map_faults;
	uint64_t pte_map_faults;
};

/**
 * tier_buf_stat() - where the buffer's pages are, now
 *
 * Module backend: CXLTIER_IOC_BUF_STAT.  mbind backend: mincore(2) finds the
 * buffer's pages in its memfd, move_pages(2) says on which node each one is;
 * pages are counted even while the buffer is not mapped, and the query never
 * allocates one.  Its cost grows with the buffer (a few system calls per
 * thousand pages).
 * Return: 0; -EINVAL for NULL arguments; -ENOMEM; the backend's -errno.
 */
int tier_buf_stat(struct tier_buf *buf, struct tier_buf_stat *st);

/**
 * tier_buf_fd() - the buffer's file descriptor (owned by the buffer), or -EINVAL
 */
int tier_buf_fd(const struct tier_buf *buf);

/**
 * tier_buf_id() - the buffer's id (see struct tier_buf_stat), 0 for NULL
 */
uint64_t tier_buf_id(const struct tier_buf *buf);

/**
 * tier_buf_length() - the length given to tier_buf_create(), 0 for NULL
 */
size_t tier_buf_length(const struct tier_buf *buf);

/**
 * tier_buf_pmd_mapped() - bytes of tier_buf_map()'s mapping that PMD entries
 * map now, in this process
 *
 * The kernel's own count, from /proc/self/smaps (FilePmdMapped, and
 * ShmemPmdMapped for the mbind backend's memfd), summed over the VMAs the
 * mapping is made of now: with 2 MiB pages, divide by 2 MiB for the units
 * mapped by one entry.  It counts entries that exist (a munmap, mprotect,
 * MIGRATE or compaction may have replaced some by 4 KiB PTEs or nothing),
 * where struct tier_buf_stat's pmd_map_faults counts the faults that made
 * them, in every process.
 * Module backend on 6.1 kernels built with CONFIG_DEBUG_VM (no
 * distribution's release kernel): the kernel's smaps code asserts that a
 * PMD-mapped page is a THP head, which a unit's first page is not, and
 * BUGs; use tier_buf_pmd_units() for module buffers.
 * Return: bytes (>= 0); -EINVAL for NULL; -ENOENT when the buffer is not
 * mapped by tier_buf_map(); -EOPNOTSUPP when smaps has neither field;
 * -errno when /proc/self/smaps cannot be read.  Since LIBTIER_1.5.
 */
int64_t tier_buf_pmd_mapped(const struct tier_buf *buf);

/**
 * tier_buf_pmd_units() - 2 MiB units that PMD entries map now, in any process
 *
 * Module backend: struct cxltier_buf_stat's pmd_mapped_units, read by the
 * module from the page tables of every process mapping the buffer (a unit
 * mapped in two processes counts once).  Where tier_buf_pmd_mapped() sees
 * this process's mapping only, this sees a forked child's or another
 * process's too.  It runs a tier_buf_stat(), whose cost it has, and which
 * ends the validity of the resident array an earlier tier_buf_stat() of
 * this buffer returned: call it first.
 * Return: units (>= 0; 0 for 4 KiB pages); -EINVAL for NULL; -EOPNOTSUPP on
 * the mbind backend (the kernel keeps no such count for a memfd's mappings
 * in other processes; use tier_buf_pmd_mapped()); the backend's -errno.
 * Since LIBTIER_1.6.
 */
int64_t tier_buf_pmd_units(struct tier_buf *buf);

/**
 * tier_buf_destroy() - unmap and close the buffer and free the handle
 *
 * The pages are freed once no other mapping or duplicate of the fd remains.
 * NULL is a no-op.
 */
void tier_buf_destroy(struct tier_buf *buf);

/* ------------------------------------------------------------------------ */
/* Arenas: a tiered allocator                                               */

/*
 * An arena hands out memory of any size from cxltier buffers that all follow
 * one policy: many small allocations share 2 MiB slabs by size class, each
 * large one gets a buffer of its own, rounded only to the policy's page
 * size.  doc/allocator.md explains the design and why it is shaped so.
 *
 *  - Small (below the arena's large threshold, at most TIER_ARENA_SMALL_MAX
 *    bytes): 60 size classes, 16 B apart up to 128 B, then four per
 *    doubling (160, 192, 224, 256, 320, ...), so at most 25% is lost to
 *    rounding.  Each class carves 2 MiB slabs, each slab one buffer.  Each
 *    thread keeps a small cache of free objects per class and arena, so the
 *    common alloc and free take no lock; caches refill and drain in batches
 *    under a per-class lock.  A slab that becomes empty is returned to the
 *    backend (its pages freed), except one per class kept for reuse;
 *    tier_arena_trim() returns that one too.
 *  - Large: a buffer of exactly the size rounded up to the policy's page
 *    (4 KiB, or 2 MiB with page=2M), mapped at a 2 MiB-aligned address.
 *    tier_arena_free() destroys the buffer, which frees its pages.
 *  - Bookkeeping lives in ordinary memory, never in the arena's memory, so
 *    allocating and freeing never touches a (maybe slow, CXL) object, and a
 *    stray write into an object cannot corrupt the allocator.
 *  - Every allocation's address lies in one range of address space the
 *    arena reserves at create time (PROT_NONE until used), so "is this
 *    pointer mine" is two comparisons and a table read, without a lock.
 *
 * All calls are thread-safe, except tier_arena_destroy(), which must not
 * race with other calls on the arena.  The arena uses its context under its
 * own lock: while the arena may allocate, use the context from other threads
 * only for what does not change it (every call but tier_topo_refresh(),
 * tier_set_log() and tier_close()).
 *
 * Each slab and each large allocation holds one file descriptor (its
 * buffer) and one mapping while it lives.
 */
struct tier_arena;

/* The largest size class; larger allocations always get their own buffer. */
#define TIER_ARENA_SMALL_MAX	(1U << 20)
/*
 * Bytes of a slab, and the alignment of every slab and large allocation: the
 * uapi's huge page, 2 MiB.
 */
#define TIER_ARENA_SLAB_SIZE	(1U << CXLTIER_HUGE_PAGE_SHIFT)

/**
 * struct tier_arena_opts - options of tier_arena_create(); all 0 for defaults
 * @large_threshold: allocations of at least this many bytes get a buffer of
 *                   their own; 0: TIER_ARENA_SMALL_MAX + 1 (only what no size
 *                   class holds); 1 .. TIER_ARENA_SMALL_MAX + 1
 * @va_reserve: bytes of address space to reserve for the arena, a multiple of
 *              TIER_ARENA_SLAB_SIZE; the sum of everything the arena holds at
 *              once (slabs, and large allocations each rounded up to 2 MiB)
 *              cannot exceed it.  0: 4 TiB, halved while the kernel refuses
 *              (down to 1 GiB); only PROT_NONE address space, no memory
 * @flags: 0
 * @__reserved32: zero
 * @__reserved: zero
 */
struct tier_arena_opts {
	uint64_t large_threshold;
	uint64_t va_reserve;
	uint32_t flags;
	uint32_t __reserved32;
	uint64_t __reserved[4];
};

/**
 * tier_arena_create() - create an arena whose memory follows @policy
 * @ctx: context; the arena holds a reference to it
 * @policy: placement of every buffer of the arena (copied)
 * @opts: NULL for defaults
 * @out: out: the arena, NULL on failure
 *
 * The policy is tried at once (one buffer of one page is created and
 * destroyed), so a policy the backend refuses fails here, with the errno
 * tier_buf_create() gives for it.
 *
 * Return: 0; -EINVAL for NULL arguments, bad @opts (unknown flags, non-zero
 * reserved fields, a threshold or reserve out of range) or a malformed
 * policy; -ENOMEM when the address space cannot be reserved; -EAGAIN when
 * no thread-specific key is left (PTHREAD_KEYS_MAX); any error of
 * tier_buf_create() for the policy.
 */
int tier_arena_create(struct tier_ctx *ctx, const struct tier_policy *policy,
		      const struct tier_arena_opts *opts,
		      struct tier_arena **out);

/**
 * tier_arena_alloc() - allocate @size bytes
 * @arena: arena
 * @size: bytes, at least 1
 * @align: 0 for the default (16 bytes, or 2 MiB for large allocations), or
 *         a power of two up to 1 GiB
 * @out: out: the address, NULL on failure
 *
 * The memory is not zeroed when it is reused (fresh pages are zero).  Pages
 * are allocated by the backend at first touch (or at creation for a
 * policy with "populate"), on the nodes the policy names.
 *
 * Return: 0; -EINVAL for NULL arguments, a zero @size, an @align that is
 * not 0 or a power of two up to 1 GiB; -ENOMEM when the address space
 * reserved for the arena is full or bookkeeping memory runs out; an error of
 * tier_buf_create() (-EFBIG: larger than the policy's nodes, -ENOMEM,
 * -EMFILE, ...) or of mmap(2).
 */
int tier_arena_alloc(struct tier_arena *arena, size_t size, size_t align,
		    void **out);

/**
 * tier_arena_free() - free an allocation of @arena
 *
 * @ptr must be an address tier_arena_alloc() returned and not yet freed;
 * NULL is a no-op.  Anything else is refused and changes nothing.
 * Return: 0; -EINVAL for a NULL @arena, an address outside the arena or
 * not the start of an allocation, or an allocation already freed (a double
 * free is detected: each object has a live bit).
 */
int tier_arena_free(struct tier_arena *arena, void *ptr);

/**
 * tier_arena_owns() - 1 when @ptr lies in @arena's address range, else 0
 *
 * Cheap (no lock): for routing frees.  It says nothing about whether an
 * allocation is live there; tier_arena_lookup() does.
 */
int tier_arena_owns(const struct tier_arena *arena, const void *ptr);

/* struct tier_alloc_info.kind */
#define TIER_ALLOC_SMALL	1	/* an object of a slab */
#define TIER_ALLOC_LARGE	2	/* a buffer of its own */

/**
 * struct tier_alloc_info - one live allocation
 * @addr: its start
 * @size: usable bytes from @addr: the size class for a small allocation,
 *        the size asked for a large one
 * @buf_id: the id of the buffer that holds it (struct tier_buf_stat.id)
 * @buf_offset: offset of @addr in that buffer
 * @kind: TIER_ALLOC_SMALL or TIER_ALLOC_LARGE
 * @__reserved32: zero
 * @__reserved: zero
 */
struct tier_alloc_info {
	void *addr;
	uint64_t size;
	uint64_t buf_id;
	uint64_t buf_offset;
	uint32_t kind;
	uint32_t __reserved32;
	uint64_t __reserved[2];
};

/**
 * tier_arena_lookup() - the live allocation that contains @ptr
 *
 * @ptr may point anywhere inside it.
 * Return: 0; -EINVAL for NULL arguments; -ENOENT when no live allocation
 * of the arena contains @ptr.
 */
int tier_arena_lookup(struct tier_arena *arena, const void *ptr,
		     struct tier_alloc_info *info);

/**
 * tier_arena_usable_size() - @tier_alloc_info.size of the live allocation
 * that starts at @ptr; 0 when there is none (or for NULL arguments)
 */
size_t tier_arena_usable_size(struct tier_arena *arena, const void *ptr);

/* tier_arena_residency() *flags */
#define TIER_RESIDENCY_EXACT	(1U << 0)	/* counted page by page */

/**
 * tier_arena_residency() - where the pages of @ptr's allocation are
 * @out: out: up to @nr entries, one per node that holds some of its bytes,
 *       ascending node order (may be NULL when @nr is 0)
 * @flags: out: TIER_RESIDENCY_EXACT or 0 (may be NULL)
 *
 * Bytes of the allocation's range [addr, addr + size) resident on each node.
 * mbind backend: exact, page by page (mincore(2) and move_pages(2), as
 * tier_buf_stat()).  Module backend: from CXLTIER_IOC_BUF_STAT of the
 * backing buffer; exact for a large allocation (the buffer is the
 * allocation, counted to its page-rounded end, bytes beyond @size
 * included), and for a small one when its slab is wholly resident with
 * nothing spilled (each page is then on the home the policy gives it);
 * otherwise the slab's per-node bytes in proportion to the allocation's
 * share of the slab, without TIER_RESIDENCY_EXACT.
 *
 * Return: the number of nodes holding bytes of it (more than @nr: only
 * the first @nr were written; call again with more room); -EINVAL for NULL
 * @arena or @out with a non-zero @nr; -ENOENT when no live allocation
 * contains @ptr; -ENOMEM; the backend's -errno.
 */
int tier_arena_residency(struct tier_arena *arena, const void *ptr,
			struct tier_node_bytes *out, unsigned int nr,
			uint32_t *flags);

/**
 * struct tier_arena_stat - what an arena holds
 * @in_use_bytes: usable bytes of live allocations (size classes for small
 *                ones, sizes asked for large ones)
 * @nr_allocs: live allocations
 * @reserved_bytes: bytes of the arena's buffers (slabs and large ones, each
 *                  rounded to the page size): what the backend was asked
 *                  for.  Pages exist only where they were touched.
 * @nr_slabs: slabs (2 MiB buffers shared by small allocations)
 * @nr_large: large allocations (a buffer each)
 * @small_in_use_bytes: the part of @in_use_bytes in slabs
 * @resident_bytes: bytes with a page, all buffers and nodes together
 * @nr_resident: entries in @resident
 * @__reserved32: zero
 * @resident: bytes resident per node, ascending node order; the array
 *            belongs to the arena and stays valid until the next
 *            tier_arena_stat() of this arena or its destroy
 * @__reserved: zero
 */
struct tier_arena_stat {
	uint64_t in_use_bytes;
	uint64_t nr_allocs;
	uint64_t reserved_bytes;
	uint64_t nr_slabs;
	uint64_t nr_large;
	uint64_t small_in_use_bytes;
	uint64_t resident_bytes;
	uint32_t nr_resident;
	uint32_t __reserved32;
	const struct tier_node_bytes *resident;
	uint64_t __reserved[4];
};

/**
 * tier_arena_stat() - fill @st
 *
 * Counts are a snapshot: allocations made meanwhile by other threads may or
 * may not be in it.  The per-node counts ask the backend about every
 * buffer of the arena (tier_buf_stat()), so the cost grows with the arena.
 * Return: 0; -EINVAL for NULL arguments; -ENOMEM; the backend's -errno.
 */
int tier_arena_stat(struct tier_arena *arena, struct tier_arena_stat *st);

/**
 * tier_arena_trim() - give back what the arena holds without using it
 *
 * Drains the calling thread's cache and returns every empty slab to the
 * backend.  Other threads' caches drain when those threads exit.
 * Return: 0; -EINVAL for NULL.
 */
int tier_arena_trim(struct tier_arena *arena);

/**
 * tier_arena_destroy() - free every allocation and buffer of the arena
 *
 * Must not race with any other call on the arena.  NULL is a no-op.
 */
void tier_arena_destroy(struct tier_arena *arena);

/* ------------------------------------------------------------------------ */
/* Migration (LIBTIER_1.1)                                                    */

/**
 * struct tier_migrate_result - what a migration did
 * @state: CXLTIER_MIGRATE_STATE_* (tier_buf_migrate_status() only;
 *         tier_buf_migrate() leaves DONE, or RUNNING when it started an
 *         asynchronous one)
 * @error: 0, or how the migration ended: -EINTR (interrupted), -ECANCELED
 *         (async, the buffer was closed everywhere)
 * @seq: migrations started on the buffer (tier_buf_migrate_status() only)
 * @moved_bytes: bytes moved to the node the new policy names, and those of
 *               split 2 MiB units re-formed on their node (module)
 * @skipped_bytes: bytes left in place because they are long-term pinned
 * @failed_bytes: bytes left in place for another reason (no memory on the
 *                target, a reference that did not go away)
 * @elapsed_ns: time the moves took (tier_buf_migrate(), synchronous only)
 * @__reserved: zero
 */
struct tier_migrate_result {
	uint32_t state;
	int32_t error;
	uint64_t seq;
	uint64_t moved_bytes;
	uint64_t skipped_bytes;
	uint64_t failed_bytes;
	uint64_t elapsed_ns;
	uint64_t __reserved[4];
};

/**
 * tier_buf_migrate() - give a live buffer a new policy and move its pages
 * @buf: the buffer
 * @policy: the new policy: mode, nodes, weights and chunk_shift are used;
 *          @policy->page_shift and @policy->flags must be 0 or the buffer's
 *          own (the page size and create flags of a buffer never change)
 * @flags: CXLTIER_MIGRATE_* (ASYNC: start it and return; SPLIT_HUGE: move
 *         a 2 MiB unit as 4 KiB pages when the target has no free 2 MiB)
 * @rate_bytes: at most this many bytes per second; 0 = no limit
 * @res: out (may be NULL): the counts, also filled when the call fails with
 *       -EINTR (what moved before the signal)
 *
 * Module backend: CXLTIER_IOC_MIGRATE (see <linux/cxltier.h>: the buffer
 * stays usable throughout, pages that cannot move are counted, not fatal).
 * mbind backend: -EOPNOTSUPP (mbind(MPOL_MF_MOVE) cannot keep the module's
 * guarantees: it fails silently on busy pages and has no rate or async).
 *
 * Return: 0; -EINVAL for NULL @buf or @policy, or a policy the buffer
 * cannot take; -EBUSY while another migration of the buffer runs; -EINTR;
 * the kernel's policy errors (-ENODEV, -EXDEV, -EFBIG); -EOPNOTSUPP.
 */
int tier_buf_migrate(struct tier_buf *buf, const struct tier_policy *policy,
		     uint32_t flags, uint64_t rate_bytes,
		     struct tier_migrate_result *res);

/**
 * tier_buf_migrate_status() - the state and counts of the buffer's last
 * migration (running or finished), from CXLTIER_IOC_BUF_STAT
 *
 * Return: 0; -EINVAL for NULL; -EOPNOTSUPP (mbind backend); the kernel's
 * -errno.
 */
int tier_buf_migrate_status(struct tier_buf *buf,
			    struct tier_migrate_result *res);

/**
 * tier_buf_from_fd() - a handle for an existing module buffer fd
 * @ctx: a module-backend context
 * @fd: a cxltier buffer fd (e.g. one taken from another process with
 *      pidfd_getfd(2)); the handle owns it from now on and closes it in
 *      tier_buf_destroy(), also when this call fails
 * @out: out: the handle
 *
 * Return: 0; -EINVAL for bad arguments; -EOPNOTSUPP (mbind backend);
 * -ENOTTY when @fd is not a cxltier buffer; -ENOMEM.
 */
int tier_buf_from_fd(struct tier_ctx *ctx, int fd, struct tier_buf **out);

/* ------------------------------------------------------------------------ */
/* Device-dax pools (module backend only; see <linux/cxltier.h>)              */

/*
 * A pool as CXLTIER_IOC_POOL_LIST reports it.  A policy names a pool by
 * naming its @node ("bind:4").
 */
struct tier_daxpool {
	uint32_t id;
	uint32_t node;			/* target node */
	char name[32];			/* the dax device, e.g. "dax0.0" */
	uint64_t start;			/* physical address; 0 unless root */
	uint64_t length;
	uint64_t free_bytes;
	uint64_t largest_free_bytes;	/* longest free run */
	uint64_t used_pages;		/* held by buffers */
	uint64_t busy_pages;		/* released but still pinned */
	uint64_t pinned_pages;
	uint64_t free_huge_blocks;	/* wholly free 2 MiB blocks */
};

/**
 * tier_daxpool_add() - hand a device-dax device to the module as a pool
 * @ctx: a context on the module backend
 * @dax: the dax device's name, e.g. "dax0.0"
 * @id: out (may be NULL): the pool's id
 *
 * Unbinds @dax from device_dax (what `daxctl disable-device` does) if it is
 * bound, reads its range and target node from sysfs and adds the pool; on
 * failure the device is bound again.  Needs root.
 *
 * Return: 0; -EOPNOTSUPP without the module backend; -EINVAL for a bad
 * name; -ENODEV for no such dax device; -EBUSY when it is bound to another
 * driver (kmem: onlined as system RAM) or its range is claimed; the
 * module's errors (CXLTIER_IOC_POOL_ADD), sysfs errors (-EACCES, ...).
 */
int tier_daxpool_add(struct tier_ctx *ctx, const char *dax, uint32_t *id);

/**
 * tier_daxpool_remove() - remove the pool named @name, then bind the dax
 * device of that name to device_dax again
 *
 * Return: 0; 1 when the pool was removed but the device could not be bound
 * again; -ENOENT for no such pool; -EBUSY while any of its pages is in use
 * (a buffer, or a pin not yet released); -EOPNOTSUPP, -EINVAL, -EPERM.
 */
int tier_daxpool_remove(struct tier_ctx *ctx, const char *name);

/**
 * tier_daxpool_list() - the pools, in the order they were added
 * @out: room for @cap entries (may be NULL when @cap is 0)
 *
 * Return: the number of pools (may exceed @cap: only @cap are filled), or
 * -errno.
 */
int tier_daxpool_list(struct tier_ctx *ctx, struct tier_daxpool *out,
		      unsigned int cap);

/**
 * tier_daxpool_driver() - the driver a dax device is bound to, in @drv
 * ("device_dax", "kmem"; "" when unbound)
 *
 * Return: 0; -EINVAL for a bad name; -ENODEV for no such device.
 */
int tier_daxpool_driver(const char *dax, char *drv, size_t len);

/* ------------------------------------------------------------------------ */
/* Tunables and counters (LIBTIER_1.2)                                        */

/*
 * The cxltier module's sysfs files (<linux/cxltier.h>,
 * doc/ABI/testing/sysfs-class-misc-cxltier) by key:
 *
 *   default_policy, default_page_size, low_free_percent    (rw, root)
 *   node.N.quota_bytes                                      (rw, root)
 *   node.N.used_bytes, node.N.reserved_bytes, node.N.tier,
 *   node.N.alloc_pages, node.N.spill_pages, node.N.migrate_in_pages,
 *   node.N.migrate_out_pages, node.N.fault_failures         (ro)
 *
 * N is a decimal node id without leading zeros.  These work whatever the
 * backend and need no context: they read and write the files.
 */

/**
 * tier_tune_path() - the sysfs file behind @key, into @path
 *
 * Return: 0; -EINVAL for a key that is not one of the above (or a NULL
 * argument); -ENAMETOOLONG when @len is too small.
 */
int tier_tune_path(const char *key, char *path, size_t len);

/**
 * tier_tune_writable() - whether @key can be set
 *
 * Return: 1 (root may write it), 0 (read-only), or -EINVAL for an unknown
 * key.
 */
int tier_tune_writable(const char *key);

/**
 * tier_tune_get() - the value of @key as the module gives it, without the
 * trailing newline, into @value (NUL-terminated)
 *
 * Return: its length; -EINVAL for an unknown key; -ENODEV when the module
 * is not loaded (no CXLTIER_SYSFS_DIR); -ENOENT when it has no such file
 * (not a possible node, or an older module); -ERANGE when @len is too
 * small; or the -errno of reading the file.
 */
int tier_tune_get(const char *key, char *value, size_t len);

/**
 * tier_tune_set() - write @value to @key's file, in one write()
 *
 * The module validates it: a value it refuses changes nothing.
 * Return: 0; -EINVAL for an unknown key or a value the module refused;
 * -EROFS for a read-only key; -EACCES or -EPERM for a caller other than
 * root; -ENODEV, -ENOENT as tier_tune_get().
 */
int tier_tune_set(const char *key, const char *value);

/**
 * tier_tune_foreach() - call @fn for every key with its value: the
 * module-wide ones first, then each node's, by ascending node id
 *
 * @fn gets @value NULL and @err the -errno when a file could not be read,
 * and returns 0 to go on; anything else stops the walk and is returned.
 * Return: 0, @fn's non-zero return, -ENODEV when the module is not loaded,
 * -ENOMEM, or -EINVAL for a NULL @fn.
 */
int tier_tune_foreach(int (*fn)(const char *key, const char *value, int err,
				void *arg),
		      void *arg);

/* ------------------------------------------------------------------------ */
/* Statistics and events over generic netlink (LIBTIER_1.2)                   */

/*
 * The module's generic netlink family CXLTIER_GENL_NAME (<linux/cxltier.h>
 * describes it, doc/netlink/cxltier.yaml too), through libmnl.  A handle is
 * independent of struct tier_ctx: it needs no /dev/cxltier access.
 *
 * The structs below are filled from the attributes of one message; their
 * @attrs field has bit (1ULL << CXLTIER_NL_A_x) set for each top-level
 * attribute the message carried, so a caller can tell "absent" from 0.
 * Attributes this version of libtier does not know are skipped; a known
 * attribute of the wrong length makes the message -EPROTO.  Fields not
 * named in a message are 0 except where said otherwise.
 */
struct tier_nl;

/* tier_nl_open() flags */
#define TIER_NL_EVENTS		(1U << 0)	/* join the "events" group */
#define TIER_NL_NONBLOCK	(1U << 1)	/* tier_nl_event_read() does not
						 * wait: -EAGAIN when no event */

/* The bit of struct tier_nl_{buf,node,event}.attrs for attribute @a */
#define TIER_NL_HAS(s, a)	((a) < 64 && ((s)->attrs >> (a)) & 1)

/**
 * tier_nl_open() - a netlink socket, the family resolved on it
 * @out: out: the handle, NULL on failure
 * @flags: TIER_NL_*.  With TIER_NL_EVENTS the handle receives events and
 *         is used with tier_nl_fd() and tier_nl_event_read() only (requests
 *         on it are -EINVAL: replies and events would interleave): every
 *         event when the caller may join the "events" group (CAP_SYS_ADMIN,
 *         in the initial network namespace), else those of its own buffers
 *         and the node and pool events (a subscription,
 *         CXLTIER_NL_CMD_EVENT_SUBSCRIBE, also in a container); an event that
 *         races with the subscription's acknowledgement is not delivered.
 *         tier_nl_event_scope() says which
 *
 * Return: 0; -ENOENT when there is no family CXLTIER_GENL_NAME (the module
 * is not loaded: tier_nl_strerror() says so); -EPROTO when the family has
 * no "events" group or an older version; -EINVAL for unknown flags;
 * -ENOMEM; the -errno of socket(2), bind(2) or a request.
 */
int tier_nl_open(struct tier_nl **out, unsigned int flags);

/* tier_nl_event_scope() */
#define TIER_NL_SCOPE_ALL	1	/* every user's events (the group) */
#define TIER_NL_SCOPE_OWN	2	/* the caller's own buffers' events */

/**
 * tier_nl_event_scope() - whose events a TIER_NL_EVENTS handle receives
 * Return: TIER_NL_SCOPE_*; -EINVAL for NULL or a handle without events.
 */
int tier_nl_event_scope(const struct tier_nl *nl);

/** tier_nl_close() - close the socket and free the handle; NULL is a no-op */
void tier_nl_close(struct tier_nl *nl);

/**
 * tier_nl_strerror() - a message for an error of the tier_nl_* calls:
 * "cxltier module not loaded (no generic netlink family "cxltier")" for
 * -ENOENT of tier_nl_open(), strerror() of the errno otherwise
 */
const char *tier_nl_strerror(int err);

/* struct tier_nl_node.tier when the message had no CXLTIER_NL_A_NODE_TIER */
#define TIER_NL_TIER_NONE	UINT32_MAX
/* an absent node id (struct tier_nl_event.node, .to_node) */
#define TIER_NL_NODE_NONE	UINT32_MAX

/**
 * struct tier_nl_buf - one buffer, as CXLTIER_NL_CMD_BUF_GET reports it
 * @attrs: attributes present (TIER_NL_HAS())
 * @id, @pid, @uid, @length, @resident_bytes, @spilled_bytes: as their
 *      CXLTIER_NL_A_BUF_* attributes (@pid 0: not visible in the caller's
 *      pid namespace, or exited)
 * @policy: mode, create flags, page and chunk shift and the node list
 * @nr_resident: entries of @resident
 * @resident: bytes per node holding pages, ascending node order; owned by
 *            the array tier_nl_buf_list() returned
 * @migrate_state, @migrate_error, @migrate_seq, @migrate_moved_bytes,
 * @migrate_skipped_bytes, @migrate_failed_bytes: the last migration's, as
 *      in struct cxltier_buf_stat
 * @pmd_map_faults, @pte_map_faults, @split_units, @pmd_mapped_units: how
 *      its 2 MiB units are mapped, as in struct cxltier_buf_stat
 */
struct tier_nl_buf {
	uint64_t attrs;
	uint64_t id;
	uint32_t pid;
	uint32_t uid;
	uint64_t length;
	struct tier_policy policy;
	uint32_t nr_resident;
	uint32_t migrate_state;
	struct tier_node_bytes *resident;
	uint64_t resident_bytes;
	uint64_t spilled_bytes;
	int32_t migrate_error;
	uint32_t __reserved32;
	uint64_t migrate_seq;
	uint64_t migrate_moved_bytes;
	uint64_t migrate_skipped_bytes;
	uint64_t migrate_failed_bytes;
	uint64_t pmd_map_faults;
	uint64_t pte_map_faults;
	uint64_t split_units;
	uint64_t pmd_mapped_units;
	uint64_t __reserved[2];
};

/**
 * tier_nl_buf_list() - every buffer the caller may see (a dump)
 * @bufs: out: an array of the buffers, free it with tier_nl_bufs_free();
 *        NULL when there are none
 *
 * Without CAP_SYS_ADMIN the caller sees only the buffers of its euid.
 * Return: the number of buffers, or -errno (-EINVAL for an events handle
 * or NULL arguments, -EPROTO for a malformed reply).
 */
int tier_nl_buf_list(struct tier_nl *nl, struct tier_nl_buf **bufs);

/**
 * tier_nl_buf_get() - one buffer by id, as an array of one
 *
 * Return: 1; -ENOENT when it does not exist or is not the caller's to see;
 * the errors of tier_nl_buf_list().
 */
int tier_nl_buf_get(struct tier_nl *nl, uint64_t id, struct tier_nl_buf **buf);

/** tier_nl_bufs_free() - free what tier_nl_buf_list/get() returned (@nr entries) */
void tier_nl_bufs_free(struct tier_nl_buf *bufs, int nr);

/**
 * struct tier_nl_node - one node, as CXLTIER_NL_CMD_NODE_GET reports it
 * @attrs: attributes present (TIER_NL_HAS())
 * @node: the node id
 * @tier: CXLTIER_TIER_*, TIER_NL_TIER_NONE while the node has no memory
 * @quota_bytes: TIER_QUOTA_UNLIMITED when the node has no quota
 * the rest: the CXLTIER_NL_A_NODE_* attribute of the same name
 */
struct tier_nl_node {
	uint64_t attrs;
	uint32_t node;
	uint32_t tier;
	uint64_t total_bytes;
	uint64_t free_bytes;
	uint64_t quota_bytes;
	uint64_t used_bytes;
	uint64_t reserved_bytes;
	uint64_t pool_bytes;
	uint64_t alloc_pages;
	uint64_t spill_pages;
	uint64_t migrate_in_pages;
	uint64_t migrate_out_pages;
	uint64_t fault_failures;
	uint64_t __reserved[8];
};

/**
 * tier_nl_node_list() - the module's nodes (a dump), ascending node order
 * @nodes: out: an array to free with free(3); NULL when there are none
 * Return: the number of nodes or -errno, as tier_nl_buf_list().
 */
int tier_nl_node_list(struct tier_nl *nl, struct tier_nl_node **nodes);

/* struct tier_nl_event.type of the "events were lost" indication */
#define TIER_NL_EVENT_LOST	0U

/**
 * struct tier_nl_event - one event of the "events" group
 * @attrs: attributes present (TIER_NL_HAS())
 * @type: CXLTIER_EVENT_*, or TIER_NL_EVENT_LOST: the socket's buffer
 *        overflowed (ENOBUFS) and an unknown number of events is lost
 * @node: CXLTIER_NL_A_NODE_ID, TIER_NL_NODE_NONE when absent
 * @to_node: CXLTIER_NL_A_EVENT_TO_NODE, TIER_NL_NODE_NONE when absent
 * @error: CXLTIER_NL_A_EVENT_ERROR (a negative errno)
 * @pool_name: CXLTIER_NL_A_POOL_NAME, NUL-terminated (truncated if longer)
 * the rest: the attribute of the same name (CXLTIER_NL_A_BUF_*,
 *      _NODE_*, _EVENT_*, _POOL_ID)
 *
 * <linux/cxltier.h> lists the attributes each event type carries.
 */
struct tier_nl_event {
	uint64_t attrs;
	uint32_t type;
	uint32_t node;
	uint32_t to_node;
	int32_t error;
	uint64_t buf_id;
	uint32_t pid;
	uint32_t uid;
	uint64_t bytes;
	uint64_t quota_bytes;
	uint64_t free_bytes;
	uint64_t total_bytes;
	uint64_t threshold_bytes;
	uint64_t migrate_seq;
	uint64_t migrate_moved_bytes;
	uint64_t migrate_skipped_bytes;
	uint64_t migrate_failed_bytes;
	uint32_t pool_id;
	char pool_name[36];
	uint64_t __reserved[6];
};

/**
 * tier_nl_event_name() - "spill", "quota-refused", "migrate-done",
 * "node-online", "node-offline", "node-low-free", "pool-added",
 * "pool-removed", "lost" (TIER_NL_EVENT_LOST); NULL for an unknown type
 */
const char *tier_nl_event_name(uint32_t type);

/**
 * tier_nl_fd() - the handle's socket, to poll(2) for POLLIN; -EINVAL for NULL
 */
int tier_nl_fd(const struct tier_nl *nl);

/**
 * typedef tier_nl_event_fn - called once per event
 * Return: 0 to go on; anything else stops tier_nl_event_read(), which
 * returns it.
 */
typedef int (*tier_nl_event_fn)(void *priv, const struct tier_nl_event *ev);

/**
 * tier_nl_event_read() - receive what the socket has, call @fn per event
 * @nl: a handle opened with TIER_NL_EVENTS
 *
 * Waits for a datagram unless the handle is TIER_NL_NONBLOCK, then parses
 * every event in it.  Overruns (ENOBUFS) are not errors: @fn gets an event
 * of type TIER_NL_EVENT_LOST and reading goes on.  Messages of another
 * command and malformed events are skipped (a malformed one logs nothing:
 * the library never prints).
 * Return: the number of calls of @fn; @fn's non-zero return; -EAGAIN
 * (TIER_NL_NONBLOCK, nothing to read); -EINTR; -EINVAL for a handle without
 * TIER_NL_EVENTS or NULL arguments; the -errno of recv(2).
 */
int tier_nl_event_read(struct tier_nl *nl, tier_nl_event_fn fn, void *priv);

#ifdef __cplusplus
}
#endif

#endif /* LIBTIER_H */
