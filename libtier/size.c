// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * Sizes in strings: the one grammar of libtier, tierctl, the interposer and
 * Python (tier_size_parse() in libtier.h has it):
 *
 *   size := DIGITS [ '.' DIGITS ] [ UNIT [ 'B' | 'iB' ] | 'B' ]
 *   UNIT := 'K' | 'M' | 'G' | 'T' | 'P'  (case-insensitive, powers of 1024)
 *
 * A decimal with a unit is rounded to the nearest byte, halves up ("7.6G"
 * is 8160437862 bytes); a count of bytes must be
 * whole ("1.5" and "0.5B" are not sizes).
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "libtier-private.h"

/*
 * Fraction digits that are read: 10^19 < 2^64, so the fraction times a
 * unit (at most 2^50) fits 128 bits.  Later digits move a size by less
 * than a thousandth of a byte and are passed over (but must be digits).
 */
#define FRAC_DIGITS_MAX	19

typedef unsigned __int128 u128;

static int lower(char c)
{
	return c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c;
}

/* The unit's log2 at @s, which must end there, or -EINVAL. */
static int parse_unit(const char *s, unsigned int *shift)
{
	static const char units[] = "kmgtp";
	const char *u = *s ? strchr(units, lower(*s)) : NULL;

	*shift = 0;
	if (u) {
		*shift = 10 * (unsigned int)(u - units + 1);
		s++;
		if (lower(*s) == 'i' && lower(s[1]) == 'b')
			s++;
	}
	if (lower(*s) == 'b')
		s++;
	return *s ? -EINVAL : 0;
}

TIER_EXPORT int tier_size_parse(const char *s, uint64_t *bytes)
{
	u128 ip = 0, fp = 0, p10 = 1, v;
	unsigned int shift, d = 0;
	int big = 0;

	if (!s || !bytes || *s < '0' || *s > '9')
		return -EINVAL;
	for (; *s >= '0' && *s <= '9'; s++) {
		ip = ip * 10 + (unsigned int)(*s - '0');
		if (ip > UINT64_MAX) {
			big = 1;
			ip = UINT64_MAX;
		}
	}
	if (*s == '.') {
		if (*++s < '0' || *s > '9')
			return -EINVAL;		/* "1." */
		for (; *s >= '0' && *s <= '9'; s++) {
			if (d == FRAC_DIGITS_MAX)
				continue;
			fp = fp * 10 + (unsigned int)(*s - '0');
			p10 *= 10;
			d++;
		}
	}
	if (parse_unit(s, &shift))
		return -EINVAL;
	if (fp && !shift)
		return -EINVAL;		/* a fraction of a byte */
	v = (ip << shift) + (((fp << shift) + p10 / 2) / p10);
	if (big || v > UINT64_MAX)
		return -ERANGE;
	*bytes = (uint64_t)v;
	return 0;
}

TIER_EXPORT int tier_size_format(uint64_t bytes, char *buf, size_t len)
{
	static const char units[] = "BKMGTPE";
	unsigned int u = 0;
	double v;

	if (!buf || !len)
		return -EINVAL;
	if (bytes < 1024)
		return snprintf(buf, len, "%lluB", (unsigned long long)bytes);
	while (u < sizeof(units) - 2 && bytes >> (10 * (u + 1)))
		u++;
	if (!(bytes & ((1ULL << (10 * u)) - 1)))
		return snprintf(buf, len, "%llu%c",
				(unsigned long long)(bytes >> (10 * u)),
				units[u]);
	v = (double)bytes / (double)(1ULL << (10 * u));
	if (v >= 1023.95 && u < sizeof(units) - 2) {
		v /= 1024;
		u++;
	}
	return snprintf(buf, len, "%.1f%c", v, units[u]);
}
