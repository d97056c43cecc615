// SPDX-License-Identifier: GPL-2.0
/*
 * cxltier: the generic netlink family CXLTIER_GENL_NAME (statistics and
 * events; uapi/linux/cxltier.h describes the protocol): transport and
 * events only.
 *
 * Buffers come from the registry of live buffers in buf.c
 * (cxltier_buf_find(), which hands out a reference on the buffer's file);
 * with that reference the buffer stays alive while its figures are taken,
 * which sleeps (cxltier_buf_snapshot(), the very function
 * CXLTIER_IOC_BUF_STAT uses).  A dump spans several recvmsg() calls: it
 * keeps only the next id to look at in cb->args[0], never a pointer, so a
 * buffer freed between two calls is simply not found.  Ids only grow, so a
 * dump sees once every buffer that was created before it started and
 * lived to its end; it stops at the newest id of its start (cb->args[3]):
 * a dump that followed buffers created meanwhile would never end while
 * some process keeps creating them.
 *
 * Visibility.  The owner (creator's tgid as a struct pid, creator's euid)
 * is recorded at create.  A requester without CAP_SYS_ADMIN (checked with
 * netlink_capable(), which also looks at the opener of the socket) sees
 * only buffers whose owner uid is its euid; a do on another one is -ENOENT,
 * the same as an id that does not exist, so ids of others cannot be probed.
 * Pids are translated into the requester's pid namespace, uids into its
 * user namespace.  Events: see cxltier_nl_event() (the privileged group
 * in init_net, and subscribers, each told of its own uid's buffers).
 *
 * Locking.  No lock of ours is taken here (the registry's is buf.c's).
 * Events are built and sent from process context with no lock of ours
 * held (the hooks in page.c run after its fill lock, policy_sem and
 * buf->lock are dropped), so GFP_KERNEL is safe everywhere; the memory
 * hotplug notifier runs with the hotplug lock held, which allocation does
 * not take.  An event that cannot be allocated or sent is dropped: the
 * operation that caused it never fails because of it.
 *
 * Cost of the hooks when nobody listens: genl_has_listeners() (a bit test)
 * before anything is built.  The fill path (a fault, a populate worker)
 * pays for SPILL and QUOTA_REFUSED only when a unit spilled or failed, and
 * for NODE_LOW_FREE a sum of the node's zones' free and managed page
 * counters (a handful of atomic reads, no lock) per unit filled.
 *
 * Why once per buffer.  A buffer that spills usually spills many units in a
 * row (its home node is full); a buffer over quota faults again and again
 * (each fault a SIGBUS the program may catch and retry).  An event per unit
 * would flood listeners with messages that say nothing new; the per-node
 * counters (spill_pages, fault_failures) and the buffer's spilled_bytes give
 * the amounts.  NODE_LOW_FREE, likewise, is sent once when a node falls
 * below the threshold and again only after a later check found it above.
 */
#include "internal.h"

#include <linux/capability.h>
#include <linux/cred.h>
#include <linux/file.h>
#include <linux/memory.h>
#include <linux/mmzone.h>
#include <linux/module.h>
#include <linux/mutex.h>
#include <linux/netlink.h>
#include <linux/slab.h>
#include <linux/stringify.h>
#include <linux/nodemask.h>
#include <linux/pid.h>
#include <linux/pid_namespace.h>
#include <linux/sched.h>
#include <linux/uidgid.h>
#include <linux/user_namespace.h>
#include <linux/vmstat.h>
#include <net/genetlink.h>
#include <net/sock.h>

/* nodes below low_free_percent at their last check (one event each) */
static DECLARE_BITMAP(cxltier_low_free, MAX_NUMNODES);

/* set while the family is registered: events before or after are dropped */
static bool cxltier_nl_ready;

static struct genl_family cxltier_genl_family;

enum { CXLTIER_MCGRP_EVENTS };

/* ------------------------------------------------------------------------ */
/* Message helpers                                                            */

static int cxltier_nl_put_u64(struct sk_buff *skb, int attr, u64 v)
{
	return nla_put_u64_64bit(skb, attr, v, CXLTIER_NL_A_PAD);
}

/* 0 once the process exited: its number may belong to another one now */
static u32 cxltier_nl_pid(struct pid *pid, struct pid_namespace *ns)
{
	u32 nr = 0;

	if (!pid)
		return 0;
	rcu_read_lock();
	if (pid_has_task(pid, PIDTYPE_TGID))
		nr = pid_nr_ns(pid, ns);
	rcu_read_unlock();
	return nr;
}

/* The owner of @buf, as the requester (@ns, @uns) sees it. */
static int cxltier_nl_put_owner(struct sk_buff *skb, struct cxltier_buf *buf,
				struct pid_namespace *ns,
				struct user_namespace *uns)
{
	if (nla_put_u32(skb, CXLTIER_NL_A_BUF_PID,
			cxltier_nl_pid(buf->owner_pid, ns)) ||
	    nla_put_u32(skb, CXLTIER_NL_A_BUF_UID,
			from_kuid_munged(uns, buf->owner_uid)))
		return -EMSGSIZE;
	return 0;
}

/* Everything BUF_GET says about a buffer, after the genl header. */
static int cxltier_nl_fill_buf(struct sk_buff *skb, struct cxltier_buf *buf,
			       const struct cxltier_buf_snap *s)
{
	const struct cxltier_buf_stat *st = &s->st;
	struct nlattr *nest, *inner;
	u32 j;
	int nid;

	if (cxltier_nl_put_u64(skb, CXLTIER_NL_A_BUF_ID, st->id) ||
	    cxltier_nl_put_owner(skb, buf, task_active_pid_ns(current),
				 current_user_ns()) ||
	    cxltier_nl_put_u64(skb, CXLTIER_NL_A_BUF_LENGTH, st->length) ||
	    nla_put_u32(skb, CXLTIER_NL_A_BUF_MODE, st->mode) ||
	    nla_put_u32(skb, CXLTIER_NL_A_BUF_PAGE_SHIFT, st->page_shift) ||
	    nla_put_u32(skb, CXLTIER_NL_A_BUF_CHUNK_SHIFT, st->chunk_shift) ||
	    nla_put_u32(skb, CXLTIER_NL_A_BUF_CREATE_FLAGS, st->create_flags))
		return -EMSGSIZE;

	nest = nla_nest_start(skb, CXLTIER_NL_A_BUF_POLICY);
	if (!nest)
		return -EMSGSIZE;
	for (j = 0; j < st->nr_policy_nodes; j++) {
		inner = nla_nest_start(skb, CXLTIER_NL_A_BUF_POLICY_NODE);
		if (!inner ||
		    nla_put_u32(skb, CXLTIER_NL_PN_NODE, s->pol[j].node) ||
		    nla_put_u32(skb, CXLTIER_NL_PN_WEIGHT, s->pol[j].weight))
			return -EMSGSIZE;
		nla_nest_end(skb, inner);
	}
	nla_nest_end(skb, nest);

	nest = nla_nest_start(skb, CXLTIER_NL_A_BUF_RESIDENT);
	if (!nest)
		return -EMSGSIZE;
	for (nid = 0; nid < nr_node_ids; nid++) {
		if (!s->per_node[nid])
			continue;
		inner = nla_nest_start(skb, CXLTIER_NL_A_BUF_RESIDENT_NODE);
		if (!inner ||
		    nla_put_u32(skb, CXLTIER_NL_NB_NODE, nid) ||
		    nla_put_u64_64bit(skb, CXLTIER_NL_NB_BYTES,
				      (u64)s->per_node[nid] << PAGE_SHIFT,
				      CXLTIER_NL_NB_PAD))
			return -EMSGSIZE;
		nla_nest_end(skb, inner);
	}
	nla_nest_end(skb, nest);

	if (cxltier_nl_put_u64(skb, CXLTIER_NL_A_BUF_RESIDENT_BYTES,
			       st->resident_bytes) ||
	    cxltier_nl_put_u64(skb, CXLTIER_NL_A_BUF_SPILLED_BYTES,
			       st->spilled_bytes) ||
	    cxltier_nl_put_u64(skb, CXLTIER_NL_A_BUF_MIGRATE_SEQ,
			       st->migrate_seq) ||
	    nla_put_u32(skb, CXLTIER_NL_A_BUF_MIGRATE_STATE,
			st->migrate_state) ||
	    nla_put_s32(skb, CXLTIER_NL_A_BUF_MIGRATE_ERROR,
			st->migrate_error) ||
	    cxltier_nl_put_u64(skb, CXLTIER_NL_A_BUF_MIGRATE_MOVED_BYTES,
			       st->migrate_moved_bytes) ||
	    cxltier_nl_put_u64(skb, CXLTIER_NL_A_BUF_MIGRATE_SKIPPED_BYTES,
			       st->migrate_skipped_bytes) ||
	    cxltier_nl_put_u64(skb, CXLTIER_NL_A_BUF_MIGRATE_FAILED_BYTES,
			       st->migrate_failed_bytes) ||
	    cxltier_nl_put_u64(skb, CXLTIER_NL_A_BUF_PMD_MAP_FAULTS,
			       st->pmd_map_faults) ||
	    cxltier_nl_put_u64(skb, CXLTIER_NL_A_BUF_PTE_MAP_FAULTS,
			       st->pte_map_faults) ||
	    cxltier_nl_put_u64(skb, CXLTIER_NL_A_BUF_SPLIT_UNITS,
			       st->split_units) ||
	    cxltier_nl_put_u64(skb, CXLTIER_NL_A_BUF_PMD_MAPPED_UNITS,
			       st->pmd_mapped_units))
		return -EMSGSIZE;
	return 0;
}

/* Room a buffer's message needs, generously. */
static size_t cxltier_nl_buf_size(const struct cxltier_buf_snap *s)
{
	return NLMSG_ALIGN(GENL_HDRLEN) + 512 +
	       s->st.nr_policy_nodes * 3 * nla_total_size(sizeof(u32)) +
	       s->nr_res * (nla_total_size(0) + nla_total_size(sizeof(u32)) +
			    nla_total_size_64bit(sizeof(u64)));
}

/* ------------------------------------------------------------------------ */
/* CXLTIER_NL_CMD_BUF_GET                                                     */

/* May the requester see @buf? */
static bool cxltier_nl_visible(struct cxltier_buf *buf, bool admin, kuid_t uid)
{
	return admin || uid_eq(buf->owner_uid, uid);
}

static int cxltier_nl_buf_doit(struct sk_buff *skb, struct genl_info *info)
{
	bool admin = netlink_capable(skb, CAP_SYS_ADMIN);
	struct cxltier_buf_snap s;
	struct cxltier_buf *buf;
	struct sk_buff *msg;
	unsigned long id;
	void *hdr;
	int ret;

	if (GENL_REQ_ATTR_CHECK(info, CXLTIER_NL_A_BUF_ID))
		return -EINVAL;
	id = nla_get_u64(info->attrs[CXLTIER_NL_A_BUF_ID]);
	buf = cxltier_buf_find(&id, true);
	if (!buf) {
		NL_SET_ERR_MSG_ATTR(info->extack,
				    info->attrs[CXLTIER_NL_A_BUF_ID],
				    "no such buffer");
		return -ENOENT;
	}
	if (!cxltier_nl_visible(buf, admin, current_euid())) {
		NL_SET_ERR_MSG_ATTR(info->extack,
				    info->attrs[CXLTIER_NL_A_BUF_ID],
				    "no such buffer");
		ret = -ENOENT;
		goto out_file;
	}
	ret = cxltier_buf_snapshot(buf, &s);
	if (ret)
		goto out_file;
	msg = genlmsg_new(cxltier_nl_buf_size(&s), GFP_KERNEL);
	if (!msg) {
		ret = -ENOMEM;
		goto out_snap;
	}
	hdr = genlmsg_put_reply(msg, info, &cxltier_genl_family, 0,
				CXLTIER_NL_CMD_BUF_GET);
	if (!hdr || cxltier_nl_fill_buf(msg, buf, &s)) {
		nlmsg_free(msg);
		ret = -EMSGSIZE;
		goto out_snap;
	}
	genlmsg_end(msg, hdr);
	ret = genlmsg_reply(msg, info);
out_snap:
	cxltier_buf_snapshot_free(&s);
out_file:
	fput(buf->file);
	return ret;
}

/*
 * Dump state in cb->args: [0] the next id to look at, [1] the requester
 * may see every buffer, [2] its euid (as seen from init_user_ns).
 */
static int cxltier_nl_buf_start(struct netlink_callback *cb)
{
	cb->args[0] = 0;
	cb->args[1] = netlink_capable(cb->skb, CAP_SYS_ADMIN);
	cb->args[2] = from_kuid(&init_user_ns, current_euid());
	cb->args[3] = cxltier_buf_last_id();
	return 0;
}

static int cxltier_nl_buf_dumpit(struct sk_buff *skb,
				 struct netlink_callback *cb)
{
	kuid_t uid = make_kuid(&init_user_ns, cb->args[2]);
	unsigned long id = cb->args[0];
	struct cxltier_buf_snap s;
	struct cxltier_buf *buf;
	int ret = 0;
	void *hdr;

	for (; (buf = cxltier_buf_find(&id, false)); id++) {
		struct file *file = buf->file;

		if (id > cb->args[3]) {		/* created after the dump began */
			fput(file);
			break;
		}
		if (!cxltier_nl_visible(buf, cb->args[1], uid)) {
			fput(file);
			continue;
		}
		ret = cxltier_buf_snapshot(buf, &s);
		if (ret) {
			fput(file);
			break;
		}
		hdr = genlmsg_put(skb, NETLINK_CB(cb->skb).portid,
				  cb->nlh->nlmsg_seq, &cxltier_genl_family,
				  NLM_F_MULTI, CXLTIER_NL_CMD_BUF_GET);
		ret = hdr ? cxltier_nl_fill_buf(skb, buf, &s) : -EMSGSIZE;
		cxltier_buf_snapshot_free(&s);
		fput(file);
		if (ret) {
			if (hdr)
				genlmsg_cancel(skb, hdr);
			break;
		}
		genlmsg_end(skb, hdr);
		if (id == ULONG_MAX) {
			id = 0;		/* never: ids are 1..2^63 */
			break;
		}
	}
	cb->args[0] = id;
	/* a buffer that does not fit an empty message is an error */
	if (ret == -EMSGSIZE && skb->len)
		return skb->len;
	return ret ?: skb->len;
}

/* ------------------------------------------------------------------------ */
/* CXLTIER_NL_CMD_NODE_GET                                                    */

static bool cxltier_nl_node_has_counters(int nid)
{
	int c;

	for (c = 0; c < CXLTIER_NR_COUNTERS; c++)
		if (cxltier_count_read(nid, c))
			return true;
	return false;
}

static int cxltier_nl_fill_node(struct sk_buff *skb, int nid)
{
	struct cxltier_node_info ni = {};
	u64 quota, used, reserved;

	/* a possible node has its pgdat on 6.1, memoryless or not */
	if (NODE_DATA(nid))
		cxltier_node_fill(nid, &ni);
	cxltier_quota_read(nid, &quota, &used, &reserved);

	if (nla_put_u32(skb, CXLTIER_NL_A_NODE_ID, nid) ||
	    (node_state(nid, N_MEMORY) && ni.total_bytes &&
	     nla_put_u32(skb, CXLTIER_NL_A_NODE_TIER, ni.tier)) ||
	    cxltier_nl_put_u64(skb, CXLTIER_NL_A_NODE_TOTAL_BYTES,
			       ni.total_bytes) ||
	    cxltier_nl_put_u64(skb, CXLTIER_NL_A_NODE_FREE_BYTES,
			       ni.free_bytes) ||
	    (quota != U64_MAX &&
	     cxltier_nl_put_u64(skb, CXLTIER_NL_A_NODE_QUOTA_BYTES, quota)) ||
	    cxltier_nl_put_u64(skb, CXLTIER_NL_A_NODE_USED_BYTES, used) ||
	    cxltier_nl_put_u64(skb, CXLTIER_NL_A_NODE_RESERVED_BYTES,
			       reserved) ||
	    cxltier_nl_put_u64(skb, CXLTIER_NL_A_NODE_POOL_BYTES,
			       cxltier_pool_node_pages(nid) << PAGE_SHIFT) ||
	    cxltier_nl_put_u64(skb, CXLTIER_NL_A_NODE_ALLOC_PAGES,
			       cxltier_count_read(nid, CXLTIER_CNT_ALLOC)) ||
	    cxltier_nl_put_u64(skb, CXLTIER_NL_A_NODE_SPILL_PAGES,
			       cxltier_count_read(nid, CXLTIER_CNT_SPILL)) ||
	    cxltier_nl_put_u64(skb, CXLTIER_NL_A_NODE_MIGRATE_IN_PAGES,
			       cxltier_count_read(nid,
						  CXLTIER_CNT_MIGRATE_IN)) ||
	    cxltier_nl_put_u64(skb, CXLTIER_NL_A_NODE_MIGRATE_OUT_PAGES,
			       cxltier_count_read(nid,
						  CXLTIER_CNT_MIGRATE_OUT)) ||
	    cxltier_nl_put_u64(skb, CXLTIER_NL_A_NODE_FAULT_FAILURES,
			       cxltier_count_read(nid,
						  CXLTIER_CNT_FAULT_FAIL)))
		return -EMSGSIZE;
	return 0;
}

static int cxltier_nl_node_doit(struct sk_buff *skb, struct genl_info *info)
{
	struct sk_buff *msg;
	u32 nid;
	void *hdr;

	if (GENL_REQ_ATTR_CHECK(info, CXLTIER_NL_A_NODE_ID))
		return -EINVAL;
	nid = nla_get_u32(info->attrs[CXLTIER_NL_A_NODE_ID]);
	if (nid >= nr_node_ids || !node_possible(nid)) {
		NL_SET_ERR_MSG_ATTR(info->extack,
				    info->attrs[CXLTIER_NL_A_NODE_ID],
				    "not a possible node");
		return -EINVAL;
	}
	msg = genlmsg_new(NLMSG_GOODSIZE, GFP_KERNEL);
	if (!msg)
		return -ENOMEM;
	hdr = genlmsg_put_reply(msg, info, &cxltier_genl_family, 0,
				CXLTIER_NL_CMD_NODE_GET);
	if (!hdr || cxltier_nl_fill_node(msg, nid)) {
		nlmsg_free(msg);
		return -EMSGSIZE;
	}
	genlmsg_end(msg, hdr);
	return genlmsg_reply(msg, info);
}

/* cb->args[0]: the next node id to look at */
static int cxltier_nl_node_dumpit(struct sk_buff *skb,
				  struct netlink_callback *cb)
{
	int nid;
	void *hdr;

	for (nid = cb->args[0]; nid < nr_node_ids; nid++) {
		u64 quota, used, reserved;

		if (!node_possible(nid))
			continue;
		cxltier_quota_read(nid, &quota, &used, &reserved);
		if (!node_state(nid, N_MEMORY) && !used && !reserved &&
		    !cxltier_pool_node_pages(nid) &&
		    !cxltier_nl_node_has_counters(nid))
			continue;
		hdr = genlmsg_put(skb, NETLINK_CB(cb->skb).portid,
				  cb->nlh->nlmsg_seq, &cxltier_genl_family,
				  NLM_F_MULTI, CXLTIER_NL_CMD_NODE_GET);
		if (!hdr)
			break;
		if (cxltier_nl_fill_node(skb, nid)) {
			genlmsg_cancel(skb, hdr);
			break;
		}
		genlmsg_end(skb, hdr);
	}
	cb->args[0] = nid;
	return skb->len;
}

/* ------------------------------------------------------------------------ */
/* CXLTIER_NL_CMD_EVENT                                                       */

static int cxltier_nl_event_doit(struct sk_buff *skb, struct genl_info *info)
{
	NL_SET_ERR_MSG(info->extack,
		       "events are sent on the \"" CXLTIER_GENL_MCGRP_EVENTS
		       "\" group, never asked for");
	return -EOPNOTSUPP;
}

/* ------------------------------------------------------------------------ */
/* The family                                                                 */

static const struct nla_policy cxltier_nl_buf_policy[CXLTIER_NL_A_BUF_ID + 1] = {
	[CXLTIER_NL_A_BUF_ID] = { .type = NLA_U64 },
};

static const struct nla_policy cxltier_nl_subscribe_policy[CXLTIER_NL_A_BUF_ID + 1];
static int cxltier_nl_subscribe_doit(struct sk_buff *skb,
				     struct genl_info *info);

static const struct nla_policy cxltier_nl_node_policy[CXLTIER_NL_A_NODE_ID + 1] = {
	[CXLTIER_NL_A_NODE_ID] = { .type = NLA_U32 },
};

/*
 * Every op below resv_start_op is validated strictly all the same: no
 * GENL_DONT_VALIDATE_* flag, so an unknown attribute (beyond the op's
 * maxattr, or one of ours the op does not take: NLA_UNSPEC), a wrong length
 * or trailing bytes is -EINVAL with an extack message.
 */
static const struct genl_ops cxltier_nl_ops[] = {
	{
		.cmd = CXLTIER_NL_CMD_BUF_GET,
		.doit = cxltier_nl_buf_doit,
		.start = cxltier_nl_buf_start,
		.dumpit = cxltier_nl_buf_dumpit,
		.policy = cxltier_nl_buf_policy,
		.maxattr = CXLTIER_NL_A_BUF_ID,
	},
	{
		.cmd = CXLTIER_NL_CMD_NODE_GET,
		.doit = cxltier_nl_node_doit,
		.dumpit = cxltier_nl_node_dumpit,
		.policy = cxltier_nl_node_policy,
		.maxattr = CXLTIER_NL_A_NODE_ID,
	},
	{
		.cmd = CXLTIER_NL_CMD_EVENT,
		.doit = cxltier_nl_event_doit,
	},
	{
		/* no attribute: every one is -EINVAL (strict, NLA_UNSPEC) */
		.cmd = CXLTIER_NL_CMD_EVENT_SUBSCRIBE,
		.doit = cxltier_nl_subscribe_doit,
		.policy = cxltier_nl_subscribe_policy,
		.maxattr = CXLTIER_NL_A_BUF_ID,
	},
};

static const struct genl_multicast_group cxltier_nl_mcgrps[] = {
	/* every user's events: privileged (see cxltier_nl_event()) */
	[CXLTIER_MCGRP_EVENTS] = { .name = CXLTIER_GENL_MCGRP_EVENTS,
				   .flags = GENL_MCAST_CAP_SYS_ADMIN },
};

static struct genl_family cxltier_genl_family __ro_after_init = {
	.name = CXLTIER_GENL_NAME,
	.version = CXLTIER_GENL_VERSION,
	.module = THIS_MODULE,
	/* requests only read; pids and uids are translated per requester */
	.netnsok = true,
	.parallel_ops = true,
	.ops = cxltier_nl_ops,
	.n_ops = ARRAY_SIZE(cxltier_nl_ops),
	.resv_start_op = CXLTIER_NL_CMD_EVENT + 1,
	.mcgrps = cxltier_nl_mcgrps,
	.n_mcgrps = ARRAY_SIZE(cxltier_nl_mcgrps),
};

/* ------------------------------------------------------------------------ */
/* Events                                                                     */

/*
 * Who hears an event.  The "events" group is CAP_SYS_ADMIN's (the
 * kernel's GENL_MCAST_CAP_SYS_ADMIN, checked at bind against the user
 * namespace owning the socket's network namespace) and gets every event,
 * in init_net only, with init namespace pids and uids.  Anyone else subscribes a socket with
 * CXLTIER_NL_CMD_EVENT_SUBSCRIBE and gets, by unicast, the events of the
 * buffers its effective uid owns and the node and pool events, with pids
 * and uids as its pid and user namespaces see them; generic netlink has no
 * filtered multicast on 6.1, so the filter is this list.  An entry lives
 * until its socket is released (NETLINK_URELEASE); its net and portid are
 * valid until then, and the socket cannot be released while its own
 * subscribe request runs.  The entry holds its socket (@sk), so that a
 * socket that took the same port id after a release, before the
 * URELEASE notifier ran, is neither sent the old subscriber's events
 * (the old socket is SOCK_DEAD from just after its port id went: skipped)
 * nor taken for it (a subscribe from another socket replaces the entry).  The list is short (CXLTIER_NL_SUBS_MAX) and
 * walked with the mutex held, from the process context events are sent
 * from (unicasts never block: MSG_DONTWAIT).
 */
struct cxltier_nl_sub {
	struct list_head list;
	struct net *net;
	struct sock *sk;		/* held (sock_hold) */
	u32 portid;
	kuid_t uid;
	struct pid_namespace *pid_ns;
	struct user_namespace *user_ns;
};

static LIST_HEAD(cxltier_nl_subs);
static DEFINE_MUTEX(cxltier_nl_subs_lock);
static unsigned int cxltier_nl_nr_subs;	/* written under the mutex */

/* An event's attributes after its type, for a listener in @ns and @uns. */
typedef int (*cxltier_nl_fill_t)(struct sk_buff *msg, const void *arg,
				 struct pid_namespace *ns,
				 struct user_namespace *uns);

/* A whole event message, or NULL (no memory, or a put failed). */
static struct sk_buff *cxltier_nl_event_build(u32 type, cxltier_nl_fill_t fill,
					      const void *arg,
					      struct pid_namespace *ns,
					      struct user_namespace *uns)
{
	struct sk_buff *msg;
	void *hdr;

	msg = genlmsg_new(NLMSG_GOODSIZE, GFP_KERNEL);
	if (!msg)
		return NULL;
	hdr = genlmsg_put(msg, 0, 0, &cxltier_genl_family, 0,
			  CXLTIER_NL_CMD_EVENT);
	if (!hdr || nla_put_u32(msg, CXLTIER_NL_A_EVENT_TYPE, type) ||
	    fill(msg, arg, ns, uns)) {
		nlmsg_free(msg);
		return NULL;
	}
	genlmsg_end(msg, hdr);
	return msg;
}

/*
 * Send event @type to the group and to the subscribers it concerns:
 * those of uid @owner, or all of them when @owner is NULL (node and pool
 * events).  A message that cannot be built or delivered is dropped.
 */
static void cxltier_nl_event(u32 type, const kuid_t *owner,
			     cxltier_nl_fill_t fill, const void *arg)
{
	struct cxltier_nl_sub *s;
	struct sk_buff *msg;

	if (!READ_ONCE(cxltier_nl_ready))
		return;
	if (genl_has_listeners(&cxltier_genl_family, &init_net,
			       CXLTIER_MCGRP_EVENTS)) {
		msg = cxltier_nl_event_build(type, fill, arg, &init_pid_ns,
					     &init_user_ns);
		/* -ESRCH: the last listener left meanwhile */
		if (msg)
			genlmsg_multicast(&cxltier_genl_family, msg, 0,
					  CXLTIER_MCGRP_EVENTS, GFP_KERNEL);
	}
	if (!READ_ONCE(cxltier_nl_nr_subs))
		return;
	mutex_lock(&cxltier_nl_subs_lock);
	list_for_each_entry(s, &cxltier_nl_subs, list) {
		if ((owner && !uid_eq(*owner, s->uid)) ||
		    sock_flag(s->sk, SOCK_DEAD))
			continue;
		msg = cxltier_nl_event_build(type, fill, arg, s->pid_ns,
					     s->user_ns);
		/* consumes @msg; -EAGAIN (a full receive queue): dropped */
		if (msg)
			genlmsg_unicast(s->net, msg, s->portid);
	}
	mutex_unlock(&cxltier_nl_subs_lock);
}

static void cxltier_nl_sub_free(struct cxltier_nl_sub *s)
{
	sock_put(s->sk);
	put_pid_ns(s->pid_ns);
	put_user_ns(s->user_ns);
	kfree(s);
}

static int cxltier_nl_subscribe_doit(struct sk_buff *skb,
				     struct genl_info *info)
{
	struct net *net = genl_info_net(info);
	struct sock *sk = NETLINK_CB(skb).sk;
	kuid_t uid = current_euid();
	struct cxltier_nl_sub *s, *tmp, *new;
	unsigned int mine = 0;
	int ret = 0;

	new = kzalloc(sizeof(*new), GFP_KERNEL);
	if (!new)
		return -ENOMEM;
	mutex_lock(&cxltier_nl_subs_lock);
	list_for_each_entry_safe(s, tmp, &cxltier_nl_subs, list) {
		if (net_eq(s->net, net) && s->portid == info->snd_portid) {
			if (s->sk == sk)
				goto out;	/* subscribed already: the first counts */
			/* a released socket's, its URELEASE yet to come */
			list_del(&s->list);
			WRITE_ONCE(cxltier_nl_nr_subs, cxltier_nl_nr_subs - 1);
			cxltier_nl_sub_free(s);
			continue;
		}
		mine += uid_eq(s->uid, uid);
	}
	if (mine >= CXLTIER_NL_SUBS_PER_USER ||
	    cxltier_nl_nr_subs >= CXLTIER_NL_SUBS_MAX) {
		if (mine >= CXLTIER_NL_SUBS_PER_USER)
			NL_SET_ERR_MSG(info->extack,
				       "this user has " __stringify(CXLTIER_NL_SUBS_PER_USER)
				       " event subscriptions, the most a user may have: close one");
		else
			NL_SET_ERR_MSG(info->extack,
				       "there are " __stringify(CXLTIER_NL_SUBS_MAX)
				       " event subscriptions, the most there may be");
		ret = -ENOSPC;
		goto out;
	}
	sock_hold(sk);
	new->sk = sk;
	new->net = net;
	new->portid = info->snd_portid;
	new->uid = uid;
	new->pid_ns = get_pid_ns(task_active_pid_ns(current));
	new->user_ns = get_user_ns(current_user_ns());
	list_add_tail(&new->list, &cxltier_nl_subs);
	WRITE_ONCE(cxltier_nl_nr_subs, cxltier_nl_nr_subs + 1);
	new = NULL;
out:
	mutex_unlock(&cxltier_nl_subs_lock);
	kfree(new);
	return ret;
}

/* A generic netlink socket went away: its subscription with it. */
static int cxltier_nl_release_cb(struct notifier_block *nb,
				 unsigned long event, void *ptr)
{
	struct netlink_notify *n = ptr;
	struct cxltier_nl_sub *s, *tmp;

	if (event != NETLINK_URELEASE || n->protocol != NETLINK_GENERIC)
		return NOTIFY_DONE;
	mutex_lock(&cxltier_nl_subs_lock);
	list_for_each_entry_safe(s, tmp, &cxltier_nl_subs, list) {
		/* the released socket is dead; a new one on its port id not */
		if (net_eq(s->net, n->net) && s->portid == n->portid &&
		    sock_flag(s->sk, SOCK_DEAD)) {
			list_del(&s->list);
			WRITE_ONCE(cxltier_nl_nr_subs, cxltier_nl_nr_subs - 1);
			cxltier_nl_sub_free(s);
		}
	}
	mutex_unlock(&cxltier_nl_subs_lock);
	return NOTIFY_DONE;
}

/* Every subscription, at exit (the family and the notifier are gone). */
static void cxltier_nl_subs_free(void)
{
	struct cxltier_nl_sub *s, *tmp;

	mutex_lock(&cxltier_nl_subs_lock);
	list_for_each_entry_safe(s, tmp, &cxltier_nl_subs, list) {
		list_del(&s->list);
		cxltier_nl_sub_free(s);
	}
	WRITE_ONCE(cxltier_nl_nr_subs, 0);
	mutex_unlock(&cxltier_nl_subs_lock);
}

static struct notifier_block cxltier_nl_release_nb = {
	.notifier_call = cxltier_nl_release_cb,
};

static int cxltier_nl_put_buf_ref(struct sk_buff *msg, struct cxltier_buf *buf,
				  struct pid_namespace *ns,
				  struct user_namespace *uns)
{
	if (cxltier_nl_put_u64(msg, CXLTIER_NL_A_BUF_ID, buf->id))
		return -EMSGSIZE;
	return cxltier_nl_put_owner(msg, buf, ns, uns);
}

struct cxltier_nl_spill_arg {
	struct cxltier_buf *buf;
	int home, to;
	unsigned long pages;
};

static int cxltier_nl_fill_spill(struct sk_buff *msg, const void *arg,
				 struct pid_namespace *ns,
				 struct user_namespace *uns)
{
	const struct cxltier_nl_spill_arg *a = arg;

	return cxltier_nl_put_buf_ref(msg, a->buf, ns, uns) ||
	       nla_put_u32(msg, CXLTIER_NL_A_NODE_ID, a->home) ||
	       nla_put_u32(msg, CXLTIER_NL_A_EVENT_TO_NODE, a->to) ||
	       cxltier_nl_put_u64(msg, CXLTIER_NL_A_EVENT_BYTES,
				  (u64)a->pages << PAGE_SHIFT);
}

void cxltier_nl_spill(struct cxltier_buf *buf, int home, int to,
		      unsigned long pages)
{
	struct cxltier_nl_spill_arg a = {
		.buf = buf, .home = home, .to = to, .pages = pages,
	};

	if (test_and_set_bit(CXLTIER_BUF_NL_SPILLED, &buf->nl_flags))
		return;
	cxltier_nl_event(CXLTIER_EVENT_SPILL, &buf->owner_uid,
			 cxltier_nl_fill_spill, &a);
}

struct cxltier_nl_quota_arg {
	struct cxltier_buf *buf;	/* NULL: a create by current */
	int nid;
	unsigned long pages;
	u64 quota;
};

static int cxltier_nl_fill_quota(struct sk_buff *msg, const void *arg,
				 struct pid_namespace *ns,
				 struct user_namespace *uns)
{
	const struct cxltier_nl_quota_arg *a = arg;
	int err;

	if (a->buf)
		err = cxltier_nl_put_buf_ref(msg, a->buf, ns, uns);
	else
		err = nla_put_u32(msg, CXLTIER_NL_A_BUF_PID,
				  task_tgid_nr_ns(current, ns)) ||
		      nla_put_u32(msg, CXLTIER_NL_A_BUF_UID,
				  from_kuid_munged(uns, current_euid()));
	return err ||
	       nla_put_u32(msg, CXLTIER_NL_A_NODE_ID, a->nid) ||
	       cxltier_nl_put_u64(msg, CXLTIER_NL_A_EVENT_BYTES,
				  (u64)a->pages << PAGE_SHIFT) ||
	       (a->quota != U64_MAX &&
		cxltier_nl_put_u64(msg, CXLTIER_NL_A_NODE_QUOTA_BYTES,
				   a->quota)) ||
	       nla_put_s32(msg, CXLTIER_NL_A_EVENT_ERROR,
			   a->buf ? -ENOMEM : -ENOSPC);
}

/*
 * A charge of @pages on @nid refused by its quota: for a fault of @buf
 * (once per buffer), or, with @buf NULL, for a create by current.
 */
void cxltier_nl_quota_refused(struct cxltier_buf *buf, int nid,
			      unsigned long pages)
{
	struct cxltier_nl_quota_arg a = {
		.buf = buf, .nid = nid, .pages = pages,
	};
	kuid_t euid = current_euid();
	u64 used, reserved;

	if (buf && test_and_set_bit(CXLTIER_BUF_NL_QUOTA_REFUSED,
				    &buf->nl_flags))
		return;
	cxltier_quota_read(nid, &a.quota, &used, &reserved);
	cxltier_nl_event(CXLTIER_EVENT_QUOTA_REFUSED,
			 buf ? &buf->owner_uid : &euid,
			 cxltier_nl_fill_quota, &a);
}

struct cxltier_nl_migrate_arg {
	struct cxltier_buf *buf;
	u64 seq, moved, skipped, failed;
	int error;
};

static int cxltier_nl_fill_migrate(struct sk_buff *msg, const void *arg,
				   struct pid_namespace *ns,
				   struct user_namespace *uns)
{
	const struct cxltier_nl_migrate_arg *a = arg;

	return cxltier_nl_put_buf_ref(msg, a->buf, ns, uns) ||
	       cxltier_nl_put_u64(msg, CXLTIER_NL_A_BUF_MIGRATE_SEQ, a->seq) ||
	       cxltier_nl_put_u64(msg, CXLTIER_NL_A_BUF_MIGRATE_MOVED_BYTES,
				  a->moved << PAGE_SHIFT) ||
	       cxltier_nl_put_u64(msg, CXLTIER_NL_A_BUF_MIGRATE_SKIPPED_BYTES,
				  a->skipped << PAGE_SHIFT) ||
	       cxltier_nl_put_u64(msg, CXLTIER_NL_A_BUF_MIGRATE_FAILED_BYTES,
				  a->failed << PAGE_SHIFT) ||
	       nla_put_s32(msg, CXLTIER_NL_A_EVENT_ERROR, a->error);
}

/* Counts in pages, as the migration keeps them. */
void cxltier_nl_migrate_done(struct cxltier_buf *buf, u64 seq, u64 moved,
			     u64 skipped, u64 failed, int error)
{
	struct cxltier_nl_migrate_arg a = {
		.buf = buf, .seq = seq, .moved = moved, .skipped = skipped,
		.failed = failed, .error = error,
	};

	cxltier_nl_event(CXLTIER_EVENT_MIGRATE_DONE, &buf->owner_uid,
			 cxltier_nl_fill_migrate, &a);
}

struct cxltier_nl_pool_arg {
	bool added;
	u32 id;
	const char *name;
	int nid;
	u64 bytes;
};

static int cxltier_nl_fill_pool(struct sk_buff *msg, const void *arg,
				struct pid_namespace *ns,
				struct user_namespace *uns)
{
	const struct cxltier_nl_pool_arg *a = arg;

	return nla_put_u32(msg, CXLTIER_NL_A_POOL_ID, a->id) ||
	       nla_put_string(msg, CXLTIER_NL_A_POOL_NAME, a->name) ||
	       nla_put_u32(msg, CXLTIER_NL_A_NODE_ID, a->nid) ||
	       (a->added && cxltier_nl_put_u64(msg, CXLTIER_NL_A_EVENT_BYTES,
					       a->bytes));
}

void cxltier_nl_pool(bool added, u32 id, const char *name, int nid,
		     u64 bytes)
{
	struct cxltier_nl_pool_arg a = {
		.added = added, .id = id, .name = name, .nid = nid,
		.bytes = bytes,
	};

	cxltier_nl_event(added ? CXLTIER_EVENT_POOL_ADDED :
			 CXLTIER_EVENT_POOL_REMOVED, NULL,
			 cxltier_nl_fill_pool, &a);
}

/* A node's figures: @v[0] is the first attribute's value, and so on. */
struct cxltier_nl_node_event_arg {
	int nid;
	int nr;
	const int *attr;
	const u64 *v;
};

static int cxltier_nl_fill_node_event(struct sk_buff *msg, const void *arg,
				struct pid_namespace *ns,
				struct user_namespace *uns)
{
	const struct cxltier_nl_node_event_arg *a = arg;
	int i;

	if (nla_put_u32(msg, CXLTIER_NL_A_NODE_ID, a->nid))
		return -EMSGSIZE;
	for (i = 0; i < a->nr; i++)
		if (cxltier_nl_put_u64(msg, a->attr[i], a->v[i]))
			return -EMSGSIZE;
	return 0;
}

/*
 * After cxltier allocated on @nid: below low_free_percent of the node's
 * managed pages?  Lock-free; free and managed come from the zones'
 * counters, which may be a little behind (per-CPU deltas).
 */
void cxltier_nl_check_low_free(int nid)
{
	static const int attr[] = {
		CXLTIER_NL_A_NODE_FREE_BYTES, CXLTIER_NL_A_NODE_TOTAL_BYTES,
		CXLTIER_NL_A_EVENT_THRESHOLD_BYTES,
	};
	unsigned int percent = READ_ONCE(cxltier_low_free_percent);
	u64 free = 0, total = 0, threshold, v[ARRAY_SIZE(attr)];
	struct cxltier_nl_node_event_arg a = {
		.nid = nid, .nr = ARRAY_SIZE(attr), .attr = attr, .v = v,
	};
	pg_data_t *pgdat = NODE_DATA(nid);
	int z;

	if (!percent || !pgdat)
		return;
	for (z = 0; z < MAX_NR_ZONES; z++) {
		struct zone *zone = &pgdat->node_zones[z];

		total += zone_managed_pages(zone);
		free += zone_page_state(zone, NR_FREE_PAGES);
	}
	threshold = div_u64(total * min(percent, 100U), 100);
	if (free >= threshold) {
		if (test_bit(nid, cxltier_low_free))
			clear_bit(nid, cxltier_low_free);	/* re-arm */
		return;
	}
	if (test_bit(nid, cxltier_low_free) ||
	    test_and_set_bit(nid, cxltier_low_free))
		return;
	v[0] = free << PAGE_SHIFT;
	v[1] = total << PAGE_SHIFT;
	v[2] = threshold << PAGE_SHIFT;
	cxltier_nl_event(CXLTIER_EVENT_NODE_LOW_FREE, NULL,
			 cxltier_nl_fill_node_event, &a);
}

/* Memory of a node went online or offline (dax kmem, sysfs, hot-remove). */
static int cxltier_nl_memory_cb(struct notifier_block *nb,
				unsigned long action, void *arg)
{
	static const int attr[] = { CXLTIER_NL_A_EVENT_BYTES };
	struct memory_notify *mn = arg;
	u64 v[] = { (u64)mn->nr_pages << PAGE_SHIFT };
	struct cxltier_nl_node_event_arg a = { .nr = 1, .attr = attr, .v = v };

	if (action != MEM_ONLINE && action != MEM_OFFLINE)
		return NOTIFY_OK;
	/* struct pages of the range are initialised in both cases */
	a.nid = page_to_nid(pfn_to_page(mn->start_pfn));
	cxltier_nl_event(action == MEM_ONLINE ? CXLTIER_EVENT_NODE_ONLINE :
			 CXLTIER_EVENT_NODE_OFFLINE, NULL,
			 cxltier_nl_fill_node_event, &a);
	return NOTIFY_OK;
}

static struct notifier_block cxltier_nl_memory_nb = {
	.notifier_call = cxltier_nl_memory_cb,
};

int cxltier_nl_init(void)
{
	int ret;

	ret = netlink_register_notifier(&cxltier_nl_release_nb);
	if (ret)
		return ret;
	ret = genl_register_family(&cxltier_genl_family);
	if (ret)
		goto out_notifier;
	WRITE_ONCE(cxltier_nl_ready, true);
	ret = register_memory_notifier(&cxltier_nl_memory_nb);
	if (!ret)
		return 0;
	WRITE_ONCE(cxltier_nl_ready, false);
	genl_unregister_family(&cxltier_genl_family);
	cxltier_nl_subs_free();
out_notifier:
	netlink_unregister_notifier(&cxltier_nl_release_nb);
	return ret;
}

/*
 * No buffer and no pool is left (each holds a module reference): the
 * memory notifier was the last source of events.
 */
void cxltier_nl_exit(void)
{
	unregister_memory_notifier(&cxltier_nl_memory_nb);
	WRITE_ONCE(cxltier_nl_ready, false);
	/* waits for requests in flight: no subscribe after it */
	genl_unregister_family(&cxltier_genl_family);
	netlink_unregister_notifier(&cxltier_nl_release_nb);
	cxltier_nl_subs_free();
}
