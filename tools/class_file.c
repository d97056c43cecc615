// SPDX-License-Identifier: GPL-2.0-only
/*
 * The class file of tierctl plan and model (--classes): a workload's
 * tensor classes given directly, one line each.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "keyfile.h"
#include "plan.h"
#include "util.h"

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
			char what[64];

			snprintf(what, sizeof(what), "%s: policy=", where);
			if (tc_parse_policy(cmd, what, val, &p, NULL, 0))
				return -1;
			snprintf(in->file_policy[w->nr_classes],
				 sizeof(in->file_policy[0]), "%s", val);
			continue;
		}
		k = find_key(cmd, where, keys, NR_KEYS(keys), words[i], val,
			     "unknown (bytes=, cpu-read=, cpu-write=, h2d=, d2h=, pinned, policy=)");
		if (k < 0)
			return -1;
		if (tier_size_parse(val, fields[k])) {
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

int read_class_file(const struct tc_cmd *cmd, const char *path,
		    struct plan_input *in)
{
	return read_lines(cmd, "--classes", path, class_line, in);
}
