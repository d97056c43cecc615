// SPDX-License-Identifier: GPL-2.0-only
/*
 * tierctl model: the cost model's prediction (doc/cost-model.md) for
 * placements given by hand.  Its input and output are tierctl plan's
 * (plan.h).
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "plan.h"

/* "CLASS=POLICY" or "*=POLICY" (every class without its own). */
static int apply_places(const struct tc_cmd *cmd, const struct plan_args *a,
			struct plan_input *in, struct tier_placement *pl)
{
	bool set[TIER_MODEL_MAX_CLASSES] = { false };
	const char *by_place[TIER_MODEL_MAX_CLASSES] = { NULL };
	char what[TIER_CLASS_NAME_MAX + 16];
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
			snprintf(what, sizeof(what), "--place %.*s=", (int)len, arg);
			if (tc_parse_policy(cmd, what, eq + 1, &p, NULL, 0))
				return -1;
			for (c = 0; c < in->w.nr_classes; c++) {
				const char *name = in->w.classes[c].name;

				if (all ? set[c] :
				    strlen(name) != len || strncmp(name, arg, len))
					continue;
				found = true;
				if (!all && by_place[c]) {
					tc_errorf(cmd, "--place %s: class %s is placed twice (also --place %s)",
						  arg, name, by_place[c]);
					return -1;
				}
				by_place[c] = arg;
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
"  --rank R              with --ranks N, the rank whose placement is\n"
"                        predicted, 0 to N-1 (default 0): its classes on\n"
"                        the nodes it is given\n"
"  --json                JSON\n",
};
