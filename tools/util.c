// SPDX-License-Identifier: GPL-2.0-only
#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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

int parse_size(const char *s, uint64_t *bytes)
{
	char digits[32];
	const char *p, *u;
	unsigned int shift = 0;
	uint64_t v;
	size_t n;
	int err;

	if (!s)
		return -EINVAL;
	for (p = s; *p >= '0' && *p <= '9'; p++)
		;
	n = (size_t)(p - s);
	if (!n || n >= sizeof(digits))
		return n ? -ERANGE : -EINVAL;
	memcpy(digits, s, n);
	digits[n] = '\0';
	if (*p) {
		char c = *p >= 'a' && *p <= 'z' ? (char)(*p - 'a' + 'A') : *p;

		u = c != 'B' ? strchr(units + 1, c) : NULL;
		if (!u && c != 'B')
			return -EINVAL;
		if (u) {
			shift = 10 * (unsigned int)(u - units);
			p++;
		}
		if (!strcmp(p, "iB") && u)
			p += 2;
		else if (!strcmp(p, "B"))
			p++;
		if (*p)
			return -EINVAL;
	}
	err = parse_uint(digits, UINT64_MAX, &v);
	if (err)
		return err;
	if (shift && v > (UINT64_MAX >> shift))
		return -ERANGE;
	*bytes = v << shift;
	return 0;
}

int parse_bytes(const char *s, uint64_t *out)
{
	static const char suffixes[] = "KMGTP";
	const char *u;
	char *end;
	double v;
	int shift = 0;

	if (!s || !*s || !(isdigit((unsigned char)*s) || *s == '.'))
		return -EINVAL;
	errno = 0;
	v = strtod(s, &end);
	if (errno || end == s || !isfinite(v) || v < 0)
		return -EINVAL;
	if (*end) {
		u = strchr(suffixes, toupper((unsigned char)*end));
		if (u) {
			shift = 10 * (int)(u - suffixes + 1);
			end++;
		}
		if (!strcmp(end, "iB") && u)
			end += 2;
		else if (!strcmp(end, "B"))
			end++;
		if (*end)
			return -EINVAL;
	}
	v = ldexp(v, shift);
	if (v >= 18446744073709551615.0)
		return -ERANGE;
	*out = (uint64_t)llround(v);
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

int parse_pow2(const char *s, unsigned int *shift)
{
	uint64_t v;
	unsigned int sh = 0;
	int err = parse_size(s, &v);

	if (err)
		return err == -ERANGE ? -EDOM : err;
	if (!v || (v & (v - 1)))
		return -EDOM;
	while ((1ULL << sh) != v)
		sh++;
	*shift = sh;
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
