/* SPDX-License-Identifier: GPL-2.0 */
/*
 * cxltier: definitions shared by the module's files, in layer order from
 * the bottom up.  The files, top to bottom; each calls only files below
 * it, except that any may send a netlink event (netlink.c's cxltier_nl_*
 * event functions) and that a buffer file's ->unlocked_ioctl is
 * ioctl.c's dispatcher:
 *
 *   main.c       the device; init and exit in layer order
 *   ioctl.c      dispatch tables of /dev/cxltier and of buffer files
 *   netlink.c    generic netlink: buffer and node reports, events
 *   buf.c        buffers: CREATE, reserve, the file, BUF_STAT, registry
 *   sysfs.c      sysfs files; the default policy and page size
 *   map.c        mmap, faults, fault-around, ->access   (clients of
 *   migrate.c    CXLTIER_IOC_MIGRATE                      page.c)
 *   populate.c   CXLTIER_CREATE_POPULATE workers
 *   page.c       the page-slot store: fill, charge, free, movable ops
 *   policy.c     policy checks, loading, unit -> node (uapi layout)
 *   pool.c       device-dax pools       info.c   the node table
 *   quota.c      per-node quotas        stats.c  per-node counters
 *
 * One header rather than one per layer: struct cxltier_buf is shared by
 * every buffer layer, each owning a block of its fields (marked there).
 */
#ifndef CXLTIER_INTERNAL_H
#define CXLTIER_INTERNAL_H

#undef pr_fmt
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/types.h>
#include <linux/fs.h>
#include <linux/mm_types.h>
#include <linux/spinlock.h>
#include <linux/atomic.h>
#include <linux/rwsem.h>
#include <linux/mutex.h>
#include <linux/list.h>
#include <linux/wait.h>
#include <linux/nodemask.h>
#include <linux/minmax.h>
#include <linux/uaccess.h>
#include <linux/cxltier.h>

#include "compat.h"

/*
 * An ioctl being executed: the file it came in on, the user's buffer and
 * the kernel copy of the command struct (zeroed, then filled by
 * copy_struct_from_user()).
 */
struct cxltier_ucmd {
	struct file *file;
	void __user *ubuffer;
	u32 user_size;
	void *cmd;
};

/* One entry of an ioctl dispatch table, after iommufd. */
struct cxltier_ioctl_op {
	unsigned int size;	/* sizeof the kernel's struct */
	unsigned int min_size;	/* end of the last member of version 0 */
	int (*execute)(struct cxltier_ucmd *ucmd);
};

#define CXLTIER_IOCTL_OP(_cmd, _fn, _struct, _last)                        \
	[_cmd - CXLTIER_CMD_BASE] = {                                       \
		.size = sizeof(_struct),                                    \
		.min_size = offsetofend(_struct, _last),                    \
		.execute = _fn,                                             \
	}

#define CXLTIER_NR_CMDS (CXLTIER_CMD_LAST - CXLTIER_CMD_BASE)

#define CXLTIER_CREATE_FLAGS (CXLTIER_CREATE_FALLBACK | CXLTIER_CREATE_POPULATE | \
			      CXLTIER_CREATE_PINNABLE |                            \
			      CXLTIER_CREATE_HUGE_FALLBACK |                       \
			      CXLTIER_CREATE_RESERVE |                             \
			      CXLTIER_CREATE_DEFAULT_POLICY)

/*
 * Copy the command struct back: never more than the user gave us.  Every
 * handler answers with it; an inline here, so no handler calls back into
 * ioctl.c.
 */
static inline int cxltier_ucmd_respond(struct cxltier_ucmd *ucmd, size_t size)
{
	if (copy_to_user(ucmd->ubuffer, ucmd->cmd,
			 min_t(size_t, ucmd->user_size, size)))
		return -EFAULT;
	return 0;
}

/* info.c: the node table */
extern unsigned int cxltier_cxl_distance;
int cxltier_get_info(struct cxltier_ucmd *ucmd);
u64 cxltier_node_capacity_pages(int nid, bool pinnable);
void cxltier_node_fill(int nid, struct cxltier_node_info *ni);

/* quota.c: per-node quotas, used and reserved pages */
int cxltier_quota_init(void);
void cxltier_quota_exit(void);
int cxltier_quota_charge(int nid, unsigned long pages, bool reserve);
unsigned long cxltier_quota_reserve_upto(int nid, unsigned long pages,
					 unsigned long granule);
void cxltier_quota_uncharge(int nid, unsigned long pages, bool reserved);
void cxltier_quota_unreserve(const struct cxltier_node_weight *policy,
			     const unsigned long *resv, u32 nr);
void cxltier_quota_convert(int nid, unsigned long pages, bool to_used);
void cxltier_quota_move(int from, int to, unsigned long pages);
void cxltier_quota_read(int nid, u64 *quota, u64 *used_bytes,
			u64 *reserved_bytes);
void cxltier_quota_set(int nid, u64 quota);

/* stats.c: per-node counters, read by sysfs.c and netlink.c */
enum cxltier_counter {
	CXLTIER_CNT_ALLOC,		/* alloc_pages */
	CXLTIER_CNT_SPILL,		/* spill_pages, counted on the home */
	CXLTIER_CNT_MIGRATE_IN,		/* migrate_in_pages */
	CXLTIER_CNT_MIGRATE_OUT,	/* migrate_out_pages */
	CXLTIER_CNT_FAULT_FAIL,		/* fault_failures, on the home */
	CXLTIER_NR_COUNTERS
};
int cxltier_stats_init(void);
void cxltier_stats_exit(void);
void cxltier_count(int nid, enum cxltier_counter c, unsigned long n);
u64 cxltier_count_read(int nid, enum cxltier_counter c);
/* low_free_percent (sysfs.c writes it, netlink.c's low-free event reads it) */
extern unsigned int cxltier_low_free_percent;

/* pool.c: device-dax pools, the pages a node with a pool gives */
int cxltier_pool_add(struct cxltier_ucmd *ucmd);
int cxltier_pool_remove(struct cxltier_ucmd *ucmd);
int cxltier_pool_list(struct cxltier_ucmd *ucmd);
u64 cxltier_pool_node_pages(int nid);
int cxltier_pool_alloc(int nid, unsigned int order, struct page **pages);
void cxltier_pool_put_page(struct page *page);
bool cxltier_is_pool_page(struct page *page);
int cxltier_page_nid(struct page *page);

/*
 * A buffer: a file on the module's pseudo filesystem (buf.c) whose pages
 * come from the nodes its policy names (policy.c).  Its page slots, @pages,
 * and the rules for reading and changing them are page.c's.
 */
struct cxltier_buf {
	u64 id;
	u64 length;			/* bytes, as requested */
	unsigned long nr_pages;
	unsigned long nr_units;
	u32 mode;
	u32 page_shift;
	u32 unit_order;			/* page_shift - PAGE_SHIFT */
	u32 chunk_units_shift;		/* log2 units per interleave chunk */
	u32 chunk_shift;		/* as created (0: one unit) */
	u32 create_flags;
	bool pinnable;
	u32 nr_policy_nodes;
	struct cxltier_node_weight *policy;
	u64 weight_sum;			/* CXLTIER_MODE_WEIGHTED */
	u64 *split_end;			/* CXLTIER_MODE_SPLIT: end unit per node */
	gfp_t gfp;
	struct inode *inode;		/* owns the address_space we zap */
	struct mem_cgroup *memcg;	/* the creator's: charged for pages */
	/*
	 * The creator's mm (mmgrab()bed), whose RssShmem counts the pages of
	 * this buffer that came from the page allocator: @nr_rss of them
	 * (page.c, "RSS").  NULL for pinnable buffers, whose ordinary PTEs
	 * the kernel counts itself, and for a creator without an mm.
	 */
	struct mm_struct *rss_mm;

	/* page.c: the page slots (its top comment has the protocol) */
	spinlock_t lock;		/* protects slots[] and resv[] */
	/*
	 * With CXLTIER_CREATE_RESERVE: pages still reserved on each policy
	 * node (indexed like @policy), NULL otherwise.  A unit allocated on a
	 * node with some left takes them; the rest is given back at free.
	 */
	unsigned long *resv;
	/*
	 * One word per page of a 4 KiB-page buffer (its struct page *), one
	 * per unit of a 2 MiB-page buffer: the unit's first page while its
	 * pages are one aligned run, else a table of its pages (page.c,
	 * "Slots").  Read through cxltier_slot().
	 */
	unsigned long *slots;
	atomic_long_t nr_resident;	/* pages */
	atomic_long_t nr_spilled;	/* pages away from their home node */
	atomic_long_t nr_rss;		/* pages counted in @rss_mm */

	/* map.c: how 2 MiB units were mapped (BUF_STAT) */
	atomic_long_t nr_pmd_map_faults;	/* one PMD entry */
	atomic_long_t nr_pte_map_faults;	/* 4 KiB PTEs instead */
	/*
	 * map.c: every VMA mapping the buffer, in any process (struct
	 * cxltier_mapping, added by ->mmap and ->open, removed by ->close).
	 * Nests inside mmap_lock: ->open and ->close run under it.
	 */
	struct mutex maps_lock;
	struct list_head maps;

	/*
	 * The placement fields above (mode, policy, nr_policy_nodes,
	 * weight_sum, split_end, chunk_*) change only under @policy_sem held
	 * for write (CXLTIER_IOC_MIGRATE); cxltier_page_fill_unit() and
	 * BUF_STAT read them under it held for read.
	 */
	struct rw_semaphore policy_sem;
	struct cxltier_buf_migration *mig;	/* migrate.c */

	/* pool.c: policy nodes that had a pool at create time */
	bool pool;
	nodemask_t pool_nodes;

	/* buf.c: the registry; netlink.c: its reports and events */
	struct file *file;		/* ours; in the registry while set */
	struct pid *owner_pid;		/* the creator's tgid */
	kuid_t owner_uid;		/* the creator's euid */
	unsigned long nl_flags;		/* CXLTIER_BUF_NL_* bits */
	/* buf.c: the OOM notifier's */
	bool freeing;			/* released, its pages going */
	u64 oom_seen;			/* jiffies64, 0: not yet */
};

/* cxltier_buf.nl_flags: events sent once per buffer (netlink.c) */
#define CXLTIER_BUF_NL_SPILLED		0
#define CXLTIER_BUF_NL_QUOTA_REFUSED	1

/* policy.c: checks and loads policies; unit -> entry by the uapi layout */
int cxltier_policy_check(u32 mode, const struct cxltier_node_weight *nw,
			 u32 nr_nodes, u64 *weight_sum);
int cxltier_policy_load(const struct cxltier_create *c,
			struct cxltier_buf *buf);
int cxltier_policy_load_nodes(u32 mode, struct cxltier_node_weight *nw,
			      u32 nr_nodes, u32 chunk_shift,
			      struct cxltier_buf *buf);
u32 cxltier_unit_home(const struct cxltier_buf *buf, u64 unit);
void cxltier_policy_home_units(const struct cxltier_buf *buf,
			       unsigned long *units);

/*
 * page.c: the page-slot store (allocation, charging, the movable
 * operations the core calls)
 */
void cxltier_page_init(void);
void cxltier_page_exit(void);
struct page *cxltier_page_lock_slot(struct cxltier_buf *buf, pgoff_t idx);
struct page *cxltier_page_trylock_slot(struct cxltier_buf *buf, pgoff_t idx);
int cxltier_page_fill_unit(struct cxltier_buf *buf, unsigned long unit);
int cxltier_page_fill_ahead(struct cxltier_buf *buf, unsigned long unit);
struct page *cxltier_page_get(struct cxltier_buf *buf, pgoff_t idx);
bool cxltier_unit_is_block(struct cxltier_buf *buf, pgoff_t first);
void cxltier_page_count_fail(struct cxltier_buf *buf, unsigned long unit,
			     int err);
struct page *cxltier_slot(struct cxltier_buf *buf, pgoff_t idx);
int cxltier_slot_spare(struct cxltier_buf *buf, pgoff_t idx, gfp_t gfp,
		       struct page ***spare);
void cxltier_slot_set(struct cxltier_buf *buf, pgoff_t idx, struct page *page,
		      struct page ***spare);
void cxltier_slot_set_unit(struct cxltier_buf *buf, pgoff_t first,
			   struct page **pages);
bool cxltier_pages_are_run(struct page **pages, unsigned int order);
int cxltier_page_slots_alloc(struct cxltier_buf *buf);
void cxltier_page_slots_free(struct cxltier_buf *buf);
void cxltier_page_free_all(struct cxltier_buf *buf);
void cxltier_page_rss_init(struct cxltier_buf *buf);
void cxltier_page_rss_release(struct cxltier_buf *buf);
void cxltier_page_set_movable(struct page *page);
void cxltier_page_move_memcg_charge(struct page *dst, struct page *src);

/* map.c: mmap of a buffer, its faults and ->access */
int cxltier_mmap(struct file *file, struct vm_area_struct *vma);
int cxltier_map_count_pmd_units(struct cxltier_buf *buf, u64 *units);
void cxltier_map_flush_stale(struct cxltier_buf *buf);
unsigned long cxltier_get_unmapped_area(struct file *file, unsigned long addr,
					unsigned long len, unsigned long pgoff,
					unsigned long flags);

/* populate.c: CXLTIER_CREATE_POPULATE, over page.c */
int cxltier_populate(struct cxltier_buf *buf);

/* migrate.c: CXLTIER_IOC_MIGRATE, over page.c and policy.c */
int cxltier_migrate_buf_init(struct cxltier_buf *buf);
void cxltier_migrate_buf_free(struct cxltier_buf *buf);
int cxltier_migrate(struct cxltier_ucmd *ucmd);
__poll_t cxltier_migrate_poll(struct file *file, struct poll_table_struct *pt);
void cxltier_migrate_stat(struct cxltier_buf *buf, struct cxltier_buf_stat *st);
int cxltier_migrate_init(void);
void cxltier_migrate_exit(void);

/*
 * sysfs.c: /sys/class/misc/cxltier/nodes and the module-wide defaults
 * (default_policy, default_page_size), which CREATE reads
 */
struct kobject;
struct attribute_group;
int cxltier_sysfs_init(struct kobject *parent);
void cxltier_sysfs_exit(void);
extern const struct attribute_group *cxltier_dev_groups[];
int cxltier_default_policy_get(u32 *mode, struct cxltier_node_weight **nw,
			       u32 *nr_nodes, u32 *chunk_shift);
u32 cxltier_default_page_shift(void);

/* buf.c: buffers (create, reserve, file, BUF_STAT, the registry) */
/* what BUF_STAT and netlink BUF_GET report: cxltier_buf_snapshot() */
struct cxltier_buf_snap {
	struct cxltier_buf_stat st;	/* every out field but the pointers */
	unsigned long *per_node;	/* pages per node, nr_node_ids */
	struct cxltier_node_weight *pol;	/* st.nr_policy_nodes */
	u32 nr_res;			/* nodes with pages */
};
int cxltier_buf_snapshot(struct cxltier_buf *buf, struct cxltier_buf_snap *s);
void cxltier_buf_snapshot_free(struct cxltier_buf_snap *s);
int cxltier_buf_stat(struct cxltier_ucmd *ucmd);
int cxltier_create(struct cxltier_ucmd *ucmd);
struct cxltier_buf *cxltier_buf_find(unsigned long *id, bool exact);
u64 cxltier_buf_last_id(void);
int cxltier_buf_init(void);
void cxltier_buf_exit(void);

/*
 * netlink.c: the generic netlink family (reports, over buf.c) and its
 * events, which the layers below send
 */
int cxltier_nl_init(void);
void cxltier_nl_exit(void);
void cxltier_nl_spill(struct cxltier_buf *buf, int home, int to,
		      unsigned long pages);
void cxltier_nl_quota_refused(struct cxltier_buf *buf, int nid,
			      unsigned long pages);
void cxltier_nl_migrate_done(struct cxltier_buf *buf, u64 seq, u64 moved,
			     u64 skipped, u64 failed, int error);
void cxltier_nl_check_low_free(int nid);
void cxltier_nl_pool(bool added, u32 id, const char *name, int nid,
		     u64 bytes);

/* ioctl.c: the dispatch tables */
long cxltier_dev_ioctl(struct file *file, unsigned int cmd, unsigned long arg);
long cxltier_buf_ioctl(struct file *file, unsigned int cmd, unsigned long arg);

#endif /* CXLTIER_INTERNAL_H */
