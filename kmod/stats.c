// SPDX-License-Identifier: GPL-2.0
/*
 * cxltier: per-node event counters (sysfs nodes/nodeN/<counter>, netlink
 * CXLTIER_NL_A_NODE_*).  Per-CPU, so the fault path never bounces a cache
 * line between CPUs; a read sums the CPUs and may be a few events behind
 * a concurrent update, never ahead.
 */
#include "internal.h"

#include <linux/percpu.h>
#include <linux/cpumask.h>

unsigned int cxltier_low_free_percent = 5;

/* nr_node_ids * CXLTIER_NR_COUNTERS counters per CPU */
static u64 __percpu *cxltier_counters;

int cxltier_stats_init(void)
{
	cxltier_counters = __alloc_percpu(sizeof(u64) * nr_node_ids *
					  CXLTIER_NR_COUNTERS,
					  __alignof__(u64));
	return cxltier_counters ? 0 : -ENOMEM;
}

void cxltier_stats_exit(void)
{
	free_percpu(cxltier_counters);
	cxltier_counters = NULL;
}

void cxltier_count(int nid, enum cxltier_counter c, unsigned long n)
{
	if (WARN_ON_ONCE(nid < 0 || nid >= nr_node_ids ||
			 c >= CXLTIER_NR_COUNTERS))
		return;
	this_cpu_add(cxltier_counters[nid * CXLTIER_NR_COUNTERS + c], n);
}

u64 cxltier_count_read(int nid, enum cxltier_counter c)
{
	u64 sum = 0;
	int cpu;

	if (nid < 0 || nid >= nr_node_ids || c >= CXLTIER_NR_COUNTERS)
		return 0;
	for_each_possible_cpu(cpu)
		sum += per_cpu_ptr(cxltier_counters, cpu)[nid *
						CXLTIER_NR_COUNTERS + c];
	return sum;
}
