// SPDX-License-Identifier: GPL-2.0-only
/*
 * The input of tierctl plan and model: their options, the workload (a
 * named or described model, or a class file) and the host (described on
 * the command line, or the live topology, with the study host's figures
 * per tier, changed from a tier file).
 */
#include <dirent.h>
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "plan.h"
#include "util.h"

enum {
	OPT_MODEL = 256, OPT_PARAMS, OPT_LAYERS, OPT_HIDDEN, OPT_BATCH, OPT_SEQ,
	OPT_OPTIMIZER, OPT_ACCUM, OPT_GPUS, OPT_CLASSES, OPT_DRAM, OPT_CXL,
	OPT_CXL_NODES, OPT_CXL_MOVABLE, OPT_TIERS, OPT_TFLOPS, OPT_CPU_MAX,
	OPT_STRATEGY, OPT_PLACE, OPT_JSON, OPT_RANKS, OPT_GPU_NODES, OPT_RANK,
};

const struct option plan_opts[] = {
	{ "model", required_argument, NULL, OPT_MODEL },
	{ "params", required_argument, NULL, OPT_PARAMS },
	{ "layers", required_argument, NULL, OPT_LAYERS },
	{ "hidden", required_argument, NULL, OPT_HIDDEN },
	{ "batch", required_argument, NULL, OPT_BATCH },
	{ "seq", required_argument, NULL, OPT_SEQ },
	{ "optimizer", required_argument, NULL, OPT_OPTIMIZER },
	{ "grad-accum", required_argument, NULL, OPT_ACCUM },
	{ "gpus", required_argument, NULL, OPT_GPUS },
	{ "ranks", required_argument, NULL, OPT_RANKS },
	{ "gpu-nodes", required_argument, NULL, OPT_GPU_NODES },
	{ "rank", required_argument, NULL, OPT_RANK },
	{ "classes", required_argument, NULL, OPT_CLASSES },
	{ "dram", required_argument, NULL, OPT_DRAM },
	{ "cxl", required_argument, NULL, OPT_CXL },
	{ "cxl-nodes", required_argument, NULL, OPT_CXL_NODES },
	{ "cxl-movable", no_argument, NULL, OPT_CXL_MOVABLE },
	{ "tiers", required_argument, NULL, OPT_TIERS },
	{ "gpu-tflops", required_argument, NULL, OPT_TFLOPS },
	{ "cpu-max", required_argument, NULL, OPT_CPU_MAX },
	{ "strategy", required_argument, NULL, OPT_STRATEGY },
	{ "place", required_argument, NULL, OPT_PLACE },
	{ "json", no_argument, NULL, OPT_JSON },
	TC_OPTS_END,
};

static int parse_u32(const struct tc_cmd *cmd, const char *opt, const char *s,
		     uint64_t max, uint32_t *out)
{
	uint64_t v;
	int err = parse_uint(s, max, &v);

	if (err || !v) {
		tc_errorf(cmd, "%s %s: %s", opt, s,
			  err == -ERANGE ? "too large" :
			  "not a whole number above 0");
		return -1;
	}
	*out = (uint32_t)v;
	return 0;
}

static int get_workload(const struct tc_cmd *cmd, const struct plan_args *a,
			struct plan_input *in)
{
	struct tier_llm *m = &in->llm;
	bool described = a->params || a->layers || a->hidden;
	int err, i;

	if (!!a->model + !!described + !!a->classes != 1) {
		tc_errorf(cmd, "give one workload: --model NAME, --params/--layers/--hidden, or --classes FILE");
		return -1;
	}
	if (a->classes) {
		if (a->batch || a->seq || a->optimizer || a->accum) {
			tc_errorf(cmd, "--classes %s: --batch, --seq, --optimizer and --grad-accum describe a model, not a class file",
				  a->classes);
			return -1;
		}
		memset(&in->w, 0, sizeof(in->w));
		in->w.nr_gpus = 1;
		if (read_class_file(cmd, a->classes, in))
			return -1;
		if (!in->w.nr_classes) {
			tc_errorf(cmd, "--classes %s: no class", a->classes);
			return -1;
		}
		if (a->gpus && parse_u32(cmd, "--gpus", a->gpus, 1024, &in->w.nr_gpus))
			return -1;
		return 0;
	}
	in->is_llm = true;
	if (a->model) {
		err = tier_llm_lookup(a->model, m);
		if (err) {
			char known[256] = "";
			struct tier_llm k;

			for (i = 0; !tier_llm_model(i, &k); i++)
				snprintf(known + strlen(known), sizeof(known) - strlen(known),
					 "%s%s", i ? ", " : "", k.name);
			tc_errorf(cmd, "--model %s: unknown model (known: %s; or describe it with --params, --layers, --hidden)",
				  a->model, known);
			return -1;
		}
	} else {
		if (!a->params || !a->layers || !a->hidden) {
			tc_errorf(cmd, "a described model needs --params, --layers and --hidden");
			return -1;
		}
		memset(m, 0, sizeof(*m));
		if (tier_size_parse(a->params, &m->params) || !m->params) {
			tc_errorf(cmd, "--params %s: not a parameter count (e.g. 7615616512, 7.5G)",
				  a->params);
			return -1;
		}
		if (parse_u32(cmd, "--layers", a->layers, 100000, &m->layers) ||
		    parse_u32(cmd, "--hidden", a->hidden, 10000000, &m->hidden))
			return -1;
		m->batch = m->seq = m->grad_accum = m->nr_gpus = 1;
	}
	m->seq = 4096;
	if (a->batch && parse_u32(cmd, "--batch", a->batch, 1 << 20, &m->batch))
		return -1;
	if (a->seq && parse_u32(cmd, "--seq", a->seq, 1 << 30, &m->seq))
		return -1;
	if (a->accum && parse_u32(cmd, "--grad-accum", a->accum, 1 << 20, &m->grad_accum))
		return -1;
	if (a->gpus && parse_u32(cmd, "--gpus", a->gpus, 1024, &m->nr_gpus))
		return -1;
	if (a->optimizer) {
		if (!strcmp(a->optimizer, "adam")) {
			m->optimizer = TIER_OPT_ADAM;
		} else if (!strcmp(a->optimizer, "lion")) {
			m->optimizer = TIER_OPT_LION;
		} else {
			tc_errorf(cmd, "--optimizer %s: unknown (adam, lion)", a->optimizer);
			return -1;
		}
	}
	err = tier_workload_llm(m, &in->w);
	if (err) {
		tc_error(cmd, "describe the workload", err);
		return -1;
	}
	return 0;
}

static int get_host(const struct tc_cmd *cmd, const struct plan_args *a,
		    struct plan_input *in)
{
	struct tier_model_host *h = &in->host;
	char s1[SIZE_STRLEN], s2[SIZE_STRLEN];
	double d;
	int err;

	if (a->dram) {
		uint64_t dram, cxl = 0, n = 0, i, each;

		if (tier_size_parse(a->dram, &dram) || !dram) {
			tc_errorf(cmd, "--dram %s: not a size above 0 (e.g. 100G)", a->dram);
			return -1;
		}
		if (a->cxl && tier_size_parse(a->cxl, &cxl)) {
			tc_errorf(cmd, "--cxl %s: not a size (e.g. 256G)", a->cxl);
			return -1;
		}
		if (a->cxl_nodes) {
			err = parse_uint(a->cxl_nodes, TIER_MODEL_MAX_NODES - 1, &n);
			if (err || (!n && cxl)) {
				tc_errorf(cmd, "--cxl-nodes %s: not a number from %d to %d",
					  a->cxl_nodes, cxl ? 1 : 0,
					  TIER_MODEL_MAX_NODES - 1);
				return -1;
			}
		} else {
			n = cxl ? 1 : 0;
		}
		if (n && !cxl) {
			tc_errorf(cmd, "--cxl-nodes %s needs --cxl SIZE", a->cxl_nodes);
			return -1;
		}
		tier_model_host_init(h);
		tier_model_host_add(h, 0, CXLTIER_TIER_DRAM, dram,
				    TIER_MODEL_NODE_LOCAL | TIER_MODEL_NODE_PINNABLE);
		each = n ? cxl / n : 0;
		for (i = 1; i <= n; i++)
			tier_model_host_add(h, (uint32_t)i, CXLTIER_TIER_CXL,
					    i == n ? cxl - each * (n - 1) : each,
					    a->cxl_movable ? 0 : TIER_MODEL_NODE_PINNABLE);
		snprintf(in->host_source, sizeof(in->host_source),
			 "described: DRAM %s on node 0, CXL %s on %llu node%s%s",
			 format_size(dram, s1, sizeof(s1)),
			 format_size(cxl, s2, sizeof(s2)), (unsigned long long)n,
			 n == 1 ? "" : "s", a->cxl_movable ? " (movable)" : "");
	} else {
		struct tier_ctx *ctx;

		if (a->cxl || a->cxl_nodes || a->cxl_movable) {
			tc_errorf(cmd, "--cxl, --cxl-nodes and --cxl-movable describe a host with --dram");
			return -1;
		}
		if (tc_open(cmd, &ctx))
			return -1;
		err = tier_model_host_from_ctx(ctx, h);
		snprintf(in->host_source, sizeof(in->host_source),
			 "this host's topology (%s backend), free memory", tier_backend_name(ctx));
		tier_close(ctx);
		if (err == -E2BIG) {
			tc_errorf(cmd, "read the topology: more than %d nodes: describe the host with --dram and --cxl",
				  TIER_MODEL_MAX_NODES);
			return -1;
		}
		if (err) {
			tc_error(cmd, "read the topology", err);
			return -1;
		}
	}
	if (a->tiers) {
		if (read_tier_file(cmd, a->tiers, h))
			return -1;
		snprintf(in->host_source + strlen(in->host_source),
			 sizeof(in->host_source) - strlen(in->host_source),
			 "; tiers from %s", a->tiers);
	}
	if (a->tflops) {
		if (parse_num(a->tflops, &d, true)) {
			tc_errorf(cmd, "--gpu-tflops %s: not a number of at least 0", a->tflops);
			return -1;
		}
		h->gpu_tflops = d;
	}
	if (a->cpu_max) {
		if (parse_num(a->cpu_max, &d, true)) {
			tc_errorf(cmd, "--cpu-max %s: not a number of at least 0 (GB/s)", a->cpu_max);
			return -1;
		}
		h->cpu_max_gbps = d;
	}
	if (!h->nr_nodes) {
		tc_errorf(cmd, "the host has no node");
		return -1;
	}
	return 0;
}

static int parse_args(const struct tc_cmd *cmd, int argc, char **argv,
		      struct plan_args *a, bool plan)
{
	int c, s;

	memset(a, 0, sizeof(*a));
	opterr = 0;
	while ((c = tc_getopt(cmd, argc, argv)) != -1) {
		switch (c) {
		case OPT_MODEL: a->model = optarg; break;
		case OPT_PARAMS: a->params = optarg; break;
		case OPT_LAYERS: a->layers = optarg; break;
		case OPT_HIDDEN: a->hidden = optarg; break;
		case OPT_BATCH: a->batch = optarg; break;
		case OPT_SEQ: a->seq = optarg; break;
		case OPT_OPTIMIZER: a->optimizer = optarg; break;
		case OPT_ACCUM: a->accum = optarg; break;
		case OPT_GPUS: a->gpus = optarg; break;
		case OPT_RANKS: a->ranks = optarg; break;
		case OPT_GPU_NODES: a->gpu_nodes = optarg; break;
		case OPT_RANK:
			if (plan) {
				tc_errorf(cmd, "option '--rank': unknown option (plan places every rank)");
				tc_usage(cmd, 0);
				return 1;
			}
			a->rank = optarg;
			break;
		case OPT_CLASSES: a->classes = optarg; break;
		case OPT_DRAM: a->dram = optarg; break;
		case OPT_CXL: a->cxl = optarg; break;
		case OPT_CXL_NODES: a->cxl_nodes = optarg; break;
		case OPT_CXL_MOVABLE: a->cxl_movable = true; break;
		case OPT_TIERS: a->tiers = optarg; break;
		case OPT_TFLOPS: a->tflops = optarg; break;
		case OPT_CPU_MAX: a->cpu_max = optarg; break;
		case OPT_JSON: a->json = true; break;
		case OPT_STRATEGY:
			if (!plan) {
				tc_errorf(cmd, "option '--strategy': unknown option");
				tc_usage(cmd, 0);
				return 1;
			}
			for (s = 0; s < TIER_PLAN_NR; s++)
				if (!strcmp(optarg, tier_plan_name(s)))
					break;
			if (s == TIER_PLAN_NR) {
				tc_errorf(cmd, "--strategy %s: unknown (dram-only, interleave, greedy, cxltier)",
					  optarg);
				return 1;
			}
			a->strategies |= 1U << s;
			break;
		case OPT_PLACE:
			if (plan) {
				tc_errorf(cmd, "option '--place': unknown option");
				tc_usage(cmd, 0);
				return 1;
			}
			if (a->nr_place == MAX_PLACE) {
				tc_errorf(cmd, "--place: more than %d", MAX_PLACE);
				return 1;
			}
			a->place[a->nr_place++] = optarg;
			break;
		default:
			/* -1: --help, printed */
			return tc_other_option(cmd, argv, c) ? 1 : -1;
		}
	}
	if (tc_extra_args(cmd, argc, argv))
		return 1;
	return 0;
}

/* The first line of sysfs attribute @name of @dir, as a number in @base. */
static bool read_attr(const char *dir, const char *name, int base, long *out)
{
	char path[PATH_MAX], line[64];
	FILE *f;
	bool ok;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	f = fopen(path, "r");
	if (!f)
		return false;
	ok = fgets(line, sizeof(line), f) != NULL;
	fclose(f);
	if (ok)
		*out = strtol(line, NULL, base);
	return ok;
}

/* A PCI device that is a GPU: a 3D or other display controller. */
static bool is_gpu(const char *dir)
{
	long cls, vendor = 0;
	bool gpu;

	if (!read_attr(dir, "class", 16, &cls))
		return false;
	cls >>= 8;
	read_attr(dir, "vendor", 16, &vendor);
	/*
	 * 0x0302 (3D) and 0x0380 (other display) are compute GPUs; 0x0300
	 * (VGA) only from the GPU vendors: a server's BMC is VGA too.
	 */
	gpu = cls == 0x0302 || cls == 0x0380 ||
	      (cls == 0x0300 && (vendor == 0x10de || vendor == 0x1002));
	return gpu;
}

static int by_name(const struct dirent **x, const struct dirent **y)
{
	return strcmp((*x)->d_name, (*y)->d_name);
}

/*
 * The NUMA node of each of this machine's GPUs, in PCI address order (the
 * order CUDA_DEVICE_ORDER=PCI_BUS_ID numbers them), into @node: how many,
 * at most @max; -1 for a GPU whose node the firmware does not give.
 */
static int gpu_nodes_sysfs(int32_t *node, int max)
{
	static const char pci[] = "/sys/bus/pci/devices";
	struct dirent **ents;
	int n, i, nr = 0;

	n = scandir(pci, &ents, NULL, by_name);
	if (n < 0)
		return 0;
	for (i = 0; i < n; i++) {
		char dir[PATH_MAX];
		long v;

		snprintf(dir, sizeof(dir), "%s/%s", pci, ents[i]->d_name);
		if (ents[i]->d_name[0] != '.' && nr < max && is_gpu(dir)) {
			node[nr] = read_attr(dir, "numa_node", 10, &v) && v >= 0 &&
				   v <= INT32_MAX ? (int32_t)v : -1;
			nr++;
		}
		free(ents[i]);
	}
	free(ents);
	return nr;
}

/*
 * The socket of each rank's GPU (--gpu-nodes, or this machine's GPUs on
 * its own topology), and the CXL nodes shared out by it
 * (tier_model_map_ranks()).  The rank_* members of @in say what was used.
 */
static int map_ranks(const struct tc_cmd *cmd, const struct plan_args *a,
		     struct plan_input *in)
{
	uint32_t nr = in->w.nr_ranks, k;
	int32_t *home = in->rank_home;
	bool known = true;
	int err;

	for (k = 0; k < TIER_MODEL_MAX_RANKS; k++)
		home[k] = -1;
	if (a->gpu_nodes) {
		char *copy = strdup(a->gpu_nodes), *tok, *rest;

		if (!copy) {
			tc_error(cmd, "--gpu-nodes", -ENOMEM);
			return -1;
		}
		k = 0;
		rest = copy;
		while ((tok = strsep(&rest, ","))) {
			uint64_t v;

			if (k == nr || !*tok || parse_uint(tok, INT32_MAX, &v)) {
				tc_errorf(cmd, "--gpu-nodes %s: %s", a->gpu_nodes,
					  k == nr ? "more nodes than ranks (one per rank, in rank order)" :
					  "not a list of node numbers (one per rank, e.g. 0,0,1,1)");
				free(copy);
				return -1;
			}
			home[k++] = (int32_t)v;
		}
		free(copy);
		if (k != nr) {
			tc_errorf(cmd, "--gpu-nodes %s: %u node%s for %u ranks (one per rank, in rank order)",
				  a->gpu_nodes, k, k == 1 ? "" : "s", nr);
			return -1;
		}
		snprintf(in->rank_source, sizeof(in->rank_source),
			 "GPUs' nodes from --gpu-nodes");
	} else if (nr > 1 && !a->dram) {
		int found = gpu_nodes_sysfs(home, TIER_MODEL_MAX_RANKS);

		if (found < (int)nr) {
			for (k = 0; k < TIER_MODEL_MAX_RANKS; k++)
				home[k] = -1;
			snprintf(in->rank_source, sizeof(in->rank_source),
				 "%d GPU%s in sysfs for %u ranks",
				 found, found == 1 ? "" : "s", nr);
		} else {
			snprintf(in->rank_source, sizeof(in->rank_source),
				 "GPUs' nodes from sysfs, PCI order");
		}
	} else if (nr > 1) {
		snprintf(in->rank_source, sizeof(in->rank_source),
			 "a described host: give --gpu-nodes and the nodes' home= (--tiers) for locality");
	}
	/* a GPU's node to its socket: the node's home when the host knows it */
	for (k = 0; k < nr; k++) {
		uint32_t i;

		if (home[k] < 0) {
			known = false;
			continue;
		}
		for (i = 0; i < in->host.nr_nodes; i++)
			if (in->host.nodes[i].node == (uint32_t)home[k] &&
			    (in->host.nodes[i].flags & TIER_MODEL_NODE_HOME))
				home[k] = (int32_t)in->host.nodes[i].home;
	}
	err = tier_model_map_ranks(&in->host, nr, known ? home : NULL);
	if (err < 0) {
		tc_error(cmd, "--ranks", err);
		return -1;
	}
	in->rank_map = err;
	return 0;
}

int plan_start(const struct tc_cmd *cmd, int argc, char **argv,
		      struct plan_args *a, struct plan_input *in, bool plan)
{
	int ret = parse_args(cmd, argc, argv, a, plan);

	if (ret)
		return ret < 0 ? 0 : 1;
	memset(in, 0, sizeof(*in));
	if (get_workload(cmd, a, in) || get_host(cmd, a, in))
		return 1;
	in->w.nr_ranks = 1;
	if (a->ranks && parse_u32(cmd, "--ranks", a->ranks,
				  TIER_MODEL_MAX_RANKS, &in->w.nr_ranks))
		return 1;
	if (map_ranks(cmd, a, in))
		return 1;
	if (a->rank) {
		uint64_t v;

		if (parse_uint(a->rank, in->w.nr_ranks - 1, &v)) {
			tc_errorf(cmd, "--rank %s: not a rank from 0 to %u (--ranks %u)",
				  a->rank, in->w.nr_ranks - 1, in->w.nr_ranks);
			return 1;
		}
		in->w.rank = (uint32_t)v;
	}
	return -1;
}
