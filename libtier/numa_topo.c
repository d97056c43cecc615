// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * The NUMA topology for the mbind backend (the module backend asks the
 * module instead; topo.c keeps either snapshot), from /sys/devices/system/
 * node and /proc/zoneinfo, counted and classified the way <linux/cxltier.h>
 * documents for the module (struct cxltier_node_info).
 */
#include <ctype.h>
#include <sched.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "libtier-private.h"

#define NODE_SYSFS	"/sys/devices/system/node"
#define BITS_PER_LONG	(8 * sizeof(unsigned long))
#define NODEMASK_LONGS	(TIER_NODE_ID_LIMIT / BITS_PER_LONG)

struct nodemask {
	unsigned long bits[NODEMASK_LONGS];
};

static void mask_set(struct nodemask *m, unsigned int n)
{
	m->bits[n / BITS_PER_LONG] |= 1UL << (n % BITS_PER_LONG);
}

static int mask_test(const struct nodemask *m, unsigned int n)
{
	return n < TIER_NODE_ID_LIMIT &&
	       (m->bits[n / BITS_PER_LONG] >> (n % BITS_PER_LONG)) & 1;
}

/* Read a whole file into a NUL-terminated malloc'd string. */
static int read_all(const char *path, char **out)
{
	size_t cap = 4096, len = 0;
	char *buf = NULL, *nbuf;
	int fd, err = 0;

	*out = NULL;
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	for (;;) {
		ssize_t n;

		if (!buf || len + 1 >= cap) {
			if (buf)
				cap *= 2;
			nbuf = realloc(buf, cap);
			if (!nbuf) {
				err = -ENOMEM;
				break;
			}
			buf = nbuf;
		}
		n = read(fd, buf + len, cap - len - 1);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			err = -errno;
			break;
		}
		if (n == 0)
			break;
		len += (size_t)n;
	}
	close(fd);
	if (err) {
		free(buf);
		return err;
	}
	buf[len] = '\0';
	*out = buf;
	return 0;
}

static char *next_line(char *s)
{
	s = strchr(s, '\n');
	return s ? s + 1 : NULL;
}

static int read_node_file(unsigned int node, const char *name, char **out)
{
	char path[128];

	snprintf(path, sizeof(path), NODE_SYSFS "/node%u/%s", node, name);
	return read_all(path, out);
}

/* Parse a kernel list such as "0-3,5\n" (or "\n") into @m. */
static int parse_list(const char *s, struct nodemask *m)
{
	memset(m, 0, sizeof(*m));
	while (*s && *s != '\n') {
		unsigned long a, b;
		char *end;

		if (!isdigit((unsigned char)*s))
			return -EINVAL;
		a = strtoul(s, &end, 10);
		b = a;
		if (*end == '-') {
			s = end + 1;
			if (!isdigit((unsigned char)*s))
				return -EINVAL;
			b = strtoul(s, &end, 10);
		}
		if (b < a)
			return -EINVAL;
		for (; a <= b && a < TIER_NODE_ID_LIMIT; a++)
			mask_set(m, (unsigned int)a);
		s = end;
		if (*s == ',')
			s++;
		else if (*s && *s != '\n')
			return -EINVAL;
	}
	return 0;
}

static int read_list(const char *path, struct nodemask *m)
{
	char *text;
	int err;

	err = read_all(path, &text);
	if (err)
		return err;
	err = parse_list(text, m);
	free(text);
	return err;
}

/* Does the node have CPUs: a non-empty cpulist. */
static int node_has_cpus(unsigned int node, int *has)
{
	char *text;
	int err;

	err = read_node_file(node, "cpulist", &text);
	if (err)
		return err;
	*has = text[0] != '\0' && text[0] != '\n';
	free(text);
	return 0;
}

/* SLIT row of @node: dist[i] is the distance to the i-th online node. */
static int node_distances(unsigned int node, unsigned int *dist,
			  unsigned int max, unsigned int *nr)
{
	char *text, *s, *end;
	int err = 0;

	err = read_node_file(node, "distance", &text);
	if (err)
		return err;
	*nr = 0;
	for (s = text; *nr < max; s = end) {
		unsigned long d = strtoul(s, &end, 10);

		if (end == s)
			break;
		dist[(*nr)++] = (unsigned int)d;
	}
	free(text);
	return *nr ? 0 : -EIO;
}

/* Per node, over the zones that have a CXLTIER_ZONE_* bit (as the module). */
struct zone_sum {
	uint64_t managed_pages;
	uint64_t free_pages;
	uint64_t movable_pages;
	uint32_t zones;			/* CXLTIER_ZONE_* with managed pages */
};

static uint32_t zone_bit(const char *name)
{
	if (!strcmp(name, "DMA"))
		return CXLTIER_ZONE_DMA;
	if (!strcmp(name, "DMA32"))
		return CXLTIER_ZONE_DMA32;
	if (!strcmp(name, "Normal"))
		return CXLTIER_ZONE_NORMAL;
	if (!strcmp(name, "Movable"))
		return CXLTIER_ZONE_MOVABLE;
	return 0;	/* HighMem, Device: not counted */
}

/*
 * /proc/zoneinfo has, per zone, a "Node N, zone NAME" line, then
 * "  pages free F" and later "        managed M".
 */
static int read_zoneinfo(struct zone_sum *sum /* [TIER_NODE_ID_LIMIT] */)
{
	unsigned long long free_pages = 0, managed;
	unsigned int cur = UINT_MAX;
	char *text, *line;
	uint32_t bit = 0;
	int err;

	err = read_all("/proc/zoneinfo", &text);
	if (err)
		return err;
	for (line = text; line && *line; line = next_line(line)) {
		unsigned int nid;
		char name[32];

		if (sscanf(line, "Node %u, zone %31s", &nid, name) == 2) {
			bit = zone_bit(name);
			cur = nid < TIER_NODE_ID_LIMIT && bit ? nid : UINT_MAX;
			free_pages = 0;
			continue;
		}
		if (cur == UINT_MAX)
			continue;
		if (sscanf(line, " pages free %llu", &free_pages) == 1)
			continue;
		if (sscanf(line, " managed %llu", &managed) != 1 || !managed)
			continue;
		sum[cur].managed_pages += managed;
		sum[cur].free_pages += free_pages;
		sum[cur].zones |= bit;
		if (bit == CXLTIER_ZONE_MOVABLE)
			sum[cur].movable_pages += managed;
	}
	free(text);
	return 0;
}

int tier_numa_topo_read(struct tier_ctx *ctx, struct tier_node **out,
			 unsigned int *nr_out)
{
	struct nodemask online, mem, cpu;
	unsigned int online_ids[TIER_NODE_ID_LIMIT], nr_online = 0;
	unsigned int dist[TIER_NODE_ID_LIMIT], nr_dist;
	struct zone_sum *zsum = NULL;
	struct tier_node *nodes = NULL;
	unsigned int n, i, nr = 0;
	int err, no_mem_list;

	*out = NULL;
	*nr_out = 0;
	err = read_list(NODE_SYSFS "/online", &online);
	if (err) {
		tier_err(ctx, "%s/online: %s", NODE_SYSFS, strerror(-err));
		return err;
	}
	/* N_MEMORY, the module's node set too */
	err = read_list(NODE_SYSFS "/has_memory", &mem);
	no_mem_list = err == -ENOENT;
	if (no_mem_list)
		mem = online;	/* old kernels: filtered by total_bytes below */
	else if (err) {
		tier_err(ctx, "%s/has_memory: %s", NODE_SYSFS, strerror(-err));
		return err;
	}

	memset(&cpu, 0, sizeof(cpu));
	for (n = 0; n < TIER_NODE_ID_LIMIT; n++) {
		int has = 0;

		if (!mask_test(&online, n))
			continue;
		online_ids[nr_online++] = n;
		err = node_has_cpus(n, &has);
		if (err) {
			tier_err(ctx, "node%u/cpulist: %s", n, strerror(-err));
			return err;
		}
		if (has)
			mask_set(&cpu, n);
	}

	zsum = calloc(TIER_NODE_ID_LIMIT, sizeof(*zsum));
	nodes = calloc(nr_online ? nr_online : 1, sizeof(*nodes));
	if (!zsum || !nodes) {
		err = -ENOMEM;
		goto out;
	}
	err = read_zoneinfo(zsum);
	if (err) {
		tier_err(ctx, "/proc/zoneinfo: %s", strerror(-err));
		goto out;
	}

	for (i = 0; i < nr_online; i++) {
		struct tier_node *t = &nodes[nr];
		unsigned int j, best = UINT_MAX, self = UINT_MAX;

		n = online_ids[i];
		if (!mask_test(&mem, n) || (no_mem_list && !zsum[n].managed_pages))
			continue;
		memset(t, 0, sizeof(*t));
		t->node = n;
		t->zones = zsum[n].zones;
		t->total_bytes = zsum[n].managed_pages << ctx->page_shift;
		t->free_bytes = zsum[n].free_pages << ctx->page_shift;
		t->movable_bytes = zsum[n].movable_pages << ctx->page_shift;
		if (t->movable_bytes && t->movable_bytes == t->total_bytes)
			t->flags |= CXLTIER_NODE_MOVABLE_ONLY;
		err = node_distances(n, dist, TIER_NODE_ID_LIMIT, &nr_dist);
		if (err) {
			tier_err(ctx, "node%u/distance: %s", n, strerror(-err));
			goto out;
		}
		/* Nearest node with CPUs, lowest id on ties. */
		for (j = 0; j < nr_online && j < nr_dist; j++) {
			if (online_ids[j] == n)
				self = j;
			if (!mask_test(&cpu, online_ids[j]))
				continue;
			if (best == UINT_MAX || dist[j] < dist[best])
				best = j;
		}
		if (mask_test(&cpu, n)) {
			t->flags |= CXLTIER_NODE_HAS_CPUS;
			best = self;
		} else if (best == UINT_MAX) {
			best = self;	/* no node has CPUs: answer itself */
		}
		if (best == UINT_MAX) {
			tier_err(ctx, "node%u/distance: too short", n);
			err = -EIO;
			goto out;
		}
		t->nearest_cpu_node = online_ids[best];
		t->distance = dist[best];
		if (!(t->flags & CXLTIER_NODE_HAS_CPUS) &&
		    ((t->flags & CXLTIER_NODE_MOVABLE_ONLY) ||
		     t->distance >= TIER_CXL_DISTANCE))
			t->tier = CXLTIER_TIER_CXL;
		else
			t->tier = CXLTIER_TIER_DRAM;
		nr++;
	}
	*out = nodes;
	*nr_out = nr;
	nodes = NULL;
	err = 0;
out:
	free(nodes);
	free(zsum);
	return err;
}

int tier_cpu_nodes_read(struct tier_cpu_nodes *cn)
{
	unsigned int online_ids[TIER_NODE_ID_LIMIT], nr_online = 0;
	unsigned int dist[TIER_NODE_ID_LIMIT], nr_dist, n, i, c;
	int idx_of[TIER_NODE_ID_LIMIT];
	struct nodemask online, cpus;
	cpu_set_t allowed;
	char *text;
	int err;

	memset(cn, 0, sizeof(*cn));
	for (n = 0; n < TIER_NODE_ID_LIMIT; n++)
		cn->near[n] = idx_of[n] = -1;
	if (sched_getaffinity(0, sizeof(allowed), &allowed))
		return -errno;
	err = read_list(NODE_SYSFS "/online", &online);
	if (err)
		return err;
	for (n = 0; n < TIER_NODE_ID_LIMIT; n++) {
		if (!mask_test(&online, n))
			continue;
		online_ids[nr_online++] = n;
		err = read_node_file(n, "cpulist", &text);
		if (err)
			return err;
		err = parse_list(text, &cpus);	/* CPU ids, as a mask */
		free(text);
		if (err)
			return err;
		for (c = 0; c < TIER_NODE_ID_LIMIT && c < CPU_SETSIZE; c++) {
			if (!mask_test(&cpus, c) || !CPU_ISSET(c, &allowed))
				continue;
			if (idx_of[n] < 0) {
				if (cn->nr == TIER_MAX_CPU_NODES)
					return -E2BIG;
				idx_of[n] = (int)cn->nr;
				cn->node[cn->nr] = n;
				CPU_ZERO(&cn->cpus[cn->nr]);
				cn->nr++;
			}
			CPU_SET(c, &cn->cpus[idx_of[n]]);
			cn->nr_cpus[idx_of[n]]++;
		}
	}
	for (i = 0; i < nr_online; i++) {
		unsigned int j, best = UINT_MAX;

		n = online_ids[i];
		err = node_distances(n, dist, TIER_NODE_ID_LIMIT, &nr_dist);
		if (err)
			return err;
		for (j = 0; j < nr_online && j < nr_dist; j++) {
			if (idx_of[online_ids[j]] < 0)
				continue;
			if (best == UINT_MAX || dist[j] < dist[best])
				best = j;
		}
		if (best != UINT_MAX)
			cn->near[n] = idx_of[online_ids[best]];
	}
	return 0;
}
