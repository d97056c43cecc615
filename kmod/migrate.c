// SPDX-License-Identifier: GPL-2.0
/*
 * cxltier: CXLTIER_IOC_MIGRATE, an explicit move of a live buffer to a new
 * policy.
 *
 * The core's migration (compaction, memory offline) moves one page at a
 * time through our movable_operations in page.c.  An explicit migration does
 * not go through the core: the buffer owns its page slots, so it moves them
 * itself with the same rules, in batches of 2 MiB:
 *
 *  1. plan and allocate: for each filled unit not on its new home, and
 *     each split 2 MiB unit with pages there (re-formed in place), take
 *     destination pages on the node the policy names (one order-9 block for
 *     a 2 MiB unit), before any lock is held;
 *  2. lock the source pages (cxltier_page_lock_slot(): reference + page
 *     lock, ascending index; nothing else holds two of our page locks);
 *  3. zap every user PTE of the batch with one unmap_mapping_range(); a
 *     fault from now on blocks on a page lock we hold and, once we let go,
 *     finds the new page in the slot;
 *  4. per page: copy, swap the slot under buf->lock, clear "movable" on the
 *     source under its lock (a compaction that isolated it meanwhile then
 *     sees it as released), drop the slot's reference.
 *
 * Why that loses no write: a movable page is mapped with special PTEs in a
 * VM_IO mapping, so nothing can reach its data except through a PTE (gone
 * after step 3, TLBs flushed) or under its page lock (faults, ->access).
 * Extra references (a fault waiting for the lock, compaction's isolation,
 * pfn walkers) do not touch the data, so they do not stop the copy.
 * A pinnable page has ordinary PTEs and can be reached by GUP: it is copied
 * only with its refcount frozen at exactly slot + ours (page_ref_freeze(),
 * as the core does), and a long-term pinned one
 * (cxltier_page_maybe_pinned()) is never copied: it is counted as skipped.  A pinnable page whose count will
 * not freeze is retried 3 times (with the lock dropped, so waiters drain),
 * then counted as failed.
 *
 * Policy: installed first (under policy_sem for write), so units first
 * touched during the migration already follow it; then the pages move.
 */
#include "internal.h"

#include <linux/delay.h>
#include <linux/file.h>
#include <linux/highmem.h>
#include <linux/jiffies.h>
#include <linux/ktime.h>
#include <linux/math64.h>
#include <linux/migrate.h>
#include <linux/mm.h>
#include <linux/mutex.h>
#include <linux/nodemask.h>
#include <linux/page_ref.h>
#include <linux/pagemap.h>
#include <linux/poll.h>
#include <linux/sched/signal.h>
#include <linux/slab.h>
#include <linux/workqueue.h>

#define CXLTIER_MIGRATE_FLAGS	(CXLTIER_MIGRATE_ASYNC | \
				 CXLTIER_MIGRATE_SPLIT_HUGE)
#define CXLTIER_MIG_BATCH	512	/* pages: 2 MiB */
#define CXLTIER_MIG_RETRIES	3
/* an async migration looks at its buffer at least this often while asleep */
#define CXLTIER_MIG_NAP_MS	50

static struct workqueue_struct *cxltier_migrate_wq;

/* Per buffer: the state BUF_STAT and poll() report, and the async work. */
struct cxltier_buf_migration {
	struct cxltier_buf *buf;
	atomic_t running;		/* 1 while a migration owns the buffer */
	wait_queue_head_t wait;		/* poll(): a migration finished */
	/* reported state; written by the running migration only */
	u32 state;			/* CXLTIER_MIGRATE_STATE_* */
	int error;
	u64 seq;
	atomic_long_t moved, skipped, failed;	/* pages */

	/* the async run: the file reference it holds, its parameters */
	struct work_struct work;
	struct file *file;
	u32 flags;
	u64 rate;
};

/* One run. */
struct cxltier_mig_run {
	struct cxltier_buf *buf;
	struct cxltier_buf_migration *m;
	struct file *file;
	u32 flags;
	u64 rate;
	bool async;
	u64 start_ns;
	unsigned long moved, skipped, failed;
	/*
	 * This batch re-forms a split unit at home (cxltier_mig_plan_unit()):
	 * per batch, since a batch is one 2 MiB unit (BUILD_BUG_ON below).
	 */
	bool reform;
	struct page *src[CXLTIER_MIG_BATCH];
	struct page *dst[CXLTIER_MIG_BATCH];
	u8 busy[CXLTIER_MIG_BATCH];
};

enum {
	CXLTIER_MIG_MOVED, CXLTIER_MIG_PINNED, CXLTIER_MIG_BUSY,
	CXLTIER_MIG_QUOTA, CXLTIER_MIG_NOMEM,	/* failed: no slot table */
};

/* ------------------------------------------------------------------------ */
/* Moving pages                                                               */

/* 2^@order destination pages on node @nid into @dst; false if none now. */
static bool cxltier_mig_alloc_on(struct cxltier_buf *buf, int nid,
				 unsigned int order, struct page **dst)
{
	/* uncharged: the page's memcg charge moves over with its data */
	gfp_t gfp = (buf->gfp & ~(__GFP_ZERO | __GFP_ACCOUNT)) | __GFP_NORETRY;
	struct page *page;
	unsigned int i;

	/* hot-remove may have emptied it since the policy check */
	if (!node_state(nid, N_MEMORY))
		return false;
	page = alloc_pages_node(nid, gfp, order);
	if (!page)
		return false;
	if (order)
		split_page(page, order);
	for (i = 0; i < (1U << order); i++)
		dst[i] = page + i;
	return true;
}

/*
 * Destination for a page (order 0) or a whole 2 MiB unit (order 9) whose
 * home is policy entry @home and which now sits on node @cur: the home
 * node, and where the policy falls back, the other listed nodes in list
 * order, but never one ranked after @cur (staying is then as good).
 * Returns the node of the pages put in @dst, NUMA_NO_NODE to stay, or
 * -ENOMEM.
 */
static int cxltier_mig_alloc(struct cxltier_buf *buf, u32 home, int cur,
			     unsigned int order, struct page **dst)
{
	bool fallback = buf->mode == CXLTIER_MODE_PREFERRED ||
			(buf->create_flags & CXLTIER_CREATE_FALLBACK);
	u32 k, tries = fallback ? buf->nr_policy_nodes : 1;

	for (k = 0; k < tries; k++) {
		u32 j = !k ? home : (k - 1 < home ? k - 1 : k);
		int nid = buf->policy[j].node;

		if (nid == cur)
			return NUMA_NO_NODE;
		if (cxltier_mig_alloc_on(buf, nid, order, dst))
			return nid;
	}
	return -ENOMEM;
}

/*
 * Move @src (locked, referenced by us, its PTEs zapped) to @dst in slot
 * @idx.  On success the slot owns @dst; @src is unlocked and released.
 * Otherwise nothing changed and @src is still locked and referenced.
 */
static int cxltier_mig_move_page(struct cxltier_buf *buf, pgoff_t idx,
				 struct page *src, struct page *dst)
{
	int from = page_to_nid(src), to = page_to_nid(dst);
	struct page **spare;

	/* a unit that is a run becomes a table (page.c, "Slots") */
	if (cxltier_slot_spare(buf, idx, GFP_KERNEL, &spare))
		return CXLTIER_MIG_NOMEM;
	/*
	 * The target's quota, as for a fault: a page it cannot take stays.
	 * A page re-formed on its own node stays charged where it is.
	 */
	if (from != to && cxltier_quota_charge(to, 1, false)) {
		kfree(spare);
		return CXLTIER_MIG_QUOTA;
	}
	if (buf->pinnable) {
		if (cxltier_page_maybe_pinned(src)) {
			if (from != to)
				cxltier_quota_uncharge(to, 1, false);
			kfree(spare);
			return CXLTIER_MIG_PINNED;
		}
		/* slot + ours, and no GUP reference may appear while we copy */
		if (!page_ref_freeze(src, 2)) {
			if (from != to)
				cxltier_quota_uncharge(to, 1, false);
			kfree(spare);
			return CXLTIER_MIG_BUSY;
		}
	}

	copy_highpage(dst, src);
	/* the creator's memory cgroup keeps the charge; the quota moves */
	cxltier_page_move_memcg_charge(dst, src);
	if (from != to)
		cxltier_quota_uncharge(from, 1, false);
	cxltier_count(from, CXLTIER_CNT_MIGRATE_OUT, 1);
	cxltier_count(to, CXLTIER_CNT_MIGRATE_IN, 1);
	dst->index = idx;
	set_page_private(dst, (unsigned long)buf);
	if (!buf->pinnable) {
		lock_page(dst);		/* fresh: never waits */
		cxltier_page_set_movable(dst);
	}

	spin_lock(&buf->lock);
	cxltier_slot_set(buf, idx, dst, &spare);  /* our allocation ref moves */
	spin_unlock(&buf->lock);
	kfree(spare);

	if (!buf->pinnable) {
		unlock_page(dst);
		/* under the lock: a compaction that isolated it gives up */
		__ClearPageMovable(src);
	}
	set_page_private(src, 0);
	if (buf->pinnable)
		page_ref_unfreeze(src, 2);
	unlock_page(src);
	put_page(src);		/* ours */
	put_page(src);		/* the slot's */
	return CXLTIER_MIG_MOVED;
}

/*
 * A whole 2 MiB unit, every page locked and zapped in @src (all on one
 * node), to the new 2 MiB run @dst: the per-page moves of
 * cxltier_mig_move_page() with the quota, the counters and the slot
 * written once for the unit, which stays one run in the slot store (no
 * table: page.c, "Slots").  Returns false, having changed nothing, when
 * this is not such a unit or the target's quota cannot take it; the
 * caller then moves page by page.
 */
static bool cxltier_mig_move_unit(struct cxltier_buf *buf, pgoff_t first,
				  struct page **src, struct page **dst,
				  unsigned int n)
{
	int from, to;
	unsigned int i;

	if (buf->pinnable || n != (1U << buf->unit_order) || n == 1)
		return false;
	for (i = 0; i < n; i++)
		if (!src[i] || !dst[i])
			return false;
	from = page_to_nid(src[0]);
	to = page_to_nid(dst[0]);
	for (i = 1; i < n; i++)
		if (page_to_nid(src[i]) != from)
			return false;
	if (!cxltier_pages_are_run(dst, buf->unit_order))
		return false;
	/* re-formed on its own node (cxltier_mig_plan_unit()): no new charge */
	if (from != to && cxltier_quota_charge(to, n, false))
		return false;

	for (i = 0; i < n; i++) {
		copy_highpage(dst[i], src[i]);
		cxltier_page_move_memcg_charge(dst[i], src[i]);
		dst[i]->index = first + i;
		set_page_private(dst[i], (unsigned long)buf);
		lock_page(dst[i]);	/* fresh: never waits */
		cxltier_page_set_movable(dst[i]);
	}
	if (from != to)
		cxltier_quota_uncharge(from, n, false);
	cxltier_count(from, CXLTIER_CNT_MIGRATE_OUT, n);
	cxltier_count(to, CXLTIER_CNT_MIGRATE_IN, n);

	spin_lock(&buf->lock);
	cxltier_slot_set_unit(buf, first, dst);	/* our allocation refs move */
	spin_unlock(&buf->lock);

	for (i = 0; i < n; i++) {
		unlock_page(dst[i]);
		/* under the lock: a compaction that isolated it gives up */
		__ClearPageMovable(src[i]);
		set_page_private(src[i], 0);
		unlock_page(src[i]);
		put_page(src[i]);	/* ours */
		put_page(src[i]);	/* the slot's */
	}
	return true;
}

static void cxltier_mig_zap(struct cxltier_buf *buf, pgoff_t lo, pgoff_t hi)
{
	unmap_mapping_range(buf->inode->i_mapping, (loff_t)lo << PAGE_SHIFT,
			    (loff_t)(hi - lo + 1) << PAGE_SHIFT, 1);
	cxltier_map_flush_stale(buf);
}

/*
 * Step 1: destinations for the pages of @unit that are not at home.
 *
 * A split 2 MiB unit (its pages not one aligned block: compaction,
 * offline, HUGE_FALLBACK, SPLIT_HUGE) with some or all of its pages at
 * home is re-formed: all 512 pages go to one fresh block on the home node
 * (@r->reform), where the node has one free.  Else the pages away from
 * home move as before and the unit stays split, which is neither a
 * failure nor a skip (BUF_STAT's split_units shows it).  A split unit
 * wholly away from home needs no special case: it moves as one block.
 * Pinnable buffers' units are left as they are: they are mapped with
 * 4 KiB PTEs whatever their pages.
 */
static void cxltier_mig_plan_unit(struct cxltier_mig_run *r,
				  unsigned long unit, unsigned long first)
{
	struct cxltier_buf *buf = r->buf;
	unsigned int n = 1U << buf->unit_order, i, away = 0, present = 0;
	unsigned long p0 = unit << buf->unit_order;
	u32 home = cxltier_unit_home(buf, unit);
	int target = buf->policy[home].node, cur = NUMA_NO_NODE, nid;
	struct page **dst = &r->dst[p0 - first];
	bool split;

	spin_lock(&buf->lock);
	for (i = 0; i < n; i++) {
		struct page *page = cxltier_slot(buf, p0 + i);

		if (!page)
			continue;
		present++;
		if (page_to_nid(page) != target) {
			if (!away)
				cur = page_to_nid(page);
			away++;
		}
	}
	split = n > 1 && present == n && !cxltier_unit_is_block(buf, p0);
	spin_unlock(&buf->lock);
	/* split with pages at home: all of it to one new block there */
	if (split && away < n && !buf->pinnable &&
	    cxltier_mig_alloc_on(buf, target, buf->unit_order, dst)) {
		r->reform = true;
		return;
	}
	if (!away)
		return;		/* untouched, or already at home */

	/* A whole 2 MiB unit away from home moves as one 2 MiB block. */
	if (n > 1 && away == n) {
		nid = cxltier_mig_alloc(buf, home, cur, buf->unit_order, dst);
		if (nid != -ENOMEM)
			return;		/* allocated, or staying on @cur */
		if (!(r->flags & CXLTIER_MIGRATE_SPLIT_HUGE)) {
			r->failed += n;
			return;
		}
	}
	for (i = 0; i < n; i++) {
		struct page *page = cxltier_slot(buf, p0 + i);

		if (!page)
			continue;
		cur = page_to_nid(page);	/* only a hint to stop at */
		if (cur == target)
			continue;
		nid = cxltier_mig_alloc(buf, home, cur, 0, &dst[i]);
		if (nid == -ENOMEM)
			r->failed++;
	}
}

/*
 * Whether the page now in a slot planned to move no longer needs to: gone,
 * or already on the destination's node (compaction or offline moved it
 * there meanwhile), unless the batch re-forms a unit on that very node.
 */
static bool cxltier_mig_needless(struct cxltier_mig_run *r, struct page *page,
				 struct page *dst)
{
	return !page || (!r->reform && page_to_nid(page) == page_to_nid(dst));
}

static void cxltier_mig_batch(struct cxltier_mig_run *r, unsigned long first,
			      unsigned int n)
{
	struct cxltier_buf *buf = r->buf;
	unsigned long unit, end_unit;
	pgoff_t lo = ULONG_MAX, hi = 0;
	unsigned int i, pass, nr_busy = 0;

	memset(r->src, 0, sizeof(r->src));
	memset(r->dst, 0, sizeof(r->dst));
	memset(r->busy, 0, sizeof(r->busy));
	r->reform = false;
	BUILD_BUG_ON(CXLTIER_MIG_BATCH != 1U << (PMD_SHIFT - PAGE_SHIFT));

	end_unit = (first + n) >> buf->unit_order;
	for (unit = first >> buf->unit_order; unit < end_unit; unit++)
		cxltier_mig_plan_unit(r, unit, first);

	/* Step 2: lock what is to move, in index order. */
	for (i = 0; i < n; i++) {
		struct page *page;

		if (!r->dst[i])
			continue;
		page = cxltier_page_lock_slot(buf, first + i);
		if (cxltier_mig_needless(r, page, r->dst[i])) {
			if (page) {
				unlock_page(page);
				put_page(page);
			}
			put_page(r->dst[i]);
			r->dst[i] = NULL;
			continue;
		}
		r->src[i] = page;
		lo = min(lo, first + i);
		hi = max(hi, first + i);
	}
	if (lo == ULONG_MAX)
		return;

	/* Step 3: one zap (and one TLB flush) for the whole batch. */
	cxltier_mig_zap(buf, lo, hi);

	/* Step 4: a whole unit as one block, else page by page. */
	if (first == lo && n == (1U << buf->unit_order) &&
	    cxltier_mig_move_unit(buf, first, r->src, r->dst, n)) {
		r->moved += n;
		return;
	}
	for (pass = 0; ; pass++) {
		for (i = 0; i < n; i++) {
			int res;

			if (!r->src[i])
				continue;
			res = cxltier_mig_move_page(buf, first + i, r->src[i],
						    r->dst[i]);
			if (res == CXLTIER_MIG_MOVED) {
				r->moved++;
				r->src[i] = NULL;
				r->dst[i] = NULL;
				if (r->busy[i])
					nr_busy--;
				continue;
			}
			unlock_page(r->src[i]);
			put_page(r->src[i]);
			r->src[i] = NULL;
			if (res == CXLTIER_MIG_QUOTA ||
			    res == CXLTIER_MIG_NOMEM) {
				r->failed++;
				put_page(r->dst[i]);
				r->dst[i] = NULL;
				if (r->busy[i])
					nr_busy--;
			} else if (res == CXLTIER_MIG_PINNED) {
				r->skipped++;
				put_page(r->dst[i]);
				r->dst[i] = NULL;
				if (r->busy[i])
					nr_busy--;
			} else if (!r->busy[i]) {
				r->busy[i] = 1;
				nr_busy++;
			}
		}
		if (!nr_busy)
			break;
		if (pass == CXLTIER_MIG_RETRIES) {
			for (i = 0; i < n; i++) {
				if (!r->busy[i] || !r->dst[i])
					continue;
				r->failed++;
				put_page(r->dst[i]);
				r->dst[i] = NULL;
			}
			break;
		}
		/* let the holders (waiting faults, short GUP) finish */
		msleep(1);
		for (i = 0; i < n; i++) {
			struct page *page;

			if (!r->busy[i] || !r->dst[i])
				continue;
			page = cxltier_page_lock_slot(buf, first + i);
			if (cxltier_mig_needless(r, page, r->dst[i])) {
				if (page) {
					unlock_page(page);
					put_page(page);
				}
				put_page(r->dst[i]);
				r->dst[i] = NULL;
				r->busy[i] = 0;
				nr_busy--;
				continue;
			}
			r->src[i] = page;
			cxltier_mig_zap(buf, first + i, first + i);
		}
	}
}

/* BUF_STAT's spilled_bytes, against the new policy. */
static void cxltier_mig_recount_spilled(struct cxltier_buf *buf)
{
	unsigned long unit, spilled = 0, i;
	unsigned int n = 1U << buf->unit_order;

	/* no fill_unit() runs while we hold it for write */
	down_write(&buf->policy_sem);
	for (unit = 0; unit < buf->nr_units; unit++) {
		int home = buf->policy[cxltier_unit_home(buf, unit)].node;
		unsigned long p0 = unit << buf->unit_order;

		spin_lock(&buf->lock);
		for (i = p0; i < p0 + n; i++) {
			struct page *page = cxltier_slot(buf, i);

			if (page && page_to_nid(page) != home)
				spilled++;
		}
		spin_unlock(&buf->lock);
		if (!(unit & 255))
			cond_resched();
	}
	atomic_long_set(&buf->nr_spilled, spilled);
	up_write(&buf->policy_sem);
}

static void cxltier_mig_publish(struct cxltier_mig_run *r)
{
	atomic_long_set(&r->m->moved, r->moved);
	atomic_long_set(&r->m->skipped, r->skipped);
	atomic_long_set(&r->m->failed, r->failed);
}

/* Should the run stop now?  -EINTR, -ECANCELED or 0. */
static int cxltier_mig_should_stop(struct cxltier_mig_run *r)
{
	if (!r->async)
		return signal_pending(current) ? -EINTR : 0;
	/* our reference is the last: nobody can see the buffer any more */
	return file_count(r->file) <= 1 ? -ECANCELED : 0;
}

/* Sleep as long as the rate limit asks, waking for signals or closing. */
static int cxltier_mig_throttle(struct cxltier_mig_run *r)
{
	u64 due, now;
	int ret;

	if (!r->rate)
		return 0;
	due = mul_u64_u64_div_u64((u64)r->moved << PAGE_SHIFT, NSEC_PER_SEC,
				  r->rate);
	for (;;) {
		now = ktime_get_ns() - r->start_ns;
		if (now >= due)
			return 0;
		ret = cxltier_mig_should_stop(r);
		if (ret)
			return ret;
		if (r->async)
			msleep(min_t(u64, div_u64(due - now, NSEC_PER_MSEC) + 1,
				     CXLTIER_MIG_NAP_MS));
		else
			schedule_timeout_interruptible(
				nsecs_to_jiffies(due - now) + 1);
	}
}

static int cxltier_mig_run(struct cxltier_mig_run *r)
{
	struct cxltier_buf *buf = r->buf;
	unsigned long first;
	int ret = 0;

	r->start_ns = ktime_get_ns();
	for (first = 0; first < buf->nr_pages; first += CXLTIER_MIG_BATCH) {
		unsigned int n = min_t(unsigned long, CXLTIER_MIG_BATCH,
				       buf->nr_pages - first);

		cxltier_mig_batch(r, first, n);
		cxltier_mig_publish(r);
		ret = cxltier_mig_should_stop(r);
		if (!ret)
			ret = cxltier_mig_throttle(r);
		if (ret)
			break;
		cond_resched();
	}
	cxltier_mig_recount_spilled(buf);
	return ret;
}

static void cxltier_mig_finish(struct cxltier_buf_migration *m, int error)
{
	/* what the event says: the next migration may start at once */
	u64 seq = m->seq, moved = atomic_long_read(&m->moved);
	u64 skipped = atomic_long_read(&m->skipped);
	u64 failed = atomic_long_read(&m->failed);

	m->error = error;
	smp_wmb();		/* counts and error before the state */
	WRITE_ONCE(m->state, CXLTIER_MIGRATE_STATE_DONE);
	atomic_set_release(&m->running, 0);
	/*
	 * The event before the wake-up, so that whoever polls the buffer fd
	 * finds it on its event socket already.  The buffer lives on: the
	 * ioctl's file, or the async run's reference, holds it.
	 */
	cxltier_nl_migrate_done(m->buf, seq, moved, skipped, failed, error);
	wake_up_interruptible_poll(&m->wait, EPOLLIN | EPOLLPRI);
}

static void cxltier_migrate_work(struct work_struct *work)
{
	struct cxltier_buf_migration *m =
		container_of(work, struct cxltier_buf_migration, work);
	struct file *file = m->file;
	struct cxltier_mig_run *r;
	int ret = -ENOMEM;

	r = kvzalloc(sizeof(*r), GFP_KERNEL);
	if (r) {
		r->buf = m->buf;
		r->m = m;
		r->file = file;
		r->flags = m->flags;
		r->rate = m->rate;
		r->async = true;
		ret = cxltier_mig_run(r);
		cxltier_mig_publish(r);
		kvfree(r);
	}
	m->file = NULL;
	cxltier_mig_finish(m, ret);
	/*
	 * Possibly the buffer's last reference: it is then freed by a later
	 * delayed fput, which also drops the module reference; the module's
	 * exit drains this workqueue, so this function's last instructions
	 * never outlive the module.
	 */
	fput(file);
}

/* ------------------------------------------------------------------------ */
/* The ioctl                                                                  */

/*
 * Check the new policy exactly as CREATE does (one validator), into a
 * scratch buffer that has this buffer's geometry.
 */
static int cxltier_mig_load_policy(struct cxltier_buf *buf,
				   const struct cxltier_migrate *mg,
				   struct cxltier_buf *tmp)
{
	struct cxltier_create c = {
		.size = sizeof(c),
		.flags = buf->create_flags,
		.length = buf->length,
		.mode = mg->mode,
		.nr_nodes = mg->nr_nodes,
		.nodes = mg->nodes,
		.page_shift = buf->page_shift,
		.chunk_shift = mg->chunk_shift,
	};

	tmp->length = buf->length;
	tmp->nr_pages = buf->nr_pages;
	tmp->nr_units = buf->nr_units;
	tmp->page_shift = buf->page_shift;
	tmp->unit_order = buf->unit_order;
	tmp->create_flags = buf->create_flags;
	tmp->pinnable = buf->pinnable;
	return cxltier_policy_load(&c, tmp);
}

/*
 * Install @tmp's policy in @buf; @tmp gets the old one, to be freed.  What
 * is left of a reservation (CXLTIER_CREATE_RESERVE) was made for the old
 * policy's nodes: it is given back, and units not yet filled are charged
 * when they are, against the new nodes' quotas.
 */
static int cxltier_mig_swap_policy(struct cxltier_buf *buf,
				   struct cxltier_buf *tmp)
{
	down_write(&buf->policy_sem);	/* no fill_unit() meanwhile */
	if (buf->resv) {
		cxltier_quota_unreserve(buf->policy, buf->resv,
					buf->nr_policy_nodes);
		kfree(buf->resv);
		buf->resv = NULL;
	}
	swap(buf->policy, tmp->policy);
	swap(buf->nr_policy_nodes, tmp->nr_policy_nodes);
	swap(buf->mode, tmp->mode);
	swap(buf->weight_sum, tmp->weight_sum);
	swap(buf->split_end, tmp->split_end);
	swap(buf->chunk_shift, tmp->chunk_shift);
	swap(buf->chunk_units_shift, tmp->chunk_units_shift);
	up_write(&buf->policy_sem);
	return 0;
}

int cxltier_migrate(struct cxltier_ucmd *ucmd)
{
	struct cxltier_buf *buf = ucmd->file->private_data;
	struct cxltier_buf_migration *m = buf->mig;
	struct cxltier_migrate *mg = ucmd->cmd;
	struct cxltier_mig_run *r = NULL;
	struct cxltier_buf tmp = {};
	int ret, ret2;

	if ((mg->flags & ~CXLTIER_MIGRATE_FLAGS) || mg->__reserved)
		return -EINVAL;
	ret = cxltier_mig_load_policy(buf, mg, &tmp);
	if (ret)
		return ret;
	/* pool pages never move, and nothing moves into a pool */
	if (buf->pool || tmp.pool) {
		ret = -EOPNOTSUPP;
		goto out_policy;
	}

	/*
	 * The struct goes back at the end, after pages moved: make sure it
	 * can, while a failure still changes nothing (it only fails later if
	 * the user unmaps it meanwhile).
	 */
	ret = cxltier_ucmd_respond(ucmd, sizeof(*mg));
	if (ret)
		goto out_policy;
	if (!(mg->flags & CXLTIER_MIGRATE_ASYNC)) {
		r = kvzalloc(sizeof(*r), GFP_KERNEL);
		if (!r) {
			ret = -ENOMEM;
			goto out_policy;
		}
	}
	if (atomic_cmpxchg_acquire(&m->running, 0, 1)) {
		ret = -EBUSY;
		goto out_policy;
	}

	/* From here the buffer changes: new policy, a new migration. */
	ret = cxltier_mig_swap_policy(buf, &tmp);
	if (ret) {
		atomic_set_release(&m->running, 0);
		goto out_policy;
	}
	atomic_long_set(&m->moved, 0);
	atomic_long_set(&m->skipped, 0);
	atomic_long_set(&m->failed, 0);
	m->error = 0;
	m->seq++;
	smp_wmb();
	WRITE_ONCE(m->state, CXLTIER_MIGRATE_STATE_RUNNING);

	if (mg->flags & CXLTIER_MIGRATE_ASYNC) {
		/* nothing moved yet: the out fields say so */
		mg->out_moved_pages = mg->out_moved_bytes = 0;
		mg->out_skipped_pages = mg->out_skipped_bytes = 0;
		mg->out_failed_pages = mg->out_failed_bytes = 0;
		mg->out_elapsed_ns = 0;
		m->file = get_file(ucmd->file);
		m->flags = mg->flags;
		m->rate = mg->rate_bytes;
		queue_work(cxltier_migrate_wq, &m->work);
		ret = cxltier_ucmd_respond(ucmd, sizeof(*mg));
		goto out_policy;
	}

	r->buf = buf;
	r->m = m;
	r->file = ucmd->file;
	r->flags = mg->flags;
	r->rate = mg->rate_bytes;
	ret = cxltier_mig_run(r);
	cxltier_mig_publish(r);
	mg->out_moved_pages = r->moved;
	mg->out_moved_bytes = (u64)r->moved << PAGE_SHIFT;
	mg->out_skipped_pages = r->skipped;
	mg->out_skipped_bytes = (u64)r->skipped << PAGE_SHIFT;
	mg->out_failed_pages = r->failed;
	mg->out_failed_bytes = (u64)r->failed << PAGE_SHIFT;
	mg->out_elapsed_ns = ktime_get_ns() - r->start_ns;
	cxltier_mig_finish(m, ret);
	/* the counts go out with -EINTR too: say what moved so far */
	ret2 = cxltier_ucmd_respond(ucmd, sizeof(*mg));
	if (!ret)
		ret = ret2;
out_policy:
	kvfree(r);
	kfree(tmp.policy);
	kfree(tmp.split_end);
	return ret;
}

__poll_t cxltier_migrate_poll(struct file *file, struct poll_table_struct *pt)
{
	struct cxltier_buf *buf = file->private_data;
	struct cxltier_buf_migration *m = buf->mig;

	poll_wait(file, &m->wait, pt);
	if (READ_ONCE(m->state) == CXLTIER_MIGRATE_STATE_DONE &&
	    !atomic_read(&m->running))
		return EPOLLIN | EPOLLRDNORM | EPOLLPRI;
	return 0;
}

void cxltier_migrate_stat(struct cxltier_buf *buf, struct cxltier_buf_stat *st)
{
	struct cxltier_buf_migration *m = buf->mig;

	st->migrate_state = READ_ONCE(m->state);
	smp_rmb();
	st->migrate_error = m->error;
	st->migrate_seq = m->seq;
	st->migrate_moved_bytes = (u64)atomic_long_read(&m->moved) << PAGE_SHIFT;
	st->migrate_skipped_bytes =
		(u64)atomic_long_read(&m->skipped) << PAGE_SHIFT;
	st->migrate_failed_bytes =
		(u64)atomic_long_read(&m->failed) << PAGE_SHIFT;
}

int cxltier_migrate_buf_init(struct cxltier_buf *buf)
{
	struct cxltier_buf_migration *m;

	m = kzalloc(sizeof(*m), GFP_KERNEL_ACCOUNT);
	if (!m)
		return -ENOMEM;
	m->buf = buf;
	init_waitqueue_head(&m->wait);
	INIT_WORK(&m->work, cxltier_migrate_work);
	buf->mig = m;
	return 0;
}

/* Only from the buffer's release: an async run holds the file till done. */
void cxltier_migrate_buf_free(struct cxltier_buf *buf)
{
	kfree(buf->mig);
	buf->mig = NULL;
}

int cxltier_migrate_init(void)
{
	cxltier_migrate_wq = alloc_workqueue("cxltier_migrate", WQ_UNBOUND, 0);
	return cxltier_migrate_wq ? 0 : -ENOMEM;
}

void cxltier_migrate_exit(void)
{
	destroy_workqueue(cxltier_migrate_wq);
}
