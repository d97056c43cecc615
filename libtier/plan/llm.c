// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * The model catalogue (the LLMs the study fine-tuned) and the workload of
 * one training step of a model: its tensor classes, their bytes and their
 * traffic (doc/cost-model.md, "Workloads").
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "model.h"

static const struct tier_llm llms[] = {
	/* P, L and H as the study gives them (doc/cost-model.md, "The study") */
	{ .name = "qwen2.5-7b", .params = 7615616512ULL, .layers = 28,
	  .hidden = 3584 },
	{ .name = "mistral-nemo-12b", .params = 12247782400ULL, .layers = 40,
	  .hidden = 5120 },
};

#define NR_LLMS	(int)(sizeof(llms) / sizeof(llms[0]))

TIER_EXPORT int tier_llm_model(int idx, struct tier_llm *m)
{
	if (!m)
		return -EINVAL;
	if (idx < 0 || idx >= NR_LLMS)
		return -ERANGE;
	*m = llms[idx];
	m->batch = m->seq = m->grad_accum = m->nr_gpus = 1;
	m->optimizer = TIER_OPT_ADAM;
	return 0;
}

TIER_EXPORT int tier_llm_lookup(const char *name, struct tier_llm *m)
{
	int i;

	if (!name || !m)
		return -EINVAL;
	for (i = 0; i < NR_LLMS; i++)
		if (!strcmp(llms[i].name, name))
			return tier_llm_model(i, m);
	return -ENOENT;
}

static int mul_ok(uint64_t a, uint64_t b, uint64_t *out)
{
	return __builtin_mul_overflow(a, b, out) ? -EOVERFLOW : 0;
}

static int add_class(struct tier_workload *w, const char *name, uint64_t bytes,
		     uint64_t rd, uint64_t wr, uint64_t h2d, uint64_t d2h,
		     uint32_t flags)
{
	struct tier_class *c = &w->classes[w->nr_classes++];

	memset(c, 0, sizeof(*c));
	snprintf(c->name, sizeof(c->name), "%s", name);
	c->bytes = bytes;
	c->cpu_read = rd;
	c->cpu_write = wr;
	c->h2d = h2d;
	c->d2h = d2h;
	c->flags = flags;
	return 0;
}

/*
 * doc/cost-model.md, "Workloads": per step (A micro-steps, G GPUs):
 *   m, v, master weights   4P bytes; CPU reads 4P, writes 4P
 *   master grads           4P; CPU writes 4PA (filled from bf16 grads,
 *                          accumulated) and reads 4PA
 *   compute weights        2P; CPU writes 2P; copied to the GPUs twice per
 *                          micro-step (forward, backward): 4PA in all
 *   compute grads          2P; copied from the GPUs once per micro-step
 *                          (2PA), read by the CPU as often
 *   activations            2BSHL per GPU; written by each GPU in forward and
 *                          read back in backward: 2BSHLGA each way
 */
TIER_EXPORT int tier_workload_llm(const struct tier_llm *m, struct tier_workload *w)
{
	uint64_t p2, p4, p4a, p2a, act, act_a, t;
	int err = 0;

	if (!m || !w || !m->params || !m->layers || !m->hidden || !m->batch ||
	    !m->seq || !m->grad_accum || !m->nr_gpus ||
	    (m->optimizer != TIER_OPT_ADAM && m->optimizer != TIER_OPT_LION))
		return -EINVAL;
	memset(w, 0, sizeof(*w));
	err |= mul_ok(m->params, 2, &p2);
	err |= mul_ok(m->params, 4, &p4);
	err |= mul_ok(p4, m->grad_accum, &p4a);
	err |= mul_ok(p2, m->grad_accum, &p2a);
	err |= mul_ok(2ULL * m->batch, m->seq, &act);
	err |= mul_ok(act, m->hidden, &act);
	err |= mul_ok(act, m->layers, &act);
	err |= mul_ok(act, m->nr_gpus, &act);
	err |= mul_ok(act, m->grad_accum, &act_a);
	err |= mul_ok(p2a, 2, &t);
	if (err)
		return -EOVERFLOW;

	w->nr_gpus = m->nr_gpus;
	if (m->optimizer == TIER_OPT_ADAM) {
		add_class(w, "adam-m", p4, p4, p4, 0, 0, 0);
		add_class(w, "adam-v", p4, p4, p4, 0, 0, 0);
	} else {
		add_class(w, "lion-m", p4, p4, p4, 0, 0, 0);
	}
	add_class(w, "master-grads", p4, p4a, p4a, 0, 0, 0);
	add_class(w, "master-weights", p4, p4, p4, 0, 0, 0);
	add_class(w, "compute-weights", p2, 0, p2, 2 * p2a, 0, TIER_CLASS_PINNED);
	add_class(w, "activations", act, 0, 0, act_a, act_a, TIER_CLASS_PINNED);
	add_class(w, "compute-grads", p2, p2a, 0, 0, p2a, TIER_CLASS_PINNED);

	/*
	 * GPU work: 8 flops per parameter and token (forward, recomputed
	 * forward, backward), plus causal attention, 8BS^2HL per sequence.
	 */
	w->gpu_flops = (double)m->nr_gpus * m->grad_accum * m->batch *
		((double)m->seq * 8.0 * (double)m->params +
		 8.0 * (double)m->seq * m->seq * m->hidden * m->layers / 2.0);
	return 0;
}
