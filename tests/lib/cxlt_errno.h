/* SPDX-License-Identifier: GPL-2.0 */
/*
 * errname(): the name of an errno value ("EINVAL"), for test messages.
 * Included through tests/lib/cxlt_common.h, or on its own by a program
 * that does not use the rest (tests/faultinj, tests/privilege).
 */
#ifndef CXLT_ERRNO_H
#define CXLT_ERRNO_H

#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <string.h>

/* The name of errno @e (either sign), "success" for 0. */
static inline const char *errname(int e)
{
	const char *n;

	if (e < 0)
		e = -e;
	if (e == 0)
		return "success";
	n = strerrorname_np(e);
	return n ? n : "unknown errno";
}

#endif /* CXLT_ERRNO_H */
