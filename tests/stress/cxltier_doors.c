// SPDX-License-Identifier: GPL-2.0
/*
 * cxltier_doors: seeded fuzzers for the module's doors other than the
 * ioctls (cxltier_fuzz has those): the generic netlink family, the sysfs
 * files and the VM operations on a buffer's mapping, each while another
 * thread creates, touches, migrates and closes buffers (events fire, dumps
 * race closes, the default policy and quotas change under creates).
 *
 *   cxltier_doors [--door netlink|sysfs|mapping|all] [--seconds N]
 *                 [--seed N] [--verbose]
 *
 * netlink  random requests to the family: any command number (the known
 *          ones most of the time), flags (ACK, DUMP, ECHO, ...), genl
 *          version, 0 to 6 attributes of any type (known types with their
 *          own sizes most of the time, NLA_F_NESTED, lengths 0 to 300),
 *          lengths that lie (nlmsg_len short or long); dumps read whole,
 *          cut short after one datagram by closing the socket, or read
 *          through a 64-byte buffer; EVENT_SUBSCRIBE on sockets that are
 *          closed while events arrive; sockets joined to the group that
 *          never read.  Checks: every error is one the family or netlink
 *          may give (EINVAL, ENOENT, EOPNOTSUPP, ENOSPC, EPERM, ENOMEM,
 *          EMSGSIZE, ERANGE, ENODEV, EBADMSG); every reply is a whole
 *          message of the family or an ack; no fd is left behind.
 * sysfs    writes of valid, boundary and junk values (policies with
 *          ranges and tier names, numbers around 0 and 2^64, "max",
 *          "none", 4 KiB of text, a NUL inside, stray newlines and spaces)
 *          to every writable file under /sys/class/misc/cxltier, while
 *          buffers are created with CXLTIER_CREATE_DEFAULT_POLICY.  Checks:
 *          a refused write is EINVAL or ERANGE and leaves the file as it
 *          was; an accepted one reads back a value that, written again,
 *          reads back the same.  Every value is put back at the end.
 * mapping  one buffer mapped, then mremap (grow, shrink, move), mprotect,
 *          madvise (every advice but the poisoning ones), mlock/munlock,
 *          partial munmap (by mapping over the pages: a hole could be
 *          reused by the other threads), fork (a child reads what it can
 *          and writes to
 *          the pages it may, with MADV_DONTFORK and MADV_WIPEONFORK in
 *          play), userfaultfd registration and process_madvise on it, and
 *          writes through the mapping.  Checks: every page still mapped
 *          and readable reads what was last written to it (the buffer is
 *          shared: no operation may lose or invent data), a child's writes
 *          are seen by the parent, and errors are the documented ones.
 *
 * The kernel log is judged by the test host (tests/vm/run), which fails
 * the run on any BUG, WARNING, Oops, KASAN, UBSAN or lockdep line.
 * Output: per door "doors: DOOR: N iterations, N calls ok, N errno ok",
 * then "doors: N passed, N failed"; a failure prints the seed.
 */
#include "common.h"

#include <getopt.h>
#include <poll.h>
#include <pthread.h>
#include <setjmp.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <linux/genetlink.h>
#include <linux/netlink.h>
#include <linux/userfaultfd.h>

#define SYSFS_DIR	"/sys/class/misc/cxltier"

static struct {
	unsigned int doors;	/* bit per door */
	unsigned int seconds;	/* per door */
	uint64_t seed;
	bool verbose;
} cfg = { .doors = 7, .seconds = 20 };

enum { DOOR_NETLINK, DOOR_SYSFS, DOOR_MAPPING, NR_DOORS };
static const char *const door_names[NR_DOORS] = { "netlink", "sysfs", "mapping" };

static uint64_t passed, failed, calls_ok, errno_ok, iterations;
static int dev = -1;
static struct topo topo;
static volatile int stop_activity;

static void __attribute__((format(printf, 1, 2))) fail(const char *fmt, ...)
{
	char msg[1024];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	__atomic_add_fetch(&failed, 1, __ATOMIC_RELAXED);
	out("FAIL: %s (seed %" PRIu64 ", iteration %" PRIu64 ")", msg,
	    cfg.seed, iterations);
}

static void pass(void)
{
	__atomic_add_fetch(&passed, 1, __ATOMIC_RELAXED);
}

/* A failed call's errno: counted when it is one of @ok[], else a failure. */
static void judge_errno(const char *what, int e, const int *ok, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (ok[i] == e) {
			errno_ok++;
			return;
		}
	fail("%s: errno %d (%s) is not one it may give", what, e, strerror(e));
}

/* ------------------------------------------------------------------------ */
/* Buffer activity, beside every door                                       */

static const struct cxltier_node_info *random_node(struct rng *r)
{
	return &topo.nodes[rnd(r, topo.nr)];
}

static int create_on_ps(uint32_t node, uint64_t len, uint32_t flags,
			uint32_t page_shift)
{
	struct cxltier_node_weight nw = { .node = node };
	struct cxltier_create c;

	memset(&c, 0, sizeof(c));
	c.size = sizeof(c);
	c.length = len;
	c.flags = flags;
	c.page_shift = page_shift;
	if (!(flags & CXLTIER_CREATE_DEFAULT_POLICY)) {
		c.mode = CXLTIER_MODE_BIND;
		c.nr_nodes = 1;
		c.nodes = (uintptr_t)&nw;
	}
	if (ioctl(dev, CXLTIER_IOC_CREATE, &c) < 0)
		return -errno;
	return c.out_fd;
}

static int create_on(uint32_t node, uint64_t len, uint32_t flags)
{
	return create_on_ps(node, len, flags, 0);
}

static int migrate_to(int fd, uint32_t node)
{
	struct cxltier_node_weight nw = { .node = node };
	struct cxltier_migrate m;

	memset(&m, 0, sizeof(m));
	m.size = sizeof(m);
	m.mode = CXLTIER_MODE_BIND;
	m.nr_nodes = 1;
	m.nodes = (uintptr_t)&nw;
	return ioctl(fd, CXLTIER_IOC_MIGRATE, &m) < 0 ? -errno : 0;
}

/*
 * Buffers made, touched, migrated and closed until stop_activity: events
 * for the netlink door, creates under the sysfs door's default policy and
 * quotas.  Their failures are not judged here (quotas may refuse them).
 */
static void *activity(void *arg)
{
	struct rng r;
	uint64_t n = 0;

	rng_seed(&r, cfg.seed ^ (uintptr_t)arg);
	while (!stop_activity) {
		uint64_t len = (1 + rnd(&r, 8)) * 64 * KiB;
		uint32_t flags = one_in(&r, 3) ? CXLTIER_CREATE_DEFAULT_POLICY :
			(one_in(&r, 4) ? CXLTIER_CREATE_POPULATE : 0) |
			(one_in(&r, 3) ? CXLTIER_CREATE_FALLBACK : 0);
		int fd = create_on(random_node(&r)->node, len, flags);
		char *p;

		if (fd < 0) {
			sleep_ms(1);
			continue;
		}
		p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
		if (p != MAP_FAILED) {
			/* a touch can be SIGBUS under a quota: touch nothing then */
			if (!(flags & CXLTIER_CREATE_DEFAULT_POLICY) &&
			    (flags & CXLTIER_CREATE_POPULATE))
				memset(p, (int)n, len);
			munmap(p, len);
		}
		if (one_in(&r, 2))
			migrate_to(fd, random_node(&r)->node);
		close(fd);
		n++;
	}
	return NULL;
}

/* ------------------------------------------------------------------------ */
/* netlink                                                                  */

struct nlsock {
	int fd;
	uint32_t seq;
};

static uint16_t family;
static uint32_t events_group;

static int nl_socket(void)
{
	struct sockaddr_nl sa = { .nl_family = AF_NETLINK };
	int fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_GENERIC);

	if (fd < 0)
		return -errno;
	if (bind(fd, (struct sockaddr *)&sa, sizeof(sa))) {
		close(fd);
		return -errno;
	}
	return fd;
}

static size_t put_attr(char *buf, size_t off, size_t cap, uint16_t type,
		       const void *data, uint16_t len)
{
	struct nlattr *a = (struct nlattr *)(buf + off);
	size_t need = NLA_ALIGN(NLA_HDRLEN + len);

	if (off + need > cap)
		return off;
	memset(a, 0, need);
	a->nla_type = type;
	a->nla_len = (uint16_t)(NLA_HDRLEN + len);
	if (len)
		memcpy((char *)a + NLA_HDRLEN, data, len);
	return off + need;
}

/* Resolve the family and its group on a fresh socket; 0 or -errno. */
static int nl_resolve(void)
{
	char buf[8192];
	struct nlmsghdr *h = (struct nlmsghdr *)buf;
	struct genlmsghdr *g = NLMSG_DATA(h);
	size_t off;
	int fd = nl_socket(), n, len;

	if (fd < 0)
		return fd;
	memset(buf, 0, 256);
	off = NLMSG_LENGTH(GENL_HDRLEN);
	off = put_attr(buf, off, sizeof(buf), CTRL_ATTR_FAMILY_NAME,
		       CXLTIER_GENL_NAME, sizeof(CXLTIER_GENL_NAME));
	h->nlmsg_len = (uint32_t)off;
	h->nlmsg_type = GENL_ID_CTRL;
	h->nlmsg_flags = NLM_F_REQUEST;
	h->nlmsg_seq = 1;
	g->cmd = CTRL_CMD_GETFAMILY;
	g->version = 1;
	if (send(fd, buf, off, 0) < 0 || (n = (int)recv(fd, buf, sizeof(buf), 0)) <= 0) {
		close(fd);
		return -EIO;
	}
	close(fd);
	if (!NLMSG_OK(h, (unsigned int)n) || h->nlmsg_type == NLMSG_ERROR)
		return -ENOENT;
	len = (int)h->nlmsg_len - NLMSG_LENGTH(GENL_HDRLEN);
	for (struct nlattr *a = (struct nlattr *)((char *)g + GENL_HDRLEN);
	     len >= (int)sizeof(*a) && a->nla_len >= sizeof(*a) && a->nla_len <= len;
	     len -= NLA_ALIGN(a->nla_len),
	     a = (struct nlattr *)((char *)a + NLA_ALIGN(a->nla_len))) {
		if (a->nla_type == CTRL_ATTR_FAMILY_ID)
			family = *(uint16_t *)((char *)a + NLA_HDRLEN);
		if ((a->nla_type & NLA_TYPE_MASK) == CTRL_ATTR_MCAST_GROUPS) {
			/* one group: its id is in the first nested entry */
			struct nlattr *grp = (struct nlattr *)((char *)a + NLA_HDRLEN);
			int gl = grp->nla_len - NLA_HDRLEN;

			for (struct nlattr *x = (struct nlattr *)((char *)grp + NLA_HDRLEN);
			     gl >= (int)sizeof(*x) && x->nla_len >= sizeof(*x) && x->nla_len <= gl;
			     gl -= NLA_ALIGN(x->nla_len),
			     x = (struct nlattr *)((char *)x + NLA_ALIGN(x->nla_len)))
				if (x->nla_type == CTRL_ATTR_MCAST_GRP_ID)
					events_group = *(uint32_t *)((char *)x + NLA_HDRLEN);
		}
	}
	return family ? 0 : -ENOENT;
}

/* A random request into @buf; its length. */
static size_t nl_build(struct rng *r, char *buf, size_t cap, uint32_t seq,
		       bool *dump)
{
	static const uint16_t flag_bits[] = {
		NLM_F_ACK, NLM_F_DUMP, NLM_F_ECHO, NLM_F_ROOT, NLM_F_MATCH,
		NLM_F_ATOMIC, NLM_F_MULTI, 0x1000,
	};
	struct nlmsghdr *h = (struct nlmsghdr *)buf;
	struct genlmsghdr *g = NLMSG_DATA(h);
	size_t off = NLMSG_LENGTH(GENL_HDRLEN);
	unsigned int i, nattrs = (unsigned int)rnd(r, 7);

	memset(buf, 0, off);
	/*
	 * Our family; now and then the controller (read-only commands) or an
	 * id no family has.  Never another family: random requests to the
	 * host's real families could change it.
	 */
	h->nlmsg_type = !one_in(r, 20) ? family :
			one_in(r, 2) ? GENL_ID_CTRL : 0xfff0;
	h->nlmsg_flags = NLM_F_REQUEST;
	if (!one_in(r, 3))
		h->nlmsg_flags |= NLM_F_ACK;
	for (i = 0; i < ARRAY_SIZE(flag_bits); i++)
		if (one_in(r, 6))
			h->nlmsg_flags |= flag_bits[i];
	*dump = (h->nlmsg_flags & NLM_F_DUMP) == NLM_F_DUMP;
	h->nlmsg_seq = seq;
	g->cmd = one_in(r, 8) ? (uint8_t)rnd64(r) :
		 (uint8_t)rnd_range(r, 0, CXLTIER_NL_CMD_MAX + 1);
	g->version = one_in(r, 10) ? (uint8_t)rnd64(r) : CXLTIER_GENL_VERSION;
	for (i = 0; i < nattrs; i++) {
		uint8_t data[320];
		uint16_t type, len;

		type = one_in(r, 4) ? (uint16_t)rnd(r, 64) :
		       (uint16_t)rnd_range(r, 1, CXLTIER_NL_A_MAX);
		if (one_in(r, 10))
			type |= NLA_F_NESTED;
		if (one_in(r, 30))
			type |= NLA_F_NET_BYTEORDER;
		switch (rnd(r, 4)) {
		case 0: len = 4; break;
		case 1: len = 8; break;
		case 2: len = (uint16_t)rnd(r, 17); break;
		default: len = (uint16_t)rnd(r, sizeof(data)); break;
		}
		for (unsigned int k = 0; k < len; k++)
			data[k] = one_in(r, 2) ? 0 : (uint8_t)rnd64(r);
		/* a real id or node most of the time */
		if (len == 8 && one_in(r, 2))
			*(uint64_t *)data = rnd(r, 64);
		if (len == 4 && one_in(r, 2))
			*(uint32_t *)data = topo.nodes[rnd(r, topo.nr)].node;
		off = put_attr(buf, off, cap, type, data, len);
	}
	h->nlmsg_len = (uint32_t)off;
	/* a length that lies, now and then */
	if (one_in(r, 25))
		h->nlmsg_len = (uint32_t)rnd(r, off + 8);
	return off;
}

/* A valid request: BUF_GET or NODE_GET, do or dump, or a subscription. */
static size_t nl_clean(struct rng *r, char *buf, size_t cap, uint32_t seq,
		       bool *dump)
{
	struct nlmsghdr *h = (struct nlmsghdr *)buf;
	struct genlmsghdr *g = NLMSG_DATA(h);
	size_t off = NLMSG_LENGTH(GENL_HDRLEN);

	memset(buf, 0, off);
	h->nlmsg_type = family;
	h->nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK;
	h->nlmsg_seq = seq;
	g->version = CXLTIER_GENL_VERSION;
	*dump = false;
	switch (rnd(r, 5)) {
	case 0: {
		uint64_t id = rnd(r, 1 + (uint64_t)iterations);

		g->cmd = CXLTIER_NL_CMD_BUF_GET;
		off = put_attr(buf, off, cap, CXLTIER_NL_A_BUF_ID, &id, sizeof(id));
		break;
	}
	case 1:
		g->cmd = CXLTIER_NL_CMD_BUF_GET;
		h->nlmsg_flags |= NLM_F_DUMP;
		*dump = true;
		break;
	case 2: {
		uint32_t node = topo.nodes[rnd(r, topo.nr)].node;

		g->cmd = CXLTIER_NL_CMD_NODE_GET;
		off = put_attr(buf, off, cap, CXLTIER_NL_A_NODE_ID, &node, sizeof(node));
		break;
	}
	case 3:
		g->cmd = CXLTIER_NL_CMD_NODE_GET;
		h->nlmsg_flags |= NLM_F_DUMP;
		*dump = true;
		break;
	default:
		g->cmd = CXLTIER_NL_CMD_EVENT_SUBSCRIBE;
		break;
	}
	h->nlmsg_len = (uint32_t)off;
	return off;
}

/* What a reply to one request may say. */
static const int nl_errnos[] = {
	EINVAL, ENOENT, EOPNOTSUPP, ENOSPC, EPERM, ENOMEM, EMSGSIZE, ERANGE,
	ENODEV, EBADMSG,
};

/*
 * Replies to the request @seq (flags @req) on @fd: until the ack, an error,
 * the end of a dump, the reply of a do without NLM_F_ACK, or 300 ms of
 * silence (a request the core drops, a do without reply or ack); with
 * @cut, the first datagram only; with @tiny, one read into 64 bytes.
 * Returns the number of datagrams read.
 */
static int nl_replies(int fd, uint32_t seq, uint16_t req, bool cut, bool tiny)
{
	char buf[32768];
	double end = now_s() + 10, quiet = now_s() + 0.3;
	int got = 0;

	for (;;) {
		struct pollfd p = { .fd = fd, .events = POLLIN };
		struct nlmsghdr *h;
		ssize_t n;

		/* a dump must end: the family stops at the buffers of its start */
		if (now_s() > end) {
			fail("netlink: replies to one request still coming after 10 s (%d datagrams)",
			     got);
			return got;
		}
		/*
		 * 300 ms without a message of this request: done (a socket
		 * the request subscribed also gets events, which do not count)
		 */
		if (now_s() > quiet || poll(&p, 1, 300) <= 0)
			return got;
		n = recv(fd, buf, tiny ? 64 : sizeof(buf), MSG_DONTWAIT);
		if (n < 0) {
			if (errno == EAGAIN || errno == EINTR)
				continue;
			fail("netlink: recv: %s", strerror(errno));
			return got;
		}
		got++;
		if (tiny || cut)
			return got;	/* truncated or abandoned: not parsed */
		for (h = (struct nlmsghdr *)buf; NLMSG_OK(h, (unsigned int)n);
		     h = NLMSG_NEXT(h, n)) {
			if (h->nlmsg_seq != seq)
				continue;
			quiet = now_s() + 0.3;
			if (h->nlmsg_type == NLMSG_ERROR) {
				int e = -((struct nlmsgerr *)NLMSG_DATA(h))->error;

				if (!e)
					calls_ok++;
				else
					judge_errno("netlink request", e, nl_errnos,
						    ARRAY_SIZE(nl_errnos));
				return got;
			}
			if (h->nlmsg_type == NLMSG_DONE) {
				int e = h->nlmsg_len >= NLMSG_LENGTH(sizeof(int)) ?
					-*(int *)NLMSG_DATA(h) : 0;

				if (e > 0)
					judge_errno("netlink dump", e, nl_errnos,
						    ARRAY_SIZE(nl_errnos));
				else
					calls_ok++;
				return got;
			}
			if (h->nlmsg_len < NLMSG_LENGTH(GENL_HDRLEN) ||
			    (h->nlmsg_type != family && h->nlmsg_type != GENL_ID_CTRL))
				fail("netlink: reply of type %u, length %u",
				     h->nlmsg_type, h->nlmsg_len);
			/* a do's reply: its ack follows when asked for */
			if (!(h->nlmsg_flags & NLM_F_MULTI) && !(req & NLM_F_ACK)) {
				calls_ok++;
				return got;
			}
		}
	}
}

#define NL_LISTENERS 8

static void door_netlink(struct rng *r, double end)
{
	int listeners[NL_LISTENERS], i;
	uint32_t seq = 100;

	if (nl_resolve()) {
		fail("netlink: the family %s is not there", CXLTIER_GENL_NAME);
		return;
	}
	for (i = 0; i < NL_LISTENERS; i++)
		listeners[i] = -1;
	while (now_s() < end) {
		char buf[4096];
		bool dump, cut, tiny;
		size_t len;
		int fd, k = (int)rnd(r, NL_LISTENERS);

		iterations++;
		/* listeners: opened, joined or subscribed, drained, closed */
		if (one_in(r, 3)) {
			if (listeners[k] >= 0 && one_in(r, 2)) {
				close(listeners[k]);	/* maybe with events queued */
				listeners[k] = -1;
			} else if (listeners[k] < 0 && (listeners[k] = nl_socket()) >= 0) {
				if (one_in(r, 2) && events_group &&
				    setsockopt(listeners[k], SOL_NETLINK,
					       NETLINK_ADD_MEMBERSHIP, &events_group,
					       sizeof(events_group)))
					fail("netlink: root joins the group: %s",
					     strerror(errno));
				if (one_in(r, 2)) {
					len = nl_build(r, buf, sizeof(buf), ++seq, &dump);
					((struct genlmsghdr *)NLMSG_DATA((struct nlmsghdr *)buf))->cmd =
						CXLTIER_NL_CMD_EVENT_SUBSCRIBE;
					((struct nlmsghdr *)buf)->nlmsg_len = (uint32_t)len;
					((struct nlmsghdr *)buf)->nlmsg_type = family;
					send(listeners[k], buf, len, 0);
				}
			} else if (listeners[k] >= 0 && one_in(r, 2)) {
				while (recv(listeners[k], buf, sizeof(buf), MSG_DONTWAIT) > 0)
					;
			}
		}
		/* a request on a socket of its own */
		fd = nl_socket();
		if (fd < 0) {
			fail("netlink: socket: %s", strerror(-fd));
			break;
		}
		len = nl_build(r, buf, sizeof(buf), ++seq, &dump);
		if (one_in(r, 3))	/* a request without defects: the success paths */
			len = nl_clean(r, buf, sizeof(buf), seq, &dump);
		cut = dump && one_in(r, 3);
		tiny = one_in(r, 20);
		if (send(fd, buf, len, 0) < 0) {
			static const int send_errnos[] = { EINVAL, EFAULT, ENOBUFS };

			judge_errno("netlink send", errno, send_errnos,
				    ARRAY_SIZE(send_errnos));
		} else {
			nl_replies(fd, seq, ((struct nlmsghdr *)buf)->nlmsg_flags,
				   cut, tiny);
		}
		close(fd);	/* a dump cut short ends here */
	}
	for (i = 0; i < NL_LISTENERS; i++)
		if (listeners[i] >= 0)
			close(listeners[i]);
	pass();		/* the fds: counted in main(), once the buffers are gone */
}

/* ------------------------------------------------------------------------ */
/* sysfs                                                                    */

#define MAX_FILES 64

struct sfile {
	char path[512];
	char saved[4096];
};

static struct sfile sfiles[MAX_FILES];
static unsigned int nr_sfiles;

static int read_file(const char *path, char *buf, size_t len)
{
	int r = read_text(path, buf, len);

	return r < 0 ? r : 0;
}

/* @len bytes of @text in one write(): 0 or -errno. */
static int write_raw(const char *path, const char *text, size_t len)
{
	int fd = open(path, O_WRONLY), r = 0;
	ssize_t n;

	if (fd < 0)
		return -errno;
	n = write(fd, text, len);
	if (n < 0)
		r = -errno;
	else if ((size_t)n != len)
		r = -EIO;
	close(fd);
	return r;
}

/* Every file under @dir (one level of subdirectories) a root may write. */
static void find_writable(const char *dir, int depth)
{
	struct dirent *e;
	DIR *d = opendir(dir);

	if (!d)
		return;
	while ((e = readdir(d)) && nr_sfiles < MAX_FILES) {
		char path[768];
		struct stat st;

		if (e->d_name[0] == '.' || !strcmp(e->d_name, "subsystem") ||
		    !strcmp(e->d_name, "power") || !strcmp(e->d_name, "uevent"))
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, e->d_name);
		if (lstat(path, &st))
			continue;
		if (S_ISDIR(st.st_mode) && depth < 2)
			find_writable(path, depth + 1);
		else if (S_ISREG(st.st_mode) && (st.st_mode & S_IWUSR)) {
			if (strlen(path) >= sizeof(sfiles[0].path))
				continue;
			memcpy(sfiles[nr_sfiles].path, path, strlen(path) + 1);
			if (!read_file(path, sfiles[nr_sfiles].saved,
				       sizeof(sfiles[0].saved)))
				nr_sfiles++;
		}
	}
	closedir(d);
}

/* A value for a sysfs file: valid, boundary or junk. */
static size_t sysfs_value(struct rng *r, char *v, size_t cap)
{
	static const char *const fixed[] = {
		"none", "none\n", "max", "max\n", "0", "1", "-1", "42", "100",
		"101", "4096", "2097152", "4294967295", "4294967296",
		"18446744073709551615", "18446744073709551616", "+5", "0x10",
		" 5", "5 ", "5\n\n", "", "\n", "bind:0", "bind:0-3", "bind:3-0",
		"interleave:all", "interleave:cxl", "weighted:dram=3,cxl=1",
		"split:0=30%,2=70%", "split:all=100%", "interleave:0,chunk=64K",
		"bind:0,page=2M", "weighted:0=0", "bind:99999", "bind:0-99999",
		"bind:,", "bind:0,,1", ":", "split:0=100%%", "weighted 0:3",
		"bind:0-0", "interleave:0-1,chunk=1G", "preferred:cxl,dram",
	};
	unsigned int n = topo.nodes[rnd(r, topo.nr)].node;

	switch (rnd(r, 6)) {
	case 0:
	case 1:
		return (size_t)snprintf(v, cap, "%s", fixed[rnd(r, ARRAY_SIZE(fixed))]);
	case 2:
		return (size_t)snprintf(v, cap, "%" PRIu64, rnd64(r) >> rnd(r, 64));
	case 3:
		return (size_t)snprintf(v, cap, "%s:%u%s,%u%s",
					one_in(r, 2) ? "weighted" : "interleave",
					n, one_in(r, 2) ? "=3" : "",
					topo.nodes[rnd(r, topo.nr)].node,
					one_in(r, 2) ? "=1" : "");
	case 4: {	/* junk, a NUL inside now and then */
		size_t len = (size_t)rnd(r, 64), i;

		for (i = 0; i < len && i < cap; i++)
			v[i] = (char)(one_in(r, 8) ? 0 : 32 + rnd(r, 95));
		return len < cap ? len : cap;
	}
	default: {	/* long */
		size_t len = (size_t)rnd_range(r, 1000, cap - 1);

		memset(v, '1', len);
		memcpy(v, "bind:", 5);
		return len;
	}
	}
}

static void door_sysfs(struct rng *r, double end)
{
	static const int write_errnos[] = { EINVAL, ERANGE, ENOSPC, EBUSY };
	char v[4500], before[4096], after[4096], again[4096];
	unsigned int i;

	nr_sfiles = 0;
	find_writable(SYSFS_DIR, 0);
	find_writable("/sys/module/cxltier/parameters", 1);
	if (!nr_sfiles) {
		fail("sysfs: no writable file under %s", SYSFS_DIR);
		return;
	}
	out("doors: sysfs: %u writable files", nr_sfiles);
	while (now_s() < end) {
		struct sfile *f = &sfiles[rnd(r, nr_sfiles)];
		size_t len = sysfs_value(r, v, sizeof(v));
		int e;

		iterations++;
		if (read_file(f->path, before, sizeof(before))) {
			fail("sysfs: read %s", f->path);
			continue;
		}
		e = write_raw(f->path, v, len);
		if (read_file(f->path, after, sizeof(after))) {
			fail("sysfs: read %s after a write", f->path);
			continue;
		}
		if (e) {
			judge_errno(f->path, -e, write_errnos, ARRAY_SIZE(write_errnos));
			if (strcmp(before, after))
				fail("sysfs: %s: a refused write (%.40s) changed it from %.60s to %.60s",
				     f->path, v, before, after);
			continue;
		}
		calls_ok++;
		/* what it reads back is a value it takes, and the same again */
		if (write_raw(f->path, after, strlen(after)) ||
		    read_file(f->path, again, sizeof(again)) || strcmp(after, again))
			fail("sysfs: %s: %.60s does not read back as itself", f->path,
			     after);
	}
	for (i = 0; i < nr_sfiles; i++)
		if (write_raw(sfiles[i].path, sfiles[i].saved,
			      strlen(sfiles[i].saved)))
			fail("sysfs: %s: cannot put back %.60s", sfiles[i].path,
			     sfiles[i].saved);
	pass();
}

/* ------------------------------------------------------------------------ */
/* mapping                                                                  */

/* 4 MiB: two 2 MiB units when the door's buffer has 2 MiB pages */
#define MAP_PAGES 1024

static sigjmp_buf probe_env;
static volatile sig_atomic_t probing;

static void on_fault(int sig)
{
	if (probing)
		siglongjmp(probe_env, sig);
	signal(sig, SIG_DFL);
	raise(sig);
}

/* A read of a word at @p: 0 and *@v, or the signal. */
static int probe_read(const volatile uint64_t *p, uint64_t *v)
{
	int sig = sigsetjmp(probe_env, 1);

	if (sig) {
		probing = 0;
		return sig;
	}
	probing = 1;
	*v = *p;
	probing = 0;
	return 0;
}

struct mstate {
	int fd;
	char *base;		/* the mapping of pages [0, npages) */
	size_t npages;		/* of the buffer */
	uint8_t mapped[MAP_PAGES], prot[MAP_PAGES];
	uint64_t want[MAP_PAGES];	/* word 0 of each page, last written */
};

static void m_write(struct mstate *m, size_t pg, uint64_t v)
{
	*(volatile uint64_t *)(m->base + pg * pgsz) = v;
	m->want[pg] = v;
}

/* Every mapped readable page reads what was last written to it. */
static void m_verify(struct mstate *m, const char *after)
{
	size_t pg;

	for (pg = 0; pg < m->npages; pg++) {
		uint64_t v;
		int sig;

		if (!m->mapped[pg] || !(m->prot[pg] & PROT_READ))
			continue;
		sig = probe_read((uint64_t *)(m->base + pg * pgsz), &v);
		if (sig)
			fail("mapping: after %s, page %zu: signal %d on a readable page",
			     after, pg, sig);
		else if (v != m->want[pg])
			fail("mapping: after %s, page %zu reads %#" PRIx64 ", want %#" PRIx64,
			     after, pg, v, m->want[pg]);
	}
}

/* A contiguous run [*a, *a + *n) of pages, at least one. */
static void m_range(struct rng *r, const struct mstate *m, size_t *a, size_t *n)
{
	*a = (size_t)rnd(r, m->npages);
	*n = 1 + (size_t)rnd(r, m->npages - *a);
}

/* Map the whole buffer again read-write where nothing is: a clean slate. */
static int m_remap_all(struct mstate *m)
{
	size_t pg;

	if (m->base)
		munmap(m->base, m->npages * pgsz);
	m->base = mmap(NULL, m->npages * pgsz, PROT_READ | PROT_WRITE,
		       MAP_SHARED, m->fd, 0);
	if (m->base == MAP_FAILED) {
		m->base = NULL;
		return -errno;
	}
	for (pg = 0; pg < m->npages; pg++) {
		m->mapped[pg] = 1;
		m->prot[pg] = PROT_READ | PROT_WRITE;
	}
	return 0;
}

static void mapping_pass(struct rng *r, double end, bool huge)
{
	static const int advices[] = {
		MADV_NORMAL, MADV_RANDOM, MADV_SEQUENTIAL, MADV_WILLNEED,
		MADV_DONTNEED, MADV_FREE, MADV_REMOVE, MADV_DONTFORK,
		MADV_DOFORK, MADV_MERGEABLE, MADV_UNMERGEABLE, MADV_HUGEPAGE,
		MADV_NOHUGEPAGE, MADV_DONTDUMP, MADV_DODUMP, MADV_WIPEONFORK,
		MADV_KEEPONFORK, MADV_COLD, MADV_PAGEOUT, 22 /* POPULATE_READ */,
		23 /* POPULATE_WRITE */, 25 /* COLLAPSE */,
	};
	/*
	 * ENODEV: MADV_REMOVE's fallocate() on a file that is not regular;
	 * ENOSPC: a MIGRATE over a node's quota (the sysfs door sets them)
	 */
	static const int op_errnos[] = {
		EINVAL, ENOMEM, EAGAIN, EPERM, EFAULT, EBUSY, EOPNOTSUPP,
		ENOSYS, EIO, ENODEV, ENOSPC,
	};
	struct mstate m;
	size_t pg;

	memset(&m, 0, sizeof(m));
	signal(SIGBUS, on_fault);
	signal(SIGSEGV, on_fault);
	m.npages = MAP_PAGES;
	m.fd = create_on_ps(topo.nodes[0].node, m.npages * pgsz,
			    huge ? CXLTIER_CREATE_HUGE_FALLBACK : 0,
			    huge ? CXLTIER_HUGE_PAGE_SHIFT : 0);
	printf("# mapping door: a %s-page buffer of %zu KiB\n", huge ? "2 MiB" : "4 KiB",
	       m.npages * pgsz / 1024);
	if (m.fd < 0 || m_remap_all(&m)) {
		fail("mapping: a buffer and its mapping");
		return;
	}
	for (pg = 0; pg < m.npages; pg++)
		m_write(&m, pg, 0x1000 + pg);
	while (now_s() < end) {
		size_t a, n, i;
		int op = (int)rnd(r, 11), res = 0;
		char what[64];

		iterations++;
		m_range(r, &m, &a, &n);
		switch (op) {
		case 0:		/* writes through the mapping */
			for (i = a; i < a + n; i++)
				if (m.mapped[i] && (m.prot[i] & PROT_WRITE))
					m_write(&m, i, rnd64(r));
			snprintf(what, sizeof(what), "writes");
			break;
		case 1: {	/* mprotect */
			int prot = (int)rnd(r, 4) & (PROT_READ | PROT_WRITE);

			res = mprotect(m.base + a * pgsz, n * pgsz, prot) ? -errno : 0;
			for (i = a; !res && i < a + n; i++)
				m.prot[i] = (uint8_t)prot;
			/* failed at a hole after changing what came before it */
			if (res && m_remap_all(&m))
				m.base = NULL;
			snprintf(what, sizeof(what), "mprotect(%zu+%zu, %d)", a, n, prot);
			break;
		}
		case 2: {	/* madvise */
			int adv = advices[rnd(r, ARRAY_SIZE(advices))];

			res = madvise(m.base + a * pgsz, n * pgsz, adv) ? -errno : 0;
			snprintf(what, sizeof(what), "madvise(%zu+%zu, %d)", a, n, adv);
			break;
		}
		case 3:		/* mlock, munlock */
			res = (one_in(r, 2) ? mlock(m.base + a * pgsz, n * pgsz) :
					      munlock(m.base + a * pgsz, n * pgsz)) ? -errno : 0;
			snprintf(what, sizeof(what), "mlock/munlock(%zu+%zu)", a, n);
			break;
		case 4:		/* partial munmap */
			/*
			 * By mapping over the pages (the kernel unmaps them
			 * first, as munmap would): a plain hole could be taken
			 * by the activity threads' mmap(), and an operation on
			 * the range would then act on their mapping.
			 */
			res = mmap(m.base + a * pgsz, n * pgsz, PROT_NONE,
				   MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0) ==
			      MAP_FAILED ? -errno : 0;
			for (i = a; !res && i < a + n; i++)
				m.mapped[i] = 0;
			snprintf(what, sizeof(what), "munmap(%zu+%zu)", a, n);
			break;
		case 5: {	/* mremap of the whole mapping: move, or shrink and grow */
			size_t len = m.npages * pgsz;
			void *q;

			if (one_in(r, 2)) {
				q = mremap(m.base, len, len, MREMAP_MAYMOVE);
				res = q == MAP_FAILED ? -errno : 0;
				if (!res)
					m.base = q;
				snprintf(what, sizeof(what), "mremap(move)");
			} else {
				/*
				 * Shrink, then grow back: the module's mappings are
				 * VM_DONTEXPAND, so the grow is EFAULT and the half
				 * left is unmapped before mapping afresh.
				 */
				q = mremap(m.base, len, (m.npages / 2) * pgsz, 0);
				res = q == MAP_FAILED ? -errno : 0;
				if (!res) {
					q = mremap(m.base, (m.npages / 2) * pgsz, len,
						   MREMAP_MAYMOVE);
					if (q == MAP_FAILED) {
						if (errno != EFAULT)
							fail("mapping: growing a buffer mapping: %s, want EFAULT (VM_DONTEXPAND)",
							     strerror(errno));
						munmap(m.base, (m.npages / 2) * pgsz);
						m.base = NULL;
						res = m_remap_all(&m);
					} else {
						fail("mapping: a buffer mapping grew with mremap()");
						m.base = q;
					}
				}
				snprintf(what, sizeof(what), "mremap(shrink, grow)");
			}
			break;
		}
		case 6: {	/* fork: the child reads what it can, writes one page */
			pid_t child;
			int st;
			size_t w = a;
			uint64_t val = rnd64(r);

			if (!m.mapped[w] || m.prot[w] != (PROT_READ | PROT_WRITE))
				break;
			child = fork();
			if (child < 0) {
				res = -errno;
				break;
			}
			if (!child) {
				/* DONTFORK: not in the child; WIPEONFORK: refused on shared */
				uint64_t v;

				if (probe_read((uint64_t *)(m.base + w * pgsz), &v))
					_exit(3);	/* DONTFORK: said below */
				*(volatile uint64_t *)(m.base + w * pgsz) = val;
				_exit(0);
			}
			waitpid(child, &st, 0);
			if (WIFEXITED(st) && WEXITSTATUS(st) == 0)
				m.want[w] = val;	/* shared: the parent sees it */
			else if (!WIFEXITED(st) || WEXITSTATUS(st) != 3)
				fail("mapping: fork child: status %#x", st);
			snprintf(what, sizeof(what), "fork, child writes page %zu", w);
			break;
		}
		case 7: {	/* userfaultfd registration */
			int uffd = (int)syscall(__NR_userfaultfd, O_CLOEXEC | O_NONBLOCK);
			struct uffdio_api api = { .api = UFFD_API };
			struct uffdio_register reg = {
				.range = { (uintptr_t)(m.base + a * pgsz), n * pgsz },
				.mode = UFFDIO_REGISTER_MODE_MISSING,
			};

			if (uffd < 0)
				break;	/* not here, or not for us */
			if (!ioctl(uffd, UFFDIO_API, &api))
				res = ioctl(uffd, UFFDIO_REGISTER, &reg) ? -errno : 0;
			close(uffd);
			snprintf(what, sizeof(what), "userfaultfd register(%zu+%zu)", a, n);
			break;
		}
		case 8: {	/* process_madvise on itself */
#ifdef __NR_process_madvise
			struct iovec iov = { m.base + a * pgsz, n * pgsz };
			int pidfd = (int)syscall(__NR_pidfd_open, getpid(), 0);

			if (pidfd >= 0) {
				res = syscall(__NR_process_madvise, pidfd, &iov, 1,
					      one_in(r, 2) ? MADV_COLD : MADV_PAGEOUT, 0) < 0 ?
				      -errno : 0;
				close(pidfd);
			}
#endif
			snprintf(what, sizeof(what), "process_madvise(%zu+%zu)", a, n);
			break;
		}
		case 9: {	/* MIGRATE the whole buffer to any node, mappings live */
			struct cxltier_node_weight nw = {
				.node = topo.nodes[rnd(r, topo.nr)].node,
			};
			struct cxltier_migrate mg;

			memset(&mg, 0, sizeof(mg));
			mg.size = sizeof(mg);
			mg.mode = CXLTIER_MODE_BIND;
			mg.nr_nodes = 1;
			mg.nodes = (uintptr_t)&nw;
			res = ioctl(m.fd, CXLTIER_IOC_MIGRATE, &mg) ? -errno : 0;
			snprintf(what, sizeof(what), "MIGRATE to node %u", nw.node);
			break;
		}
		default:	/* a clean slate now and then */
			res = m_remap_all(&m);
			snprintf(what, sizeof(what), "a fresh mapping");
			break;
		}
		if (res)
			judge_errno(what, -res, op_errnos, ARRAY_SIZE(op_errnos));
		else
			calls_ok++;
		if (!m.base && m_remap_all(&m)) {
			fail("mapping: cannot map the buffer again");
			break;
		}
		m_verify(&m, what);
	}
	/* everything written is in the buffer, through a fresh mapping */
	if (!m_remap_all(&m))
		m_verify(&m, "the end");
	munmap(m.base, m.npages * pgsz);
	close(m.fd);
}

/*
 * Half the time on a buffer of 4 KiB pages, half on one of 2 MiB pages
 * (each unit mapped by one PMD where the mapping allows it: partial
 * operations split it), in an order the seed picks.
 */
static void door_mapping(struct rng *r, double end)
{
	double mid = (now_s() + end) / 2;
	bool huge_first = one_in(r, 2);

	mapping_pass(r, mid, huge_first);
	mapping_pass(r, end, !huge_first);
	pass();
}

/* ------------------------------------------------------------------------ */

static void usage(const char *prog)
{
	fprintf(stderr, "usage: %s [--door netlink|sysfs|mapping|all] [--seconds N] [--seed N] [--verbose]\n",
		prog);
	exit(2);
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "door", required_argument, NULL, 'd' },
		{ "seconds", required_argument, NULL, 's' },
		{ "seed", required_argument, NULL, 'S' },
		{ "verbose", no_argument, NULL, 'v' },
		{ NULL, 0, NULL, 0 },
	};
	struct node_free *base;
	pthread_t thr[2];
	int c, d, i, nfds0;

	cfg.seed = (uint64_t)time(NULL) ^ ((uint64_t)getpid() << 32);
	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (c) {
		case 'd':
			if (!strcmp(optarg, "all")) {
				cfg.doors = 7;
				break;
			}
			for (d = 0; d < NR_DOORS; d++)
				if (!strcmp(optarg, door_names[d]))
					break;
			if (d == NR_DOORS)
				usage(argv[0]);
			cfg.doors = 1U << d;
			break;
		case 's': cfg.seconds = (unsigned int)strtoul(optarg, NULL, 10); break;
		case 'S': cfg.seed = strtoull(optarg, NULL, 0); break;
		case 'v': cfg.verbose = true; break;
		default: usage(argv[0]);
		}
	}
	setvbuf(stdout, NULL, _IOLBF, 0);
	dev = open(CXLTIER_DEVICE_PATH, O_RDWR | O_CLOEXEC);
	if (dev < 0 || topo_load(dev, &topo) || !topo.nr) {
		out("doors: %s: %s (module loaded? root?)", CXLTIER_DEVICE_PATH,
		    strerror(errno));
		out("doors: 0 passed, 1 failed");
		return 1;
	}
	out("doors: seed %" PRIu64 " (--seed to repeat), %u s per door", cfg.seed,
	    cfg.seconds);
	base = calloc(topo.nr, sizeof(*base));
	if (!base || read_free_base(dev, &topo, base, "doors"))
		return 1;
	nfds0 = count_open_fds();
	for (d = 0; d < NR_DOORS; d++) {
		struct rng r;
		uint64_t it0 = iterations, ok0 = calls_ok, e0 = errno_ok;

		if (!(cfg.doors & (1U << d)))
			continue;
		rng_seed(&r, cfg.seed + (uint64_t)d);
		stop_activity = 0;
		for (i = 0; i < 2; i++)
			pthread_create(&thr[i], NULL, activity, (void *)(uintptr_t)(d * 2 + i + 1));
		switch (d) {
		case DOOR_NETLINK: door_netlink(&r, now_s() + cfg.seconds); break;
		case DOOR_SYSFS: door_sysfs(&r, now_s() + cfg.seconds); break;
		default: door_mapping(&r, now_s() + cfg.seconds); break;
		}
		stop_activity = 1;
		for (i = 0; i < 2; i++)
			pthread_join(thr[i], NULL);
		if (count_open_fds() != nfds0)
			fail("%s: %d fds open after it, %d before", door_names[d],
			     count_open_fds(), nfds0);
		else
			pass();
		out("doors: %s: %" PRIu64 " iterations, %" PRIu64 " calls ok, %" PRIu64 " errno ok",
		    door_names[d], iterations - it0, calls_ok - ok0, errno_ok - e0);
	}
	if (count_open_fds() != nfds0)
		fail("%d fds open at the end, %d at the start", count_open_fds(), nfds0);
	else
		pass();
	/* every page of every buffer given back */
	settle_memory();
	for (i = 0; i < (int)topo.nr; i++) {
		char why[256];

		if (node_free_back(dev, &topo.nodes[i], &base[i], "doors", why,
				   sizeof(why)))
			pass();
		else
			fail("%s", why);
	}
	free(base);
	close(dev);
	topo_free(&topo);
	out("doors: %" PRIu64 " passed, %" PRIu64 " failed", passed, failed);
	return failed ? 1 : 0;
}
