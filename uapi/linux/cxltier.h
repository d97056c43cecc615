/* SPDX-License-Identifier: GPL-2.0 WITH Linux-syscall-note */
/*
 * cxltier: per-buffer placement of memory across DRAM and CXL NUMA nodes.
 *
 * This header is the whole contract between the cxltier module and
 * userspace.  It compiles on its own with -std=c90 and includes only
 * <linux/types.h> and <linux/ioctl.h>.
 *
 * Conventions (after iommufd):
 *  - Every ioctl argument starts with "__u32 size; __u32 flags;".  The kernel
 *    copies it with copy_struct_from_user(): a size smaller than the first
 *    version of the struct is -EINVAL; a larger size whose tail is non-zero
 *    is -E2BIG; a larger size with a zero tail is accepted, so structs grow
 *    at the end without new ioctl numbers.
 *  - Unknown flag bits, unknown enum values and non-zero reserved fields are
 *    -EINVAL.  What is supported is learnt from CXLTIER_IOC_GET_INFO, never
 *    by probing errno.
 *  - Pointers travel as __aligned_u64.  Variable-length out arrays take a
 *    capacity in and return the real count; when the capacity is too small
 *    the kernel fills what fits, stores the real count and fails with
 *    -EMSGSIZE.  A zero capacity with a zero pointer just asks for the count.
 *  - An ioctl the file does not know is -ENOTTY.
 */
#ifndef _UAPI_LINUX_CXLTIER_H
#define _UAPI_LINUX_CXLTIER_H

#include <linux/types.h>
#include <linux/ioctl.h>

#define CXLTIER_API_VERSION	1
/*
 * API 1 grew placement modes, create flags and 2 MiB pages after its first
 * release; GET_INFO's supported_* masks say which a module has.
 */

/* Character device, created by the module. */
#define CXLTIER_DEVICE_NAME	"cxltier"
#define CXLTIER_DEVICE_PATH	"/dev/cxltier"

/*
 * ioctl numbers: type 0xCE is shared with uapi/linux/cxl_mem.h, which uses
 * numbers 0x01-0x02; cxltier takes 0x40-0x7f.  (Numbers 1 and 2 on any fd are
 * also taken by the VFS.)  The size lives in the struct, so the command
 * carries none, as in iommufd.
 */
#define CXLTIER_TYPE		0xCE
#define CXLTIER_CMD_BASE	0x40

enum {
	CXLTIER_CMD_GET_INFO = CXLTIER_CMD_BASE,	/* on /dev/cxltier */
	CXLTIER_CMD_CREATE,				/* on /dev/cxltier */
	CXLTIER_CMD_BUF_STAT,				/* on a buffer fd */
	CXLTIER_CMD_MIGRATE,				/* on a buffer fd */
	CXLTIER_CMD_POOL_ADD,				/* on /dev/cxltier */
	CXLTIER_CMD_POOL_REMOVE,			/* on /dev/cxltier */
	CXLTIER_CMD_POOL_LIST,				/* on /dev/cxltier */
	CXLTIER_CMD_LAST				/* not a command */
};

/* ------------------------------------------------------------------------ */
/* Nodes                                                                      */

/* Tier classes (struct cxltier_node_info.tier). */
#define CXLTIER_TIER_DRAM	0	/* memory close to CPUs */
#define CXLTIER_TIER_CXL	1	/* CPU-less and slower: a CXL expander */

/* Zones a node has (struct cxltier_node_info.zones), one bit each. */
#define CXLTIER_ZONE_DMA	(1U << 0)
#define CXLTIER_ZONE_DMA32	(1U << 1)
#define CXLTIER_ZONE_NORMAL	(1U << 2)
#define CXLTIER_ZONE_MOVABLE	(1U << 3)

/* struct cxltier_node_info.flags */
#define CXLTIER_NODE_HAS_CPUS	(1U << 0)	/* at least one CPU on the node */
#define CXLTIER_NODE_MOVABLE_ONLY (1U << 1)	/* all its memory is ZONE_MOVABLE */

/**
 * struct cxltier_node_info - one online node with memory
 * @node: NUMA node id
 * @tier: CXLTIER_TIER_*.  A node is CXL when it has no CPUs and either all of
 *        its memory is ZONE_MOVABLE (onlined by dax kmem) or its distance to
 *        the nearest node with CPUs is at least the module's cxl_distance
 *        parameter (default 30, i.e. farther than a remote socket).
 * @flags: CXLTIER_NODE_*
 * @zones: CXLTIER_ZONE_* of the populated zones
 * @nearest_cpu_node: closest node with CPUs (itself when it has CPUs)
 * @distance: SLIT distance to @nearest_cpu_node (10 when it has CPUs)
 * @total_bytes: memory managed by the buddy allocator on the node
 * @free_bytes: free memory on the node, now
 * @movable_bytes: part of @total_bytes in ZONE_MOVABLE
 */
struct cxltier_node_info {
	__u32 node;
	__u32 tier;
	__u32 flags;
	__u32 zones;
	__u32 nearest_cpu_node;
	__u32 distance;
	__aligned_u64 total_bytes;
	__aligned_u64 free_bytes;
	__aligned_u64 movable_bytes;
};
#define CXLTIER_NODE_INFO_SIZE_VER0	48	/* first published size */
#define CXLTIER_NODE_INFO_MAX_SIZE	4096	/* largest stride accepted */

/**
 * struct cxltier_info - CXLTIER_IOC_GET_INFO
 * @size: sizeof(struct cxltier_info)
 * @flags: must be 0
 * @api_version: out: CXLTIER_API_VERSION of the module
 * @nr_nodes: in: capacity of @nodes; out: number of online nodes with memory
 * @node_entry_size: in: the stride of @nodes, normally
 *        sizeof(struct cxltier_node_info); at least
 *        CXLTIER_NODE_INFO_SIZE_VER0, at most CXLTIER_NODE_INFO_MAX_SIZE
 *        and a multiple of 8 when @nr_nodes is not 0 (else -EINVAL).
 *        The kernel writes min(stride, its own size) bytes per entry and
 *        zeroes the rest of each entry.
 * @__reserved: must be 0
 * @supported_modes: out: bit (1 << CXLTIER_MODE_x) for each mode accepted
 * @supported_create_flags: out: CXLTIER_CREATE_* bits accepted
 * @supported_page_sizes: out: bit n set when pages of 2^n bytes are accepted
 * @max_policy_nodes: out: most entries a policy may name
 * @__reserved2: must be 0
 * @nodes: in: user pointer to @nr_nodes entries of @node_entry_size bytes
 *
 * Fails with -EMSGSIZE (after filling what fits) when @nr_nodes is too small.
 */
struct cxltier_info {
	__u32 size;
	__u32 flags;
	__u32 api_version;
	__u32 nr_nodes;
	__u32 node_entry_size;
	__u32 __reserved;
	__aligned_u64 supported_modes;
	__aligned_u64 supported_create_flags;
	__aligned_u64 supported_page_sizes;
	__u32 max_policy_nodes;
	__u32 __reserved2;
	__aligned_u64 nodes;
};
#define CXLTIER_IOC_GET_INFO	_IO(CXLTIER_TYPE, CXLTIER_CMD_GET_INFO)

/* ------------------------------------------------------------------------ */
/* Buffers                                                                    */

/*
 * Placement modes (struct cxltier_create.mode).  A buffer is made of
 * allocation units of its page size; the mode names the node for each unit
 * (its "home"), from the policy's node list:
 */
#define CXLTIER_MODE_BIND	0	/* round-robin over the listed nodes, by unit */
#define CXLTIER_MODE_PREFERRED	1	/* the first listed node that can give it */
#define CXLTIER_MODE_INTERLEAVE	2	/* round-robin by chunk (chunk_shift) */
#define CXLTIER_MODE_WEIGHTED	3	/* weight[i] chunks of node i per round */
#define CXLTIER_MODE_SPLIT	4	/* contiguous ranges, sized by weight */
#define CXLTIER_NR_MODES	5
/*
 * The modes' names, indexed by mode: the spelling of the policy grammar
 * (sysfs default_policy, tierctl, libtier, Python), written here once.
 */
#define CXLTIER_MODE_NAMES { "bind", "preferred", "interleave", "weighted", "split" }

/*
 * What happens when the home node cannot give a unit: by default the touch
 * gets SIGBUS (a populate fails with -ENOMEM) and nothing spills.  With
 * CXLTIER_CREATE_FALLBACK the other listed nodes are tried in list order and
 * each unit placed elsewhere is counted as spilled.  CXLTIER_MODE_PREFERRED
 * always falls back along its list: that is what it means.  Where there is
 * a list to fall back along, a unit goes to the first node in that order
 * with free memory, without reclaim (as the kernel's own zonelist fallback
 * does); only when none has it are the nodes tried again with reclaim.
 */
#define CXLTIER_CREATE_FALLBACK		(1U << 0)
/*
 * Allocate and zero every page at create time, in parallel inside the
 * kernel.  A fatal signal stops it: the create fails with -EINTR and leaves
 * nothing allocated.  A page that cannot be had fails it with -ENOMEM.
 * The buffer is first reserved against the quotas, as with
 * CXLTIER_CREATE_RESERVE (-ENOSPC).  Any fault on a buffer also maps the
 * resident pages of the 2 MiB-aligned window of the mapping around it
 * (never allocating them), so the first touch of a populated buffer takes
 * one fault per 2 MiB.
 */
#define CXLTIER_CREATE_POPULATE		(1U << 1)
/*
 * Pages that may be pinned in place (GPU host registration, RDMA, AF_XDP):
 * taken from non-movable zones only and never moved, mapped with ordinary
 * PTEs so get_user_pages() and FOLL_LONGTERM pins work.  A node with no
 * non-movable memory (a CXL expander onlined into ZONE_MOVABLE) cannot hold
 * them: -EXDEV.  Without this flag pages are movable (see CXLTIER_IOC_CREATE).
 */
#define CXLTIER_CREATE_PINNABLE		(1U << 2)
/*
 * With a 2 MiB page size: a unit for which no free 2 MiB page exists on its
 * node is made of 4 KiB pages instead of failing.
 */
#define CXLTIER_CREATE_HUGE_FALLBACK	(1U << 3)
/*
 * Reserve the buffer's bytes at create time against the per-node quotas
 * (sysfs: /sys/class/misc/cxltier/nodes/nodeN/quota_bytes, default
 * unlimited), so that no touch of it ever fails because of a quota.
 * CXLTIER_CREATE_POPULATE implies it.  When a quota cannot hold the
 * reservation the create fails with -ENOSPC and leaves nothing behind.
 * Per mode: bind, interleave, weighted and split place units by index, so
 * each node reserves exactly the units whose home it is; preferred reserves
 * in list order, as much as each node's quota has room for, the rest on the
 * next node.  A unit that spills (CXLTIER_CREATE_FALLBACK, a home node out
 * of memory) is charged to the node it lands on as an unreserved one; its
 * reservation on the home node stays held until the buffer dies.
 * A buffer without a reservation is charged page by page as it faults: a
 * unit that would take a node over its quota is treated as if that node
 * were out of memory (SIGBUS, or the next listed node with fallback).
 */
#define CXLTIER_CREATE_RESERVE		(1U << 4)
/*
 * Use the module's default policy (sysfs: /sys/class/misc/cxltier/
 * default_policy) instead of one given here: @mode, @nr_nodes, @nodes and
 * @chunk_shift must then be 0 (else -EINVAL).  The policy is copied at
 * create time; a later change of the default does not move the buffer.
 * -ENOENT while no default policy is set (the file reads "none").
 */
#define CXLTIER_CREATE_DEFAULT_POLICY	(1U << 5)

/*
 * The one huge page size (struct cxltier_create.page_shift): a PMD's worth,
 * 2 MiB.  The other page size is the base page, page_shift 0.
 */
#define CXLTIER_HUGE_PAGE_SHIFT	21

/* Largest number of entries in a policy's node list. */
#define CXLTIER_MAX_POLICY_NODES 64
/* Largest weight of one node (CXLTIER_MODE_WEIGHTED, CXLTIER_MODE_SPLIT). */
#define CXLTIER_MAX_WEIGHT	1000000
/* Largest interleave chunk: 1 GiB. */
#define CXLTIER_MAX_CHUNK_SHIFT	30

/**
 * struct cxltier_node_weight - one entry of a policy's node list
 * @node: NUMA node id
 * @weight: for CXLTIER_MODE_WEIGHTED, chunks per round; for
 *          CXLTIER_MODE_SPLIT, the node's share of the buffer (weight / sum
 *          of weights, rounded to whole units, in list order).  1 to
 *          CXLTIER_MAX_WEIGHT for those modes, 0 for the others.
 * @flags: must be 0
 * @__reserved: must be 0
 */
struct cxltier_node_weight {
	__u32 node;
	__u32 weight;
	__u32 flags;
	__u32 __reserved;
};

/**
 * struct cxltier_create - CXLTIER_IOC_CREATE
 * @size: sizeof(struct cxltier_create)
 * @flags: CXLTIER_CREATE_*
 * @length: in: buffer size in bytes; rounded up to the page size
 * @mode: in: CXLTIER_MODE_*
 * @nr_nodes: in: entries in @nodes, 1 to CXLTIER_MAX_POLICY_NODES, each
 *            node at most once
 * @nodes: in: user pointer to @nr_nodes struct cxltier_node_weight
 * @page_shift: in: log2 of the page size (the allocation unit): 0 means
 *              PAGE_SHIFT; 21 asks for 2 MiB pages (see GET_INFO's
 *              supported_page_sizes).  A 2 MiB unit is one physically
 *              contiguous, aligned 2 MiB block of the node, mapped in one
 *              fault (512 PTEs); migration may later move its 4 KiB parts
 *              one by one.
 * @chunk_shift: in: log2 of the interleave chunk for CXLTIER_MODE_INTERLEAVE
 *               and CXLTIER_MODE_WEIGHTED: 0 means one unit; otherwise from
 *               the page size to CXLTIER_MAX_CHUNK_SHIFT.  0 for other modes.
 * @out_fd: out: the buffer's file descriptor (O_RDWR | O_CLOEXEC)
 * @__reserved2: must be 0
 * @out_id: out: the buffer's id, unique while the module is loaded
 *
 * The buffer is a file: mmap(MAP_SHARED) of it maps the buffer (MAP_PRIVATE
 * is -EINVAL); the first touch of each page allocates a zeroed page on the
 * policy's node, never elsewhere, and raises SIGBUS when the node cannot give
 * one; touching past the end is SIGBUS.  The buffer and its pages live until
 * the fd is closed and the last mapping is gone.
 *
 * Pages may be moved by the kernel (compaction, memory offline) with their
 * contents, so a node whose memory is all ZONE_MOVABLE can hold them.
 * Because they move, they cannot be pinned: the mapping is VM_IO with
 * special (pfn) PTEs, so get_user_pages() on it fails with -EFAULT at once
 * (vmsplice, futexes, O_DIRECT, process_vm_readv, GPU host registration),
 * which turns the 6.1 FOLL_LONGTERM livelock on ZONE_MOVABLE pages into a
 * prompt error.  For the same reason move_pages(2) sees no page there
 * (status -EFAULT on 6.1, -ENOENT on 6.12, where it does report the node of
 * a 2 MiB unit mapped by one PMD entry); CXLTIER_IOC_BUF_STAT and
 * /proc/PID/pagemap say where the pages are.  ptrace and /proc/PID/mem work
 * through the mapping's access hook.  A 2 MiB unit is mapped by one PMD
 * entry where the mapping is on the 2 MiB grid (the module places mappings
 * of 2 MiB or more there) and its pages are one aligned run, unless the
 * buffer is pinnable outside a device-dax pool.
 *
 * Errors: -EINVAL for a malformed request (zero @length, unknown @mode,
 * @flags, @page_shift or @chunk_shift, @nr_nodes of 0 or more than
 * CXLTIER_MAX_POLICY_NODES, a node id not below MAX_NUMNODES, non-zero
 * reserved fields, a weight out of range for the mode, a node named twice);
 * -EFAULT for a bad @nodes pointer; -ENODEV for a node that is offline or
 * has no memory (a node with a device-dax pool has the pool's: see
 * CXLTIER_IOC_POOL_ADD); -EXDEV for CXLTIER_CREATE_PINNABLE on a node without
 * non-movable memory; -EFBIG for a @length larger than the policy's nodes
 * can ever hold (for CXLTIER_MODE_SPLIT, larger than a node can hold of its
 * share); -EMFILE/-ENFILE when no fd is free; -ENOMEM when the kernel cannot
 * allocate the buffer's metadata, or a populate cannot get a page (the
 * node is full, or the creator's memory cgroup is at its memory.max);
 * -EINTR when a populate was killed; -ENOSPC when CXLTIER_CREATE_RESERVE
 * or CXLTIER_CREATE_POPULATE cannot reserve the buffer within a node's
 * quota.
 *
 * Accounting: every page a buffer holds counts in its node's used_bytes
 * (/sys/class/misc/cxltier/nodes/nodeN/), and is charged to the memory
 * cgroup of the task that created the buffer, whoever touches it (a forked
 * child, a populate worker); at the cgroup's memory.max the touch gets
 * SIGBUS, never the OOM killer.  Migration moves a page's quota and cgroup
 * charge with it: memory offline may take a node over its quota, never
 * the other way round (an offline is never refused because of a quota).
 */
struct cxltier_create {
	__u32 size;
	__u32 flags;
	__aligned_u64 length;
	__u32 mode;
	__u32 nr_nodes;
	__aligned_u64 nodes;
	__u32 page_shift;
	__u32 chunk_shift;
	__s32 out_fd;
	__u32 __reserved2;
	__aligned_u64 out_id;
};
#define CXLTIER_IOC_CREATE	_IO(CXLTIER_TYPE, CXLTIER_CMD_CREATE)

/**
 * struct cxltier_node_bytes - bytes of a buffer resident on one node
 */
struct cxltier_node_bytes {
	__u32 node;
	__u32 __reserved;
	__aligned_u64 bytes;
};

/**
 * struct cxltier_buf_stat - CXLTIER_IOC_BUF_STAT, on a buffer fd
 * @size: sizeof(struct cxltier_buf_stat)
 * @flags: must be 0
 * @id: out: buffer id
 * @length: out: length in bytes, as requested at create time
 * @mode: out: CXLTIER_MODE_*
 * @page_shift: out: log2 of the page size
 * @create_flags: out: CXLTIER_CREATE_* the buffer was created with
 * @nr_policy_nodes: in: capacity of @policy_nodes; out: entries in the policy
 * @policy_nodes: in: user pointer to struct cxltier_node_weight[], or 0
 * @nr_resident: in: capacity of @resident; out: nodes holding pages
 * @__reserved: must be 0
 * @resident: in: user pointer to struct cxltier_node_bytes[], or 0; filled in
 *            ascending node order, one entry per node holding pages
 * @resident_bytes: out: bytes resident on all nodes together
 * @spilled_bytes: out: bytes placed on a node other than their home
 * @chunk_shift: out: interleave chunk, as created
 * @__reserved2: must be 0
 * @migrate_state: out: CXLTIER_MIGRATE_STATE_* of the last migration
 * @migrate_error: out: how the last finished migration ended: 0, -EINTR
 *                 (interrupted), -ECANCELED (an async one whose buffer was
 *                 closed by everyone), -ENOMEM (no memory for its metadata)
 * @migrate_seq: out: migrations started on this buffer so far
 * @migrate_moved_bytes, @migrate_skipped_bytes, @migrate_failed_bytes: out:
 *        the last migration's counts (see struct cxltier_migrate), so far
 *        while it runs
 * @pmd_map_faults: out: faults that mapped a whole 2 MiB unit with one PMD
 *        entry, since create (a unit mapped again after a munmap, in a
 *        forked child or after a migration counts again); 0 for 4 KiB pages
 * @pte_map_faults: out: faults of a 2 MiB-page buffer that mapped their
 *        unit with 4 KiB PTEs instead: the mapping is not on the 2 MiB grid
 *        there or does not cover the whole unit, the unit is split (below),
 *        the buffer is pinnable, a page of the unit was locked at that
 *        moment (a migration, compaction or another fault), or a page
 *        table was already in place.  Once a window of a mapping has a
 *        page table it keeps PTEs until that mapping is unmapped: a
 *        MIGRATE or compaction zaps the PTEs but leaves the table (the
 *        kernel frees page tables only at munmap), so the units it re-forms
 *        are PMD-mapped again in a new mapping.
 * @split_units: out: resident 2 MiB units whose pages are not one aligned
 *        2 MiB block (HUGE_FALLBACK, MIGRATE's SPLIT_HUGE, or the core's
 *        compaction or memory offline moving the pages one by one): such a
 *        unit is mapped with 4 KiB PTEs.  A MIGRATE makes it one block
 *        again where its target node has a free one, including a MIGRATE
 *        to the policy the buffer already has (see CXLTIER_IOC_MIGRATE).
 * @pmd_mapped_units: out: 2 MiB units that at least one mapping of the
 *        buffer, in any process, maps by one PMD entry now.  Read from the
 *        page tables of each process mapping the buffer, under its
 *        mmap_lock held for read (BUF_STAT waits for a process that holds
 *        it for write): entries a munmap, mprotect, MADV_DONTNEED, MIGRATE
 *        or compaction took away are not counted, and a fork's child counts
 *        once it has faulted the unit in.  A snapshot: a fault or zap racing
 *        with the call may or may not be counted.  0 for 4 KiB pages.
 *        Fails with -EINTR on a fatal signal while waiting.
 *
 * Fails with -EMSGSIZE (after filling what fits and storing both counts)
 * when a capacity is too small.
 */
struct cxltier_buf_stat {
	__u32 size;
	__u32 flags;
	__aligned_u64 id;
	__aligned_u64 length;
	__u32 mode;
	__u32 page_shift;
	__u32 create_flags;
	__u32 nr_policy_nodes;
	__aligned_u64 policy_nodes;
	__u32 nr_resident;
	__u32 __reserved;
	__aligned_u64 resident;
	__aligned_u64 resident_bytes;
	__aligned_u64 spilled_bytes;
	__u32 chunk_shift;
	__u32 __reserved2;
	/* appended with CXLTIER_IOC_MIGRATE; see there */
	__u32 migrate_state;
	__s32 migrate_error;
	__aligned_u64 migrate_seq;
	__aligned_u64 migrate_moved_bytes;
	__aligned_u64 migrate_skipped_bytes;
	__aligned_u64 migrate_failed_bytes;
	/* appended with 2 MiB units mapped by one PMD entry */
	__aligned_u64 pmd_map_faults;
	__aligned_u64 pte_map_faults;
	__aligned_u64 split_units;
	/* appended with the units PMD-mapped now, in every process */
	__aligned_u64 pmd_mapped_units;
};
#define CXLTIER_IOC_BUF_STAT	_IO(CXLTIER_TYPE, CXLTIER_CMD_BUF_STAT)

/* struct cxltier_buf_stat.migrate_state */
#define CXLTIER_MIGRATE_STATE_NONE	0U	/* never migrated */
#define CXLTIER_MIGRATE_STATE_RUNNING	1U
#define CXLTIER_MIGRATE_STATE_DONE	2U	/* see migrate_error */

/*
 * CXLTIER_IOC_MIGRATE flags.
 * ASYNC: check the request, install the new policy, start the moves on a
 * workqueue and return at once (all out counts 0).  Completion shows in
 * BUF_STAT (migrate_state DONE, the counts) and as EPOLLIN | EPOLLPRI on the
 * buffer fd.
 * SPLIT_HUGE: with 2 MiB pages, a unit for which the target node has no free
 * 2 MiB block is moved as 512 separate 4 KiB pages (no longer physically
 * contiguous) instead of being reported as failed.
 */
#define CXLTIER_MIGRATE_ASYNC		(1U << 0)
#define CXLTIER_MIGRATE_SPLIT_HUGE	(1U << 1)

/**
 * struct cxltier_migrate - CXLTIER_IOC_MIGRATE, on a buffer fd
 * @size: sizeof(struct cxltier_migrate)
 * @flags: CXLTIER_MIGRATE_*
 * @mode: in: the new CXLTIER_MODE_*
 * @nr_nodes: in: entries in @nodes, as for CXLTIER_IOC_CREATE
 * @nodes: in: user pointer to @nr_nodes struct cxltier_node_weight, checked
 *         exactly as CREATE checks them (same errors)
 * @chunk_shift: in: as for CXLTIER_IOC_CREATE
 * @__reserved: must be 0
 * @rate_bytes: in: at most this many bytes moved per second, by sleeping
 *              between batches; 0 = no limit
 * @out_moved_pages, @out_moved_bytes: out: pages moved to the node the new
 *              policy names for them, and those of split 2 MiB units
 *              re-formed at home (below)
 * @out_skipped_pages, @out_skipped_bytes: out: pages left where they are
 *              because they are long-term pinned (FOLL_LONGTERM: io_uring
 *              fixed buffers, RDMA, AF_XDP; only CXLTIER_CREATE_PINNABLE
 *              buffers can be pinned)
 * @out_failed_pages, @out_failed_bytes: out: pages left where they are for
 *              any other reason: no free memory on the target (nor, where
 *              the policy falls back, on a listed node ahead of the page's
 *              current one), or a transient reference (short-term GUP of a
 *              pinnable page) still held after 3 retries
 * @out_elapsed_ns: out: time the moves took, rate-limit sleeps included
 *
 * Gives the buffer a new policy (mode, nodes, weights, chunk; page size and
 * create flags are kept) and moves the pages it already has to match: each
 * unit to its new home node (CXLTIER_MODE_PREFERRED and
 * CXLTIER_CREATE_FALLBACK buffers fall back along the list as a fault
 * would).  Units never touched are not allocated; they follow the new policy
 * when first touched.  BUF_STAT's spilled_bytes is recounted against the new
 * policy.  The owner may keep reading and writing the buffer throughout: a
 * page is copied only while no mapping of it exists and faults on it wait
 * for the copy; no write is lost.
 *
 * 2 MiB units move whole into a free 2 MiB block of the target node (see
 * CXLTIER_MIGRATE_SPLIT_HUGE); a unit whose pages are partly pinned moves
 * the rest page by page.  A split unit (BUF_STAT's split_units) with pages
 * already on its home node is re-formed: all its pages move into one free
 * 2 MiB block of that node, so a MIGRATE to the policy a buffer already
 * has makes its split units whole again where the node has free blocks
 * (the others stay split; that is not counted as failed).  Pinnable
 * buffers' units are not re-formed.
 *
 * Pages move in batches of 2 MiB.  A pending signal stops a synchronous
 * migration between batches: the call fails with -EINTR after storing the
 * out fields (what moved so far); the new policy stays installed, so the
 * same call again finishes the job (pages already in place cost nothing).
 * A fatal signal ends it the same way.  An asynchronous migration cannot be
 * interrupted; it ends early (-ECANCELED in BUF_STAT) when no fd or mapping
 * of the buffer is left, and holds the buffer (and so the module) until it
 * ends.
 *
 * Charges follow the pages: a page moves only if the target node's quota
 * can take it (else it stays and counts as failed), and it stays charged to
 * the memory cgroup of the buffer's creator.  What is left of a buffer's
 * reservation (CXLTIER_CREATE_RESERVE, made for the old policy's nodes) is
 * given back: units not yet touched are charged when they are, against the
 * new nodes' quotas, as for a buffer created without a reservation.
 *
 * One migration per buffer at a time: a second MIGRATE while one runs
 * (synchronous or not) fails with -EBUSY and changes nothing.
 *
 * Errors: those of CREATE's policy checks (-EINVAL, -EFAULT, -ENODEV,
 * -EXDEV, -EFBIG) with the buffer unchanged; -EINVAL also for unknown
 * @flags or non-zero @__reserved; -EFAULT also for a struct that cannot be
 * written back (checked before anything changes); -EOPNOTSUPP for a buffer
 * whose policy names a device-dax pool, or a new policy that does (pool
 * pages never move); -EBUSY; -ENOMEM for metadata; -EINTR as above.  Pages
 * that cannot move never fail the call: they are counted.
 */
struct cxltier_migrate {
	__u32 size;
	__u32 flags;
	__u32 mode;
	__u32 nr_nodes;
	__aligned_u64 nodes;
	__u32 chunk_shift;
	__u32 __reserved;
	__aligned_u64 rate_bytes;
	__aligned_u64 out_moved_pages;
	__aligned_u64 out_moved_bytes;
	__aligned_u64 out_skipped_pages;
	__aligned_u64 out_skipped_bytes;
	__aligned_u64 out_failed_pages;
	__aligned_u64 out_failed_bytes;
	__aligned_u64 out_elapsed_ns;
};
#define CXLTIER_IOC_MIGRATE	_IO(CXLTIER_TYPE, CXLTIER_CMD_MIGRATE)

/* ------------------------------------------------------------------------ */
/* Device-dax pools                                                           */

/*
 * A pool is a physical range of device memory (CXL or persistent memory
 * left in devdax mode, its dax device disabled: `daxctl disable-device
 * daxX.Y`) that the module claims (request_mem_region) and turns into
 * ZONE_DEVICE pages of its own (memremap_pages, MEMORY_DEVICE_GENERIC) on
 * the range's target node.  The buddy allocator never sees these pages:
 * compaction, reclaim and memory offline never touch them, and they never
 * move (CXLTIER_IOC_MIGRATE refuses pool buffers: -EOPNOTSUPP).
 *
 * A policy names a pool by naming its target node: on a node that has a
 * pool, every unit comes from the node's pools (first pool with room, in
 * the order they were added), never from the node's buddy memory.  Such a
 * buffer is pinnable whether or not CXLTIER_CREATE_PINNABLE is given (its
 * pool pages are mapped with ordinary device-map PTEs, so get_user_pages()
 * and FOLL_LONGTERM pins work and keep the same physical pages); its other
 * nodes, if any, must be able to hold pinnable pages (-EXDEV otherwise).
 * A 2 MiB unit is one 2 MiB-aligned run of the pool.  Pool pages are zeroed
 * when a buffer gets them.
 *
 * A pool page is in use from the moment a buffer takes it until its buffer
 * is freed and every other reference (a pin: io_uring, RDMA, AF_XDP umem,
 * released asynchronously) is gone; only then is it free again.  A pool
 * cannot be removed while any of its pages is in use (-EBUSY), and each
 * pool holds a reference on the module, so the module cannot be unloaded
 * while a pool exists (delete_module() fails with EWOULDBLOCK): remove the
 * pools first.
 *
 * Adding and removing pools needs CAP_SYS_ADMIN (-EPERM); listing does not,
 * but @start reads 0 without it.
 */

/* Longest pool name, with its terminating NUL. */
#define CXLTIER_POOL_NAME_LEN	32
/* Pool ranges are made of whole, aligned 2 MiB blocks. */
#define CXLTIER_POOL_ALIGN_SHIFT 21

/**
 * struct cxltier_pool_add - CXLTIER_IOC_POOL_ADD, on /dev/cxltier
 * @size: sizeof(struct cxltier_pool_add)
 * @flags: must be 0
 * @start: in: physical address of the range, 2 MiB aligned
 * @length: in: bytes, a non-zero multiple of 2 MiB
 * @node: in: the range's target NUMA node (a dax device's target_node);
 *        the pages are created on it
 * @__reserved: must be 0
 * @name: in: a label, unique among pools, normally the dax device's name
 *        ("dax0.0"): 1 to CXLTIER_POOL_NAME_LEN - 1 characters from
 *        [A-Za-z0-9._:-], NUL-terminated, the rest of the array zero
 * @out_id: out: the pool's id, unique while the module is loaded
 * @__reserved2: must be 0
 *
 * The range must lie wholly in device memory that the firmware described
 * (an iomem resource of persistent memory, soft-reserved or CXL memory) and
 * nobody may have claimed it: a dax device still enabled on it, or another
 * driver, holds it.
 *
 * Errors: -EPERM without CAP_SYS_ADMIN; -EINVAL for unknown @flags,
 * non-zero reserved fields, a bad @name, an unaligned or zero @start or
 * @length, a range that wraps, a @node that is not a possible node or that
 * has memory of its own (buddy memory: a pool would shadow it);
 * -EEXIST for a name already in use or a range overlapping a pool;
 * -ENXIO for a range that is not (all) device memory; -EBUSY for a range
 * claimed by someone else (disable its dax device first); -ENOMEM.
 */
struct cxltier_pool_add {
	__u32 size;
	__u32 flags;
	__aligned_u64 start;
	__aligned_u64 length;
	__u32 node;
	__u32 __reserved;
	char name[CXLTIER_POOL_NAME_LEN];
	__u32 out_id;
	__u32 __reserved2;
};
#define CXLTIER_IOC_POOL_ADD	_IO(CXLTIER_TYPE, CXLTIER_CMD_POOL_ADD)

/**
 * struct cxltier_pool_remove - CXLTIER_IOC_POOL_REMOVE, on /dev/cxltier
 * @size: sizeof(struct cxltier_pool_remove)
 * @flags: must be 0
 * @id: in: the pool's id (struct cxltier_pool_add.out_id)
 * @__reserved: must be 0
 *
 * Gives the range back (memunmap_pages, release_mem_region); the dax
 * device can then be enabled again.
 *
 * Errors: -EPERM without CAP_SYS_ADMIN; -EINVAL for unknown @flags or
 * non-zero @__reserved; -ENOENT for no such pool; -EBUSY while any of its
 * pages is in use (held by a buffer, or still referenced by a pin after its
 * buffer went away): the pool is unchanged.
 */
struct cxltier_pool_remove {
	__u32 size;
	__u32 flags;
	__u32 id;
	__u32 __reserved;
};
#define CXLTIER_IOC_POOL_REMOVE	_IO(CXLTIER_TYPE, CXLTIER_CMD_POOL_REMOVE)

/**
 * struct cxltier_pool_info - one pool, as CXLTIER_IOC_POOL_LIST sees it
 * @id: the pool's id
 * @node: its target node
 * @name: its name, NUL-terminated
 * @start: physical address (0 unless the caller has CAP_SYS_ADMIN)
 * @length: bytes
 * @free_bytes: bytes free to allocate now
 * @largest_free_bytes: the longest run of free pages, in bytes
 * @used_pages: pages held by buffers
 * @busy_pages: pages their buffer released that are still referenced
 *              (a pin not yet dropped): neither used nor free
 * @pinned_pages: pages, used or busy, that are pinned (FOLL_PIN)
 * @free_huge_blocks: wholly free 2 MiB blocks (each can hold a 2 MiB unit)
 */
struct cxltier_pool_info {
	__u32 id;
	__u32 node;
	char name[CXLTIER_POOL_NAME_LEN];
	__aligned_u64 start;
	__aligned_u64 length;
	__aligned_u64 free_bytes;
	__aligned_u64 largest_free_bytes;
	__aligned_u64 used_pages;
	__aligned_u64 busy_pages;
	__aligned_u64 pinned_pages;
	__aligned_u64 free_huge_blocks;
};
#define CXLTIER_POOL_INFO_SIZE_VER0	104	/* first published size */
#define CXLTIER_POOL_INFO_MAX_SIZE	4096	/* largest stride accepted */

/**
 * struct cxltier_pool_list - CXLTIER_IOC_POOL_LIST, on /dev/cxltier
 * @size: sizeof(struct cxltier_pool_list)
 * @flags: must be 0
 * @nr_pools: in: capacity of @pools; out: number of pools
 * @entry_size: in: stride of @pools, as struct cxltier_info.node_entry_size
 *              (checked only when @nr_pools is not 0)
 * @pools: in: user pointer to @nr_pools entries of @entry_size bytes
 *
 * Pools in the order they were added.  Fails with -EMSGSIZE (after filling
 * what fits) when @nr_pools is too small.
 */
struct cxltier_pool_list {
	__u32 size;
	__u32 flags;
	__u32 nr_pools;
	__u32 entry_size;
	__aligned_u64 pools;
};
#define CXLTIER_IOC_POOL_LIST	_IO(CXLTIER_TYPE, CXLTIER_CMD_POOL_LIST)

/* ------------------------------------------------------------------------ */
/* sysfs                                                                      */

/*
 * /sys/class/misc/cxltier/nodes/nodeN/, one directory per possible NUMA
 * node (created at load, so a node whose memory comes online later already
 * has one), one value per file, each ending in a newline:
 *
 *  quota_bytes     rw (root): the most cxltier may hold on the node, in
 *                  bytes, or CXLTIER_SYSFS_UNLIMITED (the default).  A
 *                  write takes a decimal byte count or "max"; anything else
 *                  is -EINVAL and changes nothing; a writer without
 *                  CAP_SYS_ADMIN gets -EPERM (the file is 0644, root's).
 *                  Lowering it below what is used or reserved takes nothing
 *                  away: only new charges are refused.
 *  used_bytes      ro: bytes of pages cxltier holds on the node now.
 *  reserved_bytes  ro: bytes reserved (CXLTIER_CREATE_RESERVE) on the node
 *                  and not yet allocated.  A charge is refused when
 *                  used + reserved + its size would exceed the quota.
 *  tier            ro: CXLTIER_SYSFS_TIER_DRAM or CXLTIER_SYSFS_TIER_CXL as
 *                  in struct cxltier_node_info.tier, or
 *                  CXLTIER_SYSFS_TIER_NONE while the node has no memory.
 */
#define CXLTIER_SYSFS_NODES_DIR		"/sys/class/misc/cxltier/nodes"
#define CXLTIER_SYSFS_DIR		"/sys/class/misc/cxltier"
/*
 * Per-node counters, in the same directory, ro, each a decimal count of
 * events since the module was loaded (documented in
 * doc/ABI/testing/sysfs-class-misc-cxltier, where every file is):
 *
 *  alloc_pages        base pages cxltier allocated on the node for buffers
 *                     (fault, populate; not migration targets)
 *  spill_pages        base pages whose home is this node that were placed
 *                     on another node (CXLTIER_CREATE_FALLBACK, preferred)
 *  migrate_in_pages   base pages moved onto the node (CXLTIER_IOC_MIGRATE,
 *                     compaction, memory offline)
 *  migrate_out_pages  base pages moved off the node
 *  fault_failures     faults and populates that could get no unit on this
 *                     (home) node and failed (SIGBUS, -ENOMEM)
 *
 * Module-wide tuning, in CXLTIER_SYSFS_DIR, rw (root), validated like
 * quota_bytes (-EINVAL changes nothing, -EPERM without CAP_SYS_ADMIN):
 *
 *  default_policy     the policy of CXLTIER_CREATE_DEFAULT_POLICY: "none",
 *                     or a policy in libtier's grammar, MODE:ITEM,...
 *                     with MODE one of CXLTIER_MODE_NAMES, each ITEM a
 *                     node id, "N=WEIGHT" (weighted, split), "N=P%"
 *                     (split, summing to 100) or "chunk=SIZE" (e.g.
 *                     "weighted:0=3,2=1", "split:0=30%,2=70%").  The
 *                     same rules as CXLTIER_IOC_CREATE apply at write
 *                     time except that the nodes need not have memory yet;
 *                     each must be a possible node of the machine (a write
 *                     naming another can never be used: -EINVAL).
 *  default_page_size  bytes, 4096 or 2097152 (those GET_INFO's
 *                     supported_page_sizes names): the page size of a
 *                     create with @page_shift 0.  Default 4096.
 *  low_free_percent   0 to 100: CXLTIER_EVENT_NODE_LOW_FREE is sent when a
 *                     cxltier allocation leaves a node's free memory below
 *                     this percentage of its total, once until it is back
 *                     above.  0 turns the event off.  Default 5.
 */
#define CXLTIER_SYSFS_POLICY_NONE	"none"
#define CXLTIER_SYSFS_UNLIMITED		"max"
#define CXLTIER_SYSFS_TIER_DRAM		"dram"
#define CXLTIER_SYSFS_TIER_CXL		"cxl"
#define CXLTIER_SYSFS_TIER_NONE		"none"

/* ------------------------------------------------------------------------ */
/* Generic netlink family: statistics and events                              */

/*
 * Family CXLTIER_GENL_NAME, version CXLTIER_GENL_VERSION, registered while
 * the module is loaded (resolve it with CTRL_CMD_GETFAMILY; its absence
 * means the module is not loaded).  doc/netlink/cxltier.yaml describes it
 * in the kernel's YNL format.
 *
 * Requests are validated strictly: an unknown attribute, an attribute of
 * the wrong type or length, or trailing data is -EINVAL (with an extack
 * message).  Replies may grow new attributes; clients skip those they do
 * not know.  All commands but EVENT_SUBSCRIBE are read-only; none needs
 * privileges, but a caller without CAP_SYS_ADMIN sees only the buffers
 * whose owner uid is its effective uid, in replies and in events.
 *
 * CXLTIER_NL_CMD_BUF_GET
 *   dump: one message per live buffer, attributes CXLTIER_NL_A_BUF_*;
 *   do with CXLTIER_NL_A_BUF_ID: that buffer (-ENOENT when it does not
 *   exist or is not the caller's to see).  The figures are those
 *   CXLTIER_IOC_BUF_STAT gives for the buffer at that moment.
 * CXLTIER_NL_CMD_NODE_GET
 *   dump: one message per possible node that has memory now or had a
 *   cxltier counter move, attributes CXLTIER_NL_A_NODE_*;
 *   do with CXLTIER_NL_A_NODE_ID: that node (-EINVAL for an id that is not
 *   a possible node).
 * CXLTIER_NL_CMD_EVENT
 *   never a request (-EOPNOTSUPP); an event, with CXLTIER_NL_A_EVENT_TYPE
 *   and the attributes its CXLTIER_EVENT_* names.  Events reach:
 *   - the multicast group CXLTIER_GENL_MCGRP_EVENTS: every event, with
 *     init-namespace pids and uids, sent in the initial network namespace
 *     only.  Joining needs CAP_SYS_ADMIN over the socket's network
 *     namespace (the kernel checks it against that namespace's user
 *     namespace: -EPERM), which in the initial network namespace means
 *     the initial user namespace.  A listener in another network
 *     namespace (a container) may be allowed to join and hears nothing
 *     there: it subscribes instead (libtier does).
 *   - sockets subscribed with CXLTIER_NL_CMD_EVENT_SUBSCRIBE, by unicast:
 *     the buffer events (SPILL, QUOTA_REFUSED, MIGRATE_DONE) of buffers
 *     whose owner uid is the subscriber's effective uid (a QUOTA_REFUSED
 *     of a create: the creator's), and every node and pool event; pids
 *     and uids as the subscriber's pid and user namespaces see them (pid
 *     0 for a process not in its pid namespace, the overflow uid for an
 *     unmapped uid), in any network namespace.
 *   An event a listener's receive queue has no room for is dropped.
 * CXLTIER_NL_CMD_EVENT_SUBSCRIBE
 *   do, no attribute: subscribe this socket (its network namespace and
 *   port id) until it is closed; the caller's effective uid and
 *   namespaces at this call are the subscription's.  Again on a
 *   subscribed socket: 0, nothing changes.  -ENOSPC when the caller's uid
 *   has CXLTIER_NL_SUBS_PER_USER subscriptions or there are
 *   CXLTIER_NL_SUBS_MAX in all.  Events may arrive before the
 *   acknowledgement.
 */
#define CXLTIER_GENL_NAME		"cxltier"
#define CXLTIER_GENL_VERSION		1
#define CXLTIER_GENL_MCGRP_EVENTS	"events"
#define CXLTIER_NL_SUBS_PER_USER	16
#define CXLTIER_NL_SUBS_MAX		1024

enum {
	CXLTIER_NL_CMD_UNSPEC,
	CXLTIER_NL_CMD_BUF_GET,
	CXLTIER_NL_CMD_NODE_GET,
	CXLTIER_NL_CMD_EVENT,
	CXLTIER_NL_CMD_EVENT_SUBSCRIBE,

	__CXLTIER_NL_CMD_MAX
};
#define CXLTIER_NL_CMD_MAX	(__CXLTIER_NL_CMD_MAX - 1)

/* Top-level attributes of every command. */
enum {
	CXLTIER_NL_A_UNSPEC,
	CXLTIER_NL_A_PAD,

	/* a buffer */
	CXLTIER_NL_A_BUF_ID,		/* u64 */
	CXLTIER_NL_A_BUF_PID,		/* u32: the creator's tgid, in the
					 * receiver's pid namespace (0: not
					 * visible there, or exited) */
	CXLTIER_NL_A_BUF_UID,		/* u32: the creator's euid */
	CXLTIER_NL_A_BUF_LENGTH,	/* u64: bytes, as requested */
	CXLTIER_NL_A_BUF_MODE,		/* u32: CXLTIER_MODE_* */
	CXLTIER_NL_A_BUF_PAGE_SHIFT,	/* u32 */
	CXLTIER_NL_A_BUF_CHUNK_SHIFT,	/* u32 */
	CXLTIER_NL_A_BUF_CREATE_FLAGS,	/* u32: CXLTIER_CREATE_* */
	CXLTIER_NL_A_BUF_POLICY,	/* nest: CXLTIER_NL_A_BUF_POLICY_NODE,
					 * in policy order */
	CXLTIER_NL_A_BUF_POLICY_NODE,	/* nest: CXLTIER_NL_PN_* */
	CXLTIER_NL_A_BUF_RESIDENT,	/* nest: CXLTIER_NL_A_BUF_RESIDENT_NODE,
					 * ascending node order */
	CXLTIER_NL_A_BUF_RESIDENT_NODE,	/* nest: CXLTIER_NL_NB_* */
	CXLTIER_NL_A_BUF_RESIDENT_BYTES,	/* u64 */
	CXLTIER_NL_A_BUF_SPILLED_BYTES,		/* u64 */
	CXLTIER_NL_A_BUF_MIGRATE_SEQ,		/* u64: migrations started */
	CXLTIER_NL_A_BUF_MIGRATE_STATE,		/* u32: CXLTIER_MIGRATE_STATE_* */
	CXLTIER_NL_A_BUF_MIGRATE_ERROR,		/* s32 */
	CXLTIER_NL_A_BUF_MIGRATE_MOVED_BYTES,	/* u64, of the last migration */
	CXLTIER_NL_A_BUF_MIGRATE_SKIPPED_BYTES,	/* u64 */
	CXLTIER_NL_A_BUF_MIGRATE_FAILED_BYTES,	/* u64 */

	/* a node */
	CXLTIER_NL_A_NODE_ID,		/* u32 */
	CXLTIER_NL_A_NODE_TIER,		/* u32: CXLTIER_TIER_*, absent while
					 * the node has no memory */
	CXLTIER_NL_A_NODE_TOTAL_BYTES,	/* u64 */
	CXLTIER_NL_A_NODE_FREE_BYTES,	/* u64 */
	CXLTIER_NL_A_NODE_QUOTA_BYTES,	/* u64: absent when unlimited */
	CXLTIER_NL_A_NODE_USED_BYTES,	/* u64 */
	CXLTIER_NL_A_NODE_RESERVED_BYTES,	/* u64 */
	CXLTIER_NL_A_NODE_POOL_BYTES,	/* u64: device-dax pool capacity */
	CXLTIER_NL_A_NODE_ALLOC_PAGES,	/* u64: the sysfs counters, same names */
	CXLTIER_NL_A_NODE_SPILL_PAGES,	/* u64 */
	CXLTIER_NL_A_NODE_MIGRATE_IN_PAGES,	/* u64 */
	CXLTIER_NL_A_NODE_MIGRATE_OUT_PAGES,	/* u64 */
	CXLTIER_NL_A_NODE_FAULT_FAILURES,	/* u64 */

	/* an event */
	CXLTIER_NL_A_EVENT_TYPE,	/* u32: CXLTIER_EVENT_* */
	CXLTIER_NL_A_EVENT_TO_NODE,	/* u32: where a spilled unit went */
	CXLTIER_NL_A_EVENT_BYTES,	/* u64: see the event */
	CXLTIER_NL_A_EVENT_ERROR,	/* s32: a negative errno */
	CXLTIER_NL_A_EVENT_THRESHOLD_BYTES,	/* u64 */
	CXLTIER_NL_A_POOL_ID,		/* u32 */
	CXLTIER_NL_A_POOL_NAME,		/* string */
	CXLTIER_NL_A_BUF_PMD_MAP_FAULTS,	/* u64: as in BUF_STAT */
	CXLTIER_NL_A_BUF_PTE_MAP_FAULTS,	/* u64: as in BUF_STAT */
	CXLTIER_NL_A_BUF_SPLIT_UNITS,		/* u64: as in BUF_STAT */
	CXLTIER_NL_A_BUF_PMD_MAPPED_UNITS,	/* u64: as in BUF_STAT */

	__CXLTIER_NL_A_MAX
};
#define CXLTIER_NL_A_MAX	(__CXLTIER_NL_A_MAX - 1)

/* Inside CXLTIER_NL_A_BUF_POLICY_NODE */
enum {
	CXLTIER_NL_PN_UNSPEC,
	CXLTIER_NL_PN_NODE,		/* u32 */
	CXLTIER_NL_PN_WEIGHT,		/* u32 */

	__CXLTIER_NL_PN_MAX
};
#define CXLTIER_NL_PN_MAX	(__CXLTIER_NL_PN_MAX - 1)

/* Inside CXLTIER_NL_A_BUF_RESIDENT_NODE */
enum {
	CXLTIER_NL_NB_UNSPEC,
	CXLTIER_NL_NB_PAD,
	CXLTIER_NL_NB_NODE,		/* u32 */
	CXLTIER_NL_NB_BYTES,		/* u64 */

	__CXLTIER_NL_NB_MAX
};
#define CXLTIER_NL_NB_MAX	(__CXLTIER_NL_NB_MAX - 1)

/*
 * Events (CXLTIER_NL_A_EVENT_TYPE) and the attributes each carries besides
 * the type:
 *
 *  SPILL          a buffer placed a unit away from its home node for the
 *                 first time since it was created (later spills of the
 *                 buffer only count, in spill_pages and spilled_bytes):
 *                 BUF_ID, BUF_PID, BUF_UID, NODE_ID (home), EVENT_TO_NODE,
 *                 EVENT_BYTES (the unit's size)
 *  QUOTA_REFUSED  a create (reservation) or a fault was refused because
 *                 of a node's quota; at most one per buffer for faults:
 *                 BUF_PID, BUF_UID, NODE_ID, EVENT_BYTES (the charge
 *                 refused), NODE_QUOTA_BYTES, EVENT_ERROR (-ENOSPC for a
 *                 create, -ENOMEM for a fault), BUF_ID (a fault's buffer;
 *                 absent for a refused create, which has none)
 *  MIGRATE_DONE   a CXLTIER_IOC_MIGRATE finished (sync or async): BUF_ID,
 *                 BUF_PID, BUF_UID, BUF_MIGRATE_SEQ, BUF_MIGRATE_MOVED_BYTES,
 *                 BUF_MIGRATE_SKIPPED_BYTES, BUF_MIGRATE_FAILED_BYTES,
 *                 EVENT_ERROR (0, -EINTR, -ECANCELED or -ENOMEM)
 *  NODE_ONLINE    memory of a node went online: NODE_ID, EVENT_BYTES
 *  NODE_OFFLINE   memory of a node went offline: NODE_ID, EVENT_BYTES
 *  NODE_LOW_FREE  a cxltier allocation left a node below low_free_percent:
 *                 NODE_ID, NODE_FREE_BYTES, NODE_TOTAL_BYTES,
 *                 EVENT_THRESHOLD_BYTES
 *  POOL_ADDED     POOL_ID, POOL_NAME, NODE_ID, EVENT_BYTES (capacity)
 *  POOL_REMOVED   POOL_ID, POOL_NAME, NODE_ID
 */
enum {
	CXLTIER_EVENT_SPILL = 1,
	CXLTIER_EVENT_QUOTA_REFUSED,
	CXLTIER_EVENT_MIGRATE_DONE,
	CXLTIER_EVENT_NODE_ONLINE,
	CXLTIER_EVENT_NODE_OFFLINE,
	CXLTIER_EVENT_NODE_LOW_FREE,
	CXLTIER_EVENT_POOL_ADDED,
	CXLTIER_EVENT_POOL_REMOVED,

	__CXLTIER_EVENT_MAX
};
#define CXLTIER_EVENT_MAX	(__CXLTIER_EVENT_MAX - 1)

#endif /* _UAPI_LINUX_CXLTIER_H */
