// SPDX-License-Identifier: GPL-2.0-only
/*
 * tierctl run: run a program unchanged with its large allocations served
 * by cxltier (transparent mode): LD_PRELOAD of libtier-preload.so, set up
 * by environment variables (libtier/preload.c lists them), then exec.
 */
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "tierctl.h"
#include "util.h"

#ifndef TIERCTL_PRELOADDIR
#define TIERCTL_PRELOADDIR	"/usr/local/lib"
#endif
#define PRELOAD_NAME	"libtier-preload.so"

/*
 * The preload library: $LIBTIER_PRELOAD_LIB; else beside this tierctl
 * (BIN/../lib, the build tree and a PREFIX install); else the PRELOADDIR
 * tierctl was built for (libtier/libtier.mk).
 */
static int find_preload(const struct tc_cmd *cmd, char *out, size_t len)
{
	const char *env = getenv("LIBTIER_PRELOAD_LIB");
	char exe[PATH_MAX], *slash;
	ssize_t n;

	if (env && *env) {
		if (access(env, R_OK)) {
			tc_errorf(cmd, "LIBTIER_PRELOAD_LIB=%s: %s", env, strerror(errno));
			return -1;
		}
		snprintf(out, len, "%s", env);
		return 0;
	}
	n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	if (n > 0) {
		exe[n] = '\0';
		slash = strrchr(exe, '/');
		if (slash) {
			*slash = '\0';
			if ((size_t)snprintf(out, len, "%s/../lib/%s", exe,
					     PRELOAD_NAME) < len &&
			    !access(out, R_OK))
				return 0;
		}
	}
	snprintf(out, len, "%s/%s", TIERCTL_PRELOADDIR, PRELOAD_NAME);
	if (!access(out, R_OK))
		return 0;
	tc_errorf(cmd, "%s: not found beside tierctl nor in %s (set LIBTIER_PRELOAD_LIB)",
		  PRELOAD_NAME, TIERCTL_PRELOADDIR);
	return -1;
}

enum { OPT_POLICY = 256, OPT_THRESHOLD, OPT_STRICT, OPT_REPORT };

static const struct option run_opts[] = {
	{ "policy", required_argument, NULL, OPT_POLICY },
	{ "threshold", required_argument, NULL, OPT_THRESHOLD },
	{ "strict", no_argument, NULL, OPT_STRICT },
	{ "report", no_argument, NULL, OPT_REPORT },
	TC_OPTS_END,
};

static int run_run(const struct tc_cmd *cmd, int argc, char **argv)
{
	char lib[PATH_MAX], num[32], canon[TIER_POLICY_STRLEN];
	char what[TIER_POLICY_STRLEN + 32], *preload;
	const char *policy_arg = NULL, *old;
	bool strict = false, report = false;
	uint64_t threshold = 1 << 20;
	struct tier_arena *arena;
	struct tier_policy p;
	struct tier_ctx *ctx;
	int c, err;

	opterr = 0;
	/* '+': options end at the command */
	while ((c = getopt_long(argc, argv, "+:h", cmd->opts, NULL)) != -1) {
		switch (c) {
		case OPT_POLICY: policy_arg = optarg; break;
		case OPT_THRESHOLD:
			err = tier_size_parse(optarg, &threshold);
			if (err || !threshold) {
				tc_errorf(cmd, "--threshold %s: %s", optarg,
					  err == -ERANGE ? "too large" :
					  "not a size of at least 1 byte (e.g. 4096, 64K, 1M)");
				return 1;
			}
			break;
		case OPT_STRICT: strict = true; break;
		case OPT_REPORT: report = true; break;
		default:
			return tc_other_option(cmd, argv, c);
		}
	}
	if (!policy_arg) {
		tc_errorf(cmd, "--policy: missing (e.g. --policy bind:2)");
		tc_usage(cmd, 0);
		return 1;
	}
	if (optind >= argc) {
		tc_errorf(cmd, "no command to run (tierctl run --policy P -- CMD ARGS...)");
		tc_usage(cmd, 0);
		return 1;
	}
	if (tc_parse_host_policy(cmd, "--policy", policy_arg, &p, canon,
			    sizeof(canon)))
		return 1;
	/* what the program's arena will do, tried here, where errors are clear */
	if (tc_open(cmd, &ctx))
		return 1;
	err = tier_arena_create(ctx, &p, NULL, &arena);
	if (err) {
		snprintf(what, sizeof(what), "policy %s", canon);
		tc_error(cmd, what, err);
		tier_close(ctx);
		return 1;
	}
	tier_arena_destroy(arena);
	tier_close(ctx);
	if (find_preload(cmd, lib, sizeof(lib)))
		return 1;

	old = getenv("LD_PRELOAD");
	if (old && *old) {
		if (asprintf(&preload, "%s:%s", lib, old) < 0) {
			tc_error(cmd, "LD_PRELOAD", -ENOMEM);
			return 1;
		}
	} else {
		preload = lib;
	}
	snprintf(num, sizeof(num), "%llu", (unsigned long long)threshold);
	if (setenv("LD_PRELOAD", preload, 1) ||
	    setenv("LIBTIER_PRELOAD_POLICY", canon, 1) ||
	    setenv("LIBTIER_PRELOAD_THRESHOLD", num, 1) ||
	    (strict && setenv("LIBTIER_PRELOAD_STRICT", "1", 1)) ||
	    (report && setenv("LIBTIER_PRELOAD_REPORT", "1", 1))) {
		tc_error(cmd, "environment", -errno);
		return 1;
	}
	execvp(argv[optind], argv + optind);
	err = errno;
	tc_errorf(cmd, "%s: %s", argv[optind], strerror(err));
	/* as env(1) and nice(1): 127 not found, 126 found but not run */
	exit(err == ENOENT ? 127 : 126);
}

const struct tc_cmd cmd_run = {
	.name = "run", .run = run_run, .opts = run_opts,
	.summary = "run a program with its large allocations on cxltier (transparent mode)",
	.usage = "tierctl run --policy POLICY [--threshold BYTES] [--strict] [--report] -- CMD [ARGS...]",
	.help =
"Runs CMD unchanged, with every malloc, calloc, realloc, posix_memalign,\n"
"aligned_alloc, memalign, valloc and pvalloc of at least BYTES served by a\n"
"libtier arena under POLICY (LD_PRELOAD of libtier-preload.so); smaller ones\n"
"go to the program's malloc as before.  free() and realloc() route by\n"
"address.  The policy is tried first, so a bad one fails here.  The exit\n"
"status is CMD's; 127 when CMD is not found, 126 when it cannot run.\n"
"\n"
"  --policy POLICY    placement (libtier.h has the grammar), e.g. bind:2,\n"
"                     interleave:2,3,chunk=2M, split:0=25%,2=75%\n"
"  --threshold BYTES  smallest allocation served by cxltier (default 1M)\n"
"  --strict           a large allocation cxltier cannot serve fails (NULL,\n"
"                     ENOMEM) instead of falling back to malloc\n"
"  --report           at exit, one line on stderr: allocations served,\n"
"                     fallbacks, bytes resident per node\n"
"\n"
"With fork() without exec, a child shares its parent's large allocations\n"
"(the memory is MAP_SHARED); it never allocates from the parent's slabs.\n"
"Each large allocation holds a file descriptor while it lives.\n",
};
