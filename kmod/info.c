// SPDX-License-Identifier: GPL-2.0
/*
 * cxltier: the node table (CXLTIER_IOC_GET_INFO).
 */
#include "internal.h"

#include <linux/module.h>
#include <linux/mmzone.h>
#include <linux/nodemask.h>
#include <linux/topology.h>
#include <linux/vmstat.h>
#include <linux/uaccess.h>

/*
 * A CPU-less node at least this far (SLIT distance) from the nearest node
 * with CPUs is classed as CXL even when it has ZONE_NORMAL memory.  30 is
 * farther than a remote socket (usually 20-21) and nearer than what firmware
 * reports for CXL expanders.
 */
unsigned int cxltier_cxl_distance = 30;
module_param_named(cxl_distance, cxltier_cxl_distance, uint, 0644);
MODULE_PARM_DESC(cxl_distance,
		 "SLIT distance from which a CPU-less node counts as CXL (default 30)");

static u32 cxltier_zone_bit(enum zone_type zt)
{
	switch (zt) {
#ifdef CONFIG_ZONE_DMA
	case ZONE_DMA:
		return CXLTIER_ZONE_DMA;
#endif
#ifdef CONFIG_ZONE_DMA32
	case ZONE_DMA32:
		return CXLTIER_ZONE_DMA32;
#endif
	case ZONE_NORMAL:
		return CXLTIER_ZONE_NORMAL;
	case ZONE_MOVABLE:
		return CXLTIER_ZONE_MOVABLE;
	default:
		return 0;
	}
}

/*
 * Pages the buddy allocator manages on @nid in the zones a buffer may use:
 * all we report, or the non-movable ones for pinnable pages.
 */
u64 cxltier_node_capacity_pages(int nid, bool pinnable)
{
	pg_data_t *pgdat = NODE_DATA(nid);
	u64 pages = 0;
	int z;

	if (!pgdat)
		return 0;
	for (z = 0; z < MAX_NR_ZONES; z++) {
		struct zone *zone = &pgdat->node_zones[z];

		u32 bit = cxltier_zone_bit(zone_idx(zone));

		if (bit && !(pinnable && bit == CXLTIER_ZONE_MOVABLE))
			pages += zone_managed_pages(zone);
	}
	return pages;
}

void cxltier_node_fill(int nid, struct cxltier_node_info *ni)
{
	pg_data_t *pgdat = NODE_DATA(nid);
	u64 total = 0, free = 0, movable = 0;
	int z, c, best = nid, best_dist = INT_MAX;

	memset(ni, 0, sizeof(*ni));
	ni->node = nid;

	for (z = 0; z < MAX_NR_ZONES; z++) {
		struct zone *zone = &pgdat->node_zones[z];
		u32 bit = cxltier_zone_bit(zone_idx(zone));
		unsigned long managed = zone_managed_pages(zone);

		if (!bit || !managed)
			continue;
		ni->zones |= bit;
		total += managed;
		free += zone_page_state(zone, NR_FREE_PAGES);
		if (bit == CXLTIER_ZONE_MOVABLE)
			movable += managed;
	}

	if (node_state(nid, N_CPU)) {
		ni->flags |= CXLTIER_NODE_HAS_CPUS;
		best_dist = node_distance(nid, nid);
	} else {
		for_each_node_state(c, N_CPU) {
			int d = node_distance(nid, c);

			if (d < best_dist) {
				best_dist = d;
				best = c;
			}
		}
		if (best_dist == INT_MAX)
			best_dist = node_distance(nid, nid);
	}
	ni->nearest_cpu_node = best;
	ni->distance = best_dist;

	if (total && movable == total)
		ni->flags |= CXLTIER_NODE_MOVABLE_ONLY;
	if (!(ni->flags & CXLTIER_NODE_HAS_CPUS) &&
	    ((ni->flags & CXLTIER_NODE_MOVABLE_ONLY) ||
	     ni->distance >= READ_ONCE(cxltier_cxl_distance)))
		ni->tier = CXLTIER_TIER_CXL;
	else
		ni->tier = CXLTIER_TIER_DRAM;

	ni->total_bytes = total << PAGE_SHIFT;
	ni->free_bytes = free << PAGE_SHIFT;
	ni->movable_bytes = movable << PAGE_SHIFT;
}

int cxltier_get_info(struct cxltier_ucmd *ucmd)
{
	struct cxltier_info *info = ucmd->cmd;
	u8 __user *unodes = u64_to_user_ptr(info->nodes);
	u32 stride = info->node_entry_size;
	u32 cap = info->nr_nodes;
	u32 count = 0;
	int nid, ret;

	if (info->flags || info->__reserved || info->__reserved2)
		return -EINVAL;
	if (cap && (stride < CXLTIER_NODE_INFO_SIZE_VER0 || stride % 8 ||
		    stride > CXLTIER_NODE_INFO_MAX_SIZE))
		return -EINVAL;

	info->api_version = CXLTIER_API_VERSION;
	info->supported_modes = (1ULL << CXLTIER_NR_MODES) - 1;
	info->supported_create_flags = CXLTIER_CREATE_FLAGS;
	info->supported_page_sizes = (1ULL << PAGE_SHIFT) |
				     (1ULL << CXLTIER_HUGE_PAGE_SHIFT);
	info->max_policy_nodes = CXLTIER_MAX_POLICY_NODES;

	for_each_node_state(nid, N_MEMORY) {
		struct cxltier_node_info ni;
		size_t n = min_t(size_t, stride, sizeof(ni));
		u8 __user *dst;

		if (count < cap) {
			dst = unodes + (size_t)count * stride;
			cxltier_node_fill(nid, &ni);
			if (copy_to_user(dst, &ni, n))
				return -EFAULT;
			if (stride > n && clear_user(dst + n, stride - n))
				return -EFAULT;
		}
		count++;
	}

	info->nr_nodes = count;
	ret = cxltier_ucmd_respond(ucmd, sizeof(*info));
	if (ret)
		return ret;
	return count > cap && (cap || unodes) ? -EMSGSIZE : 0;
}
