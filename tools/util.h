/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Numbers tierctl's commands parse and sizes they print.  Sizes they read
 * are libtier's tier_size_parse(), the one size grammar.
 */
#ifndef TIERCTL_UTIL_H
#define TIERCTL_UTIL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Longest string format_size() writes, with the NUL. */
#define SIZE_STRLEN	24

/*
 * parse_num() - a finite decimal number of at least 0 (above 0 unless
 * @zero_ok): a bandwidth, a fraction, a time.
 * Return: 0 or -EINVAL.
 */
int parse_num(const char *s, double *out, bool zero_ok);

/*
 * parse_uint() - decimal digits only, at most @max.
 * Return: 0; -EINVAL; -ERANGE above @max.
 */
int parse_uint(const char *s, uint64_t max, uint64_t *out);

/*
 * format_size() - bytes for humans, binary units: "512B", "64M", "7.8G".
 * Return: @buf.
 */
char *format_size(uint64_t bytes, char *buf, size_t len);

#endif
