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

#endif
