/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The per-node quota files of the cxltier kselftest suite
 * (/sys/class/misc/cxltier/nodes/nodeN/quota_bytes and the figures next to
 * it): read, set, and put back to unlimited.  Used by the quota, netlink
 * and sysfs tests.
 */
#ifndef CXLTIER_TEST_QUOTA_H
#define CXLTIER_TEST_QUOTA_H

#include "cxltier_test.h"

#define QUOTA_MAX UINT64_MAX

static void qpath(char *path, size_t len, unsigned int node, const char *file)
{
	snprintf(path, len, "%s/node%u/%s", CXLTIER_SYSFS_NODES_DIR, node, file);
}

/* A nodeN file as a number ("max" is QUOTA_MAX); 0 or -errno. */
static int qread(unsigned int node, const char *file, uint64_t *v)
{
	char path[256], buf[64], *end;
	int r;

	qpath(path, sizeof(path), node, file);
	r = read_text(path, buf, sizeof(buf));
	if (r < 0)
		return r;
	if (!strcmp(buf, CXLTIER_SYSFS_UNLIMITED "\n")) {
		*v = QUOTA_MAX;
		return 0;
	}
	errno = 0;
	*v = strtoull(buf, &end, 10);
	if (errno || end == buf || strcmp(end, "\n"))
		return -EINVAL;
	return 0;
}

static uint64_t qget(unsigned int node, const char *file)
{
	uint64_t v;

	return qread(node, file, &v) ? ~1ULL : v;
}

/* Writes @text to nodeN/quota_bytes in one write(); 0 or -errno. */
static int qset_text(unsigned int node, const char *text)
{
	char path[256];

	qpath(path, sizeof(path), node, "quota_bytes");
	return write_text(path, text);
}

static int qset(unsigned int node, uint64_t bytes)
{
	char t[32];

	if (bytes == QUOTA_MAX)
		return qset_text(node, CXLTIER_SYSFS_UNLIMITED);
	snprintf(t, sizeof(t), "%" PRIu64, bytes);
	return qset_text(node, t);
}

/* Every nodeN directory back to "max"; the number of failures. */
static int qreset_all(void)
{
	DIR *d = opendir(CXLTIER_SYSFS_NODES_DIR);
	struct dirent *e;
	unsigned int n;
	int bad = 0;

	if (!d)
		return 0;
	while ((e = readdir(d)))
		if (sscanf(e->d_name, "node%u", &n) == 1 &&
		    qset(n, QUOTA_MAX))
			bad++;
	closedir(d);
	return bad;
}

#endif /* CXLTIER_TEST_QUOTA_H */
