// SPDX-License-Identifier: GPL-2.0
/*
 * cxltier: per-node quotas and the page counts behind them.
 *
 * For each possible node the module keeps what it holds there (used, in
 * pages), what buffers created with CXLTIER_CREATE_RESERVE have claimed
 * and not yet allocated (reserved, in pages) and a limit (quota, in bytes,
 * U64_MAX for unlimited, the default).  A charge, of a page to be allocated
 * or of a reservation, is refused with -ENOSPC when used + reserved + its
 * size would exceed the quota; a buffer's reserved pages turn into used
 * ones as they are allocated, without a check, so a reserved buffer never
 * fails because of a quota.  The quota is only ever checked when something
 * is added: lowering it below what is held takes nothing away, and a page
 * that migration moves to another node (memory offline) takes its charge
 * there whatever that node's quota says, since an offline must not fail
 * because of us.
 *
 * sysfs.c shows these counts; page.c charges and uncharges.
 */
#include "internal.h"

#include <linux/cache.h>
#include <linux/nodemask.h>
#include <linux/slab.h>

struct cxltier_node_acct {
	spinlock_t lock;	/* protects the three fields below */
	u64 quota;		/* bytes; U64_MAX: unlimited */
	unsigned long used;	/* pages held on the node */
	unsigned long reserved;	/* pages reserved, not yet held */
} ____cacheline_aligned_in_smp;

/* nr_node_ids entries, for the whole life of the module */
static struct cxltier_node_acct *cxltier_acct;

int cxltier_quota_init(void)
{
	int nid;

	cxltier_acct = kcalloc(nr_node_ids, sizeof(*cxltier_acct), GFP_KERNEL);
	if (!cxltier_acct)
		return -ENOMEM;
	for (nid = 0; nid < nr_node_ids; nid++) {
		spin_lock_init(&cxltier_acct[nid].lock);
		cxltier_acct[nid].quota = U64_MAX;
	}
	return 0;
}

void cxltier_quota_exit(void)
{
	int nid;

	/* Every buffer is gone (each held a module reference). */
	for (nid = 0; nid < nr_node_ids; nid++)
		WARN_ONCE(cxltier_acct[nid].used || cxltier_acct[nid].reserved,
			  "node %d: %lu pages used, %lu reserved at unload\n",
			  nid, cxltier_acct[nid].used,
			  cxltier_acct[nid].reserved);
	kfree(cxltier_acct);
	cxltier_acct = NULL;
}

/* Pages the quota still lets be charged; the lock must be held. */
static unsigned long cxltier_room_locked(const struct cxltier_node_acct *a)
{
	u64 limit = a->quota >> PAGE_SHIFT;
	u64 held = (u64)a->used + a->reserved;

	return held >= limit ? 0 : (unsigned long)min_t(u64, limit - held,
							ULONG_MAX);
}

/*
 * Charge @pages on @nid, to used (@reserve false) or reserved (true), if
 * the quota has room: 0 or -ENOSPC.
 */
int cxltier_quota_charge(int nid, unsigned long pages, bool reserve)
{
	struct cxltier_node_acct *a = &cxltier_acct[nid];
	int ret = -ENOSPC;

	spin_lock(&a->lock);
	if (pages <= cxltier_room_locked(a)) {
		if (reserve)
			a->reserved += pages;
		else
			a->used += pages;
		ret = 0;
	}
	spin_unlock(&a->lock);
	return ret;
}

/*
 * Reserve as much of @pages on @nid as the quota has room for, in multiples
 * of @granule pages; returns how many were reserved (preferred mode
 * reserves in list order).
 */
unsigned long cxltier_quota_reserve_upto(int nid, unsigned long pages,
					 unsigned long granule)
{
	struct cxltier_node_acct *a = &cxltier_acct[nid];
	unsigned long got;

	spin_lock(&a->lock);
	got = rounddown(min(pages, cxltier_room_locked(a)), granule);
	a->reserved += got;
	spin_unlock(&a->lock);
	return got;
}

/* Undo cxltier_quota_charge(@nid, @pages, @reserved). */
void cxltier_quota_uncharge(int nid, unsigned long pages, bool reserved)
{
	struct cxltier_node_acct *a = &cxltier_acct[nid];

	spin_lock(&a->lock);
	if (reserved) {
		WARN_ON_ONCE(a->reserved < pages);
		a->reserved -= min(a->reserved, pages);
	} else {
		WARN_ON_ONCE(a->used < pages);
		a->used -= min(a->used, pages);
	}
	spin_unlock(&a->lock);
}

/*
 * Give back, node by node, what a buffer's reservation still holds: @resv
 * is indexed like the policy list @policy of @nr entries.
 */
void cxltier_quota_unreserve(const struct cxltier_node_weight *policy,
			     const unsigned long *resv, u32 nr)
{
	u32 j;

	for (j = 0; j < nr; j++)
		if (resv[j])
			cxltier_quota_uncharge(policy[j].node, resv[j], true);
}

/*
 * Reserved pages on @nid become used (@to_used) or go back (a unit that
 * lost a race to fill it): never refused.
 */
void cxltier_quota_convert(int nid, unsigned long pages, bool to_used)
{
	struct cxltier_node_acct *a = &cxltier_acct[nid];

	spin_lock(&a->lock);
	if (to_used) {
		WARN_ON_ONCE(a->reserved < pages);
		a->reserved -= pages;
		a->used += pages;
	} else {
		WARN_ON_ONCE(a->used < pages);
		a->used -= pages;
		a->reserved += pages;
	}
	spin_unlock(&a->lock);
}

/* A used page moved from @from to @to (migration): never refused. */
void cxltier_quota_move(int from, int to, unsigned long pages)
{
	if (from == to)
		return;
	cxltier_quota_uncharge(from, pages, false);
	spin_lock(&cxltier_acct[to].lock);
	cxltier_acct[to].used += pages;
	spin_unlock(&cxltier_acct[to].lock);
}

void cxltier_quota_read(int nid, u64 *quota, u64 *used_bytes,
			u64 *reserved_bytes)
{
	struct cxltier_node_acct *a = &cxltier_acct[nid];

	spin_lock(&a->lock);
	*quota = a->quota;
	*used_bytes = (u64)a->used << PAGE_SHIFT;
	*reserved_bytes = (u64)a->reserved << PAGE_SHIFT;
	spin_unlock(&a->lock);
}

void cxltier_quota_set(int nid, u64 quota)
{
	struct cxltier_node_acct *a = &cxltier_acct[nid];

	spin_lock(&a->lock);
	a->quota = quota;
	spin_unlock(&a->lock);
}
