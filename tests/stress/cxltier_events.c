// SPDX-License-Identifier: GPL-2.0
/*
 * cxltier_events: stress that makes every buffer event happen, and checks
 * the events and the per-node counters against what the stressing
 * processes saw.
 *
 *   cxltier_events [--seconds S] [--seed N] [--procs P]
 *
 * Setup (put back at the end): a CXL node X gets a quota of 16 MiB
 * (quota_bytes), low_free_percent is set just above X's free share, and
 * compaction_proactiveness is 0 (the kernel's own moves would add to the
 * migrate counters).  A listener thread joins the "events" group.  P
 * worker processes then, for S seconds, at random:
 *   spill     create 8 MiB of 4 KiB pages preferring X, then a DRAM node
 *             D, touch every page: what X's quota cannot hold spills to
 *             D; BUF_STAT's spilled_bytes says how much;
 *   refuse    create 64 MiB on X with CXLTIER_CREATE_RESERVE: more than
 *             the quota, so -ENOSPC;
 *   migrate   create 4 MiB on D, touch it, MIGRATE it to another node M
 *             (sync): the result says how many bytes moved;
 * and close what they made.  Each records what it saw in shared memory.
 *
 * Checks, once every worker is done and the listener has drained:
 *   - every event type above happened (spill, quota-refused,
 *     migrate-done, node-low-free);
 *   - SPILL events: one per buffer that BUF_STAT found spilled, home X,
 *     to D; QUOTA_REFUSED events with -ENOSPC on X: one per refused
 *     create; MIGRATE_DONE: one per MIGRATE, with the bytes its ioctl
 *     reported moved, summed;
 *   - NODE_LOW_FREE events on X: each says free < threshold, and the
 *     threshold is low_free_percent of the total it gives;
 *   - the per-node counters moved by exactly what the workers saw:
 *     spill_pages of X by the spilled pages, migrate_out_pages of D and
 *     migrate_in_pages of M by the moved pages;
 *   - no event lost (ENOBUFS), nothing bad in the kernel log.
 * Prints "events: N passed, N failed" (tests/check.sh reads it).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/wait.h>

#include <libmnl/libmnl.h>
#include <linux/cxltier.h>

#include "../lib/cxlt_common.h"
#include "../lib/cxlt_nl.h"

#define PROG		"events"
#define QUOTA		(16ULL << 20)
#define SPILL_LEN	(8ULL << 20)
#define REFUSE_LEN	(64ULL << 20)
#define MIG_LEN		(4ULL << 20)
#define SYS_NODE	"/sys/class/misc/cxltier/nodes/node%u/%s"
#define SYS_LOW_FREE	"/sys/class/misc/cxltier/low_free_percent"
#define SYS_PROACTIVE	"/proc/sys/vm/compaction_proactiveness"

static unsigned int passed, failed;

static void check(bool ok, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
static void check(bool ok, const char *fmt, ...)
{
	va_list ap;

	printf("%s: %s: ", PROG, ok ? "ok" : "FAIL");
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
	if (ok)
		passed++;
	else
		failed++;
}

/* What the workers saw, in shared memory. */
struct seen {
	_Atomic uint64_t spill_bufs;	/* buffers BUF_STAT found spilled */
	_Atomic uint64_t spilled_bytes;
	_Atomic uint64_t refused;	/* RESERVE creates refused: -ENOSPC */
	_Atomic uint64_t migrates;	/* MIGRATE calls that returned 0 */
	_Atomic uint64_t moved_bytes;
	_Atomic uint64_t errors;	/* anything else unexpected */
};

/* What the listener heard. */
static struct {
	uint64_t spill, spill_wrong;	/* wrong: not home X to D */
	uint64_t refused, refused_other;
	uint64_t migrate, migrate_bytes, migrate_err;
	uint64_t low_free, low_free_wrong;
	uint64_t other, lost;
} heard;
static atomic_bool stop_listening;
static unsigned int X, D, M;
static unsigned int low_pct;

static uint64_t sys_u64(unsigned int node, const char *file)
{
	char path[128], buf[64];

	snprintf(path, sizeof(path), SYS_NODE, node, file);
	if (read_text(path, buf, sizeof(buf)) < 0)
		return UINT64_MAX;
	return strtoull(buf, NULL, 10);
}

struct ev {
	uint32_t type, node, to_node;
	int32_t err;
	uint64_t bytes, moved, free, total, threshold;
};

static int ev_attr(const struct nlattr *a, void *data)
{
	struct ev *e = data;

	switch (mnl_attr_get_type(a)) {
	case CXLTIER_NL_A_EVENT_TYPE:
		e->type = mnl_attr_get_u32(a);
		break;
	case CXLTIER_NL_A_NODE_ID:
		e->node = mnl_attr_get_u32(a);
		break;
	case CXLTIER_NL_A_EVENT_TO_NODE:
		e->to_node = mnl_attr_get_u32(a);
		break;
	case CXLTIER_NL_A_EVENT_ERROR:
		e->err = (int32_t)mnl_attr_get_u32(a);
		break;
	case CXLTIER_NL_A_EVENT_BYTES:
		e->bytes = mnl_attr_get_u64(a);
		break;
	case CXLTIER_NL_A_BUF_MIGRATE_MOVED_BYTES:
		e->moved = mnl_attr_get_u64(a);
		break;
	case CXLTIER_NL_A_NODE_FREE_BYTES:
		e->free = mnl_attr_get_u64(a);
		break;
	case CXLTIER_NL_A_NODE_TOTAL_BYTES:
		e->total = mnl_attr_get_u64(a);
		break;
	case CXLTIER_NL_A_EVENT_THRESHOLD_BYTES:
		e->threshold = mnl_attr_get_u64(a);
		break;
	}
	return MNL_CB_OK;
}

static int ev_cb(const struct nlmsghdr *nlh, void *data)
{
	struct ev e = { .node = UINT32_MAX, .to_node = UINT32_MAX };

	(void)data;
	mnl_attr_parse(nlh, sizeof(struct genlmsghdr), ev_attr, &e);
	switch (e.type) {
	case CXLTIER_EVENT_SPILL:
		heard.spill++;
		if (e.node != X || e.to_node != D)
			heard.spill_wrong++;
		break;
	case CXLTIER_EVENT_QUOTA_REFUSED:
		if (e.node == X && e.err == -ENOSPC)
			heard.refused++;
		else
			heard.refused_other++;
		break;
	case CXLTIER_EVENT_MIGRATE_DONE:
		heard.migrate++;
		heard.migrate_bytes += e.moved;
		if (e.err)
			heard.migrate_err++;
		break;
	case CXLTIER_EVENT_NODE_LOW_FREE:
		if (e.node != X)
			break;		/* another node may be low: not ours */
		heard.low_free++;
		/* the rule: low_free_percent of the node's pages */
		if (e.free >= e.threshold ||
		    e.threshold != (e.total / pgsz * low_pct / 100) * pgsz)
			heard.low_free_wrong++;
		break;
	default:
		heard.other++;
	}
	return MNL_CB_OK;
}

static void *listener(void *arg)
{
	struct nl *n = arg;
	char *buf = malloc(NL_BUFSZ);
	int fd = mnl_socket_get_fd(n->s);
	struct timeval tv = { .tv_usec = 200000 };
	int idle = 0;

	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	while (buf) {
		ssize_t len = recv(fd, buf, NL_BUFSZ, 0);

		if (len < 0) {
			if (errno == ENOBUFS) {
				heard.lost++;
				continue;
			}
			/* a timeout: done once told to stop and quiet twice */
			if (atomic_load(&stop_listening) && ++idle >= 2)
				break;
			continue;
		}
		idle = 0;
		mnl_cb_run(buf, (size_t)len, 0, 0, ev_cb, NULL);
	}
	free(buf);
	return NULL;
}

static int wait_for(pid_t pid)
{
	int st;

	while (waitpid(pid, &st, 0) < 0)
		if (errno != EINTR)
			return -1;
	return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
}

static int create(int dev, uint64_t len, uint32_t mode, uint32_t flags,
		  unsigned int n, const unsigned int *nodes)
{
	struct cxltier_node_weight nw[2] = { { .node = nodes[0] },
					     { .node = n > 1 ? nodes[1] : 0 } };
	struct cxltier_create c = {
		.size = sizeof(c), .length = len,
		.mode = mode, .flags = flags,
		.nr_nodes = n, .nodes = (uintptr_t)nw,
	};

	return ioctl(dev, CXLTIER_IOC_CREATE, &c) < 0 ? -errno : c.out_fd;
}

static bool touch(int fd, uint64_t len)
{
	char *p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	uint64_t i;

	if (p == MAP_FAILED)
		return false;
	for (i = 0; i < len; i += pgsz)
		p[i] = 1;
	munmap(p, len);
	return true;
}

static void worker(int dev, struct seen *s, uint64_t seed, double until)
{
	const unsigned int xd[2] = { X, D };

	srand48((long)seed);
	while (now_s() < until) {
		long op = lrand48() % 3;
		int fd;

		if (op == 0) {			/* spill */
			struct bstat b;

			fd = create(dev, SPILL_LEN, CXLTIER_MODE_PREFERRED, 0, 2, xd);
			if (fd < 0 || !touch(fd, SPILL_LEN) || buf_stat(fd, &b)) {
				s->errors++;
			} else if (b.st.spilled_bytes) {
				s->spill_bufs++;
				s->spilled_bytes += b.st.spilled_bytes;
			}
		} else if (op == 1) {		/* refuse */
			fd = create(dev, REFUSE_LEN, CXLTIER_MODE_BIND,
				    CXLTIER_CREATE_RESERVE, 1, &X);
			if (fd == -ENOSPC)
				s->refused++;
			else
				s->errors++;
		} else {			/* migrate */
			struct cxltier_node_weight to = { .node = M };
			struct cxltier_migrate m = {
				.size = sizeof(m), .mode = CXLTIER_MODE_BIND,
				.nr_nodes = 1, .nodes = (uintptr_t)&to,
			};

			fd = create(dev, MIG_LEN, CXLTIER_MODE_BIND, 0, 1, &D);
			if (fd < 0 || !touch(fd, MIG_LEN) ||
			    ioctl(fd, CXLTIER_IOC_MIGRATE, &m)) {
				s->errors++;
			} else {
				s->migrates++;
				s->moved_bytes += m.out_moved_bytes;
			}
		}
		if (fd >= 0)
			close(fd);
	}
}

static const struct option opts[] = {
	{ "seconds", required_argument, NULL, 's' },
	{ "seed", required_argument, NULL, 'S' },
	{ "procs", required_argument, NULL, 'p' },
	{ "help", no_argument, NULL, 'h' },
	{}
};

int main(int argc, char **argv)
{
	unsigned int seconds = 20, procs = 3, i;
	uint64_t seed = (uint64_t)time(NULL);
	char quota0[64] = "", low0[16] = "", pro0[16] = "", v[64];
	uint64_t spill0, out0, in0, spill1, out1, in1;
	struct seen *s;
	struct topo t;
	struct nl n;
	pthread_t th;
	int dev, c;
	struct kmsg k = { .fd = -1 };

	setvbuf(stdout, NULL, _IOLBF, 0);
	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (c) {
		case 's': seconds = (unsigned int)strtoul(optarg, NULL, 10); break;
		case 'S': seed = strtoull(optarg, NULL, 0); break;
		case 'p': procs = (unsigned int)strtoul(optarg, NULL, 10); break;
		default:
			fprintf(stderr, "usage: %s [--seconds S] [--seed N] [--procs P]\n",
				argv[0]);
			return c == 'h' ? 0 : 2;
		}
	}
	printf("%s: seed %" PRIu64 " (--seed repeats the run), %u s, %u processes\n",
	       PROG, seed, seconds, procs);
	dev = open(CXLTIER_DEVICE_PATH, O_RDWR | O_CLOEXEC);
	if (dev < 0 || topo_load(dev, &t)) {
		printf("%s: cannot open %s: %s\n%s: 0 passed, 1 failed\n", PROG,
		       CXLTIER_DEVICE_PATH, strerror(errno), PROG);
		return 1;
	}
	/* X: a CXL node; D: a DRAM node; M: another node for MIGRATE */
	X = D = M = UINT32_MAX;
	for (i = 0; i < t.nr; i++) {
		const struct cxltier_node_info *ni = &t.nodes[i];

		if (ni->free_bytes < (256ULL << 20))
			continue;
		if (ni->tier == CXLTIER_TIER_CXL && X == UINT32_MAX) {
			X = ni->node;
		} else if (ni->tier == CXLTIER_TIER_DRAM && D == UINT32_MAX) {
			D = ni->node;
		} else if (M == UINT32_MAX) {
			M = ni->node;
		}
	}
	if (X == UINT32_MAX || D == UINT32_MAX || M == UINT32_MAX) {
		printf("%s: needs a CXL node, a DRAM node and a third node with 256 MiB free\n"
		       "%s: 0 passed, 1 failed\n", PROG, PROG);
		return 1;
	}
	if (nl_open(&n) || nl_subscribe(&n, 8 << 20)) {
		printf("%s: cannot join the events group\n%s: 0 passed, 1 failed\n",
		       PROG, PROG);
		return 1;
	}
	kmsg_mark(&k);

	/* the settings, saved to be put back */
	snprintf(v, sizeof(v), SYS_NODE, X, "quota_bytes");
	read_text(v, quota0, sizeof(quota0));
	read_text(SYS_LOW_FREE, low0, sizeof(low0));
	read_text(SYS_PROACTIVE, pro0, sizeof(pro0));
	for (i = 0; i < t.nr; i++)
		if (t.nodes[i].node == X)
			low_pct = (unsigned int)(t.nodes[i].free_bytes * 100 /
						 t.nodes[i].total_bytes) + 2;
	if (low_pct > 100)
		low_pct = 100;
	snprintf(v, sizeof(v), "%llu", QUOTA);
	{
		char path[128];

		snprintf(path, sizeof(path), SYS_NODE, X, "quota_bytes");
		check(!write_text(path, v), "quota of node %u set to %s", X, v);
	}
	snprintf(v, sizeof(v), "%u", low_pct);
	check(!write_text(SYS_LOW_FREE, v), "low_free_percent set to %u", low_pct);
	write_text(SYS_PROACTIVE, "0");
	printf("%s: X=%u (CXL, quota 16 MiB), D=%u (DRAM), M=%u\n", PROG, X, D, M);

	spill0 = sys_u64(X, "spill_pages");
	out0 = sys_u64(D, "migrate_out_pages");
	in0 = sys_u64(M, "migrate_in_pages");
	pthread_create(&th, NULL, listener, &n);

	s = mmap(NULL, sizeof(*s), PROT_READ | PROT_WRITE,
		 MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (s == MAP_FAILED)
		return 1;
	memset(s, 0, sizeof(*s));
	{
		double until = now_s() + seconds;
		pid_t pids[64];

		if (procs > 64)
			procs = 64;
		for (i = 0; i < procs; i++) {
			pids[i] = fork();
			if (!pids[i]) {
				worker(dev, s, seed + i, until);
				_exit(0);
			}
		}
		for (i = 0; i < procs; i++)
			check(pids[i] > 0 && wait_for(pids[i]) == 0,
			      "worker %u ended", i);
	}
	atomic_store(&stop_listening, true);
	pthread_join(th, NULL);

	spill1 = sys_u64(X, "spill_pages");
	out1 = sys_u64(D, "migrate_out_pages");
	in1 = sys_u64(M, "migrate_in_pages");

	printf("%s: workers saw %" PRIu64 " spilled buffers (%" PRIu64 " bytes), "
	       "%" PRIu64 " refused creates, %" PRIu64 " migrates (%" PRIu64
	       " bytes moved), %" PRIu64 " errors\n", PROG,
	       (uint64_t)s->spill_bufs, (uint64_t)s->spilled_bytes,
	       (uint64_t)s->refused, (uint64_t)s->migrates,
	       (uint64_t)s->moved_bytes, (uint64_t)s->errors);
	printf("%s: heard %" PRIu64 " spill, %" PRIu64 " quota-refused, %" PRIu64
	       " migrate-done (%" PRIu64 " bytes), %" PRIu64 " low-free on %u, %"
	       PRIu64 " lost\n", PROG, heard.spill, heard.refused, heard.migrate,
	       heard.migrate_bytes, heard.low_free, X, heard.lost);

	check(!s->errors, "no unexpected result in the workers (%" PRIu64 ")",
	      (uint64_t)s->errors);
	check(!heard.lost, "no event lost (ENOBUFS %" PRIu64 " times)", heard.lost);
	check(s->spill_bufs && heard.spill == s->spill_bufs && !heard.spill_wrong,
	      "SPILL: %" PRIu64 " events for %" PRIu64 " spilled buffers, "
	      "%" PRIu64 " not from %u to %u", heard.spill,
	      (uint64_t)s->spill_bufs, heard.spill_wrong, X, D);
	check(s->refused && heard.refused == s->refused && !heard.refused_other,
	      "QUOTA_REFUSED: %" PRIu64 " -ENOSPC events on %u for %" PRIu64
	      " refused creates (%" PRIu64 " others)", heard.refused, X,
	      (uint64_t)s->refused, heard.refused_other);
	check(s->migrates && heard.migrate == s->migrates &&
	      heard.migrate_bytes == s->moved_bytes && !heard.migrate_err,
	      "MIGRATE_DONE: %" PRIu64 " events, %" PRIu64 " bytes, for %" PRIu64
	      " MIGRATEs that moved %" PRIu64 " bytes", heard.migrate,
	      heard.migrate_bytes, (uint64_t)s->migrates,
	      (uint64_t)s->moved_bytes);
	check(heard.low_free && !heard.low_free_wrong,
	      "NODE_LOW_FREE: %" PRIu64 " events on %u, %" PRIu64
	      " with free >= threshold or a threshold not %u%% of the total",
	      heard.low_free, X, heard.low_free_wrong, low_pct);
	check(spill1 - spill0 == s->spilled_bytes / pgsz,
	      "spill_pages of %u: +%" PRIu64 ", the workers saw %" PRIu64, X,
	      spill1 - spill0, (uint64_t)(s->spilled_bytes / pgsz));
	check(out1 - out0 == s->moved_bytes / pgsz &&
	      in1 - in0 == s->moved_bytes / pgsz,
	      "migrate_out_pages of %u +%" PRIu64 ", migrate_in_pages of %u +%"
	      PRIu64 ", the workers moved %" PRIu64, D, out1 - out0, M,
	      in1 - in0, (uint64_t)(s->moved_bytes / pgsz));

	/* put back what was changed */
	{
		char path[128];

		snprintf(path, sizeof(path), SYS_NODE, X, "quota_bytes");
		write_text(path, quota0[0] ? quota0 : "max");
	}
	if (low0[0])
		write_text(SYS_LOW_FREE, low0);
	if (pro0[0])
		write_text(SYS_PROACTIVE, pro0);
	if (k.fd >= 0) {
		char msg[1024];
		const char *bad = NULL;

		while (kmsg_next(&k, msg, sizeof(msg)) > 0)
			if (!bad && kmsg_bad(msg)) {
				bad = kmsg_bad(msg);
				printf("%s: kernel: %s\n", PROG, msg);
			}
		check(!bad, "kernel log clean%s%s", bad ? ": " : "", bad ? bad : "");
	}
	nl_close(&n);
	close(dev);
	printf("%s: %u passed, %u failed\n", PROG, passed, failed);
	return failed ? 1 : 0;
}
