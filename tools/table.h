/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Aligned text tables for tierctl: add cells row by row, print once.
 *
 *   static const char *const hdr[] = { "NODE", "TIER" };
 *   struct table t;
 *   table_init(&t, 2, hdr, TABLE_RIGHT(0));
 *   table_add(&t, "%u", node); table_add(&t, "%s", "DRAM");
 *   table_print(&t, stdout);
 *   table_free(&t);
 */
#ifndef TIERCTL_TABLE_H
#define TIERCTL_TABLE_H

#include <stdio.h>

#define TABLE_RIGHT(col)	(1U << (col))	/* right-align a column */

struct table {
	unsigned int ncols;
	const char *const *headers;
	unsigned int right;
	char **cells;
	unsigned int ncells, cap;
	int oom;
};

void table_init(struct table *t, unsigned int ncols,
		const char *const *headers, unsigned int right);
/* Append the next cell (rows fill left to right); 0 or -ENOMEM. */
int table_add(struct table *t, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
/* Print the header and the rows; -ENOMEM if a table_add() failed. */
int table_print(const struct table *t, FILE *f);
void table_free(struct table *t);

#endif
