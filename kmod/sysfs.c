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
 *   /sys/class/misc/cxltier/{default_policy,default_page_size,
 *                            low_free_percent}
 *
 * (uapi/linux/cxltier.h documents each file).  One directory per possible
 * node, made at load: a node whose memory is hot-added later (dax kmem
 * onlining a CXL expander) already has its directory and quota, set before
 * the memory arrives if need be, so no hotplug notifier is needed.
 *
 * To add a per-node file: a show (and store) function and an entry in
 * cxltier_node_attrs[].  Module-wide files are device attributes of the
 * misc device (cxltier_dev_groups, which misc_register() creates with the
 * device, before its uevent, so udev never sees the directory without
 * them); doc/ABI/testing/sysfs-class-misc-cxltier documents every file.
 */
#include "internal.h"

#include <linux/capability.h>
#include <linux/ctype.h>
#include <linux/device.h>
#include <linux/mutex.h>
#include <linux/kobject.h>
#include <linux/log2.h>
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

/* ------------------------------------------------------------------------ */
/* Module-wide defaults                                                       */

static const char *const cxltier_mode_names[CXLTIER_NR_MODES] =
	CXLTIER_MODE_NAMES;

/*
 * The longest default_policy a store accepts: the canonical text of the
 * longest valid policy ("weighted:", 64 times "NNNN=1000000,", a chunk)
 * fits well within it; anything longer is -EINVAL before it is looked at.
 */
#define CXLTIER_POLICY_TEXT_MAX	2048

struct cxltier_default_policy {
	bool set;			/* false: "none" */
	u32 mode;
	u32 nr_nodes;
	u32 chunk_shift;		/* 0: one unit */
	u64 weight_sum;
	struct cxltier_node_weight nodes[CXLTIER_MAX_POLICY_NODES];
};

/* Protects cxltier_dflt: a store replaces it whole, a create copies it. */
static DEFINE_MUTEX(cxltier_dflt_lock);
static struct cxltier_default_policy cxltier_dflt;

/* log2 of default_page_size: PAGE_SHIFT or CXLTIER_HUGE_PAGE_SHIFT */
static u32 cxltier_dflt_page_shift = PAGE_SHIFT;

u32 cxltier_default_page_shift(void)
{
	return READ_ONCE(cxltier_dflt_page_shift);
}

/*
 * A copy of the default policy for CXLTIER_CREATE_DEFAULT_POLICY: 0 with
 * *@nw kmalloc'ed (the caller owns it), -ENOENT while none is set, or
 * -ENOMEM.
 */
int cxltier_default_policy_get(u32 *mode, struct cxltier_node_weight **nw,
			       u32 *nr_nodes, u32 *chunk_shift)
{
	struct cxltier_node_weight *copy;
	int ret = 0;

	copy = kmalloc_array(CXLTIER_MAX_POLICY_NODES, sizeof(*copy),
			     GFP_KERNEL);
	if (!copy)
		return -ENOMEM;
	mutex_lock(&cxltier_dflt_lock);
	if (!cxltier_dflt.set) {
		ret = -ENOENT;
	} else {
		*mode = cxltier_dflt.mode;
		*nr_nodes = cxltier_dflt.nr_nodes;
		*chunk_shift = cxltier_dflt.chunk_shift;
		memcpy(copy, cxltier_dflt.nodes,
		       cxltier_dflt.nr_nodes * sizeof(*copy));
	}
	mutex_unlock(&cxltier_dflt_lock);
	if (ret)
		kfree(copy);
	else
		*nw = copy;
	return ret;
}

/* [s, s + len) is exactly @word */
static bool cxltier_token_is(const char *s, size_t len, const char *word)
{
	return len == strlen(word) && !memcmp(s, word, len);
}

/*
 * Decimal digits, nothing else (no sign, no "0x", no spaces), of a value
 * that fits a u32.  0, or -EINVAL.
 */
static int cxltier_parse_u32(const char *s, size_t len, u32 *out)
{
	u64 v = 0;

	if (!len)
		return -EINVAL;
	for (; len; s++, len--) {
		if (!isdigit(*s))
			return -EINVAL;
		v = v * 10 + (*s - '0');
		if (v > U32_MAX)
			return -EINVAL;
	}
	*out = v;
	return 0;
}

/*
 * An interleave chunk as libtier writes sizes: a power of two in bytes,
 * with an optional K, M or G (binary units), from the base page to
 * CXLTIER_MAX_CHUNK_SHIFT.  Its log2 into *@shift; 0 or -EINVAL.
 */
static int cxltier_parse_chunk(const char *s, size_t len, u32 *shift)
{
	unsigned int unit = 0;
	u32 v;

	if (len) {
		switch (s[len - 1]) {
		case 'K':
			unit = 10;
			break;
		case 'M':
			unit = 20;
			break;
		case 'G':
			unit = 30;
			break;
		}
	}
	if (cxltier_parse_u32(s, len - !!unit, &v) || !is_power_of_2(v))
		return -EINVAL;
	*shift = ilog2(v) + unit;
	if (*shift < PAGE_SHIFT || *shift > CXLTIER_MAX_CHUNK_SHIFT)
		return -EINVAL;
	return 0;
}

/*
 * The nodes an item names, [s, s + len): one, a range or a tier name, into
 * @mask; whether it may name more than one node in *@many.  0 or -EINVAL.
 */
static int cxltier_parse_nodes(const char *s, size_t len, nodemask_t *mask,
			       bool *many)
{
	static const struct {
		const char *name;
		int tier;		/* -1: every node with memory */
	} names[] = {
		{ "all", -1 }, { "dram", CXLTIER_TIER_DRAM },
		{ "cxl", CXLTIER_TIER_CXL },
	};
	const char *dash = memchr(s, '-', len);
	u32 first, last, n;
	int i, nid;

	nodes_clear(*mask);
	*many = true;
	for (i = 0; i < ARRAY_SIZE(names); i++) {
		if (!cxltier_token_is(s, len, names[i].name))
			continue;
		for_each_node_state(nid, N_MEMORY) {
			struct cxltier_node_info ni;

			if (names[i].tier >= 0) {
				cxltier_node_fill(nid, &ni);
				if (ni.tier != names[i].tier)
					continue;
			}
			node_set(nid, *mask);
		}
		return nodes_empty(*mask) ? -EINVAL : 0;
	}
	if (dash) {
		if (cxltier_parse_u32(s, dash - s, &first) ||
		    cxltier_parse_u32(dash + 1, s + len - dash - 1, &last) ||
		    last < first)
			return -EINVAL;
	} else {
		if (cxltier_parse_u32(s, len, &first))
			return -EINVAL;
		last = first;
	}
	*many = first != last;	/* as libtier: "2-2" is node 2 */
	/* not nodes this machine can ever have */
	for (n = first; ; n++) {
		if (n >= nr_node_ids || !node_possible(n))
			return -EINVAL;
		node_set(n, *mask);
		if (n == last)
			return 0;
	}
}

/*
 * Parse "none" or a policy in libtier's grammar (tier_policy_parse() in
 * libtier/libtier.h), the part of it a default policy can hold:
 *
 *   MODE ':' item { ',' item }      one trailing newline allowed
 *   item  := NODES [ '=' WEIGHT [ '%' ] ] | "chunk=" SIZE
 *   NODES := NODE | NODE '-' NODE | "all" | "dram" | "cxl"
 *
 * a range is each node from the first to the last; a name, the nodes with
 * memory now (of that tier, as GET_INFO classifies them), resolved at the
 * write: the file then reads back node numbers.  Ranges and names are not
 * for split (each node its own share).
 * a weight for each node of weighted and split and for no other mode; in
 * a split either every weight has a '%' and they sum to 100, or none has;
 * chunk= at most once, for interleave and weighted.  Page size and flag
 * options (page=, fallback, ...) belong to a create, not to this file:
 * -EINVAL.  The result is checked with the rules of CXLTIER_IOC_CREATE
 * (cxltier_policy_check(): weights, nodes named once, at most
 * CXLTIER_MAX_POLICY_NODES), plus one of its own: each node must be a
 * possible node of this machine.  Whether the nodes have memory is checked
 * at create time instead.  0 or -EINVAL; @p is scratch until 0 is returned.
 */
static int cxltier_parse_policy(const char *buf, size_t count,
				struct cxltier_default_policy *p)
{
	const char *end, *colon, *item, *next, *eq, *wend;
	int percent = 0;	/* 1: every weight has a '%', -1: none has */
	bool seen_chunk = false, pct, many;
	u32 mode, weight;
	nodemask_t nodes;
	int node;

	memset(p, 0, sizeof(*p));
	/* too long to be a policy, or with a NUL inside */
	if (count > CXLTIER_POLICY_TEXT_MAX || strnlen(buf, count) != count)
		return -EINVAL;
	end = buf + count;
	if (end > buf && end[-1] == '\n')
		end--;
	if (cxltier_token_is(buf, end - buf, CXLTIER_SYSFS_POLICY_NONE))
		return 0;		/* p->set is false */

	colon = memchr(buf, ':', end - buf);
	if (!colon)
		return -EINVAL;
	for (mode = 0; mode < CXLTIER_NR_MODES; mode++)
		if (cxltier_token_is(buf, colon - buf, cxltier_mode_names[mode]))
			break;
	if (mode == CXLTIER_NR_MODES)
		return -EINVAL;

	for (item = colon + 1; ; item = next + 1) {
		next = memchr(item, ',', end - item) ?: end;
		eq = memchr(item, '=', next - item);
		if (cxltier_token_is(item, (eq ?: next) - item, "chunk")) {
			if (!eq || seen_chunk ||
			    (mode != CXLTIER_MODE_INTERLEAVE &&
			     mode != CXLTIER_MODE_WEIGHTED) ||
			    cxltier_parse_chunk(eq + 1, next - eq - 1,
						&p->chunk_shift))
				return -EINVAL;
			seen_chunk = true;
			goto next_item;
		}
		if (cxltier_parse_nodes(item, (eq ?: next) - item, &nodes,
					&many) ||
		    (many && mode == CXLTIER_MODE_SPLIT))
			return -EINVAL;
		weight = 0;	/* cxltier_policy_check() says if it may be */
		if (eq) {
			wend = next;
			pct = mode == CXLTIER_MODE_SPLIT && wend > eq + 1 &&
			      wend[-1] == '%';
			if (pct)
				wend--;
			if (percent == (pct ? -1 : 1) ||
			    cxltier_parse_u32(eq + 1, wend - eq - 1, &weight) ||
			    !weight)	/* "=0" is no absent weight */
				return -EINVAL;
			percent = pct ? 1 : -1;
		}
		for_each_node_mask(node, nodes) {
			if (p->nr_nodes == CXLTIER_MAX_POLICY_NODES)
				return -EINVAL;
			p->nodes[p->nr_nodes].node = node;
			p->nodes[p->nr_nodes].weight = weight;
			p->nr_nodes++;
		}
next_item:
		if (next == end)
			break;
	}
	if (cxltier_policy_check(mode, p->nodes, p->nr_nodes, &p->weight_sum))
		return -EINVAL;
	if (percent > 0 && p->weight_sum != 100)
		return -EINVAL;
	p->mode = mode;
	p->set = true;
	return 0;
}

/*
 * The policy as tier_policy_format() writes it: the nodes in list order,
 * weights where the mode has them (with '%' for a split whose weights sum
 * to 100), then the chunk in the largest unit that divides it.
 */
static ssize_t default_policy_show(struct device *dev,
				   struct device_attribute *attr, char *buf)
{
	const struct cxltier_default_policy *p = &cxltier_dflt;
	bool pct;
	ssize_t len;
	u32 i, u;

	mutex_lock(&cxltier_dflt_lock);
	if (!p->set) {
		len = sysfs_emit(buf, "%s\n", CXLTIER_SYSFS_POLICY_NONE);
		goto out;
	}
	pct = p->mode == CXLTIER_MODE_SPLIT && p->weight_sum == 100;
	len = sysfs_emit(buf, "%s:", cxltier_mode_names[p->mode]);
	for (i = 0; i < p->nr_nodes; i++) {
		len += sysfs_emit_at(buf, len, "%s%u", i ? "," : "",
				     p->nodes[i].node);
		if (p->nodes[i].weight)
			len += sysfs_emit_at(buf, len, "=%u%s",
					     p->nodes[i].weight, pct ? "%" : "");
	}
	if (p->chunk_shift) {
		/* chunk_shift is 12 to 30: K, M or G */
		u = min(p->chunk_shift / 10, 3U);
		len += sysfs_emit_at(buf, len, ",chunk=%llu%c",
				     1ULL << (p->chunk_shift - 10 * u),
				     "KMG"[u - 1]);
	}
	len += sysfs_emit_at(buf, len, "\n");
out:
	mutex_unlock(&cxltier_dflt_lock);
	return len;
}

static ssize_t default_policy_store(struct device *dev,
				    struct device_attribute *attr,
				    const char *buf, size_t count)
{
	struct cxltier_default_policy *p;
	int ret;

	if (!capable(CAP_SYS_ADMIN))
		return -EPERM;
	p = kmalloc(sizeof(*p), GFP_KERNEL);
	if (!p)
		return -ENOMEM;
	ret = cxltier_parse_policy(buf, count, p);
	if (!ret) {
		mutex_lock(&cxltier_dflt_lock);
		cxltier_dflt = *p;
		mutex_unlock(&cxltier_dflt_lock);
	}
	kfree(p);
	return ret ?: count;
}

static ssize_t default_page_size_show(struct device *dev,
				      struct device_attribute *attr, char *buf)
{
	return sysfs_emit(buf, "%llu\n", 1ULL << cxltier_default_page_shift());
}

/* The page sizes GET_INFO's supported_page_sizes names, in bytes. */
static ssize_t default_page_size_store(struct device *dev,
				       struct device_attribute *attr,
				       const char *buf, size_t count)
{
	u64 size;

	if (!capable(CAP_SYS_ADMIN))
		return -EPERM;
	if (!isdigit(buf[0]) || kstrtou64(buf, 10, &size))
		return -EINVAL;
	if (size == 1ULL << PAGE_SHIFT)
		WRITE_ONCE(cxltier_dflt_page_shift, PAGE_SHIFT);
	else if (size == 1ULL << CXLTIER_HUGE_PAGE_SHIFT)
		WRITE_ONCE(cxltier_dflt_page_shift, CXLTIER_HUGE_PAGE_SHIFT);
	else
		return -EINVAL;
	return count;
}

static ssize_t low_free_percent_show(struct device *dev,
				     struct device_attribute *attr, char *buf)
{
	return sysfs_emit(buf, "%u\n", READ_ONCE(cxltier_low_free_percent));
}

static ssize_t low_free_percent_store(struct device *dev,
				      struct device_attribute *attr,
				      const char *buf, size_t count)
{
	u32 pct;

	if (!capable(CAP_SYS_ADMIN))
		return -EPERM;
	if (!isdigit(buf[0]) || kstrtou32(buf, 10, &pct) || pct > 100)
		return -EINVAL;
	WRITE_ONCE(cxltier_low_free_percent, pct);
	return count;
}

static DEVICE_ATTR_RW(default_policy);
static DEVICE_ATTR_RW(default_page_size);
static DEVICE_ATTR_RW(low_free_percent);

static struct attribute *cxltier_dev_attrs[] = {
	&dev_attr_default_policy.attr,
	&dev_attr_default_page_size.attr,
	&dev_attr_low_free_percent.attr,
	NULL,
};

static const struct attribute_group cxltier_dev_group = {
	.attrs = cxltier_dev_attrs,
};

/* misc_register() creates these with the device (main.c) */
const struct attribute_group *cxltier_dev_groups[] = {
	&cxltier_dev_group,
	NULL,
};

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
