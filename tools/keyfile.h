/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The files tierctl plan and model read (class files, tier files): lines of
 * blank-separated words, '#' comments, "KEY=VALUE" words.
 */
#ifndef TIERCTL_KEYFILE_H
#define TIERCTL_KEYFILE_H

#include <stddef.h>

struct tc_cmd;

/* Split "key=value" in place; *val is NULL without '='. */
void split_kv(char *tok, char **val);

/*
 * The index of a "KEY=VALUE" word's @key in @keys[@n]; when it is none of
 * them or has no @val, -1 after the error "@where: @key: @unknown".
 */
int find_key(const struct tc_cmd *cmd, const char *where,
	     const char *const *keys, size_t n, const char *key,
	     const char *val, const char *unknown);

#define NR_KEYS(keys)	(sizeof(keys) / sizeof((keys)[0]))

/* One line's words (at most MAX_WORDS); @where is "FILE:LINE". */
typedef int (*line_fn)(const struct tc_cmd *cmd, const char *where,
		       char **words, int n, void *priv);

/*
 * Read @path line by line: '#' starts a comment, blank lines are skipped,
 * words are separated by blanks.  @fn gets each line's words.  Errors are
 * "FILE:LINE: message", or "@opt @path: why" when the file cannot be read.
 * Returns 0, or -1 after an error message (or @fn's non-zero).
 */
int read_lines(const struct tc_cmd *cmd, const char *opt, const char *path,
	       line_fn fn, void *priv);

#endif
