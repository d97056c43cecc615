// SPDX-License-Identifier: GPL-2.0
/*
 * cxltier: CXLTIER_CREATE_POPULATE.  Allocating and zeroing a large buffer
 * is memory-bandwidth bound; one thread leaves most of it idle.  Workers on
 * the unbound workqueue take batches of units from a shared cursor (so a
 * slow node does not hold a fixed share back) until the buffer is full, an
 * allocation fails, or the creating task is killed.
 */
#include "internal.h"

#include <linux/completion.h>
#include <linux/cpumask.h>
#include <linux/sched/signal.h>
#include <linux/slab.h>
#include <linux/workqueue.h>

#define CXLTIER_POPULATE_MAX_WORKERS	16
#define CXLTIER_POPULATE_BATCH_PAGES	512	/* 2 MiB per batch */

struct cxltier_populate;

struct cxltier_populate_worker {
	struct work_struct work;
	struct cxltier_populate *pop;
};

struct cxltier_populate {
	struct cxltier_buf *buf;
	atomic_long_t next;		/* first unit not yet taken */
	unsigned long batch;		/* units per take */
	atomic_t stop;			/* error or kill: take no more */
	atomic_t err;			/* first error */
	unsigned long err_unit;		/* the unit that failed first */
	atomic_t running;		/* workers not finished */
	struct completion done;
	struct cxltier_populate_worker worker[CXLTIER_POPULATE_MAX_WORKERS];
};

static void cxltier_populate_work(struct work_struct *work)
{
	struct cxltier_populate *pop =
		container_of(work, struct cxltier_populate_worker, work)->pop;
	struct cxltier_buf *buf = pop->buf;
	unsigned long u, end;
	int ret;

	while (!atomic_read(&pop->stop)) {
		u = atomic_long_fetch_add(pop->batch, &pop->next);
		if (u >= buf->nr_units)
			break;
		end = min(u + pop->batch, buf->nr_units);
		for (; u < end; u++) {
			ret = cxltier_page_fill_unit(buf, u);
			if (ret) {
				if (!atomic_cmpxchg(&pop->err, 0, ret))
					pop->err_unit = u;
				atomic_set(&pop->stop, 1);
				break;
			}
		}
		cond_resched();
	}
	if (atomic_dec_and_test(&pop->running))
		complete(&pop->done);
}

/*
 * Fill every unit of @buf.  Returns 0, -ENOMEM when a unit cannot be had
 * (per the policy's fallback rules), or -EINTR when the caller was killed;
 * on error the caller frees the buffer, pages and all.
 */
int cxltier_populate(struct cxltier_buf *buf)
{
	struct cxltier_populate *pop;
	unsigned long units_per_batch;
	int workers, i, ret;

	pop = kzalloc(sizeof(*pop), GFP_KERNEL);
	if (!pop)
		return -ENOMEM;

	units_per_batch = max(1UL, CXLTIER_POPULATE_BATCH_PAGES >>
				   buf->unit_order);
	workers = min_t(unsigned long, num_online_cpus(),
			CXLTIER_POPULATE_MAX_WORKERS);
	workers = min_t(unsigned long, workers,
			DIV_ROUND_UP(buf->nr_units, units_per_batch));

	pop->buf = buf;
	pop->batch = units_per_batch;
	atomic_long_set(&pop->next, 0);
	atomic_set(&pop->running, workers);
	init_completion(&pop->done);
	for (i = 0; i < workers; i++) {
		pop->worker[i].pop = pop;
		INIT_WORK(&pop->worker[i].work, cxltier_populate_work);
		queue_work(system_unbound_wq, &pop->worker[i].work);
	}

	if (wait_for_completion_killable(&pop->done)) {
		atomic_set(&pop->stop, 1);
		wait_for_completion(&pop->done);
		ret = -EINTR;
	} else {
		ret = atomic_read(&pop->err);
		/* one failure per populate, on the home of its first unit */
		if (ret)
			cxltier_page_count_fail(buf, pop->err_unit, ret);
	}
	kfree(pop);
	return ret;
}
