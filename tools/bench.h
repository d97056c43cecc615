/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * What the benchmarks of tierctl bench share: a clock, medians, progress
 * lines, a PRNG, the host facts a report carries, and for fault, alloc
 * and migrate (bench_fault.c, bench_alloc.c, bench_migrate.c) one
 * prologue: options, context, run loop (bench_main()), and the rows of
 * timed workloads they report.  mem (bench_mem.c) has options of its own.
 */
#ifndef TIERCTL_BENCH_H
#define TIERCTL_BENCH_H

#include <getopt.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <linux/cxltier.h>

struct json;
struct table;
struct tc_cmd;
struct tier_buf;
struct tier_ctx;

/* Measured runs of a benchmark: at most, and when --runs is not given. */
#define BENCH_MAX_RUNS		101
#define BENCH_DEFAULT_RUNS	5
/* Node ids a benchmark takes: the nodemask bits it passes to mbind. */
#define BENCH_NODE_LIMIT	1024
/* Buffer sizes are whole 2 MiB pages. */
#define BENCH_HUGE_SIZE		(1ULL << CXLTIER_HUGE_PAGE_SHIFT)

/* CLOCK_MONOTONIC in milliseconds. */
double bench_now_ms(void);

/* Sorts @v (ascending) and returns the median of its @n > 0 values. */
double bench_median(double *v, unsigned int n);

/*
 * Appends to the progress line (progress.h: on a terminal only), when @on;
 * "\n" is ignored (the line ends with tc_progress_end()).
 */
void bench_progress(bool on, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* xorshift64: the next value of the stream whose state is *@s (not 0). */
uint64_t bench_xorshift(uint64_t *s);

/* The host facts a report carries. */
struct bench_env {
	char kernel[128];
	char thp[32], thp_shmem[32];	/* THP settings: anon, shmem */
	char date[32];			/* UTC, ISO 8601 */
	long cpus;
};

void bench_read_env(struct bench_env *e);

/*
 * --runs @arg: 1 to BENCH_MAX_RUNS into *@runs, else reported as @cmd's
 * error.  Returns 0, or 1 (the exit status).
 */
int bench_parse_runs(const struct tc_cmd *cmd, const char *arg, uint64_t *runs);

/*
 * Option @opt's @arg: a buffer size, a multiple of BENCH_HUGE_SIZE, into
 * *@size, else reported as @cmd's error.  Returns 0, or 1 (the exit status).
 */
int bench_parse_size(const struct tc_cmd *cmd, const char *opt,
		     const char *arg, uint64_t *size);

/*
 * A default size that fits a node with @free_bytes free: @want, halved
 * (not below BENCH_HUGE_SIZE) until 1/8 of the free memory, at least
 * 64 MiB, stays free beside it.  An explicit size is taken as given.
 */
uint64_t bench_fit_size(uint64_t want, uint64_t free_bytes);

/* ------------------------------------------------------------------------ */
/* The prologue of fault, alloc and migrate                                  */

/* A benchmark's own option values start here; BENCH_OPTS_END ends tables. */
enum { BENCH_OPT_RUNS = 256, BENCH_OPT_JSON, BENCH_OPT_QUIET, BENCH_OPT_OWN };
#define BENCH_OPTS_END \
	{ "runs", required_argument, NULL, BENCH_OPT_RUNS }, \
	{ "json", no_argument, NULL, BENCH_OPT_JSON }, \
	{ "quiet", no_argument, NULL, BENCH_OPT_QUIET }, \
	TC_OPTS_END

/* A run of a benchmark: the common options, the context, the host. */
struct bench {
	const struct tc_cmd *cmd;
	const char *name;		/* the benchmark's, "fault" ... */
	uint64_t runs;			/* --runs */
	bool json, quiet;		/* --json, --quiet */
	struct tier_ctx *ctx;
	bool module;			/* the backend is the module */
	size_t page;			/* base page size */
	struct bench_env env;
	uint32_t node;			/* where the buffers are (fault, migrate) */
	bool line_open;			/* a progress line is not ended yet */
};

/*
 * One of tierctl bench's benchmarks but mem.  bench_main() parses the
 * options (@option gets the benchmark's own, with optarg), opens the
 * context, calls @setup, then @run once per run, each on one progress
 * line (run 0 is a warm-up, not measured, when @warm_up), then @report,
 * and at last @cleanup.  @option, @setup and @report return 0 or the exit
 * status after an error message; @run returns 0 or -1 after an error
 * message.
 */
struct bench_def {
	const char *name;
	const struct option *opts;	/* own options, then BENCH_OPTS_END */
	bool warm_up;
	int (*option)(struct bench *b, int c, void *priv);
	int (*setup)(struct bench *b, void *priv);
	int (*run)(struct bench *b, unsigned int run, void *priv);
	int (*report)(struct bench *b, void *priv);
	void (*cleanup)(struct bench *b, void *priv);
};

/*
 * getopt_long()'s @c, when it is one of BENCH_OPTS_END's: -1 when it was
 * taken (--runs, --json, --quiet), else the exit status (--help: 0; an
 * unknown option or a bad value: 1); -2 when @c is the benchmark's own.
 */
int bench_common_option(struct bench *b, int c, char **argv);

/* @def's benchmark with @priv its own state; returns the exit status. */
int bench_main(const struct tc_cmd *cmd, const struct bench_def *def,
	       int argc, char **argv, void *priv);

/* Appends to the progress line, when not --quiet. */
#define bench_step(b, ...)	bench_progress(!(b)->quiet, __VA_ARGS__)
/* Ends the progress line, once (before an error message, say). */
void bench_end_line(struct bench *b);

/* The benchmarks, each "tierctl bench NAME ..." with argv[0] NAME. */
int bench_fault(const struct tc_cmd *cmd, int argc, char **argv);
int bench_alloc(const struct tc_cmd *cmd, int argc, char **argv);
int bench_migrate(const struct tc_cmd *cmd, int argc, char **argv);
int bench_mem(const struct tc_cmd *cmd, int argc, char **argv);
int bench_adam(const struct tc_cmd *cmd, int argc, char **argv);
/* Their option tables (cmd_bench.c lists them for help --list). */
extern const struct option bench_fault_opts[], bench_alloc_opts[];
extern const struct option bench_migrate_opts[], bench_mem_opts[];
extern const struct option bench_adam_opts[];

/* The first node with CPUs: local DRAM (else the first node listed). */
uint32_t bench_first_cpu_node(struct tier_ctx *ctx);

/*
 * Why the cxltier rows are skipped, said on stderr and written to @msg:
 * @msg, or NULL when the backend is the module and nothing is skipped.
 */
const char *bench_skip_reason(const struct bench *b, char *msg, size_t len);

/*
 * "backend", "module_error", "bench" (the benchmark's name): the start of
 * a JSON report, whose object is open after it.
 */
void bench_json_open(struct json *j, const struct bench *b);
/* "kernel", "cpus": the host facts of every JSON report. */
void bench_json_env(struct json *j, const struct bench *b);

/* ------------------------------------------------------------------------ */
/* Timed workloads (fault, migrate)                                          */

/* A workload of a report: a table row, a JSON result, its runs' times. */
struct bench_row {
	const char *name;	/* JSON */
	const char *label;	/* table */
	const char *group;	/* JSON "group" and table of its own; NULL: none */
	int baseline;		/* row to compare with, -1: none */
	uint64_t bytes;
	double ms[BENCH_MAX_RUNS];
	unsigned int n;
};

/*
 * The table of the rows of @group (NULL: every row) that ran: GB/s and ms
 * (median, min, max) and the median GB/s over the baseline's, headed
 * @vs; a row others compare with says "1.00x (base)".
 */
void bench_print_rows(const struct bench_row *rows, unsigned int nr,
		      const char *group, const char *vs);
/*
 * The "results" JSON array: every row that ran, its name, group, each
 * run's ms, the figures, the baseline and the ratio of the median GB/s.
 */
void bench_json_rows(struct json *j, const struct bench_row *rows,
		     unsigned int nr);

/* A cxltier buffer bound to b->node; 0, or -1 after an error message. */
int bench_create_buf(struct bench *b, uint64_t len, unsigned int page_shift,
		     uint32_t flags, struct tier_buf **buf, const char *what);
/* The buffer is all resident on @node; 0, or -1 after an error message. */
int bench_check_buf(const struct tc_cmd *cmd, struct tier_buf *buf,
		    uint32_t node, const char *what);
/*
 * An anonymous private mapping bound to b->node; NULL: error.  4 KiB pages
 * (MADV_NOHUGEPAGE), or with @thp the kernel's transparent huge pages:
 * 2 MiB-aligned, MADV_HUGEPAGE (what THP "always" or "madvise" then gives).
 */
char *bench_anon_map(struct bench *b, size_t len, bool thp);
/* Every page of the mapping is on b->node; 0, or -1 after an error message. */
int bench_anon_check(struct bench *b, char *p, size_t len, const char *what);

#endif
