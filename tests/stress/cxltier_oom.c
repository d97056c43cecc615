// SPDX-License-Identifier: GPL-2.0
/*
 * cxltier_oom: under global memory pressure the OOM killer picks the
 * process that holds cxltier buffers, not a bystander that holds less.
 *
 * Three processes of known sizes, in the emulated host (root, module
 * loaded, nothing else running):
 *   holder     creates a buffer of HOLD bytes interleaved over the DRAM
 *              nodes, populated, never mapped, and waits;
 *   bystander  touches HOLD/2 bytes of anonymous memory and waits;
 *   hog        (oom_score_adj -1000, like this program: never a victim)
 *              touches anonymous memory, 8 MiB at a time, until it holds
 *              what the machine had available plus 256 MiB, or the
 *              holder's buffer was freed (a pipe only the keeper below
 *              keeps open reports it), then exits;
 * and the holder's keeper (-1000 too), a child of the holder that keeps the
 * buffer's fd until KEEP_MS after the holder died, then closes it.
 * The hog's demand exceeds what is free, so the OOM killer runs, once: the
 * holder is the victim, and its buffer comes back only KEEP_MS after its
 * address space (the window the kernel leaves between exit_mmap() and the
 * files' release, made wide): the module tells the OOM killer that memory
 * is on its way back (kmod/buf.c, "The OOM killer"), so it does not take
 * the bystander meanwhile, as it did without that, once in about ten runs
 * with the window the kernel leaves, and every time with this one.
 * The hog stops when the buffer was freed.  It must stop then, not go on
 * to its target: its anonymous memory refills DRAM first, and page tables and
 * other kernel allocations, which only DRAM zones serve, then ran the OOM
 * killer a second time (seen on 6.12; the CXL nodes still had 1.4 GiB
 * free).  The buffer is on DRAM because that is where the pressure is for
 * the kernel too: a buffer in a CXL node's ZONE_MOVABLE, once freed, gives
 * nothing a page table can use (GFP_KERNEL), and the next fault of the hog
 * had the OOM killer take the bystander after all.  Checked: before the
 * hog, /proc/PID/status of the holder shows the buffer (VmRSS, RssShmem:
 * what ps and top read) and the kernel's own /proc/PID/oom_score ranks the
 * holder above the bystander; after it, the holder died of SIGKILL, the
 * kernel log names it ("Killed process PID") and not the bystander, the
 * bystander lives, and the DRAM nodes' memory came back.
 *
 * The run makes the kernel print one OOM report: tests/stress/Makefile
 * runs this under `tests/vm/run --expect-oom 1`.  Prints "oom: N passed,
 * N failed" (tests/check.sh reads it).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/wait.h>

#include <linux/cxltier.h>

#include "../lib/cxlt_common.h"

/* stdout is unbuffered: a line per call, before any fork */
#define out(fmt, ...) printf(fmt "\n", ##__VA_ARGS__)

#define PROG		"oom"
#define HOLD		(1024ULL << 20)
#define HOG_CHUNK	(8ULL << 20)
#define HOG_EXTRA	(256ULL << 20)
#define SLACK_KB	(8 * 1024)	/* per-CPU counters, the test's own */
#define KEEP_MS		200		/* the buffer outlives its holder */
#define KEEPER_MAX_S	300

static unsigned int passed, failed;

static void check(bool ok, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
static void check(bool ok, const char *fmt, ...)
{
	char msg[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	out("%s: %s: %s", PROG, ok ? "ok" : "FAIL", msg);
	if (ok)
		passed++;
	else
		failed++;
}

static long read_long(const char *fmt, pid_t pid)
{
	char path[64], buf[64];

	snprintf(path, sizeof(path), fmt, (int)pid);
	if (read_text(path, buf, sizeof(buf)) < 0)
		return -1;
	return strtol(buf, NULL, 10);
}

static int set_oom_adj(pid_t pid, int adj)
{
	char path[64], v[16];

	snprintf(path, sizeof(path), "/proc/%d/oom_score_adj", (int)pid);
	snprintf(v, sizeof(v), "%d", adj);
	return write_text(path, v);
}

/*
 * A child that runs @fn, tells the parent through @ready, then waits.
 * @keep_fd (or -1): an fd the child keeps open and the parent closes.
 */
static pid_t spawn(int (*fn)(void *), void *arg, int *ready_fd, int keep_fd)
{
	int p[2];
	pid_t pid;

	if (pipe(p))
		return -1;
	pid = fork();
	if (pid < 0)
		return -1;
	if (!pid) {
		int r;

		close(p[0]);
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		/* victims may be chosen: the parent's -1000 is not theirs */
		if (set_oom_adj(getpid(), 0))
			_exit(3);
		r = fn(arg);
		if (write(p[1], r ? "E" : "R", 1) != 1)
			_exit(4);
		if (r)
			_exit(2);
		for (;;)
			pause();
	}
	close(p[1]);
	if (keep_fd >= 0)
		close(keep_fd);
	*ready_fd = p[0];
	return pid;
}

static int wait_ready(int fd)
{
	char c = 0;
	ssize_t n = read(fd, &c, 1);

	close(fd);
	return n == 1 && c == 'R' ? 0 : -1;
}

struct holder_arg {
	int dev;
	const struct topo *t;
	int dead_fd;		/* write end of the hog's "memory is back" pipe */
};

/*
 * The keeper: holds the holder's buffer (and @h->dead_fd) until KEEP_MS
 * after the holder died, then closes it, which frees the buffer, and
 * exits, which tells the hog.  Never a victim itself.
 */
static void keeper(const struct holder_arg *h, int buf_fd, int alive_fd)
{
	struct pollfd pfd = { .fd = alive_fd, .events = POLLIN };

	close(h->dev);
	/*
	 * Under the OOM it waits in, a fault for a page of its text that
	 * reclaim took would wait for memory that only its own close brings.
	 */
	if (set_oom_adj(getpid(), -1000) || mlockall(MCL_CURRENT))
		_exit(3);
	/* EOF once the holder died; bounded if the test itself is gone */
	poll(&pfd, 1, KEEPER_MAX_S * 1000);
	usleep(KEEP_MS * 1000);
	close(buf_fd);		/* the buffer is freed before close returns */
	_exit(0);
}

static int holder(void *arg)
{
	const struct holder_arg *h = arg;
	struct cxltier_node_weight nw[CXLTIER_MAX_POLICY_NODES] = {};
	struct cxltier_create c = {
		.size = sizeof(c),
		.length = HOLD,
		.mode = CXLTIER_MODE_INTERLEAVE,
		.flags = CXLTIER_CREATE_POPULATE,
		.page_shift = CXLTIER_HUGE_PAGE_SHIFT,
	};
	unsigned int i, n = 0;
	int fd, alive[2];
	pid_t kp;

	for (i = 0; i < h->t->nr && n < CXLTIER_MAX_POLICY_NODES; i++)
		if (h->t->nodes[i].tier == CXLTIER_TIER_DRAM)
			nw[n++].node = h->t->nodes[i].node;
	c.nr_nodes = n;
	c.nodes = (uintptr_t)nw;
	if (ioctl(h->dev, CXLTIER_IOC_CREATE, &c) < 0) {
		out("%s: holder: CREATE of %llu MiB on %u DRAM nodes: %s", PROG,
		    HOLD >> 20, n, strerror(errno));
		return -1;
	}
	fd = c.out_fd;
	if (pipe(alive))
		return -1;
	kp = fork();
	if (kp < 0)
		return -1;
	if (!kp) {
		close(alive[1]);
		keeper(h, fd, alive[0]);
	}
	/* the holder keeps its fd and alive[1]; the keeper the rest */
	close(alive[0]);
	close(h->dead_fd);
	return 0;
}

static int bystander(void *arg)
{
	size_t len = *(size_t *)arg, i;
	char *p = mmap(NULL, len, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	if (p == MAP_FAILED)
		return -1;
	for (i = 0; i < len; i += pgsz)
		p[i] = 1;
	return 0;
}

/*
 * Touches @want bytes of anonymous memory, a chunk at a time, then exits;
 * stops early (exit 3) once @dead_fd, whose write end only the keeper
 * keeps, says the holder's buffer was freed.
 */
static void hog(unsigned long long want, int dead_fd)
{
	unsigned long long got = 0;
	size_t i;

	while (got < want) {
		struct pollfd pfd = { .fd = dead_fd, .events = POLLIN };

		if (poll(&pfd, 1, 0) > 0)
			_exit(3);
		char *p = mmap(NULL, HOG_CHUNK, PROT_READ | PROT_WRITE,
			       MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE,
			       -1, 0);

		if (p == MAP_FAILED)
			_exit(2);
		for (i = 0; i < HOG_CHUNK; i += pgsz)
			p[i] = 1;
		got += HOG_CHUNK;
	}
	_exit(0);
}

/*
 * The kernel log since @k's mark: prints each kill, and says whether it
 * named @pid (*@killed) and @spare (*@spare_killed).
 */
static void log_kills(struct kmsg *k, pid_t pid, pid_t spare, bool *killed,
		      bool *spare_killed)
{
	char msg[1024], want[64], spare_want[64];

	snprintf(want, sizeof(want), "Killed process %d ", (int)pid);
	snprintf(spare_want, sizeof(spare_want), "Killed process %d ",
		 (int)spare);
	*killed = *spare_killed = false;
	while (kmsg_next(k, msg, sizeof(msg)) > 0)
		if (strstr(msg, "Killed process")) {
			out("%s: kernel: %s", PROG, msg);
			if (strstr(msg, want))
				*killed = true;
			if (strstr(msg, spare_want))
				*spare_killed = true;
		}
}

int main(void)
{
	size_t by_len = HOLD / 2;
	struct holder_arg ha;
	long long avail_kb;
	long hrss, hshm, brss, hscore, bscore;
	pid_t hp, bp, gp;
	int dev, fd, st, r, dead[2];
	struct kmsg k = { .fd = -1 };
	struct topo t;
	unsigned int i, ndram = 0;
	unsigned long long dram_free0 = 0, dram_free1 = 0;
	double t0;

	setvbuf(stdout, NULL, _IONBF, 0);
	dev = open(CXLTIER_DEVICE_PATH, O_RDWR | O_CLOEXEC);
	if (dev < 0 || topo_load(dev, &t)) {
		out("%s: cannot open %s or read its node table: %s", PROG,
		    CXLTIER_DEVICE_PATH, strerror(errno));
		out("%s: 0 passed, 1 failed", PROG);
		return 1;
	}
	for (i = 0; i < t.nr; i++)
		if (t.nodes[i].tier == CXLTIER_TIER_DRAM) {
			ndram++;
			dram_free0 += t.nodes[i].free_bytes;
		}
	if (!ndram || dram_free0 < HOLD + (256ULL << 20)) {
		out("%s: needs DRAM nodes with %llu MiB free (have %u nodes, %llu MiB)",
		    PROG, (HOLD >> 20) + 256, ndram, dram_free0 >> 20);
		out("%s: 0 passed, 1 failed", PROG);
		return 1;
	}
	if (set_oom_adj(getpid(), -1000)) {
		out("%s: cannot set oom_score_adj (root needed)", PROG);
		out("%s: 0 passed, 1 failed", PROG);
		return 1;
	}

	ha.dev = dev;
	ha.t = &t;
	if (pipe(dead)) {
		out("%s: pipe: %s", PROG, strerror(errno));
		out("%s: 0 passed, 1 failed", PROG);
		return 1;
	}
	ha.dead_fd = dead[1];
	hp = spawn(holder, &ha, &fd, dead[1]);	/* only the keeper keeps it */
	check(hp > 0 && !wait_ready(fd), "holder %d has a populated %llu MiB buffer",
	      (int)hp, HOLD >> 20);
	bp = spawn(bystander, &by_len, &fd, -1);
	check(bp > 0 && !wait_ready(fd), "bystander %d touched %zu MiB of anonymous memory",
	      (int)bp, by_len >> 20);
	if (failed)
		goto out;

	hrss = proc_status_kb(hp, "VmRSS");
	hshm = proc_status_kb(hp, "RssShmem");
	brss = proc_status_kb(bp, "VmRSS");
	hscore = read_long("/proc/%d/oom_score", hp);
	bscore = read_long("/proc/%d/oom_score", bp);
	out("%s: holder VmRSS %ld kB (RssShmem %ld kB), oom_score %ld; "
	    "bystander VmRSS %ld kB, oom_score %ld", PROG, hrss, hshm, hscore,
	    brss, bscore);
	check(hshm >= (long)(HOLD >> 10) - SLACK_KB &&
	      hshm <= (long)(HOLD >> 10) + SLACK_KB,
	      "the holder's RssShmem is its buffer: %ld kB for %llu kB", hshm,
	      HOLD >> 10);
	check(hrss >= hshm, "the holder's VmRSS counts it: %ld kB", hrss);
	check(hscore > bscore,
	      "the kernel ranks the holder first: oom_score %ld > %ld", hscore,
	      bscore);

	avail_kb = proc_kb("/proc/meminfo", "MemAvailable");
	if (kmsg_mark(&k))
		out("%s: no /dev/kmsg: the log check is skipped", PROG);
	out("%s: hog wants %lld MiB (MemAvailable %lld MiB + %llu MiB)", PROG,
	    (avail_kb >> 10) + (long long)(HOG_EXTRA >> 20), avail_kb >> 10,
	    HOG_EXTRA >> 20);
	t0 = now_s();
	gp = fork();
	if (!gp)
		hog((unsigned long long)avail_kb * 1024 + HOG_EXTRA, dead[0]);
	r = gp > 0 ? waitpid(gp, &st, 0) : -1;
	check(r == gp && WIFEXITED(st) &&
	      (WEXITSTATUS(st) == 0 || WEXITSTATUS(st) == 3),
	      "the hog %s (%.1f s)", r == gp && WIFEXITED(st) &&
	      WEXITSTATUS(st) == 3 ? "stopped when the buffer was freed" :
	      "got all it asked for", now_s() - t0);

	r = waitpid(hp, &st, WNOHANG);
	check(r == hp && WIFSIGNALED(st) && WTERMSIG(st) == SIGKILL,
	      "the holder was killed (%s)",
	      r != hp ? "still running" : WIFSIGNALED(st) ?
	      strsignal(WTERMSIG(st)) : "exited");
	r = waitpid(bp, &st, WNOHANG);
	check(r == 0, "the bystander lives (%s)",
	      r == 0 ? "running" : r == bp && WIFSIGNALED(st) ?
	      strsignal(WTERMSIG(st)) : "gone");
	if (k.fd >= 0) {
		bool h_killed, b_killed;

		/* a killed bystander not yet reaped would pass waitpid() */
		log_kills(&k, hp, bp, &h_killed, &b_killed);
		check(h_killed, "the kernel log names the holder, %d", (int)hp);
		check(!b_killed, "the kernel log does not name the bystander, %d",
		      (int)bp);
	}

	/* the buffer died with its holder: with the bystander gone too, the
	 * memory is back */
	if (bp > 0 && !kill(bp, SIGKILL))
		waitpid(bp, NULL, 0);
	bp = -1;
	for (i = 0; i < 100; i++) {
		struct topo now;
		unsigned int j;

		dram_free1 = 0;
		if (topo_load(dev, &now))
			break;
		for (j = 0; j < now.nr; j++)
			if (now.nodes[j].tier == CXLTIER_TIER_DRAM)
				dram_free1 += now.nodes[j].free_bytes;
		topo_free(&now);
		if (dram_free1 + (128ULL << 20) >= dram_free0)
			break;
		usleep(100 * 1000);
	}
	check(dram_free1 + (128ULL << 20) >= dram_free0,
	      "the DRAM nodes' memory came back: %llu of %llu MiB free",
	      dram_free1 >> 20, dram_free0 >> 20);
out:
	if (bp > 0) {
		kill(bp, SIGKILL);
		waitpid(bp, NULL, 0);
	}
	if (hp > 0) {
		kill(hp, SIGKILL);
		waitpid(hp, NULL, 0);
	}
	if (k.fd >= 0)
		close(k.fd);
	topo_free(&t);
	close(dev);
	out("%s: %u passed, %u failed", PROG, passed, failed);
	return failed ? 1 : 0;
}
