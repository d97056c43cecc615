// SPDX-License-Identifier: GPL-2.0
/*
 * cxltier selftests: a node running out of memory, on a movable-only
 * (CXL-like) node.
 *
 *  exhaust.*  "the first touch of each page allocates a zeroed page on the
 *             policy's node, never elsewhere, and raises SIGBUS when the
 *             node cannot give one": a buffer as large as the node is
 *             touched until SIGBUS; no OOM killer, no allocation-failure
 *             splat, nothing elsewhere, everything back afterwards.
 */
#include "cxltier_test.h"

FIXTURE(exhaust) {
	struct ctx c;
	const struct cxltier_node_info *n;
};

FIXTURE_SETUP(exhaust)
{
	ctx_setup(&self->c, "exhaust", NULL);
	self->n = topo_pick(&self->c.topo, NK_MOVABLE, 64 * MiB);
	if (self->n) {
		ASSERT_LE(0, pin_cpu());
	}
}

FIXTURE_TEARDOWN(exhaust)
{
	ctx_teardown(&self->c);
}

TEST_F_TIMEOUT(exhaust, node_full_sigbus, 600)
{
	uint64_t len, got;
	struct node_free base;
	size_t np, n, i;
	unsigned int node;
	void *fault;
	char *p;
	int fd;

	NEED_NODE_KIND(self, NK_MOVABLE);
	node = self->n->node;
	settle_memory();
	ASSERT_EQ(0, read_node_free(self->c.dev, node, &base));
	len = self->n->total_bytes & ~(uint64_t)(pgsz - 1);
	np = len / pgsz;
	fd = buf_create_mapped(self->c.dev, len, node, &p);

	n = touch_until_sigbus(p, np, &fault);
	got = (uint64_t)n * pgsz;
	TH_LOG("node %u: %llu of %llu MiB touched before SIGBUS (%lld MiB "
	       "were free)", node, (unsigned long long)got / MiB,
	       (unsigned long long)len / MiB, base.sys / (long long)MiB);
	/* the node cannot give all of its memory (watermarks) */
	ASSERT_GT(np, n);
	EXPECT_EQ((void *)(p + n * pgsz), fault);
	/* but it gave nearly all that was free */
	EXPECT_LE((uint64_t)base.sys, got + 64 * MiB);
	/* all of it on the node, nothing elsewhere */
	assert_resident(fd, node, got);
	/* the failing page fails again; the others work */
	EXPECT_EQ(SIGBUS, probe(p + n * pgsz, false, NULL));
	for (i = 0; i < n; i += 97)
		if (*(uint64_t *)(p + i * pgsz) != i + 1) {
			TH_LOG("page %zu lost its contents", i);
			EXPECT_EQ(i + 1, *(uint64_t *)(p + i * pgsz));
			break;
		}
	munmap(p, len);
	close(fd);
	ASSERT_TRUE(wait_free_back(self->c.dev, node, &base, LEAK_SLACK));
}
