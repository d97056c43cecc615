// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * Sizes in strings: the one grammar of libtier, tierctl, the interposer and
 * Python (tier_size_parse() in libtier.h has it):
 *
 *   size := DIGITS [ '.' DIGITS ] [ UNIT [ 'B' | 'iB' ] | 'B' ]
 *   UNIT := 'K' | 'M' | 'G' | 'T'        (case-insensitive, powers of 1024)
 *
 * A decimal is exact: its value times the unit must be a whole number of
 * bytes ("1.5G" and "0.5K" are, "1.5" and "0.3K" are not).
 */
#include <errno.h>
#include <string.h>

#include "libtier-private.h"

/*
 * Significant digits of a fraction (without its trailing zeros) that are
 * kept: 10^38 < 2^128.  A longer one is never a whole number of bytes but
 * in contrived cases ("0.<40 digits>T"), refused all the same.
 */
#define FRAC_DIGITS_MAX	38

typedef unsigned __int128 u128;

static int lower(char c)
{
	return c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c;
}

/* The unit's log2 at @s, which must end there, or -EINVAL. */
static int parse_unit(const char *s, unsigned int *shift)
{
	static const char units[] = "kmgt";
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

static u128 pow_u128(unsigned int base, unsigned int exp)
{
	u128 v = 1;

	while (exp--)
		v *= base;
	return v;
}

/*
 * The bytes of fraction @fp / 10^@d of 2^@shift: fp * 2^(shift - d) / 5^d,
 * or -EINVAL when that is not whole.
 */
static int frac_bytes(u128 fp, unsigned int d, unsigned int shift,
		      u128 *out)
{
	u128 p5 = pow_u128(5, d), q;

	if (fp % p5)
		return -EINVAL;
	q = fp / p5;
	if (d <= shift) {
		*out = q << (shift - d);
		return 0;
	}
	if (q & (((u128)1 << (d - shift)) - 1))
		return -EINVAL;
	*out = q >> (d - shift);
	return 0;
}

TIER_EXPORT int tier_size_parse(const char *s, uint64_t *bytes)
{
	u128 ip = 0, fp = 0, fb = 0, v;
	unsigned int shift, d = 0, zeros = 0;
	int big = 0, frac_long = 0;

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
			if (*s == '0') {
				zeros++;	/* significant only if a digit follows */
				continue;
			}
			d += zeros + 1;
			if (d > FRAC_DIGITS_MAX) {
				frac_long = 1;
				continue;
			}
			fp = fp * pow_u128(10, zeros + 1) + (unsigned int)(*s - '0');
			zeros = 0;
		}
	}
	if (parse_unit(s, &shift) || frac_long)
		return -EINVAL;
	if (d && frac_bytes(fp, d, shift, &fb))
		return -EINVAL;		/* not a whole number of bytes */
	v = (ip << shift) + fb;
	if (big || v > UINT64_MAX)
		return -ERANGE;
	*bytes = (uint64_t)v;
	return 0;
}
