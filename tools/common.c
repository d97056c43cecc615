// SPDX-License-Identifier: GPL-2.0-only
/*
 * What tierctl's commands share (tierctl.h): error and usage messages,
 * option handling, opening libtier, the backend line, names.
 */
#include <errno.h>
#include <getopt.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "progress.h"
#include "tierctl.h"

/*
 * This run's error reporting: --json, --quiet, and the first error said,
 * for the JSON error object tc_finish() prints.
 */
#define TC_MAX_DETAILS	8
static struct {
	bool json, quiet;
	int err;			/* the first error's errno; 0: none */
	bool failed;			/* an error was said */
	char msg[1024];			/* the first error, without "tierctl CMD: " */
	char details[TC_MAX_DETAILS][512];	/* libtier's explanations */
	unsigned int nr_details;
} tc_state;

void tc_set_json(bool on)
{
	tc_state.json = on;
}

void tc_set_quiet(bool on)
{
	tc_state.quiet = on;
}

static void tc_vsay(const struct tc_cmd *cmd, int err, const char *fmt,
		    va_list ap)
{
	char msg[sizeof(tc_state.msg)];

	vsnprintf(msg, sizeof(msg), fmt, ap);
	tc_progress_end();	/* the message must not land inside the line */
	fprintf(stderr, "tierctl %s: %s\n", cmd->name, msg);
	if (tc_state.failed)
		return;
	tc_state.failed = true;
	tc_state.err = err < 0 ? -err : err;
	memcpy(tc_state.msg, msg, sizeof(msg));
}

void tc_error(const struct tc_cmd *cmd, const char *what, int err)
{
	tc_errorf_err(cmd, err, "%s: %s", what, strerror(err < 0 ? -err : err));
}

void tc_errorf(const struct tc_cmd *cmd, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	tc_vsay(cmd, 0, fmt, ap);
	va_end(ap);
}

void tc_errorf_err(const struct tc_cmd *cmd, int err, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	tc_vsay(cmd, err, fmt, ap);
	va_end(ap);
}

/* libtier's messages, as "tierctl CMD: libtier: MESSAGE" lines. */
static void tc_log(void *priv, int prio, const char *msg)
{
	const struct tc_cmd *cmd = priv;

	tc_progress_say("tierctl %s: libtier: %s\n", cmd->name, msg);
	if (prio <= TIER_LOG_ERR && tc_state.nr_details < TC_MAX_DETAILS)
		snprintf(tc_state.details[tc_state.nr_details++],
			 sizeof(tc_state.details[0]), "%s", msg);
}

void tc_log_default(const struct tc_cmd *cmd)
{
	/* what tier_open() and netlink handles say, before tc_ctx_log() */
	tier_set_log_default(tc_log, (void *)cmd,
			     tc_state.quiet ? TIER_LOG_ERR : TIER_LOG_WARNING);
}

void tc_ctx_log(const struct tc_cmd *cmd, struct tier_ctx *ctx)
{
	tc_log_default(cmd);	/* --quiet may have come since */
	tier_set_log(ctx, tc_log, (void *)cmd);
	/* errors and warnings; LIBTIER_LOG, when set, decides instead */
	tier_set_log_level(ctx, tc_state.quiet ? TIER_LOG_ERR : TIER_LOG_WARNING);
}

/* Whether @opts has a --json. */
static bool has_json(const struct option *opts)
{
	for (; opts && opts->name; opts++)
		if (!strcmp(opts->name, "json"))
			return true;
	return false;
}

void tc_scan_json(const struct tc_cmd *cmd, int argc, char **argv)
{
	const struct option *opts = cmd->opts;
	const struct tc_sub *sub;
	int i;

	/* a command with subcommands (bench, pool): the named one's options */
	if (cmd->subs && argc > 1)
		for (sub = cmd->subs; sub->name; sub++)
			if (!strcmp(sub->name, argv[1]))
				opts = sub->opts;
	if (!has_json(opts))
		return;
	for (i = 1; i < argc && strcmp(argv[i], "--"); i++)
		if (!strcmp(argv[i], "--json"))
			tc_set_json(true);
}

int tc_finish(const struct tc_cmd *cmd, int status)
{
	const char *code = NULL;
	struct json j;
	unsigned int i;

	/*
	 * A command that has printed its JSON answer and then fails (plan:
	 * no strategy fits) keeps stdout one document: its own.
	 */
	if (!status || !tc_state.json || !tc_state.failed || json_stdout_used)
		return status;
	if (tc_state.err)
		code = strerrorname_np(tc_state.err);
	fflush(stdout);
	json_init(&j, stdout);
	json_obj_open(&j, NULL);
	json_obj_open(&j, "error");
	json_str(&j, "command", cmd->name);
	if (tc_state.err)
		json_i64(&j, "errno", tc_state.err);
	else
		json_null(&j, "errno");
	json_str(&j, "code", code);
	json_str(&j, "message", tc_state.msg);
	json_arr_open(&j, "details");
	for (i = 0; i < tc_state.nr_details; i++)
		json_str(&j, NULL, tc_state.details[i]);
	json_arr_close(&j);
	json_obj_close(&j);
	json_obj_close(&j);
	fflush(stdout);
	return status;
}

void tc_usage(const struct tc_cmd *cmd, int to_stdout)
{
	FILE *f = to_stdout ? stdout : stderr;

	fprintf(f, "usage: %s\n", cmd->usage);
	if (to_stdout && cmd->help[0])
		fprintf(f, "\n%s", cmd->help);
}

int tc_bad_option(const struct tc_cmd *cmd, char **argv, int c)
{
	tc_errorf_err(cmd, -EINVAL, "option '%s': %s", argv[optind - 1],
		  c == ':' ? "missing argument" : "unknown option");
	tc_usage(cmd, 0);
	return 1;
}

int tc_other_option(const struct tc_cmd *cmd, char **argv, int c)
{
	if (c == 'h') {
		tc_usage(cmd, 1);
		return 0;
	}
	return tc_bad_option(cmd, argv, c);
}

const struct option tc_json_opts[] = {
	{ "json", no_argument, NULL, 'j' },
	TC_OPTS_END,
};

int tc_getopt(const struct tc_cmd *cmd, int argc, char **argv)
{
	return getopt_long(argc, argv, ":h", cmd->opts, NULL);
}

int tc_json_only_options(const struct tc_cmd *cmd, int argc, char **argv,
			 bool *json)
{
	int c;

	*json = false;
	optind = 1;
	while ((c = tc_getopt(cmd, argc, argv)) != -1) {
		if (c != 'j')
			return tc_other_option(cmd, argv, c);
		*json = true;
		tc_set_json(true);
	}
	return -1;
}

int tc_extra_args(const struct tc_cmd *cmd, int argc, char **argv)
{
	if (optind >= argc)
		return 0;
	tc_errorf_err(cmd, -EINVAL, "%s: unexpected argument", argv[optind]);
	tc_usage(cmd, 0);
	return 1;
}

int tc_parse_policy(const struct tc_cmd *cmd, const char *what,
		    const char *arg, struct tier_policy *p, char *canon,
		    size_t len)
{
	return tc_parse_policy_on(cmd, NULL, what, arg, p, canon, len);
}

int tc_parse_host_policy(const struct tc_cmd *cmd, const char *what,
			 const char *arg, struct tier_policy *p, char *canon,
			 size_t len)
{
	struct tier_ctx *ctx = NULL;
	int ret;

	/* tier names need the topology: a context only for them */
	if (!tier_policy_parse(arg, p))
		return tc_parse_policy_on(cmd, NULL, what, arg, p, canon, len);
	if (tier_open(&ctx, 0))
		ctx = NULL;
	if (ctx)
		tc_ctx_log(cmd, ctx);
	ret = tc_parse_policy_on(cmd, ctx, what, arg, p, canon, len);
	if (!ret && ctx) {
		char got[TIER_POLICY_STRLEN];

		if (tier_policy_format(p, got, sizeof(got)) >= 0 &&
		    strcmp(got, arg))
			fprintf(stderr, "tierctl %s: %s%s%s is %s on this host\n",
				cmd->name, what,
				*what && what[strlen(what) - 1] == '=' ? "" : " ",
				arg, got);
	}
	tier_close(ctx);
	return ret;
}

int tc_parse_policy_on(const struct tc_cmd *cmd, const struct tier_ctx *ctx,
		       const char *what, const char *arg,
		       struct tier_policy *p, char *canon, size_t len)
{
	int err = tier_policy_parse_ctx(ctx, arg, p);

	if (err) {
		char why[256];

		if (!tier_policy_explain_ctx(ctx, arg, why, sizeof(why)) || !why[0])
			snprintf(why, sizeof(why), "%s", strerror(-err));
		/* "--policy X: ..." but "file:3: policy=X: ..." */
		tc_errorf_err(cmd, err, "%s%s%s: %s (policies: tierctl help alloc)", what,
			  *what && what[strlen(what) - 1] == '=' ? "" : " ",
			  arg, why);
		return 1;
	}
	if (canon) {
		/* @canon may be @arg */
		char tmp[TIER_POLICY_STRLEN];

		if (tier_policy_format(p, tmp, sizeof(tmp)) >= 0)
			snprintf(canon, len, "%s", tmp);
		else if (canon != arg)
			snprintf(canon, len, "%s", arg);
	}
	return 0;
}

int tc_print_table(const struct tc_cmd *cmd, struct table *t)
{
	int err = table_print(t, stdout);

	table_free(t);
	if (err)
		tc_error(cmd, "print table", err);
	return err ? 1 : 0;
}

int tc_open(const struct tc_cmd *cmd, struct tier_ctx **ctx)
{
	int err = tier_open(ctx, 0);

	if (err) {
		struct tier_explain e = {
			.op = TIER_EXPLAIN_OPEN, .err = err,
		};
		char why[512];

		/* no context yet to log to: libtier's words, said here */
		if (!tier_explain(&e, why, sizeof(why)))
			tc_log((void *)cmd, TIER_LOG_ERR, why);
		if (err == -EINVAL && getenv("LIBTIER_BACKEND"))
			tc_errorf_err(cmd, err, "open libtier: LIBTIER_BACKEND=%s: %s",
				      getenv("LIBTIER_BACKEND"), strerror(-err));
		else if (err == -ENOENT || err == -ENODEV || err == -ENXIO ||
			 err == -EACCES || err == -EPERM)
			tc_errorf_err(cmd, err, "open %s: %s", CXLTIER_DEVICE_PATH,
				      strerror(-err));
		else
			tc_error(cmd, "open libtier", err);
		return 1;
	}
	tc_ctx_log(cmd, *ctx);
	return 0;
}

void tc_print_backend(FILE *f, const struct tier_ctx *ctx)
{
	int merr = tier_module_error(ctx);

	fprintf(f, "backend: %s", tier_backend_name(ctx));
	if (tier_backend(ctx) == TIER_BACKEND_MODULE) {
		struct tier_info info;

		tier_get_info(ctx, &info);
		fprintf(f, " (%s, API %u)", CXLTIER_DEVICE_PATH, info.api_version);
	} else if (merr) {
		fprintf(f, " (fallback: %s: %s)", CXLTIER_DEVICE_PATH,
			strerror(-merr));
	}
	fputc('\n', f);
}

void tc_json_backend(struct json *j, const struct tier_ctx *ctx)
{
	int merr = tier_module_error(ctx);
	struct tier_info info;

	tier_get_info(ctx, &info);
	json_str(j, "backend", tier_backend_name(ctx));
	if (tier_backend(ctx) == TIER_BACKEND_MODULE)
		json_u64(j, "api_version", info.api_version);
	else
		json_null(j, "api_version");
	json_str(j, "module_error", merr ? strerror(-merr) : NULL);
}

const char *tc_mode_name(uint32_t mode)
{
	const char *name = tier_mode_name(mode);

	return name ? name : "?";
}

/* libtier's names ("dram", "cxl"): the policies' and Python's spelling */
const char *tc_tier_name(unsigned int tier)
{
	const char *name = tier_tier_name(tier);

	return name ? name : "?";
}
