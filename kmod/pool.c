// SPDX-License-Identifier: GPL-2.0
/*
 * cxltier: device-dax pools (CXLTIER_IOC_POOL_ADD, _REMOVE, _LIST).
 *
 * A pool is a physical range of device memory (a dax device's range, the
 * device disabled) that the module claims with request_mem_region() and
 * turns into ZONE_DEVICE pages with memremap_pages(MEMORY_DEVICE_GENERIC).
 * The buddy allocator never sees these pages, so nothing but the module
 * hands them out, and compaction, reclaim and memory offline never look at
 * them: they stay where they are, which is what a long-term pin needs.
 *
 * Page references (the rule that makes teardown safe, see
 * doc/kernel-rules.md): memmap_init_zone_device() leaves every GENERIC page
 * with a count of 1, its idle value, and 6.1 calls nobody when a count
 * drops back to 1 (only 0 reaches ops->page_free, and we never let a page
 * get there).  So:
 *  - a free page has count 1, owned by the pool;
 *  - a buffer's slot holds one more (2); mappings hold none (device-map
 *    PTEs: vm_normal_page() returns NULL for them, GUP takes its own);
 *  - pins (GUP, FOLL_PIN) add theirs and drop them when they please,
 *    possibly long after the buffer is gone (AF_XDP releases its umem from
 *    a work item);
 *  - when a buffer releases a page, the page is free if its count is back
 *    to 1, else "busy": still ours, not free, looked at again (reaped) when
 *    the pool is allocated from, listed or removed.
 * A pool is removed only when no page is used or busy: every count is 1,
 * no buffer (so no mapping) holds one, and no new reference can appear.
 * memunmap_pages() then also waits for the transient pgmap references GUP
 * takes.  Each pool holds a module reference, so the module cannot be
 * unloaded (and free a pgmap under live pages) while a pool exists.
 *
 * Allocation: a bitmap of pages and a count of used pages per 2 MiB block.
 * A 2 MiB unit takes a wholly free, aligned block; a 4 KiB page goes into a
 * block already partly used if there is one, so single pages do not break
 * up whole blocks while partly used ones have room.
 */
#include "internal.h"

#include <linux/ctype.h>
#include <linux/highmem.h>
#include <linux/ioport.h>
#include <linux/list.h>
#include <linux/memremap.h>
#include <linux/mm.h>
#include <linux/module.h>
#include <linux/nodemask.h>
#include <linux/rwsem.h>
#include <linux/slab.h>
#include <linux/uaccess.h>

#define CXLTIER_POOL_BLOCK_ORDER (CXLTIER_POOL_ALIGN_SHIFT - PAGE_SHIFT)
#define CXLTIER_POOL_BLOCK_PAGES (1UL << CXLTIER_POOL_BLOCK_ORDER)

struct cxltier_pool {
	struct list_head list;		/* in cxltier_pools */
	u32 id;
	int nid;			/* target node, as policies name it */
	char name[CXLTIER_POOL_NAME_LEN];
	u64 start, length;
	unsigned long base_pfn, nr_pages, nr_blocks;
	struct resource *res;
	struct dev_pagemap pgmap;

	spinlock_t lock;		/* protects everything below */
	unsigned long *used;		/* bit per page: used or busy */
	unsigned long *busy;		/* bit per page: released, referenced */
	u16 *block_used;		/* bits set in @used per 2 MiB block */
	unsigned long nr_used;		/* pages held by buffers */
	unsigned long nr_busy;
};

/*
 * The pools, in the order they were added.  Held for read while a buffer
 * allocates from a pool (so a pool cannot go away under it), for write to
 * add or remove one.  Never held across copy_to_user(): the user's buffer
 * may be a pool buffer whose fault allocates under it.
 */
static LIST_HEAD(cxltier_pools);
static DECLARE_RWSEM(cxltier_pools_sem);
static u32 cxltier_pool_next_id;	/* under cxltier_pools_sem, write */

/* pgmap->owner of our pools: tells our pages from other ZONE_DEVICE pages */
static const char cxltier_pool_owner[] = "cxltier";

static struct cxltier_pool *cxltier_page_pool(struct page *page)
{
	if (!is_zone_device_page(page) ||
	    page->pgmap->owner != cxltier_pool_owner)
		return NULL;
	return container_of(page->pgmap, struct cxltier_pool, pgmap);
}

bool cxltier_is_pool_page(struct page *page)
{
	return cxltier_page_pool(page) != NULL;
}

/* The node a page counts on: a pool page's pool's target node. */
int cxltier_page_nid(struct page *page)
{
	struct cxltier_pool *p = cxltier_page_pool(page);

	return p ? p->nid : page_to_nid(page);
}

/* Pages of all pools on @nid; 0 when the node has none. */
u64 cxltier_pool_node_pages(int nid)
{
	struct cxltier_pool *p;
	u64 n = 0;

	down_read(&cxltier_pools_sem);
	list_for_each_entry(p, &cxltier_pools, list)
		if (p->nid == nid)
			n += p->nr_pages;
	up_read(&cxltier_pools_sem);
	return n;
}

/* Under p->lock. */
static void cxltier_pool_mark(struct cxltier_pool *p, unsigned long idx,
			      unsigned long n, bool set)
{
	unsigned long i;

	for (i = idx; i < idx + n; i++) {
		if (set)
			__set_bit(i, p->used);
		else
			__clear_bit(i, p->used);
	}
	if (set)
		p->block_used[idx >> CXLTIER_POOL_BLOCK_ORDER] += n;
	else
		p->block_used[idx >> CXLTIER_POOL_BLOCK_ORDER] -= n;
}

/* Busy pages whose count is back to idle become free.  Under p->lock. */
static void cxltier_pool_reap(struct cxltier_pool *p)
{
	unsigned long i;

	if (!p->nr_busy)
		return;
	for_each_set_bit(i, p->busy, p->nr_pages) {
		if (page_ref_count(pfn_to_page(p->base_pfn + i)) != 1)
			continue;
		__clear_bit(i, p->busy);
		cxltier_pool_mark(p, i, 1, false);
		p->nr_busy--;
	}
}

/* Index of 2^@order free pages in @p, or -1.  Under p->lock. */
static long cxltier_pool_find(struct cxltier_pool *p, unsigned int order)
{
	unsigned long b, i;

	if (order) {
		for (b = 0; b < p->nr_blocks; b++)
			if (!p->block_used[b])
				return b << CXLTIER_POOL_BLOCK_ORDER;
		return -1;
	}
	/* a partly used block first, then a free one */
	for (b = 0; b < p->nr_blocks; b++)
		if (p->block_used[b] && p->block_used[b] < CXLTIER_POOL_BLOCK_PAGES)
			goto found;
	for (b = 0; b < p->nr_blocks; b++)
		if (!p->block_used[b])
			goto found;
	return -1;
found:
	i = find_next_zero_bit(p->used, (b + 1) << CXLTIER_POOL_BLOCK_ORDER,
			       b << CXLTIER_POOL_BLOCK_ORDER);
	return WARN_ON_ONCE(i >= (b + 1) << CXLTIER_POOL_BLOCK_ORDER) ? -1 : i;
}

/*
 * 2^@order (0 or a 2 MiB block's order) zeroed pages from a pool on @nid
 * into @pages, physically contiguous and, for a block, 2 MiB aligned; each
 * carries the slot's reference.  Returns 0, -ENOENT when @nid has no pool,
 * -ENOMEM when its pools have no such run free, -EINVAL for another order.
 */
int cxltier_pool_alloc(int nid, unsigned int order, struct page **pages)
{
	struct cxltier_pool *p;
	bool any = false;
	long idx = -1;
	unsigned long i;

	if (order && order != CXLTIER_POOL_BLOCK_ORDER)
		return -EINVAL;
	down_read(&cxltier_pools_sem);
	list_for_each_entry(p, &cxltier_pools, list) {
		if (p->nid != nid)
			continue;
		any = true;
		spin_lock(&p->lock);
		cxltier_pool_reap(p);
		idx = cxltier_pool_find(p, order);
		if (idx >= 0) {
			cxltier_pool_mark(p, idx, 1UL << order, true);
			p->nr_used += 1UL << order;
		}
		spin_unlock(&p->lock);
		if (idx >= 0)
			break;
	}
	if (idx >= 0) {
		/* used now: the pool cannot go away, the sem can be dropped */
		for (i = 0; i < (1UL << order); i++) {
			struct page *page = pfn_to_page(p->base_pfn + idx + i);

			page_ref_inc(page);		/* the slot's */
			pages[i] = page;
		}
	}
	up_read(&cxltier_pools_sem);
	if (idx < 0)
		return any ? -ENOMEM : -ENOENT;
	for (i = 0; i < (1UL << order); i++) {
		clear_highpage(pages[i]);
		if (!(i & 63))
			cond_resched();
	}
	return 0;
}

/*
 * Drop a buffer's reference on a pool page (no mapping of it is left):
 * free at once when nothing else holds it, busy until its pins go.
 */
void cxltier_pool_put_page(struct page *page)
{
	struct cxltier_pool *p = cxltier_page_pool(page);
	unsigned long idx = page_to_pfn(page) - p->base_pfn;

	page->index = 0;
	set_page_private(page, 0);
	put_page(page);		/* never the last: the pool's stays */
	spin_lock(&p->lock);
	p->nr_used--;
	if (page_ref_count(page) == 1) {
		cxltier_pool_mark(p, idx, 1, false);
	} else {
		__set_bit(idx, p->busy);
		p->nr_busy++;
	}
	spin_unlock(&p->lock);
}

/* ------------------------------------------------------------------------ */
/* ioctls                                                                     */

static int cxltier_pool_check_name(const char *name)
{
	size_t len = strnlen(name, CXLTIER_POOL_NAME_LEN), i;

	if (!len || len == CXLTIER_POOL_NAME_LEN)
		return -EINVAL;
	for (i = 0; i < len; i++)
		if (!isalnum(name[i]) && !strchr("._:-", name[i]))
			return -EINVAL;
	for (; i < CXLTIER_POOL_NAME_LEN; i++)
		if (name[i])
			return -EINVAL;
	return 0;
}

/* Device memory the firmware described, all of the range. */
static bool cxltier_pool_range_is_devmem(u64 start, u64 len)
{
	static const unsigned long descs[] = {
		IORES_DESC_PERSISTENT_MEMORY,
		IORES_DESC_PERSISTENT_MEMORY_LEGACY,
		IORES_DESC_SOFT_RESERVED,
		IORES_DESC_CXL,
	};
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(descs); i++)
		if (region_intersects(start, len, IORESOURCE_MEM, descs[i]) ==
		    REGION_INTERSECTS)
			return true;
	return false;
}

static void cxltier_pool_free(struct cxltier_pool *p)
{
	kvfree(p->used);
	kvfree(p->busy);
	kvfree(p->block_used);
	kfree(p);
}

int cxltier_pool_add(struct cxltier_ucmd *ucmd)
{
	struct cxltier_pool_add *a = ucmd->cmd;
	u64 align = 1ULL << CXLTIER_POOL_ALIGN_SHIFT;
	struct cxltier_pool *p, *q;
	int mem_nid, ret;
	void *addr;

	if (!capable(CAP_SYS_ADMIN))
		return -EPERM;
	if (a->flags || a->__reserved || a->__reserved2)
		return -EINVAL;
	if (cxltier_pool_check_name(a->name))
		return -EINVAL;
	if (!a->start || !a->length || (a->start | a->length) & (align - 1) ||
	    a->start + a->length < a->start ||
	    a->start + a->length - 1 > (u64)PHYS_ADDR_MAX)
		return -EINVAL;
	if (a->node >= MAX_NUMNODES || !node_possible(a->node))
		return -EINVAL;
	/*
	 * A policy naming the node would take pool pages instead of the
	 * node's own memory: keep pools to nodes without any.
	 */
	if (node_state(a->node, N_MEMORY))
		return -EINVAL;

	p = kzalloc(sizeof(*p), GFP_KERNEL);
	if (!p)
		return -ENOMEM;
	spin_lock_init(&p->lock);
	memcpy(p->name, a->name, sizeof(p->name));
	p->nid = a->node;
	p->start = a->start;
	p->length = a->length;
	p->base_pfn = PHYS_PFN(a->start);
	p->nr_pages = a->length >> PAGE_SHIFT;
	p->nr_blocks = a->length >> CXLTIER_POOL_ALIGN_SHIFT;
	p->used = kvcalloc(BITS_TO_LONGS(p->nr_pages), sizeof(long),
			   GFP_KERNEL | __GFP_NOWARN);
	p->busy = kvcalloc(BITS_TO_LONGS(p->nr_pages), sizeof(long),
			   GFP_KERNEL | __GFP_NOWARN);
	p->block_used = kvcalloc(p->nr_blocks, sizeof(u16),
				 GFP_KERNEL | __GFP_NOWARN);
	if (!p->used || !p->busy || !p->block_used) {
		cxltier_pool_free(p);
		return -ENOMEM;
	}

	down_write(&cxltier_pools_sem);
	list_for_each_entry(q, &cxltier_pools, list) {
		if (!strcmp(q->name, p->name) ||
		    (p->start < q->start + q->length &&
		     q->start < p->start + p->length)) {
			ret = -EEXIST;
			goto err_unlock;
		}
	}
	if (!cxltier_pool_range_is_devmem(p->start, p->length)) {
		ret = -ENXIO;
		goto err_unlock;
	}
	p->res = request_mem_region(p->start, p->length, p->name);
	if (!p->res) {
		ret = -EBUSY;
		goto err_unlock;
	}

	/*
	 * struct pages live on an online node: a dax range's target node is
	 * usually not one (it has no memory of its own).
	 */
	mem_nid = node_online(p->nid) ? p->nid : numa_map_to_online_node(p->nid);
	p->pgmap.type = MEMORY_DEVICE_GENERIC;
	p->pgmap.range.start = p->start;
	p->pgmap.range.end = p->start + p->length - 1;
	p->pgmap.nr_range = 1;
	p->pgmap.owner = (void *)cxltier_pool_owner;
	addr = memremap_pages(&p->pgmap, mem_nid);
	if (IS_ERR(addr)) {
		ret = PTR_ERR(addr);
		goto err_region;
	}

	/* Unloading would free the pgmap under its pages: pin the module. */
	__module_get(THIS_MODULE);
	p->id = ++cxltier_pool_next_id;
	list_add_tail(&p->list, &cxltier_pools);
	a->out_id = p->id;
	pr_info("pool %u (%s): %#llx-%#llx, %llu MiB on node %d\n", p->id,
		p->name, p->start, p->start + p->length - 1, p->length >> 20,
		p->nid);
	up_write(&cxltier_pools_sem);
	/* from the request (a REMOVE may free p the moment the lock goes) */
	cxltier_nl_pool(true, a->out_id, a->name, a->node, a->length);
	/* the pool exists whatever the copy-out does: its id is in LIST */
	return cxltier_ucmd_respond(ucmd, sizeof(*a));

err_region:
	release_mem_region(p->start, p->length);
err_unlock:
	up_write(&cxltier_pools_sem);
	cxltier_pool_free(p);
	return ret;
}

int cxltier_pool_remove(struct cxltier_ucmd *ucmd)
{
	struct cxltier_pool_remove *r = ucmd->cmd;
	struct cxltier_pool *p;
	bool found = false;

	if (!capable(CAP_SYS_ADMIN))
		return -EPERM;
	if (r->flags || r->__reserved)
		return -EINVAL;

	down_write(&cxltier_pools_sem);
	list_for_each_entry(p, &cxltier_pools, list) {
		if (p->id == r->id) {
			found = true;
			break;
		}
	}
	if (!found) {
		up_write(&cxltier_pools_sem);
		return -ENOENT;
	}
	spin_lock(&p->lock);
	cxltier_pool_reap(p);
	if (p->nr_used || p->nr_busy) {
		spin_unlock(&p->lock);
		up_write(&cxltier_pools_sem);
		return -EBUSY;
	}
	spin_unlock(&p->lock);
	list_del(&p->list);
	up_write(&cxltier_pools_sem);

	/*
	 * No page is referenced but by the pool and no buffer (so no
	 * mapping) holds one: nobody can take a new reference.  This waits
	 * for transient pgmap references (a GUP that is just finishing).
	 */
	memunmap_pages(&p->pgmap);
	release_mem_region(p->start, p->length);
	pr_info("pool %u (%s) removed\n", p->id, p->name);
	cxltier_nl_pool(false, p->id, p->name, p->nid, 0);
	cxltier_pool_free(p);
	module_put(THIS_MODULE);
	return 0;
}

static void cxltier_pool_fill_info(struct cxltier_pool *p,
				   struct cxltier_pool_info *pi, bool admin)
{
	unsigned long i, end, run = 0, pinned = 0, huge = 0, b;

	memset(pi, 0, sizeof(*pi));
	pi->id = p->id;
	pi->node = p->nid;
	memcpy(pi->name, p->name, sizeof(pi->name));
	pi->start = admin ? p->start : 0;
	pi->length = p->length;

	spin_lock(&p->lock);
	cxltier_pool_reap(p);
	for (i = find_first_zero_bit(p->used, p->nr_pages); i < p->nr_pages;
	     i = find_next_zero_bit(p->used, p->nr_pages, end)) {
		end = find_next_bit(p->used, p->nr_pages, i);
		run = max(run, end - i);
	}
	for_each_set_bit(i, p->used, p->nr_pages)
		if (cxltier_page_maybe_pinned(pfn_to_page(p->base_pfn + i)))
			pinned++;
	for (b = 0; b < p->nr_blocks; b++)
		huge += !p->block_used[b];
	pi->free_bytes = (u64)(p->nr_pages - p->nr_used - p->nr_busy) <<
			 PAGE_SHIFT;
	pi->largest_free_bytes = (u64)run << PAGE_SHIFT;
	pi->used_pages = p->nr_used;
	pi->busy_pages = p->nr_busy;
	pi->pinned_pages = pinned;
	pi->free_huge_blocks = huge;
	spin_unlock(&p->lock);
}

int cxltier_pool_list(struct cxltier_ucmd *ucmd)
{
	struct cxltier_pool_list *l = ucmd->cmd;
	u32 cap = l->nr_pools, stride = l->entry_size, n = 0, i;
	bool admin = capable(CAP_SYS_ADMIN);
	struct cxltier_pool_info *infos = NULL;
	struct cxltier_pool *p;
	size_t copy = min_t(size_t, stride, sizeof(*infos));
	void __user *up = u64_to_user_ptr(l->pools);
	int ret = 0;

	BUILD_BUG_ON(sizeof(*infos) != CXLTIER_POOL_INFO_SIZE_VER0);
	if (l->flags)
		return -EINVAL;
	if (cap && (stride < CXLTIER_POOL_INFO_SIZE_VER0 ||
		    stride > CXLTIER_POOL_INFO_MAX_SIZE || stride % 8))
		return -EINVAL;
	if (cap) {
		infos = kvcalloc(min_t(u32, cap, 4096), sizeof(*infos),
				 GFP_KERNEL);
		if (!infos)
			return -ENOMEM;
	}

	/* a snapshot under the sem, copied out after it */
	down_read(&cxltier_pools_sem);
	list_for_each_entry(p, &cxltier_pools, list) {
		if (n < cap && n < 4096)
			cxltier_pool_fill_info(p, &infos[n], admin);
		n++;
	}
	up_read(&cxltier_pools_sem);

	for (i = 0; i < min3(n, cap, 4096U); i++) {
		void __user *dst = up + (size_t)i * stride;

		if (copy_to_user(dst, &infos[i], copy) ||
		    (stride > copy && clear_user(dst + copy, stride - copy))) {
			ret = -EFAULT;
			goto out;
		}
	}
	l->nr_pools = n;
	ret = cxltier_ucmd_respond(ucmd, sizeof(*l));
	if (!ret && n > cap && (cap || up))
		ret = -EMSGSIZE;
out:
	kvfree(infos);
	return ret;
}
