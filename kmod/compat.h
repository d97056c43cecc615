/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Kernel-version differences, and nothing else.  The module targets Debian's
 * 6.1 kernel; anything that differs on another kernel goes here.
 */
#ifndef CXLTIER_COMPAT_H
#define CXLTIER_COMPAT_H

#include <linux/version.h>
#include <linux/mm.h>

#if LINUX_VERSION_CODE < KERNEL_VERSION(6, 3, 0)
/* 6.3 made vma->vm_flags read-only and added these accessors. */
static inline void cxltier_vm_flags_set(struct vm_area_struct *vma,
					vm_flags_t flags)
{
	vma->vm_flags |= flags;
}
#else
#define cxltier_vm_flags_set(vma, flags) vm_flags_set(vma, flags)
#endif

/*
 * Buffer pages are charged to a memory cgroup as kernel memory
 * (__GFP_ACCOUNT: page->memcg_data points at an obj_cgroup, with a
 * reference, and the charge is dropped when the page is freed).  6.1's
 * migration moves the charge of LRU pages only (folio_migrate_flags()); a
 * movable_operations page would lose its charge when the old page is freed
 * and the new one, from the migration allocator, has none.  Hand it over
 * with its reference.  Both pages are locked and isolated from everyone
 * else.
 */
static inline void cxltier_move_memcg_charge(struct page *dst,
					     struct page *src)
{
#ifdef CONFIG_MEMCG
	if (!dst->memcg_data) {
		dst->memcg_data = src->memcg_data;
		src->memcg_data = 0;
	}
#endif
}

#endif /* CXLTIER_COMPAT_H */
