/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What the test programs read from the machine, shared by the kselftest
 * suite (tests/selftests/cxltier_test.h) and the stress and fuzz programs
 * (tests/stress/common.h): small files, node memory from sysfs and
 * /proc/zoneinfo, the GET_INFO node table, a buffer's BUF_STAT, the kernel
 * log, device-dax devices in sysfs; and cxlt_errno.h (errname()) and
 * cxlt_pagemap.h (the PFN behind an address, the memory-block size).
 *
 * No kselftest harness here: the stress programs count their own checks.
 * Everything is static inline, so a program that uses a part of it does not
 * warn about the rest.
 */
#ifndef CXLT_COMMON_H
#define CXLT_COMMON_H

#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/ioctl.h>
#include <sys/types.h>

#include <linux/cxltier.h>

#include "cxlt_errno.h"
#include "cxlt_pagemap.h"

#define KiB (1ULL << 10)
#define MiB (1ULL << 20)
#define GiB (1ULL << 30)

#ifndef ARRAY_SIZE
#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))
#endif

/* Node ids the tests can name: MAX_NUMNODES is at most 1 << 10 on x86. */
#define TOPO_MAX_NODES 1024

static size_t pgsz;		/* the base page size */
static unsigned int pgshift;	/* log2(pgsz) */

static void __attribute__((constructor)) cxlt_init_page_size(void)
{
	pgsz = (size_t)sysconf(_SC_PAGESIZE);
	pgshift = (unsigned int)__builtin_ctzl(pgsz);
}

static inline uint64_t round_up_pg(uint64_t v)
{
	return (v + pgsz - 1) & ~(uint64_t)(pgsz - 1);
}

static inline double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* ------------------------------------------------------------------------ */
/* Files                                                                    */

/* Reads a small text file, NUL-terminated; returns its length or -errno. */
static inline int read_text(const char *path, char *buf, size_t len)
{
	size_t got = 0;
	ssize_t n;
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		return -errno;
	while (got + 1 < len) {
		n = read(fd, buf + got, len - 1 - got);
		if (n < 0) {
			int e = errno;

			if (e == EINTR)
				continue;
			close(fd);
			return -e;
		}
		if (!n)
			break;
		got += (size_t)n;
	}
	buf[got] = 0;
	close(fd);
	return (int)got;
}

/* Writes @text to @path in one write(); 0 or -errno. */
static inline int write_text(const char *path, const char *text)
{
	ssize_t n;
	int fd = open(path, O_WRONLY | O_CLOEXEC);

	if (fd < 0)
		return -errno;
	n = write(fd, text, strlen(text));
	if (n < 0) {
		int e = errno;

		close(fd);
		return -e;
	}
	close(fd);
	return 0;
}

static inline int count_open_fds(void)
{
	DIR *d = opendir("/proc/self/fd");
	struct dirent *e;
	int n = 0;

	if (!d)
		return -errno;
	while ((e = readdir(d)))
		if (e->d_name[0] != '.')
			n++;
	closedir(d);
	return n - 1;	/* the directory's own fd */
}

/*
 * MAX_NUMNODES from the running kernel's config (CONFIG_NODES_SHIFT), or 0
 * when no config can be found.
 */
static inline unsigned int kernel_max_numnodes(void)
{
	static const char *const fmt[] = {
		"/boot/config-%s",
		"/lib/modules/%s/build/.config",
		"/usr/src/linux-headers-%s/.config",
	};
	char path[256], line[256], rel[128];
	unsigned int i;
	FILE *f;

	if (read_text("/proc/sys/kernel/osrelease", rel, sizeof(rel)) <= 0)
		return 0;
	rel[strcspn(rel, "\n")] = 0;
	for (i = 0; i < ARRAY_SIZE(fmt); i++) {
		unsigned int shift;
		bool numa = false, found = false;

		snprintf(path, sizeof(path), fmt[i], rel);
		f = fopen(path, "re");
		if (!f)
			continue;
		shift = 0;
		while (fgets(line, sizeof(line), f)) {
			if (!strcmp(line, "CONFIG_NUMA=y\n"))
				numa = true;
			if (sscanf(line, "CONFIG_NODES_SHIFT=%u", &shift) == 1)
				found = true;
		}
		fclose(f);
		if (!numa)
			return 1;
		if (found && shift < 16)
			return 1U << shift;
	}
	return 0;
}

/* ------------------------------------------------------------------------ */
/* Node memory as the core kernel counts it                                 */

/* A field of /sys/devices/system/node/nodeN/meminfo in bytes, or -errno. */
static inline long long node_meminfo(int node, const char *key)
{
	char path[128], buf[8192], *p;
	size_t klen = strlen(key);
	int r;

	snprintf(path, sizeof(path), "/sys/devices/system/node/node%d/meminfo",
		 node);
	r = read_text(path, buf, sizeof(buf));
	if (r < 0)
		return r;
	/* "Node 0 MemTotal:       2030116 kB" */
	for (p = buf; p && *p; p = strchr(p, '\n'), p = p ? p + 1 : NULL) {
		char *k = strchr(p, ' ');

		if (!k)
			break;
		k = strchr(k + 1, ' ');
		if (!k)
			break;
		k++;
		if (!strncmp(k, key, klen) && k[klen] == ':')
			return strtoll(k + klen + 1, NULL, 10) * 1024LL;
	}
	return -ENOENT;
}

/*
 * The "Key:   N kB" field of a /proc file (status, meminfo) in kB, or -1:
 * what ps, top and free read.
 */
static inline long long proc_kb(const char *path, const char *key)
{
	char line[256];
	size_t n = strlen(key);
	long long kb = -1;
	FILE *f = fopen(path, "r");

	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f))
		if (!strncmp(line, key, n) && line[n] == ':' &&
		    sscanf(line + n + 1, "%lld kB", &kb) == 1)
			break;
	fclose(f);
	return kb;
}

/* Field @key of /proc/@pid/status (0: this process) in kB, or -1. */
static inline long proc_status_kb(pid_t pid, const char *key)
{
	char path[64];

	if (pid)
		snprintf(path, sizeof(path), "/proc/%d/status", (int)pid);
	else
		snprintf(path, sizeof(path), "/proc/self/status");
	return (long)proc_kb(path, key);
}

/*
 * Bytes on the node's per-CPU free lists (/proc/zoneinfo pagesets "count:",
 * all CPUs, all zones): free pages that neither MemFree nor GET_INFO
 * free_bytes counts.  -errno on error.
 */
static inline long long node_pcp_bytes(int node)
{
	FILE *f = fopen("/proc/zoneinfo", "re");
	unsigned long long pages = 0, v;
	char line[512], name[64];
	int cur = -1, n;

	if (!f)
		return -errno;
	while (fgets(line, sizeof(line), f)) {
		if (sscanf(line, "Node %d, zone %63s", &n, name) == 2) {
			cur = n;
			continue;
		}
		if (cur == node && sscanf(line, " count: %llu", &v) == 1)
			pages += v;
	}
	fclose(f);
	return (long long)(pages * pgsz);
}

/* ------------------------------------------------------------------------ */
/* The node table (CXLTIER_IOC_GET_INFO)                                    */

struct topo {
	struct cxltier_info info;	/* as returned by the count query */
	unsigned int nr;
	struct cxltier_node_info *nodes;
};

/* GET_INFO count query then table; 0 or -errno. */
static inline int topo_load(int dev, struct topo *t)
{
	int tries;

	memset(t, 0, sizeof(*t));
	for (tries = 0; tries < 5; tries++) {
		struct cxltier_info q = { .size = sizeof(q) };

		if (ioctl(dev, CXLTIER_IOC_GET_INFO, &q) < 0)
			return -errno;
		t->info = q;
		free(t->nodes);
		t->nodes = calloc(q.nr_nodes + 1, sizeof(*t->nodes));
		if (!t->nodes)
			return -ENOMEM;
		q.nodes = (uintptr_t)t->nodes;
		q.node_entry_size = sizeof(*t->nodes);
		if (ioctl(dev, CXLTIER_IOC_GET_INFO, &q) < 0) {
			if (errno == EMSGSIZE)	/* a node came online */
				continue;
			return -errno;
		}
		t->nr = q.nr_nodes;
		return 0;
	}
	return -EMSGSIZE;
}

static inline void topo_free(struct topo *t)
{
	free(t->nodes);
	t->nodes = NULL;
	t->nr = 0;
}

static inline const struct cxltier_node_info *
topo_find(const struct topo *t, unsigned int node)
{
	unsigned int i;

	for (i = 0; i < t->nr; i++)
		if (t->nodes[i].node == node)
			return &t->nodes[i];
	return NULL;
}

/* CXLTIER_IOC_BUF_STAT with room for every policy node and resident node */
#define STAT_MAX_RES 64
struct bstat {
	struct cxltier_buf_stat st;
	struct cxltier_node_weight pol[CXLTIER_MAX_POLICY_NODES];
	struct cxltier_node_bytes res[STAT_MAX_RES];
};

/* BUF_STAT of buffer @fd into @b; 0 or -errno. */
static inline int buf_stat(int fd, struct bstat *b)
{
	memset(b, 0, sizeof(*b));
	b->st.size = sizeof(b->st);
	b->st.nr_policy_nodes = CXLTIER_MAX_POLICY_NODES;
	b->st.policy_nodes = (uintptr_t)b->pol;
	b->st.nr_resident = STAT_MAX_RES;
	b->st.resident = (uintptr_t)b->res;
	return ioctl(fd, CXLTIER_IOC_BUF_STAT, &b->st) < 0 ? -errno : 0;
}

/*
 * Free memory of a node, two ways, both including the per-CPU lists: what
 * GET_INFO says (free_bytes) and what the core says (nodeN/meminfo MemFree).
 */
struct node_free {
	long long info;	/* GET_INFO free_bytes + pcp, -1 without the module */
	long long sys;	/* nodeN/meminfo MemFree + pcp */
	long long pcp;	/* on the per-CPU free lists */
};

/* Reads both (only sys and pcp when @dev < 0); 0 or -errno. */
static inline int read_node_free(int dev, unsigned int node,
				 struct node_free *f)
{
	struct topo t;
	const struct cxltier_node_info *n;
	int r;

	f->info = -1;
	if (dev >= 0) {
		r = topo_load(dev, &t);
		if (r < 0)
			return r;
		n = topo_find(&t, node);
		if (!n) {
			topo_free(&t);
			return -ENODEV;
		}
		f->info = (long long)n->free_bytes;
		topo_free(&t);
	}
	f->pcp = node_pcp_bytes((int)node);
	if (f->pcp < 0)
		return (int)f->pcp;
	if (f->info >= 0)
		f->info += f->pcp;
	f->sys = node_meminfo((int)node, "MemFree");
	if (f->sys < 0)
		return (int)f->sys;
	f->sys += f->pcp;
	return 0;
}

/* ------------------------------------------------------------------------ */
/* The kernel log (/dev/kmsg)                                               */

struct kmsg {
	int fd;		/* reader positioned at the mark, or -1 */
	bool overrun;	/* the ring buffer wrapped past our position */
};

/*
 * Lines that mean the kernel found a problem: tests/lib/kernel-log-bad, the
 * list the VM runner uses too, generated into a header by tests/lib/lib.mk.
 */
static const char *const kmsg_bad_patterns[] = {
#include "kernel_log_bad.h"
};

/* The pattern @msg matches, or NULL when it reports nothing bad. */
static inline const char *kmsg_bad(const char *msg)
{
	size_t i;

	for (i = 0; i < ARRAY_SIZE(kmsg_bad_patterns); i++)
		if (strstr(msg, kmsg_bad_patterns[i]))
			return kmsg_bad_patterns[i];
	return NULL;
}

/* Positions a reader at the end of the log: 0, or -errno (k->fd is -1). */
static inline int kmsg_mark(struct kmsg *k)
{
	k->overrun = false;
	k->fd = open("/dev/kmsg", O_RDONLY | O_NONBLOCK | O_CLOEXEC);
	if (k->fd < 0)
		return -errno;
	if (lseek(k->fd, 0, SEEK_END) < 0) {
		int e = errno;

		close(k->fd);
		k->fd = -1;
		return -e;
	}
	return 0;
}

/*
 * Next message text after the mark into @msg.  Returns 1 for a message, 0 at
 * the end of the log, -errno on error.
 */
static inline int kmsg_next(struct kmsg *k, char *msg, size_t len)
{
	char rec[8192];
	ssize_t n;
	char *text, *nl;

	for (;;) {
		n = read(k->fd, rec, sizeof(rec) - 1);
		if (n >= 0)
			break;
		if (errno == EPIPE) {	/* overwritten: continue after it */
			k->overrun = true;
			continue;
		}
		if (errno == EAGAIN)
			return 0;
		if (errno == EINTR)
			continue;
		return -errno;
	}
	if (n == 0)
		return 0;
	rec[n] = 0;
	/* "prio,seq,usec,flags[,...];text\n[ KEY=value\n...]" */
	text = strchr(rec, ';');
	text = text ? text + 1 : rec;
	nl = strchr(text, '\n');
	if (nl)
		*nl = 0;
	n = (ssize_t)strlen(text);
	if ((size_t)n >= len)
		n = (ssize_t)len - 1;
	memcpy(msg, text, (size_t)n);
	msg[n] = 0;
	return 1;
}

/* ------------------------------------------------------------------------ */
/* Device-dax devices (/sys/bus/dax)                                        */

#define DAX_BUS "/sys/bus/dax"

/* The first dax device bound to device_dax, its name in @name; 0 or -errno. */
static inline int devdax_find(char *name, size_t len)
{
	DIR *d = opendir(DAX_BUS "/devices");
	struct dirent *e;
	char path[1024], link[512];
	int r = -ENODEV;

	if (!d)
		return -errno;
	while ((e = readdir(d))) {
		ssize_t n;

		if (e->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), DAX_BUS "/devices/%s/driver",
			 e->d_name);
		n = readlink(path, link, sizeof(link) - 1);
		if (n < 0)
			continue;
		link[n] = 0;
		if (strcmp(strrchr(link, '/') ? strrchr(link, '/') + 1 : link,
			   "device_dax"))
			continue;
		if (strlen(e->d_name) >= len)
			continue;
		memcpy(name, e->d_name, strlen(e->d_name) + 1);
		r = 0;
		break;
	}
	closedir(d);
	return r;
}

static inline bool devdax_bound(const char *name)
{
	char path[512];

	snprintf(path, sizeof(path), DAX_BUS "/drivers/device_dax/%s", name);
	return !access(path, F_OK);
}

/*
 * Unbinds @name from device_dax (what `daxctl disable-device` does: the
 * range becomes free for a driver to claim) or binds it again (what
 * `daxctl enable-device` does).  0 or -errno.
 */
static inline int devdax_bind(const char *name, bool bind)
{
	char path[512];

	if (devdax_bound(name) == bind)
		return 0;
	snprintf(path, sizeof(path), DAX_BUS "/drivers/device_dax/%s",
		 bind ? "bind" : "unbind");
	return write_text(path, name);
}

/* Attribute @attr of dax device @name as a number; 0 or -errno. */
static inline int devdax_u64(const char *name, const char *attr, uint64_t *v)
{
	char path[512], text[64];
	int r;

	snprintf(path, sizeof(path), DAX_BUS "/devices/%s/%s", name, attr);
	r = read_text(path, text, sizeof(text));
	if (r < 0)
		return r;
	errno = 0;
	*v = strtoull(text, NULL, 0);
	return errno ? -errno : 0;
}

/* Whether a line of /proc/iomem names @name. */
static inline bool iomem_has(const char *name)
{
	FILE *f = fopen("/proc/iomem", "re");
	char line[256];
	bool found = false;

	if (!f)
		return false;
	while (fgets(line, sizeof(line), f))
		if (strstr(line, name))
			found = true;
	fclose(f);
	return found;
}

#endif /* CXLT_COMMON_H */
