// SPDX-License-Identifier: GPL-2.0-only
#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#include "util.h"

static const char units[] = "BKMGTPE";

int parse_uint(const char *s, uint64_t max, uint64_t *out)
{
	uint64_t v = 0;

	if (!s || !*s)
		return -EINVAL;
	for (; *s; s++) {
		if (*s < '0' || *s > '9')
			return -EINVAL;
		if (v > (UINT64_MAX - (uint64_t)(*s - '0')) / 10)
			return -ERANGE;
		v = v * 10 + (uint64_t)(*s - '0');
	}
	if (v > max)
		return -ERANGE;
	*out = v;
	return 0;
}

int parse_num(const char *s, double *out, bool zero_ok)
{
	char *end;
	double v;

	if (!s || !*s || isspace((unsigned char)*s))
		return -EINVAL;
	errno = 0;
	v = strtod(s, &end);
	if (errno || *end || !isfinite(v) || v < 0 || (!zero_ok && v == 0))
		return -EINVAL;
	*out = v;
	return 0;
}

char *format_size(uint64_t bytes, char *buf, size_t len)
{
	unsigned int u = 0;
	double v;

	if (bytes < 1024) {
		snprintf(buf, len, "%lluB", (unsigned long long)bytes);
		return buf;
	}
	while (u < sizeof(units) - 2 && bytes >> (10 * (u + 1)))
		u++;
	if (!(bytes & ((1ULL << (10 * u)) - 1))) {
		snprintf(buf, len, "%llu%c",
			 (unsigned long long)(bytes >> (10 * u)), units[u]);
		return buf;
	}
	v = (double)bytes / (double)(1ULL << (10 * u));
	if (v >= 1023.95 && u < sizeof(units) - 2) {
		v /= 1024;
		u++;
	}
	snprintf(buf, len, "%.1f%c", v, units[u]);
	return buf;
}
