// SPDX-License-Identifier: GPL-2.0-only
/*
 * uapi/linux/cxltier_layout.h on its own, as the module and libtier use it:
 * for many random policies and buffer sizes, cxltier_layout_units() of
 * each entry equals the count of units cxltier_layout_home() puts there,
 * and cxltier_layout_run() covers the units in runs of one home that end
 * where the home changes.  No libtier, no backend.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <linux/cxltier_layout.h>

#include "kselftest_harness.h"

#define MAX_NODES	8
#define ROUNDS		20000

/* A policy's list as a user lays it out: node and weight side by side. */
struct entry {
	__u32 node;
	__u32 weight;
};

struct policy {
	struct entry e[MAX_NODES];
	__u64 split_end[MAX_NODES];
	struct cxltier_layout l;
};

/* A random policy of a random mode over @nr_units units. */
static void random_policy(struct policy *p, __u64 nr_units)
{
	__u64 prefix = 0;
	__u32 i;

	memset(p, 0, sizeof(*p));
	p->l.mode = (__u32)(rand() % CXLTIER_NR_MODES);
	p->l.nr_nodes = 1 + (__u32)(rand() % MAX_NODES);
	p->l.chunk_units_shift = (__u32)(rand() % 4);
	p->l.weight_stride = sizeof(struct entry) / sizeof(__u32);
	p->l.weights = &p->e[0].weight;
	p->l.nr_units = nr_units;
	for (i = 0; i < p->l.nr_nodes; i++) {
		p->e[i].node = i;
		/* split: now and then a weight that leaves a range empty */
		p->e[i].weight = 1 + (__u32)(rand() % (rand() % 4 ? 5 : 1000));
		p->l.weight_sum += p->e[i].weight;
	}
	if (p->l.mode != CXLTIER_MODE_SPLIT)
		return;
	for (i = 0; i < p->l.nr_nodes; i++) {
		prefix += p->e[i].weight;
		p->split_end[i] = cxltier_layout_split_end(nr_units, prefix,
							   p->l.weight_sum);
	}
	p->l.split_end = p->split_end;
}

static __u64 random_units(void)
{
	switch (rand() % 3) {
	case 0:
		return (__u64)(rand() % 8);		/* tiny, empty included */
	case 1:
		return (__u64)(rand() % 300);
	default:
		return (__u64)(rand() % 5000);
	}
}

TEST(units_match_homes)
{
	unsigned int seed = 13, round;

	srand(seed);
	for (round = 0; round < ROUNDS; round++) {
		__u64 count[MAX_NODES] = { 0 }, u, total = 0;
		struct policy p;
		__u32 i;

		random_policy(&p, random_units());
		for (u = 0; u < p.l.nr_units; u++) {
			__u32 home = cxltier_layout_home(&p.l, u);

			ASSERT_LT(home, p.l.nr_nodes);
			count[home]++;
		}
		for (i = 0; i < p.l.nr_nodes; i++) {
			EXPECT_EQ(count[i], cxltier_layout_units(&p.l, i))
				TH_LOG("seed %u round %u: mode %u, %u nodes, %llu units, chunk 2^%u, entry %u",
				       seed, round, p.l.mode, p.l.nr_nodes,
				       (unsigned long long)p.l.nr_units,
				       p.l.chunk_units_shift, i);
			total += cxltier_layout_units(&p.l, i);
		}
		ASSERT_EQ(p.l.nr_units, total);
	}
}

TEST(runs_follow_homes)
{
	unsigned int round;

	srand(7);
	for (round = 0; round < ROUNDS / 4; round++) {
		struct policy p;
		__u64 u, end;

		random_policy(&p, random_units());
		for (u = 0; u < p.l.nr_units; u = end) {
			__u32 home = cxltier_layout_run(&p.l, u, &end);
			__u64 v;

			ASSERT_LT(u, end);
			ASSERT_LE(end, p.l.nr_units);
			for (v = u; v < end; v++)
				ASSERT_EQ(home, cxltier_layout_home(&p.l, v));
			/* bind's runs are one unit; the others end at a change */
			if (end < p.l.nr_units && p.l.mode != CXLTIER_MODE_BIND)
				ASSERT_NE(home, cxltier_layout_home(&p.l, end));
		}
	}
}

TEST_HARNESS_MAIN
