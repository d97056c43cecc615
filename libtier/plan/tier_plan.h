/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * libtier's planner: a cost model of a training step's memory traffic and
 * four strategies that place its tensor classes on a host's nodes, answered
 * as libtier policies (doc/cost-model.md has the formulas and figures).
 *
 * Part of libtier.so and libtier.a, declared apart from the placement core
 * (libtier.h, which this header includes): the core never uses it.
 *
 * This header compiles as C99 and as C++11.
 */
#ifndef LIBTIER_TIER_PLAN_H
#define LIBTIER_TIER_PLAN_H

#include "libtier.h"

#ifdef __cplusplus
extern "C" {
#endif

/*
 * The cost model predicts, for a training step of CPU-offloaded fine-tuning
 * (or any workload given as tensor classes), the CPU time of the optimizer
 * step, the GPU copy (DMA) time and their sum, for a placement of each
 * class's bytes over the host's nodes.  The planner chooses placements with
 * one of four strategies and returns them as libtier policies.  Nothing here
 * touches memory or the kernel: it is arithmetic on the tables below
 * (tier_model_host_from_ctx() only reads a context's topology snapshot and
 * its device-dax pools).
 *
 * Units: bytes; bandwidths in GB/s (10^9 bytes per second); times in
 * seconds.  All structs are plain data: zero them, or fill them with the
 * calls below, before use.
 */

#define TIER_MODEL_MAX_NODES	16
#define TIER_MODEL_MAX_CLASSES	16
#define TIER_CLASS_NAME_MAX	32

/* struct tier_model_node.flags */
#define TIER_MODEL_NODE_LOCAL		(1U << 0)	/* DRAM node with the CPUs */
#define TIER_MODEL_NODE_PINNABLE	(1U << 1)	/* may hold pinned pages */
#define TIER_MODEL_NODE_HOME		(1U << 2)	/* @home is known */

/* Most ranks (struct tier_workload.nr_ranks): one bit each in a node's @ranks */
#define TIER_MODEL_MAX_RANKS	32

/**
 * struct tier_model_node - one memory node as the cost model sees it
 * @node: NUMA node id (what policies name)
 * @tier: CXLTIER_TIER_DRAM or CXLTIER_TIER_CXL
 * @flags: TIER_MODEL_NODE_*.  LOCAL: the study's "local DRAM" (the greedy
 *         baseline uses the first LOCAL node only).  PINNABLE: pages there
 *         may be pinned for DMA (not movable-only); cxltier's planner keeps
 *         pinned classes on such nodes.  HOME: @home is set
 * @home: the node with CPUs nearest to this one (its socket), by SLIT
 *        distance; with TIER_MODEL_NODE_HOME only
 * @capacity: bytes a placement may use on the node
 * @cpu_read_gbps: CPU streaming read bandwidth, all cores together
 * @cpu_write_gbps: CPU streaming write bandwidth, all cores together
 * @dma_h2d_gbps: the node's ceiling for GPU reads (host-to-device copies),
 *                all GPUs together
 * @dma_d2h_gbps: the node's ceiling for GPU writes (device-to-host copies)
 * @latency_ns: idle load latency; orders tiers, not part of any time
 * @optim_gbps: the optimizer step's effective GB/s with its tensors on this
 *              node, one process on all the cores (bytes read and written
 *              per element over the step's time: tierctl bench adam).
 *              When above 0 the model times the CPU traffic on this node
 *              with it instead of @cpu_read_gbps and @cpu_write_gbps
 * @optim_2p_gbps: the same, per process, with two processes stepping at
 *                 once on this node (half the cores each); 0: not measured
 *                 (a second process is assumed to add nothing)
 * @ranks: the ranks (struct tier_workload.nr_ranks) that place on this
 *         node, bit r for rank r; 0: every rank (tier_model_map_ranks())
 */
struct tier_model_node {
	uint32_t node;
	uint32_t tier;
	uint32_t flags;
	uint32_t home;
	uint64_t capacity;
	double cpu_read_gbps;
	double cpu_write_gbps;
	double dma_h2d_gbps;
	double dma_d2h_gbps;
	double latency_ns;
	double optim_gbps;
	double optim_2p_gbps;
	uint32_t ranks;
	uint32_t __reserved32;
};

/**
 * struct tier_model_host - the host's tiers and the model's host constants
 * @nr_nodes: used entries of @nodes
 * @link_h2d_gbps: one GPU's PCIe link, host-to-device
 * @link_d2h_gbps: one GPU's PCIe link, device-to-host
 * @llc_bytes: last-level cache capacity the optimizer's tensors can use
 * @llc_gbps: CPU bandwidth on data held in the LLC
 * @llc_miss_floor: fraction of CPU traffic that misses the LLC even when
 *                  the working set fits
 * @step_overhead_s: fixed CPU cost of one optimizer step
 * @gpu_tflops: sustained compute of one GPU in TFLOP/s; 0: GPU compute is
 *              not modelled (the GPU phase is its copies only)
 * @cpu_max_gbps: most CPU memory traffic the cores can drive, all nodes
 *                together; 0: not known, and then the model assumes the
 *                cores drive no more than on the single fastest node (a
 *                placement over several nodes is never predicted faster
 *                than the same step all on the fastest one)
 * @nodes: the nodes, any order
 *
 * tier_model_host_init() fills the "study host" constants (derived from the
 * study's figures, see doc/cost-model.md) and no node.
 */
struct tier_model_host {
	uint32_t nr_nodes;
	uint32_t __reserved32;
	double link_h2d_gbps;
	double link_d2h_gbps;
	double llc_bytes;
	double llc_gbps;
	double llc_miss_floor;
	double step_overhead_s;
	double gpu_tflops;
	double cpu_max_gbps;
	double __reserved[3];
	struct tier_model_node nodes[TIER_MODEL_MAX_NODES];
};

/* struct tier_class.flags */
#define TIER_CLASS_PINNED	(1U << 0)	/* copied by DMA from pinned pages */

/**
 * struct tier_class - a set of buffers with one access pattern
 * @name: NUL-terminated name
 * @bytes: size
 * @cpu_read: bytes the CPU reads from it per step
 * @cpu_write: bytes the CPU writes to it per step
 * @h2d: bytes copied from it to GPUs per step, all GPUs together
 * @d2h: bytes copied from GPUs into it per step, all GPUs together
 * @flags: TIER_CLASS_*.  Copies of a class that is not PINNED are staged
 *         by the CPU: its nodes serve them at CPU bandwidth, not DMA's
 */
struct tier_class {
	char name[TIER_CLASS_NAME_MAX];
	uint64_t bytes;
	uint64_t cpu_read;
	uint64_t cpu_write;
	uint64_t h2d;
	uint64_t d2h;
	uint32_t flags;
	uint32_t __reserved32;
	uint64_t __reserved[2];
};

/**
 * struct tier_workload - what one training step does to host memory
 * @nr_classes: used entries of @classes
 * @nr_gpus: GPUs copying at once (each has its own link), at least 1
 * @gpu_flops: GPU work per step, all GPUs together (with gpu_tflops)
 * @nr_ranks: training processes on the host, each with @nr_gpus GPUs and
 *            its own copy of every class, stepping at once; 0 is 1, at
 *            most TIER_MODEL_MAX_RANKS.  A node is shared by the ranks its
 *            @ranks mask names (all of them when 0): the model charges it
 *            their traffic together and gives each capacity / their number
 * @rank: the rank tier_plan() and tier_model_eval() place and time (below
 *        @nr_ranks): the nodes whose @ranks mask lacks it are not its own
 * @classes: the classes; the greedy baseline walks them in this order
 */
struct tier_workload {
	uint32_t nr_classes;
	uint32_t nr_gpus;
	double gpu_flops;
	uint32_t nr_ranks;
	uint32_t rank;
	double __reserved[1];
	struct tier_class classes[TIER_MODEL_MAX_CLASSES];
};

/* struct tier_llm.optimizer */
#define TIER_OPT_ADAM	0	/* m and v, fp32 */
#define TIER_OPT_LION	1	/* m only, fp32 */

/**
 * struct tier_llm - full fine-tuning of a transformer, ZeRO-offload style
 * @name: model name or NULL (tier_llm_lookup() sets it)
 * @params: parameters (P)
 * @layers: layers (L)
 * @hidden: hidden size (H)
 * @batch: micro-batch per GPU (B)
 * @seq: sequence length (S)
 * @grad_accum: micro-steps per optimizer step (A), at least 1
 * @nr_gpus: GPUs, at least 1
 * @optimizer: TIER_OPT_*
 */
struct tier_llm {
	const char *name;
	uint64_t params;
	uint32_t layers;
	uint32_t hidden;
	uint32_t batch;
	uint32_t seq;
	uint32_t grad_accum;
	uint32_t nr_gpus;
	uint32_t optimizer;
	uint32_t __reserved32;
};

/**
 * tier_llm_lookup() - a named model's P, L and H
 * @name: "qwen2.5-7b", "mistral-nemo-12b" (tier_llm_model() lists them)
 * @m: out: zeroed, then name, params, layers, hidden; batch, seq,
 *     grad_accum and nr_gpus 1, optimizer Adam (set seq before use)
 * Return: 0; -EINVAL for NULL; -ENOENT for an unknown name.
 */
int tier_llm_lookup(const char *name, struct tier_llm *m);

/**
 * tier_llm_model() - the @idx-th known model, as tier_llm_lookup() fills it
 * Return: 0; -EINVAL for NULL; -ERANGE past the last one.
 */
int tier_llm_model(int idx, struct tier_llm *m);

/**
 * tier_workload_llm() - the seven host tensor classes of a training step
 *
 * In the study's priority order: adam-m, adam-v (Lion: lion-m only),
 * master-grads, master-weights, compute-weights, activations,
 * compute-grads; sizes and per-step traffic as doc/cost-model.md derives
 * them from P, L, H, B, S, A and the number of GPUs.
 * Return: 0; -EINVAL for NULL, a zero field, an unknown optimizer;
 * -EOVERFLOW when a size does not fit 64 bits.
 */
int tier_workload_llm(const struct tier_llm *m, struct tier_workload *w);

/**
 * tier_model_host_init() - no node, the study host's constants
 * Return: 0 or -EINVAL for NULL.
 */
int tier_model_host_init(struct tier_model_host *h);

/**
 * tier_model_host_add() - add a node with the study host's figures for @tier
 * @h: host
 * @node: NUMA node id
 * @tier: CXLTIER_TIER_DRAM (the study's local DRAM) or CXLTIER_TIER_CXL
 *        (one CXL add-in card)
 * @capacity: bytes
 * @flags: TIER_MODEL_NODE_*
 * Return: the new node's index; -EINVAL for NULL, an unknown tier or flag;
 * -EEXIST when @node is there already; -E2BIG when @h is full.
 */
int tier_model_host_add(struct tier_model_host *h, uint32_t node, uint32_t tier,
			uint64_t capacity, uint32_t flags);

/**
 * tier_model_host_from_ctx() - the live topology with the study's figures
 *
 * tier_model_host_init(), then one node per topology node: its tier's
 * figures, capacity its free bytes, LOCAL when it has CPUs and is DRAM,
 * PINNABLE unless it is movable-only (a CXL node in ZONE_NORMAL is
 * pinnable).  Then, on the module backend, one CXL node per device-dax
 * pool, named by the pool's target node (what a policy names), capacity
 * its free bytes, PINNABLE: pool pages are pinned in place.
 * Return: 0; -EINVAL for NULL; -E2BIG for more than TIER_MODEL_MAX_NODES;
 * the pool list's errors.
 */
int tier_model_host_from_ctx(struct tier_ctx *ctx, struct tier_model_host *h);

/* tier_model_map_ranks()'s answer: how the CXL nodes were shared out */
#define TIER_RANKS_SHARED	0	/* one rank, or no CXL node: all share */
#define TIER_RANKS_LOCAL	1	/* by socket: each rank its GPU's */
#define TIER_RANKS_ROUND_ROBIN	2	/* locality unknown: in turn */

/**
 * tier_model_map_ranks() - give each rank its CXL nodes
 * @h: host; sets the @ranks mask of every node that is not DRAM (DRAM
 *     nodes are shared by every rank: mask 0)
 * @nr_ranks: 1 to TIER_MODEL_MAX_RANKS
 * @rank_home: NULL, or per rank the node with CPUs nearest its GPU (the
 *             GPU's socket), -1 when not known
 *
 * Ranks and nodes are paired "in turn": with no more ranks than nodes,
 * node j goes to rank j mod ranks (each rank has nodes of its own); with
 * more, rank i goes to node i mod nodes (each node serves the ranks that
 * fall on it).  With every rank's home and every CXL node's home known
 * (HOME flag), each socket's ranks are paired with its CXL nodes; then
 * the CXL nodes of sockets without ranks with the ranks of sockets without
 * CXL nodes, or when only one kind is left over, with all ranks or all CXL
 * nodes.  Without that knowledge all ranks are paired with all CXL nodes,
 * in node order.  Every rank has a CXL node when the host has one.
 * Return: TIER_RANKS_*; -EINVAL for NULL @h or @nr_ranks out of range.
 */
int tier_model_map_ranks(struct tier_model_host *h, uint32_t nr_ranks,
			 const int32_t *rank_home);

/**
 * struct tier_placement - where each class's bytes are
 * @bytes: [class][host node index] bytes
 * @policy: [class] the policy that gives that placement
 *
 * tier_placement_policy() sets a class's row from a policy; the planner
 * fills every row.  Rows set by hand need only @bytes.
 */
struct tier_placement {
	uint64_t bytes[TIER_MODEL_MAX_CLASSES][TIER_MODEL_MAX_NODES];
	struct tier_policy policy[TIER_MODEL_MAX_CLASSES];
};

/**
 * tier_placement_policy() - place class @cls by @p: its bytes per node
 *
 * Exactly as the module lays out a buffer of the class's size (units of
 * the policy's page size; bind and interleave round-robin, weighted by
 * its weights, split in contiguous shares); preferred puts everything on
 * its first node.
 * Return: 0; -EINVAL for NULL, @cls out of range, more nodes than
 * TIER_MODEL_MAX_NODES, a policy tier_policy_format() refuses; -ENODEV for
 * a node not in @h.
 */
int tier_placement_policy(const struct tier_model_host *h,
			  const struct tier_workload *w,
			  struct tier_placement *pl, unsigned int cls,
			  const struct tier_policy *p);

/**
 * struct tier_model_class_result - one class
 * @cpu_s: CPU time of its own traffic (as if alone on the host)
 * @h2d_gbps: per GPU, its host-to-device copies alone; 0 without any
 * @d2h_gbps: per GPU, its device-to-host copies alone; 0 without any
 */
struct tier_model_class_result {
	double cpu_s;
	double h2d_gbps;
	double d2h_gbps;
	double __reserved;
};

/**
 * struct tier_model_result - the prediction for a placement
 * @step_s: @gpu_s + @cpu_s
 * @cpu_s: the CPU phase: the optimizer step (with the gradient and weight
 *         conversions), all classes' CPU traffic
 * @gpu_s: the GPU phase: max(@dma_s, @compute_s)
 * @dma_s: all copies of the step, both directions at once
 * @compute_s: GPU compute (0 when gpu_tflops is 0)
 * @llc_hit: fraction of CPU traffic served by the LLC
 * @over_capacity: bit i: node index i holds more than its capacity
 * @node_bytes: bytes per node index, all classes
 * @classes: per class
 */
struct tier_model_result {
	double step_s;
	double cpu_s;
	double gpu_s;
	double dma_s;
	double compute_s;
	double llc_hit;
	uint32_t over_capacity;
	uint32_t __reserved32;
	uint64_t node_bytes[TIER_MODEL_MAX_NODES];
	struct tier_model_class_result classes[TIER_MODEL_MAX_CLASSES];
};

/**
 * tier_model_eval() - predict a placement's step (doc/cost-model.md)
 *
 * A class whose bytes per node do not add up to its size is refused.
 * Return: 0; -EINVAL for NULL, an empty host, nr_gpus 0, a non-positive
 * bandwidth, bytes on a node that does not add up to the class's size.
 */
int tier_model_eval(const struct tier_model_host *h,
		    const struct tier_workload *w,
		    const struct tier_placement *pl,
		    struct tier_model_result *r);

/* tier_plan() strategies */
#define TIER_PLAN_DRAM_ONLY	0	/* everything on DRAM, when it fits */
#define TIER_PLAN_INTERLEAVE	1	/* every class page-interleaved over all nodes */
#define TIER_PLAN_GREEDY	2	/* the study's latency-first greedy */
#define TIER_PLAN_CXLTIER	3	/* cost-based: the model's optimum */
#define TIER_PLAN_NR		4

/**
 * tier_plan() - place every class of @w on @h by @strategy
 *
 * Policies and bytes per node in @pl.  DRAM_ONLY fills the LOCAL node,
 * then the other DRAM nodes.  INTERLEAVE and GREEDY use page interleave
 * as Linux does it: equal shares, a full node's share going to the others
 * (their policies carry "fallback").  GREEDY is the study's algorithm:
 * classes in @w's order; one that fits the LOCAL node's remaining budget
 * goes there, one that partly fits is interleaved over it and every CXL
 * node (an equal share each) after booking min(remaining budget, its
 * size / (1 + CXL nodes)) against the budget; the rest over the CXL
 * nodes.  CXLTIER solves the cost model's linear program (exact fractions
 * per class and node, pinned classes on PINNABLE nodes) and writes split
 * policies for classes only the CPU touches and weighted ones for copied
 * classes.
 * Pinned classes (TIER_CLASS_PINNED) get CXLTIER_CREATE_PINNABLE in every
 * strategy's policies: their pages are pinned for DMA.
 * Return: 0; -EINVAL for NULL, an unknown strategy, a host or workload
 * tier_model_eval() refuses; -ENOSPC when the classes do not fit
 * (DRAM_ONLY: in DRAM; GREEDY: its budgets); -ENODEV when the strategy
 * needs a kind of node the host lacks; -EXDEV when the strategy put a
 * pinned class on a node that is not PINNABLE: it cannot be built (the
 * module refuses pinnable buffers there), and @pl is left as placed, to
 * show which class and node.
 */
int tier_plan(const struct tier_model_host *h, const struct tier_workload *w,
	      int strategy, struct tier_placement *pl);

/**
 * tier_plan_name() - "dram-only", "interleave", "greedy", "cxltier"; NULL
 * for an unknown strategy
 */
const char *tier_plan_name(int strategy);

#ifdef __cplusplus
}
#endif

#endif /* LIBTIER_TIER_PLAN_H */
