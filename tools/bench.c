// SPDX-License-Identifier: GPL-2.0-only
/* Helpers shared by tierctl's benchmarks (see bench.h). */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "bench.h"
#include "tierctl.h"
#include "util.h"

double bench_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

static int dbl_cmp(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

double bench_median(double *v, unsigned int n)
{
	qsort(v, n, sizeof(*v), dbl_cmp);
	return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

void bench_progress(bool on, const char *fmt, ...)
{
	va_list ap;

	if (!on)
		return;
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fflush(stderr);
}

uint64_t bench_xorshift(uint64_t *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 7;
	*s ^= *s << 17;
	return *s;
}

void bench_read_bracketed(const char *path, char *out, size_t len)
{
	char line[256], *a, *z;
	FILE *f = fopen(path, "r");

	snprintf(out, len, "?");
	if (!f)
		return;
	if (fgets(line, sizeof(line), f) && (a = strchr(line, '[')) &&
	    (z = strchr(a, ']'))) {
		*z = '\0';
		snprintf(out, len, "%s", a + 1);
	}
	fclose(f);
}

int bench_parse_runs(const struct tc_cmd *cmd, const char *arg, uint64_t *runs)
{
	if (parse_uint(arg, BENCH_MAX_RUNS, runs) || !*runs) {
		tc_errorf(cmd, "--runs %s: a number from 1 to %d", arg,
			  BENCH_MAX_RUNS);
		return 1;
	}
	return 0;
}

int bench_parse_size(const struct tc_cmd *cmd, const char *opt,
		     const char *arg, uint64_t *size)
{
	int err = parse_size(arg, size);

	if (err || *size < BENCH_HUGE_SIZE || *size % BENCH_HUGE_SIZE ||
	    *size > SIZE_MAX / 2) {
		tc_errorf(cmd, "%s %s: %s", opt, arg, err == -EINVAL ?
			  "not a size (e.g. 64M, 1G)" :
			  "must be a multiple of 2M, at least 2M");
		return 1;
	}
	return 0;
}

uint64_t bench_fit_size(uint64_t want, uint64_t free_bytes)
{
	uint64_t keep = free_bytes / 8 > (64ULL << 20) ? free_bytes / 8 :
			64ULL << 20;
	uint64_t room = free_bytes > keep ? free_bytes - keep : 0;

	while (want > BENCH_HUGE_SIZE && want > room)
		want /= 2;
	return want;
}
