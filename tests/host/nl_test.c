// SPDX-License-Identifier: GPL-2.0-only
/*
 * libtier's netlink parsers fed hand-built messages (built here with
 * libmnl, as the kernel would lay them out): known attributes land in the
 * structs, unknown ones are skipped, wrong lengths and truncation are
 * refused.  No module needed; linked with libtier.a for the internal
 * parsers.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/socket.h>
#include <linux/genetlink.h>
#include <libmnl/libmnl.h>

#include "libtier.h"
#include "nl-private.h"
#include "kselftest_harness.h"

/* An attribute type no version of the family defines (yet). */
#define UNKNOWN_ATTR	(CXLTIER_NL_A_MAX + 7)

static struct nlmsghdr *msg(char *buf, uint8_t cmd)
{
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);
	struct genlmsghdr *g;

	nlh->nlmsg_type = 0x20;
	g = mnl_nlmsg_put_extra_header(nlh, sizeof(*g));
	g->cmd = cmd;
	g->version = CXLTIER_GENL_VERSION;
	return nlh;
}

/* A u64 the way the kernel puts it: a PAD attribute may come first. */
static void put_u64_pad(struct nlmsghdr *nlh, uint16_t type, uint64_t v)
{
	mnl_attr_put(nlh, CXLTIER_NL_A_PAD, 0, NULL);
	mnl_attr_put_u64(nlh, type, v);
}

static struct nlmsghdr *buf_msg(char *b)
{
	struct nlmsghdr *nlh = msg(b, CXLTIER_NL_CMD_BUF_GET);
	struct nlattr *nest, *ent;

	put_u64_pad(nlh, CXLTIER_NL_A_BUF_ID, 0x1122334455667788ULL);
	mnl_attr_put_u32(nlh, CXLTIER_NL_A_BUF_PID, 4242);
	mnl_attr_put_u32(nlh, CXLTIER_NL_A_BUF_UID, 1000);
	mnl_attr_put_u64(nlh, CXLTIER_NL_A_BUF_LENGTH, 3ULL << 30);
	mnl_attr_put_u32(nlh, CXLTIER_NL_A_BUF_MODE, CXLTIER_MODE_WEIGHTED);
	mnl_attr_put_u32(nlh, CXLTIER_NL_A_BUF_PAGE_SHIFT, 21);
	mnl_attr_put_u32(nlh, CXLTIER_NL_A_BUF_CHUNK_SHIFT, 22);
	mnl_attr_put_u32(nlh, CXLTIER_NL_A_BUF_CREATE_FLAGS, CXLTIER_CREATE_FALLBACK);
	/* forward compatibility: an attribute of a newer kernel */
	mnl_attr_put_u16(nlh, UNKNOWN_ATTR, 0xbeef);
	nest = mnl_attr_nest_start(nlh, CXLTIER_NL_A_BUF_POLICY);
	ent = mnl_attr_nest_start(nlh, CXLTIER_NL_A_BUF_POLICY_NODE);
	mnl_attr_put_u32(nlh, CXLTIER_NL_PN_NODE, 2);
	mnl_attr_put_u32(nlh, CXLTIER_NL_PN_WEIGHT, 3);
	mnl_attr_put_u64(nlh, CXLTIER_NL_PN_MAX + 5, 99);	/* unknown, skipped */
	mnl_attr_nest_end(nlh, ent);
	ent = mnl_attr_nest_start(nlh, CXLTIER_NL_A_BUF_POLICY_NODE);
	mnl_attr_put_u32(nlh, CXLTIER_NL_PN_NODE, 0);
	mnl_attr_put_u32(nlh, CXLTIER_NL_PN_WEIGHT, 1);
	mnl_attr_nest_end(nlh, ent);
	mnl_attr_nest_end(nlh, nest);
	nest = mnl_attr_nest_start(nlh, CXLTIER_NL_A_BUF_RESIDENT);
	ent = mnl_attr_nest_start(nlh, CXLTIER_NL_A_BUF_RESIDENT_NODE);
	mnl_attr_put_u32(nlh, CXLTIER_NL_NB_NODE, 0);
	put_u64_pad(nlh, CXLTIER_NL_NB_BYTES, 1ULL << 30);
	mnl_attr_nest_end(nlh, ent);
	ent = mnl_attr_nest_start(nlh, CXLTIER_NL_A_BUF_RESIDENT_NODE);
	mnl_attr_put_u32(nlh, CXLTIER_NL_NB_NODE, 2);
	mnl_attr_put_u64(nlh, CXLTIER_NL_NB_BYTES, 2ULL << 30);
	mnl_attr_nest_end(nlh, ent);
	mnl_attr_nest_end(nlh, nest);
	mnl_attr_put_u64(nlh, CXLTIER_NL_A_BUF_RESIDENT_BYTES, 3ULL << 30);
	mnl_attr_put_u64(nlh, CXLTIER_NL_A_BUF_SPILLED_BYTES, 2ULL << 20);
	mnl_attr_put_u64(nlh, CXLTIER_NL_A_BUF_MIGRATE_SEQ, 5);
	mnl_attr_put_u32(nlh, CXLTIER_NL_A_BUF_MIGRATE_STATE, CXLTIER_MIGRATE_STATE_DONE);
	mnl_attr_put_u32(nlh, CXLTIER_NL_A_BUF_MIGRATE_ERROR, (uint32_t)-EINTR);
	mnl_attr_put_u64(nlh, CXLTIER_NL_A_BUF_MIGRATE_MOVED_BYTES, 111);
	mnl_attr_put_u64(nlh, CXLTIER_NL_A_BUF_MIGRATE_SKIPPED_BYTES, 222);
	mnl_attr_put_u64(nlh, CXLTIER_NL_A_BUF_MIGRATE_FAILED_BYTES, 333);
	return nlh;
}

TEST(buf_all_fields)
{
	char b[4096] __attribute__((aligned(8)));
	struct tier_nl_buf t;
	struct nlmsghdr *nlh = buf_msg(b);

	ASSERT_EQ(0, tier_nl_parse_buf(nlh, &t));
	EXPECT_EQ(0x1122334455667788ULL, t.id);
	EXPECT_EQ(4242, t.pid);
	EXPECT_EQ(1000, t.uid);
	EXPECT_EQ(3ULL << 30, t.length);
	EXPECT_EQ(CXLTIER_MODE_WEIGHTED, t.policy.mode);
	EXPECT_EQ(21, t.policy.page_shift);
	EXPECT_EQ(22, t.policy.chunk_shift);
	EXPECT_EQ(CXLTIER_CREATE_FALLBACK, t.policy.flags);
	ASSERT_EQ(2, t.policy.nr_nodes);
	EXPECT_EQ(2, t.policy.nodes[0].node);
	EXPECT_EQ(3, t.policy.nodes[0].weight);
	EXPECT_EQ(0, t.policy.nodes[1].node);
	EXPECT_EQ(1, t.policy.nodes[1].weight);
	ASSERT_EQ(2, t.nr_resident);
	EXPECT_EQ(0, t.resident[0].node);
	EXPECT_EQ(1ULL << 30, t.resident[0].bytes);
	EXPECT_EQ(2, t.resident[1].node);
	EXPECT_EQ(2ULL << 30, t.resident[1].bytes);
	EXPECT_EQ(3ULL << 30, t.resident_bytes);
	EXPECT_EQ(2ULL << 20, t.spilled_bytes);
	EXPECT_EQ(5, t.migrate_seq);
	EXPECT_EQ(CXLTIER_MIGRATE_STATE_DONE, t.migrate_state);
	EXPECT_EQ(-EINTR, t.migrate_error);
	EXPECT_EQ(111, t.migrate_moved_bytes);
	EXPECT_EQ(222, t.migrate_skipped_bytes);
	EXPECT_EQ(333, t.migrate_failed_bytes);
	EXPECT_TRUE(TIER_NL_HAS(&t, CXLTIER_NL_A_BUF_SPILLED_BYTES));
	EXPECT_FALSE(TIER_NL_HAS(&t, CXLTIER_NL_A_NODE_ID));
	/* the unknown attribute is not recorded as anything */
	EXPECT_FALSE(TIER_NL_HAS(&t, UNKNOWN_ATTR));
	free(t.resident);
}

/* Only the id is required; the rest is 0 and marked absent. */
TEST(buf_minimal)
{
	char b[512] __attribute__((aligned(8)));
	struct nlmsghdr *nlh = msg(b, CXLTIER_NL_CMD_BUF_GET);
	struct tier_nl_buf t;

	mnl_attr_put_u64(nlh, CXLTIER_NL_A_BUF_ID, 9);
	ASSERT_EQ(0, tier_nl_parse_buf(nlh, &t));
	EXPECT_EQ(9, t.id);
	EXPECT_EQ(0, t.nr_resident);
	EXPECT_EQ(NULL, t.resident);
	EXPECT_EQ(1ULL << CXLTIER_NL_A_BUF_ID, t.attrs);
}

TEST(buf_without_id)
{
	char b[512] __attribute__((aligned(8)));
	struct nlmsghdr *nlh = msg(b, CXLTIER_NL_CMD_BUF_GET);
	struct tier_nl_buf t;

	mnl_attr_put_u32(nlh, CXLTIER_NL_A_BUF_PID, 1);
	EXPECT_EQ(-EPROTO, tier_nl_parse_buf(nlh, &t));
}

/* A u32 attribute carrying 8 bytes is not a u32. */
TEST(wrong_length_u32)
{
	char b[512] __attribute__((aligned(8)));
	struct nlmsghdr *nlh = msg(b, CXLTIER_NL_CMD_BUF_GET);
	struct tier_nl_buf t;

	mnl_attr_put_u64(nlh, CXLTIER_NL_A_BUF_ID, 9);
	mnl_attr_put_u64(nlh, CXLTIER_NL_A_BUF_PID, 1);
	EXPECT_EQ(-EPROTO, tier_nl_parse_buf(nlh, &t));
}

/* A u64 attribute carrying 4 bytes is not a u64. */
TEST(wrong_length_u64)
{
	char b[512] __attribute__((aligned(8)));
	struct nlmsghdr *nlh = msg(b, CXLTIER_NL_CMD_NODE_GET);
	struct tier_nl_node t;

	mnl_attr_put_u32(nlh, CXLTIER_NL_A_NODE_ID, 1);
	mnl_attr_put_u32(nlh, CXLTIER_NL_A_NODE_FREE_BYTES, 1);
	EXPECT_EQ(-EPROTO, tier_nl_parse_node(nlh, &t));
}

/* Wrong length inside a nest is refused too, and nothing leaks. */
TEST(wrong_length_nested)
{
	char b[512] __attribute__((aligned(8)));
	struct nlmsghdr *nlh = msg(b, CXLTIER_NL_CMD_BUF_GET);
	struct nlattr *nest, *ent;
	struct tier_nl_buf t;

	mnl_attr_put_u64(nlh, CXLTIER_NL_A_BUF_ID, 9);
	nest = mnl_attr_nest_start(nlh, CXLTIER_NL_A_BUF_RESIDENT);
	ent = mnl_attr_nest_start(nlh, CXLTIER_NL_A_BUF_RESIDENT_NODE);
	mnl_attr_put_u32(nlh, CXLTIER_NL_NB_NODE, 0);
	mnl_attr_put_u64(nlh, CXLTIER_NL_NB_BYTES, 4096);
	mnl_attr_nest_end(nlh, ent);
	ent = mnl_attr_nest_start(nlh, CXLTIER_NL_A_BUF_RESIDENT_NODE);
	mnl_attr_put_u16(nlh, CXLTIER_NL_NB_NODE, 2);
	mnl_attr_put_u64(nlh, CXLTIER_NL_NB_BYTES, 4096);
	mnl_attr_nest_end(nlh, ent);
	mnl_attr_nest_end(nlh, nest);
	EXPECT_EQ(-EPROTO, tier_nl_parse_buf(nlh, &t));
}

/* A resident entry without its bytes is not one. */
TEST(resident_entry_incomplete)
{
	char b[512] __attribute__((aligned(8)));
	struct nlmsghdr *nlh = msg(b, CXLTIER_NL_CMD_BUF_GET);
	struct nlattr *nest, *ent;
	struct tier_nl_buf t;

	mnl_attr_put_u64(nlh, CXLTIER_NL_A_BUF_ID, 9);
	nest = mnl_attr_nest_start(nlh, CXLTIER_NL_A_BUF_RESIDENT);
	ent = mnl_attr_nest_start(nlh, CXLTIER_NL_A_BUF_RESIDENT_NODE);
	mnl_attr_put_u32(nlh, CXLTIER_NL_NB_NODE, 0);
	mnl_attr_nest_end(nlh, ent);
	mnl_attr_nest_end(nlh, nest);
	EXPECT_EQ(-EPROTO, tier_nl_parse_buf(nlh, &t));
}

/*
 * The last attribute claims more bytes than the message has: refused,
 * not silently dropped.
 */
TEST(truncated_attribute)
{
	char b[4096] __attribute__((aligned(8)));
	struct nlmsghdr *nlh = buf_msg(b);
	struct tier_nl_buf t;

	/* cut the last attribute (a u64: 4 + 8 bytes) in half */
	nlh->nlmsg_len -= 8;
	EXPECT_EQ(-EPROTO, tier_nl_parse_buf(nlh, &t));
	/* and the whole message parses again when it is not cut */
	nlh->nlmsg_len += 8;
	ASSERT_EQ(0, tier_nl_parse_buf(nlh, &t));
	free(t.resident);
}

/* Trailing bytes shorter than an attribute header: refused. */
TEST(trailing_junk)
{
	char b[512] __attribute__((aligned(8)));
	struct nlmsghdr *nlh = msg(b, CXLTIER_NL_CMD_NODE_GET);
	struct tier_nl_node t;

	mnl_attr_put_u32(nlh, CXLTIER_NL_A_NODE_ID, 1);
	memset((char *)nlh + nlh->nlmsg_len, 0xff, 4);
	nlh->nlmsg_len += 4;
	EXPECT_EQ(-EPROTO, tier_nl_parse_node(nlh, &t));
}

TEST(too_short_for_genl)
{
	char b[512] __attribute__((aligned(8)));
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(b);
	struct tier_nl_node t;

	EXPECT_EQ(-EPROTO, tier_nl_parse_node(nlh, &t));
}

TEST(other_command)
{
	char b[512] __attribute__((aligned(8)));
	struct nlmsghdr *nlh = msg(b, CXLTIER_NL_CMD_NODE_GET);
	struct tier_nl_buf t;
	struct tier_nl_event e;

	mnl_attr_put_u32(nlh, CXLTIER_NL_A_NODE_ID, 1);
	EXPECT_EQ(-EBADMSG, tier_nl_parse_buf(nlh, &t));
	EXPECT_EQ(-EBADMSG, tier_nl_parse_event(nlh, &e));
}

TEST(node_all_fields)
{
	char b[1024] __attribute__((aligned(8)));
	struct nlmsghdr *nlh = msg(b, CXLTIER_NL_CMD_NODE_GET);
	struct tier_nl_node n;

	mnl_attr_put_u32(nlh, CXLTIER_NL_A_NODE_ID, 3);
	mnl_attr_put_u32(nlh, CXLTIER_NL_A_NODE_TIER, CXLTIER_TIER_CXL);
	put_u64_pad(nlh, CXLTIER_NL_A_NODE_TOTAL_BYTES, 1ULL << 30);
	mnl_attr_put_u64(nlh, CXLTIER_NL_A_NODE_FREE_BYTES, 900ULL << 20);
	mnl_attr_put_u64(nlh, CXLTIER_NL_A_NODE_QUOTA_BYTES, 512ULL << 20);
	mnl_attr_put_u64(nlh, CXLTIER_NL_A_NODE_USED_BYTES, 64ULL << 20);
	mnl_attr_put_u64(nlh, CXLTIER_NL_A_NODE_RESERVED_BYTES, 32ULL << 20);
	mnl_attr_put_u64(nlh, CXLTIER_NL_A_NODE_POOL_BYTES, 7);
	mnl_attr_put_u64(nlh, CXLTIER_NL_A_NODE_ALLOC_PAGES, 11);
	mnl_attr_put_u64(nlh, CXLTIER_NL_A_NODE_SPILL_PAGES, 12);
	mnl_attr_put_u64(nlh, CXLTIER_NL_A_NODE_MIGRATE_IN_PAGES, 13);
	mnl_attr_put_u64(nlh, CXLTIER_NL_A_NODE_MIGRATE_OUT_PAGES, 14);
	mnl_attr_put_u64(nlh, CXLTIER_NL_A_NODE_FAULT_FAILURES, 15);
	mnl_attr_put_strz(nlh, UNKNOWN_ATTR, "from the future");
	ASSERT_EQ(0, tier_nl_parse_node(nlh, &n));
	EXPECT_EQ(3, n.node);
	EXPECT_EQ(CXLTIER_TIER_CXL, n.tier);
	EXPECT_EQ(1ULL << 30, n.total_bytes);
	EXPECT_EQ(900ULL << 20, n.free_bytes);
	EXPECT_EQ(512ULL << 20, n.quota_bytes);
	EXPECT_EQ(64ULL << 20, n.used_bytes);
	EXPECT_EQ(32ULL << 20, n.reserved_bytes);
	EXPECT_EQ(7, n.pool_bytes);
	EXPECT_EQ(11, n.alloc_pages);
	EXPECT_EQ(12, n.spill_pages);
	EXPECT_EQ(13, n.migrate_in_pages);
	EXPECT_EQ(14, n.migrate_out_pages);
	EXPECT_EQ(15, n.fault_failures);
}

/* No quota attribute: unlimited; no tier: the node has no memory. */
TEST(node_absent_quota_and_tier)
{
	char b[512] __attribute__((aligned(8)));
	struct nlmsghdr *nlh = msg(b, CXLTIER_NL_CMD_NODE_GET);
	struct tier_nl_node n;

	mnl_attr_put_u32(nlh, CXLTIER_NL_A_NODE_ID, 5);
	ASSERT_EQ(0, tier_nl_parse_node(nlh, &n));
	EXPECT_EQ(5, n.node);
	EXPECT_EQ(TIER_QUOTA_UNLIMITED, n.quota_bytes);
	EXPECT_EQ(TIER_NL_TIER_NONE, n.tier);
	EXPECT_FALSE(TIER_NL_HAS(&n, CXLTIER_NL_A_NODE_QUOTA_BYTES));
}

TEST(event_migrate_done)
{
	char b[1024] __attribute__((aligned(8)));
	struct nlmsghdr *nlh = msg(b, CXLTIER_NL_CMD_EVENT);
	struct tier_nl_event e;

	mnl_attr_put_u32(nlh, CXLTIER_NL_A_EVENT_TYPE, CXLTIER_EVENT_MIGRATE_DONE);
	put_u64_pad(nlh, CXLTIER_NL_A_BUF_ID, 77);
	mnl_attr_put_u32(nlh, CXLTIER_NL_A_BUF_PID, 10);
	mnl_attr_put_u32(nlh, CXLTIER_NL_A_BUF_UID, 20);
	mnl_attr_put_u64(nlh, CXLTIER_NL_A_BUF_MIGRATE_SEQ, 2);
	mnl_attr_put_u64(nlh, CXLTIER_NL_A_BUF_MIGRATE_MOVED_BYTES, 4096);
	mnl_attr_put_u64(nlh, CXLTIER_NL_A_BUF_MIGRATE_SKIPPED_BYTES, 8192);
	mnl_attr_put_u64(nlh, CXLTIER_NL_A_BUF_MIGRATE_FAILED_BYTES, 12288);
	mnl_attr_put_u32(nlh, CXLTIER_NL_A_EVENT_ERROR, (uint32_t)-ECANCELED);
	mnl_attr_put_u32(nlh, UNKNOWN_ATTR, 1);
	ASSERT_EQ(0, tier_nl_parse_event(nlh, &e));
	EXPECT_EQ(CXLTIER_EVENT_MIGRATE_DONE, e.type);
	EXPECT_EQ(77, e.buf_id);
	EXPECT_EQ(10, e.pid);
	EXPECT_EQ(20, e.uid);
	EXPECT_EQ(2, e.migrate_seq);
	EXPECT_EQ(4096, e.migrate_moved_bytes);
	EXPECT_EQ(8192, e.migrate_skipped_bytes);
	EXPECT_EQ(12288, e.migrate_failed_bytes);
	EXPECT_EQ(-ECANCELED, e.error);
	EXPECT_EQ(TIER_NL_NODE_NONE, e.node);
	EXPECT_EQ(TIER_NL_NODE_NONE, e.to_node);
}

TEST(event_spill_quota_lowfree)
{
	char b[1024] __attribute__((aligned(8)));
	struct nlmsghdr *nlh = msg(b, CXLTIER_NL_CMD_EVENT);
	struct tier_nl_event e;

	mnl_attr_put_u32(nlh, CXLTIER_NL_A_EVENT_TYPE, CXLTIER_EVENT_SPILL);
	mnl_attr_put_u32(nlh, CXLTIER_NL_A_NODE_ID, 2);
	mnl_attr_put_u32(nlh, CXLTIER_NL_A_EVENT_TO_NODE, 0);
	mnl_attr_put_u64(nlh, CXLTIER_NL_A_EVENT_BYTES, 4096);
	ASSERT_EQ(0, tier_nl_parse_event(nlh, &e));
	EXPECT_EQ(CXLTIER_EVENT_SPILL, e.type);
	EXPECT_EQ(2, e.node);
	EXPECT_EQ(0, e.to_node);
	EXPECT_EQ(4096, e.bytes);

	nlh = msg(b, CXLTIER_NL_CMD_EVENT);
	mnl_attr_put_u32(nlh, CXLTIER_NL_A_EVENT_TYPE, CXLTIER_EVENT_QUOTA_REFUSED);
	mnl_attr_put_u32(nlh, CXLTIER_NL_A_NODE_ID, 3);
	mnl_attr_put_u64(nlh, CXLTIER_NL_A_NODE_QUOTA_BYTES, 1 << 20);
	mnl_attr_put_u64(nlh, CXLTIER_NL_A_EVENT_BYTES, 2 << 20);
	mnl_attr_put_u32(nlh, CXLTIER_NL_A_EVENT_ERROR, (uint32_t)-ENOSPC);
	ASSERT_EQ(0, tier_nl_parse_event(nlh, &e));
	EXPECT_EQ(CXLTIER_EVENT_QUOTA_REFUSED, e.type);
	EXPECT_EQ(3, e.node);
	EXPECT_EQ(1 << 20, e.quota_bytes);
	EXPECT_EQ(2 << 20, e.bytes);
	EXPECT_EQ(-ENOSPC, e.error);
	EXPECT_FALSE(TIER_NL_HAS(&e, CXLTIER_NL_A_BUF_ID));

	nlh = msg(b, CXLTIER_NL_CMD_EVENT);
	mnl_attr_put_u32(nlh, CXLTIER_NL_A_EVENT_TYPE, CXLTIER_EVENT_NODE_LOW_FREE);
	mnl_attr_put_u32(nlh, CXLTIER_NL_A_NODE_ID, 1);
	mnl_attr_put_u64(nlh, CXLTIER_NL_A_NODE_FREE_BYTES, 10);
	mnl_attr_put_u64(nlh, CXLTIER_NL_A_NODE_TOTAL_BYTES, 1000);
	mnl_attr_put_u64(nlh, CXLTIER_NL_A_EVENT_THRESHOLD_BYTES, 50);
	ASSERT_EQ(0, tier_nl_parse_event(nlh, &e));
	EXPECT_EQ(10, e.free_bytes);
	EXPECT_EQ(1000, e.total_bytes);
	EXPECT_EQ(50, e.threshold_bytes);
}

TEST(event_pool_name)
{
	char b[1024] __attribute__((aligned(8)));
	struct nlmsghdr *nlh = msg(b, CXLTIER_NL_CMD_EVENT);
	struct tier_nl_event e;
	char longname[100];

	mnl_attr_put_u32(nlh, CXLTIER_NL_A_EVENT_TYPE, CXLTIER_EVENT_POOL_ADDED);
	mnl_attr_put_u32(nlh, CXLTIER_NL_A_POOL_ID, 4);
	mnl_attr_put_strz(nlh, CXLTIER_NL_A_POOL_NAME, "dax0.0");
	mnl_attr_put_u32(nlh, CXLTIER_NL_A_NODE_ID, 4);
	ASSERT_EQ(0, tier_nl_parse_event(nlh, &e));
	EXPECT_EQ(4, e.pool_id);
	EXPECT_STREQ("dax0.0", e.pool_name);

	/* longer than the field: truncated, still terminated */
	memset(longname, 'x', sizeof(longname) - 1);
	longname[sizeof(longname) - 1] = 0;
	nlh = msg(b, CXLTIER_NL_CMD_EVENT);
	mnl_attr_put_u32(nlh, CXLTIER_NL_A_EVENT_TYPE, CXLTIER_EVENT_POOL_REMOVED);
	mnl_attr_put_strz(nlh, CXLTIER_NL_A_POOL_NAME, longname);
	ASSERT_EQ(0, tier_nl_parse_event(nlh, &e));
	EXPECT_EQ(sizeof(e.pool_name) - 1, strlen(e.pool_name));

	/* a string without its NUL is malformed */
	nlh = msg(b, CXLTIER_NL_CMD_EVENT);
	mnl_attr_put_u32(nlh, CXLTIER_NL_A_EVENT_TYPE, CXLTIER_EVENT_POOL_REMOVED);
	mnl_attr_put(nlh, CXLTIER_NL_A_POOL_NAME, 6, "dax0.0");
	EXPECT_EQ(-EPROTO, tier_nl_parse_event(nlh, &e));
}

TEST(event_without_type)
{
	char b[512] __attribute__((aligned(8)));
	struct nlmsghdr *nlh = msg(b, CXLTIER_NL_CMD_EVENT);
	struct tier_nl_event e;

	mnl_attr_put_u32(nlh, CXLTIER_NL_A_NODE_ID, 1);
	EXPECT_EQ(-EPROTO, tier_nl_parse_event(nlh, &e));
	/* type 0 is the library's "lost" marker, never the kernel's */
	mnl_attr_put_u32(nlh, CXLTIER_NL_A_EVENT_TYPE, 0);
	EXPECT_EQ(-EPROTO, tier_nl_parse_event(nlh, &e));
}

TEST(event_names)
{
	static const char *const want[] = {
		"lost", "spill", "quota-refused", "migrate-done", "node-online",
		"node-offline", "node-low-free", "pool-added", "pool-removed",
	};
	unsigned int i;

	ASSERT_EQ(CXLTIER_EVENT_MAX + 1, sizeof(want) / sizeof(want[0]));
	for (i = 0; i <= CXLTIER_EVENT_MAX; i++)
		EXPECT_STREQ(want[i], tier_nl_event_name(i));
	EXPECT_EQ(NULL, tier_nl_event_name(CXLTIER_EVENT_MAX + 1));
}

/*
 * Without the module there is no family: -ENOENT, said plainly.  With it
 * loaded (in the VM) the open succeeds and the event calls are refused on
 * a request handle.
 */
TEST(open_family)
{
	struct tier_nl *nl = (struct tier_nl *)1;
	int loaded = access("/sys/module/cxltier", F_OK) == 0;
	int err = tier_nl_open(&nl, 0);

	if (!loaded) {
		EXPECT_EQ(-ENOENT, err);
		EXPECT_EQ(NULL, nl);
		EXPECT_STREQ("cxltier module not loaded (no generic netlink family \"cxltier\")",
			     tier_nl_strerror(err));
		return;
	}
	ASSERT_EQ(0, err);
	EXPECT_EQ(-EINVAL, tier_nl_event_read(nl, NULL, NULL));
	tier_nl_close(nl);
}

static int count_event(void *priv, const struct tier_nl_event *ev)
{
	(*(int *)priv)++;
	return 0;
}

/*
 * With the module (the VM): the requests against the real family.  A dump
 * of nodes names node 0 with its memory, a do for an id that no buffer has
 * is -ENOENT, a request on an events handle is refused, and a
 * non-blocking events handle with nothing to read says -EAGAIN.
 */
TEST(requests_with_module)
{
	struct tier_nl_node *nodes = NULL;
	struct tier_nl_buf *bufs = NULL;
	struct tier_nl *nl, *ev;
	int n, i, calls = 0, found0 = 0;

	if (access("/sys/module/cxltier", F_OK))
		SKIP(return, "cxltier module not loaded");
	ASSERT_EQ(0, tier_nl_open(&nl, 0));
	n = tier_nl_node_list(nl, &nodes);
	ASSERT_LT(0, n);
	for (i = 0; i < n; i++) {
		if (i)
			EXPECT_LT(nodes[i - 1].node, nodes[i].node);
		if (nodes[i].node == 0) {
			found0 = 1;
			EXPECT_LT(0, nodes[i].total_bytes);
			EXPECT_LE(nodes[i].free_bytes, nodes[i].total_bytes);
			EXPECT_NE(TIER_NL_TIER_NONE, nodes[i].tier);
		}
	}
	EXPECT_TRUE(found0);
	free(nodes);
	n = tier_nl_buf_list(nl, &bufs);
	EXPECT_LE(0, n);
	tier_nl_bufs_free(bufs, n);
	EXPECT_EQ(-ENOENT, tier_nl_buf_get(nl, UINT64_MAX - 1, &bufs));
	EXPECT_EQ(NULL, bufs);

	ASSERT_EQ(0, tier_nl_open(&ev, TIER_NL_EVENTS | TIER_NL_NONBLOCK));
	EXPECT_LE(0, tier_nl_fd(ev));
	EXPECT_EQ(-EINVAL, tier_nl_buf_list(ev, &bufs));
	EXPECT_EQ(-EINVAL, tier_nl_node_list(ev, &nodes));
	EXPECT_EQ(-EAGAIN, tier_nl_event_read(ev, count_event, &calls));
	EXPECT_EQ(0, calls);
	tier_nl_close(ev);
	tier_nl_close(nl);
}

TEST(open_bad_flags)
{
	struct tier_nl *nl;

	EXPECT_EQ(-EINVAL, tier_nl_open(&nl, 1U << 7));
	EXPECT_EQ(-EINVAL, tier_nl_open(NULL, 0));
	EXPECT_STREQ(strerror(EPROTO), tier_nl_strerror(-EPROTO));
}

struct lost_count {
	int lost, quota;
};

static int count_lost(void *priv, const struct tier_nl_event *ev)
{
	struct lost_count *c = priv;

	if (ev->type == TIER_NL_EVENT_LOST)
		c->lost++;
	else if (ev->type == CXLTIER_EVENT_QUOTA_REFUSED)
		c->quota++;
	return 0;
}

static int write_str(const char *path, const char *v)
{
	FILE *f = fopen(path, "w");
	int ok;

	if (!f)
		return -errno;
	ok = fputs(v, f) >= 0;
	return fclose(f) == 0 && ok ? 0 : -EIO;
}

/*
 * An overrun is an event, not an error: with the smallest receive buffer,
 * 64 refused creates (one QUOTA_REFUSED each) overflow the socket; reading
 * gives a "lost" event and then what was kept, and the handle goes on.
 * Root and the module only (the VM).
 */
TEST(overrun_is_lost_event)
{
	char q[128], used[32], v[48];
	struct tier_policy pol;
	struct lost_count c = { 0 };
	struct tier_ctx *ctx;
	struct tier_buf *buf;
	struct tier_nl *ev;
	int i, r, one = 1;
	FILE *f;

	if (access("/sys/module/cxltier", F_OK) || geteuid())
		SKIP(return, "needs root and the cxltier module");
	snprintf(q, sizeof(q), "%s/node0/used_bytes", CXLTIER_SYSFS_NODES_DIR);
	f = fopen(q, "r");
	ASSERT_NE(NULL, f);
	ASSERT_NE(NULL, fgets(used, sizeof(used), f));
	fclose(f);
	snprintf(v, sizeof(v), "%llu", strtoull(used, NULL, 10) + 4096);
	snprintf(q, sizeof(q), "%s/node0/quota_bytes", CXLTIER_SYSFS_NODES_DIR);

	ASSERT_EQ(0, tier_nl_open(&ev, TIER_NL_EVENTS | TIER_NL_NONBLOCK));
	ASSERT_EQ(0, setsockopt(tier_nl_fd(ev), SOL_SOCKET, SO_RCVBUF, &one,
				sizeof(one)));
	ASSERT_EQ(0, tier_open(&ctx, TIER_OPEN_MODULE));
	ASSERT_EQ(0, tier_policy_parse("bind:0,reserve", &pol));
	ASSERT_EQ(0, write_str(q, v));
	for (i = 0; i < 64; i++)
		EXPECT_EQ(-ENOSPC, tier_buf_create(ctx, 1 << 20, &pol, &buf));
	EXPECT_EQ(0, write_str(q, CXLTIER_SYSFS_UNLIMITED));
	while ((r = tier_nl_event_read(ev, count_lost, &c)) > 0)
		;
	EXPECT_EQ(-EAGAIN, r);
	EXPECT_LE(1, c.lost);
	EXPECT_LE(1, c.quota);
	EXPECT_GT(64, c.quota);
	TH_LOG("64 refused creates: %d events kept, %d lost indication(s)",
	       c.quota, c.lost);
	tier_close(ctx);
	tier_nl_close(ev);
}

TEST_HARNESS_MAIN
