/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * libtier's netlink message parsers, for nl.c and the host tests that feed
 * them hand-built messages (tests/host/nl_test.c links libtier.a).
 */
#ifndef LIBTIER_NL_PRIVATE_H
#define LIBTIER_NL_PRIVATE_H

#include <linux/netlink.h>

#include "libtier.h"

/*
 * Each parses one CXLTIER_NL_CMD_* message (netlink header, genetlink
 * header, attributes) into @out.  Unknown attributes are skipped; a known
 * one of the wrong length, a malformed nest or trailing bytes that are not
 * an attribute make it -EPROTO.  tier_nl_parse_buf() allocates
 * @out->resident (free() it); on failure nothing is left allocated.
 * Return: 0, -EPROTO, -ENOMEM; -EBADMSG for a message of another command.
 */
int tier_nl_parse_buf(const struct nlmsghdr *nlh, struct tier_nl_buf *out);
int tier_nl_parse_node(const struct nlmsghdr *nlh, struct tier_nl_node *out);
int tier_nl_parse_event(const struct nlmsghdr *nlh, struct tier_nl_event *out);

#endif
