/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * libtier: place memory buffers on chosen DRAM and CXL NUMA nodes.
 *
 * libtier talks to the cxltier kernel module through /dev/cxltier (the
 * "module" backend).  Where the module is not loaded it falls back to plain
 * Linux NUMA policy, memfd_create(2) + mbind(2) (the "mbind" backend), with
 * the same calls and the same errors.
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
#define TIER_BACKEND_MBIND	2	/* memfd_create + mbind(MPOL_BIND) */

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

/* ------------------------------------------------------------------------ */
/* Policies                                                                   */

#define TIER_MAX_POLICY_NODES	CXLTIER_MAX_POLICY_NODES

/**
 * struct tier_policy_node - one entry of a policy's node list
 * @node: NUMA node id
 * @weight: share for modes that weigh nodes; 0 for CXLTIER_MODE_BIND
 */
struct tier_policy_node {
	uint32_t node;
	uint32_t weight;
};

/**
 * struct tier_policy - where a buffer's pages may come from
 * @mode: CXLTIER_MODE_*
 * @flags: CXLTIER_CREATE_* (none defined yet: 0)
 * @page_shift: log2 of the page size; 0 for the system's base page
 * @nr_nodes: used entries of @nodes
 * @nodes: the node list
 *
 * Zero it before filling it by hand, or use tier_policy_parse().
 */
struct tier_policy {
	uint32_t mode;
	uint32_t flags;
	uint32_t page_shift;
	uint32_t nr_nodes;
	struct tier_policy_node nodes[TIER_MAX_POLICY_NODES];
};

/* Longest string tier_policy_format() can produce, with the NUL. */
#define TIER_POLICY_STRLEN	1536

/**
 * tier_policy_parse() - parse a policy string
 * @s: the string, e.g. "bind:0"
 * @p: out: the policy (zeroed first)
 *
 * Grammar (no spaces):
 *
 *   policy  := MODE ':' item { ',' item }
 *   item    := NODE [ '=' WEIGHT [ '%' ] ]      node entries
 *            | KEY '=' VALUE                    options: KEY starts with a letter
 *   NODE, WEIGHT := decimal digits
 *   option  page=SIZE  page size, a power of two with an optional K/M/G
 *                      suffix (binary): sets @page_shift
 *
 * Modes: "bind" (CXLTIER_MODE_BIND): pages only from the listed nodes, no
 * weights.  Reserved for later versions, and refused with -EOPNOTSUPP:
 * "weighted" (weighted:0=3,2=1), "split" (split:0=30%,2=70%), "interleave"
 * (interleave:0,2) and "preferred" (preferred:0,2).
 *
 * The parser checks syntax, not the host: whether a node exists, or how
 * many nodes a mode accepts, is checked by tier_buf_create().
 *
 * Return: 0; -EINVAL for NULL arguments, a malformed string, an unknown
 * mode or option, a weight where the mode takes none, a node listed twice,
 * more than TIER_MAX_POLICY_NODES nodes; -EOPNOTSUPP for a mode this
 * version knows by name but does not implement.
 */
int tier_policy_parse(const char *s, struct tier_policy *p);

/**
 * tier_policy_format() - the canonical string of a policy
 * @p: the policy
 * @buf: out: the string, NUL-terminated (truncated when it does not fit)
 * @len: size of @buf; TIER_POLICY_STRLEN always suffices
 *
 * tier_policy_parse() of the result gives @p back.
 * Return: the string's length (without the NUL); -EINVAL for NULL
 * arguments or a policy that has no string form (a mode this version does
 * not implement, no nodes or more than TIER_MAX_POLICY_NODES, flags set,
 * weights where the mode takes none, a node twice, a page_shift outside
 * 12..40); -ENOSPC when @len is too small.
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
 * zeroed, on the policy's node at its first touch through a MAP_SHARED
 * mapping.  The module backend raises SIGBUS when the node cannot give a
 * page; the mbind backend reclaims, and in the end invokes the OOM killer
 * as any shmem allocation does.
 *
 * Both backends check the request the same way (the module's errors,
 * documented in <linux/cxltier.h>, are passed through):
 * Return: 0;
 * -EINVAL: NULL argument, zero @length, unknown mode, flags or page_shift,
 *          nr_nodes of 0 or more than the mode allows (1 for bind), a node id
 *          not below the kernel's MAX_NUMNODES (the mbind backend uses 1024),
 *          a weight for bind, a node named twice;
 * -ENODEV: a node that is offline or has no memory;
 * -EFBIG:  @length larger than the policy's nodes hold in all;
 * -EMFILE/-ENFILE/-ENOMEM, or another -errno of the backend.
 */
int tier_buf_create(struct tier_ctx *ctx, size_t length,
		    const struct tier_policy *policy, struct tier_buf **out);

/**
 * tier_buf_map() - map the whole buffer read-write, MAP_SHARED
 * @addr: out: the address
 *
 * Idempotent: while mapped, it returns the same address.  The mapping covers
 * the length rounded up to the page size; touching past it is SIGBUS.
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
	uint64_t __reserved[4];
};

/**
 * tier_buf_stat() - where the buffer's pages are, now
 *
 * Module backend: CXLTIER_IOC_BUF_STAT.  mbind backend: mincore(2) finds the
 * buffer's pages in its memfd, move_pages(2) says on which node each one is;
 * pages are counted even while the buffer is not mapped, and the query never
 * allocates one.
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
