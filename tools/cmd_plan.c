// SPDX-License-Identifier: GPL-2.0-only
/*
 * tierctl plan: place a workload's tensor classes four ways and show the
 * cost model's prediction for each, side by side.
 * tierctl model: the cost model's prediction for placements given by hand.
 *
 * Both read a workload (a named or described model, or a class file), a
 * host (described on the command line, or the live topology) with a tier
 * table (study host figures, overridden from a file), then call libtier's
 * planner and model (libtier.h, doc/cost-model.md).
 */
#include <ctype.h>
#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "table.h"
#include "tierctl.h"
#include "util.h"

#define GIB_F	1073741824.0

enum {
	OPT_MODEL = 256, OPT_PARAMS, OPT_LAYERS, OPT_HIDDEN, OPT_BATCH, OPT_SEQ,
	OPT_OPTIMIZER, OPT_ACCUM, OPT_GPUS, OPT_CLASSES, OPT_DRAM, OPT_CXL,
	OPT_CXL_NODES, OPT_CXL_MOVABLE, OPT_TIERS, OPT_TFLOPS, OPT_CPU_MAX,
	OPT_STRATEGY, OPT_PLACE, OPT_JSON,
};

static const struct option plan_opts[] = {
	{ "model", required_argument, NULL, OPT_MODEL },
	{ "params", required_argument, NULL, OPT_PARAMS },
	{ "layers", required_argument, NULL, OPT_LAYERS },
	{ "hidden", required_argument, NULL, OPT_HIDDEN },
	{ "batch", required_argument, NULL, OPT_BATCH },
	{ "seq", required_argument, NULL, OPT_SEQ },
	{ "optimizer", required_argument, NULL, OPT_OPTIMIZER },
	{ "grad-accum", required_argument, NULL, OPT_ACCUM },
	{ "gpus", required_argument, NULL, OPT_GPUS },
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

#define MAX_PLACE	(TIER_MODEL_MAX_CLASSES + 1)

struct plan_args {
	const char *model, *params, *layers, *hidden, *batch, *seq;
	const char *optimizer, *accum, *gpus, *classes;
	const char *dram, *cxl, *cxl_nodes, *tiers, *tflops, *cpu_max;
	bool cxl_movable, json;
	unsigned int strategies;	/* bit per TIER_PLAN_*; 0: all */
	const char *place[MAX_PLACE];	/* "CLASS=POLICY" */
	unsigned int nr_place;
};

/* What the output says about where the host and workload came from. */
struct plan_input {
	struct tier_model_host host;
	struct tier_workload w;
	struct tier_llm llm;
	bool is_llm;
	char host_source[160];
	/* class file policies, by class index (tierctl model) */
	char file_policy[TIER_MODEL_MAX_CLASSES][TIER_POLICY_STRLEN];
};

/* ------------------------------------------------------------------------ */
/* Parsing                                                                    */

/*
 * A byte count: decimal, optionally with a fraction, and an optional
 * binary suffix K, M, G, T, P (either case, optional "B"/"iB"): "4096",
 * "28.4G", "1.5TiB".  Rounded to the nearest byte.
 */
static int parse_bytes(const char *s, uint64_t *out)
{
	static const char units[] = "KMGTP";
	const char *u;
	char *end;
	double v;
	int shift = 0;

	if (!s || !*s || !(isdigit((unsigned char)*s) || *s == '.'))
		return -EINVAL;
	errno = 0;
	v = strtod(s, &end);
	if (errno || end == s || !isfinite(v) || v < 0)
		return -EINVAL;
	if (*end) {
		u = strchr(units, toupper((unsigned char)*end));
		if (u) {
			shift = 10 * (int)(u - units + 1);
			end++;
		}
		if (!strcmp(end, "iB") && u)
			end += 2;
		else if (!strcmp(end, "B"))
			end++;
		if (*end)
			return -EINVAL;
	}
	v = ldexp(v, shift);
	if (v >= 18446744073709551615.0)
		return -ERANGE;
	*out = (uint64_t)llround(v);
	return 0;
}

/* A positive finite decimal number (a bandwidth, a fraction, a time). */
static int parse_num(const char *s, double *out, bool zero_ok)
{
	char *end;
	double v;

	if (!s || !*s || isspace((unsigned char)*s))
		return -EINVAL;
	errno = 0;
	v = strtod(s, &end);
	if (errno || *end || !isfinite(v) || v < 0 || (!zero_ok && v == 0))
		return -EINVAL;
	*out = v;
	return 0;
}

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

/* Split "key=value" in place; *val is NULL without '='. */
static void split_kv(char *tok, char **val)
{
	char *eq = strchr(tok, '=');

	*val = NULL;
	if (eq) {
		*eq = '\0';
		*val = eq + 1;
	}
}

/*
 * Read @path line by line: '#' starts a comment, blank lines are skipped,
 * words are separated by blanks.  @fn gets each line's words.  Errors are
 * "FILE:LINE: message".
 */
#define MAX_WORDS	32
/*
 * The index of a "KEY=VALUE" word's @key in @keys[@n], or -1 when it is
 * none of them or has no @val.
 */
static int find_key(const char *const *keys, size_t n, const char *key,
		    const char *val)
{
	size_t k;

	for (k = 0; val && k < n; k++)
		if (!strcmp(key, keys[k]))
			return (int)k;
	return -1;
}

#define NR_KEYS(keys)	(sizeof(keys) / sizeof((keys)[0]))

typedef int (*line_fn)(const struct tc_cmd *cmd, const char *where,
		       char **words, int n, void *priv);

static int read_lines(const struct tc_cmd *cmd, const char *opt,
		      const char *path, line_fn fn, void *priv)
{
	char *line = NULL, where[512];
	size_t cap = 0;
	unsigned int lineno = 0;
	FILE *f = fopen(path, "r");
	int ret = 0;

	if (!f) {
		tc_errorf(cmd, "%s %s: %s", opt, path, strerror(errno));
		return -1;
	}
	while (getline(&line, &cap, f) >= 0) {
		char *words[MAX_WORDS], *p, *save = NULL;
		int n = 0;

		lineno++;
		p = strchr(line, '#');
		if (p)
			*p = '\0';
		for (p = strtok_r(line, " \t\r\n", &save); p;
		     p = strtok_r(NULL, " \t\r\n", &save)) {
			if (n == MAX_WORDS) {
				tc_errorf(cmd, "%s:%u: more than %d words", path,
					  lineno, MAX_WORDS);
				ret = -1;
				goto out;
			}
			words[n++] = p;
		}
		if (!n)
			continue;
		snprintf(where, sizeof(where), "%s:%u", path, lineno);
		if (fn(cmd, where, words, n, priv)) {
			ret = -1;
			goto out;
		}
	}
	if (ferror(f)) {
		tc_errorf(cmd, "%s %s: %s", opt, path, strerror(errno));
		ret = -1;
	}
out:
	free(line);
	fclose(f);
	return ret;
}

/*
 * Class file:
 *   gpus N
 *   gpu-flops FLOPS
 *   class NAME bytes=SIZE [cpu-read=SIZE] [cpu-write=SIZE] [h2d=SIZE]
 *              [d2h=SIZE] [pinned] [policy=POLICY]
 */
static int class_line(const struct tc_cmd *cmd, const char *where,
		      char **words, int n, void *priv)
{
	struct plan_input *in = priv;
	struct tier_workload *w = &in->w;
	struct tier_class *c;
	bool have_bytes = false;
	int i;

	if (!strcmp(words[0], "gpus") || !strcmp(words[0], "gpu-flops")) {
		uint64_t v;
		double d;

		if (n != 2) {
			tc_errorf(cmd, "%s: %s takes one value", where, words[0]);
			return -1;
		}
		if (!strcmp(words[0], "gpus")) {
			if (parse_uint(words[1], 1024, &v) || !v) {
				tc_errorf(cmd, "%s: gpus %s: not a number from 1 to 1024",
					  where, words[1]);
				return -1;
			}
			w->nr_gpus = (uint32_t)v;
		} else {
			if (parse_num(words[1], &d, true)) {
				tc_errorf(cmd, "%s: gpu-flops %s: not a number",
					  where, words[1]);
				return -1;
			}
			w->gpu_flops = d;
		}
		return 0;
	}
	if (strcmp(words[0], "class")) {
		tc_errorf(cmd, "%s: %s: unknown keyword (class, gpus, gpu-flops)",
			  where, words[0]);
		return -1;
	}
	if (n < 3) {
		tc_errorf(cmd, "%s: class NAME bytes=SIZE ... expected", where);
		return -1;
	}
	if (w->nr_classes == TIER_MODEL_MAX_CLASSES) {
		tc_errorf(cmd, "%s: more than %d classes", where,
			  TIER_MODEL_MAX_CLASSES);
		return -1;
	}
	if (strlen(words[1]) >= TIER_CLASS_NAME_MAX || strchr(words[1], '=')) {
		tc_errorf(cmd, "%s: %s: not a class name (at most %d characters, no '=')",
			  where, words[1], TIER_CLASS_NAME_MAX - 1);
		return -1;
	}
	for (i = 0; i < (int)w->nr_classes; i++)
		if (!strcmp(w->classes[i].name, words[1])) {
			tc_errorf(cmd, "%s: class %s given twice", where, words[1]);
			return -1;
		}
	c = &w->classes[w->nr_classes];
	memset(c, 0, sizeof(*c));
	strcpy(c->name, words[1]);
	for (i = 2; i < n; i++) {
		static const char *const keys[] = {
			"bytes", "cpu-read", "cpu-write", "h2d", "d2h",
		};
		uint64_t *fields[] = {
			&c->bytes, &c->cpu_read, &c->cpu_write, &c->h2d, &c->d2h,
		};
		char *val;
		int k;

		split_kv(words[i], &val);
		if (!strcmp(words[i], "pinned") && !val) {
			c->flags |= TIER_CLASS_PINNED;
			continue;
		}
		if (!strcmp(words[i], "policy") && val) {
			struct tier_policy p;
			int err = tier_policy_parse(val, &p);

			if (err) {
				tc_errorf(cmd, "%s: policy=%s: %s", where, val,
					  strerror(-err));
				return -1;
			}
			snprintf(in->file_policy[w->nr_classes],
				 sizeof(in->file_policy[0]), "%s", val);
			continue;
		}
		k = find_key(keys, NR_KEYS(keys), words[i], val);
		if (k < 0) {
			tc_errorf(cmd, "%s: %s: unknown (bytes=, cpu-read=, cpu-write=, h2d=, d2h=, pinned, policy=)",
				  where, words[i]);
			return -1;
		}
		if (parse_bytes(val, fields[k])) {
			tc_errorf(cmd, "%s: %s=%s: not a size (e.g. 4096, 1.5G)",
				  where, keys[k], val);
			return -1;
		}
		if (k == 0)
			have_bytes = true;
	}
	if (!have_bytes || !c->bytes) {
		tc_errorf(cmd, "%s: class %s: bytes= (above 0) is required",
			  where, c->name);
		return -1;
	}
	w->nr_classes++;
	return 0;
}

static const char *node_flags_str(uint32_t flags)
{
	switch (flags & (TIER_MODEL_NODE_LOCAL | TIER_MODEL_NODE_PINNABLE)) {
	case TIER_MODEL_NODE_LOCAL | TIER_MODEL_NODE_PINNABLE:
		return "local,pinnable";
	case TIER_MODEL_NODE_LOCAL:
		return "local";
	case TIER_MODEL_NODE_PINNABLE:
		return "pinnable";
	default:
		return "-";
	}
}

/*
 * Tier file:
 *   host [link-h2d=GBPS] [link-d2h=GBPS] [llc=SIZE] [llc-bw=GBPS]
 *        [llc-miss=FRACTION] [overhead=SECONDS] [gpu-tflops=T] [cpu-max=GBPS]
 *   node ID [dram|cxl] [capacity=SIZE] [cpu-read=GBPS] [cpu-write=GBPS]
 *        [dma-h2d=GBPS] [dma-d2h=GBPS] [latency=NS] [local] [movable]
 * A node the host has already is changed; a new one needs its tier and
 * capacity.  "movable": not pinnable; "local": the study's local DRAM.
 */
static int tier_line(const struct tc_cmd *cmd, const char *where,
		     char **words, int n, void *priv)
{
	struct tier_model_host *h = priv;
	struct tier_model_node *nd = NULL;
	int i;

	if (!strcmp(words[0], "host")) {
		static const char *const keys[] = {
			"link-h2d", "link-d2h", "llc-bw", "llc-miss", "overhead",
			"gpu-tflops", "cpu-max",
		};
		double *fields[] = {
			&h->link_h2d_gbps, &h->link_d2h_gbps, &h->llc_gbps,
			&h->llc_miss_floor, &h->step_overhead_s, &h->gpu_tflops,
			&h->cpu_max_gbps,
		};

		for (i = 1; i < n; i++) {
			char *val;
			int k;

			split_kv(words[i], &val);
			if (!strcmp(words[i], "llc") && val) {
				uint64_t b;

				if (parse_bytes(val, &b)) {
					tc_errorf(cmd, "%s: llc=%s: not a size", where, val);
					return -1;
				}
				h->llc_bytes = (double)b;
				continue;
			}
			k = find_key(keys, NR_KEYS(keys), words[i], val);
			if (k < 0) {
				tc_errorf(cmd, "%s: %s: unknown host key (link-h2d=, link-d2h=, llc=, llc-bw=, llc-miss=, overhead=, gpu-tflops=, cpu-max=)",
					  where, words[i]);
				return -1;
			}
			/* the link and LLC bandwidths cannot be 0 */
			if (parse_num(val, fields[k], k >= 3) ||
			    (k == 3 && *fields[k] > 1)) {
				tc_errorf(cmd, "%s: %s=%s: %s", where, keys[k], val,
					  k == 3 ? "not a fraction from 0 to 1" :
					  k >= 3 ? "not a number of at least 0" :
					  "not a number above 0");
				return -1;
			}
		}
		return 0;
	}
	if (strcmp(words[0], "node")) {
		tc_errorf(cmd, "%s: %s: unknown keyword (host, node)", where, words[0]);
		return -1;
	}
	if (n < 2) {
		tc_errorf(cmd, "%s: node ID expected", where);
		return -1;
	}
	{
		uint64_t id;
		uint32_t k;

		if (parse_uint(words[1], INT32_MAX, &id)) {
			tc_errorf(cmd, "%s: %s: not a node number", where, words[1]);
			return -1;
		}
		for (k = 0; k < h->nr_nodes; k++)
			if (h->nodes[k].node == id)
				nd = &h->nodes[k];
		if (!nd) {
			uint32_t tier;
			uint64_t cap = 0;
			int err;

			if (n < 3 || (strcmp(words[2], "dram") && strcmp(words[2], "cxl"))) {
				tc_errorf(cmd, "%s: node %s is not in the host: give its tier (dram or cxl) and capacity=",
					  where, words[1]);
				return -1;
			}
			tier = !strcmp(words[2], "dram") ? CXLTIER_TIER_DRAM :
							  CXLTIER_TIER_CXL;
			for (i = 3; i < n; i++)
				if (!strncmp(words[i], "capacity=", 9) &&
				    parse_bytes(words[i] + 9, &cap))
					cap = 0;
			if (!cap) {
				tc_errorf(cmd, "%s: node %s is not in the host: capacity= (above 0) is required",
					  where, words[1]);
				return -1;
			}
			err = tier_model_host_add(h, (uint32_t)id, tier, cap,
						  TIER_MODEL_NODE_PINNABLE);
			if (err < 0) {
				tc_errorf(cmd, "%s: node %s: %s", where, words[1],
					  err == -E2BIG ? "too many nodes" : strerror(-err));
				return -1;
			}
			nd = &h->nodes[err];
		}
	}
	for (i = 2; i < n; i++) {
		static const char *const keys[] = {
			"cpu-read", "cpu-write", "dma-h2d", "dma-d2h", "latency",
		};
		double *fields[] = {
			&nd->cpu_read_gbps, &nd->cpu_write_gbps, &nd->dma_h2d_gbps,
			&nd->dma_d2h_gbps, &nd->latency_ns,
		};
		char *val;
		int k;

		if (i == 2 && (!strcmp(words[i], "dram") || !strcmp(words[i], "cxl"))) {
			nd->tier = !strcmp(words[i], "dram") ? CXLTIER_TIER_DRAM :
							      CXLTIER_TIER_CXL;
			continue;
		}
		split_kv(words[i], &val);
		if (!val && !strcmp(words[i], "local")) {
			nd->flags |= TIER_MODEL_NODE_LOCAL;
			continue;
		}
		if (!val && !strcmp(words[i], "movable")) {
			nd->flags &= ~TIER_MODEL_NODE_PINNABLE;
			continue;
		}
		if (val && !strcmp(words[i], "capacity")) {
			if (parse_bytes(val, &nd->capacity)) {
				tc_errorf(cmd, "%s: capacity=%s: not a size", where, val);
				return -1;
			}
			continue;
		}
		k = find_key(keys, NR_KEYS(keys), words[i], val);
		if (k < 0) {
			tc_errorf(cmd, "%s: %s: unknown node key (dram, cxl, capacity=, cpu-read=, cpu-write=, dma-h2d=, dma-d2h=, latency=, local, movable)",
				  where, words[i]);
			return -1;
		}
		if (parse_num(val, fields[k], k == 4)) {
			tc_errorf(cmd, "%s: %s=%s: not a number above 0", where,
				  keys[k], val);
			return -1;
		}
	}
	return 0;
}

/* ------------------------------------------------------------------------ */
/* Inputs                                                                     */

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
		if (read_lines(cmd, "--classes", a->classes, class_line, in))
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
		if (parse_bytes(a->params, &m->params) || !m->params) {
			tc_errorf(cmd, "--params %s: not a parameter count (e.g. 7615616512, 7.6G)",
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

		if (parse_size(a->dram, &dram) || !dram) {
			tc_errorf(cmd, "--dram %s: not a size above 0 (e.g. 100G)", a->dram);
			return -1;
		}
		if (a->cxl && parse_size(a->cxl, &cxl)) {
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
		if (read_lines(cmd, "--tiers", a->tiers, tier_line, h))
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

/* ------------------------------------------------------------------------ */
/* Output                                                                     */

static const char *tier_str(uint32_t tier)
{
	return tier == CXLTIER_TIER_DRAM ? "DRAM" : "CXL";
}

static double gib(double gbps)
{
	return gbps * 1e9 / GIB_F;
}

static void json_host(struct json *j, const struct plan_input *in)
{
	const struct tier_model_host *h = &in->host;
	uint32_t i;

	json_obj_open(j, "host");
	json_str(j, "source", in->host_source);
	json_f64(j, "link_h2d_gbps", h->link_h2d_gbps);
	json_f64(j, "link_d2h_gbps", h->link_d2h_gbps);
	json_f64(j, "llc_bytes", h->llc_bytes);
	json_f64(j, "llc_gbps", h->llc_gbps);
	json_f64(j, "llc_miss_floor", h->llc_miss_floor);
	json_f64(j, "step_overhead_s", h->step_overhead_s);
	json_f64(j, "gpu_tflops", h->gpu_tflops);
	json_f64(j, "cpu_max_gbps", h->cpu_max_gbps);
	json_arr_open(j, "nodes");
	for (i = 0; i < h->nr_nodes; i++) {
		const struct tier_model_node *n = &h->nodes[i];

		json_obj_open(j, NULL);
		json_u64(j, "node", n->node);
		json_str(j, "tier", tier_str(n->tier));
		json_u64(j, "capacity", n->capacity);
		json_f64(j, "cpu_read_gbps", n->cpu_read_gbps);
		json_f64(j, "cpu_write_gbps", n->cpu_write_gbps);
		json_f64(j, "dma_h2d_gbps", n->dma_h2d_gbps);
		json_f64(j, "dma_d2h_gbps", n->dma_d2h_gbps);
		json_f64(j, "latency_ns", n->latency_ns);
		json_bool(j, "local", n->flags & TIER_MODEL_NODE_LOCAL);
		json_bool(j, "pinnable", n->flags & TIER_MODEL_NODE_PINNABLE);
		json_obj_close(j);
	}
	json_arr_close(j);
	json_obj_close(j);
}

static void json_workload(struct json *j, const struct plan_input *in)
{
	const struct tier_workload *w = &in->w;
	uint32_t c;

	json_obj_open(j, "workload");
	if (in->is_llm) {
		json_str(j, "model", in->llm.name);
		json_u64(j, "params", in->llm.params);
		json_u64(j, "layers", in->llm.layers);
		json_u64(j, "hidden", in->llm.hidden);
		json_u64(j, "batch", in->llm.batch);
		json_u64(j, "seq", in->llm.seq);
		json_u64(j, "grad_accum", in->llm.grad_accum);
		json_str(j, "optimizer", in->llm.optimizer == TIER_OPT_LION ?
			 "lion" : "adam");
	}
	json_u64(j, "gpus", w->nr_gpus);
	json_f64(j, "gpu_flops", w->gpu_flops);
	json_arr_open(j, "classes");
	for (c = 0; c < w->nr_classes; c++) {
		const struct tier_class *k = &w->classes[c];

		json_obj_open(j, NULL);
		json_str(j, "name", k->name);
		json_u64(j, "bytes", k->bytes);
		json_u64(j, "cpu_read", k->cpu_read);
		json_u64(j, "cpu_write", k->cpu_write);
		json_u64(j, "h2d", k->h2d);
		json_u64(j, "d2h", k->d2h);
		json_bool(j, "pinned", k->flags & TIER_CLASS_PINNED);
		json_obj_close(j);
	}
	json_arr_close(j);
	json_obj_close(j);
}

/* The members of one placement's prediction (inside an open object). */
static void json_prediction(struct json *j, const struct plan_input *in,
			    const struct tier_placement *pl,
			    const struct tier_model_result *r)
{
	const struct tier_model_host *h = &in->host;
	char s[TIER_POLICY_STRLEN];
	uint32_t c, i;

	json_f64(j, "step_s", r->step_s);
	json_f64(j, "cpu_s", r->cpu_s);
	json_f64(j, "gpu_s", r->gpu_s);
	json_f64(j, "dma_s", r->dma_s);
	json_f64(j, "compute_s", r->compute_s);
	json_f64(j, "llc_hit", r->llc_hit);
	json_arr_open(j, "nodes");
	for (i = 0; i < h->nr_nodes; i++) {
		json_obj_open(j, NULL);
		json_u64(j, "node", h->nodes[i].node);
		json_u64(j, "bytes", r->node_bytes[i]);
		json_bool(j, "over_capacity", r->over_capacity & (1U << i));
		json_obj_close(j);
	}
	json_arr_close(j);
	json_arr_open(j, "classes");
	for (c = 0; c < in->w.nr_classes; c++) {
		json_obj_open(j, NULL);
		json_str(j, "name", in->w.classes[c].name);
		json_u64(j, "bytes", in->w.classes[c].bytes);
		json_str(j, "policy", tier_policy_format(&pl->policy[c], s, sizeof(s)) > 0 ?
			 s : NULL);
		json_arr_open(j, "nodes");
		for (i = 0; i < h->nr_nodes; i++) {
			if (!pl->bytes[c][i])
				continue;
			json_obj_open(j, NULL);
			json_u64(j, "node", h->nodes[i].node);
			json_u64(j, "bytes", pl->bytes[c][i]);
			json_obj_close(j);
		}
		json_arr_close(j);
		json_f64(j, "cpu_s", r->classes[c].cpu_s);
		json_f64(j, "h2d_gibps", gib(r->classes[c].h2d_gbps));
		json_f64(j, "d2h_gibps", gib(r->classes[c].d2h_gbps));
		json_obj_close(j);
	}
	json_arr_close(j);
}

static int print_host(const struct tc_cmd *cmd, const struct plan_input *in)
{
	static const char *const hdr[] = {
		"NODE", "TIER", "CAPACITY", "CPU-READ", "CPU-WRITE", "DMA-H2D",
		"DMA-D2H", "LATENCY", "FLAGS",
	};
	const struct tier_model_host *h = &in->host;
	char s[SIZE_STRLEN];
	struct table t;
	uint32_t i;
	int err;

	printf("host: %s\n", in->host_source);
	printf("  GB/s (10^9 B/s); GPU link %.1f/%.1f GB/s H2D/D2H; LLC %s at %.0f GB/s",
	       h->link_h2d_gbps, h->link_d2h_gbps,
	       format_size((uint64_t)h->llc_bytes, s, sizeof(s)), h->llc_gbps);
	if (h->gpu_tflops > 0)
		printf("; GPU %.0f TFLOP/s", h->gpu_tflops);
	if (h->cpu_max_gbps > 0)
		printf("; cores drive at most %.1f GB/s", h->cpu_max_gbps);
	printf("\n");
	table_init(&t, 9, hdr, TABLE_RIGHT(0) | TABLE_RIGHT(2) | TABLE_RIGHT(3) |
		   TABLE_RIGHT(4) | TABLE_RIGHT(5) | TABLE_RIGHT(6) | TABLE_RIGHT(7));
	for (i = 0; i < h->nr_nodes; i++) {
		const struct tier_model_node *n = &h->nodes[i];

		table_add(&t, "%u", n->node);
		table_add(&t, "%s", tier_str(n->tier));
		table_add(&t, "%s", format_size(n->capacity, s, sizeof(s)));
		table_add(&t, "%.1f", n->cpu_read_gbps);
		table_add(&t, "%.1f", n->cpu_write_gbps);
		table_add(&t, "%.1f", n->dma_h2d_gbps);
		table_add(&t, "%.1f", n->dma_d2h_gbps);
		table_add(&t, "%.0fns", n->latency_ns);
		table_add(&t, "%s", node_flags_str(n->flags));
	}
	err = table_print(&t, stdout);
	table_free(&t);
	if (err)
		tc_error(cmd, "print table", err);
	return err ? -1 : 0;
}

static void print_workload(const struct plan_input *in)
{
	const struct tier_workload *w = &in->w;
	char s[SIZE_STRLEN];
	uint64_t total = 0;
	uint32_t c;

	for (c = 0; c < w->nr_classes; c++)
		total += w->classes[c].bytes;
	if (in->is_llm)
		printf("workload: %s (P %llu, L %u, H %u), batch %u, seq %u, %s, grad-accum %u, %u GPU%s: %u classes, %s\n",
		       in->llm.name ? in->llm.name : "model",
		       (unsigned long long)in->llm.params, in->llm.layers,
		       in->llm.hidden, in->llm.batch, in->llm.seq,
		       in->llm.optimizer == TIER_OPT_LION ? "lion" : "adam",
		       in->llm.grad_accum, w->nr_gpus, w->nr_gpus == 1 ? "" : "s",
		       w->nr_classes, format_size(total, s, sizeof(s)));
	else
		printf("workload: %u classes, %u GPU%s, %s\n", w->nr_classes,
		       w->nr_gpus, w->nr_gpus == 1 ? "" : "s",
		       format_size(total, s, sizeof(s)));
}

/* What plan and model show first: the host, the workload, a blank line. */
static int print_input(const struct tc_cmd *cmd, const struct plan_input *in)
{
	if (print_host(cmd, in))
		return -1;
	print_workload(in);
	printf("\n");
	return 0;
}

/* What plan's and model's JSON object starts with: the host, the workload. */
static void json_open_input(struct json *j, const struct plan_input *in)
{
	json_init(j, stdout);
	json_obj_open(j, NULL);
	json_host(j, in);
	json_workload(j, in);
}

/* One placement's class table. */
static int print_classes(const struct tc_cmd *cmd, const struct plan_input *in,
			 const struct tier_placement *pl,
			 const struct tier_model_result *r)
{
	const struct tier_model_host *h = &in->host;
	const char *hdr[8 + TIER_MODEL_MAX_NODES];
	char names[TIER_MODEL_MAX_NODES][16], s[TIER_POLICY_STRLEN];
	char sz[SIZE_STRLEN];
	unsigned int ncols = 0, right = 0;
	struct table t;
	uint32_t c, i;
	int err;

	hdr[ncols++] = "CLASS";
	hdr[ncols++] = "BYTES";
	right |= TABLE_RIGHT(1);
	hdr[ncols++] = "POLICY";
	for (i = 0; i < h->nr_nodes; i++) {
		snprintf(names[i], sizeof(names[i]), "NODE%u", h->nodes[i].node);
		right |= TABLE_RIGHT(ncols);
		hdr[ncols++] = names[i];
	}
	right |= TABLE_RIGHT(ncols) | TABLE_RIGHT(ncols + 1) | TABLE_RIGHT(ncols + 2);
	hdr[ncols++] = "CPU-MS";
	hdr[ncols++] = "H2D-GiB/s";
	hdr[ncols++] = "D2H-GiB/s";
	table_init(&t, ncols, hdr, right);
	for (c = 0; c < in->w.nr_classes; c++) {
		table_add(&t, "%s", in->w.classes[c].name);
		table_add(&t, "%s", format_size(in->w.classes[c].bytes, sz, sizeof(sz)));
		table_add(&t, "%s", tier_policy_format(&pl->policy[c], s, sizeof(s)) > 0 ?
			  s : "(by hand)");
		for (i = 0; i < h->nr_nodes; i++)
			table_add(&t, "%s", pl->bytes[c][i] ?
				  format_size(pl->bytes[c][i], sz, sizeof(sz)) : "-");
		table_add(&t, "%.1f", r->classes[c].cpu_s * 1e3);
		if (r->classes[c].h2d_gbps > 0)
			table_add(&t, "%.1f", gib(r->classes[c].h2d_gbps));
		else
			table_add(&t, "-");
		if (r->classes[c].d2h_gbps > 0)
			table_add(&t, "%.1f", gib(r->classes[c].d2h_gbps));
		else
			table_add(&t, "-");
	}
	err = table_print(&t, stdout);
	table_free(&t);
	if (err)
		tc_error(cmd, "print table", err);
	return err ? -1 : 0;
}

static void print_over_capacity(const struct plan_input *in,
				const struct tier_model_result *r)
{
	char s1[SIZE_STRLEN], s2[SIZE_STRLEN];
	uint32_t i;

	for (i = 0; i < in->host.nr_nodes; i++)
		if (r->over_capacity & (1U << i))
			printf("warning: node %u holds %s, more than its capacity %s\n",
			       in->host.nodes[i].node,
			       format_size(r->node_bytes[i], s1, sizeof(s1)),
			       format_size(in->host.nodes[i].capacity, s2, sizeof(s2)));
}

static const char *plan_error(int err)
{
	switch (err) {
	case -ENOSPC: return "does not fit";
	case -ENODEV: return "the host lacks the nodes it needs";
	default:      return strerror(-err);
	}
}

/* ------------------------------------------------------------------------ */
/* Commands                                                                   */

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

/*
 * The start of plan and model: the command line into @a, the workload and
 * the host into @in.  Returns -1 when the command goes on, else its exit
 * status.
 */
static int plan_start(const struct tc_cmd *cmd, int argc, char **argv,
		      struct plan_args *a, struct plan_input *in, bool plan)
{
	int ret = parse_args(cmd, argc, argv, a, plan);

	if (ret)
		return ret < 0 ? 0 : 1;
	memset(in, 0, sizeof(*in));
	if (get_workload(cmd, a, in) || get_host(cmd, a, in))
		return 1;
	return -1;
}

static int plan_run(const struct tc_cmd *cmd, int argc, char **argv)
{
	static struct plan_input in;
	static struct tier_placement pl[TIER_PLAN_NR];
	struct tier_model_result r[TIER_PLAN_NR];
	int err[TIER_PLAN_NR], s, ret;
	struct plan_args a;
	bool vs_greedy;
	uint32_t i;

	ret = plan_start(cmd, argc, argv, &a, &in, true);
	if (ret >= 0)
		return ret;
	if (!a.strategies)
		a.strategies = (1U << TIER_PLAN_NR) - 1;
	for (s = 0; s < TIER_PLAN_NR; s++) {
		err[s] = -EAGAIN;
		if (!(a.strategies & (1U << s)))
			continue;
		err[s] = tier_plan(&in.host, &in.w, s, &pl[s]);
		if (!err[s])
			err[s] = tier_model_eval(&in.host, &in.w, &pl[s], &r[s]);
		if (err[s] && err[s] != -ENOSPC && err[s] != -ENODEV) {
			tc_error(cmd, tier_plan_name(s), err[s]);
			return 1;
		}
	}
	/* a VS-GREEDY ratio when greedy was asked for and fits */
	vs_greedy = (a.strategies & (1U << TIER_PLAN_GREEDY)) &&
		    !err[TIER_PLAN_GREEDY];

	if (a.json) {
		struct json j;

		json_open_input(&j, &in);
		json_arr_open(&j, "strategies");
		for (s = 0; s < TIER_PLAN_NR; s++) {
			if (!(a.strategies & (1U << s)))
				continue;
			json_obj_open(&j, NULL);
			json_str(&j, "name", tier_plan_name(s));
			json_bool(&j, "feasible", !err[s]);
			json_str(&j, "error", err[s] ? plan_error(err[s]) : NULL);
			if (!err[s]) {
				if (vs_greedy)
					json_f64(&j, "vs_greedy",
						 r[s].step_s / r[TIER_PLAN_GREEDY].step_s);
				else
					json_null(&j, "vs_greedy");
				json_prediction(&j, &in, &pl[s], &r[s]);
			}
			json_obj_close(&j);
		}
		json_arr_close(&j);
		json_obj_close(&j);
		return 0;
	}

	if (print_input(cmd, &in))
		return 1;
	{
		static const char *const hdr[] = {
			"STRATEGY", "STEP-S", "OPTIMIZER-S", "COPIES-S",
			"VS-GREEDY", "DRAM", "CXL", "NOTE",
		};
		char s1[SIZE_STRLEN], s2[SIZE_STRLEN];
		struct table t;
		int e;

		table_init(&t, 8, hdr, TABLE_RIGHT(1) | TABLE_RIGHT(2) |
			   TABLE_RIGHT(3) | TABLE_RIGHT(4) | TABLE_RIGHT(5) |
			   TABLE_RIGHT(6));
		for (s = 0; s < TIER_PLAN_NR; s++) {
			uint64_t dram = 0, cxl = 0;

			if (!(a.strategies & (1U << s)))
				continue;
			table_add(&t, "%s", tier_plan_name(s));
			if (err[s]) {
				for (e = 0; e < 6; e++)
					table_add(&t, "-");
				table_add(&t, "%s", plan_error(err[s]));
				continue;
			}
			for (i = 0; i < in.host.nr_nodes; i++) {
				if (in.host.nodes[i].tier == CXLTIER_TIER_DRAM)
					dram += r[s].node_bytes[i];
				else
					cxl += r[s].node_bytes[i];
			}
			table_add(&t, "%.3f", r[s].step_s);
			table_add(&t, "%.3f", r[s].cpu_s);
			table_add(&t, "%.3f", r[s].dma_s);
			if (vs_greedy)
				table_add(&t, "%.3f", r[s].step_s / r[TIER_PLAN_GREEDY].step_s);
			else
				table_add(&t, "-");
			table_add(&t, "%s", format_size(dram, s1, sizeof(s1)));
			table_add(&t, "%s", format_size(cxl, s2, sizeof(s2)));
			table_add(&t, "%s", r[s].compute_s > r[s].dma_s ?
				  "GPU compute hides the copies" : "-");
		}
		e = table_print(&t, stdout);
		table_free(&t);
		if (e) {
			tc_error(cmd, "print table", e);
			return 1;
		}
	}
	printf("(predicted by the cost model, doc/cost-model.md: STEP = max(copies, GPU compute) + optimizer step)\n");
	for (s = 0; s < TIER_PLAN_NR; s++) {
		if (!(a.strategies & (1U << s)) || err[s])
			continue;
		printf("\n%s: step %.3f s (optimizer %.3f s, copies %.3f s)\n",
		       tier_plan_name(s), r[s].step_s, r[s].cpu_s, r[s].dma_s);
		if (print_classes(cmd, &in, &pl[s], &r[s]))
			return 1;
		print_over_capacity(&in, &r[s]);
	}
	return 0;
}

/* "CLASS=POLICY" or "*=POLICY" (every class without its own). */
static int apply_places(const struct tc_cmd *cmd, const struct plan_args *a,
			struct plan_input *in, struct tier_placement *pl)
{
	bool set[TIER_MODEL_MAX_CLASSES] = { false };
	struct tier_policy p;
	uint32_t c;
	unsigned int k;
	int pass, err;

	memset(pl, 0, sizeof(*pl));
	/* the class file's policies, then --place CLASS=, then --place '*=' */
	for (c = 0; c < in->w.nr_classes; c++) {
		if (!in->file_policy[c][0])
			continue;
		tier_policy_parse(in->file_policy[c], &p);
		err = tier_placement_policy(&in->host, &in->w, pl, c, &p);
		if (err) {
			tc_errorf(cmd, "class %s: policy %s: %s", in->w.classes[c].name,
				  in->file_policy[c], err == -ENODEV ?
				  "a node that is not in the host" : strerror(-err));
			return -1;
		}
		set[c] = true;
	}
	for (pass = 0; pass < 2; pass++) {
		for (k = 0; k < a->nr_place; k++) {
			const char *arg = a->place[k], *eq = strchr(arg, '=');
			size_t len = eq ? (size_t)(eq - arg) : 0;
			bool all = len == 1 && arg[0] == '*';
			bool found = false;

			if (!eq || !len) {
				tc_errorf(cmd, "--place %s: CLASS=POLICY expected", arg);
				return -1;
			}
			if (all != (pass == 1))
				continue;
			err = tier_policy_parse(eq + 1, &p);
			if (err) {
				tc_errorf(cmd, "--place %s: %s", arg, strerror(-err));
				return -1;
			}
			for (c = 0; c < in->w.nr_classes; c++) {
				const char *name = in->w.classes[c].name;

				if (all ? set[c] :
				    strlen(name) != len || strncmp(name, arg, len))
					continue;
				found = true;
				err = tier_placement_policy(&in->host, &in->w, pl, c, &p);
				if (err) {
					tc_errorf(cmd, "--place %s: %s", arg, err == -ENODEV ?
						  "a node that is not in the host" :
						  strerror(-err));
					return -1;
				}
				set[c] = true;
			}
			if (!found && !all) {
				tc_errorf(cmd, "--place %s: no class %.*s in the workload",
					  arg, (int)len, arg);
				return -1;
			}
		}
	}
	for (c = 0; c < in->w.nr_classes; c++)
		if (!set[c]) {
			tc_errorf(cmd, "class %s: no placement (give --place %s=POLICY or --place '*=POLICY')",
				  in->w.classes[c].name, in->w.classes[c].name);
			return -1;
		}
	return 0;
}

static int model_run(const struct tc_cmd *cmd, int argc, char **argv)
{
	static struct plan_input in;
	static struct tier_placement pl;
	struct tier_model_result r;
	struct plan_args a;
	int ret, err;

	ret = plan_start(cmd, argc, argv, &a, &in, false);
	if (ret >= 0)
		return ret;
	if (apply_places(cmd, &a, &in, &pl))
		return 1;
	err = tier_model_eval(&in.host, &in.w, &pl, &r);
	if (err) {
		tc_error(cmd, "evaluate the placement", err);
		return 1;
	}
	if (a.json) {
		struct json j;

		json_open_input(&j, &in);
		json_obj_open(&j, "prediction");
		json_prediction(&j, &in, &pl, &r);
		json_obj_close(&j);
		json_obj_close(&j);
		return 0;
	}
	if (print_input(cmd, &in))
		return 1;
	if (print_classes(cmd, &in, &pl, &r))
		return 1;
	printf("\noptimizer step (CPU): %.3f ms, LLC serves %.1f%% of its traffic\n",
	       r.cpu_s * 1e3, 100 * r.llc_hit);
	printf("copies (DMA):         %.3f ms\n", r.dma_s * 1e3);
	if (r.compute_s > 0)
		printf("GPU compute:          %.3f ms\n", r.compute_s * 1e3);
	printf("step:                 %.3f ms\n", r.step_s * 1e3);
	print_over_capacity(&in, &r);
	return 0;
}

const struct tc_cmd cmd_plan = {
	.name = "plan", .run = plan_run, .opts = plan_opts,
	.summary = "place a training step's tensor classes: four strategies side by side",
	.usage = "tierctl plan WORKLOAD [HOST] [--strategy NAME]... [--json]",
	.help =
"Places each tensor class of a workload on the host's nodes with four\n"
"strategies and predicts each one's step time with the cost model\n"
"(doc/cost-model.md): dram-only (when it fits), interleave (every class\n"
"page-interleaved over all nodes), greedy (the study's latency-first\n"
"greedy, as published) and cxltier (the model's optimum: exact split and\n"
"weighted fractions, copy direction, pinned classes on pinnable nodes).\n"
"Shows the strategies side by side, then each one's policy and bytes per\n"
"node for every class.  Policies are libtier policy strings.\n"
"\n"
"Workload, one of:\n"
"  --model NAME          qwen2.5-7b, mistral-nemo-12b\n"
"  --params P --layers L --hidden H   any other transformer (P: 7.6G or digits)\n"
"  --classes FILE        tensor classes given directly (format below)\n"
"and for a model:\n"
"  --batch B             micro-batch per GPU (default 1)\n"
"  --seq S               sequence length (default 4096)\n"
"  --optimizer adam|lion (default adam)\n"
"  --grad-accum A        micro-steps per optimizer step (default 1)\n"
"  --gpus G              GPUs (default 1; also for --classes)\n"
"\n"
"Host: this host's topology (capacity: free memory) with the study host's\n"
"figures per tier, unless described:\n"
"  --dram SIZE           DRAM on node 0 (local, with the CPUs)\n"
"  --cxl SIZE            CXL memory in all, split over --cxl-nodes\n"
"  --cxl-nodes N         CXL add-in cards, nodes 1..N (default 1)\n"
"  --cxl-movable         CXL memory is movable-only: nothing pinned there\n"
"  --tiers FILE          change or add nodes and host figures (format below)\n"
"  --gpu-tflops T        GPU compute per GPU (default 0: not modelled)\n"
"  --cpu-max GBPS        most memory traffic the cores drive (default: none)\n"
"\n"
"  --strategy NAME       only these (repeatable)\n"
"  --json                JSON: host, workload, and per strategy its\n"
"                        prediction, policies and bytes per node\n"
"\n"
"Class file, one line each ('#' comments; sizes like 4096, 64K, 1.5G):\n"
"  class NAME bytes=SIZE [cpu-read=SIZE] [cpu-write=SIZE] [h2d=SIZE] [d2h=SIZE]\n"
"             [pinned] [policy=POLICY]      (per step; h2d/d2h all GPUs)\n"
"  gpus N\n"
"  gpu-flops FLOPS\n"
"Tier file, one line each (bandwidths in GB/s; 'tierctl bench mem --tiers'\n"
"measures this host's cpu-read, cpu-write and latency):\n"
"  node ID [dram|cxl] [capacity=SIZE] [cpu-read=] [cpu-write=] [dma-h2d=]\n"
"          [dma-d2h=] [latency=NS] [local] [movable]\n"
"  host [link-h2d=] [link-d2h=] [llc=SIZE] [llc-bw=] [llc-miss=FRACTION]\n"
"       [overhead=SECONDS] [gpu-tflops=] [cpu-max=]\n",
};

const struct tc_cmd cmd_model = {
	.name = "model", .run = model_run, .opts = plan_opts,
	.summary = "predict a step for placements given by hand (\"what if\")",
	.usage = "tierctl model WORKLOAD [HOST] --place CLASS=POLICY... [--json]",
	.help =
"Predicts, with the cost model (doc/cost-model.md), the optimizer step's\n"
"CPU time, each class's copy bandwidth per GPU in each direction and the\n"
"step time, for a placement of every class given as a libtier policy\n"
"(bind, interleave, weighted, split, preferred: each reduced to its bytes\n"
"per node as the module lays them out).  Workload and host options are\n"
"those of 'tierctl plan'.\n"
"\n"
"  --place CLASS=POLICY  a class's placement, e.g. adam-m=split:0=70%,2=30%\n"
"  --place '*=POLICY'    every class not placed otherwise\n"
"                        (a class file's policy= places its class too)\n"
"  --json                JSON\n",
};
