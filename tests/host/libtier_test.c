// SPDX-License-Identifier: GPL-2.0-only
/*
 * libtier tests, on the host (mbind backend) and in the VM (both backends).
 *
 * Every buffer and topology test runs once per backend (fixture variants):
 * "mbind" forces the fallback backend; "module" needs /dev/cxltier and is
 * skipped without it.  Both must answer the same results and the same errno
 * for the same request.  The topology is checked against libnuma, an
 * independent reader of the same kernel facts.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/mman.h>
#include <sys/uio.h>
#include <numa.h>

#include "libtier.h"
#include "kselftest_harness.h"

#ifndef EXPECT_VERSION
#error "EXPECT_VERSION: the VERSION file's contents, from the Makefile"
#endif

static int have_module(void)
{
	return access(CXLTIER_DEVICE_PATH, F_OK) == 0;
}

static size_t page_size(void)
{
	return (size_t)sysconf(_SC_PAGESIZE);
}

static unsigned int page_shift(void)
{
	unsigned int s = 0;

	while (((size_t)1 << s) < page_size())
		s++;
	return s;
}

static size_t round_up(size_t n)
{
	return (n + page_size() - 1) & ~(page_size() - 1);
}

static void bind_policy(struct tier_policy *p, unsigned int node)
{
	memset(p, 0, sizeof(*p));
	p->mode = CXLTIER_MODE_BIND;
	p->nr_nodes = 1;
	p->nodes[0].node = node;
}

/* Smallest node id that is not in the topology. */
static unsigned int absent_node(const struct tier_ctx *ctx)
{
	struct tier_node n;
	unsigned int id;

	for (id = 0; tier_node_by_id(ctx, (int)id, &n) == 0; id++)
		;
	return id;
}

static uint64_t pattern(uint64_t seed, size_t i)
{
	uint64_t x = seed ^ (i * 0x9e3779b97f4a7c15ULL);

	return x ^ (x >> 29);
}

static void fill(void *addr, size_t len, uint64_t seed)
{
	uint64_t *w = addr;
	size_t i;

	for (i = 0; i < len / sizeof(*w); i++)
		w[i] = pattern(seed, i);
}

/* Index of the first word that differs from the pattern, or SIZE_MAX. */
static size_t check(const void *addr, size_t len, uint64_t seed)
{
	const uint64_t *w = addr;
	size_t i;

	for (i = 0; i < len / sizeof(*w); i++)
		if (w[i] != pattern(seed, i))
			return i;
	return SIZE_MAX;
}

static int all_zero(const void *addr, size_t len)
{
	const unsigned char *p = addr;
	size_t i;

	for (i = 0; i < len; i++)
		if (p[i])
			return 0;
	return 1;
}

/* ------------------------------------------------------------------------ */
/* Contexts and backend selection                                            */

TEST(open_rejects_bad_arguments)
{
	struct tier_ctx *ctx = (struct tier_ctx *)1;

	unsetenv("LIBTIER_BACKEND");
	EXPECT_EQ(-EINVAL, tier_open(NULL, 0));
	EXPECT_EQ(-EINVAL, tier_open(&ctx, 1U << 7));
	EXPECT_EQ(NULL, ctx);
	EXPECT_EQ(-EINVAL, tier_open(&ctx, TIER_OPEN_FALLBACK | TIER_OPEN_MODULE));
	EXPECT_EQ(NULL, ctx);
	setenv("LIBTIER_BACKEND", "bogus", 1);
	EXPECT_EQ(-EINVAL, tier_open(&ctx, 0));
	EXPECT_EQ(NULL, ctx);
	tier_close(NULL);
	EXPECT_EQ(-EINVAL, tier_backend(NULL));
	EXPECT_EQ(NULL, tier_backend_name(NULL));
	EXPECT_EQ(-EINVAL, tier_module_error(NULL));
	EXPECT_EQ(-EINVAL, tier_nr_nodes(NULL));
	EXPECT_EQ(-EINVAL, tier_topo_refresh(NULL));
}

TEST(open_close)
{
	struct tier_ctx *ctx = NULL;

	unsetenv("LIBTIER_BACKEND");
	ASSERT_EQ(0, tier_open(&ctx, 0));
	ASSERT_NE(NULL, ctx);
	ASSERT_NE(NULL, tier_backend_name(ctx));
	EXPECT_GE(tier_nr_nodes(ctx), 1);
	tier_close(ctx);
}

TEST(version_is_the_version_file)
{
	EXPECT_STREQ(EXPECT_VERSION, tier_version());
}

/* No flag, no environment: the module when loaded, else mbind, saying why. */
TEST(backend_auto)
{
	struct tier_ctx *ctx;

	unsetenv("LIBTIER_BACKEND");
	ASSERT_EQ(0, tier_open(&ctx, 0));
	if (have_module()) {
		EXPECT_EQ(TIER_BACKEND_MODULE, tier_backend(ctx));
		EXPECT_STREQ("cxltier", tier_backend_name(ctx));
		EXPECT_EQ(0, tier_module_error(ctx));
	} else {
		EXPECT_EQ(TIER_BACKEND_MBIND, tier_backend(ctx));
		EXPECT_STREQ("mbind", tier_backend_name(ctx));
		EXPECT_EQ(-ENOENT, tier_module_error(ctx));
	}
	tier_close(ctx);
}

TEST(backend_env_mbind)
{
	struct tier_ctx *ctx;

	setenv("LIBTIER_BACKEND", "mbind", 1);
	ASSERT_EQ(0, tier_open(&ctx, 0));
	EXPECT_EQ(TIER_BACKEND_MBIND, tier_backend(ctx));
	EXPECT_STREQ("mbind", tier_backend_name(ctx));
	EXPECT_EQ(0, tier_module_error(ctx));	/* not tried */
	tier_close(ctx);
}

/* LIBTIER_BACKEND=module never falls back. */
TEST(backend_env_module)
{
	struct tier_ctx *ctx = (struct tier_ctx *)1;
	int ret;

	setenv("LIBTIER_BACKEND", "module", 1);
	ret = tier_open(&ctx, 0);
	if (have_module()) {
		ASSERT_EQ(0, ret);
		EXPECT_EQ(TIER_BACKEND_MODULE, tier_backend(ctx));
		tier_close(ctx);
	} else {
		EXPECT_EQ(-ENOENT, ret);
		EXPECT_EQ(NULL, ctx);
	}
}

TEST(backend_flag_module)
{
	struct tier_ctx *ctx = (struct tier_ctx *)1;
	int ret;

	setenv("LIBTIER_BACKEND", "mbind", 1);	/* the flag wins */
	ret = tier_open(&ctx, TIER_OPEN_MODULE);
	if (have_module()) {
		ASSERT_EQ(0, ret);
		EXPECT_EQ(TIER_BACKEND_MODULE, tier_backend(ctx));
		tier_close(ctx);
	} else {
		EXPECT_EQ(-ENOENT, ret);
		EXPECT_EQ(NULL, ctx);
	}
}

TEST(backend_flag_fallback)
{
	struct tier_ctx *ctx;

	setenv("LIBTIER_BACKEND", "module", 1);	/* the flag wins */
	ASSERT_EQ(0, tier_open(&ctx, TIER_OPEN_FALLBACK));
	EXPECT_EQ(TIER_BACKEND_MBIND, tier_backend(ctx));
	EXPECT_EQ(0, tier_module_error(ctx));
	tier_close(ctx);
}

/* ------------------------------------------------------------------------ */
/* Policies                                                                   */

TEST(policy_parse_bind)
{
	struct tier_policy p;

	ASSERT_EQ(0, tier_policy_parse("bind:0", &p));
	EXPECT_EQ(CXLTIER_MODE_BIND, p.mode);
	EXPECT_EQ(0, p.flags);
	EXPECT_EQ(0, p.page_shift);
	EXPECT_EQ(0, p.chunk_shift);
	EXPECT_EQ(1, p.nr_nodes);
	EXPECT_EQ(0, p.nodes[0].node);
	EXPECT_EQ(0, p.nodes[0].weight);

	ASSERT_EQ(0, tier_policy_parse("bind:17,page=2M", &p));
	EXPECT_EQ(1, p.nr_nodes);
	EXPECT_EQ(17, p.nodes[0].node);
	EXPECT_EQ(21, p.page_shift);

	ASSERT_EQ(0, tier_policy_parse("bind:0,2", &p));
	EXPECT_EQ(2, p.nr_nodes);
	EXPECT_EQ(2, p.nodes[1].node);
}

TEST(policy_parse_modes)
{
	struct tier_policy p;

	ASSERT_EQ(0, tier_policy_parse("preferred:2,0", &p));
	EXPECT_EQ(CXLTIER_MODE_PREFERRED, p.mode);
	ASSERT_EQ(2, p.nr_nodes);
	EXPECT_EQ(2, p.nodes[0].node);		/* list order is kept */
	EXPECT_EQ(0, p.nodes[1].node);
	EXPECT_EQ(0, p.nodes[0].weight);

	ASSERT_EQ(0, tier_policy_parse("interleave:0,2", &p));
	EXPECT_EQ(CXLTIER_MODE_INTERLEAVE, p.mode);
	EXPECT_EQ(2, p.nr_nodes);
	EXPECT_EQ(0, p.chunk_shift);
	ASSERT_EQ(0, tier_policy_parse("interleave:0,2,chunk=2M", &p));
	EXPECT_EQ(21, p.chunk_shift);
	EXPECT_EQ(0, p.page_shift);

	ASSERT_EQ(0, tier_policy_parse("weighted:0=3,2=1", &p));
	EXPECT_EQ(CXLTIER_MODE_WEIGHTED, p.mode);
	ASSERT_EQ(2, p.nr_nodes);
	EXPECT_EQ(0, p.nodes[0].node);
	EXPECT_EQ(3, p.nodes[0].weight);
	EXPECT_EQ(2, p.nodes[1].node);
	EXPECT_EQ(1, p.nodes[1].weight);
	ASSERT_EQ(0, tier_policy_parse("weighted:0=3,2=1,chunk=64K", &p));
	EXPECT_EQ(16, p.chunk_shift);
	ASSERT_EQ(0, tier_policy_parse("weighted:1=1000000", &p));
	EXPECT_EQ(CXLTIER_MAX_WEIGHT, p.nodes[0].weight);

	ASSERT_EQ(0, tier_policy_parse("split:0=30%,2=70%", &p));
	EXPECT_EQ(CXLTIER_MODE_SPLIT, p.mode);
	ASSERT_EQ(2, p.nr_nodes);
	EXPECT_EQ(30, p.nodes[0].weight);
	EXPECT_EQ(70, p.nodes[1].weight);
	ASSERT_EQ(0, tier_policy_parse("split:0=1,2=2", &p));
	EXPECT_EQ(1, p.nodes[0].weight);
	EXPECT_EQ(2, p.nodes[1].weight);
	ASSERT_EQ(0, tier_policy_parse("split:3=100%", &p));
	EXPECT_EQ(100, p.nodes[0].weight);
}

TEST(policy_parse_options)
{
	struct tier_policy p;

	ASSERT_EQ(0, tier_policy_parse("bind:0,populate", &p));
	EXPECT_EQ(CXLTIER_CREATE_POPULATE, p.flags);
	ASSERT_EQ(0, tier_policy_parse("bind:0,fallback", &p));
	EXPECT_EQ(CXLTIER_CREATE_FALLBACK, p.flags);
	ASSERT_EQ(0, tier_policy_parse("bind:0,pinnable", &p));
	EXPECT_EQ(CXLTIER_CREATE_PINNABLE, p.flags);
	ASSERT_EQ(0, tier_policy_parse("bind:0,page=2M,huge-fallback", &p));
	EXPECT_EQ(CXLTIER_CREATE_HUGE_FALLBACK, p.flags);
	EXPECT_EQ(21, p.page_shift);
	ASSERT_EQ(0, tier_policy_parse("bind:0,reserve", &p));
	EXPECT_EQ(CXLTIER_CREATE_RESERVE, p.flags);
	EXPECT_EQ(-EINVAL, tier_policy_parse("bind:0,reserve,reserve", &p));
	EXPECT_EQ(-EINVAL, tier_policy_parse("bind:0,reserve=1", &p));

	/* anywhere among the nodes, in any order */
	ASSERT_EQ(0, tier_policy_parse("interleave:huge-fallback,1,pinnable,chunk=4M,0,fallback,page=2M,populate", &p));
	EXPECT_EQ(CXLTIER_CREATE_FALLBACK | CXLTIER_CREATE_POPULATE |
		  CXLTIER_CREATE_PINNABLE | CXLTIER_CREATE_HUGE_FALLBACK, p.flags);
	EXPECT_EQ(21, p.page_shift);
	EXPECT_EQ(22, p.chunk_shift);
	ASSERT_EQ(2, p.nr_nodes);
	EXPECT_EQ(1, p.nodes[0].node);
	EXPECT_EQ(0, p.nodes[1].node);

	/* a chunk as large as the page is allowed, and kept as given */
	ASSERT_EQ(0, tier_policy_parse("interleave:0,page=2M,chunk=2M", &p));
	EXPECT_EQ(21, p.chunk_shift);
	ASSERT_EQ(0, tier_policy_parse("weighted:0=1,chunk=1G", &p));
	EXPECT_EQ(30, p.chunk_shift);
	ASSERT_EQ(0, tier_policy_parse("interleave:0,chunk=4096", &p));
	EXPECT_EQ(12, p.chunk_shift);
}

TEST(policy_round_trip)
{
	static const char *const canon[] = {
		"bind:0", "bind:3", "bind:1023", "bind:4294967295", "bind:0,2",
		"bind:5,1,3", "bind:0,page=4K", "bind:2,page=2M",
		"bind:2,page=1G", "bind:7,page=1024G",
		"preferred:2", "preferred:2,0", "preferred:0,1,2,3,fallback",
		"interleave:0,2", "interleave:2,0,chunk=4K",
		"interleave:0,2,chunk=2M", "interleave:0,1,page=2M,chunk=1G",
		"weighted:0=3,2=1", "weighted:2=1,0=3,chunk=64K",
		"weighted:0=1000000,1=1", "weighted:0=1,page=2M,chunk=2M",
		"split:0=30%,2=70%", "split:0=1,2=2", "split:2=100%",
		"split:0=33%,1=33%,2=34%", "split:0=99,1=2",
		"bind:0,fallback", "bind:0,populate", "bind:0,pinnable",
		"bind:0,huge-fallback", "bind:0,reserve",
		"split:0=30%,2=70%,page=2M,fallback,populate,pinnable,huge-fallback",
		"split:0=30%,2=70%,page=2M,fallback,populate,pinnable,huge-fallback,reserve",
		"weighted:3=2,2=1,page=2M,chunk=4M,populate,huge-fallback",
	};
	char out[TIER_POLICY_STRLEN];
	struct tier_policy p, q;
	size_t i;

	for (i = 0; i < sizeof(canon) / sizeof(canon[0]); i++) {
		ASSERT_EQ(0, tier_policy_parse(canon[i], &p)) TH_LOG("%s", canon[i]);
		ASSERT_EQ((int)strlen(canon[i]),
			  tier_policy_format(&p, out, sizeof(out))) TH_LOG("%s", canon[i]);
		EXPECT_STREQ(canon[i], out);
		ASSERT_EQ(0, tier_policy_parse(out, &q));
		EXPECT_EQ(0, memcmp(&p, &q, sizeof(p))) TH_LOG("%s", canon[i]);
	}
}

TEST(policy_canonical_form)
{
	static const struct { const char *in, *out; } cases[] = {
		{ "bind:page=4096,0", "bind:0,page=4K" },
		{ "bind:007", "bind:7" },
		{ "split:0=50,2=50", "split:0=50%,2=50%" },	/* sums to 100 */
		{ "split:0=030%,2=70%", "split:0=30%,2=70%" },
		{ "interleave:populate,chunk=65536,1,0,page=4K,fallback",
		  "interleave:1,0,page=4K,chunk=64K,fallback,populate" },
		{ "weighted:huge-fallback,pinnable,0=2,chunk=1024M",
		  "weighted:0=2,chunk=1G,pinnable,huge-fallback" },
		{ "preferred:reserve,2,populate,0", "preferred:2,0,populate,reserve" },
		/* sizes are tier_size_parse()'s: any case, B or iB, decimals */
		{ "bind:0,page=4k", "bind:0,page=4K" },
		{ "bind:0,page=2MB", "bind:0,page=2M" },
		{ "interleave:0,chunk=0.5MiB", "interleave:0,chunk=512K" },
		{ "bind:0,page=1T", "bind:0,page=1024G" },
	};
	char out[TIER_POLICY_STRLEN];
	struct tier_policy p;
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		ASSERT_EQ(0, tier_policy_parse(cases[i].in, &p)) TH_LOG("%s", cases[i].in);
		ASSERT_LT(0, tier_policy_format(&p, out, sizeof(out)));
		EXPECT_STREQ(cases[i].out, out);
	}
}

TEST(policy_max_nodes)
{
	char s[TIER_POLICY_STRLEN], out[TIER_POLICY_STRLEN];
	struct tier_policy p;
	size_t pos;
	int i;

	pos = (size_t)snprintf(s, sizeof(s), "bind:");
	for (i = 0; i < TIER_MAX_POLICY_NODES; i++)
		pos += (size_t)snprintf(s + pos, sizeof(s) - pos, "%s%d",
					i ? "," : "", 1000 + i);
	ASSERT_EQ(0, tier_policy_parse(s, &p));
	EXPECT_EQ(TIER_MAX_POLICY_NODES, p.nr_nodes);
	ASSERT_EQ((int)strlen(s), tier_policy_format(&p, out, sizeof(out)));
	EXPECT_STREQ(s, out);
	snprintf(s + pos, sizeof(s) - pos, ",9");	/* one too many */
	EXPECT_EQ(-EINVAL, tier_policy_parse(s, &p));

	/* The longest string there is fits TIER_POLICY_STRLEN. */
	pos = (size_t)snprintf(s, sizeof(s), "weighted:");
	for (i = 0; i < TIER_MAX_POLICY_NODES; i++)
		pos += (size_t)snprintf(s + pos, sizeof(s) - pos, "%s%u=%d",
					i ? "," : "", 4294967295U - (unsigned int)i,
					CXLTIER_MAX_WEIGHT);
	snprintf(s + pos, sizeof(s) - pos,
		 ",page=1024G,chunk=1G,fallback,populate,pinnable,huge-fallback,reserve");
	ASSERT_EQ(-EINVAL, tier_policy_parse(s, &p));	/* chunk below page */
	pos = strlen(s) - strlen(",page=1024G,chunk=1G,fallback,populate,pinnable,huge-fallback,reserve");
	snprintf(s + pos, sizeof(s) - pos,
		 ",page=1G,chunk=1G,fallback,populate,pinnable,huge-fallback,reserve");
	ASSERT_EQ(0, tier_policy_parse(s, &p));
	ASSERT_EQ((int)strlen(s), tier_policy_format(&p, out, sizeof(out)));
	EXPECT_STREQ(s, out);
	EXPECT_LT(strlen(s) + 1, TIER_POLICY_STRLEN);
}

TEST(policy_rejects_malformed)
{
	static const char *const bad[] = {
		/* syntax */
		"", "bind", "bind:", ":0", "BIND:0", "bind :0", "bind: 0",
		"bind:0 ", "bind:,0", "bind:0,", "bind:0,,1", "bind:x",
		"bind:-1", "bind:+1", "bind:0x1", "bind:1.5", "bind:0:1",
		"bind:4294967296", "foo:0", "binding:0", "bin:0", "Split:0=1",
		/* nodes and weights per mode */
		"bind:0=1", "bind:0=", "bind:0=1%", "bind:0,0",
		"preferred:0=1", "interleave:0=1", "interleave:0,0",
		"weighted:0", "weighted:0=3,2", "weighted:0=0", "weighted:0=",
		"weighted:0=1%", "weighted:0=1000001", "weighted:0=1,0=2",
		"weighted:0==1", "weighted:0=1=2",
		"split:0", "split:0=0", "split:0=0%,1=100%", "split:0=30%,2=60%",
		"split:0=30%,2=70", "split:0=30,2=70%", "split:0=101%",
		"split:0=%", "split:0=50%%", "split:0=1000001", "split:0=%50",
		/* nothing but options */
		"bind:page=4K", "interleave:fallback", "preferred:", "interleave:",
		"weighted:", "split:",
		/* page= */
		"bind:0,page=", "bind:0,page=3K", "bind:0,page=2K",
		"bind:0,page=2048G", "bind:0,page=4K,page=4K", "bind:0,page",
		"bind:0,page=0", "bind:0,page=1.5K", "bind:0,page=0.1K",
		"bind:0,page=4KX", "bind:0,page=4 K", "bind:0,page=2T",
		/* chunk= */
		"bind:0,chunk=64K", "preferred:0,chunk=64K", "split:0=1,chunk=64K",
		"interleave:0,chunk=2K", "interleave:0,chunk=2G",
		"interleave:0,chunk=3M", "interleave:0,chunk=",
		"interleave:0,chunk", "interleave:0,page=2M,chunk=64K",
		"interleave:0,chunk=64K,page=2M", "interleave:0,chunk=64K,chunk=64K",
		/* flags */
		"bind:0,populate=1", "bind:0,populate=", "bind:0,populate,populate",
		"bind:0,Populate", "bind:0,huge_fallback", "bind:0,hugefallback",
		"bind:0,pinned", "bind:0,fallback=yes", "bind:0,foo=1",
		"bind:0,Page=4K", "bind:0,-populate",
	};
	struct tier_policy p;
	size_t i;

	EXPECT_EQ(-EINVAL, tier_policy_parse(NULL, &p));
	EXPECT_EQ(-EINVAL, tier_policy_parse("bind:0", NULL));
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		memset(&p, 0xa5, sizeof(p));
		EXPECT_EQ(-EINVAL, tier_policy_parse(bad[i], &p))
			TH_LOG("\"%s\" accepted", bad[i]);
		/* a failed parse leaves nothing half-filled */
		EXPECT_EQ(0, p.nr_nodes);
		EXPECT_EQ(0, p.nodes[0].node);
		EXPECT_EQ(0, p.flags);
		EXPECT_EQ(0, p.chunk_shift);
	}
}

/* Node ranges, numactl's spelling: each node of the range, ascending. */
TEST(policy_ranges)
{
	static const char *const bad[] = {
		"bind:3-1", "bind:0-", "bind:-", "bind:0--1", "bind:0-x",
		"split:0-1=50%", "split:0-1=1", "bind:0-2,1", "weighted:0-1",
		"bind:0-64", "interleave:0-1-2",
	};
	struct tier_policy p;
	char why[256];
	size_t i;

	ASSERT_EQ(0, tier_policy_parse("bind:0-3", &p));
	ASSERT_EQ(4U, p.nr_nodes);
	for (i = 0; i < 4; i++)
		EXPECT_EQ(i, p.nodes[i].node);
	ASSERT_EQ(0, tier_policy_parse("weighted:0-1=3,4=1,chunk=64K", &p));
	ASSERT_EQ(3U, p.nr_nodes);
	EXPECT_EQ(0U, p.nodes[0].node);
	EXPECT_EQ(3U, p.nodes[0].weight);
	EXPECT_EQ(1U, p.nodes[1].node);
	EXPECT_EQ(3U, p.nodes[1].weight);
	EXPECT_EQ(4U, p.nodes[2].node);
	EXPECT_EQ(1U, p.nodes[2].weight);
	ASSERT_EQ(0, tier_policy_parse("interleave:2-2", &p));
	ASSERT_EQ(1U, p.nr_nodes);
	EXPECT_EQ(2U, p.nodes[0].node);
	ASSERT_EQ(0, tier_policy_parse("preferred:5,0-1", &p));
	ASSERT_EQ(3U, p.nr_nodes);
	EXPECT_EQ(5U, p.nodes[0].node);
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		const char *b = bad[i] ? bad[i] : "";

		EXPECT_EQ(-EINVAL, tier_policy_parse(b, &p))
			TH_LOG("\"%s\" accepted", b);
	}
	/* what the messages say */
	EXPECT_EQ(-EINVAL, tier_policy_explain("bind:3-1", why, sizeof(why)));
	EXPECT_STREQ("3-1: a range goes up (1-3)", why);
	EXPECT_EQ(-EINVAL, tier_policy_explain("split:0-1=50%", why, sizeof(why)));
	EXPECT_STREQ("0-1=50%: split gives each node its own share: name the nodes one by one", why);
	EXPECT_EQ(-EINVAL, tier_policy_explain("bind:0-2,1", why, sizeof(why)));
	EXPECT_STREQ("1: node 1 given twice", why);
}

/* The messages the README promises, word for word. */
TEST(policy_errors_say_what_and_where)
{
	static const struct {
		const char *in, *why;
	} cases[] = {
		{ "split:0=30%,2=80%", "shares add up to 110%, not 100%" },
		{ "BIND:0", "unknown mode \"BIND\" (bind, preferred, interleave, weighted, split)" },
		{ "bind", "MODE:NODES expected (bind:0, interleave:0-3, weighted:dram=3,cxl=1)" },
		{ "weighted:0,2=1", "0: weighted needs a weight for each node (0=1)" },
		{ "bind:0,foo", "foo: unknown option (page=, chunk=, fallback, populate, pinnable, huge-fallback, reserve)" },
		{ "interleave:cxl", "cxl: a tier name needs this host's topology (tier_policy_parse_ctx())" },
		/* without a topology, what else is wrong comes first */
		{ "interleave:cxl,foo", "foo: unknown option (page=, chunk=, fallback, populate, pinnable, huge-fallback, reserve)" },
		{ "weighted:dram=3,cxl", "cxl: weighted needs a weight for each node (cxl=1)" },
		{ "interleave:all,chunk=3K", "chunk=3K: a chunk is a power of two from 4K to 1024M" },
		{ "interleave:dram,cxl=1", "cxl=1: interleave takes no weights" },
		/* else the first name */
		{ "weighted:0=1,dram=3,cxl=1", "dram=3: a tier name needs this host's topology (tier_policy_parse_ctx())" },
	};
	char why[256];
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		EXPECT_EQ(-EINVAL, tier_policy_explain(cases[i].in, why, sizeof(why)));
		EXPECT_STREQ(cases[i].why, why) TH_LOG("%s", cases[i].in);
	}
	EXPECT_EQ(0, tier_policy_explain("bind:0-1", why, sizeof(why)));
	EXPECT_STREQ("", why);
}

/*
 * Tier names on a context's topology: all, dram and cxl are the nodes of
 * the snapshot (all of them, or of that tier), in order, each with the
 * item's weight; a tier the host lacks is refused, and so is a name in
 * split.  Whatever this host has (one DRAM node here, DRAM and CXL in the
 * test host).
 */
TEST(policy_tier_names)
{
	static const char *const names[] = { "all", "dram", "cxl" };
	struct tier_policy p;
	struct tier_ctx *ctx;
	struct tier_node n;
	char s[64], why[256];
	int i, k, nr;

	ASSERT_EQ(0, tier_open(&ctx, 0));
	nr = tier_nr_nodes(ctx);
	for (k = 0; k < 3; k++) {
		uint32_t want[TIER_MAX_POLICY_NODES], nw = 0, j;

		for (i = 0; i < nr; i++) {
			ASSERT_EQ(0, tier_node(ctx, i, &n));
			if (k == 0 || n.tier == (k == 1 ? CXLTIER_TIER_DRAM : CXLTIER_TIER_CXL))
				want[nw++] = n.node;
		}
		snprintf(s, sizeof(s), "weighted:%s=7", names[k]);
		if (!nw) {
			EXPECT_EQ(-EINVAL, tier_policy_parse_ctx(ctx, s, &p));
			EXPECT_EQ(-EINVAL, tier_policy_explain_ctx(ctx, s, why, sizeof(why)));
			/* the tier's name, as tier_tier_name() spells it */
			snprintf(s, sizeof(s), "this host has no %s node",
				 tier_tier_name(k == 1 ? CXLTIER_TIER_DRAM : CXLTIER_TIER_CXL));
			EXPECT_NE(NULL, strstr(why, s)) TH_LOG("%s", why);
			continue;
		}
		ASSERT_EQ(0, tier_policy_parse_ctx(ctx, s, &p)) TH_LOG("%s", s);
		ASSERT_EQ(nw, p.nr_nodes);
		for (j = 0; j < nw; j++) {
			EXPECT_EQ(want[j], p.nodes[j].node);
			EXPECT_EQ(7U, p.nodes[j].weight);
		}
		/* without a context, refused, and the names are not options */
		EXPECT_EQ(-EINVAL, tier_policy_parse(s, &p));
		snprintf(s, sizeof(s), "split:%s=100%%", names[k]);
		EXPECT_EQ(-EINVAL, tier_policy_parse_ctx(ctx, s, &p));
	}
	EXPECT_EQ(-EINVAL, tier_policy_parse_ctx(ctx, "interleave:all,all", &p));
	EXPECT_EQ(-EINVAL, tier_policy_parse_ctx(ctx, "interleave:memory", &p));
	tier_close(ctx);
}

/* Every mode of the uapi has a name: no mode is "reserved" any more. */
TEST(policy_every_mode_has_a_name)
{
	static const char *const names[CXLTIER_NR_MODES] = {
		[CXLTIER_MODE_BIND] = "bind:0",
		[CXLTIER_MODE_PREFERRED] = "preferred:0",
		[CXLTIER_MODE_INTERLEAVE] = "interleave:0",
		[CXLTIER_MODE_WEIGHTED] = "weighted:0=1",
		[CXLTIER_MODE_SPLIT] = "split:0=100%",
	};
	char out[TIER_POLICY_STRLEN];
	struct tier_policy p;
	uint32_t m;

	for (m = 0; m < CXLTIER_NR_MODES; m++) {
		ASSERT_NE(NULL, names[m]);
		ASSERT_EQ(0, tier_policy_parse(names[m], &p)) TH_LOG("%s", names[m]);
		EXPECT_EQ(m, p.mode);
		ASSERT_LT(0, tier_policy_format(&p, out, sizeof(out)));
		EXPECT_STREQ(names[m], out);
	}
}

static void policy_of(struct tier_policy *p, const char *s)
{
	if (tier_policy_parse(s, p))
		abort();
}

TEST(policy_format_rejects)
{
	char out[TIER_POLICY_STRLEN];
	struct tier_policy p;

	bind_policy(&p, 0);
	EXPECT_EQ(-EINVAL, tier_policy_format(NULL, out, sizeof(out)));
	EXPECT_EQ(-EINVAL, tier_policy_format(&p, NULL, sizeof(out)));
	p.mode = CXLTIER_NR_MODES;
	EXPECT_EQ(-EINVAL, tier_policy_format(&p, out, sizeof(out)));
	bind_policy(&p, 0);
	p.nr_nodes = 0;
	EXPECT_EQ(-EINVAL, tier_policy_format(&p, out, sizeof(out)));
	p.nr_nodes = TIER_MAX_POLICY_NODES + 1;
	EXPECT_EQ(-EINVAL, tier_policy_format(&p, out, sizeof(out)));
	bind_policy(&p, 0);
	p.flags = CXLTIER_CREATE_RESERVE << 1;	/* unknown flag */
	EXPECT_EQ(-EINVAL, tier_policy_format(&p, out, sizeof(out)));
	bind_policy(&p, 0);
	p.__reserved[2] = 1;
	EXPECT_EQ(-EINVAL, tier_policy_format(&p, out, sizeof(out)));
	bind_policy(&p, 0);
	p.nodes[0].weight = 1;		/* bind takes no weights */
	EXPECT_EQ(-EINVAL, tier_policy_format(&p, out, sizeof(out)));
	bind_policy(&p, 0);
	p.nr_nodes = 2;			/* node 0 twice */
	EXPECT_EQ(-EINVAL, tier_policy_format(&p, out, sizeof(out)));
	bind_policy(&p, 0);
	p.page_shift = 5;
	EXPECT_EQ(-EINVAL, tier_policy_format(&p, out, sizeof(out)));
	p.page_shift = 41;
	EXPECT_EQ(-EINVAL, tier_policy_format(&p, out, sizeof(out)));
	bind_policy(&p, 0);
	p.chunk_shift = 16;		/* bind takes no chunk */
	EXPECT_EQ(-EINVAL, tier_policy_format(&p, out, sizeof(out)));

	policy_of(&p, "interleave:0,1");
	p.chunk_shift = 11;
	EXPECT_EQ(-EINVAL, tier_policy_format(&p, out, sizeof(out)));
	p.chunk_shift = 31;
	EXPECT_EQ(-EINVAL, tier_policy_format(&p, out, sizeof(out)));
	p.chunk_shift = 16;
	p.page_shift = 21;		/* chunk below the page */
	EXPECT_EQ(-EINVAL, tier_policy_format(&p, out, sizeof(out)));
	policy_of(&p, "interleave:0,1");
	p.nodes[1].weight = 2;
	EXPECT_EQ(-EINVAL, tier_policy_format(&p, out, sizeof(out)));
	policy_of(&p, "preferred:0,1");
	p.nodes[0].weight = 2;
	EXPECT_EQ(-EINVAL, tier_policy_format(&p, out, sizeof(out)));
	policy_of(&p, "weighted:0=1,1=1");
	p.nodes[1].weight = 0;
	EXPECT_EQ(-EINVAL, tier_policy_format(&p, out, sizeof(out)));
	p.nodes[1].weight = CXLTIER_MAX_WEIGHT + 1;
	EXPECT_EQ(-EINVAL, tier_policy_format(&p, out, sizeof(out)));
	policy_of(&p, "split:0=1,1=1");
	p.nodes[0].weight = 0;
	EXPECT_EQ(-EINVAL, tier_policy_format(&p, out, sizeof(out)));
	policy_of(&p, "split:0=1,1=1");
	p.chunk_shift = 16;		/* split takes no chunk */
	EXPECT_EQ(-EINVAL, tier_policy_format(&p, out, sizeof(out)));
}

TEST(policy_format_short_buffer)
{
	struct tier_policy p;
	char out[16];

	bind_policy(&p, 12);		/* "bind:12": 7 characters */
	memset(out, 'x', sizeof(out));
	EXPECT_EQ(-ENOSPC, tier_policy_format(&p, out, 4));
	EXPECT_STREQ("bin", out);
	EXPECT_EQ(-ENOSPC, tier_policy_format(&p, out, 7));
	EXPECT_STREQ("bind:1", out);
	EXPECT_EQ(7, tier_policy_format(&p, out, 8));
	EXPECT_STREQ("bind:12", out);
	memset(out, 'x', sizeof(out));
	EXPECT_EQ(-ENOSPC, tier_policy_format(&p, out, 0));
	EXPECT_EQ('x', out[0]);
}

/* ------------------------------------------------------------------------ */
/* Per-backend fixture                                                        */

/* Keys name exactly the module's files; anything else is -EINVAL. */
TEST(tune_keys_and_paths)
{
	static const struct { const char *key, *path; int rw; } good[] = {
		{ "default_policy", CXLTIER_SYSFS_DIR "/default_policy", 1 },
		{ "default_page_size", CXLTIER_SYSFS_DIR "/default_page_size", 1 },
		{ "low_free_percent", CXLTIER_SYSFS_DIR "/low_free_percent", 1 },
		{ "node.0.quota_bytes", CXLTIER_SYSFS_NODES_DIR "/node0/quota_bytes", 1 },
		{ "node.12.used_bytes", CXLTIER_SYSFS_NODES_DIR "/node12/used_bytes", 0 },
		{ "node.3.tier", CXLTIER_SYSFS_NODES_DIR "/node3/tier", 0 },
		{ "node.1023.alloc_pages", CXLTIER_SYSFS_NODES_DIR "/node1023/alloc_pages", 0 },
		{ "node.2.spill_pages", CXLTIER_SYSFS_NODES_DIR "/node2/spill_pages", 0 },
		{ "node.2.migrate_in_pages", CXLTIER_SYSFS_NODES_DIR "/node2/migrate_in_pages", 0 },
		{ "node.2.migrate_out_pages", CXLTIER_SYSFS_NODES_DIR "/node2/migrate_out_pages", 0 },
		{ "node.2.fault_failures", CXLTIER_SYSFS_NODES_DIR "/node2/fault_failures", 0 },
	};
	static const char *const bad[] = {
		"", "default", "default_policy ", "nodes", "node.", "node..tier",
		"node.x.tier", "node.-1.tier", "node.+1.tier", "node.01.tier",
		"node.12345678.tier", "node.1.", "node.1.tierx", "node.1.dev",
		"node.1.uevent", "node.1.../../x", "../default_policy",
		"node.1.quota_bytes/", "uevent", "dev",
	};
	char path[256], v[16];
	size_t i;

	for (i = 0; i < ARRAY_SIZE(good); i++) {
		EXPECT_EQ(0, tier_tune_path(good[i].key, path, sizeof(path)))
			TH_LOG("%s", good[i].key);
		EXPECT_STREQ(good[i].path, path);
		EXPECT_EQ(good[i].rw, tier_tune_writable(good[i].key));
	}
	for (i = 0; i < ARRAY_SIZE(bad); i++) {
		EXPECT_EQ(-EINVAL, tier_tune_path(bad[i], path, sizeof(path)))
			TH_LOG("\"%s\"", bad[i]);
		EXPECT_EQ(-EINVAL, tier_tune_writable(bad[i]));
		EXPECT_EQ(-EINVAL, tier_tune_get(bad[i], v, sizeof(v)));
		EXPECT_EQ(-EINVAL, tier_tune_set(bad[i], "1"));
	}
	EXPECT_EQ(-ENAMETOOLONG, tier_tune_path("default_policy", path, 10));
	EXPECT_EQ(-EINVAL, tier_tune_path(NULL, path, sizeof(path)));
	EXPECT_EQ(-EINVAL, tier_tune_get("default_policy", NULL, 4));
	EXPECT_EQ(-EINVAL, tier_tune_set("default_policy", NULL));
	EXPECT_EQ(-EROFS, tier_tune_set("node.0.alloc_pages", "0"));
	EXPECT_EQ(-EINVAL, tier_tune_foreach(NULL, NULL));
}

/* Without the module: -ENODEV, said apart from a missing node. */
TEST(tune_without_module)
{
	char v[64];

	if (!access(CXLTIER_SYSFS_DIR, F_OK))
		SKIP(return, "the module is loaded here");
	EXPECT_EQ(-ENODEV, tier_tune_get("default_policy", v, sizeof(v)));
	EXPECT_EQ(-ENODEV, tier_tune_get("node.0.alloc_pages", v, sizeof(v)));
	EXPECT_EQ(-ENODEV, tier_tune_set("low_free_percent", "5"));
}

FIXTURE(lib) {
	struct tier_ctx *ctx;
	struct tier_node first;		/* first node of the topology */
};

FIXTURE_VARIANT(lib) {
	unsigned int flags;
	int backend;
};

FIXTURE_VARIANT_ADD(lib, mbind) {
	.flags = TIER_OPEN_FALLBACK,
	.backend = TIER_BACKEND_MBIND,
};

FIXTURE_VARIANT_ADD(lib, module) {
	.flags = TIER_OPEN_MODULE,
	.backend = TIER_BACKEND_MODULE,
};

/*
 * 6.1's harness goes on to run the test after a SKIP() in FIXTURE_SETUP
 * (later kernels fixed it); end the test process with its skip status.
 */
#define SETUP_SKIP(fmt, ...)	SKIP(_exit(255), fmt, ##__VA_ARGS__)

FIXTURE_SETUP(lib)
{
	if (variant->backend == TIER_BACKEND_MODULE && !have_module())
		SETUP_SKIP("%s absent: cxltier module not loaded",
			   CXLTIER_DEVICE_PATH);
	unsetenv("LIBTIER_BACKEND");
	ASSERT_EQ(0, tier_open(&self->ctx, variant->flags));
	ASSERT_EQ(variant->backend, tier_backend(self->ctx));
	ASSERT_EQ(0, tier_node(self->ctx, 0, &self->first));
}

FIXTURE_TEARDOWN(lib)
{
	tier_close(self->ctx);
}

TEST_F(lib, info)
{
	struct tier_info info;

	EXPECT_EQ(-EINVAL, tier_get_info(NULL, &info));
	EXPECT_EQ(-EINVAL, tier_get_info(self->ctx, NULL));
	ASSERT_EQ(0, tier_get_info(self->ctx, &info));
	if (variant->backend == TIER_BACKEND_MODULE) {
		EXPECT_GE(info.api_version, CXLTIER_API_VERSION);
		/* what the module of this API version implements */
		EXPECT_EQ(CXLTIER_CREATE_FALLBACK | CXLTIER_CREATE_POPULATE |
			  CXLTIER_CREATE_PINNABLE | CXLTIER_CREATE_HUGE_FALLBACK |
			  CXLTIER_CREATE_RESERVE | CXLTIER_CREATE_DEFAULT_POLICY,
			  info.supported_create_flags);
		EXPECT_EQ(page_size() | (2ULL << 20), info.supported_page_sizes);
	} else {
		EXPECT_EQ(0, info.api_version);
		/* pinnable cannot be promised; 2 MiB only with huge-fallback */
		EXPECT_EQ(CXLTIER_CREATE_FALLBACK | CXLTIER_CREATE_POPULATE |
			  CXLTIER_CREATE_HUGE_FALLBACK, info.supported_create_flags);
		EXPECT_EQ(page_size(), info.supported_page_sizes);
	}
	EXPECT_EQ(TIER_MAX_POLICY_NODES, info.max_policy_nodes);
	EXPECT_EQ((1ULL << CXLTIER_NR_MODES) - 1, info.supported_modes);
	EXPECT_EQ(page_size(), info.page_size);
}

TEST_F(lib, topology_lookup)
{
	int i, nr = tier_nr_nodes(self->ctx);
	struct tier_node n, m;

	ASSERT_GE(nr, 1);
	for (i = 0; i < nr; i++) {
		ASSERT_EQ(0, tier_node(self->ctx, i, &n));
		if (i) {
			EXPECT_LT(m.node, n.node);	/* ascending, unique */
		}
		ASSERT_EQ(0, tier_node_by_id(self->ctx, (int)n.node, &m));
		EXPECT_EQ(0, memcmp(&n, &m, sizeof(n)));
	}
	EXPECT_EQ(-ERANGE, tier_node(self->ctx, -1, &n));
	EXPECT_EQ(-ERANGE, tier_node(self->ctx, nr, &n));
	EXPECT_EQ(-EINVAL, tier_node(self->ctx, 0, NULL));
	EXPECT_EQ(-EINVAL, tier_node(NULL, 0, &n));
	EXPECT_EQ(-EINVAL, tier_node_by_id(self->ctx, -1, &n));
	EXPECT_EQ(-EINVAL, tier_node_by_id(self->ctx, 0, NULL));
	EXPECT_EQ(-ENODEV, tier_node_by_id(self->ctx, (int)absent_node(self->ctx), &n));
	ASSERT_EQ(0, tier_topo_refresh(self->ctx));
	EXPECT_EQ(nr, tier_nr_nodes(self->ctx));
}

/*
 * A node's managed pages (what the module and libtier call its total: pages
 * the page allocator can hand out), summed from /proc/zoneinfo here, with
 * a parser of the test's own; 0 when the node is not listed.
 */
static uint64_t zoneinfo_managed_bytes(unsigned int node)
{
	char line[256];
	unsigned long long pages = 0, v;
	int in_node = 0, n;
	FILE *f = fopen("/proc/zoneinfo", "r");

	if (!f)
		return 0;
	while (fgets(line, sizeof(line), f)) {
		if (sscanf(line, "Node %d, zone", &n) == 1)
			in_node = n == (int)node;
		else if (in_node && sscanf(line, " managed %llu", &v) == 1)
			pages += v;
	}
	fclose(f);
	return pages * (uint64_t)sysconf(_SC_PAGESIZE);
}

/*
 * The same facts through libnuma: node set, sizes, CPUs, distances.  A
 * node's size: libnuma reads the node's MemTotal, which equals its managed
 * pages on the kernels the module supports but can be larger on others
 * (seen on a 6.18 host whose memory is hot-plugged); libtier's total is
 * managed pages everywhere, so it is checked against those and bounded by
 * libnuma's.
 */
TEST_F(lib, topology_matches_libnuma)
{
	struct bitmask *cpus, *mem;
	char text[4096] = "";
	int i, nr = tier_nr_nodes(self->ctx), nr_mem = 0, fd;
	ssize_t len;

	ASSERT_NE(-1, numa_available());
	fd = open("/sys/devices/system/node/has_memory", O_RDONLY);
	ASSERT_LE(0, fd);
	len = read(fd, text, sizeof(text) - 1);
	close(fd);
	ASSERT_LT(0, len);
	text[strcspn(text, "\n")] = '\0';
	mem = numa_parse_nodestring(text);
	ASSERT_NE(NULL, mem);
	for (i = 0; i <= numa_max_node(); i++)
		nr_mem += numa_bitmask_isbitset(mem, (unsigned int)i);
	EXPECT_EQ(nr_mem, nr);

	cpus = numa_allocate_cpumask();
	for (i = 0; i < nr; i++) {
		struct tier_node n;
		int c, has_cpus, best = -1, best_d = INT_MAX, cxl;

		ASSERT_EQ(0, tier_node(self->ctx, i, &n));
		EXPECT_TRUE(numa_bitmask_isbitset(mem, n.node)) TH_LOG("node %u", n.node);
		EXPECT_EQ(zoneinfo_managed_bytes(n.node), n.total_bytes)
			TH_LOG("node %u", n.node);
		EXPECT_LE(n.total_bytes, (uint64_t)numa_node_size64((int)n.node, NULL))
			TH_LOG("node %u", n.node);
		EXPECT_LE(n.free_bytes, n.total_bytes);
		EXPECT_LE(n.movable_bytes, n.total_bytes);
		EXPECT_EQ(!!(n.zones & CXLTIER_ZONE_MOVABLE), n.movable_bytes > 0);
		EXPECT_EQ(!!(n.flags & CXLTIER_NODE_MOVABLE_ONLY),
			  n.movable_bytes && n.movable_bytes == n.total_bytes);
		EXPECT_NE(0, n.zones);

		ASSERT_EQ(0, numa_node_to_cpus((int)n.node, cpus));
		has_cpus = numa_bitmask_weight(cpus) > 0;
		EXPECT_EQ(has_cpus, !!(n.flags & CXLTIER_NODE_HAS_CPUS))
			TH_LOG("node %u", n.node);
		for (c = 0; c <= numa_max_node(); c++) {
			if (numa_node_to_cpus(c, cpus) || !numa_bitmask_weight(cpus))
				continue;
			if (numa_distance((int)n.node, c) < best_d) {
				best_d = numa_distance((int)n.node, c);
				best = c;
			}
		}
		if (has_cpus) {
			EXPECT_EQ(n.node, n.nearest_cpu_node);
			EXPECT_EQ(numa_distance((int)n.node, (int)n.node),
				  (int)n.distance);
		} else if (best >= 0) {
			EXPECT_EQ(best, (int)n.nearest_cpu_node);
			EXPECT_EQ(best_d, (int)n.distance);
		}
		cxl = !has_cpus && ((n.flags & CXLTIER_NODE_MOVABLE_ONLY) ||
				    n.distance >= 30);
		EXPECT_EQ(cxl ? CXLTIER_TIER_CXL : CXLTIER_TIER_DRAM, n.tier)
			TH_LOG("node %u", n.node);
	}
	numa_bitmask_free(cpus);
	numa_bitmask_free(mem);
}

#define TEST_LEN	((size_t)(4 << 20) + 123)	/* not page-aligned */

/*
 * tier_buf_migrate(): the module moves every page to the new node and the
 * handle's policy follows; tier_buf_from_fd() of a dup sees the same
 * buffer; the mbind backend says -EOPNOTSUPP.
 */
TEST_F(lib, buffer_migrate)
{
	struct tier_migrate_result r;
	struct tier_buf_stat st;
	struct tier_policy p, q;
	struct tier_buf *buf, *other;
	struct tier_node n2;
	void *addr;
	int i, nr = tier_nr_nodes(self->ctx);

	bind_policy(&p, self->first.node);
	ASSERT_EQ(0, tier_buf_create(self->ctx, TEST_LEN, &p, &buf));
	ASSERT_EQ(0, tier_buf_map(buf, &addr));
	fill(addr, round_up(TEST_LEN), 7);
	EXPECT_EQ(-EINVAL, tier_buf_migrate(NULL, &p, 0, 0, &r));
	EXPECT_EQ(-EINVAL, tier_buf_migrate(buf, NULL, 0, 0, &r));
	q = p;
	q.page_shift = 21;
	EXPECT_EQ(-EINVAL, tier_buf_migrate(buf, &q, 0, 0, &r));
	EXPECT_EQ(-EINVAL, tier_buf_migrate_status(buf, NULL));
	if (variant->backend == TIER_BACKEND_MBIND) {
		EXPECT_EQ(-EOPNOTSUPP, tier_buf_migrate(buf, &p, 0, 0, &r));
		EXPECT_EQ(-EOPNOTSUPP, tier_buf_migrate_status(buf, &r));
		EXPECT_EQ(-EOPNOTSUPP, tier_buf_from_fd(self->ctx,
						dup(tier_buf_fd(buf)), &other));
		tier_buf_destroy(buf);
		return;
	}
	for (i = 0; i < nr; i++) {
		ASSERT_EQ(0, tier_node(self->ctx, i, &n2));
		if (n2.node != self->first.node &&
		    n2.free_bytes > 8 * round_up(TEST_LEN))
			break;
	}
	if (i == nr) {
		tier_buf_destroy(buf);
		SKIP(return, "needs a second node with memory");
	}
	bind_policy(&q, n2.node);
	ASSERT_EQ(0, tier_buf_migrate(buf, &q, 0, 0, &r));
	EXPECT_EQ(round_up(TEST_LEN), r.moved_bytes);
	EXPECT_EQ(0, r.skipped_bytes);
	EXPECT_EQ(0, r.failed_bytes);
	EXPECT_EQ(CXLTIER_MIGRATE_STATE_DONE, r.state);
	ASSERT_EQ(0, tier_buf_stat(buf, &st));
	ASSERT_EQ(1, st.nr_resident);
	EXPECT_EQ(n2.node, st.resident[0].node);
	EXPECT_EQ(n2.node, st.policy.nodes[0].node);
	EXPECT_EQ(SIZE_MAX, check(addr, round_up(TEST_LEN), 7));

	ASSERT_EQ(0, tier_buf_migrate_status(buf, &r));
	EXPECT_EQ(CXLTIER_MIGRATE_STATE_DONE, r.state);
	EXPECT_EQ(1, r.seq);
	EXPECT_EQ(round_up(TEST_LEN), r.moved_bytes);

	ASSERT_EQ(0, tier_buf_from_fd(self->ctx, dup(tier_buf_fd(buf)), &other));
	EXPECT_EQ(tier_buf_id(buf), tier_buf_id(other));
	EXPECT_EQ(TEST_LEN, tier_buf_length(other));
	ASSERT_EQ(0, tier_buf_migrate(other, &p, 0, 0, &r));
	EXPECT_EQ(round_up(TEST_LEN), r.moved_bytes);
	ASSERT_EQ(0, tier_buf_stat(buf, &st));
	EXPECT_EQ(self->first.node, st.resident[0].node);
	EXPECT_EQ(SIZE_MAX, check(addr, round_up(TEST_LEN), 7));
	tier_buf_destroy(other);
	tier_buf_destroy(buf);
	/* not a buffer fd */
	EXPECT_EQ(-ENOTTY, tier_buf_from_fd(self->ctx, open("/dev/null",
							O_RDONLY), &other));
}

/* Every node: create, map, zero on first touch, pattern, all pages there. */
TEST_F(lib, buffer_on_every_node)
{
	int i, nr = tier_nr_nodes(self->ctx), tested = 0;

	for (i = 0; i < nr; i++) {
		struct tier_buf_stat st;
		struct tier_policy p;
		struct tier_buf *buf;
		struct tier_node n;
		void *addr, *again;

		ASSERT_EQ(0, tier_node(self->ctx, i, &n));
		if (n.free_bytes < 8 * round_up(TEST_LEN)) {
			TH_LOG("node %u: %llu bytes free, too few to test", n.node,
			       (unsigned long long)n.free_bytes);
			continue;
		}
		bind_policy(&p, n.node);
		ASSERT_EQ(0, tier_buf_create(self->ctx, TEST_LEN, &p, &buf));
		EXPECT_LE(0, tier_buf_fd(buf));
		EXPECT_EQ(TEST_LEN, tier_buf_length(buf));

		/* nothing resident before the first touch */
		ASSERT_EQ(0, tier_buf_stat(buf, &st));
		EXPECT_EQ(tier_buf_id(buf), st.id);
		EXPECT_EQ(TEST_LEN, st.length);
		EXPECT_EQ(round_up(TEST_LEN), st.map_length);
		EXPECT_EQ(CXLTIER_MODE_BIND, st.mode);
		EXPECT_EQ(page_shift(), st.page_shift);
		EXPECT_EQ(0, st.create_flags);
		EXPECT_EQ(1, st.policy.nr_nodes);
		EXPECT_EQ(n.node, st.policy.nodes[0].node);
		EXPECT_EQ(0, st.resident_bytes);
		EXPECT_EQ(0, st.nr_resident);

		ASSERT_EQ(0, tier_buf_map(buf, &addr));
		ASSERT_EQ(0, tier_buf_map(buf, &again));	/* idempotent */
		EXPECT_EQ(addr, again);
		EXPECT_TRUE(all_zero(addr, round_up(TEST_LEN)));
		fill(addr, round_up(TEST_LEN), n.node);
		EXPECT_EQ(SIZE_MAX, check(addr, round_up(TEST_LEN), n.node));

		ASSERT_EQ(0, tier_buf_stat(buf, &st));
		EXPECT_EQ(round_up(TEST_LEN), st.resident_bytes) TH_LOG("node %u", n.node);
		ASSERT_EQ(1, st.nr_resident);
		EXPECT_EQ(n.node, st.resident[0].node);
		EXPECT_EQ(round_up(TEST_LEN), st.resident[0].bytes);
		tier_buf_destroy(buf);
		tested++;
	}
	EXPECT_LT(0, tested);
}

/* The pages belong to the buffer, not to a mapping of it. */
TEST_F(lib, unmap_keeps_pages_and_data)
{
	size_t len = round_up(TEST_LEN);
	struct tier_buf_stat st;
	struct tier_policy p;
	struct tier_buf *buf;
	void *addr, *other;

	bind_policy(&p, self->first.node);
	ASSERT_EQ(0, tier_buf_create(self->ctx, TEST_LEN, &p, &buf));
	ASSERT_EQ(0, tier_buf_map(buf, &addr));
	fill(addr, len, 42);
	ASSERT_EQ(0, tier_buf_unmap(buf));
	ASSERT_EQ(0, tier_buf_unmap(buf));		/* not mapped: fine */

	/* counted while nothing maps it */
	ASSERT_EQ(0, tier_buf_stat(buf, &st));
	EXPECT_EQ(len, st.resident_bytes);
	ASSERT_EQ(1, st.nr_resident);
	EXPECT_EQ(self->first.node, st.resident[0].node);

	ASSERT_EQ(0, tier_buf_map(buf, &addr));
	EXPECT_EQ(SIZE_MAX, check(addr, len, 42));

	/* a second mapping of the fd shares the pages */
	other = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_SHARED,
		     tier_buf_fd(buf), 0);
	ASSERT_NE(MAP_FAILED, other);
	EXPECT_EQ(SIZE_MAX, check(other, len, 42));
	fill(other, len, 43);
	EXPECT_EQ(SIZE_MAX, check(addr, len, 43));
	munmap(other, len);

	ASSERT_EQ(0, tier_buf_stat(buf, &st));
	EXPECT_EQ(len, st.resident_bytes);
	tier_buf_destroy(buf);
}

/* Only touched pages count; asking does not allocate. */
TEST_F(lib, stat_counts_touched_pages_only)
{
	size_t len = round_up(TEST_LEN), pg = page_size(), off, touched = 0;
	struct tier_buf_stat st;
	struct tier_policy p;
	struct tier_buf *buf;
	char *addr;

	bind_policy(&p, self->first.node);
	ASSERT_EQ(0, tier_buf_create(self->ctx, TEST_LEN, &p, &buf));
	ASSERT_EQ(0, tier_buf_stat(buf, &st));		/* unmapped */
	EXPECT_EQ(0, st.resident_bytes);
	ASSERT_EQ(0, tier_buf_map(buf, (void **)&addr));
	ASSERT_EQ(0, tier_buf_stat(buf, &st));		/* mapped, untouched */
	EXPECT_EQ(0, st.resident_bytes);
	EXPECT_EQ(0, st.nr_resident);

	for (off = 0; off < len; off += 3 * pg) {
		addr[off] = 1;
		touched++;
	}
	ASSERT_EQ(0, tier_buf_stat(buf, &st));
	EXPECT_EQ(touched * pg, st.resident_bytes);
	ASSERT_EQ(0, tier_buf_stat(buf, &st));		/* again: no change */
	EXPECT_EQ(touched * pg, st.resident_bytes);
	ASSERT_EQ(0, tier_buf_unmap(buf));
	ASSERT_EQ(0, tier_buf_stat(buf, &st));		/* nor unmapped */
	EXPECT_EQ(touched * pg, st.resident_bytes);
	ASSERT_EQ(1, st.nr_resident);
	EXPECT_EQ(touched * pg, st.resident[0].bytes);
	tier_buf_destroy(buf);
}

/*
 * tier_buf_pmd_mapped(): the kernel's count of the mapping's PMD entries,
 * now.  Module: a 4 KiB-page buffer has none; each touched 2 MiB unit of a
 * page=2M buffer (tier_buf_map() maps it on the 2 MiB grid) has one, and an
 * mprotect() of one page inside a unit leaves one fewer.  tier_buf_pmd_units()
 * (the module's count over every process) agrees in units; the mbind
 * backend has none to give.
 */
TEST_F(lib, pmd_mapped_counts_entries_now)
{
	const size_t huge = (size_t)1 << CXLTIER_HUGE_PAGE_SHIFT;
	size_t len = round_up(TEST_LEN), i;
	struct tier_policy p;
	struct tier_buf *buf;
	char *addr;

	EXPECT_EQ(-EINVAL, tier_buf_pmd_mapped(NULL));
	EXPECT_EQ(-EINVAL, tier_buf_pmd_units(NULL));
	bind_policy(&p, self->first.node);
	ASSERT_EQ(0, tier_buf_create(self->ctx, TEST_LEN, &p, &buf));
	EXPECT_EQ(-ENOENT, tier_buf_pmd_mapped(buf));	/* not mapped */
	ASSERT_EQ(0, tier_buf_map(buf, (void **)&addr));
	fill(addr, len, 7);
	if (variant->backend == TIER_BACKEND_MODULE) {
		EXPECT_EQ(0, tier_buf_pmd_mapped(buf));
		EXPECT_EQ(0, tier_buf_pmd_units(buf));
	} else {
		EXPECT_LE(0, tier_buf_pmd_mapped(buf));
		EXPECT_EQ(-EOPNOTSUPP, tier_buf_pmd_units(buf));
	}
	tier_buf_destroy(buf);
	if (variant->backend != TIER_BACKEND_MODULE)
		return;

	p.page_shift = CXLTIER_HUGE_PAGE_SHIFT;
	ASSERT_EQ(0, tier_buf_create(self->ctx, 4 * huge, &p, &buf));
	ASSERT_EQ(0, tier_buf_map(buf, (void **)&addr));
	EXPECT_EQ(0, tier_buf_pmd_mapped(buf));		/* nothing touched */
	EXPECT_EQ(0, tier_buf_pmd_units(buf));
	for (i = 0; i < 4; i++)
		addr[i * huge] = 1;
	EXPECT_EQ((int64_t)(4 * huge), tier_buf_pmd_mapped(buf));
	EXPECT_EQ(4, tier_buf_pmd_units(buf));
	ASSERT_EQ(0, mprotect(addr + huge + page_size(), page_size(),
			      PROT_READ));
	EXPECT_EQ((int64_t)(3 * huge), tier_buf_pmd_mapped(buf));
	EXPECT_EQ(3, tier_buf_pmd_units(buf));
	tier_buf_destroy(buf);
}

TEST_F(lib, policy_string_creates)
{
	char s[32];
	struct tier_policy p;
	struct tier_buf *buf;

	snprintf(s, sizeof(s), "bind:%u", self->first.node);
	ASSERT_EQ(0, tier_policy_parse(s, &p));
	ASSERT_EQ(0, tier_buf_create(self->ctx, 1, &p, &buf));
	tier_buf_destroy(buf);

	/* an explicit base page size is the default */
	snprintf(s, sizeof(s), "bind:%u,page=%zuK", self->first.node,
		 page_size() >> 10);
	ASSERT_EQ(0, tier_policy_parse(s, &p));
	ASSERT_EQ(0, tier_buf_create(self->ctx, 1, &p, &buf));
	tier_buf_destroy(buf);
}

/* One invalid input per test; both backends give the same errno. */
#define EXPECT_CREATE_FAILS(err, len, p) do {				\
	struct tier_buf *b = (struct tier_buf *)1;			\
	EXPECT_EQ(err, tier_buf_create(self->ctx, len, p, &b));		\
	EXPECT_EQ(NULL, b);						\
} while (0)

TEST_F(lib, create_null_arguments)
{
	struct tier_policy p;
	struct tier_buf *buf = (struct tier_buf *)1;

	bind_policy(&p, self->first.node);
	EXPECT_EQ(-EINVAL, tier_buf_create(NULL, 4096, &p, &buf));
	EXPECT_EQ(NULL, buf);
	EXPECT_CREATE_FAILS(-EINVAL, 4096, NULL);
	EXPECT_EQ(-EINVAL, tier_buf_create(self->ctx, 4096, &p, NULL));
}

TEST_F(lib, create_zero_length)
{
	struct tier_policy p;

	bind_policy(&p, self->first.node);
	EXPECT_CREATE_FAILS(-EINVAL, 0, &p);
}

TEST_F(lib, create_absent_node)
{
	struct tier_policy p;

	bind_policy(&p, absent_node(self->ctx));
	EXPECT_CREATE_FAILS(-ENODEV, 4096, &p);
}

TEST_F(lib, create_node_id_out_of_range)
{
	struct tier_policy p;

	bind_policy(&p, 1U << 20);	/* above any MAX_NUMNODES */
	EXPECT_CREATE_FAILS(-EINVAL, 4096, &p);
}

TEST_F(lib, create_weight_on_bind)
{
	struct tier_policy p;

	bind_policy(&p, self->first.node);
	p.nodes[0].weight = 1;
	EXPECT_CREATE_FAILS(-EINVAL, 4096, &p);
}

TEST_F(lib, create_node_twice)
{
	struct tier_policy p;

	bind_policy(&p, self->first.node);
	p.nr_nodes = 2;
	p.nodes[1].node = self->first.node;
	EXPECT_CREATE_FAILS(-EINVAL, 4096, &p);
}

/* Several nodes are fine; one of them absent is -ENODEV. */
TEST_F(lib, create_second_node_absent)
{
	struct tier_policy p;

	bind_policy(&p, self->first.node);
	p.nr_nodes = 2;
	p.nodes[1].node = absent_node(self->ctx);
	EXPECT_CREATE_FAILS(-ENODEV, 4096, &p);
}

TEST_F(lib, create_no_nodes)
{
	struct tier_policy p;

	bind_policy(&p, self->first.node);
	p.nr_nodes = 0;
	EXPECT_CREATE_FAILS(-EINVAL, 4096, &p);
}

TEST_F(lib, create_too_many_nodes)
{
	struct tier_policy p;

	bind_policy(&p, self->first.node);
	p.nr_nodes = TIER_MAX_POLICY_NODES + 1;
	EXPECT_CREATE_FAILS(-EINVAL, 4096, &p);
}

TEST_F(lib, create_unknown_mode)
{
	struct tier_policy p;

	bind_policy(&p, self->first.node);
	p.mode = CXLTIER_NR_MODES;
	EXPECT_CREATE_FAILS(-EINVAL, 4096, &p);
}

TEST_F(lib, create_unknown_flag)
{
	struct tier_policy p;

	bind_policy(&p, self->first.node);
	p.flags = CXLTIER_CREATE_RESERVE << 1;
	EXPECT_CREATE_FAILS(-EINVAL, 4096, &p);
}

TEST_F(lib, create_reserved)
{
	struct tier_policy p;

	bind_policy(&p, self->first.node);
	p.__reserved[1] = 1;
	EXPECT_CREATE_FAILS(-EINVAL, 4096, &p);
}

TEST_F(lib, create_bad_page_shift)
{
	struct tier_policy p;

	bind_policy(&p, self->first.node);
	p.page_shift = page_shift() + 1;
	EXPECT_CREATE_FAILS(-EINVAL, 4096, &p);
}

TEST_F(lib, create_1g_pages)
{
	struct tier_policy p;

	bind_policy(&p, self->first.node);
	p.page_shift = 30;		/* only 4 KiB and 2 MiB exist */
	p.flags = CXLTIER_CREATE_HUGE_FALLBACK;
	EXPECT_CREATE_FAILS(-EINVAL, 1 << 30, &p);
}

TEST_F(lib, create_weight_on_preferred)
{
	struct tier_policy p;

	bind_policy(&p, self->first.node);
	p.mode = CXLTIER_MODE_PREFERRED;
	p.nodes[0].weight = 1;
	EXPECT_CREATE_FAILS(-EINVAL, 4096, &p);
}

TEST_F(lib, create_weight_on_interleave)
{
	struct tier_policy p;

	bind_policy(&p, self->first.node);
	p.mode = CXLTIER_MODE_INTERLEAVE;
	p.nodes[0].weight = 1;
	EXPECT_CREATE_FAILS(-EINVAL, 4096, &p);
}

TEST_F(lib, create_no_weight_weighted)
{
	struct tier_policy p;

	bind_policy(&p, self->first.node);
	p.mode = CXLTIER_MODE_WEIGHTED;
	EXPECT_CREATE_FAILS(-EINVAL, 4096, &p);
}

TEST_F(lib, create_no_weight_split)
{
	struct tier_policy p;

	bind_policy(&p, self->first.node);
	p.mode = CXLTIER_MODE_SPLIT;
	EXPECT_CREATE_FAILS(-EINVAL, 4096, &p);
}

TEST_F(lib, create_weight_too_large)
{
	struct tier_policy p;

	bind_policy(&p, self->first.node);
	p.mode = CXLTIER_MODE_WEIGHTED;
	p.nodes[0].weight = CXLTIER_MAX_WEIGHT + 1;
	EXPECT_CREATE_FAILS(-EINVAL, 4096, &p);
}

TEST_F(lib, create_largest_weight)
{
	struct tier_policy p;
	struct tier_buf *buf;

	bind_policy(&p, self->first.node);
	p.mode = CXLTIER_MODE_SPLIT;
	p.nodes[0].weight = CXLTIER_MAX_WEIGHT;
	ASSERT_EQ(0, tier_buf_create(self->ctx, 4096, &p, &buf));
	tier_buf_destroy(buf);
}

TEST_F(lib, create_chunk_on_bind)
{
	struct tier_policy p;

	bind_policy(&p, self->first.node);
	p.chunk_shift = 16;
	EXPECT_CREATE_FAILS(-EINVAL, 4096, &p);
}

TEST_F(lib, create_chunk_on_split)
{
	struct tier_policy p;

	policy_of(&p, "split:0=1");
	p.nodes[0].node = self->first.node;
	p.chunk_shift = 16;
	EXPECT_CREATE_FAILS(-EINVAL, 4096, &p);
}

TEST_F(lib, create_chunk_below_page)
{
	struct tier_policy p;

	bind_policy(&p, self->first.node);
	p.mode = CXLTIER_MODE_INTERLEAVE;
	p.chunk_shift = page_shift() - 1;
	EXPECT_CREATE_FAILS(-EINVAL, 4096, &p);
}

/* checked against the page size: a 64K chunk of 2 MiB pages */
TEST_F(lib, create_chunk_below_huge_page)
{
	struct tier_policy p;

	bind_policy(&p, self->first.node);
	p.mode = CXLTIER_MODE_INTERLEAVE;
	p.page_shift = 21;
	p.flags = CXLTIER_CREATE_HUGE_FALLBACK;
	p.chunk_shift = 16;
	EXPECT_CREATE_FAILS(-EINVAL, 4 << 20, &p);
}

TEST_F(lib, create_chunk_too_large)
{
	struct tier_policy p;

	bind_policy(&p, self->first.node);
	p.mode = CXLTIER_MODE_INTERLEAVE;
	p.chunk_shift = CXLTIER_MAX_CHUNK_SHIFT + 1;
	EXPECT_CREATE_FAILS(-EINVAL, 4096, &p);
}

TEST_F(lib, create_split_larger_than_node)
{
	struct tier_policy p;

	policy_of(&p, "split:0=100%");
	p.nodes[0].node = self->first.node;
	EXPECT_CREATE_FAILS(-EFBIG, self->first.total_bytes + page_size(), &p);
}

/* mbind: no pinning promise; module: only on nodes with non-movable memory */
TEST_F(lib, create_pinnable)
{
	int i, nr = tier_nr_nodes(self->ctx);

	for (i = 0; i < nr; i++) {
		struct tier_policy p;
		struct tier_buf *buf = NULL;
		struct tier_node n;
		int ret;

		ASSERT_EQ(0, tier_node(self->ctx, i, &n));
		bind_policy(&p, n.node);
		p.flags = CXLTIER_CREATE_PINNABLE;
		ret = tier_buf_create(self->ctx, 1 << 20, &p, &buf);
		if (variant->backend == TIER_BACKEND_MBIND) {
			EXPECT_EQ(-EOPNOTSUPP, ret);
		} else if (n.movable_bytes == n.total_bytes) {
			EXPECT_EQ(-EXDEV, ret) TH_LOG("node %u", n.node);
		} else {
			EXPECT_EQ(0, ret) TH_LOG("node %u", n.node);
		}
		tier_buf_destroy(buf);
	}
}

/*
 * reserve: mbind has no quotas to reserve against (-EOPNOTSUPP); the
 * module reserves and counts it in the node's reserved_bytes.
 */
TEST_F(lib, create_reserve)
{
	struct tier_quota q0, q1;
	struct tier_policy p;
	struct tier_buf *buf = NULL;
	int ret;

	bind_policy(&p, self->first.node);
	p.flags = CXLTIER_CREATE_RESERVE;
	if (variant->backend == TIER_BACKEND_MBIND) {
		EXPECT_CREATE_FAILS(-EOPNOTSUPP, 1 << 20, &p);
		return;
	}
	ASSERT_EQ(0, tier_node_quota(self->ctx, (int)self->first.node, &q0));
	ret = tier_buf_create(self->ctx, 1 << 20, &p, &buf);
	ASSERT_EQ(0, ret);
	ASSERT_EQ(0, tier_node_quota(self->ctx, (int)self->first.node, &q1));
	EXPECT_EQ(q0.reserved_bytes + (1 << 20), q1.reserved_bytes);
	tier_buf_destroy(buf);
	ASSERT_EQ(0, tier_node_quota(self->ctx, (int)self->first.node, &q1));
	EXPECT_EQ(q0.reserved_bytes, q1.reserved_bytes);
}

TEST_F(lib, node_quota)
{
	struct tier_quota q;

	EXPECT_EQ(-EINVAL, tier_node_quota(NULL, 0, &q));
	EXPECT_EQ(-EINVAL, tier_node_quota(self->ctx, 0, NULL));
	EXPECT_EQ(-EINVAL, tier_node_quota(self->ctx, -1, &q));
	if (variant->backend == TIER_BACKEND_MBIND) {
		EXPECT_EQ(-EOPNOTSUPP, tier_node_quota(self->ctx,
						       (int)self->first.node,
						       &q));
		return;
	}
	ASSERT_EQ(0, tier_node_quota(self->ctx, (int)self->first.node, &q));
	EXPECT_EQ(0ULL, q.__reserved[0]);
	/* no node has that id: TIER_NODE_ID_LIMIT is beyond MAX_NUMNODES */
	EXPECT_EQ(-ENODEV, tier_node_quota(self->ctx, 1 << 20, &q));
}

/* 2 MiB pages: module yes; mbind only with huge-fallback */
TEST_F(lib, create_huge_pages)
{
	struct tier_policy p;
	struct tier_buf *buf = NULL;
	int ret;

	bind_policy(&p, self->first.node);
	p.page_shift = 21;
	ret = tier_buf_create(self->ctx, 1, &p, &buf);
	if (variant->backend == TIER_BACKEND_MBIND) {
		EXPECT_EQ(-EOPNOTSUPP, ret);
	} else {
		EXPECT_EQ(0, ret);
	}
	tier_buf_destroy(buf);
}

TEST_F(lib, create_larger_than_node)
{
	struct tier_policy p;

	bind_policy(&p, self->first.node);
	EXPECT_CREATE_FAILS(-EFBIG, self->first.total_bytes + page_size(), &p);
}

TEST_F(lib, create_length_overflows)
{
	struct tier_policy p;

	bind_policy(&p, self->first.node);
	EXPECT_CREATE_FAILS(-EFBIG, SIZE_MAX, &p);
}

/* ------------------------------------------------------------------------ */
/* Placement by mode                                                          */

static uint64_t resident_on(const struct tier_buf_stat *st, uint32_t node)
{
	uint32_t i;

	for (i = 0; i < st->nr_resident; i++)
		if (st->resident[i].node == node)
			return st->resident[i].bytes;
	return 0;
}

/*
 * The home of @unit, by the rules of <linux/cxltier.h>, written out again
 * here rather than shared with libtier: bind round-robin by unit,
 * interleave by chunk, weighted weight[i] chunks per round, split
 * contiguous ranges whose ends are the cumulative shares rounded half up
 * to whole units (what the module computes).
 */
static uint32_t expected_home(const struct tier_policy *p, uint64_t unit,
			      uint64_t nr_units, unsigned int unit_shift)
{
	unsigned int cs = p->chunk_shift > unit_shift ?
			  p->chunk_shift - unit_shift : 0;
	uint64_t chunk = unit >> cs, sum = 0, prefix = 0, r;
	uint32_t i;

	for (i = 0; i < p->nr_nodes; i++)
		sum += p->nodes[i].weight;
	switch (p->mode) {
	case CXLTIER_MODE_BIND:
		return (uint32_t)(unit % p->nr_nodes);
	case CXLTIER_MODE_INTERLEAVE:
		return (uint32_t)(chunk % p->nr_nodes);
	case CXLTIER_MODE_WEIGHTED:
		r = chunk % sum;
		for (i = 0; r >= p->nodes[i].weight; i++)
			r -= p->nodes[i].weight;
		return i;
	case CXLTIER_MODE_SPLIT:
		for (i = 0; i < p->nr_nodes; i++) {
			prefix += p->nodes[i].weight;
			if (unit < (2 * nr_units * prefix / sum + 1) / 2)
				return i;
		}
		return p->nr_nodes - 1;
	default:
		return 0;
	}
}

/* Bytes the policy puts on each node of its list, for @map_length. */
static void expected_bytes(const struct tier_policy *p, uint64_t map_length,
			   uint64_t *bytes)
{
	unsigned int us = p->page_shift ? p->page_shift : page_shift();
	uint64_t nr = map_length >> us, u;

	memset(bytes, 0, p->nr_nodes * sizeof(*bytes));
	for (u = 0; u < nr; u++)
		bytes[expected_home(p, u, nr, us)] += 1ULL << us;
}

/* A policy string with node placeholders A, B, C filled in. */
static void policy_nodes(struct tier_policy *p, const char *fmt,
			 const uint32_t *nodes)
{
	char s[256];
	size_t o = 0;
	const char *f;

	for (f = fmt; *f && o < sizeof(s) - 12; f++) {
		if (*f >= 'A' && *f <= 'C')
			o += (size_t)snprintf(s + o, sizeof(s) - o, "%u",
					      nodes[*f - 'A']);
		else
			s[o++] = *f;
	}
	s[o] = '\0';
	if (tier_policy_parse(s, p)) {
		fprintf(stderr, "bad test policy %s\n", s);
		abort();
	}
}

/* Nodes with at least @min_free free: the first, the last, then the rest. */
static unsigned int pick_nodes(struct tier_ctx *ctx, uint64_t min_free,
			       uint32_t *out, unsigned int max)
{
	int i, nr = tier_nr_nodes(ctx);
	uint32_t ok[TIER_MAX_POLICY_NODES];
	unsigned int n = 0, k = 0, j;
	struct tier_node node;

	for (i = 0; i < nr && n < TIER_MAX_POLICY_NODES; i++)
		if (!tier_node(ctx, i, &node) && node.free_bytes >= min_free)
			ok[n++] = node.node;
	if (!n)
		return 0;
	out[k++] = ok[0];
	if (n > 1 && k < max)
		out[k++] = ok[n - 1];
	for (j = 1; j + 1 < n && k < max; j++)
		out[k++] = ok[j];
	return k;
}

/*
 * Create @len bytes with @p, fill and check a pattern, and compare where
 * the pages are with the module's rules: exactly (@exact), or only that
 * they are all on the listed nodes.  Returns the stat through @st.
 */
static void place_and_check(struct __test_metadata *_metadata,
			    struct tier_ctx *ctx, const struct tier_policy *p,
			    size_t len, int exact, const char *what)
{
	uint64_t want[TIER_MAX_POLICY_NODES], listed = 0;
	struct tier_buf_stat st;
	struct tier_buf *buf;
	uint32_t i;
	void *addr;

	ASSERT_EQ(0, tier_buf_create(ctx, len, p, &buf)) TH_LOG("%s", what);
	ASSERT_EQ(0, tier_buf_map(buf, &addr));
	ASSERT_EQ(0, tier_buf_stat(buf, &st));
	fill(addr, st.map_length, 11);
	EXPECT_EQ(SIZE_MAX, check(addr, st.map_length, 11)) TH_LOG("%s", what);
	ASSERT_EQ(0, tier_buf_stat(buf, &st));
	EXPECT_EQ(p->mode, st.mode) TH_LOG("%s", what);
	EXPECT_EQ(p->chunk_shift, st.chunk_shift) TH_LOG("%s", what);
	EXPECT_EQ(p->chunk_shift, st.policy.chunk_shift) TH_LOG("%s", what);
	EXPECT_EQ(p->flags, st.create_flags) TH_LOG("%s", what);
	EXPECT_EQ(p->nr_nodes, st.policy.nr_nodes) TH_LOG("%s", what);
	for (i = 0; i < p->nr_nodes; i++) {
		EXPECT_EQ(p->nodes[i].node, st.policy.nodes[i].node);
		EXPECT_EQ(p->nodes[i].weight, st.policy.nodes[i].weight);
	}
	EXPECT_EQ(st.map_length, st.resident_bytes) TH_LOG("%s", what);
	EXPECT_EQ(0, st.spilled_bytes) TH_LOG("%s", what);
	expected_bytes(p, st.map_length, want);
	for (i = 0; i < p->nr_nodes; i++) {
		uint64_t got = resident_on(&st, p->nodes[i].node);

		listed += got;
		if (exact) {
			EXPECT_EQ(want[i], got)
				TH_LOG("%s: node %u: %llu bytes, expected %llu", what,
				       p->nodes[i].node, (unsigned long long)got,
				       (unsigned long long)want[i]);
		}
	}
	EXPECT_EQ(st.resident_bytes, listed) TH_LOG("%s: pages off the list", what);
	tier_buf_destroy(buf);
}

/* Every mode on one node: all pages there (testable on any host). */
TEST_F(lib, modes_on_one_node)
{
	static const char *const pols[] = {
		"bind:A", "preferred:A", "interleave:A", "interleave:A,chunk=64K",
		"weighted:A=3", "weighted:A=3,chunk=2M", "split:A=100%",
		"split:A=7", "bind:A,fallback", "interleave:A,fallback,chunk=8K",
		"preferred:A,fallback",
	};
	uint32_t a = self->first.node;
	struct tier_policy p;
	size_t i;

	for (i = 0; i < sizeof(pols) / sizeof(pols[0]); i++) {
		policy_nodes(&p, pols[i], &a);
		place_and_check(_metadata, self->ctx, &p, TEST_LEN, 1, pols[i]);
	}
}

TEST_F(lib, populate)
{
	size_t len = round_up(TEST_LEN);
	struct tier_buf_stat st;
	struct tier_policy p;
	struct tier_buf *buf;
	void *addr;

	policy_nodes(&p, "bind:A,populate", &self->first.node);
	ASSERT_EQ(0, tier_buf_create(self->ctx, TEST_LEN, &p, &buf));
	/* resident at once, before any mapping */
	ASSERT_EQ(0, tier_buf_stat(buf, &st));
	EXPECT_EQ(len, st.resident_bytes);
	EXPECT_EQ(len, resident_on(&st, self->first.node));
	EXPECT_EQ(CXLTIER_CREATE_POPULATE, st.create_flags);
	ASSERT_EQ(0, tier_buf_map(buf, &addr));
	EXPECT_TRUE(all_zero(addr, len));
	fill(addr, len, 5);
	EXPECT_EQ(SIZE_MAX, check(addr, len, 5));
	ASSERT_EQ(0, tier_buf_stat(buf, &st));
	EXPECT_EQ(len, st.resident_bytes);
	tier_buf_destroy(buf);
}

/*
 * 2 MiB units.  Module: a touch fills the whole unit.  mbind (with
 * huge-fallback): shmem THP where the kernel allows it, 4 KiB pages
 * otherwise; either way on the node.
 */
TEST_F(lib, huge_fallback_pages)
{
	size_t huge = 2 << 20, len = 3 << 20;
	struct tier_buf_stat st;
	struct tier_policy p;
	struct tier_buf *buf;
	char *addr;

	policy_nodes(&p, "bind:A,page=2M,huge-fallback", &self->first.node);
	ASSERT_EQ(0, tier_buf_create(self->ctx, len, &p, &buf));
	ASSERT_EQ(0, tier_buf_stat(buf, &st));
	EXPECT_EQ(21, st.page_shift);
	EXPECT_EQ(len, st.length);
	EXPECT_EQ(2 * huge, st.map_length);
	EXPECT_EQ(0, st.resident_bytes);
	ASSERT_EQ(0, tier_buf_map(buf, (void **)&addr));
	addr[huge + 5] = 1;
	ASSERT_EQ(0, tier_buf_stat(buf, &st));
	if (variant->backend == TIER_BACKEND_MODULE) {
		EXPECT_EQ(huge, st.resident_bytes);
	} else {
		EXPECT_LE(page_size(), st.resident_bytes);
		EXPECT_GE(huge, st.resident_bytes);
	}
	EXPECT_EQ(st.resident_bytes, resident_on(&st, self->first.node));
	EXPECT_TRUE(all_zero(addr, huge));
	fill(addr, 2 * huge, 9);
	EXPECT_EQ(SIZE_MAX, check(addr, 2 * huge, 9));
	ASSERT_EQ(0, tier_buf_stat(buf, &st));
	EXPECT_EQ(2 * huge, resident_on(&st, self->first.node));
	tier_buf_destroy(buf);
}

/*
 * Pinnable pages can be pinned: process_vm_readv() pins the source pages
 * (get_user_pages), which a movable buffer refuses with EFAULT.
 */
TEST_F(lib, pinnable_pages_pin)
{
	char src_ok[64], dst[64];
	struct tier_policy p;
	struct tier_buf *pin, *mov;
	struct iovec local, remote;
	char *a, *b;
	int i, nr = tier_nr_nodes(self->ctx);
	struct tier_node n;
	ssize_t got;

	if (variant->backend == TIER_BACKEND_MBIND)
		SKIP(return, "the mbind backend has no pinnable buffers");
	for (i = 0; i < nr; i++) {
		ASSERT_EQ(0, tier_node(self->ctx, i, &n));
		if (n.movable_bytes < n.total_bytes)
			break;
	}
	ASSERT_LT(i, nr);
	policy_nodes(&p, "bind:A,pinnable", &n.node);
	ASSERT_EQ(0, tier_buf_create(self->ctx, 1 << 20, &p, &pin));
	policy_nodes(&p, "bind:A", &n.node);
	ASSERT_EQ(0, tier_buf_create(self->ctx, 1 << 20, &p, &mov));
	ASSERT_EQ(0, tier_buf_map(pin, (void **)&a));
	ASSERT_EQ(0, tier_buf_map(mov, (void **)&b));
	memset(src_ok, 0x3c, sizeof(src_ok));
	memcpy(a + 4096, src_ok, sizeof(src_ok));
	memcpy(b + 4096, src_ok, sizeof(src_ok));

	local.iov_base = dst;
	local.iov_len = sizeof(dst);
	remote.iov_base = a + 4096;
	remote.iov_len = sizeof(dst);
	memset(dst, 0, sizeof(dst));
	got = process_vm_readv(getpid(), &local, 1, &remote, 1, 0);
	EXPECT_EQ((ssize_t)sizeof(dst), got) TH_LOG("pinnable: %s", strerror(errno));
	EXPECT_EQ(0, memcmp(dst, src_ok, sizeof(dst)));

	remote.iov_base = b + 4096;
	got = process_vm_readv(getpid(), &local, 1, &remote, 1, 0);
	EXPECT_EQ(-1, got);
	EXPECT_EQ(EFAULT, errno);
	tier_buf_destroy(pin);
	tier_buf_destroy(mov);
}

#define MULTI_LEN	((size_t)(8 << 20) + 3 * 4096)	/* not unit-aligned */

/* Several nodes (the VM): each mode places pages where the uapi says. */
TEST_F(lib, modes_on_several_nodes)
{
	static const struct { const char *pol; int exact_mbind; } cases[] = {
		{ "split:A=30%,B=70%", 1 },
		{ "split:B=1,A=2", 1 },
		{ "weighted:A=3,B=1,chunk=64K", 1 },
		{ "weighted:A=3,B=1", 1 },
		{ "weighted:B=1,A=1000000,chunk=8K", 1 },
		{ "interleave:B,A,chunk=64K", 1 },
		{ "interleave:A,B,chunk=2M", 1 },
		{ "split:A=50%,B=50%,fallback", 1 },
		/* what Linux cannot say exactly (see tier_buf_create()) */
		{ "interleave:A,B", 0 },
		{ "bind:A,B", 0 },
		{ "bind:B,A,fallback", 0 },
		/* 2 MiB units (huge-fallback for the mbind backend) */
		{ "weighted:A=1,B=2,page=2M,huge-fallback", 1 },
		{ "split:A=25%,B=75%,page=2M,huge-fallback", 1 },
		{ "interleave:B,A,page=2M,huge-fallback", 1 },
		/* three nodes */
		{ "split:A=20%,B=30%,C=50%", 1 },
		{ "weighted:C=1,A=2,B=3,chunk=8K", 1 },
		{ "interleave:A,C,B,chunk=16K", 1 },
	};
	uint32_t nodes[3];
	unsigned int n = pick_nodes(self->ctx, 64 << 20, nodes, 3);
	struct tier_policy p;
	size_t i;

	if (n < 2)
		SKIP(return, "fewer than two nodes with 64 MiB free");
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const char *s = cases[i].pol;

		if (strchr(s, 'C') && n < 3)
			continue;
		policy_nodes(&p, s, nodes);
		place_and_check(_metadata, self->ctx, &p, MULTI_LEN,
				variant->backend == TIER_BACKEND_MODULE ||
				cases[i].exact_mbind, s);
	}
}

/*
 * Page-grained interleave in the mbind backend is MPOL_INTERLEAVE: even
 * shares, each within a page of half.
 */
TEST_F(lib, interleave_shares)
{
	uint32_t nodes[2];
	struct tier_buf_stat st;
	struct tier_policy p;
	struct tier_buf *buf;
	uint64_t a, b;
	void *addr;

	if (pick_nodes(self->ctx, 64 << 20, nodes, 2) < 2)
		SKIP(return, "fewer than two nodes with 64 MiB free");
	policy_nodes(&p, "interleave:A,B", nodes);
	ASSERT_EQ(0, tier_buf_create(self->ctx, MULTI_LEN, &p, &buf));
	ASSERT_EQ(0, tier_buf_map(buf, &addr));
	fill(addr, round_up(MULTI_LEN), 1);
	ASSERT_EQ(0, tier_buf_stat(buf, &st));
	a = resident_on(&st, nodes[0]);
	b = resident_on(&st, nodes[1]);
	EXPECT_EQ(st.map_length, a + b);
	EXPECT_GE(page_size(), a > b ? a - b : b - a);
	tier_buf_destroy(buf);
}

/*
 * Per-unit modes cost one mbind range per run in the mbind backend, up to
 * 16384 runs; the module has no such limit.
 */
TEST_F(lib, mbind_run_limit)
{
	uint32_t nodes[2];
	struct tier_policy p;
	struct tier_buf *buf = NULL;
	size_t len = 256 << 20;		/* 65536 pages: 65536 runs of one */
	int ret;

	if (pick_nodes(self->ctx, 0, nodes, 2) < 2)
		SKIP(return, "fewer than two nodes");
	policy_nodes(&p, "weighted:A=1,B=1", nodes);
	ret = tier_buf_create(self->ctx, len, &p, &buf);
	EXPECT_EQ(variant->backend == TIER_BACKEND_MBIND ? -EOPNOTSUPP : 0, ret);
	tier_buf_destroy(buf);
	policy_nodes(&p, "weighted:A=1,B=1,chunk=64K", nodes);	/* 4096 runs */
	ASSERT_EQ(0, tier_buf_create(self->ctx, len, &p, &buf));
	tier_buf_destroy(buf);
}

/* A split share larger than its node is -EFBIG, though the sum would fit. */
TEST_F(lib, split_share_larger_than_node)
{
	struct tier_node small, n;
	int i, nr = tier_nr_nodes(self->ctx);
	uint64_t others = 0;
	struct tier_policy p;
	uint32_t big = 0;

	if (nr < 2)
		SKIP(return, "fewer than two nodes");
	small = self->first;
	for (i = 0; i < nr; i++) {
		ASSERT_EQ(0, tier_node(self->ctx, i, &n));
		if (n.total_bytes < small.total_bytes)
			small = n;
	}
	for (i = 0; i < nr; i++) {
		ASSERT_EQ(0, tier_node(self->ctx, i, &n));
		if (n.node != small.node && n.total_bytes > others) {
			others = n.total_bytes;
			big = n.node;
		}
	}
	/* 9/10 of 1.25 x small on small: too much for it; the sum fits */
	memset(&p, 0, sizeof(p));
	p.mode = CXLTIER_MODE_SPLIT;
	p.nr_nodes = 2;
	p.nodes[0].node = small.node;
	p.nodes[0].weight = 9;
	p.nodes[1].node = big;
	p.nodes[1].weight = 1;
	ASSERT_LE(small.total_bytes / 4 * 5, small.total_bytes + others);
	EXPECT_CREATE_FAILS(-EFBIG, small.total_bytes / 4 * 5, &p);
	p.nodes[0].weight = 1;		/* 1/4 on small: fine */
	p.nodes[1].weight = 3;
	if (small.total_bytes / 16 * 15 <= others) {
		struct tier_buf *buf;

		ASSERT_EQ(0, tier_buf_create(self->ctx, small.total_bytes / 4 * 5,
					     &p, &buf));
		tier_buf_destroy(buf);
	}
}

/*
 * A full node: fill a CXL node to 128 MiB short of its free memory, then
 * ask it for more.  Preferred and fallback spill, and say so; the module
 * without fallback refuses a populate with -ENOMEM.
 */
TEST_F_TIMEOUT(lib, spill_when_full, 300)
{
	struct tier_buf *filler = NULL, *buf = NULL;
	struct tier_node x = { 0 }, y, n;
	struct tier_buf_stat st;
	struct tier_policy p;
	uint32_t xy[2];
	int i, nr = tier_nr_nodes(self->ctx), found = 0;
	size_t fill_len, len = 256 << 20;
	void *addr;

	ASSERT_EQ(0, tier_topo_refresh(self->ctx));
	for (i = 0; i < nr; i++) {
		ASSERT_EQ(0, tier_node(self->ctx, i, &n));
		if ((n.flags & CXLTIER_NODE_MOVABLE_ONLY) &&
		    n.free_bytes >= (384 << 20) && n.free_bytes <= (3ULL << 30) &&
		    (!found || n.free_bytes < x.free_bytes)) {
			x = n;
			found = 1;
		}
	}
	if (!found)
		SKIP(return, "no movable-only node with 384 MiB to 3 GiB free");
	y = self->first;
	ASSERT_NE(x.node, y.node);
	if (y.free_bytes < (768 << 20))
		SKIP(return, "node %u: too little free memory", y.node);
	xy[0] = x.node;
	xy[1] = y.node;

	fill_len = (x.free_bytes - (128 << 20)) & ~((size_t)(2 << 20) - 1);
	policy_nodes(&p, "bind:A,populate", xy);
	ASSERT_EQ(0, tier_buf_create(self->ctx, fill_len, &p, &filler))
		TH_LOG("filler of %zu bytes on node %u", fill_len, x.node);

	if (variant->backend == TIER_BACKEND_MODULE) {
		/* no fallback, populate: the node cannot give 256 MiB */
		policy_nodes(&p, "bind:A,populate", xy);
		EXPECT_CREATE_FAILS(-ENOMEM, len, &p);
	}

	policy_nodes(&p, "preferred:A,B", xy);
	ASSERT_EQ(0, tier_buf_create(self->ctx, len, &p, &buf));
	ASSERT_EQ(0, tier_buf_map(buf, &addr));
	fill(addr, len, 3);
	EXPECT_EQ(SIZE_MAX, check(addr, len, 3));
	ASSERT_EQ(0, tier_buf_stat(buf, &st));
	EXPECT_EQ(len, st.resident_bytes);
	EXPECT_LT(0, st.spilled_bytes);
	EXPECT_GT(len, st.spilled_bytes);
	EXPECT_EQ(st.resident_bytes - resident_on(&st, x.node), st.spilled_bytes);
	if (variant->backend == TIER_BACKEND_MODULE) {	/* only on the list */
		EXPECT_EQ(len, resident_on(&st, x.node) + resident_on(&st, y.node));
	}
	TH_LOG("preferred: %llu MiB on node %u, %llu MiB spilled",
	       (unsigned long long)resident_on(&st, x.node) >> 20, x.node,
	       (unsigned long long)st.spilled_bytes >> 20);
	tier_buf_destroy(buf);

	if (variant->backend == TIER_BACKEND_MODULE) {
		/* half the units are at home on y; x's spill to y */
		len = 384 << 20;
		policy_nodes(&p, "interleave:A,B,fallback,populate", xy);
		ASSERT_EQ(0, tier_buf_create(self->ctx, len, &p, &buf));
		ASSERT_EQ(0, tier_buf_stat(buf, &st));
		EXPECT_EQ(len, st.resident_bytes);
		EXPECT_LT(0, st.spilled_bytes);
		EXPECT_EQ(len / 2 + st.spilled_bytes, resident_on(&st, y.node));
		EXPECT_EQ(len / 2 - st.spilled_bytes, resident_on(&st, x.node));
		tier_buf_destroy(buf);
	}
	tier_buf_destroy(filler);
}

TEST_F(lib, buffer_calls_reject_null)
{
	struct tier_buf_stat st;
	struct tier_policy p;
	struct tier_buf *buf;
	void *addr;

	EXPECT_EQ(-EINVAL, tier_buf_map(NULL, &addr));
	EXPECT_EQ(-EINVAL, tier_buf_unmap(NULL));
	EXPECT_EQ(-EINVAL, tier_buf_stat(NULL, &st));
	EXPECT_EQ(-EINVAL, tier_buf_fd(NULL));
	EXPECT_EQ(0, tier_buf_id(NULL));
	EXPECT_EQ(0, tier_buf_length(NULL));
	tier_buf_destroy(NULL);

	bind_policy(&p, self->first.node);
	ASSERT_EQ(0, tier_buf_create(self->ctx, 4096, &p, &buf));
	EXPECT_EQ(-EINVAL, tier_buf_map(buf, NULL));
	EXPECT_EQ(-EINVAL, tier_buf_stat(buf, NULL));
	tier_buf_destroy(buf);
}

/*
 * After destroy the handle is gone (valgrind sees any later use): its fd
 * is closed and its mapping removed.
 */
TEST_F(lib, destroy_releases_everything)
{
	unsigned char vec;
	struct tier_policy p;
	struct tier_buf *buf;
	void *addr;
	int fd;

	bind_policy(&p, self->first.node);
	ASSERT_EQ(0, tier_buf_create(self->ctx, 4096, &p, &buf));
	ASSERT_EQ(0, tier_buf_map(buf, &addr));
	memset(addr, 0x5a, 4096);
	fd = tier_buf_fd(buf);
	tier_buf_destroy(buf);
	EXPECT_EQ(-1, fcntl(fd, F_GETFD));
	EXPECT_EQ(EBADF, errno);
	EXPECT_EQ(-1, mincore(addr, 4096, &vec));
	EXPECT_EQ(ENOMEM, errno);
}

/* A buffer keeps its context alive past tier_close(). */
TEST_F(lib, buffer_outlives_close)
{
	struct tier_buf_stat st;
	struct tier_policy p;
	struct tier_buf *buf;
	void *addr;

	bind_policy(&p, self->first.node);
	ASSERT_EQ(0, tier_buf_create(self->ctx, 8192, &p, &buf));
	tier_close(self->ctx);
	self->ctx = NULL;
	ASSERT_EQ(0, tier_buf_map(buf, &addr));
	fill(addr, 8192, 7);
	ASSERT_EQ(0, tier_buf_stat(buf, &st));
	EXPECT_EQ(8192, st.resident_bytes);
	EXPECT_EQ(SIZE_MAX, check(addr, 8192, 7));
	tier_buf_destroy(buf);
}

struct log_rec {
	int calls, prio;
	char msg[256];
};

static void record_log(void *priv, int prio, const char *msg)
{
	struct log_rec *r = priv;

	r->calls++;
	r->prio = prio;
	snprintf(r->msg, sizeof(r->msg), "%s", msg);
}

TEST_F(lib, log_hook)
{
	struct log_rec rec = { 0 };
	struct tier_policy p;
	struct tier_buf *buf;

	bind_policy(&p, absent_node(self->ctx));
	tier_set_log(self->ctx, record_log, &rec);
	EXPECT_EQ(-ENODEV, tier_buf_create(self->ctx, 4096, &p, &buf));
	EXPECT_LT(0, rec.calls);
	EXPECT_EQ(TIER_LOG_ERR, rec.prio);
	EXPECT_NE(0, rec.msg[0]);
	TH_LOG("logged: %s", rec.msg);

	tier_set_log(self->ctx, NULL, NULL);
	rec.calls = 0;
	EXPECT_EQ(-ENODEV, tier_buf_create(self->ctx, 4096, &p, &buf));
	EXPECT_EQ(0, rec.calls);
}

/* ------------------------------------------------------------------------ */
/* Errors that explain themselves: tier_explain(), LIBTIER_LOG              */

#define GiB	(1ULL << 30)
#define MiB	(1ULL << 20)

/*
 * A made-up host: node 0 DRAM with CPUs (16 GiB, 8 free), node 2 CXL in
 * ZONE_NORMAL (1 GiB, 512 MiB free), node 3 CXL all ZONE_MOVABLE (2 GiB).
 */
static const struct tier_node fake_nodes[] = {
	{ .node = 0, .tier = CXLTIER_TIER_DRAM, .flags = CXLTIER_NODE_HAS_CPUS,
	  .total_bytes = 16 * GiB, .free_bytes = 8 * GiB },
	{ .node = 2, .tier = CXLTIER_TIER_CXL, .nearest_cpu_node = 0,
	  .distance = 30, .total_bytes = GiB, .free_bytes = 512 * MiB },
	{ .node = 3, .tier = CXLTIER_TIER_CXL,
	  .flags = CXLTIER_NODE_MOVABLE_ONLY, .nearest_cpu_node = 0,
	  .distance = 30, .total_bytes = 2 * GiB, .free_bytes = 2 * GiB,
	  .movable_bytes = 2 * GiB },
};

/* tier_explain() of @err for a create of @len bytes with policy @pol */
static int fake_explain(int op, int err, uint64_t len, const char *pol,
			const struct tier_quota *quotas, uint32_t backend,
			char *why, size_t size)
{
	struct tier_policy p;
	struct tier_explain e;

	memset(&e, 0, sizeof(e));
	if (pol && tier_policy_parse(pol, &p))
		return -999;
	e.op = op;
	e.err = err;
	e.backend = backend;
	e.page_shift = 12;
	e.length = len;
	e.policy = pol ? &p : NULL;
	e.nodes = fake_nodes;
	e.nr_nodes = ARRAY_SIZE(fake_nodes);
	e.quotas = quotas;
	return tier_explain(&e, why, size);
}

TEST(explain_sentences_with_figures)
{
	/* the quota of node 2: 1 GiB, 768 MiB used, nothing reserved */
	static const struct tier_quota q2[] = {
		{ .quota_bytes = GiB, .used_bytes = 768 * MiB },
	};
	/* split's nodes: node 0 unlimited, node 2 with 256 MiB left */
	static const struct tier_quota q02[] = {
		{ .quota_bytes = TIER_QUOTA_UNLIMITED },
		{ .quota_bytes = GiB, .used_bytes = 512 * MiB,
		  .reserved_bytes = 256 * MiB },
	};
	static const struct {
		int op, err;
		uint64_t len;
		const char *policy;
		const struct tier_quota *quotas;
		uint32_t backend;
		const char *want;	/* NULL: no sentence (-ENOENT) */
	} cases[] = {
		{ TIER_EXPLAIN_CREATE, -EFBIG, 2 * GiB, "bind:2", NULL, 1,
		  "2G is larger than node 2 can ever hold (1G)" },
		{ TIER_EXPLAIN_CREATE, -EFBIG, 3 * GiB + 512 * MiB, "bind:2", NULL, 1,
		  "3.5G is larger than node 2 can ever hold (1G)" },
		{ TIER_EXPLAIN_CREATE, -EFBIG, 4 * GiB, "interleave:2,3", NULL, 1,
		  "4G is larger than nodes 2,3 can ever hold together (3G)" },
		{ TIER_EXPLAIN_CREATE, -EFBIG, 1536 * MiB, "bind:2,pinnable", NULL, 1,
		  "1.5G is larger than node 2 can ever hold in non-movable memory (1G)" },
		{ TIER_EXPLAIN_MIGRATE, -EFBIG, 4 * GiB, "split:0=50%,2=50%", NULL, 1,
		  "node 2's share (2G) is larger than node 2 can ever hold (1G)" },
		/* it fits: a pool's capacity, which the snapshot does not show */
		{ TIER_EXPLAIN_CREATE, -EFBIG, 512 * MiB, "bind:2", NULL, 1, NULL },
		{ TIER_EXPLAIN_CREATE, -EXDEV, MiB, "bind:0,3,pinnable", NULL, 1,
		  "node 3 is movable-only: pinnable needs a normal zone or a device-dax pool" },
		/* a pinnable buffer's migrate: the buffer's flags, as buf.c passes them */
		{ TIER_EXPLAIN_MIGRATE, -EXDEV, MiB, "bind:3,pinnable", NULL, 1,
		  "node 3 is movable-only: pinnable needs a normal zone or a device-dax pool" },
		{ TIER_EXPLAIN_MIGRATE, -EXDEV, MiB, "bind:3", NULL, 1,
		  "node 3 is movable-only: a buffer with a device-dax pool node is pinnable, which needs a normal zone or a device-dax pool" },
		{ TIER_EXPLAIN_CREATE, -ENODEV, MiB, "preferred:2,5", NULL, 2,
		  "node 5 is offline or has no memory (nodes with memory: 0,2,3)" },
		{ TIER_EXPLAIN_CREATE, -ENOSPC, 512 * MiB, "bind:2,reserve", q2, 1,
		  "node 2's quota is 1G, 768M of it used and 0B reserved: 512M more does not fit" },
		/* 4 GiB split 3:1: 1 GiB on node 2, which has 256 MiB left */
		{ TIER_EXPLAIN_CREATE, -ENOSPC, 4 * GiB, "split:0=75%,2=25%,reserve", q02, 1,
		  "node 2's quota is 1G, 512M of it used and 256M reserved: 1G more does not fit" },
		{ TIER_EXPLAIN_CREATE, -ENOSPC, MiB, "bind:2,reserve", NULL, 1,
		  "the buffer does not fit a node's quota (/sys/class/misc/cxltier/nodes/nodeN/quota_bytes; tierctl topo shows them)" },
		{ TIER_EXPLAIN_MIGRATE, -ENOSPC, MiB, "bind:2", NULL, 1, NULL },
		{ TIER_EXPLAIN_CREATE, -ENOMEM, 768 * MiB, "bind:2,populate", NULL, 1,
		  "populating 768M ran out of free pages on the policy's nodes (free when last read: node 2 512M of 1G)" },
		{ TIER_EXPLAIN_CREATE, -ENOMEM, 768 * MiB, "bind:2", NULL, 1, NULL },
		/* node 2 had 512M free: not the nodes, then */
		{ TIER_EXPLAIN_CREATE, -ENOMEM, 256 * MiB, "bind:2,populate", NULL, 1,
		  "populating 256M failed with 512M free on the policy's nodes when last read: the memory cgroup's limit (memory.max)" },
		{ TIER_EXPLAIN_CREATE, -ENOMEM, 256 * MiB, "bind:2,populate,page=2M", NULL, 1,
		  "populating 256M failed with 512M free on the policy's nodes when last read: the memory cgroup's limit (memory.max), or no free 2 MiB block (fragmented memory)" },
		{ TIER_EXPLAIN_CREATE, -EOPNOTSUPP, MiB, "bind:2,reserve", NULL,
		  TIER_BACKEND_MBIND,
		  "reserve needs the cxltier module: Linux has no per-node quota to reserve against" },
		{ TIER_EXPLAIN_CREATE, -EOPNOTSUPP, MiB, "bind:2,page=2M", NULL,
		  TIER_BACKEND_MBIND,
		  "2 MiB pages need the cxltier module, or huge-fallback (best effort through shmem THP) with the mbind backend" },
		{ TIER_EXPLAIN_CREATE, -EOPNOTSUPP, MiB, "bind:2,pinnable", NULL,
		  TIER_BACKEND_MODULE, NULL },
		{ TIER_EXPLAIN_MIGRATE, -EBUSY, MiB, "bind:2", NULL, 1,
		  "another migration of the buffer is running: wait for it to end" },
		{ TIER_EXPLAIN_CREATE, -EINVAL, MiB, "bind:2", NULL, 1, NULL },
		{ TIER_EXPLAIN_OPEN, -ENOENT, 0, NULL, NULL, 0,
		  "the cxltier module is not loaded ('modprobe cxltier'), or LIBTIER_BACKEND=mbind for plain NUMA policy" },
		{ TIER_EXPLAIN_OPEN, -EACCES, 0, NULL, NULL, 0,
		  "/dev/cxltier is for root and group cxltier (udev rule 60-cxltier.rules): 'usermod -aG cxltier $USER' and log in again, or LIBTIER_BACKEND=mbind" },
	};
	char why[512];
	size_t i;

	for (i = 0; i < ARRAY_SIZE(cases); i++) {
		int ret = fake_explain(cases[i].op, cases[i].err, cases[i].len,
				       cases[i].policy, cases[i].quotas,
				       cases[i].backend, why, sizeof(why));

		if (!cases[i].want) {
			EXPECT_EQ(-ENOENT, ret) TH_LOG("case %zu: %s", i, why);
			EXPECT_STREQ("", why);
			continue;
		}
		EXPECT_EQ(0, ret) TH_LOG("case %zu (%s)", i, cases[i].want);
		EXPECT_STREQ(cases[i].want, why) TH_LOG("case %zu", i);
	}
}

TEST(explain_rejects_and_truncates)
{
	struct tier_explain e;
	struct tier_policy p;
	char why[16];

	ASSERT_EQ(0, tier_policy_parse("bind:2", &p));
	memset(&e, 0, sizeof(e));
	e.op = TIER_EXPLAIN_CREATE;
	e.err = -EFBIG;
	e.length = 2 * GiB;
	e.policy = &p;
	e.nodes = fake_nodes;
	e.nr_nodes = ARRAY_SIZE(fake_nodes);
	EXPECT_EQ(-EINVAL, tier_explain(NULL, why, sizeof(why)));
	EXPECT_EQ(-EINVAL, tier_explain(&e, NULL, sizeof(why)));
	EXPECT_EQ(-EINVAL, tier_explain(&e, why, 0));
	e.err = 0;
	EXPECT_EQ(-EINVAL, tier_explain(&e, why, sizeof(why)));
	e.err = -EFBIG;
	e.op = 99;
	EXPECT_EQ(-EINVAL, tier_explain(&e, why, sizeof(why)));
	e.op = TIER_EXPLAIN_CREATE;
	e.policy = NULL;
	EXPECT_EQ(-EINVAL, tier_explain(&e, why, sizeof(why)));
	e.policy = &p;
	/* no topology: nothing to say */
	e.nodes = NULL;
	e.nr_nodes = 0;
	EXPECT_EQ(-ENOENT, tier_explain(&e, why, sizeof(why)));
	e.nodes = fake_nodes;
	e.nr_nodes = ARRAY_SIZE(fake_nodes);
	EXPECT_EQ(0, tier_explain(&e, why, sizeof(why)));
	EXPECT_STREQ("2G is larger th", why);
}

TEST(size_format)
{
	static const struct {
		uint64_t bytes;
		const char *want;
	} cases[] = {
		{ 0, "0B" }, { 1023, "1023B" }, { 1024, "1K" }, { 1536, "1.5K" },
		{ 64 * MiB, "64M" }, { GiB, "1G" }, { GiB + GiB / 10, "1.1G" },
		{ 1024 * GiB - 1, "1.0T" }, { UINT64_MAX, "16.0E" },
	};
	char buf[24];
	size_t i;

	for (i = 0; i < ARRAY_SIZE(cases); i++) {
		EXPECT_EQ((int)strlen(cases[i].want),
			  tier_size_format(cases[i].bytes, buf, sizeof(buf)));
		EXPECT_STREQ(cases[i].want, buf);
	}
	EXPECT_EQ(-EINVAL, tier_size_format(1, NULL, 8));
	EXPECT_EQ(-EINVAL, tier_size_format(1, buf, 0));
}

/* Every line written to stderr while @fn runs, into @buf. */
static void capture_stderr(void (*fn)(void *), void *arg, char *buf, size_t len)
{
	FILE *f = tmpfile();
	int saved = dup(2);
	size_t n;

	fflush(stderr);
	dup2(fileno(f), 2);
	fn(arg);
	fflush(stderr);
	dup2(saved, 2);
	close(saved);
	rewind(f);
	n = fread(buf, 1, len - 1, f);
	buf[n] = '\0';
	fclose(f);
}

/* open and close a context, creating a buffer that fails if @arg */
static void open_and_fail(void *arg)
{
	struct tier_ctx *ctx;
	struct tier_policy p;
	struct tier_buf *buf;

	if (tier_open(&ctx, TIER_OPEN_FALLBACK))
		return;
	if (arg) {
		bind_policy(&p, absent_node(ctx));
		tier_buf_create(ctx, 4096, &p, &buf);
	}
	tier_close(ctx);
}

TEST(log_env_to_stderr)
{
	char got[8192];

	unsetenv("LIBTIER_LOG");
	capture_stderr(open_and_fail, (void *)1, got, sizeof(got));
	EXPECT_STREQ("", got);		/* no hook, no LIBTIER_LOG: nothing */

	setenv("LIBTIER_LOG", "debug", 1);
	capture_stderr(open_and_fail, NULL, got, sizeof(got));
	EXPECT_NE(NULL, strstr(got, "libtier: backend mbind: TIER_OPEN_FALLBACK\n")) TH_LOG("%s", got);
	EXPECT_NE(NULL, strstr(got, "libtier: node ")) TH_LOG("%s", got);

	/* err: the explanation, and no debug line */
	setenv("LIBTIER_LOG", "err", 1);
	capture_stderr(open_and_fail, (void *)1, got, sizeof(got));
	EXPECT_EQ(0, strncmp(got, "libtier: node ", 14)) TH_LOG("%s", got);
	EXPECT_NE(NULL, strstr(got, " is offline or has no memory (nodes with memory: ")) TH_LOG("%s", got);
	EXPECT_EQ(NULL, strstr(got, "backend")) TH_LOG("%s", got);
	EXPECT_EQ(NULL, strchr(strchr(got, '\n') + 1, '\n')) TH_LOG("one line: %s", got);

	setenv("LIBTIER_LOG", "3", 1);
	capture_stderr(open_and_fail, (void *)1, got, sizeof(got));
	EXPECT_NE(NULL, strstr(got, " is offline or has no memory")) TH_LOG("%s", got);

	/* not a level: ignored (said at most once per process) */
	setenv("LIBTIER_LOG", "chatty", 1);
	capture_stderr(open_and_fail, (void *)1, got, sizeof(got));
	EXPECT_EQ(NULL, strstr(got, "offline")) TH_LOG("%s", got);
	unsetenv("LIBTIER_LOG");
}

struct log_lines {
	int calls, debug, err;
	char last[512];
};

static void count_log(void *priv, int prio, const char *msg)
{
	struct log_lines *r = priv;

	r->calls++;
	r->debug += prio == TIER_LOG_DEBUG;
	r->err += prio == TIER_LOG_ERR;
	snprintf(r->last, sizeof(r->last), "%s", msg);
}

TEST(log_levels_and_hooks)
{
	struct log_lines rec = { 0 };
	struct tier_policy p, bad;
	struct tier_ctx *ctx;
	struct tier_buf *buf;
	struct tier_node n;

	unsetenv("LIBTIER_LOG");
	EXPECT_EQ(-EINVAL, tier_set_log_default(count_log, &rec, 8));
	EXPECT_EQ(-EINVAL, tier_set_log_default(count_log, &rec, -1));
	/* the default hook hears tier_open() itself */
	ASSERT_EQ(0, tier_set_log_default(count_log, &rec, TIER_LOG_DEBUG));
	ASSERT_EQ(0, tier_open(&ctx, TIER_OPEN_FALLBACK));
	ASSERT_EQ(0, tier_set_log_default(NULL, NULL, TIER_LOG_DEBUG));
	EXPECT_LT(0, rec.debug);
	ASSERT_EQ(0, tier_node(ctx, 0, &n));
	bind_policy(&p, n.node);
	bind_policy(&bad, absent_node(ctx));

	/* no LIBTIER_LOG: the hook hears everything, then what it asks */
	memset(&rec, 0, sizeof(rec));
	ASSERT_EQ(0, tier_buf_create(ctx, 4096, &p, &buf));
	tier_buf_destroy(buf);
	EXPECT_LT(0, rec.debug);
	EXPECT_EQ(0, rec.err);
	EXPECT_EQ(-EINVAL, tier_set_log_level(ctx, 8));
	EXPECT_EQ(-EINVAL, tier_set_log_level(NULL, TIER_LOG_ERR));
	ASSERT_EQ(0, tier_set_log_level(ctx, TIER_LOG_WARNING));
	memset(&rec, 0, sizeof(rec));
	ASSERT_EQ(0, tier_buf_create(ctx, 4096, &p, &buf));
	tier_buf_destroy(buf);
	EXPECT_EQ(0, rec.calls);
	EXPECT_EQ(-ENODEV, tier_buf_create(ctx, 4096, &bad, &buf));
	EXPECT_EQ(1, rec.err);
	EXPECT_EQ(1, rec.calls);
	EXPECT_NE(NULL, strstr(rec.last, " is offline or has no memory")) TH_LOG("%s", rec.last);
	tier_close(ctx);

	/* LIBTIER_LOG filters the hook, and wins over tier_set_log_level() */
	setenv("LIBTIER_LOG", "err", 1);
	ASSERT_EQ(0, tier_open(&ctx, TIER_OPEN_FALLBACK));
	tier_set_log(ctx, count_log, &rec);
	ASSERT_EQ(0, tier_set_log_level(ctx, TIER_LOG_DEBUG));
	memset(&rec, 0, sizeof(rec));
	ASSERT_EQ(0, tier_buf_create(ctx, 4096, &p, &buf));
	tier_buf_destroy(buf);
	EXPECT_EQ(0, rec.calls);
	EXPECT_EQ(-ENODEV, tier_buf_create(ctx, 4096, &bad, &buf));
	EXPECT_EQ(1, rec.calls);
	tier_close(ctx);
	unsetenv("LIBTIER_LOG");
}

/* The sentence on the real topology: both backends (the module's in the VM). */
TEST_F(lib, log_explains_too_large)
{
	struct log_lines rec = { 0 };
	struct tier_policy p;
	struct tier_buf *buf;
	char want[64];

	bind_policy(&p, self->first.node);
	tier_set_log(self->ctx, count_log, &rec);
	EXPECT_EQ(-EFBIG, tier_buf_create(self->ctx, (size_t)1 << 50, &p, &buf));
	EXPECT_EQ(1, rec.err);
	snprintf(want, sizeof(want), "1P is larger than node %u can ever hold (",
		 self->first.node);
	EXPECT_EQ(0, strncmp(rec.last, want, strlen(want))) TH_LOG("%s", rec.last);
}

TEST_HARNESS_MAIN
