/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * What tierctl plan (cmd_plan.c) and tierctl model (cmd_model.c) share:
 * their options, the workload and host they read (plan_input.c, with the
 * class file of class_file.c and the tier file of tier_file.c) and the
 * output both print (plan_output.c).
 */
#ifndef TIERCTL_PLAN_H
#define TIERCTL_PLAN_H

#include <stdbool.h>

#include "json.h"
#include "tier_plan.h"
#include "tierctl.h"

/* One option table for both: each refuses the other's own options. */
extern const struct option plan_opts[];

#define MAX_PLACE	(TIER_MODEL_MAX_CLASSES + 1)

struct plan_args {
	const char *model, *params, *layers, *hidden, *batch, *seq;
	const char *optimizer, *accum, *gpus, *ranks, *classes, *gpu_nodes;
	const char *rank;	/* tierctl model: whose placement */
	const char *dram, *cxl, *cxl_nodes, *tiers, *tflops, *cpu_max;
	bool cxl_movable, json;
	unsigned int strategies;	/* bit per TIER_PLAN_*; 0: all */
	const char *place[MAX_PLACE];	/* "CLASS=POLICY" */
	unsigned int nr_place;
};

/* The version of plan's and model's JSON shape ("schema"). */
#define PLAN_JSON_SCHEMA	1

/* What the output says about where the host and workload came from. */
struct plan_input {
	struct tier_model_host host;
	struct tier_workload w;
	struct tier_llm llm;
	bool is_llm;
	char host_source[160];
	/* with --ranks: how the CXL nodes were shared out, and from what */
	int rank_map;			/* TIER_RANKS_* */
	int32_t rank_home[TIER_MODEL_MAX_RANKS];	/* -1: not known */
	char rank_source[160];
	/* class file policies, by class index (tierctl model) */
	char file_policy[TIER_MODEL_MAX_CLASSES][TIER_POLICY_STRLEN];
};

/*
 * The start of plan and model: the command line into @a, the workload and
 * the host into @in.  Returns -1 when the command goes on, else its exit
 * status.
 */
int plan_start(const struct tc_cmd *cmd, int argc, char **argv,
	       struct plan_args *a, struct plan_input *in, bool plan);

/*
 * A class file (format in cmd_plan's help) into @in's workload and its
 * policy= words into @in->file_policy.  Returns 0, or -1 after an error
 * message.
 */
int read_class_file(const struct tc_cmd *cmd, const char *path,
		    struct plan_input *in);
/*
 * A tier file (format in cmd_plan's help) over @h: nodes it has are
 * changed, new ones added.  Returns 0, or -1 after an error message.
 */
int read_tier_file(const struct tc_cmd *cmd, const char *path,
		   struct tier_model_host *h);

/* What plan and model show first: the host, the workload, a blank line. */
int print_input(const struct tc_cmd *cmd, const struct plan_input *in);
/* What plan's and model's JSON object starts with: the host, the workload. */
void json_open_input(struct json *j, const struct plan_input *in);
/* The members of one placement's prediction (inside an open object). */
void json_prediction(struct json *j, const struct plan_input *in,
		     const struct tier_placement *pl,
		     const struct tier_model_result *r);
/* One placement's class table. */
int print_classes(const struct tc_cmd *cmd, const struct plan_input *in,
		  const struct tier_placement *pl,
		  const struct tier_model_result *r);
/* With --ranks: how the CXL nodes were shared out, and each rank's nodes. */
void print_ranks(const struct plan_input *in);
void json_ranks(struct json *j, const struct plan_input *in);
/* A warning line for each node the placement fills over its capacity. */
void print_over_capacity(const struct plan_input *in,
			 const struct tier_model_result *r);

#endif
