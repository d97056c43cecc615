/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Kernel-version differences, and nothing else.  The module builds for
 * Debian's 6.1 and 6.12 kernels (doc/kernels.md).  Each entry is named for
 * what it does, says which kernel changed what, and is the only place that
 * knows; the rest of the module never tests LINUX_VERSION_CODE.
 *
 *   cxltier_vm_flags_set()             6.3  vma->vm_flags became read-only
 *   cxltier_page_maybe_pinned()        6.11 page_maybe_dma_pinned() removed
 *   cxltier_get_file_unless_released() 6.7  get_file_rcu() changed meaning
 *   cxltier_add_mm_counter()           6.2  mm->rss_stat became percpu counters
 *   cxltier_flush_stale_pmds()         6.5  madvise stopped clearing devmap
 *                                           PMDs without a TLB flush
 *
 * A difference that every supported kernel can meet with one exported API
 * is not an entry: the fault-around's look at the page table (map.c) uses
 * apply_to_existing_page_range() on all of them, because pte_offset_map()
 * calls the unexported __pte_offset_map() since 6.5.
 */
#ifndef CXLTIER_COMPAT_H
#define CXLTIER_COMPAT_H

#include <linux/version.h>
#include <linux/fs.h>
#include <linux/mm.h>

/*
 * Set flags on a VMA being mmap()ed.  6.3 made vma->vm_flags read-only and
 * added the accessors (bc292ab00f6c "mm: introduce vma->vm_flags wrapper
 * functions").
 */
#if LINUX_VERSION_CODE < KERNEL_VERSION(6, 3, 0)
static inline void cxltier_vm_flags_set(struct vm_area_struct *vma,
					vm_flags_t flags)
{
	vma->vm_flags |= flags;
}
#else
#define cxltier_vm_flags_set(vma, flags) vm_flags_set(vma, flags)
#endif

/*
 * Whether a page may be pinned (FOLL_PIN) for DMA.  6.11 removed the page
 * wrapper page_maybe_dma_pinned() ("mm: remove page_maybe_dma_pinned()",
 * in the MM pull for 6.11-rc1); the folio call it wrapped exists on 6.1
 * already, so one body serves every kernel.  Every page the module asks
 * about is order-0 (buffer pages are split_page()d, pool pages are not
 * compound): the folio is the page.
 */
static inline bool cxltier_page_maybe_pinned(struct page *page)
{
	return folio_maybe_dma_pinned(page_folio(page));
}

/*
 * A new reference on the file *@fp unless its count already reached zero
 * (its release has begun).  The caller keeps *@fp from changing and the
 * file from being freed by a lock the release path takes.  Until 6.7
 * get_file_rcu() was exactly "increment unless zero" on a struct file *.
 * 6.7 made files SLAB_TYPESAFE_BY_RCU (0ede61d8589c "file: convert to
 * SLAB_TYPESAFE_BY_RCU"): get_file_rcu() now takes a struct file __rcu **
 * and loops until it gets whatever file the pointer holds, and
 * get_file_active() is the call for a pointer kept stable by other means.
 */
#if LINUX_VERSION_CODE < KERNEL_VERSION(6, 7, 0)
static inline bool cxltier_get_file_unless_released(struct file **fp)
{
	return get_file_rcu(*fp);
}
#else
static inline bool cxltier_get_file_unless_released(struct file **fp)
{
	return get_file_active(fp) != NULL;
}
#endif

/*
 * add_mm_counter() without its tracepoint: the inline calls
 * mm_trace_rss_stat(), which no kernel exports, so a module cannot use it.
 * The counter itself is what get_mm_rss() (the OOM killer's badness) and
 * /proc/PID/status read; only the rss_stat trace event is missed.  6.2
 * turned mm->rss_stat into percpu counters (f1a7941243c1 "mm: convert
 * mm's rss stats into percpu_counter").
 */
#if LINUX_VERSION_CODE < KERNEL_VERSION(6, 2, 0)
static inline void cxltier_add_mm_counter(struct mm_struct *mm, int member,
					  long value)
{
	atomic_long_add(value, &mm->rss_stat.count[member]);
}
#else
static inline void cxltier_add_mm_counter(struct mm_struct *mm, int member,
					  long value)
{
	percpu_counter_add(&mm->rss_stat[member], value);
}
#endif

/*
 * Make sure no CPU keeps a translation of a buffer's PMD-mapped unit that
 * the page tables no longer hold.  Before 6.5, madvise(MADV_COLD) and
 * madvise(MADV_PAGEOUT) walk a file mapping's PMDs with
 * pmd_trans_unstable(), which knows none, THP and migration entries but
 * not devmap ones: it calls our unit's PMD bad, prints "bad pmd" and
 * clears it (pmd_clear_bad()) without a TLB flush.  Our later zaps then
 * find nothing to zap and flush nothing, so a thread could go on writing
 * into a unit's pages after MIGRATE or compaction copied them, or after
 * they were freed (huge.pmd_madv_cold_then_migrate caught it on 6.1).
 * 6.5 made those walks use pte_offset_map_lock(), which leaves devmap
 * PMDs alone (Hugh Dickins' pte_offset_map() series), so there this does
 * nothing.  Here it flushes every CPU's TLB, all address spaces
 * (__flush_tlb_all() on each CPU: INVPCID or a CR4.PGE toggle), which no
 * narrower exported call does for another process's mm.  Only for
 * buffers that ever had a PMD entry; process context, no spinlock held.
 */
#if LINUX_VERSION_CODE < KERNEL_VERSION(6, 5, 0)
#include <asm/tlbflush.h>
#include <linux/smp.h>

#ifdef CONFIG_X86
static inline void cxltier_flush_cpu_tlb(void *unused)
{
	__flush_tlb_all();
}

static inline void cxltier_flush_stale_pmds(bool ever_pmd_mapped)
{
	if (ever_pmd_mapped)
		on_each_cpu(cxltier_flush_cpu_tlb, NULL, 1);
}
#else
/* arm64's flush_tlb_all() is an inline broadcast (TLBI VMALLE1IS) */
static inline void cxltier_flush_stale_pmds(bool ever_pmd_mapped)
{
	if (ever_pmd_mapped)
		flush_tlb_all();
}
#endif
#else
static inline void cxltier_flush_stale_pmds(bool ever_pmd_mapped)
{
}
#endif

#endif /* CXLTIER_COMPAT_H */
