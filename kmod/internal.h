/* SPDX-License-Identifier: GPL-2.0 */
/*
 * cxltier: definitions shared by the module's files.
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

long cxltier_ioctl_dispatch(struct file *file, unsigned int cmd,
			    unsigned long arg,
			    const struct cxltier_ioctl_op *ops);
int cxltier_ucmd_respond(struct cxltier_ucmd *ucmd, size_t size);

/* info.c: the node table */
extern unsigned int cxltier_cxl_distance;
int cxltier_get_info(struct cxltier_ucmd *ucmd);
u64 cxltier_node_capacity_pages(int nid);

/*
 * A buffer: a file on the module's pseudo filesystem whose pages come from
 * the nodes its policy names.
 *
 * Page slots: pages[i] holds the page backing offset i, or NULL before the
 * first touch.  A slot owns one reference on its page.  Slots change only
 * under @lock and, once filled, only by migration, which also holds the page
 * lock of both the old and the new page.  Readers that need a stable page
 * take a reference under @lock, then the page lock, then check that the
 * slot still holds that page.
 */
struct cxltier_buf {
	u64 id;
	u64 length;			/* bytes, as requested */
	unsigned long nr_pages;
	u32 mode;
	u32 page_shift;
	u32 create_flags;
	u32 nr_policy_nodes;
	struct cxltier_node_weight *policy;
	int nid;			/* CXLTIER_MODE_BIND target */
	gfp_t gfp;
	struct inode *inode;		/* owns the address_space we zap */

	spinlock_t lock;		/* protects pages[] */
	struct page **pages;
	atomic_long_t nr_resident;
};

/* buf.c */
extern const struct cxltier_ioctl_op cxltier_buf_ioctl_ops[CXLTIER_NR_CMDS];
int cxltier_create(struct cxltier_ucmd *ucmd);
int cxltier_fs_init(void);
void cxltier_fs_exit(void);

#endif /* CXLTIER_INTERNAL_H */
