// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * The fused Adam/AdamW loop.  This file is compiled once per SIMD path
 * (scalar, AVX2, AVX-512: see libtier/Makefile), each time with its own
 * ADAM_KERNEL name and target flags, and the compiler vectorises the loops.
 * Every path runs the same IEEE operations in the same order, with
 * contraction into FMA turned off (-ffp-contract=off) and sqrt and division
 * correctly rounded in every width, so every path gives the same bits.
 *
 * The order of operations is torch's single-tensor AdamW/Adam
 * (doc/optimizer.md), each operation rounded to fp32:
 *   g  = maximize ? -grad : grad
 *   g  = g + wd * p                          (Adam, L2; only if wd != 0)
 *   p  = p * decay                           (AdamW; decay = 1 - lr * wd)
 *   m  = m * b1 + c1 * g                     (c1 = 1 - b1)
 *   v  = v * b2 + (c2 * g) * g               (c2 = 1 - b2)
 *   vm = max(vm, v), NaN if either is NaN    (amsgrad; then used for v)
 *   d  = sqrt(v) / bc2_sqrt + eps
 *   p  = p + (neg_step * m) / d              (neg_step = -lr / bc1)
 */
#include <stdint.h>
#include <string.h>

#include "adam_kernel.h"

#if !defined(ADAM_KERNEL) || !defined(STREAM_KERNEL)
#error "ADAM_KERNEL and STREAM_KERNEL name this path's entry points"
#endif

static inline float bf16_to_f32(uint16_t h)
{
	uint32_t u = (uint32_t)h << 16;
	float f;

	memcpy(&f, &u, sizeof(f));
	return f;
}

/* Round to nearest even; every NaN becomes 0x7fc0 (c10::BFloat16). */
static inline uint16_t f32_to_bf16(float f)
{
	uint32_t u;

	memcpy(&u, &f, sizeof(u));
	if (f != f)
		return 0x7fc0;
	u += 0x7fff + ((u >> 16) & 1);
	return (uint16_t)(u >> 16);
}

static inline float flip_sign(float f, uint32_t mask)
{
	uint32_t u;

	memcpy(&u, &f, sizeof(u));
	u ^= mask;
	memcpy(&f, &u, sizeof(f));
	return f;
}

/* torch.maximum: NaN when either is NaN, else the larger. */
static inline float max_nan(float a, float b)
{
	if (a != a || b != b)
		return a + b;
	return a > b ? a : b;
}

/*
 * One loop, specialised by the compiler for each combination of the
 * constant arguments below (they are literals at every call site).
 */
static inline __attribute__((always_inline)) void
adam_loop(const struct adam_consts *k, const struct tier_adam_tensor *t,
	  size_t s, size_t e, const int grad_bf16, const int ams,
	  const int out_bf16, const int l2)
{
	float *restrict p = t->param;
	const float *restrict g32 = t->grad;
	const uint16_t *restrict g16 = t->grad;
	float *restrict m = t->exp_avg;
	float *restrict v = t->exp_avg_sq;
	float *restrict vmax = t->max_exp_avg_sq;
	uint16_t *restrict o16 = t->param_bf16;
	const float b1 = k->b1, c1 = k->c1, b2 = k->b2, c2 = k->c2;
	const float wd = k->wd, decay = k->decay, eps = k->eps;
	const float bc2_sqrt = k->bc2_sqrt, neg_step = k->neg_step;
	const uint32_t sign = k->sign_mask;
	size_t i;

	for (i = s; i < e; i++) {
		float g = grad_bf16 ? bf16_to_f32(g16[i]) : g32[i];
		float pi = p[i], mi, vi, d;

		g = flip_sign(g, sign);
		if (l2)
			g = g + wd * pi;
		pi = pi * decay;
		mi = m[i] * b1 + c1 * g;
		vi = v[i] * b2 + (c2 * g) * g;
		m[i] = mi;
		v[i] = vi;
		if (ams) {
			vi = max_nan(vmax[i], vi);
			vmax[i] = vi;
		}
		d = __builtin_sqrtf(vi) / bc2_sqrt + eps;
		pi = pi + (neg_step * mi) / d;
		p[i] = pi;
		if (out_bf16)
			o16[i] = f32_to_bf16(pi);
	}
}

#define LOOP(gb, am, ob, l2) adam_loop(k, t, s, e, gb, am, ob, l2)
#define LOOP_L2(gb, am, ob) (k->l2 ? LOOP(gb, am, ob, 1) : LOOP(gb, am, ob, 0))
#define LOOP_OUT(gb, am) (t->param_bf16 ? LOOP_L2(gb, am, 1) : LOOP_L2(gb, am, 0))
#define LOOP_AMS(gb) (k->amsgrad ? LOOP_OUT(gb, 1) : LOOP_OUT(gb, 0))

void ADAM_KERNEL(const struct adam_consts *k, const struct tier_adam_tensor *t,
		 size_t s, size_t e)
{
	if (t->grad_dtype == TIER_DTYPE_BF16)
		LOOP_AMS(1);
	else
		LOOP_AMS(0);
}

/*
 * The step's memory traffic with no arithmetic to speak of: read weights,
 * gradients (fp32) and both moments, write weights and moments.  The bound
 * tierctl bench adam measures the step against, on the same threads and
 * cut (tier_optim_stream()).
 */
void STREAM_KERNEL(const struct adam_consts *k, const struct tier_adam_tensor *t,
		   size_t s, size_t e)
{
	float *restrict p = t->param;
	const float *restrict g = t->grad;
	float *restrict m = t->exp_avg;
	float *restrict v = t->exp_avg_sq;
	size_t i;

	(void)k;
	for (i = s; i < e; i++) {
		float a = p[i], b = g[i];

		p[i] = a + b;
		m[i] = m[i] + b;
		v[i] = v[i] + a;
	}
}
