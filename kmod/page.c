// SPDX-License-Identifier: GPL-2.0
/*
 * cxltier: the page-slot store, the bottom layer of a buffer.
 *
 * A buffer is made of units of 2^unit_order pages, always filled whole.
 * Page slots: slot i (cxltier_slot(buf, i)) holds the page backing offset
 * i, or NULL before its unit is first touched; how they are stored is
 * below ("Slots").  A slot owns one reference on its page.  Slots change
 * only under buf->lock and, once filled, only by migration, which also
 * holds the page lock of both the old and the new page.  Readers that
 * need a stable page take a reference under buf->lock, then the page lock,
 * then check that the slot still holds that page
 * (cxltier_page_lock_slot()).
 *
 * Pages are allocated on first touch, zeroed, on the policy's node only
 * (__GFP_THISNODE; no OOM killer, no silent fallback: SIGBUS instead), and
 * charged to the node's quota (or the buffer's reservation) and to the
 * creator's memory cgroup.  They are registered as non-LRU movable pages
 * (struct movable_operations, at the end of this file), so compaction and
 * memory offline can move them with their contents, which is what lets
 * them live in ZONE_MOVABLE, where dax kmem puts CXL memory.
 *
 * Rules this layer and its clients (map.c, migrate.c) follow, learnt on
 * 6.1 (doc/kernel-rules.md has the background):
 *  - the core never unmaps non-LRU movable pages: migrate_page zaps the user
 *    PTEs itself, under the page lock, which a fault must take before it
 *    maps the page, so no PTE can point at the old page afterwards;
 *  - copy only when the refcount is exactly the slot's reference plus the
 *    isolation reference, else -EAGAIN;
 *  - page->mapping belongs to the core (it holds the movable_operations);
 *    our data lives in page->index (offset) and page->private (buffer);
 *  - user PTEs are special (pfn) entries in a VM_MIXEDMAP|VM_IO mapping
 *    (map.c), so no code outside the module ever gets a struct page from
 *    our page tables.  With ordinary PTEs, fast GUP (vmsplice, futexes)
 *    takes references and then reads page->mapping, which for a movable
 *    page is our movable_operations, not an address_space: a shared futex
 *    on a buffer oopses in get_futex_key().  Special PTEs make every GUP
 *    fail at once with -EFAULT, which also turns 6.1's endless
 *    FOLL_LONGTERM retry on non-LRU ZONE_MOVABLE pages into a prompt
 *    error.  The price: these pages are invisible to move_pages(2),
 *    /proc/PID/numa_maps and smaps; CXLTIER_IOC_BUF_STAT and
 *    /proc/PID/pagemap report where they are.
 *
 * Callers: map.c (faults), populate.c, migrate.c (explicit moves) and
 * buf.c (teardown).  This file calls only the services below it (policy,
 * quota, stats, pool) and, for events, netlink.c.
 */
#include "internal.h"

#include <linux/hash.h>
#include <linux/highmem.h>
#include <linux/memcontrol.h>
#include <linux/migrate.h>
#include <linux/mm.h>
#include <linux/nodemask.h>
#include <linux/pagemap.h>
#include <linux/sched/mm.h>
#include <linux/slab.h>

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

static const struct movable_operations cxltier_mops;

/* ------------------------------------------------------------------------ */
/* Slots                                                                      */

/*
 * How slots are stored, in buf->slots: for a 4 KiB-page buffer one word
 * per page, its struct page *.  For a 2 MiB-page buffer one word per unit,
 * so that the bookkeeping scales with units (8 bytes per 2 MiB, 4 KiB per
 * GiB, where a pointer per page would take 2 MiB per GiB):
 *  - 0: the unit is empty;
 *  - its first page: the 512 pages are one aligned run, page i of the
 *    unit is nth_page(first, i) (what a fill from one 2 MiB allocation,
 *    or a pool's run, gives);
 *  - a table of its 512 page pointers, tagged with CXLTIER_SLOT_TABLE:
 *    a unit filled from loose pages (CREATE_HUGE_FALLBACK), or whose
 *    pages were moved one at a time (compaction, offline, MIGRATE).  A
 *    unit whose page changes turns into a table (cxltier_slot_set(), with
 *    a table the caller allocated beforehand, cxltier_slot_spare()) and
 *    stays one until the buffer is freed, even when MIGRATE puts its
 *    pages back into one run: lockless readers may hold a table's address
 *    (cxltier_slot()), and freeing it under them would need RCU on every
 *    read.  So a unit costs 4 KiB more once it has been split.
 * The word is published with release semantics after the table is
 * filled; readers load it with READ_ONCE() and follow the address.
 */
#define CXLTIER_SLOT_TABLE	1UL

static inline unsigned long cxltier_slot_mask(const struct cxltier_buf *buf)
{
	return (1UL << buf->unit_order) - 1;
}

/* The word that holds slot @idx. */
static inline unsigned long *cxltier_slot_word(struct cxltier_buf *buf,
					       pgoff_t idx)
{
	return &buf->slots[idx >> buf->unit_order];
}

/*
 * The page in slot @idx, or NULL.  Under buf->lock this is the slot's
 * page; without it, what a READ_ONCE() of a page array would give: a
 * value the slot held, to be checked again under the locks.
 */
struct page *cxltier_slot(struct cxltier_buf *buf, pgoff_t idx)
{
	unsigned long w = READ_ONCE(*cxltier_slot_word(buf, idx));

	if (!buf->unit_order || !w)
		return (struct page *)w;
	if (w & CXLTIER_SLOT_TABLE)
		return READ_ONCE(((struct page **)(w & ~CXLTIER_SLOT_TABLE))
				 [idx & cxltier_slot_mask(buf)]);
	return nth_page((struct page *)w, idx & cxltier_slot_mask(buf));
}

/* Whether @pages (2^@order of them) are one run aligned to its size. */
bool cxltier_pages_are_run(struct page **pages, unsigned int order)
{
	unsigned long pfn0 = page_to_pfn(pages[0]), i;

	if (!IS_ALIGNED(pfn0, 1UL << order))
		return false;
	for (i = 1; i < (1UL << order); i++)
		if (page_to_pfn(pages[i]) != pfn0 + i)
			return false;
	return true;
}

/*
 * Before cxltier_slot_set() of slot @idx: a table for its unit in *@spare
 * when the unit may need one (it is a run now), else NULL.  0 or -ENOMEM.
 * The caller kfree()s what cxltier_slot_set() did not use.
 */
int cxltier_slot_spare(struct cxltier_buf *buf, pgoff_t idx, gfp_t gfp,
		       struct page ***spare)
{
	unsigned long w = READ_ONCE(*cxltier_slot_word(buf, idx));

	struct mem_cgroup *old_memcg;

	*spare = NULL;
	if (!buf->unit_order || (w & CXLTIER_SLOT_TABLE))
		return 0;	/* tables never turn back into runs */
	/* charged to the creator's memory cgroup, whoever moves the page */
	old_memcg = set_active_memcg(buf->memcg);
	*spare = kmalloc_array(1U << buf->unit_order, sizeof(**spare),
			       gfp | __GFP_ACCOUNT);
	set_active_memcg(old_memcg);
	return *spare ? 0 : -ENOMEM;
}

/*
 * Slot @idx of a filled unit now holds @page.  A unit that was a run
 * becomes a table: the one cxltier_slot_spare() left in *@spare, which is
 * then set to NULL.  Under buf->lock.
 */
void cxltier_slot_set(struct cxltier_buf *buf, pgoff_t idx, struct page *page,
		      struct page ***spare)
{
	unsigned long *w = cxltier_slot_word(buf, idx), i, n;
	struct page **t, *first;

	lockdep_assert_held(&buf->lock);
	if (!buf->unit_order) {
		WRITE_ONCE(*w, (unsigned long)page);
		return;
	}
	i = idx & cxltier_slot_mask(buf);
	if (*w & CXLTIER_SLOT_TABLE) {
		t = (struct page **)(*w & ~CXLTIER_SLOT_TABLE);
		WRITE_ONCE(t[i], page);
		return;
	}
	first = (struct page *)*w;
	if (page == nth_page(first, i))
		return;
	/*
	 * A run, so it was one when cxltier_slot_spare() looked (nothing
	 * turns a table back into a run: cxltier_slot_set_unit() keeps a
	 * table a table), and *spare holds a table.
	 */
	t = *spare;
	if (WARN_ON_ONCE(!t || !first))
		return;
	*spare = NULL;
	n = 1UL << buf->unit_order;
	for (i = 0; i < n; i++)
		t[i] = nth_page(first, i);
	t[idx & cxltier_slot_mask(buf)] = page;
	smp_store_release(w, (unsigned long)t | CXLTIER_SLOT_TABLE);
}

/*
 * Every slot of the unit whose first slot is @first now holds the page of
 * @pages with its index, which are one aligned run (a whole unit moved as
 * one block, migrate.c).  A run stays a run; a table keeps its address
 * and takes the new pages.  Under buf->lock.
 */
void cxltier_slot_set_unit(struct cxltier_buf *buf, pgoff_t first,
			   struct page **pages)
{
	unsigned long *w = cxltier_slot_word(buf, first), i;
	struct page **t;

	lockdep_assert_held(&buf->lock);
	if (!(*w & CXLTIER_SLOT_TABLE)) {
		smp_store_release(w, (unsigned long)pages[0]);
		return;
	}
	t = (struct page **)(*w & ~CXLTIER_SLOT_TABLE);
	for (i = 0; i < (1UL << buf->unit_order); i++)
		WRITE_ONCE(t[i], pages[i]);
}

/*
 * Fill the empty unit whose first slot is @first with @pages (the unit's
 * 2^unit_order pages; references move to the slots).  Returns whether the
 * array @pages itself became the unit's table (the caller must not free
 * it then).  Under buf->lock.
 */
static bool cxltier_slot_fill(struct cxltier_buf *buf, pgoff_t first,
			      struct page **pages)
{
	unsigned long *w = cxltier_slot_word(buf, first);

	lockdep_assert_held(&buf->lock);
	if (!buf->unit_order || cxltier_pages_are_run(pages, buf->unit_order)) {
		smp_store_release(w, (unsigned long)pages[0]);
		return false;
	}
	smp_store_release(w, (unsigned long)pages | CXLTIER_SLOT_TABLE);
	return true;
}

/* buf->slots for a new buffer: 0, or -ENOMEM. */
int cxltier_page_slots_alloc(struct cxltier_buf *buf)
{
	/* a unit is a page for 4 KiB-page buffers */
	buf->slots = kvcalloc(buf->nr_units, sizeof(*buf->slots),
			      GFP_KERNEL_ACCOUNT | __GFP_NOWARN |
			      __GFP_RETRY_MAYFAIL);
	return buf->slots ? 0 : -ENOMEM;
}

/* buf->slots and the units' tables, once every page is gone. */
void cxltier_page_slots_free(struct cxltier_buf *buf)
{
	unsigned long u;

	if (!buf->slots)
		return;
	for (u = 0; buf->unit_order && u < buf->nr_units; u++)
		if (buf->slots[u] & CXLTIER_SLOT_TABLE)
			kfree((void *)(buf->slots[u] & ~CXLTIER_SLOT_TABLE));
	kvfree(buf->slots);
	buf->slots = NULL;
}

/*
 * The page in slot @idx, referenced and locked, or NULL for an empty slot.
 * Taking the reference under buf->lock keeps the page from being freed by a
 * migration that replaces it; the check after lock_page() catches one that
 * replaced it while we waited for the lock.
 */
struct page *cxltier_page_lock_slot(struct cxltier_buf *buf, pgoff_t idx)
{
	struct page *page;
	bool frozen;

	for (;;) {
		spin_lock(&buf->lock);
		page = cxltier_slot(buf, idx);
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
		if (likely(cxltier_slot(buf, idx) == page))
			return page;
		unlock_page(page);
		put_page(page);
	}
}

/* Drop a slot's reference: a pool page goes back to its pool. */
static void cxltier_page_put(struct page *page)
{
	if (cxltier_is_pool_page(page))
		cxltier_pool_put_page(page);
	else
		put_page(page);
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
 * cxltier_page_lock_slot() takes before it sleeps on the lock.
 */
struct page *cxltier_page_trylock_slot(struct cxltier_buf *buf, pgoff_t idx)
{
	struct page *page;

	if (!cxltier_slot(buf, idx))
		return NULL;
	spin_lock(&buf->lock);
	page = cxltier_slot(buf, idx);
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

/* ------------------------------------------------------------------------ */
/* RSS: what the kernel and its tools count for the creator                  */

/*
 * A buffer's movable pages are mapped by special PTEs (and devmap PMDs),
 * which the kernel's own RSS counting never sees: insert_pfn() counts
 * nothing, zap_pte_range() finds no page through vm_normal_page() and so
 * decrements nothing, copy_present_pte() at fork likewise, and
 * zap_huge_pmd() skips the counter for vma_is_special_huge() mappings.
 * A driver has no hook at a zap (munmap of part of a VMA, MADV_DONTNEED,
 * fork's copies), so counting per mapping process could not be kept exact,
 * and a counter left non-zero when an mm is freed is check_mm()'s "Bad
 * rss-counter state".
 *
 * What can be exact: the creator's mm counts, as RssShmem, every page of
 * its buffers that the page allocator gave (pool pages are device memory
 * outside it, and not charged to the memory cgroup either), from the fill
 * of its unit until the buffer is freed, mapped or not, whoever touched
 * it: the memory cgroup's rule.  So VmRSS, ps, top and the OOM killer's
 * badness (get_mm_rss()) see the memory with the process that holds it.
 * The buffer holds the mm with mmgrab() (the struct, not the address
 * space), so the charge is taken back before the mm is freed even when
 * the creator exits first and another process keeps the buffer.
 * Pinnable buffers' pages have ordinary PTEs, which the kernel counts
 * (RssFile) in every process that maps them: not counted again here.
 */
void cxltier_page_rss_init(struct cxltier_buf *buf)
{
	atomic_long_set(&buf->nr_rss, 0);
	if (buf->pinnable || !current->mm)
		return;
	mmgrab(current->mm);
	buf->rss_mm = current->mm;
}

static void cxltier_page_rss_add(struct cxltier_buf *buf, long n)
{
	if (!buf->rss_mm)
		return;
	atomic_long_add(n, &buf->nr_rss);
	cxltier_add_mm_counter(buf->rss_mm, MM_SHMEMPAGES, n);
}

/* At free, after the pages: the whole charge back, then the mm may go. */
void cxltier_page_rss_release(struct cxltier_buf *buf)
{
	if (!buf->rss_mm)
		return;
	cxltier_page_rss_add(buf, -atomic_long_read(&buf->nr_rss));
	mmdrop(buf->rss_mm);
	buf->rss_mm = NULL;
}

/* ------------------------------------------------------------------------ */
/* Filling a unit: allocation and charging                                    */

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
				cxltier_page_put(pages[i]);
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
static int cxltier_page_charge(struct cxltier_buf *buf, u32 j, unsigned long n,
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

static void cxltier_page_uncharge(struct cxltier_buf *buf, u32 j,
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
static int cxltier_page_fill(struct cxltier_buf *buf, unsigned long unit,
			     bool ahead)
{
	unsigned int n = 1U << buf->unit_order, i;
	unsigned long first = unit << buf->unit_order;
	u32 home = cxltier_unit_home(buf, unit), k, tries;
	bool fallback = buf->mode == CXLTIER_MODE_PREFERRED ||
			(buf->create_flags & CXLTIER_CREATE_FALLBACK);
	int pass;
	struct page *one, **pages = &one, **table = NULL;
	bool raced, pool_pages, from_resv = false;
	int nid = NUMA_NO_NODE, ret = -ENOSPC, err;
	struct mutex *fill_lock;
	bool filled = false, spilled = false;
	int home_nid = NUMA_NO_NODE;
	u32 j = home;

	if (cxltier_slot(buf, first))
		return 0;
	if (n > 1) {
		/* may become the unit's table: the creator's cgroup pays */
		struct mem_cgroup *old_memcg = set_active_memcg(buf->memcg);

		pages = kmalloc_array(n, sizeof(*pages), GFP_KERNEL_ACCOUNT);
		set_active_memcg(old_memcg);
		if (!pages)
			return -ENOMEM;
	}
	if (ahead) {
		/* never waits: a busy unit ends the fault-ahead */
		if (!down_read_trylock(&buf->policy_sem)) {
			ret = -EBUSY;
			goto out_free;
		}
		fill_lock = cxltier_fill_lock(buf, unit);
		if (!mutex_trylock(fill_lock)) {
			ret = -EBUSY;
			goto out_sem;
		}
	} else {
		/* MIGRATE may replace the policy */
		down_read(&buf->policy_sem);
		fill_lock = cxltier_fill_lock(buf, unit);
		if (mutex_lock_killable(fill_lock)) {
			ret = -EINTR;
			goto out_sem;
		}
	}
	if (cxltier_slot(buf, first)) {	/* filled while we waited */
		ret = 0;
		goto out;
	}

	/*
	 * Home first, then the rest of the list in order.  With somewhere to
	 * fall back to, a first round takes free pages only (no direct
	 * reclaim; kswapd is woken), as the kernel's own zonelist fallback
	 * does: direct reclaim and compaction on a full node, for every unit,
	 * stalled a 1.5 GiB populate for minutes.  Only when no listed node
	 * has a free unit does a second round reclaim.  A fill ahead of a
	 * fault takes free pages of the home node only: it is a guess, and
	 * must cost no reclaim, spill or event that the touch would not.
	 */
	tries = fallback && !ahead ? buf->nr_policy_nodes : 1;
	for (pass = tries > 1 || ahead ? 0 : 1; pass < (ahead ? 1 : 2); pass++) {
		for (k = 0; k < tries; k++) {
			j = !k ? home : (k - 1 < home ? k - 1 : k);
			nid = buf->policy[j].node;
			if (cxltier_page_charge(buf, j, n, &from_resv))
				continue;	/* over quota: as if full */
			err = cxltier_alloc_unit_on(buf, nid, pass, pages);
			if (!err) {
				ret = 0;
				goto got;
			}
			cxltier_page_uncharge(buf, j, n, from_resv);
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

	/* read now: once published, a unit's table may change under us */
	pool_pages = cxltier_is_pool_page(pages[0]);
	spin_lock(&buf->lock);
	raced = cxltier_slot(buf, first);	/* another fault filled it first */
	if (!raced && cxltier_slot_fill(buf, first, pages))	/* refs move */
		table = pages;		/* the unit's table now */
	spin_unlock(&buf->lock);

	for (i = 0; i < n; i++) {
		if (!buf->pinnable) {
			if (raced)
				__ClearPageMovable(pages[i]);
			unlock_page(pages[i]);
		}
		if (raced)
			cxltier_page_put(pages[i]);
	}
	home_nid = buf->policy[home].node;
	if (!raced) {
		atomic_long_add(n, &buf->nr_resident);
		if (!pool_pages)
			cxltier_page_rss_add(buf, n);
		cxltier_count(nid, CXLTIER_CNT_ALLOC, n);
		if (nid != home_nid) {
			atomic_long_add(n, &buf->nr_spilled);
			cxltier_count(home_nid, CXLTIER_CNT_SPILL, n);
			spilled = true;
		}
		filled = true;
	} else {
		cxltier_page_uncharge(buf, j, n, from_resv);
	}
out:
	if (ret == -ENOSPC)
		home_nid = buf->policy[home].node;
	mutex_unlock(fill_lock);
out_sem:
	up_read(&buf->policy_sem);
out_free:
	if (pages != &one && pages != table)
		kfree(pages);
	/* events, with none of our locks held (netlink.c) */
	if (filled) {
		if (spilled)
			cxltier_nl_spill(buf, home_nid, nid, n);
		/* pool pages are not the buddy allocator's: no low-free */
		if (!(buf->pool && node_isset(nid, buf->pool_nodes)))
			cxltier_nl_check_low_free(nid);
	} else if (ret == -ENOSPC && !ahead) {
		cxltier_nl_quota_refused(buf, home_nid, n);
	}
	return ret;
}

int cxltier_page_fill_unit(struct cxltier_buf *buf, unsigned long unit)
{
	return cxltier_page_fill(buf, unit, false);
}

/*
 * Fill @unit as a guess (map.c's fault-ahead): without waiting for a lock,
 * from free pages of its home node only, with no event when a quota
 * refuses it.  0, or -errno when the unit was not filled.
 */
int cxltier_page_fill_ahead(struct cxltier_buf *buf, unsigned long unit)
{
	return cxltier_page_fill(buf, unit, true);
}

/*
 * The unit whose first slot is @first is one aligned block: every slot
 * filled, the first page's PFN aligned to the unit's size, the others
 * following it.  A unit that is not was split (HUGE_FALLBACK, SPLIT_HUGE,
 * or the core moving its pages one by one) and is mapped by PTEs;
 * cxltier_map_pmd() checks the same under the page locks.  Under
 * buf->lock.
 */
bool cxltier_unit_is_block(struct cxltier_buf *buf, pgoff_t first)
{
	unsigned long w = *cxltier_slot_word(buf, first);

	lockdep_assert_held(&buf->lock);
	if (!w)
		return false;
	if (!(w & CXLTIER_SLOT_TABLE))
		return true;		/* a run, by construction */
	/* a table: its pages may be one run again (after a MIGRATE) */
	return cxltier_pages_are_run((struct page **)(w & ~CXLTIER_SLOT_TABLE),
				     buf->unit_order);
}

/*
 * fault_failures: a fault or populate that got no page for @unit (@err
 * from cxltier_page_fill_unit()), counted on the unit's home node.  A
 * fill interrupted by a fatal signal is no failure of the node.
 */
void cxltier_page_count_fail(struct cxltier_buf *buf, unsigned long unit,
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
struct page *cxltier_page_get(struct cxltier_buf *buf, pgoff_t idx)
{
	struct page *page;
	int ret;

	ret = cxltier_page_fill_unit(buf, idx >> buf->unit_order);
	if (ret)
		return ERR_PTR(ret);
	page = cxltier_page_lock_slot(buf, idx);
	/* a filled unit stays filled while the buffer lives */
	return page ?: ERR_PTR(-EIO);
}

/*
 * Empty every slot and drop its page, at the buffer's release: no mapping
 * is left.  The quota charges go with the pages.
 */
void cxltier_page_free_all(struct cxltier_buf *buf)
{
	unsigned long i, run = 0;
	int run_nid = NUMA_NO_NODE;

	for (i = 0; i < buf->nr_pages; i++) {
		/*
		 * No mapping is left, but compaction or memory offline may be
		 * migrating the page right now: take it the way a fault does.
		 */
		struct page *page = cxltier_page_lock_slot(buf, i);

		if (!(i & 1023))
			cond_resched();
		if (!page)
			continue;
		/*
		 * The slot keeps its value (a unit's run has no way to say
		 * "all but this page"); nothing reads it again: a lookup
		 * skips a released buffer, and a migration of a page that is no
		 * longer movable never reaches cxltier_migrate_page().
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
		put_page(page);		/* ours, from cxltier_page_lock_slot() */
		cxltier_page_put(page);	/* the slot's */
	}
	if (run)
		cxltier_quota_uncharge(run_nid, run, false);
	atomic_long_set(&buf->nr_resident, 0);
}

/* ------------------------------------------------------------------------ */
/* Migration (compaction, memory offline)                                    */

/*
 * Buffer pages are charged to a memory cgroup as kernel memory
 * (__GFP_ACCOUNT: page->memcg_data points at an obj_cgroup, with a
 * reference, and the charge is dropped when the page is freed).  6.1's
 * migration moves the charge of LRU pages only (folio_migrate_flags()); a
 * movable_operations page would lose its charge when the old page is freed
 * and the new one, from the migration allocator, has none.  Hand it over
 * with its reference.  Both pages are locked and isolated from everyone
 * else.  A workaround for how the core treats non-LRU movable pages, used
 * by the core's migration below and by migrate.c.
 */
void cxltier_page_move_memcg_charge(struct page *dst, struct page *src)
{
#ifdef CONFIG_MEMCG
	if (!dst->memcg_data) {
		dst->memcg_data = src->memcg_data;
		src->memcg_data = 0;
	}
#endif
}

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
	struct page **spare;

	/*
	 * src and dst are locked by the core.  src is still movable (the core
	 * checked under the lock), so its buffer is alive: teardown clears
	 * "movable" under the page lock before it frees the buffer.
	 */
	if (WARN_ON_ONCE(!buf || idx >= buf->nr_pages))
		return -EINVAL;
	if (cxltier_slot(buf, idx) != src)
		return -EAGAIN;
	/*
	 * A unit that is a run becomes a table.  No memory reserves (direct
	 * compaction runs with PF_MEMALLOC), no waiting in async compaction,
	 * and -EAGAIN on failure: the core retries that page, where -ENOMEM
	 * would end the whole migration (offline would start over).
	 */
	if (cxltier_slot_spare(buf, idx, __GFP_NOWARN | __GFP_NOMEMALLOC |
			       (mode == MIGRATE_ASYNC ? GFP_NOWAIT :
				GFP_KERNEL | __GFP_NORETRY), &spare))
		return -EAGAIN;

	/*
	 * Take every user mapping of this page away.  A fault that comes
	 * after this blocks on the page lock and finds the new page.
	 */
	unmap_mapping_range(buf->inode->i_mapping, (loff_t)idx << PAGE_SHIFT,
			    PAGE_SIZE, 1);
	/* slot + isolation; anything more is a transient user: retry later */
	if (page_count(src) != 2) {
		kfree(spare);
		return -EAGAIN;
	}
	cxltier_map_flush_stale(buf);	/* before the copy (compat.h) */

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
	cxltier_page_move_memcg_charge(dst, src);
	cxltier_count(page_to_nid(src), CXLTIER_CNT_MIGRATE_OUT, 1);
	cxltier_count(page_to_nid(dst), CXLTIER_CNT_MIGRATE_IN, 1);

	spin_lock(&buf->lock);
	cxltier_slot_set(buf, idx, dst, &spare);
	spin_unlock(&buf->lock);
	kfree(spare);

	__ClearPageMovable(src);
	set_page_private(src, 0);
	put_page(src);			/* the slot's old reference */
	return MIGRATEPAGE_SUCCESS;
}

/* For migrate.c: register a locked destination page as ours. */
void cxltier_page_set_movable(struct page *page)
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
/* Module init                                                                */

void cxltier_page_init(void)
{
	int i;

	for (i = 0; i < ARRAY_SIZE(cxltier_fill_locks); i++)
		mutex_init(&cxltier_fill_locks[i]);
}

void cxltier_page_exit(void)
{
	int i;

	for (i = 0; i < ARRAY_SIZE(cxltier_fill_locks); i++)
		mutex_destroy(&cxltier_fill_locks[i]);
}
