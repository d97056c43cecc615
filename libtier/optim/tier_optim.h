/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * tier_optim.h: libtier's CPU optimizer step, Adam and AdamW fused into one
 * pass over memory, split across threads and across the memory nodes the
 * tensors' pages lie on.
 *
 * Part of libtier.so (the symbols are in libtier.map) but not of the
 * placement core: libtier.h never includes this header.
 *
 * Semantics are torch.optim.Adam / torch.optim.AdamW's (single-tensor
 * path), element by element, in fp32 with the hyper-parameters converted to
 * fp32 as torch converts them; doc/optimizer.md states the order of the
 * operations and how far the results may differ from torch's (torch's own
 * vector and scalar paths differ by up to an ulp per operation).  For one
 * machine the results are the same bits whatever the thread count, the
 * split across nodes or the SIMD path.
 *
 * Calls return 0 or -errno and never print.
 */
#ifndef TIER_OPTIM_H
#define TIER_OPTIM_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Element types of gradients in and of the low-precision copy out. */
#define TIER_DTYPE_F32		0
#define TIER_DTYPE_BF16		1

/* struct tier_adam_hparams.flags */
#define TIER_ADAM_DECOUPLED	(1U << 0)	/* AdamW: decay the weights */
#define TIER_ADAM_AMSGRAD	(1U << 1)	/* keep the max of exp_avg_sq */
#define TIER_ADAM_MAXIMIZE	(1U << 2)	/* ascend: use -grad */
#define TIER_ADAM_NO_BIAS_CORRECTION (1U << 3)	/* DeepSpeed's bias_correction=False */

/**
 * struct tier_adam_hparams - one step's hyper-parameters
 * @lr, @beta1, @beta2, @eps, @weight_decay: as torch names them
 * @step: the step number being taken, 1 for the first (torch's state
 *        "step" after its increment)
 * @flags: TIER_ADAM_*; without TIER_ADAM_DECOUPLED, @weight_decay is an L2
 *         term added to the gradient (torch.optim.Adam)
 */
struct tier_adam_hparams {
	double lr;
	double beta1;
	double beta2;
	double eps;
	double weight_decay;
	uint64_t step;
	uint32_t flags;
	uint32_t __reserved;
};

/**
 * struct tier_adam_tensor - one parameter tensor and its state, all of
 * @n elements, fp32 unless said otherwise
 * @param: master weights, updated in place
 * @grad: gradients, read; TIER_DTYPE_F32 (float) or TIER_DTYPE_BF16
 *        (uint16_t, bfloat16 bits)
 * @exp_avg, @exp_avg_sq: the first and second moments, updated in place
 * @max_exp_avg_sq: with TIER_ADAM_AMSGRAD, updated in place; else NULL
 * @param_bf16: if not NULL, receives the updated weights rounded to
 *              bfloat16 (round to nearest even, as torch's .bfloat16())
 * @grad_dtype: TIER_DTYPE_*
 * @n: elements
 */
struct tier_adam_tensor {
	float *param;
	const void *grad;
	float *exp_avg;
	float *exp_avg_sq;
	float *max_exp_avg_sq;
	uint16_t *param_bf16;
	uint32_t grad_dtype;
	uint32_t __reserved;
	size_t n;
};

/* SIMD paths (tier_optim_opts.simd, tier_optim_simd()). */
#define TIER_SIMD_AUTO		0	/* the widest the CPU has */
#define TIER_SIMD_SCALAR	1
#define TIER_SIMD_AVX2		2
#define TIER_SIMD_AVX512	3

/**
 * struct tier_optim_opts - how tier_optim_create() sets up
 * @threads: worker threads, the caller's included; 0 for one per CPU the
 *           process may run on
 * @simd: TIER_SIMD_*; a path the CPU lacks is -ENOTSUP
 * @flags: 0
 */
struct tier_optim_opts {
	uint32_t threads;
	uint32_t simd;
	uint32_t flags;
	uint32_t __reserved;
};

struct tier_optim;

/**
 * tier_optim_create() - start a persistent set of worker threads
 * @out: the handle
 * @opts: NULL for the defaults
 *
 * Return: 0, -EINVAL (bad options), -ENOTSUP (SIMD path), -ENOMEM, -EAGAIN
 * (a thread could not be started).
 */
int tier_optim_create(struct tier_optim **out,
		      const struct tier_optim_opts *opts);

/* Stop the workers and free the handle.  NULL is a no-op. */
void tier_optim_destroy(struct tier_optim *opt);

/* Threads a step runs on (the caller's included). */
unsigned int tier_optim_threads(const struct tier_optim *opt);

/**
 * struct tier_optim_thread_info - where one of the step's threads runs
 * @cpu_node: the node whose CPUs the thread is pinned to (near placement:
 *            the process may run on the CPUs of two or more nodes), or -1
 *            when threads are not pinned (one CPU node: nothing to place)
 * @elems: elements the thread stepped in the last step (or streaming pass)
 * @near_elems: of those, the elements on memory whose nearest CPU node is
 *              @cpu_node (0 when not pinned)
 */
struct tier_optim_thread_info {
	int32_t cpu_node;
	uint32_t __reserved32;
	uint64_t elems;
	uint64_t near_elems;
	uint64_t __reserved[2];
};

/**
 * tier_optim_thread_info() - where thread @w of @opt runs, and what it did
 * @w: 0 to tier_optim_threads() - 1
 *
 * Return: 0, or -EINVAL for NULL or a thread @opt does not have.
 */
int tier_optim_thread_info(const struct tier_optim *opt, unsigned int w,
			   struct tier_optim_thread_info *info);

/* The SIMD path in use, TIER_SIMD_*, and its name ("avx512", ...). */
unsigned int tier_optim_simd(const struct tier_optim *opt);
const char *tier_optim_simd_name(unsigned int simd);

/**
 * struct tier_optim_range - where a part of one tensor's memory lies
 * @tensor: index into the step's tensor array
 * @node: the NUMA node holding elements [@start, @start + @count), or -1
 *        when unknown
 * @start, @count: elements
 *
 * Ranges of one step need not cover everything: what no range names is
 * treated as lying on an unknown node.  Ranges of one tensor must not
 * overlap.
 */
struct tier_optim_range {
	uint32_t tensor;
	int32_t node;
	size_t start;
	size_t count;
};

struct tier_buf;

/**
 * tier_optim_buf_ranges() - where a tensor in a buffer lies, by node
 * @buf: the buffer (libtier.h)
 * @tensor: the index the ranges name (struct tier_optim_range.tensor)
 * @offset: byte offset of the tensor's first element in @buf's mapping, a
 *          multiple of @elem_size
 * @elem_size: bytes per element (4 for fp32), dividing the buffer's page
 * @n: elements of the tensor
 * @out: the ranges, in order, consecutive units on one node merged
 * @cap: entries of @out
 *
 * From the buffer's policy and its unit layout (uapi/linux/cxltier_layout.h):
 * where each unit is placed, not asking the kernel page by page.  A unit
 * that spilled or was moved since is not seen (tier_buf_stat() is).
 *
 * Return: the number of ranges, which may be more than @cap (then only
 * @cap were written); -EINVAL for bad arguments; -ENOMEM.
 */
int tier_optim_buf_ranges(const struct tier_buf *buf, uint32_t tensor,
			  size_t offset, size_t elem_size, size_t n,
			  struct tier_optim_range *out, size_t cap);

struct tier_arena;

/**
 * tier_optim_arena_ranges() - tier_optim_buf_ranges() for a tensor that is
 * an allocation (or inside one) of a tier_arena
 * @arena, @ptr: the arena, and the tensor's first element in it
 *
 * The other arguments and the return value are tier_optim_buf_ranges()'s;
 * -ENOENT when @ptr is in no live allocation of @arena.  A small
 * allocation lies in a slab shared with others: its ranges are the slab's
 * layout over the tensor's bytes.
 */
int tier_optim_arena_ranges(struct tier_arena *arena, const void *ptr,
			    uint32_t tensor, size_t elem_size, size_t n,
			    struct tier_optim_range *out, size_t cap);

/**
 * tier_adam_step() - one Adam/AdamW step over @nr tensors
 * @opt: the workers
 * @hp: hyper-parameters
 * @t: the tensors
 * @nr: entries of @t
 * @ranges: where the tensors' elements lie, or NULL (one unknown node)
 * @nr_ranges: entries of @ranges
 *
 * The work is cut so that every thread streams its share of every node at
 * once and all threads finish together (doc/optimizer.md).  Element
 * results do not depend on the cut.
 *
 * Return: 0; -EINVAL for a bad argument (nothing is changed then).
 */
int tier_adam_step(struct tier_optim *opt, const struct tier_adam_hparams *hp,
		   const struct tier_adam_tensor *t, size_t nr,
		   const struct tier_optim_range *ranges, size_t nr_ranges);

/**
 * tier_optim_stream() - the step's memory traffic, without its arithmetic
 * @opt, @t, @nr, @ranges, @nr_ranges: as tier_adam_step() (fp32 gradients)
 *
 * Reads each tensor's weights, gradients and moments and writes weights
 * and moments (the values become meaningless), on the same threads and
 * the same cut as a step: the bound a step's speed is measured against
 * (tierctl bench adam).
 *
 * Return: 0, or -EINVAL.
 */
int tier_optim_stream(struct tier_optim *opt, const struct tier_adam_tensor *t,
		      size_t nr, const struct tier_optim_range *ranges,
		      size_t nr_ranges);

#ifdef __cplusplus
}
#endif

#endif /* TIER_OPTIM_H */
