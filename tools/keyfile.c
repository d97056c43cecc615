// SPDX-License-Identifier: GPL-2.0-only
/* Line-oriented files of words and "KEY=VALUE" words (keyfile.h). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "keyfile.h"
#include "tierctl.h"

#define MAX_WORDS	32

void split_kv(char *tok, char **val)
{
	char *eq = strchr(tok, '=');

	*val = NULL;
	if (eq) {
		*eq = '\0';
		*val = eq + 1;
	}
}

int find_key(const struct tc_cmd *cmd, const char *where,
	     const char *const *keys, size_t n, const char *key,
	     const char *val, const char *unknown)
{
	size_t k;

	for (k = 0; val && k < n; k++)
		if (!strcmp(key, keys[k]))
			return (int)k;
	tc_errorf(cmd, "%s: %s: %s", where, key, unknown);
	return -1;
}

int read_lines(const struct tc_cmd *cmd, const char *opt, const char *path,
	       line_fn fn, void *priv)
{
	char *line = NULL, where[512];
	size_t cap = 0;
	unsigned int lineno = 0;
	FILE *f = fopen(path, "r");
	int ret = 0;

	if (!f) {
		tc_errorf(cmd, "%s %s: %s", opt, path, strerror(errno));
		return -1;
	}
	while (getline(&line, &cap, f) >= 0) {
		char *words[MAX_WORDS], *p, *save = NULL;
		int n = 0;

		lineno++;
		p = strchr(line, '#');
		if (p)
			*p = '\0';
		for (p = strtok_r(line, " \t\r\n", &save); p;
		     p = strtok_r(NULL, " \t\r\n", &save)) {
			if (n == MAX_WORDS) {
				tc_errorf(cmd, "%s:%u: more than %d words", path,
					  lineno, MAX_WORDS);
				ret = -1;
				goto out;
			}
			words[n++] = p;
		}
		if (!n)
			continue;
		snprintf(where, sizeof(where), "%s:%u", path, lineno);
		if (fn(cmd, where, words, n, priv)) {
			ret = -1;
			goto out;
		}
	}
	if (ferror(f)) {
		tc_errorf(cmd, "%s %s: %s", opt, path, strerror(errno));
		ret = -1;
	}
out:
	free(line);
	fclose(f);
	return ret;
}
