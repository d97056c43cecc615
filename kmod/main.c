// SPDX-License-Identifier: GPL-2.0
/*
 * cxltier: per-buffer placement of memory across DRAM and CXL NUMA nodes.
 *
 * /dev/cxltier answers CXLTIER_IOC_GET_INFO (the node table),
 * CXLTIER_IOC_CREATE (a buffer, returned as its own fd) and the pool
 * ioctls; ioctl.c dispatches them.  See uapi/linux/cxltier.h for the
 * contract.  This file creates the device and wires the module together:
 * the order of init and exit below is the order of the layers
 * (internal.h draws them).
 */
#include "internal.h"

#include <linux/module.h>
#include <linux/miscdevice.h>

#ifndef CXLTIER_VERSION
#define CXLTIER_VERSION "unknown"
#endif

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
