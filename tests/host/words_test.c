// SPDX-License-Identifier: GPL-2.0-only
/*
 * The words every libtier string shares, as libtier.h specifies them:
 * mode names (tier_mode_name(), tier_mode_parse(), the uapi's
 * CXLTIER_MODE_NAMES), tier names (tier_tier_name(), the names a policy
 * string gives the tiers) and sizes (tier_size_parse()).  No backend needed.
 */
#include <errno.h>
#include <stdint.h>
#include <string.h>

#include "libtier.h"
#include "kselftest_harness.h"

TEST(mode_names_are_the_uapis)
{
	static const char *const names[] = CXLTIER_MODE_NAMES;
	uint32_t mode, i;

	ASSERT_EQ(CXLTIER_NR_MODES, ARRAY_SIZE(names));
	EXPECT_STREQ("bind", tier_mode_name(CXLTIER_MODE_BIND));
	EXPECT_STREQ("preferred", tier_mode_name(CXLTIER_MODE_PREFERRED));
	EXPECT_STREQ("interleave", tier_mode_name(CXLTIER_MODE_INTERLEAVE));
	EXPECT_STREQ("weighted", tier_mode_name(CXLTIER_MODE_WEIGHTED));
	EXPECT_STREQ("split", tier_mode_name(CXLTIER_MODE_SPLIT));
	for (i = 0; i < CXLTIER_NR_MODES; i++) {
		EXPECT_STREQ(names[i], tier_mode_name(i));
		mode = UINT32_MAX;
		EXPECT_EQ(0, tier_mode_parse(names[i], &mode));
		EXPECT_EQ(i, mode);
	}
	EXPECT_EQ(NULL, tier_mode_name(CXLTIER_NR_MODES));
	EXPECT_EQ(NULL, tier_mode_name(UINT32_MAX));
}

TEST(mode_parse_rejects)
{
	static const char *const bad[] = {
		"", "Bind", "BIND", "bind ", " bind", "bind:", "bin", "binds",
		"interleaved", "weight", "splitt", "default", "0",
	};
	uint32_t mode;
	size_t i;

	for (i = 0; i < ARRAY_SIZE(bad); i++) {
		mode = 77;
		EXPECT_EQ(-EINVAL, tier_mode_parse(bad[i], &mode))
			TH_LOG("\"%s\" accepted", bad[i]);
		EXPECT_EQ(77, mode) TH_LOG("\"%s\" wrote the mode", bad[i]);
	}
	EXPECT_EQ(-EINVAL, tier_mode_parse(NULL, &mode));
	EXPECT_EQ(-EINVAL, tier_mode_parse("bind", NULL));
}

TEST(tier_names_are_the_policies)
{
	struct tier_policy p;
	char why[128];

	EXPECT_STREQ("dram", tier_tier_name(CXLTIER_TIER_DRAM));
	EXPECT_STREQ("cxl", tier_tier_name(CXLTIER_TIER_CXL));
	EXPECT_EQ(NULL, tier_tier_name(2));
	EXPECT_EQ(NULL, tier_tier_name(UINT32_MAX));
	/* each is a name a policy string takes: without a topology, the
	 * parser knows it and asks for one */
	EXPECT_EQ(-EINVAL, tier_policy_explain("interleave:dram", why, sizeof(why)));
	EXPECT_NE(NULL, strstr(why, "dram: a tier name needs")) TH_LOG("%s", why);
	EXPECT_EQ(-EINVAL, tier_policy_explain("interleave:cxl", why, sizeof(why)));
	EXPECT_NE(NULL, strstr(why, "cxl: a tier name needs")) TH_LOG("%s", why);
	EXPECT_EQ(-EINVAL, tier_policy_parse("interleave:CXL", &p));
}

TEST(size_parse_accepts)
{
	static const struct { const char *s; uint64_t bytes; } cases[] = {
		{ "0", 0 },
		{ "1", 1 },
		{ "4096", 4096 },
		{ "007", 7 },
		{ "4K", 4096 }, { "4k", 4096 }, { "4KB", 4096 }, { "4kb", 4096 },
		{ "4KiB", 4096 }, { "4kib", 4096 }, { "4KIB", 4096 },
		{ "2M", 2ULL << 20 }, { "2m", 2ULL << 20 }, { "2MiB", 2ULL << 20 },
		{ "1G", 1ULL << 30 }, { "1g", 1ULL << 30 }, { "1GB", 1ULL << 30 },
		{ "3T", 3ULL << 40 }, { "3t", 3ULL << 40 }, { "3TiB", 3ULL << 40 },
		{ "100B", 100 }, { "100b", 100 },
		{ "1.5G", 3ULL << 29 },
		{ "0.5T", 1ULL << 39 },
		{ "0.5K", 512 },
		{ "1.25M", 1310720 },
		{ "0.25k", 256 },
		{ "2.0", 2 },
		{ "2.000M", 2ULL << 20 },
		{ "1.00000000000000000000000000000000K", 1024 },
		{ "0.0009765625M", 1024 },	/* 2^-10 M */
		{ "18446744073709551615", UINT64_MAX },
		{ "16777215.999999940395355224609375T", 0xffffffffffff0000ULL },
		{ "17179869183G", 0xffffffffc0000000ULL },
		{ "1P", 1ULL << 50 }, { "16383P", 16383ULL << 50 },
		/* decimals with a unit: the nearest byte, halves up */
		{ "0.1K", 102 }, { "0.3K", 307 }, { "7.6G", 8160437862ULL },
		{ "0.0009765625K", 1 }, { "0.00048828125K", 1 },
		{ "0.00048828124K", 0 }, { "1.0000000001G", 1ULL << 30 },
		{ "0.00000000000000000001T", 0 },
		{ "16777215.9999999999T", UINT64_MAX - 109 },	/* 2^64 - 109.95 */
	};
	uint64_t v;
	size_t i;

	for (i = 0; i < ARRAY_SIZE(cases); i++) {
		v = 12345;
		EXPECT_EQ(0, tier_size_parse(cases[i].s, &v))
			TH_LOG("\"%s\" refused", cases[i].s);
		EXPECT_EQ(cases[i].bytes, v) TH_LOG("\"%s\"", cases[i].s);
	}
}

TEST(size_parse_rejects)
{
	static const struct { const char *s; int err; } cases[] = {
		/* not the grammar */
		{ "", -EINVAL }, { "K", -EINVAL }, { "B", -EINVAL },
		{ "-1", -EINVAL }, { "+1", -EINVAL }, { " 1", -EINVAL },
		{ "1 ", -EINVAL }, { "1 K", -EINVAL }, { "1KK", -EINVAL },
		{ "1E", -EINVAL }, { "1iB", -EINVAL },
		{ "1Ki", -EINVAL }, { "1KBB", -EINVAL }, { "1KiBB", -EINVAL },
		{ "1bK", -EINVAL }, { "0x10", -EINVAL }, { "1e3", -EINVAL },
		{ "1,024", -EINVAL }, { "1_024", -EINVAL }, { ".5K", -EINVAL },
		{ "1.K", -EINVAL }, { "1..5K", -EINVAL }, { "1.5.K", -EINVAL },
		{ "1.5.5", -EINVAL }, { "4K\n", -EINVAL },
		/* a fraction of a byte */
		{ "1.5", -EINVAL }, { "0.5B", -EINVAL }, { "2.0001", -EINVAL },
		/* more than 64 bits */
		{ "18446744073709551616", -ERANGE },
		{ "99999999999999999999999999", -ERANGE },
		{ "16777216T", -ERANGE }, { "17179869184G", -ERANGE },
		{ "16777216.5T", -ERANGE }, { "16777215.99999999999999T", -ERANGE },	/* rounds up to 2^64 */
		{ "16384P", -ERANGE },
		{ "999999999999999999999999999999999999999999", -ERANGE },
	};
	uint64_t v;
	size_t i;

	for (i = 0; i < ARRAY_SIZE(cases); i++) {
		v = 12345;
		EXPECT_EQ(cases[i].err, tier_size_parse(cases[i].s, &v))
			TH_LOG("\"%s\"", cases[i].s);
		EXPECT_EQ(12345, v) TH_LOG("\"%s\" wrote the size", cases[i].s);
	}
	EXPECT_EQ(-EINVAL, tier_size_parse(NULL, &v));
	EXPECT_EQ(-EINVAL, tier_size_parse("4K", NULL));
}

TEST_HARNESS_MAIN
