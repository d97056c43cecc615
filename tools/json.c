// SPDX-License-Identifier: GPL-2.0-only
#include <inttypes.h>
#include <math.h>
#include <string.h>

#include "json.h"

void json_escape(FILE *f, const char *s)
{
	fputc('"', f);
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;

		switch (c) {
		case '"':  fputs("\\\"", f); break;
		case '\\': fputs("\\\\", f); break;
		case '\b': fputs("\\b", f); break;
		case '\f': fputs("\\f", f); break;
		case '\n': fputs("\\n", f); break;
		case '\r': fputs("\\r", f); break;
		case '\t': fputs("\\t", f); break;
		default:
			if (c < 0x20 || c == 0x7f)
				fprintf(f, "\\u%04x", c);
			else
				fputc(c, f);
		}
	}
	fputc('"', f);
}

bool json_stdout_used;

void json_init(struct json *j, FILE *f)
{
	if (f == stdout)
		json_stdout_used = true;
	j->f = f;
	j->depth = 0;
	j->count[0] = 0;
}

/* Comma, newline and indentation before a member, then its key. */
static void member(struct json *j, const char *key)
{
	if (j->depth > 0) {
		fputs(j->count[j->depth] ? ",\n" : "\n", j->f);
		fprintf(j->f, "%*s", 2 * j->depth, "");
	}
	j->count[j->depth]++;
	if (key) {
		json_escape(j->f, key);
		fputs(": ", j->f);
	}
}

static void open_(struct json *j, const char *key, char c)
{
	member(j, key);
	fputc(c, j->f);
	if (j->depth + 1 < JSON_MAX_DEPTH)
		j->depth++;
	j->count[j->depth] = 0;
}

static void close_(struct json *j, char c)
{
	unsigned int n = j->count[j->depth];

	if (j->depth > 0)
		j->depth--;
	if (n)
		fprintf(j->f, "\n%*s", 2 * j->depth, "");
	fputc(c, j->f);
	if (!j->depth)
		fputc('\n', j->f);
}

void json_obj_open(struct json *j, const char *key)  { open_(j, key, '{'); }
void json_obj_close(struct json *j)                  { close_(j, '}'); }
void json_arr_open(struct json *j, const char *key)  { open_(j, key, '['); }
void json_arr_close(struct json *j)                  { close_(j, ']'); }

void json_str(struct json *j, const char *key, const char *v)
{
	member(j, key);
	if (v)
		json_escape(j->f, v);
	else
		fputs("null", j->f);
}

void json_u64(struct json *j, const char *key, uint64_t v)
{
	member(j, key);
	fprintf(j->f, "%" PRIu64, v);
}

void json_i64(struct json *j, const char *key, int64_t v)
{
	member(j, key);
	fprintf(j->f, "%" PRId64, v);
}

void json_bool(struct json *j, const char *key, bool v)
{
	member(j, key);
	fputs(v ? "true" : "false", j->f);
}

void json_null(struct json *j, const char *key)
{
	member(j, key);
	fputs("null", j->f);
}

void json_f64(struct json *j, const char *key, double v)
{
	member(j, key);
	if (isfinite(v))
		fprintf(j->f, "%.6g", v);
	else
		fputs("null", j->f);
}

void json_fields(struct json *j, const void *obj, const struct json_field *f,
		 size_t n)
{
	const char *p;
	uint64_t u64;
	uint32_t u32;
	double d;
	size_t i;

	for (i = 0; i < n; i++) {
		p = (const char *)obj + f[i].off;
		if (!f[i].size) {
			memcpy(&d, p, sizeof(d));
			json_f64(j, f[i].key, d);
		} else if (f[i].size == sizeof(u32)) {
			memcpy(&u32, p, sizeof(u32));
			json_u64(j, f[i].key, u32);
		} else {
			memcpy(&u64, p, sizeof(u64));
			json_u64(j, f[i].key, u64);
		}
	}
}
