// SPDX-License-Identifier: GPL-2.0
/*
 * cxltier: per-buffer placement of memory across DRAM and CXL NUMA nodes.
 *
 * /dev/cxltier answers CXLTIER_IOC_GET_INFO (the node table) and
 * CXLTIER_IOC_CREATE (a buffer, returned as its own fd).  See
 * uapi/linux/cxltier.h for the contract.
 */
#include "internal.h"

#include <linux/module.h>
#include <linux/miscdevice.h>
#include <linux/uaccess.h>

#ifndef CXLTIER_VERSION
#define CXLTIER_VERSION "unknown"
#endif

/*
 * Every cxltier ioctl carries its size in the struct, so the command number
 * itself is _IO(CXLTIER_TYPE, nr).  Look the number up in @ops (one table per
 * kind of file), check the size the user claims, and copy the struct in with
 * copy_struct_from_user(): a short size is -EINVAL, a longer one with a
 * non-zero tail -E2BIG.
 */
long cxltier_ioctl_dispatch(struct file *file, unsigned int cmd,
			    unsigned long arg,
			    const struct cxltier_ioctl_op *ops)
{
	union {
		struct cxltier_info info;
		struct cxltier_create create;
		struct cxltier_buf_stat stat;
		struct cxltier_migrate migrate;
		struct cxltier_pool_add pool_add;
		struct cxltier_pool_remove pool_remove;
		struct cxltier_pool_list pool_list;
	} buf;
	const struct cxltier_ioctl_op *op;
	struct cxltier_ucmd ucmd = {};
	unsigned int nr = _IOC_NR(cmd);
	u32 user_size;
	int ret;

	if (cmd != _IO(CXLTIER_TYPE, nr) || nr < CXLTIER_CMD_BASE ||
	    nr >= CXLTIER_CMD_LAST)
		return -ENOTTY;
	op = &ops[nr - CXLTIER_CMD_BASE];
	if (!op->execute)
		return -ENOTTY;

	ucmd.file = file;
	ucmd.ubuffer = (void __user *)arg;
	if (get_user(user_size, (u32 __user *)ucmd.ubuffer))
		return -EFAULT;
	if (user_size < op->min_size)
		return -EINVAL;
	ucmd.user_size = user_size;
	ucmd.cmd = &buf;
	memset(&buf, 0, sizeof(buf));
	ret = copy_struct_from_user(ucmd.cmd, op->size, ucmd.ubuffer,
				    user_size);
	if (ret)
		return ret;
	return op->execute(&ucmd);
}

/* Copy the command struct back: never more than the user gave us. */
int cxltier_ucmd_respond(struct cxltier_ucmd *ucmd, size_t size)
{
	if (copy_to_user(ucmd->ubuffer, ucmd->cmd,
			 min_t(size_t, ucmd->user_size, size)))
		return -EFAULT;
	return 0;
}

static const struct cxltier_ioctl_op cxltier_dev_ioctl_ops[CXLTIER_NR_CMDS] = {
	CXLTIER_IOCTL_OP(CXLTIER_CMD_GET_INFO, cxltier_get_info,
			 struct cxltier_info, nodes),
	CXLTIER_IOCTL_OP(CXLTIER_CMD_CREATE, cxltier_create,
			 struct cxltier_create, out_id),
	CXLTIER_IOCTL_OP(CXLTIER_CMD_POOL_ADD, cxltier_pool_add,
			 struct cxltier_pool_add, __reserved2),
	CXLTIER_IOCTL_OP(CXLTIER_CMD_POOL_REMOVE, cxltier_pool_remove,
			 struct cxltier_pool_remove, __reserved),
	CXLTIER_IOCTL_OP(CXLTIER_CMD_POOL_LIST, cxltier_pool_list,
			 struct cxltier_pool_list, pools),
};

static long cxltier_dev_ioctl(struct file *file, unsigned int cmd,
			      unsigned long arg)
{
	return cxltier_ioctl_dispatch(file, cmd, arg, cxltier_dev_ioctl_ops);
}

static const struct file_operations cxltier_dev_fops = {
	.owner = THIS_MODULE,
	.open = nonseekable_open,
	.unlocked_ioctl = cxltier_dev_ioctl,
	.compat_ioctl = compat_ptr_ioctl,
	.llseek = noop_llseek,
};

static struct miscdevice cxltier_misc = {
	.minor = MISC_DYNAMIC_MINOR,
	.name = CXLTIER_DEVICE_NAME,
	.fops = &cxltier_dev_fops,
	/* root only; a udev rule may widen it */
	.mode = 0600,
	/* default_policy, default_page_size, low_free_percent (sysfs.c) */
	.groups = cxltier_dev_groups,
};

static int __init cxltier_init(void)
{
	int ret;

	ret = cxltier_stats_init();
	if (ret)
		return ret;
	ret = cxltier_quota_init();
	if (ret)
		goto err_stats;
	cxltier_page_init();
	ret = cxltier_migrate_init();
	if (ret)
		goto err_page;
	ret = cxltier_buf_init();
	if (ret)
		goto err_migrate;
	/*
	 * The netlink family before the device: whatever a user does through
	 * the device may send an event, and nothing can fail once userspace
	 * holds buffers.
	 */
	ret = cxltier_nl_init();
	if (ret)
		goto err_buf;

	/*
	 * Register the device last: it is how userspace reaches us.  Its
	 * sysfs directory (quotas) exists only from here; the quotas behind it
	 * (unlimited) exist already.
	 */
	ret = misc_register(&cxltier_misc);
	if (ret)
		goto err_nl;
	ret = cxltier_sysfs_init(&cxltier_misc.this_device->kobj);
	if (ret)
		goto err_misc;

	pr_info("version %s loaded, api %d\n", CXLTIER_VERSION,
		CXLTIER_API_VERSION);
	return 0;

err_misc:
	misc_deregister(&cxltier_misc);
err_nl:
	cxltier_nl_exit();
err_buf:
	cxltier_buf_exit();
err_migrate:
	cxltier_migrate_exit();
err_page:
	cxltier_page_exit();
	cxltier_quota_exit();
err_stats:
	cxltier_stats_exit();
	return ret;
}

static void __exit cxltier_exit(void)
{
	/*
	 * Buffers and pools hold a module reference, so none exists any
	 * more: no pgmap can be freed under live pages.  The netlink family
	 * goes first: a dump in progress holds a module reference, so none is.
	 */
	cxltier_nl_exit();
	cxltier_sysfs_exit();
	misc_deregister(&cxltier_misc);
	cxltier_buf_exit();
	cxltier_migrate_exit();		/* waits for the last work item */
	cxltier_page_exit();
	cxltier_quota_exit();
	cxltier_stats_exit();
	pr_info("unloaded\n");
}

module_init(cxltier_init);
module_exit(cxltier_exit);

MODULE_DESCRIPTION("Per-buffer placement of memory on DRAM and CXL nodes");
MODULE_LICENSE("GPL");
MODULE_VERSION(CXLTIER_VERSION);
