// SPDX-License-Identifier: GPL-2.0
/*
 * cxltier: mappings of a buffer: mmap, the fault handler with its
 * fault-around, and ->access for ptrace.  A client of the page-slot store
 * (page.c), whose rules comment says why movable pages get special PTEs in
 * a VM_MIXEDMAP|VM_IO mapping.
 */
#include "internal.h"

#include <linux/bitmap.h>
#include <linux/highmem.h>
#include <linux/huge_mm.h>
#include <linux/mm.h>
#include <linux/pagemap.h>
#include <linux/pfn_t.h>
#include <linux/sched/mm.h>
#include <linux/slab.h>

/*
 * Mappings: each VMA of a buffer, in any process, is on the buffer's @maps
 * list from ->mmap (or ->open, for the copies fork, a split and mremap
 * make) to ->close, so that BUF_STAT can count the units PMD-mapped now in
 * all of them (cxltier_map_count_pmd_units()).  The file's i_mmap tree
 * holds the same VMAs, but a module cannot walk it: the interval-tree
 * iterators are not exported on 6.1 or 6.12.  vm_private_data points to
 * the VMA's entry.  Having ->close also keeps the VMAs from being merged,
 * which VM_MIXEDMAP already did (VM_SPECIAL).
 */
struct cxltier_mapping {
	struct list_head link;		/* in buf->maps, under buf->maps_lock */
	struct vm_area_struct *vma;
	struct cxltier_buf *buf;
};

static struct cxltier_buf *cxltier_vma_buf(struct vm_area_struct *vma)
{
	return ((struct cxltier_mapping *)vma->vm_private_data)->buf;
}

static void cxltier_mapping_add(struct cxltier_mapping *m,
				struct vm_area_struct *vma,
				struct cxltier_buf *buf)
{
	m->vma = vma;
	m->buf = buf;
	vma->vm_private_data = m;
	mutex_lock(&buf->maps_lock);
	list_add_tail(&m->link, &buf->maps);
	mutex_unlock(&buf->maps_lock);
}

/*
 * A copy of a mapping (fork, a VMA split by munmap or mprotect, mremap),
 * under mmap_lock: vm_private_data is still the original's entry.  ->open
 * cannot fail, so the 32-byte entry is __GFP_NOFAIL: the allocator already
 * retries so small a request until it succeeds, but for an OOM victim.
 */
static void cxltier_map_open(struct vm_area_struct *vma)
{
	struct cxltier_buf *buf = cxltier_vma_buf(vma);
	struct cxltier_mapping *m;

	m = kmalloc(sizeof(*m), GFP_KERNEL_ACCOUNT | __GFP_NOFAIL);
	cxltier_mapping_add(m, vma, buf);
}

/*
 * After the user mappings of some of the buffer's pages were zapped, and
 * before those pages are copied away or freed: no CPU may still hold a
 * translation of them.  A zap flushes what it cleared; on kernels where
 * madvise could have cleared a unit's PMD without a flush (compat.h) it
 * is not enough, for buffers that ever mapped a unit by a PMD.
 */
void cxltier_map_flush_stale(struct cxltier_buf *buf)
{
	cxltier_flush_stale_pmds(atomic_long_read(&buf->nr_pmd_map_faults));
}

/*
 * The VMA goes (munmap, exit, a failed split or mremap), under mmap_lock,
 * after its entries were zapped: the flush keeps a translation that
 * madvise left behind from outliving the mapping (compat.h).
 */
static void cxltier_map_close(struct vm_area_struct *vma)
{
	struct cxltier_mapping *m = vma->vm_private_data;
	struct cxltier_buf *buf = m->buf;

	mutex_lock(&buf->maps_lock);
	list_del(&m->link);
	mutex_unlock(&buf->maps_lock);
	kfree(m);
	cxltier_map_flush_stale(buf);
}

/*
 * Movable pages get special PTEs (page.c says why); pinnable pages
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
 * Map buffer page @idx at @addr if it can be had without waiting: resident,
 * its lock free.  Returns 0 when it cannot be had now, else what the insert
 * returned (VM_FAULT_NOPAGE once the PTE is there, already or now).
 */
static vm_fault_t cxltier_map_if_free(struct cxltier_buf *buf,
				      struct vm_area_struct *vma,
				      unsigned long addr, pgoff_t idx)
{
	struct page *page = cxltier_page_trylock_slot(buf, idx);
	vm_fault_t r;

	if (!page)
		return 0;
	r = cxltier_insert(buf, vma, addr, page);
	unlock_page(page);
	put_page(page);
	return r;
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
 * unit (the one exception is asked for: fault-ahead, below).
 *
 * Only a fault that found its own unit resident maps around.  One that had
 * to fill its unit is a first touch, whose neighbours are most likely not
 * resident either: scanning the window's empty slots at every such fault
 * made the first touch of an unpopulated 4 KiB buffer about 1.5x slower
 * (tierctl bench fault, 256 MiB: 2238-3412 ms against 1479-1561 ms).  The
 * page cache can afford to scan at every read fault: its window is 64 KiB,
 * 16 slots, not 512.
 */
/* The PTEs of one fault-around window that are already mapped. */
struct cxltier_map_window {
	unsigned long start;
	DECLARE_BITMAP(mapped, PTRS_PER_PTE);
};

/* A PMD entry that maps memory: a THP or one of our devmap units. */
static bool cxltier_pmd_is_leaf(pmd_t pmd)
{
	return pmd_trans_huge(pmd) || pmd_devmap(pmd);
}

/* apply_to_existing_page_range() callback, for present PTEs only */
static int cxltier_note_mapped(pte_t *pte, unsigned long addr, void *data)
{
	struct cxltier_map_window *w = data;

	__set_bit((addr - w->start) >> PAGE_SHIFT, w->mapped);
	return 0;
}

static void cxltier_map_around(struct vm_fault *vmf,
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
	struct cxltier_map_window w = { .start = start };
	unsigned long addr;

	/*
	 * The window is the range of the page table the fault just filled
	 * (vmf->pmd; under mmap_lock it stays).  A PTE already there is
	 * skipped without a look at its slot: the window is often mostly
	 * mapped already (a refault after a MIGRATE zapped part of it), and
	 * an insert would take each mapped page's lock only to find its PTE.
	 * One walk of the page table, under its lock, notes which PTEs are
	 * mapped: apply_to_existing_page_range() calls back for present ones
	 * only, and is exported on every kernel the module builds for, where
	 * pte_offset_map() is not usable by a module since 6.5 (it calls the
	 * unexported __pte_offset_map()).  What the walk notes is a hint: a
	 * PTE zapped meanwhile is left to its own fault, and an insert
	 * re-checks under the PTE lock.  The walk must not meet a huge PMD
	 * (6.1's walk would BUG on one): this fault's table is still there,
	 * and the check below makes sure.
	 */
	if (pmd_none(pmdval) || pmd_bad(pmdval) || cxltier_pmd_is_leaf(pmdval))
		return;
	if (apply_to_existing_page_range(vma->vm_mm, start, end - start,
					 cxltier_note_mapped, &w))
		return;
	for (addr = start; addr < end && idx < buf->nr_pages;
	     addr += PAGE_SIZE, idx++) {
		if (idx >= done_first && idx <= done_last)
			continue;	/* mapped by the fault itself */
		if (test_bit((addr - start) >> PAGE_SHIFT, w.mapped))
			continue;
		/* no page table: the neighbours can wait */
		if (cxltier_map_if_free(buf, vma, addr, idx) & VM_FAULT_OOM)
			break;
	}
}

/*
 * Fault-ahead, for a mapping its process marked MADV_SEQUENTIAL: a first
 * touch of a 4 KiB-page buffer also fills and maps the pages after the
 * faulting one, up to VM_READAHEAD_PAGES (128 KiB) in all, clipped to the
 * mapping, the buffer and the page table the fault walked (a new table
 * would be an allocation, with reclaim, for pages nobody touched),
 * stopping at the first page already resident.
 * The same hint makes the page cache read ahead of a fault (VM_SEQ_READ);
 * for a buffer it says the pages will be touched in order, so one fault
 * can do the work of 32, and the process pays for each page's exception,
 * page-table walk and locks once per window instead of once per page.
 *
 * Without the hint a touch makes exactly its own unit resident, as
 * anonymous memory does: nothing is guessed for a buffer touched at
 * random or in part.  With it, up to 124 KiB past the last page touched
 * may be resident, and stay so until the buffer is freed, charged and
 * counted like any page (quota, reservation, memory cgroup, RSS).  The
 * guess costs no more than it must: free pages of the home node only (no
 * direct reclaim, no spill to another node, no quota event), trylocks on
 * the buffer's locks; the first page it cannot have ends it.  2 MiB units
 * need none of this: one fault maps a unit.
 */
static void cxltier_fault_ahead(struct vm_fault *vmf, struct cxltier_buf *buf)
{
	struct vm_area_struct *vma = vmf->vma;
	/* vmf->address is page-aligned; the table ends at the next PMD */
	unsigned long in_table = (ALIGN_DOWN(vmf->address, PMD_SIZE) +
				  PMD_SIZE - vmf->address) >> PAGE_SHIFT;
	pgoff_t end = min3((unsigned long)vmf->pgoff +
			   min_t(unsigned long, VM_READAHEAD_PAGES, in_table),
			   buf->nr_pages, vma->vm_pgoff + vma_pages(vma));
	pgoff_t idx;

	for (idx = vmf->pgoff + 1; idx < end; idx++) {
		unsigned long addr = vma->vm_start +
				     ((idx - vma->vm_pgoff) << PAGE_SHIFT);
		vm_fault_t r;

		if (cxltier_slot(buf, idx) || cxltier_page_fill_ahead(buf, idx))
			break;
		r = cxltier_map_if_free(buf, vma, addr, idx);
		if (!r || (r & VM_FAULT_ERROR))
			break;
	}
}

/*
 * A 2 MiB unit mapped by one PMD entry: one fault, one TLB entry and no
 * page table for the unit, where 512 PTEs need a 4 KiB page table per
 * 2 MiB (2 MiB of page tables per GiB) and a TLB entry per 4 KiB.
 *
 * When: the unit is 2 MiB (page=2M) and fills the 2 MiB-aligned window of
 * the mapping (cxltier_get_unmapped_area() aligns mappings), its 512
 * pages are one aligned physically contiguous run (always, unless
 * compaction or offline moved a page of it alone), the window has no page
 * table yet, and its pages need no GUP (pinnable pages do, unless they
 * are device-dax pool pages).  Else the unit gets PTEs, as before.
 *
 * The entry is a devmap PMD (PFN_DEV | PFN_MAP), on 6.1 and on 6.12: the
 * kernel's huge mapping for device memory in VM_MIXEDMAP mappings
 * (device-dax's, through vmf_insert_pfn_pmd()).  Why devmap and not 6.12's
 * special PMD: pmd_trans_huge() is false for a devmap PMD, which keeps
 * every THP path (madvise cold/pageout's split_folio(), khugepaged) off
 * pages that are not THPs; zap, split, mprotect, mremap and fork treat it
 * as a special huge mapping of a file (vma_is_special_huge(): cleared,
 * never referenced, refilled by a fault), and GUP-fast gives up on it when
 * get_dev_pagemap() finds no pgmap, so GUP falls back to the slow path,
 * which VM_IO refuses: the same -EFAULT as the special PTEs (page.c).
 *
 * Locking: all 512 page locks, taken with trylock, are held while the run
 * is checked and the PMD set; migration (ours, compaction's, offline's)
 * takes a page's lock before it zaps and moves the page, so no PMD can
 * point at a page that is being moved.  The PTE path below maps a page of
 * the unit only under that page's lock, after checking that the window
 * has not become a PMD (an insert would take the PMD for a page table).
 *
 * Returns VM_FAULT_FALLBACK when the unit is not for a PMD now.
 */
static void cxltier_unlock_run(struct cxltier_buf *buf, pgoff_t first,
			       unsigned int n)
{
	unsigned int i;

	for (i = 0; i < n; i++) {
		/* stable: a slot changes only under its page's lock, ours */
		struct page *page = cxltier_slot(buf, first + i);

		unlock_page(page);
		put_page(page);
	}
}

static vm_fault_t cxltier_map_pmd(struct vm_fault *vmf,
				  struct cxltier_buf *buf, unsigned long unit)
{
	struct vm_area_struct *vma = vmf->vma;
	unsigned long haddr = vmf->address & PMD_MASK;
	pgoff_t first = unit << buf->unit_order;
	unsigned long pfn0 = 0;
	unsigned int i, locked = 0;
	bool pool = false;
	vm_fault_t ret = VM_FAULT_FALLBACK;

	if (buf->unit_order != PMD_SHIFT - PAGE_SHIFT ||
	    haddr < vma->vm_start || haddr + PMD_SIZE > vma->vm_end ||
	    vma->vm_pgoff + ((haddr - vma->vm_start) >> PAGE_SHIFT) != first ||
	    !pmd_none(READ_ONCE(*vmf->pmd)))
		return VM_FAULT_FALLBACK;
	for (i = 0; i < PTRS_PER_PMD; i++) {
		struct page *page = cxltier_page_trylock_slot(buf, first + i);

		if (!page)
			goto out;
		locked++;
		if (!i) {
			pfn0 = page_to_pfn(page);
			pool = cxltier_is_pool_page(page);
			if (!IS_ALIGNED(pfn0, PTRS_PER_PMD) ||
			    (buf->pinnable && !pool))
				goto out;
		} else if (page_to_pfn(page) != pfn0 + i ||
			   cxltier_is_pool_page(page) != pool) {
			goto out;
		}
	}
	/*
	 * Again, now that the locks are held: a fault that fell back to PTEs
	 * (one of these locks was busy) may have put a page table here since
	 * the check above.  Every insert into the window holds a page lock
	 * of the unit, so this check is exact; vmf_insert_pfn_pmd() would
	 * otherwise take the table for a PMD (nothing mapped, a WARN on a
	 * write fault, and a PMD fault counted for nothing).
	 */
	if (!pmd_none(READ_ONCE(*vmf->pmd)))
		goto out;
	ret = vmf_insert_pfn_pmd(vmf, __pfn_to_pfn_t(pfn0, PFN_DEV | PFN_MAP),
				 vmf->flags & FAULT_FLAG_WRITE);
	if (ret == VM_FAULT_NOPAGE)
		atomic_long_inc(&buf->nr_pmd_map_faults);
out:
	cxltier_unlock_run(buf, first, locked);
	return ret;
}

static vm_fault_t cxltier_map_fault(struct vm_fault *vmf)
{
	struct vm_area_struct *vma = vmf->vma;
	struct cxltier_buf *buf = cxltier_vma_buf(vma);
	unsigned long unit, first, last, i;
	vm_fault_t ret = VM_FAULT_SIGBUS;
	bool resident;
	int err;

	if (vmf->pgoff >= buf->nr_pages)
		return VM_FAULT_SIGBUS;

	unit = vmf->pgoff >> buf->unit_order;
	/* a hint for fault-around, read before the fill; a race only skips it */
	resident = cxltier_slot(buf, unit << buf->unit_order);
	err = cxltier_page_fill_unit(buf, unit);
	if (err) {
		pr_debug_ratelimited("buffer %llu: no unit %lu: %d\n",
				     buf->id, unit, err);
		cxltier_page_count_fail(buf, unit, err);
		/* Never VM_FAULT_OOM: that would run the OOM killer. */
		return VM_FAULT_SIGBUS;
	}

	/* One PMD for the unit where it can be, else its PTEs. */
	ret = cxltier_map_pmd(vmf, buf, unit);
	if (ret != VM_FAULT_FALLBACK)
		return ret;
	ret = VM_FAULT_SIGBUS;

	/* Map the whole unit, as far as this mapping covers it. */
	first = max(unit << buf->unit_order, vma->vm_pgoff);
	last = min(((unit + 1) << buf->unit_order),
		   vma->vm_pgoff + vma_pages(vma)) - 1;
	for (i = first; i <= last; i++) {
		unsigned long addr = vma->vm_start +
				     ((i - vma->vm_pgoff) << PAGE_SHIFT);
		struct page *page = cxltier_page_lock_slot(buf, i);
		vm_fault_t r;

		if (!page)
			return VM_FAULT_SIGBUS;
		/*
		 * A racing fault mapped the unit by a PMD (under every page
		 * lock of the unit, so not since we took this one): done.
		 */
		if (cxltier_pmd_is_leaf(READ_ONCE(*vmf->pmd))) {
			unlock_page(page);
			put_page(page);
			return VM_FAULT_NOPAGE;
		}
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
	if (buf->unit_order && !(ret & VM_FAULT_ERROR))
		atomic_long_inc(&buf->nr_pte_map_faults);
	if (ret & VM_FAULT_ERROR)
		return ret;
	if (resident)
		cxltier_map_around(vmf, buf, first, last);
	else if (!buf->unit_order && (vma->vm_flags & VM_SEQ_READ))
		cxltier_fault_ahead(vmf, buf);
	return ret;
}

/*
 * ptrace and /proc/PID/mem: GUP cannot reach VM_IO mappings, so the core
 * asks us.  Copies within one page per call; the caller loops.
 */
static int cxltier_map_access(struct vm_area_struct *vma, unsigned long addr,
			      void *ubuf, int len, int write)
{
	struct cxltier_buf *buf = cxltier_vma_buf(vma);
	unsigned long off = addr - vma->vm_start;
	pgoff_t idx = vma->vm_pgoff + (off >> PAGE_SHIFT);
	unsigned int in_page = offset_in_page(addr);
	struct page *page;
	void *kaddr;

	if (len <= 0 || idx >= buf->nr_pages)
		return -EINVAL;
	len = min_t(int, len, PAGE_SIZE - in_page);
	page = cxltier_page_get(buf, idx);
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

static const struct vm_operations_struct cxltier_map_vm_ops = {
	.open = cxltier_map_open,
	.close = cxltier_map_close,
	.fault = cxltier_map_fault,
	.access = cxltier_map_access,
};

/* Is the 2 MiB unit mapped at @addr of @mm by one PMD entry?  mmap_lock held. */
static bool cxltier_pmd_mapped(struct mm_struct *mm, unsigned long addr)
{
	pgd_t *pgd = pgd_offset(mm, addr);
	p4d_t *p4d;
	pud_t *pud, pudval;
	pmd_t pmdval;

	if (pgd_none(READ_ONCE(*pgd)) || pgd_bad(READ_ONCE(*pgd)))
		return false;
	p4d = p4d_offset(pgd, addr);
	if (p4d_none(READ_ONCE(*p4d)) || p4d_bad(READ_ONCE(*p4d)))
		return false;
	pud = pud_offset(p4d, addr);
	pudval = READ_ONCE(*pud);
	if (pud_none(pudval) || !pud_present(pudval) || pud_leaf(pudval) ||
	    pud_bad(pudval))
		return false;
	pmdval = READ_ONCE(*pmd_offset(pud, addr));
	return pmd_present(pmdval) && cxltier_pmd_is_leaf(pmdval);
}

/* Mark in @seen the units that @vma of @mm maps by one PMD entry now. */
static void cxltier_mapping_pmd_units(struct cxltier_buf *buf,
				      struct vm_area_struct *vma,
				      unsigned long *seen)
{
	unsigned long addr;

	for (addr = ALIGN(vma->vm_start, PMD_SIZE);
	     addr >= vma->vm_start && addr + PMD_SIZE <= vma->vm_end;
	     addr += PMD_SIZE) {
		pgoff_t idx = vma->vm_pgoff +
			      ((addr - vma->vm_start) >> PAGE_SHIFT);

		/* off the 2 MiB grid here, so everywhere in this VMA */
		if (idx & (PTRS_PER_PMD - 1))
			return;
		if (idx >= buf->nr_pages)
			return;
		if (cxltier_pmd_mapped(vma->vm_mm, addr))
			__set_bit(idx >> buf->unit_order, seen);
		cond_resched();
	}
}

/*
 * BUF_STAT's pmd_mapped_units: the 2 MiB units that at least one mapping,
 * in any process, maps by one PMD entry now.  The core splits and zaps
 * those entries without telling the driver (munmap, mprotect, MADV_
 * DONTNEED, compaction, fork leaving them to the child's faults), so the
 * figure is read from the page tables, one process at a time:
 *
 * 1. under @maps_lock, the processes mapping the buffer (mmgrab());
 * 2. for each, its mmap_lock for read, then @maps_lock again (the order
 *    ->open and ->close take them in), and the PMD entries of each of its
 *    VMAs that is still in its VMA tree (find_vma() by address, compared
 *    by pointer: never a walk of the tree, which for the mm of a fork
 *    that failed on 6.12 holds markers and the parent's VMAs).  Under
 *    mmap_lock a VMA in the tree keeps its page tables; a VMA that munmap
 *    has taken out of the tree may be losing them (6.1 and 6.12 free them
 *    under mmap_lock downgraded to read, before ->close), so such a VMA
 *    is skipped: it maps nothing any more.  A process whose mm is exiting
 *    (mmget_not_zero() fails) maps nothing either.
 *
 * A snapshot: a fault or zap racing with it may or may not be counted.
 * 4 KiB-page buffers, and 2 MiB ones that never had a PMD entry (pinnable
 * outside a pool, split, mapped off the grid), pay nothing.  -EINTR on a
 * fatal signal while waiting for a process's mmap_lock.
 */
int cxltier_map_count_pmd_units(struct cxltier_buf *buf, u64 *units)
{
	struct cxltier_mapping *m;
	struct mm_struct **mms;
	unsigned int nr_mms, cap, i;
	unsigned long *seen;
	int ret = 0;

	*units = 0;
	/* no unit was ever PMD-mapped: nothing to look for */
	if (buf->unit_order != PMD_SHIFT - PAGE_SHIFT ||
	    !atomic_long_read(&buf->nr_pmd_map_faults))
		return 0;
	/* kvmalloc: a 64 TiB buffer's bitmap is 4 MiB, a busy list's as big */
	seen = kvcalloc(BITS_TO_LONGS(buf->nr_units), sizeof(long), GFP_KERNEL);
	if (!seen)
		return -ENOMEM;
again:
	cap = 0;
	mutex_lock(&buf->maps_lock);
	list_for_each_entry(m, &buf->maps, link)
		cap++;
	mutex_unlock(&buf->maps_lock);
	mms = kvmalloc_array(max(cap, 1U), sizeof(*mms), GFP_KERNEL);
	if (!mms) {
		kvfree(seen);
		return -ENOMEM;
	}
	nr_mms = 0;
	mutex_lock(&buf->maps_lock);
	list_for_each_entry(m, &buf->maps, link) {
		struct mm_struct *mm = m->vma->vm_mm;

		for (i = 0; i < nr_mms && mms[i] != mm; i++)
			;
		if (i < nr_mms)
			continue;
		if (nr_mms == cap) {	/* mapped meanwhile: count again */
			mutex_unlock(&buf->maps_lock);
			while (nr_mms)
				mmdrop(mms[--nr_mms]);
			kvfree(mms);
			goto again;
		}
		mmgrab(mm);
		mms[nr_mms++] = mm;
		cond_resched();
	}
	mutex_unlock(&buf->maps_lock);

	for (i = 0; i < nr_mms; i++) {
		struct mm_struct *mm = mms[i];

		if (ret || !mmget_not_zero(mm))
			goto next;
		if (mmap_read_lock_killable(mm)) {
			ret = -EINTR;
			goto put;
		}
		mutex_lock(&buf->maps_lock);
		list_for_each_entry(m, &buf->maps, link) {
			struct vm_area_struct *vma = m->vma;

			if (vma->vm_mm == mm && find_vma(mm, vma->vm_start) == vma)
				cxltier_mapping_pmd_units(buf, vma, seen);
			cond_resched();
		}
		mutex_unlock(&buf->maps_lock);
		mmap_read_unlock(mm);
put:
		/* the last reference: exit_mmap() on a workqueue, not here */
		mmput_async(mm);
next:
		mmdrop(mm);
	}
	kvfree(mms);
	if (!ret)
		*units = bitmap_weight(seen, buf->nr_units);
	kvfree(seen);
	return ret;
}

/*
 * Addresses for a buffer's mappings: 2 MiB-aligned (at the same offset in
 * a 2 MiB window as the file offset) when the mapping is 2 MiB or more, so
 * that each 2 MiB unit can take one PMD (and the fault-around of 4 KiB
 * buffers one page table).  thp_get_unmapped_area() does that for any
 * file on both kernels, and falls back to the process's usual placement.
 */
unsigned long cxltier_get_unmapped_area(struct file *file, unsigned long addr,
					unsigned long len, unsigned long pgoff,
					unsigned long flags)
{
	return thp_get_unmapped_area(file, addr, len, pgoff, flags);
}

int cxltier_mmap(struct file *file, struct vm_area_struct *vma)
{
	struct cxltier_buf *buf = file->private_data;
	struct cxltier_mapping *m;

	/* Private COW copies of buffer pages would escape the policy. */
	if (!(vma->vm_flags & VM_MAYSHARE))
		return -EINVAL;
	m = kmalloc(sizeof(*m), GFP_KERNEL_ACCOUNT);
	if (!m)
		return -ENOMEM;

	/* VM_IO keeps GUP off movable pages; pinnable ones are for pinning */
	cxltier_vm_flags_set(vma, VM_MIXEDMAP | VM_DONTEXPAND |
			     (buf->pinnable ? 0 : VM_IO));
	vma->vm_ops = &cxltier_map_vm_ops;
	cxltier_mapping_add(m, vma, buf);
	return 0;
}

