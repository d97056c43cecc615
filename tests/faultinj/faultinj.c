// SPDX-License-Identifier: GPL-2.0
/*
 * faultinj: make the kernel's allocations fail under the cxltier module and
 * check that every failure is clean.
 *
 * Runs as root in the emulated host on a kernel with fault injection (the
 * debug kernel: tests/vm/run --kernel debug); skips (exit 4) elsewhere.
 * Failures come from failslab and fail_page_alloc (/sys/kernel/debug/fail*),
 * set up so that they reach every allocation of the tasks they target:
 * ignore-gfp-wait=N, ignore-gfp-highmem=N, min-order=0, verbose=0,
 * task-filter=Y (only tasks with /proc/PID/make-it-fail set), and aimed
 * two ways:
 *
 *   fail-nth   /proc/thread-self/fail-nth = N fails exactly the N-th
 *              allocation of this thread from now on.  A sweep N = 1, 2, ...
 *              fails each allocation of one system call in turn, until the
 *              call runs without reaching the N-th (read back non-zero).
 *   attributes probability=100 with interval, times and space, for the
 *              tasks with make-it-fail=1 (a child, never this process for
 *              longer than one call).
 *
 * What must hold (uapi/linux/cxltier.h):
 *   create.*   CXLTIER_IOC_CREATE fails with -ENOMEM ("when the kernel
 *              cannot allocate the buffer's metadata"), -EMFILE when no fd is
 *              free; it leaves no fd, no module reference, no buffer behind
 *              (kmemleak, run by tests/vm/run after this program, sees the
 *              rest); or it succeeds (a fallback absorbed the failure) with a
 *              working buffer.
 *   fault.*    a first touch whose page cannot be allocated is SIGBUS at
 *              that address (BUS_ADRERR), no OOM kill, no oops; the page is
 *              not resident afterwards, and once injection stops the same
 *              page can be touched and reads zero; pages that were written
 *              keep their contents.
 *   access.*   the same through /proc/PID/mem (the mapping's access hook).
 *   populate.* CREATE_POPULATE of 2 MiB pages whose order-9 allocations fail
 *              (all, or the 9th: a partly populated buffer): ENOMEM, no
 *              fd, no module reference, the node's free memory back; with
 *              HUGE_FALLBACK the buffer is populated with 4 KiB pages.
 *   stat.*     CXLTIER_IOC_BUF_STAT fails with -ENOMEM and changes nothing.
 *   migrate.*  CXLTIER_IOC_MIGRATE (synchronous) fails with -ENOMEM or
 *              counts the pages it could not move as failed; no byte is
 *              lost, each node's used_bytes follows its resident bytes, no
 *              fd or module reference is left behind, and the same call
 *              without injection finishes the move.
 *   offline.*  memory offline of the CXL node's block holding a buffer,
 *              while the offlining task (whose context allocates the
 *              migration targets) gets allocation failures: offline
 *              fails or retries and succeeds, and the buffer's contents are
 *              intact either way; the block is online again afterwards.
 *   kernel.*   no OOM kill and no "VM_FAULT_OOM leaked out" during the run.
 *
 * Each sweep names the allocations it failed: a kretprobe on
 * should_fail_ex() with a stacktrace trigger (tracefs), the first frame
 * outside the allocators.  Without tracefs/kprobes the points are numbered.
 *
 * Arguments: with none, every case; else only the cases whose name
 * contains one of them.  Environment: CXLTIER_FAULTINJ_MAX (most points per
 * sweep, default 400), CXLTIER_FAULTINJ_OFFLINE_POINTS (fail-nth points of
 * the offline sweep, default 12).
 *
 * Output: one line per case ("ok   - NAME: ..." / "FAIL - NAME: ..."), the
 * points covered, and "faultinj: N passed, N failed[, N skipped]".  Exit 0
 * when nothing failed, 1 otherwise, 4 when fault injection or the module is
 * missing.
 */
#define _GNU_SOURCE
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/types.h>
#include <sys/wait.h>

#include <linux/cxltier.h>

#include "../lib/cxlt_errno.h"
#include "../lib/cxlt_pagemap.h"

#define KSFT_SKIP 4
#define MAX_POINTS_DEFAULT 400
#define DBG "/sys/kernel/debug"

static size_t pgsz;
/*
 * Files used between a fail-nth write and the call it aims at, or during
 * the fd table sweep, are opened once: an open() there would allocate (and
 * take the fd the sweep needs).  nth_fd and mif_fd name the task that
 * opened them, so a child opens its own.
 */
static int dev_fd = -1;
static int nth_fd = -1;		/* this thread's fail-nth */
static int mif_fd = -1;		/* this thread's make-it-fail */
static int fddir_fd = -1;	/* /proc/self/fd */
static int refcnt_fd = -1;	/* /sys/module/cxltier/refcnt */
static int max_points = MAX_POINTS_DEFAULT;
static int npass, nfail, nskip;
static struct cxltier_node_weight bind_node;	/* the policy of every buffer */
static int node = -1;		/* where buffers go: a CXL node if any */
static bool node_movable;

/* ------------------------------------------------------------------------ */
/* small helpers                                                              */

static int write_str(const char *path, const char *s)
{
	int fd = open(path, O_WRONLY | O_CLOEXEC), r = 0;
	size_t l = strlen(s);

	if (fd < 0)
		return -errno;
	if (write(fd, s, l) != (ssize_t)l)
		r = -errno;
	close(fd);
	return r;
}

static int read_str(const char *path, char *buf, size_t len)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	ssize_t r;

	if (fd < 0)
		return -errno;
	r = read(fd, buf, len - 1);
	close(fd);
	if (r < 0)
		return -errno;
	buf[r] = 0;
	while (r > 0 && isspace((unsigned char)buf[r - 1]))
		buf[--r] = 0;
	return (int)r;
}

static long long read_ll(const char *path, long long dflt)
{
	char buf[64];

	if (read_str(path, buf, sizeof(buf)) <= 0)
		return dflt;
	return strtoll(buf, NULL, 0);
}

static long long vmstat(const char *key)
{
	char line[256];
	size_t kl = strlen(key);
	long long v = -1;
	FILE *f = fopen("/proc/vmstat", "re");

	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f))
		if (!strncmp(line, key, kl) && line[kl] == ' ')
			v = strtoll(line + kl + 1, NULL, 10);
	fclose(f);
	return v;
}

static int count_fds(void)
{
	char buf[4096];
	long r, off;
	int n = 0;

	if (fddir_fd < 0 || lseek(fddir_fd, 0, SEEK_SET) < 0)
		return -1;
	while ((r = syscall(SYS_getdents64, fddir_fd, buf, sizeof(buf))) > 0) {
		for (off = 0; off < r;) {
			struct dirent64 *d = (struct dirent64 *)(buf + off);

			if (d->d_name[0] != '.')
				n++;
			off += d->d_reclen;
		}
	}
	return r < 0 ? -1 : n;
}

static long long module_refcnt(void)
{
	char b[32];
	ssize_t r;

	if (refcnt_fd < 0)
		return -1;
	r = pread(refcnt_fd, b, sizeof(b) - 1, 0);
	if (r <= 0)
		return -1;
	b[r] = 0;
	return strtoll(b, NULL, 10);
}

/* Slots in this process's fd table (FDSize), or -1. */
static int fdtable_size(void)
{
	char line[256];
	int n = -1;
	FILE *f = fopen("/proc/self/status", "re");

	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f))
		if (!strncmp(line, "FDSize:", 7))
			n = atoi(line + 7);
	fclose(f);
	return n;
}

/* What a failed call must not leave behind. */
struct snap {
	int fds;
	long long refcnt;
};

static void take_snap(struct snap *s)
{
	s->fds = count_fds();
	s->refcnt = module_refcnt();
}

/* "" when equal, else what differs (static buffer). */
static const char *snap_diff(const struct snap *a, const struct snap *b)
{
	static char buf[160];

	buf[0] = 0;
	if (a->fds != b->fds)
		snprintf(buf, sizeof(buf), "open fds %d -> %d", a->fds, b->fds);
	if (a->refcnt != b->refcnt)
		snprintf(buf + strlen(buf), sizeof(buf) - strlen(buf),
			 "%smodule refcnt %lld -> %lld", buf[0] ? ", " : "",
			 a->refcnt, b->refcnt);
	return buf;
}

/* ------------------------------------------------------------------------ */
/* results                                                                    */

static char detail[8192];	/* lines printed under the next result */

static void note(const char *fmt, ...)
{
	size_t l = strlen(detail);
	va_list ap;

	if (l + 10 >= sizeof(detail))
		return;
	l += (size_t)snprintf(detail + l, sizeof(detail) - l, "       ");
	va_start(ap, fmt);
	vsnprintf(detail + l, sizeof(detail) - l - 1, fmt, ap);
	va_end(ap);
	l = strlen(detail);
	detail[l] = '\n';
	detail[l + 1] = 0;
}

static void result(int ok, const char *name, const char *fmt, ...)
{
	va_list ap;

	printf("%s - %s: ", ok > 0 ? "ok  " : ok == 0 ? "FAIL" : "skip", name);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n%s", detail);
	detail[0] = 0;
	if (ok > 0)
		npass++;
	else if (ok == 0)
		nfail++;
	else
		nskip++;
	fflush(stdout);
}

/* ------------------------------------------------------------------------ */
/* fault attributes                                                           */

struct fattr {
	const char *name;	/* debugfs directory */
	bool page;		/* fail_page_alloc (else failslab) */
};
static const struct fattr failslab = { "failslab", false };
static const struct fattr failpage = { "fail_page_alloc", true };

static int fa_set(const struct fattr *f, const char *attr, const char *v)
{
	char path[128];
	int r;

	snprintf(path, sizeof(path), DBG "/%s/%s", f->name, attr);
	r = write_str(path, v);
	if (r)
		fprintf(stderr, "faultinj: %s = %s: %s\n", path, v, strerror(-r));
	return r;
}

static long long fa_get(const struct fattr *f, const char *attr)
{
	char path[128];

	snprintf(path, sizeof(path), DBG "/%s/%s", f->name, attr);
	return read_ll(path, -2);
}

/* Off, and aimed at make-it-fail tasks only, reaching every allocation. */
static int fa_reset(const struct fattr *f)
{
	int r = 0;

	r |= fa_set(f, "probability", "0");
	r |= fa_set(f, "interval", "1");
	r |= fa_set(f, "times", "-1");
	r |= fa_set(f, "space", "0");
	r |= fa_set(f, "verbose", "0");	/* no stack dumps in the log */
	r |= fa_set(f, "task-filter", "Y");
	r |= fa_set(f, "ignore-gfp-wait", "N");
	if (f->page) {
		r |= fa_set(f, "ignore-gfp-highmem", "N");
		r |= fa_set(f, "min-order", "0");
	} else {
		fa_set(f, "cache-filter", "N");
	}
	return r;
}

/* probability=100 with these interval, times and space. */
static int fa_arm(const struct fattr *f, int interval, int times, int space)
{
	char b[32];
	int r = 0;

	snprintf(b, sizeof(b), "%d", interval);
	r |= fa_set(f, "interval", b);
	snprintf(b, sizeof(b), "%d", times);
	r |= fa_set(f, "times", b);
	snprintf(b, sizeof(b), "%d", space);
	r |= fa_set(f, "space", b);
	r |= fa_set(f, "probability", "100");
	return r;
}

static void fa_disarm_all(void)
{
	fa_set(&failslab, "probability", "0");
	fa_set(&failpage, "probability", "0");
	fa_set(&failslab, "times", "-1");
	fa_set(&failpage, "times", "-1");
}

static int make_it_fail(int on)
{
	if (mif_fd < 0)
		mif_fd = open("/proc/thread-self/make-it-fail", O_RDWR | O_CLOEXEC);
	if (mif_fd < 0)
		return -errno;
	return pwrite(mif_fd, on ? "1" : "0", 1, 0) == 1 ? 0 : -errno;
}

/* fail-nth of the calling thread (opened per process: it names a task). */
static int nth_open(void)
{
	if (nth_fd >= 0)
		close(nth_fd);
	nth_fd = open("/proc/thread-self/fail-nth", O_RDWR | O_CLOEXEC);
	return nth_fd < 0 ? -errno : 0;
}

static int nth_set(unsigned int n)
{
	char b[16];
	int l = snprintf(b, sizeof(b), "%u", n);

	return pwrite(nth_fd, b, (size_t)l, 0) == l ? 0 : -errno;
}

/* What is left of the count: 0 once the failure was injected. */
static long nth_left(void)
{
	char b[16];
	ssize_t r = pread(nth_fd, b, sizeof(b) - 1, 0);

	if (r <= 0)
		return -1;
	b[r] = 0;
	return strtol(b, NULL, 10);
}

static void cleanup(void)
{
	if (nth_fd >= 0)
		nth_set(0);
	make_it_fail(0);
	fa_disarm_all();
}

static void on_fatal(int sig)
{
	cleanup();
	signal(sig, SIG_DFL);
	raise(sig);
}

/* ------------------------------------------------------------------------ */
/* naming the failed allocation: kretprobe on should_fail_ex + stacktrace     */

static char tr[64];		/* tracefs, "" when unavailable */
static int tr_pipe = -1;	/* its trace_pipe, non-blocking */
#define TR_EVENT "cxltier_fi/injected"

static bool tr_write(const char *file, const char *s, bool append)
{
	char path[160];
	int fd;
	ssize_t w;

	snprintf(path, sizeof(path), "%s/%s", tr, file);
	fd = open(path, O_WRONLY | O_CLOEXEC | (append ? O_APPEND : O_TRUNC));
	if (fd < 0)
		return false;
	w = write(fd, s, strlen(s));
	close(fd);
	return w == (ssize_t)strlen(s);
}

static void tr_init(void)
{
	static const char *const dirs[] = { "/sys/kernel/tracing",
					    DBG "/tracing" };
	char path[160];
	size_t i;

	if (access("/sys/kernel/tracing/kprobe_events", F_OK))
		mount("nodev", "/sys/kernel/tracing", "tracefs", 0, NULL);
	for (i = 0; i < sizeof(dirs) / sizeof(dirs[0]); i++) {
		snprintf(path, sizeof(path), "%s/kprobe_events", dirs[i]);
		if (!access(path, W_OK)) {
			snprintf(tr, sizeof(tr), "%s", dirs[i]);
			break;
		}
	}
	if (!tr[0])
		return;
	tr_write("kprobe_events", "-:" TR_EVENT "\n", true);
	if (!tr_write("kprobe_events",
		      "r:" TR_EVENT " should_fail_ex ret=$retval:u8\n", true) ||
	    !tr_write("events/" TR_EVENT "/filter", "ret != 0\n", false) ||
	    !tr_write("events/" TR_EVENT "/trigger", "stacktrace if ret != 0\n", false) ||
	    !tr_write("events/" TR_EVENT "/enable", "1\n", false)) {
		fprintf(stderr, "faultinj: no kretprobe on should_fail_ex: failed allocations are numbered, not named\n");
		tr_write("kprobe_events", "-:" TR_EVENT "\n", true);
		tr[0] = 0;
		return;
	}
	/* a consuming reader: "trace" would stop tracing while open */
	snprintf(path, sizeof(path), "%s/trace_pipe", tr);
	tr_pipe = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
	if (tr_pipe < 0) {
		fprintf(stderr, "faultinj: %s: %s\n", path, strerror(errno));
		tr_write("events/" TR_EVENT "/enable", "0\n", false);
		tr_write("kprobe_events", "-:" TR_EVENT "\n", true);
		tr[0] = 0;
	}
}

static void tr_exit(void)
{
	if (!tr[0])
		return;
	close(tr_pipe);
	tr_pipe = -1;
	tr_write("events/" TR_EVENT "/enable", "0\n", false);
	tr_write("events/" TR_EVENT "/trigger", "!stacktrace if ret != 0\n", false);
	tr_write("kprobe_events", "-:" TR_EVENT "\n", true);
	tr[0] = 0;
}

/* Everything in the pipe now, NUL-terminated (static buffer). */
static char *tr_read(void)
{
	static char buf[256 * 1024];
	size_t n = 0;
	ssize_t r;

	while (n < sizeof(buf) - 1) {
		r = read(tr_pipe, buf + n, sizeof(buf) - 1 - n);
		if (r <= 0)
			break;
		n += (size_t)r;
	}
	buf[n] = 0;
	return buf;
}

static void tr_clear(void)
{
	if (tr[0])
		tr_read();
}

/* Allocator internals: the frame that asked is the first one not in here. */
static bool alloc_internal(const char *fn)
{
	static const char *const pfx[] = {
		"should_fail", "__should_fail", "should_failslab",
		"__should_failslab", "slab_pre_alloc_hook", "slab_alloc",
		"__slab_alloc", "___slab_alloc", "kmem_cache_alloc",
		"__kmem_cache_alloc", "kmalloc", "__kmalloc", "kvmalloc",
		"__kvmalloc", "kzalloc", "kcalloc", "kvcalloc", "kvzalloc",
		"kmem_cache_zalloc", "__alloc_pages", "alloc_pages",
		"__folio_alloc", "folio_alloc", "vma_alloc_folio",
		"prepare_alloc_pages", "__get_free_pages", "get_zeroed_page",
		"alloc_slab_page", "allocate_slab", "new_slab",
		"__alloc_pages_node", "alloc_pages_node", "alloc_page_interleave",
		"__vmalloc", "vmalloc", "vzalloc", "__vmalloc_node",
		"__vmalloc_area_node", "vm_area_alloc_pages", "alloc_vmap_area",
		"__get_vm_area_node", "kmalloc_array", "kmalloc_trace",
		"kmalloc_large", "kmalloc_node", "__kmalloc_node",
		"kmalloc_order", "__alloc_pages_bulk", "alloc_pages_bulk",
		"__kmalloc_node_track_caller", "__kmem_cache_alloc_node",
		"kmem_cache_alloc_lru", "__kmalloc_large_node",
		"kmalloc_large_node", "kmalloc_node_trace", "slab_alloc_node",
	};
	/* the probe's own frames, by prefix */
	static const char *const probe[] = {
		"trace_", "__trace_", "event_trigger", "kretprobe", "__kretprobe",
		"trampoline_handler", "rethook", "arch_rethook", "kprobe",
		"__kprobe", "ftrace", "__ftrace", "stack_trace", "ring_buffer",
		"perf_", "arch_stack_walk",
	};
	size_t i, l;

	for (i = 0; i < sizeof(probe) / sizeof(probe[0]); i++)
		if (!strncmp(fn, probe[i], strlen(probe[i])))
			return true;

	for (i = 0; i < sizeof(pfx) / sizeof(pfx[0]); i++) {
		l = strlen(pfx[i]);
		if (!strncmp(fn, pfx[i], l) &&
		    (fn[l] == 0 || fn[l] == ' ' || fn[l] == '.'))
			return true;
	}
	return false;
}

/* " => fn+0x1/0x2 [mod]" -> "fn [mod]" */
static void frame_name(const char *line, char *out, size_t len)
{
	const char *s = line, *plus, *mod;

	while (*s == ' ' || *s == '=' || *s == '>')
		s++;
	plus = strchr(s, '+');
	mod = strchr(s, '[');
	if (!plus || (mod && mod < plus))
		plus = s + strcspn(s, " \n");
	snprintf(out, len, "%.*s%s%.*s", (int)(plus - s), s, mod ? " " : "",
		 mod ? (int)strcspn(mod, "\n") : 0, mod ? mod : "");
}

/*
 * The allocation(s) failed in task @pid since tr_clear(), "; "-separated
 * into @out: the first frame outside the allocators, and the first frame of
 * the module when that is another ("memdup_user <- cxltier_create");
 * "(instrumentation)" in front when kmemleak or KASAN asked for it on the
 * way; "" when none was seen.
 */
static void tr_points(pid_t pid, char *out, size_t len)
{
	char line[512], pat[32], fr[160], first[160], ours[160], *text, *nl;
	bool in_stack = false, mine = false, instr = false;

	out[0] = 0;
	if (!tr[0])
		return;
	text = tr_read();
	if (getenv("CXLTIER_FAULTINJ_RAW"))
		fprintf(stderr, "--- trace ---\n%s--- end ---\n", text);
	snprintf(pat, sizeof(pat), "-%d ", (int)pid);
	first[0] = ours[0] = 0;
#define FLUSH() do {							\
	if (in_stack && mine && (first[0] || instr)) {			\
		size_t l_ = strlen(out);				\
		snprintf(out + l_, len - l_, "%s%s%s%s", l_ ? "; " : "",	\
			 instr ? "(instrumentation) " : "", first,	\
			 ours[0] && strcmp(ours, first) ? "" : "");	\
		if (ours[0] && strcmp(ours, first)) {			\
			l_ = strlen(out);				\
			snprintf(out + l_, len - l_, " <- %s", ours);	\
		}							\
	}								\
	in_stack = mine = instr = false;				\
	first[0] = ours[0] = 0;						\
} while (0)
	for (; *text; text = nl ? nl + 1 : text + strlen(text)) {
		nl = strchr(text, '\n');
		snprintf(line, sizeof(line), "%.*s", nl ? (int)(nl - text) : (int)strlen(text), text);
		if (line[0] == '#')
			continue;
		if (!strncmp(line, " => ", 4)) {
			if (!in_stack)
				continue;
			frame_name(line, fr, sizeof(fr));
			if (strstr(fr, "kmemleak") || strstr(fr, "create_object") ||
			    strstr(fr, "mem_pool_alloc") || strstr(fr, "stack_depot") ||
			    strstr(fr, "kasan_"))
				instr = true;
			if (!first[0] && !alloc_internal(fr))
				snprintf(first, sizeof(first), "%s", fr);
			/* the module's functions (trace output names no module) */
			if (!ours[0] && (strstr(fr, "[cxltier]") || !strncmp(fr, "cxltier_", 8)))
				snprintf(ours, sizeof(ours), "%s", fr);
			continue;
		}
		FLUSH();
		if (strstr(line, "<stack trace>")) {
			char *br = strstr(line, " [");
			char *p = strstr(line, pat);

			in_stack = true;
			mine = p && (!br || p < br);
		}
	}
	FLUSH();
#undef FLUSH
}

/* Points seen per case, for the summary. */
struct cover {
	char name[32];
	char pts[4096];
};
static struct cover covers[16];
static int ncovers;

static void cover_add(const char *name, const char *what)
{
	struct cover *c = NULL;
	int i;
	size_t l;

	for (i = 0; i < ncovers; i++)
		if (!strcmp(covers[i].name, name))
			c = &covers[i];
	if (!c) {
		if (ncovers == (int)(sizeof(covers) / sizeof(covers[0])))
			return;
		c = &covers[ncovers++];
		snprintf(c->name, sizeof(c->name), "%s", name);
	}
	if (strstr(c->pts, what))
		return;
	l = strlen(c->pts);
	snprintf(c->pts + l, sizeof(c->pts) - l, "%s%s", l ? "; " : "", what);
}

/* ------------------------------------------------------------------------ */
/* the module                                                                 */

static int xioctl(int fd, unsigned long cmd, void *arg)
{
	return ioctl(fd, cmd, arg) < 0 ? -errno : 0;
}

static void create_init(struct cxltier_create *c, uint64_t len)
{
	memset(c, 0, sizeof(*c));
	c->size = sizeof(*c);
	c->length = len;
	c->mode = CXLTIER_MODE_BIND;
	c->nr_nodes = 1;
	c->nodes = (uintptr_t)&bind_node;
}

/* A buffer's fd, or -errno. */
static int buf_create(uint64_t len)
{
	struct cxltier_create c;
	int r;

	create_init(&c, len);
	r = xioctl(dev_fd, CXLTIER_IOC_CREATE, &c);
	return r ? r : c.out_fd;
}

#define MAX_RES 16
struct bstat {
	struct cxltier_buf_stat st;
	struct cxltier_node_bytes res[MAX_RES];
};

static void stat_init(struct bstat *b)
{
	memset(b, 0, sizeof(*b));
	b->st.size = sizeof(b->st);
	b->st.nr_resident = MAX_RES;
	b->st.resident = (uintptr_t)b->res;
}

static int buf_stat(int fd, struct bstat *b)
{
	stat_init(b);
	return xioctl(fd, CXLTIER_IOC_BUF_STAT, &b->st);
}

static uint64_t resident_on(const struct bstat *b, int n)
{
	uint32_t i;

	for (i = 0; i < b->st.nr_resident && i < MAX_RES; i++)
		if ((int)b->res[i].node == n)
			return b->res[i].bytes;
	return 0;
}

static char *map_buf(int fd, size_t len)
{
	void *p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);

	return p == MAP_FAILED ? NULL : p;
}

static uint64_t pat(uint64_t seed, size_t page, size_t word)
{
	uint64_t x = seed * 0x9E3779B97F4A7C15ULL ^ (page << 20) ^ word;

	x ^= x >> 31;
	x *= 0xBF58476D1CE4E5B9ULL;
	return x ^ (x >> 29);
}

static void fill(char *p, size_t first, size_t np, uint64_t seed)
{
	size_t i, w;

	for (i = first; i < first + np; i++)
		for (w = 0; w < pgsz / 8; w++)
			((volatile uint64_t *)(p + i * pgsz))[w] = pat(seed, i, w);
}

/* First page in [first, first+np) that does not hold its pattern, or -1. */
static long check(const char *p, size_t first, size_t np, uint64_t seed)
{
	size_t i, w;

	for (i = first; i < first + np; i++)
		for (w = 0; w < pgsz / 8; w++)
			if (((const volatile uint64_t *)(p + i * pgsz))[w] !=
			    pat(seed, i, w))
				return (long)i;
	return -1;
}

static bool page_zero(const char *p)
{
	size_t w;

	for (w = 0; w < pgsz / 8; w++)
		if (((const volatile uint64_t *)p)[w])
			return false;
	return true;
}

#define MAX_NODES 64

/* GET_INFO's node table into @ni: the number of nodes in it, or -1. */
static int node_table(struct cxltier_node_info ni[MAX_NODES])
{
	struct cxltier_info info;

	memset(&info, 0, sizeof(info));
	memset(ni, 0, sizeof(*ni) * MAX_NODES);
	info.size = sizeof(info);
	info.nr_nodes = MAX_NODES;
	info.node_entry_size = sizeof(ni[0]);
	info.nodes = (uintptr_t)ni;
	if (xioctl(dev_fd, CXLTIER_IOC_GET_INFO, &info))
		return -1;
	return info.nr_nodes < MAX_NODES ? (int)info.nr_nodes : MAX_NODES;
}

/* Pick the node: a movable-only CXL node when there is one, else any. */
static int pick_node(void)
{
	struct cxltier_node_info ni[MAX_NODES];
	int i, nr = node_table(ni), any = -1;

	for (i = 0; i < nr; i++) {
		if (ni[i].total_bytes < 256ULL << 20)
			continue;
		if (ni[i].tier == CXLTIER_TIER_CXL &&
		    (ni[i].flags & CXLTIER_NODE_MOVABLE_ONLY)) {
			node_movable = true;
			return (int)ni[i].node;
		}
		if (any < 0)
			any = (int)ni[i].node;
	}
	return any;
}

/* ------------------------------------------------------------------------ */
/* populate                                                                   */

/*
 * CREATE_POPULATE allocates in kernel workers (system_unbound_wq), which
 * neither fail-nth nor make-it-fail reach, and fail_page_alloc has no
 * caller filter on x86_64 (FAULT_INJECTION_STACKTRACE_FILTER depends on
 * !X86_64).  2 MiB buffers give an aim: with min-order=9 and task-filter
 * off only order-9 allocations fail, and in the guest while this runs
 * those are the module's populate (and THP faults, which fall back to 4 KiB
 * silently).
 */

/*
 * Free bytes of node @n: MemFree of its meminfo plus its pages on the
 * per-CPU free lists (/proc/zoneinfo pagesets "count:"), which MemFree does
 * not count; -1 if unreadable.
 */
static long long node_free(int n)
{
	char path[96], line[512], zone[64];
	long long kb = -1, pcp = 0, v;
	int cur = -1, z;
	FILE *f;

	snprintf(path, sizeof(path), "/sys/devices/system/node/node%d/meminfo", n);
	f = fopen(path, "r");
	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f))
		if (strstr(line, "MemFree:") &&
		    sscanf(strstr(line, "MemFree:") + 8, "%lld", &kb) == 1)
			break;
	fclose(f);
	f = fopen("/proc/zoneinfo", "r");
	if (!f || kb < 0) {
		if (f)
			fclose(f);
		return -1;
	}
	while (fgets(line, sizeof(line), f)) {
		if (sscanf(line, "Node %d, zone %63s", &z, zone) == 2)
			cur = z;
		else if (cur == n && sscanf(line, " count: %lld", &v) == 1)
			pcp += v;
	}
	fclose(f);
	return kb * 1024 + pcp * (long long)pgsz;
}

#define POP_LEN		(64ULL << 20)	/* 32 units of 2 MiB */
#define POP_SLACK	(4LL << 20)	/* other tasks, page tables */

/*
 * @interval, @times: fail_page_alloc's, for order >= 9 allocations of every
 * task.  @fallback: CXLTIER_CREATE_HUGE_FALLBACK.  Expected: ENOMEM and
 * nothing left behind (no fd, no module reference, the node's free memory
 * back), or, with fallback, a buffer fully resident whose pages read zero.
 */
static void populate_case(const char *name, int interval, int times, bool fallback)
{
	struct cxltier_create c;
	struct snap before, after;
	struct bstat b;
	long long free0, free1, left;
	char why[256] = "";
	bool ok = true;
	int r;

	take_snap(&before);
	free0 = node_free(node);
	create_init(&c, POP_LEN);
	c.flags = CXLTIER_CREATE_POPULATE | (fallback ? CXLTIER_CREATE_HUGE_FALLBACK : 0);
	c.page_shift = CXLTIER_HUGE_PAGE_SHIFT;
	if (fa_set(&failpage, "task-filter", "N") || fa_set(&failpage, "min-order", "9") ||
	    fa_arm(&failpage, interval, times, 0)) {
		fa_reset(&failpage);
		result(0, name, "cannot arm fail_page_alloc");
		return;
	}
	r = xioctl(dev_fd, CXLTIER_IOC_CREATE, &c);
	left = fa_get(&failpage, "times");
	fa_reset(&failpage);
	note("CREATE(POPULATE%s, 64 MiB of 2 MiB pages, node %d): %s; fail_page_alloc/times left %lld",
	     fallback ? "|HUGE_FALLBACK" : "", node, r ? errname(r) : "ok", left);
	if (fallback) {
		if (r) {
			ok = false;
			snprintf(why, sizeof(why), "CREATE failed with %s although 4 KiB fallback was allowed", errname(r));
		} else {
			char *p;

			if (buf_stat(c.out_fd, &b)) {
				ok = false;
				snprintf(why, sizeof(why), "BUF_STAT failed");
			} else if (resident_on(&b, node) != POP_LEN) {
				ok = false;
				snprintf(why, sizeof(why), "%" PRIu64 " of %llu bytes resident on node %d after populate",
					 resident_on(&b, node), POP_LEN, node);
			}
			p = map_buf(c.out_fd, POP_LEN);
			if (!p) {
				ok = false;
				snprintf(why, sizeof(why), "mmap: %s", strerror(errno));
			} else {
				size_t i;

				for (i = 0; ok && i < POP_LEN / pgsz; i++)
					if (!page_zero(p + i * pgsz)) {
						ok = false;
						snprintf(why, sizeof(why), "page %zu not zero after populate", i);
					}
				munmap(p, POP_LEN);
			}
			close(c.out_fd);
		}
	} else if (!r) {
		close(c.out_fd);
		if (left == 0 && times > 0) {
			/* the failure went to another order-9 allocation */
			note("the injected failure hit another task's allocation");
			nskip++;
			printf("skip - %s: the injected failure did not reach the populate\n", name);
			return;
		}
		ok = false;
		snprintf(why, sizeof(why), "CREATE succeeded although its 2 MiB allocations failed");
	} else if (r != -ENOMEM) {
		ok = false;
		snprintf(why, sizeof(why), "CREATE failed with %s, want ENOMEM", errname(r));
	}
	take_snap(&after);
	if (ok && *snap_diff(&before, &after)) {
		ok = false;
		snprintf(why, sizeof(why), "left behind: %s", snap_diff(&before, &after));
	}
	/* pages freed by the failed populate go back to the node */
	free1 = node_free(node);
	if (ok && free0 >= 0 && free1 >= 0 && free1 < free0 - POP_SLACK) {
		ok = false;
		snprintf(why, sizeof(why), "node %d free memory %lld -> %lld KiB: the failed populate kept pages",
			 node, free0 >> 10, free1 >> 10);
	}
	note("node %d MemFree %lld -> %lld KiB", node, free0 >> 10, free1 >> 10);
	if (ok)
		result(1, name, fallback ? "buffer fully resident in 4 KiB pages, zeroed" :
		       "ENOMEM, nothing left behind, the node's free memory back");
	else
		result(0, name, "%s", why);
	cover_add("populate", "cxltier populate worker (order-9 allocation)");
}

/* ------------------------------------------------------------------------ */
/* children                                                                   */

static pid_t last_child;

/* Run @fn in a child; its exit status, or -1000 - signal. */
static int in_child(int (*fn)(void *), void *arg)
{
	pid_t pid = fork();
	int st;

	last_child = pid;
	if (pid < 0)
		return -10000;
	if (!pid) {
		/* the parent's name the parent */
		nth_fd = -1;
		mif_fd = -1;
		_exit(fn(arg));
	}
	if (waitpid(pid, &st, 0) < 0)
		return -10001;
	if (WIFSIGNALED(st))
		return -1000 - WTERMSIG(st);
	return WEXITSTATUS(st);
}

/* A page shared with children for their reports, touched before use. */
struct report {
	int rc;
	int err;
	long left;
	int nbus;
	uintptr_t base;		/* the child's mapping */
	int bus[64];		/* per page: 1 = SIGBUS */
	uintptr_t bus_addr[64];
	int bus_code[64];
};
static struct report *rep;

static sigjmp_buf bus_jb;
static volatile sig_atomic_t bus_page = -1;
static char *bus_base;

static void on_bus(int sig, siginfo_t *si, void *uc)
{
	(void)sig;
	(void)uc;
	if (bus_page >= 0 && bus_page < 64) {
		rep->bus[bus_page] = 1;
		rep->bus_addr[bus_page] = (uintptr_t)si->si_addr;
		rep->bus_code[bus_page] = si->si_code;
	}
	rep->nbus++;
	siglongjmp(bus_jb, 1);
}

/*
 * In a child that will have every allocation fail: nothing it needs later
 * may fault in a page (stack, signal stack, the report page), or the fault
 * fails with VM_FAULT_OOM, which 6.1 retries forever.
 */
static void child_prefault(void)
{
	static char altstack[64 * 1024];
	volatile char stack[32 * 1024];
	struct sigaction sa;
	stack_t ss;

	memset((void *)stack, 1, sizeof(stack));
	memset(altstack, 0, sizeof(altstack));
	memset(rep, 0, sizeof(*rep));
	ss.ss_sp = altstack;
	ss.ss_size = sizeof(altstack);
	ss.ss_flags = 0;
	sigaltstack(&ss, NULL);
	memset(&sa, 0, sizeof(sa));
	sa.sa_sigaction = on_bus;
	sa.sa_flags = SA_SIGINFO | SA_ONSTACK | SA_NODEFER;
	sigaction(SIGBUS, &sa, NULL);
}

/* Touch (write) pages [first, first+n) of bus_base, recording SIGBUS. */
static void touch_pages(size_t first, size_t n, uint64_t seed)
{
	volatile size_t i;

	for (i = first; i < first + n; i++) {
		bus_page = (int)i;
		if (sigsetjmp(bus_jb, 1) == 0)
			((volatile uint64_t *)(bus_base + i * pgsz))[0] =
				pat(seed, i, 0);
		bus_page = -1;
	}
}

/* ------------------------------------------------------------------------ */
/* create.*                                                                   */

/*
 * Sweep: fail the n-th allocation of CXLTIER_IOC_CREATE (@len bytes) for
 * n = 1, 2, ... until a call does not reach the n-th.
 */
static void create_sweep(const char *name, uint64_t len)
{
	char pts[1024], why[512] = "";
	struct cxltier_create c;
	struct snap before, after;
	int n, r, nenomem = 0, nabsorbed = 0;
	bool done = false, ok = true;
	long left;

	for (n = 1; n <= max_points && !done; n++) {
		take_snap(&before);
		create_init(&c, len);
		tr_clear();
		nth_set((unsigned int)n);
		r = xioctl(dev_fd, CXLTIER_IOC_CREATE, &c);
		left = nth_left();
		nth_set(0);
		if (left != 0) {	/* the n-th allocation never came */
			done = true;
			if (r) {
				ok = false;
				snprintf(why, sizeof(why), "CREATE without an injected failure: %s", errname(r));
				break;
			}
			close(c.out_fd);
			break;
		}
		tr_points(getpid(), pts, sizeof(pts));
		if (!r) {
			/* absorbed (a fallback, or instrumentation's own) */
			char *p = map_buf(c.out_fd, pgsz);

			nabsorbed++;
			if (!p) {
				ok = false;
				snprintf(why, sizeof(why), "point %d: CREATE succeeded but mmap failed: %s", n, strerror(errno));
			} else {
				p[0] = 1;
				munmap(p, pgsz);
			}
			close(c.out_fd);
			note("point %d: absorbed (CREATE succeeded): %s", n, pts[0] ? pts : "?");
			cover_add("create", pts[0] ? pts : "?");
		} else if (r == -ENOMEM) {
			nenomem++;
			note("point %d: ENOMEM: %s", n, pts[0] ? pts : "?");
			cover_add("create", pts[0] ? pts : "?");
		} else {
			ok = false;
			note("point %d: %s (want ENOMEM): %s", n, errname(r), pts[0] ? pts : "?");
			snprintf(why, sizeof(why), "point %d: CREATE failed with %s, want ENOMEM", n, errname(r));
		}
		take_snap(&after);
		if (*snap_diff(&before, &after)) {
			ok = false;
			snprintf(why, sizeof(why), "point %d (%s): left behind: %s", n, errname(r), snap_diff(&before, &after));
			note("%s", why);
		}
	}
	if (!done && ok) {
		ok = false;
		snprintf(why, sizeof(why), "still failing after %d points (CXLTIER_FAULTINJ_MAX)", max_points);
	}
	if (ok)
		result(1, name, "%d points failed: %d ENOMEM, %d absorbed, nothing left behind; succeeds at point %d",
		       n - 1, nenomem, nabsorbed, n);
	else
		result(0, name, "%s", why);
}

/* Open fds below @limit, counted without opening one. */
static int count_fds_below(int limit)
{
	int fd, n = 0;

	for (fd = 0; fd < limit; fd++)
		if (fcntl(fd, F_GETFD) >= 0)
			n++;
	return n;
}

struct fdt_arg {
	unsigned int n;
	int limit;
};

/*
 * One point of the fd table sweep, in a child whose fd table is full but
 * for one slot, which its fail-nth file takes: the buffer's fd needs a
 * bigger table.  (A table never shrinks, so each point needs a fresh one:
 * fork() copies a full table at its size.)
 */
static int fdt_child(void *a)
{
	const struct fdt_arg *arg = a;
	struct cxltier_create c;
	int before, after, r;
	char *p;

	rep->err = 0;
	if (nth_open())
		return 100;
	before = count_fds_below(arg->limit);
	create_init(&c, 4 * pgsz);
	nth_set(arg->n);
	r = xioctl(dev_fd, CXLTIER_IOC_CREATE, &c);
	rep->left = nth_left();
	nth_set(0);
	rep->rc = r;
	if (!r) {
		p = map_buf(c.out_fd, pgsz);
		if (!p)
			rep->err = errno;
		else
			p[0] = 1;
		if (p)
			munmap(p, pgsz);
		close(c.out_fd);
	}
	after = count_fds_below(arg->limit);
	rep->bus[0] = before;
	rep->bus[1] = after;
	return 0;
}

/* The CREATE sweep again, where CREATE must also grow the fd table. */
static void create_sweep_fdtable(void)
{
	const char *name = "create.nth_fdtable";
	char pts[1024], why[512] = "";
	int size = fdtable_size(), *dummies, ndummies = 0, d = -1, n, r;
	int nenomem = 0, nabsorbed = 0, ngrow = 0;
	long long ref0, ref1;
	struct rlimit rl;
	bool ok = true, done = false;

	getrlimit(RLIMIT_NOFILE, &rl);
	if (size <= 0 || (rlim_t)size + 64 >= rl.rlim_cur ||
	    !(dummies = calloc((size_t)size, sizeof(int)))) {
		result(-1, name, "fd table of %d slots, fd limit %llu: cannot fill it", size,
		       (unsigned long long)rl.rlim_cur);
		return;
	}
	/* all slots but the last in use */
	while (ndummies < size && (d = open("/dev/null", O_RDONLY | O_CLOEXEC)) >= 0) {
		dummies[ndummies++] = d;
		if (d >= size - 2)
			break;
	}
	if (d != size - 2) {
		while (ndummies > 0)
			close(dummies[--ndummies]);
		free(dummies);
		result(-1, name, "could not fill the fd table (%d slots; last fd %d)", size, d);
		return;
	}
	for (n = 1; n <= max_points; n++) {
		struct fdt_arg a = { .n = (unsigned int)n, .limit = size + 64 };

		ref0 = module_refcnt();
		tr_clear();
		r = in_child(fdt_child, &a);
		ref1 = module_refcnt();
		if (r) {
			ok = false;
			snprintf(why, sizeof(why), "point %d: child ended with %d", n, r);
			break;
		}
		if (rep->left != 0) {
			done = true;
			if (rep->rc) {
				ok = false;
				snprintf(why, sizeof(why), "CREATE without an injected failure: %s", errname(rep->rc));
			}
			break;
		}
		tr_points(last_child, pts, sizeof(pts));
		cover_add("create", pts[0] ? pts : "?");
		if (strstr(pts, "fdtable") || strstr(pts, "expand_files"))
			ngrow++;
		if (!rep->rc) {
			nabsorbed++;
			note("point %d: absorbed (CREATE succeeded): %s", n, pts[0] ? pts : "?");
			if (rep->err) {
				ok = false;
				snprintf(why, sizeof(why), "point %d: CREATE succeeded but mmap failed: %s", n, strerror(rep->err));
			}
		} else if (rep->rc == -ENOMEM) {
			nenomem++;
			note("point %d: ENOMEM: %s", n, pts[0] ? pts : "?");
		} else {
			ok = false;
			snprintf(why, sizeof(why), "point %d: CREATE failed with %s, want ENOMEM (%s)", n,
				 errname(rep->rc), pts[0] ? pts : "?");
		}
		if (rep->bus[0] != rep->bus[1] || ref0 != ref1) {
			ok = false;
			snprintf(why, sizeof(why), "point %d (%s): left behind: fds %d -> %d, module refcnt %lld -> %lld",
				 n, errname(rep->rc), rep->bus[0], rep->bus[1], ref0, ref1);
		}
	}
	while (ndummies > 0)
		close(dummies[--ndummies]);
	free(dummies);
	if (!done && ok) {
		ok = false;
		snprintf(why, sizeof(why), "still failing after %d points", max_points);
	}
	if (ok && tr[0] && !ngrow) {
		ok = false;
		snprintf(why, sizeof(why), "no failed allocation was the fd table's: the sweep did not reach it");
	}
	if (ok)
		result(1, name, "%d points failed (%d in the fd table's growth): %d ENOMEM, %d absorbed, nothing left behind; succeeds at point %d",
		       n - 1, ngrow, nenomem, nabsorbed, n);
	else
		result(0, name, "%s", why);
}

/* No fd free: -EMFILE, and nothing left behind. */
static void create_emfile(void)
{
	struct rlimit old, lim;
	struct snap before, after;
	int lowest, r;

	lowest = dup(0);
	if (lowest < 0) {
		result(0, "create.emfile", "dup: %s", strerror(errno));
		return;
	}
	close(lowest);
	getrlimit(RLIMIT_NOFILE, &old);
	lim = old;
	lim.rlim_cur = (rlim_t)lowest;	/* fd `lowest` is now out of range */
	take_snap(&before);
	if (setrlimit(RLIMIT_NOFILE, &lim)) {
		result(0, "create.emfile", "setrlimit: %s", strerror(errno));
		return;
	}
	r = buf_create(pgsz);
	setrlimit(RLIMIT_NOFILE, &old);
	take_snap(&after);
	if (r >= 0)
		close(r);
	if (r != -EMFILE)
		result(0, "create.emfile", "CREATE with no fd free: %s, want EMFILE", errname(r));
	else if (*snap_diff(&before, &after))
		result(0, "create.emfile", "left behind: %s", snap_diff(&before, &after));
	else
		result(1, "create.emfile", "EMFILE, nothing left behind");
}

struct create_prob_arg {
	const struct fattr *f;
};

static int create_prob_child(void *a)
{
	const struct create_prob_arg *arg = a;
	int r;

	(void)arg;
	if (make_it_fail(1))
		return 100;
	r = buf_create(4 * pgsz);
	make_it_fail(0);
	if (r >= 0)
		return 0;
	return -r;
}

/*
 * failslab with probability=100 for a make-it-fail child: CREATE fails with
 * ENOMEM; this process, not flagged, creates buffers meanwhile.
 */
static void create_prob(void)
{
	struct create_prob_arg a = { &failslab };
	struct snap before, after;
	int r, mine;

	take_snap(&before);
	if (fa_arm(&failslab, 1, -1, 0)) {
		result(0, "create.failslab_task", "cannot arm failslab");
		fa_reset(&failslab);
		return;
	}
	r = in_child(create_prob_child, &a);
	mine = buf_create(4 * pgsz);	/* not flagged: works */
	fa_reset(&failslab);
	if (mine >= 0)
		close(mine);
	take_snap(&after);
	if (r != ENOMEM)
		result(0, "create.failslab_task", "flagged child: CREATE gave %s (status %d), want ENOMEM",
		       r >= 0 ? errname(r) : "a signal", r);
	else if (mine < 0)
		result(0, "create.failslab_task", "an unflagged task failed too: %s (task-filter)", errname(mine));
	else if (*snap_diff(&before, &after))
		result(0, "create.failslab_task", "left behind: %s", snap_diff(&before, &after));
	else
		result(1, "create.failslab_task", "flagged child ENOMEM, unflagged task unaffected, nothing left behind");
}

/* ------------------------------------------------------------------------ */
/* fault.*                                                                    */

#define FAULT_PAGES 8

struct fault_arg {
	int fd;
	int mode;		/* 0: fail-nth 1; 1: make-it-fail (attributes) */
	size_t first, n;	/* pages touched under injection */
	uint64_t seed;
};

static int fault_child(void *a)
{
	struct fault_arg *arg = a;

	bus_base = map_buf(arg->fd, FAULT_PAGES * pgsz);
	if (!bus_base)
		return 100;
	child_prefault();
	rep->base = (uintptr_t)bus_base;
	/* page 0 first: the page table is there before any failure */
	touch_pages(0, 1, arg->seed);
	if (rep->nbus)
		return 101;
	if (arg->mode == 0) {
		if (nth_open() || nth_set(1))
			return 102;
	} else if (make_it_fail(1)) {
		return 102;
	}
	touch_pages(arg->first, arg->n, arg->seed);
	if (arg->mode == 0) {
		rep->left = nth_left();
		nth_set(0);
	} else {
		make_it_fail(0);
	}
	return 0;
}

/*
 * Run a fault child (mode 0: fail-nth 1 before the touches; mode 1:
 * make-it-fail, with @f armed by the caller) touching pages @first..+@n;
 * expect SIGBUS exactly on the pages with want[i], or (want NULL) @lo..@hi
 * SIGBUSes, the first ones when @leading.  @f->times must read 0 afterwards
 * when @times_used.  Then check what the buffer holds.
 */
static void fault_case(const char *name, int mode, size_t first, size_t n,
		       const int *want, int lo, int hi, bool leading,
		       const struct fattr *f, bool times_used)
{
	struct fault_arg arg = { .mode = mode, .first = first, .n = n };
	long long oom0 = vmstat("oom_kill"), oom1;
	char why[512] = "", *p = NULL;
	struct bstat b;
	size_t i;
	int r, fd, nbus = 0, during_ok = -1;
	uint64_t want_res = 0;
	bool ok = true;

	arg.seed = (uint64_t)time(NULL) ^ (uint64_t)getpid() ^ first;
	fd = buf_create(FAULT_PAGES * pgsz);
	if (fd < 0) {
		result(0, name, "CREATE: %s", errname(fd));
		if (f)
			fa_reset(f);
		return;
	}
	arg.fd = fd;
	r = in_child(fault_child, &arg);
	if (f) {
		/* injection still armed: this process is not flagged */
		p = map_buf(fd, FAULT_PAGES * pgsz);
		if (p) {
			p[(FAULT_PAGES - 1) * pgsz] = 7;	/* never touched by the child */
			during_ok = p[(FAULT_PAGES - 1) * pgsz] == 7;
		}
		if (times_used && fa_get(f, "times") != 0) {
			ok = false;
			snprintf(why, sizeof(why), "%s/times is %lld after the child, want 0",
				 f->name, fa_get(f, "times"));
		}
		fa_reset(f);
	}
	oom1 = vmstat("oom_kill");
	if (!ok) {
		goto out;
	} else if (r != 0) {
		ok = false;
		snprintf(why, sizeof(why), "child ended with %s %d%s", r < -1000 ? "signal" : "status",
			 r < -1000 ? -1000 - r : r,
			 r == -1000 - SIGBUS ? " (SIGBUS outside the handler)" :
			 r == -1000 - SIGKILL ? " (killed: OOM killer?)" : "");
		goto out;
	}
	if (mode == 0 && rep->left != 0)
		note("fail-nth not consumed by the touch (left %ld)", rep->left);
	for (i = first; i < first + n; i++) {
		if (!rep->bus[i])
			continue;
		nbus++;
		if (rep->bus_code[i] != BUS_ADRERR) {
			ok = false;
			snprintf(why, sizeof(why), "page %zu: SIGBUS si_code %d, want BUS_ADRERR", i, rep->bus_code[i]);
		}
		if (rep->bus_addr[i] != rep->base + i * pgsz) {
			ok = false;
			snprintf(why, sizeof(why), "page %zu: SIGBUS at %#lx, want %#lx", i,
				 (unsigned long)rep->bus_addr[i], (unsigned long)(rep->base + i * pgsz));
		}
	}
	if (want) {
		for (i = first; i < first + n; i++)
			if (!!rep->bus[i] != !!want[i - first]) {
				ok = false;
				snprintf(why, sizeof(why), "page %zu: %s, want %s", i,
					 rep->bus[i] ? "SIGBUS" : "no SIGBUS",
					 want[i - first] ? "SIGBUS" : "no SIGBUS");
			}
	} else if (nbus < lo || nbus > hi) {
		ok = false;
		snprintf(why, sizeof(why), "%d SIGBUS, want %d..%d", nbus, lo, hi);
	} else if (leading) {
		/* the failures are the first ones */
		for (i = first; i < first + (size_t)nbus; i++)
			if (!rep->bus[i]) {
				ok = false;
				snprintf(why, sizeof(why), "page %zu touched fine before a later SIGBUS", i);
			}
	}
	if (oom1 != oom0) {
		ok = false;
		snprintf(why, sizeof(why), "oom_kill went %lld -> %lld", oom0, oom1);
	}
	if (during_ok == 0) {
		ok = false;
		snprintf(why, sizeof(why), "an unflagged task could not touch a page while injection was on");
	}
	/* what is resident: page 0, the touches that worked, our page */
	if (buf_stat(fd, &b)) {
		ok = false;
		snprintf(why, sizeof(why), "BUF_STAT failed");
		goto out;
	}
	want_res = pgsz;
	for (i = first; i < first + n; i++)
		if (!rep->bus[i])
			want_res += pgsz;
	if (during_ok == 1)
		want_res += pgsz;
	if (b.st.resident_bytes != want_res) {
		ok = false;
		snprintf(why, sizeof(why), "resident %" PRIu64 " bytes, want %" PRIu64 " (a failed page must not stay)",
			 (uint64_t)b.st.resident_bytes, want_res);
	}
	/* with injection off: failed pages read zero, the others their data */
	if (!p)
		p = map_buf(fd, FAULT_PAGES * pgsz);
	if (!p) {
		ok = false;
		snprintf(why, sizeof(why), "mmap: %s", strerror(errno));
		goto out;
	}
	for (i = 0; i < first + n; i++) {
		uint64_t w = ((volatile uint64_t *)(p + i * pgsz))[0];

		if (i && i < first)
			continue;
		if (i == 0 || !rep->bus[i]) {
			if (w != pat(arg.seed, i, 0)) {
				ok = false;
				snprintf(why, sizeof(why), "page %zu lost what the child wrote", i);
			}
		} else if (!page_zero(p + i * pgsz)) {
			ok = false;
			snprintf(why, sizeof(why), "page %zu (SIGBUS) is not zero once touched again", i);
		}
	}
out:
	if (p)
		munmap(p, FAULT_PAGES * pgsz);
	close(fd);
	if (ok)
		result(1, name, "%d SIGBUS (BUS_ADRERR) where wanted, no OOM kill, failed pages not resident, then zero; data kept", nbus);
	else
		result(0, name, "%s", why);
}

/* ------------------------------------------------------------------------ */
/* access.*: /proc/self/mem reaches the buffer through its access hook        */

static void access_sweep(void)
{
	const char *name = "access.proc_mem_nth";
	char pts[1024], why[256] = "", *p, buf[64];
	int fd, mem, n, nfailed = 0;
	struct bstat b;
	bool ok = true, done = false;
	ssize_t r;
	long left;
	int e;

	fd = buf_create(4 * pgsz);
	if (fd < 0) {
		result(0, name, "CREATE: %s", errname(fd));
		return;
	}
	p = map_buf(fd, 4 * pgsz);
	mem = open("/proc/self/mem", O_RDWR | O_CLOEXEC);
	if (!p || mem < 0) {
		result(0, name, "mmap or /proc/self/mem: %s", strerror(errno));
		close(fd);
		return;
	}
	p[0] = 1;		/* page table in place */
	for (n = 1; n <= max_points; n++) {
		tr_clear();
		nth_set((unsigned int)n);
		r = pread(mem, buf, sizeof(buf), (off_t)(uintptr_t)(p + 2 * pgsz));
		e = errno;
		left = nth_left();
		nth_set(0);
		if (left != 0) {
			done = true;
			if (r != (ssize_t)sizeof(buf)) {
				ok = false;
				snprintf(why, sizeof(why), "read without an injected failure: %zd (%s)", r, strerror(e));
			}
			break;
		}
		tr_points(getpid(), pts, sizeof(pts));
		cover_add("access", pts[0] ? pts : "?");
		if (r == (ssize_t)sizeof(buf)) {
			note("point %d: absorbed: %s", n, pts[0] ? pts : "?");
			continue;
		}
		nfailed++;
		note("point %d: %s: %s", n, r < 0 ? errname(e) : "short read", pts[0] ? pts : "?");
		if (r >= 0 || (e != EIO && e != ENOMEM)) {
			ok = false;
			snprintf(why, sizeof(why), "point %d: read gave %zd (%s), want EIO or ENOMEM", n, r, errname(e));
		}
		if (buf_stat(fd, &b) || b.st.resident_bytes != pgsz) {
			ok = false;
			snprintf(why, sizeof(why), "point %d: %" PRIu64 " bytes resident after a failed read, want 1 page",
				 n, (uint64_t)b.st.resident_bytes);
		}
	}
	if (!done && ok) {
		ok = false;
		snprintf(why, sizeof(why), "still failing after %d points", max_points);
	}
	for (r = 0; ok && r < (ssize_t)sizeof(buf); r++)
		if (buf[r])
			ok = false;
	if (!ok && !why[0])
		snprintf(why, sizeof(why), "page 2 read through /proc/self/mem is not zero");
	if (ok && !page_zero(p + 2 * pgsz)) {
		ok = false;
		snprintf(why, sizeof(why), "page 2 not zero");
	}
	close(mem);
	munmap(p, 4 * pgsz);
	close(fd);
	if (ok)
		result(1, name, "%d points failed the read cleanly (EIO/ENOMEM, nothing resident); succeeds at point %d, page zero",
		       nfailed, n);
	else
		result(0, name, "%s", why);
}

/* ------------------------------------------------------------------------ */
/* migrate.*                                                                  */

/* A node with memory other than @not, preferring one of the same tier. */
static int other_node(int not)
{
	struct cxltier_node_info ni[MAX_NODES];
	int i, nr = node_table(ni), any = -1;
	uint32_t tier = ~0U;

	for (i = 0; i < nr; i++)
		if ((int)ni[i].node == not)
			tier = ni[i].tier;
	for (i = 0; i < nr; i++) {
		if ((int)ni[i].node == not || ni[i].total_bytes < 256ULL << 20)
			continue;
		if (ni[i].tier == tier)
			return (int)ni[i].node;
		if (any < 0)
			any = (int)ni[i].node;
	}
	return any;
}

/* nodes/nodeN/used_bytes, or -1 */
static long long used_bytes(int n)
{
	char path[96];

	snprintf(path, sizeof(path), CXLTIER_SYSFS_NODES_DIR "/node%d/used_bytes", n);
	return read_ll(path, -1);
}

static int migrate_to(int fd, int to, struct cxltier_migrate *m)
{
	struct cxltier_node_weight nw = { .node = (uint32_t)to };

	memset(m, 0, sizeof(*m));
	m->size = sizeof(*m);
	m->mode = CXLTIER_MODE_BIND;
	m->nr_nodes = 1;
	m->nodes = (uintptr_t)&nw;
	return xioctl(fd, CXLTIER_IOC_MIGRATE, m);
}

#define MIG_PAGES 24

/*
 * CXLTIER_IOC_MIGRATE (synchronous) with its N-th allocation failing, for
 * N = 1, 2, ...: the call fails with ENOMEM (metadata) or succeeds with
 * the pages that could not get a target counted as failed; either way
 * every byte of the buffer is intact, no page is lost or doubled (the
 * resident bytes stay the buffer's, and each node's used_bytes moves with
 * its resident bytes), nothing is left behind, and once injection stops
 * the same call moves what is left.  Each point starts from the buffer
 * wholly on the first node.
 */
static void migrate_sweep(void)
{
	const char *name = "migrate.nth";
	const size_t len = MIG_PAGES * pgsz;
	char pts[1024], why[512] = "", *p;
	long long base_a, base_b;
	struct cxltier_migrate m;
	struct snap before, after;
	int fd, n, r, to, nenomem = 0, npartial = 0, nabsorbed = 0;
	bool done = false, ok = true;
	struct bstat b;
	long left, bad;

	to = other_node(node);
	if (to < 0) {
		result(-1, name, "no second node with memory");
		return;
	}
	base_a = used_bytes(node);
	base_b = used_bytes(to);
	fd = buf_create(len);
	p = fd >= 0 ? map_buf(fd, len) : NULL;
	if (!p || base_a < 0 || base_b < 0) {
		result(0, name, "CREATE/mmap/used_bytes: %s", errname(fd < 0 ? fd : -errno));
		if (fd >= 0)
			close(fd);
		return;
	}
	fill(p, 0, MIG_PAGES, 7);
	for (n = 1; n <= max_points && !done && ok; n++) {
		r = migrate_to(fd, node, &m);	/* all back home, no injection */
		if (r || buf_stat(fd, &b) || resident_on(&b, node) != len) {
			ok = false;
			snprintf(why, sizeof(why), "point %d: moving back to node %d: %s", n, node, errname(r));
			break;
		}
		take_snap(&before);
		tr_clear();
		nth_set((unsigned int)n);
		r = migrate_to(fd, to, &m);
		left = nth_left();
		nth_set(0);
		take_snap(&after);
		if (left != 0)
			done = true;
		else
			tr_points(getpid(), pts, sizeof(pts));
		if (r == -ENOMEM && !done) {
			nenomem++;
			note("point %d: ENOMEM: %s", n, pts[0] ? pts : "?");
		} else if (!r) {
			uint64_t sum = m.out_moved_bytes + m.out_failed_bytes + m.out_skipped_bytes;

			if (sum != len) {
				ok = false;
				snprintf(why, sizeof(why), "point %d: moved %llu + failed %llu + skipped %llu bytes, want %zu",
					 n, (unsigned long long)m.out_moved_bytes, (unsigned long long)m.out_failed_bytes,
					 (unsigned long long)m.out_skipped_bytes, len);
			} else if (done && m.out_moved_bytes != len) {
				ok = false;
				snprintf(why, sizeof(why), "without injection only %llu of %zu bytes moved",
					 (unsigned long long)m.out_moved_bytes, len);
			}
			if (m.out_failed_bytes)
				npartial++;
			else if (!done)
				nabsorbed++;
			if (!done)
				note("point %d: %llu bytes failed: %s", n, (unsigned long long)m.out_failed_bytes,
				     pts[0] ? pts : "?");
		} else {
			ok = false;
			snprintf(why, sizeof(why), "point %d: MIGRATE: %s, want ENOMEM or success", n, errname(r));
		}
		if (!done)
			cover_add("migrate", pts[0] ? pts : "?");
		bad = check(p, 0, MIG_PAGES, 7);
		if (ok && bad >= 0) {
			ok = false;
			snprintf(why, sizeof(why), "point %d (%s): page %ld lost its contents", n, errname(r), bad);
		}
		if (ok && (r = buf_stat(fd, &b))) {
			ok = false;
			snprintf(why, sizeof(why), "point %d: BUF_STAT: %s", n, errname(r));
		}
		if (ok && (b.st.resident_bytes != len ||
			   resident_on(&b, node) + resident_on(&b, to) != len)) {
			ok = false;
			snprintf(why, sizeof(why), "point %d: resident %llu bytes (node %d: %llu, node %d: %llu), want %zu",
				 n, (unsigned long long)b.st.resident_bytes, node,
				 (unsigned long long)resident_on(&b, node), to,
				 (unsigned long long)resident_on(&b, to), len);
		}
		if (ok && (used_bytes(node) - base_a != (long long)resident_on(&b, node) ||
			   used_bytes(to) - base_b != (long long)resident_on(&b, to))) {
			ok = false;
			snprintf(why, sizeof(why), "point %d: used_bytes moved by %lld on node %d and %lld on node %d; resident there %llu and %llu",
				 n, used_bytes(node) - base_a, node, used_bytes(to) - base_b, to,
				 (unsigned long long)resident_on(&b, node),
				 (unsigned long long)resident_on(&b, to));
		}
		if (ok && *snap_diff(&before, &after)) {
			ok = false;
			snprintf(why, sizeof(why), "point %d (%s): left behind: %s", n, errname(r), snap_diff(&before, &after));
		}
		/* what injection left where it was moves now */
		if (ok && !done && (r = migrate_to(fd, to, &m))) {
			ok = false;
			snprintf(why, sizeof(why), "point %d: MIGRATE again without injection: %s", n, errname(r));
		}
		if (ok && !done && (buf_stat(fd, &b) || resident_on(&b, to) != len)) {
			ok = false;
			snprintf(why, sizeof(why), "point %d: after a MIGRATE without injection %llu of %zu bytes on node %d",
				 n, (unsigned long long)resident_on(&b, to), len, to);
		}
	}
	if (!done && ok) {
		ok = false;
		snprintf(why, sizeof(why), "still failing after %d points (CXLTIER_FAULTINJ_MAX)", max_points);
	}
	if (ok && check(p, 0, MIG_PAGES, 7) >= 0) {
		ok = false;
		snprintf(why, sizeof(why), "contents lost at the end");
	}
	munmap(p, len);
	close(fd);
	if (ok && (used_bytes(node) != base_a || used_bytes(to) != base_b)) {
		ok = false;
		snprintf(why, sizeof(why), "used_bytes not back after close: node %d %lld -> %lld, node %d %lld -> %lld",
			 node, base_a, used_bytes(node), to, base_b, used_bytes(to));
	}
	if (ok)
		result(1, name, "node %d -> %d, %d points: %d ENOMEM, %d with pages failed, %d absorbed; data, quota and resident bytes right; all moves at point %d",
		       node, to, n - 2, nenomem, npartial, nabsorbed, n - 1);
	else
		result(0, name, "%s", why);
}

/* ------------------------------------------------------------------------ */
/* stat.*                                                                     */

static void stat_sweep(void)
{
	const char *name = "stat.nth";
	char pts[1024], why[256] = "", *p;
	struct bstat b;
	struct snap before, after;
	int fd, n, r, nenomem = 0;
	bool ok = true, done = false;
	long left;

	fd = buf_create(4 * pgsz);
	p = fd >= 0 ? map_buf(fd, 4 * pgsz) : NULL;
	if (!p) {
		result(0, name, "CREATE/mmap: %s", errname(fd < 0 ? fd : -errno));
		if (fd >= 0)
			close(fd);
		return;
	}
	p[0] = p[pgsz] = 1;
	for (n = 1; n <= max_points; n++) {
		take_snap(&before);
		stat_init(&b);
		tr_clear();
		nth_set((unsigned int)n);
		r = xioctl(fd, CXLTIER_IOC_BUF_STAT, &b.st);
		left = nth_left();
		nth_set(0);
		take_snap(&after);
		if (left != 0) {
			done = true;
			if (r || b.st.resident_bytes != 2 * pgsz) {
				ok = false;
				snprintf(why, sizeof(why), "BUF_STAT without injection: %s, %" PRIu64 " bytes",
					 errname(r), (uint64_t)b.st.resident_bytes);
			}
			break;
		}
		tr_points(getpid(), pts, sizeof(pts));
		cover_add("stat", pts[0] ? pts : "?");
		if (r == -ENOMEM) {
			nenomem++;
			note("point %d: ENOMEM: %s", n, pts[0] ? pts : "?");
		} else if (r) {
			ok = false;
			snprintf(why, sizeof(why), "point %d: %s, want ENOMEM", n, errname(r));
		} else {
			note("point %d: absorbed: %s", n, pts[0] ? pts : "?");
		}
		if (*snap_diff(&before, &after)) {
			ok = false;
			snprintf(why, sizeof(why), "point %d: left behind: %s", n, snap_diff(&before, &after));
		}
	}
	if (!done && ok) {
		ok = false;
		snprintf(why, sizeof(why), "still failing after %d points", max_points);
	}
	munmap(p, 4 * pgsz);
	close(fd);
	if (ok)
		result(1, name, "%d points: ENOMEM, nothing changed; succeeds at point %d", nenomem, n);
	else
		result(0, name, "%s", why);
}

/* failslab times=1 for this process during one BUF_STAT */
static void stat_prob(void)
{
	const char *name = "stat.failslab_times";
	struct bstat b;
	int fd, r;
	long long t;

	fd = buf_create(pgsz);
	if (fd < 0) {
		result(0, name, "CREATE: %s", errname(fd));
		return;
	}
	if (fa_arm(&failslab, 1, 1, 0) || make_it_fail(1)) {
		fa_reset(&failslab);
		make_it_fail(0);
		close(fd);
		result(0, name, "cannot arm failslab");
		return;
	}
	stat_init(&b);
	r = xioctl(fd, CXLTIER_IOC_BUF_STAT, &b.st);
	make_it_fail(0);
	t = fa_get(&failslab, "times");
	fa_reset(&failslab);
	if (r != -ENOMEM)
		result(0, name, "BUF_STAT with failslab times=1: %s, want ENOMEM", errname(r));
	else if (t != 0)
		result(0, name, "failslab/times is %lld afterwards, want 0", t);
	else if (buf_stat(fd, &b) || b.st.resident_bytes != 0)
		result(0, name, "BUF_STAT afterwards is wrong");
	else
		result(1, name, "ENOMEM, the one failure consumed, the next call works");
	close(fd);
}

/* ------------------------------------------------------------------------ */
/* offline.*                                                                  */

#define OFF_PAGES 64

static void block_path(char *path, size_t len, uint64_t block)
{
	snprintf(path, len, "/sys/devices/system/memory/memory%" PRIu64 "/state", block);
}

static void block_state(uint64_t block, char *st, size_t len)
{
	char path[128];

	block_path(path, sizeof(path), block);
	if (read_str(path, st, len) < 0)
		snprintf(st, len, "?");
}

struct off_arg {
	uint64_t block;
	const char *state;
	int mode;		/* 0: none, 1: fail-nth n, 2: make-it-fail */
	unsigned int n;
	unsigned int alarm_s;
};

static void on_alarm(int sig)
{
	(void)sig;
}

static int off_child(void *a)
{
	const struct off_arg *arg = a;
	struct sigaction sa;
	char path[128];
	ssize_t w;
	int fd;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_alarm;	/* no SA_RESTART: the write returns EINTR */
	sigaction(SIGALRM, &sa, NULL);
	child_prefault();
	block_path(path, sizeof(path), arg->block);
	fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		return 100;
	if (arg->mode == 1 && (nth_open() || nth_set(arg->n)))
		return 101;
	if (arg->mode == 2 && make_it_fail(1))
		return 101;
	alarm(arg->alarm_s);	/* offline_pages() retries until a signal */
	w = write(fd, arg->state, strlen(arg->state));
	rep->err = w < 0 ? errno : 0;
	alarm(0);
	if (arg->mode == 1) {
		rep->left = nth_left();
		nth_set(0);
	}
	if (arg->mode == 2)
		make_it_fail(0);
	rep->rc = w < 0 ? -1 : 0;
	return 0;
}

/* A buffer of OFF_PAGES pages on the node, filled; its fd, map, block. */
struct offbuf {
	int fd;
	char *p;
	uint64_t seed;
	uint64_t block;		/* the block of its first page */
	size_t in_block;	/* its pages in that block */
};

static int offbuf_make(struct offbuf *o, uint64_t seed)
{
	uint64_t bs = memory_block_size(), pfn;
	size_t i;

	memset(o, 0, sizeof(*o));
	o->fd = buf_create(OFF_PAGES * pgsz);
	if (o->fd < 0)
		return o->fd;
	o->p = map_buf(o->fd, OFF_PAGES * pgsz);
	if (!o->p)
		return -errno;
	o->seed = seed;
	fill(o->p, 0, OFF_PAGES, seed);
	pfn = pfn_of(o->p);
	if (!pfn || !bs)
		return -ENOENT;
	o->block = pfn * pgsz / bs;
	for (i = 0; i < OFF_PAGES; i++)
		if (pfn_of(o->p + i * pgsz) * pgsz / bs == o->block)
			o->in_block++;
	return 0;
}

static void offbuf_free(struct offbuf *o)
{
	if (o->p)
		munmap(o->p, OFF_PAGES * pgsz);
	if (o->fd >= 0)
		close(o->fd);
}

/* Online again if offline; "" or what went wrong. */
static const char *block_online(uint64_t block)
{
	static char why[128];
	struct off_arg a = { .block = block, .state = "online_movable", .alarm_s = 60 };
	char st[32];

	block_state(block, st, sizeof(st));
	if (!strcmp(st, "online"))
		return "";
	if (in_child(off_child, &a) || rep->rc) {
		snprintf(why, sizeof(why), "onlining memory%" PRIu64 " again: %s", block, errname(rep->err));
		return why;
	}
	return "";
}

/* Data intact, all bytes resident; "" or what is wrong. */
static const char *offbuf_check(struct offbuf *o, uint64_t *on_node)
{
	static char why[160];
	struct bstat b;
	long bad = check(o->p, 0, OFF_PAGES, o->seed);

	if (bad >= 0) {
		snprintf(why, sizeof(why), "page %ld of the buffer lost its contents", bad);
		return why;
	}
	if (buf_stat(o->fd, &b) || b.st.resident_bytes != OFF_PAGES * pgsz) {
		snprintf(why, sizeof(why), "BUF_STAT: %" PRIu64 " bytes resident, want %zu",
			 (uint64_t)b.st.resident_bytes, OFF_PAGES * pgsz);
		return why;
	}
	if (on_node)
		*on_node = resident_on(&b, node);
	return "";
}

static bool offline_errno_ok(int e)
{
	return e == ENOMEM || e == EBUSY || e == EAGAIN || e == EINTR;
}

/* Is offline possible at all here?  Plain offline of a buffer's block. */
static int offline_probe(struct offbuf *o)
{
	struct off_arg a = { .state = "offline", .alarm_s = 60 };
	const char *w;
	int r;

	r = offbuf_make(o, 1);
	if (r)
		return r;
	a.block = o->block;
	r = in_child(off_child, &a);
	if (r)
		return -EIO;
	if (rep->rc)
		return -rep->err;
	w = offbuf_check(o, NULL);
	if (*w) {
		note("plain offline: %s", w);
		return -EIO;
	}
	w = block_online(o->block);
	if (*w) {
		note("%s", w);
		return -EIO;
	}
	return 0;
}

static void offline_nth(int points)
{
	const char *name = "offline.nth";
	char pts[1024], why[256] = "", st[32];
	struct offbuf o;
	int n, r, nok = 0, nfailed = 0, nnot = 0, npoints = 0;
	bool ok = true;
	const char *w;
	long left;

	for (n = 1; n <= points && ok; n++) {
		struct off_arg a = { .state = "offline", .mode = 1, .n = (unsigned int)n, .alarm_s = 60 };

		r = offbuf_make(&o, 100 + (uint64_t)n);
		if (r) {
			ok = false;
			snprintf(why, sizeof(why), "buffer: %s", errname(r));
			offbuf_free(&o);
			break;
		}
		a.block = o.block;
		tr_clear();
		r = in_child(off_child, &a);
		left = rep->left;
		tr_points(last_child, pts, sizeof(pts));
		block_state(o.block, st, sizeof(st));
		if (r) {
			ok = false;
			snprintf(why, sizeof(why), "point %d: offlining child ended with %d", n, r);
		} else if (left != 0) {
			nnot++;
			note("point %d: not reached (offline %s)", n, rep->rc ? errname(rep->err) : "done");
		} else if (!rep->rc) {
			nok++;
			npoints++;
			cover_add("offline", pts[0] ? pts : "?");
			note("point %d: offline succeeded (retried past the failure): %s", n, pts[0] ? pts : "?");
		} else if (offline_errno_ok(rep->err)) {
			nfailed++;
			npoints++;
			cover_add("offline", pts[0] ? pts : "?");
			note("point %d: offline failed cleanly: %s: %s", n, errname(rep->err), pts[0] ? pts : "?");
		} else {
			ok = false;
			snprintf(why, sizeof(why), "point %d: offline failed with %s", n, errname(rep->err));
		}
		if (ok && !rep->rc && strcmp(st, "offline")) {
			ok = false;
			snprintf(why, sizeof(why), "point %d: offline said yes, block is %s", n, st);
		}
		if (ok && rep->rc && strcmp(st, "online")) {
			ok = false;
			snprintf(why, sizeof(why), "point %d: offline failed, block is %s", n, st);
		}
		w = offbuf_check(&o, NULL);
		if (ok && *w) {
			ok = false;
			snprintf(why, sizeof(why), "point %d: %s", n, w);
		}
		w = block_online(o.block);
		if (ok && *w) {
			ok = false;
			snprintf(why, sizeof(why), "point %d: %s", n, w);
		}
		/* the buffer still works */
		if (ok) {
			fill(o.p, 0, OFF_PAGES, 999);
			if (check(o.p, 0, OFF_PAGES, 999) >= 0) {
				ok = false;
				snprintf(why, sizeof(why), "point %d: buffer does not keep new data", n);
			}
		}
		offbuf_free(&o);
		if (left != 0)
			break;	/* the offline made fewer allocations than n */
	}
	if (ok)
		result(1, name, "%d points: offline succeeded past the failure %d times, failed cleanly %d times%s; data intact, blocks online again",
		       npoints, nok, nfailed, nnot ? " (then not reached)" : "");
	else
		result(0, name, "%s", why);
}

/*
 * fail_page_alloc with probability=100 for the offlining task: every
 * migration target allocation fails.  @times: -1 (offline cannot finish:
 * it must give up cleanly on the alarm) or a count after which it works.
 */
static void offline_prob(const char *name, int times)
{
	struct off_arg a = { .state = "offline", .mode = 2, .alarm_s = times < 0 ? 5 : 90 };
	long long mf0 = vmstat("pgmigrate_fail"), mf1, t;
	int err;
	char why[256] = "", st[32];
	uint64_t on_node = 0;
	struct offbuf o;
	const char *w;
	bool ok = true;
	int r;

	r = offbuf_make(&o, 200 + (uint64_t)(times + 1));
	if (r) {
		result(0, name, "buffer: %s", errname(r));
		offbuf_free(&o);
		return;
	}
	a.block = o.block;
	if (fa_arm(&failpage, 1, times, 0)) {
		fa_reset(&failpage);
		offbuf_free(&o);
		result(0, name, "cannot arm fail_page_alloc");
		return;
	}
	r = in_child(off_child, &a);
	err = rep->err;
	t = fa_get(&failpage, "times");
	fa_reset(&failpage);
	mf1 = vmstat("pgmigrate_fail");
	block_state(o.block, st, sizeof(st));
	note("offline: %s; block %s; pgmigrate_fail +%lld; fail_page_alloc/times left %lld",
	     r ? "child died" : rep->rc ? errname(rep->err) : "done", st, mf1 - mf0, t);
	if (r) {
		ok = false;
		snprintf(why, sizeof(why), "offlining child ended with %d", r);
	} else if (times < 0) {
		if (!rep->rc) {
			ok = false;
			snprintf(why, sizeof(why), "offline succeeded although every allocation failed");
		} else if (!offline_errno_ok(rep->err)) {
			ok = false;
			snprintf(why, sizeof(why), "offline failed with %s", errname(rep->err));
		} else if (strcmp(st, "online")) {
			ok = false;
			snprintf(why, sizeof(why), "offline failed but the block is %s", st);
		}
	} else {
		if (rep->rc) {
			ok = false;
			snprintf(why, sizeof(why), "offline failed (%s) although only %d allocations were to fail",
				 errname(rep->err), times);
		} else if (strcmp(st, "offline")) {
			ok = false;
			snprintf(why, sizeof(why), "offline said yes, block is %s", st);
		} else if (t != 0) {
			note("fail_page_alloc/times left %lld: the failures went elsewhere", t);
		}
	}
	w = offbuf_check(&o, &on_node);
	if (ok && *w) {
		ok = false;
		snprintf(why, sizeof(why), "%s", w);
	}
	if (ok && times < 0 && on_node != OFF_PAGES * pgsz) {
		ok = false;
		snprintf(why, sizeof(why), "failed offline moved pages off node %d anyway (%" PRIu64 " bytes left there)",
			 node, on_node);
	}
	if (ok && times < 0) {
		/* and without injection it goes through */
		struct off_arg plain = { .block = o.block, .state = "offline", .alarm_s = 90 };

		r = in_child(off_child, &plain);
		if (r || rep->rc) {
			ok = false;
			snprintf(why, sizeof(why), "plain offline afterwards: %s", r ? "child died" : errname(rep->err));
		} else {
			w = offbuf_check(&o, NULL);
			if (*w) {
				ok = false;
				snprintf(why, sizeof(why), "after the plain offline: %s", w);
			}
		}
	}
	w = block_online(o.block);
	if (ok && *w) {
		ok = false;
		snprintf(why, sizeof(why), "%s", w);
	}
	offbuf_free(&o);
	if (!ok)
		result(0, name, "%s", why);
	else if (times < 0)
		result(1, name, "offline gave up cleanly (%s), data intact and still on node %d; a plain offline then worked",
		       errname(err), node);
	else
		result(1, name, "offline retried past %d failed allocations and succeeded; data intact", times);
}

static void offline_cases(bool (*want)(const char *))
{
	struct offbuf o;
	int r, points = 12;
	const char *env = getenv("CXLTIER_FAULTINJ_OFFLINE_POINTS");

	if (env)
		points = atoi(env);
	if (!want("offline"))
		return;
	if (!node_movable || !memory_block_size()) {
		result(-1, "offline", "no movable-only CXL node with memory blocks");
		return;
	}
	r = offline_probe(&o);
	offbuf_free(&o);
	if (r == -EBUSY || r == -EINVAL || r == -ENOENT) {
		result(-1, "offline", "the buffer's block cannot go offline here (%s)", errname(r));
		return;
	}
	if (r) {
		result(0, "offline.plain", "offline without injection: %s", errname(r));
		return;
	}
	if (want("offline.nth"))
		offline_nth(points);
	if (want("offline.fail_page_alloc_always"))
		offline_prob("offline.fail_page_alloc_always", -1);
	if (want("offline.fail_page_alloc_times"))
		offline_prob("offline.fail_page_alloc_times", 20);
}

/* ------------------------------------------------------------------------ */
/* kernel.*: what the log must not say                                        */

static int kmsg_fd = -1;

static void kmsg_mark(void)
{
	kmsg_fd = open("/dev/kmsg", O_RDONLY | O_NONBLOCK | O_CLOEXEC);
	if (kmsg_fd >= 0)
		lseek(kmsg_fd, 0, SEEK_END);
}

static void kmsg_verdict(long long oom0)
{
	static const char *const bad[] = { "invoked oom-killer", "Out of memory",
					    "VM_FAULT_OOM leaked", "oom-kill:" };
	char rec[2048];
	int nbad = 0;
	ssize_t r;
	size_t i;

	if (kmsg_fd < 0) {
		result(-1, "kernel.no_oom", "no /dev/kmsg");
		return;
	}
	for (;;) {
		r = read(kmsg_fd, rec, sizeof(rec) - 1);
		if (r < 0 && errno == EPIPE)
			continue;
		if (r <= 0)
			break;
		rec[r] = 0;
		for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
			if (strstr(rec, bad[i]) && nbad++ < 5)
				note("%s", strchr(rec, ';') ? strchr(rec, ';') + 1 : rec);
	}
	close(kmsg_fd);
	if (nbad || vmstat("oom_kill") != oom0)
		result(0, "kernel.no_oom", "OOM killer or VM_FAULT_OOM in the log (%d lines), oom_kill %lld -> %lld",
		       nbad, oom0, vmstat("oom_kill"));
	else
		result(1, "kernel.no_oom", "no OOM kill, no VM_FAULT_OOM in the kernel log");
}

/* ------------------------------------------------------------------------ */

static int g_argc;
static char **g_argv;

static bool want(const char *name)
{
	int i;

	if (g_argc < 2)
		return true;
	for (i = 1; i < g_argc; i++)
		if (strstr(name, g_argv[i]) || strstr(g_argv[i], name))
			return true;
	return false;
}

int main(int argc, char **argv)
{
	static const int want_space[3] = { 0, 0, 1 };
	static const int want_nth[1] = { 1 };
	long long oom0;
	const char *env;
	int i;

	g_argc = argc;
	g_argv = argv;
	setvbuf(stdout, NULL, _IOLBF, 0);
	pgsz = (size_t)sysconf(_SC_PAGESIZE);
	env = getenv("CXLTIER_FAULTINJ_MAX");
	if (env && atoi(env) > 0)
		max_points = atoi(env);

	if (geteuid()) {
		printf("faultinj: needs root\nfaultinj: 0 passed, 0 failed, 1 skipped\n");
		return KSFT_SKIP;
	}
	if (access(DBG "/failslab/probability", W_OK) ||
	    access(DBG "/fail_page_alloc/probability", W_OK) ||
	    access("/proc/thread-self/fail-nth", W_OK)) {
		printf("faultinj: this kernel has no failslab/fail_page_alloc/fail-nth (CONFIG_FAILSLAB, CONFIG_FAIL_PAGE_ALLOC, CONFIG_FAULT_INJECTION_DEBUG_FS; use tests/vm/run --kernel debug)\n");
		printf("faultinj: 0 passed, 0 failed, 1 skipped\n");
		return KSFT_SKIP;
	}
	dev_fd = open(CXLTIER_DEVICE_PATH, O_RDWR | O_CLOEXEC);
	if (dev_fd < 0) {
		printf("faultinj: %s: %s\nfaultinj: 0 passed, 0 failed, 1 skipped\n", CXLTIER_DEVICE_PATH, strerror(errno));
		return KSFT_SKIP;
	}
	node = pick_node();
	if (node < 0) {
		printf("faultinj: no node with memory\nfaultinj: 0 passed, 1 failed\n");
		return 1;
	}
	bind_node.node = (uint32_t)node;
	rep = mmap(NULL, sizeof(*rep), PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (rep == MAP_FAILED)
		return 1;
	memset(rep, 0, sizeof(*rep));

	atexit(cleanup);
	signal(SIGINT, on_fatal);
	signal(SIGTERM, on_fatal);
	if (fa_reset(&failslab) || fa_reset(&failpage) || nth_open()) {
		printf("faultinj: cannot set up the fault attributes\nfaultinj: 0 passed, 1 failed\n");
		return 1;
	}
	tr_init();
	kmsg_mark();
	oom0 = vmstat("oom_kill");
	printf("faultinj: buffers on node %d%s; failed allocations %s\n", node,
	       node_movable ? " (CXL, movable-only)" : "",
	       tr[0] ? "named by a kretprobe on should_fail_ex" : "numbered");

	if (want("create.nth_small"))
		create_sweep("create.nth_small", 4 * pgsz);
	if (want("create.nth_large"))	/* 64 MiB: a 128 KiB page array, kvmalloc's vmalloc fallback */
		create_sweep("create.nth_large", 64ULL << 20);
	if (want("create.nth_fdtable"))
		create_sweep_fdtable();
	if (want("create.emfile"))
		create_emfile();
	if (want("create.failslab_task"))
		create_prob();

	if (want("fault.nth")) {
		/* fail-nth=1 right before touching page 1 */
		fault_case("fault.nth", 0, 1, 1, want_nth, 0, 0, false, NULL, false);
	}
	if (want("fault.fail_page_alloc_task")) {
		/* every page allocation of the child fails: pages 1-3 SIGBUS */
		static const int all[3] = { 1, 1, 1 };

		if (fa_arm(&failpage, 1, -1, 0))
			result(0, "fault.fail_page_alloc_task", "cannot arm");
		else
			fault_case("fault.fail_page_alloc_task", 1, 1, 3, all, 0, 0, false, &failpage, false);
	}
	if (want("fault.fail_page_alloc_times")) {
		/* times=2: the first two touches fail, the rest work */
		if (fa_arm(&failpage, 1, 2, 0))
			result(0, "fault.fail_page_alloc_times", "cannot arm");
		else
			fault_case("fault.fail_page_alloc_times", 1, 1, 6, NULL, 1, 2, true, &failpage, true);
	}
	if (want("fault.fail_page_alloc_space")) {
		/* space=3 (pages): the third page allocation fails, once */
		if (fa_arm(&failpage, 1, 1, 3))
			result(0, "fault.fail_page_alloc_space", "cannot arm");
		else
			fault_case("fault.fail_page_alloc_space", 1, 1, 3, want_space, 0, 0, false, &failpage, true);
	}
	if (want("fault.fail_page_alloc_interval")) {
		/* interval=2: every other allocation fails (phase unknown) */
		if (fa_arm(&failpage, 2, -1, 0))
			result(0, "fault.fail_page_alloc_interval", "cannot arm");
		else
			fault_case("fault.fail_page_alloc_interval", 1, 1, 6, NULL, 2, 4, false, &failpage, false);
	}
	if (want("populate.huge_all_fail"))	/* every 2 MiB allocation fails */
		populate_case("populate.huge_all_fail", 1, -1, false);
	if (want("populate.huge_partial"))	/* the 9th fails: 8 units to free */
		populate_case("populate.huge_partial", 9, 1, false);
	if (want("populate.huge_fallback"))	/* 4 KiB pages instead */
		populate_case("populate.huge_fallback", 1, -1, true);
	if (want("access.proc_mem_nth"))
		access_sweep();
	if (want("stat.nth"))
		stat_sweep();
	if (want("migrate.nth"))
		migrate_sweep();
	if (want("stat.failslab_times"))
		stat_prob();
	offline_cases(want);

	tr_exit();
	kmsg_verdict(oom0);
	cleanup();

	if (ncovers) {
		printf("faultinj: allocations failed under the module's calls:\n");
		for (i = 0; i < ncovers; i++)
			printf("  %-7s %s\n", covers[i].name, covers[i].pts);
	}
	if (nskip)
		printf("faultinj: %d passed, %d failed, %d skipped\n", npass, nfail, nskip);
	else
		printf("faultinj: %d passed, %d failed\n", npass, nfail);
	return nfail ? 1 : 0;
}
