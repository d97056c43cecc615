// SPDX-License-Identifier: GPL-2.0-only
/*
 * The tier file of tierctl plan and model (--tiers): the host's nodes
 * and figures, changed or added, one line each.
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "keyfile.h"
#include "plan.h"
#include "util.h"

/*
 * Tier file:
 *   host [link-h2d=GBPS] [link-d2h=GBPS] [llc=SIZE] [llc-bw=GBPS]
 *        [llc-miss=FRACTION] [overhead=SECONDS] [gpu-tflops=T] [cpu-max=GBPS]
 *   node ID [dram|cxl] [capacity=SIZE] [cpu-read=GBPS] [cpu-write=GBPS]
 *        [dma-h2d=GBPS] [dma-d2h=GBPS] [latency=NS] [optim=GBPS]
 *        [optim-2p=GBPS] [home=NODE] [local] [movable]
 * A node the host has already is changed; a new one needs its tier and
 * capacity.  "movable": not pinnable; "local": the study's local DRAM;
 * home=: the node with CPUs nearest to it (its socket, for --ranks).
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

				if (tier_size_parse(val, &b)) {
					tc_errorf(cmd, "%s: llc=%s: not a size", where, val);
					return -1;
				}
				h->llc_bytes = (double)b;
				continue;
			}
			k = find_key(cmd, where, keys, NR_KEYS(keys), words[i], val,
				     "unknown host key (link-h2d=, link-d2h=, llc=, llc-bw=, llc-miss=, overhead=, gpu-tflops=, cpu-max=)");
			if (k < 0)
				return -1;
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
				    tier_size_parse(words[i] + 9, &cap))
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
			"optim", "optim-2p",
		};
		double *fields[] = {
			&nd->cpu_read_gbps, &nd->cpu_write_gbps, &nd->dma_h2d_gbps,
			&nd->dma_d2h_gbps, &nd->latency_ns, &nd->optim_gbps,
			&nd->optim_2p_gbps,
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
		if (val && !strcmp(words[i], "home")) {
			uint64_t v;

			if (parse_uint(val, INT32_MAX, &v)) {
				tc_errorf(cmd, "%s: home=%s: not a node number", where, val);
				return -1;
			}
			nd->home = (uint32_t)v;
			nd->flags |= TIER_MODEL_NODE_HOME;
			continue;
		}
		if (val && !strcmp(words[i], "capacity")) {
			if (tier_size_parse(val, &nd->capacity)) {
				tc_errorf(cmd, "%s: capacity=%s: not a size", where, val);
				return -1;
			}
			continue;
		}
		k = find_key(cmd, where, keys, NR_KEYS(keys), words[i], val,
			     "unknown node key (dram, cxl, capacity=, cpu-read=, cpu-write=, dma-h2d=, dma-d2h=, latency=, optim=, optim-2p=, home=, local, movable)");
		if (k < 0)
			return -1;
		/* latency and the optimizer rates may be 0: not known */
		if (parse_num(val, fields[k], k >= 4)) {
			tc_errorf(cmd, "%s: %s=%s: %s", where, keys[k], val,
				  k >= 4 ? "not a number of at least 0" :
					   "not a number above 0");
			return -1;
		}
	}
	return 0;
}

int read_tier_file(const struct tc_cmd *cmd, const char *path,
		   struct tier_model_host *h)
{
	return read_lines(cmd, "--tiers", path, tier_line, h);
}
