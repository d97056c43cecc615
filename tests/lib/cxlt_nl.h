/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A small generic netlink client of the cxltier family, spoken with libmnl
 * directly (not through libtier, whose netlink code is under test too):
 * shared by the kselftest suite (netlink_tests.c) and the stress program
 * (stress_nl.c).  Resolves the family, its version and its "events" group,
 * builds requests and runs a callback on each answer.
 *
 * Harness-free and static inline, like cxlt_common.h.  Needs -lmnl.
 */
#ifndef CXLT_NL_H
#define CXLT_NL_H

#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <libmnl/libmnl.h>
#include <linux/genetlink.h>
#include <linux/netlink.h>

#include <linux/cxltier.h>

/* Room for one receive: a dump's messages come several to a datagram. */
#define NL_BUFSZ (128 * 1024)

struct nl {
	struct mnl_socket *s;
	uint32_t portid;
	uint32_t seq;
	uint16_t family;
	uint32_t version;
	uint32_t events_grp;	/* 0: the family has no "events" group */
};

static inline void nl_close(struct nl *n)
{
	if (n->s)
		mnl_socket_close(n->s);
	n->s = NULL;
}

/* Collects CTRL_CMD_GETFAMILY's answer: one multicast group. */
static inline int nl_ctrl_grp_cb(const struct nlattr *a, void *data)
{
	struct nl *n = data;
	const struct nlattr *g;
	const char *name = NULL;
	uint32_t id = 0;

	mnl_attr_for_each_nested(g, a) {
		if (mnl_attr_get_type(g) == CTRL_ATTR_MCAST_GRP_NAME)
			name = mnl_attr_get_str(g);
		else if (mnl_attr_get_type(g) == CTRL_ATTR_MCAST_GRP_ID)
			id = mnl_attr_get_u32(g);
	}
	if (name && !strcmp(name, CXLTIER_GENL_MCGRP_EVENTS))
		n->events_grp = id;
	return MNL_CB_OK;
}

static inline int nl_ctrl_attr_cb(const struct nlattr *a, void *data)
{
	struct nl *n = data;
	const struct nlattr *g;

	switch (mnl_attr_get_type(a)) {
	case CTRL_ATTR_FAMILY_ID:
		n->family = mnl_attr_get_u16(a);
		break;
	case CTRL_ATTR_VERSION:
		n->version = mnl_attr_get_u32(a);
		break;
	case CTRL_ATTR_MCAST_GROUPS:
		mnl_attr_for_each_nested(g, a)
			nl_ctrl_grp_cb(g, n);
		break;
	}
	return MNL_CB_OK;
}

static inline int nl_ctrl_cb(const struct nlmsghdr *nlh, void *data)
{
	return mnl_attr_parse(nlh, sizeof(struct genlmsghdr), nl_ctrl_attr_cb,
			      data);
}

/* A request header of @cmd for @family in @buf. */
static inline struct nlmsghdr *nl_req(char *buf, uint16_t family, uint8_t cmd,
				      uint16_t flags)
{
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);
	struct genlmsghdr *g;

	nlh->nlmsg_type = family;
	nlh->nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK | flags;
	g = mnl_nlmsg_put_extra_header(nlh, sizeof(*g));
	g->cmd = cmd;
	g->version = CXLTIER_GENL_VERSION;
	return nlh;
}

/*
 * Sends @nlh and runs @cb on each answer until the ack or done, receiving
 * into @buf (NL_BUFSZ bytes; @nlh may lie in it); 0 or -errno.
 */
static inline int nl_talk_buf(struct nl *n, struct nlmsghdr *nlh, mnl_cb_t cb,
			      void *data, char *buf)
{
	int r;

	nlh->nlmsg_seq = ++n->seq;
	if (mnl_socket_sendto(n->s, nlh, nlh->nlmsg_len) < 0)
		return -errno;
	for (;;) {
		ssize_t len = mnl_socket_recvfrom(n->s, buf, NL_BUFSZ);

		if (len < 0)
			return -errno;
		r = mnl_cb_run(buf, (size_t)len, n->seq, n->portid, cb, data);
		if (r < 0)
			return -errno;
		if (r == MNL_CB_STOP)
			return 0;
	}
}

/* nl_talk_buf() with a buffer of its own. */
static inline int nl_talk(struct nl *n, struct nlmsghdr *nlh, mnl_cb_t cb,
			  void *data)
{
	char *buf = malloc(NL_BUFSZ);
	int r;

	if (!buf)
		return -ENOMEM;
	r = nl_talk_buf(n, nlh, cb, data, buf);
	free(buf);
	return r;
}

/*
 * Opens a socket with extended acks and resolves the family; 0 or -errno
 * (-ENOENT: the family is not registered).
 */
static inline int nl_open(struct nl *n)
{
	char *buf = malloc(NL_BUFSZ);
	struct nlmsghdr *nlh;
	int r, one = 1;

	memset(n, 0, sizeof(*n));
	if (!buf)
		return -ENOMEM;
	n->s = mnl_socket_open2(NETLINK_GENERIC, SOCK_CLOEXEC);
	if (!n->s || mnl_socket_bind(n->s, 0, MNL_SOCKET_AUTOPID) < 0) {
		r = -errno;
		goto out;
	}
	n->portid = mnl_socket_get_portid(n->s);
	mnl_socket_setsockopt(n->s, NETLINK_EXT_ACK, &one, sizeof(one));
	nlh = nl_req(buf, GENL_ID_CTRL, CTRL_CMD_GETFAMILY, 0);
	mnl_attr_put_strz(nlh, CTRL_ATTR_FAMILY_NAME, CXLTIER_GENL_NAME);
	r = nl_talk_buf(n, nlh, nl_ctrl_cb, n, buf);
	if (!r && !n->family)
		r = -ENOENT;
out:
	free(buf);
	if (r)
		nl_close(n);
	return r;
}

/*
 * Joins the "events" group with a receive buffer of @rcvbuf bytes (best
 * effort: events of a burst must not be lost to a small one); 0 or -errno
 * (-ENOENT: the family has no such group).
 */
static inline int nl_subscribe(struct nl *n, int rcvbuf)
{
	if (!n->events_grp)
		return -ENOENT;
	setsockopt(mnl_socket_get_fd(n->s), SOL_SOCKET, SO_RCVBUF, &rcvbuf,
		   sizeof(rcvbuf));
	if (mnl_socket_setsockopt(n->s, NETLINK_ADD_MEMBERSHIP, &n->events_grp,
				  sizeof(n->events_grp)) < 0)
		return -errno;
	return 0;
}

#endif /* CXLT_NL_H */
