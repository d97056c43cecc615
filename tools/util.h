/* SPDX-License-Identifier: GPL-2.0-only */
/* Size and number parsing and formatting shared by tierctl's commands. */
#ifndef TIERCTL_UTIL_H
#define TIERCTL_UTIL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Longest string format_size() writes, with the NUL. */
#define SIZE_STRLEN	24

/*
 * parse_size() - "4096", "64K", "64M", "1G", "2T" (binary units; K/M/G/T/P,
 * either case, optionally followed by "B" or "iB") to bytes.
 * Return: 0; -EINVAL for anything else; -ERANGE when it overflows.
 */
int parse_size(const char *s, uint64_t *bytes);

/*
 * parse_bytes() - a byte count: decimal, optionally with a fraction, and an
 * optional binary suffix K, M, G, T, P (either case, optional "B"/"iB"):
 * "4096", "28.4G", "1.5TiB".  Rounded to the nearest byte.
 * Return: 0; -EINVAL; -ERANGE when it does not fit a u64.
 */
int parse_bytes(const char *s, uint64_t *out);

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
 * parse_pow2() - a size as parse_size() reads it that is a power of two,
 * as its log2.
 * Return: 0; -EINVAL for what is not a size; -EDOM for a size that is not
 * a power of two (0 included).
 */
int parse_pow2(const char *s, unsigned int *shift);

/*
 * format_size() - bytes for humans, binary units: "512B", "64M", "7.8G".
 * Return: @buf.
 */
char *format_size(uint64_t bytes, char *buf, size_t len);

#endif
