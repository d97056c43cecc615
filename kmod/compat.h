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

#endif /* CXLTIER_COMPAT_H */
