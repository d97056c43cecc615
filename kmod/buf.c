// SPDX-License-Identifier: GPL-2.0
/*
 * cxltier: buffers.
 *
 * A buffer is a file on a private pseudo filesystem, so each buffer has an
 * inode and an address_space of its own: migration zaps exactly the user
 * PTEs of one buffer page with unmap_mapping_range(), and long-term GUP,
 * which reads mapping->host, never sees a NULL host.
 *
 * Pages are allocated on first touch, zeroed, on the policy's node only
 * (__GFP_THISNODE; no OOM killer, no silent fallback: SIGBUS instead).  They
 * are registered as non-LRU movable pages (struct movable_operations), so
 * compaction and memory offline can move them with their contents, which is
 * what lets them live in ZONE_MOVABLE, where dax kmem puts CXL memory.
 *
 * Rules this file follows (learnt on 6.1, see shared/testbed.md):
 *  - the core never unmaps non-LRU movable pages: migrate_page zaps the user
 *    PTEs itself, under the page lock, which a fault must take before it
 *    maps the page, so no PTE can point at the old page afterwards;
 *  - copy only when the refcount is exactly the slot's reference plus the
 *    isolation reference, else -EAGAIN;
 *  - page->mapping belongs to the core (it holds the movable_operations);
 *    our data lives in page->index (offset) and page->private (buffer);
 *  - user PTEs are special (pfn) entries in a VM_MIXEDMAP|VM_IO mapping, so
 *    no code outside this file ever gets a struct page from our page tables.
 *    With ordinary PTEs, fast GUP (vmsplice, futexes) takes references and
 *    then reads page->mapping, which for a movable page is our
 *    movable_operations, not an address_space: a shared futex on a buffer
 *    oopses in get_futex_key().  Special PTEs make every GUP fail at once
 *    with -EFAULT, which also turns 6.1's endless FOLL_LONGTERM retry on
 *    non-LRU ZONE_MOVABLE pages into a prompt error.  The price: these
 *    pages are invisible to move_pages(2), /proc/PID/numa_maps and smaps;
 *    CXLTIER_IOC_BUF_STAT and /proc/PID/pagemap report where they are.
 */
#include "internal.h"

#include <linux/module.h>
#include <linux/anon_inodes.h>
#include <linux/file.h>
#include <linux/hash.h>
#include <linux/highmem.h>
#include <linux/memcontrol.h>
#include <linux/migrate.h>
#include <linux/mm.h>
#include <linux/mount.h>
#include <linux/nodemask.h>
#include <linux/pagemap.h>
#include <linux/cred.h>
#include <linux/pid.h>
#include <linux/pfn_t.h>
#include <linux/pseudo_fs.h>
#include <linux/sched/mm.h>
#include <linux/sched/signal.h>
#include <linux/slab.h>
#include <linux/uaccess.h>

#define CXLTIER_FS_MAGIC 0x63786c74	/* "cxlt" */

static struct vfsmount *cxltier_mnt;

/*
 * Fills of one unit are serialised by a mutex picked by hashing the buffer
 * and the unit: the second of two racing faults waits for the first and
 * finds the unit filled, instead of charging it again (which, at a quota
 * or reservation edge, would fail: SIGBUS on a reserved buffer) and zeroing
 * pages it then throws away.  Different units rarely share one.
 */
#define CXLTIER_FILL_LOCK_BITS	10
static struct mutex cxltier_fill_locks[1 << CXLTIER_FILL_LOCK_BITS];

static struct mutex *cxltier_fill_lock(struct cxltier_buf *buf,
				       unsigned long unit)
{
	return &cxltier_fill_locks[hash_64((u64)(uintptr_t)buf ^
					   (unit * GOLDEN_RATIO_64),
					   CXLTIER_FILL_LOCK_BITS)];
}
static atomic64_t cxltier_next_id = ATOMIC64_INIT(0);

static const struct movable_operations cxltier_mops;

/* ------------------------------------------------------------------------ */
/* Pages                                                                      */

/*
 * The page in slot @idx, referenced and locked, or NULL for an empty slot.
 * Taking the reference under buf->lock keeps the page from being freed by a
 * migration that replaces it; the check after lock_page() catches one that
 * replaced it while we waited for the lock.
 */
struct page *cxltier_buf_lock_slot(struct cxltier_buf *buf, pgoff_t idx)
{
	struct page *page;
	bool frozen;

	for (;;) {
		spin_lock(&buf->lock);
		page = buf->pages[idx];
		/* a zero count: migrate.c froze it for a moment; ask again */
		frozen = page && !get_page_unless_zero(page);
		spin_unlock(&buf->lock);
		if (frozen) {
			cond_resched();
			continue;
		}
		if (!page)
			return NULL;

		lock_page(page);
		if (likely(READ_ONCE(buf->pages[idx]) == page))
			return page;
		unlock_page(page);
		put_page(page);
	}
}

/* Drop a slot's reference: a pool page goes back to its pool. */
static void cxltier_buf_put_page(struct page *page)
{
	if (cxltier_is_pool_page(page))
		cxltier_pool_put_page(page);
	else
		put_page(page);
}

/*
 * 2^@order zeroed pages on @nid into @pages: one physically contiguous run,
 * split so that each page has its own refcount (and can migrate alone).
 */
static int cxltier_alloc_run(struct cxltier_buf *buf, int nid, bool reclaim,
			     unsigned int order, struct page **pages)
{
	gfp_t gfp = reclaim ? buf->gfp : buf->gfp & ~__GFP_DIRECT_RECLAIM;
	struct mem_cgroup *old_memcg;
	struct page *page;
	unsigned int i;
	int ret;

	/* A node with a pool gives pool pages, never its buddy memory. */
	if (buf->pool && node_isset(nid, buf->pool_nodes)) {
		ret = cxltier_pool_alloc(nid, order, pages);
		return ret == -ENOENT ? -ENODEV : ret;	/* pool removed */
	}
	/*
	 * The node was checked at create time; memory hot-remove can empty it
	 * since.  Never ask the allocator for a node without memory.
	 */
	if (!node_state(nid, N_MEMORY))
		return -ENODEV;
	if (order && reclaim)
		gfp |= (buf->create_flags & CXLTIER_CREATE_HUGE_FALLBACK) ?
			__GFP_NORETRY : __GFP_RETRY_MAYFAIL;
	/*
	 * A memory cgroup at its limit fails the charge instead of running
	 * its OOM killer: the touch gets SIGBUS, a populate -ENOMEM.
	 */
	if (!(gfp & __GFP_NORETRY))
		gfp |= __GFP_RETRY_MAYFAIL;
	/*
	 * Charged (__GFP_ACCOUNT) to the creator's memory cgroup, whoever
	 * faults: a forked child, ptrace, a populate worker.
	 */
	old_memcg = set_active_memcg(buf->memcg);
	page = alloc_pages_node(nid, gfp, order);
	set_active_memcg(old_memcg);
	if (!page)
		return -ENOMEM;
	if (order)
		split_page(page, order);
	for (i = 0; i < (1U << order); i++)
		pages[i] = page + i;
	return 0;
}

/* A whole unit on @nid: one huge run, or 4 KiB pages when allowed. */
static int cxltier_alloc_unit_on(struct cxltier_buf *buf, int nid,
				 bool reclaim, struct page **pages)
{
	unsigned int n = 1U << buf->unit_order, i;
	int ret;

	ret = cxltier_alloc_run(buf, nid, reclaim, buf->unit_order, pages);
	if (!ret || ret == -ENODEV || !buf->unit_order ||
	    !(buf->create_flags & CXLTIER_CREATE_HUGE_FALLBACK))
		return ret;
	for (i = 0; i < n; i++) {
		ret = cxltier_alloc_run(buf, nid, reclaim, 0, &pages[i]);
		if (ret) {
			while (i--)
				cxltier_buf_put_page(pages[i]);
			return ret;
		}
	}
	return 0;
}

/*
 * Charge the @n pages of a unit to be allocated on policy entry @j: from
 * the buffer's reservation there while it has some, else against the
 * node's quota.  0 (*@from_resv says which), or -ENOSPC.
 */
static int cxltier_buf_charge(struct cxltier_buf *buf, u32 j, unsigned long n,
			      bool *from_resv)
{
	int nid = buf->policy[j].node;

	*from_resv = false;
	if (buf->resv) {
		spin_lock(&buf->lock);
		if (buf->resv[j] >= n) {
			buf->resv[j] -= n;
			*from_resv = true;
		}
		spin_unlock(&buf->lock);
		if (*from_resv) {
			cxltier_quota_convert(nid, n, true);
			return 0;
		}
	}
	return cxltier_quota_charge(nid, n, false);
}

static void cxltier_buf_uncharge(struct cxltier_buf *buf, u32 j,
				 unsigned long n, bool from_resv)
{
	int nid = buf->policy[j].node;

	if (!from_resv) {
		cxltier_quota_uncharge(nid, n, false);
		return;
	}
	cxltier_quota_convert(nid, n, false);
	spin_lock(&buf->lock);
	buf->resv[j] += n;
	spin_unlock(&buf->lock);
}

/*
 * Give @unit its pages, unless it has them: from its home node, else (with
 * CXLTIER_CREATE_FALLBACK, or in preferred mode) from the other listed
 * nodes in list order.  A node whose quota cannot take the unit is passed
 * over as a full one is.  Units are filled whole and stay filled until the
 * buffer is freed.  Returns 0 or -errno (-ENOSPC when only quotas stood in
 * the way); never allocates off the list.
 */
int cxltier_buf_fill_unit(struct cxltier_buf *buf, unsigned long unit)
{
	unsigned int n = 1U << buf->unit_order, i;
	unsigned long first = unit << buf->unit_order;
	u32 home = cxltier_unit_home(buf, unit), k, tries;
	bool fallback = buf->mode == CXLTIER_MODE_PREFERRED ||
			(buf->create_flags & CXLTIER_CREATE_FALLBACK);
	int pass;
	struct page *one, **pages = &one;
	bool raced, from_resv = false;
	int nid = NUMA_NO_NODE, ret = -ENOSPC, err;
	struct mutex *fill_lock;
	bool filled = false, spilled = false;
	int home_nid = NUMA_NO_NODE;
	u32 j = home;

	if (READ_ONCE(buf->pages[first]))
		return 0;
	if (n > 1) {
		pages = kmalloc_array(n, sizeof(*pages), GFP_KERNEL);
		if (!pages)
			return -ENOMEM;
	}
	down_read(&buf->policy_sem);	/* MIGRATE may replace the policy */
	fill_lock = cxltier_fill_lock(buf, unit);
	if (mutex_lock_killable(fill_lock)) {
		ret = -EINTR;
		goto out_sem;
	}
	if (READ_ONCE(buf->pages[first])) {	/* filled while we waited */
		ret = 0;
		goto out;
	}

	/*
	 * Home first, then the rest of the list in order.  With somewhere to
	 * fall back to, a first round takes free pages only (no direct
	 * reclaim; kswapd is woken), as the kernel's own zonelist fallback
	 * does: direct reclaim and compaction on a full node, for every unit,
	 * stalled a 1.5 GiB populate for minutes.  Only when no listed node
	 * has a free unit does a second round reclaim.
	 */
	tries = fallback ? buf->nr_policy_nodes : 1;
	for (pass = tries > 1 ? 0 : 1; pass < 2; pass++) {
		for (k = 0; k < tries; k++) {
			j = !k ? home : (k - 1 < home ? k - 1 : k);
			nid = buf->policy[j].node;
			if (cxltier_buf_charge(buf, j, n, &from_resv))
				continue;	/* over quota: as if full */
			err = cxltier_alloc_unit_on(buf, nid, pass, pages);
			if (!err) {
				ret = 0;
				goto got;
			}
			cxltier_buf_uncharge(buf, j, n, from_resv);
			ret = err;
		}
	}
	goto out;
got:

	for (i = 0; i < n; i++) {
		pages[i]->index = first + i;
		set_page_private(pages[i], (unsigned long)buf);
		if (!buf->pinnable) {
			/* __SetPageMovable() wants the page locked */
			lock_page(pages[i]);
			__SetPageMovable(pages[i], &cxltier_mops);
		}
	}

	spin_lock(&buf->lock);
	raced = buf->pages[first];	/* another fault filled it first */
	if (!raced)
		for (i = 0; i < n; i++)
			buf->pages[first + i] = pages[i];	/* the ref moves */
	spin_unlock(&buf->lock);

	for (i = 0; i < n; i++) {
		if (!buf->pinnable) {
			if (raced)
				__ClearPageMovable(pages[i]);
			unlock_page(pages[i]);
		}
		if (raced)
			cxltier_buf_put_page(pages[i]);
	}
	home_nid = buf->policy[home].node;
	if (!raced) {
		atomic_long_add(n, &buf->nr_resident);
		cxltier_count(nid, CXLTIER_CNT_ALLOC, n);
		if (nid != home_nid) {
			atomic_long_add(n, &buf->nr_spilled);
			cxltier_count(home_nid, CXLTIER_CNT_SPILL, n);
			spilled = true;
		}
		filled = true;
	} else {
		cxltier_buf_uncharge(buf, j, n, from_resv);
	}
out:
	if (ret == -ENOSPC)
		home_nid = buf->policy[home].node;
	mutex_unlock(fill_lock);
out_sem:
	up_read(&buf->policy_sem);
	if (pages != &one)
		kfree(pages);
	/* events, with none of our locks held (netlink.c) */
	if (filled) {
		if (spilled)
			cxltier_nl_spill(buf, home_nid, nid, n);
		/* pool pages are not the buddy allocator's: no low-free */
		if (!(buf->pool && node_isset(nid, buf->pool_nodes)))
			cxltier_nl_check_low_free(nid);
	} else if (ret == -ENOSPC) {
		cxltier_nl_quota_refused(buf, home_nid, n);
	}
	return ret;
}

/*
 * fault_failures: a fault or populate that got no page for @unit (@err
 * from cxltier_buf_fill_unit()), counted on the unit's home node.  A
 * fill interrupted by a fatal signal is no failure of the node.
 */
void cxltier_buf_count_fail(struct cxltier_buf *buf, unsigned long unit,
			    int err)
{
	if (err == -EINTR)
		return;
	down_read(&buf->policy_sem);	/* MIGRATE may replace the policy */
	cxltier_count(buf->policy[cxltier_unit_home(buf, unit)].node,
		      CXLTIER_CNT_FAULT_FAIL, 1);
	up_read(&buf->policy_sem);
}

/*
 * The page backing @idx, referenced and locked, its unit filled first if
 * need be.  Returns an ERR_PTR on failure.
 */
static struct page *cxltier_buf_get_page(struct cxltier_buf *buf, pgoff_t idx)
{
	struct page *page;
	int ret;

	ret = cxltier_buf_fill_unit(buf, idx >> buf->unit_order);
	if (ret)
		return ERR_PTR(ret);
	page = cxltier_buf_lock_slot(buf, idx);
	/* a filled unit stays filled while the buffer lives */
	return page ?: ERR_PTR(-EIO);
}

static void cxltier_buf_free_pages(struct cxltier_buf *buf)
{
	unsigned long i, run = 0;
	int run_nid = NUMA_NO_NODE;

	for (i = 0; i < buf->nr_pages; i++) {
		/*
		 * No mapping is left, but compaction or memory offline may be
		 * migrating the page right now: take it the way a fault does.
		 */
		struct page *page = cxltier_buf_lock_slot(buf, i);

		if (!(i & 1023))
			cond_resched();
		if (!page)
			continue;
		spin_lock(&buf->lock);
		buf->pages[i] = NULL;
		spin_unlock(&buf->lock);
		/*
		 * Clearing "movable" under the page lock tells a migration that
		 * isolated the page that it went away (the core then just frees
		 * it), and leaves no pointer to our movable_operations behind
		 * once the module is unloaded.  A pinnable page may still be
		 * pinned: it goes back to its node when the pin is dropped.
		 */
		if (!buf->pinnable)
			__ClearPageMovable(page);
		set_page_private(page, 0);
		/* no longer movable: its node, and its charge there, are fixed */
		if (cxltier_page_nid(page) != run_nid) {
			if (run)
				cxltier_quota_uncharge(run_nid, run, false);
			run_nid = cxltier_page_nid(page);
			run = 0;
		}
		run++;
		unlock_page(page);
		put_page(page);		/* ours, from cxltier_buf_lock_slot() */
		cxltier_buf_put_page(page);	/* the slot's */
	}
	if (run)
		cxltier_quota_uncharge(run_nid, run, false);
	atomic_long_set(&buf->nr_resident, 0);
}

/* ------------------------------------------------------------------------ */
/* Migration (compaction, memory offline)                                    */

static bool cxltier_isolate_page(struct page *page, isolate_mode_t mode)
{
	/* Page locked by the core; every page of a live buffer can move. */
	return true;
}

static int cxltier_migrate_page(struct page *dst, struct page *src,
				enum migrate_mode mode)
{
	struct cxltier_buf *buf = (struct cxltier_buf *)page_private(src);
	pgoff_t idx = src->index;

	/*
	 * src and dst are locked by the core.  src is still movable (the core
	 * checked under the lock), so its buffer is alive: teardown clears
	 * "movable" under the page lock before it frees the buffer.
	 */
	if (WARN_ON_ONCE(!buf || idx >= buf->nr_pages))
		return -EINVAL;
	if (READ_ONCE(buf->pages[idx]) != src)
		return -EAGAIN;

	/*
	 * Take every user mapping of this page away.  A fault that comes
	 * after this blocks on the page lock and finds the new page.
	 */
	unmap_mapping_range(buf->inode->i_mapping, (loff_t)idx << PAGE_SHIFT,
			    PAGE_SIZE, 1);
	/* slot + isolation; anything more is a transient user: retry later */
	if (page_count(src) != 2)
		return -EAGAIN;

	copy_highpage(dst, src);
	dst->index = idx;
	set_page_private(dst, (unsigned long)buf);
	get_page(dst);			/* the slot's reference */
	__SetPageMovable(dst, &cxltier_mops);
	/*
	 * The charges follow the page: to the node it lands on, whatever that
	 * node's quota (memory offline must not fail because of us), and the
	 * memory cgroup charge, which the core moves for LRU pages only.
	 */
	cxltier_quota_move(page_to_nid(src), page_to_nid(dst), 1);
	cxltier_move_memcg_charge(dst, src);
	cxltier_count(page_to_nid(src), CXLTIER_CNT_MIGRATE_OUT, 1);
	cxltier_count(page_to_nid(dst), CXLTIER_CNT_MIGRATE_IN, 1);

	spin_lock(&buf->lock);
	WRITE_ONCE(buf->pages[idx], dst);
	spin_unlock(&buf->lock);

	__ClearPageMovable(src);
	set_page_private(src, 0);
	put_page(src);			/* the slot's old reference */
	return MIGRATEPAGE_SUCCESS;
}

/* For migrate.c: register a locked destination page as ours. */
void cxltier_buf_set_movable(struct page *page)
{
	__SetPageMovable(page, &cxltier_mops);
}

static void cxltier_putback_page(struct page *page)
{
	/* Nothing to undo: isolation changed none of our state. */
}

static const struct movable_operations cxltier_mops = {
	.isolate_page = cxltier_isolate_page,
	.migrate_page = cxltier_migrate_page,
	.putback_page = cxltier_putback_page,
};

/* ------------------------------------------------------------------------ */
/* Mappings                                                                   */

/*
 * Movable pages get special PTEs (see the top of this file); pinnable pages
 * ordinary ones, so that GUP and long-term pins work on them.
 */
static vm_fault_t cxltier_insert(struct cxltier_buf *buf,
				 struct vm_area_struct *vma, unsigned long addr,
				 struct page *page)
{
	/*
	 * Pool pages: device-map PTEs, which GUP and long-term pins accept
	 * (through the page's pgmap) and which hold no page reference.
	 */
	if (cxltier_is_pool_page(page))
		return vmf_insert_mixed(vma, addr,
					__pfn_to_pfn_t(page_to_pfn(page),
						       PFN_DEV | PFN_MAP));
	if (buf->pinnable)
		return vmf_insert_page(vma, addr, page);
	return vmf_insert_mixed(vma, addr, page_to_pfn_t(page));
}

/*
 * The page in slot @idx, locked and referenced, if it is resident and can be
 * had without waiting; else NULL.  For fault-around: a neighbour that is
 * not there, is locked (by a migration: explicit ones, compaction's and
 * memory offline's all hold it while they zap and swap the slot, and
 * pinnable pages are only frozen under it) or is isolated for one, is
 * simply left for its own fault.
 *
 * The slot is read without the lock first: NULL is final enough (a unit
 * filled meanwhile is mapped by its own fault), and an untouched buffer
 * costs no lock traffic.  A page seen there is then taken under buf->lock,
 * where the slot's reference keeps it alive: a migration or teardown that
 * replaces or clears the slot drops that reference only after the slot
 * changed under buf->lock, and must hold the page lock to change it.  So
 * once trylock_page() succeeds under buf->lock, the page stays in the slot
 * until we unlock it, and our own reference is taken only then: it never
 * shows up in a migration's refcount check or page_ref_freeze() (both run
 * under the page lock we hold), unlike the reference
 * cxltier_buf_lock_slot() takes before it sleeps on the lock.
 */
static struct page *cxltier_buf_trylock_slot(struct cxltier_buf *buf,
					     pgoff_t idx)
{
	struct page *page;

	if (!READ_ONCE(buf->pages[idx]))
		return NULL;
	spin_lock(&buf->lock);
	page = buf->pages[idx];
	if (page && trylock_page(page)) {
		if (!buf->pinnable && PageIsolated(page)) {
			/* compaction or offline is about to move it */
			unlock_page(page);
			page = NULL;
		} else {
			get_page(page);
		}
	} else {
		page = NULL;
	}
	spin_unlock(&buf->lock);
	return page;
}

/*
 * Fault-around: after a fault mapped buffer pages @done_first..@done_last
 * of @vma, map the other pages of the 2 MiB-aligned virtual window around
 * @addr (clipped to @vma and to the buffer) that are already resident.
 * Never allocates, never waits for a page, never fails the fault.
 *
 * Why this window: the page cache's fault-around (fault_around_bytes in
 * mm/memory.c) maps 64 KiB, a guess at the locality of file reads.  Buffer
 * pages are resident only because they were touched, populated
 * (CXLTIER_CREATE_POPULATE) or moved there, and a populated buffer is meant
 * to be used whole: a first touch of a populated 16 GiB buffer should not
 * take 4 million faults.  One page-table page (a PMD's worth, 512 PTEs) is
 * the natural bound: every PTE installed shares the page table the fault
 * already walked to, and the cost of one fault stays bounded by 512 slot
 * reads and inserts.  A buffer nobody populated gains nothing it did not
 * already have resident, so a touch never makes memory resident beyond its
 * unit.
 *
 * Only a fault that found its own unit resident maps around.  One that had
 * to fill its unit is a first touch, whose neighbours are most likely not
 * resident either: scanning the window's empty slots at every such fault
 * made the first touch of an unpopulated 4 KiB buffer about 1.5x slower
 * (tierctl bench fault, 256 MiB: 2238-3412 ms against 1479-1561 ms).  The
 * page cache can afford to scan at every read fault: its window is 64 KiB,
 * 16 slots, not 512.
 */
static void cxltier_buf_map_around(struct vm_fault *vmf,
				   struct cxltier_buf *buf,
				   pgoff_t done_first, pgoff_t done_last)
{
	struct vm_area_struct *vma = vmf->vma;
	unsigned long start = max(ALIGN_DOWN(vmf->address, PMD_SIZE),
				  vma->vm_start);
	unsigned long end = min(ALIGN_DOWN(vmf->address, PMD_SIZE) + PMD_SIZE,
				vma->vm_end);
	pgoff_t idx = vma->vm_pgoff + ((start - vma->vm_start) >> PAGE_SHIFT);
	pmd_t pmdval = READ_ONCE(*vmf->pmd);

	/*
	 * The window is the range of the page table the fault just filled
	 * (vmf->pmd; under mmap_lock it stays).  A PTE already there is
	 * skipped without a look at its slot: the window is often mostly
	 * mapped already (a refault after a MIGRATE zapped part of it), and
	 * an insert would take each mapped page's lock only to find its PTE.
	 * The read is lockless, a hint: a PTE zapped meanwhile is left to its
	 * own fault, and an insert re-checks under the PTE lock.  Each PTE
	 * is mapped only for its read: with HIGHPTE the mapping is atomic,
	 * and an insert may sleep.
	 */
	if (pmd_none(pmdval) || pmd_bad(pmdval) || pmd_trans_huge(pmdval))
		return;
	for (; start < end && idx < buf->nr_pages;
	     start += PAGE_SIZE, idx++) {
		struct page *page;
		pte_t *pte;
		bool mapped;
		vm_fault_t r;

		if (idx >= done_first && idx <= done_last)
			continue;	/* mapped by the fault itself */
		pte = pte_offset_map(vmf->pmd, start);
		mapped = !pte_none(ptep_get(pte));
		pte_unmap(pte);
		if (mapped)
			continue;
		page = cxltier_buf_trylock_slot(buf, idx);
		if (!page)
			continue;
		/* an existing PTE gives VM_FAULT_NOPAGE: nothing to do */
		r = cxltier_insert(buf, vma, start, page);
		unlock_page(page);
		put_page(page);
		if (r & VM_FAULT_OOM)
			break;	/* no page table: the neighbours can wait */
	}
}

static vm_fault_t cxltier_buf_fault(struct vm_fault *vmf)
{
	struct vm_area_struct *vma = vmf->vma;
	struct cxltier_buf *buf = vma->vm_private_data;
	unsigned long unit, first, last, i;
	vm_fault_t ret = VM_FAULT_SIGBUS;
	bool resident;
	int err;

	if (vmf->pgoff >= buf->nr_pages)
		return VM_FAULT_SIGBUS;

	unit = vmf->pgoff >> buf->unit_order;
	/* a hint for fault-around, read before the fill; a race only skips it */
	resident = READ_ONCE(buf->pages[unit << buf->unit_order]);
	err = cxltier_buf_fill_unit(buf, unit);
	if (err) {
		pr_debug_ratelimited("buffer %llu: no unit %lu: %d\n",
				     buf->id, unit, err);
		cxltier_buf_count_fail(buf, unit, err);
		/* Never VM_FAULT_OOM: that would run the OOM killer. */
		return VM_FAULT_SIGBUS;
	}

	/* Map the whole unit, as far as this mapping covers it. */
	first = max(unit << buf->unit_order, vma->vm_pgoff);
	last = min(((unit + 1) << buf->unit_order),
		   vma->vm_pgoff + vma_pages(vma)) - 1;
	for (i = first; i <= last; i++) {
		unsigned long addr = vma->vm_start +
				     ((i - vma->vm_pgoff) << PAGE_SHIFT);
		struct page *page = cxltier_buf_lock_slot(buf, i);
		vm_fault_t r;

		if (!page)
			return VM_FAULT_SIGBUS;
		/*
		 * The page lock we hold keeps migration from zapping before
		 * the PTE is in; teardown runs only once no mapping is left.
		 */
		r = cxltier_insert(buf, vma, addr, page);
		unlock_page(page);
		put_page(page);
		if (i == vmf->pgoff)
			ret = r;
		else if (r & VM_FAULT_ERROR)
			break;	/* the faulting page is what matters */
	}
	if (resident && !(ret & VM_FAULT_ERROR))
		cxltier_buf_map_around(vmf, buf, first, last);
	return ret;
}

/*
 * ptrace and /proc/PID/mem: GUP cannot reach VM_IO mappings, so the core
 * asks us.  Copies within one page per call; the caller loops.
 */
static int cxltier_buf_access(struct vm_area_struct *vma, unsigned long addr,
			      void *ubuf, int len, int write)
{
	struct cxltier_buf *buf = vma->vm_private_data;
	unsigned long off = addr - vma->vm_start;
	pgoff_t idx = vma->vm_pgoff + (off >> PAGE_SHIFT);
	unsigned int in_page = offset_in_page(addr);
	struct page *page;
	void *kaddr;

	if (len <= 0 || idx >= buf->nr_pages)
		return -EINVAL;
	len = min_t(int, len, PAGE_SIZE - in_page);
	page = cxltier_buf_get_page(buf, idx);
	if (IS_ERR(page))
		return PTR_ERR(page);
	kaddr = kmap_local_page(page);
	if (write)
		memcpy(kaddr + in_page, ubuf, len);
	else
		memcpy(ubuf, kaddr + in_page, len);
	kunmap_local(kaddr);
	unlock_page(page);
	put_page(page);
	return len;
}

static const struct vm_operations_struct cxltier_buf_vm_ops = {
	.fault = cxltier_buf_fault,
	.access = cxltier_buf_access,
};

static int cxltier_buf_mmap(struct file *file, struct vm_area_struct *vma)
{
	struct cxltier_buf *buf = file->private_data;

	/* Private COW copies of buffer pages would escape the policy. */
	if (!(vma->vm_flags & VM_MAYSHARE))
		return -EINVAL;

	/* VM_IO keeps GUP off movable pages; pinnable ones are for pinning */
	cxltier_vm_flags_set(vma, VM_MIXEDMAP | VM_DONTEXPAND |
			     (buf->pinnable ? 0 : VM_IO));
	vma->vm_ops = &cxltier_buf_vm_ops;
	vma->vm_private_data = buf;
	return 0;
}

/* ------------------------------------------------------------------------ */
/* Buffer files                                                               */

static void cxltier_buf_free(struct cxltier_buf *buf)
{
	u32 j;

	/* no new netlink reference to the file from here */
	cxltier_nl_unregister_buf(buf);

	if (buf->pages) {
		cxltier_buf_free_pages(buf);
		kvfree(buf->pages);
	}
	cxltier_migrate_buf_free(buf);
	/* what the buffer reserved and never used */
	if (buf->resv) {
		for (j = 0; j < buf->nr_policy_nodes; j++)
			if (buf->resv[j])
				cxltier_quota_uncharge(buf->policy[j].node,
						       buf->resv[j], true);
		kfree(buf->resv);
	}
	mem_cgroup_put(buf->memcg);
	put_pid(buf->owner_pid);
	kfree(buf->split_end);
	kfree(buf->policy);
	kfree(buf);
}

/* Last reference to the file: no fd and no mapping is left. */
static int cxltier_buf_release(struct inode *inode, struct file *file)
{
	cxltier_buf_free(file->private_data);
	return 0;
}

/*
 * What CXLTIER_IOC_BUF_STAT and the netlink BUF_GET report, taken once for
 * both (one function, so the two can never disagree): @s->st gets every
 * out field but the two capacities, @s->per_node the pages on each node
 * (nr_node_ids entries), @s->pol a copy of the policy (@s->st.nr_policy_
 * nodes entries) and @s->nr_res the number of nodes holding pages.
 * Sleeps; free with cxltier_buf_snapshot_free().
 */
int cxltier_buf_snapshot(struct cxltier_buf *buf, struct cxltier_buf_snap *s)
{
	unsigned long i;
	int nid;

	memset(s, 0, sizeof(*s));
	s->per_node = kcalloc(nr_node_ids, sizeof(*s->per_node), GFP_KERNEL);
	s->pol = kmalloc_array(CXLTIER_MAX_POLICY_NODES, sizeof(*s->pol),
			       GFP_KERNEL);
	if (!s->per_node || !s->pol) {
		cxltier_buf_snapshot_free(s);
		return -ENOMEM;
	}

	/* A snapshot: pages may migrate while we count. */
	for (i = 0; i < buf->nr_pages; i++) {
		unsigned long end = min(buf->nr_pages, i + 1024);

		/* the lock keeps each slot's page alive while we look at it */
		spin_lock(&buf->lock);
		for (; i < end; i++)
			if (buf->pages[i])
				s->per_node[cxltier_page_nid(buf->pages[i])]++;
		spin_unlock(&buf->lock);
		i--;
		cond_resched();
	}
	for (nid = 0; nid < nr_node_ids; nid++) {
		if (!s->per_node[nid])
			continue;
		s->st.resident_bytes += (u64)s->per_node[nid] << PAGE_SHIFT;
		s->nr_res++;
	}

	/* MIGRATE may replace the policy: copy it under policy_sem */
	down_read(&buf->policy_sem);
	memcpy(s->pol, buf->policy, buf->nr_policy_nodes * sizeof(*s->pol));
	s->st.id = buf->id;
	s->st.length = buf->length;
	s->st.mode = buf->mode;
	s->st.page_shift = buf->page_shift;
	s->st.create_flags = buf->create_flags;
	s->st.nr_policy_nodes = buf->nr_policy_nodes;
	s->st.nr_resident = s->nr_res;
	s->st.spilled_bytes =
		(u64)atomic_long_read(&buf->nr_spilled) << PAGE_SHIFT;
	s->st.chunk_shift = buf->chunk_shift;
	up_read(&buf->policy_sem);
	cxltier_migrate_stat(buf, &s->st);
	return 0;
}

void cxltier_buf_snapshot_free(struct cxltier_buf_snap *s)
{
	kfree(s->pol);
	kfree(s->per_node);
	s->pol = NULL;
	s->per_node = NULL;
}

static int cxltier_buf_stat(struct cxltier_ucmd *ucmd)
{
	struct cxltier_buf *buf = ucmd->file->private_data;
	struct cxltier_buf_stat *st = ucmd->cmd;
	struct cxltier_node_weight __user *upol =
		u64_to_user_ptr(st->policy_nodes);
	struct cxltier_node_bytes __user *ures = u64_to_user_ptr(st->resident);
	u32 pol_cap = st->nr_policy_nodes, res_cap = st->nr_resident;
	u32 nr_res = 0, pol_n;
	struct cxltier_buf_snap s;
	int nid, ret = 0;

	if (st->flags || st->__reserved || st->__reserved2)
		return -EINVAL;

	ret = cxltier_buf_snapshot(buf, &s);
	if (ret)
		return ret;

	for (nid = 0; nid < nr_node_ids; nid++) {
		struct cxltier_node_bytes nb = {};

		if (!s.per_node[nid])
			continue;
		nb.node = nid;
		nb.bytes = (u64)s.per_node[nid] << PAGE_SHIFT;
		if (nr_res < res_cap &&
		    copy_to_user(&ures[nr_res], &nb, sizeof(nb))) {
			ret = -EFAULT;
			goto out;
		}
		nr_res++;
	}

	/*
	 * The policy goes out from the snapshot's copy, not under
	 * policy_sem: the user's array may be a mapping of this very buffer,
	 * whose fault takes policy_sem again, which a waiting MIGRATE would
	 * turn into a deadlock.
	 */
	pol_n = s.st.nr_policy_nodes;
	if (pol_cap &&
	    copy_to_user(upol, s.pol, min(pol_cap, pol_n) * sizeof(*s.pol))) {
		ret = -EFAULT;
		goto out;
	}
	/* the out fields; the pointers the user gave stay as they were */
	s.st.size = st->size;
	s.st.policy_nodes = st->policy_nodes;
	s.st.resident = st->resident;
	*st = s.st;
	ret = cxltier_ucmd_respond(ucmd, sizeof(*st));
	if (!ret && ((nr_res > res_cap && (res_cap || ures)) ||
		     (pol_n > pol_cap && (pol_cap || upol))))
		ret = -EMSGSIZE;
out:
	cxltier_buf_snapshot_free(&s);
	return ret;
}

const struct cxltier_ioctl_op cxltier_buf_ioctl_ops[CXLTIER_NR_CMDS] = {
	CXLTIER_IOCTL_OP(CXLTIER_CMD_BUF_STAT, cxltier_buf_stat,
			 struct cxltier_buf_stat, resident_bytes),
	CXLTIER_IOCTL_OP(CXLTIER_CMD_MIGRATE, cxltier_migrate,
			 struct cxltier_migrate, rate_bytes),
};

static long cxltier_buf_ioctl(struct file *file, unsigned int cmd,
			      unsigned long arg)
{
	return cxltier_ioctl_dispatch(file, cmd, arg, cxltier_buf_ioctl_ops);
}

static const struct file_operations cxltier_buf_fops = {
	.owner = THIS_MODULE,
	.release = cxltier_buf_release,
	.mmap = cxltier_buf_mmap,
	.poll = cxltier_migrate_poll,
	.unlocked_ioctl = cxltier_buf_ioctl,
	.compat_ioctl = compat_ptr_ioctl,
	.llseek = noop_llseek,
};

/* ------------------------------------------------------------------------ */
/* CXLTIER_IOC_CREATE                                                         */

static int cxltier_dname_len(char *buffer, int buflen, const char *s)
{
	int len = strlen(s) + 1;

	if (len > buflen)
		return -ENAMETOOLONG;
	memcpy(buffer + buflen - len, s, len);
	return buflen - len;
}

static char *cxltier_fs_dname(struct dentry *dentry, char *buffer, int buflen)
{
	char name[40];
	int off;

	snprintf(name, sizeof(name), "cxltier:[%lu]",
		 d_inode(dentry)->i_ino);
	off = cxltier_dname_len(buffer, buflen, name);
	return off < 0 ? ERR_PTR(off) : buffer + off;
}

static const struct dentry_operations cxltier_fs_dops = {
	.d_dname = cxltier_fs_dname,
};

static int cxltier_fs_init_fs_context(struct fs_context *fc)
{
	struct pseudo_fs_context *ctx = init_pseudo(fc, CXLTIER_FS_MAGIC);

	if (!ctx)
		return -ENOMEM;
	ctx->dops = &cxltier_fs_dops;
	return 0;
}

static struct file_system_type cxltier_fs_type = {
	.name = "cxltierfs",
	.init_fs_context = cxltier_fs_init_fs_context,
	.kill_sb = kill_anon_super,
};

int cxltier_fs_init(void)
{
	int i;

	for (i = 0; i < ARRAY_SIZE(cxltier_fill_locks); i++)
		mutex_init(&cxltier_fill_locks[i]);
	cxltier_mnt = kern_mount(&cxltier_fs_type);
	return PTR_ERR_OR_ZERO(cxltier_mnt);
}

void cxltier_fs_exit(void)
{
	kern_unmount(cxltier_mnt);
}

/*
 * CXLTIER_CREATE_RESERVE: reserve the buffer's pages against the quotas of
 * the nodes its policy will use (uapi/linux/cxltier.h says how, per mode).
 * On -ENOSPC buf->resv holds what was reserved, which cxltier_buf_free()
 * gives back.
 */
static int cxltier_buf_reserve(struct cxltier_buf *buf, int *refused_nid,
			       unsigned long *refused_pages)
{
	u32 n = buf->nr_policy_nodes, j;
	unsigned long unit_pages = 1UL << buf->unit_order, left, cap;

	buf->resv = kcalloc(n, sizeof(*buf->resv),
			    GFP_KERNEL_ACCOUNT | __GFP_RETRY_MAYFAIL);
	if (!buf->resv)
		return -ENOMEM;

	if (buf->mode == CXLTIER_MODE_PREFERRED) {
		/* in list order, never more than a node could ever hold */
		left = buf->nr_pages;
		for (j = 0; j < n && left; j++) {
			cap = min_t(u64, left, cxltier_node_capacity_pages(
				buf->policy[j].node, buf->pinnable));
			buf->resv[j] = cxltier_quota_reserve_upto(
				buf->policy[j].node, cap, unit_pages);
			left -= buf->resv[j];
			/* the first node whose quota cut the reservation */
			if (buf->resv[j] < cap && *refused_nid == NUMA_NO_NODE)
				*refused_nid = buf->policy[j].node;
		}
		*refused_pages = left;	/* no quota in the way: no event */
		return left ? -ENOSPC : 0;
	}

	cxltier_policy_home_units(buf, buf->resv);
	for (j = 0; j < n; j++) {
		buf->resv[j] <<= buf->unit_order;
		if (buf->resv[j] &&
		    cxltier_quota_charge(buf->policy[j].node, buf->resv[j],
					 true)) {
			*refused_nid = buf->policy[j].node;
			*refused_pages = buf->resv[j];
			/* keep only what was reserved, for the caller to free */
			memset(&buf->resv[j], 0, (n - j) * sizeof(*buf->resv));
			return -ENOSPC;
		}
	}
	return 0;
}

static struct file *cxltier_buf_file(struct cxltier_buf *buf)
{
	struct inode *inode;
	struct file *file;

	/* __fput() drops a module reference that alloc_file does not take */
	if (!try_module_get(THIS_MODULE))
		return ERR_PTR(-ENOENT);
	inode = alloc_anon_inode(cxltier_mnt->mnt_sb);
	if (IS_ERR(inode)) {
		module_put(THIS_MODULE);
		return ERR_CAST(inode);
	}
	inode->i_size = (loff_t)buf->nr_pages << PAGE_SHIFT;
	inode->i_flags |= S_NOCMTIME;
	inode->i_private = buf;

	file = alloc_file_pseudo(inode, cxltier_mnt, "cxltier",
				 O_RDWR, &cxltier_buf_fops);
	if (IS_ERR(file)) {
		iput(inode);
		module_put(THIS_MODULE);
		return file;
	}
	file->private_data = buf;
	buf->inode = inode;
	return file;
}

int cxltier_create(struct cxltier_ucmd *ucmd)
{
	struct cxltier_create *c = ucmd->cmd;
	struct cxltier_node_weight *dflt = NULL;
	u32 dflt_mode = 0, dflt_nr = 0;
	struct cxltier_buf *buf;
	struct file *file;
	u32 page_shift = c->page_shift ?: cxltier_default_page_shift();
	int refused_nid = NUMA_NO_NODE;
	unsigned long refused_pages = 0;
	int fd, ret;

	/* out_fd and out_id are outputs: whatever they hold is ignored */
	if ((c->flags & ~CXLTIER_CREATE_FLAGS) || c->__reserved2)
		return -EINVAL;
	if (!c->length)
		return -EINVAL;
	/* the default policy, or one given here: not both */
	if ((c->flags & CXLTIER_CREATE_DEFAULT_POLICY) &&
	    (c->mode || c->nr_nodes || c->nodes || c->chunk_shift))
		return -EINVAL;
	if (page_shift != PAGE_SHIFT && page_shift != CXLTIER_HUGE_SHIFT)
		return -EINVAL;

	/*
	 * The buffer's metadata is charged to the creator's memory cgroup
	 * too; at its limit the create fails with -ENOMEM (RETRY_MAYFAIL:
	 * no OOM kill).
	 */
	buf = kzalloc(sizeof(*buf), GFP_KERNEL_ACCOUNT | __GFP_RETRY_MAYFAIL);
	if (!buf)
		return -ENOMEM;
	spin_lock_init(&buf->lock);
	init_rwsem(&buf->policy_sem);
	atomic_long_set(&buf->nr_resident, 0);
	atomic_long_set(&buf->nr_spilled, 0);

	buf->length = c->length;
	buf->page_shift = page_shift;
	buf->unit_order = page_shift - PAGE_SHIFT;
	/* round up without overflowing near 2^64 */
	buf->nr_units = (c->length >> page_shift) +
			!!(c->length & ((1ULL << page_shift) - 1));
	buf->nr_pages = buf->nr_units << buf->unit_order;
	buf->create_flags = c->flags;
	buf->pinnable = c->flags & CXLTIER_CREATE_PINNABLE;
	buf->gfp = (buf->pinnable ? GFP_HIGHUSER : GFP_HIGHUSER_MOVABLE) |
		   __GFP_THISNODE | __GFP_ZERO | __GFP_NOWARN | __GFP_ACCOUNT;
	/* the memory cgroup every page is charged to (NULL: memcg is off) */
	buf->memcg = get_mem_cgroup_from_mm(current->mm);
	/* the owner netlink reports, and whose buffers a user may list */
	buf->owner_pid = get_task_pid(current, PIDTYPE_TGID);
	buf->owner_uid = current_euid();

	if (c->flags & CXLTIER_CREATE_DEFAULT_POLICY) {
		/* a copy, taken now: a later change does not move the buffer */
		ret = cxltier_default_policy_get(&dflt_mode, &dflt, &dflt_nr);
		if (ret)	/* -ENOENT: none set */
			goto err_free;
		/* the create-time checks (-ENODEV, -EFBIG); frees dflt */
		ret = cxltier_policy_load_nodes(dflt_mode, dflt, dflt_nr, 0,
						buf);
	} else {
		ret = cxltier_policy_load(c, buf);	/* -EFBIG: too large */
	}
	if (ret)
		goto err_free;
	ret = cxltier_migrate_buf_init(buf);
	if (ret)
		goto err_free;

	if (c->flags & (CXLTIER_CREATE_RESERVE | CXLTIER_CREATE_POPULATE)) {
		ret = cxltier_buf_reserve(buf, &refused_nid,
					  &refused_pages);	/* -ENOSPC */
		if (ret)
			goto err_free;
	}

	buf->pages = kvcalloc(buf->nr_pages, sizeof(*buf->pages),
			      GFP_KERNEL_ACCOUNT | __GFP_NOWARN |
			      __GFP_RETRY_MAYFAIL);
	if (!buf->pages) {
		ret = -ENOMEM;
		goto err_free;
	}
	buf->id = atomic64_inc_return(&cxltier_next_id);

	/*
	 * The file (and its inode) before any page: a populated page is
	 * movable at once, and migrating it zaps through buf->inode.
	 */
	file = cxltier_buf_file(buf);
	if (IS_ERR(file)) {
		ret = PTR_ERR(file);
		goto err_free;
	}
	/* From here the file owns the buffer: fput() frees it. */

	if (c->flags & CXLTIER_CREATE_POPULATE) {
		ret = cxltier_populate(buf);
		if (ret)
			goto err_file;
	}

	/* listed (netlink BUF_GET) from here until its release */
	ret = cxltier_nl_register_buf(buf, file);
	if (ret)
		goto err_file;
	fd = get_unused_fd_flags(O_CLOEXEC);
	if (fd < 0) {
		ret = fd;
		goto err_file;
	}
	c->out_fd = fd;
	c->out_id = buf->id;
	ret = cxltier_ucmd_respond(ucmd, sizeof(*c));
	if (ret) {
		put_unused_fd(fd);
		goto err_file;
	}
	fd_install(fd, file);
	return 0;

err_file:
	fput(file);
	return ret;
err_free:
	cxltier_buf_free(buf);
	if (ret == -ENOSPC && refused_nid != NUMA_NO_NODE)
		cxltier_nl_quota_refused(NULL, refused_nid, refused_pages);
	return ret;
}
