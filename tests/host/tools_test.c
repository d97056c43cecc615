// SPDX-License-Identifier: GPL-2.0-only
/* tierctl's shared helpers: sizes, JSON writing, tables. */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util.h"
#include "json.h"
#include "table.h"
#include "kselftest_harness.h"

TEST(size_parse_accepts)
{
	static const struct { const char *s; uint64_t v; } ok[] = {
		{ "0", 0 }, { "1", 1 }, { "4096", 4096 }, { "64K", 64ULL << 10 },
		{ "64k", 64ULL << 10 }, { "64M", 64ULL << 20 }, { "1G", 1ULL << 30 },
		{ "2T", 2ULL << 40 }, { "1P", 1ULL << 50 }, { "3MiB", 3ULL << 20 },
		{ "3MB", 3ULL << 20 }, { "512B", 512 },
		{ "18446744073709551615", UINT64_MAX }, { "16383P", 16383ULL << 50 },
	};
	uint64_t v;
	size_t i;

	for (i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
		v = 1234;
		EXPECT_EQ(0, parse_size(ok[i].s, &v)) TH_LOG("%s", ok[i].s);
		EXPECT_EQ(ok[i].v, v) TH_LOG("%s", ok[i].s);
	}
}

TEST(size_parse_rejects)
{
	static const struct { const char *s; int err; } bad[] = {
		{ "", -EINVAL }, { "M", -EINVAL }, { "-1", -EINVAL }, { "1.5G", -EINVAL },
		{ "1Q", -EINVAL }, { "1 M", -EINVAL }, { "1MM", -EINVAL },
		{ "1iB", -EINVAL }, { "0x10", -EINVAL }, { "1G ", -EINVAL },
		{ "18446744073709551616", -ERANGE }, { "16384P", -ERANGE },
		{ "99999999T", -ERANGE },
	};
	uint64_t v = 7;
	size_t i;

	EXPECT_EQ(-EINVAL, parse_size(NULL, &v));
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		const char *s = bad[i].s;

		EXPECT_EQ(bad[i].err, parse_size(s, &v)) TH_LOG("%s", s);
	}
	EXPECT_EQ(7, v);
}

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

TEST(pow2_parse)
{
	static const struct { const char *s; int err; unsigned int shift; } cases[] = {
		{ "4096", 0, 12 }, { "4K", 0, 12 }, { "2M", 0, 21 }, { "2MiB", 0, 21 },
		{ "1G", 0, 30 }, { "1", 0, 0 }, { "1T", 0, 40 },
		{ "3M", -EDOM, 0 }, { "0", -EDOM, 0 }, { "48K", -EDOM, 0 },
		{ "x", -EINVAL, 0 }, { "", -EINVAL, 0 }, { "2Q", -EINVAL, 0 },
		{ "99999999T", -EDOM, 0 },
	};
	unsigned int shift;
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		shift = 99;
		EXPECT_EQ(cases[i].err, parse_pow2(cases[i].s, &shift)) TH_LOG("%s", cases[i].s);
		EXPECT_EQ(cases[i].err ? 99 : cases[i].shift, shift) TH_LOG("%s", cases[i].s);
	}
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

TEST_HARNESS_MAIN
