/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The fused Adam loop's entry points, one per SIMD path (adam_kernel.c). */
#ifndef TIER_ADAM_KERNEL_H
#define TIER_ADAM_KERNEL_H

#include <stddef.h>
#include <stdint.h>

#include "tier_optim.h"

/* One step's constants, already in fp32 as torch converts them. */
struct adam_consts {
	float b1, c1, b2, c2;
	float wd;		/* L2 term (Adam) */
	float decay;		/* 1 - lr * wd (AdamW), else 1 */
	float eps;
	float bc2_sqrt;		/* sqrt(1 - b2^step), or 1 */
	float neg_step;		/* -lr / (1 - b1^step), or -lr */
	uint32_t sign_mask;	/* 0x80000000 to maximize, else 0 */
	int l2;
	int amsgrad;
};

typedef void adam_kernel_fn(const struct adam_consts *k,
			    const struct tier_adam_tensor *t,
			    size_t start, size_t end);

adam_kernel_fn tier_adam_kernel_scalar;
adam_kernel_fn tier_adam_kernel_avx2;
adam_kernel_fn tier_adam_kernel_avx512;
adam_kernel_fn tier_stream_kernel_scalar;
adam_kernel_fn tier_stream_kernel_avx2;
adam_kernel_fn tier_stream_kernel_avx512;

#endif /* TIER_ADAM_KERNEL_H */
