// SPDX-License-Identifier: GPL-2.0-only
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "table.h"

void table_init(struct table *t, unsigned int ncols,
		const char *const *headers, unsigned int right)
{
	memset(t, 0, sizeof(*t));
	t->ncols = ncols;
	t->headers = headers;
	t->right = right;
}

int table_add(struct table *t, const char *fmt, ...)
{
	va_list ap;
	char *cell;
	int n;

	if (t->ncells == t->cap) {
		unsigned int cap = t->cap ? 2 * t->cap : 16 * t->ncols;
		char **c = realloc(t->cells, cap * sizeof(*c));

		if (!c) {
			t->oom = 1;
			return -ENOMEM;
		}
		t->cells = c;
		t->cap = cap;
	}
	va_start(ap, fmt);
	n = vasprintf(&cell, fmt, ap);
	va_end(ap);
	if (n < 0) {
		t->oom = 1;
		return -ENOMEM;
	}
	t->cells[t->ncells++] = cell;
	return 0;
}

static void print_row(const struct table *t, FILE *f, const size_t *width,
		      const char *const *row, unsigned int n)
{
	unsigned int c;

	for (c = 0; c < n; c++) {
		const char *s = row[c] ? row[c] : "";
		int w = (int)width[c];

		if (c)
			fputs("  ", f);
		if (t->right & TABLE_RIGHT(c))
			fprintf(f, "%*s", w, s);
		else if (c == n - 1)
			fputs(s, f);		/* no trailing blanks */
		else
			fprintf(f, "%-*s", w, s);
	}
	fputc('\n', f);
}

int table_print(const struct table *t, FILE *f)
{
	size_t width[32] = { 0 };
	unsigned int i, ncols = t->ncols < 32 ? t->ncols : 32;

	if (t->oom)
		return -ENOMEM;
	for (i = 0; i < ncols; i++)
		width[i] = strlen(t->headers[i]);
	for (i = 0; i < t->ncells; i++) {
		unsigned int c = i % t->ncols;
		size_t l = strlen(t->cells[i]);

		if (c < ncols && l > width[c])
			width[c] = l;
	}
	print_row(t, f, width, t->headers, ncols);
	for (i = 0; i + t->ncols <= t->ncells; i += t->ncols)
		print_row(t, f, width, (const char *const *)t->cells + i, ncols);
	return 0;
}

void table_free(struct table *t)
{
	unsigned int i;

	for (i = 0; i < t->ncells; i++)
		free(t->cells[i]);
	free(t->cells);
	memset(t, 0, sizeof(*t));
}
