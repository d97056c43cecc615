/* SPDX-License-Identifier: GPL-2.0-only */
/* tierctl: what its commands share. */
#ifndef TIERCTL_H
#define TIERCTL_H

#include <getopt.h>
#include <stdbool.h>
#include <stdio.h>

#include "libtier.h"
#include "json.h"
#include "table.h"

struct tc_cmd;

/*
 * A subcommand ("tierctl bench NAME", "tierctl pool NAME"): its name, its
 * own option table (NULL: the command's), and for a command that
 * dispatches through this table its entry point (argv[0] is NAME).
 */
struct tc_sub {
	const char *name;
	const struct option *opts;
	int (*run)(const struct tc_cmd *cmd, int argc, char **argv);
};

/*
 * A command: what "tierctl help" lists, what --help prints, its options
 * and its entry point.  Each cmd_*.c defines its own; tierctl.c lists them
 * and dispatches.  @run gets argv with the command's name in argv[0] and
 * returns the exit status, 0 or 1.  Options are parsed with tc_getopt()
 * (getopt_long() over @opts); --help prints @usage and @help.  The same
 * fields make the COMMANDS section of tierctl(8) and what bash completion
 * offers ("tierctl help --roff", "help --list": tierctl.c), so the help
 * text is the manual's text: document every option of @opts (and of
 * @subs) in @usage or @help.
 */
struct tc_cmd {
	const char *name;
	const char *summary;	/* one line for "tierctl help" */
	const char *usage;	/* "tierctl NAME ..." synopsis */
	const char *help;	/* options and details */
	const struct option *opts;	/* ends in TC_OPTS_END; NULL: none */
	int (*run)(const struct tc_cmd *cmd, int argc, char **argv);
	const struct tc_sub *subs;	/* ends in a NULL name; NULL: none */
};

extern const struct tc_cmd cmd_topo, cmd_alloc, cmd_bench, cmd_run;
extern const struct tc_cmd cmd_plan, cmd_model, cmd_migrate, cmd_pool;
extern const struct tc_cmd cmd_get, cmd_set, cmd_stat, cmd_monitor;

/*
 * Errors.  Each is a "tierctl CMD: ..." line on stderr; libtier's own
 * explanations come before it as "tierctl CMD: libtier: ..." lines
 * (tc_ctx_log()).  With --json (tc_set_json()) a failed command also
 * prints one JSON object on stdout when it ends (tc_finish()):
 *
 *   {"error": {"command": "alloc", "errno": 27, "code": "EFBIG",
 *              "message": "create 1T buffer, policy bind:0: File too large",
 *              "details": ["1T is larger than node 0 can ever hold (15.5G)"]}}
 *
 * @message is the first error's line without "tierctl CMD: "; @errno and
 * @code (the errno's name) are null for an error without an errno;
 * @details are libtier's explanations (TIER_LOG_ERR), maybe none.  The
 * exit status is 1.  A command that had begun its own JSON output on
 * stdout (plan, whose answer says nothing fits) gets no error object.
 */
/* "tierctl CMD: WHAT: strerror(-err)" on stderr. */
void tc_error(const struct tc_cmd *cmd, const char *what, int err);
/* "tierctl CMD: MESSAGE" on stderr. */
void tc_errorf(const struct tc_cmd *cmd, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
/* tc_errorf() of an error with an errno (@err, either sign) */
void tc_errorf_err(const struct tc_cmd *cmd, int err, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/*
 * --json: errors as a JSON object too.  The dispatcher sets it before the
 * command runs when --json is among its arguments (tc_scan_json(), for a
 * command whose @opts has it), so that option errors are JSON too;
 * commands set it again when they parse it.
 */
void tc_set_json(bool on);
void tc_scan_json(const struct tc_cmd *cmd, int argc, char **argv);
/* --quiet: libtier's warnings not shown (its errors still are). */
void tc_set_quiet(bool on);
/* The dispatcher, after @cmd returned @status: the JSON error object. */
int tc_finish(const struct tc_cmd *cmd, int status);
/*
 * Show @ctx's libtier messages as "tierctl CMD: libtier: ..." lines:
 * errors and warnings (errors only with --quiet), or what LIBTIER_LOG asks
 * for.  tc_open() does it.
 */
void tc_ctx_log(const struct tc_cmd *cmd, struct tier_ctx *ctx);
/*
 * The same for contexts from their tier_open() on, and for netlink
 * handles: the dispatcher's, before the command runs.
 */
void tc_log_default(const struct tc_cmd *cmd);
/* The usage line on stdout (@to_stdout) or stderr, and @help too on stdout. */
void tc_usage(const struct tc_cmd *cmd, int to_stdout);
/*
 * Report getopt_long()'s '?' or ':' (optstring starting with ':') for the
 * option at argv[optind - 1]; returns 1, the exit status.
 */
int tc_bad_option(const struct tc_cmd *cmd, char **argv, int c);
/*
 * The end of every command's option table: --help, with the value 'h'
 * that tc_other_option() answers, and the terminator.
 */
#define TC_OPTS_END \
	{ "help", no_argument, NULL, 'h' }, \
	{ NULL, 0, NULL, 0 }

/* The table of a command whose only options are --json and --help. */
extern const struct option tc_json_opts[];

/* getopt_long() over @cmd's option table, optstring ":h". */
int tc_getopt(const struct tc_cmd *cmd, int argc, char **argv);

/*
 * The default: of a command's getopt_long() switch (optstring ":h", the
 * table ending in TC_OPTS_END): for 'h' the usage and help on stdout, exit
 * status 0; else tc_bad_option().  Returns the exit status.
 */
int tc_other_option(const struct tc_cmd *cmd, char **argv, int c);
/*
 * The options of a command whose table is tc_json_opts: --json and --help
 * (or -h), anywhere on the line.  Returns -1 when the command goes on (its operands
 * from optind), else the exit status.
 */
int tc_json_only_options(const struct tc_cmd *cmd, int argc, char **argv,
			 bool *json);

/*
 * After getopt_long(): 0 when no operand is left, else report the first
 * one (and the usage) and return 1, the exit status.
 */
int tc_extra_args(const struct tc_cmd *cmd, int argc, char **argv);

/*
 * Policy string @arg into *@p and, when @canon is not NULL, its canonical
 * spelling into @canon (@arg where it has none).  A bad one is reported as
 * "@what @arg: error".  Returns 0, or 1 (the exit status).
 */
int tc_parse_policy(const struct tc_cmd *cmd, const char *what,
		    const char *arg, struct tier_policy *p, char *canon,
		    size_t len);
/*
 * tc_parse_policy() for a policy used on this host: tier names (all,
 * dram, cxl) resolved on its topology, and what they resolved to said on
 * stderr ("--policy interleave:cxl is interleave:2,3 on this host").
 */
int tc_parse_host_policy(const struct tc_cmd *cmd, const char *what,
			 const char *arg, struct tier_policy *p, char *canon,
			 size_t len);
/* tc_parse_policy() with the names resolved on @ctx (NULL: none). */
int tc_parse_policy_on(const struct tc_cmd *cmd, const struct tier_ctx *ctx,
		       const char *what, const char *arg,
		       struct tier_policy *p, char *canon, size_t len);

/* Print @t on stdout and free it.  Returns 0, or 1 after an error message. */
int tc_print_table(const struct tc_cmd *cmd, struct table *t);

/* Open a libtier context, reporting failures as CMD errors. */
int tc_open(const struct tc_cmd *cmd, struct tier_ctx **ctx);
/* The "backend: ..." line of human output. */
void tc_print_backend(FILE *f, const struct tier_ctx *ctx);
/* "backend" and "module_error" members of JSON output. */
void tc_json_backend(struct json *j, const struct tier_ctx *ctx);

/* CXLTIER_MODE_x's name (libtier's tier_mode_name()), or "?". */
const char *tc_mode_name(uint32_t mode);

const char *tc_tier_name(unsigned int tier);

#endif
