/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Device-dax pools of the cxltier kselftest suite: CXLTIER_IOC_POOL_ADD and
 * removing a pool, waiting while its pages are still busy.  Used by the
 * pool and netlink tests.
 */
#ifndef CXLTIER_TEST_POOL_H
#define CXLTIER_TEST_POOL_H

#include "cxltier_test.h"

static int pool_add(int dev, const char *name, uint64_t start, uint64_t len,
		    unsigned int node, uint32_t *id)
{
	struct cxltier_pool_add a = {
		.size = sizeof(a),
		.start = start,
		.length = len,
		.node = node,
	};
	int r;

	strncpy(a.name, name, sizeof(a.name) - 1);
	r = xioctl(dev, CXLTIER_IOC_POOL_ADD, &a);
	if (!r && id)
		*id = a.out_id;
	return r;
}

static int pool_remove(int dev, uint32_t id)
{
	struct cxltier_pool_remove rm = { .size = sizeof(rm), .id = id };

	return xioctl(dev, CXLTIER_IOC_POOL_REMOVE, &rm);
}

/* Remove, retrying while pins are released asynchronously: 0 or -errno. */
static int pool_remove_wait(int dev, uint32_t id, double seconds)
{
	double end = now_s() + seconds;
	int r;

	while ((r = pool_remove(dev, id)) == -EBUSY && now_s() < end)
		usleep(20000);
	return r;
}

#endif /* CXLTIER_TEST_POOL_H */
