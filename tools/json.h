/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * A small streaming JSON writer for tierctl's --json output: objects and
 * arrays nest, commas and indentation are handled, strings are escaped.
 * Pass key NULL for array elements and for the top-level value.
 */
#ifndef TIERCTL_JSON_H
#define TIERCTL_JSON_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#define JSON_MAX_DEPTH	16

struct json {
	FILE *f;
	int depth;
	unsigned int count[JSON_MAX_DEPTH];	/* members written per level */
};

void json_init(struct json *j, FILE *f);
/* Whether a document was begun on stdout (tierctl's JSON error object is not added to one). */
extern bool json_stdout_used;
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

/*
 * A number member of struct @type written under the name @key (by
 * default its own): JSON_DOUBLE() for a double, JSON_UINT() for a
 * uint32_t or uint64_t.  json_fields() writes a table of them from one
 * object, in table order.
 */
struct json_field {
	const char *key;
	size_t off;
	size_t size;		/* of an unsigned integer; 0: a double */
};

#define JSON_DOUBLE(type, m)	{ #m, offsetof(struct type, m), 0 }
#define JSON_UINT_AS(key, type, m) \
	{ key, offsetof(struct type, m), sizeof(((struct type *)0)->m) }
#define JSON_UINT(type, m)	JSON_UINT_AS(#m, type, m)

void json_fields(struct json *j, const void *obj, const struct json_field *f,
		 size_t n);
/* json_fields() of a whole table (an array, not a pointer). */
#define JSON_FIELDS(j, obj, table) \
	json_fields((j), (obj), (table), sizeof(table) / sizeof((table)[0]))

/* Write @s as a JSON string literal, quotes included. */
void json_escape(FILE *f, const char *s);

#endif
