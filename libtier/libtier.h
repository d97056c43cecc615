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
 *    errno on failure.  They never print, never exit and never leave the
 *    answer in errno.  Messages go to an optional log hook (tier_set_log()).
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
#define TIER_LOG_ERR	3
#define TIER_LOG_INFO	6
#define TIER_LOG_DEBUG	7

/**
 * typedef tier_log_fn - log hook
 * @priv: the pointer given to tier_set_log()
 * @prio: TIER_LOG_*
 * @msg: one line, without a newline
 */
typedef void (*tier_log_fn)(void *priv, int prio, const char *msg);

/**
 * tier_set_log() - route the context's messages to @fn (NULL: drop them)
 *
 * Messages explain failures (which syscall, which node) in more detail than
 * an errno can.  Without a hook nothing is logged.
 */
void tier_set_log(struct tier_ctx *ctx, tier_log_fn fn, void *priv);

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

/* Longest string tier_policy_format() can produce, with the NUL. */
#define TIER_POLICY_STRLEN	1536

/**
 * tier_policy_parse() - parse a policy string
 * @s: the string, e.g. "bind:0", "weighted:0=3,2=1,chunk=2M"
 * @p: out: the policy (zeroed first, and zeroed again on failure)
 *
 * Grammar (no spaces, everything lower case):
 *
 *   policy := MODE ':' item { ',' item }
 *   item   := NODE [ '=' WEIGHT [ '%' ] ]      a node (starts with a digit)
 *           | OPTION [ '=' VALUE ]             an option (starts with a letter)
 *   NODE, WEIGHT := decimal digits
 *   SIZE   := decimal digits with an optional K, M or G (binary units);
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
 * @__reserved32: zero
 * @__reserved: zero
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
	uint32_t __reserved32;
	uint64_t __reserved[2];
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
 * tier_buf_destroy() - unmap and close the buffer and free the handle
 *
 * The pages are freed once no other mapping or duplicate of the fd remains.
 * NULL is a no-op.
 */
void tier_buf_destroy(struct tier_buf *buf);

#ifdef __cplusplus
}
#endif

#endif /* LIBTIER_H */
