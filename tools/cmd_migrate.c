// SPDX-License-Identifier: GPL-2.0-only
/*
 * tierctl migrate: move a live buffer, held by some process of the calling
 * user, to a new policy (CXLTIER_IOC_MIGRATE).
 *
 * Finding the buffer: every cxltier buffer is a file named "cxltier:[INO]"
 * (kmod/buf.c), so /proc/PID/fd/N links with that name are candidates; the
 * fd is copied into this process with pidfd_getfd(2) and its BUF_STAT id
 * compared with --buffer.  pidfd_getfd needs ptrace rights over the holder
 * (PTRACE_MODE_ATTACH_REALCREDS): that is the permission model, the same
 * as a debugger's.  Processes of other users are not looked at (root looks
 * at every process).
 */
#include <dirent.h>
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <pthread.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>

#include "table.h"
#include "progress.h"
#include "tierctl.h"
#include "util.h"

#ifndef SYS_pidfd_open
#define SYS_pidfd_open		434
#endif
#ifndef SYS_pidfd_getfd
#define SYS_pidfd_getfd		438
#endif

#define BUF_LINK_PREFIX		"cxltier:["

struct found {
	pid_t pid;
	int remote_fd;
	int fd;			/* ours, from pidfd_getfd */
	int denied;		/* candidates we were not allowed to take */
	int denied_err;
};

static bool all_digits(const char *s)
{
	if (!*s)
		return false;
	for (; *s; s++)
		if (*s < '0' || *s > '9')
			return false;
	return true;
}

/* The buffer id behind our fd @fd, or 0 when it is not a buffer. */
static uint64_t buf_id_of(int fd)
{
	struct cxltier_buf_stat s;

	memset(&s, 0, sizeof(s));
	s.size = sizeof(s);
	if (ioctl(fd, CXLTIER_IOC_BUF_STAT, &s))
		return 0;
	return s.id;
}

/* Look in one process; 1 when found (f->fd set), 0 when not. */
static int scan_pid(pid_t pid, uint64_t id, struct found *f)
{
	char path[300], link[128];
	struct dirent *de;
	int pidfd = -1, ret = 0;
	DIR *d;

	snprintf(path, sizeof(path), "/proc/%d/fd", (int)pid);
	d = opendir(path);
	if (!d)
		return 0;	/* gone, or not ours to read */
	while ((de = readdir(d))) {
		char fdpath[600];
		ssize_t n;
		int fd;

		if (!all_digits(de->d_name))
			continue;
		snprintf(fdpath, sizeof(fdpath), "%s/%s", path, de->d_name);
		n = readlink(fdpath, link, sizeof(link) - 1);
		if (n <= 0)
			continue;
		link[n] = '\0';
		if (strncmp(link, BUF_LINK_PREFIX, strlen(BUF_LINK_PREFIX)))
			continue;
		if (pidfd < 0) {
			pidfd = (int)syscall(SYS_pidfd_open, pid, 0);
			if (pidfd < 0) {
				f->denied++;
				f->denied_err = errno;
				break;
			}
		}
		fd = (int)syscall(SYS_pidfd_getfd, pidfd, atoi(de->d_name), 0);
		if (fd < 0) {
			f->denied++;
			f->denied_err = errno;
			continue;
		}
		if (buf_id_of(fd) == id) {
			f->pid = pid;
			f->remote_fd = atoi(de->d_name);
			f->fd = fd;
			ret = 1;
			break;
		}
		close(fd);
	}
	if (pidfd >= 0)
		close(pidfd);
	closedir(d);
	return ret;
}

/* Scan @pid (0: every process of this user) for buffer @id. */
static int find_buffer(uint64_t id, pid_t only, struct found *f)
{
	struct dirent *de;
	uid_t uid = getuid();
	DIR *d;

	memset(f, 0, sizeof(*f));
	f->fd = -1;
	if (only)
		return scan_pid(only, id, f);
	d = opendir("/proc");
	if (!d)
		return -errno;
	while ((de = readdir(d))) {
		char path[300];
		struct stat st;

		if (!all_digits(de->d_name))
			continue;
		snprintf(path, sizeof(path), "/proc/%s", de->d_name);
		if (stat(path, &st) || (uid && st.st_uid != uid))
			continue;
		if (scan_pid((pid_t)atoi(de->d_name), id, f))
			break;
	}
	closedir(d);
	return f->fd >= 0;
}

/* ------------------------------------------------------------------------ */
/* Progress                                                                   */

struct prog {
	struct tier_buf *buf;
	uint64_t total;
	volatile int done;
};

static void *progress_thread(void *arg)
{
	struct prog *p = arg;
	struct tier_migrate_result r;
	char s1[SIZE_STRLEN], s2[SIZE_STRLEN];
	int i;

	tc_progress_begin("tierctl migrate", (double)p->total, false);
	while (!p->done) {
		for (i = 0; i < 5 && !p->done; i++)
			usleep(100 * 1000);
		if (p->done || tier_buf_migrate_status(p->buf, &r))
			break;
		tc_progress_at((double)(r.moved_bytes + r.skipped_bytes +
					r.failed_bytes));
		tc_progress_note("moved %s of %s resident, skipped %llu, failed %llu pages",
				 format_size(r.moved_bytes, s1, sizeof(s1)),
				 format_size(p->total, s2, sizeof(s2)),
				 (unsigned long long)(r.skipped_bytes / 4096),
				 (unsigned long long)(r.failed_bytes / 4096));
	}
	tc_progress_end();
	return NULL;
}

static void on_sigint(int sig)
{
	(void)sig;	/* only to interrupt the ioctl: -EINTR, counts kept */
}

/* ------------------------------------------------------------------------ */
/* The command                                                                */

static void print_result(const struct tc_cmd *cmd, const struct found *f,
			 uint64_t id, const char *before, const char *after,
			 bool async, uint64_t rate,
			 const struct tier_migrate_result *r, size_t page)
{
	static const char *const hdr[] = { "PAGES", "BYTES", "SIZE", "WHAT" };
	char sz[SIZE_STRLEN];
	struct table t;
	(void)cmd;

	printf("buffer %llu (pid %d, fd %d): %s -> %s%s", (unsigned long long)id,
	       (int)f->pid, f->remote_fd, before, after,
	       async ? ", asynchronous" : "");
	if (rate)
		printf(", at most %s/s", format_size(rate, sz, sizeof(sz)));
	printf("\n");
	if (async) {
		printf("started; BUF_STAT (tierctl alloc --json of the holder, or libtier's tier_buf_migrate_status()) and poll() on the buffer fd report its end\n");
		return;
	}
	table_init(&t, 4, hdr, TABLE_RIGHT(0) | TABLE_RIGHT(1) | TABLE_RIGHT(2));
	table_add(&t, "%llu", (unsigned long long)(r->moved_bytes / page));
	table_add(&t, "%llu", (unsigned long long)r->moved_bytes);
	table_add(&t, "%s", format_size(r->moved_bytes, sz, sizeof(sz)));
	table_add(&t, "moved to the new policy's nodes");
	table_add(&t, "%llu", (unsigned long long)(r->skipped_bytes / page));
	table_add(&t, "%llu", (unsigned long long)r->skipped_bytes);
	table_add(&t, "%s", format_size(r->skipped_bytes, sz, sizeof(sz)));
	table_add(&t, "skipped: long-term pinned, left in place");
	table_add(&t, "%llu", (unsigned long long)(r->failed_bytes / page));
	table_add(&t, "%llu", (unsigned long long)r->failed_bytes);
	table_add(&t, "%s", format_size(r->failed_bytes, sz, sizeof(sz)));
	table_add(&t, "failed: no memory on the target, or busy");
	table_print(&t, stdout);
	table_free(&t);
	printf("time: %.1f ms (%.2f GB/s moved)%s\n", r->elapsed_ns / 1e6,
	       r->elapsed_ns ? (double)r->moved_bytes / (double)r->elapsed_ns : 0.0,
	       r->error == -EINTR ? "; interrupted: the new policy is in place, run it again to finish" : "");
}

static void print_json(const struct tier_ctx *ctx, const struct found *f,
		       uint64_t id, const char *before, const char *after,
		       bool async, uint64_t rate,
		       const struct tier_migrate_result *r, size_t page)
{
	struct json j;

	json_init(&j, stdout);
	json_obj_open(&j, NULL);
	tc_json_backend(&j, ctx);
	json_u64(&j, "buffer", id);
	json_i64(&j, "pid", f->pid);
	json_i64(&j, "fd", f->remote_fd);
	json_str(&j, "policy_before", before);
	json_str(&j, "policy", after);
	json_bool(&j, "async", async);
	json_u64(&j, "rate_bytes", rate);
	json_str(&j, "state", r->state == CXLTIER_MIGRATE_STATE_RUNNING ?
		 "running" : "done");
	json_i64(&j, "error", r->error);
	json_u64(&j, "moved_bytes", r->moved_bytes);
	json_u64(&j, "moved_pages", r->moved_bytes / page);
	json_u64(&j, "skipped_bytes", r->skipped_bytes);
	json_u64(&j, "skipped_pages", r->skipped_bytes / page);
	json_u64(&j, "failed_bytes", r->failed_bytes);
	json_u64(&j, "failed_pages", r->failed_bytes / page);
	json_u64(&j, "elapsed_ns", r->elapsed_ns);
	json_obj_close(&j);
}

enum { OPT_BUFFER = 256, OPT_POLICY, OPT_RATE, OPT_ASYNC, OPT_PID,
       OPT_SPLIT, OPT_JSON, OPT_QUIET };

static const struct option migrate_opts[] = {
	{ "buffer", required_argument, NULL, OPT_BUFFER },
	{ "policy", required_argument, NULL, OPT_POLICY },
	{ "rate", required_argument, NULL, OPT_RATE },
	{ "async", no_argument, NULL, OPT_ASYNC },
	{ "pid", required_argument, NULL, OPT_PID },
	{ "split-huge", no_argument, NULL, OPT_SPLIT },
	{ "json", no_argument, NULL, OPT_JSON },
	{ "quiet", no_argument, NULL, OPT_QUIET },
	TC_OPTS_END,
};

static int migrate_run(const struct tc_cmd *cmd, int argc, char **argv)
{
	uint64_t id = 0, rate = 0, pid = 0;
	const char *policy_arg = NULL;
	bool async = false, json = false, quiet = false;
	char before[TIER_POLICY_STRLEN], after[TIER_POLICY_STRLEN], what[TIER_POLICY_STRLEN + 64];
	struct tier_migrate_result r;
	struct tier_buf_stat st;
	struct tier_policy p;
	struct tier_ctx *ctx;
	struct tier_buf *buf = NULL;
	struct found f;
	uint32_t flags = 0;
	size_t page = (size_t)sysconf(_SC_PAGESIZE);
	int c, err, ret = 1;

	opterr = 0;
	while ((c = tc_getopt(cmd, argc, argv)) != -1) {
		switch (c) {
		case OPT_BUFFER:
			if (parse_uint(optarg, UINT64_MAX, &id) || !id) {
				tc_errorf(cmd, "--buffer %s: not a buffer id (BUF_STAT's id, from 1)",
					  optarg);
				return 1;
			}
			break;
		case OPT_POLICY:
			policy_arg = optarg;
			break;
		case OPT_RATE:
			if (tier_size_parse(optarg, &rate)) {
				tc_errorf(cmd, "--rate %s: not bytes per second (e.g. 100M)",
					  optarg);
				return 1;
			}
			break;
		case OPT_PID:
			if (parse_uint(optarg, INT_MAX, &pid) || !pid) {
				tc_errorf(cmd, "--pid %s: not a process id", optarg);
				return 1;
			}
			break;
		case OPT_ASYNC: async = true; break;
		case OPT_SPLIT: flags |= CXLTIER_MIGRATE_SPLIT_HUGE; break;
		case OPT_JSON: json = true; break;
		case OPT_QUIET: quiet = true; tc_set_quiet(true); break;
		default:
			return tc_other_option(cmd, argv, c);
		}
	}
	if (tc_extra_args(cmd, argc, argv))
		return 1;
	if (!id || !policy_arg) {
		tc_errorf(cmd, "--buffer and --policy are required");
		tc_usage(cmd, 0);
		return 1;
	}
	if (tc_parse_host_policy(cmd, "--policy", policy_arg, &p, NULL, 0))
		return 1;
	if (async)
		flags |= CXLTIER_MIGRATE_ASYNC;

	if (tc_open(cmd, &ctx))
		return 1;
	if (tier_backend(ctx) != TIER_BACKEND_MODULE) {
		tc_errorf_err(cmd, -EOPNOTSUPP, "needs the cxltier module (backend is %s): only module buffers can be migrated",
			  tier_backend_name(ctx));
		goto out_ctx;
	}
	err = find_buffer(id, (pid_t)pid, &f);
	if (err < 0) {
		tc_error(cmd, "scan /proc", err);
		goto out_ctx;
	}
	if (!err) {
		if (f.denied)
			tc_errorf(cmd, "buffer %llu: not found; %d buffer fd(s) of %s could not be taken: %s (pidfd_getfd needs ptrace rights over the holder)",
				  (unsigned long long)id, f.denied,
				  pid ? "that process" : "your processes",
				  strerror(f.denied_err));
		else
			tc_errorf(cmd, "buffer %llu: no process %s holds it",
				  (unsigned long long)id,
				  pid ? "with that pid" : "of yours");
		goto out_ctx;
	}
	err = tier_buf_from_fd(ctx, f.fd, &buf);
	if (err) {
		tc_error(cmd, "buffer handle", err);
		goto out_ctx;
	}
	err = tier_buf_stat(buf, &st);
	if (err) {
		tc_error(cmd, "stat buffer", err);
		goto out;
	}
	if (tier_policy_format(&st.policy, before, sizeof(before)) < 0)
		snprintf(before, sizeof(before), "?");
	/* page= and the flags are the buffer's: take them from it */
	if ((p.page_shift && p.page_shift != st.page_shift) ||
	    (p.flags && p.flags != st.create_flags)) {
		tc_errorf(cmd, "--policy %s: the page size and flags (fallback, pinnable, ...) of a buffer cannot change; it has %s",
			  policy_arg, before);
		goto out;
	}
	p.flags = st.create_flags;
	p.page_shift = st.policy.page_shift;
	if (tier_policy_format(&p, after, sizeof(after)) < 0)
		snprintf(after, sizeof(after), "%s", policy_arg);

	{
		struct sigaction sa;
		struct prog pr = { .buf = buf, .total = st.resident_bytes };
		pthread_t th;
		sigset_t all, old;
		bool show = !async && !quiet && isatty(2);

		memset(&sa, 0, sizeof(sa));
		sa.sa_handler = on_sigint;	/* no SA_RESTART: -EINTR */
		sigemptyset(&sa.sa_mask);
		sigaction(SIGINT, &sa, NULL);
		sigaction(SIGTERM, &sa, NULL);
		if (show) {
			/* signals go to this thread, the one in the ioctl */
			sigfillset(&all);
			pthread_sigmask(SIG_BLOCK, &all, &old);
			if (pthread_create(&th, NULL, progress_thread, &pr))
				show = false;
			pthread_sigmask(SIG_SETMASK, &old, NULL);
		}
		err = tier_buf_migrate(buf, &p, flags, rate, &r);
		if (show) {
			pr.done = 1;
			pthread_join(th, NULL);
		}
	}
	if (err && err != -EINTR) {
		snprintf(what, sizeof(what), "buffer %llu: migrate to %s",
			 (unsigned long long)id, after);
		/* libtier has said why, with the figures */
		tc_error(cmd, what, err);
		goto out;
	}
	if (json)
		print_json(ctx, &f, id, before, after, async, rate, &r, page);
	else
		print_result(cmd, &f, id, before, after, async, rate, &r, page);
	ret = err ? 1 : 0;
out:
	tier_buf_destroy(buf);
out_ctx:
	tier_close(ctx);
	return ret;
}

const struct tc_cmd cmd_migrate = {
	.name = "migrate", .run = migrate_run, .opts = migrate_opts,
	.summary = "move a live buffer of one of your processes to a new policy",
	.usage = "tierctl migrate --buffer ID --policy POLICY [--rate BYTES/s] [--async] [--split-huge] [--pid PID] [--quiet] [--json]",
	.help =
"Gives the cxltier buffer ID (BUF_STAT's id, as tierctl alloc prints it)\n"
"a new policy and moves its pages to match while its owner keeps using it\n"
"(CXLTIER_IOC_MIGRATE).  The buffer is found among the open files of your\n"
"processes (root: all processes) and taken with pidfd_getfd(2), which\n"
"needs ptrace rights over the holder.  Prints the pages and bytes moved,\n"
"skipped (long-term pinned: they stay) and failed (no memory on the\n"
"target, or busy), and the time.  Exit status 1 when the migration could\n"
"not start or was interrupted (Ctrl-C stops it between 2 MiB batches; the\n"
"new policy stays, so running it again finishes the job).\n"
"\n"
"  --buffer ID       the buffer's id\n"
"  --policy POLICY   the new placement, as for tierctl alloc (page= and the\n"
"                    flags cannot change and may be left out)\n"
"  --rate BYTES/s    at most this many bytes per second, e.g. 100M\n"
"  --async           start it and return; BUF_STAT and poll() report the end\n"
"  --split-huge      2 MiB units may move as 4 KiB pages when the target has\n"
"                    no free 2 MiB block (else they are counted as failed)\n"
"  --pid PID         look only in this process\n"
"  --quiet           no progress on stderr (shown on a terminal only)\n"
"  --json            JSON, sizes in exact bytes\n",
};
