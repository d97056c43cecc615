/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Helpers the benchmarks of tierctl bench (cmd_bench.c, cmd_bench_mem.c)
 * share: a clock, medians, progress lines, a PRNG, the host facts a report
 * carries.
 */
#ifndef TIERCTL_BENCH_H
#define TIERCTL_BENCH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct tc_cmd;

/* Measured runs of a benchmark: at most, and when --runs is not given. */
#define BENCH_MAX_RUNS		101
#define BENCH_DEFAULT_RUNS	5
/* Buffer sizes are whole 2 MiB pages. */
#define BENCH_HUGE_SIZE		(2ULL << 20)

/* CLOCK_MONOTONIC in milliseconds. */
double bench_now_ms(void);

/* Sorts @v (ascending) and returns the median of its @n > 0 values. */
double bench_median(double *v, unsigned int n);

/* A progress line on stderr, flushed, when @on. */
void bench_progress(bool on, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* xorshift64: the next value of the stream whose state is *@s (not 0). */
uint64_t bench_xorshift(uint64_t *s);

/* The selected word of a sysfs "a [b] c" file, or "?". */
void bench_read_bracketed(const char *path, char *out, size_t len);

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

#endif
