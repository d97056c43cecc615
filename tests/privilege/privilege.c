// SPDX-License-Identifier: GPL-2.0
/*
 * privilege: who may use cxltier, checked as other users in the emulated
 * host (tests/vm/run; any kernel).  Runs as root; the other users are
 * numeric ids the guest need not know (its root filesystem is the host's,
 * read-only): children switch with setgroups/setresgid/setresuid, as
 * `setpriv --reuid=65534 --regid=65534 --clear-groups` does, and mark
 * themselves dumpable again like a process that was started as that user.
 *
 * The access model (packaging/README.md):
 *   - /dev/cxltier is the only door: the module creates it root:root 0600;
 *     packaging/60-cxltier.rules makes it root:cxltier 0660, so members of
 *     group cxltier may create buffers and nobody else may;
 *   - file descriptors are capabilities: whoever holds a buffer fd (or an
 *     open /dev/cxltier fd) may use it, whoever gave it to them (fork,
 *     SCM_RIGHTS); nothing checks the holder's identity afterwards;
 *   - a buffer has no name: it cannot be opened by path, not even through
 *     /proc/PID/fd by its owner (ENXIO), and another user does not get
 *     that far (EACCES); its mapping is reachable through ptrace and
 *     /proc/PID/mem only for whoever may ptrace the process;
 *   - module parameters are root's.
 *
 * Checks (one line each, then "privilege: N passed, N failed"):
 *   rule            the udev rule names the device and says 0660, group
 *                   cxltier (packaging/60-cxltier.rules, or argv[1])
 *   dev_mode        /dev/cxltier as the module made it: char device,
 *                   root:root, 0600
 *   unpriv_open     uid/gid 65534 without groups: open() is EACCES (read
 *                   and read-write)
 *   group_member    after the rule's permissions by hand (chmod 0660,
 *                   chgrp to a stand-in gid for "cxltier"): a member opens
 *                   it, GET_INFO, CREATE, mmap, writes and reads back
 *   group_other     a user outside the group still gets EACCES
 *   scm_rights      a buffer fd sent over a unix socket to a user who cannot
 *                   open /dev/cxltier works there: mmap, read the sender's
 *                   data, write back, BUF_STAT; the sender sees the write
 *   scm_device      an open /dev/cxltier fd sent the same way lets that
 *                   user create buffers
 *   reopen_owner    the owner reopening its buffer by /proc/self/fd/N: ENXIO
 *   proc_fd_other   another user: /proc/PID/fd/N open and readlink EACCES,
 *                   /proc/PID/map_files of the mapping EACCES/EPERM
 *   ptrace_other    another user: PTRACE_ATTACH EPERM, /proc/PID/mem open
 *                   EACCES, process_vm_readv EPERM
 *   ptrace_root     root (control): PTRACE_PEEKDATA and /proc/PID/mem read
 *                   the buffer's data through the mapping's access hook
 *   events_own      events (packaging/README.md): the member (no
 *                   capability) may not join the "events" group (EPERM),
 *                   may subscribe, and then hears its own buffer's
 *                   MIGRATE_DONE with its uid and pid and not root's,
 *                   which came first; root's group (the control) hears both
 *   events_userns   the same listener in a new user and network namespace
 *                   (its uid mapped to 0): whatever its group join, nothing
 *                   arrives on the group there; its subscription hears its
 *                   own buffer's event, uid 0 as its namespace sees it, and
 *                   not root's
 *   params          /sys/module/cxltier: no file writable by group or
 *                   others; another user's open(O_WRONLY) is EACCES
 *
 * The device's mode and group are restored before exit.  Exit status: 0
 * when nothing failed, 1 otherwise, 4 when not root or no /dev/cxltier.
 */
#define _GNU_SOURCE
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <inttypes.h>
#include <limits.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/ptrace.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/uio.h>
#include <sys/wait.h>
#include <poll.h>
#include <sched.h>
#include <linux/genetlink.h>
#include <linux/netlink.h>

#include <linux/cxltier.h>

#include "../lib/cxlt_errno.h"
#include "../lib/cxlt_scm.h"

#define KSFT_SKIP 4

/* Stand-ins: the guest's /etc is the host's and has no such user/group. */
#define MEMBER_UID 65534	/* "nobody", put in the group */
#define OTHER_UID 65533		/* nobody's neighbour, in no group */
#define GROUP_GID 4242		/* stands in for group "cxltier" */

static size_t pgsz;
static int npass, nfail;
static struct stat dev_st0;	/* the device as we found it */
static bool dev_changed;

/* ------------------------------------------------------------------------ */

static void result(bool ok, const char *name, const char *fmt, ...)
{
	va_list ap;

	printf("%s - %s: ", ok ? "ok  " : "FAIL", name);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
	fflush(stdout);
	if (ok)
		npass++;
	else
		nfail++;
}

static void restore_dev(void)
{
	if (!dev_changed)
		return;
	chown(CXLTIER_DEVICE_PATH, dev_st0.st_uid, dev_st0.st_gid);
	chmod(CXLTIER_DEVICE_PATH, dev_st0.st_mode & 07777);
	dev_changed = false;
}

/* Become @uid/@gid with exactly @groups (n of them), dumpable. */
static int become(uid_t uid, gid_t gid, const gid_t *groups, int n)
{
	if (setgroups((size_t)n, groups) || setresgid(gid, gid, gid) ||
	    setresuid(uid, uid, uid))
		return -errno;
	/* as if started as that user: a uid change clears "dumpable" */
	prctl(PR_SET_DUMPABLE, 1, 0, 0, 0);
	return 0;
}

/*
 * Child results travel in a shared page: rc (0 = all fine, else a step
 * number), err (the errno of that step), and a message.
 */
struct report {
	int step;
	int err;
	char msg[256];
	uintptr_t addr;		/* a mapping address, for the ptrace checks */
	int fd;			/* the buffer's fd number in the holder */
	uint64_t word;		/* data seen */
};
static struct report *rep;

static void say(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(rep->msg, sizeof(rep->msg), fmt, ap);
	va_end(ap);
}

static int in_child(int (*fn)(void *), void *arg)
{
	pid_t pid;
	int st;

	memset(rep, 0, sizeof(*rep));
	pid = fork();
	if (pid < 0)
		return -1;
	if (!pid)
		_exit(fn(arg));
	if (waitpid(pid, &st, 0) < 0)
		return -1;
	if (WIFSIGNALED(st)) {
		snprintf(rep->msg, sizeof(rep->msg), "child killed by signal %d", WTERMSIG(st));
		return 200;
	}
	return WEXITSTATUS(st);
}

static int xioctl(int fd, unsigned long cmd, void *arg)
{
	return ioctl(fd, cmd, arg) < 0 ? -errno : 0;
}

static int buf_create(int dev, uint64_t len)
{
	static struct cxltier_node_weight nw;	/* node 0: it always has memory here */
	struct cxltier_create c;
	int r;

	memset(&c, 0, sizeof(c));
	c.size = sizeof(c);
	c.length = len;
	c.mode = CXLTIER_MODE_BIND;
	c.nr_nodes = 1;
	c.nodes = (uintptr_t)&nw;
	r = xioctl(dev, CXLTIER_IOC_CREATE, &c);
	return r ? r : c.out_fd;
}

static int get_info(int dev)
{
	struct cxltier_info info;

	memset(&info, 0, sizeof(info));
	info.size = sizeof(info);
	return xioctl(dev, CXLTIER_IOC_GET_INFO, &info);
}

static int buf_resident(int fd, uint64_t *bytes)
{
	struct cxltier_buf_stat st;
	int r;

	memset(&st, 0, sizeof(st));
	st.size = sizeof(st);
	r = xioctl(fd, CXLTIER_IOC_BUF_STAT, &st);
	*bytes = st.resident_bytes;
	return r;
}

/* ------------------------------------------------------------------------ */
/* rule                                                                       */

/* KEY="value" or KEY=="value" of a rule line into @out. */
static bool rule_field(const char *line, const char *key, const char *op,
		       char *out, size_t len)
{
	char pat[64];
	const char *p, *q;

	snprintf(pat, sizeof(pat), "%s%s\"", key, op);
	for (p = line; (p = strstr(p, pat)); p++) {
		if (p != line && !isspace((unsigned char)p[-1]) && p[-1] != ',')
			continue;
		p += strlen(pat);
		q = strchr(p, '"');
		if (!q)
			return false;
		snprintf(out, len, "%.*s", (int)(q - p), p);
		return true;
	}
	return false;
}

static void check_rule(const char *path)
{
	char line[1024], v[64], mode[16] = "", group[64] = "", owner[64] = "";
	bool kernel = false, subsys = false;
	FILE *f = fopen(path, "re");

	if (!f) {
		result(false, "rule", "%s: %s", path, strerror(errno));
		return;
	}
	while (fgets(line, sizeof(line), f)) {
		if (line[0] == '#')
			continue;
		if (!rule_field(line, "KERNEL", "==", v, sizeof(v)) ||
		    strcmp(v, CXLTIER_DEVICE_NAME))
			continue;
		kernel = true;
		subsys |= rule_field(line, "SUBSYSTEM", "==", v, sizeof(v)) &&
			  !strcmp(v, "misc");
		rule_field(line, "MODE", "=", mode, sizeof(mode));
		rule_field(line, "GROUP", "=", group, sizeof(group));
		rule_field(line, "OWNER", "=", owner, sizeof(owner));
	}
	fclose(f);
	if (!kernel)
		result(false, "rule", "%s: no rule with KERNEL==\"%s\"", path, CXLTIER_DEVICE_NAME);
	else if (!subsys)
		result(false, "rule", "%s: the rule does not match SUBSYSTEM==\"misc\"", path);
	else if (strcmp(mode, "0660") || strcmp(group, "cxltier") || (owner[0] && strcmp(owner, "root")))
		result(false, "rule", "%s: MODE=\"%s\" GROUP=\"%s\" OWNER=\"%s\", want 0660, cxltier, root",
		       path, mode, group, owner);
	else
		result(true, "rule", "%s: misc device %s gets root:cxltier 0660", path, CXLTIER_DEVICE_NAME);
}

/* ------------------------------------------------------------------------ */
/* device                                                                     */

struct who {
	uid_t uid;
	gid_t gid;
	int ngroups;
	gid_t groups[2];
};
static const struct who member = { MEMBER_UID, MEMBER_UID, 1, { GROUP_GID } };
static const struct who nobody = { MEMBER_UID, MEMBER_UID, 0, { 0 } };
static const struct who other = { OTHER_UID, OTHER_UID, 0, { 0 } };

static int become_who(const struct who *w)
{
	return become(w->uid, w->gid, w->groups, w->ngroups);
}

/* open() of the device as @w with @flags: 0 or errno */
static int open_as_child(void *a)
{
	const struct who *w = a;
	int fd, e = 0;

	if (become_who(w))
		return 100;
	fd = open(CXLTIER_DEVICE_PATH, O_RDONLY);
	if (fd < 0)
		e = errno;
	else
		close(fd);
	rep->err = e;
	fd = open(CXLTIER_DEVICE_PATH, O_RDWR);
	if (fd < 0)
		return errno;
	close(fd);
	return e;
}

static void check_dev_mode(void)
{
	struct stat *s = &dev_st0;

	if (!S_ISCHR(s->st_mode) || s->st_uid || s->st_gid || (s->st_mode & 07777) != 0600)
		result(false, "dev_mode", "%s is %s %u:%u %04o, want a char device root:root 0600",
		       CXLTIER_DEVICE_PATH, S_ISCHR(s->st_mode) ? "char" : "not char",
		       s->st_uid, s->st_gid, s->st_mode & 07777);
	else
		result(true, "dev_mode", "char device root:root 0600 as the module creates it");
}

static void check_unpriv_open(void)
{
	int r = in_child(open_as_child, (void *)&nobody);

	if (r != EACCES || rep->err != EACCES)
		result(false, "unpriv_open", "uid %d: open O_RDONLY %s, O_RDWR %s; want EACCES",
		       MEMBER_UID, errname(rep->err), r >= 100 ? "setup failed" : errname(r));
	else
		result(true, "unpriv_open", "uid/gid %d, no groups: EACCES (read and read-write)", MEMBER_UID);
}

/* A member: open, GET_INFO, CREATE, mmap, write, read. */
static int member_child(void *a)
{
	int dev, fd, r;
	volatile uint64_t *p;

	(void)a;
	if (become_who(&member))
		return 100;
	dev = open(CXLTIER_DEVICE_PATH, O_RDWR | O_CLOEXEC);
	if (dev < 0) {
		rep->err = errno;
		say("open");
		return 1;
	}
	r = get_info(dev);
	if (r) {
		rep->err = -r;
		say("GET_INFO");
		return 2;
	}
	fd = buf_create(dev, 4 * pgsz);
	if (fd < 0) {
		rep->err = -fd;
		say("CREATE");
		return 3;
	}
	p = mmap(NULL, 4 * pgsz, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (p == MAP_FAILED) {
		rep->err = errno;
		say("mmap");
		return 4;
	}
	p[0] = 0x1234;
	p[pgsz / 8] = 0x5678;	/* page 1 */
	if (p[0] != 0x1234 || p[pgsz / 8] != 0x5678) {
		say("data");
		return 5;
	}
	return 0;
}

static void check_group(void)
{
	int r;

	if (chown(CXLTIER_DEVICE_PATH, 0, GROUP_GID) || chmod(CXLTIER_DEVICE_PATH, 0660)) {
		result(false, "group_member", "chmod/chgrp %s: %s", CXLTIER_DEVICE_PATH, strerror(errno));
		return;
	}
	dev_changed = true;
	r = in_child(member_child, NULL);
	if (r)
		result(false, "group_member", "uid %d in gid %d: %s failed: %s (step %d)",
		       MEMBER_UID, GROUP_GID, rep->msg, errname(rep->err), r);
	else
		result(true, "group_member", "root:%d 0660: a member (uid %d) opens it, GET_INFO, CREATE, mmap, data",
		       GROUP_GID, MEMBER_UID);
	r = in_child(open_as_child, (void *)&other);
	if (r != EACCES || rep->err != EACCES)
		result(false, "group_other", "uid %d outside gid %d: open O_RDONLY %s, O_RDWR %s; want EACCES",
		       OTHER_UID, GROUP_GID, errname(rep->err), r >= 100 ? "setup failed" : errname(r));
	else
		result(true, "group_other", "uid %d outside the group: EACCES", OTHER_UID);
}

/* ------------------------------------------------------------------------ */
/* fds are capabilities                                                       */

struct scm_arg {
	int sock;
	bool device;		/* the fd is /dev/cxltier, not a buffer */
};

static int scm_child(void *a)
{
	const struct scm_arg *arg = a;
	volatile uint64_t *p;
	uint64_t res;
	int fd, dev, r;

	if (become_who(&other))
		return 100;
	/* the door is closed to this user... */
	dev = open(CXLTIER_DEVICE_PATH, O_RDWR);
	if (dev >= 0 || errno != EACCES) {
		say("open(%s) as uid %d: %s, want EACCES", CXLTIER_DEVICE_PATH, OTHER_UID,
		    dev >= 0 ? "success" : strerror(errno));
		return 1;
	}
	/* ...but a passed fd works */
	fd = recv_fd(arg->sock);
	if (fd < 0) {
		rep->err = -fd;
		say("recvmsg");
		return 2;
	}
	if (arg->device) {
		r = get_info(fd);
		if (r) {
			rep->err = -r;
			say("GET_INFO on the passed device fd");
			return 3;
		}
		fd = buf_create(fd, pgsz);
		if (fd < 0) {
			rep->err = -fd;
			say("CREATE on the passed device fd");
			return 4;
		}
	}
	p = mmap(NULL, pgsz, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (p == MAP_FAILED) {
		rep->err = errno;
		say("mmap of the passed fd");
		return 5;
	}
	rep->word = p[0];
	p[1] = 0xfeedULL;
	r = buf_resident(fd, &res);
	if (r || res != pgsz) {
		rep->err = -r;
		say("BUF_STAT on the passed fd: %" PRIu64 " bytes", res);
		return 6;
	}
	return 0;
}

static void check_scm(bool device)
{
	const char *name = device ? "scm_device" : "scm_rights";
	struct scm_arg arg = { .device = device };
	volatile uint64_t *p = NULL;
	int sv[2], dev, fd = -1, r;
	pid_t pid;
	int st;

	dev = open(CXLTIER_DEVICE_PATH, O_RDWR | O_CLOEXEC);
	if (dev < 0 || socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv)) {
		result(false, name, "setup: %s", strerror(errno));
		return;
	}
	if (!device) {
		fd = buf_create(dev, pgsz);
		p = fd >= 0 ? mmap(NULL, pgsz, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0) : MAP_FAILED;
		if (p == MAP_FAILED) {
			result(false, name, "root's buffer: %s", errname(fd < 0 ? fd : -errno));
			return;
		}
		p[0] = 0xc0ffeeULL;
	}
	arg.sock = sv[1];
	memset(rep, 0, sizeof(*rep));
	pid = fork();
	if (!pid)
		_exit(scm_child(&arg));
	r = send_fd(sv[0], device ? dev : fd);
	waitpid(pid, &st, 0);
	close(sv[0]);
	close(sv[1]);
	if (r)
		result(false, name, "sendmsg: %s", errname(r));
	else if (!WIFEXITED(st) || WEXITSTATUS(st))
		result(false, name, "uid %d: %s: %s (step %d)", OTHER_UID, rep->msg, errname(rep->err),
		       WIFEXITED(st) ? WEXITSTATUS(st) : -1);
	else if (!device && (rep->word != 0xc0ffeeULL || p[1] != 0xfeedULL))
		result(false, name, "data did not cross: the receiver read %#" PRIx64 ", we read %#" PRIx64,
		       rep->word, (uint64_t)p[1]);
	else if (device)
		result(true, name, "uid %d cannot open %s (EACCES) but creates and maps buffers with a passed /dev fd",
		       OTHER_UID, CXLTIER_DEVICE_PATH);
	else
		result(true, name, "uid %d cannot open %s (EACCES) but maps a passed buffer fd: data both ways, BUF_STAT",
		       OTHER_UID, CXLTIER_DEVICE_PATH);
	if (p)
		munmap((void *)p, pgsz);
	if (fd >= 0)
		close(fd);
	close(dev);
}

/* ------------------------------------------------------------------------ */
/* no way in by name                                                          */

static void check_reopen_owner(void)
{
	char path[64];
	int dev, fd, r;

	dev = open(CXLTIER_DEVICE_PATH, O_RDWR | O_CLOEXEC);
	fd = dev >= 0 ? buf_create(dev, pgsz) : -errno;
	if (fd < 0) {
		result(false, "reopen_owner", "buffer: %s", errname(fd));
		if (dev >= 0)
			close(dev);
		return;
	}
	snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
	r = open(path, O_RDWR);
	if (r >= 0) {
		result(false, "reopen_owner", "root reopened its buffer through %s: a buffer must have no name", path);
		close(r);
	} else if (errno != ENXIO) {
		result(false, "reopen_owner", "open(%s): %s, want ENXIO", path, strerror(errno));
	} else {
		result(true, "reopen_owner", "even root cannot reopen a buffer by path (/proc/self/fd/N: ENXIO)");
	}
	close(fd);
	close(dev);
}

/*
 * The holder: uid MEMBER_UID (in the group), with a buffer mapped and
 * filled; reports its fd and address, then waits to be killed.
 */
static int holder(void *a)
{
	int dev, fd, *ready = a;
	volatile uint64_t *p;

	(void)ready;
	if (become_who(&member))
		return 100;
	dev = open(CXLTIER_DEVICE_PATH, O_RDWR | O_CLOEXEC);
	fd = dev >= 0 ? buf_create(dev, pgsz) : -1;
	p = fd >= 0 ? mmap(NULL, pgsz, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0) : MAP_FAILED;
	if (p == MAP_FAILED) {
		rep->err = errno;
		rep->step = -1;
		return 1;
	}
	p[0] = 0xabcdef12345ULL;
	rep->fd = fd;
	rep->addr = (uintptr_t)p;
	__atomic_store_n(&rep->step, 1, __ATOMIC_RELEASE);
	for (;;)
		pause();
}

static pid_t start_holder(void)
{
	pid_t pid;
	int i;

	memset(rep, 0, sizeof(*rep));
	pid = fork();
	if (pid < 0)
		return -1;
	if (!pid)
		_exit(holder(NULL));
	for (i = 0; i < 3000 && !__atomic_load_n(&rep->step, __ATOMIC_ACQUIRE); i++)
		usleep(10000);
	if (rep->step != 1) {
		kill(pid, SIGKILL);
		waitpid(pid, NULL, 0);
		return -1;
	}
	return pid;
}

static void stop_holder(pid_t pid)
{
	kill(pid, SIGKILL);
	waitpid(pid, NULL, 0);
}

struct snoop {
	pid_t pid;
	int fd;
	uintptr_t addr;
	/* results */
	int open_fd, readlink_fd, map_files, attach, mem, vm_readv;
};

static int snoop_child(void *a)
{
	struct snoop *s = a;
	char path[128], buf[256];
	struct iovec l, r;
	uint64_t w;
	int fd;

	if (become_who(&other))
		return 100;
	snprintf(path, sizeof(path), "/proc/%d/fd/%d", s->pid, s->fd);
	fd = open(path, O_RDWR);
	s->open_fd = fd >= 0 ? 0 : errno;
	if (fd >= 0)
		close(fd);
	s->readlink_fd = readlink(path, buf, sizeof(buf)) >= 0 ? 0 : errno;
	snprintf(path, sizeof(path), "/proc/%d/map_files/%lx-%lx", s->pid,
		 (unsigned long)s->addr, (unsigned long)(s->addr + pgsz));
	fd = open(path, O_RDWR);
	s->map_files = fd >= 0 ? 0 : errno;
	if (fd >= 0)
		close(fd);
	s->attach = ptrace(PTRACE_ATTACH, s->pid, 0, 0) == 0 ? 0 : errno;
	if (!s->attach)
		ptrace(PTRACE_DETACH, s->pid, 0, 0);
	snprintf(path, sizeof(path), "/proc/%d/mem", s->pid);
	fd = open(path, O_RDONLY);
	s->mem = fd >= 0 ? 0 : errno;
	if (fd >= 0) {
		if (pread(fd, &w, sizeof(w), (off_t)s->addr) != sizeof(w))
			s->mem = errno ? errno : EIO;
		close(fd);
	}
	l.iov_base = &w;
	l.iov_len = sizeof(w);
	r.iov_base = (void *)s->addr;
	r.iov_len = sizeof(w);
	s->vm_readv = process_vm_readv(s->pid, &l, 1, &r, 1, 0) == sizeof(w) ? 0 : errno;
	return 0;
}

static void check_snoop(void)
{
	struct snoop *s = (struct snoop *)(rep + 1);	/* same shared page */
	pid_t pid = start_holder();
	int r;

	if (pid < 0) {
		result(false, "proc_fd_other", "holder (uid %d) could not set up a buffer: %s", MEMBER_UID,
		       errname(rep->err));
		result(false, "ptrace_other", "no holder");
		return;
	}
	memset(s, 0, sizeof(*s));
	s->pid = pid;
	s->fd = rep->fd;
	s->addr = rep->addr;
	r = in_child(snoop_child, s);
	if (r) {
		result(false, "proc_fd_other", "uid %d: setup failed (%d)", OTHER_UID, r);
	} else if (s->open_fd != EACCES || s->readlink_fd != EACCES ||
		   (s->map_files != EACCES && s->map_files != EPERM)) {
		result(false, "proc_fd_other", "uid %d on uid %d's buffer: open /proc/PID/fd/N %s, readlink %s, map_files %s; want EACCES, EACCES, EACCES/EPERM",
		       OTHER_UID, MEMBER_UID, errname(s->open_fd), errname(s->readlink_fd), errname(s->map_files));
	} else {
		result(true, "proc_fd_other", "uid %d on uid %d's buffer: /proc/PID/fd/N open and readlink EACCES, map_files %s",
		       OTHER_UID, MEMBER_UID, errname(s->map_files));
	}
	if (!r && (s->attach != EPERM || s->mem != EACCES || s->vm_readv != EPERM))
		result(false, "ptrace_other", "uid %d on uid %d: PTRACE_ATTACH %s, /proc/PID/mem %s, process_vm_readv %s; want EPERM, EACCES, EPERM",
		       OTHER_UID, MEMBER_UID, errname(s->attach), errname(s->mem), errname(s->vm_readv));
	else if (!r)
		result(true, "ptrace_other", "uid %d: PTRACE_ATTACH EPERM, /proc/PID/mem EACCES, process_vm_readv EPERM",
		       OTHER_UID);

	/* control: root may, through the mapping's access hook */
	{
		char path[64];
		uint64_t w = 0;
		long peek;
		int st, fd, ok = 1;
		char why[200] = "";

		if (ptrace(PTRACE_ATTACH, pid, 0, 0)) {
			ok = 0;
			snprintf(why, sizeof(why), "PTRACE_ATTACH: %s", strerror(errno));
		} else {
			waitpid(pid, &st, 0);
			errno = 0;
			peek = ptrace(PTRACE_PEEKDATA, pid, (void *)s->addr, 0);
			if (errno || (uint64_t)peek != 0xabcdef12345ULL) {
				ok = 0;
				snprintf(why, sizeof(why), "PTRACE_PEEKDATA: %s, %#lx", strerror(errno), peek);
			}
			ptrace(PTRACE_DETACH, pid, 0, 0);
		}
		snprintf(path, sizeof(path), "/proc/%d/mem", pid);
		fd = open(path, O_RDONLY);
		if (ok && (fd < 0 || pread(fd, &w, sizeof(w), (off_t)s->addr) != sizeof(w) ||
			   w != 0xabcdef12345ULL)) {
			ok = 0;
			snprintf(why, sizeof(why), "/proc/PID/mem: %s, %#" PRIx64, strerror(errno), w);
		}
		if (fd >= 0)
			close(fd);
		if (ok)
			result(true, "ptrace_root", "root reads uid %d's buffer with PTRACE_PEEKDATA and /proc/PID/mem (the access hook works; the denials above are permissions)",
			       MEMBER_UID);
		else
			result(false, "ptrace_root", "%s", why);
	}
	stop_holder(pid);
}

/* ------------------------------------------------------------------------ */
/* module parameters                                                          */

static int params_child(void *a)
{
	const char *dir = a;
	char path[PATH_MAX];
	struct dirent *e;
	DIR *d;
	int fd, bad = 0;

	if (become_who(&other))
		return 100;
	d = opendir(dir);
	if (!d)
		return 101;
	while ((e = readdir(d))) {
		if (e->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, e->d_name);
		fd = open(path, O_WRONLY);
		if (fd >= 0 || errno != EACCES) {
			if (!bad++)
				say("%s: open O_WRONLY %s", path, fd >= 0 ? "succeeded" : strerror(errno));
			if (fd >= 0)
				close(fd);
		}
	}
	closedir(d);
	return bad ? 1 : 0;
}

/* Files under @dir (one level, and parameters/) writable by group/other. */
static int loose_files(const char *dir, char *first, size_t len, int *nfiles)
{
	char path[PATH_MAX];
	struct dirent *e;
	struct stat st;
	DIR *d = opendir(dir);
	int n = 0;

	if (!d)
		return 0;
	while ((e = readdir(d))) {
		if (e->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, e->d_name);
		if (lstat(path, &st) || !S_ISREG(st.st_mode))
			continue;
		(*nfiles)++;
		if (st.st_mode & 0022) {
			if (!n++)
				snprintf(first, len, "%s is %04o", path, st.st_mode & 07777);
		}
	}
	closedir(d);
	return n;
}

static void check_params(void)
{
	const char *mod = "/sys/module/cxltier", *par = "/sys/module/cxltier/parameters";
	char first[PATH_MAX + 32] = "";
	int loose, nfiles = 0, r;

	if (access(mod, F_OK)) {
		result(false, "params", "%s missing: module not loaded?", mod);
		return;
	}
	loose = loose_files(mod, first, sizeof(first), &nfiles);
	loose += loose_files(par, first + strlen(first), sizeof(first) - strlen(first), &nfiles);
	if (loose) {
		result(false, "params", "%d files writable by group or others: %s", loose, first);
		return;
	}
	if (access(par, F_OK)) {
		result(true, "params", "no parameters; %d files under %s, none writable by others", nfiles, mod);
		return;
	}
	r = in_child(params_child, (void *)par);
	if (r)
		result(false, "params", "uid %d: %s", OTHER_UID, rep->msg[0] ? rep->msg : "setup failed");
	else
		result(true, "params", "%d files, none writable by group or others; uid %d gets EACCES writing parameters",
		       nfiles, OTHER_UID);
}

/* ------------------------------------------------------------------------ */

/* ------------------------------------------------------------------------ */
/* events: who hears whose                                                    */

/* A generic netlink socket with the cxltier family resolved on it. */
struct genl {
	int fd;
	uint16_t family;
	uint32_t group;		/* "events" */
	uint32_t seq;
};

/* One event, the fields the checks look at. */
struct ev {
	uint32_t type, uid, pid;
	uint64_t buf_id;
	bool has_buf;
};

#define NLA_OK_(a, len)	((len) >= (int)sizeof(*(a)) && (a)->nla_len >= sizeof(*(a)) && (a)->nla_len <= (len))
#define NLA_NEXT_(a, len) ((len) -= NLA_ALIGN((a)->nla_len), \
			   (struct nlattr *)((char *)(a) + NLA_ALIGN((a)->nla_len)))
#define NLA_DATA_(a)	((void *)((char *)(a) + NLA_HDRLEN))

static int genl_send(struct genl *g, uint16_t type, uint8_t cmd, uint16_t flags,
		     const char *family_name)
{
	struct {
		struct nlmsghdr n;
		struct genlmsghdr g;
		char attrs[64];
	} req;
	struct sockaddr_nl sa = { .nl_family = AF_NETLINK };
	size_t len = NLMSG_LENGTH(GENL_HDRLEN);

	memset(&req, 0, sizeof(req));
	if (family_name) {
		struct nlattr *a = (struct nlattr *)req.attrs;

		a->nla_type = CTRL_ATTR_FAMILY_NAME;
		a->nla_len = (uint16_t)(NLA_HDRLEN + strlen(family_name) + 1);
		memcpy(NLA_DATA_(a), family_name, strlen(family_name) + 1);
		len += NLA_ALIGN(a->nla_len);
	}
	req.n.nlmsg_len = (uint32_t)len;
	req.n.nlmsg_type = type;
	req.n.nlmsg_flags = NLM_F_REQUEST | flags;
	req.n.nlmsg_seq = ++g->seq;
	req.g.cmd = cmd;
	req.g.version = 1;
	return sendto(g->fd, &req, len, 0, (struct sockaddr *)&sa, sizeof(sa)) ==
	       (ssize_t)len ? 0 : -errno;
}

/*
 * Read one message into @buf within @ms: its length, 0 on timeout,
 * -errno.
 */
static int genl_recv(struct genl *g, char *buf, size_t size, int ms)
{
	struct pollfd p = { .fd = g->fd, .events = POLLIN };
	ssize_t n;
	int r = poll(&p, 1, ms);

	if (r <= 0)
		return r < 0 ? -errno : 0;
	n = recv(g->fd, buf, size, 0);
	return n < 0 ? -errno : (int)n;
}

/* The reply to our request @seq: 0 for an ack, -error; events skipped. */
static int genl_ack(struct genl *g, char *buf, size_t size,
		    void (*reply)(struct genl *, struct nlmsghdr *))
{
	for (;;) {
		int n = genl_recv(g, buf, size, 5000);
		struct nlmsghdr *h;

		if (n <= 0)
			return n ? n : -ETIMEDOUT;
		for (h = (struct nlmsghdr *)buf; NLMSG_OK(h, (unsigned int)n);
		     h = NLMSG_NEXT(h, n)) {
			if (h->nlmsg_seq != g->seq)
				continue;	/* an event */
			if (h->nlmsg_type == NLMSG_ERROR)
				return ((struct nlmsgerr *)NLMSG_DATA(h))->error;
			if (reply)
				reply(g, h);
		}
	}
}

static void family_reply(struct genl *g, struct nlmsghdr *h)
{
	int len = (int)h->nlmsg_len - NLMSG_LENGTH(GENL_HDRLEN);
	struct nlattr *a = (struct nlattr *)((char *)NLMSG_DATA(h) + GENL_HDRLEN);

	for (; NLA_OK_(a, len); a = NLA_NEXT_(a, len)) {
		if (a->nla_type == CTRL_ATTR_FAMILY_ID)
			g->family = *(uint16_t *)NLA_DATA_(a);
		if ((a->nla_type & NLA_TYPE_MASK) == CTRL_ATTR_MCAST_GROUPS) {
			int glen = a->nla_len - NLA_HDRLEN;
			struct nlattr *grp = NLA_DATA_(a);

			for (; NLA_OK_(grp, glen); grp = NLA_NEXT_(grp, glen)) {
				int l = grp->nla_len - NLA_HDRLEN;
				struct nlattr *x = NLA_DATA_(grp);
				uint32_t id = 0;
				bool ours = false;

				for (; NLA_OK_(x, l); x = NLA_NEXT_(x, l)) {
					if (x->nla_type == CTRL_ATTR_MCAST_GRP_ID)
						id = *(uint32_t *)NLA_DATA_(x);
					if (x->nla_type == CTRL_ATTR_MCAST_GRP_NAME &&
					    !strcmp(NLA_DATA_(x), CXLTIER_GENL_MCGRP_EVENTS))
						ours = true;
				}
				if (ours)
					g->group = id;
			}
		}
	}
}

/* A socket, the family and its group resolved: 0 or -errno. */
static int genl_open(struct genl *g)
{
	char buf[8192];
	int r;

	memset(g, 0, sizeof(*g));
	g->fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_GENERIC);
	if (g->fd < 0)
		return -errno;
	r = genl_send(g, GENL_ID_CTRL, CTRL_CMD_GETFAMILY, NLM_F_ACK,
		      CXLTIER_GENL_NAME);
	if (!r)
		r = genl_ack(g, buf, sizeof(buf), family_reply);
	if (!r && (!g->family || !g->group))
		r = -ENOENT;
	if (r)
		close(g->fd);
	return r;
}

static int genl_join(struct genl *g)
{
	return setsockopt(g->fd, SOL_NETLINK, NETLINK_ADD_MEMBERSHIP, &g->group,
			  sizeof(g->group)) ? -errno : 0;
}

static int genl_subscribe(struct genl *g)
{
	char buf[8192];
	int r = genl_send(g, g->family, CXLTIER_NL_CMD_EVENT_SUBSCRIBE,
			  NLM_F_ACK, NULL);

	return r ? r : genl_ack(g, buf, sizeof(buf), NULL);
}

/* The next event within @ms: 1, 0 on timeout, -errno. */
static int genl_event(struct genl *g, int ms, struct ev *e)
{
	char buf[8192];
	struct nlmsghdr *h = (struct nlmsghdr *)buf;
	struct nlattr *a;
	int n = genl_recv(g, buf, sizeof(buf), ms), len;

	if (n <= 0)
		return n;
	if (!NLMSG_OK(h, (unsigned int)n) || h->nlmsg_type != g->family)
		return -EPROTO;
	memset(e, 0, sizeof(*e));
	len = (int)h->nlmsg_len - NLMSG_LENGTH(GENL_HDRLEN);
	a = (struct nlattr *)((char *)NLMSG_DATA(h) + GENL_HDRLEN);
	for (; NLA_OK_(a, len); a = NLA_NEXT_(a, len)) {
		void *d = NLA_DATA_(a);

		switch (a->nla_type) {
		case CXLTIER_NL_A_EVENT_TYPE: e->type = *(uint32_t *)d; break;
		case CXLTIER_NL_A_BUF_UID: e->uid = *(uint32_t *)d; break;
		case CXLTIER_NL_A_BUF_PID: e->pid = *(uint32_t *)d; break;
		case CXLTIER_NL_A_BUF_ID:
			memcpy(&e->buf_id, d, sizeof(e->buf_id));
			e->has_buf = true;
			break;
		}
	}
	return 1;
}

/* The buffer's id (BUF_STAT), and a synchronous MIGRATE to node 0. */
static int buf_id_migrate(int fd, uint64_t *id)
{
	static struct cxltier_node_weight nw;	/* node 0 */
	struct cxltier_buf_stat st;
	struct cxltier_migrate m;
	int r;

	memset(&st, 0, sizeof(st));
	st.size = sizeof(st);
	r = xioctl(fd, CXLTIER_IOC_BUF_STAT, &st);
	if (r)
		return r;
	*id = st.id;
	memset(&m, 0, sizeof(m));
	m.size = sizeof(m);
	m.mode = CXLTIER_MODE_BIND;
	m.nr_nodes = 1;
	m.nodes = (uintptr_t)&nw;
	return xioctl(fd, CXLTIER_IOC_MIGRATE, &m);
}

/* A buffer of a page, touched, migrated: its MIGRATE_DONE event. */
static int make_event(uint64_t *id)
{
	int dev = open(CXLTIER_DEVICE_PATH, O_RDWR | O_CLOEXEC), fd, r;
	volatile uint64_t *p;

	if (dev < 0)
		return -errno;
	fd = buf_create(dev, pgsz);
	close(dev);
	if (fd < 0)
		return fd;
	p = mmap(NULL, pgsz, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (p == MAP_FAILED) {
		r = -errno;
		close(fd);
		return r;
	}
	p[0] = 1;
	r = buf_id_migrate(fd, id);
	munmap((void *)p, pgsz);
	close(fd);
	return r;
}

static bool is_buf_event(uint32_t type)
{
	return type == CXLTIER_EVENT_SPILL || type == CXLTIER_EVENT_QUOTA_REFUSED ||
	       type == CXLTIER_EVENT_MIGRATE_DONE;
}

/*
 * Read @g's events until the MIGRATE_DONE of buffer @id (3 s at most):
 * @own_uid and @own_pid are what it must say; every other buffer event
 * is a leak, counted in @leaks.  Returns 1 when it came, 0 if not.
 */
static int await_own(struct genl *g, uint64_t id, uint32_t own_uid,
		     uint32_t own_pid, int *leaks, struct ev *own)
{
	struct ev e;
	int i;

	for (i = 0; i < 300; i++) {
		int r = genl_event(g, 10, &e);

		if (r < 0)
			return 0;
		if (!r || !is_buf_event(e.type))
			continue;
		if (e.type == CXLTIER_EVENT_MIGRATE_DONE && e.has_buf &&
		    e.buf_id == id) {
			*own = e;
			return e.uid == own_uid && e.pid == own_pid;
		}
		(*leaks)++;
	}
	return 0;
}

/* What a listener child tells the parent, in the shared page. */
struct ev_report {
	bool ns;		/* the listener unshares its namespaces */
	int join;		/* genl_join(): 0 or -errno */
	int subscribe;		/* genl_subscribe() */
	int ready;
	uint64_t own_id;	/* the member's buffer, from the parent */
	uint32_t own_pid;
	int go;
	int got_own, leaks, group_events;
	/* tierctl monitor in the namespaces: 0 not run, 1 heard its own
	 * event as a subscriber, else what went wrong (MON_*) */
	int monitor;
	struct ev own;
};

enum { MON_NOT_RUN, MON_OK, MON_NO_START, MON_JOINED, MON_DEAF };

#define MON_OUT "/tmp/cxltier-privilege-monitor.out"
#define MON_ERR "/tmp/cxltier-privilege-monitor.err"

/* tierctl beside this program: BUILD/tests/privilege -> BUILD/bin/tierctl */
static void tierctl_path(char *path, size_t len)
{
	char self[PATH_MAX];
	ssize_t n = readlink("/proc/self/exe", self, sizeof(self) - 1);
	char *slash;

	self[n > 0 ? n : 0] = 0;
	slash = strrchr(self, '/');
	if (slash)
		*slash = 0;
	snprintf(path, len, "%s/../bin/tierctl", self);
}

/* `tierctl monitor --json` with its output in MON_OUT/MON_ERR, listening. */
static pid_t start_monitor(void)
{
	char tierctl[PATH_MAX + 32], line[512];
	pid_t pid;
	int i;

	tierctl_path(tierctl, sizeof(tierctl));
	unlink(MON_OUT);
	unlink(MON_ERR);
	pid = fork();
	if (pid < 0)
		return -1;
	if (!pid) {
		int o = open(MON_OUT, O_WRONLY | O_CREAT | O_TRUNC, 0600);
		int e = open(MON_ERR, O_WRONLY | O_CREAT | O_TRUNC, 0600);

		if (o < 0 || e < 0 || dup2(o, 1) < 0 || dup2(e, 2) < 0)
			_exit(127);
		execl(tierctl, tierctl, "monitor", "--json", "--timeout", "30",
		      (char *)NULL);
		_exit(127);
	}
	for (i = 0; i < 500; i++) {	/* "listening" on stderr: ready */
		FILE *f = fopen(MON_ERR, "r");
		bool up = false;

		while (f && fgets(line, sizeof(line), f))
			up |= strstr(line, "listening") != NULL;
		if (f)
			fclose(f);
		if (up)
			return pid;
		usleep(10000);
	}
	kill(pid, SIGKILL);
	waitpid(pid, NULL, 0);
	return -1;
}

/* What the monitor said: a subscriber that heard buffer @id's event. */
static int monitor_heard(pid_t pid, uint64_t id)
{
	char line[1024], want[64], want_sp[64];
	bool own = false, heard = false;
	FILE *f;
	int i;

	/* one JSON object a line, with or without a space after the colon */
	snprintf(want, sizeof(want), "\"buffer\":%" PRIu64 ",", id);
	snprintf(want_sp, sizeof(want_sp), "\"buffer\": %" PRIu64 ",", id);
	for (i = 0; i < 300 && !heard; i++) {
		f = fopen(MON_OUT, "r");
		while (f && fgets(line, sizeof(line), f))
			heard |= strstr(line, "migrate-done") &&
				 (strstr(line, want) || strstr(line, want_sp));
		if (f)
			fclose(f);
		if (!heard)
			usleep(10000);
	}
	kill(pid, SIGTERM);
	waitpid(pid, NULL, 0);
	f = fopen(MON_ERR, "r");
	while (f && fgets(line, sizeof(line), f))
		own |= strstr(line, "showing the events of your own buffers") != NULL;
	if (f)
		fclose(f);
	return !own ? MON_JOINED : !heard ? MON_DEAF : MON_OK;
}

static void wait_flag(int *flag)
{
	int i;

	for (i = 0; i < 1000 && !__atomic_load_n(flag, __ATOMIC_ACQUIRE); i++)
		usleep(10000);
}

static void set_flag(int *flag, int v)
{
	__atomic_store_n(flag, v, __ATOMIC_RELEASE);
}

/*
 * A listener as the member (uid MEMBER_UID, no capability), in a new user
 * and network namespace when @ns (its uid mapped to 0 there): joins the
 * group, subscribes, then waits for the member buffer's event.
 */
static int listener_child(void *a)
{
	struct ev_report *er = a;
	struct genl sub, grp;
	pid_t mon = 0;
	struct ev e;
	int i;

	if (become_who(&member))
		return 100;
	if (er->ns) {
		char map[64];
		int fd;

		if (unshare(CLONE_NEWUSER | CLONE_NEWNET)) {
			say("unshare(CLONE_NEWUSER | CLONE_NEWNET): %s", strerror(errno));
			return 101;
		}
		fd = open("/proc/self/setgroups", O_WRONLY);
		if (fd < 0 || write(fd, "deny", 4) != 4)
			return 102;
		close(fd);
		snprintf(map, sizeof(map), "0 %d 1", MEMBER_UID);
		fd = open("/proc/self/uid_map", O_WRONLY);
		if (fd < 0 || write(fd, map, strlen(map)) != (ssize_t)strlen(map))
			return 103;
		close(fd);
	}
	if (genl_open(&grp) || genl_open(&sub)) {
		say("genl_open: the family is not there");
		return 104;
	}
	er->join = genl_join(&grp);
	er->subscribe = genl_subscribe(&sub);
	/* and tierctl monitor (libtier) there: it must subscribe, not join */
	if (er->ns) {
		mon = start_monitor();
		if (mon < 0)
			er->monitor = MON_NO_START;
	}
	set_flag(&er->ready, 1);
	wait_flag(&er->go);
	er->got_own = await_own(&sub, er->own_id,
				er->ns ? 0 : MEMBER_UID,
				er->own_pid, &er->leaks, &er->own);
	/* the group socket: anything at all (a joined one in another netns) */
	for (i = 0; i < 20; i++)
		if (genl_event(&grp, 10, &e) > 0)
			er->group_events++;
	if (mon > 0)
		er->monitor = monitor_heard(mon, er->own_id);
	return 0;
}

/* The member makes its event; its buffer id and pid into @er. */
static int member_event_child(void *a)
{
	struct ev_report *er = a;
	uint64_t id;
	int r;

	if (become_who(&member))
		return 100;
	r = make_event(&id);
	if (r) {
		rep->err = -r;
		say("the member's buffer and MIGRATE");
		return 1;
	}
	er->own_id = id;
	er->own_pid = (uint32_t)getpid();
	return 0;
}

/*
 * One round: a listener (@ns: in new namespaces) is ready; root makes an
 * event (another user's buffer), the member one of its own; the listener
 * must hear the member's, with the right uid and pid, and not root's.
 */
static void events_round(bool ns)
{
	struct ev_report *er = (struct ev_report *)(rep + 1) + (ns ? 1 : 0);
	const char *name = ns ? "events_userns" : "events_own";
	struct genl root;
	uint64_t root_id = 0;
	int seen_root = 0, seen_member = 0, r, st;
	pid_t pid;
	struct ev e;

	memset(er, 0, sizeof(*er));
	er->ns = ns;
	r = genl_open(&root);
	if (r || genl_join(&root)) {
		result(false, name, "root: the events group: %s", errname(r ? -r : errno));
		return;
	}
	pid = fork();
	if (pid < 0)
		return;
	if (!pid)
		_exit(listener_child(er));
	wait_flag(&er->ready);
	if (!er->ready) {
		waitpid(pid, &st, 0);
		result(false, name, "the listener did not start (exit %d): %s",
		       WEXITSTATUS(st), rep->msg);
		close(root.fd);
		return;
	}
	r = make_event(&root_id);
	if (!r && in_child(member_event_child, er))
		r = -EIO;
	set_flag(&er->go, 1);
	waitpid(pid, &st, 0);
	/* root's group, the control: both events */
	while (genl_event(&root, 200, &e) > 0)
		if (e.type == CXLTIER_EVENT_MIGRATE_DONE) {
			seen_root += e.buf_id == root_id && e.uid == 0;
			seen_member += e.buf_id == er->own_id && e.uid == MEMBER_UID;
		}
	close(root.fd);
	if (r || !WIFEXITED(st) || WEXITSTATUS(st))
		result(false, name, "setup: %s %s (listener exit %d)", rep->msg,
		       r ? errname(-r) : "", WIFEXITED(st) ? WEXITSTATUS(st) : -1);
	else if (!ns && er->join != -EPERM)
		result(false, name, "uid %d joined the events group: %s, want EPERM",
		       MEMBER_UID, errname(-er->join));
	else if (er->subscribe)
		result(false, name, "uid %d: EVENT_SUBSCRIBE %s", MEMBER_UID,
		       errname(-er->subscribe));
	else if (seen_root != 1 || seen_member != 1)
		result(false, name, "root's group heard root's event %d times, the member's %d (want 1 and 1)",
		       seen_root, seen_member);
	else if (!er->got_own || er->leaks || er->group_events)
		result(false, name, "the subscriber: own event %s (uid %u pid %u, want %d and %u), %d other buffer events, %d on the group",
		       er->got_own ? "right" : "missing or wrong", er->own.uid,
		       er->own.pid, ns ? 0 : MEMBER_UID, er->own_pid, er->leaks,
		       er->group_events);
	else if (ns && er->monitor != MON_OK)
		result(false, name, "tierctl monitor in the namespaces: %s",
		       er->monitor == MON_NO_START || er->monitor == MON_NOT_RUN ?
		       "did not start listening" :
		       er->monitor == MON_JOINED ?
		       "joined the group (which hears nothing there) instead of subscribing" :
		       "subscribed but did not hear the member's event");
	else if (ns)
		result(true, name, "uid %d in a new user+net namespace: group join %s, hears nothing on it; its subscription hears its own buffer (uid 0 there, pid %u) and not root's; tierctl monitor there subscribes and hears it",
		       MEMBER_UID, er->join ? errname(-er->join) : "allowed", er->own.pid);
	else
		result(true, name, "uid %d: group join EPERM; subscribed, hears its own buffer's event (uid %u, pid %u) and not root's; root's group hears both",
		       MEMBER_UID, er->own.uid, er->own.pid);
}

static void check_events(void)
{
	/* the member may create buffers (check_group made the device so) */
	if (!dev_changed) {
		result(false, "events_own", "the device is not the group's");
		return;
	}
	events_round(false);
	events_round(true);
}

int main(int argc, char **argv)
{
	char rule[PATH_MAX];
	const char *repo = getenv("CXLTIER_REPO");

	setvbuf(stdout, NULL, _IOLBF, 0);
	pgsz = (size_t)sysconf(_SC_PAGESIZE);
	if (geteuid()) {
		printf("privilege: needs root\nprivilege: 0 passed, 0 failed, 1 skipped\n");
		return KSFT_SKIP;
	}
	if (stat(CXLTIER_DEVICE_PATH, &dev_st0)) {
		printf("privilege: %s: %s (module not loaded?)\nprivilege: 0 passed, 0 failed, 1 skipped\n",
		       CXLTIER_DEVICE_PATH, strerror(errno));
		return KSFT_SKIP;
	}
	rep = mmap(NULL, 4096, PROT_READ | PROT_WRITE,
		   MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (rep == MAP_FAILED)
		return 1;
	atexit(restore_dev);
	if (argc > 1)
		snprintf(rule, sizeof(rule), "%s", argv[1]);
	else
		snprintf(rule, sizeof(rule), "%s/packaging/60-cxltier.rules", repo ? repo : ".");

	check_rule(rule);
	check_dev_mode();
	check_unpriv_open();
	check_group();
	check_scm(false);
	check_scm(true);
	check_reopen_owner();
	check_snoop();
	check_events();
	restore_dev();
	check_params();

	printf("privilege: %d passed, %d failed\n", npass, nfail);
	return nfail ? 1 : 0;
}
