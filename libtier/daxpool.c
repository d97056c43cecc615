// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * Device-dax pools (uapi: CXLTIER_IOC_POOL_ADD, _REMOVE, _LIST).
 *
 * tier_daxpool_add() does what `daxctl disable-device` does (unbind the
 * device from device_dax through sysfs), reads the range and target node
 * from the device's sysfs attributes and hands them to the module; if the
 * module refuses, the device is bound again.  tier_daxpool_remove() gives
 * the range back and binds the device again.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/ioctl.h>

#include "libtier-private.h"

#define DAX_BUS "/sys/bus/dax"

static int dax_name_ok(const char *name)
{
	size_t len = strlen(name), i;

	if (!len || len >= CXLTIER_POOL_NAME_LEN)
		return 0;
	for (i = 0; i < len; i++) {
		char c = name[i];

		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		      (c >= '0' && c <= '9') || c == '.' || c == '_' ||
		      c == ':' || c == '-'))
			return 0;
	}
	return 1;
}

static int write_file(const char *path, const char *text)
{
	int fd = open(path, O_WRONLY | O_CLOEXEC), err = 0;

	if (fd < 0)
		return -errno;
	if (write(fd, text, strlen(text)) < 0)
		err = -errno;
	close(fd);
	return err;
}

static int read_u64(const char *dax, const char *attr, uint64_t *v)
{
	char path[PATH_MAX], text[64];
	ssize_t n;
	int fd;

	snprintf(path, sizeof(path), DAX_BUS "/devices/%s/%s", dax, attr);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	n = read(fd, text, sizeof(text) - 1);
	close(fd);
	if (n <= 0)
		return n < 0 ? -errno : -EIO;
	text[n] = 0;
	errno = 0;
	*v = strtoull(text, NULL, 0);
	return errno ? -errno : 0;
}

TIER_EXPORT int tier_daxpool_driver(const char *dax, char *drv, size_t len)
{
	char path[PATH_MAX], link[PATH_MAX];
	const char *base;
	ssize_t n;

	if (!dax || !dax_name_ok(dax) || !drv || !len)
		return -EINVAL;
	snprintf(path, sizeof(path), DAX_BUS "/devices/%s", dax);
	if (access(path, F_OK))
		return -ENODEV;
	snprintf(path, sizeof(path), DAX_BUS "/devices/%s/driver", dax);
	n = readlink(path, link, sizeof(link) - 1);
	if (n < 0) {
		drv[0] = 0;
		return errno == ENOENT ? 0 : -errno;
	}
	link[n] = 0;
	base = strrchr(link, '/');
	snprintf(drv, len, "%s", base ? base + 1 : link);
	return 0;
}

static int dax_bind(const char *dax, int bind)
{
	return write_file(bind ? DAX_BUS "/drivers/device_dax/bind" :
				 DAX_BUS "/drivers/device_dax/unbind", dax);
}

static int need_module(struct tier_ctx *ctx)
{
	return ctx && ctx->backend == TIER_BACKEND_MODULE ? 0 : -EOPNOTSUPP;
}

TIER_EXPORT int tier_daxpool_add(struct tier_ctx *ctx, const char *dax, uint32_t *id)
{
	struct cxltier_pool_add a;
	uint64_t start, size, node;
	char drv[64];
	int err, unbound = 0;

	if ((err = need_module(ctx)))
		return err;
	err = tier_daxpool_driver(dax, drv, sizeof(drv));
	if (err)
		return err;
	if (drv[0] && strcmp(drv, "device_dax")) {
		tier_err(ctx, "%s: bound to %s, not device_dax", dax, drv);
		return -EBUSY;
	}
	if ((err = read_u64(dax, "resource", &start)) ||
	    (err = read_u64(dax, "size", &size)) ||
	    (err = read_u64(dax, "target_node", &node))) {
		tier_err(ctx, "%s: cannot read its range: %s", dax,
			 strerror(-err));
		return err;
	}
	if (drv[0]) {
		err = dax_bind(dax, 0);
		if (err) {
			tier_err(ctx, "%s: unbind from device_dax: %s", dax,
				 strerror(-err));
			return err;
		}
		unbound = 1;
	}
	memset(&a, 0, sizeof(a));
	a.size = sizeof(a);
	a.start = start;
	a.length = size;
	a.node = (uint32_t)node;
	memcpy(a.name, dax, strlen(dax));
	if (ioctl(ctx->devfd, CXLTIER_IOC_POOL_ADD, &a) < 0) {
		err = -errno;
		tier_err(ctx, "POOL_ADD %s: %s", dax, strerror(-err));
		if (unbound)
			dax_bind(dax, 1);	/* give it back as it was */
		return err;
	}
	tier_dbg(ctx, "pool %u: %s, node %llu, %llu bytes at 0x%llx%s",
		 a.out_id, dax, (unsigned long long)node,
		 (unsigned long long)size, (unsigned long long)start,
		 unbound ? " (unbound from device_dax)" : "");
	if (id)
		*id = a.out_id;
	return 0;
}

TIER_EXPORT int tier_daxpool_list(struct tier_ctx *ctx, struct tier_daxpool *out,
		      unsigned int cap)
{
	struct cxltier_pool_info *pi = NULL;
	struct cxltier_pool_list l;
	unsigned int i, n;
	int err, tries;

	if ((err = need_module(ctx)))
		return err;
	if (cap && !out)
		return -EINVAL;
	for (tries = 0; tries < 8; tries++) {
		memset(&l, 0, sizeof(l));
		l.size = sizeof(l);
		if (ioctl(ctx->devfd, CXLTIER_IOC_POOL_LIST, &l) < 0)
			return -errno;
		n = l.nr_pools;
		free(pi);
		pi = calloc(n ? n : 1, sizeof(*pi));
		if (!pi)
			return -ENOMEM;
		l.nr_pools = n;
		l.entry_size = sizeof(*pi);
		l.pools = (uintptr_t)pi;
		if (ioctl(ctx->devfd, CXLTIER_IOC_POOL_LIST, &l) == 0)
			break;
		if (errno != EMSGSIZE) {
			err = -errno;
			free(pi);
			return err;
		}
	}
	if (tries == 8) {
		free(pi);
		return -EAGAIN;
	}
	for (i = 0; i < l.nr_pools && i < cap; i++) {
		struct tier_daxpool *d = &out[i];

		memset(d, 0, sizeof(*d));
		d->id = pi[i].id;
		d->node = pi[i].node;
		memcpy(d->name, pi[i].name, sizeof(d->name));
		d->name[sizeof(d->name) - 1] = 0;
		d->start = pi[i].start;
		d->length = pi[i].length;
		d->free_bytes = pi[i].free_bytes;
		d->largest_free_bytes = pi[i].largest_free_bytes;
		d->used_pages = pi[i].used_pages;
		d->busy_pages = pi[i].busy_pages;
		d->pinned_pages = pi[i].pinned_pages;
		d->free_huge_blocks = pi[i].free_huge_blocks;
	}
	free(pi);
	return (int)l.nr_pools;
}

TIER_EXPORT int tier_daxpool_remove(struct tier_ctx *ctx, const char *name)
{
	struct tier_daxpool *pools;
	struct cxltier_pool_remove r;
	char drv[64];
	int n, i, err;

	if ((err = need_module(ctx)))
		return err;
	if (!name || !dax_name_ok(name))
		return -EINVAL;
	n = tier_daxpool_list(ctx, NULL, 0);
	if (n < 0)
		return n;
	pools = calloc(n ? (size_t)n : 1, sizeof(*pools));
	if (!pools)
		return -ENOMEM;
	n = tier_daxpool_list(ctx, pools, (unsigned int)n);
	for (i = 0; i < n; i++)
		if (!strcmp(pools[i].name, name))
			break;
	if (n < 0 || i == n) {
		free(pools);
		return n < 0 ? n : -ENOENT;
	}
	memset(&r, 0, sizeof(r));
	r.size = sizeof(r);
	r.id = pools[i].id;
	free(pools);
	if (ioctl(ctx->devfd, CXLTIER_IOC_POOL_REMOVE, &r) < 0) {
		err = -errno;
		tier_err(ctx, "POOL_REMOVE %s: %s", name, strerror(-err));
		return err;
	}
	tier_dbg(ctx, "pool %u (%s) removed", r.id, name);
	/* a dax device of that name, unbound: enable it again */
	if (!tier_daxpool_driver(name, drv, sizeof(drv)) && !drv[0]) {
		err = dax_bind(name, 1);
		if (err) {
			tier_err(ctx, "%s: bind to device_dax: %s", name,
				 strerror(-err));
			return 1;	/* removed; the device stays disabled */
		}
	}
	return 0;
}
