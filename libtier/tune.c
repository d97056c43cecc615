// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * The module's sysfs files by key (tier_tune_*): the module-wide tunables
 * in CXLTIER_SYSFS_DIR and the per-node files in CXLTIER_SYSFS_NODES_DIR,
 * named "default_policy" or "node.N.quota_bytes".  Only keys this library
 * knows map to files, so a key never names a path of the caller's making.
 */
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "libtier-private.h"

struct tune_file {
	const char *name;
	int writable;
};

/* In the order tier_tune_foreach() gives them. */
static const struct tune_file global_files[] = {
	{ "default_policy", 1 },
	{ "default_page_size", 1 },
	{ "low_free_percent", 1 },
};

static const struct tune_file node_files[] = {
	{ "quota_bytes", 1 },
	{ "used_bytes", 0 },
	{ "reserved_bytes", 0 },
	{ "tier", 0 },
	{ "alloc_pages", 0 },
	{ "spill_pages", 0 },
	{ "migrate_in_pages", 0 },
	{ "migrate_out_pages", 0 },
	{ "fault_failures", 0 },
};

#define ARRAY_LEN(a)	(sizeof(a) / sizeof((a)[0]))
#define NODE_DIGITS	7	/* node ids below 10^7: far above any kernel's */

/*
 * @key to its file: *@tf and, for a per-node key, *@node (else -1).
 * 0, or -EINVAL for a key that names no file this library knows.
 */
static int tune_lookup(const char *key, const struct tune_file **tf,
		       long *node)
{
	const char *p, *dot;
	size_t i, nd;

	if (!key)
		return -EINVAL;
	for (i = 0; i < ARRAY_LEN(global_files); i++)
		if (!strcmp(key, global_files[i].name)) {
			*tf = &global_files[i];
			*node = -1;
			return 0;
		}
	if (strncmp(key, "node.", 5))
		return -EINVAL;
	p = key + 5;
	dot = strchr(p, '.');
	if (!dot)
		return -EINVAL;
	nd = (size_t)(dot - p);
	if (!nd || nd > NODE_DIGITS || (nd > 1 && p[0] == '0'))
		return -EINVAL;
	for (i = 0; i < nd; i++)
		if (!isdigit((unsigned char)p[i]))
			return -EINVAL;
	for (i = 0; i < ARRAY_LEN(node_files); i++)
		if (!strcmp(dot + 1, node_files[i].name)) {
			*tf = &node_files[i];
			*node = strtol(p, NULL, 10);
			return 0;
		}
	return -EINVAL;
}

TIER_EXPORT int tier_tune_path(const char *key, char *path, size_t len)
{
	const struct tune_file *tf;
	long node;
	int n, err;

	err = tune_lookup(key, &tf, &node);
	if (err)
		return err;
	if (!path || !len)
		return -EINVAL;
	if (node < 0)
		n = snprintf(path, len, "%s/%s", CXLTIER_SYSFS_DIR, tf->name);
	else
		n = snprintf(path, len, "%s/node%ld/%s",
			     CXLTIER_SYSFS_NODES_DIR, node, tf->name);
	return n < 0 || (size_t)n >= len ? -ENAMETOOLONG : 0;
}

TIER_EXPORT int tier_tune_writable(const char *key)
{
	const struct tune_file *tf;
	long node;
	int err = tune_lookup(key, &tf, &node);

	return err ? err : tf->writable;
}

/* A missing file: the module is not loaded (no directory), or no such node. */
static int missing(void)
{
	struct stat st;

	return stat(CXLTIER_SYSFS_DIR, &st) ? -ENODEV : -ENOENT;
}

TIER_EXPORT int tier_tune_get(const char *key, char *value, size_t len)
{
	char path[256];
	size_t got = 0;
	ssize_t n;
	int fd, err;

	err = tier_tune_path(key, path, sizeof(path));
	if (err)
		return err;
	if (!value || !len)
		return -EINVAL;
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return errno == ENOENT ? missing() : -errno;
	for (;;) {
		if (got + 1 >= len) {
			close(fd);
			return -ERANGE;
		}
		n = read(fd, value + got, len - 1 - got);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			err = -errno;
			close(fd);
			return err;
		}
		if (!n)
			break;
		got += (size_t)n;
	}
	close(fd);
	value[got] = '\0';
	if (got && value[got - 1] == '\n')
		value[--got] = '\0';
	return (int)got;
}

TIER_EXPORT int tier_tune_set(const char *key, const char *value)
{
	char path[256];
	size_t len;
	ssize_t n;
	int fd, err;

	err = tier_tune_writable(key);
	if (err <= 0)
		return err ? err : -EROFS;
	if (!value)
		return -EINVAL;
	err = tier_tune_path(key, path, sizeof(path));
	if (err)
		return err;
	len = strlen(value);
	fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		return errno == ENOENT ? missing() : -errno;
	/* sysfs takes a value in one write(); the module validates it */
	do
		n = write(fd, value, len);
	while (n < 0 && errno == EINTR);
	err = n < 0 ? -errno : (size_t)n != len ? -EIO : 0;
	close(fd);
	return err;
}

static int cmp_ulong(const void *a, const void *b)
{
	unsigned long x = *(const unsigned long *)a;
	unsigned long y = *(const unsigned long *)b;

	return x < y ? -1 : x > y;
}

TIER_EXPORT int tier_tune_foreach(int (*fn)(const char *key,
					    const char *value, int err,
					    void *arg),
				  void *arg)
{
	unsigned long *nodes = NULL, *nn;
	size_t nr = 0, cap = 0, i, k;
	char key[64], value[4096];
	struct dirent *e;
	DIR *d;
	int err, ret = 0;

	if (!fn)
		return -EINVAL;
	d = opendir(CXLTIER_SYSFS_NODES_DIR);
	if (!d)
		return errno == ENOENT ? missing() : -errno;
	while ((e = readdir(d))) {
		char *end;
		unsigned long n;

		if (strncmp(e->d_name, "node", 4) || !isdigit(
			    (unsigned char)e->d_name[4]))
			continue;
		n = strtoul(e->d_name + 4, &end, 10);
		if (*end || n >= 10000000UL)
			continue;
		if (nr == cap) {
			cap = cap ? 2 * cap : 16;
			nn = realloc(nodes, cap * sizeof(*nodes));
			if (!nn) {
				closedir(d);
				free(nodes);
				return -ENOMEM;
			}
			nodes = nn;
		}
		nodes[nr++] = n;
	}
	closedir(d);
	qsort(nodes, nr, sizeof(*nodes), cmp_ulong);

	for (i = 0; i < ARRAY_LEN(global_files) && !ret; i++) {
		err = tier_tune_get(global_files[i].name, value, sizeof(value));
		ret = fn(global_files[i].name, err < 0 ? NULL : value,
			 err < 0 ? err : 0, arg);
	}
	for (k = 0; k < nr && !ret; k++)
		for (i = 0; i < ARRAY_LEN(node_files) && !ret; i++) {
			snprintf(key, sizeof(key), "node.%lu.%s", nodes[k],
				 node_files[i].name);
			err = tier_tune_get(key, value, sizeof(value));
			/* a file an older module does not have: not listed */
			if (err == -ENOENT)
				continue;
			ret = fn(key, err < 0 ? NULL : value,
				 err < 0 ? err : 0, arg);
		}
	free(nodes);
	return ret;
}
