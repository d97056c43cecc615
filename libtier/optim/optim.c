// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * The optimizer step's driver: persistent workers, the SIMD path, and the
 * cut of a step's elements between threads and memory nodes.
 *
 * The cut (doc/optimizer.md): a step's elements are grouped by the node
 * they lie on.  Each thread takes the same fraction of every node's group
 * (thread w of T: elements [N_k * w / T, N_k * (w + 1) / T) of node k's
 * group, in order of tensor and offset), and walks its shares block by
 * block, always taking the next block from the node it has done the
 * smallest fraction of.  So every node is streamed by every thread from the
 * first block to the last, in proportion to the bytes it holds, and all
 * threads finish together.  The element results do not depend on the cut:
 * each element's update reads only that element.
 *
 * Near placement (doc/optimizer.md): when the process may run on the CPUs
 * of two or more nodes (sockets), the threads are shared out over those
 * nodes in proportion to their CPUs and each is pinned to its node's CPUs;
 * every memory node's group then goes to the threads of its nearest CPU
 * node only (the same even cut among them), so no thread streams memory
 * that is far from it.  Elements on no known node are cut among all.
 */
#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <math.h>

#include "libtier-private.h"
#include "adam_kernel.h"

/* Elements per block: 64 KiB of each fp32 array. */
#define BLOCK_ELEMS	(16u << 10)
/* Groups a step can cut: each node's, and the unknown one. */
#define MAX_GROUPS	(TIER_MAX_POLICY_NODES + 1)

struct tier_optim {
	unsigned int nthreads;
	unsigned int simd;
	adam_kernel_fn *kernel, *stream;
	pthread_t *tids;

	/* near placement; NULL: off (one CPU node, or too few threads) */
	struct tier_cpu_nodes *cn;
	int *home;			/* per thread: index into cn->node */
	unsigned int *rank;		/* per thread: its index among home's */
	unsigned int *home_size;	/* per cn index: threads there */
	uint64_t *elems, *near_elems;	/* per thread, the last step */
	int caller_works;		/* the caller is thread 0 */

	pthread_mutex_t mu;		/* protects everything below */
	pthread_cond_t start;		/* @gen moved on, or @stop */
	pthread_cond_t done;		/* @pending reached 0 */
	uint64_t gen;
	unsigned int pending;
	int stop;
	const struct optim_job *job;	/* the step being run */
};

/* One piece of one tensor, on one node. */
struct seg {
	uint32_t tensor;
	size_t start, count;
};

struct group {
	int node;
	size_t nr_segs;
	struct seg *segs;
	size_t elems;
};

struct optim_job {
	adam_kernel_fn *kernel;
	const struct adam_consts *k;
	const struct tier_adam_tensor *t;
	struct group *groups;
	unsigned int nr_groups;
};

/* ------------------------------------------------------------------------ */
/* SIMD paths                                                                 */

static const struct {
	const char *name;
	adam_kernel_fn *fn, *stream;
} simd_paths[] = {
	[TIER_SIMD_SCALAR] = { "scalar", tier_adam_kernel_scalar,
			       tier_stream_kernel_scalar },
	[TIER_SIMD_AVX2] = { "avx2", tier_adam_kernel_avx2,
			     tier_stream_kernel_avx2 },
	[TIER_SIMD_AVX512] = { "avx512", tier_adam_kernel_avx512,
			       tier_stream_kernel_avx512 },
};

static int simd_usable(unsigned int simd)
{
	__builtin_cpu_init();
	switch (simd) {
	case TIER_SIMD_SCALAR:
		return 1;
	case TIER_SIMD_AVX2:
		return __builtin_cpu_supports("avx2");
	case TIER_SIMD_AVX512:
		return __builtin_cpu_supports("avx512f") &&
		       __builtin_cpu_supports("avx512bw") &&
		       __builtin_cpu_supports("avx512vl");
	}
	return 0;
}

TIER_EXPORT const char *tier_optim_simd_name(unsigned int simd)
{
	if (simd == TIER_SIMD_AUTO || simd >= ARRAY_SIZE(simd_paths))
		return NULL;
	return simd_paths[simd].name;
}

/* ------------------------------------------------------------------------ */
/* The cut                                                                    */

/* The CPU node (index into cn) nearest to memory node @node, or -1. */
static int home_of(const struct tier_optim *opt, int node)
{
	if (!opt->cn || node < 0 || node >= TIER_NODE_ID_LIMIT)
		return -1;
	return opt->cn->near[node];
}

/*
 * Run thread @w's share of every group: the next block always comes from
 * the group this thread has done the smallest fraction of.
 */
static void run_share(const struct tier_optim *opt,
		      const struct optim_job *job, unsigned int w)
{
	size_t pos[MAX_GROUPS], end[MAX_GROUPS], seg[MAX_GROUPS];
	size_t off[MAX_GROUPS];	/* group element index where seg[] starts */
	size_t lo[MAX_GROUPS];
	uint64_t done = 0, near = 0;
	unsigned int g, best;

	for (g = 0; g < job->nr_groups; g++) {
		const struct group *gr = &job->groups[g];
		int h = home_of(opt, gr->node);
		unsigned int r = w, size = opt->nthreads;

		if (h >= 0) {
			/* the threads of the group's nearest CPU node only */
			r = opt->rank[w];
			size = opt->home_size[h];
		}
		pos[g] = (size_t)((unsigned __int128)gr->elems * r / size);
		end[g] = (size_t)((unsigned __int128)gr->elems * (r + 1) / size);
		if (h >= 0 && h != opt->home[w])
			pos[g] = end[g];	/* another node's threads' */
		lo[g] = pos[g];
		seg[g] = 0;
		off[g] = 0;
		done += end[g] - pos[g];
		if (h >= 0 && h == opt->home[w])
			near += end[g] - pos[g];
	}
	if (opt->elems) {
		opt->elems[w] = done;
		opt->near_elems[w] = near;
	}

	for (;;) {
		double frac, best_frac = 2.0;
		const struct group *gr;
		const struct seg *sg;
		size_t n, s0;

		best = job->nr_groups;
		for (g = 0; g < job->nr_groups; g++) {
			if (pos[g] >= end[g])
				continue;
			frac = (double)(pos[g] - lo[g]) / (double)(end[g] - lo[g]);
			if (frac < best_frac) {
				best_frac = frac;
				best = g;
			}
		}
		if (best == job->nr_groups)
			return;

		/* the segment holding pos[best] */
		gr = &job->groups[best];
		while (off[best] + gr->segs[seg[best]].count <= pos[best]) {
			off[best] += gr->segs[seg[best]].count;
			seg[best]++;
		}
		sg = &gr->segs[seg[best]];
		s0 = sg->start + (pos[best] - off[best]);
		n = off[best] + sg->count - pos[best];
		if (n > end[best] - pos[best])
			n = end[best] - pos[best];
		if (n > BLOCK_ELEMS)
			n = BLOCK_ELEMS;
		job->kernel(job->k, &job->t[sg->tensor], s0, s0 + n);
		pos[best] += n;
	}
}

/* ------------------------------------------------------------------------ */
/* Workers                                                                    */

struct worker_arg {
	struct tier_optim *opt;
	unsigned int w;
};

static void *worker_main(void *p)
{
	struct worker_arg a = *(struct worker_arg *)p;
	struct tier_optim *opt = a.opt;
	uint64_t seen = 0;

	free(p);
	/*
	 * Near placement: onto the CPUs of this thread's node.  Should the
	 * process's CPU set have changed since, the thread runs where it may
	 * and only the nearness is lost.
	 */
	if (opt->cn)
		pthread_setaffinity_np(pthread_self(), sizeof(cpu_set_t),
				       &opt->cn->cpus[opt->home[a.w]]);
	pthread_mutex_lock(&opt->mu);
	for (;;) {
		while (!opt->stop && opt->gen == seen)
			pthread_cond_wait(&opt->start, &opt->mu);
		if (opt->stop)
			break;
		seen = opt->gen;
		pthread_mutex_unlock(&opt->mu);
		run_share(opt, opt->job, a.w);
		pthread_mutex_lock(&opt->mu);
		if (--opt->pending == 0)
			pthread_cond_signal(&opt->done);
	}
	pthread_mutex_unlock(&opt->mu);
	return NULL;
}

static void stop_workers(struct tier_optim *opt, unsigned int started)
{
	unsigned int i;

	pthread_mutex_lock(&opt->mu);
	opt->stop = 1;
	pthread_cond_broadcast(&opt->start);
	pthread_mutex_unlock(&opt->mu);
	for (i = 0; i < started; i++)
		pthread_join(opt->tids[i], NULL);
}

static unsigned int default_threads(void)
{
	cpu_set_t set;
	int n;

	if (!sched_getaffinity(0, sizeof(set), &set)) {
		n = CPU_COUNT(&set);
		if (n > 0)
			return (unsigned int)n;
	}
	n = (int)sysconf(_SC_NPROCESSORS_ONLN);
	return n > 0 ? (unsigned int)n : 1;
}

static void free_placement(struct tier_optim *opt)
{
	free(opt->cn);
	free(opt->home);
	free(opt->rank);
	free(opt->home_size);
	free(opt->elems);
	free(opt->near_elems);
	opt->cn = NULL;
	opt->home = NULL;
	opt->rank = NULL;
	opt->home_size = NULL;
	opt->elems = opt->near_elems = NULL;
}

/*
 * Near placement, when the process may run on two or more CPU nodes and
 * there are threads for each: share the threads out over the nodes in
 * proportion to their CPUs (at least one each; the largest remainders get
 * the rest).  Anything else, or a topology that cannot be read, leaves it
 * off: the cut is then the same for every thread, as on one socket.
 * Returns 0 or -ENOMEM.
 */
static int setup_placement(struct tier_optim *opt)
{
	unsigned int i, w, total = 0, given = 0, *want;
	struct tier_cpu_nodes *cn;

	opt->elems = calloc(opt->nthreads, sizeof(*opt->elems));
	opt->near_elems = calloc(opt->nthreads, sizeof(*opt->near_elems));
	if (!opt->elems || !opt->near_elems)
		return -ENOMEM;
	cn = malloc(sizeof(*cn));
	if (!cn)
		return -ENOMEM;
	if (tier_cpu_nodes_read(cn) || cn->nr < 2 || opt->nthreads < cn->nr) {
		free(cn);
		return 0;
	}
	opt->cn = cn;
	opt->home = calloc(opt->nthreads, sizeof(*opt->home));
	opt->rank = calloc(opt->nthreads, sizeof(*opt->rank));
	opt->home_size = calloc(cn->nr, sizeof(*opt->home_size));
	want = calloc(cn->nr, sizeof(*want));
	if (!opt->home || !opt->rank || !opt->home_size || !want) {
		free(want);
		return -ENOMEM;
	}
	for (i = 0; i < cn->nr; i++)
		total += cn->nr_cpus[i];
	for (i = 0; i < cn->nr; i++) {
		want[i] = 1 + (unsigned int)((uint64_t)(opt->nthreads - cn->nr) *
					     cn->nr_cpus[i] / total);
		given += want[i];
	}
	/* what the rounding left: one more each, the most CPUs first */
	while (given < opt->nthreads) {
		unsigned int best = 0;

		for (i = 1; i < cn->nr; i++)
			if ((uint64_t)cn->nr_cpus[i] * want[best] >
			    (uint64_t)cn->nr_cpus[best] * want[i])
				best = i;
		want[best]++;
		given++;
	}
	for (i = 0, w = 0; i < cn->nr; i++)
		for (; opt->home_size[i] < want[i]; w++) {
			opt->home[w] = (int)i;
			opt->rank[w] = opt->home_size[i]++;
		}
	free(want);
	return 0;
}

TIER_EXPORT int tier_optim_create(struct tier_optim **out,
				  const struct tier_optim_opts *opts)
{
	struct tier_optim_opts o = { 0 };
	struct tier_optim *opt;
	unsigned int i, simd;
	int ret;

	if (!out)
		return -EINVAL;
	if (opts)
		o = *opts;
	if (o.flags || o.__reserved || o.simd > TIER_SIMD_AVX512 ||
	    o.threads > 4096)
		return -EINVAL;
	simd = o.simd;
	if (simd == TIER_SIMD_AUTO)
		simd = simd_usable(TIER_SIMD_AVX512) ? TIER_SIMD_AVX512 :
		       simd_usable(TIER_SIMD_AVX2) ? TIER_SIMD_AVX2 :
		       TIER_SIMD_SCALAR;
	else if (!simd_usable(simd))
		return -ENOTSUP;

	opt = calloc(1, sizeof(*opt));
	if (!opt)
		return -ENOMEM;
	opt->nthreads = o.threads ? o.threads : default_threads();
	opt->simd = simd;
	opt->kernel = simd_paths[simd].fn;
	opt->stream = simd_paths[simd].stream;
	pthread_mutex_init(&opt->mu, NULL);
	pthread_cond_init(&opt->start, NULL);
	pthread_cond_init(&opt->done, NULL);
	ret = setup_placement(opt);
	if (ret)
		goto fail;
	/*
	 * The caller is thread 0, except with near placement: the caller's
	 * thread is the application's, and is never pinned, so every share
	 * goes to a worker and the caller waits.
	 */
	opt->caller_works = !opt->cn;
	opt->tids = calloc(opt->nthreads, sizeof(*opt->tids));
	if (!opt->tids) {
		ret = -ENOMEM;
		goto fail;
	}
	for (i = !opt->caller_works ? 0 : 1; i < opt->nthreads; i++) {
		struct worker_arg *a = malloc(sizeof(*a));

		if (!a) {
			ret = -ENOMEM;
			goto fail_stop;
		}
		a->opt = opt;
		a->w = i;
		if (pthread_create(&opt->tids[i - opt->caller_works], NULL,
				   worker_main, a)) {
			free(a);
			ret = -EAGAIN;
			goto fail_stop;
		}
	}
	*out = opt;
	return 0;

fail_stop:
	stop_workers(opt, i - opt->caller_works);
fail:
	free_placement(opt);
	free(opt->tids);
	pthread_cond_destroy(&opt->done);
	pthread_cond_destroy(&opt->start);
	pthread_mutex_destroy(&opt->mu);
	free(opt);
	return ret;
}

TIER_EXPORT void tier_optim_destroy(struct tier_optim *opt)
{
	if (!opt)
		return;
	stop_workers(opt, opt->nthreads - opt->caller_works);
	free_placement(opt);
	free(opt->tids);
	pthread_cond_destroy(&opt->done);
	pthread_cond_destroy(&opt->start);
	pthread_mutex_destroy(&opt->mu);
	free(opt);
}

TIER_EXPORT unsigned int tier_optim_threads(const struct tier_optim *opt)
{
	return opt ? opt->nthreads : 0;
}

TIER_EXPORT unsigned int tier_optim_simd(const struct tier_optim *opt)
{
	return opt ? opt->simd : 0;
}

TIER_EXPORT int tier_optim_thread_info(const struct tier_optim *opt,
				       unsigned int w,
				       struct tier_optim_thread_info *info)
{
	if (!opt || !info || w >= opt->nthreads)
		return -EINVAL;
	memset(info, 0, sizeof(*info));
	info->cpu_node = opt->cn ? (int32_t)opt->cn->node[opt->home[w]] : -1;
	info->elems = opt->elems[w];
	info->near_elems = opt->near_elems[w];
	return 0;
}

/* Run @job on every thread, the caller's included, and wait for all. */
static void run_job(struct tier_optim *opt, const struct optim_job *job)
{
	pthread_mutex_lock(&opt->mu);
	opt->job = job;
	opt->pending = opt->nthreads - opt->caller_works;
	opt->gen++;
	pthread_cond_broadcast(&opt->start);
	pthread_mutex_unlock(&opt->mu);

	if (opt->caller_works)
		run_share(opt, job, 0);

	pthread_mutex_lock(&opt->mu);
	while (opt->pending)
		pthread_cond_wait(&opt->done, &opt->mu);
	opt->job = NULL;
	pthread_mutex_unlock(&opt->mu);
}

/* ------------------------------------------------------------------------ */
/* The step                                                                   */

static int check_hparams(const struct tier_adam_hparams *hp)
{
	const uint32_t known = TIER_ADAM_DECOUPLED | TIER_ADAM_AMSGRAD |
			       TIER_ADAM_MAXIMIZE | TIER_ADAM_NO_BIAS_CORRECTION;

	/* torch's own checks, and what this step cannot mean */
	if (!hp || (hp->flags & ~known) || hp->__reserved || !hp->step)
		return -EINVAL;
	if (!(hp->lr >= 0.0) || !(hp->eps >= 0.0) ||
	    !(hp->beta1 >= 0.0 && hp->beta1 < 1.0) ||
	    !(hp->beta2 >= 0.0 && hp->beta2 < 1.0) ||
	    !(hp->weight_decay >= 0.0) || !isfinite(hp->lr) ||
	    !isfinite(hp->eps) || !isfinite(hp->weight_decay))
		return -EINVAL;
	return 0;
}

static int check_tensor(const struct tier_adam_tensor *t, uint32_t flags)
{
	if (t->__reserved || t->grad_dtype > TIER_DTYPE_BF16)
		return -EINVAL;
	if (!t->n)
		return 0;
	if (!t->param || !t->grad || !t->exp_avg || !t->exp_avg_sq)
		return -EINVAL;
	if (!(flags & TIER_ADAM_AMSGRAD) != !t->max_exp_avg_sq)
		return -EINVAL;
	return 0;
}

/*
 * The constants in fp32, computed as torch computes them: in double from
 * the Python floats, then converted when the tensor op takes them.
 */
static void make_consts(const struct tier_adam_hparams *hp,
			struct adam_consts *k)
{
	double bc1 = 1.0, bc2 = 1.0;

	if (!(hp->flags & TIER_ADAM_NO_BIAS_CORRECTION)) {
		bc1 = 1.0 - pow(hp->beta1, (double)hp->step);
		bc2 = 1.0 - pow(hp->beta2, (double)hp->step);
	}
	memset(k, 0, sizeof(*k));
	k->b1 = (float)hp->beta1;
	k->c1 = (float)(1.0 - hp->beta1);
	k->b2 = (float)hp->beta2;
	k->c2 = (float)(1.0 - hp->beta2);
	k->eps = (float)hp->eps;
	k->bc2_sqrt = (float)sqrt(bc2);
	k->neg_step = (float)-(hp->lr / bc1);
	k->sign_mask = hp->flags & TIER_ADAM_MAXIMIZE ? 0x80000000u : 0;
	k->amsgrad = !!(hp->flags & TIER_ADAM_AMSGRAD);
	k->decay = 1.0f;
	if (hp->flags & TIER_ADAM_DECOUPLED) {
		k->decay = (float)(1.0 - hp->lr * hp->weight_decay);
	} else if (hp->weight_decay != 0.0) {
		k->l2 = 1;
		k->wd = (float)hp->weight_decay;
	}
}

static int group_of(struct group *groups, unsigned int *nr, int node)
{
	unsigned int g;

	for (g = 0; g < *nr; g++)
		if (groups[g].node == node)
			return (int)g;
	if (*nr == MAX_GROUPS)
		return -E2BIG;
	groups[*nr].node = node;
	return (int)(*nr)++;
}

struct piece {
	struct seg s;
	int node;
};

static int cmp_piece(const void *a, const void *b)
{
	const struct seg *x = &((const struct piece *)a)->s;
	const struct seg *y = &((const struct piece *)b)->s;

	if (x->tensor != y->tensor)
		return x->tensor < y->tensor ? -1 : 1;
	return x->start < y->start ? -1 : x->start > y->start;
}

/*
 * Group the step's elements by node: the ranges given, and the holes they
 * leave in each tensor on the unknown node (-1).  On success with groups,
 * the caller frees the one allocation, groups[0].segs.
 */
static int make_groups(const struct tier_adam_tensor *t, size_t nr,
		       const struct tier_optim_range *r, size_t nr_ranges,
		       struct group *groups, unsigned int *nr_groups)
{
	size_t i, np = 0, pos = 0, at = 0;
	struct piece *pc;
	struct seg *all;
	uint32_t tn = 0;
	int g, ret = -EINVAL;

	for (i = 0; i < nr_ranges; i++)
		if (r[i].tensor >= nr || r[i].node < -1 ||
		    r[i].start > t[r[i].tensor].n ||
		    r[i].count > t[r[i].tensor].n - r[i].start)
			return -EINVAL;

	/* the ranges, sorted, then the holes between them */
	pc = calloc(2 * nr_ranges + nr + 1, sizeof(*pc));
	all = calloc(2 * nr_ranges + nr + 1, sizeof(*all));
	if (!pc || !all) {
		ret = -ENOMEM;
		goto out;
	}
	for (i = 0; i < nr_ranges; i++)
		if (r[i].count)
			pc[np++] = (struct piece){
				{ r[i].tensor, r[i].start, r[i].count }, r[i].node };
	qsort(pc, np, sizeof(*pc), cmp_piece);
	for (i = 0; i <= np; i++) {
		/* holes in the tensors before pc[i], and before pc[i] in its own */
		uint32_t upto = i < np ? pc[i].s.tensor : (uint32_t)nr;

		for (; tn < upto; tn++, pos = 0)
			if (t[tn].n > pos)
				pc[np + at++] = (struct piece){
					{ tn, pos, t[tn].n - pos }, -1 };
		if (i == np)
			break;
		if (pc[i].s.start < pos)
			goto out;		/* overlap */
		if (pc[i].s.start > pos)
			pc[np + at++] = (struct piece){
				{ tn, pos, pc[i].s.start - pos }, -1 };
		pos = pc[i].s.start + pc[i].s.count;
	}
	np += at;

	*nr_groups = 0;
	memset(groups, 0, sizeof(*groups) * MAX_GROUPS);
	for (i = 0; i < np; i++) {
		g = group_of(groups, nr_groups, pc[i].node);
		if (g < 0) {
			ret = g;
			goto out;
		}
		groups[g].nr_segs++;
		groups[g].elems += pc[i].s.count;
	}
	for (at = 0, g = 0; g < (int)*nr_groups; g++) {
		groups[g].segs = all + at;
		at += groups[g].nr_segs;
		groups[g].nr_segs = 0;
	}
	for (i = 0; i < np; i++) {
		struct group *gr = &groups[group_of(groups, nr_groups, pc[i].node)];

		gr->segs[gr->nr_segs++] = pc[i].s;
	}
	ret = 0;
	if (*nr_groups)
		all = NULL;	/* now groups[0].segs */
out:
	free(pc);
	free(all);
	return ret;
}

/* Cut @t by @ranges and run @kernel over it on every thread. */
static int run_cut(struct tier_optim *opt, adam_kernel_fn *kernel,
		   const struct adam_consts *k, const struct tier_adam_tensor *t,
		   size_t nr, const struct tier_optim_range *ranges,
		   size_t nr_ranges)
{
	struct group groups[MAX_GROUPS];
	struct optim_job job;
	unsigned int nr_groups;
	int ret;

	ret = make_groups(t, nr, ranges, nr_ranges, groups, &nr_groups);
	if (ret || !nr_groups)
		return ret;
	job.kernel = kernel;
	job.k = k;
	job.t = t;
	job.groups = groups;
	job.nr_groups = nr_groups;
	run_job(opt, &job);
	free(groups[0].segs);
	return 0;
}

TIER_EXPORT int tier_adam_step(struct tier_optim *opt,
			       const struct tier_adam_hparams *hp,
			       const struct tier_adam_tensor *t, size_t nr,
			       const struct tier_optim_range *ranges,
			       size_t nr_ranges)
{
	struct adam_consts k;
	size_t i;
	int ret;

	if (!opt || (nr && !t) || (nr_ranges && !ranges) || nr > UINT32_MAX)
		return -EINVAL;
	ret = check_hparams(hp);
	if (ret)
		return ret;
	for (i = 0; i < nr; i++) {
		ret = check_tensor(&t[i], hp->flags);
		if (ret)
			return ret;
	}
	make_consts(hp, &k);
	return run_cut(opt, opt->kernel, &k, t, nr, ranges, nr_ranges);
}

TIER_EXPORT int tier_optim_stream(struct tier_optim *opt,
				  const struct tier_adam_tensor *t, size_t nr,
				  const struct tier_optim_range *ranges,
				  size_t nr_ranges)
{
	struct adam_consts k = { 0 };
	size_t i;

	if (!opt || (nr && !t) || (nr_ranges && !ranges) || nr > UINT32_MAX)
		return -EINVAL;
	for (i = 0; i < nr; i++)
		if (check_tensor(&t[i], 0) || t[i].grad_dtype != TIER_DTYPE_F32)
			return -EINVAL;
	return run_cut(opt, opt->stream, &k, t, nr, ranges, nr_ranges);
}

/* ------------------------------------------------------------------------ */
/* Where a buffer's tensor lies                                               */

TIER_EXPORT int tier_optim_buf_ranges(const struct tier_buf *buf,
				      uint32_t tensor, size_t offset,
				      size_t elem_size, size_t n,
				      struct tier_optim_range *out, size_t cap)
{
	struct tier_layout l;
	uint64_t unit, last;
	__u64 end;
	size_t unit_bytes, nr = 0;
	int32_t node, prev = -2;
	uint32_t home;
	int ret;

	if (!buf || !elem_size || offset % elem_size || (cap && !out) ||
	    buf->page_shift >= 64)
		return -EINVAL;
	unit_bytes = (size_t)1 << buf->page_shift;
	if (unit_bytes % elem_size || offset > buf->map_length ||
	    n > (buf->map_length - offset) / elem_size)
		return -EINVAL;
	if (!n)
		return 0;
	ret = tier_layout_init(&l, &buf->policy, buf->map_length / unit_bytes,
			       buf->page_shift);
	if (ret)
		return ret;
	unit = offset / unit_bytes;
	last = (offset + n * elem_size - 1) / unit_bytes;
	while (unit <= last) {
		size_t s, e;

		home = cxltier_layout_run(&l.rule, unit, &end);
		if (end > last + 1)
			end = last + 1;
		node = (int32_t)buf->policy.nodes[home].node;
		s = unit * unit_bytes > offset ?
		    (unit * unit_bytes - offset) / elem_size : 0;
		e = (end * unit_bytes - offset) / elem_size;
		if (e > n)
			e = n;
		if (node == prev) {
			if (nr <= cap)
				out[nr - 1].count = e - out[nr - 1].start;
		} else {
			if (nr < cap)
				out[nr] = (struct tier_optim_range){
					tensor, node, s, e - s };
			nr++;
			prev = node;
		}
		unit = end;
	}
	tier_layout_free(&l);
	return nr > INT32_MAX ? -ENOMEM : (int)nr;
}

TIER_EXPORT int tier_optim_arena_ranges(struct tier_arena *arena,
					const void *ptr, uint32_t tensor,
					size_t elem_size, size_t n,
					struct tier_optim_range *out, size_t cap)
{
	const struct tier_buf *buf;
	size_t offset;
	int err;

	if (!arena || !ptr)
		return -EINVAL;
	err = tier_arena_buf_of(arena, ptr, &buf, &offset);
	if (err)
		return err;
	return tier_optim_buf_ranges(buf, tensor, offset, elem_size, n, out, cap);
}
