// SPDX-License-Identifier: GPL-2.0-only
/* tierctl's shared helpers: numbers, size formatting, JSON writing, tables.
 * Sizes are read by libtier's tier_size_parse() (words_test.c). */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util.h"
#include "json.h"
#include "table.h"
#include "progress.h"
#include "kselftest_harness.h"

TEST(uint_parse)
{
	uint64_t v;

	EXPECT_EQ(0, parse_uint("42", 100, &v));
	EXPECT_EQ(42, v);
	EXPECT_EQ(-ERANGE, parse_uint("101", 100, &v));
	EXPECT_EQ(-EINVAL, parse_uint("", 100, &v));
	EXPECT_EQ(-EINVAL, parse_uint("4x", 100, &v));
	EXPECT_EQ(-EINVAL, parse_uint("-4", 100, &v));
	EXPECT_EQ(-ERANGE, parse_uint("99999999999999999999", UINT64_MAX, &v));
}

TEST(size_format)
{
	static const struct { uint64_t v; const char *s; } cases[] = {
		{ 0, "0B" }, { 1023, "1023B" }, { 1024, "1K" }, { 1536, "1.5K" },
		{ 64ULL << 20, "64M" }, { (1ULL << 30) - 1, "1.0G" },
		{ 5731287040ULL, "5.3G" }, { 1ULL << 40, "1T" }, { UINT64_MAX, "16.0E" },
	};
	char buf[SIZE_STRLEN];
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		EXPECT_STREQ(cases[i].s, format_size(cases[i].v, buf, sizeof(buf)));
}

/* Run @fn writing to a memory stream; return what it wrote (malloc'd). */
static char *capture(void (*fn)(FILE *))
{
	char *text = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);

	fn(f);
	fclose(f);
	return text;
}

static void write_doc(FILE *f)
{
	struct json j;

	json_init(&j, f);
	json_obj_open(&j, NULL);
	json_str(&j, "s", "a\"b\\c\n\t\x01\x7f/é");
	json_u64(&j, "u", UINT64_MAX);
	json_i64(&j, "i", -5);
	json_bool(&j, "t", true);
	json_null(&j, "n");
	json_str(&j, "null", NULL);
	json_f64(&j, "f", 0.25);
	json_f64(&j, "g", 1234567.0);
	json_f64(&j, "nan", NAN);
	json_f64(&j, "inf", -INFINITY);
	json_arr_open(&j, "empty");
	json_arr_close(&j);
	json_arr_open(&j, "a");
	json_u64(&j, NULL, 1);
	json_obj_open(&j, NULL);
	json_obj_close(&j);
	json_arr_close(&j);
	json_obj_close(&j);
}

TEST(json_writer)
{
	char *text = capture(write_doc);

	EXPECT_STREQ("{\n"
		     "  \"s\": \"a\\\"b\\\\c\\n\\t\\u0001\\u007f/é\",\n"
		     "  \"u\": 18446744073709551615,\n"
		     "  \"i\": -5,\n"
		     "  \"t\": true,\n"
		     "  \"n\": null,\n"
		     "  \"null\": null,\n"
		     "  \"f\": 0.25,\n"
		     "  \"g\": 1.23457e+06,\n"
		     "  \"nan\": null,\n"
		     "  \"inf\": null,\n"
		     "  \"empty\": [],\n"
		     "  \"a\": [\n"
		     "    1,\n"
		     "    {}\n"
		     "  ]\n"
		     "}\n", text);
	free(text);
}

static void write_table(FILE *f)
{
	static const char *const hdr[] = { "NODE", "NAME", "SIZE" };
	struct table t;

	table_init(&t, 3, hdr, TABLE_RIGHT(0) | TABLE_RIGHT(2));
	table_add(&t, "%d", 0);
	table_add(&t, "%s", "DRAM");
	table_add(&t, "%s", "1.9G");
	table_add(&t, "%d", 12);
	table_add(&t, "%s", "a-long-name");
	table_add(&t, "%s", "1G");
	table_print(&t, f);
	table_free(&t);
}

TEST(table_alignment)
{
	char *text = capture(write_table);

	EXPECT_STREQ("NODE  NAME         SIZE\n"
		     "   0  DRAM         1.9G\n"
		     "  12  a-long-name    1G\n", text);
	free(text);
}

/* The time left a progress line says, in the units a person reads. */
TEST(progress_eta)
{
	static const struct { double s; const char *want; } cases[] = {
		{ 0, "0 s" }, { 0.4, "0 s" }, { 0.6, "1 s" }, { 59.4, "59 s" },
		{ 60, "1 min 0 s" }, { 125, "2 min 5 s" }, { 3599, "59 min 59 s" },
		{ 3600, "1 h 0 min" }, { 7440, "2 h 4 min" },
	};
	char buf[32];
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		tc_progress_eta(cases[i].s, buf, sizeof(buf));
		EXPECT_STREQ(cases[i].want, buf);
	}
}

TEST_HARNESS_MAIN
