/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* libtier internals: shared by the library's files, never installed. */
#ifndef LIBTIER_PRIVATE_H
#define LIBTIER_PRIVATE_H

#include <linux/cxltier_layout.h>
#include <sched.h>

#include "libtier.h"

#define TIER_EXPORT	__attribute__((visibility("default")))

#define ARRAY_SIZE(a)	(sizeof(a) / sizeof((a)[0]))

/*
 * Node ids at or above this are -EINVAL in the mbind backend, as ids not
 * below MAX_NUMNODES are in the module: 1024 is MAX_NUMNODES of x86-64 and
 * arm64 distribution kernels (NODES_SHIFT=10).  sysfs never shows more.
 */
#define TIER_NODE_ID_LIMIT	1024

/* The module and the mbind backend class nodes alike (uapi: cxl_distance). */
#define TIER_CXL_DISTANCE	30

/* Every CXLTIER_CREATE_* flag this version of libtier knows. */
#define TIER_KNOWN_FLAGS	(CXLTIER_CREATE_FALLBACK | CXLTIER_CREATE_POPULATE | \
				 CXLTIER_CREATE_PINNABLE | CXLTIER_CREATE_HUGE_FALLBACK | \
				 CXLTIER_CREATE_RESERVE)

/*
 * Where a policy puts each unit of a buffer: the uapi's layout (the module's
 * own rules, <linux/cxltier_layout.h>) over the policy's list, for the mbind
 * backend's runs, its count of spilled pages and the arena's residency.
 * Units are pages of the buffer's page size; cxltier_layout_home() and
 * cxltier_layout_run() on @rule give an index into @nodes.
 */
struct tier_layout {
	struct cxltier_layout rule;
	const struct tier_policy_node *nodes;	/* the policy's list */
	__u64 *split_end;		/* split: rule.split_end's storage */
};

struct tier_backend_ops {
	const char *name;
	/* Fill a fresh, sorted node array; the caller frees it. */
	int (*topo_read)(struct tier_ctx *ctx, struct tier_node **nodes,
			 unsigned int *nr);
	/*
	 * Create the buffer: set buf->fd, ->id, ->page_shift, ->map_length.
	 * @length is non-zero and @p->nr_nodes at most TIER_MAX_POLICY_NODES.
	 */
	int (*buf_create)(struct tier_ctx *ctx, struct tier_buf *buf,
			  size_t length, const struct tier_policy *p);
	/*
	 * Fill @st except ->resident and ->nr_resident; put the per-node
	 * counts in buf->resident / buf->nr_resident.
	 */
	int (*buf_stat)(struct tier_buf *buf, struct tier_buf_stat *st);
	/* Optional (NULL: -EOPNOTSUPP): CXLTIER_IOC_MIGRATE and its status. */
	int (*buf_migrate)(struct tier_buf *buf, const struct tier_policy *p,
			   uint32_t flags, uint64_t rate,
			   struct tier_migrate_result *res);
	int (*buf_migrate_status)(struct tier_buf *buf,
				  struct tier_migrate_result *res);
	/* Optional: fill buf->id, ->length, ->page_shift, ->map_length, ->policy */
	int (*buf_from_fd)(struct tier_buf *buf);
};

extern const struct tier_backend_ops tier_module_ops;
extern const struct tier_backend_ops tier_mbind_ops;

struct tier_ctx {
	unsigned int refs;		/* the caller's + one per buffer */
	int backend;			/* TIER_BACKEND_* */
	const struct tier_backend_ops *ops;
	int devfd;			/* /dev/cxltier, module backend only */
	int module_err;			/* see tier_module_error() */
	unsigned int page_shift;	/* system base page */
	struct tier_info info;
	struct tier_node *nodes;	/* topology snapshot, ascending ids */
	unsigned int nr_nodes;
	tier_log_fn log_fn;
	void *log_priv;
	int log_level;			/* the least urgent TIER_LOG_* passed on */
	int log_env;			/* LIBTIER_LOG set it (stderr without a hook) */
};

/* How the mbind backend expresses a policy (see tier_buf_create()). */
enum tier_mbind_kind {
	TIER_MB_RUNS,		/* MPOL_BIND/PREFERRED to each run's home */
	TIER_MB_SET_BIND,	/* MPOL_BIND over the listed nodes */
	TIER_MB_SET_INTERLEAVE,	/* MPOL_INTERLEAVE over the listed nodes */
	TIER_MB_PREFERRED,	/* MPOL_PREFERRED to the first listed node */
};

struct tier_buf {
	struct tier_ctx *ctx;		/* holds a reference */
	int fd;
	uint64_t id;
	size_t length;			/* as requested */
	size_t map_length;		/* rounded up to the page size */
	unsigned int page_shift;
	struct tier_policy policy;
	void *addr;			/* tier_buf_map()'s mapping or NULL */
	struct tier_node_bytes *resident; /* tier_buf_stat()'s array */
	unsigned int nr_resident;
	unsigned int resident_cap;
	/* tier_buf_stat()'s pmd_mapped_units (module), -EOPNOTSUPP (mbind) */
	int64_t pmd_units;
	/* mbind backend only */
	enum tier_mbind_kind mb_kind;
	struct tier_layout layout;	/* TIER_MB_RUNS */
	int advise_huge;		/* MADV_HUGEPAGE on every mapping */
};

void tier_log(const struct tier_ctx *ctx, int prio, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/*
 * Whether a message of @prio would go anywhere: test it before working out
 * what only a message needs.  @ctx NULL (netlink handles): LIBTIER_LOG's
 * stderr only.
 */
int tier_log_enabled(const struct tier_ctx *ctx, int prio);
#define tier_err(ctx, ...)	tier_log(ctx, TIER_LOG_ERR, __VA_ARGS__)
#define tier_warn(ctx, ...)	tier_log(ctx, TIER_LOG_WARNING, __VA_ARGS__)
#define tier_info(ctx, ...)	tier_log(ctx, TIER_LOG_INFO, __VA_ARGS__)
#define tier_dbg(ctx, ...)	tier_log(ctx, TIER_LOG_DEBUG, __VA_ARGS__)

/*
 * explain.c: log tier_explain()'s sentence for @err of @op
 * (TIER_EXPLAIN_*) on @ctx's snapshot, if it has one.
 */
void tier_explain_log(struct tier_ctx *ctx, int op, int err, uint64_t length,
		      const struct tier_policy *p);

/* ctx.c: references held by the caller and by each buffer */
void tier_ctx_get(struct tier_ctx *ctx);
void tier_ctx_put(struct tier_ctx *ctx);

/* topo.c */
const struct tier_node *tier_find_node(const struct tier_ctx *ctx,
				       unsigned int node);
int tier_node_cmp(const void *a, const void *b);

/* policy.c: layouts.  init: 0 or -ENOMEM; @l keeps pointing into @p. */
int tier_layout_init(struct tier_layout *l, const struct tier_policy *p,
		     uint64_t nr_units, unsigned int unit_shift);
void tier_layout_free(struct tier_layout *l);

/* numa_topo.c: the mbind backend's topology, from sysfs and procfs */
int tier_numa_topo_read(struct tier_ctx *ctx, struct tier_node **nodes,
			 unsigned int *nr);

/*
 * numa_topo.c: where this process's threads may run, for placing the
 * optimizer's threads near the memory they stream (libtier/optim).  The
 * online nodes with CPUs that the calling thread's affinity allows, each
 * with those CPUs, and for every online node the nearest of them by SLIT
 * distance (lowest id on ties), as an index into @node, or -1.
 */
#define TIER_MAX_CPU_NODES	64
struct tier_cpu_nodes {
	unsigned int nr;
	unsigned int node[TIER_MAX_CPU_NODES];
	unsigned int nr_cpus[TIER_MAX_CPU_NODES];
	cpu_set_t cpus[TIER_MAX_CPU_NODES];
	int near[TIER_NODE_ID_LIMIT];
};
int tier_cpu_nodes_read(struct tier_cpu_nodes *cn);

/*
 * arena.c: the buffer holding live allocation byte @ptr of @arena, and
 * @ptr's offset in its mapping; -ENOENT when no live allocation holds it.
 */
int tier_arena_buf_of(struct tier_arena *arena, const void *ptr,
		      const struct tier_buf **buf, size_t *offset);

/* buf.c: make room for @n entries in buf->resident. */
int tier_buf_resident_reserve(struct tier_buf *buf, unsigned int n);

/*
 * arena.c: fork(2) handlers for an arena, for the LD_PRELOAD library (which
 * links libtier's objects in): prepare takes every lock of the arena, parent
 * drops them, child makes the arena safe in the child (see arena.c).
 */
void tier_arena_fork_prepare(struct tier_arena *arena);
void tier_arena_fork_parent(struct tier_arena *arena);
void tier_arena_fork_child(struct tier_arena *arena);

/* Round @len up to 2^@shift; 0 on overflow. */
static inline size_t tier_round_up(size_t len, unsigned int shift)
{
	size_t mask = ((size_t)1 << shift) - 1;

	if (len > SIZE_MAX - mask)
		return 0;
	return (len + mask) & ~mask;
}

#endif /* LIBTIER_PRIVATE_H */
