/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * A small streaming JSON writer for tierctl's --json output: objects and
 * arrays nest, commas and indentation are handled, strings are escaped.
 * Pass key NULL for array elements and for the top-level value.
 */
#ifndef TIERCTL_JSON_H
#define TIERCTL_JSON_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#define JSON_MAX_DEPTH	16

struct json {
	FILE *f;
	int depth;
	unsigned int count[JSON_MAX_DEPTH];	/* members written per level */
};

void json_init(struct json *j, FILE *f);
void json_obj_open(struct json *j, const char *key);
void json_obj_close(struct json *j);
void json_arr_open(struct json *j, const char *key);
void json_arr_close(struct json *j);
void json_str(struct json *j, const char *key, const char *v);	/* NULL: null */
void json_u64(struct json *j, const char *key, uint64_t v);
void json_i64(struct json *j, const char *key, int64_t v);
void json_bool(struct json *j, const char *key, bool v);
/* A finite number with up to 6 significant digits; NaN and infinities: null. */
void json_f64(struct json *j, const char *key, double v);
void json_null(struct json *j, const char *key);

/* Write @s as a JSON string literal, quotes included. */
void json_escape(FILE *f, const char *s);

#endif
