// SPDX-License-Identifier: GPL-2.0
/*
 * cxltier: the module's sysfs directory, under its misc device:
 *
 *   /sys/class/misc/cxltier/nodes/nodeN/{quota_bytes,used_bytes,
 *                                        reserved_bytes,tier,
 *                                        alloc_pages,spill_pages,
 *                                        migrate_in_pages,
 *                                        migrate_out_pages,
 *                                        fault_failures}
 *
 * (uapi/linux/cxltier.h documents each file).  One directory per possible
 * node, made at load: a node whose memory is hot-added later (dax kmem
 * onlining a CXL expander) already has its directory and quota, set before
 * the memory arrives if need be, so no hotplug notifier is needed.
 *
 * To add a per-node file: a show (and store) function and an entry in
 * cxltier_node_attrs[].  Module-wide files (global defaults) go in a group
 * of their own on the device's kobject, created in cxltier_sysfs_init().
 */
#include "internal.h"

#include <linux/capability.h>
#include <linux/ctype.h>
#include <linux/kobject.h>
#include <linux/nodemask.h>
#include <linux/slab.h>
#include <linux/sysfs.h>

struct cxltier_node_kobj {
	struct kobject kobj;
	int nid;
};

static struct kobject *cxltier_nodes_kobj;
static struct cxltier_node_kobj **cxltier_node_kobjs;	/* nr_node_ids */

static int cxltier_kobj_nid(struct kobject *kobj)
{
	return container_of(kobj, struct cxltier_node_kobj, kobj)->nid;
}

static ssize_t quota_bytes_show(struct kobject *kobj,
				struct kobj_attribute *attr, char *buf)
{
	u64 quota, used, reserved;

	cxltier_quota_read(cxltier_kobj_nid(kobj), &quota, &used, &reserved);
	if (quota == U64_MAX)
		return sysfs_emit(buf, "%s\n", CXLTIER_SYSFS_UNLIMITED);
	return sysfs_emit(buf, "%llu\n", quota);
}

/*
 * A decimal byte count or "max" (a trailing newline allowed); anything else
 * is -EINVAL and changes nothing.  The file is 0644 and root's, so only
 * root can open it for writing; the capability check also stops a writer
 * that was handed an fd root opened.
 */
static ssize_t quota_bytes_store(struct kobject *kobj,
				 struct kobj_attribute *attr, const char *buf,
				 size_t count)
{
	u64 quota;

	if (!capable(CAP_SYS_ADMIN))
		return -EPERM;
	if (sysfs_streq(buf, CXLTIER_SYSFS_UNLIMITED))
		quota = U64_MAX;
	else if (!isdigit(buf[0]) || kstrtou64(buf, 10, &quota))
		return -EINVAL;
	cxltier_quota_set(cxltier_kobj_nid(kobj), quota);
	return count;
}

static ssize_t used_bytes_show(struct kobject *kobj,
			       struct kobj_attribute *attr, char *buf)
{
	u64 quota, used, reserved;

	cxltier_quota_read(cxltier_kobj_nid(kobj), &quota, &used, &reserved);
	return sysfs_emit(buf, "%llu\n", used);
}

static ssize_t reserved_bytes_show(struct kobject *kobj,
				   struct kobj_attribute *attr, char *buf)
{
	u64 quota, used, reserved;

	cxltier_quota_read(cxltier_kobj_nid(kobj), &quota, &used, &reserved);
	return sysfs_emit(buf, "%llu\n", reserved);
}

static ssize_t tier_show(struct kobject *kobj, struct kobj_attribute *attr,
			 char *buf)
{
	int nid = cxltier_kobj_nid(kobj);
	struct cxltier_node_info ni;

	if (!node_online(nid) || !node_state(nid, N_MEMORY))
		return sysfs_emit(buf, "%s\n", CXLTIER_SYSFS_TIER_NONE);
	cxltier_node_fill(nid, &ni);
	return sysfs_emit(buf, "%s\n", ni.tier == CXLTIER_TIER_CXL ?
			  CXLTIER_SYSFS_TIER_CXL : CXLTIER_SYSFS_TIER_DRAM);
}

/* The per-node counters (stats.c), one read-only file each. */
#define CXLTIER_COUNTER_ATTR(_name, _cnt)				\
static ssize_t _name##_show(struct kobject *kobj,			\
			    struct kobj_attribute *attr, char *buf)	\
{									\
	return sysfs_emit(buf, "%llu\n",				\
			  cxltier_count_read(cxltier_kobj_nid(kobj),	\
					     _cnt));			\
}									\
static struct kobj_attribute cxltier_attr_##_name = __ATTR_RO(_name)

CXLTIER_COUNTER_ATTR(alloc_pages, CXLTIER_CNT_ALLOC);
CXLTIER_COUNTER_ATTR(spill_pages, CXLTIER_CNT_SPILL);
CXLTIER_COUNTER_ATTR(migrate_in_pages, CXLTIER_CNT_MIGRATE_IN);
CXLTIER_COUNTER_ATTR(migrate_out_pages, CXLTIER_CNT_MIGRATE_OUT);
CXLTIER_COUNTER_ATTR(fault_failures, CXLTIER_CNT_FAULT_FAIL);

static struct kobj_attribute cxltier_attr_quota_bytes = __ATTR_RW(quota_bytes);
static struct kobj_attribute cxltier_attr_used_bytes = __ATTR_RO(used_bytes);
static struct kobj_attribute cxltier_attr_reserved_bytes =
	__ATTR_RO(reserved_bytes);
static struct kobj_attribute cxltier_attr_tier = __ATTR_RO(tier);

static struct attribute *cxltier_node_attrs[] = {
	&cxltier_attr_quota_bytes.attr,
	&cxltier_attr_used_bytes.attr,
	&cxltier_attr_reserved_bytes.attr,
	&cxltier_attr_tier.attr,
	&cxltier_attr_alloc_pages.attr,
	&cxltier_attr_spill_pages.attr,
	&cxltier_attr_migrate_in_pages.attr,
	&cxltier_attr_migrate_out_pages.attr,
	&cxltier_attr_fault_failures.attr,
	NULL,
};
ATTRIBUTE_GROUPS(cxltier_node);

static void cxltier_node_kobj_release(struct kobject *kobj)
{
	kfree(container_of(kobj, struct cxltier_node_kobj, kobj));
}

static struct kobj_type cxltier_node_ktype = {
	.release = cxltier_node_kobj_release,
	.sysfs_ops = &kobj_sysfs_ops,
	.default_groups = cxltier_node_groups,
};

void cxltier_sysfs_exit(void)
{
	int nid;

	if (cxltier_node_kobjs) {
		for (nid = 0; nid < nr_node_ids; nid++)
			if (cxltier_node_kobjs[nid])
				kobject_put(&cxltier_node_kobjs[nid]->kobj);
		kfree(cxltier_node_kobjs);
		cxltier_node_kobjs = NULL;
	}
	kobject_put(cxltier_nodes_kobj);
	cxltier_nodes_kobj = NULL;
}

/* Under @parent, the device's kobject. */
int cxltier_sysfs_init(struct kobject *parent)
{
	struct cxltier_node_kobj *nk;
	int nid, ret;

	cxltier_node_kobjs = kcalloc(nr_node_ids, sizeof(*cxltier_node_kobjs),
				     GFP_KERNEL);
	if (!cxltier_node_kobjs)
		return -ENOMEM;
	cxltier_nodes_kobj = kobject_create_and_add("nodes", parent);
	if (!cxltier_nodes_kobj) {
		ret = -ENOMEM;
		goto err;
	}
	for_each_node(nid) {
		nk = kzalloc(sizeof(*nk), GFP_KERNEL);
		if (!nk) {
			ret = -ENOMEM;
			goto err;
		}
		nk->nid = nid;
		ret = kobject_init_and_add(&nk->kobj, &cxltier_node_ktype,
					   cxltier_nodes_kobj, "node%d", nid);
		if (ret) {
			kobject_put(&nk->kobj);	/* frees nk */
			goto err;
		}
		cxltier_node_kobjs[nid] = nk;
	}
	return 0;
err:
	cxltier_sysfs_exit();
	return ret;
}
